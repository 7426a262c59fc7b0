/* SPDX-License-Identifier: MIT */
/*
 * test-net-wire.c - the netfront's wire rules (frontend/net/net-wire.c),
 * pure functions: reassembling received frames from rx slot copies (one
 * slot, several, GSO extra, flags, every drop rule, every break rule, a
 * frame not answered whole yet) and laying out the tx slots of a frame
 * (sizes, flags, the GSO extra after the first slot, limits).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net-front.h"
#include "test-util.h"

static union net_rx_copy s[NET_RING_SLOTS];
static uint16_t ids[NET_RING_SLOTS];
static struct net_rx_frame f;

static void data(unsigned int i, uint16_t off, int16_t size, uint16_t flags)
{
	memset(&s[i], 0, sizeof(s[i]));
	s[i].rsp.id = ids[i];
	s[i].rsp.offset = off;
	s[i].rsp.status = size;
	s[i].rsp.flags = flags;
}

static void gso(unsigned int i, uint8_t type, uint16_t size, uint8_t flags)
{
	memset(&s[i], 0, sizeof(s[i]));
	s[i].extra.type = XEN_NETIF_EXTRA_TYPE_GSO;
	s[i].extra.flags = flags;
	s[i].extra.u.gso.type = type;
	s[i].extra.u.gso.size = size;
}

static enum net_rx_verdict parse(uint32_t avail)
{
	return net_rx_parse(s, avail, ids, 256, &f);
}

static void test_rx(void)
{
	unsigned int i;

	for (i = 0; i < NET_RING_SLOTS; i++)
		ids[i] = (uint16_t)(100 + i);

	test_where("rx one slot");
	data(0, 10, 60, NETRXF_data_validated);
	CHECK_EQ(parse(1), NET_RX_FRAME);
	CHECK_EQ(f.nslots, 1);
	CHECK_EQ(f.ndata, 1);
	CHECK_EQ(f.len, 60);
	CHECK_EQ(f.flags, XPVF_NET_DATA_VALIDATED);
	CHECK_EQ(f.gso_type, 0);
	CHECK_EQ(parse(0), NET_RX_INCOMPLETE);

	test_where("rx three slots, GSO extra after the first");
	data(0, 0, 4096,
	     NETRXF_more_data | NETRXF_extra_info | NETRXF_csum_blank |
		     NETRXF_data_validated);
	gso(1, XEN_NETIF_GSO_TYPE_TCPV6, 1440, 0);
	data(2, 0, 4096, NETRXF_more_data);
	data(3, 0, 100, 0);
	CHECK_EQ(parse(4), NET_RX_FRAME);
	CHECK_EQ(f.nslots, 4);
	CHECK_EQ(f.ndata, 3);
	CHECK_EQ(f.data[0], 0);
	CHECK_EQ(f.data[1], 2);
	CHECK_EQ(f.data[2], 3);
	CHECK_EQ(f.len, 8292);
	CHECK_EQ(f.flags, XPVF_NET_CSUM_BLANK | XPVF_NET_DATA_VALIDATED);
	CHECK_EQ(f.gso_type, XPVF_NET_GSO_TCPV6);
	CHECK_EQ(f.gso_size, 1440);
	for (i = 0; i < 4; i++)
		CHECK_EQ(parse(i), NET_RX_INCOMPLETE);

	test_where("rx two extras, an unknown-to-us one ignored");
	data(0, 0, 100, NETRXF_extra_info);
	gso(1, XEN_NETIF_GSO_TYPE_TCPV4, 1000, XEN_NETIF_EXTRA_FLAG_MORE);
	gso(2, 0, 0, 0);
	s[2].extra.type = XEN_NETIF_EXTRA_TYPE_HASH;
	CHECK_EQ(parse(3), NET_RX_FRAME);
	CHECK_EQ(f.nslots, 3);
	CHECK_EQ(f.gso_type, XPVF_NET_GSO_TCPV4);
	CHECK_EQ(parse(2), NET_RX_INCOMPLETE);

	test_where("rx drop rules");
	data(0, 0, NETIF_RSP_ERROR, NETRXF_more_data);
	data(1, 0, 100, 0);
	CHECK_EQ(parse(2), NET_RX_DROP);
	CHECK_EQ(f.nslots, 2); /* the whole chain is recycled */
	data(0, 4000, 200, 0);
	CHECK_EQ(parse(1), NET_RX_DROP);
	data(0, 4096, 0, 0);
	CHECK_EQ(parse(1), NET_RX_DROP);
	data(0, 0, 10, 0);
	CHECK_EQ(parse(1), NET_RX_DROP); /* shorter than Ethernet */
	data(0, 0, 100, NETRXF_extra_info);
	gso(1, 7, 1000, 0);
	CHECK_EQ(parse(2), NET_RX_DROP);
	gso(1, XEN_NETIF_GSO_TYPE_TCPV4, 0, 0);
	CHECK_EQ(parse(2), NET_RX_DROP);
	gso(1, XEN_NETIF_GSO_TYPE_TCPV4, 100, 0);
	s[1].extra.type = XEN_NETIF_EXTRA_TYPE_MAX;
	CHECK_EQ(parse(2), NET_RX_DROP);
	CHECK_EQ(f.nslots, 2);
	/* 19 data slots: more than a frame may take. */
	for (i = 0; i < 19; i++)
		data(i, 0, 100, i < 18 ? NETRXF_more_data : 0);
	CHECK_EQ(parse(19), NET_RX_DROP);
	CHECK_EQ(f.nslots, 19);
	/* 18 slots are fine. */
	data(17, 0, 100, 0);
	CHECK_EQ(parse(18), NET_RX_FRAME);
	CHECK_EQ(f.ndata, 18);
	/* A later data slot past its page. */
	data(0, 0, 100, NETRXF_more_data);
	data(1, 100, 4000, 0);
	CHECK_EQ(parse(2), NET_RX_DROP);

	test_where("rx break rules");
	data(0, 0, 100, 0);
	s[0].rsp.id = 7;
	CHECK_EQ(parse(1), NET_RX_BROKEN);
	data(0, 0, 100, NETRXF_more_data);
	data(1, 0, 100, 0);
	s[1].rsp.id = ids[0];
	CHECK_EQ(parse(2), NET_RX_BROKEN);
	/* A chain that never ends within the buffers. */
	for (i = 0; i < 4; i++)
		data(i, 0, 100, NETRXF_more_data);
	CHECK_EQ(net_rx_parse(s, 4, ids, 4, &f), NET_RX_BROKEN);
	CHECK_EQ(net_rx_parse(s, 3, ids, 4, &f), NET_RX_INCOMPLETE);
}

static void test_tx(void)
{
	union net_tx_slot out[XPVF_NET_MAX_SLOTS];
	xpv_gref_t refs[XPVF_NET_MAX_SLOTS];
	uint16_t tids[XPVF_NET_MAX_SLOTS];
	unsigned int i;
	int n;

	for (i = 0; i < XPVF_NET_MAX_SLOTS; i++) {
		refs[i] = 1000 + i;
		tids[i] = (uint16_t)(i * 3);
	}
	test_where("tx one slot");
	n = net_tx_layout(out, 60, 0, 0, 0, refs, tids);
	CHECK_EQ(n, 1);
	CHECK_EQ(out[0].req.size, 60);
	CHECK_EQ(out[0].req.flags, 0);
	CHECK_EQ(out[0].req.gref, 1000);
	CHECK_EQ(out[0].req.offset, 0);

	test_where("tx csum blank");
	n = net_tx_layout(out, 4096, XPVF_NET_CSUM_BLANK, 0, 0, refs, tids);
	CHECK_EQ(n, 1);
	CHECK_EQ(out[0].req.flags, NETTXF_csum_blank | NETTXF_data_validated);

	test_where("tx the largest frame, GSO");
	n = net_tx_layout(out, 65535, 0, XPVF_NET_GSO_TCPV4, 1448, refs, tids);
	CHECK_EQ(n, 17);
	CHECK_EQ(out[0].req.size, 65535);
	CHECK_EQ(out[0].req.flags, NETTXF_csum_blank | NETTXF_data_validated |
					   NETTXF_extra_info |
					   NETTXF_more_data);
	CHECK_EQ(out[1].extra.type, XEN_NETIF_EXTRA_TYPE_GSO);
	CHECK_EQ(out[1].extra.flags, 0);
	CHECK_EQ(out[1].extra.u.gso.size, 1448);
	CHECK_EQ(out[1].extra.u.gso.type, XEN_NETIF_GSO_TYPE_TCPV4);
	for (i = 2; i < 17; i++) {
		CHECK_EQ(out[i].req.gref, refs[i - 1]);
		CHECK_EQ(out[i].req.id, tids[i - 1]);
		CHECK_EQ(out[i].req.size, i < 16 ? 4096 : 65535 - 15 * 4096);
		CHECK_EQ(out[i].req.flags, i < 16 ? NETTXF_more_data : 0);
	}

	test_where("tx two slots, no GSO");
	n = net_tx_layout(out, 4097, 0, 0, 0, refs, tids);
	CHECK_EQ(n, 2);
	CHECK_EQ(out[0].req.size, 4097);
	CHECK_EQ(out[0].req.flags, NETTXF_more_data);
	CHECK_EQ(out[1].req.size, 1);
	CHECK_EQ(out[1].req.flags, 0);
	CHECK_EQ(out[1].req.id, 3);

	test_where("tx refusals");
	CHECK_EQ(net_tx_layout(out, 13, 0, 0, 0, refs, tids), -EINVAL);
	CHECK_EQ(net_tx_layout(out, 65536, 0, 0, 0, refs, tids), -EMSGSIZE);
	CHECK_EQ(net_tx_layout(out, 1000, 0, 3, 100, refs, tids), -EINVAL);
	CHECK_EQ(net_tx_layout(out, 1000, 0, 1, 0, refs, tids), -EINVAL);
	CHECK_EQ(net_tx_layout(out, 1000, 0, 1, 65536, refs, tids), -EINVAL);
	CHECK_EQ(net_tx_data_slots(1), 1);
	CHECK_EQ(net_tx_data_slots(4096), 1);
	CHECK_EQ(net_tx_data_slots(4097), 2);
}

int main(void)
{
	test_rx();
	test_tx();
	printf("%lu checks passed\n", test_nchecks);
	return test_status();
}
