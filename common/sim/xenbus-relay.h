/* SPDX-License-Identifier: MIT */
/*
 * xenbus-relay.h - the guest side of XenStore on the simulated platform.
 *
 * On real Xen a guest reaches XenStore through its kernel's xenbus driver:
 * the driver owns the domain's store ring page and event channel, and
 * multiplexes every process that opens /dev/xen/xenbus onto that one ring.
 * In a sim world there is no guest kernel, so a relay process plays that
 * driver for sim domain N: it maps the domain's own store page, takes its
 * store event channel, speaks the XenStore ring protocol to xenstored (which
 * sees domain N and enforces N's permissions), and serves any number of
 * clients on a unix socket that the real libxenstore accepts as
 * XENSTORED_PATH.
 *
 * What the clients get, as from Linux's /dev/xen/xenbus: replies routed by a
 * request id of the relay's own; watch events only for the client's own
 * watches, with the client's own token; a client can use only transactions
 * it started; and when a client goes away, its watches are removed and its
 * open transactions are aborted.
 *
 * The relay runs as the calling process's sim domain (XENPV_SIM_WORLD,
 * XENPV_SIM_DOMID, see sim.h), which must not be dom0.  Single-threaded;
 * a relay must not be used across fork().  Functions return 0, a count or
 * -errno and never log.
 */
#ifndef XENPVD_XENSTORE_XENBUS_RELAY_H
#define XENPVD_XENSTORE_XENBUS_RELAY_H

#include <stddef.h>

struct xpv_relay;

/* Why xpv_relay_run() returned, when it did not fail. */
enum xpv_relay_exit {
	XPV_RELAY_STOPPED = 0,	   /* stop_fd became readable */
	XPV_RELAY_DOMAIN_GONE = 1, /* the domain was destroyed */
};

/*
 * The default socket path of domain domid's relay in world:
 * "<world>/xenstore-dom<domid>.sock".  Returns the length, or -ENAMETOOLONG
 * when it does not fit len bytes or a unix socket address.
 */
int xpv_relay_default_path(const char *world, unsigned int domid, char *buf,
			   size_t len);

/*
 * Sets up the relay of the calling sim domain: maps its store page, adopts
 * its store event channel and listens on sock_path (NULL: the default
 * path; an existing socket file there is replaced).  *out is set only on
 * success.  -EINVAL when the process is not a sim guest (no world, or dom0),
 * -ESRCH when its domain does not exist or is dying.
 */
int xpv_relay_open(struct xpv_relay **out, const char *sock_path);

/*
 * Serves until stop_fd (-1: none) polls readable or the domain is
 * destroyed.  Returns an enum xpv_relay_exit, or -errno: -EPROTO when
 * xenstored broke the ring protocol (an index or a length out of range),
 * another -errno when polling failed.
 */
int xpv_relay_run(struct xpv_relay *r, int stop_fd);

/*
 * Removes the socket file and frees everything.  Does not tell xenstored
 * anything: the domain's watches and transactions stay as they are, as they
 * do when a guest kernel stops.  Accepts NULL.
 */
void xpv_relay_close(struct xpv_relay *r);

#endif /* XENPVD_XENSTORE_XENBUS_RELAY_H */
