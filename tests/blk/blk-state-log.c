/* SPDX-License-Identifier: MIT */
/*
 * blk-state-log.c - records how a VBD's two XenStore directories change
 * over time, as a peer watching them sees it, for test-blk-handshake.sh:
 *
 *   blk-state-log BACKEND_DIR FRONTEND_DIR
 *
 * Watches both directories (a watch on a directory fires for any change
 * below it).  Once when the watches are set and then on every event it
 * reads both `state` nodes again: watch events coalesce and may be
 * spurious, so nothing is inferred from an event itself, it only triggers
 * a fresh read.  Whenever either state value differs from the last one
 * printed, it prints
 *
 *   SEQ MS state BE FE                 (values; "-" when absent)
 *   SEQ MS be key=value sub/key=value  (every node below BACKEND_DIR)
 *   SEQ MS fe key=value ...            (every node below FRONTEND_DIR)
 *
 * (" -" instead of the keys when a directory does not exist).  The keys
 * are read AFTER the states, so a key missing from a line was not written
 * before the state value on the state line was (keys only go away with
 * their directory).  SEQ numbers the changes, MS is CLOCK_MONOTONIC in
 * milliseconds; in values, bytes outside printable ASCII, spaces and '='
 * are printed as '?'.  The first record is followed by "ready".  Output
 * is flushed per record.  Runs until killed; exit 1 on store errors, 2 on
 * usage.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xenstore.h>

#define MAX_KEYS 256
#define SNAP_MAX 16384
#define DEPTH_MAX 3

struct snap {
	char text[SNAP_MAX];
	size_t len;
	bool overflow;
};

struct keys {
	char *kv[MAX_KEYS];
	unsigned int n;
};

static void keys_free(struct keys *k)
{
	unsigned int i;

	for (i = 0; i < k->n; i++)
		free(k->kv[i]);
	k->n = 0;
}

/* Adds "rel=value" with the value made printable; -ENOMEM or -E2BIG. */
static int keys_add(struct keys *k, const char *rel, const char *val,
		    unsigned int vlen)
{
	size_t rl = strlen(rel), i;
	char *s;

	if (k->n == MAX_KEYS)
		return -E2BIG;
	s = malloc(rl + vlen + 2);
	if (!s)
		return -ENOMEM;
	memcpy(s, rel, rl);
	s[rl] = '=';
	for (i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)val[i];

		s[rl + 1 + i] = (c > ' ' && c < 0x7f && c != '=') ? (char)c :
								    '?';
	}
	s[rl + 1 + vlen] = '\0';
	k->kv[k->n++] = s;
	return 0;
}

/*
 * Reads abs (shown as rel) and everything below it into k.  Returns 0,
 * -ENOENT when abs does not exist, or -errno (EAGAIN: transaction gone).
 */
static int walk(struct xs_handle *h, xs_transaction_t t, const char *abs,
		const char *rel, unsigned int depth, struct keys *k)
{
	char cabs[1024], crel[512];
	unsigned int len, n, i;
	char **ents;
	char *val;
	int err = 0;

	val = xs_read(h, t, abs, &len);
	if (!val)
		return -errno;
	if (*rel)
		err = keys_add(k, rel, val, len);
	free(val);
	if (err < 0 || depth == DEPTH_MAX)
		return err;
	ents = xs_directory(h, t, abs, &n);
	if (!ents)
		return errno == ENOENT ? 0 : -errno;
	for (i = 0; i < n && !err; i++) {
		snprintf(cabs, sizeof(cabs), "%s/%s", abs, ents[i]);
		snprintf(crel, sizeof(crel), "%s%s%s", rel, *rel ? "/" : "",
			 ents[i]);
		err = walk(h, t, cabs, crel, depth + 1, k);
		if (err == -ENOENT)
			err = 0;
	}
	free(ents);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void snap_put(struct snap *s, const char *str)
{
	size_t l = strlen(str);

	if (s->len + l + 1 >= sizeof(s->text)) {
		s->overflow = true;
		return;
	}
	memcpy(s->text + s->len, str, l + 1);
	s->len += l;
}

/*
 * The keys below each dir into snaps[] (plain reads, no transaction: the
 * caller reads the states first, so a key missing here was not written
 * before the state was; keys are only removed with their directory).
 * Returns 0 or -errno.
 */
static int take(struct xs_handle *h, char **dirs, unsigned int ndirs,
		struct snap *snaps)
{
	struct keys k = { .n = 0 };
	unsigned int d, i;
	int err = 0;

	for (d = 0; d < ndirs && !err; d++) {
		snaps[d].len = 0;
		snaps[d].text[0] = '\0';
		snaps[d].overflow = false;
		err = walk(h, XBT_NULL, dirs[d], "", 0, &k);
		if (err == -ENOENT) {
			snap_put(&snaps[d], " -");
			err = 0;
			continue;
		}
		qsort(k.kv, k.n, sizeof(k.kv[0]), cmp_str);
		for (i = 0; i < k.n; i++) {
			snap_put(&snaps[d], " ");
			snap_put(&snaps[d], k.kv[i]);
		}
		keys_free(&k);
	}
	keys_free(&k);
	return err;
}

/* dir/state into buf ("-" when absent); 0 or -errno. */
static int read_state(struct xs_handle *h, const char *dir, char *buf,
		      size_t size)
{
	char path[1024];
	unsigned int len, i;
	char *v;

	snprintf(path, sizeof(path), "%s/state", dir);
	v = xs_read(h, XBT_NULL, path, &len);
	if (!v) {
		if (errno != ENOENT)
			return -errno;
		snprintf(buf, size, "-");
		return 0;
	}
	for (i = 0; i < len && i + 1 < size; i++)
		buf[i] = (v[i] > ' ' && v[i] < 0x7f) ? v[i] : '?';
	buf[i] = '\0';
	if (!len)
		snprintf(buf, size, "?");
	free(v);
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	static struct snap snaps[2];
	char cur[2][32], prev[2][32] = { "", "" };
	unsigned int d, n, seq = 0;
	struct xs_handle *h;
	long long ms;
	char **ev;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: blk-state-log BACKEND_DIR "
				"FRONTEND_DIR\n");
		return 2;
	}
	h = xs_open(0);
	if (!h) {
		perror("blk-state-log: xs_open");
		return 1;
	}
	for (d = 0; d < 2; d++) {
		if (!xs_watch(h, argv[d + 1], "blk-state-log")) {
			perror("blk-state-log: xs_watch");
			xs_close(h);
			return 1;
		}
	}
	for (;;) {
		/* The states first, then the keys (see take()). */
		err = 0;
		for (d = 0; d < 2 && !err; d++)
			err = read_state(h, argv[d + 1], cur[d],
					 sizeof(cur[d]));
		if (err < 0) {
			fprintf(stderr, "blk-state-log: read: %s\n",
				strerror(-err));
			break;
		}
		if (strcmp(cur[0], prev[0]) || strcmp(cur[1], prev[1])) {
			ms = now_ms();
			seq++;
			printf("%u %lld state %s %s\n", seq, ms, cur[0],
			       cur[1]);
			fflush(stdout);
			err = take(h, argv + 1, 2, snaps);
			if (err < 0) {
				fprintf(stderr, "blk-state-log: keys: %s\n",
					strerror(-err));
				break;
			}
			for (d = 0; d < 2; d++)
				printf("%u %lld %s%s%s\n", seq, ms,
				       d ? "fe" : "be", snaps[d].text,
				       snaps[d].overflow ? " ...=overflow" :
							   "");
			if (seq == 1)
				printf("ready\n");
			fflush(stdout);
			memcpy(prev, cur, sizeof(prev));
		}
		/* Blocks for the next event; the event's path is not used. */
		ev = xs_read_watch(h, &n);
		if (!ev) {
			perror("blk-state-log: xs_read_watch");
			break;
		}
		free(ev);
	}
	xs_close(h);
	return 1;
}
