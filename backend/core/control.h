/* SPDX-License-Identifier: MIT */
/*
 * control.h - xenpvd's control socket: a unix stream socket that answers
 * one command per connection.  Commands (one line, ended by '\n' or by the
 * client shutting down its sending side):
 *   stats   {"vbds":[{...}, ...]} with the counters of every VBD
 * Any other printable line gets {"error":"unknown command"}.
 *
 * Served from the main loop without ever blocking it: the sockets are
 * non-blocking, the answer is built at once (in memory, from the device
 * list, on the main thread: no locking) and then sent as the client reads
 * it.  So no client, however slow or hostile, delays XenStore events of
 * any device.  Limits: XPVD_CTL_MAX_CLIENTS at a time (more wait in the
 * listen backlog), XPVD_CTL_LINE_MAX bytes of command line, and
 * XPVD_CTL_CLIENT_MS from accept to the last byte of the answer.  A client
 * that breaks one of them, or sends a line that is not printable text, is
 * dropped without an answer, with one rate-limited warning.
 */
#ifndef XENPVD_BACKEND_CONTROL_H
#define XENPVD_BACKEND_CONTROL_H

#include <poll.h>

#include "xendev.h"

#define XPVD_CTL_MAX_CLIENTS 16u
#define XPVD_CTL_LINE_MAX 63u	/* command bytes, '\n' included */
#define XPVD_CTL_CLIENT_MS 5000 /* a whole exchange */
/* The pollfds xpvd_control_pollfds() fills: the listener, then clients. */
#define XPVD_CTL_NR_POLLFDS (1u + XPVD_CTL_MAX_CLIENTS)

struct xpvd_control;

/* The default path: <XENPV_SIM_WORLD>/xenpvd.sock on the sim platform,
 * /run/xenpvd/xenpvd.sock otherwise (written into buf). */
void xpvd_control_default_path(const char *platform, char *buf, size_t size);

/*
 * Binds and listens at path (replacing a stale socket), mode 0600: only
 * the daemon's user (root) may connect.  Its directory is made (0755) if
 * missing, and must be one only that user may write (sock.h).  0 and
 * *out, or -errno.  Main thread only, as every function below.
 */
int xpvd_control_open(const char *path, struct xpvd_control **out);

/*
 * Fills pfd[0 .. XPVD_CTL_NR_POLLFDS-1] for poll(): unused entries get fd
 * -1, so the caller polls them all.  c may be NULL (no control socket).
 */
void xpvd_control_pollfds(const struct xpvd_control *c, struct pollfd *pfd);

/* Milliseconds until the next client deadline, -1 for none.  NULL-safe. */
int xpvd_control_timeout(const struct xpvd_control *c);

/*
 * Serves what poll() reported in pfd (as filled by xpvd_control_pollfds(),
 * unchanged since) and drops the clients past their deadline.  Call it
 * after every poll(), whatever woke it up.  Never blocks.  NULL-safe.
 */
void xpvd_control_serve(struct xpvd_control *c, const struct pollfd *pfd,
			struct xpvd_devices *m);

/* Drops every client, closes the socket and removes its path.  NULL-safe. */
void xpvd_control_close(struct xpvd_control *c);

#endif /* XENPVD_BACKEND_CONTROL_H */
