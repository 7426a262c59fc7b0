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
#include <sys/uio.h>

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

/* ==== 9pfs: a Xen 9pfs share (9pnet_xen + v9fs, without the kernel) ==== */

/*
 * The frontend half of Xen's 9pfs transport (docs/misc/9pfs.pandoc):
 * xpvf_9p_open() finds 9pfs device devid of the domain (the share's name
 * is the `tag` key of its frontend directory), grants one interface page
 * and 2^order data pages per ring, negotiates the rings with whichever
 * backend serves it (xenpvd, QEMU, xen-9pfsd) and starts a 9P2000.L
 * session (Tversion).  Then either send raw 9P messages (xpvf_9p_submit(),
 * asynchronous, any number in flight) or use the small synchronous client
 * below (attach, walk, open, read, write...), or both.
 *
 * A message goes on ring tag % rings, as Linux sends them, whole; its
 * reply comes back on the same ring, in any order, and is matched by tag.
 * A backend that answers a tag not in flight, a reply larger than msize or
 * than the buffer given for it, or ring indices that cannot be right,
 * breaks the device: everything in flight fails with -EIO, nothing more is
 * sent (the library reads nothing outside the rings whatever the backend
 * writes).
 *
 * A 9P session does not survive its connection: the server forgets every
 * fid when the rings go.  So when the backend leaves Connected (Closing,
 * Closed, back to InitWait), requests in flight fail with -ECONNRESET and
 * the handle is over: every later call fails with -ECONNRESET (-ENODEV
 * when the device was removed).  Close it and open the share again, which
 * starts a new session: attach and walk again.
 *
 * Threads, fork, callbacks, errors and logging: as for the block API
 * above.  A 9pfs handle is independent of any block handle.
 */

/* An open 9pfs device with its 9P session (opaque). */
struct xpvf_9p;

/* Options for xpvf_9p_open(); zero-initialise, then set what you need. */
struct xpvf_9p_opts {
	/* sizeof(struct xpvf_9p_opts): lets the library grow the struct. */
	size_t size;
	/* "xen", "sim" or NULL (as struct xpvf_opts). */
	const char *platform;
	/* Upper bounds on what is negotiated.  Rings: 0 means 2 (what Linux
	 * uses), at most 16 and what the backend offers (max-rings).  Ring
	 * page order: 0 means the backend's max-ring-page-order up to 9 (1 MiB
	 * each way per ring); a platform that grants fewer pages gets a
	 * smaller order (Linux's gntalloc allows 1024 pages by default). */
	unsigned int max_rings;
	unsigned int max_ring_page_order;
	/* The 9P msize asked for in Tversion: 0 means as large as a ring
	 * carries (2^(order+11) bytes), otherwise at least 4096 and cut to
	 * that.  The server may answer less; that is used. */
	uint32_t msize;
	/* How long xpvf_9p_open() (connecting and Tversion) and
	 * xpvf_9p_close() wait for the backend, in ms (0: 10000). */
	unsigned int timeout_ms;
};

/*
 * Opens 9pfs device devid of domain domid (XPVF_DOMID_SELF: ours; its
 * directory is /local/domain/<domid>/device/9pfs/<devid>), connects, and
 * negotiates a 9P2000.L session (Tversion) with the server.  opts may be
 * NULL.  Blocks until the session is up or opts->timeout_ms passes
 * (-ETIMEDOUT).  Other errors: -ENOENT (no such device), -EINVAL (bad
 * options), -EPROTO (the backend offers no transport version 1 or no ring,
 * or the server's Rversion makes no sense), -EPROTONOSUPPORT (the server
 * does not speak 9P2000.L), -ECONNRESET (the backend left meanwhile), or
 * the platform's -errno.  On failure nothing is left behind.
 */
int xpvf_9p_open(struct xpvf_9p **out, unsigned int domid, unsigned int devid,
		 const struct xpvf_9p_opts *opts);

/*
 * Disconnects (Closing, then Closed, waiting up to opts->timeout_ms for
 * the backend) and frees the handle.  Nothing is clunked: the server drops
 * the session's fids with the connection.  Replies that arrive while it
 * waits complete normally; the other requests complete with -ECANCELED
 * before it returns.  Accepts NULL.  Must not be called from a callback.
 */
void xpvf_9p_close(struct xpvf_9p *h);

/* What was negotiated; filled by xpvf_9p_info(). */
struct xpvf_9p_info {
	unsigned int rings;
	unsigned int ring_page_order;
	uint32_t ring_size;		/* bytes each way per ring */
	uint32_t msize;			/* the session's, from Rversion */
	unsigned int backend_domid;
	/* The share's tag (the frontend directory's `tag`, "" when absent
	 * or longer than 255 bytes), NUL-terminated. */
	char tag[256];
};

/* Fills *info.  Returns 0, or -EINVAL for a NULL argument. */
int xpvf_9p_info(struct xpvf_9p *h, struct xpvf_9p_info *info);

/* ---- raw 9P messages ---- */

/* The shortest reply buffer: an Rlerror (size, type, tag, ecode). */
#define XPVF_9P_MIN_REPLY 11u
/* Fids of raw messages must be at or above this; the client functions
 * below never use them. */
#define XPVF_9P_RAW_FID_BASE 0x80000000u

/*
 * Called once per submitted message.  result is the reply's length (>= 7;
 * the whole reply, header included, is in reply[0..result), which is the
 * caller's rbuf) or a negative errno: -EMSGSIZE when the reply was larger
 * than rcap (the device is then broken), -EIO when the device is broken,
 * -ECONNRESET when the connection ended, -ENODEV when the device went
 * away, -ECANCELED when the handle closes.  An Rlerror is a reply like any
 * other (result 11).  len is result when it is >= 0, else 0.  A callback
 * may call xpvf_9p_submit(), xpvf_9p_in_flight() and xpvf_9p_info(), no
 * other function on the same handle.
 */
typedef void (*xpvf_9p_done_fn)(void *opaque, int result, const void *reply,
				size_t len);

/*
 * Sends one 9P2000.L T-message and returns at once.  tmsg[0..len) is a
 * whole message: its size field is len, its type a T-message other than
 * Tversion (the library runs the session's), len at most the session's
 * msize.  The library picks the tag and writes it into tmsg[5..6]; tmsg
 * must stay valid and unchanged until done runs (the message waits in the
 * library while the ring is full).  The reply is copied into rbuf, which
 * holds rcap >= XPVF_9P_MIN_REPLY bytes: size it to what this message can
 * get back (Rread: 11 + count), not to msize.  Fids of raw messages start
 * at XPVF_9P_RAW_FID_BASE.
 *
 * Returns 0 (done will be called exactly once, never from inside this
 * call) or -errno (done will never be called): -EINVAL for a bad message
 * or argument, -EMSGSIZE for a message above msize, -EAGAIN when 1024
 * messages are in flight (process replies and try again), -EIO when the
 * device is broken, -ECONNRESET when the connection ended, -ENODEV when
 * the device is gone.
 */
int xpvf_9p_submit(struct xpvf_9p *h, void *tmsg, size_t len, void *rbuf,
		   size_t rcap, xpvf_9p_done_fn done, void *opaque);

/*
 * A file descriptor that polls readable when xpvf_9p_process() has work
 * (replies, room on a full ring, a backend state change).  Valid until
 * xpvf_9p_close().
 */
int xpvf_9p_fd(struct xpvf_9p *h);

/*
 * Handles everything pending without blocking: replies (calling their
 * callbacks), messages waiting for ring room, backend state changes.
 * Returns the number of callbacks run (>= 0), or -EIO once the device is
 * broken, -ECONNRESET once the connection has ended, -ENODEV once the
 * device is gone.
 */
int xpvf_9p_process(struct xpvf_9p *h);

/*
 * Waits up to timeout_ms (-1: forever) for xpvf_9p_fd(), then calls
 * xpvf_9p_process() and returns as it does (0 on timeout).  While messages
 * are in flight it may return 0 after a second: it then notifies the
 * backend again (an event may be lost across a backend's restart), so
 * callers loop on it.
 */
int xpvf_9p_wait(struct xpvf_9p *h, int timeout_ms);

/* Messages submitted whose done has not run yet (0 for NULL); the client
 * functions' own messages included. */
unsigned int xpvf_9p_in_flight(struct xpvf_9p *h);

/* ---- a synchronous 9P2000.L client ---- */

/*
 * Each function sends its messages and waits for the replies, running
 * other messages' callbacks meanwhile; none may be called from a callback.
 * They return 0 (or a count) or -errno: the server's Rlerror code (-ENOENT,
 * -EACCES...), -EPROTO for a reply that does not parse, or the transport's
 * errors as xpvf_9p_submit() (never -EAGAIN: a full table is waited out).
 * Fids are numbers the library allocates (below XPVF_9P_RAW_FID_BASE) and
 * takes back at xpvf_9p_clunk().  Names are one path component each (no
 * '/'); the server confines them to the share.  Every reply is read into
 * a buffer sized to that message, never to msize.
 */

/* A 9P qid: the server's identity of a file. */
struct xpvf_9p_qid {
	uint8_t type;		/* XPVF_9P_QT* bits */
	uint32_t version;
	uint64_t path;
};

#define XPVF_9P_QTDIR 0x80
#define XPVF_9P_QTSYMLINK 0x02
#define XPVF_9P_QTFILE 0x00

/* Tlopen/Tlcreate flags: 9P2000.L's numbers (Linux's generic O_* values,
 * those of x86 and arm), not necessarily the host's O_*. */
#define XPVF_9P_RDONLY 00000000u
#define XPVF_9P_WRONLY 00000001u
#define XPVF_9P_RDWR 00000002u
#define XPVF_9P_CREATE 00000100u
#define XPVF_9P_EXCL 00000200u
#define XPVF_9P_TRUNC 00001000u
#define XPVF_9P_APPEND 00002000u
#define XPVF_9P_DIRECTORY 00200000u
#define XPVF_9P_NOFOLLOW 00400000u
#define XPVF_9P_SYNC 04000000u

/* xpvf_9p_unlinkat() flag: remove a directory (AT_REMOVEDIR). */
#define XPVF_9P_AT_REMOVEDIR 0x200u

/*
 * Tattach: the root of the share as a new fid, for user uname / n_uname
 * (numeric uid; 0xffffffff: none) and share aname (xenpvd ignores it; ""
 * is fine).  qid may be NULL.  0 and *fid.
 */
int xpvf_9p_attach(struct xpvf_9p *h, const char *uname, uint32_t n_uname,
		   const char *aname, uint32_t *fid, struct xpvf_9p_qid *qid);

/*
 * Twalk from fid along path ("a/b/c"; empty components and "." are
 * skipped; "" clones fid) to a new fid, in walks of at most 16 names.
 * fid itself is unchanged.  0 and *newfid; -ENOENT when a component does
 * not exist (no fid is left behind), -ENAMETOOLONG when a component is
 * longer than 65535 bytes or a walk does not fit msize.
 */
int xpvf_9p_walk(struct xpvf_9p *h, uint32_t fid, const char *path,
		 uint32_t *newfid);

/* Tlopen: opens fid (a file or a directory, for xpvf_9p_readdir()) with
 * XPVF_9P_* flags.  qid may be NULL. */
int xpvf_9p_lopen(struct xpvf_9p *h, uint32_t fid, uint32_t flags,
		  struct xpvf_9p_qid *qid);

/*
 * Tlcreate: creates file name in directory dirfid with XPVF_9P_* flags,
 * mode bits and group gid, and opens it: as in 9P, dirfid then stands for
 * the new open file, not the directory (walk a clone first to keep the
 * directory).  qid may be NULL.
 */
int xpvf_9p_lcreate(struct xpvf_9p *h, uint32_t dirfid, const char *name,
		    uint32_t flags, uint32_t mode, uint32_t gid,
		    struct xpvf_9p_qid *qid);

/*
 * Tread / Twrite on an open fid: len bytes at offset off, split into
 * messages of at most msize - 11 (read) or msize - 23 (write) bytes, a
 * few in flight at once.  Returns the bytes moved from off on, without a
 * gap: fewer than len at end of file or when a part came back short or
 * failed after earlier parts succeeded; -errno when nothing was moved.
 * Reads land straight in buf; writes are copied into a set of buffers the
 * handle keeps (allocated at the first write, msize bytes each, a few per
 * ring).  len above INT64_MAX is -EINVAL.
 */
int64_t xpvf_9p_read(struct xpvf_9p *h, uint32_t fid, uint64_t off, void *buf,
		     size_t len);
int64_t xpvf_9p_write(struct xpvf_9p *h, uint32_t fid, uint64_t off,
		      const void *buf, size_t len);

/* One directory entry, as Rreaddir gives it. */
struct xpvf_9p_dirent {
	struct xpvf_9p_qid qid;
	uint64_t offset;	/* the cookie that continues after it */
	uint8_t type;		/* DT_* value */
	const char *name;	/* NUL-terminated, valid during the call */
	uint16_t name_len;
};

/* Called per entry by xpvf_9p_readdir(): 0 to go on, non-zero to stop
 * after this entry. */
typedef int (*xpvf_9p_dirent_fn)(void *opaque,
				 const struct xpvf_9p_dirent *ent);

/*
 * Treaddir on a directory fid opened with xpvf_9p_lopen(): one message's
 * worth of entries from *cookie (0: the start), each passed to fn; *cookie
 * becomes the offset of the last entry passed.  Returns the number of
 * entries passed; 0 at the end of the directory.  Call it again until it
 * returns 0.
 */
int xpvf_9p_readdir(struct xpvf_9p *h, uint32_t fid, uint64_t *cookie,
		    xpvf_9p_dirent_fn fn, void *opaque);

/* Rgetattr's fields; valid says which the server filled in (P9_GETATTR_*
 * bits of 9P2000.L: 0x1 mode ... 0x200 size, 0x7ff the basic set). */
struct xpvf_9p_attr {
	uint64_t valid;
	struct xpvf_9p_qid qid;
	uint32_t mode, uid, gid;
	uint64_t nlink, rdev, size, blksize, blocks;
	uint64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec;
	uint64_t ctime_sec, ctime_nsec, btime_sec, btime_nsec;
	uint64_t gen, data_version;
};

/* Tgetattr (everything) of fid, open or not. */
int xpvf_9p_getattr(struct xpvf_9p *h, uint32_t fid, struct xpvf_9p_attr *a);

/* Tsetattr: sets fid's file size (truncates or extends). */
int xpvf_9p_truncate(struct xpvf_9p *h, uint32_t fid, uint64_t size);

/* Tfsync of an open fid (datasync: only what reading the data needs). */
int xpvf_9p_fsync(struct xpvf_9p *h, uint32_t fid, int datasync);

/* Tmkdir: directory name in directory dfid, with mode and gid.  qid may
 * be NULL.  dfid is unchanged. */
int xpvf_9p_mkdir(struct xpvf_9p *h, uint32_t dfid, const char *name,
		  uint32_t mode, uint32_t gid, struct xpvf_9p_qid *qid);

/* Tunlinkat: removes name from directory dfid (flags 0 for a file,
 * XPVF_9P_AT_REMOVEDIR for an empty directory). */
int xpvf_9p_unlinkat(struct xpvf_9p *h, uint32_t dfid, const char *name,
		     uint32_t flags);

/*
 * Tclunk: ends fid.  The fid is given back to the library whatever the
 * answer (9P ends a fid even when Rclunk is an error), so it must not be
 * used again.  -EBADF for a fid the library did not hand out.
 */
int xpvf_9p_clunk(struct xpvf_9p *h, uint32_t fid);

/* ==== net: a Xen virtual network interface (netfront, without the kernel) ==== */

/*
 * The frontend half of Xen's netif protocol (xen/io/netif.h), as Linux
 * xen-netfront speaks it: xpvf_net_open() finds vif device devid of the
 * domain, reads the backend's offers, grants per queue a tx ring, an rx
 * ring and the page pools, writes its keys and says Connected in one
 * transaction (netfront never says Initialised), and waits for the
 * backend (xenpvd --type=vif, Linux xen-netback) to connect.
 *
 * Frames are whole Ethernet frames (no FCS), 14 to XPVF_NET_MAX_FRAME
 * bytes.  Sending copies the frame into pages granted once per connection
 * (one ring slot per page, plus one for the GSO metadata); the caller's
 * buffer is free again when the send call returns.  Receiving: a pool of
 * page-sized buffers is posted on the rx ring and re-posted (same grant)
 * after each frame is consumed; the backend copies frames into them.  A
 * frame arrives either in a callback, as an iovec over the pool pages
 * (valid during the callback only: nothing is copied), or copied into the
 * caller's buffer by xpvf_net_recv().
 *
 * Every rx response is checked on a private copy before it is believed:
 * its id must be the buffer posted in that ring slot, its offset and size
 * inside the page, its extra-info slots known.  A frame whose slots break
 * a size or offset rule, carry an error status, or span more than
 * XPVF_NET_MAX_SLOTS slots is dropped (its buffers are re-posted;
 * info.rx_errors counts it), as Linux does; an id that is not the buffer
 * of its slot, a tx answer for nothing in flight or ring indices that
 * cannot be right break the device: everything fails with -EIO.
 *
 * When the backend leaves Connected (Closing, Closed, back to InitWait),
 * frames it has answered complete, the frames it has not complete with
 * -ECONNRESET (a frame may or may not have gone out: resending could send
 * it twice), received frames not yet taken are dropped, and the device
 * connects again when the backend comes back.  Sending meanwhile is
 * -EAGAIN (the synchronous helpers wait).
 *
 * Threads, fork, callbacks, errors and logging: as for the block API
 * above.  A net handle is independent of any other handle.
 */

/* An open vif (opaque). */
struct xpvf_net;

/* Largest frame: the first tx slot's size is 16 bits. */
#define XPVF_NET_MAX_FRAME 65535u
/* Most ring slots one frame may use each way, data and extra info
 * (XEN_NETIF_NR_SLOTS_MIN, what every backend accepts). */
#define XPVF_NET_MAX_SLOTS 18u

/* Frame flags (struct xpvf_net_frame.flags). */
/* The L4 checksum is not filled in: it holds the pseudo-header sum only
 * (Linux's CHECKSUM_PARTIAL).  On tx the host side completes it; on rx
 * the caller must, or pass the frame on as partial (a TAP's
 * VIRTIO_NET_HDR_F_NEEDS_CSUM). */
#define XPVF_NET_CSUM_BLANK 0x1u
/* rx: the backend vouches for the checksum (data_validated). */
#define XPVF_NET_DATA_VALIDATED 0x2u

/* GSO types (struct xpvf_net_frame.gso_type), netif's numbers. */
#define XPVF_NET_GSO_NONE 0u
#define XPVF_NET_GSO_TCPV4 1u
#define XPVF_NET_GSO_TCPV6 2u

/*
 * One frame.  tx: iov[0..iovcnt) holds the frame (any split; len is
 * ignored), flags may be XPVF_NET_CSUM_BLANK (checksum offload), gso_type
 * and gso_size (the MSS, 1..65535) ask the host to segment a TCP frame
 * larger than the MTU (needs SG and the negotiated gso_tcpv4/v6; implies
 * a blank checksum), queue picks the tx queue (modulo the queues in use).
 * rx: the library fills every field; iov points into its pages.
 */
struct xpvf_net_frame {
	const struct iovec *iov;
	unsigned int iovcnt;
	size_t len;
	unsigned int flags;
	unsigned int gso_type;
	unsigned int gso_size;
	unsigned int queue;
};

/* Options for xpvf_net_open(); zero-initialise, then set what you need. */
struct xpvf_net_opts {
	/* sizeof(struct xpvf_net_opts): lets the library grow the struct. */
	size_t size;
	/* "xen", "sim" or NULL (as struct xpvf_opts). */
	const char *platform;
	/* Queues wanted: 0 means 1; at most 16 and the backend's
	 * multi-queue-max-queues. */
	unsigned int max_queues;
	/* Non-zero: turn a feature down even when the backend offers it. */
	int no_split_evtchn;	/* one event channel per queue, not two */
	int no_sg;		/* one slot per frame: frames up to 4096 */
	int no_gso_tcpv4;
	int no_gso_tcpv6;
	int no_csum_offload;	/* frames arrive with full checksums */
	int no_ipv6_csum_offload;
	/* Receive buffers (pages) per queue: 0 means 256, the rx ring's
	 * size; at least XPVF_NET_MAX_SLOTS.  A platform that grants fewer
	 * pages gets fewer (Linux's gntalloc allows 1024 by default). */
	unsigned int rx_buffers;
	/* Transmit pages per queue: 0 means 256; at least
	 * XPVF_NET_MAX_SLOTS.  Shrinks like rx_buffers. */
	unsigned int tx_pages;
	/* How long xpvf_net_open() and xpvf_net_close() wait for the
	 * backend, in ms (0: 10000). */
	unsigned int timeout_ms;
};

/* What was negotiated; filled by xpvf_net_info(). */
struct xpvf_net_info {
	unsigned int queues;
	int split_evtchn;
	int sg;
	int gso_tcpv4;		/* may send GSO TCPv4 frames */
	int gso_tcpv6;
	int csum_offload;	/* may receive frames with a blank checksum */
	int ipv6_csum_offload;	/* the backend takes blank IPv6 checksums */
	unsigned int rx_buffers;	/* per queue */
	unsigned int tx_pages;		/* per queue */
	/* The largest frame xpvf_net_submit() takes (4096 without SG). */
	unsigned int max_frame;
	/* The frontend directory's `mac`, all zero when absent or bad. */
	uint8_t mac[6];
	unsigned int backend_domid;
	unsigned int reconnects;	/* times the backend connected again */
	uint64_t rx_frames, rx_errors, tx_frames, tx_errors;
};

/*
 * Opens vif devid of domain domid (XPVF_DOMID_SELF: ours; its directory
 * is /local/domain/<domid>/device/vif/<devid>) and connects.  opts may be
 * NULL.  Blocks until connected or opts->timeout_ms passes (-ETIMEDOUT).
 * Other errors: -ENOENT (no such device), -EINVAL (bad options), -EPROTO
 * (the backend does not offer feature-rx-copy), or the platform's -errno.
 * On failure nothing is left behind.
 */
int xpvf_net_open(struct xpvf_net **out, unsigned int domid,
		  unsigned int devid, const struct xpvf_net_opts *opts);

/*
 * Disconnects (Closing, Closed, waiting up to opts->timeout_ms for the
 * backend; tx answers that arrive meanwhile complete normally, the rest
 * with -ECANCELED) and frees the handle.  Accepts NULL.  Must not be
 * called from a callback.
 */
void xpvf_net_close(struct xpvf_net *h);

/* Fills *info.  Returns 0, or -EINVAL for a NULL argument. */
int xpvf_net_info(struct xpvf_net *h, struct xpvf_net_info *info);

/*
 * A received frame, during xpvf_net_process() (and the functions that
 * call it).  f and its iov (over the library's pages) are valid only
 * during the call; copy what must be kept.  A callback may call
 * xpvf_net_submit(), xpvf_net_tx_in_flight() and xpvf_net_info(), no
 * other function on the same handle.
 */
typedef void (*xpvf_net_rx_fn)(void *opaque, const struct xpvf_net_frame *f);

/*
 * A submitted frame is done: result is its length once the backend took
 * it, or -EIO (the backend answered an error or the device is broken),
 * -ENOBUFS (the backend dropped it), -ECONNRESET (the connection ended
 * first), -ENODEV (the device went away), -ECANCELED (the handle closes).
 * frame_opaque is submit's.  Same rules as xpvf_net_rx_fn.
 */
typedef void (*xpvf_net_tx_fn)(void *opaque, void *frame_opaque, int result);

/*
 * Sets the callbacks (either may be NULL) and their opaque.  With rx set,
 * xpvf_net_process() hands every received frame to it; without, frames
 * wait (in the rx ring's posted buffers, so the backend waits too) for
 * xpvf_net_recv().  Returns 0 or -EINVAL (NULL handle).
 */
int xpvf_net_set_callbacks(struct xpvf_net *h, xpvf_net_rx_fn rx,
			   xpvf_net_tx_fn tx_done, void *opaque);

/*
 * Copies frame f into granted pages and puts it on its tx queue's ring.
 * Returns 0 (the tx callback, if set, will run exactly once for it, never
 * from inside this call) or -errno (it never will): -EINVAL (bad frame:
 * shorter than 14 bytes, a bad gso_size or flag), -EMSGSIZE (longer than
 * info.max_frame), -EOPNOTSUPP (GSO not negotiated), -EAGAIN (not enough
 * free ring slots or pages on that queue, or reconnecting: process and try
 * again), -EIO (broken), -ENODEV (gone).
 */
int xpvf_net_submit(struct xpvf_net *h, const struct xpvf_net_frame *f,
		    void *frame_opaque);

/* Frames submitted whose completion has not run yet (0 for NULL). */
unsigned int xpvf_net_tx_in_flight(struct xpvf_net *h);

/*
 * A file descriptor that polls readable when xpvf_net_process() has work
 * (answers, frames, a backend state change).  Valid until close.
 */
int xpvf_net_fd(struct xpvf_net *h);

/*
 * Handles everything pending without blocking: tx answers, received
 * frames (to the rx callback, when set), backend state changes.  Returns
 * the number of callbacks run (>= 0), -EIO once broken, -ENODEV once gone.
 */
int xpvf_net_process(struct xpvf_net *h);

/*
 * Waits up to timeout_ms (-1: forever) for xpvf_net_fd(), then calls
 * xpvf_net_process() and returns as it does (0 on timeout; it may return
 * 0 early, so callers loop).
 */
int xpvf_net_wait(struct xpvf_net *h, int timeout_ms);

/*
 * Synchronous send: submits f, waiting out -EAGAIN, then waits for its
 * completion (running other callbacks meanwhile).  Returns the frame's
 * length or -errno as the tx callback's result and xpvf_net_submit().
 * Not from a callback.
 */
int xpvf_net_send(struct xpvf_net *h, const struct xpvf_net_frame *f);

/*
 * Synchronous receive, for a handle without an rx callback (-EINVAL
 * otherwise): waits up to timeout_ms (-1: forever) for the next frame of
 * any queue and copies it into buf.  Returns its length, 0 on timeout,
 * -EMSGSIZE when it is longer than len (the frame is dropped), or -EIO,
 * -ENODEV.  meta, when not NULL, gets the frame's len, flags, gso_type,
 * gso_size and queue (iov NULL).  Not from a callback.
 */
int xpvf_net_recv(struct xpvf_net *h, void *buf, size_t len, int timeout_ms,
		  struct xpvf_net_frame *meta);

#ifdef __cplusplus
}
#endif

#endif /* XENPVFRONT_H */
