/* SPDX-License-Identifier: MIT */
/*
 * netmcast.c - a vif's multicast filter list (see netmcast.h).
 *
 * A plain array: 64 entries of 6 bytes, searched linearly, kept packed
 * (a delete moves the tail down) so that entries [0, n) are the list.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "netmcast.h"

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void xpvd_netmcast_init(struct xpvd_netmcast *m)
{
	memset(m, 0, sizeof(*m));
}

int xpvd_netmcast_add(struct xpvd_netmcast *m, const uint8_t addr[6])
{
	if (m->n >= XPVD_NETMCAST_MAX)
		return -ENOSPC;
	memcpy(m->addr[m->n++], addr, 6);
	return 0;
}

int xpvd_netmcast_del(struct xpvd_netmcast *m, const uint8_t addr[6])
{
	unsigned int i;

	for (i = 0; i < m->n; i++) {
		if (memcmp(m->addr[i], addr, 6))
			continue;
		memmove(m->addr[i], m->addr[i + 1],
			(size_t)(m->n - i - 1) * sizeof(m->addr[0]));
		m->n--;
		return 0;
	}
	return -ENOENT;
}

bool xpvd_netmcast_match(const struct xpvd_netmcast *m, const uint8_t addr[6])
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (!memcmp(m->addr[i], addr, 6))
			return true;
	return false;
}

bool xpvd_netmcast_pass(const struct xpvd_netmcast *m, bool filtering,
			const uint8_t dst[6])
{
	/* The group bit is the first bit on the wire: bit 0 of byte 0. */
	if (!filtering || !(dst[0] & 1) || !memcmp(dst, bcast, 6))
		return true;
	return xpvd_netmcast_match(m, dst);
}
