/* SPDX-License-Identifier: MIT */
/*
 * netq.h - one queue of one vif: its tx and rx rings (one page each, as
 * Linux), one or two event channels, one TAP fd and the one thread that
 * serves them.
 *
 * TX (guest to TAP): the published requests are copied out of the ring
 * once, after reading req_prod and a read barrier, and parsed chain by
 * chain (nettx.h).  The frames' segments are brought into the queue's
 * preallocated buffer with one batched grant copy per batch of frames,
 * given their virtio-net header (netcsum.h) and written to the TAP, one
 * writev a frame.  Every consumed slot is answered exactly once, in ring
 * order, as nettx.h says; the batch's responses are pushed together and
 * the frontend notified when it asked.  A fatal chain stops the queue
 * (nothing more is consumed or answered), with one rate-limited log line
 * ("ring stopped, vif disabled") and the vif's `error` node.  A frame
 * whose grant copy fails is not sent: the slots whose copy failed are
 * answered XEN_NETIF_RSP_ERROR, its other slots OKAY (as Linux
 * netback's xenvif_tx_check_gop()).  Multicast control requests amend
 * the vif's list (netmcast.h): an add to a full list is answered ERROR.
 *
 * RX (TAP to guest): frames are read (readv: the 12-byte header, then
 * page-sized buffers of a recycled per-queue pool) only while the
 * frontend has posted buffers; a frame is planned over as many posted
 * buffers as it needs (netrx.h), the GSO extra right after its first
 * slot, the data grant-copied (one call per batch of frames), each
 * response in the ring slot of the request it answers, and a frame's
 * responses pushed together.  With multicast filtering on, a multicast
 * frame whose destination is not in the vif's list is dropped when read
 * (counted in rx_dropped).  A frame that needs more buffers than are
 * posted waits in the queue's backlog, and so do the frames read after
 * it, oldest delivered first when buffers come: up to 512 KiB of frame
 * bytes (half the rx ring's pages, Linux netback's rx_queue_max), then
 * the TAP is no longer read and its own queue (txqueuelen frames) holds
 * what comes and drops what overflows it, as the vif's queue does once
 * Linux netback stops it.  Frames after the first are read from the TAP
 * straight into the backlog: the one copy more is the first frame's,
 * read before its wait was known.  After drain_ms
 * without buffers the backlog and what the TAP queued are dropped (and
 * counted), and again every drain_ms; after stall_ms the vif's carrier
 * goes off until buffers come back (as Linux netback's rx stall).
 *
 * Nothing is allocated after xpvd_netq_start().  Stopping never blocks:
 * the thread ends at its next wake-up and bumps done_fd.
 */
#ifndef XENPVD_BACKEND_NET_NETQ_H
#define XENPVD_BACKEND_NET_NETQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <xenstore.h>

#include "log.h"
#include "netcsum.h"
#include "netmcast.h"
#include "platform.h"


/* What every queue of a vif shares (owned by the vif). */
struct xpvd_netvif_shared {
	int carrier_fd;			/* a TAP fd for TUNSETCARRIER */
	unsigned int stalled;		/* atomic: queues in rx stall */
	unsigned int disabled;		/* atomic: a queue went fatal */
	/*
	 * Multicast control (netmcast.h): the list any queue's tx amends
	 * and every queue's rx applies when mcast_filter is set (the
	 * frontend's request-multicast-control, read at connect and
	 * whenever the frontend changes it: the owner stores it, the
	 * queues load it, atomically).  The owner empties the list and
	 * sets mcast_filter before starting the queues; mcast_lock guards
	 * the list (set to PTHREAD_MUTEX_INITIALIZER there too).
	 */
	bool mcast_filter;
	pthread_mutex_t mcast_lock;
	struct xpvd_netmcast mcast;
};

struct xpvd_netq_params {
	const struct xpv_platform *plat;
	struct xs_handle *xsh;		/* for the `error` node */
	const char *be;			/* backend directory */
	xpv_domid_t domid;		/* the frontend's */
	uint32_t devid;
	unsigned int idx;		/* queue number */
	xpv_gref_t tx_ref, rx_ref;
	xpv_port_t tx_port, rx_port;	/* equal: one event channel */
	int tap_fd;			/* borrowed: the vif's */
	struct xpvd_netrx_feat rxfeat;	/* what the frontend takes */
	/* Without rx buffers: drop what waited drain_ms, carrier off
	 * after stall_ms (conf.h; both > 0). */
	uint32_t drain_ms, stall_ms;
	struct xpvd_netvif_shared *shared;
	int done_fd;			/* eventfd bumped at the end, or -1 */
	/*
	 * Restart: attach where the previous daemon left both rings (at
	 * their shared rsp_prod, which must equal these, from its
	 * hand-over record: else -ESTALE, the rings were served since).
	 */
	bool reattach;
	uint32_t tx_rsp_prod, rx_rsp_prod;
};

/* Counters, each written by the queue's thread only. */
struct xpvd_netq_stats {
	uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
	uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
	uint64_t fatal;			/* 1 once the queue was stopped */
	uint64_t rx_backlog_max;	/* most bytes the rx backlog held */
};

struct xpvd_netq;

/*
 * Maps the rings, binds the event channel(s) and starts the thread.
 * 0 and *out, or -errno with nothing left: -EINVAL bad geometry, the
 * map's error for a ring (a bad grant), the bind's for a port,
 * -ENOMEM.
 */
int xpvd_netq_start(const struct xpvd_netq_params *p, struct xpvd_netq **out);

/* Asks the thread to stop; never blocks. */
void xpvd_netq_request_stop(struct xpvd_netq *q);

/* Whether the thread has ended. */
bool xpvd_netq_finished(const struct xpvd_netq *q);

/*
 * Asks the thread to stop and waits until it has ended: it ends at its
 * next wake-up, as it never blocks but in poll(), so the wait is short.
 * After it, the queue no longer touches its TAP fd or its rings; it is
 * still to be reaped.  Idempotent; main thread only.
 */
void xpvd_netq_join(struct xpvd_netq *q);

/* Joins the thread (blocks until it ends), unmaps, unbinds, frees.
 * NULL-safe. */
void xpvd_netq_reap(struct xpvd_netq *q);

/* What a successor needs to take a queue over (its rings as the
 * frontend named them, and where each ring's responses stopped). */
struct xpvd_netq_handoff {
	xpv_gref_t tx_ref, rx_ref;
	xpv_port_t tx_port, rx_port;
	uint32_t tx_rsp_prod, rx_rsp_prod;
};

/*
 * After the thread has ended: the queue's hand-over (for a successor's
 * xpvd_netq_params.reattach).  0, -EBUSY while it runs, -EIO when the
 * rings were not left so that a successor can go on: the queue went
 * fatal, or a consumed request is unanswered.  Frames read from the TAP
 * and not yet delivered are lost: the backlog's (up to 512 KiB, only
 * while the guest was short of rx buffers).
 */
int xpvd_netq_handoff(const struct xpvd_netq *q, struct xpvd_netq_handoff *h);

/* A snapshot of the counters (any thread). */
void xpvd_netq_stats(const struct xpvd_netq *q, struct xpvd_netq_stats *st);

#endif /* XENPVD_BACKEND_NET_NETQ_H */
