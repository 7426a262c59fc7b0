/* SPDX-License-Identifier: MIT */
/*
 * xenpvd.h - what every part of the daemon shares: its configuration and
 * its logging macro family.
 *
 * Logging goes through one printf-checked function.  Each message belongs
 * to a component; debug messages of a component are printed only when
 * --debug names it.  Anything a guest can trigger at will (a malformed
 * request, a bad grant) goes through xpvd_log_guest(), which is
 * rate-limited per ring or per device, so a hostile guest cannot flood the
 * log.  The logger is thread-safe (one write per message).
 */
#ifndef XENPVD_BACKEND_XENPVD_H
#define XENPVD_BACKEND_XENPVD_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>
#include <time.h>

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
 * (config.h), then read-only; a VBD uses a copy lowered by the per-device
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
	uint32_t max_pgrants;		/* persistent grants per ring */
	uint32_t buffer_budget;		/* MiB of copy buffers per device */
	enum xpv_ioq_engine engine;
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
};

/* ---- logging ---- */

enum xpvd_comp {
	XPVD_C_MAIN,	/* main */
	XPVD_C_DEV,	/* dev: discovery and state machine */
	XPVD_C_IO,	/* io: workers */
	XPVD_C_REQ,	/* req: request validation */
	XPVD_C_GNT,	/* gnt: grants (persistent cache, copies, maps) */
	XPVD_C_CTL,	/* ctl: control socket */
	XPVD_C_NR,
};

extern unsigned int xpvd_debug_mask;

/*
 * Copies in to out (size bytes, NUL-terminated; cut at a whole escape)
 * with every byte that is not printable ASCII written as "\xNN" and a
 * backslash as "\\": a guest's value can then never start a log line of
 * its own ("\n<0>..." would forge an emergency in the journal), move a
 * terminal's cursor, or pass for an escape we made.  Returns the length
 * written.  Every log line goes through it (xpvd_log()).
 */
size_t xpvd_escape(char *out, size_t size, const char *in);

/* The component's name in log lines and --debug lists ("?" if none). */
const char *xpvd_comp_name(enum xpvd_comp comp);

/* Prints one line at a syslog level for a component (never fails); the
 * message is escaped (xpvd_escape()). */
void xpvd_log(int level, enum xpvd_comp comp, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parses "dev,io,..." or "all" into a mask; -EINVAL on an unknown name. */
int xpvd_debug_parse(const char *list, unsigned int *mask);

/*
 * Sends the log where cfg says (opening a file or syslog).  0 or -errno;
 * the log stays on stderr on failure.
 */
int xpvd_log_setup(const struct xpvd_config *cfg);

#define xpvd_err(c, ...) xpvd_log(LOG_ERR, c, __VA_ARGS__)
#define xpvd_warn(c, ...) xpvd_log(LOG_WARNING, c, __VA_ARGS__)
#define xpvd_info(c, ...) xpvd_log(LOG_INFO, c, __VA_ARGS__)
#define xpvd_dbg(c, ...)                                     \
	do {                                                 \
		if (xpvd_debug_mask & (1u << (c)))           \
			xpvd_log(LOG_DEBUG, c, __VA_ARGS__); \
	} while (0)

/*
 * A rate limit: at most burst messages per interval seconds; the number
 * suppressed is reported with the next message let through.  One per ring
 * or device, used by one thread (no locking).
 */
struct xpvd_ratelimit {
	time_t start;
	unsigned int count;
	unsigned int missed;
};

#define XPVD_RL_INTERVAL 5
#define XPVD_RL_BURST 10

/* Returns true if a message may be printed now (and counts it). */
bool xpvd_ratelimit_ok(struct xpvd_ratelimit *rl, unsigned int *missed);

/*
 * A guest-triggerable message at a level: rate-limited, always
 * debug-visible.  The first message let through after messages were
 * suppressed says how many were.
 */
#define xpvd_log_guest_at(level, rl, c, fmt, ...)                           \
	do {                                                                \
		unsigned int missed_;                                       \
		if (xpvd_ratelimit_ok(rl, &missed_))                        \
			xpvd_log(level, c, fmt " (%u suppressed)",          \
				 __VA_ARGS__, missed_);                     \
		else                                                        \
			xpvd_dbg(c, fmt, __VA_ARGS__);                      \
	} while (0)

/* A guest-triggerable warning (see xpvd_log_guest_at()). */
#define xpvd_log_guest(rl, c, fmt, ...) \
	xpvd_log_guest_at(LOG_WARNING, rl, c, fmt, __VA_ARGS__)

#endif /* XENPVD_BACKEND_XENPVD_H */
