/* SPDX-License-Identifier: MIT */
/*
 * test-nettx.c - unit tests of the netif tx request-chain parser
 * (backend/net/nettx.h): one case per rule of its table and the accepted
 * forms, each named in the output.
 *
 * Every parse reads a heap copy of exactly the published slots, so that
 * a read past req_prod is an ASan error in the sanitizer build; the slots
 * after the published ones in the test's own array are made to look like
 * a valid end of chain, so that such a read would change the verdict in
 * any build.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netcsum.h"
#include "nettx.h"
#include "test-util.h"

#define MAXS 64

static struct netif_tx_request S[MAXS];
static unsigned int ns;
static struct xpvd_nettx_pkt pkt;

static void reset(void)
{
	unsigned int i;

	memset(S, 0, sizeof(S));
	/* What a parser reading too far would find: single 60-byte
	 * frames, which end any chain and are valid. */
	for (i = 0; i < MAXS; i++) {
		S[i].size = 60;
		S[i].id = (uint16_t)(900 + i);
	}
	ns = 0;
}

/* Appends a data slot; its id is 100 + its index. */
static void tx(uint16_t off, uint16_t size, uint16_t flags)
{
	S[ns].gref = 1000 + ns;
	S[ns].offset = off;
	S[ns].size = size;
	S[ns].flags = flags;
	S[ns].id = (uint16_t)(100 + ns);
	ns++;
}

static void put_extra(const struct netif_extra_info *ex)
{
	memset(&S[ns], 0xee, sizeof(S[ns]));
	memcpy(&S[ns], ex, sizeof(*ex));
	ns++;
}

static void gso_extra(uint8_t type, uint16_t size, bool more)
{
	struct netif_extra_info ex;

	memset(&ex, 0, sizeof(ex));
	ex.type = XEN_NETIF_EXTRA_TYPE_GSO;
	ex.flags = more ? XEN_NETIF_EXTRA_FLAG_MORE : 0;
	ex.u.gso.type = type;
	ex.u.gso.size = size;
	put_extra(&ex);
}

static void raw_extra(uint8_t type, bool more)
{
	struct netif_extra_info ex;
	unsigned int i;

	memset(&ex, 0, sizeof(ex));
	ex.type = type;
	ex.flags = more ? XEN_NETIF_EXTRA_FLAG_MORE : 0;
	for (i = 0; i < 6; i++)
		ex.u.mcast.addr[i] = (uint8_t)(0x01 + i);
	put_extra(&ex);
}

/* Parses the first nr slots from a heap copy of exactly nr slots. */
static int parse_n(unsigned int nr)
{
	struct netif_tx_request *copy = malloc(nr ? nr * sizeof(*copy) : 1);
	int r;

	CHECK(copy != NULL);
	memcpy(copy, S, nr * sizeof(*copy));
	memset(&pkt, 0x5a, sizeof(pkt));
	r = xpvd_nettx_parse(copy, nr, &pkt);
	free(copy);
	return r;
}

static int parse(void)
{
	return parse_n(ns);
}

/* The verdict and rule, with the rule's name in the message. */
static void expect(int r, int want, enum xpvd_nettx_rule rule)
{
	EXPECT_MSG(r == want, "returned %d, want %d (rule %s, %s)", r, want,
		   xpvd_nettx_rule_name(pkt.rule), pkt.why ? pkt.why : "-");
	EXPECT_MSG(pkt.rule == rule, "rule %s, want %s",
		   xpvd_nettx_rule_name(pkt.rule), xpvd_nettx_rule_name(rule));
	EXPECT_MSG(xpvd_nettx_rule_fatal(pkt.rule) == (want == -EPROTO),
		   "fatal flag of %s", xpvd_nettx_rule_name(pkt.rule));
	EXPECT_MSG((pkt.why == NULL) == (rule == XPVD_NETTX_OK),
		   "why '%s'", pkt.why ? pkt.why : "(null)");
}

/* An accepted frame: its length, slot counts, and segments that add up
 * and lie in their pages. */
static void expect_frame(uint32_t len, unsigned int nr_slots,
			 unsigned int nr_extras)
{
	uint32_t sum = 0;
	unsigned int i;

	EXPECT_MSG(pkt.kind == XPVD_NETTX_PACKET, "kind %d", pkt.kind);
	EXPECT_MSG(pkt.len == len, "len %u, want %u", pkt.len, len);
	EXPECT_MSG(pkt.nr_slots == nr_slots, "nr_slots %u, want %u",
		   pkt.nr_slots, nr_slots);
	EXPECT_MSG(pkt.nr_extras == nr_extras, "nr_extras %u, want %u",
		   pkt.nr_extras, nr_extras);
	EXPECT(pkt.nr_segs + pkt.nr_extras == pkt.nr_slots);
	for (i = 0; i < pkt.nr_segs; i++) {
		sum += pkt.segs[i].size;
		EXPECT_MSG(pkt.segs[i].offset + pkt.segs[i].size <= 4096u,
			   "seg %u crosses its page", i);
	}
	EXPECT_MSG(sum == len, "segments add up to %u, not %u", sum, len);
}

/* A drop consumed the whole chain: n data slots (ids 100 + ring index)
 * and e extras. */
static void expect_consumed(unsigned int n, unsigned int e)
{
	unsigned int i;

	EXPECT_MSG(pkt.nr_slots == n + e, "nr_slots %u, want %u", pkt.nr_slots,
		   n + e);
	EXPECT_MSG(pkt.nr_segs == n, "nr_segs %u, want %u", pkt.nr_segs, n);
	EXPECT(pkt.nr_extras == e);
	for (i = 0; i < pkt.nr_segs && i < n; i++)
		EXPECT_MSG(pkt.segs[i].id == 100 + (i ? i + e : 0),
			   "seg %u id %u", i, pkt.segs[i].id);
}

/* A chain of n data slots (n >= 1) carrying total bytes: the first slot
 * carries what the others (each `each` bytes) leave. */
static void chain(unsigned int n, uint16_t total, uint16_t each,
		  uint16_t first_flags)
{
	unsigned int i;

	tx(0, total, (uint16_t)(first_flags | (n > 1 ? NETTXF_more_data : 0)));
	for (i = 1; i < n; i++)
		tx(0, each, i + 1 < n ? NETTXF_more_data : 0);
}

/* ---- accepted forms ---- */

static void t_single_60(void)
{
	reset();
	tx(0, 60, 0);
	expect(parse(), 0, XPVD_NETTX_OK);
	expect_frame(60, 1, 0);
	EXPECT(pkt.segs[0].id == 100 && pkt.segs[0].gref == 1000);
	EXPECT(pkt.off.flags == 0 && pkt.off.gso_type == 0);
}

static void t_single_1514(void)
{
	reset();
	tx(2048, 1514, NETTXF_csum_blank | NETTXF_data_validated);
	expect(parse(), 0, XPVD_NETTX_OK);
	expect_frame(1514, 1, 0);
	EXPECT(pkt.segs[0].offset == 2048);
	EXPECT(pkt.off.flags == (NETTXF_csum_blank | NETTXF_data_validated));
}

static void t_page_end(void)
{
	reset();
	tx(4000, 96, 0);
	expect(parse(), 0, XPVD_NETTX_OK);
	expect_frame(96, 1, 0);
}

/* 65535 bytes: 1535 in the first slot, then 16 slots of 4000. */
static void gso_64k(uint8_t type)
{
	unsigned int i;

	reset();
	tx(0, 65535, NETTXF_csum_blank | NETTXF_extra_info | NETTXF_more_data);
	gso_extra(type, 1448, false);
	for (i = 0; i < 16; i++)
		tx(96, 4000, i < 15 ? NETTXF_more_data : 0);
	expect(parse(), 0, XPVD_NETTX_OK);
	expect_frame(65535, 18, 1);
	EXPECT(pkt.nr_segs == 17);
	EXPECT(pkt.segs[0].size == 1535 && pkt.segs[1].size == 4000);
	EXPECT(pkt.segs[1].id == 102 && pkt.segs[16].id == 117);
	EXPECT(pkt.off.gso_type == type && pkt.off.gso_size == 1448);
	EXPECT(pkt.off.flags == NETTXF_csum_blank);
}

static void t_gso_tcpv4_64k(void)
{
	gso_64k(XEN_NETIF_GSO_TYPE_TCPV4);
}

static void t_gso_tcpv6_64k(void)
{
	gso_64k(XEN_NETIF_GSO_TYPE_TCPV6);
}

static void t_slots_19_128_bytes(void)
{
	reset();
	chain(19, 128, 6, 0);
	expect(parse(), 0, XPVD_NETTX_OK);
	expect_frame(128, 19, 0);
	EXPECT(pkt.segs[0].size == 128 - 18 * 6);
}

static void t_zero_size_continuations(void)
{
	reset();
	tx(0, 60, NETTXF_more_data);
	tx(0, 0, NETTXF_more_data);
	tx(0, 0, 0);
	expect(parse(), 0, XPVD_NETTX_OK);
	expect_frame(60, 3, 0);
	EXPECT(pkt.segs[1].size == 0 && pkt.segs[2].size == 0);
}

/* Ethernet alone in the first slot, IP and TCP in the next two. */
static void t_headers_split(void)
{
	reset();
	tx(0, 154, NETTXF_csum_blank | NETTXF_more_data);
	tx(4076, 20, NETTXF_more_data);
	tx(0, 20, NETTXF_more_data);
	tx(100, 100, 0);
	expect(parse(), 0, XPVD_NETTX_OK);
	expect_frame(154, 4, 0);
	EXPECT(pkt.segs[0].size == 14);
}

static void t_mcast(void)
{
	reset();
	tx(0, 0, NETTXF_extra_info | NETTXF_more_data);
	raw_extra(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, false);
	tx(0, 60, 0);
	expect(parse(), 0, XPVD_NETTX_OK);
	EXPECT(pkt.kind == XPVD_NETTX_MCAST_ADD);
	/* more_data is not followed: the next slot is a chain of its own. */
	EXPECT(pkt.nr_slots == 2 && pkt.nr_extras == 1 && pkt.nr_segs == 1);
	EXPECT(pkt.mcast[0] == 1 && pkt.mcast[5] == 6);
	reset();
	tx(0, 0, NETTXF_extra_info);
	raw_extra(XEN_NETIF_EXTRA_TYPE_MCAST_DEL, false);
	expect(parse(), 0, XPVD_NETTX_OK);
	EXPECT(pkt.kind == XPVD_NETTX_MCAST_DEL && pkt.nr_slots == 2);
}

static void t_extras_chained(void)
{
	reset();
	tx(0, 1000, NETTXF_extra_info | NETTXF_csum_blank);
	raw_extra(XEN_NETIF_EXTRA_TYPE_HASH, true);
	gso_extra(XEN_NETIF_GSO_TYPE_TCPV6, 1440, false);
	expect(parse(), 0, XPVD_NETTX_OK);
	expect_frame(1000, 3, 2);
	EXPECT(pkt.has_hash && pkt.off.gso_type == XEN_NETIF_GSO_TYPE_TCPV6);
}

/* ---- caller's bound and empty ring ---- */

static void t_req_prod_beyond_ring(void)
{
	EXPECT(xpvd_nettx_pending(10, 10, 256) == 0);
	EXPECT(xpvd_nettx_pending(266, 10, 256) == 256);
	EXPECT(xpvd_nettx_pending(267, 10, 256) == -EPROTO);
	EXPECT(xpvd_nettx_pending(5, 0xfffffffeu, 256) == 7);
	EXPECT(xpvd_nettx_pending(9, 10, 256) == -EPROTO);
	reset();
	expect(parse_n(0), -ENODATA, XPVD_NETTX_EMPTY);
}

/* ---- fatal ---- */

static void t_chain_past_req_prod(void)
{
	reset();
	tx(0, 100, NETTXF_more_data);
	expect(parse(), -EPROTO, XPVD_NETTX_F_PAST_PROD);
	reset();
	chain(3, 100, 10, 0);
	S[2].flags = NETTXF_more_data;	/* S[3], unpublished, would end it */
	expect(parse(), -EPROTO, XPVD_NETTX_F_PAST_PROD);
}

static void t_slots_22(void)
{
	reset();
	chain(22, 1000, 10, 0);
	expect(parse(), -EPROTO, XPVD_NETTX_F_SLOTS);
	reset();
	chain(40, 1000, 10, 0);
	expect(parse(), -EPROTO, XPVD_NETTX_F_SLOTS);
}

static void t_cross_page(void)
{
	reset();
	tx(0, 300, NETTXF_more_data);
	tx(4000, 200, 0);
	expect(parse(), -EPROTO, XPVD_NETTX_F_CROSS_PAGE);
	reset();
	tx(4000, 200, 0);
	expect(parse(), -EPROTO, XPVD_NETTX_F_FIRST_CROSS_PAGE);
	/* A cross-page slot is fatal even in a chain already dropped. */
	reset();
	tx(0, 100, NETTXF_more_data);
	tx(0, 200, NETTXF_more_data);
	tx(4000, 200, 0);
	expect(parse(), -EPROTO, XPVD_NETTX_F_CROSS_PAGE);
}

static void t_extra_missing(void)
{
	reset();
	tx(0, 60, NETTXF_extra_info);
	expect(parse(), -EPROTO, XPVD_NETTX_F_EXTRA_MISSING);
	reset();
	tx(0, 60, NETTXF_extra_info);
	gso_extra(XEN_NETIF_GSO_TYPE_TCPV4, 1448, true);
	expect(parse(), -EPROTO, XPVD_NETTX_F_EXTRA_MISSING);
}

static void t_extra_type(void)
{
	static const uint8_t bad[] = { XEN_NETIF_EXTRA_TYPE_NONE,
				       XEN_NETIF_EXTRA_TYPE_MAX, 6, 255 };
	unsigned int i;

	for (i = 0; i < sizeof(bad); i++) {
		test_where("extra type %u", bad[i]);
		reset();
		tx(0, 60, NETTXF_extra_info);
		raw_extra(bad[i], false);
		expect(parse(), -EPROTO, XPVD_NETTX_F_EXTRA_TYPE);
	}
	test_where("extra-type");
}

static void t_gso_size_0(void)
{
	reset();
	tx(0, 60, NETTXF_extra_info);
	gso_extra(XEN_NETIF_GSO_TYPE_TCPV4, 0, false);
	expect(parse(), -EPROTO, XPVD_NETTX_F_GSO_SIZE);
}

static void t_gso_type_bad(void)
{
	static const uint8_t bad[] = { XEN_NETIF_GSO_TYPE_NONE, 3, 255 };
	unsigned int i;

	for (i = 0; i < sizeof(bad); i++) {
		test_where("gso type %u", bad[i]);
		reset();
		tx(0, 60, NETTXF_extra_info);
		gso_extra(bad[i], 1448, false);
		expect(parse(), -EPROTO, XPVD_NETTX_F_GSO_TYPE);
	}
	test_where("gso-type-bad");
}

/* ---- drop ---- */

static void t_slots_20_21(void)
{
	unsigned int n;

	for (n = 20; n <= 21; n++) {
		test_where("%u slots", n);
		reset();
		chain(n, 1000, 10, 0);
		expect(parse(), -EINVAL, XPVD_NETTX_D_SLOTS);
		expect_consumed(n, 0);
	}
	/* 22 published, the chain ends at 21: a drop, the 22nd untouched. */
	test_where("21 of 22 published");
	reset();
	chain(21, 1000, 10, 0);
	tx(0, 60, 0);
	expect(parse(), -EINVAL, XPVD_NETTX_D_SLOTS);
	expect_consumed(21, 0);
	/* With an extra: the drop answers it too (RSP_NULL). */
	test_where("20 slots and an extra");
	reset();
	tx(0, 1000, NETTXF_more_data | NETTXF_extra_info);
	gso_extra(XEN_NETIF_GSO_TYPE_TCPV4, 1448, false);
	for (n = 1; n < 20; n++)
		tx(0, 10, n < 19 ? NETTXF_more_data : 0);
	expect(parse(), -EINVAL, XPVD_NETTX_D_SLOTS);
	expect_consumed(20, 1);
	test_where("slots-20-21");
}

static void t_size_wrap(void)
{
	reset();
	tx(0, 1000, NETTXF_more_data);
	tx(0, 800, NETTXF_more_data);
	tx(0, 300, 0);
	expect(parse(), -EINVAL, XPVD_NETTX_D_SIZE);
	expect_consumed(3, 0);
	/* A 65636-byte frame: its size field wrapped to 100. */
	reset();
	tx(0, (uint16_t)(65536 + 100), NETTXF_more_data);
	tx(0, 4096, 0);
	expect(parse(), -EINVAL, XPVD_NETTX_D_SIZE);
	expect_consumed(2, 0);
	/* Equal is not larger: the first slot is left with 0 bytes. */
	reset();
	tx(0, 1000, NETTXF_more_data);
	tx(0, 1000, 0);
	expect(parse(), -EINVAL, XPVD_NETTX_D_SHORT);
}

static void t_first_short(void)
{
	reset();
	tx(0, 13, 0);
	expect(parse(), -EINVAL, XPVD_NETTX_D_SHORT);
	expect_consumed(1, 0);
	reset();
	tx(0, 14, 0);
	expect(parse(), 0, XPVD_NETTX_OK);
	reset();
	tx(0, 100, NETTXF_more_data);
	tx(0, 90, 0);
	expect(parse(), -EINVAL, XPVD_NETTX_D_SHORT);
	expect_consumed(2, 0);
}

/* Linux's order: the chain's drop comes before the first slot's and the
 * GSO extra's fatal checks. */
static void t_drop_before_gso(void)
{
	unsigned int n;

	reset();
	tx(4000, 1000, NETTXF_more_data | NETTXF_extra_info);
	gso_extra(7, 0, false);
	for (n = 1; n < 20; n++)
		tx(0, 10, n < 19 ? NETTXF_more_data : 0);
	expect(parse(), -EINVAL, XPVD_NETTX_D_SLOTS);
	reset();
	tx(0, 10, NETTXF_extra_info);
	gso_extra(XEN_NETIF_GSO_TYPE_TCPV4, 0, false);
	expect(parse(), -EINVAL, XPVD_NETTX_D_SHORT);
}

struct tcase {
	const char *name;
	void (*fn)(void);
};

static const struct tcase cases[] = {
	{ "single-slot-60", t_single_60 },
	{ "single-slot-1514", t_single_1514 },
	{ "slot-ending-at-page-end", t_page_end },
	{ "gso-tcpv4-64k-17-slots-extra", t_gso_tcpv4_64k },
	{ "gso-tcpv6-64k-17-slots-extra", t_gso_tcpv6_64k },
	{ "1+18-slots-128-bytes", t_slots_19_128_bytes },
	{ "zero-size-continuations", t_zero_size_continuations },
	{ "headers-split-over-slots", t_headers_split },
	{ "mcast-add-del", t_mcast },
	{ "extras-chained-hash-gso", t_extras_chained },
	{ "req-prod-beyond-ring", t_req_prod_beyond_ring },
	{ "chain-past-req-prod", t_chain_past_req_prod },
	{ "22-slots-fatal", t_slots_22 },
	{ "cross-page-4000+200", t_cross_page },
	{ "extra-missing", t_extra_missing },
	{ "extra-type-0-or-unknown", t_extra_type },
	{ "gso-size-0", t_gso_size_0 },
	{ "gso-type-invalid", t_gso_type_bad },
	{ "20-21-slots-drop", t_slots_20_21 },
	{ "continuation-larger-than-first-u16-wrap", t_size_wrap },
	{ "first-slot-under-14", t_first_short },
	{ "drop-before-gso-fatal", t_drop_before_gso },
};

int main(void)
{
	unsigned int i;
	int before;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		before = test_failures;
		test_where("%s", cases[i].name);
		cases[i].fn();
		printf("%s %s\n", test_failures == before ? "ok  " : "FAIL",
		       cases[i].name);
	}
	printf("%lu checks, %d failed\n", test_nchecks, test_failures);
	return test_status();
}
