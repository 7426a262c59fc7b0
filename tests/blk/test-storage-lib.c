/* SPDX-License-Identifier: MIT */
/*
 * test-storage-lib.c - helpers shared by the storage engine tests (see
 * test-storage-lib.h).  Images are removed at exit, loop devices are
 * attached with autoclear so a crashed test leaves none behind.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test-storage-lib.h"

#define TS_MAX_IMAGES 16

static char ts_images[TS_MAX_IMAGES][256];
static unsigned int ts_nimages;

const enum xpv_ioq_engine ts_engines[2] = {XPV_IOQ_URING, XPV_IOQ_PSYNC};

void ts_exit(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, code == TS_SKIP ? "SKIP: " : "ERROR: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* splitmix64: every 8-byte word of the disk gets its own value. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint8_t ts_pattern_byte(uint32_t seed, uint64_t off)
{
	if (!seed)
		return 0;
	return (uint8_t)(mix(((uint64_t)seed << 48) ^ (off >> 3)) >>
			 ((off & 7) * 8));
}

void ts_pattern_fill(uint32_t seed, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t i = 0;

	for (; i < len && ((off + i) & 7); i++)
		p[i] = ts_pattern_byte(seed, off + i);
	for (; i + 8 <= len; i += 8) {
		uint64_t w =
		    seed ? mix(((uint64_t)seed << 48) ^ ((off + i) >> 3)) : 0;

		/* Little-endian, like ts_pattern_byte(). */
		memcpy(p + i, &w, 8);
	}
	for (; i < len; i++)
		p[i] = ts_pattern_byte(seed, off + i);
}

long long ts_pattern_check(uint32_t seed, uint64_t off, const void *buf,
			   size_t len)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != ts_pattern_byte(seed, off + i))
			return (long long)i;
	return -1;
}

long long ts_hole_check(const void *buf, size_t size, size_t off,
			size_t len)
{
	const uint8_t *p = buf;
	const struct {
		uint32_t seed;
		size_t from, to;
	} part[] = {
		{ 1, 0, off },
		{ 0, off, off + len },
		{ 1, off + len, size },
	};
	long long bad;
	size_t i;

	for (i = 0; i < sizeof(part) / sizeof(part[0]); i++) {
		bad = ts_pattern_check(part[i].seed, part[i].from,
				       p + part[i].from,
				       part[i].to - part[i].from);
		if (bad >= 0)
			return (long long)part[i].from + bad;
	}
	return -1;
}

const char *ts_direct_dir(void)
{
	const char *d = getenv("XPV_DIRECT_DIR");

	return d && *d ? d : "/var/tmp";
}

const char *ts_tmp_dir(void)
{
	const char *d = getenv("TMPDIR");

	return d && *d ? d : "/tmp";
}

static void ts_remove_images(void)
{
	unsigned int i;

	for (i = 0; i < ts_nimages; i++)
		unlink(ts_images[i]);
}

const char *ts_make_image(const char *dir, uint64_t size, uint32_t seed)
{
	size_t chunk = 1 << 20;
	char *path, *buf;
	uint64_t off;
	int fd;

	if (ts_nimages == TS_MAX_IMAGES)
		ts_exit(TS_HARD, "too many images");
	path = ts_images[ts_nimages];
	snprintf(path, sizeof(ts_images[0]), "%s/xpv-storage.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		ts_exit(TS_HARD, "mkstemp in %s: %s", dir, strerror(errno));
	if (!ts_nimages++)
		atexit(ts_remove_images);
	if (ftruncate(fd, (off_t)size) < 0)
		ts_exit(TS_HARD, "ftruncate: %s", strerror(errno));
	if (seed) {
		buf = malloc(chunk);
		if (!buf)
			ts_exit(TS_HARD, "out of memory");
		for (off = 0; off < size; off += chunk) {
			size_t n = size - off < chunk ? size - off : chunk;

			ts_pattern_fill(seed, off, buf, n);
			if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
				ts_exit(TS_HARD, "pwrite: %s", strerror(errno));
		}
		free(buf);
	}
	if (fsync(fd) < 0)
		ts_exit(TS_HARD, "fsync: %s", strerror(errno));
	close(fd);
	return path;
}

void *ts_alloc(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len ? len : 1))
		ts_exit(TS_HARD, "out of memory");
	memset(p, 0, len);
	return p;
}

struct xpv_disk *ts_open(const char *path, unsigned int flags,
			 enum xpv_cache_mode cache, uint32_t sector_size)
{
	struct xpv_disk_params p = {
	    .flags = flags,
	    .cache = cache,
	    .sector_size = sector_size,
	};
	struct xpv_disk *d;
	int r = xpv_disk_open(path, &p, &d);

	CHECK_MSG(r == 0, "xpv_disk_open(%s): %s", path, strerror(-r));
	return d;
}

struct xpv_ioq *ts_ioq(struct xpv_disk *disk, enum xpv_ioq_engine engine,
		       unsigned int depth)
{
	struct xpv_ioq_params p = {.depth = depth, .engine = engine};
	struct xpv_ioq *q;
	int r = xpv_ioq_create(disk, &p, &q);

	if (r < 0 && engine == XPV_IOQ_URING && r != -EINVAL) {
		fprintf(stderr, "note: uring engine unavailable: %s\n",
			strerror(-r));
		return NULL;
	}
	CHECK_MSG(r == 0, "xpv_ioq_create: %s", strerror(-r));
	return q;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

void ts_complete(struct xpv_ioq *q, unsigned int n, struct xpv_io_done *out)
{
	struct xpv_io_done local[64];
	long long deadline = now_ms() + 10000;
	struct pollfd pfd = {.fd = xpv_ioq_fd(q), .events = POLLIN};
	unsigned int got = 0;
	int r;

	if (!out) {
		CHECK_MSG(n <= 64, "n = %u", n);
		out = local;
	}
	r = xpv_ioq_submit(q);
	CHECK_MSG(r >= 0, "xpv_ioq_submit: %s", strerror(-r));
	while (got < n) {
		r = xpv_ioq_reap(q, out + got, n - got);
		CHECK_MSG(r >= 0, "xpv_ioq_reap: %s", strerror(-r));
		got += (unsigned int)r;
		if (got == n)
			break;
		CHECK_MSG(now_ms() < deadline, "only %u of %u completions", got,
			  n);
		/* The worker's way: sleep on the completion fd. */
		poll(&pfd, 1, 100);
	}
	/* Nothing more may come. */
	CHECK_EQ(xpv_ioq_reap(q, local, 64), 0);
}

static int64_t one(struct xpv_ioq *q, int r)
{
	struct xpv_io_done d;

	CHECK_MSG(r == 0, "queueing: %s", strerror(-r));
	ts_complete(q, 1, &d);
	CHECK_EQ(d.cookie, 4242);
	return d.res;
}

int64_t ts_read(struct xpv_ioq *q, uint64_t off, void *buf, size_t len)
{
	struct iovec v = {buf, len};

	return one(q, xpv_ioq_read(q, off, &v, 1, 4242));
}

int64_t ts_write(struct xpv_ioq *q, uint64_t off, const void *buf, size_t len)
{
	struct iovec v = {(void *)buf, len};

	return one(q, xpv_ioq_write(q, off, &v, 1, 4242));
}

int64_t ts_read_buf(struct xpv_ioq *q, uint64_t off, void *buf, size_t len,
		    unsigned int idx)
{
	struct iovec v = {buf, len};

	return one(q, xpv_ioq_read_buf(q, off, &v, idx, 4242));
}

int64_t ts_write_buf(struct xpv_ioq *q, uint64_t off, const void *buf,
		     size_t len, unsigned int idx)
{
	struct iovec v = {(void *)buf, len};

	return one(q, xpv_ioq_write_buf(q, off, &v, idx, 4242));
}

int64_t ts_flush(struct xpv_ioq *q)
{
	return one(q, xpv_ioq_flush(q, 4242));
}

int64_t ts_discard(struct xpv_ioq *q, uint64_t off, uint64_t len)
{
	return one(q, xpv_ioq_discard(q, off, len, false, 4242));
}

int ts_loop_attach(const char *backing, unsigned int block_size, bool direct,
		   char *dev, size_t devlen)
{
	struct loop_config cfg;
	int ctl, bfd, lfd = -1, n, tries;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		ts_exit(TS_SKIP, "/dev/loop-control: %s", strerror(errno));
	bfd = open(backing, O_RDWR | O_CLOEXEC);
	if (bfd < 0)
		ts_exit(TS_HARD, "%s: %s", backing, strerror(errno));
	for (tries = 0; tries < 20; tries++) {
		n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0)
			ts_exit(TS_SKIP, "LOOP_CTL_GET_FREE: %s",
				strerror(errno));
		snprintf(dev, devlen, "/dev/loop%d", n);
		lfd = open(dev, O_RDWR | O_CLOEXEC);
		if (lfd < 0)
			ts_exit(TS_SKIP, "%s: %s", dev, strerror(errno));
		memset(&cfg, 0, sizeof(cfg));
		cfg.fd = (unsigned int)bfd;
		cfg.block_size = block_size;
		cfg.info.lo_flags =
		    LO_FLAGS_AUTOCLEAR | (direct ? LO_FLAGS_DIRECT_IO : 0);
		if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0)
			break;
		n = errno;
		close(lfd);
		lfd = -1;
		/* Another test took the same free device: try again. */
		if (n != EBUSY)
			ts_exit(TS_SKIP, "LOOP_CONFIGURE: %s", strerror(n));
	}
	close(bfd);
	close(ctl);
	if (lfd < 0)
		ts_exit(TS_SKIP, "no free loop device");
	return lfd;
}

void ts_loop_detach(int loop_fd)
{
	if (loop_fd < 0)
		return;
	ioctl(loop_fd, LOOP_CLR_FD);
	close(loop_fd);
}
