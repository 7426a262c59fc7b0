/* SPDX-License-Identifier: MIT */
/*
 * p9sock.h - a debugging transport for the 9P server (p9srv.h): an export
 * served on a unix socket, so that 9P clients of the host (diod's diodls
 * and diodcat, Linux's v9fs with trans=unix) can talk to the same server
 * the rings use.  Not for guests.
 *
 * One thread accepts; each connection gets its own session and thread,
 * which reads one whole message at a time (size[4] first: a size under 7
 * or over msize closes the connection), hands it to p9_handle and writes
 * the reply.  Nothing here logs.
 */
#ifndef XENPVD_BACKEND_9PFS_P9SOCK_H
#define XENPVD_BACKEND_9PFS_P9SOCK_H

#include <stdint.h>

#include "p9srv.h"

struct p9_sock;

/*
 * Binds path (mode 0600) and starts serving e there with at most msize
 * bytes per message (0: 128 KiB; at least P9_MIN_MSIZE).  A path that
 * exists is replaced only if it is a socket of this user; anything else
 * there is -EEXIST.  0 and *out, or -errno.  e must outlive the socket.
 */
int p9_sock_start(struct p9_export *e, const char *path, uint32_t msize,
		  struct p9_sock **out);

/* Stops accepting, ends every connection (joining their threads),
 * removes the socket file.  NULL-safe. */
void p9_sock_stop(struct p9_sock *s);

#endif /* XENPVD_BACKEND_9PFS_P9SOCK_H */
