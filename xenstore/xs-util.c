/* SPDX-License-Identifier: MIT */
/*
 * xs-util.c - typed XenStore access over libxenstore (see xs-util.h).
 *
 * Every libxenstore failure is turned into -errno here, in one place
 * (xs_err()), so callers never look at errno.  Values read from the store
 * are checked for length and embedded NUL before anything else looks at
 * them, and numbers go through xs-parse.c.  Paths and formatted values are
 * built on the stack: the only allocations are libxenstore's own.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xs_wire.h>

#include "xs-util.h"

/* A path buffer: the longest absolute path the store accepts, plus NUL. */
#define PATH_BUF (XENSTORE_ABS_PATH_MAX + 1)

/* -errno from a libxenstore failure; never 0, whatever errno says. */
static int xs_err(void)
{
	return errno > 0 ? -errno : -EIO;
}

int xpv_xs_open(struct xs_handle **xsh)
{
	struct xs_handle *h;

	if (!xsh)
		return -EINVAL;
	*xsh = NULL;
	errno = 0;
	h = xs_open(0);
	if (!h)
		return xs_err();
	*xsh = h;
	return 0;
}

void xpv_xs_close(struct xs_handle *xsh)
{
	if (xsh)
		xs_close(xsh);
}

int xpv_xs_path(char *buf, size_t size, const char *dir, const char *node)
{
	int n;

	if (!buf || size == 0 || !dir || !dir[0])
		return -EINVAL;
	if (node)
		n = snprintf(buf, size, "%s/%s", dir, node);
	else
		n = snprintf(buf, size, "%s", dir);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size || n > XENSTORE_ABS_PATH_MAX) {
		buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	return n;
}

/*
 * Reads the raw value at dir/node, checked: no NUL inside, at most max
 * bytes.  Returns the length and the libxenstore buffer (NUL-terminated by
 * libxenstore) in *out, or -errno.
 */
static int read_checked(struct xs_handle *xsh, xs_transaction_t t,
			const char *dir, const char *node, size_t max,
			char **out)
{
	char path[PATH_BUF];
	unsigned int len = 0;
	char *v;
	int r;

	*out = NULL;
	if (!xsh)
		return -EINVAL;
	r = xpv_xs_path(path, sizeof(path), dir, node);
	if (r < 0)
		return r;
	errno = 0;
	v = xs_read(xsh, t, path, &len);
	if (!v)
		return xs_err();
	if (len > max) {
		free(v);
		return -E2BIG;
	}
	if (memchr(v, '\0', len)) {
		free(v);
		return -EINVAL;
	}
	*out = v;
	return (int)len;
}

int xpv_xs_read(struct xs_handle *xsh, xs_transaction_t t, const char *dir,
		const char *node, char *buf, size_t size)
{
	char *v;
	int r;

	if (!buf || size == 0)
		return -EINVAL;
	buf[0] = '\0';
	r = read_checked(xsh, t, dir, node, size - 1, &v);
	if (r < 0)
		return r;
	memcpy(buf, v, (size_t)r + 1);
	free(v);
	return r;
}

int xpv_xs_read_alloc(struct xs_handle *xsh, xs_transaction_t t,
		      const char *dir, const char *node, size_t max, char **out)
{
	if (!out)
		return -EINVAL;
	return read_checked(xsh, t, dir, node, max, out);
}

/*
 * Reads a short value for a number parser.  A value too long for any number
 * is malformed (-EINVAL), not a buffer problem.
 */
static int read_number(struct xs_handle *xsh, xs_transaction_t t,
		       const char *dir, const char *node,
		       char (*buf)[XPV_PARSE_NUM_MAXLEN + 1])
{
	int r = xpv_xs_read(xsh, t, dir, node, *buf, sizeof(*buf));

	return r == -E2BIG ? -EINVAL : r;
}

int xpv_xs_read_u64(struct xs_handle *xsh, xs_transaction_t t, const char *dir,
		    const char *node, uint64_t max, uint64_t *out)
{
	char buf[XPV_PARSE_NUM_MAXLEN + 1];
	int r = read_number(xsh, t, dir, node, &buf);

	if (r < 0)
		return r;
	return xpv_parse_u64(buf, (size_t)r, max, 0, out);
}

int xpv_xs_read_u32(struct xs_handle *xsh, xs_transaction_t t, const char *dir,
		    const char *node, uint32_t max, uint32_t *out)
{
	char buf[XPV_PARSE_NUM_MAXLEN + 1];
	int r = read_number(xsh, t, dir, node, &buf);

	if (r < 0)
		return r;
	return xpv_parse_u32(buf, (size_t)r, max, 0, out);
}

int xpv_xs_read_feature(struct xs_handle *xsh, xs_transaction_t t,
			const char *dir, const char *node, bool *on)
{
	char buf[XPV_PARSE_NUM_MAXLEN + 1];
	int r;

	if (!on)
		return -EINVAL;
	r = read_number(xsh, t, dir, node, &buf);
	if (r == -ENOENT) {
		*on = false;
		return 0;
	}
	if (r < 0)
		return r;
	return xpv_parse_feature(buf, (size_t)r, on);
}

int xpv_xs_read_state(struct xs_handle *xsh, xs_transaction_t t,
		      const char *dir, XenbusState *state)
{
	char buf[XPV_PARSE_NUM_MAXLEN + 1];
	int r = read_number(xsh, t, dir, "state", &buf);

	if (r < 0)
		return r;
	return xpv_parse_state(buf, (size_t)r, state);
}

int xpv_xs_write(struct xs_handle *xsh, xs_transaction_t t, const char *dir,
		 const char *node, const char *value)
{
	char path[PATH_BUF];
	size_t len;
	int r;

	if (!xsh || !value)
		return -EINVAL;
	len = strlen(value);
	if (len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	r = xpv_xs_path(path, sizeof(path), dir, node);
	if (r < 0)
		return r;
	errno = 0;
	if (!xs_write(xsh, t, path, value, (unsigned int)len))
		return xs_err();
	return 0;
}

int xpv_xs_printf(struct xs_handle *xsh, xs_transaction_t t, const char *dir,
		  const char *node, const char *fmt, ...)
{
	char value[XENSTORE_PAYLOAD_MAX + 1];
	va_list ap;
	int n;

	if (!fmt)
		return -EINVAL;
	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(value))
		return -E2BIG;
	return xpv_xs_write(xsh, t, dir, node, value);
}

int xpv_xs_rm(struct xs_handle *xsh, xs_transaction_t t, const char *dir,
	      const char *node)
{
	char path[PATH_BUF];
	int r;

	if (!xsh)
		return -EINVAL;
	r = xpv_xs_path(path, sizeof(path), dir, node);
	if (r < 0)
		return r;
	errno = 0;
	if (!xs_rm(xsh, t, path)) {
		r = xs_err();
		return r == -ENOENT ? 0 : r;
	}
	return 0;
}

int xpv_xs_mkdir(struct xs_handle *xsh, xs_transaction_t t, const char *dir,
		 const char *node, unsigned int owner, unsigned int reader)
{
	struct xs_permissions perms[2] = {
	    {.id = owner, .perms = XS_PERM_NONE},
	    {.id = reader, .perms = XS_PERM_READ},
	};
	char path[PATH_BUF];
	int r;

	if (!xsh)
		return -EINVAL;
	r = xpv_xs_path(path, sizeof(path), dir, node);
	if (r < 0)
		return r;
	errno = 0;
	if (!xs_mkdir(xsh, t, path))
		return xs_err();
	errno = 0;
	if (!xs_set_permissions(xsh, t, path, perms, reader == owner ? 1 : 2))
		return xs_err();
	return 0;
}

int xpv_xs_directory(struct xs_handle *xsh, xs_transaction_t t, const char *dir,
		     const char *node, char ***names)
{
	char path[PATH_BUF];
	unsigned int num = 0;
	char **list;
	int r;

	if (!names)
		return -EINVAL;
	*names = NULL;
	if (!xsh)
		return -EINVAL;
	r = xpv_xs_path(path, sizeof(path), dir, node);
	if (r < 0)
		return r;
	errno = 0;
	list = xs_directory(xsh, t, path, &num);
	if (!list)
		return xs_err();
	if (num > INT32_MAX) { /* cannot happen within a 4 KiB payload */
		free(list);
		return -E2BIG;
	}
	*names = list;
	return (int)num;
}

int xpv_xs_transact(struct xs_handle *xsh, xpv_xs_txn_fn *fn, void *opaque)
{
	xs_transaction_t t;
	int tries, r = -EAGAIN;

	if (!xsh || !fn)
		return -EINVAL;
	for (tries = 0; tries < XPV_XS_TXN_TRIES; tries++) {
		errno = 0;
		t = xs_transaction_start(xsh);
		if (t == XBT_NULL)
			return xs_err();
		r = fn(xsh, t, opaque);
		if (r < 0) {
			xs_transaction_end(xsh, t, true);
			if (r == -EAGAIN)
				continue;
			return r;
		}
		errno = 0;
		if (xs_transaction_end(xsh, t, false))
			return 0;
		r = xs_err();
		if (r != -EAGAIN)
			return r;
	}
	return r;
}

struct batch {
	const char *dir;
	const struct xpv_xs_kv *kv;
	size_t n;
};

static int write_batch_txn(struct xs_handle *xsh, xs_transaction_t t,
			   void *opaque)
{
	const struct batch *b = opaque;
	size_t i;
	int r;

	for (i = 0; i < b->n; i++) {
		if (b->kv[i].value)
			r = xpv_xs_write(xsh, t, b->dir, b->kv[i].node,
					 b->kv[i].value);
		else
			r = xpv_xs_rm(xsh, t, b->dir, b->kv[i].node);
		if (r < 0)
			return r;
	}
	return 0;
}

int xpv_xs_write_batch(struct xs_handle *xsh, const char *dir,
		       const struct xpv_xs_kv *kv, size_t n)
{
	struct batch b = {.dir = dir, .kv = kv, .n = n};
	size_t i;

	if (!dir || (n > 0 && !kv))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!kv[i].node)
			return -EINVAL;
	return xpv_xs_transact(xsh, write_batch_txn, &b);
}

struct switch_arg {
	const char *dir;
	XenbusState state;
};

static int switch_state_txn(struct xs_handle *xsh, xs_transaction_t t,
			    void *opaque)
{
	const struct switch_arg *a = opaque;
	XenbusState cur;
	int r;

	r = xpv_xs_read_state(xsh, t, a->dir, &cur);
	/* Removed by the toolstack: writing would bring it back. */
	if (r == -ENOENT)
		return -ENOENT;
	/* Malformed or unreadable otherwise: just write ours. */
	if (r == 0 && cur == a->state)
		return 0;
	return xpv_xs_printf(xsh, t, a->dir, "state", "%u",
			     (unsigned int)a->state);
}

int xpv_xs_switch_state(struct xs_handle *xsh, xs_transaction_t t,
			const char *dir, XenbusState state)
{
	struct switch_arg a = {.dir = dir, .state = state};

	if (state < XenbusStateInitialising || state > XenbusStateReconfigured)
		return -EINVAL;
	if (t != XBT_NULL)
		return switch_state_txn(xsh, t, &a);
	return xpv_xs_transact(xsh, switch_state_txn, &a);
}
