/* SPDX-License-Identifier: MIT */
/*
 * p9-client.c - the synchronous 9P2000.L client of the 9pfs channel:
 * fids, attach, walk, open and create, read and write (split, several
 * parts in flight), readdir, getattr, setattr (size), fsync, mkdir,
 * unlinkat, clunk.
 *
 * Guarantees:
 * - Every reply is read into a buffer sized to its message (Rwalk 9 + 13
 *   per name, Rread 11 + count, Rgetattr 160...), at least an Rlerror's
 *   11 bytes; a read's payload lands straight in the caller's buffer.
 *   Nothing is allocated per read or write part: Twrite parts are built
 *   in msize-sized buffers the handle keeps, made at the first write;
 *   T-messages of other calls in one buffer the handle grows to the
 *   largest seen; Rreaddir in one buffer made at the first readdir.
 * - Every reply is parsed with the bounds-checked cursor of p9wire.h and
 *   must be exactly as long as its fields say; anything else is -EPROTO
 *   for that call (the transport has already checked tag, type and size).
 * - Fids are the library's: a bitmap below P9F_MAX_FIDS, so none can
 *   collide with raw messages' fids (XPVF_9P_RAW_FID_BASE and up).  A
 *   walk that fails leaves no fid behind.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "p9-front.h"
#include "p9wire.h"

/* Replies, whole: header + body. */
#define RATTACH_SIZE (P9_HDR_SIZE + P9_QID_SIZE)
#define RWALK_SIZE(n) (P9_HDR_SIZE + 2u + P9_QID_SIZE * (n))
#define RLOPEN_SIZE (P9_HDR_SIZE + P9_QID_SIZE + 4u)
#define RMKDIR_SIZE (P9_HDR_SIZE + P9_QID_SIZE)
#define RGETATTR_SIZE (P9_HDR_SIZE + 8u + P9_QID_SIZE + 3u * 4u + 15u * 8u)
/* An empty reply is 7 bytes, but its buffer must hold an Rlerror. */
#define REMPTY_SIZE XPVF_9P_MIN_REPLY
/* A read or write is split over the rings in parts of at least this. */
#define RW_SPLIT_MIN (64u << 10)

/* Treaddir's count, at most (64 KiB is what Linux asks for too). */
#define READDIR_MAX 65536u

/* ---- set-up ---- */

int p9f_client_init(struct xpvf_9p *h)
{
	h->fids = calloc(P9F_MAX_FIDS / 32, sizeof(uint32_t));
	h->meta_cap = 256;
	h->meta = malloc(h->meta_cap);
	if (!h->fids || !h->meta)
		return -ENOMEM;
	return 0;
}

void p9f_client_free(struct xpvf_9p *h)
{
	free(h->dirbuf);
	free(h->meta);
	free(h->fids);
}

/* ---- fids ---- */

static int fid_alloc(struct xpvf_9p *h, uint32_t *fid)
{
	uint32_t n, f;

	for (n = 0; n < P9F_MAX_FIDS; n++) {
		f = (h->fid_hint + n) % P9F_MAX_FIDS;
		if (h->fids[f / 32] == UINT32_MAX) {
			n += 31 - f % 32;	/* the rest of a full word */
			continue;
		}
		if (h->fids[f / 32] & (1u << (f % 32)))
			continue;
		h->fids[f / 32] |= 1u << (f % 32);
		h->fid_hint = (f + 1) % P9F_MAX_FIDS;
		*fid = f;
		return 0;
	}
	return -EMFILE;
}

static bool fid_owned(const struct xpvf_9p *h, uint32_t fid)
{
	return fid < P9F_MAX_FIDS && (h->fids[fid / 32] & (1u << (fid % 32)));
}

static void fid_free(struct xpvf_9p *h, uint32_t fid)
{
	if (fid < P9F_MAX_FIDS)
		h->fids[fid / 32] &= ~(1u << (fid % 32));
}

/* ---- one message, synchronously ---- */

/*
 * A cursor on the handle's T-message buffer for a message of need bytes.
 * 0, -ENAMETOOLONG when it would not fit msize, or -ENOMEM.
 */
static int tmsg(struct xpvf_9p *h, size_t need, struct p9_cur *c)
{
	unsigned char *p;

	if (need > h->msize)
		return -ENAMETOOLONG;
	if (need > h->meta_cap) {
		p = realloc(h->meta, need);
		if (!p)
			return -ENOMEM;
		h->meta = p;
		h->meta_cap = need;
	}
	p9_cur_init(c, h->meta, need);
	return 0;
}

static int lerror(struct p9_cur *rc)
{
	uint32_t e = p9_get32(rc);

	if (rc->err || p9_cur_left(rc) || e == 0 || e > 4095)
		return -EPROTO;
	return -(int)e;
}

/* The reply's fields were all there, and nothing more. */
static int reply_end(const struct p9_cur *rc)
{
	return rc->err || p9_cur_left(rc) ? -EPROTO : 0;
}

/*
 * Sends the message built in c (its size is filled in here) and waits for
 * the reply, read into rbuf (rcap bytes, raised to an Rlerror's).  0 with
 * *rc on the reply's body, or -errno: the Rlerror's code, or the
 * transport's.
 */
static int rpc(struct xpvf_9p *h, struct p9_cur *c, unsigned char *rbuf,
	       uint32_t rcap, struct p9_cur *rc)
{
	struct p9f_sync s = { 0, false };
	uint8_t type;
	int n, err;

	n = p9_end(c);
	if (n < 0)
		return n;
	/* Every reply buffer here holds an Rlerror (11 bytes) at least:
	 * never claim more room than the caller's buffer has. */
	if (rcap < XPVF_9P_MIN_REPLY)
		return -EINVAL;
	for (;;) {
		err = p9f_submit(h, c->data, (uint32_t)n, rbuf, rcap, NULL, 0,
				 p9f_sync_done, &s);
		if (err != -EAGAIN)
			break;
		/* Every tag is taken (by raw messages): wait for one. */
		xpvf_9p_wait(h, -1);
	}
	if (err < 0)
		return err;
	/* Submitted: done runs (on failure too) inside the waits. */
	while (!s.done)
		xpvf_9p_wait(h, -1);
	if (s.result < 0)
		return s.result;
	p9_cur_init(rc, rbuf, (size_t)s.result);
	(void)p9_get32(rc);
	type = p9_get8(rc);
	(void)p9_get16(rc);
	/* The transport checked the type: ours + 1, or Rlerror. */
	if (type == P9_RLERROR)
		return lerror(rc);
	return rc->err ? -EPROTO : 0;
}

static void get_qid(struct p9_cur *rc, struct xpvf_9p_qid *qid)
{
	struct p9_qid q;

	p9_getqid(rc, &q);
	if (qid) {
		qid->type = q.type;
		qid->version = q.version;
		qid->path = q.path;
	}
}

/* Checks a name argument; its length in *len. */
static int name_len(const char *name, size_t *len)
{
	if (!name)
		return -EINVAL;
	*len = strlen(name);
	return *len > 0xffff ? -ENAMETOOLONG : 0;
}

/* ---- attach and walk ---- */

int xpvf_9p_attach(struct xpvf_9p *h, const char *uname, uint32_t n_uname,
		   const char *aname, uint32_t *fid, struct xpvf_9p_qid *qid)
{
	unsigned char rbuf[RATTACH_SIZE];
	struct p9_cur c, rc;
	size_t ul, al;
	uint32_t f;
	int err;

	if (!h || !fid)
		return -EINVAL;
	if (name_len(uname ? uname : "", &ul) < 0 ||
	    name_len(aname ? aname : "", &al) < 0)
		return -ENAMETOOLONG;
	err = p9f_state_err(h);
	if (err)
		return err;
	err = fid_alloc(h, &f);
	if (err)
		return err;
	err = tmsg(h, P9_HDR_SIZE + 4 + 4 + 2 + ul + 2 + al + 4, &c);
	if (err)
		goto fail;
	p9_begin(&c, P9_TATTACH, 0);
	p9_put32(&c, f);
	p9_put32(&c, P9_NOFID);
	p9_putstr(&c, uname ? uname : "", ul);
	p9_putstr(&c, aname ? aname : "", al);
	p9_put32(&c, n_uname);
	err = rpc(h, &c, rbuf, sizeof(rbuf), &rc);
	if (err)
		goto fail;
	get_qid(&rc, qid);
	err = reply_end(&rc);
	if (err) {
		/* The server made the fid; it must go. */
		xpvf_9p_clunk(h, f);
		return err;
	}
	*fid = f;
	return 0;

fail:
	fid_free(h, f);
	return err;
}

/* The next name of a path: skips empty components and ".".  false at the
 * end. */
static bool next_name(const char **p, const char **name, size_t *len)
{
	const char *s = *p, *e;

	for (;;) {
		while (*s == '/')
			s++;
		if (!*s) {
			*p = s;
			return false;
		}
		e = strchr(s, '/');
		if (!e)
			e = s + strlen(s);
		if (e - s == 1 && s[0] == '.') {
			s = e;
			continue;
		}
		*name = s;
		*len = (size_t)(e - s);
		*p = e;
		return true;
	}
}

/*
 * One Twalk of the names at *p (at most P9_MAXWELEM) from fid to newfid.
 * 0 when all were walked (*p is past them), -ENOENT when only some were,
 * or -errno.
 */
static int walk_part(struct xpvf_9p *h, uint32_t fid, uint32_t newfid,
		     const char **p)
{
	unsigned char rbuf[RWALK_SIZE(P9_MAXWELEM)];
	const char *names[P9_MAXWELEM], *q = *p, *nm;
	size_t lens[P9_MAXWELEM], need = P9_HDR_SIZE + 4 + 4 + 2, len;
	struct p9_cur c, rc;
	unsigned int k = 0, i;
	uint16_t nwqid;
	int err;

	while (k < P9_MAXWELEM) {
		const char *before = q;

		if (!next_name(&q, &nm, &len)) {
			q = before;
			break;
		}
		if (len > 0xffff)
			return -ENAMETOOLONG;
		names[k] = nm;
		lens[k] = len;
		need += 2 + len;
		k++;
	}
	err = tmsg(h, need, &c);
	if (err)
		return err;
	p9_begin(&c, P9_TWALK, 0);
	p9_put32(&c, fid);
	p9_put32(&c, newfid);
	p9_put16(&c, (uint16_t)k);
	for (i = 0; i < k; i++)
		p9_putstr(&c, names[i], lens[i]);
	/* Sized to the names asked for, and to an Rlerror at least (a
	 * clone's Rwalk is 9 bytes); rbuf holds either. */
	err = rpc(h, &c, rbuf, RWALK_SIZE(k) < XPVF_9P_MIN_REPLY ?
		  XPVF_9P_MIN_REPLY : RWALK_SIZE(k), &rc);
	if (err)
		return err;
	nwqid = p9_get16(&rc);
	if (nwqid > k)
		return -EPROTO;
	(void)p9_cur_take(&rc, (size_t)nwqid * P9_QID_SIZE, -EBADMSG);
	err = reply_end(&rc);
	if (err)
		return err;
	*p = q;
	return nwqid < k ? -ENOENT : 0;
}

int xpvf_9p_walk(struct xpvf_9p *h, uint32_t fid, const char *path,
		 uint32_t *newfid)
{
	const char *p = path, *peek, *nm;
	uint32_t nf;
	size_t len;
	int err;

	if (!h || !path || !newfid)
		return -EINVAL;
	err = p9f_state_err(h);
	if (err)
		return err;
	err = fid_alloc(h, &nf);
	if (err)
		return err;
	/* The first walk makes newfid (only if it walks every name: a
	 * partial walk creates nothing). */
	err = walk_part(h, fid, nf, &p);
	if (err) {
		fid_free(h, nf);
		return err;
	}
	/* Then newfid walks itself, 16 names at a time; a failure leaves it
	 * half way, so it is clunked. */
	for (;;) {
		peek = p;
		if (!next_name(&peek, &nm, &len))
			break;
		err = walk_part(h, nf, nf, &p);
		if (err) {
			xpvf_9p_clunk(h, nf);
			return err;
		}
	}
	*newfid = nf;
	return 0;
}

/* ---- open, create, directories ---- */

int xpvf_9p_lopen(struct xpvf_9p *h, uint32_t fid, uint32_t flags,
		  struct xpvf_9p_qid *qid)
{
	unsigned char rbuf[RLOPEN_SIZE];
	struct p9_cur c, rc;
	int err;

	if (!h)
		return -EINVAL;
	err = tmsg(h, P9_HDR_SIZE + 4 + 4, &c);
	if (err)
		return err;
	p9_begin(&c, P9_TLOPEN, 0);
	p9_put32(&c, fid);
	p9_put32(&c, flags);
	err = rpc(h, &c, rbuf, sizeof(rbuf), &rc);
	if (err)
		return err;
	get_qid(&rc, qid);
	(void)p9_get32(&rc);	/* iounit: parts follow msize */
	return reply_end(&rc);
}

int xpvf_9p_lcreate(struct xpvf_9p *h, uint32_t dirfid, const char *name,
		    uint32_t flags, uint32_t mode, uint32_t gid,
		    struct xpvf_9p_qid *qid)
{
	unsigned char rbuf[RLOPEN_SIZE];
	struct p9_cur c, rc;
	size_t len;
	int err;

	if (!h)
		return -EINVAL;
	err = name_len(name, &len);
	if (err)
		return err;
	err = tmsg(h, P9_HDR_SIZE + 4 + 2 + len + 4 + 4 + 4, &c);
	if (err)
		return err;
	p9_begin(&c, P9_TLCREATE, 0);
	p9_put32(&c, dirfid);
	p9_putstr(&c, name, len);
	p9_put32(&c, flags);
	p9_put32(&c, mode);
	p9_put32(&c, gid);
	err = rpc(h, &c, rbuf, sizeof(rbuf), &rc);
	if (err)
		return err;
	get_qid(&rc, qid);
	(void)p9_get32(&rc);	/* iounit */
	return reply_end(&rc);
}

int xpvf_9p_mkdir(struct xpvf_9p *h, uint32_t dfid, const char *name,
		  uint32_t mode, uint32_t gid, struct xpvf_9p_qid *qid)
{
	unsigned char rbuf[RMKDIR_SIZE];
	struct p9_cur c, rc;
	size_t len;
	int err;

	if (!h)
		return -EINVAL;
	err = name_len(name, &len);
	if (err)
		return err;
	err = tmsg(h, P9_HDR_SIZE + 4 + 2 + len + 4 + 4, &c);
	if (err)
		return err;
	p9_begin(&c, P9_TMKDIR, 0);
	p9_put32(&c, dfid);
	p9_putstr(&c, name, len);
	p9_put32(&c, mode);
	p9_put32(&c, gid);
	err = rpc(h, &c, rbuf, sizeof(rbuf), &rc);
	if (err)
		return err;
	get_qid(&rc, qid);
	return reply_end(&rc);
}

int xpvf_9p_unlinkat(struct xpvf_9p *h, uint32_t dfid, const char *name,
		     uint32_t flags)
{
	unsigned char rbuf[REMPTY_SIZE];
	struct p9_cur c, rc;
	size_t len;
	int err;

	if (!h)
		return -EINVAL;
	err = name_len(name, &len);
	if (err)
		return err;
	err = tmsg(h, P9_HDR_SIZE + 4 + 2 + len + 4, &c);
	if (err)
		return err;
	p9_begin(&c, P9_TUNLINKAT, 0);
	p9_put32(&c, dfid);
	p9_putstr(&c, name, len);
	p9_put32(&c, flags);
	err = rpc(h, &c, rbuf, sizeof(rbuf), &rc);
	return err ? err : reply_end(&rc);
}

int xpvf_9p_clunk(struct xpvf_9p *h, uint32_t fid)
{
	unsigned char rbuf[REMPTY_SIZE];
	struct p9_cur c, rc;
	int err;

	if (!h)
		return -EINVAL;
	if (!fid_owned(h, fid))
		return -EBADF;
	err = tmsg(h, P9_HDR_SIZE + 4, &c);
	if (!err) {
		p9_begin(&c, P9_TCLUNK, 0);
		p9_put32(&c, fid);
		err = rpc(h, &c, rbuf, sizeof(rbuf), &rc);
		if (!err)
			err = reply_end(&rc);
	}
	/* Whatever the answer, the fid is over (9P's clunk rule). */
	fid_free(h, fid);
	return err;
}

/* ---- attributes ---- */

int xpvf_9p_getattr(struct xpvf_9p *h, uint32_t fid, struct xpvf_9p_attr *a)
{
	unsigned char rbuf[RGETATTR_SIZE];
	struct p9_cur c, rc;
	int err;

	if (!h || !a)
		return -EINVAL;
	err = tmsg(h, P9_HDR_SIZE + 4 + 8, &c);
	if (err)
		return err;
	p9_begin(&c, P9_TGETATTR, 0);
	p9_put32(&c, fid);
	p9_put64(&c, P9_GETATTR_ALL);
	err = rpc(h, &c, rbuf, sizeof(rbuf), &rc);
	if (err)
		return err;
	a->valid = p9_get64(&rc);
	get_qid(&rc, &a->qid);
	a->mode = p9_get32(&rc);
	a->uid = p9_get32(&rc);
	a->gid = p9_get32(&rc);
	a->nlink = p9_get64(&rc);
	a->rdev = p9_get64(&rc);
	a->size = p9_get64(&rc);
	a->blksize = p9_get64(&rc);
	a->blocks = p9_get64(&rc);
	a->atime_sec = p9_get64(&rc);
	a->atime_nsec = p9_get64(&rc);
	a->mtime_sec = p9_get64(&rc);
	a->mtime_nsec = p9_get64(&rc);
	a->ctime_sec = p9_get64(&rc);
	a->ctime_nsec = p9_get64(&rc);
	a->btime_sec = p9_get64(&rc);
	a->btime_nsec = p9_get64(&rc);
	a->gen = p9_get64(&rc);
	a->data_version = p9_get64(&rc);
	return reply_end(&rc);
}

int xpvf_9p_truncate(struct xpvf_9p *h, uint32_t fid, uint64_t size)
{
	unsigned char rbuf[REMPTY_SIZE];
	struct p9_cur c, rc;
	int err;

	if (!h)
		return -EINVAL;
	err = tmsg(h, P9_HDR_SIZE + 4 + 4 * 4 + 5 * 8, &c);
	if (err)
		return err;
	p9_begin(&c, P9_TSETATTR, 0);
	p9_put32(&c, fid);
	p9_put32(&c, P9_SETATTR_SIZE);
	p9_put32(&c, 0);	/* mode */
	p9_put32(&c, 0);	/* uid */
	p9_put32(&c, 0);	/* gid */
	p9_put64(&c, size);
	p9_put64(&c, 0);	/* atime */
	p9_put64(&c, 0);
	p9_put64(&c, 0);	/* mtime */
	p9_put64(&c, 0);
	err = rpc(h, &c, rbuf, sizeof(rbuf), &rc);
	return err ? err : reply_end(&rc);
}

int xpvf_9p_fsync(struct xpvf_9p *h, uint32_t fid, int datasync)
{
	unsigned char rbuf[REMPTY_SIZE];
	struct p9_cur c, rc;
	int err;

	if (!h)
		return -EINVAL;
	err = tmsg(h, P9_HDR_SIZE + 4 + 4, &c);
	if (err)
		return err;
	p9_begin(&c, P9_TFSYNC, 0);
	p9_put32(&c, fid);
	p9_put32(&c, datasync ? 1 : 0);
	err = rpc(h, &c, rbuf, sizeof(rbuf), &rc);
	return err ? err : reply_end(&rc);
}

/* ---- readdir ---- */

int xpvf_9p_readdir(struct xpvf_9p *h, uint32_t fid, uint64_t *cookie,
		    xpvf_9p_dirent_fn fn, void *opaque)
{
	struct xpvf_9p_dirent e;
	struct p9_cur c, rc, chk;
	unsigned char t[P9_HDR_SIZE + 4 + 8 + 4];
	const char *name;
	uint32_t count;
	uint16_t nlen;
	struct p9_qid q;
	char *nm, saved;
	int err, n = 0;

	if (!h || !cookie || !fn)
		return -EINVAL;
	err = p9f_state_err(h);
	if (err)
		return err;
	if (!h->dirbuf) {
		h->dir_count = h->msize - P9_RREAD_HDR;
		if (h->dir_count > READDIR_MAX)
			h->dir_count = READDIR_MAX;
		/* One byte more: each name is NUL-terminated in place. */
		h->dirbuf = malloc(P9_RREAD_HDR + h->dir_count + 1);
		if (!h->dirbuf)
			return -ENOMEM;
	}
	p9_cur_init(&c, t, sizeof(t));
	p9_begin(&c, P9_TREADDIR, 0);
	p9_put32(&c, fid);
	p9_put64(&c, *cookie);
	p9_put32(&c, h->dir_count);
	err = rpc(h, &c, h->dirbuf, P9_RREAD_HDR + h->dir_count, &rc);
	if (err)
		return err;
	count = p9_get32(&rc);
	if (rc.err || count != p9_cur_left(&rc))
		return -EPROTO;
	/* Check every entry before passing any. */
	chk = rc;
	while (!chk.err && p9_cur_left(&chk)) {
		p9_getqid(&chk, &q);
		(void)p9_get64(&chk);
		(void)p9_get8(&chk);
		p9_getstr(&chk, &name, &nlen);
	}
	if (chk.err)
		return -EPROTO;
	while (p9_cur_left(&rc)) {
		p9_getqid(&rc, &q);
		e.qid.type = q.type;
		e.qid.version = q.version;
		e.qid.path = q.path;
		e.offset = p9_get64(&rc);
		e.type = p9_get8(&rc);
		p9_getstr(&rc, &name, &nlen);
		/* The byte after the name is the next entry's (or the spare
		 * one): lend it a NUL for the call. */
		nm = (char *)(uintptr_t)name;
		saved = nm[nlen];
		nm[nlen] = '\0';
		e.name = nm;
		e.name_len = nlen;
		err = fn(opaque, &e);
		nm[nlen] = saved;
		*cookie = e.offset;
		n++;
		if (err)
			break;
	}
	return n;
}

/* ---- read and write ---- */

/* One part of a read or write in flight. */
struct rw_part {
	unsigned char t[P9_TWRITE_HDR];	/* a Tread (23 bytes too) */
	unsigned char r[P9_RREAD_HDR];	/* Rread/Rwrite header, Rlerror */
	struct p9f_sync s;
	uint32_t want;
};

/* Parts in flight at once: enough to keep every ring busy, fewer when
 * each part fills a ring. */
static unsigned int rw_depth(const struct xpvf_9p *h)
{
	uint64_t d = 2ull * h->nr * (XPV_FLEX_RING_SIZE(h->order) / h->msize);

	if (d < 2)
		d = 2;
	return d > P9F_RW_DEPTH ? P9F_RW_DEPTH : (unsigned int)d;
}

static int start_part(struct xpvf_9p *h, bool write, struct rw_part *p,
		      uint32_t fid, uint64_t off, unsigned char *buf,
		      uint32_t want)
{
	struct p9_cur c;
	int n;

	p->want = want;
	p->s.done = false;
	p->s.result = 0;
	if (!write) {
		p9_cur_init(&c, p->t, sizeof(p->t));
		p9_begin(&c, P9_TREAD, 0);
		p9_put32(&c, fid);
		p9_put64(&c, off);
		p9_put32(&c, want);
		n = p9_end(&c);
		if (n < 0)
			return n;
		/* The header (or an Rlerror) in p->r, the data in place. */
		return p9f_submit(h, p->t, (uint32_t)n, p->r, sizeof(p->r),
				  buf, want, p9f_sync_done, &p->s);
	}
	/* The header here, the payload from the caller's buffer: the
	 * frontend's one copy is into the ring. */
	p9_cur_init(&c, p->t, sizeof(p->t));
	p9_begin(&c, P9_TWRITE, 0);
	p9_put32(&c, fid);
	p9_put64(&c, off);
	p9_put32(&c, want);
	n = p9_end(&c);
	if (n < 0)
		return n;
	p9_le_put(p->t, (uint64_t)n + want, 4);
	return p9f_submit_pay(h, p->t, (uint32_t)n, buf, want, p->r,
			      sizeof(p->r), p9f_sync_done, &p->s);
}

/* A finished part: the bytes it moved, or -errno. */
static int64_t end_part(const struct rw_part *p)
{
	struct p9_cur rc;
	uint32_t count;
	uint8_t type;

	if (p->s.result < 0)
		return p->s.result;
	/* Rread's payload went to the caller: parse the header alone. */
	p9_cur_init(&rc, (void *)(uintptr_t)p->r,
		    p->s.result < (int)P9_RREAD_HDR ? (size_t)p->s.result :
						      P9_RREAD_HDR);
	(void)p9_get32(&rc);
	type = p9_get8(&rc);
	(void)p9_get16(&rc);
	if (type == P9_RLERROR)
		return (size_t)p->s.result == P9_RREAD_HDR ? lerror(&rc) :
							     -EPROTO;
	count = p9_get32(&rc);
	if (rc.err || count > p->want)
		return -EPROTO;
	if (type == P9_TREAD + 1 &&
	    (uint64_t)p->s.result != P9_RREAD_HDR + (uint64_t)count)
		return -EPROTO;
	if (type == P9_TWRITE + 1 && (size_t)p->s.result != P9_RREAD_HDR)
		return -EPROTO;
	return count;
}

/*
 * Splits [off, off + len) into parts and keeps up to rw_depth() in
 * flight; parts are accounted in order, so the result is the bytes moved
 * without a gap from off.  Every part started is waited for before
 * returning (its buffers are ours or the caller's).
 */
static int64_t rw(struct xpvf_9p *h, bool write, uint32_t fid, uint64_t off,
		  unsigned char *buf, size_t len)
{
	struct rw_part parts[P9F_RW_DEPTH];
	uint64_t issued = 0, total = 0, left;
	size_t per;
	unsigned int next = 0, acc = 0, depth;
	uint32_t max, want;
	int64_t got, end_err = 0;
	bool stop = false, ended = false, progress;
	int err, sub_err = 0;

	if (!h || (!buf && len))
		return -EINVAL;
	if ((uint64_t)len > INT64_MAX)
		return -EINVAL;
	err = p9f_state_err(h);
	if (err)
		return err;
	if (!len)
		return 0;
	max = h->msize - (write ? P9_TWRITE_HDR : P9_RREAD_HDR);
	/* A call of up to a few parts goes as one part per ring, served side
	 * by side, rather than as full parts one after the other (1 MiB at
	 * msize 1 MiB would be 1 MiB - 11 bytes, then 11). */
	if (h->nr > 1 && len > 2 * (size_t)RW_SPLIT_MIN) {
		per = (len + h->nr - 1) / h->nr;
		per = (per + 4095) & ~(size_t)4095;
		if (per < max)
			max = (uint32_t)per;
	}
	depth = rw_depth(h);
	for (;;) {
		progress = false;
		while (!stop && !ended && issued < len && next - acc < depth) {
			left = len - issued;
			want = left < max ? (uint32_t)left : max;
			err = start_part(h, write, &parts[next % depth], fid,
					 off + issued, buf + issued, want);
			if (err == -EAGAIN)
				break;	/* every tag taken: wait for one */
			if (err < 0) {
				stop = true;
				sub_err = err;
				break;
			}
			next++;
			issued += want;
			progress = true;
		}
		while (acc < next && parts[acc % depth].s.done) {
			got = end_part(&parts[acc % depth]);
			if (!ended) {
				if (got < 0) {
					ended = true;
					end_err = got;
				} else {
					total += (uint64_t)got;
					if ((uint64_t)got <
					    parts[acc % depth].want)
						ended = true;
				}
			}
			acc++;
			progress = true;
		}
		if (acc == next && (stop || ended || issued >= len))
			break;
		/* Parts ended: their slots take the next parts first. */
		if (!progress)
			xpvf_9p_wait(h, -1);
	}
	/* All parts before the one that could not be sent were whole. */
	if (!ended && sub_err)
		end_err = sub_err;
	return total ? (int64_t)total : end_err;
}

int64_t xpvf_9p_read(struct xpvf_9p *h, uint32_t fid, uint64_t off, void *buf,
		     size_t len)
{
	return rw(h, false, fid, off, buf, len);
}

int64_t xpvf_9p_write(struct xpvf_9p *h, uint32_t fid, uint64_t off,
		      const void *buf, size_t len)
{
	/* A write only reads buf. */
	return rw(h, true, fid, off, (unsigned char *)(uintptr_t)buf, len);
}
