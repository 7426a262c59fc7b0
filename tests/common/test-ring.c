/* SPDX-License-Identifier: MIT */
/*
 * test-ring.c - common/ring.c against the Xen public ring.h macros.
 *
 * The macros of <xen/io/ring.h> are the oracle.  For each entry type (from
 * one byte to more than a page, the three blkif ABIs included), each ring
 * size (1, 2, 4, 8, 16 pages) and several start indices (0, and just below
 * 2^32 so the free-running indices wrap), three copies of one ring are run
 * in lock step through the same random sequence of operations:
 *
 *   world 0: macro front + macro back   (the reference)
 *   world 1: our front   + macro back
 *   world 2: macro front + our back
 *
 * After each operation the results (notify decisions, unconsumed counts,
 * final checks, private indices) must be those of world 0; every few steps
 * the three shared memories must be byte for byte the same.  Each request
 * and response carries a pattern derived from its index, checked by its
 * consumer, so what our front writes the macro back reads and the other way
 * round.  Separate cases check the geometry, the restart re-attach, and that
 * a hostile producer index is refused with -EIO.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barrier.h"
#include "ring.h"

/*
 * The public ring.h leaves its barriers to the includer: without
 * __XEN_TOOLS__ it maps xen_mb() and friends to mb(), rmb(), wmb().
 */
#define mb() xpv_mb()
#define rmb() xpv_rmb()
#define wmb() xpv_wmb()

#include "blkif.h"
#include "test-util.h"

static uint32_t rng;

static uint32_t rnd(void)
{
	rng = rng * 1664525u + 1013904223u;
	return rng >> 8;
}

/* The pattern of the entry with free-running index idx. */
static uint8_t pat(uint32_t idx, size_t i, uint8_t salt)
{
	return (uint8_t)((idx ^ idx >> 8 ^ idx >> 16 ^ idx >> 24) +
			 i * 13 + salt);
}

static void fill(void *p, size_t len, uint32_t idx, uint8_t salt)
{
	unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = pat(idx, i, salt);
}

static int matches(const void *p, size_t len, uint32_t idx, uint8_t salt)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != pat(idx, i, salt))
			return 0;
	return 1;
}

#define REQ_SALT 0x5a
#define RSP_SALT 0xc3

/* ---- entry types ---- */

struct t1 {
	uint8_t b;
};

struct tx_req { /* a netif tx request */
	uint32_t gref;
	uint16_t offset, flags, id, size;
};

struct tx_rsp {
	uint16_t id;
	int16_t status;
};

struct mix_req { /* 12 bytes, 4-aligned: the union is 16, not 12 */
	uint32_t a, b, c;
};

struct mix_rsp {
	uint64_t x;
};

struct odd_req {
	char b[100];
};

struct odd_rsp {
	char b[36];
};

struct big_req {
	char b[1000];
};

struct big_rsp {
	char b[24];
};

struct page_req { /* exactly one slot in one page */
	char b[4032];
};

struct page_rsp {
	char b[8];
};

struct over_req { /* does not fit in one page */
	char b[5000];
};

struct over_rsp {
	char b[16];
};

DEFINE_RING_TYPES(t1, struct t1, struct t1);
DEFINE_RING_TYPES(tx, struct tx_req, struct tx_rsp);
DEFINE_RING_TYPES(mix, struct mix_req, struct mix_rsp);
DEFINE_RING_TYPES(odd, struct odd_req, struct odd_rsp);
DEFINE_RING_TYPES(big, struct big_req, struct big_rsp);
DEFINE_RING_TYPES(page, struct page_req, struct page_rsp);
DEFINE_RING_TYPES(over, struct over_req, struct over_rsp);
DEFINE_RING_TYPES(b32, struct xpv_blkif_x86_32_request,
		  struct xpv_blkif_x86_32_response);
DEFINE_RING_TYPES(b64, struct xpv_blkif_x86_64_request,
		  struct xpv_blkif_x86_64_response);
/* blkif (native) comes from <xen/io/blkif.h> itself. */

/*
 * The macro side of a ring of one entry type, as functions over untyped
 * pointers, so one driver serves every type.  fr/br point to that type's
 * front_ring/back_ring structs.
 */
struct oracle {
	const char *name;
	size_t req_size, rsp_size, slot_size, xpv_slot_size;
	size_t front_size, back_size;
	unsigned int (*const_size)(size_t area);
	void (*front_init)(void *fr, void *mem, size_t area);
	void (*front_attach)(void *fr, void *mem, size_t area, uint32_t i);
	void (*back_attach)(void *br, void *mem, size_t area, uint32_t i);
	void (*front_pvt)(void *fr, uint32_t *prod, uint32_t *cons);
	void (*back_pvt)(void *br, uint32_t *prod, uint32_t *cons);
	void (*front_step)(void *fr, int prod); /* req_prod_pvt++/rsp_cons++ */
	void (*back_step)(void *br, int prod);  /* rsp_prod_pvt++/req_cons++ */
	unsigned int (*ring_size)(void *fr);
	unsigned int (*free_requests)(void *fr);
	void *(*front_req)(void *fr, uint32_t i);
	void *(*front_rsp)(void *fr, uint32_t i);
	void *(*back_req)(void *br, uint32_t i);
	void *(*back_rsp)(void *br, uint32_t i);
	void (*copy_request)(void *br, uint32_t i, void *dst);
	int (*push_requests)(void *fr);
	int (*push_responses)(void *br);
	unsigned int (*unconsumed_requests)(void *br);
	unsigned int (*unconsumed_responses)(void *fr);
	int (*final_requests)(void *br);
	int (*final_responses)(void *fr);
	int (*req_prod_overflow)(void *br, uint32_t prod);
	int (*rsp_prod_overflow)(void *fr, uint32_t prod);
};

#define ORACLE(n, req_t, rsp_t)						\
static unsigned int n##_const_size(size_t area)				\
{ return __CONST_RING_SIZE(n, area); }					\
static void n##_front_init(void *fr, void *mem, size_t area)		\
{ XEN_FRONT_RING_INIT((n##_front_ring_t *)fr, (n##_sring_t *)mem, area); } \
static void n##_front_attach(void *fr, void *mem, size_t area, uint32_t i) \
{ FRONT_RING_ATTACH((n##_front_ring_t *)fr, (n##_sring_t *)mem, i, area); } \
static void n##_back_attach(void *br, void *mem, size_t area, uint32_t i) \
{ BACK_RING_ATTACH((n##_back_ring_t *)br, (n##_sring_t *)mem, i, area); } \
static void n##_front_pvt(void *fr, uint32_t *prod, uint32_t *cons)	\
{ n##_front_ring_t *r = fr; *prod = r->req_prod_pvt; *cons = r->rsp_cons; } \
static void n##_back_pvt(void *br, uint32_t *prod, uint32_t *cons)	\
{ n##_back_ring_t *r = br; *prod = r->rsp_prod_pvt; *cons = r->req_cons; } \
static void n##_front_step(void *fr, int prod)				\
{ n##_front_ring_t *r = fr; if (prod) r->req_prod_pvt++; else r->rsp_cons++; } \
static void n##_back_step(void *br, int prod)				\
{ n##_back_ring_t *r = br; if (prod) r->rsp_prod_pvt++; else r->req_cons++; } \
static unsigned int n##_ring_size(void *fr)				\
{ return RING_SIZE((n##_front_ring_t *)fr); }				\
static unsigned int n##_free_requests(void *fr)				\
{ return RING_FREE_REQUESTS((n##_front_ring_t *)fr); }			\
static void *n##_front_req(void *fr, uint32_t i)			\
{ return RING_GET_REQUEST((n##_front_ring_t *)fr, i); }			\
static void *n##_front_rsp(void *fr, uint32_t i)			\
{ return RING_GET_RESPONSE((n##_front_ring_t *)fr, i); }		\
static void *n##_back_req(void *br, uint32_t i)				\
{ return RING_GET_REQUEST((n##_back_ring_t *)br, i); }			\
static void *n##_back_rsp(void *br, uint32_t i)				\
{ return RING_GET_RESPONSE((n##_back_ring_t *)br, i); }			\
static void n##_copy_request(void *br, uint32_t i, void *dst)		\
{ req_t tmp; RING_COPY_REQUEST((n##_back_ring_t *)br, i, &tmp);		\
  memcpy(dst, &tmp, sizeof(tmp)); }					\
static int n##_push_requests(void *fr)					\
{ int notify; RING_PUSH_REQUESTS_AND_CHECK_NOTIFY((n##_front_ring_t *)fr, \
						  notify); return notify; } \
static int n##_push_responses(void *br)					\
{ int notify; RING_PUSH_RESPONSES_AND_CHECK_NOTIFY((n##_back_ring_t *)br, \
						   notify); return notify; } \
static unsigned int n##_unconsumed_requests(void *br)			\
{ return RING_HAS_UNCONSUMED_REQUESTS((n##_back_ring_t *)br); }		\
static unsigned int n##_unconsumed_responses(void *fr)			\
{ return RING_HAS_UNCONSUMED_RESPONSES((n##_front_ring_t *)fr); }	\
static int n##_final_requests(void *br)					\
{ int work; RING_FINAL_CHECK_FOR_REQUESTS((n##_back_ring_t *)br, work);	\
  return work != 0; }							\
static int n##_final_responses(void *fr)				\
{ int work; RING_FINAL_CHECK_FOR_RESPONSES((n##_front_ring_t *)fr, work); \
  return work != 0; }							\
static int n##_req_prod_overflow(void *br, uint32_t prod)		\
{ return RING_REQUEST_PROD_OVERFLOW((n##_back_ring_t *)br, prod); }	\
static int n##_rsp_prod_overflow(void *fr, uint32_t prod)		\
{ return RING_RESPONSE_PROD_OVERFLOW((n##_front_ring_t *)fr, prod); }	\
static const struct oracle n##_oracle = {				\
	.name = #n,							\
	.req_size = sizeof(req_t),					\
	.rsp_size = sizeof(rsp_t),					\
	.slot_size = sizeof(union n##_sring_entry),			\
	.xpv_slot_size = XPV_RING_SLOT_SIZE(req_t, rsp_t),		\
	.front_size = sizeof(n##_front_ring_t),				\
	.back_size = sizeof(n##_back_ring_t),				\
	.const_size = n##_const_size,					\
	.front_init = n##_front_init,					\
	.front_attach = n##_front_attach,				\
	.back_attach = n##_back_attach,					\
	.front_pvt = n##_front_pvt,					\
	.back_pvt = n##_back_pvt,					\
	.front_step = n##_front_step,					\
	.back_step = n##_back_step,					\
	.ring_size = n##_ring_size,					\
	.free_requests = n##_free_requests,				\
	.front_req = n##_front_req,					\
	.front_rsp = n##_front_rsp,					\
	.back_req = n##_back_req,					\
	.back_rsp = n##_back_rsp,					\
	.copy_request = n##_copy_request,				\
	.push_requests = n##_push_requests,				\
	.push_responses = n##_push_responses,				\
	.unconsumed_requests = n##_unconsumed_requests,			\
	.unconsumed_responses = n##_unconsumed_responses,		\
	.final_requests = n##_final_requests,				\
	.final_responses = n##_final_responses,				\
	.req_prod_overflow = n##_req_prod_overflow,			\
	.rsp_prod_overflow = n##_rsp_prod_overflow,			\
}

ORACLE(t1, struct t1, struct t1);
ORACLE(tx, struct tx_req, struct tx_rsp);
ORACLE(mix, struct mix_req, struct mix_rsp);
ORACLE(odd, struct odd_req, struct odd_rsp);
ORACLE(big, struct big_req, struct big_rsp);
ORACLE(page, struct page_req, struct page_rsp);
ORACLE(over, struct over_req, struct over_rsp);
ORACLE(blkif, struct blkif_request, struct blkif_response);
ORACLE(b32, struct xpv_blkif_x86_32_request,
       struct xpv_blkif_x86_32_response);
ORACLE(b64, struct xpv_blkif_x86_64_request,
       struct xpv_blkif_x86_64_response);

static const struct oracle *const oracles[] = {
	&t1_oracle, &tx_oracle, &mix_oracle, &odd_oracle, &big_oracle,
	&page_oracle, &over_oracle, &blkif_oracle, &b32_oracle, &b64_oracle,
};

#define NR_ORACLES (sizeof(oracles) / sizeof(oracles[0]))

static const unsigned int page_counts[] = { 1, 2, 4, 8, 16 };

static void *xalloc(size_t size)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, size) != 0) {
		fprintf(stderr, "out of memory\n");
		exit(99);
	}
	memset(p, 0, size);
	return p;
}

/* Put a shared header at index idx, as a ring that has run that long. */
static void header_at(void *mem, uint32_t idx)
{
	struct xpv_sring *s = mem;

	xpv_ring_shared_init(mem);
	s->req_prod = idx;
	s->rsp_prod = idx;
	s->req_event = idx + 1;
	s->rsp_event = idx + 1;
}

/* ---- geometry ---- */

static void test_geometry(void)
{
	size_t i, p;

	for (i = 0; i < NR_ORACLES; i++) {
		const struct oracle *o = oracles[i];

		test_where("geometry %s", o->name);
		CHECK(o->xpv_slot_size == o->slot_size);
		for (p = 0; p < 5; p++) {
			size_t area = page_counts[p] * 4096u;
			unsigned int want = o->const_size(area);
			int n = xpv_ring_nr_ents(page_counts[p], o->slot_size);

			if (want == 0)
				CHECK(n == -EINVAL);
			else
				CHECK(n == (int)want);
		}
	}
	/* Only powers of two up to 16 pages. */
	CHECK(xpv_ring_nr_ents(0, 8) == -EINVAL);
	CHECK(xpv_ring_nr_ents(3, 8) == -EINVAL);
	CHECK(xpv_ring_nr_ents(32, 8) == -EINVAL);
	CHECK(xpv_ring_nr_ents(1, 0) == -EINVAL);
	/* blkif: 32 slots per page in every ABI. */
	CHECK(xpv_ring_nr_ents(1, (size_t)xpv_blkif_slot_size(
				       XPV_BLKIF_ABI_X86_32)) == 32);
	CHECK(xpv_ring_nr_ents(1, (size_t)xpv_blkif_slot_size(
				       XPV_BLKIF_ABI_X86_64)) == 32);
	CHECK(xpv_ring_nr_ents(16, (size_t)xpv_blkif_slot_size(
				       XPV_BLKIF_ABI_NATIVE)) == 512);
	CHECK(__CONST_RING_SIZE(blkif, 4096) == 32);
}

/* ---- the three worlds in lock step ---- */

struct worlds {
	const struct oracle *o;
	size_t area;
	unsigned char *mem[3];
	void *f0, *b0, *b1, *f2; /* macro sides */
	struct xpv_ring_front f1;
	struct xpv_ring_back b2;
	unsigned char *buf;
	unsigned long notify_seen[2], final_seen[2];
};

static void compare_pvt(struct worlds *w)
{
	uint32_t p0, c0, p, c;

	w->o->front_pvt(w->f0, &p0, &c0);
	CHECK(w->f1.req_prod_pvt == p0 && w->f1.rsp_cons == c0);
	w->o->front_pvt(w->f2, &p, &c);
	CHECK(p == p0 && c == c0);
	w->o->back_pvt(w->b0, &p0, &c0);
	CHECK(w->b2.rsp_prod_pvt == p0 && w->b2.req_cons == c0);
	w->o->back_pvt(w->b1, &p, &c);
	CHECK(p == p0 && c == c0);
	CHECK(w->f1.ring.nr_ents == w->o->ring_size(w->f0));
	CHECK(w->b2.ring.nr_ents == w->o->ring_size(w->f0));
}

static void compare_mem(struct worlds *w)
{
	CHECK(memcmp(w->mem[0], w->mem[1], w->area) == 0);
	CHECK(memcmp(w->mem[0], w->mem[2], w->area) == 0);
}

/* Front: produce k requests (not published). */
static void op_produce(struct worlds *w, unsigned int k)
{
	const struct oracle *o = w->o;
	uint32_t prod, cons;
	unsigned int i;

	for (i = 0; i < k; i++) {
		void *slot;

		o->front_pvt(w->f0, &prod, &cons);
		fill(o->front_req(w->f0, prod), o->req_size, prod, REQ_SALT);
		o->front_step(w->f0, 1);
		fill(o->front_req(w->f2, prod), o->req_size, prod, REQ_SALT);
		o->front_step(w->f2, 1);
		if (i % 2 == 0) {
			slot = xpv_ring_front_next_req(&w->f1);
			CHECK(slot != NULL);
			CHECK(slot == (void *)((unsigned char *)o->front_req(
						      w->f0, prod) -
					      w->mem[0] + w->mem[1]));
			fill(slot, o->req_size, prod, REQ_SALT);
		} else {
			fill(w->buf, o->req_size, prod, REQ_SALT);
			CHECK(xpv_ring_front_put_req(&w->f1, w->buf,
						     o->req_size) == 0);
		}
	}
	CHECK(xpv_ring_front_free(&w->f1) == o->free_requests(w->f0));
	if (xpv_ring_front_free(&w->f1) == 0) {
		CHECK(xpv_ring_front_next_req(&w->f1) == NULL);
		CHECK(xpv_ring_front_put_req(&w->f1, w->buf, o->req_size) ==
		      -ENOSPC);
	}
}

static void op_push_requests(struct worlds *w)
{
	int n0 = w->o->push_requests(w->f0);
	int n1 = xpv_ring_front_push_requests(&w->f1);
	int n2 = w->o->push_requests(w->f2);

	CHECK(n0 == 0 || n0 == 1);
	CHECK(n1 == n0);
	CHECK(n2 == n0);
	w->notify_seen[n0]++;
}

/* Back: consume up to k requests, checking their contents. */
static void op_consume_requests(struct worlds *w, unsigned int k)
{
	const struct oracle *o = w->o;
	unsigned int n0 = o->unconsumed_requests(w->b0);
	unsigned int n1 = o->unconsumed_requests(w->b1);
	int n2 = xpv_ring_back_unconsumed(&w->b2);
	uint32_t prod, cons;
	unsigned int i;

	CHECK(n1 == n0);
	CHECK(n2 == (int)n0);
	if (k > n0)
		k = n0;
	for (i = 0; i < k; i++) {
		o->back_pvt(w->b0, &prod, &cons);
		o->copy_request(w->b0, cons, w->buf);
		CHECK(matches(w->buf, o->req_size, cons, REQ_SALT));
		o->back_step(w->b0, 0);
		o->copy_request(w->b1, cons, w->buf);
		CHECK(matches(w->buf, o->req_size, cons, REQ_SALT));
		o->back_step(w->b1, 0);
		memset(w->buf, 0, o->slot_size);
		if (i % 2 == 0) {
			CHECK(xpv_ring_back_get_req(&w->b2, w->buf,
						    o->req_size) == 0);
		} else {
			const void *slot = xpv_ring_back_next_req(&w->b2);

			CHECK(slot != NULL);
			xpv_ring_copy_from_slot(w->buf, slot, o->req_size);
		}
		CHECK(matches(w->buf, o->req_size, cons, REQ_SALT));
	}
	if (k == n0) {
		CHECK(xpv_ring_back_next_req(&w->b2) == NULL);
		CHECK(xpv_ring_back_get_req(&w->b2, w->buf, o->req_size) ==
		      -EAGAIN);
	}
}

/* Back: produce up to k responses (not published). */
static void op_produce_responses(struct worlds *w, unsigned int k)
{
	const struct oracle *o = w->o;
	uint32_t prod, cons;
	unsigned int i;

	o->back_pvt(w->b0, &prod, &cons);
	CHECK(xpv_ring_back_inflight(&w->b2) == cons - prod);
	if (k > cons - prod)
		k = cons - prod;
	for (i = 0; i < k; i++) {
		o->back_pvt(w->b0, &prod, &cons);
		fill(o->back_rsp(w->b0, prod), o->rsp_size, prod, RSP_SALT);
		o->back_step(w->b0, 1);
		fill(o->back_rsp(w->b1, prod), o->rsp_size, prod, RSP_SALT);
		o->back_step(w->b1, 1);
		if (i % 2 == 0) {
			void *slot = xpv_ring_back_next_rsp(&w->b2);

			CHECK(slot != NULL);
			fill(slot, o->rsp_size, prod, RSP_SALT);
		} else {
			fill(w->buf, o->rsp_size, prod, RSP_SALT);
			CHECK(xpv_ring_back_put_rsp(&w->b2, w->buf,
						    o->rsp_size) == 0);
		}
	}
	if (xpv_ring_back_inflight(&w->b2) == 0) {
		CHECK(xpv_ring_back_next_rsp(&w->b2) == NULL);
		CHECK(xpv_ring_back_put_rsp(&w->b2, w->buf, o->rsp_size) ==
		      -ENOSPC);
	}
}

static void op_push_responses(struct worlds *w)
{
	int n0 = w->o->push_responses(w->b0);
	int n1 = w->o->push_responses(w->b1);
	int n2 = xpv_ring_back_push_responses(&w->b2);

	CHECK(n0 == 0 || n0 == 1);
	CHECK(n1 == n0);
	CHECK(n2 == n0);
	w->notify_seen[n0]++;
}

/* Front: consume up to k responses, checking their contents. */
static void op_consume_responses(struct worlds *w, unsigned int k)
{
	const struct oracle *o = w->o;
	unsigned int n0 = o->unconsumed_responses(w->f0);
	int n1 = xpv_ring_front_unconsumed(&w->f1);
	unsigned int n2 = o->unconsumed_responses(w->f2);
	uint32_t prod, cons;
	unsigned int i;

	CHECK(n1 == (int)n0);
	CHECK(n2 == n0);
	if (k > n0)
		k = n0;
	for (i = 0; i < k; i++) {
		o->front_pvt(w->f0, &prod, &cons);
		CHECK(matches(o->front_rsp(w->f0, cons), o->rsp_size, cons,
			      RSP_SALT));
		o->front_step(w->f0, 0);
		CHECK(matches(o->front_rsp(w->f2, cons), o->rsp_size, cons,
			      RSP_SALT));
		o->front_step(w->f2, 0);
		memset(w->buf, 0, o->slot_size);
		if (i % 2 == 0) {
			CHECK(xpv_ring_front_get_rsp(&w->f1, w->buf,
						     o->rsp_size) == 0);
		} else {
			const void *slot = xpv_ring_front_next_rsp(&w->f1);

			CHECK(slot != NULL);
			xpv_ring_copy_from_slot(w->buf, slot, o->rsp_size);
		}
		CHECK(matches(w->buf, o->rsp_size, cons, RSP_SALT));
	}
	if (k == n0) {
		CHECK(xpv_ring_front_next_rsp(&w->f1) == NULL);
		CHECK(xpv_ring_front_get_rsp(&w->f1, w->buf, o->rsp_size) ==
		      -EAGAIN);
	}
}

static void op_final_requests(struct worlds *w)
{
	int w0 = w->o->final_requests(w->b0);
	int w1 = w->o->final_requests(w->b1);
	int w2 = xpv_ring_back_final_check(&w->b2);

	CHECK(w1 == w0);
	CHECK(w2 == w0);
	w->final_seen[w0]++;
}

static void op_final_responses(struct worlds *w)
{
	int w0 = w->o->final_responses(w->f0);
	int w1 = xpv_ring_front_final_check(&w->f1);
	int w2 = w->o->final_responses(w->f2);

	CHECK(w1 == w0);
	CHECK(w2 == w0);
	w->final_seen[w0]++;
}

/* A backend restart: when nothing is in flight, world 2's back attaches
 * again at the ring's rsp_prod; it must find itself where it was. */
static void op_reattach(struct worlds *w, unsigned int nr_pages)
{
	int n;

	if (xpv_ring_back_inflight(&w->b2) != 0 ||
	    w->b2.rsp_prod_pvt !=
	    ((struct xpv_sring *)w->mem[2])->rsp_prod)
		return;
	n = xpv_ring_back_reattach(&w->b2, w->mem[2], nr_pages,
				   w->o->slot_size);
	CHECK(n >= 0);
	CHECK(n == (int)w->o->unconsumed_requests(w->b0));
}

static unsigned int pick(unsigned int limit)
{
	/* Often a few, sometimes everything there is. */
	if (rnd() % 8 == 0)
		return limit;
	return rnd() % 40;
}

static void run_worlds(const struct oracle *o, unsigned int nr_pages,
		       uint32_t start, unsigned int steps)
{
	struct worlds w;
	unsigned int i, s;

	memset(&w, 0, sizeof(w));
	w.o = o;
	w.area = nr_pages * 4096u;
	for (i = 0; i < 3; i++)
		w.mem[i] = xalloc(w.area);
	w.f0 = xalloc(o->front_size);
	w.b0 = xalloc(o->back_size);
	w.b1 = xalloc(o->back_size);
	w.f2 = xalloc(o->front_size);
	w.buf = xalloc(o->slot_size);

	if (start == 0) {
		o->front_init(w.f0, w.mem[0], w.area);
		CHECK(xpv_ring_front_init(&w.f1, w.mem[1], nr_pages,
					  o->slot_size) == 0);
		o->front_init(w.f2, w.mem[2], w.area);
	} else {
		for (i = 0; i < 3; i++)
			header_at(w.mem[i], start);
		o->front_attach(w.f0, w.mem[0], w.area, start);
		CHECK(xpv_ring_front_attach(&w.f1, w.mem[1], nr_pages,
					    o->slot_size, start) == 0);
		o->front_attach(w.f2, w.mem[2], w.area, start);
	}
	o->back_attach(w.b0, w.mem[0], w.area, start);
	o->back_attach(w.b1, w.mem[1], w.area, start);
	CHECK(xpv_ring_back_attach(&w.b2, w.mem[2], nr_pages, o->slot_size,
				   start) == 0);
	compare_pvt(&w);
	compare_mem(&w);

	for (s = 0; s < steps; s++) {
		switch (rnd() % 9) {
		case 0:
		case 1:
			op_produce(&w, pick(xpv_ring_front_free(&w.f1)) %
				   (xpv_ring_front_free(&w.f1) + 1));
			break;
		case 2:
			op_push_requests(&w);
			break;
		case 3:
			op_consume_requests(&w, pick(~0u));
			break;
		case 4:
			op_produce_responses(&w, pick(~0u));
			break;
		case 5:
			op_push_responses(&w);
			break;
		case 6:
			op_consume_responses(&w, pick(~0u));
			break;
		case 7:
			op_final_requests(&w);
			break;
		case 8:
			if (rnd() % 4 == 0)
				op_reattach(&w, nr_pages);
			else
				op_final_responses(&w);
			break;
		}
		compare_pvt(&w);
		if (s % 16 == 0)
			compare_mem(&w);
	}
	compare_mem(&w);
	/* Starting just below 2^32, the indices did wrap (tiny rings move
	 * too slowly to be sure of it in a run). */
	if (start >= 0xfffffff0u && w.f1.ring.nr_ents >= 4)
		CHECK(w.f1.req_prod_pvt < start && w.b2.rsp_prod_pvt < start);
	/* Both answers of each decision were exercised. */
	CHECK(w.notify_seen[0] > 0 && w.notify_seen[1] > 0);
	CHECK(w.final_seen[0] > 0 && w.final_seen[1] > 0);

	for (i = 0; i < 3; i++)
		free(w.mem[i]);
	free(w.f0);
	free(w.b0);
	free(w.b1);
	free(w.f2);
	free(w.buf);
}

static void test_oracle(void)
{
	static const uint32_t starts[] = {
		0, 0xffffffffu, 0xfffffff0u, 0xffff0000u, 0x7ffffffdu,
	};
	size_t i, p, st;

	for (i = 0; i < NR_ORACLES; i++) {
		for (p = 0; p < 5; p++) {
			const struct oracle *o = oracles[i];
			size_t area = page_counts[p] * 4096u;

			if (o->const_size(area) == 0)
				continue; /* not even one slot: see geometry */
			for (st = 0; st < sizeof(starts) / sizeof(starts[0]);
			     st++) {
				test_where("%s, %u pages, start %#" PRIx32,
					   o->name, page_counts[p], starts[st]);
				rng = (uint32_t)(i * 1000 + p * 10 + st + 1);
				run_worlds(o, page_counts[p], starts[st], 600);
			}
		}
	}
}

/* ---- hostile indices ---- */

/* Our producer-index check refuses exactly what RING_REQUEST_PROD_OVERFLOW
 * calls ill-behaved, at every distance and across the 2^32 wrap. */
static void test_req_prod_check(void)
{
	static const uint32_t starts[] = { 0, 0xfffffff0u, 0xffffffffu };
	const struct oracle *o = &blkif_oracle;
	unsigned char *mem = xalloc(4096);
	void *br = xalloc(o->back_size);
	struct xpv_ring_back b;
	struct xpv_sring *s = (struct xpv_sring *)mem;
	size_t st;
	int64_t d;

	for (st = 0; st < 3; st++) {
		test_where("req_prod check, start %#" PRIx32, starts[st]);
		for (d = -3; d <= 32 + 3; d++) {
			uint32_t prod = starts[st] + (uint32_t)d;
			int bad;

			header_at(mem, starts[st]);
			o->back_attach(br, mem, 4096, starts[st]);
			CHECK(xpv_ring_back_attach(&b, mem, 1, o->slot_size,
						   starts[st]) == 0);
			s->req_prod = prod;
			bad = o->req_prod_overflow(br, prod);
			CHECK(bad == (d < 0 || d > 32));
			if (bad) {
				CHECK(xpv_ring_back_unconsumed(&b) == -EIO);
				CHECK(xpv_ring_back_next_req(&b) == NULL);
			} else {
				CHECK(xpv_ring_back_unconsumed(&b) == (int)d);
			}
		}
	}
	free(br);
	free(mem);
}

/* A hostile req_prod is refused with -EIO, nothing is consumed, and the
 * ring stays broken even if req_prod is put back. */
static void test_hostile_req_prod(void)
{
	unsigned char *mem = xalloc(4096);
	struct xpv_sring *s = (struct xpv_sring *)mem;
	struct xpv_ring_back b;
	struct xpv_ring_front f;
	unsigned char buf[112];
	size_t slot = sizeof(union blkif_sring_entry);
	unsigned int i;

	test_where("hostile req_prod");
	CHECK(xpv_ring_front_init(&f, mem, 1, slot) == 0);
	CHECK(xpv_ring_back_attach(&b, mem, 1, slot, 0) == 0);
	for (i = 0; i < 5; i++)
		CHECK(xpv_ring_front_put_req(&f, buf, sizeof(buf)) == 0);
	xpv_ring_front_push_requests(&f);
	CHECK(xpv_ring_back_unconsumed(&b) == 5);
	CHECK(xpv_ring_back_get_req(&b, buf, sizeof(buf)) == 0);

	s->req_prod = 0x40000000u; /* far beyond the ring */
	CHECK(xpv_ring_back_unconsumed(&b) == -EIO);
	CHECK(b.req_cons == 1); /* nothing more consumed */
	CHECK(xpv_ring_back_next_req(&b) == NULL);
	CHECK(xpv_ring_back_get_req(&b, buf, sizeof(buf)) == -EIO);
	CHECK(xpv_ring_back_final_check(&b) == -EIO);
	s->req_prod = 5; /* sane again: still broken */
	CHECK(xpv_ring_back_unconsumed(&b) == -EIO);

	/* Moving req_prod behind what was consumed is refused too. */
	CHECK(xpv_ring_back_attach(&b, mem, 1, slot, 0) == 0);
	CHECK(xpv_ring_back_unconsumed(&b) == 5);
	CHECK(xpv_ring_back_get_req(&b, buf, sizeof(buf)) == 0);
	CHECK(xpv_ring_back_get_req(&b, buf, sizeof(buf)) == 0);
	s->req_prod = 1;
	CHECK(xpv_ring_back_unconsumed(&b) == -EIO);

	/* One past a full ring, seen by the final check. */
	CHECK(xpv_ring_back_attach(&b, mem, 1, slot, 5) == 0);
	s->req_prod = 5;
	s->rsp_prod = 5;
	CHECK(xpv_ring_back_final_check(&b) == 0);
	s->req_prod = 5 + 33;
	CHECK(xpv_ring_back_final_check(&b) == -EIO);
	free(mem);
}

/* Re-attaching after a restart checks the producer index. */
static void test_reattach(void)
{
	unsigned char *mem = xalloc(4096);
	struct xpv_sring *s = (struct xpv_sring *)mem;
	struct xpv_ring_back b;
	size_t slot = sizeof(union blkif_sring_entry);

	test_where("reattach");
	header_at(mem, 0xfffffffeu);
	s->req_prod = 0xfffffffeu + 7;
	CHECK(xpv_ring_back_reattach(&b, mem, 1, slot) == 7);
	CHECK(b.req_cons == 0xfffffffeu && b.rsp_prod_pvt == 0xfffffffeu);
	s->req_prod = 0xfffffffeu + 33;
	CHECK(xpv_ring_back_reattach(&b, mem, 1, slot) == -EIO);
	CHECK(xpv_ring_back_reattach(&b, mem, 3, slot) == -EINVAL);
	CHECK(xpv_ring_back_reattach(&b, NULL, 1, slot) == -EINVAL);
	free(mem);
}

/* The front refuses more responses than requests it produced. */
static void test_hostile_rsp_prod(void)
{
	unsigned char *mem = xalloc(4096);
	struct xpv_sring *s = (struct xpv_sring *)mem;
	struct xpv_ring_front f;
	unsigned char buf[112] = { 0 };
	size_t slot = sizeof(union blkif_sring_entry);
	unsigned int i;

	test_where("hostile rsp_prod");
	CHECK(xpv_ring_front_attach(&f, mem, 1, slot, 0xfffffffdu) == 0);
	header_at(mem, 0xfffffffdu);
	for (i = 0; i < 4; i++)
		CHECK(xpv_ring_front_put_req(&f, buf, sizeof(buf)) == 0);
	xpv_ring_front_push_requests(&f);
	s->rsp_prod = 0xfffffffdu + 4;
	CHECK(xpv_ring_front_unconsumed(&f) == 4);
	s->rsp_prod = 0xfffffffdu + 5;
	CHECK(xpv_ring_front_unconsumed(&f) == -EIO);
	CHECK(xpv_ring_front_next_rsp(&f) == NULL);
	CHECK(xpv_ring_front_get_rsp(&f, buf, 16) == -EIO);
	CHECK(xpv_ring_front_final_check(&f) == -EIO);
	free(mem);
}

/* Bad arguments are refused without touching anything. */
static void test_bad_args(void)
{
	unsigned char *mem = xalloc(4096);
	struct xpv_ring_front f;
	struct xpv_ring_back b;
	unsigned char buf[200];

	test_where("bad arguments");
	memset(mem, 0xee, 4096);
	CHECK(xpv_ring_front_init(&f, mem, 3, 112) == -EINVAL);
	CHECK(xpv_ring_front_init(&f, mem, 1, 5000) == -EINVAL);
	CHECK(xpv_ring_front_init(NULL, mem, 1, 112) == -EINVAL);
	CHECK(xpv_ring_front_init(&f, NULL, 1, 112) == -EINVAL);
	CHECK(mem[0] == 0xee && mem[63] == 0xee);
	CHECK(xpv_ring_back_attach(&b, mem, 0, 112, 0) == -EINVAL);
	CHECK(xpv_ring_back_attach(NULL, mem, 1, 112, 0) == -EINVAL);
	CHECK(xpv_ring_front_init(&f, mem, 1, 112) == 0);
	CHECK(xpv_ring_front_put_req(&f, buf, 113) == -EINVAL);
	CHECK(xpv_ring_back_attach(&b, mem, 1, 112, 0) == 0);
	CHECK(xpv_ring_back_get_req(&b, buf, 113) == -EINVAL);
	CHECK(xpv_ring_back_put_rsp(&b, buf, 113) == -EINVAL);
	free(mem);
}

int main(void)
{
	test_geometry();
	test_oracle();
	test_req_prod_check();
	test_hostile_req_prod();
	test_reattach();
	test_hostile_rsp_prod();
	test_bad_args();
	printf("test-ring: %lu checks passed\n", test_nchecks);
	return 0;
}
