/* SPDX-License-Identifier: MIT */
/*
 * blk.h - the block channel (blkback): what the channel core (xendev.h)
 * calls for a VBD under backend/vbd, backend/qdisk or backend/vbd3.
 *
 * probe opens the disk `params` names (raw images and block devices;
 * `mode`, `discard-enable`); features publishes indirect segments, ring
 * order, queues, persistent grants, flush, barrier and discard; the
 * hotplug check compares the open disk with physical-device and
 * physical-device-path; connect reads the frontend's protocol, queues,
 * ring-page-order, ring-refs, event channels and feature-persistent,
 * starts one worker per queue (worker.h) and publishes sectors, info,
 * sector-size and physical-sector-size.
 *
 * Choices where the frontend's values are wrong:
 *   - `protocol` absent: the native ABI (what the spec says; Linux blkback
 *     assumes x86_32 on x86, but every frontend we know writes it);
 *   - `protocol` unknown, `ring-page-order` above max-ring-page-order,
 *     `multi-queue-num-queues` 0 or above multi-queue-max-queues, a
 *     missing or malformed ring-ref or event-channel: fatal (error node,
 *     Closing);
 *   - `feature-persistent` malformed: off.
 */
#ifndef XENPVD_BACKEND_BLK_BLK_H
#define XENPVD_BACKEND_BLK_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "xendev.h"

extern const struct xpvd_channel xpvd_blk_channel;

/* What xpvd_blk_foreach() shows of one VBD. */
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
 * Calls fn for every VBD, domid < XPVD_ALL_DOMAINS only those of that
 * domain.  Main thread only; v is valid during the call.
 */
typedef void xpvd_vbd_fn(void *opaque, const struct xpvd_vbd_view *v);
void xpvd_blk_foreach(struct xpvd_devices *m, uint32_t domid,
		      xpvd_vbd_fn *fn, void *opaque);

#endif /* XENPVD_BACKEND_BLK_BLK_H */
