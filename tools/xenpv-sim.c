/* SPDX-License-Identifier: MIT */
/*
 * xenpv-sim - creates and destroys simulated Xen worlds (see common/sim.h)
 * for tests and users, and prints the environment a process exports to live
 * in one of their domains.
 *
 *   xenpv-sim create DIR            a world with dom0 and a running xenstored
 *   xenpv-sim domain-create DIR DOMID [--name NAME] [--mem-mb N]
 *   xenpv-sim domain-destroy DIR DOMID
 *   xenpv-sim destroy DIR           every domain, every process, every file
 *   xenpv-sim env DIR [DOMID]
 *   xenpv-sim relay DIR DOMID [--socket PATH]   (the guest's xenbus relay,
 *                                   in the foreground; domain-create starts it)
 *
 * create and domain-create print "export ..." lines for eval.
 *
 * Guarantees: every process it starts (xenstored with the preload library,
 * one xenbus relay per guest) runs in its own session with its output in a
 * log file of the world, and is recorded in a pid file of the world before
 * the command returns; destroy stops exactly those processes (a pid is
 * signalled only while its environment still names this world) and waits
 * for them to be gone; a command that fails undoes what it did.
 *
 * Files of a world DIR besides the sim's own: xenstored.{sock,pid,log}
 * (xenstored.trace when XENPV_SIM_TRACE is set), and per guest N
 * xenstore-domN.sock, relay-domN.{pid,log}.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "sim.h"
#include "xenbus-relay.h"

#define PRELOAD_NAME "xenpv-xenstored-preload.so"
#define START_TIMEOUT_MS 30000
#define STOP_TIMEOUT_MS 5000
#define RELAY_EXIT_TIMEOUT_MS 5000

static const char *prog = "xenpv-sim";

static void __attribute__((format(printf, 1, 2))) err_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: %s create DIR\n"
		"       %s domain-create DIR DOMID [--name NAME] [--mem-mb N]\n"
		"       %s domain-destroy DIR DOMID\n"
		"       %s destroy DIR\n"
		"       %s env DIR [DOMID]\n"
		"       %s relay DIR DOMID [--socket PATH]\n"
		"       %s resources DIR DOMID\n",
		prog, prog, prog, prog, prog, prog, prog);
	return 2;
}

/* ---- small helpers ---- */

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int wpath(char *buf, const char *dir, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* buf (PATH_MAX) = dir "/" fmt...; -ENAMETOOLONG when it does not fit. */
static int wpath(char *buf, const char *dir, const char *fmt, ...)
{
	char name[NAME_MAX + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(name))
		return -ENAMETOOLONG;
	n = snprintf(buf, PATH_MAX, "%s/%s", dir, name);
	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static int parse_domid(const char *s, xpv_domid_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v >= 0x7ff0) {
		err_msg("bad domain id '%s'", s);
		return -EINVAL;
	}
	*out = (xpv_domid_t)v;
	return 0;
}

/* The world directory as an absolute path (it must exist). */
static int world_abs(const char *dir, char *out)
{
	if (!realpath(dir, out)) {
		err_msg("%s: %s", dir, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Prints v single-quoted for a POSIX shell. */
static void put_quoted(const char *v)
{
	putchar('\'');
	for (; *v; v++) {
		if (*v == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*v);
	}
	putchar('\'');
}

static int sock_ready(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd, ok;

	if (strlen(path) >= sizeof(sun.sun_path))
		return 0;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

/* ---- processes and pid files ---- */

static int pidfile_write(const char *path, pid_t pid)
{
	char tmp[PATH_MAX + 8];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "%d\n", (int)pid);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return -errno;
	}
	return 0;
}

static pid_t pidfile_read(const char *path)
{
	FILE *f = fopen(path, "re");
	int pid = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1 || pid <= 1)
		pid = 0;
	fclose(f);
	return pid;
}

/* Alive and not a zombie (an orphan's zombie may wait for a lazy init). */
static bool pid_running(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/* Does pid's environment hold XENPV_SIM_WORLD=world?  (Ours, not reused.) */
static bool pid_in_world(pid_t pid, const char *world)
{
	char path[64], want[PATH_MAX + 32], *buf = NULL, *p;
	size_t cap = 0, len = 0, n;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	snprintf(want, sizeof(want), "XENPV_SIM_WORLD=%s", world);
	f = fopen(path, "re");
	if (!f)
		return false;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 16384;
			p = realloc(buf, cap);
			if (!p)
				break;
			buf = p;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		if (!n)
			break;
		len += n;
	}
	fclose(f);
	if (!buf)
		return false;
	buf[len] = '\0';
	for (p = buf; p < buf + len; p += strlen(p) + 1) {
		if (!strcmp(p, want)) {
			found = true;
			break;
		}
	}
	free(buf);
	return found;
}

/* Reaps pid if it is our child; harmless otherwise. */
static void reap(pid_t pid)
{
	waitpid(pid, NULL, WNOHANG);
}

static bool wait_gone(pid_t pid, long timeout_ms)
{
	long waited;

	for (waited = 0; waited <= timeout_ms; waited += 20) {
		reap(pid);
		if (!pid_running(pid))
			return true;
		sleep_ms(20);
	}
	return false;
}

/*
 * Stops the process of a pid file (TERM, then KILL) if it still belongs to
 * world, and removes the pid file.  Returns 1 when a process was stopped.
 */
static int pidfile_stop(const char *path, const char *world)
{
	pid_t pid = pidfile_read(path);
	int stopped = 0;

	if (pid > 0 && pid_running(pid) && pid_in_world(pid, world)) {
		kill(pid, SIGTERM);
		if (!wait_gone(pid, STOP_TIMEOUT_MS)) {
			err_msg("pid %d ignored SIGTERM: killing it", (int)pid);
			kill(pid, SIGKILL);
			wait_gone(pid, STOP_TIMEOUT_MS);
		}
		stopped = 1;
	}
	unlink(path);
	return stopped;
}

/*
 * Starts argv[0] in its own session with stdin from /dev/null and stdout
 * and stderr appended to log, after setting env[] ("NAME=VALUE", NULL
 * terminated).  Returns the pid or -errno.
 */
static pid_t spawn(char *const argv[], char *const env[], const char *log)
{
	int fd, i;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		return pid;

	setsid();
	signal(SIGPIPE, SIG_DFL);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	for (i = 0; env[i]; i++)
		putenv(env[i]);
	execv(argv[0], argv);
	fprintf(stderr, "%s: exec %s: %s\n", prog, argv[0], strerror(errno));
	_exit(127);
}

/* Says where a relay that did not start is (seen once under load, not
 * understood yet): its state, wait channel and kernel stack. */
static void show_stuck(pid_t pid)
{
	static const char *const files[] = {"stat", "wchan", "stack"};
	char path[64], buf[2048];
	unsigned int i;
	ssize_t n;
	int fd;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, files[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		err_msg("the relay (pid %d) %s: %s", (int)pid, files[i], buf);
	}
}

/*
 * Waits for the relay's socket.  0; -ECHILD when the relay ended first
 * (how it ended is said: a relay that dies without a word in its log
 * has been seen once, under load, and is not understood yet);
 * -ETIMEDOUT.
 */
static int wait_socket(const char *path, pid_t pid)
{
	long waited;
	int status;

	for (waited = 0; waited <= START_TIMEOUT_MS; waited += 10) {
		if (sock_ready(path))
			return 0;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			if (WIFSIGNALED(status))
				err_msg("the relay (pid %d) was killed by "
					"signal %d after %ld ms", (int)pid,
					WTERMSIG(status), waited);
			else
				err_msg("the relay (pid %d) exited with "
					"status %d after %ld ms", (int)pid,
					WEXITSTATUS(status), waited);
			return -ECHILD;
		}
		sleep_ms(10);
	}
	err_msg("no relay socket %s after %d ms", path, START_TIMEOUT_MS);
	show_stuck(pid);
	return -ETIMEDOUT;
}

static void show_log(const char *log)
{
	char line[512];
	FILE *f = fopen(log, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "  | %s", line);
	fclose(f);
}

/* ---- finding what to run ---- */

static const char *find_preload(char *buf)
{
	const char *env = getenv("XENPV_PRELOAD");
	static const char *const rel[] = {
	    "../common/.libs/" PRELOAD_NAME,	  /* build tree */
	    "../../common/.libs/" PRELOAD_NAME,  /* tools/.libs/ */
	};
	char self[PATH_MAX], *slash;
	ssize_t n;
	size_t i;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			if (snprintf(buf, PATH_MAX, "%s/%s", self, rel[i]) <
				PATH_MAX &&
			    access(buf, R_OK) == 0)
				return buf;
		}
	}
	snprintf(buf, PATH_MAX, "%s/%s", XPV_PKGLIBDIR, PRELOAD_NAME);
	return buf;
}

static const char *xenstored_bin(void)
{
	const char *env = getenv("XENSTORED");

	return env && *env ? env : XENSTORED_BIN;
}

/* ---- XenStore as dom0 ---- */

static struct xs_handle *dom0_store(const char *world)
{
	char path[PATH_MAX];
	struct xs_handle *xsh;

	if (wpath(path, world, "xenstored.sock") < 0)
		return NULL;
	setenv("XENSTORED_PATH", path, 1);
	xsh = xs_open(XS_OPEN_SOCKETONLY);
	if (!xsh)
		err_msg("cannot reach xenstored at %s: %s", path,
			strerror(errno));
	return xsh;
}

/* Writes path = value in transaction t (value NULL: mkdir). */
static bool xs_put(struct xs_handle *xsh, xs_transaction_t t, const char *path,
		   const char *value)
{
	if (!value)
		return xs_mkdir(xsh, t, path);
	return xs_write(xsh, t, path, value, strlen(value));
}

/*
 * The toolstack's part of domain creation in the store: /local/domain/N
 * owned by N (what N writes there is its own), its name and domid, the
 * usual subdirectories, and the store ring it was given.
 */
static int store_make_domain(struct xs_handle *xsh, xpv_domid_t domid,
			     const char *name,
			     const struct xpv_sim_dominfo *info)
{
	struct xs_permissions perm = {.id = domid, .perms = XS_PERM_NONE};
	char dom[64], path[128], val[32];
	static const char *const dirs[] = {"device", "control", "data"};
	xs_transaction_t t;
	size_t i;
	bool ok;

	snprintf(dom, sizeof(dom), "/local/domain/%u", domid);
	for (;;) {
		t = xs_transaction_start(xsh);
		if (t == XBT_NULL)
			return -errno;
		ok = xs_put(xsh, t, dom, NULL) &&
		     xs_set_permissions(xsh, t, dom, &perm, 1);
		snprintf(path, sizeof(path), "%s/name", dom);
		ok = ok && xs_put(xsh, t, path, name);
		snprintf(path, sizeof(path), "%s/domid", dom);
		snprintf(val, sizeof(val), "%u", domid);
		ok = ok && xs_put(xsh, t, path, val);
		for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", dom, dirs[i]);
			ok = ok && xs_put(xsh, t, path, NULL);
		}
		snprintf(path, sizeof(path), "%s/store/port", dom);
		snprintf(val, sizeof(val), "%u", info->store_port);
		ok = ok && xs_put(xsh, t, path, val);
		snprintf(path, sizeof(path), "%s/store/ring-ref", dom);
		snprintf(val, sizeof(val), "%u", info->store_frame);
		ok = ok && xs_put(xsh, t, path, val);
		if (!ok) {
			int err = errno;

			xs_transaction_end(xsh, t, true);
			return -err;
		}
		if (xs_transaction_end(xsh, t, false))
			return 0;
		if (errno != EAGAIN)
			return -errno;
	}
}

/* ---- env ---- */

static void print_env(const char *world, int domid)
{
	char path[PATH_MAX];

	if (domid > 0)
		xpv_relay_default_path(world, (unsigned int)domid, path,
				       sizeof(path));
	else
		wpath(path, world, "xenstored.sock");
	fputs("export XENPV_SIM_WORLD=", stdout);
	put_quoted(world);
	printf(" XENPV_SIM_DOMID=%d XENSTORED_PATH=", domid > 0 ? domid : 0);
	put_quoted(path);
	fputs(" XENPV_PLATFORM=sim\n", stdout);
	fflush(stdout);
}

static int cmd_env(int argc, char **argv)
{
	struct xpv_sim_dominfo info;
	char world[PATH_MAX];
	xpv_domid_t domid = 0;
	int rc;

	if (argc < 2 || argc > 3)
		return usage();
	if (world_abs(argv[1], world) < 0)
		return 1;
	if (argc == 3 && parse_domid(argv[2], &domid) < 0)
		return 1;
	rc = xpv_sim_domain_info(world, domid, &info);
	if (rc < 0) {
		err_msg("domain %u of %s: %s", domid, world, strerror(-rc));
		return 1;
	}
	print_env(world, domid);
	return 0;
}

/*
 * resources DIR DOMID: what a domain holds, for leak checks in tests:
 * "maps=N ports=N" (grants of others it maps, event-channel ports open).
 * Dead processes' leftovers are reaped first, as the next map would.
 */
static int cmd_resources(int argc, char **argv)
{
	char world[PATH_MAX];
	xpv_domid_t domid;
	int maps, ports;

	if (argc != 3)
		return usage();
	if (world_abs(argv[1], world) < 0 || parse_domid(argv[2], &domid) < 0)
		return 1;
	xpv_sim_reap(world);
	maps = xpv_sim_count_maps(world, domid);
	ports = xpv_sim_count_ports(world, domid);
	if (maps < 0 || ports < 0) {
		err_msg("domain %u of %s: %s", domid, world,
			strerror(-(maps < 0 ? maps : ports)));
		return 1;
	}
	printf("maps=%d ports=%d\n", maps, ports);
	return 0;
}

/* ---- create, destroy ---- */

static int cmd_destroy(int argc, char **argv);

static int cmd_create(int argc, char **argv)
{
	char world[PATH_MAX], preload_buf[PATH_MAX], sock[PATH_MAX];
	char log[PATH_MAX], pidf[PATH_MAX], trace[PATH_MAX];
	char e_pre[PATH_MAX + 16], e_world[PATH_MAX + 24];
	char e_path[PATH_MAX + 24], e_run[PATH_MAX + 24];
	char *env[8], *args[8];
	const char *preload;
	struct xs_handle *xsh;
	char *destroy_argv[3];
	pid_t pid;
	int rc, n = 0;
	bool ok;

	if (argc != 2)
		return usage();
	rc = xpv_sim_world_create(argv[1]);
	if (rc < 0) {
		err_msg("cannot create world %s: %s", argv[1], strerror(-rc));
		return 1;
	}
	if (world_abs(argv[1], world) < 0 ||
	    wpath(sock, world, "xenstored.sock") < 0 ||
	    wpath(log, world, "xenstored.log") < 0 ||
	    wpath(pidf, world, "xenstored.pid") < 0 ||
	    wpath(trace, world, "xenstored.trace") < 0) {
		err_msg("%s: path too long", argv[1]);
		xpv_sim_world_destroy(argv[1]);
		return 1;
	}
	destroy_argv[0] = argv[0];
	destroy_argv[1] = world;
	destroy_argv[2] = NULL;

	preload = find_preload(preload_buf);
	if (access(preload, R_OK) < 0) {
		err_msg("no preload library %s (set XENPV_PRELOAD)", preload);
		goto fail;
	}
	snprintf(e_pre, sizeof(e_pre), "LD_PRELOAD=%s", preload);
	snprintf(e_world, sizeof(e_world), "XENPV_SIM_WORLD=%s", world);
	snprintf(e_path, sizeof(e_path), "XENSTORED_PATH=%s", sock);
	snprintf(e_run, sizeof(e_run), "XENSTORED_RUNDIR=%s", world);
	env[0] = e_pre;
	env[1] = e_world;
	env[2] = e_path;
	env[3] = e_run;
	env[4] = "XENPV_SIM_DOMID=0";
	env[5] = NULL;
	args[n++] = (char *)xenstored_bin();
	args[n++] = "--no-fork";
	if (getenv("XENPV_SIM_TRACE")) {
		args[n++] = "-T";
		args[n++] = trace;
	}
	args[n] = NULL;

	pid = spawn(args, env, log);
	if (pid < 0) {
		err_msg("cannot start %s: %s", args[0], strerror(-pid));
		goto fail;
	}
	rc = pidfile_write(pidf, pid);
	if (rc < 0) {
		err_msg("%s: %s", pidf, strerror(-rc));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto fail;
	}
	rc = wait_socket(sock, pid);
	if (rc < 0) {
		err_msg("xenstored did not start (%s); its log:",
			rc == -ECHILD ? "it exited" : "timeout");
		show_log(log);
		goto fail;
	}

	/* What xen-init-dom0 writes. */
	xsh = dom0_store(world);
	if (!xsh)
		goto fail;
	ok = xs_put(xsh, XBT_NULL, "/local/domain/0/name", "Domain-0") &&
	     xs_put(xsh, XBT_NULL, "/local/domain/0/domid", "0");
	xs_close(xsh);
	if (!ok) {
		err_msg("cannot write /local/domain/0: %s", strerror(errno));
		goto fail;
	}
	print_env(world, 0);
	return 0;
fail:
	cmd_destroy(2, destroy_argv);
	return 1;
}

/* Removes the world's files of ours whose names match. */
static void remove_our_files(const char *world)
{
	char path[PATH_MAX];
	struct dirent *de;
	unsigned int id;
	char rest[32];
	DIR *d;
	static const char *const fixed[] = {
	    "xenstored.sock", "xenstored.sock_ro", "xenstored.pid",
	    "xenstored.log",  "xenstored.trace",
	};
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (wpath(path, world, "%s", fixed[i]) == 0)
			unlink(path);
	d = opendir(world);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if ((sscanf(de->d_name, "relay-dom%u.%31s", &id, rest) == 2 &&
		     (!strcmp(rest, "pid") || !strcmp(rest, "log"))) ||
		    (sscanf(de->d_name, "xenstore-dom%u.%31s", &id, rest) ==
			 2 &&
		     !strcmp(rest, "sock")))
			if (wpath(path, world, "%s", de->d_name) == 0)
				unlink(path);
	}
	closedir(d);
}

static int cmd_destroy(int argc, char **argv)
{
	char world[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	unsigned int id;
	char rest[32];
	DIR *d;
	int rc;

	if (argc != 2)
		return usage();
	if (world_abs(argv[1], world) < 0)
		return 1;
	/* The guests' relays first: they are xenstored's clients. */
	d = opendir(world);
	if (d) {
		while ((de = readdir(d))) {
			if (sscanf(de->d_name, "relay-dom%u.%31s", &id, rest) ==
				2 &&
			    !strcmp(rest, "pid") &&
			    wpath(path, world, "%s", de->d_name) == 0)
				pidfile_stop(path, world);
		}
		closedir(d);
	}
	if (wpath(path, world, "xenstored.pid") == 0)
		pidfile_stop(path, world);
	remove_our_files(world);
	rc = xpv_sim_world_destroy(world);
	if (rc < 0) {
		err_msg("cannot destroy world %s: %s", world, strerror(-rc));
		return 1;
	}
	return 0;
}

/* ---- domains ---- */

static int cmd_domain_create(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"name", required_argument, NULL, 'n'},
	    {"mem-mb", required_argument, NULL, 'm'},
	    {NULL, 0, NULL, 0},
	};
	char world[PATH_MAX], sock[PATH_MAX], log[PATH_MAX], pidf[PATH_MAX];
	char self[PATH_MAX], dstr[16], namebuf[32];
	char e_world[PATH_MAX + 24], e_dom[40];
	char *env[3], *args[5];
	struct xpv_sim_dominfo info;
	struct xs_handle *xsh = NULL;
	const char *name = NULL;
	unsigned long mem_mb = 0;
	xpv_domid_t domid;
	char *end;
	ssize_t len;
	pid_t pid = 0;
	int rc, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'm':
			errno = 0;
			mem_mb = strtoul(optarg, &end, 10);
			if (errno || *end || !mem_mb || mem_mb > 65536) {
				err_msg("bad --mem-mb '%s'", optarg);
				return 1;
			}
			break;
		default:
			return usage();
		}
	}
	if (argc - optind != 2)
		return usage();
	if (world_abs(argv[optind], world) < 0 ||
	    parse_domid(argv[optind + 1], &domid) < 0)
		return 1;
	if (!domid) {
		err_msg("dom0 exists in every world");
		return 1;
	}
	if (!name) {
		snprintf(namebuf, sizeof(namebuf), "guest%u", domid);
		name = namebuf;
	}
	if (xpv_relay_default_path(world, domid, sock, sizeof(sock)) < 0 ||
	    wpath(log, world, "relay-dom%u.log", domid) < 0 ||
	    wpath(pidf, world, "relay-dom%u.pid", domid) < 0) {
		err_msg("%s: path too long", world);
		return 1;
	}

	rc = xpv_sim_domain_create(world, domid, (uint32_t)(mem_mb * 256));
	if (rc < 0) {
		err_msg("cannot create domain %u: %s", domid, strerror(-rc));
		return 1;
	}
	rc = xpv_sim_domain_info(world, domid, &info);
	if (rc < 0) {
		err_msg("domain %u: %s", domid, strerror(-rc));
		goto fail;
	}

	/* The guest's "kernel": its xenbus relay, as domain N. */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0) {
		err_msg("cannot find myself: %s", strerror(errno));
		goto fail;
	}
	self[len] = '\0';
	snprintf(dstr, sizeof(dstr), "%u", domid);
	snprintf(e_world, sizeof(e_world), "XENPV_SIM_WORLD=%s", world);
	snprintf(e_dom, sizeof(e_dom), "XENPV_SIM_DOMID=%u", domid);
	env[0] = e_world;
	env[1] = e_dom;
	env[2] = NULL;
	args[0] = self;
	args[1] = "relay";
	args[2] = world;
	args[3] = dstr;
	args[4] = NULL;
	pid = spawn(args, env, log);
	if (pid < 0) {
		err_msg("cannot start the relay: %s", strerror(-pid));
		pid = 0;
		goto fail;
	}
	rc = pidfile_write(pidf, pid);
	if (rc < 0) {
		err_msg("%s: %s", pidf, strerror(-rc));
		goto fail;
	}
	rc = wait_socket(sock, pid);
	if (rc < 0) {
		err_msg("the relay of domain %u did not start; its log:",
			domid);
		show_log(log);
		goto fail;
	}

	/* The toolstack: introduce the domain, then its store entries. */
	xsh = dom0_store(world);
	if (!xsh)
		goto fail;
	if (!xs_introduce_domain(xsh, domid, info.store_frame,
				 info.store_port)) {
		err_msg("XS_INTRODUCE of domain %u: %s", domid,
			strerror(errno));
		goto fail;
	}
	rc = store_make_domain(xsh, domid, name, &info);
	if (rc < 0) {
		err_msg("cannot write /local/domain/%u: %s", domid,
			strerror(-rc));
		xs_release_domain(xsh, domid);
		goto fail;
	}
	xs_close(xsh);
	print_env(world, domid);
	return 0;
fail:
	if (xsh)
		xs_close(xsh);
	if (pid > 0) {
		kill(pid, SIGTERM);
		if (!wait_gone(pid, STOP_TIMEOUT_MS))
			kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		unlink(pidf);
	}
	xpv_sim_domain_destroy(world, domid);
	return 1;
}

static int cmd_domain_destroy(int argc, char **argv)
{
	char world[PATH_MAX], pidf[PATH_MAX], dom[64];
	struct xpv_sim_dominfo info;
	struct xs_handle *xsh;
	xpv_domid_t domid;
	pid_t pid;
	int rc, ret = 0;

	if (argc != 3)
		return usage();
	if (world_abs(argv[1], world) < 0 || parse_domid(argv[2], &domid) < 0)
		return 1;
	if (!domid) {
		err_msg("dom0 cannot be destroyed");
		return 1;
	}
	if (wpath(pidf, world, "relay-dom%u.pid", domid) < 0)
		return 1;

	/* As on Xen: the domain dies first, and the store notices. */
	rc = xpv_sim_domain_info(world, domid, &info);
	if (rc < 0) {
		err_msg("domain %u: %s", domid, strerror(-rc));
		ret = 1;
	} else {
		rc = xpv_sim_domain_destroy(world, domid);
		if (rc < 0) {
			err_msg("cannot destroy domain %u: %s", domid,
				strerror(-rc));
			ret = 1;
		}
	}

	/* Its relay sees the domain die and exits by itself. */
	pid = pidfile_read(pidf);
	if (pid > 0 && pid_running(pid) && pid_in_world(pid, world) &&
	    !wait_gone(pid, RELAY_EXIT_TIMEOUT_MS))
		err_msg("the relay of domain %u did not exit by itself", domid);
	pidfile_stop(pidf, world);

	xsh = dom0_store(world);
	if (!xsh)
		return 1;
	/* Normally done by xenstored already (VIRQ_DOM_EXC). */
	xs_release_domain(xsh, domid);
	snprintf(dom, sizeof(dom), "/local/domain/%u", domid);
	if (!xs_rm(xsh, XBT_NULL, dom) && errno != ENOENT) {
		err_msg("cannot remove %s: %s", dom, strerror(errno));
		ret = 1;
	}
	xs_close(xsh);
	return ret;
}

/* ---- the relay (a guest's xenbus) in the foreground ---- */

static int cmd_relay(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	char world[PATH_MAX], dstr[16];
	const char *sock = NULL;
	struct xpv_relay *r;
	xpv_domid_t domid;
	sigset_t set;
	int c, rc, sfd;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 's')
			return usage();
		sock = optarg;
	}
	if (argc - optind != 2)
		return usage();
	if (world_abs(argv[optind], world) < 0 ||
	    parse_domid(argv[optind + 1], &domid) < 0)
		return 1;
	/* The relay runs as that domain. */
	snprintf(dstr, sizeof(dstr), "%u", domid);
	setenv("XENPV_SIM_WORLD", world, 1);
	setenv("XENPV_SIM_DOMID", dstr, 1);

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		err_msg("signalfd: %s", strerror(errno));
		return 1;
	}
	rc = xpv_relay_open(&r, sock);
	if (rc < 0) {
		err_msg("relay for domain %u: %s", domid, strerror(-rc));
		close(sfd);
		return 1;
	}
	err_msg("relay: domain %u serving", domid);
	rc = xpv_relay_run(r, sfd);
	xpv_relay_close(r);
	close(sfd);
	switch (rc) {
	case XPV_RELAY_STOPPED:
		err_msg("relay: domain %u: stopped by a signal", domid);
		return 0;
	case XPV_RELAY_DOMAIN_GONE:
		err_msg("relay: domain %u destroyed, exiting", domid);
		return 0;
	default:
		err_msg("relay: domain %u: %s", domid, strerror(-rc));
		return 1;
	}
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
	    {"create", cmd_create},
	    {"destroy", cmd_destroy},
	    {"domain-create", cmd_domain_create},
	    {"domain-destroy", cmd_domain_destroy},
	    {"env", cmd_env},
	    {"relay", cmd_relay},
	    {"resources", cmd_resources},
	};
	size_t i;

	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage();
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	err_msg("unknown command '%s'", argv[1]);
	return usage();
}
