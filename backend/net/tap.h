/* SPDX-License-Identifier: MIT */
/*
 * tap.h - the host side of a vif: a multi-queue TAP device with a
 * virtio-net header, one fd per queue.
 *
 * The device is opened IFF_TAP | IFF_NO_PI | IFF_VNET_HDR |
 * IFF_MULTI_QUEUE with a 12-byte header (struct virtio_net_hdr_mrg_rxbuf,
 * whose first 10 bytes are the struct virtio_net_hdr netcsum.h uses), its
 * fds non-blocking.  It is made persistent so that a daemon restart keeps
 * it (and the bridge port the hotplug script made of it); xpvd_tap_close()
 * drops the persistence unless asked to keep the device.  An existing
 * device of the name (left by a previous daemon) is attached to, which
 * works only if its flags are the same.
 *
 * No logging: every function returns 0 or -errno.  Main thread only.
 */
#ifndef XENPVD_BACKEND_NET_TAP_H
#define XENPVD_BACKEND_NET_TAP_H

#include <stdbool.h>
#include <stdint.h>

#include <net/if.h>

/* The TAP's vnet header size (TUNSETVNETHDRSZ). */
#define XPVD_TAP_VNET_HDR_LEN 12u
#define XPVD_TAP_MAX_QUEUES 8u

struct xpvd_tap {
	char name[IFNAMSIZ];
	unsigned int nr_fds;
	int fd[XPVD_TAP_MAX_QUEUES];
};

/*
 * Opens (creating when absent) the TAP called name with nr_fds queues
 * (1..XPVD_TAP_MAX_QUEUES), sets its MAC address to fe:ff:ff:ff:ff:ff
 * (as Linux netback: the guest owns the real one, and a bridge never
 * takes this one as its own), its MTU when mtu is nonzero, and its
 * carrier off.  0, or -errno with nothing left open.
 */
int xpvd_tap_open(struct xpvd_tap *t, const char *name, unsigned int nr_fds,
		  unsigned int mtu);

/* Closes every fd; keep: leave the device persistent (a successor
 * reattaches), else it disappears with its last fd.  NULL-safe,
 * idempotent. */
void xpvd_tap_close(struct xpvd_tap *t, bool keep);

/* The offloads the kernel may hand us (TUNSETOFFLOAD, TUN_F_*). */
int xpvd_tap_set_offload(struct xpvd_tap *t, unsigned int tun_flags);

/* Queues [0, n) receive, the others are detached (TUNSETQUEUE). */
int xpvd_tap_set_queues(struct xpvd_tap *t, unsigned int n);

/* Carrier on or off (TUNSETCARRIER); the device is brought up with the
 * carrier, never down. */
int xpvd_tap_set_carrier(struct xpvd_tap *t, bool on);

/* Whether the device still exists with that name (hotplug check). */
bool xpvd_tap_exists(const struct xpvd_tap *t);

#endif /* XENPVD_BACKEND_NET_TAP_H */
