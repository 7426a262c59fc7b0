/* SPDX-License-Identifier: MIT */
/*
 * net-wire.c - the netif wire rules of the frontend, as pure functions on
 * private copies (net-front.h): reassembling a received frame from its rx
 * slots, and laying out the tx slots of a frame to send.
 *
 * Guarantees: every field is read from the caller's private copy, once
 * checked never trusted again from shared memory; nothing here allocates,
 * logs or keeps state.  The rx rules are those Linux xen-netfront applies
 * (xennet_get_responses, xennet_get_extras, xennet_set_skb_gso): a frame
 * with a bad slot is dropped whole, after its chain has been walked to its
 * end, so that the next frame starts where the backend meant it to.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "net-front.h"

/* Checks one data slot; NULL when fine, else the rule it breaks. */
static const char *data_slot_bad(const struct netif_rx_response *r)
{
	if (r->status < 0)
		return "error status";
	if (r->offset >= XPV_PAGE_SIZE)
		return "offset past the page";
	if ((uint32_t)r->offset + (uint32_t)r->status > XPV_PAGE_SIZE)
		return "data past the page";
	return NULL;
}

enum net_rx_verdict net_rx_parse(const union net_rx_copy *s, uint32_t avail,
				 const uint16_t *ids, uint32_t max_chain,
				 struct net_rx_frame *f)
{
	const struct netif_extra_info *x;
	const struct netif_rx_response *r;
	const char *bad = NULL;
	uint32_t i = 0, len = 0;
	uint16_t flags;
	bool more;

	memset(f, 0, sizeof(*f));
	if (!avail)
		return NET_RX_INCOMPLETE;
	/* The first data slot: it carries the frame's flags. */
	r = &s[0].rsp;
	if (r->id != ids[0]) {
		f->why = "response id is not the buffer of its slot";
		return NET_RX_BROKEN;
	}
	flags = r->flags;
	bad = data_slot_bad(r);
	if (!bad) {
		f->data[f->ndata++] = 0;
		len = (uint32_t)r->status;
	}
	i = 1;
	/* Extra-info slots follow the first data slot, each saying whether
	 * another follows.  They take a posted buffer but carry no id. */
	more = flags & NETRXF_extra_info;
	while (more) {
		if (i >= max_chain) {
			f->why = "extra-info chain longer than the buffers";
			return NET_RX_BROKEN;
		}
		if (i >= avail)
			return NET_RX_INCOMPLETE;
		x = &s[i++].extra;
		more = x->flags & XEN_NETIF_EXTRA_FLAG_MORE;
		if (x->type == XEN_NETIF_EXTRA_TYPE_NONE ||
		    x->type >= XEN_NETIF_EXTRA_TYPE_MAX) {
			if (!bad)
				bad = "unknown extra-info type";
			continue;
		}
		if (x->type != XEN_NETIF_EXTRA_TYPE_GSO)
			continue; /* multicast, hash: nothing for us */
		if (x->u.gso.size == 0) {
			if (!bad)
				bad = "GSO size 0";
		} else if (x->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 &&
			   x->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6) {
			if (!bad)
				bad = "unknown GSO type";
		} else {
			f->gso_type = x->u.gso.type;
			f->gso_size = x->u.gso.size;
		}
	}
	/* Then data slots while the last one says more_data. */
	more = flags & NETRXF_more_data;
	while (more) {
		if (i >= max_chain) {
			f->why = "frame chain longer than the buffers";
			return NET_RX_BROKEN;
		}
		if (i >= avail)
			return NET_RX_INCOMPLETE;
		r = &s[i].rsp;
		if (r->id != ids[i]) {
			f->why = "response id is not the buffer of its slot";
			return NET_RX_BROKEN;
		}
		more = r->flags & NETRXF_more_data;
		if (!bad)
			bad = data_slot_bad(r);
		if (!bad && f->ndata == XPVF_NET_MAX_SLOTS)
			bad = "too many slots";
		if (!bad) {
			f->data[f->ndata++] = i;
			len += (uint32_t)r->status;
		}
		i++;
	}
	f->nslots = i;
	if (!bad && i > XPVF_NET_MAX_SLOTS)
		bad = "too many slots";
	if (!bad && len < NET_ETH_HLEN)
		bad = "shorter than an Ethernet header";
	if (bad) {
		f->why = bad;
		f->ndata = 0;
		return NET_RX_DROP;
	}
	f->len = len;
	if (flags & NETRXF_csum_blank)
		f->flags |= XPVF_NET_CSUM_BLANK;
	if (flags & NETRXF_data_validated)
		f->flags |= XPVF_NET_DATA_VALIDATED;
	return NET_RX_FRAME;
}

int net_tx_layout(union net_tx_slot *out, size_t len, unsigned int flags,
		  unsigned int gso_type, unsigned int gso_size,
		  const xpv_gref_t *refs, const uint16_t *ids)
{
	uint32_t ndata, d, n = 0;
	size_t left;

	if (len < NET_ETH_HLEN)
		return -EINVAL;
	if (len > XPVF_NET_MAX_FRAME)
		return -EMSGSIZE;
	if (gso_type != XPVF_NET_GSO_NONE &&
	    ((gso_type != XPVF_NET_GSO_TCPV4 &&
	      gso_type != XPVF_NET_GSO_TCPV6) ||
	     gso_size == 0 || gso_size > UINT16_MAX))
		return -EINVAL;
	ndata = net_tx_data_slots(len);
	if (ndata + (gso_type ? 1 : 0) > XPVF_NET_MAX_SLOTS)
		return -EMSGSIZE;

	memset(out, 0, sizeof(*out) * (ndata + (gso_type ? 1 : 0)));
	left = len;
	for (d = 0; d < ndata; d++) {
		struct netif_tx_request *t = &out[n].req;

		t->gref = refs[d];
		t->offset = 0;
		t->id = ids[d];
		/* The first slot's size is the whole frame's. */
		t->size = (uint16_t)(d == 0 ? len :
				     left < XPV_PAGE_SIZE ? left :
							    XPV_PAGE_SIZE);
		if (d + 1 < ndata)
			t->flags |= NETTXF_more_data;
		if (d == 0) {
			/* A GSO frame's checksum is always left to the
			 * segmenter, as Linux netfront's is (partial). */
			if ((flags & XPVF_NET_CSUM_BLANK) || gso_type)
				t->flags |= NETTXF_csum_blank |
					    NETTXF_data_validated;
			if (gso_type)
				t->flags |= NETTXF_extra_info;
		}
		left -= left < XPV_PAGE_SIZE ? left : XPV_PAGE_SIZE;
		n++;
		if (d == 0 && gso_type) {
			struct netif_extra_info *x = &out[n++].extra;

			x->type = XEN_NETIF_EXTRA_TYPE_GSO;
			x->flags = 0;
			x->u.gso.size = (uint16_t)gso_size;
			x->u.gso.type = (uint8_t)gso_type;
		}
	}
	return (int)n;
}
