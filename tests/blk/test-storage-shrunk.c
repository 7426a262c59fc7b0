/* SPDX-License-Identifier: MIT */
/*
 * test-storage-shrunk.c - short reads: when an image file is truncated
 * behind the disk's back, a read that crosses the new end returns the data
 * before it, zeros after it, and the full length (never a partial count).
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "test-storage-lib.h"

#define DISK_SIZE (1u << 20)
#define CUT (DISK_SIZE / 2)

int main(void)
{
	const char *path = ts_make_image(ts_direct_dir(), DISK_SIZE, 1);
	struct xpv_disk *d = ts_open(path, 0, XPV_CACHE_DIRECT, 0);
	uint8_t *buf = ts_alloc(CUT);
	struct iovec iov[3];
	unsigned int e;

	for (e = 0; e < 2; e++) {
		struct xpv_ioq *q = ts_ioq(d, ts_engines[e], 4);
		struct xpv_io_done done;

		if (!q)
			continue;
		CHECK_EQ(truncate(path, CUT), 0);
		/* Three elements; the end of the file falls in the second. */
		iov[0].iov_base = buf;
		iov[0].iov_len = 65536;
		iov[1].iov_base = buf + 65536;
		iov[1].iov_len = 131072;
		iov[2].iov_base = buf + 196608;
		iov[2].iov_len = CUT - 196608;
		ts_pattern_fill(9, 0, buf, CUT);
		CHECK_EQ(xpv_ioq_read(q, CUT - 131072, iov, 3, 5), 0);
		ts_complete(q, 1, &done);
		CHECK_EQ(done.res, CUT);
		CHECK_EQ(ts_pattern_check(1, CUT - 131072, buf, 131072), -1);
		CHECK_EQ(ts_pattern_check(0, 0, buf + 131072, CUT - 131072),
			 -1);
		CHECK_EQ(truncate(path, DISK_SIZE), 0);
		xpv_ioq_destroy(q);
	}
	xpv_disk_close(d);
	free(buf);
	return 0;
}
