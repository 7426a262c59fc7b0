/* SPDX-License-Identifier: MIT */
/*
 * net-tap-check.c - the stack side of test-net-tap.sh: sends test frames
 * out of interface IFNAME (the TAP of xenpv-netfront-tap) through an
 * AF_PACKET socket with the virtio-net header, and waits for each to come
 * back in (the vif's backend echoes them), byte for byte.  Plain frames
 * are of an experimental ethertype (0x88b5) the stack ignores; with --gso
 * it also sends IPv4/TCP frames of up to 64 KiB as one GSO frame each
 * (MSS 1448, blank checksum), which must come back as one GSO frame with
 * the same MSS: so the TAP's offloads, the netfront's GSO extra and the
 * header the tool rebuilds are all checked.
 *
 *   net-tap-check IFNAME [--gso]
 *
 * Exits 0 when every frame came back, 1 otherwise (10 s per frame).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define VH sizeof(struct virtio_net_hdr)

static unsigned char tx[VH + 65536], rx[VH + 65536 + 256];

/* Frame seq of len bytes after the header; gso: IPv4/TCP. */
static void build(unsigned char *f, uint32_t len, uint32_t seq, int gso)
{
	uint32_t i;

	memcpy(f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	for (i = 12; i < len; i++)
		f[i] = (unsigned char)(seq * 29u + i * 13u);
	if (!gso) {
		f[12] = 0x88;
		f[13] = 0xb5;
		f[14] = (unsigned char)seq;
		return;
	}
	f[12] = 0x08;
	f[13] = 0x00;
	memset(f + 14, 0, 40);
	f[14] = 0x45;
	f[16] = (unsigned char)((len - 14) >> 8);
	f[17] = (unsigned char)(len - 14);
	f[22] = 64;
	f[23] = 6;
	memcpy(f + 26, "\x0a\x09\x00\x02\x0a\x09\x00\x01", 8);
	f[34] = 0x9c;
	f[35] = 0x40;
	f[36] = 0x13;
	f[37] = 0x89;
	f[38] = (unsigned char)(seq >> 24);
	f[39] = (unsigned char)(seq >> 16);
	f[40] = (unsigned char)(seq >> 8);
	f[41] = (unsigned char)seq;
	f[46] = 5 << 4;
	f[47] = 0x18;
	f[48] = 0xff;
	f[49] = 0xff;
}

static int one(int fd, uint32_t len, uint32_t seq, int gso)
{
	struct virtio_net_hdr *vh = (struct virtio_net_hdr *)tx;
	struct virtio_net_hdr rvh;
	struct sockaddr_ll sll;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	socklen_t sl;
	uint32_t i;
	ssize_t n;

	memset(vh, 0, VH);
	build(tx + VH, len, seq, gso);
	if (gso) {
		vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh->csum_start = 34;
		vh->csum_offset = 16;
		vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		vh->gso_size = 1448;
		vh->hdr_len = 54;
	}
	if (send(fd, tx, VH + len, 0) < 0) {
		perror("net-tap-check: send");
		return -1;
	}
	for (;;) {
		if (poll(&p, 1, 10000) <= 0) {
			fprintf(stderr, "net-tap-check: frame %u (%u bytes%s) "
				"did not come back\n", seq, len,
				gso ? ", GSO" : "");
			return -1;
		}
		sl = sizeof(sll);
		n = recvfrom(fd, rx, sizeof(rx), 0, (struct sockaddr *)&sll,
			     &sl);
		if (n < 0)
			return -1;
		if (sll.sll_pkttype == PACKET_OUTGOING || (size_t)n < VH + 14 ||
		    memcmp(rx + VH, tx + VH, 14))
			continue; /* ours going out, or not a test frame */
		if (gso && (size_t)n >= VH + 42 &&
		    memcmp(rx + VH + 38, tx + VH + 38, 4))
			continue; /* an older frame */
		if (!gso && rx[VH + 14] != (unsigned char)seq)
			continue;
		break;
	}
	if ((size_t)n != VH + len) {
		fprintf(stderr, "net-tap-check: frame %u: %zd bytes back, "
			"%u sent\n", seq, n - (ssize_t)VH, len);
		return -1;
	}
	for (i = 0; i < len; i++)
		if (rx[VH + i] != tx[VH + i] &&
		    !(gso && (i == 24 || i == 25 || i == 50 || i == 51))) {
			fprintf(stderr, "net-tap-check: frame %u differs at "
				"byte %u\n", seq, i);
			return -1;
		}
	memcpy(&rvh, rx, VH);
	if (gso && (rvh.gso_type != VIRTIO_NET_HDR_GSO_TCPV4 ||
		    rvh.gso_size != 1448)) {
		fprintf(stderr, "net-tap-check: frame %u came back as GSO "
			"type %u size %u\n", seq, rvh.gso_type, rvh.gso_size);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const uint32_t plain[] = { 60, 61, 100, 1000, 1514 };
	static const uint32_t big[] = { 3000, 9000, 30000, 65000 };
	struct sockaddr_ll sll;
	unsigned int idx, i, seq = 0;
	int fd, on = 1, gso = argc > 2 && !strcmp(argv[2], "--gso");

	if (argc < 2) {
		fprintf(stderr, "usage: net-tap-check IFNAME [--gso]\n");
		return 2;
	}
	idx = if_nametoindex(argv[1]);
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (!idx || fd < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &on, sizeof(on)) < 0) {
		perror("net-tap-check");
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("net-tap-check: bind");
		return 1;
	}
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (one(fd, plain[i], seq++, 0) < 0)
			return 1;
	for (i = 0; gso && i < sizeof(big) / sizeof(big[0]); i++)
		if (one(fd, big[i], seq++, 1) < 0)
			return 1;
	printf("%u frames back\n", seq);
	close(fd);
	return 0;
}
