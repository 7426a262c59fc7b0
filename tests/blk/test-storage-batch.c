/* SPDX-License-Identifier: MIT */
/*
 * test-storage-batch.c - many operations in flight at once: a full queue
 * of reads is accepted, the next one is refused with -EAGAIN (to be parked,
 * not failed), one submit call hands the whole batch over, every cookie
 * comes back exactly once with the right data, a reap into a small array
 * leaves the completion fd readable, and a request with more iovec
 * elements than IOV_MAX is carried out in chunks.
 */
#include "config.h"

#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-storage-lib.h"

#define DISK_SIZE (4u << 20)
#define DEPTH 256
#define BIG_NIOV 4096 /* the blkif maximum: 8 indirect pages */

static void full_queue(struct xpv_ioq *q)
{
	static struct iovec iov[DEPTH];
	static struct xpv_io_done done[DEPTH];
	static bool seen[DEPTH];
	uint8_t *buf = ts_alloc(DEPTH * 4096);
	struct pollfd pfd = {.fd = xpv_ioq_fd(q), .events = POLLIN};
	unsigned int i, got;
	struct iovec extra = {buf, 4096};
	int r;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < DEPTH; i++) {
		/* Spread over the disk, backwards, to defeat merging. */
		uint64_t off = (uint64_t)(DEPTH - 1 - i) * 12288 % DISK_SIZE;

		iov[i].iov_base = buf + i * 4096;
		iov[i].iov_len = 4096;
		CHECK_EQ(xpv_ioq_read(q, off, &iov[i], 1, 1000 + i), 0);
	}
	CHECK_EQ(xpv_ioq_read(q, 0, &extra, 1, 1), -EAGAIN);
	CHECK_EQ(xpv_ioq_busy(q), DEPTH);
	r = xpv_ioq_submit(q);
	CHECK_EQ(r, DEPTH);

	/* A small reap leaves the rest signalled on the fd. */
	CHECK_EQ(xpv_ioq_wait(q, 10000), 0);
	got = 0;
	while (!got) {
		r = xpv_ioq_reap(q, done, 1);
		CHECK_MSG(r >= 0, "reap %d", r);
		got = (unsigned int)r;
	}
	CHECK_EQ(xpv_ioq_busy(q), DEPTH - 1);
	CHECK_EQ(xpv_ioq_drain(q), 0);
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	ts_complete(q, DEPTH - 1, done + 1);

	for (i = 0; i < DEPTH; i++) {
		unsigned int k = (unsigned int)(done[i].cookie - 1000);
		uint64_t off = (uint64_t)(DEPTH - 1 - k) * 12288 % DISK_SIZE;

		CHECK_MSG(k < DEPTH && !seen[k], "cookie %llu",
			  (unsigned long long)done[i].cookie);
		seen[k] = true;
		CHECK_EQ(done[i].res, 4096);
		CHECK_EQ(ts_pattern_check(1, off, buf + k * 4096, 4096), -1);
	}
	CHECK_EQ(xpv_ioq_busy(q), 0);
	free(buf);
}

static void many_segments(struct xpv_ioq *q, uint32_t seed)
{
	static struct iovec iov[BIG_NIOV];
	uint8_t *buf = ts_alloc(BIG_NIOV * 512);
	uint64_t off = 512 * 1024;
	unsigned int i;

	/* One 2 MiB write from 4096 separate 512-byte elements. */
	for (i = 0; i < BIG_NIOV; i++) {
		iov[i].iov_base = buf + (size_t)(BIG_NIOV - 1 - i) * 512;
		iov[i].iov_len = 512;
		ts_pattern_fill(seed, off + i * 512ull, iov[i].iov_base, 512);
	}
	CHECK_EQ(xpv_ioq_write(q, off, iov, BIG_NIOV, 9), 0);
	ts_complete(q, 1, NULL);

	/* Back in one plain read. */
	{
		uint8_t *flat = ts_alloc(BIG_NIOV * 512);

		CHECK_EQ(ts_read(q, off, flat, BIG_NIOV * 512), BIG_NIOV * 512);
		CHECK_EQ(ts_pattern_check(seed, off, flat, BIG_NIOV * 512), -1);
		free(flat);
	}

	/* And read back through more elements than IOV_MAX again. */
	memset(buf, 0, BIG_NIOV * 512);
	CHECK_EQ(xpv_ioq_read(q, off, iov, BIG_NIOV, 10), 0);
	{
		struct xpv_io_done d;

		ts_complete(q, 1, &d);
		CHECK_EQ(d.res, BIG_NIOV * 512);
	}
	for (i = 0; i < BIG_NIOV; i++)
		CHECK_EQ(ts_pattern_check(seed, off + i * 512ull,
					  iov[i].iov_base, 512),
			 -1);
	CHECK_MSG(BIG_NIOV > IOV_MAX, "IOV_MAX %d", IOV_MAX);

	/* Leave the image as the next round expects it. */
	ts_pattern_fill(1, off, buf, BIG_NIOV * 512);
	CHECK_EQ(ts_write(q, off, buf, BIG_NIOV * 512), BIG_NIOV * 512);
	free(buf);
}

int main(void)
{
	const char *path = ts_make_image(ts_direct_dir(), DISK_SIZE, 1);
	struct xpv_disk *d = ts_open(path, 0, XPV_CACHE_DIRECT, 0);
	unsigned int e;

	for (e = 0; e < 2; e++) {
		struct xpv_ioq *q = ts_ioq(d, ts_engines[e], DEPTH);

		if (!q)
			continue;
		full_queue(q);
		many_segments(q, 20 + e);
		xpv_ioq_destroy(q);
	}
	xpv_disk_close(d);
	return 0;
}
