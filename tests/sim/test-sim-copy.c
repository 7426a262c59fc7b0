/* SPDX-License-Identifier: MIT */
/*
 * test-sim-copy.c - grant copy in both directions between dom0's buffers and
 * dom1's granted pages, with the map checks per segment: a read-only grant
 * is a valid source and a refused destination, a segment crossing the page
 * or naming a bad reference is -EINVAL, and one bad segment does not stop
 * the others of the batch.
 */
#include <config.h>

#include "test-sim-util.h"

static int p2c[2], c2p[2];

static int guest(void *arg)
{
	struct xpv_gntshr *s;
	xpv_gref_t refs[2];
	uint8_t *rw, *ro;
	char c;

	CHECK_EQ(P->gntshr->open(&s), 0);
	CHECK_EQ(P->gntshr->share(s, 0, 1, &refs[0], 1, (void **)&rw), 0);
	CHECK_EQ(P->gntshr->share(s, 0, 1, &refs[1], 0, (void **)&ro), 0);
	memset(ro, 'r', XPV_PAGE_SIZE);
	put(c2p[1], refs, sizeof(refs));
	get(p2c[0], &c, 1);
	CHECK_EQ(rw[100], 'w');
	CHECK_EQ(rw[100 + 511], 'w');
	CHECK_EQ(rw[100 + 512], 0);
	CHECK_EQ(ro[0], 'r');
	CHECK_EQ(P->gntshr->unshare(s, rw, 1), 0); /* copies left no pin */
	CHECK_EQ(P->gntshr->unshare(s, ro, 1), 0);
	P->gntshr->close(s);
	return 0;
}

static void seg_to(struct xpv_gnt_copy_seg *s, void *src, xpv_gref_t ref,
		   uint16_t off, uint16_t len)
{
	memset(s, 0, sizeof(*s));
	s->source.virt = src;
	s->dest.foreign.domid = 1;
	s->dest.foreign.ref = ref;
	s->dest.foreign.offset = off;
	s->len = len;
	s->flags = XPV_COPY_DEST_GREF;
}

static void seg_from(struct xpv_gnt_copy_seg *s, xpv_gref_t ref, uint16_t off,
		     void *dst, uint16_t len)
{
	memset(s, 0, sizeof(*s));
	s->source.foreign.domid = 1;
	s->source.foreign.ref = ref;
	s->source.foreign.offset = off;
	s->dest.virt = dst;
	s->len = len;
	s->flags = XPV_COPY_SOURCE_GREF;
}

int main(void)
{
	struct xpv_gnt_copy_seg segs[5];
	uint8_t out[512], in[XPV_PAGE_SIZE];
	struct xpv_gnt *g;
	xpv_gref_t refs[2];
	pid_t pid;

	sim_world_setup(1);
	CHECK(pipe(p2c) == 0 && pipe(c2p) == 0);
	pid = run_as(1, guest, NULL);
	get(c2p[0], refs, sizeof(refs));
	CHECK_EQ(P->gnt->open(&g), 0);

	memset(out, 'w', sizeof(out));
	memset(in, 0, sizeof(in));
	seg_to(&segs[0], out, refs[0], 100, sizeof(out));   /* ok */
	seg_to(&segs[1], out, refs[1], 0, sizeof(out));     /* read-only */
	seg_to(&segs[2], out, refs[0], 3800, sizeof(out));  /* crosses */
	seg_from(&segs[3], refs[1], 0, in, XPV_PAGE_SIZE);  /* ok */
	seg_from(&segs[4], 40000, 0, in, 8);                /* bad ref */
	CHECK_EQ(P->gnt->copy(g, 5, segs), 0);
	CHECK_EQ(segs[0].status, 0);
	CHECK_EQ(segs[1].status, -EPERM);
	CHECK_EQ(segs[2].status, -EINVAL);
	CHECK_EQ(segs[3].status, 0);
	CHECK_EQ(segs[4].status, -EINVAL);
	CHECK_EQ(in[0], 'r');
	CHECK_EQ(in[XPV_PAGE_SIZE - 1], 'r');

	/* Read back what we wrote, through the grant. */
	memset(in, 0, sizeof(in));
	seg_from(&segs[0], refs[0], 100, in, 512);
	CHECK_EQ(P->gnt->copy(g, 1, segs), 0);
	CHECK_EQ(segs[0].status, 0);
	CHECK(memcmp(in, out, 512) == 0);

	put(p2c[1], "x", 1);
	CHECK_EQ(wait_for(pid), 0);
	P->gnt->close(g);
	return 0;
}
