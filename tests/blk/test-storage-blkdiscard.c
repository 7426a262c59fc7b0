/* SPDX-License-Identifier: MIT */
/*
 * test-storage-blkdiscard.c - discard on a block device is BLKDISCARD (a
 * loop device over an image file; skipped where loop devices cannot be
 * used): the disk reports discard from sysfs, the discarded range reads
 * back as zeros (the loop driver punches the backing file, whose blocks
 * are released), the rest is intact, and a secure discard the device
 * cannot do completes with -EOPNOTSUPP through the normal path.
 */
#include "config.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "test-storage-lib.h"

#define DISK_SIZE (4u << 20)
#define HOLE_OFF (1u << 20)
#define HOLE_LEN (1u << 20)

static void discard_once(struct xpv_disk *d, enum xpv_ioq_engine engine,
			 const char *backing)
{
	struct xpv_ioq *q = ts_ioq(d, engine, 8);
	uint8_t *buf = ts_alloc(DISK_SIZE);
	struct stat before, after;
	struct xpv_io_done done;

	if (!q) {
		free(buf);
		return;
	}
	ts_pattern_fill(1, 0, buf, DISK_SIZE);
	CHECK_EQ(ts_write(q, 0, buf, DISK_SIZE), DISK_SIZE);
	CHECK_EQ(ts_flush(q), 0);
	CHECK_EQ(stat(backing, &before), 0);

	CHECK_EQ(ts_discard(q, HOLE_OFF, HOLE_LEN), HOLE_LEN);
	CHECK_EQ(ts_read(q, 0, buf, DISK_SIZE), DISK_SIZE);
	CHECK_EQ(ts_hole_check(buf, DISK_SIZE, HOLE_OFF, HOLE_LEN), -1);
	CHECK_EQ(stat(backing, &after), 0);
	CHECK_MSG(after.st_blocks <= before.st_blocks - HOLE_LEN / 512,
		  "backing st_blocks %lld -> %lld", (long long)before.st_blocks,
		  (long long)after.st_blocks);

	/* Asked for by the operator, refused by the device. */
	CHECK_EQ(xpv_ioq_discard(q, 0, 4096, true, 77), 0);
	ts_complete(q, 1, &done);
	CHECK_EQ(done.cookie, 77);
	CHECK_EQ(done.res, -EOPNOTSUPP);
	xpv_ioq_destroy(q);
	free(buf);
}

int main(void)
{
	const char *backing = ts_make_image(ts_direct_dir(), DISK_SIZE, 1);
	const struct xpv_disk_info *in;
	struct xpv_disk *d;
	char dev[64];
	unsigned int e;
	int lfd;

	lfd = ts_loop_attach(backing, 512, false, dev, sizeof(dev));
	d = ts_open(dev, 0, XPV_CACHE_DIRECT, 0);
	in = xpv_disk_info(d);
	CHECK_MSG(!in->discard_secure, "secure discard not asked for");
	xpv_disk_close(d);

	d = ts_open(dev, XPV_DISK_SECURE_DISCARD, XPV_CACHE_DIRECT, 0);
	in = xpv_disk_info(d);
	if (!in->discard)
		ts_exit(TS_SKIP, "%s cannot discard", dev);
	CHECK_MSG(in->discard_secure, "secure discard asked for");
	CHECK_MSG(
	    in->discard_granularity >= 512 &&
		!(in->discard_granularity & (in->discard_granularity - 1)),
	    "granularity %u", in->discard_granularity);
	CHECK_MSG(in->discard_max_bytes >= in->discard_granularity, "max %llu",
		  (unsigned long long)in->discard_max_bytes);
	for (e = 0; e < 2; e++)
		discard_once(d, ts_engines[e], backing);
	xpv_disk_close(d);
	ts_loop_detach(lfd);
	return 0;
}
