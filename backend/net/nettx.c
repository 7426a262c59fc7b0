/* SPDX-License-Identifier: MIT */
/*
 * nettx.c - the netif TX request-chain parser (see nettx.h for the rules
 * and the Linux behaviour each one mirrors).
 *
 * Every slot is read once, from the caller's private copy, and only below
 * nr.  Sizes are 16-bit on the wire; the arithmetic on them is done in
 * unsigned int (offset + size cannot wrap) except the first slot's
 * remaining size, which wraps at 16 bits exactly as Linux's
 * `first->size -= txp->size` does: that wrap is what the "continuation
 * larger than what is left" rule catches.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "nettx.h"

_Static_assert(sizeof(struct netif_tx_request) == 12,
	       "a tx slot is 12 bytes");
_Static_assert(sizeof(struct netif_extra_info) == 8,
	       "an extra-info slot is the first 8 bytes of a tx slot");

static const char *const rule_names[XPVD_NETTX_RULE_MAX] = {
	[XPVD_NETTX_OK] = "ok",
	[XPVD_NETTX_EMPTY] = "empty",
	[XPVD_NETTX_F_RING] = "ring-overrun",
	[XPVD_NETTX_F_EXTRA_MISSING] = "extra-missing",
	[XPVD_NETTX_F_EXTRA_TYPE] = "extra-type",
	[XPVD_NETTX_F_PAST_PROD] = "past-prod",
	[XPVD_NETTX_F_SLOTS] = "fatal-slots",
	[XPVD_NETTX_F_CROSS_PAGE] = "cross-page",
	[XPVD_NETTX_F_FIRST_CROSS_PAGE] = "first-cross-page",
	[XPVD_NETTX_F_GSO_SIZE] = "gso-size",
	[XPVD_NETTX_F_GSO_TYPE] = "gso-type",
	[XPVD_NETTX_D_SLOTS] = "drop-slots",
	[XPVD_NETTX_D_SIZE] = "drop-size",
	[XPVD_NETTX_D_SHORT] = "drop-short",
};

const char *xpvd_nettx_rule_name(enum xpvd_nettx_rule rule)
{
	if ((unsigned int)rule >= XPVD_NETTX_RULE_MAX)
		return "?";
	return rule_names[rule];
}

bool xpvd_nettx_rule_fatal(enum xpvd_nettx_rule rule)
{
	return rule >= XPVD_NETTX_F_RING && rule <= XPVD_NETTX_F_GSO_TYPE;
}

int xpvd_nettx_pending(uint32_t req_prod, uint32_t req_cons,
		       unsigned int ring_size)
{
	uint32_t n = req_prod - req_cons;

	if (n > ring_size)
		return -EPROTO;
	return (int)n;
}

static int fatal(struct xpvd_nettx_pkt *pkt, enum xpvd_nettx_rule rule,
		 const char *why)
{
	pkt->rule = rule;
	pkt->why = why;
	return -EPROTO;
}

static int drop(struct xpvd_nettx_pkt *pkt, enum xpvd_nettx_rule rule,
		const char *why)
{
	pkt->rule = rule;
	pkt->why = why;
	return -EINVAL;
}

static void add_seg(struct xpvd_nettx_pkt *pkt,
		    const struct netif_tx_request *tx)
{
	struct xpvd_nettx_seg *s = &pkt->segs[pkt->nr_segs++];

	s->gref = tx->gref;
	s->offset = tx->offset;
	s->size = tx->size;
	s->id = tx->id;
	pkt->nr_slots++;
}

/*
 * The extra-info slots after the first, from *i on.  Keeps the last extra
 * of each type (as Linux does).  0, or -EPROTO.
 */
static int get_extras(const struct netif_tx_request *slots, unsigned int nr,
		      unsigned int *i, struct xpvd_nettx_pkt *pkt,
		      struct netif_extra_info *extras)
{
	struct netif_extra_info ex;

	do {
		if (*i >= nr)
			return fatal(pkt, XPVD_NETTX_F_EXTRA_MISSING,
				     "extra info flagged but not published");
		memcpy(&ex, &slots[*i], sizeof(ex));
		(*i)++;
		pkt->nr_extras++;
		pkt->nr_slots++;
		if (ex.type == XEN_NETIF_EXTRA_TYPE_NONE ||
		    ex.type >= XEN_NETIF_EXTRA_TYPE_MAX)
			return fatal(pkt, XPVD_NETTX_F_EXTRA_TYPE,
				     "invalid extra info type");
		extras[ex.type - 1] = ex;
	} while (ex.flags & XEN_NETIF_EXTRA_FLAG_MORE);
	return 0;
}

/*
 * The continuation slots, from *i on, while more_data says so.  *left is
 * the first slot's size, less each continuation's (16-bit wrap, as on the
 * wire).  Returns 0, -EINVAL (drop: every slot of the chain consumed) or
 * -EPROTO.
 */
static int get_chain(const struct netif_tx_request *slots, unsigned int nr,
		     unsigned int *i, struct xpvd_nettx_pkt *pkt,
		     uint16_t *left)
{
	enum xpvd_nettx_rule drop_rule = XPVD_NETTX_OK;
	const char *drop_why = NULL;
	struct netif_tx_request tx;
	unsigned int n = 0;	/* continuation slots read */

	do {
		if (*i >= nr)
			return fatal(pkt, XPVD_NETTX_F_PAST_PROD,
				     "more_data chain runs past req_prod");
		if (n >= XPVD_NETTX_FATAL_SLOTS)
			return fatal(pkt, XPVD_NETTX_F_SLOTS,
				     "22 or more slots: malicious frontend");
		if (!drop_rule && n >= XPVD_NETTX_LEGACY_SLOTS) {
			drop_rule = XPVD_NETTX_D_SLOTS;
			drop_why = "more than 19 slots";
		}
		tx = slots[*i];
		(*i)++;
		n++;
		if (!drop_rule && tx.size > *left) {
			drop_rule = XPVD_NETTX_D_SIZE;
			drop_why = "slot larger than what the frame's size "
				   "leaves (size wrapped)";
		}
		*left = (uint16_t)(*left - tx.size);
		add_seg(pkt, &tx);
		if ((unsigned int)tx.offset + tx.size > XPVD_NET_PAGE_SIZE)
			return fatal(pkt, XPVD_NETTX_F_CROSS_PAGE,
				     "slot crosses its page");
	} while (tx.flags & NETTXF_more_data);
	if (drop_rule)
		return drop(pkt, drop_rule, drop_why);
	return 0;
}

int xpvd_nettx_parse(const struct netif_tx_request *slots, unsigned int nr,
		     struct xpvd_nettx_pkt *pkt)
{
	struct netif_extra_info extras[XEN_NETIF_EXTRA_TYPE_MAX - 1];
	const struct netif_extra_info *e;
	struct netif_tx_request first;
	unsigned int i = 1;
	uint16_t left;
	int err;

	memset(pkt, 0, sizeof(*pkt));
	memset(extras, 0, sizeof(extras));
	if (nr == 0) {
		pkt->rule = XPVD_NETTX_EMPTY;
		pkt->why = "no request published";
		return -ENODATA;
	}
	first = slots[0];
	add_seg(pkt, &first);

	if (first.flags & NETTXF_extra_info) {
		err = get_extras(slots, nr, &i, pkt, extras);
		if (err)
			return err;
	}

	/* Multicast control: answered without a frame, and without looking
	 * at more_data (Linux goes on with the next slot as a new chain). */
	e = &extras[XEN_NETIF_EXTRA_TYPE_MCAST_ADD - 1];
	if (e->type) {
		pkt->kind = XPVD_NETTX_MCAST_ADD;
		memcpy(pkt->mcast, e->u.mcast.addr, sizeof(pkt->mcast));
		return 0;
	}
	e = &extras[XEN_NETIF_EXTRA_TYPE_MCAST_DEL - 1];
	if (e->type) {
		pkt->kind = XPVD_NETTX_MCAST_DEL;
		memcpy(pkt->mcast, e->u.mcast.addr, sizeof(pkt->mcast));
		return 0;
	}

	left = first.size;
	if (first.flags & NETTXF_more_data) {
		err = get_chain(slots, nr, &i, pkt, &left);
		if (err)
			return err;
	}
	/* The first slot carries what the continuations leave. */
	pkt->segs[0].size = left;
	if (left < XPVD_NET_ETH_HLEN)
		return drop(pkt, XPVD_NETTX_D_SHORT,
			    "first slot shorter than an Ethernet header");
	if ((unsigned int)first.offset + left > XPVD_NET_PAGE_SIZE)
		return fatal(pkt, XPVD_NETTX_F_FIRST_CROSS_PAGE,
			     "first slot crosses its page");

	e = &extras[XEN_NETIF_EXTRA_TYPE_GSO - 1];
	if (e->type) {
		if (e->u.gso.size == 0)
			return fatal(pkt, XPVD_NETTX_F_GSO_SIZE,
				     "GSO size 0");
		if (e->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 &&
		    e->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6)
			return fatal(pkt, XPVD_NETTX_F_GSO_TYPE,
				     "bad GSO type");
		pkt->off.gso_type = e->u.gso.type;
		pkt->off.gso_size = e->u.gso.size;
	}
	e = &extras[XEN_NETIF_EXTRA_TYPE_HASH - 1];
	if (e->type) {
		pkt->has_hash = true;
		pkt->hash_type = e->u.hash.type;
		pkt->hash_alg = e->u.hash.algorithm;
		memcpy(pkt->hash, e->u.hash.value, sizeof(pkt->hash));
	}

	pkt->off.flags = first.flags &
			 (NETTXF_csum_blank | NETTXF_data_validated);
	pkt->kind = XPVD_NETTX_PACKET;
	pkt->len = first.size;
	return 0;
}
