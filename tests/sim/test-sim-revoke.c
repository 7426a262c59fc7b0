/* SPDX-License-Identifier: MIT */
/*
 * test-sim-revoke.c - ending a grant that dom0 still maps fails with EBUSY
 * and ends none of the area's grants (the mapping keeps working); after the
 * unmap the end succeeds and a new map of the ended grant is refused.
 */
#include <config.h>

#include "test-sim-util.h"

static int p2c[2], c2p[2];

static int guest(void *arg)
{
	struct xpv_gntshr *s;
	xpv_gref_t refs[2];
	uint8_t *pages;
	char c;

	CHECK_EQ(P->gntshr->open(&s), 0);
	CHECK_EQ(P->gntshr->share(s, 0, 2, refs, 1, (void **)&pages), 0);
	put(c2p[1], refs, sizeof(refs));
	get(p2c[0], &c, 1); /* dom0 maps refs[1] only */
	CHECK_EQ(P->gntshr->unshare(s, pages, 2), -EBUSY);
	pages[XPV_PAGE_SIZE] = 0x77; /* still shared */
	put(c2p[1], "y", 1);
	get(p2c[0], &c, 1); /* dom0 unmapped */
	CHECK_EQ(P->gntshr->unshare(s, pages, 2), 0);
	CHECK_EQ(P->gntshr->unshare(s, pages, 2), -EINVAL);
	put(c2p[1], "z", 1);
	P->gntshr->close(s);
	return 0;
}

int main(void)
{
	struct xpv_gnt *g;
	xpv_gref_t refs[2];
	uint8_t *map;
	void *addr;
	pid_t pid;
	char c;

	sim_world_setup(1);
	CHECK(pipe(p2c) == 0 && pipe(c2p) == 0);
	pid = run_as(1, guest, NULL);
	get(c2p[0], refs, sizeof(refs));

	CHECK_EQ(P->gnt->open(&g), 0);
	CHECK_EQ(P->gnt->map(g, 1, 1, &refs[1], 1, (void **)&map), 0);
	put(p2c[1], "x", 1);
	get(c2p[0], &c, 1);
	CHECK_EQ(map[0], 0x77);
	/* refs[0] was not ended either: it can still be mapped. */
	CHECK_EQ(P->gnt->map(g, 1, 1, &refs[0], 1, &addr), 0);
	CHECK_EQ(P->gnt->unmap(g, addr, 1), 0);
	CHECK_EQ(P->gnt->unmap(g, map, 1), 0);
	put(p2c[1], "x", 1);
	get(c2p[0], &c, 1);
	CHECK_EQ(P->gnt->map(g, 1, 1, &refs[1], 0, &addr), -EPERM);
	CHECK_EQ(wait_for(pid), 0);
	P->gnt->close(g);
	return 0;
}
