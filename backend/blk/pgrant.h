/* SPDX-License-Identifier: MIT */
/*
 * pgrant.h - the persistent grant cache of one ring.
 *
 * A frontend that negotiated feature-persistent reuses a bounded set of
 * grants for its data pages and its indirect descriptor pages.  The cache
 * maps each of them once and keeps at most `capacity` mapped, whatever
 * they are used for: it is keyed by grant reference, and one mapping
 * serves a page used for data in one request and for descriptors in
 * another.  When full, the least recently used grant that no request is
 * using is unmapped to make room; when every mapped grant is in use,
 * xpvd_pgrant_get() says -ENOSPC and the caller serves the request
 * another way (grant copy).  So the number of mappings this ring holds is
 * bounded by the capacity, whatever the guest does.
 *
 * Grants are mapped read-write (the same grant serves reads and writes,
 * as in Linux blkback).  A caller that only reads the page (descriptors)
 * also takes a grant the frontend made read-only: when the read-write map
 * is refused, the grant is mapped read-only and cached as such; a caller
 * that needs to write it later gets it remapped read-write (which fails,
 * and drops it, if the grant really is read-only).
 *
 * Each miss is mapped by its own one-page map call: a cached grant must be
 * unmappable on its own, and misses are rare once the frontend's pool is
 * warm.  A mapped grant stays valid: the granter cannot end a grant that
 * is mapped, so a cached reference names the same page until it is
 * unmapped (eviction, or the end of the ring).
 *
 * One cache per ring, used by the ring's worker thread only.  All memory is
 * allocated at creation: get/put never allocate.  Never logs.
 */
#ifndef XENPVD_BACKEND_PGRANT_H
#define XENPVD_BACKEND_PGRANT_H

#include <stdbool.h>
#include <stdint.h>

#include "platform.h"

struct xpvd_pgrant;

/*
 * Creates an empty cache of capacity (>= 1) grants of domain domid, mapped
 * through handle h of ops.  0 and *out, or -EINVAL, -ENOMEM.
 */
int xpvd_pgrant_create(const struct xpv_gnt_ops *ops, struct xpv_gnt *h,
		       xpv_domid_t domid, uint32_t capacity,
		       struct xpvd_pgrant **out);

/* Unmaps every grant and frees the cache.  NULL-safe.  No entry may be in
 * use (a worker puts everything back before it stops). */
void xpvd_pgrant_destroy(struct xpvd_pgrant *pg);

/* What one xpvd_pgrant_get() found and did, for the statistics. */
struct xpvd_pgrant_tally {
	unsigned int hits;	/* refs found mapped as needed: no call */
	unsigned int misses;	/* refs that had to be (re)mapped */
	unsigned int map_calls;	/* map calls made (a read-only retry is a
				 * second one), failed ones included */
};

/*
 * Finds or maps n grants and pins them: addrs[i] receives the address of
 * refs[i]'s page, slots[i] the handle to give back to xpvd_pgrant_put().
 * writable: the caller writes to the pages; when false they may be mapped
 * read-only (see above) and the caller must only read them.  The same ref
 * may appear more than once.  *t counts the lookups.  Returns 0; -ENOSPC
 * when the cache cannot hold them (every mapped grant pinned); -EBUSY when
 * writable and a ref is mapped read-only and pinned; or the map's -errno
 * (bad or read-only grant).  On error nothing stays pinned (grants mapped
 * on the way stay cached).
 */
int xpvd_pgrant_get(struct xpvd_pgrant *pg, const xpv_gref_t *refs,
		    unsigned int n, bool writable, void **addrs,
		    uint32_t *slots, struct xpvd_pgrant_tally *t);

/* Unpins n grants returned by xpvd_pgrant_get(). */
void xpvd_pgrant_put(struct xpvd_pgrant *pg, const uint32_t *slots,
		     unsigned int n);

/* Number of grants mapped now. */
uint32_t xpvd_pgrant_mapped(const struct xpvd_pgrant *pg);

#endif /* XENPVD_BACKEND_PGRANT_H */
