/* SPDX-License-Identifier: MIT */
/*
 * p9srv.c - the 9P2000.L server's frame (see p9srv.h for the contract and
 * p9priv.h for the object model): the export, nodes, qids, sessions and
 * their fid tables, the per-thread buffers, the dispatch of one request
 * and the operations on fids themselves (version, auth, attach, walk,
 * clunk, flush).  The file operations are in p9ops.c.
 *
 * Guarantees kept here: every request gets exactly one reply (Rlerror
 * for an error, EBADMSG for a message shorter than its fields say), with
 * the request's tag, never longer than the session's msize; a name is
 * looked up one component at a time from a directory fd, never through
 * a symlink, and `..` at the export's root is the root; two different
 * files never share a qid.path.
 *
 * Buffers: replies are built in a per-thread buffer (and Tread's bounce
 * buffer is a second one), made on first use and grown to the largest
 * size asked (at most a session's msize); they are freed when the thread
 * ends (a pthread key's destructor), as is the pipe of p9_cache_fill.
 * Nothing is allocated per Tread or Twrite; fids, nodes and xattr values
 * are allocated when made, within the session's caps (max_fids; xattr
 * values: 8 x max_xattr, at least 1 MiB, ENOMEM beyond).
 *
 * Errors chosen for refusals (the client gets these in Rlerror):
 *   EPROTO   a request before Tversion succeeded
 *   EINVAL   a bad name (empty, '/', NUL, "."/".." where it would be
 *            created, removed or renamed), a bad flag, a fid of the wrong
 *            kind (an xattr fid, an opened fid walked in place, an opened
 *            fid opened again), an offset past 2^63
 *   ENAMETOOLONG  a name over 255 bytes
 *   EBADF    an unknown fid, or one not opened for the operation
 *   EEXIST   a new fid (attach, walk, xattrwalk) already in use
 *   EMFILE   more fids than max_fids; ENFILE  more opened than max_open;
 *            either when the session is past its floor of the process's
 *            fd budget and the rest is spent (fd_budget)
 *   EPERM    opening or making a device node, FIFO or socket on the host
 *            (mknod of FIFOs and sockets is allowed; opening them is not),
 *            linking a directory
 *   ELOOP    opening a symlink; ENOTDIR  walking through one
 *   EBUSY    removing or renaming the export's root, or a fid reached by
 *            ".." (its name in its parent is not known)
 *   ENOENT   Tauth (no authentication), Tattach to another aname
 *   ESTALE   Tremove/Trename of a fid whose name now holds another file
 *   EROFS    any change to a read-only export
 *   E2BIG    an xattr value larger than max_xattr
 *   EOPNOTSUPP  an unknown request, an xattr outside user.* (unless
 *            xattr_any)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "p9priv.h"

#define P9_DEF_MAX_FIDS 16384u
#define P9_DEF_MAX_OPEN 1024u
#define P9_DEF_MAX_XATTR 65536u

/* ---- nodes ---- */

struct p9_node *p9_node_get(struct p9_node *n)
{
	if (n)
		__atomic_add_fetch(&n->refs, 1, __ATOMIC_RELAXED);
	return n;
}

void p9_node_put(struct p9_node *n)
{
	/* Release so that every use of the fd happens before the close;
	 * acquire on the last one for the same reason. */
	if (!n || __atomic_sub_fetch(&n->refs, 1, __ATOMIC_ACQ_REL))
		return;
	close(n->fd);
	free(n);
}

struct p9_node *p9_node_new(int fd)
{
	struct p9_node *n;
	struct stat st;
	int err;

	if (fstat(fd, &st) < 0) {
		err = errno;
		goto fail;
	}
	n = malloc(sizeof(*n));
	if (!n) {
		err = ENOMEM;
		goto fail;
	}
	n->refs = 1;
	n->fd = fd;
	n->dev = st.st_dev;
	n->ino = st.st_ino;
	n->type = st.st_mode & S_IFMT;
	n->rdmode = P9_RD_UNKNOWN;
	return n;
fail:
	close(fd);
	errno = err;
	return NULL;
}

bool p9_node_is_root(const struct p9_export *e, const struct p9_node *n)
{
	return n->dev == e->root->dev && n->ino == e->root->ino;
}

void p9_proc_path(char *buf, size_t size, int fd)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
}

static int openat2_beneath(int dirfd, const char *name)
{
	struct open_how how = {
	    .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
	    .resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
}

int p9_lookup(struct p9_export *e, const struct p9_node *dir, const char *name)
{
	int fd = -1, i;

	if (!S_ISDIR(dir->type))
		return -ENOTDIR;
	if (!__atomic_load_n(&e->no_openat2, __ATOMIC_RELAXED)) {
		/* EAGAIN: a rename raced with the lookup; try again. */
		for (i = 0; i < 8; i++) {
			fd = openat2_beneath(dir->fd, name);
			if (fd >= 0 || errno != EAGAIN)
				break;
		}
		if (fd >= 0)
			return fd;
		if (errno != ENOSYS)
			return -errno;
		__atomic_store_n(&e->no_openat2, true, __ATOMIC_RELAXED);
	}
	/* One component without '/', never "..": O_NOFOLLOW is all
	 * RESOLVE_* would add. */
	fd = openat(dir->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int p9_name_check(struct p9_ctx *c, const char *name, size_t len, bool create,
		  char *buf)
{
	int err = 0;

	if (!len || memchr(name, '/', len) || memchr(name, '\0', len))
		err = -EINVAL;
	else if (len > P9_NAME_MAX)
		err = -ENAMETOOLONG;
	else if (create && name[0] == '.' &&
		 (len == 1 || (len == 2 && name[1] == '.')))
		err = -EINVAL;
	if (err) {
		p9_stat_add(c->s, refused, 1);
		return err;
	}
	memcpy(buf, name, len);
	buf[len] = '\0';
	return 0;
}

/* ---- qids ---- */

static size_t qid_hash(dev_t dev, ino_t ino, size_t cap)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull;

	h ^= (uint64_t)dev * 0xc2b2ae3d27d4eb4full;
	h ^= h >> 29;
	return (size_t)h & (cap - 1);
}

/* Under lock: grows big[] to cap (a power of 2). */
static int qid_big_grow(struct p9_qidmap *m, size_t cap)
{
	struct p9_qid_ent *t = calloc(cap, sizeof(*t));
	size_t i, j;

	if (!t)
		return -ENOMEM;
	for (i = 0; i < m->big_cap; i++) {
		if (!m->big[i].path)
			continue;
		j = qid_hash(m->big[i].dev, m->big[i].ino, cap);
		while (t[j].path)
			j = (j + 1) & (cap - 1);
		t[j] = m->big[i];
	}
	free(m->big);
	m->big = t;
	m->big_cap = cap;
	return 0;
}

/* Under lock: the counter of (dev, ino) in big[], made if new. */
static int qid_big(struct p9_qidmap *m, dev_t dev, ino_t ino, uint64_t *path)
{
	size_t j;
	int err;

	if (m->big_n + 1 > m->big_cap / 2) {
		err = qid_big_grow(m, m->big_cap ? m->big_cap * 2 : 1024);
		if (err)
			return err;
	}
	j = qid_hash(dev, ino, m->big_cap);
	while (m->big[j].path) {
		if (m->big[j].dev == dev && m->big[j].ino == ino) {
			*path = m->big[j].path;
			return 0;
		}
		j = (j + 1) & (m->big_cap - 1);
	}
	if (m->big_next > P9_QID_INO_MAX)
		return -EOVERFLOW;
	m->big[j].dev = dev;
	m->big[j].ino = ino;
	m->big[j].path = (0xffull << P9_QID_PREFIX_SHIFT) | m->big_next++;
	m->big_n++;
	*path = m->big[j].path;
	return 0;
}

static int qid_path(struct p9_export *e, dev_t dev, ino_t ino, uint64_t *path)
{
	struct p9_qidmap *m = &e->qid;
	unsigned int i, n;
	int err = 0;

	if ((uint64_t)ino <= P9_QID_INO_MAX) {
		if (dev == e->root->dev) {
			*path = (uint64_t)ino;
			return 0;
		}
		/* devs[i < ndevs] never change once published (acquire
		 * pairs with the release below). */
		n = __atomic_load_n(&m->ndevs, __ATOMIC_ACQUIRE);
		for (i = 0; i < n; i++)
			if (m->devs[i] == dev)
				goto found;
	}
	pthread_mutex_lock(&m->lock);
	if ((uint64_t)ino <= P9_QID_INO_MAX) {
		n = m->ndevs;
		for (i = 0; i < n; i++)
			if (m->devs[i] == dev)
				break;
		if (i == n && n < P9_QID_NDEVS) {
			m->devs[n] = dev;
			__atomic_store_n(&m->ndevs, n + 1, __ATOMIC_RELEASE);
		}
		if (i < P9_QID_NDEVS) {
			pthread_mutex_unlock(&m->lock);
			goto found;
		}
	}
	err = qid_big(m, dev, ino, path);
	pthread_mutex_unlock(&m->lock);
	return err;
found:
	*path = ((uint64_t)(i + 1) << P9_QID_PREFIX_SHIFT) | (uint64_t)ino;
	return 0;
}

/* qid.version is always 0: v9fs's caches go by their own timeouts and
 * mtime, and a version that changes with every write makes Linux drop
 * its page cache on every getattr. */
int p9_qid_of(struct p9_export *e, dev_t dev, ino_t ino, mode_t type,
	      struct p9_qid *q)
{
	q->type = S_ISDIR(type)	  ? P9_QTDIR
		  : S_ISLNK(type) ? P9_QTSYMLINK
				  : P9_QTFILE;
	q->version = 0;
	return qid_path(e, dev, ino, &q->path);
}

int p9_node_qid(struct p9_export *e, const struct p9_node *n, struct p9_qid *q)
{
	return p9_qid_of(e, n->dev, n->ino, n->type, q);
}

/* ---- the export ---- */

static char *path_trim(const char *p)
{
	char *s = strdup(p);
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

/* Whether this kernel has openat2 (a seccomp filter may say ENOSYS or
 * EPERM for it: then the O_NOFOLLOW fallback is used throughout). */
static bool have_openat2(int root)
{
	int fd = openat2_beneath(root, ".");

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * The process's file descriptors are shared by every export and session,
 * and by the daemon's other channels: a guest that walks its share's
 * max_fids fids must not leave none to the others.  Each fid in a
 * session's table and each opened fid holds one unit of this budget: the
 * file limit (raised to the hard limit) less a reserve for everything
 * else, a quarter of it and at least 1024.  0: unlimited (before the
 * first export sets it).
 *
 * And one guest must not take what another needs to work at all: every
 * session is guaranteed a floor of units (fd_floor, P9_FD_FLOOR) - while
 * it holds fewer, the difference is held back from everyone else
 * (counted in fd_committed) - and beyond its floor it draws on what
 * nobody holds or reserves.  A new fid beyond that is EMFILE and an open
 * ENFILE, as beyond the session's own caps.  The floors of many sessions
 * may add up to more than the budget: then the floors are what there is.
 */
static unsigned long fd_budget;
static unsigned long fd_used;		/* units held, all sessions */
static unsigned long fd_committed;	/* held or reserved: the sum over
					 * sessions of max(held, floor) */
static unsigned long fd_floor = P9_FD_FLOOR;
/* All atomic: a session's own counts (held = nfids + nopen) are under
 * its lock, and only what goes past its floor meets the others. */

static void fd_budget_from_limit(void)
{
	struct rlimit rl;
	unsigned long cur, reserve;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	cur = rl.rlim_cur == RLIM_INFINITY ? 1ul << 20 :
					     (unsigned long)rl.rlim_cur;
	reserve = cur / 4 > 1024 ? cur / 4 : 1024;
	p9_set_fd_budget(cur > 2 * reserve ? cur - reserve : cur / 2);
}

void p9_set_fd_budget(unsigned long units)
{
	__atomic_store_n(&fd_budget, units, __ATOMIC_RELAXED);
}

void p9_set_fd_floor(unsigned long units)
{
	__atomic_store_n(&fd_floor, units, __ATOMIC_RELAXED);
}

unsigned long p9_fd_budget_used(void)
{
	return __atomic_load_n(&fd_used, __ATOMIC_RELAXED);
}

unsigned long p9_fd_budget_reserved(void)
{
	return __atomic_load_n(&fd_committed, __ATOMIC_RELAXED) -
	       __atomic_load_n(&fd_used, __ATOMIC_RELAXED);
}

/* The units s holds beyond its floor when it holds `held`. */
static unsigned long fd_above(const struct p9_session *s, unsigned long held)
{
	return held > s->fd_floor ? held - s->fd_floor : 0;
}

/*
 * One more unit for s, under s->lock (before nfids or nopen grows):
 * within its floor it is there already (reserved); beyond, it must fit
 * in what nobody holds or reserves.
 */
static bool fd_unit_get(const struct p9_session *s)
{
	unsigned long held = (unsigned long)s->nfids + s->nopen;
	unsigned long b = __atomic_load_n(&fd_budget, __ATOMIC_RELAXED);

	if (held >= s->fd_floor &&
	    __atomic_add_fetch(&fd_committed, 1, __ATOMIC_RELAXED) > b && b) {
		__atomic_sub_fetch(&fd_committed, 1, __ATOMIC_RELAXED);
		return false;
	}
	__atomic_add_fetch(&fd_used, 1, __ATOMIC_RELAXED);
	return true;
}

/* n of s's units back, under s->lock (before nfids or nopen shrinks):
 * what was beyond its floor goes back to everyone, the rest to it. */
static void fd_units_put(const struct p9_session *s, unsigned long n)
{
	unsigned long held = (unsigned long)s->nfids + s->nopen;

	__atomic_sub_fetch(&fd_committed,
			   fd_above(s, held) - fd_above(s, held - n),
			   __ATOMIC_RELAXED);
	__atomic_sub_fetch(&fd_used, n, __ATOMIC_RELAXED);
}

int p9_export_open(const struct p9_export_opts *o, struct p9_export **out)
{
	struct p9_export *e;
	struct rlimit rl;
	char proc[32];
	struct stat st, pst;
	int fd, err;

	*out = NULL;
	if (!o || !o->path || !o->path[0])
		return -EINVAL;
	if (o->model != P9_SM_NONE && o->model != P9_SM_PASSTHROUGH)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	pthread_mutex_init(&e->qid.lock, NULL);
	e->o = *o;
	e->path = path_trim(o->path);
	if (!e->path) {
		err = -ENOMEM;
		goto fail;
	}
	e->o.path = e->path;
	e->real = realpath(e->path, NULL);
	e->max_fids = o->max_fids ? o->max_fids : P9_DEF_MAX_FIDS;
	e->max_open = o->max_open ? o->max_open : P9_DEF_MAX_OPEN;
	e->max_xattr = o->max_xattr ? o->max_xattr : P9_DEF_MAX_XATTR;

	fd = open(e->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	e->root = p9_node_new(fd);
	if (!e->root) {
		err = -errno;
		goto fail;
	}
	/* Reopening an O_PATH fd goes through /proc/self/fd: it must be
	 * there and be ours. */
	p9_proc_path(proc, sizeof(proc), e->root->fd);
	if (stat(proc, &pst) < 0 || fstat(e->root->fd, &st) < 0 ||
	    pst.st_dev != st.st_dev || pst.st_ino != st.st_ino) {
		err = -ENOSYS;
		goto fail;
	}
	e->no_openat2 = !have_openat2(e->root->fd);
	/* Each fid may hold an fd or two: take what the hard limit allows
	 * (the daemon does the same; failing to is not an error), and share
	 * it out (fd_budget). */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (!__atomic_load_n(&fd_budget, __ATOMIC_RELAXED))
		fd_budget_from_limit();
	*out = e;
	return 0;
fail:
	p9_export_close(e);
	return err;
}

void p9_export_close(struct p9_export *e)
{
	if (!e)
		return;
	p9_node_put(e->root);
	free(e->qid.big);
	pthread_mutex_destroy(&e->qid.lock);
	free(e->path);
	free(e->real);
	free(e);
}

/* ---- per-thread buffers ---- */

struct p9_tbufs {
	void *p[2];
	size_t size[2];
	int pipe[2];	/* p9_cache_fill's; -1 until made (fill_pipe) */
	size_t pipe_size;
};

static pthread_key_t tbuf_key;
static pthread_once_t tbuf_once = PTHREAD_ONCE_INIT;
static bool tbuf_key_ok;
/* Also the root that leak checkers see for the main thread, whose
 * destructors do not run at exit(). */
static __thread struct p9_tbufs *tbufs;

static void tbuf_free(void *v)
{
	struct p9_tbufs *t = v;

	free(t->p[0]);
	free(t->p[1]);
	if (t->pipe[0] >= 0) {
		close(t->pipe[0]);
		close(t->pipe[1]);
	}
	free(t);
	tbufs = NULL;
}

static void tbuf_init(void)
{
	tbuf_key_ok = pthread_key_create(&tbuf_key, tbuf_free) == 0;
}

/* This thread's p9_tbufs, made on first use: NULL without memory. */
static struct p9_tbufs *tbufs_get(void)
{
	struct p9_tbufs *t = tbufs;

	if (!t) {
		pthread_once(&tbuf_once, tbuf_init);
		t = calloc(1, sizeof(*t));
		if (!t)
			return NULL;
		t->pipe[0] = t->pipe[1] = -1;
		if (tbuf_key_ok)
			pthread_setspecific(tbuf_key, t);
		tbufs = t;
	}
	return t;
}

void *p9_tbuf(unsigned int which, size_t size)
{
	struct p9_tbufs *t = tbufs_get();
	size_t n;
	void *p;

	if (!t)
		return NULL;
	if (t->size[which] < size) {
		/* Grown in 64 KiB steps, never shrunk: the largest msize
		 * this thread served. */
		n = (size + 0xffff) & ~(size_t)0xffff;
		p = malloc(n);
		if (!p)
			return NULL;
		free(t->p[which]);
		t->p[which] = p;
		t->size[which] = n;
	}
	return t->p[which];
}

static int devnull_fd = -1;
static pthread_once_t devnull_once = PTHREAD_ONCE_INIT;

static void devnull_open(void)
{
	devnull_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
}

/*
 * The thread's pipe for p9_cache_fill, and the process's /dev/null: 0 or
 * -errno.  The pipe is asked for 1 MiB (a Tread at msize 1 MiB in one
 * round trip); it works with whatever size it gets.
 */
static int fill_pipe(struct p9_tbufs *t)
{
	int r;

	pthread_once(&devnull_once, devnull_open);
	if (devnull_fd < 0)
		return -EBADF;
	if (t->pipe[0] >= 0)
		return 0;
	if (pipe2(t->pipe, O_CLOEXEC) < 0) {
		t->pipe[0] = t->pipe[1] = -1;
		return -errno;
	}
	r = fcntl(t->pipe[1], F_SETPIPE_SZ, 1 << 20);
	if (r < 0)
		r = fcntl(t->pipe[1], F_GETPIPE_SZ);
	t->pipe_size = r > 0 ? (size_t)r : 65536;
	return 0;
}

int p9_thread_prepare(void)
{
	struct p9_tbufs *t = tbufs_get();

	return t ? fill_pipe(t) : -ENOMEM;
}

/*
 * The range is spliced into the thread's pipe (the pipe takes references
 * to the cached pages: nothing is copied, and the splice waits on the
 * disk as a read would) and from the pipe into /dev/null.
 */
int p9_cache_fill(int fd, uint64_t off, size_t len)
{
	struct p9_tbufs *t = tbufs_get();
	loff_t o = (loff_t)off;
	ssize_t in, out;
	size_t chunk;
	int r;

	if (!t)
		return -ENOMEM;
	r = fill_pipe(t);	/* made already, unless that failed */
	if (r)
		return r;
	while (len) {
		chunk = len < t->pipe_size ? len : t->pipe_size;
		in = splice(fd, &o, t->pipe[1], NULL, chunk, SPLICE_F_MOVE);
		if (in < 0 && errno == EINTR)
			continue;
		if (in < 0)
			return -errno;
		if (!in)
			return 0;	/* end of file */
		len -= (size_t)in;
		while (in) {
			out = splice(t->pipe[0], NULL, devnull_fd, NULL,
				     (size_t)in, SPLICE_F_MOVE);
			if (out < 0 && errno == EINTR)
				continue;
			if (out <= 0) {
				/* The pipe keeps what it could not drain:
				 * never use it again. */
				r = out < 0 ? -errno : -EIO;
				close(t->pipe[0]);
				close(t->pipe[1]);
				t->pipe[0] = t->pipe[1] = -1;
				return r;
			}
			in -= out;
		}
	}
	return 0;
}

/* ---- sessions and fids ---- */

int p9_session_new(struct p9_export *e, uint32_t max_msize,
		   struct p9_session **out)
{
	struct p9_session *s;

	*out = NULL;
	if (!e)
		return -EINVAL;
	if (max_msize < P9_MIN_MSIZE)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->tab_size = 256;
	s->tab = calloc(s->tab_size, sizeof(*s->tab));
	if (!s->tab) {
		free(s);
		return -ENOMEM;
	}
	s->e = e;
	s->max_msize = max_msize;
	s->fd_floor = __atomic_load_n(&fd_floor, __ATOMIC_RELAXED);
	__atomic_add_fetch(&fd_committed, s->fd_floor, __ATOMIC_RELAXED);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->flushed, NULL);
	*out = s;
	return 0;
}

static size_t fid_slot(const struct p9_session *s, uint32_t id)
{
	return (size_t)((id * 0x9e3779b1u) >> 8) & (s->tab_size - 1);
}

/* Under s->lock. */
static struct p9_fid *fid_find(struct p9_session *s, uint32_t id)
{
	struct p9_fid *f;

	for (f = s->tab[fid_slot(s, id)]; f; f = f->next)
		if (f->id == id)
			return f;
	return NULL;
}

/* Under s->lock: doubles the table (nothing lost if that fails). */
static void fid_tab_grow(struct p9_session *s)
{
	size_t old = s->tab_size, i;
	struct p9_fid **t, **ot = s->tab, *f, *nx;

	t = calloc(old * 2, sizeof(*t));
	if (!t)
		return;
	s->tab = t;
	s->tab_size = old * 2;
	for (i = 0; i < old; i++) {
		for (f = ot[i]; f; f = nx) {
			nx = f->next;
			f->next = t[fid_slot(s, f->id)];
			t[fid_slot(s, f->id)] = f;
		}
	}
	free(ot);
}

int p9_open_slot_get(struct p9_session *s)
{
	int err = 0;

	pthread_mutex_lock(&s->lock);
	if (s->nopen >= s->e->max_open || !fd_unit_get(s))
		err = -ENFILE;
	else
		s->nopen++;
	pthread_mutex_unlock(&s->lock);
	return err;
}

void p9_open_slot_put(struct p9_session *s)
{
	pthread_mutex_lock(&s->lock);
	fd_units_put(s, 1);
	s->nopen--;
	pthread_mutex_unlock(&s->lock);
}

static size_t xattr_budget(const struct p9_export *e)
{
	size_t b = (size_t)e->max_xattr * 8;

	return b < (1u << 20) ? (1u << 20) : b;
}

int p9_xattr_charge(struct p9_session *s, size_t n)
{
	int err = 0;

	pthread_mutex_lock(&s->lock);
	if (n > xattr_budget(s->e) - s->xattr_bytes)
		err = -ENOMEM;
	else
		s->xattr_bytes += n;
	pthread_mutex_unlock(&s->lock);
	return err;
}

void p9_xattr_uncharge(struct p9_session *s, size_t n)
{
	if (!n)
		return;
	pthread_mutex_lock(&s->lock);
	s->xattr_bytes -= n;
	pthread_mutex_unlock(&s->lock);
}

static void fid_free(struct p9_fid *f)
{
	if (f->ofd >= 0) {
		close(f->ofd);
		p9_open_slot_put(f->s);
	}
	p9_xattr_uncharge(f->s, f->xcharged);
	p9_node_put(f->node);
	p9_node_put(f->parent);
	free(f->name);
	free(f->xname);
	free(f->xbuf);
	pthread_mutex_destroy(&f->lock);
	pthread_mutex_destroy(&f->dirlock);
	free(f);
}

void p9_fid_put(struct p9_fid *f)
{
	if (f && !__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
		fid_free(f);
}

struct p9_fid *p9_fid_get(struct p9_session *s, uint32_t id)
{
	struct p9_fid *f;

	pthread_mutex_lock(&s->lock);
	f = fid_find(s, id);
	if (f)
		__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&s->lock);
	return f;
}

bool p9_fid_in_use(struct p9_session *s, uint32_t id)
{
	bool used;

	pthread_mutex_lock(&s->lock);
	used = fid_find(s, id) != NULL;
	pthread_mutex_unlock(&s->lock);
	return used;
}

struct p9_fid *p9_fid_alloc(struct p9_session *s, uint32_t id, uint32_t uid,
			    struct p9_node *node, struct p9_node *parent,
			    const char *name)
{
	struct p9_fid *f;

	f = calloc(1, sizeof(*f));
	if (!f) {
		p9_node_put(node);
		p9_node_put(parent);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&f->lock, NULL);
	pthread_mutex_init(&f->dirlock, NULL);
	f->s = s;
	f->id = id;
	f->refs = 1;
	f->uid = uid;
	f->kind = P9_FID_PATH;
	f->node = node;
	f->parent = parent;
	f->ofd = -1;
	if (name && parent) {
		f->name = strdup(name);
		if (!f->name) {
			fid_free(f);
			errno = ENOMEM;
			return NULL;
		}
	} else if (parent) {
		/* A parent without a name is no use. */
		p9_node_put(parent);
		f->parent = NULL;
	}
	return f;
}

int p9_fid_insert(struct p9_session *s, struct p9_fid *f)
{
	size_t slot;
	int err = 0;

	pthread_mutex_lock(&s->lock);
	if (f->id == P9_NOFID)
		err = -EBADF;
	else if (fid_find(s, f->id))
		err = -EEXIST;
	else if (s->nfids >= s->e->max_fids || !fd_unit_get(s))
		err = -EMFILE;
	if (!err) {
		if (s->nfids >= s->tab_size * 2)
			fid_tab_grow(s);
		slot = fid_slot(s, f->id);
		f->next = s->tab[slot];
		s->tab[slot] = f;
		s->nfids++;
		__atomic_store_n(&s->st.fids, s->nfids, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&s->lock);
	if (err)
		fid_free(f);
	return err;
}

int p9_fid_add(struct p9_session *s, uint32_t id, uint32_t uid,
	       struct p9_node *node, struct p9_node *parent, const char *name)
{
	struct p9_fid *f = p9_fid_alloc(s, id, uid, node, parent, name);

	return f ? p9_fid_insert(s, f) : -errno;
}

struct p9_fid *p9_fid_unlink(struct p9_session *s, uint32_t id)
{
	struct p9_fid **pp, *f;

	pthread_mutex_lock(&s->lock);
	for (pp = &s->tab[fid_slot(s, id)]; (f = *pp); pp = &f->next) {
		if (f->id == id) {
			*pp = f->next;
			f->next = NULL;
			fd_units_put(s, 1);
			s->nfids--;
			__atomic_store_n(&s->st.fids, s->nfids,
					 __ATOMIC_RELAXED);
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return f;
}

struct p9_node *p9_fid_node(struct p9_fid *f, enum p9_fid_kind *kind, int *ofd)
{
	struct p9_node *n;

	pthread_mutex_lock(&f->lock);
	n = p9_node_get(f->node);
	if (kind)
		*kind = f->kind;
	if (ofd)
		*ofd = f->ofd;
	pthread_mutex_unlock(&f->lock);
	return n;
}

/* Clunks every fid (Tversion, p9_session_free): pending xattrs are
 * committed, errors dropped (there is nobody to tell). */
static void session_clunk_all(struct p9_session *s)
{
	struct p9_fid *list = NULL, *f, *nx;
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->tab_size; i++) {
		for (f = s->tab[i]; f; f = nx) {
			nx = f->next;
			f->next = list;
			list = f;
		}
		s->tab[i] = NULL;
	}
	fd_units_put(s, s->nfids);
	s->nfids = 0;
	__atomic_store_n(&s->st.fids, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&s->lock);
	for (f = list; f; f = nx) {
		nx = f->next;
		(void)p9_xattr_commit(f);
		p9_fid_put(f);
	}
}

void p9_session_free(struct p9_session *s)
{
	if (!s)
		return;
	session_clunk_all(s);
	/* Every opened fid was closed with its last reference above; its
	 * floor goes back with whatever is still held. */
	__atomic_sub_fetch(&fd_committed, s->fd_floor + fd_above(s, s->nopen),
			   __ATOMIC_RELAXED);
	__atomic_sub_fetch(&fd_used, s->nopen, __ATOMIC_RELAXED);
	free(s->tab);
	pthread_cond_destroy(&s->flushed);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

uint32_t p9_session_msize(const struct p9_session *s)
{
	return __atomic_load_n(&s->msize, __ATOMIC_RELAXED);
}

void p9_session_stats(const struct p9_session *s, struct p9_stats *out)
{
	out->requests = __atomic_load_n(&s->st.requests, __ATOMIC_RELAXED);
	out->errors = __atomic_load_n(&s->st.errors, __ATOMIC_RELAXED);
	out->read_bytes = __atomic_load_n(&s->st.read_bytes, __ATOMIC_RELAXED);
	out->write_bytes =
	    __atomic_load_n(&s->st.write_bytes, __ATOMIC_RELAXED);
	out->copied_bytes =
	    __atomic_load_n(&s->st.copied_bytes, __ATOMIC_RELAXED);
	out->read_fills = __atomic_load_n(&s->st.read_fills, __ATOMIC_RELAXED);
	out->readahead_bytes =
	    __atomic_load_n(&s->st.readahead_bytes, __ATOMIC_RELAXED);
	out->refused = __atomic_load_n(&s->st.refused, __ATOMIC_RELAXED);
	out->xattr_refused =
		__atomic_load_n(&s->st.xattr_refused, __ATOMIC_RELAXED);
	out->fids = __atomic_load_n(&s->st.fids, __ATOMIC_RELAXED);
	out->lat_ns_total =
	    __atomic_load_n(&s->st.lat_ns_total, __ATOMIC_RELAXED);
	out->service_ns_total =
	    __atomic_load_n(&s->st.service_ns_total, __ATOMIC_RELAXED);
	out->move_ns_total =
	    __atomic_load_n(&s->st.move_ns_total, __ATOMIC_RELAXED);
}

/* ---- replies ---- */

void p9_iov_put(const struct iovec *iov, int n, size_t off, const void *src,
		size_t len)
{
	const uint8_t *p = src;
	size_t k;
	int i;

	for (i = 0; i < n && len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		k = iov[i].iov_len - off;
		if (k > len)
			k = len;
		memcpy((uint8_t *)iov[i].iov_base + off, p, k);
		p += k;
		len -= k;
		off = 0;
	}
}

void p9_send(struct p9_ctx *c, const void *buf, size_t len)
{
	struct iovec iov[2];
	int n;

	c->sent = true;
	n = c->ops->reserve(c->opaque, len, iov);
	if (n < 0) {
		c->rc = n;
		return;
	}
	if (n < 1 || n > 2 ||
	    iov[0].iov_len + (n > 1 ? iov[1].iov_len : 0) < len) {
		/* A transport that breaks its contract: give it back. */
		c->ops->commit(c->opaque, 0);
		c->rc = -EIO;
		return;
	}
	p9_iov_put(iov, n, 0, buf, len);
	p9_commit(c, len);
}

void p9_commit(struct p9_ctx *c, size_t len)
{
	c->ops->commit(c->opaque, len);
	if (len)
		c->replied_ns = p9_now_ns();
}

int p9_reply_begin(struct p9_ctx *c, size_t max)
{
	void *buf;

	if (max > c->msize)
		max = c->msize;
	buf = p9_tbuf(P9_TBUF_OUT, max);
	if (!buf)
		return -ENOMEM;
	p9_cur_init(&c->out, buf, max);
	p9_begin(&c->out, (uint8_t)(c->type + 1), c->tag);
	return 0;
}

static void send_error(struct p9_ctx *c, int err)
{
	uint8_t b[11];
	struct p9_cur cur;

	p9_cur_init(&cur, b, sizeof(b));
	p9_begin(&cur, P9_RLERROR, c->tag);
	p9_put32(&cur, (uint32_t)-err);
	p9_end(&cur);
	p9_stat_add(c->s, errors, 1);
	p9_send(c, b, sizeof(b));
}

/* ---- operations on fids ---- */

#define P9_VERSION_L "9P2000.L"

static int op_version(struct p9_ctx *c)
{
	struct p9_session *s = c->s;
	const char *v;
	uint16_t vlen;
	uint32_t msize;
	bool ok;
	int err;

	msize = p9_get32(&c->in);
	p9_getstr(&c->in, &v, &vlen);
	if (c->in.err)
		return -EBADMSG;
	/* A new session: whatever the answer, the old fids are gone. */
	__atomic_store_n(&s->msize, 0, __ATOMIC_RELAXED);
	session_clunk_all(s);
	if (msize < P9_MIN_MSIZE)
		return -EINVAL;
	if (msize > s->max_msize)
		msize = s->max_msize;
	ok = vlen == strlen(P9_VERSION_L) && !memcmp(v, P9_VERSION_L, vlen);
	err = p9_reply_begin(c, 64);
	if (err)
		return err;
	p9_put32(&c->out, msize);
	if (ok)
		p9_putstr(&c->out, P9_VERSION_L, strlen(P9_VERSION_L));
	else
		p9_putstr(&c->out, "unknown", 7);
	if (ok)
		__atomic_store_n(&s->msize, msize, __ATOMIC_RELAXED);
	return 0;
}

static int op_auth(struct p9_ctx *c)
{
	const char *str;
	uint16_t len;

	(void)p9_get32(&c->in);
	p9_getstr(&c->in, &str, &len);
	p9_getstr(&c->in, &str, &len);
	(void)p9_get32(&c->in);
	if (c->in.err)
		return -EBADMSG;
	/* No authentication: diod's answer, which its clients and Linux
	 * take as "attach without afid". */
	return -ENOENT;
}

/* Whether aname names the export's root: "", "/" or its path. */
static bool aname_ok(const struct p9_export *e, const char *a, size_t len)
{
	while (len > 1 && a[len - 1] == '/')
		len--;
	if (!len || (len == 1 && a[0] == '/'))
		return true;
	if (strlen(e->path) == len && !memcmp(e->path, a, len))
		return true;
	return e->real && strlen(e->real) == len && !memcmp(e->real, a, len);
}

static int op_attach(struct p9_ctx *c)
{
	struct p9_export *e = c->s->e;
	uint32_t fid, afid, uid;
	const char *uname, *aname;
	uint16_t ulen, alen;
	struct p9_qid q;
	int err;

	fid = p9_get32(&c->in);
	afid = p9_get32(&c->in);
	p9_getstr(&c->in, &uname, &ulen);
	p9_getstr(&c->in, &aname, &alen);
	uid = p9_get32(&c->in);
	if (c->in.err)
		return -EBADMSG;
	if (afid != P9_NOFID)
		return -EBADF;
	if (!aname_ok(e, aname, alen))
		return -ENOENT;
	err = p9_node_qid(e, e->root, &q);
	if (err)
		return err;
	err = p9_fid_add(c->s, fid, uid, p9_node_get(e->root), NULL, NULL);
	if (err)
		return err;
	err = p9_reply_begin(c, P9_HDR_SIZE + P9_QID_SIZE);
	if (err)
		return err;
	p9_putqid(&c->out, &q);
	return 0;
}

/* What a walk step reached, relative to where it started. */
enum walk_rel {
	WALK_CHILD, /* an entry of cur */
	WALK_SAME,  /* "." : cur itself */
	WALK_UP,    /* "..": cur's parent (or the root) */
};

/*
 * One step of a walk from the directory node cur: *next (referenced) and
 * how it relates to cur, or -errno.
 */
static int walk_step(struct p9_ctx *c, struct p9_node *cur, const char *name,
		     size_t len, struct p9_node **next, enum walk_rel *rel)
{
	struct p9_export *e = c->s->e;
	char buf[P9_NAME_MAX + 1];
	int fd, err;

	err = p9_name_check(c, name, len, false, buf);
	if (err)
		return err;
	if (!S_ISDIR(cur->type)) {
		/* Never through a symlink, nor anything else. */
		if (S_ISLNK(cur->type))
			p9_stat_add(c->s, refused, 1);
		return -ENOTDIR;
	}
	*rel = WALK_CHILD;
	if (!strcmp(buf, ".")) {
		/* diod's clients walk "."; it is the directory itself. */
		*rel = WALK_SAME;
		*next = p9_node_get(cur);
		return 0;
	}
	if (!strcmp(buf, "..")) {
		*rel = WALK_UP;
		if (p9_node_is_root(e, cur)) {
			*next = p9_node_get(cur);
			return 0;
		}
		fd = openat(cur->fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	} else {
		fd = p9_lookup(e, cur, buf);
		if (fd < 0)
			return fd;
	}
	*next = p9_node_new(fd);
	return *next ? 0 : -errno;
}

static int op_walk(struct p9_ctx *c)
{
	struct p9_session *s = c->s;
	const char *names[P9_MAXWELEM];
	uint16_t lens[P9_MAXWELEM], nwname, i;
	struct p9_qid qids[P9_MAXWELEM];
	struct p9_node *cur = NULL, *par = NULL, *next = NULL, *on, *op;
	const char *curname = NULL;
	size_t curlen = 0;
	char namebuf[P9_NAME_MAX + 1];
	uint32_t fid, newfid;
	struct p9_fid *f;
	char *oname;
	enum walk_rel rel = WALK_CHILD;
	int err = 0;

	fid = p9_get32(&c->in);
	newfid = p9_get32(&c->in);
	nwname = p9_get16(&c->in);
	if (c->in.err)
		return -EBADMSG;
	if (nwname > P9_MAXWELEM)
		return -EINVAL;
	for (i = 0; i < nwname; i++)
		p9_getstr(&c->in, &names[i], &lens[i]);
	if (c->in.err)
		return -EBADMSG;

	f = p9_fid_get(s, fid);
	if (!f)
		return -EBADF;
	pthread_mutex_lock(&f->lock);
	if (f->kind != P9_FID_PATH) {
		err = -EINVAL;
	} else if (newfid == fid && nwname && f->ofd >= 0) {
		/* An opened fid cannot come to name another file. */
		err = -EINVAL;
	} else {
		cur = p9_node_get(f->node);
		par = p9_node_get(f->parent);
		if (f->name) {
			curlen = strlen(f->name);
			memcpy(namebuf, f->name, curlen + 1);
			curname = namebuf;
		}
	}
	pthread_mutex_unlock(&f->lock);
	if (err)
		goto out_fid;
	if (newfid != fid && p9_fid_in_use(s, newfid)) {
		err = -EEXIST;
		goto out_nodes;
	}
	if (newfid == fid && !nwname) {
		i = 0;
		goto reply;
	}

	for (i = 0; i < nwname; i++) {
		err = walk_step(c, cur, names[i], lens[i], &next, &rel);
		if (err)
			break;
		err = p9_node_qid(s->e, next, &qids[i]);
		if (err) {
			p9_node_put(next);
			break;
		}
		switch (rel) {
		case WALK_CHILD:
			p9_node_put(par);
			par = cur;
			curname = names[i];
			curlen = lens[i];
			break;
		case WALK_SAME:
			/* Same file: same parent and name. */
			p9_node_put(cur);
			break;
		case WALK_UP:
			p9_node_put(par);
			p9_node_put(cur);
			par = NULL;
			curname = NULL;
			break;
		}
		cur = next;
	}
	if (i < nwname) {
		/* The first name failed: the error; a later one: the qids
		 * walked, and newfid is not made. */
		if (i == 0)
			goto out_nodes;
		err = 0;
		goto reply;
	}

	if (curname) {
		memmove(namebuf, curname, curlen);
		namebuf[curlen] = '\0';
	}
	if (newfid != fid) {
		err = p9_fid_add(s, newfid, f->uid, cur, par,
				 curname ? namebuf : NULL);
		cur = par = NULL;
		if (err)
			goto out_fid;
		goto reply;
	}
	/* Walked in place. */
	oname = curname ? strdup(namebuf) : NULL;
	if (curname && !oname) {
		err = -ENOMEM;
		goto out_nodes;
	}
	pthread_mutex_lock(&f->lock);
	if (f->ofd >= 0 || f->kind != P9_FID_PATH) {
		/* Opened by a request racing this one. */
		pthread_mutex_unlock(&f->lock);
		free(oname);
		err = -EINVAL;
		goto out_nodes;
	}
	on = f->node;
	op = f->parent;
	f->node = cur;
	f->parent = oname ? par : NULL;
	if (!oname)
		p9_node_put(par);
	free(f->name);
	f->name = oname;
	pthread_mutex_unlock(&f->lock);
	p9_node_put(on);
	p9_node_put(op);
	cur = par = NULL;
reply:
	err = p9_reply_begin(c, P9_HDR_SIZE + 2 + P9_QID_SIZE * (size_t)i);
	if (!err) {
		p9_put16(&c->out, i);
		for (nwname = 0; nwname < i; nwname++)
			p9_putqid(&c->out, &qids[nwname]);
	}
out_nodes:
	p9_node_put(cur);
	p9_node_put(par);
out_fid:
	p9_fid_put(f);
	return err;
}

static int op_clunk(struct p9_ctx *c)
{
	struct p9_fid *f;
	uint32_t fid;
	int err;

	fid = p9_get32(&c->in);
	if (c->in.err)
		return -EBADMSG;
	f = p9_fid_unlink(c->s, fid);
	if (!f)
		return -EBADF;
	err = p9_xattr_commit(f);
	p9_fid_put(f);
	if (err)
		return err;
	return p9_reply_begin(c, P9_HDR_SIZE);
}

/* Under s->lock. */
static bool tag_in_flight(const struct p9_session *s, uint16_t tag)
{
	const struct p9_inflight *r;

	for (r = s->inflight; r; r = r->next)
		if (r->tag == tag)
			return true;
	return false;
}

static int op_flush(struct p9_ctx *c)
{
	struct p9_session *s = c->s;
	uint16_t oldtag;

	oldtag = p9_get16(&c->in);
	if (c->in.err)
		return -EBADMSG;
	/* Still unread in the transport: dropped there, Rflush now. */
	if (c->ops->flush && c->ops->flush(c->opaque, oldtag) > 0)
		return p9_reply_begin(c, P9_HDR_SIZE);
	/* A Tflush is not in the in-flight set, so it never waits for
	 * itself nor for another Tflush (no cycle). */
	pthread_mutex_lock(&s->lock);
	s->flush_waiters++;
	while (tag_in_flight(s, oldtag))
		pthread_cond_wait(&s->flushed, &s->lock);
	s->flush_waiters--;
	pthread_mutex_unlock(&s->lock);
	return p9_reply_begin(c, P9_HDR_SIZE);
}

/* ---- dispatch ---- */

static int dispatch(struct p9_ctx *c)
{
	if (c->type != P9_TVERSION &&
	    !__atomic_load_n(&c->s->msize, __ATOMIC_RELAXED))
		return -EPROTO;
	switch (c->type) {
	case P9_TVERSION:
		return op_version(c);
	case P9_TAUTH:
		return op_auth(c);
	case P9_TATTACH:
		return op_attach(c);
	case P9_TWALK:
		return op_walk(c);
	case P9_TCLUNK:
		return op_clunk(c);
	case P9_TFLUSH:
		return op_flush(c);
	case P9_TLOPEN:
		return p9_op_lopen(c);
	case P9_TLCREATE:
		return p9_op_lcreate(c);
	case P9_TREAD:
		return p9_op_read(c);
	case P9_TWRITE:
		return p9_op_write(c);
	case P9_TREMOVE:
		return p9_op_remove(c);
	case P9_TGETATTR:
		return p9_op_getattr(c);
	case P9_TSETATTR:
		return p9_op_setattr(c);
	case P9_TSTATFS:
		return p9_op_statfs(c);
	case P9_TFSYNC:
		return p9_op_fsync(c);
	case P9_TREADDIR:
		return p9_op_readdir(c);
	case P9_TMKDIR:
		return p9_op_mkdir(c);
	case P9_TMKNOD:
		return p9_op_mknod(c);
	case P9_TSYMLINK:
		return p9_op_symlink(c);
	case P9_TREADLINK:
		return p9_op_readlink(c);
	case P9_TLINK:
		return p9_op_link(c);
	case P9_TRENAME:
		return p9_op_rename(c);
	case P9_TRENAMEAT:
		return p9_op_renameat(c);
	case P9_TUNLINKAT:
		return p9_op_unlinkat(c);
	case P9_TLOCK:
		return p9_op_lock(c);
	case P9_TGETLOCK:
		return p9_op_getlock(c);
	case P9_TXATTRWALK:
		return p9_op_xattrwalk(c);
	case P9_TXATTRCREATE:
		return p9_op_xattrcreate(c);
	default:
		return -EOPNOTSUPP;
	}
}

bool p9_inflight_begin(struct p9_session *s, struct p9_inflight *rec,
		       const uint8_t *hdr)
{
	if (hdr[4] == P9_TFLUSH)
		return false;
	rec->tag = (uint16_t)p9_le_get(hdr + 5, 2);
	pthread_mutex_lock(&s->lock);
	rec->next = s->inflight;
	s->inflight = rec;
	pthread_mutex_unlock(&s->lock);
	return true;
}

int p9_handle(struct p9_session *s, const struct p9_req *rq,
	      const struct p9_reply_ops *ops, void *opaque)
{
	struct p9_ctx c;
	struct p9_inflight me, *rec = rq->inflight, **pp;
	uint64_t t0 = p9_now_ns(), t1;
	int err, len;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.rq = rq;
	c.ops = ops;
	c.opaque = opaque;
	c.msize = __atomic_load_n(&s->msize, __ATOMIC_RELAXED);
	if (!c.msize)
		c.msize = s->max_msize;
	p9_stat_add(s, requests, 1);
	if (!rq->msg || rq->len < P9_HDR_SIZE) {
		/* The transport checked this; without a tag, NOTAG. */
		c.tag = P9_NOTAG;
		send_error(&c, -EBADMSG);
		goto out;
	}
	c.type = rq->msg[4];
	c.tag = (uint16_t)p9_le_get(rq->msg + 5, 2);
	p9_cur_init(&c.in, (void *)rq->msg, rq->len);
	c.in.pos = P9_HDR_SIZE;

	if (!rec && c.type != P9_TFLUSH) {
		rec = &me;
		me.tag = c.tag;
		pthread_mutex_lock(&s->lock);
		me.next = s->inflight;
		s->inflight = &me;
		pthread_mutex_unlock(&s->lock);
	}
	err = (c.type & 1) ? -EOPNOTSUPP : dispatch(&c);
	if (!c.sent) {
		if (!err) {
			len = p9_end(&c.out);
			if (len < 0)
				err = len;
			else
				p9_send(&c, c.out.data, (size_t)len);
		}
		if (err)
			send_error(&c, err);
	}
out:
	if (rec) {
		/* After the reply's commit: a Tflush of this tag answers
		 * after it. */
		pthread_mutex_lock(&s->lock);
		for (pp = &s->inflight; *pp; pp = &(*pp)->next) {
			if (*pp == rec) {
				*pp = rec->next;
				break;
			}
		}
		if (s->flush_waiters)
			pthread_cond_broadcast(&s->flushed);
		pthread_mutex_unlock(&s->lock);
	}
	t1 = p9_now_ns();
	p9_stat_add(s, lat_ns_total, t1 - t0);
	if (!c.replied_ns)
		c.replied_ns = t1;	/* no reply: its end */
	if (!rq->taken_ns || rq->taken_ns > t0)
		p9_stat_add(s, service_ns_total, c.replied_ns - t0);
	else
		p9_stat_add(s, service_ns_total, c.replied_ns - rq->taken_ns);
	return c.rc;
}
