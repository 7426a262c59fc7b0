/* SPDX-License-Identifier: MIT */
/*
 * blkreq.h - parsing and validation of blkif requests, as pure functions.
 *
 * Everything here works on private copies (a request copied out of the
 * ring, segment descriptors copied out of indirect pages): nothing reads
 * guest memory.  No allocation, no logging, no global state: each check is
 * one `if` with its own message, returned through *why so that the caller
 * logs it (rate-limited) and the tests can tell the rules apart.
 *
 * Result convention: 0 valid; -EOPNOTSUPP the request is to be answered
 * BLKIF_RSP_EOPNOTSUPP; -EINVAL (or another -errno) answered
 * BLKIF_RSP_ERROR.  xpvd_blkreq_status() maps one to the other.
 */
#ifndef XENPVD_BACKEND_BLKREQ_H
#define XENPVD_BACKEND_BLKREQ_H

#include <stdbool.h>
#include <stdint.h>

#include "blkif.h"

/* What the backend offered (and so accepts). */
struct xpvd_blk_limits {
	uint32_t max_indirect_segs;	/* 0: INDIRECT not offered */
	bool flush;			/* FLUSH_DISKCACHE */
	bool barrier;			/* WRITE_BARRIER */
	bool discard;			/* DISCARD */
	bool discard_secure;		/* BLKIF_DISCARD_SECURE */
};

/* What the backend does for a request. */
enum xpvd_blk_kind {
	XPVD_BLK_READ,
	XPVD_BLK_WRITE,
	XPVD_BLK_FLUSH,		/* FLUSH_DISKCACHE: [write data,] fdatasync */
	XPVD_BLK_BARRIER,	/* drain, [write data,] fdatasync */
	XPVD_BLK_DISCARD,
};

/* A parsed request header (segments are checked separately). */
struct xpvd_blkreq {
	uint64_t id;
	uint64_t sector;	/* 512-byte units */
	uint64_t nr_sectors;	/* discard only */
	enum xpvd_blk_kind kind;
	uint8_t rsp_op;		/* operation of the response */
	bool indirect;
	bool secure;		/* secure discard */
	bool writes_data;	/* data flows guest -> disk */
	uint16_t nr_segs;	/* 0 for discard and data-less flush */
	uint8_t nr_indirect_pages;
	uint32_t indirect_grefs[XPV_BLKIF_MAX_INDIRECT_PAGES];
};

/*
 * Parses the header of a request (already copied and converted to native
 * layout).  Always sets out->id and out->rsp_op (the operation to answer
 * with: the request's operation, or indirect_op for INDIRECT), even on
 * error, so that every request can be answered.  Returns 0, -EOPNOTSUPP or
 * -EINVAL with *why set.
 */
int xpvd_blkreq_parse(const union xpv_blkif_request *req,
		      const struct xpvd_blk_limits *lim,
		      struct xpvd_blkreq *out, const char **why);

/*
 * Checks n segment descriptors (a private copy) and returns in *bytes the
 * data they carry: each covers (last_sect - first_sect + 1) * 512 bytes.
 * 0 or -EINVAL with *why set.
 */
int xpvd_blkreq_check_segs(const struct blkif_request_segment *segs,
			   unsigned int n, uint64_t *bytes, const char **why);

/* Number of indirect pages that hold n segment descriptors. */
unsigned int xpvd_blkreq_indirect_pages(unsigned int n);

/* The message for an error of xpv_disk_check() (storage.h). */
const char *xpvd_blkreq_range_why(int err);

/* The response status for a result of the functions above (or of I/O). */
int16_t xpvd_blkreq_status(int err);

#endif /* XENPVD_BACKEND_BLKREQ_H */
