/* SPDX-License-Identifier: MIT */
/*
 * nettx.h - the netif TX (guest to host) request-chain parser, as pure
 * functions.
 *
 * A frontend sends a frame as a chain of tx ring slots: the first slot,
 * whose `size` is the length of the whole frame; when it has
 * NETTXF_extra_info, extra-info slots right after it (each with
 * XEN_NETIF_EXTRA_FLAG_MORE if another follows); then, while a data slot
 * has NETTXF_more_data, one more data slot.  xpvd_nettx_parse() turns the
 * slots of one chain into a descriptor of the frame (its data segments,
 * length, checksum flags, GSO request) or says what Linux netback would
 * do with it instead.
 *
 * Everything here works on private copies: the caller (the net worker)
 * copies the published slots out of the shared ring once, then parses
 * packet after packet from that copy.  The parser reads only the `nr`
 * slots it is given, which must be exactly those the frontend published
 * (req_prod - req_cons, checked with xpvd_nettx_pending()).  No
 * allocation, no logging, no global state.
 *
 * Verdicts, and the Linux netback behaviour each mirrors
 * (drivers/net/xen-netback/netback.c):
 *
 *   rule                          verdict  Linux
 *   req_prod - req_cons > ring    fatal    xenvif_tx_build_gops
 *                                          "Impossible number of requests"
 *   extra flag, no slot left      fatal    xenvif_get_extras
 *                                          "Missing extra info"
 *   extra type 0 or >= TYPE_MAX   fatal    xenvif_get_extras
 *                                          "Invalid extra type"
 *   chain runs past req_prod      fatal    xenvif_count_requests
 *                                          "Asked for %d slots"
 *   22 or more slots (more than   fatal    xenvif_count_requests,
 *   20 after the first)                    fatal_skb_slots (default 20)
 *   a continuation slot crossing  fatal    xenvif_count_requests
 *   its page (offset+size > 4096)          "Cross page boundary"
 *   20 or 21 slots (19 or 20      drop     xenvif_count_requests,
 *   after the first)                       XEN_NETBK_LEGACY_SLOTS_MAX (18)
 *   a continuation larger than    drop     xenvif_count_requests: the first
 *   what the first slot's size             slot's u16 size wrapped (frames
 *   leaves (the u16 wrap)                  of 64 KiB or more; not fatal,
 *                                          buggy frontends do it)
 *   first slot's own data under   drop     xenvif_tx_build_gops
 *   ETH_HLEN (14) bytes                    "Bad packet size"
 *   the first slot crossing its   fatal    xenvif_tx_build_gops
 *   page                                   "Cross page boundary"
 *   GSO extra with size 0         fatal    xenvif_set_skb_gso
 *   GSO extra, type not TCPV4/6   fatal    xenvif_set_skb_gso "Bad GSO type"
 *   MCAST_ADD / MCAST_DEL extra   control  xenvif_tx_build_gops: answered,
 *                                          no frame; the slots after the
 *                                          extras are not part of it
 *   zero-size continuation slots  ok       answered OKAY, carry no data
 *   anything else                 ok
 *
 * The checks run in Linux's order, so a chain breaking several rules gets
 * the verdict Linux gives: extras first, then the chain slot by slot (a
 * fatal rule met after a drop rule is still fatal), then the first slot,
 * then the GSO extra.  A drop consumes the whole chain.
 *
 * How to answer (one tx response per consumed slot, in ring order):
 *   - the first slot: its id, with XEN_NETIF_RSP_OKAY, or _ERROR on a drop;
 *   - the nr_extras extra-info slots after it: XEN_NETIF_RSP_NULL;
 *   - each continuation slot: its id, OKAY (ERROR on a drop).
 * A frame dropped later (checksum setup, netcsum.h) is answered OKAY, as
 * Linux answers it: its slots were taken before the stack refused it.
 * On a fatal verdict the caller stops serving the vif (Linux:
 * xenvif_fatal_tx_err) and answers nothing.
 */
#ifndef XENPVD_BACKEND_NETTX_H
#define XENPVD_BACKEND_NETTX_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/io/netif.h>

#include "netcsum.h"

/* The page a tx slot's data lies in (XEN_PAGE_SIZE). */
#define XPVD_NET_PAGE_SIZE 4096u
/* The Ethernet header: the least the first slot must carry. */
#define XPVD_NET_ETH_HLEN 14u

/* Slots after the first that a frame may use: 18, so 19 in all
 * (XEN_NETBK_LEGACY_SLOTS_MAX, the historical MAX_SKB_FRAGS). */
#define XPVD_NETTX_LEGACY_SLOTS XEN_NETIF_NR_SLOTS_MIN
/* Slots after the first from which a chain is malicious: Linux reads at
 * most 20 and stops the vif when the 20th still has more_data
 * (fatal_skb_slots). */
#define XPVD_NETTX_FATAL_SLOTS 20u
/* The most data slots a descriptor can list: a dropped chain of 1 + 20. */
#define XPVD_NETTX_MAX_SEGS (1u + XPVD_NETTX_FATAL_SLOTS)

/* One data slot of a frame. */
struct xpvd_nettx_seg {
	uint32_t gref;
	uint16_t offset;	/* in the granted page */
	uint16_t size;		/* bytes of the frame it carries; may be 0 */
	uint16_t id;		/* for the response */
};

enum xpvd_nettx_kind {
	XPVD_NETTX_PACKET,	/* a frame to send */
	XPVD_NETTX_MCAST_ADD,	/* multicast control: mcast[] to add */
	XPVD_NETTX_MCAST_DEL,	/* ... to delete */
};

/* Which rule decided (the table above).  Stable names for tests. */
enum xpvd_nettx_rule {
	XPVD_NETTX_OK = 0,
	XPVD_NETTX_EMPTY,		/* nothing published */
	/* fatal */
	XPVD_NETTX_F_RING,		/* more published than the ring holds */
	XPVD_NETTX_F_EXTRA_MISSING,
	XPVD_NETTX_F_EXTRA_TYPE,
	XPVD_NETTX_F_PAST_PROD,		/* chain past req_prod */
	XPVD_NETTX_F_SLOTS,		/* >= 22 slots */
	XPVD_NETTX_F_CROSS_PAGE,	/* a continuation slot */
	XPVD_NETTX_F_FIRST_CROSS_PAGE,
	XPVD_NETTX_F_GSO_SIZE,
	XPVD_NETTX_F_GSO_TYPE,
	/* drop */
	XPVD_NETTX_D_SLOTS,		/* 20 or 21 slots */
	XPVD_NETTX_D_SIZE,		/* continuation > size left (wrap) */
	XPVD_NETTX_D_SHORT,		/* first slot under ETH_HLEN */
	XPVD_NETTX_RULE_MAX
};

/* One chain, parsed. */
struct xpvd_nettx_pkt {
	enum xpvd_nettx_kind kind;
	enum xpvd_nettx_rule rule;	/* XPVD_NETTX_OK when accepted */
	const char *why;		/* the rule's message; NULL when ok */
	/* Ring slots this chain consumed, nr_segs + nr_extras: advance
	 * req_cons by it and answer each once (see the top of this file). */
	unsigned int nr_slots;
	unsigned int nr_extras;		/* extra-info slots after the first */
	unsigned int nr_segs;		/* data slots: segs[0] is the first */
	/* For a PACKET: the frame's length, which is the first slot's size
	 * and the sum of segs[].size; every segment lies in its page. */
	uint32_t len;
	/* Checksum flags of the first slot and the GSO extra, for
	 * xpvd_netcsum_tx(). */
	struct xpvd_net_txoff off;
	uint8_t mcast[6];		/* MCAST_ADD/DEL: the address */
	bool has_hash;			/* a HASH extra came (informative) */
	uint8_t hash_type, hash_alg;
	uint8_t hash[4];
	struct xpvd_nettx_seg segs[XPVD_NETTX_MAX_SEGS];
};

/*
 * The number of slots the frontend published and the backend has not
 * consumed, req_prod - req_cons (free-running indices), or -EPROTO when
 * that is more than the ring's ring_size slots: a fatal error (an index
 * behind req_cons shows as a huge count too).  Read req_prod once, then
 * issue a read barrier before copying the slots.
 */
int xpvd_nettx_pending(uint32_t req_prod, uint32_t req_cons,
		       unsigned int ring_size);

/*
 * Parses the chain that starts at slots[0], reading nothing beyond
 * slots[nr - 1]: slots[] are private copies of the nr slots from req_cons
 * on that the frontend published (extra-info slots included, as the ring
 * holds them: struct netif_extra_info in the first 8 bytes of a slot).
 * Fills *pkt in every case (rule, why, nr_slots and the segments' ids on
 * a drop).  Returns
 *   0        a frame (pkt->kind PACKET) or a multicast control;
 *   -EINVAL  drop: answer every consumed slot with XEN_NETIF_RSP_ERROR
 *            (extras RSP_NULL) and go on with the next chain;
 *   -EPROTO  fatal: stop serving the vif;
 *   -ENODATA nr is 0.
 */
int xpvd_nettx_parse(const struct netif_tx_request *slots, unsigned int nr,
		     struct xpvd_nettx_pkt *pkt);

/* True when a rule stops the vif. */
bool xpvd_nettx_rule_fatal(enum xpvd_nettx_rule rule);

/* A short name for a rule ("ok", "past-prod", ...), for logs and tests. */
const char *xpvd_nettx_rule_name(enum xpvd_nettx_rule rule);

#endif /* XENPVD_BACKEND_NETTX_H */
