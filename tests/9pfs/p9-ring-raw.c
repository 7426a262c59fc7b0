/* SPDX-License-Identifier: MIT */
/*
 * p9-ring-raw.c - a raw 9pfs frontend for testing xenpvd's 9pfs transport,
 * run as a process of a sim guest (XENPV_SIM_WORLD, XENPV_SIM_DOMID and
 * XENSTORED_PATH of the guest's relay).
 *
 * It negotiates by hand (interface pages and data pages shared with
 * gntshr, one event channel a ring, the keys in one transaction), writes
 * 9P messages into the out rings byte by byte as it likes, and reads the
 * replies itself: so it can do what a well-behaved library never does
 * (hold replies unconsumed, split a message's publication, lie about
 * sizes and indices).  It checks every reply (tag, type, size within the
 * ring, what the host directory says).
 *
 *   p9-ring-raw --export DIR [--devid N] [--rings N] [--order N]
 *               [--hostile] [--xs KEY=VALUE]... SCENARIO...
 *   scenarios:
 *     basic       version, attach, walk, lcreate, write, read back,
 *                 getattr, readdir, unlinkat; checked against DIR
 *     rings       the same file written on one ring, read on the others
 *     fill        replies 4x the in ring's size requested before one is
 *                 consumed: every reply arrives whole and right; the
 *                 backend never writes over an unconsumed byte
 *     split       a message's header published 200 ms before its body
 *     concurrent  a Tfsync and then a Tgetattr on the same ring: the
 *                 getattr's reply must come first (run it with the
 *                 backend's fsync slowed down: test-9pfs-concurrent.sh)
 *     reconnect   Closing/Closed, then a new connection: a working share
 *   hostile (the ring is stopped and nothing of the message runs; the
 *   other rings and the daemon keep serving: checked):
 *     size6       a message of size 6
 *     sizebig     size above the negotiated msize
 *     prodbeyond  out_prod more than a ring's size ahead of out_cons
 *     incons      in_cons moved beyond what the backend produced
 *
 * Exit: 0 all passed, 1 a check failed, 3 refused (--hostile: the
 * backend closed instead of connecting), 99 set-up error.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "barrier.h"
#include "p9wire.h"
#include "platform.h"
#include "ring-flex.h"
#include "sim.h"
#include "xs-util.h"

#define MAXR 8
#define TIMEOUT_MS 10000
#define MAX_XS 8
#define MSIZE_WANT (1u << 20)

struct ring {
	void *intf;
	void *data;
	xpv_gref_t intf_ref;
	xpv_gref_t refs[1u << XPV_9PFS_MAX_ORDER];
	int port;
	struct xpv_flex in, out;
};

static const struct xpv_platform *plat;
static struct xpv_gntshr *shr;
static struct xpv_evtchn *evt;
static struct xs_handle *xsh;
static unsigned int nr = 2, order = 4, bdom, devid;
static struct ring rs[MAXR];
static char fe[128], be[128];
static const char *export_dir;
static bool hostile;
static int failures;
static uint32_t msize;
static uint16_t next_tag = 1;
static char *xs_keys[MAX_XS], *xs_vals[MAX_XS];
static unsigned int nr_xs;
static uint8_t *rbuf;	/* one reply (1 MiB) */

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

/* ---- negotiation ---- */

/* Waits for want; -EPIPE when the backend goes Closing instead (unless
 * want is Closing or Closed). */
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

static uint32_t read_u32_or(const char *dir, const char *node, uint32_t dflt)
{
	uint32_t v;

	return xpv_xs_read_u32(xsh, XBT_NULL, dir, node, UINT32_MAX, &v) ?
		dflt : v;
}

static int write_keys(struct xs_handle *h, xs_transaction_t t, void *opaque)
{
	char node[32];
	unsigned int i;
	int err;

	(void)opaque;
	err = xpv_xs_write(h, t, fe, "version", "1");
	err = err ?: xpv_xs_printf(h, t, fe, "num-rings", "%u", nr);
	for (i = 0; i < nr && !err; i++) {
		snprintf(node, sizeof(node), "ring-ref%u", i);
		err = xpv_xs_printf(h, t, fe, node, "%u", rs[i].intf_ref);
		snprintf(node, sizeof(node), "event-channel-%u", i);
		err = err ?: xpv_xs_printf(h, t, fe, node, "%d", rs[i].port);
	}
	for (i = 0; i < nr_xs && !err; i++)
		err = xpv_xs_write(h, t, fe, xs_keys[i], xs_vals[i]);
	err = err ?: xpv_xs_write(h, t, fe, "state", "3");
	return err;
}

/* Data pages shared per ring: an order beyond the interface page's room
 * (hostile) gets one page, the backend must refuse before mapping. */
static unsigned int data_pages(void)
{
	return order > XPV_9PFS_MAX_ORDER ? 1 : 1u << order;
}

static void share_rings(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < nr; i++) {
		struct ring *r = &rs[i];

		err = plat->gntshr->share(shr, (xpv_domid_t)bdom, 1,
					  &r->intf_ref, 1, &r->intf);
		err = err ?: plat->gntshr->share(shr, (xpv_domid_t)bdom,
						 data_pages(), r->refs, 1,
						 &r->data);
		if (!err && order > XPV_9PFS_MAX_ORDER)
			hostile = true;
		if (err)
			die("share ring %u: %s", i, strerror(-err));
		/* A hostile order (0, above 9) is written raw below. */
		if (order >= 1 && order <= XPV_9PFS_MAX_ORDER) {
			if (xpv_9pfs_intf_init(r->intf, order, r->refs))
				die("intf init");
			if (xpv_9pfs_rings(r->intf, r->data, order, &r->in,
					   &r->out))
				die("rings");
		} else {
			*(uint32_t *)((char *)r->intf +
				      XPV_9PFS_OFF_RING_ORDER) = order;
		}
		r->port = plat->evtchn->alloc_unbound(evt, (xpv_domid_t)bdom);
		if (r->port < 0)
			die("alloc_unbound: %s", strerror(-r->port));
	}
}

static void unshare_rings(void)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		plat->evtchn->unbind(evt, (xpv_port_t)rs[i].port);
		/* The backend unmapped at Closed. */
		plat->gntshr->unshare(shr, rs[i].data, data_pages());
		plat->gntshr->unshare(shr, rs[i].intf, 1);
		memset(&rs[i], 0, sizeof(rs[i]));
	}
}

static void connect_share(void)
{
	unsigned int self = (unsigned int)xpv_sim_self_domid();
	int err;

	snprintf(fe, sizeof(fe), "/local/domain/%u/device/9pfs/%u", self,
		 devid);
	if (xpv_xs_read(xsh, XBT_NULL, fe, "backend", be, sizeof(be)) < 0)
		die("no %s/backend", fe);
	bdom = read_u32_or(fe, "backend-id", 0);
	if (wait_state(be, XenbusStateInitWait, TIMEOUT_MS))
		die("backend %s never reached InitWait", be);
	if (read_u32_or(be, "max-rings", 0) < nr && !hostile)
		die("backend offers fewer than %u rings", nr);
	if (read_u32_or(be, "max-ring-page-order", 0) < order && !hostile)
		die("backend offers ring order < %u", order);
	share_rings();
	err = xpv_xs_transact(xsh, write_keys, NULL);
	if (err)
		die("writing frontend keys: %s", strerror(-err));
	err = wait_state(be, XenbusStateConnected, TIMEOUT_MS);
	if (err == -EPIPE && hostile)
		exit(3);
	if (err)
		die("backend %s never reached Connected", be);
	xpv_xs_write(xsh, XBT_NULL, fe, "state", "4");
}

/* ---- raw ring access ---- */

static void kick(unsigned int i)
{
	plat->evtchn->notify(evt, (xpv_port_t)rs[i].port);
}

/* Waits for an event (any ring) for up to ms. */
static void wait_event(int ms)
{
	struct pollfd p = { .fd = plat->evtchn->fd(evt), .events = POLLIN };
	int port;

	if (poll(&p, 1, ms) > 0)
		while ((port = plat->evtchn->pending(evt)) >= 0)
			plat->evtchn->unmask(evt, (xpv_port_t)port);
}

/* Copies len bytes into ring i's out ring at its producer index plus
 * skip, without publishing. */
static void put_bytes(unsigned int i, uint32_t skip, const void *buf,
		      size_t len)
{
	const struct xpv_flex *o = &rs[i].out;
	uint32_t prod = *o->prod + skip, off, first;

	off = prod & (o->size - 1);
	first = o->size - off;
	if (first > len)
		first = (uint32_t)len;
	memcpy(o->data + off, buf, first);
	memcpy(o->data, (const uint8_t *)buf + first, len - first);
}

static void publish(unsigned int i, uint32_t len)
{
	xpv_wmb();
	*rs[i].out.prod += len;
	kick(i);
}

/* Sends a whole message on ring i, waiting for room. */
static void send_msg(unsigned int i, const void *msg, size_t len)
{
	uint64_t end = now_ms() + TIMEOUT_MS;

	while (xpv_flex_free_space(&rs[i].out) < (int)len) {
		if (now_ms() > end)
			die("ring %u: no room for %zu bytes", i, len);
		wait_event(10);
	}
	put_bytes(i, 0, msg, len);
	publish(i, (uint32_t)len);
}

/*
 * Receives the next reply on ring i into rbuf: its size, or -ETIMEDOUT.
 * Checks the header's size against the ring and msize.
 */
static int recv_msg(unsigned int i, int ms)
{
	struct xpv_9p_hdr h;
	uint64_t end = now_ms() + (uint64_t)ms;
	int err;

	for (;;) {
		err = xpv_flex_peek_9p_header(&rs[i].in, &h);
		if (!err && xpv_flex_queued(&rs[i].in) >= (int)h.size)
			break;
		if (err && err != -EAGAIN) {
			failf("ring %u: bad reply header: %s", i,
			      strerror(-err));
			return err;
		}
		if (!err && h.size > msize) {
			failf("ring %u: reply of %u bytes > msize %u", i,
			      h.size, msize);
			return -EMSGSIZE;
		}
		if (now_ms() > end)
			return -ETIMEDOUT;
		wait_event(10);
	}
	if (xpv_flex_read(&rs[i].in, rbuf, h.size))
		die("ring %u: reading %u bytes", i, h.size);
	kick(i);
	return (int)h.size;
}

/* One request on ring i, its reply in rbuf (checked: tag, type). */
static int rpc(unsigned int i, struct p9_cur *c, uint8_t rtype)
{
	uint16_t tag = (uint16_t)p9_le_get(c->data + 5, 2);
	int len, n;

	len = p9_end(c);
	if (len < 0)
		die("message too big");
	send_msg(i, c->data, (size_t)len);
	n = recv_msg(i, TIMEOUT_MS);
	if (n < 0) {
		failf("ring %u: no reply to type %u tag %u", i, c->data[4],
		      tag);
		return -ETIMEDOUT;
	}
	if (p9_le_get(rbuf + 5, 2) != tag) {
		failf("ring %u: reply tag %u for %u", i,
		      (unsigned int)p9_le_get(rbuf + 5, 2), tag);
		return -EPROTO;
	}
	if (rbuf[4] == P9_RLERROR)
		return -(int)p9_le_get(rbuf + 7, 4);
	if (rbuf[4] != rtype) {
		failf("ring %u: reply type %u, wanted %u", i, rbuf[4], rtype);
		return -EPROTO;
	}
	return n;
}

static uint8_t tbuf[1u << 20];

static struct p9_cur *msg(uint8_t type)
{
	static struct p9_cur c;

	p9_cur_init(&c, tbuf, sizeof(tbuf));
	p9_begin(&c, type, next_tag++);
	if (next_tag == P9_NOTAG)
		next_tag = 1;
	return &c;
}

/* ---- 9P helpers ---- */

static void version(unsigned int i)
{
	struct p9_cur *c = msg(P9_TVERSION), r;
	const char *s;
	uint16_t len;
	int n;

	/* Tversion is sent with NOTAG. */
	p9_le_put(c->data + 5, P9_NOTAG, 2);
	p9_put32(c, MSIZE_WANT);
	p9_putstr(c, "9P2000.L", 8);
	n = rpc(i, c, P9_TVERSION + 1);
	if (n < 0)
		die("Tversion: %s", strerror(-n));
	p9_cur_init(&r, rbuf, (size_t)n);
	r.pos = P9_HDR_SIZE;
	msize = p9_get32(&r);
	p9_getstr(&r, &s, &len);
	if (r.err || len != 8 || memcmp(s, "9P2000.L", 8))
		die("Rversion: not 9P2000.L");
	if (msize > XPV_FLEX_RING_SIZE(order) || msize < P9_MIN_MSIZE)
		failf("Rversion: msize %u for a ring of %u", msize,
		      XPV_FLEX_RING_SIZE(order));
}

static int attach(unsigned int i, uint32_t fid)
{
	struct p9_cur *c = msg(P9_TATTACH);

	p9_put32(c, fid);
	p9_put32(c, P9_NOFID);
	p9_putstr(c, "root", 4);
	p9_putstr(c, "", 0);
	p9_put32(c, 0);
	return rpc(i, c, P9_TATTACH + 1);
}

static int walk1(unsigned int i, uint32_t fid, uint32_t newfid,
		 const char *name)
{
	struct p9_cur *c = msg(P9_TWALK);

	p9_put32(c, fid);
	p9_put32(c, newfid);
	p9_put16(c, name ? 1 : 0);
	if (name)
		p9_putstr(c, name, strlen(name));
	return rpc(i, c, P9_TWALK + 1);
}

static int lcreate(unsigned int i, uint32_t fid, const char *name)
{
	struct p9_cur *c = msg(P9_TLCREATE);

	p9_put32(c, fid);
	p9_putstr(c, name, strlen(name));
	p9_put32(c, P9_DOTL_RDWR | P9_DOTL_CREATE);
	p9_put32(c, 0644);
	p9_put32(c, 0);
	return rpc(i, c, P9_TLCREATE + 1);
}

static int lopen(unsigned int i, uint32_t fid, uint32_t flags)
{
	struct p9_cur *c = msg(P9_TLOPEN);

	p9_put32(c, fid);
	p9_put32(c, flags);
	return rpc(i, c, P9_TLOPEN + 1);
}

static int write_at(unsigned int i, uint32_t fid, uint64_t off,
		    const void *buf, uint32_t len)
{
	struct p9_cur *c = msg(P9_TWRITE), r;
	int n;

	p9_put32(c, fid);
	p9_put64(c, off);
	p9_put32(c, len);
	memcpy(p9_cur_take(c, len, -EMSGSIZE), buf, len);
	n = rpc(i, c, P9_TWRITE + 1);
	if (n < 0)
		return n;
	p9_cur_init(&r, rbuf, (size_t)n);
	r.pos = P9_HDR_SIZE;
	return (int)p9_get32(&r);
}

/* Builds a Tread without sending it. */
static struct p9_cur *tread(uint32_t fid, uint64_t off, uint32_t count)
{
	struct p9_cur *c = msg(P9_TREAD);

	p9_put32(c, fid);
	p9_put64(c, off);
	p9_put32(c, count);
	return c;
}

/* Reads into buf: the count, or -errno. */
static int read_at(unsigned int i, uint32_t fid, uint64_t off, void *buf,
		   uint32_t len)
{
	uint32_t count;
	int n;

	n = rpc(i, tread(fid, off, len), P9_TREAD + 1);
	if (n < 0)
		return n;
	count = (uint32_t)p9_le_get(rbuf + 7, 4);
	if (count > len || P9_RREAD_HDR + count != (uint32_t)n) {
		failf("Rread: count %u, size %d for %u asked", count, n, len);
		return -EPROTO;
	}
	memcpy(buf, rbuf + P9_RREAD_HDR, count);
	return (int)count;
}

static int clunk(unsigned int i, uint32_t fid)
{
	struct p9_cur *c = msg(P9_TCLUNK);

	p9_put32(c, fid);
	return rpc(i, c, P9_TCLUNK + 1);
}

static uint64_t rng = 88172645463325252ull;

static void fill_random(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		p[i] = (uint8_t)rng;
	}
}

/* The host's copy of a file in the export, or NULL. */
static uint8_t *host_file(const char *name, size_t *len)
{
	char path[4096];
	struct stat st;
	uint8_t *b;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", export_dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !(b = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return NULL;
	}
	*len = (size_t)read(fd, b, (size_t)st.st_size);
	close(fd);
	return b;
}

static void unlink_file(unsigned int i, const char *name)
{
	struct p9_cur *c = msg(P9_TUNLINKAT);
	int n;

	p9_put32(c, 1);
	p9_putstr(c, name, strlen(name));
	p9_put32(c, 0);
	n = rpc(i, c, P9_TUNLINKAT + 1);
	if (n < 0)
		failf("unlinkat %s: %s", name, strerror(-n));
}

/* ---- scenarios ---- */

/* A file of len random bytes written on ring w through fid 10 (root 1). */
static void make_file(unsigned int w, const char *name, uint8_t *buf,
		      uint32_t len)
{
	uint32_t off, chunk, max = msize - P9_TWRITE_HDR;
	int n;

	fill_random(buf, len);
	if (walk1(w, 1, 10, NULL) < 0)
		failf("clone root");
	n = lcreate(w, 10, name);
	if (n < 0)
		die("lcreate %s: %s", name, strerror(-n));
	for (off = 0; off < len; off += chunk) {
		chunk = len - off < max ? len - off : max;
		n = write_at(w, 10, off, buf + off, chunk);
		if (n != (int)chunk)
			failf("Twrite at %u: %d of %u", off, n, chunk);
	}
	clunk(w, 10);
}

static void check_read(unsigned int i, const char *name, const uint8_t *want,
		       uint32_t len)
{
	uint32_t off, chunk, max = msize - P9_RREAD_HDR;
	uint8_t *got = malloc(len + 1);
	int n;

	if (!got)
		die("no memory");
	n = walk1(i, 1, 11, name);
	if (n < 0)
		failf("ring %u: walk %s: %s", i, name, strerror(-n));
	n = lopen(i, 11, P9_DOTL_RDONLY);
	if (n < 0)
		failf("ring %u: lopen %s: %s", i, name, strerror(-n));
	for (off = 0; off < len; off += (uint32_t)n) {
		chunk = len - off < max ? len - off : max;
		n = read_at(i, 11, off, got + off, chunk);
		if (n <= 0) {
			failf("ring %u: Tread at %u: %d", i, off, n);
			break;
		}
	}
	if (off >= len && memcmp(got, want, len))
		failf("ring %u: %s read back differs", i, name);
	n = read_at(i, 11, len, got, 100);
	if (n != 0)
		failf("ring %u: read at EOF gave %d", i, n);
	clunk(i, 11);
	free(got);
}

static void sc_basic(void)
{
	uint32_t len = 3 * msize + 12345;
	uint8_t *buf = malloc(len), *host;
	size_t hlen = 0;

	if (!buf)
		die("no memory");
	make_file(0, "raw-basic", buf, len);
	host = host_file("raw-basic", &hlen);
	if (!host || hlen != len || memcmp(host, buf, len))
		failf("basic: the host's file differs (%zu of %u bytes)", hlen,
		      len);
	free(host);
	check_read(0, "raw-basic", buf, len);
	unlink_file(0, "raw-basic");
	host = host_file("raw-basic", &hlen);
	if (host)
		failf("basic: the host's file is still there");
	free(host);
	free(buf);
	printf("basic: %u bytes written, read back, removed\n", len);
}

static void sc_rings(void)
{
	uint32_t len = 2 * msize + 777;
	uint8_t *buf = malloc(len);
	unsigned int i;

	if (!buf)
		die("no memory");
	make_file(0, "raw-rings", buf, len);
	for (i = 0; i < nr; i++)
		check_read(i, "raw-rings", buf, len);
	unlink_file(0, "raw-rings");
	printf("rings: one file read back on %u rings\n", nr);
	free(buf);
}

/*
 * Replies totalling 4x the in ring's size are asked for before any is
 * consumed: the backend must wait for room (never overwrite, never drop,
 * never truncate); then every reply must arrive whole, each with its own
 * tag and the right data.
 */
static void sc_fill(void)
{
	uint32_t ring = rs[0].in.size, chunk = ring / 3, count, total;
	uint32_t len = chunk * 12, k, n_req = 12, got = 0;
	uint8_t *buf = malloc(len), *seen = calloc(n_req, 1);
	uint16_t tag0;
	int n;

	if (!buf || !seen)
		die("no memory");
	if (chunk + P9_RREAD_HDR > msize)
		chunk = msize - P9_RREAD_HDR;
	make_file(0, "raw-fill", buf, len);
	if (walk1(0, 1, 12, "raw-fill") < 0 ||
	    lopen(0, 12, P9_DOTL_RDONLY) < 0)
		die("fill: open");
	tag0 = next_tag;
	for (k = 0; k < n_req; k++) {
		struct p9_cur *c = tread(12, (uint64_t)k * chunk, chunk);

		send_msg(0, c->data, (size_t)p9_end(c));
	}
	/* Let the backend run into the full ring. */
	usleep(300000);
	total = 0;
	while (got < n_req) {
		n = recv_msg(0, TIMEOUT_MS);
		if (n < 0) {
			failf("fill: %u of %u replies", got, n_req);
			break;
		}
		k = (uint32_t)((uint16_t)p9_le_get(rbuf + 5, 2) - tag0);
		count = (uint32_t)p9_le_get(rbuf + 7, 4);
		if (k >= n_req || seen[k] || rbuf[4] != P9_TREAD + 1 ||
		    count != chunk || (uint32_t)n != P9_RREAD_HDR + chunk) {
			failf("fill: reply %u: tag slot %u type %u count %u",
			      got, k, rbuf[4], count);
			break;
		}
		seen[k] = 1;
		if (memcmp(rbuf + P9_RREAD_HDR, buf + (size_t)k * chunk,
			   chunk))
			failf("fill: reply %u has the wrong data", k);
		total += (uint32_t)n;
		got++;
	}
	clunk(0, 12);
	unlink_file(0, "raw-fill");
	printf("fill: %u replies, %u bytes through a %u-byte ring\n", got,
	       total, ring);
	free(buf);
	free(seen);
}

static void sc_split(void)
{
	struct p9_cur *c = msg(P9_TGETATTR);
	int len, n;

	p9_put32(c, 1);
	p9_put64(c, P9_GETATTR_BASIC);
	len = p9_end(c);
	put_bytes(0, 0, c->data, (size_t)len);
	/* The header only, for 200 ms: the backend must wait, not wedge. */
	publish(0, P9_HDR_SIZE);
	usleep(200000);
	if (xpv_flex_queued(&rs[0].in) > 0)
		failf("split: a reply before the message was whole");
	publish(0, (uint32_t)len - P9_HDR_SIZE);
	n = recv_msg(0, TIMEOUT_MS);
	if (n < 0 || rbuf[4] != P9_TGETATTR + 1)
		failf("split: no Rgetattr (%d, type %u)", n, rbuf[4]);
	else
		printf("split: header then body 200 ms later: answered\n");
}

/*
 * A Tfsync (slowed to 2 s by the test) then a Tgetattr on the same ring:
 * the getattr's reply must come while the fsync still runs.
 */
static void sc_concurrent(void)
{
	struct p9_cur *c;
	uint8_t b[16] = "concurrent";
	uint64_t t0, t_get = 0, t_sync = 0;
	uint16_t tag_sync;
	int n, k;

	if (walk1(0, 1, 13, NULL) < 0 || lcreate(0, 13, "raw-conc") < 0)
		die("concurrent: create");
	write_at(0, 13, 0, b, sizeof(b));
	t0 = now_ms();
	c = msg(P9_TFSYNC);
	tag_sync = (uint16_t)p9_le_get(c->data + 5, 2);
	p9_put32(c, 13);
	p9_put32(c, 0);
	send_msg(0, c->data, (size_t)p9_end(c));
	c = msg(P9_TGETATTR);
	p9_put32(c, 1);
	p9_put64(c, P9_GETATTR_BASIC);
	send_msg(0, c->data, (size_t)p9_end(c));
	for (k = 0; k < 2; k++) {
		n = recv_msg(0, 3 * TIMEOUT_MS);
		if (n < 0)
			die("concurrent: missing reply");
		if (p9_le_get(rbuf + 5, 2) == tag_sync)
			t_sync = now_ms() - t0;
		else
			t_get = now_ms() - t0;
	}
	clunk(0, 13);
	unlink_file(0, "raw-conc");
	printf("concurrent: getattr answered after %llu ms, fsync after "
	       "%llu ms\n", (unsigned long long)t_get,
	       (unsigned long long)t_sync);
	if (t_get >= t_sync)
		failf("concurrent: the getattr waited for the fsync");
}

/* The frontend closes and connects again: a working share. */
static void sc_reconnect(void)
{
	int n;

	xpv_xs_write(xsh, XBT_NULL, fe, "state", "5");
	if (wait_state(be, XenbusStateClosing, TIMEOUT_MS))
		failf("reconnect: backend did not follow to Closing");
	xpv_xs_write(xsh, XBT_NULL, fe, "state", "6");
	if (wait_state(be, XenbusStateClosed, TIMEOUT_MS))
		failf("reconnect: backend not Closed");
	unshare_rings();
	xpv_xs_write(xsh, XBT_NULL, fe, "state", "1");
	connect_share();
	version(0);
	n = attach(0, 1);
	if (n < 0)
		failf("reconnect: attach: %s", strerror(-n));
	sc_basic();
	printf("reconnect: served again\n");
}

/* After a hostile message on ring 0: the ring says nothing more, the
 * others (and so the daemon) still serve. */
static void expect_ring0_stopped(const char *what, uint32_t in_prod0)
{
	uint8_t b[64];
	int n;

	/* No reply: in_prod does not move (read raw: in_cons may be a
	 * lie of ours). */
	usleep(500000);
	if (*rs[0].in.prod != in_prod0)
		failf("%s: ring 0 answered (in_prod moved by %u)", what,
		      *rs[0].in.prod - in_prod0);
	if (nr < 2) {
		failf("%s: needs 2 rings", what);
		return;
	}
	n = walk1(1, 1, 20, NULL);
	if (n < 0)
		failf("%s: ring 1 no longer serves: %s", what, strerror(-n));
	n = lcreate(1, 20, "raw-after");
	if (n >= 0)
		n = write_at(1, 20, 0, "still alive", 11);
	if (n != 11)
		failf("%s: ring 1 write: %d", what, n);
	n = read_at(1, 20, 0, b, sizeof(b));
	if (n != 11 || memcmp(b, "still alive", 11))
		failf("%s: ring 1 read back: %d", what, n);
	clunk(1, 20);
	unlink_file(1, "raw-after");
	printf("%s: ring 0 stopped, ring 1 serves\n", what);
}

static void sc_size(uint32_t size, const char *what)
{
	struct p9_cur *c = msg(P9_TGETATTR);

	p9_put32(c, 1);
	p9_put64(c, P9_GETATTR_BASIC);
	p9_end(c);
	p9_le_put(c->data, size, 4);	/* the lie */
	put_bytes(0, 0, c->data, 15);
	publish(0, 15);
	expect_ring0_stopped(what, *rs[0].in.prod);
}

static void sc_prodbeyond(void)
{
	*rs[0].out.prod += rs[0].out.size + 64;
	kick(0);
	expect_ring0_stopped("prodbeyond", *rs[0].in.prod);
}

static void sc_incons(void)
{
	/* A request whose reply the backend must place: in_cons says the
	 * frontend consumed more than was ever produced. */
	uint32_t prod0 = *rs[0].in.prod;

	*rs[0].in.cons += rs[0].in.size * 2;
	{
		struct p9_cur *c = msg(P9_TGETATTR);

		p9_put32(c, 1);
		p9_put64(c, P9_GETATTR_BASIC);
		send_msg(0, c->data, (size_t)p9_end(c));
	}
	expect_ring0_stopped("incons", prod0);
}

/* ---- the server's confinement, through the ring (hostile suite) ---- */

/* A Twalk of n raw names (each name[i] of len[i] bytes) from fid 1. */
static int walkn(uint32_t newfid, unsigned int n, const char *const *name,
		 const size_t *len)
{
	struct p9_cur *c = msg(P9_TWALK);
	unsigned int k;

	p9_put32(c, 1);
	p9_put32(c, newfid);
	p9_put16(c, (uint16_t)n);
	for (k = 0; k < n; k++)
		p9_putstr(c, name[k], len[k]);
	return rpc(0, c, P9_TWALK + 1);
}

static void must_fail(int n, const char *what)
{
	if (n >= 0)
		failf("%s: succeeded (%d), must fail", what, n);
	else
		printf("%s: refused: %s\n", what, strerror(-n));
}

/*
 * Names no file may have, `..` at the root, 17 names, a symlink to /etc
 * the host left in the export (walked through, opened, created under),
 * fid reuse, Tversion mid-session: each refused or harmless, and the
 * share still serves afterwards.
 */
static void sc_confine(void)
{
	static const char slash[] = "a/b", nul[] = { 'a', 0, 'b' };
	const char *names[17];
	size_t lens[17];
	unsigned int k;
	int n;

	names[0] = slash;
	lens[0] = 3;
	must_fail(walkn(30, 1, names, lens), "walk 'a/b'");
	names[0] = nul;
	lens[0] = 3;
	must_fail(walkn(30, 1, names, lens), "walk 'a\\0b'");
	names[0] = "";
	lens[0] = 0;
	must_fail(walkn(30, 1, names, lens), "walk ''");
	for (k = 0; k < 17; k++) {
		names[k] = ".";
		lens[k] = 1;
	}
	must_fail(walkn(30, 17, names, lens), "walk of 17 names");
	/* `..` at the root: the root again. */
	n = walk1(0, 1, 31, NULL);
	if (n < 0)
		die("clone root");
	names[0] = "..";
	lens[0] = 2;
	n = walkn(32, 1, names, lens);
	if (n < 0)
		failf("walk '..' at the root: %s", strerror(-n));
	else
		printf("walk '..' at the root: stays at the root\n");
	/* Through the symlink to /etc: never. */
	names[0] = "escape";
	names[1] = "passwd";
	lens[0] = 6;
	lens[1] = 6;
	/* A partial walk is the answer: the symlink's qid, not passwd's,
	 * and newfid not made (9P's walk(5)). */
	n = walkn(33, 2, names, lens);
	if (n >= 0 && p9_le_get(rbuf + P9_HDR_SIZE, 2) >= 2)
		failf("walk escape/passwd: went through the symlink");
	else
		printf("walk escape/passwd: stops at the symlink (%s)\n",
		       n < 0 ? strerror(-n) : "partial Rwalk");
	must_fail(walk1(0, 33, 36, NULL), "fid of the partial walk");
	if (walk1(0, 1, 34, "escape") >= 0) {
		must_fail(lopen(0, 34, P9_DOTL_RDONLY), "lopen of the symlink");
		must_fail(lcreate(0, 34, "planted"), "lcreate under the symlink");
	}
	must_fail(lcreate(0, 31, ".."), "lcreate '..'");
	/* fid reuse: attach and walk onto fids in use. */
	must_fail(attach(0, 31), "attach onto a fid in use");
	must_fail(walk1(0, 1, 31, NULL), "walk onto a fid in use");
	/* Tversion mid-session: every fid gone, then a working share. */
	version(0);
	must_fail(walk1(0, 31, 35, NULL), "fid 31 after Tversion");
	n = attach(0, 1);
	if (n < 0)
		failf("attach after Tversion: %s", strerror(-n));
	/* And the share still serves. */
	sc_basic();
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "export", required_argument, NULL, 'e' },
		{ "devid", required_argument, NULL, 'd' },
		{ "rings", required_argument, NULL, 'r' },
		{ "order", required_argument, NULL, 'o' },
		{ "hostile", no_argument, NULL, 'H' },
		{ "xs", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	int c, i, n;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			export_dir = optarg;
			break;
		case 'd':
			devid = (unsigned int)atoi(optarg);
			break;
		case 'r':
			nr = (unsigned int)atoi(optarg);
			break;
		case 'o':
			order = (unsigned int)atoi(optarg);
			break;
		case 'H':
			hostile = true;
			break;
		case 'x': {
			char *eq = strchr(optarg, '=');

			if (!eq || eq == optarg || nr_xs == MAX_XS)
				die("--xs KEY=VALUE (at most %d)", MAX_XS);
			*eq = '\0';
			xs_keys[nr_xs] = optarg;
			xs_vals[nr_xs++] = eq + 1;
			break;
		}
		default:
			return 99;
		}
	}
	if (!export_dir || nr < 1 || nr > MAXR || order > 10)
		die("usage: see the top of p9-ring-raw.c");
	rbuf = malloc(1u << 21);
	if (!rbuf)
		die("no memory");
	plat = xpv_platform_get("sim");
	if (xpv_xs_open(&xsh))
		die("cannot open XenStore");
	if (plat->gntshr->open(&shr) || plat->evtchn->open(&evt))
		die("platform");
	connect_share();
	version(0);
	n = attach(0, 1);
	if (n < 0)
		die("Tattach: %s", strerror(-n));
	for (i = optind; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "basic"))
			sc_basic();
		else if (!strcmp(s, "rings"))
			sc_rings();
		else if (!strcmp(s, "fill"))
			sc_fill();
		else if (!strcmp(s, "split"))
			sc_split();
		else if (!strcmp(s, "concurrent"))
			sc_concurrent();
		else if (!strcmp(s, "reconnect"))
			sc_reconnect();
		else if (!strcmp(s, "size6"))
			sc_size(6, "size6");
		else if (!strcmp(s, "sizebig"))
			sc_size(msize + 1, "sizebig");
		else if (!strcmp(s, "prodbeyond"))
			sc_prodbeyond();
		else if (!strcmp(s, "confine"))
			sc_confine();
		else if (!strcmp(s, "incons"))
			sc_incons();
		else
			die("unknown scenario %s", s);
	}
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
