/* SPDX-License-Identifier: MIT */
/*
 * test-platform-xen.c - the "xen" platform against the real Xen drivers:
 * a domain grants pages to itself (gntalloc) and maps and copies them
 * (gntdev), and signals itself over an interdomain event channel (evtchn).
 * Checks the things platform-xen.c translates: -errno returns, copy status
 * as -errno, pending() never blocking, read-only grants refused for
 * writing.
 *
 * Skips (77) without /dev/xen/gntdev, /dev/xen/gntalloc and /dev/xen/evtchn,
 * i.e. anywhere but a Xen domain with those drivers.  The domain's own id
 * is XENPV_TEST_SELF_DOMID (default 0: dom0).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"
#include "test-util.h"

static const struct xpv_platform *xen = &xpv_platform_xen;
static xpv_domid_t self;

static void test_evtchn(void)
{
	struct xpv_evtchn *a = NULL, *b = NULL;
	struct pollfd pfd;
	int pa, pb;

	EXPECT(xen->evtchn->open(&a) == 0);
	EXPECT(xen->evtchn->open(&b) == 0);
	if (!a || !b)
		goto out;
	EXPECT(xen->evtchn->pending(a) == -EAGAIN); /* must not block */
	pa = xen->evtchn->alloc_unbound(a, self);
	EXPECT(pa > 0);
	pb = xen->evtchn->bind_interdomain(b, self, (xpv_port_t)pa);
	EXPECT(pb > 0);
	if (pa <= 0 || pb <= 0)
		goto out;
	EXPECT(xen->evtchn->notify(b, (xpv_port_t)pb) == 0);
	pfd = (struct pollfd){.fd = xen->evtchn->fd(a), .events = POLLIN};
	EXPECT(poll(&pfd, 1, 2000) == 1);
	EXPECT(xen->evtchn->pending(a) == pa);
	EXPECT(xen->evtchn->unmask(a, (xpv_port_t)pa) == 0);
	EXPECT(xen->evtchn->pending(a) == -EAGAIN);
	EXPECT(xen->evtchn->unbind(b, (xpv_port_t)pb) == 0);
	EXPECT(xen->evtchn->unbind(a, (xpv_port_t)pa) == 0);
	EXPECT(xen->evtchn->unbind(a, (xpv_port_t)pa) < 0);
out:
	xen->evtchn->close(b);
	xen->evtchn->close(a);
}

static void test_grants(void)
{
	struct xpv_gntshr *shr = NULL;
	struct xpv_gnt *gnt = NULL;
	xpv_gref_t refs[2], ro_ref;
	struct xpv_gnt_copy_seg seg[3];
	unsigned char *shared = NULL, *ro = NULL, *map = NULL;
	unsigned char local[64];
	void *addr;
	int rc;

	EXPECT(xen->gntshr->open(&shr) == 0);
	EXPECT(xen->gnt->open(&gnt) == 0);
	if (!shr || !gnt)
		goto out;
	EXPECT(xen->gnt->set_max_grants(gnt, 16) == 0);

	rc = xen->gntshr->share(shr, self, 2, refs, 1, &addr);
	EXPECT(rc == 0);
	if (rc)
		goto out;
	shared = addr;
	memset(shared, 0xa5, 2 * XPV_PAGE_SIZE);

	/* Map both pages in one call, writable: the same memory. */
	rc = xen->gnt->map(gnt, self, 2, refs, 1, &addr);
	EXPECT(rc == 0);
	if (!rc) {
		map = addr;
		EXPECT(map[0] == 0xa5 && map[2 * XPV_PAGE_SIZE - 1] == 0xa5);
		map[XPV_PAGE_SIZE + 7] = 0x3c;
		EXPECT(shared[XPV_PAGE_SIZE + 7] == 0x3c);
		EXPECT(xen->gnt->unmap(gnt, map, 2) == 0);
	}

	/* Copy out of page 1 at an offset, into page 0, and a bad ref. */
	memset(seg, 0, sizeof(seg));
	seg[0].source.foreign.ref = refs[1];
	seg[0].source.foreign.domid = self;
	seg[0].source.foreign.offset = 4;
	seg[0].dest.virt = local;
	seg[0].len = 8;
	seg[0].flags = XPV_COPY_SOURCE_GREF;
	memset(local + 32, 0x11, 16);
	seg[1].source.virt = local + 32;
	seg[1].dest.foreign.ref = refs[0];
	seg[1].dest.foreign.domid = self;
	seg[1].dest.foreign.offset = 100;
	seg[1].len = 16;
	seg[1].flags = XPV_COPY_DEST_GREF;
	seg[2] = seg[0];
	seg[2].source.foreign.ref = 0xfffffff0u;
	EXPECT(xen->gnt->copy(gnt, 3, seg) == 0);
	EXPECT(seg[0].status == 0);
	EXPECT(local[0] == 0xa5 && local[3] == 0x3c && local[7] == 0xa5);
	EXPECT(seg[1].status == 0);
	EXPECT(shared[100] == 0x11 && shared[115] == 0x11 &&
	       shared[116] == 0xa5);
	EXPECT(seg[2].status < 0);

	/* A read-only grant maps read-only, and never writable. */
	rc = xen->gntshr->share(shr, self, 1, &ro_ref, 0, &addr);
	EXPECT(rc == 0);
	if (!rc) {
		ro = addr;
		EXPECT(xen->gnt->map(gnt, self, 1, &ro_ref, 1, &addr) < 0);
		rc = xen->gnt->map(gnt, self, 1, &ro_ref, 0, &addr);
		EXPECT(rc == 0);
		if (!rc)
			EXPECT(xen->gnt->unmap(gnt, addr, 1) == 0);
		EXPECT(xen->gntshr->unshare(shr, ro, 1) == 0);
	}
	EXPECT(xen->gntshr->unshare(shr, shared, 2) == 0);
out:
	xen->gnt->close(gnt);
	xen->gntshr->close(shr);
}

int main(void)
{
	static const char *const need[] = {
	    "/dev/xen/gntdev",
	    "/dev/xen/gntalloc",
	    "/dev/xen/evtchn",
	};
	const char *s = getenv("XENPV_TEST_SELF_DOMID");
	size_t i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (access(need[i], R_OK | W_OK) < 0) {
			printf("SKIP: %s: %s (not a Xen domain with the "
			       "gntdev, gntalloc and evtchn drivers)\n",
			       need[i], strerror(errno));
			return 77;
		}
	}
	self = s ? (xpv_domid_t)atoi(s) : 0;
	test_evtchn();
	test_grants();
	return test_status();
}
