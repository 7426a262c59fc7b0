/* SPDX-License-Identifier: MIT */
/*
 * net-front.h - internals of the net channel of libxenpvfront (netfront),
 * shared by net-wire.c (pure functions on private copies of ring slots:
 * reassembling and checking a received frame, laying out a frame to send),
 * net-conn.c (the vif's keys, opening and closing, plugged into the
 * frontend core) and net-io.c (the rings: posting rx buffers, consuming
 * answers, sending, the public I/O calls).
 *
 * Ownership, per queue: a tx pool page is one tx data slot in flight, and
 * its page index is the slot's id (so an answer names its page); a frame
 * in flight is a struct net_txf that counts the data slots not answered
 * yet.  An rx buffer is one pool page, granted once per connection; its
 * page index is the id of the request that posts it, and rx_posted[] says
 * which buffer sits in each ring slot (a response must come back in the
 * slot of its request, and its id must be that buffer's).  Responses are
 * copied out of the ring into stage[] and parsed from there; a frame's
 * buffers go back to the free stack once it has been handed over.
 *
 * Everything is allocated when the backend is in InitWait (prepare); the
 * data path never allocates.
 */
#ifndef XENPVD_FRONTEND_NET_NET_FRONT_H
#define XENPVD_FRONTEND_NET_NET_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <xen/io/netif.h>

#include "xenpvfront.h"

#include "platform.h"
#include "ring.h"

#include "core/xenbus-front.h"

#define NET_MAX_QUEUES 16u
#define NET_RING_SLOTS 256u /* one page: 256 tx or rx slots */
#define NET_DEFAULT_BUFS 256u
#define NET_DEFAULT_TIMEOUT_MS 10000u
#define NET_ETH_HLEN 14u
#define NET_NONE UINT32_MAX
/* No tx answer for this long with frames in flight: notify again. */
#define NET_KICK_MS 1000

/* ---- net-wire.c: pure functions on private copies ---- */

/* One rx ring slot as copied out: a response, or an extra-info slot
 * (both 8 bytes, as in the ring). */
union net_rx_copy {
	struct netif_rx_response rsp;
	struct netif_extra_info extra;
};

/* One tx ring slot to write: a request or an extra-info slot. */
union net_tx_slot {
	struct netif_tx_request req;
	struct netif_extra_info extra;
};

enum net_rx_verdict {
	NET_RX_FRAME,		/* a good frame: deliver it */
	NET_RX_DROP,		/* a bad frame: recycle its slots */
	NET_RX_INCOMPLETE,	/* its last slots are not answered yet */
	NET_RX_BROKEN,		/* the backend broke the protocol */
};

/* What net_rx_parse() found at the head of the staged slots. */
struct net_rx_frame {
	uint32_t nslots;	/* slots it takes, data and extra */
	uint32_t ndata;
	uint32_t data[XPVF_NET_MAX_SLOTS]; /* the data slots' positions */
	uint32_t len;
	unsigned int flags;	/* XPVF_NET_* */
	unsigned int gso_type, gso_size;
	const char *why;	/* for DROP and BROKEN: the rule */
};

/*
 * Parses the frame that starts at s[0], of avail staged slot copies; ids[i]
 * is the buffer posted in the ring slot of s[i].  A chain still open after
 * max_chain slots (every buffer the queue has) can never end: broken.
 * Returns the verdict; f is filled for FRAME and DROP (nslots is what to
 * recycle).
 */
enum net_rx_verdict net_rx_parse(const union net_rx_copy *s, uint32_t avail,
				 const uint16_t *ids, uint32_t max_chain,
				 struct net_rx_frame *f);

/* Data slots (pages) a frame of len bytes needs. */
static inline uint32_t net_tx_data_slots(size_t len)
{
	return (uint32_t)((len + XPV_PAGE_SIZE - 1) / XPV_PAGE_SIZE);
}

/*
 * Lays out the tx slots of a frame of len bytes already copied into
 * consecutive pages: the first data slot (size = the whole frame), the GSO
 * extra when gso_type is set, then one slot per further page.  refs[i] and
 * ids[i] are the grant and id of data page i.  Returns the slot count (at
 * most XPVF_NET_MAX_SLOTS), or -EINVAL / -EMSGSIZE for a frame that
 * cannot go (the caller has checked what was negotiated).
 */
int net_tx_layout(union net_tx_slot *out, size_t len, unsigned int flags,
		  unsigned int gso_type, unsigned int gso_size,
		  const xpv_gref_t *refs, const uint16_t *ids);

/* ---- the handle ---- */

struct net_txf {
	void *opaque;
	uint32_t len;
	uint32_t parts;		/* data slots not answered yet */
	int err;
	bool in_use;
	bool sync;		/* opaque is a struct net_sync */
};

struct net_queue {
	struct xpv_ring_front tx, rx;
	struct front_area tx_area, rx_area;
	xpv_gref_t tx_ref, rx_ref;
	int tx_port, rx_port;	/* equal when not split; -1: none */

	/* tx: page index = slot id */
	struct front_pool txp;
	uint32_t *page_frame;	/* per tx page: its frame, or NONE */
	struct net_txf *frames;		/* one per tx page at most */
	uint32_t *free_frames;
	uint32_t nr_free_frames;
	uint32_t tx_extras;		/* extra slots answered RSP_NULL */
	uint32_t tx_inflight;		/* frames */
	bool tx_push;

	/* rx: page index = request id */
	struct front_pool rxp;
	uint16_t rx_posted[NET_RING_SLOTS];
	uint32_t *rx_free;
	uint32_t nr_rx_free;
	union net_rx_copy stage[NET_RING_SLOTS];
	uint16_t stage_id[NET_RING_SLOTS];
	uint32_t stage_off, stage_n;
	struct iovec iov[XPVF_NET_MAX_SLOTS];
};

struct xpvf_net {
	struct front_dev dev;
	struct xpvf_net_opts opts;	/* normalised copy */
	bool broken;
	bool up;			/* every queue fully made (prepare) */

	/* negotiated */
	unsigned int nq;
	bool split, sg, gso4, gso6, mq_key;
	unsigned int rx_bufs, tx_pages;
	struct xpvf_net_info info;
	struct net_queue q[NET_MAX_QUEUES];

	xpvf_net_rx_fn rx_fn;
	xpvf_net_tx_fn tx_fn;
	void *cb_opaque;
	unsigned int callbacks;
	unsigned int rr;		/* recv's next queue */
	uint64_t tx_answers, kick_seen;
	uint64_t progress;		/* completions and staged rx slots */
	int64_t kick_at;
};

static inline struct xpvf_net *net_of(struct front_dev *d)
{
	return (struct xpvf_net *)((char *)d - offsetof(struct xpvf_net, dev));
}

/* net-conn.c */
void net_teardown(struct xpvf_net *h);

/* net-io.c */
bool net_rings_up(const struct xpvf_net *h);
int net_queue_start(struct xpvf_net *h, struct net_queue *q);
void net_post_rx(struct xpvf_net *h, struct net_queue *q);
int net_harvest(struct xpvf_net *h);
void net_fail_all(struct xpvf_net *h, int err);

#endif /* XENPVD_FRONTEND_NET_NET_FRONT_H */
