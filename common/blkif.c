/* SPDX-License-Identifier: MIT */
/*
 * blkif.c - blkif ABI views: conversion between the x86_32 and x86_64
 * layouts of the ring slots and the native structs of <xen/io/blkif.h>.
 *
 * See blkif.h for the contract.  Conversions always go through a private
 * copy of the whole slot, so no field of the shared ring is read twice.
 */
#include <errno.h>
#include <string.h>

#include <xen/io/protocols.h>

#include "blkif.h"

#define CHECK_OFF(type, field, off) \
	_Static_assert(offsetof(struct type, field) == (off), \
		       #type "." #field " at " #off)
#define CHECK_SIZE(type, size) \
	_Static_assert(sizeof(type) == (size), #type " is " #size " bytes")

CHECK_SIZE(struct blkif_request_segment, 8);

CHECK_SIZE(struct xpv_blkif_x86_32_request, 108);
CHECK_OFF(xpv_blkif_x86_32_request, nr_segments, 1);
CHECK_OFF(xpv_blkif_x86_32_request, handle, 2);
CHECK_OFF(xpv_blkif_x86_32_request, id, 4);
CHECK_OFF(xpv_blkif_x86_32_request, sector_number, 12);
CHECK_OFF(xpv_blkif_x86_32_request, seg, 20);
CHECK_SIZE(struct xpv_blkif_x86_32_request_discard, 28);
CHECK_OFF(xpv_blkif_x86_32_request_discard, flag, 1);
CHECK_OFF(xpv_blkif_x86_32_request_discard, id, 4);
CHECK_OFF(xpv_blkif_x86_32_request_discard, sector_number, 12);
CHECK_OFF(xpv_blkif_x86_32_request_discard, nr_sectors, 20);
CHECK_SIZE(struct xpv_blkif_x86_32_request_indirect, 64);
CHECK_OFF(xpv_blkif_x86_32_request_indirect, indirect_op, 1);
CHECK_OFF(xpv_blkif_x86_32_request_indirect, nr_segments, 2);
CHECK_OFF(xpv_blkif_x86_32_request_indirect, id, 4);
CHECK_OFF(xpv_blkif_x86_32_request_indirect, sector_number, 12);
CHECK_OFF(xpv_blkif_x86_32_request_indirect, handle, 20);
CHECK_OFF(xpv_blkif_x86_32_request_indirect, indirect_grefs, 24);
CHECK_SIZE(struct xpv_blkif_x86_32_response, 12);
CHECK_OFF(xpv_blkif_x86_32_response, operation, 8);
CHECK_OFF(xpv_blkif_x86_32_response, status, 10);
CHECK_SIZE(union xpv_blkif_x86_32_sring_entry, 108);

CHECK_SIZE(struct xpv_blkif_x86_64_request, 112);
CHECK_OFF(xpv_blkif_x86_64_request, nr_segments, 1);
CHECK_OFF(xpv_blkif_x86_64_request, handle, 2);
CHECK_OFF(xpv_blkif_x86_64_request, id, 8);
CHECK_OFF(xpv_blkif_x86_64_request, sector_number, 16);
CHECK_OFF(xpv_blkif_x86_64_request, seg, 24);
CHECK_SIZE(struct xpv_blkif_x86_64_request_discard, 32);
CHECK_OFF(xpv_blkif_x86_64_request_discard, flag, 1);
CHECK_OFF(xpv_blkif_x86_64_request_discard, id, 8);
CHECK_OFF(xpv_blkif_x86_64_request_discard, sector_number, 16);
CHECK_OFF(xpv_blkif_x86_64_request_discard, nr_sectors, 24);
CHECK_SIZE(struct xpv_blkif_x86_64_request_indirect, 64);
CHECK_OFF(xpv_blkif_x86_64_request_indirect, indirect_op, 1);
CHECK_OFF(xpv_blkif_x86_64_request_indirect, nr_segments, 2);
CHECK_OFF(xpv_blkif_x86_64_request_indirect, id, 8);
CHECK_OFF(xpv_blkif_x86_64_request_indirect, sector_number, 16);
CHECK_OFF(xpv_blkif_x86_64_request_indirect, handle, 24);
CHECK_OFF(xpv_blkif_x86_64_request_indirect, indirect_grefs, 28);
CHECK_SIZE(struct xpv_blkif_x86_64_response, 16);
CHECK_OFF(xpv_blkif_x86_64_response, operation, 8);
CHECK_OFF(xpv_blkif_x86_64_response, status, 10);
CHECK_SIZE(union xpv_blkif_x86_64_sring_entry, 112);

_Static_assert(XPV_BLKIF_MAX_SEGMENTS == 11, "11 segments per request");
_Static_assert(XPV_BLKIF_SEGS_PER_INDIRECT_PAGE * 8 == 4096,
	       "an indirect page is full of segments");
_Static_assert(XPV_BLKIF_MAX_INDIRECT_SEGMENTS == 4096,
	       "4096 segments per request at most");
_Static_assert(sizeof(union xpv_blkif_request) ==
	       sizeof(struct blkif_request),
	       "every native request fits a struct blkif_request");

#ifdef __x86_64__
/* On x86_64 the x86_64 view is the native layout. */
_Static_assert(sizeof(union blkif_sring_entry) ==
	       sizeof(union xpv_blkif_x86_64_sring_entry), "native slot");
_Static_assert(offsetof(struct blkif_request, id) ==
	       offsetof(struct xpv_blkif_x86_64_request, id), "native id");
_Static_assert(offsetof(struct blkif_request_indirect, indirect_grefs) ==
	       offsetof(struct xpv_blkif_x86_64_request_indirect,
			indirect_grefs), "native indirect_grefs");
#endif

int xpv_blkif_abi_parse(const char *protocol, enum xpv_blkif_abi *abi)
{
	if (protocol == NULL || abi == NULL)
		return -EINVAL;
	if (strcmp(protocol, XEN_IO_PROTO_ABI_X86_32) == 0) {
		*abi = XPV_BLKIF_ABI_X86_32;
		return 0;
	}
	if (strcmp(protocol, XEN_IO_PROTO_ABI_X86_64) == 0) {
		*abi = XPV_BLKIF_ABI_X86_64;
		return 0;
	}
	return -EINVAL;
}

const char *xpv_blkif_abi_name(enum xpv_blkif_abi abi)
{
	switch (abi) {
	case XPV_BLKIF_ABI_NATIVE:
		return XEN_IO_PROTO_ABI_NATIVE;
	case XPV_BLKIF_ABI_X86_32:
		return XEN_IO_PROTO_ABI_X86_32;
	case XPV_BLKIF_ABI_X86_64:
		return XEN_IO_PROTO_ABI_X86_64;
	}
	return NULL;
}

int xpv_blkif_slot_size(enum xpv_blkif_abi abi)
{
	switch (abi) {
	case XPV_BLKIF_ABI_NATIVE:
		return (int)sizeof(union blkif_sring_entry);
	case XPV_BLKIF_ABI_X86_32:
		return (int)sizeof(union xpv_blkif_x86_32_sring_entry);
	case XPV_BLKIF_ABI_X86_64:
		return (int)sizeof(union xpv_blkif_x86_64_sring_entry);
	}
	return -EINVAL;
}

int xpv_blkif_front_init(struct xpv_ring_front *f, enum xpv_blkif_abi abi,
			 void *sring, unsigned int nr_pages)
{
	int slot = xpv_blkif_slot_size(abi);

	if (slot < 0)
		return slot;
	return xpv_ring_front_init(f, sring, nr_pages, (size_t)slot);
}

int xpv_blkif_back_attach(struct xpv_ring_back *b, enum xpv_blkif_abi abi,
			  void *sring, unsigned int nr_pages, uint32_t idx)
{
	int slot = xpv_blkif_slot_size(abi);

	if (slot < 0)
		return slot;
	return xpv_ring_back_attach(b, sring, nr_pages, (size_t)slot, idx);
}

int xpv_blkif_back_reattach(struct xpv_ring_back *b, enum xpv_blkif_abi abi,
			    void *sring, unsigned int nr_pages)
{
	int slot = xpv_blkif_slot_size(abi);

	if (slot < 0)
		return slot;
	return xpv_ring_back_reattach(b, sring, nr_pages, (size_t)slot);
}

/*
 * Convert a request between a packed ABI view and the native union, in
 * either direction: the field names are the same in all of them, only the
 * offsets differ.  src and dst are private memory; dst was zeroed.  The
 * layout is chosen by the operation byte, which every layout has at 0.
 */
#define CONVERT_REQUEST(src, dst)					\
	do {								\
		unsigned int i_;					\
									\
		switch ((src)->rw.operation) {				\
		case BLKIF_OP_DISCARD:					\
			(dst)->discard.operation = (src)->discard.operation; \
			(dst)->discard.flag = (src)->discard.flag;	\
			(dst)->discard.handle = (src)->discard.handle;	\
			(dst)->discard.id = (src)->discard.id;		\
			(dst)->discard.sector_number =			\
				(src)->discard.sector_number;		\
			(dst)->discard.nr_sectors =			\
				(src)->discard.nr_sectors;		\
			break;						\
		case BLKIF_OP_INDIRECT:					\
			(dst)->indirect.operation =			\
				(src)->indirect.operation;		\
			(dst)->indirect.indirect_op =			\
				(src)->indirect.indirect_op;		\
			(dst)->indirect.nr_segments =			\
				(src)->indirect.nr_segments;		\
			(dst)->indirect.id = (src)->indirect.id;	\
			(dst)->indirect.sector_number =			\
				(src)->indirect.sector_number;		\
			(dst)->indirect.handle = (src)->indirect.handle; \
			for (i_ = 0;					\
			     i_ < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i_++) \
				(dst)->indirect.indirect_grefs[i_] =	\
					(src)->indirect.indirect_grefs[i_]; \
			break;						\
		default:						\
			(dst)->rw.operation = (src)->rw.operation;	\
			(dst)->rw.nr_segments = (src)->rw.nr_segments;	\
			(dst)->rw.handle = (src)->rw.handle;		\
			(dst)->rw.id = (src)->rw.id;			\
			(dst)->rw.sector_number = (src)->rw.sector_number; \
			for (i_ = 0;					\
			     i_ < BLKIF_MAX_SEGMENTS_PER_REQUEST; i_++)	\
				(dst)->rw.seg[i_] = (src)->rw.seg[i_];	\
			break;						\
		}							\
	} while (0)

union x86_32_req {
	struct xpv_blkif_x86_32_request rw;
	struct xpv_blkif_x86_32_request_discard discard;
	struct xpv_blkif_x86_32_request_indirect indirect;
};

union x86_64_req {
	struct xpv_blkif_x86_64_request rw;
	struct xpv_blkif_x86_64_request_discard discard;
	struct xpv_blkif_x86_64_request_indirect indirect;
};

int xpv_blkif_get_request(enum xpv_blkif_abi abi, const void *slot,
			  union xpv_blkif_request *req)
{
	union x86_32_req r32;
	union x86_64_req r64;

	switch (abi) {
	case XPV_BLKIF_ABI_NATIVE:
		xpv_ring_copy_from_slot(req, slot, sizeof(*req));
		return 0;
	case XPV_BLKIF_ABI_X86_32:
		xpv_ring_copy_from_slot(&r32, slot, sizeof(r32));
		memset(req, 0, sizeof(*req));
		CONVERT_REQUEST(&r32, req);
		return 0;
	case XPV_BLKIF_ABI_X86_64:
		xpv_ring_copy_from_slot(&r64, slot, sizeof(r64));
		memset(req, 0, sizeof(*req));
		CONVERT_REQUEST(&r64, req);
		return 0;
	}
	return -EINVAL;
}

int xpv_blkif_put_request(enum xpv_blkif_abi abi, void *slot,
			  const union xpv_blkif_request *req)
{
	union x86_32_req r32;
	union x86_64_req r64;

	switch (abi) {
	case XPV_BLKIF_ABI_NATIVE:
		memcpy(slot, req, sizeof(*req));
		return 0;
	case XPV_BLKIF_ABI_X86_32:
		memset(&r32, 0, sizeof(r32));
		CONVERT_REQUEST(req, &r32);
		memcpy(slot, &r32, sizeof(r32));
		return 0;
	case XPV_BLKIF_ABI_X86_64:
		memset(&r64, 0, sizeof(r64));
		CONVERT_REQUEST(req, &r64);
		memcpy(slot, &r64, sizeof(r64));
		return 0;
	}
	return -EINVAL;
}

int xpv_blkif_put_response(enum xpv_blkif_abi abi, void *slot, uint64_t id,
			   uint8_t operation, int16_t status)
{
	struct blkif_response n;
	struct xpv_blkif_x86_32_response r32;
	struct xpv_blkif_x86_64_response r64;

	switch (abi) {
	case XPV_BLKIF_ABI_NATIVE:
		/* memset, not an initialiser: the padding must be zero. */
		memset(&n, 0, sizeof(n));
		n.id = id;
		n.operation = operation;
		n.status = status;
		memcpy(slot, &n, sizeof(n));
		return 0;
	case XPV_BLKIF_ABI_X86_32:
		memset(&r32, 0, sizeof(r32));
		r32.id = id;
		r32.operation = operation;
		r32.status = status;
		memcpy(slot, &r32, sizeof(r32));
		return 0;
	case XPV_BLKIF_ABI_X86_64:
		memset(&r64, 0, sizeof(r64));
		r64.id = id;
		r64.operation = operation;
		r64.status = status;
		memcpy(slot, &r64, sizeof(r64));
		return 0;
	}
	return -EINVAL;
}

int xpv_blkif_get_response(enum xpv_blkif_abi abi, const void *slot,
			   struct blkif_response *rsp)
{
	struct xpv_blkif_x86_32_response r32;
	struct xpv_blkif_x86_64_response r64;

	switch (abi) {
	case XPV_BLKIF_ABI_NATIVE:
		xpv_ring_copy_from_slot(rsp, slot, sizeof(*rsp));
		return 0;
	case XPV_BLKIF_ABI_X86_32:
		xpv_ring_copy_from_slot(&r32, slot, sizeof(r32));
		memset(rsp, 0, sizeof(*rsp));
		rsp->id = r32.id;
		rsp->operation = r32.operation;
		rsp->status = r32.status;
		return 0;
	case XPV_BLKIF_ABI_X86_64:
		xpv_ring_copy_from_slot(&r64, slot, sizeof(r64));
		memset(rsp, 0, sizeof(*rsp));
		rsp->id = r64.id;
		rsp->operation = r64.operation;
		rsp->status = r64.status;
		return 0;
	}
	return -EINVAL;
}

int xpv_blkif_back_get_request(struct xpv_ring_back *b,
			       enum xpv_blkif_abi abi,
			       union xpv_blkif_request *req)
{
	const void *slot;

	if (xpv_blkif_slot_size(abi) < 0)
		return -EINVAL;
	if (b->broken)
		return -EIO;
	slot = xpv_ring_back_next_req(b);
	if (slot == NULL)
		return -EAGAIN;
	return xpv_blkif_get_request(abi, slot, req);
}

int xpv_blkif_back_put_response(struct xpv_ring_back *b,
				enum xpv_blkif_abi abi, uint64_t id,
				uint8_t operation, int16_t status)
{
	void *slot;

	if (xpv_blkif_slot_size(abi) < 0)
		return -EINVAL;
	slot = xpv_ring_back_next_rsp(b);
	if (slot == NULL)
		return -ENOSPC;
	return xpv_blkif_put_response(abi, slot, id, operation, status);
}
