/* SPDX-License-Identifier: MIT */
/*
 * test-storage-fixed.c - registered buffers (storage.h): with io_uring a
 * read or write inside a registered entry goes through it (shown by the
 * contract's hazard: after MADV_DONTNEED the kernel still fills the pinned
 * old pages, not the new ones the address now has); outside its entry, with
 * an empty entry (also one the kernel refused), or with the psync engine
 * (no table) it is a plain transfer; bad entries and ranges are refused.  Data round trips through
 * the fixed path on an O_DIRECT disk.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "test-storage-lib.h"

#define DISK_SIZE (1u << 20)
#define BUF (64u * 1024)

static void run(struct xpv_disk *d, enum xpv_ioq_engine e)
{
	struct xpv_ioq *q = ts_ioq(d, e, 8);
	uint8_t *buf, *other;
	size_t i;
	int r;

	if (!q)
		return;
	test_where("engine %s", xpv_ioq_engine_name(q));
	buf = mmap(NULL, BUF, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(buf != MAP_FAILED);
	other = ts_alloc(BUF);
	r = xpv_ioq_bufs(q, 4);
	if (e == XPV_IOQ_PSYNC) {
		CHECK_EQ(r, -EOPNOTSUPP);
		CHECK_EQ(xpv_ioq_buf_set(q, 1, buf, BUF), -EOPNOTSUPP);
	} else if (r) {
		ts_exit(TS_SKIP, "no registered buffers here: %s",
			strerror(-r));
	} else {
		CHECK_EQ(xpv_ioq_bufs(q, 4), -EBUSY);
		CHECK_EQ(xpv_ioq_buf_set(q, 4, buf, BUF), -EINVAL);
		CHECK_EQ(xpv_ioq_buf_set(q, 1, NULL, BUF), -EINVAL);
		CHECK_EQ(xpv_ioq_buf_set(q, 1, buf, BUF), 0);
	}

	/* Inside entry 1: reads and writes round trip. */
	CHECK_EQ(ts_read_buf(q, 8192, buf + 4096, 32768, 1), 32768);
	CHECK_EQ(ts_pattern_check(1, 8192, buf + 4096, 32768), -1);
	ts_pattern_fill(9, 131072, buf, BUF);
	CHECK_EQ(ts_write_buf(q, 131072, buf, BUF, 1), BUF);
	CHECK_EQ(ts_read(q, 131072, other, BUF), BUF);
	CHECK_EQ(ts_pattern_check(9, 131072, other, BUF), -1);

	/* Outside its entry (other memory, or past its end) and through an
	 * empty entry: plain transfers, same data. */
	memset(other, 0, BUF);
	CHECK_EQ(ts_read_buf(q, 131072, other, BUF, 1), BUF);
	CHECK_EQ(ts_pattern_check(9, 131072, other, BUF), -1);
	memset(other, 0, BUF);
	CHECK_EQ(ts_read_buf(q, 0, other, 4096, 2), 4096);
	CHECK_EQ(ts_pattern_check(1, 0, other, 4096), -1);
	CHECK_EQ(ts_read_buf(q, 0, other, 4096, 1000), 4096);

	if (e != XPV_IOQ_PSYNC) {
		/*
		 * The pages are the kernel's from registration on: zapped
		 * here, the address gets fresh zero pages, and a fixed read
		 * still fills the old ones.  That is why a caller empties an
		 * entry before it gives pages back; and here it shows the
		 * fixed path was taken.
		 */
		CHECK(madvise(buf, BUF, MADV_DONTNEED) == 0);
		CHECK_EQ(ts_read_buf(q, 0, buf, 4096, 1), 4096);
		for (i = 0; i < 4096; i++)
			CHECK_MSG(!buf[i], "a registered read landed in the "
				  "new pages (byte %zu)", i);
		/* Emptied, the entry is not used: a plain read fills them. */
		CHECK_EQ(xpv_ioq_buf_set(q, 1, NULL, 0), 0);
		CHECK_EQ(ts_read_buf(q, 0, buf, 4096, 1), 4096);
		CHECK_EQ(ts_pattern_check(1, 0, buf, 4096), -1);
		/* A registration the kernel refuses (memory that is not
		 * mapped) leaves the entry empty: plain transfers. */
		CHECK(xpv_ioq_buf_set(q, 3, (void *)4096, 4096) < 0);
		memset(other, 0, 4096);
		CHECK_EQ(ts_read_buf(q, 0, other, 4096, 3), 4096);
		CHECK_EQ(ts_pattern_check(1, 0, other, 4096), -1);
		/* Registered again, the new pages are the ones used. */
		CHECK_EQ(xpv_ioq_buf_set(q, 1, buf, BUF), 0);
		memset(buf, 0, 4096);
		CHECK_EQ(ts_read_buf(q, 4096, buf, 4096, 1), 4096);
		CHECK_EQ(ts_pattern_check(1, 4096, buf, 4096), -1);
	}
	xpv_ioq_destroy(q);
	munmap(buf, BUF);
	free(other);
}

int main(void)
{
	struct xpv_disk *d;
	const char *path;
	unsigned int e;

	path = ts_make_image(ts_direct_dir(), DISK_SIZE, 1);
	d = ts_open(path, 0, XPV_CACHE_DIRECT, 0);
	for (e = 0; e < 2; e++)
		run(d, ts_engines[e]);
	xpv_disk_close(d);
	printf("test-storage-fixed: %lu checks\n", test_nchecks);
	return 0;
}
