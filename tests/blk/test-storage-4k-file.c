/* SPDX-License-Identifier: MIT */
/*
 * test-storage-4k-file.c - a disk with 4096-byte logical sectors, forced
 * on an image file: it reports 4096, its check refuses ranges aligned to
 * 512 bytes but not to 4096, and aligned I/O works on both engines.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "test-storage-lib.h"

#define DISK_SIZE (2u << 20)

int main(void)
{
	const char *path = ts_make_image(ts_direct_dir(), DISK_SIZE, 1);
	struct xpv_disk *d = ts_open(path, 0, XPV_CACHE_DIRECT, 4096);
	const struct xpv_disk_info *in = xpv_disk_info(d);
	uint8_t *buf = ts_alloc(16384);
	unsigned int e;

	CHECK_EQ(in->sector_size, 4096);
	CHECK_MSG(in->physical_sector_size >= 4096, "pbs %u",
		  in->physical_sector_size);
	CHECK_EQ(in->size, DISK_SIZE);
	/* Sector 1 (512 bytes) is 512-aligned but not 4096-aligned. */
	CHECK_EQ(xpv_disk_check(d, XPV_IO_READ, 1, 4096), -EINVAL);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_WRITE, 8, 1024), -EINVAL);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_WRITE, 7, 4096), -EINVAL);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_READ, 8, 8192), 0);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_DISCARD, 16, 4096), 0);

	for (e = 0; e < 2; e++) {
		struct xpv_ioq *q = ts_ioq(d, ts_engines[e], 8);

		if (!q)
			continue;
		CHECK_EQ(ts_read(q, 8 * 512, buf, 8192), 8192);
		CHECK_EQ(ts_pattern_check(1, 4096, buf, 8192), -1);
		ts_pattern_fill(40 + e, 65536, buf, 16384);
		CHECK_EQ(ts_write(q, 65536, buf, 16384), 16384);
		memset(buf, 0, 16384);
		CHECK_EQ(ts_read(q, 65536, buf, 16384), 16384);
		CHECK_EQ(ts_pattern_check(40 + e, 65536, buf, 16384), -1);
		xpv_ioq_destroy(q);
	}
	xpv_disk_close(d);
	free(buf);
	return 0;
}
