/* SPDX-License-Identifier: MIT */
/*
 * xs-watch.h - XenStore watch dispatch and XenbusState waiting.
 *
 * A watcher owns the watch events of one struct xs_handle: callers register
 * (path, token, callback, opaque) and, when the watcher's fd is readable,
 * call xpv_xs_watcher_dispatch(), which runs the callbacks of the events
 * that are pending.  Nothing else may call xs_watch()/xs_read_watch() on
 * that handle (the watcher would drop events it does not know).
 *
 * Watch semantics, which every callback must respect:
 *   - a watch fires once as soon as it is set, whether the path exists or
 *     not;
 *   - it fires for the path and for anything below it (the event names the
 *     node that changed, which may be a child of the registered path);
 *   - it may fire spuriously, and several changes may be folded into one
 *     event, or one change reported after the value changed again.
 * So an event only says "look again": a callback re-reads the state it
 * cares about and acts on what it reads, never on the event as a delta.
 *
 * Threads: a watcher is not thread-safe; use it from one thread.  Callbacks
 * run on the dispatching thread and may add and remove watches (their own
 * included) and read or write the store; they must not close the watcher.
 * Allocation happens when a watch is added, never while dispatching beyond
 * libxenstore's own.  Functions return 0, a count or -errno and never log.
 */
#ifndef XENPVD_XENSTORE_XS_WATCH_H
#define XENPVD_XENSTORE_XS_WATCH_H

#include <xenstore.h>

#include "xs-parse.h"

/* Upper bound of events handled by one xpv_xs_watcher_dispatch() call. */
#define XPV_XS_DISPATCH_MAX 64

/* The bit of a XenbusState in a wait mask. */
#define XPV_XS_STATE_BIT(s) (1u << (unsigned int)(s))

struct xpv_xs_watcher;

/*
 * path: the node that changed (the registered path or one below it);
 * token: the registered token.  Both are valid during the call only.
 */
typedef void xpv_xs_watch_fn(void *opaque, const char *path, const char *token);

/*
 * Creates a watcher for xsh (which stays the caller's: close the watcher
 * first).  0 and *w, or -errno.
 */
int xpv_xs_watcher_open(struct xs_handle *xsh, struct xpv_xs_watcher **w);
/* Removes every watch and frees the watcher.  NULL is fine. */
void xpv_xs_watcher_close(struct xpv_xs_watcher *w);

/*
 * The fd to poll for POLLIN: readable while events are pending (it stays
 * readable when a dispatch stopped at XPV_XS_DISPATCH_MAX).
 */
int xpv_xs_watcher_fd(const struct xpv_xs_watcher *w);

/*
 * Sets a watch on path (and below) and calls fn(opaque, ...) for its
 * events.  The same (path, token) twice is -EEXIST; one token for
 * different paths is allowed, each registration then sees only events
 * under its own path.  The first event arrives right away (see above).
 * 0 or -errno (-ENOMEM, the store's -EACCES, -E2BIG for too many watches).
 */
int xpv_xs_watch_add(struct xpv_xs_watcher *w, const char *path,
		     const char *token, xpv_xs_watch_fn *fn, void *opaque);

/*
 * Removes the (path, token) watch: its callback is not called any more,
 * even for events already pending.  -ENOENT when not registered; otherwise
 * 0 or the store's -errno (the registration is gone either way).
 */
int xpv_xs_watch_remove(struct xpv_xs_watcher *w, const char *path,
			const char *token);

/*
 * Without blocking, handles the pending events (at most
 * XPV_XS_DISPATCH_MAX): runs the callbacks of the registrations whose
 * token matches and whose path is the event's path or a parent of it.
 * Events for unknown or removed watches are dropped.  Returns the number
 * of events read (0 if none), or -errno if the connection failed.
 */
int xpv_xs_watcher_dispatch(struct xpv_xs_watcher *w);

/*
 * Waits until "<dir>/state" holds a state whose bit (XPV_XS_STATE_BIT) is
 * in mask, dispatching every other watch of w meanwhile.  An absent key
 * counts as XenbusStateUnknown (bit 0: wait for the node to go); a
 * malformed value matches nothing.  timeout_ms < 0 waits forever.  0 and
 * *state (may be NULL), -ETIMEDOUT, or -errno.  For tools, tests and
 * synchronous set-up paths: a daemon's main loop dispatches instead.  May
 * be called from a callback (it dispatches recursively).
 */
int xpv_xs_wait_state(struct xpv_xs_watcher *w, const char *dir,
		      unsigned int mask, int timeout_ms, XenbusState *state);

#endif /* XENPVD_XENSTORE_XS_WATCH_H */
