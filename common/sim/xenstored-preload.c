/* SPDX-License-Identifier: MIT */
/*
 * xenstored-preload.c - an LD_PRELOAD library that runs Debian's real
 * xenstored (Xen 4.17) on a sim world, as dom0.
 *
 * It defines exactly the libxenctrl, libxenevtchn and libxengnttab entry
 * points that xenstored imports, over the sim platform (sim-internal.h) of
 * the world named by XENPV_SIM_WORLD, so that:
 *   - XS_INTRODUCE maps the guest's XenStore page through a real sim grant
 *     map of ref 1 (GNTTAB_RESERVED_XENSTORE) and binds its event channel;
 *   - xc_domain_getinfo() answers from the world (a destroyed domain is
 *     dying), so the VIRQ_DOM_EXC that domain destroy raises makes
 *     xenstored release the domain and fire @releaseDomain.
 *
 *   - open() of /proc/xen/xsd_port and /proc/xen/xsd_kva answers dom0's
 *     own store port and store page, so xenstored's dom0_init() works.
 *
 *   LD_PRELOAD=.../xenpv-xenstored-preload.so XENPV_SIM_WORLD=<world> \
 *   XENSTORED_PATH=<world>/xenstored.sock XENSTORED_RUNDIR=<world> \
 *   xenstored --no-fork -T <file>
 *
 * (Not --no-domain-init: in 4.17 it skips every hypervisor call, so
 * XS_INTRODUCE could not work.)
 * Calls fail with errno set and -1/NULL, as the real libraries do.  The
 * preload never logs.
 */
#include <config.h>

#include <limits.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#include "sim-internal.h"

struct xc_interface_core {
	struct sim_world *w;
};

struct xenevtchn_handle {
	struct xpv_evtchn *h;
	int virq_port; /* answered when pending() finds only stale events */
};

struct xengntdev_handle {
	struct xpv_gnt *h;
};

static struct sim_world *the_world(void)
{
	struct sim_world *w = sim_world_get(xpv_sim_self_world());

	if (!w)
		errno = ENXIO;
	return w;
}

static int fail(int err)
{
	errno = -err;
	return -1;
}

xc_interface *xc_interface_open(xentoollog_logger *logger,
				xentoollog_logger *dombuild_logger,
				unsigned open_flags)
{
	struct xc_interface_core *x;

	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->w = the_world();
	if (!x->w) {
		free(x);
		return NULL;
	}
	return x;
}

int xc_interface_close(xc_interface *xch)
{
	free(xch);
	return 0;
}

int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid,
		      unsigned int max_doms, xc_dominfo_t *info)
{
	xpv_domid_t *ids;
	unsigned int got = 0;
	int i, n;

	ids = malloc(SIM_DOMID_MAX * sizeof(*ids));
	if (!ids)
		return -1;
	n = xpv_sim_domain_list(xch->w->dir, ids, SIM_DOMID_MAX);
	if (n < 0) {
		free(ids);
		return fail(n);
	}
	for (i = 0; i < n && got < max_doms; i++) {
		struct sim_dom *d;

		if (ids[i] < first_domid)
			continue;
		d = sim_dom_get(xch->w, ids[i]);
		if (!d)
			continue;
		memset(&info[got], 0, sizeof(info[got]));
		info[got].domid = ids[i];
		info[got].dying = !sim_dom_alive(d);
		info[got].running = sim_dom_alive(d);
		info[got].xenstore = ids[i] == 0;
		info[got].nr_pages = d->ctl->mem_pages;
		info[got].max_memkb = (unsigned long)d->ctl->mem_pages * 4;
		info[got].nr_online_vcpus = 1;
		got++;
	}
	free(ids);
	return (int)got;
}

/* ---- the dom0 store page and port (/proc/xen/xsd_*) ---- */

static int open_xsd(const char *path, int flags)
{
	struct sim_world *w = the_world();
	struct sim_dom *d0;
	char buf[PATH_MAX];
	int fd, n;

	if (!w)
		return -1;
	d0 = sim_dom_get(w, 0);
	if (!d0)
		return -1;
	if (!strcmp(path, "/proc/xen/xsd_port")) {
		fd = memfd_create("xsd_port", MFD_CLOEXEC);
		if (fd < 0)
			return -1;
		n = snprintf(buf, sizeof(buf), "%u", d0->ctl->store_port);
		if (write(fd, buf, n) != n || lseek(fd, 0, SEEK_SET) < 0) {
			close(fd);
			errno = EIO;
			return -1;
		}
		return fd;
	}
	/* xsd_kva: mmap at offset 0 must give the store page (frame 0). */
	if (d0->ctl->store_frame != 0) {
		errno = ENXIO;
		return -1;
	}
	if (snprintf(buf, sizeof(buf), "%s/dom0.mem", w->dir) >=
	    (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return openat(AT_FDCWD, buf, (flags & O_ACCMODE) | O_CLOEXEC);
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (!strcmp(path, "/proc/xen/xsd_port") ||
	    !strcmp(path, "/proc/xen/xsd_kva"))
		return open_xsd(path, flags);
	return openat(AT_FDCWD, path, flags, mode);
}

/* ---- event channels ---- */

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger,
				 unsigned int open_flags)
{
	struct sim_world *w = the_world();
	xenevtchn_handle *x;
	int err;

	if (!w)
		return NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	err = sim_evtchn_open_as(&x->h, w, 0);
	if (err < 0) {
		free(x);
		errno = -err;
		return NULL;
	}
	return x;
}

xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger,
				   int fd, unsigned open_flags)
{
	/* Only live update uses it; the sim has no fd to inherit. */
	errno = EOPNOTSUPP;
	return NULL;
}

int xenevtchn_close(xenevtchn_handle *xce)
{
	if (xce) {
		xpv_platform_sim.evtchn->close(xce->h);
		free(xce);
	}
	return 0;
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
	return xpv_platform_sim.evtchn->fd(xce->h);
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	int err = xpv_platform_sim.evtchn->notify(xce->h, port);

	return err < 0 ? fail(err) : 0;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce,
						     uint32_t domid,
						     evtchn_port_t port)
{
	int p;

	if (domid >= SIM_DOMID_MAX)
		return fail(-ESRCH);
	p = xpv_platform_sim.evtchn->bind_interdomain(xce->h,
						      (xpv_domid_t)domid,
						      port);
	return p < 0 ? fail(p) : p;
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce,
					      unsigned int virq)
{
	int p = xpv_sim_evtchn_bind_virq(xce->h, virq);

	if (p < 0)
		return fail(p);
	if (!xce->virq_port)
		xce->virq_port = p;
	return p;
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	int err = xpv_platform_sim.evtchn->unbind(xce->h, port);

	return err < 0 ? fail(err) : 0;
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
	int p = xpv_platform_sim.evtchn->pending(xce->h);

	/*
	 * xenstored calls this only when the fd polled readable and dies
	 * on an error: when the datagram was stale (its port unbound
	 * meanwhile), answer the VIRQ port, whose handling is idempotent.
	 */
	if (p == -EAGAIN && xce->virq_port)
		return xce->virq_port;
	return p < 0 ? fail(p) : p;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	int err = xpv_platform_sim.evtchn->unmask(xce->h, port);

	return err < 0 ? fail(err) : 0;
}

/* ---- grant mapping ---- */

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger,
				 unsigned open_flags)
{
	struct sim_world *w = the_world();
	xengnttab_handle *x;
	int err;

	if (!w)
		return NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	err = sim_gnt_open_as(&x->h, w, 0);
	if (err < 0) {
		free(x);
		errno = -err;
		return NULL;
	}
	return x;
}

int xengnttab_close(xengnttab_handle *xgt)
{
	if (xgt) {
		xpv_platform_sim.gnt->close(xgt->h);
		free(xgt);
	}
	return 0;
}

void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid,
			      uint32_t ref, int prot)
{
	void *addr;
	int err;

	if (domid >= SIM_DOMID_MAX) {
		errno = ESRCH;
		return NULL;
	}
	err = xpv_platform_sim.gnt->map(xgt->h, (xpv_domid_t)domid, 1, &ref,
					!!(prot & PROT_WRITE), &addr);
	if (err < 0) {
		errno = -err;
		return NULL;
	}
	return addr;
}

int xengnttab_unmap(xengnttab_handle *xgt, void *start_address,
		    uint32_t count)
{
	int err = xpv_platform_sim.gnt->unmap(xgt->h, start_address, count);

	return err < 0 ? fail(err) : 0;
}

int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
	int err = xpv_platform_sim.gnt->set_max_grants(xgt->h, nr_grants);

	return err < 0 ? fail(err) : 0;
}
