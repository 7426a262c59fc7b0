/* SPDX-License-Identifier: MIT */
/*
 * test-p9srv.c - the 9P2000.L server (backend/9pfs/p9srv.h) driven
 * through p9_handle with an in-memory transport (p9test.h) against a
 * temporary export directory, every result checked against the host.
 *
 * The temporary directory holds the export and, beside it, an "outside"
 * directory with a canary file that symlinks in the export point to;
 * nothing the client does may read through them or change anything
 * there, which is checked at the end.  Sections: versions and attach,
 * walks, confinement, files (create, read, write, attributes), zero copy,
 * offsets at the edges, directories and links, locks, xattrs, fids (reuse,
 * caps, Tversion), malformed messages, Tflush and races between threads,
 * a read-only export.
 *
 * Exit 0 pass, 1 a failed check, 77 skip.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "p9test.h"

#define MSIZE (64u * 1024)
#define ROOT 0u /* the attached fid */

static char tmp[4096];
static struct p9_export *E;
static struct t_client C;

/* A path under the temporary directory (two rotating buffers). */
static const char *hp(const char *rel)
{
	static char b[4][4200];
	static int i;

	i = (i + 1) % 4;
	snprintf(b[i], sizeof(b[i]), "%s/%s", tmp, rel);
	return b[i];
}

static void put_file(const char *rel, const void *data, size_t len)
{
	int fd = open(hp(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK_MSG(fd >= 0, "create %s: %s", rel, strerror(errno));
	CHECK(write(fd, data, len) == (ssize_t)len);
	close(fd);
}

static ssize_t get_file(const char *rel, void *buf, size_t size)
{
	int fd = open(hp(rel), O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size);
	close(fd);
	return n;
}

static bool exists(const char *rel)
{
	struct stat st;

	return lstat(hp(rel), &st) == 0;
}

static ino_t ino_of(const char *rel)
{
	struct stat st;

	CHECK_MSG(lstat(hp(rel), &st) == 0, "lstat %s", rel);
	return st.st_ino;
}

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p) < 0 ? -1 : 0;
}

static void rm_tmp(void)
{
	if (tmp[0])
		nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The outside directory's listing and canary, to compare at the end. */
static char outside_before[4096];

static void outside_snapshot(char *buf, size_t size)
{
	struct dirent *de;
	struct stat st;
	size_t n = 0;
	DIR *d;

	d = opendir(hp("outside"));
	CHECK(d != NULL);
	buf[0] = '\0';
	while ((de = readdir(d))) {
		n += (size_t)snprintf(buf + n, size - n, "%s;", de->d_name);
		CHECK(n < size);
	}
	closedir(d);
	CHECK(lstat(hp("outside/canary"), &st) == 0);
	n += (size_t)snprintf(
	    buf + n, size - n, "canary=%lld:%o:%ld.%ld", (long long)st.st_size,
	    st.st_mode, (long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
	CHECK(n < size);
}

static void setup(void)
{
	const char *t = getenv("TMPDIR");
	char pattern[4096];
	uint8_t buf[100000];
	size_t i;

	snprintf(pattern, sizeof(pattern), "%s/p9srv.XXXXXX",
		 t && *t ? t : "/tmp");
	CHECK(mkdtemp(pattern) != NULL);
	snprintf(tmp, sizeof(tmp), "%s", pattern);
	atexit(rm_tmp);
	CHECK(mkdir(hp("outside"), 0755) == 0);
	CHECK(mkdir(hp("outside/secret"), 0755) == 0);
	put_file("outside/canary", "canary\n", 7);
	CHECK(mkdir(hp("export"), 0755) == 0);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + i / 251);
	put_file("export/file", buf, sizeof(buf));
	put_file("export/small", "hello\n", 6);
	CHECK(mkdir(hp("export/sub"), 0755) == 0);
	put_file("export/sub/inner", "inner\n", 6);
	CHECK(symlink("../outside", hp("export/evil")) == 0);
	CHECK(symlink("/etc", hp("export/etc")) == 0);
	CHECK(symlink("../..", hp("export/up")) == 0);
	CHECK(symlink("../outside/canary", hp("export/canarylink")) == 0);
	CHECK(mkfifo(hp("export/fifo"), 0644) == 0);
	outside_snapshot(outside_before, sizeof(outside_before));
}

static struct p9_session *new_session(struct p9_export *e, uint32_t max)
{
	struct p9_session *s;

	CHECK_EQ(p9_session_new(e, max, &s), 0);
	return s;
}

/* Versions and attaches C's session; ROOT attached. */
static void connect_client(struct t_client *c, struct p9_export *e)
{
	uint32_t m;
	char v[32];

	t_client_init(c, new_session(e, MSIZE));
	CHECK_EQ(t_version(c, MSIZE, "9P2000.L", &m, v, sizeof(v)), 0);
	CHECK_EQ(t_attach(c, ROOT, P9_NOFID, "", 0, NULL), 0);
}

static void disconnect_client(struct t_client *c)
{
	p9_session_free(c->s);
	t_client_fini(c);
}

static struct p9_stats stats(void)
{
	struct p9_stats st;

	p9_session_stats(C.s, &st);
	return st;
}

/* ---- versions, attach ---- */

static void test_export_open(void)
{
	struct p9_export_opts o = {0};
	struct p9_export *e;

	test_where("p9_export_open");
	o.path = hp("nonexistent");
	EXPECT_EQ_ERR(p9_export_open(&o, &e), -ENOENT);
	o.path = hp("export/small");
	EXPECT_EQ_ERR(p9_export_open(&o, &e), -ENOTDIR);
	p9_export_close(NULL);
	p9_session_free(NULL);
}

static void test_version_attach(void)
{
	struct t_client c;
	struct p9_qid q;
	uint32_t m;
	char v[32], ap[4200];

	test_where("version/attach");
	t_client_init(&c, new_session(E, MSIZE));
	/* Anything before Tversion is refused. */
	EXPECT_EQ_ERR(t_attach(&c, ROOT, P9_NOFID, "", 0, NULL), -EPROTO);
	EXPECT_EQ(p9_session_msize(c.s), 0);
	/* An msize under 4096 is refused. */
	EXPECT_EQ_ERR(t_version(&c, 1000, "9P2000.L", &m, v, sizeof(v)),
		      -EINVAL);
	/* Another dialect: "unknown", and still no session. */
	EXPECT_EQ(t_version(&c, MSIZE, "9P2000.u", &m, v, sizeof(v)), 0);
	EXPECT(!strcmp(v, "unknown"));
	EXPECT_EQ_ERR(t_attach(&c, ROOT, P9_NOFID, "", 0, NULL), -EPROTO);
	/* The client's msize is capped to what the transport carries. */
	EXPECT_EQ(t_version(&c, 10u << 20, "9P2000.L", &m, v, sizeof(v)), 0);
	EXPECT(!strcmp(v, "9P2000.L"));
	EXPECT_EQ(m, MSIZE);
	EXPECT_EQ(p9_session_msize(c.s), MSIZE);
	EXPECT_EQ(t_version(&c, 8192, "9P2000.L", &m, v, sizeof(v)), 0);
	EXPECT_EQ(m, 8192);
	/* No authentication: Tauth says ENOENT (as diod). */
	EXPECT_EQ_ERR(t_auth(&c, 5), -ENOENT);
	/* An afid we never gave. */
	EXPECT_EQ_ERR(t_attach(&c, ROOT, 5, "", 0, NULL), -EBADF);
	/* aname: "", "/" or the export's path; nothing else. */
	EXPECT_EQ_ERR(t_attach(&c, ROOT, P9_NOFID, "/etc", 0, NULL), -ENOENT);
	EXPECT_EQ_ERR(t_attach(&c, ROOT, P9_NOFID, hp("outside"), 0, NULL),
		      -ENOENT);
	EXPECT_EQ(t_attach(&c, ROOT, P9_NOFID, "", 0, &q), 0);
	EXPECT_EQ(q.type, P9_QTDIR);
	EXPECT_EQ(q.path, ino_of("export"));
	/* A fid in use. */
	EXPECT_EQ_ERR(t_attach(&c, ROOT, P9_NOFID, "", 0, NULL), -EEXIST);
	snprintf(ap, sizeof(ap), "%s/", hp("export"));
	EXPECT_EQ(t_attach(&c, 1, P9_NOFID, ap, 1000, NULL), 0);
	EXPECT_EQ(t_attach(&c, 2, P9_NOFID, "/", 1000, NULL), 0);
	EXPECT_EQ(t_clunk(&c, 1), 0);
	EXPECT_EQ(t_clunk(&c, 2), 0);
	EXPECT_EQ_ERR(t_clunk(&c, 2), -EBADF);
	EXPECT_EQ_ERR(t_attach(&c, P9_NOFID, P9_NOFID, "", 0, NULL), -EBADF);
	disconnect_client(&c);
}

/* ---- walks ---- */

static void test_walk(void)
{
	const char *dd[16], *n17[17];
	struct p9_qid q[16], rq;
	unsigned int i;
	int r;

	test_where("walk");
	EXPECT_EQ(t_walk(&C, ROOT, 10, 0, NULL, NULL), 0);
	EXPECT_EQ(t_clunk(&C, 10), 0);
	/* Clone in place: nothing changes. */
	EXPECT_EQ(t_walk(&C, ROOT, ROOT, 0, NULL, NULL), 0);
	EXPECT_EQ(t_walkp(&C, ROOT, 10, "small", &rq), 1);
	EXPECT_EQ(rq.type, P9_QTFILE);
	EXPECT_EQ(rq.path, ino_of("export/small"));
	EXPECT_EQ(t_clunk(&C, 10), 0);
	EXPECT_EQ(t_walkp(&C, ROOT, 10, "sub/inner", &rq), 2);
	EXPECT_EQ(rq.path, ino_of("export/sub/inner"));
	/* Walking from a file: ENOTDIR. */
	EXPECT_EQ_ERR(t_walkp(&C, 10, 11, "x", NULL), -ENOTDIR);
	EXPECT_EQ(t_clunk(&C, 10), 0);
	/* Unknown fid. */
	EXPECT_EQ_ERR(t_walkp(&C, 777, 11, "small", NULL), -EBADF);
	/* The first name missing: an error; a later one: the qids walked
	 * and no newfid. */
	EXPECT_EQ_ERR(t_walkp(&C, ROOT, 10, "nothere", NULL), -ENOENT);
	EXPECT_EQ(t_walkp(&C, ROOT, 10, "sub/nothere/x", &rq), 1);
	EXPECT_EQ(rq.type, P9_QTDIR);
	EXPECT_EQ_ERR(t_clunk(&C, 10), -EBADF);
	/* ".." at the root is the root, elsewhere the parent. */
	for (i = 0; i < 16; i++)
		dd[i] = "..";
	EXPECT_EQ(t_walk(&C, ROOT, 10, 16, dd, q), 16);
	for (i = 0; i < 16; i++)
		EXPECT_EQ(q[i].path, ino_of("export"));
	EXPECT_EQ(t_walkp(&C, 10, 11, "sub/../sub/../../../small", &rq), 7);
	EXPECT_EQ(rq.path, ino_of("export/small"));
	EXPECT_EQ(t_clunk(&C, 10), 0);
	EXPECT_EQ(t_clunk(&C, 11), 0);
	/* 17 names: refused whole (Rlerror, not a 17-qid Rwalk). */
	for (i = 0; i < 17; i++)
		n17[i] = "sub";
	EXPECT_EQ_ERR(t_walk(&C, ROOT, 10, 17, n17, NULL), -EINVAL);
	EXPECT_EQ_ERR(t_clunk(&C, 10), -EBADF);
	/* Walk in place. */
	EXPECT_EQ(t_walk(&C, ROOT, 12, 0, NULL, NULL), 0);
	EXPECT_EQ(t_walkp(&C, 12, 12, "sub", &rq), 1);
	EXPECT_EQ(rq.path, ino_of("export/sub"));
	EXPECT_EQ(t_walkp(&C, 12, 12, "inner", &rq), 1);
	EXPECT_EQ(rq.path, ino_of("export/sub/inner"));
	EXPECT_EQ(t_lopen(&C, 12, P9_DOTL_RDONLY, NULL), 0);
	/* An opened fid cannot be walked in place; cloned it can. */
	EXPECT_EQ_ERR(t_walkp(&C, 12, 12, "..", NULL), -EINVAL);
	EXPECT_EQ(t_walk(&C, 12, 13, 0, NULL, NULL), 0);
	EXPECT_EQ(t_clunk(&C, 13), 0);
	EXPECT_EQ(t_clunk(&C, 12), 0);
	/* The attach fid itself, there and back. */
	r = t_walkp(&C, ROOT, ROOT, "sub", &rq);
	EXPECT_EQ(r, 1);
	EXPECT_EQ(rq.path, ino_of("export/sub"));
	r = t_walkp(&C, ROOT, ROOT, "..", &rq);
	EXPECT_EQ(r, 1);
	EXPECT_EQ(rq.path, ino_of("export"));
}

/* ---- confinement ---- */

static void test_confinement(void)
{
	static const char nul_name[] = {'a', '\0', 'b'};
	const char *names[1];
	size_t lens[1];
	char longname[300], buf[4096];
	struct p9_stats st0, st1;
	struct p9_qid rq;
	struct stat st;
	uint64_t refused0;

	test_where("confinement");
	st0 = stats();
	/* Names with '/', NUL, empty, over NAME_MAX. */
	EXPECT_EQ_ERR(
	    t_walk(&C, ROOT, 20, 1, (const char *[]){"sub/inner"}, NULL),
	    -EINVAL);
	EXPECT_EQ_ERR(
	    t_walk(&C, ROOT, 20, 1, (const char *[]){"../outside"}, NULL),
	    -EINVAL);
	names[0] = nul_name;
	lens[0] = sizeof(nul_name);
	EXPECT_EQ_ERR(t_walkn(&C, ROOT, 20, 1, names, lens, NULL), -EINVAL);
	names[0] = "";
	lens[0] = 0;
	EXPECT_EQ_ERR(t_walkn(&C, ROOT, 20, 1, names, lens, NULL), -EINVAL);
	/* "." is the directory itself (diodls walks it). */
	EXPECT_EQ(t_walk(&C, ROOT, 20, 1, (const char *[]){"."}, &rq), 1);
	EXPECT_EQ(rq.path, ino_of("export"));
	EXPECT_EQ(t_clunk(&C, 20), 0);
	EXPECT_EQ(t_walkp(&C, ROOT, 20, "sub/./inner", &rq), 3);
	EXPECT_EQ(rq.path, ino_of("export/sub/inner"));
	EXPECT_EQ_ERR(t_walk(&C, 20, 21, 1, (const char *[]){"."}, NULL),
		      -ENOTDIR); /* from a file */
	EXPECT_EQ(t_clunk(&C, 20), 0);
	memset(longname, 'a', 256);
	longname[256] = '\0';
	EXPECT_EQ_ERR(t_walk(&C, ROOT, 20, 1, (const char *[]){longname}, NULL),
		      -ENAMETOOLONG);
	st1 = stats();
	EXPECT_MSG(st1.refused >= st0.refused + 5, "refused %llu -> %llu",
		   (unsigned long long)st0.refused,
		   (unsigned long long)st1.refused);

	/* A symlink is walked to, never through. */
	EXPECT_EQ(t_walkp(&C, ROOT, 20, "evil/canary", &rq), 1);
	EXPECT_EQ(rq.type, P9_QTSYMLINK);
	EXPECT_EQ_ERR(t_clunk(&C, 20), -EBADF);
	EXPECT_EQ(t_walkp(&C, ROOT, 20, "etc/passwd", NULL), 1);
	EXPECT_EQ(t_walkp(&C, ROOT, 20, "up/up/etc", NULL), 1);
	EXPECT_EQ(t_walkp(&C, ROOT, 20, "evil", &rq), 1);
	EXPECT_EQ(rq.path, ino_of("export/evil"));
	EXPECT_EQ_ERR(t_walkp(&C, 20, 21, "canary", NULL), -ENOTDIR);
	EXPECT_EQ_ERR(t_walkp(&C, 20, 21, "..", NULL), -ENOTDIR);
	EXPECT_EQ(t_readlink(&C, 20, buf, sizeof(buf)), 0);
	EXPECT(!strcmp(buf, "../outside"));
	/* Opened: ELOOP; made into, renamed into, linked into: ENOTDIR. */
	refused0 = stats().refused;
	EXPECT_EQ_ERR(t_lopen(&C, 20, P9_DOTL_RDONLY, NULL), -ELOOP);
	EXPECT_EQ_ERR(t_lopen(&C, 20, P9_DOTL_RDWR | P9_DOTL_TRUNC, NULL),
		      -ELOOP);
	EXPECT(stats().refused > refused0);
	EXPECT_EQ_ERR(t_lcreate(&C, 20, "made", P9_DOTL_RDWR, 0644, 0, NULL),
		      -ENOTDIR);
	EXPECT_EQ_ERR(t_lcreate(&C, 20, "canary", P9_DOTL_RDWR | P9_DOTL_TRUNC,
				0644, 0, NULL),
		      -ENOTDIR);
	EXPECT_EQ_ERR(t_mkdir(&C, 20, "made", 0755, 0, NULL), -ENOTDIR);
	EXPECT_EQ_ERR(t_mknod(&C, 20, "made", S_IFIFO | 0644, 0, 0, NULL),
		      -ENOTDIR);
	EXPECT_EQ_ERR(t_symlink(&C, 20, "made", "x", NULL), -ENOTDIR);
	EXPECT_EQ_ERR(t_renameat(&C, ROOT, "small", 20, "small"), -ENOTDIR);
	EXPECT_EQ_ERR(t_unlinkat(&C, 20, "canary", 0), -ENOTDIR);
	EXPECT_EQ(t_walkp(&C, ROOT, 22, "small", NULL), 1);
	EXPECT_EQ_ERR(t_link(&C, 20, 22, "made"), -ENOTDIR);
	EXPECT_EQ_ERR(t_rename(&C, 22, 20, "small"), -ENOTDIR);
	EXPECT_EQ(t_clunk(&C, 22), 0);
	/* The symlink's xattrs are not its target's. */
	EXPECT(t_xattrwalk(&C, 20, 23, "user.x") == -ENODATA);
	EXPECT_EQ(t_xattrwalk(&C, 20, 23, ""), 0);
	EXPECT_EQ(t_clunk(&C, 23), 0);
	/* Its attributes are its own (lstat). */
	{
		struct t_attr a;

		EXPECT_EQ(t_getattr(&C, 20, &a), 0);
		EXPECT(S_ISLNK(a.mode));
	}
	/* Its mode cannot be changed (not through /proc: never the
	 * target's); the NONE model says nothing. */
	EXPECT_EQ(t_setattr(&C, 20, P9_SETATTR_MODE, 0777, 0, 0, 0, 0, 0, 0, 0),
		  0);
	EXPECT_EQ_ERR(
	    t_setattr(&C, 20, P9_SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0),
	    -EINVAL);
	/* A link of the symlink is a symlink in the export. */
	EXPECT_EQ(t_walkp(&C, ROOT, 24, "canarylink", NULL), 1);
	EXPECT_EQ(t_link(&C, ROOT, 24, "canarylink2"), 0);
	CHECK(lstat(hp("export/canarylink2"), &st) == 0);
	EXPECT(S_ISLNK(st.st_mode));
	EXPECT_EQ(st.st_ino, ino_of("export/canarylink"));
	EXPECT_EQ(t_unlinkat(&C, ROOT, "canarylink2", 0), 0);
	EXPECT_EQ(t_clunk(&C, 24), 0);
	EXPECT_EQ(t_clunk(&C, 20), 0);

	/* Names that would create, remove or rename "." or "..". */
	EXPECT_EQ_ERR(t_lcreate(&C, ROOT, "..", P9_DOTL_RDWR, 0644, 0, NULL),
		      -EINVAL);
	EXPECT_EQ_ERR(
	    t_lcreate(&C, ROOT, "../outside/made", P9_DOTL_RDWR, 0644, 0, NULL),
	    -EINVAL);
	EXPECT_EQ_ERR(t_mkdir(&C, ROOT, ".", 0755, 0, NULL), -EINVAL);
	EXPECT_EQ_ERR(t_unlinkat(&C, ROOT, "..", P9_DOTL_AT_REMOVEDIR),
		      -EINVAL);
	EXPECT_EQ_ERR(t_unlinkat(&C, ROOT, "evil/canary", 0), -EINVAL);
	EXPECT_EQ_ERR(t_renameat(&C, ROOT, "small", ROOT, "../small"), -EINVAL);
	EXPECT_EQ_ERR(t_renameat(&C, ROOT, "..", ROOT, "x"), -EINVAL);
	EXPECT_EQ_ERR(t_symlink(&C, ROOT, "", "x", NULL), -EINVAL);
	EXPECT_EQ_ERR(t_link(&C, ROOT, ROOT, ".."), -EINVAL);

	/* Device nodes: never made (mknod), never opened. */
	refused0 = stats().refused;
	EXPECT_EQ_ERR(t_mknod(&C, ROOT, "null", S_IFCHR | 0666, 1, 3, NULL),
		      -EPERM);
	EXPECT_EQ_ERR(t_mknod(&C, ROOT, "sda", S_IFBLK | 0666, 8, 0, NULL),
		      -EPERM);
	EXPECT(!exists("export/null") && !exists("export/sda"));
	EXPECT(stats().refused >= refused0 + 2);
	/* A FIFO of the host is not opened (it would block, or be a
	 * channel to another program). */
	EXPECT_EQ(t_walkp(&C, ROOT, 25, "fifo", &rq), 1);
	EXPECT_EQ_ERR(t_lopen(&C, 25, P9_DOTL_RDONLY, NULL), -EPERM);
	EXPECT_EQ_ERR(t_lopen(&C, 25, P9_DOTL_WRONLY | P9_DOTL_NONBLOCK, NULL),
		      -EPERM);
	EXPECT_EQ(t_clunk(&C, 25), 0);
	if (geteuid() == 0 &&
	    mknod(hp("export/hostnull"), S_IFCHR | 0666, makedev(1, 3)) == 0) {
		EXPECT_EQ(t_walkp(&C, ROOT, 25, "hostnull", NULL), 1);
		EXPECT_EQ_ERR(t_lopen(&C, 25, P9_DOTL_RDWR, NULL), -EPERM);
		EXPECT_EQ(t_clunk(&C, 25), 0);
		unlink(hp("export/hostnull"));
	}

	/* A directory swapped for a symlink between walk and create: the
	 * fid holds the directory, not its name. */
	CHECK(mkdir(hp("export/swap"), 0755) == 0);
	EXPECT_EQ(t_walkp(&C, ROOT, 26, "swap", NULL), 1);
	EXPECT_EQ(t_walkp(&C, ROOT, 27, "swap", NULL), 1);
	CHECK(rename(hp("export/swap"), hp("export/swap.moved")) == 0);
	CHECK(symlink("../outside", hp("export/swap")) == 0);
	EXPECT_EQ(t_lcreate(&C, 26, "made", P9_DOTL_RDWR, 0600, 0, NULL), 0);
	EXPECT(exists("export/swap.moved/made"));
	EXPECT(!exists("outside/made"));
	EXPECT_EQ(t_mkdir(&C, 27, "madedir", 0700, 0, NULL), 0);
	EXPECT(exists("export/swap.moved/madedir"));
	EXPECT(!exists("outside/madedir"));
	EXPECT_EQ(t_write(&C, 26, 0, "x", 1), 1);
	/* The fid is the file made; its name and directory are the real
	 * ones, so Tremove finds it. */
	EXPECT_EQ(t_remove(&C, 26), 0);
	EXPECT(!exists("export/swap.moved/made"));
	EXPECT_EQ(t_unlinkat(&C, 27, "madedir", P9_DOTL_AT_REMOVEDIR), 0);
	EXPECT_EQ(t_clunk(&C, 27), 0);

	/* Tremove/Trename of a fid whose name now holds another file. */
	put_file("export/victim", "v", 1);
	EXPECT_EQ(t_walkp(&C, ROOT, 28, "victim", NULL), 1);
	EXPECT_EQ(t_walkp(&C, ROOT, 29, "victim", NULL), 1);
	CHECK(rename(hp("export/victim"), hp("export/victim.old")) == 0);
	put_file("export/victim", "other", 5);
	EXPECT_EQ_ERR(t_rename(&C, 28, ROOT, "renamed"), -ESTALE);
	EXPECT_EQ_ERR(t_remove(&C, 29), -ESTALE);
	EXPECT_EQ_ERR(t_clunk(&C, 29), -EBADF); /* clunked by Tremove */
	EXPECT(exists("export/victim") && !exists("export/renamed"));
	CHECK(unlink(hp("export/victim")) == 0);
	EXPECT_EQ_ERR(t_remove(&C, 28), -ENOENT);

	/* The root cannot be removed nor renamed. */
	EXPECT_EQ(t_walk(&C, ROOT, 30, 0, NULL, NULL), 0);
	EXPECT_EQ_ERR(t_rename(&C, 30, ROOT, "x"), -EBUSY);
	EXPECT_EQ_ERR(t_remove(&C, 30), -EBUSY);
	EXPECT(exists("export"));
	/* Nor a directory reached by ".." (its name is not known). */
	EXPECT_EQ(t_walkp(&C, ROOT, 31, "sub/..", NULL), 2);
	EXPECT_EQ_ERR(t_remove(&C, 31), -EBUSY);

	/* Nothing outside changed (checked again at the end). */
	outside_snapshot(buf, sizeof(buf));
	EXPECT_MSG(!strcmp(buf, outside_before), "outside: %s, was %s", buf,
		   outside_before);
}

/* ---- files ---- */

static void test_files(void)
{
	uint8_t buf[70000], want[70000];
	struct t_attr a;
	struct p9_qid q;
	struct statfs sf;
	struct stat st;
	ssize_t n;
	int r;

	test_where("files");
	/* lcreate: the fid becomes the new file, opened. */
	EXPECT_EQ(t_walk(&C, ROOT, 40, 0, NULL, NULL), 0);
	EXPECT_EQ(t_lcreate(&C, 40, "new", P9_DOTL_RDWR, 0640, 4321, &q), 0);
	CHECK(lstat(hp("export/new"), &st) == 0);
	EXPECT(S_ISREG(st.st_mode));
	EXPECT_EQ(st.st_mode & 07777, 0640); /* exactly, whatever umask */
	EXPECT_EQ(q.path, st.st_ino);
	EXPECT_EQ(q.type, P9_QTFILE);
	if (geteuid() == 0)
		EXPECT_EQ(st.st_gid, 4321); /* the client's gid */
	/* An existing name is never opened by lcreate. */
	EXPECT_EQ(t_walk(&C, ROOT, 41, 0, NULL, NULL), 0);
	EXPECT_EQ_ERR(t_lcreate(&C, 41, "new", P9_DOTL_RDWR, 0644, 0, NULL),
		      -EEXIST);
	EXPECT_EQ_ERR(t_lcreate(&C, 41, "evil", P9_DOTL_RDWR, 0644, 0, NULL),
		      -EEXIST);
	EXPECT_EQ_ERR(t_lcreate(&C, 41, "x", 3, 0644, 0, NULL), -EINVAL);
	EXPECT_EQ(t_clunk(&C, 41), 0);
	/* Write and read back (the payload in the message). */
	EXPECT_EQ(t_write(&C, 40, 0, "0123456789", 10), 10);
	EXPECT_EQ(t_write(&C, 40, 5, "abc", 3), 3);
	n = get_file("export/new", buf, sizeof(buf));
	EXPECT_EQ(n, 10);
	EXPECT(!memcmp(buf, "01234abc89", 10));
	EXPECT_EQ(t_read(&C, 40, 0, 100, buf), 10);
	EXPECT(!memcmp(buf, "01234abc89", 10));
	EXPECT_EQ(t_read(&C, 40, 8, 100, buf), 2);
	EXPECT_EQ(t_read(&C, 40, 10, 100, buf), 0);
	EXPECT_EQ(t_read(&C, 40, 1000, 100, buf), 0);
	EXPECT_EQ(t_read(&C, 40, 3, 0, buf), 0);
	/* The payload in iovecs, as a ring gives it (wrapping: three). */
	{
		struct iovec iov[3] = {
		    {.iov_base = "AAAA", .iov_len = 4},
		    {.iov_base = "BB", .iov_len = 2},
		    {.iov_base = "CCC", .iov_len = 3},
		};

		EXPECT_EQ(t_writev(&C, 40, 20, 9, iov, 3), 9);
		EXPECT_EQ(t_writev(&C, 40, 40, 5, iov, 3), 5);
		/* A count over the payload: refused, nothing written. */
		EXPECT_EQ_ERR(t_writev(&C, 40, 60, 10, iov, 3), -EINVAL);
		n = get_file("export/new", buf, sizeof(buf));
		EXPECT_EQ(n, 45);
		EXPECT(!memcmp(buf + 20, "AAAABBCCC", 9));
		EXPECT(!memcmp(buf + 40, "AAAAB", 5));
	}
	/* fsync, both kinds; not on a fid that is not open. */
	EXPECT_EQ(t_fsync(&C, 40, 0), 0);
	EXPECT_EQ(t_fsync(&C, 40, 1), 0);
	EXPECT_EQ_ERR(t_fsync(&C, ROOT, 0), -EBADF);
	/* getattr against lstat. */
	EXPECT_EQ(t_getattr(&C, 40, &a), 0);
	CHECK(lstat(hp("export/new"), &st) == 0);
	EXPECT((a.valid & P9_GETATTR_BASIC) == P9_GETATTR_BASIC);
	EXPECT_EQ(a.mode, st.st_mode);
	EXPECT_EQ(a.uid, st.st_uid);
	EXPECT_EQ(a.gid, st.st_gid);
	EXPECT_EQ(a.nlink, st.st_nlink);
	EXPECT_EQ(a.size, st.st_size);
	EXPECT_EQ(a.blocks, st.st_blocks);
	EXPECT_EQ(a.mtime[0], st.st_mtim.tv_sec);
	EXPECT_EQ(a.mtime[1], st.st_mtim.tv_nsec);
	EXPECT_EQ(a.qid.path, st.st_ino);
	/* setattr: mode, size, times, owner. */
	EXPECT_EQ(t_setattr(&C, 40, P9_SETATTR_MODE, 0604, 0, 0, 0, 0, 0, 0, 0),
		  0);
	EXPECT_EQ(t_setattr(&C, 40, P9_SETATTR_SIZE, 0, 0, 0, 3, 0, 0, 0, 0),
		  0);
	EXPECT_EQ(t_setattr(&C, 40,
			    P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET |
				P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET,
			    0, 0, 0, 0, 1000000000, 5, 1200000000, 7),
		  0);
	CHECK(lstat(hp("export/new"), &st) == 0);
	EXPECT_EQ(st.st_mode & 07777, 0604);
	EXPECT_EQ(st.st_size, 3);
	EXPECT_EQ(st.st_atim.tv_sec, 1000000000);
	EXPECT_EQ(st.st_atim.tv_nsec, 5);
	EXPECT_EQ(st.st_mtim.tv_sec, 1200000000);
	EXPECT_EQ(st.st_mtim.tv_nsec, 7);
	EXPECT_EQ(t_setattr(&C, 40, P9_SETATTR_MTIME, 0, 0, 0, 0, 0, 0, 0, 0),
		  0);
	CHECK(lstat(hp("export/new"), &st) == 0);
	EXPECT(st.st_mtim.tv_sec > 1200000000);	  /* now */
	EXPECT_EQ(st.st_atim.tv_sec, 1000000000); /* untouched */
	EXPECT_EQ_ERR(t_setattr(&C, 40, P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET,
				0, 0, 0, 0, 0, 0, 1, 1000000000),
		      -EINVAL);
	if (geteuid() == 0) {
		EXPECT_EQ(t_setattr(&C, 40, P9_SETATTR_UID | P9_SETATTR_GID, 0,
				    1234, 5678, 0, 0, 0, 0, 0),
			  0);
		CHECK(lstat(hp("export/new"), &st) == 0);
		EXPECT_EQ(st.st_uid, 1234);
		EXPECT_EQ(st.st_gid, 5678);
	}
	/* Truncate through a fid not opened (by /proc), and a directory. */
	EXPECT_EQ(t_walkp(&C, ROOT, 41, "new", NULL), 1);
	EXPECT_EQ(t_setattr(&C, 41, P9_SETATTR_SIZE, 0, 0, 0, 1, 0, 0, 0, 0),
		  0);
	CHECK(lstat(hp("export/new"), &st) == 0);
	EXPECT_EQ(st.st_size, 1);
	EXPECT_EQ_ERR(
	    t_setattr(&C, ROOT, P9_SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0),
	    -EISDIR);
	EXPECT_EQ_ERR(
	    t_setattr(&C, 41, P9_SETATTR_SIZE, 0, 0, 0, 1ull << 63, 0, 0, 0, 0),
	    -EINVAL);
	/* lopen: flags translated; a second lopen refused; read-only fid
	 * cannot be written. */
	EXPECT_EQ(t_lopen(&C, 41,
			  P9_DOTL_RDONLY | P9_DOTL_NOFOLLOW |
			      P9_DOTL_DIRECTORY | P9_DOTL_CREATE |
			      P9_DOTL_DIRECT | P9_DOTL_NOATIME,
			  &q),
		  0);
	EXPECT_EQ_ERR(t_lopen(&C, 41, P9_DOTL_RDONLY, NULL), -EINVAL);
	EXPECT_EQ_ERR(t_write(&C, 41, 0, "z", 1), -EBADF);
	EXPECT_EQ(t_clunk(&C, 41), 0);
	EXPECT_EQ(t_walkp(&C, ROOT, 41, "new", NULL), 1);
	EXPECT_EQ(t_lopen(&C, 41, P9_DOTL_WRONLY | P9_DOTL_TRUNC, NULL), 0);
	CHECK(lstat(hp("export/new"), &st) == 0);
	EXPECT_EQ(st.st_size, 0);
	EXPECT_EQ_ERR(t_read(&C, 41, 0, 10, buf), -EBADF);
	EXPECT_EQ(t_clunk(&C, 41), 0);
	EXPECT_EQ(t_walkp(&C, ROOT, 41, "new", NULL), 1);
	EXPECT_EQ(t_lopen(&C, 41, P9_DOTL_WRONLY | P9_DOTL_APPEND, NULL), 0);
	EXPECT_EQ(t_write(&C, 41, 0, "ab", 2), 2);
	EXPECT_EQ(t_write(&C, 41, 0, "cd", 2), 2);
	n = get_file("export/new", buf, sizeof(buf));
	EXPECT(n == 4 && !memcmp(buf, "abcd", 4));
	EXPECT_EQ(t_clunk(&C, 41), 0);
	/* Unopened fid: no read, no write. */
	EXPECT_EQ(t_walkp(&C, ROOT, 41, "new", NULL), 1);
	EXPECT_EQ_ERR(t_read(&C, 41, 0, 10, buf), -EBADF);
	EXPECT_EQ_ERR(t_write(&C, 41, 0, "z", 1), -EBADF);
	EXPECT_EQ(t_clunk(&C, 41), 0);
	EXPECT_EQ(t_clunk(&C, 40), 0);
	/* Directories: opened read-only only; read is EISDIR. */
	EXPECT_EQ(t_walkp(&C, ROOT, 42, "sub", NULL), 1);
	EXPECT_EQ_ERR(t_lopen(&C, 42, P9_DOTL_RDWR, NULL), -EISDIR);
	EXPECT_EQ_ERR(t_lopen(&C, 42, P9_DOTL_RDONLY | P9_DOTL_TRUNC, NULL),
		      -EISDIR);
	EXPECT_EQ(t_lopen(&C, 42, P9_DOTL_RDONLY, &q), 0);
	EXPECT_EQ(q.type, P9_QTDIR);
	EXPECT_EQ_ERR(t_read(&C, 42, 0, 10, buf), -EISDIR);
	EXPECT_EQ_ERR(t_write(&C, 42, 0, "x", 1), -EISDIR);
	EXPECT_EQ(t_clunk(&C, 42), 0);
	/* The big file, read whole in pieces of every size. */
	CHECK(get_file("export/file", want, sizeof(want)) ==
	      (ssize_t)sizeof(want));
	EXPECT_EQ(t_walkp(&C, ROOT, 43, "file", NULL), 1);
	EXPECT_EQ(t_lopen(&C, 43, P9_DOTL_RDONLY, NULL), 0);
	r = t_read(&C, 43, 0, sizeof(want), buf);
	/* count over msize - 11 is clamped. */
	EXPECT_EQ(r, MSIZE - P9_RREAD_HDR);
	EXPECT(!memcmp(buf, want, (size_t)r));
	r = t_read(&C, 43, 1, MSIZE, buf);
	EXPECT_EQ(r, MSIZE - P9_RREAD_HDR);
	EXPECT(!memcmp(buf, want + 1, (size_t)r));
	EXPECT_EQ(t_read(&C, 43, 60000, 4096, buf), 4096);
	EXPECT(!memcmp(buf, want + 60000, 4096));
	EXPECT_EQ(t_clunk(&C, 43), 0);
	/* statfs against the host's. */
	{
		uint32_t type, bsize;
		uint64_t blocks;

		t_begin(&C, P9_TSTATFS);
		p9_put32(&C.q, ROOT);
		EXPECT_EQ(t_send(&C), 0);
		CHECK(statfs(hp("export"), &sf) == 0);
		type = p9_get32(&C.r);
		bsize = p9_get32(&C.r);
		blocks = p9_get64(&C.r);
		EXPECT_EQ(type, (uint32_t)sf.f_type);
		EXPECT_EQ(bsize, (uint32_t)sf.f_bsize);
		EXPECT_EQ(blocks, sf.f_blocks);
		(void)p9_cur_take(&C.r, 40, -EBADMSG);
		EXPECT_EQ(p9_get32(&C.r), (uint32_t)sf.f_namelen);
		EXPECT(!C.r.err && p9_cur_left(&C.r) == 0);
	}
	CHECK(unlink(hp("export/new")) == 0);
}

/* The reply transport splits its room at every byte of the header and
 * the data: Rread is right wherever the wrap falls, and reads from the
 * page cache copy nothing. */
static void test_zero_copy(void)
{
	uint8_t buf[8192], want[8192];
	struct p9_stats s0, s1;
	struct statfs sf;
	size_t split;
	uint64_t copied;
	bool disk;
	int fd, r;

	test_where("zero copy");
	CHECK(get_file("export/file", want, sizeof(want)) ==
	      (ssize_t)sizeof(want));
	EXPECT_EQ(t_walkp(&C, ROOT, 50, "file", NULL), 1);
	EXPECT_EQ(t_lopen(&C, 50, P9_DOTL_RDONLY, NULL), 0);
	/* Into the page cache first. */
	EXPECT_EQ(t_read(&C, 50, 0, 8192, buf), 8192);
	s0 = stats();
	for (split = 1; split <= 40; split++) {
		C.call.split = split;
		r = t_read(&C, 50, 100, 1000, buf);
		EXPECT_EQ(r, 1000);
		EXPECT_MSG(!memcmp(buf, want + 100, 1000), "split at %zu",
			   split);
	}
	C.call.split = 4000;
	EXPECT_EQ(t_read(&C, 50, 0, 8000, buf), 8000);
	EXPECT(!memcmp(buf, want, 8000));
	C.call.split = 0;
	s1 = stats();
	EXPECT_EQ(s1.copied_bytes - s0.copied_bytes, 0);
	EXPECT_EQ(s1.read_bytes - s0.read_bytes, 40 * 1000 + 8000);

	/* Writes copy nothing either. */
	EXPECT_EQ(t_walk(&C, ROOT, 51, 0, NULL, NULL), 0);
	EXPECT_EQ(t_lcreate(&C, 51, "zc", P9_DOTL_RDWR, 0644, 0, NULL), 0);
	s0 = stats();
	EXPECT_EQ(t_write(&C, 51, 0, want, 8192), 8192);
	s1 = stats();
	EXPECT_EQ(s1.copied_bytes - s0.copied_bytes, 0);
	EXPECT_EQ(s1.write_bytes - s0.write_bytes, 8192);

	/* Out of the page cache: on a disk file system (ext4, xfs, btrfs:
	 * RWF_NOWAIT and splice) the page cache is filled first and the
	 * read copies nothing either, also past the end of the file; on
	 * tmpfs nothing is ever out of it.  The data is right either way. */
	EXPECT_EQ(t_fsync(&C, 51, 0), 0);
	CHECK(statfs(hp("export"), &sf) == 0);
	disk = sf.f_type == EXT4_SUPER_MAGIC || sf.f_type == XFS_SUPER_MAGIC ||
	       sf.f_type == BTRFS_SUPER_MAGIC;
	fd = open(hp("export/zc"), O_RDONLY);
	CHECK(fd >= 0);
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0);
	s0 = stats();
	C.call.split = 7;
	EXPECT_EQ(t_read(&C, 51, 0, 8192, buf), 8192);
	EXPECT(!memcmp(buf, want, 8192));
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0);
	EXPECT_EQ(t_read(&C, 51, 4096, 8000, buf), 4096);
	EXPECT(!memcmp(buf, want + 4096, 4096));
	C.call.split = 0;
	close(fd);
	s1 = stats();
	copied = s1.copied_bytes - s0.copied_bytes;
	if (disk) {
		EXPECT_MSG(copied == 0, "copied %llu",
			   (unsigned long long)copied);
		EXPECT_EQ(s1.read_fills - s0.read_fills, 2);
	} else {
		EXPECT_MSG(copied == 0 || copied == 8192 + 4096, "copied %llu",
			   (unsigned long long)copied);
	}
	EXPECT_EQ(t_clunk(&C, 51), 0);
	EXPECT_EQ(t_clunk(&C, 50), 0);
	CHECK(unlink(hp("export/zc")) == 0);
}

/* Whether [off, off + len) of the file mapped at map is in the page
 * cache, waiting up to 5 s for reads in flight. */
static bool resident(uint8_t *map, size_t off, size_t len)
{
	unsigned char vec[64];
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), first = off / pg;
	size_t n = (off + len + pg - 1) / pg - first, i;
	int tries;

	CHECK(n <= sizeof(vec));
	for (tries = 0; tries < 500; tries++) {
		CHECK(mincore(map + first * pg, n * pg, vec) == 0);
		for (i = 0; i < n && (vec[i] & 1); i++)
			;
		if (i == n)
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * The timing statistics: service_ns_total runs from the transport's take
 * (p9_req.taken_ns) to the reply's commit, not from p9_handle()'s start;
 * move_ns_total grows with Tread's and Twrite's payload moves only, and
 * stays within the service.
 */
static void test_timing(void)
{
	enum { LEN = 32 << 10 };
	const uint64_t back = 50000000; /* the take, 50 ms before */
	static uint8_t data[LEN], got[LEN];
	struct p9_stats s0, s1;
	struct t_attr a;
	uint64_t tb, ta;
	size_t i;

	test_where("timing");
	for (i = 0; i < LEN; i++)
		data[i] = (uint8_t)(i * 13 + (i >> 9));
	EXPECT_EQ(t_walkp(&C, ROOT, 60, "sub", NULL), 1);
	EXPECT_EQ(t_lcreate(&C, 60, "timed", P9_DOTL_RDWR, 0600, 0, NULL), 0);

	for (i = 0; i < 2; i++) {
		s0 = stats();
		if (!i) {
			EXPECT_EQ(t_write(&C, 60, 0, data, LEN), LEN);
		} else {
			EXPECT_EQ(t_read(&C, 60, 0, LEN, got), LEN);
			EXPECT(!memcmp(got, data, LEN));
		}
		s1 = stats();
		EXPECT_MSG(s1.move_ns_total > s0.move_ns_total, "%s",
			   i ? "Tread" : "Twrite");
		EXPECT(s1.move_ns_total - s0.move_ns_total <=
		       s1.service_ns_total - s0.service_ns_total);
		/* Without a take time, the service is within p9_handle(). */
		EXPECT(s1.service_ns_total - s0.service_ns_total <=
		       s1.lat_ns_total - s0.lat_ns_total);
	}

	/* Other requests move no payload. */
	s0 = stats();
	EXPECT_EQ(t_getattr(&C, 60, &a), 0);
	EXPECT_EQ(a.size, LEN);
	s1 = stats();
	EXPECT_EQ(s1.move_ns_total, s0.move_ns_total);

	/* Taken 50 ms ago: the service counts from then, and ends by the
	 * time the reply is back. */
	s0 = stats();
	tb = p9_now_ns();
	C.taken_ns = tb - back;
	EXPECT_EQ(t_read(&C, 60, 0, LEN, got), LEN);
	ta = p9_now_ns();
	C.taken_ns = 0;
	s1 = stats();
	EXPECT_MSG(s1.service_ns_total - s0.service_ns_total >= back,
		   "service %llu ns, taken %llu ns before",
		   (unsigned long long)(s1.service_ns_total -
					s0.service_ns_total),
		   (unsigned long long)back);
	EXPECT(s1.service_ns_total - s0.service_ns_total <= back + (ta - tb));

	EXPECT_EQ(t_remove(&C, 60), 0);
	EXPECT(!exists("export/sub/timed"));
}

/*
 * Sequential Treads of a file out of the page cache: after the first
 * (filled), the server asks the kernel for the window ahead, so the next
 * ones find their data there (RWF_NOWAIT reads never start readahead,
 * and the kernel's own is off for files the server opens: without the
 * server's, every read is a fill).  Reads that jump around ask for
 * nothing.  On a disk file system only (tmpfs keeps everything in
 * memory).
 */
static void test_readahead(void)
{
	enum { SIZE = 1 << 20, CHUNK = 32 << 10 };
	uint8_t *want, *map, buf[CHUNK];
	struct p9_stats s0, s1;
	struct statfs sf;
	size_t off;
	int fd;

	test_where("readahead");
	CHECK(statfs(hp("export"), &sf) == 0);
	if (sf.f_type != EXT4_SUPER_MAGIC && sf.f_type != XFS_SUPER_MAGIC &&
	    sf.f_type != BTRFS_SUPER_MAGIC)
		return;
	want = malloc(SIZE);
	CHECK(want);
	for (off = 0; off < SIZE; off++)
		want[off] = (uint8_t)(off * 131 + (off >> 12));
	put_file("export/ra", want, SIZE);
	fd = open(hp("export/ra"), O_RDONLY);
	CHECK(fd >= 0);
	CHECK(fdatasync(fd) == 0);
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0);
	map = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED);
	EXPECT_EQ(t_walkp(&C, ROOT, 56, "ra", NULL), 1);
	EXPECT_EQ(t_lopen(&C, 56, P9_DOTL_RDONLY, NULL), 0);

	s0 = stats();
	for (off = 0; off < SIZE; off += CHUNK) {
		/* Let the readahead land (nothing to wait for when the
		 * server asked for none: the read then fills). */
		if (off)
			(void)resident(map, off, CHUNK);
		EXPECT_EQ(t_read(&C, 56, off, CHUNK, buf), CHUNK);
		EXPECT_MSG(!memcmp(buf, want + off, CHUNK), "at %zu", off);
		if (!off) {
			s1 = stats();
			EXPECT_EQ(s1.read_fills - s0.read_fills, 1);
			EXPECT_MSG(s1.readahead_bytes > s0.readahead_bytes,
				   "nothing asked after the first read");
		}
	}
	s1 = stats();
	/* The first read only (one more allowed: pages the kernel dropped
	 * again between the wait and the read). */
	EXPECT_MSG(s1.read_fills - s0.read_fills <= 2,
		   "%llu of %d sequential reads filled",
		   (unsigned long long)(s1.read_fills - s0.read_fills),
		   SIZE / CHUNK);
	EXPECT_EQ(s1.copied_bytes - s0.copied_bytes, 0);

	/* Jumping around: nothing more asked. */
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0);
	s0 = stats();
	EXPECT_EQ(t_read(&C, 56, 800 << 10, CHUNK, buf), CHUNK);
	EXPECT(!memcmp(buf, want + (800 << 10), CHUNK));
	EXPECT_EQ(t_read(&C, 56, 200 << 10, CHUNK, buf), CHUNK);
	EXPECT(!memcmp(buf, want + (200 << 10), CHUNK));
	EXPECT_EQ(t_read(&C, 56, 500 << 10, CHUNK, buf), CHUNK);
	EXPECT(!memcmp(buf, want + (500 << 10), CHUNK));
	s1 = stats();
	EXPECT_EQ(s1.readahead_bytes - s0.readahead_bytes, 0);

	EXPECT_EQ(t_clunk(&C, 56), 0);
	munmap(map, SIZE);
	close(fd);
	free(want);
	CHECK(unlink(hp("export/ra")) == 0);
}

static void test_offsets(void)
{
	uint8_t buf[64];
	int r;

	test_where("offsets");
	EXPECT_EQ(t_walk(&C, ROOT, 55, 0, NULL, NULL), 0);
	EXPECT_EQ(t_lcreate(&C, 55, "edge", P9_DOTL_RDWR, 0644, 0, NULL), 0);
	EXPECT_EQ(t_write(&C, 55, 0, "data", 4), 4);
	EXPECT_EQ_ERR(t_read(&C, 55, UINT64_MAX, 10, buf), -EINVAL);
	EXPECT_EQ_ERR(t_read(&C, 55, 1ull << 63, 10, buf), -EINVAL);
	EXPECT_EQ(t_read(&C, 55, (1ull << 63) - 1, 10, buf), 0);
	EXPECT_EQ(t_read(&C, 55, (1ull << 63) - 5, 10, buf), 0);
	EXPECT_EQ_ERR(t_write(&C, 55, UINT64_MAX, "x", 1), -EINVAL);
	EXPECT_EQ_ERR(t_write(&C, 55, 1ull << 63, "x", 1), -EINVAL);
	/* Past the file system's limit: its error, not a crash. */
	r = t_write(&C, 55, (1ull << 63) - 1, "x", 1);
	EXPECT_MSG(r == -EFBIG || r == -EINVAL, "write at 2^63-1: %d", r);
	r = t_write(&C, 55, (1ull << 63) - 1, "", 0);
	EXPECT_MSG(r == 0 || r == -EFBIG || r == -EINVAL, "r = %d", r);
	EXPECT_EQ_ERR(t_lock(&C, 55, P9_LOCK_TYPE_WRLCK, UINT64_MAX, 1),
		      -EINVAL);
	EXPECT_EQ(t_clunk(&C, 55), 0);
	CHECK(unlink(hp("export/edge")) == 0);
}

/* ---- directories, links ---- */

struct dirent9 {
	struct p9_qid q;
	uint64_t off;
	uint8_t type;
	char name[256];
};

/* Treaddir: the entries (at most max) in out, or -errno. */
static int t_readdir(struct t_client *c, uint32_t fid, uint64_t off,
		     uint32_t count, struct dirent9 *out, int max)
{
	const char *s;
	uint32_t n;
	uint16_t l;
	int k = 0, err;
	size_t end;

	t_begin(c, P9_TREADDIR);
	p9_put32(&c->q, fid);
	p9_put64(&c->q, off);
	p9_put32(&c->q, count);
	c->limit = P9_RREAD_HDR + (size_t)count;
	err = t_send(c);
	if (err)
		return err;
	n = p9_get32(&c->r);
	CHECK_EQ(c->call.rlen, P9_RREAD_HDR + (size_t)n);
	end = c->r.pos + n;
	while (c->r.pos < end && k < max) {
		p9_getqid(&c->r, &out[k].q);
		out[k].off = p9_get64(&c->r);
		out[k].type = p9_get8(&c->r);
		p9_getstr(&c->r, &s, &l);
		CHECK(!c->r.err && l < 256);
		memcpy(out[k].name, s, l);
		out[k].name[l] = '\0';
		k++;
	}
	CHECK(c->r.pos == end);
	return k;
}

static void test_readdir(void)
{
	static struct dirent9 de[300];
	char seen[64][256], hostnames[64][256];
	int nseen = 0, nhost = 0, i, j, r;
	struct dirent *hd;
	uint64_t off = 0;
	DIR *d;

	test_where("readdir");
	for (i = 0; i < 40; i++) {
		char nm[64];

		snprintf(nm, sizeof(nm), "export/many/f%02d-%s", i,
			 "a-fairly-long-name-to-fill-entries");
		if (!i)
			CHECK(mkdir(hp("export/many"), 0755) == 0);
		put_file(nm, "", 0);
	}
	d = opendir(hp("export/many"));
	CHECK(d != NULL);
	while ((hd = readdir(d)) && nhost < 64)
		snprintf(hostnames[nhost++], 256, "%s", hd->d_name);
	closedir(d);

	EXPECT_EQ(t_walkp(&C, ROOT, 60, "many", NULL), 1);
	/* Not opened yet. */
	EXPECT_EQ_ERR(t_readdir(&C, 60, 0, 4096, de, 300), -EBADF);
	EXPECT_EQ(t_lopen(&C, 60, P9_DOTL_RDONLY, NULL), 0);
	/* Small counts: many calls, each entry once, offsets chained. */
	for (;;) {
		r = t_readdir(&C, 60, off, 200, de, 300);
		CHECK(r >= 0);
		if (!r)
			break;
		for (i = 0; i < r && nseen < 64; i++) {
			snprintf(seen[nseen++], 256, "%s", de[i].name);
			if (!strcmp(de[i].name, "f07-a-fairly-long-name-to-"
						"fill-entries")) {
				EXPECT_EQ(de[i].type, DT_REG);
				EXPECT_EQ(de[i].q.path,
					  ino_of("export/many/f07-a-fairly-"
						 "long-name-to-fill-entries"));
			}
			if (!strcmp(de[i].name, ".."))
				EXPECT_EQ(de[i].q.path, ino_of("export"));
		}
		off = de[r - 1].off;
	}
	EXPECT_EQ(nseen, nhost);
	for (i = 0; i < nhost; i++) {
		for (j = 0; j < nseen; j++)
			if (!strcmp(hostnames[i], seen[j]))
				break;
		EXPECT_MSG(j < nseen, "%s not listed", hostnames[i]);
	}
	/* Offset 0 rewinds. */
	r = t_readdir(&C, 60, 0, 8192, de, 300);
	EXPECT_EQ(r, nhost);
	/* A count too small for one entry. */
	EXPECT_EQ_ERR(t_readdir(&C, 60, 0, 10, de, 300), -EINVAL);
	/* An offset never given: the file system's answer, no crash. */
	r = t_readdir(&C, 60, 123456789, 4096, de, 300);
	EXPECT_MSG(r >= 0 || r == -EINVAL || r == -ENOENT, "r = %d", r);
	EXPECT_EQ_ERR(t_readdir(&C, 60, UINT64_MAX - 4, 4096, de, 300),
		      -EINVAL);
	/* count over msize - 11: clamped. */
	r = t_readdir(&C, 60, 0, 0xffffffffu, de, 300);
	EXPECT_EQ(r, nhost);
	EXPECT_EQ(t_clunk(&C, 60), 0);
	/* The root's ".." is the root. */
	EXPECT_EQ(t_walk(&C, ROOT, 61, 0, NULL, NULL), 0);
	EXPECT_EQ(t_lopen(&C, 61, P9_DOTL_RDONLY, NULL), 0);
	r = t_readdir(&C, 61, 0, 8192, de, 300);
	CHECK(r > 0);
	for (i = 0; i < r; i++)
		if (!strcmp(de[i].name, "..") || !strcmp(de[i].name, "."))
			EXPECT_EQ(de[i].q.path, ino_of("export"));
	EXPECT_EQ(t_clunk(&C, 61), 0);
	/* Readdir of a file fid. */
	EXPECT_EQ(t_walkp(&C, ROOT, 62, "small", NULL), 1);
	EXPECT_EQ(t_lopen(&C, 62, P9_DOTL_RDONLY, NULL), 0);
	EXPECT_EQ_ERR(t_readdir(&C, 62, 0, 4096, de, 300), -ENOTDIR);
	EXPECT_EQ(t_clunk(&C, 62), 0);
}

static void test_dirs_links(void)
{
	char buf[4200];
	struct p9_qid q;
	struct stat st;

	test_where("mkdir/mknod/symlink/link/rename/unlink");
	EXPECT_EQ(t_mkdir(&C, ROOT, "d1", 0750, 0, &q), 0);
	CHECK(lstat(hp("export/d1"), &st) == 0);
	EXPECT(S_ISDIR(st.st_mode));
	EXPECT_EQ(st.st_mode & 07777, 0750);
	EXPECT_EQ(q.type, P9_QTDIR);
	EXPECT_EQ(q.path, st.st_ino);
	EXPECT_EQ_ERR(t_mkdir(&C, ROOT, "d1", 0750, 0, NULL), -EEXIST);
	EXPECT_EQ(t_walkp(&C, ROOT, 70, "d1", NULL), 1);
	/* mknod: FIFO, socket, regular file. */
	EXPECT_EQ(t_mknod(&C, 70, "p", S_IFIFO | 0600, 0, 0, &q), 0);
	EXPECT(lstat(hp("export/d1/p"), &st) == 0 && S_ISFIFO(st.st_mode));
	EXPECT_EQ(st.st_mode & 07777, 0600);
	EXPECT_EQ(t_mknod(&C, 70, "s", S_IFSOCK | 0600, 0, 0, NULL), 0);
	EXPECT(lstat(hp("export/d1/s"), &st) == 0 && S_ISSOCK(st.st_mode));
	EXPECT_EQ(t_mknod(&C, 70, "r", S_IFREG | 0600, 0, 0, NULL), 0);
	EXPECT(lstat(hp("export/d1/r"), &st) == 0 && S_ISREG(st.st_mode));
	EXPECT_EQ_ERR(t_mknod(&C, 70, "x", S_IFDIR | 0600, 0, 0, NULL),
		      -EINVAL);
	EXPECT_EQ_ERR(t_mknod(&C, 70, "p", S_IFIFO | 0600, 0, 0, NULL),
		      -EEXIST);
	/* symlink: the target is stored as given, never followed. */
	EXPECT_EQ(t_symlink(&C, 70, "l", "/etc/shadow", &q), 0);
	EXPECT_EQ(q.type, P9_QTSYMLINK);
	CHECK(readlink(hp("export/d1/l"), buf, sizeof(buf)) == 11);
	EXPECT(!memcmp(buf, "/etc/shadow", 11));
	EXPECT_EQ(t_walkp(&C, 70, 71, "l", NULL), 1);
	EXPECT_EQ(t_readlink(&C, 71, buf, sizeof(buf)), 0);
	EXPECT(!strcmp(buf, "/etc/shadow"));
	EXPECT_EQ_ERR(t_lopen(&C, 71, P9_DOTL_RDONLY, NULL), -ELOOP);
	EXPECT_EQ(t_clunk(&C, 71), 0);
	EXPECT_EQ_ERR(t_readlink(&C, 70, buf, sizeof(buf)), -EINVAL);
	EXPECT_EQ_ERR(t_symlink(&C, 70, "l2", "", NULL), -ENOENT);
	/* link: files yes, directories no. */
	EXPECT_EQ(t_walkp(&C, 70, 72, "r", NULL), 1);
	EXPECT_EQ(t_link(&C, ROOT, 72, "r-link"), 0);
	CHECK(lstat(hp("export/r-link"), &st) == 0);
	EXPECT_EQ(st.st_ino, ino_of("export/d1/r"));
	EXPECT_EQ(st.st_nlink, 2);
	EXPECT_EQ_ERR(t_link(&C, ROOT, 70, "d1-link"), -EPERM);
	EXPECT_EQ_ERR(t_link(&C, ROOT, 72, "r-link"), -EEXIST);
	/* rename: the fid follows its file. */
	EXPECT_EQ(t_rename(&C, 72, ROOT, "r-renamed"), 0);
	EXPECT(exists("export/r-renamed") && !exists("export/d1/r"));
	EXPECT_EQ(t_rename(&C, 72, 70, "r2"), 0);
	EXPECT(exists("export/d1/r2") && !exists("export/r-renamed"));
	/* renameat, unlinkat. */
	EXPECT_EQ(t_renameat(&C, 70, "r2", ROOT, "r3"), 0);
	EXPECT(exists("export/r3") && !exists("export/d1/r2"));
	EXPECT_EQ_ERR(t_renameat(&C, 70, "nothere", ROOT, "r4"), -ENOENT);
	EXPECT_EQ(t_unlinkat(&C, ROOT, "r3", 0), 0);
	EXPECT_EQ(t_unlinkat(&C, ROOT, "r-link", 0), 0);
	EXPECT(!exists("export/r3") && !exists("export/r-link"));
	EXPECT_EQ_ERR(t_unlinkat(&C, ROOT, "d1", 0), -EISDIR);
	EXPECT_EQ_ERR(t_unlinkat(&C, ROOT, "d1", P9_DOTL_AT_REMOVEDIR),
		      -ENOTEMPTY);
	EXPECT_EQ_ERR(t_unlinkat(&C, ROOT, "d1", 0x1), -EINVAL);
	/* Tremove of a file and of a directory. */
	EXPECT_EQ(t_walkp(&C, 70, 73, "p", NULL), 1);
	EXPECT_EQ(t_remove(&C, 73), 0);
	EXPECT(!exists("export/d1/p"));
	EXPECT_EQ(t_unlinkat(&C, 70, "s", 0), 0);
	EXPECT_EQ(t_unlinkat(&C, 70, "l", 0), 0);
	EXPECT_EQ(t_remove(&C, 70), 0);
	EXPECT(!exists("export/d1"));
	EXPECT_EQ(t_clunk(&C, 72), 0);
}

/* ---- locks ---- */

static void test_locks(void)
{
	uint64_t s, l;

	test_where("locks");
	put_file("export/lockme", "0123456789", 10);
	EXPECT_EQ(t_walkp(&C, ROOT, 80, "lockme", NULL), 1);
	EXPECT_EQ(t_walkp(&C, ROOT, 81, "lockme", NULL), 1);
	/* Not opened: EBADF. */
	EXPECT_EQ_ERR(t_lock(&C, 80, P9_LOCK_TYPE_WRLCK, 0, 0), -EBADF);
	EXPECT_EQ(t_lopen(&C, 80, P9_DOTL_RDWR, NULL), 0);
	EXPECT_EQ(t_lopen(&C, 81, P9_DOTL_RDWR, NULL), 0);
	EXPECT_EQ(t_lock(&C, 80, P9_LOCK_TYPE_WRLCK, 0, 5), P9_LOCK_SUCCESS);
	/* Another opened fid conflicts: BLOCKED, never a wait. */
	EXPECT_EQ(t_lock(&C, 81, P9_LOCK_TYPE_RDLCK, 2, 1), P9_LOCK_BLOCKED);
	EXPECT_EQ(t_lock(&C, 81, P9_LOCK_TYPE_WRLCK, 5, 5), P9_LOCK_SUCCESS);
	EXPECT_EQ(t_getlock(&C, 81, P9_LOCK_TYPE_WRLCK, 0, 0, &s, &l),
		  P9_LOCK_TYPE_WRLCK);
	EXPECT_EQ(s, 0);
	EXPECT_EQ(l, 5);
	EXPECT_EQ(t_getlock(&C, 80, P9_LOCK_TYPE_RDLCK, 0, 5, &s, &l),
		  P9_LOCK_TYPE_UNLCK);
	EXPECT_EQ(t_lock(&C, 80, P9_LOCK_TYPE_UNLCK, 0, 5), P9_LOCK_SUCCESS);
	EXPECT_EQ(t_lock(&C, 81, P9_LOCK_TYPE_RDLCK, 2, 1), P9_LOCK_SUCCESS);
	EXPECT_EQ_ERR(t_lock(&C, 81, 7, 0, 0), -EINVAL);
	EXPECT_EQ_ERR(t_getlock(&C, 81, P9_LOCK_TYPE_UNLCK, 0, 0, &s, &l),
		      -EINVAL);
	/* Clunking the fid drops its locks. */
	EXPECT_EQ(t_clunk(&C, 81), 0);
	EXPECT_EQ(t_lock(&C, 80, P9_LOCK_TYPE_WRLCK, 0, 0), P9_LOCK_SUCCESS);
	EXPECT_EQ(t_clunk(&C, 80), 0);
	CHECK(unlink(hp("export/lockme")) == 0);
}

/* ---- xattrs ---- */

static void test_xattr(void)
{
	char val[64], list[1024];
	static uint8_t big[70000];
	struct p9_stats st0, st1;
	uint32_t fid;
	int64_t sz;
	ssize_t n;
	int r;

	test_where("xattr");
	put_file("export/xf", "x", 1);
	if (setxattr(hp("export/xf"), "user.probe", "1", 1, 0) < 0) {
		fprintf(stderr, "no user xattrs on %s: xattr checks skipped\n",
			tmp);
		return;
	}
	CHECK(setxattr(hp("export/xf"), "user.host", "from-host", 9, 0) == 0);
	EXPECT_EQ(t_walkp(&C, ROOT, 90, "xf", NULL), 1);
	/* Get. */
	sz = t_xattrwalk(&C, 90, 91, "user.host");
	EXPECT_EQ(sz, 9);
	EXPECT_EQ(t_read(&C, 91, 0, 64, val), 9);
	EXPECT(!memcmp(val, "from-host", 9));
	EXPECT_EQ(t_read(&C, 91, 4, 3, val), 3);
	EXPECT(!memcmp(val, "-ho", 3));
	EXPECT_EQ(t_read(&C, 91, 100, 3, val), 0);
	/* An xattr fid is not a file. */
	EXPECT_EQ_ERR(t_walkp(&C, 91, 92, "x", NULL), -EINVAL);
	EXPECT_EQ_ERR(t_lopen(&C, 91, P9_DOTL_RDONLY, NULL), -EINVAL);
	EXPECT_EQ_ERR(t_write(&C, 91, 0, "x", 1), -EINVAL);
	EXPECT_EQ(t_clunk(&C, 91), 0);
	EXPECT_EQ(t_xattrwalk(&C, 90, 91, "user.nothere"), -ENODATA);
	EXPECT_EQ_ERR(t_clunk(&C, 91), -EBADF);
	/* newfid in use. */
	EXPECT_EQ(t_xattrwalk(&C, 90, ROOT, "user.host"), -EEXIST);
	/* Only user.* (xattr_any is off), counted apart from confinement
	 * refusals. */
	st0 = stats();
	EXPECT_EQ(t_xattrwalk(&C, 90, 91, "trusted.x"), -EOPNOTSUPP);
	EXPECT_EQ(t_xattrwalk(&C, 90, 91, "security.capability"), -EOPNOTSUPP);
	st1 = stats();
	EXPECT_EQ(st1.xattr_refused, st0.xattr_refused + 2);
	EXPECT_EQ(st1.refused, st0.refused);
	/* Set: create, write the value, clunk. */
	EXPECT_EQ(t_walk(&C, 90, 92, 0, NULL, NULL), 0);
	EXPECT_EQ(t_xattrcreate(&C, 92, "user.set", 10, 0), 0);
	EXPECT_EQ(t_write(&C, 92, 0, "01234", 5), 5);
	EXPECT_EQ(t_write(&C, 92, 5, "56789xx", 7), 5); /* to its size */
	EXPECT_EQ(t_clunk(&C, 92), 0);
	n = getxattr(hp("export/xf"), "user.set", val, sizeof(val));
	EXPECT(n == 10 && !memcmp(val, "0123456789", 10));
	/* List: user.* names only. */
	sz = t_xattrwalk(&C, 90, 91, "");
	CHECK(sz > 0 && sz < (int64_t)sizeof(list));
	EXPECT_EQ(t_read(&C, 91, 0, sizeof(list), list), sz);
	EXPECT(memmem(list, (size_t)sz, "user.set", 9) != NULL);
	EXPECT(memmem(list, (size_t)sz, "user.host", 10) != NULL);
	EXPECT(memmem(list, (size_t)sz, "security.", 9) == NULL);
	EXPECT_EQ(t_clunk(&C, 91), 0);
	/* Not all written: EINVAL at clunk, nothing set. */
	EXPECT_EQ(t_walk(&C, 90, 92, 0, NULL, NULL), 0);
	EXPECT_EQ(t_xattrcreate(&C, 92, "user.half", 10, 0), 0);
	EXPECT_EQ(t_write(&C, 92, 0, "012", 3), 3);
	EXPECT_EQ_ERR(t_clunk(&C, 92), -EINVAL);
	EXPECT(getxattr(hp("export/xf"), "user.half", val, sizeof(val)) < 0);
	/* XATTR_CREATE on an existing one. */
	EXPECT_EQ(t_walk(&C, 90, 92, 0, NULL, NULL), 0);
	EXPECT_EQ(t_xattrcreate(&C, 92, "user.set", 1, XATTR_CREATE), 0);
	EXPECT_EQ(t_write(&C, 92, 0, "z", 1), 1);
	EXPECT_EQ_ERR(t_clunk(&C, 92), -EEXIST);
	/* Size 0: removexattr (what Linux sends for it). */
	EXPECT_EQ(t_walk(&C, 90, 92, 0, NULL, NULL), 0);
	EXPECT_EQ(t_xattrcreate(&C, 92, "user.set", 0, XATTR_REPLACE), 0);
	EXPECT_EQ(t_clunk(&C, 92), 0);
	EXPECT(getxattr(hp("export/xf"), "user.set", val, sizeof(val)) < 0 &&
	       errno == ENODATA);
	/* Too big, bad flags, other namespaces, bad names. */
	EXPECT_EQ(t_walk(&C, 90, 92, 0, NULL, NULL), 0);
	EXPECT_EQ_ERR(t_xattrcreate(&C, 92, "user.big", 1u << 20, 0), -E2BIG);
	EXPECT_EQ_ERR(t_xattrcreate(&C, 92, "user.big", 65537, 0), -E2BIG);
	EXPECT_EQ_ERR(t_xattrcreate(&C, 92, "user.x", 1, 4), -EINVAL);
	EXPECT_EQ_ERR(t_xattrcreate(&C, 92, "trusted.x", 1, 0), -EOPNOTSUPP);
	EXPECT_EQ_ERR(t_xattrcreate(&C, 92, "", 1, 0), -EINVAL);
	/* A Tversion commits pending values (none here) and drops them. */
	EXPECT_EQ(t_clunk(&C, 92), 0);
	/* 64 KiB, the default cap, is fine where the file system takes it;
	 * over it never reaches the file system. */
	memset(big, 'b', sizeof(big));
	EXPECT_EQ(t_walk(&C, 90, 92, 0, NULL, NULL), 0);
	EXPECT_EQ(t_xattrcreate(&C, 92, "user.big", 65536, 0), 0);
	r = t_write(&C, 92, 0, big, 60000);
	EXPECT_EQ(r, 60000);
	r = t_write(&C, 92, 60000, big, 5536);
	EXPECT_EQ(r, 5536);
	r = t_clunk(&C, 92);
	EXPECT_MSG(r == 0 || r == -ENOSPC || r == -E2BIG, "r = %d", r);
	/* What xattr fids hold at once is bounded per session (8 values
	 * of max_xattr, at least 1 MiB): the 17th 64 KiB value is
	 * refused, and a clunk gives its room back. */
	for (fid = 0; fid < 17; fid++) {
		EXPECT_EQ(t_walk(&C, 90, 500 + fid, 0, NULL, NULL), 0);
		r = t_xattrcreate(&C, 500 + fid, "user.budget", 65536, 0);
		EXPECT_EQ_ERR(r, fid < 16 ? 0 : -ENOMEM);
	}
	EXPECT_EQ(t_xattrwalk(&C, 90, 520, "user.host"), -ENOMEM);
	EXPECT_EQ_ERR(t_clunk(&C, 500), -EINVAL); /* not all written */
	EXPECT_EQ(t_xattrwalk(&C, 90, 520, "user.host"), 9);
	EXPECT_EQ(t_clunk(&C, 520), 0);
	for (fid = 1; fid < 17; fid++) {
		r = t_clunk(&C, 500 + fid);
		EXPECT_EQ_ERR(r, fid < 16 ? -EINVAL : 0);
	}
	EXPECT_EQ(t_walk(&C, 90, 500, 0, NULL, NULL), 0);
	EXPECT_EQ(t_xattrcreate(&C, 500, "user.budget", 65536, 0), 0);
	EXPECT_EQ_ERR(t_clunk(&C, 500), -EINVAL);
	EXPECT_EQ(t_clunk(&C, 90), 0);
	CHECK(unlink(hp("export/xf")) == 0);
}

/* An export with a small xattr cap: values over it are E2BIG to read. */
static void test_xattr_cap(void)
{
	struct p9_export_opts o = {0};
	struct t_client c;
	struct p9_export *e;

	test_where("xattr cap");
	put_file("export/xc", "x", 1);
	if (setxattr(hp("export/xc"), "user.v", "12345", 5, 0) < 0) {
		CHECK(unlink(hp("export/xc")) == 0);
		return;
	}
	o.path = hp("export");
	o.max_xattr = 4;
	CHECK_EQ(p9_export_open(&o, &e), 0);
	connect_client(&c, e);
	EXPECT_EQ(t_walkp(&c, ROOT, 1, "xc", NULL), 1);
	EXPECT_EQ(t_xattrwalk(&c, 1, 2, "user.v"), -E2BIG);
	EXPECT_EQ_ERR(t_xattrcreate(&c, 1, "user.w", 5, 0), -E2BIG);
	EXPECT_EQ(t_xattrcreate(&c, 1, "user.w", 4, 0), 0);
	EXPECT_EQ(t_write(&c, 1, 0, "abcd", 4), 4);
	/* Pending at session end: committed then. */
	disconnect_client(&c);
	p9_export_close(e);
	{
		char v[8];

		EXPECT(getxattr(hp("export/xc"), "user.w", v, sizeof(v)) == 4 &&
		       !memcmp(v, "abcd", 4));
	}
	CHECK(unlink(hp("export/xc")) == 0);
}

/* ---- fids ---- */

static void test_fids(void)
{
	struct p9_stats st;
	uint32_t i, m;
	char v[32];
	int r;

	test_where("fids");
	/* newfid in use (walk; attach and xattrwalk above). */
	EXPECT_EQ(t_walk(&C, ROOT, 100, 0, NULL, NULL), 0);
	EXPECT_EQ_ERR(t_walk(&C, ROOT, 100, 0, NULL, NULL), -EEXIST);
	EXPECT_EQ_ERR(t_walkp(&C, ROOT, 100, "small", NULL), -EEXIST);
	EXPECT_EQ_ERR(t_walkp(&C, ROOT, P9_NOFID, "small", NULL), -EBADF);
	EXPECT_EQ(t_clunk(&C, 100), 0);
	EXPECT_EQ_ERR(t_clunk(&C, 100), -EBADF);
	/* 16384 fids (the default cap) are fine, the 16385th is not. */
	st = stats();
	for (i = 0; st.fids + i < 16384; i++) {
		r = i % 2 ? t_walk(&C, ROOT, 1000 + i, 0, NULL, NULL)
			  : t_walkp(&C, ROOT, 1000 + i, "small", NULL);
		if (r < 0) {
			EXPECT_MSG(0, "fid %u: %d", i, r);
			break;
		}
	}
	EXPECT(i >= 10000);
	EXPECT_EQ(stats().fids, 16384);
	EXPECT_EQ_ERR(t_walk(&C, ROOT, 999, 0, NULL, NULL), -EMFILE);
	EXPECT_EQ_ERR(t_attach(&C, 999, P9_NOFID, "", 0, NULL), -EMFILE);
	/* A clunk makes room. */
	EXPECT_EQ(t_clunk(&C, 1000), 0);
	EXPECT_EQ(t_walk(&C, ROOT, 999, 0, NULL, NULL), 0);
	/* Tversion mid-session: every fid gone. */
	EXPECT_EQ(t_version(&C, MSIZE, "9P2000.L", &m, v, sizeof(v)), 0);
	EXPECT_EQ(stats().fids, 0);
	EXPECT_EQ_ERR(t_clunk(&C, ROOT), -EBADF);
	EXPECT_EQ_ERR(t_walk(&C, 999, 1, 0, NULL, NULL), -EBADF);
	EXPECT_EQ(t_attach(&C, ROOT, P9_NOFID, "", 0, NULL), 0);
	EXPECT_EQ(stats().fids, 1);
}

/*
 * The process's fd budget is shared by every session, each with a floor
 * guaranteed (3 units here): one that spends all the rest leaves another
 * its floor and no more; fids clunked by one are there for the other; a
 * session's end gives back what it held and what it reserved.
 */
static void test_fd_budget(void)
{
	struct t_client a, b;
	unsigned long used0, res0;
	uint32_t i;

	test_where("fd budget");
	p9_set_fd_floor(3);
	used0 = p9_fd_budget_used();
	res0 = p9_fd_budget_reserved();
	connect_client(&a, E);
	connect_client(&b, E);
	/* Each holds its root fid: 1 unit of its 3, 2 still reserved. */
	EXPECT_EQ(p9_fd_budget_used(), used0 + 2);
	EXPECT_EQ(p9_fd_budget_reserved(), res0 + 4);
	/* Beyond what is held and reserved, 4 units for whoever asks. */
	p9_set_fd_budget(p9_fd_budget_used() + p9_fd_budget_reserved() + 4);
	for (i = 0; i < 10; i++)
		if (t_walk(&a, ROOT, 50 + i, 0, NULL, NULL) < 0)
			break;
	EXPECT_EQ(i, 6);	/* the 2 left of its floor, then the 4 */
	/* b, after a took all it could: its floor still, no more. */
	EXPECT_EQ(t_walk(&b, ROOT, 50, 0, NULL, NULL), 0);
	EXPECT_EQ(t_walkp(&b, ROOT, 60, "small", NULL), 1);
	EXPECT_EQ_ERR(t_walk(&b, ROOT, 51, 0, NULL, NULL), -EMFILE);
	/* An open takes a unit as well: b's next comes from a's clunk. */
	EXPECT_EQ_ERR(t_lopen(&b, 60, P9_DOTL_RDONLY, NULL), -ENFILE);
	EXPECT_EQ(t_clunk(&a, 50), 0);
	EXPECT_EQ(t_lopen(&b, 60, P9_DOTL_RDONLY, NULL), 0);
	EXPECT_EQ_ERR(t_walk(&a, ROOT, 50, 0, NULL, NULL), -EMFILE);
	/* A unit b held past its floor goes back to everyone... */
	EXPECT_EQ(t_clunk(&b, 50), 0);
	EXPECT_EQ(t_walk(&a, ROOT, 50, 0, NULL, NULL), 0);
	/* ...those under it are kept for b (60: its fid and its open). */
	EXPECT_EQ(t_clunk(&b, 60), 0);
	EXPECT_EQ_ERR(t_walk(&a, ROOT, 70, 0, NULL, NULL), -EMFILE);
	EXPECT_EQ(t_walk(&b, ROOT, 50, 0, NULL, NULL), 0);
	EXPECT_EQ(t_walk(&b, ROOT, 51, 0, NULL, NULL), 0);
	EXPECT_EQ_ERR(t_walk(&b, ROOT, 52, 0, NULL, NULL), -EMFILE);
	disconnect_client(&a);
	disconnect_client(&b);
	EXPECT_EQ(p9_fd_budget_used(), used0);
	EXPECT_EQ(p9_fd_budget_reserved(), res0);
	p9_set_fd_budget(ULONG_MAX);
	p9_set_fd_floor(P9_FD_FLOOR);
}

/* max_open: opened fids per session. */
static void test_open_cap(void)
{
	struct p9_export_opts o = {0};
	struct t_client c;
	struct p9_export *e;
	uint32_t i;

	test_where("open cap");
	o.path = hp("export");
	o.max_open = 8;
	CHECK_EQ(p9_export_open(&o, &e), 0);
	connect_client(&c, e);
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(t_walkp(&c, ROOT, 10 + i, "small", NULL), 1);
		EXPECT_EQ(t_lopen(&c, 10 + i, P9_DOTL_RDONLY, NULL), 0);
	}
	EXPECT_EQ(t_walkp(&c, ROOT, 30, "small", NULL), 1);
	EXPECT_EQ_ERR(t_lopen(&c, 30, P9_DOTL_RDONLY, NULL), -ENFILE);
	EXPECT_EQ(t_walk(&c, ROOT, 31, 0, NULL, NULL), 0);
	EXPECT_EQ_ERR(t_lcreate(&c, 31, "capped", P9_DOTL_RDWR, 0644, 0, NULL),
		      -ENFILE);
	EXPECT(!exists("export/capped"));
	EXPECT_EQ(t_clunk(&c, 10), 0);
	EXPECT_EQ(t_lopen(&c, 30, P9_DOTL_RDONLY, NULL), 0);
	disconnect_client(&c);
	p9_export_close(e);
}

/* ---- malformed messages ---- */

static void test_malformed(void)
{
	uint8_t m[64];
	struct p9_cur q;
	int len;

	test_where("malformed");
	/* A string running past the end. */
	t_begin(&C, P9_TWALK);
	p9_put32(&C.q, ROOT);
	p9_put32(&C.q, 200);
	p9_put16(&C.q, 1);
	p9_put16(&C.q, 50); /* 50 bytes announced, 3 there */
	p9_put8(&C.q, 'a');
	p9_put8(&C.q, 'b');
	p9_put8(&C.q, 'c');
	EXPECT_EQ_ERR(t_send(&C), -EBADMSG);
	EXPECT_EQ_ERR(t_clunk(&C, 200), -EBADF);
	/* nwname says 16, two names there. */
	t_begin(&C, P9_TWALK);
	p9_put32(&C.q, ROOT);
	p9_put32(&C.q, 200);
	p9_put16(&C.q, 16);
	p9_putstr(&C.q, "sub", 3);
	p9_putstr(&C.q, "inner", 5);
	EXPECT_EQ_ERR(t_send(&C), -EBADMSG);
	/* A header and nothing else, for every request type. */
	{
		static const uint8_t types[] = {
		    P9_TSTATFS,	 P9_TLOPEN,	P9_TLCREATE,	 P9_TSYMLINK,
		    P9_TMKNOD,	 P9_TRENAME,	P9_TREADLINK,	 P9_TGETATTR,
		    P9_TSETATTR, P9_TXATTRWALK, P9_TXATTRCREATE, P9_TREADDIR,
		    P9_TFSYNC,	 P9_TLOCK,	P9_TGETLOCK,	 P9_TLINK,
		    P9_TMKDIR,	 P9_TRENAMEAT,	P9_TUNLINKAT,	 P9_TAUTH,
		    P9_TATTACH,	 P9_TFLUSH,	P9_TWALK,	 P9_TREAD,
		    P9_TWRITE,	 P9_TCLUNK,	P9_TREMOVE,
		};
		size_t i;

		for (i = 0; i < sizeof(types); i++) {
			test_where("malformed: type %u alone", types[i]);
			t_begin(&C, types[i]);
			EXPECT_EQ_ERR(t_send(&C), -EBADMSG);
			/* and one byte short of a fid (a Tflush's 2-byte
			 * oldtag is there: not for it) */
			if (types[i] == P9_TFLUSH)
				continue;
			t_begin(&C, types[i]);
			p9_put8(&C.q, 0);
			p9_put16(&C.q, 0);
			EXPECT_EQ_ERR(t_send(&C), -EBADMSG);
		}
		test_where("malformed");
	}
	/* Twrite whose count is past the message. */
	EXPECT_EQ(t_walk(&C, ROOT, 201, 0, NULL, NULL), 0);
	EXPECT_EQ(t_lcreate(&C, 201, "mal", P9_DOTL_RDWR, 0644, 0, NULL), 0);
	t_begin(&C, P9_TWRITE);
	p9_put32(&C.q, 201);
	p9_put64(&C.q, 0);
	p9_put32(&C.q, 1000); /* 1000 announced, 4 there */
	p9_put32(&C.q, 0x41414141);
	EXPECT_EQ_ERR(t_send(&C), -EINVAL);
	EXPECT(!exists("export/mal") || get_file("export/mal", m, 64) == 0);
	EXPECT_EQ(t_remove(&C, 201), 0);
	/* The size field lying (bigger and smaller than the message): only
	 * len counts. */
	t_begin(&C, P9_TCLUNK);
	p9_put32(&C.q, 12345);
	len = p9_end(&C.q);
	p9_le_put(C.req, 100000, 4);
	EXPECT_EQ_ERR(t_send_raw(&C, C.req, (size_t)len, NULL, 0, 100000),
		      -EBADF);
	p9_le_put(C.req, 3, 4);
	EXPECT_EQ_ERR(t_send_raw(&C, C.req, (size_t)len, NULL, 0, 3), -EBADF);
	/* Unknown requests, and replies sent as requests. */
	p9_cur_init(&q, m, sizeof(m));
	p9_begin(&q, 200, 77);
	p9_put32(&q, 1);
	len = p9_end(&q);
	EXPECT_EQ_ERR(t_send_raw(&C, m, (size_t)len, NULL, 0, (uint32_t)len),
		      -EOPNOTSUPP);
	p9_begin(&q, P9_TWALK + 1, 78);
	len = p9_end(&q);
	EXPECT_EQ_ERR(t_send_raw(&C, m, (size_t)len, NULL, 0, (uint32_t)len),
		      -EOPNOTSUPP);
	p9_begin(&q, P9_TLERROR, 79);
	len = p9_end(&q);
	EXPECT_EQ_ERR(t_send_raw(&C, m, (size_t)len, NULL, 0, (uint32_t)len),
		      -EOPNOTSUPP);
	/* Legacy 9P2000 requests Linux does not send in .L. */
	p9_begin(&q, 112 /* Topen */, 80);
	p9_put32(&q, ROOT);
	p9_put8(&q, 0);
	len = p9_end(&q);
	EXPECT_EQ_ERR(t_send_raw(&C, m, (size_t)len, NULL, 0, (uint32_t)len),
		      -EOPNOTSUPP);
	/* Trailing bytes after a well-formed request are ignored. */
	t_begin(&C, P9_TWALK);
	p9_put32(&C.q, ROOT);
	p9_put32(&C.q, 202);
	p9_put16(&C.q, 0);
	p9_put32(&C.q, 0xdeadbeef);
	EXPECT_EQ(t_send(&C), 0);
	EXPECT_EQ(t_clunk(&C, 202), 0);
}

/* Every request of a random byte soup gets one reply (checked by
 * t_send_raw) and nothing crashes. */
static void test_fuzz(void)
{
	uint8_t m[256];
	unsigned int seed = 12345, i, j, len;
	static const uint8_t types[] = {
	    P9_TSTATFS,	  P9_TLOPEN,	   P9_TLCREATE,	 P9_TSYMLINK,
	    P9_TMKNOD,	  P9_TRENAME,	   P9_TREADLINK, P9_TGETATTR,
	    P9_TSETATTR,  P9_TXATTRWALK,   P9_TREADDIR,	 P9_TFSYNC,
	    P9_TLOCK,	  P9_TGETLOCK,	   P9_TLINK,	 P9_TMKDIR,
	    P9_TRENAMEAT, P9_TUNLINKAT,	   P9_TWALK,	 P9_TREAD,
	    P9_TCLUNK,	  P9_TXATTRCREATE,
	};

	struct t_client c;

	test_where("fuzz");
	/* Its own session, in a scratch directory: fid 1 and whatever the
	 * soup makes of fids 1..3. */
	CHECK(mkdir(hp("export/fuzz"), 0755) == 0);
	connect_client(&c, E);
	EXPECT_EQ(t_walkp(&c, ROOT, 1, "fuzz", NULL), 1);
	for (i = 0; i < 20000; i++) {
		len = P9_HDR_SIZE + rand_r(&seed) % 40;
		for (j = 0; j < len; j++)
			m[j] = (uint8_t)rand_r(&seed);
		p9_le_put(m, len, 4);
		m[4] = types[rand_r(&seed) % sizeof(types)];
		m[5] = (uint8_t)i;
		m[6] = 0;
		/* fids 1..3: the scratch directory, or made from it */
		if (len >= 11)
			p9_le_put(m + 7, 1 + rand_r(&seed) % 3, 4);
		c.limit = 0;
		(void)t_send_raw(&c, m, len, NULL, 0, len);
	}
	/* Whatever was made lies in export/fuzz (the outside snapshot is
	 * checked at the end). */
	disconnect_client(&c);
}

/* ---- Tflush and races ---- */

struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool open, waiting;
};

struct gated_call {
	struct t_call t;
	struct gate *g;
	unsigned long commit_seq;
};

static unsigned long seq;
static pthread_mutex_t seq_mu = PTHREAD_MUTEX_INITIALIZER;

static int g_reserve(void *opaque, size_t max, struct iovec iov[2])
{
	struct gated_call *gc = opaque;

	if (gc->g) {
		pthread_mutex_lock(&gc->g->mu);
		gc->g->waiting = true;
		pthread_cond_broadcast(&gc->g->cv);
		while (!gc->g->open)
			pthread_cond_wait(&gc->g->cv, &gc->g->mu);
		pthread_mutex_unlock(&gc->g->mu);
	}
	return t_reserve(&gc->t, max, iov);
}

static void g_commit(void *opaque, size_t len)
{
	struct gated_call *gc = opaque;

	t_commit(&gc->t, len);
	if (len) {
		pthread_mutex_lock(&seq_mu);
		gc->commit_seq = ++seq;
		pthread_mutex_unlock(&seq_mu);
	}
}

static const struct p9_reply_ops g_ops = {
    .reserve = g_reserve,
    .commit = g_commit,
};

struct async {
	pthread_t th;
	struct p9_session *s;
	uint8_t msg[64];
	size_t len;
	struct gated_call gc;
	const struct p9_reply_ops *ops;	/* g_ops when NULL */
	struct p9_inflight *pre;	/* from p9_inflight_begin() */
};

static void *async_main(void *v)
{
	struct async *a = v;
	struct p9_req rq = {.msg = a->msg,
			    .len = a->len,
			    .size = (uint32_t)a->len,
			    .inflight = a->pre};

	T_CHECK(p9_handle(a->s, &rq, a->ops ? a->ops : &g_ops, &a->gc) == 0,
		"p9_handle");
	return NULL;
}

static void async_start(struct async *a, struct p9_session *s, struct gate *g)
{
	a->s = s;
	a->gc.g = g;
	a->gc.t.a = t_alloc(MSIZE);
	a->gc.t.b = t_alloc(MSIZE);
	a->gc.t.reply = t_alloc(MSIZE);
	T_CHECK(pthread_create(&a->th, NULL, async_main, a) == 0, "%s",
		"false");
}

static void async_join(struct async *a)
{
	pthread_join(a->th, NULL);
	EXPECT_EQ(a->gc.t.nnonzero, 1);
}

static void async_free(struct async *a)
{
	free(a->gc.t.a);
	free(a->gc.t.b);
	free(a->gc.t.reply);
}

static void gate_wait_waiting(struct gate *g)
{
	pthread_mutex_lock(&g->mu);
	while (!g->waiting)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
}

static void gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->open = true;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

static size_t msg_read(uint8_t *m, uint16_t tag, uint32_t fid, uint64_t off,
		       uint32_t count)
{
	struct p9_cur q;

	p9_cur_init(&q, m, 64);
	p9_begin(&q, P9_TREAD, tag);
	p9_put32(&q, fid);
	p9_put64(&q, off);
	p9_put32(&q, count);
	return (size_t)p9_end(&q);
}

static size_t msg_flush(uint8_t *m, uint16_t tag, uint16_t oldtag)
{
	struct p9_cur q;

	p9_cur_init(&q, m, 64);
	p9_begin(&q, P9_TFLUSH, tag);
	p9_put16(&q, oldtag);
	return (size_t)p9_end(&q);
}

static void test_flush(void)
{
	static struct async rd, fl, fl2;
	struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			 false, false};
	struct timespec ts = {0, 50 * 1000 * 1000};

	test_where("flush");
	/* Unknown tags, and a Tflush of its own tag: at once. */
	EXPECT_EQ(t_flush(&C, 4242), 0);
	EXPECT_EQ(t_flush(&C, C.tag), 0);
	EXPECT_EQ(t_flush(&C, P9_NOTAG), 0);

	/* A Tread held in its reserve(); a Tflush of its tag answers only
	 * after it, even though it came later. */
	EXPECT_EQ(t_walkp(&C, ROOT, 300, "small", NULL), 1);
	EXPECT_EQ(t_lopen(&C, 300, P9_DOTL_RDONLY, NULL), 0);
	memset(&rd, 0, sizeof(rd));
	memset(&fl, 0, sizeof(fl));
	memset(&fl2, 0, sizeof(fl2));
	rd.len = msg_read(rd.msg, 7000, 300, 0, 100);
	async_start(&rd, C.s, &g);
	gate_wait_waiting(&g);
	fl.len = msg_flush(fl.msg, 7001, 7000);
	async_start(&fl, C.s, NULL);
	/* A flush of the flush does not wait for it (no cycle). */
	fl2.len = msg_flush(fl2.msg, 7002, 7001);
	async_start(&fl2, C.s, NULL);
	async_join(&fl2);
	nanosleep(&ts, NULL);
	pthread_mutex_lock(&seq_mu);
	EXPECT_EQ(fl.gc.commit_seq, 0); /* still waiting */
	pthread_mutex_unlock(&seq_mu);
	/* The fid is clunked while its read is in flight: the read ends
	 * well (the fid's fds live until its last reference). */
	EXPECT_EQ(t_clunk(&C, 300), 0);
	gate_open(&g);
	async_join(&rd);
	async_join(&fl);
	EXPECT_EQ(rd.gc.commit_seq < fl.gc.commit_seq, 1);
	EXPECT_EQ(rd.gc.t.reply[4], P9_TREAD + 1);
	EXPECT_EQ(p9_le_get(rd.gc.t.reply + 7, 4), 6);
	EXPECT_EQ(memcmp(rd.gc.t.reply + 11, "hello\n", 6), 0);
	EXPECT_EQ(fl.gc.t.reply[4], P9_TFLUSH + 1);
	async_free(&rd);
	async_free(&fl);
	async_free(&fl2);
}

/* A transport whose flush() found the message unread and dropped it. */
static int g_flush_dropped(void *opaque, uint16_t oldtag)
{
	(void)opaque;
	(void)oldtag;
	return 1;
}

static const struct p9_reply_ops g_ops_dropping = {
    .reserve = g_reserve,
    .commit = g_commit,
    .flush = g_flush_dropped,
};

static bool committed(const struct async *a)
{
	bool done;

	pthread_mutex_lock(&seq_mu);
	done = a->gc.commit_seq != 0;
	pthread_mutex_unlock(&seq_mu);
	return done;
}

/*
 * A request the transport took (p9_inflight_begin()) but has not handed
 * to p9_handle() yet is in flight already: a Tflush of it, served by
 * another thread in that window, answers only after its reply.  And a
 * transport that dropped the flushed message unread gets Rflush at once.
 */
static void test_flush_taken(void)
{
	static struct async rd, fl;
	struct p9_inflight rec, rec2;
	struct timespec ts = {0, 50 * 1000 * 1000};
	uint8_t hdr[64];

	test_where("flush of a taken request");
	EXPECT_EQ(t_walkp(&C, ROOT, 310, "small", NULL), 1);
	EXPECT_EQ(t_lopen(&C, 310, P9_DOTL_RDONLY, NULL), 0);
	memset(&rd, 0, sizeof(rd));
	memset(&fl, 0, sizeof(fl));
	msg_flush(hdr, 7101, 7100);
	EXPECT_EQ(p9_inflight_begin(C.s, &rec, hdr), false);
	rd.len = msg_read(rd.msg, 7100, 310, 0, 100);
	EXPECT_EQ(p9_inflight_begin(C.s, &rec, rd.msg), true);
	fl.len = msg_flush(fl.msg, 7101, 7100);
	async_start(&fl, C.s, NULL);
	nanosleep(&ts, NULL);
	EXPECT_EQ(committed(&fl), false); /* waits for the taken read */
	rd.pre = &rec;
	async_start(&rd, C.s, NULL);
	async_join(&rd);
	async_join(&fl);
	EXPECT_EQ(rd.gc.commit_seq < fl.gc.commit_seq, 1);
	EXPECT_EQ(rd.gc.t.reply[4], P9_TREAD + 1);
	EXPECT_EQ(fl.gc.t.reply[4], P9_TFLUSH + 1);
	async_free(&rd);
	async_free(&fl);

	/* Dropped by the transport: Rflush without waiting. */
	memset(&rd, 0, sizeof(rd));
	memset(&fl, 0, sizeof(fl));
	rd.len = msg_read(rd.msg, 7200, 310, 0, 100);
	EXPECT_EQ(p9_inflight_begin(C.s, &rec2, rd.msg), true);
	fl.len = msg_flush(fl.msg, 7201, 7200);
	fl.ops = &g_ops_dropping;
	async_start(&fl, C.s, NULL);
	async_join(&fl);
	EXPECT_EQ(fl.gc.t.reply[4], P9_TFLUSH + 1);
	/* (A dropped message never runs; this one leaves the set.) */
	rd.pre = &rec2;
	async_start(&rd, C.s, NULL);
	async_join(&rd);
	EXPECT_EQ(t_flush(&C, 7200), 0);
	EXPECT_EQ(t_clunk(&C, 310), 0);
	async_free(&rd);
	async_free(&fl);
}

/* Threads hammering one session: walks, reads, getattrs, clunks of the
 * fids others are using, lcreate/remove; run under ASan/TSan this finds
 * use-after-free and races. */
struct hammer {
	pthread_t th;
	struct p9_session *s;
	unsigned int id;
	unsigned long errors;
};

static void *hammer_main(void *v)
{
	struct hammer *h = v;
	struct t_client c;
	char name[32], buf[128];
	struct t_attr a;
	uint32_t base = 100000 + h->id * 1000, f;
	unsigned int i;
	int r;

	t_client_init(&c, h->s);
	c.msize = MSIZE;
	c.tag = (uint16_t)(h->id * 10000 + 1);
	snprintf(name, sizeof(name), "ham%u", h->id);
	for (i = 0; i < 1500; i++) {
		f = base + i % 8;
		switch (i % 6) {
		case 0:
			(void)t_walkp(&c, ROOT, f, "file", NULL);
			(void)t_lopen(&c, f, P9_DOTL_RDONLY, NULL);
			break;
		case 1:
			/* Another thread's fid: racing its owner. */
			r = t_read(&c,
				   100000 + ((h->id + 1) % 4) * 1000 + i % 8,
				   (uint64_t)i * 13, 128, buf);
			if (r < 0 && r != -EBADF && r != -EINVAL)
				h->errors++;
			break;
		case 2:
			(void)t_getattr(&c, f, &a);
			break;
		case 3:
			(void)t_clunk(&c, 100000 + ((h->id + 2) % 4) * 1000 +
					      i % 8);
			break;
		case 4:
			if (t_walk(&c, ROOT, f + 500, 0, NULL, NULL) == 0 &&
			    t_lcreate(&c, f + 500, name, P9_DOTL_RDWR, 0644, 0,
				      NULL) == 0) {
				(void)t_write(&c, f + 500, 0, "x", 1);
				(void)t_remove(&c, f + 500);
			} else {
				(void)t_clunk(&c, f + 500);
			}
			break;
		default:
			(void)t_clunk(&c, f);
			break;
		}
	}
	for (f = base; f < base + 8; f++)
		(void)t_clunk(&c, f);
	t_client_fini(&c);
	return NULL;
}

static void test_threads(void)
{
	struct hammer h[4];
	unsigned int i;

	test_where("threads");
	for (i = 0; i < 4; i++) {
		h[i].s = C.s;
		h[i].id = i;
		h[i].errors = 0;
		T_CHECK(pthread_create(&h[i].th, NULL, hammer_main, &h[i]) == 0,
			"%s", "false");
	}
	for (i = 0; i < 4; i++) {
		pthread_join(h[i].th, NULL);
		EXPECT_EQ(h[i].errors, 0);
	}
	/* Only ROOT is left (the hammers clunk what they made). */
	EXPECT_EQ(stats().fids, 1);
}

/* ---- a read-only export ---- */

static void test_readonly(void)
{
	struct p9_export_opts o = {0};
	struct t_client c;
	struct p9_export *e;
	uint8_t buf[16];

	test_where("readonly");
	o.path = hp("export");
	o.readonly = true;
	CHECK_EQ(p9_export_open(&o, &e), 0);
	connect_client(&c, e);
	EXPECT_EQ(t_walkp(&c, ROOT, 1, "small", NULL), 1);
	EXPECT_EQ_ERR(t_lopen(&c, 1, P9_DOTL_RDWR, NULL), -EROFS);
	EXPECT_EQ_ERR(t_lopen(&c, 1, P9_DOTL_WRONLY, NULL), -EROFS);
	EXPECT_EQ_ERR(t_lopen(&c, 1, P9_DOTL_RDONLY | P9_DOTL_TRUNC, NULL),
		      -EROFS);
	EXPECT_EQ_ERR(
	    t_setattr(&c, 1, P9_SETATTR_MODE, 0777, 0, 0, 0, 0, 0, 0, 0),
	    -EROFS);
	EXPECT_EQ_ERR(t_xattrcreate(&c, 1, "user.x", 1, 0), -EROFS);
	EXPECT_EQ(t_lopen(&c, 1, P9_DOTL_RDONLY, NULL), 0);
	EXPECT_EQ(t_read(&c, 1, 0, 16, buf), 6);
	EXPECT_EQ_ERR(t_write(&c, 1, 0, "x", 1), -EROFS);
	EXPECT_EQ_ERR(t_link(&c, ROOT, 1, "l"), -EROFS);
	EXPECT_EQ_ERR(t_rename(&c, 1, ROOT, "r"), -EROFS);
	EXPECT_EQ(t_walk(&c, ROOT, 2, 0, NULL, NULL), 0);
	EXPECT_EQ_ERR(t_lcreate(&c, 2, "n", P9_DOTL_RDWR, 0644, 0, NULL),
		      -EROFS);
	EXPECT_EQ_ERR(t_mkdir(&c, ROOT, "n", 0755, 0, NULL), -EROFS);
	EXPECT_EQ_ERR(t_mknod(&c, ROOT, "n", S_IFIFO | 0644, 0, 0, NULL),
		      -EROFS);
	EXPECT_EQ_ERR(t_symlink(&c, ROOT, "n", "x", NULL), -EROFS);
	EXPECT_EQ_ERR(t_unlinkat(&c, ROOT, "small", 0), -EROFS);
	EXPECT_EQ_ERR(t_renameat(&c, ROOT, "small", ROOT, "n"), -EROFS);
	EXPECT_EQ_ERR(t_remove(&c, 2), -EROFS);
	EXPECT(exists("export/small") && !exists("export/n"));
	disconnect_client(&c);
	p9_export_close(e);
}

/* ---- qids across devices ---- */

/* A mount point inside the export: the files beneath have the other
 * device's qids, prefixed (1: the first device after the root's), never
 * equal to one of the root device.  In a child with its own mount
 * namespace (root only; skipped where mounts are not allowed). */
static void test_qids_mount(void)
{
	struct p9_export_opts o = {0};
	struct t_client c;
	struct p9_export *e;
	struct p9_qid q, qr;
	struct stat st;
	int status;
	pid_t pid;

	if (geteuid() != 0)
		return;
	CHECK(mkdir(hp("export/mnt"), 0755) == 0);
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("p9test", hp("export/mnt"), "tmpfs", 0, "size=1m") <
			0)
			_exit(77);
		put_file("export/mnt/f", "m", 1);
		CHECK(lstat(hp("export/mnt/f"), &st) == 0);
		o.path = hp("export");
		CHECK_EQ(p9_export_open(&o, &e), 0);
		connect_client(&c, e);
		CHECK_EQ(t_walkp(&c, ROOT, 1, "mnt/f", &q), 2);
		CHECK_EQ(q.path >> 56, 1);
		CHECK_EQ(q.path & ((1ull << 56) - 1), st.st_ino);
		CHECK_EQ(t_walkp(&c, ROOT, 2, "small", &qr), 1);
		CHECK_EQ(qr.path >> 56, 0);
		CHECK(qr.path != q.path);
		disconnect_client(&c);
		p9_export_close(e);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		fprintf(stderr, "no mount namespace: mount qids skipped\n");
	else
		EXPECT_EQ(WEXITSTATUS(status), 0);
	CHECK(rmdir(hp("export/mnt")) == 0);
}

static void test_qids(void)
{
	struct p9_qid q1, q2;

	test_where("qids");
	/* Hard links: one file, one qid; different files: different. */
	CHECK(link(hp("export/small"), hp("export/small-hl")) == 0);
	EXPECT_EQ(t_walkp(&C, ROOT, 400, "small", &q1), 1);
	EXPECT_EQ(t_walkp(&C, ROOT, 401, "small-hl", &q2), 1);
	EXPECT_EQ(q1.path, q2.path);
	EXPECT_EQ(t_clunk(&C, 401), 0);
	EXPECT_EQ(t_walkp(&C, ROOT, 401, "file", &q2), 1);
	EXPECT(q1.path != q2.path);
	EXPECT_EQ(t_clunk(&C, 400), 0);
	EXPECT_EQ(t_clunk(&C, 401), 0);
	CHECK(unlink(hp("export/small-hl")) == 0);
	test_qids_mount();
}

int main(void)
{
	struct p9_export_opts o = {0};
	char after[4096];

	setup();
	/* Not this process's file limit: the caps under test are the
	 * sessions' own (test_fd_budget() sets a small one). */
	p9_set_fd_budget(ULONG_MAX);
	test_export_open();
	o.path = hp("export");
	CHECK_EQ(p9_export_open(&o, &E), 0);
	test_version_attach();
	connect_client(&C, E);
	test_walk();
	test_confinement();
	test_files();
	test_zero_copy();
	test_timing();
	test_readahead();
	test_offsets();
	test_readdir();
	test_dirs_links();
	test_locks();
	test_xattr();
	test_xattr_cap();
	test_qids();
	test_malformed();
	test_fuzz();
	test_flush();
	test_flush_taken();
	test_fd_budget();
	test_threads();
	test_open_cap();
	test_readonly();
	test_fids();
	disconnect_client(&C);
	p9_export_close(E);

	test_where("end");
	outside_snapshot(after, sizeof(after));
	EXPECT_MSG(!strcmp(after, outside_before), "outside: %s, was %s", after,
		   outside_before);
	printf("%lu checks, %d failed\n", test_nchecks, test_failures);
	return test_status();
}
