/* SPDX-License-Identifier: MIT */
/*
 * dm.c - reading the command line libxl gives a device model (see dm.h).
 * Pure: no I/O, unit-tested (tests/test-dm-args.c).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm.h"
#include "xs-parse.h"

static int __attribute__((format(printf, 3, 4)))
bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

bool xpvd_dm_argv(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-xen-domid"))
			return true;
	return false;
}

/*
 * The value of "key=" in a QEMU option list (key=value,key,...), copied
 * into out; 1 when present with a value, 0 when absent, -EINVAL when the
 * value does not fit.  A bare "key" (QEMU's old boolean form) is not a
 * value: *flag says whether it was there.
 */
static int opt_get(const char *list, const char *key, char *out, size_t size,
		   bool *flag)
{
	size_t klen = strlen(key), n;
	const char *p = list, *end;

	if (flag)
		*flag = false;
	while (*p) {
		end = strchr(p, ',');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			if (n - klen - 1 >= size)
				return -EINVAL;
			memcpy(out, p + klen + 1, n - klen - 1);
			out[n - klen - 1] = '\0';
			return 1;
		}
		if (n == klen && !strncmp(p, key, klen) && flag)
			*flag = true;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static struct xpvd_dm_monitor *monitor(struct xpvd_dm *dm, const char *id)
{
	unsigned int i;

	for (i = 0; i < dm->nr_monitors; i++)
		if (!strcmp(dm->mon[i].id, id))
			return &dm->mon[i];
	return NULL;
}

/* -chardev socket,id=ID,path=P|fd=N,server=on,wait=off: a monitor to be
 * (-mon names it).  Other backends (pty: console channels) are refused. */
static int chardev(struct xpvd_dm *dm, const char *v, char *err,
		   size_t errlen)
{
	struct xpvd_dm_monitor *m;
	char val[XPVD_DM_PATH_LEN], fd[16];
	bool server = false;
	uint32_t n;

	if (strncmp(v, "socket,", 7))
		return bad(err, errlen, "-chardev %s: only QMP sockets are "
			   "served (console channels need QEMU)", v);
	if (opt_get(v, "server", val, sizeof(val), &server) > 0)
		server = !strcmp(val, "on");
	if (!server)
		return bad(err, errlen, "-chardev %s: not a server socket", v);
	if (dm->nr_monitors == XPVD_DM_MAX_MONITORS)
		return bad(err, errlen, "-chardev %s: more than %u", v,
			   XPVD_DM_MAX_MONITORS);
	m = &dm->mon[dm->nr_monitors];
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (opt_get(v, "id", m->id, sizeof(m->id), NULL) <= 0 || !*m->id)
		return bad(err, errlen, "-chardev %s: no id", v);
	if (monitor(dm, m->id))
		return bad(err, errlen, "-chardev %s: id used twice", v);
	if (opt_get(v, "path", m->path, sizeof(m->path), NULL) > 0) {
		if (m->path[0] != '/')
			return bad(err, errlen, "-chardev %s: path not "
				   "absolute", v);
	} else if (opt_get(v, "fd", fd, sizeof(fd), NULL) > 0) {
		if (xpv_parse_u32(fd, strlen(fd), INT32_MAX, 0, &n) || n < 3)
			return bad(err, errlen, "-chardev %s: bad fd", v);
		m->fd = (int)n;
	} else {
		return bad(err, errlen, "-chardev %s: no path or fd (or too "
			   "long)", v);
	}
	dm->nr_monitors++;
	return 0;
}

/* -mon chardev=ID,mode=control: the chardev is a QMP monitor. */
static int mon(struct xpvd_dm *dm, const char *v, char *err, size_t errlen)
{
	char id[32], mode[16];

	if (opt_get(v, "chardev", id, sizeof(id), NULL) <= 0 ||
	    !monitor(dm, id))
		return bad(err, errlen, "-mon %s: no such -chardev", v);
	if (opt_get(v, "mode", mode, sizeof(mode), NULL) <= 0 ||
	    strcmp(mode, "control"))
		return bad(err, errlen, "-mon %s: only mode=control (QMP)", v);
	if (monitor(dm, id)->used)
		return bad(err, errlen, "-mon %s: chardev used twice", v);
	monitor(dm, id)->used = true;
	return 0;
}

/* Options that take a value and mean nothing to a disk backend. */
static const char *const ignored_with_value[] = {
	"-m", "-chroot", "-k", NULL,
};
/* Flags that mean nothing to a disk backend. */
static const char *const ignored_flags[] = {
	"-nodefaults", "-no-user-config", "-xen-attach", "-no-shutdown",
	"-nographic", "-S", "-xen-domid-restrict", NULL,
};

static bool in(const char *const *list, const char *a)
{
	for (; *list; list++)
		if (!strcmp(*list, a))
			return true;
	return false;
}

int xpvd_dm_parse(int argc, char **argv, struct xpvd_dm *dm, char *err,
		  size_t errlen)
{
	bool have_domid = false;
	unsigned int i;
	const char *a, *v;
	int k, rc;

	memset(dm, 0, sizeof(*dm));
	dm->opts = calloc((size_t)(argc > 0 ? argc : 1), sizeof(*dm->opts));
	if (!dm->opts) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (k = 1; k < argc; k++) {
		a = argv[k];
		if (!strncmp(a, "--", 2)) {
			dm->opts[dm->nr_opts++] = argv[k];
			continue;
		}
		if (in(ignored_flags, a))
			continue;
		if (a[0] != '-')
			return bad(err, errlen, "unexpected argument '%s'", a);
		if (k + 1 >= argc)
			return bad(err, errlen, "%s needs a value", a);
		v = argv[++k];
		if (!strcmp(a, "-xen-domid")) {
			if (xpv_parse_u32(v, strlen(v), XPV_DOMID_MAX,
					  XPV_PARSE_NO_LEADING_ZERO,
					  &dm->domid))
				return bad(err, errlen, "-xen-domid %s: not a "
					   "domain id", v);
			have_domid = true;
		} else if (!strcmp(a, "-chardev")) {
			rc = chardev(dm, v, err, errlen);
			if (rc)
				return rc;
		} else if (!strcmp(a, "-mon")) {
			rc = mon(dm, v, err, errlen);
			if (rc)
				return rc;
		} else if (!strcmp(a, "-name")) {
			snprintf(dm->name, sizeof(dm->name), "%s", v);
		} else if (!strcmp(a, "-machine") || !strcmp(a, "-M")) {
			if (strcmp(v, "xenpv") && strncmp(v, "xenpv,", 6))
				return bad(err, errlen, "%s %s: only PV guests "
					   "(-machine xenpv)", a, v);
		} else if (!strcmp(a, "-vnc") || !strcmp(a, "-display")) {
			if (strcmp(v, "none"))
				return bad(err, errlen, "%s %s: no display "
					   "here (a vfb needs QEMU)", a, v);
		} else if (!strcmp(a, "-incoming")) {
			return bad(err, errlen, "-incoming %s: no device state "
				   "to restore (not QEMU)", v);
		} else if (!in(ignored_with_value, a)) {
			return bad(err, errlen, "unknown option %s", a);
		}
	}
	if (!have_domid)
		return bad(err, errlen, "no -xen-domid");
	/* A chardev no -mon made a monitor would be served by nobody. */
	for (i = 0; i < dm->nr_monitors; i++)
		if (!dm->mon[i].used)
			return bad(err, errlen, "-chardev id=%s: no -mon uses "
				   "it", dm->mon[i].id);
	return 0;
}
