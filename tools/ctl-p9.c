/* SPDX-License-Identifier: MIT */
/*
 * ctl-p9.c - xenpvctl p9-attach and p9-detach: the toolstack's part of a
 * 9pfs share's life cycle, as libxl does it for `p9 = [ 'tag=T,path=P,
 * security_model=none' ]` (libxl_9pfs.c and the generic device code).
 *
 * p9-attach writes, in one transaction, the backend directory
 * /local/domain/<bdom>/backend/<type>/<fdom>/<devid> (type 9pfs, as Xen
 * 4.17; xen_9pfs, as Xen >= 4.19's xen-9pfsd devices, which also carry
 * the quota keys, all 0) with frontend, frontend-id, online, state 1,
 * path and security_model; the frontend directory
 * /local/domain/<fdom>/device/9pfs/<devid> with backend, backend-id,
 * state 1 and tag; and dom0's record /libxl/<fdom>/device/9pfs/<devid>.
 * p9-detach goes by that record (never by the guest's backend pointer,
 * unless it names this very device) and removes what attach wrote, once
 * the backend is Closed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenpvctl.h"
#include "xs-util.h"

struct p9_attach {
	struct ctl_dev_paths p;
	unsigned int bdom, fdom, devid;
	const char *type, *path, *tag, *model;
};

static int p9_paths(struct ctl_dev_paths *p, unsigned int bdom,
		    const char *type, unsigned int fdom, unsigned int devid)
{
	int a, b, c;

	a = snprintf(p->be, sizeof(p->be), "/local/domain/%u/backend/%s/%u/%u",
		     bdom, type, fdom, devid);
	b = snprintf(p->fe, sizeof(p->fe), "/local/domain/%u/device/9pfs/%u",
		     fdom, devid);
	c = snprintf(p->rec, sizeof(p->rec), "/libxl/%u/device/9pfs/%u", fdom,
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
	const struct p9_attach *a = opaque;
	char fdom[16], bdom[16], buf[16];
	int rc;

	snprintf(fdom, sizeof(fdom), "%u", a->fdom);
	snprintf(bdom, sizeof(bdom), "%u", a->bdom);
	if (xpv_xs_read(xsh, t, a->p.be, "state", buf, sizeof(buf)) >= 0 ||
	    xpv_xs_read(xsh, t, a->p.fe, "state", buf, sizeof(buf)) >= 0)
		return -EEXIST;

	const struct xpv_xs_kv back[] = {
		{ "frontend", a->p.fe },
		{ "frontend-id", fdom },
		{ "online", "1" },
		{ "state", "1" },
		{ "path", a->path },
		{ "security_model", a->model },
	};
	/* xen-9pfsd's quotas (libxl 4.19 writes them for xen_9pfs). */
	const struct xpv_xs_kv quotas[] = {
		{ "max-space", "0" },
		{ "max-files", "0" },
		{ "max-open-files", "0" },
		{ "auto-delete", "0" },
	};
	const struct xpv_xs_kv front[] = {
		{ "backend", a->p.be },
		{ "backend-id", bdom },
		{ "state", "1" },
		{ "tag", a->tag },
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
	if (rc >= 0 && !strcmp(a->type, "xen_9pfs"))
		rc = write_all(xsh, t, a->p.be, quotas,
			       sizeof(quotas) / sizeof(quotas[0]));
	rc = rc < 0 ? rc : write_all(xsh, t, a->p.fe, front,
				     sizeof(front) / sizeof(front[0]));
	if (rc < 0)
		return rc;
	rc = xpv_xs_rm(xsh, t, a->p.rec, NULL);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	rc = xpv_xs_mkdir(xsh, t, a->p.rec, NULL, 0, 0);
	return rc < 0 ? rc : write_all(xsh, t, a->p.rec, rec, 2);
}

#define ATTACH_USAGE \
	"usage: xenpvctl p9-attach --domid N --path DIR --tag TAG [options]\n" \
	"  --domid N            the guest (frontend) domain\n" \
	"  --path DIR           the dom0 directory shared (absolute)\n" \
	"  --tag TAG            what the guest mounts (mount -t 9p TAG)\n" \
	"  --devid N            device number (default 0)\n" \
	"  --security-model M   none (default) or passthrough\n" \
	"  --type T             9pfs (default, Xen 4.17) or xen_9pfs\n" \
	"  --backend-domid N    the backend domain (default 0)\n" \
	"  --wait SECONDS       wait for the backend's InitWait and, with\n" \
	"                       --wait-connected, for both ends Connected\n"

int ctl_p9_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domid", required_argument, NULL, 'd' },
		{ "path", required_argument, NULL, 'p' },
		{ "tag", required_argument, NULL, 'g' },
		{ "devid", required_argument, NULL, 'i' },
		{ "security-model", required_argument, NULL, 'm' },
		{ "type", required_argument, NULL, 'T' },
		{ "backend-domid", required_argument, NULL, 'b' },
		{ "wait", required_argument, NULL, 'w' },
		{ "wait-connected", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct p9_attach a = { .type = "9pfs", .model = "none" };
	bool have_domid = false, wait_connected = false;
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
		case 'p':
			a.path = optarg;
			break;
		case 'g':
			a.tag = optarg;
			break;
		case 'i':
			errno = 0;
			a.devid = (unsigned int)strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg)
				goto usage;
			break;
		case 'm':
			a.model = optarg;
			break;
		case 'T':
			if (strcmp(optarg, "9pfs") && strcmp(optarg, "xen_9pfs"))
				goto usage;
			a.type = optarg;
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
	if (!have_domid || !a.path || !a.tag || optind != argc)
		goto usage;
	if (a.path[0] != '/' || !*a.tag) {
		fprintf(stderr, "xenpvctl p9-attach: --path must be absolute "
			"and --tag not empty\n");
		return 2;
	}
	rc = p9_paths(&a.p, a.bdom, a.type, a.fdom, a.devid);
	if (rc < 0)
		goto fail;
	rc = xpv_xs_open(&xsh);
	if (rc < 0)
		goto fail;
	rc = xpv_xs_transact(xsh, attach_txn, &a);
	if (rc == -EEXIST) {
		fprintf(stderr, "xenpvctl p9-attach: share %u of domain %u "
			"already exists\n", a.devid, a.fdom);
		xpv_xs_close(xsh);
		return 1;
	}
	if (rc < 0)
		goto fail;
	rc = ctl_wait_attached(xsh, &a.p, wait_s, wait_connected);
	if (rc < 0)
		goto fail;
	printf("%s %u\n", a.p.be, a.devid);
	xpv_xs_close(xsh);
	return 0;

fail:
	fprintf(stderr, "xenpvctl p9-attach: %s\n", strerror(-rc));
	xpv_xs_close(xsh);
	return 1;
usage:
	fprintf(stderr, ATTACH_USAGE);
	return 2;
}

#define DETACH_USAGE \
	"usage: xenpvctl p9-detach --domid N [--devid 0] [--timeout 10] " \
	"[--force]\n"

int ctl_p9_detach(int argc, char **argv)
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
	/* The type is the record's: only its backend path is read. */
	rc = p9_paths(&p, 0, "9pfs", fdom, devid);
	if (rc < 0)
		goto fail;
	rc = xpv_xs_open(&xsh);
	if (rc < 0)
		goto fail;
	/* dom0's record only: a guest could point its own backend key at
	 * any directory (see ctl-toolstack.c). */
	rc = xpv_xs_read(xsh, XBT_NULL, p.rec, "backend", p.be, sizeof(p.be));
	if (rc < 0) {
		fprintf(stderr, "xenpvctl p9-detach: no share %u of domain %u "
			"(no toolstack record)\n", devid, fdom);
		xpv_xs_close(xsh);
		return 1;
	}
	rc = ctl_detach_dev(xsh, &p, timeout_s, force);
	if (rc == -ETIMEDOUT) {
		fprintf(stderr, "xenpvctl p9-detach: backend did not reach "
			"Closed within %gs (use --force)\n", timeout_s);
		xpv_xs_close(xsh);
		return 1;
	}
	if (rc < 0)
		goto fail;
	xpv_xs_close(xsh);
	return 0;

fail:
	fprintf(stderr, "xenpvctl p9-detach: %s\n", strerror(-rc));
	xpv_xs_close(xsh);
	return 1;
usage:
	fprintf(stderr, DETACH_USAGE);
	return 2;
}
