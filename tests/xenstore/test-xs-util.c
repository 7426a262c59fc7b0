/* SPDX-License-Identifier: MIT */
/*
 * test-xs-util.c - the XenStore helpers (xenstore/xs-util.c, xs-watch.c)
 * against a real xenstored.
 *
 * Needs a running store on $XENSTORED_PATH, which
 * tests/xenstore/test-xs-util.sh provides (a sim world); without it the
 * test skips (77).  Everything is done below /xpvtest-<pid>, removed at the
 * end.  We are dom0 on the store's socket, so permissions are checked by
 * reading them back, not by being refused.
 *
 * Exit 0 when every check passes, 1 when one fails, 99 when the store
 * cannot be used at all.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xs-util.h"
#include "xs-watch.h"
#include "test-util.h"

static struct xs_handle *xsh;
static char base[64];

/* base/rel, in a static buffer (one at a time). */
static const char *at(const char *rel)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s", base, rel);
	return buf;
}

/* Writes raw bytes (embedded NULs allowed) with libxenstore directly. */
static void raw_write(const char *rel, const void *data, unsigned int len)
{
	if (!xs_write(xsh, XBT_NULL, at(rel), data, len)) {
		perror("xs_write");
		exit(99);
	}
}

static void test_read(void)
{
	char buf[16];
	char *p;
	int r;

	raw_write("s", "hello", 5);
	r = xpv_xs_read(xsh, XBT_NULL, base, "s", buf, sizeof(buf));
	EXPECT_MSG(r == 5 && strcmp(buf, "hello") == 0, "read: %d '%s'", r,
		   buf);

	r = xpv_xs_read(xsh, XBT_NULL, at("s"), NULL, buf, sizeof(buf));
	EXPECT_MSG(r == 5 && strcmp(buf, "hello") == 0, "read node NULL: %d",
		   r);

	raw_write("empty", "", 0);
	r = xpv_xs_read(xsh, XBT_NULL, base, "empty", buf, sizeof(buf));
	EXPECT_MSG(r == 0 && buf[0] == '\0', "read empty: %d", r);

	r = xpv_xs_read(xsh, XBT_NULL, base, "absent", buf, sizeof(buf));
	EXPECT_MSG(r == -ENOENT, "read absent: %d", r);

	/* exactly fits (5 + NUL), one byte short */
	r = xpv_xs_read(xsh, XBT_NULL, base, "s", buf, 6);
	EXPECT_MSG(r == 5, "read exact fit: %d", r);
	r = xpv_xs_read(xsh, XBT_NULL, base, "s", buf, 5);
	EXPECT_MSG(r == -E2BIG && buf[0] == '\0', "read too small: %d", r);

	raw_write("nul", "ab\0cd", 5);
	r = xpv_xs_read(xsh, XBT_NULL, base, "nul", buf, sizeof(buf));
	EXPECT_MSG(r == -EINVAL && buf[0] == '\0', "read embedded NUL: %d", r);
	r = xpv_xs_read_alloc(xsh, XBT_NULL, base, "nul", 100, &p);
	EXPECT_MSG(r == -EINVAL && !p, "read_alloc embedded NUL: %d", r);
}

static void test_read_bounded(void)
{
	static char big[4000];
	char *p = NULL;
	uint32_t u32 = 7;
	int r;

	memset(big, 'x', sizeof(big));
	raw_write("big", big, sizeof(big));

	r = xpv_xs_read_alloc(xsh, XBT_NULL, base, "big", 100, &p);
	EXPECT_MSG(r == -E2BIG && !p, "read_alloc over max: %d", r);
	r = xpv_xs_read_alloc(xsh, XBT_NULL, base, "big", sizeof(big), &p);
	EXPECT_MSG(r == (int)sizeof(big) && p && strlen(p) == sizeof(big),
		   "read_alloc at max: %d", r);
	free(p);

	/* an over-long number is malformed, not a buffer error */
	r = xpv_xs_read_u32(xsh, XBT_NULL, base, "big", UINT32_MAX, &u32);
	EXPECT_MSG(r == -EINVAL && u32 == 7, "read_u32 over-long: %d", r);
	memset(big, '1', sizeof(big));
	raw_write("bigdigits", big, sizeof(big));
	r = xpv_xs_read_u32(xsh, XBT_NULL, base, "bigdigits", UINT32_MAX, &u32);
	EXPECT_MSG(r == -EINVAL && u32 == 7, "read_u32 4000 digits: %d", r);
}

static void test_read_numbers(void)
{
	uint64_t u64 = 0;
	uint32_t u32 = 0;
	int r;

	raw_write("n", "4096", 4);
	r = xpv_xs_read_u32(xsh, XBT_NULL, base, "n", 4096, &u32);
	EXPECT_MSG(r == 0 && u32 == 4096, "read_u32: %d %u", r, u32);
	r = xpv_xs_read_u32(xsh, XBT_NULL, base, "n", 4095, &u32);
	EXPECT_MSG(r == -ERANGE, "read_u32 above max: %d", r);
	r = xpv_xs_read_u64(xsh, XBT_NULL, base, "n", UINT64_MAX, &u64);
	EXPECT_MSG(r == 0 && u64 == 4096, "read_u64: %d", r);

	raw_write("hex", "0x10", 4);
	r = xpv_xs_read_u32(xsh, XBT_NULL, base, "hex", UINT32_MAX, &u32);
	EXPECT_MSG(r == -EINVAL, "read_u32 hex: %d", r);
	raw_write("neg", "-1", 2);
	r = xpv_xs_read_u32(xsh, XBT_NULL, base, "neg", UINT32_MAX, &u32);
	EXPECT_MSG(r == -EINVAL, "read_u32 negative: %d", r);
	r = xpv_xs_read_u32(xsh, XBT_NULL, base, "absent", 1, &u32);
	EXPECT_MSG(r == -ENOENT, "read_u32 absent: %d", r);

	r = xpv_xs_printf(xsh, XBT_NULL, base, "p", "%u-%s", 42u, "x");
	EXPECT_MSG(r == 0, "printf: %d", r);
	{
		char buf[8];

		r = xpv_xs_read(xsh, XBT_NULL, base, "p", buf, sizeof(buf));
		EXPECT_MSG(r == 4 && strcmp(buf, "42-x") == 0,
			   "printf read back");
	}
}

static void test_feature(void)
{
	bool on;
	int r;

	on = true;
	r = xpv_xs_read_feature(xsh, XBT_NULL, base, "feature-absent", &on);
	EXPECT_MSG(r == 0 && !on, "feature absent: %d %d", r, on);
	raw_write("feature-on", "1", 1);
	on = false;
	r = xpv_xs_read_feature(xsh, XBT_NULL, base, "feature-on", &on);
	EXPECT_MSG(r == 0 && on, "feature 1: %d %d", r, on);
	raw_write("feature-off", "0", 1);
	on = true;
	r = xpv_xs_read_feature(xsh, XBT_NULL, base, "feature-off", &on);
	EXPECT_MSG(r == 0 && !on, "feature 0: %d %d", r, on);
	raw_write("feature-bad", "yes", 3);
	on = true;
	r = xpv_xs_read_feature(xsh, XBT_NULL, base, "feature-bad", &on);
	EXPECT_MSG(r == -EINVAL && on, "feature malformed: %d", r);
}

static void test_rm_and_directory(void)
{
	char **names = NULL;
	char buf[4];
	int r, i, seen = 0;

	raw_write("dir/1", "a", 1);
	raw_write("dir/2", "b", 1);
	raw_write("dir/3/x", "c", 1);
	r = xpv_xs_directory(xsh, XBT_NULL, base, "dir", &names);
	EXPECT_MSG(r == 3 && names, "directory: %d", r);
	for (i = 0; names && i < r; i++)
		seen |= (names[i][0] == '1' || names[i][0] == '2' ||
			 names[i][0] == '3') &&
				!names[i][1]
			    ? 1 << (names[i][0] - '0')
			    : 0;
	EXPECT_MSG(seen == 0xe, "directory names: %#x", seen);
	free(names);

	r = xpv_xs_directory(xsh, XBT_NULL, base, "nodir", &names);
	EXPECT_MSG(r == -ENOENT && !names, "directory absent: %d", r);

	r = xpv_xs_rm(xsh, XBT_NULL, base, "dir");
	EXPECT_MSG(r == 0, "rm: %d", r);
	r = xpv_xs_read(xsh, XBT_NULL, base, "dir/3/x", buf, sizeof(buf));
	EXPECT_MSG(r == -ENOENT, "rm removes children: %d", r);
	r = xpv_xs_rm(xsh, XBT_NULL, base, "dir");
	EXPECT_MSG(r == 0, "rm absent: %d", r);
}

static bool perms_are(const char *path, unsigned int n,
		      const struct xs_permissions *want)
{
	struct xs_permissions *p;
	unsigned int num = 0, i;
	bool ok;

	p = xs_get_permissions(xsh, XBT_NULL, path, &num);
	if (!p)
		return false;
	ok = num == n;
	for (i = 0; ok && i < n; i++)
		ok = p[i].id == want[i].id && p[i].perms == want[i].perms;
	if (!ok)
		for (i = 0; i < num; i++)
			printf("  perm[%u] = %u/%#x\n", i, p[i].id, p[i].perms);
	free(p);
	return ok;
}

/*
 * The store only accepts an owner domain that exists (any reader is
 * accepted): dom0 always does, a guest only when the wrapper made one and
 * says so in $XPV_TEST_DOMID.
 */
static void test_mkdir_perms(void)
{
	static const struct xs_permissions dom0_only[] = {
	    {.id = 0, .perms = XS_PERM_NONE},
	};
	struct xs_permissions fe[2], be[2];
	const char *env = getenv("XPV_TEST_DOMID");
	uint32_t guest = 0;
	int r;

	if (env &&
	    xpv_parse_path_id(env, strlen(env), XPV_DOMID_MAX, &guest) < 0)
		guest = 0;

	r = xpv_xs_mkdir(xsh, XBT_NULL, base, "d0", 0, 0);
	EXPECT_MSG(r == 0 && perms_are(at("d0"), 1, dom0_only),
		   "mkdir reader == owner: %d", r);

	/* a backend directory: owned by dom0, read for the guest */
	be[0] = (struct xs_permissions){.id = 0, .perms = XS_PERM_NONE};
	be[1] = (struct xs_permissions){.id = guest ? guest : 1,
					.perms = XS_PERM_READ};
	r = xpv_xs_mkdir(xsh, XBT_NULL, base, "be", 0, be[1].id);
	EXPECT_MSG(r == 0 && perms_are(at("be"), 2, be), "mkdir backend: %d",
		   r);
	/* new nodes below inherit the directory's permissions */
	raw_write("be/state", "1", 1);
	EXPECT_MSG(perms_are(at("be/state"), 2, be), "child inherits perms");
	/* an existing directory gets its permissions set again */
	r = xpv_xs_mkdir(xsh, XBT_NULL, base, "be", 0, 0);
	EXPECT_MSG(r == 0 && perms_are(at("be"), 1, dom0_only),
		   "mkdir existing: %d", r);

	/* an owner the store does not know: refused, mapped to -errno */
	r = xpv_xs_mkdir(xsh, XBT_NULL, base, "dx", XPV_DOMID_MAX, 0);
	EXPECT_MSG(r < 0, "mkdir owned by an unknown domain fails: %d", r);

	if (!guest) {
		printf("note: XPV_TEST_DOMID not set: a directory owned by a "
		       "guest is not tested\n");
		return;
	}
	/* a frontend directory: owned by the guest, read for dom0 */
	fe[0] = (struct xs_permissions){.id = guest, .perms = XS_PERM_NONE};
	fe[1] = (struct xs_permissions){.id = 0, .perms = XS_PERM_READ};
	r = xpv_xs_mkdir(xsh, XBT_NULL, base, "fe", guest, 0);
	EXPECT_MSG(r == 0 && perms_are(at("fe"), 2, fe), "mkdir frontend: %d",
		   r);
}

static void test_write_batch(void)
{
	const struct xpv_xs_kv kv[] = {
	    {"ring-ref", "8"},
	    {"event-channel", "12"},
	    {"protocol", "x86_64-abi"},
	    {"stale", NULL},
	};
	char buf[16];
	int r;

	raw_write("b/stale", "1", 1);
	r = xpv_xs_write_batch(xsh, at("b"), kv, 4);
	EXPECT_MSG(r == 0, "write_batch: %d", r);
	r = xpv_xs_read(xsh, XBT_NULL, base, "b/ring-ref", buf, sizeof(buf));
	EXPECT_MSG(r == 1 && strcmp(buf, "8") == 0, "batch ring-ref");
	r = xpv_xs_read(xsh, XBT_NULL, base, "b/event-channel", buf,
			sizeof(buf));
	EXPECT_MSG(r == 2 && strcmp(buf, "12") == 0, "batch event-channel");
	r = xpv_xs_read(xsh, XBT_NULL, base, "b/protocol", buf, sizeof(buf));
	EXPECT_MSG(r == 10 && strcmp(buf, "x86_64-abi") == 0, "batch protocol");
	r = xpv_xs_read(xsh, XBT_NULL, base, "b/stale", buf, sizeof(buf));
	EXPECT_MSG(r == -ENOENT, "batch removes a NULL value: %d", r);
}

struct txn_ctx {
	struct xs_handle *other;
	int calls;
};

/*
 * Reads a key in the transaction, then (first call only) changes it through
 * another connection: the commit must fail with EAGAIN and be retried.
 */
static int conflicting_txn(struct xs_handle *h, xs_transaction_t t,
			   void *opaque)
{
	struct txn_ctx *c = opaque;
	uint32_t v = 0;
	int r;

	c->calls++;
	r = xpv_xs_read_u32(h, t, base, "t/counter", 1000, &v);
	if (r < 0)
		return r;
	if (c->calls == 1 &&
	    !xs_write(c->other, XBT_NULL, at("t/counter"), "100", 3))
		return -EIO;
	return xpv_xs_printf(h, t, base, "t/counter", "%u", v + 1);
}

static int failing_txn(struct xs_handle *h, xs_transaction_t t, void *opaque)
{
	int r = xpv_xs_write(h, t, base, "t/aborted", "1");

	return r < 0 ? r : -ENOSPC;
}

static void test_transact(void)
{
	struct txn_ctx c = {0};
	uint32_t v = 0;
	char buf[4];
	int r;

	r = xpv_xs_open(&c.other);
	if (r < 0) {
		EXPECT_MSG(0, "second connection: %d", r);
		return;
	}
	raw_write("t/counter", "1", 1);
	r = xpv_xs_transact(xsh, conflicting_txn, &c);
	EXPECT_MSG(r == 0, "transact with conflict: %d", r);
	EXPECT_MSG(c.calls == 2, "transaction retried once: %d calls", c.calls);
	r = xpv_xs_read_u32(xsh, XBT_NULL, base, "t/counter", 1000, &v);
	EXPECT_MSG(r == 0 && v == 101, "retry saw the other write: %d %u", r,
		   v);

	r = xpv_xs_transact(xsh, failing_txn, NULL);
	EXPECT_MSG(r == -ENOSPC, "transact returns fn's error: %d", r);
	r = xpv_xs_read(xsh, XBT_NULL, base, "t/aborted", buf, sizeof(buf));
	EXPECT_MSG(r == -ENOENT, "failed transaction aborted: %d", r);
	xpv_xs_close(c.other);
}

/* ---- watches ---- */

struct counter {
	int calls;
	char last_path[128];
	char last_token[32];
	struct xpv_xs_watcher *w; /* for self_removing() */
};

static void count_cb(void *opaque, const char *path, const char *token)
{
	struct counter *c = opaque;

	c->calls++;
	snprintf(c->last_path, sizeof(c->last_path), "%s", path);
	snprintf(c->last_token, sizeof(c->last_token), "%s", token);
}

static void self_removing(void *opaque, const char *path, const char *token)
{
	struct counter *c = opaque;

	c->calls++;
	if (xpv_xs_watch_remove(c->w, at("w/self"), token) != 0)
		c->calls += 1000;
}

/*
 * Dispatches for up to ms milliseconds, returning early once *flag is at
 * least want.  Returns the number of events read.
 */
static int pump(struct xpv_xs_watcher *w, int ms, const int *flag, int want)
{
	int fd = xpv_xs_watcher_fd(w), total = 0, r;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	for (; ms > 0; ms -= 10) {
		if (flag && *flag >= want)
			break;
		if (poll(&pfd, 1, 10) > 0) {
			r = xpv_xs_watcher_dispatch(w);
			if (r < 0) {
				EXPECT_MSG(0, "dispatch: %d", r);
				break;
			}
			total += r;
		}
	}
	return total;
}

static void test_watches(void)
{
	struct xpv_xs_watcher *w = NULL;
	struct counter a = {0}, b = {0}, c = {0}, s = {0};
	char pa[256], pb[256], pc[256];
	int r;

	snprintf(pa, sizeof(pa), "%s", at("w/a"));
	snprintf(pb, sizeof(pb), "%s", at("w/b"));
	snprintf(pc, sizeof(pc), "%s", at("w/c"));
	r = xpv_xs_watcher_open(xsh, &w);
	EXPECT_MSG(r == 0 && w && xpv_xs_watcher_fd(w) >= 0, "watcher_open: %d",
		   r);
	if (r < 0)
		return;
	r = xpv_xs_watcher_dispatch(w);
	EXPECT_MSG(r == 0, "dispatch with nothing pending: %d", r);

	EXPECT_MSG(xpv_xs_watch_add(w, pa, "tokA", count_cb, &a) == 0, "add a");
	EXPECT_MSG(xpv_xs_watch_add(w, pb, "tokB", count_cb, &b) == 0, "add b");
	/* same token as a, other path: must not see a's events */
	EXPECT_MSG(xpv_xs_watch_add(w, pc, "tokA", count_cb, &c) == 0, "add c");
	r = xpv_xs_watch_add(w, pa, "tokA", count_cb, &a);
	EXPECT_MSG(r == -EEXIST, "add twice: %d", r);

	/* each fires once when set, though none of the paths exist */
	pump(w, 2000, &c.calls, 1);
	pump(w, 200, NULL, 0);
	EXPECT_MSG(a.calls == 1 && b.calls == 1 && c.calls == 1,
		   "initial events: a %d b %d c %d", a.calls, b.calls, c.calls);
	EXPECT_MSG(strcmp(a.last_path, pa) == 0 &&
		       strcmp(a.last_token, "tokA") == 0,
		   "initial event names the path and token: %s %s", a.last_path,
		   a.last_token);

	/* a change below a fires a only, naming the child */
	raw_write("w/a/state", "4", 1);
	pump(w, 2000, &a.calls, 2);
	pump(w, 200, NULL, 0);
	EXPECT_MSG(a.calls == 2 && b.calls == 1 && c.calls == 1,
		   "change under a: a %d b %d c %d", a.calls, b.calls, c.calls);
	EXPECT_MSG(strcmp(a.last_path, at("w/a/state")) == 0,
		   "event names the child: %s", a.last_path);

	raw_write("w/b", "x", 1);
	pump(w, 2000, &b.calls, 2);
	pump(w, 200, NULL, 0);
	EXPECT_MSG(a.calls == 2 && b.calls == 2 && c.calls == 1,
		   "change of b: a %d b %d c %d", a.calls, b.calls, c.calls);

	/* removed: no callback, not even for an event already queued */
	raw_write("w/a/state", "5", 1);
	usleep(100 * 1000);
	r = xpv_xs_watch_remove(w, pa, "tokA");
	EXPECT_MSG(r == 0, "remove: %d", r);
	raw_write("w/a/state", "6", 1);
	pump(w, 300, NULL, 0);
	EXPECT_MSG(a.calls == 2, "no callback after remove: %d", a.calls);
	r = xpv_xs_watch_remove(w, pa, "tokA");
	EXPECT_MSG(r == -ENOENT, "remove twice: %d", r);

	/* a callback may remove its own watch */
	s.w = w;
	r = xpv_xs_watch_add(w, at("w/self"), "tokS", self_removing, &s);
	EXPECT_MSG(r == 0, "add self-removing: %d", r);
	pump(w, 2000, &s.calls, 1);
	raw_write("w/self", "1", 1);
	pump(w, 300, NULL, 0);
	EXPECT_MSG(s.calls == 1, "self-removing callback: %d", s.calls);

	xpv_xs_watcher_close(w);
	xpv_xs_watcher_close(NULL);
}

static void test_switch_state_no_spurious_write(void)
{
	struct xpv_xs_watcher *w = NULL;
	struct counter a = {0};
	XenbusState st = XenbusStateUnknown;
	int r;

	/* A removed device is not brought back. */
	r = xpv_xs_switch_state(xsh, XBT_NULL, at("sw"), XenbusStateInitWait);
	EXPECT_MSG(r == -ENOENT, "switch_state without a state node: %d", r);
	r = xpv_xs_read_state(xsh, XBT_NULL, at("sw"), &st);
	EXPECT_MSG(r == -ENOENT, "switch_state wrote to a removed node: %d",
		   r);
	raw_write("sw/state", "1", 1);
	r = xpv_xs_switch_state(xsh, XBT_NULL, at("sw"), XenbusStateInitWait);
	EXPECT_MSG(r == 0, "switch_state: %d", r);
	r = xpv_xs_read_state(xsh, XBT_NULL, at("sw"), &st);
	EXPECT_MSG(r == 0 && st == XenbusStateInitWait, "read_state: %d %d", r,
		   (int)st);
	r = xpv_xs_switch_state(xsh, XBT_NULL, at("sw"), 0);
	EXPECT_MSG(r == -EINVAL, "switch to Unknown: %d", r);

	if (xpv_xs_watcher_open(xsh, &w) < 0 ||
	    xpv_xs_watch_add(w, at("sw/state"), "sw", count_cb, &a) < 0) {
		EXPECT_MSG(0, "watch sw/state");
		xpv_xs_watcher_close(w);
		return;
	}
	pump(w, 2000, &a.calls, 1);
	pump(w, 100, NULL, 0);
	r = xpv_xs_switch_state(xsh, XBT_NULL, at("sw"), XenbusStateInitWait);
	pump(w, 300, NULL, 0);
	EXPECT_MSG(r == 0 && a.calls == 1,
		   "same state writes nothing: %d calls", a.calls);
	r = xpv_xs_switch_state(xsh, XBT_NULL, at("sw"), XenbusStateConnected);
	pump(w, 2000, &a.calls, 2);
	EXPECT_MSG(r == 0 && a.calls == 2,
		   "new state fires the watch: %d calls", a.calls);
	xpv_xs_watcher_close(w);
}

/* The "peer": another connection that writes a state after a delay. */
static void *peer_thread(void *arg)
{
	const char *dir = arg;
	struct xs_handle *h = NULL;

	if (xpv_xs_open(&h) < 0)
		return NULL;
	usleep(200 * 1000);
	xpv_xs_switch_state(h, XBT_NULL, dir, XenbusStateConnected);
	xpv_xs_close(h);
	return NULL;
}

static void test_wait_state(void)
{
	struct xpv_xs_watcher *w = NULL;
	struct counter other = {0};
	XenbusState st = XenbusStateUnknown;
	char peer[256];
	pthread_t th;
	int r;

	snprintf(peer, sizeof(peer), "%s", at("peer"));

	if (xpv_xs_watcher_open(xsh, &w) < 0) {
		EXPECT_MSG(0, "watcher_open");
		return;
	}
	/* absent key counts as Unknown */
	r = xpv_xs_wait_state(w, at("peer"), XPV_XS_STATE_BIT(0), 1000, &st);
	EXPECT_MSG(r == 0 && st == XenbusStateUnknown, "wait absent: %d", r);

	raw_write("peer/state", "1", 1);
	r = xpv_xs_wait_state(w, at("peer"),
			      XPV_XS_STATE_BIT(XenbusStateConnected), 300, &st);
	EXPECT_MSG(r == -ETIMEDOUT, "wait times out: %d", r);

	/* other watches are dispatched while waiting */
	EXPECT_MSG(
	    xpv_xs_watch_add(w, at("other"), "other", count_cb, &other) == 0,
	    "add other");
	if (pthread_create(&th, NULL, peer_thread, peer) != 0) {
		EXPECT_MSG(0, "pthread_create");
		xpv_xs_watcher_close(w);
		return;
	}
	st = XenbusStateUnknown;
	r = xpv_xs_wait_state(w, peer,
			      XPV_XS_STATE_BIT(XenbusStateConnected) |
				  XPV_XS_STATE_BIT(XenbusStateClosed),
			      5000, &st);
	pthread_join(th, NULL);
	EXPECT_MSG(r == 0 && st == XenbusStateConnected, "wait for peer: %d %d",
		   r, (int)st);
	EXPECT_MSG(other.calls >= 1, "other watch dispatched during wait: %d",
		   other.calls);

	raw_write("peer/state", "junk", 4);
	r = xpv_xs_wait_state(w, at("peer"), 0x1ff, 200, &st);
	EXPECT_MSG(r == -ETIMEDOUT, "malformed state matches nothing: %d", r);
	xpv_xs_watcher_close(w);
}

int main(void)
{
	int r;

	if (!getenv("XENSTORED_PATH")) {
		printf("SKIP: no store: run through test-xs-util.sh "
		       "(XENSTORED_PATH is not set)\n");
		return 77;
	}
	r = xpv_xs_open(&xsh);
	if (r < 0) {
		printf("ERROR: xs_open(%s): %s\n", getenv("XENSTORED_PATH"),
		       strerror(-r));
		return 99;
	}
	snprintf(base, sizeof(base), "/xpvtest-%ld", (long)getpid());

	test_read();
	test_read_bounded();
	test_read_numbers();
	test_feature();
	test_rm_and_directory();
	test_mkdir_perms();
	test_write_batch();
	test_transact();
	test_watches();
	test_switch_state_no_spurious_write();
	test_wait_state();

	xpv_xs_rm(xsh, XBT_NULL, base, NULL);
	xpv_xs_close(xsh);
	xpv_xs_close(NULL);
	printf("%lu passed, %d failed\n", test_nchecks - test_failures,
	       test_failures);
	return test_status();
}
