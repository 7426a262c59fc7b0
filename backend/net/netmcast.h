/* SPDX-License-Identifier: MIT */
/*
 * netmcast.h - a vif's multicast filter (netif "multicast control"), as
 * pure functions.
 *
 * The frontend amends the list with tx requests carrying an
 * XEN_NETIF_EXTRA_TYPE_MCAST_ADD or _MCAST_DEL extra (nettx.h), whether
 * or not it asked for filtering; the list is applied to frames going to
 * the guest only when it did (`request-multicast-control` = 1, netif.h).
 * What Linux netback does (netback.c, xenvif_mcast_add/del/match;
 * interface.c, xenvif_start_xmit), and so what this does:
 *   - at most XPVD_NETMCAST_MAX (64, XEN_NETBK_MCAST_MAX) addresses; an
 *     add beyond that fails (the request is answered
 *     XEN_NETIF_RSP_ERROR) and the list stays as it was: filtering goes
 *     on with those 64, nothing is flooded;
 *   - an add does not look for the address already being there (each add
 *     takes a place), a delete removes the first equal entry and is
 *     answered OKAY even when there is none;
 *   - with filtering on, a frame whose destination is multicast (group
 *     bit set) and not broadcast passes only when its destination is in
 *     the list; unicast and broadcast frames always pass.
 * The list is empty at each connection (Linux frees it at disconnect).
 *
 * No allocation, no locking, no logging: the caller serialises access
 * (the vif's queues share one list).
 */
#ifndef XENPVD_BACKEND_NETMCAST_H
#define XENPVD_BACKEND_NETMCAST_H

#include <stdbool.h>
#include <stdint.h>

#define XPVD_NETMCAST_MAX 64u

struct xpvd_netmcast {
	unsigned int n;
	uint8_t addr[XPVD_NETMCAST_MAX][6];
};

/* Empties the list. */
void xpvd_netmcast_init(struct xpvd_netmcast *m);

/* Appends addr: 0, or -ENOSPC when the list holds XPVD_NETMCAST_MAX. */
int xpvd_netmcast_add(struct xpvd_netmcast *m, const uint8_t addr[6]);

/* Removes the first entry equal to addr: 0, or -ENOENT (none). */
int xpvd_netmcast_del(struct xpvd_netmcast *m, const uint8_t addr[6]);

/* Whether addr is in the list. */
bool xpvd_netmcast_match(const struct xpvd_netmcast *m, const uint8_t addr[6]);

/*
 * Whether a frame with destination dst goes to the guest: always when
 * filtering is off, or dst is unicast or broadcast; else when dst is in
 * the list.
 */
bool xpvd_netmcast_pass(const struct xpvd_netmcast *m, bool filtering,
			const uint8_t dst[6]);

#endif /* XENPVD_BACKEND_NETMCAST_H */
