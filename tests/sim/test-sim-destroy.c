/* SPDX-License-Identifier: MIT */
/*
 * test-sim-destroy.c - destroying a domain releases everything it held: its
 * mappings of dom0's grants (so dom0 can end them), its ports (dom0's port
 * goes back to unbound), and it raises VIRQ_DOM_EXC on dom0's VIRQ port; the
 * domain is reported dying.
 */
#include <config.h>

#include "test-sim-util.h"

static int p2c[2], c2p[2];

static int guest(void *arg)
{
	struct xpv_evtchn *e;
	struct xpv_gnt *g;
	xpv_gref_t ref;
	int rport, port;
	void *addr;
	char c;

	get(p2c[0], &ref, sizeof(ref));
	get(p2c[0], &rport, sizeof(rport));
	CHECK_EQ(P->gnt->open(&g), 0);
	CHECK_EQ(P->gnt->map(g, 0, 1, &ref, 1, &addr), 0);
	CHECK_EQ(P->evtchn->open(&e), 0);
	port = P->evtchn->bind_interdomain(e, 0, (xpv_port_t)rport);
	CHECK(port > 0);
	put(c2p[1], "y", 1);
	get(p2c[0], &c, 1); /* stay alive, holding it all, until destroyed */
	return 0;
}

int main(void)
{
	struct xpv_sim_dominfo info;
	struct xpv_gntshr *s;
	struct xpv_evtchn *e;
	xpv_gref_t ref;
	int rport, virq, fd, base;
	void *page;
	pid_t pid;
	char c;

	sim_world_setup(1);
	CHECK(pipe(p2c) == 0 && pipe(c2p) == 0);
	base = xpv_sim_count_ports(sim_world_dir, 0);
	CHECK_EQ(P->gntshr->open(&s), 0);
	CHECK_EQ(P->gntshr->share(s, 1, 1, &ref, 1, &page), 0);
	CHECK_EQ(P->evtchn->open(&e), 0);
	fd = P->evtchn->fd(e);
	virq = xpv_sim_evtchn_bind_virq(e, XPV_SIM_VIRQ_DOM_EXC);
	CHECK(virq > 0);
	rport = P->evtchn->alloc_unbound(e, 1);
	CHECK(rport > 0);

	pid = run_as(1, guest, NULL);
	put(p2c[1], &ref, sizeof(ref));
	put(p2c[1], &rport, sizeof(rport));
	get(c2p[0], &c, 1);
	CHECK_EQ(xpv_sim_count_maps(sim_world_dir, 1), 1);
	CHECK_EQ(xpv_sim_count_ports(sim_world_dir, 1), 2); /* + store */
	CHECK_EQ(P->gntshr->unshare(s, page, 1), -EBUSY);
	/* The guest's bind raised its own port, not ours: nothing yet. */
	CHECK(!readable(fd, 0));

	CHECK_EQ(xpv_sim_domain_destroy(sim_world_dir, 1), 0);
	CHECK_EQ(xpv_sim_domain_info(sim_world_dir, 1, &info), 0);
	CHECK_EQ(info.dying, 1);
	CHECK_EQ(xpv_sim_count_maps(sim_world_dir, 1), 0);
	CHECK_EQ(xpv_sim_count_ports(sim_world_dir, 1), 0);
	CHECK(readable(fd, 5000));
	CHECK_EQ(P->evtchn->pending(e), virq);
	CHECK_EQ(P->evtchn->unmask(e, (xpv_port_t)virq), 0);
	/* Our port waits, unbound, again; the grant is no longer pinned. */
	CHECK_EQ(xpv_sim_count_ports(sim_world_dir, 0), base + 2);
	CHECK_EQ(P->gntshr->unshare(s, page, 1), 0);

	put(p2c[1], "x", 1);
	CHECK_EQ(wait_for(pid), 0);
	CHECK_EQ(xpv_sim_domain_info(sim_world_dir, 7, &info), -ESRCH);
	P->evtchn->close(e);
	P->gntshr->close(s);
	CHECK_EQ(xpv_sim_count_ports(sim_world_dir, 0), base);
	return 0;
}
