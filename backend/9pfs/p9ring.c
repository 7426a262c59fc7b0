/* SPDX-License-Identifier: MIT */
/*
 * p9ring.c - one 9pfs ring served by a pool of executor threads (see
 * p9ring.h for the guarantees).
 *
 * Threads: `threads` executors each take one message at a time, and an
 * event thread (the timer below; at the stop it joins the executors).
 * Leader/followers: of the idle executors, one, the leader, polls the
 * event channel (and kick_fd, stop_fd); the others, followers, sleep on
 * cv_work.  The leader that takes an event runs the message it finds
 * itself (no hand-off to a dispatcher) and wakes a follower to lead in
 * its place, so that an event is seen while an executor is free: a slow
 * Tread does not hold up what comes next.  A follower woken that way
 * looks at the ring first: under load it takes the next message without
 * ever polling.  An executor that takes a message and sees another queued
 * behind it wakes a follower too (or, if none sleeps, kicks the leader).
 * When every executor is busy nobody polls: the event stays pending (the
 * fd stays readable), the frontend's further notifications wake nobody
 * here (the port is pending), and every executor looks at the ring
 * before it waits.
 *
 * One quick message at a time (the sequential case from the page cache:
 * nothing queued behind the message taken, every other executor asleep,
 * and the last such message done within QUICK_NS), the hand-off would
 * wake a follower per message for nothing; the leader keeps the lead
 * instead, to take it back when done, and the event thread watches: at
 * each tick (TICK_MS) while messages run, nobody polls and followers
 * sleep, it checks that messages are still being taken, and when none was
 * since the tick before, it wakes a follower to lead.  So a slow request
 * holds up the next one for two ticks at most, and only after a quick
 * one: when lone messages are slow (disk reads, or anything under
 * emulation) every take hands on, since there the next message would wait
 * for the watch.
 *
 * Measured (README, "9pfs on the simulated platform"), against every idle
 * executor waiting on the event channel (epoll, exclusive wake-ups: no
 * hand-off, but each frontend notification wakes an executor at once,
 * which takes the event and makes the next notification a real one): on
 * the simulated platform, 32 4 KiB reads in flight +15-20%, sequential
 * reads the same; a hand-off at every take gave +35% there but sequential
 * reads -15%.  On real Xen (Linux frontend, emulated) the same within the
 * noise; keeping the lead without timing lone messages lost a quarter of
 * the 4 KiB reads of 4 fio jobs.
 *
 * A reply that finds no room in the in ring waits in poll() on the event
 * channel and room_fd; the leader polls the event channel too, and only
 * one of the two takes an event: the leader, when a reply waits for
 * room, kicks room_fd; the room waiter that took one hands the look at
 * the ring on (it may have announced a message).
 *
 * Two locks:
 *   lk      the consumer side (out ring: private cons, pins, published
 *           out_cons), the broken/stopping flags, the leader, the
 *           followers, the busy and take counts, quick, and cv_work
 *           (room_waiting is atomic: see wait_room());
 *   prod_lk the producer side, held from a reply's reserve() to its
 *           commit(): one reply is written at a time, at the ring's tail.
 * Order: prod_lk before lk, never the reverse.
 *
 * Notifications: every published reply notifies, and announces every
 * out_cons advance published before it.  An advance alone matters only to
 * a frontend waiting for room (ours waits for any event), which it may be
 * only when, before the advance, the room left was less than the largest
 * message (msize): otherwise the advance is left to the next reply.
 * When it may be waiting, the advance is announced by the next reply or,
 * if none comes within TICK_MS (a slow request: a Tlock may wait for a
 * message the frontend cannot send yet), by the event thread's timer.
 * That saves the frontend a wake-up per message, and costs a frontend
 * whose msize is the whole ring (any advance may matter) at most one
 * timerfd_settime() and one event-thread wake-up per TICK_MS.
 *
 * Linux (net/9p/trans_xen.c, 6.1 and later) never wakes from a wait for
 * room: p9_xen_request() sleeps killable, its event handler wakes only
 * interruptible sleepers.  What keeps a Linux guest going is that every
 * message's bytes are given back before its reply is published (a
 * Twrite's when written, the others' when copied out), so a frontend that
 * sends once it has its replies finds the room they took.  Answering a
 * Twrite before its payload is written (write-behind) would break that:
 * at msize 512 KiB (half of Linux's ring), the next Twrite would fill the
 * ring and any other request sent meanwhile would wait forever.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "barrier.h"
#include "p9ring.h"
#include "p9wire.h"
#include "ring-flex.h"

/* The event thread's tick: how long an out_cons advance that may matter
 * waits for a reply to announce it, and the watch's period (see above). */
#define TICK_MS 1
/* A lone message this quick lets the next lone one keep the lead. */
#define QUICK_NS 200000u
/* Messages of one ring a Tflush may cancel before they are taken. */
#define CANCEL_MAX 8

/*
 * The rings of one connection, so that a Tflush on one ring can find the
 * message it flushes still unread in another (see reply_flush()).  Each
 * ring holds a reference and leaves its slot, under lk, before it is
 * freed: a scan, which holds lk throughout, never meets a freed ring.
 */
struct xpvd_p9group {
	pthread_mutex_t lk;
	unsigned int refs;
	unsigned int n;
	struct xpvd_p9ring *ring[];
};

/* What an executor is doing, seen by the consumer side. */
struct exec {
	struct xpvd_p9ring *r;
	pthread_t thr;
	bool started;
	uint8_t *buf;		/* the message's private copy (ring size) */
	struct iovec data[2];	/* Twrite payload, in the ring */
	int ndata;
	bool pinned;		/* [pin, pin + pin_len) still unconsumed */
	uint32_t pin;
	uint32_t pin_len;
	size_t reserved;	/* reply room reserved, 0 when none */
	uint64_t lone_t0;	/* its lone message's start (ns), or 0 */
	struct p9_inflight inflight;	/* its message, from take() */
	bool tracked;		/* inflight is in the session's set */
};

struct xpvd_p9ring {
	struct xpvd_p9ring_params p;
	struct p9_session *sess;	/* from xpvd_p9ring_run() */
	char name[48];
	const struct xpv_platform *plat;
	struct xpv_gnt *gnt;
	struct xpv_evtchn *evt;
	int evfd;			/* evt's pollable fd */
	int port;
	void *intf;
	void *data;
	unsigned int order;
	uint32_t npages;
	struct xpv_flex in, out;	/* in: to the frontend */

	pthread_mutex_t lk;
	uint32_t out_cons;		/* next byte to take (private) */
	bool room_waiting;		/* atomic: a reply waits for room */
	bool leader;			/* an executor polls (wait_work()) */
	unsigned int followers;		/* executors asleep on cv_work */
	unsigned int busy;		/* executors running a message */
	unsigned long takes;		/* messages taken, ever */
	unsigned long takes_seen;	/* by the event thread's last watch */
	bool quick;			/* the last lone message was quick */
	pthread_cond_t cv_work;
	uint32_t out_pub;		/* out_cons as published */
	int cons_unsent;		/* atomic: out_pub not yet notified */
	bool broken;
	bool stopping;
	/* Flushed before taken: dropped unread when their turn comes. */
	struct {
		uint32_t pos;		/* free-running index of the header */
		uint16_t tag;
	} cancel[CANCEL_MAX];
	unsigned int ncancel;
	struct xpvd_p9group *group;	/* NULL when not in one */

	pthread_mutex_t prod_lk;
	uint32_t in_prod;		/* our producer index (private) */

	/* The platform's event channel handles are not thread-safe: every
	 * call on evt is made under this lock. */
	pthread_mutex_t evt_lk;

	int stop_fd;
	int kick_fd;			/* eventfd: leader, look at the ring */
	int room_fd;			/* eventfd: the room waiter, look */
	int timer_fd;			/* timerfd: announce out_cons (above) */
	bool timer_armed;		/* atomic: timer_fd will fire */
	pthread_t evthr;
	bool evthr_started;
	bool finished;
	struct exec ex[XPVD_P9_MAX_THREADS];
};

static bool is_stopping(struct xpvd_p9ring *r)
{
	return __atomic_load_n(&r->stopping, __ATOMIC_ACQUIRE);
}

/* Any notify also announces every out_cons published before it. */
static void notify(struct xpvd_p9ring *r)
{
	/* An exchange, not a store: reading the publisher's 1 orders its
	 * out_cons write before this notify. */
	(void)__atomic_exchange_n(&r->cons_unsent, 0, __ATOMIC_ACQ_REL);
	pthread_mutex_lock(&r->evt_lk);
	r->plat->evtchn->notify(r->evt, (xpv_port_t)r->port);
	pthread_mutex_unlock(&r->evt_lk);
}

/* Wakes the thread waiting on eventfd fd (kick_fd: the leader; room_fd:
 * the room waiter).  The counter is read back to 0 by whoever
 * wakes; it cannot reach its maximum. */
static void kick(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0)
		return; /* EAGAIN: already readable, someone will look */
}

/* Takes a kick back (a woken thread, before it looks). */
static void unkick(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0)
		return; /* EAGAIN: another thread took it */
}

/*
 * After setting cons_unsent, or after a take the watch covers (under lk,
 * hand_on_take()): arms the event thread's timer for TICK_MS from
 * now, unless it is armed already (it fires within that time anyway).
 * The event thread clears timer_armed before it looks at cons_unsent and
 * (under lk) at the takes, and we wrote those before we look at
 * timer_armed: one of us sees the other's write, so the advance is
 * announced and the message watched.  False when the timer cannot be
 * armed: the caller acts at once instead.
 */
static bool arm_timer(struct xpvd_p9ring *r)
{
	struct itimerspec its = {
		.it_value = {.tv_nsec = TICK_MS * 1000000L},
	};

	if (__atomic_exchange_n(&r->timer_armed, true, __ATOMIC_SEQ_CST))
		return true;
	if (timerfd_settime(r->timer_fd, 0, &its, NULL) < 0) {
		__atomic_store_n(&r->timer_armed, false, __ATOMIC_SEQ_CST);
		return false;
	}
	return true;
}

/* Under lk.  Logged once per ring (rate-limited per device).  Every
 * waiting thread wakes and leaves. */
static void ring_broken(struct xpvd_p9ring *r, const char *what,
			unsigned long v)
{
	if (r->broken)
		return;
	__atomic_store_n(&r->broken, true, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&r->cv_work);
	kick(r->kick_fd);
	kick(r->room_fd);
	xpvd_log_guest_at(LOG_WARNING, r->p.rl, XPVD_C_IO,
			  "%s: %s (%lu): ring stopped", r->name, what, v);
}

/* Copies len bytes at free-running index idx of ring f to buf. */
static void ring_copy_out(const struct xpv_flex *f, uint32_t idx, void *buf,
			  size_t len)
{
	uint32_t off = idx & (f->size - 1);
	size_t first = f->size - off;

	if (first > len)
		first = len;
	memcpy(buf, f->data + off, first);
	memcpy((uint8_t *)buf + first, f->data, len - first);
}

/* The ring's bytes [idx, idx + len) as at most two iovecs; the count. */
static int ring_iov(const struct xpv_flex *f, uint32_t idx, size_t len,
		    struct iovec iov[2])
{
	uint32_t off = idx & (f->size - 1);
	size_t first = f->size - off;

	iov[0].iov_base = f->data + off;
	if (len <= first) {
		iov[0].iov_len = len;
		return len ? 1 : 0;
	}
	iov[0].iov_len = first;
	iov[1].iov_base = f->data;
	iov[1].iov_len = len - first;
	return 2;
}

/* ---- consumer side (the out ring), under lk ---- */

/*
 * Publishes out_cons: up to the oldest message whose payload is still
 * being written, or everything taken.  Returns whether it moved.
 */
static bool publish_cons(struct xpvd_p9ring *r)
{
	uint32_t cons = r->out_cons, best = r->out_cons - r->out_pub;
	unsigned int i;

	for (i = 0; i < r->p.threads; i++) {
		const struct exec *e = &r->ex[i];

		if (e->pinned && e->pin - r->out_pub < best) {
			best = e->pin - r->out_pub;
			cons = e->pin;
		}
	}
	if (cons == r->out_pub)
		return false;
	/* Our reads of the bytes before cons (copies, pwritev) are done
	 * before the frontend may reuse them. */
	xpv_mb();
	xpv_write_once_u32(r->out.cons, cons);
	r->out_pub = cons;
	return true;
}

/* Under lk: whether the message at out_cons (header hdr) was cancelled
 * by a Tflush; its entry is removed. */
static bool cancelled(struct xpvd_p9ring *r, const uint8_t *hdr)
{
	unsigned int i;
	uint16_t tag;

	for (i = 0; i < r->ncancel; i++) {
		if (r->cancel[i].pos != r->out_cons)
			continue;
		tag = r->cancel[i].tag;
		r->cancel[i] = r->cancel[--r->ncancel];
		/* The guest may have rewritten it since: then it runs. */
		return p9_le_get(hdr + 5, 2) == tag;
	}
	return false;
}

/*
 * Takes the next whole message for e: 1 taken (e->buf holds it, or its
 * Twrite header with e->data the payload in place), 2 one dropped (a
 * flushed one: look again), 0 none yet, -1 the ring is broken.  *size is
 * the message's size; *tight whether the frontend may be waiting for room
 * (less than a largest message was free before this take): then the
 * caller announces the bytes it consumes at once.
 */
static int take(struct xpvd_p9ring *r, struct exec *e, uint32_t *size,
		bool *tight)
{
	const uint32_t ring = r->out.size;
	uint32_t prod, queued, msize, limit;
	uint8_t hdr[P9_HDR_SIZE];

	prod = xpv_read_once_u32(r->out.prod);
	/* The producer index before the bytes it covers (pairs with the
	 * frontend's write barrier before out_prod). */
	xpv_rmb();
	if (prod - r->out_pub > ring) {
		ring_broken(r, "out_prod beyond the ring", prod - r->out_pub);
		return -1;
	}
	queued = prod - r->out_cons;
	if (queued > prod - r->out_pub) {
		ring_broken(r, "out_prod went back", r->out_cons - prod);
		return -1;
	}
	if (queued < P9_HDR_SIZE)
		return 0;
	ring_copy_out(&r->out, r->out_cons, hdr, sizeof(hdr));
	msize = (uint32_t)p9_le_get(hdr, 4);
	limit = p9_session_msize(r->sess);
	if (!limit || limit > ring)
		limit = ring;
	if (msize < P9_HDR_SIZE || msize > limit) {
		ring_broken(r, "bad message size", msize);
		return -1;
	}
	*tight = ring - (prod - r->out_pub) < limit;
	/* The header may be visible before the rest: wait for it (the
	 * frontend notifies when it writes more). */
	if (queued < msize)
		return 0;
	if (r->ncancel && cancelled(r, hdr)) {
		/* Flushed: consumed unread, never answered (9P lets the
		 * server drop a flushed request); the caller announces the
		 * room. */
		r->out_cons += msize;
		publish_cons(r);
		return 2;
	}
	/* In flight from now, under lk: a Tflush behind it (taken next by
	 * another executor) waits for its reply. */
	e->tracked = p9_inflight_begin(r->sess, &e->inflight, hdr);
	e->ndata = 0;
	e->pinned = false;
	if (hdr[4] == P9_TWRITE && msize > P9_TWRITE_HDR) {
		ring_copy_out(&r->out, r->out_cons, e->buf, P9_TWRITE_HDR);
		e->ndata = ring_iov(&r->out, r->out_cons + P9_TWRITE_HDR,
				    msize - P9_TWRITE_HDR, e->data);
		e->pinned = true;
		e->pin = r->out_cons;
		e->pin_len = msize;
	} else {
		ring_copy_out(&r->out, r->out_cons, e->buf, msize);
	}
	r->out_cons += msize;
	*size = msize;
	return 1;
}

/* ---- waiting ---- */

/*
 * Takes the pending event, if any: whether there was one.  The platform
 * masks a port it reports until it is unmasked; each ring's handle has
 * one port bound, so one read takes everything (a port is queued once
 * while masked), and an event after the unmask makes the fd readable
 * again.
 */
static bool take_event(struct xpvd_p9ring *r)
{
	int port;

	pthread_mutex_lock(&r->evt_lk);
	port = r->plat->evtchn->pending(r->evt);
	if (port >= 0)
		r->plat->evtchn->unmask(r->evt, (xpv_port_t)port);
	pthread_mutex_unlock(&r->evt_lk);
	return port >= 0;
}

/* An event channel that fails would make every wait return at once:
 * stop the ring rather than spin. */
static void evt_failed(struct xpvd_p9ring *r, unsigned long why)
{
	pthread_mutex_lock(&r->lk);
	ring_broken(r, "event channel error", why);
	pthread_mutex_unlock(&r->lk);
}

/*
 * Under lk: someone should look at the ring (a message is queued, or
 * the leader left to run one): a follower, if one sleeps, else the
 * leader, if one polls.  Nobody idle: each looks before it waits.
 */
static void hand_on(struct xpvd_p9ring *r, bool more)
{
	if (r->followers && (more || !r->leader))
		pthread_cond_signal(&r->cv_work);
	else if (more && r->leader)
		kick(r->kick_fd);
}

/*
 * Under lk, after e's take (busy counts it): hand_on(), except for a
 * lone message (nothing queued behind it, every other executor asleep:
 * one message at a time) when the last lone one was quick (under
 * QUICK_NS): then e keeps the lead for when it is done, sparing the
 * frontend a wake-up per message, and the event thread's watch (watch())
 * hands it on if this one turns out slow.  Lone messages are timed: while
 * they are slow (a disk read, or everything under emulation) the lead
 * is handed on at once, as a message that waits for the watch would wait
 * for as long as it takes.  Returns whether the watch is needed.
 */
static bool hand_on_take(struct xpvd_p9ring *r, struct exec *e, bool more)
{
	e->lone_t0 = 0;
	if (!more && !r->leader && r->followers &&
	    r->followers + 1 == r->p.threads) {
		e->lone_t0 = p9_now_ns();
		if (r->quick)
			return true;
	}
	hand_on(r, more);
	return false;
}

/*
 * The event thread, under lk, at a timer expiry: when messages run, no
 * executor polls and some sleep, and no message was taken since the last
 * expiry (a request has been running for over TICK_MS), a follower
 * leads.  Returns whether to look again at the next expiry.
 */
static bool watch(struct xpvd_p9ring *r)
{
	if (!r->busy || r->leader || !r->followers)
		return false;
	if (r->takes == r->takes_seen) {
		pthread_cond_signal(&r->cv_work);
		return false;
	}
	r->takes_seen = r->takes;
	return true;
}

/*
 * lk not held: polls the event channel, own (kick_fd or room_fd: this
 * thread's eventfd) and the stop, and takes a kick on own and the event.
 * An event channel (or poll) that fails would make every wait return at
 * once: the ring stops instead.  Returns whether it took an event.
 */
static bool poll_event(struct xpvd_p9ring *r, int own)
{
	struct pollfd pfd[3] = {
		{.fd = r->evfd, .events = POLLIN},
		{.fd = own, .events = POLLIN},
		{.fd = r->stop_fd, .events = POLLIN},
	};

	if (poll(pfd, 3, -1) < 0) {
		if (errno != EINTR)
			evt_failed(r, (unsigned long)errno);
		return false;
	}
	if (pfd[1].revents & POLLIN)
		unkick(own);
	if (pfd[0].revents & (POLLERR | POLLNVAL)) {
		evt_failed(r, (unsigned long)pfd[0].revents);
		return false;
	}
	return (pfd[0].revents & POLLIN) && take_event(r);
}

/*
 * An idle executor, under lk: as a follower, sleeps on cv_work; as the
 * leader (when none polls), polls the event channel, kick_fd and the
 * stop, and takes the event or the kick.  Returns under lk; the caller
 * looks at the ring and the flags again.
 */
static void wait_work(struct xpvd_p9ring *r)
{
	if (r->leader) {
		r->followers++;
		pthread_cond_wait(&r->cv_work, &r->lk);
		r->followers--;
		return;
	}
	r->leader = true;
	pthread_mutex_unlock(&r->lk);
	if (poll_event(r, r->kick_fd)) {
		/* It may have been the frontend making room: the event
		 * taken before the look (see wait_room()). */
		xpv_mb();
		if (__atomic_load_n(&r->room_waiting, __ATOMIC_RELAXED))
			kick(r->room_fd);
	}
	pthread_mutex_lock(&r->lk);
	r->leader = false;
}

/*
 * A reply without room (under lk, with prod_lk, so one at a time): waits
 * until an event, a room kick or the stop.  The caller set room_waiting,
 * then a full barrier, then looked at in_cons; an executor takes an
 * event, then a full barrier, then looks at room_waiting.  So if the
 * caller's look missed the room an event announced, the executor that
 * took that event sees room_waiting and kicks room_fd.  Returns under
 * lk; the caller looks again.
 */
static void wait_room(struct xpvd_p9ring *r)
{
	bool took;

	pthread_mutex_unlock(&r->lk);
	took = poll_event(r, r->room_fd);
	pthread_mutex_lock(&r->lk);
	/* The leader, woken by the same event, may find it gone: it may
	 * have announced a message, so someone looks. */
	if (took)
		hand_on(r, true);
}

/* ---- producer side (the in ring): the server's reply ops ---- */

static int reply_reserve(void *opaque, size_t max, struct iovec iov[2])
{
	struct exec *e = opaque;
	struct xpvd_p9ring *r = e->r;
	uint32_t cons, used;

	if (max > r->in.size)
		return -EMSGSIZE;
	pthread_mutex_lock(&r->prod_lk);
	pthread_mutex_lock(&r->lk);
	/* A Twrite's payload has been written by now (the server reserves
	 * only when its reply is ready, p9srv.h): its bytes go back to the
	 * frontend, announced by this reply's notify. */
	if (e->pinned) {
		e->pinned = false;
		if (publish_cons(r))
			__atomic_store_n(&r->cons_unsent, 1, __ATOMIC_RELEASE);
	}
	for (;;) {
		if (r->broken || r->stopping)
			break;
		/* Before in_cons is read: see wait_room(). */
		__atomic_store_n(&r->room_waiting, true, __ATOMIC_RELAXED);
		xpv_mb();
		cons = xpv_read_once_u32(r->in.cons);
		/* in_cons before we write over what it freed. */
		xpv_mb();
		used = r->in_prod - cons;
		if (used > r->in.size) {
			ring_broken(r, "in_cons beyond what was produced",
				    used);
			break;
		}
		if (r->in.size - used >= max)
			break;
		wait_room(r);
	}
	__atomic_store_n(&r->room_waiting, false, __ATOMIC_RELAXED);
	if (r->broken || r->stopping) {
		pthread_mutex_unlock(&r->lk);
		pthread_mutex_unlock(&r->prod_lk);
		return -ESHUTDOWN;
	}
	pthread_mutex_unlock(&r->lk);
	e->reserved = max;
	return ring_iov(&r->in, r->in_prod, max, iov);
}

static void reply_commit(void *opaque, size_t len)
{
	struct exec *e = opaque;
	struct xpvd_p9ring *r = e->r;

	if (len > e->reserved)
		len = e->reserved;	/* a server bug; never past the room */
	e->reserved = 0;
	if (len) {
		/* The whole reply before in_prod: a Linux frontend reads
		 * `size` bytes as soon as it sees the header. */
		xpv_wmb();
		r->in_prod += (uint32_t)len;
		xpv_write_once_u32(r->in.prod, r->in_prod);
	}
	pthread_mutex_unlock(&r->prod_lk);
	/* No reply (room given back): still announce a Twrite's bytes. */
	if (len || __atomic_load_n(&r->cons_unsent, __ATOMIC_ACQUIRE))
		notify(r);
}

/*
 * Under x's lk: looks for a message tagged tag among the bytes x's
 * frontend published and no executor took yet; if there is one, it is
 * marked to be dropped unread.  1 cancelled, 0 not there (or no slot
 * left to remember it: then it runs and is answered).
 */
static int cancel_untaken(struct xpvd_p9ring *x, uint16_t tag)
{
	uint32_t prod, pos, size;
	uint8_t hdr[P9_HDR_SIZE];

	prod = xpv_read_once_u32(x->out.prod);
	xpv_rmb();
	if (x->broken || prod - x->out_pub > x->out.size)
		return 0;	/* take() says what is wrong */
	for (pos = x->out_cons; prod - pos >= P9_HDR_SIZE; pos += size) {
		ring_copy_out(&x->out, pos, hdr, sizeof(hdr));
		size = (uint32_t)p9_le_get(hdr, 4);
		if (size < P9_HDR_SIZE || size > x->out.size)
			return 0;
		if (hdr[4] != P9_TFLUSH && p9_le_get(hdr + 5, 2) == tag) {
			if (x->ncancel == CANCEL_MAX)
				return 0;
			x->cancel[x->ncancel].pos = pos;
			x->cancel[x->ncancel].tag = tag;
			x->ncancel++;
			return 1;
		}
		if (size > prod - pos)
			return 0;	/* the rest of it is not there yet */
	}
	return 0;
}

/*
 * A Tflush of oldtag (p9_reply_ops.flush): the message it flushes may
 * still be unread in a ring, ours or another, published before the
 * Tflush but not taken yet (every executor of that ring busy); answered
 * Rflush at once, it would run later and be answered after the Rflush,
 * when the client may already have given oldtag to a new request.  So it
 * is dropped unread instead.  The one message found, as 9P tags are
 * unique among a client's outstanding requests.
 */
static int reply_flush(void *opaque, uint16_t oldtag)
{
	struct exec *e = opaque;
	struct xpvd_p9group *g = e->r->group;
	struct xpvd_p9ring *x;
	unsigned int i;
	int found = 0;

	if (!g)
		return 0;
	pthread_mutex_lock(&g->lk);
	for (i = 0; i < g->n && !found; i++) {
		x = g->ring[i];
		if (!x)
			continue;
		pthread_mutex_lock(&x->lk);
		found = cancel_untaken(x, oldtag);
		pthread_mutex_unlock(&x->lk);
	}
	pthread_mutex_unlock(&g->lk);
	if (found)
		xpvd_dbg(XPVD_C_IO, "%s: tag %u flushed before it was read",
			 e->r->name, oldtag);
	return found;
}

static const struct p9_reply_ops reply_ops = {
	.reserve = reply_reserve,
	.commit = reply_commit,
	.flush = reply_flush,
};

/* ---- threads ---- */

static void *exec_main(void *arg)
{
	struct exec *e = arg;
	struct xpvd_p9ring *r = e->r;
	struct p9_req rq;
	uint64_t taken;
	uint32_t size;
	bool moved, watched, tight = false;
	int got;

	(void)p9_thread_prepare();
	pthread_mutex_lock(&r->lk);
	for (;;) {
		if (r->broken || r->stopping)
			break;
		got = take(r, e, &size, &tight);
		if (got < 0)
			break;
		if (got == 2) {
			pthread_mutex_unlock(&r->lk);
			notify(r);
			pthread_mutex_lock(&r->lk);
			continue;
		}
		if (got == 0) {
			wait_work(r);
			continue;
		}
		taken = p9_now_ns();
		/* Copied out: the frontend may reuse those bytes (all but a
		 * Twrite's, pinned until written). */
		moved = publish_cons(r) && tight;
		/* A follower leads in our place, or takes the message queued
		 * behind this one while this one runs.  out_prod read again
		 * only as that hint: take() validates what it takes. */
		r->busy++;
		r->takes++;
		watched = hand_on_take(r, e,
				       xpv_read_once_u32(r->out.prod) -
						       r->out_cons >=
					       P9_HDR_SIZE);
		pthread_mutex_unlock(&r->lk);
		if (watched && !arm_timer(r)) {
			pthread_mutex_lock(&r->lk);
			hand_on(r, false);
			pthread_mutex_unlock(&r->lk);
		}
		/* An advance the frontend may wait for: announced by the
		 * next reply's notify() (which clears cons_unsent) or, if
		 * none comes first, by the timer (armed unless it is). */
		if (moved) {
			__atomic_store_n(&r->cons_unsent, 1, __ATOMIC_SEQ_CST);
			if (!arm_timer(r))
				notify(r); /* now rather than never */
		}

		rq.msg = e->buf;
		rq.size = size;
		rq.len = e->ndata ? P9_TWRITE_HDR : size;
		rq.data = e->data;
		rq.ndata = e->ndata;
		rq.inflight = e->tracked ? &e->inflight : NULL;
		rq.taken_ns = taken;
		p9_handle(r->sess, &rq, &reply_ops, e);

		pthread_mutex_lock(&r->lk);
		r->busy--;
		if (e->lone_t0)
			r->quick = p9_now_ns() - e->lone_t0 < QUICK_NS;
		if (e->pinned) {
			e->pinned = false;
			if (publish_cons(r)) {
				pthread_mutex_unlock(&r->lk);
				notify(r);
				pthread_mutex_lock(&r->lk);
			}
		}
	}
	pthread_mutex_unlock(&r->lk);
	return NULL;
}

/*
 * Waits for the stop, at each tick on the way (timer_fd) announcing the
 * out_cons advances no reply announced in time and watching a lone
 * message (watch()), then waits for the executors (the leader polls
 * stop_fd as well, followers are woken with the stop).  stop_fd is never
 * read: it stays readable, so a thread that waits after the stop sees it
 * too.
 */
static void *event_main(void *arg)
{
	struct xpvd_p9ring *r = arg;
	struct pollfd pfd[2];
	unsigned int i;
	bool again;
	uint64_t v;

	pfd[0].fd = r->stop_fd;
	pfd[1].fd = r->timer_fd;
	pfd[0].events = pfd[1].events = POLLIN;
	while (!is_stopping(r)) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!(pfd[1].revents & POLLIN))
			continue;
		if (read(r->timer_fd, &v, sizeof(v)) < 0)
			v = 0; /* EAGAIN: nothing expired after all */
		__atomic_store_n(&r->timer_armed, false, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&r->cons_unsent, __ATOMIC_SEQ_CST))
			notify(r);
		pthread_mutex_lock(&r->lk);
		again = watch(r);
		pthread_mutex_unlock(&r->lk);
		if (again && !arm_timer(r)) {
			pthread_mutex_lock(&r->lk);
			hand_on(r, false);
			pthread_mutex_unlock(&r->lk);
		}
	}
	/* Executors waiting for work or room see `stopping`; one in the
	 * middle of a request finishes it. */
	for (i = 0; i < r->p.threads; i++)
		if (r->ex[i].started)
			pthread_join(r->ex[i].thr, NULL);
	__atomic_store_n(&r->finished, true, __ATOMIC_RELEASE);
	if (r->p.done_fd >= 0) {
		v = 1;
		if (write(r->p.done_fd, &v, sizeof(v)) < 0)
			v = 0; /* the counter is saturated: still readable */
	}
	return NULL;
}

/* ---- start and stop ---- */

int xpvd_p9group_new(unsigned int n, struct xpvd_p9group **out)
{
	struct xpvd_p9group *g;

	g = calloc(1, sizeof(*g) + n * sizeof(g->ring[0]));
	if (!g)
		return -ENOMEM;
	pthread_mutex_init(&g->lk, NULL);
	g->refs = 1;
	g->n = n;
	*out = g;
	return 0;
}

void xpvd_p9group_put(struct xpvd_p9group *g)
{
	bool last;

	if (!g)
		return;
	pthread_mutex_lock(&g->lk);
	last = !--g->refs;
	pthread_mutex_unlock(&g->lk);
	if (!last)
		return;
	pthread_mutex_destroy(&g->lk);
	free(g);
}

static void destroy(struct xpvd_p9ring *r)
{
	const struct xpv_platform *plat = r->plat;
	unsigned int i;

	/* Out of the group first: a scan holds g->lk while it looks. */
	if (r->group) {
		pthread_mutex_lock(&r->group->lk);
		if (r->p.idx < r->group->n && r->group->ring[r->p.idx] == r)
			r->group->ring[r->p.idx] = NULL;
		pthread_mutex_unlock(&r->group->lk);
		xpvd_p9group_put(r->group);
	}

	for (i = 0; i < XPVD_P9_MAX_THREADS; i++) {
		if (r->ex[i].buf)
			munmap(r->ex[i].buf, r->out.size);
	}
	if (r->port >= 0)
		plat->evtchn->unbind(r->evt, (xpv_port_t)r->port);
	plat->evtchn->close(r->evt);
	if (r->data)
		plat->gnt->unmap(r->gnt, r->data, r->npages);
	if (r->intf)
		plat->gnt->unmap(r->gnt, r->intf, 1);
	plat->gnt->close(r->gnt);
	if (r->stop_fd >= 0)
		close(r->stop_fd);
	if (r->kick_fd >= 0)
		close(r->kick_fd);
	if (r->room_fd >= 0)
		close(r->room_fd);
	if (r->timer_fd >= 0)
		close(r->timer_fd);
	pthread_mutex_destroy(&r->lk);
	pthread_mutex_destroy(&r->prod_lk);
	pthread_mutex_destroy(&r->evt_lk);
	pthread_cond_destroy(&r->cv_work);
	free(r);
}

int xpvd_p9ring_start(const struct xpvd_p9ring_params *p,
		      struct xpvd_p9ring **out)
{
	const struct xpv_platform *plat = p->plat;
	uint32_t refs[1u << XPV_9PFS_MAX_ORDER];
	struct xpvd_p9ring *r;
	unsigned int i;
	int err;

	if (!p->threads || p->threads > XPVD_P9_MAX_THREADS ||
	    p->max_order < XPV_9PFS_MIN_ORDER ||
	    p->max_order > XPV_9PFS_MAX_ORDER)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->p = *p;
	r->plat = plat;
	r->port = -1;
	r->stop_fd = r->kick_fd = r->room_fd = r->timer_fd = -1;
	pthread_mutex_init(&r->lk, NULL);
	pthread_mutex_init(&r->prod_lk, NULL);
	pthread_mutex_init(&r->evt_lk, NULL);
	pthread_cond_init(&r->cv_work, NULL);
	snprintf(r->name, sizeof(r->name), "9pfs %u/%u ring %u", p->domid,
		 p->devid, p->idx);

	err = plat->gnt->open(&r->gnt);
	if (err)
		goto fail;
	plat->gnt->set_max_grants(r->gnt, 1 + (1u << p->max_order));
	err = plat->gnt->map(r->gnt, p->domid, 1, &p->ref, 1, &r->intf);
	if (err) {
		r->intf = NULL;
		goto fail;
	}
	/* ring_order and ref[] read once, into private memory. */
	err = xpv_9pfs_intf_read(r->intf, p->max_order, refs);
	if (err < 0)
		goto fail;
	r->order = (unsigned int)err;
	r->npages = 1u << r->order;
	err = plat->gnt->map(r->gnt, p->domid, r->npages, refs, 1, &r->data);
	if (err) {
		r->data = NULL;
		goto fail;
	}
	err = xpv_9pfs_rings(r->intf, r->data, r->order, &r->in, &r->out);
	if (err)
		goto fail;
	/* Where the previous connection (or a fresh frontend) left them. */
	r->in_prod = xpv_read_once_u32(r->in.prod);
	r->out_cons = r->out_pub = xpv_read_once_u32(r->out.cons);
	err = plat->evtchn->open(&r->evt);
	if (err)
		goto fail;
	r->evfd = plat->evtchn->fd(r->evt);
	err = plat->evtchn->bind_interdomain(r->evt, p->domid, p->remote_port);
	if (err < 0)
		goto fail;
	r->port = err;
	for (i = 0; i < p->threads; i++) {
		/* Touched only as large messages come. */
		r->ex[i].buf = mmap(NULL, r->out.size, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (r->ex[i].buf == MAP_FAILED) {
			r->ex[i].buf = NULL;
			err = -ENOMEM;
			goto fail;
		}
		r->ex[i].r = r;
	}
	r->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->room_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->timer_fd = timerfd_create(CLOCK_MONOTONIC,
				     TFD_CLOEXEC | TFD_NONBLOCK);
	if (r->stop_fd < 0 || r->kick_fd < 0 || r->room_fd < 0 ||
	    r->timer_fd < 0) {
		err = -errno;
		goto fail;
	}
	xpvd_dbg(XPVD_C_IO, "%s: mapped: order %u", r->name, r->order);
	*out = r;
	return 0;

fail:
	destroy(r);
	return err;
}

int xpvd_p9ring_run(struct xpvd_p9ring *r, struct p9_session *sess,
		    struct xpvd_p9group *g)
{
	unsigned int i;
	int err = 0;

	r->sess = sess;
	if (g && r->p.idx < g->n) {
		pthread_mutex_lock(&g->lk);
		g->ring[r->p.idx] = r;
		g->refs++;
		pthread_mutex_unlock(&g->lk);
		r->group = g;
	}
	for (i = 0; i < r->p.threads; i++) {
		err = -pthread_create(&r->ex[i].thr, NULL, exec_main,
				      &r->ex[i]);
		if (err)
			break;
		r->ex[i].started = true;
	}
	if (!err)
		err = -pthread_create(&r->evthr, NULL, event_main, r);
	if (err) {
		pthread_mutex_lock(&r->lk);
		__atomic_store_n(&r->stopping, true, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&r->cv_work);
		pthread_mutex_unlock(&r->lk);
		kick(r->stop_fd);
		for (i = 0; i < r->p.threads; i++)
			if (r->ex[i].started)
				pthread_join(r->ex[i].thr, NULL);
		return err;
	}
	r->evthr_started = true;
	return 0;
}

void xpvd_p9ring_request_stop(struct xpvd_p9ring *r)
{
	uint64_t one = 1;

	if (!r || !r->evthr_started || is_stopping(r))
		return;
	pthread_mutex_lock(&r->lk);
	__atomic_store_n(&r->stopping, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&r->cv_work);
	pthread_mutex_unlock(&r->lk);
	if (write(r->stop_fd, &one, sizeof(one)) < 0)
		xpvd_dbg(XPVD_C_IO, "%s: stop kick failed", r->name);
}

bool xpvd_p9ring_finished(const struct xpvd_p9ring *r)
{
	return !r->evthr_started ||
	       __atomic_load_n(&r->finished, __ATOMIC_ACQUIRE);
}

void xpvd_p9ring_reap(struct xpvd_p9ring *r)
{
	if (!r)
		return;
	if (r->evthr_started) {
		xpvd_p9ring_request_stop(r);
		pthread_join(r->evthr, NULL);
	}
	destroy(r);
}

struct p9_session *xpvd_p9ring_session(const struct xpvd_p9ring *r)
{
	return r->sess;
}

uint32_t xpvd_p9ring_size(const struct xpvd_p9ring *r)
{
	return r->out.size;
}

unsigned int xpvd_p9ring_order(const struct xpvd_p9ring *r)
{
	return r->order;
}

bool xpvd_p9ring_broken(const struct xpvd_p9ring *r)
{
	return __atomic_load_n(&r->broken, __ATOMIC_RELAXED);
}
