/* SPDX-License-Identifier: MIT */
/*
 * p9ring.h - one ring of one 9pfs device: its interface page and data
 * pages, its event channel and the threads that serve its requests with
 * the 9P server (p9srv.h).
 *
 * Guarantees:
 * - Requests run concurrently: `threads` executors take messages off the
 *   ring in order and run them at once, so a slow Tread, Tfsync or Tlock
 *   does not hold up a Tgetattr sent after it (for two milliseconds at
 *   most, when it came alone after quick ones: p9ring.c); replies go out
 *   in the order they are ready (9P matches them by tag).  QEMU and
 *   xen-9pfsd serve one request per ring at a time.
 * - Every message is copied out of the ring before the server looks at it,
 *   except a Twrite's payload, which goes from the ring to the file in one
 *   pwritev (no copy in between): that message's bytes stay unconsumed
 *   (out_cons does not pass them) until the write is done.
 * - A reply's room is reserved in the `in` ring only when the reply is
 *   ready, and in_prod is published only when the whole reply is there (a
 *   Linux frontend reads `size` bytes as soon as it sees a header).  No
 *   room: the reply waits for the frontend to consume (never truncated,
 *   never dropped, never written over unconsumed bytes).
 * - The frontend is notified after every reply published, and after
 *   out_cons advances when it may be waiting for room (when less than
 *   msize was free before), by the next reply or within a millisecond,
 *   whichever comes first.  Other advances are announced by the next
 *   reply.  A message's bytes are given back before its reply is
 *   published: Linux never wakes from a wait for room (p9ring.c), so a
 *   frontend that sends once it has its replies must find their room.
 * - A producer index beyond the ring, a message size below 7 or above the
 *   session's msize (the ring size before Tversion), or an in_cons beyond
 *   what we produced breaks the ring: it is logged once (rate-limited per
 *   device) and served no more; nothing of the message is executed.  The
 *   device's other rings and devices are unaffected.
 * - Stopping (xpvd_p9ring_request_stop()) never blocks: executors finish
 *   their request (a reply that finds no room is dropped), the thread
 *   bumps done_fd when all are gone.
 */
#ifndef XENPVD_BACKEND_9PFS_P9RING_H
#define XENPVD_BACKEND_9PFS_P9RING_H

#include <stdbool.h>
#include <stdint.h>

#include "log.h"
#include "p9srv.h"
#include "platform.h"

#define XPVD_P9_MAX_THREADS 64u

struct xpvd_p9ring_params {
	const struct xpv_platform *plat;
	struct xpvd_ratelimit *rl;	/* the device's, for guest errors */
	xpv_domid_t domid;		/* the frontend's */
	uint32_t devid;
	unsigned int idx;		/* ring number */
	xpv_gref_t ref;			/* the interface page */
	xpv_port_t remote_port;
	unsigned int max_order;		/* what we offered (<= 9) */
	unsigned int threads;		/* executors, 1..XPVD_P9_MAX_THREADS */
	int done_fd;			/* eventfd bumped at the end, or -1 */
};

struct xpvd_p9ring;

/*
 * Maps the interface page, reads ring_order once (-EINVAL outside
 * 1..max_order), maps the data pages, binds the event channel and
 * allocates each executor's message buffer.  0 and *out, or -errno with
 * nothing left behind.  Serves nothing until xpvd_p9ring_run().
 */
int xpvd_p9ring_start(const struct xpvd_p9ring_params *p,
		      struct xpvd_p9ring **out);

/*
 * The rings of one connection (n slots, by ring number): a Tflush on one
 * ring finds the message it flushes in another before that is read.
 * Made with one reference (the caller's, xpvd_p9group_put()); each ring
 * run in it holds one until it is reaped.
 */
struct xpvd_p9group;
int xpvd_p9group_new(unsigned int n, struct xpvd_p9group **out);
void xpvd_p9group_put(struct xpvd_p9group *g);

/*
 * Starts the threads, serving sess (shared by the device's rings, made
 * once every ring's order is known: its msize cannot exceed the smallest
 * ring), as ring p.idx of group g (NULL: none).  0 or -errno (then reap
 * it as a stopped ring).
 */
int xpvd_p9ring_run(struct xpvd_p9ring *r, struct p9_session *sess,
		    struct xpvd_p9group *g);

/* The session xpvd_p9ring_run() gave, or NULL if it never ran. */
struct p9_session *xpvd_p9ring_session(const struct xpvd_p9ring *r);

/* Bytes of each direction of the ring. */
uint32_t xpvd_p9ring_size(const struct xpvd_p9ring *r);

/* Asks every thread to stop; never blocks.  NULL-safe, idempotent. */
void xpvd_p9ring_request_stop(struct xpvd_p9ring *r);

/* Whether every thread has ended. */
bool xpvd_p9ring_finished(const struct xpvd_p9ring *r);

/* Joins the threads (blocks until they end), unmaps, frees.  NULL-safe. */
void xpvd_p9ring_reap(struct xpvd_p9ring *r);

/* The ring's order, and whether it broke (counters for statistics). */
unsigned int xpvd_p9ring_order(const struct xpvd_p9ring *r);
bool xpvd_p9ring_broken(const struct xpvd_p9ring *r);

#endif /* XENPVD_BACKEND_9PFS_P9RING_H */
