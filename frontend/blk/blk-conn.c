/* SPDX-License-Identifier: MIT */
/*
 * blk-conn.c - the VBD side of the block channel: the hooks the frontend
 * core (core/xenbus-front.h) calls for a VBD (the backend's offers, the
 * rings and event channels of each queue, the frontend's blkif keys, the
 * disk's geometry and features, the page pools), and opening, closing and
 * describing a VBD.
 *
 * Guarantees:
 * - The frontend's keys (rings, event channels, protocol, features) are
 *   written in the core's one transaction, with state Initialised, after
 *   the keys of any earlier connection are removed (vbd_stale_keys), so
 *   the backend never sees a mix.
 * - `protocol` is always written.
 * - Every backend value is read through the strict parsers of xs-util.h;
 *   nonsense in a limit is treated as "not offered", nonsense in the disk
 *   geometry fails the connection (-EPROTO).
 * - A backend that goes away (Closing, Closed, or back to InitWait) while
 *   requests are in flight: the answers it pushed are consumed, the rest is
 *   queued again, and the next connection issues it under its own limits.
 * - A backend that restarts without leaving Connected (xenpvd taking over
 *   the rings at rsp_prod) is simply waited for: what it had not answered
 *   is answered by its successor.  Requests that see no response for a
 *   second are notified again (blk-io.c), since an event sent while no
 *   backend had the port bound is lost.  A backend that restarts after a
 *   crash cannot trust the ring and goes through Closing: the unanswered
 *   requests are then issued again on fresh rings, as for any reconnect.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blk-front.h"

static unsigned int umin(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

/* ---- rings ---- */

/* Ends every queue's grants and ports; the requests must be gone first
 * (requeued or failed). */
void blk_teardown(struct xpvf *h)
{
	struct blk_queue *q;
	unsigned int i;

	for (i = 0; i < BLK_MAX_QUEUES; i++) {
		q = &h->q[i];
		front_pool_release(&h->dev, &q->pool);
		front_area_end(&h->dev, &q->ring_area);
		front_evtchn_free(&h->dev, q->port);
		free(q->slots);
		free(q->free_slots);
		memset(q, 0, sizeof(*q));
		q->port = -1;
	}
	h->nq = 0;
}

static int queue_setup(struct xpvf *h, struct blk_queue *q)
{
	unsigned int npages = 1u << h->order;
	uint32_t s;
	int err;

	err = front_area_share(&h->dev, &q->ring_area, npages, q->ring_refs,
			       true);
	if (err < 0)
		return err;
	err = xpv_blkif_front_init(&q->ring, h->abi, q->ring_area.addr,
				   npages);
	if (err < 0)
		return err;
	err = front_evtchn_alloc(&h->dev);
	if (err < 0)
		return err;
	q->port = err;
	q->nr_slots = q->ring.ring.nr_ents;
	q->slots = calloc(q->nr_slots, sizeof(*q->slots));
	q->free_slots = calloc(q->nr_slots, sizeof(*q->free_slots));
	if (!q->slots || !q->free_slots)
		return -ENOMEM;
	for (s = 0; s < q->nr_slots; s++) {
		q->slots[s].data_head = q->slots[s].ind_head = FRONT_NO_PAGE;
		q->free_slots[s] = q->nr_slots - 1 - s;
	}
	q->nr_free_slots = q->nr_slots;
	return 0;
}

/* ---- the core's hooks ---- */

/* Whatever an earlier connection (ours or not) left behind. */
static const struct front_stale_key vbd_stale_keys[] = {
	{ "ring-ref", 0 },
	{ "event-channel", 0 },
	{ "ring-page-order", 0 },
	{ "multi-queue-num-queues", 0 },
	{ "ring-ref", 1u << BLK_MAX_ORDER },
	{ "queue-", BLK_MAX_QUEUES },
	{ NULL, 0 },
};

/* Backend in InitWait: read its offers, build the rings. */
static int vbd_prepare(struct front_dev *d)
{
	struct xpvf *h = blk_of(d);
	uint32_t mq = 1, order = 0;
	unsigned int i, want;
	int err;

	/* Nonsense in an offer means "not offered". */
	if (xpv_xs_read_u32(d->xsh, XBT_NULL, d->be_dir,
			    "multi-queue-max-queues", 4096, &mq) < 0 ||
	    mq == 0)
		mq = 1;
	if (xpv_xs_read_u32(d->xsh, XBT_NULL, d->be_dir, "max-ring-page-order",
			    64, &order) < 0)
		order = 0;

	want = h->opts.max_queues ? h->opts.max_queues : BLK_DEFAULT_QUEUES;
	h->nq = umin(umin(mq, want), BLK_MAX_QUEUES);
	want = h->opts.max_ring_page_order ? h->opts.max_ring_page_order :
					     BLK_MAX_ORDER;
	h->order = umin(umin(order, want), BLK_MAX_ORDER);
	/*
	 * Our feature-persistent says what we support; whether grants are
	 * persistent is decided at Connected, when the backend's key is read
	 * (Linux blkback writes it only then, and a backend may change it
	 * between connections).  Our pool pages are reused whatever the
	 * answer, so only the backend's side changes.
	 */
	h->persistent = !h->opts.no_persistent;

	for (i = 0; i < h->nq; i++) {
		err = queue_setup(h, &h->q[i]);
		if (err < 0)
			return err;
	}
	return 0;
}

/* Inside the core's transaction: rings, event channels, protocol. */
static int vbd_write_keys(struct front_dev *d, xs_transaction_t t)
{
	struct xpvf *h = blk_of(d);
	struct xs_handle *xsh = d->xsh;
	char base[sizeof(d->fe_dir) + 32], node[32];
	const char *dir;
	unsigned int i, j;
	int err;

	if (h->order) {
		err = xpv_xs_printf(xsh, t, d->fe_dir, "ring-page-order", "%u",
				    h->order);
		if (err < 0)
			return err;
	}
	if (h->nq > 1) {
		err = xpv_xs_printf(xsh, t, d->fe_dir,
				    "multi-queue-num-queues", "%u", h->nq);
		if (err < 0)
			return err;
	}
	for (i = 0; i < h->nq; i++) {
		dir = d->fe_dir;
		if (h->nq > 1) {
			snprintf(base, sizeof(base), "%s/queue-%u", d->fe_dir,
				 i);
			dir = base;
		}
		if (!h->order) {
			err = xpv_xs_printf(xsh, t, dir, "ring-ref", "%u",
					    h->q[i].ring_refs[0]);
			if (err < 0)
				return err;
		}
		for (j = 0; h->order && j < (1u << h->order); j++) {
			snprintf(node, sizeof(node), "ring-ref%u", j);
			err = xpv_xs_printf(xsh, t, dir, node, "%u",
					    h->q[i].ring_refs[j]);
			if (err < 0)
				return err;
		}
		err = xpv_xs_printf(xsh, t, dir, "event-channel", "%d",
				    h->q[i].port);
		if (err < 0)
			return err;
	}
	err = xpv_xs_write(xsh, t, d->fe_dir, "protocol",
			   xpv_blkif_abi_name(h->abi));
	if (!err)
		err = xpv_xs_write(xsh, t, d->fe_dir, "feature-persistent",
				   h->persistent ? "1" : "0");
	return err;
}

/* Backend Connected: read the disk and the features, make the pools. */
static int vbd_connect(struct front_dev *d)
{
	struct xpvf *h = blk_of(d);
	struct xpvf_info *in = &h->info;
	struct front_pool *pools[BLK_MAX_QUEUES];
	uint32_t info = 0, ss = 512, pss, ind = 0, u, per_q, need, total;
	uint64_t sectors;
	unsigned int i;
	bool b;
	int err;

	err = xpv_xs_read_u64(d->xsh, XBT_NULL, d->be_dir, "sectors",
			      UINT64_MAX / 512, &sectors);
	if (err < 0)
		return -EPROTO;
	err = xpv_xs_read_u32(d->xsh, XBT_NULL, d->be_dir, "info", UINT32_MAX,
			      &info);
	if (err < 0 && err != -ENOENT)
		return -EPROTO;
	err = xpv_xs_read_u32(d->xsh, XBT_NULL, d->be_dir, "sector-size",
			      65536, &ss);
	if (err < 0 && err != -ENOENT)
		return -EPROTO;
	if (ss < 512 || (ss & (ss - 1)))
		return -EPROTO;
	pss = ss;
	err = xpv_xs_read_u32(d->xsh, XBT_NULL, d->be_dir,
			      "physical-sector-size", 1u << 30, &pss);
	if ((err < 0 && err != -ENOENT) || pss < ss)
		pss = ss;

	/* reconnects is the core's count (xpvf_info()). */
	memset(in, 0, offsetof(struct xpvf_info, reconnects));
	in->sectors = sectors;
	in->sector_size = ss;
	in->physical_sector_size = pss;
	in->cdrom = !!(info & VDISK_CDROM);
	in->removable = !!(info & VDISK_REMOVABLE);
	in->readonly = !!(info & VDISK_READONLY);
	in->queues = h->nq;
	in->ring_page_order = h->order;
	if (xpv_xs_read_feature(d->xsh, XBT_NULL, d->be_dir,
				"feature-persistent", &b) < 0)
		b = false;
	h->persistent = b && !h->opts.no_persistent;
	in->persistent = h->persistent;
	in->backend_domid = d->be_domid;
	in->abi = h->abi == XPV_BLKIF_ABI_X86_32 ? 32 : 64;
#define FEATURE(key, field)                                                 \
	do {                                                                \
		b = false;                                                  \
		xpv_xs_read_feature(d->xsh, XBT_NULL, d->be_dir, key, &b);  \
		in->field = b;                                              \
	} while (0)
	FEATURE("feature-flush-cache", flush);
	FEATURE("feature-barrier", barrier);
	FEATURE("feature-discard", discard);
	FEATURE("discard-secure", discard_secure);
#undef FEATURE
	u = 0;
	if (!xpv_xs_read_u32(d->xsh, XBT_NULL, d->be_dir,
			     "discard-granularity", UINT32_MAX, &u))
		in->discard_granularity = u;
	u = 0;
	if (!xpv_xs_read_u32(d->xsh, XBT_NULL, d->be_dir, "discard-alignment",
			     UINT32_MAX, &u))
		in->discard_alignment = u;

	/* Read only now, as Linux does: a backend may change it between
	 * InitWait and Connected. */
	if (xpv_xs_read_u32(d->xsh, XBT_NULL, d->be_dir,
			    "feature-max-indirect-segments", UINT32_MAX,
			    &ind) < 0)
		ind = 0;
	if (h->opts.max_indirect_segments)
		ind = umin(ind, h->opts.max_indirect_segments);
	ind = umin(ind, XPV_BLKIF_MAX_INDIRECT_SEGMENTS);
	h->max_segs = ind > XPV_BLKIF_MAX_SEGMENTS ? ind :
						     XPV_BLKIF_MAX_SEGMENTS;
	in->max_segments = h->max_segs;

	/* One largest request per queue at least. */
	need = h->max_segs;
	if (h->max_segs > XPV_BLKIF_MAX_SEGMENTS)
		need += (h->max_segs + XPV_BLKIF_SEGS_PER_INDIRECT_PAGE - 1) /
			XPV_BLKIF_SEGS_PER_INDIRECT_PAGE;
	total = h->opts.pool_pages ? h->opts.pool_pages : BLK_DEFAULT_POOL;
	per_q = total / h->nq;
	if (per_q < need)
		per_q = need;
	for (i = 0; i < h->nq; i++)
		pools[i] = &h->q[i].pool;
	return front_pools_setup(d, pools, h->nq, per_q, need);
}

static void vbd_issue(struct front_dev *d)
{
	blk_issue(blk_of(d));
}

static void vbd_harvest(struct front_dev *d)
{
	blk_harvest(blk_of(d));
}

/* The backend left: queue again what it did not answer. */
static void vbd_disconnect(struct front_dev *d)
{
	struct xpvf *h = blk_of(d);

	blk_requeue_all(h);
	blk_teardown(h);
}

static void vbd_gone(struct front_dev *d, int err)
{
	struct xpvf *h = blk_of(d);

	blk_fail_all(h, err);
	blk_teardown(h);
}

static bool vbd_idle(struct front_dev *d)
{
	return !blk_of(d)->nr_ios_busy;
}

static const struct front_ops vbd_ops = {
	.size = sizeof(struct front_ops),
	.keys_state = XenbusStateInitialised,
	.stale_keys = vbd_stale_keys,
	.prepare = vbd_prepare,
	.write_keys = vbd_write_keys,
	.connect = vbd_connect,
	.issue = vbd_issue,
	.harvest = vbd_harvest,
	.disconnect = vbd_disconnect,
	.gone = vbd_gone,
	.idle = vbd_idle,
};

/* ---- open and close ---- */

static int prealloc(struct xpvf *h)
{
	unsigned int i, nch = BLK_MAX_IOS + 2 * BLK_MAX_QUEUES * BLK_MAX_SLOTS;

	h->ios = calloc(BLK_MAX_IOS, sizeof(*h->ios));
	h->chunks = calloc(nch, sizeof(*h->chunks));
	if (!h->ios || !h->chunks)
		return -ENOMEM;
	for (i = BLK_MAX_IOS; i-- > 0;) {
		h->ios[i].next_free = h->free_ios;
		h->free_ios = &h->ios[i];
	}
	for (i = nch; i-- > 0;) {
		h->chunks[i].next = h->free_chunks;
		h->free_chunks = &h->chunks[i];
	}
	return 0;
}

/* Copies opts, then checks the copy.  0 and *pf, or -EINVAL. */
static int check_opts(struct xpvf *h, const struct xpvf_opts *opts,
		      const struct xpv_platform **pf)
{
	size_t n;

	memset(&h->opts, 0, sizeof(h->opts));
	if (opts) {
		if (opts->size < offsetof(struct xpvf_opts, platform))
			return -EINVAL;
		n = opts->size < sizeof(h->opts) ? opts->size :
						   sizeof(h->opts);
		memcpy(&h->opts, opts, n);
	}
	h->opts.size = sizeof(h->opts);
	if (!h->opts.timeout_ms)
		h->opts.timeout_ms = BLK_DEFAULT_TIMEOUT_MS;
	switch (h->opts.abi) {
	case 0:
		h->abi = XPV_BLKIF_ABI_NATIVE;
		break;
	case 32:
		h->abi = XPV_BLKIF_ABI_X86_32;
		break;
	case 64:
		h->abi = XPV_BLKIF_ABI_X86_64;
		break;
	default:
		return -EINVAL;
	}
	/* The ABI we name in `protocol` must be the one we lay out. */
	if (h->abi == XPV_BLKIF_ABI_NATIVE) {
		h->abi = XPV_BLKIF_ABI_X86_64;
		if (!strcmp(xpv_blkif_abi_name(XPV_BLKIF_ABI_NATIVE),
			    "x86_32-abi"))
			h->abi = XPV_BLKIF_ABI_X86_32;
	}
	*pf = xpv_platform_get(h->opts.platform);
	return *pf ? 0 : -EINVAL;
}

int xpvf_open(struct xpvf **out, unsigned int domid, unsigned int devid,
	      const struct xpvf_opts *opts)
{
	const struct xpv_platform *pf;
	struct xpvf *h;
	int64_t deadline;
	unsigned int i;
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	front_dev_init(&h->dev, &vbd_ops);
	for (i = 0; i < BLK_MAX_QUEUES; i++)
		h->q[i].port = -1;
	err = check_opts(h, opts, &pf);
	if (err < 0)
		goto fail;
	deadline = front_now_ms() + h->opts.timeout_ms;
	err = prealloc(h);
	if (err < 0)
		goto fail;
	err = front_dev_open(&h->dev, pf, "vbd", domid, devid);
	if (err < 0)
		goto fail;
	err = front_dev_connect(&h->dev, deadline);
	if (err < 0)
		goto fail;
	*out = h;
	return 0;

fail:
	xpvf_close(h);
	return err;
}

void xpvf_close(struct xpvf *h)
{
	struct blk_chunk *c, *next;

	if (!h)
		return;
	h->dev.closing = true;
	if (blk_rings_up(h) && h->dev.watcher) {
		/* Give what is in flight a chance to finish (not when the
		 * backend broke the protocol: nothing more is believed).  A
		 * broken device still says Closing and Closed, or the backend
		 * would keep its rings and our grants mapped. */
		front_dev_close_handshake(&h->dev, !h->broken,
					  front_now_ms() + h->opts.timeout_ms);
	}
	if (h->ios)
		blk_fail_all(h, -ECANCELED);
	blk_teardown(h);
	while (h->ubufs)
		xpvf_buf_free(h, h->ubufs->addr);
	front_dev_close(&h->dev);
	for (c = h->free_chunks; c; c = next) {
		next = c->next;
		if (c->heap)
			free(c);
	}
	free(h->chunks);
	free(h->ios);
	free(h);
}

int xpvf_info(struct xpvf *h, struct xpvf_info *info)
{
	if (!h || !info)
		return -EINVAL;
	*info = h->info;
	info->reconnects = h->dev.connects ? h->dev.connects - 1 : 0;
	return 0;
}
