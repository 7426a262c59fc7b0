/* SPDX-License-Identifier: MIT */
/*
 * ring.h - request/response rings, compatible with Xen's public/io/ring.h.
 *
 * A shared ring is 1, 2, 4, 8 or 16 contiguous 4 KiB pages: a 64-byte
 * header (req_prod, req_event, rsp_prod, rsp_event, then padding) followed
 * by slots of one size, the size of the union of the request and the
 * response (as DEFINE_RING_TYPES makes it; XPV_RING_SLOT_SIZE() computes
 * it).  The number of slots is the largest power of two that fits.  Indices
 * are free-running 32-bit counters, masked by the number of slots.  The
 * memory layout, the indices and the notification rules are bit for bit
 * those of the Xen macros, so either side interoperates with a peer that
 * uses ring.h (Linux blkfront/blkback, QEMU, the tests' oracle).
 *
 * The front side produces requests and consumes responses; the back side
 * consumes requests and produces responses.  Each side keeps its private
 * indices in its own struct; only the shared header lives in the ring.
 *
 * Guarantees:
 * - The peer is not trusted.  Every shared index is read once per check,
 *   and an index that cannot be right (more requests than the ring holds,
 *   more responses than requests, an index moving backwards) makes the
 *   check return -EIO and marks the side broken: every later check returns
 *   -EIO too, and nothing more is consumed.  The caller stops the ring.
 * - Nothing is consumed beyond what the last check validated.
 * - Copy helpers read each byte of a shared slot once, into private memory,
 *   so the caller validates a copy the peer cannot change under it.
 * - Producing does not publish: a batch of requests or responses is made
 *   visible with one push, which also says whether to notify the peer.
 * - No allocation, no logging, no locks: one side of one ring is used by one
 *   thread at a time.
 */
#ifndef XENPVD_COMMON_RING_H
#define XENPVD_COMMON_RING_H

#include <stddef.h>
#include <stdint.h>

#define XPV_RING_PAGE_SIZE 4096u
#define XPV_RING_MAX_PAGES 16u
#define XPV_RING_HDR_SIZE 64u

/* The shared header, at offset 0 of the first page (struct *_sring). */
struct xpv_sring {
	uint32_t req_prod;  /* written by the front */
	uint32_t req_event; /* written by the back: wake me at this req_prod */
	uint32_t rsp_prod;  /* written by the back */
	uint32_t rsp_event; /* written by the front: wake me at this rsp_prod */
	uint8_t pvt[4];     /* per-protocol private bytes (netif, tapif) */
	uint8_t pad[44];
	/* slot i (i = index & (nr_ents - 1)) at offset 64 + i * slot_size */
};

/* The slot size of a ring of req_type requests and rsp_type responses:
 * sizeof the union, as DEFINE_RING_TYPES declares it. */
#define XPV_RING_SLOT_SIZE(req_type, rsp_type) \
	sizeof(union { req_type xpv_req_; rsp_type xpv_rsp_; })

/* Geometry of an attached ring, shared by both sides' structs. */
struct xpv_ring {
	struct xpv_sring *sring;
	unsigned char *slots; /* (unsigned char *)sring + 64 */
	size_t slot_size;
	uint32_t nr_ents;     /* a power of two */
};

/* The front side (FRONT_RING): produces requests, consumes responses. */
struct xpv_ring_front {
	struct xpv_ring ring;
	uint32_t req_prod_pvt;  /* next request slot to fill */
	uint32_t rsp_cons;      /* next response to consume */
	uint32_t rsp_prod_seen; /* rsp_prod as last validated */
	int broken;
};

/* The back side (BACK_RING): consumes requests, produces responses. */
struct xpv_ring_back {
	struct xpv_ring ring;
	uint32_t rsp_prod_pvt;  /* next response slot to fill */
	uint32_t req_cons;      /* next request to consume */
	uint32_t req_prod_seen; /* req_prod as last validated */
	int broken;
};

/* ---- geometry and attaching ---- */

/*
 * Number of slots of a ring of nr_pages pages (1, 2, 4, 8 or 16) and
 * slot_size-byte slots: the largest power of two <= (nr_pages * 4096 - 64) /
 * slot_size.  Returns it (>= 1), or -EINVAL if nr_pages is not allowed or
 * not even one slot fits.
 */
int xpv_ring_nr_ents(unsigned int nr_pages, size_t slot_size);

/* Initialise a shared header (SHARED_RING_INIT): producer indices 0, event
 * indices 1, padding zeroed.  Only the front does this, before it grants
 * the ring; the slots are not touched. */
void xpv_ring_shared_init(void *sring);

/*
 * Initialise the shared header, then attach the front at index 0
 * (XEN_FRONT_RING_INIT).  Returns 0, or -EINVAL for a bad geometry (see
 * xpv_ring_nr_ents()) or a NULL pointer, in which case nothing is written.
 */
int xpv_ring_front_init(struct xpv_ring_front *f, void *sring,
			unsigned int nr_pages, size_t slot_size);

/* Attach the front to an existing ring at index idx (FRONT_RING_ATTACH):
 * req_prod_pvt = rsp_cons = idx.  The shared memory is not touched.
 * Returns 0 or -EINVAL. */
int xpv_ring_front_attach(struct xpv_ring_front *f, void *sring,
			  unsigned int nr_pages, size_t slot_size,
			  uint32_t idx);

/* Attach the back at index idx (BACK_RING_ATTACH; BACK_RING_INIT is idx
 * 0): rsp_prod_pvt = req_cons = idx.  The shared memory is not touched.
 * Returns 0 or -EINVAL. */
int xpv_ring_back_attach(struct xpv_ring_back *b, void *sring,
			 unsigned int nr_pages, size_t slot_size, uint32_t idx);

/*
 * Attach the back where a previous backend left the ring (restart without
 * the frontend noticing): at the shared rsp_prod, so requests consumed but
 * never answered are consumed again.  Then checks the frontend's req_prod
 * as xpv_ring_back_unconsumed() does.  Returns the number of requests
 * waiting (>= 0), -EINVAL for a bad geometry, or -EIO if req_prod is not
 * within one ring of rsp_prod (the side is then attached but broken).
 */
int xpv_ring_back_reattach(struct xpv_ring_back *b, void *sring,
			   unsigned int nr_pages, size_t slot_size);

/* ---- slots ---- */

/* The slot that holds index idx (RING_GET_REQUEST/RESPONSE). */
void *xpv_ring_slot(const struct xpv_ring *r, uint32_t idx);

/*
 * Copy len bytes out of a shared slot into private memory, reading each
 * byte once (RING_COPY_REQUEST): after it returns, the compiler never goes
 * back to the slot for these bytes, so checks on dst hold.
 */
void xpv_ring_copy_from_slot(void *dst, const void *slot, size_t len);

/* ---- front side ---- */

/* Free request slots (RING_FREE_REQUESTS): the ring size minus requests
 * produced whose responses were not consumed yet. */
uint32_t xpv_ring_front_free(const struct xpv_ring_front *f);

/* The next request slot, which is then counted as produced (not yet
 * published), or NULL if the ring is full.  The caller fills it before the
 * next push. */
void *xpv_ring_front_next_req(struct xpv_ring_front *f);

/* Copy len bytes into the next request slot (the rest of the slot is left
 * as it was).  Returns 0, -ENOSPC if the ring is full, -EINVAL if len is
 * larger than a slot. */
int xpv_ring_front_put_req(struct xpv_ring_front *f, const void *req,
			   size_t len);

/* Publish the requests produced since the last push
 * (RING_PUSH_REQUESTS_AND_CHECK_NOTIFY).  Returns 1 if the back asked to be
 * notified of these (send an event), 0 otherwise. */
int xpv_ring_front_push_requests(struct xpv_ring_front *f);

/* Read the back's rsp_prod and return how many responses can be consumed,
 * or -EIO (broken) if it claims more responses than requests produced or
 * moved backwards. */
int xpv_ring_front_unconsumed(struct xpv_ring_front *f);

/* The next response slot, which is then counted as consumed, or NULL if the
 * last xpv_ring_front_unconsumed()/final check saw no more (or the side is
 * broken).  Read it only with xpv_ring_copy_from_slot(). */
const void *xpv_ring_front_next_rsp(struct xpv_ring_front *f);

/* Copy the next response (len bytes) into private memory and consume it.
 * Returns 0, -EAGAIN if none was seen, -EINVAL if len is larger than a
 * slot, -EIO if broken. */
int xpv_ring_front_get_rsp(struct xpv_ring_front *f, void *rsp, size_t len);

/* Before sleeping (RING_FINAL_CHECK_FOR_RESPONSES): if no response is
 * waiting, ask to be notified of the next one and look again.  Returns 1 if
 * responses are waiting (do not sleep), 0 if not, -EIO if broken. */
int xpv_ring_front_final_check(struct xpv_ring_front *f);

/* ---- back side ---- */

/* Read the front's req_prod, check it, and return how many requests can be
 * consumed.  Returns -EIO (broken: stop the ring) if req_prod is more than
 * the ring size ahead of rsp_prod_pvt or behind req_cons. */
int xpv_ring_back_unconsumed(struct xpv_ring_back *b);

/* The next request slot, which is then counted as consumed, or NULL if the
 * last check saw no more (or the side is broken).  Read it only with
 * xpv_ring_copy_from_slot() or a helper built on it. */
const void *xpv_ring_back_next_req(struct xpv_ring_back *b);

/* Copy the next request (len bytes) into private memory and consume it.
 * Returns 0, -EAGAIN if none was seen, -EINVAL if len is larger than a
 * slot, -EIO if broken. */
int xpv_ring_back_get_req(struct xpv_ring_back *b, void *req, size_t len);

/* Requests consumed and not answered yet (req_cons - rsp_prod_pvt). */
uint32_t xpv_ring_back_inflight(const struct xpv_ring_back *b);

/* The next response slot, which is then counted as produced (not yet
 * published), or NULL if every consumed request has its response: the back
 * never produces more responses than it consumed requests. */
void *xpv_ring_back_next_rsp(struct xpv_ring_back *b);

/* Copy len bytes into the next response slot.  Returns 0, -ENOSPC if no
 * consumed request is left to answer, -EINVAL if len is larger than a
 * slot. */
int xpv_ring_back_put_rsp(struct xpv_ring_back *b, const void *rsp,
			  size_t len);

/* Publish the responses produced since the last push
 * (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY).  Returns 1 if the front asked to
 * be notified of these, 0 otherwise. */
int xpv_ring_back_push_responses(struct xpv_ring_back *b);

/* Before sleeping (RING_FINAL_CHECK_FOR_REQUESTS): if no request is
 * waiting, ask to be notified of the next one and look again.  Returns 1 if
 * requests are waiting (do not sleep), 0 if not, -EIO if broken. */
int xpv_ring_back_final_check(struct xpv_ring_back *b);

#endif /* XENPVD_COMMON_RING_H */
