/* SPDX-License-Identifier: MIT */
/*
 * net-hostile.c - a hostile netif frontend for xenpvd's net channel (the
 * net-* cases of tests/hostile/run.sh), and the dom0 side that watches
 * the vif's TAP.  One mode per case; each checks the backend's exact
 * answer: the status of every tx response slot, the rx responses, the
 * `error` node; what reached the TAP is checked by the dom0 side.
 *
 * In a sim guest (XENPV_SIM_WORLD, XENPV_SIM_DOMID, XENSTORED_PATH of the
 * guest's relay), like net-raw.c: negotiates as Linux netfront (one page
 * per ring, keys in one transaction, then Connected), one queue unless
 * told, one event channel.
 *
 *   net-hostile [--devid N] [--out DIR] [--queues N] [--rx-post N]
 *               [--mcast] [--xs KEY=VALUE|KEY=-]... [--log FILE]
 *               [--rx-bound N] [--rx-expect N] MODE
 *
 * --rx-post N posts N rx buffers at connect (default 256); --mcast
 * writes request-multicast-control = 1; --xs overrides (or with `-`
 * removes, recursively) a frontend key in the connect transaction.
 * DIR gets exp-<i>.bin and exp-count: the frames the TAP must get, in
 * order (after them every mode that leaves the vif alive sends a marker
 * frame, ethertype 0x88b6, which ends the dom0 side's capture).  Files
 * rx-ready, rx-ready2, rx-ready3 say when the dom0 side may inject
 * (--host inject).  --log names xenpvd's log (mcast-dynamic).
 *
 * Modes, and what the backend must answer (Linux netback's verdicts,
 * backend/net/nettx.h's table):
 *   fatal=KIND    the vif stops: no response to anything of the chain,
 *                 the `error` node names queue 0, nothing on the TAP.
 *                 KIND: prod-beyond (req_prod 257 past req_cons),
 *                 past-prod (a more_data chain whose end is not
 *                 published), slots22, slots30, cross-page (continuation
 *                 at offset 4000 size 200), first-cross-page, extra-
 *                 missing (extra_info flag, no slot left), extra-type0,
 *                 extra-type5 (= XEN_NETIF_EXTRA_TYPE_MAX), gso-size0,
 *                 gso-type3, rx-prod-beyond (on the rx ring)
 *   drop=KIND     every slot of the chain XEN_NETIF_RSP_ERROR (extras
 *                 RSP_NULL), nothing on the TAP, then the vif goes on:
 *                 a good frame after it is sent.  KIND: slots20,
 *                 slots21, size-wrap (a continuation larger than the
 *                 first slot's size), short (a 10-byte frame), short-
 *                 first (10 bytes in the first slot, 50 in the next)
 *   ok=KIND       every slot OKAY, the frame on the TAP byte for byte:
 *                 slots19 (1 + 18 slots), slots19-128 (1 + 18 slots, 128
 *                 bytes in all), zero-size (zero-size continuations in
 *                 the middle and at the end), headers-split (IPv4/TCP
 *                 with csum_blank, its headers over 5 slots)
 *   csum          csum_blank on ICMP, on ARP and on a TCP header cut by
 *                 the frame's end: answered OKAY (Linux drops them after
 *                 taking the slots), none on the TAP, the vif goes on
 *   tx-gref       a frame whose second slot's gref was never granted:
 *                 first slot OKAY, second ERROR, not on the TAP; a
 *                 one-slot frame with a bad gref: ERROR; a frame from a
 *                 read-only grant (as netfront grants): OKAY, sent
 *   rx-gref       rx buffers posted with a never-granted gref and a
 *                 read-only grant, then a good one; three frames
 *                 injected: ERROR, ERROR, then the third in the good
 *                 buffer with its length and bytes
 *   storm         20000 notifications over >= 1 s and no request: no
 *                 response; then a frame goes through
 *   mcast         (with --mcast) MCAST_ADD of 64 groups: OKAY each (the
 *                 extra slot RSP_NULL); a 65th: ERROR; MCAST_DEL of
 *                 group 2: OKAY.  Injected to group 1, 2, 65, an unknown
 *                 group, broadcast, us: only group 1, broadcast and us
 *                 arrive (Linux keeps filtering with the 64)
 *   mcast-off     (without --mcast) MCAST_ADD of group 1, then an
 *                 unknown group injected: it arrives (no filtering)
 *   mcast-dynamic (without --mcast, with --log) MCAST_ADD of group 1;
 *                 three rounds of group 0x100 and group 1 injected
 *                 (rx-ready, rx-ready2, rx-ready3): both arrive, then
 *                 only group 1 once request-multicast-control = 1 was
 *                 written while connected, then both again after 0 (the
 *                 daemon's log line says when it followed each change:
 *                 the protocol has no acknowledgement)
 *   mcast-restart (with --mcast) groups 1, 2, 3 added, 2 deleted; dom0
 *                 sends to 0x100, 1, 2, 3 (rx-ready): 1 and 3 arrive;
 *                 then `restart` is written and `restarted` awaited
 *                 (the caller restarts xenpvd, which must keep the
 *                 list); the same again (rx-ready2); group 1 deleted:
 *                 only 3 (rx-ready3)
 *   rx-none       no rx buffer posted while dom0 floods: no response;
 *                 then 256 buffers: at most --rx-bound old frames (the
 *                 TAP's queue and the backend's backlog; 1001 by
 *                 default) before the injected marker, each whole, in
 *                 the order sent
 *   rx-backlog    the same with --rx-expect N: exactly the N frames
 *                 dom0 sent while no buffer was posted arrive, whole,
 *                 in order, none missing
 *   rx-slow       (with --rx-post 0 and --rx-expect N) dom0 sends N
 *                 frames while no buffer is posted; then 8 buffers every
 *                 200 ms, each 8 frames taken before the next: all N
 *                 arrive in order (a guest that keeps taking frames is
 *                 not stalled, however long the wait of the last)
 *   rx-stall      (with --rx-post 0, xenpvd's rx timeouts short) dom0
 *                 sends frames; no response until dom0 writes
 *                 `stalled`; then buffers (rx-ready2): the marker comes,
 *                 none of the frames that waited
 *   rx-one        one buffer posted, a 8000-byte frame injected: no
 *                 response (it needs two); one more buffer: the frame in
 *                 two slots (4096 + 3904, more_data on the first)
 *   reconnect     frames in flight both ways, then Closing, Closed,
 *                 Initialising: the backend follows to InitWait, the
 *                 frontend connects again with new rings, a frame goes
 *                 through; every response seen is well-formed
 *   refused       connect with the --xs values: the backend must go
 *                 Closing before Connected (exit 3; the caller checks
 *                 the `error` node)
 *   bystander     (--stop-file F) a well-behaved vif: answers each PING
 *                 frame (ethertype 0x88b7) with a PONG until F exists
 *
 * In dom0, on the vif's TAP (an AF_PACKET socket):
 *   net-hostile --host capture IF SRCMAC DIR
 *       writes DIR/cap-ready once bound, then DIR/cap-<i>.bin for each
 *       frame from SRCMAC until the marker (or SIGTERM, or 30 s), then
 *       DIR/cap-count; exit 0 when the marker came
 *   net-hostile --host inject IF DSTMAC DIR READY SPEC...
 *       waits for DIR/READY (30 s), sends the frames SPEC says, then
 *       writes DIR/READY.done.  SPEC: u<N>x<LEN> (N frames of LEN bytes
 *       to DSTMAC, ethertype 0x88b5, a numbered pattern), g<12 hex>
 *       (one 100-byte frame to that address), mark (the marker to
 *       DSTMAC), s<MS> (a pause)
 *   net-hostile --host ping IF DSTMAC SEQ
 *       PING SEQ to DSTMAC, and its PONG within 5 s; exit 0 or 1
 *
 * Exit: 0 all passed, 1 a check failed, 3 refused (mode refused), 99
 * set-up error.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include <xen/io/netif.h>

#include "platform.h"
#include "ring.h"
#include "sim.h"
#include "xs-util.h"

#define RING 256u
#define TXPAGES 32u
#define PAGE 4096u
#define TIMEOUT_MS 10000
#define MAX_XS 16
#define T_DATA 0x88b5
#define T_MARK 0x88b6
#define T_PING 0x88b7
#define BAD_GREF 0x7ffff0u

struct queue {
	struct xpv_ring_front tx, rx;
	void *txs, *rxs;
	xpv_gref_t txs_ref, rxs_ref;
	int port;
	uint8_t *txp;			/* TXPAGES pages, read-only grant */
	xpv_gref_t txp_ref[TXPAGES];
	uint8_t *rxp;			/* RING pages, writable */
	xpv_gref_t rxp_ref[RING];
	uint8_t *rop;			/* one page granted read-only */
	xpv_gref_t rop_ref;
	uint16_t rx_slot_ref[RING];	/* buffer index posted in a slot */
};

static const struct xpv_platform *plat;
static struct xpv_gntshr *shr;
static struct xpv_evtchn *evt;
static struct xs_handle *xsh;
static unsigned int nq = 1, bdom, devid, rx_post = RING, rx_bound = 1001;
static int rx_expect = -1;
static bool mcast_req;
static const char *xs_over[MAX_XS];
static unsigned int nxs;
static struct queue qs[2];
static char fe[128], be[128];
static const char *out_dir, *stop_file, *log_path;
static uint8_t mac[6];
static int failures;
static unsigned int nexp;
static uint8_t frame[70000];

static const uint8_t peer[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t hostmac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

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

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void dir_file(char *path, size_t size, const char *name)
{
	snprintf(path, size, "%s/%s", out_dir, name);
}

static void write_file(const char *name, const void *buf, size_t len)
{
	char path[512];
	FILE *f;

	dir_file(path, sizeof(path), name);
	f = fopen(path, "w");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		die("writing %s", path);
}

static bool wait_file(const char *name, int ms)
{
	char path[512];

	dir_file(path, sizeof(path), name);
	for (; ms > 0; ms -= 10) {
		if (access(path, F_OK) == 0)
			return true;
		usleep(10000);
	}
	return false;
}

/* ---- negotiation ---- */

static int read_state(const char *dir, XenbusState *s)
{
	return xpv_xs_read_state(xsh, XBT_NULL, dir, s);
}

/* Waits for the backend to reach want; -EPIPE when it goes Closing
 * while waiting for an earlier state (but for Closed while it has not
 * yet followed a frontend that starts over, reconnecting). */
static bool reconnecting;

static int wait_state(XenbusState want, int ms)
{
	XenbusState s;

	for (; ms > 0; ms -= 10) {
		if (read_state(be, &s) == 0) {
			if (s == want)
				return 0;
			if (s >= XenbusStateClosing && want < XenbusStateClosing &&
			    !(reconnecting && s == XenbusStateClosed))
				return -EPIPE;
		}
		usleep(10000);
	}
	return -ETIMEDOUT;
}

static int qkeys(struct xs_handle *h, xs_transaction_t t, const char *dir,
		 const struct queue *q)
{
	int err;

	err = xpv_xs_printf(h, t, dir, "tx-ring-ref", "%u", q->txs_ref);
	err = err ?: xpv_xs_printf(h, t, dir, "rx-ring-ref", "%u", q->rxs_ref);
	return err ?: xpv_xs_printf(h, t, dir, "event-channel", "%d", q->port);
}

static int write_keys(struct xs_handle *h, xs_transaction_t t, void *opaque)
{
	static const char *const feats[] = {
		"request-rx-copy", "feature-rx-notify", "feature-sg",
		"feature-gso-tcpv4", "feature-gso-tcpv6",
		"feature-ipv6-csum-offload",
	};
	char dir[160], key[128];
	const char *eq;
	unsigned int i;
	int err;

	(void)opaque;
	if (nq > 1)
		err = xpv_xs_printf(h, t, fe, "multi-queue-num-queues", "%u",
				    nq);
	else
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
	if (!err && mcast_req)
		err = xpv_xs_write(h, t, fe, "request-multicast-control", "1");
	else if (!err)
		err = xpv_xs_rm(h, t, fe, "request-multicast-control");
	for (i = 0; i < nxs && !err; i++) {
		eq = strchr(xs_over[i], '=');
		snprintf(key, sizeof(key), "%.*s", (int)(eq - xs_over[i]),
			 xs_over[i]);
		if (!strcmp(eq + 1, "-"))
			err = xpv_xs_rm(h, t, fe, key);
		else
			err = xpv_xs_write(h, t, fe, key, eq + 1);
	}
	return err ?: xpv_xs_write(h, t, fe, "state", "4");
}

static void post_rx_ref(struct queue *q, uint16_t id, xpv_gref_t ref)
{
	struct netif_rx_request r = { .id = id, .gref = ref };

	if (xpv_ring_front_put_req(&q->rx, &r, sizeof(r)))
		die("rx ring full");
}

/* Posts buffer b (its page, id b) in the next rx slot. */
static void post_rx(struct queue *q, unsigned int b)
{
	q->rx_slot_ref[q->rx.req_prod_pvt % RING] = (uint16_t)b;
	post_rx_ref(q, (uint16_t)b, q->rxp_ref[b]);
}

static void kick_rx(struct queue *q)
{
	if (xpv_ring_front_push_requests(&q->rx))
		plat->evtchn->notify(evt, (xpv_port_t)q->port);
}

static void kick_tx(struct queue *q)
{
	if (xpv_ring_front_push_requests(&q->tx))
		plat->evtchn->notify(evt, (xpv_port_t)q->port);
}

static void setup_queue(struct queue *q)
{
	const size_t txsz = XPV_RING_SLOT_SIZE(struct netif_tx_request,
					       struct netif_tx_response);
	const size_t rxsz = XPV_RING_SLOT_SIZE(struct netif_rx_request,
					       struct netif_rx_response);
	unsigned int i;
	int err;

	memset(q, 0, sizeof(*q));
	err = plat->gntshr->share(shr, (xpv_domid_t)bdom, 1, &q->txs_ref, 1,
				  &q->txs);
	err = err ?: plat->gntshr->share(shr, (xpv_domid_t)bdom, 1,
					 &q->rxs_ref, 1, &q->rxs);
	err = err ?: plat->gntshr->share(shr, (xpv_domid_t)bdom, TXPAGES,
					 q->txp_ref, 0, (void **)&q->txp);
	err = err ?: plat->gntshr->share(shr, (xpv_domid_t)bdom, RING,
					 q->rxp_ref, 1, (void **)&q->rxp);
	err = err ?: plat->gntshr->share(shr, (xpv_domid_t)bdom, 1,
					 &q->rop_ref, 0, (void **)&q->rop);
	if (err)
		die("share: %s", strerror(-err));
	if (xpv_ring_front_init(&q->tx, q->txs, 1, txsz) ||
	    xpv_ring_front_init(&q->rx, q->rxs, 1, rxsz))
		die("ring init");
	q->port = plat->evtchn->alloc_unbound(evt, (xpv_domid_t)bdom);
	if (q->port < 0)
		die("alloc_unbound");
	for (i = 0; i < rx_post && i < RING; i++)
		post_rx(q, i);
	xpv_ring_front_push_requests(&q->rx);
}

static void read_fe(void)
{
	unsigned int self = (unsigned int)xpv_sim_self_domid();
	char buf[64];

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
}

/* Sets up rings and connects; -EPIPE when the backend refused. */
static int connect_vif(void)
{
	unsigned int i;
	int err;

	if (wait_state(XenbusStateInitWait, TIMEOUT_MS))
		die("backend %s never reached InitWait", be);
	for (i = 0; i < nq; i++)
		setup_queue(&qs[i]);
	err = xpv_xs_transact(xsh, write_keys, NULL);
	if (err)
		die("writing frontend keys: %s", strerror(-err));
	err = wait_state(XenbusStateConnected, TIMEOUT_MS);
	if (err == -EPIPE)
		return err;
	if (err)
		die("backend %s never reached Connected (%s)", be,
		    strerror(-err));
	for (i = 0; i < nq; i++)
		plat->evtchn->notify(evt, (xpv_port_t)qs[i].port);
	return 0;
}

static void wait_event(int ms)
{
	struct pollfd p = { .fd = plat->evtchn->fd(evt), .events = POLLIN };
	int port;

	if (poll(&p, 1, ms) > 0)
		while ((port = plat->evtchn->pending(evt)) >= 0)
			plat->evtchn->unmask(evt, (xpv_port_t)port);
}

/* ---- frames ---- */

static void eth(const uint8_t *dst, uint16_t type)
{
	memcpy(frame, dst, 6);
	memcpy(frame + 6, mac, 6);
	frame[12] = (uint8_t)(type >> 8);
	frame[13] = (uint8_t)type;
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
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

static void tcp(unsigned int l4)
{
	uint8_t *t = frame + l4;

	memset(t, 0, 20);
	t[1] = 0x39;
	t[3] = 0x50;
	t[12] = 0x50;
	t[13] = 0x18;
	t[14] = 0xff;
	t[16] = 0x12;
	t[17] = 0x34;
}

/* Records frame[0..len) as the next one the TAP must get. */
static void expect_tap(uint32_t len)
{
	char name[32];

	snprintf(name, sizeof(name), "exp-%u.bin", nexp++);
	write_file(name, frame, len);
}

/* ---- TX ---- */

/* One ring slot to write: a data slot or an extra. */
struct slot {
	bool extra;
	struct netif_tx_request r;
	struct netif_extra_info x;
	int16_t want;		/* status expected */
};

static struct slot sl[64];
static unsigned int nsl;

static struct slot *data_slot(uint32_t gref, uint16_t off, uint16_t size,
			      uint16_t flags, int16_t want)
{
	struct slot *s = &sl[nsl];

	memset(s, 0, sizeof(*s));
	s->r.gref = gref;
	s->r.offset = off;
	s->r.size = size;
	s->r.flags = flags;
	s->r.id = (uint16_t)(200 + nsl);
	s->want = want;
	nsl++;
	return s;
}

static void extra_slot(uint8_t type, uint8_t flags)
{
	struct slot *s = &sl[nsl++];

	memset(s, 0, sizeof(*s));
	s->extra = true;
	s->x.type = type;
	s->x.flags = flags;
	s->want = NETIF_RSP_NULL;
}

/* Writes the slots into q's tx ring (not published). */
static void put_slots(struct queue *q)
{
	uint8_t raw[sizeof(struct netif_tx_request)];
	unsigned int i;

	for (i = 0; i < nsl; i++) {
		if (sl[i].extra) {
			memset(raw, 0, sizeof(raw));
			memcpy(raw, &sl[i].x, sizeof(sl[i].x));
		} else {
			memcpy(raw, &sl[i].r, sizeof(raw));
		}
		if (xpv_ring_front_put_req(&q->tx, raw, sizeof(raw)))
			die("tx ring full");
	}
}

/* Waits for n tx responses on q into rsp[]: how many came. */
static unsigned int tx_wait(struct queue *q, struct netif_tx_response *rsp,
			    unsigned int n, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	unsigned int got = 0;
	int avail;

	while (got < n) {
		avail = xpv_ring_front_unconsumed(&q->tx);
		if (avail < 0)
			die("tx ring broken");
		if (avail) {
			xpv_ring_front_get_rsp(&q->tx, &rsp[got++],
					       sizeof(*rsp));
			continue;
		}
		if (xpv_ring_front_final_check(&q->tx) > 0)
			continue;
		if (now_ms() > end)
			break;
		wait_event(50);
	}
	return got;
}

/* Sends the slots as one batch and checks every response. */
static void send_check(struct queue *q, const char *what)
{
	struct netif_tx_response rsp[64];
	unsigned int i, got;

	put_slots(q);
	kick_tx(q);
	got = tx_wait(q, rsp, nsl, TIMEOUT_MS);
	if (got != nsl)
		failf("%s: %u of %u tx responses", what, got, nsl);
	for (i = 0; i < got; i++) {
		if (rsp[i].status != sl[i].want)
			failf("%s: slot %u: status %d, want %d", what, i,
			      rsp[i].status, sl[i].want);
		if (!sl[i].extra && rsp[i].id != sl[i].r.id)
			failf("%s: slot %u: id %u, want %u", what, i,
			      rsp[i].id, sl[i].r.id);
	}
	printf("%s: %u slot(s) answered as expected\n", what, got);
	nsl = 0;
}

/* Copies frame[0..len) into tx pages: piece i of sizes[i] bytes to page
 * pg0 + i at offset offs[i] (0 when offs is NULL); builds the chain
 * with each slot expecting want. */
static void chain(unsigned int pg0, const unsigned int *sizes,
		  const unsigned int *offs, unsigned int n, uint32_t len,
		  uint16_t first_flags, int16_t want, struct queue *q)
{
	unsigned int i, done = 0;

	for (i = 0; i < n; i++) {
		unsigned int o = offs ? offs[i] : 0;

		memcpy(q->txp + (size_t)(pg0 + i) * PAGE + o, frame + done,
		       sizes[i]);
		data_slot(q->txp_ref[pg0 + i], (uint16_t)o,
			  (uint16_t)(i ? sizes[i] : len),
			  (uint16_t)((i + 1 < n ? NETTXF_more_data : 0) |
				     (i ? 0 : first_flags)), want);
		done += sizes[i];
	}
}

/* A one-slot frame of len bytes, OKAY, expected on the TAP. */
static void good_frame(struct queue *q, unsigned int seed, uint32_t len)
{
	unsigned int sz = len;

	eth(peer, T_DATA);
	fill(frame + 14, len - 14, seed);
	chain(0, &sz, NULL, 1, len, 0, NETIF_RSP_OKAY, q);
	expect_tap(len);
	send_check(q, "good frame");
}

/* The marker that ends dom0's capture; then exp-count. */
static void marker(struct queue *q)
{
	unsigned int sz = 60;
	char buf[16];
	int n;

	eth(peer, T_MARK);
	memset(frame + 14, 0, 46);
	memcpy(frame + 14, "XPV-MARK", 8);
	chain(TXPAGES - 1, &sz, NULL, 1, 60, 0, NETIF_RSP_OKAY, q);
	send_check(q, "marker");
	n = snprintf(buf, sizeof(buf), "%u\n", nexp);
	write_file("exp-count", buf, (size_t)n);
}

/* The vif must have stopped: the error node names queue 0 and nothing
 * of what came after the last response is answered. */
static void expect_fatal(struct queue *q, struct xpv_ring_front *r)
{
	char buf[256];
	int ms, n = -1;

	for (ms = 0; ms < TIMEOUT_MS; ms += 10) {
		n = xpv_xs_read(xsh, XBT_NULL, be, "error", buf, sizeof(buf));
		if (n > 0)
			break;
		usleep(10000);
	}
	if (n <= 0) {
		failf("no error node");
	} else {
		printf("error node: %s\n", buf);
		if (!strstr(buf, "queue 0"))
			failf("error node does not name queue 0");
	}
	/* Time for a response that should not come. */
	usleep(200000);
	if (xpv_ring_front_unconsumed(r) != 0)
		failf("the fatal requests were answered");
	(void)q;
	write_file("exp-count", "0\n", 2);
}

static void mode_fatal(struct queue *q, const char *kind)
{
	unsigned int sizes[32], i, n;
	struct xpv_sring *s;

	eth(peer, T_DATA);
	fill(frame + 14, 3000, 1);
	if (!strcmp(kind, "prod-beyond")) {
		/* req_prod 257 slots past what the backend consumed. */
		s = q->tx.ring.sring;
		__atomic_store_n(&s->req_prod, q->tx.req_prod_pvt + RING + 1,
				 __ATOMIC_RELEASE);
		plat->evtchn->notify(evt, (xpv_port_t)q->port);
		expect_fatal(q, &q->tx);
		return;
	}
	if (!strcmp(kind, "rx-prod-beyond")) {
		s = q->rx.ring.sring;
		__atomic_store_n(&s->req_prod, q->rx.req_prod_pvt + RING + 1,
				 __ATOMIC_RELEASE);
		plat->evtchn->notify(evt, (xpv_port_t)q->port);
		expect_fatal(q, &q->rx);
		return;
	}
	if (!strcmp(kind, "past-prod")) {
		/* Two slots published, both with more_data. */
		sizes[0] = 100;
		sizes[1] = 100;
		chain(0, sizes, NULL, 2, 300, 0, 0, q);
		sl[1].r.flags |= NETTXF_more_data;
	} else if (!strncmp(kind, "slots", 5)) {
		n = (unsigned int)atoi(kind + 5);
		for (i = 0; i < n; i++)
			sizes[i] = 100;
		chain(0, sizes, NULL, n, 100 * n, 0, 0, q);
	} else if (!strcmp(kind, "cross-page")) {
		/* 100 bytes in the first slot, 200 at 4000 in the next. */
		memcpy(q->txp, frame, 100);
		data_slot(q->txp_ref[0], 0, 300, NETTXF_more_data, 0);
		data_slot(q->txp_ref[1], 4000, 200, 0, 0);
	} else if (!strcmp(kind, "first-cross-page")) {
		data_slot(q->txp_ref[0], 4000, 200, 0, 0);
	} else if (!strcmp(kind, "extra-missing")) {
		data_slot(q->txp_ref[0], 0, 100, NETTXF_extra_info, 0);
	} else if (!strcmp(kind, "extra-type0") ||
		   !strcmp(kind, "extra-type5")) {
		data_slot(q->txp_ref[0], 0, 100, NETTXF_extra_info, 0);
		extra_slot(kind[10] == '0' ? 0 : XEN_NETIF_EXTRA_TYPE_MAX, 0);
	} else if (!strcmp(kind, "gso-size0") || !strcmp(kind, "gso-type3")) {
		eth(peer, 0x0800);
		ipv4(1000, 6);
		tcp(34);
		memcpy(q->txp, frame, 1000);
		data_slot(q->txp_ref[0], 0, 1000,
			  NETTXF_extra_info | NETTXF_csum_blank, 0);
		extra_slot(XEN_NETIF_EXTRA_TYPE_GSO, 0);
		sl[1].x.u.gso.type = kind[4] == 's' ? XEN_NETIF_GSO_TYPE_TCPV4 :
						      3;
		sl[1].x.u.gso.size = kind[4] == 's' ? 0 : 1448;
	} else {
		die("fatal=%s: unknown", kind);
	}
	put_slots(q);
	kick_tx(q);
	nsl = 0;
	expect_fatal(q, &q->tx);
}

static void mode_drop(struct queue *q, const char *kind)
{
	unsigned int sizes[32], i, n;

	eth(peer, T_DATA);
	fill(frame + 14, 3000, 2);
	if (!strncmp(kind, "slots", 5)) {
		n = (unsigned int)atoi(kind + 5);
		for (i = 0; i < n; i++)
			sizes[i] = 100;
		chain(0, sizes, NULL, n, 100 * n, 0, NETIF_RSP_ERROR, q);
	} else if (!strcmp(kind, "size-wrap")) {
		/* The first slot says 1000 bytes in all, the next carries
		 * 2000 (what a 66536-byte frame looks like, u16 wrapped). */
		sizes[0] = 500;
		sizes[1] = 2000;
		chain(0, sizes, NULL, 2, 1000, 0, NETIF_RSP_ERROR, q);
	} else if (!strcmp(kind, "short")) {
		sizes[0] = 10;
		chain(0, sizes, NULL, 1, 10, 0, NETIF_RSP_ERROR, q);
	} else if (!strcmp(kind, "short-first")) {
		sizes[0] = 10;
		sizes[1] = 50;
		chain(0, sizes, NULL, 2, 60, 0, NETIF_RSP_ERROR, q);
	} else {
		die("drop=%s: unknown", kind);
	}
	send_check(q, kind);
	good_frame(q, 3, 100);
	marker(q);
}

static void mode_ok(struct queue *q, const char *kind)
{
	unsigned int sizes[32], i, n = 0;
	uint32_t len = 0;
	uint16_t flags = 0;

	if (!strcmp(kind, "slots19")) {
		n = 19;
		for (i = 0; i < n; i++)
			sizes[i] = 150;
		len = 150 * n;
		eth(peer, T_DATA);
		fill(frame + 14, len - 14, 4);
	} else if (!strcmp(kind, "slots19-128")) {
		/* XSA-432: all the slots a frame may use, 128 bytes in
		 * all, less than the headers Linux copies. */
		n = 19;
		sizes[0] = 20;
		for (i = 1; i < n; i++)
			sizes[i] = 6;
		len = 128;
		eth(peer, T_DATA);
		fill(frame + 14, len - 14, 5);
	} else if (!strcmp(kind, "zero-size")) {
		/* XSA-448: zero-size continuations answered OKAY. */
		static const unsigned int z[6] = { 100, 0, 200, 0, 300, 0 };

		n = 6;
		memcpy(sizes, z, sizeof(z));
		len = 600;
		eth(peer, T_DATA);
		fill(frame + 14, len - 14, 6);
	} else if (!strcmp(kind, "headers-split")) {
		/* XSA-423: Ethernet, IPv4 (7 + 13), TCP (10 + 10), data. */
		static const unsigned int h[6] = { 14, 7, 13, 10, 10, 146 };

		n = 6;
		memcpy(sizes, h, sizeof(h));
		len = 200;
		eth(peer, 0x0800);
		ipv4(len, 6);
		tcp(34);
		fill(frame + 54, len - 54, 7);
		flags = NETTXF_csum_blank | NETTXF_data_validated;
	} else {
		die("ok=%s: unknown", kind);
	}
	chain(0, sizes, NULL, n, len, flags, NETIF_RSP_OKAY, q);
	expect_tap(len);
	send_check(q, kind);
	marker(q);
}

static void mode_csum(struct queue *q)
{
	unsigned int sz;

	/* ICMP with csum_blank. */
	eth(peer, 0x0800);
	ipv4(100, 1);
	fill(frame + 34, 66, 8);
	sz = 100;
	chain(0, &sz, NULL, 1, 100, NETTXF_csum_blank, NETIF_RSP_OKAY, q);
	send_check(q, "csum_blank on ICMP");
	/* ARP with csum_blank. */
	eth(peer, 0x0806);
	fill(frame + 14, 46, 9);
	sz = 60;
	chain(0, &sz, NULL, 1, 60, NETTXF_csum_blank, NETIF_RSP_OKAY, q);
	send_check(q, "csum_blank on ARP");
	/* IPv4/TCP whose TCP header the frame cuts after 6 bytes. */
	eth(peer, 0x0800);
	ipv4(40, 6);
	fill(frame + 34, 6, 10);
	sz = 40;
	chain(0, &sz, NULL, 1, 40, NETTXF_csum_blank, NETIF_RSP_OKAY, q);
	send_check(q, "csum_blank on a truncated TCP header");
	good_frame(q, 11, 100);
	marker(q);
}

static void mode_tx_gref(struct queue *q)
{
	unsigned int sizes[2] = { 100, 200 };

	eth(peer, T_DATA);
	fill(frame + 14, 300, 12);
	chain(0, sizes, NULL, 2, 300, 0, NETIF_RSP_OKAY, q);
	sl[1].r.gref = BAD_GREF;
	sl[1].want = NETIF_RSP_ERROR;
	send_check(q, "second slot never granted");
	data_slot(BAD_GREF, 0, 100, 0, NETIF_RSP_ERROR);
	send_check(q, "one slot never granted");
	good_frame(q, 13, 100);
	marker(q);
}

/* ---- RX ---- */

struct rxframe {
	uint32_t len;
	unsigned int slots;
	uint16_t flags;
	int16_t status[20];
};

/* Takes one whole frame off q into frame[] if one is there: 1, or 0. */
static int rx_frame(struct queue *q, struct rxframe *f, bool repost)
{
	struct netif_rx_response rsp;
	bool more = true;
	uint32_t idx;
	int avail;

	avail = xpv_ring_front_unconsumed(&q->rx);
	if (avail < 0)
		die("rx ring broken");
	if (!avail)
		return 0;
	memset(f, 0, sizeof(*f));
	while (more) {
		uint16_t b;

		idx = q->rx.rsp_cons;
		if (xpv_ring_front_get_rsp(&q->rx, &rsp, sizeof(rsp)))
			die("rx responses of a frame pushed apart");
		b = q->rx_slot_ref[idx % RING];
		/* No GSO frame is injected: never an extra slot. */
		if (!f->slots && (rsp.flags & NETRXF_extra_info))
			failf("rx: an extra slot announced");
		if (f->slots < 20)
			f->status[f->slots] = rsp.status;
		if (!f->slots)
			f->flags = rsp.flags;
		if (rsp.id != b)
			failf("rx: response id %u in the slot of buffer %u",
			      rsp.id, b);
		if (rsp.status > 0 && rsp.status <= (int)PAGE &&
		    f->len + (uint32_t)rsp.status <= sizeof(frame))
			memcpy(frame + f->len,
			       q->rxp + (size_t)(b % RING) * PAGE + rsp.offset,
			       (size_t)rsp.status);
		if (rsp.status > 0)
			f->len += (uint32_t)rsp.status;
		more = rsp.flags & NETRXF_more_data;
		f->slots++;
		if (repost)
			post_rx(q, b % RING);
	}
	if (repost)
		kick_rx(q);
	return 1;
}

static int rx_wait(struct queue *q, struct rxframe *f, bool repost, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;

	for (;;) {
		if (rx_frame(q, f, repost))
			return 1;
		if (xpv_ring_front_final_check(&q->rx) > 0)
			continue;
		if (now_ms() > end)
			return 0;
		wait_event(50);
	}
}

/* The pattern dom0 puts in injected frame k (--host inject). */
static void inj_pattern(uint8_t *p, size_t len, uint32_t k)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(k * 7 + i);
	if (len >= 4) {
		p[0] = (uint8_t)(k >> 24);
		p[1] = (uint8_t)(k >> 16);
		p[2] = (uint8_t)(k >> 8);
		p[3] = (uint8_t)k;
	}
}

/* The number an injected frame carries (inj_pattern). */
static uint32_t inj_num(void)
{
	return (uint32_t)frame[14] << 24 | (uint32_t)frame[15] << 16 |
	       (uint32_t)frame[16] << 8 | frame[17];
}

/* Whether frame[0..len) is an injected data frame, whole. */
static bool inj_ok(uint32_t len)
{
	static uint8_t want[PAGE * 3];

	if (len < 18 || len > sizeof(want) || frame[12] != 0x88 ||
	    frame[13] != 0xb5)
		return false;
	inj_pattern(want, len - 14, inj_num());
	return !memcmp(frame + 14, want, len - 14);
}

static bool is_mark(uint32_t len)
{
	return len >= 22 && frame[12] == 0x88 && frame[13] == 0xb6;
}

static void mode_rx_gref(struct queue *q)
{
	struct rxframe f;

	/* rx_post 0: these three only. */
	post_rx_ref(q, 0, BAD_GREF);
	q->rx_slot_ref[0] = 0;
	post_rx_ref(q, 1, q->rop_ref);
	q->rx_slot_ref[1] = 1;
	post_rx(q, 2);
	kick_rx(q);
	write_file("rx-ready", "1\n", 2);
	if (!rx_wait(q, &f, false, TIMEOUT_MS) || f.slots != 1 ||
	    f.status[0] != NETIF_RSP_ERROR)
		failf("never-granted rx buffer: status %d", f.status[0]);
	if (!rx_wait(q, &f, false, TIMEOUT_MS) || f.slots != 1 ||
	    f.status[0] != NETIF_RSP_ERROR)
		failf("read-only rx buffer: status %d", f.status[0]);
	if (!rx_wait(q, &f, false, TIMEOUT_MS) || f.slots != 1 ||
	    f.status[0] != 100 || !inj_ok(f.len))
		failf("good rx buffer: status %d, len %u", f.status[0], f.len);
	else
		printf("rx: ERROR, ERROR, then 100 bytes as injected\n");
}

/*
 * After a time without rx buffers: none may have been answered; then a
 * ring's worth is posted and dom0 told (rx-ready2), and the frames are
 * taken until dom0's marker, each a whole injected frame, their numbers
 * rising (one sender: a frame overtaken is a bug; missing ones, dropped
 * by a full queue, may be).  Returns how many came before the marker;
 * *gaps (when not NULL): how many numbers are missing among them, from
 * 0 on.
 */
static unsigned int rx_post_all_until_mark(struct queue *q,
					   unsigned int *gaps)
{
	struct rxframe f;
	unsigned int i, old = 0;
	uint32_t next = 0;
	bool mark = false;

	if (gaps)
		*gaps = 0;

	if (xpv_ring_front_unconsumed(&q->rx) != 0)
		failf("rx responses without any buffer posted");
	for (i = 0; i < RING; i++)
		post_rx(q, i);
	kick_rx(q);
	write_file("rx-ready2", "1\n", 2);
	while (!mark && rx_wait(q, &f, true, TIMEOUT_MS)) {
		if (f.status[0] < 0)
			failf("rx error status %d", f.status[0]);
		else if (is_mark(f.len))
			mark = true;
		else if (!inj_ok(f.len))
			failf("rx: a frame of %u bytes not as injected", f.len);
		else if (inj_num() < next)
			failf("rx: frame %u after frame %u", inj_num(),
			      next - 1);
		else {
			if (gaps)
				*gaps += inj_num() - next;
			next = inj_num() + 1;
			old++;
		}
	}
	if (!mark)
		failf("the marker never came");
	return old;
}

/*
 * rx-none and rx-backlog (rx_post 0): dom0 sends while no buffer is
 * posted; then rx_post_all_until_mark().
 */
static unsigned int rx_after_unposted(struct queue *q, unsigned int *gaps)
{
	write_file("rx-ready", "1\n", 2);
	if (!wait_file("rx-ready.done", 30000))
		die("dom0 never injected");
	usleep(300000);
	return rx_post_all_until_mark(q, gaps);
}

static void mode_rx_none(struct queue *q)
{
	unsigned int old = rx_after_unposted(q, NULL);

	if (old > rx_bound)
		failf("%u flood frames delivered after the stall, at most %u",
		      old, rx_bound);
	printf("rx-none: %u old frame(s), then the marker\n", old);
}

static void mode_rx_backlog(struct queue *q)
{
	unsigned int old, gaps;

	if (rx_expect < 0)
		die("rx-backlog needs --rx-expect");
	old = rx_after_unposted(q, &gaps);
	if (old != (unsigned int)rx_expect || gaps)
		failf("%u of the %d frames sent without buffers came (%u "
		      "missing between them)", old, rx_expect, gaps);
	printf("rx-backlog: the %u frames in order, then the marker\n", old);
}

/*
 * rx-stall: dom0 sends frames while no buffer is posted; nothing is
 * answered until dom0 says `stalled` (xenpvd dropped them and the vif's
 * carrier went off); then buffers (rx-ready2): dom0's marker arrives and
 * none of the frames that waited.
 */
static void mode_rx_stall(struct queue *q)
{
	unsigned int old;

	write_file("rx-ready", "1\n", 2);
	if (!wait_file("rx-ready.done", 30000))
		die("dom0 never injected");
	if (!wait_file("stalled", 60000))
		die("dom0 never saw the stall");
	old = rx_post_all_until_mark(q, NULL);
	if (old)
		failf("%u frame(s) that waited past the drain timeout came",
		      old);
	else
		printf("rx-stall: the waiting frames dropped, the marker "
		       "came\n");
}

static void mode_rx_slow(struct queue *q)
{
	unsigned int i, got = 0, buf = 0;
	struct rxframe f;

	if (rx_expect < 0)
		die("rx-slow needs --rx-expect");
	write_file("rx-ready", "1\n", 2);
	if (!wait_file("rx-ready.done", 30000))
		die("dom0 never injected");
	while (got < (unsigned int)rx_expect) {
		for (i = 0; i < 8; i++)
			post_rx(q, buf++ % RING);
		kick_rx(q);
		for (i = 0; i < 8 && got < (unsigned int)rx_expect; i++) {
			if (!rx_wait(q, &f, false, TIMEOUT_MS)) {
				failf("frame %u of %d never came", got,
				      rx_expect);
				return;
			}
			if (f.status[0] < 0 || !inj_ok(f.len) ||
			    inj_num() != got) {
				failf("frame %u: status %d, %u bytes, number "
				      "%u", got, f.status[0], f.len,
				      inj_ok(f.len) ? inj_num() : 0);
				return;
			}
			got++;
		}
		usleep(200000);
	}
	printf("rx-slow: the %u frames in order, 8 every 200 ms\n", got);
}

static void mode_rx_one(struct queue *q)
{
	struct rxframe f;

	post_rx(q, 0);
	kick_rx(q);
	write_file("rx-ready", "1\n", 2);
	if (!wait_file("rx-ready.done", 30000))
		die("dom0 never injected");
	usleep(500000);
	if (xpv_ring_front_unconsumed(&q->rx) != 0)
		failf("a response with one buffer for a two-slot frame");
	post_rx(q, 1);
	kick_rx(q);
	if (!rx_wait(q, &f, true, TIMEOUT_MS))
		failf("the 8000-byte frame never came");
	else if (f.slots != 2 || f.status[0] != 4096 ||
		 f.status[1] != 8000 - 4096 ||
		 !(f.flags & NETRXF_more_data) || !inj_ok(f.len))
		failf("8000-byte frame: %u slots, %d + %d, flags %#x", f.slots,
		      f.status[0], f.status[1], f.flags);
	else
		printf("rx-one: held, then 4096 + 3904 in two slots\n");
}

static void mcast_addr(uint8_t *a, unsigned int i)
{
	a[0] = 0x01;
	a[1] = 0x00;
	a[2] = 0x5e;
	a[3] = 0x00;
	a[4] = (uint8_t)(i >> 8);
	a[5] = (uint8_t)i;
}

static void mcast_op(struct queue *q, uint8_t type, unsigned int i,
		     int16_t want)
{
	char what[48];

	data_slot(0, 0, 0, NETTXF_extra_info, want);
	extra_slot(type, 0);
	mcast_addr(sl[nsl - 1].x.u.mcast.addr, i);
	snprintf(what, sizeof(what), "mcast %s group %u",
		 type == XEN_NETIF_EXTRA_TYPE_MCAST_ADD ? "add" : "del", i);
	send_check(q, what);
}

/* Groups mcast_addr() makes that rx_groups() counts: 0 .. 0x100. */
#define NGROUPS 0x101

/*
 * Receives until dom0's marker, counting in got[g] the frames to group g
 * (mcast_addr()); broadcast and unicast frames are only printed,
 * anything else fails.
 */
static void rx_groups(struct queue *q, unsigned int got[NGROUPS])
{
	struct rxframe f;
	unsigned int g;
	bool mark = false;

	memset(got, 0, NGROUPS * sizeof(*got));
	while (!mark && rx_wait(q, &f, true, TIMEOUT_MS)) {
		uint8_t a[6];

		if (f.status[0] < 0 || f.len < 14) {
			failf("rx status %d", f.status[0]);
			continue;
		}
		if (is_mark(f.len)) {
			mark = true;
			continue;
		}
		g = (unsigned int)frame[4] << 8 | frame[5];
		mcast_addr(a, g);
		if (g < NGROUPS && !memcmp(frame, a, 6)) {
			got[g]++;
			printf("rx: group %#x\n", g);
		} else if (!memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6)) {
			printf("rx: broadcast\n");
		} else if (!memcmp(frame, mac, 6)) {
			printf("rx: unicast\n");
		} else {
			failf("rx: unexpected destination");
		}
	}
	if (!mark)
		failf("the marker never came");
}

static void mode_mcast(struct queue *q, bool filtering)
{
	unsigned int i, got[NGROUPS];

	if (filtering) {
		for (i = 1; i <= 64; i++)
			mcast_op(q, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, i,
				 NETIF_RSP_OKAY);
		mcast_op(q, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 65,
			 NETIF_RSP_ERROR);
		mcast_op(q, XEN_NETIF_EXTRA_TYPE_MCAST_DEL, 2, NETIF_RSP_OKAY);
	} else {
		mcast_op(q, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 1, NETIF_RSP_OKAY);
	}
	write_file("rx-ready", "1\n", 2);
	/* dom0 sends to group 1, 2, 65, 0x100, broadcast, us, the marker
	 * (filtering) or to 0x100 then the marker (not). */
	rx_groups(q, got);
	if (filtering && (got[1] != 1 || got[2] || got[65] || got[0x100]))
		failf("filtering: groups 1/2/65/0x100 came %u/%u/%u/%u times, "
		      "want 1/0/0/0", got[1], got[2], got[65], got[0x100]);
	if (!filtering && got[0x100] != 1)
		failf("no filtering: group 0x100 came %u times, want 1",
		      got[0x100]);
}

/* How many lines of xenpvd's log (--log) contain what. */
static unsigned int log_count(const char *what)
{
	char line[1024];
	unsigned int n = 0;
	FILE *f = fopen(log_path, "r");

	if (!f)
		die("cannot read %s", log_path);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, what) != NULL;
	fclose(f);
	return n;
}

/*
 * Writes request-multicast-control = val while connected, and waits for
 * the daemon's line saying filtering went on or off.
 */
static void mcast_switch(const char *val, bool on)
{
	char what[sizeof(be) + 32];
	unsigned int n0;
	uint64_t t0 = now_ms();

	snprintf(what, sizeof(what), "%s: multicast filtering %s", be,
		 on ? "on" : "off");
	n0 = log_count(what);
	if (xpv_xs_write(xsh, XBT_NULL, fe, "request-multicast-control",
			 val))
		die("writing request-multicast-control");
	while (log_count(what) == n0) {
		if (now_ms() - t0 > TIMEOUT_MS) {
			failf("no '%s' line after request-multicast-control "
			      "= %s", what, val);
			return;
		}
		usleep(20000);
	}
}

/* One round: group 0x100 and group 1 injected by dom0 (ready), each
 * expected `want` times and once. */
static void mcast_round(struct queue *q, const char *ready, unsigned int want)
{
	unsigned int got[NGROUPS];

	write_file(ready, "1\n", 2);
	rx_groups(q, got);
	if (got[0x100] != want || got[1] != 1)
		failf("%s: groups 0x100/1 came %u/%u times, want %u/1", ready,
		      got[0x100], got[1], want);
	else
		printf("%s: groups 0x100/1 came %u/1 times\n", ready, want);
}

static void mode_mcast_dynamic(struct queue *q)
{
	if (!log_path)
		die("mcast-dynamic needs --log");
	mcast_op(q, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 1, NETIF_RSP_OKAY);
	mcast_round(q, "rx-ready", 1);
	mcast_switch("1", true);
	mcast_round(q, "rx-ready2", 0);
	mcast_switch("0", false);
	mcast_round(q, "rx-ready3", 1);
}

/*
 * One round of dom0 sending to groups 0x100, 1, 2 and 3 (ready): the
 * groups in `want` (a bit per group 0..3) must come once, the others
 * not at all.
 */
static void mcast_expect(struct queue *q, const char *ready, unsigned int want)
{
	unsigned int g, got[NGROUPS];

	write_file(ready, "1\n", 2);
	rx_groups(q, got);
	for (g = 1; g <= 3; g++)
		if (got[g] != !!(want & 1u << g))
			failf("%s: group %u came %u times, want %u", ready, g,
			      got[g], !!(want & 1u << g));
	if (got[0x100])
		failf("%s: group 0x100 (never listed) came", ready);
}

static void mode_mcast_restart(struct queue *q)
{
	mcast_op(q, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 1, NETIF_RSP_OKAY);
	mcast_op(q, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 2, NETIF_RSP_OKAY);
	mcast_op(q, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 3, NETIF_RSP_OKAY);
	mcast_op(q, XEN_NETIF_EXTRA_TYPE_MCAST_DEL, 2, NETIF_RSP_OKAY);
	mcast_expect(q, "rx-ready", 1u << 1 | 1u << 3);
	write_file("restart", "1\n", 2);
	if (!wait_file("restarted", 60000))
		die("the daemon was never restarted");
	mcast_expect(q, "rx-ready2", 1u << 1 | 1u << 3);
	mcast_op(q, XEN_NETIF_EXTRA_TYPE_MCAST_DEL, 1, NETIF_RSP_OKAY);
	mcast_expect(q, "rx-ready3", 1u << 3);
	printf("mcast-restart: groups 1 and 3 listed across the restart, "
	       "then 3 alone\n");
}

static void mode_storm(struct queue *q)
{
	uint64_t start = now_ms();
	unsigned int i = 0;

	while (i < 20000 || now_ms() - start < 1000) {
		plat->evtchn->notify(evt, (xpv_port_t)q->port);
		i++;
	}
	usleep(100000);
	if (xpv_ring_front_unconsumed(&q->tx) != 0 ||
	    xpv_ring_front_unconsumed(&q->rx) != 0)
		failf("responses to a storm without requests");
	printf("storm: %u notifications in %llu ms\n", i,
	       (unsigned long long)(now_ms() - start));
	good_frame(q, 14, 200);
	marker(q);
}

/* Frames in flight both ways, then Closing, Closed, Initialising and a
 * new connection. */
static void mode_reconnect(struct queue *q)
{
	struct netif_tx_response rsp[64];
	struct rxframe f;
	unsigned int i, sz = 1000, got;
	XenbusState s;
	int ms;

	write_file("rx-ready", "1\n", 2);
	for (i = 0; i < 32; i++) {
		/* How many go out before the Closing is a race: from
		 * another source address, which dom0's capture ignores. */
		eth(peer, T_DATA);
		frame[11] ^= 0x80;
		fill(frame + 14, sz - 14, 20 + i);
		memcpy(q->txp + (size_t)(i % (TXPAGES - 1)) * PAGE, frame, sz);
		data_slot(q->txp_ref[i % (TXPAGES - 1)], 0, (uint16_t)sz, 0,
			  NETIF_RSP_OKAY);
	}
	put_slots(q);
	kick_tx(q);
	nsl = 0;
	usleep(20000);
	/* What was answered is answered right. */
	got = tx_wait(q, rsp, 32, 0);
	for (i = 0; i < got; i++)
		if (rsp[i].status != NETIF_RSP_OKAY || rsp[i].id != 200 + i)
			failf("in flight: response %u: id %u status %d", i,
			      rsp[i].id, rsp[i].status);
	while (rx_frame(q, &f, false))
		if (f.status[0] < 0)
			failf("in flight: rx status %d", f.status[0]);
	if (xpv_xs_write(xsh, XBT_NULL, fe, "state", "5"))
		die("writing Closing");
	for (ms = 0; ms < TIMEOUT_MS; ms += 10) {
		if (!read_state(be, &s) && s >= XenbusStateClosing)
			break;
		usleep(10000);
	}
	if (ms >= TIMEOUT_MS)
		failf("backend did not follow to Closing");
	if (xpv_xs_write(xsh, XBT_NULL, fe, "state", "6"))
		die("writing Closed");
	if (wait_state(XenbusStateClosed, TIMEOUT_MS))
		failf("backend did not follow to Closed");
	if (xpv_xs_write(xsh, XBT_NULL, fe, "state", "1"))
		die("writing Initialising");
	/* The old rings' pages stay granted (the domain is destroyed
	 * after the case); new ones for the new connection. */
	reconnecting = true;
	if (connect_vif())
		die("reconnect refused");
	printf("reconnect: Closing, Closed, InitWait, Connected\n");
	good_frame(&qs[0], 40, 300);
	marker(&qs[0]);
}

static void mode_bystander(struct queue *q)
{
	struct rxframe f;
	char path[256];
	unsigned int sz;

	snprintf(path, sizeof(path), "%s", stop_file);
	printf("bystander: running\n");
	fflush(stdout);
	while (access(path, F_OK) != 0) {
		struct netif_tx_response rsp[4];

		while (tx_wait(q, rsp, 1, 0))
			if (rsp[0].status != NETIF_RSP_OKAY)
				failf("bystander: tx status %d",
				      rsp[0].status);
		if (!rx_wait(q, &f, true, 200))
			continue;
		if (f.status[0] < 0) {
			failf("bystander: rx status %d", f.status[0]);
			continue;
		}
		if (f.len < 20 || frame[12] != 0x88 || frame[13] != 0xb7 ||
		    memcmp(frame + 14, "PING", 4))
			continue;
		/* PONG back to the sender: same body, PONG. */
		memcpy(frame, frame + 6, 6);
		memcpy(frame + 6, mac, 6);
		memcpy(frame + 14, "PONG", 4);
		sz = f.len < 60 ? 60 : f.len;
		memcpy(q->txp, frame, sz);
		data_slot(q->txp_ref[0], 0, (uint16_t)sz, 0, NETIF_RSP_OKAY);
		put_slots(q);
		kick_tx(q);
		nsl = 0;
	}
}

/* ---- dom0 side ---- */

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int pkt_socket(const char *ifname)
{
	struct sockaddr_ll sa;
	int fd, sz = 8 << 20;

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0)
		die("AF_PACKET socket: %s", strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	memset(&sa, 0, sizeof(sa));
	sa.sll_family = AF_PACKET;
	sa.sll_protocol = htons(ETH_P_ALL);
	sa.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sa.sll_ifindex || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind to %s: %s", ifname, strerror(errno));
	return fd;
}

/* A frame from the guest, or -1 (timeout, stop). */
static ssize_t pkt_recv(int fd, const uint8_t *src, uint8_t *buf,
			size_t size, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	struct sockaddr_ll from;
	socklen_t fl;
	ssize_t n;

	while (!stop && now_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 100) <= 0)
			continue;
		fl = sizeof(from);
		n = recvfrom(fd, buf, size, 0, (struct sockaddr *)&from, &fl);
		if (n < 14 || from.sll_pkttype == PACKET_OUTGOING ||
		    memcmp(buf + 6, src, 6))
			continue;
		return n;
	}
	return -1;
}

static void parse_mac(const char *s, uint8_t *m)
{
	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2],
		   &m[3], &m[4], &m[5]) != 6)
		die("bad MAC %s", s);
}

static int host_capture(const char *ifname, const char *srcs)
{
	uint8_t src[6];
	char name[32], buf[16];
	unsigned int n = 0;
	bool mark = false;
	ssize_t len;
	int fd, k;

	parse_mac(srcs, src);
	signal(SIGTERM, on_term);
	fd = pkt_socket(ifname);
	write_file("cap-ready", "1\n", 2);
	while ((len = pkt_recv(fd, src, frame, sizeof(frame), 30000)) > 0) {
		if (frame[12] == 0x88 && frame[13] == 0xb6) {
			mark = true;
			break;
		}
		snprintf(name, sizeof(name), "cap-%u.bin", n++);
		write_file(name, frame, (size_t)len);
	}
	k = snprintf(buf, sizeof(buf), "%u\n", n);
	write_file("cap-count", buf, (size_t)k);
	close(fd);
	return mark ? 0 : 1;
}

static void send_frame(int fd, size_t len)
{
	if (len < 60) {
		memset(frame + len, 0, 60 - len);
		len = 60;
	}
	/* A full TAP queue drops (ENOBUFS): the flood is meant to. */
	if (send(fd, frame, len, 0) < 0 && errno != ENOBUFS)
		fprintf(stderr, "inject: a frame of %zu bytes: %s\n", len,
			strerror(errno));
}

static bool oper_up(const char *ifname)
{
	char path[128], st[16];
	FILE *f;
	int ms;

	snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", ifname);
	for (ms = 0; ms < 5000; ms += 10) {
		f = fopen(path, "r");
		if (f) {
			if (fgets(st, sizeof(st), f) && !strncmp(st, "up", 2)) {
				fclose(f);
				return true;
			}
			fclose(f);
		}
		usleep(10000);
	}
	return false;
}

static int host_inject(const char *ifname, const char *dsts,
		       const char *ready, char **spec, int nspec)
{
	uint8_t dst[6];
	char done[128];
	uint32_t k = 0;
	unsigned int n, len, i;
	int fd, j;

	parse_mac(dsts, dst);
	fd = pkt_socket(ifname);
	if (!wait_file(ready, 30000))
		die("%s never came", ready);
	/* The kernel starts the TAP's queue discipline a while after its
	 * carrier comes on (linkwatch, up to a second), with operstate:
	 * until then what we send is dropped. */
	if (!oper_up(ifname))
		die("%s never up", ifname);
	for (j = 0; j < nspec; j++) {
		const char *s = spec[j];

		memcpy(frame + 6, hostmac, 6);
		if (sscanf(s, "u%ux%u", &n, &len) == 2) {
			if (len < 18 || len > PAGE * 3)
				die("spec %s", s);
			for (i = 0; i < n; i++) {
				memcpy(frame, dst, 6);
				frame[12] = 0x88;
				frame[13] = 0xb5;
				inj_pattern(frame + 14, len - 14, k++);
				send_frame(fd, len);
			}
		} else if (s[0] == 'g' && strlen(s) == 13) {
			for (i = 0; i < 6; i++) {
				unsigned int b;

				if (sscanf(s + 1 + 2 * i, "%2x", &b) != 1)
					die("spec %s", s);
				frame[i] = (uint8_t)b;
			}
			frame[12] = 0x88;
			frame[13] = 0xb5;
			inj_pattern(frame + 14, 86, k++);
			send_frame(fd, 100);
		} else if (!strcmp(s, "mark")) {
			memcpy(frame, dst, 6);
			frame[12] = 0x88;
			frame[13] = 0xb6;
			memset(frame + 14, 0, 46);
			memcpy(frame + 14, "XPV-MARK", 8);
			send_frame(fd, 60);
		} else if (s[0] == 's') {
			usleep((useconds_t)atoi(s + 1) * 1000);
		} else {
			die("spec %s", s);
		}
	}
	snprintf(done, sizeof(done), "%s.done", ready);
	write_file(done, "1\n", 2);
	close(fd);
	return 0;
}

static int host_ping(const char *ifname, const char *dsts, const char *seq)
{
	uint8_t dst[6], buf[2048];
	uint64_t end = now_ms() + 5000;
	char body[32];
	size_t bl;
	ssize_t n;
	int fd, tries;

	parse_mac(dsts, dst);
	fd = pkt_socket(ifname);
	bl = (size_t)snprintf(body, sizeof(body), "PING %s", seq);
	for (tries = 0; tries < 5 && now_ms() < end; tries++) {
		memcpy(frame, dst, 6);
		memcpy(frame + 6, hostmac, 6);
		frame[12] = 0x88;
		frame[13] = 0xb7;
		memset(frame + 14, 0, 46);
		memcpy(frame + 14, body, bl);
		send_frame(fd, 60);
		while ((n = pkt_recv(fd, dst, buf, sizeof(buf), 1000)) > 0) {
			if (n >= (ssize_t)(14 + bl) && buf[12] == 0x88 &&
			    buf[13] == 0xb7 && !memcmp(buf + 14, "PONG", 4) &&
			    !memcmp(buf + 18, body + 4, bl - 4)) {
				close(fd);
				return 0;
			}
		}
	}
	close(fd);
	fprintf(stderr, "FAIL: no PONG %s from %s\n", seq, dsts);
	return 1;
}

static int host_main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[2], "capture")) {
		out_dir = argv[5];
		return host_capture(argv[3], argv[4]);
	}
	if (argc >= 7 && !strcmp(argv[2], "inject")) {
		out_dir = argv[5];
		return host_inject(argv[3], argv[4], argv[6], argv + 7,
				   argc - 7);
	}
	if (argc == 6 && !strcmp(argv[2], "ping"))
		return host_ping(argv[3], argv[4], argv[5]);
	die("usage: see the top of net-hostile.c");
}

/* ---- main ---- */

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "devid", required_argument, NULL, 'd' },
		{ "queues", required_argument, NULL, 'q' },
		{ "rx-post", required_argument, NULL, 'r' },
		{ "mcast", no_argument, NULL, 'm' },
		{ "xs", required_argument, NULL, 'x' },
		{ "stop-file", required_argument, NULL, 'S' },
		{ "rx-bound", required_argument, NULL, 'b' },
		{ "rx-expect", required_argument, NULL, 'e' },
		{ "log", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mode;
	int c;

	if (argc > 1 && !strcmp(argv[1], "--host"))
		return host_main(argc, argv);
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
		case 'r':
			rx_post = (unsigned int)atoi(optarg);
			break;
		case 'm':
			mcast_req = true;
			break;
		case 'x':
			if (nxs == MAX_XS || !strchr(optarg, '='))
				die("--xs KEY=VALUE (at most %d)", MAX_XS);
			xs_over[nxs++] = optarg;
			break;
		case 'S':
			stop_file = optarg;
			break;
		case 'b':
			rx_bound = (unsigned int)atoi(optarg);
			break;
		case 'e':
			rx_expect = atoi(optarg);
			break;
		case 'l':
			log_path = optarg;
			break;
		default:
			return 99;
		}
	}
	if (optind != argc - 1 || nq < 1 || nq > 2 || !out_dir)
		die("usage: see the top of net-hostile.c");
	mode = argv[optind];
	plat = xpv_platform_get("sim");
	if (xpv_xs_open(&xsh))
		die("cannot open XenStore");
	if (plat->gntshr->open(&shr) || plat->evtchn->open(&evt))
		die("platform");
	read_fe();
	/* Nothing on the TAP unless the mode lists it (marker()). */
	write_file("exp-count", "0\n", 2);
	if (connect_vif()) {
		if (!strcmp(mode, "refused")) {
			printf("refused: backend went Closing\n");
			return 3;
		}
		die("backend refused the connection");
	}
	if (!strcmp(mode, "refused")) {
		failf("the backend connected");
	} else if (!strncmp(mode, "fatal=", 6)) {
		mode_fatal(&qs[0], mode + 6);
	} else if (!strncmp(mode, "drop=", 5)) {
		mode_drop(&qs[0], mode + 5);
	} else if (!strncmp(mode, "ok=", 3)) {
		mode_ok(&qs[0], mode + 3);
	} else if (!strcmp(mode, "csum")) {
		mode_csum(&qs[0]);
	} else if (!strcmp(mode, "tx-gref")) {
		mode_tx_gref(&qs[0]);
	} else if (!strcmp(mode, "rx-gref")) {
		mode_rx_gref(&qs[0]);
	} else if (!strcmp(mode, "rx-none")) {
		mode_rx_none(&qs[0]);
	} else if (!strcmp(mode, "rx-backlog")) {
		mode_rx_backlog(&qs[0]);
	} else if (!strcmp(mode, "rx-slow")) {
		mode_rx_slow(&qs[0]);
	} else if (!strcmp(mode, "rx-stall")) {
		mode_rx_stall(&qs[0]);
	} else if (!strcmp(mode, "rx-one")) {
		mode_rx_one(&qs[0]);
	} else if (!strcmp(mode, "mcast")) {
		mode_mcast(&qs[0], true);
	} else if (!strcmp(mode, "mcast-off")) {
		mode_mcast(&qs[0], false);
	} else if (!strcmp(mode, "mcast-dynamic")) {
		mode_mcast_dynamic(&qs[0]);
	} else if (!strcmp(mode, "mcast-restart")) {
		mode_mcast_restart(&qs[0]);
	} else if (!strcmp(mode, "storm")) {
		mode_storm(&qs[0]);
	} else if (!strcmp(mode, "reconnect")) {
		mode_reconnect(&qs[0]);
	} else if (!strcmp(mode, "bystander") && stop_file) {
		mode_bystander(&qs[0]);
	} else {
		die("unknown mode %s", mode);
	}
	printf("net-hostile %s: %d failure(s)\n", mode, failures);
	return failures ? 1 : 0;
}
