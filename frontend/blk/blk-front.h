/* SPDX-License-Identifier: MIT */
/*
 * blk-front.h - internals of the block channel of libxenpvfront (blkfront),
 * shared by blk-conn.c (the VBD's keys, opening and closing, plugged into
 * the frontend core of core/xenbus-front.h) and blk-io.c (splitting,
 * issuing and completing I/O).
 *
 * struct xpvf, the public handle, embeds the core's struct front_dev: the
 * core follows the backend and calls the block channel back through
 * blk_ops (blk-conn.c).
 *
 * Ownership: a user I/O (struct blk_io) is split into pending chunks
 * (struct blk_chunk, FIFO in the handle) and wire requests (struct
 * blk_req, one per ring slot of a queue).  io->parts counts the chunks and
 * wire requests that still refer to the I/O; the I/O completes, exactly
 * once, when it drops to zero.  A reconnect turns every unanswered wire
 * request back into a chunk (parts unchanged), so the data is issued again
 * under the new limits and nothing is answered twice.
 *
 * Every array here is allocated at open (I/Os, chunks) or at connect
 * (slots, page pools); the data path never allocates.
 */
#ifndef XENPVD_FRONTEND_BLK_BLK_FRONT_H
#define XENPVD_FRONTEND_BLK_BLK_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenpvfront.h"

#include "blkif.h"
#include "platform.h"
#include "ring.h"

#include "core/xenbus-front.h"

#define BLK_MAX_QUEUES 16u
#define BLK_MAX_ORDER 4u
#define BLK_MAX_SLOTS (32u << BLK_MAX_ORDER)
#define BLK_DEFAULT_QUEUES 4u
#define BLK_MAX_IOS 1024u
#define BLK_DEFAULT_POOL 8192u
#define BLK_DEFAULT_TIMEOUT_MS 10000u
/* No response for this long with requests in flight: notify again (an
 * event sent while a restarting backend had no port bound is lost). */
#define BLK_KICK_MS 1000

/* A zero-copy buffer (xpvf_buf_alloc()): pages granted once to the
 * backend domain; requests on them carry these grants, copying nothing. */
struct blk_ubuf {
	struct blk_ubuf *next;
	unsigned char *addr;
	uint32_t pages;
	unsigned int domid;	/* granted to */
	xpv_gref_t refs[];
};

struct blk_io {
	struct blk_io *next_free;
	enum xpvf_op op;
	uint64_t offset;
	unsigned char *buf;
	const struct blk_ubuf *ub;	/* buf lies in it, page-aligned */
	uint64_t len;
	xpvf_done_fn done;
	void *opaque;
	unsigned int parts;
	int err;
	bool in_use;
};

struct blk_chunk {
	struct blk_chunk *next;
	struct blk_io *io;
	uint64_t off;	/* into the I/O */
	uint64_t len;
	bool heap;	/* taken from the heap by a reconnect storm */
};

struct blk_req {
	struct blk_io *io;
	uint64_t off;
	uint64_t len;
	uint32_t data_head;	/* page list of the data, in order */
	uint32_t ind_head;	/* page list of the indirect pages */
	uint32_t gen;		/* uses of this slot: the id's high half */
	uint8_t rsp_op;		/* the operation its response must carry */
	bool in_use;
	bool zero_copy;		/* data segments are the io's ubuf pages */
};

struct blk_queue {
	struct xpv_ring_front ring;
	struct front_area ring_area;
	xpv_gref_t ring_refs[1u << BLK_MAX_ORDER];
	int port;			/* -1 when none */

	struct front_pool pool;		/* granted data and indirect pages */

	struct blk_req *slots;		/* one per ring slot */
	uint32_t *free_slots;		/* stack of slot indices */
	uint32_t nr_slots;
	uint32_t nr_free_slots;
	bool need_push;
};

struct xpvf {
	struct front_dev dev;		/* the core: store, state, grants */
	struct xpvf_opts opts;		/* normalised copy */
	enum xpv_blkif_abi abi;
	bool broken;

	/* negotiated */
	unsigned int nq;
	unsigned int order;
	bool persistent;
	unsigned int max_segs;
	struct xpvf_info info;
	struct blk_queue q[BLK_MAX_QUEUES];
	unsigned int rr;

	struct blk_io *ios;
	struct blk_io *free_ios;
	unsigned int nr_ios_busy;
	struct blk_chunk *chunks;
	struct blk_chunk *free_chunks;
	struct blk_chunk *pend_head, *pend_tail;
	unsigned int callbacks;		/* run since process() began */
	uint64_t responses;		/* responses handled, ever */
	uint64_t kick_seen;		/* responses at the last progress */
	int64_t kick_at;		/* ms: when to kick if no progress */

	struct blk_ubuf *ubufs;
};

/* The handle a core hook was called for. */
static inline struct xpvf *blk_of(struct front_dev *d)
{
	return (struct xpvf *)((char *)d - offsetof(struct xpvf, dev));
}

/* blk-conn.c */
void blk_teardown(struct xpvf *h);

/* blk-io.c */
int blk_harvest(struct xpvf *h);
void blk_issue(struct xpvf *h);
bool blk_rings_up(const struct xpvf *h);
void blk_requeue_all(struct xpvf *h);
void blk_fail_all(struct xpvf *h, int err);
void blk_mark_broken(struct xpvf *h);

#endif /* XENPVD_FRONTEND_BLK_BLK_FRONT_H */
