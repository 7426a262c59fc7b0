/* SPDX-License-Identifier: MIT */
/*
 * platform-xen.c - the "xen" platform: the ops tables of platform.h over the
 * real Xen libraries (libxengnttab for gntdev and gntalloc, libxenevtchn).
 *
 * Guarantees: every op returns 0, a count or a port, or -errno (the
 * libraries' NULL / -1 returns are translated from errno); nothing here logs,
 * not even the libraries (they are given a silent logger); a grant map is one
 * xengnttab_map_domain_grant_refs() call, all or nothing; a grant copy is one
 * xengnttab_grant_copy() call over the caller's own segment array (the two
 * layouts are checked to be identical at compile time, so the data path
 * neither allocates nor copies segments) and each segment's GNTST_* status is
 * turned into -errno afterwards; pending() never blocks (the evtchn fd is
 * made non-blocking, and Linux's evtchn_read() honours O_NONBLOCK).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <xenctrl.h> /* before xengnttab.h: defines the __XEN_TOOLS__ types */
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xentoollog.h>
#include <xen/grant_table.h>

#include "platform.h"

/* Our copy segment is passed to the library as is: same layout, same bits. */
_Static_assert(sizeof(struct xpv_gnt_copy_seg) ==
		   sizeof(xengnttab_grant_copy_segment_t),
	       "copy segment size");
_Static_assert(offsetof(struct xpv_gnt_copy_seg, source.foreign.ref) ==
		   offsetof(xengnttab_grant_copy_segment_t, source.foreign.ref),
	       "copy segment source.ref");
_Static_assert(offsetof(struct xpv_gnt_copy_seg, source.foreign.offset) ==
		   offsetof(xengnttab_grant_copy_segment_t,
			    source.foreign.offset),
	       "copy segment source.offset");
_Static_assert(offsetof(struct xpv_gnt_copy_seg, source.foreign.domid) ==
		   offsetof(xengnttab_grant_copy_segment_t,
			    source.foreign.domid),
	       "copy segment source.domid");
_Static_assert(offsetof(struct xpv_gnt_copy_seg, dest) ==
		   offsetof(xengnttab_grant_copy_segment_t, dest),
	       "copy segment dest");
_Static_assert(offsetof(struct xpv_gnt_copy_seg, len) ==
		   offsetof(xengnttab_grant_copy_segment_t, len),
	       "copy segment len");
_Static_assert(offsetof(struct xpv_gnt_copy_seg, flags) ==
		   offsetof(xengnttab_grant_copy_segment_t, flags),
	       "copy segment flags");
_Static_assert(offsetof(struct xpv_gnt_copy_seg, status) ==
		   offsetof(xengnttab_grant_copy_segment_t, status),
	       "copy segment status");
_Static_assert(XPV_COPY_SOURCE_GREF == GNTCOPY_source_gref, "source flag");
_Static_assert(XPV_COPY_DEST_GREF == GNTCOPY_dest_gref, "dest flag");

/* ---- a logger that drops everything: libraries never log ---- */

static void silent_vmessage(struct xentoollog_logger *logger,
			    xentoollog_level level, int errnoval,
			    const char *context, const char *format, va_list al)
{
}

static void silent_progress(struct xentoollog_logger *logger,
			    const char *context, const char *doing_what,
			    int percent, unsigned long done,
			    unsigned long total)
{
}

static void silent_destroy(struct xentoollog_logger *logger)
{
}

static struct xentoollog_logger silent_logger = {
    .vmessage = silent_vmessage,
    .progress = silent_progress,
    .destroy = silent_destroy,
};

/* errno of a failed library call, never 0 (a library may forget it). */
static int neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

/* ---- gntdev ---- */

struct xpv_gnt {
	xengnttab_handle *xgt;
};

static int xen_gnt_open(struct xpv_gnt **out)
{
	struct xpv_gnt *h;
	int rc;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->xgt = xengnttab_open(&silent_logger, 0);
	if (!h->xgt) {
		rc = neg_errno();
		free(h);
		return rc;
	}
	*out = h;
	return 0;
}

static void xen_gnt_close(struct xpv_gnt *h)
{
	if (!h)
		return;
	if (h->xgt)
		xengnttab_close(h->xgt);
	free(h);
}

static int xen_gnt_map(struct xpv_gnt *h, xpv_domid_t domid, uint32_t count,
		       const xpv_gref_t *refs, int writable, void **addr)
{
	void *p;

	if (!count || !refs || !addr)
		return -EINVAL;
	/* The library takes a non-const array but only reads it. */
	p = xengnttab_map_domain_grant_refs(
	    h->xgt, count, domid, (uint32_t *)refs,
	    writable ? PROT_READ | PROT_WRITE : PROT_READ);
	if (!p)
		return neg_errno();
	*addr = p;
	return 0;
}

static int xen_gnt_unmap(struct xpv_gnt *h, void *addr, uint32_t count)
{
	if (!addr || !count)
		return -EINVAL;
	if (xengnttab_unmap(h->xgt, addr, count) < 0)
		return neg_errno();
	return 0;
}

/* A GNTST_* status as the -errno of struct xpv_gnt_copy_seg. */
static int16_t gntst_to_errno(int16_t st)
{
	switch (st) {
	case GNTST_okay:
		return 0;
	case GNTST_bad_domain:
		return -ESRCH;
	case GNTST_permission_denied:
		return -EPERM;
	case GNTST_bad_gntref:
	case GNTST_bad_handle:
	case GNTST_bad_page:
	case GNTST_bad_copy_arg:
	case GNTST_address_too_big:
		return -EINVAL;
	case GNTST_bad_virt_addr:
	case GNTST_bad_dev_addr:
		return -EFAULT;
	case GNTST_eagain:
		return -EAGAIN;
	case GNTST_no_device_space:
	case GNTST_no_space:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

static int xen_gnt_copy(struct xpv_gnt *h, uint32_t count,
			struct xpv_gnt_copy_seg *segs)
{
	uint32_t i;

	if (!count)
		return 0;
	if (!segs)
		return -EINVAL;
	if (xengnttab_grant_copy(h->xgt, count,
				 (xengnttab_grant_copy_segment_t *)segs) < 0)
		return neg_errno();
	for (i = 0; i < count; i++)
		segs[i].status = gntst_to_errno(segs[i].status);
	return 0;
}

static int xen_gnt_set_max_grants(struct xpv_gnt *h, uint32_t count)
{
	if (xengnttab_set_max_grants(h->xgt, count) < 0)
		return neg_errno();
	return 0;
}

static const struct xpv_gnt_ops xen_gnt_ops = {
    .size = sizeof(struct xpv_gnt_ops),
    .name = "xen",
    .open = xen_gnt_open,
    .close = xen_gnt_close,
    .map = xen_gnt_map,
    .unmap = xen_gnt_unmap,
    .copy = xen_gnt_copy,
    .set_max_grants = xen_gnt_set_max_grants,
};

/* ---- gntalloc ---- */

struct xpv_gntshr {
	xengntshr_handle *xgs;
};

static int xen_gntshr_open(struct xpv_gntshr **out)
{
	struct xpv_gntshr *h;
	int rc;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->xgs = xengntshr_open(&silent_logger, 0);
	if (!h->xgs) {
		rc = neg_errno();
		free(h);
		return rc;
	}
	*out = h;
	return 0;
}

static void xen_gntshr_close(struct xpv_gntshr *h)
{
	if (!h)
		return;
	if (h->xgs)
		xengntshr_close(h->xgs);
	free(h);
}

static int xen_gntshr_share(struct xpv_gntshr *h, xpv_domid_t domid,
			    uint32_t count, xpv_gref_t *refs, int writable,
			    void **addr)
{
	void *p;

	if (!count || count > INT32_MAX || !refs || !addr)
		return -EINVAL;
	p = xengntshr_share_pages(h->xgs, domid, (int)count, refs,
				  writable ? 1 : 0);
	if (!p)
		return neg_errno();
	*addr = p;
	return 0;
}

static int xen_gntshr_unshare(struct xpv_gntshr *h, void *addr, uint32_t count)
{
	if (!addr || !count)
		return -EINVAL;
	if (xengntshr_unshare(h->xgs, addr, count) < 0)
		return neg_errno();
	return 0;
}

static const struct xpv_gntshr_ops xen_gntshr_ops = {
    .size = sizeof(struct xpv_gntshr_ops),
    .name = "xen",
    .open = xen_gntshr_open,
    .close = xen_gntshr_close,
    .share = xen_gntshr_share,
    .unshare = xen_gntshr_unshare,
};

/* ---- event channels ---- */

struct xpv_evtchn {
	xenevtchn_handle *xce;
};

static int xen_evtchn_open(struct xpv_evtchn **out)
{
	struct xpv_evtchn *h;
	int rc, fd, fl;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->xce = xenevtchn_open(&silent_logger, 0);
	if (!h->xce) {
		rc = neg_errno();
		goto err;
	}
	/* Non-blocking, so that pending() answers -EAGAIN at once. */
	fd = xenevtchn_fd(h->xce);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		rc = neg_errno();
		goto err;
	}
	*out = h;
	return 0;
err:
	if (h->xce)
		xenevtchn_close(h->xce);
	free(h);
	return rc;
}

static void xen_evtchn_close(struct xpv_evtchn *h)
{
	if (!h)
		return;
	if (h->xce)
		xenevtchn_close(h->xce); /* the driver unbinds every port */
	free(h);
}

static int xen_evtchn_fd(struct xpv_evtchn *h)
{
	return xenevtchn_fd(h->xce);
}

static int xen_evtchn_alloc_unbound(struct xpv_evtchn *h,
				    xpv_domid_t remote_domid)
{
	xenevtchn_port_or_error_t p;

	p = xenevtchn_bind_unbound_port(h->xce, remote_domid);
	return p < 0 ? neg_errno() : p;
}

static int xen_evtchn_bind_interdomain(struct xpv_evtchn *h,
				       xpv_domid_t remote_domid,
				       xpv_port_t remote_port)
{
	xenevtchn_port_or_error_t p;

	p = xenevtchn_bind_interdomain(h->xce, remote_domid, remote_port);
	return p < 0 ? neg_errno() : p;
}

static int xen_evtchn_unbind(struct xpv_evtchn *h, xpv_port_t port)
{
	return xenevtchn_unbind(h->xce, port) < 0 ? neg_errno() : 0;
}

static int xen_evtchn_notify(struct xpv_evtchn *h, xpv_port_t port)
{
	return xenevtchn_notify(h->xce, port) < 0 ? neg_errno() : 0;
}

/* One read(): it is on the data path of every ring, once per event. */
static int xen_evtchn_pending(struct xpv_evtchn *h)
{
	xenevtchn_port_or_error_t p;

	p = xenevtchn_pending(h->xce);
	if (p < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : neg_errno();
	return p;
}

static int xen_evtchn_unmask(struct xpv_evtchn *h, xpv_port_t port)
{
	return xenevtchn_unmask(h->xce, port) < 0 ? neg_errno() : 0;
}

static const struct xpv_evtchn_ops xen_evtchn_ops = {
    .size = sizeof(struct xpv_evtchn_ops),
    .name = "xen",
    .open = xen_evtchn_open,
    .close = xen_evtchn_close,
    .fd = xen_evtchn_fd,
    .alloc_unbound = xen_evtchn_alloc_unbound,
    .bind_interdomain = xen_evtchn_bind_interdomain,
    .unbind = xen_evtchn_unbind,
    .notify = xen_evtchn_notify,
    .pending = xen_evtchn_pending,
    .unmask = xen_evtchn_unmask,
};

const struct xpv_platform xpv_platform_xen = {
    .name = "xen",
    .gnt = &xen_gnt_ops,
    .gntshr = &xen_gntshr_ops,
    .evtchn = &xen_evtchn_ops,
};
