/* SPDX-License-Identifier: MIT */
/*
 * conf.h - xenpvd's settings: one table of keys shared by the
 * configuration file (/etc/xen/xenpvd.conf, see xenpvd.conf(5)) and the
 * command line, and the per-device overrides a toolstack may write in a
 * backend directory.
 *
 * (Not "config.h": that name is autoconf's.)
 *
 * Guarantees:
 * - Every setting is validated by one function, xpvd_config_set(), whether
 *   it comes from the file or from an option, so both accept exactly the
 *   same values and report errors the same way ("KEY: message").
 * - The file is read before the options are applied: options override it.
 *   A bad line stops the load with "FILE:LINE: KEY: message" and nothing
 *   after it is applied; the daemon then refuses to start.
 * - Per-device overrides can only lower what the daemon allows (a smaller
 *   indirect count, ring order, queue count or grant cache; persistent
 *   grants off), never raise it; the cache mode and engine may be either.
 * - Nothing here logs: errors are returned as -errno plus a message.
 *
 * The configuration (struct xpvd_config) is filled once by main, then
 * read-only; a device uses a copy lowered by its overrides.
 */
#ifndef XENPVD_BACKEND_CONF_H
#define XENPVD_BACKEND_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "platform.h"
#include "storage.h"

/* ---- configuration (filled once by main, then read-only) ---- */

#define XPVD_MAX_QUEUES 64u
#define XPVD_MAX_RING_ORDER 4u
#define XPVD_DEFAULT_INDIRECT 256u
/*
 * The block channel's segment counts the settings are checked against
 * (its wire format's, asserted in blk/blk.c): a request without indirect
 * pages carries up to 11 segments, an indirect one up to 4096 here.
 */
#define XPVD_PLAIN_SEGS 11u
#define XPVD_MAX_INDIRECT_SEGS 4096u
/*
 * Persistent grants cached (mapped) per ring.  Linux blkback keeps 1056,
 * sized for 32-segment requests; with 256-segment indirect requests a
 * frontend keeps 16 MiB in flight on one ring, and a cache smaller than its
 * working set turns every request into map/unmap churn (measured on the sim:
 * 1 MiB reads at QD16 went from 0.47x to 1.05x of direct I/O going from 1056
 * to 4096).  4096 pages = 16 MiB of mappings per ring.
 */
#define XPVD_DEFAULT_PGRANTS 4096u
/* Where Linux says what kind of Xen domain it runs in (xpvd_guest_type_pv). */
#define XPVD_GUEST_TYPE_PATH "/sys/hypervisor/guest_type"
/*
 * Copy and bounce buffers per device, in MiB (the `buffer-budget` key).
 * Without persistent grants every data byte goes through a buffer of its
 * request's slot, and a guest with an order-4 ring and 256-segment
 * requests could otherwise make a queue pin 512 MiB.  64 MiB is far more
 * than a disk needs in flight to run at full speed (48 1 MiB requests at
 * the least, 12k of 4 KiB; NVMe's bandwidth times latency is a few MiB)
 * and more than Linux blkfront's defaults can use (32-segment requests,
 * one-page rings); blkback keeps 4 MiB of idle pages per ring, xenpvd a
 * quarter of the budget per device.
 */
#define XPVD_DEFAULT_BUFFER_BUDGET 64u

/*
 * The 9pfs channel.  Rings per share: Linux uses 2 and refuses a backend
 * offering fewer; more let a frontend of ours spread its requests.
 * Executors per ring: how many requests of one ring run at once (QEMU
 * and xen-9pfsd run one).  Ring order 9 is the most the interface page
 * can name (1 MiB a direction).
 */
#define XPVD_P9_DEFAULT_RINGS 4u
#define XPVD_P9_MAX_RINGS 16u
#define XPVD_P9_DEFAULT_THREADS 4u
#define XPVD_P9_MAX_THREADS_CFG 64u
#define XPVD_P9_MAX_ORDER 9u

/*
 * The net channel: queues offered per vif (multi-queue-max-queues).
 * Each queue is a worker thread, two rings and a TAP fd; Linux netback
 * offers one per CPU, xl's guests use min(offered, their vCPUs).
 */
#define XPVD_NET_DEFAULT_QUEUES 2u
/* Linux netback's rx_drain_timeout_msecs and rx_stall_timeout_msecs. */
#define XPVD_NET_DEFAULT_RX_DRAIN_MS 10000u
#define XPVD_NET_DEFAULT_RX_STALL_MS 60000u
#define XPVD_NET_MAX_QUEUES 8u

/* Where the log goes (the `log` key, --log). */
enum xpvd_log_target {
	XPVD_LOG_AUTO,		/* stderr; syslog when stderr is not open */
	XPVD_LOG_STDERR,	/* stderr (level prefixes for journald) */
	XPVD_LOG_SYSLOG,	/* syslog(3), tag "xenpvd", facility daemon */
	XPVD_LOG_FILE,		/* appended to log_file */
};

/* The `domid` setting's "all": serve every domain's devices. */
#define XPVD_ALL_DOMAINS UINT32_MAX

/* Lengths of the string settings, terminating NUL included. */
#define XPVD_CFG_TYPE_LEN 65
#define XPVD_CFG_PATH_LEN 256
#define XPVD_CFG_SOCK_LEN 108	/* sun_path */

/*
 * Filled by main from the defaults, the configuration file and the options
 * (this file), then read-only; a device uses a copy lowered by the per-device
 * overrides.
 */
struct xpvd_config {
	const struct xpv_platform *plat;
	char platform[16];		/* "xen", "sim" or "" (automatic) */
	char type[XPVD_CFG_TYPE_LEN];	/* the backend/<type>s served,
					 * space-separated: "qdisk" */
	uint32_t domid;			/* the only frontend domain served,
					 * or XPVD_ALL_DOMAINS */
	unsigned int self_domid;
	uint32_t max_indirect_segs;	/* 0: no indirect (key not written) */
	uint32_t max_ring_order;	/* 0..4 */
	uint32_t max_queues;		/* 1..XPVD_MAX_QUEUES */
	bool persistent;		/* offer feature-persistent */
	bool persistent_auto;		/* persistent = auto: main decides
					 * by the platform (see
					 * xpvd_guest_type_pv()) */
	uint32_t max_pgrants;		/* persistent grants per ring */
	uint32_t buffer_budget;		/* MiB of copy buffers per device */
	enum xpv_ioq_engine engine;
	bool reg_bufs;			/* copy buffers as io_uring
					 * registered buffers (storage.h) */
	enum xpv_cache_mode cache;
	uint32_t sector_size;		/* 0: detect; else force (files) */
	char control_path[XPVD_CFG_SOCK_LEN];	/* "": the default */
	char state_dir[XPVD_CFG_PATH_LEN];	/* handoff files (restart);
						 * "": the socket's dir */
	enum xpvd_log_target log;
	char log_file[XPVD_CFG_PATH_LEN];	/* XPVD_LOG_FILE */
	unsigned int debug_mask;	/* components with debug messages */
	bool foreground;		/* --foreground: log to stderr */
	bool handoff;			/* leave handoff files at exit (not
					 * a device model: nobody would
					 * take over) */
	bool qmp_stats;			/* xentop's QMP sockets (qmp.h) */
	char qmp_dir[XPVD_CFG_PATH_LEN];	/* where: /var/run/xen, the
						 * world's dir on sim */
	bool vbd3_stats;		/* publish xentop's vbd3 statistics */
	char vbd3_dir[XPVD_CFG_PATH_LEN];	/* their base: /dev/shm, the
						 * world's dir on sim */
	/* The 9pfs channel (p9-* keys). */
	uint32_t p9_max_rings;		/* 2..XPVD_P9_MAX_RINGS */
	uint32_t p9_max_order;		/* 1..9 */
	uint32_t p9_threads;		/* executors per ring */
	uint32_t p9_max_fids;		/* per share, 0: the server's */
	uint32_t p9_max_open;		/* per share, 0: the server's */
	uint32_t p9_max_xattr;		/* bytes, 0: the server's */
	bool p9_xattr_any;		/* all namespaces, not only user. */
	/* Debugging: a 9P server on a unix socket (p9-socket) for the
	 * directory p9-socket-export, off when "". */
	char p9_socket[XPVD_CFG_SOCK_LEN];
	char p9_socket_export[XPVD_CFG_PATH_LEN];
	/* The net channel (net-* keys). */
	uint32_t net_max_queues;	/* 1..XPVD_NET_MAX_QUEUES */
	/* A guest that posts no rx buffers (Linux netback's
	 * rx_drain_timeout_msecs and rx_stall_timeout_msecs): what waited
	 * this long is dropped, and after this long the carrier goes off. */
	uint32_t net_rx_drain_ms;
	uint32_t net_rx_stall_ms;
};


/* The configuration file read when --config is not given (may be absent);
 * the build sets it from configure's --with-xen-confdir. */
#ifndef XPVD_CONFIG_FILE
#define XPVD_CONFIG_FILE "/etc/xen/xenpvd.conf"
#endif

/* Whether type is one of the backend types cfg->type names (a
 * "type:channel" word counts as its type). */
bool xpvd_config_has_type(const struct xpvd_config *cfg, const char *type);

/* Fills cfg with the built-in defaults (see xenpvd.conf(5)). */
void xpvd_config_defaults(struct xpvd_config *cfg);

/*
 * Sets one key (a configuration file key, without the leading "--" of the
 * option of the same name) from its text value.  0, or -EINVAL / -ERANGE /
 * -ENAMETOOLONG / -ENOENT (unknown key) with a message in err (without the
 * key, which the caller prefixes).
 */
int xpvd_config_set(struct xpvd_config *cfg, const char *key,
		    const char *value, char *err, size_t errlen);

/*
 * Reads a configuration file: "key = value" lines, '#' starts a comment,
 * blank lines are ignored, surrounding spaces are dropped.  0; -ENOENT when
 * the file does not exist and !must_exist (nothing applied: not an error
 * for the default file); else -errno with "FILE:LINE: KEY: message" (or
 * "FILE: strerror") in err.
 */
int xpvd_config_load(struct xpvd_config *cfg, const char *path,
		     bool must_exist, char *err, size_t errlen);

/*
 * Writes the effective settings as a configuration file would hold them
 * (what `xenpvd --check-config` prints).
 */
void xpvd_config_print(FILE *f, const struct xpvd_config *cfg);

/* ---- per-device overrides (XenStore keys in the backend directory) ---- */

/*
 * The keys, all prefixed "xenpvd-" so they never clash with a protocol
 * key.  Each value follows the syntax of the configuration key of the same
 * name without the prefix.
 */
#define XPVD_DEV_KEY_INDIRECT "xenpvd-max-indirect-segments"
#define XPVD_DEV_KEY_ORDER "xenpvd-max-ring-page-order"
#define XPVD_DEV_KEY_QUEUES "xenpvd-max-queues"
#define XPVD_DEV_KEY_PERSISTENT "xenpvd-persistent"
#define XPVD_DEV_KEY_PGRANTS "xenpvd-persistent-grants"
#define XPVD_DEV_KEY_CACHE "xenpvd-cache"
#define XPVD_DEV_KEY_ENGINE "xenpvd-engine"

/* The override keys, NULL-terminated (what xpvd_config_override() takes). */
extern const char *const xpvd_dev_keys[];

/*
 * Applies one override to dev (a copy of the daemon's configuration,
 * daemon): the value must parse, and may not raise a limit above the
 * daemon's.  0, or -EINVAL / -ERANGE with a message in err (without the
 * key).
 */
int xpvd_config_override(struct xpvd_config *dev,
			 const struct xpvd_config *daemon, const char *key,
			 const char *value, char *err, size_t errlen);

/*
 * Whether the domain we run in is a Xen PV domain, by the first line of
 * path (Linux's /sys/hypervisor/guest_type: "PV", "PVH" or "HVM").  1 PV,
 * 0 anything else, -errno when path cannot be read.
 *
 * Why it matters: in a PV domain gntdev maps grants by writing page table
 * entries of its own ("special" ones), so every O_DIRECT transfer into a
 * persistent grant's mapping pins its pages through the slow path of
 * get_user_pages; a grant copy into our own buffers costs less, and the
 * frontend then skips its own copy too.  `persistent = auto` (the default)
 * therefore offers persistent grants everywhere except in a PV dom0.
 */
int xpvd_guest_type_pv(const char *path);

#endif /* XENPVD_BACKEND_CONF_H */
