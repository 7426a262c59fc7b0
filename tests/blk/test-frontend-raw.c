/* SPDX-License-Identifier: MIT */
/*
 * test-frontend-raw.c - a minimal blkif frontend for testing xenpvd, run as
 * a process of a sim guest (XENPV_SIM_WORLD, XENPV_SIM_DOMID and
 * XENSTORED_PATH of the guest's relay).
 *
 * It negotiates by hand (rings shared with gntshr, event channels,
 * frontend keys in one transaction), then writes raw blkif requests, plain
 * and indirect, in the ABI asked for, and checks every response (id,
 * operation, status, answered once) and the data, both through the ring and
 * against the image file read directly.  It can also send malformed
 * requests on purpose: it is the base of the hostile-frontend tests.
 *
 *   test-frontend-raw --image PATH [--devid N] [--abi 32|64] [--order N]
 *                     [--queues N] [--persistent 0|1] [--hostile]
 *                     [--xs KEY=VALUE]... [--other-dom N]
 *                     [--stop-file PATH] [--progress PATH] SCENARIO...
 *   scenarios: rw burst indburst indirect=N flush barrier barrierburst
 *              discard ro malformed sector4k badprod
 *   hostile cases (tests/hostile/run.sh), each checks the exact status
 *   and then that the ring still serves verified I/O:
 *              nsegs0 nsegs12 indmax indpages indop firstlast lastsect
 *              pastend overflow grefbad grefbatch grefother grefro
 *              idreuse
 *              unknownop nodiscard flushoff storm=N
 *   lifecycle: hang (a full ring of writes until killed or the stop
 *              file appears; prints "hang: running" once I/O flows),
 *              closemid (a full ring in flight, then frontend Closed;
 *              the backend must reach Closed), loop (verified I/O until
 *              the stop file appears; writes "iters=N" to --progress).
 *
 * --xs KEY=VALUE writes a raw value in the frontend directory, in the
 * same transaction as the frontend's own keys and after them (so it
 * overrides them).  --hostile (or XPV_TEST_HOSTILE in the environment):
 * the backend may refuse: keys above its maxima are still written, and
 * when the backend goes Closing instead of Connected the exit status is 3.
 *
 * Exit: 0 all passed, 1 a check failed, 3 refused (--hostile), 77 a
 * scenario cannot run here, 99 set-up error.  Prints one line per check
 * that fails.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "barrier.h"
#include "blkif.h"
#include "platform.h"
#include "sim.h"
#include "xs-util.h"

#define MAXQ 8
#define NDATA 4200u	/* shared data pages: 4096 + slack */
#define TIMEOUT_MS 10000

struct queue {
	struct xpv_ring_front ring;
	void *ring_addr;
	xpv_gref_t ring_refs[XPV_RING_MAX_PAGES];
	int port;
};

static const struct xpv_platform *plat;
static struct xpv_gntshr *shr;
static struct xpv_evtchn *evt;
static struct xs_handle *xsh;
static enum xpv_blkif_abi abi = XPV_BLKIF_ABI_X86_64;
static unsigned int order, nq = 1, bdom;
static bool persistent = true;
static struct queue qs[MAXQ];
static unsigned char *data;	/* NDATA shared pages */
static xpv_gref_t data_refs[NDATA];
static unsigned char *ind;	/* 8 shared indirect pages */
static xpv_gref_t ind_refs[XPV_BLKIF_MAX_INDIRECT_PAGES];
static char fe[128], be[128];
static uint64_t sectors;
static uint32_t sector_size = 512, max_indirect, info;
static bool discard_ok;
static int img_fd = -1;
static uint64_t next_id = 1000;
static int failures;
static unsigned char *scratch;	/* 4 areas of 16 MiB */
static bool hostile;
static unsigned int other_dom = 2;
static const char *stop_file, *progress_file;
#define MAX_XS 16
static char *xs_keys[MAX_XS], *xs_vals[MAX_XS];
static unsigned int nr_xs;

static void __attribute__((format(printf, 1, 2))) failf(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ERROR: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(99);
}

static uint64_t rng = 88172645463325252ull;

static void fill_random(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		p[i] = (unsigned char)rng;
	}
}

/* ---- negotiation ---- */

static int wait_state(const char *dir, XenbusState want, int ms)
{
	XenbusState s;

	for (; ms > 0; ms -= 10) {
		if (xpv_xs_read_state(xsh, XBT_NULL, dir, &s) == 0 && s == want)
			return 0;
		if (xpv_xs_read_state(xsh, XBT_NULL, dir, &s) == 0 &&
		    s == XenbusStateClosing && want != XenbusStateClosing)
			return -EPIPE;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

static uint32_t read_u32_or(const char *dir, const char *node, uint32_t dflt)
{
	uint32_t v;

	return xpv_xs_read_u32(xsh, XBT_NULL, dir, node, UINT32_MAX, &v) ?
		dflt : v;
}

struct fe_keys {
	unsigned int order, nq;
};

static int write_keys(struct xs_handle *h, xs_transaction_t t, void *opaque)
{
	char dir[192], node[32];
	unsigned int q, i;
	int err = 0;

	(void)opaque;
	if (order)
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
			if (order)
				snprintf(node, sizeof(node), "ring-ref%u", i);
			else
				snprintf(node, sizeof(node), "ring-ref");
			err = xpv_xs_printf(h, t, dir, node, "%u",
					    qs[q].ring_refs[i]);
		}
		err = err ?: xpv_xs_printf(h, t, dir, "event-channel", "%d",
					   qs[q].port);
	}
	err = err ?: xpv_xs_write(h, t, fe, "protocol",
				  xpv_blkif_abi_name(abi));
	err = err ?: xpv_xs_write(h, t, fe, "feature-persistent",
				  persistent ? "1" : "0");
	/* Raw values last: they override what was written above. */
	for (i = 0; i < nr_xs && !err; i++)
		err = xpv_xs_write(h, t, fe, xs_keys[i], xs_vals[i]);
	err = err ?: xpv_xs_write(h, t, fe, "state", "3");
	return err;
}

static void connect_vbd(unsigned int devid)
{
	unsigned int q, self = (unsigned int)xpv_sim_self_domid();
	int err;

	snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%u", self,
		 devid);
	if (xpv_xs_read(xsh, XBT_NULL, fe, "backend", be, sizeof(be)) < 0)
		die("no %s/backend", fe);
	bdom = read_u32_or(fe, "backend-id", 0);
	if (wait_state(be, XenbusStateInitWait, TIMEOUT_MS))
		die("backend %s never reached InitWait", be);
	if (order > read_u32_or(be, "max-ring-page-order", 0) && !hostile)
		die("backend offers ring order < %u", order);
	if (nq > read_u32_or(be, "multi-queue-max-queues", 1) && !hostile)
		die("backend offers < %u queues", nq);

	err = plat->gntshr->open(&shr);
	err = err ?: plat->evtchn->open(&evt);
	if (err)
		die("platform: %s", strerror(-err));
	for (q = 0; q < nq; q++) {
		err = plat->gntshr->share(shr, (xpv_domid_t)bdom, 1u << order,
					  qs[q].ring_refs, 1,
					  &qs[q].ring_addr);
		if (err)
			die("share ring: %s", strerror(-err));
		err = xpv_blkif_front_init(&qs[q].ring, abi, qs[q].ring_addr,
					   1u << order);
		if (err)
			die("ring init: %s", strerror(-err));
		qs[q].port = plat->evtchn->alloc_unbound(evt,
							 (xpv_domid_t)bdom);
		if (qs[q].port < 0)
			die("alloc_unbound: %s", strerror(-qs[q].port));
	}
	err = plat->gntshr->share(shr, (xpv_domid_t)bdom, NDATA, data_refs, 1,
				  (void **)&data);
	err = err ?: plat->gntshr->share(shr, (xpv_domid_t)bdom,
					 XPV_BLKIF_MAX_INDIRECT_PAGES,
					 ind_refs, 0, (void **)&ind);
	if (err)
		die("share data: %s", strerror(-err));
	err = xpv_xs_transact(xsh, write_keys, NULL);
	if (err)
		die("writing frontend keys: %s", strerror(-err));
	err = wait_state(be, XenbusStateConnected, TIMEOUT_MS);
	if (err == -EPIPE && hostile)
		exit(3); /* refused, as a hostile test expects */
	if (err)
		die("backend %s never reached Connected", be);
	sectors = read_u32_or(be, "sectors", 0);
	{
		uint64_t v;

		if (xpv_xs_read_u64(xsh, XBT_NULL, be, "sectors", UINT64_MAX,
				    &v) == 0)
			sectors = v;
	}
	sector_size = read_u32_or(be, "sector-size", 512);
	info = read_u32_or(be, "info", 0);
	max_indirect = read_u32_or(be, "feature-max-indirect-segments", 0);
	discard_ok = read_u32_or(be, "feature-discard", 0) == 1;
	xpv_xs_write(xsh, XBT_NULL, fe, "state", "4");
}

/* ---- requests ---- */

static void send(unsigned int q, const union xpv_blkif_request *req)
{
	void *slot = xpv_ring_front_next_req(&qs[q].ring);

	if (!slot)
		die("ring full");
	xpv_blkif_put_request(abi, slot, req);
}

static void kick(unsigned int q)
{
	if (xpv_ring_front_push_requests(&qs[q].ring))
		plat->evtchn->notify(evt, (xpv_port_t)qs[q].port);
}

/* Waits for one response; 0, or -ETIMEDOUT / -EIO. */
static int get_rsp(unsigned int q, struct blkif_response *rsp, int ms)
{
	struct pollfd p = { .fd = plat->evtchn->fd(evt), .events = POLLIN };
	const void *slot;
	int n, port;

	for (;;) {
		n = xpv_ring_front_unconsumed(&qs[q].ring);
		if (n < 0)
			return -EIO;
		if (n == 0) {
			n = xpv_ring_front_final_check(&qs[q].ring);
			if (n < 0)
				return -EIO;
		}
		if (n > 0)
			break;
		if (ms <= 0)
			return -ETIMEDOUT;
		poll(&p, 1, 50);
		ms -= 50;
		while ((port = plat->evtchn->pending(evt)) >= 0)
			plat->evtchn->unmask(evt, (xpv_port_t)port);
	}
	slot = xpv_ring_front_next_rsp(&qs[q].ring);
	if (!slot)
		return -EIO;
	return xpv_blkif_get_response(abi, slot, rsp);
}

/* Sends one request, waits for its response; returns its status. */
static int roundtrip(unsigned int q, union xpv_blkif_request *req,
		     uint8_t want_op)
{
	struct blkif_response rsp;
	uint64_t id = next_id++;
	int err;

	if (req->operation == BLKIF_OP_INDIRECT)
		req->indirect.id = id;
	else if (req->operation == BLKIF_OP_DISCARD)
		req->discard.id = id;
	else
		req->rw.id = id;
	send(q, req);
	kick(q);
	err = get_rsp(q, &rsp, TIMEOUT_MS);
	if (err) {
		failf("no response to id %llu: %s", (unsigned long long)id,
		      strerror(-err));
		return -1000;
	}
	if (rsp.id != id)
		failf("response id %llu, expected %llu",
		      (unsigned long long)rsp.id, (unsigned long long)id);
	if (rsp.operation != want_op)
		failf("response op %u, expected %u", rsp.operation, want_op);
	return rsp.status;
}

/* One segment per page of data[] starting at page p0, covering bytes. */
static unsigned int build_segs(struct blkif_request_segment *segs,
			       unsigned int p0, size_t bytes)
{
	unsigned int n = 0;

	while (bytes) {
		size_t len = bytes < XPV_PAGE_SIZE ? bytes : XPV_PAGE_SIZE;

		segs[n].gref = data_refs[p0 + n];
		segs[n].first_sect = 0;
		segs[n].last_sect = (uint8_t)(len / 512 - 1);
		bytes -= len;
		n++;
	}
	return n;
}

/* Read or write `bytes` at sector through data pages from p0; status. */
static int rw(unsigned int q, bool write, uint64_t sector, size_t bytes,
	      unsigned int p0, bool indirect)
{
	union xpv_blkif_request req;
	uint8_t op = write ? BLKIF_OP_WRITE : BLKIF_OP_READ;

	memset(&req, 0, sizeof(req));
	if (!indirect) {
		req.rw.operation = op;
		req.rw.sector_number = sector;
		req.rw.nr_segments =
			(uint8_t)build_segs(req.rw.seg, p0, bytes);
		return roundtrip(q, &req, op);
	}
	{
		struct blkif_request_segment *segs = (void *)ind;
		unsigned int n = build_segs(segs, p0, bytes), i;

		req.indirect.operation = BLKIF_OP_INDIRECT;
		req.indirect.indirect_op = op;
		req.indirect.nr_segments = (uint16_t)n;
		req.indirect.sector_number = sector;
		for (i = 0; i < (n + 511) / 512; i++)
			req.indirect.indirect_grefs[i] = ind_refs[i];
		return roundtrip(q, &req, op);
	}
}

/* Copies between data pages (first `bytes` of each page, packed). */
static void to_pages(unsigned int p0, const unsigned char *src, size_t bytes)
{
	size_t off = 0;

	while (off < bytes) {
		size_t len = bytes - off < XPV_PAGE_SIZE ? bytes - off
							 : XPV_PAGE_SIZE;

		memcpy(data + (size_t)(p0 + off / XPV_PAGE_SIZE) *
				      XPV_PAGE_SIZE,
		       src + off, len);
		off += len;
	}
}

static void from_pages(unsigned int p0, unsigned char *dst, size_t bytes)
{
	size_t off = 0;

	while (off < bytes) {
		size_t len = bytes - off < XPV_PAGE_SIZE ? bytes - off
							 : XPV_PAGE_SIZE;

		memcpy(dst + off,
		       data + (size_t)(p0 + off / XPV_PAGE_SIZE) *
				      XPV_PAGE_SIZE,
		       len);
		off += len;
	}
}

static void check_image(uint64_t sector, const unsigned char *want,
			size_t bytes, const char *what)
{
	unsigned char *got = scratch + (32u << 20);

	if (pread(img_fd, got, bytes, (off_t)(sector * 512)) != (ssize_t)bytes)
		die("pread image: %s", strerror(errno));
	if (memcmp(got, want, bytes))
		failf("%s: image differs at sector %llu (%zu bytes)", what,
		      (unsigned long long)sector, bytes);
}

/* Write random data, check the image, read it back, compare. */
static void verify_rw(unsigned int q, uint64_t sector, size_t bytes,
		      bool indirect, const char *what)
{
	unsigned char *want = scratch, *got = scratch + (16u << 20);
	int st;

	fill_random(want, bytes);
	to_pages(0, want, bytes);
	st = rw(q, true, sector, bytes, 0, indirect);
	if (st != BLKIF_RSP_OKAY) {
		failf("%s: write of %zu at %llu: status %d", what, bytes,
		      (unsigned long long)sector, st);
		return;
	}
	check_image(sector, want, bytes, what);
	memset(data, 0, (bytes + XPV_PAGE_SIZE - 1) & ~(size_t)4095);
	st = rw(q, false, sector, bytes, 0, indirect);
	if (st != BLKIF_RSP_OKAY) {
		failf("%s: read of %zu at %llu: status %d", what, bytes,
		      (unsigned long long)sector, st);
		return;
	}
	from_pages(0, got, bytes);
	if (memcmp(got, want, bytes))
		failf("%s: read back differs (%zu bytes at %llu)", what, bytes,
		      (unsigned long long)sector);
}

/* ---- scenarios ---- */

static void sc_rw(void)
{
	static const size_t sizes[] = { 512, 1024, 3584, 4096, 8192, 12288,
					40960, 45056 };
	unsigned int q, i;
	uint64_t sector = 8;

	for (q = 0; q < nq; q++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			if (sizes[i] % sector_size)
				continue;
			verify_rw(q, sector, sizes[i], false, "rw");
			sector += 96 + 8 * i;
		}
	/* A partial segment in the middle of a page. */
	if (sector_size == 512) {
		union xpv_blkif_request req;
		unsigned char want[1024];

		memset(&req, 0, sizeof(req));
		fill_random(want, sizeof(want));
		memcpy(data + 3 * 512, want, sizeof(want));
		req.rw.operation = BLKIF_OP_WRITE;
		req.rw.sector_number = 4000;
		req.rw.nr_segments = 1;
		req.rw.seg[0].gref = data_refs[0];
		req.rw.seg[0].first_sect = 3;
		req.rw.seg[0].last_sect = 4;
		if (roundtrip(0, &req, BLKIF_OP_WRITE))
			failf("partial segment write refused");
		check_image(4000, want, sizeof(want), "partial segment");
	}
}

/*
 * Collects the responses to n requests with ids id0 .. id0 + n - 1 posted
 * at once, in any order: each id answered once, OKAY, except request bad
 * (n or more: none), ERROR; then nothing more.  Returns the number of
 * checks that failed.
 */
static int collect_burst(unsigned int n, uint64_t id0, unsigned int bad,
			 const char *what)
{
	static bool got[4096];
	struct blkif_response rsp;
	int before = failures;
	unsigned int i, id;

	if (n > sizeof(got))
		die("%s: %u requests", what, n);
	memset(got, 0, n);
	for (i = 0; i < n; i++) {
		if (get_rsp(0, &rsp, TIMEOUT_MS)) {
			failf("%s: %u of %u responses", what, i, n);
			return failures - before;
		}
		id = (unsigned int)(rsp.id - id0);
		if (rsp.id < id0 || id >= n || got[id]) {
			failf("%s: unexpected or repeated id %llu", what,
			      (unsigned long long)rsp.id);
			continue;
		}
		got[id] = true;
		if (rsp.status != (id == bad ? BLKIF_RSP_ERROR
					     : BLKIF_RSP_OKAY))
			failf("%s: request %u (%s): status %d", what, id,
			      id == bad ? "bad grant" : "good", rsp.status);
	}
	if (get_rsp(0, &rsp, 200) != -ETIMEDOUT)
		failf("%s: an extra response", what);
	return failures - before;
}

/*
 * Posts n one-page requests at once (one push, one notify): request i
 * writes or reads data page p0 + i at sector base + 8 i, id 50000 + i,
 * except that request `bad` (n or more: none) names a grant never made.
 * Collects the n responses (collect_burst()).
 */
static int burst_io(bool write, unsigned int n, unsigned int p0,
		    uint64_t base, unsigned int bad, const char *what)
{
	union xpv_blkif_request req;
	unsigned int i;

	for (i = 0; i < n; i++) {
		memset(&req, 0, sizeof(req));
		req.rw.operation = write ? BLKIF_OP_WRITE : BLKIF_OP_READ;
		req.rw.id = 50000 + i;
		req.rw.sector_number = base + 8ull * i;
		req.rw.nr_segments = 1;
		req.rw.seg[0].gref = i == bad ? 0xdeadbee : data_refs[p0 + i];
		req.rw.seg[0].last_sect = 7;
		send(0, &req);
	}
	kick(0);
	return collect_burst(n, 50000, bad, what);
}

/*
 * A full ring of writes in flight at once, then a full ring of reads of
 * them into other pages: every page checked, in the image and read back
 * (without persistent grants xenpvd copies each pass's requests in one
 * grant copy call: this is where the right data must reach each one).
 */
static void sc_burst(void)
{
	unsigned int n = qs[0].ring.ring.nr_ents, i;
	unsigned char *want = scratch;

	fill_random(want, (size_t)n * XPV_PAGE_SIZE);
	memcpy(data, want, (size_t)n * XPV_PAGE_SIZE);
	if (burst_io(true, n, 0, 20000, n, "burst write"))
		return;
	check_image(20000, want, (size_t)n * XPV_PAGE_SIZE, "burst");
	memset(data + (size_t)n * XPV_PAGE_SIZE, 0, (size_t)n * XPV_PAGE_SIZE);
	if (burst_io(false, n, n, 20000, n, "burst read"))
		return;
	for (i = 0; i < n; i++)
		if (memcmp(data + (size_t)(n + i) * XPV_PAGE_SIZE,
			   want + (size_t)i * XPV_PAGE_SIZE, XPV_PAGE_SIZE)) {
			failf("burst read: page %u differs", i);
			return;
		}
}

/*
 * Posts n indirect requests of segs pages at once (one push), each with
 * its own descriptor page: request i writes or reads data pages from
 * p0 + i segs at sector base + 8 segs i, except that request `bad` (n or
 * more: none) names a descriptor page never granted.  Collects the n
 * responses (collect_burst()).
 */
static int ind_burst_io(bool write, unsigned int n, unsigned int segs,
			unsigned int p0, uint64_t base, unsigned int bad,
			const char *what)
{
	union xpv_blkif_request req;
	unsigned int i;

	if (n > XPV_BLKIF_MAX_INDIRECT_PAGES)
		die("%u requests: one descriptor page each, 8 shared", n);
	if (max_indirect < segs) {
		fprintf(stderr, "backend offers %u indirect segments\n",
			max_indirect);
		exit(77);
	}
	for (i = 0; i < n; i++) {
		memset(&req, 0, sizeof(req));
		build_segs((void *)(ind + (size_t)i * XPV_PAGE_SIZE),
			   p0 + i * segs, (size_t)segs * XPV_PAGE_SIZE);
		req.indirect.operation = BLKIF_OP_INDIRECT;
		req.indirect.indirect_op = write ? BLKIF_OP_WRITE
						 : BLKIF_OP_READ;
		req.indirect.nr_segments = (uint16_t)segs;
		req.indirect.sector_number = base + 8ull * segs * i;
		req.indirect.id = 60000 + i;
		req.indirect.indirect_grefs[0] = i == bad ? 0xdeadbee
							  : ind_refs[i];
		send(0, &req);
	}
	kick(0);
	return collect_burst(n, 60000, bad, what);
}

/*
 * Eight indirect writes of 16 pages posted at once, then eight indirect
 * reads of them into other pages: all checked, in the image and read
 * back.  Without persistent grants xenpvd copies the descriptor pages of
 * one pass's requests in one call.
 */
static void sc_indburst(void)
{
	const unsigned int n = XPV_BLKIF_MAX_INDIRECT_PAGES, segs = 16;
	const size_t each = (size_t)segs * XPV_PAGE_SIZE;
	unsigned char *want = scratch;

	fill_random(want, n * each);
	memcpy(data, want, n * each);
	memset(data + n * each, 0, n * each);
	if (ind_burst_io(true, n, segs, 0, 40000, n, "indburst write"))
		return;
	check_image(40000, want, n * each, "indburst");
	if (ind_burst_io(false, n, segs, n * segs, 40000, n, "indburst read"))
		return;
	if (memcmp(data + n * each, want, n * each))
		failf("indburst: read back differs");
}

static void sc_indirect(unsigned int nsegs)
{
	if (max_indirect < nsegs) {
		fprintf(stderr, "backend offers %u indirect segments\n",
			max_indirect);
		exit(77);
	}
	verify_rw(0, 1 << 14, (size_t)nsegs * XPV_PAGE_SIZE, true,
		  "indirect");
	/* With partial first and last segments. */
	if (sector_size == 512)
		verify_rw(0, (1 << 14) + 7, (size_t)nsegs * XPV_PAGE_SIZE - 512,
			  true, "indirect partial");
}

static void sc_flush(bool barrier)
{
	union xpv_blkif_request req;
	uint8_t op = barrier ? BLKIF_OP_WRITE_BARRIER
			     : BLKIF_OP_FLUSH_DISKCACHE;
	unsigned char want[4096];

	memset(&req, 0, sizeof(req));
	req.rw.operation = op;
	if (roundtrip(0, &req, op))
		failf("%s without data refused", barrier ? "barrier" : "flush");
	fill_random(want, sizeof(want));
	memcpy(data, want, sizeof(want));
	memset(&req, 0, sizeof(req));
	req.rw.operation = op;
	req.rw.sector_number = 30000;
	req.rw.nr_segments = 1;
	req.rw.seg[0].gref = data_refs[0];
	req.rw.seg[0].last_sect = 7;
	if (roundtrip(0, &req, op))
		failf("%s with data refused", barrier ? "barrier" : "flush");
	check_image(30000, want, sizeof(want), barrier ? "barrier" : "flush");
}

/*
 * In one push: 6 one-page writes, a WRITE_BARRIER without data, a
 * FLUSH_DISKCACHE without data, a WRITE_BARRIER with data over the 3rd
 * write's sector, then 6 more writes.  All answered OKAY, and the image
 * holds every write, with the barrier's data where it overlaps the 3rd
 * write: a barrier's write starts only once every earlier request has
 * completed (xenpvd holds copied writes in a batch until the end of a
 * pass: the barrier must issue them first).
 */
static void sc_barrierburst(void)
{
	const unsigned int nw = 12, nreq = nw + 3;
	unsigned char *want = scratch, bdata[4096];
	union xpv_blkif_request req;
	struct blkif_response rsp;
	bool seen[16] = { false };
	unsigned int i, w, id;
	uint8_t op;

	fill_random(want, (size_t)nw * XPV_PAGE_SIZE);
	fill_random(bdata, sizeof(bdata));
	memcpy(data, want, (size_t)nw * XPV_PAGE_SIZE);
	memcpy(data + (size_t)nw * XPV_PAGE_SIZE, bdata, sizeof(bdata));
	for (i = 0, w = 0; i < nreq; i++) {
		memset(&req, 0, sizeof(req));
		req.rw.id = 70000 + i;
		req.rw.operation = i == 7 ? BLKIF_OP_FLUSH_DISKCACHE
				   : i == 6 || i == 8 ? BLKIF_OP_WRITE_BARRIER
						      : BLKIF_OP_WRITE;
		if (i != 6 && i != 7) {
			/* Write w, or the barrier's data (page nw) over the
			 * 3rd write's sector. */
			req.rw.nr_segments = 1;
			req.rw.seg[0].last_sect = 7;
			req.rw.sector_number = 24000 + 8ull * (i == 8 ? 2 : w);
			req.rw.seg[0].gref = data_refs[i == 8 ? nw : w++];
		}
		send(0, &req);
	}
	kick(0);
	for (i = 0; i < nreq; i++) {
		if (get_rsp(0, &rsp, TIMEOUT_MS)) {
			failf("barrierburst: %u of %u responses", i, nreq);
			return;
		}
		id = (unsigned int)(rsp.id - 70000);
		if (rsp.id < 70000 || id >= nreq || seen[id]) {
			failf("barrierburst: unexpected or repeated id %llu",
			      (unsigned long long)rsp.id);
			continue;
		}
		seen[id] = true;
		op = id == 7 ? BLKIF_OP_FLUSH_DISKCACHE
		     : id == 6 || id == 8 ? BLKIF_OP_WRITE_BARRIER
					  : BLKIF_OP_WRITE;
		if (rsp.operation != op || rsp.status != BLKIF_RSP_OKAY)
			failf("barrierburst: request %u: op %u status %d", id,
			      rsp.operation, rsp.status);
	}
	memcpy(want + 2 * XPV_PAGE_SIZE, bdata, sizeof(bdata));
	check_image(24000, want, (size_t)nw * XPV_PAGE_SIZE, "barrierburst");
}

static void sc_discard(void)
{
	union xpv_blkif_request req;
	size_t bytes = 64 * 1024;
	unsigned char *zero = scratch + (48u << 20);

	if (!discard_ok) {
		fprintf(stderr, "no feature-discard\n");
		exit(77);
	}
	verify_rw(0, 2048, bytes, max_indirect >= 16, "before discard");
	memset(&req, 0, sizeof(req));
	req.discard.operation = BLKIF_OP_DISCARD;
	req.discard.sector_number = 2048;
	req.discard.nr_sectors = bytes / 512;
	if (roundtrip(0, &req, BLKIF_OP_DISCARD))
		failf("discard refused");
	memset(zero, 0, bytes);
	check_image(2048, zero, bytes, "discard");
	memset(data, 0xaa, 16 * XPV_PAGE_SIZE);
	if (rw(0, false, 2048, 40960, 0, false))
		failf("read after discard refused");
	from_pages(0, scratch, 40960);
	if (memcmp(scratch, zero, 40960))
		failf("discarded range does not read back as zeros");
}

static void sc_ro(void)
{
	if (!(info & VDISK_READONLY))
		failf("info %u lacks VDISK_READONLY", info);
	if (rw(0, true, 8, 4096, 0, false) != BLKIF_RSP_ERROR)
		failf("write to a read-only disk not refused");
	if (rw(0, false, 8, 4096, 0, false) != BLKIF_RSP_OKAY)
		failf("read of a read-only disk refused");
	if (max_indirect >= 32 &&
	    rw(0, true, 8, 32 * 4096, 0, true) != BLKIF_RSP_ERROR)
		failf("indirect write to a read-only disk not refused");
}

static void expect(union xpv_blkif_request *req, uint8_t op, int status,
		   const char *what)
{
	int st = roundtrip(0, req, op);

	if (st != status)
		failf("malformed '%s': status %d, expected %d", what, st,
		      status);
}

static void sc_malformed(void)
{
	union xpv_blkif_request req;

#define RW(op_, n_)                                   \
	do {                                          \
		memset(&req, 0, sizeof(req));         \
		req.rw.operation = (op_);             \
		req.rw.nr_segments = (n_);            \
		req.rw.sector_number = 8;             \
		build_segs(req.rw.seg, 0, 11 * 4096); \
	} while (0)

	RW(0x7f, 1);
	expect(&req, 0x7f, BLKIF_RSP_EOPNOTSUPP, "unknown op");
	RW(BLKIF_OP_READ, 0);
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR, "no segments");
	RW(BLKIF_OP_READ, 12);
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR, "12 segments");
	RW(BLKIF_OP_READ, 255);
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR, "255 segments");
	RW(BLKIF_OP_WRITE, 1);
	req.rw.seg[0].last_sect = 8;
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR, "last_sect 8");
	RW(BLKIF_OP_WRITE, 1);
	req.rw.seg[0].first_sect = 5;
	req.rw.seg[0].last_sect = 4;
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR, "first > last");
	RW(BLKIF_OP_READ, 1);
	req.rw.sector_number = sectors;
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR, "past the end");
	RW(BLKIF_OP_READ, 2);
	req.rw.sector_number = sectors - 8;
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR, "across the end");
	RW(BLKIF_OP_READ, 1);
	req.rw.sector_number = UINT64_MAX - 3;
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR, "sector overflow");
	RW(BLKIF_OP_READ, 1);
	req.rw.seg[0].gref = 0xdeadbee;
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR, "bad gref (read)");
	RW(BLKIF_OP_WRITE, 1);
	req.rw.seg[0].gref = 0xdeadbee;
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR, "bad gref (write)");

	memset(&req, 0, sizeof(req));
	req.indirect.operation = BLKIF_OP_INDIRECT;
	req.indirect.indirect_op = BLKIF_OP_READ;
	req.indirect.nr_segments = (uint16_t)(max_indirect + 1);
	req.indirect.indirect_grefs[0] = ind_refs[0];
	expect(&req, BLKIF_OP_READ,
	       max_indirect ? BLKIF_RSP_ERROR : BLKIF_RSP_EOPNOTSUPP,
	       "too many indirect segments");
	if (max_indirect) {
		req.indirect.nr_segments = 0;
		expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
		       "indirect without segments");
		req.indirect.nr_segments = 4;
		req.indirect.indirect_op = BLKIF_OP_FLUSH_DISKCACHE;
		expect(&req, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_ERROR,
		       "indirect flush");
		req.indirect.indirect_op = BLKIF_OP_READ;
		req.indirect.indirect_grefs[0] = 0xdeadbee;
		expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
		       "bad indirect gref");
		/* Descriptors with last_sect 9 inside the indirect page. */
		req.indirect.indirect_grefs[0] = ind_refs[0];
		build_segs((void *)ind, 0, 4 * 4096);
		((struct blkif_request_segment *)(void *)ind)[2].last_sect = 9;
		expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
		       "bad indirect descriptor");
	}
	memset(&req, 0, sizeof(req));
	req.discard.operation = BLKIF_OP_DISCARD;
	req.discard.sector_number = 8;
	req.discard.nr_sectors = 8;
	req.discard.flag = 0x80;
	expect(&req, BLKIF_OP_DISCARD,
	       discard_ok ? BLKIF_RSP_ERROR : BLKIF_RSP_EOPNOTSUPP,
	       "discard flag");
	/* The ring still works. */
	verify_rw(0, 64, 8192, false, "after malformed");
#undef RW
}

static void sc_sector4k(void)
{
	if (sector_size != 4096)
		failf("sector-size %u, expected 4096", sector_size);
	if (rw(0, false, 1, 4096, 0, false) != BLKIF_RSP_ERROR)
		failf("unaligned sector on a 4096-byte-sector disk accepted");
	if (rw(0, false, 8, 512, 0, false) != BLKIF_RSP_ERROR)
		failf("512-byte read on a 4096-byte-sector disk accepted");
	verify_rw(0, 8, 4096, false, "4k");
	verify_rw(0, 64, 8 * 4096, false, "4k multi");
}

/* Throughput of n requests of segs pages (one at a time), for reports. */
static void sc_bench(unsigned int segs)
{
	size_t bytes = (size_t)segs * XPV_PAGE_SIZE;
	bool use_ind = segs > XPV_BLKIF_MAX_SEGMENTS;
	unsigned int i, n = (unsigned int)((256u << 20) / bytes);
	struct timespec t0, t1;
	double s;
	int pass;

	if (use_ind && max_indirect < segs)
		exit(77);
	fill_random(data, bytes);
	for (pass = 0; pass < 2; pass++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < n; i++)
			if (rw(0, pass == 0, (uint64_t)(i % 16) * (bytes / 512),
			       bytes, 0, use_ind))
				failf("bench request refused");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		s = (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("bench %s %u segs x %u: %.0f MiB/s, %.0f req/s\n",
		       pass ? "read" : "write", segs, n,
		       (double)n * (double)bytes / s / 1048576.0,
		       (double)n / s);
	}
}

/* A producer index beyond the ring: the backend must stop this ring. */
static void sc_badprod(void)
{
	struct xpv_sring *s = qs[0].ring_addr;
	struct blkif_response rsp;

	xpv_write_once_u32(&s->req_prod,
			   s->rsp_prod + qs[0].ring.ring.nr_ents + 5);
	plat->evtchn->notify(evt, (xpv_port_t)qs[0].port);
	if (get_rsp(0, &rsp, 500) != -ETIMEDOUT)
		failf("backend answered on a broken ring");
}

/* ---- hostile cases (tests/hostile/run.sh) ---- */

/* The ring still serves verified I/O, plain and (when offered) indirect. */
static void still_works(const char *what)
{
	struct blkif_response rsp;

	verify_rw(0, 96, 8192, false, what);
	if (max_indirect >= 16)
		verify_rw(0, 160, 16 * 4096, true, what);
	/* Nothing answered twice or unasked, even late. */
	if (get_rsp(0, &rsp, 50) != -ETIMEDOUT)
		failf("%s: an extra response (id %llu)", what,
		      (unsigned long long)rsp.id);
}

static void plain_req(union xpv_blkif_request *req, uint8_t op,
		      uint8_t nsegs, uint64_t sector)
{
	memset(req, 0, sizeof(*req));
	req->rw.operation = op;
	req->rw.nr_segments = nsegs;
	req->rw.sector_number = sector;
	build_segs(req->rw.seg, 0, 11 * 4096);
}

/* An indirect request of nsegs full pages from data page 0; the
 * descriptors are written into the shared indirect pages. */
static void ind_req(union xpv_blkif_request *req, uint8_t op,
		    uint16_t nsegs, uint64_t sector)
{
	unsigned int i, n = nsegs, np;

	memset(req, 0, sizeof(*req));
	if (n > XPV_BLKIF_MAX_INDIRECT_SEGMENTS)
		n = XPV_BLKIF_MAX_INDIRECT_SEGMENTS;
	build_segs((void *)ind, 0, (size_t)n * 4096);
	np = (n + 511) / 512;
	if (np == 0)
		np = 1;
	req->indirect.operation = BLKIF_OP_INDIRECT;
	req->indirect.indirect_op = op;
	req->indirect.nr_segments = nsegs;
	req->indirect.sector_number = sector;
	for (i = 0; i < np && i < XPV_BLKIF_MAX_INDIRECT_PAGES; i++)
		req->indirect.indirect_grefs[i] = ind_refs[i];
}

static void need_indirect(unsigned int n)
{
	if (max_indirect < n) {
		fprintf(stderr, "backend offers %u indirect segments, "
			"need %u\n", max_indirect, n);
		exit(77);
	}
}

static void sc_nsegs0(void)
{
	union xpv_blkif_request req;

	plain_req(&req, BLKIF_OP_READ, 0, 8);
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR, "read, 0 segments");
	plain_req(&req, BLKIF_OP_WRITE, 0, 8);
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR, "write, 0 segments");
	if (max_indirect) {
		ind_req(&req, BLKIF_OP_READ, 0, 8);
		expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
		       "indirect read, 0 segments");
	}
	still_works("after 0 segments");
}

static void sc_nsegs12(void)
{
	union xpv_blkif_request req;

	plain_req(&req, BLKIF_OP_READ, 12, 8);
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR, "read, 12 segments");
	plain_req(&req, BLKIF_OP_WRITE, 12, 8);
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR, "write, 12 segments");
	plain_req(&req, BLKIF_OP_WRITE, 255, 8);
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR, "write, 255 segments");
	still_works("after > 11 segments");
}

static void sc_indmax(void)
{
	union xpv_blkif_request req;

	need_indirect(12);
	ind_req(&req, BLKIF_OP_READ, (uint16_t)(max_indirect + 1), 8);
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
	       "indirect read, max + 1 segments");
	ind_req(&req, BLKIF_OP_WRITE, (uint16_t)(max_indirect + 1), 8);
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR,
	       "indirect write, max + 1 segments");
	ind_req(&req, BLKIF_OP_READ, 4097, 8);
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
	       "indirect read, 4097 segments");
	ind_req(&req, BLKIF_OP_READ, 65535, 8);
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
	       "indirect read, 65535 segments");
	/* Exactly the maximum is fine. */
	if (max_indirect <= 1024)
		verify_rw(0, 8, (size_t)max_indirect * 4096, true,
			  "indirect, max segments");
	still_works("after too many indirect segments");
}

/*
 * The number of indirect pages follows from nr_segments: a page the
 * count needs but the frontend did not grant is an error; grefs past the
 * count are never looked at.
 */
static void sc_indpages(void)
{
	union xpv_blkif_request req;

	need_indirect(513);
	ind_req(&req, BLKIF_OP_READ, 513, 8);
	req.indirect.indirect_grefs[1] = 0xdeadbee;
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
	       "513 segments, second indirect page never granted");
	ind_req(&req, BLKIF_OP_WRITE, 513, 8);
	req.indirect.indirect_grefs[1] = 0;
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR,
	       "513 segments, second indirect gref 0");
	/* 512 segments with junk in grefs[1..7]: one page, served. */
	{
		unsigned char *want = scratch;
		unsigned int i;
		int st;

		fill_random(want, 512 * 4096);
		to_pages(0, want, 512 * 4096);
		ind_req(&req, BLKIF_OP_WRITE, 512, 4096);
		for (i = 1; i < XPV_BLKIF_MAX_INDIRECT_PAGES; i++)
			req.indirect.indirect_grefs[i] = 0xdeadbee0 + i;
		st = roundtrip(0, &req, BLKIF_OP_WRITE);
		if (st != BLKIF_RSP_OKAY)
			failf("512 segments with unused junk grefs: status %d",
			      st);
		else
			check_image(4096, want, 512 * 4096, "junk grefs");
	}
	still_works("after indirect page count mismatch");
}

static void sc_indop(void)
{
	static const uint8_t ops[] = { BLKIF_OP_FLUSH_DISKCACHE,
				       BLKIF_OP_WRITE_BARRIER,
				       BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT,
				       4, 0x7f, 0xff };
	union xpv_blkif_request req;
	char what[64];
	unsigned int i;

	need_indirect(12);
	for (i = 0; i < sizeof(ops); i++) {
		ind_req(&req, ops[i], 4, 8);
		snprintf(what, sizeof(what), "indirect_op %u", ops[i]);
		expect(&req, ops[i], BLKIF_RSP_ERROR, what);
	}
	still_works("after bad indirect_op");
}

static void sc_firstlast(void)
{
	union xpv_blkif_request req;

	plain_req(&req, BLKIF_OP_WRITE, 1, 8);
	req.rw.seg[0].first_sect = 5;
	req.rw.seg[0].last_sect = 4;
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR, "first 5 > last 4");
	plain_req(&req, BLKIF_OP_READ, 3, 8);
	req.rw.seg[2].first_sect = 7;
	req.rw.seg[2].last_sect = 0;
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
	       "third segment first 7 > last 0");
	if (max_indirect >= 12) {
		ind_req(&req, BLKIF_OP_READ, 12, 8);
		((struct blkif_request_segment *)(void *)ind)[11].first_sect =
			3;
		((struct blkif_request_segment *)(void *)ind)[11].last_sect =
			2;
		expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
		       "indirect descriptor first > last");
	}
	still_works("after first_sect > last_sect");
}

static void sc_lastsect(void)
{
	union xpv_blkif_request req;

	plain_req(&req, BLKIF_OP_WRITE, 1, 8);
	req.rw.seg[0].last_sect = 8;
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR, "last_sect 8");
	plain_req(&req, BLKIF_OP_READ, 2, 8);
	req.rw.seg[1].first_sect = 200;
	req.rw.seg[1].last_sect = 255;
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR, "last_sect 255");
	if (max_indirect >= 12) {
		ind_req(&req, BLKIF_OP_WRITE, 12, 8);
		((struct blkif_request_segment *)(void *)ind)[0].last_sect = 9;
		expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR,
		       "indirect descriptor last_sect 9");
	}
	still_works("after last_sect > 7");
}

static void sc_pastend(void)
{
	union xpv_blkif_request req;

	plain_req(&req, BLKIF_OP_READ, 1, sectors);
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR, "read at the end");
	plain_req(&req, BLKIF_OP_WRITE, 1, sectors);
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR, "write at the end");
	plain_req(&req, BLKIF_OP_WRITE, 2, sectors - 8);
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR, "write across the end");
	plain_req(&req, BLKIF_OP_READ, 1, sectors + 4096);
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR, "read far past the end");
	if (max_indirect >= 16) {
		ind_req(&req, BLKIF_OP_READ, 16, sectors - 64);
		expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
		       "indirect read across the end");
	}
	if (discard_ok) {
		memset(&req, 0, sizeof(req));
		req.discard.operation = BLKIF_OP_DISCARD;
		req.discard.sector_number = sectors - 8;
		req.discard.nr_sectors = 16;
		expect(&req, BLKIF_OP_DISCARD, BLKIF_RSP_ERROR,
		       "discard across the end");
	}
	/* The last sector itself is fine. */
	verify_rw(0, sectors - 8, 4096, false, "last page of the disk");
	still_works("after past the end");
}

static void sc_overflow(void)
{
	union xpv_blkif_request req;

	plain_req(&req, BLKIF_OP_READ, 1, UINT64_MAX - 3);
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
	       "sector + length wraps 64 bits");
	plain_req(&req, BLKIF_OP_WRITE, 1, UINT64_MAX);
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR, "sector 2^64 - 1");
	plain_req(&req, BLKIF_OP_WRITE, 1, 1ull << 55);
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR,
	       "sector * 512 wraps 64 bits");
	plain_req(&req, BLKIF_OP_READ, 1, (1ull << 55) - 4);
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
	       "byte offset + length wraps 64 bits");
	if (max_indirect >= 16) {
		ind_req(&req, BLKIF_OP_WRITE, 16, UINT64_MAX - 64);
		expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR,
		       "indirect sector + length wraps");
	}
	if (discard_ok) {
		memset(&req, 0, sizeof(req));
		req.discard.operation = BLKIF_OP_DISCARD;
		req.discard.sector_number = UINT64_MAX - 7;
		req.discard.nr_sectors = 16;
		expect(&req, BLKIF_OP_DISCARD, BLKIF_RSP_ERROR,
		       "discard sector + count wraps");
		req.discard.sector_number = 8;
		req.discard.nr_sectors = UINT64_MAX;
		expect(&req, BLKIF_OP_DISCARD, BLKIF_RSP_ERROR,
		       "discard count 2^64 - 1");
	}
	still_works("after overflows");
}

static void sc_grefbad(void)
{
	union xpv_blkif_request req;

	plain_req(&req, BLKIF_OP_READ, 1, 8);
	req.rw.seg[0].gref = 0xdeadbee;
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
	       "read, gref never granted");
	plain_req(&req, BLKIF_OP_WRITE, 3, 8);
	req.rw.seg[2].gref = 0xdeadbee;
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR,
	       "write, third gref never granted");
	plain_req(&req, BLKIF_OP_WRITE, 1, 8);
	req.rw.seg[0].gref = data_refs[NDATA - 1] + 100000;
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR, "write, gref past table");
	if (max_indirect >= 16) {
		ind_req(&req, BLKIF_OP_READ, 16, 8);
		((struct blkif_request_segment *)(void *)ind)[15].gref =
			0xdeadbee;
		expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
		       "indirect descriptor gref never granted");
		ind_req(&req, BLKIF_OP_READ, 16, 8);
		req.indirect.indirect_grefs[0] = 0xdeadbee;
		expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
		       "indirect page never granted");
	}
	still_works("after bad grefs");
}

/*
 * One bad grant among requests posted together (16 one-page writes, then
 * 16 reads, the 6th of each naming a grant never made; then 8 indirect
 * writes and reads, the 3rd with a descriptor page never granted): that
 * one request fails, the others are served with the right data, and the
 * bad one changes nothing (its sectors keep their old contents, its pages
 * are not written).  Without persistent grants xenpvd copies such
 * requests' data and descriptors in one call: one request's bad grant
 * must not fail its neighbours.
 */
static void sc_grefbatch(void)
{
	const unsigned int n = 16, bad = 5;
	unsigned char *want = scratch, *old = scratch + (8u << 20);
	size_t bytes = (size_t)n * XPV_PAGE_SIZE;
	unsigned int i;

	if (qs[0].ring.ring.nr_ents < n)
		die("ring of %u entries", qs[0].ring.ring.nr_ents);
	if (pread(img_fd, old, bytes, 30000 * 512) != (ssize_t)bytes)
		die("pread image: %s", strerror(errno));
	fill_random(want, bytes);
	memcpy(data, want, bytes);
	burst_io(true, n, 0, 30000, bad, "batch write");
	/* What the image must hold: the bad request's page unchanged. */
	memcpy(want + (size_t)bad * XPV_PAGE_SIZE,
	       old + (size_t)bad * XPV_PAGE_SIZE, XPV_PAGE_SIZE);
	check_image(30000, want, bytes, "batch write");
	memset(data + bytes, 0x77, bytes);
	burst_io(false, n, n, 30000, bad, "batch read");
	for (i = 0; i < n; i++) {
		const unsigned char *got = data + (size_t)(n + i) *
						  XPV_PAGE_SIZE;

		if (i == bad) {
			unsigned int k;

			/* Its page was not granted: it stays as it was. */
			for (k = 0; k < XPV_PAGE_SIZE; k++)
				if (got[k] != 0x77)
					break;
			if (k < XPV_PAGE_SIZE)
				failf("batch read: page of the bad request "
				      "written");
			continue;
		}
		if (memcmp(got, want + (size_t)i * XPV_PAGE_SIZE,
			   XPV_PAGE_SIZE))
			failf("batch read: request %u got wrong data", i);
	}
	/* The same with indirect requests, one of which has a descriptor
	 * page never granted (xenpvd batches descriptor copies too). */
	if (max_indirect >= 16) {
		const unsigned int ni = 8, segs = 16, ibad = 2;
		size_t each = (size_t)segs * XPV_PAGE_SIZE, all = ni * each;
		const unsigned char *got = data + all;

		if (pread(img_fd, old, all, 20000 * 512) != (ssize_t)all)
			die("pread image: %s", strerror(errno));
		fill_random(want, all);
		memcpy(data, want, all);
		ind_burst_io(true, ni, segs, 0, 20000, ibad,
			     "indirect batch write");
		memcpy(want + ibad * each, old + ibad * each, each);
		check_image(20000, want, all, "indirect batch write");
		memset(data + all, 0x77, all);
		ind_burst_io(false, ni, segs, ni * segs, 20000, ibad,
			     "indirect batch read");
		for (i = 0; i < ni; i++, got += each) {
			bool ok;

			if (i == ibad) /* all still 0x77 */
				ok = got[0] == 0x77 &&
				     !memcmp(got, got + 1, each - 1);
			else
				ok = !memcmp(got, want + i * each, each);
			if (!ok)
				failf("indirect batch read: request %u: %s", i,
				      i == ibad ? "its pages were written"
						: "wrong data");
		}
	}
	still_works("after a bad grant in a batch");
}

/* Shares one page with domid (writable or not); dies on failure. */
static xpv_gref_t share_one(unsigned int domid, int writable, void **addr)
{
	xpv_gref_t ref;
	int err = plat->gntshr->share(shr, (xpv_domid_t)domid, 1, &ref,
				      writable, addr);

	if (err)
		die("share to %u: %s", domid, strerror(-err));
	return ref;
}

static void sc_grefother(void)
{
	union xpv_blkif_request req;
	void *page;
	xpv_gref_t ref;

	if (other_dom == bdom || other_dom == (unsigned)xpv_sim_self_domid())
		die("--other-dom must be a third domain");
	ref = share_one(other_dom, 1, &page);
	memset(page, 0x5a, 4096);
	plain_req(&req, BLKIF_OP_READ, 1, 8);
	req.rw.seg[0].gref = ref;
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
	       "read into a page granted to another domain");
	plain_req(&req, BLKIF_OP_WRITE, 2, 8);
	req.rw.seg[1].gref = ref;
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_ERROR,
	       "write from a page granted to another domain");
	if (max_indirect >= 16) {
		ind_req(&req, BLKIF_OP_READ, 16, 8);
		((struct blkif_request_segment *)(void *)ind)[3].gref = ref;
		expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
		       "indirect read into another domain's page");
	}
	{
		unsigned char *p = page;
		unsigned int i;

		for (i = 0; i < 4096; i++)
			if (p[i] != 0x5a) {
				failf("another domain's page was written");
				break;
			}
	}
	still_works("after another domain's grant");
}

static void sc_grefro(void)
{
	union xpv_blkif_request req;
	unsigned char want[4096], *p;
	xpv_gref_t ref;
	void *page;
	unsigned int i;

	ref = share_one(bdom, 0, &page);
	p = page;
	/* A read-only grant is fine as the source of a write. */
	fill_random(want, sizeof(want));
	memcpy(p, want, sizeof(want));
	plain_req(&req, BLKIF_OP_WRITE, 1, 256);
	req.rw.seg[0].gref = ref;
	expect(&req, BLKIF_OP_WRITE, BLKIF_RSP_OKAY,
	       "write from a read-only grant");
	check_image(256, want, sizeof(want), "write from a read-only grant");
	/* The backend must write into the page of a read: refused, and the
	 * page is left alone. */
	memset(p, 0xc3, 4096);
	plain_req(&req, BLKIF_OP_READ, 1, 512);
	req.rw.seg[0].gref = ref;
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
	       "read into a read-only grant");
	plain_req(&req, BLKIF_OP_READ, 4, 512);
	req.rw.seg[3].gref = ref;
	expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
	       "read, fourth page a read-only grant");
	if (max_indirect >= 16) {
		ind_req(&req, BLKIF_OP_READ, 16, 512);
		((struct blkif_request_segment *)(void *)ind)[7].gref = ref;
		expect(&req, BLKIF_OP_READ, BLKIF_RSP_ERROR,
		       "indirect read into a read-only grant");
	}
	for (i = 0; i < 4096; i++)
		if (p[i] != 0xc3) {
			failf("a read-only granted page was written");
			break;
		}
	still_works("after read-only grants");
}

/*
 * The same id twice, the first still in flight.  The backend cannot know
 * the frontend's bookkeeping: it must answer each request exactly once,
 * OKAY or ERROR (it may refuse the duplicate), and nothing else.
 */
static void sc_idreuse(void)
{
	union xpv_blkif_request a, b;
	struct blkif_response rsp;
	const uint64_t id = 777777;
	unsigned int got = 0;

	if (max_indirect >= 256) {
		ind_req(&a, BLKIF_OP_WRITE, 256, 8192);
		a.indirect.id = id;
	} else {
		plain_req(&a, BLKIF_OP_WRITE, 11, 8192);
		a.rw.id = id;
	}
	plain_req(&b, BLKIF_OP_WRITE, 1, 16384);
	b.rw.seg[0].gref = data_refs[400];
	b.rw.id = id;
	send(0, &a);
	send(0, &b);
	kick(0);
	while (got < 2) {
		if (get_rsp(0, &rsp, TIMEOUT_MS)) {
			failf("reused id: %u responses of 2", got);
			return;
		}
		if (rsp.id != id)
			failf("reused id: response for id %llu",
			      (unsigned long long)rsp.id);
		if (rsp.operation != BLKIF_OP_WRITE)
			failf("reused id: response op %u", rsp.operation);
		if (rsp.status != BLKIF_RSP_OKAY &&
		    rsp.status != BLKIF_RSP_ERROR)
			failf("reused id: status %d", rsp.status);
		got++;
	}
	if (get_rsp(0, &rsp, 300) != -ETIMEDOUT)
		failf("reused id: a third response (id %llu)",
		      (unsigned long long)rsp.id);
	still_works("after a reused id");
}

static void sc_unknownop(void)
{
	static const uint8_t ops[] = { 4, 7, 8, 0x7f, 0xff };
	union xpv_blkif_request req;
	char what[32];
	unsigned int i;

	for (i = 0; i < sizeof(ops); i++) {
		plain_req(&req, ops[i], 1, 8);
		snprintf(what, sizeof(what), "operation %u", ops[i]);
		expect(&req, ops[i], BLKIF_RSP_EOPNOTSUPP, what);
	}
	still_works("after unknown operations");
}

/* DISCARD (and secure discard) on a backend that did not offer it. */
static void sc_nodiscard(void)
{
	union xpv_blkif_request req;

	if (discard_ok) {
		fprintf(stderr, "the backend offers discard here\n");
		exit(77);
	}
	memset(&req, 0, sizeof(req));
	req.discard.operation = BLKIF_OP_DISCARD;
	req.discard.sector_number = 8;
	req.discard.nr_sectors = 8;
	expect(&req, BLKIF_OP_DISCARD, BLKIF_RSP_EOPNOTSUPP,
	       "discard not offered");
	req.discard.flag = BLKIF_DISCARD_SECURE;
	expect(&req, BLKIF_OP_DISCARD, BLKIF_RSP_EOPNOTSUPP,
	       "secure discard not offered");
	if (rw(0, false, 8, 4096, 0, false) != BLKIF_RSP_OKAY)
		failf("read after discard refused");
}

/*
 * FLUSH_DISKCACHE / WRITE_BARRIER: EOPNOTSUPP when the feature key is not
 * 1, served when it is.  Secure discard where discard-secure is not 1.
 */
static void sc_flushoff(void)
{
	static const struct {
		uint8_t op;
		const char *key;
	} ops[] = { { BLKIF_OP_FLUSH_DISKCACHE, "feature-flush-cache" },
		    { BLKIF_OP_WRITE_BARRIER, "feature-barrier" } };
	union xpv_blkif_request req;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		bool on = read_u32_or(be, ops[i].key, 0) == 1;

		memset(&req, 0, sizeof(req));
		req.rw.operation = ops[i].op;
		expect(&req, ops[i].op,
		       on ? BLKIF_RSP_OKAY : BLKIF_RSP_EOPNOTSUPP, ops[i].key);
		printf("%s=%d\n", ops[i].key, on);
	}
	if (discard_ok && read_u32_or(be, "discard-secure", 0) != 1) {
		memset(&req, 0, sizeof(req));
		req.discard.operation = BLKIF_OP_DISCARD;
		req.discard.sector_number = 8;
		req.discard.nr_sectors = 8;
		req.discard.flag = BLKIF_DISCARD_SECURE;
		expect(&req, BLKIF_OP_DISCARD, BLKIF_RSP_EOPNOTSUPP,
		       "secure discard not offered");
	}
	still_works("after flush");
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* At least n notifications and at least one second of them, no request:
 * the backend must answer nothing and then still serve. */
static void sc_storm(unsigned int n)
{
	struct blkif_response rsp;
	double t0 = now_s();
	unsigned int i = 0;

	while (i < n || now_s() - t0 < 1.0) {
		plat->evtchn->notify(evt, (xpv_port_t)qs[0].port);
		if (++i % 1000 == 0)
			usleep(1000);
	}
	printf("storm: %u notifications in %.2f s\n", i, now_s() - t0);
	if (get_rsp(0, &rsp, 200) != -ETIMEDOUT)
		failf("storm: a response without a request");
	still_works("after a notification storm");
}

static bool stop_requested(void)
{
	struct stat st;

	return stop_file && stat(stop_file, &st) == 0;
}

/* Keeps the ring full of one-page writes until killed or stopped. */
static void sc_hang(void)
{
	unsigned int n = qs[0].ring.ring.nr_ents, i, done = 0;
	union xpv_blkif_request req;
	struct blkif_response rsp;

	for (i = 0; i < n; i++) {
		plain_req(&req, BLKIF_OP_WRITE, 1, 8ull * i);
		req.rw.seg[0].gref = data_refs[i];
		req.rw.id = i;
		send(0, &req);
	}
	kick(0);
	while (!stop_requested()) {
		if (get_rsp(0, &rsp, TIMEOUT_MS)) {
			fprintf(stderr, "hang: no more responses\n");
			exit(2);
		}
		if (++done == n) {
			printf("hang: running\n");
			fflush(stdout);
		}
		i = (unsigned int)(rsp.id % n);
		plain_req(&req, BLKIF_OP_WRITE, 1, 8ull * i);
		req.rw.seg[0].gref = data_refs[i];
		req.rw.id = rsp.id;
		send(0, &req);
		kick(0);
	}
}

/* A full ring in flight, then the frontend says Closed at once. */
static void sc_closemid(void)
{
	unsigned int n = qs[0].ring.ring.nr_ents, i, seen = 0;
	union xpv_blkif_request req;
	struct blkif_response rsp;
	static bool got[4096];
	XenbusState s = XenbusStateUnknown;
	int ms;

	for (i = 0; i < n; i++) {
		plain_req(&req, BLKIF_OP_WRITE, 11, 88ull * i);
		req.rw.id = 90000 + i;
		send(0, &req);
	}
	kick(0);
	if (xpv_xs_write(xsh, XBT_NULL, fe, "state", "6"))
		die("cannot write frontend state");
	for (ms = TIMEOUT_MS; ms > 0; ms -= 10) {
		if (xpv_xs_read_state(xsh, XBT_NULL, be, &s) == 0 &&
		    s == XenbusStateClosed)
			break;
		usleep(10000);
	}
	if (s != XenbusStateClosed)
		failf("closemid: backend state %d, not Closed", s);
	/* Whatever was answered was asked, and answered once. */
	memset(got, 0, sizeof(got));
	while (get_rsp(0, &rsp, 0) == 0) {
		if (rsp.id < 90000 || rsp.id >= 90000 + n ||
		    got[rsp.id - 90000])
			failf("closemid: unexpected or repeated id %llu",
			      (unsigned long long)rsp.id);
		else
			got[rsp.id - 90000] = true;
		seen++;
	}
	printf("closemid: %u of %u answered before Closed\n", seen, n);
}

/* Replaces the progress file atomically (a new file renamed over it), so
 * a reader never sees it empty or half written. */
static void write_progress(unsigned long iters)
{
	char buf[64], tmp[PATH_MAX];
	int fd, len;

	if (!progress_file)
		return;
	len = snprintf(buf, sizeof(buf), "iters=%lu\n", iters);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", progress_file) >=
	    (int)sizeof(tmp))
		failf("progress path too long");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	if (write(fd, buf, (size_t)len) != len)
		failf("cannot write %s", tmp);
	close(fd);
	if (rename(tmp, progress_file) < 0)
		failf("cannot rename %s", tmp);
}

/* Verified I/O until the stop file appears (at most 10 minutes). */
static void sc_loop(void)
{
	static const unsigned int pages[] = { 1, 11, 2, 64, 8, 256 };
	unsigned long iters = 0;
	double t0 = now_s();
	uint64_t span = sectors > 8192 ? sectors - 4096 : 0;

	if (!span)
		die("loop: disk too small");
	write_progress(0);
	while (!stop_requested() && now_s() - t0 < 600) {
		unsigned int np = pages[iters % 6];
		bool indirect = np > 11;
		uint64_t sector;

		if (indirect && max_indirect < np) {
			np = 11;
			indirect = false;
		}
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		sector = (rng % span) & ~7ull;
		verify_rw(0, sector, (size_t)np * 4096, indirect, "loop");
		if (failures)
			break;
		write_progress(++iters);
	}
	printf("loop: iters=%lu in %.1f s\n", iters, now_s() - t0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ "devid", required_argument, NULL, 'd' },
		{ "abi", required_argument, NULL, 'a' },
		{ "order", required_argument, NULL, 'o' },
		{ "queues", required_argument, NULL, 'q' },
		{ "persistent", required_argument, NULL, 'p' },
		{ "hostile", no_argument, NULL, 'H' },
		{ "xs", required_argument, NULL, 'x' },
		{ "other-dom", required_argument, NULL, 'O' },
		{ "stop-file", required_argument, NULL, 's' },
		{ "progress", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char *image = NULL;
	unsigned int devid = 51712;
	int c, i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			image = optarg;
			break;
		case 'd':
			devid = (unsigned int)atoi(optarg);
			break;
		case 'a':
			abi = atoi(optarg) == 32 ? XPV_BLKIF_ABI_X86_32
						 : XPV_BLKIF_ABI_X86_64;
			break;
		case 'o':
			order = (unsigned int)atoi(optarg);
			break;
		case 'q':
			nq = (unsigned int)atoi(optarg);
			break;
		case 'p':
			persistent = atoi(optarg) != 0;
			break;
		case 'H':
			hostile = true;
			break;
		case 'x': {
			char *eq = strchr(optarg, '=');

			if (!eq || eq == optarg || nr_xs == MAX_XS)
				die("--xs KEY=VALUE (at most %d)", MAX_XS);
			*eq = '\0';
			xs_keys[nr_xs] = optarg;
			xs_vals[nr_xs++] = eq + 1;
			break;
		}
		case 'O':
			other_dom = (unsigned int)atoi(optarg);
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
	if (getenv("XPV_TEST_HOSTILE"))
		hostile = true;
	if (!image || nq < 1 || nq > MAXQ || order > 4)
		die("usage: see the top of test-frontend-raw.c");
	img_fd = open(image, O_RDONLY);
	if (img_fd < 0)
		die("%s: %s", image, strerror(errno));
	scratch = malloc(64u << 20);
	if (!scratch)
		die("no memory");
	plat = xpv_platform_get("sim");
	if (xpv_xs_open(&xsh))
		die("cannot open XenStore");
	connect_vbd(devid);
	for (i = optind; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "rw"))
			sc_rw();
		else if (!strcmp(s, "burst"))
			sc_burst();
		else if (!strcmp(s, "barrierburst"))
			sc_barrierburst();
		else if (!strcmp(s, "indburst"))
			sc_indburst();
		else if (!strncmp(s, "indirect=", 9))
			sc_indirect((unsigned int)atoi(s + 9));
		else if (!strcmp(s, "flush"))
			sc_flush(false);
		else if (!strcmp(s, "barrier"))
			sc_flush(true);
		else if (!strcmp(s, "discard"))
			sc_discard();
		else if (!strcmp(s, "ro"))
			sc_ro();
		else if (!strcmp(s, "malformed"))
			sc_malformed();
		else if (!strcmp(s, "sector4k"))
			sc_sector4k();
		else if (!strncmp(s, "bench=", 6))
			sc_bench((unsigned int)atoi(s + 6));
		else if (!strcmp(s, "badprod"))
			sc_badprod();
		else if (!strcmp(s, "nsegs0"))
			sc_nsegs0();
		else if (!strcmp(s, "nsegs12"))
			sc_nsegs12();
		else if (!strcmp(s, "indmax"))
			sc_indmax();
		else if (!strcmp(s, "indpages"))
			sc_indpages();
		else if (!strcmp(s, "indop"))
			sc_indop();
		else if (!strcmp(s, "firstlast"))
			sc_firstlast();
		else if (!strcmp(s, "lastsect"))
			sc_lastsect();
		else if (!strcmp(s, "pastend"))
			sc_pastend();
		else if (!strcmp(s, "overflow"))
			sc_overflow();
		else if (!strcmp(s, "grefbad"))
			sc_grefbad();
		else if (!strcmp(s, "grefbatch"))
			sc_grefbatch();
		else if (!strcmp(s, "grefother"))
			sc_grefother();
		else if (!strcmp(s, "grefro"))
			sc_grefro();
		else if (!strcmp(s, "idreuse"))
			sc_idreuse();
		else if (!strcmp(s, "unknownop"))
			sc_unknownop();
		else if (!strcmp(s, "nodiscard"))
			sc_nodiscard();
		else if (!strcmp(s, "flushoff"))
			sc_flushoff();
		else if (!strncmp(s, "storm=", 6))
			sc_storm((unsigned int)atoi(s + 6));
		else if (!strcmp(s, "hang"))
			sc_hang();
		else if (!strcmp(s, "closemid"))
			sc_closemid();
		else if (!strcmp(s, "loop"))
			sc_loop();
		else
			die("unknown scenario %s", s);
	}
	/* Grants and ports stay until exit: the backend may still map the
	 * ring (it is not asked to close), and the sim reaps on exit. */
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
