/* SPDX-License-Identifier: MIT */
/*
 * p9wire.h - the 9P2000.L wire format: message numbers, the constants of
 * the Linux dialect (getattr/setattr masks, lock types, open flags) and a
 * bounds-checked little-endian cursor to read and write messages.  Shared
 * by the server (backend/9pfs) and the client (frontend/9pfs).
 *
 * Guarantees: a cursor never reads or writes outside the buffer it was
 * given, whatever the lengths inside the message say; its first error is
 * sticky (later gets return zeros, later puts write nothing), so a parser
 * may read a whole message and check the error once.  Strings are not
 * NUL-terminated on the wire: a get returns a pointer into the buffer and
 * a length.  No allocation, no logging, no state beyond the cursor.
 */
#ifndef XENPVD_COMMON_P9WIRE_H
#define XENPVD_COMMON_P9WIRE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- message types (T even, R = T + 1) ---- */

enum {
	P9_TLERROR = 6,	/* not sent; Rlerror = 7 */
	P9_RLERROR = 7,
	P9_TSTATFS = 8,
	P9_TLOPEN = 12,
	P9_TLCREATE = 14,
	P9_TSYMLINK = 16,
	P9_TMKNOD = 18,
	P9_TRENAME = 20,
	P9_TREADLINK = 22,
	P9_TGETATTR = 24,
	P9_TSETATTR = 26,
	P9_TXATTRWALK = 30,
	P9_TXATTRCREATE = 32,
	P9_TREADDIR = 40,
	P9_TFSYNC = 50,
	P9_TLOCK = 52,
	P9_TGETLOCK = 54,
	P9_TLINK = 70,
	P9_TMKDIR = 72,
	P9_TRENAMEAT = 74,
	P9_TUNLINKAT = 76,
	P9_TVERSION = 100,
	P9_TAUTH = 102,
	P9_TATTACH = 104,
	P9_TFLUSH = 108,
	P9_TWALK = 110,
	P9_TREAD = 116,
	P9_TWRITE = 118,
	P9_TCLUNK = 120,
	P9_TREMOVE = 122,
};

#define P9_HDR_SIZE 7u		/* size[4] type[1] tag[2] */
#define P9_NOTAG 0xffffu
#define P9_NOFID 0xffffffffu
#define P9_NONUNAME 0xffffffffu
#define P9_MAXWELEM 16u
#define P9_QID_SIZE 13u		/* type[1] version[4] path[8] */
/* Header of Rread/Rreaddir (size, type, tag, count[4]) and of Twrite
 * (size, type, tag, fid[4], offset[8], count[4]): the payload follows. */
#define P9_RREAD_HDR 11u
#define P9_TWRITE_HDR 23u
#define P9_MIN_MSIZE 4096u	/* below this a session is refused */

/* qid.type */
#define P9_QTDIR 0x80
#define P9_QTAPPEND 0x40
#define P9_QTEXCL 0x20
#define P9_QTSYMLINK 0x02
#define P9_QTFILE 0x00

/* Tgetattr request_mask / Rgetattr valid */
#define P9_GETATTR_MODE 0x00000001ull
#define P9_GETATTR_NLINK 0x00000002ull
#define P9_GETATTR_UID 0x00000004ull
#define P9_GETATTR_GID 0x00000008ull
#define P9_GETATTR_RDEV 0x00000010ull
#define P9_GETATTR_ATIME 0x00000020ull
#define P9_GETATTR_MTIME 0x00000040ull
#define P9_GETATTR_CTIME 0x00000080ull
#define P9_GETATTR_INO 0x00000100ull
#define P9_GETATTR_SIZE 0x00000200ull
#define P9_GETATTR_BLOCKS 0x00000400ull
#define P9_GETATTR_BTIME 0x00000800ull
#define P9_GETATTR_GEN 0x00001000ull
#define P9_GETATTR_DATA_VERSION 0x00002000ull
#define P9_GETATTR_BASIC 0x000007ffull
#define P9_GETATTR_ALL 0x00003fffull

/* Tsetattr valid */
#define P9_SETATTR_MODE 0x00000001u
#define P9_SETATTR_UID 0x00000002u
#define P9_SETATTR_GID 0x00000004u
#define P9_SETATTR_SIZE 0x00000008u
#define P9_SETATTR_ATIME 0x00000010u
#define P9_SETATTR_MTIME 0x00000020u
#define P9_SETATTR_CTIME 0x00000040u
#define P9_SETATTR_ATIME_SET 0x00000080u
#define P9_SETATTR_MTIME_SET 0x00000100u

/* Tlopen/Tlcreate flags: the Linux dialect's own numbers (Linux's
 * include/net/9p/9p.h), translated to the host's O_* by the server. */
#define P9_DOTL_RDONLY 00000000u
#define P9_DOTL_WRONLY 00000001u
#define P9_DOTL_RDWR 00000002u
#define P9_DOTL_NOACCESS 00000003u
#define P9_DOTL_CREATE 00000100u
#define P9_DOTL_EXCL 00000200u
#define P9_DOTL_NOCTTY 00000400u
#define P9_DOTL_TRUNC 00001000u
#define P9_DOTL_APPEND 00002000u
#define P9_DOTL_NONBLOCK 00004000u
#define P9_DOTL_DSYNC 00010000u
#define P9_DOTL_FASYNC 00020000u
#define P9_DOTL_DIRECT 00040000u
#define P9_DOTL_LARGEFILE 00100000u
#define P9_DOTL_DIRECTORY 00200000u
#define P9_DOTL_NOFOLLOW 00400000u
#define P9_DOTL_NOATIME 01000000u
#define P9_DOTL_CLOEXEC 02000000u
#define P9_DOTL_SYNC 04000000u

/* Tunlinkat flags */
#define P9_DOTL_AT_REMOVEDIR 0x200u

/* Tlock/Tgetlock */
#define P9_LOCK_TYPE_RDLCK 0
#define P9_LOCK_TYPE_WRLCK 1
#define P9_LOCK_TYPE_UNLCK 2
#define P9_LOCK_SUCCESS 0
#define P9_LOCK_BLOCKED 1
#define P9_LOCK_ERROR 2
#define P9_LOCK_GRACE 3
#define P9_LOCK_FLAGS_BLOCK 1u
#define P9_LOCK_FLAGS_RECLAIM 2u

struct p9_qid {
	uint8_t type;
	uint32_t version;
	uint64_t path;
};

/* ---- the cursor ---- */

/*
 * A window on a message: data[0..len), the next byte at pos.  err is 0
 * until an access falls outside the window: -EBADMSG for a get (the
 * message is shorter than its fields say), -EMSGSIZE for a put (the
 * answer does not fit).
 */
struct p9_cur {
	uint8_t *data;
	size_t len;
	size_t pos;
	int err;
};

static inline void p9_cur_init(struct p9_cur *c, void *data, size_t len)
{
	c->data = (uint8_t *)data;
	c->len = len;
	c->pos = 0;
	c->err = 0;
}

/* The bytes left after pos (0 after an error). */
static inline size_t p9_cur_left(const struct p9_cur *c)
{
	return c->err ? 0 : c->len - c->pos;
}

/* n bytes at pos, advanced over; NULL (and err) if fewer are left. */
static inline uint8_t *p9_cur_take(struct p9_cur *c, size_t n, int err)
{
	uint8_t *p;

	if (c->err)
		return NULL;
	if (n > c->len - c->pos) {
		c->err = err;
		return NULL;
	}
	p = c->data + c->pos;
	c->pos += n;
	return p;
}

static inline uint64_t p9_le_get(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

static inline void p9_le_put(uint8_t *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t p9_get_n(struct p9_cur *c, unsigned int n)
{
	const uint8_t *p = p9_cur_take(c, n, -EBADMSG);

	return p ? p9_le_get(p, n) : 0;
}

static inline uint8_t p9_get8(struct p9_cur *c)
{
	return (uint8_t)p9_get_n(c, 1);
}

static inline uint16_t p9_get16(struct p9_cur *c)
{
	return (uint16_t)p9_get_n(c, 2);
}

static inline uint32_t p9_get32(struct p9_cur *c)
{
	return (uint32_t)p9_get_n(c, 4);
}

static inline uint64_t p9_get64(struct p9_cur *c)
{
	return p9_get_n(c, 8);
}

/* A string: len[2] then len bytes.  *s points into the message (not
 * NUL-terminated; NULL after an error). */
static inline void p9_getstr(struct p9_cur *c, const char **s, uint16_t *len)
{
	uint16_t n = p9_get16(c);

	*s = (const char *)p9_cur_take(c, n, -EBADMSG);
	*len = *s ? n : 0;
}

static inline void p9_getqid(struct p9_cur *c, struct p9_qid *q)
{
	q->type = p9_get8(c);
	q->version = p9_get32(c);
	q->path = p9_get64(c);
}

static inline void p9_put_n(struct p9_cur *c, uint64_t v, unsigned int n)
{
	uint8_t *p = p9_cur_take(c, n, -EMSGSIZE);

	if (p)
		p9_le_put(p, v, n);
}

static inline void p9_put8(struct p9_cur *c, uint8_t v)
{
	p9_put_n(c, v, 1);
}

static inline void p9_put16(struct p9_cur *c, uint16_t v)
{
	p9_put_n(c, v, 2);
}

static inline void p9_put32(struct p9_cur *c, uint32_t v)
{
	p9_put_n(c, v, 4);
}

static inline void p9_put64(struct p9_cur *c, uint64_t v)
{
	p9_put_n(c, v, 8);
}

/* A string of len bytes (len <= 65535, else -EMSGSIZE). */
static inline void p9_putstr(struct p9_cur *c, const char *s, size_t len)
{
	uint8_t *p;

	if (len > 0xffff) {
		if (!c->err)
			c->err = -EMSGSIZE;
		return;
	}
	p9_put16(c, (uint16_t)len);
	p = p9_cur_take(c, len, -EMSGSIZE);
	if (p && len)
		memcpy(p, s, len);
}

static inline void p9_putqid(struct p9_cur *c, const struct p9_qid *q)
{
	p9_put8(c, q->type);
	p9_put32(c, q->version);
	p9_put64(c, q->path);
}

/* Starts a message at pos 0: a size to be filled in by p9_end(). */
static inline void p9_begin(struct p9_cur *c, uint8_t type, uint16_t tag)
{
	c->pos = 0;
	c->err = 0;
	p9_put32(c, 0);
	p9_put8(c, type);
	p9_put16(c, tag);
}

/* Ends a message: writes its size; returns it, or the cursor's -errno. */
static inline int p9_end(struct p9_cur *c)
{
	if (c->err)
		return c->err;
	p9_le_put(c->data, c->pos, 4);
	return (int)c->pos;
}

#endif /* XENPVD_COMMON_P9WIRE_H */
