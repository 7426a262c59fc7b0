/* SPDX-License-Identifier: MIT */
/*
 * stats.h - per-queue statistics of xenpvd, readable while it runs.
 *
 * Each queue (ring worker) owns one struct xpvd_qstats and is its only
 * writer; any thread may read it at any time.  Counters are 64-bit relaxed
 * atomics: a reader sees each counter untorn and monotonic, but not a
 * snapshot of all of them at one instant.  Updating never allocates, locks
 * or fails.
 */
#ifndef XENPVD_BACKEND_STATS_H
#define XENPVD_BACKEND_STATS_H

#include <stdint.h>
#include <stdio.h>

/* Histogram of segments per request: 1, 2-11, 12-64, 65-256, 257-4096. */
#define XPVD_SEG_BUCKETS 5

/*
 * Latency histograms: the time from taking a request off the ring to
 * answering it, in whole microseconds, in power-of-two buckets.  Bucket 0
 * counts latencies below 2 us, bucket i (1..22) those in [2^i, 2^(i+1))
 * us, and the last bucket (23) everything from 2^23 us (8.4 s) on.
 *
 * Why 24: below 2 us there is nothing to tell apart (a request answered at
 * once, or a clock read's own resolution on a PV dom0), and beyond 8 s a
 * request is stuck rather than slow -- Linux blkfront has no timeout and
 * an operator wants to know how many, not how long.  Each bucket is a
 * factor of two, the resolution of a latency histogram an operator reads
 * (p99 "<=512us" vs "<=1ms"); 3 kinds x 24 buckets cost 576 bytes a queue.
 */
#define XPVD_LAT_BUCKETS 24

/* The kinds of request with a histogram each. */
enum xpvd_lat_kind {
	XPVD_LAT_READ,		/* what the reads counter counts */
	XPVD_LAT_WRITE,		/* what the writes counter counts */
	XPVD_LAT_OTHER,		/* flush, barrier, discard, and requests
				 * refused before their kind was known */
	XPVD_LAT_KINDS
};

struct xpvd_qstats {
	uint64_t requests;	/* answered */
	uint64_t reads, writes, flushes, barriers, discards;
	uint64_t sectors_read, sectors_written;	/* 512-byte units */
	uint64_t errors;	/* answered with ERROR */
	uint64_t unsupported;	/* answered with EOPNOTSUPP */
	uint64_t indirect;	/* INDIRECT requests */
	uint64_t segments;	/* segments of all requests */
	uint64_t seg_hist[XPVD_SEG_BUCKETS];
	uint64_t max_segments;	/* most segments seen in one request */
	uint64_t pgrant_hits, pgrant_misses;
	uint64_t pgrant_mapped;	/* gauge: persistent grants mapped now */
	uint64_t copies;	/* requests served through grant copy */
	uint64_t maps;		/* requests served through a per-request map */
	uint64_t bounces;	/* requests bounced for O_DIRECT alignment */
	uint64_t inflight;	/* gauge: consumed and not answered */
	uint64_t ring_broken;	/* rings stopped for bad input */
	/* Answered requests by latency (see XPVD_LAT_BUCKETS), and the sum of
	 * their latencies in us: sum / count of a kind is its mean. */
	uint64_t lat_hist[XPVD_LAT_KINDS][XPVD_LAT_BUCKETS];
	uint64_t lat_sum_us[XPVD_LAT_KINDS];
	/* Copy and bounce buffers (the device's buffer budget, worker.c). */
	uint64_t buffer_pages;	/* gauge: pages of buffer held (in flight
				 * or kept idle for reuse) */
	uint64_t budget_waits;	/* times the ring was left waiting because
				 * the device's budget was spent */
	/*
	 * How the descriptor pages of INDIRECT requests were reached: the
	 * hypervisor calls they cost, and the pages that cost none.  With
	 * persistent grants they are read through the cache (pgrant.h),
	 * otherwise (or when the cache is full) grant copied.
	 */
	uint64_t indirect_copy_calls;	/* grant copy calls: the requests
					 * one pass takes share one */
	uint64_t indirect_map_calls;	/* map calls: cache misses (two when
					 * a read-write map is refused), or
					 * one a request without grant copy */
	/* Pages read through a mapping already cached: no call. */
	uint64_t indirect_pages_mapped_hits;
	/*
	 * Registrations of a slot's copy buffer asked of the I/O queue
	 * (storage.h: registered buffers): one when a slot's buffer is first
	 * used, grown, or used again after its pages went back; none per
	 * request after that.
	 */
	uint64_t buf_registers;
	/*
	 * Grant copy calls that moved request data (requests in `copies`):
	 * the copies of the requests one pass over the ring or over the
	 * completions finds are made in one call (worker.c: copy batch).
	 */
	uint64_t copy_calls;
};

/*
 * Adds v to a counter.  Only the owning worker writes its counters, so a
 * relaxed load and store suffice (no locked read-modify-write on the data
 * path); readers on other threads load each counter atomically.
 */
#define xpvd_stat_add(field, v)                                        \
	__atomic_store_n(&(field),                                     \
			 __atomic_load_n(&(field), __ATOMIC_RELAXED) +  \
				 (uint64_t)(v),                        \
			 __ATOMIC_RELAXED)
#define xpvd_stat_sub(field, v)                                        \
	__atomic_store_n(&(field),                                     \
			 __atomic_load_n(&(field), __ATOMIC_RELAXED) -  \
				 (uint64_t)(v),                        \
			 __ATOMIC_RELAXED)
#define xpvd_stat_set(field, v) \
	__atomic_store_n(&(field), (uint64_t)(v), __ATOMIC_RELAXED)

/*
 * The pure functions of the histograms are inline here so that xenpvctl
 * and the tests share them without linking the daemon's objects.
 */

/* The bucket of a latency of us microseconds.  Pure. */
static inline unsigned int xpvd_lat_bucket(uint64_t us)
{
	unsigned int b;

	if (us < 2)
		return 0;
	b = 63u - (unsigned int)__builtin_clzll(us);	/* floor(log2(us)) */
	return b < XPVD_LAT_BUCKETS - 1 ? b : XPVD_LAT_BUCKETS - 1;
}

/* No upper bound: the last, open-ended bucket. */
#define XPVD_LAT_UNBOUNDED UINT64_MAX

/*
 * The upper bound, in us, of the latencies bucket b counts: 2^(b+1), above
 * every one of them (whole us, and the exact ones they were truncated
 * from), or XPVD_LAT_UNBOUNDED for the last bucket (and b past it).  Pure.
 */
static inline uint64_t xpvd_lat_bound(unsigned int b)
{
	if (b >= XPVD_LAT_BUCKETS - 1)
		return XPVD_LAT_UNBOUNDED;
	return (uint64_t)2 << b;
}

/*
 * Estimates the pct-th percentile (0..100; more is taken as 100) of the
 * latencies in histogram h.  The result is an UPPER BOUND, not a value:
 * the bound (xpvd_lat_bound()) of the first bucket at which the
 * cumulative count reaches ceil(pct% of the total), and at least one
 * request -- so pct 0 gives the bucket of the smallest latency and 100
 * that of the largest.  The true percentile is below the result and, but
 * in bucket 0, at least half of it.  Returns 0 for an empty histogram (no request:
 * no latency; 0 is no bucket's bound) and XPVD_LAT_UNBOUNDED when the
 * percentile falls in the open-ended last bucket.  Pure.
 */
static inline uint64_t xpvd_lat_percentile(const uint64_t *h,
					   unsigned int pct)
{
	uint64_t total = 0, target, cum = 0;
	unsigned int i;

	for (i = 0; i < XPVD_LAT_BUCKETS; i++)
		total += h[i];
	if (total == 0)
		return 0;
	if (pct > 100)
		pct = 100;
	/* ceil(total * pct / 100) without overflowing 64 bits */
	target = total / 100 * pct + (total % 100 * pct + 99) / 100;
	if (target == 0)
		target = 1;
	for (i = 0; i < XPVD_LAT_BUCKETS - 1; i++) {
		cum += h[i];
		if (cum >= target)
			return xpvd_lat_bound(i);
	}
	return XPVD_LAT_UNBOUNDED;
}

/*
 * Counts one answered request of kind k (an enum xpvd_lat_kind) that took
 * us microseconds.  Owner only, like xpvd_stat_add().
 */
void xpvd_stats_count_lat(struct xpvd_qstats *s, unsigned int k, uint64_t us);

/* Counts one request of n segments into the histogram. */
void xpvd_stats_count_segs(struct xpvd_qstats *s, unsigned int n);

/* Adds every counter of src into dst (reading src atomically). */
void xpvd_stats_sum(struct xpvd_qstats *dst, const struct xpvd_qstats *src);

/*
 * Writes the counters as JSON members ("name":value,...) without braces.
 * Each latency kind K (read, write, other) adds "lat_K_us", an array of
 * its XPVD_LAT_BUCKETS counts, and "lat_K_sum_us".
 */
void xpvd_stats_json(FILE *f, const struct xpvd_qstats *s);

#endif /* XENPVD_BACKEND_STATS_H */
