/* SPDX-License-Identifier: MIT */
/*
 * test-net-io.c - drives libxenpvfront's netfront (xpvf_net_*) from a sim
 * guest against a peer that sends every frame back unchanged (the tests'
 * fake-netback, or xenpvd's vif with a host-side echo on its TAP), and
 * checks every echo byte for byte against the frame sent.
 *
 *   test-net-io --devid D [--queues N] [--no-split] [--no-sg] [--no-gso]
 *       [--mode sync|async] [--sizes N,N,...] [--offloads] [--rounds R]
 *       [--inflight K] [--loose] [--strict-meta]
 *       [--expect-queues N] [--expect-split 0|1] [--expect-sg 0|1]
 *       [--expect-reconnects-min N] [--max-plain N] [--ignore-other]
 *       [--expect-broken] [--expect-rx-errors N] [--rx-buffers N]
 *       [--tx-pages N] [--until FILE [--lossy-ms MS]]
 *       [--expect-reconnects-max N]
 *
 * Frames are real Ethernet/IPv4-or-IPv6/TCP frames (sequence number in
 * the TCP seq field, a pattern after the headers), given to the library
 * as a three-piece iovec.  --offloads cycles through full checksum, blank
 * checksum, GSO TCPv4 and GSO TCPv6 (GSO only on frames above 1514 bytes
 * and when negotiated).  Sizes above 4096 are skipped without SG.
 * sync: xpvf_net_send() then xpvf_net_recv() per frame.  async: up to K
 * frames in flight with callbacks; a frame failed with -ECONNRESET (the
 * backend went away first) is sent again.  Every sequence number must
 * come back exactly once.  --strict-meta: the echo must carry the sent
 * frame's GSO type and size, and a blank checksum as blank.  --loose:
 * ignore the IP and TCP checksum fields (a host path may fill them).
 * --max-plain N: no frame above N bytes without GSO (a host path through
 * an interface of MTU N - 14 cannot carry them).  --ignore-other: frames
 * that are not test frames (the host's own neighbour discovery...) are
 * counted and skipped instead of failing the test.  --expect-broken: the
 * device must break (-EIO; the peer misbehaves), and close after it.
 * --expect-rx-errors N (async): exactly N frames are dropped as bad.
 * --until FILE (sync): the frame table is sent again and again until
 * FILE exists, and an echo that is not back within --lossy-ms (default
 * 2000) is counted lost instead of failing: for a restart of the
 * backend, where frames the host sends while no daemon holds the TAP are
 * dropped.  An echo that comes back after its frame was given up is
 * counted late and skipped; every echo that is checked must be exact.
 * NETIO_DEBUG set in the environment: each synchronous send is traced
 * and frames that are not echoes are dumped.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xenpvfront.h"

#define MAXF 65536
#define KIND_FULL 0
#define KIND_BLANK 1
#define KIND_GSO4 2
#define KIND_GSO6 3

struct sent {
	uint32_t len;
	uint8_t kind;
	uint8_t echoed;
	uint8_t inflight;
};

static struct xpvf_net *h;
static struct xpvf_net_info info;
static struct sent *tab;
static uint32_t nframes, echoed, resent;
static bool loose, strict_meta, ignore_other;
static uint32_t others;
static unsigned char *txbuf, *rxbuf, *ref;
static uint32_t *resend_q;
static uint32_t nresend;
static int failed;

static const char *until_file;
static int lossy_ms = 2000;
static uint32_t lost, late, passes;

static bool expect_broken;
static int expect_rx_errors = -1;

static void die(const char *what, int err)
{
	if (expect_broken && err == -EIO) {
		/* What the test asked for; closing must still work. */
		printf("broken as expected (%s: -EIO)\n", what);
		xpvf_net_close(h);
		exit(0);
	}
	fprintf(stderr, "test-net-io: %s: %s\n", what, strerror(-err));
	exit(1);
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t csum_add(uint32_t sum, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static void put16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* Builds frame seq of tab[seq] into b. */
static void build(unsigned char *b, uint32_t seq)
{
	uint32_t len = tab[seq].len, i, l4, l3;
	bool v6 = tab[seq].kind == KIND_GSO6;
	unsigned char *ip = b + 14, *tcp;
	uint32_t sum;

	memset(b, 0, 54 + 20);
	memcpy(b, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(b + 6, info.mac, 6);
	if (!(info.mac[0] | info.mac[1] | info.mac[2]))
		memcpy(b + 6, "\x00\x16\x3e\x00\x00\x01", 6);
	put16(b + 12, v6 ? 0x86dd : 0x0800);
	l3 = v6 ? 40 : 20;
	tcp = ip + l3;
	l4 = len - 14 - l3;
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, l4);
		ip[6] = 6;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = 2;
		ip[24] = 0xfd;
		ip[39] = 1;
	} else {
		ip[0] = 0x45;
		put16(ip + 2, len - 14);
		put16(ip + 4, seq & 0xffff);
		ip[8] = 64;
		ip[9] = 6;
		put32(ip + 12, 0x0a000002);
		put32(ip + 16, 0x0a000001);
		put16(ip + 10, (uint16_t)~csum_fold(csum_add(0, ip, 20)));
	}
	put16(tcp, 40000);
	put16(tcp + 2, 5001);
	put32(tcp + 4, seq);
	tcp[12] = 5 << 4;
	tcp[13] = 0x18; /* ACK PSH */
	put16(tcp + 14, 65535);
	for (i = 14 + l3 + 20; i < len; i++)
		b[i] = (unsigned char)(seq * 131u + i * 7u);
	/* Pseudo-header, then the segment. */
	sum = csum_add(0, v6 ? ip + 8 : ip + 12, v6 ? 32 : 8) + 6 + l4;
	if (tab[seq].kind == KIND_FULL)
		put16(tcp + 16, (uint16_t)~csum_fold(csum_add(sum, tcp, l4)));
	else
		put16(tcp + 16, csum_fold(sum)); /* partial, as Linux */
}

static void make_frame(struct xpvf_net_frame *f, struct iovec *iov,
		       uint32_t seq)
{
	uint32_t len = tab[seq].len;
	uint32_t a = len > 14 ? 14 : len, b = len - a > 37 ? 37 : len - a;

	build(txbuf, seq);
	iov[0].iov_base = txbuf;
	iov[0].iov_len = a;
	iov[1].iov_base = txbuf + a;
	iov[1].iov_len = b;
	iov[2].iov_base = txbuf + a + b;
	iov[2].iov_len = len - a - b;
	memset(f, 0, sizeof(*f));
	f->iov = iov;
	f->iovcnt = 3;
	f->queue = seq;
	switch (tab[seq].kind) {
	case KIND_BLANK:
		f->flags = XPVF_NET_CSUM_BLANK;
		break;
	case KIND_GSO4:
	case KIND_GSO6:
		f->flags = XPVF_NET_CSUM_BLANK;
		f->gso_type = tab[seq].kind == KIND_GSO4 ? XPVF_NET_GSO_TCPV4 :
							   XPVF_NET_GSO_TCPV6;
		f->gso_size = 1448;
		break;
	}
}

static void bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "test-net-io: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	failed = 1;
}

static void dump(const char *what, const unsigned char *buf, size_t len,
		 const struct xpvf_net_frame *m)
{
	size_t i;

	fprintf(stderr, "%s: %zu bytes, flags %u gso %u/%u queue %u:", what,
		len, m->flags, m->gso_type, m->gso_size, m->queue);
	for (i = 0; i < len && i < 80; i++)
		fprintf(stderr, "%s%02x", i % 16 ? "" : "\n  ", buf[i]);
	fprintf(stderr, "\n");
}

/* Checks a received frame (flattened in buf) and its metadata. */
static void check_echo(const unsigned char *buf, size_t len,
		       const struct xpvf_net_frame *m)
{
	struct xpvf_net_info now;
	uint32_t seq, l3, i;
	bool v6;

	if (len < 54 && ignore_other) {
		others++;
		return;
	}
	if (len < 54) {
		bad("short frame of %zu bytes", len);
		return;
	}
	v6 = buf[12] == 0x86 && buf[13] == 0xdd;
	l3 = v6 ? 40 : 20;
	if (ignore_other &&
	    (memcmp(buf, "\x02\x00\x00\x00\x00\x01", 6) ||
	     (!v6 && (buf[12] != 0x08 || buf[13] != 0x00)) ||
	     buf[14 + l3 + 2] != 0x13 || buf[14 + l3 + 3] != 0x89)) {
		others++; /* the host's own traffic, not an echo */
		if (getenv("NETIO_DEBUG"))
			dump("other", buf, len, m);
		return;
	}
	seq = (uint32_t)buf[14 + l3 + 4] << 24 | buf[14 + l3 + 5] << 16 |
	      buf[14 + l3 + 6] << 8 | buf[14 + l3 + 7];
	if (seq >= nframes) {
		bad("echo of unknown frame %u", seq);
		return;
	}
	if (tab[seq].echoed++) {
		bad("frame %u echoed %u times", seq, tab[seq].echoed);
		return;
	}
	echoed++;
	if (len != tab[seq].len) {
		bad("frame %u came back with %zu bytes", seq, len);
		return;
	}
	build(ref, seq);
	for (i = 0; i < len; i++) {
		if (buf[i] == ref[i])
			continue;
		if (loose && ((!v6 && (i == 24 || i == 25)) ||
			      i == 14 + l3 + 16 || i == 14 + l3 + 17))
			continue;
		bad("frame %u differs at byte %u", seq, i);
		return;
	}
	if (!strict_meta)
		return;
	if (tab[seq].kind >= KIND_GSO4) {
		if (m->gso_type != (tab[seq].kind == KIND_GSO4 ?
					    XPVF_NET_GSO_TCPV4 :
					    XPVF_NET_GSO_TCPV6) ||
		    m->gso_size != 1448)
			bad("frame %u: GSO type %u lost", seq, m->gso_type);
	} else if (m->gso_type) {
		bad("frame %u: GSO type %u from nowhere", seq, m->gso_type);
	}
	if (tab[seq].kind != KIND_FULL && !(m->flags & XPVF_NET_CSUM_BLANK))
		bad("frame %u: blank checksum lost (flags %u)", seq, m->flags);
	if (tab[seq].kind == KIND_FULL && (m->flags & XPVF_NET_CSUM_BLANK))
		bad("frame %u: blank checksum from nowhere (%u)", seq,
		    m->flags);
	/* The queues of this connection (a reconnect may change them). */
	xpvf_net_info(h, &now);
	if (m->queue != seq % now.queues)
		bad("frame %u came back on queue %u", seq, m->queue);
}

static void on_rx(void *opaque, const struct xpvf_net_frame *f)
{
	size_t off = 0;
	unsigned int i;

	for (i = 0; i < f->iovcnt; i++) {
		memcpy(rxbuf + off, f->iov[i].iov_base, f->iov[i].iov_len);
		off += f->iov[i].iov_len;
	}
	if (off != f->len)
		bad("iov total %zu, len %zu", off, f->len);
	check_echo(rxbuf, off, f);
}

static void on_tx(void *opaque, void *frame_opaque, int result)
{
	uint32_t seq = (uint32_t)(uintptr_t)frame_opaque;

	tab[seq].inflight = 0;
	if (result == -ECONNRESET) {
		resend_q[nresend++] = seq;
		resent++;
		return;
	}
	if (expect_broken && result == -EIO)
		return; /* failed by the break the test waits for */
	if (result != (int)tab[seq].len)
		bad("frame %u sent with result %d", seq, result);
}

static void run_sync(void)
{
	struct xpvf_net_frame f, m;
	struct iovec iov[3];
	uint32_t seq, seen;
	int n;

	for (seq = 0; seq < nframes && !failed; seq++) {
		make_frame(&f, iov, seq);
		if (getenv("NETIO_DEBUG"))
			fprintf(stderr, "send %u len %u\n", seq, tab[seq].len);
		n = xpvf_net_send(h, &f);
		if (getenv("NETIO_DEBUG"))
			fprintf(stderr, "sent %u: %d\n", seq, n);
		if (n != (int)tab[seq].len)
			die("xpvf_net_send", n < 0 ? n : -EIO);
		/* The host's own frames (an IGMP report when the carrier
		 * comes on, say) do not stand for this frame's echo. */
		do {
			n = xpvf_net_recv(h, rxbuf, MAXF, 20000, &m);
			if (n <= 0)
				die("xpvf_net_recv", n < 0 ? n : -ETIMEDOUT);
			seen = others;
			check_echo(rxbuf, (size_t)n, &m);
		} while (others != seen);
	}
}

/* Reads the sequence number of a test frame's echo, or -1. */
static int64_t echo_seq(const unsigned char *buf, size_t len)
{
	bool v6;
	uint32_t l3;

	if (len < 54)
		return -1;
	v6 = buf[12] == 0x86 && buf[13] == 0xdd;
	l3 = v6 ? 40 : 20;
	if (len < 14 + l3 + 20 || buf[14 + l3 + 2] != 0x13 ||
	    buf[14 + l3 + 3] != 0x89)
		return -1;
	return (int64_t)((uint32_t)buf[14 + l3 + 4] << 24 |
			 buf[14 + l3 + 5] << 16 | buf[14 + l3 + 6] << 8 |
			 buf[14 + l3 + 7]);
}

/* --until: passes over the table until the file exists (see the top). */
static void run_until(void)
{
	struct xpvf_net_frame f, m;
	struct iovec iov[3];
	uint32_t seq;
	int n;

	for (passes = 0; !failed; passes++) {
		if (!access(until_file, F_OK))
			break;
		for (seq = 0; seq < nframes; seq++)
			tab[seq].echoed = 0;
		for (seq = 0; seq < nframes && !failed; seq++) {
			make_frame(&f, iov, seq);
			n = xpvf_net_send(h, &f);
			if (n == -ECONNRESET) {
				/* The connection ended first: again on
				 * the next one. */
				resent++;
				seq--;
				continue;
			}
			if (n != (int)tab[seq].len)
				die("xpvf_net_send", n < 0 ? n : -EIO);
			for (;;) {
				n = xpvf_net_recv(h, rxbuf, MAXF, lossy_ms, &m);
				if (n < 0)
					die("xpvf_net_recv", n);
				if (!n) {
					lost++;
					break;
				}
				if (echo_seq(rxbuf, (size_t)n) != (int64_t)seq) {
					/* Given up on before, or the
					 * host's own: not this echo. */
					late++;
					continue;
				}
				check_echo(rxbuf, (size_t)n, &m);
				break;
			}
		}
	}
	/* The closing check below counts the last pass's echoes. */
	for (seq = 0; seq < nframes; seq++)
		tab[seq].echoed = 1;
}

static void run_async(unsigned int inflight)
{
	struct xpvf_net_frame f;
	struct iovec iov[3];
	uint32_t next = 0, seq, last_echoed = 0, last_resend = 0;
	time_t quiet_since = time(NULL);
	int n;

	xpvf_net_set_callbacks(h, on_rx, on_tx, NULL);
	for (;;) {
		struct xpvf_net_info now;

		xpvf_net_info(h, &now);
		if (echoed + now.rx_errors >= nframes || failed)
			break;
		while (xpvf_net_tx_in_flight(h) < inflight &&
		       (nresend || next < nframes)) {
			seq = nresend ? resend_q[nresend - 1] : next;
			make_frame(&f, iov, seq);
			n = xpvf_net_submit(h, &f, (void *)(uintptr_t)seq);
			if (n == -EAGAIN)
				break;
			if (n < 0)
				die("xpvf_net_submit", n);
			tab[seq].inflight = 1;
			if (nresend)
				nresend--;
			else
				next++;
		}
		n = xpvf_net_wait(h, 1000);
		if (n < 0)
			die("xpvf_net_wait", n);
		/* A lost frame is a failure, not a hang. */
		if (echoed != last_echoed || nresend != last_resend) {
			last_echoed = echoed;
			last_resend = nresend;
			quiet_since = time(NULL);
		} else if (time(NULL) - quiet_since > 20) {
			for (seq = 0; seq < next; seq++)
				if (!tab[seq].echoed)
					fprintf(stderr, "test-net-io: frame %u "
						"(%u bytes, kind %u) never came "
						"back\n", seq, tab[seq].len,
						tab[seq].kind);
			bad("nothing for 20 s: %u of %u echoed", echoed,
			    nframes);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "devid", 1, NULL, 'd' },	  { "queues", 1, NULL, 'q' },
		{ "no-split", 0, NULL, 's' },	  { "no-sg", 0, NULL, 'g' },
		{ "no-gso", 0, NULL, 'G' },	  { "mode", 1, NULL, 'm' },
		{ "sizes", 1, NULL, 'z' },	  { "offloads", 0, NULL, 'o' },
		{ "rounds", 1, NULL, 'r' },	  { "inflight", 1, NULL, 'i' },
		{ "loose", 0, NULL, 'l' },	  { "strict-meta", 0, NULL, 'M' },
		{ "expect-queues", 1, NULL, 'Q' },
		{ "expect-split", 1, NULL, 'S' },
		{ "expect-sg", 1, NULL, 'E' },
		{ "expect-reconnects-min", 1, NULL, 'R' },
		{ "max-plain", 1, NULL, 'P' },
		{ "ignore-other", 0, NULL, 'I' },
		{ "expect-broken", 0, NULL, 'B' },
		{ "rx-buffers", 1, NULL, 'b' },
		{ "tx-pages", 1, NULL, 't' },
		{ "expect-rx-errors", 1, NULL, 'X' },
		{ "until", 1, NULL, 'U' },
		{ "lossy-ms", 1, NULL, 'L' },
		{ "expect-reconnects-max", 1, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	static const uint32_t dflt[] = { 60,   61,   100,   1514,  4095, 4096,
					 4097, 9000, 16384, 32768, 65535 };
	uint32_t sizes[64], nsizes = 0, rounds = 2, r, s, k, seq;
	struct xpvf_net_opts o = { 0 };
	unsigned int devid = 0, inflight = 64, kinds, max_plain = MAXF;
	int eq = -1, es = -1, esg = -1, erc = -1, ercmax = -1, c, err;
	bool async = false, offloads = false;
	char *p, *end;

	setvbuf(stdout, NULL, _IOLBF, 0);
	o.size = sizeof(o);
	o.timeout_ms = 20000;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': devid = (unsigned int)atoi(optarg); break;
		case 'q': o.max_queues = (unsigned int)atoi(optarg); break;
		case 's': o.no_split_evtchn = 1; break;
		case 'g': o.no_sg = 1; break;
		case 'G': o.no_gso_tcpv4 = o.no_gso_tcpv6 = 1; break;
		case 'm': async = !strcmp(optarg, "async"); break;
		case 'z':
			for (p = optarg; *p && nsizes < 64; p = end) {
				sizes[nsizes++] = (uint32_t)strtoul(p, &end, 0);
				if (*end == ',')
					end++;
			}
			break;
		case 'o': offloads = true; break;
		case 'r': rounds = (uint32_t)atoi(optarg); break;
		case 'i': inflight = (unsigned int)atoi(optarg); break;
		case 'l': loose = true; break;
		case 'M': strict_meta = true; break;
		case 'Q': eq = atoi(optarg); break;
		case 'S': es = atoi(optarg); break;
		case 'E': esg = atoi(optarg); break;
		case 'R': erc = atoi(optarg); break;
		case 'P': max_plain = (unsigned int)atoi(optarg); break;
		case 'I': ignore_other = true; break;
		case 'B': expect_broken = true; break;
		case 'b': o.rx_buffers = (unsigned int)atoi(optarg); break;
		case 't': o.tx_pages = (unsigned int)atoi(optarg); break;
		case 'X': expect_rx_errors = atoi(optarg); break;
		case 'U': until_file = optarg; break;
		case 'L': lossy_ms = atoi(optarg); break;
		case 'x': ercmax = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!nsizes) {
		memcpy(sizes, dflt, sizeof(dflt));
		nsizes = sizeof(dflt) / sizeof(dflt[0]);
	}
	err = xpvf_net_open(&h, XPVF_DOMID_SELF, devid, &o);
	if (err < 0)
		die("xpvf_net_open", err);
	xpvf_net_info(h, &info);
	printf("connected: queues %u split %d sg %d gso4 %d gso6 %d "
	       "rx_buffers %u tx_pages %u max_frame %u mac "
	       "%02x:%02x:%02x:%02x:%02x:%02x\n",
	       info.queues, info.split_evtchn, info.sg, info.gso_tcpv4,
	       info.gso_tcpv6, info.rx_buffers, info.tx_pages, info.max_frame,
	       info.mac[0], info.mac[1], info.mac[2], info.mac[3], info.mac[4],
	       info.mac[5]);
	if ((eq >= 0 && info.queues != (unsigned int)eq) ||
	    (es >= 0 && info.split_evtchn != es) ||
	    (esg >= 0 && info.sg != esg)) {
		fprintf(stderr, "test-net-io: negotiated other than expected\n");
		return 1;
	}

	/* The frame table: every size, in every kind that applies. */
	tab = calloc((size_t)nsizes * 4 * rounds, sizeof(*tab));
	resend_q = calloc((size_t)nsizes * 4 * rounds, sizeof(*resend_q));
	txbuf = malloc(MAXF);
	rxbuf = malloc(MAXF);
	ref = malloc(MAXF);
	if (!tab || !resend_q || !txbuf || !rxbuf || !ref)
		die("malloc", -ENOMEM);
	kinds = offloads ? 4 : 1;
	for (r = 0; r < rounds; r++)
		for (s = 0; s < nsizes; s++)
			for (k = 0; k < kinds; k++) {
				if (sizes[s] < 60 || sizes[s] > info.max_frame)
					continue;
				if ((k == KIND_GSO4 && !info.gso_tcpv4) ||
				    (k == KIND_GSO6 && !info.gso_tcpv6) ||
				    (k >= KIND_GSO4 && sizes[s] <= 1514) ||
				    (k < KIND_GSO4 && sizes[s] > max_plain))
					continue;
				tab[nframes].len = sizes[s];
				tab[nframes++].kind = (uint8_t)k;
			}
	if (until_file)
		run_until();
	else if (async)
		run_async(inflight);
	else
		run_sync();
	xpvf_net_info(h, &info);
	if (expect_broken)
		bad("the device did not break");
	for (seq = 0, k = 0; seq < nframes && !failed; seq++) {
		if (!tab[seq].echoed && expect_rx_errors > 0)
			k++; /* a dropped frame, as asked for */
		else if (tab[seq].echoed != 1)
			bad("frame %u echoed %u times", seq, tab[seq].echoed);
	}
	if (expect_rx_errors >= 0 &&
	    (info.rx_errors != (uint64_t)expect_rx_errors ||
	     k != (uint32_t)expect_rx_errors))
		bad("%llu rx errors, %u frames missing; want %d",
		    (unsigned long long)info.rx_errors, k, expect_rx_errors);
	printf("frames %u echoed %u resent %u others %u reconnects %u "
	       "rx_errors %llu tx_errors %llu\n",
	       nframes, echoed, resent, others, info.reconnects,
	       (unsigned long long)info.rx_errors,
	       (unsigned long long)info.tx_errors);
	if (until_file)
		printf("passes %u lost %u late %u\n", passes, lost, late);
	if (ercmax >= 0 && info.reconnects > (unsigned int)ercmax) {
		fprintf(stderr, "test-net-io: %u reconnects, want <= %d\n",
			info.reconnects, ercmax);
		failed = 1;
	}
	if (erc >= 0 && info.reconnects < (unsigned int)erc) {
		fprintf(stderr, "test-net-io: %u reconnects, want >= %d\n",
			info.reconnects, erc);
		failed = 1;
	}
	xpvf_net_close(h);
	free(tab);
	free(resend_q);
	free(txbuf);
	free(rxbuf);
	free(ref);
	return failed;
}
