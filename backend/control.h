/* SPDX-License-Identifier: MIT */
/*
 * control.h - xenpvd's control socket: a unix stream socket that answers
 * one command per connection.  Commands (one line):
 *   stats   {"vbds":[{...}, ...]} with the counters of every VBD
 * Anything else gets {"error":"unknown command"}.  Served on the main
 * thread; a client gets at most a second to send its line.
 */
#ifndef XENPVD_BACKEND_CONTROL_H
#define XENPVD_BACKEND_CONTROL_H

#include "device.h"

/* The default path: <XENPV_SIM_WORLD>/xenpvd.sock on the sim platform,
 * /run/xenpvd/xenpvd.sock otherwise (written into buf). */
void xpvd_control_default_path(const char *platform, char *buf,
			       size_t size);

/* Binds and listens (replacing a stale socket).  Returns the listening fd
 * or -errno. */
int xpvd_control_open(const char *path);

/* Accepts one client and answers it. */
void xpvd_control_serve(int lfd, struct xpvd_devices *m);

/* Closes the socket and removes its path.  Accepts fd < 0. */
void xpvd_control_close(int lfd, const char *path);

#endif /* XENPVD_BACKEND_CONTROL_H */
