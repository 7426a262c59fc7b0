/* SPDX-License-Identifier: MIT */
/*
 * ring-flex.h - byte-stream ("flex") rings, as DEFINE_XEN_FLEX_RING in Xen's
 * public/io/ring.h: the rings of 9pfs, pvcalls and the console.
 *
 * One direction of a flex ring is a data area of a power-of-two size and two
 * free-running 32-bit byte counters, prod (written by the producer) and cons
 * (written by the consumer), that live somewhere else in shared memory.
 * Bytes [cons, prod) are queued; a packet may wrap around the end of the data
 * area.  The ring is full when prod - cons equals the size.  Struct
 * xpv_flex names the two counters, the data area and its size: it knows
 * nothing of the page they sit in, so the same code serves every interface
 * page layout.  The 9pfs layout (xpv_9pfs_*) is one such page.
 *
 * Guarantees:
 * - Layout, index arithmetic and barriers are those of the Xen helpers
 *   (xen_9pfs_read_packet() and friends and their users in Linux and Xen),
 *   so either side interoperates with a peer that uses them.
 * - The peer is not trusted: every operation reads each shared counter once
 *   and returns -EIO if prod - cons is more than the size, and never touches
 *   memory outside the data area whatever the counters say.
 * - Reads and writes are all or nothing: a packet is copied whole or not at
 *   all (-EAGAIN).
 * - No allocation, no logging; one thread per direction and side.
 */
#ifndef XENPVD_COMMON_RING_FLEX_H
#define XENPVD_COMMON_RING_FLEX_H

#include <stddef.h>
#include <stdint.h>

/* One direction of a flex ring. */
struct xpv_flex {
	uint32_t *cons;      /* shared, written by the consumer */
	uint32_t *prod;      /* shared, written by the producer */
	unsigned char *data; /* shared data area */
	uint32_t size;       /* of the data area, a power of two */
};

/* Fill in r.  Returns 0, or -EINVAL if a pointer is NULL or size is not a
 * power of two between 1 and 2^30 (so that every count fits the int these
 * functions return; real rings hold at most 2^20 bytes a direction). */
int xpv_flex_init(struct xpv_flex *r, uint32_t *cons, uint32_t *prod,
		  void *data, uint32_t size);

/* Bytes queued (prod - cons), or -EIO if the counters are nonsense. */
int xpv_flex_queued(const struct xpv_flex *r);

/* Bytes that can be written (size - queued), or -EIO. */
int xpv_flex_free_space(const struct xpv_flex *r);

/*
 * Consumer: copy the first len queued bytes to buf without consuming them.
 * Returns 0, -EAGAIN if fewer than len bytes are queued, -EMSGSIZE if len is
 * larger than the ring, -EIO if the counters are nonsense.
 */
int xpv_flex_peek(const struct xpv_flex *r, void *buf, size_t len);

/* Consumer: copy len bytes to buf and consume them (advances cons).
 * Returns as xpv_flex_peek(); nothing is consumed on error. */
int xpv_flex_read(struct xpv_flex *r, void *buf, size_t len);

/* Consumer: consume len bytes without copying them.  Returns as
 * xpv_flex_peek(). */
int xpv_flex_discard(struct xpv_flex *r, size_t len);

/* Producer: copy len bytes from buf into the ring and publish them
 * (advances prod).  Returns 0, -EAGAIN if less than len bytes are free,
 * -EMSGSIZE if len is larger than the ring, -EIO if the counters are
 * nonsense; nothing is written on error. */
int xpv_flex_write(struct xpv_flex *r, const void *buf, size_t len);

/* Producer: the same for one message in two pieces, a then b, published
 * together (the consumer never sees a without b).  Returns as
 * xpv_flex_write(). */
int xpv_flex_write2(struct xpv_flex *r, const void *a, size_t alen,
		    const void *b, size_t blen);

/* ---- 9P framing ---- */

#define XPV_9P_HDR_SIZE 7u

/* The 9P message header: size[4] type[1] tag[2], little-endian on the
 * wire; size counts the whole message, header included. */
struct xpv_9p_hdr {
	uint32_t size;
	uint8_t type;
	uint16_t tag;
};

/*
 * Consumer: parse the header of the next 9P message without consuming
 * anything.  Returns 0 with *hdr filled in, -EAGAIN if fewer than 7 bytes
 * are queued, -EBADMSG if size < 7, -EMSGSIZE if size is larger than the
 * ring (such a message could never be received), -EIO if the counters are
 * nonsense.  Whether the whole message is queued yet is for the caller to
 * see (xpv_flex_queued() >= hdr->size).
 */
int xpv_flex_peek_9p_header(const struct xpv_flex *r, struct xpv_9p_hdr *hdr);

/* ---- the 9pfs interface page (struct xen_9pfs_data_intf) ---- */

#define XPV_9PFS_MIN_ORDER 1u
#define XPV_9PFS_MAX_ORDER 9u
#define XPV_9PFS_OFF_IN_CONS 0u
#define XPV_9PFS_OFF_IN_PROD 4u
#define XPV_9PFS_OFF_OUT_CONS 64u
#define XPV_9PFS_OFF_OUT_PROD 68u
#define XPV_9PFS_OFF_RING_ORDER 128u
#define XPV_9PFS_OFF_REF 132u

/* Bytes in each direction of a ring of the given order: half of the 2^order
 * granted pages (XEN_FLEX_RING_SIZE). */
#define XPV_FLEX_RING_SIZE(order) ((uint32_t)1 << ((order) + 11))

/*
 * Frontend: initialise an interface page for a ring of the given order:
 * counters 0, ring_order, and the 2^order grant references of the data
 * area.  Returns 0, or -EINVAL if order is outside 1..9 or a pointer is NULL.
 */
int xpv_9pfs_intf_init(void *intf, unsigned int order, const uint32_t *refs);

/*
 * Backend: read ring_order (once) from the frontend's interface page and
 * copy its 2^order grant references into refs, which holds 2^max_order
 * entries.  Returns the order, or -EINVAL if it is outside 1..max_order (or
 * max_order is above 9).
 */
int xpv_9pfs_intf_read(const void *intf, unsigned int max_order,
		       uint32_t *refs);

/*
 * Both directions of a 9pfs ring: in (backend to frontend) is the first
 * half of the data area, out (frontend to backend) the second half; their
 * counters are in the interface page.  data is the 2^order mapped pages.
 * Returns 0 or -EINVAL.
 */
int xpv_9pfs_rings(void *intf, void *data, unsigned int order,
		   struct xpv_flex *in, struct xpv_flex *out);

#endif /* XENPVD_COMMON_RING_FLEX_H */
