/* SPDX-License-Identifier: MIT */
/*
 * test-storage-flush.c - flush and the barrier primitive: a flush
 * completes with 0 on both engines (also on a read-only disk); drain
 * returns only when nothing is running, keeps the completions for reap
 * and leaves the completion fd readable; the barrier sequence drain,
 * write, drain, flush leaves the data on the disk.
 */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test-storage-lib.h"

#define DISK_SIZE (1u << 20)
#define NW 16

static void barrier_sequence(struct xpv_ioq *q, const char *path, uint32_t seed)
{
	struct pollfd pfd = {.fd = xpv_ioq_fd(q), .events = POLLIN};
	struct xpv_io_done done[NW + 2];
	struct iovec iov[NW + 1];
	uint8_t *buf = ts_alloc((NW + 1) * 4096);
	unsigned int i;
	int fd;

	/* Earlier writes in flight. */
	for (i = 0; i < NW; i++) {
		iov[i].iov_base = buf + i * 4096;
		iov[i].iov_len = 4096;
		ts_pattern_fill(seed, i * 4096ull, iov[i].iov_base, 4096);
		CHECK_EQ(xpv_ioq_write(q, i * 4096ull, &iov[i], 1, i), 0);
	}
	/* Drain: all of them finished, none reaped yet. */
	CHECK_EQ(xpv_ioq_drain(q), 0);
	CHECK_EQ(xpv_ioq_busy(q), NW);
	CHECK_EQ(poll(&pfd, 1, 0), 1);

	/* The barrier write itself, drained, then the flush. */
	iov[NW].iov_base = buf + NW * 4096;
	iov[NW].iov_len = 4096;
	ts_pattern_fill(seed, NW * 4096ull, iov[NW].iov_base, 4096);
	CHECK_EQ(xpv_ioq_write(q, NW * 4096ull, &iov[NW], 1, NW), 0);
	CHECK_EQ(xpv_ioq_drain(q), 0);
	CHECK_EQ(xpv_ioq_flush(q, NW + 1), 0);
	ts_complete(q, NW + 2, done);
	for (i = 0; i < NW + 2; i++) {
		CHECK_MSG(done[i].cookie <= NW + 1, "cookie");
		CHECK_EQ(done[i].res, done[i].cookie == NW + 1 ? 0 : 4096);
	}
	/* The flush was queued last and completes last here. */
	CHECK_EQ(done[NW + 1].cookie, NW + 1);

	fd = open(path, O_RDONLY);
	CHECK_MSG(fd >= 0, "open");
	memset(buf, 0, (NW + 1) * 4096);
	CHECK_EQ(pread(fd, buf, (NW + 1) * 4096, 0), (NW + 1) * 4096);
	CHECK_EQ(ts_pattern_check(seed, 0, buf, (NW + 1) * 4096), -1);
	close(fd);
	free(buf);
}

int main(void)
{
	const char *path = ts_make_image(ts_direct_dir(), DISK_SIZE, 1);
	struct xpv_disk *d = ts_open(path, 0, XPV_CACHE_DIRECT, 0);
	struct xpv_disk *ro =
	    ts_open(path, XPV_DISK_READONLY, XPV_CACHE_DIRECT, 0);
	unsigned int e;

	for (e = 0; e < 2; e++) {
		struct xpv_ioq *q = ts_ioq(d, ts_engines[e], 64);
		struct xpv_ioq *qr = ts_ioq(ro, ts_engines[e], 4);

		if (!q)
			continue;
		CHECK_EQ(ts_flush(q), 0);
		CHECK_EQ(ts_flush(qr), 0);
		/* Drain with nothing queued returns at once. */
		CHECK_EQ(xpv_ioq_drain(q), 0);
		barrier_sequence(q, path, 30 + e);
		xpv_ioq_destroy(qr);
		xpv_ioq_destroy(q);
	}
	xpv_disk_close(ro);
	xpv_disk_close(d);
	return 0;
}
