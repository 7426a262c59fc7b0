/* SPDX-License-Identifier: MIT */
/*
 * p9test.h - a 9P2000.L client for the server's unit tests (header only):
 * builds requests with p9wire.h's cursor, hands them to p9_handle through
 * an in-memory transport and checks every reply against the server's
 * contract before the test looks at it:
 *   - exactly one reply committed (reserve/commit pairs; a commit of 0
 *     gives the room back), with the request's tag, its size field equal
 *     to what was committed, never more than reserved nor than msize;
 *   - Rread/Rreaddir at most 11 + count, Rwalk at most 9 + 13 * nwname
 *     (or an Rlerror: Linux's buffers hold at least one);
 *   - R type = T type + 1, or Rlerror.
 * The transport can split its room in two pieces at any byte (as a ring
 * that wraps), so headers and data straddle.
 *
 * Helpers return 0 (or a count) on success, -errno for Rlerror.
 */
#ifndef XENPVD_TESTS_9PFS_P9TEST_H
#define XENPVD_TESTS_9PFS_P9TEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "p9srv.h"
#include "p9wire.h"
#include "test-util.h"

#define T_MAXMSG (1u << 20)

/* CHECK for code that runs in several threads at once (the transport,
 * the request helpers): the count is atomic. */
#define T_CHECK(cond, ...)                                                     \
	do {                                                                   \
		__atomic_add_fetch(&test_nchecks, 1, __ATOMIC_RELAXED);        \
		if (!(cond)) {                                                 \
			test_reportf(__FILE__, __LINE__, #cond, __VA_ARGS__);  \
			exit(1);                                               \
		}                                                              \
	} while (0)

/* EXPECT for two values (as long long), both printed on failure; _ERR
 * for -errno results, printed with their names too.  Thread-safe counts
 * as T_CHECK (the test's EXPECT/CHECK are not: not while threads run). */
#define EXPECT_EQ(got, want)                                                   \
	do {                                                                   \
		long long t_got_ = (long long)(got);                           \
		long long t_want_ = (long long)(want);                         \
		__atomic_add_fetch(&test_nchecks, 1, __ATOMIC_RELAXED);        \
		if (t_got_ != t_want_) {                                       \
			test_reportf(__FILE__, __LINE__, #got " == " #want,    \
				     "%lld, want %lld", t_got_, t_want_);      \
			__atomic_add_fetch(&test_failures, 1,                  \
					   __ATOMIC_RELAXED);                  \
		}                                                              \
	} while (0)

#define EXPECT_EQ_ERR(got, want)                                               \
	do {                                                                   \
		long long t_got_ = (long long)(got);                           \
		long long t_want_ = (long long)(want);                         \
		__atomic_add_fetch(&test_nchecks, 1, __ATOMIC_RELAXED);        \
		if (t_got_ != t_want_) {                                       \
			test_reportf(                                          \
			    __FILE__, __LINE__, #got " == " #want,             \
			    "%lld (%s), want %lld (%s)", t_got_,               \
			    t_got_ < 0 ? strerror((int)-t_got_) : "", t_want_, \
			    t_want_ < 0 ? strerror((int)-t_want_) : "");       \
			__atomic_add_fetch(&test_failures, 1,                  \
					   __ATOMIC_RELAXED);                  \
		}                                                              \
	} while (0)

/* One p9_handle call's transport. */
struct t_call {
	uint8_t *a, *b; /* the two pieces of room */
	size_t split;	/* 0: one piece */
	size_t reserved;
	int nreserve, nnonzero;
	uint8_t *reply; /* what was committed, contiguous */
	size_t rlen;
	size_t max_reserved;
};

static inline int t_reserve(void *opaque, size_t max, struct iovec iov[2])
{
	struct t_call *t = opaque;

	t->nreserve++;
	t->reserved = max;
	if (max > t->max_reserved)
		t->max_reserved = max;
	if (t->split && max > t->split) {
		iov[0].iov_base = t->a;
		iov[0].iov_len = t->split;
		iov[1].iov_base = t->b;
		iov[1].iov_len = max - t->split;
		return 2;
	}
	iov[0].iov_base = t->a;
	iov[0].iov_len = max;
	return 1;
}

static inline void t_commit(void *opaque, size_t len)
{
	struct t_call *t = opaque;
	size_t k;

	T_CHECK(len <= t->reserved, "commit %zu > reserved %zu", len,
		t->reserved);
	t->reserved = 0;
	if (!len)
		return;
	t->nnonzero++;
	k = t->split && len > t->split ? t->split : len;
	memcpy(t->reply, t->a, k);
	if (len > k)
		memcpy(t->reply + k, t->b, len - k);
	t->rlen = len;
}

static const struct p9_reply_ops t_ops = {
    .reserve = t_reserve,
    .commit = t_commit,
};

/* The client: one session, one request at a time. */
struct t_client {
	struct p9_session *s;
	uint32_t msize; /* negotiated (for the checks) */
	uint16_t tag;
	uint8_t *req; /* the request being built */
	struct p9_cur q;
	struct t_call call;
	struct p9_cur r; /* the reply's body, after send */
	uint8_t rtype;
	size_t limit; /* max reply for this request */
	uint64_t taken_ns; /* given as p9_req.taken_ns (0: none) */
};

static inline uint8_t *t_alloc(size_t n)
{
	uint8_t *p = calloc(1, n);

	T_CHECK(p != NULL, "%s", "false");
	return p;
}

static inline void t_client_init(struct t_client *c, struct p9_session *s)
{
	memset(c, 0, sizeof(*c));
	c->s = s;
	c->tag = 1;
	c->req = t_alloc(T_MAXMSG);
	c->call.a = t_alloc(T_MAXMSG);
	c->call.b = t_alloc(T_MAXMSG);
	c->call.reply = t_alloc(T_MAXMSG);
}

static inline void t_client_fini(struct t_client *c)
{
	free(c->req);
	free(c->call.a);
	free(c->call.b);
	free(c->call.reply);
}

static inline void t_begin(struct t_client *c, uint8_t type)
{
	p9_cur_init(&c->q, c->req, T_MAXMSG);
	p9_begin(&c->q, type, c->tag);
	c->limit = 0;
}

/* Sends the raw message req[0..len) (its size field as it is): the reply
 * type's result: 0, or -ecode for Rlerror. */
static inline int t_send_raw(struct t_client *c, const uint8_t *msg, size_t len,
			     const struct iovec *data, int ndata, uint32_t size)
{
	struct p9_req rq = {
	    .msg = msg,
	    .len = len,
	    .size = size,
	    .data = data,
	    .ndata = ndata,
	    .taken_ns = c->taken_ns,
	};
	uint8_t ttype = len >= 5 ? msg[4] : 0;
	uint16_t ttag = len >= 7 ? (uint16_t)p9_le_get(msg + 5, 2) : P9_NOTAG;
	uint32_t rsize, msize;
	int rc;

	c->call.nreserve = 0;
	c->call.nnonzero = 0;
	c->call.rlen = 0;
	c->call.max_reserved = 0;
	rc = p9_handle(c->s, &rq, &t_ops, &c->call);
	T_CHECK(rc == 0, "p9_handle: %d", rc);
	T_CHECK(c->call.nnonzero == 1, "%d replies to type %u",
		c->call.nnonzero, ttype);
	T_CHECK(c->call.rlen >= P9_HDR_SIZE, "%s", "false");
	rsize = (uint32_t)p9_le_get(c->call.reply, 4);
	T_CHECK(rsize == c->call.rlen, "size field %u, committed %zu", rsize,
		c->call.rlen);
	T_CHECK(p9_le_get(c->call.reply + 5, 2) == ttag, "tag %u, want %u",
		(unsigned int)p9_le_get(c->call.reply + 5, 2), ttag);
	msize = p9_session_msize(c->s);
	if (msize)
		T_CHECK(c->call.max_reserved <= msize,
			"reserved %zu > msize %u", c->call.max_reserved, msize);
	/* Linux sizes a reply's buffer as max(the reply, an Rlerror). */
	if (c->limit && c->limit < 11)
		c->limit = 11;
	if (c->limit)
		T_CHECK(c->call.rlen <= c->limit,
			"reply of %zu bytes > %zu asked (type %u)",
			c->call.rlen, c->limit, ttype);
	c->rtype = c->call.reply[4];
	p9_cur_init(&c->r, c->call.reply, c->call.rlen);
	c->r.pos = P9_HDR_SIZE;
	if (c->rtype == P9_RLERROR) {
		T_CHECK(c->call.rlen == 11, "Rlerror of %zu bytes",
			c->call.rlen);
		return -(int)p9_get32(&c->r);
	}
	T_CHECK(c->rtype == ttype + 1, "reply type %u to %u", c->rtype, ttype);
	return 0;
}

static inline int t_send(struct t_client *c)
{
	int len = p9_end(&c->q);

	T_CHECK(len > 0, "%s", "false");
	c->tag = (uint16_t)(c->tag % 60000 + 1);
	return t_send_raw(c, c->req, (size_t)len, NULL, 0, (uint32_t)len);
}

/* ---- one helper per request ---- */

static inline int t_version(struct t_client *c, uint32_t msize, const char *v,
			    uint32_t *rmsize, char *rv, size_t rvsize)
{
	const char *s;
	uint16_t n;
	int err;

	t_begin(c, P9_TVERSION);
	p9_put32(&c->q, msize);
	p9_putstr(&c->q, v, strlen(v));
	err = t_send(c);
	if (err)
		return err;
	*rmsize = p9_get32(&c->r);
	p9_getstr(&c->r, &s, &n);
	T_CHECK(!c->r.err && n < rvsize, "%s", "false");
	memcpy(rv, s, n);
	rv[n] = '\0';
	c->msize = *rmsize;
	return 0;
}

static inline int t_attach(struct t_client *c, uint32_t fid, uint32_t afid,
			   const char *aname, uint32_t uid, struct p9_qid *q)
{
	int err;

	t_begin(c, P9_TATTACH);
	p9_put32(&c->q, fid);
	p9_put32(&c->q, afid);
	p9_putstr(&c->q, "root", 4);
	p9_putstr(&c->q, aname, strlen(aname));
	p9_put32(&c->q, uid);
	err = t_send(c);
	if (!err && q)
		p9_getqid(&c->r, q);
	return err;
}

static inline int t_auth(struct t_client *c, uint32_t afid)
{
	t_begin(c, P9_TAUTH);
	p9_put32(&c->q, afid);
	p9_putstr(&c->q, "root", 4);
	p9_putstr(&c->q, "", 0);
	p9_put32(&c->q, 0);
	return t_send(c);
}

/* Names with explicit lengths (so that they may hold NULs). */
static inline int t_walkn(struct t_client *c, uint32_t fid, uint32_t newfid,
			  unsigned int n, const char *const *names,
			  const size_t *lens, struct p9_qid *qids)
{
	unsigned int i, nq;
	int err;

	t_begin(c, P9_TWALK);
	p9_put32(&c->q, fid);
	p9_put32(&c->q, newfid);
	p9_put16(&c->q, (uint16_t)n);
	for (i = 0; i < n; i++)
		p9_putstr(&c->q, names[i], lens ? lens[i] : strlen(names[i]));
	c->limit = 9 + 13 * (size_t)(n > P9_MAXWELEM ? 0 : n);
	if (n > P9_MAXWELEM)
		c->limit = 11;
	err = t_send(c);
	if (err)
		return err;
	nq = p9_get16(&c->r);
	T_CHECK(nq <= n, "%s", "false");
	for (i = 0; i < nq; i++) {
		if (qids)
			p9_getqid(&c->r, &qids[i]);
		else
			(void)p9_cur_take(&c->r, P9_QID_SIZE, -EBADMSG);
	}
	T_CHECK(!c->r.err, "%s", "false");
	return (int)nq;
}

static inline int t_walk(struct t_client *c, uint32_t fid, uint32_t newfid,
			 unsigned int n, const char *const *names,
			 struct p9_qid *qids)
{
	return t_walkn(c, fid, newfid, n, names, NULL, qids);
}

/* Walks one path "a/b/c" (split on '/'): the number of names walked, or
 * -errno. */
static inline int t_walkp(struct t_client *c, uint32_t fid, uint32_t newfid,
			  const char *path, struct p9_qid *last)
{
	const char *names[P9_MAXWELEM];
	struct p9_qid qids[P9_MAXWELEM];
	char buf[1024];
	unsigned int n = 0;
	char *p, *save = NULL;
	int r;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strtok_r(buf, "/", &save); p && n < P9_MAXWELEM;
	     p = strtok_r(NULL, "/", &save))
		names[n++] = p;
	r = t_walk(c, fid, newfid, n, names, qids);
	if (r > 0 && last)
		*last = qids[r - 1];
	return r;
}

static inline int t_clunk(struct t_client *c, uint32_t fid)
{
	t_begin(c, P9_TCLUNK);
	p9_put32(&c->q, fid);
	return t_send(c);
}

static inline int t_remove(struct t_client *c, uint32_t fid)
{
	t_begin(c, P9_TREMOVE);
	p9_put32(&c->q, fid);
	return t_send(c);
}

static inline int t_lopen(struct t_client *c, uint32_t fid, uint32_t flags,
			  struct p9_qid *q)
{
	int err;

	t_begin(c, P9_TLOPEN);
	p9_put32(&c->q, fid);
	p9_put32(&c->q, flags);
	err = t_send(c);
	if (!err && q)
		p9_getqid(&c->r, q);
	return err;
}

static inline int t_lcreate(struct t_client *c, uint32_t fid, const char *name,
			    uint32_t flags, uint32_t mode, uint32_t gid,
			    struct p9_qid *q)
{
	int err;

	t_begin(c, P9_TLCREATE);
	p9_put32(&c->q, fid);
	p9_putstr(&c->q, name, strlen(name));
	p9_put32(&c->q, flags);
	p9_put32(&c->q, mode);
	p9_put32(&c->q, gid);
	err = t_send(c);
	if (!err && q)
		p9_getqid(&c->r, q);
	return err;
}

/* Reads into buf (at least count bytes): the count read, or -errno. */
static inline int t_read(struct t_client *c, uint32_t fid, uint64_t off,
			 uint32_t count, void *buf)
{
	uint32_t n;
	int err;

	t_begin(c, P9_TREAD);
	p9_put32(&c->q, fid);
	p9_put64(&c->q, off);
	p9_put32(&c->q, count);
	c->limit = P9_RREAD_HDR + (size_t)count;
	err = t_send(c);
	if (err)
		return err;
	n = p9_get32(&c->r);
	T_CHECK(c->call.rlen == P9_RREAD_HDR + (size_t)n,
		"Rread of %zu bytes, count %u", c->call.rlen, n);
	T_CHECK(n <= count, "%s", "false");
	if (buf && n)
		memcpy(buf, c->call.reply + P9_RREAD_HDR, n);
	return (int)n;
}

static inline int t_write(struct t_client *c, uint32_t fid, uint64_t off,
			  const void *data, uint32_t len)
{
	int err;

	t_begin(c, P9_TWRITE);
	p9_put32(&c->q, fid);
	p9_put64(&c->q, off);
	p9_put32(&c->q, len);
	if (len) {
		uint8_t *p = p9_cur_take(&c->q, len, -EMSGSIZE);

		T_CHECK(p != NULL, "%s", "false");
		memcpy(p, data, len);
	}
	err = t_send(c);
	return err ? err : (int)p9_get32(&c->r);
}

/* Twrite with the payload in iovecs (as the ring transport gives it). */
static inline int t_writev(struct t_client *c, uint32_t fid, uint64_t off,
			   uint32_t count, const struct iovec *iov, int niov)
{
	size_t total = 0;
	int i, err;

	for (i = 0; i < niov; i++)
		total += iov[i].iov_len;
	t_begin(c, P9_TWRITE);
	p9_put32(&c->q, fid);
	p9_put64(&c->q, off);
	p9_put32(&c->q, count);
	T_CHECK(p9_end(&c->q) == P9_TWRITE_HDR, "%s", "false");
	p9_le_put(c->req, P9_TWRITE_HDR + total, 4);
	c->tag = (uint16_t)(c->tag % 60000 + 1);
	err = t_send_raw(c, c->req, P9_TWRITE_HDR, iov, niov,
			 (uint32_t)(P9_TWRITE_HDR + total));
	return err ? err : (int)p9_get32(&c->r);
}

struct t_attr {
	uint64_t valid;
	struct p9_qid qid;
	uint32_t mode, uid, gid;
	uint64_t nlink, rdev, size, blksize, blocks;
	uint64_t atime[2], mtime[2], ctime[2], btime[2];
};

static inline int t_getattr(struct t_client *c, uint32_t fid, struct t_attr *a)
{
	int err;

	t_begin(c, P9_TGETATTR);
	p9_put32(&c->q, fid);
	p9_put64(&c->q, P9_GETATTR_ALL);
	err = t_send(c);
	if (err)
		return err;
	a->valid = p9_get64(&c->r);
	p9_getqid(&c->r, &a->qid);
	a->mode = p9_get32(&c->r);
	a->uid = p9_get32(&c->r);
	a->gid = p9_get32(&c->r);
	a->nlink = p9_get64(&c->r);
	a->rdev = p9_get64(&c->r);
	a->size = p9_get64(&c->r);
	a->blksize = p9_get64(&c->r);
	a->blocks = p9_get64(&c->r);
	a->atime[0] = p9_get64(&c->r);
	a->atime[1] = p9_get64(&c->r);
	a->mtime[0] = p9_get64(&c->r);
	a->mtime[1] = p9_get64(&c->r);
	a->ctime[0] = p9_get64(&c->r);
	a->ctime[1] = p9_get64(&c->r);
	a->btime[0] = p9_get64(&c->r);
	a->btime[1] = p9_get64(&c->r);
	(void)p9_get64(&c->r);
	(void)p9_get64(&c->r);
	T_CHECK(!c->r.err && p9_cur_left(&c->r) == 0, "%s", "false");
	return 0;
}

static inline int t_setattr(struct t_client *c, uint32_t fid, uint32_t valid,
			    uint32_t mode, uint32_t uid, uint32_t gid,
			    uint64_t size, uint64_t as, uint64_t an,
			    uint64_t ms, uint64_t mn)
{
	t_begin(c, P9_TSETATTR);
	p9_put32(&c->q, fid);
	p9_put32(&c->q, valid);
	p9_put32(&c->q, mode);
	p9_put32(&c->q, uid);
	p9_put32(&c->q, gid);
	p9_put64(&c->q, size);
	p9_put64(&c->q, as);
	p9_put64(&c->q, an);
	p9_put64(&c->q, ms);
	p9_put64(&c->q, mn);
	return t_send(c);
}

static inline int t_mkdir(struct t_client *c, uint32_t fid, const char *name,
			  uint32_t mode, uint32_t gid, struct p9_qid *q)
{
	int err;

	t_begin(c, P9_TMKDIR);
	p9_put32(&c->q, fid);
	p9_putstr(&c->q, name, strlen(name));
	p9_put32(&c->q, mode);
	p9_put32(&c->q, gid);
	err = t_send(c);
	if (!err && q)
		p9_getqid(&c->r, q);
	return err;
}

static inline int t_mknod(struct t_client *c, uint32_t fid, const char *name,
			  uint32_t mode, uint32_t major, uint32_t minor,
			  struct p9_qid *q)
{
	int err;

	t_begin(c, P9_TMKNOD);
	p9_put32(&c->q, fid);
	p9_putstr(&c->q, name, strlen(name));
	p9_put32(&c->q, mode);
	p9_put32(&c->q, major);
	p9_put32(&c->q, minor);
	p9_put32(&c->q, 0);
	err = t_send(c);
	if (!err && q)
		p9_getqid(&c->r, q);
	return err;
}

static inline int t_symlink(struct t_client *c, uint32_t fid, const char *name,
			    const char *target, struct p9_qid *q)
{
	int err;

	t_begin(c, P9_TSYMLINK);
	p9_put32(&c->q, fid);
	p9_putstr(&c->q, name, strlen(name));
	p9_putstr(&c->q, target, strlen(target));
	p9_put32(&c->q, 0);
	err = t_send(c);
	if (!err && q)
		p9_getqid(&c->r, q);
	return err;
}

static inline int t_readlink(struct t_client *c, uint32_t fid, char *buf,
			     size_t size)
{
	const char *s;
	uint16_t n;
	int err;

	t_begin(c, P9_TREADLINK);
	p9_put32(&c->q, fid);
	err = t_send(c);
	if (err)
		return err;
	p9_getstr(&c->r, &s, &n);
	T_CHECK(!c->r.err && n < size, "%s", "false");
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

static inline int t_link(struct t_client *c, uint32_t dfid, uint32_t fid,
			 const char *name)
{
	t_begin(c, P9_TLINK);
	p9_put32(&c->q, dfid);
	p9_put32(&c->q, fid);
	p9_putstr(&c->q, name, strlen(name));
	return t_send(c);
}

static inline int t_rename(struct t_client *c, uint32_t fid, uint32_t dfid,
			   const char *name)
{
	t_begin(c, P9_TRENAME);
	p9_put32(&c->q, fid);
	p9_put32(&c->q, dfid);
	p9_putstr(&c->q, name, strlen(name));
	return t_send(c);
}

static inline int t_renameat(struct t_client *c, uint32_t ofid, const char *on,
			     uint32_t nfid, const char *nn)
{
	t_begin(c, P9_TRENAMEAT);
	p9_put32(&c->q, ofid);
	p9_putstr(&c->q, on, strlen(on));
	p9_put32(&c->q, nfid);
	p9_putstr(&c->q, nn, strlen(nn));
	return t_send(c);
}

static inline int t_unlinkat(struct t_client *c, uint32_t fid, const char *name,
			     uint32_t flags)
{
	t_begin(c, P9_TUNLINKAT);
	p9_put32(&c->q, fid);
	p9_putstr(&c->q, name, strlen(name));
	p9_put32(&c->q, flags);
	return t_send(c);
}

static inline int t_fsync(struct t_client *c, uint32_t fid, uint32_t datasync)
{
	t_begin(c, P9_TFSYNC);
	p9_put32(&c->q, fid);
	p9_put32(&c->q, datasync);
	return t_send(c);
}

static inline int t_flush(struct t_client *c, uint16_t oldtag)
{
	t_begin(c, P9_TFLUSH);
	p9_put16(&c->q, oldtag);
	return t_send(c);
}

/* Tlock: the status, or -errno. */
static inline int t_lock(struct t_client *c, uint32_t fid, uint8_t type,
			 uint64_t start, uint64_t len)
{
	int err;

	t_begin(c, P9_TLOCK);
	p9_put32(&c->q, fid);
	p9_put8(&c->q, type);
	p9_put32(&c->q, 0);
	p9_put64(&c->q, start);
	p9_put64(&c->q, len);
	p9_put32(&c->q, 42);
	p9_putstr(&c->q, "client", 6);
	err = t_send(c);
	return err ? err : p9_get8(&c->r);
}

/* Tgetlock: the type answered, or -errno. */
static inline int t_getlock(struct t_client *c, uint32_t fid, uint8_t type,
			    uint64_t start, uint64_t len, uint64_t *rstart,
			    uint64_t *rlen)
{
	const char *s;
	uint16_t n;
	uint8_t t;
	int err;

	t_begin(c, P9_TGETLOCK);
	p9_put32(&c->q, fid);
	p9_put8(&c->q, type);
	p9_put64(&c->q, start);
	p9_put64(&c->q, len);
	p9_put32(&c->q, 42);
	p9_putstr(&c->q, "client", 6);
	err = t_send(c);
	if (err)
		return err;
	t = p9_get8(&c->r);
	*rstart = p9_get64(&c->r);
	*rlen = p9_get64(&c->r);
	(void)p9_get32(&c->r);
	p9_getstr(&c->r, &s, &n);
	T_CHECK(!c->r.err, "%s", "false");
	return t;
}

/* Txattrwalk: the size, or -errno. */
static inline int64_t t_xattrwalk(struct t_client *c, uint32_t fid,
				  uint32_t newfid, const char *name)
{
	int err;

	t_begin(c, P9_TXATTRWALK);
	p9_put32(&c->q, fid);
	p9_put32(&c->q, newfid);
	p9_putstr(&c->q, name, strlen(name));
	err = t_send(c);
	return err ? err : (int64_t)p9_get64(&c->r);
}

static inline int t_xattrcreate(struct t_client *c, uint32_t fid,
				const char *name, uint64_t size, uint32_t flags)
{
	t_begin(c, P9_TXATTRCREATE);
	p9_put32(&c->q, fid);
	p9_putstr(&c->q, name, strlen(name));
	p9_put64(&c->q, size);
	p9_put32(&c->q, flags);
	return t_send(c);
}

#endif /* XENPVD_TESTS_9PFS_P9TEST_H */
