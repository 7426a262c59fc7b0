/* SPDX-License-Identifier: MIT */
/*
 * restart-guest.c - a guest that keeps verified writes going while its
 * backend is restarted (tests/blk/test-restart*.sh).
 *
 * The disk is cut into 32 KiB slots; write i goes to slot i % slots with
 * generation i / slots and a length of 4..32 KiB, and carries a pattern
 * that names its byte offset and generation.  At most --depth writes are
 * in flight (far fewer than slots, so a slot never has two).  A write is
 * acknowledged only when its response arrived with the full length; any
 * other result is an I/O error.  On SIGUSR1 or SIGTERM, or after
 * --seconds, it stops submitting, waits for what is in flight, reads back
 * the last acknowledged write of every slot and compares it, and prints
 *   guest: acked_writes=N lost=N io_errors=N reconnects=N
 * Exit 0 when lost and io_errors are 0 and something was acknowledged.
 * Prints "ready <pid>" once the device is open.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xenpvfront.h"

#define SLOT (32u << 10)
#define MAX_DEPTH 32u

struct wr {
	uint64_t gen;
	uint32_t len;
	bool busy;
	unsigned char *buf;
};

struct slot_rec {
	uint64_t gen;		/* last acknowledged, UINT64_MAX: none */
	uint32_t len;
};

static volatile sig_atomic_t stop;
static struct slot_rec *recs;
static uint64_t acked, io_errors;
static unsigned int inflight;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/* The bytes a write of generation gen puts at byte offset off. */
static void fill(unsigned char *buf, uint64_t off, uint32_t len, uint64_t gen)
{
	uint32_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t v = mix((off + i) * 0x9e3779b97f4a7c15ull ^ gen);

		memcpy(buf + i, &v, 8);
	}
}

struct ctx {
	struct wr *w;
	uint64_t slot;
};

static void done(void *opaque, int64_t result)
{
	struct ctx *c = opaque;

	inflight--;
	c->w->busy = false;
	if (result != (int64_t)c->w->len) {
		io_errors++;
		fprintf(stderr, "write slot %llu gen %llu: %lld\n",
			(unsigned long long)c->slot,
			(unsigned long long)c->w->gen, (long long)result);
		return;
	}
	acked++;
	recs[c->slot].gen = c->w->gen;
	recs[c->slot].len = c->w->len;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "devid", required_argument, NULL, 'd' },
		{ "seconds", required_argument, NULL, 's' },
		{ "depth", required_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct xpvf_opts o = { .size = sizeof(o), .timeout_ms = 20000 };
	struct wr w[MAX_DEPTH];
	struct ctx cx[MAX_DEPTH];
	struct xpvf_info info;
	struct xpvf *h = NULL;
	unsigned int devid = 51712, seconds = 60, depth = 8, i;
	uint64_t nslots, next = 0, s, lost = 0, checked = 0;
	unsigned char *rbuf, *ebuf;
	int64_t deadline;
	int c, err;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			devid = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 's':
			seconds = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'q':
			depth = (unsigned int)strtoul(optarg, NULL, 0);
			if (depth == 0 || depth > MAX_DEPTH)
				return 2;
			break;
		default:
			return 2;
		}
	}
	signal(SIGUSR1, on_signal);
	signal(SIGTERM, on_signal);
	err = xpvf_open(&h, XPVF_DOMID_SELF, devid, &o);
	if (err) {
		fprintf(stderr, "xpvf_open: %s\n", strerror(-err));
		return 1;
	}
	xpvf_info(h, &info);
	nslots = info.sectors * 512 / SLOT;
	recs = calloc(nslots, sizeof(*recs));
	rbuf = malloc(SLOT);
	ebuf = malloc(SLOT);
	if (!recs || !rbuf || !ebuf || nslots < 4 * depth)
		return 1;
	for (s = 0; s < nslots; s++)
		recs[s].gen = UINT64_MAX;
	for (i = 0; i < depth; i++) {
		w[i].busy = false;
		w[i].buf = malloc(SLOT);
		if (!w[i].buf)
			return 1;
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);

	deadline = now_ms() + (int64_t)seconds * 1000;
	while (!stop && now_ms() < deadline) {
		for (i = 0; i < depth && !stop; i++) {
			struct xpvf_io io;

			if (w[i].busy)
				continue;
			s = next % nslots;
			w[i].gen = next / nslots;
			w[i].len = (uint32_t)(4096 * (1 + mix(next) % 8));
			fill(w[i].buf, s * SLOT, w[i].len, w[i].gen);
			cx[i].w = &w[i];
			cx[i].slot = s;
			io = (struct xpvf_io){ XPVF_OP_WRITE, s * SLOT,
					       w[i].buf, w[i].len, done,
					       &cx[i] };
			err = xpvf_submit(h, &io);
			if (err == -EAGAIN)
				break;
			if (err) {
				fprintf(stderr, "submit: %s\n", strerror(-err));
				io_errors++;
				stop = 1;
				break;
			}
			w[i].busy = true;
			inflight++;
			next++;
		}
		err = xpvf_wait(h, 100);
		if (err < 0) {
			fprintf(stderr, "wait: %s\n", strerror(-err));
			io_errors++;
			break;
		}
	}
	/* What is in flight still counts: wait for it (bounded). */
	deadline = now_ms() + 30000;
	while (inflight && now_ms() < deadline)
		if (xpvf_wait(h, 100) < 0)
			break;
	if (inflight) {
		fprintf(stderr, "%u writes never answered\n", inflight);
		io_errors += inflight;
	}
	for (s = 0; s < nslots; s++) {
		int64_t n;

		if (recs[s].gen == UINT64_MAX)
			continue;
		checked++;
		n = xpvf_pread(h, rbuf, recs[s].len, s * SLOT);
		if (n != (int64_t)recs[s].len) {
			fprintf(stderr, "read slot %llu: %lld\n",
				(unsigned long long)s, (long long)n);
			io_errors++;
			continue;
		}
		fill(ebuf, s * SLOT, recs[s].len, recs[s].gen);
		if (memcmp(rbuf, ebuf, recs[s].len)) {
			fprintf(stderr, "slot %llu gen %llu: wrong data\n",
				(unsigned long long)s,
				(unsigned long long)recs[s].gen);
			lost++;
		}
	}
	xpvf_info(h, &info);
	printf("guest: acked_writes=%llu lost=%llu io_errors=%llu "
	       "reconnects=%u checked_slots=%llu\n",
	       (unsigned long long)acked, (unsigned long long)lost,
	       (unsigned long long)io_errors, info.reconnects,
	       (unsigned long long)checked);
	fflush(stdout);
	xpvf_close(h);
	for (i = 0; i < depth; i++)
		free(w[i].buf);
	free(recs);
	free(rbuf);
	free(ebuf);
	return lost || io_errors || !acked ? 1 : 0;
}
