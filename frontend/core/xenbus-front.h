/* SPDX-License-Identifier: MIT */
/*
 * xenbus-front.h - the frontend core of libxenpvfront: one Xen frontend
 * device, whatever its channel (vbd, 9pfs, vif).
 *
 * The core finds the device in XenStore, follows its backend's XenbusState
 * and drives ours: it makes a backend left connected by an earlier user let
 * go, waits for InitWait, writes the frontend's keys in one transaction
 * after removing the stale ones of any earlier connection, switches to
 * Connected, follows the backend through Closing and Closed and connects
 * again when it comes back, and runs the close handshake.  It owns the
 * device's hypervisor handles: granted areas and page pools
 * (grant-pool.h) and event channels, all through the platform ops.
 *
 * A channel embeds a struct front_dev in its handle and plugs in with a
 * struct front_ops.  The core never names a channel's keys or wire format
 * (the stale keys it removes are the channel's list).
 *
 * Guarantees:
 * - The frontend's keys and its state (Initialised, or Connected for a
 *   channel that skips Initialised, as netfront does) are written in one
 *   transaction, after the keys of any earlier connection are removed, so
 *   the backend never sees a mix.
 * - Every watch event is treated as "look again": the backend's state is
 *   re-read and acted on, never taken as a delta.
 * - A backend that goes away (Closing, Closed, or back to InitWait) is
 *   followed: the channel consumes what was answered, takes back the rest
 *   and gives back its rings; the next connection starts from InitWait.
 *   A backend that restarts without leaving Connected is simply waited for.
 * - Areas the peer still maps when they end are kept and retried
 *   (grant-pool.h).
 *
 * Threads: a device is used from one thread at a time.  Every hook runs on
 * the thread that called the core function that runs it, never
 * concurrently with another hook of the same device.  The core never logs;
 * it returns -errno.
 */
#ifndef XENPVD_FRONTEND_CORE_XENBUS_FRONT_H
#define XENPVD_FRONTEND_CORE_XENBUS_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform.h"
#include "xs-util.h"
#include "xs-watch.h"

#include "grant-pool.h"

/* Areas whose end failed (the peer still mapped them), kept for retry. */
#define FRONT_MAX_ZOMBIES 64u
/* Room for "/local/domain/<domid>/device/<type>/<devid>". */
#define FRONT_DIR_MAX 96u

/* Our view of the connection. */
enum front_state {
	FS_RESET,	/* told a stale backend to close; waiting for it */
	FS_INIT,	/* waiting for the backend's InitWait */
	FS_INITIALISED,	/* keys written; waiting for Connected */
	FS_CONNECTED,
	FS_CLOSING,	/* backend closing: rings kept until it is Closed */
	FS_CLOSED,	/* rings gone; waiting for InitWait again */
	FS_GONE,	/* the device was removed */
};

struct front_dev;

/*
 * A node the core removes from the frontend's directory before the
 * channel writes its keys: name itself when count is 0, else name<i> for
 * every i < count ("queue-" 16: queue-0 .. queue-15, with what is below).
 */
struct front_stale_key {
	const char *name;
	unsigned int count;
};

/*
 * How a channel plugs in.  Append-only; size is sizeof(struct front_ops)
 * of the channel.  Hooks marked optional may be NULL.
 *
 * A connection, as the core runs it from front_dev_connect() and
 * front_dev_events():
 *
 *   backend InitWait    prepare(), then one transaction: the stale keys
 *                       removed, write_keys(), our state := keys_state
 *   backend Connected   connect(), our state := Connected, issue()
 *   backend Closing     harvest(), our state := Closed (the rings stay
 *                       until the backend is Closed: it may still answer)
 *   backend left        harvest(), disconnect(); back to waiting for
 *   (Closed, InitWait,  InitWait (asked for again from Closed); a backend
 *   Initialising...)    that is gone from the store, or Closed with
 *                       online = 0, makes the device gone
 *   device gone         harvest(), state FS_GONE, gone(err)
 *
 * Failure: a prepare(), write_keys() or connect() that fails (or a store
 * write around them) fails the connection attempt.  Before the first
 * connection the machine stays where it was and the error is returned (the
 * channel's open then fails and closes); after one, the device is gone:
 * harvest() and gone(err) run.  Either way the channel must release what a
 * failed prepare() or connect() half built, from gone() or its own close.
 *
 * After disconnect() and gone() the core retries the zombie areas.
 *
 * Hooks never log; those that can fail return 0 or -errno.  harvest() and
 * issue() may run while the channel has no rings (before InitWait, after a
 * disconnect): they then do nothing.  A hook may complete the channel's
 * requests and so run its users' callbacks; those must not re-enter
 * front_dev_events(), front_dev_connect() or the close functions (the
 * channel's API forbids the equivalent to its users).
 */
struct front_ops {
	size_t size;
	/* The state written with the keys: XenbusStateInitialised, or
	 * XenbusStateConnected for a channel that goes straight there. */
	XenbusState keys_state;
	/* Removed before write_keys(); ends with a NULL name. */
	const struct front_stale_key *stale_keys;

	/*
	 * The backend is in InitWait: read its offers (every value hostile:
	 * nonsense in an offer means "not offered"), grant the rings
	 * (front_area_share()) and allocate the event channels
	 * (front_evtchn_alloc()).  0 or -errno.
	 */
	int (*prepare)(struct front_dev *d);
	/*
	 * Inside the keys transaction t: write the frontend's keys below
	 * d->fe_dir (through d->xsh and t).  May run several times (the
	 * transaction is retried on conflict), so it only writes, from what
	 * prepare() made.  0 or -errno.
	 */
	int (*write_keys)(struct front_dev *d, xs_transaction_t t);
	/*
	 * The backend is Connected: read the keys it publishes at connect
	 * time (checked; nonsense is -EPROTO), make the page pools.  The core
	 * then says Connected.  0 or -errno.
	 */
	int (*connect)(struct front_dev *d);
	/* Optional.  Connected (fs is FS_CONNECTED), and while the close
	 * handshake drains: put queued work on the rings. */
	void (*issue)(struct front_dev *d);
	/*
	 * Consume what the backend has answered on the rings, which stay.
	 * Runs before we say Closed to a Closing backend, before
	 * disconnect() and gone(), and while the close handshake waits.
	 */
	void (*harvest)(struct front_dev *d);
	/*
	 * The connection is over: take back what is in flight (to issue it
	 * on the next connection, under its limits), end the rings' grants
	 * (front_area_end()) and free the event channels.
	 */
	void (*disconnect)(struct front_dev *d);
	/*
	 * The device is gone (removed, offline, or a reconnection failed):
	 * fs is already FS_GONE, so nothing new is accepted.  Fail what is
	 * queued or in flight with err, release rings and ports.
	 */
	void (*gone)(struct front_dev *d, int err);
	/* Optional (NULL: always idle).  Whether nothing is in flight: the
	 * close handshake's drain waits for it. */
	bool (*idle)(struct front_dev *d);
};

/*
 * A frontend device.  The channel reads these fields; it writes only
 * closing.  Everything else belongs to the core.
 */
struct front_dev {
	const struct front_ops *ops;
	const struct xpv_platform *pf;
	struct xs_handle *xsh;
	struct xpv_xs_watcher *watcher;
	struct xpv_evtchn *evtchn;
	struct xpv_gntshr *gntshr;
	int epfd;		/* epoll: the watch and the event channels */
	bool watch_set;

	unsigned int domid, devid, be_domid;
	char fe_dir[FRONT_DIR_MAX];
	char be_dir[XENSTORE_ABS_PATH_MAX + 1];

	enum front_state fs;
	bool be_changed;	/* watch fired: re-read */
	/* Set by the channel when its handle starts closing: the core stops
	 * following the backend (the close handshake does the rest). */
	bool closing;
	/* Connections made (our state went to Connected), ever. */
	unsigned int connects;

	struct front_area zombies[FRONT_MAX_ZOMBIES];
	unsigned int nr_zombies;
};

/* CLOCK_MONOTONIC in milliseconds. */
int64_t front_now_ms(void);

/*
 * Makes d an empty device of channel ops (nothing opened): front_dev_close()
 * may follow at once.  Call it before anything that can fail.
 */
void front_dev_init(struct front_dev *d, const struct front_ops *ops);

/*
 * Finds device devid of type ("vbd", "9pfs", "vif") of domain domid
 * (XPVF_DOMID_SELF: ours, from the store's "domid", or on the sim platform
 * from XENPV_SIM_DOMID), reads its backend's path and domain, opens the
 * platform's handles on pf and watches the backend's state.  Nothing is
 * written to the store.  0, or -errno: -ENOENT when the device does not
 * exist, -EPROTO for a backend path that is not absolute, -EINVAL for a
 * bad domid, -ENAMETOOLONG for a type that does not fit FRONT_DIR_MAX; the
 * device is then half open: front_dev_close() it.
 */
int front_dev_open(struct front_dev *d, const struct xpv_platform *pf,
		   const char *type, unsigned int domid, unsigned int devid);

/*
 * Starts the connection from the states the store holds (a backend still
 * Initialised, Connected or Closing from an earlier user is first told to
 * let go) and runs it until Connected.  0; -ETIMEDOUT at deadline
 * (front_now_ms() time); -ENODEV when the device went away; or the -errno
 * of a failed attempt (see struct front_ops).
 */
int front_dev_connect(struct front_dev *d, int64_t deadline);

/*
 * Waits up to timeout_ms (0: not at all, < 0: forever) for d->epfd, then
 * dispatches the watch events and clears the event-channel notifications
 * that are pending (the channel's rings are read by harvest() or the
 * channel's own calls, not here), and, unless closing, moves the machine
 * when the backend's state may have changed, running the hooks.  0, or
 * -errno: a failed reconnection (the device is then gone) or a store
 * connection that failed.
 */
int front_dev_events(struct front_dev *d, int timeout_ms);

/*
 * The close handshake, for a channel whose rings the backend may have
 * seen: when drain is set and we are connected, first waits until idle()
 * (running harvest() and issue()); then says Closing, waits for the
 * backend to follow, says Closed and waits for it again.  Every wait ends
 * at deadline.  harvest() runs while waiting, so answers still complete.
 */
void front_dev_close_handshake(struct front_dev *d, bool drain,
			       int64_t deadline);

/*
 * Releases what front_dev_open() opened (retrying zombie areas first).
 * The channel has released its rings, pools and ports.  Accepts a device
 * only front_dev_init() made, or a half-open one; idempotent.
 */
void front_dev_close(struct front_dev *d);

/* ---- event channels ---- */

/* Allocates a port the backend domain binds to.  The port or -errno. */
int front_evtchn_alloc(struct front_dev *d);
/* Frees a port of front_evtchn_alloc(); a negative port is none. */
void front_evtchn_free(struct front_dev *d, int port);
/* Notifies the backend through port (data path: no allocation). */
void front_evtchn_notify(struct front_dev *d, int port);

#endif /* XENPVD_FRONTEND_CORE_XENBUS_FRONT_H */
