/* SPDX-License-Identifier: MIT */
/*
 * fake-netback.c - a minimal net backend for the frontend library's tests
 * only: a sim dom0 process that plays the toolstack (writes one vif's
 * backend and frontend directories), offers netif features, connects when
 * the frontend says Connected (netfront never says Initialised), and
 * echoes every frame the frontend sends back to it: each tx chain is
 * copied out of the granted pages, answered slot by slot (RSP_NULL for
 * extra-info slots), and written into the rx buffers the frontend posted,
 * one slot per page, with its GSO extra after the first slot and its
 * checksum flags.  It is not xenpvd's netback: it exists so that the
 * netfront can be tested before and independently of it, and its ring
 * handling is its own (only common/ring.h's back side is shared).
 *
 *   fake-netback --fdom N --devid D [--queues Q] [--no-split] [--no-sg]
 *       [--no-gso] [--close-after N] [--then-queues Q] [--stats FILE]
 *       [--bad-rx-id-after N] [--bad-tx-id-after N] [--bad-rx-size-after N]
 *
 * --close-after N: after echoing N frames (and with nothing waiting for rx
 * buffers) it goes Closing, waits for the frontend's Closed, unmaps
 * everything, goes Closed, and offers InitWait again (with --then-queues)
 * when the frontend goes back to Initialising.
 *
 * Misbehaving on purpose, for the frontend's checks: --bad-rx-id-after N
 * gives the echo of frame N+1 an id that is not its buffer's (the
 * frontend must break), --bad-tx-id-after N answers frame N+1's first
 * slot with an id never sent (break too), --bad-rx-size-after N makes the
 * echo of frame N+1 run past its page (the frontend drops that frame and
 * goes on).
 *
 * Every chain is checked (the first slot's size against the rest, offsets
 * within the page, at most 18 slots, extras known); a violation is counted
 * and the vif stops being served.  --stats FILE gets key=value counters at
 * exit.  Exits 0 on SIGTERM.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/io/netif.h>

#include "platform.h"
#include "ring.h"
#include "xs-util.h"
#include "xs-watch.h"

#define MAXQ 16
#define PG 4096u
#define MAX_CHAIN 18u

struct fq {
	struct xpv_ring_back tx, rx;
	void *txr, *rxr;
	int tx_port, rx_port;
	/* The frame waiting for rx buffers. */
	unsigned char frame[65536 + PG];
	uint32_t len;
	uint16_t txflags;
	uint8_t gso_type;
	uint16_t gso_size;
	bool pending;
};

static const struct xpv_platform *P;
static struct xs_handle *xsh;
static struct xpv_gnt *gnt;
static struct xpv_evtchn *evt;
static unsigned int fdom, devid;
static char bdir[128], fdir[128];
static unsigned int offer_queues = 2, then_queues;
static bool no_split, no_sg, no_gso;
static long close_after = -1;
static long bad_rx_id = -1, bad_tx_id = -1, bad_rx_size = -1;
static const char *stats_path;
static volatile sig_atomic_t stop;

static unsigned int nq;
static bool connected, paused, broken, fe_gso4, fe_gso6;
static struct fq q[MAXQ];
static XenbusState bstate = XenbusStateInitialising;

static struct {
	unsigned long frames, slots, max_slots, gso, csum, violations;
	unsigned long connects, bytes;
	unsigned int queues, split;
} st;

static void die(const char *what, int err)
{
	fprintf(stderr, "fake-netback: %s: %s\n", what, strerror(-err));
	exit(1);
}

static void violation(const char *what)
{
	fprintf(stderr, "fake-netback: violation: %s\n", what);
	st.violations++;
	broken = true;
}

static void set_state(XenbusState s)
{
	int err = xpv_xs_switch_state(xsh, XBT_NULL, bdir, s);

	if (err < 0)
		die("state", err);
	bstate = s;
}

static void write_stats(void)
{
	FILE *f;

	if (!stats_path)
		return;
	f = fopen(stats_path, "w");
	if (!f)
		return;
	fprintf(f,
		"frames=%lu\nslots=%lu\nmax_slots=%lu\ngso=%lu\ncsum=%lu\n"
		"violations=%lu\nconnects=%lu\nbytes=%lu\nqueues=%u\n"
		"split=%u\n",
		st.frames, st.slots, st.max_slots, st.gso, st.csum,
		st.violations, st.connects, st.bytes, st.queues, st.split);
	fclose(f);
}

/* ---- toolstack part and negotiation ---- */

#define W(dir, k, ...)                                                       \
	do {                                                                 \
		if (!err)                                                    \
			err = xpv_xs_printf(x, t, dir, k, __VA_ARGS__);      \
	} while (0)

static int mkdirs(struct xs_handle *x, xs_transaction_t t, void *opaque)
{
	int err;

	err = xpv_xs_mkdir(x, t, bdir, NULL, 0, fdom);
	if (!err)
		err = xpv_xs_mkdir(x, t, fdir, NULL, fdom, 0);
	W(bdir, "frontend", "%s", fdir);
	W(bdir, "frontend-id", "%u", fdom);
	W(bdir, "online", "1");
	W(bdir, "state", "1");
	W(bdir, "handle", "%u", devid);
	W(bdir, "mac", "00:16:3e:00:%02x:%02x", fdom & 0xff, devid & 0xff);
	W(fdir, "backend", "%s", bdir);
	W(fdir, "backend-id", "0");
	W(fdir, "state", "1");
	W(fdir, "handle", "%u", devid);
	W(fdir, "mac", "00:16:3e:00:%02x:%02x", fdom & 0xff, devid & 0xff);
	return err;
}

static void publish(void)
{
	struct xs_handle *x = xsh;
	xs_transaction_t t = XBT_NULL;
	int err = 0;

	W(bdir, "feature-rx-copy", "1");
	W(bdir, "feature-rx-flip", "0");
	W(bdir, "feature-sg", "%d", !no_sg);
	W(bdir, "feature-gso-tcpv4", "%d", !no_gso);
	W(bdir, "feature-gso-tcpv6", "%d", !no_gso);
	W(bdir, "feature-ipv6-csum-offload", "1");
	W(bdir, "feature-split-event-channels", "%d", !no_split);
	W(bdir, "multi-queue-max-queues", "%u", offer_queues);
	if (err < 0)
		die("publish", err);
	set_state(XenbusStateInitWait);
}
#undef W

static void disconnect(void)
{
	unsigned int i;

	for (i = 0; i < nq; i++) {
		if (q[i].txr)
			P->gnt->unmap(gnt, q[i].txr, 1);
		if (q[i].rxr)
			P->gnt->unmap(gnt, q[i].rxr, 1);
		if (q[i].rx_port > 0 && q[i].rx_port != q[i].tx_port)
			P->evtchn->unbind(evt, (xpv_port_t)q[i].rx_port);
		if (q[i].tx_port > 0)
			P->evtchn->unbind(evt, (xpv_port_t)q[i].tx_port);
		q[i].txr = q[i].rxr = NULL;
		q[i].tx_port = q[i].rx_port = 0;
		q[i].pending = false;
	}
	nq = 0;
	connected = false;
}

static int read_u32(const char *dir, const char *node, uint32_t *v)
{
	return xpv_xs_read_u32(xsh, XBT_NULL, dir, node, UINT32_MAX, v);
}

static int bind_port(const char *dir, const char *node, int *local)
{
	uint32_t port;
	int err;

	if (read_u32(dir, node, &port) < 0)
		return -EPROTO;
	err = P->evtchn->bind_interdomain(evt, (xpv_domid_t)fdom,
					  (xpv_port_t)port);
	if (err < 0)
		return err;
	*local = err;
	return 0;
}

static int connect_front(void)
{
	char dir[192];
	uint32_t n = 1, ref, v;
	unsigned int i;
	bool split;
	int err;

	if (read_u32(fdir, "request-rx-copy", &v) < 0 || v != 1)
		return -EPROTO;
	if (read_u32(fdir, "multi-queue-num-queues", &n) < 0)
		n = 1;
	if (n < 1 || n > offer_queues)
		return -EPROTO;
	fe_gso4 = fe_gso6 = false;
	xpv_xs_read_feature(xsh, XBT_NULL, fdir, "feature-gso-tcpv4", &fe_gso4);
	xpv_xs_read_feature(xsh, XBT_NULL, fdir, "feature-gso-tcpv6", &fe_gso6);
	split = false;
	nq = n;
	for (i = 0; i < n; i++) {
		if (n > 1)
			snprintf(dir, sizeof(dir), "%s/queue-%u", fdir, i);
		else
			snprintf(dir, sizeof(dir), "%s", fdir);
		if (read_u32(dir, "tx-ring-ref", &ref) < 0)
			return -EPROTO;
		err = P->gnt->map(gnt, (xpv_domid_t)fdom, 1, &ref, 1,
				  &q[i].txr);
		if (err < 0)
			return err;
		if (read_u32(dir, "rx-ring-ref", &ref) < 0)
			return -EPROTO;
		err = P->gnt->map(gnt, (xpv_domid_t)fdom, 1, &ref, 1,
				  &q[i].rxr);
		if (err < 0)
			return err;
		err = xpv_ring_back_attach(
			&q[i].tx, q[i].txr, 1,
			XPV_RING_SLOT_SIZE(struct netif_tx_request,
					   struct netif_tx_response),
			0);
		if (!err)
			err = xpv_ring_back_attach(
				&q[i].rx, q[i].rxr, 1,
				XPV_RING_SLOT_SIZE(struct netif_rx_request,
						   struct netif_rx_response),
				0);
		if (err < 0)
			return err;
		if (bind_port(dir, "event-channel", &q[i].tx_port) == 0) {
			q[i].rx_port = q[i].tx_port;
		} else {
			if (no_split)
				return -EPROTO;
			err = bind_port(dir, "event-channel-tx", &q[i].tx_port);
			if (!err)
				err = bind_port(dir, "event-channel-rx",
						&q[i].rx_port);
			if (err < 0)
				return err;
			split = true;
		}
		q[i].pending = false;
	}
	connected = true;
	paused = false;
	st.connects++;
	st.queues = n;
	st.split = split;
	set_state(XenbusStateConnected);
	return 0;
}

static void fe_changed(void)
{
	XenbusState fs;
	int err;

	if (xpv_xs_read_state(xsh, XBT_NULL, fdir, &fs) < 0)
		return;
	switch (fs) {
	case XenbusStateConnected:
		if (bstate == XenbusStateInitWait) {
			err = connect_front();
			if (err < 0) {
				fprintf(stderr, "fake-netback: connect: %s\n",
					strerror(-err));
				disconnect();
				set_state(XenbusStateClosing);
			}
		}
		break;
	case XenbusStateClosing:
		if (bstate == XenbusStateConnected)
			set_state(XenbusStateClosing);
		break;
	case XenbusStateClosed:
		if (bstate != XenbusStateClosed) {
			disconnect();
			set_state(XenbusStateClosed);
		}
		break;
	case XenbusStateInitialising:
		if (bstate == XenbusStateClosed) {
			if (then_queues)
				offer_queues = then_queues;
			publish();
		}
		break;
	default:
		break;
	}
}

static void watch_fn(void *opaque, const char *path, const char *token)
{
	fe_changed();
}

/* ---- serving ---- */

static int copy_grant(xpv_gref_t ref, bool to_guest, uint16_t off, void *buf,
		      uint32_t len)
{
	void *page;

	if (P->gnt->map(gnt, (xpv_domid_t)fdom, 1, &ref, to_guest, &page) < 0)
		return -EIO;
	if (to_guest)
		memcpy((char *)page + off, buf, len);
	else
		memcpy(buf, (char *)page + off, len);
	P->gnt->unmap(gnt, page, 1);
	return 0;
}

static void put_tx_rsp(struct fq *fq, uint16_t id, int16_t status)
{
	struct netif_tx_response r = { .id = id, .status = status };

	xpv_ring_back_put_rsp(&fq->tx, &r, sizeof(r));
}

/* Takes one tx chain (the frontend publishes whole chains) and answers
 * it; the frame waits in fq for rx buffers.  false on a violation. */
static bool take_tx(struct fq *fq)
{
	union {
		struct netif_tx_request r;
		struct netif_extra_info x;
		unsigned char raw[12];
	} s[MAX_CHAIN + 4];
	bool is_extra[MAX_CHAIN + 4];
	unsigned int n = 0, i, ndata = 0;
	uint32_t rest = 0, off = 0, len;
	bool more;

	fq->gso_type = 0;
	fq->gso_size = 0;
	if (xpv_ring_back_get_req(&fq->tx, s[n].raw, 12) < 0)
		return false;
	is_extra[n++] = false;
	ndata = 1;
	more = s[0].r.flags & NETTXF_extra_info;
	while (more) {
		if (n >= MAX_CHAIN ||
		    xpv_ring_back_get_req(&fq->tx, s[n].raw, 12) < 0) {
			violation("extra-info chain");
			return false;
		}
		is_extra[n] = true;
		more = s[n].x.flags & XEN_NETIF_EXTRA_FLAG_MORE;
		if (s[n].x.type == XEN_NETIF_EXTRA_TYPE_GSO) {
			fq->gso_type = s[n].x.u.gso.type;
			fq->gso_size = s[n].x.u.gso.size;
			if ((fq->gso_type != XEN_NETIF_GSO_TYPE_TCPV4 &&
			     fq->gso_type != XEN_NETIF_GSO_TYPE_TCPV6) ||
			    !fq->gso_size) {
				violation("bad GSO extra");
				return false;
			}
		} else {
			violation("unexpected extra type");
			return false;
		}
		n++;
	}
	more = s[0].r.flags & NETTXF_more_data;
	while (more) {
		if (n >= MAX_CHAIN ||
		    xpv_ring_back_get_req(&fq->tx, s[n].raw, 12) < 0) {
			violation("data chain past req_prod or too long");
			return false;
		}
		is_extra[n] = false;
		more = s[n].r.flags & NETTXF_more_data;
		rest += s[n].r.size;
		ndata++;
		n++;
	}
	if (ndata > 1 && no_sg) {
		violation("several slots without feature-sg");
		return false;
	}
	if (rest >= s[0].r.size) {
		violation("first slot's size not the frame's");
		return false;
	}
	len = s[0].r.size;
	for (i = 0; i < n; i++) {
		uint32_t sz;

		if (is_extra[i])
			continue;
		sz = i == 0 ? len - rest : s[i].r.size;
		if ((uint32_t)s[i].r.offset + sz > PG) {
			violation("slot crosses its page");
			return false;
		}
		if (copy_grant(s[i].r.gref, false, s[i].r.offset,
			       fq->frame + off, sz) < 0) {
			violation("bad grant");
			return false;
		}
		off += sz;
	}
	for (i = 0; i < n; i++)
		put_tx_rsp(fq,
			   is_extra[i] ? 0 :
			   i == 0 && bad_tx_id >= 0 &&
				   st.frames == (unsigned long)bad_tx_id ?
					0xffff :
					s[i].r.id,
			   is_extra[i] ? NETIF_RSP_NULL : NETIF_RSP_OKAY);
	fq->len = len;
	fq->txflags = s[0].r.flags;
	fq->pending = true;
	st.slots += n;
	if (n > st.max_slots)
		st.max_slots = n;
	st.gso += fq->gso_type != 0;
	st.csum += !!(fq->txflags & NETTXF_csum_blank);
	st.bytes += len;
	return true;
}

/* Writes the pending frame into posted rx buffers; false when there are
 * not enough yet. */
static bool echo_rx(struct fq *fq)
{
	struct netif_rx_request req;
	struct netif_rx_response rsp;
	struct netif_extra_info x;
	uint32_t ndata = (fq->len + PG - 1) / PG, i, off = 0, sz;
	bool extra = (fq->gso_type == XEN_NETIF_GSO_TYPE_TCPV4 && fe_gso4) ||
		     (fq->gso_type == XEN_NETIF_GSO_TYPE_TCPV6 && fe_gso6);
	int avail = xpv_ring_back_unconsumed(&fq->rx);

	if (avail < 0) {
		violation("rx req_prod");
		return false;
	}
	if ((uint32_t)avail < ndata + extra)
		return false;
	for (i = 0; i < ndata; i++) {
		xpv_ring_back_get_req(&fq->rx, &req, sizeof(req));
		sz = fq->len - off < PG ? fq->len - off : PG;
		memset(&rsp, 0, sizeof(rsp));
		rsp.id = req.id;
		rsp.offset = 0;
		rsp.status = (int16_t)sz;
		if (i + 1 < ndata)
			rsp.flags |= NETRXF_more_data;
		if (copy_grant(req.gref, true, 0, fq->frame + off, sz) < 0) {
			violation("bad rx grant");
			rsp.status = NETIF_RSP_ERROR;
		}
		if (i == 0 && bad_rx_id >= 0 &&
		    st.frames == (unsigned long)bad_rx_id)
			rsp.id = (uint16_t)(req.id + 1);
		if (i == 0 && bad_rx_size >= 0 &&
		    st.frames == (unsigned long)bad_rx_size)
			rsp.offset = (uint16_t)(PG - sz / 2 - 1);
		if (i == 0) {
			if (fq->txflags & NETTXF_csum_blank)
				rsp.flags |= NETRXF_csum_blank |
					     NETRXF_data_validated;
			if (fq->txflags & NETTXF_data_validated)
				rsp.flags |= NETRXF_data_validated;
			if (extra)
				rsp.flags |= NETRXF_extra_info;
		}
		xpv_ring_back_put_rsp(&fq->rx, &rsp, sizeof(rsp));
		off += sz;
		if (i == 0 && extra) {
			/* The extra takes the next request's slot. */
			xpv_ring_back_get_req(&fq->rx, &req, sizeof(req));
			memset(&x, 0, sizeof(x));
			x.type = XEN_NETIF_EXTRA_TYPE_GSO;
			x.u.gso.type = fq->gso_type;
			x.u.gso.size = fq->gso_size;
			xpv_ring_back_put_rsp(&fq->rx, &x, sizeof(x));
		}
	}
	fq->pending = false;
	st.frames++;
	return true;
}

static bool want_close(void)
{
	return close_after >= 0 && st.frames >= (unsigned long)close_after;
}

/* Serves one queue until it has nothing to do: a pending echo is always
 * finished, even while pausing to close. */
static void serve(struct fq *fq)
{
	int n;

	for (;;) {
		while (!broken) {
			if (fq->pending && !echo_rx(fq))
				break;
			if (want_close())
				paused = true;
			if (paused)
				break;
			n = xpv_ring_back_unconsumed(&fq->tx);
			if (n < 0) {
				violation("tx req_prod");
				break;
			}
			if (n == 0 || !take_tx(fq))
				break;
		}
		if (xpv_ring_back_push_responses(&fq->tx))
			P->evtchn->notify(evt, (xpv_port_t)fq->tx_port);
		if (xpv_ring_back_push_responses(&fq->rx))
			P->evtchn->notify(evt, (xpv_port_t)fq->rx_port);
		if (broken)
			return;
		/* Before sleeping: ask for the event we wait for. */
		if (fq->pending)
			n = xpv_ring_back_final_check(&fq->rx);
		else if (paused)
			return;
		else
			n = xpv_ring_back_final_check(&fq->tx);
		if (n <= 0)
			return;
	}
}

static void on_signal(int sig)
{
	stop = 1;
}

static unsigned int num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*s == '\0' || *end != '\0') {
		fprintf(stderr, "fake-netback: bad number '%s'\n", s);
		exit(2);
	}
	return (unsigned int)v;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "fdom", 1, NULL, 'f' },	 { "devid", 1, NULL, 'd' },
		{ "queues", 1, NULL, 'q' },	 { "no-split", 0, NULL, 's' },
		{ "no-sg", 0, NULL, 'g' },	 { "no-gso", 0, NULL, 'G' },
		{ "close-after", 1, NULL, 'C' },
		{ "then-queues", 1, NULL, 'Q' }, { "stats", 1, NULL, 'S' },
		{ "bad-rx-id-after", 1, NULL, 'I' },
		{ "bad-tx-id-after", 1, NULL, 'T' },
		{ "bad-rx-size-after", 1, NULL, 'Z' },
		{ NULL, 0, NULL, 0 },
	};
	struct xpv_xs_watcher *w;
	struct pollfd pfd[2];
	char path[200];
	unsigned int i;
	int c, err, p;
	bool fdom_set = false, devid_set = false;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'f': fdom = num(optarg); fdom_set = true; break;
		case 'd': devid = num(optarg); devid_set = true; break;
		case 'q': offer_queues = num(optarg); break;
		case 's': no_split = true; break;
		case 'g': no_sg = true; break;
		case 'G': no_gso = true; break;
		case 'C': close_after = num(optarg); break;
		case 'Q': then_queues = num(optarg); break;
		case 'S': stats_path = optarg; break;
		case 'I': bad_rx_id = num(optarg); break;
		case 'T': bad_tx_id = num(optarg); break;
		case 'Z': bad_rx_size = num(optarg); break;
		default: return 2;
		}
	}
	if (!fdom_set || !devid_set || offer_queues < 1 ||
	    offer_queues > MAXQ || then_queues > MAXQ)
		return 2;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	P = xpv_platform_get("sim");
	if ((err = xpv_xs_open(&xsh)) < 0)
		die("xs_open", err);
	if ((err = P->gnt->open(&gnt)) < 0)
		die("gnt", err);
	if ((err = P->evtchn->open(&evt)) < 0)
		die("evtchn", err);
	snprintf(bdir, sizeof(bdir), "/local/domain/0/backend/vif/%u/%u", fdom,
		 devid);
	snprintf(fdir, sizeof(fdir), "/local/domain/%u/device/vif/%u", fdom,
		 devid);
	if ((err = xpv_xs_transact(xsh, mkdirs, NULL)) < 0)
		die("mkdirs", err);
	publish();
	if ((err = xpv_xs_watcher_open(xsh, &w)) < 0)
		die("watcher", err);
	snprintf(path, sizeof(path), "%s/state", fdir);
	if ((err = xpv_xs_watch_add(w, path, "fe", watch_fn, NULL)) < 0)
		die("watch", err);

	pfd[0].fd = xpv_xs_watcher_fd(w);
	pfd[1].fd = P->evtchn->fd(evt);
	pfd[0].events = pfd[1].events = POLLIN;
	while (!stop) {
		if (poll(pfd, 2, 200) < 0)
			continue;
		if (pfd[0].revents)
			xpv_xs_watcher_dispatch(w);
		if (pfd[1].revents)
			while ((p = P->evtchn->pending(evt)) >= 0)
				P->evtchn->unmask(evt, (xpv_port_t)p);
		if (!connected || broken)
			continue;
		for (i = 0; i < nq && connected; i++)
			serve(&q[i]);
		if (paused && bstate == XenbusStateConnected) {
			for (i = 0; i < nq; i++)
				if (q[i].pending)
					break;
			if (i == nq) {
				close_after = -1;
				set_state(XenbusStateClosing);
			}
		}
	}
	write_stats();
	disconnect();
	xpv_xs_watcher_close(w);
	P->evtchn->close(evt);
	P->gnt->close(gnt);
	xpv_xs_close(xsh);
	return 0;
}
