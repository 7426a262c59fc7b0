/* SPDX-License-Identifier: MIT */
/*
 * storage-uring.c - the io_uring engine (the default).
 *
 * One ring per queue, sized to the queue's depth.  Each task has at most
 * one SQE in the submission ring or in the kernel at any time (a long or
 * short transfer goes on chunk after chunk), so the submission ring never
 * fills up and the completion ring (twice as big) never overflows.  The
 * queue's eventfd is registered with the ring, so the kernel makes it
 * readable for every CQE.  The disk's fd is registered as fixed file 0 when
 * the kernel allows it.  Device discards have no io_uring operation in the
 * kernels we target: they run inline (BLKDISCARD) and complete through the
 * done list like everything else.  Registered buffers are a sparse table;
 * our copy of it decides which transfers go as fixed reads and writes (only
 * a chunk inside its entry does), so a caller's mistake costs speed, never
 * a transfer into memory it did not name.
 */
#include "config.h"

#include <errno.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>

#include <liburing.h>

#include "storage-priv.h"

/* -EAGAIN completions of one transfer retried before it fails. */
#define URING_MAX_AGAIN 8

struct uring {
	struct io_uring ring;
	bool ring_ok;
	int fd; /* fixed file index or the disk's fd */
	unsigned char sqe_flags;
	struct iovec *bufs; /* the registered buffers, as the kernel has them */
	unsigned int nbufs;
};

static void uring_fini(struct xpv_ioq *q)
{
	struct uring *u = q->priv;

	if (!u)
		return;
	if (u->ring_ok)
		io_uring_queue_exit(&u->ring);
	free(u->bufs);
	free(u);
	q->priv = NULL;
}

static int uring_init(struct xpv_ioq *q, const struct xpv_ioq_params *params)
{
	struct io_uring_params p = {.flags = IORING_SETUP_SUBMIT_ALL};
	struct uring *u;
	int r, fd = q->disk->fd;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	q->priv = u;
	r = io_uring_queue_init_params(q->depth, &u->ring, &p);
	if (r == -EINVAL) {
		/* Kernels before 5.18 lack SUBMIT_ALL: we only lose speed. */
		memset(&p, 0, sizeof(p));
		r = io_uring_queue_init_params(q->depth, &u->ring, &p);
	}
	if (r < 0)
		return r;
	u->ring_ok = true;
	r = io_uring_register_eventfd(&u->ring, q->efd);
	if (r < 0)
		return r;
	if (io_uring_register_files(&u->ring, &fd, 1) == 0) {
		u->fd = 0;
		u->sqe_flags = IOSQE_FIXED_FILE;
	} else {
		u->fd = fd;
	}
	return 0;
}

static int uring_bufs(struct xpv_ioq *q, unsigned int n)
{
	struct uring *u = q->priv;
	struct iovec *b;
	int r;

	if (u->bufs)
		return -EBUSY;
	b = calloc(n, sizeof(*b));
	if (!b)
		return -ENOMEM;
	r = io_uring_register_buffers_sparse(&u->ring, n);
	if (r < 0) {
		free(b);
		return r;
	}
	u->bufs = b;
	u->nbufs = n;
	return 0;
}

static int uring_buf_set(struct xpv_ioq *q, unsigned int idx, void *addr,
			 size_t len)
{
	struct uring *u = q->priv;
	struct iovec v = { .iov_base = len ? addr : NULL, .iov_len = len };
	int r;

	if (!u->bufs)
		return -EOPNOTSUPP;
	if (idx >= u->nbufs || (len && !addr))
		return -EINVAL;
	/* Not used from now on, whatever the kernel says. */
	u->bufs[idx].iov_len = 0;
	r = io_uring_register_buffers_update_tag(&u->ring, idx, &v, NULL, 1);
	if (r < 0) {
		/* The kernel may still pin the old range: let it go. */
		v.iov_base = NULL;
		v.iov_len = 0;
		(void)io_uring_register_buffers_update_tag(&u->ring, idx, &v,
							   NULL, 1);
		return r;
	}
	u->bufs[idx] = v;
	return 0;
}

/* The registered entry t's chunk lies in, or -1. */
static int uring_fixed(const struct uring *u, const struct ioq_task *t)
{
	const struct iovec *b;
	uintptr_t s, bs;

	if (!t->buf1 || t->buf1 > u->nbufs || t->nchunk != 1)
		return -1;
	b = &u->bufs[t->buf1 - 1];
	s = (uintptr_t)t->chunk[0].iov_base;
	bs = (uintptr_t)b->iov_base;
	if (!b->iov_len || s < bs || t->chunk[0].iov_len > b->iov_len ||
	    s - bs > b->iov_len - t->chunk[0].iov_len)
		return -1;
	return (int)(t->buf1 - 1);
}

/* Puts t's next step in the SQ ring; false if the ring is full. */
static bool uring_prep(struct uring *u, struct ioq_task *t)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	int fx;

	if (!sqe)
		return false;
	switch (t->op) {
	case XPV_IO_READ:
	case XPV_IO_WRITE:
		fx = uring_fixed(u, t);
		if (fx >= 0) {
			io_uring_prep_rw(t->op == XPV_IO_READ ?
						 IORING_OP_READ_FIXED :
						 IORING_OP_WRITE_FIXED,
					 sqe, u->fd, t->chunk[0].iov_base,
					 (unsigned int)t->chunk[0].iov_len,
					 t->off);
			sqe->buf_index = (unsigned short)fx;
		} else {
			io_uring_prep_rw(t->op == XPV_IO_READ ?
						 IORING_OP_READV :
						 IORING_OP_WRITEV,
					 sqe, u->fd, t->chunk, t->nchunk,
					 t->off);
		}
		break;
	case XPV_IO_FLUSH:
		io_uring_prep_fsync(sqe, u->fd, IORING_FSYNC_DATASYNC);
		break;
	case XPV_IO_DISCARD:
		io_uring_prep_fallocate(
		    sqe, u->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		    (off_t)t->off, (off_t)t->len);
		break;
	}
	sqe->flags |= u->sqe_flags;
	if (t->again)
		sqe->flags |= IOSQE_ASYNC;
	io_uring_sqe_set_data(sqe, t);
	return true;
}

static int uring_queue(struct xpv_ioq *q, struct ioq_task *t)
{
	struct uring *u = q->priv;

	if (t->op == XPV_IO_DISCARD &&
	    (q->disk->info.is_blockdev || t->secure)) {
		ioq_task_set_res(
		    t, disk_discard(q->disk, t->off, t->len, t->secure));
		ioq_done_push(q, t);
		ioq_signal(q);
		return 0;
	}
	/* Cannot fail while each task holds at most one SQE; be safe. */
	return uring_prep(u, t) ? 0 : -EAGAIN;
}

static int uring_submit(struct xpv_ioq *q)
{
	struct uring *u = q->priv;
	int r;

	do {
		r = io_uring_submit(&u->ring);
	} while (r == -EINTR);
	return r;
}

static void uring_collect(struct xpv_ioq *q)
{
	struct uring *u = q->priv;
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;
	bool more = false;

	io_uring_for_each_cqe(&u->ring, head, cqe)
	{
		struct ioq_task *t = io_uring_cqe_get_data(cqe);

		n++;
		if ((t->op == XPV_IO_READ || t->op == XPV_IO_WRITE) &&
		    cqe->res == -EAGAIN && t->again < URING_MAX_AGAIN) {
			/*
			 * Not an I/O error: the kernel could not do the
			 * transfer without blocking (a NOWAIT bio that had to
			 * be split, a full device queue) and, completing it
			 * where it could not re-issue it, left the retry to
			 * us.  The same chunk goes again, through io_uring's
			 * workers (IOSQE_ASYNC), where it may block.
			 */
			t->again++;
			if (uring_prep(u, t)) {
				more = true;
				continue;
			}
		}
		if (t->op == XPV_IO_READ || t->op == XPV_IO_WRITE) {
			if (!ioq_task_advance(t, cqe->res)) {
				if (uring_prep(u, t)) {
					more = true;
					continue;
				}
				t->res = -EIO;
			}
		} else {
			ioq_task_set_res(t, cqe->res);
		}
		ioq_done_push(q, t);
	}
	io_uring_cq_advance(&u->ring, n);
	/* A failure leaves the SQEs queued; submit() and wait() retry. */
	if (more)
		uring_submit(q);
}

static int uring_wait(struct xpv_ioq *q, int timeout_ms)
{
	struct uring *u = q->priv;
	int r;

	if (io_uring_sq_ready(&u->ring)) {
		uring_submit(q);
		if (io_uring_sq_ready(&u->ring)) {
			/* The kernel is short of something: retry soon. */
			r = ioq_poll_fd(q, timeout_ms < 0 || timeout_ms > 1
					       ? 1
					       : timeout_ms);
			return r == -ETIMEDOUT && timeout_ms != 0 ? 0 : r;
		}
	}
	return ioq_poll_fd(q, timeout_ms);
}

const struct ioq_engine ioq_engine_uring = {
    .name = "uring",
    .init = uring_init,
    .fini = uring_fini,
    .queue = uring_queue,
    .submit = uring_submit,
    .collect = uring_collect,
    .wait = uring_wait,
    .bufs = uring_bufs,
    .buf_set = uring_buf_set,
};
