/* SPDX-License-Identifier: MIT */
/*
 * platform.h - the hypervisor services xenpvd and libxenpvfront use, behind
 * one ops table per service.
 *
 * Backend and frontend code never call libxengnttab, libxengntshr or
 * libxenevtchn directly: they pick a platform at run time ("xen" or "sim",
 * see xpv_platform_get()) and go through its tables.  Two implementations:
 *
 *   xen  platform-xen.c, over the real Xen libraries.
 *   sim  platform-sim.c, a simulated hypervisor (see sim.h): each sim domain
 *        has its own memory, grant table and event-channel ports, and grant
 *        checks are made exactly where Xen makes them.
 *
 * Contract shared by every op: returns 0, a count or a port (>= 0), or
 * -errno; never sets errno as its only error report; never logs.  Handles are
 * not thread-safe unless an op says so: use one handle per thread or lock.
 * A handle must not be used across fork().  close() accepts NULL.
 *
 * Ops tables are append-only and carry their size, so a caller can check that
 * an op exists before calling it.
 */
#ifndef XENPVD_COMMON_PLATFORM_H
#define XENPVD_COMMON_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#define XPV_PAGE_SHIFT 12
#define XPV_PAGE_SIZE (1u << XPV_PAGE_SHIFT)

typedef uint32_t xpv_gref_t;
typedef uint32_t xpv_port_t;
typedef uint16_t xpv_domid_t;

/* ---- grant mapping and copying (the mapping side, gntdev) ---- */

struct xpv_gnt;

/*
 * One grant copy segment, as xengnttab_grant_copy_segment: each side is
 * either a local pointer or a foreign (domid, ref, offset) page.  offset +
 * len must not cross the page.  status is written by copy(): 0 on success,
 * -errno for that segment (-EPERM: not granted to us or read-only grant as
 * a destination; -EINVAL: bad ref or range).
 */
struct xpv_gnt_copy_seg {
	union {
		void *virt;
		struct {
			xpv_gref_t ref;
			uint16_t offset;
			xpv_domid_t domid;
		} foreign;
	} source, dest;
	uint16_t len;
	uint16_t flags; /* XPV_COPY_SOURCE_GREF | XPV_COPY_DEST_GREF */
	int16_t status;
};

#define XPV_COPY_SOURCE_GREF (1u << 0)
#define XPV_COPY_DEST_GREF (1u << 1)

struct xpv_gnt_ops {
	size_t size; /* sizeof(struct xpv_gnt_ops) of the implementer */
	const char *name;

	/* Opens a mapping handle.  *out is set only on success. */
	int (*open)(struct xpv_gnt **out);
	void (*close)(struct xpv_gnt *h);

	/*
	 * Maps count grants of domain domid into one contiguous area, in one
	 * call.  writable != 0 asks for read-write access (fails with -EPERM
	 * on a read-only grant); 0 maps PROT_READ.  All or nothing: on error
	 * nothing stays mapped.  Each map pins the grant: the granter cannot
	 * end it (-EBUSY) until unmap().
	 */
	int (*map)(struct xpv_gnt *h, xpv_domid_t domid, uint32_t count,
		   const xpv_gref_t *refs, int writable, void **addr);
	/* Unmaps an area returned by map() (same count). */
	int (*unmap)(struct xpv_gnt *h, void *addr, uint32_t count);

	/*
	 * Performs count copy segments; each segment's status is set.
	 * Returns 0 when the call was made (check each status), or -errno
	 * when it could not be made at all.
	 */
	int (*copy)(struct xpv_gnt *h, uint32_t count,
		    struct xpv_gnt_copy_seg *segs);

	/* Bounds how many grants this handle may keep mapped (gntdev). */
	int (*set_max_grants)(struct xpv_gnt *h, uint32_t count);
};

/* ---- grant sharing (the granting side, gntalloc) ---- */

struct xpv_gntshr;

struct xpv_gntshr_ops {
	size_t size;
	const char *name;

	int (*open)(struct xpv_gntshr **out);
	void (*close)(struct xpv_gntshr *h);

	/*
	 * Allocates count zeroed pages of this domain's memory, contiguous in
	 * this process, grants each to domid (writable != 0: read-write) and
	 * writes the references to refs[].  *addr receives the area.
	 */
	int (*share)(struct xpv_gntshr *h, xpv_domid_t domid, uint32_t count,
		     xpv_gref_t *refs, int writable, void **addr);
	/*
	 * Ends the grants of an area returned by share() and frees its pages.
	 * On the sim, -EBUSY when any of them is still mapped by the peer
	 * (nothing is ended then); on Xen the kernel defers the end instead.
	 */
	int (*unshare)(struct xpv_gntshr *h, void *addr, uint32_t count);
};

/* ---- event channels ---- */

struct xpv_evtchn;

struct xpv_evtchn_ops {
	size_t size;
	const char *name;

	int (*open)(struct xpv_evtchn **out);
	void (*close)(struct xpv_evtchn *h); /* unbinds every port */

	/* A file descriptor that polls readable when an event is pending. */
	int (*fd)(struct xpv_evtchn *h);

	/* Returns a new local port that remote_domid may bind to. */
	int (*alloc_unbound)(struct xpv_evtchn *h, xpv_domid_t remote_domid);
	/* Binds to remote_port of remote_domid; returns the local port. */
	int (*bind_interdomain)(struct xpv_evtchn *h, xpv_domid_t remote_domid,
				xpv_port_t remote_port);
	/* Closes a local port; the peer's port goes back to unbound. */
	int (*unbind)(struct xpv_evtchn *h, xpv_port_t port);
	/* Sends an event to the peer of a local port. */
	int (*notify)(struct xpv_evtchn *h, xpv_port_t port);
	/*
	 * Returns the next pending local port, or -EAGAIN when none.  A port
	 * returned here is masked until unmask() (xenevtchn semantics).
	 */
	int (*pending)(struct xpv_evtchn *h);
	int (*unmask)(struct xpv_evtchn *h, xpv_port_t port);
};

/* ---- choosing a platform ---- */

struct xpv_platform {
	const char *name; /* "xen" or "sim" */
	const struct xpv_gnt_ops *gnt;
	const struct xpv_gntshr_ops *gntshr;
	const struct xpv_evtchn_ops *evtchn;
};

extern const struct xpv_platform xpv_platform_xen;
extern const struct xpv_platform xpv_platform_sim;

/*
 * Returns the platform called name ("xen" or "sim"), or for NULL/"auto" the
 * default: "xen" when /dev/xen/gntdev exists, else "sim".  NULL for an
 * unknown name.
 */
const struct xpv_platform *xpv_platform_get(const char *name);

#endif /* XENPVD_COMMON_PLATFORM_H */
