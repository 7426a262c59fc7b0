/* SPDX-License-Identifier: MIT */
/*
 * test-storage-discard.c - discard on an image file punches a hole: the
 * range reads back as zeros, the file keeps its size, its blocks are
 * released (st_blocks shrinks) and the data around the hole is intact.
 * Secure discard is refused on files, and a zero-length discard is a no-op
 * that still completes.
 */
#include "config.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "test-storage-lib.h"

#define DISK_SIZE (4u << 20)
#define HOLE_OFF (1u << 20)
#define HOLE_LEN (1u << 20)

static void punch(struct xpv_disk *d, enum xpv_ioq_engine engine,
		  const char *path)
{
	struct xpv_ioq *q = ts_ioq(d, engine, 8);
	uint8_t *buf = ts_alloc(DISK_SIZE);
	struct stat before, after;

	if (!q) {
		free(buf);
		return;
	}
	/* Every block allocated again (a previous engine punched). */
	ts_pattern_fill(1, 0, buf, DISK_SIZE);
	CHECK_EQ(ts_write(q, 0, buf, DISK_SIZE), DISK_SIZE);
	CHECK_EQ(ts_flush(q), 0);
	CHECK_EQ(stat(path, &before), 0);

	CHECK_EQ(ts_discard(q, HOLE_OFF, HOLE_LEN), HOLE_LEN);
	CHECK_EQ(stat(path, &after), 0);
	CHECK_EQ(after.st_size, DISK_SIZE);
	CHECK_MSG(after.st_blocks <= before.st_blocks - HOLE_LEN / 512,
		  "st_blocks %lld -> %lld", (long long)before.st_blocks,
		  (long long)after.st_blocks);

	CHECK_EQ(ts_read(q, 0, buf, DISK_SIZE), DISK_SIZE);
	CHECK_EQ(ts_hole_check(buf, DISK_SIZE, HOLE_OFF, HOLE_LEN), -1);

	CHECK_EQ(xpv_ioq_discard(q, 0, 4096, true, 1), -EOPNOTSUPP);
	CHECK_EQ(xpv_ioq_discard(q, DISK_SIZE - 4096, 8192, false, 1), -EINVAL);
	CHECK_EQ(ts_discard(q, 4096, 0), 0);
	xpv_ioq_destroy(q);
	free(buf);
}

int main(void)
{
	const char *path = ts_make_image(ts_direct_dir(), DISK_SIZE, 1);
	struct xpv_disk *d = ts_open(path, 0, XPV_CACHE_DIRECT, 0);
	const struct xpv_disk_info *in = xpv_disk_info(d);
	unsigned int e;

	if (!in->discard)
		ts_exit(TS_SKIP, "%s cannot punch holes", ts_direct_dir());
	CHECK_MSG(!in->discard_secure, "secure discard on a file");
	CHECK_MSG(in->discard_granularity >= in->sector_size, "granularity %u",
		  in->discard_granularity);
	for (e = 0; e < 2; e++)
		punch(d, ts_engines[e], path);
	xpv_disk_close(d);
	return 0;
}
