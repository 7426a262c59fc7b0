/* SPDX-License-Identifier: MIT */
/*
 * p9sock.c - the 9P server on a unix socket, for debugging and tests
 * (p9sock.h).  One listener thread, one thread and one session per
 * connection, one request at a time per connection (so Tflush always
 * finds its tag answered).  Buffers are per connection, msize bytes
 * each way, allocated when the connection is accepted.
 *
 * Stopping: an eventfd wakes the listener and every connection blocked in
 * poll(); shutdown() wakes one blocked in write().  A connection's fd is
 * closed only after its thread has been joined, so it is never reused
 * under a shutdown().
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "p9sock.h"
#include "p9srv.h"
#include "p9wire.h"

#define P9SOCK_DEF_MSIZE (128u * 1024)
#define P9SOCK_MAX_CONNS 64u

struct p9_conn {
	struct p9_conn *next;
	struct p9_sock *sk;
	int fd;
	pthread_t th;
	bool done;   /* atomic: the thread has ended */
	bool broken; /* a reply could not be written */
	struct p9_session *sess;
	uint8_t *in, *out;
	size_t reserved;
};

struct p9_sock {
	struct p9_export *e;
	char *path;
	dev_t dev; /* the socket file we made */
	ino_t ino;
	int lfd, stopfd;
	uint32_t msize;
	pthread_t th;
	bool th_ok;
	pthread_mutex_t lock;
	struct p9_conn *conns;
	unsigned int nconns;
};

/* Waits until fd is readable: false if the socket is stopping. */
static bool wait_in(struct p9_sock *sk, int fd)
{
	struct pollfd p[2] = {
	    {.fd = fd, .events = POLLIN},
	    {.fd = sk->stopfd, .events = POLLIN},
	};

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (p[1].revents)
			return false;
		if (p[0].revents)
			return true;
	}
}

/* Reads exactly len bytes: 0, or -1 (end, error or stop). */
static int read_full(struct p9_conn *c, uint8_t *buf, size_t len)
{
	ssize_t r;

	while (len) {
		if (!wait_in(c->sk, c->fd))
			return -1;
		r = read(c->fd, buf, len);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		len -= (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const uint8_t *buf, size_t len)
{
	ssize_t r;

	while (len) {
		r = send(fd, buf, len, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		len -= (size_t)r;
	}
	return 0;
}

static int conn_reserve(void *opaque, size_t max, struct iovec iov[2])
{
	struct p9_conn *c = opaque;

	if (max > c->sk->msize)
		return -EMSGSIZE;
	iov[0].iov_base = c->out;
	iov[0].iov_len = max;
	c->reserved = max;
	return 1;
}

static void conn_commit(void *opaque, size_t len)
{
	struct p9_conn *c = opaque;

	if (len > c->reserved)
		len = c->reserved;
	c->reserved = 0;
	if (len && !c->broken && write_full(c->fd, c->out, len) < 0)
		c->broken = true;
}

static const struct p9_reply_ops conn_ops = {
    .reserve = conn_reserve,
    .commit = conn_commit,
};

static void *conn_main(void *v)
{
	struct p9_conn *c = v;
	struct p9_req rq;
	uint32_t size;

	(void)p9_thread_prepare();
	for (;;) {
		if (read_full(c, c->in, 4) < 0)
			break;
		size = (uint32_t)p9_le_get(c->in, 4);
		if (size < P9_HDR_SIZE || size > c->sk->msize)
			break;
		if (read_full(c, c->in + 4, size - 4) < 0)
			break;
		memset(&rq, 0, sizeof(rq));
		rq.msg = c->in;
		rq.len = size;
		rq.size = size;
		if (p9_handle(c->sess, &rq, &conn_ops, c) < 0 || c->broken)
			break;
	}
	shutdown(c->fd, SHUT_RDWR);
	__atomic_store_n(&c->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* After its thread was joined (or never started). */
static void conn_free(struct p9_conn *c)
{
	p9_session_free(c->sess);
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

/* Joins and frees the connections that ended (all, if every). */
static void reap(struct p9_sock *sk, bool every)
{
	struct p9_conn **pp, *c;

	pthread_mutex_lock(&sk->lock);
	for (pp = &sk->conns; (c = *pp);) {
		if (!every && !__atomic_load_n(&c->done, __ATOMIC_ACQUIRE)) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		sk->nconns--;
		pthread_mutex_unlock(&sk->lock);
		pthread_join(c->th, NULL);
		conn_free(c);
		pthread_mutex_lock(&sk->lock);
	}
	pthread_mutex_unlock(&sk->lock);
}

static void accept_one(struct p9_sock *sk)
{
	struct p9_conn *c;
	int fd;

	fd = accept4(sk->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	reap(sk, false);
	if (sk->nconns >= P9SOCK_MAX_CONNS)
		goto fail_fd;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail_fd;
	c->sk = sk;
	c->fd = fd;
	c->in = malloc(sk->msize);
	c->out = malloc(sk->msize);
	if (!c->in || !c->out ||
	    p9_session_new(sk->e, sk->msize, &c->sess) < 0 ||
	    pthread_create(&c->th, NULL, conn_main, c)) {
		conn_free(c);
		return;
	}
	pthread_mutex_lock(&sk->lock);
	c->next = sk->conns;
	sk->conns = c;
	sk->nconns++;
	pthread_mutex_unlock(&sk->lock);
	return;
fail_fd:
	close(fd);
}

static void *listen_main(void *v)
{
	struct p9_sock *sk = v;

	while (wait_in(sk, sk->lfd))
		accept_one(sk);
	return NULL;
}

/* Makes room for our socket at path: 0, or -EEXIST if something that is
 * not a stale socket of ours is there. */
static int clear_path(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode) || st.st_uid != geteuid())
		return -EEXIST;
	return unlink(path) < 0 ? -errno : 0;
}

int p9_sock_start(struct p9_export *e, const char *path, uint32_t msize,
		  struct p9_sock **out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct p9_sock *sk;
	struct stat st;
	int err;

	*out = NULL;
	if (!e || !path)
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	if (!msize)
		msize = P9SOCK_DEF_MSIZE;
	if (msize < P9_MIN_MSIZE)
		return -EINVAL;
	sk = calloc(1, sizeof(*sk));
	if (!sk)
		return -ENOMEM;
	sk->e = e;
	sk->msize = msize;
	sk->lfd = sk->stopfd = -1;
	pthread_mutex_init(&sk->lock, NULL);
	sk->path = strdup(path);
	if (!sk->path) {
		err = -ENOMEM;
		goto fail;
	}
	sk->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	sk->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sk->stopfd < 0 || sk->lfd < 0) {
		err = -errno;
		goto fail;
	}
	/* The socket file takes the socket inode's mode (less the umask)
	 * when bound: 0600 from the start, no window. */
	if (fchmod(sk->lfd, 0600) < 0) {
		err = -errno;
		goto fail;
	}
	err = clear_path(path);
	if (err)
		goto fail;
	strcpy(sa.sun_path, path);
	if (bind(sk->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		goto fail;
	}
	if (lstat(path, &st) < 0) {
		err = -errno;
		goto fail;
	}
	sk->dev = st.st_dev;
	sk->ino = st.st_ino;
	if (!S_ISSOCK(st.st_mode) || (st.st_mode & 077)) {
		err = -EPERM;
		goto fail_unlink;
	}
	if (listen(sk->lfd, 16) < 0) {
		err = -errno;
		goto fail_unlink;
	}
	err = -pthread_create(&sk->th, NULL, listen_main, sk);
	if (err)
		goto fail_unlink;
	sk->th_ok = true;
	*out = sk;
	return 0;
fail_unlink:
	unlink(path);
fail:
	sk->dev = 0;
	sk->ino = 0;
	p9_sock_stop(sk);
	return err;
}

void p9_sock_stop(struct p9_sock *sk)
{
	struct p9_conn *c;
	uint64_t one = 1;
	struct stat st;

	if (!sk)
		return;
	if (sk->stopfd >= 0)
		(void)!write(sk->stopfd, &one, sizeof(one));
	if (sk->th_ok)
		pthread_join(sk->th, NULL);
	/* Wake connections blocked writing to a client that reads not. */
	pthread_mutex_lock(&sk->lock);
	for (c = sk->conns; c; c = c->next)
		shutdown(c->fd, SHUT_RDWR);
	pthread_mutex_unlock(&sk->lock);
	reap(sk, true);
	if (sk->lfd >= 0)
		close(sk->lfd);
	if (sk->stopfd >= 0)
		close(sk->stopfd);
	/* Only the file we made (someone may have replaced it). */
	if (sk->path && sk->ino && lstat(sk->path, &st) == 0 &&
	    st.st_dev == sk->dev && st.st_ino == sk->ino)
		unlink(sk->path);
	pthread_mutex_destroy(&sk->lock);
	free(sk->path);
	free(sk);
}
