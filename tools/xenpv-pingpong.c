/* SPDX-License-Identifier: MIT */
/*
 * xenpv-pingpong - a request/response ring between two domains, end to end:
 * a guest shares a ring page and an event channel, publishes them in
 * XenStore, and a dom0 server maps the ring, binds the channel and answers
 * every request with a checksum of its payload, which the guest verifies.
 *
 * It exercises, through the platform ops, everything a PV channel needs
 * (grant share/map, event channels, the ring module's notification
 * suppression and final checks, XenStore handshake) with nothing else, and
 * measures the round trip of the channel itself.
 *
 *   xenpv-pingpong serve --domid N      (in dom0)
 *   xenpv-pingpong client [--count C] [--batch B]   (in guest N)
 *
 * Keys: /local/domain/N/data/pingpong/{ring-ref,event-channel,state}.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform.h"
#include "ring.h"
#include "xs-util.h"
#include "xs-watch.h"

struct pp_req {
	uint64_t id;
	uint32_t seq;
	uint32_t flags; /* PP_QUIT: the last request */
	uint8_t payload[48];
};

struct pp_rsp {
	uint64_t id;
	uint32_t seq;
	uint32_t sum;
};

#define PP_QUIT 1u
#define PP_SLOT XPV_RING_SLOT_SIZE(struct pp_req, struct pp_rsp)

static const char *opt_platform;

static uint32_t checksum(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int wait_port(const struct xpv_evtchn_ops *ev, struct xpv_evtchn *h,
		     int timeout_ms)
{
	struct pollfd pfd = { .fd = ev->fd(h), .events = POLLIN };
	int port;

	if (poll(&pfd, 1, timeout_ms) == 0)
		return -ETIMEDOUT;
	port = ev->pending(h);
	if (port >= 0)
		ev->unmask(h, (xpv_port_t)port);
	return port == -EAGAIN ? 0 : port;
}

static int serve(unsigned int domid)
{
	const struct xpv_platform *pf = xpv_platform_get(opt_platform);
	char dir[128];
	struct xs_handle *xsh = NULL;
	struct xpv_xs_watcher *w = NULL;
	struct xpv_gnt *gnt = NULL;
	struct xpv_evtchn *ev = NULL;
	struct xpv_ring_back back;
	uint32_t ref, rport, served = 0;
	void *ring = NULL;
	int port = -1, rc, quit = 0;

	if (!pf)
		return -EINVAL;
	snprintf(dir, sizeof(dir), "/local/domain/%u/data/pingpong", domid);
	rc = xpv_xs_open(&xsh);
	if (rc < 0)
		goto out;
	rc = xpv_xs_watcher_open(xsh, &w);
	if (rc < 0)
		goto out;
	rc = xpv_xs_wait_state(w, dir, XPV_XS_STATE_BIT(XenbusStateInitialised),
			       30000, NULL);
	if (rc < 0)
		goto out;
	rc = xpv_xs_read_u32(xsh, XBT_NULL, dir, "ring-ref", UINT32_MAX, &ref);
	if (rc < 0)
		goto out;
	rc = xpv_xs_read_u32(xsh, XBT_NULL, dir, "event-channel", UINT32_MAX,
			     &rport);
	if (rc < 0)
		goto out;
	rc = pf->gnt->open(&gnt);
	if (rc < 0)
		goto out;
	rc = pf->gnt->map(gnt, (xpv_domid_t)domid, 1, &ref, 1, &ring);
	if (rc < 0)
		goto out;
	rc = xpv_ring_back_attach(&back, ring, 1, PP_SLOT, 0);
	if (rc < 0)
		goto out;
	rc = pf->evtchn->open(&ev);
	if (rc < 0)
		goto out;
	port = pf->evtchn->bind_interdomain(ev, (xpv_domid_t)domid, rport);
	if (port < 0) {
		rc = port;
		goto out;
	}
	rc = xpv_xs_switch_state(xsh, XBT_NULL, dir, XenbusStateConnected);
	if (rc < 0)
		goto out;

	while (!quit) {
		struct pp_req req;
		struct pp_rsp rsp;
		int n;

		n = xpv_ring_back_unconsumed(&back);
		if (n < 0) {
			rc = n; /* a producer index past the ring */
			goto out;
		}
		while (n-- > 0) {
			rc = xpv_ring_back_get_req(&back, &req, sizeof(req));
			if (rc < 0)
				goto out;
			memset(&rsp, 0, sizeof(rsp));
			rsp.id = req.id;
			rsp.seq = req.seq;
			rsp.sum = checksum(req.payload, sizeof(req.payload));
			rc = xpv_ring_back_put_rsp(&back, &rsp, sizeof(rsp));
			if (rc < 0)
				goto out;
			served++;
			if (req.flags & PP_QUIT)
				quit = 1;
		}
		/* One push per batch; an event only if the guest asked. */
		if (xpv_ring_back_push_responses(&back) > 0)
			pf->evtchn->notify(ev, (xpv_port_t)port);
		if (quit)
			break;
		rc = xpv_ring_back_final_check(&back);
		if (rc < 0)
			goto out;
		if (rc == 0) {
			rc = wait_port(pf->evtchn, ev, 30000);
			if (rc < 0)
				goto out;
		}
	}
	printf("pingpong-server: served=%u\n", served);
	rc = 0;
out:
	if (port >= 0)
		pf->evtchn->unbind(ev, (xpv_port_t)port);
	pf->evtchn->close(ev);
	if (ring)
		pf->gnt->unmap(gnt, ring, 1);
	pf->gnt->close(gnt);
	xpv_xs_watcher_close(w);
	xpv_xs_close(xsh);
	return rc;
}

static int client(unsigned int count, unsigned int batch)
{
	const struct xpv_platform *pf = xpv_platform_get(opt_platform);
	struct xs_handle *xsh = NULL;
	struct xpv_xs_watcher *w = NULL;
	struct xpv_gntshr *shr = NULL;
	struct xpv_evtchn *ev = NULL;
	struct xpv_ring_front front;
	char dir[128], ref_s[16], port_s[16];
	uint32_t domid, sent = 0, done = 0, events = 0;
	xpv_gref_t ref;
	void *ring = NULL;
	double t0, t1;
	int port = -1, rc;

	if (!pf)
		return -EINVAL;
	rc = xpv_xs_open(&xsh);
	if (rc < 0)
		goto out;
	rc = xpv_xs_read_u32(xsh, XBT_NULL, "domid", NULL, XPV_DOMID_MAX,
			     &domid);
	if (rc < 0)
		goto out;
	snprintf(dir, sizeof(dir), "/local/domain/%u/data/pingpong", domid);
	rc = pf->gntshr->open(&shr);
	if (rc < 0)
		goto out;
	rc = pf->gntshr->share(shr, 0, 1, &ref, 1, &ring);
	if (rc < 0)
		goto out;
	rc = xpv_ring_front_init(&front, ring, 1, PP_SLOT);
	if (rc < 0)
		goto out;
	if (batch == 0 || batch > (uint32_t)front.ring.nr_ents)
		batch = front.ring.nr_ents;
	rc = pf->evtchn->open(&ev);
	if (rc < 0)
		goto out;
	port = pf->evtchn->alloc_unbound(ev, 0);
	if (port < 0) {
		rc = port;
		goto out;
	}
	snprintf(ref_s, sizeof(ref_s), "%u", ref);
	snprintf(port_s, sizeof(port_s), "%d", port);
	const struct xpv_xs_kv kv[] = {
		{ "ring-ref", ref_s },
		{ "event-channel", port_s },
		{ "state", "3" },
	};
	rc = xpv_xs_write_batch(xsh, dir, kv, 3);
	if (rc < 0)
		goto out;
	rc = xpv_xs_watcher_open(xsh, &w);
	if (rc < 0)
		goto out;
	rc = xpv_xs_wait_state(w, dir, XPV_XS_STATE_BIT(XenbusStateConnected),
			       30000, NULL);
	if (rc < 0)
		goto out;

	t0 = now_us();
	while (done < count) {
		struct pp_rsp rsp;
		int n;

		/* Fill up to batch requests, then one push. */
		while (sent < count && sent - done < batch &&
		       xpv_ring_front_free(&front) > 0) {
			struct pp_req req;
			unsigned int i;

			memset(&req, 0, sizeof(req));
			req.id = sent;
			req.seq = sent;
			req.flags = sent + 1 == count ? PP_QUIT : 0;
			for (i = 0; i < sizeof(req.payload); i++)
				req.payload[i] = (uint8_t)(sent * 31 + i);
			rc = xpv_ring_front_put_req(&front, &req, sizeof(req));
			if (rc < 0)
				goto out;
			sent++;
		}
		if (xpv_ring_front_push_requests(&front) > 0)
			pf->evtchn->notify(ev, (xpv_port_t)port);

		n = xpv_ring_front_final_check(&front);
		if (n < 0) {
			rc = n;
			goto out;
		}
		if (n == 0) {
			rc = wait_port(pf->evtchn, ev, 30000);
			if (rc < 0)
				goto out;
			events++;
			continue;
		}
		n = xpv_ring_front_unconsumed(&front);
		while (n-- > 0) {
			uint8_t expect[48];
			unsigned int i;

			rc = xpv_ring_front_get_rsp(&front, &rsp, sizeof(rsp));
			if (rc < 0)
				goto out;
			for (i = 0; i < sizeof(expect); i++)
				expect[i] = (uint8_t)(rsp.seq * 31 + i);
			if (rsp.id != done || rsp.seq != done ||
			    rsp.sum != checksum(expect, sizeof(expect))) {
				fprintf(stderr, "pingpong: bad response %u (id %llu sum %08x)\n",
					done, (unsigned long long)rsp.id,
					rsp.sum);
				rc = -EBADMSG;
				goto out;
			}
			done++;
		}
	}
	t1 = now_us();
	printf("pingpong: ok round_trips=%u batch=%u events=%u "
	       "per_round_trip_us=%.2f round_trips_per_s=%.0f\n",
	       done, batch, events, (t1 - t0) / done,
	       done / ((t1 - t0) / 1e6));
	rc = 0;
out:
	if (port >= 0)
		pf->evtchn->unbind(ev, (xpv_port_t)port);
	pf->evtchn->close(ev);
	if (ring) {
		/* The server unmaps as it exits: retry while it is mapped. */
		int i;

		for (i = 0; i < 100; i++) {
			if (pf->gntshr->unshare(shr, ring, 1) != -EBUSY)
				break;
			struct timespec ts = { 0, 20000000 };
			nanosleep(&ts, NULL);
		}
	}
	pf->gntshr->close(shr);
	xpv_xs_watcher_close(w);
	xpv_xs_close(xsh);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: xenpv-pingpong serve --domid N [--platform P]\n"
		   "       xenpv-pingpong client [--count C] [--batch B] [--platform P]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domid", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'c' },
		{ "batch", required_argument, NULL, 'b' },
		{ "platform", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int domid = 0, count = 100000, batch = 0;
	int c, rc, have_domid = 0;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			domid = (unsigned int)strtoul(optarg, NULL, 10);
			have_domid = 1;
			break;
		case 'c':
			count = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			batch = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			opt_platform = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!strcmp(argv[1], "serve") && have_domid) {
		rc = serve(domid);
	} else if (!strcmp(argv[1], "client") && count > 0) {
		rc = client(count, batch);
	} else {
		usage(stderr);
		return 2;
	}
	if (rc < 0) {
		fprintf(stderr, "xenpv-pingpong %s: %s\n", argv[1],
			strerror(-rc));
		return 1;
	}
	return 0;
}
