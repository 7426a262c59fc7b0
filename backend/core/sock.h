/* SPDX-License-Identifier: MIT */
/*
 * sock.h - what the daemon's two local servers (the control socket,
 * control.h, and QMP, qmp.h) share: the main loop's clock, and non-blocking
 * unix stream sockets.  Main thread; never blocks.
 */
#ifndef XENPVD_BACKEND_SOCK_H
#define XENPVD_BACKEND_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in milliseconds: the deadlines of the main loop. */
static inline int64_t xpvd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A poll() timeout that wakes up just past deadline (INT64_MAX: none,
 * -1), clamped to what poll() takes.
 */
static inline int xpvd_poll_timeout(int64_t deadline)
{
	int64_t now;

	if (deadline == INT64_MAX)
		return -1;
	now = xpvd_now_ms();
	if (deadline < now)
		return 0;
	return deadline - now >= INT32_MAX ? INT32_MAX
					   : (int)(deadline - now) + 1;
}

/*
 * A listening socket at path (non-blocking, close-on-exec) with mode mode
 * from the moment it exists (never the umask's for an instant), replacing
 * a stale socket at path.  The fd, or -errno: -ENAMETOOLONG (longer than
 * sun_path); -EPERM or -ENOTDIR when path's directory is not one only we
 * may write (safefile.h: anyone else could swap names in it); -EEXIST
 * when something other than a socket is at path.
 */
int xpvd_unix_listen(const char *path, unsigned int mode);

/*
 * Sends buf[*off .. len) as far as the socket takes it, moving *off.
 * 1 when all is sent, 0 when the rest must wait for POLLOUT, -1 when the
 * peer is gone (or any other error).
 */
int xpvd_send_pending(int fd, const char *buf, size_t len, size_t *off);

#endif /* XENPVD_BACKEND_SOCK_H */
