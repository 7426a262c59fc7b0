/* SPDX-License-Identifier: MIT */
/*
 * log.h - xenpvd's log: one printf-checked function and its macro family.
 *
 * Each message belongs to a component; debug messages of a component are
 * printed only when --debug names it.  Anything a guest can trigger at
 * will (a malformed request, a bad grant) goes through xpvd_log_guest(),
 * which is rate-limited per ring or per device, so a hostile guest cannot
 * flood the log.  The logger is thread-safe (one write per message), and
 * every message is escaped (xpvd_escape()).
 */
#ifndef XENPVD_BACKEND_CORE_LOG_H
#define XENPVD_BACKEND_CORE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>
#include <time.h>

struct xpvd_config;

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

/* Closes what xpvd_log_setup() opened; the log goes to stderr again. */
void xpvd_log_close(void);

#endif /* XENPVD_BACKEND_CORE_LOG_H */
