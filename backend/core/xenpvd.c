/* SPDX-License-Identifier: MIT */
/*
 * xenpvd.c - the daemon's entry point: options, signals, logging, and the
 * main loop (XenStore watches, control socket, signals).
 *
 * The main thread runs discovery and the state machines (device.c) and
 * the control socket; each queue of each VBD has its own worker thread
 * (worker.c).  SIGTERM and SIGINT stop the daemon cleanly: every worker
 * finishes its in-flight I/O and pushes the responses, everything is
 * unmapped, and nothing is written to XenStore (no Closing, no Closed), so
 * a restarted daemon takes the devices over and the guests do not notice.
 *
 * Settings come from the built-in defaults, then the configuration file,
 * then the options (conf.h).  The process never forks: under systemd it
 * runs in the foreground (Type=notify: READY=1 once XenStore is watched).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "9pfs.h"
#include "net.h"
#include "p9sock.h"
#include "ring-flex.h"
#include "blk.h"
#include "conf.h"
#include "control.h"
#include "dm.h"
#include "log.h"
#include "qmp.h"
#include "sim.h"
#include "sock.h"
#include "vbd3.h"
#include "xendev.h"
#include "xs-parse.h"
#include "xs-util.h"

/* ---- systemd readiness (sd_notify(3) without libsystemd) ---- */

/* Sends msg to $NOTIFY_SOCKET when systemd gave one; never fails. */
static void notify_systemd(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, strlen(path));
	if (path[0] == '@')
		sa.sun_path[0] = '\0';	/* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			  strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   len) < 0)
		xpvd_dbg(XPVD_C_MAIN, "sd_notify %s: %s", msg, strerror(errno));
	close(fd);
}

/* ---- options ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xenpvd [OPTIONS]\n"
		"       xenpvd -xen-domid N [QEMU DEVICE MODEL ARGS] [OPTIONS]\n"
		"              (as a PV guest's device model: see xenpvd(8))\n"
		"  --config=PATH               configuration file (default "
		XPVD_CONFIG_FILE ";\n"
		"                              options override it)\n"
		"  --check-config              print the effective settings, exit\n"
		"  --platform=xen|sim|auto     hypervisor platform (default: auto)\n"
		"  --type=NAME                 serve backend/NAME (default qdisk;\n"
		"                              vbd qdisk vbd3 9pfs xen_9pfs vif)\n"
		"  --max-indirect-segments=N   0..4096, 256 by default; <= 11 disables\n"
		"  --max-ring-page-order=N     0..4 (default 4)\n"
		"  --max-queues=N              1..%u (default: number of CPUs)\n"
		"  --persistent, --no-persistent\n"
		"                              offer persistent grants, or not (default:\n"
		"                              yes, except in a PV dom0; key: auto)\n"
		"  --persistent-grants=N       persistent grants cached per ring (4096)\n"
		"  --buffer-budget=MIB         copy buffers per device (default 64)\n"
		"  --engine=auto|uring|psync   storage engine (default auto)\n"
		"  --registered-buffers=yes|no copy buffers registered with io_uring (yes)\n"
		"  --cache=direct|writeback    O_DIRECT (default) or page cache\n"
		"  --sector-size=N             force the logical sector size of files\n"
		"  --control=PATH              control socket path\n"
		"  --state-dir=DIR             handoff files for restarts\n"
		"                              (default: the control socket's)\n"
		"  --domid=all|N               serve domain N's devices only\n"
		"  --qmp-stats=yes|no          xentop's QMP sockets, type qdisk\n"
		"                              (default yes)\n"
		"  --qmp-stats-dir=DIR         where (default /var/run/xen)\n"
		"  --vbd3-stats=yes|no         xentop statistics files (default yes)\n"
		"  --vbd3-stats-dir=DIR        where (default /dev/shm)\n"
		"  --foreground                debugging: log to stderr (the process\n"
		"                              never forks; see xenpvd(8))\n"
		"  --log=auto|stderr|syslog|FILE\n"
		"                              where the log goes (default auto)\n"
		"  --log-file=FILE             the same as --log=FILE\n"
		"  --debug=COMP,...            main,dev,io,req,gnt,ctl or all\n"
		"9pfs shares (type 9pfs or xen_9pfs):\n"
		"  --p9-max-rings=N            rings offered per share (2..16,\n"
		"                              default 4)\n"
		"  --p9-max-ring-page-order=N  1..9 (default 9: 1 MiB each way)\n"
		"  --p9-threads=N              requests run at once per ring\n"
		"                              (default 4)\n"
		"  --p9-max-fids=N, --p9-max-open=N, --p9-max-xattr=BYTES\n"
		"                              per-share caps (0: the defaults)\n"
		"  --p9-xattr-any=yes|no       every xattr namespace, not only\n"
		"                              user.* (default no)\n"
		"  --p9-socket=PATH --p9-socket-export=DIR\n"
		"                              debugging: serve DIR over 9P on a\n"
		"                              unix socket (off by default)\n"
		"vifs (type vif, on TAP devices vif<domid>.<devid>):\n"
		"  --net-max-queues=N          queues offered per vif (1..%u,\n"
		"                              default %u)\n"
		"  --net-rx-drain-timeout-ms=N frames for a guest without rx\n"
		"                              buffers dropped after N ms\n"
		"                              (default %u)\n"
		"  --net-rx-stall-timeout-ms=N its carrier off after N ms\n"
		"                              (default %u)\n",
		XPVD_MAX_QUEUES, XPVD_NET_MAX_QUEUES, XPVD_NET_DEFAULT_QUEUES,
		XPVD_NET_DEFAULT_RX_DRAIN_MS, XPVD_NET_DEFAULT_RX_STALL_MS);
}

enum { OPT_CONFIG = 256, OPT_CHECK, OPT_FOREGROUND, OPT_KEY };

/*
 * Options that set a configuration key: the key is the option's name (see
 * keys[] for the exceptions), handled by xpvd_config_set().
 */
static const struct option long_opts[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "check-config", no_argument, NULL, OPT_CHECK },
	{ "foreground", no_argument, NULL, OPT_FOREGROUND },
	{ "help", no_argument, NULL, 'h' },
	{ "platform", required_argument, NULL, OPT_KEY },
	{ "type", required_argument, NULL, OPT_KEY },
	{ "max-indirect-segments", required_argument, NULL, OPT_KEY },
	{ "max-ring-page-order", required_argument, NULL, OPT_KEY },
	{ "max-queues", required_argument, NULL, OPT_KEY },
	{ "persistent", no_argument, NULL, OPT_KEY },
	{ "no-persistent", no_argument, NULL, OPT_KEY },
	{ "persistent-grants", required_argument, NULL, OPT_KEY },
	{ "buffer-budget", required_argument, NULL, OPT_KEY },
	{ "engine", required_argument, NULL, OPT_KEY },
	{ "registered-buffers", required_argument, NULL, OPT_KEY },
	{ "cache", required_argument, NULL, OPT_KEY },
	{ "sector-size", required_argument, NULL, OPT_KEY },
	{ "control", required_argument, NULL, OPT_KEY },
	{ "state-dir", required_argument, NULL, OPT_KEY },
	{ "domid", required_argument, NULL, OPT_KEY },
	{ "qmp-stats", required_argument, NULL, OPT_KEY },
	{ "qmp-stats-dir", required_argument, NULL, OPT_KEY },
	{ "vbd3-stats", required_argument, NULL, OPT_KEY },
	{ "vbd3-stats-dir", required_argument, NULL, OPT_KEY },
	{ "log", required_argument, NULL, OPT_KEY },
	{ "log-file", required_argument, NULL, OPT_KEY },
	{ "debug", required_argument, NULL, OPT_KEY },
	{ "p9-max-rings", required_argument, NULL, OPT_KEY },
	{ "p9-max-ring-page-order", required_argument, NULL, OPT_KEY },
	{ "p9-threads", required_argument, NULL, OPT_KEY },
	{ "p9-max-fids", required_argument, NULL, OPT_KEY },
	{ "p9-max-open", required_argument, NULL, OPT_KEY },
	{ "p9-max-xattr", required_argument, NULL, OPT_KEY },
	{ "p9-xattr-any", required_argument, NULL, OPT_KEY },
	{ "p9-socket", required_argument, NULL, OPT_KEY },
	{ "p9-socket-export", required_argument, NULL, OPT_KEY },
	{ "net-max-queues", required_argument, NULL, OPT_KEY },
	{ "net-rx-drain-timeout-ms", required_argument, NULL, OPT_KEY },
	{ "net-rx-stall-timeout-ms", required_argument, NULL, OPT_KEY },
	{ NULL, 0, NULL, 0 },
};

struct cli {
	const char *config;		/* --config, or NULL */
	bool check;			/* --check-config */
	unsigned int nr;
	const char **keys, **vals;	/* argc entries each */
};

/* The key an option sets, and its value for options without one. */
static void opt_key(const char *name, const char *arg, const char **key,
		    const char **val)
{
	*key = name;
	*val = arg;
	if (!strcmp(name, "persistent")) {
		*val = "yes";
	} else if (!strcmp(name, "no-persistent")) {
		*key = "persistent";
		*val = "no";
	} else if (!strcmp(name, "log-file")) {
		*key = "log";
	}
}

/* Records the options (applied after the file); -EINVAL on a bad one. */
static int parse_options(int argc, char **argv, struct cli *cli,
			 struct xpvd_config *cfg)
{
	int c, idx;

	while ((c = getopt_long(argc, argv, "h", long_opts, &idx)) != -1) {
		switch (c) {
		case OPT_CONFIG:
			cli->config = optarg;
			break;
		case OPT_CHECK:
			cli->check = true;
			break;
		case OPT_FOREGROUND:
			cfg->foreground = true;
			break;
		case OPT_KEY:
			opt_key(long_opts[idx].name, optarg,
				&cli->keys[cli->nr], &cli->vals[cli->nr]);
			cli->nr++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xenpvd: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/*
 * The settings: defaults, then the configuration file, then the options.
 * 0, or 2 (the exit status) after printing why.
 */
static int configure(int argc, char **argv, struct xpvd_config *cfg,
		     bool *check)
{
	struct cli cli = { 0 };
	char err[512];
	unsigned int i;
	int rc = 2, err_no;

	xpvd_config_defaults(cfg);
	cli.keys = calloc((size_t)argc, sizeof(*cli.keys));
	cli.vals = calloc((size_t)argc, sizeof(*cli.vals));
	if (!cli.keys || !cli.vals) {
		fprintf(stderr, "xenpvd: out of memory\n");
		goto out;
	}
	if (parse_options(argc, argv, &cli, cfg)) {
		usage(stderr);
		goto out;
	}
	err_no = xpvd_config_load(cfg, cli.config ? cli.config :
				  XPVD_CONFIG_FILE, cli.config != NULL, err,
				  sizeof(err));
	/* A missing default file is fine; a missing --config is not. */
	if (err_no && !(err_no == -ENOENT && !cli.config)) {
		fprintf(stderr, "xenpvd: %s\n", err);
		goto out;
	}
	for (i = 0; i < cli.nr; i++) {
		if (xpvd_config_set(cfg, cli.keys[i], cli.vals[i], err,
				    sizeof(err))) {
			fprintf(stderr, "xenpvd: --%s: %s\n", cli.keys[i], err);
			goto out;
		}
	}
	xpvd_debug_mask = cfg->debug_mask;
	*check = cli.check;
	rc = 0;
out:
	free(cli.keys);
	free(cli.vals);
	return rc;
}

/* ---- xentop statistics ---- */

static void vbd3_put(void *opaque, const struct xpvd_vbd_view *v)
{
	int err = xpvd_vbd3_put(opaque, v->domid, v->devid, v->stats);

	if (err)
		xpvd_dbg(XPVD_C_MAIN, "vbd3 statistics of %u/%u: %s",
			 v->domid, v->devid, strerror(-err));
}

static void vbd3_update(struct xpvd_vbd3 *v, struct xpvd_devices *devs)
{
	if (!v)
		return;
	xpvd_vbd3_begin(v);
	xpvd_blk_foreach(devs, XPVD_ALL_DOMAINS, vbd3_put, v);
	xpvd_vbd3_end(v);
}

/* ---- device model (dm.h) ---- */

#ifndef XPVD_XEN_RUN_DIR
#define XPVD_XEN_RUN_DIR "/var/run/xen"	/* libxl's and libxenstat's */
#endif

/* The settings of a device model, whatever the file and options say:
 * libxl starts one for a domain's qdisk disks (XPVD_DM_TYPES). */
static void dm_config(struct xpvd_config *cfg, const struct xpvd_dm *dm)
{
	snprintf(cfg->type, sizeof(cfg->type), "%s", XPVD_DM_TYPES);
	cfg->domid = dm->domid;
	cfg->handoff = false;
	cfg->qmp_stats = false;	/* libxl names the monitors */
	if (cfg->log == XPVD_LOG_AUTO)
		cfg->log = XPVD_LOG_STDERR; /* libxl's qemu-dm-<name>.log */
}

/*
 * Whether another backend already took a disk of the domain: libxl writes
 * a guest's disks (state Initialising) before it starts the device model,
 * so one in a later state has a backend - a xenpvd service serving every
 * domain's backend/qdisk, say.  Two backends on one ring would mix the
 * guest's I/O: refuse, and say what to change.  0, or -1 after logging.
 */
static int dm_check_untaken(struct xs_handle *xsh, const char *root,
			    uint32_t domid)
{
	char dir[160], **devs = NULL;
	XenbusState st;
	int n, i, rc = 0;

	snprintf(dir, sizeof(dir), "%s/%u", root, domid);
	n = xpv_xs_directory(xsh, XBT_NULL, dir, NULL, &devs);
	for (i = 0; i < n && !rc; i++) {
		char be[224];

		snprintf(be, sizeof(be), "%s/%s", dir, devs[i]);
		if (xpv_xs_read_state(xsh, XBT_NULL, be, &st) == 0 &&
		    st > XenbusStateInitialising) {
			xpvd_err(XPVD_C_MAIN,
				 "%s is in state %d already: another backend "
				 "serves it (a xenpvd service for all domains? "
				 "give it domid = 0 in xenpvd.conf)", be,
				 (int)st);
			rc = -1;
		}
	}
	free(devs);
	return rc;
}

/*
 * Opens the monitors libxl named and tells libxl the device model runs
 * (device-model/<domid>/state, which it waits for).  0, or -1 after
 * logging why (libxl then sees the process exit and fails the start).
 */
static int dm_start(const struct xpvd_config *cfg, const struct xpvd_dm *dm,
		    struct xpvd_qmp **qmp)
{
	struct xs_handle *xsh;
	char dir[64], root[128];
	const char *p;
	unsigned int i;
	size_t n;
	int err;

	err = xpvd_qmp_open(qmp);
	for (i = 0; !err && i < dm->nr_monitors; i++) {
		if (dm->mon[i].fd >= 0)
			err = xpvd_qmp_listen_fd(*qmp, dm->mon[i].fd,
						 dm->domid);
		else
			err = xpvd_qmp_listen_path(*qmp, dm->mon[i].path,
						   dm->domid);
		if (err)
			xpvd_err(XPVD_C_MAIN, "QMP monitor %s (%s): %s",
				 dm->mon[i].id, dm->mon[i].fd >= 0 ? "fd" :
				 dm->mon[i].path, strerror(-err));
	}
	if (err)
		return -1;
	snprintf(dir, sizeof(dir), "/local/domain/%u/device-model/%u",
		 cfg->self_domid, dm->domid);
	err = xpv_xs_open(&xsh);
	if (!err) {
		for (p = cfg->type; *p; p += n + (p[n] == ' ')) {
			n = strcspn(p, " ");
			snprintf(root, sizeof(root),
				 "/local/domain/%u/backend/%.*s",
				 cfg->self_domid, (int)n, p);
			if (dm_check_untaken(xsh, root, dm->domid)) {
				xpv_xs_close(xsh);
				return -1;
			}
		}
		err = xpv_xs_write(xsh, XBT_NULL, dir, "state", "running");
		xpv_xs_close(xsh);
	}
	if (err) {
		xpvd_err(XPVD_C_MAIN, "writing %s/state: %s", dir,
			 strerror(-err));
		return -1;
	}
	xpvd_info(XPVD_C_MAIN, "device model of domain %u%s%s: running",
		  dm->domid, *dm->name ? " " : "", dm->name);
	return 0;
}

/* ---- standing in for xen-9pfsd (Xen >= 4.19) ---- */

/*
 * libxl spawns LIBEXEC_BIN/xen-9pfsd (no arguments) for a xen_9pfs share
 * when /local/domain/<self>/libxl/xen-9pfs/state is absent, and waits for
 * it to read `running`.  Installed under that name, xenpvd serves
 * backend/xen_9pfs and writes the key; a daemon serving xen_9pfs under its
 * own name writes it too, so that libxl never starts a second server.
 */
#define P9D_NAME "xen-9pfsd"

static bool p9d_argv(const char *argv0)
{
	const char *b = strrchr(argv0, '/');

	return !strcmp(b ? b + 1 : argv0, P9D_NAME);
}

struct p9d_claim {
	const char *dir;
	bool spawned;		/* as xen-9pfsd: another one wins */
	bool other;		/* out: the key was there */
};

static int p9d_claim_txn(struct xs_handle *xsh, xs_transaction_t t,
			 void *opaque)
{
	struct p9d_claim *c = opaque;
	char buf[32];

	c->other = xpv_xs_read(xsh, t, c->dir, "state", buf, sizeof(buf)) >= 0;
	if (c->other && c->spawned)
		return 0;
	return xpv_xs_write(xsh, t, c->dir, "state", "running");
}

/* 1 when a xen-9pfsd is running already (we were spawned: leave), 0 when
 * the key is ours, -errno. */
static int p9d_claim(const struct xpvd_config *cfg, bool spawned, char *dir,
		     size_t size)
{
	struct p9d_claim c = { .dir = dir, .spawned = spawned };
	struct xs_handle *xsh;
	int err;

	snprintf(dir, size, "/local/domain/%u/libxl/xen-9pfs",
		 cfg->self_domid);
	err = xpv_xs_open(&xsh);
	if (err)
		return err;
	err = xpv_xs_transact(xsh, p9d_claim_txn, &c);
	xpv_xs_close(xsh);
	if (err)
		return err;
	return c.other && spawned ? 1 : 0;
}

/* As xen-9pfsd at its exit: the key goes, so libxl spawns a new one. */
static void p9d_release(const char *dir)
{
	struct xs_handle *xsh;

	if (xpv_xs_open(&xsh))
		return;
	xpv_xs_rm(xsh, XBT_NULL, dir, NULL);
	xpv_xs_close(xsh);
}

/* ---- the 9P server on a unix socket (debugging, p9sock.h) ---- */

/* Serves p9-socket-export on p9-socket.  0, or -1 after logging why. */
static int p9_debug_socket(const struct xpvd_config *cfg,
			   struct p9_export **exp, struct p9_sock **sock)
{
	struct p9_export_opts o = {
		.path = cfg->p9_socket_export,
		.model = P9_SM_NONE,
		.max_fids = cfg->p9_max_fids,
		.max_open = cfg->p9_max_open,
		.max_xattr = cfg->p9_max_xattr,
		.xattr_any = cfg->p9_xattr_any,
	};
	int err;

	if (!*cfg->p9_socket_export) {
		xpvd_err(XPVD_C_MAIN, "p9-socket needs p9-socket-export");
		return -1;
	}
	err = p9_export_open(&o, exp);
	if (!err)
		err = p9_sock_start(*exp, cfg->p9_socket,
				    XPV_FLEX_RING_SIZE(cfg->p9_max_order),
				    sock);
	if (err) {
		xpvd_err(XPVD_C_MAIN, "9P debugging socket %s for %s: %s",
			 cfg->p9_socket, cfg->p9_socket_export,
			 strerror(-err));
		return -1;
	}
	xpvd_warn(XPVD_C_MAIN, "debugging: serving %s over 9P on %s",
		  cfg->p9_socket_export, cfg->p9_socket);
	return 0;
}

/* ---- main ---- */

/* The channels this daemon carries (xendev.h), and so the backend types
 * it can serve. */
static const struct xpvd_channel *const channels[] = {
	&xpvd_blk_channel,
	&xpvd_p9_channel,
	&xpvd_net_channel,
	NULL,
};

int main(int argc, char **argv)
{
	static struct xpvd_config cfg;
	const char *world;
	char *slash;
	struct xpvd_devices *devs = NULL;
	struct xpvd_vbd3 *vbd3 = NULL;
	struct xpvd_control *ctl = NULL;
	struct xpvd_qmp *qmp = NULL;
	struct p9_export *p9exp = NULL;
	struct p9_sock *p9sock = NULL;
	struct signalfd_siginfo si;
	/* Signals, XenStore, reaper, the control socket's, QMP's. */
	struct pollfd pfd[3 + XPVD_CTL_NR_POLLFDS + XPVD_QMP_NR_POLLFDS];
	struct pollfd *qpfd = &pfd[3 + XPVD_CTL_NR_POLLFDS];
	int64_t vbd3_next = 0, now;
	struct xpvd_dm dm = { 0 };
	bool dm_mode = xpvd_dm_argv(argc, argv);
	bool p9d_mode = !dm_mode && p9d_argv(argv[0]), p9d_claimed = false;
	char err_text[256], p9d_dir[96];
	sigset_t mask;
	int sfd = -1, err, rc = 1, timeout, t;
	bool check = false;

	if (dm_mode) {
		/* A device model: QEMU's command line (dm.h), with our own
		 * options among it ("--..."). */
		if (xpvd_dm_parse(argc, argv, &dm, err_text,
				  sizeof(err_text))) {
			fprintf(stderr, "xenpvd (device model): %s\n",
				err_text);
			free(dm.opts);
			return 2;
		}
		memmove(dm.opts + 1, dm.opts, dm.nr_opts * sizeof(*dm.opts));
		dm.opts[0] = argv[0];
		err = configure((int)dm.nr_opts + 1, dm.opts, &cfg, &check);
		free(dm.opts);
		if (err)
			return 2;
		dm_config(&cfg, &dm);
	} else if (configure(argc, argv, &cfg, &check)) {
		return 2;
	} else if (p9d_mode) {
		/* What libxl spawned it for, whatever the file says. */
		snprintf(cfg.type, sizeof(cfg.type), "xen_9pfs");
		cfg.handoff = false;
	}
	cfg.plat = xpv_platform_get(*cfg.platform ? cfg.platform : NULL);
	if (!cfg.plat) {
		fprintf(stderr, "xenpvd: platform '%s' not available\n",
			*cfg.platform ? cfg.platform : "auto");
		return 2;
	}
	/* persistent = auto: not in a PV dom0 (conf.h says why). */
	if (cfg.persistent_auto && !strcmp(cfg.plat->name, "xen") &&
	    xpvd_guest_type_pv(XPVD_GUEST_TYPE_PATH) == 1)
		cfg.persistent = false;
	if (!*cfg.control_path) {
		xpvd_control_default_path(cfg.plat->name, cfg.control_path,
					  sizeof(cfg.control_path));
		/* One per device model, beside the daemon's. */
		slash = strrchr(cfg.control_path, '/');
		if (dm_mode && slash)
			snprintf(slash + 1, sizeof(cfg.control_path) -
				 (size_t)(slash + 1 - cfg.control_path),
				 "xenpvd-dm-%u.sock", cfg.domid);
	}
	if (!*cfg.state_dir) {
		snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s",
			 cfg.control_path);
		slash = strrchr(cfg.state_dir, '/');
		if (slash && slash != cfg.state_dir)
			*slash = '\0';
		else
			snprintf(cfg.state_dir, sizeof(cfg.state_dir), ".");
	}
	if (!*cfg.vbd3_dir) {
		/* A sim world keeps its files to itself (and takes them
		 * away when destroyed, even after a SIGKILL). */
		world = getenv("XENPV_SIM_WORLD");
		snprintf(cfg.vbd3_dir, sizeof(cfg.vbd3_dir), "%s",
			 !strcmp(cfg.plat->name, "sim") && world && *world ?
				 world : "/dev/shm");
	}
	if (!*cfg.qmp_dir) {
		world = getenv("XENPV_SIM_WORLD");
		snprintf(cfg.qmp_dir, sizeof(cfg.qmp_dir), "%s",
			 !strcmp(cfg.plat->name, "sim") && world && *world ?
				 world : XPVD_XEN_RUN_DIR);
	}
	if (check) {
		xpvd_config_print(stdout, &cfg);
		return 0;
	}
	err = xpvd_log_setup(&cfg);
	if (err) {
		fprintf(stderr, "xenpvd: cannot open the log %s: %s\n",
			cfg.log_file, strerror(-err));
		return 2;
	}
	cfg.self_domid = !strcmp(cfg.plat->name, "sim") ?
		(unsigned int)xpv_sim_self_domid() : 0;

	/* Workers inherit this mask: only the main thread takes signals. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);	/* ignored, but by a device model */
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A guest writing past RLIMIT_FSIZE gets EFBIG, not the daemon
	 * killed. */
	signal(SIGXFSZ, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		xpvd_err(XPVD_C_MAIN, "signalfd: %s", strerror(errno));
		goto out;
	}

	err = xpvd_devices_open(&cfg, channels, &devs);
	if (err == -EPROTONOSUPPORT)
		goto out; /* a type no channel serves: said */
	if (err) {
		xpvd_err(XPVD_C_MAIN, "cannot watch XenStore: %s",
			 strerror(-err));
		goto out;
	}
	if (xpvd_config_has_type(&cfg, "xen_9pfs")) {
		err = p9d_claim(&cfg, p9d_mode, p9d_dir, sizeof(p9d_dir));
		if (err == 1) {
			xpvd_info(XPVD_C_MAIN, "%s is running already",
				  P9D_NAME);
			rc = 0;
			goto out;
		}
		if (err)
			xpvd_warn(XPVD_C_MAIN, "%s/state: %s", p9d_dir,
				  strerror(-err));
		p9d_claimed = !err;
	}
	err = xpvd_control_open(cfg.control_path, &ctl);
	if (err == -EPERM || err == -ENOTDIR)
		xpvd_warn(XPVD_C_MAIN, "control socket %s: its directory is "
			  "not one only we may write: refused (no stats)",
			  cfg.control_path);
	else if (err)
		xpvd_warn(XPVD_C_MAIN, "control socket %s: %s (no stats)",
			  cfg.control_path, strerror(-err));
	if (dm_mode) {
		if (dm_start(&cfg, &dm, &qmp))
			goto out;
	} else if (cfg.qmp_stats && xpvd_config_has_type(&cfg, "qdisk")) {
		/* xentop asks only about backend/qdisk (qmp.h). */
		err = xpvd_qmp_open(&qmp);
		if (err)
			xpvd_warn(XPVD_C_MAIN, "xentop QMP sockets: %s",
				  strerror(-err));
	}
	if (cfg.vbd3_stats) {
		err = xpvd_vbd3_open(cfg.vbd3_dir, &vbd3);
		if (err == -EPERM || err == -ENOTDIR)
			xpvd_warn(XPVD_C_MAIN,
				  "xentop statistics: %s/td3-%d exists and is "
				  "not a directory of ours that only we may "
				  "write (planted by another user?): refused, "
				  "no statistics there", cfg.vbd3_dir,
				  (int)getpid());
		else if (err)
			xpvd_warn(XPVD_C_MAIN, "xentop statistics in %s: %s",
				  cfg.vbd3_dir, strerror(-err));
	}
	if (*cfg.p9_socket && p9_debug_socket(&cfg, &p9exp, &p9sock))
		goto out;
	xpvd_info(XPVD_C_MAIN, "serving backend/%s on %s, control %s",
		  cfg.type, cfg.plat->name, cfg.control_path);
	xpvd_info(XPVD_C_MAIN,
		  "block: indirect %u, ring order %u, %u queues, persistent "
		  "%s%s; 9pfs: %u rings of order %u, %u executors each; "
		  "net: %u queues",
		  cfg.max_indirect_segs, cfg.max_ring_order, cfg.max_queues,
		  cfg.persistent ? "on" : "off",
		  !cfg.persistent_auto ? "" : cfg.persistent ? " (auto)" :
		  " (auto: dom0 is a PV domain, where grant copy is faster)",
		  cfg.p9_max_rings,
		  cfg.p9_max_order, cfg.p9_threads, cfg.net_max_queues);
	/* Both would take every backend/vbd device: the first to write a
	 * state wins, and the guest gets a mix. */
	if (xpvd_config_has_type(&cfg, "vbd") &&
	    !strcmp(cfg.plat->name, "xen") &&
	    access("/sys/module/xen_blkback", F_OK) == 0)
		xpvd_warn(XPVD_C_MAIN,
			  "Linux xen-blkback is loaded and serves backend/vbd "
			  "too: unload it (rmmod xen_blkback)");
	notify_systemd("READY=1");

	pfd[0].fd = sfd;
	pfd[1].fd = xpvd_devices_fd(devs);
	pfd[2].fd = xpvd_devices_reap_fd(devs);
	pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
	for (;;) {
		/* The control socket never blocks this loop (control.h): a
		 * client costs a few non-blocking calls per wakeup at most. */
		/* The periodic work first: a QMP socket it makes is polled
		 * in this very poll(). */
		timeout = -1;
		if (vbd3 || (qmp && !dm_mode)) {
			now = xpvd_now_ms();
			if (now >= vbd3_next) {
				vbd3_update(vbd3, devs);
				if (!dm_mode)
					xpvd_qmp_sync(qmp, cfg.qmp_dir, devs);
				vbd3_next = now + XPVD_VBD3_UPDATE_MS;
			}
			timeout = (int)(vbd3_next - now);
		}
		xpvd_control_pollfds(ctl, &pfd[3]);
		xpvd_qmp_pollfds(qmp, qpfd);
		t = xpvd_devices_timeout(devs);
		if (t >= 0 && (timeout < 0 || t < timeout))
			timeout = t;
		t = xpvd_control_timeout(ctl);
		if (t >= 0 && (timeout < 0 || t < timeout))
			timeout = t;
		t = xpvd_qmp_timeout(qmp);
		if (t >= 0 && (timeout < 0 || t < timeout))
			timeout = t;
		if (poll(pfd, sizeof(pfd) / sizeof(pfd[0]), timeout) < 0) {
			if (errno == EINTR)
				continue;
			xpvd_err(XPVD_C_MAIN, "poll: %s", strerror(errno));
			goto out;
		}
		if (pfd[0].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) == sizeof(si) &&
			    (si.ssi_signo != SIGHUP || dm_mode ||
			     p9d_mode)) {
				xpvd_info(XPVD_C_MAIN, "signal %u: stopping%s",
					  si.ssi_signo, dm_mode ? "" :
					  " (devices stay connected)");
				notify_systemd("STOPPING=1");
				break;
			}
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			err = xpvd_devices_dispatch(devs);
			if (err) {
				xpvd_err(XPVD_C_MAIN, "XenStore: %s",
					 strerror(-err));
				goto out;
			}
		}
		if (dm_mode && xpvd_devices_domain_gone(devs)) {
			xpvd_info(XPVD_C_MAIN, "domain %u is gone: stopping",
				  cfg.domid);
			break;
		}
		if (pfd[2].revents & POLLIN)
			xpvd_devices_reap(devs);
		xpvd_devices_tick(devs);
		xpvd_control_serve(ctl, &pfd[3], devs);
		if (xpvd_qmp_serve(qmp, qpfd, devs)) {
			xpvd_info(XPVD_C_MAIN, "QMP quit: stopping");
			notify_systemd("STOPPING=1");
			break;
		}
	}
	rc = 0;
out:
	if (p9d_claimed && p9d_mode)
		p9d_release(p9d_dir);
	p9_sock_stop(p9sock);
	p9_export_close(p9exp);
	xpvd_qmp_close(qmp);
	xpvd_vbd3_close(vbd3);
	xpvd_control_close(ctl);
	xpvd_devices_close(devs);
	if (sfd >= 0)
		close(sfd);
	xpvd_log_close();
	return rc;
}
