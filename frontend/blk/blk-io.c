/* SPDX-License-Identifier: MIT */
/*
 * blk-io.c - the data path of the block channel: splitting I/O into wire
 * requests, issuing them over the queues, checking and completing the
 * responses, and the synchronous helpers.
 *
 * Guarantees:
 * - A request is at most max_segs pages: up to 11 segments in a plain
 *   request, more in an indirect one (only when the backend offered
 *   indirect segments), never more than the negotiated maximum.
 * - Every response is checked before it is believed: its id must name a
 *   slot in flight on that ring, in its current use (the id carries a
 *   per-slot generation, so an answer given twice or late for an earlier
 *   use of the slot is caught), and its operation must be the one the
 *   request needs back (indirect_op for an indirect request).  Anything
 *   else marks the device broken: every I/O fails with -EIO, nothing more
 *   is issued (Linux blkfront does the same).
 * - An I/O's callback runs once, after the last of its parts.
 * - No allocation: slots, pages, chunks and I/Os are all preallocated.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "barrier.h"
#include "blk-front.h"

#define SEG_BYTES XPV_PAGE_SIZE

/* Page i of q's pool. */
static unsigned char *page_addr(const struct blk_queue *q, uint32_t i)
{
	return front_pool_page(&q->pool, i);
}

/* ---- completion ---- */

static void io_part_done(struct xpvf *h, struct blk_io *io, int err)
{
	int64_t result;

	if (err && !io->err)
		io->err = err;
	if (--io->parts)
		return;
	if (io->err)
		result = io->err;
	else if (io->op == XPVF_OP_READ || io->op == XPVF_OP_WRITE)
		result = (int64_t)io->len;
	else
		result = 0;
	io->in_use = false;
	io->next_free = h->free_ios;
	h->free_ios = io;
	h->nr_ios_busy--;
	h->callbacks++;
	io->done(io->opaque, result);
}

static void chunk_free(struct xpvf *h, struct blk_chunk *c)
{
	c->next = h->free_chunks;
	h->free_chunks = c;
}

static void slot_free(struct blk_queue *q, struct blk_req *r)
{
	front_pool_put(&q->pool, r->data_head);
	front_pool_put(&q->pool, r->ind_head);
	r->data_head = r->ind_head = FRONT_NO_PAGE;
	r->in_use = false;
	r->io = NULL;
	q->free_slots[q->nr_free_slots++] = (uint32_t)(r - q->slots);
}

static struct blk_chunk *pend_pop(struct xpvf *h)
{
	struct blk_chunk *c = h->pend_head;

	if (c) {
		h->pend_head = c->next;
		if (!h->pend_head)
			h->pend_tail = NULL;
		c->next = NULL;
	}
	return c;
}

static void pend_push_front(struct xpvf *h, struct blk_chunk *c)
{
	c->next = h->pend_head;
	h->pend_head = c;
	if (!h->pend_tail)
		h->pend_tail = c;
}

static void pend_push_back(struct xpvf *h, struct blk_chunk *c)
{
	c->next = NULL;
	if (h->pend_tail)
		h->pend_tail->next = c;
	else
		h->pend_head = c;
	h->pend_tail = c;
}

/* Whether the queues exist (from the backend's InitWait until the
 * connection ends). */
bool blk_rings_up(const struct xpvf *h)
{
	return h->nq && h->q[0].slots;
}

/*
 * Fails every queued chunk and every request in flight with err.  Callers
 * first make xpvf_submit() refuse (broken, gone or closing), so callbacks
 * cannot add work while this runs.  The requests' pages go back to the
 * pool: the backend is not going to touch them any more (broken, gone) or
 * the handle is about to end their grants (close).
 */
void blk_fail_all(struct xpvf *h, int err)
{
	struct blk_chunk *c;
	struct blk_io *io;
	struct blk_req *r;
	unsigned int i;
	uint32_t s;

	while ((c = pend_pop(h))) {
		io = c->io;
		chunk_free(h, c);
		io_part_done(h, io, err);
	}
	if (!blk_rings_up(h))
		return;
	for (i = 0; i < h->nq; i++) {
		for (s = 0; s < h->q[i].nr_slots; s++) {
			r = &h->q[i].slots[s];
			if (!r->in_use)
				continue;
			io = r->io;
			slot_free(&h->q[i], r);
			io_part_done(h, io, err);
		}
	}
}

void blk_mark_broken(struct xpvf *h)
{
	if (h->broken)
		return;
	h->broken = true;
	blk_fail_all(h, -EIO);
}

/*
 * Turns every request in flight into a chunk at the head of the queue, to be
 * issued again (re-split to whatever limits the next connection has).  The
 * I/O's part count does not change: the chunk takes the request's place.
 * Chunks come from the preallocated pool; a reconnect storm that outgrows
 * it takes more from the heap (not the steady-state path).
 */
void blk_requeue_all(struct xpvf *h)
{
	struct blk_chunk *c;
	struct blk_req *r;
	struct blk_queue *q;
	unsigned int i;
	uint32_t s;

	if (!blk_rings_up(h))
		return;
	for (i = 0; i < h->nq; i++) {
		q = &h->q[i];
		for (s = q->nr_slots; s-- > 0;) {
			r = &q->slots[s];
			if (!r->in_use)
				continue;
			c = h->free_chunks;
			if (c) {
				h->free_chunks = c->next;
			} else {
				c = calloc(1, sizeof(*c));
				if (!c) {
					struct blk_io *io = r->io;

					slot_free(q, r);
					io_part_done(h, io, -ENOMEM);
					continue;
				}
				c->heap = true;
			}
			c->io = r->io;
			c->off = r->off;
			c->len = r->len;
			slot_free(q, r);
			pend_push_front(h, c);
		}
	}
}

/* ---- issuing ---- */

static uint32_t div_up(uint64_t a, uint32_t b)
{
	return (uint32_t)((a + b - 1) / b);
}

/* Whether requests of io move its data straight from its ubuf pages. */
static bool io_zero_copy(const struct xpvf *h, const struct blk_io *io)
{
	return io->ub && io->ub->domid == h->dev.be_domid;
}

/* Pages a request carved from c needs: data segments and indirect pages. */
static void chunk_needs(const struct xpvf *h, const struct blk_chunk *c,
			uint32_t *segs, uint32_t *ind)
{
	uint64_t n;

	*segs = *ind = 0;
	if (c->io->op != XPVF_OP_READ && c->io->op != XPVF_OP_WRITE)
		return;
	n = div_up(c->len, SEG_BYTES);
	if (n > h->max_segs)
		n = h->max_segs;
	*segs = (uint32_t)n;
	if (n > XPV_BLKIF_MAX_SEGMENTS)
		*ind = div_up(n, XPV_BLKIF_SEGS_PER_INDIRECT_PAGE);
}

/* Whether the current connection can carry c's operation at all. */
static int chunk_supported(const struct xpvf *h, const struct blk_chunk *c)
{
	switch (c->io->op) {
	case XPVF_OP_READ:
		return 0;
	case XPVF_OP_WRITE:
		return h->info.readonly ? -EROFS : 0;
	case XPVF_OP_FLUSH:
		return h->info.flush || h->info.barrier ? 0 : -EOPNOTSUPP;
	case XPVF_OP_DISCARD:
		return h->info.discard ? 0 : -EOPNOTSUPP;
	case XPVF_OP_DISCARD_SECURE:
		return h->info.discard && h->info.discard_secure ?
			       0 : -EOPNOTSUPP;
	}
	return -EINVAL;
}

static struct blk_queue *pick_queue(struct xpvf *h, uint32_t pages)
{
	struct blk_queue *q;
	unsigned int i, n;

	for (i = 0; i < h->nq; i++) {
		n = (h->rr + i) % h->nq;
		q = &h->q[n];
		if (q->nr_free_slots && q->pool.nr_free >= pages) {
			h->rr = (n + 1) % h->nq;
			return q;
		}
	}
	return NULL;
}

/* Fills the data segments of r (and its indirect pages), copying a write's
 * bytes into the pool pages, or naming the io's own granted pages. */
static void fill_segments(struct xpvf *h, struct blk_queue *q,
			  struct blk_req *r, uint32_t segs,
			  union xpv_blkif_request *req)
{
	struct blkif_request_segment *seg, *ind_segs = NULL;
	const unsigned char *src = r->io->buf + r->off;
	bool write = r->io->op == XPVF_OP_WRITE && !r->zero_copy;
	const xpv_gref_t *zc_refs = NULL;
	uint32_t i, p = r->data_head, ip = r->ind_head, bytes;
	uint64_t left = r->len;

	if (r->zero_copy)
		zc_refs = &r->io->ub->refs[(src - r->io->ub->addr) / SEG_BYTES];
	for (i = 0; i < segs; i++) {
		bytes = left < SEG_BYTES ? (uint32_t)left : SEG_BYTES;
		if (write)
			memcpy(page_addr(q, p), src, bytes);
		if (r->ind_head == FRONT_NO_PAGE) {
			seg = &req->rw.seg[i];
		} else {
			if (i % XPV_BLKIF_SEGS_PER_INDIRECT_PAGE == 0) {
				req->indirect.indirect_grefs
					[i / XPV_BLKIF_SEGS_PER_INDIRECT_PAGE] =
					q->pool.refs[ip];
				ind_segs = (void *)page_addr(q, ip);
				ip = q->pool.next[ip];
			}
			seg = &ind_segs[i % XPV_BLKIF_SEGS_PER_INDIRECT_PAGE];
		}
		if (zc_refs) {
			seg->gref = zc_refs[i];
		} else {
			seg->gref = q->pool.refs[p];
			p = q->pool.next[p];
		}
		seg->first_sect = 0;
		seg->last_sect = (uint8_t)(bytes / 512 - 1);
		src += bytes;
		left -= bytes;
	}
}

/* Carves one wire request from the head of c onto q (which has room). */
static void build(struct xpvf *h, struct blk_queue *q, struct blk_chunk *c,
		  uint32_t segs, uint32_t ind)
{
	union xpv_blkif_request req;
	struct blk_io *io = c->io;
	struct blk_req *r;
	uint64_t max, id;
	uint32_t si;
	void *slot;

	si = q->free_slots[--q->nr_free_slots];
	r = &q->slots[si];
	/* The id names the slot and this use of it, so an answer given twice
	 * (or late, for an earlier use) matches nothing in flight. */
	id = (uint64_t)++r->gen << 32 | si;
	r->in_use = true;
	r->io = io;
	r->off = c->off;
	r->data_head = r->ind_head = FRONT_NO_PAGE;
	memset(&req, 0, sizeof(req));

	switch (io->op) {
	case XPVF_OP_READ:
	case XPVF_OP_WRITE:
		max = (uint64_t)segs * SEG_BYTES;
		r->len = c->len < max ? c->len : max;
		r->rsp_op = io->op == XPVF_OP_READ ? BLKIF_OP_READ :
						      BLKIF_OP_WRITE;
		r->zero_copy = io_zero_copy(h, io);
		if (r->zero_copy)
			h->info.zero_copy_requests++;
		else
			r->data_head = front_pool_get(&q->pool, segs);
		if (ind) {
			r->ind_head = front_pool_get(&q->pool, ind);
			req.indirect.operation = BLKIF_OP_INDIRECT;
			req.indirect.indirect_op = r->rsp_op;
			req.indirect.nr_segments = (uint16_t)segs;
			req.indirect.id = id;
			req.indirect.sector_number = (io->offset + r->off) >> 9;
			req.indirect.handle = (blkif_vdev_t)h->dev.devid;
		} else {
			req.rw.operation = r->rsp_op;
			req.rw.nr_segments = (uint8_t)segs;
			req.rw.handle = (blkif_vdev_t)h->dev.devid;
			req.rw.id = id;
			req.rw.sector_number = (io->offset + r->off) >> 9;
		}
		fill_segments(h, q, r, segs, &req);
		break;
	case XPVF_OP_FLUSH:
		r->len = c->len;
		r->rsp_op = h->info.flush ? BLKIF_OP_FLUSH_DISKCACHE :
					    BLKIF_OP_WRITE_BARRIER;
		req.rw.operation = r->rsp_op;
		req.rw.nr_segments = 0;
		req.rw.handle = (blkif_vdev_t)h->dev.devid;
		req.rw.id = id;
		break;
	case XPVF_OP_DISCARD:
	case XPVF_OP_DISCARD_SECURE:
		r->len = c->len;
		r->rsp_op = BLKIF_OP_DISCARD;
		req.discard.operation = BLKIF_OP_DISCARD;
		req.discard.flag = io->op == XPVF_OP_DISCARD_SECURE ?
					   BLKIF_DISCARD_SECURE : 0;
		req.discard.handle = (blkif_vdev_t)h->dev.devid;
		req.discard.id = id;
		req.discard.sector_number = (io->offset + r->off) >> 9;
		req.discard.nr_sectors = r->len >> 9;
		break;
	}
	c->off += r->len;
	c->len -= r->len;

	/* The slot is free: nr_free_slots tracks the ring's free count. */
	slot = xpv_ring_front_next_req(&q->ring);
	xpv_blkif_put_request(h->abi, slot, &req);
	q->need_push = true;
}

static void push_all(struct xpvf *h)
{
	struct blk_queue *q;
	unsigned int i;

	for (i = 0; i < h->nq; i++) {
		q = &h->q[i];
		if (!q->need_push)
			continue;
		q->need_push = false;
		/* The push's write barrier orders the slots, the segment
		 * pages and the copied data before req_prod. */
		if (xpv_ring_front_push_requests(&q->ring))
			front_evtchn_notify(&h->dev, q->port);
	}
}

/*
 * Issues queued chunks while some queue has a free slot and enough pages.
 * from_submit: called inside xpvf_submit(), which must not run callbacks,
 * so a chunk that would fail at once is left for xpvf_process().
 */
static void issue(struct xpvf *h, bool from_submit)
{
	struct blk_chunk *c;
	struct blk_queue *q;
	struct blk_io *io;
	uint32_t segs, ind;
	int err;

	if (h->dev.fs != FS_CONNECTED || h->broken || !blk_rings_up(h))
		return;
	while ((c = h->pend_head)) {
		err = chunk_supported(h, c);
		if (err) {
			if (from_submit)
				break;
			pend_pop(h);
			io = c->io;
			chunk_free(h, c);
			io_part_done(h, io, err);
			continue;
		}
		chunk_needs(h, c, &segs, &ind);
		q = pick_queue(h, io_zero_copy(h, c->io) ? ind : segs + ind);
		if (!q)
			break;
		build(h, q, c, segs, ind);
		if (c->len == 0 || (c->io->op != XPVF_OP_READ &&
				    c->io->op != XPVF_OP_WRITE)) {
			/* The request takes over the chunk's part. */
			pend_pop(h);
			chunk_free(h, c);
		} else {
			c->io->parts++;
		}
	}
	push_all(h);
}

void blk_issue(struct xpvf *h)
{
	issue(h, false);
}

/* ---- responses ---- */

static int rsp_status(int16_t status)
{
	if (status == BLKIF_RSP_OKAY)
		return 0;
	if (status == BLKIF_RSP_EOPNOTSUPP)
		return -EOPNOTSUPP;
	return -EIO;
}

/* Handles one response of q; false when it broke the device. */
static bool handle_rsp(struct xpvf *h, struct blk_queue *q,
		       const struct blkif_response *rsp)
{
	struct blk_req *r;
	struct blk_io *io;
	unsigned char *dst;
	uint64_t left;
	uint32_t p, bytes;
	int err;

	if ((uint32_t)rsp->id >= q->nr_slots)
		return false;
	r = &q->slots[(uint32_t)rsp->id];
	if (!r->in_use || rsp->id >> 32 != r->gen ||
	    rsp->operation != r->rsp_op)
		return false;
	err = rsp_status(rsp->status);
	io = r->io;
	if (!err && io->op == XPVF_OP_READ && !r->zero_copy) {
		dst = io->buf + r->off;
		left = r->len;
		for (p = r->data_head; left; p = q->pool.next[p]) {
			bytes = left < SEG_BYTES ? (uint32_t)left : SEG_BYTES;
			memcpy(dst, page_addr(q, p), bytes);
			dst += bytes;
			left -= bytes;
		}
	}
	slot_free(q, r);
	h->responses++;
	io_part_done(h, io, err);
	return true;
}

static int harvest_queue(struct xpvf *h, struct blk_queue *q)
{
	struct blkif_response rsp;
	const void *slot;
	int n, more;

	for (;;) {
		n = xpv_ring_front_unconsumed(&q->ring);
		if (n < 0)
			return n;
		while ((slot = xpv_ring_front_next_rsp(&q->ring))) {
			/* One copy of the slot; only the copy is looked at. */
			xpv_blkif_get_response(h->abi, slot, &rsp);
			if (!handle_rsp(h, q, &rsp))
				return -EIO;
			if (h->broken || !blk_rings_up(h))
				return 0;
		}
		more = xpv_ring_front_final_check(&q->ring);
		if (more <= 0)
			return more;
	}
}

/*
 * Consumes every response on every ring.  A ring whose indices cannot be
 * right, or a response that answers nothing we asked, breaks the device.
 * Returns 0 or -EIO (broken).
 */
int blk_harvest(struct xpvf *h)
{
	unsigned int i;

	if (h->broken)
		return -EIO;
	if (!blk_rings_up(h))
		return 0;
	for (i = 0; i < h->nq; i++) {
		if (harvest_queue(h, &h->q[i]) < 0) {
			blk_mark_broken(h);
			return -EIO;
		}
		if (h->broken)
			return -EIO;
	}
	return 0;
}

/* ---- the public I/O calls ---- */

static int check_range(const struct xpvf *h, uint64_t offset, uint64_t len)
{
	uint64_t ss = h->info.sector_size ? h->info.sector_size : 512;
	uint64_t size = h->info.sectors * 512;

	if (!len || offset % ss || len % ss)
		return -EINVAL;
	if (offset > size || len > size - offset)
		return -EINVAL;
	return 0;
}

/*
 * The zero-copy buffer that holds [buf, buf + len) starting on one of its
 * page boundaries, or NULL (the I/O then goes through the pool).  A short
 * list: buffers are few and large.
 */
static const struct blk_ubuf *ubuf_find(const struct xpvf *h,
					  const void *buf, uint64_t len)
{
	const unsigned char *b = buf;
	const struct blk_ubuf *u;
	size_t off;

	for (u = h->ubufs; u; u = u->next) {
		if (b < u->addr || b >= u->addr + (size_t)u->pages * SEG_BYTES)
			continue;
		off = (size_t)(b - u->addr);
		if (off % SEG_BYTES ||
		    len > (uint64_t)u->pages * SEG_BYTES - off)
			return NULL;
		return u;
	}
	return NULL;
}

int xpvf_submit(struct xpvf *h, const struct xpvf_io *io)
{
	struct blk_chunk *c;
	struct blk_io *fio;
	int err;

	if (!h || !io || !io->done)
		return -EINVAL;
	if (h->dev.closing)
		return -ECANCELED;
	if (h->dev.fs == FS_GONE)
		return -ENODEV;
	if (h->broken)
		return -EIO;
	switch (io->op) {
	case XPVF_OP_READ:
	case XPVF_OP_WRITE:
		if (!io->buf)
			return -EINVAL;
		err = check_range(h, io->offset, io->len);
		if (err)
			return err;
		if (io->op == XPVF_OP_WRITE && h->info.readonly)
			return -EROFS;
		break;
	case XPVF_OP_FLUSH:
		if (!h->info.flush && !h->info.barrier)
			return -EOPNOTSUPP;
		break;
	case XPVF_OP_DISCARD:
	case XPVF_OP_DISCARD_SECURE:
		if (!h->info.discard || (io->op == XPVF_OP_DISCARD_SECURE &&
					 !h->info.discard_secure))
			return -EOPNOTSUPP;
		if (h->info.readonly)
			return -EROFS;
		err = check_range(h, io->offset, io->len);
		if (err)
			return err;
		break;
	default:
		return -EINVAL;
	}
	if (!h->free_ios || !h->free_chunks)
		return -EAGAIN;
	fio = h->free_ios;
	h->free_ios = fio->next_free;
	c = h->free_chunks;
	h->free_chunks = c->next;
	h->nr_ios_busy++;

	fio->in_use = true;
	fio->op = io->op;
	fio->offset = io->op == XPVF_OP_FLUSH ? 0 : io->offset;
	fio->buf = io->buf;
	fio->ub = NULL;
	if (io->op == XPVF_OP_READ || io->op == XPVF_OP_WRITE)
		fio->ub = ubuf_find(h, io->buf, io->len);
	fio->len = io->op == XPVF_OP_FLUSH ? 0 : io->len;
	fio->done = io->done;
	fio->opaque = io->opaque;
	fio->parts = 1;
	fio->err = 0;
	c->io = fio;
	c->off = 0;
	c->len = fio->len;
	pend_push_back(h, c);
	issue(h, true);
	return 0;
}

/*
 * Requests in flight and no response for BLK_KICK_MS: notify every queue
 * that waits for one.  Harmless when the backend is merely slow; needed
 * when the notification went to a port no backend had bound (a restart).
 */
static void kick(struct xpvf *h)
{
	struct blk_queue *q;
	int64_t now;
	unsigned int i;

	if (h->dev.fs != FS_CONNECTED || h->broken || !blk_rings_up(h))
		return;
	now = front_now_ms();
	if (h->responses != h->kick_seen || !h->nr_ios_busy) {
		h->kick_seen = h->responses;
		h->kick_at = now + BLK_KICK_MS;
		return;
	}
	if (now < h->kick_at)
		return;
	h->kick_at = now + BLK_KICK_MS;
	for (i = 0; i < h->nq; i++) {
		q = &h->q[i];
		if (q->nr_free_slots < q->nr_slots && q->port >= 0)
			front_evtchn_notify(&h->dev, q->port);
	}
}

int xpvf_process(struct xpvf *h)
{
	int err;

	if (!h)
		return -EINVAL;
	h->callbacks = 0;
	err = front_dev_events(&h->dev, 0);
	if (err < 0)
		return err;
	blk_harvest(h);
	issue(h, false);
	kick(h);
	if (h->broken)
		return -EIO;
	if (h->dev.fs == FS_GONE)
		return -ENODEV;
	return (int)h->callbacks;
}

int xpvf_wait(struct xpvf *h, int timeout_ms)
{
	int n, err;

	n = xpvf_process(h);
	if (n != 0)
		return n;
	/* Come back in time to kick a backend that may have missed us. */
	if (h->nr_ios_busy && (timeout_ms < 0 || timeout_ms > BLK_KICK_MS))
		timeout_ms = BLK_KICK_MS;
	err = front_dev_events(&h->dev, timeout_ms);
	if (err < 0)
		return err;
	return xpvf_process(h);
}

unsigned int xpvf_in_flight(struct xpvf *h)
{
	return h ? h->nr_ios_busy : 0;
}

int xpvf_fd(struct xpvf *h)
{
	return h ? h->dev.epfd : -EINVAL;
}

/* ---- synchronous helpers ---- */

struct sync_ctx {
	int64_t result;
	bool done;
};

static void sync_done(void *opaque, int64_t result)
{
	struct sync_ctx *ctx = opaque;

	ctx->result = result;
	ctx->done = true;
}

static int64_t sync_io(struct xpvf *h, enum xpvf_op op, void *buf,
		       uint64_t len, uint64_t offset)
{
	struct sync_ctx ctx = { 0, false };
	struct xpvf_io io = {
		.op = op,
		.offset = offset,
		.buf = buf,
		.len = (size_t)len,
		.done = sync_done,
		.opaque = &ctx,
	};
	int err;

	if (!h)
		return -EINVAL;
	if (len > SIZE_MAX)
		return -EINVAL;
	for (;;) {
		err = xpvf_submit(h, &io);
		if (err != -EAGAIN)
			break;
		err = xpvf_wait(h, -1);
		if (err < 0)
			return err;
	}
	if (err < 0)
		return err;
	/* Submitted: the callback will run (on failure, inside process). */
	while (!ctx.done)
		xpvf_wait(h, -1);
	return ctx.result;
}

int64_t xpvf_pread(struct xpvf *h, void *buf, size_t len, uint64_t offset)
{
	return sync_io(h, XPVF_OP_READ, buf, len, offset);
}

int64_t xpvf_pwrite(struct xpvf *h, const void *buf, size_t len,
		    uint64_t offset)
{
	/* The library only reads a write's buffer. */
	return sync_io(h, XPVF_OP_WRITE, (void *)(uintptr_t)buf, len, offset);
}

int xpvf_flush(struct xpvf *h)
{
	return (int)sync_io(h, XPVF_OP_FLUSH, NULL, 0, 0);
}

int xpvf_discard(struct xpvf *h, uint64_t offset, uint64_t len)
{
	return (int)sync_io(h, XPVF_OP_DISCARD, NULL, len, offset);
}

/* ---- zero-copy buffers ---- */

void *xpvf_buf_alloc(struct xpvf *h, size_t len)
{
	struct front_area a;
	struct blk_ubuf *u;
	uint64_t pages;

	if (!h || !len || !h->dev.gntshr || h->dev.closing)
		return NULL;
	pages = ((uint64_t)len + SEG_BYTES - 1) / SEG_BYTES;
	if (pages > UINT32_MAX / 2)
		return NULL;
	u = malloc(sizeof(*u) + (size_t)pages * sizeof(u->refs[0]));
	if (!u)
		return NULL;
	/* Writable: reads land in these pages. */
	if (front_area_share(&h->dev, &a, (uint32_t)pages, u->refs, true) < 0) {
		free(u);
		return NULL;
	}
	u->addr = a.addr;
	u->pages = a.count;
	u->domid = h->dev.be_domid;
	u->next = h->ubufs;
	h->ubufs = u;
	return a.addr;
}

void xpvf_buf_free(struct xpvf *h, void *buf)
{
	struct blk_ubuf **pp, *u;
	struct front_area a;

	if (!h || !buf)
		return;
	for (pp = &h->ubufs; (u = *pp); pp = &u->next) {
		if (u->addr != buf)
			continue;
		*pp = u->next;
		/* A backend keeping the pages mapped as persistent grants
		 * makes the end fail: front_area_end() retries it later. */
		a.addr = u->addr;
		a.count = u->pages;
		front_area_end(&h->dev, &a);
		free(u);
		return;
	}
}
