/* SPDX-License-Identifier: MIT */
/*
 * test-storage-4k-loop.c - a real block device with 4096-byte logical
 * sectors (a loop device set up with block size 4096; skipped where loop
 * devices cannot be used): the disk detects 4096 through BLKSSZGET,
 * refuses to be opened as a 512-byte disk, its check refuses 512-aligned
 * ranges, O_DIRECT itself fails an unaligned transfer with -EINVAL, and
 * aligned I/O round trips on both engines.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "test-storage-lib.h"

#define DISK_SIZE (8u << 20)

int main(void)
{
	const char *backing = ts_make_image(ts_direct_dir(), DISK_SIZE, 1);
	struct xpv_disk_params p = {.sector_size = 512};
	const struct xpv_disk_info *in;
	struct xpv_disk *d;
	char dev[64];
	uint8_t *buf = ts_alloc(16384);
	unsigned int e;
	int lfd;

	lfd = ts_loop_attach(backing, 4096, true, dev, sizeof(dev));
	CHECK_EQ(xpv_disk_open(dev, &p, &d), -EINVAL);
	d = ts_open(dev, 0, XPV_CACHE_DIRECT, 0);
	in = xpv_disk_info(d);
	CHECK_MSG(in->is_blockdev, "not a block device");
	CHECK_EQ(in->sector_size, 4096);
	CHECK_MSG(in->physical_sector_size >= 4096, "pbs %u",
		  in->physical_sector_size);
	CHECK_EQ(in->size, DISK_SIZE);
	CHECK_MSG(in->direct, "no O_DIRECT on a loop device");
	CHECK_EQ(in->dio_len_align, 4096);

	CHECK_EQ(xpv_disk_check(d, XPV_IO_READ, 1, 4096), -EINVAL);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_WRITE, 8, 512), -EINVAL);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_READ, 8, 4096), 0);

	for (e = 0; e < 2; e++) {
		struct xpv_ioq *q = ts_ioq(d, ts_engines[e], 8);

		if (!q)
			continue;
		/* Past the check, the kernel still refuses it. */
		CHECK_EQ(ts_read(q, 512, buf, 4096), -EINVAL);
		CHECK_EQ(ts_read(q, 4096, buf, 8192), 8192);
		CHECK_EQ(ts_pattern_check(1, 4096, buf, 8192), -1);
		ts_pattern_fill(50 + e, 1 << 20, buf, 16384);
		CHECK_EQ(ts_write(q, 1 << 20, buf, 16384), 16384);
		CHECK_EQ(ts_flush(q), 0);
		memset(buf, 0, 16384);
		CHECK_EQ(ts_read(q, 1 << 20, buf, 16384), 16384);
		CHECK_EQ(ts_pattern_check(50 + e, 1 << 20, buf, 16384), -1);
		xpv_ioq_destroy(q);
	}
	xpv_disk_close(d);
	ts_loop_detach(lfd);
	free(buf);
	return 0;
}
