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
 * ring, what the host directory says) and, for one request at a time,
 * that out_cons passed the request before its reply came (Linux never
 * wakes from a wait for room, so the room must be back by then).
 *
 *   p9-ring-raw --export DIR [--devid N] [--rings N] [--order N]
 *               [--page-order N] [--hostile] [--xs KEY=VALUE]...
 *               [--max-fids N] [--xenpvd-pid PID] SCENARIO...
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
 *     lone        the same, the Tgetattr sent 100 ms after the Tfsync,
 *                 after quick messages one at a time: the backend takes
 *                 the Tfsync as a lone quick message and keeps the lead,
 *                 and its watch must hand it on.  With XPV_RAW_GATE=PATH
 *                 it creates PATH.ready before the Tfsync and waits for
 *                 PATH (the test slows fsync down only then: a tracer
 *                 slows every message, and slow ones are not lone
 *                 quick ones)
 *     consnote    a slow Tfsync alone, msize the whole ring: the backend
 *                 announces the consumed message (an event, out_cons
 *                 past it) long before the reply (same slowed fsync)
 *     reconnect   Closing/Closed, then a new connection: a working share
 *   hostile (the ring is stopped and nothing of the message runs; the
 *   other rings and the daemon keep serving: checked):
 *     size6       a message of size 6
 *     sizebig     size above the negotiated msize
 *     prodbeyond  out_prod more than a ring's size ahead of out_cons
 *     incons      in_cons moved beyond what the backend produced
 *     orderlie    (with --page-order below --order) ring 0's page says a
 *                 smaller ring than the frontend laid out
 *   --page-order N: ring 0's interface page says ring_order N while the
 *   frontend granted 2^order pages (above: --hostile, refused, exit 3).
 *   hostile 9P messages at the server (each answered as p9srv.c says, the
 *   share serving after each, the host's side checked through DIR; the
 *   hostile suite makes the host's part: devnodes wants DIR/null (c 1 3)
 *   and DIR/hfifo, symlinks wants DIR/abs -> /etc, DIR/rel -> ../.. and
 *   DIR/rel2 -> ../../..):
 *     confine     bad names, `..` at the root, a host symlink, fids in use
 *     strpast     strings longer than what is left of the message
 *     countpast   arrays longer than the message, fields cut off
 *     bigcount    Tread/Treaddir counts above msize, lying Twrite counts
 *     offsets     Tread/Twrite/Tsetattr/Tlock offsets near 2^63 and 2^64
 *     fidreuse    new fids in use, opened fids reused, racing fids
 *     devnodes    Tmknod of devices; device nodes and FIFOs never opened
 *     readdir     Treaddir of a file, at offsets never given
 *     symlinks    through, on and under the host's symlinks
 *     swapdir     a held directory renamed and replaced by a symlink
 *     flush       Tflush of unknown, finished and in-flight tags, across
 *                 rings
 *     manyfids    fids to the cap (--max-fids, 16384) twice, then 10000
 *                 (--xenpvd-pid: its memory must not grow)
 *     xattr       Txattrcreate sizes, 64 KiB set and read back, the
 *                 session's xattr budget
 *
 * Exit: 0 all passed, 1 a check failed, 3 refused (--hostile: the
 * backend closed instead of connecting), 99 set-up error.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
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
static unsigned int page_order; /* 0: as order */
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

/*
 * --page-order: ring 0's interface page says page_order while the
 * frontend granted 2^order data pages (and laid out its rings for that
 * order); references past its 2^order are 0, a reference never granted.
 */
static void lie_order(struct ring *r)
{
	uint8_t *p = r->intf;
	unsigned int k;

	for (k = 1u << order; k < (1u << page_order); k++)
		memset(p + XPV_9PFS_OFF_REF + 4 * k, 0, 4);
	*(uint32_t *)(p + XPV_9PFS_OFF_RING_ORDER) = page_order;
	hostile = true;
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
			if (!i && page_order && page_order != order)
				lie_order(r);
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
/* Waits up to ms for an event and takes every pending one: whether
 * there was one. */
static bool wait_event(int ms)
{
	struct pollfd p = { .fd = plat->evtchn->fd(evt), .events = POLLIN };
	bool got = false;
	int port;

	if (poll(&p, 1, ms) > 0)
		while ((port = plat->evtchn->pending(evt)) >= 0) {
			plat->evtchn->unmask(evt, (xpv_port_t)port);
			got = true;
		}
	return got;
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
 * Receives the next reply on ring i into rbuf: its size, or -ETIMEDOUT
 * (ms 0: only what is there already).  Checks the header's size against
 * the ring and msize.  Tells the backend of the room made unless
 * !notify (a caller draining many replies kicks once after).
 */
static int recv_msg_k(unsigned int i, int ms, bool notify)
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
		if (!ms || now_ms() > end)
			return -ETIMEDOUT;
		wait_event(10);
	}
	if (xpv_flex_read(&rs[i].in, rbuf, h.size))
		die("ring %u: reading %u bytes", i, h.size);
	if (notify)
		kick(i);
	return (int)h.size;
}

static int recv_msg(unsigned int i, int ms)
{
	return recv_msg_k(i, ms, true);
}

/*
 * One request on ring i, its reply in rbuf (checked: tag, type).  Its
 * bytes must have been given back (out_cons past it) by the time its
 * reply is there: Linux sends its next message once it has the reply and
 * never wakes from a wait for room (backend/9pfs/p9ring.c).
 */
static int rpc(unsigned int i, struct p9_cur *c, uint8_t rtype)
{
	uint16_t tag = (uint16_t)p9_le_get(c->data + 5, 2);
	uint32_t end;
	int len, n;

	len = p9_end(c);
	if (len < 0)
		die("message too big");
	send_msg(i, c->data, (size_t)len);
	end = *rs[i].out.prod;
	n = recv_msg(i, TIMEOUT_MS);
	if (n < 0) {
		failf("ring %u: no reply to type %u tag %u", i, c->data[4],
		      tag);
		return -ETIMEDOUT;
	}
	xpv_rmb();
	if ((int32_t)(xpv_read_once_u32(rs[i].out.cons) - end) < 0)
		failf("ring %u: reply to type %u tag %u before its bytes were "
		      "given back (out_cons %u, message end %u)", i,
		      c->data[4], tag, xpv_read_once_u32(rs[i].out.cons),
		      end);
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
 * Says PATH.ready and waits (up to 20 s) for PATH to exist: the test
 * gets ready for what comes next (p9_raw's caller, XPV_RAW_GATE).
 */
static void open_gate(const char *name, const char *path)
{
	char ready[PATH_MAX];
	unsigned int i;
	int fd;

	snprintf(ready, sizeof(ready), "%s.ready", path);
	fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("%s: %s: %s", name, ready, strerror(errno));
	close(fd);
	for (i = 0; i < 2000 && access(path, F_OK) < 0; i++)
		usleep(10000);
	if (access(path, F_OK) < 0)
		die("%s: %s never came", name, path);
}

/*
 * A Tfsync (slowed to 2 s by the test) then, gap_ms later, a Tgetattr on
 * the same ring: the getattr's reply must come while the fsync still
 * runs.  With a gap, the Tfsync was taken alone: the backend's hand-on
 * of the lead is on trial (p9ring.c), and the getattr must be answered
 * well within 500 ms of being sent.
 */
static void concurrent(const char *name, unsigned int gap_ms)
{
	struct p9_cur *c;
	uint8_t b[16] = "concurrent";
	uint64_t t0, t1, t_get = 0, t_sync = 0;
	const char *gate = getenv("XPV_RAW_GATE");
	uint16_t tag_sync;
	int n, k;

	if (walk1(0, 1, 13, NULL) < 0 || lcreate(0, 13, "raw-conc") < 0)
		die("%s: create", name);
	write_at(0, 13, 0, b, sizeof(b));
	/* Quick ones, one at a time, last before the Tfsync (the gate
	 * sends nothing). */
	for (k = 0; gap_ms && k < 4; k++)
		write_at(0, 13, 0, b, sizeof(b));
	if (gap_ms && gate)
		open_gate(name, gate);
	t0 = now_ms();
	c = msg(P9_TFSYNC);
	tag_sync = (uint16_t)p9_le_get(c->data + 5, 2);
	p9_put32(c, 13);
	p9_put32(c, 0);
	send_msg(0, c->data, (size_t)p9_end(c));
	if (gap_ms)
		usleep(gap_ms * 1000);
	t1 = now_ms();
	c = msg(P9_TGETATTR);
	p9_put32(c, 1);
	p9_put64(c, P9_GETATTR_BASIC);
	send_msg(0, c->data, (size_t)p9_end(c));
	for (k = 0; k < 2; k++) {
		n = recv_msg(0, 3 * TIMEOUT_MS);
		if (n < 0)
			die("%s: missing reply", name);
		if (p9_le_get(rbuf + 5, 2) == tag_sync)
			t_sync = now_ms() - t0;
		else
			t_get = now_ms() - t0;
	}
	clunk(0, 13);
	unlink_file(0, "raw-conc");
	printf("%s: getattr sent after %llu ms, answered after %llu ms, "
	       "fsync after %llu ms\n", name,
	       (unsigned long long)(t1 - t0), (unsigned long long)t_get,
	       (unsigned long long)t_sync);
	if (t_get >= t_sync)
		failf("%s: the getattr waited for the fsync", name);
	else if (gap_ms && t_get > t1 - t0 + 500)
		failf("%s: the getattr waited %llu ms", name,
		      (unsigned long long)(t_get - (t1 - t0)));
}

/*
 * A Tfsync (slowed to 2 s by the test) alone on ring 0.  msize is the
 * whole ring, so a frontend may wait for all of it to be free before its
 * next message: the backend must announce that it consumed the Tfsync (an
 * event, with out_cons past it) without waiting for the reply.
 */
static void sc_consnote(void)
{
	uint8_t b[16] = "consnote";
	struct p9_cur *c;
	uint64_t t0, t_ev = 0, t_sync;
	bool seen = false;
	uint32_t prod;
	int n;

	if (msize < XPV_FLEX_RING_SIZE(order))
		die("consnote: msize %u is not the ring's %u", msize,
		    XPV_FLEX_RING_SIZE(order));
	if (walk1(0, 1, 14, NULL) < 0 || lcreate(0, 14, "raw-cons") < 0)
		die("consnote: create");
	write_at(0, 14, 0, b, sizeof(b));
	while (wait_event(0))
		;
	c = msg(P9_TFSYNC);
	p9_put32(c, 14);
	p9_put32(c, 0);
	t0 = now_ms();
	send_msg(0, c->data, (size_t)p9_end(c));
	prod = xpv_read_once_u32(rs[0].out.prod);
	/* An event, and out_cons past the Tfsync when it came. */
	while (!seen && now_ms() - t0 < 1500) {
		if (!wait_event(50))
			continue;
		if (xpv_read_once_u32(rs[0].out.cons) == prod) {
			t_ev = now_ms() - t0;
			seen = true;
		}
	}
	n = recv_msg(0, 3 * TIMEOUT_MS);
	if (n < 0)
		die("consnote: no reply to the Tfsync");
	t_sync = now_ms() - t0;
	clunk(0, 14);
	unlink_file(0, "raw-cons");
	if (seen)
		printf("consnote: consumed announced after %llu ms, fsync "
		       "answered after %llu ms\n", (unsigned long long)t_ev,
		       (unsigned long long)t_sync);
	if (!seen || t_ev + 500 > t_sync)
		failf("consnote: the consumed message was announced only "
		      "with its reply");
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

/*
 * --page-order below --order: ring 0's page says a smaller ring than the
 * frontend laid out, so the backend looks for messages where the
 * frontend never writes; what it finds there (zeros: a size of 0) stops
 * ring 0 with a log line.  Ring 1, honest, serves (the session was
 * started on it).
 */
static void sc_orderlie(void)
{
	struct p9_cur *c = msg(P9_TGETATTR);
	uint32_t prod0 = *rs[0].in.prod;

	if (!page_order || page_order >= order)
		die("orderlie: wants --page-order below --order");
	p9_put32(c, 1);
	p9_put64(c, P9_GETATTR_BASIC);
	send_msg(0, c->data, (size_t)p9_end(c));
	expect_ring0_stopped("orderlie", prod0);
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

/* ---- hostile 9P messages at the server, one scenario a case ---- */

/*
 * Each scenario below runs on the share attached at fid 1, sends its
 * messages on ring 0 (ring 1 too where said) and checks the exact answer:
 * the errno the server chooses for each refusal is listed at the top of
 * backend/9pfs/p9srv.c.  After every hostile message the share must
 * still answer a Tgetattr of its root (refused() does both), and what
 * the server could have touched is checked on the host through --export.
 * These messages are well framed (their size field is right): the ring
 * keeps serving, only the 9P inside is hostile.
 */

#define QID_PATH(b) p9_le_get((b) + 5, 8)
#define NAME_MAX9 255 /* the longest name a server may send */

/* The scenarios' own options (--max-fids, --xenpvd-pid). */
static uint32_t max_fids = 16384;
static long daemon_pid;

/* The share still serves: a Tgetattr of the root answered. */
static void served(const char *after)
{
	struct p9_cur *c = msg(P9_TGETATTR);
	int n;

	p9_put32(c, 1);
	p9_put64(c, P9_GETATTR_BASIC);
	n = rpc(0, c, P9_TGETATTR + 1);
	if (n < 0)
		failf("after %s: Tgetattr of the root: %s", after,
		      strerror(-n));
}

/* n (an rpc()'s result) must be Rlerror e1, or e2 when e2 is not 0; then
 * the share must still serve. */
static void refused(int n, const char *what, int e1, int e2)
{
	if (n == -e1 || (e2 && n == -e2))
		printf("%s: %s\n", what, strerror(-n));
	else if (n >= 0)
		failf("%s: succeeded, must fail with %s", what, strerror(e1));
	else
		failf("%s: %s, must be %s", what, strerror(-n), strerror(e1));
	served(what);
}

static void must_work(int n, const char *what)
{
	if (n < 0)
		failf("%s: %s", what, strerror(-n));
}

/* A refused message made no fid: fid is unknown to the server. */
static void no_fid(uint32_t fid, const char *what)
{
	int n = clunk(0, fid);

	if (n != -EBADF)
		failf("%s: fid %u exists (Tclunk: %s)", what, fid,
		      n < 0 ? strerror(-n) : "Rclunk");
}

/* A string whose length field says claimed, of which len bytes follow. */
static void put_lie(struct p9_cur *c, uint16_t claimed, const char *s,
		    size_t len)
{
	uint8_t *p;

	p9_put16(c, claimed);
	p = p9_cur_take(c, len, -EMSGSIZE);
	if (p)
		memcpy(p, s, len);
}

static void host_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", export_dir, name);
}

/* lstat of name in the export: 0, or -errno. */
static int host_lstat(const char *name, struct stat *st)
{
	char path[4096];

	host_path(path, sizeof(path), name);
	return lstat(path, st) ? -errno : 0;
}

static bool host_exists(const char *name)
{
	struct stat st;

	return host_lstat(name, &st) == 0;
}

/* A file of len bytes of buf in the export, made on the host. */
static void host_put(const char *name, const void *buf, size_t len)
{
	char path[4096];
	int fd;

	host_path(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		die("host: writing %s: %s", path, strerror(errno));
	close(fd);
}

static void host_unlink(const char *name)
{
	char path[4096];

	host_path(path, sizeof(path), name);
	(void)unlink(path);
}

static int walkv(uint32_t fid, uint32_t newfid, unsigned int n,
		 const char *const *names)
{
	struct p9_cur *c = msg(P9_TWALK);
	unsigned int k;

	p9_put32(c, fid);
	p9_put32(c, newfid);
	p9_put16(c, (uint16_t)n);
	for (k = 0; k < n; k++)
		p9_putstr(c, names[k], strlen(names[k]));
	return rpc(0, c, P9_TWALK + 1);
}

/* Tgetattr of fid on ring 0: 0 and its qid, or -errno. */
static int getattr_of(uint32_t fid, struct p9_qid *q)
{
	struct p9_cur *c = msg(P9_TGETATTR);
	int n;

	p9_put32(c, fid);
	p9_put64(c, P9_GETATTR_BASIC);
	n = rpc(0, c, P9_TGETATTR + 1);
	if (n < 0)
		return n;
	if (n < (int)(P9_HDR_SIZE + 8 + P9_QID_SIZE + 4)) {
		failf("Rgetattr of %d bytes", n);
		return -EPROTO;
	}
	q->type = rbuf[15];
	q->path = QID_PATH(rbuf + 15);
	return 0;
}

static int mkdir9(uint32_t dfid, const char *name)
{
	struct p9_cur *c = msg(P9_TMKDIR);

	p9_put32(c, dfid);
	p9_putstr(c, name, strlen(name));
	p9_put32(c, 0755);
	p9_put32(c, 0);
	return rpc(0, c, P9_TMKDIR + 1);
}

static int mknod9(uint32_t dfid, const char *name, uint32_t mode,
		  uint32_t major, uint32_t minor)
{
	struct p9_cur *c = msg(P9_TMKNOD);

	p9_put32(c, dfid);
	p9_putstr(c, name, strlen(name));
	p9_put32(c, mode);
	p9_put32(c, major);
	p9_put32(c, minor);
	p9_put32(c, 0);
	return rpc(0, c, P9_TMKNOD + 1);
}

static int symlink9(uint32_t dfid, const char *name, const char *target)
{
	struct p9_cur *c = msg(P9_TSYMLINK);

	p9_put32(c, dfid);
	p9_putstr(c, name, strlen(name));
	p9_putstr(c, target, strlen(target));
	p9_put32(c, 0);
	return rpc(0, c, P9_TSYMLINK + 1);
}

static int link9(uint32_t dfid, uint32_t fid, const char *name)
{
	struct p9_cur *c = msg(P9_TLINK);

	p9_put32(c, dfid);
	p9_put32(c, fid);
	p9_putstr(c, name, strlen(name));
	return rpc(0, c, P9_TLINK + 1);
}

static int renameat9(uint32_t odfid, const char *oname, uint32_t ndfid,
		     const char *nname)
{
	struct p9_cur *c = msg(P9_TRENAMEAT);

	p9_put32(c, odfid);
	p9_putstr(c, oname, strlen(oname));
	p9_put32(c, ndfid);
	p9_putstr(c, nname, strlen(nname));
	return rpc(0, c, P9_TRENAMEAT + 1);
}

static int rename9(uint32_t fid, uint32_t dfid, const char *name)
{
	struct p9_cur *c = msg(P9_TRENAME);

	p9_put32(c, fid);
	p9_put32(c, dfid);
	p9_putstr(c, name, strlen(name));
	return rpc(0, c, P9_TRENAME + 1);
}

static int unlinkat9(uint32_t dfid, const char *name, uint32_t flags)
{
	struct p9_cur *c = msg(P9_TUNLINKAT);

	p9_put32(c, dfid);
	p9_putstr(c, name, strlen(name));
	p9_put32(c, flags);
	return rpc(0, c, P9_TUNLINKAT + 1);
}

static int remove9(uint32_t fid)
{
	struct p9_cur *c = msg(P9_TREMOVE);

	p9_put32(c, fid);
	return rpc(0, c, P9_TREMOVE + 1);
}

/* Tsetattr of the valid fields; times (both) set to t seconds. */
static int setattr9(uint32_t fid, uint32_t valid, uint32_t mode, uint32_t uid,
		    uint32_t gid, uint64_t size, uint64_t t)
{
	struct p9_cur *c = msg(P9_TSETATTR);

	p9_put32(c, fid);
	p9_put32(c, valid);
	p9_put32(c, mode);
	p9_put32(c, uid);
	p9_put32(c, gid);
	p9_put64(c, size);
	p9_put64(c, t);
	p9_put64(c, 0);
	p9_put64(c, t);
	p9_put64(c, 0);
	return rpc(0, c, P9_TSETATTR + 1);
}

static int xattrcreate9(uint32_t fid, const char *name, uint64_t size)
{
	struct p9_cur *c = msg(P9_TXATTRCREATE);

	p9_put32(c, fid);
	p9_putstr(c, name, strlen(name));
	p9_put64(c, size);
	p9_put32(c, 0);
	return rpc(0, c, P9_TXATTRCREATE + 1);
}

/* Txattrwalk: the value's size, or -errno. */
static int64_t xattrwalk9(uint32_t fid, uint32_t newfid, const char *name)
{
	struct p9_cur *c = msg(P9_TXATTRWALK);
	int n;

	p9_put32(c, fid);
	p9_put32(c, newfid);
	p9_putstr(c, name, strlen(name));
	n = rpc(0, c, P9_TXATTRWALK + 1);
	if (n < 0)
		return n;
	return (int64_t)p9_le_get(rbuf + P9_HDR_SIZE, 8);
}

static int readdir9(uint32_t fid, uint64_t off, uint32_t count)
{
	struct p9_cur *c = msg(P9_TREADDIR);

	p9_put32(c, fid);
	p9_put64(c, off);
	p9_put32(c, count);
	return rpc(0, c, P9_TREADDIR + 1);
}

/* A Twrite of len bytes whose count field says count. */
static int write_lie(uint32_t fid, uint64_t off, uint32_t count,
		     const void *buf, uint32_t len)
{
	struct p9_cur *c = msg(P9_TWRITE);

	p9_put32(c, fid);
	p9_put64(c, off);
	p9_put32(c, count);
	memcpy(p9_cur_take(c, len, -EMSGSIZE), buf, len);
	return rpc(0, c, P9_TWRITE + 1);
}

/* fid (a new one) walked from the root to name and opened with flags. */
static void open_fid(uint32_t fid, const char *name, uint32_t flags)
{
	int n = walk1(0, 1, fid, name);

	if (n >= 0)
		n = lopen(0, fid, flags);
	if (n < 0)
		die("opening %s as fid %u: %s", name ? name : "the root", fid,
		    strerror(-n));
}

/* ---- 1: strings past the end of the message ---- */

/*
 * Strings whose length field runs past the end of the message (whose
 * own size is right).  Expected of each: Rlerror EBADMSG (a message
 * shorter than its fields say), nothing made, renamed, removed or
 * attached (the server parses every field before it acts), the session
 * not reset, and the share serving after it.
 */
static void sc_strpast(void)
{
	static const uint8_t data[4] = "abc";
	struct p9_cur *c;
	struct p9_qid q;

	c = msg(P9_TWALK);
	p9_put32(c, 1);
	p9_put32(c, 40);
	p9_put16(c, 1);
	put_lie(c, 300, "abc", 3);
	refused(rpc(0, c, P9_TWALK + 1), "Twalk: name of 300 bytes, 3 sent",
		EBADMSG, 0);
	no_fid(40, "Twalk past the end");

	host_put("victim", data, 3);
	if (walk1(0, 1, 41, NULL) < 0)
		die("clone root");
	c = msg(P9_TLCREATE);
	p9_put32(c, 41);
	put_lie(c, 1000, "planted1", 8);
	refused(rpc(0, c, P9_TLCREATE + 1),
		"Tlcreate: name of 1000 bytes, 8 sent", EBADMSG, 0);
	c = msg(P9_TLCREATE);
	p9_put32(c, 41);
	put_lie(c, 0xffff, "planted2", 8);
	p9_put32(c, P9_DOTL_RDWR);
	p9_put32(c, 0644);
	p9_put32(c, 0);
	refused(rpc(0, c, P9_TLCREATE + 1),
		"Tlcreate: name of 65535 bytes, 20 sent", EBADMSG, 0);
	if (host_exists("planted1") || host_exists("planted2"))
		failf("Tlcreate past the end: a file was made");
	/* fid 41 is still the root, not opened. */
	if (getattr_of(41, &q) || q.type != P9_QTDIR)
		failf("Tlcreate past the end: fid 41 changed");

	c = msg(P9_TATTACH);
	p9_put32(c, 42);
	p9_put32(c, P9_NOFID);
	put_lie(c, 50, "root", 4);
	refused(rpc(0, c, P9_TATTACH + 1), "Tattach: uname past the end",
		EBADMSG, 0);
	no_fid(42, "Tattach past the end");
	c = msg(P9_TATTACH);
	p9_put32(c, 42);
	p9_put32(c, P9_NOFID);
	p9_putstr(c, "root", 4);
	put_lie(c, 9, "/", 1);
	refused(rpc(0, c, P9_TATTACH + 1), "Tattach: aname past the end",
		EBADMSG, 0);
	no_fid(42, "Tattach past the end");

	c = msg(P9_TSYMLINK);
	p9_put32(c, 1);
	p9_putstr(c, "planted3", 8);
	put_lie(c, 4000, "/etc", 4);
	refused(rpc(0, c, P9_TSYMLINK + 1), "Tsymlink: target past the end",
		EBADMSG, 0);
	if (host_exists("planted3"))
		failf("Tsymlink past the end: a symlink was made");

	c = msg(P9_TRENAMEAT);
	p9_put32(c, 1);
	p9_putstr(c, "victim", 6);
	p9_put32(c, 1);
	put_lie(c, 20, "moved", 5);
	refused(rpc(0, c, P9_TRENAMEAT + 1), "Trenameat: new name past the end",
		EBADMSG, 0);
	c = msg(P9_TUNLINKAT);
	p9_put32(c, 1);
	put_lie(c, 200, "victim", 6);
	refused(rpc(0, c, P9_TUNLINKAT + 1), "Tunlinkat: name past the end",
		EBADMSG, 0);
	if (!host_exists("victim") || host_exists("moved"))
		failf("Trenameat/Tunlinkat past the end: victim moved");

	if (walk1(0, 1, 43, "victim") < 0)
		die("walk victim");
	c = msg(P9_TXATTRCREATE);
	p9_put32(c, 43);
	put_lie(c, 100, "user.x", 6);
	refused(rpc(0, c, P9_TXATTRCREATE + 1),
		"Txattrcreate: name past the end", EBADMSG, 0);
	/* Still a plain fid: it opens. */
	must_work(lopen(0, 43, P9_DOTL_RDONLY), "fid 43 after it");

	/* A Tversion that cannot be parsed resets nothing. */
	c = msg(P9_TVERSION);
	p9_le_put(c->data + 5, P9_NOTAG, 2);
	p9_put32(c, MSIZE_WANT);
	put_lie(c, 100, "9P2000.L", 8);
	refused(rpc(0, c, P9_TVERSION + 1), "Tversion: version past the end",
		EBADMSG, 0);
	must_work(getattr_of(43, &q), "fid 43 after that Tversion");

	clunk(0, 41);
	clunk(0, 43);
	host_unlink("victim");
}

/* ---- 2: counts and fields past the end of the message ---- */

/*
 * Arrays whose count runs past the end, and messages cut inside their
 * fixed fields.  Expected: Rlerror EBADMSG for each (EINVAL for a Twalk
 * of more than 16 names, which is refused before its names are read),
 * nothing done, the share serving after each.
 */
static void sc_countpast(void)
{
	static const uint8_t data[16] = "0123456789abcdef";
	uint8_t back[16];
	struct p9_cur *c;
	struct stat st;

	c = msg(P9_TWALK);
	p9_put32(c, 1);
	p9_put32(c, 40);
	p9_put16(c, 5);
	p9_putstr(c, "a", 1);
	refused(rpc(0, c, P9_TWALK + 1), "Twalk: nwname 5, 1 name sent",
		EBADMSG, 0);
	no_fid(40, "Twalk nwname 5");
	c = msg(P9_TWALK);
	p9_put32(c, 1);
	p9_put32(c, 40);
	p9_put16(c, 2);
	p9_putstr(c, "a", 1);
	p9_put8(c, 1); /* half of the second name's length */
	refused(rpc(0, c, P9_TWALK + 1), "Twalk: second name cut in its size",
		EBADMSG, 0);
	no_fid(40, "Twalk cut");
	c = msg(P9_TWALK);
	p9_put32(c, 1);
	p9_put32(c, 40);
	p9_put16(c, 0xffff);
	p9_putstr(c, "a", 1);
	refused(rpc(0, c, P9_TWALK + 1), "Twalk: nwname 65535", EINVAL, 0);
	no_fid(40, "Twalk nwname 65535");

	host_put("cp-file", data, sizeof(data));
	open_fid(41, "cp-file", P9_DOTL_RDWR);
	c = msg(P9_TREAD);
	p9_put32(c, 41);
	p9_put64(c, 0);
	refused(rpc(0, c, P9_TREAD + 1), "Tread without its count", EBADMSG, 0);
	c = msg(P9_TREAD);
	p9_put32(c, 41);
	p9_put32(c, 0);
	refused(rpc(0, c, P9_TREAD + 1), "Tread cut in its offset", EBADMSG, 0);
	c = msg(P9_TWRITE);
	p9_put32(c, 41);
	p9_put64(c, 0);
	refused(rpc(0, c, P9_TWRITE + 1), "Twrite of 19 bytes (no count)",
		EBADMSG, 0);
	c = msg(P9_TGETATTR);
	p9_put32(c, 41);
	refused(rpc(0, c, P9_TGETATTR + 1), "Tgetattr without its mask",
		EBADMSG, 0);
	c = msg(P9_TSETATTR);
	p9_put32(c, 41);
	p9_put32(c, P9_SETATTR_MODE | P9_SETATTR_SIZE);
	p9_put32(c, 0777);
	refused(rpc(0, c, P9_TSETATTR + 1), "Tsetattr cut after its mode",
		EBADMSG, 0);
	if (host_lstat("cp-file", &st) || st.st_size != sizeof(data) ||
	    (st.st_mode & 07777) != 0644)
		failf("cut messages: cp-file changed");
	c = msg(P9_TLCREATE);
	p9_put32(c, 1);
	p9_putstr(c, "planted4", 8);
	p9_put32(c, P9_DOTL_RDWR);
	p9_put32(c, 0644);
	refused(rpc(0, c, P9_TLCREATE + 1), "Tlcreate without its gid", EBADMSG,
		0);
	if (host_exists("planted4"))
		failf("Tlcreate without its gid: the file was made");
	c = msg(P9_TLOCK);
	p9_put32(c, 41);
	p9_put8(c, P9_LOCK_TYPE_WRLCK);
	p9_put32(c, 0);
	p9_put64(c, 0);
	p9_put64(c, 0);
	p9_put32(c, 1);
	refused(rpc(0, c, P9_TLOCK + 1), "Tlock without its client id", EBADMSG,
		0);
	c = msg(P9_TCLUNK);
	refused(rpc(0, c, P9_TCLUNK + 1), "Tclunk of a header alone", EBADMSG,
		0);
	c = msg(P9_TFLUSH);
	p9_put8(c, 1);
	refused(rpc(0, c, P9_TFLUSH + 1), "Tflush with 1 byte of oldtag",
		EBADMSG, 0);
	/* fid 41 was left as it was: open, and it reads. */
	if (read_at(0, 41, 0, back, sizeof(back)) != 16)
		failf("fid 41 no longer reads");
	clunk(0, 41);
	host_unlink("cp-file");
}

/* ---- 3: counts above what msize allows ---- */

/*
 * Tread and Treaddir asking for more than fits: the server clamps the
 * count to msize - 11 and never answers more than msize (recv_msg()
 * checks each reply against msize).  Twrite whose count is more than the
 * bytes it carries: Rlerror EINVAL, nothing written.
 */
static void sc_bigcount(void)
{
	uint32_t len = msize + 1000, cnt, max = msize - P9_RREAD_HDR;
	uint8_t *buf = malloc(len);
	struct stat st;
	int n;

	if (!buf)
		die("no memory");
	make_file(0, "bc-read", buf, len);
	open_fid(41, "bc-read", P9_DOTL_RDONLY);
	n = rpc(0, tread(41, 0, UINT32_MAX), P9_TREAD + 1);
	cnt = n < 0 ? 0 : (uint32_t)p9_le_get(rbuf + 7, 4);
	if (n < 0 || cnt != max || (uint32_t)n != msize ||
	    memcmp(rbuf + P9_RREAD_HDR, buf, cnt))
		failf("Tread count 2^32-1: %d, count %u (want %u)", n, cnt,
		      max);
	else
		printf("Tread count 2^32-1: %u bytes (msize - 11)\n", cnt);
	served("Tread count 2^32-1");
	n = rpc(0, tread(41, 0, max + 1), P9_TREAD + 1);
	cnt = n < 0 ? 0 : (uint32_t)p9_le_get(rbuf + 7, 4);
	if (n < 0 || cnt != max)
		failf("Tread count msize - 10: %d, count %u", n, cnt);
	n = rpc(0, tread(41, msize - 100, UINT32_MAX), P9_TREAD + 1);
	cnt = n < 0 ? 0 : (uint32_t)p9_le_get(rbuf + 7, 4);
	if (n < 0 || cnt != 1100 ||
	    memcmp(rbuf + P9_RREAD_HDR, buf + msize - 100, cnt))
		failf("Tread count 2^32-1 near the end: %d, count %u", n, cnt);
	open_fid(42, NULL, P9_DOTL_RDONLY);
	n = readdir9(42, 0, UINT32_MAX);
	if (n < 0)
		failf("Treaddir count 2^32-1: %s", strerror(-n));
	else
		printf("Treaddir count 2^32-1: %d bytes\n", n);
	served("Treaddir count 2^32-1");

	if (walk1(0, 1, 43, NULL) < 0 || lcreate(0, 43, "bc-write") < 0)
		die("bigcount: create");
	refused(write_lie(43, 0, 100, buf, 10), "Twrite count 100, 10 sent",
		EINVAL, 0);
	refused(write_lie(43, 0, UINT32_MAX, buf, 10),
		"Twrite count 2^32-1, 10 sent", EINVAL, 0);
	refused(write_lie(43, 0, msize, buf, msize - P9_TWRITE_HDR),
		"Twrite count msize, msize - 23 sent", EINVAL, 0);
	if (host_lstat("bc-write", &st) || st.st_size != 0)
		failf("Twrite with a lying count wrote");
	n = write_at(0, 43, 0, buf, 10);
	if (n != 10)
		failf("Twrite of 10 after them: %d", n);
	clunk(0, 41);
	clunk(0, 42);
	clunk(0, 43);
	unlink_file(0, "bc-read");
	unlink_file(0, "bc-write");
	free(buf);
}

/* ---- 4: offsets near 2^64 ---- */

/* A Tread at off: Rlerror EINVAL (EOVERFLOW) or an Rread of 0 bytes. */
static void read_far(uint32_t fid, uint64_t off, const char *what)
{
	int n = rpc(0, tread(fid, off, 10), P9_TREAD + 1);

	if (n >= 0 && p9_le_get(rbuf + 7, 4) != 0)
		failf("%s: %u bytes read", what,
		      (unsigned int)p9_le_get(rbuf + 7, 4));
	else if (n >= 0)
		printf("%s: 0 bytes\n", what);
	else if (n != -EINVAL && n != -EOVERFLOW)
		failf("%s: %s, must be EINVAL or an empty Rread", what,
		      strerror(-n));
	else
		printf("%s: %s\n", what, strerror(-n));
	served(what);
}

/*
 * Tread at 2^64-1, 2^63 and 2^63-1; Twrite of 10 bytes at 2^63-1, 2^63,
 * 2^64-1 and 2^64-5 (which wraps to 5 if added in 64 bits); Tsetattr of
 * a size of 2^63 and 2^64-1; a Tlock starting at 2^64-1.  Expected: each
 * Rlerror EINVAL (EFBIG for a write the kernel refuses), or an empty
 * Rread; the file unchanged (size and bytes, checked on the host and
 * read back); no crash.
 */
static void sc_offsets(void)
{
	uint8_t want[100], junk[10], back[200];
	struct p9_cur *c;
	size_t len = 0;
	uint8_t *host;
	int n;

	fill_random(want, sizeof(want));
	memset(junk, 'X', sizeof(junk));
	host_put("off-file", want, sizeof(want));
	open_fid(45, "off-file", P9_DOTL_RDWR);
	read_far(45, UINT64_MAX, "Tread at 2^64-1");
	read_far(45, 1ull << 63, "Tread at 2^63");
	read_far(45, INT64_MAX, "Tread at 2^63-1");
	refused(write_at(0, 45, INT64_MAX, junk, 10), "Twrite at 2^63-1",
		EINVAL, EFBIG);
	refused(write_at(0, 45, 1ull << 63, junk, 10), "Twrite at 2^63", EINVAL,
		EFBIG);
	refused(write_at(0, 45, UINT64_MAX, junk, 10), "Twrite at 2^64-1",
		EINVAL, EFBIG);
	refused(write_at(0, 45, UINT64_MAX - 4, junk, 10), "Twrite at 2^64-5",
		EINVAL, EFBIG);
	refused(setattr9(45, P9_SETATTR_SIZE, 0, 0, 0, 1ull << 63, 0),
		"Tsetattr size 2^63", EINVAL, EFBIG);
	refused(setattr9(45, P9_SETATTR_SIZE, 0, 0, 0, UINT64_MAX, 0),
		"Tsetattr size 2^64-1", EINVAL, EFBIG);
	c = msg(P9_TLOCK);
	p9_put32(c, 45);
	p9_put8(c, P9_LOCK_TYPE_WRLCK);
	p9_put32(c, 0);
	p9_put64(c, UINT64_MAX);
	p9_put64(c, 10);
	p9_put32(c, 1);
	p9_putstr(c, "hostile", 7);
	refused(rpc(0, c, P9_TLOCK + 1), "Tlock at 2^64-1", EINVAL, 0);
	host = host_file("off-file", &len);
	if (!host || len != sizeof(want) || memcmp(host, want, len))
		failf("offsets: the host's file changed (%zu bytes)", len);
	free(host);
	n = read_at(0, 45, 0, back, sizeof(back));
	if (n != (int)sizeof(want) || memcmp(back, want, sizeof(want)))
		failf("offsets: read back %d bytes", n);
	clunk(0, 45);
	host_unlink("off-file");
}

/* ---- 5: fids in use ---- */

/* fid must still name the file whose qid.path is path. */
static void still_names(uint32_t fid, uint64_t path, const char *after)
{
	struct p9_qid q;
	int n = getattr_of(fid, &q);

	if (n < 0 || q.path != path)
		failf("after %s: fid %u %s", after, fid,
		      n < 0 ? strerror(-n) : "names another file");
}

/*
 * Sends a on ring 0 and b on ring 1 back to back (two requests racing
 * for one fid): how many of the two succeeded; each one's 0 or -errno
 * in e[].
 */
static int race2(const uint8_t *a, int alen, const uint8_t *b, int blen,
		 int e[2])
{
	uint16_t tags[2] = { (uint16_t)p9_le_get(a + 5, 2),
			     (uint16_t)p9_le_get(b + 5, 2) };
	uint8_t rtype[2] = { (uint8_t)(a[4] + 1), (uint8_t)(b[4] + 1) };
	int k, n, ok = 0;

	send_msg(0, a, (size_t)alen);
	send_msg(1, b, (size_t)blen);
	for (k = 0; k < 2; k++) {
		e[k] = -ETIMEDOUT;
		n = recv_msg((unsigned int)k, TIMEOUT_MS);
		if (n < 0) {
			failf("race: no reply on ring %d", k);
			continue;
		}
		if (p9_le_get(rbuf + 5, 2) != tags[k]) {
			failf("race: ring %d: reply tag %u for %u", k,
			      (unsigned int)p9_le_get(rbuf + 5, 2), tags[k]);
			continue;
		}
		if (rbuf[4] == rtype[k]) {
			e[k] = 0;
			ok++;
		} else if (rbuf[4] == P9_RLERROR) {
			e[k] = -(int)p9_le_get(rbuf + 7, 4);
		} else {
			failf("race: ring %d: reply type %u", k, rbuf[4]);
		}
	}
	return ok;
}

/*
 * Beyond the confine scenario's attach and walk onto a fid in use: a
 * walk, attach or xattrwalk onto a fid in use is refused with EEXIST and
 * leaves that fid naming what it named; NOFID as a new fid is EBADF; an
 * opened fid walked in place, opened again or created from is EINVAL; a
 * clunked or removed fid is gone (EBADF).  Then two requests racing for
 * one new fid on two rings (walk/walk, attach/walk), and two Tclunks of
 * one fid: exactly one of the two succeeds, 20 times each.
 */
static void sc_fidreuse(void)
{
	static const uint8_t d[4] = "fid";
	uint8_t a[64];
	struct stat st;
	struct p9_cur *c;
	uint64_t path_a;
	int alen, e[2], k, n;
	struct p9_qid q;

	host_put("fr-a", d, 3);
	if (host_lstat("fr-a", &st))
		die("fr-a");
	path_a = (uint64_t)st.st_ino;
	must_work(walk1(0, 1, 50, "fr-a"), "walk fr-a");
	still_names(50, path_a, "walk");
	refused(walk1(0, 1, 50, NULL), "Twalk onto fid 50 in use", EEXIST, 0);
	still_names(50, path_a, "Twalk onto it");
	refused(attach(0, 50), "Tattach onto fid 50 in use", EEXIST, 0);
	still_names(50, path_a, "Tattach onto it");
	refused((int)xattrwalk9(1, 50, ""), "Txattrwalk onto fid 50 in use",
		EEXIST, 0);
	still_names(50, path_a, "Txattrwalk onto it");
	refused(walk1(0, 1, P9_NOFID, NULL), "Twalk onto NOFID", EBADF, 0);
	refused(attach(0, P9_NOFID), "Tattach onto NOFID", EBADF, 0);

	open_fid(51, NULL, P9_DOTL_RDONLY);
	refused(walk1(0, 51, 51, "fr-a"), "Twalk in place of an opened fid",
		EINVAL, 0);
	if (getattr_of(51, &q) || q.type != P9_QTDIR)
		failf("the opened root fid moved");
	refused(lopen(0, 51, P9_DOTL_RDONLY), "Tlopen of an opened fid", EINVAL,
		0);
	refused(lcreate(0, 51, "fr-x"), "Tlcreate from an opened fid", EINVAL,
		0);
	if (host_exists("fr-x"))
		failf("Tlcreate from an opened fid made fr-x");
	must_work(clunk(0, 50), "clunk 50");
	refused(clunk(0, 50), "Tclunk of a clunked fid", EBADF, 0);
	host_put("fr-b", d, 3);
	must_work(walk1(0, 1, 53, "fr-b"), "walk fr-b");
	must_work(remove9(53), "remove fr-b");
	refused(getattr_of(53, &q), "Tgetattr of a removed fid", EBADF,
		0);
	if (host_exists("fr-b"))
		failf("Tremove left fr-b");

	for (k = 0; k < 20; k++) {
		uint32_t nf = 200 + (uint32_t)k;

		c = msg(P9_TWALK);
		p9_put32(c, 1);
		p9_put32(c, nf);
		p9_put16(c, 0);
		alen = p9_end(c);
		memcpy(a, c->data, (size_t)alen);
		if (k & 1) {
			c = msg(P9_TATTACH);
			p9_put32(c, nf);
			p9_put32(c, P9_NOFID);
			p9_putstr(c, "root", 4);
			p9_putstr(c, "", 0);
			p9_put32(c, 0);
		} else {
			c = msg(P9_TWALK);
			p9_put32(c, 1);
			p9_put32(c, nf);
			p9_put16(c, 1);
			p9_putstr(c, "fr-a", 4);
		}
		n = race2(a, alen, c->data, p9_end(c), e);
		if (n != 1 || (e[0] && e[0] != -EEXIST) ||
		    (e[1] && e[1] != -EEXIST))
			failf("race %d for fid %u: %d succeeded (%s, %s)", k,
			      nf, n, strerror(-e[0]), strerror(-e[1]));
		c = msg(P9_TCLUNK);
		p9_put32(c, nf);
		alen = p9_end(c);
		memcpy(a, c->data, (size_t)alen);
		c = msg(P9_TCLUNK);
		p9_put32(c, nf);
		n = race2(a, alen, c->data, p9_end(c), e);
		if (n != 1 || (e[0] && e[0] != -EBADF) ||
		    (e[1] && e[1] != -EBADF))
			failf("two Tclunks of fid %u: %d succeeded", nf, n);
	}
	printf("racing walks, attaches and clunks on two rings: one of each "
	       "pair succeeded, 20 times\n");
	served("the races");
	clunk(0, 51);
	host_unlink("fr-a");
}

/* ---- 6: device nodes and FIFOs ---- */

/*
 * Tmknod of a character device (1, 3) or a block device: Rlerror EPERM,
 * nothing made; of a symlink or directory type: EINVAL.  Tmknod of a
 * FIFO is allowed (p9srv.c: FIFOs and sockets may be made) but, like
 * the character device `null` (1, 3) and the FIFO `hfifo` the host made
 * in the export (the suite's run.sh), it is never opened: Tlopen of any
 * of them, read or write, is Rlerror EPERM (CVE-2023-2861: a guest must
 * not open the host's devices); Tlcreate over `null` is EEXIST (O_EXCL,
 * never opened); truncating one is EINVAL.  A server that opened the FIFO
 * would hang on it: the missing reply is a failure too.
 */
static void sc_devnodes(void)
{
	static const char *const nodes[] = { "null", "hfifo", "gfifo" };
	struct stat st;
	unsigned int k;

	if (host_lstat("null", &st) || !S_ISCHR(st.st_mode) ||
	    host_lstat("hfifo", &st) || !S_ISFIFO(st.st_mode))
		die("devnodes: the host made no null (c 1 3) and hfifo in %s",
		    export_dir);
	refused(mknod9(1, "cdev", S_IFCHR | 0666, 1, 3),
		"Tmknod of a character device 1,3", EPERM, 0);
	refused(mknod9(1, "bdev", S_IFBLK | 0666, 7, 0),
		"Tmknod of a block device", EPERM, 0);
	refused(mknod9(1, "ldev", S_IFLNK | 0777, 0, 0),
		"Tmknod of a symlink type", EINVAL, 0);
	refused(mknod9(1, "ddev", S_IFDIR | 0777, 0, 0),
		"Tmknod of a directory type", EINVAL, 0);
	if (host_exists("cdev") || host_exists("bdev") || host_exists("ldev") ||
	    host_exists("ddev"))
		failf("a refused Tmknod made a node");
	must_work(mknod9(1, "gfifo", S_IFIFO | 0666, 0, 0), "Tmknod FIFO");
	for (k = 0; k < 3; k++) {
		char what[64];

		if (walk1(0, 1, 55, nodes[k]) < 0)
			die("walk %s", nodes[k]);
		snprintf(what, sizeof(what), "Tlopen of %s read-only",
			 nodes[k]);
		refused(lopen(0, 55, P9_DOTL_RDONLY), what, EPERM, 0);
		snprintf(what, sizeof(what), "Tlopen of %s read-write",
			 nodes[k]);
		refused(lopen(0, 55, P9_DOTL_RDWR), what, EPERM, 0);
		snprintf(what, sizeof(what), "Tlopen of %s O_TRUNC", nodes[k]);
		refused(lopen(0, 55, P9_DOTL_WRONLY | P9_DOTL_TRUNC), what,
			EPERM, 0);
		snprintf(what, sizeof(what), "Tsetattr size 0 of %s", nodes[k]);
		refused(setattr9(55, P9_SETATTR_SIZE, 0, 0, 0, 0, 0), what,
			EINVAL, 0);
		clunk(0, 55);
	}
	if (walk1(0, 1, 56, NULL) < 0)
		die("clone root");
	refused(lcreate(0, 56, "null"), "Tlcreate over null", EEXIST, 0);
	clunk(0, 56);
	if (host_lstat("null", &st) || !S_ISCHR(st.st_mode) ||
	    major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
		failf("devnodes: null changed");
	must_work(unlinkat9(1, "gfifo", 0), "unlinkat gfifo");
}

/* ---- 7: readdir of a file, readdir at offsets never given ---- */

/*
 * Checks the Rreaddir in rbuf (n bytes): every entry whole, every name
 * "." or ".." or one the export's directory has.  The last entry's
 * offset in *last; the count of entries, or -EPROTO.
 */
static int check_dirents(int n, bool *seen_file, uint64_t *last)
{
	struct p9_cur r;
	const char *name;
	char nm[NAME_MAX9 + 1];
	uint16_t len;
	uint32_t count;
	int k = 0;

	p9_cur_init(&r, rbuf, (size_t)n);
	r.pos = P9_HDR_SIZE;
	count = p9_get32(&r);
	if (r.err || count != (uint32_t)n - P9_RREAD_HDR) {
		failf("Rreaddir: count %u in %d bytes", count, n);
		return -EPROTO;
	}
	while (p9_cur_left(&r)) {
		p9_cur_take(&r, P9_QID_SIZE, -EBADMSG);
		*last = p9_get64(&r);
		(void)p9_get8(&r);
		p9_getstr(&r, &name, &len);
		if (r.err || !len || len > NAME_MAX9) {
			failf("Rreaddir: entry %d malformed", k);
			return -EPROTO;
		}
		memcpy(nm, name, len);
		nm[len] = '\0';
		if (strcmp(nm, ".") && strcmp(nm, "..") && !host_exists(nm)) {
			failf("Rreaddir: entry '%s' is not in the export", nm);
			return -EPROTO;
		}
		if (seen_file && !strcmp(nm, "rd-file"))
			*seen_file = true;
		k++;
	}
	return k;
}

/* A Treaddir at off the server never gave: an error, or entries of the
 * export only. */
static void readdir_far(uint32_t fid, uint64_t off, const char *what)
{
	uint64_t last;
	int n = readdir9(fid, off, 4096);

	if (n < 0)
		printf("%s: %s\n", what, strerror(-n));
	else if ((n = check_dirents(n, NULL, &last)) >= 0)
		printf("%s: %d entries, all in the export\n", what, n);
	served(what);
}

/*
 * Treaddir of an opened regular file: Rlerror ENOTDIR; of a directory
 * fid not opened: EBADF.  Treaddir at offsets the server never issued
 * (0x7fffffffdeadbeef, 2^63-1, 2^63, 2^64-1) and with count 0: an error
 * or a well-formed listing whose names are all in the export, never a
 * crash.  Then the whole directory is listed from 0 following the
 * offsets given: every name is in the export and rd-file is among them.
 */
static void sc_readdir(void)
{
	static const uint8_t d[4] = "dir";
	bool seen = false;
	uint64_t off = 0;
	int n, k;

	host_put("rd-file", d, 3);
	open_fid(60, "rd-file", P9_DOTL_RDONLY);
	refused(readdir9(60, 0, 4096), "Treaddir of an opened file", ENOTDIR,
		0);
	if (walk1(0, 1, 61, NULL) < 0)
		die("clone root");
	refused(readdir9(61, 0, 4096), "Treaddir of a fid not opened", EBADF,
		0);
	must_work(lopen(0, 61, P9_DOTL_RDONLY), "lopen root");
	readdir_far(61, 0x7fffffffdeadbeefull,
		    "Treaddir at 0x7fffffffdeadbeef");
	readdir_far(61, INT64_MAX, "Treaddir at 2^63-1");
	readdir_far(61, 1ull << 63, "Treaddir at 2^63");
	readdir_far(61, UINT64_MAX, "Treaddir at 2^64-1");
	readdir_far(61, 0xdeadbeefull, "Treaddir at 0xdeadbeef");
	n = readdir9(61, 0, 0);
	if (n >= 0 && check_dirents(n, NULL, &off) > 0)
		failf("Treaddir count 0: entries");
	else
		printf("Treaddir count 0: %s\n",
		       n < 0 ? strerror(-n) : "no entries");
	served("Treaddir count 0");
	for (k = 0, off = 0; k < 1000; k++) {
		n = readdir9(61, off, 4096);
		if (n < 0) {
			failf("Treaddir at %llu: %s", (unsigned long long)off,
			      strerror(-n));
			break;
		}
		if (!(n = check_dirents(n, &seen, &off)))
			break;
		if (n < 0)
			break;
	}
	if (!seen)
		failf("readdir from 0: rd-file not listed");
	else
		printf("readdir from 0: the export listed in %d part(s)\n", k);
	clunk(0, 60);
	clunk(0, 61);
	host_unlink("rd-file");
}

/* ---- 8: symlinks the host made ---- */

/* Names a client tries to make through a symlink: none may appear
 * anywhere outside the export. */
static const char *const planted[] = {
	"xpv-planted", "xpv-planted-dir", "xpv-link", "xpv-moved",
	"xpv-sym", "xpv-fifo", "xpv-renamed",
};
#define NR_PLANTED (sizeof(planted) / sizeof(planted[0]))
#define MAGIC_TIME 1000000000ull /* a time nobody else sets */

/* None of planted[] in dir (removed if one is, after the failure). */
static void none_planted(const char *dir, const char *what)
{
	char path[4096];
	unsigned int k;
	struct stat st;

	for (k = 0; k < NR_PLANTED; k++) {
		snprintf(path, sizeof(path), "%s/%s", dir, planted[k]);
		if (lstat(path, &st))
			continue;
		failf("%s: %s appeared", what, path);
		if (S_ISDIR(st.st_mode))
			rmdir(path);
		else
			unlink(path);
	}
}

/* dir's mode, owner and times must be as in st0 (the attributes are put
 * back after the failure: it is the host's directory). */
static void unchanged(const char *dir, const struct stat *st0, const char *what)
{
	struct stat st;

	if (stat(dir, &st)) {
		failf("%s: %s: %s", what, dir, strerror(errno));
		return;
	}
	if (st.st_mode != st0->st_mode || st.st_uid != st0->st_uid ||
	    st.st_gid != st0->st_gid || (uint64_t)st.st_mtime == MAGIC_TIME ||
	    (uint64_t)st.st_atime == MAGIC_TIME) {
		failf("%s: %s changed (mode %o uid %u gid %u mtime %lld)", what,
		      dir, (unsigned int)st.st_mode, (unsigned int)st.st_uid,
		      (unsigned int)st.st_gid, (long long)st.st_mtime);
		(void)chmod(dir, st0->st_mode & 07777);
		(void)chown(dir, st0->st_uid, st0->st_gid);
	}
}

/* The host directory a symlink of the export points to, and a name in
 * it (or "x"). */
static void link_target(const char *name, char *dir, size_t dsize, char *entry,
			size_t esize)
{
	char path[8200], t[4096], *r;
	struct dirent *de;
	ssize_t n;
	DIR *d;

	host_path(path, sizeof(path), name);
	n = readlink(path, t, sizeof(t) - 1);
	if (n < 0)
		die("symlinks: the host made no %s in %s", name, export_dir);
	t[n] = '\0';
	if (t[0] == '/')
		snprintf(path, sizeof(path), "%s", t);
	else
		snprintf(path, sizeof(path), "%s/%s", export_dir, t);
	r = realpath(path, NULL);
	if (!r)
		die("symlinks: %s -> %s: %s", name, t, strerror(errno));
	snprintf(dir, dsize, "%s", r);
	free(r);
	snprintf(entry, esize, "x");
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			snprintf(entry, esize, "%s", de->d_name);
			break;
		}
	}
	if (d)
		closedir(d);
}

/* Walking from the root through name to entry: an error, or a partial
 * Rwalk (fewer qids than names) that makes no new fid. */
static void walk_through(const char *const *names, unsigned int n,
			 const char *what)
{
	int r = walkv(1, 71, n, names);

	if (r >= 0 && p9_le_get(rbuf + P9_HDR_SIZE, 2) >= n)
		failf("%s: went through the symlink", what);
	else if (r >= 0)
		printf("%s: partial Rwalk of %u qid(s)\n", what,
		       (unsigned int)p9_le_get(rbuf + P9_HDR_SIZE, 2));
	else
		printf("%s: %s\n", what, strerror(-r));
	if (r >= 0)
		no_fid(71, what);
	served(what);
}

/*
 * The host left symlinks in the export: abs -> /etc, rel -> ../.. and
 * rel2 -> ../../.. (run.sh makes them).  Through each: walking through
 * it stops at it (partial Rwalk, or an error); walking to it gives the
 * symlink's own qid (QTSYMLINK, never the target's); Tlopen is ELOOP;
 * Tsetattr of mode, owner and times acts on the link itself or fails,
 * never on the target (its mode, owner and times checked on the host);
 * truncating it is EINVAL; with it as a directory, Tlcreate, Tmkdir,
 * Tmknod, Tsymlink, Tlink, Trename, Trenameat (into it) and Tunlinkat
 * are ENOTDIR; an xattr set through it is refused at Tclunk (EPERM) and
 * never lands on the target.  Nothing appears in the targets, nor in
 * the export's parent and grandparent.  Tremove of rel2 removes the
 * link, not its target.
 */
static void sc_symlinks(void)
{
	static const char *const links[] = { "abs", "rel", "rel2" };
	static const uint8_t d[8] = "sl-file";
	char dir[4096], entry[256], what[320], up[4096], *p;
	const char *names[2];
	struct stat st0, st;
	struct p9_qid q;
	unsigned int k;
	int n;

	host_put("sl-file", d, 7);
	if (walk1(0, 1, 72, "sl-file") < 0)
		die("walk sl-file");
	for (k = 0; k < 3; k++) {
		const char *l = links[k];

		link_target(l, dir, sizeof(dir), entry, sizeof(entry));
		if (stat(dir, &st0))
			die("stat %s", dir);
		names[0] = l;
		names[1] = entry;
		snprintf(what, sizeof(what), "walk %s/%s", l, entry);
		walk_through(names, 2, what);
		names[1] = "..";
		snprintf(what, sizeof(what), "walk %s/..", l);
		walk_through(names, 2, what);
		if (walk1(0, 1, 70, l) < 0)
			die("walk %s", l);
		if (getattr_of(70, &q) || q.type != P9_QTSYMLINK)
			failf("%s: its fid is not the symlink (qid type %u)", l,
			      q.type);
		snprintf(what, sizeof(what), "Tlopen of %s", l);
		refused(lopen(0, 70, P9_DOTL_RDONLY), what, ELOOP, 0);
		snprintf(what, sizeof(what), "Tlopen of %s O_RDWR", l);
		refused(lopen(0, 70, P9_DOTL_RDWR), what, ELOOP, 0);
		/* Mode (the sticky bit toggled), owner, times. */
		n = setattr9(70,
			     P9_SETATTR_MODE | P9_SETATTR_UID | P9_SETATTR_GID |
				 P9_SETATTR_ATIME | P9_SETATTR_MTIME |
				 P9_SETATTR_ATIME_SET | P9_SETATTR_MTIME_SET,
			     (st0.st_mode ^ 01000) & 07777, 12345, 12345, 0,
			     MAGIC_TIME);
		printf("Tsetattr mode/owner/times of %s: %s\n", l,
		       n < 0 ? strerror(-n) : "done (on the link)");
		snprintf(what, sizeof(what), "Tsetattr of %s", l);
		unchanged(dir, &st0, what);
		served(what);
		snprintf(what, sizeof(what), "Tsetattr size 0 of %s", l);
		refused(setattr9(70, P9_SETATTR_SIZE, 0, 0, 0, 0, 0), what,
			EINVAL, 0);
		snprintf(what, sizeof(what), "Tlcreate under %s", l);
		refused(lcreate(0, 70, "xpv-planted"), what, ENOTDIR, 0);
		snprintf(what, sizeof(what), "Tmkdir under %s", l);
		refused(mkdir9(70, "xpv-planted-dir"), what, ENOTDIR, 0);
		snprintf(what, sizeof(what), "Tmknod under %s", l);
		refused(mknod9(70, "xpv-fifo", S_IFIFO | 0666, 0, 0), what,
			ENOTDIR, 0);
		snprintf(what, sizeof(what), "Tsymlink under %s", l);
		refused(symlink9(70, "xpv-sym", "/etc/passwd"), what, ENOTDIR,
			0);
		snprintf(what, sizeof(what), "Tlink into %s", l);
		refused(link9(70, 72, "xpv-link"), what, ENOTDIR, 0);
		snprintf(what, sizeof(what), "Trename into %s", l);
		refused(rename9(72, 70, "xpv-renamed"), what, ENOTDIR, 0);
		snprintf(what, sizeof(what), "Trenameat into %s", l);
		refused(renameat9(1, "sl-file", 70, "xpv-moved"), what, ENOTDIR,
			0);
		snprintf(what, sizeof(what), "Tunlinkat under %s", l);
		refused(unlinkat9(70, "xpv-no-such-file", 0), what, ENOTDIR, 0);
		/* An xattr through the link: Txattrcreate takes it, the
		 * commit at Tclunk refuses a symlink. */
		n = xattrcreate9(70, "user.xpv-planted", 3);
		if (n >= 0) {
			write_at(0, 70, 0, "bad", 3);
			snprintf(what, sizeof(what),
				 "Tclunk of an xattr set through %s", l);
			refused(clunk(0, 70), what, EPERM, 0);
		} else {
			printf("Txattrcreate through %s: %s\n", l,
			       strerror(-n));
			clunk(0, 70);
		}
		if (getxattr(dir, "user.xpv-planted", NULL, 0) >= 0) {
			failf("%s: user.xpv-planted set on %s", l, dir);
			removexattr(dir, "user.xpv-planted");
		}
		none_planted(dir, l);
		unchanged(dir, &st0, l);
	}
	/* The export's parent and grandparent. */
	snprintf(up, sizeof(up), "%s", export_dir);
	for (k = 0; k < 2 && (p = strrchr(up, '/')) && p != up; k++) {
		*p = '\0';
		none_planted(up, "the export's parents");
	}
	if (!host_exists("sl-file"))
		failf("sl-file moved");
	/* Tremove of a symlink's fid removes the link. */
	link_target("rel2", dir, sizeof(dir), entry, sizeof(entry));
	if (walk1(0, 1, 70, "rel2") >= 0)
		must_work(remove9(70), "Tremove of rel2");
	if (host_exists("rel2") || stat(dir, &st))
		failf("Tremove of rel2: the link is there or %s is not", dir);
	clunk(0, 72);
	host_unlink("sl-file");
}

/* ---- 9: a directory swapped for a symlink under a held fid ---- */

/*
 * The guest holds fids for directory d (one walked, one opened, one for
 * d/sub), then the host renames d to d.moved and puts a symlink d ->
 * /etc in its place (as a racing host process would).  Every operation
 * on the old fids acts on the directory they named (now d.moved), never
 * on /etc: Tlcreate and Tmkdir make their files in d.moved; Treaddir
 * lists d.moved; Tsetattr changes d.moved; ".." from it is the export's
 * root.  A new walk to d finds the symlink: QTSYMLINK, Tlcreate under
 * it ENOTDIR.  /etc is unchanged and gets nothing.
 */
static void sc_swapdir(void)
{
	char d[4096], moved[4096], path[4400], nm9[NAME_MAX9 + 1];
	const char *names[1];
	struct stat st0, st, root;
	struct p9_qid q;
	bool sub = false, mine = false;
	uint64_t off = 0;
	int n, k;

	if (stat("/etc", &st0) || host_lstat(".", &root))
		die("stat /etc");
	must_work(mkdir9(1, "d"), "mkdir d");
	if (walk1(0, 1, 73, "d") < 0 || walk1(0, 1, 74, "d") < 0 ||
	    walk1(0, 1, 76, "d") < 0 || mkdir9(73, "sub") < 0)
		die("swapdir: set-up");
	must_work(lopen(0, 74, P9_DOTL_RDONLY), "lopen d");
	host_path(d, sizeof(d), "d");
	host_path(moved, sizeof(moved), "d.moved");
	if (rename(d, moved) || symlink("/etc", d))
		die("swapdir: the host's swap: %s", strerror(errno));
	printf("swapdir: d renamed to d.moved, d -> /etc\n");

	n = lcreate(0, 73, "xpv-planted");
	snprintf(path, sizeof(path), "%s/xpv-planted", moved);
	if (n >= 0 && lstat(path, &st))
		failf("Tlcreate through the old fid: not in d.moved");
	printf("Tlcreate through the old fid: %s\n",
	       n < 0 ? strerror(-n) : "made in d.moved");
	served("Tlcreate through the old fid");
	n = mkdir9(76, "xpv-planted-dir");
	snprintf(path, sizeof(path), "%s/xpv-planted-dir", moved);
	if (n >= 0 && lstat(path, &st))
		failf("Tmkdir through the old fid: not in d.moved");
	printf("Tmkdir through the old fid: %s\n",
	       n < 0 ? strerror(-n) : "made in d.moved");
	n = setattr9(76, P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET, 0, 0, 0, 0,
		     MAGIC_TIME);
	if (n >= 0 && (stat(moved, &st) || (uint64_t)st.st_mtime != MAGIC_TIME))
		failf("Tsetattr through the old fid: d.moved unchanged");
	unchanged("/etc", &st0, "Tsetattr through the old fid");
	served("Tsetattr through the old fid");
	/* The opened fid lists d.moved: sub is there, nothing of /etc. */
	for (k = 0; k < 100; k++) {
		struct p9_cur r;
		const char *nm;
		uint16_t len;

		n = readdir9(74, off, 4096);
		if (n <= (int)P9_RREAD_HDR)
			break;
		p9_cur_init(&r, rbuf, (size_t)n);
		r.pos = P9_RREAD_HDR;
		while (p9_cur_left(&r)) {
			p9_cur_take(&r, P9_QID_SIZE, -EBADMSG);
			off = p9_get64(&r);
			(void)p9_get8(&r);
			p9_getstr(&r, &nm, &len);
			if (r.err || !len || len > NAME_MAX9) {
				r.err = -EBADMSG;
				break;
			}
			memcpy(nm9, nm, len);
			nm9[len] = '\0';
			snprintf(path, sizeof(path), "%s/%s", moved, nm9);
			if (!strcmp(nm9, "sub"))
				sub = true;
			else if (lstat(path, &st))
				failf("Treaddir of the old fid: '%s' is not "
				      "in d.moved",
				      nm9);
			mine = true;
		}
		if (r.err) {
			failf("Treaddir of the old fid: malformed");
			break;
		}
	}
	if (n < 0)
		failf("Treaddir of the old fid: %s", strerror(-n));
	if (!sub || !mine)
		failf("Treaddir of the old fid: sub not listed");
	names[0] = "..";
	if (walkv(76, 77, 1, names) < 0 || getattr_of(77, &q) ||
	    q.path != (uint64_t)root.st_ino)
		failf("'..' from the old fid is not the export's root");
	clunk(0, 77);
	must_work(walk1(0, 1, 75, "d"), "walk the new d");
	if (getattr_of(75, &q) || q.type != P9_QTSYMLINK)
		failf("the new d is not seen as a symlink");
	refused(lcreate(0, 75, "xpv-planted"), "Tlcreate under the new d",
		ENOTDIR, 0);
	none_planted("/etc", "swapdir");
	unchanged("/etc", &st0, "swapdir");
	clunk(0, 73);
	clunk(0, 74);
	clunk(0, 75);
	clunk(0, 76);
}

/* ---- 10: Tflush ---- */

#define FLUSH_NREQ 10u

static int flush9(unsigned int i, uint16_t oldtag)
{
	struct p9_cur *c = msg(P9_TFLUSH);

	p9_put16(c, oldtag);
	return rpc(i, c, P9_TFLUSH + 1);
}

/* A Tflush sent on ring i without waiting: its tag. */
static uint16_t send_flush(unsigned int i, uint16_t oldtag)
{
	struct p9_cur *c = msg(P9_TFLUSH);
	uint16_t tag = (uint16_t)p9_le_get(c->data + 5, 2);

	p9_put16(c, oldtag);
	send_msg(i, c->data, (size_t)p9_end(c));
	return tag;
}

/* The next reply on ring i must be the Rflush of tag. */
static bool rflush_now(unsigned int i, uint16_t tag, const char *what)
{
	int n = recv_msg(i, TIMEOUT_MS);

	if (n < 0 || rbuf[4] != P9_TFLUSH + 1 ||
	    p9_le_get(rbuf + 5, 2) != tag) {
		failf("%s: no Rflush at once (%d, type %u)", what, n,
		      n < 0 ? 0 : rbuf[4]);
		return false;
	}
	printf("%s: Rflush at once\n", what);
	return true;
}

/*
 * Ring 0 after FLUSH_NREQ Treads of chunk bytes from start, its in ring
 * not read: waits until it holds the two replies that fit and has taken
 * nothing for 500 ms (every executor then waits to write a reply, the
 * rest is unread).  How many it took, or -1.
 */
static int flush_settle(uint32_t start, uint32_t chunk, uint32_t msgsize)
{
	uint32_t two = 2 * (P9_RREAD_HDR + chunk), cons = 0;
	uint64_t end = now_ms() + 3 * TIMEOUT_MS;
	unsigned int still = 0;

	while (now_ms() < end && still < 5) {
		usleep(100000);
		if (*rs[0].in.prod - *rs[0].in.cons == two &&
		    *rs[0].out.cons == cons)
			still++;
		else
			still = 0;
		cons = *rs[0].out.cons;
	}
	if (still < 5) {
		failf("flush: ring 0 never settled (%u bytes of replies)",
		      *rs[0].in.prod - *rs[0].in.cons);
		return -1;
	}
	return (int)((cons - start) / msgsize);
}

/*
 * Tflush of a tag never used, of a finished tag, of its own tag and of
 * NOTAG: Rflush at once.  Across rings: FLUSH_NREQ Treads on ring 0
 * whose replies do not fit its in ring, which is not read: two are
 * answered (whichever two: seen in the ring), as many as ring 0 has
 * executors wait to write theirs (in flight), the rest stay unread
 * (seen from out_cons).  Then on ring 1: a Tflush of an answered one and
 * of an unread one get Rflush at once (the unread one is dropped: never
 * run nor answered); Tflushes of two in flight get no Rflush while their
 * replies cannot be written (Rflush comes after the flushed reply), and
 * ring 1 serves meanwhile.  Once ring 0 is read, every Tread but the
 * dropped one has exactly one reply, with the right data, each Tflush
 * exactly one Rflush, and nothing more arrives on either ring.
 */
static void sc_flush(void)
{
	uint32_t ring = rs[0].in.size, chunk = ring * 2 / 5;
	uint32_t len = chunk * FLUSH_NREQ, p0, p1, start, k, npend = 0;
	uint16_t t, own, rtag[FLUSH_NREQ], pend[2], ftag[2];
	bool got_r[FLUSH_NREQ] = { false }, got_f[2] = { false };
	uint8_t *buf = malloc(len);
	int n, j, taken, msgsize, dropped = -1;
	struct p9_cur *c;

	if (!buf)
		die("no memory");
	if (nr < 2)
		die("flush: needs 2 rings");
	if (chunk + P9_RREAD_HDR > msize)
		chunk = msize - P9_RREAD_HDR;
	must_work(flush9(0, 0x7777), "Tflush of a tag never used");
	c = msg(P9_TGETATTR);
	t = (uint16_t)p9_le_get(c->data + 5, 2);
	p9_put32(c, 1);
	p9_put64(c, P9_GETATTR_BASIC);
	must_work(rpc(0, c, P9_TGETATTR + 1), "getattr");
	must_work(flush9(0, t), "Tflush of a finished tag");
	c = msg(P9_TFLUSH);
	own = (uint16_t)p9_le_get(c->data + 5, 2);
	p9_put16(c, own);
	must_work(rpc(0, c, P9_TFLUSH + 1), "Tflush of itself");
	must_work(flush9(0, P9_NOTAG), "Tflush of NOTAG");
	served("Tflushes");

	make_file(0, "fl-file", buf, len);
	open_fid(65, "fl-file", P9_DOTL_RDONLY);
	start = *rs[0].out.prod;
	for (k = 0; k < FLUSH_NREQ; k++) {
		c = tread(65, (uint64_t)k * chunk, chunk);
		rtag[k] = (uint16_t)p9_le_get(c->data + 5, 2);
		msgsize = p9_end(c);
		send_msg(0, c->data, (size_t)msgsize);
	}
	taken = flush_settle(start, chunk, (uint32_t)msgsize);
	if (taken < 3 ||
	    xpv_flex_peek(&rs[0].in, rbuf, 2 * (P9_RREAD_HDR + chunk))) {
		failf("flush: ring 0 took %d of %u Treads", taken, FLUSH_NREQ);
		goto out;
	}
	/* Which two are answered: the executors run at once, in no set
	 * order; the others taken are in flight. */
	for (k = 0; k < (uint32_t)taken; k++) {
		t = rtag[k];
		if (t == p9_le_get(rbuf + 5, 2) ||
		    t == p9_le_get(rbuf + P9_RREAD_HDR + chunk + 5, 2))
			continue;
		if (npend < 2)
			pend[npend++] = t;
	}
	t = (uint16_t)p9_le_get(rbuf + 5, 2);
	p0 = *rs[0].in.prod;
	rflush_now(1, send_flush(1, t), "Tflush of an answered Tread");
	if ((uint32_t)taken < FLUSH_NREQ) {
		dropped = FLUSH_NREQ - 1;
		rflush_now(1, send_flush(1, rtag[dropped]),
			   "Tflush of an unread Tread");
	} else {
		printf("flush: ring 0 took all %u Treads, none unread\n",
		       FLUSH_NREQ);
	}
	p1 = *rs[1].in.prod;
	for (k = 0; k < npend; k++)
		ftag[k] = send_flush(1, pend[k]);
	usleep(500000);
	if (*rs[1].in.prod != p1)
		failf("flush: an Rflush came before the flushed reply could "
		      "be written");
	/* Ring 1 serves with executors waiting. */
	c = msg(P9_TGETATTR);
	p9_put32(c, 1);
	p9_put64(c, P9_GETATTR_BASIC);
	if (rpc(1, c, P9_TGETATTR + 1) < 0)
		failf("flush: ring 1 does not serve a Tgetattr meanwhile");
	if (*rs[0].in.prod != p0)
		failf("flush: ring 0 wrote past its room");
	/* Now read ring 0, then ring 1. */
	for (k = 0; k < FLUSH_NREQ - (dropped >= 0); k++) {
		n = recv_msg(0, TIMEOUT_MS);
		if (n < 0) {
			failf("flush: %u of %u Tread replies", k,
			      FLUSH_NREQ - (dropped >= 0));
			break;
		}
		t = (uint16_t)p9_le_get(rbuf + 5, 2);
		for (j = 0; j < (int)FLUSH_NREQ && rtag[j] != t; j++)
			;
		if (j == (int)FLUSH_NREQ || got_r[j] || j == dropped) {
			failf("flush: ring 0: reply tag %u %s", t,
			      j == (int)FLUSH_NREQ ? "not asked"
			      : got_r[j]	   ? "twice"
						   : "flushed unread");
			continue;
		}
		got_r[j] = true;
		if (rbuf[4] != P9_TREAD + 1 ||
		    p9_le_get(rbuf + 7, 4) != chunk ||
		    memcmp(rbuf + P9_RREAD_HDR, buf + (size_t)j * chunk,
			   chunk))
			failf("flush: Tread %d: type %u, wrong reply", j,
			      rbuf[4]);
	}
	for (k = 0; k < npend; k++) {
		n = recv_msg(1, TIMEOUT_MS);
		if (n < 0) {
			failf("flush: %u of %u Rflushes after ring 0 was read",
			      k, npend);
			break;
		}
		t = (uint16_t)p9_le_get(rbuf + 5, 2);
		for (j = 0; j < (int)npend && ftag[j] != t; j++)
			;
		if (j == (int)npend || got_f[j] || rbuf[4] != P9_TFLUSH + 1)
			failf("flush: ring 1: reply tag %u type %u", t,
			      rbuf[4]);
		else
			got_f[j] = true;
	}
	usleep(300000);
	if (xpv_flex_queued(&rs[0].in) || xpv_flex_queued(&rs[1].in))
		failf("flush: a reply more than asked for");
	printf("flush: across rings, %d of %u Treads taken, %u in flight "
	       "flushed after their replies, %s\n", taken, FLUSH_NREQ, npend,
	       dropped >= 0 ? "an unread one dropped" : "none unread");
out:
	served("the flushes");
	clunk(0, 65);
	unlink_file(0, "fl-file");
	free(buf);
}

/* ---- 11: fids by the ten thousand ---- */

/*
 * Sends n requests on ring i, body(c, k, arg) filling the k-th after its
 * header, with at most 256 unanswered and no more than the in ring holds
 * of replies up to 64 bytes (so the backend never waits for room while
 * we write), published and notified in batches; res[k] becomes 0 for a
 * reply of the request's type + 1, -errno for Rlerror.  Every reply must
 * carry a tag in flight, once.  0, or -EPROTO/-ETIMEDOUT after a failure
 * said.
 */
static int pipeline(unsigned int i, uint32_t n, uint8_t type,
		    void (*body)(struct p9_cur *c, uint32_t k, void *arg),
		    void *arg, int *res)
{
	static uint32_t slot[1u << 16];
	static bool busy[1u << 16];
	uint32_t sent = 0, got = 0, batch, drained;
	uint32_t window = rs[i].in.size / 64 < 256 ? rs[i].in.size / 64 : 256;
	struct p9_cur *c;
	uint64_t end;
	uint16_t tag;
	int len, r;

	while (got < n) {
		batch = 0;
		while (sent < n && sent - got < window) {
			c = msg(type);
			tag = (uint16_t)p9_le_get(c->data + 5, 2);
			body(c, sent, arg);
			len = p9_end(c);
			if (len < 0)
				die("pipeline: message too big");
			end = now_ms() + TIMEOUT_MS;
			while (xpv_flex_free_space(&rs[i].out) <
			       (int)(batch + (uint32_t)len)) {
				if (batch) {
					publish(i, batch);
					batch = 0;
				}
				if (now_ms() > end)
					die("ring %u: no room", i);
				wait_event(10);
			}
			put_bytes(i, batch, c->data, (size_t)len);
			batch += (uint32_t)len;
			slot[tag] = sent++;
			busy[tag] = true;
		}
		if (batch)
			publish(i, batch);
		for (drained = 0; got < n; drained++) {
			r = recv_msg_k(i, drained ? 0 : TIMEOUT_MS, false);
			if (r == -ETIMEDOUT && drained)
				break;
			if (r < 0) {
				failf("pipeline: %u of %u replies", got, n);
				return r;
			}
			tag = (uint16_t)p9_le_get(rbuf + 5, 2);
			if (!busy[tag]) {
				failf("pipeline: reply tag %u not in flight",
				      tag);
				return -EPROTO;
			}
			busy[tag] = false;
			if (rbuf[4] == P9_RLERROR)
				res[slot[tag]] = -(int)p9_le_get(rbuf + 7, 4);
			else if (rbuf[4] == type + 1)
				res[slot[tag]] = 0;
			else
				res[slot[tag]] = -EPROTO;
			got++;
		}
		kick(i);
	}
	return 0;
}

static void body_clone(struct p9_cur *c, uint32_t k, void *arg)
{
	p9_put32(c, 1);
	p9_put32(c, *(uint32_t *)arg + k);
	p9_put16(c, 0);
}

static void body_clunk(struct p9_cur *c, uint32_t k, void *arg)
{
	p9_put32(c, *(uint32_t *)arg + k);
}

/* A walk to the name mf-dir: a node (an fd in xenpvd) of its own. */
static void body_walkname(struct p9_cur *c, uint32_t k, void *arg)
{
	p9_put32(c, 1);
	p9_put32(c, *(uint32_t *)arg + k);
	p9_put16(c, 1);
	p9_putstr(c, "mf-dir", 6);
}

/* xenpvd's open fds, -1 if unknown. */
static int daemon_fds(void)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (!daemon_pid)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/fd", daemon_pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* xenpvd's resident set (kB), 0 if unknown. */
static long daemon_rss(void)
{
	char path[64], line[256];
	long kb = 0;
	FILE *f;

	if (!daemon_pid)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/status", daemon_pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* One round: fids base.. cloned from the root up to the cap (fid 1 is
 * the one other), the next refused EMFILE, then all clunked.  The count
 * made, or -1. */
static int fid_round(uint32_t base, int *res, const char *what)
{
	uint32_t n = max_fids - 1, k, ok = 0, extra = base + max_fids - 1;
	uint64_t t0 = now_ms();

	if (pipeline(0, n, P9_TWALK, body_clone, &base, res))
		return -1;
	for (k = 0; k < n; k++)
		if (!res[k])
			ok++;
	if (ok != n) {
		for (k = 0; k < n && !res[k]; k++)
			;
		failf("%s: %u of %u clones, the first failure at %u: %s", what,
		      ok, n, k, strerror(-res[k]));
	}
	refused(walk1(0, 1, extra, NULL), "Twalk beyond the fid cap", EMFILE,
		0);
	refused(attach(0, extra), "Tattach beyond the fid cap", EMFILE, 0);
	refused((int)xattrwalk9(1, extra, ""), "Txattrwalk beyond the fid cap",
		EMFILE, 0);
	if (pipeline(0, n, P9_TCLUNK, body_clunk, &base, res))
		return -1;
	for (k = 0; k < n; k++)
		if (res[k])
			break;
	if (k < n)
		failf("%s: Tclunk of fid %u: %s", what, base + k,
		      strerror(-res[k]));
	printf("%s: %u fids to the cap of %u, the next EMFILE, all clunked "
	       "(%llu ms)\n",
	       what, ok, max_fids, (unsigned long long)(now_ms() - t0));
	return (int)ok;
}

/*
 * Clones of the root by the thousand: all succeed up to the session's
 * cap (--max-fids, xenpvd's p9-max-fids: 16384 by default, fid 1 being
 * one of them), the next Twalk, Tattach and Txattrwalk are EMFILE (the
 * share still serves a Tgetattr at the cap), Tclunk of each succeeds;
 * a second round does the same (every fid was given back), and the
 * daemon's resident set grows by less than 32 MiB in it (no memory kept
 * per fid clunked).  Then 10000 walks to a name, each fid with a node of
 * its own (an fd in xenpvd): all succeed, and once they are clunked
 * xenpvd holds as many fds as before (within 16: it serves others
 * meanwhile).  The share serves after.
 */
static void sc_manyfids(void)
{
	uint32_t nmax = max_fids > 10000 ? max_fids : 10000;
	int *res = malloc(sizeof(int) * nmax), fds0, fds1 = -1, fds2 = -1;
	uint32_t base = 100000, k;
	long rss1, rss2;
	uint64_t end;

	if (!res)
		die("no memory");
	if (fid_round(1000, res, "round 1") < 0)
		goto out;
	rss1 = daemon_rss();
	if (fid_round(1000 + max_fids, res, "round 2") < 0)
		goto out;
	rss2 = daemon_rss();
	if (rss1 && rss2) {
		printf("xenpvd's resident set: %ld kB after round 1, %ld kB "
		       "after round 2\n",
		       rss1, rss2);
		if (rss2 - rss1 > 32 * 1024)
			failf("xenpvd grew by %ld kB in round 2", rss2 - rss1);
	}
	must_work(mkdir9(1, "mf-dir"), "mkdir mf-dir");
	fds0 = daemon_fds();
	if (pipeline(0, 10000, P9_TWALK, body_walkname, &base, res))
		goto out;
	for (k = 0; k < 10000 && !res[k]; k++)
		;
	if (k < 10000)
		failf("10000 walks to mf-dir: walk %u: %s", k,
		      strerror(-res[k]));
	fds1 = daemon_fds();
	if (pipeline(0, 10000, P9_TCLUNK, body_clunk, &base, res))
		goto out;
	for (end = now_ms() + 2000; now_ms() < end; usleep(20000)) {
		fds2 = daemon_fds();
		if (fds2 <= fds0 + 16)
			break;
	}
	if (fds0 >= 0) {
		printf("xenpvd's fds: %d, %d with 10000 fids walked to a "
		       "name, %d once they are clunked\n",
		       fds0, fds1, fds2);
		if (fds2 > fds0 + 16)
			failf("xenpvd kept %d fds of the clunked fids",
			      fds2 - fds0);
	}
	must_work(unlinkat9(1, "mf-dir", P9_DOTL_AT_REMOVEDIR), "rmdir mf-dir");
	served("the fids");
out:
	free(res);
}

/* ---- 12: xattr sizes ---- */

/*
 * Txattrcreate of 1 MiB, 64 KiB + 1 and 2^64-1 bytes: Rlerror E2BIG
 * (the limit is 64 KiB, xenpvd's p9-max-xattr), the fid left as it was.
 * One of 64 KiB: taken, filled by Twrites (one past its end EINVAL) and
 * set at Tclunk exactly as the host's setxattr of the same value does
 * (skipped when that says ENOTSUP); once set, read back the same through
 * Txattrwalk.  Then 64 KiB xattrcreates held without data on fid after
 * fid: the session's budget (16 with the defaults, at least 8) is spent,
 * the next is ENOMEM; their Tclunks answer EINVAL (never written whole,
 * so nothing set) and give the budget back: one more then succeeds.
 */
static void sc_xattr(void)
{
	static const uint8_t d[4] = "xa";
	uint32_t size = 65536, off, chunk, k, made = 0, maxw;
	uint8_t *val = malloc(size), *got = malloc(size);
	char path[4096], name[32];
	int64_t r;
	int n, probe = 0;

	if (!val || !got)
		die("no memory");
	fill_random(val, size);
	host_put("xa", d, 2);
	host_put("xa-probe", d, 2);
	must_work(walk1(0, 1, 80, "xa"), "walk xa");
	refused(xattrcreate9(80, "user.big", 1u << 20), "Txattrcreate of 1 MiB",
		E2BIG, 0);
	refused(xattrcreate9(80, "user.big", size + 1),
		"Txattrcreate of 64 KiB + 1", E2BIG, 0);
	refused(xattrcreate9(80, "user.big", UINT64_MAX),
		"Txattrcreate of 2^64-1", E2BIG, 0);
	/* Still a plain fid. */
	must_work(walk1(0, 80, 81, NULL), "clone of fid 80 after them");
	clunk(0, 81);

	host_path(path, sizeof(path), "xa-probe");
	if (setxattr(path, "user.probe", val, size, 0))
		probe = -errno;
	if (probe == -ENOTSUP || probe == -EOPNOTSUPP) {
		printf("64 KiB xattr: skipped (the export's file system has "
		       "no user xattrs)\n");
	} else {
		maxw = msize - P9_TWRITE_HDR;
		must_work(xattrcreate9(80, "user.big", size),
			  "Txattrcreate of 64 KiB");
		for (off = 0; off < size; off += chunk) {
			chunk = size - off < maxw ? size - off : maxw;
			n = write_at(0, 80, off, val + off, chunk);
			if (n != (int)chunk)
				failf("xattr Twrite at %u: %d", off, n);
		}
		refused(write_at(0, 80, size + 1, val, 10),
			"xattr Twrite past the value", EINVAL, 0);
		n = clunk(0, 80);
		if (n > 0)
			n = 0; /* Rclunk */
		if (n != probe)
			failf("Tclunk of the 64 KiB xattr: %s, the host's "
			      "setxattr: %s",
			      n < 0 ? strerror(-n) : "set",
			      probe < 0 ? strerror(-probe) : "set");
		else
			printf("64 KiB xattr: %s, as on the host\n",
			       n < 0 ? strerror(-n) : "set");
		if (!n) {
			host_path(path, sizeof(path), "xa");
			if (getxattr(path, "user.big", got, size) !=
				(ssize_t)size ||
			    memcmp(got, val, size))
				failf("64 KiB xattr: the host's value "
				      "differs");
			must_work(walk1(0, 1, 81, "xa"), "walk xa");
			r = xattrwalk9(81, 82, "user.big");
			if (r != (int64_t)size)
				failf("Txattrwalk user.big: %lld",
				      (long long)r);
			for (off = 0; r == (int64_t)size && off < size;
			     off += (uint32_t)n) {
				n = read_at(0, 82, off, got + off, size - off);
				if (n <= 0) {
					failf("xattr Tread at %u: %d", off, n);
					break;
				}
			}
			if (off == size && memcmp(got, val, size))
				failf("64 KiB xattr read back differs");
			clunk(0, 81);
			clunk(0, 82);
		}
		must_work(walk1(0, 1, 80, "xa"), "walk xa again");
	}
	served("the 64 KiB xattr");

	for (k = 0; k < 32; k++) {
		if (walk1(0, 1, 90 + k, "xa") < 0)
			die("walk xa");
		snprintf(name, sizeof(name), "user.b%u", k);
		n = xattrcreate9(90 + k, name, size);
		if (n < 0)
			break;
		made++;
	}
	if (k == 32 || n != -ENOMEM || made < 8)
		failf("xattr budget: %u held, then %s", made,
		      k == 32 ? "no refusal" : strerror(-n));
	else
		printf("xattr budget: %u of 64 KiB held, the next ENOMEM\n",
		       made);
	served("the xattr budget");
	for (k = 0; k <= made && k < 32; k++) {
		n = clunk(0, 90 + k);
		if (k < made && n != -EINVAL)
			failf("Tclunk of an unwritten xattr: %s",
			      n < 0 ? strerror(-n) : "set");
	}
	if (walk1(0, 1, 90, "xa") < 0)
		die("walk xa");
	must_work(xattrcreate9(90, "user.again", size),
		  "Txattrcreate after the budget was given back");
	clunk(0, 90);
	host_path(path, sizeof(path), "xa");
	if (getxattr(path, "user.b0", NULL, 0) >= 0 ||
	    getxattr(path, "user.again", NULL, 0) >= 0)
		failf("an xattr never written whole was set");
	clunk(0, 80);
	host_unlink("xa");
	host_unlink("xa-probe");
	free(val);
	free(got);
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
		{ "page-order", required_argument, NULL, 'p' },
		{ "max-fids", required_argument, NULL, 'f' },
		{ "xenpvd-pid", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int first;
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
		case 'p':
			page_order = (unsigned int)atoi(optarg);
			break;
		case 'f':
			max_fids = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'P':
			daemon_pid = atol(optarg);
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
	if (!export_dir || nr < 1 || nr > MAXR || order > 10 ||
	    page_order > XPV_9PFS_MAX_ORDER || max_fids < 2)
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
	/* A ring 0 whose page lies about a smaller order cannot carry the
	 * session's start: ring 1 does. */
	first = page_order && page_order < order && nr > 1;
	version(first);
	n = attach(first, 1);
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
			concurrent(s, 0);
		else if (!strcmp(s, "lone"))
			concurrent(s, 100);
		else if (!strcmp(s, "consnote"))
			sc_consnote();
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
		else if (!strcmp(s, "orderlie"))
			sc_orderlie();
		else if (!strcmp(s, "strpast"))
			sc_strpast();
		else if (!strcmp(s, "countpast"))
			sc_countpast();
		else if (!strcmp(s, "bigcount"))
			sc_bigcount();
		else if (!strcmp(s, "offsets"))
			sc_offsets();
		else if (!strcmp(s, "fidreuse"))
			sc_fidreuse();
		else if (!strcmp(s, "devnodes"))
			sc_devnodes();
		else if (!strcmp(s, "readdir"))
			sc_readdir();
		else if (!strcmp(s, "symlinks"))
			sc_symlinks();
		else if (!strcmp(s, "swapdir"))
			sc_swapdir();
		else if (!strcmp(s, "flush"))
			sc_flush();
		else if (!strcmp(s, "manyfids"))
			sc_manyfids();
		else if (!strcmp(s, "xattr"))
			sc_xattr();
		else
			die("unknown scenario %s", s);
	}
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
