/* SPDX-License-Identifier: MIT */
/*
 * netcsum.c - checksum and GSO offload between netif and the virtio-net
 * header (see netcsum.h for the rules and where they come from).
 *
 * The header walk reads bytes only after need() said they are there: in
 * the frame (else the headers are truncated: -EPROTO) and in the caller's
 * copy (else -ENOBUFS).  Offsets are unsigned int and bounded by the IPv6
 * walk's 256-byte start limit, so they cannot wrap.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <linux/if_ether.h>
#include <netinet/in.h>

#include "netcsum.h"

#define IPV4_HLEN 20u
#define IPV6_HLEN 40u
#define TCP_HLEN 20u
#define UDP_HLEN 8u
#define TCP_CSUM_OFF 16u
#define UDP_CSUM_OFF 6u
/* Extension headers must start within this many bytes of the IPv6
 * header (Linux's MAX_IPV6_HDR_LEN in skb_checksum_setup_ipv6()). */
#define IPV6_EXT_LIMIT 256u
#define GSO_BY_FRAGS 0xffffu

/* The bytes the walk may read. */
struct frame {
	const uint8_t *p;
	size_t have;		/* in the copy and in the frame */
	uint32_t len;		/* the frame's length */
};

static unsigned int be16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/* 0 when bytes [0, end) can be read. */
static int need(const struct frame *f, unsigned int end, const char **why)
{
	if (end <= f->have)
		return 0;
	if (end > f->len) {
		*why = "headers truncated by the end of the frame";
		return -EPROTO;
	}
	*why = "headers go on beyond the bytes given";
	return -ENOBUFS;
}

/* IPv4: the L4 protocol and its offset from the frame's start. */
static int walk_ipv4(const struct frame *f, unsigned int *l4,
		     uint8_t *proto, const char **why)
{
	const uint8_t *ip = f->p + ETH_HLEN;
	unsigned int ihl;
	int err;

	err = need(f, ETH_HLEN + IPV4_HLEN, why);
	if (err)
		return err;
	if (ip[0] >> 4 != 4) {
		*why = "IPv4 ethertype, other IP version";
		return -EPROTO;
	}
	ihl = (ip[0] & 0xfu) * 4;
	if (ihl < IPV4_HLEN) {
		*why = "IPv4 header length under 20";
		return -EPROTO;
	}
	/* More fragments, or a fragment offset. */
	if (be16(ip + 6) & 0x3fffu) {
		*why = "IPv4 fragment";
		return -EPROTO;
	}
	*proto = ip[9];
	*l4 = ETH_HLEN + ihl;
	return 0;
}

/* IPv6: the extension headers Linux walks, then the L4 protocol. */
static int walk_ipv6(const struct frame *f, unsigned int *l4,
		     uint8_t *proto, const char **why)
{
	const uint8_t *ip = f->p + ETH_HLEN;
	unsigned int off = IPV6_HLEN, end, size;
	bool done = false, fragment = false;
	uint8_t next;
	int err;

	err = need(f, ETH_HLEN + IPV6_HLEN, why);
	if (err)
		return err;
	if (ip[0] >> 4 != 6) {
		*why = "IPv6 ethertype, other IP version";
		return -EPROTO;
	}
	next = ip[6];
	/* Linux stops where the payload length says the packet ends. */
	end = IPV6_HLEN + be16(ip + 4);
	while (off <= end && !done) {
		switch (next) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_AH:
		case IPPROTO_FRAGMENT:
			size = next == IPPROTO_AH ? 12 :
			       next == IPPROTO_FRAGMENT ? 8 : 2;
			if (off + size > IPV6_EXT_LIMIT) {
				*why = "IPv6 extension header beyond 256 bytes";
				return -EPROTO;
			}
			err = need(f, ETH_HLEN + off + size, why);
			if (err)
				return err;
			break;
		default:
			done = true;
			continue;
		}
		switch (next) {
		case IPPROTO_AH:
			next = ip[off];
			off += (ip[off + 1] + 2u) * 4;
			break;
		case IPPROTO_FRAGMENT:
			/* Offset (high 13 bits) or more-fragments (bit 0). */
			if (be16(ip + off + 2) & 0xfff9u)
				fragment = true;
			next = ip[off];
			off += 8;
			break;
		default:
			next = ip[off];
			off += (ip[off + 1] + 1u) * 8;
			break;
		}
	}
	if (!done) {
		*why = "IPv6 extension headers run past the payload length";
		return -EPROTO;
	}
	if (fragment) {
		*why = "IPv6 fragment";
		return -EPROTO;
	}
	*proto = next;
	*l4 = ETH_HLEN + off;
	return 0;
}

/* The one's complement sum of len bytes (len even) into sum. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i += 2)
		sum += be16(p + i);
	return sum;
}

/* The pseudo-header sum (folded, not complemented): what the L4
 * checksum field holds for CHECKSUM_PARTIAL. */
static unsigned int pseudo_sum(const struct frame *f, bool v6, uint8_t proto,
			       uint32_t l4_len)
{
	const uint8_t *ip = f->p + ETH_HLEN;
	uint32_t sum;

	if (v6)
		sum = sum16(0, ip + 8, 32);
	else
		sum = sum16(0, ip + 12, 8);
	sum += proto + (l4_len >> 16) + (l4_len & 0xffffu);
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return sum;
}

int xpvd_netcsum_tx(const uint8_t *hdr, size_t hdr_len, uint32_t frame_len,
		    const struct xpvd_net_txoff *off, struct xpvd_net_vhdr *out,
		    const char **why)
{
	struct frame f = {
		.p = hdr,
		.have = hdr_len < frame_len ? hdr_len : frame_len,
		.len = frame_len,
	};
	bool csum = off->flags & NETTXF_csum_blank;
	bool gso = off->gso_type != XEN_NETIF_GSO_TYPE_NONE;
	unsigned int l4, thlen, doff, ethertype, sum;
	uint8_t proto = 0;
	bool v6;
	int err;

	memset(out, 0, sizeof(*out));
	if (!csum && !gso)
		return 0;

	err = need(&f, ETH_HLEN, why);
	if (err)
		return err;
	ethertype = be16(hdr + 12);
	if (ethertype == ETH_P_IP) {
		v6 = false;
		err = walk_ipv4(&f, &l4, &proto, why);
	} else if (ethertype == ETH_P_IPV6) {
		v6 = true;
		err = walk_ipv6(&f, &l4, &proto, why);
	} else {
		*why = "checksum offload on a frame that is not IPv4 or IPv6";
		return -EPROTO;
	}
	if (err)
		return err;
	if (proto == IPPROTO_TCP) {
		thlen = TCP_HLEN;
		out->vh.csum_offset = TCP_CSUM_OFF;
	} else if (proto == IPPROTO_UDP) {
		thlen = UDP_HLEN;
		out->vh.csum_offset = UDP_CSUM_OFF;
	} else {
		*why = "checksum offload on a protocol other than TCP or UDP";
		return -EPROTO;
	}
	err = need(&f, l4 + thlen, why);
	if (err)
		return err;

	if (gso) {
		if (proto != IPPROTO_TCP ||
		    (off->gso_type == XEN_NETIF_GSO_TYPE_TCPV4 && v6) ||
		    (off->gso_type == XEN_NETIF_GSO_TYPE_TCPV6 && !v6) ||
		    (off->gso_type != XEN_NETIF_GSO_TYPE_TCPV4 &&
		     off->gso_type != XEN_NETIF_GSO_TYPE_TCPV6)) {
			*why = "GSO type does not match the headers";
			return -EINVAL;
		}
		if (off->gso_size == 0 || off->gso_size == GSO_BY_FRAGS) {
			*why = "GSO size 0 or 0xffff";
			return -EINVAL;
		}
		doff = (hdr[l4 + 12] >> 4) * 4u;
		if (doff < TCP_HLEN) {
			*why = "TCP data offset under 20 on a GSO frame";
			return -EINVAL;
		}
		if (l4 + doff > frame_len) {
			*why = "TCP header longer than the GSO frame";
			return -EINVAL;
		}
		out->vh.gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
					VIRTIO_NET_HDR_GSO_TCPV4;
		out->vh.gso_size = off->gso_size;
		out->vh.hdr_len = (uint16_t)(l4 + doff);
	}
	out->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	out->vh.csum_start = (uint16_t)l4;
	out->l3_off = ETH_HLEN;
	out->l4_off = (uint16_t)l4;
	out->l4_proto = proto;
	if (!csum) {
		/* GSO without csum_blank: Linux makes it CHECKSUM_PARTIAL
		 * and recomputes the pseudo-header sum (checksum_setup()). */
		sum = pseudo_sum(&f, v6, proto, frame_len - l4);
		out->fix = true;
		out->fix_off = (uint16_t)(l4 + out->vh.csum_offset);
		out->fix_val[0] = (uint8_t)(sum >> 8);
		out->fix_val[1] = (uint8_t)sum;
	}
	return 0;
}

int xpvd_netcsum_rx(const struct virtio_net_hdr *vh,
		    const struct xpvd_netrx_feat *feat, uint16_t *rxflags,
		    struct netif_extra_info *extra)
{
	uint8_t type;

	*rxflags = 0;
	memset(extra, 0, sizeof(*extra));
	if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (!feat->csum)
			return -EOPNOTSUPP;
		*rxflags = NETRXF_csum_blank | NETRXF_data_validated;
	} else if (vh->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		*rxflags = NETRXF_data_validated;
	}

	switch (vh->gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return 0;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		if (!feat->gso_tcpv4)
			return -EOPNOTSUPP;
		type = XEN_NETIF_GSO_TYPE_TCPV4;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		if (!feat->gso_tcpv6)
			return -EOPNOTSUPP;
		type = XEN_NETIF_GSO_TYPE_TCPV6;
		break;
	default:		/* UDP, ECN, anything newer */
		return -EOPNOTSUPP;
	}
	/* Linux netfront refuses a GSO extra of size 0. */
	if (vh->gso_size == 0)
		return -EINVAL;
	extra->type = XEN_NETIF_EXTRA_TYPE_GSO;
	extra->flags = 0;
	extra->u.gso.size = vh->gso_size;
	extra->u.gso.type = type;
	extra->u.gso.pad = 0;
	extra->u.gso.features = 0;
	return 1;
}
