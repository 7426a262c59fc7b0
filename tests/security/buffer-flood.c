/* SPDX-License-Identifier: MIT */
/*
 * buffer-flood.c - the guest of test-security-buffer-budget.sh (issue 14.2):
 * a frontend that asks xenpvd for as much buffer memory as the protocol
 * allows, run as a process of a sim guest (XENPV_SIM_WORLD,
 * XENPV_SIM_DOMID and XENSTORED_PATH of the guest's relay).
 *
 *   buffer-flood --devid N --queues N --order N --segs N
 *                [--stop-file PATH] [--progress PATH]
 *
 * It connects without persistent grants, fills every slot of every ring
 * with a write of --segs full pages (indirect above 11), and puts each
 * request back as soon as it is answered, so the rings stay full, until
 * the stop file appears.  Its grants stay valid all along: every write is
 * a legal one (garbage data, within the disk).  With --progress it keeps
 * "responses=N" in PATH (replaced atomically).  Then it waits for the
 * requests in flight (10 s at most) and prints one summary line.
 *
 * Exit: 0 every request answered OKAY, 1 an error status or a stall, 77
 * the backend offers too little (ring order, queues, segments), 99 set-up
 * error.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blkif.h"
#include "platform.h"
#include "sim.h"
#include "xs-util.h"

#define MAXQ 16
#define TIMEOUT_MS 10000

struct queue {
	struct xpv_ring_front ring;
	void *ring_addr;
	xpv_gref_t ring_refs[XPV_RING_MAX_PAGES];
	int port;
	uint32_t next;		/* requests written on this queue */
};

static const struct xpv_platform *plat;
static struct xs_handle *xsh;
static struct xpv_gntshr *shr;
static struct xpv_evtchn *evt;
static const enum xpv_blkif_abi abi = XPV_BLKIF_ABI_X86_64;
static unsigned int nq = 1, order, segs = 256;
static struct queue qs[MAXQ];
static xpv_gref_t data_refs[XPV_BLKIF_MAX_INDIRECT_SEGMENTS];
static xpv_gref_t ind_refs[XPV_BLKIF_MAX_INDIRECT_PAGES];
static void *data, *ind;
static char fe[128], be[128];
static unsigned int bdom;
static uint64_t sectors;
static const char *stop_file, *progress_file;

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int rc, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "buffer-flood: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(rc);
}

static uint32_t read_u32_or(const char *dir, const char *node, uint32_t dflt)
{
	uint32_t v;

	return xpv_xs_read_u32(xsh, XBT_NULL, dir, node, UINT32_MAX, &v) ?
		dflt : v;
}

static int wait_state(XenbusState want)
{
	XenbusState s;
	int ms;

	for (ms = TIMEOUT_MS; ms > 0; ms -= 10) {
		if (xpv_xs_read_state(xsh, XBT_NULL, be, &s) == 0) {
			if (s == want)
				return 0;
			if (s == XenbusStateClosing)
				return -EPIPE;
		}
		usleep(10000);
	}
	return -ETIMEDOUT;
}

static int write_keys(struct xs_handle *h, xs_transaction_t t, void *opaque)
{
	char dir[192], node[32];
	unsigned int q, i;
	int err;

	(void)opaque;
	err = xpv_xs_printf(h, t, fe, "ring-page-order", "%u", order);
	if (nq > 1)
		err = err ?: xpv_xs_printf(h, t, fe, "multi-queue-num-queues",
					   "%u", nq);
	for (q = 0; q < nq && !err; q++) {
		if (nq > 1)
			snprintf(dir, sizeof(dir), "%s/queue-%u", fe, q);
		else
			snprintf(dir, sizeof(dir), "%s", fe);
		for (i = 0; i < (1u << order) && !err; i++) {
			snprintf(node, sizeof(node), "ring-ref%u", i);
			err = xpv_xs_printf(h, t, dir, node, "%u",
					    qs[q].ring_refs[i]);
		}
		err = err ?: xpv_xs_printf(h, t, dir, "event-channel", "%d",
					   qs[q].port);
	}
	err = err ?: xpv_xs_write(h, t, fe, "protocol",
				  xpv_blkif_abi_name(abi));
	err = err ?: xpv_xs_write(h, t, fe, "feature-persistent", "0");
	err = err ?: xpv_xs_write(h, t, fe, "state", "3");
	return err;
}

static void connect_vbd(unsigned int devid)
{
	unsigned int q, i;
	struct blkif_request_segment *sd;
	int err;

	snprintf(fe, sizeof(fe), "/local/domain/%d/device/vbd/%u",
		 xpv_sim_self_domid(), devid);
	if (xpv_xs_read(xsh, XBT_NULL, fe, "backend", be, sizeof(be)) < 0)
		die(99, "no %s/backend", fe);
	bdom = read_u32_or(fe, "backend-id", 0);
	if (wait_state(XenbusStateInitWait))
		die(99, "backend %s never reached InitWait", be);
	if (read_u32_or(be, "max-ring-page-order", 0) < order ||
	    read_u32_or(be, "multi-queue-max-queues", 1) < nq ||
	    (segs > XPV_BLKIF_MAX_SEGMENTS &&
	     read_u32_or(be, "feature-max-indirect-segments", 0) < segs))
		die(77, "the backend offers less than order %u, %u queues, "
		    "%u segments", order, nq, segs);

	err = plat->gntshr->open(&shr);
	err = err ?: plat->evtchn->open(&evt);
	if (err)
		die(99, "platform: %s", strerror(-err));
	for (q = 0; q < nq; q++) {
		err = plat->gntshr->share(shr, (xpv_domid_t)bdom, 1u << order,
					  qs[q].ring_refs, 1,
					  &qs[q].ring_addr);
		err = err ?: xpv_blkif_front_init(&qs[q].ring, abi,
						  qs[q].ring_addr,
						  1u << order);
		if (err)
			die(99, "ring %u: %s", q, strerror(-err));
		qs[q].port = plat->evtchn->alloc_unbound(evt,
							 (xpv_domid_t)bdom);
		if (qs[q].port < 0)
			die(99, "alloc_unbound: %s", strerror(-qs[q].port));
	}
	/* One set of data pages and descriptors for every request: the
	 * backend copies from them, the guest spends nothing per request. */
	err = plat->gntshr->share(shr, (xpv_domid_t)bdom, segs, data_refs, 0,
				  &data);
	err = err ?: plat->gntshr->share(shr, (xpv_domid_t)bdom,
					 XPV_BLKIF_MAX_INDIRECT_PAGES,
					 ind_refs, 0, &ind);
	if (err)
		die(99, "share data: %s", strerror(-err));
	memset(data, 0x5a, (size_t)segs * XPV_PAGE_SIZE);
	sd = ind;
	for (i = 0; i < segs; i++) {
		sd[i].gref = data_refs[i];
		sd[i].first_sect = 0;
		sd[i].last_sect = 7;
	}
	err = xpv_xs_transact(xsh, write_keys, NULL);
	if (err)
		die(99, "writing frontend keys: %s", strerror(-err));
	err = wait_state(XenbusStateConnected);
	if (err)
		die(99, "backend %s never reached Connected: %s", be,
		    strerror(-err));
	if (xpv_xs_read_u64(xsh, XBT_NULL, be, "sectors", UINT64_MAX,
			    &sectors) || sectors < 2u * segs * 8)
		die(99, "backend %s: disk too small", be);
	xpv_xs_write(xsh, XBT_NULL, fe, "state", "4");
}

/* Writes request number n of queue q: segs pages, id n, within the disk. */
static void put_write(unsigned int q, uint32_t n)
{
	uint64_t span = sectors / (segs * 8u);
	uint64_t sector = ((uint64_t)n * nq + q) % span * (segs * 8u);
	union xpv_blkif_request req;
	void *slot;
	unsigned int i;

	memset(&req, 0, sizeof(req));
	if (segs > XPV_BLKIF_MAX_SEGMENTS) {
		req.indirect.operation = BLKIF_OP_INDIRECT;
		req.indirect.indirect_op = BLKIF_OP_WRITE;
		req.indirect.nr_segments = (uint16_t)segs;
		req.indirect.id = n;
		req.indirect.sector_number = sector;
		for (i = 0; i < (segs + 511) / 512; i++)
			req.indirect.indirect_grefs[i] = ind_refs[i];
	} else {
		req.rw.operation = BLKIF_OP_WRITE;
		req.rw.nr_segments = (uint8_t)segs;
		req.rw.id = n;
		req.rw.sector_number = sector;
		memcpy(req.rw.seg, ind, segs * sizeof(req.rw.seg[0]));
	}
	slot = xpv_ring_front_next_req(&qs[q].ring);
	if (!slot)
		die(99, "queue %u: ring full", q);
	xpv_blkif_put_request(abi, slot, &req);
}

static void kick(unsigned int q)
{
	if (xpv_ring_front_push_requests(&qs[q].ring))
		plat->evtchn->notify(evt, (xpv_port_t)qs[q].port);
}

static bool stop_requested(void)
{
	struct stat st;

	return stop_file && stat(stop_file, &st) == 0;
}

static void write_progress(unsigned long long responses)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (!progress_file)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", progress_file);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "responses=%llu\n", responses);
	if (fclose(f) == 0)
		rename(tmp, progress_file);
}

/*
 * Takes every response waiting on queue q; puts a new write in its place
 * unless stopping.  Returns the number taken; counts bad statuses.
 */
static unsigned int drain(unsigned int q, bool refill, unsigned int *bad)
{
	struct blkif_response rsp;
	const void *slot;
	unsigned int got = 0;
	int n;

	for (;;) {
		n = xpv_ring_front_unconsumed(&qs[q].ring);
		if (n == 0)
			n = xpv_ring_front_final_check(&qs[q].ring);
		if (n < 0)
			die(1, "queue %u: the backend broke the ring", q);
		if (n == 0)
			break;
		while (n-- > 0) {
			slot = xpv_ring_front_next_rsp(&qs[q].ring);
			if (!slot || xpv_blkif_get_response(abi, slot, &rsp))
				die(1, "queue %u: bad response", q);
			if (rsp.status != BLKIF_RSP_OKAY)
				(*bad)++;
			got++;
			if (refill)
				put_write(q, qs[q].next++);
		}
		if (refill)
			kick(q);
	}
	return got;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "devid", required_argument, NULL, 'd' },
		{ "queues", required_argument, NULL, 'q' },
		{ "order", required_argument, NULL, 'o' },
		{ "segs", required_argument, NULL, 'n' },
		{ "stop-file", required_argument, NULL, 's' },
		{ "progress", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct pollfd pfd;
	unsigned long long responses = 0, outstanding = 0;
	unsigned int devid = 51712, q, i, bad = 0, got;
	int c, port, idle_ms = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			devid = (unsigned int)atoi(optarg);
			break;
		case 'q':
			nq = (unsigned int)atoi(optarg);
			break;
		case 'o':
			order = (unsigned int)atoi(optarg);
			break;
		case 'n':
			segs = (unsigned int)atoi(optarg);
			break;
		case 's':
			stop_file = optarg;
			break;
		case 'P':
			progress_file = optarg;
			break;
		default:
			return 99;
		}
	}
	if (nq < 1 || nq > MAXQ || order > 4 || segs < 1 ||
	    segs > XPV_BLKIF_MAX_INDIRECT_SEGMENTS || optind != argc)
		die(99, "usage: see the top of buffer-flood.c");
	plat = xpv_platform_get("sim");
	if (!plat || xpv_xs_open(&xsh))
		die(99, "cannot open the sim platform or XenStore");
	connect_vbd(devid);

	for (q = 0; q < nq; q++) {
		for (i = 0; i < qs[q].ring.ring.nr_ents; i++)
			put_write(q, qs[q].next++);
		outstanding += qs[q].ring.ring.nr_ents;
		kick(q);
	}
	printf("buffer-flood: %u queue(s) of %u writes of %u pages\n", nq,
	       qs[0].ring.ring.nr_ents, segs);
	fflush(stdout);
	write_progress(0);
	pfd.fd = plat->evtchn->fd(evt);
	pfd.events = POLLIN;
	for (;;) {
		bool stopping = stop_requested();

		got = 0;
		for (q = 0; q < nq; q++)
			got += drain(q, !stopping, &bad);
		responses += got;
		if (stopping)
			outstanding -= got;
		if (got) {
			write_progress(responses);
			idle_ms = 0;
		}
		if (stopping && outstanding == 0)
			break;
		if (idle_ms >= TIMEOUT_MS)
			die(1, "no response for %d ms (%llu so far, %llu "
			    "outstanding)", TIMEOUT_MS, responses,
			    stopping ? outstanding : 0);
		if (poll(&pfd, 1, 100) == 0)
			idle_ms += 100;
		while ((port = plat->evtchn->pending(evt)) >= 0)
			plat->evtchn->unmask(evt, (xpv_port_t)port);
	}
	printf("buffer-flood: responses=%llu errors=%u\n", responses, bad);
	/* Grants and ports stay until exit: the sim reaps them then. */
	return bad ? 1 : 0;
}
