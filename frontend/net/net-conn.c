/* SPDX-License-Identifier: MIT */
/*
 * net-conn.c - the vif side of the net channel: the hooks the frontend
 * core (core/xenbus-front.h) calls for a vif (the backend's offers, each
 * queue's rings, event channels and page pools, the frontend's netif
 * keys), and opening, closing and describing a vif.
 *
 * Guarantees:
 * - The keys are written as Linux xen-netfront writes them, in the core's
 *   one transaction, with state Connected (netfront never says
 *   Initialised): per queue (under queue-N/ when there are several)
 *   tx-ring-ref, rx-ring-ref and event-channel, or event-channel-tx and
 *   event-channel-rx when the backend offers split channels and the
 *   options allow them; then request-rx-copy, feature-rx-notify and the
 *   features, and multi-queue-num-queues whenever the backend names a
 *   maximum.
 * - Every backend value goes through the strict parsers of xs-util.h;
 *   nonsense in an offer means "not offered".  A backend without
 *   feature-rx-copy cannot serve us (page flipping is gone): -EPROTO.
 * - The rx buffers are posted before the keys are written, so a backend
 *   that connects at once finds them.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net-front.h"

static unsigned int umin(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

void net_teardown(struct xpvf_net *h)
{
	struct net_queue *q;
	unsigned int i;

	for (i = 0; i < NET_MAX_QUEUES; i++) {
		q = &h->q[i];
		front_pool_release(&h->dev, &q->txp);
		front_pool_release(&h->dev, &q->rxp);
		front_area_end(&h->dev, &q->tx_area);
		front_area_end(&h->dev, &q->rx_area);
		if (q->rx_port != q->tx_port)
			front_evtchn_free(&h->dev, q->rx_port);
		front_evtchn_free(&h->dev, q->tx_port);
		free(q->page_frame);
		free(q->frames);
		free(q->free_frames);
		free(q->rx_free);
		memset(q, 0, sizeof(*q));
		q->tx_port = q->rx_port = -1;
	}
	h->nq = 0;
	h->up = false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The frontend directory's "aa:bb:cc:dd:ee:ff" into info.mac; all zero
 * when absent or not that. */
static void read_mac(struct xpvf_net *h)
{
	uint8_t mac[6];
	char buf[32];
	const char *p = buf;
	unsigned int i;
	int hi, lo;

	memset(h->info.mac, 0, sizeof(h->info.mac));
	if (xpv_xs_read(h->dev.xsh, XBT_NULL, h->dev.fe_dir, "mac", buf,
			sizeof(buf)) != 17)
		return;
	for (i = 0; i < 6; i++, p += 3) {
		hi = hexval(p[0]);
		lo = hexval(p[1]);
		if (hi < 0 || lo < 0 || (i < 5 && p[2] != ':'))
			return;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(h->info.mac, mac, sizeof(mac));
}

static bool offered(struct front_dev *d, const char *key)
{
	bool on = false;

	if (xpv_xs_read_feature(d->xsh, XBT_NULL, d->be_dir, key, &on) < 0)
		return false;
	return on;
}

/* ---- the core's hooks ---- */

static const struct front_stale_key vif_stale_keys[] = {
	{ "tx-ring-ref", 0 },
	{ "rx-ring-ref", 0 },
	{ "event-channel", 0 },
	{ "event-channel-tx", 0 },
	{ "event-channel-rx", 0 },
	{ "multi-queue-num-queues", 0 },
	{ "queue-", NET_MAX_QUEUES },
	{ NULL, 0 },
};

/* Backend in InitWait: read its offers, build the queues, post rx. */
static int vif_prepare(struct front_dev *d)
{
	struct xpvf_net *h = net_of(d);
	struct front_pool *pools[NET_MAX_QUEUES];
	uint32_t mq = 1, per;
	unsigned int i, want;
	int err;

	if (!offered(d, "feature-rx-copy"))
		return -EPROTO;
	/* Linux netfront writes multi-queue-num-queues whenever the key
	 * exists, even for one queue. */
	err = xpv_xs_read_u32(d->xsh, XBT_NULL, d->be_dir,
			      "multi-queue-max-queues", UINT32_MAX, &mq);
	h->mq_key = err != -ENOENT;
	if (err < 0 || mq == 0)
		mq = 1;
	want = h->opts.max_queues ? h->opts.max_queues : 1;
	h->nq = umin(umin(mq, want), NET_MAX_QUEUES);
	h->split = !h->opts.no_split_evtchn &&
		   offered(d, "feature-split-event-channels");
	h->sg = !h->opts.no_sg && offered(d, "feature-sg");
	h->gso4 = h->sg && !h->opts.no_gso_tcpv4 &&
		  offered(d, "feature-gso-tcpv4");
	h->gso6 = h->sg && !h->opts.no_gso_tcpv6 &&
		  offered(d, "feature-gso-tcpv6");
	read_mac(h);

	for (i = 0; i < h->nq; i++) {
		err = net_queue_start(h, &h->q[i]);
		if (err < 0)
			return err;
	}
	/* Pools: rx buffers first (without them nothing arrives), then tx
	 * pages; each shrinks when the platform grants fewer pages. */
	for (i = 0; i < h->nq; i++)
		pools[i] = &h->q[i].rxp;
	per = h->opts.rx_buffers ? h->opts.rx_buffers : NET_DEFAULT_BUFS;
	err = front_pools_setup(d, pools, h->nq, per, XPVF_NET_MAX_SLOTS);
	if (err < 0)
		return err;
	h->rx_bufs = h->q[0].rxp.area.count;
	for (i = 0; i < h->nq; i++)
		pools[i] = &h->q[i].txp;
	per = h->opts.tx_pages ? h->opts.tx_pages : NET_DEFAULT_BUFS;
	err = front_pools_setup(d, pools, h->nq, per, XPVF_NET_MAX_SLOTS);
	if (err < 0)
		return err;
	h->tx_pages = h->q[0].txp.area.count;
	for (i = 0; i < h->nq; i++) {
		struct net_queue *q = &h->q[i];
		uint32_t p;

		q->page_frame = calloc(h->tx_pages, sizeof(*q->page_frame));
		q->frames = calloc(h->tx_pages, sizeof(*q->frames));
		q->free_frames = calloc(h->tx_pages, sizeof(*q->free_frames));
		q->rx_free = calloc(h->rx_bufs, sizeof(*q->rx_free));
		if (!q->page_frame || !q->frames || !q->free_frames ||
		    !q->rx_free)
			return -ENOMEM;
		for (p = 0; p < h->tx_pages; p++) {
			q->page_frame[p] = NET_NONE;
			q->free_frames[p] = h->tx_pages - 1 - p;
		}
		q->nr_free_frames = h->tx_pages;
		for (p = 0; p < h->rx_bufs; p++)
			q->rx_free[p] = h->rx_bufs - 1 - p;
		q->nr_rx_free = h->rx_bufs;
	}
	h->up = true;
	for (i = 0; i < h->nq; i++)
		net_post_rx(h, &h->q[i]);
	return 0;
}

static int write_queue(struct xpvf_net *h, xs_transaction_t t,
		       const char *dir, const struct net_queue *q)
{
	struct xs_handle *xsh = h->dev.xsh;
	int err;

	err = xpv_xs_printf(xsh, t, dir, "tx-ring-ref", "%u", q->tx_ref);
	if (!err)
		err = xpv_xs_printf(xsh, t, dir, "rx-ring-ref", "%u",
				    q->rx_ref);
	if (err)
		return err;
	if (!h->split)
		return xpv_xs_printf(xsh, t, dir, "event-channel", "%d",
				     q->tx_port);
	err = xpv_xs_printf(xsh, t, dir, "event-channel-tx", "%d", q->tx_port);
	if (!err)
		err = xpv_xs_printf(xsh, t, dir, "event-channel-rx", "%d",
				    q->rx_port);
	return err;
}

/* Inside the core's transaction. */
static int vif_write_keys(struct front_dev *d, xs_transaction_t t)
{
	struct xpvf_net *h = net_of(d);
	char dir[sizeof(d->fe_dir) + 32];
	bool csum = !h->opts.no_csum_offload;
	unsigned int i;
	int err = 0;

	if (h->mq_key)
		err = xpv_xs_printf(d->xsh, t, d->fe_dir,
				    "multi-queue-num-queues", "%u", h->nq);
	for (i = 0; !err && i < h->nq; i++) {
		if (h->nq == 1) {
			err = write_queue(h, t, d->fe_dir, &h->q[i]);
			break;
		}
		snprintf(dir, sizeof(dir), "%s/queue-%u", d->fe_dir, i);
		err = write_queue(h, t, dir, &h->q[i]);
	}
#define KEY(k, v)                                                          \
	do {                                                               \
		if (!err)                                                  \
			err = xpv_xs_write(d->xsh, t, d->fe_dir, k,        \
					   (v) ? "1" : "0");               \
	} while (0)
	/* What we can receive: the backend sends within these. */
	KEY("request-rx-copy", 1);
	KEY("feature-rx-notify", 1);
	KEY("feature-sg", !h->opts.no_sg);
	KEY("feature-gso-tcpv4", !h->opts.no_sg && !h->opts.no_gso_tcpv4);
	KEY("feature-gso-tcpv6", !h->opts.no_sg && !h->opts.no_gso_tcpv6);
	KEY("feature-ipv6-csum-offload", csum && !h->opts.no_ipv6_csum_offload);
	KEY("feature-no-csum-offload", !csum);
#undef KEY
	return err;
}

/* Backend Connected: everything was made at InitWait. */
static int vif_connect(struct front_dev *d)
{
	struct xpvf_net *h = net_of(d);
	struct xpvf_net_info *in = &h->info;

	in->queues = h->nq;
	in->split_evtchn = h->split;
	in->sg = h->sg;
	in->gso_tcpv4 = h->gso4;
	in->gso_tcpv6 = h->gso6;
	in->csum_offload = !h->opts.no_csum_offload;
	in->ipv6_csum_offload = offered(d, "feature-ipv6-csum-offload");
	in->rx_buffers = h->rx_bufs;
	in->tx_pages = h->tx_pages;
	in->max_frame = h->sg ? XPVF_NET_MAX_FRAME : XPV_PAGE_SIZE;
	in->backend_domid = d->be_domid;
	return 0;
}

static void vif_issue(struct front_dev *d)
{
	struct xpvf_net *h = net_of(d);
	unsigned int i;

	/* Buffers freed while disconnected, and a kick for the new ring. */
	for (i = 0; net_rings_up(h) && i < h->nq; i++)
		net_post_rx(h, &h->q[i]);
}

static void vif_harvest(struct front_dev *d)
{
	net_harvest(net_of(d));
}

/* The backend left: what it did not answer is lost. */
static void vif_disconnect(struct front_dev *d)
{
	struct xpvf_net *h = net_of(d);

	net_fail_all(h, -ECONNRESET);
	net_teardown(h);
}

static void vif_gone(struct front_dev *d, int err)
{
	struct xpvf_net *h = net_of(d);

	net_fail_all(h, err);
	net_teardown(h);
}

static bool vif_idle(struct front_dev *d)
{
	struct xpvf_net *h = net_of(d);
	unsigned int i;

	for (i = 0; i < h->nq; i++)
		if (h->q[i].tx_inflight)
			return false;
	return true;
}

static const struct front_ops vif_ops = {
	.size = sizeof(struct front_ops),
	.keys_state = XenbusStateConnected,
	.stale_keys = vif_stale_keys,
	.prepare = vif_prepare,
	.write_keys = vif_write_keys,
	.connect = vif_connect,
	.issue = vif_issue,
	.harvest = vif_harvest,
	.disconnect = vif_disconnect,
	.gone = vif_gone,
	.idle = vif_idle,
};

/* ---- open and close ---- */

static int check_opts(struct xpvf_net *h, const struct xpvf_net_opts *opts,
		      const struct xpv_platform **pf)
{
	size_t n;

	memset(&h->opts, 0, sizeof(h->opts));
	if (opts) {
		if (opts->size < offsetof(struct xpvf_net_opts, platform) +
					 sizeof(opts->platform))
			return -EINVAL;
		n = opts->size < sizeof(h->opts) ? opts->size :
						   sizeof(h->opts);
		memcpy(&h->opts, opts, n);
	}
	h->opts.size = sizeof(h->opts);
	if (!h->opts.timeout_ms)
		h->opts.timeout_ms = NET_DEFAULT_TIMEOUT_MS;
	if (h->opts.max_queues > NET_MAX_QUEUES)
		return -EINVAL;
	if ((h->opts.rx_buffers &&
	     (h->opts.rx_buffers < XPVF_NET_MAX_SLOTS ||
	      h->opts.rx_buffers > NET_RING_SLOTS)) ||
	    (h->opts.tx_pages && (h->opts.tx_pages < XPVF_NET_MAX_SLOTS ||
				  h->opts.tx_pages > NET_RING_SLOTS)))
		return -EINVAL;
	*pf = xpv_platform_get(h->opts.platform);
	return *pf ? 0 : -EINVAL;
}

int xpvf_net_open(struct xpvf_net **out, unsigned int domid,
		  unsigned int devid, const struct xpvf_net_opts *opts)
{
	const struct xpv_platform *pf;
	struct xpvf_net *h;
	int64_t deadline;
	unsigned int i;
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	front_dev_init(&h->dev, &vif_ops);
	for (i = 0; i < NET_MAX_QUEUES; i++)
		h->q[i].tx_port = h->q[i].rx_port = -1;
	err = check_opts(h, opts, &pf);
	if (err < 0)
		goto fail;
	deadline = front_now_ms() + h->opts.timeout_ms;
	err = front_dev_open(&h->dev, pf, "vif", domid, devid);
	if (err < 0)
		goto fail;
	err = front_dev_connect(&h->dev, deadline);
	if (err < 0)
		goto fail;
	*out = h;
	return 0;
fail:
	xpvf_net_close(h);
	return err;
}

void xpvf_net_close(struct xpvf_net *h)
{
	if (!h)
		return;
	h->dev.closing = true;
	if (net_rings_up(h) && h->dev.watcher)
		front_dev_close_handshake(&h->dev, !h->broken,
					  front_now_ms() + h->opts.timeout_ms);
	net_fail_all(h, -ECANCELED);
	net_teardown(h);
	front_dev_close(&h->dev);
	free(h);
}

int xpvf_net_info(struct xpvf_net *h, struct xpvf_net_info *info)
{
	if (!h || !info)
		return -EINVAL;
	*info = h->info;
	info->reconnects = h->dev.connects ? h->dev.connects - 1 : 0;
	return 0;
}

int xpvf_net_set_callbacks(struct xpvf_net *h, xpvf_net_rx_fn rx,
			   xpvf_net_tx_fn tx_done, void *opaque)
{
	if (!h)
		return -EINVAL;
	h->rx_fn = rx;
	h->tx_fn = tx_done;
	h->cb_opaque = opaque;
	return 0;
}
