/* SPDX-License-Identifier: MIT */
/*
 * net-host-echo.c - the host side of test-net-front.sh: on interface
 * IFNAME (a vif's TAP), sends every test frame it receives straight back
 * out, unchanged, with its virtio-net header (PACKET_VNET_HDR), so that
 * GSO and checksum-offload frames go back as they came.  Test frames are
 * those test-net-io sends: destination 02:00:00:00:00:01, IPv4 or IPv6,
 * TCP to port 5001; anything else (neighbour discovery, STP) is ignored.
 *
 *   net-host-echo IFNAME
 *
 * Prints "ready" once bound; exits 0 on SIGTERM, 1 on an error.
 *
 * The guest may send a whole run's frames before this process gets a CPU
 * (the backend answers tx as soon as the TAP took a frame), and a frame
 * the socket has no room for is dropped for good: its receive buffer is
 * made large enough for any run of test-net-io (RCVBUF), so that no echo
 * depends on when this process is scheduled.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bytes of frames queued for us (SO_RCVBUFFORCE; the kernel doubles
 * it): 512 frames of 64 KiB, more than test-net-io sends in a run. */
#define RCVBUF (32 << 20)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

/*
 * Waits (up to 5 s) until the kernel says ifname is up.  The TAP's
 * carrier comes on when the backend connects, and linkwatch starts its
 * queue discipline a while later (up to a second on a loaded machine),
 * with operstate: a frame sent before that is dropped, silently.  The
 * guest's first frames can come out of the TAP in between.
 */
static bool oper_up(const char *ifname)
{
	char path[128], st[16];
	FILE *f;
	int ms;

	snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", ifname);
	for (ms = 0; ms < 5000 && !stop; ms += 10) {
		f = fopen(path, "r");
		if (f) {
			bool up = fgets(st, sizeof(st), f) &&
				  !strncmp(st, "up", 2);

			fclose(f);
			if (up)
				return true;
		}
		usleep(10000);
	}
	return false;
}

/* Whether frame f (len bytes, no virtio header) is one of ours. */
static int ours(const unsigned char *f, size_t len)
{
	size_t l4;

	if (len < 54 || memcmp(f, "\x02\x00\x00\x00\x00\x01", 6))
		return 0;
	if (f[12] == 0x08 && f[13] == 0x00) {
		if (f[14 + 9] != 6)
			return 0;
		l4 = 14 + (size_t)(f[14] & 0xf) * 4;
	} else if (f[12] == 0x86 && f[13] == 0xdd) {
		if (f[14 + 6] != 6)
			return 0;
		l4 = 54;
	} else {
		return 0;
	}
	return len >= l4 + 4 && f[l4 + 2] == 0x13 && f[l4 + 3] == 0x89;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct sockaddr_ll sll;
	socklen_t sl;
	unsigned char *buf;
	size_t hl = sizeof(struct virtio_net_hdr);
	unsigned int idx;
	ssize_t n;
	int fd, one = 1, rcvbuf = RCVBUF;
	bool up = false;

	if (argc != 2) {
		fprintf(stderr, "usage: net-host-echo IFNAME\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: recv returns */
	sigaction(SIGINT, &sa, NULL);
	idx = if_nametoindex(argv[1]);
	if (!idx) {
		perror(argv[1]);
		return 1;
	}
	buf = malloc(hl + 65536 + 256);
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (!buf || fd < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) <
		    0) {
		perror("net-host-echo: socket");
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0) {
		perror("net-host-echo: SO_RCVBUFFORCE");
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("net-host-echo: bind");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		sl = sizeof(sll);
		n = recvfrom(fd, buf, hl + 65536 + 256, 0,
			     (struct sockaddr *)&sll, &sl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("net-host-echo: recv");
			return 1;
		}
		if (sll.sll_pkttype == PACKET_OUTGOING || (size_t)n < hl ||
		    !ours(buf + hl, (size_t)n - hl))
			continue;
		/* Once: after that a carrier going off (a reconnect) is
		 * the test's to count. */
		if (!up)
			up = oper_up(argv[1]);
		if (send(fd, buf, (size_t)n, 0) < 0 && errno != EINTR) {
			perror("net-host-echo: send");
			return 1;
		}
	}
	close(fd);
	free(buf);
	return 0;
}
