/* SPDX-License-Identifier: MIT */
/*
 * storage.c - disks and the engine-independent half of the I/O queues.
 *
 * A disk is probed once at open (size, sector sizes, O_DIRECT alignment,
 * discard) and never changes afterwards, so queues on several threads can
 * share it without locks.  The queue front end owns the preallocated tasks,
 * the completion eventfd and the done list; the engines (storage-uring.c,
 * storage-psync.c) only move tasks through the kernel or their threads.
 * Guarantees: no allocation after xpv_ioq_create(); every accepted
 * operation completes exactly once with its full length or -errno; the
 * completion fd is readable whenever something is waiting to be reaped.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "storage-priv.h"

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* ---- disk probing ---- */

/*
 * Reads one number from the block device's sysfs directory.  A partition
 * has no queue/ of its own: its queue limits are its disk's, one level up.
 */
static int sysfs_u64(dev_t rdev, const char *attr, bool queue_attr,
		     uint64_t *val)
{
	char path[128], buf[32];
	const char *up = "";
	unsigned long long v;
	ssize_t n;
	int fd;

	if (queue_attr) {
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/partition",
			 major(rdev), minor(rdev));
		if (access(path, F_OK) == 0)
			up = "../";
	}
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/%s%s%s", major(rdev),
		 minor(rdev), up, queue_attr ? "queue/" : "", attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EINVAL;
	buf[n] = '\0';
	if (sscanf(buf, "%llu", &v) != 1)
		return -EINVAL;
	*val = v;
	return 0;
}

static int probe_blockdev(struct xpv_disk *d, const struct stat *st,
			  const struct xpv_disk_params *p, uint32_t *dev_lbs)
{
	struct xpv_disk_info *in = &d->info;
	unsigned int pbs = 0;
	uint64_t size, v;
	int lbs = 0, ro = 0;

	in->is_blockdev = true;
	if (ioctl(d->fd, BLKGETSIZE64, &size) < 0 ||
	    ioctl(d->fd, BLKSSZGET, &lbs) < 0 ||
	    ioctl(d->fd, BLKPBSZGET, &pbs) < 0 ||
	    ioctl(d->fd, BLKROGET, &ro) < 0)
		return -errno;
	if (lbs < (int)XPV_DISK_MIN_SECTOR || !is_pow2((unsigned int)lbs))
		return -EINVAL;
	/* Opening read-write may succeed; writes would fail one by one. */
	if (ro && !in->readonly)
		return -EROFS;
	*dev_lbs = (uint32_t)lbs;
	if (p->sector_size && p->sector_size < (uint32_t)lbs)
		return -EINVAL;
	in->sector_size = p->sector_size ? p->sector_size : (uint32_t)lbs;
	in->size = size;
	in->physical_sector_size = pbs;

	if (!in->readonly &&
	    sysfs_u64(st->st_rdev, "discard_max_bytes", true, &v) == 0 &&
	    v > 0) {
		in->discard = true;
		in->discard_max_bytes = v;
		v = 0;
		sysfs_u64(st->st_rdev, "discard_granularity", true, &v);
		if (v <= UINT32_MAX)
			in->discard_granularity = (uint32_t)v;
		v = 0;
		sysfs_u64(st->st_rdev, "discard_alignment", false, &v);
		if (v <= UINT32_MAX)
			in->discard_alignment = (uint32_t)v;
		in->discard_secure = p->flags & XPV_DISK_SECURE_DISCARD;
	}
	return 0;
}

static int probe_file(struct xpv_disk *d, const struct stat *st,
		      const struct xpv_disk_params *p)
{
	struct xpv_disk_info *in = &d->info;
	uint64_t blksize = (uint64_t)st->st_blksize;
	off_t past_end;

	in->sector_size = p->sector_size ? p->sector_size : 512;
	in->size = (uint64_t)st->st_size;
	/* A hint only: the file system block, within sane bounds. */
	in->physical_sector_size = in->sector_size;
	if (is_pow2(blksize) && blksize > in->sector_size &&
	    blksize <= XPV_DISK_MAX_SECTOR)
		in->physical_sector_size = (uint32_t)blksize;

	/*
	 * Punching a hole past the end of the file changes nothing but
	 * fails with EOPNOTSUPP where the file system cannot punch.
	 */
	if (!in->readonly) {
		past_end = (st->st_size + 65535) & ~(off_t)65535;
		if (fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      past_end, 65536) == 0) {
			in->discard = true;
			in->discard_granularity = in->physical_sector_size;
		}
	}
	return 0;
}

/*
 * Decides on O_DIRECT.  It is used only when the kernel tells us the
 * alignment it needs (statx STATX_DIOALIGN, or the device's logical block
 * for block devices) and every request aligned to our logical sector meets
 * it: otherwise a guest's well-formed request could fail with EINVAL.
 * O_DIRECT is switched on with F_SETFL, which fails where the file system
 * cannot do it.
 */
static void setup_direct(struct xpv_disk *d, const struct stat *st,
			 uint32_t dev_lbs)
{
	struct xpv_disk_info *in = &d->info;
	uint64_t mem = 0, off = 0, v;
	struct statx stx;
	int fl;

	if (statx(d->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 &&
	    (stx.stx_mask & STATX_DIOALIGN) && stx.stx_dio_offset_align) {
		mem = stx.stx_dio_mem_align;
		off = stx.stx_dio_offset_align;
	} else if (in->is_blockdev) {
		off = dev_lbs;
		mem = dev_lbs;
		if (sysfs_u64(st->st_rdev, "dma_alignment", true, &v) == 0 &&
		    v < dev_lbs)
			mem = v + 1;
	}
	if (!is_pow2(off) || !is_pow2(mem) || off > in->sector_size ||
	    mem > 4096)
		goto fallback;
	fl = fcntl(d->fd, F_GETFL);
	if (fl < 0 || fcntl(d->fd, F_SETFL, fl | O_DIRECT) < 0)
		goto fallback;
	in->direct = true;
	in->dio_mem_align = (uint32_t)mem;
	in->dio_len_align = (uint32_t)off;
	return;
fallback:
	in->direct_fallback = true;
}

static int check_params(const struct xpv_disk_params *p)
{
	if (p->flags & ~(XPV_DISK_READONLY | XPV_DISK_SECURE_DISCARD))
		return -EINVAL;
	if (p->cache != XPV_CACHE_DIRECT && p->cache != XPV_CACHE_WRITEBACK)
		return -EINVAL;
	if (p->sector_size &&
	    (!is_pow2(p->sector_size) || p->sector_size < XPV_DISK_MIN_SECTOR ||
	     p->sector_size > XPV_DISK_MAX_SECTOR))
		return -EINVAL;
	return 0;
}

static bool is_disk_type(mode_t mode)
{
	return S_ISREG(mode) || S_ISBLK(mode);
}

/*
 * Opens path for I/O, but only if it is a regular file or a block device:
 * the open runs as root on the daemon's main thread, and opening anything
 * else can block it (a FIFO without a writer) or act (a watchdog arms, a
 * tape rewinds, a terminal becomes ours).  stat() keeps those from being
 * opened at all; O_NONBLOCK and O_NOCTTY make the open harmless when the
 * path changes between the two calls, and fstat() of what was opened
 * decides.  A directory goes on to open(), which refuses it for writing
 * (-EISDIR) and has no side effect.  O_NONBLOCK is cleared once the type is
 * known: the engines want blocking semantics (io_uring hands a
 * non-blocking file's -EAGAIN back instead of waiting).
 */
static int open_target(const char *path, bool readonly, int *fdp,
		       struct stat *st)
{
	int fd, fl;

	if (stat(path, st) < 0)
		return -errno;
	if (!is_disk_type(st->st_mode) && !S_ISDIR(st->st_mode))
		return -EINVAL;
	fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_NONBLOCK | O_NOCTTY |
			    O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*fdp = fd;
	if (fstat(fd, st) < 0)
		return -errno;
	if (!is_disk_type(st->st_mode))
		return -EINVAL;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int xpv_disk_open(const char *path, const struct xpv_disk_params *params,
		  struct xpv_disk **out)
{
	static const struct xpv_disk_params defaults;
	const struct xpv_disk_params *p = params ? params : &defaults;
	struct xpv_disk *d;
	uint32_t dev_lbs = 0;
	struct stat st;
	int r;

	*out = NULL;
	if (!path)
		return -EINVAL;
	r = check_params(p);
	if (r < 0)
		return r;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->fd = -1;
	d->info.readonly = p->flags & XPV_DISK_READONLY;
	r = open_target(path, d->info.readonly, &d->fd, &st);
	if (r < 0)
		goto fail;
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	d->rdev = st.st_rdev;
	if (S_ISBLK(st.st_mode))
		r = probe_blockdev(d, &st, p, &dev_lbs);
	else
		r = probe_file(d, &st, p);
	if (r < 0)
		goto fail;

	d->info.size &= ~(uint64_t)(d->info.sector_size - 1);
	if (d->info.size == 0) {
		r = -EINVAL;
		goto fail;
	}
	if (d->info.physical_sector_size < d->info.sector_size ||
	    !is_pow2(d->info.physical_sector_size))
		d->info.physical_sector_size = d->info.sector_size;
	if (d->info.discard &&
	    d->info.discard_granularity < d->info.sector_size)
		d->info.discard_granularity = d->info.sector_size;

	d->info.dio_mem_align = 1;
	d->info.dio_len_align = 1;
	if (p->cache == XPV_CACHE_DIRECT)
		setup_direct(d, &st, dev_lbs);
	*out = d;
	return 0;
fail:
	xpv_disk_close(d);
	return r;
}

void xpv_disk_close(struct xpv_disk *disk)
{
	if (!disk)
		return;
	if (disk->fd >= 0)
		close(disk->fd);
	free(disk);
}

const struct xpv_disk_info *xpv_disk_info(const struct xpv_disk *disk)
{
	return &disk->info;
}

int xpv_disk_is_devnum(const struct xpv_disk *disk, unsigned int maj,
		       unsigned int min)
{
	if (!disk->info.is_blockdev || disk->rdev != makedev(maj, min))
		return -ENODEV;
	return 0;
}

int xpv_disk_is_path(const struct xpv_disk *disk, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	/* A device may have several nodes: its number names it. */
	if (disk->info.is_blockdev) {
		if (!S_ISBLK(st.st_mode) || st.st_rdev != disk->rdev)
			return -ENODEV;
		return 0;
	}
	if (!S_ISREG(st.st_mode) || st.st_dev != disk->dev ||
	    st.st_ino != disk->ino)
		return -ENODEV;
	return 0;
}

int xpv_disk_fd(const struct xpv_disk *disk)
{
	return disk->fd;
}

int xpv_disk_check(const struct xpv_disk *disk, enum xpv_io_op op,
		   uint64_t sector, uint64_t len)
{
	const struct xpv_disk_info *in = &disk->info;
	uint64_t off;

	if ((unsigned int)op > XPV_IO_DISCARD)
		return -EINVAL;
	if (in->readonly && (op == XPV_IO_WRITE || op == XPV_IO_DISCARD))
		return -EROFS;
	if (op == XPV_IO_FLUSH)
		return 0;
	if (sector > (UINT64_MAX >> XPV_SECTOR_SHIFT))
		return -EOVERFLOW;
	off = sector << XPV_SECTOR_SHIFT;
	if (len > UINT64_MAX - off)
		return -EOVERFLOW;
	if ((off | len) & (in->sector_size - 1))
		return -EINVAL;
	if (off + len > in->size)
		return -ENOSPC;
	return 0;
}

int disk_discard(const struct xpv_disk *d, uint64_t off, uint64_t len,
		 bool secure)
{
	uint64_t range[2] = {off, len};
	int r;

	if (d->info.is_blockdev) {
		r = ioctl(d->fd, secure ? BLKSECDISCARD : BLKDISCARD, range);
		return r < 0 ? -errno : 0;
	}
	if (secure)
		return -EOPNOTSUPP;
	do {
		r = fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)off, (off_t)len);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

int disk_flush(const struct xpv_disk *d)
{
	int r;

	do {
		r = fdatasync(d->fd);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

/* ---- tasks: chunking and short transfers ---- */

void ioq_task_next_chunk(struct ioq_task *t)
{
	const struct iovec *v = &t->iov[t->idx];
	unsigned int n, left = t->niov - t->idx;
	size_t len;

	if (t->skip) {
		/* Resume inside an element: that element's tail alone. */
		t->part.iov_base = (char *)v->iov_base + t->skip;
		t->part.iov_len = v->iov_len - t->skip;
		t->chunk = &t->part;
		t->nchunk = 1;
		t->chunk_len = t->part.iov_len;
		return;
	}
	len = v[0].iov_len;
	for (n = 1; n < left && n < IOV_MAX; n++) {
		if (len + v[n].iov_len > IOQ_CHUNK_MAX_BYTES)
			break;
		len += v[n].iov_len;
	}
	t->chunk = v;
	t->nchunk = n;
	t->chunk_len = len;
}

/* Zeros what is left of a read: the file ended before the disk did. */
static void task_zero_rest(struct ioq_task *t)
{
	unsigned int i;
	size_t skip = t->skip;

	for (i = t->idx; i < t->niov; i++) {
		memset((char *)t->iov[i].iov_base + skip, 0,
		       t->iov[i].iov_len - skip);
		skip = 0;
	}
}

bool ioq_task_advance(struct ioq_task *t, ssize_t r)
{
	size_t left;

	if (r < 0) {
		t->res = r;
		return true;
	}
	if (r == 0 && t->chunk_len) {
		if (t->op == XPV_IO_READ) {
			task_zero_rest(t);
			t->res = (int64_t)t->len;
		} else {
			/* A write that makes no progress will not make any. */
			t->res = -EIO;
		}
		return true;
	}
	if ((size_t)r > t->chunk_len) {
		t->res = -EIO;
		return true;
	}
	t->done += (uint64_t)r;
	t->off += (uint64_t)r;
	left = (size_t)r;
	while (left) {
		size_t in_elem = t->iov[t->idx].iov_len - t->skip;

		if (left < in_elem) {
			t->skip += left;
			break;
		}
		left -= in_elem;
		t->skip = 0;
		t->idx++;
	}
	/* Zero-length elements at the end must not keep us going. */
	while (t->idx < t->niov && !t->skip && !t->iov[t->idx].iov_len)
		t->idx++;
	if (t->done == t->len || t->idx == t->niov) {
		t->res = (int64_t)t->len;
		return true;
	}
	ioq_task_next_chunk(t);
	return false;
}

/* ---- the queue front end ---- */

void ioq_done_push(struct xpv_ioq *q, struct ioq_task *t)
{
	ioq_list_push(&q->done, t);
	q->ndone++;
}

void ioq_signal(struct xpv_ioq *q)
{
	uint64_t one = 1;
	ssize_t n;

	/* Only EAGAIN (counter saturated) can fail: readable anyway. */
	n = write(q->efd, &one, sizeof(one));
	(void)n;
}

static void ioq_clear(struct xpv_ioq *q)
{
	uint64_t v;
	ssize_t n;

	n = read(q->efd, &v, sizeof(v));
	(void)n;
}

int xpv_ioq_engine_parse(const char *name, enum xpv_ioq_engine *out)
{
	if (!name)
		return -EINVAL;
	if (!strcmp(name, "auto"))
		*out = XPV_IOQ_AUTO;
	else if (!strcmp(name, "uring"))
		*out = XPV_IOQ_URING;
	else if (!strcmp(name, "psync"))
		*out = XPV_IOQ_PSYNC;
	else
		return -EINVAL;
	return 0;
}

static int engine_init(struct xpv_ioq *q, const struct ioq_engine *eng,
		       const struct xpv_ioq_params *params)
{
	int r;

	q->eng = eng;
	r = eng->init(q, params);
	if (r < 0) {
		eng->fini(q);
		q->priv = NULL;
		q->eng = NULL;
	}
	return r;
}

int xpv_ioq_create(struct xpv_disk *disk, const struct xpv_ioq_params *params,
		   struct xpv_ioq **out)
{
	struct xpv_ioq *q;
	unsigned int i;
	int r;

	*out = NULL;
	if (!disk || !params || !params->depth ||
	    params->depth > XPV_IOQ_MAX_DEPTH ||
	    (unsigned int)params->engine > XPV_IOQ_PSYNC)
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->efd = -1;
	q->disk = disk;
	q->depth = params->depth;
	q->tasks = calloc(q->depth, sizeof(*q->tasks));
	if (!q->tasks) {
		r = -ENOMEM;
		goto fail;
	}
	for (i = q->depth; i-- > 0;) {
		q->tasks[i].next = q->free;
		q->free = &q->tasks[i];
	}
	q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->efd < 0) {
		r = -errno;
		goto fail;
	}

	switch (params->engine) {
	case XPV_IOQ_URING:
#ifdef HAVE_LIBURING
		r = engine_init(q, &ioq_engine_uring, params);
#else
		r = -EOPNOTSUPP;
#endif
		break;
	case XPV_IOQ_AUTO:
#ifdef HAVE_LIBURING
		r = engine_init(q, &ioq_engine_uring, params);
		if (r >= 0)
			break;
#endif
		/* fall through */
	default:
		r = engine_init(q, &ioq_engine_psync, params);
		break;
	}
	if (r < 0)
		goto fail;
	*out = q;
	return 0;
fail:
	xpv_ioq_destroy(q);
	return r;
}

const char *xpv_ioq_engine_name(const struct xpv_ioq *q)
{
	return q->eng->name;
}

int xpv_ioq_fd(const struct xpv_ioq *q)
{
	return q->efd;
}

unsigned int xpv_ioq_busy(const struct xpv_ioq *q)
{
	return q->nlive;
}

static struct ioq_task *task_get(struct xpv_ioq *q, enum xpv_io_op op,
				 uint64_t cookie)
{
	struct ioq_task *t = q->free;

	if (!t)
		return NULL;
	q->free = t->next;
	memset(t, 0, sizeof(*t));
	t->op = op;
	t->cookie = cookie;
	return t;
}

static void task_put(struct xpv_ioq *q, struct ioq_task *t)
{
	t->next = q->free;
	q->free = t;
}

static int ioq_accept(struct xpv_ioq *q, struct ioq_task *t)
{
	int r;

	/* Counted first: the engine may complete t at once. */
	q->nlive++;
	r = q->eng->queue(q, t);
	if (r < 0) {
		q->nlive--;
		task_put(q, t);
	}
	return r;
}

static int ioq_rw(struct xpv_ioq *q, enum xpv_io_op op, uint64_t off,
		  const struct iovec *iov, unsigned int niov,
		  unsigned int buf1, uint64_t cookie)
{
	const struct xpv_disk_info *in = &q->disk->info;
	struct ioq_task *t;
	uint64_t len = 0;
	unsigned int i;

	if (!iov || !niov || niov > XPV_IOQ_MAX_IOV)
		return -EINVAL;
	if (op == XPV_IO_WRITE && in->readonly)
		return -EROFS;
	for (i = 0; i < niov; i++) {
		if (iov[i].iov_len > in->size)
			return -EINVAL;
		len += iov[i].iov_len;
	}
	if (!len || off > in->size || len > in->size - off)
		return -EINVAL;
	t = task_get(q, op, cookie);
	if (!t)
		return -EAGAIN;
	t->off = off;
	t->len = len;
	t->iov = iov;
	t->niov = niov;
	t->buf1 = buf1;
	/* Leading empty elements would make an empty first chunk. */
	while (!iov[t->idx].iov_len)
		t->idx++;
	ioq_task_next_chunk(t);
	return ioq_accept(q, t);
}

int xpv_ioq_read(struct xpv_ioq *q, uint64_t off, const struct iovec *iov,
		 unsigned int niov, uint64_t cookie)
{
	return ioq_rw(q, XPV_IO_READ, off, iov, niov, 0, cookie);
}

int xpv_ioq_write(struct xpv_ioq *q, uint64_t off, const struct iovec *iov,
		  unsigned int niov, uint64_t cookie)
{
	return ioq_rw(q, XPV_IO_WRITE, off, iov, niov, 0, cookie);
}

int xpv_ioq_read_buf(struct xpv_ioq *q, uint64_t off, const struct iovec *iov,
		     unsigned int idx, uint64_t cookie)
{
	return ioq_rw(q, XPV_IO_READ, off, iov, 1, idx + 1, cookie);
}

int xpv_ioq_write_buf(struct xpv_ioq *q, uint64_t off,
		      const struct iovec *iov, unsigned int idx,
		      uint64_t cookie)
{
	return ioq_rw(q, XPV_IO_WRITE, off, iov, 1, idx + 1, cookie);
}

int xpv_ioq_bufs(struct xpv_ioq *q, unsigned int n)
{
	if (!n)
		return -EINVAL;
	return q->eng->bufs ? q->eng->bufs(q, n) : -EOPNOTSUPP;
}

int xpv_ioq_buf_set(struct xpv_ioq *q, unsigned int idx, void *addr,
		    size_t len)
{
	return q->eng->buf_set ? q->eng->buf_set(q, idx, addr, len)
			       : -EOPNOTSUPP;
}

int xpv_ioq_flush(struct xpv_ioq *q, uint64_t cookie)
{
	struct ioq_task *t = task_get(q, XPV_IO_FLUSH, cookie);

	if (!t)
		return -EAGAIN;
	return ioq_accept(q, t);
}

int xpv_ioq_discard(struct xpv_ioq *q, uint64_t off, uint64_t len, bool secure,
		    uint64_t cookie)
{
	const struct xpv_disk_info *in = &q->disk->info;
	struct ioq_task *t;

	if (in->readonly)
		return -EROFS;
	if (!in->discard || (secure && !in->discard_secure))
		return -EOPNOTSUPP;
	if (off > in->size || len > in->size - off)
		return -EINVAL;
	t = task_get(q, XPV_IO_DISCARD, cookie);
	if (!t)
		return -EAGAIN;
	t->off = off;
	t->len = len;
	t->secure = secure;
	if (!len) {
		/* Nothing to do; the kernel would call it EINVAL. */
		q->nlive++;
		ioq_done_push(q, t);
		ioq_signal(q);
		return 0;
	}
	return ioq_accept(q, t);
}

int xpv_ioq_submit(struct xpv_ioq *q)
{
	return q->eng->submit(q);
}

int xpv_ioq_reap(struct xpv_ioq *q, struct xpv_io_done *out, unsigned int max)
{
	struct ioq_task *t;
	unsigned int n = 0;

	/* Clear before collecting: a completion after this re-arms it. */
	ioq_clear(q);
	q->eng->collect(q);
	while (n < max && (t = ioq_list_pop(&q->done))) {
		out[n].cookie = t->cookie;
		out[n].res = t->res;
		n++;
		q->ndone--;
		q->nlive--;
		task_put(q, t);
	}
	if (q->ndone)
		ioq_signal(q);
	return (int)n;
}

/*
 * Blocks until q->done holds something (or, with all, until nothing runs
 * any more).  Leaves the fd readable when q->done is not empty.
 */
static int ioq_wait_until(struct xpv_ioq *q, bool all, int timeout_ms)
{
	int r = 0;

	for (;;) {
		ioq_clear(q);
		q->eng->collect(q);
		if (q->nlive == q->ndone || (!all && q->ndone))
			break;
		r = q->eng->wait(q, timeout_ms);
		if (r < 0 && r != -EINTR)
			break;
		r = 0;
	}
	if (q->ndone)
		ioq_signal(q);
	return r;
}

int xpv_ioq_drain(struct xpv_ioq *q)
{
	int r = q->eng->submit(q);

	if (r < 0 && r != -EAGAIN && r != -EBUSY)
		return r;
	return ioq_wait_until(q, true, -1);
}

int xpv_ioq_wait(struct xpv_ioq *q, int timeout_ms)
{
	int r = q->eng->submit(q);

	if (r < 0 && r != -EAGAIN && r != -EBUSY)
		return r;
	return ioq_wait_until(q, false, timeout_ms);
}

/* Shared by the engines: sleep until the completion eventfd fires. */
int ioq_poll_fd(struct xpv_ioq *q, int timeout_ms)
{
	struct pollfd pfd = {.fd = q->efd, .events = POLLIN};
	int r = poll(&pfd, 1, timeout_ms);

	if (r < 0)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

void xpv_ioq_destroy(struct xpv_ioq *q)
{
	if (!q)
		return;
	if (q->eng) {
		/*
		 * The kernel or the pool may still use the caller's buffers:
		 * wait for them, retrying a few times if the wait itself fails.
		 */
		for (int i = 0; i < 100 && q->nlive != q->ndone; i++)
			xpv_ioq_drain(q);
		q->eng->fini(q);
	}
	if (q->efd >= 0)
		close(q->efd);
	free(q->tasks);
	free(q);
}
