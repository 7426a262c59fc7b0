/* SPDX-License-Identifier: MIT */
/*
 * qmp.c - the QMP server (see qmp.h).  Not on the data path: answers are
 * built in memory streams.  Like the control socket, every client is
 * driven by the main loop's poll() and nothing here waits; unlike it, a
 * QMP client sends many commands on one connection, so a client reads and
 * writes at the same time: input is framed into commands as it comes
 * (qmpmsg.h), answers are queued in order.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "qmp.h"
#include "qmpmsg.h"
#include "sock.h"
#include "stats.h"

#define SUN_LEN_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

struct listener {
	int fd;			/* -1: a free slot */
	uint32_t domid;		/* whose disks its clients see */
	bool bound;		/* we made path: unlink it at close */
	bool automatic;		/* made by xpvd_qmp_sync() */
	bool seen;		/* xpvd_qmp_sync(): the domain still has disks */
	char path[SUN_LEN_MAX];
};

struct client {
	int fd;			/* -1: a free slot */
	uint32_t domid;
	bool can_quit;		/* a device model's monitor (not made by
				 * xpvd_qmp_sync(): the daemon serves other
				 * domains too) */
	int64_t deadline;	/* CLOCK_MONOTONIC ms: closed after */
	size_t inlen;
	char in[XPVD_QMP_IN_MAX];
	char *out;		/* queued answers (malloc) */
	size_t outlen, outoff;
};

struct xpvd_qmp {
	struct listener l[XPVD_QMP_MAX_LISTENERS];
	struct client cl[XPVD_QMP_MAX_CLIENTS];
	struct xpvd_ratelimit rl;	/* drop warnings, all clients */
};

int xpvd_qmp_open(struct xpvd_qmp **out)
{
	struct xpvd_qmp *q = calloc(1, sizeof(*q));
	unsigned int i;

	if (!q)
		return -ENOMEM;
	for (i = 0; i < XPVD_QMP_MAX_LISTENERS; i++)
		q->l[i].fd = -1;
	for (i = 0; i < XPVD_QMP_MAX_CLIENTS; i++)
		q->cl[i].fd = -1;
	*out = q;
	return 0;
}

static struct listener *free_listener(struct xpvd_qmp *q)
{
	unsigned int i;

	for (i = 0; i < XPVD_QMP_MAX_LISTENERS; i++)
		if (q->l[i].fd < 0)
			return &q->l[i];
	return NULL;
}

/* Whether a server answers at path (a live socket, not a stale one). */
static bool someone_listens(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	live = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return live;
}

int xpvd_qmp_listen_path(struct xpvd_qmp *q, const char *path,
			 uint32_t domid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct listener *l = free_listener(q);
	int fd;

	if (!l)
		return -ENOSPC;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	if (someone_listens(&sa))
		return -EADDRINUSE;
	fd = xpvd_unix_listen(path, 0600);
	if (fd < 0)
		return fd;
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->domid = domid;
	l->bound = true;
	strcpy(l->path, path);
	xpvd_dbg(XPVD_C_CTL, "qmp: listening at %s for domain %u", path,
		 domid);
	return 0;
}

int xpvd_qmp_listen_fd(struct xpvd_qmp *q, int fd, uint32_t domid)
{
	struct listener *l = free_listener(q);
	int fl;

	if (!l)
		return -ENOSPC;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->domid = domid;
	return 0;
}

static void listener_close(struct listener *l)
{
	close(l->fd);
	if (l->bound)
		unlink(l->path);
	memset(l, 0, sizeof(*l));
	l->fd = -1;
}

/* ---- xpvd_qmp_sync(): one socket per domain ---- */

struct sync_ctx {
	struct xpvd_qmp *q;
	const char *dir;
};

static void sync_one(void *opaque, const struct xpvd_vbd_view *v)
{
	struct sync_ctx *c = opaque;
	char path[SUN_LEN_MAX];
	unsigned int i;
	int err;

	for (i = 0; i < XPVD_QMP_MAX_LISTENERS; i++) {
		if (c->q->l[i].fd >= 0 && c->q->l[i].automatic &&
		    c->q->l[i].domid == v->domid) {
			c->q->l[i].seen = true;
			return;
		}
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/qmp-libxenstat-%u",
			     c->dir, v->domid) >= sizeof(path))
		return;
	err = xpvd_qmp_listen_path(c->q, path, v->domid);
	if (err == -EADDRINUSE || err == -ENOENT) {
		/* A device model of its own answers there (asked again at
		 * the next sync, in case it goes), or no such directory (no
		 * Xen tools here to read it). */
		xpvd_dbg(XPVD_C_CTL, "qmp: %s: %s", path, strerror(-err));
		return;
	}
	if (err) {
		xpvd_log_guest(&c->q->rl, XPVD_C_CTL,
			       "qmp: %s: %s (xentop shows no disks of "
			       "domain %u)", path, strerror(-err), v->domid);
		return;
	}
	for (i = 0; i < XPVD_QMP_MAX_LISTENERS; i++) {
		if (c->q->l[i].fd >= 0 && !strcmp(c->q->l[i].path, path)) {
			c->q->l[i].automatic = true;
			c->q->l[i].seen = true;
		}
	}
}

void xpvd_qmp_sync(struct xpvd_qmp *q, const char *dir,
		   struct xpvd_devices *devs)
{
	struct sync_ctx c = { q, dir };
	unsigned int i;

	if (!q)
		return;
	for (i = 0; i < XPVD_QMP_MAX_LISTENERS; i++)
		q->l[i].seen = false;
	xpvd_blk_foreach(devs, XPVD_ALL_DOMAINS, sync_one, &c);
	for (i = 0; i < XPVD_QMP_MAX_LISTENERS; i++)
		if (q->l[i].fd >= 0 && q->l[i].automatic && !q->l[i].seen)
			listener_close(&q->l[i]);
}

/* ---- clients ---- */

static void client_close(struct client *cl)
{
	close(cl->fd);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

static void client_drop(struct xpvd_qmp *q, struct client *cl,
			const char *why)
{
	xpvd_log_guest(&q->rl, XPVD_C_CTL, "qmp client dropped: %s", why);
	client_close(cl);
}

/* Queues text (a whole answer); false if the client must be dropped. */
static bool client_queue(struct client *cl, const char *text, size_t len)
{
	size_t pending = cl->outlen - cl->outoff;
	char *n;

	if (pending + len > XPVD_QMP_OUT_MAX)
		return false;
	if (cl->outoff) {
		memmove(cl->out, cl->out + cl->outoff, pending);
		cl->outoff = 0;
		cl->outlen = pending;
	}
	n = realloc(cl->out, pending + len);
	if (!n)
		return false;
	memcpy(n + pending, text, len);
	cl->out = n;
	cl->outlen = pending + len;
	return true;
}

/* Sends what the socket takes.  -1 when the client is gone. */
static int client_flush(struct client *cl)
{
	int r = xpvd_send_pending(cl->fd, cl->out, cl->outlen, &cl->outoff);

	if (r > 0)
		cl->outoff = cl->outlen = 0;
	return r < 0 ? -1 : 0;
}

/* text inside a JSON string (escaped, without the quotes). */
static void json_chars(FILE *f, const char *text)
{
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
}

/* text as a JSON string. */
static void json_str(FILE *f, const char *text)
{
	fputc('"', f);
	json_chars(f, text);
	fputc('"', f);
}

/* query-blockstats and query-block: one entry per disk of the domain. */
struct list_ctx {
	FILE *f;
	bool block;	/* query-block, else query-blockstats */
	bool first;
};

static void list_one(void *opaque, const struct xpvd_vbd_view *v)
{
	struct list_ctx *c = opaque;
	const struct xpvd_qstats *s = v->stats;

	fprintf(c->f, "%s{\"device\": \"vbd-%u-%u\", ", c->first ? "" : ", ",
		v->domid, v->devid);
	c->first = false;
	if (c->block) {
		fprintf(c->f, "\"type\": \"unknown\", \"removable\": false, "
			"\"locked\": false");
		if (*v->path) {
			fprintf(c->f, ", \"inserted\": {\"file\": ");
			json_str(c->f, v->path);
			fprintf(c->f, ", \"ro\": %s, \"drv\": \"raw\", "
				"\"image\": {\"filename\": ",
				v->readonly ? "true" : "false");
			json_str(c->f, v->path);
			fprintf(c->f, ", \"format\": \"raw\", "
				"\"virtual-size\": %" PRIu64 "}}", v->size);
		}
		fprintf(c->f, "}");
		return;
	}
	fprintf(c->f,
		"\"stats\": {\"rd_bytes\": %" PRIu64 ", \"wr_bytes\": %" PRIu64
		", \"rd_operations\": %" PRIu64 ", \"wr_operations\": %" PRIu64
		", \"flush_operations\": %" PRIu64
		", \"unmap_operations\": %" PRIu64
		", \"rd_total_time_ns\": %" PRIu64
		", \"wr_total_time_ns\": %" PRIu64
		", \"flush_total_time_ns\": %" PRIu64
		", \"failed_rd_operations\": 0, \"failed_wr_operations\": 0"
		", \"invalid_rd_operations\": 0, \"invalid_wr_operations\": 0"
		"}}",
		s->sectors_read * 512, s->sectors_written * 512, s->reads,
		s->writes, s->flushes + s->barriers, s->discards,
		s->lat_sum_us[XPVD_LAT_READ] * 1000,
		s->lat_sum_us[XPVD_LAT_WRITE] * 1000,
		s->lat_sum_us[XPVD_LAT_OTHER] * 1000);
}

/* A protocol error answer (QEMU's class for them). */
static void error_text(FILE *f, const char *why)
{
	fprintf(f, "{\"error\": {\"class\": \"GenericError\", \"desc\": "
		"\"%s\"}", why);
}

/* The answer to one command, without its "id" and its line end. */
static int answer(FILE *f, const struct xpvd_qmp_cmd *cmd,
		  const struct client *cl, struct xpvd_devices *devs)
{
	struct list_ctx c = { f, false, true };
	const char *e = cmd->execute;
	uint32_t domid = cl->domid;

	if (!strcmp(e, "quit") && !cl->can_quit) {
		error_text(f, "quit stops a device model; this daemon "
			   "serves other domains too");
		return 0;
	}
	if (!strcmp(e, "qmp_capabilities") || !strcmp(e, "quit")) {
		fprintf(f, "{\"return\": {}");
	} else if (!strcmp(e, "query-status")) {
		fprintf(f, "{\"return\": {\"status\": \"running\", "
			"\"singlestep\": false, \"running\": true}");
	} else if (!strcmp(e, "query-version")) {
		fprintf(f, "{\"return\": {\"qemu\": {\"major\": 0, \"minor\": "
			"0, \"micro\": 0}, \"package\": \"xenpvd %s\"}",
			PACKAGE_VERSION);
	} else if (!strcmp(e, "query-chardev")) {
		/* libxl looks for the guest's serial ptys: none here. */
		fprintf(f, "{\"return\": []");
	} else if (!strcmp(e, "query-name")) {
		fprintf(f, "{\"return\": {\"name\": \"xenpvd\"}");
	} else if (!strcmp(e, "query-blockstats") ||
		   !strcmp(e, "query-block")) {
		c.block = !strcmp(e, "query-block");
		fprintf(f, "{\"return\": [");
		xpvd_blk_foreach(devs, domid, list_one, &c);
		fprintf(f, "]");
	} else {
		fprintf(f, "{\"error\": {\"class\": \"CommandNotFound\", "
			"\"desc\": \"The command ");
		json_chars(f, e);
		fprintf(f, " has not been found\"}");
		return 0;
	}
	return !strcmp(e, "quit");
}

/* Answers every complete command in the input.  1 after "quit", -1 when
 * the client must be dropped, else 0. */
static int client_commands(struct xpvd_qmp *q, struct client *cl,
			   struct xpvd_devices *devs)
{
	struct xpvd_qmp_cmd cmd;
	const char *why;
	char *text = NULL, *skip;
	size_t len = 0;
	ssize_t n;
	FILE *f;
	int quit = 0;

	while (cl->inlen && !quit) {
		n = xpvd_qmp_frame(cl->in, cl->inlen);
		if (n == 0) {
			if (cl->inlen == sizeof(cl->in)) {
				client_drop(q, cl, "command too long");
				return -1;
			}
			return 0;
		}
		f = open_memstream(&text, &len);
		if (!f) {
			client_drop(q, cl, "out of memory");
			return -1;
		}
		if (n < 0) {
			/* Answer, and start again at the next '{' (QEMU's
			 * parser also goes on after an error). */
			error_text(f, "JSON parse error");
			skip = memchr(cl->in + 1, '{', cl->inlen - 1);
			n = skip ? skip - cl->in : (ssize_t)cl->inlen;
			memmove(cl->in, cl->in + n, cl->inlen - (size_t)n);
			cl->inlen -= (size_t)n;
		} else {
			if (xpvd_qmp_parse(cl->in, (size_t)n, &cmd, &why)) {
				error_text(f, why);
				cmd.id_len = 0;
			} else {
				xpvd_dbg(XPVD_C_CTL, "qmp: domain %u: %s",
					 cl->domid, cmd.execute);
				quit = answer(f, &cmd, cl, devs);
			}
			if (cmd.id_len)
				fprintf(f, ", \"id\": %s", cmd.id);
			memmove(cl->in, cl->in + n, cl->inlen - (size_t)n);
			cl->inlen -= (size_t)n;
		}
		fprintf(f, "}\r\n");
		if (fclose(f) || !client_queue(cl, text, len)) {
			free(text);
			client_drop(q, cl, "answers not read");
			return -1;
		}
		free(text);
		text = NULL;
	}
	return quit;
}

/* Reads what came, answers it.  1 after "quit". */
static int client_read(struct xpvd_qmp *q, struct client *cl,
		       struct xpvd_devices *devs, int64_t now)
{
	ssize_t n;
	int r;

	do
		n = recv(cl->fd, cl->in + cl->inlen,
			 sizeof(cl->in) - cl->inlen, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0) {
		/* EOF: answers still queued go unsent (the client left). */
		client_close(cl);
		return 0;
	}
	cl->inlen += (size_t)n;
	cl->deadline = now + XPVD_QMP_IDLE_MS;
	r = client_commands(q, cl, devs);
	if (r < 0)
		return 0;
	if (client_flush(cl) < 0)
		client_close(cl);
	return r;
}

static void accept_client(struct xpvd_qmp *q, struct listener *l,
			  int64_t now)
{
	static const char greeting[] =
		"{\"QMP\": {\"version\": {\"qemu\": {\"major\": 0, "
		"\"minor\": 0, \"micro\": 0}, \"package\": \"xenpvd "
		PACKAGE_VERSION "\"}, \"capabilities\": []}}\r\n";
	struct client *cl = NULL;
	unsigned int i;
	int fd;

	for (i = 0; i < XPVD_QMP_MAX_CLIENTS && !cl; i++)
		if (q->cl[i].fd < 0)
			cl = &q->cl[i];
	if (!cl)
		return; /* waits in the backlog */
	fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	cl->fd = fd;
	cl->domid = l->domid;
	cl->can_quit = !l->automatic;
	cl->deadline = now + XPVD_QMP_IDLE_MS;
	if (!client_queue(cl, greeting, sizeof(greeting) - 1) ||
	    client_flush(cl) < 0)
		client_close(cl);
}

void xpvd_qmp_pollfds(const struct xpvd_qmp *q, struct pollfd *pfd)
{
	const struct client *cl;
	bool room = false;
	unsigned int i;

	for (i = 0; i < XPVD_QMP_NR_POLLFDS; i++) {
		pfd[i].fd = -1;
		pfd[i].events = 0;
		pfd[i].revents = 0;
	}
	if (!q)
		return;
	for (i = 0; i < XPVD_QMP_MAX_CLIENTS; i++) {
		cl = &q->cl[i];
		if (cl->fd < 0) {
			room = true;
			continue;
		}
		pfd[XPVD_QMP_MAX_LISTENERS + i].fd = cl->fd;
		pfd[XPVD_QMP_MAX_LISTENERS + i].events =
			POLLIN | (cl->outlen > cl->outoff ? POLLOUT : 0);
	}
	/* When full, newcomers wait in the backlog (not polled: no spin). */
	for (i = 0; i < XPVD_QMP_MAX_LISTENERS && room; i++) {
		pfd[i].fd = q->l[i].fd;
		pfd[i].events = POLLIN;
	}
}

int xpvd_qmp_timeout(const struct xpvd_qmp *q)
{
	int64_t next = INT64_MAX;
	unsigned int i;

	if (!q)
		return -1;
	for (i = 0; i < XPVD_QMP_MAX_CLIENTS; i++)
		if (q->cl[i].fd >= 0 && q->cl[i].deadline < next)
			next = q->cl[i].deadline;
	return xpvd_poll_timeout(next);
}

int xpvd_qmp_serve(struct xpvd_qmp *q, const struct pollfd *pfd,
		   struct xpvd_devices *devs)
{
	const struct pollfd *p;
	int64_t now = xpvd_now_ms();
	struct client *cl;
	unsigned int i;
	int quit = 0;

	if (!q)
		return 0;
	for (i = 0; i < XPVD_QMP_MAX_CLIENTS; i++) {
		cl = &q->cl[i];
		p = &pfd[XPVD_QMP_MAX_LISTENERS + i];
		if (cl->fd < 0 || p->fd != cl->fd)
			continue;
		if ((p->revents & POLLOUT) && client_flush(cl) < 0) {
			client_close(cl);
			continue;
		}
		if (p->revents & (POLLIN | POLLHUP | POLLERR))
			quit |= client_read(q, cl, devs, now);
	}
	for (i = 0; i < XPVD_QMP_MAX_CLIENTS; i++)
		if (q->cl[i].fd >= 0 && now >= q->cl[i].deadline)
			client_close(&q->cl[i]); /* idle: QEMU keeps them,
						  * we have few slots */
	for (i = 0; i < XPVD_QMP_MAX_LISTENERS; i++)
		if (q->l[i].fd >= 0 && pfd[i].fd == q->l[i].fd &&
		    (pfd[i].revents & POLLIN))
			accept_client(q, &q->l[i], now);
	return quit;
}

void xpvd_qmp_close(struct xpvd_qmp *q)
{
	unsigned int i;

	if (!q)
		return;
	for (i = 0; i < XPVD_QMP_MAX_CLIENTS; i++)
		if (q->cl[i].fd >= 0)
			client_close(&q->cl[i]);
	for (i = 0; i < XPVD_QMP_MAX_LISTENERS; i++)
		if (q->l[i].fd >= 0)
			listener_close(&q->l[i]);
	free(q);
}
