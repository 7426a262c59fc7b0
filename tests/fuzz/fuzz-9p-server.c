/* SPDX-License-Identifier: MIT */
/*
 * fuzz-9p-server.c - libFuzzer target for xenpvd's 9P2000.L server
 * (backend/9pfs/p9srv.c, p9ops.c) through its interface, p9srv.h: one
 * session on a small export, fed a sequence of messages by a transport
 * that behaves like the ring's, every reply checked by a model of the
 * protocol, and the world outside the export checked after each input.
 *
 * Input.  Byte 0 sets the stage:
 *   bit 0     no prelude: the first message meets a session before
 *             Tversion.  Otherwise the harness first sends Tversion
 *             (msize 1 MiB, "9P2000.L") and Tattach (fid 0, no afid,
 *             aname ""), checked like every other message.
 *   bit 1     a read-only export
 *   bit 2     P9_SM_PASSTHROUGH (else P9_SM_NONE)
 *   bit 3     xattr_any
 *   bit 4     the export on disk ($TMPDIR, else /tmp) rather than on
 *             tmpfs (/dev/shm): Tread's RWF_NOWAIT and bounce paths
 *   bit 5     small caps: max_fids 8, max_open 4, max_xattr 64
 *   bits 6-7  the transport's max_msize: 8192, 4096, 65536 or 5000
 * Then 9P messages, each framed by its own size field: size[4] type[1]
 * tag[2] body.  The low 24 bits of size are the message's length,
 * clamped to at least 7 and at most what is left and max_msize (the
 * last message takes the rest); the server sees that repaired size, as a
 * transport that checked the header hands it.  The high byte says how
 * the transport carries this message:
 *   bits 0-3  where reserve() splits the reply's room in two pieces, as
 *             a ring that wraps (0: one piece; else at byte 1, 3 .. 13
 *             of the header, 20, 24, the middle or the last byte)
 *   bits 4-7  15: reserve() fails (-ESHUTDOWN, a transport stopping);
 *             1..14: a Twrite's payload stays in rq->data, in 1, 2 or 3
 *             iovecs (the third case has an empty one in the middle), as
 *             the ring transport gives it; 0: inline in the message.
 * Every buffer the server reads or writes (the message, the payload
 * pieces, the pieces of the reply's room) is allocated with its exact
 * size, so that ASan sees a byte too far.
 *
 * The export.  Two private directories are made once per process, one on
 * tmpfs and one on disk, each (T) holding
 *   T/export/   the export: file, big (3 pages), empty, ro (0444), xfile
 *               (xattr user.color), hard (a hard link to file), fifo, on
 *               disk cold (2 pages written with O_DIRECT, not cached),
 *               dir/inner, dir/sub/deep, and the symlinks up ->
 *               ../outside, canary-link -> ../outside/canary, abs-canary
 *               -> T/outside/canary, etc -> /etc, loop -> loop and
 *               dir/dotdot -> ../../outside/canary
 *   T/outside/canary   a file outside the export
 *   T/m-MARKER, T/outside/m-MARKER   names that carry the marker
 * The export is deleted and made again after every input (a few dozen
 * system calls on tmpfs, less than a session costs), and each input gets
 * a new export handle and session: inputs do not depend on each other,
 * so a crash replays alone.  Before each input the canary's content and
 * its user.secret xattr get a fresh MARKER (32 hex digits) and the m-*
 * files are renamed to it: libFuzzer, which traces comparisons, cannot
 * learn a marker in one input and write it into a file in the next.
 *
 * The model is written from the protocol (Linux's 9p documentation and
 * the 9P2000.L message formats, Plan 9's intro(5), version(5), attach(5),
 * walk(5), clunk(5)) and from the contract in p9srv.h, not from the
 * server's code, with its own wire reader and message numbers.  It
 * decides only what needs no file system oracle.  For every request:
 *   - p9_handle returns 0 and commits exactly one non-empty reply (none,
 *     and returns the transport's error, when reserve() fails); each
 *     reserve() is followed by one commit() of at most what it reserved,
 *     and never reserves more than msize;
 *   - the reply's size field is what was committed, its tag the
 *     request's, its type T+1 or Rlerror; it is at most msize (before
 *     Tversion, max_msize); an Rlerror is 11 bytes with an errno in
 *     1..133; every other reply has exactly the length its fields give;
 *   - a request before Tversion, a message shorter than its fields, and
 *     a message type 9P2000.L does not have are answered Rlerror;
 *   - Rversion: msize at most the client's and max_msize, at least 4096,
 *     version "unknown" or the client's up to a period; "9P2000.L" is
 *     accepted; a successful Tversion ends every fid;
 *   - fids: the model knows, for every fid it can, whether it exists and
 *     what it is (a file fid, opened or not, an xattr fid being read or
 *     written) and the qid of its file.  An operation on a fid known not
 *     to exist fails; a fid known in use cannot be the new fid of
 *     Tattach, Twalk or Txattrwalk; after Tclunk or Tremove, whatever
 *     the answer, the fid does not exist; Tread, Twrite and Treaddir of
 *     a file fid not opened fail; Tlopen and Tlcreate of an opened fid
 *     fail; whatever needs a directory fails on a file known not to be
 *     one (Twalk of names, Tlcreate, Tmkdir, ...); Treadlink of a file
 *     known not to be a symlink and Twrite or a truncation of a directory
 *     fail; Tgetattr and Tlopen answer the fid's own qid;
 *   - Twalk: at most 16 names and at most nwname qids, at least one when
 *     nwname > 0; every qid walked through is a directory; `..` of the
 *     export's root is the root (walk(5)), and `..` is a directory; a
 *     name no file can have (empty, '/', NUL, over 255 bytes) is never
 *     walked; newfid exists only after a complete walk;
 *   - Tread at most count bytes (and, of an xattr, at most what is left
 *     of the size Txattrwalk gave), Twrite at most count and at most the
 *     payload; Treaddir at most count bytes, of whole entries whose
 *     names are components, whose types agree with their qids, whose "."
 *     is the fid's qid and whose ".." at the root is the root;
 *   - creations answer the qid type they made (Tlcreate a file, Tmkdir a
 *     directory, Tsymlink a symlink, Tmknod neither); a name that cannot
 *     be created (empty, '/', NUL, ".", "..", over 255 bytes), an empty
 *     symlink target, a hard link to a directory, a device node, a lock
 *     type other than read, write or unlock fail;
 *   - a read-only export refuses every change (creation, removal,
 *     rename, link, Twrite, Tsetattr of anything, Txattrcreate, Tlopen
 *     for writing or truncation);
 *   - no reply ever carries the marker (no byte of a file outside the
 *     export, nor of its directory listing or xattrs, reaches the client).
 * After each request, p9_session_msize() is the msize Rversion gave (0
 * without a session).  After each input: p9_session_stats agrees with
 * the model (requests, errors, Rread bytes, and fids when the model knows
 * them all); every fd the server opened is closed once the session and
 * export are freed; the canary is unchanged (content, xattr, size, mode,
 * links, owner, mtime, ctime, inode); T and T/outside hold exactly the
 * entries they held and kept their mtime and ctime; the export holds no
 * device node; and a read-only export is unchanged, entry for entry.  Any
 * violation aborts with "invariant broken" and what broke.
 *
 * When run as root the harness first makes /etc read-only in a mount
 * namespace of its own (best effort): a confinement bug must not write
 * the host's /etc through export/etc.
 *
 * Not tests/9pfs/p9test.h's transport: it exits rather than aborts, hands
 * out a room of 1 MiB whatever was reserved (a write past the room goes
 * unseen), and its checks are the unit tests' reading of the contract;
 * here the room is exact and the model is the target's own.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fuzz.h"
#include "p9srv.h"

/* ---- the 9P2000.L wire, as the protocol describes it ---- */

enum {
	M_TLERROR = 6,
	M_RLERROR = 7,
	M_TSTATFS = 8,
	M_TLOPEN = 12,
	M_TLCREATE = 14,
	M_TSYMLINK = 16,
	M_TMKNOD = 18,
	M_TRENAME = 20,
	M_TREADLINK = 22,
	M_TGETATTR = 24,
	M_TSETATTR = 26,
	M_TXATTRWALK = 30,
	M_TXATTRCREATE = 32,
	M_TREADDIR = 40,
	M_TFSYNC = 50,
	M_TLOCK = 52,
	M_TGETLOCK = 54,
	M_TLINK = 70,
	M_TMKDIR = 72,
	M_TRENAMEAT = 74,
	M_TUNLINKAT = 76,
	M_TVERSION = 100,
	M_TAUTH = 102,
	M_TATTACH = 104,
	M_TFLUSH = 108,
	M_TWALK = 110,
	M_TREAD = 116,
	M_TWRITE = 118,
	M_TCLUNK = 120,
	M_TREMOVE = 122,
};

#define M_HDR 7u
#define M_NOFID 0xffffffffu
#define M_MAXWELEM 16u
#define M_QID 13u
#define M_QTDIR 0x80u
#define M_QTSYMLINK 0x02u
#define M_IOHDRSZ 24u	  /* Plan 9's bound on a Tread/Twrite header */
#define M_TWRITE_HDR 23u  /* size type tag fid offset count */
#define M_MIN_MSIZE 4096u /* p9srv.h: less is refused */
#define M_ERRNO_MAX 133u  /* Linux's last errno, EHWPOISON */
#define M_NAME_MAX 255u
#define M_GETATTR_ALL 0x3fffull
#define M_OTRUNC 01000u /* Tlopen flags: Linux's O_TRUNC */
#define M_AT_REMOVEDIR 0x200u
#define M_SETATTR_CHANGES 0x7fu /* mode uid gid size atime mtime ctime */
#define M_SETATTR_SIZE 0x8u
#define M_SETATTR_ATIME 0x10u
#define M_SETATTR_MTIME 0x20u
#define M_SETATTR_ATIME_SET 0x80u
#define M_SETATTR_MTIME_SET 0x100u
#define M_DT_DIR 4u
#define M_DT_REG 8u
#define M_DT_LNK 10u

/* A bounds-checked little-endian reader; a short message sets bad. */
struct rd {
	const uint8_t *p;
	size_t len, pos;
	bool bad;
};

static void rd_init(struct rd *r, const uint8_t *p, size_t len, size_t pos)
{
	r->p = p;
	r->len = len;
	r->pos = pos;
	r->bad = pos > len;
}

static uint64_t rd_n(struct rd *r, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	if (r->bad || r->len - r->pos < n) {
		r->bad = true;
		return 0;
	}
	for (i = 0; i < n; i++)
		v |= (uint64_t)r->p[r->pos + i] << (8 * i);
	r->pos += n;
	return v;
}

static uint8_t rd8(struct rd *r)
{
	return (uint8_t)rd_n(r, 1);
}

static uint16_t rd16(struct rd *r)
{
	return (uint16_t)rd_n(r, 2);
}

static uint32_t rd32(struct rd *r)
{
	return (uint32_t)rd_n(r, 4);
}

static uint64_t rd64(struct rd *r)
{
	return rd_n(r, 8);
}

/* A string: len[2] then its bytes (NULL when short). */
static const uint8_t *rd_str(struct rd *r, uint16_t *len)
{
	uint16_t n = rd16(r);
	const uint8_t *s;

	*len = 0;
	if (r->bad || r->len - r->pos < n) {
		r->bad = true;
		return NULL;
	}
	s = r->p + r->pos;
	r->pos += n;
	*len = n;
	return s;
}

struct mqid {
	uint8_t type;
	uint32_t version;
	uint64_t path;
};

static void rd_qid(struct rd *r, struct mqid *q)
{
	q->type = rd8(r);
	q->version = rd32(r);
	q->path = rd64(r);
}

/* Whether every byte was read, no more. */
static bool rd_done(const struct rd *r)
{
	return !r->bad && r->pos == r->len;
}

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void le32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Same file: qid type and path (version may change with the file). */
static bool qid_same(const struct mqid *a, const struct mqid *b)
{
	return a->type == b->type && a->path == b->path;
}

/* A name no file can have (walk), or that cannot be made (create). */
static bool bad_name(const uint8_t *s, uint16_t n, bool create)
{
	if (!n || n > M_NAME_MAX || memchr(s, '/', n) || memchr(s, 0, n))
		return true;
	return create && s[0] == '.' && (n == 1 || (n == 2 && s[1] == '.'));
}

static bool is_dotdot(const uint8_t *s, uint16_t n)
{
	return n == 2 && s[0] == '.' && s[1] == '.';
}

/* ---- the sandbox: the export and the world around it ---- */

#define MARKER_LEN 32

struct tree {
	char *base;	   /* where T was made */
	char *leaf;	   /* T's name in base */
	char *top;	   /* T */
	int topfd, outfd;  /* T, T/outside */
	char export[4200]; /* T/export */
	char marker[MARKER_LEN + 1];
	char canary[64];
	size_t canary_len;
	struct stat top_st, out_st, can_st;
	bool disk; /* not tmpfs: export/cold is not in the page cache */
};

static struct tree trees[2]; /* on tmpfs, on disk */
static bool trace;	     /* FUZZ_9P_TRACE set: each request's answer */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static void sys_fail(const char *what, const char *path)
    __attribute__((noreturn));

/* The harness itself failed (not the server): abort, saying why. */
static void sys_fail(const char *what, const char *path)
{
	fprintf(stderr, "fuzz-9p-server: harness: %s %s: %s\n", what,
		path ? path : "", strerror(errno));
	abort();
}

static uint64_t rng_next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* Removes dfd's entry name and everything under it, never following a
 * symlink; a directory is made searchable first (the fuzzer may have
 * chmodded it 000). */
static void rm_at(int dfd, const char *name)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return;
		sys_fail("fstatat", name);
	}
	if (S_ISDIR(st.st_mode)) {
		(void)fchmodat(dfd, name, 0700, 0);
		fd = openat(dfd, name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			sys_fail("open", name);
		d = fdopendir(fd);
		if (!d)
			sys_fail("fdopendir", name);
		while ((de = readdir(d)) != NULL) {
			if (!strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, ".."))
				continue;
			rm_at(dirfd(d), de->d_name);
		}
		closedir(d);
		if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
			sys_fail("rmdir", name);
	} else if (unlinkat(dfd, name, 0) < 0) {
		sys_fail("unlink", name);
	}
}

static void put_file(int dfd, const char *name, const void *data, size_t len,
		     mode_t mode)
{
	int fd =
	    openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		sys_fail("create", name);
	if (len && write(fd, data, len) != (ssize_t)len)
		sys_fail("write", name);
	if (fchmod(fd, mode) < 0)
		sys_fail("fchmod", name);
	close(fd);
}

/* A file written around the page cache (O_DIRECT), so that Tread finds
 * it cold (RWF_NOWAIT says EAGAIN: the bounce buffer path).  Where
 * O_DIRECT is refused, a plain file. */
static void put_cold(int dfd, const char *name)
{
	void *buf;
	int fd;

	if (posix_memalign(&buf, 4096, 2 * 4096))
		abort();
	memset(buf, 'c', 2 * 4096);
	fd = openat(dfd, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_DIRECT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, buf, 2 * 4096) != 2 * 4096)
			sys_fail("write", name);
		close(fd);
	} else {
		put_file(dfd, name, buf, 2 * 4096, 0644);
	}
	free(buf);
}

/* T/export, made anew. */
static void build_export(struct tree *t)
{
	static const char line[] = "9P2000.L is Linux's dialect of 9P.\n";
	char big[3 * 4096 + 17], abspath[4200];
	int efd, dfd, sfd, fd;
	size_t i;

	rm_at(t->topfd, "export");
	if (mkdirat(t->topfd, "export", 0755) < 0)
		sys_fail("mkdir", t->export);
	efd = openat(t->topfd, "export", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (efd < 0)
		sys_fail("open", t->export);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	put_file(efd, "file", line, sizeof(line) - 1, 0644);
	put_file(efd, "big", big, sizeof(big), 0644);
	put_file(efd, "empty", "", 0, 0644);
	put_file(efd, "ro", line, sizeof(line) - 1, 0444);
	put_file(efd, "xfile", "x\n", 2, 0644);
	if (t->disk)
		put_cold(efd, "cold");
	if (linkat(efd, "file", efd, "hard", 0) < 0)
		sys_fail("link", "hard");
	if (mkfifoat(efd, "fifo", 0644) < 0)
		sys_fail("mkfifo", "fifo");
	snprintf(abspath, sizeof(abspath), "%s/outside/canary", t->top);
	if (symlinkat("../outside", efd, "up") < 0 ||
	    symlinkat("../outside/canary", efd, "canary-link") < 0 ||
	    symlinkat(abspath, efd, "abs-canary") < 0 ||
	    symlinkat("/etc", efd, "etc") < 0 ||
	    symlinkat("loop", efd, "loop") < 0)
		sys_fail("symlink", t->export);
	if (mkdirat(efd, "dir", 0755) < 0)
		sys_fail("mkdir", "dir");
	dfd = openat(efd, "dir", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		sys_fail("open", "dir");
	put_file(dfd, "inner", "inner\n", 6, 0644);
	if (symlinkat("../../outside/canary", dfd, "dotdot") < 0)
		sys_fail("symlink", "dir/dotdot");
	if (mkdirat(dfd, "sub", 0755) < 0)
		sys_fail("mkdir", "dir/sub");
	sfd = openat(dfd, "sub", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		sys_fail("open", "dir/sub");
	put_file(sfd, "deep", "deep\n", 5, 0644);
	close(sfd);
	close(dfd);
	/* Best effort: a file system without user xattrs has none. */
	fd = openat(efd, "xfile", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		sys_fail("open", "xfile");
	(void)fsetxattr(fd, "user.color", "blue", 4, 0);
	close(fd);
	close(efd);
}

static void tree_make(struct tree *t, const char *base, bool disk)
{
	char tmpl[4096];
	int fd;

	if (snprintf(tmpl, sizeof(tmpl), "%s/xpv9p-fuzz.XXXXXX", base) >=
	    (int)sizeof(tmpl) - 200)
		sys_fail("path too long", base);
	if (!mkdtemp(tmpl))
		sys_fail("mkdtemp", tmpl);
	t->top = strdup(tmpl);
	t->base = strdup(base);
	t->leaf = strdup(strrchr(tmpl, '/') + 1);
	if (!t->top || !t->base || !t->leaf)
		abort();
	snprintf(t->export, sizeof(t->export), "%s/export", t->top);
	t->disk = disk;
	t->topfd = open(t->top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->topfd < 0)
		sys_fail("open", t->top);
	if (mkdirat(t->topfd, "outside", 0755) < 0)
		sys_fail("mkdir", "outside");
	t->outfd =
	    openat(t->topfd, "outside", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->outfd < 0)
		sys_fail("open", "outside");
	strcpy(t->marker, "0");
	put_file(t->topfd, "m-0", "", 0, 0644);
	put_file(t->outfd, "m-0", "", 0, 0644);
	fd = openat(t->outfd, "canary", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0644);
	if (fd < 0)
		sys_fail("create", "canary");
	close(fd);
	build_export(t);
}

static void tree_fstat(int fd, struct stat *st, const char *what)
{
	if (fstat(fd, st) < 0)
		sys_fail("fstat", what);
}

/* A fresh marker: the canary's content and xattr, the m-* names. */
static void tree_arm(struct tree *t)
{
	char old[8 + MARKER_LEN], nw[8 + MARKER_LEN];
	uint64_t a = rng_next(), b = rng_next();
	int fd;

	snprintf(old, sizeof(old), "m-%s", t->marker);
	snprintf(t->marker, sizeof(t->marker), "%016llx%016llx",
		 (unsigned long long)a, (unsigned long long)b);
	snprintf(nw, sizeof(nw), "m-%s", t->marker);
	if (renameat(t->topfd, old, t->topfd, nw) < 0 ||
	    renameat(t->outfd, old, t->outfd, nw) < 0)
		sys_fail("rename", old);
	memcpy(t->canary, "canary ", 7);
	memcpy(t->canary + 7, t->marker, MARKER_LEN);
	t->canary[7 + MARKER_LEN] = '\n';
	t->canary_len = 8 + MARKER_LEN;
	fd = openat(t->outfd, "canary", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 ||
	    pwrite(fd, t->canary, t->canary_len, 0) != (ssize_t)t->canary_len)
		sys_fail("write", "canary");
	(void)fsetxattr(fd, "user.secret", t->marker, MARKER_LEN, 0);
	tree_fstat(fd, &t->can_st, "canary");
	close(fd);
	tree_fstat(t->outfd, &t->out_st, "outside");
	tree_fstat(t->topfd, &t->top_st, "T");
}

static void tree_remove(struct tree *t)
{
	int fd;

	if (!t->top)
		return;
	fd = open(t->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		rm_at(fd, t->leaf);
		close(fd);
	}
}

static void trees_remove(void)
{
	tree_remove(&trees[0]);
	tree_remove(&trees[1]);
}

static bool is_tmpfs(const char *dir)
{
	struct statfs sf;

	return statfs(dir, &sf) == 0 && sf.f_type == TMPFS_MAGIC &&
	       access(dir, W_OK | X_OK) == 0;
}

/* As root: /etc read-only for this process (a private mount namespace
 * first, so that nothing propagates to the host's). */
static void protect_etc(void)
{
	if (geteuid() != 0)
		return;
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("/etc", "/etc", NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, "/etc", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) <
		0)
		fprintf(stderr,
			"fuzz-9p-server: running as root and /etc "
			"could not be made read-only: %s\n",
			strerror(errno));
}

static void setup_once(void)
{
	static bool done;
	const char *disk = getenv("TMPDIR");

	if (done)
		return;
	done = true;
	trace = getenv("FUZZ_9P_TRACE") != NULL;
	protect_etc();
	if (!disk || !*disk)
		disk = "/tmp";
	tree_make(&trees[0], is_tmpfs("/dev/shm") ? "/dev/shm" : disk, false);
	tree_make(&trees[1], disk, true);
	atexit(trees_remove);
	/* The thread's pipe for Treads out of the page cache (and
	 * /dev/null) stay for as long as the thread: made before any
	 * input's fds are counted. */
	if (p9_thread_prepare() < 0)
		sys_fail("p9_thread_prepare", "pipe");
}

/* ---- failures, and checks of the world after an input ---- */

struct fail_ctx {
	unsigned int msg; /* index of the message served (prelude too) */
	const uint8_t *req;
	size_t reqlen;
	const uint8_t *rep;
	size_t replen;
};

static struct fail_ctx where;

static void hexdump(const char *what, const uint8_t *p, size_t len)
{
	size_t i;

	if (!p)
		return;
	fprintf(stderr, "  %s (%zu bytes):", what, len);
	for (i = 0; i < len && i < 64; i++)
		fprintf(stderr, " %02x", p[i]);
	fprintf(stderr, "%s\n", len > 64 ? " ..." : "");
}

static void broken(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* An invariant broke: says what and the message it broke at, removes the
 * temporary directories (the input replays alone) and aborts. */
static void broken(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz-9p-server: invariant broken: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  at message %u served (the prelude counts)\n",
		where.msg);
	hexdump("request", where.req, where.reqlen);
	hexdump("reply", where.rep, where.replen);
	trees_remove();
	abort();
}

#define MUST(cond, ...)                                                        \
	do {                                                                   \
		if (!(cond))                                                   \
			broken(__VA_ARGS__);                                   \
	} while (0)

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	       a->st_mode == b->st_mode && a->st_nlink == b->st_nlink &&
	       a->st_uid == b->st_uid && a->st_gid == b->st_gid &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* The directory dfd holds exactly names[0..n). */
static void check_listing(int dfd, const char *const *names, int n,
			  const char *what)
{
	struct dirent *de;
	int fd, i, count = 0;
	DIR *d;

	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd)))
		sys_fail("opendir", what);
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		for (i = 0; i < n; i++)
			if (!strcmp(de->d_name, names[i]))
				break;
		MUST(i < n, "a new entry outside the export: %s/%s", what,
		     de->d_name);
		count++;
	}
	closedir(d);
	MUST(count == n, "an entry outside the export is gone, in %s", what);
}

/* The canary, T/outside and T as tree_arm() left them. */
static void check_outside(struct tree *t)
{
	char buf[128], mname[8 + MARKER_LEN], xv[64];
	const char *top_names[3] = {"export", "outside", mname};
	const char *out_names[2] = {"canary", mname};
	struct stat st;
	ssize_t n;
	int fd;

	fd = openat(t->outfd, "canary", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	MUST(fd >= 0, "the canary outside the export is gone (%s)",
	     strerror(errno));
	n = pread(fd, buf, sizeof(buf), 0);
	MUST(n == (ssize_t)t->canary_len && !memcmp(buf, t->canary, (size_t)n),
	     "the canary outside the export was written (%zd bytes)", n);
	tree_fstat(fd, &st, "canary");
	MUST(same_inode(&st, &t->can_st),
	     "the canary outside the export changed (mode, links, owner, "
	     "size, mtime or ctime)");
	n = fgetxattr(fd, "user.secret", xv, sizeof(xv));
	MUST(n < 0 || (n == MARKER_LEN && !memcmp(xv, t->marker, MARKER_LEN)),
	     "the canary's xattr changed");
	close(fd);
	snprintf(mname, sizeof(mname), "m-%s", t->marker);
	tree_fstat(t->outfd, &st, "outside");
	MUST(same_inode(&st, &t->out_st), "the directory outside the export "
					  "changed");
	check_listing(t->outfd, out_names, 2, "outside");
	tree_fstat(t->topfd, &st, "T");
	MUST(same_inode(&st, &t->top_st), "the export's parent changed");
	check_listing(t->topfd, top_names, 3, "the export's parent");
}

/* A sum of per-entry hashes (order does not matter) of everything under
 * dfd, and no device node there. */
struct scan {
	uint64_t sum;
	unsigned int n;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static uint64_t mix_str(uint64_t h, const char *s)
{
	while (*s)
		h = mix(h, (uint8_t)*s++);
	return mix(h, 0x2f);
}

static uint64_t stat_hash(uint64_t h, const struct stat *st)
{
	h = mix(h, st->st_ino);
	h = mix(h, st->st_mode);
	h = mix(h, st->st_nlink);
	h = mix(h, st->st_uid);
	h = mix(h, st->st_gid);
	h = mix(h, (uint64_t)st->st_size);
	h = mix(h, (uint64_t)st->st_mtim.tv_sec);
	h = mix(h, (uint64_t)st->st_mtim.tv_nsec);
	h = mix(h, (uint64_t)st->st_ctim.tv_sec);
	return mix(h, (uint64_t)st->st_ctim.tv_nsec);
}

static void scan_dir(int dfd, uint64_t ph, int depth, struct scan *sc)
{
	struct dirent *de;
	struct stat st;
	uint64_t h;
	DIR *d;
	int fd;

	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		sc->sum += mix(ph, 0xdead); /* as root: never */
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		h = mix_str(ph, de->d_name);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) <
		    0) {
			sc->sum += mix(h, (uint64_t)errno);
			continue;
		}
		MUST(!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode),
		     "a device node in the export: %s", de->d_name);
		sc->sum += stat_hash(h, &st);
		sc->n++;
		if (S_ISDIR(st.st_mode) && depth < 64) {
			fd = openat(dirfd(d), de->d_name,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					O_CLOEXEC);
			if (fd >= 0) {
				scan_dir(fd, h, depth + 1, sc);
				close(fd);
			}
		}
	}
	closedir(d);
}

static void scan_export(const struct tree *t, struct scan *sc)
{
	struct stat st;
	int fd;

	sc->sum = 0;
	sc->n = 0;
	fd = openat(t->topfd, "export",
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	MUST(fd >= 0, "the export is gone (%s)", strerror(errno));
	tree_fstat(fd, &st, "export");
	sc->sum = stat_hash(1, &st);
	scan_dir(fd, 2, 0, sc);
	close(fd);
}

static int count_fds(void)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir("/proc/self/fd");

	if (!d)
		sys_fail("opendir", "/proc/self/fd");
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* ---- the transport ---- */

#define SPLIT_HALF 1000
#define SPLIT_LAST 1001
static const size_t split_at[16] = {
    0, 1, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 20, 24, SPLIT_HALF, SPLIT_LAST};

/* The largest reply any stage allows (max_msize). */
#define REPLY_MAX 65536u

struct xport {
	unsigned int split; /* split_at[] index */
	bool fail;	    /* reserve() fails */
	size_t limit;	    /* msize: no reserve() above */
	bool holding;	    /* reserved, not committed */
	size_t max;	    /* of that reservation */
	uint8_t *piece[2];
	size_t plen[2];
	int npieces;
	unsigned int nreserve, nreplies;
	uint8_t reply[REPLY_MAX];
	size_t rlen;
};

static int x_reserve(void *opaque, size_t max, struct iovec iov[2])
{
	struct xport *x = opaque;
	size_t s = split_at[x->split];

	MUST(!x->holding, "reserve() again before commit()");
	MUST(max <= x->limit, "reserve() of %zu bytes, msize %zu", max,
	     x->limit);
	x->nreserve++;
	if (x->fail)
		return -ESHUTDOWN;
	MUST(!x->nreplies, "reserve() after a reply was committed");
	if (s == SPLIT_HALF)
		s = max / 2;
	else if (s == SPLIT_LAST)
		s = max ? max - 1 : 0;
	x->npieces = s && s < max ? 2 : 1;
	x->plen[0] = x->npieces == 2 ? s : max;
	x->plen[1] = x->npieces == 2 ? max - s : 0;
	x->piece[0] = fuzz_alloc(x->plen[0]);
	x->piece[1] = x->npieces == 2 ? fuzz_alloc(x->plen[1]) : NULL;
	memset(x->piece[0], 0xa5, x->plen[0]);
	iov[0].iov_base = x->piece[0];
	iov[0].iov_len = x->plen[0];
	if (x->npieces == 2) {
		memset(x->piece[1], 0xa5, x->plen[1]);
		iov[1].iov_base = x->piece[1];
		iov[1].iov_len = x->plen[1];
	}
	x->holding = true;
	x->max = max;
	return x->npieces;
}

static void x_commit(void *opaque, size_t len)
{
	struct xport *x = opaque;
	size_t k;

	MUST(x->holding, "commit() without reserve()");
	MUST(len <= x->max, "commit() of %zu bytes, %zu reserved", len, x->max);
	if (len) {
		MUST(!x->nreplies, "a second reply committed");
		k = len < x->plen[0] ? len : x->plen[0];
		memcpy(x->reply, x->piece[0], k);
		if (len > k)
			memcpy(x->reply + k, x->piece[1], len - k);
		x->rlen = len;
		x->nreplies++;
	}
	free(x->piece[0]);
	free(x->piece[1]);
	x->piece[0] = x->piece[1] = NULL;
	x->holding = false;
}

static const struct p9_reply_ops x_ops = {
    .reserve = x_reserve,
    .commit = x_commit,
};

/* ---- the model ---- */

enum fst {
	FS_ABSENT,  /* known not to exist */
	FS_ANY,	    /* may or may not exist */
	FS_PRESENT, /* exists, kind unknown */
	FS_PATH,    /* a file fid, not opened */
	FS_OPEN,    /* a file fid, opened */
	FS_XREAD,   /* Txattrwalk's */
	FS_XWRITE,  /* Txattrcreate's */
};

struct mfid {
	uint32_t gen; /* the entry is valid when it is the model's */
	uint32_t id;
	uint8_t st;
	bool qknown, xknown;
	struct mqid q;
	uint64_t xsize;
};

/* A message of 7 bytes makes at most one entry: an input of 16 KiB, at
 * most ~2340.  Beyond half the table, the model knows no fid any more. */
#define MFIDS_BITS 13
#define MFIDS (1u << MFIDS_BITS)

enum mver { V_NONE, V_UP, V_UNKNOWN };

struct model {
	struct mfid fids[MFIDS];
	uint32_t gen;
	unsigned int nused;
	uint8_t dflt; /* the state of fids not in fids[] */
	bool lost;    /* fids[] full: no fid is known any more */
	enum mver ver;
	uint32_t msize; /* negotiated; 0 unknown */
	uint32_t max_msize;
	bool readonly;
	bool rootq_known;
	struct mqid rootq;
	const char *marker;
	uint64_t nreq, nerr, rbytes;
	bool injected; /* a reserve() failed: counts are off */
};

static struct model M;

static void fids_reset(struct model *m, uint8_t dflt)
{
	m->gen++;
	m->nused = 0;
	m->dflt = dflt;
	m->lost = false;
}

static struct mfid *fid_ent(struct model *m, uint32_t id, bool make)
{
	uint32_t i = (id * 0x9e3779b1u) >> (32 - MFIDS_BITS), n;
	struct mfid *f;

	for (n = 0; n < MFIDS; n++, i = (i + 1) & (MFIDS - 1)) {
		f = &m->fids[i];
		if (f->gen != m->gen)
			break;
		if (f->id == id)
			return f;
	}
	if (!make || m->lost)
		return NULL;
	if (m->nused >= MFIDS / 2) {
		m->lost = true;
		return NULL;
	}
	m->nused++;
	f->gen = m->gen;
	f->id = id;
	f->st = m->dflt;
	f->qknown = f->xknown = false;
	return f;
}

static uint8_t fid_st(struct model *m, uint32_t id)
{
	struct mfid *f;

	if (m->lost)
		return FS_ANY;
	f = fid_ent(m, id, false);
	return f ? f->st : m->dflt;
}

static void fid_set(struct model *m, uint32_t id, uint8_t st,
		    const struct mqid *q)
{
	struct mfid *f = fid_ent(m, id, true);

	if (!f)
		return;
	f->st = st;
	f->qknown = q != NULL;
	if (q)
		f->q = *q;
	f->xknown = false;
}

static bool known_in_use(uint8_t st)
{
	return st >= FS_PRESENT;
}

/* The qid of a file fid whose file the model knows. */
static const struct mqid *fid_q(struct model *m, uint32_t id)
{
	struct mfid *f = m->lost ? NULL : fid_ent(m, id, false);

	if (!f || !f->qknown || (f->st != FS_PATH && f->st != FS_OPEN))
		return NULL;
	return &f->q;
}

static bool fid_notdir(struct model *m, uint32_t id)
{
	const struct mqid *q = fid_q(m, id);

	return q && !(q->type & M_QTDIR);
}

static bool fid_isdir(struct model *m, uint32_t id)
{
	const struct mqid *q = fid_q(m, id);

	return q && (q->type & M_QTDIR);
}

/* One request and its reply, for the checks of its type. */
struct ck {
	struct model *m;
	const uint8_t *req;
	size_t reqlen;
	uint8_t type;
	uint16_t tag;
	struct rd q; /* the request's body */
	bool lost;   /* no reply: reserve() failed */
	bool err;    /* Rlerror */
	const uint8_t *rep;
	size_t replen;
	struct rd r; /* the reply's body */
};

static const char *const tnames[256] = {
    [M_TSTATFS] = "Tstatfs",
    [M_TLOPEN] = "Tlopen",
    [M_TLCREATE] = "Tlcreate",
    [M_TSYMLINK] = "Tsymlink",
    [M_TMKNOD] = "Tmknod",
    [M_TRENAME] = "Trename",
    [M_TREADLINK] = "Treadlink",
    [M_TGETATTR] = "Tgetattr",
    [M_TSETATTR] = "Tsetattr",
    [M_TXATTRWALK] = "Txattrwalk",
    [M_TXATTRCREATE] = "Txattrcreate",
    [M_TREADDIR] = "Treaddir",
    [M_TFSYNC] = "Tfsync",
    [M_TLOCK] = "Tlock",
    [M_TGETLOCK] = "Tgetlock",
    [M_TLINK] = "Tlink",
    [M_TMKDIR] = "Tmkdir",
    [M_TRENAMEAT] = "Trenameat",
    [M_TUNLINKAT] = "Tunlinkat",
    [M_TVERSION] = "Tversion",
    [M_TAUTH] = "Tauth",
    [M_TATTACH] = "Tattach",
    [M_TFLUSH] = "Tflush",
    [M_TWALK] = "Twalk",
    [M_TREAD] = "Tread",
    [M_TWRITE] = "Twrite",
    [M_TCLUNK] = "Tclunk",
    [M_TREMOVE] = "Tremove",
};

static const char *tname(uint8_t type)
{
	return tnames[type] ? tnames[type] : "T?";
}

/* The request must have been refused. */
static void need_fail(const struct ck *c, bool cond, const char *why)
{
	MUST(!cond || c->err, "%s: %s, yet it succeeded", tname(c->type), why);
}

/* A reply of exactly n bytes after the header. */
static void rep_len(const struct ck *c, size_t n)
{
	MUST(c->replen == M_HDR + n, "R%s of %zu bytes, want %zu",
	     tname(c->type) + 1, c->replen, M_HDR + n);
}

static void rep_qid(struct ck *c, struct mqid *q)
{
	rep_len(c, M_QID);
	rd_qid(&c->r, q);
}

static void forget(struct ck *c, uint32_t id)
{
	fid_set(c->m, id, FS_ANY, NULL);
}

/* The request names fid id, which must exist (and be a directory). */
static void need_fid(struct ck *c, uint32_t id, const char *role)
{
	MUST(c->err || fid_st(c->m, id) != FS_ABSENT,
	     "%s: %s %u does not exist, yet it succeeded", tname(c->type), role,
	     id);
}

static void need_dir(struct ck *c, uint32_t id, const char *role)
{
	need_fid(c, id, role);
	MUST(c->err || !fid_notdir(c->m, id),
	     "%s: %s %u is not a directory, yet it succeeded", tname(c->type),
	     role, id);
}

static void need_writable(struct ck *c)
{
	need_fail(c, c->m->readonly, "a change to a read-only export");
}

static bool parsed(struct ck *c)
{
	if (!c->q.bad)
		return true;
	need_fail(c, !c->lost, "a message shorter than its fields");
	return false;
}

static void m_version(struct ck *c)
{
	struct model *m = c->m;
	const uint8_t *v, *rv;
	uint16_t vlen, rvlen;
	uint32_t msize, rmsize;
	bool unknown;

	msize = rd32(&c->q);
	v = rd_str(&c->q, &vlen);
	if (!parsed(c))
		return;
	if (c->lost || c->err) {
		/* No session, or the old one, or a new one: unknown. */
		m->ver = V_UNKNOWN;
		m->msize = 0;
		fids_reset(m, FS_ANY);
		return;
	}
	rmsize = rd32(&c->r);
	rv = rd_str(&c->r, &rvlen);
	MUST(rd_done(&c->r), "Rversion of %zu bytes", c->replen);
	MUST(rmsize <= msize, "Rversion msize %u > the client's %u", rmsize,
	     msize);
	MUST(rmsize <= m->max_msize, "Rversion msize %u > the transport's %u",
	     rmsize, m->max_msize);
	unknown = rvlen == 7 && !memcmp(rv, "unknown", 7);
	if (!unknown) {
		MUST(rvlen <= vlen && !memcmp(rv, v, rvlen) &&
			 (rvlen == vlen || v[rvlen] == '.'),
		     "Rversion \"%.*s\" to Tversion \"%.*s\"", (int)rvlen,
		     (const char *)rv, (int)vlen, (const char *)v);
		MUST(rmsize >= M_MIN_MSIZE, "Rversion msize %u", rmsize);
	}
	if (vlen == 8 && !memcmp(v, "9P2000.L", 8))
		MUST(!unknown, "Tversion 9P2000.L answered \"unknown\"");
	/* version(5): all fids of the connection are clunked. */
	fids_reset(m, FS_ABSENT);
	m->ver = unknown ? V_NONE : V_UP;
	m->msize = unknown ? 0 : rmsize;
}

static void m_auth(struct ck *c)
{
	struct mqid q;
	uint16_t n;
	uint32_t afid;

	afid = rd32(&c->q);
	(void)rd_str(&c->q, &n);
	(void)rd_str(&c->q, &n);
	(void)rd32(&c->q);
	if (!parsed(c))
		return;
	if (c->lost) {
		forget(c, afid);
		return;
	}
	need_fail(c, known_in_use(fid_st(c->m, afid)), "afid in use");
	if (c->err)
		return;
	rep_qid(c, &q);
	fid_set(c->m, afid, FS_PRESENT, NULL);
}

static void m_attach(struct ck *c)
{
	struct model *m = c->m;
	uint32_t fid, afid;
	struct mqid q;
	uint16_t n;

	fid = rd32(&c->q);
	afid = rd32(&c->q);
	(void)rd_str(&c->q, &n);
	(void)rd_str(&c->q, &n);
	(void)rd32(&c->q);
	if (!parsed(c))
		return;
	if (c->lost) {
		forget(c, fid);
		return;
	}
	need_fail(c, known_in_use(fid_st(m, fid)), "fid in use");
	need_fail(c, afid != M_NOFID && fid_st(m, afid) == FS_ABSENT,
		  "afid does not exist");
	if (c->err)
		return;
	rep_qid(c, &q);
	MUST(q.type & M_QTDIR, "Rattach: the root is not a directory");
	if (m->rootq_known)
		MUST(qid_same(&q, &m->rootq), "Rattach: another root");
	m->rootq = q;
	m->rootq_known = true;
	fid_set(m, fid, FS_PATH, &q);
}

static void m_flush(struct ck *c)
{
	(void)rd16(&c->q);
	if (!parsed(c) || c->lost || c->err)
		return;
	rep_len(c, 0);
}

static void m_walk(struct ck *c)
{
	struct model *m = c->m;
	const uint8_t *names[M_MAXWELEM];
	uint16_t lens[M_MAXWELEM], nwname, nwqid, i, first_bad;
	struct mqid qs[M_MAXWELEM], prev = {0, 0, 0};
	const struct mqid *fq;
	uint32_t fid, newfid;
	bool prev_known;
	uint8_t st;

	fid = rd32(&c->q);
	newfid = rd32(&c->q);
	nwname = rd16(&c->q);
	if (!parsed(c))
		return;
	if (nwname > M_MAXWELEM) {
		need_fail(c, !c->lost, "more than 16 names");
		if (c->lost)
			forget(c, newfid);
		return;
	}
	for (i = 0; i < nwname; i++)
		names[i] = rd_str(&c->q, &lens[i]);
	if (!parsed(c))
		return;
	if (c->lost) {
		forget(c, newfid);
		return;
	}
	st = fid_st(m, fid);
	need_fid(c, fid, "fid");
	need_fail(c, newfid != fid && known_in_use(fid_st(m, newfid)),
		  "newfid in use");
	need_fail(c, nwname && fid_notdir(m, fid), "walk from a file");
	for (first_bad = 0; first_bad < nwname; first_bad++)
		if (bad_name(names[first_bad], lens[first_bad], false))
			break;
	need_fail(c, nwname && !first_bad, "a name no file can have");
	if (c->err)
		return;

	nwqid = rd16(&c->r);
	MUST(nwqid <= nwname, "Rwalk of %u qids for %u names", nwqid, nwname);
	MUST(!nwname || nwqid, "Rwalk of no qid for %u names", nwname);
	rep_len(c, 2 + M_QID * (size_t)nwqid);
	MUST(nwqid <= first_bad, "walked name %u, which no file can have",
	     first_bad);
	fq = fid_q(m, fid);
	prev_known = fq != NULL;
	if (fq)
		prev = *fq;
	for (i = 0; i < nwqid; i++) {
		rd_qid(&c->r, &qs[i]);
		/* Walked through: a directory. */
		MUST(i + 1 == nwqid || (qs[i].type & M_QTDIR),
		     "Rwalk: name %u, walked through, is not a directory", i);
		if (is_dotdot(names[i], lens[i])) {
			MUST(qs[i].type & M_QTDIR,
			     "Rwalk: '..' of name %u "
			     "is not a directory",
			     i);
			if (prev_known && m->rootq_known &&
			    qid_same(&prev, &m->rootq))
				MUST(qid_same(&qs[i], &m->rootq),
				     "Rwalk: '..' of the export's root (name "
				     "%u) is not the root: out of the export",
				     i);
		}
		prev = qs[i];
		prev_known = true;
	}
	if (nwqid < nwname)
		return; /* walk(5): newfid is not affected */
	if (newfid != fid) {
		if (nwname)
			fid_set(m, newfid, FS_PATH, &qs[nwname - 1]);
		else if (st == FS_PATH || st == FS_OPEN)
			fid_set(m, newfid, FS_PATH, fq); /* not opened */
		else
			fid_set(m, newfid, FS_PRESENT, NULL);
	} else if (nwname) {
		fid_set(m, fid, st == FS_PATH ? FS_PATH : FS_PRESENT,
			&qs[nwname - 1]);
	}
}

/* An iounit that fits msize. */
static void check_iounit(const struct ck *c, uint32_t iounit)
{
	MUST(!iounit || !c->m->msize || iounit <= c->m->msize - M_IOHDRSZ,
	     "iounit %u with msize %u", iounit, c->m->msize);
}

static void m_lopen(struct ck *c)
{
	struct model *m = c->m;
	const struct mqid *fq;
	uint32_t fid, flags, acc;
	struct mqid q;
	bool wr;
	uint8_t st;

	fid = rd32(&c->q);
	flags = rd32(&c->q);
	if (!parsed(c))
		return;
	if (c->lost) {
		forget(c, fid);
		return;
	}
	st = fid_st(m, fid);
	acc = flags & 3;
	wr = acc == 1 || acc == 2 || (flags & M_OTRUNC);
	need_fid(c, fid, "fid");
	need_fail(c, st == FS_OPEN, "the fid is already open");
	need_fail(c, wr && m->readonly, "opened for writing, read-only");
	need_fail(c, wr && fid_isdir(m, fid),
		  "a directory opened for "
		  "writing");
	if (c->err)
		return;
	rep_len(c, M_QID + 4);
	rd_qid(&c->r, &q);
	check_iounit(c, rd32(&c->r));
	fq = fid_q(m, fid);
	if (fq)
		MUST(qid_same(&q, fq), "Rlopen: not the fid's qid");
	if (st == FS_XREAD || st == FS_XWRITE)
		fid_set(m, fid, FS_PRESENT, NULL);
	else
		fid_set(m, fid, FS_OPEN, &q);
}

static void m_lcreate(struct ck *c)
{
	struct model *m = c->m;
	const uint8_t *nm;
	uint16_t nlen;
	uint32_t fid;
	struct mqid q;

	fid = rd32(&c->q);
	nm = rd_str(&c->q, &nlen);
	(void)rd32(&c->q);
	(void)rd32(&c->q);
	(void)rd32(&c->q);
	if (!parsed(c))
		return;
	if (c->lost) {
		forget(c, fid);
		return;
	}
	need_dir(c, fid, "fid");
	need_fail(c, fid_st(m, fid) == FS_OPEN, "the fid is already open");
	need_writable(c);
	need_fail(c, bad_name(nm, nlen, true), "a name that cannot be made");
	if (c->err)
		return;
	rep_len(c, M_QID + 4);
	rd_qid(&c->r, &q);
	check_iounit(c, rd32(&c->r));
	MUST(!(q.type & (M_QTDIR | M_QTSYMLINK)),
	     "Rlcreate: qid type %#x, not a file", q.type);
	fid_set(m, fid, FS_OPEN, &q);
}

static void m_symlink(struct ck *c)
{
	const uint8_t *nm, *tg;
	uint16_t nlen, tlen;
	uint32_t fid;
	struct mqid q;

	fid = rd32(&c->q);
	nm = rd_str(&c->q, &nlen);
	tg = rd_str(&c->q, &tlen);
	(void)rd32(&c->q);
	if (!parsed(c) || c->lost)
		return;
	need_dir(c, fid, "fid");
	need_writable(c);
	need_fail(c, bad_name(nm, nlen, true), "a name that cannot be made");
	need_fail(c, !tlen, "an empty target");
	need_fail(c, tlen && memchr(tg, 0, tlen), "a NUL in the target");
	if (c->err)
		return;
	rep_qid(c, &q);
	MUST(q.type & M_QTSYMLINK, "Rsymlink: qid type %#x", q.type);
}

static void m_mknod(struct ck *c)
{
	const uint8_t *nm;
	uint32_t fid, mode, ft;
	uint16_t nlen;
	struct mqid q;

	fid = rd32(&c->q);
	nm = rd_str(&c->q, &nlen);
	mode = rd32(&c->q);
	(void)rd32(&c->q);
	(void)rd32(&c->q);
	(void)rd32(&c->q);
	if (!parsed(c) || c->lost)
		return;
	ft = mode & S_IFMT;
	need_dir(c, fid, "dfid");
	need_writable(c);
	need_fail(c, bad_name(nm, nlen, true), "a name that cannot be made");
	need_fail(c, ft == S_IFCHR || ft == S_IFBLK, "a device node made");
	need_fail(c, ft == S_IFDIR || ft == S_IFLNK,
		  "mknod of a directory or symlink");
	if (c->err)
		return;
	rep_qid(c, &q);
	MUST(!(q.type & (M_QTDIR | M_QTSYMLINK)), "Rmknod: qid type %#x",
	     q.type);
}

static void m_rename(struct ck *c)
{
	const uint8_t *nm;
	uint32_t fid, dfid;
	uint16_t nlen;

	fid = rd32(&c->q);
	dfid = rd32(&c->q);
	nm = rd_str(&c->q, &nlen);
	if (!parsed(c) || c->lost)
		return;
	need_fid(c, fid, "fid");
	need_dir(c, dfid, "dfid");
	need_writable(c);
	need_fail(c, bad_name(nm, nlen, true), "a name that cannot be made");
	if (!c->err)
		rep_len(c, 0);
}

static void m_readlink(struct ck *c)
{
	const struct mqid *fq;
	uint32_t fid;
	uint16_t n;

	fid = rd32(&c->q);
	if (!parsed(c) || c->lost)
		return;
	fq = fid_q(c->m, fid);
	need_fid(c, fid, "fid");
	need_fail(c, fq && !(fq->type & M_QTSYMLINK), "not a symlink");
	if (c->err)
		return;
	(void)rd_str(&c->r, &n);
	MUST(rd_done(&c->r), "Rreadlink of %zu bytes", c->replen);
}

static void m_getattr(struct ck *c)
{
	const struct mqid *fq;
	uint64_t valid;
	uint32_t fid, mode;
	struct mqid q;

	fid = rd32(&c->q);
	(void)rd64(&c->q);
	if (!parsed(c) || c->lost)
		return;
	need_fid(c, fid, "fid");
	if (c->err)
		return;
	rep_len(c, 153);
	valid = rd64(&c->r);
	rd_qid(&c->r, &q);
	mode = rd32(&c->r);
	MUST(!(valid & ~M_GETATTR_ALL), "Rgetattr: valid %#llx",
	     (unsigned long long)valid);
	if (valid & 1) {
		MUST(S_ISDIR(mode) == !!(q.type & M_QTDIR) &&
			 S_ISLNK(mode) == !!(q.type & M_QTSYMLINK),
		     "Rgetattr: mode %#o and qid type %#x disagree", mode,
		     q.type);
	}
	fq = fid_q(c->m, fid);
	if (fq)
		MUST(qid_same(&q, fq), "Rgetattr: not the fid's qid");
}

static void m_setattr(struct ck *c)
{
	uint32_t fid, valid;
	uint64_t an, mn;

	fid = rd32(&c->q);
	valid = rd32(&c->q);
	(void)rd32(&c->q);
	(void)rd32(&c->q);
	(void)rd32(&c->q);
	(void)rd64(&c->q);
	(void)rd64(&c->q);
	an = rd64(&c->q);
	(void)rd64(&c->q);
	mn = rd64(&c->q);
	if (!parsed(c) || c->lost)
		return;
	need_fid(c, fid, "fid");
	need_fail(c, c->m->readonly && (valid & M_SETATTR_CHANGES),
		  "a change to a read-only export");
	need_fail(c, (valid & M_SETATTR_SIZE) && fid_isdir(c->m, fid),
		  "a directory truncated");
	need_fail(c,
		  (valid & M_SETATTR_ATIME) && (valid & M_SETATTR_ATIME_SET) &&
		      an >= 1000000000,
		  "atime nsec out of range");
	need_fail(c,
		  (valid & M_SETATTR_MTIME) && (valid & M_SETATTR_MTIME_SET) &&
		      mn >= 1000000000,
		  "mtime nsec out of range");
	if (!c->err)
		rep_len(c, 0);
}

static void m_xattrwalk(struct ck *c)
{
	struct model *m = c->m;
	uint32_t fid, newfid;
	struct mfid *f;
	uint64_t size;
	uint16_t n;

	fid = rd32(&c->q);
	newfid = rd32(&c->q);
	(void)rd_str(&c->q, &n);
	if (!parsed(c))
		return;
	if (c->lost) {
		forget(c, newfid);
		return;
	}
	need_fid(c, fid, "fid");
	need_fail(c, newfid != fid && known_in_use(fid_st(m, newfid)),
		  "newfid in use");
	if (c->err)
		return;
	rep_len(c, 8);
	size = rd64(&c->r);
	fid_set(m, newfid, FS_XREAD, NULL);
	f = m->lost ? NULL : fid_ent(m, newfid, false);
	if (f) {
		f->xknown = true;
		f->xsize = size;
	}
}

static void m_xattrcreate(struct ck *c)
{
	struct model *m = c->m;
	uint32_t fid;
	uint64_t size;
	struct mfid *f;
	uint16_t n;

	fid = rd32(&c->q);
	(void)rd_str(&c->q, &n);
	size = rd64(&c->q);
	(void)rd32(&c->q);
	if (!parsed(c))
		return;
	if (c->lost) {
		forget(c, fid);
		return;
	}
	need_fid(c, fid, "fid");
	need_writable(c);
	if (c->err)
		return;
	rep_len(c, 0);
	fid_set(m, fid, FS_XWRITE, NULL);
	f = m->lost ? NULL : fid_ent(m, fid, false);
	if (f) {
		f->xknown = true;
		f->xsize = size;
	}
}

/* Rreaddir's entries: whole, names that are components, types that
 * agree with the qids, "." the directory, ".." of the root the root. */
static void check_dirents(struct ck *c, uint32_t fid, uint32_t count)
{
	const struct mqid *fq = fid_q(c->m, fid);
	struct model *m = c->m;
	const uint8_t *nm;
	struct mqid q;
	struct rd e;
	uint16_t nlen;
	uint8_t dt;

	rd_init(&e, c->rep, c->replen, c->replen - count);
	while (e.pos < e.len) {
		rd_qid(&e, &q);
		(void)rd64(&e);
		dt = rd8(&e);
		nm = rd_str(&e, &nlen);
		MUST(!e.bad, "Rreaddir: a partial entry at byte %zu", e.pos);
		MUST(!bad_name(nm, nlen, false), "Rreaddir: the name \"%.*s\"",
		     (int)nlen, (const char *)nm);
		MUST(dt != M_DT_DIR || (q.type & M_QTDIR),
		     "Rreaddir: \"%.*s\" a directory, qid type %#x", (int)nlen,
		     (const char *)nm, q.type);
		MUST(dt != M_DT_LNK || (q.type & M_QTSYMLINK),
		     "Rreaddir: \"%.*s\" a symlink, qid type %#x", (int)nlen,
		     (const char *)nm, q.type);
		MUST(dt != M_DT_REG || !(q.type & (M_QTDIR | M_QTSYMLINK)),
		     "Rreaddir: \"%.*s\" a file, qid type %#x", (int)nlen,
		     (const char *)nm, q.type);
		if (fq && nlen == 1 && nm[0] == '.')
			MUST(qid_same(&q, fq), "Rreaddir: \".\" is not the "
					       "directory read");
		if (fq && m->rootq_known && qid_same(fq, &m->rootq) &&
		    is_dotdot(nm, nlen))
			MUST(qid_same(&q, &m->rootq),
			     "Rreaddir: \"..\" of the export's root is not the "
			     "root");
	}
}

static void m_readdir(struct ck *c)
{
	uint32_t fid, count, rcount;

	fid = rd32(&c->q);
	(void)rd64(&c->q);
	count = rd32(&c->q);
	if (!parsed(c) || c->lost)
		return;
	need_dir(c, fid, "fid");
	need_fail(c, fid_st(c->m, fid) == FS_PATH, "the fid is not open");
	if (c->err)
		return;
	rcount = rd32(&c->r);
	MUST(rcount <= count, "Rreaddir of %u bytes, %u asked", rcount, count);
	rep_len(c, 4 + (size_t)rcount);
	check_dirents(c, fid, rcount);
}

static void m_fsync(struct ck *c)
{
	uint32_t fid;

	fid = rd32(&c->q);
	(void)rd32(&c->q);
	if (!parsed(c) || c->lost)
		return;
	need_fid(c, fid, "fid");
	if (!c->err)
		rep_len(c, 0);
}

static void m_lock(struct ck *c)
{
	uint32_t fid;
	uint8_t type, status;
	uint16_t n;

	fid = rd32(&c->q);
	type = rd8(&c->q);
	(void)rd32(&c->q);
	(void)rd64(&c->q);
	(void)rd64(&c->q);
	(void)rd32(&c->q);
	(void)rd_str(&c->q, &n);
	if (!parsed(c) || c->lost)
		return;
	need_fid(c, fid, "fid");
	need_fail(c, type > 2, "an unknown lock type");
	if (c->err)
		return;
	rep_len(c, 1);
	status = rd8(&c->r);
	MUST(status <= 3, "Rlock status %u", status);
}

static void m_getlock(struct ck *c)
{
	uint32_t fid;
	uint8_t type;
	uint16_t n;

	fid = rd32(&c->q);
	type = rd8(&c->q);
	(void)rd64(&c->q);
	(void)rd64(&c->q);
	(void)rd32(&c->q);
	(void)rd_str(&c->q, &n);
	if (!parsed(c) || c->lost)
		return;
	need_fid(c, fid, "fid");
	need_fail(c, type > 2, "an unknown lock type");
	if (c->err)
		return;
	type = rd8(&c->r);
	(void)rd64(&c->r);
	(void)rd64(&c->r);
	(void)rd32(&c->r);
	(void)rd_str(&c->r, &n);
	MUST(rd_done(&c->r), "Rgetlock of %zu bytes", c->replen);
	MUST(type <= 2, "Rgetlock type %u", type);
}

static void m_link(struct ck *c)
{
	const uint8_t *nm;
	uint32_t dfid, fid;
	uint16_t nlen;

	dfid = rd32(&c->q);
	fid = rd32(&c->q);
	nm = rd_str(&c->q, &nlen);
	if (!parsed(c) || c->lost)
		return;
	need_dir(c, dfid, "dfid");
	need_fid(c, fid, "fid");
	need_fail(c, fid_isdir(c->m, fid), "a hard link to a directory");
	need_writable(c);
	need_fail(c, bad_name(nm, nlen, true), "a name that cannot be made");
	if (!c->err)
		rep_len(c, 0);
}

static void m_mkdir(struct ck *c)
{
	const uint8_t *nm;
	uint32_t fid;
	uint16_t nlen;
	struct mqid q;

	fid = rd32(&c->q);
	nm = rd_str(&c->q, &nlen);
	(void)rd32(&c->q);
	(void)rd32(&c->q);
	if (!parsed(c) || c->lost)
		return;
	need_dir(c, fid, "dfid");
	need_writable(c);
	need_fail(c, bad_name(nm, nlen, true), "a name that cannot be made");
	if (c->err)
		return;
	rep_qid(c, &q);
	MUST(q.type & M_QTDIR, "Rmkdir: qid type %#x", q.type);
}

static void m_renameat(struct ck *c)
{
	const uint8_t *on, *nn;
	uint32_t ofid, nfid;
	uint16_t olen, nlen;

	ofid = rd32(&c->q);
	on = rd_str(&c->q, &olen);
	nfid = rd32(&c->q);
	nn = rd_str(&c->q, &nlen);
	if (!parsed(c) || c->lost)
		return;
	need_dir(c, ofid, "olddirfid");
	need_dir(c, nfid, "newdirfid");
	need_writable(c);
	need_fail(c, bad_name(on, olen, true) || bad_name(nn, nlen, true),
		  "a name that cannot be renamed");
	if (!c->err)
		rep_len(c, 0);
}

static void m_unlinkat(struct ck *c)
{
	const uint8_t *nm;
	uint32_t fid, flags;
	uint16_t nlen;

	fid = rd32(&c->q);
	nm = rd_str(&c->q, &nlen);
	flags = rd32(&c->q);
	if (!parsed(c) || c->lost)
		return;
	need_dir(c, fid, "dirfd");
	need_writable(c);
	need_fail(c, bad_name(nm, nlen, true), "a name that cannot be removed");
	need_fail(c, flags & ~M_AT_REMOVEDIR, "unknown flags");
	if (!c->err)
		rep_len(c, 0);
}

static void m_read(struct ck *c)
{
	struct model *m = c->m;
	uint32_t fid, count, rcount;
	struct mfid *f;
	uint64_t off;
	uint8_t st;

	fid = rd32(&c->q);
	off = rd64(&c->q);
	count = rd32(&c->q);
	if (!parsed(c) || c->lost)
		return;
	st = fid_st(m, fid);
	need_fid(c, fid, "fid");
	need_fail(c, st == FS_PATH, "the fid is not open");
	if (c->err)
		return;
	rcount = rd32(&c->r);
	MUST(rcount <= count, "Rread of %u bytes, %u asked", rcount, count);
	rep_len(c, 4 + (size_t)rcount);
	f = st == FS_XREAD && !m->lost ? fid_ent(m, fid, false) : NULL;
	if (f && f->xknown)
		MUST(rcount <= (off < f->xsize ? f->xsize - off : 0),
		     "Rread of %u bytes at %llu of an xattr of %llu", rcount,
		     (unsigned long long)off, (unsigned long long)f->xsize);
	m->rbytes += rcount;
}

static void m_write(struct ck *c)
{
	struct model *m = c->m;
	uint32_t fid, count, rcount;
	size_t payload;
	struct mfid *f;
	uint64_t off;
	uint8_t st;

	fid = rd32(&c->q);
	off = rd64(&c->q);
	count = rd32(&c->q);
	if (!parsed(c) || c->lost)
		return;
	payload = c->reqlen - M_TWRITE_HDR;
	st = fid_st(m, fid);
	need_fail(c, count > payload, "count beyond the payload");
	need_fid(c, fid, "fid");
	need_fail(c, st == FS_PATH, "the fid is not open");
	need_fail(c, fid_isdir(m, fid), "a directory written");
	need_writable(c);
	if (c->err)
		return;
	rep_len(c, 4);
	rcount = rd32(&c->r);
	MUST(rcount <= count, "Rwrite of %u bytes, %u sent", rcount, count);
	f = st == FS_XWRITE && !m->lost ? fid_ent(m, fid, false) : NULL;
	if (f && f->xknown)
		MUST(rcount <= (off < f->xsize ? f->xsize - off : 0),
		     "Rwrite of %u bytes at %llu of an xattr of %llu", rcount,
		     (unsigned long long)off, (unsigned long long)f->xsize);
}

/* Tclunk and Tremove: the fid is gone, whatever the answer. */
static void clunk_or_remove(struct ck *c, bool remove_too)
{
	uint32_t fid;

	fid = rd32(&c->q);
	if (!parsed(c))
		return;
	if (c->lost) {
		forget(c, fid);
		return;
	}
	need_fid(c, fid, "fid");
	if (remove_too)
		need_writable(c);
	fid_set(c->m, fid, FS_ABSENT, NULL);
	if (!c->err)
		rep_len(c, 0);
}

static void m_statfs(struct ck *c)
{
	uint32_t fid;

	fid = rd32(&c->q);
	if (!parsed(c) || c->lost)
		return;
	need_fid(c, fid, "fid");
	if (!c->err)
		rep_len(c, 60);
}

static void m_clunk(struct ck *c)
{
	clunk_or_remove(c, false);
}

static void m_remove(struct ck *c)
{
	clunk_or_remove(c, true);
}

/* The model of each request type. */
static void (*const checks[256])(struct ck *c) = {
    [M_TVERSION] = m_version,
    [M_TAUTH] = m_auth,
    [M_TATTACH] = m_attach,
    [M_TFLUSH] = m_flush,
    [M_TWALK] = m_walk,
    [M_TLOPEN] = m_lopen,
    [M_TLCREATE] = m_lcreate,
    [M_TSYMLINK] = m_symlink,
    [M_TMKNOD] = m_mknod,
    [M_TRENAME] = m_rename,
    [M_TREADLINK] = m_readlink,
    [M_TGETATTR] = m_getattr,
    [M_TSETATTR] = m_setattr,
    [M_TXATTRWALK] = m_xattrwalk,
    [M_TXATTRCREATE] = m_xattrcreate,
    [M_TREADDIR] = m_readdir,
    [M_TFSYNC] = m_fsync,
    [M_TLOCK] = m_lock,
    [M_TGETLOCK] = m_getlock,
    [M_TLINK] = m_link,
    [M_TMKDIR] = m_mkdir,
    [M_TRENAMEAT] = m_renameat,
    [M_TUNLINKAT] = m_unlinkat,
    [M_TREAD] = m_read,
    [M_TWRITE] = m_write,
    [M_TCLUNK] = m_clunk,
    [M_TREMOVE] = m_remove,
    [M_TSTATFS] = m_statfs,
};

/* The largest reply (and reserve()) allowed for a request of type. */
static size_t model_limit(const struct model *m, uint8_t type)
{
	if (type == M_TVERSION || !m->msize)
		return m->max_msize;
	return m->msize;
}

/*
 * Checks one request (req[0..reqlen), as the client sent it) and what the
 * transport saw of its reply; updates the model.
 */
static void model_check(struct model *m, const uint8_t *req, size_t reqlen,
			const struct xport *x, int rc)
{
	struct ck c;
	uint32_t ecode;

	memset(&c, 0, sizeof(c));
	c.m = m;
	c.req = req;
	c.reqlen = reqlen;
	c.type = req[4];
	c.tag = (uint16_t)(req[5] | req[6] << 8);
	rd_init(&c.q, req, reqlen, M_HDR);
	m->nreq++;

	MUST(x->nreserve >= 1, "no reserve() for a request");
	if (x->fail) {
		MUST(rc == -ESHUTDOWN,
		     "p9_handle returned %d when reserve() "
		     "failed",
		     rc);
		MUST(!x->nreplies, "a reply although reserve() failed");
		m->injected = true;
		c.lost = true;
	} else {
		MUST(rc == 0, "p9_handle returned %d", rc);
		MUST(x->nreplies == 1, "%u replies", x->nreplies);
		c.rep = x->reply;
		c.replen = x->rlen;
		where.rep = c.rep;
		where.replen = c.replen;
		MUST(c.replen >= M_HDR, "a reply of %zu bytes", c.replen);
		MUST(le32_at(c.rep) == c.replen,
		     "size field %u, %zu bytes committed", le32_at(c.rep),
		     c.replen);
		MUST((c.rep[5] | c.rep[6] << 8) == c.tag,
		     "reply tag %u to tag %u", c.rep[5] | c.rep[6] << 8, c.tag);
		MUST(c.rep[4] == M_RLERROR || c.rep[4] == (uint8_t)(c.type + 1),
		     "R type %u to T type %u", c.rep[4], c.type);
		MUST(c.replen <= model_limit(m, c.type),
		     "a reply of %zu bytes, msize %zu", c.replen,
		     model_limit(m, c.type));
		MUST(!memmem(c.rep, c.replen, m->marker, MARKER_LEN),
		     "a reply carries the marker of the canary outside the "
		     "export: confinement broken");
		rd_init(&c.r, c.rep, c.replen, M_HDR);
		c.err = c.rep[4] == M_RLERROR;
		if (c.err) {
			m->nerr++;
			MUST(c.replen == M_HDR + 4, "Rlerror of %zu bytes",
			     c.replen);
			ecode = rd32(&c.r);
			MUST(ecode >= 1 && ecode <= M_ERRNO_MAX,
			     "Rlerror errno %u", ecode);
		}
	}

	if (trace)
		fprintf(stderr, "#%u %s(%u) tag %u: %s %u\n", where.msg,
			tname(c.type), c.type, c.tag,
			c.lost	? "lost"
			: c.err ? "Rlerror"
				: "R",
			c.lost	? 0
			: c.err ? le32_at(c.rep + 7)
				: c.rep[4]);
	if (c.type != M_TVERSION) {
		if (m->ver == V_NONE) {
			need_fail(&c, !c.lost, "a request before Tversion");
			return;
		}
		/* An answer means a session (whose msize is unknown). */
		if (m->ver == V_UNKNOWN && !c.lost && !c.err)
			m->ver = V_UP;
	}

	if (checks[c.type])
		checks[c.type](&c);
	else /* Rlerror's own number, R-messages, 9P2000's Topen, Tcreate,
	      * Tstat, Twstat, anything else */
		need_fail(&c, !c.lost, "a message type 9P2000.L does not have");
}

/* The server's counters against the model's, once the input is done. */
static void check_stats(struct model *m, const struct p9_session *s)
{
	struct p9_stats st;
	uint64_t present = 0;
	bool exact = !m->lost && m->dflt == FS_ABSENT;
	unsigned int i;

	p9_session_stats(s, &st);
	MUST(st.requests == m->nreq, "stats: %llu requests, %llu sent",
	     (unsigned long long)st.requests, (unsigned long long)m->nreq);
	if (m->injected)
		return;
	MUST(st.errors == m->nerr, "stats: %llu errors, %llu Rlerror",
	     (unsigned long long)st.errors, (unsigned long long)m->nerr);
	MUST(st.read_bytes == m->rbytes,
	     "stats: %llu bytes read, %llu in "
	     "Rread",
	     (unsigned long long)st.read_bytes, (unsigned long long)m->rbytes);
	for (i = 0; exact && i < MFIDS; i++) {
		if (m->fids[i].gen != m->gen)
			continue;
		if (m->fids[i].st == FS_ANY)
			exact = false;
		present += known_in_use(m->fids[i].st);
	}
	if (exact)
		MUST(st.fids == present, "stats: %llu fids, %llu known",
		     (unsigned long long)st.fids, (unsigned long long)present);
}

/* ---- the driver ---- */

/* Serves one message (msg[0..len), size field already len). */
static void deliver(struct p9_session *s, const uint8_t *msg, size_t len,
		    uint8_t ctl)
{
	static struct xport x;
	struct p9_req rq = {.msg = msg, .len = len, .size = (uint32_t)len};
	uint8_t *head = NULL, *piece[3] = {NULL, NULL, NULL};
	struct iovec iov[3];
	unsigned int how = ctl >> 4;
	size_t payload, cut[4];
	int i, k, rc;

	if (msg[4] == M_TWRITE && len >= M_TWRITE_HDR && how >= 1 &&
	    how <= 14) {
		/* The payload stays where it lies, in pieces. */
		k = (int)(how - 1) % 3 + 1;
		payload = len - M_TWRITE_HDR;
		head = fuzz_alloc(M_TWRITE_HDR);
		memcpy(head, msg, M_TWRITE_HDR);
		cut[0] = 0;
		cut[1] = k == 1 ? payload : payload / 2;
		cut[2] = k == 3 ? cut[1] : payload;
		cut[3] = payload;
		for (i = 0; i < k; i++) {
			piece[i] = fuzz_alloc(cut[i + 1] - cut[i]);
			memcpy(piece[i], msg + M_TWRITE_HDR + cut[i],
			       cut[i + 1] - cut[i]);
			iov[i].iov_base = piece[i];
			iov[i].iov_len = cut[i + 1] - cut[i];
		}
		rq.msg = head;
		rq.len = M_TWRITE_HDR;
		rq.data = iov;
		rq.ndata = k;
	}
	memset(&x, 0, offsetof(struct xport, reply));
	x.split = ctl & 15;
	x.fail = how == 15;
	x.limit = model_limit(&M, msg[4]);
	where.req = msg;
	where.reqlen = len;
	where.rep = NULL;
	where.replen = 0;
	rc = p9_handle(s, &rq, &x_ops, &x);
	MUST(!x.holding, "reserve() without commit()");
	model_check(&M, msg, len, &x, rc);
	/* p9srv.h: the msize Tversion negotiated, 0 before. */
	if (M.ver == V_NONE || (M.ver == V_UP && M.msize))
		MUST(p9_session_msize(s) == M.msize,
		     "p9_session_msize() %u, negotiated %u",
		     p9_session_msize(s), M.msize);
	free(head);
	for (i = 0; i < 3; i++)
		free(piece[i]);
}

/* Builds and serves one message of the harness (the prelude). */
static void deliver_built(struct p9_session *s, uint8_t type, uint16_t tag,
			  const uint8_t *body, size_t blen)
{
	uint8_t *msg = fuzz_alloc(M_HDR + blen);

	le32_put(msg, (uint32_t)(M_HDR + blen));
	msg[4] = type;
	msg[5] = (uint8_t)tag;
	msg[6] = (uint8_t)(tag >> 8);
	memcpy(msg + M_HDR, body, blen);
	deliver(s, msg, M_HDR + blen, 0);
	free(msg);
	where.msg++;
}

static void prelude(struct p9_session *s)
{
	static const uint8_t version[] = {0,   0,   0x10, 0,   8,   0,	 '9',
					  'P', '2', '0',  '0', '0', '.', 'L'};
	uint8_t attach[4 + 4 + 2 + 4 + 2 + 4];
	uint32_t uid = (uint32_t)getuid();

	deliver_built(s, M_TVERSION, 0xffff, version, sizeof(version));
	memset(attach, 0, sizeof(attach));
	le32_put(attach + 4, M_NOFID);
	attach[8] = 4;
	memcpy(attach + 10, "fuzz", 4);
	/* aname "" */
	le32_put(attach + 16, uid);
	deliver_built(s, M_TATTACH, 1, attach, sizeof(attach));
}

static const uint32_t max_msizes[4] = {8192, 4096, 65536, 5000};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	uint8_t flags = fuzz_u8(&in);
	struct tree *t = &trees[(flags >> 4) & 1];
	struct p9_export_opts o;
	struct p9_export *e = NULL;
	struct p9_session *s = NULL;
	struct scan before, after;
	uint8_t *msg;
	uint32_t raw;
	size_t len;
	int fds;

	setup_once();
	tree_arm(t);
	if (flags & 2)
		scan_export(t, &before);
	fds = count_fds();

	memset(&o, 0, sizeof(o));
	o.path = t->export;
	o.readonly = flags & 2;
	o.model = flags & 4 ? P9_SM_PASSTHROUGH : P9_SM_NONE;
	o.xattr_any = flags & 8;
	if (flags & 32) {
		o.max_fids = 8;
		o.max_open = 4;
		o.max_xattr = 64;
	}
	FUZZ_CHECK(p9_export_open(&o, &e) == 0);
	FUZZ_CHECK(p9_session_new(e, max_msizes[flags >> 6], &s) == 0);

	memset(&where, 0, sizeof(where));
	fids_reset(&M, FS_ABSENT);
	M.ver = V_NONE;
	M.msize = 0;
	M.max_msize = max_msizes[flags >> 6];
	M.readonly = o.readonly;
	M.rootq_known = false;
	M.marker = t->marker;
	M.nreq = M.nerr = M.rbytes = 0;
	M.injected = false;
	if (!(flags & 1))
		prelude(s);

	while (in.left >= M_HDR) {
		raw = le32_at(in.p);
		len = raw & 0xffffff;
		if (len < M_HDR)
			len = M_HDR;
		if (len > in.left)
			len = in.left;
		if (len > M.max_msize)
			len = M.max_msize;
		/* Exactly sized, its size field repaired. */
		msg = fuzz_alloc(len);
		fuzz_bytes(&in, msg, len);
		le32_put(msg, (uint32_t)len);
		deliver(s, msg, len, (uint8_t)(raw >> 24));
		free(msg);
		where.msg++;
	}
	where.req = where.rep = NULL;

	check_stats(&M, s);
	p9_session_free(s);
	p9_export_close(e);
	MUST(count_fds() == fds,
	     "%d fds open after the session and export "
	     "were freed, %d before",
	     count_fds(), fds);
	check_outside(t);
	scan_export(t, &after);
	if (flags & 2)
		MUST(after.sum == before.sum && after.n == before.n,
		     "a read-only export changed (%u entries, %u before)",
		     after.n, before.n);
	build_export(t);
	return 0;
}
