/* SPDX-License-Identifier: MIT */
/*
 * sock.c - unix stream socket helpers of the daemon's servers (sock.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "safefile.h"
#include "sock.h"

int xpvd_unix_listen(const char *path, unsigned int mode)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	/* bind() has no *at() form: the path is safe to use only in a
	 * directory nobody else may change. */
	err = xpvd_parent_check_safe(path);
	if (err)
		return err;
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Linux makes the socket file with the socket inode's mode less
	 * the umask: set it first, so no client connects in between. */
	if (fchmod(fd, (mode_t)mode) < 0)
		goto fail;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, (mode_t)mode) < 0 || listen(fd, 8) < 0)
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

int xpvd_send_pending(int fd, const char *buf, size_t len, size_t *off)
{
	ssize_t n;

	while (*off < len) {
		n = send(fd, buf + *off, len - *off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		*off += (size_t)n;
	}
	return 1;
}
