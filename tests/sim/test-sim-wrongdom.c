/* SPDX-License-Identifier: MIT */
/*
 * test-sim-wrongdom.c - a grant made to dom2 cannot be mapped or copied by
 * dom0 (-EPERM), and references that are out of range or not in use are
 * refused; a refused batch leaves nothing mapped.
 */
#include <config.h>

#include "test-sim-util.h"

static int p2c[2], c2p[2];

static int guest(void *arg)
{
	struct xpv_gntshr *s;
	xpv_gref_t refs[2];
	void *a, *b;
	char c;

	CHECK_EQ(P->gntshr->open(&s), 0);
	CHECK_EQ(P->gntshr->share(s, 2, 1, &refs[0], 1, &a), 0);
	CHECK_EQ(P->gntshr->share(s, 0, 1, &refs[1], 1, &b), 0);
	put(c2p[1], refs, sizeof(refs));
	get(p2c[0], &c, 1);
	P->gntshr->close(s); /* ends both: nothing is mapped */
	return 0;
}

int main(void)
{
	struct xpv_gnt_copy_seg seg;
	struct xpv_gnt *g;
	xpv_gref_t refs[2], batch[2], bad;
	uint8_t buf[8];
	void *addr;
	pid_t pid;

	sim_world_setup(2);
	CHECK(pipe(p2c) == 0 && pipe(c2p) == 0);
	pid = run_as(1, guest, NULL);
	get(c2p[0], refs, sizeof(refs));

	CHECK_EQ(P->gnt->open(&g), 0);
	CHECK_EQ(P->gnt->map(g, 1, 1, &refs[0], 0, &addr), -EPERM);
	/* All or nothing: the good grant of the batch is not left mapped. */
	batch[0] = refs[1];
	batch[1] = refs[0];
	CHECK_EQ(P->gnt->map(g, 1, 2, batch, 1, &addr), -EPERM);
	CHECK_EQ(xpv_sim_count_maps(sim_world_dir, 0), 0);
	bad = 1u << 30;
	CHECK_EQ(P->gnt->map(g, 1, 1, &bad, 0, &addr), -EINVAL);
	bad = 4000; /* in range, not in use */
	CHECK_EQ(P->gnt->map(g, 1, 1, &bad, 0, &addr), -EPERM);
	CHECK_EQ(P->gnt->map(g, 3, 1, &refs[1], 0, &addr), -ESRCH);

	memset(&seg, 0, sizeof(seg));
	seg.source.foreign.domid = 1;
	seg.source.foreign.ref = refs[0];
	seg.dest.virt = buf;
	seg.len = sizeof(buf);
	seg.flags = XPV_COPY_SOURCE_GREF;
	CHECK_EQ(P->gnt->copy(g, 1, &seg), 0);
	CHECK_EQ(seg.status, -EPERM);
	seg.source.foreign.ref = refs[1];
	CHECK_EQ(P->gnt->copy(g, 1, &seg), 0);
	CHECK_EQ(seg.status, 0);

	put(p2c[1], "x", 1);
	CHECK_EQ(wait_for(pid), 0);
	P->gnt->close(g);
	return 0;
}
