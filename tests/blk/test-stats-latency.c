/* SPDX-License-Identifier: MIT */
/*
 * test-stats-latency.c - unit tests of xenpvd's latency histograms
 * (backend/blk/stats.h, stats.c): the bucket of a latency at every bucket
 * edge, each bucket's bound, percentile estimates (empty histogram, p=0
 * and p=100, a percentile against the exact one of the samples it was
 * built from, counts near 2^64), and counting, merging and JSON output.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "test-util.h"

#define N XPVD_LAT_BUCKETS

/* Bucket edges: 0 and 1 in bucket 0, then [2^i, 2^(i+1)) in bucket i. */
static void test_bucket(void)
{
	unsigned int i;

	EXPECT_MSG(xpvd_lat_bucket(0) == 0, "0 us");
	EXPECT_MSG(xpvd_lat_bucket(1) == 0, "1 us");
	for (i = 1; i < N - 1; i++) {
		uint64_t p = (uint64_t)1 << i;

		EXPECT_MSG(xpvd_lat_bucket(p) == i, "2^%u us in bucket %u", i,
			   xpvd_lat_bucket(p));
		EXPECT_MSG(xpvd_lat_bucket(2 * p - 1) == i,
			   "2^%u-1 us in bucket %u", i + 1,
			   xpvd_lat_bucket(2 * p - 1));
	}
	/* The last bucket is open-ended. */
	EXPECT_MSG(xpvd_lat_bucket((uint64_t)1 << (N - 1)) == N - 1, "2^%u us",
		   N - 1);
	EXPECT_MSG(xpvd_lat_bucket(((uint64_t)1 << (N - 1)) - 1) == N - 2,
		   "2^%u-1 us", N - 1);
	EXPECT_MSG(xpvd_lat_bucket((uint64_t)1 << 63) == N - 1, "2^63 us");
	EXPECT_MSG(xpvd_lat_bucket(UINT64_MAX) == N - 1, "UINT64_MAX us");
}

/* Each bound is above everything its bucket counts, and in the next. */
static void test_bound(void)
{
	unsigned int i;

	for (i = 0; i < N - 1; i++) {
		uint64_t b = xpvd_lat_bound(i);

		EXPECT_MSG(b != XPVD_LAT_UNBOUNDED && b > 0, "bound %u", i);
		EXPECT_MSG(xpvd_lat_bucket(b - 1) == i,
			   "bound %u: %" PRIu64 " - 1 is in bucket %u", i, b,
			   xpvd_lat_bucket(b - 1));
		EXPECT_MSG(xpvd_lat_bucket(b) == i + 1,
			   "bound %u: %" PRIu64 " is in bucket %u", i, b,
			   xpvd_lat_bucket(b));
	}
	EXPECT_MSG(xpvd_lat_bound(N - 1) == XPVD_LAT_UNBOUNDED, "last bound");
	EXPECT_MSG(xpvd_lat_bound(N + 5) == XPVD_LAT_UNBOUNDED,
		   "past the last");
}

static void test_percentile_edges(void)
{
	uint64_t h[N] = { 0 };
	unsigned int p;

	for (p = 0; p <= 101; p++)
		EXPECT_MSG(xpvd_lat_percentile(h, p) == 0, "empty, p%u", p);

	/* One request: every percentile is its bucket. */
	h[xpvd_lat_bucket(100)] = 1;
	for (p = 0; p <= 100; p++)
		EXPECT_MSG(xpvd_lat_percentile(h, p) == 128,
			   "one at 100us, p%u: %" PRIu64, p,
			   xpvd_lat_percentile(h, p));

	/* 90 fast, 10 slow: p0..p90 fast, p91..p100 (and more) slow. */
	memset(h, 0, sizeof(h));
	h[3] = 90;
	h[10] = 10;
	EXPECT_MSG(xpvd_lat_percentile(h, 0) == xpvd_lat_bound(3), "p0");
	EXPECT_MSG(xpvd_lat_percentile(h, 50) == xpvd_lat_bound(3), "p50");
	EXPECT_MSG(xpvd_lat_percentile(h, 90) == xpvd_lat_bound(3), "p90");
	EXPECT_MSG(xpvd_lat_percentile(h, 91) == xpvd_lat_bound(10), "p91");
	EXPECT_MSG(xpvd_lat_percentile(h, 100) == xpvd_lat_bound(10), "p100");
	EXPECT_MSG(xpvd_lat_percentile(h, 1000) == xpvd_lat_bound(10), "p1000");

	/* p0 is the smallest latency's bucket, not bucket 0. */
	memset(h, 0, sizeof(h));
	h[7] = 3;
	EXPECT_MSG(xpvd_lat_percentile(h, 0) == xpvd_lat_bound(7),
		   "p0 of h[7]");

	/* In the open-ended bucket: no bound. */
	h[N - 1] = 1;
	EXPECT_MSG(xpvd_lat_percentile(h, 100) == XPVD_LAT_UNBOUNDED,
		   "p100 open");
	EXPECT_MSG(xpvd_lat_percentile(h, 50) == xpvd_lat_bound(7), "p50 h[7]");

	/* Counts near 2^64 do not overflow the rank. */
	memset(h, 0, sizeof(h));
	h[0] = UINT64_MAX / 2;
	h[5] = UINT64_MAX / 2;
	EXPECT_MSG(xpvd_lat_percentile(h, 50) == xpvd_lat_bound(0), "huge p50");
	EXPECT_MSG(xpvd_lat_percentile(h, 51) == xpvd_lat_bound(5), "huge p51");
	EXPECT_MSG(xpvd_lat_percentile(h, 100) == xpvd_lat_bound(5),
		   "huge p100");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Against samples: the estimate bounds the exact nearest-rank percentile
 * from above, and within a factor of two (the bucket's width).
 */
static void test_percentile_samples(void)
{
	enum { NS = 1000 };
	static uint64_t v[NS];
	uint64_t h[N] = { 0 }, x = 12345;
	unsigned int i, p;

	for (i = 0; i < NS; i++) {
		/* xorshift, then a spread over 0 .. 2^25 us */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v[i] = (x >> 20) >> (x % 40);
		h[xpvd_lat_bucket(v[i])]++;
	}
	qsort(v, NS, sizeof(v[0]), cmp_u64);
	for (p = 0; p <= 100; p++) {
		unsigned int rank = (NS * p + 99) / 100;
		uint64_t exact = v[rank ? rank - 1 : 0];
		uint64_t est = xpvd_lat_percentile(h, p);

		if (est == XPVD_LAT_UNBOUNDED) {
			EXPECT_MSG(exact >= xpvd_lat_bound(N - 2),
				   "p%u: %" PRIu64 " is not in the last bucket",
				   p, exact);
			continue;
		}
		EXPECT_MSG(exact < est,
			   "p%u: exact %" PRIu64 " >= estimate %" PRIu64, p,
			   exact, est);
		EXPECT_MSG(est == 2 || exact >= est / 2,
			   "p%u: exact %" PRIu64
			   " below half of estimate %" PRIu64,
			   p, exact, est);
	}
}

/* Counting by kind, and merging queues, as the daemon does. */
static void test_count_sum(void)
{
	struct xpvd_qstats a, b, sum;
	unsigned int i;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&sum, 0, sizeof(sum));
	xpvd_stats_count_lat(&a, XPVD_LAT_READ, 0);
	xpvd_stats_count_lat(&a, XPVD_LAT_READ, 100);
	xpvd_stats_count_lat(&a, XPVD_LAT_WRITE, 5000);
	xpvd_stats_count_lat(&b, XPVD_LAT_READ, 100);
	xpvd_stats_count_lat(&b, XPVD_LAT_OTHER, 3);
	xpvd_stats_count_lat(&b, XPVD_LAT_KINDS + 7, 3); /* taken as other */
	xpvd_stats_sum(&sum, &a);
	xpvd_stats_sum(&sum, &b);
	EXPECT_MSG(sum.lat_hist[XPVD_LAT_READ][0] == 1, "read 0us");
	EXPECT_MSG(sum.lat_hist[XPVD_LAT_READ][xpvd_lat_bucket(100)] == 2,
		   "reads at 100us");
	EXPECT_MSG(sum.lat_sum_us[XPVD_LAT_READ] == 200, "read sum %" PRIu64,
		   sum.lat_sum_us[XPVD_LAT_READ]);
	EXPECT_MSG(sum.lat_hist[XPVD_LAT_WRITE][xpvd_lat_bucket(5000)] == 1,
		   "write");
	EXPECT_MSG(sum.lat_sum_us[XPVD_LAT_WRITE] == 5000, "write sum");
	EXPECT_MSG(sum.lat_hist[XPVD_LAT_OTHER][1] == 2, "other");
	EXPECT_MSG(sum.lat_sum_us[XPVD_LAT_OTHER] == 6, "other sum");
	for (i = 0; i < N; i++)
		EXPECT_MSG(a.lat_hist[XPVD_LAT_OTHER][i] == 0,
			   "a has no other");
}

/* The JSON members: an array of N counts and a sum per kind. */
static void test_json(void)
{
	static const char *const kinds[] = { "read", "write", "other" };
	struct xpvd_qstats s;
	char *buf = NULL, key[64];
	const char *p;
	size_t len = 0;
	unsigned int k, i;
	FILE *f;

	memset(&s, 0, sizeof(s));
	s.reads = 2;
	xpvd_stats_count_lat(&s, XPVD_LAT_READ, 1);
	xpvd_stats_count_lat(&s, XPVD_LAT_READ, 1 << 30);
	xpvd_stats_count_lat(&s, XPVD_LAT_OTHER, 40);
	f = open_memstream(&buf, &len);
	if (!f) {
		perror("open_memstream");
		exit(99);
	}
	xpvd_stats_json(f, &s);
	fclose(f);
	EXPECT_MSG(strstr(buf, "\"reads\":2,") != NULL, "older members: %s",
		   buf);
	for (k = 0; k < 3; k++) {
		uint64_t got[N], n = 0;
		char *end;

		snprintf(key, sizeof(key), "\"lat_%s_us\":[", kinds[k]);
		p = strstr(buf, key);
		EXPECT_MSG(p != NULL, "no %s in %s", key, buf);
		if (!p)
			continue;
		p += strlen(key);
		for (i = 0; i < N; i++) {
			got[i] = strtoull(p, &end, 10);
			EXPECT_MSG(end != p, "%s: short at %u", key, i);
			EXPECT_MSG(*end == (i == N - 1 ? ']' : ','),
				   "%s: at %u: %s", key, i, end);
			p = end + 1;
			EXPECT_MSG(got[i] == s.lat_hist[k][i], "%s[%u]", key,
				   i);
			n += got[i];
		}
		snprintf(key, sizeof(key), "\"lat_%s_sum_us\":%" PRIu64,
			 kinds[k], s.lat_sum_us[k]);
		EXPECT_MSG(strstr(buf, key) != NULL, "no %s in %s", key, buf);
		EXPECT_MSG(n == (k == 0	  ? 2
				 : k == 2 ? 1
					  : 0),
			   "%s count", kinds[k]);
	}
	EXPECT_MSG(s.lat_hist[XPVD_LAT_READ][N - 1] == 1,
		   "2^30 us is open-ended");
	free(buf);
}

int main(void)
{
	test_bucket();
	test_bound();
	test_percentile_edges();
	test_percentile_samples();
	test_count_sum();
	test_json();
	if (test_failures)
		fprintf(stderr, "%d failures\n", test_failures);
	return test_status();
}
