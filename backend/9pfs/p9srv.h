/* SPDX-License-Identifier: MIT */
/*
 * p9srv.h - xenpvd's 9P2000.L file server: a dom0 directory (an export)
 * served to 9P sessions.  It knows nothing of rings, XenStore or sockets:
 * a transport (the 9pfs channel's ring workers, or the debugging unix
 * socket) hands it one request at a time and gives it room for the reply.
 *
 * Confinement is the security boundary.  Every name is looked up from a
 * directory fd of the export one component at a time, never following a
 * symlink (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS,
 * O_NOFOLLOW|O_PATH where that is missing); `..` at the export's root stays
 * there; a name that is empty, holds '/' or NUL, or is `.`/`..` where it
 * would create or remove, is refused; only regular files and directories
 * are opened (never a device node, FIFO or socket on the host); every
 * operation on a fid acts on that fid's own fd, never on a path looked up
 * again.  Nothing the client sends can make the server read, write, create
 * or change anything outside the export.
 *
 * Threads: one export and its sessions may be used by any number of
 * threads at once; requests of one session run concurrently (a slow read
 * does not hold up a getattr sent after it).  No function here logs: the
 * server counts what it refuses (struct p9_stats) and the transport logs.
 */
#ifndef XENPVD_BACKEND_9PFS_P9SRV_H
#define XENPVD_BACKEND_9PFS_P9SRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <sys/uio.h>

struct p9_export;
struct p9_session;

enum p9_security_model {
	/* Ownership and modes are asked of the host (chown to the client's
	 * uid/gid as QEMU does), and a failure is ignored: running as root
	 * files belong to the client's ids, unprivileged to the daemon's
	 * user.  QEMU's security_model=none. */
	P9_SM_NONE,
	/* The same, but a chown or chmod that fails is the client's error. */
	P9_SM_PASSTHROUGH,
};

struct p9_export_opts {
	const char *path;		/* the directory shared */
	bool readonly;			/* every change answered EROFS */
	enum p9_security_model model;
	uint32_t max_fids;		/* per session; 0: the default, 16384 */
	uint32_t max_open;		/* opened fids per session; 0: 1024 */
	uint32_t max_xattr;		/* bytes of one xattr value; 0: 65536 */
	bool xattr_any;			/* all namespaces, not only user.* */
};

/*
 * Opens the export's root (a directory, held by an O_DIRECTORY fd, the
 * anchor of every lookup).  0 and *out, or -errno (-ENOTDIR, -ENOENT...).
 */
int p9_export_open(const struct p9_export_opts *o, struct p9_export **out);
/* NULL-safe.  Every session of e must have been freed. */
void p9_export_close(struct p9_export *e);

/*
 * A session: one client's fids and negotiated msize.  max_msize is what
 * the transport can carry in one message either way (a ring's size; the
 * socket's buffer); Tversion answers min(client's msize, max_msize) and
 * refuses less than P9_MIN_MSIZE.  0 and *out, or -errno.
 */
int p9_session_new(struct p9_export *e, uint32_t max_msize,
		   struct p9_session **out);
/* Clunks every fid (committing pending xattrs) and frees.  No request of
 * s may be running.  NULL-safe. */
void p9_session_free(struct p9_session *s);
/* The msize Tversion negotiated, 0 before. */
uint32_t p9_session_msize(const struct p9_session *s);

/*
 * A request, as the transport received it.  The transport has checked
 * the 7-byte header only: size >= 7 and size <= its max_msize.
 *   msg/len: a private copy of the message (the transport copied it out
 *     of shared memory; the server parses only this copy), len == size,
 *     except for Twrite whose payload may stay where it is:
 *   data/ndata: for Twrite, the payload in place (it may be shared
 *     memory, which the server only copies to the file, never parses);
 *     then msg holds the first P9_TWRITE_HDR bytes and len ==
 *     P9_TWRITE_HDR, and the iovecs' total is size - P9_TWRITE_HDR.
 *     ndata == 0 otherwise.
 */
/* A request in the session's in-flight set (which a Tflush waits on). */
struct p9_inflight {
	struct p9_inflight *next;
	uint16_t tag;
};

struct p9_req {
	const uint8_t *msg;
	size_t len;
	uint32_t size;
	const struct iovec *data;
	int ndata;
	/* From p9_inflight_begin(), or NULL: p9_handle() adds the request
	 * itself.  Either way it leaves the set after its reply. */
	struct p9_inflight *inflight;
	/* p9_now_ns() when the transport took the request, or 0 (then
	 * p9_handle()'s start): where service_ns_total starts. */
	uint64_t taken_ns;
};

/*
 * Puts a request (hdr: its 7-byte header) in s's in-flight set now, as
 * its transport takes it, before p9_handle() runs: a Tflush served
 * meanwhile by another thread then waits for its reply instead of
 * answering first.  A Tflush itself is never added (returns false).
 */
bool p9_inflight_begin(struct p9_session *s, struct p9_inflight *rec,
		       const uint8_t *hdr);

/*
 * Where a reply goes.  reserve() is called once per request when its
 * reply is ready to be written (for Tread, before the file is read, so
 * that the data goes straight into the transport's buffer): it waits for
 * room for max bytes (max <= the session's msize; a transport stopping
 * returns -ESHUTDOWN) and fills iov[] with that room in at most 2 pieces
 * (a ring's room may wrap); the count of pieces or -errno.  Between
 * reserve() and commit() the transport writes no other reply, so keep
 * the time short (no blocking I/O: see Tread in p9srv.c).  commit() then
 * publishes the first len bytes (len <= max, 0 to give the room back
 * unused).  By reserve(), the server is done with the request's payload
 * (p9_req.data): the transport may hand those bytes back to the frontend.
 * copied counts payload bytes the server copied (zero-copy accounting:
 * p9_stats).
 */
struct p9_reply_ops {
	int (*reserve)(void *opaque, size_t max, struct iovec iov[2]);
	void (*commit)(void *opaque, size_t len);
	/* Optional: a Tflush of oldtag came.  A transport that may hold the
	 * flushed message unread (several rings, or executors all busy)
	 * drops it and returns 1: it will never run nor be answered;
	 * else 0. */
	int (*flush)(void *opaque, uint16_t oldtag);
};

/*
 * Serves one request: always exactly one reply (Rlerror for an error)
 * through ops, unless reserve() fails.  Never answers more than the
 * request asked for (Rread <= 11+count, Rreaddir <= 11+count, Rwalk <=
 * 9+13*nwname...).  Tflush waits until the flushed tag's reply has been
 * committed, so Rflush comes after it.  Returns 0, or -errno when the
 * message was so malformed that the transport should stop serving this
 * client (today: never; a malformed message gets Rlerror EBADMSG) or
 * reserve() failed.
 */
int p9_handle(struct p9_session *s, const struct p9_req *rq,
	      const struct p9_reply_ops *ops, void *opaque);

/*
 * What a thread that calls p9_handle() keeps for as long as it runs,
 * made now rather than on its first request that needs it: the pipe
 * through which a Tread whose data is not in the page cache brings it in
 * without a copy (2 fds, closed when the thread ends; /dev/null, opened
 * once per process).  0 or -errno; without it (or before it) a thread
 * still serves, making the pipe when it first needs it.
 */
int p9_thread_prepare(void);

/*
 * Every session's fids and opened files draw on one budget of the
 * process's file descriptors (each holds one unit), so that guests
 * cannot take the fds the daemon's other devices need.  The first export
 * sets it from RLIMIT_NOFILE (less a quarter, at least 1024, for the
 * rest); p9_set_fd_budget() sets it (tests; 0 is unlimited).  Each
 * session is guaranteed a floor of P9_FD_FLOOR units whatever the others
 * hold (held back from them while it holds fewer); p9_set_fd_floor()
 * sets it for sessions made after (tests).  used: units held now;
 * reserved: floors not held now.
 */
#define P9_FD_FLOOR 64
void p9_set_fd_budget(unsigned long units);
void p9_set_fd_floor(unsigned long units);
unsigned long p9_fd_budget_used(void);
unsigned long p9_fd_budget_reserved(void);

/* Counters of one session, summed by the transport for xenpvctl stats. */
struct p9_stats {
	uint64_t requests;		/* handled */
	uint64_t errors;		/* answered Rlerror */
	uint64_t read_bytes;		/* payload of Rread */
	uint64_t write_bytes;		/* payload of Twrite written */
	uint64_t copied_bytes;		/* payload bytes copied by the server
					 * beyond the one move file<->buffer
					 * (a read that would block and whose
					 * file cannot be spliced goes
					 * through a bounce buffer) */
	uint64_t read_fills;		/* Treads whose data the page cache
					 * lacked: brought in first
					 * (p9_cache_fill), then read as the
					 * others */
	uint64_t readahead_bytes;	/* asked of the kernel ahead of
					 * sequential Treads (read_ahead) */
	uint64_t refused;		/* confinement refusals (bad names,
					 * non-regular opens, symlinks) */
	uint64_t xattr_refused;		/* xattrs outside user.* (policy, not
					 * an attack: `ls -l` asks for ACLs) */
	uint64_t fids;			/* gauge: fids in use */
	uint64_t lat_ns_total;		/* time in p9_handle, summed */
	uint64_t service_ns_total;	/* from the take (p9_req.taken_ns) to
					 * the reply in the transport, summed:
					 * the server's part of a round trip
					 * (work done after the reply, like
					 * readahead, not counted) */
	uint64_t move_ns_total;		/* in the system calls that move a
					 * Tread's or Twrite's payload between
					 * file and ring or bring it into the
					 * page cache, summed: what any server
					 * pays; service minus this is what
					 * this one adds */
};
void p9_session_stats(const struct p9_session *s, struct p9_stats *out);

/* CLOCK_MONOTONIC in nanoseconds: request latencies (lat_ns_total) and
 * the ring's timing of lone messages (p9ring.c). */
static inline uint64_t p9_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif /* XENPVD_BACKEND_9PFS_P9SRV_H */
