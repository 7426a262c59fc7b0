/* SPDX-License-Identifier: MIT */
/*
 * test-storage-check.c - the block layer's range check and the guards in
 * the queue and in xpv_disk_open(): alignment to the logical sector,
 * bounds (-ENOSPC), 64-bit overflow (-EOVERFLOW), bad parameters, and the
 * size of a file that is not a whole number of sectors.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "test-storage-lib.h"

#define NSECT 2048u /* 1 MiB in 512-byte units */

static void check_512(const char *path)
{
	struct xpv_disk *d = ts_open(path, 0, XPV_CACHE_WRITEBACK, 0);

	CHECK_EQ(xpv_disk_info(d)->size, NSECT * 512ull);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_READ, 0, 512), 0);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_WRITE, NSECT - 1, 512), 0);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_READ, 0, NSECT * 512ull), 0);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_DISCARD, 8, 4096), 0);
	/* Empty ranges inside or at the end are fine. */
	CHECK_EQ(xpv_disk_check(d, XPV_IO_DISCARD, NSECT, 0), 0);
	/* Past the end. */
	CHECK_EQ(xpv_disk_check(d, XPV_IO_READ, NSECT, 512), -ENOSPC);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_WRITE, NSECT - 1, 1024), -ENOSPC);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_READ, NSECT + 1, 0), -ENOSPC);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_READ, UINT64_MAX >> 9, 0), -ENOSPC);
	/* Overflow of sector * 512, and of offset + length. */
	CHECK_EQ(xpv_disk_check(d, XPV_IO_READ, (UINT64_MAX >> 9) + 1, 512),
		 -EOVERFLOW);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_READ, UINT64_MAX, 512), -EOVERFLOW);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_DISCARD, UINT64_MAX >> 9,
				UINT64_MAX - 510),
		 -EOVERFLOW);
	/* Lengths that are not whole sectors. */
	CHECK_EQ(xpv_disk_check(d, XPV_IO_READ, 0, 511), -EINVAL);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_WRITE, 0, 4097), -EINVAL);
	/* Flush takes no range; unknown ops are refused. */
	CHECK_EQ(xpv_disk_check(d, XPV_IO_FLUSH, UINT64_MAX, 1), 0);
	CHECK_EQ(xpv_disk_check(d, (enum xpv_io_op)7, 0, 512), -EINVAL);
	xpv_disk_close(d);
}

static void check_4096(const char *path)
{
	struct xpv_disk *d = ts_open(path, 0, XPV_CACHE_WRITEBACK, 4096);

	CHECK_EQ(xpv_disk_info(d)->sector_size, 4096);
	CHECK_MSG(xpv_disk_info(d)->physical_sector_size >= 4096, "pbs");
	CHECK_EQ(xpv_disk_check(d, XPV_IO_READ, 8, 4096), 0);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_READ, 1, 4096), -EINVAL);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_WRITE, 8, 512), -EINVAL);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_DISCARD, 4, 4096), -EINVAL);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_READ, NSECT - 8, 4096), 0);
	CHECK_EQ(xpv_disk_check(d, XPV_IO_READ, NSECT, 4096), -ENOSPC);
	xpv_disk_close(d);
}

static void open_errors(const char *path, const char *dir)
{
	struct xpv_disk_params p = {0};
	struct xpv_disk *d = (struct xpv_disk *)1;

	p.sector_size = 768;
	CHECK_EQ(xpv_disk_open(path, &p, &d), -EINVAL);
	CHECK_MSG(d == NULL, "*out set on error");
	p.sector_size = 8192;
	CHECK_EQ(xpv_disk_open(path, &p, &d), -EINVAL);
	p.sector_size = 256;
	CHECK_EQ(xpv_disk_open(path, &p, &d), -EINVAL);
	p.sector_size = 0;
	p.flags = 1u << 7;
	CHECK_EQ(xpv_disk_open(path, &p, &d), -EINVAL);
	p.flags = 0;
	p.cache = (enum xpv_cache_mode)5;
	CHECK_EQ(xpv_disk_open(path, &p, &d), -EINVAL);
	CHECK_EQ(xpv_disk_open(dir, NULL, &d), -EISDIR);
	p.cache = XPV_CACHE_DIRECT;
	p.flags = XPV_DISK_READONLY;
	CHECK_EQ(xpv_disk_open(dir, &p, &d), -EINVAL);
	CHECK_EQ(xpv_disk_open("/nonexistent/xpv", NULL, &d), -ENOENT);
	CHECK_EQ(xpv_disk_open("/dev/null", NULL, &d), -EINVAL);
	xpv_disk_close(NULL);
}

static void odd_size(const char *dir)
{
	/* 10 sectors of 4096 and a bit: the bit is not part of the disk. */
	const char *path = ts_make_image(dir, 10 * 4096 + 512, 1);
	struct xpv_disk *d = ts_open(path, 0, XPV_CACHE_WRITEBACK, 4096);

	CHECK_EQ(xpv_disk_info(d)->size, 10 * 4096);
	xpv_disk_close(d);
	d = ts_open(path, 0, XPV_CACHE_WRITEBACK, 0);
	CHECK_EQ(xpv_disk_info(d)->size, 10 * 4096 + 512);
	xpv_disk_close(d);

	/* Smaller than one sector: no disk at all. */
	path = ts_make_image(dir, 511, 1);
	{
		struct xpv_disk *e;

		CHECK_EQ(xpv_disk_open(path, NULL, &e), -EINVAL);
	}
}

static void queue_guards(const char *path)
{
	struct xpv_disk *d = ts_open(path, 0, XPV_CACHE_WRITEBACK, 0);
	struct xpv_ioq_params p = {.depth = 0};
	struct xpv_ioq *q;
	uint8_t *buf = ts_alloc(4096);
	struct iovec iov[2] = {{buf, 4096}, {buf, 0}};

	CHECK_EQ(xpv_ioq_create(d, &p, &q), -EINVAL);
	p.depth = XPV_IOQ_MAX_DEPTH + 1;
	CHECK_EQ(xpv_ioq_create(d, &p, &q), -EINVAL);
	p.depth = 4;
	p.engine = (enum xpv_ioq_engine)9;
	CHECK_EQ(xpv_ioq_create(d, &p, &q), -EINVAL);
	p.engine = XPV_IOQ_PSYNC;
	CHECK_EQ(xpv_ioq_create(d, &p, &q), 0);
	CHECK_EQ(xpv_ioq_read(q, 0, iov, 0, 1), -EINVAL);
	CHECK_EQ(xpv_ioq_read(q, 0, &iov[1], 1, 1), -EINVAL);
	CHECK_EQ(xpv_ioq_read(q, NSECT * 512ull - 2048, iov, 1, 1), -EINVAL);
	CHECK_EQ(xpv_ioq_write(q, UINT64_MAX - 100, iov, 1, 1), -EINVAL);
	CHECK_EQ(xpv_ioq_discard(q, NSECT * 512ull, 512, false, 1), -EINVAL);
	CHECK_EQ(xpv_ioq_busy(q), 0);
	/* A trailing empty element is allowed and transfers nothing. */
	CHECK_EQ(xpv_ioq_read(q, 0, iov, 2, 1), 0);
	{
		struct xpv_io_done done;

		ts_complete(q, 1, &done);
		CHECK_EQ(done.res, 4096);
	}
	xpv_ioq_destroy(q);
	xpv_ioq_destroy(NULL);
	xpv_disk_close(d);
	free(buf);
}

int main(void)
{
	const char *dir = ts_tmp_dir();
	const char *path = ts_make_image(dir, NSECT * 512ull, 1);

	check_512(path);
	check_4096(path);
	open_errors(path, dir);
	odd_size(dir);
	queue_guards(path);
	return 0;
}
