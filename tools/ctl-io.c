/* SPDX-License-Identifier: MIT */
/*
 * ctl-io.c - `xenpvctl io` and `xenpvctl bench`: I/O on a VBD through
 * libxenpvfront, run in the guest's environment (the frontend's domain).
 *
 *   xenpvctl io --devid D [--domid N] [--pattern SEED] [--size BYTES]
 *               [--verify] [--platform xen|sim]
 *       Writes a verifiable pattern (every 512-byte sector stamped with its
 *       offset, the seed and a generation) over the first --size bytes
 *       with 1 MiB requests, rewrites random 4 KiB blocks with the next
 *       generation, flushes, then (with --verify) reads everything back and
 *       checks every byte, discards a range and checks that it reads as
 *       zeros.  Prints one summary line `io: ok verified_bytes=N ...`, or
 *       `io: FAILED ...` and exits 1.
 *
 *   xenpvctl bench --devid D [--domid N] --rw randread|randwrite|read|write
 *               [--bs 4k|1m|BYTES] [--iodepth 128] [--runtime S] [--size B]
 *       Keeps --iodepth I/Os in flight for --runtime seconds and prints
 *       IOPS, MiB/s, p50/p99 completion latency and the CPU time of this
 *       process.  Writes destroy the data on the disk.
 *
 * Guarantees: exit status 0 success, 1 failure, 2 usage; all buffers are
 * allocated before the I/O starts; the device is closed on every path.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "xenpvfront.h"
#include "xenpvctl.h"

#define IO_DEPTH 32
#define IO_BIG (1u << 20)
#define IO_SMALL 4096u

struct common_opts {
	unsigned int domid;
	unsigned int devid;
	bool have_devid;
	const char *platform;
	uint64_t size;
};

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': mul = 1ull << 10; end++; break;
	case 'm': case 'M': mul = 1ull << 20; end++; break;
	case 'g': case 'G': mul = 1ull << 30; end++; break;
	default: break;
	}
	if (*end || v > UINT64_MAX / mul)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

/* The options io and bench share: --domid and --devid.  0 or -EINVAL. */
static int common_opt(int c, const char *arg, struct common_opts *co)
{
	uint64_t v;

	if (parse_u64(arg, &v))
		return -EINVAL;
	if (c == 'd') {
		if (v > 0x7fef)
			return -EINVAL;
		co->domid = (unsigned int)v;
	} else {
		if (v > UINT32_MAX)
			return -EINVAL;
		co->devid = (unsigned int)v;
		co->have_devid = true;
	}
	return 0;
}

static int open_dev(const struct common_opts *co, struct xpvf **h,
		    struct xpvf_info *info, const char *who)
{
	struct xpvf_opts opts;
	int err;

	memset(&opts, 0, sizeof(opts));
	opts.size = sizeof(opts);
	opts.platform = co->platform;
	err = xpvf_open(h, co->domid, co->devid, &opts);
	if (err < 0) {
		fprintf(stderr, "xenpvctl %s: cannot open vbd %u: %s\n", who,
			co->devid, strerror(-err));
		return err;
	}
	xpvf_info(*h, info);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- io ---- */

struct io_slot {
	unsigned char *buf;
	uint64_t off;
	uint64_t len;
	int64_t result;
	bool busy, done, read;
};

static uint64_t seed;
static unsigned char *gen; /* generation per 4 KiB block */
static uint64_t verify_fail_off = UINT64_MAX;
static uint64_t verified;

static unsigned char pattern(uint64_t off)
{
	uint64_t sec = off / 512, in = off % 512, g = gen[off / IO_SMALL], x;

	if (in < 8)
		return (unsigned char)(off >> (8 * in));
	if (in < 16)
		return (unsigned char)((seed + g) >> (8 * (in - 8)));
	x = (sec * 0x9e3779b97f4a7c15ull) ^ (in * 0xbf58476d1ce4e5b9ull) ^
	    (seed + g * 0x94d049bb133111ebull);
	return (unsigned char)(x ^ (x >> 29) ^ (x >> 47));
}

static void io_done(void *opaque, int64_t result)
{
	struct io_slot *s = opaque;

	s->result = result;
	s->done = true;
}

/* Retires a finished slot: checks its result, and a read's bytes. */
static int retire(struct io_slot *s, bool check)
{
	uint64_t i;

	s->busy = s->done = false;
	if (s->result != (int64_t)s->len) {
		fprintf(stderr, "xenpvctl io: I/O at %" PRIu64 ": %s\n",
			s->off,
			s->result < 0 ? strerror((int)-s->result) : "short");
		return -EIO;
	}
	if (!s->read || !check)
		return 0;
	for (i = 0; i < s->len; i++) {
		if (s->buf[i] != pattern(s->off + i)) {
			verify_fail_off = s->off + i;
			return -EILSEQ;
		}
	}
	verified += s->len;
	return 0;
}

static int submit_slot(struct xpvf *h, struct io_slot *s, enum xpvf_op op,
		       uint64_t off, uint64_t len)
{
	struct xpvf_io io = { .op = op, .offset = off, .buf = s->buf,
			      .len = len, .done = io_done, .opaque = s };
	uint64_t i;
	int err;

	s->off = off;
	s->len = len;
	s->read = op == XPVF_OP_READ;
	s->busy = true;
	s->done = false;
	if (op == XPVF_OP_WRITE)
		for (i = 0; i < len; i++)
			s->buf[i] = pattern(off + i);
	while ((err = xpvf_submit(h, &io)) == -EAGAIN)
		if ((err = xpvf_wait(h, 1000)) < 0)
			break;
	if (err < 0) {
		s->busy = false;
		fprintf(stderr, "xenpvctl io: submit: %s\n", strerror(-err));
	}
	return err;
}

/* A free slot (retiring finished ones), waiting for one if needed. */
static int get_slot(struct xpvf *h, struct io_slot *slots, bool check)
{
	int i, err;

	for (;;) {
		for (i = 0; i < IO_DEPTH; i++) {
			if (slots[i].busy && slots[i].done) {
				err = retire(&slots[i], check);
				if (err < 0)
					return err;
			}
			if (!slots[i].busy)
				return i;
		}
		err = xpvf_wait(h, 5000);
		if (err < 0)
			return err;
	}
}

static int drain(struct xpvf *h, struct io_slot *slots, bool check)
{
	int i, err;

	while (xpvf_in_flight(h)) {
		err = xpvf_wait(h, 5000);
		if (err < 0)
			return err;
	}
	for (i = 0; i < IO_DEPTH; i++) {
		if (slots[i].busy) {
			err = retire(&slots[i], check);
			if (err < 0)
				return err;
		}
	}
	return 0;
}

/* [0, size) in requests of len bytes. */
static int sweep(struct xpvf *h, struct io_slot *slots, enum xpvf_op op,
		 uint64_t size, uint64_t len, bool check)
{
	uint64_t off, n;
	int s, err;

	for (off = 0; off < size; off += n) {
		n = size - off < len ? size - off : len;
		s = get_slot(h, slots, check);
		if (s < 0)
			return s;
		err = submit_slot(h, &slots[s], op, off, n);
		if (err < 0)
			return err;
	}
	return drain(h, slots, check);
}

int ctl_io(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "domid", 1, NULL, 'd' },   { "devid", 1, NULL, 'v' },
		{ "pattern", 1, NULL, 'p' }, { "size", 1, NULL, 's' },
		{ "verify", 0, NULL, 'V' },  { "platform", 1, NULL, 'P' },
		{ "help", 0, NULL, 'h' },    { NULL, 0, NULL, 0 },
	};
	struct common_opts co = { .domid = 0x7fffffffu };
	struct io_slot slots[IO_DEPTH];
	struct xpvf_info info;
	struct xpvf *h = NULL;
	uint64_t size, blocks, i, nsmall, off, dlen = 0, gran;
	unsigned char *zb = NULL;
	const char *discard = "unsupported", *flush = "unsupported";
	bool verify = false, oom = false;
	double t0;
	int c, s, err, rc = 1;

	seed = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
		case 'v':
			if (common_opt(c, optarg, &co) < 0)
				return 2;
			break;
		case 'p':
			if (parse_u64(optarg, &seed))
				return 2;
			break;
		case 's':
			if (parse_u64(optarg, &co.size))
				return 2;
			break;
		case 'V': verify = true; break;
		case 'P': co.platform = optarg; break;
		case 'h':
			printf("usage: xenpvctl io --devid D [--domid N] "
			       "[--pattern SEED] [--size BYTES] [--verify]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (!co.have_devid || optind != argc) {
		fprintf(stderr, "usage: xenpvctl io --devid D [--domid N] "
				"[--pattern SEED] [--size BYTES] [--verify]\n");
		return 2;
	}
	memset(slots, 0, sizeof(slots));
	if (open_dev(&co, &h, &info, "io") < 0)
		return 1;
	size = info.sectors * 512;
	if (co.size && co.size < size)
		size = co.size;
	size -= size % IO_SMALL;
	if (!size || info.readonly) {
		fprintf(stderr, "xenpvctl io: disk too small or read-only\n");
		goto out;
	}
	blocks = size / IO_SMALL;
	gen = calloc(blocks, 1);
	zb = malloc(IO_BIG);
	for (i = 0; i < IO_DEPTH; i++) {
		slots[i].buf = malloc(IO_BIG);
		oom |= !slots[i].buf;
	}
	if (oom || !gen || !zb) {
		fprintf(stderr, "xenpvctl io: out of memory\n");
		goto out;
	}
	t0 = now_s();

	/* 1 MiB writes over everything, then random 4 KiB rewrites with the
	 * next generation (blocks chosen at random, each at most once in
	 * flight: a block's generation changes before it is submitted). */
	err = sweep(h, slots, XPVF_OP_WRITE, size, IO_BIG, false);
	if (err < 0)
		goto out;
	srand((unsigned int)seed);
	nsmall = blocks / 4 ? blocks / 4 : 1;
	for (i = 0; i < nsmall; i++) {
		off = ((uint64_t)rand() * (uint64_t)RAND_MAX +
		       (uint64_t)rand()) % blocks;
		if (gen[off])
			continue;
		gen[off] = 1;
		s = get_slot(h, slots, false);
		if (s < 0)
			goto out;
		if (submit_slot(h, &slots[s], XPVF_OP_WRITE, off * IO_SMALL,
				IO_SMALL) < 0)
			goto out;
	}
	if (drain(h, slots, false) < 0)
		goto out;
	if (info.flush || info.barrier) {
		err = xpvf_flush(h);
		if (err < 0) {
			fprintf(stderr, "xenpvctl io: flush: %s\n",
				strerror(-err));
			goto out;
		}
		flush = "ok";
	}

	if (verify) {
		/* Everything back, 1 MiB reads, then 4 KiB ones at random. */
		err = sweep(h, slots, XPVF_OP_READ, size, IO_BIG, true);
		if (err < 0)
			goto verify_failed;
		for (i = 0; i < nsmall; i++) {
			off = (uint64_t)rand() % blocks;
			s = get_slot(h, slots, true);
			if (s < 0) {
				err = s;
				goto verify_failed;
			}
			if (submit_slot(h, &slots[s], XPVF_OP_READ,
					off * IO_SMALL, IO_SMALL) < 0)
				goto out;
		}
		err = drain(h, slots, true);
		if (err < 0)
			goto verify_failed;
	}

	if (info.discard) {
		gran = info.discard_granularity > 512 ?
			       info.discard_granularity : 512;
		dlen = (IO_BIG / gran) * gran;
		if (dlen > size / 2)
			dlen = (size / 2 / gran) * gran;
		off = size / 2 - (size / 2) % gran;
		if (dlen) {
			err = xpvf_discard(h, off, dlen);
			if (err < 0) {
				fprintf(stderr, "xenpvctl io: discard: %s\n",
					strerror(-err));
				goto out;
			}
			if (xpvf_pread(h, zb, dlen, off) != (int64_t)dlen) {
				fprintf(stderr, "xenpvctl io: read after "
						"discard failed\n");
				goto out;
			}
			for (i = 0; i < dlen; i++)
				if (zb[i]) {
					fprintf(stderr,
						"xenpvctl io: byte %" PRIu64
						" not zero after discard\n",
						off + i);
					goto out;
				}
			discard = "ok";
		}
	}
	printf("io: ok verified_bytes=%" PRIu64 " size=%" PRIu64
	       " discard=%s flush=%s queues=%u ring_order=%u segments=%u "
	       "persistent=%d reconnects=%u seconds=%.2f\n",
	       verified, size, discard, flush, info.queues,
	       info.ring_page_order, info.max_segments, info.persistent,
	       info.reconnects, now_s() - t0);
	rc = 0;
	goto out;

verify_failed:
	if (err == -EILSEQ)
		printf("io: FAILED mismatch at byte %" PRIu64 "\n",
		       verify_fail_off);
	else
		printf("io: FAILED %s\n", strerror(-err));
out:
	xpvf_close(h);
	for (i = 0; i < IO_DEPTH; i++)
		free(slots[i].buf);
	free(zb);
	free(gen);
	gen = NULL;
	return rc;
}

/* ---- bench ---- */

/* Latency histogram in microseconds: exact below 1024, then 64 steps per
 * power of two. */
#define HIST_LINEAR 1024u
#define HIST_SUB 64u
#define HIST_N (HIST_LINEAR + 54u * HIST_SUB)

static uint64_t hist[HIST_N];

static unsigned int hist_idx(uint64_t us)
{
	unsigned int msb;

	if (us < HIST_LINEAR)
		return (unsigned int)us;
	msb = 63u - (unsigned int)__builtin_clzll(us);
	if (msb > 63u)
		msb = 63u;
	return HIST_LINEAR + (msb - 10u) * HIST_SUB +
	       (unsigned int)((us >> (msb - 6u)) & (HIST_SUB - 1u));
}

static uint64_t hist_value(unsigned int idx)
{
	unsigned int msb;

	if (idx < HIST_LINEAR)
		return idx;
	msb = (idx - HIST_LINEAR) / HIST_SUB + 10u;
	return ((uint64_t)HIST_SUB + (idx - HIST_LINEAR) % HIST_SUB)
	       << (msb - 6u);
}

static uint64_t hist_pct(uint64_t total, double pct)
{
	uint64_t want = (uint64_t)((double)total * pct / 100.0), seen = 0;
	unsigned int i;

	for (i = 0; i < HIST_N; i++) {
		seen += hist[i];
		if (seen > want)
			return hist_value(i);
	}
	return 0;
}

struct bench_slot {
	struct timespec start;
	bool busy;
};

static uint64_t bench_done, bench_bytes, bench_errors, bench_bs;

static void bench_cb(void *opaque, int64_t result)
{
	struct bench_slot *s = opaque;
	struct timespec now;
	uint64_t us;

	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (uint64_t)(now.tv_sec - s->start.tv_sec) * 1000000u +
	     (uint64_t)((now.tv_nsec - s->start.tv_nsec) / 1000);
	if ((int64_t)us < 0)
		us = 0;
	hist[hist_idx(us)]++;
	s->busy = false;
	if (result < 0) {
		bench_errors++;
		return;
	}
	bench_done++;
	bench_bytes += (uint64_t)result;
}

int ctl_bench(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "domid", 1, NULL, 'd' },   { "devid", 1, NULL, 'v' },
		{ "rw", 1, NULL, 'r' },	     { "bs", 1, NULL, 'b' },
		{ "iodepth", 1, NULL, 'q' }, { "runtime", 1, NULL, 't' },
		{ "size", 1, NULL, 's' },    { "platform", 1, NULL, 'P' },
		{ "copy", 0, NULL, 'C' },
		{ "help", 0, NULL, 'h' },    { NULL, 0, NULL, 0 },
	};
	struct common_opts co = { .domid = 0x7fffffffu };
	struct bench_slot *slots = NULL;
	bool copy = false, zero_copy = false;
	struct xpvf_info info;
	struct xpvf *h = NULL;
	struct rusage ru0, ru1;
	const char *rw = "randread";
	uint64_t bs = 4096, depth = 128, runtime = 10, size, nblocks;
	uint64_t seq = 0, x = 0x2545f4914f6cdd1dull, i;
	unsigned char *buf = NULL;
	bool rnd, write;
	double t0, el, cpu;
	int c, err, rc = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
		case 'v':
			if (common_opt(c, optarg, &co) < 0)
				return 2;
			break;
		case 'r': rw = optarg; break;
		case 'b':
			if (parse_u64(optarg, &bs) || !bs || bs % 512 ||
			    bs > (64u << 20))
				return 2;
			break;
		case 'q':
			if (parse_u64(optarg, &depth) || !depth || depth > 1024)
				return 2;
			break;
		case 't':
			if (parse_u64(optarg, &runtime) || !runtime)
				return 2;
			break;
		case 's':
			if (parse_u64(optarg, &co.size))
				return 2;
			break;
		case 'P': co.platform = optarg; break;
		case 'C': copy = true; break;
		case 'h':
			printf("usage: xenpvctl bench --devid D [--domid N] "
			       "--rw randread|randwrite|read|write [--bs 4k] "
			       "[--iodepth 128] [--runtime S] [--copy]\n"
			       "  --copy  ordinary buffers (copied through the "
			       "library's pool) instead of zero-copy ones\n");
			return 0;
		default:
			return 2;
		}
	}
	if (!co.have_devid || optind != argc ||
	    (strcmp(rw, "randread") && strcmp(rw, "randwrite") &&
	     strcmp(rw, "read") && strcmp(rw, "write"))) {
		fprintf(stderr, "usage: xenpvctl bench --devid D [--domid N] "
				"--rw randread|randwrite|read|write [--bs 4k] "
				"[--iodepth 128] [--runtime S]\n");
		return 2;
	}
	rnd = !strncmp(rw, "rand", 4);
	write = strstr(rw, "write") != NULL;
	if (open_dev(&co, &h, &info, "bench") < 0)
		return 1;
	size = info.sectors * 512;
	if (co.size && co.size < size)
		size = co.size;
	nblocks = size / bs;
	if (!nblocks || (write && info.readonly) || bs % info.sector_size) {
		fprintf(stderr, "xenpvctl bench: bad block size for disk\n");
		goto out;
	}
	slots = calloc(depth, sizeof(*slots));
	/* One buffer for every I/O in flight: the data is not checked.
	 * Granted once (zero copy) unless --copy or the platform is out of
	 * grants. */
	if (!copy)
		buf = xpvf_buf_alloc(h, (size_t)bs);
	zero_copy = buf != NULL;
	if (!buf)
		buf = malloc(bs);
	if (!slots || !buf) {
		fprintf(stderr, "xenpvctl bench: out of memory\n");
		goto out;
	}
	memset(buf, 0x5a, bs);
	memset(hist, 0, sizeof(hist));
	bench_done = bench_bytes = bench_errors = 0;
	bench_bs = bs;
	getrusage(RUSAGE_SELF, &ru0);
	t0 = now_s();
	while (now_s() - t0 < (double)runtime) {
		for (i = 0; i < depth; i++) {
			struct xpvf_io io;
			uint64_t blk;

			if (slots[i].busy)
				continue;
			if (rnd) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				blk = x % nblocks;
			} else {
				blk = seq++ % nblocks;
			}
			io = (struct xpvf_io){
				.op = write ? XPVF_OP_WRITE : XPVF_OP_READ,
				.offset = blk * bs, .buf = buf,
				.len = (size_t)bs, .done = bench_cb,
				.opaque = &slots[i] };
			clock_gettime(CLOCK_MONOTONIC, &slots[i].start);
			err = xpvf_submit(h, &io);
			if (err == -EAGAIN)
				break;
			if (err < 0) {
				fprintf(stderr, "xenpvctl bench: submit: %s\n",
					strerror(-err));
				goto out;
			}
			slots[i].busy = true;
		}
		err = xpvf_wait(h, 100);
		if (err < 0) {
			fprintf(stderr, "xenpvctl bench: %s\n", strerror(-err));
			goto out;
		}
	}
	while (xpvf_in_flight(h))
		if (xpvf_wait(h, 5000) < 0)
			break;
	el = now_s() - t0;
	getrusage(RUSAGE_SELF, &ru1);
	cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
	      (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
	      (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
	      (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
	printf("bench: rw=%s bs=%" PRIu64 " iodepth=%" PRIu64
	       " runtime=%.2fs ios=%" PRIu64 " errors=%" PRIu64
	       " iops=%.0f MiB/s=%.1f lat_p50_us=%" PRIu64
	       " lat_p99_us=%" PRIu64 " lat_p999_us=%" PRIu64
	       " cpu_s=%.2f cpu_pct=%.0f queues=%u"
	       " segments=%u persistent=%d zero_copy=%d\n",
	       rw, bench_bs, depth, el, bench_done, bench_errors,
	       (double)bench_done / el,
	       (double)bench_bytes / el / (1024.0 * 1024.0),
	       hist_pct(bench_done + bench_errors, 50.0),
	       hist_pct(bench_done + bench_errors, 99.0),
	       hist_pct(bench_done + bench_errors, 99.9), cpu,
	       100.0 * cpu / el, info.queues, info.max_segments,
	       info.persistent, zero_copy);
	rc = bench_errors ? 1 : 0;
out:
	if (zero_copy)
		xpvf_buf_free(h, buf);
	else
		free(buf);
	xpvf_close(h);
	free(slots);
	return rc;
}
