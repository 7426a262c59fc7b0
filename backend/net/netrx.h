/* SPDX-License-Identifier: MIT */
/*
 * netrx.h - where a frame read from the TAP goes in the rx ring: the slot
 * plan, as a pure function.
 *
 * The frontend posts one page-sized buffer per rx request.  A frame fills
 * them in order, each up to its page's end, starting at offset 0 (no XDP
 * headroom: the backend does not offer feature-xdp-headroom): an MTU-sized
 * frame takes one slot, a 64 KiB GSO frame 16.  The GSO extra, when there
 * is one, takes the slot right after the first data slot (Linux netback,
 * rx.c: "Extras must go after the first data slot"), and its response is
 * the struct netif_extra_info itself.  Every response sits in the ring
 * slot of its request (Linux netfront ignores the id).
 *
 * Flags of the responses: the first data slot carries the checksum flags
 * (xpvd_netcsum_rx()) and NETRXF_extra_info when an extra follows; every
 * data slot but the last carries NETRXF_more_data.  A data response's
 * offset is 0 and its status the slot's length.
 *
 * Linux netfront refuses a frame of more than XEN_NETIF_NR_SLOTS_MIN (18)
 * data slots, so frames longer than 18 pages cannot be sent.
 */
#ifndef XENPVD_BACKEND_NETRX_H
#define XENPVD_BACKEND_NETRX_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/io/netif.h>

/* Data slots a frame may take, and ring slots with the GSO extra. */
#define XPVD_NETRX_MAX_DATA_SLOTS XEN_NETIF_NR_SLOTS_MIN
#define XPVD_NETRX_MAX_SLOTS (XPVD_NETRX_MAX_DATA_SLOTS + 1u)
/* The longest frame, in bytes. */
#define XPVD_NETRX_MAX_LEN (XPVD_NETRX_MAX_DATA_SLOTS * 4096u)

/* One ring slot of a frame, in ring order. */
struct xpvd_netrx_slot {
	bool extra;		/* the GSO extra slot: no data */
	uint16_t flags;		/* NETRXF_* of a data response */
	uint16_t len;		/* data bytes (the status), 1..4096 */
	uint32_t frame_off;	/* where those bytes start in the frame */
};

/*
 * The number of ring slots (posted rx requests) a frame of len bytes
 * takes, with one more for a GSO extra; 0 when it cannot be sent (len 0
 * or above XPVD_NETRX_MAX_LEN).
 */
unsigned int xpvd_netrx_nr_slots(uint32_t len, bool gso_extra);

/*
 * Plans a frame of len bytes: slots[0..n) in ring order, n returned.
 * csum_flags are the first response's checksum flags (only
 * NETRXF_csum_blank and NETRXF_data_validated are taken); gso_extra puts
 * the extra slot second.  Returns n, -EMSGSIZE for a len of 0 or above
 * XPVD_NETRX_MAX_LEN, -ENOSPC when max slots are not enough.
 */
int xpvd_netrx_plan(uint32_t len, uint16_t csum_flags, bool gso_extra,
		    struct xpvd_netrx_slot *slots, unsigned int max);

#endif /* XENPVD_BACKEND_NETRX_H */
