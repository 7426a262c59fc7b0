/* SPDX-License-Identifier: MIT */
/*
 * platform-sim.c - the platform ops (platform.h) on the simulated hypervisor
 * of sim.c, acting as the domain XENPV_SIM_DOMID of world XENPV_SIM_WORLD.
 *
 * Guarantees, as on Xen: map() is zero copy (the granter's memory file is
 * mmap'd) and maps a grant only after the entry is checked, read-only grants
 * are mapped PROT_READ, and the whole batch is mapped or nothing is; copy()
 * makes the same checks per segment and pins each grant while it copies;
 * unshare() ends every grant of the area or none (-EBUSY while mapped);
 * notify() wakes the pollable fd of the handle owning the peer port, once
 * per pending event; closing a handle releases its mappings and ports.
 * Handles are not thread-safe; the per-process domain cache under them is.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sim-internal.h"

static _Atomic uint32_t next_hid = 1;

static int self_dom(struct sim_world **w, struct sim_dom **d,
		    xpv_domid_t *id)
{
	int self = xpv_sim_self_domid();

	if (self < 0)
		return self;
	*w = sim_world_get(xpv_sim_self_world());
	if (!*w)
		return -errno;
	*d = sim_dom_get(*w, (xpv_domid_t)self);
	if (!*d)
		return -errno;
	*id = (xpv_domid_t)self;
	return 0;
}

/* ---- grant mapping ---- */

struct sim_area {
	struct sim_area *next;
	uint8_t *addr;
	uint32_t count;
	struct sim_dom *granter;
	uint32_t slot[]; /* maptrack slots, then frames */
};

struct xpv_gnt {
	struct sim_world *w;
	struct sim_dom *self;
	xpv_domid_t self_id;
	uint32_t max, mapped;
	struct sim_area *areas;
};

int sim_gnt_open_as(struct xpv_gnt **out, struct sim_world *w,
		    xpv_domid_t self)
{
	struct xpv_gnt *h;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->w = w;
	h->self_id = self;
	h->self = sim_dom_get(w, self);
	if (!h->self) {
		free(h);
		return -ESRCH;
	}
	h->max = UINT32_MAX;
	*out = h;
	return 0;
}

static int gnt_open(struct xpv_gnt **out)
{
	struct sim_world *w;
	struct sim_dom *d;
	xpv_domid_t id;
	int err = self_dom(&w, &d, &id);

	return err < 0 ? err : sim_gnt_open_as(out, w, id);
}

static void area_release(struct xpv_gnt *h, struct sim_area *a)
{
	uint32_t i;

	/* Unmap first: the pin outlives every access through the map. */
	munmap(a->addr, (size_t)a->count * XPV_PAGE_SIZE);
	for (i = 0; i < a->count; i++)
		sim_maptrack_release(h->w, h->self, a->slot[i]);
	h->mapped -= a->count;
	free(a);
}

static void gnt_close(struct xpv_gnt *h)
{
	if (!h)
		return;
	while (h->areas) {
		struct sim_area *a = h->areas;

		h->areas = a->next;
		area_release(h, a);
	}
	free(h);
}

static int gnt_map(struct xpv_gnt *h, xpv_domid_t domid, uint32_t count,
		   const xpv_gref_t *refs, int writable, void **addr)
{
	int prot = writable ? PROT_READ | PROT_WRITE : PROT_READ;
	struct sim_dom *g;
	struct sim_area *a;
	uint32_t *frames, i, run, pinned = 0, tracked = 0;
	int err;

	if (!count || count > SIM_NR_GREFS)
		return -EINVAL;
	if (h->max - h->mapped < count)
		return -ENOSPC;
	if (!sim_dom_alive(h->self))
		return -ESRCH;
	g = sim_dom_get(h->w, domid);
	if (!g || !sim_dom_alive(g))
		return -ESRCH;
	a = malloc(sizeof(*a) + 2 * sizeof(uint32_t) * count);
	if (!a)
		return -ENOMEM;
	frames = a->slot + count;
	a->count = count;
	a->granter = g;
	a->addr = mmap(NULL, (size_t)count * XPV_PAGE_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (a->addr == MAP_FAILED) {
		err = -errno;
		goto err_free;
	}
	for (pinned = 0; pinned < count; pinned++) {
		err = sim_grant_pin(g, refs[pinned], h->self_id, writable,
				    &frames[pinned]);
		if (err < 0)
			goto err_unpin;
		err = sim_maptrack_add(h->self, g, refs[pinned]);
		if (err < 0) {
			sim_grant_unpin(g, refs[pinned]);
			goto err_unpin;
		}
		a->slot[pinned] = (uint32_t)err;
		tracked++;
	}
	/* One mmap per run of consecutive frames. */
	for (i = 0; i < count; i += run) {
		for (run = 1; i + run < count &&
			      frames[i + run] == frames[i] + run; run++)
			;
		if (mmap(a->addr + (size_t)i * XPV_PAGE_SIZE,
			 (size_t)run * XPV_PAGE_SIZE, prot,
			 MAP_SHARED | MAP_FIXED, g->mem_fd,
			 (off_t)frames[i] * XPV_PAGE_SIZE) == MAP_FAILED) {
			err = -errno;
			goto err_unpin;
		}
	}
	a->next = h->areas;
	h->areas = a;
	h->mapped += count;
	*addr = a->addr;
	return 0;

err_unpin:
	munmap(a->addr, (size_t)count * XPV_PAGE_SIZE);
	for (i = 0; i < tracked; i++)
		sim_maptrack_release(h->w, h->self, a->slot[i]);
err_free:
	free(a);
	return err;
}

static int gnt_unmap(struct xpv_gnt *h, void *addr, uint32_t count)
{
	struct sim_area **pp, *a;

	for (pp = &h->areas; (a = *pp); pp = &a->next) {
		if (a->addr != addr)
			continue;
		if (a->count != count)
			return -EINVAL;
		*pp = a->next;
		area_release(h, a);
		return 0;
	}
	return -EINVAL;
}

/*
 * Pins one foreign side of a copy segment; returns its address.  *g is set
 * only when the pin was taken, so that the caller unpins exactly what it
 * pinned (a bad ref from a guest must not unpin someone else's grant).
 */
static int seg_pin(struct xpv_gnt *h, xpv_domid_t domid, xpv_gref_t ref,
		   uint16_t offset, uint16_t len, int writable,
		   struct sim_dom **g, uint8_t **p)
{
	struct sim_dom *d;
	uint32_t frame;
	uint8_t *mem;
	int err;

	if ((uint32_t)offset + len > XPV_PAGE_SIZE)
		return -EINVAL;
	d = sim_dom_get(h->w, domid);
	if (!d || !sim_dom_alive(d))
		return -ESRCH;
	mem = sim_dom_mem(d);
	if (!mem)
		return -ENOMEM;
	err = sim_grant_pin(d, ref, h->self_id, writable, &frame);
	if (err < 0)
		return err;
	*g = d;
	*p = mem + (size_t)frame * XPV_PAGE_SIZE + offset;
	return 0;
}

static int gnt_copy(struct xpv_gnt *h, uint32_t count,
		    struct xpv_gnt_copy_seg *segs)
{
	uint32_t i;

	for (i = 0; i < count; i++) {
		struct xpv_gnt_copy_seg *s = &segs[i];
		struct sim_dom *sg = NULL, *dg = NULL;
		uint8_t *src, *dst;
		int err = 0;

		if (s->flags & XPV_COPY_SOURCE_GREF)
			err = seg_pin(h, s->source.foreign.domid,
				      s->source.foreign.ref,
				      s->source.foreign.offset, s->len, 0,
				      &sg, &src);
		else
			src = s->source.virt;
		if (!err && (s->flags & XPV_COPY_DEST_GREF))
			err = seg_pin(h, s->dest.foreign.domid,
				      s->dest.foreign.ref,
				      s->dest.foreign.offset, s->len, 1, &dg,
				      &dst);
		else if (!err)
			dst = s->dest.virt;
		if (!err)
			memcpy(dst, src, s->len);
		if (dg)
			sim_grant_unpin(dg, s->dest.foreign.ref);
		if (sg)
			sim_grant_unpin(sg, s->source.foreign.ref);
		s->status = (int16_t)err;
	}
	return 0;
}

static int gnt_set_max_grants(struct xpv_gnt *h, uint32_t count)
{
	h->max = count;
	return 0;
}

static const struct xpv_gnt_ops sim_gnt_ops = {
	.size = sizeof(struct xpv_gnt_ops),
	.name = "sim",
	.open = gnt_open,
	.close = gnt_close,
	.map = gnt_map,
	.unmap = gnt_unmap,
	.copy = gnt_copy,
	.set_max_grants = gnt_set_max_grants,
};

/* ---- grant sharing ---- */

struct shr_area {
	struct shr_area *next;
	uint8_t *addr;
	uint32_t count, frame;
	xpv_gref_t refs[];
};

struct xpv_gntshr {
	struct sim_world *w;
	struct sim_dom *self;
	struct shr_area *areas;
	uint32_t shared;	/* pages shared through this handle now */
	uint32_t limit;		/* 0: none; see shr_open() */
};

static int shr_open(struct xpv_gntshr **out)
{
	struct xpv_gntshr *h;
	xpv_domid_t id;
	int err;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	err = self_dom(&h->w, &h->self, &id);
	if (err < 0) {
		free(h);
		return err;
	}
	/*
	 * Linux's gntalloc refuses to have more than its `limit` grants
	 * allocated (module parameter, 1024 by default) with -ENOSPC.  A sim
	 * handle can be given the same bound, so that callers' handling of it
	 * is tested without Xen.
	 */
	{
		const char *l = getenv("XENPV_SIM_GNTSHR_LIMIT");

		if (l && *l)
			h->limit = (uint32_t)strtoul(l, NULL, 10);
	}
	*out = h;
	return 0;
}

static int shr_share(struct xpv_gntshr *h, xpv_domid_t domid, uint32_t count,
		     xpv_gref_t *refs, int writable, void **addr)
{
	struct shr_area *a;
	uint8_t *mem;
	int frame, err;

	if (!count)
		return -EINVAL;
	if (count > SIM_NR_GREFS ||
	    (h->limit && (uint64_t)h->shared + count > h->limit))
		return -ENOSPC;
	if (!sim_dom_alive(h->self))
		return -ESRCH;
	mem = sim_dom_mem(h->self);
	if (!mem)
		return -ENOMEM;
	a = malloc(sizeof(*a) + sizeof(xpv_gref_t) * count);
	if (!a)
		return -ENOMEM;
	frame = sim_pages_alloc(h->self, count);
	if (frame < 0) {
		err = frame;
		goto err_free;
	}
	a->addr = mem + (size_t)frame * XPV_PAGE_SIZE;
	a->count = count;
	a->frame = (uint32_t)frame;
	memset(a->addr, 0, (size_t)count * XPV_PAGE_SIZE);
	err = sim_grant_share(h->w, h->self, domid, a->frame, count, writable,
			      a->refs);
	if (err < 0)
		goto err_pages;
	memcpy(refs, a->refs, sizeof(xpv_gref_t) * count);
	a->next = h->areas;
	h->areas = a;
	h->shared += count;
	*addr = a->addr;
	return 0;

err_pages:
	sim_pages_free(h->self, a->frame, count);
err_free:
	free(a);
	return err;
}

static int shr_unshare(struct xpv_gntshr *h, void *addr, uint32_t count)
{
	struct shr_area **pp, *a;
	int err;

	for (pp = &h->areas; (a = *pp); pp = &a->next) {
		if (a->addr != addr)
			continue;
		if (a->count != count)
			return -EINVAL;
		err = sim_grant_end(h->w, h->self, a->refs, count);
		if (err < 0)
			return err;
		sim_pages_free(h->self, a->frame, count);
		h->shared -= count;
		*pp = a->next;
		free(a);
		return 0;
	}
	return -EINVAL;
}

static void shr_close(struct xpv_gntshr *h)
{
	if (!h)
		return;
	/*
	 * Grants still mapped by a peer stay granted (their pages stay
	 * allocated), as gntalloc defers the end on Xen.
	 */
	while (h->areas) {
		struct shr_area *a = h->areas;

		h->areas = a->next;
		if (sim_grant_end(h->w, h->self, a->refs, a->count) == 0)
			sim_pages_free(h->self, a->frame, a->count);
		free(a);
	}
	free(h);
}

static const struct xpv_gntshr_ops sim_gntshr_ops = {
	.size = sizeof(struct xpv_gntshr_ops),
	.name = "sim",
	.open = shr_open,
	.close = shr_close,
	.share = shr_share,
	.unshare = shr_unshare,
};

/* ---- event channels ---- */

/* Where notify() on a local port sends, cached until the binding changes. */
struct port_cache {
	uint64_t lbind;	/* our port's binding when cached */
	uint64_t owner;	/* the peer port's owner when cached */
	struct sim_dom *rd;
	struct sockaddr_un sun;
	unsigned int len;
};

struct xpv_evtchn {
	struct sim_world *w;
	struct sim_dom *self;
	xpv_domid_t self_id;
	uint32_t hid;
	uint64_t owner; /* SIM_OWNER(pid, hid) of this handle */
	int fd;
	struct sockaddr_un own;
	unsigned int own_len;
	struct port_cache *cache[SIM_NR_PORTS];
};

static void evtchn_close(struct xpv_evtchn *h);

int sim_evtchn_open_as(struct xpv_evtchn **out, struct sim_world *w,
		       xpv_domid_t self)
{
	struct xpv_evtchn *h;
	int err, sz = 1 << 20;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = -1;
	h->w = w;
	h->self_id = self;
	h->self = sim_dom_get(w, self);
	if (!h->self) {
		err = -ESRCH;
		goto err;
	}
	h->hid = atomic_fetch_add(&next_hid, 1);
	h->owner = SIM_OWNER(getpid(), h->hid);
	err = sim_evtchn_addr(w, self, getpid(), h->hid, &h->own,
			      &h->own_len);
	if (err < 0)
		goto err;
	h->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (h->fd < 0) {
		err = -errno;
		goto err;
	}
	/* Room for one datagram per port, best effort. */
	setsockopt(h->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(h->fd, (struct sockaddr *)&h->own, h->own_len) < 0) {
		err = -errno;
		goto err;
	}
	*out = h;
	return 0;
err:
	evtchn_close(h);
	return err;
}

static int evtchn_open(struct xpv_evtchn **out)
{
	struct sim_world *w;
	struct sim_dom *d;
	xpv_domid_t id;
	int err = self_dom(&w, &d, &id);

	return err < 0 ? err : sim_evtchn_open_as(out, w, id);
}

static void evtchn_close(struct xpv_evtchn *h)
{
	xpv_port_t p;

	if (!h)
		return;
	if (h->self) {
		for (p = 1; p < h->self->ctl->nr_ports; p++)
			if (atomic_load(&h->self->port[p].owner) == h->owner)
				sim_port_close(h->w, h->self, p, 0);
	}
	for (p = 0; p < SIM_NR_PORTS; p++)
		free(h->cache[p]);
	if (h->fd >= 0)
		close(h->fd);
	free(h);
}

static int evtchn_fd(struct xpv_evtchn *h)
{
	return h->fd;
}

/* Our own port p, or NULL when p is not ours. */
static struct sim_port *own_port(struct xpv_evtchn *h, xpv_port_t p)
{
	if (p == 0 || p >= h->self->ctl->nr_ports)
		return NULL;
	if (atomic_load_explicit(&h->self->port[p].owner,
				 memory_order_relaxed) != h->owner)
		return NULL;
	return &h->self->port[p];
}

/* Makes a freshly allocated port ours, then publishes its binding. */
static void port_setup(struct xpv_evtchn *h, xpv_port_t p, uint64_t bind)
{
	atomic_store(&h->self->port[p].owner, h->owner);
	atomic_store_explicit(&h->self->port[p].bind, bind,
			      memory_order_release);
}

static int evtchn_alloc_unbound(struct xpv_evtchn *h, xpv_domid_t remote)
{
	int p;

	if (!sim_dom_alive(h->self))
		return -ESRCH;
	p = sim_port_alloc(h->self);
	if (p < 0)
		return p;
	port_setup(h, (xpv_port_t)p, SIM_BIND(SIM_PORT_UNBOUND, remote, 0));
	return p;
}

static int evtchn_bind_interdomain(struct xpv_evtchn *h, xpv_domid_t remote,
				   xpv_port_t rport)
{
	struct sim_dom *rd;
	uint64_t expect;
	int l, reaped = 0;

	if (!sim_dom_alive(h->self))
		return -ESRCH;
	rd = sim_dom_get(h->w, remote);
	if (!rd || !sim_dom_alive(rd))
		return -ESRCH;
	if (rport == 0 || rport >= rd->ctl->nr_ports)
		return -EINVAL;
	l = sim_port_alloc(h->self);
	if (l < 0)
		return l;
	atomic_store(&h->self->port[l].owner, h->owner);
	for (;;) {
		expect = SIM_BIND(SIM_PORT_UNBOUND, h->self_id, 0);
		if (atomic_compare_exchange_strong(
			    &rd->port[rport].bind, &expect,
			    SIM_BIND(SIM_PORT_INTERDOMAIN, h->self_id, l)))
			break;
		/* Bound to a dead process's port?  Reap it and retry. */
		if (reaped || SIM_BIND_STATE(expect) != SIM_PORT_INTERDOMAIN ||
		    SIM_BIND_RDOM(expect) != h->self_id ||
		    sim_reap_world(h->w) <= 0) {
			sim_port_close(h->w, h->self, (xpv_port_t)l, 1);
			return -EINVAL;
		}
		reaped = 1;
	}
	atomic_store_explicit(&h->self->port[l].bind,
			      SIM_BIND(SIM_PORT_INTERDOMAIN, remote, rport),
			      memory_order_release);
	/* As Xen: events sent to the unbound port may be lost; raise ours. */
	sim_port_raise(h->w, h->self, (xpv_port_t)l, h->fd);
	return l;
}

static int evtchn_unbind(struct xpv_evtchn *h, xpv_port_t p)
{
	if (!own_port(h, p))
		return -EINVAL;
	free(h->cache[p]);
	h->cache[p] = NULL;
	sim_port_close(h->w, h->self, p, 0);
	return 0;
}

static int evtchn_notify(struct xpv_evtchn *h, xpv_port_t p)
{
	struct sim_port *lp = own_port(h, p), *tp;
	struct port_cache *c;
	uint64_t b, owner;
	xpv_port_t rp;

	if (!lp)
		return -EINVAL;
	b = atomic_load_explicit(&lp->bind, memory_order_acquire);
	if (SIM_BIND_STATE(b) != SIM_PORT_INTERDOMAIN)
		return SIM_BIND_STATE(b) == SIM_PORT_UNBOUND ? 0 : -EINVAL;
	c = h->cache[p];
	if (!c || c->lbind != b) {
		if (!c) {
			c = calloc(1, sizeof(*c));
			if (!c)
				return -ENOMEM;
			h->cache[p] = c;
		}
		c->rd = sim_dom_get(h->w, SIM_BIND_RDOM(b));
		if (!c->rd) {
			c->lbind = 0;
			return 0;
		}
		c->lbind = b;
		c->owner = 0;
	}
	rp = SIM_BIND_RPORT(b);
	if (rp >= c->rd->ctl->nr_ports)
		return -EINVAL;
	tp = &c->rd->port[rp];
	/* Not (or no longer) our peer: Xen drops such an event. */
	if (atomic_load_explicit(&tp->bind, memory_order_acquire) !=
	    SIM_BIND(SIM_PORT_INTERDOMAIN, h->self_id, p))
		return 0;
	/*
	 * seq_cst exchange, then the mask: pairs with unmask(), which
	 * clears the mask before it looks at pending, so one of us sends.
	 */
	if (atomic_exchange(&tp->pending, 1) || atomic_load(&tp->masked))
		return 0;
	owner = atomic_load(&tp->owner);
	if (!owner)
		return 0;
	if (owner != c->owner) {
		if (sim_evtchn_addr(h->w, c->rd->domid, SIM_OWNER_PID(owner),
				    SIM_OWNER_HID(owner), &c->sun,
				    &c->len) < 0)
			return 0;
		c->owner = owner;
	}
	sendto(h->fd, &rp, sizeof(rp), MSG_DONTWAIT | MSG_NOSIGNAL,
	       (struct sockaddr *)&c->sun, c->len);
	return 0;
}

static int evtchn_pending(struct xpv_evtchn *h)
{
	struct sim_port *port;
	uint32_t p;
	ssize_t n;

	for (;;) {
		n = recv(h->fd, &p, sizeof(p), MSG_DONTWAIT);
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		if (n != sizeof(p))
			continue;
		port = own_port(h, p);
		if (!port)
			continue; /* stale: the port changed hands */
		/* Masked until unmask(); a new event latches in pending. */
		atomic_store(&port->masked, 1);
		atomic_store(&port->pending, 0);
		return (int)p;
	}
}

static int evtchn_unmask(struct xpv_evtchn *h, xpv_port_t p)
{
	struct sim_port *port = own_port(h, p);

	if (!port)
		return -EINVAL;
	atomic_store(&port->masked, 0);
	if (atomic_load(&port->pending))
		sendto(h->fd, &p, sizeof(p), MSG_DONTWAIT | MSG_NOSIGNAL,
		       (struct sockaddr *)&h->own, h->own_len);
	return 0;
}

int xpv_sim_evtchn_adopt(struct xpv_evtchn *h, xpv_port_t p)
{
	struct sim_port *port;
	uint64_t owner, b;

	if (p == 0 || p >= h->self->ctl->nr_ports)
		return -EINVAL;
	port = &h->self->port[p];
	b = atomic_load(&port->bind);
	if (SIM_BIND_STATE(b) != SIM_PORT_UNBOUND &&
	    SIM_BIND_STATE(b) != SIM_PORT_INTERDOMAIN)
		return -EINVAL;
	owner = atomic_load(&port->owner);
	if (owner == h->owner)
		return 0;
	if (owner && !sim_pid_dead(SIM_OWNER_PID(owner)))
		return -EBUSY;
	if (!atomic_compare_exchange_strong(&port->owner, &owner, h->owner))
		return -EBUSY;
	atomic_fetch_or(&port->flags, SIM_PORT_STATIC);
	atomic_store(&port->masked, 0);
	if (atomic_load(&port->pending))
		sendto(h->fd, &p, sizeof(p), MSG_DONTWAIT | MSG_NOSIGNAL,
		       (struct sockaddr *)&h->own, h->own_len);
	return 0;
}

int xpv_sim_evtchn_bind_virq(struct xpv_evtchn *h, unsigned int virq)
{
	int p;

	if (h->self_id != 0)
		return -EPERM;
	if (virq >= 24)
		return -EINVAL;
	p = sim_port_alloc(h->self);
	if (p < 0)
		return p;
	h->self->port[p].virq = virq;
	port_setup(h, (xpv_port_t)p, SIM_BIND(SIM_PORT_VIRQ, 0, 0));
	return p;
}

static const struct xpv_evtchn_ops sim_evtchn_ops = {
	.size = sizeof(struct xpv_evtchn_ops),
	.name = "sim",
	.open = evtchn_open,
	.close = evtchn_close,
	.fd = evtchn_fd,
	.alloc_unbound = evtchn_alloc_unbound,
	.bind_interdomain = evtchn_bind_interdomain,
	.unbind = evtchn_unbind,
	.notify = evtchn_notify,
	.pending = evtchn_pending,
	.unmask = evtchn_unmask,
};

const struct xpv_platform xpv_platform_sim = {
	.name = "sim",
	.gnt = &sim_gnt_ops,
	.gntshr = &sim_gntshr_ops,
	.evtchn = &sim_evtchn_ops,
};
