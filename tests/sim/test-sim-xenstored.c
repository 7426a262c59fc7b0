/* SPDX-License-Identifier: MIT */
/*
 * test-sim-xenstored.c - Debian's real xenstored on a sim world through the
 * preload library: introducing a sim domain (xs_introduce_domain with its
 * store frame and port) makes xenstored map the domain's XenStore page with
 * a sim grant map and bind its event channel; a request the guest writes
 * into the ring (struct xenstore_domain_interface) is answered; destroying
 * the domain makes xenstored release it (@releaseDomain fires, its mapping
 * goes away).  Skips when xenstored or the preload is not there.
 */
#include <config.h>

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <xenstore.h>
#include <xen/io/xs_wire.h>

#include "test-sim-util.h"

static struct xpv_sim_dominfo info;

/* The guest kernel's side: one request on the store ring, one answer. */
static int guest(void *arg)
{
	struct xenstore_domain_interface *intf;
	struct xsd_sockmsg msg = { .type = XS_GET_DOMAIN_PATH, .req_id = 7,
				   .len = 2 };
	struct xsd_sockmsg rsp;
	struct xpv_evtchn *e;
	char body[64];
	XENSTORE_RING_IDX prod, cons;
	int fd, p, tries;

	intf = xpv_sim_own_page(info.store_frame);
	CHECK(intf);
	CHECK_EQ(P->evtchn->open(&e), 0);
	fd = P->evtchn->fd(e);
	CHECK_EQ(xpv_sim_evtchn_adopt(e, info.store_port), 0);

	prod = intf->req_prod;
	memcpy(intf->req + MASK_XENSTORE_IDX(prod), &msg, sizeof(msg));
	memcpy(intf->req + MASK_XENSTORE_IDX(prod + sizeof(msg)), "1", 2);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* data before index */
	intf->req_prod = prod + sizeof(msg) + 2;
	CHECK_EQ(P->evtchn->notify(e, info.store_port), 0);

	for (tries = 0; tries < 100; tries++) {
		if (intf->rsp_prod - intf->rsp_cons >= sizeof(rsp) + 16)
			break;
		if (readable(fd, 100)) {
			p = P->evtchn->pending(e);
			CHECK_EQ(p, info.store_port);
			P->evtchn->unmask(e, (xpv_port_t)p);
		}
	}
	cons = intf->rsp_cons;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* index before data */
	CHECK(intf->rsp_prod - cons >= sizeof(rsp));
	memcpy(&rsp, intf->rsp + MASK_XENSTORE_IDX(cons), sizeof(rsp));
	CHECK_EQ(rsp.type, XS_GET_DOMAIN_PATH);
	CHECK_EQ(rsp.req_id, 7);
	CHECK(rsp.len < sizeof(body));
	memcpy(body, intf->rsp + MASK_XENSTORE_IDX(cons + sizeof(rsp)),
	       rsp.len);
	CHECK(strcmp(body, "/local/domain/1") == 0);
	intf->rsp_cons = cons + sizeof(rsp) + rsp.len;
	P->evtchn->close(e);
	return 0;
}

/* Waits up to 5 s for a watch event on path; returns 1 if one came. */
static int watch_fired(struct xs_handle *xs, const char *path)
{
	unsigned int n;
	char **v;
	int i;

	for (i = 0; i < 50; i++) {
		if (!readable(xs_fileno(xs), 100))
			continue;
		v = xs_read_watch(xs, &n);
		if (!v)
			return 0;
		if (!strcmp(v[XS_WATCH_PATH], path)) {
			free(v);
			return 1;
		}
		free(v);
	}
	return 0;
}

static pid_t xsd;
static char sock[PATH_MAX], trace[PATH_MAX];

/* Runs before the world is removed (atexit order), also on failure. */
static void stop_xenstored(void)
{
	int st;

	if (xsd > 0 && getpid() != xsd) {
		kill(xsd, SIGTERM);
		waitpid(xsd, &st, 0);
		xsd = 0;
		unlink(sock);
		unlink(trace);
	}
}

int main(void)
{
	const char *top = getenv("top_builddir");
	char preload[PATH_MAX];
	struct xs_handle *xs = NULL;
	int base, i, st;
	pid_t pid;

	if (access(XENSTORED_BIN, X_OK) < 0)
		return 77;
	snprintf(preload, sizeof(preload),
		 "%s/common/.libs/xenpv-xenstored-preload.so",
		 top ? top : "..");
	if (access(preload, R_OK) < 0)
		return 77;
	sim_world_setup(1);
	snprintf(sock, sizeof(sock), "%s/xenstored.sock", sim_world_dir);
	snprintf(trace, sizeof(trace), "%s/xenstored.trace", sim_world_dir);
	setenv("XENSTORED_PATH", sock, 1);
	CHECK_EQ(xpv_sim_domain_info(sim_world_dir, 1, &info), 0);
	base = xpv_sim_count_ports(sim_world_dir, 0);

	fflush(stderr);
	xsd = fork();
	CHECK(xsd >= 0);
	if (xsd > 0)
		atexit(stop_xenstored);
	if (xsd == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		setenv("LD_PRELOAD", preload, 1);
		setenv("XENSTORED_RUNDIR", sim_world_dir, 1);
		unsetenv("ASAN_OPTIONS");
		execl(XENSTORED_BIN, "xenstored", "--no-fork", "-T", trace,
		      (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200 && !xs; i++) {
		xs = xs_open(0);
		if (!xs)
			usleep(20000);
		CHECK(waitpid(xsd, &st, WNOHANG) == 0);
	}
	CHECK(xs);
	CHECK(xs_watch(xs, "@releaseDomain", "r"));
	CHECK(watch_fired(xs, "@releaseDomain")); /* the initial event */

	CHECK(xs_introduce_domain(xs, 1, info.store_frame, info.store_port));
	CHECK_EQ(xpv_sim_count_maps(sim_world_dir, 0), 1);
	/* xenstored's VIRQ port, its port bound to dom0's store port (the
	 * store port itself was counted in base) and its port to dom1. */
	CHECK_EQ(xpv_sim_count_ports(sim_world_dir, 0), base + 3);

	pid = run_as(1, guest, NULL);
	CHECK_EQ(wait_for(pid), 0);

	CHECK_EQ(xpv_sim_domain_destroy(sim_world_dir, 1), 0);
	CHECK(watch_fired(xs, "@releaseDomain"));
	CHECK_EQ(xpv_sim_count_maps(sim_world_dir, 0), 0);
	CHECK_EQ(xpv_sim_count_ports(sim_world_dir, 0), base + 2);

	xs_close(xs);
	stop_xenstored();
	/* Its ports are reaped once it is gone. */
	CHECK_EQ(xpv_sim_reap(sim_world_dir), 2);
	CHECK_EQ(xpv_sim_count_ports(sim_world_dir, 0), base);
	return 0;
}
