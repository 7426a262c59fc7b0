/* SPDX-License-Identifier: MIT */
/*
 * front.h - internals of libxenpvfront shared by front-conn.c (XenStore
 * negotiation, the connection state machine, rings and page pools) and
 * front-io.c (splitting, issuing and completing I/O).
 *
 * Ownership: a user I/O (struct front_io) is split into pending chunks
 * (struct front_chunk, FIFO in the handle) and wire requests (struct
 * front_req, one per ring slot of a queue).  io->parts counts the chunks and
 * wire requests that still refer to the I/O; the I/O completes, exactly
 * once, when it drops to zero.  A reconnect turns every unanswered wire
 * request back into a chunk (parts unchanged), so the data is issued again
 * under the new limits and nothing is answered twice.
 *
 * Every array here is allocated at open (I/Os, chunks) or at connect
 * (slots, page pools); the data path never allocates.
 */
#ifndef XENPVD_FRONTEND_FRONT_H
#define XENPVD_FRONTEND_FRONT_H

#include <stdbool.h>
#include <stdint.h>

#include "xenpvfront.h"

#include "blkif.h"
#include "platform.h"
#include "ring.h"
#include "xs-util.h"
#include "xs-watch.h"

#define FRONT_MAX_QUEUES 16u
#define FRONT_MAX_ORDER 4u
#define FRONT_MAX_SLOTS (32u << FRONT_MAX_ORDER)
#define FRONT_DEFAULT_QUEUES 4u
#define FRONT_MAX_IOS 1024u
#define FRONT_DEFAULT_POOL 8192u
#define FRONT_DEFAULT_TIMEOUT_MS 10000u
/* No response for this long with requests in flight: notify again (an
 * event sent while a restarting backend had no port bound is lost). */
#define FRONT_KICK_MS 1000
#define FRONT_NO_PAGE UINT32_MAX
/* Areas whose unshare failed (the peer still mapped them): retried later. */
#define FRONT_MAX_ZOMBIES 64u

/* Our view of the connection. */
enum front_state {
	FS_RESET,	/* told a stale backend to close; waiting for it */
	FS_INIT,	/* waiting for the backend's InitWait */
	FS_INITIALISED,	/* keys written; waiting for Connected */
	FS_CONNECTED,
	FS_CLOSING,	/* backend closing: rings kept until it is Closed */
	FS_CLOSED,	/* rings gone; waiting for InitWait again */
	FS_GONE,	/* the device was removed */
};

/* A zero-copy buffer (xpvf_buf_alloc()): pages granted once to the
 * backend domain; requests on them carry these grants, copying nothing. */
struct front_ubuf {
	struct front_ubuf *next;
	unsigned char *addr;
	uint32_t pages;
	unsigned int domid;	/* granted to */
	xpv_gref_t refs[];
};

struct front_io {
	struct front_io *next_free;
	enum xpvf_op op;
	uint64_t offset;
	unsigned char *buf;
	const struct front_ubuf *ub;	/* buf lies in it, page-aligned */
	uint64_t len;
	xpvf_done_fn done;
	void *opaque;
	unsigned int parts;
	int err;
	bool in_use;
};

struct front_chunk {
	struct front_chunk *next;
	struct front_io *io;
	uint64_t off;	/* into the I/O */
	uint64_t len;
	bool heap;	/* taken from the heap by a reconnect storm */
};

struct front_req {
	struct front_io *io;
	uint64_t off;
	uint64_t len;
	uint32_t data_head;	/* page list of the data, in order */
	uint32_t ind_head;	/* page list of the indirect pages */
	uint32_t gen;		/* uses of this slot: the id's high half */
	uint8_t rsp_op;		/* the operation its response must carry */
	bool in_use;
	bool zero_copy;		/* data segments are the io's ubuf pages */
};

struct area {
	void *addr;
	uint32_t count;
};

struct front_queue {
	struct xpv_ring_front ring;
	struct area ring_area;
	xpv_gref_t ring_refs[1u << FRONT_MAX_ORDER];
	int port;			/* -1 when none */

	struct area pool;		/* granted data and indirect pages */
	xpv_gref_t *pool_refs;
	uint32_t *page_next;		/* free list and request lists */
	uint32_t free_head;
	uint32_t nr_free_pages;

	struct front_req *slots;	/* one per ring slot */
	uint32_t *free_slots;		/* stack of slot indices */
	uint32_t nr_slots;
	uint32_t nr_free_slots;
	bool need_push;
};

struct xpvf {
	const struct xpv_platform *pf;
	struct xs_handle *xsh;
	struct xpv_xs_watcher *watcher;
	struct xpv_evtchn *evtchn;
	struct xpv_gntshr *gntshr;
	int epfd;
	bool watch_set;

	unsigned int domid, devid, be_domid;
	char fe_dir[96];
	char be_dir[XENSTORE_ABS_PATH_MAX + 1];
	struct xpvf_opts opts;		/* normalised copy */
	enum xpv_blkif_abi abi;

	enum front_state fs;
	bool be_changed;		/* watch fired: re-read */
	bool broken;
	bool closing;			/* xpvf_close() runs: refuse I/O */
	bool ever_connected;
	unsigned int keys_nq, keys_order; /* what our last keys wrote */

	/* negotiated */
	unsigned int nq;
	unsigned int order;
	bool persistent;
	unsigned int max_segs;
	struct xpvf_info info;
	struct front_queue q[FRONT_MAX_QUEUES];
	unsigned int rr;

	struct front_io *ios;
	struct front_io *free_ios;
	unsigned int nr_ios_busy;
	struct front_chunk *chunks;
	struct front_chunk *free_chunks;
	struct front_chunk *pend_head, *pend_tail;
	unsigned int callbacks;		/* run since process() began */
	uint64_t responses;		/* responses handled, ever */
	uint64_t kick_seen;		/* responses at the last progress */
	int64_t kick_at;		/* ms: when to kick if no progress */

	struct area zombies[FRONT_MAX_ZOMBIES];
	unsigned int nr_zombies;

	struct front_ubuf *ubufs;
};

/* front-conn.c */
int64_t front_now_ms(void);
void front_area_end(struct xpvf *h, void *addr, uint32_t count);
int front_conn_step(struct xpvf *h);
int front_events(struct xpvf *h, int timeout_ms);
void front_teardown(struct xpvf *h);

/* front-io.c */
int front_harvest(struct xpvf *h);
void front_issue(struct xpvf *h);
void front_requeue_all(struct xpvf *h);
void front_fail_all(struct xpvf *h, int err);
void front_mark_broken(struct xpvf *h);

#endif /* XENPVD_FRONTEND_FRONT_H */
