/* SPDX-License-Identifier: MIT */
/*
 * netcsum.h - checksum and segmentation offload between netif and the
 * virtio-net header of a TAP device (IFF_VNET_HDR), as pure functions.
 *
 * TX (guest to host): netif tells only "checksum blank" and a GSO type and
 * size; a TAP wants csum_start and csum_offset.  xpvd_netcsum_tx() finds
 * them in the frame's headers the way Linux netback's checksum_setup()
 * (skb_checksum_setup(), net/core/skbuff.c) does: Ethernet II, then IPv4
 * (with options; not a fragment) or IPv6 (hop-by-hop, routing,
 * destination options, AH and fragment headers; not a fragment), then TCP
 * (checksum at 16) or UDP (at 6).  Anything else with csum_blank or GSO,
 * and truncated headers, is refused: the frame is dropped, as Linux drops
 * it (its slots are still answered OKAY, see nettx.h).
 * Where Linux is looser we refuse too, each time a frame the host stack
 * (or tun's own checks, virtio_net_hdr_to_skb()) would refuse later:
 *   - an IP header whose version is wrong, or IPv4 with ihl < 5;
 *   - a GSO type that does not match the headers (TCPV4 needs IPv4 and
 *     TCP, TCPV6 IPv6 and TCP);
 *   - a GSO TCP header with doff < 5, or one longer than the frame;
 *   - gso_size 0xffff (GSO_BY_FRAGS, which tun refuses).
 * As in Linux, a GSO frame without csum_blank is made CHECKSUM_PARTIAL:
 * the L4 checksum field must then hold the pseudo-header sum, which the
 * result gives for the caller to store (the fix_* fields).
 * data_validated alone gives no flag: a driver must not set
 * VIRTIO_NET_HDR_F_DATA_VALID (virtio 1.x, 5.1.6.2) and tun ignores it,
 * so the host checks such a frame's checksum itself.
 *
 * RX (host to guest): xpvd_netcsum_rx() turns the virtio-net header the
 * TAP gave into the flags of the first rx response and the GSO extra, as
 * Linux netback's rx path does from the skb (rx.c).
 *
 * The TAP's vnet header: these functions use struct virtio_net_hdr (10
 * bytes, fields in host byte order, tun's default).  The worker may set
 * TUNSETVNETHDRSZ to 12 and read/write struct virtio_net_hdr_mrg_rxbuf,
 * whose first 10 bytes are this header (num_buffers is 0 on TX, ignored
 * on RX): the offsets here do not change.
 *
 * No allocation, no logging; the header bytes are a private copy.
 */
#ifndef XENPVD_BACKEND_NETCSUM_H
#define XENPVD_BACKEND_NETCSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_net.h>
#include <xen/io/netif.h>

/*
 * Header bytes that always suffice: Ethernet (14), then the furthest a TCP
 * header can start and still be found, 2300 bytes into the IPv6 header,
 * plus the 20-byte TCP header.  An extension header must start within the
 * first 256 bytes (Linux's MAX_IPV6_HDR_LEN) with its first 2 bytes, and
 * extension headers are multiples of 4 bytes long, so the last starts at
 * 252 at most; it may be 2048 bytes long.
 */
#define XPVD_NETCSUM_HDR_MAX (14u + 252u + 2048u + 20u)

/* What a tx frame asks of the host: the first slot's flags and its GSO
 * extra. */
struct xpvd_net_txoff {
	uint16_t flags;		/* NETTXF_csum_blank, NETTXF_data_validated */
	uint8_t gso_type;	/* XEN_NETIF_GSO_TYPE_NONE, _TCPV4 or _TCPV6 */
	uint16_t gso_size;	/* nonzero when gso_type is */
};

/* The virtio-net header for a tx frame, and what to store in the frame. */
struct xpvd_net_vhdr {
	struct virtio_net_hdr vh;
	/* When fix: store fix_val (network byte order) at frame bytes
	 * [fix_off, fix_off + 2), the L4 checksum field. */
	bool fix;
	uint16_t fix_off;
	uint8_t fix_val[2];
	/* Where the headers were found (also on success without offload:
	 * 0 then). */
	uint16_t l3_off;	/* 14 */
	uint16_t l4_off;	/* csum_start */
	uint8_t l4_proto;	/* IPPROTO_TCP or IPPROTO_UDP */
};

/*
 * The virtio-net header for a tx frame of frame_len bytes whose first
 * hdr_len bytes are hdr[] (a private copy; hdr_len may exceed frame_len,
 * the rest is ignored).  *out is filled on success.  Returns
 *   0         ok;
 *   -ENOBUFS  the headers go on beyond hdr_len: call again with more bytes
 *             (never when hdr_len >= min(frame_len, XPVD_NETCSUM_HDR_MAX));
 *   -EPROTO   drop: not Ethernet II + IPv4/IPv6 + TCP/UDP, a fragment,
 *             headers truncated by the frame's end, a bad IP header;
 *   -EINVAL   drop: the GSO request does not fit the headers, or is one
 *             tun refuses.
 * *why names the rule on error.
 */
int xpvd_netcsum_tx(const uint8_t *hdr, size_t hdr_len, uint32_t frame_len,
		    const struct xpvd_net_txoff *off, struct xpvd_net_vhdr *out,
		    const char **why);

/* What the frontend negotiated for its receive side. */
struct xpvd_netrx_feat {
	bool csum;		/* takes csum_blank (not no-csum-offload) */
	bool gso_tcpv4;		/* feature-gso-tcpv4 */
	bool gso_tcpv6;		/* feature-gso-tcpv6 */
};

/*
 * From the virtio-net header of a frame read from the TAP: *rxflags gets
 * the first rx response's checksum flags (NETRXF_csum_blank |
 * NETRXF_data_validated for NEEDS_CSUM, NETRXF_data_validated for
 * DATA_VALID, else 0), and *extra the GSO extra when there is one.
 * Returns 1 with *extra filled (one extra slot, after the first data
 * slot), 0 without, -EOPNOTSUPP when the frame needs an offload the
 * frontend did not negotiate or netif cannot carry (UDP, ECN, an unknown
 * GSO type; the TAP's offloads, TUNSETOFFLOAD, should make this never
 * happen), -EINVAL for a GSO frame of gso_size 0.  Drop the frame on
 * error.
 */
int xpvd_netcsum_rx(const struct virtio_net_hdr *vh,
		    const struct xpvd_netrx_feat *feat, uint16_t *rxflags,
		    struct netif_extra_info *extra);

#endif /* XENPVD_BACKEND_NETCSUM_H */
