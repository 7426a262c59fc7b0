/* SPDX-License-Identifier: MIT */
/*
 * test-storage-lib.h - helpers for the storage engine tests: image files
 * filled with a known pattern, running a queue to completion with a time
 * limit, loop devices.  Every helper either works or ends the test (exit 1
 * on a failed check, 99 on a broken environment, 77 to skip).  The checks
 * are those of test-util.h (CHECK_MSG, CHECK_EQ).
 */
#ifndef XENPVD_TESTS_STORAGE_LIB_H
#define XENPVD_TESTS_STORAGE_LIB_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage.h"
#include "test-util.h"

#define TS_SKIP 77
#define TS_HARD 99

__attribute__((noreturn, format(printf, 2, 3))) void
ts_exit(int code, const char *fmt, ...);

/* The byte the pattern seed puts at disk offset off. */
uint8_t ts_pattern_byte(uint32_t seed, uint64_t off);
void ts_pattern_fill(uint32_t seed, uint64_t off, void *buf, size_t len);
/* Offset of the first mismatch with the pattern, or -1. */
long long ts_pattern_check(uint32_t seed, uint64_t off, const void *buf,
			   size_t len);
/*
 * buf holds the first size bytes of a disk written with pattern seed 1
 * and then discarded over [off, off + len): seed 0 (zeros) there, seed 1
 * around.  Offset of the first wrong byte, or -1.
 */
long long ts_hole_check(const void *buf, size_t size, size_t off,
			size_t len);

/*
 * A directory on a file system that honours O_DIRECT: $XPV_DIRECT_DIR,
 * else /var/tmp.  The general scratch directory is $TMPDIR or /tmp.
 */
const char *ts_direct_dir(void);
const char *ts_tmp_dir(void);

/*
 * Creates an image of size bytes in dir (mkstemp), filled with the
 * pattern of seed (seed 0: sparse, all zeros) and synced; the path is
 * removed at exit.  Returns the path (static storage per call slot).
 */
const char *ts_make_image(const char *dir, uint64_t size, uint32_t seed);

/* Aligned, zeroed memory (4096), freed by the caller with free(). */
void *ts_alloc(size_t len);

/*
 * Opens path with the given flags, cache mode and sector size, failing
 * the test on error.
 */
struct xpv_disk *ts_open(const char *path, unsigned int flags,
			 enum xpv_cache_mode cache, uint32_t sector_size);

/*
 * Creates a queue; returns NULL (after saying why on stderr) when the
 * engine cannot run here (uring not built, or io_uring refused).
 */
struct xpv_ioq *ts_ioq(struct xpv_disk *disk, enum xpv_ioq_engine engine,
		       unsigned int depth);

/* The engines to run each test with. */
extern const enum xpv_ioq_engine ts_engines[2];

/*
 * Submits and then reaps until n completions arrived (10 s limit),
 * storing them in out (may be NULL when n <= 64 and results are not
 * needed).  Fails the test on any error.
 */
void ts_complete(struct xpv_ioq *q, unsigned int n, struct xpv_io_done *out);

/* One operation to completion; returns its result. */
int64_t ts_read(struct xpv_ioq *q, uint64_t off, void *buf, size_t len);
int64_t ts_write(struct xpv_ioq *q, uint64_t off, const void *buf, size_t len);
/* The same through registered buffer entry idx (xpv_ioq_read_buf()). */
int64_t ts_read_buf(struct xpv_ioq *q, uint64_t off, void *buf, size_t len,
		    unsigned int idx);
int64_t ts_write_buf(struct xpv_ioq *q, uint64_t off, const void *buf,
		     size_t len, unsigned int idx);
int64_t ts_flush(struct xpv_ioq *q);
int64_t ts_discard(struct xpv_ioq *q, uint64_t off, uint64_t len);

/*
 * Attaches backing to a free loop device with the given logical block
 * size (and O_DIRECT on the backing file when direct), autoclear: the
 * device goes away when the returned fd and every other opener close.
 * Exits 77 when loop devices cannot be used here.  Writes the device path
 * into dev.
 */
int ts_loop_attach(const char *backing, unsigned int block_size, bool direct,
		   char *dev, size_t devlen);
void ts_loop_detach(int loop_fd);

#endif /* XENPVD_TESTS_STORAGE_LIB_H */
