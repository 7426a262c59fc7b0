/* SPDX-License-Identifier: MIT */
/*
 * p9priv.h - the inside of the 9P2000.L server (p9srv.h): what p9srv.c
 * (export, sessions, fids, qids, dispatch) and p9ops.c (the file
 * operations) share.  Not for other users.
 *
 * Object model.
 *   A node is one O_PATH|O_NOFOLLOW fd and what fstat said of it (device,
 *   inode, file type).  A node never changes after it is made, so whoever
 *   holds a reference may use its fd without a lock, and the fd is closed
 *   only when the last reference goes: an fd number is never reused while
 *   a request could still use it.  Fids share nodes (a clone holds the
 *   same node; a fid's parent is the node it was walked from).
 *   A fid is what the client names: the node it stands for, the parent
 *   node and name it was reached by (for Tremove/Trename), an opened fd
 *   once Tlopen/Tlcreate made one, or an xattr buffer.  Its fields change
 *   (Tlcreate, Trename, Twalk in place, Txattrcreate) under its own mutex;
 *   a request takes what it needs (node references, the opened fd) under
 *   the mutex and works without it.  A fid is reference counted: the
 *   table holds one, each request using it one; Tclunk takes it out of
 *   the table, the last reference closes its fds.  The opened fd is set
 *   once and closed only with the fid, so a request holding the fid may
 *   use it.
 *
 * Locks, in the order they may nest: fid->dirlock (Treaddir's seek and
 * getdents on one fid), session->lock (fid table, in-flight tags, counts),
 * fid->lock, export->qid.lock.  Nothing blocks on I/O under session->lock,
 * fid->lock or the qid lock.
 */
#ifndef XENPVD_BACKEND_9PFS_P9PRIV_H
#define XENPVD_BACKEND_9PFS_P9PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "p9srv.h"
#include "p9wire.h"

/* The longest name one component may have (Linux's NAME_MAX). */
#define P9_NAME_MAX 255
/* The longest xattr name (Linux's XATTR_NAME_MAX). */
#define P9_XATTR_NAME_MAX 255

struct p9_node {
	unsigned int refs; /* atomic */
	int fd;		   /* O_PATH|O_NOFOLLOW|O_CLOEXEC */
	dev_t dev;
	ino_t ino;
	mode_t type;	      /* st_mode & S_IFMT */
	unsigned char rdmode; /* atomic: P9_RD_*, how Tread reads it */
};

/* How Tread reads a node's file into the reply's room: not known yet;
 * preadv2(RWF_NOWAIT), bouncing what would block; plain preadv (a file
 * system in memory, tmpfs or ramfs, which has no RWF_NOWAIT and never
 * waits on a disk); or always through the bounce buffer. */
enum {
	P9_RD_UNKNOWN,
	P9_RD_NOWAIT,
	P9_RD_MEMFS,
	P9_RD_BOUNCE,
};

/*
 * qid.path: unique per (st_dev, st_ino) for the export's lifetime.
 *   prefix 0 (top 8 bits): the root's device, ino < 2^56: path = ino;
 *   prefix 1..254: the device at devs[prefix - 1], ino < 2^56;
 *   prefix 255: any other (dev, ino) (ino >= 2^56, or a 255th device):
 *     a counter handed out by the table big[], which only grows.
 */
#define P9_QID_PREFIX_SHIFT 56
#define P9_QID_INO_MAX ((1ull << P9_QID_PREFIX_SHIFT) - 1)
#define P9_QID_NDEVS 254u

struct p9_qid_ent {
	dev_t dev;
	ino_t ino;
	uint64_t path; /* 0: free slot */
};

struct p9_qidmap {
	pthread_mutex_t lock;
	dev_t devs[P9_QID_NDEVS]; /* written once each, under lock */
	unsigned int ndevs;	  /* atomic: published after devs[] */
	struct p9_qid_ent *big;	  /* open addressing, under lock */
	size_t big_cap, big_n;
	uint64_t big_next;
};

struct p9_export {
	struct p9_export_opts o; /* o.path points to path */
	char *path;
	char *real; /* realpath() of path (for Tattach) */
	struct p9_node *root;
	uint32_t max_fids, max_open, max_xattr;
	bool no_openat2; /* atomic: openat2 said ENOSYS */
	struct p9_qidmap qid;
};

enum p9_fid_kind {
	P9_FID_PATH,	/* a file, maybe opened */
	P9_FID_XREAD,	/* Txattrwalk's value, read by Tread */
	P9_FID_XCREATE, /* Txattrcreate's, written by Twrite */
};

struct p9_fid {
	struct p9_fid *next; /* hash chain, under session->lock */
	struct p9_session *s;
	uint32_t id;
	unsigned int refs;	 /* atomic */
	uint32_t uid;		 /* Tattach's n_uname */
	pthread_mutex_t lock;	 /* the fields below */
	pthread_mutex_t dirlock; /* Treaddir's position */
	enum p9_fid_kind kind;
	struct p9_node *node;	/* what the fid names */
	struct p9_node *parent; /* its directory; NULL: the root, or
				 * unknown (reached by "..") */
	char *name;		/* its name in parent */
	int ofd;		/* -1, or Tlopen/Tlcreate's fd */
	int oacc;		/* O_ACCMODE of ofd */
	/* Sequential Treads (read_ahead() in p9ops.c): where the next one
	 * would start (atomic), and where what was asked of the kernel
	 * ends. */
	uint64_t ra_next, ra_end;
	/* xattr fids: the name (XCREATE), the value, its size and, for
	 * XCREATE, how much of it Twrite filled and setxattr's flags. */
	char *xname;
	uint8_t *xbuf;
	size_t xsize, xfill;
	size_t xcharged; /* of the session's xattr budget */
	int xflags;
};

struct p9_session {
	struct p9_export *e;
	uint32_t max_msize;
	uint32_t msize; /* atomic; 0 before Tversion */
	pthread_mutex_t lock;
	pthread_cond_t flushed; /* a request left inflight */
	struct p9_fid **tab;	/* fid hash table */
	size_t tab_size;	/* a power of 2 */
	uint32_t nfids;		/* in tab */
	uint32_t nopen;		/* fids with an opened fd */
	unsigned long fd_floor;	/* fd budget units guaranteed (p9srv.c) */
	size_t xattr_bytes;	/* xattr values held by its fids */
	struct p9_inflight *inflight;
	unsigned int flush_waiters;
	struct p9_stats st; /* atomics */
};

/*
 * One request being served: the parse cursor over the message, the
 * reply being built (in the thread's buffer), what the reply went to.
 */
struct p9_ctx {
	struct p9_session *s;
	const struct p9_req *rq;
	const struct p9_reply_ops *ops;
	void *opaque;
	uint8_t type;
	uint16_t tag;
	uint32_t msize;	  /* the session's, or max_msize */
	struct p9_cur in; /* after the 7-byte header */
	struct p9_cur out;
	bool sent; /* the handler answered itself */
	int rc;	   /* reserve()'s error */
	uint64_t replied_ns; /* when the reply was committed (p9_commit) */
};

/* ---- p9srv.c: services for the operations ---- */

#define p9_stat_add(s, field, n)                                               \
	__atomic_add_fetch(&(s)->st.field, (n), __ATOMIC_RELAXED)

/* Commits len bytes of the reply reserved (ops->commit) and, when len is
 * not 0 (a reply, not room given back), notes the time: the end of the
 * request's service (service_ns_total). */
void p9_commit(struct p9_ctx *c, size_t len);

struct p9_node *p9_node_get(struct p9_node *n);
void p9_node_put(struct p9_node *n);
/* A node for fd (taken: closed on failure); NULL and errno. */
struct p9_node *p9_node_new(int fd);
bool p9_node_is_root(const struct p9_export *e, const struct p9_node *n);
/* "/proc/self/fd/N" of fd into buf (at least 32 bytes). */
void p9_proc_path(char *buf, size_t size, int fd);

/* One name from a directory node: an O_PATH|O_NOFOLLOW fd, or -errno. */
int p9_lookup(struct p9_export *e, const struct p9_node *dir, const char *name);
/* 0 if name[0..len) may be a component (when create: not "." nor ".."),
 * else -EINVAL/-ENAMETOOLONG (and counts a refusal); copies it with a
 * NUL into buf (P9_NAME_MAX + 1 bytes). */
int p9_name_check(struct p9_ctx *c, const char *name, size_t len, bool create,
		  char *buf);

int p9_qid_of(struct p9_export *e, dev_t dev, ino_t ino, mode_t type,
	      struct p9_qid *q);
int p9_node_qid(struct p9_export *e, const struct p9_node *n, struct p9_qid *q);

/* The fid id of s with a reference, or NULL. */
struct p9_fid *p9_fid_get(struct p9_session *s, uint32_t id);
void p9_fid_put(struct p9_fid *f);
/* A new PATH fid for node, not yet in the table (it takes the references
 * node and parent, made or not); NULL and errno. */
struct p9_fid *p9_fid_alloc(struct p9_session *s, uint32_t id, uint32_t uid,
			    struct p9_node *node, struct p9_node *parent,
			    const char *name);
/* Puts f (its one reference) in the table: 0, or -EEXIST (id in use),
 * -EMFILE (the session's cap), -EBADF (NOFID), and f is freed. */
int p9_fid_insert(struct p9_session *s, struct p9_fid *f);
/* Both. */
int p9_fid_add(struct p9_session *s, uint32_t id, uint32_t uid,
	       struct p9_node *node, struct p9_node *parent, const char *name);
bool p9_fid_in_use(struct p9_session *s, uint32_t id);
/* Takes id out of the table: the table's reference, or NULL. */
struct p9_fid *p9_fid_unlink(struct p9_session *s, uint32_t id);
/* The fid's node (referenced), kind and opened fd, under its lock. */
struct p9_node *p9_fid_node(struct p9_fid *f, enum p9_fid_kind *kind, int *ofd);
/* An opened-fd slot of the session's max_open: 0 or -ENFILE. */
int p9_open_slot_get(struct p9_session *s);
void p9_open_slot_put(struct p9_session *s);
/* n bytes of the session's budget for xattr values (what its xattr fids
 * may hold at once: 8 values of max_xattr, at least 1 MiB): 0 or
 * -ENOMEM. */
int p9_xattr_charge(struct p9_session *s, size_t n);
void p9_xattr_uncharge(struct p9_session *s, size_t n);
/* Commits a Txattrcreate fid (setxattr/removexattr): 0 or -errno. */
int p9_xattr_commit(struct p9_fid *f);

/* A per-thread buffer (index 0: replies, 1: bounce/scratch) of at least
 * size bytes, or NULL. */
void *p9_tbuf(unsigned int which, size_t size);
#define P9_TBUF_OUT 0u
#define P9_TBUF_SCRATCH 1u

/* Brings [off, off + len) of fd's file into the page cache without
 * copying it (through the thread's pipe, p9_thread_prepare, into
 * /dev/null), waiting for the disk: 0 (also at end of file) or -errno
 * (the file system cannot splice, no fds). */
int p9_cache_fill(int fd, uint64_t off, size_t len);

/* Starts the reply of c (type c->type + 1) in the thread's buffer, room
 * for max bytes: 0 or -ENOMEM. */
int p9_reply_begin(struct p9_ctx *c, size_t max);
/* Publishes buf[0..len) through c's transport (reserve, copy, commit). */
void p9_send(struct p9_ctx *c, const void *buf, size_t len);
/* Copies src into the scattered room iov[0..n) from offset off. */
void p9_iov_put(const struct iovec *iov, int n, size_t off, const void *src,
		size_t len);

/* ---- p9ops.c: the operations (0: reply built in c->out or sent; or
 * -errno for Rlerror) ---- */
int p9_op_lopen(struct p9_ctx *c);
int p9_op_lcreate(struct p9_ctx *c);
int p9_op_read(struct p9_ctx *c);
int p9_op_write(struct p9_ctx *c);
int p9_op_remove(struct p9_ctx *c);
int p9_op_getattr(struct p9_ctx *c);
int p9_op_setattr(struct p9_ctx *c);
int p9_op_statfs(struct p9_ctx *c);
int p9_op_fsync(struct p9_ctx *c);
int p9_op_readdir(struct p9_ctx *c);
int p9_op_mkdir(struct p9_ctx *c);
int p9_op_mknod(struct p9_ctx *c);
int p9_op_symlink(struct p9_ctx *c);
int p9_op_readlink(struct p9_ctx *c);
int p9_op_link(struct p9_ctx *c);
int p9_op_rename(struct p9_ctx *c);
int p9_op_renameat(struct p9_ctx *c);
int p9_op_unlinkat(struct p9_ctx *c);
int p9_op_lock(struct p9_ctx *c);
int p9_op_getlock(struct p9_ctx *c);
int p9_op_xattrwalk(struct p9_ctx *c);
int p9_op_xattrcreate(struct p9_ctx *c);

#endif /* XENPVD_BACKEND_9PFS_P9PRIV_H */
