/* SPDX-License-Identifier: MIT */
/*
 * p9-front.h - internals of the 9pfs channel of libxenpvfront (the
 * frontend half of Xen's 9pfs transport, as Linux's 9pnet_xen), shared by
 * p9-conn.c (the device's keys and rings, plugged into the frontend core
 * of core/xenbus-front.h; opening, Tversion, closing), p9-io.c (sending
 * messages, matching replies by tag, the event loop) and p9-client.c (the
 * synchronous 9P2000.L client).
 *
 * struct xpvf_9p, the public handle, embeds the core's struct front_dev.
 *
 * Requests: one struct p9f_req per tag, in a table indexed by tag (the
 * tag is the index; the extra last entry is Tversion's P9_NOTAG).  A tag
 * goes on ring tag % nr.  Free tags wait in a FIFO, so tags (and rings)
 * rotate.  A request is queued on its ring until the whole message fits
 * the ring's `out` half, then written at once (sent); its reply is
 * accepted only on that ring, only while it is sent, and only with its
 * R-type or Rlerror.  The reply is copied into the requester's buffer:
 * rcap bytes into rbuf, what is beyond into data (a read's payload goes
 * straight into the caller's memory); nothing is ever allocated per
 * message.
 *
 * Session: one per handle.  It starts with Tversion once the core is
 * connected and ends with the connection: `lost` then fails everything
 * with -ECONNRESET and the core stops following the backend.
 */
#ifndef XENPVD_FRONTEND_9PFS_P9_FRONT_H
#define XENPVD_FRONTEND_9PFS_P9_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenpvfront.h"

#include "platform.h"
#include "ring-flex.h"

#include "core/xenbus-front.h"

#define P9F_MAX_RINGS 16u
#define P9F_DEFAULT_RINGS 2u
#define P9F_MAX_TAGS 1024u		/* tags 0..1023 in flight at once */
#define P9F_VERSION_SLOT P9F_MAX_TAGS	/* Tversion, tag P9_NOTAG */
#define P9F_DEFAULT_TIMEOUT_MS 10000u
/* No reply for this long with messages in flight: notify again. */
#define P9F_KICK_MS 1000
/* Fids of the client: a bitmap of this many, from 0. */
#define P9F_MAX_FIDS 65536u
/* Read and write parts in flight at once, at most. */
#define P9F_RW_DEPTH 32u
/* Rversion: size type tag msize version[s], "9P2000.L" or "unknown". */
#define P9F_VERSION "9P2000.L"
#define P9F_RVERSION_CAP 64u

struct p9f_req {
	struct p9f_req *next;		/* its ring's queue while unsent */
	const unsigned char *tmsg;	/* the message, or its first part */
	uint32_t tlen;
	const unsigned char *tpay;	/* the rest (a Twrite's payload) */
	uint32_t tpaylen;
	uint8_t ttype;
	bool in_use;
	bool sent;			/* on the ring, waiting for a reply */
	uint16_t ring;
	unsigned char *rbuf;		/* the reply's first rcap bytes */
	uint32_t rcap;
	unsigned char *data;		/* the rest, up to dcap bytes */
	uint32_t dcap;
	xpvf_9p_done_fn done;
	void *opaque;
};

struct p9f_ring {
	struct front_area intf_area;	/* the interface page */
	struct front_area data_area;	/* 2^order pages: in, then out */
	xpv_gref_t intf_ref;
	xpv_gref_t data_refs[1u << XPV_9PFS_MAX_ORDER];
	struct xpv_flex in;		/* backend -> frontend */
	struct xpv_flex out;		/* frontend -> backend */
	int port;			/* -1 when none */
	struct p9f_req *q_head, *q_tail;	/* unsent, in order */
	unsigned int busy;		/* its requests, queued or sent */
	uint64_t caps_sent;		/* reply room its sent requests may
					 * need: their buffers, summed */
	bool notify;			/* we produced or consumed */
};

/* The sync client's wait for one message (also Tversion's). */
struct p9f_sync {
	int result;
	bool done;
};

struct xpvf_9p {
	struct front_dev dev;		/* the core: store, state, grants */
	struct xpvf_9p_opts opts;	/* normalised copy */
	bool broken;			/* the backend broke the protocol */
	bool lost;			/* the session's connection ended */
	bool session;			/* Rversion accepted */

	/* negotiated */
	unsigned int nr;		/* rings; 0 when none */
	unsigned int order;
	uint32_t msize;			/* proposed, then the server's */
	struct xpvf_9p_info info;
	struct p9f_ring rings[P9F_MAX_RINGS];

	struct p9f_req reqs[P9F_MAX_TAGS + 1];
	uint16_t free_tags[P9F_MAX_TAGS];	/* FIFO */
	unsigned int free_head, nr_free;
	unsigned int busy;		/* requests whose done has not run */
	unsigned int next_ring;		/* round robin over the rings */
	unsigned int callbacks;		/* run since process() began */
	uint64_t replies;		/* replies taken, ever */
	uint64_t kick_seen;		/* replies at the last progress */
	int64_t kick_at;		/* ms: when to kick if no progress */

	struct p9f_sync vsync;		/* Tversion's (outlives a timeout) */
	unsigned char vmsg[P9F_RVERSION_CAP];
	unsigned char vrep[P9F_RVERSION_CAP];

	/* the client (p9-client.c) */
	uint32_t *fids;			/* bitmap, P9F_MAX_FIDS bits */
	uint32_t fid_hint;
	unsigned char *meta;		/* metadata T-messages, grown */
	size_t meta_cap;
	unsigned char *dirbuf;		/* Rreaddir, allocated once */
	uint32_t dir_count;
};

/* The handle a core hook was called for. */
static inline struct xpvf_9p *p9f_of(struct front_dev *d)
{
	return (struct xpvf_9p *)((char *)d - offsetof(struct xpvf_9p, dev));
}

/* Whether the rings exist (from the backend's InitWait until the
 * connection ends). */
static inline bool p9f_rings_up(const struct xpvf_9p *h)
{
	return h->nr != 0;
}

/* p9-conn.c */
void p9f_teardown(struct xpvf_9p *h);

/* p9-io.c */
void p9f_init_tags(struct xpvf_9p *h);
int p9f_send(struct xpvf_9p *h, unsigned int slot, const unsigned char *tmsg,
	     uint32_t tlen, unsigned char *rbuf, uint32_t rcap,
	     unsigned char *data, uint32_t dcap, xpvf_9p_done_fn done,
	     void *opaque);
int p9f_submit(struct xpvf_9p *h, unsigned char *tmsg, uint32_t tlen,
	       unsigned char *rbuf, uint32_t rcap, unsigned char *data,
	       uint32_t dcap, xpvf_9p_done_fn done, void *opaque);
/* The same for a message in two parts: tmsg (its header, whose size
 * field counts both) and pay, written into the ring together, neither
 * copied before (a Twrite's payload goes from the caller to the ring). */
int p9f_submit_pay(struct xpvf_9p *h, unsigned char *tmsg, uint32_t tlen,
		   const unsigned char *pay, uint32_t paylen,
		   unsigned char *rbuf, uint32_t rcap, xpvf_9p_done_fn done,
		   void *opaque);
int p9f_state_err(const struct xpvf_9p *h);
void p9f_harvest(struct xpvf_9p *h);
void p9f_issue(struct xpvf_9p *h);
void p9f_fail_all(struct xpvf_9p *h, int err);
void p9f_session_lost(struct xpvf_9p *h);
void p9f_sync_done(void *opaque, int result, const void *reply, size_t len);

/* p9-client.c */
int p9f_client_init(struct xpvf_9p *h);
void p9f_client_free(struct xpvf_9p *h);

#endif /* XENPVD_FRONTEND_9PFS_P9_FRONT_H */
