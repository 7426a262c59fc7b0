/* SPDX-License-Identifier: MIT */
/*
 * sim.h - the simulated hypervisor: worlds and domains.
 *
 * A sim world is a directory.  Each sim domain in it has its own memory (a
 * shared file of pages), its own grant table and its own event-channel
 * ports, all in files of the world so that separate processes act as
 * separate domains.  A process says which domain it runs in with the
 * environment:
 *
 *   XENPV_SIM_WORLD   the world directory (required for the sim platform)
 *   XENPV_SIM_DOMID   the domain this process runs in (default 0)
 *
 * The platform ops (platform.h, xpv_platform_sim) act as that domain.  The
 * functions here are the "toolstack and hypervisor" side, used by
 * tools/xenpv-sim, by the xenstored preload library and by tests.
 *
 * Like Xen, every domain is created with a XenStore page granted to dom0 at
 * the reserved reference XPV_SIM_GREF_XENSTORE and an unbound event channel
 * towards dom0 (the start_info store_mfn / store_evtchn of a PV guest).
 *
 * All functions return 0 (or a count) or -errno and never log.
 */
#ifndef XENPVD_COMMON_SIM_H
#define XENPVD_COMMON_SIM_H

#include <stdint.h>

#include "platform.h"

#define XPV_SIM_GREF_CONSOLE 0
#define XPV_SIM_GREF_XENSTORE 1 /* GNTTAB_RESERVED_XENSTORE */

#define XPV_SIM_VIRQ_DOM_EXC 3 /* VIRQ_DOM_EXC */

/* Creates the directory layout of a new world (dir may exist, empty). */
int xpv_sim_world_create(const char *dir);
/* Destroys every domain of the world and removes its files. */
int xpv_sim_world_destroy(const char *dir);

/* Creates domain domid with mem_pages pages of memory (0: a default). */
int xpv_sim_domain_create(const char *dir, xpv_domid_t domid,
			  uint32_t mem_pages);
/*
 * Destroys a domain: every mapping it holds of other domains' grants is
 * released, every port it owns is closed (peers' ports go back to unbound),
 * and VIRQ_DOM_EXC is raised in dom0.  Its memory stays valid for processes
 * that still map it, as a dying domain's pages do on Xen.
 */
int xpv_sim_domain_destroy(const char *dir, xpv_domid_t domid);

struct xpv_sim_dominfo {
	xpv_domid_t domid;
	int dying;		 /* destroy started */
	uint32_t mem_pages;
	uint32_t store_frame;	 /* XenStore page frame in its memory */
	xpv_port_t store_port;	 /* its XenStore event channel */
};

/* 0 and *info when domid exists (even dying), -ESRCH when it does not. */
int xpv_sim_domain_info(const char *dir, xpv_domid_t domid,
			struct xpv_sim_dominfo *info);
/* Fills up to max domids in ascending order; returns how many exist. */
int xpv_sim_domain_list(const char *dir, xpv_domid_t *domids, int max);

/* The domain the calling process runs in (XENPV_SIM_DOMID, default 0). */
int xpv_sim_self_domid(void);
/* The world of the calling process (XENPV_SIM_WORLD), or NULL. */
const char *xpv_sim_self_world(void);

/*
 * A pointer to page frame of the calling process's own domain memory (the
 * guest kernel's view of its own pages): used by the xenbus relay for the
 * XenStore page.  NULL and errno on error.
 */
void *xpv_sim_own_page(uint32_t frame);

/*
 * Takes an existing port of the calling domain (such as store_port) into
 * handle h, as a guest kernel binds the store event channel it was given.
 */
int xpv_sim_evtchn_adopt(struct xpv_evtchn *h, xpv_port_t port);
/* Binds a virtual IRQ (dom0 only: VIRQ_DOM_EXC); returns the local port. */
int xpv_sim_evtchn_bind_virq(struct xpv_evtchn *h, unsigned int virq);

/*
 * Releases what dead processes held: their mappings of grants (pins) and
 * their ports, as closing gntdev/evtchn on process exit does.  Returns how
 * many items were released.  The sim ops call it themselves when a grant
 * end finds a pin or a bind finds a busy port, so callers rarely need to.
 */
int xpv_sim_reap(const char *dir);

/* Counts for tests: mappings held by domid, ports open in domid. */
int xpv_sim_count_maps(const char *dir, xpv_domid_t domid);
int xpv_sim_count_ports(const char *dir, xpv_domid_t domid);

#endif /* XENPVD_COMMON_SIM_H */
