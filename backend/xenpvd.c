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
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "blkif.h"
#include "control.h"
#include "device.h"
#include "sim.h"
#include "xenpvd.h"
#include "xs-parse.h"

/* ---- logging ---- */

unsigned int xpvd_debug_mask;
static FILE *log_file;

static const char *const comp_names[XPVD_C_NR] = {
	[XPVD_C_MAIN] = "main", [XPVD_C_DEV] = "dev", [XPVD_C_IO] = "io",
	[XPVD_C_REQ] = "req",	[XPVD_C_GNT] = "gnt", [XPVD_C_CTL] = "ctl",
};

void xpvd_log(int level, enum xpvd_comp comp, const char *fmt, ...)
{
	static const char *const lvl[] = {
		[LOG_ERR] = "error", [LOG_WARNING] = "warning",
		[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
	};
	char line[1024];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
		     "%02d:%02d:%02d.%03ld xenpvd[%d] %s %s: ", tm.tm_hour,
		     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, (int)getpid(),
		     level >= 0 && level <= LOG_DEBUG && lvl[level] ?
			     lvl[level] : "log",
		     (unsigned int)comp < XPVD_C_NR ? comp_names[comp] : "?");
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line, so threads do not interleave. */
	fprintf(log_file ? log_file : stderr, "%s\n", line);
}

int xpvd_debug_parse(const char *list, unsigned int *mask)
{
	char buf[256], *tok, *save = NULL;
	unsigned int m = 0, i;

	if (strlen(list) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			m = (1u << XPVD_C_NR) - 1;
			continue;
		}
		for (i = 0; i < XPVD_C_NR; i++)
			if (!strcmp(tok, comp_names[i]))
				break;
		if (i == XPVD_C_NR)
			return -EINVAL;
		m |= 1u << i;
	}
	*mask = m;
	return 0;
}

int xpvd_log_open_file(const char *path)
{
	FILE *f = fopen(path, "ae");

	if (!f)
		return -errno;
	setvbuf(f, NULL, _IOLBF, 0);
	log_file = f;
	return 0;
}

bool xpvd_ratelimit_ok(struct xpvd_ratelimit *rl, unsigned int *missed)
{
	time_t now = time(NULL);

	if (now - rl->start >= XPVD_RL_INTERVAL) {
		*missed = rl->missed;
		rl->start = now;
		rl->count = 0;
		rl->missed = 0;
	} else {
		*missed = 0;
	}
	if (rl->count >= XPVD_RL_BURST) {
		rl->missed++;
		return false;
	}
	rl->count++;
	return true;
}

/* ---- options ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xenpvd [OPTIONS]\n"
		"  --platform=xen|sim          hypervisor platform (default: auto)\n"
		"  --type=NAME                 serve backend/NAME (default qdisk)\n"
		"  --max-indirect-segments=N   0..4096, 256 by default; <= 11 disables\n"
		"  --max-ring-page-order=N     0..4 (default 4)\n"
		"  --max-queues=N              1..%u (default: number of CPUs)\n"
		"  --no-persistent             do not offer persistent grants\n"
		"  --persistent-grants=N       persistent grants cached per ring (4096)\n"
		"  --engine=auto|uring|psync   storage engine (default auto)\n"
		"  --cache=direct|writeback    O_DIRECT (default) or page cache\n"
		"  --sector-size=N             force the logical sector size of files\n"
		"  --control=PATH              control socket path\n"
		"  --state-dir=DIR             handoff files for restarts\n"
		"                              (default: the control socket's)\n"
		"  --foreground                stay in the foreground (the default)\n"
		"  --debug=COMP,...            main,dev,io,req,gnt,ctl or all\n"
		"  --log-file=PATH             log there instead of stderr\n",
		XPVD_MAX_QUEUES);
}

static int parse_num(const char *opt, const char *s, uint32_t max,
		     uint32_t *out)
{
	if (xpv_parse_u32(s, strlen(s), max, 0, out)) {
		fprintf(stderr, "xenpvd: bad %s '%s' (0..%u)\n", opt, s, max);
		return -EINVAL;
	}
	return 0;
}

enum {
	OPT_PLATFORM = 256, OPT_TYPE, OPT_INDIRECT, OPT_ORDER, OPT_QUEUES,
	OPT_NO_PERSISTENT, OPT_PGRANTS, OPT_ENGINE, OPT_CACHE, OPT_SECTOR,
	OPT_CONTROL, OPT_FOREGROUND, OPT_DEBUG, OPT_LOGFILE, OPT_STATE_DIR,
};

static const struct option long_opts[] = {
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "max-indirect-segments", required_argument, NULL, OPT_INDIRECT },
	{ "max-ring-page-order", required_argument, NULL, OPT_ORDER },
	{ "max-queues", required_argument, NULL, OPT_QUEUES },
	{ "no-persistent", no_argument, NULL, OPT_NO_PERSISTENT },
	{ "persistent-grants", required_argument, NULL, OPT_PGRANTS },
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "cache", required_argument, NULL, OPT_CACHE },
	{ "sector-size", required_argument, NULL, OPT_SECTOR },
	{ "control", required_argument, NULL, OPT_CONTROL },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "foreground", no_argument, NULL, OPT_FOREGROUND },
	{ "debug", required_argument, NULL, OPT_DEBUG },
	{ "log-file", required_argument, NULL, OPT_LOGFILE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_options(int argc, char **argv, struct xpvd_config *cfg,
			 const char **platform)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int c;

	cfg->type = "qdisk";
	cfg->max_indirect_segs = XPVD_DEFAULT_INDIRECT;
	cfg->max_ring_order = XPVD_MAX_RING_ORDER;
	cfg->max_queues = ncpu < 1 ? 1 : ncpu > (long)XPVD_MAX_QUEUES ?
		XPVD_MAX_QUEUES : (uint32_t)ncpu;
	cfg->persistent = true;
	cfg->max_pgrants = XPVD_DEFAULT_PGRANTS;
	cfg->engine = XPV_IOQ_AUTO;
	cfg->cache = XPV_CACHE_DIRECT;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_PLATFORM:
			*platform = optarg;
			break;
		case OPT_TYPE:
			cfg->type = optarg;
			if (!*optarg || strchr(optarg, '/'))
				return -EINVAL;
			break;
		case OPT_INDIRECT:
			if (parse_num("--max-indirect-segments", optarg,
				      XPV_BLKIF_MAX_INDIRECT_SEGMENTS,
				      &cfg->max_indirect_segs))
				return -EINVAL;
			if (cfg->max_indirect_segs <= XPV_BLKIF_MAX_SEGMENTS)
				cfg->max_indirect_segs = 0;
			break;
		case OPT_ORDER:
			if (parse_num("--max-ring-page-order", optarg,
				      XPVD_MAX_RING_ORDER,
				      &cfg->max_ring_order))
				return -EINVAL;
			break;
		case OPT_QUEUES:
			if (parse_num("--max-queues", optarg, XPVD_MAX_QUEUES,
				      &cfg->max_queues) ||
			    cfg->max_queues == 0)
				return -EINVAL;
			break;
		case OPT_NO_PERSISTENT:
			cfg->persistent = false;
			break;
		case OPT_PGRANTS:
			if (parse_num("--persistent-grants", optarg, 1u << 20,
				      &cfg->max_pgrants))
				return -EINVAL;
			break;
		case OPT_ENGINE:
			if (xpv_ioq_engine_parse(optarg, &cfg->engine)) {
				fprintf(stderr, "xenpvd: bad engine '%s'\n",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_CACHE:
			if (!strcmp(optarg, "direct"))
				cfg->cache = XPV_CACHE_DIRECT;
			else if (!strcmp(optarg, "writeback"))
				cfg->cache = XPV_CACHE_WRITEBACK;
			else
				return -EINVAL;
			break;
		case OPT_SECTOR:
			if (parse_num("--sector-size", optarg,
				      XPV_DISK_MAX_SECTOR, &cfg->sector_size))
				return -EINVAL;
			break;
		case OPT_CONTROL:
			cfg->control_path = optarg;
			break;
		case OPT_STATE_DIR:
			cfg->state_dir = optarg;
			if (!*optarg)
				return -EINVAL;
			break;
		case OPT_FOREGROUND:
			break;
		case OPT_DEBUG:
			if (xpvd_debug_parse(optarg, &xpvd_debug_mask)) {
				fprintf(stderr, "xenpvd: bad --debug '%s'\n",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_LOGFILE:
			if (xpvd_log_open_file(optarg)) {
				fprintf(stderr, "xenpvd: cannot open %s\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind < argc)
		return -EINVAL;
	return 0;
}

/* ---- main ---- */

int main(int argc, char **argv)
{
	static struct xpvd_config cfg;
	const char *platform = NULL;
	char ctl_path[256], state_dir[256], *slash;
	struct xpvd_devices *devs = NULL;
	struct signalfd_siginfo si;
	struct pollfd pfd[4];
	sigset_t mask;
	int sfd = -1, cfd = -1, err, rc = 1;

	if (parse_options(argc, argv, &cfg, &platform)) {
		usage(stderr);
		return 2;
	}
	cfg.plat = xpv_platform_get(platform);
	if (!cfg.plat) {
		fprintf(stderr, "xenpvd: unknown platform '%s'\n", platform);
		return 2;
	}
	cfg.self_domid = !strcmp(cfg.plat->name, "sim") ?
		(unsigned int)xpv_sim_self_domid() : 0;
	if (!cfg.control_path) {
		xpvd_control_default_path(cfg.plat->name, ctl_path,
					  sizeof(ctl_path));
		cfg.control_path = ctl_path;
	}
	if (!cfg.state_dir) {
		snprintf(state_dir, sizeof(state_dir), "%s", cfg.control_path);
		slash = strrchr(state_dir, '/');
		if (slash && slash != state_dir)
			*slash = '\0';
		else
			snprintf(state_dir, sizeof(state_dir), ".");
		cfg.state_dir = state_dir;
	}

	/* Workers inherit this mask: only the main thread takes signals. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		xpvd_err(XPVD_C_MAIN, "signalfd: %s", strerror(errno));
		return 1;
	}

	err = xpvd_devices_open(&cfg, &devs);
	if (err) {
		xpvd_err(XPVD_C_MAIN, "cannot watch XenStore: %s",
			 strerror(-err));
		goto out;
	}
	cfd = xpvd_control_open(cfg.control_path);
	if (cfd < 0)
		xpvd_warn(XPVD_C_MAIN, "control socket %s: %s (no stats)",
			  cfg.control_path, strerror(-cfd));
	xpvd_info(XPVD_C_MAIN,
		  "serving backend/%s on %s: indirect %u, ring order %u, "
		  "%u queues, persistent %s, control %s",
		  cfg.type, cfg.plat->name, cfg.max_indirect_segs,
		  cfg.max_ring_order, cfg.max_queues,
		  cfg.persistent ? "on" : "off", cfg.control_path);

	pfd[0].fd = sfd;
	pfd[1].fd = xpvd_devices_fd(devs);
	pfd[2].fd = cfd;
	pfd[3].fd = xpvd_devices_reap_fd(devs);
	pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
	pfd[3].events = POLLIN;
	for (;;) {
		if (poll(pfd, 4, xpvd_devices_timeout(devs)) < 0) {
			if (errno == EINTR)
				continue;
			xpvd_err(XPVD_C_MAIN, "poll: %s", strerror(errno));
			goto out;
		}
		if (pfd[0].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) == sizeof(si) &&
			    si.ssi_signo != SIGHUP) {
				xpvd_info(XPVD_C_MAIN,
					  "signal %u: stopping (devices stay "
					  "connected)", si.ssi_signo);
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
		if (cfd >= 0 && (pfd[2].revents & POLLIN))
			xpvd_control_serve(cfd, devs);
		if (pfd[3].revents & POLLIN)
			xpvd_devices_reap(devs);
		xpvd_devices_tick(devs);
	}
	rc = 0;
out:
	xpvd_control_close(cfd, cfd >= 0 ? cfg.control_path : NULL);
	xpvd_devices_close(devs);
	close(sfd);
	if (log_file)
		fclose(log_file);
	return rc;
}
