/* SPDX-License-Identifier: MIT */
/*
 * worker.c - the data path of one queue (see worker.h).
 *
 * Each ring slot owns a preallocated request context (struct wreq); the
 * ring's own check bounds the requests in flight by the number of slots, so
 * a context is always free when a request is consumed.  Every context has
 * arrays and a buffer for the largest request negotiated (11 segments, or
 * max_indirect_segs): they are carved from anonymous MAP_NORESERVE
 * mappings, which cost nothing until a request of that size touches them,
 * so one large request never holds up the ring.
 *
 * The buffers are what a guest could make dom0 pin: 1 MiB per slot with
 * 256 segments, 512 slots per order-4 ring, per queue.  So the buffer
 * pages of a device's queues are bounded by its buffer budget (struct
 * budget, the `buffer-budget` setting): a request that would take the
 * device above it stays in the ring (the ring is the queue) until a
 * completion frees pages, and a slot's pages go back to the kernel when
 * it is answered unless they fit in the device's small idle reserve.
 *
 * How data pages are reached, in order of preference:
 *   PGRANT  persistent grants, mapped once and cached (pgrant.h); I/O goes
 *           straight into the mappings (zero copy);
 *   COPY    grant copy between the guest's pages and the context's
 *           page-aligned buffer, packed, so the I/O is one aligned iovec;
 *           the copies of the requests one pass finds (writes taken off
 *           the ring, reads completed) go in one call (struct copy_batch);
 *   MAP     only when grant copy is not available: one batched map per
 *           request (writable only for reads), unmapped before answering.
 * When a zero-copy iovec would break O_DIRECT's alignment rules (a
 * 512-byte segment on a disk that needs more), the request is bounced
 * through the context's buffer with memcpy.
 *
 * The descriptor pages of an indirect request are reached the same way
 * and always copied into the context (segs) before they are validated:
 * through the persistent grant cache when there is one (Linux blkfront
 * reuses its persistent grants for them, so after warm-up this costs no
 * hypervisor call), else by grant copy (also when the cache cannot take
 * them; the requests of one pass share one call), else by a read-only
 * map per request.
 *
 * A request goes through at most two I/O stages: its data (read, write or
 * discard), then a flush for FLUSH_DISKCACHE and WRITE_BARRIER.  A barrier
 * first drains the queue (every earlier request completes), so: drain,
 * write, flush.  Later requests are not held back by a barrier.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pgrant.h"
#include "worker.h"

#define NIL UINT32_MAX
#define COPY_BATCH_SEGS 64	/* at least, in a copy batch (alloc_slots()) */

/*
 * The buffer budget of one device (domid, devid), shared by the workers of
 * its queues, which are threads: found or made when a worker starts, freed
 * with the last one (budget_get(), budget_put()).  Counted in pages of
 * slot buffers (struct segctx.buf):
 *   resident  pages the device's slots may have touched, in flight or
 *             idle: at most limit, except that a worker with nothing in
 *             flight always takes one request, so that every ring makes
 *             progress without another thread having to wake it (hence
 *             at most one request per queue above limit);
 *   idle      of those, the pages of free slots, kept for reuse while they
 *             fit in keep (a quarter of limit): a guest at a steady depth
 *             reuses the same slots without faulting their pages in again,
 *             and the rest goes back to the kernel when it is answered.
 * Both are relaxed atomics: they count, they publish no data.
 */
struct budget {
	struct budget *next;	/* budgets, under budgets_lock */
	xpv_domid_t domid;
	uint32_t devid;
	unsigned int refs;	/* workers; under budgets_lock */
	uint64_t limit, keep;	/* fixed by the first worker */
	uint64_t resident;	/* atomic */
	uint64_t idle;		/* atomic */
};

static pthread_mutex_t budgets_lock = PTHREAD_MUTEX_INITIALIZER;
static struct budget *budgets;

/* Per-request scratch: arrays for cap segments and a cap-page buffer. */
struct segctx {
	uint32_t cap;
	struct blkif_request_segment *segs;
	struct iovec *iov;
	xpv_gref_t *refs;
	void **addrs;
	uint32_t *slots;
	unsigned char *buf;
};

enum data_path { PATH_NONE, PATH_PGRANT, PATH_COPY, PATH_MAP };
enum stage { STAGE_DATA, STAGE_FLUSH };

struct wreq {
	struct xpvd_blkreq br;
	struct segctx ctx;	/* this slot's scratch, max_segs segments */
	struct segctx *sc;	/* &ctx while the request holds its data */
	uint32_t buf_pages;	/* of ctx.buf, counted in the budget */
	uint32_t reg_pages;	/* of those, registered with the queue
				 * (w->fixed): pinned, no page pinning
				 * per transfer */
	uint32_t buf_grown;	/* of those, taken for this request and not
				 * yet known to be needed (buf_trim()) */
	uint64_t bytes;
	uint32_t copy_at;	/* its first segment in the copy batch */
	enum data_path path;
	enum stage stage;
	bool bounce;
	void *map_addr;
	struct iovec io_iov;
	uint64_t t_ns;		/* taken off the ring (batch clock) */
	uint8_t lat_kind;	/* enum xpvd_lat_kind */
	uint32_t next_free;
};

struct xpvd_worker {
	struct xpvd_worker_params p;
	const struct xpv_platform *plat;
	const struct xpv_disk_info *di;
	struct xpv_gnt *gnt;
	struct xpv_evtchn *evt;
	int port;
	void *ring_addr;
	struct xpv_ring_back ring;
	struct xpv_ioq *ioq;
	struct xpvd_pgrant *pg;
	bool copy_ok;
	bool fixed;		/* the queue has a buffer entry per slot */

	struct wreq *reqs;
	uint32_t nr_ents;
	uint32_t free_warm;	/* free slots holding buffer pages */
	uint32_t free_cold;	/* the other free slots */
	uint32_t nr_inflight;	/* consumed and not answered */
	uint32_t cap;		/* segments per context */
	struct budget *bud;	/* the device's buffer budget */
	uint64_t buf_pages;	/* sum of the slots' buf_pages */
	uint64_t buf_idle;	/* of those, in free slots */
	uint64_t now_ns;	/* batch clock: see batch_clock() */
	struct area {
		void *addr;
		size_t len;
	} areas[6];		/* the contexts' arrays and buffers */
	struct xpv_io_done *done;
	/*
	 * The grant copies of several requests, made in one call: one system
	 * call (and, in Linux gntdev, one hypercall per 16 segments) for all
	 * the requests a pass finds instead of one of each per request.
	 *   cb  request data: filled by consume() (writes) and reap()
	 *       (completed reads);
	 *   ib  indirect descriptor pages (without persistent grants, or
	 *       when their cache cannot serve them): filled by consume().
	 * Each is emptied (copy_flush()) before the pass that filled it
	 * returns, ib before cb (its writes go on to cb); so between passes
	 * both are empty, and a request is in one at most once.
	 */
	struct copy_batch {
		struct xpv_gnt_copy_seg *segs;	/* cap entries */
		uint32_t *reqs;			/* slots, in the order added */
		uint32_t cap;	/* segments: at least a request's most */
		uint32_t nr_segs, nr_reqs;
	} cb, ib;

	int stop_fd;
	pthread_t thr;
	bool thr_started;
	bool stopping;		/* atomic */
	bool finished;		/* atomic: the thread has returned */
	bool broken;
	uint32_t final_rsp_prod; /* valid once finished */
	struct xpvd_ratelimit rl;
	struct xpvd_qstats st;
	char name[64];
};

/* ---- setup helpers ---- */

/*
 * One anonymous mapping holding n pieces of each bytes (rounded up to 64),
 * untouched until used.  Returns the base or NULL.
 */
static void *area_map(struct area *a, size_t n, size_t each)
{
	size_t len = n * ((each + 63) & ~(size_t)63);

	len = (len + XPV_PAGE_SIZE - 1) & ~(size_t)(XPV_PAGE_SIZE - 1);
	a->addr = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (a->addr == MAP_FAILED) {
		a->addr = NULL;
		return NULL;
	}
	a->len = len;
	return a->addr;
}

/* The i-th piece of each bytes of area a (see area_map()). */
static void *area_at(const struct area *a, size_t i, size_t each)
{
	return (unsigned char *)a->addr + i * ((each + 63) & ~(size_t)63);
}

/* ---- the buffer budget (see struct budget) ---- */

/*
 * The budget of p's device, made by its first worker (which sets its
 * limits from p->cfg); NULL when out of memory.  Workers only: not on the
 * data path.
 */
static struct budget *budget_get(const struct xpvd_worker_params *p)
{
	struct budget *b;

	pthread_mutex_lock(&budgets_lock);
	for (b = budgets; b; b = b->next)
		if (b->domid == p->domid && b->devid == p->devid)
			break;
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (b) {
			b->domid = p->domid;
			b->devid = p->devid;
			b->limit = (uint64_t)p->cfg->buffer_budget *
				   ((1u << 20) / XPV_PAGE_SIZE);
			b->keep = b->limit / 4;
			b->next = budgets;
			budgets = b;
		}
	}
	if (b)
		b->refs++;
	pthread_mutex_unlock(&budgets_lock);
	return b;
}

/* Drops a worker's reference (its pages already given back).  NULL-safe. */
static void budget_put(struct budget *b)
{
	struct budget **pp;

	if (!b)
		return;
	pthread_mutex_lock(&budgets_lock);
	if (--b->refs == 0) {
		for (pp = &budgets; *pp != b; pp = &(*pp)->next)
			;
		*pp = b->next;
		free(b);
	}
	pthread_mutex_unlock(&budgets_lock);
}

/*
 * Adds n to *counter unless that takes it above max (force: even then).
 * Returns whether it added.
 */
static bool budget_take(uint64_t *counter, uint64_t n, uint64_t max,
			bool force)
{
	uint64_t cur = __atomic_load_n(counter, __ATOMIC_RELAXED);

	do {
		if (!force && cur + n > max)
			return false;
	} while (!__atomic_compare_exchange_n(counter, &cur, cur + n, true,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

static void budget_give(uint64_t *counter, uint64_t n)
{
	__atomic_sub_fetch(counter, n, __ATOMIC_RELAXED);
}

/* Pages of a packed buffer holding bytes. */
static uint32_t buf_pages_of(uint64_t bytes)
{
	return (uint32_t)((bytes + XPV_PAGE_SIZE - 1) / XPV_PAGE_SIZE);
}

/* Gives the pages of free slot r back to the kernel and the budget. */
static void buf_drop(struct xpvd_worker *w, struct wreq *r)
{
	/* The kernel would go on using the old pages (storage.h). */
	if (r->reg_pages) {
		(void)xpv_ioq_buf_set(w->ioq, (unsigned int)(r - w->reqs),
				      NULL, 0);
		r->reg_pages = 0;
	}
	/* Cannot fail: a page-aligned range of a private anonymous map. */
	(void)madvise(r->ctx.buf, (size_t)r->buf_pages * XPV_PAGE_SIZE,
		      MADV_DONTNEED);
	budget_give(&w->bud->resident, r->buf_pages);
	w->buf_pages -= r->buf_pages;
	r->buf_pages = 0;
	xpvd_stat_set(w->st.buffer_pages, w->buf_pages);
}

/*
 * Drops the idle pages of every free slot of this worker; the warm slots
 * go in front of the cold ones, in their order, so free_peek() still
 * gives the same slot.
 */
static void buf_drop_idle(struct xpvd_worker *w)
{
	uint32_t i, last = NIL;

	for (i = w->free_warm; i != NIL; i = w->reqs[i].next_free) {
		buf_drop(w, &w->reqs[i]);
		last = i;
	}
	if (last != NIL) {
		w->reqs[last].next_free = w->free_cold;
		w->free_cold = w->free_warm;
		w->free_warm = NIL;
	}
	budget_give(&w->bud->idle, w->buf_idle);
	w->buf_idle = 0;
}

/*
 * Lets in the request about to be consumed into free slot r, which may
 * use up to need pages of its buffer: true when the device's budget has
 * room for the pages r does not hold yet (after dropping this worker's
 * idle pages if that is what it takes), or when nothing is in flight
 * here; false, nothing taken, when the request must wait in the ring.
 * Another worker's idle pages are not touched (they are its own), but
 * they are at most keep.
 */
static bool buf_admit(struct xpvd_worker *w, struct wreq *r, uint32_t need)
{
	struct budget *b = w->bud;
	bool force = w->nr_inflight == 0;
	uint32_t grow = need > r->buf_pages ? need - r->buf_pages : 0;

	if (grow && !budget_take(&b->resident, grow, b->limit, force)) {
		if (!w->buf_idle)
			return false;
		buf_drop_idle(w);	/* r's pages too: r is free */
		grow = need;
		if (!budget_take(&b->resident, grow, b->limit, force))
			return false;
	}
	if (r->buf_pages) {
		/* From the idle reserve into flight. */
		budget_give(&b->idle, r->buf_pages);
		w->buf_idle -= r->buf_pages;
	}
	r->buf_pages += grow;
	r->buf_grown = grow;
	w->buf_pages += grow;
	xpvd_stat_set(w->st.buffer_pages, w->buf_pages);
	return true;
}

/*
 * Once a request's data path is known, keeps of the pages buf_admit()
 * added for it only those its buffer will touch (used; 0 when the data
 * does not go through the buffer): the others were never touched.
 */
static void buf_trim(struct xpvd_worker *w, struct wreq *r, uint32_t used)
{
	uint32_t held = r->buf_pages - r->buf_grown;
	uint32_t keep = used > held ? used : held;

	if (r->buf_pages > keep) {
		budget_give(&w->bud->resident, r->buf_pages - keep);
		w->buf_pages -= r->buf_pages - keep;
		r->buf_pages = keep;
		xpvd_stat_set(w->st.buffer_pages, w->buf_pages);
	}
	r->buf_grown = 0;
}

/*
 * Answered: the slot's pages stay for reuse while the device's idle pages
 * fit in keep, else go back to the kernel at once.
 */
static void buf_release(struct xpvd_worker *w, struct wreq *r)
{
	buf_trim(w, r, 0);
	if (!r->buf_pages)
		return;
	if (budget_take(&w->bud->idle, r->buf_pages, w->bud->keep, false))
		w->buf_idle += r->buf_pages;
	else
		buf_drop(w, r);
}

/*
 * Free slots are on two lists, last freed first (the slots in use stay
 * few and hot): warm, those holding buffer pages, and cold.  The next
 * request takes a warm slot if there is one, so it reuses pages rather
 * than faulting new ones in (the slots answered last in a batch are the
 * ones whose pages were dropped).
 */
static void free_push(struct xpvd_worker *w, uint32_t idx)
{
	uint32_t *head = w->reqs[idx].buf_pages ? &w->free_warm :
						  &w->free_cold;

	w->reqs[idx].next_free = *head;
	*head = idx;
}

/* The slot the next request takes, or NIL. */
static uint32_t free_peek(const struct xpvd_worker *w)
{
	return w->free_warm != NIL ? w->free_warm : w->free_cold;
}

/* Takes the slot free_peek() gave. */
static void free_pop(struct xpvd_worker *w)
{
	if (w->free_warm != NIL)
		w->free_warm = w->reqs[w->free_warm].next_free;
	else
		w->free_cold = w->reqs[w->free_cold].next_free;
}

/* ---- answering ---- */

/*
 * Reads the clock once for a batch: when requests are taken off the ring,
 * and when a batch of I/O completions is reaped.  Every request of the
 * batch is stamped, or answered, at that time.  A latency is therefore
 * from the start of the batch that consumed the request to the start of
 * the batch that answered it: it includes the time spent on the requests
 * consumed before it in its batch, and leaves out what is done after its
 * completion is reaped (copying read data to the guest, at most a batch
 * of copies).  One read per batch instead of two per request: on a PV
 * dom0 the vDSO may not serve the Xen clocksource, and every read is then
 * a system call.
 */
static void batch_clock(struct xpvd_worker *w)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	w->now_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void release_data(struct xpvd_worker *w, struct wreq *r)
{
	if (r->path == PATH_PGRANT)
		xpvd_pgrant_put(w->pg, r->sc->slots, r->br.nr_segs);
	if (r->path == PATH_MAP && r->map_addr) {
		w->plat->gnt->unmap(w->gnt, r->map_addr, r->br.nr_segs);
		r->map_addr = NULL;
	}
	r->path = PATH_NONE;
	r->sc = NULL;
}

/* Releases what the request holds, then produces its response. */
static void respond(struct xpvd_worker *w, struct wreq *r, int err)
{
	int16_t status = xpvd_blkreq_status(err);
	uint32_t idx = (uint32_t)(r - w->reqs);

	release_data(w, r);
	/*
	 * Sectors count what the disk moved: r->bytes is set only once the
	 * segments are validated, and is 0 for requests without data.
	 */
	if (status == BLKIF_RSP_OKAY && r->bytes) {
		if (r->br.writes_data)
			xpvd_stat_add(w->st.sectors_written,
				      r->bytes >> XPV_SECTOR_SHIFT);
		else
			xpvd_stat_add(w->st.sectors_read,
				      r->bytes >> XPV_SECTOR_SHIFT);
	}
	/* Both stamps are reads of one monotonic clock, the answer's later. */
	xpvd_stats_count_lat(&w->st, r->lat_kind,
			     (w->now_ns - r->t_ns) / 1000);
	if (status == BLKIF_RSP_ERROR)
		xpvd_stat_add(w->st.errors, 1);
	else if (status == BLKIF_RSP_EOPNOTSUPP)
		xpvd_stat_add(w->st.unsupported, 1);
	xpvd_stat_add(w->st.requests, 1);
	xpvd_stat_sub(w->st.inflight, 1);
	/* Cannot fail: each consumed request is answered once. */
	xpv_blkif_back_put_response(&w->ring, w->p.abi, r->br.id,
				    r->br.rsp_op, status);
	buf_release(w, r);
	free_push(w, idx);
	w->nr_inflight--;
}

/* Answers a refused request with one rate-limited line; returns 0. */
static int refuse(struct xpvd_worker *w, struct wreq *r, int err,
		  const char *why)
{
	xpvd_log_guest(&w->rl, XPVD_C_REQ, "%s: request id %llu: %s",
		       w->name, (unsigned long long)r->br.id, why);
	respond(w, r, err);
	return 0;
}

/* ---- data movement ---- */

/*
 * Grant copies, batched (struct copy_batch).  copy_add() and
 * indirect_add() put a request's copies in a batch (copying the batch
 * first when they do not fit); copy_flush() makes the one call and then
 * carries each request on in the order added: after its descriptors, a
 * request is checked and started (begin_segs()); after its data, a read
 * is answered and a write goes on to its I/O (copied_in()).  Each request
 * is judged by its own segments' status alone: a bad grant in one request
 * fails that request, not the others of its batch.
 */
static void begin_segs(struct xpvd_worker *w, struct wreq *r);
static void copied_in(struct xpvd_worker *w, struct wreq *r);
static void count_request(struct xpvd_worker *w, struct wreq *r);

/*
 * Carries r on once its descriptor pages were fetched: err (-errno), or
 * bad, the first page whose grant copy failed (nr_indirect_pages: none).
 */
static void indirect_copied(struct xpvd_worker *w, struct wreq *r, int err,
			    unsigned int bad)
{
	unsigned int np = r->br.nr_indirect_pages;

	if (!err && bad < np) {
		/* Which page, which grant, Xen's GNTST_ code: what tells a
		 * frontend's bug from a hypervisor's. */
		xpvd_log_guest(&w->rl, XPVD_C_GNT, "%s: indirect page %u of "
			       "%u, grant %u: status %d", w->name, bad, np,
			       r->br.indirect_grefs[bad],
			       (int)w->ib.segs[r->copy_at + bad].status);
		err = -EFAULT;
	}
	if (err) {
		count_request(w, r);
		refuse(w, r, err, "cannot copy indirect pages");
		return;
	}
	begin_segs(w, r);
}

static void copy_flush(struct xpvd_worker *w, struct copy_batch *b)
{
	uint32_t i, k, n, nr_reqs = b->nr_reqs;
	bool ind = b == &w->ib;
	int err;

	if (!nr_reqs)
		return;
	if (ind)
		xpvd_stat_add(w->st.indirect_copy_calls, 1);
	else
		xpvd_stat_add(w->st.copy_calls, 1);
	err = w->plat->gnt->copy(w->gnt, b->nr_segs, b->segs);
	if (err < 0)
		xpvd_log_guest(&w->rl, XPVD_C_GNT, "%s: grant copy of %u "
			       "segment(s): %s", w->name, b->nr_segs,
			       strerror(-err));
	/*
	 * Emptied first: the requests carried on below add to the other
	 * batch only (ib's writes to cb), never to this one.
	 */
	b->nr_segs = b->nr_reqs = 0;
	for (i = 0; i < nr_reqs; i++) {
		struct wreq *r = &w->reqs[b->reqs[i]];
		int st = 0;

		n = ind ? r->br.nr_indirect_pages : r->br.nr_segs;
		for (k = 0; !err && k < n; k++) {
			st = b->segs[r->copy_at + k].status;
			if (st)
				break;
		}
		if (ind) {
			indirect_copied(w, r, err, k);
			continue;
		}
		if (err || st) {
			refuse(w, r, err ? err : st < 0 ? st : -EIO,
			       r->br.writes_data ? "cannot copy data grants"
						 : "cannot copy data to the guest");
			continue;
		}
		if (r->br.writes_data)
			copied_in(w, r);
		else
			respond(w, r, 0);
	}
}

/* Room for n more copies in b (emptying it first if need be). */
static struct xpv_gnt_copy_seg *batch_room(struct xpvd_worker *w,
					   struct copy_batch *b,
					   struct wreq *r, unsigned int n)
{
	struct xpv_gnt_copy_seg *c;

	if (b->nr_segs + n > b->cap)
		copy_flush(w, b);
	r->copy_at = b->nr_segs;
	c = &b->segs[b->nr_segs];
	memset(c, 0, n * sizeof(*c));
	b->nr_segs += n;
	b->reqs[b->nr_reqs++] = (uint32_t)(r - w->reqs);
	return c;
}

/* The data of r, between the guest's segments and its packed buffer. */
static void copy_add(struct xpvd_worker *w, struct wreq *r)
{
	struct segctx *sc = r->sc;
	bool to_guest = !r->br.writes_data;
	unsigned int i, n = r->br.nr_segs;
	struct xpv_gnt_copy_seg *c = batch_room(w, &w->cb, r, n);
	size_t off = 0;

	for (i = 0; i < n; i++, c++) {
		uint16_t first = sc->segs[i].first_sect;
		uint16_t len = (uint16_t)((sc->segs[i].last_sect - first + 1)
					  << XPV_SECTOR_SHIFT);

		c->len = len;
		if (to_guest) {
			c->flags = XPV_COPY_DEST_GREF;
			c->source.virt = sc->buf + off;
			c->dest.foreign.ref = sc->segs[i].gref;
			c->dest.foreign.offset = first << XPV_SECTOR_SHIFT;
			c->dest.foreign.domid = w->p.domid;
		} else {
			c->flags = XPV_COPY_SOURCE_GREF;
			c->dest.virt = sc->buf + off;
			c->source.foreign.ref = sc->segs[i].gref;
			c->source.foreign.offset = first << XPV_SECTOR_SHIFT;
			c->source.foreign.domid = w->p.domid;
		}
		off += len;
	}
}

/* The descriptor pages of r, into sc->segs (private memory). */
static void indirect_add(struct xpvd_worker *w, struct wreq *r)
{
	struct segctx *sc = r->sc;
	size_t total = (size_t)r->br.nr_segs * sizeof(*sc->segs);
	unsigned int i, np = r->br.nr_indirect_pages;
	struct xpv_gnt_copy_seg *c = batch_room(w, &w->ib, r, np);

	for (i = 0; i < np; i++, c++) {
		size_t left = total - (size_t)i * XPV_PAGE_SIZE;

		c->flags = XPV_COPY_SOURCE_GREF;
		c->source.foreign.ref = r->br.indirect_grefs[i];
		c->source.foreign.domid = w->p.domid;
		c->dest.virt = (unsigned char *)sc->segs +
			       (size_t)i * XPV_PAGE_SIZE;
		c->len = (uint16_t)(left < XPV_PAGE_SIZE ? left
							: XPV_PAGE_SIZE);
	}
}

/* memcpy between the mapped segments (iov[]) and the packed buffer. */
static void bounce_segments(struct wreq *r, bool to_guest)
{
	struct segctx *sc = r->sc;
	unsigned int i;
	size_t off = 0;

	for (i = 0; i < r->br.nr_segs; i++) {
		if (to_guest)
			memcpy(sc->iov[i].iov_base, sc->buf + off,
			       sc->iov[i].iov_len);
		else
			memcpy(sc->buf + off, sc->iov[i].iov_base,
			       sc->iov[i].iov_len);
		off += sc->iov[i].iov_len;
	}
}

/*
 * Copies the descriptor pages of an indirect request through the
 * persistent grant cache into sc->segs.  0; or -errno when the cache
 * cannot give them all (full, a bad grant): the caller then copies them
 * another way, which checks each grant itself.
 */
static int fetch_indirect_cached(struct xpvd_worker *w, struct wreq *r,
				 size_t total)
{
	struct segctx *sc = r->sc;
	unsigned int i, np = r->br.nr_indirect_pages;
	struct xpvd_pgrant_tally t;
	int err;

	/* Read-only access: a frontend may grant its descriptors so. */
	err = xpvd_pgrant_get(w->pg, r->br.indirect_grefs, np, false,
			      sc->addrs, sc->slots, &t);
	xpvd_stat_add(w->st.indirect_pages_mapped_hits, t.hits);
	xpvd_stat_add(w->st.indirect_map_calls, t.map_calls);
	xpvd_stat_set(w->st.pgrant_mapped, xpvd_pgrant_mapped(w->pg));
	if (err < 0) {
		xpvd_dbg(XPVD_C_GNT, "%s: indirect pages: persistent grants: "
			 "%s", w->name, strerror(-err));
		return err;
	}
	/*
	 * The guest may be changing the page as we read it: each byte is
	 * read once, into private memory, and only that copy is validated
	 * (xpvd_blkreq_check_segs()), as after a grant copy.  The pages are
	 * unpinned at once: nothing else of this request needs them.
	 */
	for (i = 0; i < np; i++) {
		size_t left = total - (size_t)i * XPV_PAGE_SIZE;

		memcpy((unsigned char *)sc->segs + (size_t)i * XPV_PAGE_SIZE,
		       sc->addrs[i],
		       left < XPV_PAGE_SIZE ? left : XPV_PAGE_SIZE);
	}
	xpvd_pgrant_put(w->pg, sc->slots, np);
	return 0;
}

/*
 * Copies the indirect descriptor pages into sc->segs (private memory)
 * without grant copy: a read-only map of the request's pages, a memcpy,
 * an unmap.  (With grant copy they go through ib, batched.)
 */
static int fetch_indirect_mapped(struct xpvd_worker *w, struct wreq *r)
{
	struct segctx *sc = r->sc;
	size_t total = (size_t)r->br.nr_segs * sizeof(*sc->segs);
	unsigned int i, np = r->br.nr_indirect_pages;
	void *addr;
	int err;

	for (i = 0; i < np; i++)
		sc->refs[i] = r->br.indirect_grefs[i];
	xpvd_stat_add(w->st.indirect_map_calls, 1);
	err = w->plat->gnt->map(w->gnt, w->p.domid, np, sc->refs, 0, &addr);
	if (err < 0)
		return err;
	memcpy(sc->segs, addr, total);
	w->plat->gnt->unmap(w->gnt, addr, np);
	return 0;
}

/* Picks a data path and builds the I/O vector of a request. */
static int setup_data(struct xpvd_worker *w, struct wreq *r)
{
	struct segctx *sc = r->sc;
	unsigned int i, n = r->br.nr_segs;
	struct xpvd_pgrant_tally t;
	int err = 0;

	for (i = 0; i < n; i++)
		sc->refs[i] = sc->segs[i].gref;
	r->bounce = false;
	r->path = PATH_NONE;
	if (w->pg) {
		err = xpvd_pgrant_get(w->pg, sc->refs, n, true, sc->addrs,
				      sc->slots, &t);
		xpvd_stat_add(w->st.pgrant_hits, t.hits);
		xpvd_stat_add(w->st.pgrant_misses, t.misses);
		xpvd_stat_set(w->st.pgrant_mapped, xpvd_pgrant_mapped(w->pg));
		if (err == 0)
			r->path = PATH_PGRANT;
		else
			xpvd_dbg(XPVD_C_GNT, "%s: persistent grants: %s",
				 w->name, strerror(-err));
		/*
		 * Whatever the cache's error (full, a read-only grant the
		 * cache maps read-write: -EPERM here, -EINVAL from Linux
		 * gntdev, or a bad ref), serve the request another way: the
		 * copy (or the per-request map) checks each segment itself
		 * and only its per-segment status refuses the request.
		 */
	}
	if (r->path == PATH_NONE && w->copy_ok) {
		r->path = PATH_COPY;
		xpvd_stat_add(w->st.copies, 1);
		r->io_iov.iov_base = sc->buf;
		r->io_iov.iov_len = r->bytes;
		return 0;
	}
	if (r->path == PATH_NONE) {
		void *addr;

		err = w->plat->gnt->map(w->gnt, w->p.domid, n, sc->refs,
					!r->br.writes_data, &addr);
		if (err < 0)
			return err;
		r->map_addr = addr;
		r->path = PATH_MAP;
		xpvd_stat_add(w->st.maps, 1);
		for (i = 0; i < n; i++)
			sc->addrs[i] = (unsigned char *)addr +
				       (size_t)i * XPV_PAGE_SIZE;
	}
	for (i = 0; i < n; i++) {
		size_t first = (size_t)sc->segs[i].first_sect
			       << XPV_SECTOR_SHIFT;
		size_t len = (size_t)(sc->segs[i].last_sect -
				      sc->segs[i].first_sect + 1)
			     << XPV_SECTOR_SHIFT;

		sc->iov[i].iov_base = (unsigned char *)sc->addrs[i] + first;
		sc->iov[i].iov_len = len;
		if ((uintptr_t)sc->iov[i].iov_base % w->di->dio_mem_align ||
		    len % w->di->dio_len_align)
			r->bounce = true;
	}
	if (r->bounce) {
		xpvd_stat_add(w->st.bounces, 1);
		r->io_iov.iov_base = sc->buf;
		r->io_iov.iov_len = r->bytes;
	}
	return 0;
}

static int issue_data(struct xpvd_worker *w, struct wreq *r)
{
	uint64_t off = r->br.sector << XPV_SECTOR_SHIFT;
	uint64_t cookie = (uint64_t)(r - w->reqs);
	const struct iovec *iov = &r->io_iov;
	unsigned int niov = 1;
	int err;

	r->stage = STAGE_DATA;
	if (r->path != PATH_COPY && !r->bounce) {
		iov = r->sc->iov;
		niov = r->br.nr_segs;
	} else if (w->fixed) {
		/*
		 * The slot's buffer: registered once for the pages it holds
		 * (again when it grew), so the kernel does not pin them for
		 * every transfer.  If that fails (RLIMIT_MEMLOCK without
		 * CAP_IPC_LOCK), the entry is left empty, which makes this
		 * transfer a plain one, and so are the later ones: asking
		 * again for every request would cost a system call each.
		 */
		if (r->reg_pages < buf_pages_of(r->bytes)) {
			err = xpv_ioq_buf_set(w->ioq, (unsigned int)cookie,
					      r->ctx.buf,
					      (size_t)r->buf_pages *
						      XPV_PAGE_SIZE);
			xpvd_stat_add(w->st.buf_registers, 1);
			r->reg_pages = err ? 0 : r->buf_pages;
			if (err) {
				w->fixed = false;
				xpvd_dbg(XPVD_C_IO, "%s: registered buffers "
					 "off: %s", w->name, strerror(-err));
			}
		}
		if (r->br.writes_data)
			return xpv_ioq_write_buf(w->ioq, off, iov,
						 (unsigned int)cookie, cookie);
		return xpv_ioq_read_buf(w->ioq, off, iov, (unsigned int)cookie,
					cookie);
	}
	if (r->br.writes_data)
		return xpv_ioq_write(w->ioq, off, iov, niov, cookie);
	return xpv_ioq_read(w->ioq, off, iov, niov, cookie);
}

static int issue_flush(struct xpvd_worker *w, struct wreq *r)
{
	r->stage = STAGE_FLUSH;
	return xpv_ioq_flush(w->ioq, (uint64_t)(r - w->reqs));
}

/* A barrier's first stage: every earlier request completes. */
static int barrier_drain(struct xpvd_worker *w, struct wreq *r)
{
	int err = xpv_ioq_drain(w->ioq);

	if (err) {
		refuse(w, r, err, "barrier: cannot drain the queue");
		return err;
	}
	return 0;
}

/*
 * Counts a parsed request by kind (and so picks its latency histogram).
 * Its sectors are counted by respond(), once they have moved.
 */
static void count_request(struct xpvd_worker *w, struct wreq *r)
{
	switch (r->br.kind) {
	case XPVD_BLK_READ:
		r->lat_kind = XPVD_LAT_READ;
		xpvd_stat_add(w->st.reads, 1);
		break;
	case XPVD_BLK_WRITE:
		r->lat_kind = XPVD_LAT_WRITE;
		xpvd_stat_add(w->st.writes, 1);
		break;
	case XPVD_BLK_FLUSH:
		xpvd_stat_add(w->st.flushes, 1);
		break;
	case XPVD_BLK_BARRIER:
		xpvd_stat_add(w->st.barriers, 1);
		break;
	case XPVD_BLK_DISCARD:
		xpvd_stat_add(w->st.discards, 1);
		break;
	}
	if (r->br.nr_segs)
		xpvd_stats_count_segs(&w->st, r->br.nr_segs);
}

/*
 * Starts a parsed request: answers it at once when it is refused, or
 * queues its first I/O (or its copies, in a batch).  Either way the
 * request is taken care of.
 */
static void begin(struct xpvd_worker *w, struct wreq *r)
{
	int err;

	/*
	 * A barrier drains what was issued before it, so the writes the
	 * copy batches hold are issued first; flushes keep the ring's order
	 * the same way (they are rare: the batch is lost for them only).
	 */
	if (r->br.kind == XPVD_BLK_BARRIER || r->br.kind == XPVD_BLK_FLUSH) {
		copy_flush(w, &w->ib);
		copy_flush(w, &w->cb);
	}
	if (r->br.kind == XPVD_BLK_DISCARD) {
		uint64_t len = r->br.nr_sectors << XPV_SECTOR_SHIFT;

		count_request(w, r);
		err = xpv_disk_check(w->p.disk, XPV_IO_DISCARD, r->br.sector,
				     len);
		if (err) {
			refuse(w, r, err, xpvd_blkreq_range_why(err));
			return;
		}
		if (len == 0) {
			respond(w, r, 0);
			return;
		}
		r->stage = STAGE_DATA;
		err = xpv_ioq_discard(w->ioq, r->br.sector << XPV_SECTOR_SHIFT,
				      len, r->br.secure,
				      (uint64_t)(r - w->reqs));
		if (err)
			refuse(w, r, err, "discard refused by the disk");
		return;
	}
	if (r->br.nr_segs == 0) {
		/* FLUSH_DISKCACHE or WRITE_BARRIER without data. */
		count_request(w, r);
		if (r->br.kind == XPVD_BLK_BARRIER && barrier_drain(w, r))
			return;
		err = issue_flush(w, r);
		if (err)
			refuse(w, r, err, "flush refused");
		return;
	}
	r->sc = &r->ctx;
	if (r->br.indirect) {
		size_t total = (size_t)r->br.nr_segs * sizeof(*r->sc->segs);

		xpvd_stat_add(w->st.indirect, 1);
		/*
		 * Through the persistent grant cache (no call once the
		 * frontend's pages are mapped); else, or when it cannot serve
		 * them, by grant copy, batched; by a map without grant copy.
		 */
		if (!w->pg || fetch_indirect_cached(w, r, total)) {
			if (w->copy_ok) {
				indirect_add(w, r); /* begin_segs() later */
				return;
			}
			indirect_copied(w, r, fetch_indirect_mapped(w, r),
					r->br.nr_indirect_pages);
			return;
		}
	}
	begin_segs(w, r);
}

/* The rest of begin() for a request with segments, in r->sc->segs. */
static void begin_segs(struct xpvd_worker *w, struct wreq *r)
{
	const char *why;
	int err;

	count_request(w, r);
	err = xpvd_blkreq_check_segs(r->sc->segs, r->br.nr_segs, &r->bytes,
				     &why);
	if (err) {
		refuse(w, r, err, why);
		return;
	}
	err = xpv_disk_check(w->p.disk,
			     r->br.writes_data ? XPV_IO_WRITE : XPV_IO_READ,
			     r->br.sector, r->bytes);
	if (err) {
		refuse(w, r, err, xpvd_blkreq_range_why(err));
		return;
	}
	err = setup_data(w, r);
	if (err) {
		refuse(w, r, err, "cannot map data grants");
		return;
	}
	buf_trim(w, r, r->path == PATH_COPY || r->bounce ?
		 buf_pages_of(r->bytes) : 0);
	if (r->br.writes_data && r->path == PATH_COPY) {
		copy_add(w, r);	/* copied_in() once its data is here */
		return;
	}
	if (r->br.writes_data && r->bounce)
		bounce_segments(r, false);
	copied_in(w, r);
}

/* The rest of begin(), once a request's data is where its I/O reads it. */
static void copied_in(struct xpvd_worker *w, struct wreq *r)
{
	int err;

	if (r->br.kind == XPVD_BLK_BARRIER && barrier_drain(w, r))
		return;
	err = issue_data(w, r);
	if (err)
		refuse(w, r, err, "I/O refused");
}

static void complete(struct xpvd_worker *w, const struct xpv_io_done *d)
{
	struct wreq *r;
	int err;

	if (d->cookie >= w->nr_ents)
		return;
	r = &w->reqs[d->cookie];
	if (d->res < 0) {
		xpvd_log_guest(&w->rl, XPVD_C_IO, "%s: I/O error: %s",
			       w->name, strerror((int)-d->res));
		respond(w, r, (int)d->res);
		return;
	}
	if (r->stage == STAGE_DATA && r->br.kind == XPVD_BLK_READ) {
		if (r->path == PATH_COPY) {
			copy_add(w, r);	/* answered by copy_flush() */
			return;
		}
		if (r->bounce)
			bounce_segments(r, true);
	}
	if (r->stage == STAGE_DATA && (r->br.kind == XPVD_BLK_FLUSH ||
				       r->br.kind == XPVD_BLK_BARRIER)) {
		/* Unpin the data now: the flush does not need it. */
		release_data(w, r);
		err = issue_flush(w, r);
		if (err)
			respond(w, r, err);
		return;
	}
	respond(w, r, 0);
}

/* ---- the loop ---- */

static void reap(struct xpvd_worker *w)
{
	int n, i;

	do {
		n = xpv_ioq_reap(w->ioq, w->done, w->nr_ents);
		if (n > 0)
			batch_clock(w);
		for (i = 0; i < n; i++)
			complete(w, &w->done[i]);
		copy_flush(w, &w->cb);
	} while (n > 0);
}

static void ring_broken(struct xpvd_worker *w, const char *what)
{
	if (w->broken)
		return;
	w->broken = true;
	xpvd_stat_set(w->st.ring_broken, 1);
	xpvd_warn(XPVD_C_IO, "%s: %s: ring stopped", w->name, what);
}

/*
 * Takes the waiting requests off the ring while there are free slots and
 * buffer budget.  Returns true when it left requests in the ring for want
 * of budget: requests are then in flight here, and their completions run
 * the worker again.  The copy batches may be left holding requests:
 * consume() empties them.
 */
static bool take_requests(struct xpvd_worker *w)
{
	union xpv_blkif_request req;
	const char *why;
	struct wreq *r;
	int n, err;

	n = xpv_ring_back_unconsumed(&w->ring);
	if (n < 0) {
		ring_broken(w, "producer index out of range");
		return false;
	}
	if (n > 0 && free_peek(w) != NIL)
		batch_clock(w);
	while (n-- > 0 && free_peek(w) != NIL) {
		/*
		 * Copied out of its slot before it is consumed: a request
		 * the budget holds back stays in the ring and is copied
		 * again next time; the copy taken is the only one used.
		 */
		err = xpv_blkif_get_request(w->p.abi,
					    xpv_ring_slot(&w->ring.ring,
							  w->ring.req_cons),
					    &req);
		if (err < 0) {
			ring_broken(w, "cannot consume request");
			return false;
		}
		r = &w->reqs[free_peek(w)];
		err = xpvd_blkreq_parse(&req, &w->p.lim, &r->br, &why);
		if (!buf_admit(w, r, err ? 0 : r->br.nr_segs)) {
			xpvd_stat_add(w->st.budget_waits, 1);
			return true;
		}
		if (!xpv_ring_back_next_req(&w->ring)) {
			buf_release(w, r);	/* not reached: n said so */
			ring_broken(w, "cannot consume request");
			return false;
		}
		free_pop(w);
		r->t_ns = w->now_ns;
		r->bytes = 0;	/* no data moved until the segments are checked */
		r->lat_kind = XPVD_LAT_OTHER; /* until count_request() */
		w->nr_inflight++;
		xpvd_stat_add(w->st.inflight, 1);
		if (err) {
			refuse(w, r, err, why);
			continue;
		}
		if (!r->br.indirect && r->br.nr_segs)
			memcpy(r->ctx.segs, req.rw.seg,
			       r->br.nr_segs * sizeof(req.rw.seg[0]));
		begin(w, r);
	}
	return false;
}

static bool consume(struct xpvd_worker *w)
{
	bool waiting = take_requests(w);

	copy_flush(w, &w->ib);
	copy_flush(w, &w->cb);
	return waiting;
}

static void push(struct xpvd_worker *w)
{
	if (xpv_ring_back_push_responses(&w->ring) > 0)
		w->plat->evtchn->notify(w->evt, (xpv_port_t)w->port);
}

static bool stopping(struct xpvd_worker *w)
{
	return __atomic_load_n(&w->stopping, __ATOMIC_ACQUIRE);
}

static void run(struct xpvd_worker *w)
{
	bool waiting;
	int more;

	for (;;) {
		reap(w);
		waiting = false;
		if (!w->broken && !stopping(w))
			waiting = consume(w);
		xpv_ioq_submit(w->ioq);
		push(w);
		if (w->broken || stopping(w))
			return;
		/*
		 * Requests wait in the ring for budget: the completions of
		 * those in flight here run us again, and until then no event
		 * from the frontend is needed (the final check comes once the
		 * ring is emptied).  Checking now would only spin.
		 */
		if (waiting)
			return;
		more = xpv_ring_back_final_check(&w->ring);
		if (more < 0)
			ring_broken(w, "producer index out of range");
		if (more <= 0)
			return;
	}
}

static void *worker_main(void *arg)
{
	struct xpvd_worker *w = arg;
	struct pollfd pfd[3];
	uint64_t v;
	int port;

	pfd[0].fd = w->plat->evtchn->fd(w->evt);
	pfd[1].fd = xpv_ioq_fd(w->ioq);
	pfd[2].fd = w->stop_fd;
	pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
	/*
	 * Requests may be waiting already (restart, or an early kick): serve
	 * them without waiting for an event, which may have been sent while
	 * no backend was bound.  After a restart, also tell the frontend we
	 * are here, so one waiting for responses looks at the ring again.
	 */
	run(w);
	if (w->p.reattach)
		w->plat->evtchn->notify(w->evt, (xpv_port_t)w->port);
	for (;;) {
		if (stopping(w) && !xpv_ioq_busy(w->ioq))
			break;
		if (poll(pfd, 3, stopping(w) ? 100 : -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN)
			while ((port = w->plat->evtchn->pending(w->evt)) >= 0)
				w->plat->evtchn->unmask(w->evt,
							(xpv_port_t)port);
		if (pfd[2].revents & POLLIN)
			if (read(w->stop_fd, &v, sizeof(v)) < 0)
				v = 0;
		run(w);
	}
	reap(w);
	push(w);
	w->final_rsp_prod = w->ring.rsp_prod_pvt;
	__atomic_store_n(&w->finished, true, __ATOMIC_RELEASE);
	if (w->p.done_fd >= 0) {
		v = 1;
		if (write(w->p.done_fd, &v, sizeof(v)) < 0)
			v = 0; /* the counter is saturated: still readable */
	}
	return NULL;
}

/* ---- start and stop ---- */

static void destroy(struct xpvd_worker *w)
{
	const struct xpv_platform *plat = w->plat;
	unsigned int i;

	xpv_ioq_destroy(w->ioq);
	if (w->reqs)
		for (i = 0; i < w->nr_ents; i++)
			release_data(w, &w->reqs[i]);
	if (w->bud) {
		/* The pages go with the mappings, unmapped below. */
		budget_give(&w->bud->resident, w->buf_pages);
		budget_give(&w->bud->idle, w->buf_idle);
		budget_put(w->bud);
	}
	xpvd_pgrant_destroy(w->pg);
	for (i = 0; i < sizeof(w->areas) / sizeof(w->areas[0]); i++)
		if (w->areas[i].addr)
			munmap(w->areas[i].addr, w->areas[i].len);
	free(w->reqs);
	free(w->done);
	free(w->cb.segs);
	free(w->cb.reqs);
	free(w->ib.segs);
	free(w->ib.reqs);
	if (w->port >= 0)
		plat->evtchn->unbind(w->evt, (xpv_port_t)w->port);
	plat->evtchn->close(w->evt);
	if (w->ring_addr)
		plat->gnt->unmap(w->gnt, w->ring_addr, w->p.nr_pages);
	plat->gnt->close(w->gnt);
	if (w->stop_fd >= 0)
		close(w->stop_fd);
	free(w);
}

/*
 * The contexts of every slot: arrays and a buffer for cap segments each,
 * in six MAP_NORESERVE mappings (virtual space only until touched: an
 * order-4 ring with 4096-segment requests reserves 8 GiB of addresses and
 * uses what its largest requests need).
 */
static int alloc_slots(struct xpvd_worker *w)
{
	uint32_t i, cap = w->p.lim.max_indirect_segs;
	size_t n = w->nr_ents, c8;
	struct area *a = w->areas;

	if (cap < XPV_BLKIF_MAX_SEGMENTS)
		cap = XPV_BLKIF_MAX_SEGMENTS;
	w->cap = cap;
	c8 = cap < 8 ? 8 : cap; /* refs also serve 8 indirect pages */
	w->reqs = calloc(n, sizeof(*w->reqs));
	w->done = calloc(n, sizeof(*w->done));
	/*
	 * At least 64 segments (64 requests of 4 KiB: four hypercalls in
	 * Linux gntdev, which makes 16 copies a call), and at least the
	 * largest request, so that any request fits in an empty batch.
	 */
	w->cb.cap = cap < COPY_BATCH_SEGS ? COPY_BATCH_SEGS : cap;
	w->cb.segs = calloc(w->cb.cap, sizeof(*w->cb.segs));
	w->cb.reqs = calloc(w->cb.cap, sizeof(*w->cb.reqs));
	/* Descriptor pages: 64 (at most 8 a request). */
	w->ib.cap = COPY_BATCH_SEGS;
	w->ib.segs = calloc(w->ib.cap, sizeof(*w->ib.segs));
	w->ib.reqs = calloc(w->ib.cap, sizeof(*w->ib.reqs));
	if (!w->reqs || !w->done || !w->cb.segs || !w->cb.reqs ||
	    !w->ib.segs || !w->ib.reqs)
		return -ENOMEM;
	if (!area_map(&a[0], n, cap * sizeof(struct blkif_request_segment)) ||
	    !area_map(&a[1], n, cap * sizeof(struct iovec)) ||
	    !area_map(&a[2], n, c8 * sizeof(xpv_gref_t)) ||
	    !area_map(&a[3], n, cap * sizeof(void *)) ||
	    !area_map(&a[4], n, cap * sizeof(uint32_t)) ||
	    !area_map(&a[5], n, (size_t)cap * XPV_PAGE_SIZE))
		return -ENOMEM;
	w->free_warm = w->free_cold = NIL;
	for (i = w->nr_ents; i-- > 0;) {
		struct segctx *sc = &w->reqs[i].ctx;

		sc->cap = cap;
		sc->segs = area_at(&a[0], i,
				   cap * sizeof(struct blkif_request_segment));
		sc->iov = area_at(&a[1], i, cap * sizeof(struct iovec));
		sc->refs = area_at(&a[2], i, c8 * sizeof(xpv_gref_t));
		sc->addrs = area_at(&a[3], i, cap * sizeof(void *));
		sc->slots = area_at(&a[4], i, cap * sizeof(uint32_t));
		sc->buf = area_at(&a[5], i, (size_t)cap * XPV_PAGE_SIZE);
		free_push(w, i);
	}
	return 0;
}

int xpvd_worker_start(const struct xpvd_worker_params *p,
		      struct xpvd_worker **out)
{
	const struct xpv_platform *plat = p->cfg->plat;
	struct xpv_ioq_params qp = { 0 };
	struct xpvd_worker *w;
	uint32_t maxg;
	int err;

	if (p->nr_pages == 0 || p->nr_pages > XPV_RING_MAX_PAGES)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->p = *p;
	w->plat = plat;
	w->port = -1;
	w->stop_fd = -1;
	w->di = xpv_disk_info(p->disk);
	snprintf(w->name, sizeof(w->name), "vbd %u/%u q%u", p->domid,
		 p->devid, p->qidx);

	err = plat->gnt->open(&w->gnt);
	if (err)
		goto fail;
	maxg = p->nr_pages + p->cfg->max_pgrants + XPV_BLKIF_MAX_SEGMENTS +
	       p->lim.max_indirect_segs + XPV_BLKIF_MAX_INDIRECT_PAGES;
	plat->gnt->set_max_grants(w->gnt, maxg);
	w->copy_ok = plat->gnt->copy != NULL;
	err = plat->gnt->map(w->gnt, p->domid, p->nr_pages, p->ring_refs, 1,
			     &w->ring_addr);
	if (err) {
		w->ring_addr = NULL;
		goto fail;
	}
	if (p->reattach) {
		/* At rsp_prod, after checking req_prod fits the ring. */
		err = xpv_blkif_back_reattach(&w->ring, p->abi, w->ring_addr,
					      p->nr_pages);
		if (err >= 0 && p->check_rsp_prod &&
		    w->ring.rsp_prod_pvt != p->rsp_prod)
			err = -ESTALE; /* served by another since the handoff */
	} else {
		err = xpv_blkif_back_attach(&w->ring, p->abi, w->ring_addr,
					    p->nr_pages, 0);
	}
	if (err < 0)
		goto fail;
	w->nr_ents = w->ring.ring.nr_ents;
	err = plat->evtchn->open(&w->evt);
	if (err)
		goto fail;
	err = plat->evtchn->bind_interdomain(w->evt, p->domid,
					     p->remote_port);
	if (err < 0)
		goto fail;
	w->port = err;
	err = alloc_slots(w);
	if (err)
		goto fail;
	w->bud = budget_get(p);
	if (!w->bud) {
		err = -ENOMEM;
		goto fail;
	}
	if (p->persistent && p->cfg->max_pgrants) {
		err = xpvd_pgrant_create(plat->gnt, w->gnt, p->domid,
					 p->cfg->max_pgrants, &w->pg);
		if (err)
			goto fail;
	}
	qp.depth = w->nr_ents + 1;
	qp.engine = p->cfg->engine;
	err = xpv_ioq_create(p->disk, &qp, &w->ioq);
	if (err)
		goto fail;
	/* A buffer entry per slot, for the copied and bounced requests. */
	w->fixed = p->cfg->reg_bufs && xpv_ioq_bufs(w->ioq, w->nr_ents) == 0;
	w->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->stop_fd < 0) {
		err = -errno;
		goto fail;
	}
	err = -pthread_create(&w->thr, NULL, worker_main, w);
	if (err)
		goto fail;
	w->thr_started = true;
	xpvd_dbg(XPVD_C_IO, "%s: started: %u pages, %u slots, %s, %s%s",
		 w->name, p->nr_pages, w->nr_ents,
		 xpv_blkif_abi_name(p->abi), xpv_ioq_engine_name(w->ioq),
		 w->pg ? ", persistent" : "");
	*out = w;
	return 0;

fail:
	destroy(w);
	return err;
}

void xpvd_worker_request_stop(struct xpvd_worker *w)
{
	uint64_t one = 1;

	if (!w || !w->thr_started || stopping(w))
		return;
	__atomic_store_n(&w->stopping, true, __ATOMIC_RELEASE);
	if (write(w->stop_fd, &one, sizeof(one)) < 0)
		xpvd_dbg(XPVD_C_IO, "%s: stop kick failed", w->name);
}

bool xpvd_worker_finished(const struct xpvd_worker *w)
{
	return !w->thr_started ||
	       __atomic_load_n(&w->finished, __ATOMIC_ACQUIRE);
}

int xpvd_worker_handoff(const struct xpvd_worker *w, uint32_t *rsp_prod)
{
	if (!xpvd_worker_finished(w) || !w->thr_started)
		return -EBUSY;
	/* Every consumed request answered and pushed, the ring sane. */
	if (w->broken || w->nr_inflight ||
	    w->ring.rsp_prod_pvt != w->ring.req_cons)
		return -EIO;
	*rsp_prod = w->final_rsp_prod;
	return 0;
}

void xpvd_worker_reap(struct xpvd_worker *w, struct xpvd_qstats *acc)
{
	if (!w)
		return;
	if (w->thr_started)
		pthread_join(w->thr, NULL);
	/* The thread is gone: its counters are final, and its buffers and
	 * mappings go with it. */
	xpvd_stat_set(w->st.buffer_pages, 0);
	xpvd_stat_set(w->st.pgrant_mapped, 0);
	if (acc)
		xpvd_stats_sum(acc, &w->st);
	destroy(w);
}

void xpvd_worker_stop(struct xpvd_worker *w, struct xpvd_qstats *acc)
{
	xpvd_worker_request_stop(w);
	xpvd_worker_reap(w, acc);
}

const struct xpvd_qstats *xpvd_worker_stats(const struct xpvd_worker *w)
{
	return &w->st;
}

const char *xpvd_worker_engine(const struct xpvd_worker *w)
{
	return xpv_ioq_engine_name(w->ioq);
}
