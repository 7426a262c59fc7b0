/* SPDX-License-Identifier: MIT */
/*
 * blkreq.c - blkif request validation (see blkreq.h).
 *
 * One `if` per rule, each with its own message.  The rules follow
 * xen/io/blkif.h and what Linux blkback accepts: READ and WRITE carry 1..11
 * segments; FLUSH_DISKCACHE and WRITE_BARRIER carry 0..11 (Linux blkfront
 * sends data with them when a write also asks for a flush); INDIRECT
 * carries READ or WRITE with 1..max_indirect_segs segments; DISCARD carries
 * a sector range and a flag that is 0 or BLKIF_DISCARD_SECURE.  Everything
 * else is answered EOPNOTSUPP.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "blkreq.h"
#include "storage.h"

/* xpvd_blkreq_parse() reads the id through the read/write member. */
_Static_assert(offsetof(struct blkif_request, id) ==
		       offsetof(struct blkif_request_discard, id) &&
	       offsetof(struct blkif_request, id) ==
		       offsetof(struct blkif_request_indirect, id),
	       "native blkif layouts keep the id in one place");

static int parse_rw(const struct blkif_request *rw,
		    const struct xpvd_blk_limits *lim,
		    struct xpvd_blkreq *out, const char **why)
{
	out->sector = rw->sector_number;
	out->nr_segs = rw->nr_segments;
	switch (rw->operation) {
	case BLKIF_OP_READ:
		out->kind = XPVD_BLK_READ;
		break;
	case BLKIF_OP_WRITE:
		out->kind = XPVD_BLK_WRITE;
		out->writes_data = true;
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
		if (!lim->flush) {
			*why = "flush not offered";
			return -EOPNOTSUPP;
		}
		out->kind = XPVD_BLK_FLUSH;
		out->writes_data = true;
		break;
	case BLKIF_OP_WRITE_BARRIER:
		if (!lim->barrier) {
			*why = "barrier not offered";
			return -EOPNOTSUPP;
		}
		out->kind = XPVD_BLK_BARRIER;
		out->writes_data = true;
		break;
	default:
		*why = "unknown operation";
		return -EOPNOTSUPP;
	}
	if (rw->nr_segments > XPV_BLKIF_MAX_SEGMENTS) {
		*why = "more than 11 segments in a direct request";
		return -EINVAL;
	}
	if (rw->nr_segments == 0 && (out->kind == XPVD_BLK_READ ||
				     out->kind == XPVD_BLK_WRITE)) {
		*why = "read or write without segments";
		return -EINVAL;
	}
	if (rw->nr_segments == 0)
		out->writes_data = false;
	return 0;
}

static int parse_indirect(const struct blkif_request_indirect *ind,
			  const struct xpvd_blk_limits *lim,
			  struct xpvd_blkreq *out, const char **why)
{
	unsigned int i;

	out->indirect = true;
	out->rsp_op = ind->indirect_op;
	out->sector = ind->sector_number;
	out->nr_segs = ind->nr_segments;
	if (lim->max_indirect_segs == 0) {
		*why = "indirect requests not offered";
		return -EOPNOTSUPP;
	}
	if (ind->indirect_op == BLKIF_OP_READ) {
		out->kind = XPVD_BLK_READ;
	} else if (ind->indirect_op == BLKIF_OP_WRITE) {
		out->kind = XPVD_BLK_WRITE;
		out->writes_data = true;
	} else {
		*why = "indirect_op is neither read nor write";
		return -EINVAL;
	}
	if (ind->nr_segments == 0) {
		*why = "indirect request without segments";
		return -EINVAL;
	}
	if (ind->nr_segments > lim->max_indirect_segs) {
		*why = "more indirect segments than offered";
		return -EINVAL;
	}
	/* Whatever the limit says: indirect_grefs[] holds 8 pages. */
	if (ind->nr_segments > XPV_BLKIF_MAX_INDIRECT_SEGMENTS) {
		*why = "more indirect segments than the protocol allows";
		return -EINVAL;
	}
	out->nr_indirect_pages =
		(uint8_t)xpvd_blkreq_indirect_pages(ind->nr_segments);
	for (i = 0; i < out->nr_indirect_pages; i++)
		out->indirect_grefs[i] = ind->indirect_grefs[i];
	return 0;
}

static int parse_discard(const struct blkif_request_discard *d,
			 const struct xpvd_blk_limits *lim,
			 struct xpvd_blkreq *out, const char **why)
{
	out->kind = XPVD_BLK_DISCARD;
	out->sector = d->sector_number;
	out->nr_sectors = d->nr_sectors;
	if (!lim->discard) {
		*why = "discard not offered";
		return -EOPNOTSUPP;
	}
	if (d->flag & ~BLKIF_DISCARD_SECURE) {
		*why = "unknown discard flag";
		return -EINVAL;
	}
	out->secure = d->flag & BLKIF_DISCARD_SECURE;
	if (out->secure && !lim->discard_secure) {
		*why = "secure discard not offered";
		return -EOPNOTSUPP;
	}
	if (d->nr_sectors > (UINT64_MAX >> XPV_SECTOR_SHIFT)) {
		*why = "discard length overflows";
		return -EINVAL;
	}
	return 0;
}

int xpvd_blkreq_parse(const union xpv_blkif_request *req,
		      const struct xpvd_blk_limits *lim,
		      struct xpvd_blkreq *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	*why = NULL;
	out->rsp_op = req->operation;
	/* Every layout has the id at the same place in native form. */
	out->id = req->rw.id;
	switch (req->operation) {
	case BLKIF_OP_INDIRECT:
		return parse_indirect(&req->indirect, lim, out, why);
	case BLKIF_OP_DISCARD:
		return parse_discard(&req->discard, lim, out, why);
	default:
		return parse_rw(&req->rw, lim, out, why);
	}
}

int xpvd_blkreq_check_segs(const struct blkif_request_segment *segs,
			   unsigned int n, uint64_t *bytes, const char **why)
{
	uint64_t total = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint8_t first = segs[i].first_sect, last = segs[i].last_sect;

		if (last > 7) {
			*why = "segment ends past its page (last_sect > 7)";
			return -EINVAL;
		}
		if (first > last) {
			*why = "segment first_sect > last_sect";
			return -EINVAL;
		}
		total += (uint64_t)(last - first + 1) << XPV_SECTOR_SHIFT;
	}
	*bytes = total;
	return 0;
}

unsigned int xpvd_blkreq_indirect_pages(unsigned int n)
{
	return (n + XPV_BLKIF_SEGS_PER_INDIRECT_PAGE - 1) /
	       XPV_BLKIF_SEGS_PER_INDIRECT_PAGE;
}

const char *xpvd_blkreq_range_why(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case -EROFS:
		return "write to a read-only disk";
	case -EOVERFLOW:
		return "sector range overflows";
	case -EINVAL:
		return "range not aligned to the logical sector size";
	case -ENOSPC:
		return "range ends past the end of the disk";
	default:
		return "range refused by the disk";
	}
}

int16_t xpvd_blkreq_status(int err)
{
	if (err == 0)
		return BLKIF_RSP_OKAY;
	if (err == -EOPNOTSUPP)
		return BLKIF_RSP_EOPNOTSUPP;
	return BLKIF_RSP_ERROR;
}
