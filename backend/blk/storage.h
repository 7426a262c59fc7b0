/* SPDX-License-Identifier: MIT */
/*
 * storage.h - the storage engine of xenpvd: disks (raw image files and block
 * devices) and per-worker I/O queues over them.
 *
 * The engine knows nothing of rings, grants or XenStore.  It takes I/O as
 * (operation, byte offset on the disk, iovec of local buffers, cookie) and
 * reports each completion as (cookie, result).  Guarantees:
 *
 *  - A disk (struct xpv_disk) is opened once per VBD and is immutable
 *    afterwards: any number of queues and threads may use it at once.
 *  - A queue (struct xpv_ioq) belongs to one thread (its ring worker) and
 *    shares nothing with other queues on the data path.  Its depth is fixed
 *    at creation; every per-operation structure is preallocated then, so
 *    queueing, submitting and reaping never allocate.
 *  - Every queue function that accepts an operation (returns 0) produces
 *    exactly one completion later; one that returns -errno produces none.
 *  - A completion's result is the full byte count of the operation (0 for
 *    flush) or -errno, never a partial count: short transfers are resumed
 *    internally until done or failed.
 *  - Two engines: "uring" (io_uring, the default) and "psync" (a small
 *    preallocated thread pool doing preadv/pwritev; the portable fallback).
 *    Both complete through one pollable file descriptor.
 *  - Nothing here logs; errors are returned.
 */
#ifndef XENPVD_BACKEND_STORAGE_H
#define XENPVD_BACKEND_STORAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The unit of blkif sector numbers, whatever the disk's logical sector. */
#define XPV_SECTOR_SHIFT 9
#define XPV_SECTOR_SIZE (1u << XPV_SECTOR_SHIFT)

/* Logical sector sizes a disk may have (powers of two in this range). */
#define XPV_DISK_MIN_SECTOR 512u
#define XPV_DISK_MAX_SECTOR 4096u

/* Largest queue depth xpv_ioq_create() accepts. */
#define XPV_IOQ_MAX_DEPTH 32768u
/* Most iovec elements in one read or write (blkif needs 4096). */
#define XPV_IOQ_MAX_IOV 65536u

/* ---- disks ---- */

struct xpv_disk;

enum xpv_cache_mode {
	/*
	 * O_DIRECT when the target allows it and its alignment needs are
	 * known and met (see struct xpv_disk_info); buffered otherwise, with
	 * direct_fallback set so the caller can say so.
	 */
	XPV_CACHE_DIRECT = 0,
	/* Buffered I/O through the host page cache; flush makes it durable. */
	XPV_CACHE_WRITEBACK = 1,
};

/* xpv_disk_params.flags */
#define XPV_DISK_READONLY (1u << 0)
/*
 * The operator states that the block device supports BLKSECDISCARD.  Linux
 * has no side-effect-free probe for it (a zero-length BLKSECDISCARD drops
 * the device's whole page cache), so discard_secure is only reported when
 * asked for and the device can discard at all.  Ignored for files.
 */
#define XPV_DISK_SECURE_DISCARD (1u << 1)

struct xpv_disk_params {
	unsigned int flags; /* XPV_DISK_* */
	enum xpv_cache_mode cache;
	/*
	 * Logical sector size: 0 to detect (BLKSSZGET on devices, 512 on
	 * files), or a power of two in [XPV_DISK_MIN_SECTOR,
	 * XPV_DISK_MAX_SECTOR] to force it (e.g. 4096 on a file for tests).
	 * On a device it must not be below the device's own.
	 */
	uint32_t sector_size;
};

struct xpv_disk_info {
	/* Bytes; a multiple of sector_size (a file's odd tail is unused). */
	uint64_t size;
	uint32_t sector_size;	       /* logical, bytes */
	uint32_t physical_sector_size; /* bytes, >= sector_size */
	/*
	 * With direct: every iovec element's address must be a multiple of
	 * dio_mem_align and its length a multiple of dio_len_align, or the
	 * kernel fails the I/O with -EINVAL.  Both are 1 when !direct.
	 */
	uint32_t dio_mem_align;
	uint32_t dio_len_align;
	/*
	 * Discard: files punch holes (reads return zeros afterwards); devices
	 * use BLKDISCARD (contents afterwards are the device's business).
	 * discard_alignment is the offset of the first granule from 0.
	 * discard_max_bytes is 0 when unlimited (the engine splits nothing).
	 */
	uint32_t discard_granularity;
	uint32_t discard_alignment;
	uint64_t discard_max_bytes;
	bool discard;
	bool discard_secure;
	bool readonly;
	bool is_blockdev;
	bool direct;	      /* O_DIRECT in use */
	bool direct_fallback; /* direct asked, buffered in use */
};

/*
 * Opens the raw image file or block device at path (params may be NULL:
 * read-write, direct, detected sector size).  Returns 0 and *out, or -errno:
 * -EINVAL bad params, not a regular file or block device, or smaller than
 * one sector; -EISDIR a directory opened for writing; others from
 * open/stat/ioctl.  Never blocks on what path names and never opens
 * anything but a regular file or block device (a FIFO, a character
 * device, a socket is refused after a stat(), before any open()); symlinks
 * are followed.  Probes everything in struct xpv_disk_info once; a
 * read-write file is probed for hole punching with a punch past its end,
 * which changes nothing.
 */
int xpv_disk_open(const char *path, const struct xpv_disk_params *params,
		  struct xpv_disk **out);

/* Closes; NULL-safe.  No queue may use the disk any more. */
void xpv_disk_close(struct xpv_disk *disk);

/* What the disk is; valid until close, never changes. */
const struct xpv_disk_info *xpv_disk_info(const struct xpv_disk *disk);

/* The open file descriptor (for fstat and tests; do not close it). */
int xpv_disk_fd(const struct xpv_disk *disk);

/*
 * Whether the disk is what someone else names now (a hotplug script that
 * checked a path after we opened it).  xpv_disk_is_path(): path (symlinks
 * followed) is the same block device (device number; any of its nodes) or
 * the same regular file (file system and inode).  xpv_disk_is_devnum(): the
 * disk is the block device maj:min.  0 when it is, -ENODEV when it is not,
 * or -errno from stat().
 */
int xpv_disk_is_path(const struct xpv_disk *disk, const char *path);
int xpv_disk_is_devnum(const struct xpv_disk *disk, unsigned int maj,
		       unsigned int min);

enum xpv_io_op {
	XPV_IO_READ = 0,
	XPV_IO_WRITE = 1,
	XPV_IO_FLUSH = 2,
	XPV_IO_DISCARD = 3,
};

/*
 * The one range check for the block layer.  sector is in 512-byte units
 * (the wire unit), len in bytes.  Returns 0 or, in this order of checks:
 *   -EROFS      write or discard on a read-only disk;
 *   -EOVERFLOW  sector * 512 + len does not fit in 64 bits;
 *   -EINVAL     byte offset or len not a multiple of the logical sector
 *               size, or op unknown;
 *   -ENOSPC     the range ends past the end of the disk.
 * A zero len is a valid empty range if it starts inside the disk or at its
 * end.  Flush takes no range: it only gets -EINVAL for an unknown op.
 */
int xpv_disk_check(const struct xpv_disk *disk, enum xpv_io_op op,
		   uint64_t sector, uint64_t len);

/* ---- per-worker I/O queues ---- */

struct xpv_ioq;

enum xpv_ioq_engine {
	XPV_IOQ_AUTO = 0, /* uring if io_uring_queue_init works */
	XPV_IOQ_URING = 1,
	XPV_IOQ_PSYNC = 2,
};

struct xpv_ioq_params {
	/* Operations accepted and not yet reaped, at most (1..MAX_DEPTH). */
	unsigned int depth;
	enum xpv_ioq_engine engine;
	/* psync only: pool threads; 0 picks min(depth, 8). */
	unsigned int psync_threads;
};

/* One completion: the cookie given at queue time and the result. */
struct xpv_io_done {
	uint64_t cookie;
	int64_t res; /* full byte count (0 for flush) or -errno */
};

/*
 * Parses "auto", "uring" or "psync".  Returns 0 and *out, or -EINVAL.
 */
int xpv_ioq_engine_parse(const char *name, enum xpv_ioq_engine *out);

/*
 * Creates a queue on disk; call it from any thread, then use the queue from
 * one thread only.  Returns 0 and *out, or -errno: -EINVAL bad params;
 * -EOPNOTSUPP uring asked for but not built in; io_uring_queue_init's error
 * (-ENOSYS, -EPERM, -ENOMEM...) when uring is asked for explicitly; -ENOMEM;
 * thread or eventfd errors.  The disk must outlive the queue.
 */
int xpv_ioq_create(struct xpv_disk *disk, const struct xpv_ioq_params *params,
		   struct xpv_ioq **out);

/*
 * Waits for every accepted operation to finish (their completions are
 * dropped), then frees the queue.  NULL-safe.  Callers normally drain and
 * reap first, so that each request gets its answer.
 */
void xpv_ioq_destroy(struct xpv_ioq *q);

/* "uring" or "psync": the engine actually in use. */
const char *xpv_ioq_engine_name(const struct xpv_ioq *q);

/*
 * The completion fd: readable (POLLIN) whenever completions may be waiting
 * to be reaped; it may wake spuriously.  Poll it with the ring's event
 * channel fd; never read or close it.
 */
int xpv_ioq_fd(const struct xpv_ioq *q);

/* Operations accepted and not yet reaped. */
unsigned int xpv_ioq_busy(const struct xpv_ioq *q);

/*
 * Queue one operation.  Nothing reaches the disk before xpv_ioq_submit()
 * (or drain, or reap, which may submit earlier).  Return 0 (exactly one
 * completion will follow) or -errno and no completion:
 *   -EAGAIN  depth operations are already accepted and not reaped: reap,
 *            then retry (park the request, do not fail it);
 *   -EROFS   write or discard on a read-only disk;
 *   -EINVAL  niov is 0 or above XPV_IOQ_MAX_IOV, or the range is
 *            outside the disk;
 *   -EOPNOTSUPP  discard (secure discard) on a disk without discard_
 *            (discard_secure).
 * Callers validate requests with xpv_disk_check() first; these checks only
 * keep the engine safe.
 *
 * read/write: preadv/pwritev semantics at byte offset off; iov[] and the
 * memory it points to belong to the engine until the completion is reaped
 * (neither is modified, except the buffers a read fills).  Any number of
 * elements up to the limit above: more than IOV_MAX are done in chunks, one
 * after another.  A read of a file that has shrunk below the disk size
 * reads zeros past its end (a file image is sized to its disk, so this only
 * happens if someone truncated it behind our back).
 *
 * flush: fdatasync of the disk; it covers the writes completed before it
 * was queued, not those still in flight (drain first for that).
 *
 * discard: off and len in bytes; files punch a hole keeping the size,
 * devices use BLKDISCARD (BLKSECDISCARD when secure).  Device discards run
 * synchronously inside the queue call (they are rare), but still complete
 * through xpv_ioq_reap().
 */
int xpv_ioq_read(struct xpv_ioq *q, uint64_t off, const struct iovec *iov,
		 unsigned int niov, uint64_t cookie);
int xpv_ioq_write(struct xpv_ioq *q, uint64_t off, const struct iovec *iov,
		  unsigned int niov, uint64_t cookie);
int xpv_ioq_flush(struct xpv_ioq *q, uint64_t cookie);
int xpv_ioq_discard(struct xpv_ioq *q, uint64_t off, uint64_t len, bool secure,
		    uint64_t cookie);

/*
 * Registered buffers (io_uring's fixed buffers): memory whose pages the
 * kernel pins once, so that a read or write into it skips pinning them for
 * every operation (get_user_pages, dear in a PV dom0).
 *
 * xpv_ioq_bufs() makes a table of n empty entries: 0, or -errno and no
 * table (-EOPNOTSUPP with the psync engine; the kernel's error, e.g. for
 * sparse tables, before 5.19): everything then works as without it.
 * xpv_ioq_buf_set() sets entry idx to [addr, addr + len), len 0 empties it:
 * 0 or -errno (the entry is then empty).  The pages are pinned (and faulted
 * in) until the entry is replaced or emptied or the queue destroyed; the
 * caller must empty it before it gives the pages back (MADV_DONTNEED,
 * munmap), as the kernel would go on using the old pages.  Call it only
 * while no operation through entry idx is in flight.
 *
 * xpv_ioq_read_buf() and _write_buf(): as xpv_ioq_read()/_write() with
 * one iovec element, which the kernel reaches through entry idx when it
 * lies inside it; outside it, or with no table, a plain read or write.
 */
int xpv_ioq_bufs(struct xpv_ioq *q, unsigned int n);
int xpv_ioq_buf_set(struct xpv_ioq *q, unsigned int idx, void *addr,
		    size_t len);
int xpv_ioq_read_buf(struct xpv_ioq *q, uint64_t off, const struct iovec *iov,
		     unsigned int idx, uint64_t cookie);
int xpv_ioq_write_buf(struct xpv_ioq *q, uint64_t off,
		      const struct iovec *iov, unsigned int idx,
		      uint64_t cookie);

/*
 * Hands everything queued to the kernel (one io_uring_enter) or to the
 * pool.  Returns the number of operations handed over (may be 0) or -errno
 * (-EAGAIN, -EBUSY: kernel short of resources; what was queued stays queued,
 * call again later).
 */
int xpv_ioq_submit(struct xpv_ioq *q);

/*
 * Moves up to max finished operations into out[] and returns their number
 * (0 when none are ready); never blocks, never allocates.  It may submit
 * queued operations and the continuation of long or short transfers.  When
 * it leaves completions behind (max too small), the fd stays readable.
 */
int xpv_ioq_reap(struct xpv_ioq *q, struct xpv_io_done *out, unsigned int max);

/*
 * Submits what is queued, then blocks until no accepted operation is still
 * running.  Their completions stay queued for xpv_ioq_reap() (and the fd is
 * left readable).  This is the barrier primitive: drain; write; drain;
 * flush.  Returns 0 or -errno from the submission or the wait.
 */
int xpv_ioq_drain(struct xpv_ioq *q);

/*
 * Submits what is queued, then blocks until at least one completion can be
 * reaped, or nothing is running, or timeout_ms passes (-1: no limit).  For
 * simple callers and tests; a worker polls xpv_ioq_fd() instead.  Returns
 * 0, -ETIMEDOUT or -errno.
 */
int xpv_ioq_wait(struct xpv_ioq *q, int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* XENPVD_BACKEND_STORAGE_H */
