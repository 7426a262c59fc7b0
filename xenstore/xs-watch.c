/* SPDX-License-Identifier: MIT */
/*
 * xs-watch.c - watch dispatch over one libxenstore handle (see xs-watch.h).
 *
 * Registrations live in a singly linked list.  Callbacks may add and remove
 * registrations while we walk it, so removal during a dispatch only marks
 * the entry dead (it is skipped from then on) and the list is swept when
 * the outermost dispatch returns; entries are only freed at depth 0.
 *
 * libxenstore queues events in its reader thread and keeps a pipe readable
 * (xs_fileno) until its queue is empty, which is why a dispatch may stop
 * after XPV_XS_DISPATCH_MAX events without losing the wake-up.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xs-util.h"
#include "xs-watch.h"

struct watch {
	struct watch *next;
	char *path;
	char *token;
	xpv_xs_watch_fn *fn;
	void *opaque;
	bool dead;
};

struct xpv_xs_watcher {
	struct xs_handle *xsh;
	int fd;
	struct watch *head;
	unsigned int depth;    /* nesting of dispatch calls */
	unsigned int wait_seq; /* makes xpv_xs_wait_state() tokens unique */
};

static int xs_err(void)
{
	return errno > 0 ? -errno : -EIO;
}

static void watch_free(struct watch *e)
{
	free(e->path);
	free(e->token);
	free(e);
}

int xpv_xs_watcher_open(struct xs_handle *xsh, struct xpv_xs_watcher **out)
{
	struct xpv_xs_watcher *w;
	int r;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!xsh)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->xsh = xsh;
	errno = 0;
	w->fd = xs_fileno(xsh); /* creates libxenstore's watch pipe */
	if (w->fd < 0) {
		r = xs_err();
		free(w);
		return r;
	}
	*out = w;
	return 0;
}

void xpv_xs_watcher_close(struct xpv_xs_watcher *w)
{
	struct watch *e, *next;

	if (!w)
		return;
	for (e = w->head; e; e = next) {
		next = e->next;
		if (!e->dead)
			xs_unwatch(w->xsh, e->path, e->token);
		watch_free(e);
	}
	free(w);
}

int xpv_xs_watcher_fd(const struct xpv_xs_watcher *w)
{
	return w ? w->fd : -EINVAL;
}

static struct watch *find_live(struct xpv_xs_watcher *w, const char *path,
			       const char *token)
{
	struct watch *e;

	for (e = w->head; e; e = e->next)
		if (!e->dead && strcmp(e->path, path) == 0 &&
		    strcmp(e->token, token) == 0)
			return e;
	return NULL;
}

int xpv_xs_watch_add(struct xpv_xs_watcher *w, const char *path,
		     const char *token, xpv_xs_watch_fn *fn, void *opaque)
{
	struct watch *e, **tail;
	int r;

	if (!w || !path || !path[0] || !token || !fn)
		return -EINVAL;
	if (find_live(w, path, token))
		return -EEXIST;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->path = strdup(path);
	e->token = strdup(token);
	if (!e->path || !e->token) {
		r = -ENOMEM;
		goto err;
	}
	e->fn = fn;
	e->opaque = opaque;
	/*
	 * Link before xs_watch(): the first event can only be read by a
	 * dispatch on this thread, but keep the entry ready for it anyway.
	 * Appended, so callbacks run in registration order.
	 */
	for (tail = &w->head; *tail; tail = &(*tail)->next)
		;
	*tail = e;
	errno = 0;
	if (!xs_watch(w->xsh, path, token)) {
		r = xs_err();
		*tail = NULL;
		goto err;
	}
	return 0;
err:
	watch_free(e);
	return r;
}

/* Frees dead entries; only when no dispatch is walking the list. */
static void sweep(struct xpv_xs_watcher *w)
{
	struct watch **pp = &w->head, *e;

	if (w->depth > 0)
		return;
	while ((e = *pp)) {
		if (e->dead) {
			*pp = e->next;
			watch_free(e);
		} else {
			pp = &e->next;
		}
	}
}

int xpv_xs_watch_remove(struct xpv_xs_watcher *w, const char *path,
			const char *token)
{
	struct watch *e;
	int r = 0;

	if (!w || !path || !token)
		return -EINVAL;
	e = find_live(w, path, token);
	if (!e)
		return -ENOENT;
	e->dead = true;
	errno = 0;
	if (!xs_unwatch(w->xsh, e->path, e->token)) {
		r = xs_err();
		if (r == -ENOENT) /* the store forgot it already */
			r = 0;
	}
	sweep(w);
	return r;
}

/* Runs the callbacks for one event. */
static void deliver(struct xpv_xs_watcher *w, const char *path,
		    const char *token)
{
	struct watch *e;

	/*
	 * Entries added by a callback are appended and may be reached in
	 * this walk: a spurious call, which watch users accept anyway.
	 */
	for (e = w->head; e; e = e->next) {
		if (e->dead || strcmp(e->token, token) != 0 ||
		    !xs_path_is_subpath(e->path, path))
			continue;
		e->fn(e->opaque, path, token);
	}
}

int xpv_xs_watcher_dispatch(struct xpv_xs_watcher *w)
{
	char **ev;
	int n, r = 0;

	if (!w)
		return -EINVAL;
	w->depth++;
	for (n = 0; n < XPV_XS_DISPATCH_MAX; n++) {
		errno = 0;
		ev = xs_check_watch(w->xsh);
		if (!ev) {
			if (errno != EAGAIN)
				r = xs_err();
			break;
		}
		deliver(w, ev[XS_WATCH_PATH], ev[XS_WATCH_TOKEN]);
		free(ev);
	}
	w->depth--;
	sweep(w);
	return r < 0 ? r : n;
}

/* ---- waiting for a peer's state ---- */

struct wait_ctx {
	bool fired;
};

static void wait_cb(void *opaque, const char *path, const char *token)
{
	struct wait_ctx *c = opaque;

	c->fired = true;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 when the state at dir matches mask, 0 when not, -errno on error. */
static int state_matches(struct xpv_xs_watcher *w, const char *dir,
			 unsigned int mask, XenbusState *state)
{
	XenbusState s;
	int r = xpv_xs_read_state(w->xsh, XBT_NULL, dir, &s);

	if (r == -ENOENT)
		s = XenbusStateUnknown;
	else if (r == -EINVAL || r == -ERANGE)
		return 0;
	else if (r < 0)
		return r;
	if ((mask & XPV_XS_STATE_BIT(s)) == 0)
		return 0;
	if (state)
		*state = s;
	return 1;
}

int xpv_xs_wait_state(struct xpv_xs_watcher *w, const char *dir,
		      unsigned int mask, int timeout_ms, XenbusState *state)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	char token[48];
	struct wait_ctx ctx = {.fired = true};
	int64_t deadline = 0;
	int r, wait;
	struct pollfd pfd;

	if (!w || !dir || mask == 0)
		return -EINVAL;
	r = xpv_xs_path(path, sizeof(path), dir, "state");
	if (r < 0)
		return r;
	snprintf(token, sizeof(token), "xpv-wait-state/%p/%u", (void *)w,
		 w->wait_seq++);
	r = xpv_xs_watch_add(w, path, token, wait_cb, &ctx);
	if (r < 0)
		return r;
	if (timeout_ms >= 0)
		deadline = now_ms() + timeout_ms;

	for (;;) {
		if (ctx.fired) {
			ctx.fired = false;
			r = state_matches(w, dir, mask, state);
			if (r != 0)
				break;
		}
		wait = -1;
		if (timeout_ms >= 0) {
			int64_t left = deadline - now_ms();

			if (left <= 0) {
				r = -ETIMEDOUT;
				break;
			}
			wait = left > INT32_MAX ? INT32_MAX : (int)left;
		}
		pfd.fd = w->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, wait);
		if (r < 0 && errno != EINTR) {
			r = xs_err();
			break;
		}
		if (r > 0) {
			r = xpv_xs_watcher_dispatch(w);
			if (r < 0)
				break;
		}
	}
	/* Our own watch: a failure to remove it leaves nothing to undo. */
	(void)xpv_xs_watch_remove(w, path, token);
	return r == 1 ? 0 : r;
}
