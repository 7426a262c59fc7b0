/* SPDX-License-Identifier: MIT */
/*
 * 9pfs.c - the 9pfs channel's ops for the channel core (see 9pfs.h).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "9pfs.h"
#include "p9ring.h"
#include "p9srv.h"
#include "ring-flex.h"
#include "xs-util.h"

#define PATH_LEN 512

/* A share: the channel state of one device (xpvd_dev_priv()). */
struct p9dev {
	struct p9_export *exp;
	char path[PATH_LEN];		/* the export, while open */
	enum p9_security_model model;
	uint32_t max_open;		/* xen_9pfs's max-open-files, or 0 */
	struct p9_session *sess;	/* the connection's, or NULL */
	unsigned int nr_rings;
	unsigned int order;
	struct xpvd_p9ring *ring[XPVD_P9_MAX_RINGS];
	/* Sessions whose rings are stopping, each freed with its last ring
	 * (the core connects again only once a device's workers are gone,
	 * so one is the rule; a few slots cost nothing). */
	struct {
		struct p9_session *sess;
		unsigned int rings;
	} parked[4];
	struct p9_stats past;		/* of the sessions that ended */
	uint64_t rings_broken;
};

static void stats_add(struct p9_stats *acc, const struct p9_stats *s)
{
	acc->requests += s->requests;
	acc->errors += s->errors;
	acc->read_bytes += s->read_bytes;
	acc->write_bytes += s->write_bytes;
	acc->copied_bytes += s->copied_bytes;
	acc->read_fills += s->read_fills;
	acc->readahead_bytes += s->readahead_bytes;
	acc->refused += s->refused;
	acc->xattr_refused += s->xattr_refused;
	acc->lat_ns_total += s->lat_ns_total;
	acc->service_ns_total += s->service_ns_total;
	acc->move_ns_total += s->move_ns_total;
}

/* ---- InitWait: open the export, publish the features ---- */

static int read_u32_opt(struct xpvd_dev *d, const char *key, uint32_t *v)
{
	int err = xpv_xs_read_u32(xpvd_dev_xsh(d), XBT_NULL, xpvd_dev_be(d),
				  key, UINT32_MAX, v);

	if (err == -ENOENT) {
		*v = 0;
		return 0;
	}
	if (err)
		return xpvd_dev_fatal(d, err, "bad %s", key);
	return 0;
}

static int p9_probe(struct xpvd_dev *d)
{
	struct p9dev *p = xpvd_dev_priv(d);
	const struct xpvd_config *cfg = xpvd_dev_cfg(d);
	struct xs_handle *xsh = xpvd_dev_xsh(d);
	const char *be = xpvd_dev_be(d);
	struct p9_export_opts o = { 0 };
	char buf[PATH_LEN], path[PATH_LEN];
	static const char *const quotas[] = { "max-files", "max-space",
					      "auto-delete" };
	unsigned int i;
	uint32_t v;
	int len, err;

	len = xpv_xs_read(xsh, XBT_NULL, be, "path", path, sizeof(path));
	if (len < 0)
		return xpvd_dev_fatal(d, len, "reading path");
	if (path[0] != '/')
		return xpvd_dev_fatal(d, -EINVAL, "path '%s' is not absolute",
				      path);
	len = xpv_xs_read(xsh, XBT_NULL, be, "security_model", buf,
			  sizeof(buf));
	if (len == -ENOENT)
		snprintf(buf, sizeof(buf), "none");
	else if (len < 0)
		return xpvd_dev_fatal(d, len, "reading security_model");
	if (!strcmp(buf, "none"))
		p->model = P9_SM_NONE;
	else if (!strcmp(buf, "passthrough"))
		p->model = P9_SM_PASSTHROUGH;
	else
		return xpvd_dev_fatal(d, -EOPNOTSUPP, "security_model '%s' "
				      "not supported (none or passthrough)",
				      buf);
	/* xen-9pfsd's quotas: refused rather than silently not kept. */
	for (i = 0; i < sizeof(quotas) / sizeof(quotas[0]); i++) {
		err = read_u32_opt(d, quotas[i], &v);
		if (err)
			return err;
		if (v)
			return xpvd_dev_fatal(d, -EOPNOTSUPP, "%s %u: quotas "
					      "are not supported", quotas[i],
					      v);
	}
	err = read_u32_opt(d, "max-open-files", &p->max_open);
	if (err)
		return err;

	o.path = path;
	o.model = p->model;
	o.max_fids = cfg->p9_max_fids;
	o.max_open = cfg->p9_max_open;
	if (p->max_open && (!o.max_open || p->max_open < o.max_open))
		o.max_open = p->max_open;
	o.max_xattr = cfg->p9_max_xattr;
	o.xattr_any = cfg->p9_xattr_any;
	err = p9_export_open(&o, &p->exp);
	if (err)
		return xpvd_dev_fatal(d, err, "cannot share %s", path);
	snprintf(p->path, sizeof(p->path), "%s", path);
	xpvd_info(XPVD_C_DEV, "%s: sharing %s, security_model %s", be, path,
		  buf);
	return 0;
}

static int p9_features(struct xpvd_dev *d, struct xs_handle *xsh,
		       xs_transaction_t t)
{
	const struct xpvd_config *cfg = xpvd_dev_cfg(d);
	const char *be = xpvd_dev_be(d);
	int err;

	err = xpv_xs_write(xsh, t, be, "versions", "1");
	err = err ?: xpv_xs_printf(xsh, t, be, "max-rings", "%u",
				   cfg->p9_max_rings);
	err = err ?: xpv_xs_printf(xsh, t, be, "max-ring-page-order", "%u",
				   cfg->p9_max_order);
	return err;
}

/* ---- Connected: read the frontend's keys, start the rings ---- */

static int p9_connect(struct xpvd_dev *d, const char *record)
{
	struct p9dev *p = xpvd_dev_priv(d);
	const struct xpvd_config *cfg = xpvd_dev_cfg(d);
	struct xs_handle *xsh = xpvd_dev_xsh(d);
	const char *fe = xpvd_dev_fe(d);
	struct xpvd_p9ring_params rp = { 0 };
	struct xpvd_p9group *group;
	uint32_t version, nr, ref, port, msize = 0;
	char node[32];
	unsigned int i;
	int err;

	if (record)	/* we never write one (9pfs.h) */
		return xpvd_dev_fatal(d, -ESTALE, "no 9P session to take over");
	err = xpv_xs_read_u32(xsh, XBT_NULL, fe, "version", UINT32_MAX,
			      &version);
	if (err)
		return xpvd_dev_fatal(d, err, "reading version");
	if (version != 1)
		return xpvd_dev_fatal(d, -EPROTONOSUPPORT, "version %u (we "
				      "speak 1)", version);
	err = xpv_xs_read_u32(xsh, XBT_NULL, fe, "num-rings",
			      cfg->p9_max_rings, &nr);
	if (err)
		return xpvd_dev_fatal(d, err, "bad num-rings (1..%u)",
				      cfg->p9_max_rings);
	if (!nr)
		return xpvd_dev_fatal(d, -EINVAL, "num-rings is 0");
	rp.plat = cfg->plat;
	rp.rl = xpvd_dev_rl(d);
	rp.domid = (xpv_domid_t)xpvd_dev_domid(d);
	rp.devid = xpvd_dev_devid(d);
	rp.max_order = cfg->p9_max_order;
	rp.threads = cfg->p9_threads;
	rp.done_fd = xpvd_dev_reap_fd(d);
	for (i = 0; i < nr; i++) {
		snprintf(node, sizeof(node), "ring-ref%u", i);
		err = xpv_xs_read_u32(xsh, XBT_NULL, fe, node, UINT32_MAX,
				      &ref);
		if (err)
			return xpvd_dev_fatal(d, err, "reading %s", node);
		snprintf(node, sizeof(node), "event-channel-%u", i);
		err = xpv_xs_read_u32(xsh, XBT_NULL, fe, node, UINT32_MAX,
				      &port);
		if (err)
			return xpvd_dev_fatal(d, err, "reading %s", node);
		rp.idx = i;
		rp.ref = ref;
		rp.remote_port = port;
		err = xpvd_p9ring_start(&rp, &p->ring[i]);
		if (err == -EINVAL)
			return xpvd_dev_fatal(d, err, "ring %u: its "
					      "interface page's ring_order is "
					      "not in 1..%u", i,
					      cfg->p9_max_order);
		if (err)
			return xpvd_dev_fatal(d, err, "ring %u: cannot map "
					      "ring-ref %u or bind event "
					      "channel %u", i, ref, port);
		p->nr_rings = i + 1;
		if (!i || xpvd_p9ring_size(p->ring[i]) < msize)
			msize = xpvd_p9ring_size(p->ring[i]);
	}
	/* One session for every ring: a Tflush may come on another ring
	 * than the request it flushes. */
	err = p9_session_new(p->exp, msize, &p->sess);
	if (err)
		return xpvd_dev_fatal(d, err, "starting a 9P session");
	err = xpvd_p9group_new(nr, &group);
	if (err)
		return xpvd_dev_fatal(d, err, "starting a 9P session");
	for (i = 0; i < nr; i++) {
		err = xpvd_p9ring_run(p->ring[i], p->sess, group);
		if (err) {
			xpvd_p9group_put(group);
			return xpvd_dev_fatal(d, err, "starting ring %u", i);
		}
	}
	/* The rings hold it from here. */
	xpvd_p9group_put(group);
	p->order = xpvd_p9ring_order(p->ring[0]);
	xpvd_dev_connected(d);
	xpvd_log_guest_at(LOG_INFO, xpvd_dev_rl(d), XPVD_C_DEV,
			  "%s: connected: %u ring(s) of order %u, %u "
			  "executor(s) each", xpvd_dev_be(d), nr, p->order,
			  cfg->p9_threads);
	return 0;
}

/* ---- stopping ---- */

static void session_end(struct p9dev *p, struct p9_session *sess)
{
	struct p9_stats st;

	p9_session_stats(sess, &st);
	stats_add(&p->past, &st);
	p9_session_free(sess);
}

/* The rings stop; their session is freed when the last one is reaped. */
static void p9_disconnect(struct xpvd_dev *d)
{
	struct p9dev *p = xpvd_dev_priv(d);
	unsigned int i, n = 0, slot;

	for (i = 0; i < p->nr_rings; i++) {
		if (!p->ring[i])
			continue;
		/* Only rings that ran hold the session (a connect that
		 * failed half-way leaves some that never did). */
		if (xpvd_p9ring_session(p->ring[i]))
			n++;
		xpvd_p9ring_request_stop(p->ring[i]);
		xpvd_dev_park(d, p->ring[i]);
		p->ring[i] = NULL;
	}
	p->nr_rings = 0;
	if (!p->sess)
		return;
	if (!n) {
		session_end(p, p->sess);
		p->sess = NULL;
		return;
	}
	for (slot = 0; slot < 4 && p->parked[slot].sess; slot++)
		;
	if (slot == 4) {
		/* Not reached (see struct p9dev); kept, never freed early. */
		xpvd_warn(XPVD_C_DEV, "%s: a 9P session left allocated",
			  xpvd_dev_be(d));
	} else {
		p->parked[slot].sess = p->sess;
		p->parked[slot].rings = n;
	}
	p->sess = NULL;
}

static bool p9_worker_finished(void *w)
{
	return xpvd_p9ring_finished(w);
}

static void p9_worker_reap(struct xpvd_dev *d, void *w)
{
	struct p9dev *p = xpvd_dev_priv(d);
	struct p9_session *sess = xpvd_p9ring_session(w);
	unsigned int slot;

	if (xpvd_p9ring_broken(w))
		p->rings_broken++;
	xpvd_p9ring_reap(w);
	for (slot = 0; slot < 4; slot++) {
		if (p->parked[slot].sess != sess || !sess)
			continue;
		if (!--p->parked[slot].rings) {
			session_end(p, sess);
			p->parked[slot].sess = NULL;
		}
		return;
	}
}

/* Stops the rings (waiting) and leaves no record (9pfs.h). */
static int p9_hand_over(struct xpvd_dev *d, char *buf, size_t size)
{
	struct p9dev *p = xpvd_dev_priv(d);
	unsigned int i;

	for (i = 0; i < p->nr_rings; i++)
		xpvd_p9ring_request_stop(p->ring[i]);
	for (i = 0; i < p->nr_rings; i++) {
		xpvd_p9ring_reap(p->ring[i]);
		p->ring[i] = NULL;
	}
	p->nr_rings = 0;
	if (p->sess) {
		session_end(p, p->sess);
		p->sess = NULL;
	}
	return 0;
}

static void p9_release(struct xpvd_dev *d)
{
	struct p9dev *p = xpvd_dev_priv(d);

	p9_export_close(p->exp);
	p->exp = NULL;
	p->path[0] = '\0';
}

/* s as the inside of a JSON string. */
static void json_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

static void p9_stats_json(struct xpvd_dev *d, FILE *f)
{
	const struct p9dev *p = xpvd_dev_priv(d);
	struct p9_stats sum = p->past, st;

	if (p->sess) {
		p9_session_stats(p->sess, &st);
		stats_add(&sum, &st);
		sum.fids = st.fids;
	}
	fprintf(f, "\"path\":\"");
	json_str(f, p->path);
	fprintf(f, "\",\"rings\":%u,\"ring_order\":%u,\"msize\":%u,"
		"\"requests\":%" PRIu64 ",\"errors\":%" PRIu64 ","
		"\"read_bytes\":%" PRIu64 ",\"write_bytes\":%" PRIu64 ","
		"\"copied_bytes\":%" PRIu64 ",\"read_fills\":%" PRIu64 ","
		"\"readahead_bytes\":%" PRIu64 ","
		"\"refused\":%" PRIu64 ","
		"\"xattr_refused\":%" PRIu64 ","
		"\"fids\":%" PRIu64 ",\"rings_broken\":%" PRIu64 ","
		"\"avg_lat_us\":%" PRIu64 ",\"service_us\":%" PRIu64 ","
		"\"move_us\":%" PRIu64,
		p->nr_rings, p->nr_rings ? p->order : 0,
		p->sess ? p9_session_msize(p->sess) : 0, sum.requests,
		sum.errors, sum.read_bytes, sum.write_bytes, sum.copied_bytes,
		sum.read_fills, sum.readahead_bytes, sum.refused,
		sum.xattr_refused, sum.fids,
		p->rings_broken,
		sum.requests ? sum.lat_ns_total / sum.requests / 1000 : 0,
		sum.service_ns_total / 1000, sum.move_ns_total / 1000);
}

static const char *const p9_types[] = { "9pfs", "xen_9pfs", NULL };

const struct xpvd_channel xpvd_p9_channel = {
	.name = "9pfs",
	.types = p9_types,
	.json_key = "shares",
	.priv_size = sizeof(struct p9dev),
	.connect_on = XPVD_CONNECT_ON_INITIALISED | XPVD_CONNECT_ON_CONNECTED,
	.probe = p9_probe,
	.features = p9_features,
	.connect = p9_connect,
	.disconnect = p9_disconnect,
	.worker_finished = p9_worker_finished,
	.worker_reap = p9_worker_reap,
	.hand_over = p9_hand_over,
	.release = p9_release,
	.stats_json = p9_stats_json,
};
