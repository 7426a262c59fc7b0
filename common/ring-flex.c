/* SPDX-License-Identifier: MIT */
/*
 * ring-flex.c - byte-stream ("flex") rings and the 9pfs interface page.
 *
 * See ring-flex.h for the contract.  The barriers are where the users of
 * Xen's flex ring helpers put them (Linux 9pfs and pvcalls, Xen's 9pfsd):
 *
 *   consumer: load prod, rmb, copy data out, mb, store cons
 *   producer: load cons, mb, copy data in, wmb, store prod
 *
 * Each use below names what it orders and the peer's barrier it pairs with.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <xen/io/9pfs.h>

#include "barrier.h"
#include "ring-flex.h"

_Static_assert(offsetof(struct xen_9pfs_data_intf, in_cons) ==
	       XPV_9PFS_OFF_IN_CONS, "in_cons");
_Static_assert(offsetof(struct xen_9pfs_data_intf, in_prod) ==
	       XPV_9PFS_OFF_IN_PROD, "in_prod");
_Static_assert(offsetof(struct xen_9pfs_data_intf, out_cons) ==
	       XPV_9PFS_OFF_OUT_CONS, "out_cons");
_Static_assert(offsetof(struct xen_9pfs_data_intf, out_prod) ==
	       XPV_9PFS_OFF_OUT_PROD, "out_prod");
_Static_assert(offsetof(struct xen_9pfs_data_intf, ring_order) ==
	       XPV_9PFS_OFF_RING_ORDER, "ring_order");
_Static_assert(offsetof(struct xen_9pfs_data_intf, ref) ==
	       XPV_9PFS_OFF_REF, "ref");
_Static_assert(XPV_FLEX_RING_SIZE(1) == XEN_FLEX_RING_SIZE(1),
	       "ring size of order 1");
_Static_assert(XPV_FLEX_RING_SIZE(9) == XEN_FLEX_RING_SIZE(9),
	       "ring size of order 9");
_Static_assert(XPV_9PFS_OFF_REF + (4u << XPV_9PFS_MAX_ORDER) <= 4096,
	       "ref[] of the largest order fits in the interface page");

int xpv_flex_init(struct xpv_flex *r, uint32_t *cons, uint32_t *prod,
		  void *data, uint32_t size)
{
	if (r == NULL || cons == NULL || prod == NULL || data == NULL)
		return -EINVAL;
	if (size == 0 || (size & (size - 1)) != 0 || size > (1u << 30))
		return -EINVAL;
	r->cons = cons;
	r->prod = prod;
	r->data = data;
	r->size = size;
	return 0;
}

/* Read both counters once and check them.  No ordering: the caller puts
 * the barrier its role needs right after. */
static int snapshot(const struct xpv_flex *r, uint32_t *cons, uint32_t *prod)
{
	*cons = xpv_read_once_u32(r->cons);
	*prod = xpv_read_once_u32(r->prod);
	if (*prod - *cons > r->size)
		return -EIO;
	return 0;
}

static void copy_out(const struct xpv_flex *r, uint32_t idx, void *buf,
		     size_t len)
{
	uint32_t off = idx & (r->size - 1);
	size_t first = r->size - off;

	if (first > len)
		first = len;
	memcpy(buf, r->data + off, first);
	memcpy((unsigned char *)buf + first, r->data, len - first);
	/*
	 * Compiler barrier only, pairs with nothing: the bytes are in buf
	 * now, and the compiler may not go back to the ring for them.
	 */
	xpv_barrier();
}

static void copy_in(struct xpv_flex *r, uint32_t idx, const void *buf,
		    size_t len)
{
	uint32_t off = idx & (r->size - 1);
	size_t first = r->size - off;

	if (first > len)
		first = len;
	memcpy(r->data + off, buf, first);
	memcpy(r->data, (const unsigned char *)buf + first, len - first);
}

int xpv_flex_queued(const struct xpv_flex *r)
{
	uint32_t cons, prod;
	int err;

	err = snapshot(r, &cons, &prod);
	if (err < 0)
		return err;
	return (int)(prod - cons);
}

int xpv_flex_free_space(const struct xpv_flex *r)
{
	int n = xpv_flex_queued(r);

	return n < 0 ? n : (int)(r->size - (uint32_t)n);
}

/* Common part of the consumer's operations: check, then (buf != NULL) copy
 * the first len queued bytes.  On success *cons_out is cons. */
static int consume_prepare(const struct xpv_flex *r, void *buf, size_t len,
			   uint32_t *cons_out)
{
	uint32_t cons, prod;
	int err;

	if (len > r->size)
		return -EMSGSIZE;
	err = snapshot(r, &cons, &prod);
	if (err < 0)
		return err;
	/*
	 * prod before the data: pairs with the xpv_wmb() the producer does
	 * between copying data in and storing prod in xpv_flex_write().
	 */
	xpv_rmb();
	if (prod - cons < len)
		return -EAGAIN;
	if (buf != NULL)
		copy_out(r, cons, buf, len);
	*cons_out = cons;
	return 0;
}

static void consume_commit(struct xpv_flex *r, uint32_t cons, size_t len)
{
	/*
	 * Our reads of the data before the cons store that frees the space:
	 * pairs with the xpv_mb() the producer does between loading cons and
	 * writing data in xpv_flex_write(), so it never overwrites bytes we
	 * are still reading.
	 */
	xpv_mb();
	xpv_write_once_u32(r->cons, cons + (uint32_t)len);
}

int xpv_flex_peek(const struct xpv_flex *r, void *buf, size_t len)
{
	uint32_t cons;

	if (buf == NULL && len != 0)
		return -EINVAL;
	return consume_prepare(r, buf, len, &cons);
}

int xpv_flex_read(struct xpv_flex *r, void *buf, size_t len)
{
	uint32_t cons;
	int err;

	if (buf == NULL && len != 0)
		return -EINVAL;
	err = consume_prepare(r, buf, len, &cons);
	if (err < 0)
		return err;
	consume_commit(r, cons, len);
	return 0;
}

int xpv_flex_discard(struct xpv_flex *r, size_t len)
{
	uint32_t cons;
	int err;

	err = consume_prepare(r, NULL, len, &cons);
	if (err < 0)
		return err;
	consume_commit(r, cons, len);
	return 0;
}

int xpv_flex_write2(struct xpv_flex *r, const void *a, size_t alen,
		    const void *b, size_t blen)
{
	uint32_t cons, prod;
	int err;

	if ((a == NULL && alen != 0) || (b == NULL && blen != 0))
		return -EINVAL;
	if (alen > r->size || blen > r->size - alen)
		return -EMSGSIZE;
	err = snapshot(r, &cons, &prod);
	if (err < 0)
		return err;
	/*
	 * cons before our data stores: pairs with the xpv_mb() the consumer
	 * does between reading data and storing cons in consume_commit(), so
	 * the space we overwrite has really been read.
	 */
	xpv_mb();
	if (r->size - (prod - cons) < alen + blen)
		return -EAGAIN;
	if (alen)
		copy_in(r, prod, a, alen);
	if (blen)
		copy_in(r, prod + (uint32_t)alen, b, blen);
	/*
	 * The data before prod: pairs with the xpv_rmb() the consumer does
	 * after loading prod in consume_prepare().
	 */
	xpv_wmb();
	xpv_write_once_u32(r->prod, prod + (uint32_t)(alen + blen));
	return 0;
}

int xpv_flex_write(struct xpv_flex *r, const void *buf, size_t len)
{
	return xpv_flex_write2(r, buf, len, NULL, 0);
}

int xpv_flex_peek_9p_header(const struct xpv_flex *r, struct xpv_9p_hdr *hdr)
{
	unsigned char b[XPV_9P_HDR_SIZE];
	uint32_t size;
	int err;

	if (hdr == NULL)
		return -EINVAL;
	err = xpv_flex_peek(r, b, sizeof(b));
	if (err < 0)
		return err;
	size = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
	if (size < XPV_9P_HDR_SIZE)
		return -EBADMSG;
	if (size > r->size)
		return -EMSGSIZE;
	hdr->size = size;
	hdr->type = b[4];
	hdr->tag = (uint16_t)(b[5] | b[6] << 8);
	return 0;
}

/* ---- the 9pfs interface page ---- */

int xpv_9pfs_intf_init(void *intf, unsigned int order, const uint32_t *refs)
{
	struct xen_9pfs_data_intf *p = intf;
	uint32_t i;

	if (p == NULL || refs == NULL || order < XPV_9PFS_MIN_ORDER ||
	    order > XPV_9PFS_MAX_ORDER)
		return -EINVAL;
	/* Not granted yet: no peer to order against. */
	memset(p, 0, XPV_9PFS_OFF_REF);
	p->ring_order = order;
	for (i = 0; i < (1u << order); i++)
		p->ref[i] = refs[i];
	return 0;
}

int xpv_9pfs_intf_read(const void *intf, unsigned int max_order,
		       uint32_t *refs)
{
	const struct xen_9pfs_data_intf *p = intf;
	uint32_t order, i;

	if (p == NULL || refs == NULL || max_order > XPV_9PFS_MAX_ORDER)
		return -EINVAL;
	order = xpv_read_once_u32(&p->ring_order);
	if (order < XPV_9PFS_MIN_ORDER || order > max_order)
		return -EINVAL;
	for (i = 0; i < (1u << order); i++)
		refs[i] = xpv_read_once_u32(&p->ref[i]);
	return (int)order;
}

int xpv_9pfs_rings(void *intf, void *data, unsigned int order,
		   struct xpv_flex *in, struct xpv_flex *out)
{
	struct xen_9pfs_data_intf *p = intf;
	unsigned char *d = data;
	uint32_t size;
	int err;

	if (p == NULL || order < XPV_9PFS_MIN_ORDER ||
	    order > XPV_9PFS_MAX_ORDER)
		return -EINVAL;
	size = XPV_FLEX_RING_SIZE(order);
	err = xpv_flex_init(in, &p->in_cons, &p->in_prod, d, size);
	if (err < 0)
		return err;
	return xpv_flex_init(out, &p->out_cons, &p->out_prod,
			     d == NULL ? NULL : d + size, size);
}
