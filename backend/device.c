/* SPDX-License-Identifier: MIT */
/*
 * device.c - VBD discovery and the per-device XenbusState machine (see
 * device.h).
 *
 * Every watch event leads to update(), which reads the states again and
 * acts on what it reads: the machine is driven by the current values, never
 * by the event, so spurious and folded events are harmless.
 *
 * Choices where the frontend's values are wrong (documented in device.h):
 *   - `protocol` absent: the native ABI (what the spec says; Linux blkback
 *     assumes x86_32 on x86, but every frontend we know writes it);
 *   - `protocol` unknown, `ring-page-order` above max-ring-page-order,
 *     `multi-queue-num-queues` 0 or above multi-queue-max-queues, a
 *     missing or malformed ring-ref or event-channel: fatal (error node,
 *     Closing);
 *   - `feature-persistent` malformed: off.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "sock.h"
#include "device.h"
#include "safefile.h"
#include "stats.h"
#include "worker.h"
#include "xs-util.h"
#include "xs-watch.h"

#define PATH_LEN 256
#define TAKEOVER_RETRY_MS 1000

/* What a daemon stopped by a signal left for its successor (one VBD). */
struct handoff {
	bool valid;
	uint32_t nq;
	uint32_t ref0[XPVD_MAX_QUEUES];
	uint32_t port[XPVD_MAX_QUEUES];
	uint32_t rsp_prod[XPVD_MAX_QUEUES];
};

struct dev {
	struct dev *next;
	struct xpvd_devices *m;
	uint32_t fdom, devid;
	char be[PATH_LEN];
	char fe[PATH_LEN];
	char fe_state[PATH_LEN + 8];
	bool fe_watched;
	bool seen;
	bool ready;		/* disk open, features published */
	bool failed;		/* fatal error: Closing until the end */
	bool connected;
	bool takeover;		/* both Connected at start: reattach pending */
	bool handoff_read;	/* the successor file was read (and removed) */
	bool removed;		/* gone from the store; freed when reaped */
	unsigned int nr_zombies; /* workers stopping */
	struct handoff ho;	/* read at takeover */
	uint32_t ref0[XPVD_MAX_QUEUES], port[XPVD_MAX_QUEUES];
	XenbusState be_state;	/* what we last wrote */
	/* The daemon's configuration lowered by this device's xenpvd-* keys
	 * (read before the features are published); workers point at it. */
	struct xpvd_config cfg;
	struct xpv_disk *disk;
	char path[PATH_LEN * 2];	/* the image (params), while open */
	bool target_ok;		/* disk is what the hotplug script named */
	bool readonly;
	bool discard;
	struct xpvd_blk_limits lim;
	unsigned int nr_queues;
	struct xpvd_worker *w[XPVD_MAX_QUEUES];
	/* Counters of the connections that ended: the statistics of a VBD
	 * cover its whole life in this daemon, across reconnects. */
	struct xpvd_qstats past;
	/* Refusals and retries a frontend can repeat at will (it starts
	 * over as often as it likes): rate-limited per device, so that a
	 * noisy guest neither floods the log nor silences other devices.
	 * Lives as long as the backend directory, across reconnects. */
	struct xpvd_ratelimit rl;
};

/* A worker asked to stop whose thread may still run. */
struct zombie {
	struct zombie *next;
	struct xpvd_worker *w;
	struct dev *d;
};

struct xpvd_devices {
	const struct xpvd_config *cfg;
	struct xs_handle *xsh;
	struct xpv_xs_watcher *wt;
	char root[PATH_LEN / 2];
	char watch[PATH_LEN / 2 + 16];	/* root, or root/<domid> */
	struct dev *devs;
	struct dev *dead;	/* removed, waiting for their zombies */
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

/* ---- helpers ---- */

struct switch_args {
	struct dev *d;
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

static void switch_state(struct dev *d, XenbusState s)
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

/*
 * Asks every worker to stop and hands it to the reaper: the main thread
 * never waits for a worker (a stuck disk must not stall the other VBDs),
 * xpvd_devices_reap() frees each one once its thread has ended.
 */
static void disconnect(struct dev *d)
{
	struct zombie *z;
	unsigned int q;

	for (q = 0; q < d->nr_queues; q++) {
		if (!d->w[q])
			continue;
		xpvd_worker_request_stop(d->w[q]);
		z = calloc(1, sizeof(*z));
		if (!z) {
			/* Cannot defer: wait (blocks this thread). */
			xpvd_worker_reap(d->w[q], &d->past);
		} else {
			z->w = d->w[q];
			z->d = d;
			z->next = d->m->zombies;
			d->m->zombies = z;
			d->nr_zombies++;
		}
		d->w[q] = NULL;
	}
	/* A frontend may reconnect at will: rate-limited per device. */
	if (d->connected)
		xpvd_log_guest_at(LOG_INFO, &d->rl, XPVD_C_DEV,
				  "%s: disconnected", d->be);
	d->nr_queues = 0;
	d->connected = false;
}

/*
 * As Linux's xenbus_dev_fatal(): error node, then Closing.  Returns err.
 * The log line is rate-limited per device (d->rl): the frontend can start
 * over and be refused again as often as it likes.  The error node always
 * says why.
 */
static int __attribute__((format(printf, 3, 4)))
fatal(struct dev *d, int err, const char *fmt, ...)
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

static int read_state(struct dev *d, const char *dir, XenbusState *s)
{
	int err = xpv_xs_read_state(d->m->xsh, XBT_NULL, dir, s);

	if (err)
		*s = XenbusStateUnknown;
	return err;
}

/* ---- InitWait: open the disk, publish the features ---- */

struct feat_txn {
	struct dev *d;
	const struct xpv_disk_info *di;
};

static int write_features(struct xs_handle *xsh, xs_transaction_t t,
			  void *opaque)
{
	struct feat_txn *ft = opaque;
	struct dev *d = ft->d;
	const struct xpvd_config *cfg = &d->cfg;
	int err = 0;

	if (d->lim.max_indirect_segs)
		err = xpv_xs_printf(xsh, t, d->be,
				    "feature-max-indirect-segments", "%u",
				    d->lim.max_indirect_segs);
	else
		err = xpv_xs_rm(xsh, t, d->be, "feature-max-indirect-segments");
	err = err ?: xpv_xs_printf(xsh, t, d->be, "max-ring-page-order", "%u",
				   cfg->max_ring_order);
	err = err ?: xpv_xs_printf(xsh, t, d->be, "multi-queue-max-queues",
				   "%u", cfg->max_queues);
	err = err ?: xpv_xs_write(xsh, t, d->be, "feature-persistent",
				  cfg->persistent ? "1" : "0");
	err = err ?: xpv_xs_write(xsh, t, d->be, "feature-flush-cache", "1");
	err = err ?: xpv_xs_write(xsh, t, d->be, "feature-barrier", "1");
	err = err ?: xpv_xs_write(xsh, t, d->be, "feature-discard",
				  d->discard ? "1" : "0");
	if (d->discard) {
		err = err ?: xpv_xs_printf(xsh, t, d->be,
					   "discard-granularity", "%u",
					   ft->di->discard_granularity);
		err = err ?: xpv_xs_printf(xsh, t, d->be,
					   "discard-alignment", "%u",
					   ft->di->discard_alignment);
		if (ft->di->discard_secure)
			err = err ?: xpv_xs_write(xsh, t, d->be,
						  "discard-secure", "1");
	}
	/* Who serves the VBD, for xentop's vbd3 statistics (vbd3.h). */
	if (cfg->vbd3_stats)
		err = err ?: xpv_xs_printf(xsh, t, d->be, "kthread-pid", "%d",
					   (int)getpid());
	return err;
}

/*
 * The toolstack's per-device settings (conf.h): d->cfg is the daemon's
 * configuration lowered by every xenpvd-* key present.  A bad value is
 * fatal for this device only, with the key in the error node.
 */
static int read_overrides(struct dev *d)
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
			return fatal(d, len, "reading %s", xpvd_dev_keys[i]);
		err = xpvd_config_override(&d->cfg, d->m->cfg,
					   xpvd_dev_keys[i], buf, msg,
					   sizeof(msg));
		if (err)
			return fatal(d, err, "bad %s: %s", xpvd_dev_keys[i],
				     msg);
		xpvd_dbg(XPVD_C_DEV, "%s: %s = %s", d->be, xpvd_dev_keys[i],
			 buf);
	}
	return 0;
}

static int open_disk(struct dev *d)
{
	const struct xpvd_config *cfg = &d->cfg;
	struct xs_handle *xsh = d->m->xsh;
	struct xpv_disk_params dp = { 0 };
	enum xpv_disk_format fmt;
	char buf[PATH_LEN * 2], path[PATH_LEN * 2];
	bool discard_enable = true;
	uint32_t fid;
	int len, err;

	err = read_overrides(d);
	if (err)
		return err;
	len = xpv_xs_read(xsh, XBT_NULL, d->be, "params", buf, sizeof(buf));
	if (len < 0)
		return fatal(d, len, "reading params");
	err = xpv_parse_params(buf, (size_t)len, &fmt, path, sizeof(path));
	if (err)
		return fatal(d, err, "bad params '%s'", buf);
	if (fmt != XPV_DISK_RAW) {
		return fatal(d, -EOPNOTSUPP, "image format %s not supported",
			     xpv_disk_format_name(fmt));
	}
	len = xpv_xs_read(xsh, XBT_NULL, d->be, "mode", buf, sizeof(buf));
	if (len < 0)
		return fatal(d, len, "reading mode");
	err = xpv_parse_mode(buf, (size_t)len, &d->readonly);
	if (err)
		return fatal(d, err, "bad mode '%s'", buf);
	err = xpv_xs_read_u32(xsh, XBT_NULL, d->be, "frontend-id",
			      XPV_DOMID_MAX, &fid);
	if (err)
		return fatal(d, err, "reading frontend-id");
	if (fid != d->fdom) {
		fatal(d, -EINVAL, "frontend-id %u is not %u", fid, d->fdom);
		return -EINVAL;
	}
	/* discard-enable (libxl): absent means on, malformed means off. */
	len = xpv_xs_read(xsh, XBT_NULL, d->be, "discard-enable", buf,
			  sizeof(buf));
	if (len >= 0 && xpv_parse_feature(buf, (size_t)len, &discard_enable))
		discard_enable = false;

	dp.flags = d->readonly ? XPV_DISK_READONLY : 0;
	dp.cache = cfg->cache;
	dp.sector_size = cfg->sector_size;
	err = xpv_disk_open(path, &dp, &d->disk);
	if (err)
		return fatal(d, err, "cannot open %s", path);
	snprintf(d->path, sizeof(d->path), "%s", path);
	d->target_ok = false;
	d->discard = discard_enable && !d->readonly &&
		     xpv_disk_info(d->disk)->discard;
	d->lim.max_indirect_segs = cfg->max_indirect_segs;
	d->lim.flush = true;
	d->lim.barrier = true;
	d->lim.discard = d->discard;
	d->lim.discard_secure = d->discard &&
				xpv_disk_info(d->disk)->discard_secure;
	xpvd_info(XPVD_C_DEV, "%s: %s%s, %" PRIu64 " bytes, sector %u%s",
		  d->be, path, d->readonly ? " (read-only)" : "",
		  xpv_disk_info(d->disk)->size,
		  xpv_disk_info(d->disk)->sector_size,
		  xpv_disk_info(d->disk)->direct ? ", O_DIRECT" : "");
	return 0;
}

static void fe_changed(void *opaque, const char *path, const char *token);

static int init_device(struct dev *d)
{
	struct xs_handle *xsh = d->m->xsh;
	struct feat_txn ft = { .d = d };
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
		if (err) {
			fatal(d, err, "watching %s", d->fe_state);
			return err;
		}
		d->fe_watched = true;
	}
	if (!d->disk) {
		err = open_disk(d);
		if (err)
			return err;
	}
	ft.di = xpv_disk_info(d->disk);
	err = xpv_xs_transact(xsh, write_features, &ft);
	if (err) {
		fatal(d, err, "writing features");
		return err;
	}
	d->ready = true;
	return 0;
}

/*
 * Parses physical-device as Xen's block script writes it (stat's %t:%T)
 * and Linux blkback reads it ("%x:%x"): hex major, a colon, hex minor.  As
 * with %x a 0x prefix is accepted; unlike it no sign, space or tail.  0 or
 * -EINVAL.
 */
static int parse_devnum(const char *s, unsigned int *maj, unsigned int *min)
{
	unsigned long v[2];
	unsigned int i;
	char *end;

	for (i = 0; i < 2; i++) {
		if (!isxdigit((unsigned char)*s))
			return -EINVAL;
		errno = 0;
		v[i] = strtoul(s, &end, 16);
		if (errno || v[i] > UINT_MAX)
			return -EINVAL;
		s = end;
		if (*s++ != (i ? '\0' : ':'))
			return -EINVAL;
	}
	*maj = (unsigned int)v[0];
	*min = (unsigned int)v[1];
	return 0;
}

/*
 * The disk was opened from params at discovery, before the hotplug script
 * ran (libxl runs it once the backend is in InitWait, and InitWait needs
 * the disk's features); params may have been swapped since (a symlink
 * retargeted, a file renamed over it).  So what is open must be what the
 * script checked and named: physical-device (hex MAJOR:MINOR, Xen's block
 * script) must be the open block device's number, physical-device-path
 * (block-xenpvd; Xen's script too) must name the same block device or the
 * same file.  Each key present must match and at least one must be there:
 * a script that names nothing vouches for nothing we can compare.  A
 * mismatch fails this device only.  Returns 0, or -errno after fatal().
 */
static int check_hotplug_target(struct dev *d)
{
	struct xs_handle *xsh = d->m->xsh;
	char buf[PATH_LEN * 2];
	unsigned int maj, min;
	bool named = false;
	int len, err;

	len = xpv_xs_read(xsh, XBT_NULL, d->be, "physical-device", buf,
			  sizeof(buf));
	if (len >= 0) {
		named = true;
		if (parse_devnum(buf, &maj, &min))
			return fatal(d, -EINVAL, "bad physical-device '%s' "
				     "from the hotplug script", buf);
		if (xpv_disk_is_devnum(d->disk, maj, min))
			return fatal(d, -ENODEV, "%s is not physical-device "
				     "%s that the hotplug script checked",
				     d->path, buf);
	} else if (len != -ENOENT) {
		return fatal(d, len, "reading physical-device");
	}
	len = xpv_xs_read(xsh, XBT_NULL, d->be, "physical-device-path", buf,
			  sizeof(buf));
	if (len >= 0) {
		named = true;
		err = xpv_disk_is_path(d->disk, buf);
		if (err == -ENODEV)
			return fatal(d, err, "%s is not physical-device-path "
				     "%s that the hotplug script checked",
				     d->path, buf);
		if (err)
			return fatal(d, err, "cannot check physical-device-path "
				     "%s", buf);
	} else if (len != -ENOENT) {
		return fatal(d, len, "reading physical-device-path");
	}
	if (!named)
		return fatal(d, -ENODEV, "the hotplug script named neither "
			     "physical-device nor physical-device-path");
	return 0;
}

/*
 * check_hotplug_target() once per open: the verdict is about the disk
 * opened, which stays open across the frontend's reconnects (the script's
 * path may name something else by then, legitimately).  A disk that fails
 * it is closed, unless old workers still use it, so that the frontend's
 * next start over opens params again and checks afresh.
 */
static int hotplug_target_ok(struct dev *d)
{
	int err;

	if (d->target_ok)
		return 0;
	err = check_hotplug_target(d);
	if (!err) {
		d->target_ok = true;
	} else if (!d->nr_zombies) {
		xpv_disk_close(d->disk);
		d->disk = NULL;
		d->ready = false;
	}
	return err;
}

/*
 * The hotplug script's verdict (the Xen block script protocol).  A backend
 * directory with a `script` node is prepared by that script, which libxl
 * runs once the backend reached InitWait: the device connects only after
 * the script wrote hotplug-status = connected, as Linux blkback waits for
 * physical-device, and only if the disk open is the one the script named
 * (hotplug_target_ok()).  Without a `script` node (xenpvctl, a
 * toolstack that runs no script) there is nothing to wait for or compare.
 * Returns 1 when the device may connect, 0 to wait for the next change,
 * -errno after failing the device (the script reported an error or named
 * another disk, or the store could not be read).
 */
static int hotplug_ready(struct dev *d)
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
		return fatal(d, len, "reading hotplug-status");
	if (!strcmp(buf, "connected"))
		return hotplug_target_ok(d) ?: 1;
	if (strcmp(buf, "error"))
		return 0;
	len = xpv_xs_read(xsh, XBT_NULL, d->be, "hotplug-error", buf,
			  sizeof(buf));
	return fatal(d, -ENODEV, "hotplug script failed: %s",
		     len > 0 ? buf : "(no hotplug-error)");
}

/* ---- Connected: read the frontend's keys, start the workers ---- */

static int read_queue(struct dev *d, unsigned int q, unsigned int nq,
		      bool has_order, uint32_t order,
		      struct xpvd_worker_params *wp)
{
	struct xs_handle *xsh = d->m->xsh;
	char dir[PATH_LEN + 32], node[32];
	unsigned int i;
	uint32_t v;
	int err;

	if (nq == 1)
		snprintf(dir, sizeof(dir), "%s", d->fe);
	else
		snprintf(dir, sizeof(dir), "%s/queue-%u", d->fe, q);
	wp->nr_pages = 1u << order;
	for (i = 0; i < wp->nr_pages; i++) {
		if (has_order)
			snprintf(node, sizeof(node), "ring-ref%u", i);
		else
			snprintf(node, sizeof(node), "ring-ref");
		err = xpv_xs_read_u32(xsh, XBT_NULL, dir, node, UINT32_MAX,
				      &v);
		if (err) {
			fatal(d, err, "reading %s/%s", dir, node);
			return err;
		}
		wp->ring_refs[i] = v;
	}
	err = xpv_xs_read_u32(xsh, XBT_NULL, dir, "event-channel", UINT32_MAX,
			      &v);
	if (err) {
		fatal(d, err, "reading %s/event-channel", dir);
		return err;
	}
	wp->remote_port = v;
	return 0;
}

static int connect_device(struct dev *d, bool reattach)
{
	const struct xpvd_config *cfg = &d->cfg;
	struct xs_handle *xsh = d->m->xsh;
	struct xpvd_worker_params wp = { 0 };
	const struct xpv_disk_info *di = xpv_disk_info(d->disk);
	char proto[32];
	uint32_t nq = 1, order = 0;
	bool has_order = true, persistent = false;
	unsigned int q;
	int err;

	err = xpv_xs_read(xsh, XBT_NULL, d->fe, "protocol", proto,
			  sizeof(proto));
	if (err == -ENOENT) {
		wp.abi = XPV_BLKIF_ABI_NATIVE;
	} else if (err < 0) {
		fatal(d, err, "reading protocol");
		return err;
	} else if ((err = xpv_blkif_abi_parse(proto, &wp.abi))) {
		fatal(d, err, "unknown protocol '%s'", proto);
		return err;
	}
	err = xpv_xs_read_u32(xsh, XBT_NULL, d->fe, "multi-queue-num-queues",
			      cfg->max_queues, &nq);
	if (err == -ENOENT) {
		nq = 1;
	} else if (err) {
		fatal(d, err, "bad multi-queue-num-queues (max %u)",
		      cfg->max_queues);
		return err;
	} else if (nq == 0) {
		fatal(d, -EINVAL, "multi-queue-num-queues is 0");
		return -EINVAL;
	}
	err = xpv_xs_read_u32(xsh, XBT_NULL, d->fe, "ring-page-order",
			      cfg->max_ring_order, &order);
	if (err == -ENOENT) {
		has_order = false;
		order = 0;
	} else if (err) {
		fatal(d, err, "bad ring-page-order (max %u)",
		      cfg->max_ring_order);
		return err;
	}
	if (xpv_xs_read_feature(xsh, XBT_NULL, d->fe, "feature-persistent",
				&persistent))
		persistent = false;

	wp.cfg = cfg;
	wp.disk = d->disk;
	wp.domid = (xpv_domid_t)d->fdom;
	wp.devid = d->devid;
	wp.persistent = persistent && cfg->persistent;
	wp.reattach = reattach;
	wp.lim = d->lim;
	wp.done_fd = d->m->reap_fd;
	if (reattach && nq != d->ho.nq) {
		fatal(d, -ESTALE, "%u queues, the previous daemon had %u", nq,
		      d->ho.nq);
		return -ESTALE;
	}
	for (q = 0; q < nq; q++) {
		wp.qidx = q;
		err = read_queue(d, q, nq, has_order, order, &wp);
		if (err)
			return err;
		if (reattach && (wp.ring_refs[0] != d->ho.ref0[q] ||
				 wp.remote_port != d->ho.port[q])) {
			fatal(d, -ESTALE, "queue %u is not the ring handed over",
			      q);
			return -ESTALE;
		}
		wp.check_rsp_prod = reattach;
		wp.rsp_prod = reattach ? d->ho.rsp_prod[q] : 0;
		d->ref0[q] = wp.ring_refs[0];
		d->port[q] = wp.remote_port;
		err = xpvd_worker_start(&wp, &d->w[q]);
		if (err) {
			d->nr_queues = q;
			fatal(d, err, "starting queue %u", q);
			return err;
		}
		d->nr_queues = q + 1;
	}
	if (reattach) {
		/* Everything is in the store already: write nothing. */
		d->connected = true;
		d->be_state = XenbusStateConnected;
		xpvd_info(XPVD_C_DEV, "%s: reattached: %u queue(s) of %u "
			  "page(s), %s", d->be, nq, 1u << order,
			  xpv_blkif_abi_name(wp.abi));
		return 0;
	}
	err = xpv_xs_printf(xsh, XBT_NULL, d->be, "sectors", "%" PRIu64,
			    di->size >> XPV_SECTOR_SHIFT);
	err = err ?: xpv_xs_printf(xsh, XBT_NULL, d->be, "info", "%u",
				   d->readonly ? VDISK_READONLY : 0u);
	err = err ?: xpv_xs_printf(xsh, XBT_NULL, d->be, "sector-size", "%u",
				   di->sector_size);
	err = err ?: xpv_xs_printf(xsh, XBT_NULL, d->be,
				   "physical-sector-size", "%u",
				   di->physical_sector_size);
	if (err) {
		fatal(d, err, "writing the disk geometry");
		return err;
	}
	d->connected = true;
	switch_state(d, XenbusStateConnected);
	xpvd_log_guest_at(LOG_INFO, &d->rl, XPVD_C_DEV,
			  "%s: connected: %u queue(s) of %u page(s), %s%s",
			  d->be, nq, 1u << order, xpv_blkif_abi_name(wp.abi),
			  wp.persistent ? ", persistent grants" : "");
	return 0;
}

/* ---- handing devices over to the next daemon ---- */

/*
 * A daemon stopped by a signal leaves, per connected VBD, a small file in
 * the state directory saying that it answered and pushed everything it
 * consumed, and where each ring's rsp_prod was.  Only then can the next
 * daemon attach at rsp_prod: after a crash (SIGKILL), responses written
 * into the ring but not pushed, and requests answered out of order, make
 * the slots between rsp_prod and req_prod unreliable (a request slot may
 * hold a response, a request may already be answered), so the successor
 * asks the frontend to reconnect instead (Closing), and the frontend
 * issues its unanswered requests again on fresh rings.
 */
static void handoff_name(const struct dev *d, char *buf, size_t size)
{
	snprintf(buf, size, "xenpvd-handoff-%s-%u-%u", d->m->cfg->type,
		 d->fdom, d->devid);
}

static void handoff_write(const struct dev *d, const struct handoff *ho)
{
	char name[PATH_LEN], buf[64 + XPVD_MAX_QUEUES * 40];
	unsigned int q;
	size_t len;
	int err;

	if (!d->m->cfg->handoff || d->m->state_fd < 0)
		return; /* nobody will take over (a device model), or no
			 * safe place to say so */
	handoff_name(d, name, sizeof(name));
	len = (size_t)snprintf(buf, sizeof(buf), "xenpvd-handoff 1 %u\n",
			       ho->nq);
	for (q = 0; q < ho->nq && len < sizeof(buf); q++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
					"%u %u %u\n", ho->ref0[q], ho->port[q],
					ho->rsp_prod[q]);
	if (len >= sizeof(buf))
		return;
	err = xpvd_file_replace(d->m->state_fd, name, buf, len, 0600);
	if (err) {
		xpvd_warn(XPVD_C_DEV, "%s: cannot write %s/%s: %s", d->be,
			  d->m->cfg->state_dir, name, strerror(-err));
		return;
	}
	xpvd_dbg(XPVD_C_DEV, "%s: handed over (%s/%s)", d->be,
		 d->m->cfg->state_dir, name);
}

/*
 * Reads and removes the record; ho->valid says whether it was usable.
 * Only a regular file of ours is read (never through a link, never a
 * FIFO that would block).
 */
static void handoff_take(const struct dev *d, struct handoff *ho)
{
	char name[PATH_LEN], buf[64 + XPVD_MAX_QUEUES * 40], *p;
	unsigned int q;
	ssize_t len;
	int n;

	memset(ho, 0, sizeof(*ho));
	if (d->m->state_fd < 0)
		return;
	handoff_name(d, name, sizeof(name));
	len = xpvd_file_read(d->m->state_fd, name, buf, sizeof(buf));
	if (len == -ENOENT)
		return;
	/* Removed at once: it describes one moment, used once. */
	unlinkat(d->m->state_fd, name, 0);
	if (len < 0) {
		xpvd_warn(XPVD_C_DEV, "%s: hand-over record %s/%s: %s", d->be,
			  d->m->cfg->state_dir, name, strerror((int)-len));
		return;
	}
	if (sscanf(buf, "xenpvd-handoff 1 %u%n", &ho->nq, &n) != 1 ||
	    !ho->nq || ho->nq > XPVD_MAX_QUEUES)
		return;
	p = buf + n;
	for (q = 0; q < ho->nq; q++) {
		if (sscanf(p, "%u %u %u%n", &ho->ref0[q], &ho->port[q],
			   &ho->rsp_prod[q], &n) != 3)
			return;
		p += n;
	}
	ho->valid = true;
}

static void handoff_forget(const struct dev *d)
{
	char name[PATH_LEN];

	if (d->m->state_fd < 0)
		return;
	handoff_name(d, name, sizeof(name));
	unlinkat(d->m->state_fd, name, 0);
}

/*
 * Both ends were Connected when we found the device: take it over.  0
 * when done (reattached, or told the frontend to reconnect); -errno when
 * it should be tried again later (nothing written to the store).
 */
static int takeover(struct dev *d)
{
	int err;

	if (!d->handoff_read) {
		handoff_take(d, &d->ho);
		d->handoff_read = true;
		/*
		 * This daemon opened params anew: it must still be what the
		 * hotplug script named.  Checked as at a first connect, and a
		 * failure is final (error node, Closing), not retried.
		 */
		d->takeover = false;
		if (hotplug_ready(d) < 0)
			return 0;
		d->takeover = true;
	}
	if (d->ho.valid) {
		err = connect_device(d, true);
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
static void closed_when_stopped(struct dev *d)
{
	disconnect(d);
	if (!d->nr_zombies)
		switch_state(d, XenbusStateClosed);
}

/* ---- the state machine ---- */

static void update(struct dev *d)
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
			handoff_forget(d);
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
			 * Initialising): so do we, as Linux blkback. */
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
		if (d->be_state == XenbusStateClosed ||
		    d->be_state == XenbusStateConnected) {
			/* The frontend starts over. */
			disconnect(d);
			switch_state(d, XenbusStateInitWait);
		}
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (d->be_state == XenbusStateInitWait && !d->connected &&
		    hotplug_ready(d) > 0)
			connect_device(d, false);
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

/* ---- discovery ---- */

static void free_device(struct dev *d)
{
	xpv_disk_close(d->disk);
	free(d);
}

/* d is unlinked from m->devs already. */
static void remove_device(struct dev *d)
{
	disconnect(d);
	if (d->fe_watched)
		xpv_xs_watch_remove(d->m->wt, d->fe_state, "fe");
	handoff_forget(d);
	xpvd_info(XPVD_C_DEV, "%s: removed", d->be);
	if (d->nr_zombies) {
		/* Its workers still use the disk: freed when reaped. */
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
	struct dev *d = z->d, **pp;

	xpvd_worker_reap(z->w, &d->past);
	free(z);
	if (--d->nr_zombies)
		return;
	/* Gauges describe a connection, not a history. */
	d->past.inflight = 0;
	d->past.pgrant_mapped = 0;
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
		if (!xpvd_worker_finished(z->w)) {
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
	struct dev *d;

	if (m->retry_at < 0 || xpvd_now_ms() < m->retry_at)
		return;
	m->retry_at = -1;
	for (d = m->devs; d; d = d->next)
		if (d->takeover)
			update(d);
}

static struct dev *find_or_add(struct xpvd_devices *m, uint32_t fdom,
			       uint32_t devid)
{
	struct dev *d;

	for (d = m->devs; d; d = d->next)
		if (d->fdom == fdom && d->devid == devid)
			return d;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->m = m;
	d->fdom = fdom;
	d->devid = devid;
	d->be_state = XenbusStateUnknown;
	snprintf(d->be, sizeof(d->be), "%s/%u/%u", m->root, fdom, devid);
	d->next = m->devs;
	m->devs = d;
	xpvd_dbg(XPVD_C_DEV, "%s: found", d->be);
	return d;
}

static void scan(struct xpvd_devices *m)
{
	char **doms = NULL, **devs = NULL, dir[PATH_LEN];
	struct dev *d, **pp;
	int nd, nv, i, j;
	uint32_t fdom, devid;

	for (d = m->devs; d; d = d->next)
		d->seen = false;
	nd = xpv_xs_directory(m->xsh, XBT_NULL, m->root, NULL, &doms);
	for (i = 0; i < nd; i++) {
		if (xpv_parse_path_id(doms[i], strlen(doms[i]), XPV_DOMID_MAX,
				      &fdom))
			continue;
		if (m->cfg->domid != XPVD_ALL_DOMAINS && fdom != m->cfg->domid)
			continue;
		snprintf(dir, sizeof(dir), "%s/%u", m->root, fdom);
		nv = xpv_xs_directory(m->xsh, XBT_NULL, dir, NULL, &devs);
		for (j = 0; j < nv; j++) {
			if (xpv_parse_path_id(devs[j], strlen(devs[j]),
					      INT32_MAX, &devid))
				continue;
			d = find_or_add(m, fdom, devid);
			if (d)
				d->seen = true;
		}
		free(devs);
		devs = NULL;
	}
	free(doms);
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
	scan(opaque);
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

int xpvd_devices_open(const struct xpvd_config *cfg,
		      struct xpvd_devices **out)
{
	struct xpvd_devices *m;
	int err;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = cfg;
	m->retry_at = -1;
	m->state_fd = -1;
	if (strlen(cfg->type) > 64) {
		free(m);
		return -ENAMETOOLONG;
	}
	m->reap_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->reap_fd < 0) {
		err = -errno;
		free(m);
		return err;
	}
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
	snprintf(m->root, sizeof(m->root), "/local/domain/%u/backend/%s",
		 cfg->self_domid, cfg->type);
	err = xpv_xs_open(&m->xsh);
	if (err)
		goto fail;
	err = xpv_xs_watcher_open(m->xsh, &m->wt);
	if (err)
		goto fail;
	/* One domain: its directory only (other domains' events would
	 * wake this daemon for nothing). */
	if (cfg->domid == XPVD_ALL_DOMAINS)
		snprintf(m->watch, sizeof(m->watch), "%s", m->root);
	else
		snprintf(m->watch, sizeof(m->watch), "%s/%u", m->root,
			 cfg->domid);
	err = xpv_xs_watch_add(m->wt, m->watch, "be", root_changed, m);
	if (err)
		goto fail;
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
 * Stops d's workers for good (blocking) and, when every ring was left so
 * that another backend may attach at rsp_prod, writes the handoff file.
 */
static void hand_over(struct dev *d)
{
	struct handoff ho = { .nq = d->nr_queues };
	unsigned int q;
	bool clean = d->connected && d->nr_queues;
	struct pollfd p = { .fd = d->m->reap_fd, .events = POLLIN };

	for (q = 0; q < d->nr_queues; q++)
		xpvd_worker_request_stop(d->w[q]);
	for (q = 0; q < d->nr_queues; q++) {
		/* Shutting down: waiting for the I/O in flight is the
		 * point (every consumed request gets its answer). */
		while (!xpvd_worker_finished(d->w[q]))
			poll(&p, 1, 100);
		ho.ref0[q] = d->ref0[q];
		ho.port[q] = d->port[q];
		if (xpvd_worker_handoff(d->w[q], &ho.rsp_prod[q]))
			clean = false;
		xpvd_worker_reap(d->w[q], NULL);
		d->w[q] = NULL;
	}
	d->nr_queues = 0;
	if (clean)
		handoff_write(d, &ho);
	else if (d->takeover && d->ho.valid)
		handoff_write(d, &d->ho); /* not taken over yet: pass it on */
}

/* What a lost store connection left (see xpvd_devices_close()). */
static struct xpv_xs_watcher *volatile lost_wt;
static struct xs_handle *volatile lost_xsh;

void xpvd_devices_close(struct xpvd_devices *m)
{
	struct zombie *z;
	struct dev *d;

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
	struct xpvd_qstats sum;
	struct dev *d;
	unsigned int q;
	bool first = true;

	fprintf(f, "{\"vbds\":[");
	for (d = m->devs; d; d = d->next) {
		sum = d->past;
		for (q = 0; q < d->nr_queues; q++)
			if (d->w[q])
				xpvd_stats_sum(&sum, xpvd_worker_stats(d->w[q]));
		fprintf(f,
			"%s\n{\"domid\":%u,\"devid\":%u,\"state\":\"%s\","
			"\"queues\":%u,\"engine\":\"%s\",",
			first ? "" : ",", d->fdom, d->devid,
			xpv_state_name(d->be_state), d->nr_queues,
			d->nr_queues && d->w[0] ? xpvd_worker_engine(d->w[0])
						: "none");
		xpvd_stats_json(f, &sum);
		fprintf(f, "}");
		first = false;
	}
	fprintf(f, "\n]}\n");
}

void xpvd_devices_foreach(struct xpvd_devices *m, uint32_t domid,
			  xpvd_devices_fn *fn, void *opaque)
{
	struct xpvd_vbd_view v;
	struct xpvd_qstats sum;
	struct dev *d;
	unsigned int q;

	for (d = m->devs; d; d = d->next) {
		if (domid != XPVD_ALL_DOMAINS && d->fdom != domid)
			continue;
		sum = d->past;
		for (q = 0; q < d->nr_queues; q++)
			if (d->w[q])
				xpvd_stats_sum(&sum, xpvd_worker_stats(d->w[q]));
		v.domid = d->fdom;
		v.devid = d->devid;
		v.path = d->disk ? d->path : "";
		v.size = d->disk ? xpv_disk_info(d->disk)->size : 0;
		v.readonly = d->readonly;
		v.stats = &sum;
		fn(opaque, &v);
	}
}
