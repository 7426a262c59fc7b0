/* SPDX-License-Identifier: MIT */
/*
 * control.c - the control socket (see control.h).  Not on the data path:
 * it allocates freely (each answer is built in a memory stream).
 *
 * Every client is a small state machine driven by the main loop's poll():
 * reading its command line (POLLIN), then sending its answer (POLLOUT),
 * then closed.  Nothing here waits: recv() and send() are non-blocking,
 * and a client that does not keep up is simply left for the next poll()
 * until its deadline.  The answer is built in one go when the command is
 * complete, on the main thread, so it sees the device list at one moment
 * and needs no lock (device.c is main-thread only).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "safefile.h"
#include "sock.h"

/* After accept() fails for want of resources (EMFILE, ENOBUFS...): the
 * listener would stay readable, so stop polling it for a while rather
 * than spin. */
#define ACCEPT_PAUSE_MS 100

struct client {
	int fd;		  /* -1: a free slot */
	int64_t deadline; /* CLOCK_MONOTONIC ms: dropped after */
	size_t inlen;
	char in[XPVD_CTL_LINE_MAX + 1]; /* + the NUL */
	char *out;			/* the answer; NULL while reading */
	size_t outlen, outoff;
};

struct xpvd_control {
	int lfd;
	int64_t accept_at; /* no accept() before (ms), 0: now */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct xpvd_ratelimit rl; /* drop warnings, all clients */
	struct client cl[XPVD_CTL_MAX_CLIENTS];
};

void xpvd_control_default_path(const char *platform, char *buf, size_t size)
{
	const char *world = getenv("XENPV_SIM_WORLD");

	if (platform && !strcmp(platform, "sim") && world && *world)
		snprintf(buf, size, "%s/xenpvd.sock", world);
	else
		snprintf(buf, size, "/run/xenpvd/xenpvd.sock");
}

int xpvd_control_open(const char *path, struct xpvd_control **out)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)], *slash;
	struct xpvd_control *c;
	unsigned int i;
	int fd;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	strcpy(c->path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		/* /run/xenpvd: made if missing; refused below if it is not
		 * ours alone. */
		fd = xpvd_dir_open_safe(AT_FDCWD, dir, 0755, true);
		if (fd >= 0)
			close(fd);
	}
	/* Root's only: statistics name every guest's disks. */
	fd = xpvd_unix_listen(path, 0600);
	if (fd < 0) {
		free(c);
		return fd;
	}
	c->lfd = fd;
	for (i = 0; i < XPVD_CTL_MAX_CLIENTS; i++)
		c->cl[i].fd = -1;
	*out = c;
	return 0;
}

static void client_close(struct client *cl)
{
	close(cl->fd);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

/* A client that broke the rules: one rate-limited line for all of them. */
static void client_drop(struct xpvd_control *c, struct client *cl,
			const char *why)
{
	xpvd_log_guest(&c->rl, XPVD_C_CTL, "control client dropped: %s", why);
	client_close(cl);
}

/* Sends what the socket takes; closes the client once all is sent. */
static void client_write(struct client *cl)
{
	if (xpvd_send_pending(cl->fd, cl->out, cl->outlen, &cl->outoff) == 0)
		return; /* the rest on POLLOUT */
	/* All sent, or the client went away (its loss). */
	client_close(cl);
}

/* Builds the answer to cmd (a printable line) and starts sending it. */
static void client_answer(struct client *cl, const char *cmd,
			  struct xpvd_devices *m)
{
	FILE *f = open_memstream(&cl->out, &cl->outlen);

	if (!f) {
		client_close(cl);
		return;
	}
	if (!strcmp(cmd, "stats"))
		xpvd_devices_stats_json(m, f);
	else
		fprintf(f, "{\"error\":\"unknown command\"}\n");
	if (fclose(f)) {
		client_close(cl);
		return;
	}
	xpvd_dbg(XPVD_C_CTL, "control: '%s', %zu bytes", cmd, cl->outlen);
	client_write(cl);
}

/* Reads what came of the command line; answers once it is complete. */
static void client_read(struct xpvd_control *c, struct client *cl,
			struct xpvd_devices *m)
{
	size_t room = sizeof(cl->in) - 1 - cl->inlen, len;
	ssize_t n;
	char *nl;

	do
		n = recv(cl->fd, cl->in + cl->inlen, room, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		xpvd_dbg(XPVD_C_CTL, "control: client gone: %s",
			 strerror(errno));
		client_close(cl);
		return;
	}
	cl->inlen += (size_t)n;
	cl->in[cl->inlen] = '\0';
	nl = memchr(cl->in, '\n', cl->inlen);
	if (!nl && n > 0) {
		if (cl->inlen == sizeof(cl->in) - 1)
			client_drop(c, cl, "command line too long");
		return; /* more to come */
	}
	/* A '\n', or EOF: the line is what came (as it always was), up to
	 * its first '\r' or '\n'; any other byte must be printable ASCII
	 * (a NUL would hide the rest of the line from strcmp()). */
	for (len = 0;
	     len < cl->inlen && cl->in[len] != '\r' && cl->in[len] != '\n';
	     len++) {
		if (cl->in[len] < 0x20 || cl->in[len] > 0x7e) {
			client_drop(c, cl, "not a text command");
			return;
		}
	}
	cl->in[len] = '\0';
	client_answer(cl, cl->in, m);
}

static void accept_clients(struct xpvd_control *c, int64_t now)
{
	unsigned int i;
	int fd;

	for (i = 0; i < XPVD_CTL_MAX_CLIENTS; i++) {
		if (c->cl[i].fd >= 0)
			continue;
		fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR || errno == ECONNABORTED)
				return;
			xpvd_log_guest(&c->rl, XPVD_C_CTL,
				       "control: accept: %s", strerror(errno));
			c->accept_at = now + ACCEPT_PAUSE_MS;
			return;
		}
		c->cl[i].fd = fd;
		c->cl[i].deadline = now + XPVD_CTL_CLIENT_MS;
	}
}

void xpvd_control_pollfds(const struct xpvd_control *c, struct pollfd *pfd)
{
	const struct client *cl;
	bool room = false;
	unsigned int i;

	for (i = 0; i < XPVD_CTL_NR_POLLFDS; i++) {
		pfd[i].fd = -1;
		pfd[i].events = 0;
		pfd[i].revents = 0;
	}
	if (!c)
		return;
	for (i = 0; i < XPVD_CTL_MAX_CLIENTS; i++) {
		cl = &c->cl[i];
		if (cl->fd < 0) {
			room = true;
			continue;
		}
		pfd[1 + i].fd = cl->fd;
		pfd[1 + i].events = cl->out ? POLLOUT : POLLIN;
	}
	/* When full, newcomers wait in the backlog (not polled: no spin). */
	pfd[0].fd = c->lfd;
	pfd[0].events = room && xpvd_now_ms() >= c->accept_at ? POLLIN : 0;
}

int xpvd_control_timeout(const struct xpvd_control *c)
{
	int64_t next = INT64_MAX;
	unsigned int i;

	if (!c)
		return -1;
	for (i = 0; i < XPVD_CTL_MAX_CLIENTS; i++)
		if (c->cl[i].fd >= 0 && c->cl[i].deadline < next)
			next = c->cl[i].deadline;
	if (c->accept_at && c->accept_at < next)
		next = c->accept_at;
	return xpvd_poll_timeout(next);
}

void xpvd_control_serve(struct xpvd_control *c, const struct pollfd *pfd,
			struct xpvd_devices *m)
{
	int64_t now = xpvd_now_ms();
	struct client *cl;
	unsigned int i;
	short ev;

	if (!c)
		return;
	for (i = 0; i < XPVD_CTL_MAX_CLIENTS; i++) {
		cl = &c->cl[i];
		if (cl->fd < 0 || pfd[1 + i].fd != cl->fd)
			continue;
		ev = pfd[1 + i].revents;
		if (!cl->out && (ev & (POLLIN | POLLHUP | POLLERR)))
			client_read(c, cl, m);
		else if (cl->out && (ev & (POLLOUT | POLLHUP | POLLERR)))
			client_write(cl);
	}
	for (i = 0; i < XPVD_CTL_MAX_CLIENTS; i++) {
		cl = &c->cl[i];
		if (cl->fd >= 0 && now >= cl->deadline)
			client_drop(c, cl,
				    cl->out ? "did not read its answer in time"
					    : "no command in time");
	}
	if (c->accept_at && now >= c->accept_at)
		c->accept_at = 0;
	if (pfd[0].fd == c->lfd && (pfd[0].revents & POLLIN))
		accept_clients(c, now);
}

void xpvd_control_close(struct xpvd_control *c)
{
	unsigned int i;

	if (!c)
		return;
	for (i = 0; i < XPVD_CTL_MAX_CLIENTS; i++)
		if (c->cl[i].fd >= 0)
			client_close(&c->cl[i]);
	close(c->lfd);
	unlink(c->path);
	free(c);
}
