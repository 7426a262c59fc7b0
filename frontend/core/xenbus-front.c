/* SPDX-License-Identifier: MIT */
/*
 * xenbus-front.c - the frontend core: finding a device, the XenbusState
 * machine that follows its backend through connects, disconnects and
 * reconnects, the event loop and the close handshake (xenbus-front.h).
 *
 * Guarantees, beyond the header's:
 * - Every backend value is read through the strict parsers of xs-util.h;
 *   an unreadable backend state is Unknown.
 * - The machine only moves in step(), from what the store holds
 *   now; a hook never runs while the channel is closing, except those the
 *   close handshake runs itself.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "xenpvfront.h"

#include "xenbus-front.h"

#define EV_WATCH 1u
#define EV_EVTCHN 2u
#define WATCH_TOKEN "xpvf-backend"

int64_t front_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The backend's state; an absent (or unreadable) key is Unknown. */
static XenbusState be_state(struct front_dev *d)
{
	XenbusState st;

	if (xpv_xs_read_state(d->xsh, XBT_NULL, d->be_dir, &st) < 0)
		return XenbusStateUnknown;
	return st;
}

static int fe_switch(struct front_dev *d, XenbusState st)
{
	return xpv_xs_switch_state(d->xsh, XBT_NULL, d->fe_dir, st);
}

static void be_watch_fn(void *opaque, const char *path, const char *token)
{
	struct front_dev *d = opaque;

	d->be_changed = true;
}

/* ---- the keys transaction ---- */

static int rm_stale(struct front_dev *d, xs_transaction_t t)
{
	const struct front_stale_key *k;
	char node[64];
	unsigned int i;
	int err;

	for (k = d->ops->stale_keys; k && k->name; k++) {
		if (!k->count) {
			err = xpv_xs_rm(d->xsh, t, d->fe_dir, k->name);
			if (err < 0)
				return err;
			continue;
		}
		for (i = 0; i < k->count; i++) {
			if (snprintf(node, sizeof(node), "%s%u", k->name, i) >=
			    (int)sizeof(node))
				return -ENAMETOOLONG;
			err = xpv_xs_rm(d->xsh, t, d->fe_dir, node);
			if (err < 0)
				return err;
		}
	}
	return 0;
}

/* May run several times: only the store is touched. */
static int keys_txn(struct xs_handle *xsh, xs_transaction_t t, void *opaque)
{
	struct front_dev *d = opaque;
	int err;

	/* Whatever an earlier connection (ours or not) left behind. */
	err = rm_stale(d, t);
	if (!err)
		err = d->ops->write_keys(d, t);
	if (!err)
		err = xpv_xs_printf(xsh, t, d->fe_dir, "state", "%d",
				    d->ops->keys_state);
	return err;
}

/* ---- the machine ---- */

/* The backend left: keep what it answered, take back the rest. */
static void go_closed(struct front_dev *d)
{
	d->ops->harvest(d);
	d->ops->disconnect(d);
	front_zombies_retry(d);
	d->fs = FS_CLOSED;
}

static void go_gone(struct front_dev *d, int err)
{
	if (d->fs != FS_GONE) {
		d->ops->harvest(d);
		/* Before gone(): its callbacks must see a device that
		 * accepts nothing more. */
		d->fs = FS_GONE;
		d->ops->gone(d, err);
		front_zombies_retry(d);
	}
}

/* Backend Connected: the channel reads its keys and starts; we say so. */
static int connect_backend(struct front_dev *d)
{
	int err;

	err = d->ops->connect(d);
	if (err < 0)
		return err;
	err = fe_switch(d, XenbusStateConnected);
	if (err < 0)
		return err;
	d->connects++;
	d->fs = FS_CONNECTED;
	if (d->ops->issue)
		d->ops->issue(d);
	return 0;
}

/*
 * Moves the machine as far as the backend's current state allows.  Returns
 * 0, or -errno when a connection attempt failed (after an earlier
 * connection the device is then gone).
 */
static int step(struct front_dev *d)
{
	XenbusState bs;
	uint32_t online;
	int err;

	for (;;) {
		bs = be_state(d);
		switch (d->fs) {
		case FS_RESET:
			if (bs != XenbusStateClosed &&
			    bs != XenbusStateInitWait &&
			    bs != XenbusStateInitialising)
				return 0;
			fe_switch(d, XenbusStateInitialising);
			d->fs = FS_INIT;
			continue;
		case FS_INIT:
			if (bs != XenbusStateInitWait)
				return 0;
			err = d->ops->prepare(d);
			if (!err)
				err = xpv_xs_transact(d->xsh, keys_txn, d);
			if (err < 0)
				goto failed;
			d->fs = FS_INITIALISED;
			continue;
		case FS_INITIALISED:
			if (bs == XenbusStateConnected) {
				err = connect_backend(d);
				if (err < 0)
					goto failed;
				return 0;
			}
			if (bs == XenbusStateInitWait ||
			    bs == XenbusStateInitialised)
				return 0;
			go_closed(d);
			continue;
		case FS_CONNECTED:
			if (bs == XenbusStateConnected)
				return 0;
			if (bs == XenbusStateClosing) {
				/* Let it finish, then it unmaps and says
				 * Closed (Linux blkback waits for our
				 * Closed before it disconnects). */
				d->ops->harvest(d);
				fe_switch(d, XenbusStateClosed);
				d->fs = FS_CLOSING;
				return 0;
			}
			go_closed(d);
			continue;
		case FS_CLOSING:
			if (bs == XenbusStateClosing ||
			    bs == XenbusStateConnected)
				return 0;
			go_closed(d);
			continue;
		case FS_CLOSED:
			if (bs == XenbusStateInitWait) {
				d->fs = FS_INIT;
				continue;
			}
			if (bs == XenbusStateUnknown) {
				go_gone(d, -ENODEV);
				return 0;
			}
			if (bs != XenbusStateClosed)
				return 0;
			online = 1;
			xpv_xs_read_u32(d->xsh, XBT_NULL, d->be_dir, "online",
					UINT32_MAX, &online);
			if (!online) {
				go_gone(d, -ENODEV);
				return 0;
			}
			/* Ask for InitWait again (Linux's backends answer an
			 * Initialising frontend from Closed that way). */
			fe_switch(d, XenbusStateClosed);
			fe_switch(d, XenbusStateInitialising);
			return 0;
		case FS_GONE:
			return 0;
		}
		return 0;
	}
failed:
	if (d->connects)
		go_gone(d, err);
	return err;
}

/* Clears the pending notifications: they only woke us (the rings say what
 * there is to do). */
static void evtchn_drain(struct front_dev *d)
{
	int p;

	while ((p = d->pf->evtchn->pending(d->evtchn)) >= 0)
		d->pf->evtchn->unmask(d->evtchn, (xpv_port_t)p);
}

int front_dev_events(struct front_dev *d, int timeout_ms)
{
	struct epoll_event ev[4];
	int n, i, err;

	n = epoll_wait(d->epfd, ev, 4, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		if (ev[i].data.u32 == EV_WATCH) {
			err = xpv_xs_watcher_dispatch(d->watcher);
			if (err < 0)
				return err;
		} else if (ev[i].data.u32 == EV_EVTCHN) {
			evtchn_drain(d);
		}
	}
	if (d->be_changed && !d->closing) {
		d->be_changed = false;
		return step(d);
	}
	return 0;
}

/* ---- open, connect, close ---- */

void front_dev_init(struct front_dev *d, const struct front_ops *ops)
{
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->epfd = -1;
}

static int resolve_domid(struct front_dev *d, unsigned int domid)
{
	char buf[32];
	uint32_t v;
	const char *env;
	int n;

	if (domid != XPVF_DOMID_SELF) {
		if (domid > XPV_DOMID_MAX)
			return -EINVAL;
		d->domid = domid;
		return 0;
	}
	n = xpv_xs_read(d->xsh, XBT_NULL, "domid", NULL, buf, sizeof(buf));
	if (n >= 0 && !xpv_parse_u32(buf, (size_t)n, XPV_DOMID_MAX, 0, &v)) {
		d->domid = v;
		return 0;
	}
	/* On the sim platform the environment names our domain. */
	env = getenv("XENPV_SIM_DOMID");
	if (!strcmp(d->pf->name, "sim") && env &&
	    !xpv_parse_u32(env, strlen(env), XPV_DOMID_MAX, 0, &v)) {
		d->domid = v;
		return 0;
	}
	return n < 0 ? n : -EINVAL;
}

static int epoll_add(struct front_dev *d, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int front_dev_open(struct front_dev *d, const struct xpv_platform *pf,
		   const char *type, unsigned int domid, unsigned int devid)
{
	char path[sizeof(d->be_dir) + 16];
	uint32_t v;
	int err;

	d->pf = pf;
	d->devid = devid;
	err = xpv_xs_open(&d->xsh);
	if (err < 0)
		return err;
	err = resolve_domid(d, domid);
	if (err < 0)
		return err;
	if (snprintf(d->fe_dir, sizeof(d->fe_dir),
		     "/local/domain/%u/device/%s/%u", d->domid, type,
		     devid) >= (int)sizeof(d->fe_dir))
		return -ENAMETOOLONG;
	err = xpv_xs_read(d->xsh, XBT_NULL, d->fe_dir, "backend", d->be_dir,
			  sizeof(d->be_dir));
	if (err < 0)
		return err;
	if (d->be_dir[0] != '/')
		return -EPROTO;
	err = xpv_xs_read_u32(d->xsh, XBT_NULL, d->fe_dir, "backend-id",
			      XPV_DOMID_MAX, &v);
	if (err < 0)
		return err;
	d->be_domid = v;

	err = pf->evtchn->open(&d->evtchn);
	if (err < 0)
		return err;
	err = pf->gntshr->open(&d->gntshr);
	if (err < 0)
		return err;
	err = xpv_xs_watcher_open(d->xsh, &d->watcher);
	if (err < 0)
		return err;
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return -errno;
	err = epoll_add(d, xpv_xs_watcher_fd(d->watcher), EV_WATCH);
	if (!err)
		err = epoll_add(d, pf->evtchn->fd(d->evtchn), EV_EVTCHN);
	if (err < 0)
		return err;
	snprintf(path, sizeof(path), "%s/state", d->be_dir);
	err = xpv_xs_watch_add(d->watcher, path, WATCH_TOKEN, be_watch_fn, d);
	if (err < 0)
		return err;
	d->watch_set = true;
	return 0;
}

/* Decide where to start from the states the store holds now. */
static int initial_state(struct front_dev *d)
{
	XenbusState bs = be_state(d);

	if (bs == XenbusStateInitialised || bs == XenbusStateConnected ||
	    bs == XenbusStateClosing) {
		/* A stale connection: make the backend let go first. */
		d->fs = FS_RESET;
		return fe_switch(d, XenbusStateClosed);
	}
	d->fs = FS_INIT;
	return fe_switch(d, XenbusStateInitialising);
}

int front_dev_connect(struct front_dev *d, int64_t deadline)
{
	int64_t left;
	int err;

	err = initial_state(d);
	if (err < 0)
		return err;
	err = step(d);
	while (!err && d->fs != FS_CONNECTED) {
		left = deadline - front_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		err = front_dev_events(d, (int)left);
		if (!err && d->fs == FS_GONE)
			err = -ENODEV;
	}
	return err;
}

/* Waits (bounded) until the backend's state is in mask, consuming answers
 * meanwhile; with until_idle, until the channel is idle instead. */
static void close_wait(struct front_dev *d, unsigned int mask, int64_t deadline,
		       bool until_idle)
{
	struct epoll_event ev[4];
	int64_t left;
	int n, i;

	for (;;) {
		d->ops->harvest(d);
		if (until_idle && d->ops->issue)
			d->ops->issue(d); /* queued work may still go out */
		if (mask & XPV_XS_STATE_BIT(be_state(d)))
			return;
		if (until_idle && (!d->ops->idle || d->ops->idle(d)))
			return;
		left = deadline - front_now_ms();
		if (left <= 0)
			return;
		n = epoll_wait(d->epfd, ev, 4, left > 100 ? 100 : (int)left);
		for (i = 0; i < n; i++) {
			if (ev[i].data.u32 == EV_WATCH)
				xpv_xs_watcher_dispatch(d->watcher);
			else
				evtchn_drain(d);
		}
	}
}

void front_dev_close_handshake(struct front_dev *d, bool drain,
			       int64_t deadline)
{
	unsigned int gone = XPV_XS_STATE_BIT(XenbusStateUnknown) |
			    XPV_XS_STATE_BIT(XenbusStateClosed) |
			    XPV_XS_STATE_BIT(XenbusStateInitialising) |
			    XPV_XS_STATE_BIT(XenbusStateInitWait);

	/* Give what is in flight a chance to finish. */
	if (drain && d->fs == FS_CONNECTED)
		close_wait(d, gone, deadline, true);
	fe_switch(d, XenbusStateClosing);
	close_wait(d, gone | XPV_XS_STATE_BIT(XenbusStateClosing), deadline,
		   false);
	fe_switch(d, XenbusStateClosed);
	close_wait(d, gone, deadline, false);
}

void front_dev_close(struct front_dev *d)
{
	char path[sizeof(d->be_dir) + 16];

	if (d->watch_set) {
		snprintf(path, sizeof(path), "%s/state", d->be_dir);
		xpv_xs_watch_remove(d->watcher, path, WATCH_TOKEN);
		d->watch_set = false;
	}
	xpv_xs_watcher_close(d->watcher);
	d->watcher = NULL;
	if (d->epfd >= 0)
		close(d->epfd);
	d->epfd = -1;
	front_zombies_retry(d);
	if (d->pf) {
		d->pf->evtchn->close(d->evtchn);
		d->pf->gntshr->close(d->gntshr);
	}
	d->evtchn = NULL;
	d->gntshr = NULL;
	xpv_xs_close(d->xsh);
	d->xsh = NULL;
}

/* ---- event channels ---- */

int front_evtchn_alloc(struct front_dev *d)
{
	return d->pf->evtchn->alloc_unbound(d->evtchn,
					    (xpv_domid_t)d->be_domid);
}

void front_evtchn_free(struct front_dev *d, int port)
{
	if (port >= 0 && d->evtchn)
		d->pf->evtchn->unbind(d->evtchn, (xpv_port_t)port);
}

void front_evtchn_notify(struct front_dev *d, int port)
{
	d->pf->evtchn->notify(d->evtchn, (xpv_port_t)port);
}
