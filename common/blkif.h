/* SPDX-License-Identifier: MIT */
/*
 * blkif.h - the blkif wire formats in every ABI a guest may speak.
 *
 * The native structs are Xen's own, from <xen/io/blkif.h>.  A backend also
 * serves guests whose ABI is not its own: a 32-bit x86 guest lays requests
 * out with 4-byte alignment of 64-bit fields (id at offset 4, not 8), so the
 * backend keeps a packed view per ABI, picks it from the frontend's
 * `protocol` key, and converts each request into the native struct when it
 * copies it out of the ring.  Responses go the other way.
 *
 * Guarantees:
 * - The packed views have exactly the layout the Xen header gives on each
 *   ABI (checked by _Static_assert in blkif.c and against the native struct
 *   in the tests).
 * - xpv_blkif_get_request() reads each byte of the shared slot once, into
 *   private memory, before it decodes anything; it validates nothing: the
 *   caller checks the private copy.
 * - Responses are written whole, padding zeroed, so no private memory leaks
 *   to the guest.
 * - No allocation, no logging.
 */
#ifndef XENPVD_COMMON_BLKIF_H
#define XENPVD_COMMON_BLKIF_H

#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/io/blkif.h>

#include "ring.h"

/* Limits of the protocol. */
#define XPV_BLKIF_MAX_SEGMENTS BLKIF_MAX_SEGMENTS_PER_REQUEST /* 11 */
#define XPV_BLKIF_SEGS_PER_INDIRECT_PAGE 512u /* 4096 / 8 */
#define XPV_BLKIF_MAX_INDIRECT_PAGES BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST
#define XPV_BLKIF_MAX_INDIRECT_SEGMENTS \
	(XPV_BLKIF_SEGS_PER_INDIRECT_PAGE * XPV_BLKIF_MAX_INDIRECT_PAGES)

/* Which layout the frontend uses. */
enum xpv_blkif_abi {
	XPV_BLKIF_ABI_NATIVE = 0, /* ours: struct blkif_request as compiled */
	XPV_BLKIF_ABI_X86_32,     /* "x86_32-abi" */
	XPV_BLKIF_ABI_X86_64,     /* "x86_64-abi" */
};

/* A request in native layout, whatever its operation.  All members begin
 * with the operation byte, which `operation` reads. */
union xpv_blkif_request {
	uint8_t operation;
	struct blkif_request rw; /* READ, WRITE, WRITE_BARRIER, FLUSH, other */
	struct blkif_request_discard discard;
	struct blkif_request_indirect indirect;
};

/* ---- the x86_32 ABI (id at offset 4) ---- */

struct xpv_blkif_x86_32_request {
	uint8_t operation;
	uint8_t nr_segments;
	uint16_t handle;
	uint64_t id;
	uint64_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
} __attribute__((__packed__)); /* 108 bytes */

struct xpv_blkif_x86_32_request_discard {
	uint8_t operation;
	uint8_t flag;
	uint16_t handle;
	uint64_t id;
	uint64_t sector_number;
	uint64_t nr_sectors;
} __attribute__((__packed__)); /* 28 bytes */

struct xpv_blkif_x86_32_request_indirect {
	uint8_t operation;
	uint8_t indirect_op;
	uint16_t nr_segments;
	uint64_t id;
	uint64_t sector_number;
	uint16_t handle;
	uint16_t pad1;
	uint32_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	uint64_t pad2;
} __attribute__((__packed__)); /* 64 bytes */

struct xpv_blkif_x86_32_response {
	uint64_t id;
	uint8_t operation;
	uint8_t pad;
	int16_t status;
} __attribute__((__packed__)); /* 12 bytes */

/* ---- the x86_64 ABI (id at offset 8) ---- */

struct xpv_blkif_x86_64_request {
	uint8_t operation;
	uint8_t nr_segments;
	uint16_t handle;
	uint32_t pad;
	uint64_t id;
	uint64_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
} __attribute__((__packed__)); /* 112 bytes */

struct xpv_blkif_x86_64_request_discard {
	uint8_t operation;
	uint8_t flag;
	uint16_t handle;
	uint32_t pad;
	uint64_t id;
	uint64_t sector_number;
	uint64_t nr_sectors;
} __attribute__((__packed__)); /* 32 bytes */

struct xpv_blkif_x86_64_request_indirect {
	uint8_t operation;
	uint8_t indirect_op;
	uint16_t nr_segments;
	uint32_t pad1;
	uint64_t id;
	uint64_t sector_number;
	uint16_t handle;
	uint16_t pad2;
	uint32_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	uint32_t pad3;
} __attribute__((__packed__)); /* 64 bytes */

struct xpv_blkif_x86_64_response {
	uint64_t id;
	uint8_t operation;
	uint8_t pad1;
	int16_t status;
	uint32_t pad2;
} __attribute__((__packed__)); /* 16 bytes */

/* Ring slots of each ABI (the union of DEFINE_RING_TYPES). */
union xpv_blkif_x86_32_sring_entry {
	struct xpv_blkif_x86_32_request req;
	struct xpv_blkif_x86_32_response rsp;
}; /* 108 bytes: 32 slots in one page */

union xpv_blkif_x86_64_sring_entry {
	struct xpv_blkif_x86_64_request req;
	struct xpv_blkif_x86_64_response rsp;
}; /* 112 bytes: 32 slots in one page */

/* ---- ABI selection ---- */

/*
 * Parse the frontend's `protocol` value: "x86_32-abi" or "x86_64-abi",
 * exactly.  Returns 0 with *abi set, or -EINVAL for anything else (NULL
 * included: what a missing key means is the caller's policy).
 */
int xpv_blkif_abi_parse(const char *protocol, enum xpv_blkif_abi *abi);

/* The `protocol` string of an ABI (NATIVE gives this build's native one),
 * or NULL for an unknown value. */
const char *xpv_blkif_abi_name(enum xpv_blkif_abi abi);

/* Slot size of the ring for an ABI (112, 108, 112 on x86_64), or -EINVAL. */
int xpv_blkif_slot_size(enum xpv_blkif_abi abi);

/* Front/back of a blkif ring of an ABI: xpv_ring_front_init() and
 * xpv_ring_back_attach() with that ABI's slot size.  Return as those. */
int xpv_blkif_front_init(struct xpv_ring_front *f, enum xpv_blkif_abi abi,
			 void *sring, unsigned int nr_pages);
int xpv_blkif_back_attach(struct xpv_ring_back *b, enum xpv_blkif_abi abi,
			  void *sring, unsigned int nr_pages, uint32_t idx);
/* As xpv_ring_back_reattach() (restart: attach at rsp_prod). */
int xpv_blkif_back_reattach(struct xpv_ring_back *b, enum xpv_blkif_abi abi,
			    void *sring, unsigned int nr_pages);

/* ---- conversion ---- */

/*
 * Copy a request out of a shared slot laid out in the given ABI and convert
 * it into native layout in *req.  The whole slot is copied once into private
 * memory first; then the fields of the layout its operation selects
 * (discard, indirect, or read/write for every other operation, so the id
 * of an unknown operation can still be answered) are converted, and the
 * rest of *req is zeroed.  Nothing is validated.  Returns 0, or -EINVAL for
 * an unknown ABI.
 */
int xpv_blkif_get_request(enum xpv_blkif_abi abi, const void *slot,
			  union xpv_blkif_request *req);

/* The inverse, for frontends and tests: write a native request into a slot
 * of the given ABI (padding zeroed).  Returns 0 or -EINVAL. */
int xpv_blkif_put_request(enum xpv_blkif_abi abi, void *slot,
			  const union xpv_blkif_request *req);

/* Write a response into a slot of the given ABI, padding zeroed.  Returns
 * 0 or -EINVAL. */
int xpv_blkif_put_response(enum xpv_blkif_abi abi, void *slot, uint64_t id,
			   uint8_t operation, int16_t status);

/* Copy a response out of a slot of the given ABI into native layout.
 * Returns 0 or -EINVAL. */
int xpv_blkif_get_response(enum xpv_blkif_abi abi, const void *slot,
			   struct blkif_response *rsp);

/* ---- on a back ring ---- */

/* Consume the next request of a back ring (xpv_ring_back_next_req()) and
 * convert it.  Returns 0, -EAGAIN if none was seen by the last check, -EIO
 * if the ring is broken, -EINVAL for an unknown ABI (nothing consumed). */
int xpv_blkif_back_get_request(struct xpv_ring_back *b,
			       enum xpv_blkif_abi abi,
			       union xpv_blkif_request *req);

/* Produce the next response of a back ring (not yet pushed).  Returns 0,
 * -ENOSPC if every consumed request was already answered, -EINVAL for an
 * unknown ABI (nothing produced). */
int xpv_blkif_back_put_response(struct xpv_ring_back *b,
				enum xpv_blkif_abi abi, uint64_t id,
				uint8_t operation, int16_t status);

#endif /* XENPVD_COMMON_BLKIF_H */
