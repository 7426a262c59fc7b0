/* SPDX-License-Identifier: MIT */
/*
 * xs-util.h - typed XenStore access over the real libxenstore.
 *
 * The backend daemon and the frontend library both negotiate through these
 * helpers.  They add three things to <xenstore.h>:
 *   - one error convention: every function returns 0, a count, or -errno
 *     (libxenstore's false/NULL + errno is mapped; an errno of 0 becomes
 *     -EIO), and never logs;
 *   - typed reads that treat every value as hostile: bounded lengths, no
 *     embedded NUL, numbers through the strict parsers of xs-parse.h;
 *   - transactions with bounded EAGAIN retry.
 *
 * Paths are given as (dir, node): the node is appended to dir with a '/',
 * or dir is the whole path when node is NULL.  A path longer than
 * XENSTORE_ABS_PATH_MAX is -ENAMETOOLONG.  t is a transaction from
 * xs_transaction_start() or XBT_NULL.
 *
 * Handles: the caller owns its struct xs_handle (from xpv_xs_open() or
 * xs_open()).  libxenstore handles may be shared by threads, but must not
 * be used across fork().  Absent keys are -ENOENT, permission denied is
 * -EACCES, as the store says.
 */
#ifndef XENPVD_XENSTORE_XS_UTIL_H
#define XENPVD_XENSTORE_XS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenstore.h>

#include "xs-parse.h"

/* How often a transaction is tried before giving up with -EAGAIN. */
#define XPV_XS_TXN_TRIES 16

/*
 * Opens a connection to the store (xs_open(0): $XENSTORED_PATH or the
 * default socket, else /dev/xen/xenbus).  0 and *xsh, or -errno.
 */
int xpv_xs_open(struct xs_handle **xsh);
/* Closes a handle; NULL is fine. */
void xpv_xs_close(struct xs_handle *xsh);

/*
 * Writes "dir/node" (or dir when node is NULL) into buf of size bytes.
 * Returns the length, or -EINVAL (dir NULL or empty) or -ENAMETOOLONG (does
 * not fit buf, or longer than XENSTORE_ABS_PATH_MAX).
 */
int xpv_xs_path(char *buf, size_t size, const char *dir, const char *node);

/*
 * Reads a string value into buf (size bytes, NUL-terminated on success).
 * Returns its length (>= 0).  Errors: -ENOENT absent; -E2BIG when the value
 * and its NUL do not fit size; -EINVAL when it contains a NUL byte.  On
 * error buf holds "" (when size > 0).
 */
int xpv_xs_read(struct xs_handle *xsh, xs_transaction_t t, const char *dir,
		const char *node, char *buf, size_t size);

/*
 * Reads a string value of at most max bytes into a malloc'd,
 * NUL-terminated *out (free() it).  Returns its length; errors as
 * xpv_xs_read() (-E2BIG when longer than max), *out is NULL on error.
 */
int xpv_xs_read_alloc(struct xs_handle *xsh, xs_transaction_t t,
		      const char *dir, const char *node, size_t max,
		      char **out);

/*
 * Reads an unsigned decimal in [0, max] (xpv_parse_u64(), no hex).
 * 0, or -ENOENT, -EINVAL (malformed or over-long), -ERANGE (above max).
 */
int xpv_xs_read_u64(struct xs_handle *xsh, xs_transaction_t t, const char *dir,
		    const char *node, uint64_t max, uint64_t *out);
int xpv_xs_read_u32(struct xs_handle *xsh, xs_transaction_t t, const char *dir,
		    const char *node, uint32_t max, uint32_t *out);

/*
 * Reads a feature flag (xpv_parse_feature()).  An absent key is off:
 * returns 0 with *on = false.  A malformed value is -EINVAL / -ERANGE and
 * leaves *on alone; a caller that wants Linux's behaviour treats it as off.
 */
int xpv_xs_read_feature(struct xs_handle *xsh, xs_transaction_t t,
			const char *dir, const char *node, bool *on);

/*
 * Reads "<dir>/state" (xpv_parse_state()).  0, or -ENOENT (absent: a reader
 * that wants Linux's view calls it XenbusStateUnknown), -EINVAL, -ERANGE.
 */
int xpv_xs_read_state(struct xs_handle *xsh, xs_transaction_t t,
		      const char *dir, XenbusState *state);

/* Writes a string value (without its NUL).  0 or -errno. */
int xpv_xs_write(struct xs_handle *xsh, xs_transaction_t t, const char *dir,
		 const char *node, const char *value);

/*
 * Formats and writes a value.  The text is formatted on the stack: more
 * than XENSTORE_PAYLOAD_MAX bytes is -E2BIG and nothing is written.
 */
int xpv_xs_printf(struct xs_handle *xsh, xs_transaction_t t, const char *dir,
		  const char *node, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Removes a node and its children.  Absent is success.  0 or -errno. */
int xpv_xs_rm(struct xs_handle *xsh, xs_transaction_t t, const char *dir,
	      const char *node);

/*
 * Creates a directory (existing is fine) and sets its permissions as libxl
 * does for device directories: owned by domain owner, no access for other
 * domains, except read access for domain reader (none when reader ==
 * owner).  Nodes created below it later inherit these permissions.  Dom0
 * always has full access.  0 or -errno.
 */
int xpv_xs_mkdir(struct xs_handle *xsh, xs_transaction_t t, const char *dir,
		 const char *node, unsigned int owner, unsigned int reader);

/*
 * Lists a directory.  Returns the number of entries (>= 0) and *names, an
 * array of that many NUL-terminated names in one malloc'd block: free() it
 * once (it may be non-NULL for 0 entries).  Names are whatever the store
 * holds: pass numeric ones through xpv_parse_path_id() before building
 * paths from them.  -ENOENT when dir does not exist; *names is NULL on
 * error.
 */
int xpv_xs_directory(struct xs_handle *xsh, xs_transaction_t t, const char *dir,
		     const char *node, char ***names);

/*
 * Runs fn inside a transaction and commits it, up to XPV_XS_TXN_TRIES
 * times while the commit (or fn) fails with -EAGAIN.  fn returns 0 or
 * -errno; any other error from fn aborts the transaction and is returned.
 * fn may run several times, so it must only read and write the store (and
 * its own output), never act on what it read outside the transaction.
 * 0, -EAGAIN after the last try, or -errno.
 */
typedef int xpv_xs_txn_fn(struct xs_handle *xsh, xs_transaction_t t,
			  void *opaque);
int xpv_xs_transact(struct xs_handle *xsh, xpv_xs_txn_fn *fn, void *opaque);

/* One key of a batch: node below dir; a NULL value removes the node. */
struct xpv_xs_kv {
	const char *node;
	const char *value;
};

/*
 * Writes (or removes) n keys below dir in one transaction, with
 * xpv_xs_transact()'s retry: the peer sees all of them or none.
 */
int xpv_xs_write_batch(struct xs_handle *xsh, const char *dir,
		       const struct xpv_xs_kv *kv, size_t n);

/*
 * Switches our end to state: writes "<dir>/state" as a decimal, unless it
 * already holds that state, so that the peer's watch does not fire for
 * nothing (as Linux's xenbus_switch_state()).  The node must exist: the
 * toolstack creates it with the device and removes it on detach, and a
 * write after the removal would bring back a device nobody will ever
 * clean up; that is -ENOENT, with nothing written.  With XBT_NULL the
 * check and the write are one transaction of their own.  0 or -errno.
 */
int xpv_xs_switch_state(struct xs_handle *xsh, xs_transaction_t t,
			const char *dir, XenbusState state);

#endif /* XENPVD_XENSTORE_XS_UTIL_H */
