/* SPDX-License-Identifier: MIT */
/*
 * tap.c - the vif's TAP device (see tap.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"

static int open_queue(const char *name, int *fdp)
{
	struct ifreq ifr;
	int fd, sz = XPVD_TAP_VNET_HDR_LEN, err;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 ||
	    ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	*fdp = fd;
	return 0;
}

/* An ioctl on the device through an AF_INET socket (MTU, address,
 * flags). */
static int dev_ioctl(unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (s < 0)
		return -errno;
	if (ioctl(s, req, ifr) < 0)
		err = -errno;
	close(s);
	return err;
}

int xpvd_tap_open(struct xpvd_tap *t, const char *name, unsigned int nr_fds,
		  unsigned int mtu)
{
	static const unsigned char mac[6] = { 0xfe, 0xff, 0xff,
					      0xff, 0xff, 0xff };
	struct ifreq ifr;
	unsigned int i;
	int err;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < XPVD_TAP_MAX_QUEUES; i++)
		t->fd[i] = -1;
	if (!nr_fds || nr_fds > XPVD_TAP_MAX_QUEUES ||
	    strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	snprintf(t->name, sizeof(t->name), "%s", name);
	for (i = 0; i < nr_fds; i++) {
		err = open_queue(name, &t->fd[i]);
		if (err)
			goto fail;
		t->nr_fds = i + 1;
	}
	if (ioctl(t->fd[0], TUNSETPERSIST, 1) < 0) {
		err = -errno;
		goto fail;
	}
	err = xpvd_tap_set_carrier(t, false);
	if (err)
		goto fail;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, sizeof(mac));
	err = dev_ioctl(SIOCSIFHWADDR, &ifr);
	if (err && err != -EBUSY)	/* up already (a successor): kept */
		goto fail;
	if (mtu) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
		ifr.ifr_mtu = (int)mtu;
		err = dev_ioctl(SIOCSIFMTU, &ifr);
		if (err)
			goto fail;
	}
	return 0;

fail:
	xpvd_tap_close(t, false);
	return err;
}

void xpvd_tap_close(struct xpvd_tap *t, bool keep)
{
	unsigned int i;

	if (!t || !t->nr_fds)
		return;
	if (!keep)
		(void)ioctl(t->fd[0], TUNSETPERSIST, 0);
	for (i = 0; i < t->nr_fds; i++) {
		close(t->fd[i]);
		t->fd[i] = -1;
	}
	t->nr_fds = 0;
}

int xpvd_tap_set_offload(struct xpvd_tap *t, unsigned int tun_flags)
{
	if (!t->nr_fds)
		return -EBADF;
	return ioctl(t->fd[0], TUNSETOFFLOAD, tun_flags) < 0 ? -errno : 0;
}

int xpvd_tap_set_queues(struct xpvd_tap *t, unsigned int n)
{
	struct ifreq ifr;
	unsigned int i;

	for (i = 0; i < t->nr_fds; i++) {
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_flags = i < n ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE;
		/* EINVAL: already in that state. */
		if (ioctl(t->fd[i], TUNSETQUEUE, &ifr) < 0 && errno != EINVAL)
			return -errno;
	}
	return 0;
}

int xpvd_tap_set_carrier(struct xpvd_tap *t, bool on)
{
	int v = on;

	if (!t->nr_fds)
		return -EBADF;
	return ioctl(t->fd[0], TUNSETCARRIER, &v) < 0 ? -errno : 0;
}

bool xpvd_tap_exists(const struct xpvd_tap *t)
{
	return t->nr_fds && if_nametoindex(t->name) != 0;
}
