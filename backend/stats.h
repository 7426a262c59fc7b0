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

/* Counts one request of n segments into the histogram. */
void xpvd_stats_count_segs(struct xpvd_qstats *s, unsigned int n);

/* Adds every counter of src into dst (reading src atomically). */
void xpvd_stats_sum(struct xpvd_qstats *dst, const struct xpvd_qstats *src);

/* Writes the counters as JSON members ("name":value,...) without braces. */
void xpvd_stats_json(FILE *f, const struct xpvd_qstats *s);

#endif /* XENPVD_BACKEND_STATS_H */
