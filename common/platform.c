/* SPDX-License-Identifier: MIT */
/*
 * platform.c - choosing a platform at run time (xpv_platform_get()).
 *
 * Guarantees: a known name always gives the same table; "auto" (or NULL)
 * picks "xen" exactly when /dev/xen/gntdev exists, so a machine without Xen
 * gets the simulated platform; an empty name counts as "auto" (so an
 * exported but empty XENPV_PLATFORM means the default); an unknown name
 * gives NULL.  No allocation, no logging, no state.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"

/* The device node a dom0 (or a driver domain) needs to map grants. */
#define XPV_GNTDEV_PATH "/dev/xen/gntdev"

const struct xpv_platform *xpv_platform_get(const char *name)
{
	if (!name || !strcmp(name, "auto") || !name[0])
		return access(XPV_GNTDEV_PATH, F_OK) == 0 ? &xpv_platform_xen
							  : &xpv_platform_sim;
	if (!strcmp(name, "xen"))
		return &xpv_platform_xen;
	if (!strcmp(name, "sim"))
		return &xpv_platform_sim;
	return NULL;
}
