/* SPDX-License-Identifier: MIT */
/*
 * stats.c - per-queue statistics (see stats.h).  The JSON member names are
 * an interface: xenpvctl stats and the tests read them.
 */
#include "config.h"

#include <inttypes.h>

#include "stats.h"

#define RD(f) __atomic_load_n(&(f), __ATOMIC_RELAXED)

void xpvd_stats_count_segs(struct xpvd_qstats *s, unsigned int n)
{
	unsigned int b;

	if (n <= 1)
		b = 0;
	else if (n <= 11)
		b = 1;
	else if (n <= 64)
		b = 2;
	else if (n <= 256)
		b = 3;
	else
		b = 4;
	xpvd_stat_add(s->seg_hist[b], 1);
	xpvd_stat_add(s->segments, n);
	if (n > RD(s->max_segments))
		xpvd_stat_set(s->max_segments, n);
}

void xpvd_stats_count_lat(struct xpvd_qstats *s, unsigned int k, uint64_t us)
{
	if (k >= XPVD_LAT_KINDS)
		k = XPVD_LAT_OTHER;
	xpvd_stat_add(s->lat_hist[k][xpvd_lat_bucket(us)], 1);
	xpvd_stat_add(s->lat_sum_us[k], us);
}

void xpvd_stats_sum(struct xpvd_qstats *dst, const struct xpvd_qstats *src)
{
	unsigned int i, k;

	dst->requests += RD(src->requests);
	dst->reads += RD(src->reads);
	dst->writes += RD(src->writes);
	dst->flushes += RD(src->flushes);
	dst->barriers += RD(src->barriers);
	dst->discards += RD(src->discards);
	dst->sectors_read += RD(src->sectors_read);
	dst->sectors_written += RD(src->sectors_written);
	dst->errors += RD(src->errors);
	dst->unsupported += RD(src->unsupported);
	dst->indirect += RD(src->indirect);
	dst->segments += RD(src->segments);
	for (i = 0; i < XPVD_SEG_BUCKETS; i++)
		dst->seg_hist[i] += RD(src->seg_hist[i]);
	if (RD(src->max_segments) > dst->max_segments)
		dst->max_segments = RD(src->max_segments);
	dst->pgrant_hits += RD(src->pgrant_hits);
	dst->pgrant_misses += RD(src->pgrant_misses);
	dst->pgrant_mapped += RD(src->pgrant_mapped);
	dst->copies += RD(src->copies);
	dst->maps += RD(src->maps);
	dst->bounces += RD(src->bounces);
	dst->inflight += RD(src->inflight);
	dst->ring_broken += RD(src->ring_broken);
	for (k = 0; k < XPVD_LAT_KINDS; k++) {
		for (i = 0; i < XPVD_LAT_BUCKETS; i++)
			dst->lat_hist[k][i] += RD(src->lat_hist[k][i]);
		dst->lat_sum_us[k] += RD(src->lat_sum_us[k]);
	}
	dst->buffer_pages += RD(src->buffer_pages);
	dst->budget_waits += RD(src->budget_waits);
	dst->indirect_copy_calls += RD(src->indirect_copy_calls);
	dst->indirect_map_calls += RD(src->indirect_map_calls);
	dst->indirect_pages_mapped_hits += RD(src->indirect_pages_mapped_hits);
	dst->buf_registers += RD(src->buf_registers);
	dst->copy_calls += RD(src->copy_calls);
}

/* The JSON names of the latency kinds: "lat_<name>_us", "..._sum_us". */
static const char *const lat_names[XPVD_LAT_KINDS] = {
	[XPVD_LAT_READ] = "read",
	[XPVD_LAT_WRITE] = "write",
	[XPVD_LAT_OTHER] = "other",
};

void xpvd_stats_json(FILE *f, const struct xpvd_qstats *s)
{
	unsigned int k, i;

	fprintf(f,
		"\"requests\":%" PRIu64 ",\"reads\":%" PRIu64
		",\"writes\":%" PRIu64 ",\"flushes\":%" PRIu64
		",\"barriers\":%" PRIu64 ",\"discards\":%" PRIu64
		",\"sectors_read\":%" PRIu64 ",\"sectors_written\":%" PRIu64
		",\"errors\":%" PRIu64 ",\"unsupported\":%" PRIu64
		",\"indirect\":%" PRIu64 ",\"segments\":%" PRIu64
		",\"segs_1\":%" PRIu64 ",\"segs_2_11\":%" PRIu64
		",\"segs_12_64\":%" PRIu64 ",\"segs_65_256\":%" PRIu64
		",\"segs_257_4096\":%" PRIu64 ",\"max_segments\":%" PRIu64
		",\"pgrant_hits\":%" PRIu64 ",\"pgrant_misses\":%" PRIu64
		",\"pgrant_mapped\":%" PRIu64 ",\"copies\":%" PRIu64
		",\"maps\":%" PRIu64 ",\"bounces\":%" PRIu64
		",\"inflight\":%" PRIu64 ",\"ring_broken\":%" PRIu64,
		s->requests, s->reads, s->writes, s->flushes, s->barriers,
		s->discards, s->sectors_read, s->sectors_written, s->errors,
		s->unsupported, s->indirect, s->segments, s->seg_hist[0],
		s->seg_hist[1], s->seg_hist[2], s->seg_hist[3],
		s->seg_hist[4], s->max_segments, s->pgrant_hits, s->pgrant_misses,
		s->pgrant_mapped, s->copies, s->maps, s->bounces, s->inflight,
		s->ring_broken);
	/* Appended after the older members, whose order scripts may rely on. */
	for (k = 0; k < XPVD_LAT_KINDS; k++) {
		fprintf(f, ",\"lat_%s_us\":[", lat_names[k]);
		for (i = 0; i < XPVD_LAT_BUCKETS; i++)
			fprintf(f, "%s%" PRIu64, i ? "," : "",
				s->lat_hist[k][i]);
		fprintf(f, "],\"lat_%s_sum_us\":%" PRIu64, lat_names[k],
			s->lat_sum_us[k]);
	}
	fprintf(f, ",\"buffer_pages\":%" PRIu64 ",\"budget_waits\":%" PRIu64,
		s->buffer_pages, s->budget_waits);
	fprintf(f, ",\"indirect_copy_calls\":%" PRIu64
		",\"indirect_map_calls\":%" PRIu64
		",\"indirect_pages_mapped_hits\":%" PRIu64,
		s->indirect_copy_calls, s->indirect_map_calls,
		s->indirect_pages_mapped_hits);
	fprintf(f, ",\"buf_registers\":%" PRIu64 ",\"copy_calls\":%" PRIu64,
		s->buf_registers, s->copy_calls);
}
