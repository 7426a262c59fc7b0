/* SPDX-License-Identifier: MIT */
/*
 * test-sim-bench.c - a quick measure of the sim data path between two
 * processes: notify round trip (dom0 -> dom1 -> dom0, each side polling its
 * fd), 4 KiB grant copy, and map+unmap of a 32-page batch.  Every round
 * trip and copy is checked; the timings are printed, never asserted.
 */
#include <config.h>

#include <time.h>

#include "test-sim-util.h"

#define ROUNDS 20000
#define COPIES 200000
#define MAPS 2000
#define BATCH 32

static int p2c[2], c2p[2];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int echo(void *arg)
{
	struct xpv_evtchn *e;
	struct xpv_gntshr *s;
	xpv_gref_t refs[BATCH];
	int port, fd, i;
	void *pages;
	char c;

	CHECK_EQ(P->gntshr->open(&s), 0);
	CHECK_EQ(P->gntshr->share(s, 0, BATCH, refs, 1, &pages), 0);
	CHECK_EQ(P->evtchn->open(&e), 0);
	fd = P->evtchn->fd(e);
	port = P->evtchn->alloc_unbound(e, 0);
	CHECK(port > 0);
	put(c2p[1], &port, sizeof(port));
	put(c2p[1], refs, sizeof(refs));
	for (i = 0; i < ROUNDS; i++) {
		CHECK(readable(fd, 5000));
		CHECK_EQ(P->evtchn->pending(e), port);
		CHECK_EQ(P->evtchn->unmask(e, (xpv_port_t)port), 0);
		CHECK_EQ(P->evtchn->notify(e, (xpv_port_t)port), 0);
	}
	get(p2c[0], &c, 1);
	CHECK_EQ(P->gntshr->unshare(s, pages, BATCH), 0);
	P->gntshr->close(s);
	P->evtchn->close(e);
	return 0;
}

int main(void)
{
	struct xpv_gnt_copy_seg seg;
	static uint8_t buf[XPV_PAGE_SIZE];
	struct xpv_evtchn *e;
	struct xpv_gnt *g;
	xpv_gref_t refs[BATCH];
	int rport, lport, fd, i;
	double t;
	void *addr;
	pid_t pid;

	sim_world_setup(1);
	CHECK(pipe(p2c) == 0 && pipe(c2p) == 0);
	pid = run_as(1, echo, NULL);
	get(c2p[0], &rport, sizeof(rport));
	get(c2p[0], refs, sizeof(refs));
	CHECK_EQ(P->evtchn->open(&e), 0);
	CHECK_EQ(P->gnt->open(&g), 0);
	fd = P->evtchn->fd(e);
	lport = P->evtchn->bind_interdomain(e, 1, (xpv_port_t)rport);
	CHECK(lport > 0);
	CHECK(readable(fd, 1000));
	CHECK_EQ(P->evtchn->pending(e), lport);
	CHECK_EQ(P->evtchn->unmask(e, (xpv_port_t)lport), 0);

	t = now();
	for (i = 0; i < ROUNDS; i++) {
		CHECK_EQ(P->evtchn->notify(e, (xpv_port_t)lport), 0);
		CHECK(readable(fd, 5000));
		CHECK_EQ(P->evtchn->pending(e), lport);
		CHECK_EQ(P->evtchn->unmask(e, (xpv_port_t)lport), 0);
	}
	t = now() - t;
	printf("notify round trip: %.2f us\n", t / ROUNDS * 1e6);

	memset(&seg, 0, sizeof(seg));
	memset(buf, 0xab, sizeof(buf));
	t = now();
	for (i = 0; i < COPIES; i++) {
		seg.source.virt = buf;
		seg.dest.foreign.domid = 1;
		seg.dest.foreign.ref = refs[i % BATCH];
		seg.len = XPV_PAGE_SIZE;
		seg.flags = XPV_COPY_DEST_GREF;
		CHECK_EQ(P->gnt->copy(g, 1, &seg), 0);
		CHECK_EQ(seg.status, 0);
	}
	t = now() - t;
	printf("4 KiB grant copy: %.3f us\n", t / COPIES * 1e6);

	t = now();
	for (i = 0; i < MAPS; i++) {
		CHECK_EQ(P->gnt->map(g, 1, BATCH, refs, 1, &addr), 0);
		CHECK_EQ(((uint8_t *)addr)[XPV_PAGE_SIZE * (BATCH - 1)], 0xab);
		CHECK_EQ(P->gnt->unmap(g, addr, BATCH), 0);
	}
	t = now() - t;
	printf("map+unmap %d pages (touching one): %.2f us\n", BATCH,
	       t / MAPS * 1e6);

	put(p2c[1], "x", 1);
	CHECK_EQ(wait_for(pid), 0);
	P->gnt->close(g);
	P->evtchn->close(e);
	return 0;
}
