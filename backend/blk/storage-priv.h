/* SPDX-License-Identifier: MIT */
/*
 * storage-priv.h - what the storage engines share inside libxpvstorage:
 * the disk and queue structures, the per-operation task, and the engine
 * ops table.  Not for use outside backend/storage*.c.
 *
 * Ownership rule: a task is on exactly one list at a time (free, an
 * engine's own lists, or done) or in the kernel; q->free and q->done are
 * touched by the owning thread only.  An engine may keep its own lists and
 * locks (psync does) but hands finished tasks back through ioq_done_push()
 * from the owning thread, inside collect().
 */
#ifndef XENPVD_BACKEND_STORAGE_PRIV_H
#define XENPVD_BACKEND_STORAGE_PRIV_H

#include <stddef.h>
#include <sys/types.h>

#include "storage.h"

struct xpv_disk {
	int fd;
	struct xpv_disk_info info;
	/* What fd is (fstat at open): xpv_disk_is_path(), _is_devnum(). */
	dev_t dev, rdev;
	ino_t ino;
};

struct ioq_task {
	struct ioq_task *next;
	uint64_t cookie;
	int64_t res;
	uint64_t off;		 /* disk offset of the next byte to do */
	uint64_t len;		 /* bytes in the whole operation */
	uint64_t done;		 /* bytes done so far */
	const struct iovec *iov; /* caller's, never written */
	unsigned int niov;
	unsigned int idx; /* first element not fully done */
	size_t skip;	  /* bytes of iov[idx] already done */
	/* The chunk being transferred (set by ioq_task_next_chunk()). */
	const struct iovec *chunk;
	unsigned int nchunk;
	size_t chunk_len;
	struct iovec part; /* the rest of iov[idx] when skip != 0 */
	enum xpv_io_op op;
	bool secure;
	uint8_t again;	/* -EAGAIN completions retried (io_uring) */
	unsigned int buf1; /* registered buffer entry + 1, 0: none */
};

struct ioq_list {
	struct ioq_task *head;
	struct ioq_task *tail;
};

struct ioq_engine {
	const char *name;
	/* Sets q->priv; q->efd, q->disk and the tasks exist already. */
	int (*init)(struct xpv_ioq *q, const struct xpv_ioq_params *params);
	/* Called with nothing running; frees q->priv; must accept a partial
	 * init (q->priv NULL or half built). */
	void (*fini)(struct xpv_ioq *q);
	/* Stages t (or completes it at once through ioq_done_push() and
	 * ioq_signal()); 0 or -errno, and then t was not taken. */
	int (*queue)(struct xpv_ioq *q, struct ioq_task *t);
	/* Hands staged tasks over; a count or -errno. */
	int (*submit)(struct xpv_ioq *q);
	/* Moves finished tasks to q->done; never blocks. */
	void (*collect)(struct xpv_ioq *q);
	/* Blocks until collect() may find something, or timeout_ms. */
	int (*wait)(struct xpv_ioq *q, int timeout_ms);
	/* Registered buffers (NULL: none): xpv_ioq_bufs(), _buf_set(). */
	int (*bufs)(struct xpv_ioq *q, unsigned int n);
	int (*buf_set)(struct xpv_ioq *q, unsigned int idx, void *addr,
		       size_t len);
};

struct xpv_ioq {
	struct xpv_disk *disk;
	const struct ioq_engine *eng;
	void *priv;
	int efd; /* eventfd, EFD_NONBLOCK */
	unsigned int depth;
	unsigned int nlive;	/* accepted, not reaped */
	unsigned int ndone;	/* on done */
	struct ioq_task *tasks; /* depth of them */
	struct ioq_task *free;
	struct ioq_list done;
};

/* Chunks never exceed this many bytes (well below MAX_RW_COUNT). */
#define IOQ_CHUNK_MAX_BYTES (1ull << 30)

static inline void ioq_list_push(struct ioq_list *l, struct ioq_task *t)
{
	t->next = NULL;
	if (l->tail)
		l->tail->next = t;
	else
		l->head = t;
	l->tail = t;
}

static inline struct ioq_task *ioq_list_pop(struct ioq_list *l)
{
	struct ioq_task *t = l->head;

	if (t) {
		l->head = t->next;
		if (!l->head)
			l->tail = NULL;
		t->next = NULL;
	}
	return t;
}

/* Appends all of src to dst and empties src. */
static inline void ioq_list_splice(struct ioq_list *dst, struct ioq_list *src)
{
	if (!src->head)
		return;
	if (dst->tail)
		dst->tail->next = src->head;
	else
		dst->head = src->head;
	dst->tail = src->tail;
	src->head = src->tail = NULL;
}

/* Sets t->chunk/nchunk/chunk_len to the next piece of a read or write. */
void ioq_task_next_chunk(struct ioq_task *t);

/*
 * Accounts r, the result of the current chunk (bytes or -errno).  Returns
 * true when the task is finished (t->res set), false when another chunk
 * must be transferred (already prepared by ioq_task_next_chunk()).
 */
bool ioq_task_advance(struct ioq_task *t, ssize_t r);

/* Sets the result of a flush or discard from its 0 or -errno. */
static inline void ioq_task_set_res(struct ioq_task *t, int r)
{
	t->res = r < 0 ? r : t->op == XPV_IO_DISCARD ? (int64_t)t->len : 0;
}

/* Finished task to the done list (owning thread only). */
void ioq_done_push(struct xpv_ioq *q, struct ioq_task *t);

/* Makes q->efd readable. */
void ioq_signal(struct xpv_ioq *q);

/* Polls q->efd for POLLIN: 0, -ETIMEDOUT or -errno. */
int ioq_poll_fd(struct xpv_ioq *q, int timeout_ms);

/* Synchronous discard of [off, off + len): 0 or -errno. */
int disk_discard(const struct xpv_disk *d, uint64_t off, uint64_t len,
		 bool secure);

/* Synchronous fdatasync, 0 or -errno. */
int disk_flush(const struct xpv_disk *d);

extern const struct ioq_engine ioq_engine_psync;
#ifdef HAVE_LIBURING
extern const struct ioq_engine ioq_engine_uring;
#endif

#endif /* XENPVD_BACKEND_STORAGE_PRIV_H */
