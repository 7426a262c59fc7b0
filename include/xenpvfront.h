/* SPDX-License-Identifier: MIT */
/*
 * xenpvfront.h - libxenpvfront: use a Xen virtual block device (VBD) from
 * a program, without a kernel driver.
 *
 * The library is the frontend half of the Xen PV block protocol (blkfront).
 * It finds the VBD in XenStore, negotiates with whichever backend serves it
 * (xenpvd, Linux xen-blkback, QEMU qdisk), and moves data through granted
 * pages and shared rings.  It uses what the backend offers: indirect
 * segments, multi-page rings, several queues and persistent grants.  When
 * the backend disconnects and connects again (a restart, a move to another
 * backend with other limits), the requests in flight are issued again,
 * re-split to the new limits; each I/O still completes exactly once.
 *
 * Data moves through a pool of pages granted once when the device connects
 * and reused for every request (copied from and to the caller's buffer):
 * a process cannot grant arbitrary memory of its own.
 *
 * Threads: a handle is not thread-safe; use it from one thread at a time.
 * Completion callbacks run inside xpvf_process() (and inside the functions
 * that call it: xpvf_wait(), the synchronous helpers, xpvf_close()), on the
 * calling thread.  A handle must not be used in a child after fork().
 *
 * Errors: every function returns 0 (or a count) on success and a negative
 * errno value on failure; errno is not used.  The library never logs and
 * never exits the process.
 */
#ifndef XENPVFRONT_H
#define XENPVFRONT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An open VBD (opaque). */
struct xpvf;

/* Options for xpvf_open(); zero-initialise, then set what you need. */
struct xpvf_opts {
	/* sizeof(struct xpvf_opts): lets the library grow the struct. */
	size_t size;
	/* "xen", "sim" or NULL for the default (xen when /dev/xen/gntdev
	 * exists, else sim). */
	const char *platform;
	/* Upper bounds on what is negotiated; 0 means "as much as the
	 * backend offers" within the library's own maxima (16 queues, ring
	 * order 4, 4096 segments). */
	unsigned int max_queues;
	unsigned int max_ring_page_order;
	/* Segments per request: 0 = as offered; 1..11 disables indirect
	 * requests (plain 11-segment requests only). */
	unsigned int max_indirect_segments;
	/* Non-zero: do not offer persistent grants even when the backend
	 * supports them. */
	int no_persistent;
	/* Wire ABI: 0 native, 32 for x86_32-abi, 64 for x86_64-abi. */
	int abi;
	/* How long xpvf_open() and xpvf_close() wait for the backend, in ms
	 * (0: 10000). */
	unsigned int timeout_ms;
	/* Granted data pages for all queues together (0: 8192, 32 MiB).
	 * Each queue gets at least enough for one request of the negotiated
	 * maximum size. */
	unsigned int pool_pages;
};

/* Use the calling domain, as XenStore's relative "domid" key says. */
#define XPVF_DOMID_SELF 0x7fffffffu

/*
 * Opens VBD devid of domain domid (the frontend's own domain: the VBD's
 * directory is /local/domain/<domid>/device/vbd/<devid>) and connects to
 * its backend.  opts may be NULL (all defaults).  Blocks until connected,
 * or until opts->timeout_ms passes (-ETIMEDOUT).  Other errors: -ENOENT
 * when the VBD does not exist, -EINVAL for bad options, -EPROTO when the
 * backend publishes values that make no sense, or the platform's -errno.
 * On success *out is set; on failure nothing is left behind (the VBD's
 * state key may have been moved back to Initialising).
 */
int xpvf_open(struct xpvf **out, unsigned int domid, unsigned int devid,
	      const struct xpvf_opts *opts);

/*
 * Disconnects (Closing, then Closed, waiting up to opts->timeout_ms for the
 * backend to follow) and frees the handle.  Requests the backend answers
 * meanwhile complete normally; the rest complete with -ECANCELED before it
 * returns.  Accepts NULL.  Must not be called from a completion callback.
 */
void xpvf_close(struct xpvf *h);

/* What was negotiated; filled by xpvf_info(). */
struct xpvf_info {
	uint64_t sectors;		/* disk size, 512-byte units */
	unsigned int sector_size;	/* logical sector size, bytes */
	unsigned int physical_sector_size;
	int readonly;
	int removable;
	int cdrom;
	unsigned int queues;
	unsigned int ring_page_order;
	unsigned int max_segments;	/* per request: 11, or indirect */
	int persistent;
	int flush;			/* FLUSH_DISKCACHE offered */
	int barrier;			/* WRITE_BARRIER offered */
	int discard;
	int discard_secure;
	unsigned int discard_granularity;
	unsigned int discard_alignment;
	unsigned int backend_domid;
	unsigned int reconnects;	/* times the backend connected again */
	int abi;			/* 32 or 64: the wire layout in use */
	/* Requests whose data moved straight from or to an xpvf_buf_alloc()
	 * buffer, copying nothing (a count since xpvf_open()). */
	uint64_t zero_copy_requests;
};

/*
 * Fills *info with the values of the current (or, while reconnecting, the
 * last) connection.  Returns 0, or -EINVAL for a NULL argument.
 */
int xpvf_info(struct xpvf *h, struct xpvf_info *info);

/* ---- asynchronous I/O ---- */

enum xpvf_op {
	XPVF_OP_READ = 0,
	XPVF_OP_WRITE = 1,
	XPVF_OP_FLUSH = 2,		/* makes completed writes durable */
	XPVF_OP_DISCARD = 3,
	XPVF_OP_DISCARD_SECURE = 4
};

/*
 * Called once per submitted I/O.  result is the number of bytes moved
 * (0 for flush and discard) or a negative errno: -EIO for a backend error
 * or a broken device, -EOPNOTSUPP when the backend refused the operation,
 * -ENODEV when the device went away, -ECANCELED when the handle closes.
 * A callback may call xpvf_submit(), xpvf_in_flight() and xpvf_info();
 * it must not call the other functions on the same handle.
 */
typedef void (*xpvf_done_fn)(void *opaque, int64_t result);

/*
 * One I/O.  offset and len must be multiples of the logical sector size
 * (512 bytes or more); buf has no alignment requirement.  Read and write
 * take any len > 0 that fits the disk: the library splits it into requests
 * of the negotiated size and calls done once, when all parts have finished
 * (on error, result is the first part's error).  Flush ignores offset, buf
 * and len.  The caller keeps buf valid until done runs; the struct itself
 * may be reused as soon as xpvf_submit() returns.
 */
struct xpvf_io {
	enum xpvf_op op;
	uint64_t offset;	/* bytes */
	void *buf;
	size_t len;
	xpvf_done_fn done;
	void *opaque;
};

/*
 * Queues an I/O and starts it when ring space allows.  Returns 0 (done will
 * be called exactly once, never from inside this call) or -errno (done will
 * never be called): -EINVAL for a bad request (alignment, past the end of
 * the disk, NULL done), -EAGAIN when 1024 I/Os are already in flight
 * (process completions and try again), -EOPNOTSUPP when the backend did not
 * offer the operation, -EROFS for a write or discard to a read-only disk,
 * -EIO when the device is broken, -ENODEV when it is gone.
 */
int xpvf_submit(struct xpvf *h, const struct xpvf_io *io);

/*
 * A file descriptor that polls readable when xpvf_process() has work
 * (responses or a backend state change): one epoll fd over the event
 * channel and the XenStore watch.  Valid until xpvf_close().
 */
int xpvf_fd(struct xpvf *h);

/*
 * Handles everything pending without blocking: completions (calling their
 * callbacks), backend state changes (a reconnect re-issues the requests in
 * flight, re-split to the new limits) and queued I/O.  Returns the number
 * of callbacks run (>= 0), -EIO once the device is broken (a response that
 * answers no request in flight or has the wrong operation: every I/O then
 * fails with -EIO), or -ENODEV once the device is gone.
 */
int xpvf_process(struct xpvf *h);

/*
 * Waits up to timeout_ms (-1: forever) for xpvf_fd() to become readable,
 * then calls xpvf_process().  Returns as xpvf_process() (0 on timeout).
 * While I/O is in flight it may return 0 after at most a second even with
 * a longer timeout: it then re-kicks queues whose backend has been silent
 * (an event may have fallen between a backend's exit and its successor),
 * so callers loop on it.
 */
int xpvf_wait(struct xpvf *h, int timeout_ms);

/* Number of I/Os submitted whose done has not run yet (0 for NULL). */
unsigned int xpvf_in_flight(struct xpvf *h);

/* ---- synchronous helpers ---- */

/*
 * Each submits one I/O and waits for it, running other I/Os' callbacks
 * meanwhile.  Returns the bytes moved (len) or 0 for flush and discard, or
 * -errno as xpvf_submit() and the callback's result.  A full queue is
 * waited out, not returned as -EAGAIN.  Must not be called from a
 * completion callback.
 */
int64_t xpvf_pread(struct xpvf *h, void *buf, size_t len, uint64_t offset);
int64_t xpvf_pwrite(struct xpvf *h, const void *buf, size_t len,
		    uint64_t offset);
int xpvf_flush(struct xpvf *h);
int xpvf_discard(struct xpvf *h, uint64_t offset, uint64_t len);

/* ---- zero-copy buffers ---- */

/*
 * Returns len bytes (rounded up to whole 4 KiB pages, page-aligned) of
 * memory granted once to the backend's domain.  A read or write whose buf
 * starts on a page boundary inside such a buffer and ends inside it moves
 * its data straight between these pages and the disk: the library copies
 * nothing, where other buffers go through its page pool (a copy each way).
 * The memory is zeroed, valid until xpvf_buf_free() or xpvf_close(), and
 * must not be freed with free().  NULL when the platform grants no more
 * pages (grants are bounded: Linux's gntalloc allows 1024 by default) or on
 * a NULL handle.
 */
void *xpvf_buf_alloc(struct xpvf *h, size_t len);

/*
 * Ends a buffer of xpvf_buf_alloc() (NULL is fine).  No I/O on it may be in
 * flight.  If the backend still maps its pages (persistent grants), the
 * grants end later, when it lets them go.
 */
void xpvf_buf_free(struct xpvf *h, void *buf);

#ifdef __cplusplus
}
#endif

#endif /* XENPVFRONT_H */
