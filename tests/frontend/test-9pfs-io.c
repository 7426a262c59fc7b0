/* SPDX-License-Identifier: MIT */
/*
 * test-9pfs-io.c - the guest side of the 9pfs frontend tests: opens 9pfs
 * share --devid of its domain with libxenpvfront (xpvf_9p_*), attaches,
 * and does what the options say, in this order, printing each step:
 *
 *   --ops            the client calls one by one, each result checked:
 *                    mkdir, lcreate, write (a few msize parts) and read
 *                    back, getattr size, truncate, fsync, walk and lopen
 *                    of the path, a walk that must fail with ENOENT,
 *                    --files more files and a readdir that must list them
 *                    all exactly once (several Treaddir when msize is
 *                    small), a 20-level path walked in one call (two
 *                    Twalks), unlinkat of everything, clunk; then raw
 *                    messages: 64 Tgetattr in flight at once (replies
 *                    out of order are matched by tag).
 *   --write FILE SIZE
 *                    creates (or truncates) FILE (its directory must
 *                    exist) and writes SIZE bytes of the pattern.
 *   --verify FILE SIZE
 *                    FILE's size must be SIZE and its bytes the pattern;
 *                    a read past the end must come back short.
 *   --break          a raw Tgetattr whose reply buffer is too small: it
 *                    must fail with -EMSGSIZE and break the device (every
 *                    later call -EIO).
 *   --until-gone     prints "ready", then sends Tgetattr until the
 *                    backend goes away (the test takes the share away):
 *                    the call in flight and every later one must fail
 *                    with -ECONNRESET (or -ENODEV), a raw one in flight
 *                    too, exactly once.
 *
 * --gen FILE SIZE writes the pattern to a local file without Xen (the
 * host side's reference for cmp) and exits.  --msize, --order, --rings
 * bound what is negotiated; --expect-msize, --expect-order,
 * --expect-rings, --expect-tag check it.  Exit 0 pass, 1 fail, 2 usage.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xenpvfront.h"
#include "test-util.h"

/* Bytes of the pattern generated per step. */
#define CHUNK (4u << 20)

static struct xpvf_9p *h;
static struct xpvf_9p_info info;
static uint32_t root;
static uint64_t seed = 1;
static unsigned int nfiles = 40;

#define CHECK_OK(expr)                                                      \
	do {                                                                \
		long long r_ = (long long)(expr);                           \
		CHECK_MSG(r_ >= 0, "%lld (%s)", r_,                         \
			  r_ < 0 ? strerror((int)-r_) : "");                \
	} while (0)

/* The byte of the pattern at file offset off. */
static unsigned char pattern(uint64_t off)
{
	uint64_t x = (off / 8 + 1) * 0x9e3779b97f4a7c15ull ^ seed;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 32;
	return (unsigned char)(x >> (8 * (off % 8)));
}

static void fill(unsigned char *b, uint64_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = pattern(off + i);
}

/* The index of the first byte of b that is not the pattern, or len. */
static size_t mismatch(const unsigned char *b, uint64_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != pattern(off + i))
			return i;
	return len;
}

/* Splits "a/b/c" into "a/b" (in dir) and "c". */
static const char *split(const char *path, char *dir, size_t size)
{
	const char *s = strrchr(path, '/');

	if (!s) {
		snprintf(dir, size, "%s", "");
		return path;
	}
	snprintf(dir, size, "%.*s", (int)(s - path), path);
	return s + 1;
}

/* ---- --write and --verify ---- */

static void do_write(const char *path, uint64_t size)
{
	char dir[4096];
	const char *name = split(path, dir, sizeof(dir));
	unsigned char *b = malloc(CHUNK);
	struct xpvf_9p_attr a;
	uint64_t off = 0;
	size_t n;
	uint32_t fid;

	CHECK(b);
	test_where("write %s", path);
	CHECK_OK(xpvf_9p_walk(h, root, dir, &fid));
	CHECK_OK(xpvf_9p_lcreate(h, fid, name,
				 XPVF_9P_WRONLY | XPVF_9P_CREATE |
					 XPVF_9P_TRUNC,
				 0644, (uint32_t)getgid(), NULL));
	while (off < size) {
		n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
		fill(b, off, n);
		CHECK_EQ(xpvf_9p_write(h, fid, off, b, n), (long long)n);
		off += n;
	}
	CHECK_OK(xpvf_9p_fsync(h, fid, 0));
	CHECK_OK(xpvf_9p_getattr(h, fid, &a));
	CHECK_EQ(a.size, size);
	CHECK_OK(xpvf_9p_clunk(h, fid));
	free(b);
	printf("wrote %s: %" PRIu64 " bytes\n", path, size);
}

static void do_verify(const char *path, uint64_t size)
{
	unsigned char *b = malloc(CHUNK + 1);
	struct xpvf_9p_attr a;
	uint64_t off = 0;
	size_t n, bad;
	uint32_t fid;

	CHECK(b);
	test_where("verify %s", path);
	CHECK_OK(xpvf_9p_walk(h, root, path, &fid));
	CHECK_OK(xpvf_9p_getattr(h, fid, &a));
	CHECK_EQ(a.size, size);
	CHECK_OK(xpvf_9p_lopen(h, fid, XPVF_9P_RDONLY, NULL));
	while (off < size) {
		n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
		memset(b, 0xa5, n);
		CHECK_EQ(xpvf_9p_read(h, fid, off, b, n), (long long)n);
		bad = mismatch(b, off, n);
		CHECK_MSG(bad == n, "byte %" PRIu64 " differs",
			  off + (uint64_t)bad);
		off += n;
	}
	/* Past the end: short, then nothing. */
	if (size) {
		CHECK_EQ(xpvf_9p_read(h, fid, size - 1, b, 2), 1);
		CHECK_EQ(b[0], pattern(size - 1));
	}
	CHECK_EQ(xpvf_9p_read(h, fid, size, b, 1), 0);
	CHECK_OK(xpvf_9p_clunk(h, fid));
	free(b);
	printf("verified %s: %" PRIu64 " bytes\n", path, size);
}

/* ---- --ops ---- */

struct listing {
	unsigned int seen[1024];	/* e%03u files */
	unsigned int f1, dot, dotdot, other;
};

static int list_fn(void *opaque, const struct xpvf_9p_dirent *e)
{
	struct listing *l = opaque;
	unsigned int i;

	CHECK(strlen(e->name) == e->name_len);
	if (!strcmp(e->name, "f1"))
		l->f1++;
	else if (!strcmp(e->name, "."))
		l->dot++;
	else if (!strcmp(e->name, ".."))
		l->dotdot++;
	else if (sscanf(e->name, "e%u", &i) == 1 && i < 1024)
		l->seen[i]++;
	else
		l->other++;
	return 0;
}

static void list_dir(uint32_t dfid, struct listing *l, unsigned int *calls)
{
	uint64_t cookie = 0;
	uint32_t fid;
	int n;

	memset(l, 0, sizeof(*l));
	*calls = 0;
	CHECK_OK(xpvf_9p_walk(h, dfid, "", &fid));
	CHECK_OK(xpvf_9p_lopen(h, fid, XPVF_9P_RDONLY | XPVF_9P_DIRECTORY,
			       NULL));
	while ((n = xpvf_9p_readdir(h, fid, &cookie, list_fn, l)) > 0)
		(*calls)++;
	CHECK_OK(n);
	CHECK_OK(xpvf_9p_clunk(h, fid));
}

/* Raw Tgetattr of fid, built by hand. */
static size_t build_getattr(unsigned char *t, uint32_t fid)
{
	static const unsigned char hdr[] = { 19, 0, 0, 0, 24, 0, 0 };

	memcpy(t, hdr, sizeof(hdr));
	t[7] = (unsigned char)fid;
	t[8] = (unsigned char)(fid >> 8);
	t[9] = (unsigned char)(fid >> 16);
	t[10] = (unsigned char)(fid >> 24);
	memset(t + 11, 0, 8);
	t[11] = 0xff;
	t[12] = 0x07;	/* P9_GETATTR_BASIC */
	return 19;
}

#define RAW 64

struct raw_ctx {
	int calls;
	int result;
	unsigned char t[19];
	unsigned char r[160];
};

static void raw_done(void *opaque, int result, const void *reply, size_t len)
{
	struct raw_ctx *c = opaque;

	c->calls++;
	c->result = result;
	if (result >= 0) {
		CHECK(reply == c->r);
		CHECK(len == (size_t)result);
	}
}

static void raw_ops(uint32_t fid)
{
	static struct raw_ctx ctx[RAW];
	unsigned int i, done = 0;
	int n;

	test_where("raw");
	for (i = 0; i < RAW; i++) {
		ctx[i].calls = 0;
		build_getattr(ctx[i].t, fid);
		CHECK_OK(xpvf_9p_submit(h, ctx[i].t, sizeof(ctx[i].t), ctx[i].r,
					sizeof(ctx[i].r), raw_done, &ctx[i]));
	}
	CHECK(xpvf_9p_in_flight(h) == RAW);
	while (xpvf_9p_in_flight(h)) {
		n = xpvf_9p_wait(h, 5000);
		CHECK_OK(n);
	}
	for (i = 0; i < RAW; i++) {
		CHECK_EQ(ctx[i].calls, 1);
		CHECK_EQ(ctx[i].result, 160);
		CHECK_EQ(ctx[i].r[4], 25);	/* Rgetattr */
		/* The tag the library wrote is the reply's. */
		CHECK(ctx[i].r[5] == ctx[i].t[5] && ctx[i].r[6] == ctx[i].t[6]);
		done++;
	}
	/* Refused at once: bad messages and buffers. */
	CHECK_EQ(xpvf_9p_submit(h, ctx[0].t, 18, ctx[0].r, 160, raw_done,
				&ctx[0]),
		 -EINVAL);
	CHECK_EQ(xpvf_9p_submit(h, ctx[0].t, 19, ctx[0].r, 10, raw_done,
				&ctx[0]),
		 -EINVAL);
	ctx[0].t[4] = 25;	/* an R-type */
	CHECK_EQ(xpvf_9p_submit(h, ctx[0].t, 19, ctx[0].r, 160, raw_done,
				&ctx[0]),
		 -EINVAL);
	CHECK_EQ(ctx[0].calls, 1);
	printf("raw: %u Tgetattr in flight at once, all answered once\n",
		done);
}

static void ops(void)
{
	struct xpvf_9p_attr a;
	struct xpvf_9p_qid q;
	struct listing l;
	unsigned char *b, *r;
	char path[512], name[32];
	uint32_t d, f, f2, x, w, gid = (uint32_t)getgid();
	size_t len = 3 * (size_t)info.msize + 1234;
	unsigned int i, calls;

	b = malloc(len);
	r = malloc(len + 16);
	CHECK(b && r);

	test_where("mkdir");
	CHECK_OK(xpvf_9p_walk(h, root, "", &d));
	xpvf_9p_unlinkat(h, d, "t9", XPVF_9P_AT_REMOVEDIR); /* a leftover */
	CHECK_OK(xpvf_9p_mkdir(h, d, "t9", 0755, gid, &q));
	CHECK(q.type & XPVF_9P_QTDIR);
	CHECK_EQ(xpvf_9p_mkdir(h, d, "t9", 0755, gid, NULL), -EEXIST);
	CHECK_OK(xpvf_9p_clunk(h, d));
	CHECK_OK(xpvf_9p_walk(h, root, "t9", &d));
	printf("mkdir t9\n");

	test_where("lcreate");
	CHECK_OK(xpvf_9p_walk(h, d, "", &f));
	CHECK_OK(xpvf_9p_lcreate(h, f, "f1", XPVF_9P_RDWR | XPVF_9P_CREATE,
				 0644, gid, &q));
	CHECK_EQ(q.type, XPVF_9P_QTFILE);
	fill(b, 0, len);
	test_where("write");
	CHECK_EQ(xpvf_9p_write(h, f, 0, b, len), (long long)len);
	test_where("read");
	memset(r, 0, len + 16);
	CHECK_EQ(xpvf_9p_read(h, f, 0, r, len + 16), (long long)len);
	CHECK(memcmp(r, b, len) == 0);
	memset(r, 0, len);
	CHECK_EQ(xpvf_9p_read(h, f, 7, r, len - 7), (long long)(len - 7));
	CHECK(memcmp(r, b + 7, len - 7) == 0);
	printf("lcreate t9/f1, wrote and read back %zu bytes\n", len);

	test_where("getattr");
	CHECK_OK(xpvf_9p_getattr(h, f, &a));
	CHECK_EQ(a.size, len);
	CHECK((a.mode & 0170000) == 0100000);
	CHECK_OK(xpvf_9p_fsync(h, f, 1));
	CHECK_OK(xpvf_9p_truncate(h, f, 1000));
	CHECK_OK(xpvf_9p_getattr(h, f, &a));
	CHECK_EQ(a.size, 1000);
	CHECK_OK(xpvf_9p_clunk(h, f));
	CHECK_EQ(xpvf_9p_clunk(h, f), -EBADF);
	printf("getattr size %zu, truncate to 1000\n", len);

	test_where("walk");
	CHECK_OK(xpvf_9p_walk(h, root, "/t9//./f1", &f));
	CHECK_OK(xpvf_9p_lopen(h, f, XPVF_9P_RDONLY, &q));
	memset(r, 0, 1000);
	CHECK_EQ(xpvf_9p_read(h, f, 0, r, len), 1000);
	CHECK(memcmp(r, b, 1000) == 0);
	CHECK_OK(xpvf_9p_clunk(h, f));
	CHECK_EQ(xpvf_9p_walk(h, root, "t9/nope", &f), -ENOENT);
	CHECK_EQ(xpvf_9p_walk(h, root, "nope/f1", &f), -ENOENT);
	printf("walk t9/f1 and lopen; walks to missing names: ENOENT\n");

	test_where("readdir");
	for (i = 0; i < nfiles; i++) {
		snprintf(name, sizeof(name), "e%03u", i);
		CHECK_OK(xpvf_9p_walk(h, d, "", &f));
		CHECK_OK(xpvf_9p_lcreate(h, f, name,
					 XPVF_9P_WRONLY | XPVF_9P_CREATE, 0600,
					 gid, NULL));
		CHECK_OK(xpvf_9p_clunk(h, f));
	}
	list_dir(d, &l, &calls);
	CHECK_EQ(l.f1, 1);
	CHECK_EQ(l.other, 0);
	for (i = 0; i < nfiles; i++)
		CHECK_MSG(l.seen[i] == 1, "e%03u seen %u times", i, l.seen[i]);
	printf("readdir: %u entries in %u Treaddir\n",
	       nfiles + 1 + l.dot + l.dotdot, calls);

	test_where("deep");
	CHECK_OK(xpvf_9p_walk(h, d, "", &x));
	path[0] = '\0';
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "n%u", i);
		CHECK_OK(xpvf_9p_mkdir(h, x, name, 0755, gid, NULL));
		CHECK_OK(xpvf_9p_walk(h, x, name, &w));
		CHECK_OK(xpvf_9p_clunk(h, x));
		x = w;
		strcat(path, name);
		strcat(path, "/");
	}
	CHECK_OK(xpvf_9p_clunk(h, x));
	CHECK_OK(xpvf_9p_walk(h, d, path, &x));
	CHECK_OK(xpvf_9p_getattr(h, x, &a));
	CHECK((a.mode & 0170000) == 0040000);
	CHECK_OK(xpvf_9p_clunk(h, x));
	strcat(path, "nope");
	CHECK_EQ(xpvf_9p_walk(h, d, path, &x), -ENOENT);
	for (i = 20; i-- > 0;) {
		path[0] = '\0';
		for (f2 = 0; f2 < i; f2++)
			sprintf(path + strlen(path), "n%u/", f2);
		CHECK_OK(xpvf_9p_walk(h, d, path, &x));
		snprintf(name, sizeof(name), "n%u", i);
		CHECK_OK(xpvf_9p_unlinkat(h, x, name, XPVF_9P_AT_REMOVEDIR));
		CHECK_OK(xpvf_9p_clunk(h, x));
	}
	printf("walked a 20-level path in one call, removed it\n");

	raw_ops(d);

	test_where("unlinkat");
	CHECK_EQ(xpvf_9p_unlinkat(h, root, "t9", XPVF_9P_AT_REMOVEDIR),
		 -ENOTEMPTY);
	for (i = 0; i < nfiles; i++) {
		snprintf(name, sizeof(name), "e%03u", i);
		CHECK_OK(xpvf_9p_unlinkat(h, d, name, 0));
	}
	CHECK_OK(xpvf_9p_unlinkat(h, d, "f1", 0));
	CHECK_EQ(xpvf_9p_unlinkat(h, d, "f1", 0), -ENOENT);
	list_dir(d, &l, &calls);
	CHECK_EQ(l.f1 + l.other, 0);
	CHECK_OK(xpvf_9p_clunk(h, d));
	CHECK_OK(xpvf_9p_unlinkat(h, root, "t9", XPVF_9P_AT_REMOVEDIR));
	CHECK_EQ(xpvf_9p_walk(h, root, "t9", &d), -ENOENT);
	printf("unlinkat: all gone\n");
	CHECK_EQ(xpvf_9p_in_flight(h), 0);
	free(b);
	free(r);
}

/* ---- --break ---- */

static void do_break(void)
{
	struct raw_ctx c = { 0 };
	struct xpvf_9p_attr a;
	int n;

	test_where("break");
	build_getattr(c.t, root);
	/* Rgetattr is 160 bytes: 11 cannot hold it. */
	CHECK_OK(xpvf_9p_submit(h, c.t, sizeof(c.t), c.r, 11, raw_done, &c));
	while (!c.calls) {
		n = xpvf_9p_wait(h, 5000);
		CHECK(n >= 0 || n == -EIO);
	}
	CHECK_EQ(c.result, -EMSGSIZE);
	CHECK_EQ(xpvf_9p_process(h), -EIO);
	CHECK_EQ(xpvf_9p_getattr(h, root, &a), -EIO);
	CHECK_EQ(xpvf_9p_submit(h, c.t, sizeof(c.t), c.r, 160, raw_done, &c),
		 -EIO);
	CHECK_EQ(xpvf_9p_in_flight(h), 0);
	printf("a reply larger than its buffer: EMSGSIZE, then EIO\n");
}

/* ---- --until-gone ---- */

static void until_gone(void)
{
	struct raw_ctx c = { 0 };
	struct xpvf_9p_attr a;
	int i, err = 0, n;

	test_where("until-gone");
	printf("ready\n");
	for (i = 0; i < 3000; i++) {
		/* A raw message in flight while the backend leaves. */
		if (!c.calls && xpvf_9p_in_flight(h) == 0) {
			build_getattr(c.t, root);
			err = xpvf_9p_submit(h, c.t, sizeof(c.t), c.r,
					     sizeof(c.r), raw_done, &c);
			/* The first call to see the end may be this one. */
			if (err < 0)
				break;
		}
		err = xpvf_9p_getattr(h, root, &a);
		if (err < 0)
			break;
		/* The raw message may be on another ring than the getattr
		 * that was just answered: it can be the one to see the end. */
		if (c.calls && c.result < 0) {
			err = c.result;
			break;
		}
		if (c.calls) {
			CHECK_EQ(c.result, 160);
			c.calls = 0;
		}
		usleep(10000);
	}
	CHECK_MSG(err == -ECONNRESET || err == -ENODEV, "getattr: %d", err);
	/* The raw message was answered, or failed the same way. */
	while (xpvf_9p_in_flight(h))
		xpvf_9p_wait(h, 1000);
	CHECK(c.calls <= 1);
	CHECK(!c.calls || c.result == 160 || c.result == err);
	n = xpvf_9p_process(h);
	CHECK_MSG(n == -ECONNRESET || n == -ENODEV, "process: %d", n);
	CHECK_EQ(xpvf_9p_getattr(h, root, &a), err);
	CHECK_EQ(xpvf_9p_submit(h, c.t, sizeof(c.t), c.r, 160, raw_done, &c),
		 err);
	CHECK_EQ(xpvf_9p_walk(h, root, "", &root), err);
	printf("backend gone: %s, then every call the same\n",
	       strerror(-err));
}

static int gen(const char *path, uint64_t size)
{
	unsigned char *b = malloc(CHUNK);
	uint64_t off = 0;
	size_t n;
	int fd;

	CHECK(b);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK_MSG(fd >= 0, "%s: %s", path, strerror(errno));
	while (off < size) {
		n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
		fill(b, off, n);
		CHECK(write(fd, b, n) == (ssize_t)n);
		off += n;
	}
	CHECK(close(fd) == 0);
	free(b);
	return 0;
}

#define MAX_FILES 8

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "devid", 1, NULL, 'd' },	  { "msize", 1, NULL, 'm' },
		{ "order", 1, NULL, 'o' },	  { "rings", 1, NULL, 'r' },
		{ "ops", 0, NULL, 'x' },	  { "write", 1, NULL, 'w' },
		{ "verify", 1, NULL, 'v' },	  { "gen", 1, NULL, 'g' },
		{ "break", 0, NULL, 'b' },	  { "files", 1, NULL, 'f' },
		{ "seed", 1, NULL, 's' },	  { "expect-msize", 1, NULL, 'M' },
		{ "expect-order", 1, NULL, 'O' }, { "expect-rings", 1, NULL, 'R' },
		{ "expect-tag", 1, NULL, 'T' },	  { "until-gone", 0, NULL, 'G' },
		{ NULL, 0, NULL, 0 },
	};
	struct xpvf_9p_opts opts;
	const char *wfile[MAX_FILES], *vfile[MAX_FILES], *gfile = NULL;
	uint64_t wsize[MAX_FILES], vsize[MAX_FILES], gsize = 0;
	unsigned int nw = 0, nv = 0, devid = 0, i;
	long ex_m = -1, ex_o = -1, ex_r = -1;
	const char *ex_tag = NULL;
	bool do_ops = false, brk = false, gone = false;
	int c, err;

	memset(&opts, 0, sizeof(opts));
	opts.size = sizeof(opts);
	opts.timeout_ms = 20000;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': devid = (unsigned int)atoi(optarg); break;
		case 'm': opts.msize = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'o':
			opts.max_ring_page_order = (unsigned int)atoi(optarg);
			break;
		case 'r': opts.max_rings = (unsigned int)atoi(optarg); break;
		case 'x': do_ops = true; break;
		case 'b': brk = true; break;
		case 'G': gone = true; break;
		case 'f': nfiles = (unsigned int)atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'M': ex_m = atol(optarg); break;
		case 'O': ex_o = atol(optarg); break;
		case 'R': ex_r = atol(optarg); break;
		case 'T': ex_tag = optarg; break;
		case 'w':
		case 'v':
		case 'g':
			/* FILE SIZE: the size is the next argument. */
			if (optind >= argc)
				return 2;
			if (c == 'g') {
				gfile = optarg;
				gsize = strtoull(argv[optind++], NULL, 0);
			} else if (c == 'w' && nw < MAX_FILES) {
				wfile[nw] = optarg;
				wsize[nw++] = strtoull(argv[optind++], NULL, 0);
			} else if (c == 'v' && nv < MAX_FILES) {
				vfile[nv] = optarg;
				vsize[nv++] = strtoull(argv[optind++], NULL, 0);
			} else {
				return 2;
			}
			break;
		default: return 2;
		}
	}
	if (gfile)
		return gen(gfile, gsize);
	CHECK(nfiles <= 1024);
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(300);

	err = xpvf_9p_open(&h, XPVF_DOMID_SELF, devid, &opts);
	if (err < 0) {
		fprintf(stderr, "xpvf_9p_open: %s\n", strerror(-err));
		return 1;
	}
	CHECK(xpvf_9p_fd(h) >= 0);
	CHECK_OK(xpvf_9p_info(h, &info));
	printf("open: tag '%s', %u rings of order %u (%u bytes each way), "
	       "msize %u, backend %u\n",
	       info.tag, info.rings, info.ring_page_order, info.ring_size,
	       info.msize, info.backend_domid);
	if (ex_m >= 0)
		CHECK_EQ(info.msize, ex_m);
	if (ex_o >= 0)
		CHECK_EQ(info.ring_page_order, ex_o);
	if (ex_r >= 0)
		CHECK_EQ(info.rings, ex_r);
	if (ex_tag)
		CHECK_MSG(!strcmp(info.tag, ex_tag), "tag '%s'", info.tag);
	CHECK(info.msize <= info.ring_size);

	CHECK_OK(xpvf_9p_attach(h, "", (uint32_t)getuid(), "", &root, NULL));
	printf("attach: fid %u\n", root);
	if (do_ops)
		ops();
	for (i = 0; i < nw; i++)
		do_write(wfile[i], wsize[i]);
	for (i = 0; i < nv; i++)
		do_verify(vfile[i], vsize[i]);
	if (brk) {
		do_break();
	} else if (gone) {
		until_gone();
	} else {
		CHECK_OK(xpvf_9p_clunk(h, root));
		CHECK_EQ(xpvf_9p_in_flight(h), 0);
	}
	xpvf_9p_close(h);
	printf("closed\n");
	return 0;
}
