/* SPDX-License-Identifier: MIT */
/*
 * storage-bench.c - a quick sanity number for the storage engines, not a
 * test: 4 KiB random reads with O_DIRECT at a fixed queue depth, through
 * the uring engine and then the psync engine, the way a ring worker drives
 * a queue (keep it full, poll the completion fd, reap a batch, queue the
 * same number again, one submit per batch).
 *
 *   storage-bench [-f image | -d dir] [-s MiB] [-q depth] [-t seconds]
 *                 [-j psync-threads]
 *
 * Without -f it creates an image in dir (default /var/tmp) and writes all
 * of it first: unwritten extents are never read from the device, which
 * would make the numbers meaningless.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "storage.h"

#define BS 4096u

static char tmp_path[512];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void remove_tmp(void)
{
	if (tmp_path[0])
		unlink(tmp_path);
}

static int make_image(const char *dir, uint64_t size)
{
	size_t chunk = 1 << 20;
	uint64_t off, seed = 88172645463325252ull;
	char *buf;
	size_t i;
	int fd;

	snprintf(tmp_path, sizeof(tmp_path), "%s/xpv-bench.XXXXXX", dir);
	fd = mkstemp(tmp_path);
	if (fd < 0) {
		tmp_path[0] = '\0';
		return -errno;
	}
	atexit(remove_tmp);
	buf = malloc(chunk);
	if (!buf)
		return -ENOMEM;
	for (off = 0; off < size; off += chunk) {
		for (i = 0; i < chunk; i += 8) {
			uint64_t v = rnd(&seed);

			memcpy(buf + i, &v, 8);
		}
		if (pwrite(fd, buf, chunk, (off_t)off) != (ssize_t)chunk) {
			free(buf);
			return -EIO;
		}
	}
	free(buf);
	if (fsync(fd) < 0)
		return -errno;
	close(fd);
	return 0;
}

static int run(struct xpv_disk *d, enum xpv_ioq_engine engine, unsigned int qd,
	       unsigned int threads, double secs)
{
	struct xpv_ioq_params p = {
	    .depth = qd,
	    .engine = engine,
	    .psync_threads = threads,
	};
	uint64_t size = xpv_disk_info(d)->size, seed = 0x2545f4914f6cdd1dull;
	uint64_t nblocks = size / BS, ios = 0;
	struct xpv_io_done *done = calloc(qd, sizeof(*done));
	struct iovec *iov = calloc(qd, sizeof(*iov));
	struct pollfd pfd;
	struct xpv_ioq *q;
	unsigned int i;
	char *bufs = NULL, label[32];
	double t0, t;
	int r, n;

	if (!done || !iov ||
	    posix_memalign((void **)&bufs, BS, (size_t)qd * BS)) {
		r = -ENOMEM;
		goto out;
	}
	r = xpv_ioq_create(d, &p, &q);
	if (r < 0)
		goto out;
	pfd.fd = xpv_ioq_fd(q);
	pfd.events = POLLIN;
	for (i = 0; i < qd; i++) {
		iov[i].iov_base = bufs + (size_t)i * BS;
		iov[i].iov_len = BS;
		r = xpv_ioq_read(q, rnd(&seed) % nblocks * BS, &iov[i], 1, i);
		if (r < 0)
			goto out_q;
	}
	t0 = now_s();
	r = xpv_ioq_submit(q);
	for (;;) {
		if (r < 0 && r != -EAGAIN && r != -EBUSY)
			goto out_q;
		poll(&pfd, 1, 1000);
		n = xpv_ioq_reap(q, done, qd);
		if (n < 0) {
			r = n;
			goto out_q;
		}
		t = now_s();
		for (i = 0; i < (unsigned int)n; i++) {
			unsigned int slot = (unsigned int)done[i].cookie;

			if (done[i].res != BS) {
				fprintf(stderr, "read failed: %lld\n",
					(long long)done[i].res);
				r = -EIO;
				goto out_q;
			}
			ios++;
			if (t - t0 < secs)
				xpv_ioq_read(q, rnd(&seed) % nblocks * BS,
					     &iov[slot], 1, slot);
		}
		if (t - t0 >= secs && !xpv_ioq_busy(q))
			break;
		r = xpv_ioq_submit(q);
	}
	t = now_s() - t0;
	if (engine == XPV_IOQ_PSYNC)
		snprintf(label, sizeof(label), "psync x%u", p.psync_threads);
	else
		snprintf(label, sizeof(label), "%s", xpv_ioq_engine_name(q));
	printf("%-10s qd %-4u %9.0f IOPS %8.1f MiB/s\n", label, qd, ios / t,
	       ios * (double)BS / t / (1 << 20));
	r = 0;
out_q:
	xpv_ioq_destroy(q);
out:
	free(bufs);
	free(iov);
	free(done);
	return r;
}

int main(int argc, char **argv)
{
	const char *file = NULL, *dir = "/var/tmp";
	unsigned int qd = 128, threads = 0, size_mib = 512;
	double secs = 5;
	struct xpv_disk *d;
	int c, r;

	while ((c = getopt(argc, argv, "f:d:s:q:t:j:")) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 's':
			size_mib = (unsigned int)atoi(optarg);
			break;
		case 'q':
			qd = (unsigned int)atoi(optarg);
			break;
		case 't':
			secs = atof(optarg);
			break;
		case 'j':
			threads = (unsigned int)atoi(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: %s [-f image | -d dir] [-s MiB]"
				" [-q depth] [-t seconds] [-j threads]\n",
				argv[0]);
			return 2;
		}
	}
	if (!file) {
		r = make_image(dir, (uint64_t)size_mib << 20);
		if (r < 0) {
			fprintf(stderr, "image in %s: %s\n", dir, strerror(-r));
			return 1;
		}
		file = tmp_path;
	}
	r = xpv_disk_open(file,
			  &(struct xpv_disk_params){.flags = XPV_DISK_READONLY,
						    .cache = XPV_CACHE_DIRECT},
			  &d);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", file, strerror(-r));
		return 1;
	}
	if (!xpv_disk_info(d)->direct)
		fprintf(stderr, "warning: no O_DIRECT on %s\n", file);
	printf("%s: %llu MiB, 4 KiB random reads, %.0f s each\n", file,
	       (unsigned long long)(xpv_disk_info(d)->size >> 20), secs);
	r = run(d, XPV_IOQ_URING, qd, 0, secs);
	if (r < 0)
		fprintf(stderr, "uring: %s\n", strerror(-r));
	r = run(d, XPV_IOQ_PSYNC, qd, threads ? threads : 8, secs);
	if (r < 0)
		fprintf(stderr, "psync: %s\n", strerror(-r));
	if (threads == 0) {
		r = run(d, XPV_IOQ_PSYNC, qd, 32, secs);
		if (r < 0)
			fprintf(stderr, "psync: %s\n", strerror(-r));
	}
	xpv_disk_close(d);
	return r < 0 ? 1 : 0;
}
