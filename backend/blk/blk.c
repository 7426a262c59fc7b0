/* SPDX-License-Identifier: MIT */
/*
 * blk.c - the block channel's ops for the channel core (see blk.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blk.h"
#include "stats.h"
#include "worker.h"
#include "xs-util.h"

#define PATH_LEN 512

_Static_assert(XPVD_PLAIN_SEGS == XPV_BLKIF_MAX_SEGMENTS,
	       "the settings' plain segment count is blkif's");
_Static_assert(XPVD_MAX_INDIRECT_SEGS == XPV_BLKIF_MAX_INDIRECT_SEGMENTS,
	       "the settings' indirect segment count is blkif's");

/* A VBD: the channel state of one device (xpvd_dev_priv()). */
struct blk {
	struct xpv_disk *disk;
	char path[PATH_LEN];	/* the image (params), while open */
	bool readonly;
	bool discard;
	struct xpvd_blk_limits lim;
	unsigned int nr_queues;
	struct xpvd_worker *w[XPVD_MAX_QUEUES];
	uint32_t ref0[XPVD_MAX_QUEUES], port[XPVD_MAX_QUEUES];
	unsigned int parked;	/* workers stopping (xpvd_dev_park()) */
	/* Counters of the connections that ended: the statistics of a VBD
	 * cover its whole life in this daemon, across reconnects. */
	struct xpvd_qstats past;
};

/* What a daemon stopped by a signal leaves for its successor. */
struct record {
	uint32_t nq;
	uint32_t ref0[XPVD_MAX_QUEUES];
	uint32_t port[XPVD_MAX_QUEUES];
	uint32_t rsp_prod[XPVD_MAX_QUEUES];
};

/* ---- InitWait: open the disk, publish the features ---- */

static int blk_probe(struct xpvd_dev *d)
{
	struct blk *b = xpvd_dev_priv(d);
	const struct xpvd_config *cfg = xpvd_dev_cfg(d);
	struct xs_handle *xsh = xpvd_dev_xsh(d);
	const char *be = xpvd_dev_be(d);
	struct xpv_disk_params dp = { 0 };
	enum xpv_disk_format fmt;
	char buf[PATH_LEN], path[PATH_LEN];
	bool discard_enable = true;
	int len, err;

	len = xpv_xs_read(xsh, XBT_NULL, be, "params", buf, sizeof(buf));
	if (len < 0)
		return xpvd_dev_fatal(d, len, "reading params");
	err = xpv_parse_params(buf, (size_t)len, &fmt, path, sizeof(path));
	if (err)
		return xpvd_dev_fatal(d, err, "bad params '%s'", buf);
	if (fmt != XPV_DISK_RAW)
		return xpvd_dev_fatal(d, -EOPNOTSUPP,
				      "image format %s not supported",
				      xpv_disk_format_name(fmt));
	len = xpv_xs_read(xsh, XBT_NULL, be, "mode", buf, sizeof(buf));
	if (len < 0)
		return xpvd_dev_fatal(d, len, "reading mode");
	err = xpv_parse_mode(buf, (size_t)len, &b->readonly);
	if (err)
		return xpvd_dev_fatal(d, err, "bad mode '%s'", buf);
	/* discard-enable (libxl): absent means on, malformed means off. */
	len = xpv_xs_read(xsh, XBT_NULL, be, "discard-enable", buf,
			  sizeof(buf));
	if (len >= 0 && xpv_parse_feature(buf, (size_t)len, &discard_enable))
		discard_enable = false;

	dp.flags = b->readonly ? XPV_DISK_READONLY : 0;
	dp.cache = cfg->cache;
	dp.sector_size = cfg->sector_size;
	err = xpv_disk_open(path, &dp, &b->disk);
	if (err)
		return xpvd_dev_fatal(d, err, "cannot open %s", path);
	snprintf(b->path, sizeof(b->path), "%s", path);
	b->discard = discard_enable && !b->readonly &&
		     xpv_disk_info(b->disk)->discard;
	b->lim.max_indirect_segs = cfg->max_indirect_segs;
	b->lim.flush = true;
	b->lim.barrier = true;
	b->lim.discard = b->discard;
	b->lim.discard_secure = b->discard &&
				xpv_disk_info(b->disk)->discard_secure;
	xpvd_info(XPVD_C_DEV, "%s: %s%s, %" PRIu64 " bytes, sector %u%s", be,
		  path, b->readonly ? " (read-only)" : "",
		  xpv_disk_info(b->disk)->size,
		  xpv_disk_info(b->disk)->sector_size,
		  xpv_disk_info(b->disk)->direct ? ", O_DIRECT" : "");
	return 0;
}

static int blk_features(struct xpvd_dev *d, struct xs_handle *xsh,
			xs_transaction_t t)
{
	const struct blk *b = xpvd_dev_priv(d);
	const struct xpvd_config *cfg = xpvd_dev_cfg(d);
	const struct xpv_disk_info *di = xpv_disk_info(b->disk);
	const char *be = xpvd_dev_be(d);
	int err = 0;

	if (b->lim.max_indirect_segs)
		err = xpv_xs_printf(xsh, t, be, "feature-max-indirect-segments",
				    "%u", b->lim.max_indirect_segs);
	else
		err = xpv_xs_rm(xsh, t, be, "feature-max-indirect-segments");
	err = err ?: xpv_xs_printf(xsh, t, be, "max-ring-page-order", "%u",
				   cfg->max_ring_order);
	err = err ?: xpv_xs_printf(xsh, t, be, "multi-queue-max-queues", "%u",
				   cfg->max_queues);
	err = err ?: xpv_xs_write(xsh, t, be, "feature-persistent",
				  cfg->persistent ? "1" : "0");
	err = err ?: xpv_xs_write(xsh, t, be, "feature-flush-cache", "1");
	err = err ?: xpv_xs_write(xsh, t, be, "feature-barrier", "1");
	err = err ?: xpv_xs_write(xsh, t, be, "feature-discard",
				  b->discard ? "1" : "0");
	if (b->discard) {
		err = err ?: xpv_xs_printf(xsh, t, be, "discard-granularity",
					   "%u", di->discard_granularity);
		err = err ?: xpv_xs_printf(xsh, t, be, "discard-alignment",
					   "%u", di->discard_alignment);
		if (di->discard_secure)
			err = err ?: xpv_xs_write(xsh, t, be, "discard-secure",
						  "1");
	}
	/* Who serves the VBD, for xentop's vbd3 statistics (vbd3.h). */
	if (cfg->vbd3_stats)
		err = err ?: xpv_xs_printf(xsh, t, be, "kthread-pid", "%d",
					   (int)getpid());
	return err;
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
 * mismatch fails this device only.  Returns 0, or -errno after fatal.
 */
static int blk_hotplug_check(struct xpvd_dev *d)
{
	const struct blk *b = xpvd_dev_priv(d);
	struct xs_handle *xsh = xpvd_dev_xsh(d);
	const char *be = xpvd_dev_be(d);
	char buf[PATH_LEN];
	unsigned int maj, min;
	bool named = false;
	int len, err;

	len = xpv_xs_read(xsh, XBT_NULL, be, "physical-device", buf,
			  sizeof(buf));
	if (len >= 0) {
		named = true;
		if (parse_devnum(buf, &maj, &min))
			return xpvd_dev_fatal(d, -EINVAL, "bad physical-device "
					      "'%s' from the hotplug script",
					      buf);
		if (xpv_disk_is_devnum(b->disk, maj, min))
			return xpvd_dev_fatal(d, -ENODEV, "%s is not "
					      "physical-device %s that the "
					      "hotplug script checked",
					      b->path, buf);
	} else if (len != -ENOENT) {
		return xpvd_dev_fatal(d, len, "reading physical-device");
	}
	len = xpv_xs_read(xsh, XBT_NULL, be, "physical-device-path", buf,
			  sizeof(buf));
	if (len >= 0) {
		named = true;
		err = xpv_disk_is_path(b->disk, buf);
		if (err == -ENODEV)
			return xpvd_dev_fatal(d, err, "%s is not "
					      "physical-device-path %s that "
					      "the hotplug script checked",
					      b->path, buf);
		if (err)
			return xpvd_dev_fatal(d, err, "cannot check "
					      "physical-device-path %s", buf);
	} else if (len != -ENOENT) {
		return xpvd_dev_fatal(d, len, "reading physical-device-path");
	}
	if (!named)
		return xpvd_dev_fatal(d, -ENODEV, "the hotplug script named "
				      "neither physical-device nor "
				      "physical-device-path");
	return 0;
}

/* ---- Connected: read the frontend's keys, start the workers ---- */

/* The record handed over (see hand_over below), or -EINVAL. */
static int record_parse(const char *text, struct record *r)
{
	const char *p;
	unsigned int q;
	int n;

	memset(r, 0, sizeof(*r));
	if (sscanf(text, "xenpvd-handoff 1 %u%n", &r->nq, &n) != 1 ||
	    !r->nq || r->nq > XPVD_MAX_QUEUES)
		return -EINVAL;
	p = text + n;
	for (q = 0; q < r->nq; q++) {
		if (sscanf(p, "%u %u %u%n", &r->ref0[q], &r->port[q],
			   &r->rsp_prod[q], &n) != 3)
			return -EINVAL;
		p += n;
	}
	return 0;
}

static int read_queue(struct xpvd_dev *d, unsigned int q, unsigned int nq,
		      bool has_order, uint32_t order,
		      struct xpvd_worker_params *wp)
{
	struct xs_handle *xsh = xpvd_dev_xsh(d);
	char dir[PATH_LEN + 32], node[32];
	unsigned int i;
	uint32_t v;
	int err;

	if (nq == 1)
		snprintf(dir, sizeof(dir), "%s", xpvd_dev_fe(d));
	else
		snprintf(dir, sizeof(dir), "%s/queue-%u", xpvd_dev_fe(d), q);
	wp->nr_pages = 1u << order;
	for (i = 0; i < wp->nr_pages; i++) {
		if (has_order)
			snprintf(node, sizeof(node), "ring-ref%u", i);
		else
			snprintf(node, sizeof(node), "ring-ref");
		err = xpv_xs_read_u32(xsh, XBT_NULL, dir, node, UINT32_MAX,
				      &v);
		if (err)
			return xpvd_dev_fatal(d, err, "reading %s/%s", dir,
					      node);
		wp->ring_refs[i] = v;
	}
	err = xpv_xs_read_u32(xsh, XBT_NULL, dir, "event-channel", UINT32_MAX,
			      &v);
	if (err)
		return xpvd_dev_fatal(d, err, "reading %s/event-channel", dir);
	wp->remote_port = v;
	return 0;
}

static int blk_connect(struct xpvd_dev *d, const char *text)
{
	struct blk *b = xpvd_dev_priv(d);
	const struct xpvd_config *cfg = xpvd_dev_cfg(d);
	struct xs_handle *xsh = xpvd_dev_xsh(d);
	const char *be = xpvd_dev_be(d), *fe = xpvd_dev_fe(d);
	const struct xpv_disk_info *di = xpv_disk_info(b->disk);
	struct xpvd_worker_params wp = { 0 };
	struct record rec;
	char proto[32];
	uint32_t nq = 1, order = 0;
	bool has_order = true, persistent = false;
	unsigned int q;
	int err;

	if (text && record_parse(text, &rec))
		return xpvd_dev_fatal(d, -ESTALE, "unreadable hand-over record");
	err = xpv_xs_read(xsh, XBT_NULL, fe, "protocol", proto, sizeof(proto));
	if (err == -ENOENT)
		wp.abi = XPV_BLKIF_ABI_NATIVE;
	else if (err < 0)
		return xpvd_dev_fatal(d, err, "reading protocol");
	else if ((err = xpv_blkif_abi_parse(proto, &wp.abi)))
		return xpvd_dev_fatal(d, err, "unknown protocol '%s'", proto);
	err = xpv_xs_read_u32(xsh, XBT_NULL, fe, "multi-queue-num-queues",
			      cfg->max_queues, &nq);
	if (err == -ENOENT)
		nq = 1;
	else if (err)
		return xpvd_dev_fatal(d, err, "bad multi-queue-num-queues "
				      "(max %u)", cfg->max_queues);
	else if (nq == 0)
		return xpvd_dev_fatal(d, -EINVAL, "multi-queue-num-queues is 0");
	err = xpv_xs_read_u32(xsh, XBT_NULL, fe, "ring-page-order",
			      cfg->max_ring_order, &order);
	if (err == -ENOENT) {
		has_order = false;
		order = 0;
	} else if (err) {
		return xpvd_dev_fatal(d, err, "bad ring-page-order (max %u)",
				      cfg->max_ring_order);
	}
	if (xpv_xs_read_feature(xsh, XBT_NULL, fe, "feature-persistent",
				&persistent))
		persistent = false;

	wp.cfg = cfg;
	wp.disk = b->disk;
	wp.domid = (xpv_domid_t)xpvd_dev_domid(d);
	wp.devid = xpvd_dev_devid(d);
	wp.persistent = persistent && cfg->persistent;
	wp.reattach = text != NULL;
	wp.lim = b->lim;
	wp.done_fd = xpvd_dev_reap_fd(d);
	if (text && nq != rec.nq)
		return xpvd_dev_fatal(d, -ESTALE, "%u queues, the previous "
				      "daemon had %u", nq, rec.nq);
	for (q = 0; q < nq; q++) {
		wp.qidx = q;
		err = read_queue(d, q, nq, has_order, order, &wp);
		if (err)
			return err;
		if (text && (wp.ring_refs[0] != rec.ref0[q] ||
			     wp.remote_port != rec.port[q]))
			return xpvd_dev_fatal(d, -ESTALE, "queue %u is not the "
					      "ring handed over", q);
		wp.check_rsp_prod = text != NULL;
		wp.rsp_prod = text ? rec.rsp_prod[q] : 0;
		b->ref0[q] = wp.ring_refs[0];
		b->port[q] = wp.remote_port;
		err = xpvd_worker_start(&wp, &b->w[q]);
		if (err) {
			b->nr_queues = q;
			return xpvd_dev_fatal(d, err, "starting queue %u", q);
		}
		b->nr_queues = q + 1;
	}
	if (text) {
		xpvd_dev_connected(d);
		xpvd_info(XPVD_C_DEV, "%s: reattached: %u queue(s) of %u "
			  "page(s), %s", be, nq, 1u << order,
			  xpv_blkif_abi_name(wp.abi));
		return 0;
	}
	err = xpv_xs_printf(xsh, XBT_NULL, be, "sectors", "%" PRIu64,
			    di->size >> XPV_SECTOR_SHIFT);
	err = err ?: xpv_xs_printf(xsh, XBT_NULL, be, "info", "%u",
				   b->readonly ? VDISK_READONLY : 0u);
	err = err ?: xpv_xs_printf(xsh, XBT_NULL, be, "sector-size", "%u",
				   di->sector_size);
	err = err ?: xpv_xs_printf(xsh, XBT_NULL, be, "physical-sector-size",
				   "%u", di->physical_sector_size);
	if (err)
		return xpvd_dev_fatal(d, err, "writing the disk geometry");
	xpvd_dev_connected(d);
	xpvd_log_guest_at(LOG_INFO, xpvd_dev_rl(d), XPVD_C_DEV,
			  "%s: connected: %u queue(s) of %u page(s), %s%s",
			  be, nq, 1u << order, xpv_blkif_abi_name(wp.abi),
			  wp.persistent ? ", persistent grants" : "");
	return 0;
}

/* ---- stopping ---- */

static void blk_disconnect(struct xpvd_dev *d)
{
	struct blk *b = xpvd_dev_priv(d);
	unsigned int q;

	for (q = 0; q < b->nr_queues; q++) {
		if (!b->w[q])
			continue;
		xpvd_worker_request_stop(b->w[q]);
		b->parked++;
		xpvd_dev_park(d, b->w[q]);
		b->w[q] = NULL;
	}
	b->nr_queues = 0;
}

static bool blk_worker_finished(void *w)
{
	return xpvd_worker_finished(w);
}

static void blk_worker_reap(struct xpvd_dev *d, void *w)
{
	struct blk *b = xpvd_dev_priv(d);

	xpvd_worker_reap(w, &b->past);
	if (--b->parked)
		return;
	/* Gauges describe a connection, not a history. */
	b->past.inflight = 0;
	b->past.pgrant_mapped = 0;
	b->past.buffer_pages = 0;
}

/*
 * Stops every worker for good, waiting: shutting down, waiting for the
 * I/O in flight is the point (every consumed request gets its answer).
 * The record says, per queue, its first ring-ref, its port and where
 * rsp_prod was; it is written only when every ring was left clean.
 */
static int blk_hand_over(struct xpvd_dev *d, char *buf, size_t size)
{
	struct blk *b = xpvd_dev_priv(d);
	struct pollfd p = { .fd = xpvd_dev_reap_fd(d), .events = POLLIN };
	uint32_t rsp_prod;
	bool clean = b->nr_queues > 0;
	unsigned int q;
	size_t len;

	len = (size_t)snprintf(buf, size, "xenpvd-handoff 1 %u\n",
			       b->nr_queues);
	for (q = 0; q < b->nr_queues; q++)
		xpvd_worker_request_stop(b->w[q]);
	for (q = 0; q < b->nr_queues; q++) {
		while (!xpvd_worker_finished(b->w[q]))
			poll(&p, 1, 100);
		if (xpvd_worker_handoff(b->w[q], &rsp_prod))
			clean = false;
		if (len < size)
			len += (size_t)snprintf(buf + len, size - len,
						"%u %u %u\n", b->ref0[q],
						b->port[q], rsp_prod);
		xpvd_worker_reap(b->w[q], NULL);
		b->w[q] = NULL;
	}
	b->nr_queues = 0;
	if (len >= size)
		return -ENOSPC;
	return clean ? (int)len : 0;
}

static void blk_release(struct xpvd_dev *d)
{
	struct blk *b = xpvd_dev_priv(d);

	xpv_disk_close(b->disk);
	b->disk = NULL;
	b->path[0] = '\0';
}

/* The connections that ended plus the live queues. */
static void blk_sum(const struct blk *b, struct xpvd_qstats *sum)
{
	unsigned int q;

	*sum = b->past;
	for (q = 0; q < b->nr_queues; q++)
		if (b->w[q])
			xpvd_stats_sum(sum, xpvd_worker_stats(b->w[q]));
}

static void blk_stats_json(struct xpvd_dev *d, FILE *f)
{
	const struct blk *b = xpvd_dev_priv(d);
	struct xpvd_qstats sum;

	blk_sum(b, &sum);
	fprintf(f, "\"queues\":%u,\"engine\":\"%s\",", b->nr_queues,
		b->nr_queues && b->w[0] ? xpvd_worker_engine(b->w[0]) :
					  "none");
	xpvd_stats_json(f, &sum);
}

struct foreach_ctx {
	xpvd_vbd_fn *fn;
	void *opaque;
};

static void foreach_one(void *opaque, struct xpvd_dev *d)
{
	const struct foreach_ctx *c = opaque;
	const struct blk *b = xpvd_dev_priv(d);
	struct xpvd_vbd_view v;
	struct xpvd_qstats sum;

	blk_sum(b, &sum);
	v.domid = xpvd_dev_domid(d);
	v.devid = xpvd_dev_devid(d);
	v.path = b->disk ? b->path : "";
	v.size = b->disk ? xpv_disk_info(b->disk)->size : 0;
	v.readonly = b->readonly;
	v.stats = &sum;
	c->fn(c->opaque, &v);
}

void xpvd_blk_foreach(struct xpvd_devices *m, uint32_t domid,
		      xpvd_vbd_fn *fn, void *opaque)
{
	struct foreach_ctx c = { fn, opaque };

	xpvd_devices_each(m, &xpvd_blk_channel, domid, foreach_one, &c);
}

static const char *const blk_types[] = { "vbd", "qdisk", "vbd3", NULL };

const struct xpvd_channel xpvd_blk_channel = {
	.name = "blk",
	.types = blk_types,
	.json_key = "vbds",
	.priv_size = sizeof(struct blk),
	.connect_on = XPVD_CONNECT_ON_INITIALISED | XPVD_CONNECT_ON_CONNECTED,
	.probe = blk_probe,
	.features = blk_features,
	.hotplug_check = blk_hotplug_check,
	.connect = blk_connect,
	.disconnect = blk_disconnect,
	.worker_finished = blk_worker_finished,
	.worker_reap = blk_worker_reap,
	.hand_over = blk_hand_over,
	.release = blk_release,
	.stats_json = blk_stats_json,
};
