/* SPDX-License-Identifier: MIT */
/*
 * fuzz-flex-ring.c - libFuzzer target for the flex (byte-stream) rings and
 * the 9pfs interface page (common/ring-flex.c), the peer being hostile.
 *
 * Input, byte 0 bit 7 clear: a ring of 2^(byte 0 & 31) bytes.
 *   Orders 0..16 get a real data area (exactly sized, so ASan sees any
 *   access outside it); then 4-byte cons and prod (any values; byte 9 bit
 *   0 makes prod - cons sane to start with), then operations until the
 *   input ends: write, read, peek, discard, peek a 9P header, produce or
 *   consume a whole 9P message, or the peer storing any value in cons or
 *   prod.  Larger orders check the counter arithmetic alone
 *   (xpv_flex_queued(), xpv_flex_free_space()) with hostile counters.
 * Input, byte 0 bit 7 set: a 9pfs interface page.  Byte 1 is max_order
 *   (mod 11), then the page (4096 bytes, zero-filled when short) for
 *   xpv_9pfs_intf_read(); for a ring of order <= 4, the operations above
 *   run on its "out" ring with the page's own (hostile) counters.
 *
 * Every operation is checked against a model computed from the counters
 * and data as they were just before it: the result code; the bytes read
 * are the queued ones, never more than were queued; a write lands at prod
 * and nowhere else; only the counter the operation owns moves, by len; a
 * header is parsed as the bytes say.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "ring-flex.h"

#define MAX_OPS 256
/* Above this size, the data area is checked only where it was written. */
#define FULL_CHECK_SIZE 8192u

enum op {
	OP_WRITE,
	OP_READ,
	OP_PEEK,
	OP_DISCARD,
	OP_PEEK_9P,
	OP_PEER_PROD,
	OP_PEER_CONS,
	OP_PRODUCE_9P,
	OP_CONSUME_9P,
	NR_OPS,
};

/* The state of a ring just before an operation, and what a consumer or
 * producer operation of len bytes must return from it. */
struct snap {
	uint32_t cons, prod, queued;
	bool bad;
	bool full;	     /* data holds a copy of the data area */
	unsigned char *data;
};

static void take_counters(const struct xpv_flex *r, struct snap *s)
{
	s->cons = *r->cons;
	s->prod = *r->prod;
	s->queued = s->prod - s->cons;
	s->bad = s->queued > r->size;
}

static void take(const struct xpv_flex *r, struct snap *s)
{
	take_counters(r, s);
	s->full = r->size <= FULL_CHECK_SIZE;
	if (s->full)
		memcpy(s->data, r->data, r->size);
}

/* The data area as it was before the operation (consumers write nothing
 * there, which check_data_kept() verifies on rings small enough). */
static const unsigned char *before(const struct xpv_flex *r,
				   const struct snap *s)
{
	return s->full ? s->data : r->data;
}

static int want_consume(const struct xpv_flex *r, const struct snap *s,
			size_t len)
{
	if (len > r->size)
		return -EMSGSIZE;
	if (s->bad)
		return -EIO;
	if (s->queued < len)
		return -EAGAIN;
	return 0;
}

static int want_produce(const struct xpv_flex *r, const struct snap *s,
			size_t len)
{
	if (len > r->size)
		return -EMSGSIZE;
	if (s->bad)
		return -EIO;
	if (r->size - s->queued < len)
		return -EAGAIN;
	return 0;
}

/* Copy len bytes from ring index idx of a data area (two pieces when they
 * wrap) to dst, or from src to the area. */
static void area_get(const struct xpv_flex *r, const unsigned char *area,
		     uint32_t idx, void *dst, size_t len)
{
	size_t off = idx & (r->size - 1), tail = r->size - off;

	if (tail >= len) {
		memcpy(dst, area + off, len);
	} else {
		memcpy(dst, area + off, tail);
		memcpy((unsigned char *)dst + tail, area, len - tail);
	}
}

static void area_put(const struct xpv_flex *r, unsigned char *area,
		     uint32_t idx, const void *src, size_t len)
{
	size_t off = idx & (r->size - 1), tail = r->size - off;

	if (tail >= len) {
		memcpy(area + off, src, len);
	} else {
		memcpy(area + off, src, tail);
		memcpy(area, (const unsigned char *)src + tail, len - tail);
	}
}

/* The data area is what it was, once buf (len bytes) is put at ring index
 * from in the snapshot: a write lands there and nowhere else. */
static void check_data_kept(const struct xpv_flex *r, struct snap *s,
			    uint32_t from, const unsigned char *buf,
			    size_t len)
{
	if (!s->full)
		return;
	if (len)
		area_put(r, s->data, from, buf, len);
	FUZZ_CHECK(memcmp(r->data, s->data, r->size) == 0);
}

static void check_counters(const struct xpv_flex *r, const struct snap *s,
			   uint32_t cons, uint32_t prod)
{
	FUZZ_CHECK(*r->cons == cons);
	FUZZ_CHECK(*r->prod == prod);
}

/* The invariants of queued and free space: both agree with the counters. */
static void check_space(const struct xpv_flex *r, const struct snap *s)
{
	int q = xpv_flex_queued(r), f = xpv_flex_free_space(r);

	if (s->bad) {
		FUZZ_CHECK(q == -EIO && f == -EIO);
		return;
	}
	FUZZ_CHECK(q >= 0 && (uint32_t)q == s->queued);
	FUZZ_CHECK(f >= 0 && (uint32_t)f == r->size - s->queued);
}

static void do_consume(struct xpv_flex *r, struct snap *s, enum op op,
		       size_t len)
{
	unsigned char *buf = fuzz_alloc(len), *want_buf;
	int ret, want;

	memset(buf, 0xee, len);
	take(r, s);
	want = want_consume(r, s, len);
	if (op == OP_READ)
		ret = xpv_flex_read(r, buf, len);
	else if (op == OP_PEEK)
		ret = xpv_flex_peek(r, buf, len);
	else
		ret = xpv_flex_discard(r, len);
	FUZZ_CHECK(ret == want);
	if (ret == 0 && op != OP_DISCARD) {
		/* exactly the first len queued bytes, len <= queued */
		FUZZ_CHECK(len <= s->queued);
		want_buf = fuzz_alloc(len);
		area_get(r, before(r, s), s->cons, want_buf, len);
		FUZZ_CHECK(memcmp(buf, want_buf, len) == 0);
		free(want_buf);
	} else if (ret != 0) {
		FUZZ_CHECK(fuzz_all(buf, 0xee, len));
	}
	check_counters(r, s, ret == 0 && op != OP_PEEK ?
			     s->cons + (uint32_t)len : s->cons, s->prod);
	check_data_kept(r, s, 0, NULL, 0);
	free(buf);
}

static void do_write(struct xpv_flex *r, struct snap *s,
		     const unsigned char *buf, size_t len)
{
	unsigned char *got;
	int ret, want;

	take(r, s);
	want = want_produce(r, s, len);
	ret = xpv_flex_write(r, buf, len);
	FUZZ_CHECK(ret == want);
	if (ret == 0) {
		got = fuzz_alloc(len);
		area_get(r, r->data, s->prod, got, len);
		FUZZ_CHECK(memcmp(got, buf, len) == 0);
		free(got);
		check_counters(r, s, s->cons, s->prod + (uint32_t)len);
		check_data_kept(r, s, s->prod, buf, len);
	} else {
		check_counters(r, s, s->cons, s->prod);
		check_data_kept(r, s, 0, NULL, 0);
	}
}

/* Peek a 9P header; returns its result, *hdr set on success. */
static int do_peek_9p(struct xpv_flex *r, struct snap *s,
		      struct xpv_9p_hdr *hdr)
{
	uint32_t size;
	int ret, want;
	unsigned char b[XPV_9P_HDR_SIZE];

	take(r, s);
	memset(hdr, 0, sizeof(*hdr));
	want = want_consume(r, s, XPV_9P_HDR_SIZE);
	ret = xpv_flex_peek_9p_header(r, hdr);
	if (want == 0) {
		area_get(r, before(r, s), s->cons, b, sizeof(b));
		size = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
		       (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
		if (size < XPV_9P_HDR_SIZE)
			want = -EBADMSG;
		else if (size > r->size)
			want = -EMSGSIZE;
		if (want == 0) {
			FUZZ_CHECK(ret == 0);
			FUZZ_CHECK(hdr->size == size);
			FUZZ_CHECK(hdr->type == b[4]);
			FUZZ_CHECK(hdr->tag == (uint16_t)(b[5] | b[6] << 8));
		}
	}
	FUZZ_CHECK(ret == want);
	/* A peek moves nothing. */
	check_counters(r, s, s->cons, s->prod);
	check_data_kept(r, s, 0, NULL, 0);
	return ret;
}

/* A well-behaved 9P producer: header (size from the input, or the true
 * one) and body in one write. */
static void produce_9p(struct xpv_flex *r, struct snap *s,
		       struct fuzz_in *in)
{
	uint8_t how = fuzz_u8(in);
	size_t body = fuzz_u16(in) % (r->size + 1);
	size_t len = XPV_9P_HDR_SIZE + body;
	uint32_t size = how & 1 ? fuzz_u32(in) : (uint32_t)len;
	unsigned char *buf = fuzz_alloc(len);

	buf[0] = (unsigned char)size;
	buf[1] = (unsigned char)(size >> 8);
	buf[2] = (unsigned char)(size >> 16);
	buf[3] = (unsigned char)(size >> 24);
	fuzz_bytes(in, buf + 4, len - 4);
	do_write(r, s, buf, len);
	free(buf);
}

/* The backend's framing loop: a message is read whole once its header
 * says it is all queued, and then starts with that header. */
static void consume_9p(struct xpv_flex *r, struct snap *s)
{
	struct xpv_9p_hdr hdr;
	unsigned char *msg;
	int q;

	if (do_peek_9p(r, s, &hdr) != 0)
		return;
	q = xpv_flex_queued(r);
	FUZZ_CHECK(q >= (int)XPV_9P_HDR_SIZE);
	if ((uint32_t)q < hdr.size)
		return;
	msg = fuzz_alloc(hdr.size);
	take(r, s);
	FUZZ_CHECK(xpv_flex_read(r, msg, hdr.size) == 0);
	FUZZ_CHECK(msg[4] == hdr.type);
	FUZZ_CHECK((uint16_t)(msg[5] | msg[6] << 8) == hdr.tag);
	FUZZ_CHECK(((uint32_t)msg[0] | (uint32_t)msg[1] << 8 |
		    (uint32_t)msg[2] << 16 | (uint32_t)msg[3] << 24) ==
		   hdr.size);
	check_counters(r, s, s->cons + hdr.size, s->prod);
	free(msg);
}

static void run_ops(struct xpv_flex *r, struct fuzz_in *in)
{
	struct snap s = { .data = fuzz_alloc(r->size) };
	struct xpv_9p_hdr hdr;
	unsigned char *buf;
	unsigned int n;
	size_t len;

	for (n = 0; n < MAX_OPS && in->left; n++) {
		enum op op = (enum op)(fuzz_u8(in) % NR_OPS);

		switch (op) {
		case OP_WRITE:
			len = fuzz_u16(in);
			buf = fuzz_alloc(len);
			fuzz_bytes(in, buf, len);
			do_write(r, &s, buf, len);
			free(buf);
			break;
		case OP_READ:
		case OP_PEEK:
		case OP_DISCARD:
			do_consume(r, &s, op, fuzz_u16(in));
			break;
		case OP_PEEK_9P:
			do_peek_9p(r, &s, &hdr);
			break;
		case OP_PEER_PROD:
			*r->prod = fuzz_u32(in);
			break;
		case OP_PEER_CONS:
			*r->cons = fuzz_u32(in);
			break;
		case OP_PRODUCE_9P:
			produce_9p(r, &s, in);
			break;
		case OP_CONSUME_9P:
			consume_9p(r, &s);
			break;
		case NR_OPS:
			break;
		}
		take_counters(r, &s);
		check_space(r, &s);
	}
	free(s.data);
}

/* Counters only, on a ring too large to allocate: the data area is never
 * touched by these two. */
static void counters_only(uint32_t size, struct fuzz_in *in)
{
	static unsigned char unused;
	uint32_t *idx = fuzz_alloc(2 * sizeof(*idx));
	struct xpv_flex r;
	int q, f;

	if (size > (1u << 30)) {
		/* Counts would not fit an int: refused. */
		FUZZ_CHECK(xpv_flex_init(&r, &idx[0], &idx[1], &unused,
					 size) == -EINVAL);
		free(idx);
		return;
	}
	FUZZ_CHECK(xpv_flex_init(&r, &idx[0], &idx[1], &unused, size) == 0);
	do {
		idx[0] = fuzz_u32(in);
		idx[1] = fuzz_u32(in);
		q = xpv_flex_queued(&r);
		f = xpv_flex_free_space(&r);
		if (idx[1] - idx[0] > size) {
			FUZZ_CHECK(q == -EIO && f == -EIO);
			continue;
		}
		FUZZ_CHECK(q >= 0 && (uint32_t)q == idx[1] - idx[0]);
		FUZZ_CHECK(f >= 0 && (uint32_t)f == size - (uint32_t)q);
	} while (in->left);
	free(idx);
}

static void plain_ring(unsigned int order, struct fuzz_in *in)
{
	uint32_t size = (uint32_t)1 << order;
	uint32_t *idx = fuzz_alloc(2 * sizeof(*idx));
	static unsigned char pattern[1u << 16];
	unsigned char *data;
	struct xpv_flex r;
	uint32_t i;

	if (order > 16) {
		free(idx);
		counters_only(size, in);
		return;
	}
	/* Not zeros: bytes read from the wrong place show. */
	if (pattern[1] == 0)
		for (i = 0; i < sizeof(pattern); i++)
			pattern[i] = (unsigned char)(i * 31 + 7);
	data = fuzz_alloc(size);
	memcpy(data, pattern, size);
	idx[0] = fuzz_u32(in);
	idx[1] = fuzz_u32(in);
	if (fuzz_u8(in) & 1)
		idx[1] = idx[0] + idx[1] % (size + 1);
	FUZZ_CHECK(xpv_flex_init(&r, &idx[0], &idx[1], data, size) == 0);
	run_ops(&r, in);
	free(data);
	free(idx);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void intf_page(struct fuzz_in *in)
{
	unsigned int max_order = fuzz_u8(in) % 11, order, i;
	size_t nrefs = max_order <= XPV_9PFS_MAX_ORDER ?
		       (size_t)1 << max_order : 1;
	unsigned char *page = fuzz_alloc(4096), *page2, *data;
	uint32_t *refs = fuzz_alloc(nrefs * sizeof(*refs)), *refs2, size;
	struct xpv_flex rin, rout;
	int ret, want;

	fuzz_bytes(in, page, 4096);
	memset(refs, 0xee, nrefs * sizeof(*refs));
	order = le32(page + XPV_9PFS_OFF_RING_ORDER);
	want = order;
	if (max_order > XPV_9PFS_MAX_ORDER || order < XPV_9PFS_MIN_ORDER ||
	    order > max_order)
		want = -EINVAL;
	ret = xpv_9pfs_intf_read(page, max_order, refs);
	FUZZ_CHECK(ret == want);
	for (i = 0; i < nrefs; i++)
		FUZZ_CHECK(refs[i] == (ret > 0 && i < (1u << order) ?
				       le32(page + XPV_9PFS_OFF_REF + 4 * i) :
				       0xeeeeeeeeu));
	if (ret <= 0)
		goto out;

	/* The frontend's page for the same refs reads back the same. */
	page2 = fuzz_alloc(4096);
	refs2 = fuzz_alloc(sizeof(*refs2) << XPV_9PFS_MAX_ORDER);
	memset(page2, 0xcc, 4096);
	FUZZ_CHECK(xpv_9pfs_intf_init(page2, order, refs) == 0);
	FUZZ_CHECK(xpv_9pfs_intf_read(page2, XPV_9PFS_MAX_ORDER, refs2) ==
		   (int)order);
	FUZZ_CHECK(memcmp(refs, refs2, sizeof(*refs) << order) == 0);
	FUZZ_CHECK(le32(page2 + XPV_9PFS_OFF_IN_CONS) == 0 &&
		   le32(page2 + XPV_9PFS_OFF_IN_PROD) == 0 &&
		   le32(page2 + XPV_9PFS_OFF_OUT_CONS) == 0 &&
		   le32(page2 + XPV_9PFS_OFF_OUT_PROD) == 0);
	free(refs2);
	free(page2);

	if (order > 4)
		goto out;
	size = XPV_FLEX_RING_SIZE(order);
	data = fuzz_alloc(2 * (size_t)size);
	memset(data, 0x11, 2 * (size_t)size);
	FUZZ_CHECK(xpv_9pfs_rings(page, data, order, &rin, &rout) == 0);
	FUZZ_CHECK(rin.size == size && rout.size == size);
	FUZZ_CHECK(rin.data == data && rout.data == data + size);
	FUZZ_CHECK((unsigned char *)rin.cons == page + XPV_9PFS_OFF_IN_CONS);
	FUZZ_CHECK((unsigned char *)rin.prod == page + XPV_9PFS_OFF_IN_PROD);
	FUZZ_CHECK((unsigned char *)rout.cons ==
		   page + XPV_9PFS_OFF_OUT_CONS);
	FUZZ_CHECK((unsigned char *)rout.prod ==
		   page + XPV_9PFS_OFF_OUT_PROD);
	/* The backend consumes out (and answers on in): the same
	 * operations, on the page's own counters. */
	run_ops(&rout, in);
	FUZZ_CHECK(fuzz_all(data, 0x11, size)); /* in's area: untouched */
	free(data);
out:
	free(refs);
	free(page);
}

/* A NULL or out-of-range argument is -EINVAL, never a crash. */
static void check_null_args(void)
{
	uint32_t idx[2] = { 0, 0 }, refs[2] = { 0, 0 };
	unsigned char data[16], page[4096];
	struct xpv_flex r, r2;

	FUZZ_CHECK(xpv_flex_init(&r, NULL, &idx[1], data, 16) == -EINVAL);
	FUZZ_CHECK(xpv_flex_init(&r, &idx[0], &idx[1], NULL, 16) == -EINVAL);
	FUZZ_CHECK(xpv_flex_init(&r, &idx[0], &idx[1], data, 16) == 0);
	FUZZ_CHECK(xpv_flex_peek(&r, NULL, 1) == -EINVAL);
	FUZZ_CHECK(xpv_flex_read(&r, NULL, 1) == -EINVAL);
	FUZZ_CHECK(xpv_flex_write(&r, NULL, 1) == -EINVAL);
	FUZZ_CHECK(xpv_flex_peek_9p_header(&r, NULL) == -EINVAL);
	FUZZ_CHECK(idx[0] == 0 && idx[1] == 0);
	FUZZ_CHECK(xpv_9pfs_intf_init(NULL, 1, refs) == -EINVAL);
	FUZZ_CHECK(xpv_9pfs_intf_init(page, 1, NULL) == -EINVAL);
	FUZZ_CHECK(xpv_9pfs_intf_init(page, 0, refs) == -EINVAL);
	FUZZ_CHECK(xpv_9pfs_intf_init(page, 10, refs) == -EINVAL);
	FUZZ_CHECK(xpv_9pfs_intf_read(NULL, 1, refs) == -EINVAL);
	FUZZ_CHECK(xpv_9pfs_intf_read(page, 1, NULL) == -EINVAL);
	FUZZ_CHECK(xpv_9pfs_rings(NULL, data, 1, &r, &r2) == -EINVAL);
	FUZZ_CHECK(xpv_9pfs_rings(page, data, 0, &r, &r2) == -EINVAL);
	FUZZ_CHECK(xpv_9pfs_rings(page, data, 10, &r, &r2) == -EINVAL);
	FUZZ_CHECK(xpv_9pfs_rings(page, NULL, 1, &r, &r2) == -EINVAL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t b = fuzz_u8(&in);
	const uint32_t sizes[] = { (uint32_t)size, (uint32_t)size - 1, 0, 3,
				   1u << 31, 0xffffffffu };
	struct xpv_flex r;
	uint32_t junk;
	unsigned int i;
	int want;

	/* init accepts exactly the powers of two up to 2^30 */
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t n = sizes[i];

		want = n != 0 && (n & (n - 1)) == 0 && n <= (1u << 30) ? 0
								      : -EINVAL;
		FUZZ_CHECK(xpv_flex_init(&r, &junk, &junk, &junk, n) == want);
	}

	check_null_args();
	if (b & 0x80)
		intf_page(&in);
	else
		plain_ring(b & 31, &in);
	return 0;
}
