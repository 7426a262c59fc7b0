/* SPDX-License-Identifier: MIT */
/*
 * ctl-stats.c - `xenpvctl stats [--json] [--socket PATH]`: asks a running
 * xenpvd for its per-device statistics on its control socket and prints
 * them as tables (VBDs, then 9pfs shares when it serves any), or as the
 * daemon's JSON with --json.
 *
 * The daemon writes an array per channel ("vbds", "shares"), each array's
 * name on a line of its own and one device object per line with flat
 * numeric members, flat arrays of numbers and a few strings
 * (backend/blk/stats.c, backend/9pfs/9pfs.c), so the tables are read with
 * a small member lookup rather than a JSON parser.  The latency
 * histograms' buckets and percentile estimate are backend/blk/stats.h's
 * own.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xenpvctl.h"
#include "../backend/blk/stats.h"

static void default_socket(char *buf, size_t size)
{
	const char *world = getenv("XENPV_SIM_WORLD");

	if (world && *world)
		snprintf(buf, size, "%s/xenpvd.sock", world);
	else
		snprintf(buf, size, "/run/xenpvd/xenpvd.sock");
}

/* Sends "stats" and returns the malloc'd answer, or NULL (errno set). */
static char *ask(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = 0, cap = 65536;
	char *buf;
	ssize_t n;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, "stats\n", 6) != 6) {
		close(fd);
		return NULL;
	}
	buf = malloc(cap);
	while (buf) {
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* The numeric member "key" of a one-line object, or 0. */
static uint64_t member(const char *line, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	return p ? strtoull(p + strlen(pat), NULL, 10) : 0;
}

static void member_str(const char *line, const char *key, char *out,
		       size_t size)
{
	char pat[64];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(line, pat);
	if (!p) {
		snprintf(out, size, "?");
		return;
	}
	p += strlen(pat);
	n = strcspn(p, "\"");
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/*
 * The numeric array member "key" of a one-line object into out[n]: values
 * past n (a daemon with more buckets) are added to the last, open-ended
 * one.  Returns how many values were read, 0 when there is no such member.
 */
static unsigned int member_array(const char *line, const char *key,
				 uint64_t *out, unsigned int n)
{
	unsigned int i = 0;
	char pat[80];
	const char *p;
	char *end;

	if (n == 0)
		return 0;
	memset(out, 0, n * sizeof(*out));
	snprintf(pat, sizeof(pat), "\"%s\":[", key);
	p = strstr(line, pat);
	if (!p)
		return 0;
	p += strlen(pat);
	while (*p && *p != ']') {
		uint64_t v = strtoull(p, &end, 10);

		if (end == p)
			break;
		out[i < n ? i : n - 1] += v;
		i++;
		p = end + strspn(end, ", ");
	}
	return i;
}

/* A bucket bound (xpvd_lat_percentile()) as "<=64us", "<=17ms", ">=8388ms". */
static void fmt_bound(char *buf, size_t size, uint64_t b)
{
	uint64_t lo;

	if (b == 0) {
		snprintf(buf, size, "-");
	} else if (b == XPVD_LAT_UNBOUNDED) {
		/* The open bucket's lower bound, rounded down: still true. */
		lo = xpvd_lat_bound(XPVD_LAT_BUCKETS - 2);
		snprintf(buf, size, ">=%" PRIu64 "ms", lo / 1000);
	} else if (b < 10000) {
		snprintf(buf, size, "<=%" PRIu64 "us", b);
	} else {
		/* Rounded up, so that it stays an upper bound. */
		snprintf(buf, size, "<=%" PRIu64 "ms", (b + 999) / 1000);
	}
}

/* One line per latency kind of a VBD: count, mean, p50/p90/p99, max. */
static void print_latency(const char *l)
{
	static const char *const kinds[XPVD_LAT_KINDS] = { "read", "write",
							   "other" };
	static const unsigned int pcts[] = { 50, 90, 99, 100 };
	static const char *const pnames[] = { "p50", "p90", "p99", "max" };
	const unsigned int np = sizeof(pcts) / sizeof(pcts[0]);
	uint64_t h[XPVD_LAT_BUCKETS], count, sum;
	char key[64], b[32];
	unsigned int k, i;

	for (k = 0; k < XPVD_LAT_KINDS; k++) {
		snprintf(key, sizeof(key), "lat_%s_us", kinds[k]);
		if (!member_array(l, key, h, XPVD_LAT_BUCKETS))
			continue; /* an older daemon */
		snprintf(key, sizeof(key), "lat_%s_sum_us", kinds[k]);
		sum = member(l, key);
		for (count = 0, i = 0; i < XPVD_LAT_BUCKETS; i++)
			count += h[i];
		printf("%13s latency %-5s %10" PRIu64 " mean ", "", kinds[k],
		       count);
		if (count)
			printf("%7" PRIu64 "us", (sum + count / 2) / count);
		else
			printf("%9s", "-");
		for (i = 0; i < np; i++) {
			uint64_t bound = xpvd_lat_percentile(h, pcts[i]);

			fmt_bound(b, sizeof(b), bound);
			/* columns, and no trailing blanks */
			printf(" %s %-*s", pnames[i], i + 1 < np ? 9 : 0, b);
		}
		printf("\n");
	}
}

/*
 * The JSON string member "key" of a one-line object, decoded, into out;
 * control characters (and what does not decode) shown as '?'.  "?" when
 * there is no such member.
 */
static void member_text(const char *line, const char *key, char *out,
			size_t size)
{
	char pat[64];
	const char *p;
	size_t n = 0;
	unsigned int u;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(line, pat);
	if (!p) {
		snprintf(out, size, "?");
		return;
	}
	for (p += strlen(pat); *p && *p != '"' && n + 1 < size; p++) {
		char c = *p;

		if (c == '\\') {
			p++;
			if (*p == 'u' &&
			    strspn(p + 1, "0123456789abcdefABCDEF") >= 4 &&
			    sscanf(p + 1, "%4x", &u) == 1) {
				c = u >= 0x20 && u < 0x7f ? (char)u : '?';
				p += 4;
			} else if (*p == '"' || *p == '\\' || *p == '/') {
				c = *p;
			} else if (*p) {
				c = '?';
			} else {
				break;
			}
		} else if ((unsigned char)c < 0x20 || c == 0x7f) {
			c = '?';
		}
		out[n++] = c;
	}
	out[n] = '\0';
}

static void print_vbd(const char *l)
{
	char state[32];
	uint64_t req, segs;

	member_str(l, "state", state, sizeof(state));
	req = member(l, "requests");
	segs = member(l, "segments");
	printf("%5" PRIu64 " %6" PRIu64 " %-12s %2" PRIu64 " %10" PRIu64
	       " %10" PRIu64 " %10" PRIu64 " %6" PRIu64 " %8" PRIu64
	       " %8.1f %10" PRIu64 " %8" PRIu64 " %5" PRIu64 "\n",
	       member(l, "domid"), member(l, "devid"), state,
	       member(l, "queues"), req, member(l, "reads"),
	       member(l, "writes"), member(l, "errors"),
	       member(l, "indirect"),
	       req ? (double)segs / (double)req : 0.0,
	       member(l, "pgrant_hits"), member(l, "pgrant_misses"),
	       member(l, "inflight"));
	print_latency(l);
}

/* A share of the 9pfs channel: requests, payload bytes each way, errors,
 * mean latency, and the payload bytes the server copied beyond the one
 * move between file and ring. */
static void print_share(const char *l)
{
	char state[32], path[4096];

	member_str(l, "state", state, sizeof(state));
	member_text(l, "path", path, sizeof(path));
	printf("%5" PRIu64 " %6" PRIu64 " %-12s %10" PRIu64 " %6" PRIu64
	       " %14" PRIu64 " %14" PRIu64 " %12" PRIu64 " %8" PRIu64
	       " %s\n",
	       member(l, "domid"), member(l, "devid"), state,
	       member(l, "requests"), member(l, "errors"),
	       member(l, "read_bytes"), member(l, "write_bytes"),
	       member(l, "copied_bytes"), member(l, "avg_lat_us"), path);
}

enum section { SEC_VBDS, SEC_SHARES, SEC_OTHER };

/* Which array a line names ("vbds":[ ...), or -1 for none. */
static int section_of(const char *l)
{
	const char *p = strstr(l, "\":[");

	if (!p || !strncmp(l, "{\"domid\":", 9))
		return -1;
	if (strstr(l, "\"vbds\":["))
		return SEC_VBDS;
	if (strstr(l, "\"shares\":["))
		return SEC_SHARES;
	return SEC_OTHER;
}

static void print_table(const char *json)
{
	const char *line = json;
	bool shares_head = false;
	int sec = SEC_VBDS;

	printf("%5s %6s %-12s %2s %10s %10s %10s %6s %8s %8s %10s %8s %5s\n",
	       "DOMID", "DEVID", "STATE", "Q", "REQUESTS", "READS", "WRITES",
	       "ERRORS", "INDIRECT", "SEGS/REQ", "PG-HITS", "PG-MISS",
	       "INFL");
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		char l[8192];
		int s;

		if (n >= sizeof(l))
			n = sizeof(l) - 1;
		memcpy(l, line, n);
		l[n] = '\0';
		line = end ? end + 1 : line + n;
		s = section_of(l);
		if (s >= 0) {
			sec = s;
			continue;
		}
		if (strncmp(l, "{\"domid\":", 9))
			continue;
		if (sec == SEC_VBDS) {
			print_vbd(l);
		} else if (sec == SEC_SHARES) {
			if (!shares_head)
				printf("\n%5s %6s %-12s %10s %6s %14s %14s "
				       "%12s %8s %s\n",
				       "DOMID", "DEVID", "9PFS-STATE",
				       "REQUESTS", "ERRORS", "READ-BYTES",
				       "WRITE-BYTES", "COPIED-BYTES",
				       "AVG-US", "PATH");
			shares_head = true;
			print_share(l);
		}
	}
}

int ctl_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char path[256];
	bool json = false;
	char *out;
	int c;

	default_socket(path, sizeof(path));
	optind = 1;
	while ((c = getopt_long(argc, argv, "js:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 's':
			snprintf(path, sizeof(path), "%s", optarg);
			break;
		case 'h':
			printf("usage: xenpvctl stats [--json] [--socket PATH]\n");
			return 0;
		default:
			fprintf(stderr,
				"usage: xenpvctl stats [--json] [--socket PATH]\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "usage: xenpvctl stats [--json] [--socket PATH]\n");
		return 2;
	}
	out = ask(path);
	if (!out) {
		fprintf(stderr, "xenpvctl stats: %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	if (json)
		fputs(out, stdout);
	else
		print_table(out);
	free(out);
	return 0;
}
