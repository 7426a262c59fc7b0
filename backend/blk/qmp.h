/* SPDX-License-Identifier: MIT */
/*
 * qmp.h - a QMP (QEMU Machine Protocol) server with the answers Xen's
 * tools expect from the process that serves a domain's qdisk disks.
 *
 * Who asks:
 * - libxenstat (xentop) connects to /var/run/xen/qmp-libxenstat-<domid>
 *   for every domain that has a backend/qdisk directory, sends
 *   qmp_capabilities, query-blockstats and query-block, and shows the
 *   counters of each disk whose "inserted"."file" equals its params path.
 *   It reads each answer until 10 ms pass without data, so answers are
 *   built and sent at once, on the main loop.
 * - libxl, when xenpvd is a guest's device model (dm.h), on the sockets
 *   it names on the command line.
 *
 * Commands: qmp_capabilities, query-status, query-version, query-name,
 * query-chardev (an empty list: libxl asks it of every device model),
 * query-blockstats and query-block (the listener's domain only), quit
 * (xpvd_qmp_serve() returns 1: the caller stops as on SIGTERM; refused
 * on the sockets of xpvd_qmp_sync(), whose daemon serves every domain);
 * any other
 * gets a CommandNotFound error.  An "id" is echoed.  Each connection
 * starts with the QMP greeting.  Unlike QEMU, commands are accepted before
 * qmp_capabilities (libxenstat sends it, others may not).
 *
 * Limits, as for the control socket: XPVD_QMP_MAX_CLIENTS at a time (more
 * wait in the listen backlog), XPVD_QMP_IN_MAX bytes for one command, an
 * idle client is closed after XPVD_QMP_IDLE_MS, and one that does not
 * read its answers (XPVD_QMP_OUT_MAX queued) is dropped.  Main thread
 * only; never blocks.
 */
#ifndef XENPVD_BACKEND_QMP_H
#define XENPVD_BACKEND_QMP_H

#include <poll.h>
#include <stdint.h>

#include "blk.h"

#define XPVD_QMP_MAX_LISTENERS 64u	/* domains with a socket */
#define XPVD_QMP_MAX_CLIENTS 8u
#define XPVD_QMP_NR_POLLFDS (XPVD_QMP_MAX_LISTENERS + XPVD_QMP_MAX_CLIENTS)
#define XPVD_QMP_IN_MAX 4096u
#define XPVD_QMP_OUT_MAX (256u * 1024)
#define XPVD_QMP_IDLE_MS 60000

struct xpvd_qmp;

/* An empty server (no listener yet).  0 and *out, or -ENOMEM. */
int xpvd_qmp_open(struct xpvd_qmp **out);

/*
 * Listens at path for the statistics of domain domid: binds (mode 0600,
 * replacing a stale socket; -EADDRINUSE when a live server answers there)
 * and removes it at close.  0 or -errno (-ENOSPC: all listeners taken).
 */
int xpvd_qmp_listen_path(struct xpvd_qmp *q, const char *path,
			 uint32_t domid);

/*
 * Serves a listening socket another process made (libxl's fd=N): made
 * non-blocking and close-on-exec, closed (not unlinked) at close.
 */
int xpvd_qmp_listen_fd(struct xpvd_qmp *q, int fd, uint32_t domid);

/*
 * The per-domain sockets of a daemon that serves many domains: makes
 * <dir>/qmp-libxenstat-<domid> for each domain that has a device in devs
 * and none for the others (as many as there are listeners free).  A path
 * some other live process answers on (a QEMU device model) is left to it.
 * Listeners added by the two functions above are never touched.
 */
void xpvd_qmp_sync(struct xpvd_qmp *q, const char *dir,
		   struct xpvd_devices *devs);

/* Fills pfd[0 .. XPVD_QMP_NR_POLLFDS-1] (unused: fd -1).  NULL-safe. */
void xpvd_qmp_pollfds(const struct xpvd_qmp *q, struct pollfd *pfd);

/* Milliseconds until the next client deadline, -1 for none.  NULL-safe. */
int xpvd_qmp_timeout(const struct xpvd_qmp *q);

/*
 * Serves what poll() reported in pfd (as filled by xpvd_qmp_pollfds()),
 * and closes idle clients.  Returns 1 when a client sent "quit" (after
 * answering it), else 0.  NULL-safe.
 */
int xpvd_qmp_serve(struct xpvd_qmp *q, const struct pollfd *pfd,
		   struct xpvd_devices *devs);

/* Closes everything, removes the sockets it bound.  NULL-safe. */
void xpvd_qmp_close(struct xpvd_qmp *q);

#endif /* XENPVD_BACKEND_QMP_H */
