/* SPDX-License-Identifier: MIT */
/*
 * 9pfs.h - the 9pfs channel: a dom0 directory shared with a guest over
 * Xen's 9pfs transport, served by our 9P2000.L server (p9srv.h), for
 * backend/9pfs (Xen 4.17's libxl `p9 = [...]`, a QEMU device there) and
 * backend/xen_9pfs (Xen >= 4.19's xen-9pfsd devices).
 *
 * probe reads `path` (the directory; absolute) and `security_model`
 * (none or passthrough; mapped-xattr and mapped-file are refused, we do
 * not store ownership in xattrs) and opens the export; xen_9pfs's
 * `max-open-files` lowers the open-file cap, its `max-files`,
 * `max-space` and `auto-delete` (quotas) are not supported: a non-zero
 * value is fatal, not silently ignored.  features writes `versions` = 1,
 * `max-rings` and `max-ring-page-order` (once, before the only InitWait).
 * connect reads `version` (1), `num-rings` (1..max-rings), `ring-ref<N>`
 * and `event-channel-<N>`, starts one ring (p9ring.h) per ring on one
 * 9P session, and goes Connected.
 *
 * What a restart keeps: nothing of the 9P session.  Fids live in the
 * daemon; a successor cannot know what they named, so it hands over no
 * record and the frontend is asked to reconnect (Linux's 9pnet_xen then
 * closes: the mount must be mounted again).  The export on the host is of
 * course unchanged.
 */
#ifndef XENPVD_BACKEND_9PFS_9PFS_H
#define XENPVD_BACKEND_9PFS_9PFS_H

#include "xendev.h"

extern const struct xpvd_channel xpvd_p9_channel;

#endif /* XENPVD_BACKEND_9PFS_9PFS_H */
