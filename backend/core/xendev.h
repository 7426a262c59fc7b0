/* SPDX-License-Identifier: MIT */
/*
 * xendev.h - the channel core: discovery of backend directories in
 * XenStore and one XenbusState machine per device, for every PV channel
 * (block, 9pfs, net).  It knows no wire format: a channel plugs in with
 * one ops table (struct xpvd_channel) and the backend types it serves.
 *
 * The daemon watches /local/domain/<self>/backend/<type> for each type it
 * serves (`type = vbd qdisk ...`); every event re-reads the directories
 * and the states of every device (an event only says "look again").  For
 * each backend directory it finds, the core:
 *   - checks frontend-id, applies the toolstack's xenpvd-* keys (conf.h),
 *     watches the frontend's state (and the keys the channel follows
 *     while connected, fe_keys);
 *   - lets the channel probe it (read the backend's keys, open what they
 *     name) and publish its features, in one transaction, then writes
 *     InitWait - once per start: a second InitWait hangs unpatched Linux
 *     frontends;
 *   - with a `script` node, waits for the hotplug script's
 *     hotplug-status = connected (error: fatal with hotplug-error), then
 *     lets the channel check that what it opened is what the script named;
 *   - when the frontend reaches the state the channel connects on
 *     (Initialised or Connected, or Connected only), lets it read the
 *     frontend's keys and start its workers; the channel says when it is
 *     Connected (xpvd_dev_connected());
 *   - follows the frontend through Closing and Closed (workers stopped
 *     first, without ever waiting for one on the main thread), and starts
 *     over when it does (Closed, then Initialising), as Linux's backends;
 *   - answers the toolstack's detach (online = 0 and Closing) with Closed,
 *     and never removes a backend directory (libxl does);
 *   - on a fatal error (xpvd_dev_fatal()) writes "<errno> <message>" to
 *     the `error` node and goes to Closing, for that device only;
 *   - at shutdown (SIGTERM) stops every worker, answering what is in
 *     flight, writes nothing to the store and leaves per device the
 *     channel's hand-over record in the state directory; a daemon that
 *     finds both ends Connected takes the device over with that record, or
 *     asks the frontend to reconnect (Closing) without one.
 *
 * Everything here runs on the main thread; channels' workers run on their
 * own threads and meet the core only through xpvd_dev_park() and the
 * reap eventfd.
 */
#ifndef XENPVD_BACKEND_CORE_XENDEV_H
#define XENPVD_BACKEND_CORE_XENDEV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <xenstore.h>

#include "conf.h"
#include "log.h"

struct xpvd_dev;
struct xpvd_devices;

/* The frontend states a channel connects on (struct xpvd_channel). */
#define XPVD_CONNECT_ON_INITIALISED	(1u << 0)
#define XPVD_CONNECT_ON_CONNECTED	(1u << 1)

/*
 * A channel: what the core calls, always on the main thread, with the
 * device's channel state at xpvd_dev_priv(d) (priv_size bytes, zeroed when
 * the directory is found, freed with the device).  A callback that fails
 * for a reason of the frontend's or the toolstack's calls
 * xpvd_dev_fatal() and returns its -errno; the core then does nothing
 * more for that device until the frontend starts over.
 */
struct xpvd_channel {
	const char *name;		/* "blk": log lines */
	const char *const *types;	/* backend types served, NULL-ended */
	const char *json_key;		/* stats array: "vbds" */
	size_t priv_size;
	unsigned int connect_on;	/* XPVD_CONNECT_ON_* */

	/*
	 * Reads the backend's keys and opens what they name; d's config
	 * (xpvd_dev_cfg()) holds the toolstack's per-device settings.
	 * Called before the first InitWait and again after release().
	 * 0 or -errno (after xpvd_dev_fatal(), or -ENOENT: not written
	 * yet, try at the next change).
	 */
	int (*probe)(struct xpvd_dev *d);
	/* Writes the features into the backend directory in transaction t
	 * (which may be run more than once).  0 or -errno. */
	int (*features)(struct xpvd_dev *d, struct xs_handle *xsh,
			xs_transaction_t t);
	/*
	 * Optional.  The hotplug script said `connected`: is what probe
	 * opened what the script checked and named?  0, or -errno after
	 * xpvd_dev_fatal() (the core then releases the device so that the
	 * next start opens afresh).  Asked once per probe.
	 */
	int (*hotplug_check)(struct xpvd_dev *d);
	/*
	 * Reads the frontend's keys, starts the workers and publishes what
	 * the frontend reads at Connected, then calls xpvd_dev_connected().
	 * record: NULL, or the hand-over record of the previous daemon
	 * (handoff below) to reattach to the running rings without writing
	 * anything.  0 or -errno after xpvd_dev_fatal(); with a record,
	 * -ESTALE (after xpvd_dev_fatal(): the rings are not the ones the
	 * record names) makes the frontend reconnect, and any other error
	 * is retried a second later.
	 */
	int (*connect)(struct xpvd_dev *d, const char *record);
	/*
	 * Asks every worker to stop, never waiting for one: each is given
	 * to xpvd_dev_park(), which reaps it once its thread has ended.
	 */
	void (*disconnect)(struct xpvd_dev *d);
	/* Whether a parked worker's thread has ended; then reap it (join,
	 * free, keep its counters).  worker_reap may block at shutdown. */
	bool (*worker_finished)(void *w);
	void (*worker_reap)(struct xpvd_dev *d, void *w);
	/*
	 * Shutdown: stops every worker (waiting for in-flight I/O to be
	 * answered) and writes into buf the record a successor needs to
	 * reattach, when every ring was left so that it can.  Its length,
	 * 0 for none (the successor then asks the frontend to reconnect),
	 * or -ENOSPC.
	 */
	int (*hand_over)(struct xpvd_dev *d, char *buf, size_t size);
	/* Closes what probe opened (no worker uses it any more). */
	void (*release)(struct xpvd_dev *d);
	/* Writes the device's statistics as JSON members (after the core's
	 * "domid", "devid" and "state"), without braces. */
	void (*stats_json)(struct xpvd_dev *d, FILE *f);
	/*
	 * Optional.  Keys of the frontend's directory (NULL-ended) that
	 * the frontend may change while connected, as netif's
	 * request-multicast-control: the core watches them from the first
	 * InitWait on, and calls fe_changed() after any of them may have
	 * changed while the device is connected (a watch event: re-read,
	 * it may be spurious, or fold several changes).  A change before
	 * connect() is what connect() reads, so none is missed.
	 */
	const char *const *fe_keys;
	void (*fe_changed)(struct xpvd_dev *d);
};

/* ---- for the daemon ---- */

/*
 * Connects to XenStore and watches backend/<type> for each type in
 * cfg->type (a space-separated list) with the channel that serves it
 * (chans, NULL-ended): the one whose types name it, or for "TYPE:NAME"
 * the channel called NAME (a directory of the operator's choosing).  0 and *out, or -errno (-EPROTONOSUPPORT: a type no
 * channel serves, named in the log).  The first scan happens on the first
 * dispatch.
 */
int xpvd_devices_open(const struct xpvd_config *cfg,
		      const struct xpvd_channel *const *chans,
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
 * while the daemon runs: a stuck disk stalls its own device only (its
 * Closed is written once its workers have ended).
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
 * daemon can take the devices over (see above).  NULL-safe.
 */
void xpvd_devices_close(struct xpvd_devices *m);

/* Writes {"<json_key>":[...],...} with every channel's devices. */
void xpvd_devices_stats_json(struct xpvd_devices *m, FILE *f);

/*
 * Calls fn for every device of channel chan, domid < XPVD_ALL_DOMAINS
 * only those of that domain.  Main thread only.
 */
typedef void xpvd_dev_fn(void *opaque, struct xpvd_dev *d);
void xpvd_devices_each(struct xpvd_devices *m,
		       const struct xpvd_channel *chan, uint32_t domid,
		       xpvd_dev_fn *fn, void *opaque);

/* ---- for channels ---- */

void *xpvd_dev_priv(const struct xpvd_dev *d);
uint32_t xpvd_dev_domid(const struct xpvd_dev *d);	/* the frontend's */
uint32_t xpvd_dev_devid(const struct xpvd_dev *d);
const char *xpvd_dev_type(const struct xpvd_dev *d);	/* "vbd" */
const char *xpvd_dev_be(const struct xpvd_dev *d);	/* backend dir */
const char *xpvd_dev_fe(const struct xpvd_dev *d);	/* frontend dir */
struct xs_handle *xpvd_dev_xsh(const struct xpvd_dev *d);
/* The daemon's configuration lowered by this device's xenpvd-* keys;
 * lives as long as the device (workers may point at it). */
const struct xpvd_config *xpvd_dev_cfg(const struct xpvd_dev *d);
/* The device's rate limit for what its guest can repeat at will. */
struct xpvd_ratelimit *xpvd_dev_rl(struct xpvd_dev *d);
/*
 * The eventfd a worker bumps when its thread ends (worker params), after
 * worker_finished() says so: the core reads the event and then asks
 * worker_finished() once, so a worker that bumped it first could be
 * missed for good.
 */
int xpvd_dev_reap_fd(const struct xpvd_dev *d);

/*
 * As Linux's xenbus_dev_fatal(): the `error` node ("<errno> <message>",
 * escaped), then Closing; the log line is rate-limited per device.
 * During a takeover it writes nothing (retried later).  Returns err.
 */
int xpvd_dev_fatal(struct xpvd_dev *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* From connect(): the device is connected; writes Connected (nothing
 * when reattaching). */
void xpvd_dev_connected(struct xpvd_dev *d);

/* From disconnect(): the core reaps w once its thread has ended. */
void xpvd_dev_park(struct xpvd_dev *d, void *w);

#endif /* XENPVD_BACKEND_CORE_XENDEV_H */
