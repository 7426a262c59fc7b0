/* SPDX-License-Identifier: MIT */
/*
 * test-sim-readonly.c - a read-only grant is mapped PROT_READ: asking for a
 * writable map is refused (-EPERM), the read-only map reads the data, and a
 * write through it faults (checked in a forked child, with the default
 * SIGSEGV action so that sanitizers do not intercept it); a grant copy into
 * it is refused too.
 */
#include <config.h>

#include "test-sim-util.h"

static int p2c[2], c2p[2];

static int guest(void *arg)
{
	struct xpv_gntshr *s;
	xpv_gref_t ref;
	uint8_t *page;
	char c;

	CHECK_EQ(P->gntshr->open(&s), 0);
	CHECK_EQ(P->gntshr->share(s, 0, 1, &ref, 0, (void **)&page), 0);
	memset(page, 0x5a, XPV_PAGE_SIZE);
	put(c2p[1], &ref, sizeof(ref));
	get(p2c[0], &c, 1);
	CHECK_EQ(page[0], 0x5a); /* nothing got through */
	CHECK_EQ(P->gntshr->unshare(s, page, 1), 0);
	P->gntshr->close(s);
	return 0;
}

int main(void)
{
	struct xpv_gnt_copy_seg seg;
	uint8_t buf[16] = { 1 };
	struct xpv_gnt *g;
	volatile uint8_t *map;
	void *addr;
	xpv_gref_t ref;
	pid_t pid, writer;

	sim_world_setup(1);
	CHECK(pipe(p2c) == 0 && pipe(c2p) == 0);
	pid = run_as(1, guest, NULL);
	get(c2p[0], &ref, sizeof(ref));

	CHECK_EQ(P->gnt->open(&g), 0);
	CHECK_EQ(P->gnt->map(g, 1, 1, &ref, 1, &addr), -EPERM);
	CHECK_EQ(xpv_sim_count_maps(sim_world_dir, 0), 0);
	CHECK_EQ(P->gnt->map(g, 1, 1, &ref, 0, &addr), 0);
	map = addr;
	CHECK_EQ(map[100], 0x5a);

	fflush(stderr);
	writer = fork();
	CHECK(writer >= 0);
	if (writer == 0) {
		signal(SIGSEGV, SIG_DFL);
		map[0] = 1;
		_exit(0);
	}
	CHECK_EQ(wait_for(writer), 128 + SIGSEGV);

	memset(&seg, 0, sizeof(seg));
	seg.source.virt = buf;
	seg.dest.foreign.domid = 1;
	seg.dest.foreign.ref = ref;
	seg.len = sizeof(buf);
	seg.flags = XPV_COPY_DEST_GREF;
	CHECK_EQ(P->gnt->copy(g, 1, &seg), 0);
	CHECK_EQ(seg.status, -EPERM);

	CHECK_EQ(P->gnt->unmap(g, addr, 1), 0);
	put(p2c[1], "x", 1);
	CHECK_EQ(wait_for(pid), 0);
	P->gnt->close(g);
	return 0;
}
