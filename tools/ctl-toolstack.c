/* SPDX-License-Identifier: MIT */
/*
 * ctl-toolstack.c - xenpvctl attach, detach and list: the toolstack's part of
 * the VBD life cycle, done the way libxl 4.17 does it for a qdisk disk, so
 * that xenpvd and libxenpvfront see exactly what a real toolstack leaves in
 * XenStore.
 *
 * attach writes, in one transaction, the backend directory
 * /local/domain/<bdom>/backend/<type>/<fdom>/<devid> (owned by the backend
 * domain, readable by the frontend domain) and the frontend directory
 * /local/domain/<fdom>/device/vbd/<devid> (owned by the frontend domain,
 * readable by the backend domain), both in state Initialising.
 *
 * detach asks the backend to close (online=0, state=Closing), waits up to
 * --timeout seconds for it to reach Closed, and then removes both
 * directories itself: a backend never deletes its own directory.
 *
 * With attach --script PATH the disk gets a hotplug script as libxl gives
 * one to a backendtype=phy disk: the backend directory holds `script`,
 * and once the backend reached InitWait the script runs as
 * `PATH add` with XENBUS_PATH (backend/<type>/<fdom>/<devid>, relative to
 * the backend domain's home, as libxl passes it), XENBUS_TYPE and
 * XENBUS_BASE_PATH in its environment; it must exit 0 and leave
 * hotplug-status = connected, or the attach fails, says the script's
 * hotplug-error, and undoes itself as a detach does.  detach runs
 * `<script> remove` after the backend closed, before removing the
 * directories.  Scripts get HOTPLUG_TIMEOUT_S seconds, then SIGKILL.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xenpvctl.h"
#include "xs-parse.h"
#include "xs-util.h"

#define XVD_MAJOR 202
/* libxl's LIBXL_HOTPLUG_TIMEOUT: how long a hotplug script may run. */
#define HOTPLUG_TIMEOUT_S 40
/* libxl's LIBXL_INIT_TIMEOUT: the backend's InitWait before the script. */
#define INIT_TIMEOUT_S 10

#define vbd_paths ctl_dev_paths

static int rec_path(struct vbd_paths *p, unsigned int fdom,
		    unsigned int devid)
{
	int n = snprintf(p->rec, sizeof(p->rec), "/libxl/%u/device/vbd/%u",
			 fdom, devid);

	return n < 0 || (size_t)n >= sizeof(p->rec) ? -ENAMETOOLONG : 0;
}

static int vbd_paths(struct vbd_paths *p, unsigned int bdom,
		     const char *type, unsigned int fdom, unsigned int devid)
{
	int n;

	n = snprintf(p->be, sizeof(p->be), "/local/domain/%u/backend/%s/%u/%u",
		     bdom, type, fdom, devid);
	if (n < 0 || (size_t)n >= sizeof(p->be))
		return -ENAMETOOLONG;
	n = snprintf(p->fe, sizeof(p->fe), "/local/domain/%u/device/vbd/%u",
		     fdom, devid);
	if (n < 0 || (size_t)n >= sizeof(p->fe))
		return -ENAMETOOLONG;
	if (rec_path(p, fdom, devid) < 0)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * "xvda".."xvdp" (and "xvdq".. in the extended scheme) or a plain device
 * number, as libxl's libxl__device_disk_dev_number() for xvd names.
 */
static int parse_vdev(const char *s, unsigned int *devid)
{
	uint32_t v;
	unsigned int disk;

	if (!strncmp(s, "xvd", 3) && s[3] >= 'a' && s[3] <= 'z' && !s[4]) {
		disk = (unsigned int)(s[3] - 'a');
		if (disk < 16)
			*devid = (XVD_MAJOR << 8) | (disk << 4);
		else
			*devid = (1u << 28) | (disk << 8);
		return 0;
	}
	if (xpv_parse_u32(s, strlen(s), UINT32_MAX, 0, &v) < 0)
		return -EINVAL;
	*devid = v;
	return 0;
}

static const char *vdev_name(unsigned int devid, char *buf, size_t size)
{
	if ((devid >> 8) == XVD_MAJOR && (devid & 0xf) == 0)
		snprintf(buf, size, "xvd%c", 'a' + ((devid & 0xff) >> 4));
	else if ((devid >> 28) == 1 && ((devid >> 8) & 0xfffff) < 26)
		snprintf(buf, size, "xvd%c", 'a' + ((devid >> 8) & 0xfffff));
	else
		snprintf(buf, size, "%u", devid);
	return buf;
}

int ctl_parse_domid(const char *s, unsigned int *out)
{
	uint32_t v;

	/* DOMID_FIRST_RESERVED is 0x7ff0. */
	if (xpv_parse_u32(s, strlen(s), 0x7fef, 0, &v) < 0)
		return -EINVAL;
	*out = v;
	return 0;
}

struct attach_args {
	struct vbd_paths p;
	unsigned int bdom, fdom, devid;
	const char *type, *vdev, *params, *mode;
	const char *script;	/* or NULL */
};

/* One transaction: both directories or neither (libxl_disk.c does so). */
static int attach_txn(struct xs_handle *xsh, xs_transaction_t t, void *opaque)
{
	const struct attach_args *a = opaque;
	char fdom[16], bdom[16], devid[16];
	char buf[16];
	int rc;

	snprintf(fdom, sizeof(fdom), "%u", a->fdom);
	snprintf(bdom, sizeof(bdom), "%u", a->bdom);
	snprintf(devid, sizeof(devid), "%u", a->devid);

	rc = xpv_xs_read(xsh, t, a->p.be, "state", buf, sizeof(buf));
	if (rc >= 0)
		return -EEXIST;
	rc = xpv_xs_read(xsh, t, a->p.fe, "state", buf, sizeof(buf));
	if (rc >= 0)
		return -EEXIST;

	const struct xpv_xs_kv back[] = {
		{ "frontend", a->p.fe },
		{ "params", a->params },
		{ "frontend-id", fdom },
		{ "online", "1" },
		{ "removable", "0" },
		{ "bootable", "1" },
		{ "state", "1" },
		{ "dev", a->vdev },
		{ "type", a->type },
		{ "mode", a->mode },
		{ "device-type", "disk" },
		{ "discard-enable", "1" },
	};
	const struct xpv_xs_kv front[] = {
		{ "backend", a->p.be },
		{ "backend-id", bdom },
		{ "state", "1" },
		{ "virtual-device", devid },
		{ "device-type", "disk" },
	};
	size_t i;

	rc = xpv_xs_mkdir(xsh, t, a->p.be, NULL, a->bdom, a->fdom);
	if (rc < 0)
		return rc;
	rc = xpv_xs_mkdir(xsh, t, a->p.fe, NULL, a->fdom, a->bdom);
	if (rc < 0)
		return rc;
	for (i = 0; i < sizeof(back) / sizeof(back[0]); i++) {
		rc = xpv_xs_write(xsh, t, a->p.be, back[i].node, back[i].value);
		if (rc < 0)
			return rc;
	}
	if (a->script) {
		rc = xpv_xs_write(xsh, t, a->p.be, "script", a->script);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < sizeof(front) / sizeof(front[0]); i++) {
		rc = xpv_xs_write(xsh, t, a->p.fe, front[i].node,
				  front[i].value);
		if (rc < 0)
			return rc;
	}
	/* Dom0's only (owner 0, no reader): what detach goes by. */
	rc = xpv_xs_rm(xsh, t, a->p.rec, NULL);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	rc = xpv_xs_mkdir(xsh, t, a->p.rec, NULL, 0, 0);
	if (rc < 0)
		return rc;
	rc = xpv_xs_write(xsh, t, a->p.rec, "frontend", a->p.fe);
	if (rc < 0)
		return rc;
	return xpv_xs_write(xsh, t, a->p.rec, "backend", a->p.be);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Waits until dir/state satisfies want(state) or timeout_s passes, using a
 * watch (which fires once when set, and maybe spuriously: we re-read).
 * Returns the state reached, -ETIMEDOUT, or -errno.
 */
int ctl_wait_state(struct xs_handle *xsh, const char *dir,
		   bool (*want)(XenbusState), double timeout_s)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	double deadline = now_s() + timeout_s;
	XenbusState st;
	int rc;

	rc = xpv_xs_path(path, sizeof(path), dir, "state");
	if (rc < 0)
		return rc;
	if (!xs_watch(xsh, path, "xenpvctl-wait"))
		return errno ? -errno : -EIO;
	for (;;) {
		struct pollfd pfd = { .fd = xs_fileno(xsh), .events = POLLIN };
		unsigned int n;
		char **ev;
		double left;

		rc = xpv_xs_read_state(xsh, XBT_NULL, dir, &st);
		if (rc == 0 && want(st)) {
			rc = (int)st;
			break;
		}
		left = deadline - now_s();
		if (left <= 0) {
			rc = -ETIMEDOUT;
			break;
		}
		if (poll(&pfd, 1, (int)(left * 1000) + 1) > 0) {
			ev = xs_read_watch(xsh, &n);
			free(ev);
		}
	}
	xs_unwatch(xsh, path, "xenpvctl-wait");
	return rc;
}

bool ctl_state_initwait_or_later(XenbusState s)
{
	return s >= XenbusStateInitWait;
}

bool ctl_state_connected(XenbusState s)
{
	return s == XenbusStateConnected || s >= XenbusStateClosing;
}

bool ctl_state_closed(XenbusState s)
{
	return s == XenbusStateClosed;
}

/*
 * After an attach: with wait_s > 0, waits for the backend's InitWait and,
 * with connected, for both ends Connected (-ENOTCONN when either went
 * elsewhere).  0 or -errno.
 */
int ctl_wait_attached(struct xs_handle *xsh, const struct ctl_dev_paths *p,
		      double wait_s, bool connected)
{
	int rc;

	if (wait_s <= 0)
		return 0;
	rc = ctl_wait_state(xsh, p->be, ctl_state_initwait_or_later, wait_s);
	if (rc < 0 || !connected)
		return rc < 0 ? rc : 0;
	rc = ctl_wait_state(xsh, p->be, ctl_state_connected, wait_s);
	if (rc >= 0)
		rc = ctl_wait_state(xsh, p->fe, ctl_state_connected, wait_s);
	if (rc >= 0 && rc != XenbusStateConnected)
		rc = -ENOTCONN;
	return rc < 0 ? rc : 0;
}

static int detach_txn(struct xs_handle *xsh, xs_transaction_t t, void *opaque)
{
	const struct ctl_dev_paths *p = opaque;
	int rc;

	rc = xpv_xs_rm(xsh, t, p->be, NULL);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	rc = xpv_xs_rm(xsh, t, p->fe, NULL);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	rc = xpv_xs_rm(xsh, t, p->rec, NULL);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	return 0;
}

/*
 * "backend/<type>/<fdom>/<devid>" of an absolute backend path
 * "/local/domain/<bdom>/backend/...": the XENBUS_PATH libxl gives scripts.
 */
static const char *xenbus_path(const char *be)
{
	const char *b = strstr(be, "/backend/");

	return b ? b + 1 : be;
}

/*
 * Runs "script action" as libxl runs a block hotplug script (environment
 * above, stdin /dev/null, our stdout/stderr), at most HOTPLUG_TIMEOUT_S
 * seconds.  Returns its exit status (0 success), or -errno when it could
 * not run, -ETIMEDOUT when it was killed, -EINTR when a signal ended it.
 */
static int run_script(const char *script, const char *action, const char *be)
{
	char type[64];
	const char *xp = xenbus_path(be), *slash;
	double deadline = now_s() + HOTPLUG_TIMEOUT_S;
	int status;
	pid_t pid, w;

	/* XENBUS_TYPE: the <type> of backend/<type>/... (be is checked). */
	type[0] = '\0';
	if (!strncmp(xp, "backend/", sizeof("backend/") - 1)) {
		xp += sizeof("backend/") - 1;
		slash = strchr(xp, '/');
		snprintf(type, sizeof(type), "%.*s",
			 slash ? (int)(slash - xp) : 0, xp);
		xp = xenbus_path(be);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (!freopen("/dev/null", "r", stdin) ||
		    setenv("XENBUS_PATH", xp, 1) ||
		    setenv("XENBUS_TYPE", type, 1) ||
		    setenv("XENBUS_BASE_PATH", "backend", 1))
			_exit(126);
		execl(script, script, action, (char *)NULL);
		fprintf(stderr, "xenpvctl: cannot run %s: %s\n", script,
			strerror(errno));
		_exit(127);
	}
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (now_s() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		poll(NULL, 0, 20);
	}
	if (WIFSIGNALED(status))
		return -EINTR;
	return WEXITSTATUS(status);
}

/*
 * The toolstack's part of removing a VBD: online=0 and Closing, up to
 * timeout_s seconds for the backend to reach Closed (a timeout is an error
 * unless force), the hotplug script's remove when the backend directory
 * names one, then both directories go.  Returns 0 or -errno (-ETIMEDOUT:
 * not closed in time, nothing removed).
 */
int ctl_detach_dev(struct xs_handle *xsh, const struct ctl_dev_paths *p,
		   double timeout_s, bool force)
{
	const struct xpv_xs_kv closing[] = {
		{ "online", "0" },
		{ "state", "5" },
	};
	char script[4096];
	int rc, len;

	rc = xpv_xs_write_batch(xsh, p->be, closing, 2);
	if (rc < 0)
		return rc;
	rc = ctl_wait_state(xsh, p->be, ctl_state_closed, timeout_s);
	if (rc == -ETIMEDOUT && !force)
		return rc;
	if (rc < 0 && rc != -ETIMEDOUT && rc != -ENOENT)
		return rc;
	len = xpv_xs_read(xsh, XBT_NULL, p->be, "script", script,
			  sizeof(script));
	if (len > 0) {
		rc = run_script(script, "remove", p->be);
		if (rc)
			fprintf(stderr, "xenpvctl: %s remove: %s\n", script,
				rc < 0 ? strerror(-rc) : "failed");
	}
	return xpv_xs_transact(xsh, detach_txn, (void *)p);
}

/*
 * After the backend reached InitWait: the hotplug script's add.  Returns 0
 * when it succeeded and left hotplug-status = connected; otherwise prints
 * why (its hotplug-error) and returns -ENODEV, or -errno.
 */
static int hotplug_add(struct xs_handle *xsh, const struct attach_args *a,
		       double wait_s)
{
	char buf[512];
	int rc, len;

	rc = ctl_wait_state(xsh, a->p.be, ctl_state_initwait_or_later,
			wait_s > 0 ? wait_s : INIT_TIMEOUT_S);
	if (rc < 0) {
		fprintf(stderr, "xenpvctl attach: the backend did not reach InitWait: %s\n",
			strerror(-rc));
		return rc;
	}
	rc = run_script(a->script, "add", a->p.be);
	len = xpv_xs_read(xsh, XBT_NULL, a->p.be, "hotplug-status", buf,
			  sizeof(buf));
	if (rc == 0 && len > 0 && !strcmp(buf, "connected"))
		return 0;
	len = xpv_xs_read(xsh, XBT_NULL, a->p.be, "hotplug-error", buf,
			  sizeof(buf));
	fprintf(stderr, "xenpvctl attach: hotplug script %s failed (%s): %s\n",
		a->script,
		rc < 0 ? strerror(-rc) : rc ? "exit status" : "no hotplug-status",
		len > 0 ? buf : "no hotplug-error");
	return -ENODEV;
}

static void attach_usage(FILE *f)
{
	fprintf(f,
		"usage: xenpvctl attach --domid N --target PATH [options]\n"
		"  --domid N          the guest (frontend) domain\n"
		"  --target PATH      disk image or block device (absolute)\n"
		"  --vdev NAME        xvda (default), xvdb, ... or a number\n"
		"  --mode r|w         read-only or read-write (default w)\n"
		"  --format F         aio|raw (default aio, as libxl for raw)\n"
		"  --type T           backend type directory (default qdisk)\n"
		"  --backend-domid N  the backend domain (default 0)\n"
		"  --script PATH      a block hotplug script, run as libxl\n"
		"                     runs one (add after InitWait)\n"
		"  --wait SECONDS     wait for the backend to pick it up\n"
		"                     (InitWait) and, with --wait-connected,\n"
		"                     for both ends to connect\n");
}

int ctl_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domid", required_argument, NULL, 'd' },
		{ "target", required_argument, NULL, 't' },
		{ "vdev", required_argument, NULL, 'v' },
		{ "mode", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'f' },
		{ "type", required_argument, NULL, 'T' },
		{ "backend-domid", required_argument, NULL, 'b' },
		{ "wait", required_argument, NULL, 'w' },
		{ "wait-connected", no_argument, NULL, 'c' },
		{ "script", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct attach_args a = { .type = "qdisk", .vdev = "xvda", .mode = "w" };
	const char *target = NULL, *format = "aio";
	bool have_domid = false, wait_connected = false;
	double wait_s = 0;
	char params[4096 + 8];
	struct xs_handle *xsh = NULL;
	int c, rc, li = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, &li)) != -1) {
		switch (c) {
		case 'd':
			if (ctl_parse_domid(optarg, &a.fdom) < 0)
				goto bad;
			have_domid = true;
			break;
		case 'b':
			if (ctl_parse_domid(optarg, &a.bdom) < 0)
				goto bad;
			break;
		case 't':
			target = optarg;
			break;
		case 'v':
			a.vdev = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "r") && strcmp(optarg, "w"))
				goto bad;
			a.mode = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "aio") && strcmp(optarg, "raw"))
				goto bad;
			format = optarg;
			break;
		case 'T':
			if (!*optarg || strchr(optarg, '/'))
				goto bad;
			a.type = optarg;
			break;
		case 'w':
			wait_s = strtod(optarg, NULL);
			break;
		case 'c':
			wait_connected = true;
			break;
		case 's':
			if (optarg[0] != '/')
				goto bad;
			a.script = optarg;
			break;
		case 'h':
			attach_usage(stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if (!have_domid || !target || optind != argc)
		goto usage;
	if (target[0] != '/') {
		fprintf(stderr, "xenpvctl attach: --target must be an absolute path\n");
		return 2;
	}
	if (parse_vdev(a.vdev, &a.devid) < 0) {
		fprintf(stderr, "xenpvctl attach: bad --vdev '%s'\n", a.vdev);
		return 2;
	}
	if (snprintf(params, sizeof(params), "%s:%s", format, target) >=
	    (int)sizeof(params)) {
		fprintf(stderr, "xenpvctl attach: target path too long\n");
		return 2;
	}
	a.params = params;
	rc = vbd_paths(&a.p, a.bdom, a.type, a.fdom, a.devid);
	if (rc < 0)
		goto fail;

	rc = xpv_xs_open(&xsh);
	if (rc < 0)
		goto fail;
	rc = xpv_xs_transact(xsh, attach_txn, &a);
	if (rc == -EEXIST) {
		fprintf(stderr, "xenpvctl attach: device %u of domain %u already exists\n",
			a.devid, a.fdom);
		xpv_xs_close(xsh);
		return 1;
	}
	if (rc < 0)
		goto fail;
	if (a.script && hotplug_add(xsh, &a, wait_s) < 0) {
		/* As libxl: a disk whose script failed is taken away. */
		rc = ctl_detach_dev(xsh, &a.p, INIT_TIMEOUT_S, true);
		if (rc < 0)
			fprintf(stderr, "xenpvctl attach: removing the disk: %s\n",
				strerror(-rc));
		xpv_xs_close(xsh);
		return 1;
	}
	rc = ctl_wait_attached(xsh, &a.p, wait_s, wait_connected);
	if (rc < 0)
		goto fail;
	printf("%s %u\n", a.p.be, a.devid);
	xpv_xs_close(xsh);
	return 0;

fail:
	fprintf(stderr, "xenpvctl attach: %s\n", strerror(-rc));
	xpv_xs_close(xsh);
	return 1;
bad:
	fprintf(stderr, "xenpvctl attach: bad value for --%s: '%s'\n",
		opts[li].name, optarg);
usage:
	attach_usage(stderr);
	return 2;
}

/* The backend types xenpvd serves a VBD under (xenpvd(8) --type). */
static const char *const vbd_types[] = { "vbd", "qdisk", "vbd3" };

/*
 * Whether be is /local/domain/<bdom>/backend/<type>/<fdom>/<devid> for
 * this device, in canonical form, with bdom the expected backend domain
 * and type the one asked for (NULL: any of vbd_types).
 */
static bool backend_path_ok(const char *be, unsigned int want_bdom,
			    const char *want_type, unsigned int fdom,
			    unsigned int devid)
{
	char canon[XENSTORE_ABS_PATH_MAX + 1];
	unsigned int bdom, f, d, i;
	int ts = 0, te = 0, n;
	bool type_ok = false;

	if (sscanf(be, "/local/domain/%u/backend/%n%*[^/]%n/%u/%u", &bdom,
		   &ts, &te, &f, &d) != 3 || te <= ts || f != fdom ||
	    d != devid || bdom != want_bdom)
		return false;
	for (i = 0; i < sizeof(vbd_types) / sizeof(vbd_types[0]); i++) {
		const char *t = want_type ? want_type : vbd_types[i];

		if (strlen(t) == (size_t)(te - ts) &&
		    !strncmp(be + ts, t, (size_t)(te - ts)))
			type_ok = true;
	}
	if (!type_ok)
		return false;
	/* Nothing sscanf tolerates (spaces, signs, zeros, a tail). */
	n = snprintf(canon, sizeof(canon), "/local/domain/%u/backend/%.*s/%u/%u",
		     bdom, te - ts, be + ts, f, d);
	return n > 0 && (size_t)n < sizeof(canon) && !strcmp(canon, be);
}

/*
 * The device's backend directory, into p->be: from the toolstack's record
 * (rec_path(): libxl's, or xenpvctl attach's) when there is one, which
 * only dom0 can write; else from the guest's <fe>/backend, as libxl did
 * before it kept records, and then only a backend directory of this very
 * device (domain, device id), in the expected backend domain and of a VBD
 * type (or the type asked for).  -EPERM when the path found is not one,
 * -ENOENT when there is no device.
 */
static int find_backend(struct xs_handle *xsh, struct vbd_paths *p,
			unsigned int bdom, const char *type, unsigned int fdom,
			unsigned int devid)
{
	int rc = rec_path(p, fdom, devid);

	if (rc < 0)
		return rc;
	rc = xpv_xs_read(xsh, XBT_NULL, p->rec, "backend", p->be,
			 sizeof(p->be));
	if (rc < 0) {
		if (rc != -ENOENT)
			return rc;
		rc = xpv_xs_read(xsh, XBT_NULL, p->fe, "backend", p->be,
				 sizeof(p->be));
	}
	if (rc < 0)
		return rc;
	return backend_path_ok(p->be, bdom, type, fdom, devid) ? 0 : -EPERM;
}

#define DETACH_USAGE \
	"usage: xenpvctl detach --domid N [--vdev xvda] [--timeout 10] " \
	"[--force] [--type T] [--backend-domid 0]\n"

/* A guest's value made fit for a terminal: non-printable bytes as '?'. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

int ctl_detach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domid", required_argument, NULL, 'd' },
		{ "vdev", required_argument, NULL, 'v' },
		{ "timeout", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'f' },
		{ "type", required_argument, NULL, 'T' },
		{ "backend-domid", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vbd_paths p;
	const char *type = NULL;
	unsigned int fdom = 0, devid, bdom = 0;
	const char *vdev = "xvda";
	bool have_domid = false, force = false;
	double timeout_s = 10;
	struct xs_handle *xsh = NULL;
	int c, rc, n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (ctl_parse_domid(optarg, &fdom) < 0)
				goto usage;
			have_domid = true;
			break;
		case 'v':
			vdev = optarg;
			break;
		case 't':
			timeout_s = strtod(optarg, NULL);
			break;
		case 'f':
			force = true;
			break;
		case 'T':
			type = optarg;
			break;
		case 'b':
			if (ctl_parse_domid(optarg, &bdom) < 0)
				goto usage;
			break;
		case 'h':
			printf(DETACH_USAGE);
			return 0;
		default:
			goto usage;
		}
	}
	if (!have_domid || optind != argc || parse_vdev(vdev, &devid) < 0)
		goto usage;
	n = snprintf(p.fe, sizeof(p.fe), "/local/domain/%u/device/vbd/%u",
		     fdom, devid);
	if (n < 0 || (size_t)n >= sizeof(p.fe))
		goto usage;

	rc = xpv_xs_open(&xsh);
	if (rc < 0)
		goto fail;
	rc = find_backend(xsh, &p, bdom, type, fdom, devid);
	if (rc == -EPERM) {
		printable(p.be);
		fprintf(stderr, "xenpvctl detach: the backend path '%s' is not a backend directory of this device (domain %u, backend domain %u, type %s): refused\n",
			p.be, fdom, bdom, type ? type : "vbd, qdisk or vbd3");
		xpv_xs_close(xsh);
		return 1;
	}
	if (rc < 0) {
		fprintf(stderr, "xenpvctl detach: no device %s of domain %u\n",
			vdev, fdom);
		xpv_xs_close(xsh);
		return 1;
	}
	rc = ctl_detach_dev(xsh, &p, timeout_s, force);
	if (rc == -ETIMEDOUT) {
		fprintf(stderr, "xenpvctl detach: backend did not reach Closed within %gs (use --force)\n",
			timeout_s);
		xpv_xs_close(xsh);
		return 1;
	}
	if (rc < 0)
		goto fail;
	xpv_xs_close(xsh);
	return 0;

fail:
	fprintf(stderr, "xenpvctl detach: %s\n", strerror(-rc));
	xpv_xs_close(xsh);
	return 1;
usage:
	fprintf(stderr, DETACH_USAGE);
	return 2;
}

static void list_one(struct xs_handle *xsh, const char *type,
		     const char *fdom, const char *devid, unsigned int bdom)
{
	char be[XENSTORE_ABS_PATH_MAX + 1], fe[XENSTORE_ABS_PATH_MAX + 1];
	char params[256], mode[8], name[16];
	XenbusState bs = 0, fs = 0;
	uint32_t d;

	if (xpv_parse_path_id(devid, strlen(devid), UINT32_MAX, &d) < 0)
		return;
	snprintf(be, sizeof(be), "/local/domain/%u/backend/%s/%s/%s", bdom,
		 type, fdom, devid);
	if (xpv_xs_read(xsh, XBT_NULL, be, "frontend", fe, sizeof(fe)) < 0)
		fe[0] = '\0';
	if (xpv_xs_read(xsh, XBT_NULL, be, "params", params, sizeof(params)) <
	    0)
		strcpy(params, "-");
	if (xpv_xs_read(xsh, XBT_NULL, be, "mode", mode, sizeof(mode)) < 0)
		strcpy(mode, "-");
	xpv_xs_read_state(xsh, XBT_NULL, be, &bs);
	if (fe[0])
		xpv_xs_read_state(xsh, XBT_NULL, fe, &fs);
	printf("%-6s %-6s %-8s %-6s %-4s %-14s %-14s %s\n", fdom,
	       vdev_name(d, name, sizeof(name)), devid, type,
	       mode, xpv_state_name(bs), xpv_state_name(fs),
	       params);
}

int ctl_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 'T' },
		{ "backend-domid", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *type = "qdisk";
	unsigned int bdom = 0;
	struct xs_handle *xsh = NULL;
	char dir[XENSTORE_ABS_PATH_MAX + 1];
	char **doms = NULL, **devs = NULL;
	int c, nd, nv, i, j, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'T':
			type = optarg;
			break;
		case 'b':
			if (ctl_parse_domid(optarg, &bdom) < 0)
				goto usage;
			break;
		case 'h':
			printf("usage: xenpvctl list [--type qdisk] [--backend-domid 0]\n");
			return 0;
		default:
			goto usage;
		}
	}
	if (optind != argc || strchr(type, '/'))
		goto usage;
	rc = xpv_xs_open(&xsh);
	if (rc < 0) {
		fprintf(stderr, "xenpvctl list: %s\n", strerror(-rc));
		return 1;
	}
	printf("%-6s %-6s %-8s %-6s %-4s %-14s %-14s %s\n", "domid", "vdev",
	       "devid", "type", "mode", "backend", "frontend", "params");
	snprintf(dir, sizeof(dir), "/local/domain/%u/backend/%s", bdom, type);
	nd = xpv_xs_directory(xsh, XBT_NULL, dir, NULL, &doms);
	for (i = 0; i < nd; i++) {
		char sub[XENSTORE_ABS_PATH_MAX + 1];
		uint32_t id;

		if (xpv_parse_path_id(doms[i], strlen(doms[i]), 0x7fef, &id) < 0)
			continue;
		if (xpv_xs_path(sub, sizeof(sub), dir, doms[i]) < 0)
			continue;
		nv = xpv_xs_directory(xsh, XBT_NULL, sub, NULL, &devs);
		for (j = 0; j < nv; j++)
			list_one(xsh, type, doms[i], devs[j], bdom);
		free(devs);
		devs = NULL;
	}
	free(doms);
	xpv_xs_close(xsh);
	return 0;
usage:
	fprintf(stderr, "usage: xenpvctl list [--type qdisk] [--backend-domid 0]\n");
	return 2;
}
