/* SPDX-License-Identifier: MIT */
/*
 * test-blkreq.c - unit tests of blkif request validation (backend/blkreq.c):
 * one check per rule, each asserting the result and that the message names
 * the rule, plus the accepted forms.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "blkreq.h"
#include "test-util.h"

static const struct xpvd_blk_limits lim = {
	.max_indirect_segs = 256, .flush = true, .barrier = true,
	.discard = true, .discard_secure = false,
};

static int parse(const union xpv_blkif_request *r, struct xpvd_blkreq *out,
		 const char **why)
{
	return xpvd_blkreq_parse(r, &lim, out, why);
}

static void rw(union xpv_blkif_request *r, uint8_t op, uint8_t n)
{
	memset(r, 0, sizeof(*r));
	r->rw.operation = op;
	r->rw.nr_segments = n;
	r->rw.id = 77;
	r->rw.sector_number = 16;
}

static void expect(const union xpv_blkif_request *r, int want,
		   const char *word)
{
	struct xpvd_blkreq br;
	const char *why = NULL;
	int err = parse(r, &br, &why);

	EXPECT_MSG(err == want, "op %u: got %d, want %d (%s)", r->operation,
		   err, want, why ? why : "-");
	EXPECT_MSG(br.id == 77, "id not kept on error: %llu",
		   (unsigned long long)br.id);
	if (word)
		EXPECT_MSG(why && strstr(why, word), "message '%s' lacks '%s'",
			   why ? why : "(null)", word);
}

int main(void)
{
	union xpv_blkif_request r;
	struct blkif_request_segment seg[4];
	struct xpvd_blkreq br;
	const char *why;
	uint64_t bytes;

	/* Accepted forms. */
	rw(&r, BLKIF_OP_READ, 11);
	expect(&r, 0, NULL);
	rw(&r, BLKIF_OP_WRITE, 1);
	EXPECT_MSG(parse(&r, &br, &why) == 0 && br.writes_data &&
		       br.kind == XPVD_BLK_WRITE,
		   "write");
	rw(&r, BLKIF_OP_FLUSH_DISKCACHE, 0);
	EXPECT_MSG(parse(&r, &br, &why) == 0 && !br.writes_data &&
		       br.kind == XPVD_BLK_FLUSH,
		   "flush without data");
	rw(&r, BLKIF_OP_WRITE_BARRIER, 2);
	EXPECT_MSG(parse(&r, &br, &why) == 0 && br.writes_data &&
		       br.kind == XPVD_BLK_BARRIER,
		   "barrier with data");

	/* One rule each. */
	rw(&r, 0x7f, 1);
	expect(&r, -EOPNOTSUPP, "unknown operation");
	rw(&r, BLKIF_OP_READ, 0);
	expect(&r, -EINVAL, "without segments");
	rw(&r, BLKIF_OP_WRITE, 12);
	expect(&r, -EINVAL, "more than 11");

	memset(&r, 0, sizeof(r));
	r.indirect.operation = BLKIF_OP_INDIRECT;
	r.indirect.indirect_op = BLKIF_OP_WRITE;
	r.indirect.nr_segments = 256;
	r.indirect.id = 77;
	r.indirect.indirect_grefs[0] = 9;
	EXPECT_MSG(parse(&r, &br, &why) == 0 && br.indirect &&
		       br.nr_indirect_pages == 1 && br.indirect_grefs[0] == 9 &&
		       br.rsp_op == BLKIF_OP_WRITE,
		   "indirect 256");
	r.indirect.nr_segments = 257;
	expect(&r, -EINVAL, "more indirect segments");
	r.indirect.nr_segments = 0;
	expect(&r, -EINVAL, "indirect request without");
	r.indirect.nr_segments = 8;
	r.indirect.indirect_op = BLKIF_OP_DISCARD;
	expect(&r, -EINVAL, "indirect_op");
	EXPECT_MSG(parse(&r, &br, &why) && br.rsp_op == BLKIF_OP_DISCARD,
		   "response op of a bad indirect request is its indirect_op");
	{
		struct xpvd_blk_limits nolim = lim;

		nolim.max_indirect_segs = 0;
		r.indirect.indirect_op = BLKIF_OP_READ;
		EXPECT_MSG(xpvd_blkreq_parse(&r, &nolim, &br, &why) ==
			       -EOPNOTSUPP,
			   "indirect not offered");
	}

	memset(&r, 0, sizeof(r));
	r.discard.operation = BLKIF_OP_DISCARD;
	r.discard.id = 77;
	r.discard.nr_sectors = 8;
	expect(&r, 0, NULL);
	r.discard.flag = 2;
	expect(&r, -EINVAL, "unknown discard flag");
	r.discard.flag = BLKIF_DISCARD_SECURE;
	expect(&r, -EOPNOTSUPP, "secure discard");
	r.discard.flag = 0;
	r.discard.nr_sectors = UINT64_MAX;
	expect(&r, -EINVAL, "overflows");

	/* Segments. */
	memset(seg, 0, sizeof(seg));
	seg[0].last_sect = 7;
	seg[1].first_sect = 2;
	seg[1].last_sect = 2;
	EXPECT_MSG(xpvd_blkreq_check_segs(seg, 2, &bytes, &why) == 0 &&
		       bytes == 4096 + 512,
		   "segments: %llu bytes", (unsigned long long)bytes);
	seg[1].last_sect = 8;
	EXPECT_MSG(xpvd_blkreq_check_segs(seg, 2, &bytes, &why) == -EINVAL &&
		       strstr(why, "last_sect > 7"),
		   "last_sect 8");
	seg[1].first_sect = 5;
	seg[1].last_sect = 4;
	EXPECT_MSG(xpvd_blkreq_check_segs(seg, 2, &bytes, &why) == -EINVAL &&
		       strstr(why, "first_sect > last_sect"),
		   "first > last");

	EXPECT_MSG(xpvd_blkreq_indirect_pages(1) == 1 &&
		       xpvd_blkreq_indirect_pages(512) == 1 &&
		       xpvd_blkreq_indirect_pages(513) == 2 &&
		       xpvd_blkreq_indirect_pages(4096) == 8,
		   "indirect pages");
	EXPECT_MSG(xpvd_blkreq_status(0) == BLKIF_RSP_OKAY &&
		       xpvd_blkreq_status(-EOPNOTSUPP) ==
			   BLKIF_RSP_EOPNOTSUPP &&
		       xpvd_blkreq_status(-EROFS) == BLKIF_RSP_ERROR,
		   "status");
	EXPECT_MSG(strstr(xpvd_blkreq_range_why(-EROFS), "read-only") != NULL,
		   "range message");
	return test_status();
}
