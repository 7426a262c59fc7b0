/* SPDX-License-Identifier: MIT */
/*
 * device.h - VBD discovery in XenStore and one XenbusState machine per
 * device.
 *
 * The daemon watches /local/domain/<self>/backend/<type>; every event
 * re-reads the whole directory and the states of every device (an event
 * only says "look again").  For each backend directory it finds, it opens
 * the disk named by `params` (a regular file or a block device only,
 * without blocking), publishes its features and goes to InitWait; with a
 * hotplug script (`script`) it then waits for hotplug-status = connected
 * and requires the disk it opened to be the one the script named
 * (physical-device, physical-device-path; a mismatch is fatal, below);
 * when the frontend is Initialised or Connected it reads the frontend's
 * keys, starts one worker per queue and goes to Connected; when the
 * frontend closes it stops them and follows (Closing, Closed).  The
 * toolstack's detach (online=0 and backend state Closing) is answered with
 * Closed.  A backend directory is never removed by the daemon.
 *
 * A daemon that starts while both ends of a VBD are Connected takes it
 * over (see xpvd_devices_close()); a takeover that fails for a reason that
 * may pass (a map, a bind) writes nothing and is retried on the next event
 * or after a second.
 *
 * A frontend value that cannot be served (ring-page-order above what was
 * offered, multi-queue-num-queues 0 or above the maximum, a malformed
 * number, a bad grant or port), like a disk that cannot be opened or is
 * not what the hotplug script named, is fatal for that device only, as
 * Linux's xenbus_dev_fatal(): "<errno> <message>" is written to the
 * backend's `error` node and the backend goes to Closing.  When the frontend
 * then starts over (Closed, then Initialising) the device is tried again
 * from the start (error node removed, InitWait), as Linux blkback does.
 *
 * Runs on the main thread only; workers run on their own threads.
 */
#ifndef XENPVD_BACKEND_DEVICE_H
#define XENPVD_BACKEND_DEVICE_H

#include <stdio.h>

#include "xenpvd.h"

struct xpvd_devices;

/*
 * Connects to XenStore and sets the watch.  0 and *out, or -errno.  The
 * first scan happens on the first dispatch.
 */
int xpvd_devices_open(const struct xpvd_config *cfg,
		      struct xpvd_devices **out);

/* The fd to poll (POLLIN) for XenStore events. */
int xpvd_devices_fd(const struct xpvd_devices *m);

/* Handles pending XenStore events.  0 or -errno (connection lost). */
int xpvd_devices_dispatch(struct xpvd_devices *m);

/*
 * With one guest to serve (cfg->domid, not dom0): whether that domain no
 * longer exists (seen on @releaseDomain, after a dispatch).  A device
 * model whose domain died without libxl stopping it (xl killed) stops.
 */
bool xpvd_devices_domain_gone(const struct xpvd_devices *m);

/*
 * The fd to poll (POLLIN) for workers that finished stopping; then call
 * xpvd_devices_reap().  Workers are never waited for on the main thread
 * while the daemon runs: a stuck disk stalls its own VBD only (its Closed
 * is written once its workers have ended).
 */
int xpvd_devices_reap_fd(const struct xpvd_devices *m);
void xpvd_devices_reap(struct xpvd_devices *m);

/*
 * Milliseconds until xpvd_devices_tick() has work (a takeover to retry),
 * or -1 for none.
 */
int xpvd_devices_timeout(const struct xpvd_devices *m);
void xpvd_devices_tick(struct xpvd_devices *m);

/*
 * Stops every worker (in-flight I/O finished and answered), unmaps
 * everything and frees all: writes nothing to XenStore, so a restarted
 * daemon can take the devices over.  For each connected VBD whose rings
 * were left clean (every consumed request answered and pushed) it leaves a
 * handoff file in cfg->state_dir; a successor reattaches at rsp_prod only
 * with that file, and otherwise (a crash) makes the frontend reconnect.
 * NULL-safe.
 */
void xpvd_devices_close(struct xpvd_devices *m);

/* Writes {"vbds":[...]} with the statistics of every device. */
void xpvd_devices_stats_json(struct xpvd_devices *m, FILE *f);

/* What xpvd_devices_foreach() shows of one VBD. */
struct xpvd_qstats;
struct xpvd_vbd_view {
	uint32_t domid, devid;
	const char *path;	/* the image as params names it; "" until
				 * it is opened */
	uint64_t size;		/* bytes, 0 until opened */
	bool readonly;
	/* The connections that ended plus the live queues. */
	const struct xpvd_qstats *stats;
};

/*
 * Calls fn for every device, domid < XPVD_ALL_DOMAINS only those of that
 * domain.  Main thread only; v is valid during the call.
 */
typedef void xpvd_devices_fn(void *opaque, const struct xpvd_vbd_view *v);
void xpvd_devices_foreach(struct xpvd_devices *m, uint32_t domid,
			  xpvd_devices_fn *fn, void *opaque);

#endif /* XENPVD_BACKEND_DEVICE_H */
