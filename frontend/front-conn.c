/* SPDX-License-Identifier: MIT */
/*
 * front-conn.c - the connection side of libxenpvfront: opening a VBD,
 * negotiating with its backend over XenStore, the XenbusState machine that
 * follows the backend through disconnects and reconnects, and closing.
 *
 * Guarantees:
 * - The frontend's keys (rings, event channels, protocol, features, state
 *   Initialised) are written in one transaction, after the keys of any
 *   earlier connection are removed, so the backend never sees a mix.
 * - `protocol` is always written.
 * - Every backend value is read through the strict parsers of xs-util.h;
 *   nonsense in a limit is treated as "not offered", nonsense in the disk
 *   geometry fails the connection (-EPROTO).
 * - Every watch event is treated as "look again": the backend's state is
 *   re-read and acted on, never taken as a delta.
 * - A backend that goes away (Closing, Closed, or back to InitWait) while
 *   requests are in flight: the answers it pushed are consumed, the rest is
 *   queued again, and the next connection issues it under its own limits.
 * - Granted pages the peer still maps when we end them are kept and retried
 *   (never reused, never leaked into another grant).
 * - A backend that restarts without leaving Connected (xenpvd taking over
 *   the rings at rsp_prod) is simply waited for: what it had not answered
 *   is answered by its successor.  Requests that see no response for a
 *   second are notified again (front-io.c), since an event sent while no
 *   backend had the port bound is lost.  A backend that restarts after a
 *   crash cannot trust the ring and goes through Closing: the unanswered
 *   requests are then issued again on fresh rings, as for any reconnect.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "front.h"

#define EV_WATCH 1u
#define EV_EVTCHN 2u
#define WATCH_TOKEN "xpvf-backend"

/* ---- small helpers ---- */

int64_t front_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The backend's state; an absent (or unreadable) key is Unknown. */
static XenbusState be_state(struct xpvf *h)
{
	XenbusState st;

	if (xpv_xs_read_state(h->xsh, XBT_NULL, h->be_dir, &st) < 0)
		return XenbusStateUnknown;
	return st;
}

static int fe_switch(struct xpvf *h, XenbusState st)
{
	return xpv_xs_switch_state(h->xsh, XBT_NULL, h->fe_dir, st);
}

static void be_watch_fn(void *opaque, const char *path, const char *token)
{
	struct xpvf *h = opaque;

	h->be_changed = true;
}

static void area_end(struct xpvf *h, struct area *a)
{
	if (!a->addr)
		return;
	if (h->pf->gntshr->unshare(h->gntshr, a->addr, a->count) < 0 &&
	    h->nr_zombies < FRONT_MAX_ZOMBIES)
		h->zombies[h->nr_zombies++] = *a;
	a->addr = NULL;
	a->count = 0;
}

void front_area_end(struct xpvf *h, void *addr, uint32_t count)
{
	struct area a = { addr, count };

	area_end(h, &a);
}

static void zombies_retry(struct xpvf *h)
{
	unsigned int i = 0;

	while (i < h->nr_zombies) {
		if (h->pf->gntshr->unshare(h->gntshr, h->zombies[i].addr,
					   h->zombies[i].count) < 0) {
			i++;
			continue;
		}
		h->zombies[i] = h->zombies[--h->nr_zombies];
	}
}

/* ---- rings and pools ---- */

/* Ends every queue's grants and ports; the requests must be gone first
 * (requeued or failed). */
void front_teardown(struct xpvf *h)
{
	struct front_queue *q;
	unsigned int i;

	for (i = 0; i < FRONT_MAX_QUEUES; i++) {
		q = &h->q[i];
		area_end(h, &q->pool);
		area_end(h, &q->ring_area);
		if (q->port >= 0 && h->evtchn)
			h->pf->evtchn->unbind(h->evtchn, (xpv_port_t)q->port);
		free(q->pool_refs);
		free(q->page_next);
		free(q->slots);
		free(q->free_slots);
		memset(q, 0, sizeof(*q));
		q->port = -1;
	}
	h->nq = 0;
	zombies_retry(h);
}

static int queue_setup(struct xpvf *h, struct front_queue *q)
{
	unsigned int npages = 1u << h->order;
	uint32_t s;
	int err;

	err = h->pf->gntshr->share(h->gntshr, (xpv_domid_t)h->be_domid, npages,
				   q->ring_refs, 1, &q->ring_area.addr);
	if (err < 0)
		return err;
	q->ring_area.count = npages;
	err = xpv_blkif_front_init(&q->ring, h->abi, q->ring_area.addr,
				   npages);
	if (err < 0)
		return err;
	err = h->pf->evtchn->alloc_unbound(h->evtchn,
					   (xpv_domid_t)h->be_domid);
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

/* Grants a queue's data pool of pages.  0 or -errno. */
static int pool_setup(struct xpvf *h, struct front_queue *q, uint32_t pages)
{
	uint32_t p;
	int err;

	q->pool_refs = calloc(pages, sizeof(*q->pool_refs));
	q->page_next = calloc(pages, sizeof(*q->page_next));
	if (!q->pool_refs || !q->page_next)
		return -ENOMEM;
	/* Writable: the backend writes reads' data into these pages. */
	err = h->pf->gntshr->share(h->gntshr, (xpv_domid_t)h->be_domid, pages,
				   q->pool_refs, 1, &q->pool.addr);
	if (err < 0)
		return err;
	q->pool.count = pages;
	for (p = 0; p < pages; p++)
		q->page_next[p] = p + 1 < pages ? p + 1 : FRONT_NO_PAGE;
	q->free_head = 0;
	q->nr_free_pages = pages;
	return 0;
}

/* Undoes pool_setup() (the backend has not seen the pool yet). */
static void pool_release(struct xpvf *h, struct front_queue *q)
{
	area_end(h, &q->pool);
	free(q->pool_refs);
	free(q->page_next);
	q->pool_refs = NULL;
	q->page_next = NULL;
	q->free_head = FRONT_NO_PAGE;
	q->nr_free_pages = 0;
}

/*
 * Grants every queue a pool of per_q pages, or, when the platform refuses
 * that many grants, the largest per_q halving allows down to min (one
 * request of the negotiated maximum).  Grants are bounded: Linux's gntalloc
 * refuses more than its `limit` (1024 by default, for the whole system)
 * with -ENOSPC, so a large default pool shrinks to fit instead of failing
 * the open.  0 or -errno.
 */
static int pools_setup(struct xpvf *h, uint32_t per_q, uint32_t min)
{
	unsigned int i, j;
	int err = -EINVAL;

	for (;;) {
		for (i = 0; i < h->nq; i++) {
			err = pool_setup(h, &h->q[i], per_q);
			if (err < 0)
				break;
		}
		if (i == h->nq)
			return 0;
		for (j = 0; j <= i; j++)
			pool_release(h, &h->q[j]);
		if ((err != -ENOSPC && err != -ENOMEM) || per_q <= min)
			return err;
		per_q = per_q / 2 > min ? per_q / 2 : min;
	}
}

/* ---- negotiation ---- */

static unsigned int umin(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

static int write_keys(struct xs_handle *xsh, xs_transaction_t t, void *opaque)
{
	struct xpvf *h = opaque;
	char base[sizeof(h->fe_dir) + 32], node[32];
	const char *dir;
	unsigned int i, j;
	int err;

	/* Whatever an earlier connection (ours or not) left behind. */
	static const char *const old[] = { "ring-ref", "event-channel",
					   "ring-page-order",
					   "multi-queue-num-queues" };
	for (i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
		err = xpv_xs_rm(xsh, t, h->fe_dir, old[i]);
		if (err < 0)
			return err;
	}
	for (i = 0; i < FRONT_MAX_QUEUES; i++) {
		snprintf(node, sizeof(node), "ring-ref%u", i);
		err = xpv_xs_rm(xsh, t, h->fe_dir, node);
		if (!err) {
			snprintf(node, sizeof(node), "queue-%u", i);
			err = xpv_xs_rm(xsh, t, h->fe_dir, node);
		}
		if (err < 0)
			return err;
	}

	if (h->order) {
		err = xpv_xs_printf(xsh, t, h->fe_dir, "ring-page-order", "%u",
				    h->order);
		if (err < 0)
			return err;
	}
	if (h->nq > 1) {
		err = xpv_xs_printf(xsh, t, h->fe_dir,
				    "multi-queue-num-queues", "%u", h->nq);
		if (err < 0)
			return err;
	}
	for (i = 0; i < h->nq; i++) {
		dir = h->fe_dir;
		if (h->nq > 1) {
			snprintf(base, sizeof(base), "%s/queue-%u", h->fe_dir,
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
	err = xpv_xs_write(xsh, t, h->fe_dir, "protocol",
			   xpv_blkif_abi_name(h->abi));
	if (!err)
		err = xpv_xs_write(xsh, t, h->fe_dir, "feature-persistent",
				   h->persistent ? "1" : "0");
	if (!err)
		err = xpv_xs_printf(xsh, t, h->fe_dir, "state", "%d",
				    XenbusStateInitialised);
	return err;
}

/* Backend in InitWait: read its offers, build rings, publish ours. */
static int setup_rings(struct xpvf *h)
{
	uint32_t mq = 1, order = 0;
	unsigned int i, want;
	int err;

	/* Nonsense in an offer means "not offered". */
	if (xpv_xs_read_u32(h->xsh, XBT_NULL, h->be_dir,
			    "multi-queue-max-queues", 4096, &mq) < 0 ||
	    mq == 0)
		mq = 1;
	if (xpv_xs_read_u32(h->xsh, XBT_NULL, h->be_dir, "max-ring-page-order",
			    64, &order) < 0)
		order = 0;

	want = h->opts.max_queues ? h->opts.max_queues : FRONT_DEFAULT_QUEUES;
	h->nq = umin(umin(mq, want), FRONT_MAX_QUEUES);
	want = h->opts.max_ring_page_order ? h->opts.max_ring_page_order :
					     FRONT_MAX_ORDER;
	h->order = umin(umin(order, want), FRONT_MAX_ORDER);
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
	err = xpv_xs_transact(h->xsh, write_keys, h);
	if (err < 0)
		return err;
	h->keys_nq = h->nq;
	h->keys_order = h->order;
	return 0;
}

/* Backend Connected: read the disk and the features, make the pools. */
static int connect_backend(struct xpvf *h)
{
	struct xpvf_info *in = &h->info;
	uint32_t info = 0, ss = 512, pss, ind = 0, u, per_q, need, total;
	uint64_t sectors;
	bool b;
	int err;

	err = xpv_xs_read_u64(h->xsh, XBT_NULL, h->be_dir, "sectors",
			      UINT64_MAX / 512, &sectors);
	if (err < 0)
		return -EPROTO;
	err = xpv_xs_read_u32(h->xsh, XBT_NULL, h->be_dir, "info", UINT32_MAX,
			      &info);
	if (err < 0 && err != -ENOENT)
		return -EPROTO;
	err = xpv_xs_read_u32(h->xsh, XBT_NULL, h->be_dir, "sector-size",
			      65536, &ss);
	if (err < 0 && err != -ENOENT)
		return -EPROTO;
	if (ss < 512 || (ss & (ss - 1)))
		return -EPROTO;
	pss = ss;
	err = xpv_xs_read_u32(h->xsh, XBT_NULL, h->be_dir,
			      "physical-sector-size", 1u << 30, &pss);
	if ((err < 0 && err != -ENOENT) || pss < ss)
		pss = ss;

	memset(in, 0, offsetof(struct xpvf_info, reconnects));
	in->sectors = sectors;
	in->sector_size = ss;
	in->physical_sector_size = pss;
	in->cdrom = !!(info & VDISK_CDROM);
	in->removable = !!(info & VDISK_REMOVABLE);
	in->readonly = !!(info & VDISK_READONLY);
	in->queues = h->nq;
	in->ring_page_order = h->order;
	if (xpv_xs_read_feature(h->xsh, XBT_NULL, h->be_dir,
				"feature-persistent", &b) < 0)
		b = false;
	h->persistent = b && !h->opts.no_persistent;
	in->persistent = h->persistent;
	in->backend_domid = h->be_domid;
	in->abi = h->abi == XPV_BLKIF_ABI_X86_32 ? 32 : 64;
#define FEATURE(key, field)                                                 \
	do {                                                                \
		b = false;                                                  \
		xpv_xs_read_feature(h->xsh, XBT_NULL, h->be_dir, key, &b);  \
		in->field = b;                                              \
	} while (0)
	FEATURE("feature-flush-cache", flush);
	FEATURE("feature-barrier", barrier);
	FEATURE("feature-discard", discard);
	FEATURE("discard-secure", discard_secure);
#undef FEATURE
	u = 0;
	if (!xpv_xs_read_u32(h->xsh, XBT_NULL, h->be_dir,
			     "discard-granularity", UINT32_MAX, &u))
		in->discard_granularity = u;
	u = 0;
	if (!xpv_xs_read_u32(h->xsh, XBT_NULL, h->be_dir, "discard-alignment",
			     UINT32_MAX, &u))
		in->discard_alignment = u;

	/* Read only now, as Linux does: a backend may change it between
	 * InitWait and Connected. */
	if (xpv_xs_read_u32(h->xsh, XBT_NULL, h->be_dir,
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
	total = h->opts.pool_pages ? h->opts.pool_pages : FRONT_DEFAULT_POOL;
	per_q = total / h->nq;
	if (per_q < need)
		per_q = need;
	err = pools_setup(h, per_q, need);
	if (err < 0)
		return err;
	err = fe_switch(h, XenbusStateConnected);
	if (err < 0)
		return err;
	if (h->ever_connected)
		in->reconnects++;
	h->ever_connected = true;
	return 0;
}

/* The backend left: keep what it answered, queue the rest again. */
static void go_closed(struct xpvf *h)
{
	front_harvest(h);
	front_requeue_all(h);
	front_teardown(h);
	h->fs = FS_CLOSED;
}

static void go_gone(struct xpvf *h, int err)
{
	if (h->fs != FS_GONE) {
		front_harvest(h);
		h->fs = FS_GONE;
		front_fail_all(h, err);
		front_teardown(h);
	}
}

/*
 * Moves the machine as far as the backend's current state allows.  Returns
 * 0, or -errno when a connection attempt failed (the device is then gone).
 */
int front_conn_step(struct xpvf *h)
{
	XenbusState bs;
	uint32_t online;
	int err;

	for (;;) {
		bs = be_state(h);
		switch (h->fs) {
		case FS_RESET:
			if (bs != XenbusStateClosed &&
			    bs != XenbusStateInitWait &&
			    bs != XenbusStateInitialising)
				return 0;
			fe_switch(h, XenbusStateInitialising);
			h->fs = FS_INIT;
			continue;
		case FS_INIT:
			if (bs != XenbusStateInitWait)
				return 0;
			err = setup_rings(h);
			if (err < 0)
				goto failed;
			h->fs = FS_INITIALISED;
			continue;
		case FS_INITIALISED:
			if (bs == XenbusStateConnected) {
				err = connect_backend(h);
				if (err < 0)
					goto failed;
				h->fs = FS_CONNECTED;
				front_issue(h);
				return 0;
			}
			if (bs == XenbusStateInitWait ||
			    bs == XenbusStateInitialised)
				return 0;
			go_closed(h);
			continue;
		case FS_CONNECTED:
			if (bs == XenbusStateConnected)
				return 0;
			if (bs == XenbusStateClosing) {
				/* Let it finish, then it unmaps and says
				 * Closed (Linux blkback waits for our
				 * Closed before it disconnects). */
				front_harvest(h);
				fe_switch(h, XenbusStateClosed);
				h->fs = FS_CLOSING;
				return 0;
			}
			go_closed(h);
			continue;
		case FS_CLOSING:
			if (bs == XenbusStateClosing ||
			    bs == XenbusStateConnected)
				return 0;
			go_closed(h);
			continue;
		case FS_CLOSED:
			if (bs == XenbusStateInitWait) {
				h->fs = FS_INIT;
				continue;
			}
			if (bs == XenbusStateUnknown) {
				go_gone(h, -ENODEV);
				return 0;
			}
			if (bs != XenbusStateClosed)
				return 0;
			online = 1;
			xpv_xs_read_u32(h->xsh, XBT_NULL, h->be_dir, "online",
					UINT32_MAX, &online);
			if (!online) {
				go_gone(h, -ENODEV);
				return 0;
			}
			/* Ask for InitWait again (Linux blkback answers an
			 * Initialising frontend from Closed that way). */
			fe_switch(h, XenbusStateClosed);
			fe_switch(h, XenbusStateInitialising);
			return 0;
		case FS_GONE:
			return 0;
		}
		return 0;
	}
failed:
	if (h->ever_connected)
		go_gone(h, err);
	return err;
}

/*
 * Waits up to timeout_ms for the epoll fd, then handles the watch events
 * and the event-channel notifications that are pending, and steps the
 * machine when the backend's state may have changed.  Returns 0 or -errno.
 */
int front_events(struct xpvf *h, int timeout_ms)
{
	struct epoll_event ev[4];
	int n, i, p, err;

	n = epoll_wait(h->epfd, ev, 4, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		if (ev[i].data.u32 == EV_WATCH) {
			err = xpv_xs_watcher_dispatch(h->watcher);
			if (err < 0)
				return err;
		} else if (ev[i].data.u32 == EV_EVTCHN) {
			while ((p = h->pf->evtchn->pending(h->evtchn)) >= 0)
				h->pf->evtchn->unmask(h->evtchn,
						      (xpv_port_t)p);
		}
	}
	if (h->be_changed && !h->closing) {
		h->be_changed = false;
		return front_conn_step(h);
	}
	return 0;
}

/* ---- open and close ---- */

static int resolve_domid(struct xpvf *h, unsigned int domid)
{
	char buf[32];
	uint32_t v;
	const char *env;
	int n;

	if (domid != XPVF_DOMID_SELF) {
		if (domid > XPV_DOMID_MAX)
			return -EINVAL;
		h->domid = domid;
		return 0;
	}
	n = xpv_xs_read(h->xsh, XBT_NULL, "domid", NULL, buf, sizeof(buf));
	if (n >= 0 && !xpv_parse_u32(buf, (size_t)n, XPV_DOMID_MAX, 0, &v)) {
		h->domid = v;
		return 0;
	}
	/* On the sim platform the environment names our domain. */
	env = getenv("XENPV_SIM_DOMID");
	if (!strcmp(h->pf->name, "sim") && env &&
	    !xpv_parse_u32(env, strlen(env), XPV_DOMID_MAX, 0, &v)) {
		h->domid = v;
		return 0;
	}
	return n < 0 ? n : -EINVAL;
}

static int epoll_add(struct xpvf *h, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int prealloc(struct xpvf *h)
{
	unsigned int i, nch = FRONT_MAX_IOS + 2 * FRONT_MAX_QUEUES *
						       FRONT_MAX_SLOTS;

	h->ios = calloc(FRONT_MAX_IOS, sizeof(*h->ios));
	h->chunks = calloc(nch, sizeof(*h->chunks));
	if (!h->ios || !h->chunks)
		return -ENOMEM;
	for (i = FRONT_MAX_IOS; i-- > 0;) {
		h->ios[i].next_free = h->free_ios;
		h->free_ios = &h->ios[i];
	}
	for (i = nch; i-- > 0;) {
		h->chunks[i].next = h->free_chunks;
		h->free_chunks = &h->chunks[i];
	}
	return 0;
}

static int check_opts(struct xpvf *h, const struct xpvf_opts *opts)
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
		h->opts.timeout_ms = FRONT_DEFAULT_TIMEOUT_MS;
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
	h->pf = xpv_platform_get(h->opts.platform);
	return h->pf ? 0 : -EINVAL;
}

/* Decide where to start from the states the store holds now. */
static int initial_state(struct xpvf *h)
{
	XenbusState bs = be_state(h);

	if (bs == XenbusStateInitialised || bs == XenbusStateConnected ||
	    bs == XenbusStateClosing) {
		/* A stale connection: make the backend let go first. */
		h->fs = FS_RESET;
		return fe_switch(h, XenbusStateClosed);
	}
	h->fs = FS_INIT;
	return fe_switch(h, XenbusStateInitialising);
}

int xpvf_open(struct xpvf **out, unsigned int domid, unsigned int devid,
	      const struct xpvf_opts *opts)
{
	struct xpvf *h;
	int64_t deadline;
	int64_t left;
	uint32_t v;
	char path[sizeof(h->be_dir) + 16];
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->epfd = -1;
	for (v = 0; v < FRONT_MAX_QUEUES; v++)
		h->q[v].port = -1;
	err = check_opts(h, opts);
	if (err < 0)
		goto fail;
	deadline = front_now_ms() + h->opts.timeout_ms;
	h->devid = devid;
	err = prealloc(h);
	if (err < 0)
		goto fail;
	err = xpv_xs_open(&h->xsh);
	if (err < 0)
		goto fail;
	err = resolve_domid(h, domid);
	if (err < 0)
		goto fail;
	snprintf(h->fe_dir, sizeof(h->fe_dir), "/local/domain/%u/device/vbd/%u",
		 h->domid, devid);
	err = xpv_xs_read(h->xsh, XBT_NULL, h->fe_dir, "backend", h->be_dir,
			  sizeof(h->be_dir));
	if (err < 0)
		goto fail;
	if (h->be_dir[0] != '/') {
		err = -EPROTO;
		goto fail;
	}
	err = xpv_xs_read_u32(h->xsh, XBT_NULL, h->fe_dir, "backend-id",
			      XPV_DOMID_MAX, &v);
	if (err < 0)
		goto fail;
	h->be_domid = v;

	err = h->pf->evtchn->open(&h->evtchn);
	if (err < 0)
		goto fail;
	err = h->pf->gntshr->open(&h->gntshr);
	if (err < 0)
		goto fail;
	err = xpv_xs_watcher_open(h->xsh, &h->watcher);
	if (err < 0)
		goto fail;
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (h->epfd < 0) {
		err = -errno;
		goto fail;
	}
	err = epoll_add(h, xpv_xs_watcher_fd(h->watcher), EV_WATCH);
	if (!err)
		err = epoll_add(h, h->pf->evtchn->fd(h->evtchn), EV_EVTCHN);
	if (err < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/state", h->be_dir);
	err = xpv_xs_watch_add(h->watcher, path, WATCH_TOKEN, be_watch_fn, h);
	if (err < 0)
		goto fail;
	h->watch_set = true;

	err = initial_state(h);
	if (err < 0)
		goto fail;
	err = front_conn_step(h);
	while (!err && h->fs != FS_CONNECTED) {
		left = deadline - front_now_ms();
		if (left <= 0) {
			err = -ETIMEDOUT;
			break;
		}
		err = front_events(h, (int)left);
		if (!err && h->fs == FS_GONE)
			err = -ENODEV;
	}
	if (err < 0)
		goto fail;
	*out = h;
	return 0;

fail:
	xpvf_close(h);
	return err;
}

/* Waits (bounded) until the backend's state is in mask, consuming
 * responses meanwhile. */
static void close_wait(struct xpvf *h, unsigned int mask, int64_t deadline,
		       bool until_idle)
{
	struct epoll_event ev[4];
	int64_t left;
	int n, i, p;

	for (;;) {
		front_harvest(h);
		if (until_idle)
			front_issue(h); /* queued I/O may still go out */
		if (mask & XPV_XS_STATE_BIT(be_state(h)))
			return;
		if (until_idle && !h->nr_ios_busy)
			return;
		left = deadline - front_now_ms();
		if (left <= 0)
			return;
		n = epoll_wait(h->epfd, ev, 4, left > 100 ? 100 : (int)left);
		for (i = 0; i < n; i++) {
			if (ev[i].data.u32 == EV_WATCH)
				xpv_xs_watcher_dispatch(h->watcher);
			else
				while ((p = h->pf->evtchn->pending(
						h->evtchn)) >= 0)
					h->pf->evtchn->unmask(h->evtchn,
							      (xpv_port_t)p);
		}
	}
}

void xpvf_close(struct xpvf *h)
{
	struct front_chunk *c, *next;
	unsigned int gone = XPV_XS_STATE_BIT(XenbusStateUnknown) |
			    XPV_XS_STATE_BIT(XenbusStateClosed) |
			    XPV_XS_STATE_BIT(XenbusStateInitialising) |
			    XPV_XS_STATE_BIT(XenbusStateInitWait);
	int64_t deadline;

	if (!h)
		return;
	h->closing = true;
	deadline = front_now_ms() + h->opts.timeout_ms;
	if (h->nq && h->q[0].slots && h->watcher) {
		/* Give what is in flight a chance to finish (not when the
		 * backend broke the protocol: nothing more is believed).  A
		 * broken device still says Closing and Closed, or the backend
		 * would keep its rings and our grants mapped. */
		if (h->fs == FS_CONNECTED && !h->broken)
			close_wait(h, gone, deadline, true);
		fe_switch(h, XenbusStateClosing);
		close_wait(h, gone | XPV_XS_STATE_BIT(XenbusStateClosing),
			   deadline, false);
		fe_switch(h, XenbusStateClosed);
		close_wait(h, gone, deadline, false);
	}
	if (h->ios)
		front_fail_all(h, -ECANCELED);
	front_teardown(h);
	while (h->ubufs)
		xpvf_buf_free(h, h->ubufs->addr);
	if (h->watch_set) {
		char path[sizeof(h->be_dir) + 16];

		snprintf(path, sizeof(path), "%s/state", h->be_dir);
		xpv_xs_watch_remove(h->watcher, path, WATCH_TOKEN);
	}
	xpv_xs_watcher_close(h->watcher);
	if (h->epfd >= 0)
		close(h->epfd);
	if (h->pf) {
		h->pf->evtchn->close(h->evtchn);
		h->pf->gntshr->close(h->gntshr);
	}
	xpv_xs_close(h->xsh);
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
	return 0;
}
