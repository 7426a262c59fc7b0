/* SPDX-License-Identifier: MIT */
/*
 * control.c - the control socket (see control.h).  Not on the data path:
 * it allocates freely (the JSON is built in a memory stream).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"

void xpvd_control_default_path(const char *platform, char *buf, size_t size)
{
	const char *world = getenv("XENPV_SIM_WORLD");

	if (platform && !strcmp(platform, "sim") && world && *world)
		snprintf(buf, size, "%s/xenpvd.sock", world);
	else
		snprintf(buf, size, "/run/xenpvd/xenpvd.sock");
}

int xpvd_control_open(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 8) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static void reply(int cfd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		struct pollfd p = { .fd = cfd, .events = POLLOUT };

		n = write(cfd, buf, len);
		if (n < 0 && errno == EAGAIN && poll(&p, 1, 1000) > 0)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

void xpvd_control_serve(int lfd, struct xpvd_devices *m)
{
	char cmd[64], *out = NULL;
	size_t len = 0, outlen = 0;
	struct pollfd p;
	FILE *f;
	int cfd;

	cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (cfd < 0)
		return;
	p.fd = cfd;
	p.events = POLLIN;
	while (len < sizeof(cmd) - 1 && !memchr(cmd, '\n', len)) {
		ssize_t n;

		if (poll(&p, 1, 1000) <= 0)
			break;
		n = read(cfd, cmd + len, sizeof(cmd) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	cmd[len] = '\0';
	cmd[strcspn(cmd, "\r\n")] = '\0';
	f = open_memstream(&out, &outlen);
	if (!f) {
		close(cfd);
		return;
	}
	if (!strcmp(cmd, "stats"))
		xpvd_devices_stats_json(m, f);
	else
		fprintf(f, "{\"error\":\"unknown command\"}\n");
	fclose(f);
	xpvd_dbg(XPVD_C_CTL, "control: '%s', %zu bytes", cmd, outlen);
	reply(cfd, out, outlen);
	free(out);
	close(cfd);
}

void xpvd_control_close(int lfd, const char *path)
{
	if (lfd < 0)
		return;
	close(lfd);
	if (path)
		unlink(path);
}
