/* SPDX-License-Identifier: MIT */
/*
 * test-frontend-io.c - the guest side of the frontend tests: opens a VBD
 * with libxenpvfront and checks one behaviour, chosen by --mode:
 *
 *   verify     asynchronous writes of many sizes and alignments (misaligned
 *              buffers, sector-aligned offsets, 512 B .. 3 MiB) over the
 *              first --span bytes of the disk, up to 64 in flight, then reads
 *              back in a different split and checks every byte; then sync
 *              pwrite/pread, flush, discard (reads zeros).  Every callback
 *              must run exactly once with the full length.
 *   bad-id     writes until the backend answers an id never asked: the
 *              device must break (process -EIO, submit -EIO), and every I/O
 *              must still complete exactly once.
 *   missing    opening a VBD that does not exist fails with -ENOENT.
 *
 * --expect-KEY V checks a negotiated value at the end (queues, order, segs,
 * persistent, reconnects-min, abi).  Exit 0 pass, 1 fail.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xenpvfront.h"
#include "test-util.h"

#define DEPTH 64
#define MAXIO (3u << 20)

struct ctx {
	int calls;
	int64_t result;
	int64_t want;
	bool busy;
	bool read;
	uint64_t off;
	const unsigned char *buf;
};

static struct xpvf *h;
static uint64_t seed = 1, span = 16u << 20;
static struct ctx ctxs[DEPTH];
static unsigned char *bufs[DEPTH];
/* --zero-copy: the first ZC_SLOTS buffers come from xpvf_buf_alloc() and
 * their I/O starts on a page boundary; the others stay misaligned heap
 * memory, so both paths run side by side. */
#define ZC_SLOTS 8
static bool zc[DEPTH];
static unsigned long completions, submitted;

static uint64_t rnd_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* The byte at disk offset off: a stamp per sector, then noise. */
static unsigned char pattern(uint64_t off)
{
	uint64_t sec = off / 512, in = off % 512, x;

	if (in < 8)
		return (unsigned char)(sec >> (8 * in));
	if (in < 16)
		return (unsigned char)(seed >> (8 * (in - 8)));
	x = (sec * 0x9e3779b97f4a7c15ull) ^ (in * 0xbf58476d1ce4e5b9ull) ^ seed;
	return (unsigned char)(x ^ (x >> 29) ^ (x >> 47));
}

static void done_fn(void *opaque, int64_t result)
{
	struct ctx *c = opaque;

	c->calls++;
	c->result = result;
	completions++;
}

/* A finished I/O: one call, full length, and a read's bytes right. */
static void retire(struct ctx *c)
{
	int64_t i;

	CHECK(c->calls == 1);
	CHECK(c->result == c->want);
	for (i = 0; c->read && i < c->want; i++) {
		if (c->buf[i] != pattern(c->off + (uint64_t)i)) {
			fprintf(stderr, "read mismatch at %" PRIu64 "\n",
				c->off + (uint64_t)i);
			exit(1);
		}
	}
	c->busy = false;
}

static int free_ctx(void)
{
	int i;

	for (i = 0; i < DEPTH; i++) {
		if (ctxs[i].busy && ctxs[i].calls)
			retire(&ctxs[i]);
		if (!ctxs[i].busy)
			return i;
	}
	return -1;
}

static void drain(void)
{
	int i, n;

	while (xpvf_in_flight(h)) {
		n = xpvf_wait(h, 5000);
		CHECK(n >= 0);
	}
	for (i = 0; i < DEPTH; i++)
		if (ctxs[i].busy)
			retire(&ctxs[i]);
}

/* Covers [0, span) with I/Os of random lengths, up to DEPTH in flight. */
static void pass(enum xpvf_op op)
{
	struct xpvf_io io;
	uint64_t off = 0, len, i;
	unsigned char *b;
	int slot, err;

	while (off < span) {
		while ((slot = free_ctx()) < 0)
			CHECK(xpvf_wait(h, 5000) >= 0);
		switch (rnd() % 4) {
		case 0:
			len = 512 * (1 + rnd() % 16);
			break;
		case 1:
			len = 4096 * (1 + rnd() % 64);
			break;
		default:
			len = 512 * (1 + rnd() % (MAXIO / 512));
			break;
		}
		if (len > span - off)
			len = span - off;
		/* A buffer that is not aligned at all, or a zero-copy one. */
		b = zc[slot] ? bufs[slot] : bufs[slot] + 1 + rnd() % 7;
		if (op == XPVF_OP_WRITE)
			for (i = 0; i < len; i++)
				b[i] = pattern(off + i);
		else
			memset(b, 0xa5, len);
		memset(&ctxs[slot], 0, sizeof(ctxs[slot]));
		ctxs[slot].busy = true;
		ctxs[slot].want = (int64_t)len;
		ctxs[slot].read = op == XPVF_OP_READ;
		ctxs[slot].off = off;
		ctxs[slot].buf = b;
		io = (struct xpvf_io){ .op = op, .offset = off, .buf = b,
				       .len = len, .done = done_fn,
				       .opaque = &ctxs[slot] };
		while ((err = xpvf_submit(h, &io)) == -EAGAIN)
			CHECK(xpvf_wait(h, 5000) >= 0);
		CHECK(err == 0);
		submitted++;
		off += len;
	}
	drain();
}

/* One I/O of the whole span (verified, for a read). */
static void big(enum xpvf_op op)
{
	unsigned char *b = malloc(span);
	struct ctx c = { 0 };
	struct xpvf_io io = { .op = op, .offset = 0, .buf = b, .len = span,
			      .done = done_fn, .opaque = &c };
	uint64_t i;

	CHECK(b);
	for (i = 0; i < span; i++)
		b[i] = op == XPVF_OP_WRITE ? pattern(i) : 0x5a;
	c.busy = true;
	c.want = (int64_t)span;
	c.read = op == XPVF_OP_READ;
	c.buf = b;
	CHECK(xpvf_submit(h, &io) == 0);
	submitted++;
	while (!c.calls)
		CHECK(xpvf_wait(h, 5000) >= 0);
	retire(&c);
	free(b);
}

static void verify_all(void)
{
	unsigned char *b = malloc(MAXIO);
	uint64_t off, len, i;
	int64_t n;

	CHECK(b);
	for (off = 0; off < span; off += len) {
		len = 512 * (1 + rnd() % (MAXIO / 512));
		if (len > span - off)
			len = span - off;
		n = xpvf_pread(h, b, len, off);
		CHECK(n == (int64_t)len);
		for (i = 0; i < len; i++) {
			if (b[i] != pattern(off + i)) {
				fprintf(stderr, "mismatch at %" PRIu64 "\n",
					off + i);
				exit(1);
			}
		}
	}
	free(b);
}

static void mode_verify(void)
{
	struct xpvf_info info;
	unsigned char *b = malloc(1 << 20);
	uint64_t i;
	int64_t n;

	CHECK(b);
	/* The whole span in one I/O each way: split by the library. */
	big(XPVF_OP_WRITE);
	big(XPVF_OP_READ);
	pass(XPVF_OP_WRITE);
	/* Reads in flight together, then a check of everything. */
	pass(XPVF_OP_READ);
	verify_all();

	/* Synchronous helpers at an odd place. */
	for (i = 0; i < 5 * 512; i++)
		b[i] = (unsigned char)(i * 7 + 3);
	n = xpvf_pwrite(h, b, 5 * 512, span + 3 * 512);
	CHECK(n == 5 * 512);
	memset(b, 0, 5 * 512);
	n = xpvf_pread(h, b, 5 * 512, span + 3 * 512);
	CHECK(n == 5 * 512);
	for (i = 0; i < 5 * 512; i++)
		CHECK(b[i] == (unsigned char)(i * 7 + 3));

	CHECK(xpvf_info(h, &info) == 0);
	if (info.flush || info.barrier)
		CHECK(xpvf_flush(h) == 0);
	if (info.discard) {
		CHECK(xpvf_discard(h, 1 << 20, 256 << 10) == 0);
		n = xpvf_pread(h, b, 512 << 10, 1 << 20);
		CHECK(n == 512 << 10);
		for (i = 0; i < 256 << 10; i++)
			CHECK(b[i] == 0);
		for (i = 256 << 10; i < 512 << 10; i++)
			CHECK(b[i] == pattern((1 << 20) + i));
	}
	/* Bad requests are refused without a callback. */
	{
		struct xpvf_io io = { .op = XPVF_OP_READ, .offset = 100,
				      .buf = b, .len = 512, .done = done_fn };

		CHECK(xpvf_submit(h, &io) == -EINVAL);
		io.offset = info.sectors * 512;
		CHECK(xpvf_submit(h, &io) == -EINVAL);
	}
	free(b);
}

static void mode_bad_id(void)
{
	struct xpvf_io io;
	int i, n, saw_eio = 0;

	for (i = 0; i < 32; i++) {
		memset(bufs[0], 0x11, 65536);
		ctxs[i % DEPTH].busy = true;
		io = (struct xpvf_io){ .op = XPVF_OP_WRITE,
				       .offset = (uint64_t)i * 65536,
				       .buf = bufs[0], .len = 65536,
				       .done = done_fn,
				       .opaque = &ctxs[i % DEPTH] };
		n = xpvf_submit(h, &io);
		if (n == -EIO) {
			ctxs[i % DEPTH].busy = false;
			saw_eio = 1;
			break;
		}
		CHECK(n == 0);
		n = xpvf_process(h);
		if (n == -EIO) {
			saw_eio = 1;
			break;
		}
		CHECK(n >= 0);
	}
	for (i = 0; i < 200 && xpvf_in_flight(h); i++) {
		n = xpvf_wait(h, 100);
		if (n == -EIO)
			saw_eio = 1;
	}
	CHECK(xpvf_in_flight(h) == 0);
	n = xpvf_process(h);
	CHECK(n == -EIO);
	CHECK(saw_eio || n == -EIO);
	for (i = 0; i < DEPTH; i++)
		if (ctxs[i].busy)
			CHECK(ctxs[i].calls >= 1);
	n = 0;
	for (i = 0; i < 32; i++)
		if (ctxs[i].busy && ctxs[i].result == -EIO)
			n++;
	CHECK(n >= 1);
	/* Each context was used once: one call each. */
	for (i = 0; i < 32; i++)
		if (ctxs[i].busy)
			CHECK(ctxs[i].calls == 1);
	io.offset = 0;
	CHECK(xpvf_submit(h, &io) == -EIO);
}

int main(int argc, char **argv)
{
	bool zero_copy = false;
	static const struct option lo[] = {
		{ "devid", 1, NULL, 'd' },	   { "mode", 1, NULL, 'm' },
		{ "queues", 1, NULL, 'q' },	   { "order", 1, NULL, 'o' },
		{ "indirect", 1, NULL, 'i' },	   { "no-persistent", 0, NULL, 'n' },
		{ "abi", 1, NULL, 'a' },	   { "span", 1, NULL, 's' },
		{ "expect-queues", 1, NULL, 'Q' }, { "expect-order", 1, NULL, 'O' },
		{ "expect-segs", 1, NULL, 'S' },
		{ "expect-persistent", 1, NULL, 'P' },
		{ "expect-reconnects-min", 1, NULL, 'R' },
		{ "expect-abi", 1, NULL, 'A' },
		{ "pool-pages", 1, NULL, 'p' },
		{ "zero-copy", 0, NULL, 'z' },
		{ NULL, 0, NULL, 0 },
	};
	struct xpvf_opts opts;
	struct xpvf_info info;
	const char *mode = "verify";
	long ex_q = -1, ex_o = -1, ex_s = -1, ex_p = -1, ex_r = -1, ex_a = -1;
	unsigned int devid = 51712;
	int c, i, err;

	memset(&opts, 0, sizeof(opts));
	opts.size = sizeof(opts);
	opts.timeout_ms = 20000;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': devid = (unsigned int)atoi(optarg); break;
		case 'm': mode = optarg; break;
		case 'q': opts.max_queues = (unsigned int)atoi(optarg); break;
		case 'o':
			opts.max_ring_page_order = (unsigned int)atoi(optarg);
			break;
		case 'i':
			opts.max_indirect_segments = (unsigned int)atoi(optarg);
			break;
		case 'n': opts.no_persistent = 1; break;
		case 'a': opts.abi = atoi(optarg); break;
		case 's': span = strtoull(optarg, NULL, 0); break;
		case 'Q': ex_q = atol(optarg); break;
		case 'O': ex_o = atol(optarg); break;
		case 'S': ex_s = atol(optarg); break;
		case 'P': ex_p = atol(optarg); break;
		case 'R': ex_r = atol(optarg); break;
		case 'A': ex_a = atol(optarg); break;
		case 'p': opts.pool_pages = (unsigned int)atoi(optarg); break;
		case 'z': zero_copy = true; break;
		default: return 2;
		}
	}
	alarm(120);
	for (i = 0; i < DEPTH; i++) {
		bufs[i] = malloc(MAXIO + 8);
		CHECK(bufs[i]);
	}
	if (!strcmp(mode, "missing")) {
		/* No such VBD: refused at once, nothing left behind. */
		opts.timeout_ms = 2000;
		err = xpvf_open(&h, XPVF_DOMID_SELF, devid, &opts);
		CHECK(err == -ENOENT);
		CHECK(h == NULL);
		return 0;
	}
	err = xpvf_open(&h, XPVF_DOMID_SELF, devid, &opts);
	if (err < 0) {
		fprintf(stderr, "xpvf_open: %s\n", strerror(-err));
		return 1;
	}
	CHECK(xpvf_fd(h) >= 0);
	CHECK(xpvf_info(h, &info) == 0);
	CHECK(info.sectors * 512 >= span + (1 << 20));
	for (i = 0; zero_copy && i < ZC_SLOTS; i++) {
		unsigned char *g = xpvf_buf_alloc(h, MAXIO);

		CHECK(g != NULL);
		CHECK(((uintptr_t)g & 4095) == 0);
		free(bufs[i]);
		bufs[i] = g;
		zc[i] = true;
	}

	if (!strcmp(mode, "verify")) {
		mode_verify();
		/* Every async I/O called back once, no more. */
		CHECK(xpvf_in_flight(h) == 0);
		CHECK(completions == submitted);
	}
	else if (!strcmp(mode, "bad-id"))
		mode_bad_id();
	else
		return 2;

	CHECK(xpvf_info(h, &info) == 0);
	printf("queues=%u order=%u segs=%u persistent=%d reconnects=%u "
	       "abi=%d completions=%lu\n",
	       info.queues, info.ring_page_order, info.max_segments,
	       info.persistent, info.reconnects, info.abi, completions);
	if (ex_q >= 0)
		CHECK(info.queues == (unsigned long)ex_q);
	if (ex_o >= 0)
		CHECK(info.ring_page_order == (unsigned long)ex_o);
	if (ex_s >= 0)
		CHECK(info.max_segments == (unsigned long)ex_s);
	if (ex_p >= 0)
		CHECK(info.persistent == ex_p);
	if (ex_r >= 0)
		CHECK(info.reconnects >= (unsigned long)ex_r);
	if (ex_a >= 0)
		CHECK(info.abi == ex_a);
	if (zero_copy) {
		CHECK(xpvf_info(h, &info) == 0);
		CHECK(info.zero_copy_requests > 0);
	}
	for (i = 0; i < DEPTH; i++) {
		if (zc[i])
			xpvf_buf_free(h, bufs[i]);
		else
			free(bufs[i]);
	}
	xpvf_close(h);
	return 0;
}
