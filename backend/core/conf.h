/* SPDX-License-Identifier: MIT */
/*
 * conf.h - xenpvd's settings: one table of keys shared by the
 * configuration file (/etc/xen/xenpvd.conf, see xenpvd.conf(5)) and the
 * command line, and the per-device overrides a toolstack may write in a
 * backend directory.
 *
 * (Not "config.h": that name is autoconf's.)
 *
 * Guarantees:
 * - Every setting is validated by one function, xpvd_config_set(), whether
 *   it comes from the file or from an option, so both accept exactly the
 *   same values and report errors the same way ("KEY: message").
 * - The file is read before the options are applied: options override it.
 *   A bad line stops the load with "FILE:LINE: KEY: message" and nothing
 *   after it is applied; the daemon then refuses to start.
 * - Per-device overrides can only lower what the daemon allows (a smaller
 *   indirect count, ring order, queue count or grant cache; persistent
 *   grants off), never raise it; the cache mode and engine may be either.
 * - Nothing here logs: errors are returned as -errno plus a message.
 */
#ifndef XENPVD_BACKEND_CONF_H
#define XENPVD_BACKEND_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "xenpvd.h"

/* The configuration file read when --config is not given (may be absent);
 * the build sets it from configure's --with-xen-confdir. */
#ifndef XPVD_CONFIG_FILE
#define XPVD_CONFIG_FILE "/etc/xen/xenpvd.conf"
#endif

/* Whether type is one of the backend types cfg->type names. */
bool xpvd_config_has_type(const struct xpvd_config *cfg, const char *type);

/* Fills cfg with the built-in defaults (see xenpvd.conf(5)). */
void xpvd_config_defaults(struct xpvd_config *cfg);

/*
 * Sets one key (a configuration file key, without the leading "--" of the
 * option of the same name) from its text value.  0, or -EINVAL / -ERANGE /
 * -ENAMETOOLONG / -ENOENT (unknown key) with a message in err (without the
 * key, which the caller prefixes).
 */
int xpvd_config_set(struct xpvd_config *cfg, const char *key,
		    const char *value, char *err, size_t errlen);

/*
 * Reads a configuration file: "key = value" lines, '#' starts a comment,
 * blank lines are ignored, surrounding spaces are dropped.  0; -ENOENT when
 * the file does not exist and !must_exist (nothing applied: not an error
 * for the default file); else -errno with "FILE:LINE: KEY: message" (or
 * "FILE: strerror") in err.
 */
int xpvd_config_load(struct xpvd_config *cfg, const char *path,
		     bool must_exist, char *err, size_t errlen);

/*
 * Writes the effective settings as a configuration file would hold them
 * (what `xenpvd --check-config` prints).
 */
void xpvd_config_print(FILE *f, const struct xpvd_config *cfg);

/* ---- per-device overrides (XenStore keys in the backend directory) ---- */

/*
 * The keys, all prefixed "xenpvd-" so they never clash with a protocol
 * key.  Each value follows the syntax of the configuration key of the same
 * name without the prefix.
 */
#define XPVD_DEV_KEY_INDIRECT "xenpvd-max-indirect-segments"
#define XPVD_DEV_KEY_ORDER "xenpvd-max-ring-page-order"
#define XPVD_DEV_KEY_QUEUES "xenpvd-max-queues"
#define XPVD_DEV_KEY_PERSISTENT "xenpvd-persistent"
#define XPVD_DEV_KEY_PGRANTS "xenpvd-persistent-grants"
#define XPVD_DEV_KEY_CACHE "xenpvd-cache"
#define XPVD_DEV_KEY_ENGINE "xenpvd-engine"

/* The override keys, NULL-terminated (what xpvd_config_override() takes). */
extern const char *const xpvd_dev_keys[];

/*
 * Applies one override to dev (a copy of the daemon's configuration,
 * daemon): the value must parse, and may not raise a limit above the
 * daemon's.  0, or -EINVAL / -ERANGE with a message in err (without the
 * key).
 */
int xpvd_config_override(struct xpvd_config *dev,
			 const struct xpvd_config *daemon, const char *key,
			 const char *value, char *err, size_t errlen);

#endif /* XENPVD_BACKEND_CONF_H */
