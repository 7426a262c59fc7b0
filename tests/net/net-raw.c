/* SPDX-License-Identifier: MIT */
/*
 * net-raw.c - a raw netif frontend for testing xenpvd's net channel, run
 * as a process of a sim guest (XENPV_SIM_WORLD, XENPV_SIM_DOMID and
 * XENSTORED_PATH of the guest's relay).
 *
 * It negotiates by hand as Linux netfront does (one page per ring, the
 * keys in one transaction, then Connected: never Initialised), with 1 or
 * more queues and shared or split event channels, posts every rx buffer
 * at once and writes tx requests itself.  It first writes Initialising,
 * so that a second run starts the vif over from Connected (as Linux
 * netfront on a resume), with as many queues as it is told.
 *
 *   net-raw --out DIR [--devid N] [--queues N] [--split] [--rx N]
 *           [--fatal]
 *
 * TX: sends the frames of the suite below on queue (frame number %
 * queues) and checks every response (first slot OKAY, extras NULL, each
 * continuation OKAY, in ring order); each frame is first written to
 * DIR/tx-<n>.bin, for the host side to compare with what the TAP got:
 *   0  60 bytes, one slot
 *   1  3000 bytes over three slots (SG), the first at offset 64
 *   2  IPv4/UDP, 200 bytes, csum_blank, two slots
 *   3  IPv4/TCP 64054 bytes, csum_blank + GSO extra TCPV4 1448, 16 slots
 *   4  IPv6/TCP 20074 bytes, csum_blank + GSO extra TCPV6 1440, 5 slots
 * RX (--rx N): then writes DIR/rx-ready and waits for N frames addressed
 * to its MAC (others are ignored), on any queue; each goes to
 * DIR/rx-<k>.bin and a line "k len slots flags gso_type gso_size" to
 * DIR/rx-meta.  Every response is checked to sit in its request's slot
 * (its id).
 *
 * --fatal: instead, one chain of 22 slots (Linux: malicious); the
 * backend must answer none of it and write its `error` node.
 *
 * Exit: 0 all passed, 1 a check failed, 99 set-up error.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/netif.h>

#include "platform.h"
#include "ring.h"
#include "sim.h"
#include "xs-util.h"

#define MAXQ 8
#define RING 256u
#define TXPAGES 20u
#define TIMEOUT_MS 20000
#define PAGE 4096u

struct queue {
	struct xpv_ring_front tx, rx;
	void *txs, *rxs;
	xpv_gref_t txs_ref, rxs_ref;
	int port_tx, port_rx;
	uint8_t *txp;			/* TXPAGES pages, read-only grant */
	xpv_gref_t txp_ref[TXPAGES];
	uint8_t *rxp;			/* RING pages */
	xpv_gref_t rxp_ref[RING];
};

static const struct xpv_platform *plat;
static struct xpv_gntshr *shr;
static struct xpv_evtchn *evt;
static struct xs_handle *xsh;
static unsigned int nq = 1, bdom, devid, rx_want;
static bool split;
static struct queue qs[MAXQ];
static char fe[128], be[128];
static const char *out_dir;
static uint8_t mac[6];
static int failures;
static bool fatal;
static uint8_t frame[70000];

static void __attribute__((format(printf, 1, 2))) failf(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ERROR: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(99);
}

static int wait_state(const char *dir, XenbusState want, int ms)
{
	XenbusState s;

	for (; ms > 0; ms -= 10) {
		if (xpv_xs_read_state(xsh, XBT_NULL, dir, &s) == 0) {
			if (s == want)
				return 0;
			if (s == XenbusStateClosing &&
			    want < XenbusStateClosing)
				return -EPIPE;
		}
		usleep(10000);
	}
	return -ETIMEDOUT;
}

static void write_file(const char *name, const void *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	f = fopen(path, "w");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		die("writing %s", path);
}

/* ---- negotiation ---- */

static int qkeys(struct xs_handle *h, xs_transaction_t t, const char *dir,
		 const struct queue *q)
{
	int err;

	err = xpv_xs_printf(h, t, dir, "tx-ring-ref", "%u", q->txs_ref);
	err = err ?: xpv_xs_printf(h, t, dir, "rx-ring-ref", "%u", q->rxs_ref);
	if (split) {
		err = err ?: xpv_xs_printf(h, t, dir, "event-channel-tx", "%d",
					   q->port_tx);
		err = err ?: xpv_xs_printf(h, t, dir, "event-channel-rx", "%d",
					   q->port_rx);
	} else {
		err = err ?: xpv_xs_printf(h, t, dir, "event-channel", "%d",
					   q->port_tx);
	}
	return err;
}

static int write_keys(struct xs_handle *h, xs_transaction_t t, void *opaque)
{
	static const char *const feats[] = {
		"request-rx-copy", "feature-rx-notify", "feature-sg",
		"feature-gso-tcpv4", "feature-gso-tcpv6",
		"feature-ipv6-csum-offload",
	};
	char dir[160];
	unsigned int i;
	int err = 0;

	(void)opaque;
	if (nq > 1)
		err = xpv_xs_printf(h, t, fe, "multi-queue-num-queues", "%u",
				    nq);
	else	/* a previous run's, on a reconnect */
		err = xpv_xs_rm(h, t, fe, "multi-queue-num-queues");
	for (i = 0; i < nq && !err; i++) {
		if (nq > 1) {
			snprintf(dir, sizeof(dir), "%s/queue-%u", fe, i);
			err = qkeys(h, t, dir, &qs[i]);
		} else {
			err = qkeys(h, t, fe, &qs[i]);
		}
	}
	for (i = 0; i < sizeof(feats) / sizeof(feats[0]) && !err; i++)
		err = xpv_xs_write(h, t, fe, feats[i], "1");
	/* Linux netfront: Connected straight away. */
	return err ?: xpv_xs_write(h, t, fe, "state", "4");
}

static void post_rx(struct queue *q, unsigned int slot)
{
	struct netif_rx_request r = { .id = (uint16_t)slot,
				      .gref = q->rxp_ref[slot] };

	if (xpv_ring_front_put_req(&q->rx, &r, sizeof(r)))
		die("rx ring full");
}

static void setup_queue(struct queue *q)
{
	const size_t txsz = XPV_RING_SLOT_SIZE(struct netif_tx_request,
					       struct netif_tx_response);
	const size_t rxsz = XPV_RING_SLOT_SIZE(struct netif_rx_request,
					       struct netif_rx_response);
	unsigned int i;
	int err;

	err = plat->gntshr->share(shr, (xpv_domid_t)bdom, 1, &q->txs_ref, 1,
				  &q->txs);
	err = err ?: plat->gntshr->share(shr, (xpv_domid_t)bdom, 1,
					 &q->rxs_ref, 1, &q->rxs);
	/* tx data: read-only for the backend, as netfront grants it. */
	err = err ?: plat->gntshr->share(shr, (xpv_domid_t)bdom, TXPAGES,
					 q->txp_ref, 0, (void **)&q->txp);
	err = err ?: plat->gntshr->share(shr, (xpv_domid_t)bdom, RING,
					 q->rxp_ref, 1, (void **)&q->rxp);
	if (err)
		die("share: %s", strerror(-err));
	if (xpv_ring_front_init(&q->tx, q->txs, 1, txsz) ||
	    xpv_ring_front_init(&q->rx, q->rxs, 1, rxsz))
		die("ring init");
	q->port_tx = plat->evtchn->alloc_unbound(evt, (xpv_domid_t)bdom);
	q->port_rx = split ? plat->evtchn->alloc_unbound(evt,
							 (xpv_domid_t)bdom) :
			     q->port_tx;
	if (q->port_tx < 0 || q->port_rx < 0)
		die("alloc_unbound");
	for (i = 0; i < RING; i++)
		post_rx(q, i);
	xpv_ring_front_push_requests(&q->rx);
}

static void connect_vif(void)
{
	unsigned int self = (unsigned int)xpv_sim_self_domid(), i;
	char buf[64];
	uint32_t maxq = 1;
	int err;

	snprintf(fe, sizeof(fe), "/local/domain/%u/device/vif/%u", self,
		 devid);
	if (xpv_xs_read(xsh, XBT_NULL, fe, "backend", be, sizeof(be)) < 0)
		die("no %s/backend", fe);
	if (xpv_xs_read_u32(xsh, XBT_NULL, fe, "backend-id", UINT32_MAX,
			    &bdom))
		die("no backend-id");
	if (xpv_xs_read(xsh, XBT_NULL, fe, "mac", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		   &mac[2], &mac[3], &mac[4], &mac[5]) != 6)
		die("no mac");
	/* Starts over as Linux netfront does on a (re)probe: after a
	 * previous run, the backend is still Connected to its rings and
	 * must drop them without a Closing. */
	if (xpv_xs_write(xsh, XBT_NULL, fe, "state", "1"))
		die("writing %s/state", fe);
	if (wait_state(be, XenbusStateInitWait, TIMEOUT_MS))
		die("backend %s never reached InitWait", be);
	xpv_xs_read_u32(xsh, XBT_NULL, be, "multi-queue-max-queues",
			UINT32_MAX, &maxq);
	if (maxq < nq)
		die("backend offers %u queues", maxq);
	for (i = 0; i < nq; i++)
		setup_queue(&qs[i]);
	err = xpv_xs_transact(xsh, write_keys, NULL);
	if (err)
		die("writing frontend keys: %s", strerror(-err));
	err = wait_state(be, XenbusStateConnected, TIMEOUT_MS);
	if (err)
		die("backend %s never reached Connected (%s)", be,
		    strerror(-err));
	/* The rx buffers were posted before the backend was bound. */
	for (i = 0; i < nq; i++)
		plat->evtchn->notify(evt, (xpv_port_t)qs[i].port_rx);
}

static void wait_event(int ms)
{
	struct pollfd p = { .fd = plat->evtchn->fd(evt), .events = POLLIN };
	int port;

	if (poll(&p, 1, ms) > 0)
		while ((port = plat->evtchn->pending(evt)) >= 0)
			plat->evtchn->unmask(evt, (xpv_port_t)port);
}

/* ---- TX ---- */

struct txspec {
	unsigned int first_off;		/* offset of the first slot */
	unsigned int nchunks;
	unsigned int chunk[20];		/* data bytes per slot */
	uint16_t flags;			/* NETTXF_csum_blank */
	uint8_t gso_type;
	uint16_t gso_size;
};

static void put_tx(struct queue *q, const void *req)
{
	if (xpv_ring_front_put_req(&q->tx, req, sizeof(struct netif_tx_request)))
		die("tx ring full");
}

/* Sends frame[0..len) as spec says on q and checks the answers. */
static void send_frame(unsigned int n, struct queue *q, uint32_t len,
		       const struct txspec *sp)
{
	struct netif_tx_request r;
	uint16_t ids[24];
	unsigned int i, nslots = 0, nrsp = 0, off = 0;
	bool extra = sp->gso_type != XEN_NETIF_GSO_TYPE_NONE;
	uint64_t end;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < sp->nchunks; i++) {
		unsigned int poff = i ? 0 : sp->first_off;

		memcpy(q->txp + (size_t)i * PAGE + poff, frame + off,
		       sp->chunk[i]);
		r.gref = q->txp_ref[i];
		r.offset = (uint16_t)poff;
		r.id = (uint16_t)(100 + i);
		r.size = (uint16_t)(i ? sp->chunk[i] : len);
		r.flags = (uint16_t)((i + 1 < sp->nchunks ? NETTXF_more_data :
				      0) | (i ? 0 : sp->flags) |
				     (!i && extra ? NETTXF_extra_info : 0));
		put_tx(q, &r);
		ids[nslots++] = r.id;
		if (!i && extra) {
			struct netif_extra_info x;
			uint8_t slot[sizeof(struct netif_tx_request)];

			memset(&x, 0, sizeof(x));
			x.type = XEN_NETIF_EXTRA_TYPE_GSO;
			x.u.gso.size = sp->gso_size;
			x.u.gso.type = sp->gso_type;
			memset(slot, 0, sizeof(slot));
			memcpy(slot, &x, sizeof(x));
			put_tx(q, slot);
			ids[nslots++] = 0xffff;
		}
		off += sp->chunk[i];
	}
	if (off != len)
		die("frame %u: chunks %u != %u", n, off, len);
	if (xpv_ring_front_push_requests(&q->tx))
		plat->evtchn->notify(evt, (xpv_port_t)q->port_tx);
	end = (uint64_t)time(NULL) + TIMEOUT_MS / 1000;
	while (nrsp < nslots) {
		struct netif_tx_response rsp;
		int avail = xpv_ring_front_unconsumed(&q->tx);

		if (avail < 0)
			die("tx ring broken");
		if (!avail) {
			if (xpv_ring_front_final_check(&q->tx) > 0)
				continue;
			if ((uint64_t)time(NULL) > end) {
				failf("frame %u: %u of %u tx responses", n,
				      nrsp, nslots);
				return;
			}
			wait_event(100);
			continue;
		}
		xpv_ring_front_get_rsp(&q->tx, &rsp, sizeof(rsp));
		if (ids[nrsp] == 0xffff) {
			if (rsp.status != NETIF_RSP_NULL)
				failf("frame %u: extra slot status %d", n,
				      rsp.status);
		} else if (rsp.id != ids[nrsp] || rsp.status != NETIF_RSP_OKAY) {
			failf("frame %u: response %u: id %u status %d (want "
			      "%u OKAY)", n, nrsp, rsp.id, rsp.status,
			      ids[nrsp]);
		}
		nrsp++;
	}
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

static void eth(uint16_t type)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	memcpy(frame, dst, 6);
	memcpy(frame + 6, mac, 6);
	frame[12] = (uint8_t)(type >> 8);
	frame[13] = (uint8_t)type;
}

static void ipv4(uint32_t len, uint8_t proto)
{
	uint8_t *ip = frame + 14;
	uint32_t tot = len - 14;

	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, "\x0a\x00\x00\x02\x0a\x00\x00\x01", 8);
}

static void ipv6(uint32_t len, uint8_t proto)
{
	uint8_t *ip = frame + 14;
	uint32_t pl = len - 54;

	memset(ip, 0, 40);
	ip[0] = 0x60;
	ip[4] = (uint8_t)(pl >> 8);
	ip[5] = (uint8_t)pl;
	ip[6] = proto;
	ip[7] = 64;
	ip[8] = 0xfd;
	ip[23] = 2;
	ip[24] = 0xfd;
	ip[39] = 1;
}

static void tcp(unsigned int l4)
{
	uint8_t *t = frame + l4;

	memset(t, 0, 20);
	t[0] = 0x30;
	t[1] = 0x39;
	t[2] = 0x00;
	t[3] = 0x50;
	t[12] = 0x50;
	t[13] = 0x18;
	t[14] = 0xff;
	t[16] = 0x12;	/* the pseudo-header sum a sender leaves */
	t[17] = 0x34;
}

static void chunks(struct txspec *sp, uint32_t len, unsigned int first_off,
		   unsigned int first)
{
	uint32_t left = len - first;

	sp->first_off = first_off;
	sp->nchunks = 1;
	sp->chunk[0] = first;
	while (left) {
		unsigned int c = left > PAGE ? PAGE : left;

		sp->chunk[sp->nchunks++] = c;
		left -= c;
	}
}

static void tx_suite(void)
{
	struct txspec sp;
	char name[32];
	uint32_t len;
	unsigned int n;

	for (n = 0; n < 5; n++) {
		memset(&sp, 0, sizeof(sp));
		switch (n) {
		case 0:
			len = 60;
			eth(0x88b5);
			fill(frame + 14, len - 14, n);
			chunks(&sp, len, 0, len);
			break;
		case 1:
			len = 3000;
			eth(0x88b5);
			fill(frame + 14, len - 14, n);
			memset(&sp, 0, sizeof(sp));
			sp.first_off = 64;
			sp.nchunks = 3;
			sp.chunk[0] = 1000;
			sp.chunk[1] = 1500;
			sp.chunk[2] = 500;
			break;
		case 2:
			len = 200;
			eth(0x0800);
			ipv4(len, 17);
			fill(frame + 34, len - 34, n);
			frame[34] = 0x13;	/* UDP 5000 -> 6000 */
			frame[35] = 0x88;
			frame[36] = 0x17;
			frame[37] = 0x70;
			frame[38] = (uint8_t)((len - 34) >> 8);
			frame[39] = (uint8_t)(len - 34);
			frame[40] = 0x56;
			frame[41] = 0x78;
			chunks(&sp, len, 128, 100);
			sp.flags = NETTXF_csum_blank | NETTXF_data_validated;
			break;
		case 3:
			len = 14 + 20 + 20 + 64000;
			eth(0x0800);
			ipv4(len, 6);
			fill(frame + 54, len - 54, n);
			tcp(34);
			chunks(&sp, len, 0, PAGE);
			sp.flags = NETTXF_csum_blank | NETTXF_data_validated;
			sp.gso_type = XEN_NETIF_GSO_TYPE_TCPV4;
			sp.gso_size = 1448;
			break;
		default:
			len = 14 + 40 + 20 + 20000;
			eth(0x86dd);
			ipv6(len, 6);
			fill(frame + 74, len - 74, n);
			tcp(54);
			chunks(&sp, len, 0, PAGE);
			sp.flags = NETTXF_csum_blank | NETTXF_data_validated;
			sp.gso_type = XEN_NETIF_GSO_TYPE_TCPV6;
			sp.gso_size = 1440;
			break;
		}
		snprintf(name, sizeof(name), "tx-%u.bin", n);
		write_file(name, frame, len);
		send_frame(n, &qs[n % nq], len, &sp);
	}
}

/*
 * --fatal: a chain of 22 slots, which Linux netback treats as malicious:
 * the backend must answer none of it, write its `error` node and stay
 * up (checked by the caller).
 */
static void fatal_chain(void)
{
	struct queue *q = &qs[0];
	struct netif_tx_request r;
	char buf[256];
	unsigned int i;
	int ms;

	for (i = 0; i < 22; i++) {
		memset(&r, 0, sizeof(r));
		r.gref = q->txp_ref[i % TXPAGES];
		r.id = (uint16_t)i;
		r.size = (uint16_t)(i ? 100 : 2200);
		r.flags = i < 21 ? NETTXF_more_data : 0;
		put_tx(q, &r);
	}
	if (xpv_ring_front_push_requests(&q->tx))
		plat->evtchn->notify(evt, (xpv_port_t)q->port_tx);
	for (ms = 0; ms < TIMEOUT_MS; ms += 10) {
		if (xpv_xs_read(xsh, XBT_NULL, be, "error", buf,
				sizeof(buf)) > 0)
			break;
		usleep(10000);
	}
	if (ms >= TIMEOUT_MS)
		failf("no error node after a 22-slot chain");
	else
		printf("error node: %s\n", buf);
	if (xpv_ring_front_unconsumed(&q->tx) != 0)
		failf("the malicious chain was answered");
}

/* ---- RX ---- */

/* Takes one whole frame off q if one is there: 1 a frame for us, 0
 * none (yet), -1 one not for us (dropped). */
static int rx_one(struct queue *q, unsigned int k, FILE *meta)
{
	struct netif_rx_response rsp;
	struct netif_extra_info x;
	uint32_t len = 0, slots = 0, idx;
	uint16_t first_flags = 0, gso_type = 0, gso_size = 0;
	bool more = true;
	char name[32];
	int avail;

	avail = xpv_ring_front_unconsumed(&q->rx);
	if (avail < 0)
		die("rx ring broken");
	/* A frame's responses are pushed together: all or none here. */
	if (!avail)
		return 0;
	memset(&x, 0, sizeof(x));
	while (more) {
		idx = q->rx.rsp_cons;
		if (xpv_ring_front_get_rsp(&q->rx, &rsp, sizeof(rsp)))
			die("frame %u: responses missing (pushed apart?)", k);
		if (slots == 1 && (first_flags & NETRXF_extra_info)) {
			memcpy(&x, &rsp, sizeof(x));
			gso_type = x.u.gso.type;
			gso_size = x.u.gso.size;
			if (x.type != XEN_NETIF_EXTRA_TYPE_GSO)
				failf("frame %u: extra type %u", k, x.type);
			slots++;
			post_rx(q, idx % RING);
			continue;
		}
		if (rsp.id != idx % RING)
			failf("frame %u: response id %u in slot %u", k, rsp.id,
			      idx % RING);
		if (rsp.status < 0 || rsp.offset || rsp.status > (int)PAGE)
			die("frame %u: status %d offset %u", k, rsp.status,
			    rsp.offset);
		if (!slots)
			first_flags = rsp.flags;
		if (len + (uint32_t)rsp.status > sizeof(frame))
			die("frame %u too long", k);
		memcpy(frame + len, q->rxp + (size_t)(rsp.id % RING) * PAGE,
		       (size_t)rsp.status);
		len += (uint32_t)rsp.status;
		more = rsp.flags & NETRXF_more_data;
		slots++;
		post_rx(q, idx % RING);
	}
	if (xpv_ring_front_push_requests(&q->rx))
		plat->evtchn->notify(evt, (xpv_port_t)q->port_rx);
	if (len < 14 || memcmp(frame, mac, 6))
		return -1;
	snprintf(name, sizeof(name), "rx-%u.bin", k);
	write_file(name, frame, len);
	fprintf(meta, "%u %u %u %u %u %u\n", k, len, slots,
		first_flags & (NETRXF_csum_blank | NETRXF_data_validated),
		gso_type, gso_size);
	return 1;
}

static void rx_suite(void)
{
	char path[512];
	unsigned int k = 0, i;
	uint64_t end = (uint64_t)time(NULL) + 60;
	FILE *meta;

	snprintf(path, sizeof(path), "%s/rx-meta", out_dir);
	meta = fopen(path, "w");
	if (!meta)
		die("%s", path);
	write_file("rx-ready", "1\n", 2);
	while (k < rx_want) {
		bool got = false;

		for (i = 0; i < nq && k < rx_want; i++) {
			int rc = rx_one(&qs[i], k, meta);

			if (rc)
				got = true;
			if (rc > 0)
				k++;
		}
		if (got)
			continue;
		for (i = 0; i < nq; i++)
			if (xpv_ring_front_final_check(&qs[i].rx) > 0)
				got = true;
		if (got)
			continue;
		if ((uint64_t)time(NULL) > end) {
			failf("%u of %u rx frames", k, rx_want);
			break;
		}
		wait_event(200);
	}
	fclose(meta);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "devid", required_argument, NULL, 'd' },
		{ "queues", required_argument, NULL, 'q' },
		{ "split", no_argument, NULL, 's' },
		{ "rx", required_argument, NULL, 'r' },
		{ "fatal", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out_dir = optarg;
			break;
		case 'd':
			devid = (unsigned int)atoi(optarg);
			break;
		case 'q':
			nq = (unsigned int)atoi(optarg);
			break;
		case 's':
			split = true;
			break;
		case 'r':
			rx_want = (unsigned int)atoi(optarg);
			break;
		case 'F':
			fatal = true;
			break;
		default:
			return 99;
		}
	}
	if (!out_dir || nq < 1 || nq > MAXQ)
		die("usage: see the top of net-raw.c");
	plat = xpv_platform_get("sim");
	if (xpv_xs_open(&xsh))
		die("cannot open XenStore");
	if (plat->gntshr->open(&shr) || plat->evtchn->open(&evt))
		die("platform");
	connect_vif();
	if (fatal) {
		fatal_chain();
		printf("net-raw: %d failure(s)\n", failures);
		return failures ? 1 : 0;
	}
	tx_suite();
	if (rx_want)
		rx_suite();
	printf("net-raw: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
