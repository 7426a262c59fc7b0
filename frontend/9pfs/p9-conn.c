/* SPDX-License-Identifier: MIT */
/*
 * p9-conn.c - the device side of the 9pfs channel: the hooks the frontend
 * core (core/xenbus-front.h) calls for a 9pfs device (the backend's
 * offers, each ring's interface page, data pages and event channel, the
 * frontend's keys), the 9P session's start (Tversion), and opening,
 * closing and describing a share.
 *
 * Guarantees:
 * - The frontend's keys (version, num-rings, ring-ref<N>,
 *   event-channel-<N>) are written in the core's one transaction with
 *   state Initialised, after the keys of any earlier connection are
 *   removed (p9_stale_keys).
 * - Every backend value is read through the strict parsers of xs-util.h:
 *   `versions` must list 1, `max-ring-page-order` must be at least 1;
 *   nonsense in `max-rings` means one ring.
 * - Rings, order and msize never exceed what the caller's options, the
 *   backend and the library allow (16 rings, order 9, msize no larger
 *   than a ring); a platform that refuses the grants gets a smaller order.
 * - The session starts only once: when the connection that carries it
 *   ends, what is in flight fails with -ECONNRESET and the handle stops
 *   following the backend (p9-io.c).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9-front.h"
#include "p9wire.h"

static unsigned int umin(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

/* ---- rings ---- */

/* Ends every ring's grants and port; the requests must be gone first. */
void p9f_teardown(struct xpvf_9p *h)
{
	struct p9f_ring *r;
	unsigned int i;

	for (i = 0; i < P9F_MAX_RINGS; i++) {
		r = &h->rings[i];
		front_area_end(&h->dev, &r->data_area);
		front_area_end(&h->dev, &r->intf_area);
		front_evtchn_free(&h->dev, r->port);
		memset(r, 0, sizeof(*r));
		r->port = -1;
	}
	h->nr = 0;
}

static int ring_setup(struct xpvf_9p *h, struct p9f_ring *r)
{
	int err;

	err = front_area_share(&h->dev, &r->intf_area, 1, &r->intf_ref, true);
	if (err < 0)
		return err;
	/* Writable: the backend writes the in half. */
	err = front_area_share(&h->dev, &r->data_area, 1u << h->order,
			       r->data_refs, true);
	if (err < 0)
		return err;
	err = xpv_9pfs_intf_init(r->intf_area.addr, h->order, r->data_refs);
	if (err < 0)
		return err;
	err = xpv_9pfs_rings(r->intf_area.addr, r->data_area.addr, h->order,
			     &r->in, &r->out);
	if (err < 0)
		return err;
	err = front_evtchn_alloc(&h->dev);
	if (err < 0)
		return err;
	r->port = err;
	return 0;
}

static int rings_setup(struct xpvf_9p *h, unsigned int nr)
{
	unsigned int i;
	int err;

	h->nr = nr;
	for (i = 0; i < nr; i++) {
		err = ring_setup(h, &h->rings[i]);
		if (err < 0)
			return err;
	}
	return 0;
}

/* Whether a `versions` value ("1", "1,2") lists transport version 1. */
static bool lists_version_1(const char *s)
{
	const char *p = s, *e;

	for (;;) {
		e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		if (e - p == 1 && p[0] == '1')
			return true;
		if (!*e)
			return false;
		p = e + 1;
	}
}

/* ---- the core's hooks ---- */

/* Whatever an earlier connection (ours or not) left behind. */
static const struct front_stale_key p9_stale_keys[] = {
	{ "version", 0 },
	{ "num-rings", 0 },
	{ "ring-ref", P9F_MAX_RINGS },
	{ "event-channel-", P9F_MAX_RINGS },
	{ NULL, 0 },
};

/* Backend in InitWait: read its offers, build the rings. */
static int p9_prepare(struct front_dev *d)
{
	struct xpvf_9p *h = p9f_of(d);
	char versions[64];
	uint32_t mr = 1, mo = 0;
	unsigned int nr, order, want;
	int err;

	err = xpv_xs_read(d->xsh, XBT_NULL, d->be_dir, "versions", versions,
			  sizeof(versions));
	if (err < 0 || !lists_version_1(versions))
		return -EPROTO;
	if (xpv_xs_read_u32(d->xsh, XBT_NULL, d->be_dir, "max-rings", 65536,
			    &mr) < 0 ||
	    mr == 0)
		mr = 1;
	if (xpv_xs_read_u32(d->xsh, XBT_NULL, d->be_dir,
			    "max-ring-page-order", 64, &mo) < 0 ||
	    mo < XPV_9PFS_MIN_ORDER)
		return -EPROTO;

	want = h->opts.max_rings ? h->opts.max_rings : P9F_DEFAULT_RINGS;
	nr = umin(umin(mr, want), P9F_MAX_RINGS);
	want = h->opts.max_ring_page_order ? h->opts.max_ring_page_order :
					     XPV_9PFS_MAX_ORDER;
	order = umin(umin(mo, want), XPV_9PFS_MAX_ORDER);
	if (order < XPV_9PFS_MIN_ORDER)
		order = XPV_9PFS_MIN_ORDER;
	/* Grants are bounded (Linux's gntalloc: 1024 pages by default):
	 * rings that do not fit get smaller, not refused. */
	for (;;) {
		h->order = order;
		err = rings_setup(h, nr);
		if (err != -ENOSPC || order == XPV_9PFS_MIN_ORDER)
			return err;
		p9f_teardown(h);
		order--;
	}
}

/* Inside the core's transaction: the transport version and the rings. */
static int p9_write_keys(struct front_dev *d, xs_transaction_t t)
{
	struct xpvf_9p *h = p9f_of(d);
	char node[32];
	unsigned int i;
	int err;

	err = xpv_xs_write(d->xsh, t, d->fe_dir, "version", "1");
	if (!err)
		err = xpv_xs_printf(d->xsh, t, d->fe_dir, "num-rings", "%u",
				    h->nr);
	for (i = 0; !err && i < h->nr; i++) {
		/* "ring-ref<N>" has no dash, "event-channel-<N>" has one. */
		snprintf(node, sizeof(node), "ring-ref%u", i);
		err = xpv_xs_printf(d->xsh, t, d->fe_dir, node, "%u",
				    h->rings[i].intf_ref);
		if (err)
			break;
		snprintf(node, sizeof(node), "event-channel-%u", i);
		err = xpv_xs_printf(d->xsh, t, d->fe_dir, node, "%d",
				    h->rings[i].port);
	}
	return err;
}

/* Backend Connected: nothing more to read; the session starts after. */
static int p9_connect(struct front_dev *d)
{
	struct xpvf_9p *h = p9f_of(d);
	uint32_t ring_size = XPV_FLEX_RING_SIZE(h->order);

	h->info.rings = h->nr;
	h->info.ring_page_order = h->order;
	h->info.ring_size = ring_size;
	h->info.backend_domid = d->be_domid;
	h->msize = h->opts.msize && h->opts.msize < ring_size ? h->opts.msize :
								ring_size;
	h->info.msize = 0;
	return 0;
}

static void p9_issue(struct front_dev *d)
{
	p9f_issue(p9f_of(d));
}

static void p9_harvest(struct front_dev *d)
{
	p9f_harvest(p9f_of(d));
}

/* The backend left: the session goes with the connection. */
static void p9_disconnect(struct front_dev *d)
{
	struct xpvf_9p *h = p9f_of(d);

	if (d->connects)
		p9f_session_lost(h);
	else
		p9f_fail_all(h, -ECONNRESET); /* nothing is sent before */
	p9f_teardown(h);
}

static void p9_gone(struct front_dev *d, int err)
{
	struct xpvf_9p *h = p9f_of(d);

	p9f_fail_all(h, err);
	p9f_teardown(h);
}

static bool p9_idle(struct front_dev *d)
{
	return !p9f_of(d)->busy;
}

static const struct front_ops p9_ops = {
	.size = sizeof(struct front_ops),
	.keys_state = XenbusStateInitialised,
	.stale_keys = p9_stale_keys,
	.prepare = p9_prepare,
	.write_keys = p9_write_keys,
	.connect = p9_connect,
	.issue = p9_issue,
	.harvest = p9_harvest,
	.disconnect = p9_disconnect,
	.gone = p9_gone,
	.idle = p9_idle,
};

/* ---- the session ---- */

/*
 * Tversion "9P2000.L" with our msize, on tag P9_NOTAG (ring NOTAG % nr, as
 * Linux), and the server's answer: its msize (never above ours, at least
 * P9_MIN_MSIZE) becomes the session's.  The wait state lives in the handle:
 * a reply that comes after a timeout completes into it, not a dead stack.
 */
static int p9_version(struct xpvf_9p *h, int64_t deadline)
{
	struct p9_cur c;
	const char *ver;
	uint16_t vlen;
	uint32_t msize;
	int64_t left;
	uint8_t type;
	int n, err;

	err = p9f_state_err(h);
	if (err)
		return err;
	p9_cur_init(&c, h->vmsg, sizeof(h->vmsg));
	p9_begin(&c, P9_TVERSION, P9_NOTAG);
	p9_put32(&c, h->msize);
	p9_putstr(&c, P9F_VERSION, strlen(P9F_VERSION));
	n = p9_end(&c);
	if (n < 0)
		return n;
	h->vsync.done = false;
	p9f_send(h, P9F_VERSION_SLOT, h->vmsg, (uint32_t)n, h->vrep,
		 sizeof(h->vrep), NULL, 0, p9f_sync_done, &h->vsync);
	while (!h->vsync.done) {
		left = deadline - front_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		xpvf_9p_wait(h, left > P9F_KICK_MS ? P9F_KICK_MS : (int)left);
	}
	if (h->vsync.result < 0)
		return h->vsync.result;

	p9_cur_init(&c, h->vrep, (size_t)h->vsync.result);
	(void)p9_get32(&c);
	type = p9_get8(&c);
	(void)p9_get16(&c);
	if (type == P9_RLERROR)
		return -EPROTONOSUPPORT;
	msize = p9_get32(&c);
	p9_getstr(&c, &ver, &vlen);
	if (c.err || p9_cur_left(&c))
		return -EPROTO;
	if (vlen != strlen(P9F_VERSION) || memcmp(ver, P9F_VERSION, vlen))
		return -EPROTONOSUPPORT;
	if (msize < P9_MIN_MSIZE || msize > h->msize)
		return -EPROTO;
	h->msize = msize;
	h->info.msize = msize;
	h->session = true;
	return 0;
}

/* ---- open and close ---- */

/* Copies opts, then checks the copy.  0 and *pf, or -EINVAL. */
static int check_opts(struct xpvf_9p *h, const struct xpvf_9p_opts *opts,
		      const struct xpv_platform **pf)
{
	size_t n;

	memset(&h->opts, 0, sizeof(h->opts));
	if (opts) {
		if (opts->size < offsetof(struct xpvf_9p_opts, platform))
			return -EINVAL;
		n = opts->size < sizeof(h->opts) ? opts->size :
						   sizeof(h->opts);
		memcpy(&h->opts, opts, n);
	}
	h->opts.size = sizeof(h->opts);
	if (!h->opts.timeout_ms)
		h->opts.timeout_ms = P9F_DEFAULT_TIMEOUT_MS;
	if (h->opts.msize && h->opts.msize < P9_MIN_MSIZE)
		return -EINVAL;
	*pf = xpv_platform_get(h->opts.platform);
	return *pf ? 0 : -EINVAL;
}

/* Closes and frees h; drain: let answers in flight come first. */
/* Whether the backend may still map our rings (its state says so). */
static bool be_holds_rings(struct xpvf_9p *h)
{
	XenbusState bs;

	if (xpv_xs_read_state(h->dev.xsh, XBT_NULL, h->dev.be_dir, &bs) < 0)
		return false;
	return bs == XenbusStateInitialised || bs == XenbusStateConnected ||
	       bs == XenbusStateClosing;
}

static void p9_close(struct xpvf_9p *h, bool drain)
{
	int64_t deadline = front_now_ms() + h->opts.timeout_ms, left;
	XenbusState bs;

	h->dev.closing = true;
	if (h->lost) {
		/* The backend left first and the core answered Closed (or
		 * asked for InitWait again): say Closed, unless we already
		 * do, and wait for nothing.  A backend that is going away
		 * (a detach) sees no state change; the toolstack may be
		 * removing our directory. */
		if (!xpv_xs_read_state(h->dev.xsh, XBT_NULL, h->dev.fe_dir,
				       &bs))
			xpv_xs_switch_state(h->dev.xsh, XBT_NULL,
					    h->dev.fe_dir, XenbusStateClosed);
		/* Rings it still maps cannot end: give it time to let go. */
		while (p9f_rings_up(h) && h->dev.watcher &&
		       be_holds_rings(h)) {
			left = deadline - front_now_ms();
			if (left <= 0)
				break;
			front_dev_events(&h->dev, left > 100 ? 100 : (int)left);
		}
	} else if (h->dev.watcher && (p9f_rings_up(h) || h->dev.connects) &&
		   !xpv_xs_read_state(h->dev.xsh, XBT_NULL, h->dev.be_dir,
				      &bs)) {
		/* Let answers in flight come (not when the backend broke
		 * the protocol); then Closing and Closed, or the backend
		 * would keep our grants mapped.  A backend whose directory
		 * is gone (above) waits for nothing. */
		front_dev_close_handshake(&h->dev,
					  drain && !h->broken &&
						  p9f_rings_up(h),
					  deadline);
	}
	p9f_fail_all(h, -ECANCELED);
	p9f_teardown(h);
	front_dev_close(&h->dev);
	p9f_client_free(h);
	free(h);
}

int xpvf_9p_open(struct xpvf_9p **out, unsigned int domid, unsigned int devid,
		 const struct xpvf_9p_opts *opts)
{
	const struct xpv_platform *pf;
	struct xpvf_9p *h;
	int64_t deadline;
	unsigned int i;
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	front_dev_init(&h->dev, &p9_ops);
	for (i = 0; i < P9F_MAX_RINGS; i++)
		h->rings[i].port = -1;
	p9f_init_tags(h);
	err = check_opts(h, opts, &pf);
	if (err < 0)
		goto fail;
	deadline = front_now_ms() + h->opts.timeout_ms;
	err = p9f_client_init(h);
	if (err < 0)
		goto fail;
	err = front_dev_open(&h->dev, pf, "9pfs", domid, devid);
	if (err < 0)
		goto fail;
	/* The toolstack's name for the share; absent or too long is "". */
	if (xpv_xs_read(h->dev.xsh, XBT_NULL, h->dev.fe_dir, "tag",
			h->info.tag, sizeof(h->info.tag)) < 0)
		h->info.tag[0] = '\0';
	err = front_dev_connect(&h->dev, deadline);
	if (err < 0)
		goto fail;
	err = p9_version(h, deadline);
	if (err < 0)
		goto fail;
	*out = h;
	return 0;

fail:
	/* A Tversion that timed out is not waited for a second time. */
	p9_close(h, false);
	return err;
}

void xpvf_9p_close(struct xpvf_9p *h)
{
	if (h)
		p9_close(h, true);
}

int xpvf_9p_info(struct xpvf_9p *h, struct xpvf_9p_info *info)
{
	if (!h || !info)
		return -EINVAL;
	*info = h->info;
	return 0;
}
