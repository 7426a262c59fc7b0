/* SPDX-License-Identifier: MIT */
/*
 * netq.c - one queue of a vif: rings, event channels, TAP fd, thread
 * (see netq.h for the guarantees).
 *
 * The thread owns everything here (ring sides, grant and event channel
 * handles, buffers) except the counters, which the main thread reads
 * with relaxed atomic loads, and the vif's shared stall/disable state.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#include "barrier.h"
#include "netq.h"
#include "netrx.h"
#include "nettx.h"
#include "ring.h"
#include "tap.h"
#include "xs-util.h"

#define PAGE XPV_PAGE_SIZE
/* One-page rings: 256 slots each way (Linux NET_TX/RX_RING_SIZE). */
#define RING_SLOTS 256u
/* Frame bytes one tx copy batch brings in: four 64 KiB frames. */
#define TX_BUF_LEN (256u * 1024u)
/* Frames of one tx copy batch. */
#define TX_MAX_FRAMES 64u
/* Frames read from the TAP before one rx copy. */
#define RX_BATCH 8u
#define RX_PAGES XPVD_NETRX_MAX_DATA_SLOTS
/* Copy segments of a batch: a tx pass has at most one per ring slot,
 * an rx batch one per data slot. */
#define MAX_CSEGS RING_SLOTS
/* How often a stalled rx side looks at its clock: every second, or a
 * quarter of the shorter timeout. */
#define TICK_MS 1000
/*
 * The rx backlog (netq.h): frame bytes held for a guest without room,
 * half the rx ring's pages as Linux netback's rx_queue_max (512 KiB);
 * at most BL_FRAMES frames (512 KiB of 64-byte frames).  Their bytes sit
 * in a BL_RING ring, each frame contiguous and 16-byte aligned: what is
 * held (BL_MAX, one frame more, the alignment of BL_FRAMES frames) and
 * the tail a wrap leaves always fit.
 */
#define BL_MAX (RING_SLOTS / 2u * PAGE)
#define BL_FRAMES 8192u
#define BL_RING (2u << 20)
#define BL_ALIGN 16u
/* Frames taken from the TAP into the backlog in one pass. */
#define BL_READS 64u

_Static_assert(RX_BATCH * XPVD_NETRX_MAX_SLOTS <= MAX_CSEGS, "rx batch");
_Static_assert((BL_FRAMES & (BL_FRAMES - 1)) == 0, "backlog frames");
_Static_assert(BL_RING >= 2u * (BL_MAX + XPVD_NETRX_MAX_LEN +
				BL_FRAMES * BL_ALIGN), "backlog ring");

struct txframe {
	struct xpvd_nettx_pkt pkt;
	int rc;			/* the parser's verdict */
	uint32_t off;		/* in txbuf */
	unsigned int cseg;	/* its first copy segment */
	unsigned int nr_cseg;
};

/* One frame read from the TAP and where it goes. */
struct rxframe {
	struct virtio_net_hdr_mrg_rxbuf vh;
	uint8_t *pages;		/* RX_PAGES pages of the pool */
	uint8_t *data;		/* its bytes: in pages, or in the backlog */
	uint32_t len;
	unsigned int nslots;
	struct xpvd_netrx_slot plan[XPVD_NETRX_MAX_SLOTS];
	struct netif_extra_info extra;
	uint16_t req_id[XPVD_NETRX_MAX_SLOTS];
	unsigned int cseg[XPVD_NETRX_MAX_SLOTS];
};

/* A frame in the backlog: its bytes at bl + off. */
struct blframe {
	uint32_t off, len;
	uint16_t nslots;	/* ring slots it takes (as planned when read) */
	struct virtio_net_hdr_mrg_rxbuf vh;
};

struct xpvd_netq {
	struct xpvd_netq_params p;
	char name[48];
	char be[256];
	struct xpvd_ratelimit rl;
	struct xpv_gnt *gnt;
	struct xpv_evtchn *evt;
	int evfd;
	int tx_lport, rx_lport;		/* local ports (equal: one channel) */
	void *tx_sring, *rx_sring;
	struct xpv_ring_back tx, rx;
	int stop_fd;
	pthread_t thr;
	bool started;
	bool joined;			/* main thread only */
	bool finished;			/* atomic */
	bool stopping;			/* atomic */
	bool fatal;

	struct netif_tx_request txreq[RING_SLOTS];
	struct txframe txf[TX_MAX_FRAMES];
	struct xpv_gnt_copy_seg cseg[MAX_CSEGS];
	uint8_t *txbuf;

	uint8_t *rxpool;		/* RX_BATCH * RX_PAGES pages */
	struct rxframe rxf[RX_BATCH];
	/* The backlog: frames waiting for rx buffers, oldest first. */
	uint8_t *bl;			/* BL_RING bytes */
	struct blframe *blf;		/* BL_FRAMES */
	uint32_t bl_head, bl_n;		/* the oldest frame, frames held */
	uint32_t bl_wr;			/* where the next frame's bytes go */
	uint32_t bl_bytes;		/* frame bytes held */
	uint64_t stall_since;		/* ms, 0: not stalled */
	uint64_t expired_at;		/* ms of the last expiry */
	bool carrier_off;		/* we counted in shared->stalled */
	uint32_t tick_ms;		/* TICK_MS, or less (above) */

	struct xpvd_netq_stats st;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void count(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, *c + v, __ATOMIC_RELAXED);
}

static void notify(struct xpvd_netq *q, int lport)
{
	q->p.plat->evtchn->notify(q->evt, (xpv_port_t)lport);
}

static bool vif_disabled(const struct xpvd_netq *q)
{
	return __atomic_load_n(&q->p.shared->disabled, __ATOMIC_RELAXED);
}

/*
 * The frontend broke the protocol: this queue serves no more, the vif's
 * other queues stop at their next wake-up, the carrier goes off, and the
 * `error` node says why (Linux: xenvif_fatal_tx_err; the state is left
 * for the frontend and the toolstack to change).
 */
static void queue_fatal(struct xpvd_netq *q, const char *why)
{
	int off = 0;

	if (q->fatal)
		return;
	q->fatal = true;
	count(&q->st.fatal, 1);
	__atomic_store_n(&q->p.shared->disabled, 1, __ATOMIC_RELAXED);
	(void)ioctl(q->p.shared->carrier_fd, TUNSETCARRIER, &off);
	xpvd_log_guest_at(LOG_WARNING, &q->rl, XPVD_C_IO,
			  "%s: %s: ring stopped, vif disabled", q->name, why);
	(void)xpv_xs_printf(q->p.xsh, XBT_NULL, q->be, "error",
			    "%d queue %u: %s", EPROTO, q->p.idx, why);
}

/* ---- multicast control (netmcast.h): the vif's list ---- */

/* The list is held for a few hundred nanoseconds at a time (64 entries
 * at most); a mutex, not a spin lock: a holder preempted on a one-vCPU
 * dom0 must not cost the other queues a time slice. */
static void mcast_lock(struct xpvd_netvif_shared *sh)
{
	pthread_mutex_lock(&sh->mcast_lock);
}

static void mcast_unlock(struct xpvd_netvif_shared *sh)
{
	pthread_mutex_unlock(&sh->mcast_lock);
}

/* A multicast control request: the status of its first slot. */
static int16_t mcast_request(struct xpvd_netq *q,
			     const struct xpvd_nettx_pkt *pkt)
{
	struct xpvd_netvif_shared *sh = q->p.shared;
	int err = 0;

	mcast_lock(sh);
	if (pkt->kind == XPVD_NETTX_MCAST_ADD)
		err = xpvd_netmcast_add(&sh->mcast, pkt->mcast);
	else
		(void)xpvd_netmcast_del(&sh->mcast, pkt->mcast);
	mcast_unlock(sh);
	if (pkt->kind == XPVD_NETTX_MCAST_ADD && err) {
		xpvd_log_guest_at(LOG_INFO, &q->rl, XPVD_C_IO,
				  "%s: more than %u multicast addresses",
				  q->name, XPVD_NETMCAST_MAX);
		return NETIF_RSP_ERROR;
	}
	return NETIF_RSP_OKAY;
}

/* Whether a frame for the guest with destination dst passes the filter. */
static bool mcast_pass(struct xpvd_netq *q, const uint8_t *dst)
{
	struct xpvd_netvif_shared *sh = q->p.shared;
	bool pass;

	/* Unicast: no lock (the common case). */
	if (!__atomic_load_n(&sh->mcast_filter, __ATOMIC_RELAXED) ||
	    !(dst[0] & 1))
		return true;
	mcast_lock(sh);
	pass = xpvd_netmcast_pass(&sh->mcast, true, dst);
	mcast_unlock(sh);
	return pass;
}

/* ---- TX: guest to TAP ---- */

static void tx_rsp(struct xpvd_netq *q, uint16_t id, int16_t status)
{
	struct netif_tx_response r = { .id = id, .status = status };

	(void)xpv_ring_back_put_rsp(&q->tx, &r, sizeof(r));
}

/* Answers a chain's slots in ring order (nettx.h). */
static void tx_answer(struct xpvd_netq *q, const struct xpvd_nettx_pkt *pkt,
		      int16_t status)
{
	unsigned int i;

	tx_rsp(q, pkt->segs[0].id, status);
	for (i = 0; i < pkt->nr_extras; i++)
		tx_rsp(q, 0, NETIF_RSP_NULL);
	for (i = 1; i < pkt->nr_segs; i++)
		tx_rsp(q, pkt->segs[i].id, status);
}

/*
 * Answers a copied frame (nettx.h), each data slot with OKAY unless its
 * own grant copy failed (err: the whole copy call did): ERROR then, as
 * Linux's xenvif_tx_check_gop() releases a slot whose grant operation
 * failed.  Returns whether every copy succeeded.
 */
static bool tx_answer_copied(struct xpvd_netq *q, const struct txframe *f,
			     int err)
{
	int16_t st[XPVD_NETTX_MAX_SEGS];
	unsigned int i, c = f->cseg;
	bool ok = true;

	for (i = 0; i < f->pkt.nr_segs; i++) {
		st[i] = NETIF_RSP_OKAY;
		/* Zero-size slots have no copy segment (tx_work()). */
		if (!f->pkt.segs[i].size)
			continue;
		if (err || q->cseg[c].status) {
			st[i] = NETIF_RSP_ERROR;
			ok = false;
		}
		c++;
	}
	tx_rsp(q, f->pkt.segs[0].id, st[0]);
	for (i = 0; i < f->pkt.nr_extras; i++)
		tx_rsp(q, 0, NETIF_RSP_NULL);
	for (i = 1; i < f->pkt.nr_segs; i++)
		tx_rsp(q, f->pkt.segs[i].id, st[i]);
	return ok;
}

/* Sends one copied frame to the TAP; counts it. */
static void tx_send(struct xpvd_netq *q, struct txframe *f)
{
	struct virtio_net_hdr_mrg_rxbuf vh;
	struct xpvd_net_vhdr out;
	uint8_t *frame = q->txbuf + f->off;
	struct iovec iov[2];
	const char *why = NULL;
	ssize_t n;
	int err;

	err = xpvd_netcsum_tx(frame, f->pkt.len, f->pkt.len, &f->pkt.off,
			      &out, &why);
	if (err) {
		xpvd_dbg(XPVD_C_IO, "%s: tx frame dropped: %s", q->name, why);
		count(&q->st.tx_dropped, 1);
		return;
	}
	if (out.fix)
		memcpy(frame + out.fix_off, out.fix_val, 2);
	memset(&vh, 0, sizeof(vh));
	vh.hdr = out.vh;
	iov[0].iov_base = &vh;
	iov[0].iov_len = XPVD_TAP_VNET_HDR_LEN;
	iov[1].iov_base = frame;
	iov[1].iov_len = f->pkt.len;
	n = writev(q->p.tap_fd, iov, 2);
	if (n < 0) {
		/* EIO: the device is down; EAGAIN: its queue is full. */
		xpvd_dbg(XPVD_C_IO, "%s: TAP write: %s", q->name,
			 strerror(errno));
		count(&q->st.tx_dropped, 1);
		return;
	}
	count(&q->st.tx_packets, 1);
	count(&q->st.tx_bytes, f->pkt.len);
}

/* Copies the batch's segments in, sends and answers its frames. */
static void tx_flush(struct xpvd_netq *q, unsigned int nf, unsigned int ncs)
{
	unsigned int i;
	int err = 0;

	if (ncs)
		err = q->p.plat->gnt->copy(q->gnt, ncs, q->cseg);
	for (i = 0; i < nf; i++) {
		struct txframe *f = &q->txf[i];

		if (f->rc == -EINVAL) {
			count(&q->st.tx_dropped, 1);
			tx_answer(q, &f->pkt, NETIF_RSP_ERROR);
			continue;
		}
		if (f->pkt.kind != XPVD_NETTX_PACKET) {
			tx_answer(q, &f->pkt, mcast_request(q, &f->pkt));
			continue;
		}
		/* As Linux: slots taken are answered OKAY even when the
		 * frame is dropped after (nettx.h), but for a slot whose
		 * own grant copy failed.  The frame is in txbuf by now:
		 * answering first lets nothing of the guest's change it. */
		if (tx_answer_copied(q, f, err)) {
			tx_send(q, f);
		} else {
			xpvd_log_guest_at(LOG_WARNING, &q->rl, XPVD_C_IO,
					  "%s: tx grant copy failed: frame "
					  "dropped", q->name);
			count(&q->st.tx_errors, 1);
		}
	}
}

/*
 * Consumes every published tx request, sends and answers them.  Returns
 * the number of slots consumed, 0, or -EPROTO (the queue is fatal).
 */
static int tx_work(struct xpvd_netq *q)
{
	unsigned int pos = 0, nf = 0, ncs = 0, i;
	uint32_t used = 0;
	int n, rc;

	/* Reads req_prod once, checks it against the ring and issues the
	 * read barrier (pairs with the frontend's write barrier before its
	 * req_prod store) before any slot is read. */
	n = xpv_ring_back_unconsumed(&q->tx);
	if (n < 0) {
		queue_fatal(q, "tx producer index out of range");
		return -EPROTO;
	}
	if (!n)
		return 0;
	/* Every published slot, copied out once: the parser and the rest
	 * of the worker never read the shared ring again. */
	for (i = 0; i < (unsigned int)n; i++)
		if (xpv_ring_back_get_req(&q->tx, &q->txreq[i],
					  sizeof(q->txreq[i])))
			break;
	n = (int)i;
	while (pos < (unsigned int)n) {
		struct txframe *f = &q->txf[nf];

		rc = xpvd_nettx_parse(&q->txreq[pos], (unsigned int)n - pos,
				      &f->pkt);
		if (rc == -EPROTO) {
			/* What came before is sent and answered; this
			 * chain and what follows never are. */
			tx_flush(q, nf, ncs);
			if (xpv_ring_back_push_responses(&q->tx))
				notify(q, q->tx_lport);
			queue_fatal(q, f->pkt.why ? f->pkt.why :
				    "malformed tx request");
			return -EPROTO;
		}
		if (!rc && f->pkt.kind == XPVD_NETTX_PACKET &&
		    used + f->pkt.len > TX_BUF_LEN) {
			/* No room for this frame: send the batch first
			 * (nf > 0: one frame is at most 64 KiB). */
			tx_flush(q, nf, ncs);
			nf = ncs = 0;
			used = 0;
			continue;
		}
		f->rc = rc;
		f->off = used;
		f->cseg = ncs;
		f->nr_cseg = 0;
		if (!rc && f->pkt.kind == XPVD_NETTX_PACKET) {
			uint32_t o = used;

			for (i = 0; i < f->pkt.nr_segs; i++) {
				const struct xpvd_nettx_seg *s =
					&f->pkt.segs[i];
				struct xpv_gnt_copy_seg *c = &q->cseg[ncs];

				if (!s->size)
					continue;
				memset(c, 0, sizeof(*c));
				c->source.foreign.ref = s->gref;
				c->source.foreign.offset = s->offset;
				c->source.foreign.domid = q->p.domid;
				c->dest.virt = q->txbuf + o;
				c->len = s->size;
				c->flags = XPV_COPY_SOURCE_GREF;
				o += s->size;
				ncs++;
				f->nr_cseg++;
			}
			used += f->pkt.len;
		}
		pos += f->pkt.nr_slots;
		if (++nf == TX_MAX_FRAMES) {
			tx_flush(q, nf, ncs);
			nf = ncs = 0;
			used = 0;
		}
	}
	tx_flush(q, nf, ncs);
	/* Publishes every response of the pass at once; its write barrier
	 * orders the responses before rsp_prod (pairs with the frontend's
	 * read barrier after it reads rsp_prod). */
	if (xpv_ring_back_push_responses(&q->tx))
		notify(q, q->tx_lport);
	return n;
}

/* ---- RX: TAP to guest ---- */

/* Plans f (its vh and len set): 1, or -1 when it cannot be sent
 * (dropped and counted). */
static int rx_plan(struct xpvd_netq *q, struct rxframe *f)
{
	uint16_t csum;
	int rc;

	rc = xpvd_netcsum_rx(&f->vh.hdr, &q->p.rxfeat, &csum, &f->extra);
	if (rc >= 0)
		rc = xpvd_netrx_plan(f->len, csum, rc == 1, f->plan,
				     XPVD_NETRX_MAX_SLOTS);
	if (rc <= 0) {
		xpvd_dbg(XPVD_C_IO, "%s: rx frame of %u bytes dropped (%d)",
			 q->name, f->len, rc);
		count(&q->st.rx_dropped, 1);
		return -1;
	}
	f->nslots = (unsigned int)rc;
	return 1;
}

/*
 * Reads one frame, its header into f and its bytes to dst (room for
 * XPVD_NETRX_MAX_LEN: f's pages, or the backlog), and plans it.  1 a
 * frame, 0 none waiting, -1 a frame read and dropped.
 */
static int rx_read_to(struct xpvd_netq *q, struct rxframe *f, uint8_t *dst)
{
	struct iovec iov[2];
	ssize_t n;

	iov[0].iov_base = &f->vh;
	iov[0].iov_len = XPVD_TAP_VNET_HDR_LEN;
	iov[1].iov_base = dst;
	iov[1].iov_len = XPVD_NETRX_MAX_LEN;
	n = readv(q->p.tap_fd, iov, 2);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			xpvd_dbg(XPVD_C_IO, "%s: TAP read: %s", q->name,
				 strerror(errno));
			count(&q->st.rx_errors, 1);
		}
		return 0;
	}
	if ((size_t)n <= XPVD_TAP_VNET_HDR_LEN) {
		count(&q->st.rx_errors, 1);
		return -1;
	}
	f->len = (uint32_t)((size_t)n - XPVD_TAP_VNET_HDR_LEN);
	f->data = dst;
	if (f->len >= 6 && !mcast_pass(q, dst)) {
		xpvd_dbg(XPVD_C_IO, "%s: rx multicast frame not in the list: "
			 "dropped", q->name);
		count(&q->st.rx_dropped, 1);
		return -1;
	}
	return rx_plan(q, f);
}

/* rx_read_to() into f's own pages (the pool). */
static int rx_read(struct xpvd_netq *q, struct rxframe *f)
{
	return rx_read_to(q, f, f->pages);
}

/* Consumes the posted requests of frames [0, nb), copies, answers and
 * pushes them. */
static void rx_deliver(struct xpvd_netq *q, unsigned int nb)
{
	unsigned int i, k, ncs = 0;
	int err = 0;

	for (i = 0; i < nb; i++) {
		struct rxframe *f = &q->rxf[i];

		for (k = 0; k < f->nslots; k++) {
			const struct xpvd_netrx_slot *s = &f->plan[k];
			struct netif_rx_request req;
			struct xpv_gnt_copy_seg *c;

			/* Counted as available by the caller. */
			(void)xpv_ring_back_get_req(&q->rx, &req, sizeof(req));
			f->req_id[k] = req.id;
			if (s->extra)
				continue;
			c = &q->cseg[ncs];
			memset(c, 0, sizeof(*c));
			c->source.virt = f->data + s->frame_off;
			c->dest.foreign.ref = req.gref;
			c->dest.foreign.offset = 0;
			c->dest.foreign.domid = q->p.domid;
			c->len = s->len;
			c->flags = XPV_COPY_DEST_GREF;
			f->cseg[k] = ncs++;
		}
	}
	if (ncs)
		err = q->p.plat->gnt->copy(q->gnt, ncs, q->cseg);
	for (i = 0; i < nb; i++) {
		struct rxframe *f = &q->rxf[i];
		bool bad = false;

		/* Responses go out in consumption order: each lands in the
		 * ring slot of the request it answers. */
		for (k = 0; k < f->nslots; k++) {
			const struct xpvd_netrx_slot *s = &f->plan[k];
			struct netif_rx_response r;

			if (s->extra) {
				(void)xpv_ring_back_put_rsp(&q->rx, &f->extra,
							    sizeof(f->extra));
				continue;
			}
			r.id = f->req_id[k];
			r.offset = 0;
			r.flags = s->flags;
			r.status = (int16_t)s->len;
			if (err || q->cseg[f->cseg[k]].status) {
				r.status = NETIF_RSP_ERROR;
				bad = true;
			}
			(void)xpv_ring_back_put_rsp(&q->rx, &r, sizeof(r));
		}
		if (bad) {
			xpvd_log_guest_at(LOG_WARNING, &q->rl, XPVD_C_IO,
					  "%s: rx grant copy failed", q->name);
			count(&q->st.rx_errors, 1);
		} else {
			count(&q->st.rx_packets, 1);
			count(&q->st.rx_bytes, f->len);
		}
	}
	/* Every response of the batch published at once (write barrier
	 * before rsp_prod, see tx_work()). */
	if (xpv_ring_back_push_responses(&q->rx))
		notify(q, q->rx_lport);
}

static void stall_end(struct xpvd_netq *q)
{
	int on = 1;

	q->stall_since = 0;
	if (!q->carrier_off)
		return;
	q->carrier_off = false;
	if (!__atomic_sub_fetch(&q->p.shared->stalled, 1, __ATOMIC_RELAXED) &&
	    !vif_disabled(q))
		(void)ioctl(q->p.shared->carrier_fd, TUNSETCARRIER, &on);
}

/* ---- RX: the backlog ---- */

static struct blframe *bl_at(const struct xpvd_netq *q, uint32_t k)
{
	return &q->blf[(q->bl_head + k) & (BL_FRAMES - 1u)];
}

static bool bl_full(const struct xpvd_netq *q)
{
	return q->bl_bytes >= BL_MAX || q->bl_n >= BL_FRAMES;
}

/*
 * Where len bytes go in the ring: at bl_wr, or at 0 when the ring's end
 * is too near and the start is free; UINT32_MAX when neither (cannot
 * happen within BL_MAX, see BL_RING).  Frames lie in [rd, wr) or, once
 * wrapped, in [rd, BL_RING) and [0, wr), with wr < rd kept strict.
 */
static uint32_t bl_place(const struct xpvd_netq *q, uint32_t len)
{
	uint32_t wr = q->bl_wr, rd;

	if (!q->bl_n)
		return 0;
	rd = bl_at(q, 0)->off;
	if (wr >= rd) {
		if (len <= BL_RING - wr)
			return wr;
		return len < rd ? 0 : UINT32_MAX;
	}
	return len < rd - wr ? wr : UINT32_MAX;
}

/* f, read and planned, its bytes at bl + off, is the newest frame. */
static void bl_commit(struct xpvd_netq *q, const struct rxframe *f,
		      uint32_t off)
{
	struct blframe *b = bl_at(q, q->bl_n);

	b->off = off;
	b->len = f->len;
	b->nslots = (uint16_t)f->nslots;
	b->vh = f->vh;
	q->bl_n++;
	q->bl_bytes += f->len;
	q->bl_wr = (off + f->len + BL_ALIGN - 1u) & ~(BL_ALIGN - 1u);
	if (q->bl_bytes > q->st.rx_backlog_max)
		__atomic_store_n(&q->st.rx_backlog_max, q->bl_bytes,
				 __ATOMIC_RELAXED);
}

/* f (read and planned elsewhere) waits in the backlog, copied there;
 * false when it was dropped. */
static bool bl_push(struct xpvd_netq *q, const struct rxframe *f)
{
	uint32_t off = bl_place(q, f->len);

	if (off == UINT32_MAX || q->bl_n >= BL_FRAMES) {
		count(&q->st.rx_dropped, 1);
		return false;
	}
	memcpy(q->bl + off, f->data, f->len);
	bl_commit(q, f, off);
	return true;
}

/* Reads one frame from the TAP straight into the backlog (no copy but
 * the read's); as rx_read(). */
static int bl_read(struct xpvd_netq *q)
{
	uint32_t off = bl_place(q, XPVD_NETRX_MAX_LEN);
	struct rxframe *f = &q->rxf[0];
	int rc;

	if (off == UINT32_MAX || q->bl_n >= BL_FRAMES)
		return 0;
	rc = rx_read_to(q, f, q->bl + off);
	if (rc > 0)
		bl_commit(q, f, off);
	return rc;
}

/* Forgets the n oldest frames. */
static void bl_pop(struct xpvd_netq *q, uint32_t n)
{
	while (n--) {
		q->bl_bytes -= bl_at(q, 0)->len;
		q->bl_head = (q->bl_head + 1u) & (BL_FRAMES - 1u);
		q->bl_n--;
	}
	if (!q->bl_n)
		q->bl_wr = 0;
}

/*
 * Delivers backlog frames, oldest first, while the posted buffers take
 * them; *avail is what is posted and not yet consumed.  Returns the
 * frames moved (delivered, or dropped when they cannot be planned).
 */
static unsigned int bl_deliver(struct xpvd_netq *q, unsigned int *avail)
{
	unsigned int moved = 0, nb, used;

	while (q->bl_n) {
		nb = used = 0;
		while (nb < RX_BATCH && nb < q->bl_n) {
			const struct blframe *b = bl_at(q, nb);
			struct rxframe *f = &q->rxf[nb];

			if (*avail - used < b->nslots)
				break;
			f->data = q->bl + b->off;
			f->len = b->len;
			f->vh = b->vh;
			/* As planned when it was read: the same inputs. */
			if (rx_plan(q, f) < 0 || f->nslots != b->nslots)
				break;
			used += f->nslots;
			nb++;
		}
		if (nb) {
			rx_deliver(q, nb);
			bl_pop(q, nb);
			*avail -= used;
			moved += nb;
			continue;
		}
		if (*avail < bl_at(q, 0)->nslots)
			break;
		/* The oldest frame can no longer be planned: gone. */
		bl_pop(q, 1);
		moved++;
	}
	return moved;
}

/* ---- RX: the pass ---- */

/*
 * Moves frames from the TAP to the posted buffers: the backlog's first,
 * then the TAP's in batches while nothing waits; a frame the posted
 * buffers cannot take waits in the backlog, and so do the frames after
 * it, up to BL_MAX (then the TAP is no longer read, and its own queue
 * holds what comes).  Returns the frames delivered, dropped or put in
 * the backlog, 0 when nothing moved, -EPROTO (fatal).
 */
static int rx_work(struct xpvd_netq *q)
{
	unsigned int nb = 0, used = 0, moved, out, reads = 0, avail;
	int n, rc;

	n = xpv_ring_back_unconsumed(&q->rx);
	if (n < 0) {
		queue_fatal(q, "rx producer index out of range");
		return -EPROTO;
	}
	avail = (unsigned int)n;
	moved = out = bl_deliver(q, &avail);
	while (!q->bl_n && nb < RX_BATCH) {
		rc = rx_read(q, &q->rxf[nb]);
		if (!rc)
			break;
		if (rc < 0) {
			moved++;
			continue;
		}
		if (avail - used < q->rxf[nb].nslots) {
			/* Waits, after the batch is out. */
			moved += bl_push(q, &q->rxf[nb]);
			break;
		}
		used += q->rxf[nb].nslots;
		nb++;
	}
	if (nb) {
		rx_deliver(q, nb);
		moved += nb;
	}
	/* No room in the guest: what the TAP holds goes to the backlog
	 * (a bounded number a pass: the tx ring gets its turn). */
	while (q->bl_n && !bl_full(q) && reads < BL_READS) {
		if (!bl_read(q))
			break;
		reads++;
	}
	moved += reads;
	/* A stall is a time without progress: any delivery ends it, and
	 * what still waits starts a new one (a slow guest that keeps
	 * taking frames is not stalled, however long its backlog). */
	if (out || nb)
		stall_end(q);
	if (q->bl_n && !q->stall_since)
		q->stall_since = now_ms();
	return (int)moved;
}

/*
 * Before sleeping: asks to be notified when the frontend has posted
 * what rx needs (req_event = req_cons + need), then looks again.  True
 * when it is there already.  Linux netback arms req_event the same way
 * (xenvif_rx_ring_slots_available()).
 */
static bool rx_arm(struct xpvd_netq *q, unsigned int need)
{
	struct xpv_sring *s = q->rx.ring.sring;
	uint32_t prod;

	xpv_write_once_u32(&s->req_event, q->rx.req_cons + need);
	/* Orders the req_event store before the req_prod load (pairs with
	 * the frontend's full barrier between its req_prod store and its
	 * req_event load): either it sees our event or we see its
	 * requests. */
	xpv_mb();
	prod = xpv_read_once_u32(&s->req_prod);
	return prod - q->rx.req_cons >= need;
}

/* rx has waited for buffers for a while (netq.h): expiry and carrier. */
static void rx_stall_tick(struct xpvd_netq *q)
{
	uint64_t now = now_ms();
	unsigned int dropped, i;
	int off = 0, rc;

	if (!q->stall_since)
		return;
	if (now - q->stall_since >= q->p.drain_ms &&
	    now - q->expired_at >= q->p.drain_ms) {
		q->expired_at = now;
		dropped = q->bl_n;
		bl_pop(q, q->bl_n);
		/* What the TAP queued meanwhile is as old: gone too (a frame
		 * rx_read() drops itself it counts itself). */
		for (i = 0; i < 4096; i++) {
			rc = rx_read(q, &q->rxf[0]);
			if (!rc)
				break;
			dropped += rc > 0;
		}
		count(&q->st.rx_dropped, dropped);
		xpvd_log_guest_at(LOG_INFO, &q->rl, XPVD_C_IO,
				  "%s: no rx buffers for %u ms: %u frame(s) "
				  "dropped", q->name,
				  (unsigned int)(now - q->stall_since), dropped);
	}
	if (now - q->stall_since >= q->p.stall_ms && !q->carrier_off) {
		q->carrier_off = true;
		if (__atomic_add_fetch(&q->p.shared->stalled, 1,
				       __ATOMIC_RELAXED) == 1)
			(void)ioctl(q->p.shared->carrier_fd, TUNSETCARRIER,
				    &off);
		xpvd_log_guest_at(LOG_INFO, &q->rl, XPVD_C_IO,
				  "%s: rx stalled: carrier off", q->name);
	}
}

/* ---- the thread ---- */

static void take_events(struct xpvd_netq *q)
{
	int port;

	while ((port = q->p.plat->evtchn->pending(q->evt)) >= 0)
		q->p.plat->evtchn->unmask(q->evt, (xpv_port_t)port);
}

static bool is_stopping(struct xpvd_netq *q)
{
	return __atomic_load_n(&q->stopping, __ATOMIC_ACQUIRE);
}

static void *worker_main(void *arg)
{
	struct xpvd_netq *q = arg;
	struct pollfd pfd[3];
	uint64_t v = 1;

	for (;;) {
		unsigned int need;
		bool want_tap;
		int n, r, timeout;

		take_events(q);
		if (is_stopping(q))
			break;
		if (q->fatal || vif_disabled(q)) {
			pfd[0].fd = q->stop_fd;
			pfd[0].events = POLLIN;
			(void)poll(pfd, 1, -1);
			continue;
		}
		n = tx_work(q);
		r = rx_work(q);
		if (q->fatal || n > 0 || r > 0)
			continue;
		/* Final checks: re-arm each ring's event, look again. */
		if (xpv_ring_back_final_check(&q->tx))
			continue;
		need = q->bl_n ? bl_at(q, 0)->nslots : 1;
		if (q->carrier_off && !q->bl_n)
			need = XPVD_NETRX_MAX_SLOTS;
		if (rx_arm(q, need)) {
			if (q->bl_n)
				continue;
			if (q->carrier_off)
				stall_end(q);
		}
		want_tap = !bl_full(q);
		pfd[0].fd = q->evfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = q->stop_fd;
		pfd[1].events = POLLIN;
		pfd[2].fd = q->p.tap_fd;
		pfd[2].events = POLLIN;
		timeout = q->stall_since ? (int)q->tick_ms : -1;
		(void)poll(pfd, want_tap ? 3 : 2, timeout);
		rx_stall_tick(q);
	}
	/*
	 * Finished first, then the event: the reaper reads the eventfd and
	 * then asks xpvd_netq_finished() once; the other way round it could
	 * see the event, find the queue not finished, and never hear of it
	 * again (the device would wait for Closed forever).  q lives until
	 * the reaper's join, which waits for this thread's return.
	 */
	__atomic_store_n(&q->finished, true, __ATOMIC_RELEASE);
	if (q->p.done_fd >= 0 && write(q->p.done_fd, &v, sizeof(v)) < 0)
		xpvd_dbg(XPVD_C_IO, "%s: reap eventfd: %s", q->name,
			 strerror(errno));
	return NULL;
}

/* ---- life cycle ---- */

static void netq_free(struct xpvd_netq *q)
{
	const struct xpv_platform *plat = q->p.plat;

	if (q->carrier_off)
		__atomic_sub_fetch(&q->p.shared->stalled, 1, __ATOMIC_RELAXED);
	if (q->evt) {
		if (q->rx_lport >= 0 && q->rx_lport != q->tx_lport)
			plat->evtchn->unbind(q->evt, (xpv_port_t)q->rx_lport);
		if (q->tx_lport >= 0)
			plat->evtchn->unbind(q->evt, (xpv_port_t)q->tx_lport);
		plat->evtchn->close(q->evt);
	}
	if (q->gnt) {
		if (q->rx_sring)
			plat->gnt->unmap(q->gnt, q->rx_sring, 1);
		if (q->tx_sring)
			plat->gnt->unmap(q->gnt, q->tx_sring, 1);
		plat->gnt->close(q->gnt);
	}
	if (q->stop_fd >= 0)
		close(q->stop_fd);
	if (q->txbuf)
		munmap(q->txbuf, TX_BUF_LEN);
	if (q->rxpool)
		munmap(q->rxpool, (size_t)RX_BATCH * RX_PAGES * PAGE);
	if (q->bl)
		munmap(q->bl, BL_RING);
	if (q->blf)
		munmap(q->blf, BL_FRAMES * sizeof(*q->blf));
	free(q);
}

static void *area(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Fresh: both rings at index 0.  Restart: where the previous daemon's
 * responses stopped; what the frontend published meanwhile is served
 * by the first pass.  A req_prod out of range (-EIO) fails the start as
 * it would fail the first pass.
 */
static int attach_rings(struct xpvd_netq *q)
{
	const size_t txs = XPV_RING_SLOT_SIZE(struct netif_tx_request,
					      struct netif_tx_response);
	const size_t rxs = XPV_RING_SLOT_SIZE(struct netif_rx_request,
					      struct netif_rx_response);
	int err;

	if (!q->p.reattach) {
		err = xpv_ring_back_attach(&q->tx, q->tx_sring, 1, txs, 0);
		return err ?: xpv_ring_back_attach(&q->rx, q->rx_sring, 1,
						   rxs, 0);
	}
	err = xpv_ring_back_reattach(&q->tx, q->tx_sring, 1, txs);
	if (err < 0)
		return err;
	err = xpv_ring_back_reattach(&q->rx, q->rx_sring, 1, rxs);
	if (err < 0)
		return err;
	if (q->tx.rsp_prod_pvt != q->p.tx_rsp_prod ||
	    q->rx.rsp_prod_pvt != q->p.rx_rsp_prod)
		return -ESTALE;
	return 0;
}

int xpvd_netq_start(const struct xpvd_netq_params *p, struct xpvd_netq **out)
{
	const struct xpv_platform *plat = p->plat;
	struct xpvd_netq *q;
	unsigned int i;
	int err;

	if (!p->drain_ms || !p->stall_ms)
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->p = *p;
	q->tick_ms = TICK_MS;
	if (q->tick_ms > q->p.drain_ms / 4)
		q->tick_ms = q->p.drain_ms / 4;
	if (q->tick_ms > q->p.stall_ms / 4)
		q->tick_ms = q->p.stall_ms / 4;
	if (!q->tick_ms)
		q->tick_ms = 1;
	q->stop_fd = -1;
	q->tx_lport = q->rx_lport = -1;
	snprintf(q->name, sizeof(q->name), "vif%u.%u-q%u", p->domid, p->devid,
		 p->idx);
	snprintf(q->be, sizeof(q->be), "%s", p->be);
	q->p.be = q->be;
	err = -ENOMEM;
	q->txbuf = area(TX_BUF_LEN);
	q->rxpool = area((size_t)RX_BATCH * RX_PAGES * PAGE);
	/* Touched only when a guest falls behind. */
	q->bl = area(BL_RING);
	q->blf = area(BL_FRAMES * sizeof(*q->blf));
	if (!q->txbuf || !q->rxpool || !q->bl || !q->blf)
		goto fail;
	for (i = 0; i < RX_BATCH; i++)
		q->rxf[i].pages = q->rxpool + (size_t)i * RX_PAGES * PAGE;

	err = plat->gnt->open(&q->gnt);
	if (err)
		goto fail;
	plat->gnt->set_max_grants(q->gnt, 2);
	err = plat->gnt->map(q->gnt, p->domid, 1, &p->tx_ref, 1, &q->tx_sring);
	if (err)
		goto fail;
	err = plat->gnt->map(q->gnt, p->domid, 1, &p->rx_ref, 1, &q->rx_sring);
	if (err)
		goto fail;
	err = attach_rings(q);
	if (err)
		goto fail;

	err = plat->evtchn->open(&q->evt);
	if (err)
		goto fail;
	q->evfd = plat->evtchn->fd(q->evt);
	err = plat->evtchn->bind_interdomain(q->evt, p->domid, p->tx_port);
	if (err < 0)
		goto fail;
	q->tx_lport = q->rx_lport = err;
	if (p->rx_port != p->tx_port) {
		err = plat->evtchn->bind_interdomain(q->evt, p->domid,
						     p->rx_port);
		if (err < 0)
			goto fail;
		q->rx_lport = err;
	}
	q->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->stop_fd < 0) {
		err = -errno;
		goto fail;
	}
	err = -pthread_create(&q->thr, NULL, worker_main, q);
	if (err)
		goto fail;
	/* Its first pass looks at both rings: what the frontend published
	 * before we were bound is not missed. */
	q->started = true;
	*out = q;
	return 0;

fail:
	netq_free(q);
	return err;
}

void xpvd_netq_request_stop(struct xpvd_netq *q)
{
	uint64_t one = 1;

	if (!q)
		return;
	__atomic_store_n(&q->stopping, true, __ATOMIC_RELEASE);
	if (write(q->stop_fd, &one, sizeof(one)) < 0)
		xpvd_dbg(XPVD_C_IO, "%s: stop eventfd: %s", q->name,
			 strerror(errno));
}

bool xpvd_netq_finished(const struct xpvd_netq *q)
{
	return !q->started || __atomic_load_n(&q->finished, __ATOMIC_ACQUIRE);
}

void xpvd_netq_join(struct xpvd_netq *q)
{
	if (!q->started || q->joined)
		return;
	xpvd_netq_request_stop(q);
	pthread_join(q->thr, NULL);
	q->joined = true;
}

void xpvd_netq_reap(struct xpvd_netq *q)
{
	if (!q)
		return;
	xpvd_netq_join(q);
	netq_free(q);
}

int xpvd_netq_handoff(const struct xpvd_netq *q, struct xpvd_netq_handoff *h)
{
	if (!q->started || !xpvd_netq_finished(q))
		return -EBUSY;
	/* Every pass answers and pushes all it consumed (tx_work(),
	 * rx_deliver()), so these hold unless the queue went fatal. */
	if (q->fatal || q->tx.broken || q->rx.broken ||
	    q->tx.rsp_prod_pvt != q->tx.req_cons ||
	    q->rx.rsp_prod_pvt != q->rx.req_cons)
		return -EIO;
	h->tx_ref = q->p.tx_ref;
	h->rx_ref = q->p.rx_ref;
	h->tx_port = q->p.tx_port;
	h->rx_port = q->p.rx_port;
	h->tx_rsp_prod = q->tx.rsp_prod_pvt;
	h->rx_rsp_prod = q->rx.rsp_prod_pvt;
	return 0;
}

void xpvd_netq_stats(const struct xpvd_netq *q, struct xpvd_netq_stats *st)
{
	const uint64_t *src = (const uint64_t *)&q->st;
	uint64_t *dst = (uint64_t *)st;
	size_t i;

	for (i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}
