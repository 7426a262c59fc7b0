/* SPDX-License-Identifier: MIT */
/*
 * test-ring-flex.c - common/ring-flex.c against Xen's flex ring helpers.
 *
 * The oracle is DEFINE_XEN_FLEX_RING as <xen/io/9pfs.h> instantiates it
 * (xen_9pfs_read_packet/write_packet/queued/mask).  For every ring order
 * 1..9, two copies of a 9pfs ring run in lock step: in one our code writes
 * and Xen's helpers read, in the other Xen's helpers write and our code
 * reads.  Packets have random lengths (so they wrap around the end of the
 * data area) and the counters start just below 2^32 (so they wrap too).
 * After each packet both copies must hold the same bytes and counters, and
 * both readers must get the same bytes.  Separate cases cover a full ring,
 * hostile counters, the 9P header parser and the interface page.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/9pfs.h>

#include "barrier.h"
#include "ring-flex.h"
#include "test-util.h"

static uint32_t rng = 12345;

static uint32_t rnd(void)
{
	rng = rng * 1664525u + 1013904223u;
	return rng >> 8;
}

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

static void fill(unsigned char *p, size_t len, uint32_t seq)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seq * 7 + i * 31 + (i >> 8));
}

static int matches(const unsigned char *p, size_t len, uint32_t seq)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seq * 7 + i * 31 + (i >> 8)))
			return 0;
	return 1;
}

/* A 9pfs ring: interface page and 2^order data pages. */
struct ring9 {
	unsigned char *intf;
	unsigned char *data;
	unsigned int order;
	uint32_t size;
	struct xpv_flex in, out;
};

static void ring9_open(struct ring9 *r, unsigned int order, uint32_t start)
{
	struct xen_9pfs_data_intf *p;
	uint32_t refs[512];
	unsigned int i;

	for (i = 0; i < 512; i++)
		refs[i] = 1000 + i;
	r->order = order;
	r->size = XPV_FLEX_RING_SIZE(order);
	r->intf = xalloc(4096);
	r->data = xalloc((size_t)4096 << order);
	CHECK(xpv_9pfs_intf_init(r->intf, order, refs) == 0);
	CHECK(xpv_9pfs_rings(r->intf, r->data, order, &r->in, &r->out) == 0);
	p = (struct xen_9pfs_data_intf *)r->intf;
	p->in_cons = p->in_prod = start;
	p->out_cons = p->out_prod = start;
}

static void ring9_close(struct ring9 *r)
{
	free(r->intf);
	free(r->data);
}

/* The length of the next packet: mostly small, sometimes up to the ring. */
static size_t pick_len(uint32_t size, uint32_t free_space)
{
	size_t len;

	switch (rnd() % 4) {
	case 0:
		len = 1 + rnd() % 16;
		break;
	case 1:
		len = 1 + rnd() % 4096;
		break;
	default:
		len = 1 + rnd() % size;
		break;
	}
	if (len > free_space)
		len = free_space;
	return len;
}

static void test_oracle_order(unsigned int order, uint32_t start)
{
	/* a: ours writes out, Xen's reads it.  b: Xen's writes, ours reads. */
	struct ring9 a, b;
	struct xen_9pfs_data_intf *pa, *pb;
	unsigned char *src, *dst;
	RING_IDX mcons;
	uint32_t seq, size;
	unsigned int wrapped = 0;

	test_where("order %u start %#x", order, start);
	ring9_open(&a, order, start);
	ring9_open(&b, order, start);
	pa = (struct xen_9pfs_data_intf *)a.intf;
	pb = (struct xen_9pfs_data_intf *)b.intf;
	size = a.size;
	CHECK(size == XEN_FLEX_RING_SIZE(order));
	CHECK(a.out.data == a.data + size && a.in.data == a.data);
	src = xalloc(size);
	dst = xalloc(size);

	for (seq = 0; seq < 300; seq++) {
		uint32_t qa = xen_9pfs_queued(pa->out_prod, pa->out_cons, size);
		uint32_t qb = xen_9pfs_queued(pb->out_prod, pb->out_cons, size);
		RING_IDX mprod;
		size_t len;

		CHECK(xpv_flex_queued(&a.out) == (int)qa);
		CHECK(xpv_flex_queued(&b.out) == (int)qb);
		CHECK(qa == qb);
		CHECK(xpv_flex_free_space(&a.out) == (int)(size - qa));

		/* Write one packet into each. */
		len = pick_len(size, size - qa);
		if (len == 0)
			goto read;
		fill(src, len, seq);
		if (xen_9pfs_mask(pa->out_prod, size) + len > size)
			wrapped++;
		CHECK(xpv_flex_write(&a.out, src, len) == 0);
		mprod = xen_9pfs_mask(pb->out_prod, size);
		xen_9pfs_write_packet(b.data + size, src, len, &mprod,
				      xen_9pfs_mask(pb->out_cons, size), size);
		xpv_wmb();
		pb->out_prod += (uint32_t)len;
		CHECK(pa->out_prod == pb->out_prod);
		CHECK(memcmp(a.data + size, b.data + size, size) == 0);
		if (rnd() % 3 == 0)
			continue; /* let the ring fill up */
read:
		/* Read everything queued, packet by packet as written. */
		qa = xen_9pfs_queued(pa->out_prod, pa->out_cons, size);
		len = qa;
		mcons = xen_9pfs_mask(pa->out_cons, size);
		xen_9pfs_read_packet(dst, a.data + size, len,
				     xen_9pfs_mask(pa->out_prod, size), &mcons,
				     size);
		pa->out_cons += (uint32_t)len;
		memset(src, 0, len);
		CHECK(xpv_flex_read(&b.out, src, len) == 0);
		CHECK(memcmp(src, dst, len) == 0);
		CHECK(pa->out_cons == pb->out_cons);
		CHECK(xpv_flex_queued(&b.out) == 0);
	}
	/* One packet across the end of the area, byte for byte. */
	pa->out_cons = pa->out_prod = (pa->out_prod | (size - 1)) - 4;
	CHECK(xen_9pfs_mask(pa->out_prod, size) == size - 5);
	fill(src, 64, 77);
	CHECK(xpv_flex_write(&a.out, src, 64) == 0);
	mcons = xen_9pfs_mask(pa->out_cons, size);
	xen_9pfs_read_packet(dst, a.data + size, 64,
			     xen_9pfs_mask(pa->out_prod, size), &mcons, size);
	CHECK(matches(dst, 64, 77));

	CHECK(wrapped > 0);
	free(src);
	free(dst);
	ring9_close(&a);
	ring9_close(&b);
}

static void test_oracle(void)
{
	static const uint32_t starts[] = { 0, 0xfffffff9u, 0xffffffffu - 4096 };
	unsigned int order;
	size_t st;

	for (order = XPV_9PFS_MIN_ORDER; order <= XPV_9PFS_MAX_ORDER; order++)
		for (st = 0; st < 3; st++)
			test_oracle_order(order, starts[st]);
}

/* Two pieces, one message: across the end of the area, read back by
 * Xen's own packet reader; published together or not at all. */
static void test_write2(void)
{
	struct ring9 r;
	unsigned char a[7], *b, *dst;
	struct xen_9pfs_data_intf *pi;
	uint32_t size, prod, mcons;

	test_where("write2");
	ring9_open(&r, 1, 0);
	size = r.size;
	pi = (struct xen_9pfs_data_intf *)r.intf;
	b = xalloc(size);
	dst = xalloc(size);
	fill(a, sizeof(a), 3);
	fill(b, 200, 4);
	/* The header ends 2 bytes before the end, the body wraps. */
	pi->in_cons = pi->in_prod = (pi->in_prod | (size - 1)) - 4;
	CHECK(xpv_flex_write2(&r.in, a, sizeof(a), b, 200) == 0);
	CHECK(pi->in_prod - pi->in_cons == sizeof(a) + 200);
	mcons = xen_9pfs_mask(pi->in_cons, size);
	xen_9pfs_read_packet(dst, r.data, sizeof(a) + 200,
			     xen_9pfs_mask(pi->in_prod, size), &mcons, size);
	CHECK(memcmp(dst, a, sizeof(a)) == 0);
	CHECK(memcmp(dst + sizeof(a), b, 200) == 0);
	pi->in_cons = pi->in_prod;
	/* Too large together, no room for both: nothing published. */
	prod = pi->in_prod;
	CHECK(xpv_flex_write2(&r.in, a, sizeof(a), b, size) == -EMSGSIZE);
	CHECK(xpv_flex_write2(&r.in, b, size - 3, a, 2) == 0);
	CHECK(xpv_flex_write2(&r.in, a, 1, b, 1) == -EAGAIN);
	CHECK(pi->in_prod == prod + size - 1);
	CHECK(xpv_flex_write2(&r.in, a, 1, NULL, 0) == 0);
	CHECK(xpv_flex_write2(&r.in, NULL, 1, NULL, 0) == -EINVAL);
	free(b);
	free(dst);
	ring9_close(&r);
}

/* A full ring: exactly size bytes fit, one more does not. */
static void test_full(void)
{
	struct ring9 r;
	unsigned char *buf;
	uint32_t size;

	test_where("full ring");
	ring9_open(&r, 1, 0xfffffffeu);
	size = r.size;
	buf = xalloc(size + 1);
	fill(buf, size, 9);
	CHECK(xpv_flex_write(&r.in, buf, size + 1) == -EMSGSIZE);
	CHECK(xpv_flex_write(&r.in, buf, size) == 0);
	CHECK(xpv_flex_queued(&r.in) == (int)size);
	CHECK(xen_9pfs_queued(*r.in.prod, *r.in.cons, size) == size);
	CHECK(xpv_flex_free_space(&r.in) == 0);
	CHECK(xpv_flex_write(&r.in, buf, 1) == -EAGAIN);
	memset(buf, 0, size);
	CHECK(xpv_flex_peek(&r.in, buf, 10) == 0);
	CHECK(xpv_flex_queued(&r.in) == (int)size); /* peek consumes nothing */
	CHECK(xpv_flex_read(&r.in, buf, size) == 0);
	CHECK(matches(buf, size, 9));
	CHECK(xpv_flex_read(&r.in, buf, 1) == -EAGAIN);
	CHECK(xpv_flex_discard(&r.in, 1) == -EAGAIN);
	/* Partial reads are refused whole: nothing is consumed. */
	CHECK(xpv_flex_write(&r.in, buf, 3) == 0);
	CHECK(xpv_flex_read(&r.in, buf, 4) == -EAGAIN);
	CHECK(xpv_flex_queued(&r.in) == 3);
	CHECK(xpv_flex_discard(&r.in, 3) == 0);
	CHECK(xpv_flex_queued(&r.in) == 0);
	free(buf);
	ring9_close(&r);
}

/* Counters further apart than the ring are refused, whatever the call. */
static void test_hostile_counters(void)
{
	struct ring9 r;
	unsigned char buf[16] = { 0 };
	struct xpv_9p_hdr h;

	test_where("hostile counters");
	ring9_open(&r, 1, 0);
	*r.out.prod = r.size + 1;
	CHECK(xpv_flex_queued(&r.out) == -EIO);
	CHECK(xpv_flex_free_space(&r.out) == -EIO);
	CHECK(xpv_flex_read(&r.out, buf, 1) == -EIO);
	CHECK(xpv_flex_peek(&r.out, buf, 1) == -EIO);
	CHECK(xpv_flex_discard(&r.out, 1) == -EIO);
	CHECK(xpv_flex_write(&r.out, buf, 1) == -EIO);
	CHECK(xpv_flex_peek_9p_header(&r.out, &h) == -EIO);
	CHECK(*r.out.cons == 0);
	/* Behind cons: the same. */
	*r.out.prod = 0xffffffffu;
	CHECK(xpv_flex_queued(&r.out) == -EIO);
	/* Exactly full is fine, across the wrap. */
	*r.out.cons = 0xffffff00u;
	*r.out.prod = 0xffffff00u + r.size;
	CHECK(xpv_flex_queued(&r.out) == (int)r.size);
	ring9_close(&r);
}

static void put_hdr(struct xpv_flex *f, uint32_t size, uint8_t type,
		    uint16_t tag)
{
	unsigned char b[7] = {
		(uint8_t)size, (uint8_t)(size >> 8), (uint8_t)(size >> 16),
		(uint8_t)(size >> 24), type, (uint8_t)tag,
		(uint8_t)(tag >> 8),
	};

	CHECK(xpv_flex_write(f, b, sizeof(b)) == 0);
}

static void test_9p_header(void)
{
	struct ring9 r;
	struct xpv_9p_hdr h;
	uint32_t cons;

	test_where("9P header");
	/* Start 3 bytes before the end of the area: the header wraps. */
	ring9_open(&r, 1, 0xfffffffdu - XPV_FLEX_RING_SIZE(1));
	CHECK(xpv_flex_peek_9p_header(&r.out, &h) == -EAGAIN);
	put_hdr(&r.out, 19, 100, 0xbeef);
	cons = *r.out.cons;
	CHECK(xpv_flex_peek_9p_header(&r.out, &h) == 0);
	CHECK(h.size == 19 && h.type == 100 && h.tag == 0xbeef);
	CHECK(*r.out.cons == cons); /* nothing consumed */
	CHECK(xpv_flex_discard(&r.out, 7) == 0);

	/* Fewer than 7 bytes queued. */
	CHECK(xpv_flex_write(&r.out, "\x07\0\0\0\x64\x01", 6) == 0);
	CHECK(xpv_flex_peek_9p_header(&r.out, &h) == -EAGAIN);
	CHECK(xpv_flex_discard(&r.out, 6) == 0);

	/* Sizes. */
	put_hdr(&r.out, 0, 1, 1);
	CHECK(xpv_flex_peek_9p_header(&r.out, &h) == -EBADMSG);
	CHECK(xpv_flex_discard(&r.out, 7) == 0);
	put_hdr(&r.out, 6, 1, 1);
	CHECK(xpv_flex_peek_9p_header(&r.out, &h) == -EBADMSG);
	CHECK(xpv_flex_discard(&r.out, 7) == 0);
	put_hdr(&r.out, 7, 1, 1);
	CHECK(xpv_flex_peek_9p_header(&r.out, &h) == 0 && h.size == 7);
	CHECK(xpv_flex_discard(&r.out, 7) == 0);
	put_hdr(&r.out, r.size, 1, 1);
	CHECK(xpv_flex_peek_9p_header(&r.out, &h) == 0 && h.size == r.size);
	CHECK(xpv_flex_discard(&r.out, 7) == 0);
	put_hdr(&r.out, r.size + 1, 1, 1);
	CHECK(xpv_flex_peek_9p_header(&r.out, &h) == -EMSGSIZE);
	CHECK(xpv_flex_discard(&r.out, 7) == 0);
	put_hdr(&r.out, 0xffffffffu, 1, 1);
	CHECK(xpv_flex_peek_9p_header(&r.out, &h) == -EMSGSIZE);
	CHECK(xpv_flex_discard(&r.out, 7) == 0);
	CHECK(xpv_flex_peek_9p_header(&r.out, NULL) == -EINVAL);
	ring9_close(&r);

	/* Little-endian, every byte significant (the fourth one is by the
	 * 0xffffffff case above): a 1 MiB ring of order 9. */
	ring9_open(&r, 9, 0xfffffffau);
	put_hdr(&r.out, 0x000f0e0du, 0xfe, 0x0102);
	CHECK(xpv_flex_peek_9p_header(&r.out, &h) == 0);
	CHECK(h.size == 0x000f0e0du && h.type == 0xfe && h.tag == 0x0102);
	ring9_close(&r);
}

static void test_intf_page(void)
{
	unsigned char *page = xalloc(4096);
	unsigned char *data = xalloc(4096 * 4);
	struct xen_9pfs_data_intf *p = (struct xen_9pfs_data_intf *)page;
	uint32_t refs[512], got[512];
	struct xpv_flex in, out;
	unsigned int i;

	test_where("9pfs interface page");
	for (i = 0; i < 512; i++)
		refs[i] = 0x1000 + i;
	CHECK(xpv_9pfs_intf_init(page, 0, refs) == -EINVAL);
	CHECK(xpv_9pfs_intf_init(page, 10, refs) == -EINVAL);
	CHECK(xpv_9pfs_intf_init(page, 9, refs) == 0);
	CHECK(p->ring_order == 9 && p->ref[511] == 0x1000 + 511);
	memset(page, 0xff, 128);
	CHECK(xpv_9pfs_intf_init(page, 2, refs) == 0);
	CHECK(p->in_cons == 0 && p->in_prod == 0);
	CHECK(p->out_cons == 0 && p->out_prod == 0);
	CHECK(page[128] == 2 && page[132] == 0x00 && page[133] == 0x10);
	CHECK(xpv_9pfs_intf_read(page, 9, got) == 2);
	CHECK(got[0] == 0x1000 && got[3] == 0x1003);
	CHECK(xpv_9pfs_intf_read(page, 1, got) == -EINVAL);
	CHECK(xpv_9pfs_intf_read(page, 10, got) == -EINVAL);
	p->ring_order = 0;
	CHECK(xpv_9pfs_intf_read(page, 9, got) == -EINVAL);
	p->ring_order = 10;
	CHECK(xpv_9pfs_intf_read(page, 9, got) == -EINVAL);
	p->ring_order = 0xffffffffu;
	CHECK(xpv_9pfs_intf_read(page, 9, got) == -EINVAL);

	CHECK(xpv_9pfs_rings(page, data, 2, &in, &out) == 0);
	CHECK((unsigned char *)in.cons == page + XPV_9PFS_OFF_IN_CONS);
	CHECK((unsigned char *)in.prod == page + XPV_9PFS_OFF_IN_PROD);
	CHECK((unsigned char *)out.cons == page + XPV_9PFS_OFF_OUT_CONS);
	CHECK((unsigned char *)out.prod == page + XPV_9PFS_OFF_OUT_PROD);
	CHECK(in.data == data && out.data == data + 8192);
	CHECK(in.size == 8192 && out.size == 8192);
	CHECK(xpv_9pfs_rings(page, data, 10, &in, &out) == -EINVAL);
	CHECK(xpv_flex_init(&in, in.cons, in.prod, data, 3000) == -EINVAL);
	CHECK(xpv_flex_init(&in, in.cons, in.prod, data, 0) == -EINVAL);
	free(page);
	free(data);
}

int main(void)
{
	test_oracle();
	test_full();
	test_write2();
	test_hostile_counters();
	test_9p_header();
	test_intf_page();
	printf("test-ring-flex: %lu checks passed\n", test_nchecks);
	return 0;
}
