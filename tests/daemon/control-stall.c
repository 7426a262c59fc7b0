/* SPDX-License-Identifier: MIT */
/*
 * control-stall.c - xenpvd's control socket (backend/core/control.c) against
 * clients that stall, driven by a main loop like xenpvd's own, with the
 * device list replaced by an answer far bigger than a socket buffer
 * (ANSWER_BYTES), so that sending it takes many POLLOUT rounds:
 *   - a client that reads its answer a little at a time gets it whole and
 *     byte-exact, while another that never reads and one that sends nothing
 *     are dropped at their deadline (XPVD_CTL_CLIENT_MS), without an answer
 *     for the latter;
 *   - no call into the control socket blocks: each xpvd_control_serve()
 *     returns well within MAX_SERVE_MS (a loose bound, for loaded
 *     machines: the old synchronous socket spent a second per stalled
 *     client);
 *   - XPVD_CTL_MAX_CLIENTS silent clients are held, a well-behaved one
 *     that comes after them waits in the backlog and is answered once they
 *     are dropped; every drop is logged.
 * Exit 0 on success, 1 on a failed check, 99 on set-up errors.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "test-util.h"

#define ANSWER_BYTES (4u << 20)
#define SLOW_READ 8192 /* bytes the slow reader takes per round */
#define MAX_SERVE_MS 500
#define TEST_MS (4 * XPVD_CTL_CLIENT_MS) /* per phase, generous */

/* ---- what control.c needs from the daemon ---- */

unsigned int xpvd_debug_mask;
static unsigned int drops;

void xpvd_log(int level, enum xpvd_comp comp, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (strstr(line, "dropped"))
		drops++;
	if (level <= LOG_WARNING)
		fprintf(stderr, "log: %s\n", line);
}

bool xpvd_ratelimit_ok(struct xpvd_ratelimit *rl, unsigned int *missed)
{
	*missed = 0;
	return true; /* every drop counted here */
}

static char answer_byte(size_t i)
{
	return (char)('a' + (i * 7 + i / 4096) % 26);
}

/* The answer, built once (the real one takes microseconds: so must this,
 * or MAX_SERVE_MS would measure the stub). */
void xpvd_devices_stats_json(struct xpvd_devices *m, FILE *f)
{
	static char *answer;
	size_t i;

	if (!answer) {
		answer = malloc(ANSWER_BYTES);
		if (!answer)
			exit(99);
		for (i = 0; i < ANSWER_BYTES; i++)
			answer[i] = answer_byte(i);
	}
	fwrite(answer, 1, ANSWER_BYTES, f);
}

/* ---- the test ---- */

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct xpvd_control *ctl;
static char sock_path[108];
static int64_t worst_serve;

/* One round of xenpvd's main loop (the control socket's part). */
static void loop_once(int max_wait_ms)
{
	struct pollfd pfd[XPVD_CTL_NR_POLLFDS];
	int timeout = xpvd_control_timeout(ctl);
	int64_t t;

	xpvd_control_pollfds(ctl, pfd);
	if (timeout < 0 || timeout > max_wait_ms)
		timeout = max_wait_ms;
	if (poll(pfd, XPVD_CTL_NR_POLLFDS, timeout) < 0 && errno != EINTR) {
		perror("poll");
		exit(99);
	}
	t = mono_ms();
	xpvd_control_serve(ctl, pfd, NULL);
	t = mono_ms() - t;
	if (t > worst_serve)
		worst_serve = t;
}

/* A non-blocking client; sends cmd (may be ""). -1 while the backlog is
 * full (EAGAIN). */
static int client(const char *cmd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		perror("socket");
		exit(99);
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EAGAIN) {
			close(fd);
			return -1;
		}
		perror("connect");
		exit(99);
	}
	if (*cmd && write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd)) {
		perror("write");
		exit(99);
	}
	return fd;
}

/* Reads what is there (up to max): bytes read, 0 on EOF or reset, -1 when
 * nothing is there yet. */
static ssize_t take(int fd, char *buf, size_t max)
{
	ssize_t n = recv(fd, buf, max, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -1;
	return n < 0 ? 0 : n; /* ECONNRESET: dropped with unread data */
}

/* Whether the daemon closed its end (POLLHUP even with data unread). */
static bool hung_up(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) > 0 && (p.revents & POLLHUP);
}

/* Phase 1: a slow reader, a non-reader and a silent client at once. */
static void slow_clients(void)
{
	char *got = malloc(ANSWER_BYTES), buf[SLOW_READ];
	int slow = client("stats\n"), deaf = client("stats\n");
	int silent = client("");
	size_t len = 0, deaf_len = 0, i;
	bool slow_done = false, deaf_done = false, silent_done = false;
	int64_t end = mono_ms() + TEST_MS;
	ssize_t n;

	if (!got)
		exit(99);
	while (!(slow_done && deaf_done && silent_done) && mono_ms() < end) {
		loop_once(5);
		if (!slow_done) {
			n = take(slow, buf, sizeof(buf));
			if (n == 0)
				slow_done = true;
			if (n > 0 && len + (size_t)n <= ANSWER_BYTES)
				memcpy(got + len, buf, (size_t)n);
			if (n > 0)
				len += (size_t)n;
		}
		/* The deaf one is read only once dropped (its peer gone):
		 * what its socket holds, then EOF. */
		while (!deaf_done && hung_up(deaf) &&
		       (n = take(deaf, buf, sizeof(buf))) != -1) {
			if (n == 0)
				deaf_done = true;
			deaf_len += n > 0 ? (size_t)n : 0;
		}
		if (!silent_done) {
			n = take(silent, buf, sizeof(buf));
			EXPECT_MSG(n <= 0, "the silent client got an answer");
			silent_done = n != -1;
		}
	}
	EXPECT_MSG(slow_done, "the slow reader did not get its answer");
	EXPECT_MSG(len == ANSWER_BYTES, "slow reader: %zu bytes, expected %u",
		   len, ANSWER_BYTES);
	for (i = 0; i < len && i < ANSWER_BYTES; i++)
		if (got[i] != answer_byte(i))
			break;
	EXPECT_MSG(i == len, "slow reader: byte %zu differs", i);
	EXPECT_MSG(deaf_done, "the client that never reads was not dropped");
	EXPECT_MSG(deaf_len < ANSWER_BYTES, "the deaf client got it all (%zu)",
		   deaf_len);
	EXPECT_MSG(silent_done, "the silent client was not dropped");
	EXPECT_MSG(drops == 2, "%u drops logged, expected 2", drops);
	printf("slow reader: %zu bytes; deaf client dropped after %zu\n", len,
	       deaf_len);
	close(slow);
	close(deaf);
	close(silent);
	free(got);
}

/* Phase 2: every slot held by a silent client; a good one waits. */
static void full_house(void)
{
	int fds[XPVD_CTL_MAX_CLIENTS], good = -1, i;
	int64_t end = mono_ms() + TEST_MS, t0;
	char buf[SLOW_READ];
	size_t len = 0;
	unsigned int drops0 = drops;
	ssize_t n = -1;

	for (i = 0; i < (int)XPVD_CTL_MAX_CLIENTS; i++) {
		while ((fds[i] = client("")) < 0)
			loop_once(5); /* the backlog is short: accept */
		loop_once(0);
	}
	/* All of them accepted: the next one stays in the backlog. */
	for (i = 0; i < 20; i++)
		loop_once(5);
	t0 = mono_ms();
	good = client("stats\n");
	EXPECT_MSG(good >= 0, "no room in the backlog");
	while (good >= 0 && n != 0 && mono_ms() < end) {
		loop_once(5);
		while ((n = take(good, buf, sizeof(buf))) > 0)
			len += (size_t)n;
	}
	EXPECT_MSG(len == ANSWER_BYTES, "the waiting client got %zu bytes",
		   len);
	EXPECT_MSG(drops - drops0 == XPVD_CTL_MAX_CLIENTS,
		   "%u drops logged, expected %u", drops - drops0,
		   XPVD_CTL_MAX_CLIENTS);
	EXPECT_MSG(mono_ms() - t0 >= XPVD_CTL_CLIENT_MS / 2,
		   "the good client was served before any slot was free");
	printf("full house: answered after %lld ms\n",
	       (long long)(mono_ms() - t0));
	for (i = 0; i < (int)XPVD_CTL_MAX_CLIENTS; i++)
		close(fds[i]);
	if (good >= 0)
		close(good);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[64];
	int err;

	/* A directory of our own: the daemon refuses a shared one (/tmp). */
	snprintf(dir, sizeof(dir), "%s/control-stall.XXXXXX",
		 tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 99;
	}
	snprintf(sock_path, sizeof(sock_path), "%s/xenpvd.sock", dir);
	err = xpvd_control_open(sock_path, &ctl);
	if (err) {
		rmdir(dir);
		fprintf(stderr, "xpvd_control_open %s: %s\n", sock_path,
			strerror(-err));
		return 99;
	}
	slow_clients();
	full_house();
	EXPECT_MSG(worst_serve < MAX_SERVE_MS, "a serve took %lld ms",
		   (long long)worst_serve);
	printf("longest xpvd_control_serve(): %lld ms\n",
	       (long long)worst_serve);
	xpvd_control_close(ctl);
	rmdir(dir);
	return test_status();
}
