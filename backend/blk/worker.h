/* SPDX-License-Identifier: MIT */
/*
 * worker.h - one queue of one VBD: its shared ring, its event channel, its
 * I/O queue and the thread that serves them.
 *
 * Guarantees:
 * - A worker shares nothing on the data path with any other worker but
 *   its VBD's buffer budget (two atomic counters): its own grant handle,
 *   event channel handle, I/O queue, persistent grant cache, request slots
 *   and buffers, all allocated when it starts.  The steady-state data path
 *   never allocates.
 * - The copy and bounce buffers of the workers of one VBD (domid, devid)
 *   hold at most its buffer budget (cfg->buffer_budget MiB, as the first
 *   of them was given), plus one request per queue (a queue with nothing
 *   in flight always takes one); a request beyond it waits in the ring.
 *   Idle buffers above a quarter of it go back to the kernel when their
 *   request is answered.
 * - Every request is copied out of the shared ring once, then validated
 *   (blkreq.h); indirect descriptor pages are copied into private memory
 *   (out of their persistent grant mapping when persistent grants are
 *   negotiated, else by grant copy) before they are looked at.  Every
 *   consumed request is answered exactly once (unless the ring is broken:
 *   then the worker answers what it has in flight and consumes nothing
 *   more).
 * - A request's data grants are unmapped (or unpinned) before its
 *   response is produced; responses are pushed once per batch and the
 *   frontend is notified only when its event index asks for it.
 * - Stopping stops consuming, finishes in-flight I/O, pushes the
 *   responses, notifies, then unmaps everything: it never touches XenStore,
 *   so the frontend can be served again by a restarted daemon.
 * - Stopping never has to block the caller: xpvd_worker_request_stop()
 *   only asks; the thread bumps done_fd when it has finished (a stuck disk
 *   may take forever), and xpvd_worker_reap() then joins it at once.
 * - A restarted worker (reattach) serves the requests already waiting
 *   without an event and notifies the frontend once it is bound.
 */
#ifndef XENPVD_BACKEND_WORKER_H
#define XENPVD_BACKEND_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "blkif.h"
#include "blkreq.h"
#include "platform.h"
#include "stats.h"
#include "storage.h"
#include "conf.h"
#include "log.h"

struct xpvd_worker_params {
	const struct xpvd_config *cfg;
	struct xpv_disk *disk;		/* outlives the worker */
	xpv_domid_t domid;		/* the frontend's domain */
	uint32_t devid;
	unsigned int qidx;
	enum xpv_blkif_abi abi;
	unsigned int nr_pages;		/* 1, 2, 4, 8, 16 */
	xpv_gref_t ring_refs[XPV_RING_MAX_PAGES];
	xpv_port_t remote_port;
	bool persistent;		/* negotiated with this frontend */
	bool reattach;			/* restart: attach at rsp_prod */
	bool check_rsp_prod;		/* reattach only where rsp_prod is */
	uint32_t rsp_prod;		/* (else -ESTALE) */
	struct xpvd_blk_limits lim;
	int done_fd;			/* eventfd bumped when the thread
					 * ends (see below), or -1 */
};

struct xpvd_worker;

/*
 * Maps the ring, binds the event channel, preallocates everything and
 * starts the thread.  0 and *out, or -errno (nothing left behind).  The
 * -errno says what failed: -EINVAL bad geometry, the map's error for the
 * ring (a bad grant), the bind's error for the port, -ENOMEM.
 */
int xpvd_worker_start(const struct xpvd_worker_params *p,
		      struct xpvd_worker **out);

/* Asks the thread to stop (see above); never blocks.  NULL-safe,
 * idempotent. */
void xpvd_worker_request_stop(struct xpvd_worker *w);

/* Whether the thread has ended (after a stop request, or never started). */
bool xpvd_worker_finished(const struct xpvd_worker *w);

/*
 * After the thread ended: 0 and the ring's final rsp_prod when the worker
 * left the ring so that another backend may attach at rsp_prod (every
 * consumed request answered and pushed, the ring not broken); -EIO when it
 * did not, -EBUSY while the thread runs.
 */
int xpvd_worker_handoff(const struct xpvd_worker *w, uint32_t *rsp_prod);

/*
 * Joins the thread (blocks until it ends: call it after a stop request,
 * once xpvd_worker_finished() says so, or when blocking is fine) and frees
 * the worker; when acc is not NULL, first adds its final counters into it.
 * NULL-safe.
 */
void xpvd_worker_reap(struct xpvd_worker *w, struct xpvd_qstats *acc);

/* xpvd_worker_request_stop() then xpvd_worker_reap(): blocks. */
void xpvd_worker_stop(struct xpvd_worker *w, struct xpvd_qstats *acc);

/* The worker's statistics (live; see stats.h for the reading rules). */
const struct xpvd_qstats *xpvd_worker_stats(const struct xpvd_worker *w);

/* The storage engine in use ("uring" or "psync"). */
const char *xpvd_worker_engine(const struct xpvd_worker *w);

#endif /* XENPVD_BACKEND_WORKER_H */
