/* SPDX-License-Identifier: MIT */
/*
 * test-storage-direct.c - cache modes: a file on a real file system is
 * opened with O_DIRECT and reports the alignment O_DIRECT needs; where the
 * kernel cannot tell us that alignment (tmpfs) the disk falls back to
 * buffered I/O and says so; writeback never uses O_DIRECT.  Data round
 * trips in every case.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test-storage-lib.h"

#define DISK_SIZE (1u << 20)

static void io_works(struct xpv_disk *d, size_t buf_offset)
{
	unsigned int e;

	for (e = 0; e < 2; e++) {
		struct xpv_ioq *q = ts_ioq(d, ts_engines[e], 4);
		uint8_t *mem = ts_alloc(8192 + 512);
		uint8_t *buf = mem + buf_offset;

		if (!q) {
			free(mem);
			continue;
		}
		ts_pattern_fill(7 + e, 65536, buf, 8192);
		CHECK_EQ(ts_write(q, 65536, buf, 8192), 8192);
		memset(buf, 0, 8192);
		CHECK_EQ(ts_read(q, 65536, buf, 8192), 8192);
		CHECK_EQ(ts_pattern_check(7 + e, 65536, buf, 8192), -1);
		xpv_ioq_destroy(q);
		free(mem);
	}
}

int main(void)
{
	const struct xpv_disk_info *in;
	struct xpv_disk *d;
	const char *path;
	struct stat st;
	int fl;

	/* A real file system: O_DIRECT, with its alignment reported. */
	path = ts_make_image(ts_direct_dir(), DISK_SIZE, 1);
	d = ts_open(path, 0, XPV_CACHE_DIRECT, 0);
	in = xpv_disk_info(d);
	if (!in->direct)
		ts_exit(TS_SKIP, "%s does not do O_DIRECT (set XPV_DIRECT_DIR)",
			ts_direct_dir());
	CHECK_MSG(!in->direct_fallback, "fallback flag with direct");
	fl = fcntl(xpv_disk_fd(d), F_GETFL);
	CHECK_MSG(fl >= 0 && (fl & O_DIRECT), "O_DIRECT not set: %x", fl);
	CHECK_MSG(in->dio_mem_align >= 1 && in->dio_mem_align <= 4096 &&
		      !(in->dio_mem_align & (in->dio_mem_align - 1)),
		  "dio_mem_align %u", in->dio_mem_align);
	CHECK_MSG(in->dio_len_align >= 1 && in->dio_len_align <= 512,
		  "dio_len_align %u", in->dio_len_align);
	io_works(d, 0);
	if (in->dio_mem_align <= 512)
		io_works(d, 512);
	xpv_disk_close(d);

	/* Writeback: never O_DIRECT, and no fallback to report. */
	d = ts_open(path, 0, XPV_CACHE_WRITEBACK, 0);
	in = xpv_disk_info(d);
	CHECK_MSG(!in->direct && !in->direct_fallback, "writeback direct");
	CHECK_EQ(in->dio_mem_align, 1);
	fl = fcntl(xpv_disk_fd(d), F_GETFL);
	CHECK_MSG(!(fl & O_DIRECT), "O_DIRECT set in writeback");
	xpv_disk_close(d);

	/* tmpfs: buffered, flagged as a fallback; any alignment works. */
	if (stat("/dev/shm", &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "note: no /dev/shm, fallback not tested\n");
		return 0;
	}
	path = ts_make_image("/dev/shm", DISK_SIZE, 1);
	d = ts_open(path, 0, XPV_CACHE_DIRECT, 0);
	in = xpv_disk_info(d);
	if (in->direct) {
		/* A kernel whose tmpfs reports its O_DIRECT alignment. */
		fprintf(stderr, "note: tmpfs does O_DIRECT here\n");
	} else {
		CHECK_MSG(in->direct_fallback, "no fallback flag on tmpfs");
		CHECK_EQ(in->dio_mem_align, 1);
		fl = fcntl(xpv_disk_fd(d), F_GETFL);
		CHECK_MSG(!(fl & O_DIRECT), "O_DIRECT set on fallback");
		/* A misaligned buffer is fine buffered. */
		io_works(d, 3);
	}
	xpv_disk_close(d);
	return 0;
}
