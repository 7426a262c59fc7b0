/* SPDX-License-Identifier: MIT */
/*
 * ctl-p9io.c - `xenpvctl p9 ls|cat|put|bench`: a 9pfs share used from the
 * guest's side through libxenpvfront's 9pfs frontend (xpvf_9p_*), run in
 * the guest's environment (on the simulated platform, the one `xenpv-sim
 * env` prints), as `xenpvctl io` is for a disk.
 *
 *   p9 ls [-l] [PATH]       the entries of directory PATH of the share
 *                           (default its root), sorted, '/' after a
 *                           directory; -l adds mode and size
 *   p9 cat PATH             the file to stdout
 *   p9 put LOCALFILE PATH   LOCALFILE ("-": stdin) into the share as PATH
 *                           (created 0644, or truncated), then fsync'd
 *   p9 bench --rw read|write|randread|meta [...]
 *       read, write: calls of --bs bytes (1 MiB) one after the other over
 *       the first --size bytes (256 MiB) of --file (p9bench.dat), through
 *       xpvf_9p_read()/_write(), which cut a call into parts of at most
 *       the negotiated msize and keep a few in flight; one pass, or
 *       passes from the start until --runtime seconds are over.  write
 *       creates the file when missing, never truncates it.
 *       randread: --bs (4 KiB) reads at random bs-aligned offsets for
 *       --runtime seconds (5), --iodepth (1) of them in flight: raw Tread
 *       messages built here and sent with xpvf_9p_submit() (whatever the
 *       depth, so QD1 and QDn go the same way), on a fid of the raw range
 *       made by a raw Twalk (a clone of the library's fid of the file)
 *       and a raw Tlopen.
 *       meta: --files (10000) files f000000... in directory --file
 *       (p9bench-meta; made, and removed at the end, when missing) are
 *       created (Twalk clone, Tlcreate, Tclunk), then each stat'ed
 *       (Twalk, Tgetattr, Tclunk), then each removed (Tunlinkat): what
 *       Linux's v9fs sends for creat+close, stat and unlink without a
 *       cache.  Three operations per file.
 *     With --direct-path HOSTPATH the same loop runs on the host instead,
 *     with system calls (the baseline; no share is opened): pread or
 *     pwrite of --bs; for randread --iodepth threads each with one pread
 *     in flight (the same number of requests in flight as the share's
 *     raw messages); open(O_CREAT|O_EXCL)+close, fstatat, unlinkat.  Both
 *     go through the host's page cache, as the share's server does.
 *     One line per run:
 *       p9bench: target=9p|direct rw=R bs=B iodepth=N size=S seconds=T
 *         ops=N bytes=N errors=N MiBps=X iops=X p50_us=X p99_us=X cpu_s=X
 *         [msize=N rings=N ring_order=N]
 *     meta: files=N and ops_per_s=, create_per_s=, stat_per_s=,
 *     unlink_per_s= instead of bs/size/bytes/MiBps/iops.  Latency is per
 *     call (read, write), per message (randread) or per operation (meta).
 *
 * Common options: --devid D (0), --domid N (our own), --platform, and
 * bounds on what is negotiated: --msize, --rings, --ring-order.
 *
 * Guarantees: exit status 0 success, 1 failure, 2 usage; the share is
 * closed on every path; every buffer of a benchmark is allocated before
 * its clock starts.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "p9wire.h"
#include "xenpvfront.h"
#include "xenpvctl.h"

#define CHUNK (1u << 20) /* cat and put: bytes per call */
#define MAX_DEPTH 1024u	 /* as many tags as the library has */

/* Every option of every subcommand; each says which it takes. */
struct p9opts {
	unsigned int domid, devid;
	const char *platform;
	uint64_t msize, rings, order;
	bool lng;
	const char *rw, *file, *direct;
	uint64_t bs, size, depth, files, runtime;
	bool have_bs, have_runtime;
};

/* An open share with its session, attached at its root. */
struct p9sess {
	struct xpvf_9p *h;
	struct xpvf_9p_info info;
	uint32_t root;
};

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		mul = 1ull << 10;
		end++;
		break;
	case 'm':
	case 'M':
		mul = 1ull << 20;
		end++;
		break;
	case 'g':
	case 'G':
		mul = 1ull << 30;
		end++;
		break;
	default:
		break;
	}
	if (*end || v > UINT64_MAX / mul)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/*
 * Parses argv for subcommand who, which takes the options whose codes are
 * in allowed (the common ones always).  Leaves optind at the first
 * operand.  0, 1 after --help (printed), or -EINVAL (message printed).
 */
static int parse_opts(int argc, char **argv, const char *who,
		      const char *allowed, const char *usage, struct p9opts *o)
{
	static const struct option lo[] = {
	    {"domid", 1, NULL, 'd'},
	    {"devid", 1, NULL, 'v'},
	    {"platform", 1, NULL, 'P'},
	    {"msize", 1, NULL, 'm'},
	    {"rings", 1, NULL, 'R'},
	    {"ring-order", 1, NULL, 'O'},
	    {"long", 0, NULL, 'l'},
	    {"rw", 1, NULL, 'r'},
	    {"bs", 1, NULL, 'b'},
	    {"size", 1, NULL, 's'},
	    {"iodepth", 1, NULL, 'q'},
	    {"files", 1, NULL, 'n'},
	    {"runtime", 1, NULL, 't'},
	    {"file", 1, NULL, 'f'},
	    {"direct-path", 1, NULL, 'D'},
	    {"help", 0, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "lh", lo, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		if (c == '?' || (!strchr("dvPmRO", c) && !strchr(allowed, c)))
			goto usage;
		switch (c) {
		case 'd':
			if (parse_u64(optarg, &v) || v >= 0x7ff0)
				goto usage;
			o->domid = (unsigned int)v;
			break;
		case 'v':
			if (parse_u64(optarg, &v) || v > UINT32_MAX)
				goto usage;
			o->devid = (unsigned int)v;
			break;
		case 'P':
			o->platform = optarg;
			break;
		case 'm':
			if (parse_u64(optarg, &o->msize) ||
			    o->msize > UINT32_MAX)
				goto usage;
			break;
		case 'R':
			if (parse_u64(optarg, &o->rings) || o->rings > 16)
				goto usage;
			break;
		case 'O':
			if (parse_u64(optarg, &o->order) || o->order > 9)
				goto usage;
			break;
		case 'l':
			o->lng = true;
			break;
		case 'r':
			o->rw = optarg;
			break;
		case 'b':
			if (parse_u64(optarg, &o->bs) || !o->bs ||
			    o->bs > (256u << 20))
				goto usage;
			o->have_bs = true;
			break;
		case 's':
			if (parse_u64(optarg, &o->size) || !o->size)
				goto usage;
			break;
		case 'q':
			if (parse_u64(optarg, &o->depth) || !o->depth ||
			    o->depth > MAX_DEPTH)
				goto usage;
			break;
		case 'n':
			if (parse_u64(optarg, &o->files) || !o->files ||
			    o->files > 1000000)
				goto usage;
			break;
		case 't':
			if (parse_u64(optarg, &o->runtime) ||
			    o->runtime > 86400)
				goto usage;
			o->have_runtime = true;
			break;
		case 'f':
			o->file = optarg;
			break;
		case 'D':
			o->direct = optarg;
			break;
		default:
			goto usage;
		}
	}
	return 0;
usage:
	fprintf(stderr, "xenpvctl p9 %s: bad arguments\n", who);
	fputs(usage, stderr);
	return -EINVAL;
}

/* Opens share o->devid and attaches to its root; messages on failure. */
static int sess_open(const struct p9opts *o, struct p9sess *s, const char *who)
{
	struct xpvf_9p_opts opts;
	int err;

	memset(&opts, 0, sizeof(opts));
	opts.size = sizeof(opts);
	opts.platform = o->platform;
	opts.max_rings = (unsigned int)o->rings;
	opts.max_ring_page_order = (unsigned int)o->order;
	opts.msize = (uint32_t)o->msize;
	err = xpvf_9p_open(&s->h, o->domid, o->devid, &opts);
	if (err < 0) {
		fprintf(stderr,
			"xenpvctl p9 %s: cannot open 9pfs device %u: "
			"%s\n",
			who, o->devid, strerror(-err));
		s->h = NULL;
		return err;
	}
	xpvf_9p_info(s->h, &s->info);
	err = xpvf_9p_attach(s->h, "", (uint32_t)getuid(), "", &s->root, NULL);
	if (err < 0) {
		fprintf(stderr, "xenpvctl p9 %s: attach: %s\n", who,
			strerror(-err));
		xpvf_9p_close(s->h);
		s->h = NULL;
	}
	return err;
}

/* path's last component in name, the rest in dir (both within the share;
 * "" is the root).  -EINVAL when there is no last component or it does
 * not fit. */
static int split_path(const char *path, char *dir, size_t dsize, char *name,
		      size_t nsize)
{
	size_t n = strlen(path), b;

	while (n && path[n - 1] == '/')
		n--;
	for (b = n; b && path[b - 1] != '/'; b--)
		;
	if (b == n || n - b >= nsize || b >= dsize)
		return -EINVAL;
	memcpy(name, path + b, n - b);
	name[n - b] = '\0';
	memcpy(dir, path, b);
	dir[b] = '\0';
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	return 0;
}

/* Opens PATH of the share for writing as *fid, made (0644) when missing;
 * trunc: cut to 0 when it exists. */
static int open_for_write(struct p9sess *s, const char *path, bool trunc,
			  uint32_t *fid)
{
	char dir[4096], name[256];
	int err;

	err = xpvf_9p_walk(s->h, s->root, path, fid);
	if (!err) {
		err = xpvf_9p_lopen(
		    s->h, *fid, XPVF_9P_WRONLY | (trunc ? XPVF_9P_TRUNC : 0),
		    NULL);
		if (err < 0)
			xpvf_9p_clunk(s->h, *fid);
		return err;
	}
	if (err != -ENOENT)
		return err;
	if (split_path(path, dir, sizeof(dir), name, sizeof(name)) < 0)
		return -EINVAL;
	err = xpvf_9p_walk(s->h, s->root, dir, fid);
	if (err < 0)
		return err;
	err = xpvf_9p_lcreate(s->h, *fid, name,
			      XPVF_9P_WRONLY | XPVF_9P_CREATE | XPVF_9P_EXCL,
			      0644, (uint32_t)getgid(), NULL);
	if (err < 0)
		xpvf_9p_clunk(s->h, *fid);
	return err;
}

/* ---- ls ---- */

struct ls_ent {
	char *name;
	bool dir;
};

struct ls_list {
	struct ls_ent *e;
	size_t n, cap;
	int err;
};

static int ls_add(void *opaque, const struct xpvf_9p_dirent *e)
{
	struct ls_list *l = opaque;

	if (!strcmp(e->name, ".") || !strcmp(e->name, ".."))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct ls_ent *ne = realloc(l->e, cap * sizeof(*ne));

		if (!ne) {
			l->err = -ENOMEM;
			return 1;
		}
		l->e = ne;
		l->cap = cap;
	}
	l->e[l->n].name = strdup(e->name);
	if (!l->e[l->n].name) {
		l->err = -ENOMEM;
		return 1;
	}
	l->e[l->n].dir = e->type == DT_DIR || (e->qid.type & XPVF_9P_QTDIR);
	l->n++;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct ls_ent *)a)->name,
		      ((const struct ls_ent *)b)->name);
}

/* One line of ls -l for entry name of directory dir ("" for the path
 * itself). */
static void ls_long(struct p9sess *s, const char *dir, const char *name,
		    const char *shown)
{
	char path[8192];
	struct xpvf_9p_attr a;
	uint32_t fid;
	int err;

	snprintf(path, sizeof(path), "%s%s%s", dir, *dir && *name ? "/" : "",
		 name);
	err = xpvf_9p_walk(s->h, s->root, path, &fid);
	if (!err) {
		err = xpvf_9p_getattr(s->h, fid, &a);
		xpvf_9p_clunk(s->h, fid);
	}
	if (err < 0)
		printf("%7s %12s %s\n", "?", "?", shown);
	else
		printf("%07o %12" PRIu64 " %s%s\n", a.mode, a.size, shown,
		       (a.mode & S_IFMT) == S_IFDIR ? "/" : "");
}

static int p9_ls(int argc, char **argv)
{
	static const char usage[] =
	    "usage: xenpvctl p9 ls [--devid D] [-l|--long] [PATH]\n";
	struct p9opts o = {.domid = XPVF_DOMID_SELF};
	struct ls_list l = {NULL, 0, 0, 0};
	struct p9sess s;
	struct xpvf_9p_attr a;
	const char *path = "";
	uint64_t cookie = 0;
	uint32_t fid;
	size_t i;
	int err, rc = 1;

	err = parse_opts(argc, argv, "ls", "l", usage, &o);
	if (err)
		return err > 0 ? 0 : 2;
	if (argc - optind > 1) {
		fputs(usage, stderr);
		return 2;
	}
	if (optind < argc)
		path = argv[optind];
	if (sess_open(&o, &s, "ls") < 0)
		return 1;
	err = xpvf_9p_walk(s.h, s.root, path, &fid);
	if (err < 0)
		goto fail;
	err = xpvf_9p_getattr(s.h, fid, &a);
	if (err < 0 || (a.mode & S_IFMT) != S_IFDIR)
		xpvf_9p_clunk(s.h, fid);
	if (err < 0)
		goto fail;
	if ((a.mode & S_IFMT) != S_IFDIR) {
		/* A file: itself, as ls does. */
		if (o.lng)
			ls_long(&s, path, "", path);
		else
			printf("%s\n", path);
		rc = 0;
		goto out;
	}
	err = xpvf_9p_lopen(s.h, fid, XPVF_9P_RDONLY | XPVF_9P_DIRECTORY, NULL);
	while (err >= 0 && !l.err &&
	       (err = xpvf_9p_readdir(s.h, fid, &cookie, ls_add, &l)) > 0)
		;
	xpvf_9p_clunk(s.h, fid);
	if (err >= 0)
		err = l.err;
	if (err < 0)
		goto fail;
	if (l.n)
		qsort(l.e, l.n, sizeof(*l.e), cmp_name);
	for (i = 0; i < l.n; i++) {
		if (o.lng)
			ls_long(&s, path, l.e[i].name, l.e[i].name);
		else
			printf("%s%s\n", l.e[i].name, l.e[i].dir ? "/" : "");
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "xenpvctl p9 ls: %s: %s\n", *path ? path : "/",
		strerror(-err));
out:
	for (i = 0; i < l.n; i++)
		free(l.e[i].name);
	free(l.e);
	xpvf_9p_close(s.h);
	return rc;
}

/* ---- cat and put ---- */

static int p9_cat(int argc, char **argv)
{
	static const char usage[] = "usage: xenpvctl p9 cat [--devid D] PATH\n";
	struct p9opts o = {.domid = XPVF_DOMID_SELF};
	unsigned char *buf = NULL;
	struct p9sess s;
	uint64_t off = 0;
	uint32_t fid;
	int64_t n;
	int err, rc = 1;

	err = parse_opts(argc, argv, "cat", "", usage, &o);
	if (err)
		return err > 0 ? 0 : 2;
	if (argc - optind != 1) {
		fputs(usage, stderr);
		return 2;
	}
	buf = malloc(CHUNK);
	if (!buf) {
		fprintf(stderr, "xenpvctl p9 cat: out of memory\n");
		return 1;
	}
	if (sess_open(&o, &s, "cat") < 0) {
		free(buf);
		return 1;
	}
	err = xpvf_9p_walk(s.h, s.root, argv[optind], &fid);
	if (!err) {
		err = xpvf_9p_lopen(s.h, fid, XPVF_9P_RDONLY, NULL);
		if (err < 0)
			xpvf_9p_clunk(s.h, fid);
	}
	if (err < 0) {
		fprintf(stderr, "xenpvctl p9 cat: %s: %s\n", argv[optind],
			strerror(-err));
		goto out;
	}
	while ((n = xpvf_9p_read(s.h, fid, off, buf, CHUNK)) > 0) {
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			break;
		off += (uint64_t)n;
	}
	xpvf_9p_clunk(s.h, fid);
	if (n < 0) {
		fprintf(stderr,
			"xenpvctl p9 cat: %s: read at %" PRIu64 ": %s\n",
			argv[optind], off, strerror((int)-n));
		goto out;
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "xenpvctl p9 cat: stdout: %s\n",
			strerror(errno));
		goto out;
	}
	rc = 0;
out:
	xpvf_9p_close(s.h);
	free(buf);
	return rc;
}

/* Up to len bytes of fd (fewer only at its end), or -errno. */
static ssize_t read_full(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int p9_put(int argc, char **argv)
{
	static const char usage[] =
	    "usage: xenpvctl p9 put [--devid D] LOCALFILE|- PATH\n";
	struct p9opts o = {.domid = XPVF_DOMID_SELF};
	unsigned char *buf = NULL;
	const char *local, *path;
	struct p9sess s = {NULL};
	uint64_t off = 0;
	uint32_t fid;
	int64_t w;
	ssize_t n;
	int fd = -1, err, rc = 1;

	err = parse_opts(argc, argv, "put", "", usage, &o);
	if (err)
		return err > 0 ? 0 : 2;
	if (argc - optind != 2) {
		fputs(usage, stderr);
		return 2;
	}
	local = argv[optind];
	path = argv[optind + 1];
	fd = strcmp(local, "-") ? open(local, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0) {
		fprintf(stderr, "xenpvctl p9 put: %s: %s\n", local,
			strerror(errno));
		return 1;
	}
	buf = malloc(CHUNK);
	if (!buf) {
		fprintf(stderr, "xenpvctl p9 put: out of memory\n");
		goto out;
	}
	if (sess_open(&o, &s, "put") < 0)
		goto out;
	err = open_for_write(&s, path, true, &fid);
	if (err < 0) {
		fprintf(stderr, "xenpvctl p9 put: %s: %s\n", path,
			strerror(-err));
		goto out;
	}
	while ((n = read_full(fd, buf, CHUNK)) > 0) {
		w = xpvf_9p_write(s.h, fid, off, buf, (size_t)n);
		if (w != n) {
			err = w < 0 ? (int)w : -EIO;
			fprintf(stderr,
				"xenpvctl p9 put: %s: write at %" PRIu64
				": %s\n",
				path, off, strerror(-err));
			xpvf_9p_clunk(s.h, fid);
			goto out;
		}
		off += (uint64_t)n;
	}
	err = n < 0 ? (int)n : xpvf_9p_fsync(s.h, fid, 0);
	xpvf_9p_clunk(s.h, fid);
	if (err < 0) {
		fprintf(stderr, "xenpvctl p9 put: %s: %s\n",
			n < 0 ? local : path, strerror(-err));
		goto out;
	}
	printf("p9 put: %s bytes=%" PRIu64 "\n", path, off);
	rc = 0;
out:
	xpvf_9p_close(s.h);
	free(buf);
	if (fd > 0)
		close(fd);
	return rc;
}

/* ---- bench: latency ---- */

/* Latency histogram in nanoseconds: exact below 1024, then 64 steps per
 * power of two (within 1.6%). */
#define LAT_LINEAR 1024u
#define LAT_SUB 64u
#define LAT_N (LAT_LINEAR + 54u * LAT_SUB)

struct lat {
	uint64_t n;
	uint64_t h[LAT_N];
};

static void lat_add(struct lat *l, uint64_t ns)
{
	unsigned int msb, i;

	if (ns < LAT_LINEAR) {
		i = (unsigned int)ns;
	} else {
		msb = 63u - (unsigned int)__builtin_clzll(ns);
		i = LAT_LINEAR + (msb - 10u) * LAT_SUB +
		    (unsigned int)((ns >> (msb - 6u)) & (LAT_SUB - 1u));
	}
	l->h[i]++;
	l->n++;
}

static uint64_t lat_value(unsigned int i)
{
	unsigned int msb;

	if (i < LAT_LINEAR)
		return i;
	msb = (i - LAT_LINEAR) / LAT_SUB + 10u;
	return ((uint64_t)LAT_SUB + (i - LAT_LINEAR) % LAT_SUB) << (msb - 6u);
}

/* The pct percentile, in microseconds. */
static double lat_pct(const struct lat *l, double pct)
{
	uint64_t want = (uint64_t)((double)l->n * pct / 100.0), seen = 0;
	unsigned int i;

	for (i = 0; i < LAT_N; i++) {
		seen += l->h[i];
		if (seen > want)
			return (double)lat_value(i) / 1000.0;
	}
	return 0;
}

static void lat_merge(struct lat *to, const struct lat *from)
{
	unsigned int i;

	for (i = 0; i < LAT_N; i++)
		to->h[i] += from->h[i];
	to->n += from->n;
}

/* ---- bench: a run ---- */

struct run {
	const struct p9opts *o;
	struct p9sess *s; /* NULL: direct */
	uint64_t size;	  /* bytes of the file used */
	uint64_t ops, bytes, errors;
	uint64_t phase_ns[3]; /* meta: create, stat, unlink */
	double secs, cpu;
	struct lat lat;
};

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void print_run(const struct run *r)
{
	const struct p9opts *o = r->o;
	double secs = r->secs > 0 ? r->secs : 1e-9;

	printf("p9bench: target=%s rw=%s", r->s ? "9p" : "direct", o->rw);
	if (!strcmp(o->rw, "meta")) {
		printf(" files=%" PRIu64 " ops=%" PRIu64 " seconds=%.3f"
		       " errors=%" PRIu64 " ops_per_s=%.0f create_per_s=%.0f"
		       " stat_per_s=%.0f unlink_per_s=%.0f",
		       o->files, r->ops, r->secs, r->errors,
		       (double)r->ops / secs,
		       (double)o->files * 1e9 / (double)(r->phase_ns[0] + 1),
		       (double)o->files * 1e9 / (double)(r->phase_ns[1] + 1),
		       (double)o->files * 1e9 / (double)(r->phase_ns[2] + 1));
	} else {
		printf(" bs=%" PRIu64 " iodepth=%" PRIu64 " size=%" PRIu64
		       " seconds=%.3f ops=%" PRIu64 " bytes=%" PRIu64
		       " errors=%" PRIu64 " MiBps=%.1f iops=%.0f",
		       o->bs, o->depth, r->size, r->secs, r->ops, r->bytes,
		       r->errors, (double)r->bytes / secs / 1048576.0,
		       (double)r->ops / secs);
	}
	printf(" p50_us=%.1f p99_us=%.1f cpu_s=%.2f", lat_pct(&r->lat, 50.0),
	       lat_pct(&r->lat, 99.0), r->cpu);
	if (r->s)
		printf(" msize=%" PRIu32 " rings=%u ring_order=%u",
		       r->s->info.msize, r->s->info.rings,
		       r->s->info.ring_page_order);
	printf("\n");
}

/* Whether a sequential run is over after `done` bytes of passes over
 * size, started at t0. */
static bool seq_over(const struct p9opts *o, uint64_t done, uint64_t size,
		     uint64_t t0)
{
	if (!o->runtime)
		return done >= size;
	return now_ns() - t0 >= o->runtime * 1000000000u;
}

/* The next call of a sequential run: offset and length. */
static uint64_t seq_next(const struct p9opts *o, uint64_t *off, uint64_t size)
{
	if (*off >= size)
		*off = 0;
	return size - *off < o->bs ? size - *off : o->bs;
}

/* ---- bench through the share ---- */

static int seq_9p(struct run *r, unsigned char *buf)
{
	const struct p9opts *o = r->o;
	bool wr = !strcmp(o->rw, "write");
	struct p9sess *s = r->s;
	struct xpvf_9p_attr a;
	uint64_t off = 0, n, t0, t;
	uint32_t fid;
	int64_t got;
	int err;

	if (wr) {
		err = open_for_write(s, o->file, false, &fid);
	} else {
		err = xpvf_9p_walk(s->h, s->root, o->file, &fid);
		if (!err) {
			err = xpvf_9p_getattr(s->h, fid, &a);
			if (!err)
				err = xpvf_9p_lopen(s->h, fid, XPVF_9P_RDONLY,
						    NULL);
			if (err < 0)
				xpvf_9p_clunk(s->h, fid);
		}
	}
	if (err < 0) {
		fprintf(stderr, "xenpvctl p9 bench: %s: %s\n", o->file,
			strerror(-err));
		return err;
	}
	r->size = wr ? o->size : (a.size < o->size ? a.size : o->size);
	if (!r->size) {
		fprintf(stderr, "xenpvctl p9 bench: %s is empty\n", o->file);
		xpvf_9p_clunk(s->h, fid);
		return -EINVAL;
	}
	t0 = now_ns();
	while (!seq_over(o, r->bytes, r->size, t0)) {
		n = seq_next(o, &off, r->size);
		t = now_ns();
		got = wr ? xpvf_9p_write(s->h, fid, off, buf, (size_t)n)
			 : xpvf_9p_read(s->h, fid, off, buf, (size_t)n);
		lat_add(&r->lat, now_ns() - t);
		if (got != (int64_t)n) {
			fprintf(stderr,
				"xenpvctl p9 bench: %s at %" PRIu64 ": %s\n",
				o->rw, off,
				got < 0 ? strerror((int)-got) : "short");
			r->errors++;
			break;
		}
		r->ops++;
		r->bytes += n;
		off += n;
	}
	r->secs = (double)(now_ns() - t0) / 1e9;
	xpvf_9p_clunk(s->h, fid);
	return 0;
}

/* A raw message waited for. */
struct raw_wait {
	int result;
	bool done;
};

static void raw_wait_done(void *opaque, int result, const void *reply,
			  size_t len)
{
	struct raw_wait *w = opaque;

	w->result = result;
	w->done = true;
}

/* Sends raw message t (built with p9_begin/p9_end) and waits for its
 * reply in r[0..rcap), which must be of type rtype.  0 or -errno (the
 * server's Rlerror included). */
static int raw_sync(struct xpvf_9p *h, struct p9_cur *c, unsigned char *r,
		    size_t rcap, uint8_t rtype)
{
	struct raw_wait w = {0, false};
	int n, err;

	n = p9_end(c);
	if (n < 0)
		return n;
	err = xpvf_9p_submit(h, c->data, (size_t)n, r, rcap, raw_wait_done, &w);
	if (err < 0)
		return err;
	while (!w.done) {
		err = xpvf_9p_wait(h, 1000);
		if (err < 0 && !w.done)
			return err;
	}
	if (w.result < 0)
		return w.result;
	if (w.result == (int)XPVF_9P_MIN_REPLY && r[4] == P9_RLERROR)
		return -(int)p9_le_get(r + 7, 4);
	return r[4] == rtype ? 0 : -EPROTO;
}

/* The raw fid of randread: a clone of fid, opened for reading. */
#define RAW_FID XPVF_9P_RAW_FID_BASE

static int raw_open(struct xpvf_9p *h, uint32_t fid)
{
	unsigned char t[32], rep[32];
	struct p9_cur c;
	int err;

	p9_cur_init(&c, t, sizeof(t));
	p9_begin(&c, P9_TWALK, 0);
	p9_put32(&c, fid);
	p9_put32(&c, RAW_FID);
	p9_put16(&c, 0);
	err = raw_sync(h, &c, rep, sizeof(rep), P9_TWALK + 1);
	if (err < 0)
		return err;
	p9_begin(&c, P9_TLOPEN, 0);
	p9_put32(&c, RAW_FID);
	p9_put32(&c, P9_DOTL_RDONLY);
	return raw_sync(h, &c, rep, sizeof(rep), P9_TLOPEN + 1);
}

static void raw_clunk(struct xpvf_9p *h)
{
	unsigned char t[16], rep[16];
	struct p9_cur c;

	p9_cur_init(&c, t, sizeof(t));
	p9_begin(&c, P9_TCLUNK, 0);
	p9_put32(&c, RAW_FID);
	raw_sync(h, &c, rep, sizeof(rep), P9_TCLUNK + 1);
}

/* One Tread of randread in flight. */
struct rr_slot {
	struct run *r;
	unsigned char t[P9_TWRITE_HDR]; /* a Tread is 23 bytes too */
	unsigned char *rep;		/* Rread: header + bs */
	uint64_t start;
	bool busy;
};

static void rr_done(void *opaque, int result, const void *reply, size_t len)
{
	struct rr_slot *sl = opaque;
	struct run *r = sl->r;
	uint64_t bs = r->o->bs;

	lat_add(&r->lat, now_ns() - sl->start);
	sl->busy = false;
	if (result != (int)(P9_RREAD_HDR + bs) || sl->rep[4] != P9_TREAD + 1 ||
	    p9_le_get(sl->rep + 7, 4) != bs) {
		r->errors++;
		return;
	}
	r->ops++;
	r->bytes += bs;
}

static int randread_9p(struct run *r, struct rr_slot *slots)
{
	const struct p9opts *o = r->o;
	struct xpvf_9p *h = r->s->h;
	uint64_t x = 0x2545f4914f6cdd1dull, blocks, t0, end, i;
	struct xpvf_9p_attr a;
	struct p9_cur c;
	uint32_t fid;
	int err;

	err = xpvf_9p_walk(h, r->s->root, o->file, &fid);
	if (!err) {
		err = xpvf_9p_getattr(h, fid, &a);
		if (!err)
			err = raw_open(h, fid);
		xpvf_9p_clunk(h, fid);
	}
	if (err < 0) {
		fprintf(stderr, "xenpvctl p9 bench: %s: %s\n", o->file,
			strerror(-err));
		return err;
	}
	r->size = a.size < o->size ? a.size : o->size;
	blocks = r->size / o->bs;
	if (!blocks) {
		fprintf(stderr, "xenpvctl p9 bench: %s is smaller than --bs\n",
			o->file);
		raw_clunk(h);
		return -EINVAL;
	}
	t0 = now_ns();
	end = t0 + o->runtime * 1000000000u;
	while (now_ns() < end && !r->errors) {
		for (i = 0; i < o->depth; i++) {
			struct rr_slot *sl = &slots[i];

			if (sl->busy)
				continue;
			p9_cur_init(&c, sl->t, sizeof(sl->t));
			/* Tag 0: the library writes its own. */
			p9_begin(&c, P9_TREAD, 0);
			p9_put32(&c, RAW_FID);
			p9_put64(&c, (xorshift(&x) % blocks) * o->bs);
			p9_put32(&c, (uint32_t)o->bs);
			sl->start = now_ns();
			err = xpvf_9p_submit(h, sl->t, (size_t)p9_end(&c),
					     sl->rep, P9_RREAD_HDR + o->bs,
					     rr_done, sl);
			if (err == -EAGAIN)
				break;
			if (err < 0) {
				fprintf(stderr,
					"xenpvctl p9 bench: submit: "
					"%s\n",
					strerror(-err));
				r->errors++;
				break;
			}
			sl->busy = true;
		}
		err = xpvf_9p_wait(h, 1000);
		if (err < 0) {
			fprintf(stderr, "xenpvctl p9 bench: %s\n",
				strerror(-err));
			r->errors++;
			break;
		}
	}
	while (xpvf_9p_in_flight(h))
		if (xpvf_9p_wait(h, 5000) < 0)
			break;
	r->secs = (double)(now_ns() - t0) / 1e9;
	raw_clunk(h);
	if (r->errors)
		fprintf(stderr, "xenpvctl p9 bench: %" PRIu64 " reads failed\n",
			r->errors);
	return 0;
}

/* Books one meta operation that began at t; false when it failed. */
static bool meta_op(struct run *r, int err, uint64_t t)
{
	lat_add(&r->lat, now_ns() - t);
	if (err < 0) {
		if (!r->errors++)
			fprintf(stderr, "xenpvctl p9 bench: meta: %s\n",
				strerror(-err));
		return false;
	}
	r->ops++;
	return true;
}

/* Opens directory path of the share as *d for meta, made when missing;
 * then *parent is a fid of its parent and name its name, for removing it
 * at the end (*parent is left alone otherwise).  1 made, 0, or -errno. */
static int meta_dir(struct p9sess *s, const char *path, uint32_t *d,
		    uint32_t *parent, char *name, size_t nsize)
{
	char dir[4096];
	int err;

	err = xpvf_9p_walk(s->h, s->root, path, d);
	if (err != -ENOENT)
		return err;
	err = split_path(path, dir, sizeof(dir), name, nsize);
	if (err < 0)
		return err;
	err = xpvf_9p_walk(s->h, s->root, dir, parent);
	if (err < 0)
		return err;
	err =
	    xpvf_9p_mkdir(s->h, *parent, name, 0755, (uint32_t)getgid(), NULL);
	if (err < 0) {
		xpvf_9p_clunk(s->h, *parent);
		return err;
	}
	err = xpvf_9p_walk(s->h, *parent, name, d);
	if (err < 0) {
		xpvf_9p_unlinkat(s->h, *parent, name, XPVF_9P_AT_REMOVEDIR);
		xpvf_9p_clunk(s->h, *parent);
		return err;
	}
	return 1;
}

/* Phase ph (create, stat, unlink) of file name of directory fid d. */
static int meta_one_9p(struct xpvf_9p *h, uint32_t d, int ph, const char *name)
{
	struct xpvf_9p_attr a;
	uint32_t f;
	int err;

	if (ph == 2)
		return xpvf_9p_unlinkat(h, d, name, 0);
	/* Create: a clone of the directory becomes the new file. */
	err = xpvf_9p_walk(h, d, ph == 0 ? "" : name, &f);
	if (err < 0)
		return err;
	if (ph == 0)
		err = xpvf_9p_lcreate(
		    h, f, name, XPVF_9P_WRONLY | XPVF_9P_CREATE | XPVF_9P_EXCL,
		    0644, (uint32_t)getgid(), NULL);
	else
		err = xpvf_9p_getattr(h, f, &a);
	xpvf_9p_clunk(h, f);
	return err;
}

static int meta_9p(struct run *r)
{
	const struct p9opts *o = r->o;
	struct xpvf_9p *h = r->s->h;
	uint32_t d, parent;
	char dname[256], name[16];
	uint64_t t0, t, i;
	int ph, made, err;

	made = meta_dir(r->s, o->file, &d, &parent, dname, sizeof(dname));
	if (made < 0) {
		fprintf(stderr, "xenpvctl p9 bench: %s: %s\n", o->file,
			strerror(-made));
		return made;
	}
	t0 = now_ns();
	for (ph = 0; ph < 3 && !r->errors; ph++) {
		uint64_t p0 = now_ns();

		for (i = 0; i < o->files; i++) {
			snprintf(name, sizeof(name), "f%06u", (unsigned int)i);
			t = now_ns();
			err = meta_one_9p(h, d, ph, name);
			if (!meta_op(r, err, t))
				break;
		}
		r->phase_ns[ph] = now_ns() - p0;
	}
	r->secs = (double)(now_ns() - t0) / 1e9;
	xpvf_9p_clunk(h, d);
	if (made) {
		err = xpvf_9p_unlinkat(h, parent, dname, XPVF_9P_AT_REMOVEDIR);
		if (err < 0)
			fprintf(stderr, "xenpvctl p9 bench: rmdir %s: %s\n",
				o->file, strerror(-err));
		xpvf_9p_clunk(h, parent);
	}
	return 0;
}

/* ---- bench on the host (--direct-path) ---- */

static int seq_direct(struct run *r, unsigned char *buf)
{
	const struct p9opts *o = r->o;
	bool wr = !strcmp(o->rw, "write");
	uint64_t off = 0, n, t0, t;
	struct stat st;
	ssize_t got;
	int fd;

	fd = open(o->direct, (wr ? O_WRONLY | O_CREAT : O_RDONLY) | O_CLOEXEC,
		  0644);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "xenpvctl p9 bench: %s: %s\n", o->direct,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	r->size = wr || (uint64_t)st.st_size > o->size ? o->size
						       : (uint64_t)st.st_size;
	if (!r->size) {
		fprintf(stderr, "xenpvctl p9 bench: %s is empty\n", o->direct);
		close(fd);
		return -EINVAL;
	}
	t0 = now_ns();
	while (!seq_over(o, r->bytes, r->size, t0)) {
		n = seq_next(o, &off, r->size);
		t = now_ns();
		do {
			got = wr ? pwrite(fd, buf, n, (off_t)off)
				 : pread(fd, buf, n, (off_t)off);
		} while (got < 0 && errno == EINTR);
		lat_add(&r->lat, now_ns() - t);
		if (got != (ssize_t)n) {
			fprintf(stderr,
				"xenpvctl p9 bench: %s at %" PRIu64 ": %s\n",
				o->rw, off,
				got < 0 ? strerror(errno) : "short");
			r->errors++;
			break;
		}
		r->ops++;
		r->bytes += n;
		off += n;
	}
	r->secs = (double)(now_ns() - t0) / 1e9;
	close(fd);
	return 0;
}

/* One thread of the direct randread: one pread in flight. */
struct dthread {
	pthread_t tid;
	int fd;
	uint64_t bs, blocks, end, seed, ops, errors;
	unsigned char *buf;
	struct lat *lat;
};

static void *dthread_run(void *opaque)
{
	struct dthread *d = opaque;
	uint64_t t;
	ssize_t got;

	while ((t = now_ns()) < d->end) {
		got = pread(d->fd, d->buf, d->bs,
			    (off_t)((xorshift(&d->seed) % d->blocks) * d->bs));
		lat_add(d->lat, now_ns() - t);
		if (got != (ssize_t)d->bs) {
			d->errors++;
			break;
		}
		d->ops++;
	}
	return NULL;
}

static int randread_direct(struct run *r)
{
	const struct p9opts *o = r->o;
	struct dthread *th;
	uint64_t i, started = 0, t0;
	struct stat st;
	int fd, err = 0;

	fd = open(o->direct, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "xenpvctl p9 bench: %s: %s\n", o->direct,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	r->size =
	    (uint64_t)st.st_size < o->size ? (uint64_t)st.st_size : o->size;
	if (r->size < o->bs) {
		fprintf(stderr, "xenpvctl p9 bench: %s is smaller than --bs\n",
			o->direct);
		close(fd);
		return -EINVAL;
	}
	th = calloc(o->depth, sizeof(*th));
	if (!th) {
		close(fd);
		return -ENOMEM;
	}
	for (i = 0; i < o->depth; i++) {
		th[i].fd = fd;
		th[i].bs = o->bs;
		th[i].blocks = r->size / o->bs;
		th[i].seed = 0x2545f4914f6cdd1dull + i * 0x9e3779b97f4a7c15ull;
		th[i].buf = malloc(o->bs);
		th[i].lat = calloc(1, sizeof(*th[i].lat));
		if (!th[i].buf || !th[i].lat)
			err = -ENOMEM;
	}
	t0 = now_ns();
	for (i = 0; !err && i < o->depth; i++) {
		th[i].end = t0 + o->runtime * 1000000000u;
		err = -pthread_create(&th[i].tid, NULL, dthread_run, &th[i]);
		if (!err)
			started++;
	}
	for (i = 0; i < started; i++) {
		pthread_join(th[i].tid, NULL);
		r->ops += th[i].ops;
		r->errors += th[i].errors;
		lat_merge(&r->lat, th[i].lat);
	}
	r->secs = (double)(now_ns() - t0) / 1e9;
	r->bytes = r->ops * o->bs;
	for (i = 0; i < o->depth; i++) {
		free(th[i].buf);
		free(th[i].lat);
	}
	free(th);
	close(fd);
	if (err < 0)
		fprintf(stderr, "xenpvctl p9 bench: threads: %s\n",
			strerror(-err));
	return err;
}

static int meta_direct(struct run *r)
{
	const struct p9opts *o = r->o;
	char name[16];
	uint64_t t0, t, i;
	bool made = false;
	struct stat st;
	int dfd, fd, ph, err;

	if (mkdir(o->direct, 0755) == 0)
		made = true;
	else if (errno != EEXIST)
		goto fail;
	dfd = open(o->direct, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		goto fail;
	t0 = now_ns();
	for (ph = 0; ph < 3 && !r->errors; ph++) {
		uint64_t p0 = now_ns();

		for (i = 0; i < o->files; i++) {
			snprintf(name, sizeof(name), "f%06u", (unsigned int)i);
			t = now_ns();
			err = 0;
			if (ph == 0) {
				fd = openat(dfd, name,
					    O_WRONLY | O_CREAT | O_EXCL |
						O_CLOEXEC,
					    0644);
				if (fd < 0 || close(fd) < 0)
					err = -errno;
			} else if (ph == 1) {
				if (fstatat(dfd, name, &st,
					    AT_SYMLINK_NOFOLLOW) < 0)
					err = -errno;
			} else if (unlinkat(dfd, name, 0) < 0) {
				err = -errno;
			}
			if (!meta_op(r, err, t))
				break;
		}
		r->phase_ns[ph] = now_ns() - p0;
	}
	r->secs = (double)(now_ns() - t0) / 1e9;
	close(dfd);
	if (made && rmdir(o->direct) < 0)
		fprintf(stderr, "xenpvctl p9 bench: rmdir %s: %s\n", o->direct,
			strerror(errno));
	return 0;
fail:
	fprintf(stderr, "xenpvctl p9 bench: %s: %s\n", o->direct,
		strerror(errno));
	if (made)
		rmdir(o->direct);
	return -EIO;
}

static const char bench_usage[] =
    "usage: xenpvctl p9 bench [--devid D] --rw read|write|randread|meta\n"
    "         [--bs 1M] [--size 256M] [--iodepth 1] [--files 10000]\n"
    "         [--runtime S] [--file PATH] [--direct-path HOSTPATH]\n"
    "  read/write  sequential calls of --bs (default 1M) over --size of\n"
    "              --file (default p9bench.dat): one pass, or passes\n"
    "              until --runtime seconds are over\n"
    "  randread    --bs (default 4k) random reads, --iodepth raw Tread\n"
    "              in flight, for --runtime seconds (default 5)\n"
    "  meta        create, then stat, then unlink --files files in\n"
    "              directory --file (default p9bench-meta)\n"
    "  --direct-path HOSTPATH  the same on the host with system calls\n"
    "              (randread: --iodepth threads), no share opened\n"
    "  --msize N, --rings N, --ring-order N\n"
    "              bounds on what is negotiated\n";

static int p9_bench(int argc, char **argv)
{
	struct p9opts o = {.domid = XPVF_DOMID_SELF,
			   .size = 256u << 20,
			   .depth = 1,
			   .files = 10000};
	struct rr_slot *slots = NULL;
	unsigned char *buf = NULL;
	struct p9sess s = {NULL};
	struct run *r;
	bool seq, rnd, meta;
	uint64_t i, x = 0x9e3779b97f4a7c15ull;
	double c0;
	int err, rc = 1;

	err = parse_opts(argc, argv, "bench", "rbsqntfD", bench_usage, &o);
	if (err)
		return err > 0 ? 0 : 2;
	seq = o.rw && (!strcmp(o.rw, "read") || !strcmp(o.rw, "write"));
	rnd = o.rw && !strcmp(o.rw, "randread");
	meta = o.rw && !strcmp(o.rw, "meta");
	if (optind != argc || (!seq && !rnd && !meta) ||
	    (!rnd && o.depth != 1)) {
		fprintf(stderr, "xenpvctl p9 bench: bad arguments%s\n",
			!rnd && o.depth != 1 ? " (--iodepth is randread's)"
					     : "");
		fputs(bench_usage, stderr);
		return 2;
	}
	if (!o.have_bs)
		o.bs = rnd ? 4096 : 1u << 20;
	if (rnd && !o.have_runtime)
		o.runtime = 5;
	if (rnd && !o.runtime) {
		fprintf(stderr, "xenpvctl p9 bench: randread needs a "
				"--runtime\n");
		return 2;
	}
	if (!o.file)
		o.file = meta ? "p9bench-meta" : "p9bench.dat";

	r = calloc(1, sizeof(*r));
	if (seq)
		buf = malloc(o.bs);
	if (rnd && !o.direct) {
		slots = calloc(o.depth, sizeof(*slots));
		for (i = 0; slots && i < o.depth; i++) {
			slots[i].r = r;
			slots[i].rep = malloc(P9_RREAD_HDR + o.bs);
			if (!slots[i].rep)
				break;
		}
		if (!slots || i < o.depth) {
			fprintf(stderr, "xenpvctl p9 bench: out of memory\n");
			goto out;
		}
	}
	if (!r || (seq && !buf)) {
		fprintf(stderr, "xenpvctl p9 bench: out of memory\n");
		goto out;
	}
	r->o = &o;
	/* Data to write that no file system would compress or share. */
	for (i = 0; buf && i + 8 <= o.bs; i += 8) {
		uint64_t v = xorshift(&x);

		memcpy(buf + i, &v, 8);
	}
	if (!o.direct) {
		if (sess_open(&o, &s, "bench") < 0)
			goto out;
		if (rnd && P9_RREAD_HDR + o.bs > s.info.msize) {
			fprintf(stderr,
				"xenpvctl p9 bench: --bs above msize "
				"(%" PRIu32 ") - %u\n",
				s.info.msize, P9_RREAD_HDR);
			goto out;
		}
		r->s = &s;
	}
	c0 = cpu_s();
	if (seq)
		err = o.direct ? seq_direct(r, buf) : seq_9p(r, buf);
	else if (rnd)
		err = o.direct ? randread_direct(r) : randread_9p(r, slots);
	else
		err = o.direct ? meta_direct(r) : meta_9p(r);
	r->cpu = cpu_s() - c0;
	if (err < 0)
		goto out;
	print_run(r);
	rc = r->errors ? 1 : 0;
out:
	xpvf_9p_close(s.h);
	for (i = 0; slots && i < o.depth; i++)
		free(slots[i].rep);
	free(slots);
	free(buf);
	free(r);
	return rc;
}

/* ---- the command ---- */

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} subs[] = {
    {"ls", p9_ls},
    {"cat", p9_cat},
    {"put", p9_put},
    {"bench", p9_bench},
};

static void p9_usage(FILE *f)
{
	fprintf(f, "usage: xenpvctl p9 ls|cat|put|bench [--devid D] ...  "
		   "(as the guest; SUBCOMMAND --help for more)\n"
		   "  ls [-l] [PATH]          list a directory of the share\n"
		   "  cat PATH                a file of the share to stdout\n"
		   "  put LOCALFILE|- PATH    a file into the share\n"
		   "  bench --rw read|write|randread|meta ...\n");
}

int ctl_p9(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		p9_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		p9_usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "xenpvctl p9: unknown subcommand '%s'\n", argv[1]);
	p9_usage(stderr);
	return 2;
}
