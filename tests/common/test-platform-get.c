/* SPDX-License-Identifier: MIT */
/*
 * test-platform-get.c - xpv_platform_get() picks the platform by name, and
 * "auto" (or NULL) picks "xen" exactly when /dev/xen/gntdev exists.  Also
 * checks that both tables are complete: every op is there and each table
 * carries its own size, as platform.h promises callers.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"
#include "test-util.h"

static void check_complete(const struct xpv_platform *p, const char *name)
{
	EXPECT(p && !strcmp(p->name, name));
	if (!p)
		return;
	EXPECT(p->gnt && p->gnt->size == sizeof(struct xpv_gnt_ops));
	EXPECT(p->gnt->open && p->gnt->close && p->gnt->map && p->gnt->unmap &&
	       p->gnt->copy && p->gnt->set_max_grants);
	EXPECT(p->gntshr && p->gntshr->size == sizeof(struct xpv_gntshr_ops));
	EXPECT(p->gntshr->open && p->gntshr->close && p->gntshr->share &&
	       p->gntshr->unshare);
	EXPECT(p->evtchn && p->evtchn->size == sizeof(struct xpv_evtchn_ops));
	EXPECT(p->evtchn->open && p->evtchn->close && p->evtchn->fd &&
	       p->evtchn->alloc_unbound && p->evtchn->bind_interdomain &&
	       p->evtchn->unbind && p->evtchn->notify && p->evtchn->pending &&
	       p->evtchn->unmask);
}

int main(void)
{
	const struct xpv_platform *dflt;

	EXPECT(xpv_platform_get("xen") == &xpv_platform_xen);
	EXPECT(xpv_platform_get("sim") == &xpv_platform_sim);
	EXPECT(xpv_platform_get("kvm") == NULL);
	EXPECT(xpv_platform_get("Xen") == NULL);
	EXPECT(xpv_platform_get("simulated") == NULL);

	dflt = access("/dev/xen/gntdev", F_OK) == 0 ? &xpv_platform_xen
						    : &xpv_platform_sim;
	EXPECT(xpv_platform_get(NULL) == dflt);
	EXPECT(xpv_platform_get("auto") == dflt);
	EXPECT(xpv_platform_get("") == dflt); /* an empty XENPV_PLATFORM */

	check_complete(&xpv_platform_xen, "xen");
	check_complete(&xpv_platform_sim, "sim");
	return test_status();
}
