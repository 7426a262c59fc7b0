/* SPDX-License-Identifier: MIT */
/*
 * test-blkif-abi.c - the blkif ABI views of common/blkif.c.
 *
 * Checks that the x86_32 and x86_64 views have the sizes and field offsets
 * of the Xen header on each ABI (against offsetof of the public structs for
 * the native one, and the i386 layout rules for x86_32), that requests and
 * responses survive the round trip through a slot of each ABI and land at
 * the right bytes, that the ring helpers move them through a real ring, and
 * that only the two exact `protocol` strings are accepted.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkif.h"
#include "test-util.h"

static const enum xpv_blkif_abi abis[] = {
	XPV_BLKIF_ABI_NATIVE, XPV_BLKIF_ABI_X86_32, XPV_BLKIF_ABI_X86_64,
};

static const char *const abi_names[] = { "native", "x86_32", "x86_64" };

/*
 * The i386 layout, derived by the compiler: the public structs again with
 * 64-bit fields aligned on 4 bytes, as the i386 psABI has them.  Only used
 * to cross-check the packed views' offsets.
 */
typedef uint64_t u64_i386 __attribute__((__aligned__(4)));

struct i386_request {
	uint8_t operation;
	uint8_t nr_segments;
	uint16_t handle;
	u64_i386 id;
	u64_i386 sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

struct i386_discard {
	uint8_t operation;
	uint8_t flag;
	uint16_t handle;
	u64_i386 id;
	u64_i386 sector_number;
	u64_i386 nr_sectors;
};

struct i386_indirect {
	uint8_t operation;
	uint8_t indirect_op;
	uint16_t nr_segments;
	u64_i386 id;
	u64_i386 sector_number;
	uint16_t handle;
	uint32_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	u64_i386 pad; /* the header adds it #ifdef __i386__ */
};

struct i386_response {
	u64_i386 id;
	uint8_t operation;
	int16_t status;
};

#define SAME_OFF(a, b, f) CHECK(offsetof(a, f) == offsetof(b, f))

static void test_layout(void)
{
	test_where("layout");
	/* Constants. */
	CHECK(XPV_BLKIF_MAX_SEGMENTS == 11);
	CHECK(XPV_BLKIF_SEGS_PER_INDIRECT_PAGE == 512);
	CHECK(XPV_BLKIF_MAX_INDIRECT_PAGES == 8);
	CHECK(XPV_BLKIF_MAX_INDIRECT_SEGMENTS == 4096);

	/* x86_32: literal values and the i386 rules agree. */
	CHECK(sizeof(struct xpv_blkif_x86_32_request) == 108);
	CHECK(sizeof(struct xpv_blkif_x86_32_request_indirect) == 64);
	CHECK(sizeof(struct xpv_blkif_x86_32_response) == 12);
	CHECK(offsetof(struct xpv_blkif_x86_32_request, id) == 4);
	CHECK(sizeof(struct i386_request) == 108);
	CHECK(sizeof(struct i386_indirect) == 64);
	CHECK(sizeof(struct i386_response) == 12);
	CHECK(sizeof(struct i386_discard) == 28);
	SAME_OFF(struct xpv_blkif_x86_32_request, struct i386_request,
		 nr_segments);
	SAME_OFF(struct xpv_blkif_x86_32_request, struct i386_request, handle);
	SAME_OFF(struct xpv_blkif_x86_32_request, struct i386_request, id);
	SAME_OFF(struct xpv_blkif_x86_32_request, struct i386_request,
		 sector_number);
	SAME_OFF(struct xpv_blkif_x86_32_request, struct i386_request, seg);
	SAME_OFF(struct xpv_blkif_x86_32_request_discard,
		 struct i386_discard, flag);
	SAME_OFF(struct xpv_blkif_x86_32_request_discard,
		 struct i386_discard, id);
	SAME_OFF(struct xpv_blkif_x86_32_request_discard,
		 struct i386_discard, sector_number);
	SAME_OFF(struct xpv_blkif_x86_32_request_discard,
		 struct i386_discard, nr_sectors);
	SAME_OFF(struct xpv_blkif_x86_32_request_indirect,
		 struct i386_indirect, indirect_op);
	SAME_OFF(struct xpv_blkif_x86_32_request_indirect,
		 struct i386_indirect, nr_segments);
	SAME_OFF(struct xpv_blkif_x86_32_request_indirect,
		 struct i386_indirect, id);
	SAME_OFF(struct xpv_blkif_x86_32_request_indirect,
		 struct i386_indirect, sector_number);
	SAME_OFF(struct xpv_blkif_x86_32_request_indirect,
		 struct i386_indirect, handle);
	SAME_OFF(struct xpv_blkif_x86_32_request_indirect,
		 struct i386_indirect, indirect_grefs);
	SAME_OFF(struct xpv_blkif_x86_32_response, struct i386_response,
		 operation);
	SAME_OFF(struct xpv_blkif_x86_32_response, struct i386_response,
		 status);

	/* x86_64: literal values. */
	CHECK(sizeof(struct xpv_blkif_x86_64_request) == 112);
	CHECK(sizeof(struct xpv_blkif_x86_64_request_indirect) == 64);
	CHECK(sizeof(struct xpv_blkif_x86_64_response) == 16);
	CHECK(offsetof(struct xpv_blkif_x86_64_request, id) == 8);

#ifdef __x86_64__
	/* x86_64 is native here: every field where the public struct has
	 * it. */
	CHECK(sizeof(struct blkif_request) == 112);
	CHECK(sizeof(struct blkif_request_indirect) == 64);
	CHECK(sizeof(struct blkif_response) == 16);
	SAME_OFF(struct xpv_blkif_x86_64_request, struct blkif_request,
		 nr_segments);
	SAME_OFF(struct xpv_blkif_x86_64_request, struct blkif_request, handle);
	SAME_OFF(struct xpv_blkif_x86_64_request, struct blkif_request, id);
	SAME_OFF(struct xpv_blkif_x86_64_request, struct blkif_request,
		 sector_number);
	SAME_OFF(struct xpv_blkif_x86_64_request, struct blkif_request, seg);
	CHECK(sizeof(struct xpv_blkif_x86_64_request_discard) ==
	      sizeof(struct blkif_request_discard));
	SAME_OFF(struct xpv_blkif_x86_64_request_discard,
		 struct blkif_request_discard, flag);
	SAME_OFF(struct xpv_blkif_x86_64_request_discard,
		 struct blkif_request_discard, handle);
	SAME_OFF(struct xpv_blkif_x86_64_request_discard,
		 struct blkif_request_discard, id);
	SAME_OFF(struct xpv_blkif_x86_64_request_discard,
		 struct blkif_request_discard, sector_number);
	SAME_OFF(struct xpv_blkif_x86_64_request_discard,
		 struct blkif_request_discard, nr_sectors);
	SAME_OFF(struct xpv_blkif_x86_64_request_indirect,
		 struct blkif_request_indirect, indirect_op);
	SAME_OFF(struct xpv_blkif_x86_64_request_indirect,
		 struct blkif_request_indirect, nr_segments);
	SAME_OFF(struct xpv_blkif_x86_64_request_indirect,
		 struct blkif_request_indirect, id);
	SAME_OFF(struct xpv_blkif_x86_64_request_indirect,
		 struct blkif_request_indirect, sector_number);
	SAME_OFF(struct xpv_blkif_x86_64_request_indirect,
		 struct blkif_request_indirect, handle);
	SAME_OFF(struct xpv_blkif_x86_64_request_indirect,
		 struct blkif_request_indirect, indirect_grefs);
	SAME_OFF(struct xpv_blkif_x86_64_response, struct blkif_response, id);
	SAME_OFF(struct xpv_blkif_x86_64_response, struct blkif_response,
		 operation);
	SAME_OFF(struct xpv_blkif_x86_64_response, struct blkif_response,
		 status);
	CHECK(sizeof(union blkif_sring_entry) ==
	      sizeof(union xpv_blkif_x86_64_sring_entry));
#endif

	/* Slot sizes and ring sizes. */
	CHECK(xpv_blkif_slot_size(XPV_BLKIF_ABI_NATIVE) ==
	      (int)sizeof(union blkif_sring_entry));
	CHECK(xpv_blkif_slot_size(XPV_BLKIF_ABI_X86_32) == 108);
	CHECK(xpv_blkif_slot_size(XPV_BLKIF_ABI_X86_64) == 112);
	CHECK(xpv_blkif_slot_size((enum xpv_blkif_abi)7) == -EINVAL);
}

static uint64_t rnd_state = 0x1234567890abcdefull;

static uint64_t rnd64(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* A native request with random fields, padding zeroed. */
static void make_request(union xpv_blkif_request *r, uint8_t op)
{
	unsigned int i;

	memset(r, 0, sizeof(*r));
	switch (op) {
	case BLKIF_OP_DISCARD:
		r->discard.operation = op;
		r->discard.flag = BLKIF_DISCARD_SECURE;
		r->discard.handle = (uint16_t)rnd64();
		r->discard.id = rnd64();
		r->discard.sector_number = rnd64();
		r->discard.nr_sectors = rnd64();
		break;
	case BLKIF_OP_INDIRECT:
		r->indirect.operation = op;
		r->indirect.indirect_op = BLKIF_OP_WRITE;
		r->indirect.nr_segments = (uint16_t)rnd64();
		r->indirect.id = rnd64();
		r->indirect.sector_number = rnd64();
		r->indirect.handle = (uint16_t)rnd64();
		for (i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
			r->indirect.indirect_grefs[i] = (uint32_t)rnd64();
		break;
	default:
		r->rw.operation = op;
		r->rw.nr_segments = (uint8_t)rnd64();
		r->rw.handle = (uint16_t)rnd64();
		r->rw.id = rnd64();
		r->rw.sector_number = rnd64();
		for (i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
			r->rw.seg[i].gref = (uint32_t)rnd64();
			r->rw.seg[i].first_sect = (uint8_t)rnd64();
			r->rw.seg[i].last_sect = (uint8_t)rnd64();
		}
		break;
	}
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void test_request_round_trip(void)
{
	static const uint8_t ops[] = {
		BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_WRITE_BARRIER,
		BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT,
		0xff,
	};
	unsigned char slot[128];
	union xpv_blkif_request in, out;
	size_t a, o;
	int k;

	for (a = 0; a < 3; a++) {
		test_where("%s", abi_names[a]);
		for (o = 0; o < sizeof(ops); o++) {
			for (k = 0; k < 20; k++) {
				size_t id_off = abis[a] == XPV_BLKIF_ABI_X86_32
						? 4 : 8;

				make_request(&in, ops[o]);
				memset(slot, 0xa5, sizeof(slot));
				CHECK(xpv_blkif_put_request(abis[a], slot,
							    &in) == 0);
				/* The id is where that ABI has it, whatever
				 * the operation. */
				CHECK(get_u64(slot + id_off) == in.rw.id);
				CHECK(slot[0] == ops[o]);
				/* Nothing past the slot size is touched. */
				CHECK(slot[xpv_blkif_slot_size(abis[a])] ==
				      0xa5);
				memset(&out, 0x5a, sizeof(out));
				CHECK(xpv_blkif_get_request(abis[a], slot,
							    &out) == 0);
				CHECK(memcmp(&in, &out, sizeof(in)) == 0);
			}
		}
	}

	/* x86_64 views are byte for byte the native struct here. */
#ifdef __x86_64__
	test_where("x86_64 == native");
	for (o = 0; o < sizeof(ops); o++) {
		unsigned char s64[112];

		make_request(&in, ops[o]);
		CHECK(xpv_blkif_put_request(XPV_BLKIF_ABI_X86_64, s64,
					    &in) == 0);
		CHECK(memcmp(s64, &in, sizeof(s64)) == 0);
	}
#endif

	/* A request written by hand at the x86_32 offsets. */
	test_where("x86_32 by hand");
	memset(slot, 0, sizeof(slot));
	slot[0] = BLKIF_OP_WRITE;
	slot[1] = 2;
	slot[2] = 0x34;
	slot[3] = 0x12;
	memcpy(slot + 4, &(uint64_t){ 0x1122334455667788ull }, 8);
	memcpy(slot + 12, &(uint64_t){ 4096 }, 8);
	memcpy(slot + 20, &(uint32_t){ 77 }, 4);
	slot[24] = 1;
	slot[25] = 7;
	memcpy(slot + 28, &(uint32_t){ 78 }, 4);
	CHECK(xpv_blkif_get_request(XPV_BLKIF_ABI_X86_32, slot, &out) == 0);
	CHECK(out.operation == BLKIF_OP_WRITE && out.rw.nr_segments == 2);
	CHECK(out.rw.handle == 0x1234 && out.rw.id == 0x1122334455667788ull);
	CHECK(out.rw.sector_number == 4096);
	CHECK(out.rw.seg[0].gref == 77 && out.rw.seg[0].first_sect == 1 &&
	      out.rw.seg[0].last_sect == 7);
	CHECK(out.rw.seg[1].gref == 78);
	CHECK(xpv_blkif_get_request((enum xpv_blkif_abi)9, slot, &out) ==
	      -EINVAL);
}

static void test_response(void)
{
	unsigned char slot[32];
	struct blkif_response r;
	size_t a;

	for (a = 0; a < 3; a++) {
		int size = abis[a] == XPV_BLKIF_ABI_X86_32 ? 12 : 16;
		int i;

		test_where("%s", abi_names[a]);
		memset(slot, 0xa5, sizeof(slot));
		CHECK(xpv_blkif_put_response(abis[a], slot,
					     0x0102030405060708ull,
					     BLKIF_OP_WRITE,
					     BLKIF_RSP_EOPNOTSUPP) == 0);
		CHECK(get_u64(slot) == 0x0102030405060708ull);
		CHECK(slot[8] == BLKIF_OP_WRITE);
		CHECK(slot[9] == 0); /* padding zeroed */
		CHECK(slot[10] == 0xfe && slot[11] == 0xff); /* -2 */
		for (i = 12; i < size; i++)
			CHECK(slot[i] == 0);
		CHECK(slot[size] == 0xa5); /* nothing past the response */
		memset(&r, 0x77, sizeof(r));
		CHECK(xpv_blkif_get_response(abis[a], slot, &r) == 0);
		CHECK(r.id == 0x0102030405060708ull);
		CHECK(r.operation == BLKIF_OP_WRITE);
		CHECK(r.status == BLKIF_RSP_EOPNOTSUPP);
	}
	CHECK(xpv_blkif_put_response((enum xpv_blkif_abi)3, slot, 1, 0, 0) ==
	      -EINVAL);
}

/* Requests and responses through a ring of each ABI, 32 slots a page. */
static void test_ring(void)
{
	size_t a;

	for (a = 0; a < 3; a++) {
		unsigned char *mem = aligned_alloc(4096, 2 * 4096);
		struct xpv_ring_front f;
		struct xpv_ring_back b;
		union xpv_blkif_request in[40], out;
		struct blkif_response r;
		unsigned int i;

		test_where("%s", abi_names[a]);
		CHECK(mem != NULL);
		CHECK(xpv_blkif_front_init(&f, abis[a], mem, 2) == 0);
		CHECK(f.ring.nr_ents == 64);
		CHECK(xpv_blkif_back_attach(&b, abis[a], mem, 2, 0) == 0);
		CHECK(b.ring.nr_ents == 64);
		for (i = 0; i < 40; i++) {
			void *slot = xpv_ring_front_next_req(&f);

			CHECK(slot != NULL);
			make_request(&in[i], i % 3 == 0 ? BLKIF_OP_INDIRECT :
					     i % 3 == 1 ? BLKIF_OP_READ :
					     BLKIF_OP_DISCARD);
			CHECK(xpv_blkif_put_request(abis[a], slot,
						    &in[i]) == 0);
		}
		CHECK(xpv_ring_front_push_requests(&f) == 1);
		CHECK(xpv_ring_back_unconsumed(&b) == 40);
		for (i = 0; i < 40; i++) {
			CHECK(xpv_blkif_back_get_request(&b, abis[a],
							 &out) == 0);
			CHECK(memcmp(&out, &in[i], sizeof(out)) == 0);
			CHECK(xpv_blkif_back_put_response(&b, abis[a],
							  out.rw.id, i, 0) ==
			      0);
		}
		CHECK(xpv_blkif_back_get_request(&b, abis[a], &out) ==
		      -EAGAIN);
		CHECK(xpv_blkif_back_put_response(&b, abis[a], 1, 0, 0) ==
		      -ENOSPC);
		CHECK(xpv_ring_back_push_responses(&b) == 1);
		CHECK(xpv_ring_front_unconsumed(&f) == 40);
		for (i = 0; i < 40; i++) {
			const void *slot = xpv_ring_front_next_rsp(&f);

			CHECK(slot != NULL);
			CHECK(xpv_blkif_get_response(abis[a], slot, &r) == 0);
			CHECK(r.id == in[i].rw.id && r.operation == i &&
			      r.status == 0);
		}
		/* A restarted backend finds nothing to redo. */
		CHECK(xpv_blkif_back_reattach(&b, abis[a], mem, 2) == 0);
		CHECK(b.req_cons == 40);
		free(mem);
	}
	test_where("ring, bad ABI");
	{
		struct xpv_ring_front f;

		CHECK(xpv_blkif_front_init(&f, (enum xpv_blkif_abi)5, NULL,
					   1) == -EINVAL);
	}
}

static void test_protocol(void)
{
	static const char *const bad[] = {
		"", "x86_32", "x86_64", "x86_32-abi ", " x86_32-abi",
		"X86_32-ABI", "x86_32-abi\n", "x86_64-abix", "arm-abi",
		"x86_32-abi\x01", "native", "x86-32-abi", "x86_64_abi",
		"x86_32-abi,x86_64-abi",
	};
	enum xpv_blkif_abi abi;
	char longstr[8192];
	size_t i;

	test_where("protocol");
	CHECK(xpv_blkif_abi_parse("x86_32-abi", &abi) == 0);
	CHECK(abi == XPV_BLKIF_ABI_X86_32);
	CHECK(xpv_blkif_abi_parse("x86_64-abi", &abi) == 0);
	CHECK(abi == XPV_BLKIF_ABI_X86_64);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		abi = (enum xpv_blkif_abi)42;
		CHECK(xpv_blkif_abi_parse(bad[i], &abi) == -EINVAL);
		CHECK(abi == (enum xpv_blkif_abi)42); /* untouched */
	}
	memset(longstr, 'x', sizeof(longstr) - 1);
	longstr[sizeof(longstr) - 1] = '\0';
	CHECK(xpv_blkif_abi_parse(longstr, &abi) == -EINVAL);
	CHECK(xpv_blkif_abi_parse(NULL, &abi) == -EINVAL);
	CHECK(xpv_blkif_abi_parse("x86_32-abi", NULL) == -EINVAL);

	/* Names parse back to their ABI. */
	CHECK(strcmp(xpv_blkif_abi_name(XPV_BLKIF_ABI_X86_32),
		     "x86_32-abi") == 0);
	CHECK(strcmp(xpv_blkif_abi_name(XPV_BLKIF_ABI_X86_64),
		     "x86_64-abi") == 0);
	CHECK(xpv_blkif_abi_parse(xpv_blkif_abi_name(XPV_BLKIF_ABI_NATIVE),
				  &abi) == 0);
#ifdef __x86_64__
	CHECK(abi == XPV_BLKIF_ABI_X86_64);
#endif
	CHECK(xpv_blkif_abi_name((enum xpv_blkif_abi)9) == NULL);
}

int main(void)
{
	test_layout();
	test_request_round_trip();
	test_response();
	test_ring();
	test_protocol();
	printf("test-blkif-abi: %lu checks passed\n", test_nchecks);
	return 0;
}
