/* SPDX-License-Identifier: MIT */
/*
 * test-sim-reap.c - a process killed while it maps a grant and holds a bound
 * port leaves nothing behind: the granter's end finds the pin, reaps the
 * dead process's pins and succeeds; the dead process's port is reaped, so
 * dom0's port is unbound again and a new process of dom1 can bind it.
 */
#include <config.h>

#include "test-sim-util.h"

static int p2c[2], c2p[2];
static xpv_gref_t ref;
static int rport;

static int victim(void *arg)
{
	struct xpv_evtchn *e;
	struct xpv_gnt *g;
	void *addr;

	CHECK_EQ(P->gnt->open(&g), 0);
	CHECK_EQ(P->gnt->map(g, 0, 1, &ref, 1, &addr), 0);
	CHECK_EQ(P->evtchn->open(&e), 0);
	CHECK(P->evtchn->bind_interdomain(e, 0, (xpv_port_t)rport) > 0);
	put(c2p[1], "y", 1);
	pause();
	return 1;
}

static int successor(void *arg)
{
	struct xpv_evtchn *e;
	int p;

	CHECK_EQ(P->evtchn->open(&e), 0);
	p = P->evtchn->bind_interdomain(e, 0, (xpv_port_t)rport);
	P->evtchn->close(e);
	return p > 0 ? 0 : 2;
}

int main(void)
{
	struct xpv_gntshr *s;
	struct xpv_evtchn *e;
	void *page;
	pid_t pid;
	char c;

	sim_world_setup(1);
	CHECK(pipe(p2c) == 0 && pipe(c2p) == 0);
	CHECK_EQ(P->gntshr->open(&s), 0);
	CHECK_EQ(P->gntshr->share(s, 1, 1, &ref, 1, &page), 0);
	CHECK_EQ(P->evtchn->open(&e), 0);
	rport = P->evtchn->alloc_unbound(e, 1);
	CHECK(rport > 0);

	pid = run_as(1, victim, NULL);
	get(c2p[0], &c, 1);
	CHECK_EQ(xpv_sim_count_maps(sim_world_dir, 1), 1);
	CHECK_EQ(xpv_sim_count_ports(sim_world_dir, 1), 2);
	/* Bound to a live process: binding again is refused. */
	CHECK_EQ(wait_for(run_as(1, successor, NULL)), 2);
	CHECK_EQ(kill(pid, SIGKILL), 0);
	CHECK_EQ(wait_for(pid), 128 + SIGKILL);

	/* unshare reaps the dead pin itself before giving up. */
	CHECK_EQ(P->gntshr->unshare(s, page, 1), 0);
	CHECK_EQ(xpv_sim_count_maps(sim_world_dir, 1), 0);
	/* bind reaps the dead process's port itself. */
	CHECK_EQ(wait_for(run_as(1, successor, NULL)), 0);
	CHECK_EQ(xpv_sim_count_ports(sim_world_dir, 1), 1); /* store port */
	CHECK_EQ(xpv_sim_reap(sim_world_dir), 0);

	P->evtchn->close(e);
	P->gntshr->close(s);
	return 0;
}
