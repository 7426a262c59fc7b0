/* SPDX-License-Identifier: MIT */
/*
 * vbd3.h - per-VBD statistics in the format xentop reads for tapdisk3
 * ("vbd3") devices: one file /dev/shm/td3-<pid>/vbd-<domid>-<devid> per
 * VBD holding a struct xpvd_vbd3_stats (version 1), found through the
 * backend's `kthread-pid` key.
 *
 * Which xentop reads it: libxenstat learnt vbd3 in Xen 4.19 (XCP-ng
 * carries it in its 4.17); Debian 12's Xen 4.17 does not read it at all.
 * A reader lists /sys/bus/xen-backend/devices, and reads vbd3 statistics
 * only for "vbd3-<domid>-<devid>" entries, that is devices under
 * backend/vbd3: run xenpvd with --type=vbd3 for xentop to show them.  The
 * files are written whatever the type (other tools may read them).
 *
 * Guarantees: each file is replaced whole (written aside, then renamed),
 * so a reader never sees a torn struct; files of VBDs that are gone are
 * removed at the next update, and everything (directory included) when
 * the publisher is closed.  Main thread only; never on the data path.
 */
#ifndef XENPVD_BACKEND_VBD3_H
#define XENPVD_BACKEND_VBD3_H

#include <stdint.h>

#include "stats.h"

/* The layout xentop reads (blktap3's, version 1): 96 bytes, native
 * endianness, no holes. */
struct xpvd_vbd3_stats {
	uint32_t version;		/* 1 */
	uint32_t pad;
	uint64_t oo_reqs;		/* waits for a free request: 0 */
	uint64_t read_reqs_submitted;
	uint64_t read_reqs_completed;
	uint64_t read_sectors;		/* 512-byte units */
	uint64_t read_total_ticks;	/* sum of latencies, us */
	uint64_t write_reqs_submitted;
	uint64_t write_reqs_completed;
	uint64_t write_sectors;
	uint64_t write_total_ticks;	/* sum of latencies, us */
	uint64_t io_errors;
	uint64_t flags;			/* 0 */
};

#define XPVD_VBD3_VERSION 1u
#define XPVD_VBD3_UPDATE_MS 1000

/* Fills out from a VBD's counters (requests answered count as both
 * submitted and completed; in-flight requests as submitted only). */
void xpvd_vbd3_fill(struct xpvd_vbd3_stats *out, const struct xpvd_qstats *s);

struct xpvd_vbd3;

/*
 * Creates <base>/td3-<pid> (mode 0755) and holds it by an fd; files are
 * made in it as safefile.h says (never through a link).  An existing one
 * is reused only if it is a directory of ours that nobody else may write
 * (left by an earlier daemon with our pid); anything else planted there
 * is refused: -ENOTDIR (a symlink or not a directory) or -EPERM (another
 * owner, or group/other-writable).  0 and *out, or -errno.
 */
int xpvd_vbd3_open(const char *base, struct xpvd_vbd3 **out);

/* One update: begin, put every VBD, end (removes the files not put). */
void xpvd_vbd3_begin(struct xpvd_vbd3 *v);
int xpvd_vbd3_put(struct xpvd_vbd3 *v, uint32_t domid, uint32_t devid,
		  const struct xpvd_qstats *s);
void xpvd_vbd3_end(struct xpvd_vbd3 *v);

/* Removes every file and the directory, frees v.  NULL-safe. */
void xpvd_vbd3_close(struct xpvd_vbd3 *v);

#endif /* XENPVD_BACKEND_VBD3_H */
