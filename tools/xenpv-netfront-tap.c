/* SPDX-License-Identifier: MIT */
/*
 * xenpv-netfront-tap - a guest's network interface from libxenpvfront's
 * netfront: joins vif devid of this domain to a TAP device it creates, so
 * that the Linux network stack of the namespace it runs in (routing,
 * sockets, ping, TCP) is the guest on the other end of the vif.
 *
 *   xenpv-netfront-tap --devid N [--tap NAME] [--domid D] [--queues N]
 *       [--no-sg] [--no-gso] [--no-csum] [--no-split] [--platform P]
 *
 * The TAP (default xpvtap0; IFF_TAP | IFF_NO_PI | IFF_VNET_HDR) gets the
 * vif's MAC address; bringing it up and addressing it is the caller's
 * (ip link, ip addr).  Frames the stack sends through the TAP go out on
 * the netfront, frames the netfront receives come in through the TAP, and
 * the virtio-net header carries checksum offload and TCP segmentation
 * both ways: TUNSETOFFLOAD allows the stack exactly what was negotiated
 * (blank checksums only when the backend takes IPv6 ones too, as
 * TUN_F_CSUM covers both; TSO4/TSO6 with the matching GSO feature); a
 * received frame with a blank checksum gets the csum_start and
 * csum_offset the header needs, found from its own headers (netif
 * carries none).  Needs /dev/net/tun and CAP_NET_ADMIN.
 *
 * The offloads follow the vif across reconnections.  Runs until SIGINT
 * or SIGTERM (exit 0) or until the vif goes away or breaks (exit 1).
 * One thread; allocates nothing per frame.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "xenpvfront.h"

#define VHDR sizeof(struct virtio_net_hdr)
#define MAXF 65535u

static volatile sig_atomic_t stop;
static struct xpvf_net *h;
static int tap = -1;
static unsigned int nq;
static struct {
	unsigned long tx, rx, tx_err, rx_drop, tap_drop;
} st;

static void on_signal(int sig)
{
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xenpv-netfront-tap --devid N [--tap NAME] [--domid D]\n"
		"       [--queues N] [--no-sg] [--no-gso] [--no-csum]\n"
		"       [--no-split] [--platform xen|sim]\n");
	exit(2);
}

/*
 * Where the L4 header of frame f starts and which protocol it is, from
 * the first bytes of the frame (hdr, n of them).  0 and *l4, *proto; -1
 * when the headers are not IPv4/IPv6 with TCP or UDP right after them.
 */
static int find_l4(const unsigned char *hdr, size_t n, size_t *l4,
		   unsigned int *proto)
{
	size_t off = 14;
	unsigned int et;

	if (n < 14)
		return -1;
	et = (unsigned int)hdr[12] << 8 | hdr[13];
	if (et == 0x8100 && n >= 18) { /* one VLAN tag */
		et = (unsigned int)hdr[16] << 8 | hdr[17];
		off = 18;
	}
	if (et == 0x0800) {
		if (n < off + 20 || (hdr[off] & 0xf) < 5)
			return -1;
		*proto = hdr[off + 9];
		off += (size_t)(hdr[off] & 0xf) * 4;
	} else if (et == 0x86dd) {
		if (n < off + 40)
			return -1;
		*proto = hdr[off + 6];
		off += 40;
	} else {
		return -1;
	}
	if (*proto != 6 && *proto != 17)
		return -1;
	*l4 = off;
	return 0;
}

/* A received frame: into the TAP with its virtio-net header. */
static void on_rx(void *opaque, const struct xpvf_net_frame *f)
{
	struct iovec iov[XPVF_NET_MAX_SLOTS + 1];
	struct virtio_net_hdr vh;
	unsigned char hdr[128];
	size_t n = 0, l4 = 0, c;
	unsigned int i, proto = 0;

	memset(&vh, 0, sizeof(vh));
	for (i = 0; i < f->iovcnt && n < sizeof(hdr); i++) {
		c = f->iov[i].iov_len < sizeof(hdr) - n ?
			    f->iov[i].iov_len :
			    sizeof(hdr) - n;
		memcpy(hdr + n, f->iov[i].iov_base, c);
		n += c;
	}
	if ((f->flags & XPVF_NET_CSUM_BLANK) || f->gso_type) {
		if (find_l4(hdr, n, &l4, &proto) < 0) {
			st.rx_drop++; /* a partial checksum we cannot place */
			return;
		}
		vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh.csum_start = (uint16_t)l4;
		vh.csum_offset = proto == 6 ? 16 : 6;
	} else if (f->flags & XPVF_NET_DATA_VALIDATED) {
		vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	}
	if (f->gso_type) {
		if (proto != 6 || n < l4 + 13) {
			st.rx_drop++;
			return;
		}
		vh.gso_type = f->gso_type == XPVF_NET_GSO_TCPV4 ?
				      VIRTIO_NET_HDR_GSO_TCPV4 :
				      VIRTIO_NET_HDR_GSO_TCPV6;
		vh.gso_size = (uint16_t)f->gso_size;
		vh.hdr_len = (uint16_t)(l4 + (size_t)(hdr[l4 + 12] >> 4) * 4);
	}
	iov[0].iov_base = &vh;
	iov[0].iov_len = VHDR;
	for (i = 0; i < f->iovcnt; i++)
		iov[i + 1] = f->iov[i];
	if (writev(tap, iov, (int)f->iovcnt + 1) < 0)
		st.tap_drop++;
	else
		st.rx++;
}

static void on_tx(void *opaque, void *frame_opaque, int result)
{
	if (result < 0)
		st.tx_err++;
	else
		st.tx++;
}

/*
 * Turns a frame read from the TAP (virtio-net header first) into a
 * netfront frame.  0, or -1 for one to drop (an offload that was not
 * allowed).
 */
static int from_tap(unsigned char *buf, size_t n, struct iovec *iov,
		    struct xpvf_net_frame *f)
{
	struct virtio_net_hdr vh;

	if (n < VHDR + 14)
		return -1;
	memcpy(&vh, buf, VHDR);
	memset(f, 0, sizeof(*f));
	iov->iov_base = buf + VHDR;
	iov->iov_len = n - VHDR;
	f->iov = iov;
	f->iovcnt = 1;
	if (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		f->flags |= XPVF_NET_CSUM_BLANK;
	switch (vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		break;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		f->gso_type = XPVF_NET_GSO_TCPV4;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		f->gso_type = XPVF_NET_GSO_TCPV6;
		break;
	default:
		return -1;
	}
	if (vh.gso_type & VIRTIO_NET_HDR_GSO_ECN)
		return -1;
	if (f->gso_type)
		f->gso_size = vh.gso_size;
	/*
	 * Spread flows over the queues: a hash of the TCP/UDP ports, when
	 * any.  All 32 bits count: Linux gives connect() even local ports,
	 * so their low bits alone would put every flow on one queue.
	 */
	if (nq > 1 && vh.csum_start && vh.csum_start + 4u <= n - VHDR) {
		const unsigned char *p = buf + VHDR + vh.csum_start;
		uint32_t k = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			     (uint32_t)p[2] << 8 | p[3];

		f->queue = (k * 0x9e3779b1u) >> 24;
	}
	return 0;
}

/* What the stack may hand us: what the netfront can send.  TUN_F_CSUM
 * covers IPv4 and IPv6 alike. */
static unsigned int offloads(const struct xpvf_net_info *in)
{
	unsigned int off = 0;

	if (in->ipv6_csum_offload) {
		off |= TUN_F_CSUM;
		if (in->gso_tcpv4)
			off |= TUN_F_TSO4;
		if (in->gso_tcpv6)
			off |= TUN_F_TSO6;
	}
	return off;
}

static int open_tap(const char *name, const struct xpvf_net_info *in)
{
	struct ifreq ifr;
	unsigned int off = offloads(in);
	int fd, s, hsz = (int)VHDR;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("xenpv-netfront-tap: /dev/net/tun");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 ||
	    ioctl(fd, TUNSETVNETHDRSZ, &hsz) < 0) {
		perror("xenpv-netfront-tap: TUNSETIFF");
		close(fd);
		return -1;
	}
	if (ioctl(fd, TUNSETOFFLOAD, off) < 0) {
		perror("xenpv-netfront-tap: TUNSETOFFLOAD");
		close(fd);
		return -1;
	}
	/* The vif's address, when the toolstack gave one. */
	if (in->mac[0] | in->mac[1] | in->mac[2] | in->mac[3] | in->mac[4] |
	    in->mac[5]) {
		s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		ifr.ifr_hwaddr.sa_family = 1; /* ARPHRD_ETHER */
		memcpy(ifr.ifr_hwaddr.sa_data, in->mac, 6);
		if (s < 0 || ioctl(s, SIOCSIFHWADDR, &ifr) < 0)
			perror("xenpv-netfront-tap: SIOCSIFHWADDR");
		if (s >= 0)
			close(s);
	}
	printf("%s: vif %u queue(s), sg %d gso4 %d gso6 %d csum %d, offload "
	       "0x%x\n",
	       ifr.ifr_name, in->queues, in->sg, in->gso_tcpv4, in->gso_tcpv6,
	       in->csum_offload, off);
	fflush(stdout);
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "devid", 1, NULL, 'd' },    { "tap", 1, NULL, 't' },
		{ "domid", 1, NULL, 'D' },    { "queues", 1, NULL, 'q' },
		{ "no-sg", 0, NULL, 's' },    { "no-gso", 0, NULL, 'g' },
		{ "no-csum", 0, NULL, 'c' },  { "no-split", 0, NULL, 'S' },
		{ "platform", 1, NULL, 'p' }, { NULL, 0, NULL, 0 },
	};
	struct xpvf_net_opts o;
	struct xpvf_net_info in, now;
	struct xpvf_net_frame f;
	struct iovec iov;
	struct pollfd pfd[2];
	struct sigaction sa;
	const char *name = "xpvtap0";
	unsigned int domid = XPVF_DOMID_SELF, devid = 0;
	unsigned char *buf;
	bool have = false, devid_set = false;
	ssize_t n;
	int c, err, rc = 0;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			devid = (unsigned int)atoi(optarg);
			devid_set = true;
			break;
		case 't': name = optarg; break;
		case 'D': domid = (unsigned int)atoi(optarg); break;
		case 'q': o.max_queues = (unsigned int)atoi(optarg); break;
		case 's': o.no_sg = 1; break;
		case 'g': o.no_gso_tcpv4 = o.no_gso_tcpv6 = 1; break;
		case 'c': o.no_csum_offload = 1; break;
		case 'S': o.no_split_evtchn = 1; break;
		case 'p': o.platform = optarg; break;
		default: usage();
		}
	}
	if (!devid_set || optind != argc || strlen(name) >= IFNAMSIZ)
		usage();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	buf = malloc(VHDR + MAXF + 64);
	if (!buf)
		return 1;
	err = xpvf_net_open(&h, domid, devid, &o);
	if (err < 0) {
		fprintf(stderr, "xenpv-netfront-tap: vif %u: %s\n", devid,
			strerror(-err));
		free(buf);
		return 1;
	}
	xpvf_net_info(h, &in);
	nq = in.queues;
	tap = open_tap(name, &in);
	if (tap < 0) {
		xpvf_net_close(h);
		free(buf);
		return 1;
	}
	xpvf_net_set_callbacks(h, on_rx, on_tx, NULL);
	pfd[0].fd = xpvf_net_fd(h);
	pfd[1].fd = tap;
	while (!stop) {
		pfd[0].events = POLLIN;
		/* A frame the rings had no room for waits: stop reading. */
		pfd[1].events = have ? 0 : POLLIN;
		if (poll(pfd, 2, xpvf_net_tx_in_flight(h) ? 1000 : -1) < 0 &&
		    errno != EINTR)
			break;
		err = xpvf_net_process(h);
		if (err < 0) {
			fprintf(stderr, "xenpv-netfront-tap: vif: %s\n",
				strerror(-err));
			rc = 1;
			break;
		}
		/* A new connection may have other features. */
		xpvf_net_info(h, &now);
		if (now.reconnects != in.reconnects) {
			in = now;
			nq = in.queues;
			if (ioctl(tap, TUNSETOFFLOAD, offloads(&in)) < 0)
				perror("xenpv-netfront-tap: TUNSETOFFLOAD");
		}
		if (!have && (pfd[1].revents & POLLIN)) {
			n = read(tap, buf, VHDR + MAXF + 64);
			if (n > 0 && from_tap(buf, (size_t)n, &iov, &f) == 0)
				have = true;
			else if (n > 0)
				st.tx_err++;
		}
		if (have) {
			err = xpvf_net_submit(h, &f, NULL);
			if (err != -EAGAIN) {
				have = false;
				if (err < 0)
					st.tx_err++;
			}
		}
	}
	printf("tx %lu rx %lu tx_err %lu rx_drop %lu tap_drop %lu\n", st.tx,
	       st.rx, st.tx_err, st.rx_drop, st.tap_drop);
	xpvf_net_close(h);
	close(tap);
	free(buf);
	return rc;
}
