/* SPDX-License-Identifier: MIT */
/*
 * fake-blkback.c - a minimal block backend for the frontend library's
 * tests only: a sim dom0 process that plays the toolstack (writes one VBD's
 * backend and frontend directories), negotiates as the contract says, maps
 * the frontend's rings and grants, and serves READ, WRITE, INDIRECT, FLUSH
 * and DISCARD on a disk held in memory.  It is not xenpvd: it exists so
 * that libxenpvfront can be tested before and independently of the real
 * backend, and it can misbehave on purpose.
 *
 *   fake-blkback --fdom N --devid D [--sectors S] [--order O] [--queues Q]
 *       [--indirect N (0: none)] [--persistent 0|1] [--no-flush]
 *       [--no-discard] [--readonly] [--reconnect-after N] [--then-order O]
 *       [--then-queues Q] [--then-indirect N] [--then-persistent 0|1]
 *       [--bad-id-after N] [--bad-op-after N] [--dup-id-after N]
 *       [--stats FILE]
 *
 * --reconnect-after N: after N requests it stops answering (it consumes
 * three more and drops them, so they are "in flight" for the frontend), goes
 * Closing, waits for the frontend's Closed, unmaps everything, goes Closed,
 * and offers the --then-* limits at the next InitWait (which it enters when
 * the frontend goes back to Initialising, as Linux blkback does).
 * --bad-id-after N: answers request N+1 with an id that was never asked.
 * --bad-op-after N: answers request N+1 with the wrong operation.
 * --dup-id-after N: answers request N+1 with the id of request N, which
 * was answered already (an answer given twice).
 *
 * Every request is checked against what was negotiated (segment count,
 * indirect allowed, sector bounds); violations are answered BLKIF_RSP_ERROR
 * and counted.  --stats FILE gets key=value counters on SIGTERM/exit.
 * Guarantees: unless told to misbehave, never answers a request twice and
 * never an id it was not asked; exits 0 on SIGTERM.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "blkif.h"
#include "platform.h"
#include "ring.h"
#include "xs-util.h"
#include "xs-watch.h"

#define MAXQ 16
#define NGREFS 32768u
#define PCACHE_MAX 1056u

struct limits {
	unsigned int order, queues, indirect;
	int persistent;
};

struct fq {
	struct xpv_ring_back b;
	void *ring;
	unsigned int npages;
	int port;
	void **pcache; /* gref -> mapping, persistent grants only */
	unsigned int pcached;
	/* The id this queue answered last (--dup-id-after): ids name slots
	 * of one queue, so a duplicate must come from the same queue to be
	 * the duplicate of an answered request. */
	uint64_t last_id;
};

static const struct xpv_platform *P;
static struct xs_handle *xsh;
static struct xpv_gnt *gnt;
static struct xpv_evtchn *evt;
static unsigned int fdom, devid;
static char bdir[128], fdir[128];
static unsigned char *disk;
static uint64_t sectors = 65536;
static struct limits cur = { 4, 4, 256, 1 }, alt = { 0, 1, 0, 0 };
static bool have_alt, no_flush, no_discard, readonly;
static long reconnect_after = -1, bad_id_after = -1, bad_op_after = -1;
static long dup_id_after = -1;
static const char *stats_path;
static volatile sig_atomic_t stop;

static enum xpv_blkif_abi abi;
static unsigned int nq, neg_indirect;
static bool persistent, connected, paused;
static unsigned int swallow; /* requests still to consume and drop */
static struct fq q[MAXQ];
static XenbusState bstate = XenbusStateInitialising;

static struct {
	unsigned long reqs, reads, writes, indirect, flushes, discards;
	unsigned long violations, dropped, connects, max_segs, errors;
	unsigned long bytes;
	unsigned int last_queues, last_order, last_indirect;
	int last_persistent, last_abi;
} st;

static void die(const char *what, int err)
{
	fprintf(stderr, "fake-blkback: %s: %s\n", what, strerror(-err));
	exit(1);
}

static void set_state(XenbusState s)
{
	int err = xpv_xs_switch_state(xsh, XBT_NULL, bdir, s);

	if (err < 0)
		die("state", err);
	bstate = s;
}

static void write_stats(void)
{
	FILE *f;

	if (!stats_path)
		return;
	f = fopen(stats_path, "w");
	if (!f)
		return;
	fprintf(f,
		"reqs=%lu\nreads=%lu\nwrites=%lu\nindirect=%lu\n"
		"flushes=%lu\ndiscards=%lu\nviolations=%lu\ndropped=%lu\n"
		"connects=%lu\nmax_segs=%lu\nerrors=%lu\nbytes=%lu\n"
		"queues=%u\norder=%u\nindirect_offered=%u\npersistent=%d\n"
		"abi=%d\n",
		st.reqs, st.reads, st.writes, st.indirect, st.flushes,
		st.discards, st.violations, st.dropped, st.connects,
		st.max_segs, st.errors, st.bytes, st.last_queues,
		st.last_order, st.last_indirect, st.last_persistent,
		st.last_abi);
	fclose(f);
}

/* ---- toolstack part and negotiation ---- */

static int mkdirs(struct xs_handle *x, xs_transaction_t t, void *opaque)
{
	int err;

	err = xpv_xs_mkdir(x, t, bdir, NULL, 0, fdom);
	if (!err)
		err = xpv_xs_mkdir(x, t, fdir, NULL, fdom, 0);
#define W(dir, k, ...)                                                       \
	do {                                                                 \
		if (!err)                                                    \
			err = xpv_xs_printf(x, t, dir, k, __VA_ARGS__);      \
	} while (0)
	W(bdir, "frontend", "%s", fdir);
	W(bdir, "frontend-id", "%u", fdom);
	W(bdir, "online", "1");
	W(bdir, "removable", "0");
	W(bdir, "bootable", "1");
	W(bdir, "state", "1");
	W(bdir, "dev", "xvda");
	W(bdir, "type", "fake");
	W(bdir, "mode", "%s", readonly ? "r" : "w");
	W(bdir, "device-type", "disk");
	W(fdir, "backend", "%s", bdir);
	W(fdir, "backend-id", "0");
	W(fdir, "state", "1");
	W(fdir, "virtual-device", "%u", devid);
	W(fdir, "device-type", "disk");
	return err;
}

static void publish(void)
{
	struct xs_handle *x = xsh;
	xs_transaction_t t = XBT_NULL;
	int err = 0;

	xpv_xs_rm(xsh, XBT_NULL, bdir, "feature-max-indirect-segments");
	if (cur.indirect > 11)
		W(bdir, "feature-max-indirect-segments", "%u", cur.indirect);
	W(bdir, "max-ring-page-order", "%u", cur.order);
	W(bdir, "multi-queue-max-queues", "%u", cur.queues);
	W(bdir, "feature-persistent", "%d", cur.persistent);
	W(bdir, "feature-flush-cache", "%d", !no_flush);
	W(bdir, "feature-barrier", "%d", !no_flush);
	W(bdir, "feature-discard", "%d", !no_discard);
	W(bdir, "discard-granularity", "4096");
	W(bdir, "discard-alignment", "0");
	W(bdir, "discard-secure", "0");
#undef W
	if (err < 0)
		die("publish", err);
	set_state(XenbusStateInitWait);
}

static void disconnect(void)
{
	unsigned int i, g;

	for (i = 0; i < nq; i++) {
		if (q[i].pcache) {
			for (g = 0; g < NGREFS; g++)
				if (q[i].pcache[g])
					P->gnt->unmap(gnt, q[i].pcache[g], 1);
			free(q[i].pcache);
		}
		if (q[i].ring)
			P->gnt->unmap(gnt, q[i].ring, q[i].npages);
		if (q[i].port > 0)
			P->evtchn->unbind(evt, (xpv_port_t)q[i].port);
		memset(&q[i], 0, sizeof(q[i]));
	}
	nq = 0;
	connected = false;
}

static int read_u32(const char *dir, const char *node, uint32_t *v)
{
	return xpv_xs_read_u32(xsh, XBT_NULL, dir, node, UINT32_MAX, v);
}

static int connect_front(void)
{
	char dir[192], node[32], proto[32];
	xpv_gref_t refs[16];
	uint32_t n = 1, order = 0, port, j;
	bool pers = false;
	unsigned int i;
	int err;

	if (read_u32(fdir, "multi-queue-num-queues", &n) < 0)
		n = 1;
	if (n < 1 || n > cur.queues)
		return -EPROTO;
	if (read_u32(fdir, "ring-page-order", &order) < 0)
		order = 0;
	if (order > cur.order)
		return -EPROTO;
	err = xpv_xs_read(xsh, XBT_NULL, fdir, "protocol", proto,
			  sizeof(proto));
	if (err < 0)
		return -EPROTO; /* the contract: always written */
	if (xpv_blkif_abi_parse(proto, &abi) < 0)
		return -EPROTO;
	xpv_xs_read_feature(xsh, XBT_NULL, fdir, "feature-persistent", &pers);
	persistent = pers && cur.persistent;
	nq = n;
	for (i = 0; i < n; i++) {
		if (n > 1)
			snprintf(dir, sizeof(dir), "%s/queue-%u", fdir, i);
		else
			snprintf(dir, sizeof(dir), "%s", fdir);
		for (j = 0; j < (1u << order); j++) {
			if (order)
				snprintf(node, sizeof(node), "ring-ref%u", j);
			else
				snprintf(node, sizeof(node), "ring-ref");
			if (read_u32(dir, node, &refs[j]) < 0)
				return -EPROTO;
		}
		if (read_u32(dir, "event-channel", &port) < 0)
			return -EPROTO;
		q[i].npages = 1u << order;
		err = P->gnt->map(gnt, (xpv_domid_t)fdom, q[i].npages, refs, 1,
				  &q[i].ring);
		if (err < 0)
			return err;
		err = xpv_blkif_back_attach(&q[i].b, abi, q[i].ring,
					    q[i].npages, 0);
		if (err < 0)
			return err;
		err = P->evtchn->bind_interdomain(evt, (xpv_domid_t)fdom,
						  (xpv_port_t)port);
		if (err < 0)
			return err;
		q[i].port = err;
		if (persistent) {
			q[i].pcache = calloc(NGREFS, sizeof(void *));
			if (!q[i].pcache)
				return -ENOMEM;
		}
	}
	neg_indirect = cur.indirect > 11 ? cur.indirect : 0;
	err = xpv_xs_printf(xsh, XBT_NULL, bdir, "sectors", "%llu",
			    (unsigned long long)sectors);
	if (!err)
		err = xpv_xs_printf(xsh, XBT_NULL, bdir, "info", "%u",
				    readonly ? VDISK_READONLY : 0);
	if (!err)
		err = xpv_xs_write(xsh, XBT_NULL, bdir, "sector-size", "512");
	if (!err)
		err = xpv_xs_write(xsh, XBT_NULL, bdir,
				   "physical-sector-size", "4096");
	if (err < 0)
		return err;
	connected = true;
	paused = false;
	st.connects++;
	st.last_queues = n;
	st.last_order = order;
	st.last_indirect = neg_indirect;
	st.last_persistent = persistent;
	st.last_abi = abi == XPV_BLKIF_ABI_X86_32 ? 32 : 64;
	set_state(XenbusStateConnected);
	return 0;
}

static void fe_changed(void)
{
	XenbusState fs;
	int err;

	if (xpv_xs_read_state(xsh, XBT_NULL, fdir, &fs) < 0)
		return;
	switch (fs) {
	case XenbusStateInitialised:
		if (bstate == XenbusStateInitWait) {
			err = connect_front();
			if (err < 0) {
				fprintf(stderr, "fake-blkback: connect: %s\n",
					strerror(-err));
				disconnect();
				set_state(XenbusStateClosing);
			}
		}
		break;
	case XenbusStateClosing:
		if (bstate == XenbusStateConnected)
			set_state(XenbusStateClosing);
		break;
	case XenbusStateClosed:
		if (bstate != XenbusStateClosed) {
			disconnect();
			set_state(XenbusStateClosed);
		}
		break;
	case XenbusStateInitialising:
		if (bstate == XenbusStateClosed) {
			if (have_alt) {
				cur = alt;
				have_alt = false;
			}
			publish();
		}
		break;
	default:
		break;
	}
}

static void watch_fn(void *opaque, const char *path, const char *token)
{
	fe_changed();
}

/* ---- serving ---- */

static void *map_one(struct fq *fq, xpv_gref_t ref, bool writable,
		     bool *temp)
{
	void *addr;

	*temp = false;
	if (fq->pcache && ref < NGREFS) {
		if (fq->pcache[ref])
			return fq->pcache[ref];
		if (fq->pcached < PCACHE_MAX &&
		    P->gnt->map(gnt, (xpv_domid_t)fdom, 1, &ref, 1, &addr) ==
			    0) {
			fq->pcache[ref] = addr;
			fq->pcached++;
			return addr;
		}
	}
	if (P->gnt->map(gnt, (xpv_domid_t)fdom, 1, &ref, writable, &addr) < 0)
		return NULL;
	*temp = true;
	return addr;
}

static int do_rw(struct fq *fq, bool write, uint64_t sector,
		 const struct blkif_request_segment *seg, unsigned int nseg)
{
	uint64_t off = sector * 512;
	unsigned int i, n;
	bool temp;
	void *page;

	for (i = 0; i < nseg; i++) {
		if (seg[i].last_sect > 7 || seg[i].first_sect > seg[i].last_sect)
			return -EINVAL;
		n = (seg[i].last_sect - seg[i].first_sect + 1u) * 512u;
		if (off + n > sectors * 512)
			return -EINVAL;
		page = map_one(fq, seg[i].gref, !write, &temp);
		if (!page)
			return -EIO;
		if (write)
			memcpy(disk + off, (char *)page + seg[i].first_sect * 512,
			       n);
		else
			memcpy((char *)page + seg[i].first_sect * 512,
			       disk + off, n);
		if (temp)
			P->gnt->unmap(gnt, page, 1);
		off += n;
		st.bytes += n;
	}
	return 0;
}

static struct blkif_request_segment segbuf[XPV_BLKIF_MAX_INDIRECT_SEGMENTS];

static int16_t handle(struct fq *fq, union xpv_blkif_request *r,
		      uint8_t *rop)
{
	unsigned int n, i, npages;
	bool temp;
	void *page;
	int err;

	*rop = r->operation;
	switch (r->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		if (r->rw.nr_segments == 0 ||
		    r->rw.nr_segments > XPV_BLKIF_MAX_SEGMENTS) {
			st.violations++;
			return BLKIF_RSP_ERROR;
		}
		st.reads += r->operation == BLKIF_OP_READ;
		st.writes += r->operation == BLKIF_OP_WRITE;
		if (r->rw.nr_segments > st.max_segs)
			st.max_segs = r->rw.nr_segments;
		if (r->operation == BLKIF_OP_WRITE && readonly)
			return BLKIF_RSP_ERROR;
		err = do_rw(fq, r->operation == BLKIF_OP_WRITE,
			    r->rw.sector_number, r->rw.seg, r->rw.nr_segments);
		if (err == -EINVAL)
			st.violations++;
		return err ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY;
	case BLKIF_OP_INDIRECT:
		*rop = r->indirect.indirect_op;
		n = r->indirect.nr_segments;
		if (!neg_indirect || n > neg_indirect || n == 0 ||
		    (*rop != BLKIF_OP_READ && *rop != BLKIF_OP_WRITE)) {
			st.violations++;
			return BLKIF_RSP_ERROR;
		}
		st.indirect++;
		st.reads += *rop == BLKIF_OP_READ;
		st.writes += *rop == BLKIF_OP_WRITE;
		if (n > st.max_segs)
			st.max_segs = n;
		npages = (n + 511) / 512;
		for (i = 0; i < npages; i++) {
			page = map_one(fq, r->indirect.indirect_grefs[i], false,
				       &temp);
			if (!page)
				return BLKIF_RSP_ERROR;
			memcpy(&segbuf[i * 512], page,
			       (i + 1 < npages ? 512 : n - i * 512) *
				       sizeof(segbuf[0]));
			if (temp)
				P->gnt->unmap(gnt, page, 1);
		}
		if (*rop == BLKIF_OP_WRITE && readonly)
			return BLKIF_RSP_ERROR;
		err = do_rw(fq, *rop == BLKIF_OP_WRITE,
			    r->indirect.sector_number, segbuf, n);
		if (err == -EINVAL)
			st.violations++;
		return err ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY;
	case BLKIF_OP_FLUSH_DISKCACHE:
	case BLKIF_OP_WRITE_BARRIER:
		st.flushes++;
		return no_flush ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_OKAY;
	case BLKIF_OP_DISCARD:
		st.discards++;
		if (no_discard || readonly)
			return BLKIF_RSP_EOPNOTSUPP;
		if (r->discard.sector_number > sectors ||
		    r->discard.nr_sectors > sectors - r->discard.sector_number) {
			st.violations++;
			return BLKIF_RSP_ERROR;
		}
		memset(disk + r->discard.sector_number * 512, 0,
		       r->discard.nr_sectors * 512);
		return BLKIF_RSP_OKAY;
	default:
		return BLKIF_RSP_EOPNOTSUPP;
	}
}

static void start_reconnect(void)
{
	paused = true;
	set_state(XenbusStateClosing);
}

static void serve(struct fq *fq)
{
	union xpv_blkif_request r;
	uint8_t rop;
	int16_t status;
	uint64_t id;
	int n, more;

	for (;;) {
		n = xpv_ring_back_unconsumed(&fq->b);
		if (n < 0) {
			fprintf(stderr, "fake-blkback: ring broken\n");
			st.violations++;
			return;
		}
		while (!paused &&
		       xpv_blkif_back_get_request(&fq->b, abi, &r) == 0) {
			if (swallow) {
				/* Consumed, never answered: in flight when
				 * the backend goes away. */
				st.dropped++;
				if (!--swallow)
					paused = true;
				continue;
			}
			st.reqs++;
			status = handle(fq, &r, &rop);
			if (status != BLKIF_RSP_OKAY)
				st.errors++;
			id = r.rw.id;
			if (r.operation == BLKIF_OP_DISCARD)
				id = r.discard.id;
			else if (r.operation == BLKIF_OP_INDIRECT)
				id = r.indirect.id;
			if (bad_id_after >= 0 &&
			    st.reqs == (unsigned long)bad_id_after + 1)
				id = 0xdead0000beefull;
			if (bad_op_after >= 0 &&
			    st.reqs == (unsigned long)bad_op_after + 1)
				rop = rop == BLKIF_OP_READ ? BLKIF_OP_WRITE :
							     BLKIF_OP_READ;
			if (dup_id_after >= 0 &&
			    st.reqs == (unsigned long)dup_id_after + 1) {
				/* The id just answered, again. */
				uint64_t mine = id;

				id = fq->last_id;
				fq->last_id = mine;
			} else {
				fq->last_id = id;
			}
			xpv_blkif_back_put_response(&fq->b, abi, id, rop,
						    status);
			if (reconnect_after >= 0 &&
			    st.reqs == (unsigned long)reconnect_after) {
				reconnect_after = -1;
				swallow = 3;
			}
		}
		if (xpv_ring_back_push_responses(&fq->b))
			P->evtchn->notify(evt, (xpv_port_t)fq->port);
		if (paused)
			return;
		more = xpv_ring_back_final_check(&fq->b);
		if (more <= 0)
			return;
	}
}

static void on_signal(int sig)
{
	stop = 1;
}

static unsigned int num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*s == '\0' || *end != '\0') {
		fprintf(stderr, "fake-blkback: bad number '%s'\n", s);
		exit(2);
	}
	return (unsigned int)v;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "fdom", 1, NULL, 'f' },	  { "devid", 1, NULL, 'd' },
		{ "sectors", 1, NULL, 's' },	  { "order", 1, NULL, 'o' },
		{ "queues", 1, NULL, 'q' },	  { "indirect", 1, NULL, 'i' },
		{ "persistent", 1, NULL, 'p' },	  { "no-flush", 0, NULL, 'F' },
		{ "no-discard", 0, NULL, 'D' },	  { "readonly", 0, NULL, 'r' },
		{ "reconnect-after", 1, NULL, 'R' },
		{ "then-order", 1, NULL, 'O' },	  { "then-queues", 1, NULL, 'Q' },
		{ "then-indirect", 1, NULL, 'I' },
		{ "then-persistent", 1, NULL, 'P' },
		{ "bad-id-after", 1, NULL, 'B' }, { "stats", 1, NULL, 'S' },
		{ "bad-op-after", 1, NULL, 'X' },
		{ "dup-id-after", 1, NULL, 'U' },
		{ NULL, 0, NULL, 0 },
	};
	struct xpv_xs_watcher *w;
	struct pollfd pfd[2];
	char path[200];
	unsigned int i;
	int c, err, p;
	bool fdom_set = false, devid_set = false;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'f': fdom = num(optarg); fdom_set = true; break;
		case 'd': devid = num(optarg); devid_set = true; break;
		case 's': sectors = num(optarg); break;
		case 'o': cur.order = num(optarg); break;
		case 'q': cur.queues = num(optarg); break;
		case 'i': cur.indirect = num(optarg); break;
		case 'p': cur.persistent = (int)num(optarg); break;
		case 'F': no_flush = true; break;
		case 'D': no_discard = true; break;
		case 'r': readonly = true; break;
		case 'R': reconnect_after = num(optarg); have_alt = true; break;
		case 'O': alt.order = num(optarg); break;
		case 'Q': alt.queues = num(optarg); break;
		case 'I': alt.indirect = num(optarg); break;
		case 'P': alt.persistent = (int)num(optarg); break;
		case 'B': bad_id_after = num(optarg); break;
		case 'X': bad_op_after = num(optarg); break;
		case 'U': dup_id_after = num(optarg); break;
		case 'S': stats_path = optarg; break;
		default: return 2;
		}
	}
	if (!fdom_set || !devid_set || cur.queues < 1 || cur.queues > MAXQ ||
	    alt.queues < 1 || alt.queues > MAXQ)
		return 2;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	disk = mmap(NULL, sectors * 512, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (disk == MAP_FAILED)
		die("disk", -errno);
	P = xpv_platform_get("sim");
	if ((err = xpv_xs_open(&xsh)) < 0)
		die("xs_open", err);
	if ((err = P->gnt->open(&gnt)) < 0)
		die("gnt", err);
	if ((err = P->evtchn->open(&evt)) < 0)
		die("evtchn", err);
	snprintf(bdir, sizeof(bdir), "/local/domain/0/backend/fake/%u/%u",
		 fdom, devid);
	snprintf(fdir, sizeof(fdir), "/local/domain/%u/device/vbd/%u", fdom,
		 devid);
	if ((err = xpv_xs_transact(xsh, mkdirs, NULL)) < 0)
		die("mkdirs", err);
	publish();
	if ((err = xpv_xs_watcher_open(xsh, &w)) < 0)
		die("watcher", err);
	snprintf(path, sizeof(path), "%s/state", fdir);
	if ((err = xpv_xs_watch_add(w, path, "fe", watch_fn, NULL)) < 0)
		die("watch", err);

	pfd[0].fd = xpv_xs_watcher_fd(w);
	pfd[1].fd = P->evtchn->fd(evt);
	pfd[0].events = pfd[1].events = POLLIN;
	while (!stop) {
		if (poll(pfd, 2, 200) < 0)
			continue;
		if (pfd[0].revents)
			xpv_xs_watcher_dispatch(w);
		if (pfd[1].revents)
			while ((p = P->evtchn->pending(evt)) >= 0)
				P->evtchn->unmask(evt, (xpv_port_t)p);
		if (!connected)
			continue;
		for (i = 0; i < nq && connected; i++)
			serve(&q[i]);
		if (paused && bstate == XenbusStateConnected)
			start_reconnect();
	}
	write_stats();
	disconnect();
	xpv_xs_watcher_close(w);
	P->evtchn->close(evt);
	P->gnt->close(gnt);
	xpv_xs_close(xsh);
	return 0;
}
