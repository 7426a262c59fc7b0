/* SPDX-License-Identifier: MIT */
/*
 * fuzz-blkif-request.c - libFuzzer target for what a backend does with a
 * blkif request slot a guest wrote: copy and convert it
 * (xpv_blkif_get_request(), common/blkif.c), parse and validate it against
 * the negotiated limits (xpvd_blkreq_parse(), backend/blkreq.c), then check
 * its segment descriptors, direct or read from the indirect pages
 * (xpvd_blkreq_check_segs()).
 *
 * Input:
 *   byte 0      ABI (mod 3: native, x86_32, x86_64)
 *   byte 1      limits: bit 0 flush, 1 barrier, 2 discard, 3 secure discard
 *   bytes 2-3   max_indirect_segs (little-endian, any value, even above
 *               the protocol's 4096; 0 = no indirect)
 *   then        the ring slot (108 or 112 bytes, as the ABI's slot size)
 *   then        the content of the indirect pages, for an indirect request;
 *               when the input ends first the pages repeat what was given
 *               (zeros if nothing), so a short input can fill 8 pages.
 *
 * Invariants checked (a failure aborts):
 *   - conversion: every field is the one at the ABI's offset in the slot;
 *     put_request() of the result and get_request() again give it back;
 *     responses round-trip too; nothing is read or written outside a slot.
 *   - parse: only 0, -EOPNOTSUPP or -EINVAL; id and rsp_op always set;
 *     *why set exactly on error; a valid request has an operation that was
 *     offered, READ/WRITE with 1..11 direct or 1..max_indirect_segs
 *     indirect segments, as many indirect pages as those need (at most 8),
 *     their grant references copied, and a discard length whose byte count
 *     fits 64 bits.
 *   - segments: valid exactly when each lies inside its page (first_sect <=
 *     last_sect <= 7); the byte count is their sum, so between 512 and 4096
 *     bytes per segment.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "blkif.h"
#include "blkreq.h"
#include "fuzz.h"

/* Little-endian field of a slot at a byte offset (the ABIs are x86). */
static uint64_t le(const uint8_t *p, size_t off, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++)
		v |= (uint64_t)p[off + i] << (8 * i);
	return v;
}

/* Where the fields are in each ABI (xen/include/public/io/blkif.h). */
struct layout {
	size_t id, sector, seg;		/* read/write */
	size_t d_nr_sectors;		/* discard: id, sector as above */
	size_t i_handle, i_grefs;	/* indirect */
};

static const struct layout layout_32 = { 4, 12, 20, 20, 20, 24 };
static const struct layout layout_64 = { 8, 16, 24, 24, 24, 28 };

/* The converted request against the slot's bytes, read independently. */
static void check_conversion(const uint8_t *s, const struct layout *l,
			     const union xpv_blkif_request *req)
{
	unsigned int i;

	FUZZ_CHECK(req->operation == s[0]);
	switch (s[0]) {
	case BLKIF_OP_DISCARD:
		FUZZ_CHECK(req->discard.flag == s[1]);
		FUZZ_CHECK(req->discard.handle == le(s, 2, 2));
		FUZZ_CHECK(req->discard.id == le(s, l->id, 8));
		FUZZ_CHECK(req->discard.sector_number == le(s, l->sector, 8));
		FUZZ_CHECK(req->discard.nr_sectors ==
			   le(s, l->d_nr_sectors, 8));
		break;
	case BLKIF_OP_INDIRECT:
		FUZZ_CHECK(req->indirect.indirect_op == s[1]);
		FUZZ_CHECK(req->indirect.nr_segments == le(s, 2, 2));
		FUZZ_CHECK(req->indirect.id == le(s, l->id, 8));
		FUZZ_CHECK(req->indirect.sector_number ==
			   le(s, l->sector, 8));
		FUZZ_CHECK(req->indirect.handle == le(s, l->i_handle, 2));
		for (i = 0; i < XPV_BLKIF_MAX_INDIRECT_PAGES; i++)
			FUZZ_CHECK(req->indirect.indirect_grefs[i] ==
				   le(s, l->i_grefs + 4 * i, 4));
		break;
	default:
		FUZZ_CHECK(req->rw.nr_segments == s[1]);
		FUZZ_CHECK(req->rw.handle == le(s, 2, 2));
		FUZZ_CHECK(req->rw.id == le(s, l->id, 8));
		FUZZ_CHECK(req->rw.sector_number == le(s, l->sector, 8));
		for (i = 0; i < XPV_BLKIF_MAX_SEGMENTS; i++) {
			size_t o = l->seg + 8 * i;

			FUZZ_CHECK(req->rw.seg[i].gref == le(s, o, 4));
			FUZZ_CHECK(req->rw.seg[i].first_sect == s[o + 4]);
			FUZZ_CHECK(req->rw.seg[i].last_sect == s[o + 5]);
		}
		break;
	}
}

/* put_request() then get_request() is the identity on a converted
 * request; responses survive the same round trip. */
static void check_round_trip(enum xpv_blkif_abi abi, size_t slot_size,
			     const union xpv_blkif_request *req)
{
	union xpv_blkif_request again;
	struct blkif_response rsp;
	uint8_t *slot = fuzz_alloc(slot_size);

	memset(slot, 0xcc, slot_size);
	FUZZ_CHECK(xpv_blkif_put_request(abi, slot, req) == 0);
	memset(&again, 0x5a, sizeof(again));
	FUZZ_CHECK(xpv_blkif_get_request(abi, slot, &again) == 0);
	FUZZ_CHECK(memcmp(&again, req, sizeof(again)) == 0);

	memset(slot, 0xcc, slot_size);
	FUZZ_CHECK(xpv_blkif_put_response(abi, slot, req->rw.id,
					  req->operation,
					  (int16_t)req->rw.handle) == 0);
	FUZZ_CHECK(xpv_blkif_get_response(abi, slot, &rsp) == 0);
	FUZZ_CHECK(rsp.id == req->rw.id);
	FUZZ_CHECK(rsp.operation == req->operation);
	FUZZ_CHECK(rsp.status == (int16_t)req->rw.handle);
	free(slot);
}

/* Segment descriptors: the result against a reference, and the byte count
 * against what n in-page segments can carry. */
static void check_segs(const struct blkif_request_segment *segs,
		       unsigned int n)
{
	uint64_t bytes = 0xdeadbeef, want = 0;
	const char *why = NULL;
	bool valid = true;
	unsigned int i;
	int r;

	for (i = 0; i < n; i++) {
		if (segs[i].last_sect > 7 ||
		    segs[i].first_sect > segs[i].last_sect)
			valid = false;
		else
			want += (uint64_t)(segs[i].last_sect -
					   segs[i].first_sect + 1) * 512;
	}
	r = xpvd_blkreq_check_segs(segs, n, &bytes, &why);
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	FUZZ_CHECK((r == 0) == valid);
	if (r == 0) {
		FUZZ_CHECK(bytes == want);
		FUZZ_CHECK(bytes >= (uint64_t)n * 512);
		FUZZ_CHECK(bytes <= (uint64_t)n * 4096);
	} else {
		FUZZ_CHECK(why != NULL);
	}
}

/* What fetch_indirect() in the worker does: copy the descriptors of nr
 * segments out of the (private copies of the) indirect pages, then check
 * them. */
static void check_indirect_pages(struct fuzz_in *in,
				 const struct xpvd_blkreq *br)
{
	size_t np = br->nr_indirect_pages, i;
	size_t len = np * 4096, given = in->left;
	uint8_t *pages = fuzz_alloc(len);
	struct blkif_request_segment *segs;

	/* The input, repeated as needed (zeros if there is none). */
	memset(pages, 0, len);
	for (i = 0; given && i < len; i += given)
		memcpy(pages + i, in->p, len - i < given ? len - i : given);
	segs = fuzz_alloc((size_t)br->nr_segs * sizeof(*segs));
	memcpy(segs, pages, (size_t)br->nr_segs * sizeof(*segs));
	check_segs(segs, br->nr_segs);
	free(segs);
	free(pages);
}

static void check_parse(const union xpv_blkif_request *req,
			const struct xpvd_blk_limits *lim,
			struct fuzz_in *in)
{
	struct xpvd_blkreq br;
	const char *why = "unset";
	unsigned int i;
	int r;

	memset(&br, 0x5a, sizeof(br));
	r = xpvd_blkreq_parse(req, lim, &br, &why);
	FUZZ_CHECK(r == 0 || r == -EOPNOTSUPP || r == -EINVAL);
	FUZZ_CHECK(r == 0 ? why == NULL : why != NULL);
	FUZZ_CHECK(br.id == req->rw.id);
	FUZZ_CHECK(br.rsp_op == (req->operation == BLKIF_OP_INDIRECT ?
				 req->indirect.indirect_op : req->operation));
	FUZZ_CHECK(xpvd_blkreq_status(r) == (r == 0 ? BLKIF_RSP_OKAY :
					     r == -EOPNOTSUPP ?
					     BLKIF_RSP_EOPNOTSUPP :
					     BLKIF_RSP_ERROR));
	if (r != 0)
		return;

	switch (req->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
	case BLKIF_OP_FLUSH_DISKCACHE:
	case BLKIF_OP_WRITE_BARRIER:
		FUZZ_CHECK(!br.indirect);
		FUZZ_CHECK(br.nr_segs == req->rw.nr_segments);
		FUZZ_CHECK(br.nr_segs <= XPV_BLKIF_MAX_SEGMENTS);
		FUZZ_CHECK(br.sector == req->rw.sector_number);
		FUZZ_CHECK(br.nr_indirect_pages == 0);
		if (req->operation == BLKIF_OP_READ) {
			FUZZ_CHECK(br.kind == XPVD_BLK_READ);
			FUZZ_CHECK(!br.writes_data && br.nr_segs >= 1);
		} else if (req->operation == BLKIF_OP_WRITE) {
			FUZZ_CHECK(br.kind == XPVD_BLK_WRITE);
			FUZZ_CHECK(br.writes_data && br.nr_segs >= 1);
		} else if (req->operation == BLKIF_OP_FLUSH_DISKCACHE) {
			FUZZ_CHECK(lim->flush && br.kind == XPVD_BLK_FLUSH);
			FUZZ_CHECK(br.writes_data == (br.nr_segs > 0));
		} else {
			FUZZ_CHECK(lim->barrier &&
				   br.kind == XPVD_BLK_BARRIER);
			FUZZ_CHECK(br.writes_data == (br.nr_segs > 0));
		}
		check_segs(req->rw.seg, br.nr_segs);
		break;
	case BLKIF_OP_INDIRECT:
		FUZZ_CHECK(br.indirect);
		FUZZ_CHECK(lim->max_indirect_segs > 0);
		FUZZ_CHECK(br.nr_segs == req->indirect.nr_segments);
		FUZZ_CHECK(br.nr_segs >= 1);
		FUZZ_CHECK(br.nr_segs <= lim->max_indirect_segs);
		FUZZ_CHECK(br.sector == req->indirect.sector_number);
		FUZZ_CHECK(br.kind == (req->indirect.indirect_op ==
				       BLKIF_OP_READ ? XPVD_BLK_READ :
				       XPVD_BLK_WRITE));
		FUZZ_CHECK(req->indirect.indirect_op == BLKIF_OP_READ ||
			   req->indirect.indirect_op == BLKIF_OP_WRITE);
		FUZZ_CHECK(br.writes_data == (br.kind == XPVD_BLK_WRITE));
		/* Enough pages for the descriptors, no more, at most 8. */
		FUZZ_CHECK(br.nr_indirect_pages >= 1);
		FUZZ_CHECK(br.nr_indirect_pages <=
			   XPV_BLKIF_MAX_INDIRECT_PAGES);
		FUZZ_CHECK((uint32_t)br.nr_indirect_pages * 512 >=
			   br.nr_segs);
		FUZZ_CHECK((uint32_t)(br.nr_indirect_pages - 1) * 512 <
			   br.nr_segs);
		FUZZ_CHECK(br.nr_indirect_pages ==
			   xpvd_blkreq_indirect_pages(br.nr_segs));
		for (i = 0; i < br.nr_indirect_pages; i++)
			FUZZ_CHECK(br.indirect_grefs[i] ==
				   req->indirect.indirect_grefs[i]);
		check_indirect_pages(in, &br);
		break;
	case BLKIF_OP_DISCARD:
		FUZZ_CHECK(lim->discard && br.kind == XPVD_BLK_DISCARD);
		FUZZ_CHECK(!br.indirect && br.nr_segs == 0);
		FUZZ_CHECK(!br.writes_data);
		FUZZ_CHECK(br.sector == req->discard.sector_number);
		FUZZ_CHECK(br.nr_sectors == req->discard.nr_sectors);
		/* The byte count of the range fits 64 bits. */
		FUZZ_CHECK(br.nr_sectors <= UINT64_MAX / 512);
		FUZZ_CHECK((req->discard.flag & ~BLKIF_DISCARD_SECURE) == 0);
		FUZZ_CHECK(br.secure == (req->discard.flag != 0));
		FUZZ_CHECK(!br.secure || lim->discard_secure);
		break;
	default:
		/* Unknown operations are never valid. */
		FUZZ_CHECK(!"an unknown operation was accepted");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	enum xpv_blkif_abi abi = (enum xpv_blkif_abi)(fuzz_u8(&in) % 3);
	struct xpvd_blk_limits lim;
	union xpv_blkif_request req;
	uint8_t bits = fuzz_u8(&in);
	uint8_t *slot;
	int slot_size;

	memset(&lim, 0, sizeof(lim));
	lim.flush = bits & 1;
	lim.barrier = bits & 2;
	lim.discard = bits & 4;
	lim.discard_secure = bits & 8;
	lim.max_indirect_segs = fuzz_u16(&in);
	/* Any limit, even above what xenpvd offers: the parser must hold the
	 * protocol maximum by itself. */

	slot_size = xpv_blkif_slot_size(abi);
	FUZZ_CHECK(slot_size == 108 || slot_size == 112);
	/* The slot alone in its buffer: a read past it is an ASan report. */
	slot = fuzz_alloc((size_t)slot_size);
	fuzz_bytes(&in, slot, (size_t)slot_size);

	memset(&req, 0x5a, sizeof(req));
	FUZZ_CHECK(xpv_blkif_get_request(abi, slot, &req) == 0);
	if (abi == XPV_BLKIF_ABI_X86_32)
		check_conversion(slot, &layout_32, &req);
	else if (abi == XPV_BLKIF_ABI_X86_64)
		check_conversion(slot, &layout_64, &req);
#ifdef __x86_64__
	else /* the native layout is x86_64's */
		check_conversion(slot, &layout_64, &req);
#endif
	check_round_trip(abi, (size_t)slot_size, &req);
	free(slot);

	check_parse(&req, &lim, &in);
	return 0;
}
