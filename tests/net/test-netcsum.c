/* SPDX-License-Identifier: MIT */
/*
 * test-netcsum.c - unit tests of checksum/GSO offload between netif and
 * the TAP's virtio-net header (backend/net/netcsum.h) and of the rx slot
 * plan (backend/net/netrx.h): one case per rule and the accepted forms,
 * each named in the output.
 *
 * Frames are built byte by byte here (Ethernet II, IPv4 with options,
 * IPv6 with extension headers, TCP, UDP, ICMP), then handed over as a
 * heap copy of exactly the bytes the case gives, so that reading one
 * byte too far is an ASan error in the sanitizer build.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "netcsum.h"
#include "netrx.h"
#include "nettx.h"
#include "test-util.h"

static uint8_t F[70000];	/* the frame being built */
static unsigned int flen;
static struct xpvd_net_vhdr out;
static const char *why;

static void put8(unsigned int off, unsigned int v)
{
	F[off] = (uint8_t)v;
}

static void put16(unsigned int off, unsigned int v)
{
	F[off] = (uint8_t)(v >> 8);
	F[off + 1] = (uint8_t)v;
}

/* Ethernet II header of the given type; returns its end. */
static unsigned int eth(unsigned int type)
{
	memset(F, 0, sizeof(F));
	memset(F, 0xff, 6);
	F[6] = 0x02;
	put16(12, type);
	return 14;
}

/* IPv4 header at off with ihl words (options filled with NOPs). */
static unsigned int ipv4(unsigned int off, unsigned int ihl,
			 unsigned int proto, unsigned int frag)
{
	unsigned int i;

	put8(off, 0x40 | ihl);
	put16(off + 6, frag);
	put8(off + 8, 64);
	put8(off + 9, proto);
	put16(off + 12, 0x0a00);	/* 10.0.0.1 */
	put16(off + 14, 0x0001);
	put16(off + 16, 0x0a00);	/* 10.0.0.2 */
	put16(off + 18, 0x0002);
	for (i = 20; i < ihl * 4; i++)
		put8(off + i, 1);
	return off + ihl * 4;
}

/* IPv6 header at off; payload length set later by finish(). */
static unsigned int ipv6(unsigned int off, unsigned int next)
{
	unsigned int i;

	put8(off, 0x60);
	put8(off + 6, next);
	put8(off + 7, 64);
	for (i = 0; i < 16; i++) {
		put8(off + 8 + i, i == 0 ? 0xfe : i == 15 ? 1 : 0);
		put8(off + 24 + i, i == 0 ? 0xfe : i == 15 ? 2 : 0);
	}
	return off + 40;
}

/* An extension header of len bytes (a multiple of 8; AH: of 4). */
static unsigned int ext(unsigned int off, unsigned int type, unsigned int next,
			unsigned int len)
{
	put8(off, next);
	if (type == IPPROTO_AH)
		put8(off + 1, len / 4 - 2);
	else if (type != IPPROTO_FRAGMENT)
		put8(off + 1, len / 8 - 1);
	return off + len;
}

static unsigned int tcp(unsigned int off, unsigned int doff)
{
	put16(off, 1234);
	put16(off + 2, 80);
	put8(off + 12, doff << 4);
	put8(off + 13, 0x18);
	put16(off + 14, 65535);
	put16(off + 16, 0xbeef);	/* what a fix must overwrite */
	return off + doff * 4;
}

static unsigned int udp(unsigned int off)
{
	put16(off, 5353);
	put16(off + 2, 53);
	return off + 8;
}

/* The frame ends at len (payload zero-filled); the IPv6 payload length
 * at l3 (if v6) covers the rest. */
static void finish(unsigned int len, unsigned int l3, bool v6)
{
	flen = len;
	if (v6)
		put16(l3 + 4, len - l3 - 40);
	else if (l3)
		put16(l3 + 2, len - l3);
}

/* xpvd_netcsum_tx() on a heap copy of the first `give` bytes. */
static int run(unsigned int give, uint16_t flags, uint8_t gso_type,
	       uint16_t gso_size)
{
	struct xpvd_net_txoff off = { flags, gso_type, gso_size };
	uint8_t *copy = malloc(give ? give : 1);
	int r;

	CHECK(copy != NULL);
	memcpy(copy, F, give);
	memset(&out, 0x5a, sizeof(out));
	why = NULL;
	r = xpvd_netcsum_tx(copy, give, flen, &off, &out, &why);
	free(copy);
	return r;
}

static int run_all(uint16_t flags, uint8_t gso_type, uint16_t gso_size)
{
	return run(flen, flags, gso_type, gso_size);
}

static void expect_err(int r, int want)
{
	EXPECT_MSG(r == want, "returned %d, want %d (%s)", r, want,
		   why ? why : "-");
	if (want)
		EXPECT_MSG(why != NULL, "no message");
}

static void expect_csum(int r, unsigned int start, unsigned int off)
{
	expect_err(r, 0);
	EXPECT_MSG(out.vh.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM, "flags %u",
		   out.vh.flags);
	EXPECT_MSG(out.vh.csum_start == start, "csum_start %u, want %u",
		   out.vh.csum_start, start);
	EXPECT_MSG(out.vh.csum_offset == off, "csum_offset %u, want %u",
		   out.vh.csum_offset, off);
}

static void expect_plain(int r)
{
	expect_err(r, 0);
	EXPECT(out.vh.flags == 0 && out.vh.gso_type == 0 &&
	       out.vh.csum_start == 0 && out.vh.hdr_len == 0 && !out.fix);
}

/* ---- TX: accepted ---- */

static void t_ping_no_csum(void)
{
	unsigned int e = eth(0x0800);

	finish(ipv4(e, 5, IPPROTO_ICMP, 0) + 56, e, false);
	expect_plain(run_all(0, 0, 0));
	/* data_validated alone: no flag (virtio forbids DATA_VALID on tx). */
	expect_plain(run_all(NETTXF_data_validated, 0, 0));
	/* Nothing is parsed without an offload: garbage passes. */
	memset(F, 0xab, 64);
	flen = 64;
	expect_plain(run_all(0, 0, 0));
}

static void t_tcpv4_csum(void)
{
	unsigned int e = eth(0x0800);

	finish(tcp(ipv4(e, 5, IPPROTO_TCP, 0x4000), 5) + 100, e, false);
	expect_csum(run_all(NETTXF_csum_blank, 0, 0), 34, 16);
	EXPECT(out.vh.gso_type == VIRTIO_NET_HDR_GSO_NONE && !out.fix);
	EXPECT(out.l4_proto == IPPROTO_TCP && out.l4_off == 34);
	/* Exactly the headers given: enough. */
	expect_csum(run(54, NETTXF_csum_blank, 0, 0), 34, 16);
}

static void t_udpv4_csum(void)
{
	unsigned int e = eth(0x0800);

	finish(udp(ipv4(e, 5, IPPROTO_UDP, 0)) + 30, e, false);
	expect_csum(run_all(NETTXF_csum_blank | NETTXF_data_validated, 0, 0),
		    34, 6);
}

static void t_ipv4_options(void)
{
	unsigned int e = eth(0x0800);

	finish(tcp(ipv4(e, 15, IPPROTO_TCP, 0), 5) + 10, e, false);
	expect_csum(run_all(NETTXF_csum_blank, 0, 0), 14 + 60, 16);
	e = eth(0x0800);
	finish(udp(ipv4(e, 8, IPPROTO_UDP, 0)), e, false);
	expect_csum(run_all(NETTXF_csum_blank, 0, 0), 14 + 32, 6);
}

static void t_tcpv6_csum(void)
{
	unsigned int e = eth(0x86dd);

	finish(tcp(ipv6(e, IPPROTO_TCP), 5) + 1000, e, true);
	expect_csum(run_all(NETTXF_csum_blank, 0, 0), 54, 16);
}

static void t_ipv6_ext_headers(void)
{
	unsigned int e = eth(0x86dd), o;

	o = ipv6(e, IPPROTO_HOPOPTS);
	o = ext(o, IPPROTO_HOPOPTS, IPPROTO_ROUTING, 8);
	o = ext(o, IPPROTO_ROUTING, IPPROTO_DSTOPTS, 24);
	o = ext(o, IPPROTO_DSTOPTS, IPPROTO_FRAGMENT, 16);
	o = ext(o, IPPROTO_FRAGMENT, IPPROTO_AH, 8);	/* offset 0, !MF */
	o = ext(o, IPPROTO_AH, IPPROTO_UDP, 24);
	finish(udp(o) + 20, e, true);
	expect_csum(run_all(NETTXF_csum_blank, 0, 0), 54 + 8 + 24 + 16 + 8 + 24,
		    6);
}

static void t_gso_tcpv4(void)
{
	unsigned int e = eth(0x0800);

	finish(tcp(ipv4(e, 5, IPPROTO_TCP, 0x4000), 8) + 65535 - 66, e, false);
	expect_csum(run(XPVD_NETCSUM_HDR_MAX, NETTXF_csum_blank,
			XEN_NETIF_GSO_TYPE_TCPV4, 1448),
		    34, 16);
	EXPECT(out.vh.gso_type == VIRTIO_NET_HDR_GSO_TCPV4);
	EXPECT(out.vh.gso_size == 1448);
	EXPECT_MSG(out.vh.hdr_len == 14 + 20 + 32, "hdr_len %u",
		   out.vh.hdr_len);
	EXPECT(!out.fix);
}

static void t_gso_tcpv6(void)
{
	unsigned int e = eth(0x86dd), o;

	o = ext(ipv6(e, IPPROTO_DSTOPTS), IPPROTO_DSTOPTS, IPPROTO_TCP, 16);
	finish(tcp(o, 5) + 60000, e, true);
	expect_csum(run(200, NETTXF_csum_blank, XEN_NETIF_GSO_TYPE_TCPV6,
			1440),
		    70, 16);
	EXPECT(out.vh.gso_type == VIRTIO_NET_HDR_GSO_TCPV6);
	EXPECT(out.vh.hdr_len == 90);
}

/* The pseudo-header sum, computed here from the header bytes the slow
 * way: add the 16-bit words of a pseudo-header laid out in a buffer. */
static unsigned int ref_pseudo(bool v6, unsigned int l3, unsigned int proto,
			       unsigned int l4_len)
{
	uint8_t ph[40];
	unsigned int n, i;
	uint32_t s = 0;

	memset(ph, 0, sizeof(ph));
	if (v6) {
		memcpy(ph, F + l3 + 8, 32);
		ph[34] = (uint8_t)(l4_len >> 8);
		ph[35] = (uint8_t)l4_len;
		ph[39] = (uint8_t)proto;
		n = 40;
	} else {
		memcpy(ph, F + l3 + 12, 8);
		ph[9] = (uint8_t)proto;
		ph[10] = (uint8_t)(l4_len >> 8);
		ph[11] = (uint8_t)l4_len;
		n = 12;
	}
	for (i = 0; i < n; i += 2)
		s += (uint32_t)ph[i] << 8 | ph[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static void t_gso_without_csum_blank(void)
{
	unsigned int e = eth(0x0800), want;

	finish(tcp(ipv4(e, 5, IPPROTO_TCP, 0), 5) + 3000, e, false);
	expect_csum(run_all(0, XEN_NETIF_GSO_TYPE_TCPV4, 1448), 34, 16);
	want = ref_pseudo(false, e, IPPROTO_TCP, flen - 34);
	EXPECT(want == 0x0a00 + 1 + 0x0a00 + 2 + 6 + 3020);
	EXPECT(out.fix && out.fix_off == 34 + 16);
	EXPECT_MSG((unsigned int)(out.fix_val[0] << 8 | out.fix_val[1]) == want,
		   "fix %02x%02x, want %04x", out.fix_val[0], out.fix_val[1],
		   want);
	e = eth(0x86dd);
	finish(tcp(ipv6(e, IPPROTO_TCP), 5) + 65000, e, true);
	expect_csum(run(100, 0, XEN_NETIF_GSO_TYPE_TCPV6, 1440), 54, 16);
	want = ref_pseudo(true, e, IPPROTO_TCP, flen - 54);
	EXPECT(out.fix && out.fix_off == 54 + 16);
	EXPECT((unsigned int)(out.fix_val[0] << 8 | out.fix_val[1]) == want);
}

/* The prefix of a frame gathered from the segments of a parsed chain
 * whose headers are split over several slots. */
static void t_headers_split_gathered(void)
{
	static uint8_t pages[4][4096];
	struct netif_tx_request s[4];
	struct xpvd_nettx_pkt pkt;
	unsigned int e = eth(0x0800), i, at = 0;
	uint8_t hdr[256];

	finish(tcp(ipv4(e, 5, IPPROTO_TCP, 0), 5) + 100, e, false);
	memset(s, 0, sizeof(s));
	s[0] = (struct netif_tx_request){ .gref = 0, .offset = 0,
					  .flags = NETTXF_csum_blank |
						   NETTXF_more_data,
					  .size = (uint16_t)flen };
	s[1] = (struct netif_tx_request){ .gref = 1, .offset = 4076,
					  .flags = NETTXF_more_data,
					  .size = 20 };
	s[2] = (struct netif_tx_request){ .gref = 2, .offset = 8,
					  .flags = NETTXF_more_data,
					  .size = 20 };
	s[3] = (struct netif_tx_request){ .gref = 3, .offset = 0,
					  .size = (uint16_t)(flen - 54) };
	CHECK(xpvd_nettx_parse(s, 4, &pkt) == 0);
	CHECK(pkt.segs[0].size == 14);
	/* "Grant copy" the frame into the pages, then gather a prefix. */
	for (i = 0; i < pkt.nr_segs; i++) {
		memcpy(pages[pkt.segs[i].gref] + pkt.segs[i].offset, F + at,
		       pkt.segs[i].size);
		at += pkt.segs[i].size;
	}
	CHECK(at == flen);
	for (at = 0, i = 0; i < pkt.nr_segs && at < sizeof(hdr); i++) {
		unsigned int n = pkt.segs[i].size;

		if (n > sizeof(hdr) - at)
			n = sizeof(hdr) - at;
		memcpy(hdr + at, pages[pkt.segs[i].gref] + pkt.segs[i].offset,
		       n);
		at += n;
	}
	why = NULL;
	expect_csum(xpvd_netcsum_tx(hdr, at, pkt.len, &pkt.off, &out, &why),
		    34, 16);
	/* Only the first slot: not enough, ask for more. */
	expect_err(xpvd_netcsum_tx(hdr, 14, pkt.len, &pkt.off, &out, &why),
		   -ENOBUFS);
}

/* ---- TX: refused ---- */

static void t_csum_not_tcp_udp(void)
{
	unsigned int e = eth(0x0800);

	finish(ipv4(e, 5, IPPROTO_ICMP, 0) + 56, e, false);
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
	e = eth(0x86dd);
	finish(ipv6(e, IPPROTO_ICMPV6) + 56, e, true);
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
	eth(0x0806);	/* ARP */
	finish(60, 0, false);
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
	eth(0x8100);	/* a VLAN tag: Linux's eth_type_trans stops there */
	finish(64, 0, false);
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
	/* A GSO request on such a frame too. */
	e = eth(0x0800);
	finish(ipv4(e, 5, IPPROTO_ICMP, 0) + 56, e, false);
	expect_err(run_all(0, XEN_NETIF_GSO_TYPE_TCPV4, 1448), -EPROTO);
}

static void t_csum_truncated(void)
{
	unsigned int e = eth(0x0800);

	tcp(ipv4(e, 5, IPPROTO_TCP, 0), 5);
	flen = 40;	/* the TCP header ends at 54 */
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
	flen = 30;	/* the IPv4 header ends at 34 */
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
	flen = 14;	/* no IP header at all */
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
	e = eth(0x86dd);
	udp(ipv6(e, IPPROTO_UDP));
	finish(60, e, true);	/* UDP ends at 62 */
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
	/* Options announced by ihl but cut off. */
	e = eth(0x0800);
	ipv4(e, 15, IPPROTO_TCP, 0);
	finish(60, e, false);
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
}

static void t_more_bytes_needed(void)
{
	unsigned int e = eth(0x0800);

	finish(tcp(ipv4(e, 5, IPPROTO_TCP, 0), 5) + 1460, e, false);
	expect_err(run(40, NETTXF_csum_blank, 0, 0), -ENOBUFS);
	expect_err(run(53, NETTXF_csum_blank, 0, 0), -ENOBUFS);
	expect_err(run(10, NETTXF_csum_blank, 0, 0), -ENOBUFS);
	expect_csum(run(54, NETTXF_csum_blank, 0, 0), 34, 16);
}

static void t_ip_fragments(void)
{
	unsigned int e = eth(0x0800), o;

	finish(udp(ipv4(e, 5, IPPROTO_UDP, 0x2000)) + 100, e, false); /* MF */
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
	finish(udp(ipv4(e, 5, IPPROTO_UDP, 0x0010)) + 100, e, false);
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
	finish(udp(ipv4(e, 5, IPPROTO_UDP, 0x4000)) + 100, e, false); /* DF */
	expect_csum(run_all(NETTXF_csum_blank, 0, 0), 34, 6);
	e = eth(0x86dd);
	o = ext(ipv6(e, IPPROTO_FRAGMENT), IPPROTO_FRAGMENT, IPPROTO_UDP, 8);
	put16(o - 6, 0x0008);	/* fragment offset 1 */
	finish(udp(o) + 100, e, true);
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
	put16(o - 6, 0x0001);	/* M flag */
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
	put16(o - 6, 0x0006);	/* reserved bits only */
	expect_csum(run_all(NETTXF_csum_blank, 0, 0), 54 + 8, 6);
}

static void t_ipv6_ext_limits(void)
{
	unsigned int e = eth(0x86dd), o, i;

	/* Headers that start past 256 bytes of the IPv6 header. */
	o = ipv6(e, IPPROTO_DSTOPTS);
	o = ext(o, IPPROTO_DSTOPTS, IPPROTO_HOPOPTS, 208);
	o = ext(o, IPPROTO_HOPOPTS, IPPROTO_TCP, 8);	/* starts at 248 */
	finish(tcp(o, 5) + 10, e, true);
	expect_csum(run_all(NETTXF_csum_blank, 0, 0), 14 + 256, 16);
	o = ipv6(e, IPPROTO_DSTOPTS);
	o = ext(o, IPPROTO_DSTOPTS, IPPROTO_DSTOPTS, 216);
	o = ext(o, IPPROTO_DSTOPTS, IPPROTO_TCP, 8);	/* starts at 256 */
	finish(tcp(o, 5) + 10, e, true);
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
	/* A long header that starts in time: the TCP header far after. */
	o = ipv6(e, IPPROTO_ROUTING);
	o = ext(o, IPPROTO_ROUTING, IPPROTO_TCP, 2048);
	finish(tcp(o, 5) + 10, e, true);
	expect_err(run(1000, NETTXF_csum_blank, 0, 0), -ENOBUFS);
	expect_csum(run(XPVD_NETCSUM_HDR_MAX, NETTXF_csum_blank, 0, 0),
		    14 + 40 + 2048, 16);
	/* The longest walk still fits XPVD_NETCSUM_HDR_MAX: AH makes the
	 * last header start at 252. */
	o = ext(ipv6(e, IPPROTO_AH), IPPROTO_AH, IPPROTO_DSTOPTS, 12);
	for (i = 0; i < 25; i++)
		o = ext(o, IPPROTO_DSTOPTS, IPPROTO_DSTOPTS, 8);
	CHECK(o - e == 252);
	o = ext(o, IPPROTO_DSTOPTS, IPPROTO_TCP, 2048);
	finish(tcp(o, 5) + 10, e, true);
	expect_csum(run(XPVD_NETCSUM_HDR_MAX, NETTXF_csum_blank, 0, 0),
		    XPVD_NETCSUM_HDR_MAX - 20, 16);
	/* Extension headers that run past the payload length. */
	o = ext(ipv6(e, IPPROTO_HOPOPTS), IPPROTO_HOPOPTS, IPPROTO_TCP, 8);
	tcp(o, 5);
	finish(200, e, true);
	put16(e + 4, 0);
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
	/* A payload length of 0 with no extension header is fine. */
	e = eth(0x86dd);
	finish(tcp(ipv6(e, IPPROTO_TCP), 5), e, true);
	put16(e + 4, 0);
	expect_csum(run_all(NETTXF_csum_blank, 0, 0), 54, 16);
}

static void t_bad_ip_header(void)
{
	unsigned int e = eth(0x0800);

	finish(tcp(ipv4(e, 5, IPPROTO_TCP, 0), 5), e, false);
	put8(e, 0x65);	/* version 6 in an IPv4 frame */
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
	put8(e, 0x44);	/* ihl 4 */
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
	e = eth(0x86dd);
	finish(tcp(ipv6(e, IPPROTO_TCP), 5), e, true);
	put8(e, 0x45);
	expect_err(run_all(NETTXF_csum_blank, 0, 0), -EPROTO);
}

static void t_gso_mismatch(void)
{
	unsigned int e = eth(0x86dd);

	finish(tcp(ipv6(e, IPPROTO_TCP), 5) + 5000, e, true);
	expect_err(run_all(NETTXF_csum_blank, XEN_NETIF_GSO_TYPE_TCPV4, 1440),
		   -EINVAL);
	e = eth(0x0800);
	finish(tcp(ipv4(e, 5, IPPROTO_TCP, 0), 5) + 5000, e, false);
	expect_err(run_all(NETTXF_csum_blank, XEN_NETIF_GSO_TYPE_TCPV6, 1440),
		   -EINVAL);
	expect_err(run_all(NETTXF_csum_blank, 3, 1440), -EINVAL);
	finish(udp(ipv4(e, 5, IPPROTO_UDP, 0)) + 5000, e, false);
	expect_err(run_all(NETTXF_csum_blank, XEN_NETIF_GSO_TYPE_TCPV4, 1440),
		   -EINVAL);
}

static void t_gso_bad_tcp_or_size(void)
{
	unsigned int e = eth(0x0800);

	finish(tcp(ipv4(e, 5, IPPROTO_TCP, 0), 5) + 5000, e, false);
	put8(e + 20 + 12, 4 << 4);	/* doff 4 */
	expect_err(run_all(NETTXF_csum_blank, XEN_NETIF_GSO_TYPE_TCPV4, 1440),
		   -EINVAL);
	/* ... which a non-GSO csum_blank frame may have (Linux looks at
	 * the fixed header only). */
	expect_csum(run_all(NETTXF_csum_blank, 0, 0), 34, 16);
	put8(e + 20 + 12, 5 << 4);
	expect_err(run_all(NETTXF_csum_blank, XEN_NETIF_GSO_TYPE_TCPV4,
			   0xffff),
		   -EINVAL);
	expect_err(run_all(NETTXF_csum_blank, XEN_NETIF_GSO_TYPE_TCPV4, 0),
		   -EINVAL);
	/* A data offset that runs past the frame's end. */
	finish(54 + 20, e, false);
	put8(e + 20 + 12, 15 << 4);
	expect_err(run_all(NETTXF_csum_blank, XEN_NETIF_GSO_TYPE_TCPV4, 1440),
		   -EINVAL);
}

/* ---- RX ---- */

static void t_rx_flags_and_gso(void)
{
	const struct xpvd_netrx_feat all = { true, true, true };
	const struct xpvd_netrx_feat none = { false, false, false };
	struct virtio_net_hdr vh;
	struct netif_extra_info ex;
	uint16_t fl;

	memset(&vh, 0, sizeof(vh));
	EXPECT(xpvd_netcsum_rx(&vh, &all, &fl, &ex) == 0 && fl == 0);
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.csum_start = 34;
	vh.csum_offset = 16;
	EXPECT(xpvd_netcsum_rx(&vh, &all, &fl, &ex) == 0 &&
	       fl == (NETRXF_csum_blank | NETRXF_data_validated));
	EXPECT(xpvd_netcsum_rx(&vh, &none, &fl, &ex) == -EOPNOTSUPP);
	vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	EXPECT(xpvd_netcsum_rx(&vh, &none, &fl, &ex) == 0 &&
	       fl == NETRXF_data_validated);

	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = 1448;
	vh.hdr_len = 66;
	memset(&ex, 0xff, sizeof(ex));
	EXPECT(xpvd_netcsum_rx(&vh, &all, &fl, &ex) == 1);
	EXPECT(ex.type == XEN_NETIF_EXTRA_TYPE_GSO && ex.flags == 0);
	EXPECT(ex.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4 &&
	       ex.u.gso.size == 1448 && ex.u.gso.pad == 0 &&
	       ex.u.gso.features == 0);
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	EXPECT(xpvd_netcsum_rx(&vh, &all, &fl, &ex) == 1 &&
	       ex.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV6);
	{
		const struct xpvd_netrx_feat v4only = { true, true, false };

		EXPECT(xpvd_netcsum_rx(&vh, &v4only, &fl, &ex) ==
		       -EOPNOTSUPP);
	}
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN;
	EXPECT(xpvd_netcsum_rx(&vh, &all, &fl, &ex) == -EOPNOTSUPP);
	vh.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	EXPECT(xpvd_netcsum_rx(&vh, &all, &fl, &ex) == -EOPNOTSUPP);
	vh.gso_type = 5;	/* UDP_L4 */
	EXPECT(xpvd_netcsum_rx(&vh, &all, &fl, &ex) == -EOPNOTSUPP);
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = 0;
	EXPECT(xpvd_netcsum_rx(&vh, &all, &fl, &ex) == -EINVAL);
}

/* A plan: data slots cover the frame in order, each in its page. */
static void check_plan(uint32_t len, bool gso, int want_n)
{
	struct xpvd_netrx_slot s[XPVD_NETRX_MAX_SLOTS + 2];
	uint32_t at = 0;
	int n, i, data = 0;

	test_where("rx plan of %u%s", len, gso ? " + gso" : "");
	memset(s, 0x5a, sizeof(s));
	n = xpvd_netrx_plan(len, NETRXF_csum_blank | NETRXF_data_validated |
					 NETRXF_more_data,
			    gso, s, XPVD_NETRX_MAX_SLOTS);
	EXPECT_MSG(n == want_n, "%d slots, want %d", n, want_n);
	EXPECT((unsigned int)(n > 0 ? n : 0) == xpvd_netrx_nr_slots(len, gso));
	for (i = 0; i < n; i++) {
		if (s[i].extra) {
			EXPECT_MSG(gso && i == 1, "extra at %d", i);
			continue;
		}
		data++;
		EXPECT(s[i].frame_off == at);
		EXPECT(s[i].len >= 1 && s[i].len <= 4096);
		at += s[i].len;
		EXPECT(!!(s[i].flags & NETRXF_more_data) == (at < len));
		EXPECT(!!(s[i].flags & NETRXF_extra_info) == (gso && i == 0));
		EXPECT(!!(s[i].flags & NETRXF_csum_blank) == (i == 0));
		if (at < len)
			EXPECT(s[i].len == 4096);
	}
	if (n > 0) {
		EXPECT(at == len);
		EXPECT(data + (gso ? 1 : 0) == n);
	}
}

static void t_rx_plan(void)
{
	struct xpvd_netrx_slot s[4];

	check_plan(60, false, 1);
	check_plan(1514, false, 1);
	check_plan(4096, false, 1);
	check_plan(4097, false, 2);
	check_plan(1514, true, 2);
	check_plan(65535, true, 17);
	check_plan(65536, true, 17);
	check_plan(65536 + 14, true, 18);
	check_plan(18 * 4096, true, 19);
	check_plan(18 * 4096 + 1, false, -EMSGSIZE);
	check_plan(0, false, -EMSGSIZE);
	test_where("rx plan, too few slots");
	EXPECT(xpvd_netrx_plan(65535, 0, true, s, 4) == -ENOSPC);
	EXPECT(xpvd_netrx_plan(60, 0, true, s, 1) == -ENOSPC);
	EXPECT(xpvd_netrx_plan(60, 0, true, s, 2) == 2);
	test_where("rx-plan");
}

struct tcase {
	const char *name;
	void (*fn)(void);
};

static const struct tcase cases[] = {
	{ "tx-ping-no-csum", t_ping_no_csum },
	{ "tx-tcpv4-csum", t_tcpv4_csum },
	{ "tx-udpv4-csum", t_udpv4_csum },
	{ "tx-ipv4-options", t_ipv4_options },
	{ "tx-tcpv6-csum", t_tcpv6_csum },
	{ "tx-ipv6-extension-headers", t_ipv6_ext_headers },
	{ "tx-gso-tcpv4-64k", t_gso_tcpv4 },
	{ "tx-gso-tcpv6", t_gso_tcpv6 },
	{ "tx-gso-without-csum-blank-pseudo-sum", t_gso_without_csum_blank },
	{ "tx-headers-split-gathered", t_headers_split_gathered },
	{ "tx-csum-blank-not-tcp-udp", t_csum_not_tcp_udp },
	{ "tx-csum-blank-truncated-headers", t_csum_truncated },
	{ "tx-more-header-bytes-needed", t_more_bytes_needed },
	{ "tx-ip-fragments", t_ip_fragments },
	{ "tx-ipv6-extension-limits", t_ipv6_ext_limits },
	{ "tx-bad-ip-header", t_bad_ip_header },
	{ "tx-gso-type-mismatch", t_gso_mismatch },
	{ "tx-gso-bad-tcp-or-size", t_gso_bad_tcp_or_size },
	{ "rx-flags-and-gso-extra", t_rx_flags_and_gso },
	{ "rx-slot-plan", t_rx_plan },
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
