/* SPDX-License-Identifier: MIT */
/*
 * ring.c - request/response rings compatible with Xen's public/io/ring.h.
 *
 * See ring.h for the contract.  The barriers are those of the Xen macros,
 * in the same places; each one names the barrier of the peer it pairs with.
 * The peer may run any implementation of ring.h, so the pairing is with the
 * peer's code path, written here as ours (the two sides are symmetric).
 */
#include <errno.h>
#include <string.h>

#include "barrier.h"
#include "ring.h"

_Static_assert(sizeof(struct xpv_sring) == XPV_RING_HDR_SIZE,
	       "the shared ring header is 64 bytes");
_Static_assert(offsetof(struct xpv_sring, req_prod) == 0, "req_prod");
_Static_assert(offsetof(struct xpv_sring, req_event) == 4, "req_event");
_Static_assert(offsetof(struct xpv_sring, rsp_prod) == 8, "rsp_prod");
_Static_assert(offsetof(struct xpv_sring, rsp_event) == 12, "rsp_event");
_Static_assert(offsetof(struct xpv_sring, pvt) == 16, "pvt");

/* Largest power of two <= x, for x >= 1. */
static uint32_t rounddown_pow2(uint32_t x)
{
	return (uint32_t)1 << (31 - __builtin_clz(x));
}

int xpv_ring_nr_ents(unsigned int nr_pages, size_t slot_size)
{
	size_t area;

	if (nr_pages == 0 || nr_pages > XPV_RING_MAX_PAGES ||
	    (nr_pages & (nr_pages - 1)) != 0)
		return -EINVAL;
	area = (size_t)nr_pages * XPV_RING_PAGE_SIZE - XPV_RING_HDR_SIZE;
	if (slot_size == 0 || slot_size > area)
		return -EINVAL;
	return (int)rounddown_pow2((uint32_t)(area / slot_size));
}

void xpv_ring_shared_init(void *sring)
{
	struct xpv_sring *s = sring;

	s->req_prod = 0;
	s->rsp_prod = 0;
	s->req_event = 1;
	s->rsp_event = 1;
	memset(s->pvt, 0, sizeof(s->pvt));
	memset(s->pad, 0, sizeof(s->pad));
}

static int ring_setup(struct xpv_ring *r, void *sring, unsigned int nr_pages,
		      size_t slot_size)
{
	int n;

	if (sring == NULL)
		return -EINVAL;
	n = xpv_ring_nr_ents(nr_pages, slot_size);
	if (n < 0)
		return n;
	r->sring = sring;
	r->slots = (unsigned char *)sring + XPV_RING_HDR_SIZE;
	r->slot_size = slot_size;
	r->nr_ents = (uint32_t)n;
	return 0;
}

int xpv_ring_front_attach(struct xpv_ring_front *f, void *sring,
			  unsigned int nr_pages, size_t slot_size,
			  uint32_t idx)
{
	struct xpv_ring r;
	int err;

	if (f == NULL)
		return -EINVAL;
	err = ring_setup(&r, sring, nr_pages, slot_size);
	if (err < 0)
		return err;
	f->ring = r;
	f->req_prod_pvt = idx;
	f->rsp_cons = idx;
	f->rsp_prod_seen = idx;
	f->broken = 0;
	return 0;
}

int xpv_ring_front_init(struct xpv_ring_front *f, void *sring,
			unsigned int nr_pages, size_t slot_size)
{
	int err;

	err = xpv_ring_front_attach(f, sring, nr_pages, slot_size, 0);
	if (err < 0)
		return err;
	/* The ring is not granted yet: no peer, no ordering to care about. */
	xpv_ring_shared_init(sring);
	return 0;
}

int xpv_ring_back_attach(struct xpv_ring_back *b, void *sring,
			 unsigned int nr_pages, size_t slot_size, uint32_t idx)
{
	struct xpv_ring r;
	int err;

	if (b == NULL)
		return -EINVAL;
	err = ring_setup(&r, sring, nr_pages, slot_size);
	if (err < 0)
		return err;
	b->ring = r;
	b->rsp_prod_pvt = idx;
	b->req_cons = idx;
	b->req_prod_seen = idx;
	b->broken = 0;
	return 0;
}

int xpv_ring_back_reattach(struct xpv_ring_back *b, void *sring,
			   unsigned int nr_pages, size_t slot_size)
{
	uint32_t rsp_prod;
	int err;

	if (sring == NULL)
		return -EINVAL;
	/* Our own index, written by the previous backend; the frontend never
	 * writes it, and a bad value is caught by the req_prod check below. */
	rsp_prod = xpv_read_once_u32(&((struct xpv_sring *)sring)->rsp_prod);
	err = xpv_ring_back_attach(b, sring, nr_pages, slot_size, rsp_prod);
	if (err < 0)
		return err;
	return xpv_ring_back_unconsumed(b);
}

void *xpv_ring_slot(const struct xpv_ring *r, uint32_t idx)
{
	return r->slots + (size_t)(idx & (r->nr_ents - 1)) * r->slot_size;
}

void xpv_ring_copy_from_slot(void *dst, const void *slot, size_t len)
{
	memcpy(dst, slot, len);
	/*
	 * Compiler barrier only: from here on the compiler must assume the
	 * slot changed, so it can no longer read the slot again in place of
	 * dst (the double fetch a plain struct copy allows).  CPU ordering of
	 * these loads against the producer's index is the caller's rmb.
	 */
	xpv_barrier();
}

/* ---- front side ---- */

uint32_t xpv_ring_front_free(const struct xpv_ring_front *f)
{
	return f->ring.nr_ents - (f->req_prod_pvt - f->rsp_cons);
}

void *xpv_ring_front_next_req(struct xpv_ring_front *f)
{
	if (xpv_ring_front_free(f) == 0)
		return NULL;
	return xpv_ring_slot(&f->ring, f->req_prod_pvt++);
}

int xpv_ring_front_put_req(struct xpv_ring_front *f, const void *req,
			   size_t len)
{
	void *slot;

	if (len > f->ring.slot_size)
		return -EINVAL;
	slot = xpv_ring_front_next_req(f);
	if (slot == NULL)
		return -ENOSPC;
	memcpy(slot, req, len);
	return 0;
}

int xpv_ring_front_push_requests(struct xpv_ring_front *f)
{
	struct xpv_sring *s = f->ring.sring;
	uint32_t old, new, event;

	old = xpv_read_once_u32(&s->req_prod);
	new = f->req_prod_pvt;
	/*
	 * The requests' contents (and our earlier reads of the responses in
	 * the slots we reuse) before req_prod: pairs with the xpv_rmb() the
	 * back does after reading req_prod in xpv_ring_back_unconsumed().
	 */
	xpv_wmb();
	xpv_write_once_u32(&s->req_prod, new);
	/*
	 * The req_prod store before the req_event load: pairs with the
	 * xpv_mb() between the back's req_event store and its second req_prod
	 * load in xpv_ring_back_final_check().  Either the back sees our
	 * requests or we see its new req_event, never neither.
	 */
	xpv_mb();
	event = xpv_read_once_u32(&s->req_event);
	return (uint32_t)(new - event) < (uint32_t)(new - old);
}

int xpv_ring_front_unconsumed(struct xpv_ring_front *f)
{
	uint32_t prod;

	if (f->broken)
		return -EIO;
	prod = xpv_read_once_u32(&f->ring.sring->rsp_prod);
	/*
	 * rsp_prod before the responses' contents: pairs with the xpv_wmb()
	 * the back does before storing rsp_prod in
	 * xpv_ring_back_push_responses().
	 */
	xpv_rmb();
	/* Never more responses than requests produced (this also catches an
	 * index behind rsp_cons, which wraps to a huge count). */
	if (prod - f->rsp_cons > f->req_prod_pvt - f->rsp_cons) {
		f->broken = 1;
		return -EIO;
	}
	f->rsp_prod_seen = prod;
	return (int)(prod - f->rsp_cons);
}

const void *xpv_ring_front_next_rsp(struct xpv_ring_front *f)
{
	if (f->broken || f->rsp_cons == f->rsp_prod_seen)
		return NULL;
	return xpv_ring_slot(&f->ring, f->rsp_cons++);
}

int xpv_ring_front_get_rsp(struct xpv_ring_front *f, void *rsp, size_t len)
{
	const void *slot;

	if (f->broken)
		return -EIO;
	if (len > f->ring.slot_size)
		return -EINVAL;
	slot = xpv_ring_front_next_rsp(f);
	if (slot == NULL)
		return -EAGAIN;
	xpv_ring_copy_from_slot(rsp, slot, len);
	return 0;
}

int xpv_ring_front_final_check(struct xpv_ring_front *f)
{
	int n;

	n = xpv_ring_front_unconsumed(f);
	if (n != 0)
		return n < 0 ? n : 1;
	xpv_write_once_u32(&f->ring.sring->rsp_event, f->rsp_cons + 1);
	/*
	 * The rsp_event store before the second rsp_prod load: pairs with
	 * the xpv_mb() between the back's rsp_prod store and its rsp_event
	 * load in xpv_ring_back_push_responses().
	 */
	xpv_mb();
	n = xpv_ring_front_unconsumed(f);
	return n < 0 ? n : n > 0;
}

/* ---- back side ---- */

int xpv_ring_back_unconsumed(struct xpv_ring_back *b)
{
	uint32_t prod;

	if (b->broken)
		return -EIO;
	prod = xpv_read_once_u32(&b->ring.sring->req_prod);
	/*
	 * req_prod before the requests' contents: pairs with the xpv_wmb()
	 * the front does before storing req_prod in
	 * xpv_ring_front_push_requests().
	 */
	xpv_rmb();
	/*
	 * Never trust req_prod: at most a ring's worth of requests may be
	 * outstanding (RING_REQUEST_PROD_OVERFLOW), and it never goes back
	 * behind what we already consumed.
	 */
	if (prod - b->rsp_prod_pvt > b->ring.nr_ents ||
	    prod - b->rsp_prod_pvt < b->req_cons - b->rsp_prod_pvt) {
		b->broken = 1;
		return -EIO;
	}
	b->req_prod_seen = prod;
	return (int)(prod - b->req_cons);
}

const void *xpv_ring_back_next_req(struct xpv_ring_back *b)
{
	if (b->broken || b->req_cons == b->req_prod_seen)
		return NULL;
	return xpv_ring_slot(&b->ring, b->req_cons++);
}

int xpv_ring_back_get_req(struct xpv_ring_back *b, void *req, size_t len)
{
	const void *slot;

	if (b->broken)
		return -EIO;
	if (len > b->ring.slot_size)
		return -EINVAL;
	slot = xpv_ring_back_next_req(b);
	if (slot == NULL)
		return -EAGAIN;
	xpv_ring_copy_from_slot(req, slot, len);
	return 0;
}

uint32_t xpv_ring_back_inflight(const struct xpv_ring_back *b)
{
	return b->req_cons - b->rsp_prod_pvt;
}

void *xpv_ring_back_next_rsp(struct xpv_ring_back *b)
{
	if (b->rsp_prod_pvt == b->req_cons)
		return NULL;
	return xpv_ring_slot(&b->ring, b->rsp_prod_pvt++);
}

int xpv_ring_back_put_rsp(struct xpv_ring_back *b, const void *rsp,
			  size_t len)
{
	void *slot;

	if (len > b->ring.slot_size)
		return -EINVAL;
	slot = xpv_ring_back_next_rsp(b);
	if (slot == NULL)
		return -ENOSPC;
	memcpy(slot, rsp, len);
	return 0;
}

int xpv_ring_back_push_responses(struct xpv_ring_back *b)
{
	struct xpv_sring *s = b->ring.sring;
	uint32_t old, new, event;

	old = xpv_read_once_u32(&s->rsp_prod);
	new = b->rsp_prod_pvt;
	/*
	 * The responses' contents, and our earlier reads (copies) of the
	 * requests in the slots the front may now reuse, before rsp_prod:
	 * pairs with the xpv_rmb() the front does after reading rsp_prod in
	 * xpv_ring_front_unconsumed().
	 */
	xpv_wmb();
	xpv_write_once_u32(&s->rsp_prod, new);
	/*
	 * The rsp_prod store before the rsp_event load: pairs with the
	 * xpv_mb() between the front's rsp_event store and its second
	 * rsp_prod load in xpv_ring_front_final_check().
	 */
	xpv_mb();
	event = xpv_read_once_u32(&s->rsp_event);
	return (uint32_t)(new - event) < (uint32_t)(new - old);
}

int xpv_ring_back_final_check(struct xpv_ring_back *b)
{
	int n;

	n = xpv_ring_back_unconsumed(b);
	if (n != 0)
		return n < 0 ? n : 1;
	xpv_write_once_u32(&b->ring.sring->req_event, b->req_cons + 1);
	/*
	 * The req_event store before the second req_prod load: pairs with the
	 * xpv_mb() between the front's req_prod store and its req_event load
	 * in xpv_ring_front_push_requests().
	 */
	xpv_mb();
	n = xpv_ring_back_unconsumed(b);
	return n < 0 ? n : n > 0;
}
