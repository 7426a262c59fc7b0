/* SPDX-License-Identifier: MIT */
/*
 * p9ops.c - the 9P2000.L server's file operations (p9srv.h; the frame,
 * fids and the errno choices are in p9srv.c, the object model in
 * p9priv.h).
 *
 * Every operation acts on the fds of the fids it names: *at() calls with
 * a directory fd and one checked name, AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW
 * on a fid's own fd, or /proc/self/fd/N of a fid's fd (which names that
 * inode, whatever happened to its path since) for what has no fd form:
 * reopening, chmod, truncate and xattrs, and never for a symlink.  Only
 * regular files and directories are opened.  Creations use O_EXCL (or
 * mkdirat/mknodat/symlinkat, which never follow), so an existing symlink
 * is never followed.
 *
 * Tread is zero-copy: the file is read with RWF_NOWAIT straight into the
 * room the transport reserved for the reply (on tmpfs and ramfs, which
 * have no RWF_NOWAIT and keep everything in memory, with a plain preadv).
 * Data not in the page cache is brought in first without a copy and
 * without holding the room (p9_cache_fill: spliced to /dev/null), then
 * read the same way; only when that fails (a file system that cannot
 * splice, pages evicted again) does it go through the thread's bounce
 * buffer, counted in copied_bytes.  Twrite writes the payload where it
 * lies (pwritev from the transport's iovecs).
 *
 * Readahead is the server's own.  An RWF_NOWAIT read never starts I/O,
 * so the kernel's readahead does not see it, and it stops short at the
 * marks that readahead leaves in the page cache (a fill then a second
 * read, the first part copied twice).  So a regular file opened for
 * reading is POSIX_FADV_RANDOM (the kernel reads what is asked, and
 * leaves no marks), and a fid read sequentially gets the window after
 * its last read asked of the kernel once the reply is out
 * (POSIX_FADV_WILLNEED: no marks, no waiting), read from the disk while
 * the guest handles the reply.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "p9priv.h"

#define P9_OFF_MAX ((uint64_t)INT64_MAX)

/* ---- helpers ---- */

static bool readonly(const struct p9_ctx *c)
{
	return c->s->e->o.readonly;
}

static bool model_passthrough(const struct p9_ctx *c)
{
	return c->s->e->o.model == P9_SM_PASSTHROUGH;
}

/*
 * The fid id, which must be a PATH fid: the fid and its node (both
 * referenced) and its opened fd (-1 if none); -EBADF or -EINVAL.
 */
static int path_fid(struct p9_ctx *c, uint32_t id, struct p9_fid **fp,
		    struct p9_node **np, int *ofd)
{
	enum p9_fid_kind kind;
	struct p9_fid *f;
	struct p9_node *n;

	f = p9_fid_get(c->s, id);
	if (!f)
		return -EBADF;
	n = p9_fid_node(f, &kind, ofd);
	if (kind != P9_FID_PATH) {
		p9_node_put(n);
		p9_fid_put(f);
		return -EINVAL;
	}
	*fp = f;
	*np = n;
	return 0;
}

/* The directory node of fid id (a PATH fid naming a directory). */
static int dir_fid(struct p9_ctx *c, uint32_t id, struct p9_fid **fp,
		   struct p9_node **np)
{
	int err = path_fid(c, id, fp, np, NULL);

	if (err)
		return err;
	if (!S_ISDIR((*np)->type)) {
		if (S_ISLNK((*np)->type))
			p9_stat_add(c->s, refused, 1);
		p9_node_put(*np);
		p9_fid_put(*fp);
		return -ENOTDIR;
	}
	return 0;
}

static void put_fn(struct p9_fid *f, struct p9_node *n)
{
	p9_node_put(n);
	p9_fid_put(f);
}

static int reply_qid(struct p9_ctx *c, const struct p9_qid *q, bool iounit)
{
	int err = p9_reply_begin(c, P9_HDR_SIZE + P9_QID_SIZE + 4);

	if (err)
		return err;
	p9_putqid(&c->out, q);
	if (iounit)
		p9_put32(&c->out, 0); /* 0: the client uses msize */
	return 0;
}

static int reply_empty(struct p9_ctx *c)
{
	return p9_reply_begin(c, P9_HDR_SIZE);
}

/* The host's open flags for a Tlopen/Tlcreate's: access mode and the
 * flags with a meaning for a regular file served to a client; never
 * O_PATH, O_NOFOLLOW, O_DIRECTORY, O_CREAT, O_NONBLOCK, O_ASYNC, O_DIRECT
 * (the buffers are the transport's, not aligned) nor O_NOATIME (refused
 * to non-owners when the daemon is not root). */
static int host_flags(uint32_t fl, int *out)
{
	int h = O_CLOEXEC | O_NOCTTY | O_LARGEFILE;

	switch (fl & 3u) {
	case P9_DOTL_RDONLY:
		h |= O_RDONLY;
		break;
	case P9_DOTL_WRONLY:
		h |= O_WRONLY;
		break;
	case P9_DOTL_RDWR:
		h |= O_RDWR;
		break;
	default:
		return -EINVAL;
	}
	if (fl & P9_DOTL_TRUNC)
		h |= O_TRUNC;
	if (fl & P9_DOTL_APPEND)
		h |= O_APPEND;
	if (fl & P9_DOTL_DSYNC)
		h |= O_DSYNC;
	if (fl & P9_DOTL_SYNC)
		h |= O_SYNC;
	*out = h;
	return 0;
}

/* Whether fl asks for a change of the file (write access or O_TRUNC). */
static bool flags_write(uint32_t fl)
{
	return (fl & 3u) != P9_DOTL_RDONLY || (fl & P9_DOTL_TRUNC);
}

/* Opens the file of node n (a regular file or directory) with flags,
 * through /proc/self/fd: the fd, or -errno. */
static int node_reopen(const struct p9_node *n, int flags)
{
	char proc[32];
	struct stat st;
	int fd;

	if (!S_ISREG(n->type) && !S_ISDIR(n->type))
		return -EPERM;
	p9_proc_path(proc, sizeof(proc), n->fd);
	fd = open(proc, flags);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_dev != n->dev || st.st_ino != n->ino ||
	    (st.st_mode & S_IFMT) != n->type) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/* 0 when dir's entry name is still n's file: -ENOENT, -ESTALE. */
static int entry_is(const struct p9_node *dir, const char *name,
		    const struct p9_node *n)
{
	struct stat st;

	if (fstatat(dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (st.st_dev != n->dev || st.st_ino != n->ino)
		return -ESTALE;
	return 0;
}

/* Removes dir's entry name made by this request (n) after a failure. */
static void undo_create(const struct p9_node *dir, const char *name,
			const struct p9_node *n)
{
	if (!entry_is(dir, name, n))
		(void)unlinkat(dir->fd, name,
			       S_ISDIR(n->type) ? AT_REMOVEDIR : 0);
}

static int chmod_node(const struct p9_node *n, int ofd, mode_t mode)
{
	char proc[32];

	if (S_ISLNK(n->type))
		return -EOPNOTSUPP;
	if (ofd >= 0)
		return fchmod(ofd, mode) < 0 ? -errno : 0;
	p9_proc_path(proc, sizeof(proc), n->fd);
	return chmod(proc, mode) < 0 ? -errno : 0;
}

/*
 * A file this request made (node n, opened as ofd or -1) gets the
 * client's ids (the attach's n_uname, the request's gid) and exactly the
 * mode asked (the daemon's umask is not the client's).  0, or the first
 * error in the PASSTHROUGH model (ignored in NONE).
 */
static int own_new(struct p9_ctx *c, struct p9_fid *f, const struct p9_node *n,
		   int ofd, uint32_t gid, mode_t mode)
{
	uid_t uid = f->uid == P9_NONUNAME ? (uid_t)-1 : (uid_t)f->uid;
	int err = 0, e2;

	if (fchownat(ofd >= 0 ? ofd : n->fd, "", uid, (gid_t)gid,
		     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	if (!S_ISLNK(n->type)) {
		e2 = chmod_node(n, ofd, mode & 07777);
		if (!err)
			err = e2;
	}
	return model_passthrough(c) ? err : 0;
}

/* The node of dir's new entry name, which must be of type (else
 * -ESTALE: something else took the name). */
static int new_node(struct p9_ctx *c, const struct p9_node *dir,
		    const char *name, mode_t type, struct p9_node **out)
{
	struct p9_node *n;
	int fd;

	fd = p9_lookup(c->s->e, dir, name);
	if (fd < 0)
		return fd;
	n = p9_node_new(fd);
	if (!n)
		return -errno;
	if (n->type != type) {
		p9_node_put(n);
		return -ESTALE;
	}
	*out = n;
	return 0;
}

/* ---- open, create ---- */

/* A regular file opened for reading: no readahead of the kernel's (see
 * the top of this file). */
static void readahead_own(int fd, mode_t type, int flags)
{
	if (S_ISREG(type) && (flags & O_ACCMODE) != O_WRONLY)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
}

int p9_op_lopen(struct p9_ctx *c)
{
	struct p9_fid *f;
	struct p9_node *n;
	struct p9_qid q;
	uint32_t fid, fl;
	int ofd, fd, flags, err;

	fid = p9_get32(&c->in);
	fl = p9_get32(&c->in);
	if (c->in.err)
		return -EBADMSG;
	err = path_fid(c, fid, &f, &n, &ofd);
	if (err)
		return err;
	if (ofd >= 0) {
		err = -EINVAL;
		goto out;
	}
	if (!S_ISREG(n->type) && !S_ISDIR(n->type)) {
		/* Never a device node, FIFO or socket of the host
		 * (CVE-2023-2861), never through a symlink. */
		p9_stat_add(c->s, refused, 1);
		err = S_ISLNK(n->type) ? -ELOOP : -EPERM;
		goto out;
	}
	err = host_flags(fl, &flags);
	if (err)
		goto out;
	if (readonly(c) && flags_write(fl)) {
		err = -EROFS;
		goto out;
	}
	if (S_ISDIR(n->type)) {
		if (flags_write(fl)) {
			err = -EISDIR;
			goto out;
		}
		flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	}
	err = p9_node_qid(c->s->e, n, &q);
	if (err)
		goto out;
	err = p9_open_slot_get(c->s);
	if (err)
		goto out;
	fd = node_reopen(n, flags);
	if (fd < 0) {
		err = fd;
		p9_open_slot_put(c->s);
		goto out;
	}
	readahead_own(fd, n->type, flags);
	pthread_mutex_lock(&f->lock);
	if (f->ofd >= 0 || f->kind != P9_FID_PATH || f->node != n) {
		/* Opened or walked by a request racing this one. */
		err = -EINVAL;
	} else {
		f->ofd = fd;
		f->oacc = flags & O_ACCMODE;
	}
	pthread_mutex_unlock(&f->lock);
	if (err) {
		close(fd);
		p9_open_slot_put(c->s);
		goto out;
	}
	err = reply_qid(c, &q, true);
out:
	put_fn(f, n);
	return err;
}

int p9_op_lcreate(struct p9_ctx *c)
{
	char name[P9_NAME_MAX + 1], proc[32];
	struct p9_node *d, *n = NULL, *od, *op;
	struct p9_fid *f;
	const char *nm;
	uint16_t nlen;
	uint32_t fid, fl, mode, gid;
	struct p9_qid q;
	char *dup;
	int fd, pfd, flags, err;

	fid = p9_get32(&c->in);
	p9_getstr(&c->in, &nm, &nlen);
	fl = p9_get32(&c->in);
	mode = p9_get32(&c->in);
	gid = p9_get32(&c->in);
	if (c->in.err)
		return -EBADMSG;
	err = p9_name_check(c, nm, nlen, true, name);
	if (err)
		return err;
	if (readonly(c))
		return -EROFS;
	err = host_flags(fl, &flags);
	if (err)
		return err;
	err = dir_fid(c, fid, &f, &d);
	if (err)
		return err;
	pthread_mutex_lock(&f->lock);
	if (f->ofd >= 0)
		err = -EINVAL;
	pthread_mutex_unlock(&f->lock);
	if (err)
		goto out;
	err = p9_open_slot_get(c->s);
	if (err)
		goto out;
	/* O_EXCL: a name that exists (a symlink too) is never opened. */
	fd = openat(d->fd, name, flags | O_CREAT | O_EXCL | O_NOFOLLOW,
		    (mode_t)(mode & 07777));
	if (fd < 0) {
		err = -errno;
		goto out_slot;
	}
	readahead_own(fd, S_IFREG, flags);
	/* The node is the file made, whatever its name holds now. */
	p9_proc_path(proc, sizeof(proc), fd);
	pfd = open(proc, O_PATH | O_CLOEXEC);
	n = pfd < 0 ? NULL : p9_node_new(pfd);
	if (!n) {
		err = -errno;
		goto out_fd;
	}
	err = own_new(c, f, n, fd, gid, (mode_t)mode);
	if (!err)
		err = p9_node_qid(c->s->e, n, &q);
	dup = err ? NULL : strdup(name);
	if (!err && !dup)
		err = -ENOMEM;
	if (err) {
		undo_create(d, name, n);
		goto out_fd;
	}
	pthread_mutex_lock(&f->lock);
	if (f->ofd >= 0 || f->kind != P9_FID_PATH || f->node != d) {
		pthread_mutex_unlock(&f->lock);
		free(dup);
		err = -EINVAL;
		undo_create(d, name, n);
		goto out_fd;
	}
	od = f->node;
	op = f->parent;
	f->node = n;
	f->parent = p9_node_get(d);
	free(f->name);
	f->name = dup;
	f->ofd = fd;
	f->oacc = flags & O_ACCMODE;
	pthread_mutex_unlock(&f->lock);
	p9_node_put(od);
	p9_node_put(op);
	n = NULL;
	err = reply_qid(c, &q, true);
	goto out;
out_fd:
	close(fd);
out_slot:
	p9_open_slot_put(c->s);
out:
	p9_node_put(n);
	put_fn(f, d);
	return err;
}

/* ---- read, write ---- */

/* Tread of an xattr fid: from its value. */
static int read_xattr(struct p9_ctx *c, struct p9_fid *f, uint64_t off,
		      uint32_t count)
{
	size_t n = 0;
	int err;

	err = p9_reply_begin(c, P9_RREAD_HDR + (size_t)count);
	if (err)
		return err;
	/* The value never changes once the fid is made. */
	if (off < f->xsize) {
		n = f->xsize - (size_t)off;
		if (n > count)
			n = count;
	}
	p9_put32(&c->out, (uint32_t)n);
	if (n) {
		memcpy(c->out.data + c->out.pos, f->xbuf + off, n);
		c->out.pos += n;
	}
	p9_stat_add(c->s, read_bytes, n);
	p9_stat_add(c->s, copied_bytes, n);
	return 0;
}

static bool memory_fs(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 &&
	       (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC);
}

/*
 * Reads n's file (opened as fd) at off into the reply's room without
 * waiting on a disk: the count, or -1 and errno (EAGAIN: it would wait,
 * read it through the bounce buffer).
 */
static ssize_t read_room(struct p9_node *n, int fd, const struct iovec *iov,
			 int k, uint64_t off)
{
	unsigned char mode = __atomic_load_n(&n->rdmode, __ATOMIC_RELAXED);
	ssize_t r;

	switch (mode) {
	case P9_RD_MEMFS:
		return preadv(fd, iov, k, (off_t)off);
	case P9_RD_BOUNCE:
		errno = EAGAIN;
		return -1;
	default:
		break;
	}
	r = preadv2(fd, iov, k, (off_t)off, RWF_NOWAIT);
	if (r >= 0 || errno != EOPNOTSUPP) {
		if (r >= 0 && mode == P9_RD_UNKNOWN)
			__atomic_store_n(&n->rdmode, P9_RD_NOWAIT,
					 __ATOMIC_RELAXED);
		return r;
	}
	/* No RWF_NOWAIT here: decided once per node (its file system does
	 * not change). */
	mode = memory_fs(fd) ? P9_RD_MEMFS : P9_RD_BOUNCE;
	__atomic_store_n(&n->rdmode, mode, __ATOMIC_RELAXED);
	if (mode == P9_RD_MEMFS)
		return preadv(fd, iov, k, (off_t)off);
	errno = EAGAIN;
	return -1;
}

/* Readahead of sequential Treads: the window ahead of the last one is
 * 4 of its size, within these bounds, and asked for again when less than
 * half of it is left. */
#define P9_RA_MIN (128u << 10)
#define P9_RA_MAX (8u << 20)

/*
 * After a Tread of [off, off + count) of f (open as fd) was answered: if
 * it follows the fid's last one (or starts the file), the kernel is asked
 * to read the window after it, unless enough of it was asked for already.
 * Bytes past the end of the file cost nothing (the kernel stops there).
 */
static void read_ahead(struct p9_ctx *c, struct p9_fid *f, int fd,
		       uint64_t off, uint32_t count)
{
	uint64_t end = off + count, win, from, to;
	bool seq;

	win = 4 * (uint64_t)count;
	if (win < P9_RA_MIN)
		win = P9_RA_MIN;
	if (win > P9_RA_MAX)
		win = P9_RA_MAX;
	/* A hint: racing Treads of one fid may see each other's end; the
	 * lock only for what a sequential one asks. */
	seq = __atomic_exchange_n(&f->ra_next, end, __ATOMIC_RELAXED) == off;
	if (!seq || !count || end > P9_OFF_MAX - win)
		return;
	pthread_mutex_lock(&f->lock);
	if (f->ra_end < end)
		f->ra_end = end;
	if (f->ra_end - end >= win / 2) {
		pthread_mutex_unlock(&f->lock);
		return;
	}
	from = f->ra_end;
	to = end + win;
	f->ra_end = to;
	pthread_mutex_unlock(&f->lock);
	if (posix_fadvise(fd, (off_t)from, (off_t)(to - from),
			  POSIX_FADV_WILLNEED) == 0)
		p9_stat_add(c->s, readahead_bytes, to - from);
}

/* Whether reserve() kept its contract: 1 or 2 pieces, len bytes. */
static bool room_ok(const struct iovec *iov, int n, size_t len)
{
	if (n < 1 || n > 2)
		return false;
	return iov[0].iov_len + (n > 1 ? iov[1].iov_len : 0) >= len;
}

/* The scattered room iov[0..n) from skip, len bytes of it, into out[]
 * (at most 2 pieces): how many. */
static int iov_sub(const struct iovec *iov, int n, size_t skip, size_t len,
		   struct iovec out[2])
{
	int i, k = 0;

	for (i = 0; i < n && len; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		out[k].iov_base = (uint8_t *)iov[i].iov_base + skip;
		out[k].iov_len = iov[i].iov_len - skip;
		if (out[k].iov_len > len)
			out[k].iov_len = len;
		len -= out[k].iov_len;
		skip = 0;
		k++;
	}
	return k;
}

static void rread_hdr(const struct p9_ctx *c, uint8_t h[P9_RREAD_HDR], size_t n)
{
	p9_le_put(h, P9_RREAD_HDR + n, 4);
	h[4] = P9_TREAD + 1;
	p9_le_put(h + 5, c->tag, 2);
	p9_le_put(h + 7, n, 4);
}

/*
 * Tread straight into the reply's room: 1 when the reply went out (or the
 * transport failed: c->rc), 0 when the page cache does not hold the data
 * (nothing sent, the room given back: it must not wait on the disk while
 * it holds the ring's other replies back), or -errno from the read.
 */
static int read_direct(struct p9_ctx *c, struct p9_node *n, int ofd,
		       uint64_t off, uint32_t count)
{
	uint8_t hdr[P9_RREAD_HDR];
	struct iovec room[2], data[2];
	struct stat st;
	uint64_t t0;
	ssize_t r;
	int nr, k, err;

	c->sent = true;
	nr = c->ops->reserve(c->opaque, P9_RREAD_HDR + (size_t)count, room);
	if (nr < 0) {
		c->rc = nr;
		return 1;
	}
	if (!room_ok(room, nr, P9_RREAD_HDR + (size_t)count)) {
		c->ops->commit(c->opaque, 0);
		c->rc = -EIO;
		return 1;
	}
	k = iov_sub(room, nr, P9_RREAD_HDR, count, data);
	t0 = p9_now_ns();
	r = read_room(n, ofd, data, k, off);
	p9_stat_add(c->s, move_ns_total, p9_now_ns() - t0);
	if (r >= 0 &&
	    ((size_t)r == count ||
	     (fstat(ofd, &st) == 0 && (uint64_t)st.st_size <= off + r))) {
		rread_hdr(c, hdr, (size_t)r);
		p9_iov_put(room, nr, 0, hdr, sizeof(hdr));
		p9_commit(c, P9_RREAD_HDR + (size_t)r);
		p9_stat_add(c->s, read_bytes, (uint64_t)r);
		return 1;
	}
	err = r < 0 ? -errno : 0;
	c->ops->commit(c->opaque, 0);
	c->sent = false;
	return err == -EAGAIN ? 0 : err;
}

int p9_op_read(struct p9_ctx *c)
{
	uint8_t hdr[P9_RREAD_HDR];
	struct iovec room[2];
	enum p9_fid_kind kind;
	struct p9_fid *f;
	struct p9_node *n;
	uint64_t off, t0;
	uint32_t fid, count;
	ssize_t r;
	size_t got;
	uint8_t *bounce;
	int ofd, nr, fill, err = 0;

	fid = p9_get32(&c->in);
	off = p9_get64(&c->in);
	count = p9_get32(&c->in);
	if (c->in.err)
		return -EBADMSG;
	if (count > c->msize - P9_RREAD_HDR)
		count = c->msize - P9_RREAD_HDR;
	f = p9_fid_get(c->s, fid);
	if (!f)
		return -EBADF;
	n = p9_fid_node(f, &kind, &ofd);
	if (kind == P9_FID_XREAD) {
		err = read_xattr(c, f, off, count);
		goto out;
	}
	if (kind != P9_FID_PATH) {
		err = -EINVAL;
		goto out;
	}
	if (ofd < 0) {
		err = -EBADF;
		goto out;
	}
	if (S_ISDIR(n->type)) {
		err = -EISDIR; /* directories are read with Treaddir */
		goto out;
	}
	if (off > P9_OFF_MAX) {
		err = -EINVAL;
		goto out;
	}
	if (count > P9_OFF_MAX - off)
		count = (uint32_t)(P9_OFF_MAX - off);

	/* Straight into the reply's room, if the page cache has it; if
	 * not, the page cache is filled first (no copy, the room not held)
	 * and the read tried again.  Pages evicted in between, or a file
	 * that cannot be spliced, go through the bounce buffer. */
	err = read_direct(c, n, ofd, off, count);
	if (!err && __atomic_load_n(&n->rdmode, __ATOMIC_RELAXED) !=
			    P9_RD_BOUNCE) {
		t0 = p9_now_ns();
		fill = p9_cache_fill(ofd, off, count);
		p9_stat_add(c->s, move_ns_total, p9_now_ns() - t0);
		if (fill == 0) {
			p9_stat_add(c->s, read_fills, 1);
			err = read_direct(c, n, ofd, off, count);
		}
	}
	if (err == 1 && !c->rc &&
	    __atomic_load_n(&n->rdmode, __ATOMIC_RELAXED) != P9_RD_MEMFS)
		read_ahead(c, f, ofd, off, count);
	if (err) {
		if (err > 0)
			err = 0;
		goto out;
	}

	/* The bounce buffer: read with the room given back, then copy. */
	bounce = p9_tbuf(P9_TBUF_SCRATCH, count);
	if (!bounce) {
		err = -ENOMEM;
		goto out;
	}
	t0 = p9_now_ns();
	for (got = 0; got < count; got += (size_t)r) {
		r = pread(ofd, bounce + got, count - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r < 0) {
			err = -errno;
			goto out;
		}
		if (!r)
			break;
	}
	p9_stat_add(c->s, move_ns_total, p9_now_ns() - t0);
	c->sent = true;
	nr = c->ops->reserve(c->opaque, P9_RREAD_HDR + got, room);
	if (nr < 0) {
		c->rc = nr;
		goto out;
	}
	if (!room_ok(room, nr, P9_RREAD_HDR + got)) {
		c->ops->commit(c->opaque, 0);
		c->rc = -EIO;
		goto out;
	}
	rread_hdr(c, hdr, got);
	p9_iov_put(room, nr, 0, hdr, sizeof(hdr));
	p9_iov_put(room, nr, P9_RREAD_HDR, bounce, got);
	p9_commit(c, P9_RREAD_HDR + got);
	p9_stat_add(c->s, read_bytes, got);
	p9_stat_add(c->s, copied_bytes, got);
	read_ahead(c, f, ofd, off, count);
out:
	put_fn(f, n);
	return err;
}

/* Twrite's payload: the transport's iovecs, or the message's tail. */
struct payload {
	const struct iovec *iov;
	int n;
	struct iovec one;
	size_t total;
};

static int payload_of(const struct p9_ctx *c, struct payload *p)
{
	const struct p9_req *rq = c->rq;
	size_t t = 0, prev;
	int i;

	if (rq->ndata < 0)
		return -EINVAL;
	if (rq->ndata == 0) {
		p->one.iov_base = (void *)(rq->msg + P9_TWRITE_HDR);
		p->one.iov_len = rq->len - P9_TWRITE_HDR;
		p->iov = &p->one;
		p->n = 1;
		p->total = p->one.iov_len;
		return 0;
	}
	if (!rq->data)
		return -EINVAL;
	for (i = 0; i < rq->ndata; i++) {
		prev = t;
		t += rq->data[i].iov_len;
		if (t < prev)
			return -EINVAL;
	}
	/* The iovecs should hold size - 23 bytes; never trust more. */
	if (rq->size >= P9_TWRITE_HDR && t > rq->size - P9_TWRITE_HDR)
		t = rq->size - P9_TWRITE_HDR;
	p->iov = rq->data;
	p->n = rq->ndata;
	p->total = t;
	return 0;
}

/* pwritev of the first count bytes of p at off: bytes written, or
 * -errno if none. */
static ssize_t write_payload(int fd, const struct payload *p, size_t count,
			     off_t off)
{
	struct iovec v[16];
	size_t done = 0, chunk, l;
	ssize_t r;
	int i = 0, k;

	while (done < count) {
		for (k = 0, chunk = 0;
		     i < p->n && k < 16 && done + chunk < count; i++) {
			l = p->iov[i].iov_len;
			if (l > count - done - chunk)
				l = count - done - chunk;
			if (!l)
				continue;
			v[k].iov_base = p->iov[i].iov_base;
			v[k].iov_len = l;
			chunk += l;
			k++;
		}
		if (!k)
			break;
		r = pwritev(fd, v, k, off + (off_t)done);
		if (r < 0 && errno == EINTR)
			r = 0;
		if (r < 0)
			return done ? (ssize_t)done : -errno;
		done += (size_t)r;
		if ((size_t)r < chunk)
			break; /* short: say what was written */
	}
	return (ssize_t)done;
}

/* Copies count bytes of p into dst (an xattr value). */
static void copy_payload(uint8_t *dst, const struct payload *p, size_t count)
{
	size_t l;
	int i;

	for (i = 0; i < p->n && count; i++) {
		l = p->iov[i].iov_len < count ? p->iov[i].iov_len : count;
		memcpy(dst, p->iov[i].iov_base, l);
		dst += l;
		count -= l;
	}
}

static int write_xattr(struct p9_ctx *c, struct p9_fid *f, uint64_t off,
		       uint32_t count, const struct payload *p)
{
	size_t n = count;

	pthread_mutex_lock(&f->lock);
	if (f->kind != P9_FID_XCREATE || off > f->xsize) {
		pthread_mutex_unlock(&f->lock);
		return -EINVAL;
	}
	if (n > f->xsize - off)
		n = f->xsize - (size_t)off;
	copy_payload(f->xbuf + off, p, n);
	if (off + n > f->xfill)
		f->xfill = (size_t)off + n;
	pthread_mutex_unlock(&f->lock);
	p9_stat_add(c->s, copied_bytes, n);
	count = (uint32_t)n;
	if (p9_reply_begin(c, P9_HDR_SIZE + 4))
		return -ENOMEM;
	p9_put32(&c->out, count);
	return 0;
}

int p9_op_write(struct p9_ctx *c)
{
	enum p9_fid_kind kind;
	struct payload p;
	struct p9_fid *f;
	struct p9_node *n;
	uint32_t fid, count;
	uint64_t off, t0;
	ssize_t r;
	int ofd, err;

	fid = p9_get32(&c->in);
	off = p9_get64(&c->in);
	count = p9_get32(&c->in);
	if (c->in.err)
		return -EBADMSG;
	err = payload_of(c, &p);
	if (err)
		return err;
	if (count > p.total)
		return -EINVAL; /* the message lies about its payload */
	if (count > c->msize - P9_TWRITE_HDR)
		count = c->msize - P9_TWRITE_HDR;
	f = p9_fid_get(c->s, fid);
	if (!f)
		return -EBADF;
	n = p9_fid_node(f, &kind, &ofd);
	if (kind == P9_FID_XCREATE) {
		err = write_xattr(c, f, off, count, &p);
		goto out;
	}
	if (kind != P9_FID_PATH) {
		err = -EINVAL;
		goto out;
	}
	if (readonly(c)) {
		err = -EROFS;
		goto out;
	}
	if (ofd < 0) {
		err = -EBADF;
		goto out;
	}
	if (S_ISDIR(n->type)) {
		err = -EISDIR;
		goto out;
	}
	if (off > P9_OFF_MAX) {
		err = -EINVAL;
		goto out;
	}
	t0 = p9_now_ns();
	r = write_payload(ofd, &p, count, (off_t)off);
	p9_stat_add(c->s, move_ns_total, p9_now_ns() - t0);
	if (r < 0) {
		err = (int)r;
		goto out;
	}
	p9_stat_add(c->s, write_bytes, (uint64_t)r);
	err = p9_reply_begin(c, P9_HDR_SIZE + 4);
	if (!err)
		p9_put32(&c->out, (uint32_t)r);
out:
	put_fn(f, n);
	return err;
}

/* ---- remove, unlinkat, rename, renameat, link ---- */

int p9_op_remove(struct p9_ctx *c)
{
	char name[P9_NAME_MAX + 1];
	struct p9_node *n, *d;
	struct p9_fid *f;
	uint32_t fid;
	int err = 0;

	fid = p9_get32(&c->in);
	if (c->in.err)
		return -EBADMSG;
	/* Tremove clunks the fid, whatever the outcome. */
	f = p9_fid_unlink(c->s, fid);
	if (!f)
		return -EBADF;
	pthread_mutex_lock(&f->lock);
	n = p9_node_get(f->node);
	d = p9_node_get(f->parent);
	if (readonly(c))
		err = -EROFS;
	else if (f->kind != P9_FID_PATH)
		err = -EINVAL;
	else if (!d || !f->name)
		err = -EBUSY; /* the root, or reached by ".." */
	else
		memcpy(name, f->name, strlen(f->name) + 1);
	pthread_mutex_unlock(&f->lock);
	if (!err)
		err = entry_is(d, name, n);
	if (!err && unlinkat(d->fd, name, S_ISDIR(n->type) ? AT_REMOVEDIR : 0))
		err = -errno;
	p9_node_put(d);
	p9_node_put(n);
	p9_fid_put(f);
	return err ? err : reply_empty(c);
}

int p9_op_unlinkat(struct p9_ctx *c)
{
	char name[P9_NAME_MAX + 1];
	struct p9_fid *f;
	struct p9_node *d;
	const char *nm;
	uint16_t nlen;
	uint32_t fid, flags;
	int err;

	fid = p9_get32(&c->in);
	p9_getstr(&c->in, &nm, &nlen);
	flags = p9_get32(&c->in);
	if (c->in.err)
		return -EBADMSG;
	err = p9_name_check(c, nm, nlen, true, name);
	if (err)
		return err;
	if (flags & ~P9_DOTL_AT_REMOVEDIR)
		return -EINVAL;
	if (readonly(c))
		return -EROFS;
	err = dir_fid(c, fid, &f, &d);
	if (err)
		return err;
	if (unlinkat(d->fd, name,
		     (flags & P9_DOTL_AT_REMOVEDIR) ? AT_REMOVEDIR : 0) < 0)
		err = -errno;
	put_fn(f, d);
	return err ? err : reply_empty(c);
}

int p9_op_rename(struct p9_ctx *c)
{
	char name[P9_NAME_MAX + 1], oname[P9_NAME_MAX + 1];
	struct p9_node *n, *op = NULL, *nd = NULL, *old;
	struct p9_fid *f, *df = NULL;
	const char *nm;
	uint16_t nlen;
	uint32_t fid, dfid;
	char *dup;
	int err = 0;

	fid = p9_get32(&c->in);
	dfid = p9_get32(&c->in);
	p9_getstr(&c->in, &nm, &nlen);
	if (c->in.err)
		return -EBADMSG;
	err = p9_name_check(c, nm, nlen, true, name);
	if (err)
		return err;
	if (readonly(c))
		return -EROFS;
	f = p9_fid_get(c->s, fid);
	if (!f)
		return -EBADF;
	pthread_mutex_lock(&f->lock);
	n = p9_node_get(f->node);
	op = p9_node_get(f->parent);
	if (f->kind != P9_FID_PATH)
		err = -EINVAL;
	else if (!op || !f->name)
		err = -EBUSY;
	else
		memcpy(oname, f->name, strlen(f->name) + 1);
	pthread_mutex_unlock(&f->lock);
	if (err)
		goto out;
	err = dir_fid(c, dfid, &df, &nd);
	if (err) {
		df = NULL;
		nd = NULL;
		goto out;
	}
	err = entry_is(op, oname, n);
	if (err)
		goto out;
	if (renameat(op->fd, oname, nd->fd, name) < 0) {
		err = -errno;
		goto out;
	}
	/* The fid's name is now the new one (if nothing moved it since). */
	dup = strdup(name);
	pthread_mutex_lock(&f->lock);
	if (f->node == n && f->parent == op) {
		old = f->parent;
		f->parent = dup ? p9_node_get(nd) : NULL;
		free(f->name);
		f->name = dup;
		dup = NULL;
		p9_node_put(old);
	}
	pthread_mutex_unlock(&f->lock);
	free(dup);
out:
	p9_node_put(nd);
	p9_fid_put(df);
	p9_node_put(op);
	put_fn(f, n);
	return err ? err : reply_empty(c);
}

int p9_op_renameat(struct p9_ctx *c)
{
	char oname[P9_NAME_MAX + 1], nname[P9_NAME_MAX + 1];
	struct p9_fid *of, *nf;
	struct p9_node *od, *nd;
	const char *on, *nn;
	uint16_t olen, nlen;
	uint32_t ofid, nfid;
	int err;

	ofid = p9_get32(&c->in);
	p9_getstr(&c->in, &on, &olen);
	nfid = p9_get32(&c->in);
	p9_getstr(&c->in, &nn, &nlen);
	if (c->in.err)
		return -EBADMSG;
	err = p9_name_check(c, on, olen, true, oname);
	if (!err)
		err = p9_name_check(c, nn, nlen, true, nname);
	if (err)
		return err;
	if (readonly(c))
		return -EROFS;
	err = dir_fid(c, ofid, &of, &od);
	if (err)
		return err;
	err = dir_fid(c, nfid, &nf, &nd);
	if (err) {
		put_fn(of, od);
		return err;
	}
	if (renameat(od->fd, oname, nd->fd, nname) < 0)
		err = -errno;
	put_fn(nf, nd);
	put_fn(of, od);
	return err ? err : reply_empty(c);
}

int p9_op_link(struct p9_ctx *c)
{
	char name[P9_NAME_MAX + 1], proc[32];
	struct p9_fid *df, *f;
	struct p9_node *d, *n;
	const char *nm;
	uint16_t nlen;
	uint32_t dfid, fid;
	int err;

	dfid = p9_get32(&c->in);
	fid = p9_get32(&c->in);
	p9_getstr(&c->in, &nm, &nlen);
	if (c->in.err)
		return -EBADMSG;
	err = p9_name_check(c, nm, nlen, true, name);
	if (err)
		return err;
	if (readonly(c))
		return -EROFS;
	err = dir_fid(c, dfid, &df, &d);
	if (err)
		return err;
	err = path_fid(c, fid, &f, &n, NULL);
	if (err) {
		put_fn(df, d);
		return err;
	}
	if (S_ISDIR(n->type)) {
		p9_stat_add(c->s, refused, 1);
		err = -EPERM;
		goto out;
	}
	if (linkat(n->fd, "", d->fd, name, AT_EMPTY_PATH) < 0) {
		err = -errno;
		/* AT_EMPTY_PATH wants CAP_DAC_READ_SEARCH; without it the
		 * file's /proc link names the same inode.  Not for a
		 * symlink, which AT_SYMLINK_FOLLOW must never resolve. */
		if ((err == -ENOENT || err == -EPERM) && !S_ISLNK(n->type)) {
			p9_proc_path(proc, sizeof(proc), n->fd);
			err = linkat(AT_FDCWD, proc, d->fd, name,
				     AT_SYMLINK_FOLLOW) < 0
				  ? -errno
				  : 0;
		}
	}
out:
	put_fn(f, n);
	put_fn(df, d);
	return err ? err : reply_empty(c);
}

/* ---- mkdir, mknod, symlink, readlink ---- */

/* After mkdir/mknod/symlink of name in d: its qid, owner and mode. */
static int made(struct p9_ctx *c, struct p9_fid *df, struct p9_node *d,
		const char *name, mode_t type, uint32_t gid, mode_t mode)
{
	struct p9_node *n = NULL;
	struct p9_qid q;
	int err;

	err = new_node(c, d, name, type, &n);
	if (err)
		return err;
	err = own_new(c, df, n, -1, gid, mode);
	if (!err)
		err = p9_node_qid(c->s->e, n, &q);
	if (err)
		undo_create(d, name, n);
	p9_node_put(n);
	return err ? err : reply_qid(c, &q, false);
}

int p9_op_mkdir(struct p9_ctx *c)
{
	char name[P9_NAME_MAX + 1];
	struct p9_fid *f;
	struct p9_node *d;
	const char *nm;
	uint16_t nlen;
	uint32_t fid, mode, gid;
	int err;

	fid = p9_get32(&c->in);
	p9_getstr(&c->in, &nm, &nlen);
	mode = p9_get32(&c->in);
	gid = p9_get32(&c->in);
	if (c->in.err)
		return -EBADMSG;
	err = p9_name_check(c, nm, nlen, true, name);
	if (err)
		return err;
	if (readonly(c))
		return -EROFS;
	err = dir_fid(c, fid, &f, &d);
	if (err)
		return err;
	if (mkdirat(d->fd, name, (mode_t)(mode & 07777)) < 0)
		err = -errno;
	else
		err = made(c, f, d, name, S_IFDIR, gid, (mode_t)mode);
	put_fn(f, d);
	return err;
}

int p9_op_mknod(struct p9_ctx *c)
{
	char name[P9_NAME_MAX + 1];
	struct p9_fid *f;
	struct p9_node *d;
	const char *nm;
	uint16_t nlen;
	uint32_t fid, mode, gid;
	mode_t type;
	int err;

	fid = p9_get32(&c->in);
	p9_getstr(&c->in, &nm, &nlen);
	mode = p9_get32(&c->in);
	(void)p9_get32(&c->in); /* major */
	(void)p9_get32(&c->in); /* minor */
	gid = p9_get32(&c->in);
	if (c->in.err)
		return -EBADMSG;
	type = (mode_t)mode & S_IFMT;
	if (!type)
		type = S_IFREG;
	if (S_ISCHR(type) || S_ISBLK(type)) {
		/* No device node of the host in the export. */
		p9_stat_add(c->s, refused, 1);
		return -EPERM;
	}
	if (!S_ISREG(type) && !S_ISFIFO(type) && !S_ISSOCK(type))
		return -EINVAL;
	err = p9_name_check(c, nm, nlen, true, name);
	if (err)
		return err;
	if (readonly(c))
		return -EROFS;
	err = dir_fid(c, fid, &f, &d);
	if (err)
		return err;
	if (mknodat(d->fd, name, type | (mode & 07777), 0) < 0)
		err = -errno;
	else
		err = made(c, f, d, name, type, gid, (mode_t)mode);
	put_fn(f, d);
	return err;
}

int p9_op_symlink(struct p9_ctx *c)
{
	char name[P9_NAME_MAX + 1], target[PATH_MAX];
	struct p9_fid *f;
	struct p9_node *d;
	const char *nm, *tg;
	uint16_t nlen, tlen;
	uint32_t fid, gid;
	int err;

	fid = p9_get32(&c->in);
	p9_getstr(&c->in, &nm, &nlen);
	p9_getstr(&c->in, &tg, &tlen);
	gid = p9_get32(&c->in);
	if (c->in.err)
		return -EBADMSG;
	err = p9_name_check(c, nm, nlen, true, name);
	if (err)
		return err;
	/* The target is data to us (never followed here): only its form
	 * is checked. */
	if (!tlen)
		return -ENOENT;
	if (memchr(tg, '\0', tlen))
		return -EINVAL;
	if (tlen >= sizeof(target))
		return -ENAMETOOLONG;
	memcpy(target, tg, tlen);
	target[tlen] = '\0';
	if (readonly(c))
		return -EROFS;
	err = dir_fid(c, fid, &f, &d);
	if (err)
		return err;
	if (symlinkat(target, d->fd, name) < 0)
		err = -errno;
	else
		err = made(c, f, d, name, S_IFLNK, gid, 0777);
	put_fn(f, d);
	return err;
}

int p9_op_readlink(struct p9_ctx *c)
{
	char target[PATH_MAX];
	struct p9_fid *f;
	struct p9_node *n;
	uint32_t fid;
	ssize_t r;
	int err;

	fid = p9_get32(&c->in);
	if (c->in.err)
		return -EBADMSG;
	err = path_fid(c, fid, &f, &n, NULL);
	if (err)
		return err;
	if (!S_ISLNK(n->type)) {
		err = -EINVAL;
		goto out;
	}
	r = readlinkat(n->fd, "", target, sizeof(target));
	if (r < 0) {
		err = -errno;
		goto out;
	}
	if ((size_t)r >= sizeof(target)) {
		err = -ENAMETOOLONG;
		goto out;
	}
	err = p9_reply_begin(c, P9_HDR_SIZE + 2 + (size_t)r);
	if (!err)
		p9_putstr(&c->out, target, (size_t)r);
out:
	put_fn(f, n);
	return err;
}

/* ---- attributes ---- */

int p9_op_getattr(struct p9_ctx *c)
{
	struct p9_fid *f;
	struct p9_node *n;
	struct statx x;
	struct p9_qid q;
	uint64_t valid = 0;
	uint32_t fid;
	int err;

	fid = p9_get32(&c->in);
	(void)p9_get64(&c->in); /* request_mask: all is answered */
	if (c->in.err)
		return -EBADMSG;
	f = p9_fid_get(c->s, fid);
	if (!f)
		return -EBADF;
	n = p9_fid_node(f, NULL, NULL);
	if (statx(n->fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
		  STATX_BASIC_STATS | STATX_BTIME, &x) < 0) {
		err = -errno;
		goto out;
	}
	err = p9_node_qid(c->s->e, n, &q);
	if (err)
		goto out;
	if ((x.stx_mask & (STATX_TYPE | STATX_MODE)) ==
	    (STATX_TYPE | STATX_MODE))
		valid |= P9_GETATTR_MODE;
	if (x.stx_mask & STATX_NLINK)
		valid |= P9_GETATTR_NLINK;
	if (x.stx_mask & STATX_UID)
		valid |= P9_GETATTR_UID;
	if (x.stx_mask & STATX_GID)
		valid |= P9_GETATTR_GID;
	valid |= P9_GETATTR_RDEV; /* statx always fills it */
	if (x.stx_mask & STATX_ATIME)
		valid |= P9_GETATTR_ATIME;
	if (x.stx_mask & STATX_MTIME)
		valid |= P9_GETATTR_MTIME;
	if (x.stx_mask & STATX_CTIME)
		valid |= P9_GETATTR_CTIME;
	if (x.stx_mask & STATX_INO)
		valid |= P9_GETATTR_INO;
	if (x.stx_mask & STATX_SIZE)
		valid |= P9_GETATTR_SIZE;
	if (x.stx_mask & STATX_BLOCKS)
		valid |= P9_GETATTR_BLOCKS;
	if (x.stx_mask & STATX_BTIME)
		valid |= P9_GETATTR_BTIME;
	err = p9_reply_begin(c, P9_HDR_SIZE + 153);
	if (err)
		goto out;
	p9_put64(&c->out, valid);
	p9_putqid(&c->out, &q);
	p9_put32(&c->out, x.stx_mode | (n->type & S_IFMT));
	p9_put32(&c->out, x.stx_uid);
	p9_put32(&c->out, x.stx_gid);
	p9_put64(&c->out, x.stx_nlink);
	p9_put64(&c->out, makedev(x.stx_rdev_major, x.stx_rdev_minor));
	p9_put64(&c->out, x.stx_size);
	p9_put64(&c->out, x.stx_blksize);
	p9_put64(&c->out, x.stx_blocks);
	p9_put64(&c->out, (uint64_t)x.stx_atime.tv_sec);
	p9_put64(&c->out, x.stx_atime.tv_nsec);
	p9_put64(&c->out, (uint64_t)x.stx_mtime.tv_sec);
	p9_put64(&c->out, x.stx_mtime.tv_nsec);
	p9_put64(&c->out, (uint64_t)x.stx_ctime.tv_sec);
	p9_put64(&c->out, x.stx_ctime.tv_nsec);
	p9_put64(&c->out,
		 (x.stx_mask & STATX_BTIME) ? (uint64_t)x.stx_btime.tv_sec : 0);
	p9_put64(&c->out, (x.stx_mask & STATX_BTIME) ? x.stx_btime.tv_nsec : 0);
	p9_put64(&c->out, 0); /* gen */
	p9_put64(&c->out, 0); /* data_version */
out:
	put_fn(f, n);
	return err;
}

/* A Tsetattr time: UTIME_OMIT, UTIME_NOW, or the client's. */
static int set_time(uint32_t valid, uint32_t bit, uint32_t setbit, uint64_t sec,
		    uint64_t nsec, struct timespec *ts)
{
	if (!(valid & bit)) {
		ts->tv_sec = 0;
		ts->tv_nsec = UTIME_OMIT;
	} else if (!(valid & setbit)) {
		ts->tv_sec = 0;
		ts->tv_nsec = UTIME_NOW;
	} else {
		if (nsec >= 1000000000u || sec > (uint64_t)INT64_MAX)
			return -EINVAL;
		ts->tv_sec = (time_t)sec;
		ts->tv_nsec = (long)nsec;
	}
	return 0;
}

int p9_op_setattr(struct p9_ctx *c)
{
	struct timespec ts[2];
	struct p9_fid *f;
	struct p9_node *n;
	char proc[32];
	uint32_t fid, valid, mode, uid, gid;
	uint64_t size, as, an, ms, mn;
	bool pass = model_passthrough(c);
	int ofd, oacc, err;

	fid = p9_get32(&c->in);
	valid = p9_get32(&c->in);
	mode = p9_get32(&c->in);
	uid = p9_get32(&c->in);
	gid = p9_get32(&c->in);
	size = p9_get64(&c->in);
	as = p9_get64(&c->in);
	an = p9_get64(&c->in);
	ms = p9_get64(&c->in);
	mn = p9_get64(&c->in);
	if (c->in.err)
		return -EBADMSG;
	err = set_time(valid, P9_SETATTR_ATIME, P9_SETATTR_ATIME_SET, as, an,
		       &ts[0]);
	if (!err)
		err = set_time(valid, P9_SETATTR_MTIME, P9_SETATTR_MTIME_SET,
			       ms, mn, &ts[1]);
	if (err)
		return err;
	if ((valid & P9_SETATTR_SIZE) && size > P9_OFF_MAX)
		return -EINVAL;
	if (readonly(c) &&
	    (valid & (P9_SETATTR_MODE | P9_SETATTR_UID | P9_SETATTR_GID |
		      P9_SETATTR_SIZE | P9_SETATTR_ATIME | P9_SETATTR_MTIME |
		      P9_SETATTR_CTIME)))
		return -EROFS;
	err = path_fid(c, fid, &f, &n, &ofd);
	if (err)
		return err;
	pthread_mutex_lock(&f->lock);
	oacc = f->oacc;
	pthread_mutex_unlock(&f->lock);

	/* Owner first: a chown clears set-id bits that a mode in the same
	 * request may set again. */
	if (valid & (P9_SETATTR_UID | P9_SETATTR_GID)) {
		if (fchownat(n->fd, "",
			     (valid & P9_SETATTR_UID) ? (uid_t)uid : (uid_t)-1,
			     (valid & P9_SETATTR_GID) ? (gid_t)gid : (gid_t)-1,
			     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 &&
		    pass) {
			err = -errno;
			goto out;
		}
	}
	if (valid & P9_SETATTR_MODE) {
		err = chmod_node(n, -1, (mode_t)(mode & 07777));
		if (err && pass)
			goto out;
		err = 0;
	}
	if (valid & P9_SETATTR_SIZE) {
		if (S_ISDIR(n->type)) {
			err = -EISDIR;
		} else if (!S_ISREG(n->type)) {
			err = -EINVAL;
		} else if (ofd >= 0 && oacc != O_RDONLY) {
			if (ftruncate(ofd, (off_t)size) < 0)
				err = -errno;
		} else {
			p9_proc_path(proc, sizeof(proc), n->fd);
			if (truncate(proc, (off_t)size) < 0)
				err = -errno;
		}
		if (err)
			goto out;
	}
	if ((valid & (P9_SETATTR_ATIME | P9_SETATTR_MTIME)) &&
	    utimensat(n->fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
out:
	put_fn(f, n);
	return err ? err : reply_empty(c);
}

int p9_op_statfs(struct p9_ctx *c)
{
	struct p9_fid *f;
	struct p9_node *n;
	struct statfs sf;
	uint32_t fid;
	uint64_t fsid;
	int err;

	fid = p9_get32(&c->in);
	if (c->in.err)
		return -EBADMSG;
	f = p9_fid_get(c->s, fid);
	if (!f)
		return -EBADF;
	n = p9_fid_node(f, NULL, NULL);
	if (fstatfs(n->fd, &sf) < 0) {
		err = -errno;
		goto out;
	}
	memcpy(&fsid, &sf.f_fsid, sizeof(fsid));
	err = p9_reply_begin(c, P9_HDR_SIZE + 60);
	if (err)
		goto out;
	p9_put32(&c->out, (uint32_t)sf.f_type);
	p9_put32(&c->out, (uint32_t)sf.f_bsize);
	p9_put64(&c->out, sf.f_blocks);
	p9_put64(&c->out, sf.f_bfree);
	p9_put64(&c->out, sf.f_bavail);
	p9_put64(&c->out, sf.f_files);
	p9_put64(&c->out, sf.f_ffree);
	p9_put64(&c->out, fsid);
	p9_put32(&c->out, (uint32_t)sf.f_namelen);
out:
	put_fn(f, n);
	return err;
}

int p9_op_fsync(struct p9_ctx *c)
{
	struct p9_fid *f;
	struct p9_node *n;
	uint32_t fid, datasync;
	int ofd, err;

	fid = p9_get32(&c->in);
	datasync = p9_get32(&c->in);
	if (c->in.err)
		return -EBADMSG;
	err = path_fid(c, fid, &f, &n, &ofd);
	if (err)
		return err;
	if (ofd < 0)
		err = -EBADF;
	else if ((datasync ? fdatasync(ofd) : fsync(ofd)) < 0)
		err = -errno;
	put_fn(f, n);
	return err ? err : reply_empty(c);
}

/* ---- readdir ---- */

static mode_t dt_mode(unsigned char t)
{
	switch (t) {
	case DT_DIR:
		return S_IFDIR;
	case DT_LNK:
		return S_IFLNK;
	default:
		return S_IFREG;
	}
}

/* The qid of entry de of the directory n (opened as dfd). */
static int dirent_qid(struct p9_export *e, const struct p9_node *n, int dfd,
		      const struct dirent64 *de, struct p9_qid *q)
{
	struct stat st;

	if (!strcmp(de->d_name, ".") ||
	    (!strcmp(de->d_name, "..") && p9_node_is_root(e, n)))
		return p9_node_qid(e, p9_node_is_root(e, n) ? e->root : n, q);
	/* A directory may be a mount point, whose d_ino is the inode
	 * under it: ask for the real one. */
	if ((de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) &&
	    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return p9_qid_of(e, st.st_dev, st.st_ino, st.st_mode, q);
	return p9_qid_of(e, n->dev, de->d_ino, dt_mode(de->d_type), q);
}

int p9_op_readdir(struct p9_ctx *c)
{
	struct p9_export *e = c->s->e;
	struct dirent64 *de;
	struct p9_fid *f;
	struct p9_node *n;
	struct p9_qid q;
	uint32_t fid, count;
	uint64_t off;
	size_t bsize, nlen, pos;
	ssize_t got;
	unsigned int nent = 0;
	uint8_t *buf;
	int ofd, err;

	fid = p9_get32(&c->in);
	off = p9_get64(&c->in);
	count = p9_get32(&c->in);
	if (c->in.err)
		return -EBADMSG;
	if (count > c->msize - P9_RREAD_HDR)
		count = c->msize - P9_RREAD_HDR;
	err = path_fid(c, fid, &f, &n, &ofd);
	if (err)
		return err;
	if (!S_ISDIR(n->type)) {
		err = -ENOTDIR;
		goto out;
	}
	if (ofd < 0) {
		err = -EBADF;
		goto out;
	}
	if (off > P9_OFF_MAX) {
		err = -EINVAL;
		goto out;
	}
	err = p9_reply_begin(c, P9_RREAD_HDR + (size_t)count);
	if (err)
		goto out;
	p9_put32(&c->out, 0); /* count, below */
	/* A kernel dirent is about the size of a 9P one; one more than
	 * fits is no loss (the next Treaddir seeks back to it). */
	bsize = (size_t)count + 512;
	buf = p9_tbuf(P9_TBUF_SCRATCH, bsize);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	/* Offset 0 rewinds; any other is a d_off we gave (or whatever the
	 * file system makes of another value). */
	pthread_mutex_lock(&f->dirlock);
	if (lseek(ofd, (off_t)off, SEEK_SET) < 0)
		got = -1;
	else
		got = getdents64(ofd, buf, bsize);
	if (got < 0)
		err = -errno;
	pthread_mutex_unlock(&f->dirlock);
	if (err)
		goto out;
	for (pos = 0; pos < (size_t)got; pos += de->d_reclen) {
		de = (struct dirent64 *)(buf + pos);
		nlen =
		    strnlen(de->d_name,
			    de->d_reclen - offsetof(struct dirent64, d_name));
		if (c->out.len - c->out.pos < P9_QID_SIZE + 8 + 1 + 2 + nlen)
			break;
		err = dirent_qid(e, n, ofd, de, &q);
		if (err)
			goto out;
		p9_putqid(&c->out, &q);
		p9_put64(&c->out, (uint64_t)de->d_off);
		p9_put8(&c->out, de->d_type);
		p9_putstr(&c->out, de->d_name, nlen);
		nent++;
	}
	if (got > 0 && !nent) {
		err = -EINVAL; /* count too small for one entry */
		goto out;
	}
	p9_le_put(c->out.data + P9_HDR_SIZE, c->out.pos - P9_RREAD_HDR, 4);
out:
	put_fn(f, n);
	return err;
}

/* ---- locks ---- */

static int flock_of(uint8_t type, uint64_t start, uint64_t len,
		    struct flock *fl)
{
	memset(fl, 0, sizeof(*fl));
	switch (type) {
	case P9_LOCK_TYPE_RDLCK:
		fl->l_type = F_RDLCK;
		break;
	case P9_LOCK_TYPE_WRLCK:
		fl->l_type = F_WRLCK;
		break;
	case P9_LOCK_TYPE_UNLCK:
		fl->l_type = F_UNLCK;
		break;
	default:
		return -EINVAL;
	}
	if (start > P9_OFF_MAX || len > P9_OFF_MAX)
		return -EINVAL;
	fl->l_whence = SEEK_SET;
	fl->l_start = (off_t)start;
	fl->l_len = (off_t)len; /* 0: to the end, as in 9P */
	return 0;
}

/* The opened fd of fid for a lock request. */
static int lock_fid(struct p9_ctx *c, uint32_t fid, struct p9_fid **fp,
		    struct p9_node **np, int *ofd)
{
	int err = path_fid(c, fid, fp, np, ofd);

	if (!err && *ofd < 0) {
		put_fn(*fp, *np);
		err = -EBADF;
	}
	return err;
}

int p9_op_lock(struct p9_ctx *c)
{
	struct p9_fid *f;
	struct p9_node *n;
	struct flock fl;
	const char *cid;
	uint16_t clen;
	uint32_t fid;
	uint8_t type, status;
	uint64_t start, len;
	int ofd, err;

	fid = p9_get32(&c->in);
	type = p9_get8(&c->in);
	(void)p9_get32(&c->in); /* flags: BLOCK is the client's to retry */
	start = p9_get64(&c->in);
	len = p9_get64(&c->in);
	(void)p9_get32(&c->in); /* proc_id */
	p9_getstr(&c->in, &cid, &clen);
	if (c->in.err)
		return -EBADMSG;
	err = flock_of(type, start, len, &fl);
	if (err)
		return err;
	err = lock_fid(c, fid, &f, &n, &ofd);
	if (err)
		return err;
	/* An open file description's lock (never blocking): one owner per
	 * opened fid, released when the fid is clunked. */
	status = P9_LOCK_SUCCESS;
	if (fcntl(ofd, F_OFD_SETLK, &fl) < 0) {
		if (errno == EAGAIN || errno == EACCES)
			status = P9_LOCK_BLOCKED;
		else
			err = -errno;
	}
	put_fn(f, n);
	if (err)
		return err;
	err = p9_reply_begin(c, P9_HDR_SIZE + 1);
	if (!err)
		p9_put8(&c->out, status);
	return err;
}

int p9_op_getlock(struct p9_ctx *c)
{
	struct p9_fid *f;
	struct p9_node *n;
	struct flock fl;
	const char *cid;
	uint16_t clen;
	uint32_t fid, pid;
	uint8_t type;
	uint64_t start, len;
	int ofd, err;

	fid = p9_get32(&c->in);
	type = p9_get8(&c->in);
	start = p9_get64(&c->in);
	len = p9_get64(&c->in);
	pid = p9_get32(&c->in);
	p9_getstr(&c->in, &cid, &clen);
	if (c->in.err)
		return -EBADMSG;
	if (type == P9_LOCK_TYPE_UNLCK)
		return -EINVAL;
	err = flock_of(type, start, len, &fl);
	if (err)
		return err;
	err = lock_fid(c, fid, &f, &n, &ofd);
	if (err)
		return err;
	if (fcntl(ofd, F_OFD_GETLK, &fl) < 0)
		err = -errno;
	put_fn(f, n);
	if (err)
		return err;
	err = p9_reply_begin(c, P9_HDR_SIZE + 1 + 8 + 8 + 4 + 2 + clen);
	if (err)
		return err;
	if (fl.l_type == F_UNLCK) {
		p9_put8(&c->out, P9_LOCK_TYPE_UNLCK);
		p9_put64(&c->out, start);
		p9_put64(&c->out, len);
		p9_put32(&c->out, pid);
	} else {
		p9_put8(&c->out, fl.l_type == F_WRLCK ? P9_LOCK_TYPE_WRLCK
						      : P9_LOCK_TYPE_RDLCK);
		p9_put64(&c->out, (uint64_t)fl.l_start);
		p9_put64(&c->out, (uint64_t)fl.l_len);
		p9_put32(&c->out, (uint32_t)fl.l_pid);
	}
	p9_putstr(&c->out, cid, clen);
	return 0;
}

/* ---- xattrs ---- */

/* 0 if name[0..len) is an xattr name we serve, copied with a NUL. */
static int xattr_name(struct p9_ctx *c, const char *name, size_t len, char *buf)
{
	if (!len || memchr(name, '\0', len))
		return -EINVAL;
	if (len > P9_XATTR_NAME_MAX)
		return -ERANGE;
	if (!c->s->e->o.xattr_any && (len < 5 || memcmp(name, "user.", 5))) {
		p9_stat_add(c->s, xattr_refused, 1);
		return -EOPNOTSUPP;
	}
	memcpy(buf, name, len);
	buf[len] = '\0';
	return 0;
}

/* The value of xattr name of n (or the list, for NULL) in a new buffer:
 * its size, or -errno. */
static ssize_t xattr_fetch(struct p9_ctx *c, const struct p9_node *n,
			   const char *name, uint8_t **out)
{
	size_t max = c->s->e->max_xattr;
	char proc[32];
	uint8_t *buf = NULL;
	ssize_t r;
	int tries;

	*out = NULL;
	/* A symlink's /proc link must not be used: no xattrs (user.*
	 * cannot be set on symlinks anyway). */
	if (S_ISLNK(n->type))
		return name ? -ENODATA : 0;
	/* The list is filtered after: fetch it whole (the kernel's cap is
	 * 64 KiB). */
	if (!name && max < 65536)
		max = 65536;
	p9_proc_path(proc, sizeof(proc), n->fd);
	for (tries = 0; tries < 4; tries++) {
		r = name ? getxattr(proc, name, NULL, 0)
			 : listxattr(proc, NULL, 0);
		if (r < 0)
			return -errno;
		if ((size_t)r > max)
			return -E2BIG;
		free(buf);
		buf = malloc(r ? (size_t)r : 1);
		if (!buf)
			return -ENOMEM;
		if (!r)
			break;
		r = name ? getxattr(proc, name, buf, (size_t)r)
			 : listxattr(proc, (char *)buf, (size_t)r);
		if (r >= 0)
			break;
		if (errno != ERANGE) {
			r = -errno;
			free(buf);
			return r;
		}
	}
	if (r < 0) {
		free(buf);
		return -ERANGE; /* still changing */
	}
	*out = buf;
	return r;
}

/* Keeps the user.* names of a list (unless xattr_any): the new size. */
static size_t xattr_filter(const struct p9_ctx *c, uint8_t *list, size_t len)
{
	size_t i = 0, o = 0, l;

	if (c->s->e->o.xattr_any)
		return len;
	while (i < len) {
		l = strnlen((char *)list + i, len - i);
		if (i + l < len)
			l++; /* with its NUL */
		if (l >= 5 && !memcmp(list + i, "user.", 5)) {
			memmove(list + o, list + i, l);
			o += l;
		}
		i += l;
	}
	return o;
}

int p9_op_xattrwalk(struct p9_ctx *c)
{
	char name[P9_XATTR_NAME_MAX + 1];
	struct p9_fid *f, *nf;
	struct p9_node *n;
	const char *nm;
	uint16_t nlen;
	uint32_t fid, newfid;
	uint8_t *buf;
	ssize_t r;
	int err;

	fid = p9_get32(&c->in);
	newfid = p9_get32(&c->in);
	p9_getstr(&c->in, &nm, &nlen);
	if (c->in.err)
		return -EBADMSG;
	if (nlen) {
		err = xattr_name(c, nm, nlen, name);
		if (err)
			return err;
	}
	err = path_fid(c, fid, &f, &n, NULL);
	if (err)
		return err;
	if (p9_fid_in_use(c->s, newfid)) {
		err = -EEXIST;
		goto out;
	}
	r = xattr_fetch(c, n, nlen ? name : NULL, &buf);
	if (r < 0) {
		err = (int)r;
		goto out;
	}
	if (!nlen)
		r = (ssize_t)xattr_filter(c, buf, (size_t)r);
	if ((size_t)r > c->s->e->max_xattr) {
		free(buf);
		err = -E2BIG;
		goto out;
	}
	err = p9_xattr_charge(c->s, (size_t)r);
	if (err) {
		free(buf);
		goto out;
	}
	nf = p9_fid_alloc(c->s, newfid, f->uid, p9_node_get(n), NULL, NULL);
	if (!nf) {
		err = -errno;
		p9_xattr_uncharge(c->s, (size_t)r);
		free(buf);
		goto out;
	}
	nf->kind = P9_FID_XREAD;
	nf->xbuf = buf;
	nf->xsize = (size_t)r;
	nf->xcharged = (size_t)r;
	err = p9_fid_insert(c->s, nf);
	if (err)
		goto out;
	err = p9_reply_begin(c, P9_HDR_SIZE + 8);
	if (!err)
		p9_put64(&c->out, (uint64_t)r);
out:
	put_fn(f, n);
	return err;
}

int p9_op_xattrcreate(struct p9_ctx *c)
{
	char name[P9_XATTR_NAME_MAX + 1];
	struct p9_fid *f;
	struct p9_node *n;
	const char *nm;
	uint16_t nlen;
	uint32_t fid, flags;
	uint64_t size;
	uint8_t *buf = NULL;
	char *xname = NULL;
	int err;

	fid = p9_get32(&c->in);
	p9_getstr(&c->in, &nm, &nlen);
	size = p9_get64(&c->in);
	flags = p9_get32(&c->in);
	if (c->in.err)
		return -EBADMSG;
	err = xattr_name(c, nm, nlen, name);
	if (err)
		return err;
	if (flags & ~(uint32_t)(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	if (size > c->s->e->max_xattr)
		return -E2BIG;
	if (readonly(c))
		return -EROFS;
	err = path_fid(c, fid, &f, &n, NULL);
	if (err)
		return err;
	err = p9_xattr_charge(c->s, (size_t)size);
	if (err) {
		size = 0; /* nothing to give back */
		goto out;
	}
	buf = malloc(size ? (size_t)size : 1);
	xname = strdup(name);
	if (!buf || !xname) {
		err = -ENOMEM;
		goto out;
	}
	pthread_mutex_lock(&f->lock);
	if (f->kind != P9_FID_PATH || f->ofd >= 0) {
		err = -EINVAL;
	} else {
		/* The fid is now the value being written (Twrite) and set
		 * at Tclunk. */
		f->kind = P9_FID_XCREATE;
		f->xname = xname;
		f->xbuf = buf;
		f->xsize = (size_t)size;
		f->xfill = 0;
		f->xflags = (int)flags;
		f->xcharged = (size_t)size;
		xname = NULL;
		buf = NULL;
		size = 0; /* the fid's now */
	}
	pthread_mutex_unlock(&f->lock);
	if (!err)
		err = reply_empty(c);
out:
	p9_xattr_uncharge(c->s, (size_t)size);
	free(buf);
	free(xname);
	put_fn(f, n);
	return err;
}

int p9_xattr_commit(struct p9_fid *f)
{
	struct p9_session *s = f->s;
	struct p9_node *n;
	char proc[32];
	char *name;
	uint8_t *buf;
	size_t size, fill, charged;
	int flags, err = 0;

	pthread_mutex_lock(&f->lock);
	if (f->kind != P9_FID_XCREATE) {
		pthread_mutex_unlock(&f->lock);
		return 0;
	}
	/* Once only: the fid is a plain one again. */
	f->kind = P9_FID_PATH;
	name = f->xname;
	buf = f->xbuf;
	size = f->xsize;
	fill = f->xfill;
	flags = f->xflags;
	f->xname = NULL;
	f->xbuf = NULL;
	f->xsize = f->xfill = 0;
	charged = f->xcharged;
	f->xcharged = 0;
	n = p9_node_get(f->node);
	pthread_mutex_unlock(&f->lock);

	if (fill != size) {
		err = -EINVAL; /* the value was not all written */
	} else if (s->e->o.readonly) {
		err = -EROFS;
	} else if (S_ISLNK(n->type)) {
		err = -EPERM;
	} else {
		p9_proc_path(proc, sizeof(proc), n->fd);
		/* Linux's removexattr is a Txattrcreate of size 0. */
		if (size ? setxattr(proc, name, buf, size, flags)
			 : removexattr(proc, name))
			err = -errno;
	}
	p9_node_put(n);
	free(name);
	free(buf);
	p9_xattr_uncharge(s, charged);
	return err;
}
