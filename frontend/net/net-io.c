/* SPDX-License-Identifier: MIT */
/*
 * net-io.c - the data path of the net channel: the rings of each queue,
 * posting and recycling rx buffers, consuming tx answers and received
 * frames, and the public I/O calls (net-front.h for who owns what).
 *
 * Guarantees:
 * - Every ring slot the backend wrote is copied once into private memory
 *   (xpv_ring_copy_from_slot()) and only the copy is checked and used.
 * - A tx answer must name a page in flight on its queue and carry a known
 *   status; an RSP_NULL answer must stand for an extra-info slot we sent.
 *   An rx response must come back in the ring slot of its request with
 *   that request's id.  Anything else, or ring indices that cannot be
 *   right, breaks the device: every frame in flight completes with -EIO,
 *   nothing more is sent or taken.  A bad received frame (net-wire.c) is
 *   only dropped.
 * - A submitted frame completes exactly once: answered, or failed by a
 *   disconnect, the device going away, a break or the close.
 * - No allocation: pages, frames, staging and iovecs are made at prepare.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "net-front.h"

struct net_sync {
	int result;
	bool done;
};

/* Whether the queues exist (from a prepare that completed until the
 * connection ends). */
bool net_rings_up(const struct xpvf_net *h)
{
	return h->up;
}

int net_queue_start(struct xpvf_net *h, struct net_queue *q)
{
	int err;

	err = front_area_share(&h->dev, &q->tx_area, 1, &q->tx_ref, true);
	if (err < 0)
		return err;
	err = front_area_share(&h->dev, &q->rx_area, 1, &q->rx_ref, true);
	if (err < 0)
		return err;
	err = xpv_ring_front_init(&q->tx, q->tx_area.addr, 1,
				  XPV_RING_SLOT_SIZE(struct netif_tx_request,
						     struct netif_tx_response));
	if (!err)
		err = xpv_ring_front_init(
			&q->rx, q->rx_area.addr, 1,
			XPV_RING_SLOT_SIZE(struct netif_rx_request,
					   struct netif_rx_response));
	if (err < 0)
		return err;
	if (q->tx.ring.nr_ents != NET_RING_SLOTS ||
	    q->rx.ring.nr_ents != NET_RING_SLOTS)
		return -EINVAL;
	err = front_evtchn_alloc(&h->dev);
	if (err < 0)
		return err;
	q->tx_port = q->rx_port = err;
	if (h->split) {
		err = front_evtchn_alloc(&h->dev);
		if (err < 0)
			return err;
		q->rx_port = err;
	}
	return 0;
}

/* Posts every free rx buffer the ring has room for, pushes once. */
void net_post_rx(struct xpvf_net *h, struct net_queue *q)
{
	struct netif_rx_request req;
	uint32_t idx, buf;
	void *slot;
	bool any = false;

	if (h->broken || !q->rx_free)
		return;
	while (q->nr_rx_free && xpv_ring_front_free(&q->rx)) {
		buf = q->rx_free[--q->nr_rx_free];
		idx = q->rx.req_prod_pvt;
		slot = xpv_ring_front_next_req(&q->rx);
		req.id = (uint16_t)buf;
		req.pad = 0;
		req.gref = q->rxp.refs[buf];
		memcpy(slot, &req, sizeof(req));
		q->rx_posted[idx & (NET_RING_SLOTS - 1)] = (uint16_t)buf;
		any = true;
	}
	/* The push's write barrier orders the requests before req_prod. */
	if (any && xpv_ring_front_push_requests(&q->rx))
		front_evtchn_notify(&h->dev, q->rx_port);
}

/* ---- tx completion ---- */

static void txf_done(struct xpvf_net *h, struct net_queue *q, uint32_t fi)
{
	struct net_txf *f = &q->frames[fi];
	int result = f->err ? f->err : (int)f->len;
	void *opaque = f->opaque;
	bool sync = f->sync;

	f->in_use = false;
	q->free_frames[q->nr_free_frames++] = fi;
	q->tx_inflight--;
	h->progress++;
	if (result < 0)
		h->info.tx_errors++;
	else
		h->info.tx_frames++;
	if (sync) {
		struct net_sync *s = opaque;

		s->result = result;
		s->done = true;
		return;
	}
	if (h->tx_fn) {
		h->callbacks++;
		h->tx_fn(h->cb_opaque, opaque, result);
	}
}

/* Gives back tx page p of q and counts its frame's part done. */
static void tx_page_done(struct xpvf_net *h, struct net_queue *q, uint32_t p,
			 int err)
{
	uint32_t fi = q->page_frame[p];
	struct net_txf *f = &q->frames[fi];

	q->page_frame[p] = NET_NONE;
	q->txp.next[p] = FRONT_NO_PAGE;
	front_pool_put(&q->txp, p);
	if (err && !f->err)
		f->err = err;
	if (--f->parts == 0)
		txf_done(h, q, fi);
}

/*
 * Completes every frame in flight with err and drops the staged rx slots
 * (their buffers go back to the free stack).  The backend is not going to
 * answer (gone, broken, disconnected) or the handle closes.
 */
void net_fail_all(struct xpvf_net *h, int err)
{
	struct net_queue *q;
	unsigned int i;
	uint32_t p;

	if (!net_rings_up(h))
		return;
	for (i = 0; i < h->nq; i++) {
		q = &h->q[i];
		for (p = 0; p < h->tx_pages; p++)
			if (q->page_frame[p] != NET_NONE) {
				q->frames[q->page_frame[p]].err = err;
				tx_page_done(h, q, p, err);
			}
		q->tx_extras = 0;
		while (q->stage_n) {
			q->rx_free[q->nr_rx_free++] =
				q->stage_id[q->stage_off++];
			q->stage_n--;
		}
		q->stage_off = 0;
	}
}

static void mark_broken(struct xpvf_net *h)
{
	if (h->broken)
		return;
	h->broken = true;
	net_fail_all(h, -EIO);
}

static int harvest_tx(struct xpvf_net *h, struct net_queue *q)
{
	struct netif_tx_response rsp;
	int n, err;

	for (;;) {
		n = xpv_ring_front_unconsumed(&q->tx);
		if (n < 0)
			return n;
		while (!xpv_ring_front_get_rsp(&q->tx, &rsp, sizeof(rsp))) {
			if (rsp.status == NETIF_RSP_NULL) {
				/* The answer slot of an extra-info slot. */
				if (!q->tx_extras)
					return -EIO;
				q->tx_extras--;
				continue;
			}
			if (rsp.id >= h->tx_pages ||
			    q->page_frame[rsp.id] == NET_NONE)
				return -EIO;
			switch (rsp.status) {
			case NETIF_RSP_OKAY:
				err = 0;
				break;
			case NETIF_RSP_ERROR:
				err = -EIO;
				break;
			case NETIF_RSP_DROPPED:
				err = -ENOBUFS;
				break;
			default:
				return -EIO;
			}
			h->tx_answers++;
			tx_page_done(h, q, rsp.id, err);
			if (h->broken || !net_rings_up(h))
				return 0;
		}
		n = xpv_ring_front_final_check(&q->tx);
		if (n <= 0)
			return n;
	}
}

/* ---- rx ---- */

/* Copies every answered rx slot of q into its stage. */
static int stage_rx(struct xpvf_net *h, struct net_queue *q)
{
	const void *slot;
	uint32_t idx, at;
	int n;

	for (;;) {
		n = xpv_ring_front_unconsumed(&q->rx);
		if (n < 0)
			return n;
		/* Staged plus answered never exceeds the buffers (at most
		 * a ring), as answers never exceed requests: only the
		 * offset needs making room for. */
		if (q->stage_off + q->stage_n + (uint32_t)n > NET_RING_SLOTS) {
			memmove(q->stage, q->stage + q->stage_off,
				q->stage_n * sizeof(q->stage[0]));
			memmove(q->stage_id, q->stage_id + q->stage_off,
				q->stage_n * sizeof(q->stage_id[0]));
			q->stage_off = 0;
		}
		for (;;) {
			idx = q->rx.rsp_cons;
			slot = xpv_ring_front_next_rsp(&q->rx);
			if (!slot)
				break;
			at = q->stage_off + q->stage_n++;
			xpv_ring_copy_from_slot(&q->stage[at], slot,
						sizeof(q->stage[0]));
			q->stage_id[at] =
				q->rx_posted[idx & (NET_RING_SLOTS - 1)];
			h->progress++;
		}
		n = xpv_ring_front_final_check(&q->rx);
		if (n <= 0)
			return n;
	}
}

typedef void (*deliver_fn)(struct xpvf_net *h, void *ctx,
			   const struct xpvf_net_frame *f);

/*
 * Takes the frame at the head of q's stage: hands it to fn (or drops it)
 * and gives its buffers back.  1 when a frame was taken, 0 when none is
 * complete, -EIO when the backend broke the protocol.
 */
static int take_frame(struct xpvf_net *h, struct net_queue *q, deliver_fn fn,
		      void *ctx)
{
	struct xpvf_net_frame fr;
	struct net_rx_frame p;
	const struct netif_rx_response *r;
	uint32_t d, at, i;

	switch (net_rx_parse(q->stage + q->stage_off, q->stage_n,
			     q->stage_id + q->stage_off, h->rx_bufs, &p)) {
	case NET_RX_INCOMPLETE:
		return 0;
	case NET_RX_BROKEN:
		return -EIO;
	case NET_RX_DROP:
		h->info.rx_errors++;
		break;
	case NET_RX_FRAME:
		for (d = 0; d < p.ndata; d++) {
			at = q->stage_off + p.data[d];
			r = &q->stage[at].rsp;
			q->iov[d].iov_base =
				front_pool_page(&q->rxp, q->stage_id[at]) +
				r->offset;
			q->iov[d].iov_len = (size_t)r->status;
		}
		fr.iov = q->iov;
		fr.iovcnt = p.ndata;
		fr.len = p.len;
		fr.flags = p.flags;
		fr.gso_type = p.gso_type;
		fr.gso_size = p.gso_size;
		fr.queue = (unsigned int)(q - h->q);
		h->info.rx_frames++;
		fn(h, ctx, &fr);
		break;
	}
	for (i = 0; i < p.nslots; i++)
		q->rx_free[q->nr_rx_free++] = q->stage_id[q->stage_off + i];
	q->stage_off += p.nslots;
	q->stage_n -= p.nslots;
	if (!q->stage_n)
		q->stage_off = 0;
	return 1;
}

static void deliver_cb(struct xpvf_net *h, void *ctx,
		       const struct xpvf_net_frame *f)
{
	h->callbacks++;
	h->rx_fn(h->cb_opaque, f);
}

/*
 * Consumes what the backend answered on every queue: tx answers complete
 * frames; rx slots are staged and, with an rx callback, handed over;
 * freed buffers are posted again.  0, or -EIO (broken).
 */
int net_harvest(struct xpvf_net *h)
{
	struct net_queue *q;
	unsigned int i;
	int n;

	if (h->broken)
		return -EIO;
	for (i = 0; net_rings_up(h) && i < h->nq; i++) {
		q = &h->q[i];
		if (harvest_tx(h, q) < 0 || stage_rx(h, q) < 0)
			goto broken;
		while (h->rx_fn && net_rings_up(h) &&
		       (n = take_frame(h, q, deliver_cb, NULL)) != 0)
			if (n < 0)
				goto broken;
		if (h->broken)
			return -EIO;
		net_post_rx(h, q);
	}
	return 0;
broken:
	mark_broken(h);
	return -EIO;
}

/* ---- the public calls ---- */

static int do_submit(struct xpvf_net *h, const struct xpvf_net_frame *f,
		     void *opaque, bool sync)
{
	union net_tx_slot slots[XPVF_NET_MAX_SLOTS];
	xpv_gref_t refs[XPVF_NET_MAX_SLOTS];
	uint16_t ids[XPVF_NET_MAX_SLOTS];
	struct net_queue *q;
	struct net_txf *tf;
	const unsigned char *src;
	unsigned char *dst;
	size_t len = 0, piece, room, left;
	uint32_t ndata, nslots, head, p, fi, d;
	unsigned int i;
	int n;

	if (!h || !f || (f->iovcnt && !f->iov))
		return -EINVAL;
	if (h->dev.closing)
		return -ECANCELED;
	if (h->dev.fs == FS_GONE)
		return -ENODEV;
	if (h->broken)
		return -EIO;
	for (i = 0; i < f->iovcnt; i++) {
		if (f->iov[i].iov_len && !f->iov[i].iov_base)
			return -EINVAL;
		if (f->iov[i].iov_len > XPVF_NET_MAX_FRAME - len)
			return -EMSGSIZE;
		len += f->iov[i].iov_len;
	}
	if (len < NET_ETH_HLEN || (f->flags & ~XPVF_NET_CSUM_BLANK))
		return -EINVAL;
	if (f->gso_type != XPVF_NET_GSO_NONE) {
		if ((f->gso_type != XPVF_NET_GSO_TCPV4 &&
		     f->gso_type != XPVF_NET_GSO_TCPV6) ||
		    !f->gso_size || f->gso_size > UINT16_MAX)
			return -EINVAL;
		if (h->dev.fs == FS_CONNECTED &&
		    !(f->gso_type == XPVF_NET_GSO_TCPV4 ? h->gso4 : h->gso6))
			return -EOPNOTSUPP;
	}
	if (h->dev.fs != FS_CONNECTED || !net_rings_up(h))
		return -EAGAIN;
	if (len > (h->sg ? XPVF_NET_MAX_FRAME : XPV_PAGE_SIZE))
		return -EMSGSIZE;

	q = &h->q[f->queue % h->nq];
	ndata = net_tx_data_slots(len);
	nslots = ndata + (f->gso_type ? 1 : 0);
	if (xpv_ring_front_free(&q->tx) < nslots ||
	    q->txp.nr_free < ndata || !q->nr_free_frames)
		return -EAGAIN;

	fi = q->free_frames[--q->nr_free_frames];
	head = front_pool_get(&q->txp, ndata);
	/* Copy the frame into the pages, in order, and unlink them: each
	 * page comes back on its own answer. */
	i = 0;
	src = NULL;
	left = 0;
	for (d = 0, p = head; d < ndata; d++) {
		uint32_t next = q->txp.next[p];

		dst = front_pool_page(&q->txp, p);
		room = XPV_PAGE_SIZE;
		while (room && (left || i < f->iovcnt)) {
			if (!left) {
				src = f->iov[i].iov_base;
				left = f->iov[i++].iov_len;
				continue;
			}
			piece = left < room ? left : room;
			memcpy(dst, src, piece);
			dst += piece;
			src += piece;
			left -= piece;
			room -= piece;
		}
		refs[d] = q->txp.refs[p];
		ids[d] = (uint16_t)p;
		q->page_frame[p] = fi;
		q->txp.next[p] = FRONT_NO_PAGE;
		p = next;
	}
	n = net_tx_layout(slots, len, f->flags, f->gso_type, f->gso_size,
			  refs, ids);
	if (n < 0 || (uint32_t)n != nslots) {
		/* Cannot happen: the checks above are the layout's. */
		for (d = 0; d < ndata; d++) {
			q->page_frame[ids[d]] = NET_NONE;
			front_pool_put(&q->txp, ids[d]);
		}
		q->free_frames[q->nr_free_frames++] = fi;
		return n < 0 ? n : -EINVAL;
	}
	for (d = 0; d < nslots; d++)
		memcpy(xpv_ring_front_next_req(&q->tx), &slots[d],
		       sizeof(slots[d]));
	tf = &q->frames[fi];
	tf->opaque = opaque;
	tf->len = (uint32_t)len;
	tf->parts = ndata;
	tf->err = 0;
	tf->in_use = true;
	tf->sync = sync;
	q->tx_extras += nslots - ndata;
	q->tx_inflight++;
	/* The push's write barrier orders the copied data and the slots
	 * before req_prod. */
	if (xpv_ring_front_push_requests(&q->tx))
		front_evtchn_notify(&h->dev, q->tx_port);
	return 0;
}

int xpvf_net_submit(struct xpvf_net *h, const struct xpvf_net_frame *f,
		    void *frame_opaque)
{
	return do_submit(h, f, frame_opaque, false);
}

unsigned int xpvf_net_tx_in_flight(struct xpvf_net *h)
{
	unsigned int i, n = 0;

	if (!h)
		return 0;
	for (i = 0; i < h->nq; i++)
		n += h->q[i].tx_inflight;
	return n;
}

int xpvf_net_fd(struct xpvf_net *h)
{
	return h ? h->dev.epfd : -EINVAL;
}

/*
 * Frames in flight and no tx answer for NET_KICK_MS: notify every queue
 * again (an event sent while a restarting backend had no port bound is
 * lost).  Harmless when the backend is merely slow.
 */
static void kick(struct xpvf_net *h)
{
	unsigned int i;
	int64_t now;

	if (h->dev.fs != FS_CONNECTED || h->broken || !net_rings_up(h))
		return;
	now = front_now_ms();
	if (h->tx_answers != h->kick_seen || !xpvf_net_tx_in_flight(h)) {
		h->kick_seen = h->tx_answers;
		h->kick_at = now + NET_KICK_MS;
		return;
	}
	if (now < h->kick_at)
		return;
	h->kick_at = now + NET_KICK_MS;
	for (i = 0; i < h->nq; i++) {
		front_evtchn_notify(&h->dev, h->q[i].tx_port);
		if (h->q[i].rx_port != h->q[i].tx_port)
			front_evtchn_notify(&h->dev, h->q[i].rx_port);
	}
}

int xpvf_net_process(struct xpvf_net *h)
{
	int err;

	if (!h)
		return -EINVAL;
	h->callbacks = 0;
	err = front_dev_events(&h->dev, 0);
	if (err < 0)
		return err;
	net_harvest(h);
	kick(h);
	if (h->broken)
		return -EIO;
	if (h->dev.fs == FS_GONE)
		return -ENODEV;
	return (int)h->callbacks;
}

int xpvf_net_wait(struct xpvf_net *h, int timeout_ms)
{
	uint64_t progress;
	int n, err;

	if (!h)
		return -EINVAL;
	/* Work done without a callback (a synchronous frame completed,
	 * frames staged for xpvf_net_recv()) is not waited past either. */
	progress = h->progress;
	n = xpvf_net_process(h);
	if (n != 0 || h->progress != progress)
		return n;
	if (xpvf_net_tx_in_flight(h) &&
	    (timeout_ms < 0 || timeout_ms > NET_KICK_MS))
		timeout_ms = NET_KICK_MS;
	err = front_dev_events(&h->dev, timeout_ms);
	if (err < 0)
		return err;
	return xpvf_net_process(h);
}

int xpvf_net_send(struct xpvf_net *h, const struct xpvf_net_frame *f)
{
	struct net_sync s = { 0, false };
	int err;

	for (;;) {
		err = do_submit(h, f, &s, true);
		if (err != -EAGAIN)
			break;
		err = xpvf_net_wait(h, -1);
		if (err < 0)
			return err;
	}
	if (err < 0)
		return err;
	while (!s.done) {
		err = xpvf_net_wait(h, -1);
		if (err < 0 && !s.done)
			return err;
	}
	return s.result;
}

struct recv_ctx {
	unsigned char *buf;
	size_t cap;
	struct xpvf_net_frame *meta;
	int result;
	bool got;
};

static void deliver_copy(struct xpvf_net *h, void *opaque,
			 const struct xpvf_net_frame *f)
{
	struct recv_ctx *c = opaque;
	size_t off = 0;
	unsigned int i;

	c->got = true;
	if (c->meta) {
		*c->meta = *f;
		c->meta->iov = NULL;
		c->meta->iovcnt = 0;
	}
	if (f->len > c->cap) {
		c->result = -EMSGSIZE;
		return;
	}
	for (i = 0; i < f->iovcnt; i++) {
		memcpy(c->buf + off, f->iov[i].iov_base, f->iov[i].iov_len);
		off += f->iov[i].iov_len;
	}
	c->result = (int)f->len;
}

int xpvf_net_recv(struct xpvf_net *h, void *buf, size_t len, int timeout_ms,
		  struct xpvf_net_frame *meta)
{
	struct recv_ctx c = { buf, len, meta, 0, false };
	int64_t deadline = front_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int64_t left = -1;
	bool last = false;
	unsigned int i, qi;
	int n;

	if (!h || (!buf && len) || h->rx_fn)
		return -EINVAL;
	for (;;) {
		if (h->broken)
			return -EIO;
		if (h->dev.fs == FS_GONE)
			return -ENODEV;
		for (i = 0; net_rings_up(h) && i < h->nq; i++) {
			qi = (h->rr + i) % h->nq;
			/* Dropped frames are skipped: look again. */
			while ((n = take_frame(h, &h->q[qi], deliver_copy,
					       &c)) > 0 && !c.got)
				;
			if (n < 0) {
				mark_broken(h);
				return -EIO;
			}
			net_post_rx(h, &h->q[qi]);
			if (c.got) {
				h->rr = (qi + 1) % h->nq;
				return c.result;
			}
		}
		if (last)
			return 0;
		if (timeout_ms >= 0) {
			left = deadline - front_now_ms();
			if (left <= 0) {
				/* One last look without blocking. */
				left = 0;
				last = true;
			}
		}
		n = xpvf_net_wait(h, (int)left);
		if (n < 0)
			return n;
	}
}
