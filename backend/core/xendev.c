/* SPDX-License-Identifier: MIT */
/*
 * xendev.c - the channel core: discovery and the per-device XenbusState
 * machine (see xendev.h).
 *
 * Every watch event leads to update(), which reads the states again and
 * acts on what it reads: the machine is driven by the current values, never
 * by the event, so spurious and folded events are harmless.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "safefile.h"
#include "sock.h"
#include "xendev.h"
#include "xs-util.h"
#include "xs-watch.h"

#define PATH_LEN 256
#define TAKEOVER_RETRY_MS 1000
#define RECORD_LEN 4096
#define MAX_ROOTS 8

struct xpvd_dev {
	struct xpvd_dev *next;
	struct xpvd_devices *m;
	const struct xpvd_channel *chan;
	const char *type;	/* the root's, outlives the device */
	uint32_t fdom, devid;
	char be[PATH_LEN];
	char fe[PATH_LEN];
	char fe_state[PATH_LEN + 8];
	bool fe_watched;
	bool fe_keys_watched;	/* the channel's fe_keys too */
	bool seen;
	bool probed;		/* the channel's probe() succeeded */
	bool target_ok;		/* hotplug_check() passed for this probe */
	bool ready;		/* probed, features published */
	bool failed;		/* fatal error: Closing until the end */
	bool connected;
	bool reattaching;	/* inside connect() with a record */
	bool takeover;		/* both Connected at start: reattach pending */
	bool record_read;	/* the successor record was read (and removed) */
	bool removed;		/* gone from the store; freed when reaped */
	unsigned int nr_zombies; /* workers stopping */
	char *record;		/* read at takeover, NULL: none */
	XenbusState be_state;	/* what we last wrote */
	/* The daemon's configuration lowered by this device's xenpvd-* keys
	 * (read before the features are published); workers point at it. */
	struct xpvd_config cfg;
	/* Refusals and retries a frontend can repeat at will (it starts
	 * over as often as it likes): rate-limited per device, so that a
	 * noisy guest neither floods the log nor silences other devices.
	 * Lives as long as the backend directory, across reconnects. */
	struct xpvd_ratelimit rl;
	void *priv;		/* the channel's, priv_size bytes */
};

/* A worker asked to stop whose thread may still run. */
struct zombie {
	struct zombie *next;
	void *w;
	struct xpvd_dev *d;
};

/* One watched backend/<type> directory and the channel serving it. */
struct root {
	struct xpvd_devices *m;
	const struct xpvd_channel *chan;
	char type[XPVD_CFG_TYPE_LEN];
	char path[PATH_LEN / 2];
	char watch[PATH_LEN / 2 + 16];	/* path, or path/<domid> */
};

struct xpvd_devices {
	const struct xpvd_config *cfg;
	const struct xpvd_channel *const *chans;
	struct xs_handle *xsh;
	struct xpv_xs_watcher *wt;
	struct root roots[MAX_ROOTS];
	unsigned int nr_roots;
	struct xpvd_dev *devs;
	struct xpvd_dev *dead;	/* removed, waiting for their zombies */
	struct zombie *zombies;
	int reap_fd;		/* eventfd: a worker thread ended */
	int state_fd;		/* cfg->state_dir, checked ours (safefile.h);
				 * -1: no hand-over records */
	int64_t retry_at;	/* CLOCK_MONOTONIC ms of the next takeover
				 * retry, or -1 */
	bool closing;		/* shutting down: write nothing more */
	bool xs_lost;		/* the store connection failed */
	bool domain_gone;	/* cfg->domid (one guest) no longer exists */
};

/* ---- for channels ---- */

void *xpvd_dev_priv(const struct xpvd_dev *d)
{
	return d->priv;
}

uint32_t xpvd_dev_domid(const struct xpvd_dev *d)
{
	return d->fdom;
}

uint32_t xpvd_dev_devid(const struct xpvd_dev *d)
{
	return d->devid;
}

const char *xpvd_dev_type(const struct xpvd_dev *d)
{
	return d->type;
}

const char *xpvd_dev_be(const struct xpvd_dev *d)
{
	return d->be;
}

const char *xpvd_dev_fe(const struct xpvd_dev *d)
{
	return d->fe;
}

struct xs_handle *xpvd_dev_xsh(const struct xpvd_dev *d)
{
	return d->m->xsh;
}

const struct xpvd_config *xpvd_dev_cfg(const struct xpvd_dev *d)
{
	return &d->cfg;
}

struct xpvd_ratelimit *xpvd_dev_rl(struct xpvd_dev *d)
{
	return &d->rl;
}

int xpvd_dev_reap_fd(const struct xpvd_dev *d)
{
	return d->m->reap_fd;
}

/* ---- helpers ---- */

struct switch_args {
	struct xpvd_dev *d;
	XenbusState s;
};

/*
 * Writes our state only while our directory exists: the toolstack removes
 * it after Closed, and a write after that would create it again (XenStore
 * creates missing parents), leaving a stale device behind.  In a
 * transaction, so that a removal racing with the write makes it retry and
 * then see the directory gone.
 */
static int switch_txn(struct xs_handle *xsh, xs_transaction_t t, void *opaque)
{
	const struct switch_args *a = opaque;
	char buf[PATH_LEN];

	/* The toolstack writes "frontend" first and removes it with the
	 * directory; any other error (such as -E2BIG) means it is there. */
	if (xpv_xs_read(xsh, t, a->d->be, "frontend", buf, sizeof(buf)) ==
	    -ENOENT)
		return -ENOENT;
	return xpv_xs_switch_state(xsh, t, a->d->be, a->s);
}

static void switch_state(struct xpvd_dev *d, XenbusState s)
{
	struct switch_args a = { d, s };
	int err = xpv_xs_transact(d->m->xsh, switch_txn, &a);

	if (err == -ENOENT) {
		xpvd_dbg(XPVD_C_DEV, "%s: gone, not writing state %s", d->be,
			 xpv_state_name(s));
		d->be_state = s;
		return;
	}
	if (err)
		xpvd_err(XPVD_C_DEV, "%s: cannot write state %s: %s", d->be,
			 xpv_state_name(s), strerror(-err));
	else if (d->be_state != s)
		xpvd_dbg(XPVD_C_DEV, "%s: -> %s", d->be, xpv_state_name(s));
	d->be_state = s;
}

void xpvd_dev_park(struct xpvd_dev *d, void *w)
{
	struct zombie *z = calloc(1, sizeof(*z));

	if (!z) {
		/* Cannot defer: wait (blocks this thread). */
		d->chan->worker_reap(d, w);
		return;
	}
	z->w = w;
	z->d = d;
	z->next = d->m->zombies;
	d->m->zombies = z;
	d->nr_zombies++;
}

/*
 * Asks every worker to stop and hands it to the reaper: the main thread
 * never waits for a worker (a stuck disk must not stall the other
 * devices), xpvd_devices_reap() frees each one once its thread has ended.
 */
static void disconnect(struct xpvd_dev *d)
{
	d->chan->disconnect(d);
	/* A frontend may reconnect at will: rate-limited per device. */
	if (d->connected)
		xpvd_log_guest_at(LOG_INFO, &d->rl, XPVD_C_DEV,
				  "%s: disconnected", d->be);
	d->connected = false;
}

/* Closes what probe() opened, once no worker uses it. */
static void release(struct xpvd_dev *d)
{
	if (!d->probed || d->nr_zombies)
		return;
	d->chan->release(d);
	d->probed = false;
	d->ready = false;
}

int xpvd_dev_fatal(struct xpvd_dev *d, int err, const char *fmt, ...)
{
	char msg[256], safe[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d->takeover) {
		/* A takeover that fails leaves the store as it is (the
		 * frontend is still connected to the ring): retry later. */
		xpvd_log_guest(&d->rl, XPVD_C_DEV,
			       "%s: takeover: %s: %s (retrying)", d->be, msg,
			       strerror(-err));
		disconnect(d);
		return err;
	}
	xpvd_log_guest(&d->rl, XPVD_C_DEV, "%s: %s: %s", d->be, msg,
		       strerror(-err));
	/* The toolstack shows it to the operator: escaped as the log is,
	 * for it may quote a guest's value. */
	xpvd_escape(safe, sizeof(safe), msg);
	xpv_xs_printf(d->m->xsh, XBT_NULL, d->be, "error", "%d %s", -err,
		      safe);
	disconnect(d);
	d->failed = true;
	switch_state(d, XenbusStateClosing);
	return err;
}

void xpvd_dev_connected(struct xpvd_dev *d)
{
	d->connected = true;
	if (d->reattaching) {
		/* Everything is in the store already: write nothing. */
		d->be_state = XenbusStateConnected;
		return;
	}
	switch_state(d, XenbusStateConnected);
}

static int read_state(struct xpvd_dev *d, const char *dir, XenbusState *s)
{
	int err = xpv_xs_read_state(d->m->xsh, XBT_NULL, dir, s);

	if (err)
		*s = XenbusStateUnknown;
	return err;
}

/* ---- InitWait: probe, publish the features ---- */

/*
 * The toolstack's per-device settings (conf.h): d->cfg is the daemon's
 * configuration lowered by every xenpvd-* key present.  A bad value is
 * fatal for this device only, with the key in the error node.
 */
static int read_overrides(struct xpvd_dev *d)
{
	char buf[64], msg[160];
	unsigned int i;
	int len, err;

	d->cfg = *d->m->cfg;
	for (i = 0; xpvd_dev_keys[i]; i++) {
		len = xpv_xs_read(d->m->xsh, XBT_NULL, d->be, xpvd_dev_keys[i],
				  buf, sizeof(buf));
		if (len == -ENOENT)
			continue;
		if (len < 0)
			return xpvd_dev_fatal(d, len, "reading %s",
					      xpvd_dev_keys[i]);
		err = xpvd_config_override(&d->cfg, d->m->cfg,
					   xpvd_dev_keys[i], buf, msg,
					   sizeof(msg));
		if (err)
			return xpvd_dev_fatal(d, err, "bad %s: %s",
					      xpvd_dev_keys[i], msg);
		xpvd_dbg(XPVD_C_DEV, "%s: %s = %s", d->be, xpvd_dev_keys[i],
			 buf);
	}
	return 0;
}

static int probe(struct xpvd_dev *d)
{
	uint32_t fid;
	int err;

	err = read_overrides(d);
	if (err)
		return err;
	err = xpv_xs_read_u32(d->m->xsh, XBT_NULL, d->be, "frontend-id",
			      XPV_DOMID_MAX, &fid);
	if (err)
		return xpvd_dev_fatal(d, err, "reading frontend-id");
	if (fid != d->fdom)
		return xpvd_dev_fatal(d, -EINVAL, "frontend-id %u is not %u",
				      fid, d->fdom);
	err = d->chan->probe(d);
	if (err)
		return err;
	d->probed = true;
	d->target_ok = false;
	return 0;
}

static int features_txn(struct xs_handle *xsh, xs_transaction_t t,
			void *opaque)
{
	struct xpvd_dev *d = opaque;

	return d->chan->features(d, xsh, t);
}

static void fe_changed(void *opaque, const char *path, const char *token);
static void fe_key_changed(void *opaque, const char *path,
			   const char *token);

/* Sets (add) or removes the watches on the channel's fe_keys. */
static int fe_keys_watch(struct xpvd_dev *d, bool add)
{
	const char *const *k = d->chan->fe_keys;
	char path[PATH_LEN + 64];
	int err;

	for (; k && *k; k++) {
		snprintf(path, sizeof(path), "%s/%s", d->fe, *k);
		if (!add) {
			(void)xpv_xs_watch_remove(d->m->wt, path, "fk");
			continue;
		}
		err = xpv_xs_watch_add(d->m->wt, path, "fk", fe_key_changed,
				       d);
		/* -EEXIST: set by an earlier try that failed further on. */
		if (err && err != -EEXIST)
			return xpvd_dev_fatal(d, err, "watching %s", path);
	}
	return 0;
}

static int init_device(struct xpvd_dev *d)
{
	struct xs_handle *xsh = d->m->xsh;
	int len, err;

	if (!d->fe_watched) {
		len = xpv_xs_read(xsh, XBT_NULL, d->be, "frontend", d->fe,
				  sizeof(d->fe));
		if (len <= 0) {
			/* The toolstack writes it with the rest: wait. */
			return len < 0 ? len : -ENOENT;
		}
		/* Watched first, so that a device failing below still
		 * hears its frontend start over (see update()). */
		snprintf(d->fe_state, sizeof(d->fe_state), "%s/state", d->fe);
		err = xpv_xs_watch_add(d->m->wt, d->fe_state, "fe", fe_changed,
				       d);
		if (err)
			return xpvd_dev_fatal(d, err, "watching %s",
					      d->fe_state);
		d->fe_watched = true;
	}
	if (!d->fe_keys_watched) {
		err = fe_keys_watch(d, true);
		if (err)
			return err;
		d->fe_keys_watched = true;
	}
	if (!d->probed) {
		err = probe(d);
		if (err)
			return err;
	}
	err = xpv_xs_transact(xsh, features_txn, d);
	if (err)
		return xpvd_dev_fatal(d, err, "writing features");
	d->ready = true;
	return 0;
}

/*
 * The channel's check of what the script named, once per probe: the
 * verdict is about what was opened, which stays open across the
 * frontend's reconnects (the script's path may name something else by
 * then, legitimately).  What fails it is released, unless old workers
 * still use it, so that the frontend's next start over probes afresh.
 */
static int hotplug_target_ok(struct xpvd_dev *d)
{
	int err;

	if (d->target_ok || !d->chan->hotplug_check)
		return 0;
	err = d->chan->hotplug_check(d);
	if (!err)
		d->target_ok = true;
	else
		release(d);
	return err;
}

/*
 * The hotplug script's verdict (the Xen hotplug protocol).  A backend
 * directory with a `script` node is prepared by that script, which libxl
 * runs once the backend reached InitWait: the device connects only after
 * the script wrote hotplug-status = connected, as Linux blkback waits for
 * physical-device, and only if what was opened is what the script named
 * (hotplug_target_ok()).  Without a `script` node (xenpvctl, a toolstack
 * that runs no script) there is nothing to wait for or compare.  Returns
 * 1 when the device may connect, 0 to wait for the next change, -errno
 * after failing the device (the script reported an error or named another
 * target, or the store could not be read).
 */
static int hotplug_ready(struct xpvd_dev *d)
{
	struct xs_handle *xsh = d->m->xsh;
	char buf[PATH_LEN];
	int len;

	len = xpv_xs_read(xsh, XBT_NULL, d->be, "script", buf, sizeof(buf));
	if (len == -ENOENT)
		return 1;
	len = xpv_xs_read(xsh, XBT_NULL, d->be, "hotplug-status", buf,
			  sizeof(buf));
	if (len == -ENOENT)
		return 0;
	if (len < 0)
		return xpvd_dev_fatal(d, len, "reading hotplug-status");
	if (!strcmp(buf, "connected"))
		return hotplug_target_ok(d) ?: 1;
	if (strcmp(buf, "error"))
		return 0;
	len = xpv_xs_read(xsh, XBT_NULL, d->be, "hotplug-error", buf,
			  sizeof(buf));
	return xpvd_dev_fatal(d, -ENODEV, "hotplug script failed: %s",
			      len > 0 ? buf : "(no hotplug-error)");
}

static int connect_device(struct xpvd_dev *d, const char *record)
{
	int err;

	d->reattaching = record != NULL;
	err = d->chan->connect(d, record);
	d->reattaching = false;
	return err;
}

/* ---- handing devices over to the next daemon ---- */

/*
 * A daemon stopped by a signal leaves, per connected device, a small
 * record in the state directory, written by its channel (hand_over):
 * where each ring was left, and only when every ring was left so that
 * another backend may attach there (everything consumed was answered and
 * pushed).  After a crash (SIGKILL) there is no record: responses written
 * but not pushed, and requests answered out of order, make the ring's
 * unconsumed slots unreliable, so the successor asks the frontend to
 * reconnect instead (Closing), and the frontend issues its unanswered
 * requests again on fresh rings.
 *
 * Records live only in a directory nobody else can plant a record or a
 * link in (safefile.h), held by an fd.
 */
static void record_name(const struct xpvd_dev *d, char *buf, size_t size)
{
	snprintf(buf, size, "xenpvd-handoff-%s-%u-%u", d->type, d->fdom,
		 d->devid);
}

static void record_write(const struct xpvd_dev *d, const char *rec,
			 size_t len)
{
	char name[PATH_LEN];
	int err;

	if (!d->m->cfg->handoff || d->m->state_fd < 0)
		return; /* nobody will take over (a device model), or no
			 * safe place to say so */
	record_name(d, name, sizeof(name));
	err = xpvd_file_replace(d->m->state_fd, name, rec, len, 0600);
	if (err) {
		xpvd_warn(XPVD_C_DEV, "%s: cannot write %s/%s: %s", d->be,
			  d->m->cfg->state_dir, name, strerror(-err));
		return;
	}
	xpvd_dbg(XPVD_C_DEV, "%s: handed over (%s/%s)", d->be,
		 d->m->cfg->state_dir, name);
}

/*
 * Reads and removes d's record into d->record (NULL: none or unusable).
 * Only a regular file of ours is read (never through a link, never a FIFO
 * that would block).
 */
static void record_take(struct xpvd_dev *d)
{
	char name[PATH_LEN], *buf;
	ssize_t len;

	free(d->record);
	d->record = NULL;
	if (d->m->state_fd < 0)
		return;
	buf = malloc(RECORD_LEN);
	if (!buf)
		return;
	record_name(d, name, sizeof(name));
	len = xpvd_file_read(d->m->state_fd, name, buf, RECORD_LEN);
	if (len != -ENOENT) {
		/* Removed at once: it describes one moment, used once. */
		unlinkat(d->m->state_fd, name, 0);
		if (len < 0)
			xpvd_warn(XPVD_C_DEV, "%s: hand-over record %s/%s: %s",
				  d->be, d->m->cfg->state_dir, name,
				  strerror((int)-len));
	}
	if (len <= 0) {
		free(buf);
		return;
	}
	d->record = buf;
}

static void record_forget(const struct xpvd_dev *d)
{
	char name[PATH_LEN];

	if (d->m->state_fd < 0)
		return;
	record_name(d, name, sizeof(name));
	unlinkat(d->m->state_fd, name, 0);
}

/*
 * Both ends were Connected when we found the device: take it over.  0
 * when done (reattached, or told the frontend to reconnect); -errno when
 * it should be tried again later (nothing written to the store).
 */
static int takeover(struct xpvd_dev *d)
{
	int err;

	if (!d->record_read) {
		record_take(d);
		d->record_read = true;
		/*
		 * This daemon probed anew: what it opened must still be what
		 * the hotplug script named.  Checked as at a first connect,
		 * and a failure is final (error node, Closing), not retried.
		 */
		d->takeover = false;
		if (hotplug_ready(d) < 0)
			return 0;
		d->takeover = true;
	}
	if (d->record) {
		err = connect_device(d, d->record);
		if (!err) {
			d->takeover = false;
			return 0;
		}
		if (err != -ESTALE) {
			d->m->retry_at = xpvd_now_ms() + TAKEOVER_RETRY_MS;
			return err;
		}
	}
	xpvd_warn(XPVD_C_DEV, "%s: the previous daemon did not hand the rings "
		  "over cleanly: asking the frontend to reconnect", d->be);
	d->takeover = false;
	d->be_state = XenbusStateConnected;
	switch_state(d, XenbusStateClosing);
	return 0;
}

/* Writes Closed once every worker of d has stopped (else on reaping). */
static void closed_when_stopped(struct xpvd_dev *d)
{
	disconnect(d);
	if (!d->nr_zombies)
		switch_state(d, XenbusStateClosed);
}

/* ---- the state machine ---- */

static bool connects_on(const struct xpvd_dev *d, XenbusState fs)
{
	unsigned int on = d->chan->connect_on;

	return (fs == XenbusStateInitialised &&
		(on & XPVD_CONNECT_ON_INITIALISED)) ||
	       (fs == XenbusStateConnected && (on & XPVD_CONNECT_ON_CONNECTED));
}

static void update(struct xpvd_dev *d)
{
	struct xs_handle *xsh = d->m->xsh;
	XenbusState bs, fs;
	uint32_t online = 1;
	int err;

	err = xpv_xs_read_u32(xsh, XBT_NULL, d->be, "online", 1, &online);
	if (err)
		online = 1;
	read_state(d, d->be, &bs);
	if (!d->ready && !d->failed) {
		if (init_device(d))
			return;
		read_state(d, d->fe, &fs);
		if (bs == XenbusStateConnected && fs == XenbusStateConnected) {
			/* A previous xenpvd served it: take it over. */
			d->takeover = true;
		} else {
			record_forget(d);
			switch_state(d, XenbusStateInitWait);
		}
	}
	read_state(d, d->fe, &fs);
	if (d->takeover) {
		if (bs == XenbusStateConnected && fs == XenbusStateConnected) {
			takeover(d);
			return;
		}
		/* One end moved on before we could: follow it. */
		d->takeover = false;
		d->be_state = bs;
	}
	xpvd_dbg(XPVD_C_DEV, "%s: backend %s, frontend %s, online %u", d->be,
		 xpv_state_name(bs), xpv_state_name(fs), online);

	/* The toolstack's detach: online=0 and backend state Closing. */
	if (!online && bs == XenbusStateClosing) {
		closed_when_stopped(d);
		return;
	}
	if (d->failed) {
		if (fs == XenbusStateInitialising &&
		    d->be_state == XenbusStateClosed && online) {
			/* The frontend starts over (Closed, then
			 * Initialising): so do we, as Linux's backends. */
			xpvd_log_guest_at(LOG_INFO, &d->rl, XPVD_C_DEV,
					  "%s: frontend starts over: retrying",
					  d->be);
			d->failed = false;
			xpv_xs_rm(xsh, XBT_NULL, d->be, "error");
			if (!d->ready && init_device(d))
				return;
			switch_state(d, XenbusStateInitWait);
			return;
		}
		if (fs == XenbusStateClosed || fs == XenbusStateUnknown)
			closed_when_stopped(d);
		return;
	}
	switch (fs) {
	case XenbusStateInitialising:
	case XenbusStateInitWait:
		/* Not while the toolstack takes the device away (online 0):
		 * its Closed must stay until it removes the directory. */
		if (online && (d->be_state == XenbusStateClosed ||
			       d->be_state == XenbusStateConnected)) {
			/* The frontend starts over. */
			disconnect(d);
			switch_state(d, XenbusStateInitWait);
		}
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (connects_on(d, fs) && d->be_state == XenbusStateInitWait &&
		    !d->connected && hotplug_ready(d) > 0)
			connect_device(d, NULL);
		break;
	case XenbusStateClosing:
		disconnect(d);
		switch_state(d, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		closed_when_stopped(d);
		break;
	case XenbusStateUnknown:
		/* The frontend directory is gone (or not there yet). */
		if (d->be_state == XenbusStateConnected ||
		    d->be_state == XenbusStateClosing)
			closed_when_stopped(d);
		break;
	default:
		break;
	}
}

static void fe_changed(void *opaque, const char *path, const char *token)
{
	update(opaque);
}

/* One of the channel's fe_keys: only a connected device hears it. */
static void fe_key_changed(void *opaque, const char *path, const char *token)
{
	struct xpvd_dev *d = opaque;

	if (d->connected && !d->failed && !d->m->closing)
		d->chan->fe_changed(d);
}

/* ---- discovery ---- */

static void free_device(struct xpvd_dev *d)
{
	if (d->probed)
		d->chan->release(d);
	free(d->record);
	free(d->priv);
	free(d);
}

/* d is unlinked from m->devs already. */
static void remove_device(struct xpvd_dev *d)
{
	disconnect(d);
	if (d->fe_watched)
		xpv_xs_watch_remove(d->m->wt, d->fe_state, "fe");
	if (d->fe_keys_watched)
		(void)fe_keys_watch(d, false);
	record_forget(d);
	xpvd_info(XPVD_C_DEV, "%s: removed", d->be);
	if (d->nr_zombies) {
		/* Its workers still use what probe opened: freed when
		 * reaped. */
		d->removed = true;
		d->next = d->m->dead;
		d->m->dead = d;
		return;
	}
	free_device(d);
}

/* Frees the zombie z (its thread has ended or is about to: blocks). */
static void reap_one(struct xpvd_devices *m, struct zombie *z)
{
	struct xpvd_dev *d = z->d, **pp;

	d->chan->worker_reap(d, z->w);
	free(z);
	if (--d->nr_zombies)
		return;
	if (!d->removed) {
		if (!m->closing)
			update(d); /* a Closed may be waiting for this */
		return;
	}
	for (pp = &m->dead; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	free_device(d);
}

void xpvd_devices_reap(struct xpvd_devices *m)
{
	struct zombie *z, **pp;
	uint64_t v;

	if (read(m->reap_fd, &v, sizeof(v)) < 0)
		v = 0; /* nothing new: look anyway */
	for (pp = &m->zombies; (z = *pp);) {
		if (!z->d->chan->worker_finished(z->w)) {
			pp = &z->next;
			continue;
		}
		*pp = z->next;
		reap_one(m, z);
		/* update() may have added zombies at the head: restart. */
		pp = &m->zombies;
	}
}

int xpvd_devices_reap_fd(const struct xpvd_devices *m)
{
	return m->reap_fd;
}

int xpvd_devices_timeout(const struct xpvd_devices *m)
{
	int64_t left;

	if (m->retry_at < 0)
		return -1;
	left = m->retry_at - xpvd_now_ms();
	return left < 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
}

void xpvd_devices_tick(struct xpvd_devices *m)
{
	struct xpvd_dev *d;

	if (m->retry_at < 0 || xpvd_now_ms() < m->retry_at)
		return;
	m->retry_at = -1;
	for (d = m->devs; d; d = d->next)
		if (d->takeover)
			update(d);
}

static struct xpvd_dev *find_or_add(struct root *r, uint32_t fdom,
				    uint32_t devid)
{
	struct xpvd_devices *m = r->m;
	struct xpvd_dev *d;

	for (d = m->devs; d; d = d->next)
		if (d->type == r->type && d->fdom == fdom &&
		    d->devid == devid)
			return d;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->priv = calloc(1, r->chan->priv_size ? r->chan->priv_size : 1);
	if (!d->priv) {
		free(d);
		return NULL;
	}
	d->m = m;
	d->chan = r->chan;
	d->type = r->type;
	d->fdom = fdom;
	d->devid = devid;
	d->be_state = XenbusStateUnknown;
	snprintf(d->be, sizeof(d->be), "%s/%u/%u", r->path, fdom, devid);
	d->next = m->devs;
	m->devs = d;
	xpvd_dbg(XPVD_C_DEV, "%s: found", d->be);
	return d;
}

/* Marks the devices under r that the store still has. */
static void scan_root(struct root *r)
{
	struct xpvd_devices *m = r->m;
	char **doms = NULL, **devs = NULL, dir[PATH_LEN];
	struct xpvd_dev *d;
	int nd, nv, i, j;
	uint32_t fdom, devid;

	nd = xpv_xs_directory(m->xsh, XBT_NULL, r->path, NULL, &doms);
	for (i = 0; i < nd; i++) {
		if (xpv_parse_path_id(doms[i], strlen(doms[i]), XPV_DOMID_MAX,
				      &fdom))
			continue;
		if (m->cfg->domid != XPVD_ALL_DOMAINS && fdom != m->cfg->domid)
			continue;
		snprintf(dir, sizeof(dir), "%s/%u", r->path, fdom);
		nv = xpv_xs_directory(m->xsh, XBT_NULL, dir, NULL, &devs);
		for (j = 0; j < nv; j++) {
			if (xpv_parse_path_id(devs[j], strlen(devs[j]),
					      INT32_MAX, &devid))
				continue;
			d = find_or_add(r, fdom, devid);
			if (d)
				d->seen = true;
		}
		free(devs);
		devs = NULL;
	}
	free(doms);
}

static void scan(struct xpvd_devices *m)
{
	struct xpvd_dev *d, **pp;
	unsigned int i;

	for (d = m->devs; d; d = d->next)
		d->seen = false;
	for (i = 0; i < m->nr_roots; i++)
		scan_root(&m->roots[i]);
	for (pp = &m->devs; (d = *pp);) {
		if (d->seen) {
			pp = &d->next;
			continue;
		}
		*pp = d->next;
		remove_device(d);
	}
	for (d = m->devs; d; d = d->next)
		update(d);
}

static void root_changed(void *opaque, const char *path, const char *token)
{
	struct root *r = opaque;

	scan(r->m);
}

/* @releaseDomain: some domain died; is it the one this daemon serves? */
static void domain_released(void *opaque, const char *path,
			    const char *token)
{
	struct xpvd_devices *m = opaque;

	/* false is also libxenstore's answer to an error: ask twice. */
	if (!xs_is_domain_introduced(m->xsh, m->cfg->domid) &&
	    !xs_is_domain_introduced(m->xsh, m->cfg->domid))
		m->domain_gone = true;
}

bool xpvd_devices_domain_gone(const struct xpvd_devices *m)
{
	return m->domain_gone;
}

/*
 * The channel serving type, or NULL.  "TYPE:CHANNEL" names the channel
 * for a directory of the operator's choosing (r->type then gets TYPE).
 */
static const struct xpvd_channel *
channel_of(const struct xpvd_channel *const *chans, char *type)
{
	char *colon = strchr(type, ':');
	unsigned int i, j;

	if (colon) {
		*colon = '\0';
		for (i = 0; chans[i]; i++)
			if (!strcmp(chans[i]->name, colon + 1))
				return chans[i];
		return NULL;
	}
	for (i = 0; chans[i]; i++)
		for (j = 0; chans[i]->types[j]; j++)
			if (!strcmp(chans[i]->types[j], type))
				return chans[i];
	return NULL;
}

/* Fills m->roots from the space-separated cfg->type.  0 or -errno. */
static int add_roots(struct xpvd_devices *m)
{
	const struct xpvd_config *cfg = m->cfg;
	const char *p = cfg->type, *end;
	char path[PATH_LEN / 2], watch[PATH_LEN / 2 + 16];
	struct root *r;
	size_t len;
	unsigned int i;

	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		end = strchr(p, ' ');
		len = end ? (size_t)(end - p) : strlen(p);
		if (m->nr_roots == MAX_ROOTS || len >= sizeof(r->type))
			return -E2BIG;
		r = &m->roots[m->nr_roots];
		memcpy(r->type, p, len);
		r->type[len] = '\0';
		p += len;
		r->chan = channel_of(m->chans, r->type);
		if (!r->chan) {
			xpvd_err(XPVD_C_MAIN, "no channel serves backend "
				 "type '%.*s'", (int)len, p - len);
			return -EPROTONOSUPPORT;
		}
		for (i = 0; i < m->nr_roots; i++)
			if (!strcmp(m->roots[i].type, r->type))
				break;
		if (i < m->nr_roots)
			continue; /* named twice */
		r->m = m;
		/* (Built aside: gcc cannot tell r's fields apart.) */
		snprintf(path, sizeof(path), "/local/domain/%u/backend/%s",
			 cfg->self_domid, m->roots[m->nr_roots].type);
		memcpy(r->path, path, sizeof(r->path));
		/* One domain: its directory only (other domains' events
		 * would wake this daemon for nothing). */
		if (cfg->domid == XPVD_ALL_DOMAINS)
			snprintf(watch, sizeof(watch), "%s", path);
		else
			snprintf(watch, sizeof(watch), "%s/%u", path,
				 cfg->domid);
		memcpy(r->watch, watch, sizeof(r->watch));
		m->nr_roots++;
	}
	return m->nr_roots ? 0 : -EINVAL;
}

int xpvd_devices_open(const struct xpvd_config *cfg,
		      const struct xpvd_channel *const *chans,
		      struct xpvd_devices **out)
{
	struct xpvd_devices *m;
	unsigned int i;
	char token[16];
	int err;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = cfg;
	m->chans = chans;
	m->retry_at = -1;
	m->state_fd = -1;
	m->reap_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->reap_fd < 0) {
		err = -errno;
		free(m);
		return err;
	}
	err = add_roots(m);
	if (err)
		goto fail;
	/* Hand-over records tell a successor where to reattach: only in a
	 * directory nobody else can plant a record or a link in. */
	if (cfg->handoff) {
		m->state_fd = xpvd_dir_open_safe(AT_FDCWD, cfg->state_dir,
						 0755, true);
		if (m->state_fd < 0)
			xpvd_warn(XPVD_C_MAIN,
				  "state directory %s: %s: no hand-over "
				  "records (a restart makes guests reconnect)",
				  cfg->state_dir,
				  m->state_fd == -EPERM ||
						  m->state_fd == -ENOTDIR ?
					  "not a directory only we may write" :
					  strerror(-m->state_fd));
	}
	err = xpv_xs_open(&m->xsh);
	if (err)
		goto fail;
	err = xpv_xs_watcher_open(m->xsh, &m->wt);
	if (err)
		goto fail;
	for (i = 0; i < m->nr_roots; i++) {
		snprintf(token, sizeof(token), "be%u", i);
		err = xpv_xs_watch_add(m->wt, m->roots[i].watch, token,
				       root_changed, &m->roots[i]);
		if (err)
			goto fail;
	}
	if (cfg->domid != XPVD_ALL_DOMAINS && cfg->domid != cfg->self_domid) {
		err = xpv_xs_watch_add(m->wt, "@releaseDomain", "rd",
				       domain_released, m);
		if (err)
			goto fail;
	}
	*out = m;
	return 0;
fail:
	xpvd_devices_close(m);
	return err;
}

int xpvd_devices_fd(const struct xpvd_devices *m)
{
	return xpv_xs_watcher_fd(m->wt);
}

int xpvd_devices_dispatch(struct xpvd_devices *m)
{
	int n = xpv_xs_watcher_dispatch(m->wt);

	if (n < 0)
		m->xs_lost = true; /* the daemon stops: see close */
	return n < 0 ? n : 0;
}

/*
 * Stops d's workers for good (blocking) and leaves the record a successor
 * needs, when the channel could write one.
 */
static void hand_over(struct xpvd_dev *d)
{
	char *buf = malloc(RECORD_LEN);
	int len = 0;

	if (buf)
		len = d->chan->hand_over(d, buf, RECORD_LEN);
	if (len > 0 && d->connected)
		record_write(d, buf, (size_t)len);
	else if (d->takeover && d->record)
		/* Not taken over yet: pass it on. */
		record_write(d, d->record, strlen(d->record));
	free(buf);
}

/* What a lost store connection left (see xpvd_devices_close()). */
static struct xpv_xs_watcher *volatile lost_wt;
static struct xs_handle *volatile lost_xsh;

void xpvd_devices_close(struct xpvd_devices *m)
{
	struct zombie *z;
	struct xpvd_dev *d;

	if (!m)
		return;
	m->closing = true;
	for (d = m->devs; d; d = d->next)
		hand_over(d);
	while ((z = m->zombies)) {
		m->zombies = z->next;
		reap_one(m, z);
	}
	while ((d = m->devs)) {
		m->devs = d->next;
		free_device(d);
	}
	if (m->xs_lost) {
		/*
		 * libxenstore has closed the dead connection and set its fd
		 * to -1: unwatching and closing would write to and close fd
		 * -1.  The process is exiting; keep them reachable.
		 */
		lost_wt = m->wt;
		lost_xsh = m->xsh;
	} else {
		xpv_xs_watcher_close(m->wt);
		xpv_xs_close(m->xsh);
	}
	if (m->reap_fd >= 0)
		close(m->reap_fd);
	if (m->state_fd >= 0)
		close(m->state_fd);
	free(m);
}

void xpvd_devices_stats_json(struct xpvd_devices *m, FILE *f)
{
	const struct xpvd_channel *c;
	struct xpvd_dev *d;
	unsigned int i;
	bool first;

	fprintf(f, "{");
	for (i = 0; (c = m->chans[i]); i++) {
		fprintf(f, "%s\"%s\":[", i ? ",\n" : "", c->json_key);
		first = true;
		for (d = m->devs; d; d = d->next) {
			if (d->chan != c)
				continue;
			fprintf(f, "%s\n{\"domid\":%u,\"devid\":%u,"
				"\"state\":\"%s\",", first ? "" : ",",
				d->fdom, d->devid,
				xpv_state_name(d->be_state));
			c->stats_json(d, f);
			fprintf(f, "}");
			first = false;
		}
		fprintf(f, "\n]");
	}
	fprintf(f, "}\n");
}

void xpvd_devices_each(struct xpvd_devices *m,
		       const struct xpvd_channel *chan, uint32_t domid,
		       xpvd_dev_fn *fn, void *opaque)
{
	struct xpvd_dev *d;

	for (d = m->devs; d; d = d->next) {
		if (d->chan != chan ||
		    (domid != XPVD_ALL_DOMAINS && d->fdom != domid))
			continue;
		fn(opaque, d);
	}
}
