/* SPDX-License-Identifier: MIT */
/*
 * test-sim-notify.c - an event channel between dom1 (a child process) and
 * dom0: a notify makes the peer's fd poll readable and pending() name the
 * peer's port; a port stays masked after pending() until unmask(), events
 * sent meanwhile are latched and delivered at unmask, and nothing else is
 * queued.  Unbinding returns the peer's port to unbound, so it can be bound
 * again.
 */
#include <config.h>

#include "test-sim-util.h"

static int p2c[2], c2p[2];

static int guest(void *arg)
{
	struct xpv_evtchn *e;
	int port, fd;
	char c;

	CHECK_EQ(P->evtchn->open(&e), 0);
	fd = P->evtchn->fd(e);
	port = P->evtchn->alloc_unbound(e, 0);
	CHECK(port > 0);
	put(c2p[1], &port, sizeof(port));

	CHECK(readable(fd, 5000));
	CHECK_EQ(P->evtchn->pending(e), port);
	CHECK_EQ(P->evtchn->pending(e), -EAGAIN);
	CHECK_EQ(P->evtchn->notify(e, (xpv_port_t)port), 0); /* wake dom0 */

	get(p2c[0], &c, 1); /* dom0 notified twice while we were masked */
	CHECK(!readable(fd, 0));
	CHECK_EQ(P->evtchn->unmask(e, (xpv_port_t)port), 0);
	CHECK(readable(fd, 5000));
	CHECK_EQ(P->evtchn->pending(e), port);
	CHECK_EQ(P->evtchn->pending(e), -EAGAIN); /* one event, not two */
	CHECK_EQ(P->evtchn->unmask(e, (xpv_port_t)port), 0);
	put(c2p[1], "y", 1);
	get(p2c[0], &c, 1); /* dom0 unbound; we wait for it again */
	put(c2p[1], "z", 1);
	get(p2c[0], &c, 1); /* dom0 bound again and notified */
	CHECK(readable(fd, 5000));
	CHECK_EQ(P->evtchn->pending(e), port);
	P->evtchn->close(e);
	return 0;
}

int main(void)
{
	struct xpv_evtchn *e;
	int rport, lport, fd, base;
	pid_t pid;
	char c;

	sim_world_setup(1);
	CHECK(pipe(p2c) == 0 && pipe(c2p) == 0);
	pid = run_as(1, guest, NULL);
	get(c2p[0], &rport, sizeof(rport));

	base = xpv_sim_count_ports(sim_world_dir, 0); /* dom0's store port */
	CHECK_EQ(P->evtchn->open(&e), 0);
	fd = P->evtchn->fd(e);
	CHECK_EQ(P->evtchn->bind_interdomain(e, 1, 4095), -EINVAL);
	lport = P->evtchn->bind_interdomain(e, 1, (xpv_port_t)rport);
	CHECK(lport > 0);
	CHECK_EQ(P->evtchn->bind_interdomain(e, 1, (xpv_port_t)rport),
		 -EINVAL);
	/* Xen raises the binder's port; consume that first. */
	CHECK(readable(fd, 1000));
	CHECK_EQ(P->evtchn->pending(e), lport);
	CHECK_EQ(P->evtchn->unmask(e, (xpv_port_t)lport), 0);

	CHECK_EQ(P->evtchn->notify(e, (xpv_port_t)lport), 0);
	CHECK(readable(fd, 5000));
	CHECK_EQ(P->evtchn->pending(e), lport);
	CHECK_EQ(P->evtchn->unmask(e, (xpv_port_t)lport), 0);

	CHECK_EQ(P->evtchn->notify(e, (xpv_port_t)lport), 0);
	CHECK_EQ(P->evtchn->notify(e, (xpv_port_t)lport), 0);
	put(p2c[1], "x", 1);
	get(c2p[0], &c, 1);

	CHECK_EQ(xpv_sim_count_ports(sim_world_dir, 0), base + 1);
	CHECK_EQ(P->evtchn->unbind(e, (xpv_port_t)lport), 0);
	CHECK_EQ(P->evtchn->unbind(e, (xpv_port_t)lport), -EINVAL);
	CHECK_EQ(xpv_sim_count_ports(sim_world_dir, 0), base);
	put(p2c[1], "x", 1);
	get(c2p[0], &c, 1);
	lport = P->evtchn->bind_interdomain(e, 1, (xpv_port_t)rport);
	CHECK(lport > 0);
	CHECK_EQ(P->evtchn->notify(e, (xpv_port_t)lport), 0);
	put(p2c[1], "x", 1);
	CHECK_EQ(wait_for(pid), 0);
	P->evtchn->close(e);
	CHECK_EQ(xpv_sim_count_ports(sim_world_dir, 0), base);
	P->evtchn->close(NULL);
	return 0;
}
