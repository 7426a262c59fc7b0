/* SPDX-License-Identifier: MIT */
/*
 * fuzz-net-tx.c - libFuzzer target for what the net worker does with the
 * tx slots a guest published: parse chain after chain
 * (xpvd_nettx_parse(), backend/net/nettx.c), build the virtio-net header
 * of each accepted frame from its headers (xpvd_netcsum_tx(), netcsum.c),
 * then turn that header back into rx flags and a GSO extra
 * (xpvd_netcsum_rx()) and plan the frame's rx slots (xpvd_netrx_plan()).
 *
 * Input:
 *   byte 0      the number of published slots, mod 64
 *   byte 1      how many header bytes the checksum stage is given: bits
 *               0-5 = n, 0 for min(len, XPVD_NETCSUM_HDR_MAX), else
 *               min(len, 4 * n); bit 6: a frontend without rx GSO
 *   then        the slots, 12 bytes each, little-endian as on the ring
 *               (gref u32, offset u16, flags u16, id u16, size u16; an
 *               extra-info slot is type u8, flags u8, 6 bytes of payload)
 *   then        the frame's first bytes, for every accepted frame (zeros
 *               past the input's end)
 *
 * The slots are handed over in a heap buffer of exactly the published
 * slots, and the headers in one of exactly the bytes given, so a read past
 * req_prod, or past the header bytes, is an ASan report.
 *
 * Each verdict is compared with a model written here from nettx.h's rule
 * table and Linux netback, in another shape than the parser (it finds the
 * chain's end first, then decides from prefix sums and rule priorities):
 * the return value, the rule, the slots consumed, the extras, the length,
 * the flags and the GSO request must agree.  Invariants: slots consumed
 * <= published, segments + extras = slots consumed, every segment of an
 * accepted frame within its page, their sizes adding up to the length,
 * each segment's gref and id those of its ring slot.
 * The header stage is compared with a second model of the header walk
 * (Ethernet II, IPv4, IPv6 extension headers, TCP/UDP), including the
 * pseudo-header sum of a GSO frame without csum_blank.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <netinet/in.h>

#include "fuzz.h"
#include "netcsum.h"
#include "netrx.h"
#include "nettx.h"

#define SLOT 12u
#define PAGE 4096u

static unsigned int le16(const uint8_t *p)
{
	return p[0] | (unsigned int)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | (uint32_t)le16(p + 2) << 16;
}

static unsigned int be16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/* ---- the model of the chain rules ---- */

struct mtx {
	int ret;
	enum xpvd_nettx_rule rule;
	enum xpvd_nettx_kind kind;
	unsigned int slots, extras;
	uint32_t len;
	unsigned int flags, gso_type, gso_size;
	bool hash;
};

/* Slot i of the raw bytes, field at byte f. */
#define F16(i, f) le16(raw + (size_t)(i) * SLOT + (f))

static void model_tx(const uint8_t *raw, unsigned int nr, struct mtx *m)
{
	const uint8_t *ex[5] = { NULL, NULL, NULL, NULL, NULL };
	unsigned int first_off, first_flags, first_size, j, t, avail;
	unsigned int end, p, lim, own;
	uint32_t sum;
	bool found;

	memset(m, 0, sizeof(*m));
	if (nr == 0) {
		m->ret = -ENODATA;
		m->rule = XPVD_NETTX_EMPTY;
		return;
	}
	first_off = F16(0, 4);
	first_flags = F16(0, 6);
	first_size = F16(0, 10);
	j = 1;
	if (first_flags & 8) {		/* extra_info */
		for (;;) {
			if (j == nr) {
				m->ret = -EPROTO;
				m->rule = XPVD_NETTX_F_EXTRA_MISSING;
				return;
			}
			t = raw[(size_t)j * SLOT];
			ex[t < 5 ? t : 0] = raw + (size_t)j * SLOT;
			j++;
			m->extras++;
			if (t == 0 || t > 4) {
				m->ret = -EPROTO;
				m->rule = XPVD_NETTX_F_EXTRA_TYPE;
				return;
			}
			if (!(ex[t][1] & 1))
				break;
		}
	}
	m->slots = j;
	if (ex[2] || ex[3]) {
		m->kind = ex[2] ? XPVD_NETTX_MCAST_ADD : XPVD_NETTX_MCAST_DEL;
		return;
	}

	/* The chain after the first slot: its end is the first slot without
	 * more_data, looked for among the slots both published and within
	 * the fatal limit; the first cross-page slot before it is fatal. */
	avail = nr - j;
	lim = avail < XPVD_NETTX_FATAL_SLOTS ? avail : XPVD_NETTX_FATAL_SLOTS;
	end = 0;
	found = !(first_flags & 4);
	for (p = 0; !found && p < lim; p++) {
		if (F16(j + p, 4) + F16(j + p, 10) > PAGE) {
			m->ret = -EPROTO;
			m->rule = XPVD_NETTX_F_CROSS_PAGE;
			return;
		}
		if (!(F16(j + p, 6) & 4)) {
			found = true;
			end = p + 1;
		}
	}
	if (!found) {
		m->ret = -EPROTO;
		m->rule = avail <= XPVD_NETTX_FATAL_SLOTS ?
				  XPVD_NETTX_F_PAST_PROD :
				  XPVD_NETTX_F_SLOTS;
		return;
	}
	m->slots = j + end;

	/* Drops: a running total above the first size among the first 18
	 * continuations (later ones are not compared), else too many. */
	sum = 0;
	for (p = 0; p < end && p < XPVD_NETTX_LEGACY_SLOTS; p++) {
		sum += F16(j + p, 10);
		if (sum > first_size) {
			m->ret = -EINVAL;
			m->rule = XPVD_NETTX_D_SIZE;
			return;
		}
	}
	if (end > XPVD_NETTX_LEGACY_SLOTS) {
		m->ret = -EINVAL;
		m->rule = XPVD_NETTX_D_SLOTS;
		return;
	}
	own = first_size - sum;
	if (own < 14) {
		m->ret = -EINVAL;
		m->rule = XPVD_NETTX_D_SHORT;
		return;
	}
	if (first_off + own > PAGE) {
		m->ret = -EPROTO;
		m->rule = XPVD_NETTX_F_FIRST_CROSS_PAGE;
		return;
	}
	if (ex[1]) {
		if (le16(ex[1] + 2) == 0) {
			m->ret = -EPROTO;
			m->rule = XPVD_NETTX_F_GSO_SIZE;
			return;
		}
		if (ex[1][4] != 1 && ex[1][4] != 2) {
			m->ret = -EPROTO;
			m->rule = XPVD_NETTX_F_GSO_TYPE;
			return;
		}
		m->gso_type = ex[1][4];
		m->gso_size = le16(ex[1] + 2);
	}
	m->hash = ex[4] != NULL;
	m->kind = XPVD_NETTX_PACKET;
	m->flags = first_flags & 3;
	m->len = first_size;
}

/* ---- the model of the header walk ---- */

struct mcs {
	int ret;
	unsigned int start, off, gso, hdr_len;
	bool fix;
	unsigned int fix_val;
};

/* The frame as the model sees it: h[0..give) readable, len long. */
struct mframe {
	const uint8_t *h;
	unsigned int give, len;
};

/* -EPROTO if the frame lacks bytes up to end, -ENOBUFS if only the copy
 * does, else 0. */
static int reach(const struct mframe *f, unsigned int end)
{
	return end > f->len ? -EPROTO : end > f->give ? -ENOBUFS : 0;
}

/* Returns the L4 start, or a negative errno; *proto set. */
static int m_ip6(const struct mframe *f, unsigned int *proto)
{
	unsigned int off = 40, plen, nh, hl;
	bool frag = false;
	int r;

	r = reach(f, 54);
	if (r)
		return r;
	if (f->h[14] >> 4 != 6)
		return -EPROTO;
	nh = f->h[20];
	plen = 40 + be16(f->h + 18);
	for (;;) {
		if (off > plen)
			return -EPROTO;	/* ran past the payload length */
		if (nh == 0 || nh == 43 || nh == 60)
			hl = 2;
		else if (nh == 51)
			hl = 12;
		else if (nh == 44)
			hl = 8;
		else
			break;
		if (off + hl > 256)
			return -EPROTO;
		r = reach(f, 14 + off + hl);
		if (r)
			return r;
		if (nh == 44 && (be16(f->h + 14 + off + 2) >> 3 ||
				 (f->h[14 + off + 3] & 1)))
			frag = true;
		hl = nh == 51 ? (f->h[14 + off + 1] + 2u) * 4 :
		     nh == 44 ? 8 : (f->h[14 + off + 1] + 1u) * 8;
		nh = f->h[14 + off];
		off += hl;
	}
	if (frag)
		return -EPROTO;
	*proto = nh;
	return (int)(14 + off);
}

static int m_ip4(const struct mframe *f, unsigned int *proto)
{
	int r = reach(f, 34);

	if (r)
		return r;
	if ((f->h[14] & 0xf0) != 0x40 || (f->h[14] & 0x0f) < 5)
		return -EPROTO;
	if ((f->h[20] & 0x3f) || f->h[21])	/* MF or an offset */
		return -EPROTO;
	*proto = f->h[23];
	return (int)(14 + (f->h[14] & 0x0f) * 4u);
}

static void model_csum(const struct mframe *f, const struct xpvd_nettx_pkt *p,
		       struct mcs *m)
{
	bool csum = p->off.flags & 1, v6;
	unsigned int proto = 0, i, doff;
	uint32_t s = 0, l4len;
	int l4, r;

	memset(m, 0, sizeof(*m));
	if (!csum && !p->off.gso_type)
		return;
	r = reach(f, 14);
	if (r) {
		m->ret = r;
		return;
	}
	if (be16(f->h + 12) == 0x0800)
		v6 = false;
	else if (be16(f->h + 12) == 0x86dd)
		v6 = true;
	else {
		m->ret = -EPROTO;
		return;
	}
	l4 = v6 ? m_ip6(f, &proto) : m_ip4(f, &proto);
	if (l4 < 0) {
		m->ret = l4;
		return;
	}
	if (proto != 6 && proto != 17) {
		m->ret = -EPROTO;
		return;
	}
	r = reach(f, (unsigned int)l4 + (proto == 6 ? 20 : 8));
	if (r) {
		m->ret = r;
		return;
	}
	m->start = (unsigned int)l4;
	m->off = proto == 6 ? 16 : 6;
	if (p->off.gso_type) {
		if (proto != 6 || p->off.gso_type != (v6 ? 2u : 1u) ||
		    p->off.gso_size == 0 || p->off.gso_size == 0xffff) {
			m->ret = -EINVAL;
			return;
		}
		doff = (f->h[l4 + 12] >> 4) * 4u;
		if (doff < 20 || (unsigned int)l4 + doff > f->len) {
			m->ret = -EINVAL;
			return;
		}
		m->gso = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
			      VIRTIO_NET_HDR_GSO_TCPV4;
		m->hdr_len = (unsigned int)l4 + doff;
	}
	if (!csum) {
		/* The pseudo-header, word by word. */
		l4len = f->len - (unsigned int)l4;
		for (i = v6 ? 22 : 26; i < (v6 ? 54u : 34u); i += 2)
			s += be16(f->h + i);
		s += proto + (l4len & 0xffff) + (l4len >> 16);
		s = (s & 0xffff) + (s >> 16);
		s = (s & 0xffff) + (s >> 16);
		m->fix = true;
		m->fix_val = s;
	}
}

/* ---- the checks ---- */

static void check_pkt(const uint8_t *raw, unsigned int nr,
		      const struct xpvd_nettx_pkt *p, int r)
{
	struct mtx m;
	unsigned int i, ring, sum = 0;

	model_tx(raw, nr, &m);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -EPROTO || r == -ENODATA);
	FUZZ_CHECK(r == m.ret);
	FUZZ_CHECK(p->rule == m.rule);
	FUZZ_CHECK(xpvd_nettx_rule_fatal(p->rule) == (r == -EPROTO));
	FUZZ_CHECK((p->why == NULL) == (r == 0));
	FUZZ_CHECK(p->nr_slots <= nr);
	FUZZ_CHECK(p->nr_segs + p->nr_extras == p->nr_slots);
	FUZZ_CHECK(p->nr_segs <= XPVD_NETTX_MAX_SEGS);
	if (r == -EPROTO || r == -ENODATA)
		return;
	FUZZ_CHECK(p->nr_slots == m.slots);
	FUZZ_CHECK(p->nr_extras == m.extras);
	FUZZ_CHECK(p->nr_slots >= 1);
	/* Each segment is its ring slot: the first, then after the extras. */
	for (i = 0; i < p->nr_segs; i++) {
		ring = i ? i + p->nr_extras : 0;
		FUZZ_CHECK(p->segs[i].gref == le32(raw + ring * SLOT));
		FUZZ_CHECK(p->segs[i].id == F16(ring, 8));
		FUZZ_CHECK(p->segs[i].offset == F16(ring, 4));
	}
	if (r)
		return;
	FUZZ_CHECK(p->kind == m.kind);
	if (p->kind != XPVD_NETTX_PACKET) {
		FUZZ_CHECK(p->nr_segs == 1);
		return;
	}
	for (i = 0; i < p->nr_segs; i++) {
		FUZZ_CHECK(p->segs[i].offset + p->segs[i].size <= PAGE);
		ring = i + p->nr_extras;
		if (i)
			FUZZ_CHECK(p->segs[i].size == F16(ring, 10));
		sum += p->segs[i].size;
	}
	FUZZ_CHECK(sum == p->len);
	FUZZ_CHECK(p->len == m.len);
	FUZZ_CHECK(p->segs[0].size >= 14);
	FUZZ_CHECK(p->nr_segs <= 1 + XPVD_NETTX_LEGACY_SLOTS);
	FUZZ_CHECK(p->off.flags == m.flags);
	FUZZ_CHECK(p->off.gso_type == m.gso_type);
	FUZZ_CHECK(p->off.gso_size == m.gso_size);
	FUZZ_CHECK(p->has_hash == m.hash);
}

/* The rx side of a frame the tx side accepted: the header round-trips
 * and the plan covers the frame. */
static void check_rx(const struct xpvd_net_vhdr *v, uint32_t len,
		     bool rx_gso)
{
	const struct xpvd_netrx_feat feat = { true, rx_gso, rx_gso };
	struct xpvd_netrx_slot plan[XPVD_NETRX_MAX_SLOTS];
	struct netif_extra_info ex;
	uint32_t at = 0;
	uint16_t fl;
	int r, n, i;

	r = xpvd_netcsum_rx(&v->vh, &feat, &fl, &ex);
	if (v->vh.gso_type && !rx_gso) {
		FUZZ_CHECK(r == -EOPNOTSUPP);
		return;
	}
	FUZZ_CHECK(r == (v->vh.gso_type ? 1 : 0));
	FUZZ_CHECK(fl == (v->vh.flags ? NETRXF_csum_blank |
						NETRXF_data_validated :
					0));
	if (r == 1) {
		FUZZ_CHECK(ex.type == XEN_NETIF_EXTRA_TYPE_GSO && !ex.flags);
		FUZZ_CHECK(ex.u.gso.size == v->vh.gso_size);
		FUZZ_CHECK(ex.u.gso.type ==
			   (v->vh.gso_type == VIRTIO_NET_HDR_GSO_TCPV4 ?
				    XEN_NETIF_GSO_TYPE_TCPV4 :
				    XEN_NETIF_GSO_TYPE_TCPV6));
	}
	n = xpvd_netrx_plan(len, fl, r == 1, plan, XPVD_NETRX_MAX_SLOTS);
	FUZZ_CHECK(n >= 1 && n <= (int)XPVD_NETRX_MAX_SLOTS);
	FUZZ_CHECK((unsigned int)n == xpvd_netrx_nr_slots(len, r == 1));
	for (i = 0; i < n; i++) {
		if (plan[i].extra) {
			FUZZ_CHECK(r == 1 && i == 1);
			continue;
		}
		FUZZ_CHECK(plan[i].frame_off == at);
		FUZZ_CHECK(plan[i].len >= 1 && plan[i].len <= PAGE);
		at += plan[i].len;
		FUZZ_CHECK(!!(plan[i].flags & NETRXF_more_data) == (at < len));
	}
	FUZZ_CHECK(at == len);
}

static void check_csum(const struct xpvd_nettx_pkt *p, unsigned int cut,
		       bool rx_gso, struct fuzz_in *in)
{
	unsigned int have = p->len < XPVD_NETCSUM_HDR_MAX ?
				    p->len : XPVD_NETCSUM_HDR_MAX;
	unsigned int give = cut ? 4 * cut : have;
	struct xpvd_net_vhdr v;
	const char *why = NULL;
	struct mframe mf;
	uint8_t *frame, *hdr;
	struct mcs m;
	int r;

	if (give > have)
		give = have;
	/* The frame's first bytes from the input (zeros past its end). */
	frame = fuzz_alloc(have);
	memset(frame, 0, have);
	memcpy(frame, in->p, in->left < have ? in->left : have);
	hdr = fuzz_alloc(give);
	memcpy(hdr, frame, give);

	memset(&v, 0x5a, sizeof(v));
	r = xpvd_netcsum_tx(hdr, give, p->len, &p->off, &v, &why);
	mf.h = frame;
	mf.give = give;
	mf.len = p->len;
	model_csum(&mf, p, &m);
	FUZZ_CHECK(r == m.ret);
	FUZZ_CHECK((why != NULL) == (r != 0));
	if (r == 0) {
		FUZZ_CHECK(v.fix == m.fix);
		if (!m.start) {
			FUZZ_CHECK(v.vh.flags == 0 && v.vh.gso_type == 0);
		} else {
			FUZZ_CHECK(v.vh.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM);
			FUZZ_CHECK(v.vh.csum_start == m.start);
			FUZZ_CHECK(v.vh.csum_offset == m.off);
			FUZZ_CHECK(v.vh.csum_start + v.vh.csum_offset + 2u <=
				   p->len);
			FUZZ_CHECK(v.vh.gso_type == m.gso);
			FUZZ_CHECK(v.vh.hdr_len == m.hdr_len);
			FUZZ_CHECK(v.vh.hdr_len <= p->len);
			if (m.gso)
				FUZZ_CHECK(v.vh.gso_size == p->off.gso_size);
		}
		if (m.fix) {
			FUZZ_CHECK(v.fix_off == m.start + m.off);
			FUZZ_CHECK((unsigned int)(v.fix_val[0] << 8 |
						  v.fix_val[1]) == m.fix_val);
		}
		check_rx(&v, p->len, rx_gso);
	}
	/* With all the bytes there are, never "give me more". */
	if (give == have)
		FUZZ_CHECK(r != -ENOBUFS);
	free(hdr);
	free(frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned int nr = fuzz_u8(&in) % 64, mode = fuzz_u8(&in), pos = 0;
	struct netif_tx_request *slots;
	struct xpvd_nettx_pkt pkt;
	uint8_t *raw;
	int r;

	raw = fuzz_alloc((size_t)nr * SLOT);
	fuzz_bytes(&in, raw, (size_t)nr * SLOT);
	/* Exactly the published slots: a read past them is an ASan error. */
	slots = fuzz_alloc((size_t)nr * sizeof(*slots));
	memcpy(slots, raw, (size_t)nr * SLOT);

	do {
		r = xpvd_nettx_parse(slots + pos, nr - pos, &pkt);
		check_pkt(raw + (size_t)pos * SLOT, nr - pos, &pkt, r);
		if (r == 0 && pkt.kind == XPVD_NETTX_PACKET)
			check_csum(&pkt, mode & 0x3f, !(mode & 0x40), &in);
		if (r != 0 && r != -EINVAL)
			break;
		FUZZ_CHECK(pkt.nr_slots >= 1 && pkt.nr_slots <= nr - pos);
		pos += pkt.nr_slots;
	} while (pos < nr);

	free(slots);
	free(raw);
	return 0;
}
