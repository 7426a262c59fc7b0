/* SPDX-License-Identifier: MIT */
/*
 * ctl-net.c - xenpvctl net-attach and net-detach: the toolstack's part
 * of a vif's life cycle, as libxl 4.17 does it for `vif = [ 'bridge=BR,
 * mac=M' ]` (libxl_nic.c and the generic device code), and, for machines
 * where no hotplug script runs (the sim), the part of vif-bridge.
 *
 * net-attach writes, in one transaction, the backend directory
 * /local/domain/<bdom>/backend/vif/<fdom>/<devid> (frontend, frontend-id,
 * online, state 1, script, mac, [mtu], bridge, handle, type = vif and an
 * empty hotplug-status, which makes the backend wait for the script),
 * the frontend directory /local/domain/<fdom>/device/vif/<devid>
 * (backend, backend-id, state 1, handle, mac, trusted, and mtu, which the
 * guest may only read) and dom0's record /libxl/<fdom>/device/vif/<devid>.
 * Then, unless --no-hotplug, it does what vif-bridge does once the
 * backend reached InitWait: finds the backend's TAP vif<fdom>.<devid>,
 * adds it to the bridge (which must exist, or --create-bridge), sets it
 * up and writes hotplug-status = connected; on failure it writes
 * hotplug-error and hotplug-status = error, as the script would.
 *
 * net-detach goes by the record, writes online 0 and Closing, waits for
 * Closed and removes what attach wrote (the TAP leaves the bridge when
 * the backend closes it).
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "xenpvctl.h"
#include "xs-util.h"

#define VIF_BRIDGE_SCRIPT "/etc/xen/scripts/vif-bridge"

struct net_attach {
	struct ctl_dev_paths p;
	unsigned int bdom, fdom, devid, mtu;
	const char *bridge, *script;
	char mac[18];
};

static int net_paths(struct ctl_dev_paths *p, unsigned int bdom,
		     unsigned int fdom, unsigned int devid)
{
	int a, b, c;

	a = snprintf(p->be, sizeof(p->be), "/local/domain/%u/backend/vif/%u/%u",
		     bdom, fdom, devid);
	b = snprintf(p->fe, sizeof(p->fe), "/local/domain/%u/device/vif/%u",
		     fdom, devid);
	c = snprintf(p->rec, sizeof(p->rec), "/libxl/%u/device/vif/%u", fdom,
		     devid);
	if (a < 0 || b < 0 || c < 0 || (size_t)a >= sizeof(p->be) ||
	    (size_t)b >= sizeof(p->fe) || (size_t)c >= sizeof(p->rec))
		return -ENAMETOOLONG;
	return 0;
}

static int write_all(struct xs_handle *xsh, xs_transaction_t t,
		     const char *dir, const struct xpv_xs_kv *kv, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = xpv_xs_write(xsh, t, dir, kv[i].node, kv[i].value);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int attach_txn(struct xs_handle *xsh, xs_transaction_t t, void *opaque)
{
	const struct net_attach *a = opaque;
	char fdom[16], bdom[16], devid[16], mtu[16], buf[16];
	int rc;

	snprintf(fdom, sizeof(fdom), "%u", a->fdom);
	snprintf(bdom, sizeof(bdom), "%u", a->bdom);
	snprintf(devid, sizeof(devid), "%u", a->devid);
	snprintf(mtu, sizeof(mtu), "%u", a->mtu ? a->mtu : 1500);
	if (xpv_xs_read(xsh, t, a->p.be, "state", buf, sizeof(buf)) >= 0 ||
	    xpv_xs_read(xsh, t, a->p.fe, "state", buf, sizeof(buf)) >= 0)
		return -EEXIST;

	const struct xpv_xs_kv back[] = {
		{ "frontend", a->p.fe },
		{ "frontend-id", fdom },
		{ "online", "1" },
		{ "state", "1" },
		{ "script", a->script },
		{ "mac", a->mac },
	};
	const struct xpv_xs_kv back2[] = {
		{ "bridge", a->bridge },
		{ "handle", devid },
		{ "type", "vif" },
		/* Makes the backend wait for the script (libxl). */
		{ "hotplug-status", "" },
	};
	const struct xpv_xs_kv front[] = {
		{ "backend", a->p.be },
		{ "backend-id", bdom },
		{ "state", "1" },
		{ "handle", devid },
		{ "mac", a->mac },
		{ "trusted", "1" },
	};
	const struct xpv_xs_kv rec[] = {
		{ "frontend", a->p.fe },
		{ "backend", a->p.be },
	};

	rc = xpv_xs_mkdir(xsh, t, a->p.be, NULL, a->bdom, a->fdom);
	rc = rc < 0 ? rc : xpv_xs_mkdir(xsh, t, a->p.fe, NULL, a->fdom,
					a->bdom);
	rc = rc < 0 ? rc : write_all(xsh, t, a->p.be, back,
				     sizeof(back) / sizeof(back[0]));
	if (rc >= 0 && a->mtu)
		rc = xpv_xs_write(xsh, t, a->p.be, "mtu", mtu);
	rc = rc < 0 ? rc : write_all(xsh, t, a->p.be, back2,
				     sizeof(back2) / sizeof(back2[0]));
	rc = rc < 0 ? rc : write_all(xsh, t, a->p.fe, front,
				     sizeof(front) / sizeof(front[0]));
	/* libxl's ro_front: the guest reads its MTU but cannot change it. */
	rc = rc < 0 ? rc : xpv_xs_mkdir(xsh, t, a->p.fe, "mtu", a->bdom,
					a->fdom);
	rc = rc < 0 ? rc : xpv_xs_write(xsh, t, a->p.fe, "mtu", mtu);
	if (rc < 0)
		return rc;
	rc = xpv_xs_rm(xsh, t, a->p.rec, NULL);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	rc = xpv_xs_mkdir(xsh, t, a->p.rec, NULL, 0, 0);
	return rc < 0 ? rc : write_all(xsh, t, a->p.rec, rec, 2);
}

/* ---- vif-bridge's part ---- */

static int sock_ioctl(unsigned long req, void *arg)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (s < 0)
		return -errno;
	if (ioctl(s, req, arg) < 0)
		rc = -errno;
	close(s);
	return rc;
}

/* Puts vif on bridge (created first when create) and sets it up.  0 or
 * -errno with *why. */
static int bridge_add(const char *bridge, const char *vif, bool create,
		      const char **why)
{
	struct ifreq ifr;
	unsigned int idx;
	int rc;

	if (!if_nametoindex(bridge)) {
		if (!create) {
			*why = "no such bridge";
			return -ENODEV;
		}
		rc = sock_ioctl(SIOCBRADDBR, (void *)bridge);
		if (rc < 0) {
			*why = "cannot create the bridge";
			return rc;
		}
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", bridge);
		rc = sock_ioctl(SIOCGIFFLAGS, &ifr);
		ifr.ifr_flags |= IFF_UP;
		rc = rc < 0 ? rc : sock_ioctl(SIOCSIFFLAGS, &ifr);
		if (rc < 0) {
			*why = "cannot set the bridge up";
			return rc;
		}
	}
	idx = if_nametoindex(vif);
	if (!idx) {
		*why = "the backend's TAP does not exist";
		return -ENODEV;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", bridge);
	ifr.ifr_ifindex = (int)idx;
	rc = sock_ioctl(SIOCBRADDIF, &ifr);
	if (rc < 0 && rc != -EBUSY) {
		*why = "cannot add the TAP to the bridge";
		return rc;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", vif);
	rc = sock_ioctl(SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	rc = rc < 0 ? rc : sock_ioctl(SIOCSIFFLAGS, &ifr);
	if (rc < 0) {
		*why = "cannot set the TAP up";
		return rc;
	}
	return 0;
}

static int hotplug(struct xs_handle *xsh, const struct net_attach *a,
		   bool create, double wait_s)
{
	char vif[IFNAMSIZ], msg[256];
	const char *why = NULL;
	int rc;

	/* The backend creates its TAP before InitWait (net.h). */
	rc = ctl_wait_state(xsh, a->p.be, ctl_state_initwait_or_later,
			    wait_s > 0 ? wait_s : 10);
	if (rc < 0) {
		fprintf(stderr, "xenpvctl net-attach: the backend did not "
			"reach InitWait: %s\n", strerror(-rc));
		return rc;
	}
	/* domid < 32752 and devid < 65536: it fits. */
	snprintf(vif, sizeof(vif), "vif%u.%hu", a->fdom & 0x7fff,
		 (unsigned short)a->devid);
	rc = bridge_add(a->bridge, vif, create, &why);
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "%s %s: %s (%s)", vif, a->bridge,
			 why, strerror(-rc));
		fprintf(stderr, "xenpvctl net-attach: %s\n", msg);
		xpv_xs_write(xsh, XBT_NULL, a->p.be, "hotplug-error", msg);
		xpv_xs_write(xsh, XBT_NULL, a->p.be, "hotplug-status", "error");
		return rc;
	}
	return xpv_xs_write(xsh, XBT_NULL, a->p.be, "hotplug-status",
			    "connected");
}

/* aa:bb:cc:dd:ee:ff, lower case: 0 or -EINVAL. */
static int parse_mac(const char *s, char *out)
{
	unsigned int b[6], i;
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6 || strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		sprintf(out + 3 * i, "%02x%s", b[i], i < 5 ? ":" : "");
	return 0;
}

#define ATTACH_USAGE \
	"usage: xenpvctl net-attach --domid N --bridge BR [options]\n" \
	"  --domid N            the guest (frontend) domain\n" \
	"  --bridge BR          the dom0 bridge the vif joins\n" \
	"  --mac M              the guest's address (default 00:16:3e:...\n" \
	"                       from the domain and device numbers)\n" \
	"  --devid N            device number (default 0)\n" \
	"  --mtu N              the vif's MTU (default 1500)\n" \
	"  --backend-domid N    the backend domain (default 0)\n" \
	"  --script PATH        the hotplug script named in the backend\n" \
	"                       (default " VIF_BRIDGE_SCRIPT ")\n" \
	"  --no-hotplug         do not do vif-bridge's work (a real\n" \
	"                       toolstack's script does it)\n" \
	"  --create-bridge      create BR when it does not exist\n" \
	"  --wait SECONDS       wait for InitWait and, with\n" \
	"                       --wait-connected, for both ends Connected\n"

int ctl_net_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domid", required_argument, NULL, 'd' },
		{ "bridge", required_argument, NULL, 'B' },
		{ "mac", required_argument, NULL, 'm' },
		{ "devid", required_argument, NULL, 'i' },
		{ "mtu", required_argument, NULL, 'M' },
		{ "backend-domid", required_argument, NULL, 'b' },
		{ "script", required_argument, NULL, 's' },
		{ "no-hotplug", no_argument, NULL, 'n' },
		{ "create-bridge", no_argument, NULL, 'C' },
		{ "wait", required_argument, NULL, 'w' },
		{ "wait-connected", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct net_attach a = { .script = VIF_BRIDGE_SCRIPT };
	bool have_domid = false, wait_connected = false, do_hotplug = true;
	bool create = false;
	const char *mac = NULL;
	struct xs_handle *xsh = NULL;
	double wait_s = 0;
	char *end;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (ctl_parse_domid(optarg, &a.fdom) < 0)
				goto usage;
			have_domid = true;
			break;
		case 'b':
			if (ctl_parse_domid(optarg, &a.bdom) < 0)
				goto usage;
			break;
		case 'B':
			a.bridge = optarg;
			break;
		case 'm':
			mac = optarg;
			break;
		case 'i':
		case 'M':
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);

			if (errno || *end || !*optarg || v > 65535)
				goto usage;
			if (c == 'i')
				a.devid = (unsigned int)v;
			else if (v < 68)
				goto usage;
			else
				a.mtu = (unsigned int)v;
			break;
		case 's':
			a.script = optarg;
			break;
		case 'n':
			do_hotplug = false;
			break;
		case 'C':
			create = true;
			break;
		case 'w':
			wait_s = strtod(optarg, NULL);
			break;
		case 'c':
			wait_connected = true;
			break;
		case 'h':
			printf(ATTACH_USAGE);
			return 0;
		default:
			goto usage;
		}
	}
	if (!have_domid || !a.bridge || !*a.bridge || optind != argc ||
	    strlen(a.bridge) >= IFNAMSIZ)
		goto usage;
	if (mac) {
		if (parse_mac(mac, a.mac) < 0) {
			fprintf(stderr, "xenpvctl net-attach: bad --mac %s\n",
				mac);
			return 2;
		}
	} else {
		/* Xen's OUI, then the domain and the device (libxl picks
		 * random bytes; these are stable for tests). */
		snprintf(a.mac, sizeof(a.mac), "00:16:3e:%02x:%02x:%02x",
			 (a.fdom >> 8) & 0xff, a.fdom & 0xff, a.devid & 0xff);
	}
	rc = net_paths(&a.p, a.bdom, a.fdom, a.devid);
	if (rc < 0)
		goto fail;
	rc = xpv_xs_open(&xsh);
	if (rc < 0)
		goto fail;
	rc = xpv_xs_transact(xsh, attach_txn, &a);
	if (rc == -EEXIST) {
		fprintf(stderr, "xenpvctl net-attach: vif %u of domain %u "
			"already exists\n", a.devid, a.fdom);
		xpv_xs_close(xsh);
		return 1;
	}
	if (rc < 0)
		goto fail;
	if (do_hotplug) {
		rc = hotplug(xsh, &a, create, wait_s);
		if (rc < 0) {
			xpv_xs_close(xsh);
			return 1;
		}
	}
	rc = ctl_wait_attached(xsh, &a.p, wait_s, wait_connected);
	if (rc < 0)
		goto fail;
	printf("%s vif%u.%u\n", a.p.be, a.fdom, a.devid);
	xpv_xs_close(xsh);
	return 0;

fail:
	fprintf(stderr, "xenpvctl net-attach: %s\n", strerror(-rc));
	xpv_xs_close(xsh);
	return 1;
usage:
	fprintf(stderr, ATTACH_USAGE);
	return 2;
}

#define DETACH_USAGE \
	"usage: xenpvctl net-detach --domid N [--devid 0] [--timeout 10] " \
	"[--force]\n"

int ctl_net_detach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domid", required_argument, NULL, 'd' },
		{ "devid", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_dev_paths p;
	unsigned int fdom = 0, devid = 0;
	bool have_domid = false, force = false;
	double timeout_s = 10;
	struct xs_handle *xsh = NULL;
	char *end;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (ctl_parse_domid(optarg, &fdom) < 0)
				goto usage;
			have_domid = true;
			break;
		case 'i':
			errno = 0;
			devid = (unsigned int)strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg)
				goto usage;
			break;
		case 't':
			timeout_s = strtod(optarg, NULL);
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			printf(DETACH_USAGE);
			return 0;
		default:
			goto usage;
		}
	}
	if (!have_domid || optind != argc)
		goto usage;
	rc = net_paths(&p, 0, fdom, devid);
	if (rc < 0)
		goto fail;
	rc = xpv_xs_open(&xsh);
	if (rc < 0)
		goto fail;
	/* dom0's record only: a guest could point its own backend key at
	 * any directory (see ctl-toolstack.c). */
	rc = xpv_xs_read(xsh, XBT_NULL, p.rec, "backend", p.be, sizeof(p.be));
	if (rc < 0) {
		fprintf(stderr, "xenpvctl net-detach: no vif %u of domain %u "
			"(no toolstack record)\n", devid, fdom);
		xpv_xs_close(xsh);
		return 1;
	}
	/* vif-bridge's remove is ours and has nothing to do (the TAP
	 * leaves its bridge when the backend closes it): the generic
	 * detach must not run the script. */
	rc = xpv_xs_rm(xsh, XBT_NULL, p.be, "script");
	if (rc < 0 && rc != -ENOENT)
		goto fail;
	rc = ctl_detach_dev(xsh, &p, timeout_s, force);
	if (rc == -ETIMEDOUT) {
		fprintf(stderr, "xenpvctl net-detach: backend did not reach "
			"Closed within %gs (use --force)\n", timeout_s);
		xpv_xs_close(xsh);
		return 1;
	}
	if (rc < 0)
		goto fail;
	xpv_xs_close(xsh);
	return 0;

fail:
	fprintf(stderr, "xenpvctl net-detach: %s\n", strerror(-rc));
	xpv_xs_close(xsh);
	return 1;
usage:
	fprintf(stderr, DETACH_USAGE);
	return 2;
}
