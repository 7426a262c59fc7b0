/* SPDX-License-Identifier: MIT */
/*
 * test-storage-readonly.c - a read-only disk refuses writes and discards
 * (at the check and at the queue, with -EROFS and no completion), offers
 * no discard, and still reads.
 */
#include "config.h"

#include <stdlib.h>

#include "test-storage-lib.h"

#define DISK_SIZE (1u << 20)

int main(void)
{
	const char *path = ts_make_image(ts_tmp_dir(), DISK_SIZE, 1);
	struct xpv_disk *d =
	    ts_open(path, XPV_DISK_READONLY, XPV_CACHE_DIRECT, 0);
	const struct xpv_disk_info *in = xpv_disk_info(d);
	uint8_t *buf = ts_alloc(4096);
	struct iovec iov = {buf, 4096};
	unsigned int e;

	CHECK_MSG(in->readonly, "not read-only");
	CHECK_MSG(!in->discard, "discard offered read-only");
	CHECK_EQ(xpv_disk_check(d, XPV_IO_WRITE, 0, 4096), -EROFS);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_DISCARD, 0, 4096), -EROFS);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_READ, 0, 4096), 0);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_FLUSH, 0, 0), 0);

	for (e = 0; e < 2; e++) {
		struct xpv_ioq *q = ts_ioq(d, ts_engines[e], 4);

		if (!q)
			continue;
		CHECK_EQ(xpv_ioq_write(q, 0, &iov, 1, 1), -EROFS);
		CHECK_EQ(xpv_ioq_discard(q, 0, 4096, false, 2), -EROFS);
		CHECK_EQ(xpv_ioq_busy(q), 0);
		CHECK_EQ(ts_read(q, 8192, buf, 4096), 4096);
		CHECK_EQ(ts_pattern_check(1, 8192, buf, 4096), -1);
		xpv_ioq_destroy(q);
	}
	xpv_disk_close(d);
	free(buf);
	return 0;
}
