/* SPDX-License-Identifier: MIT */
/*
 * test-sim-map.c - dom1 (a child process) shares four pages with dom0; dom0
 * maps them in one batch, sees dom1's data and dom1 sees dom0's writes (zero
 * copy), the mapping is counted in dom0's maptrack, and after the unmap dom1
 * can end its grants.
 */
#include <config.h>

#include "test-sim-util.h"

#define N 4

static int p2c[2], c2p[2];

static int guest(void *arg)
{
	struct xpv_gntshr *s;
	xpv_gref_t refs[N];
	uint8_t *pages;
	char c;
	int i;

	CHECK_EQ(P->gntshr->open(&s), 0);
	CHECK_EQ(P->gntshr->share(s, 0, N, refs, 1, (void **)&pages), 0);
	for (i = 0; i < N; i++)
		memset(pages + i * XPV_PAGE_SIZE, 'a' + i, XPV_PAGE_SIZE);
	put(c2p[1], refs, sizeof(refs));
	get(p2c[0], &c, 1); /* dom0 wrote and unmapped */
	for (i = 0; i < N; i++)
		CHECK_EQ(pages[i * XPV_PAGE_SIZE + 7], 'A' + i);
	CHECK_EQ(P->gntshr->unshare(s, pages, N), 0);
	P->gntshr->close(s);
	return 0;
}

int main(void)
{
	struct xpv_gnt *g;
	xpv_gref_t refs[N];
	uint8_t *map;
	pid_t pid;
	int i;

	sim_world_setup(1);
	CHECK(pipe(p2c) == 0 && pipe(c2p) == 0);
	pid = run_as(1, guest, NULL);
	get(c2p[0], refs, sizeof(refs));

	CHECK_EQ(P->gnt->open(&g), 0);
	CHECK_EQ(P->gnt->map(g, 1, N, refs, 1, (void **)&map), 0);
	CHECK_EQ(xpv_sim_count_maps(sim_world_dir, 0), N);
	for (i = 0; i < N; i++) {
		CHECK_EQ(map[i * XPV_PAGE_SIZE], 'a' + i);
		CHECK_EQ(map[i * XPV_PAGE_SIZE + XPV_PAGE_SIZE - 1], 'a' + i);
		map[i * XPV_PAGE_SIZE + 7] = (uint8_t)('A' + i);
	}
	CHECK_EQ(P->gnt->unmap(g, map, N + 1), -EINVAL);
	CHECK_EQ(P->gnt->unmap(g, map, N), 0);
	CHECK_EQ(xpv_sim_count_maps(sim_world_dir, 0), 0);
	put(p2c[1], "x", 1);
	CHECK_EQ(wait_for(pid), 0);
	P->gnt->close(g);
	P->gnt->close(NULL);
	return 0;
}
