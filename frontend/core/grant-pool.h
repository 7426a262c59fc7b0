/* SPDX-License-Identifier: MIT */
/*
 * grant-pool.h - pages a frontend grants to its backend: areas (rings,
 * buffers) and page pools, for every channel of libxenpvfront.
 *
 * An area is count contiguous pages of our memory, each granted to the
 * backend's domain.  Ending an area can fail while the backend still maps
 * a page of it (a persistent grant, a backend that has not let go yet):
 * the area is then kept as a "zombie" of its device and retried later,
 * never reused and never handed out again, so no page is ever granted
 * twice or freed under the peer.
 *
 * A pool is an area granted once per connection and reused for every
 * request: a free list of page indices, taken and given back as lists
 * linked through the same next[] array (a request's pages stay linked in
 * order until it completes).  Taking and giving back never allocate; the
 * arrays are made when the pool is.
 *
 * Functions return 0 or -errno and never log.  Everything runs on the
 * device's thread (see xenbus-front.h).
 */
#ifndef XENPVD_FRONTEND_CORE_GRANT_POOL_H
#define XENPVD_FRONTEND_CORE_GRANT_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform.h"

struct front_dev;

/* The end of a page list. */
#define FRONT_NO_PAGE UINT32_MAX

/* Granted pages; addr NULL when none. */
struct front_area {
	void *addr;
	uint32_t count;
};

/*
 * Grants count zeroed pages to the device's backend domain (writable: the
 * backend may write them) and writes their references to refs[count].
 * 0 and *a, or the platform's -errno (-ENOSPC when the platform grants no
 * more pages); *a is left empty on error.
 */
int front_area_share(struct front_dev *d, struct front_area *a, uint32_t count,
		     xpv_gref_t *refs, bool writable);

/*
 * Ends an area's grants and frees its pages, or, when the peer still maps
 * them, keeps the area to retry later (front_zombies_retry()).  *a is
 * empty afterwards either way.  An empty area is fine.
 */
void front_area_end(struct front_dev *d, struct front_area *a);

/* Tries again to end the areas whose end failed; keeps those that fail. */
void front_zombies_retry(struct front_dev *d);

struct front_pool {
	struct front_area area;
	xpv_gref_t *refs;	/* refs[i]: the grant of page i */
	uint32_t *next;		/* free list and the users' page lists */
	uint32_t free_head;
	uint32_t nr_free;
};

/* Grants a pool of pages.  0 or -errno (nothing is left then). */
int front_pool_setup(struct front_dev *d, struct front_pool *p, uint32_t pages);

/* Ends a pool's grants (front_area_end()) and frees its arrays; the pool
 * is empty afterwards.  An empty pool is fine. */
void front_pool_release(struct front_dev *d, struct front_pool *p);

/*
 * Grants each of n pools per pages, or, when the platform refuses that
 * many grants, the largest per that halving allows down to min.  Grants
 * are bounded: Linux's gntalloc refuses more than its `limit` (1024 by
 * default, for the whole system) with -ENOSPC, so a large default shrinks
 * to fit instead of failing.  0, or -errno with every pool empty.
 */
int front_pools_setup(struct front_dev *d, struct front_pool *const *pools,
		      unsigned int n, uint32_t per, uint32_t min);

/* Takes n pages as one list (in next[], ending in FRONT_NO_PAGE) and
 * returns its head.  The caller has checked nr_free >= n. */
static inline uint32_t front_pool_get(struct front_pool *p, uint32_t n)
{
	uint32_t head = FRONT_NO_PAGE, tail = FRONT_NO_PAGE, i;

	while (n--) {
		i = p->free_head;
		p->free_head = p->next[i];
		p->nr_free--;
		p->next[i] = FRONT_NO_PAGE;
		if (tail == FRONT_NO_PAGE)
			head = i;
		else
			p->next[tail] = i;
		tail = i;
	}
	return head;
}

/* Gives back a list of front_pool_get() (FRONT_NO_PAGE: nothing). */
static inline void front_pool_put(struct front_pool *p, uint32_t head)
{
	uint32_t next;

	while (head != FRONT_NO_PAGE) {
		next = p->next[head];
		p->next[head] = p->free_head;
		p->free_head = head;
		p->nr_free++;
		head = next;
	}
}

static inline unsigned char *front_pool_page(const struct front_pool *p,
					     uint32_t i)
{
	return (unsigned char *)p->area.addr + (size_t)i * XPV_PAGE_SIZE;
}

#endif /* XENPVD_FRONTEND_CORE_GRANT_POOL_H */
