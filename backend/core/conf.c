/* SPDX-License-Identifier: MIT */
/*
 * conf.c - xenpvd's settings from the configuration file and the command
 * line, and the per-device overrides (see conf.h and xenpvd.conf(5)).
 *
 * Values are strict: numbers are plain decimals within their range,
 * booleans are one of yes/no, on/off, true/false, 1/0; anything else is an
 * error naming the key, never a silent default.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "xs-parse.h"

static int __attribute__((format(printf, 4, 5)))
seterr(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

void xpvd_config_defaults(struct xpvd_config *cfg)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->type, sizeof(cfg->type), "qdisk");
	cfg->max_indirect_segs = XPVD_DEFAULT_INDIRECT;
	cfg->max_ring_order = XPVD_MAX_RING_ORDER;
	cfg->max_queues = ncpu < 1 ? 1 : ncpu > (long)XPVD_MAX_QUEUES ?
		XPVD_MAX_QUEUES : (uint32_t)ncpu;
	cfg->persistent = true;
	cfg->persistent_auto = true;
	cfg->max_pgrants = XPVD_DEFAULT_PGRANTS;
	cfg->buffer_budget = XPVD_DEFAULT_BUFFER_BUDGET;
	cfg->engine = XPV_IOQ_AUTO;
	cfg->reg_bufs = true;
	cfg->cache = XPV_CACHE_DIRECT;
	cfg->log = XPVD_LOG_AUTO;
	cfg->vbd3_stats = true;	/* vbd3_dir "": chosen by main */
	cfg->domid = XPVD_ALL_DOMAINS;
	cfg->handoff = true;
	cfg->qmp_stats = true;	/* qmp_dir "": chosen by main */
	cfg->p9_max_rings = XPVD_P9_DEFAULT_RINGS;
	cfg->p9_max_order = XPVD_P9_MAX_ORDER;
	cfg->p9_threads = XPVD_P9_DEFAULT_THREADS;
	cfg->net_max_queues = XPVD_NET_DEFAULT_QUEUES;
	cfg->net_rx_drain_ms = XPVD_NET_DEFAULT_RX_DRAIN_MS;
	cfg->net_rx_stall_ms = XPVD_NET_DEFAULT_RX_STALL_MS;
}

/* ---- value parsers: 0 or -errno with a message ---- */

static int get_num(const char *v, uint32_t min, uint32_t max, uint32_t *out,
		   char *err, size_t errlen)
{
	uint32_t n;
	int rc = xpv_parse_u32(v, strlen(v), max, 0, &n);

	if (rc || n < min)
		return seterr(rc ? rc : -ERANGE, err, errlen,
			      "'%s' is not a number in %u..%u", v, min, max);
	*out = n;
	return 0;
}

static int get_bool(const char *v, bool *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (!strcmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return seterr(-EINVAL, err, errlen,
		      "'%s' is not a boolean (yes/no, on/off, true/false, 1/0)",
		      v);
}

static int get_str(const char *v, char *buf, size_t size, bool absolute,
		   char *err, size_t errlen)
{
	if (!*v)
		return seterr(-EINVAL, err, errlen, "empty value");
	if (strlen(v) >= size)
		return seterr(-ENAMETOOLONG, err, errlen,
			      "'%s' is longer than %zu bytes", v, size - 1);
	if (absolute && v[0] != '/')
		return seterr(-EINVAL, err, errlen,
			      "'%s' is not an absolute path", v);
	memcpy(buf, v, strlen(v) + 1);
	return 0;
}

static int get_cache(const char *v, enum xpv_cache_mode *out, char *err,
		     size_t errlen)
{
	if (!strcmp(v, "direct"))
		*out = XPV_CACHE_DIRECT;
	else if (!strcmp(v, "writeback"))
		*out = XPV_CACHE_WRITEBACK;
	else
		return seterr(-EINVAL, err, errlen,
			      "'%s' is not direct or writeback", v);
	return 0;
}

static int get_engine(const char *v, enum xpv_ioq_engine *out, char *err,
		      size_t errlen)
{
	if (xpv_ioq_engine_parse(v, out))
		return seterr(-EINVAL, err, errlen,
			      "'%s' is not auto, uring or psync", v);
	return 0;
}

/*
 * type: backend directory names, separated by spaces ("vbd qdisk"), each
 * of letters, digits, '_' and '-' (never a '/': it is a path component),
 * maybe followed by ":channel" ("bench0:blk"); kept with single spaces.
 * Which channel serves each is the core's business (xendev.h).
 */
static int get_types(const char *v, char *buf, size_t size, char *err,
		     size_t errlen)
{
	size_t o = 0, n, w;
	const char *p = v;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		n = strcspn(p, " \t");
		w = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_-");
		if (!w || (w < n && (p[w] != ':' || !p[w + 1] ||
				     w + 1 + strspn(p + w + 1, "abcdefghijklmn"
						    "opqrstuvwxyz0123456789") <
					     n)))
			return seterr(-EINVAL, err, errlen, "'%.*s' is not a "
				      "backend type (a-z, 0-9, _ and -, "
				      "then maybe :channel)", (int)n, p);
		if (o + n + 1 >= size)
			return seterr(-ENAMETOOLONG, err, errlen,
				      "'%s' is longer than %zu bytes", v,
				      size - 1);
		if (o)
			buf[o++] = ' ';
		memcpy(buf + o, p, n);
		o += n;
		p += n;
	}
	if (!o)
		return seterr(-EINVAL, err, errlen, "empty value");
	buf[o] = '\0';
	return 0;
}

bool xpvd_config_has_type(const struct xpvd_config *cfg, const char *type)
{
	size_t n = strlen(type);
	const char *p = cfg->type;

	while ((p = strstr(p, type))) {
		if ((p == cfg->type || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == ':' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

/* max-indirect-segments: up to 11 means none (the key is not written). */
static uint32_t indirect_norm(uint32_t n)
{
	return n <= XPVD_PLAIN_SEGS ? 0 : n;
}

int xpvd_config_set(struct xpvd_config *cfg, const char *key,
		    const char *value, char *err, size_t errlen)
{
	const char *v = value;
	int rc;

	if (!strcmp(key, "platform")) {
		if (!strcmp(v, "auto"))
			v = "";
		else if (strcmp(v, "xen") && strcmp(v, "sim"))
			return seterr(-EINVAL, err, errlen,
				      "'%s' is not xen, sim or auto", v);
		snprintf(cfg->platform, sizeof(cfg->platform), "%s", v);
		return 0;
	}
	if (!strcmp(key, "type"))
		return get_types(v, cfg->type, sizeof(cfg->type), err, errlen);
	if (!strcmp(key, "max-indirect-segments")) {
		rc = get_num(v, 0, XPVD_MAX_INDIRECT_SEGS,
			     &cfg->max_indirect_segs, err, errlen);
		cfg->max_indirect_segs = indirect_norm(cfg->max_indirect_segs);
		return rc;
	}
	if (!strcmp(key, "max-ring-page-order"))
		return get_num(v, 0, XPVD_MAX_RING_ORDER, &cfg->max_ring_order,
			       err, errlen);
	if (!strcmp(key, "max-queues"))
		return get_num(v, 1, XPVD_MAX_QUEUES, &cfg->max_queues, err,
			       errlen);
	if (!strcmp(key, "persistent")) {
		cfg->persistent_auto = !strcmp(v, "auto");
		if (cfg->persistent_auto) {
			cfg->persistent = true;
			return 0;
		}
		if (get_bool(v, &cfg->persistent, NULL, 0))
			return seterr(-EINVAL, err, errlen,
				      "'%s' is not auto or a boolean "
				      "(yes/no, on/off, true/false, 1/0)", v);
		return 0;
	}
	if (!strcmp(key, "persistent-grants"))
		return get_num(v, 0, 1u << 20, &cfg->max_pgrants, err, errlen);
	if (!strcmp(key, "buffer-budget"))	/* MiB, up to 64 GiB */
		return get_num(v, 1, 1u << 16, &cfg->buffer_budget, err,
			       errlen);
	if (!strcmp(key, "engine"))
		return get_engine(v, &cfg->engine, err, errlen);
	if (!strcmp(key, "registered-buffers"))
		return get_bool(v, &cfg->reg_bufs, err, errlen);
	if (!strcmp(key, "cache"))
		return get_cache(v, &cfg->cache, err, errlen);
	if (!strcmp(key, "sector-size")) {
		rc = get_num(v, 0, XPV_DISK_MAX_SECTOR, &cfg->sector_size, err,
			     errlen);
		if (!rc && cfg->sector_size &&
		    (cfg->sector_size < XPV_DISK_MIN_SECTOR ||
		     (cfg->sector_size & (cfg->sector_size - 1))))
			rc = seterr(-EINVAL, err, errlen,
				    "'%s' is not 0 or a power of two in %u..%u",
				    v, XPV_DISK_MIN_SECTOR,
				    XPV_DISK_MAX_SECTOR);
		return rc;
	}
	if (!strcmp(key, "control"))
		return get_str(v, cfg->control_path, sizeof(cfg->control_path),
			       false, err, errlen);
	if (!strcmp(key, "state-dir"))
		return get_str(v, cfg->state_dir, sizeof(cfg->state_dir),
			       false, err, errlen);
	if (!strcmp(key, "log")) {
		if (!strcmp(v, "auto"))
			cfg->log = XPVD_LOG_AUTO;
		else if (!strcmp(v, "stderr"))
			cfg->log = XPVD_LOG_STDERR;
		else if (!strcmp(v, "syslog"))
			cfg->log = XPVD_LOG_SYSLOG;
		else if (v[0] == '/') {
			rc = get_str(v, cfg->log_file, sizeof(cfg->log_file),
				     true, err, errlen);
			if (rc)
				return rc;
			cfg->log = XPVD_LOG_FILE;
		} else {
			return seterr(-EINVAL, err, errlen,
				      "'%s' is not auto, stderr, syslog or an "
				      "absolute path", v);
		}
		return 0;
	}
	if (!strcmp(key, "debug")) {
		if (xpvd_debug_parse(v, &cfg->debug_mask))
			return seterr(-EINVAL, err, errlen,
				      "'%s' is not a list of main, dev, io, "
				      "req, gnt, ctl or all", v);
		return 0;
	}
	if (!strcmp(key, "domid")) {
		if (!strcmp(v, "all")) {
			cfg->domid = XPVD_ALL_DOMAINS;
			return 0;
		}
		return get_num(v, 0, XPV_DOMID_MAX, &cfg->domid, err, errlen);
	}
	if (!strcmp(key, "qmp-stats"))
		return get_bool(v, &cfg->qmp_stats, err, errlen);
	if (!strcmp(key, "qmp-stats-dir"))
		return get_str(v, cfg->qmp_dir, sizeof(cfg->qmp_dir), true,
			       err, errlen);
	if (!strcmp(key, "vbd3-stats"))
		return get_bool(v, &cfg->vbd3_stats, err, errlen);
	if (!strcmp(key, "vbd3-stats-dir"))
		return get_str(v, cfg->vbd3_dir, sizeof(cfg->vbd3_dir), true,
			       err, errlen);
	if (!strcmp(key, "net-max-queues"))
		return get_num(v, 1, XPVD_NET_MAX_QUEUES, &cfg->net_max_queues,
			       err, errlen);
	if (!strcmp(key, "net-rx-drain-timeout-ms"))
		return get_num(v, 100, 3600000, &cfg->net_rx_drain_ms, err,
			       errlen);
	if (!strcmp(key, "net-rx-stall-timeout-ms"))
		return get_num(v, 100, 3600000, &cfg->net_rx_stall_ms, err,
			       errlen);
	if (!strcmp(key, "p9-max-rings"))
		return get_num(v, 2, XPVD_P9_MAX_RINGS, &cfg->p9_max_rings,
			       err, errlen);
	if (!strcmp(key, "p9-max-ring-page-order"))
		return get_num(v, 1, XPVD_P9_MAX_ORDER, &cfg->p9_max_order,
			       err, errlen);
	if (!strcmp(key, "p9-threads"))
		return get_num(v, 1, XPVD_P9_MAX_THREADS_CFG,
			       &cfg->p9_threads, err, errlen);
	if (!strcmp(key, "p9-max-fids"))
		return get_num(v, 0, 1u << 24, &cfg->p9_max_fids, err, errlen);
	if (!strcmp(key, "p9-max-open"))
		return get_num(v, 0, 1u << 20, &cfg->p9_max_open, err, errlen);
	if (!strcmp(key, "p9-max-xattr"))
		return get_num(v, 0, 1u << 20, &cfg->p9_max_xattr, err,
			       errlen);
	if (!strcmp(key, "p9-xattr-any"))
		return get_bool(v, &cfg->p9_xattr_any, err, errlen);
	if (!strcmp(key, "p9-socket"))
		return get_str(v, cfg->p9_socket, sizeof(cfg->p9_socket), true,
			       err, errlen);
	if (!strcmp(key, "p9-socket-export"))
		return get_str(v, cfg->p9_socket_export,
			       sizeof(cfg->p9_socket_export), true, err,
			       errlen);
	return seterr(-ENOENT, err, errlen, "unknown key");
}

/* Drops leading and trailing white space in place. */
static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int xpvd_config_load(struct xpvd_config *cfg, const char *path,
		     bool must_exist, char *err, size_t errlen)
{
	char line[1024], msg[512], *key, *val, *eq, *hash;
	unsigned int lineno = 0;
	FILE *f;
	int rc = 0;

	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		if (rc == -ENOENT && !must_exist)
			return -ENOENT;
		return seterr(rc, err, errlen, "%s: %s", path, strerror(-rc));
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = seterr(-EINVAL, err, errlen,
				    "%s:%u: line longer than %zu bytes", path,
				    lineno, sizeof(line) - 2);
			break;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			rc = seterr(-EINVAL, err, errlen,
				    "%s:%u: expected 'key = value', got '%s'",
				    path, lineno, key);
			break;
		}
		*eq = '\0';
		val = trim(eq + 1);
		key = trim(key);
		rc = xpvd_config_set(cfg, key, val, msg, sizeof(msg));
		if (rc) {
			if (rc == -ENOENT)
				rc = -EINVAL;	/* the file exists */
			seterr(rc, err, errlen, "%s:%u: %s: %s", path, lineno,
			       key, msg);
			break;
		}
	}
	if (!rc && ferror(f))
		rc = seterr(-EIO, err, errlen, "%s: read error", path);
	fclose(f);
	return rc;
}

void xpvd_config_print(FILE *f, const struct xpvd_config *cfg)
{
	static const char *const logs[] = {
		[XPVD_LOG_AUTO] = "auto", [XPVD_LOG_STDERR] = "stderr",
		[XPVD_LOG_SYSLOG] = "syslog", [XPVD_LOG_FILE] = "file",
	};
	static const char *const engines[] = {
		[XPV_IOQ_AUTO] = "auto", [XPV_IOQ_URING] = "uring",
		[XPV_IOQ_PSYNC] = "psync",
	};

	fprintf(f, "platform = %s\n", *cfg->platform ? cfg->platform : "auto");
	fprintf(f, "type = %s\n", cfg->type);
	if (cfg->domid == XPVD_ALL_DOMAINS)
		fprintf(f, "domid = all\n");
	else
		fprintf(f, "domid = %u\n", cfg->domid);
	fprintf(f, "max-indirect-segments = %u\n", cfg->max_indirect_segs);
	fprintf(f, "max-ring-page-order = %u\n", cfg->max_ring_order);
	fprintf(f, "max-queues = %u\n", cfg->max_queues);
	fprintf(f, "persistent = %s\n", cfg->persistent_auto ? "auto" :
		cfg->persistent ? "yes" : "no");
	fprintf(f, "persistent-grants = %u\n", cfg->max_pgrants);
	fprintf(f, "buffer-budget = %u\n", cfg->buffer_budget);
	fprintf(f, "engine = %s\n", engines[cfg->engine]);
	fprintf(f, "registered-buffers = %s\n", cfg->reg_bufs ? "yes" : "no");
	fprintf(f, "cache = %s\n",
		cfg->cache == XPV_CACHE_WRITEBACK ? "writeback" : "direct");
	fprintf(f, "sector-size = %u\n", cfg->sector_size);
	if (*cfg->control_path)
		fprintf(f, "control = %s\n", cfg->control_path);
	if (*cfg->state_dir)
		fprintf(f, "state-dir = %s\n", cfg->state_dir);
	fprintf(f, "log = %s\n", cfg->log == XPVD_LOG_FILE ? cfg->log_file :
		logs[cfg->log]);
	fprintf(f, "qmp-stats = %s\n", cfg->qmp_stats ? "yes" : "no");
	if (*cfg->qmp_dir)
		fprintf(f, "qmp-stats-dir = %s\n", cfg->qmp_dir);
	fprintf(f, "vbd3-stats = %s\n", cfg->vbd3_stats ? "yes" : "no");
	if (*cfg->vbd3_dir)
		fprintf(f, "vbd3-stats-dir = %s\n", cfg->vbd3_dir);
	fprintf(f, "p9-max-rings = %u\n", cfg->p9_max_rings);
	fprintf(f, "p9-max-ring-page-order = %u\n", cfg->p9_max_order);
	fprintf(f, "p9-threads = %u\n", cfg->p9_threads);
	fprintf(f, "p9-max-fids = %u\n", cfg->p9_max_fids);
	fprintf(f, "p9-max-open = %u\n", cfg->p9_max_open);
	fprintf(f, "p9-max-xattr = %u\n", cfg->p9_max_xattr);
	fprintf(f, "p9-xattr-any = %s\n", cfg->p9_xattr_any ? "yes" : "no");
	if (*cfg->p9_socket)
		fprintf(f, "p9-socket = %s\n", cfg->p9_socket);
	if (*cfg->p9_socket_export)
		fprintf(f, "p9-socket-export = %s\n", cfg->p9_socket_export);
	fprintf(f, "net-max-queues = %u\n", cfg->net_max_queues);
	fprintf(f, "net-rx-drain-timeout-ms = %u\n", cfg->net_rx_drain_ms);
	fprintf(f, "net-rx-stall-timeout-ms = %u\n", cfg->net_rx_stall_ms);
}

/* ---- per-device overrides ---- */

const char *const xpvd_dev_keys[] = {
	XPVD_DEV_KEY_INDIRECT, XPVD_DEV_KEY_ORDER,   XPVD_DEV_KEY_QUEUES,
	XPVD_DEV_KEY_PERSISTENT, XPVD_DEV_KEY_PGRANTS, XPVD_DEV_KEY_CACHE,
	XPVD_DEV_KEY_ENGINE,	 NULL,
};

int xpvd_config_override(struct xpvd_config *dev,
			 const struct xpvd_config *daemon, const char *key,
			 const char *value, char *err, size_t errlen)
{
	uint32_t n;
	bool b;
	int rc;

	if (!strcmp(key, XPVD_DEV_KEY_INDIRECT)) {
		rc = get_num(value, 0, daemon->max_indirect_segs > 0 ?
			     daemon->max_indirect_segs : XPVD_PLAIN_SEGS,
			     &n, err, errlen);
		if (!rc)
			dev->max_indirect_segs = indirect_norm(n);
		return rc;
	}
	if (!strcmp(key, XPVD_DEV_KEY_ORDER))
		return get_num(value, 0, daemon->max_ring_order,
			       &dev->max_ring_order, err, errlen);
	if (!strcmp(key, XPVD_DEV_KEY_QUEUES))
		return get_num(value, 1, daemon->max_queues, &dev->max_queues,
			       err, errlen);
	if (!strcmp(key, XPVD_DEV_KEY_PGRANTS))
		return get_num(value, 0, daemon->max_pgrants,
			       &dev->max_pgrants, err, errlen);
	if (!strcmp(key, XPVD_DEV_KEY_PERSISTENT)) {
		rc = get_bool(value, &b, err, errlen);
		if (rc)
			return rc;
		/* Off by the operator's word: a device may not turn them
		 * on.  Off by auto (a PV dom0): a device may. */
		if (b && !daemon->persistent && !daemon->persistent_auto)
			return seterr(-EINVAL, err, errlen,
				      "persistent grants are off in the daemon");
		dev->persistent = b;
		return 0;
	}
	if (!strcmp(key, XPVD_DEV_KEY_CACHE))
		return get_cache(value, &dev->cache, err, errlen);
	if (!strcmp(key, XPVD_DEV_KEY_ENGINE))
		return get_engine(value, &dev->engine, err, errlen);
	return seterr(-ENOENT, err, errlen, "unknown key");
}

int xpvd_guest_type_pv(const char *path)
{
	char line[16];
	FILE *f = fopen(path, "re");
	int err;

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		err = ferror(f) ? -EIO : 0;
		fclose(f);
		return err;
	}
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	return !strcmp(line, "PV");
}
