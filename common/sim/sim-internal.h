/* SPDX-License-Identifier: MIT */
/*
 * sim-internal.h - the shared-memory layout of a sim world and the
 * "hypervisor" primitives that platform-sim.c and the xenstored preload
 * build on.  Not a public interface: only sim.c, platform-sim.c and the
 * preload include it.
 *
 * A world directory holds, per domain N:
 *
 *   dom<N>.mem   the domain's memory, mem_pages pages (a sparse file)
 *   dom<N>.ctl   its control block, mapped MAP_SHARED by every process that
 *                deals with the domain: header, page-allocation bitmap,
 *                grant table, maptrack table, event-channel port table
 *
 * plus the marker file "sim-world".  A domain is published by renaming its
 * control file into place, so a process never sees half of one.
 *
 * Every cross-process decision is one atomic compare-and-swap on one word
 * of the control block: a grant entry is one 64-bit word (frame, grantee,
 * flags, pin count), so "map pins only a valid grant" and "end fails while
 * pinned" cannot both succeed; a port's binding is one 64-bit word, so
 * binding and unbinding race safely between two domains.
 *
 * Notifications travel as datagrams carrying the target port number, sent
 * to an abstract unix socket owned by the evtchn handle that owns the port
 * (its pollable fd).  Abstract sockets vanish with their process, so a dead
 * owner leaves no file behind.
 */
#ifndef XENPVD_COMMON_SIM_INTERNAL_H
#define XENPVD_COMMON_SIM_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform.h"
#include "sim.h"

#define SIM_MAGIC 0x31304d4953565058ull /* "XPVSIM01" */
#define SIM_DOMID_MAX 0x7ff0u		  /* DOMID_FIRST_RESERVED */
#define SIM_NR_GREFS 32768u		  /* 64 v1 grant frames */
#define SIM_NR_RESERVED_GREFS 8u	  /* GNTTAB_NR_RESERVED_ENTRIES */
#define SIM_NR_PORTS 4096u
#define SIM_NR_MAPTRACK 65536u
#define SIM_DEFAULT_PAGES 262144u	  /* 1 GiB, sparse */
#define SIM_MAX_PAGES (1u << 24)	  /* 64 GiB */

enum sim_dom_state {
	SIM_DOM_ALIVE = 1,
	SIM_DOM_DYING = 2, /* destroyed; memory still valid for mappers */
	SIM_DOM_GONE = 3,  /* replaced by a new domain of the same id */
};

/*
 * Grant entry word: frame (bits 0-31), grantee domid (32-47), VALID (48),
 * READONLY (49), pin count (50-63).  An entry is in use when non-zero; a
 * revoke in progress clears VALID but keeps the rest, so maps refuse it.
 */
#define SIM_GNT_FRAME(w) ((uint32_t)(w))
#define SIM_GNT_DOMID(w) ((xpv_domid_t)((w) >> 32))
#define SIM_GNT_VALID (1ull << 48)
#define SIM_GNT_RO (1ull << 49)
#define SIM_GNT_PIN_SHIFT 50
#define SIM_GNT_PIN_ONE (1ull << SIM_GNT_PIN_SHIFT)
#define SIM_GNT_PINS(w) ((uint32_t)((w) >> SIM_GNT_PIN_SHIFT))
#define SIM_GNT_PIN_MAX ((1u << (64 - SIM_GNT_PIN_SHIFT)) - 1)

/*
 * Maptrack word: 0 when free; USED | granter << 32 | ref once published;
 * CLAIM while one releaser (owner, reaper or destroy) owns it.
 */
#define SIM_MT_USED (1ull << 63)
#define SIM_MT_CLAIM (1ull << 62)

struct sim_maptrack {
	_Atomic uint64_t word;
	_Atomic uint32_t pid;  /* the mapping process */
	uint32_t pad;
	_Atomic uint64_t gen; /* generation of the granter domain */
};

/* Port binding word: state (bits 0-7), remote domid (16-31), port (32-63). */
enum sim_port_state {
	SIM_PORT_FREE = 0,
	SIM_PORT_RESERVED = 1, /* being set up by its allocator */
	SIM_PORT_UNBOUND = 2,  /* remote domid may bind to it */
	SIM_PORT_INTERDOMAIN = 3,
	SIM_PORT_VIRQ = 4,
};

#define SIM_BIND(state, rdom, rport) \
	((uint64_t)(state) | (uint64_t)(rdom) << 16 | (uint64_t)(rport) << 32)
#define SIM_BIND_STATE(w) ((unsigned int)((w) & 0xff))
#define SIM_BIND_RDOM(w) ((xpv_domid_t)((w) >> 16))
#define SIM_BIND_RPORT(w) ((xpv_port_t)((w) >> 32))

/* Owner word: pid << 32 | handle id; 0 when no handle owns the port. */
#define SIM_OWNER(pid, hid) ((uint64_t)(uint32_t)(pid) << 32 | (uint32_t)(hid))
#define SIM_OWNER_PID(w) ((pid_t)((w) >> 32))
#define SIM_OWNER_HID(w) ((uint32_t)(w))

#define SIM_PORT_STATIC 1u /* adopted: disowned, not closed, on close/reap */

struct sim_port {
	_Atomic uint64_t bind;
	_Atomic uint64_t owner;
	_Atomic uint32_t pending;
	_Atomic uint32_t masked;
	_Atomic uint32_t flags;
	uint32_t virq;
};

struct sim_ctl {
	uint64_t magic;
	uint64_t generation; /* unique per created domain */
	uint32_t domid;
	uint32_t mem_pages;
	uint32_t store_frame;
	uint32_t store_port;
	uint32_t nr_grefs;
	uint32_t nr_ports;
	uint32_t nr_maptrack;
	uint32_t pad;
	uint64_t off_bitmap, off_grant, off_maptrack, off_port, size;
	_Atomic uint32_t state;
	_Atomic uint32_t page_hint;
	_Atomic uint32_t gref_hint;
	_Atomic uint32_t port_hint;
	_Atomic uint32_t mt_hint;
};

/* A domain as seen by this process: its control block and memory. */
struct sim_dom {
	xpv_domid_t domid;
	struct sim_ctl *ctl;
	_Atomic uint64_t *bitmap;
	_Atomic uint64_t *grant;
	struct sim_maptrack *maptrack;
	struct sim_port *port;
	int mem_fd;
	uint8_t *_Atomic mem; /* whole memory, mapped RW on first use */
	struct sim_dom *older; /* replaced generations, kept mapped */
};

/* A world as seen by this process.  Lives until xpv_sim_world_destroy(). */
struct sim_world {
	char *dir;
	dev_t dev;
	ino_t ino;
	struct sim_dom *_Atomic dom[SIM_DOMID_MAX];
	struct sim_world *next;
};

/* The world at dir (opened once per process); NULL and errno on error. */
struct sim_world *sim_world_get(const char *dir);
/* The current domain domid of w, or NULL (errno ESRCH) when none. */
struct sim_dom *sim_dom_get(struct sim_world *w, xpv_domid_t domid);
/* d's whole memory mapped read-write in this process, or NULL. */
uint8_t *sim_dom_mem(struct sim_dom *d);
static inline int sim_dom_alive(const struct sim_dom *d)
{
	return atomic_load_explicit(&d->ctl->state, memory_order_acquire) ==
	       SIM_DOM_ALIVE;
}

/* Is pid gone?  (PIDs are not recycled within a test's lifetime.) */
int sim_pid_dead(pid_t pid);

/* ---- grants ---- */

/*
 * Pins grant ref of granter for domain self: fails with -EINVAL (bad ref or
 * frame), -EPERM (not a valid grant to self, or read-only and writable
 * asked), -EBUSY (pin count full).  *frame receives the granted frame.
 */
int sim_grant_pin(struct sim_dom *granter, xpv_gref_t ref, xpv_domid_t self,
		  int writable, uint32_t *frame);
void sim_grant_unpin(struct sim_dom *granter, xpv_gref_t ref);
/*
 * Records a pin of (granter, ref) held by this process in mapper's
 * maptrack; returns the slot or -ENOSPC.
 */
int sim_maptrack_add(struct sim_dom *mapper, struct sim_dom *granter,
		     xpv_gref_t ref);
/* Releases slot (unpins the grant) unless someone else already did. */
void sim_maptrack_release(struct sim_world *w, struct sim_dom *mapper,
			  uint32_t slot);

/* Grants frames frame..frame+count-1 of d to domid; refs[] gets the refs. */
int sim_grant_share(struct sim_world *w, struct sim_dom *d, xpv_domid_t domid,
		    uint32_t frame, uint32_t count, int writable,
		    xpv_gref_t *refs);
/* Ends every grant in refs[], or none (-EBUSY when one is still pinned). */
int sim_grant_end(struct sim_world *w, struct sim_dom *d,
		  const xpv_gref_t *refs, uint32_t count);
/* Allocates count contiguous free pages; returns the first frame. */
int sim_pages_alloc(struct sim_dom *d, uint32_t count);
void sim_pages_free(struct sim_dom *d, uint32_t frame, uint32_t count);

/* ---- event channels ---- */

/* Fills the abstract socket address of owner (pid, hid) of a port of d. */
int sim_evtchn_addr(const struct sim_world *w, xpv_domid_t domid,
		    pid_t pid, uint32_t hid, void *sun, unsigned int *len);
/* Allocates a free port of d in state RESERVED; returns it or -ENOSPC. */
int sim_port_alloc(struct sim_dom *d);
/*
 * Closes port p of d: an interdomain peer goes back to UNBOUND towards d.
 * A static (adopted) port is only disowned (left bound, owner cleared)
 * unless force is set.
 */
void sim_port_close(struct sim_world *w, struct sim_dom *d, xpv_port_t p,
		    int force);
/* Releases what dead processes of w held; returns how many items. */
int sim_reap_world(struct sim_world *w);

/* Handles acting as domain self of world w (the preload acts as dom0). */
int sim_gnt_open_as(struct xpv_gnt **out, struct sim_world *w,
		    xpv_domid_t self);
int sim_evtchn_open_as(struct xpv_evtchn **out, struct sim_world *w,
		       xpv_domid_t self);
/*
 * Raises port p of d (sets pending); sends the wake-up datagram through fd
 * (an unconnected SOCK_DGRAM socket, or -1 to open one) when the event was
 * not pending and not masked.
 */
void sim_port_raise(struct sim_world *w, struct sim_dom *d, xpv_port_t p,
		    int fd);

#endif /* XENPVD_COMMON_SIM_INTERNAL_H */
