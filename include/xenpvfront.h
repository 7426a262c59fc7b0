/* SPDX-License-Identifier: MIT */
/*
 * xenpvfront.h - libxenpvfront: use a Xen virtual block device (VBD) from
 * a program, without a kernel driver.
 *
 * The library is the frontend half of the Xen PV block protocol (blkfront).
 * It finds the VBD in XenStore, negotiates with whichever backend serves it
 * (xenpvd, Linux xen-blkback, QEMU qdisk), and moves data through granted
 * pages and shared rings.  It uses what the backend offers: indirect
 * segments, multi-page rings, several queues and persistent grants.
 *
 * Threads: a handle is not thread-safe; use it from one thread at a time.
 * Completion callbacks run inside xpvf_process() (and inside the sync
 * helpers), on the calling thread.  A handle must not be used in a child
 * after fork().
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

/* An open VBD. */
struct xpvf;

/* Options for xpvf_open(); zero-initialise, then set what you need. */
struct xpvf_opts {
	/* sizeof(struct xpvf_opts): lets the library grow the struct. */
	size_t size;
	/* "xen", "sim" or NULL for the default (xen when /dev/xen/gntdev
	 * exists, else sim). */
	const char *platform;
	/* Upper bounds on what is negotiated; 0 means "as much as the
	 * backend offers" (the library's own maxima apply). */
	unsigned int max_queues;
	unsigned int max_ring_page_order;
	/* Segments per request: 0 = as offered; 11 or less disables
	 * indirect requests. */
	unsigned int max_indirect_segments;
	/* Non-zero: do not use persistent grants even when offered. */
	int no_persistent;
	/* Wire ABI: 0 native, 32 for x86_32-abi, 64 for x86_64-abi. */
	int abi;
	/* How long xpvf_open() waits for the backend, in ms (0: 10000). */
	unsigned int timeout_ms;
};

/*
 * Opens VBD devid of domain domid (the frontend's own domain: the VBD's
 * directory is /local/domain/<domid>/device/vbd/<devid>) and connects to
 * its backend.  XPVF_DOMID_SELF reads the domain from XenStore.
 * Blocks until connected or opts->timeout_ms passes (-ETIMEDOUT).
 * On success *out is set; on failure nothing is left behind.
 */
#define XPVF_DOMID_SELF 0x7fffffffu
int xpvf_open(struct xpvf **out, unsigned int domid, unsigned int devid,
	      const struct xpvf_opts *opts);

/*
 * Disconnects (Closing, then Closed once the backend answers) and frees
 * the handle.  Requests still in flight complete with -ECANCELED first.
 * Accepts NULL.
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
	unsigned int max_segments;	/* per request: 11 or the indirect count */
	int persistent;
	int flush;			/* FLUSH_DISKCACHE offered */
	int barrier;			/* WRITE_BARRIER offered */
	int discard;
	int discard_secure;
	unsigned int discard_granularity;
	unsigned int discard_alignment;
	unsigned int backend_domid;
	unsigned int reconnects;	/* times the backend connected again */
};

int xpvf_info(struct xpvf *h, struct xpvf_info *info);

/* ---- asynchronous I/O ---- */

enum xpvf_op {
	XPVF_OP_READ = 0,
	XPVF_OP_WRITE = 1,
	XPVF_OP_FLUSH = 2,
	XPVF_OP_DISCARD = 3,
	XPVF_OP_DISCARD_SECURE = 4,
	XPVF_OP_WRITE_BARRIER = 5,
};

/*
 * Called once per submitted I/O, from xpvf_process() or a sync helper.
 * result is the number of bytes moved (0 for flush and discard) or a
 * negative errno: -EIO for a backend error, -EOPNOTSUPP when the backend
 * does not support the operation, -ECANCELED when the handle closes.
 */
typedef void (*xpvf_done_fn)(void *opaque, int64_t result);

/*
 * One I/O.  buf, len and offset must be multiples of 512 bytes (offset and
 * len also of the logical sector size); buf should be 512-byte aligned.
 * Any length is accepted: the library splits it into requests of the
 * negotiated size and calls done once, when all parts have finished.
 * The caller keeps buf valid until done runs; the struct itself may be
 * reused as soon as xpvf_submit() returns.
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
 * Queues an I/O.  Returns 0 (done will be called exactly once) or -errno
 * (done will never be called): -EINVAL for a bad request, -EAGAIN when the
 * library's queue is full (process completions and try again), -EOPNOTSUPP
 * when the backend did not offer the operation, -EROFS for a write to a
 * read-only disk.
 */
int xpvf_submit(struct xpvf *h, const struct xpvf_io *io);

/* A file descriptor that polls readable when xpvf_process() has work. */
int xpvf_fd(struct xpvf *h);

/*
 * Handles everything pending without blocking: completions (calling their
 * callbacks), backend state changes (a reconnect re-issues the requests in
 * flight, re-split to the new limits).  Returns the number of callbacks
 * run, or -errno when the device is gone (-ENODEV).
 */
int xpvf_process(struct xpvf *h);

/* Waits up to timeout_ms (-1: forever) for work, then processes it. */
int xpvf_wait(struct xpvf *h, int timeout_ms);

/* Number of I/Os submitted whose done has not run yet. */
unsigned int xpvf_in_flight(struct xpvf *h);

/* ---- synchronous helpers (they run other I/O's callbacks too) ---- */

int64_t xpvf_pread(struct xpvf *h, void *buf, size_t len, uint64_t offset);
int64_t xpvf_pwrite(struct xpvf *h, const void *buf, size_t len,
		    uint64_t offset);
int xpvf_flush(struct xpvf *h);
int xpvf_discard(struct xpvf *h, uint64_t offset, uint64_t len);

/* ---- zero-copy buffers ---- */

/*
 * Returns len bytes (rounded up to pages) of memory that is already granted
 * to the backend; I/O whose buf lies inside such a buffer moves no bytes
 * through a bounce copy.  Valid until xpvf_buf_free() or xpvf_close().
 * NULL when none is left (use ordinary buffers then).
 */
void *xpvf_buf_alloc(struct xpvf *h, size_t len);
void xpvf_buf_free(struct xpvf *h, void *buf);

#ifdef __cplusplus
}
#endif

#endif /* XENPVFRONT_H */
