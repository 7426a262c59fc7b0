/* SPDX-License-Identifier: MIT */
/*
 * storage-psync.c - the portable engine: a small pool of threads, created
 * with the queue, doing preadv/pwritev/fdatasync/discard synchronously.
 *
 * The owning thread stages tasks on a private list and hands the whole
 * batch over under one lock; each pool thread takes one task at a time,
 * runs it to the end (chunks, short transfers) and puts it on the finished
 * list.  The eventfd is written only when that list goes from empty to
 * non-empty: collect() always empties it, after the front end has read the
 * eventfd, so no completion can be left without a wake-up.  Pool threads
 * block every signal, so signals keep going to the daemon's own threads.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "storage-priv.h"

#define PSYNC_DEFAULT_THREADS 8u

struct psync {
	struct xpv_ioq *q;
	/* Owning thread only. */
	struct ioq_list staged;
	unsigned int nstaged;
	unsigned int in_pool; /* handed over, not yet collected */
	/* Under lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct ioq_list pending;
	struct ioq_list finished;
	bool stop;
	/* Set up state, for fini(). */
	bool lock_ok;
	bool cond_ok;
	unsigned int nthreads;
	pthread_t *threads;
};

static void psync_run(const struct xpv_disk *d, struct ioq_task *t)
{
	ssize_t r;

	switch (t->op) {
	case XPV_IO_READ:
	case XPV_IO_WRITE:
		for (;;) {
			if (t->op == XPV_IO_READ)
				r = preadv(d->fd, t->chunk, (int)t->nchunk,
					   (off_t)t->off);
			else
				r = pwritev(d->fd, t->chunk, (int)t->nchunk,
					    (off_t)t->off);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				r = -errno;
			if (ioq_task_advance(t, r))
				break;
		}
		break;
	case XPV_IO_FLUSH:
		ioq_task_set_res(t, disk_flush(d));
		break;
	case XPV_IO_DISCARD:
		ioq_task_set_res(t, disk_discard(d, t->off, t->len, t->secure));
		break;
	default:
		t->res = -EINVAL;
		break;
	}
}

static void *psync_main(void *arg)
{
	struct psync *ps = arg;
	struct ioq_task *t;
	bool was_empty;

	pthread_mutex_lock(&ps->lock);
	for (;;) {
		while (!ps->stop && !ps->pending.head)
			pthread_cond_wait(&ps->cond, &ps->lock);
		t = ioq_list_pop(&ps->pending);
		if (!t)
			break; /* stop, and nothing left */
		pthread_mutex_unlock(&ps->lock);

		psync_run(ps->q->disk, t);

		pthread_mutex_lock(&ps->lock);
		was_empty = !ps->finished.head;
		ioq_list_push(&ps->finished, t);
		if (was_empty)
			ioq_signal(ps->q);
	}
	pthread_mutex_unlock(&ps->lock);
	return NULL;
}

static void psync_fini(struct xpv_ioq *q)
{
	struct psync *ps = q->priv;
	unsigned int i;

	if (!ps)
		return;
	if (ps->nthreads) {
		pthread_mutex_lock(&ps->lock);
		ps->stop = true;
		pthread_cond_broadcast(&ps->cond);
		pthread_mutex_unlock(&ps->lock);
		for (i = 0; i < ps->nthreads; i++)
			pthread_join(ps->threads[i], NULL);
	}
	if (ps->cond_ok)
		pthread_cond_destroy(&ps->cond);
	if (ps->lock_ok)
		pthread_mutex_destroy(&ps->lock);
	free(ps->threads);
	free(ps);
	q->priv = NULL;
}

static int psync_init(struct xpv_ioq *q, const struct xpv_ioq_params *params)
{
	unsigned int want = params->psync_threads;
	sigset_t all, old;
	struct psync *ps;
	int r;

	if (!want)
		want = PSYNC_DEFAULT_THREADS;
	if (want > q->depth)
		want = q->depth;
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	q->priv = ps;
	ps->q = q;
	ps->threads = calloc(want, sizeof(*ps->threads));
	if (!ps->threads)
		return -ENOMEM;
	r = pthread_mutex_init(&ps->lock, NULL);
	if (r)
		return -r;
	ps->lock_ok = true;
	r = pthread_cond_init(&ps->cond, NULL);
	if (r)
		return -r;
	ps->cond_ok = true;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (; ps->nthreads < want; ps->nthreads++) {
		r = pthread_create(&ps->threads[ps->nthreads], NULL, psync_main,
				   ps);
		if (r)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r ? -r : 0;
}

static int psync_queue(struct xpv_ioq *q, struct ioq_task *t)
{
	struct psync *ps = q->priv;

	ioq_list_push(&ps->staged, t);
	ps->nstaged++;
	return 0;
}

static int psync_submit(struct xpv_ioq *q)
{
	struct psync *ps = q->priv;
	unsigned int n = ps->nstaged, i;

	if (!n)
		return 0;
	pthread_mutex_lock(&ps->lock);
	ioq_list_splice(&ps->pending, &ps->staged);
	if (n >= ps->nthreads)
		pthread_cond_broadcast(&ps->cond);
	else
		for (i = 0; i < n; i++)
			pthread_cond_signal(&ps->cond);
	pthread_mutex_unlock(&ps->lock);
	ps->nstaged = 0;
	ps->in_pool += n;
	return (int)n;
}

static void psync_collect(struct xpv_ioq *q)
{
	struct psync *ps = q->priv;
	struct ioq_list got = {NULL, NULL};
	struct ioq_task *t;

	if (!ps->in_pool)
		return;
	pthread_mutex_lock(&ps->lock);
	ioq_list_splice(&got, &ps->finished);
	pthread_mutex_unlock(&ps->lock);
	while ((t = ioq_list_pop(&got))) {
		ps->in_pool--;
		ioq_done_push(q, t);
	}
}

static int psync_wait(struct xpv_ioq *q, int timeout_ms)
{
	return ioq_poll_fd(q, timeout_ms);
}

const struct ioq_engine ioq_engine_psync = {
    .name = "psync",
    .init = psync_init,
    .fini = psync_fini,
    .queue = psync_queue,
    .submit = psync_submit,
    .collect = psync_collect,
    .wait = psync_wait,
};
