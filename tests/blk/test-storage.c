/* SPDX-License-Identifier: MIT */
/*
 * test-storage.c - data round trip through both engines: what a queue
 * writes from scattered buffers is on the disk (checked with plain pread)
 * and reads back into scattered buffers, at many offsets, in direct and
 * writeback cache modes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "test-storage-lib.h"

#define DISK_SIZE (8u << 20)
#define NSEG 11

/* Element sizes of one request: whole and partial pages, like blkif. */
static const size_t seg_len[NSEG] = {
    4096, 512, 3584, 4096, 1024, 4096, 2048, 4096, 4096, 512, 4096,
};

static void round_trip(struct xpv_disk *d, enum xpv_ioq_engine engine,
		       const char *path, uint32_t seed)
{
	struct xpv_ioq *q = ts_ioq(d, engine, 32);
	struct iovec iov[NSEG];
	uint64_t off, total = 0;
	uint8_t *bufs[NSEG], *check;
	unsigned int i, round;
	int fd;

	if (!q)
		return;
	CHECK_MSG(!strcmp(xpv_ioq_engine_name(q),
			  engine == XPV_IOQ_URING ? "uring" : "psync"),
		  "engine %s", xpv_ioq_engine_name(q));
	for (i = 0; i < NSEG; i++) {
		bufs[i] = ts_alloc(4096);
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = seg_len[i];
		total += seg_len[i];
	}
	check = ts_alloc(total);
	fd = open(path, O_RDONLY);
	CHECK_MSG(fd >= 0, "open %s", path);

	for (round = 0; round < 16; round++) {
		/* Sector-aligned offsets all over the disk, ends included. */
		off = ((uint64_t)round * 524287 * 512) % (DISK_SIZE - total);
		off &= ~511ull;
		if (round == 15)
			off = DISK_SIZE - total;

		/* The image's original contents read back. */
		CHECK_EQ(xpv_ioq_read(q, off, iov, NSEG, round), 0);
		ts_complete(q, 1, NULL);
		for (i = 0, total = 0; i < NSEG; total += seg_len[i++])
			CHECK_EQ(ts_pattern_check(1, off + total, bufs[i],
						  seg_len[i]),
				 -1);

		/* New contents written from the same scattered buffers. */
		for (i = 0, total = 0; i < NSEG; total += seg_len[i++])
			ts_pattern_fill(seed, off + total, bufs[i], seg_len[i]);
		CHECK_EQ(xpv_ioq_write(q, off, iov, NSEG, round), 0);
		ts_complete(q, 1, NULL);
		CHECK_EQ(ts_flush(q), 0);

		/* On the disk, seen by someone else ... */
		CHECK_EQ(pread(fd, check, total, (off_t)off), (ssize_t)total);
		CHECK_EQ(ts_pattern_check(seed, off, check, total), -1);

		/* ... and through the queue again. */
		for (i = 0; i < NSEG; i++)
			memset(bufs[i], 0, 4096);
		CHECK_EQ(xpv_ioq_read(q, off, iov, NSEG, round), 0);
		ts_complete(q, 1, NULL);
		for (i = 0, total = 0; i < NSEG; total += seg_len[i++])
			CHECK_EQ(ts_pattern_check(seed, off + total, bufs[i],
						  seg_len[i]),
				 -1);

		/* Put the original back for the next engine. */
		ts_pattern_fill(1, off, check, total);
		CHECK_EQ(ts_write(q, off, check, total), (int64_t)total);
	}
	close(fd);
	free(check);
	for (i = 0; i < NSEG; i++)
		free(bufs[i]);
	xpv_ioq_destroy(q);
}

int main(void)
{
	static const enum xpv_cache_mode modes[2] = {
	    XPV_CACHE_DIRECT,
	    XPV_CACHE_WRITEBACK,
	};
	const char *path = ts_make_image(ts_direct_dir(), DISK_SIZE, 1);
	unsigned int m, e;

	for (m = 0; m < 2; m++) {
		struct xpv_disk *d = ts_open(path, 0, modes[m], 0);

		CHECK_EQ(xpv_disk_info(d)->size, DISK_SIZE);
		CHECK_EQ(xpv_disk_info(d)->sector_size, 512);
		for (e = 0; e < 2; e++)
			round_trip(d, ts_engines[e], path, 2 + m * 2 + e);
		xpv_disk_close(d);
	}
	return 0;
}
