/* SPDX-License-Identifier: MIT */
/*
 * test-store-txn.c - XenStore transactions through libxenstore, run by
 * test-store-txn.sh and test-store-cleanup.sh as dom0 or inside a sim
 * guest (through its xenbus relay):
 *
 *   test-store-txn conflict DIR
 *       two connections read and write DIR/x in two transactions; the
 *       first to end commits, the second ends with EAGAIN and its write
 *       is not in the store.
 *   test-store-txn leak DIR N
 *       N times: a new connection starts a transaction, writes DIR/leak
 *       and goes away without ending it.  None of the writes may be in
 *       the store, and a transaction must still start and commit (an
 *       unended transaction counts against the connection's quota, so
 *       one the relay did not abort would end up refusing new ones).
 *
 * Exit 0 when the store behaved, 1 when it did not, 99 on setup errors.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#define FAIL(...)                                                              \
	do {                                                                   \
		fprintf(stderr, "FAIL: " __VA_ARGS__);                         \
		fputc('\n', stderr);                                           \
		return 1;                                                      \
	} while (0)

static struct xs_handle *open_store(void)
{
	struct xs_handle *h = xs_open(XS_OPEN_SOCKETONLY);

	if (!h) {
		fprintf(stderr, "ERROR: xs_open(%s): %s\n",
			getenv("XENSTORED_PATH") ? getenv("XENSTORED_PATH")
						 : "(default)",
			strerror(errno));
		exit(99);
	}
	return h;
}

/* The value of path in t as a malloc'd string, or NULL (errno). */
static char *get(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	unsigned int len;

	return xs_read(h, t, path, &len);
}

static bool put(struct xs_handle *h, xs_transaction_t t, const char *path,
		const char *val)
{
	return xs_write(h, t, path, val, strlen(val));
}

static int conflict(const char *dir)
{
	struct xs_handle *a = open_store(), *b = open_store();
	xs_transaction_t ta, tb;
	char path[256], *v;

	snprintf(path, sizeof(path), "%s/x", dir);
	if (!put(a, XBT_NULL, path, "0"))
		FAIL("write %s: %s", path, strerror(errno));

	ta = xs_transaction_start(a);
	tb = xs_transaction_start(b);
	if (ta == XBT_NULL || tb == XBT_NULL)
		FAIL("transaction start: %s", strerror(errno));
	/* Both read x, both write it: the second commit must conflict. */
	v = get(a, ta, path);
	free(v);
	v = get(b, tb, path);
	free(v);
	if (!put(a, ta, path, "a") || !put(b, tb, path, "b"))
		FAIL("write in transaction: %s", strerror(errno));
	/* Each sees its own write only. */
	v = get(b, tb, path);
	if (!v || strcmp(v, "b"))
		FAIL("b reads '%s' in its transaction", v ? v : "(none)");
	free(v);
	if (!xs_transaction_end(a, ta, false))
		FAIL("first commit: %s", strerror(errno));
	errno = 0;
	if (xs_transaction_end(b, tb, false))
		FAIL("the conflicting commit succeeded");
	if (errno != EAGAIN)
		FAIL("conflicting commit: %s, not EAGAIN", strerror(errno));
	v = get(a, XBT_NULL, path);
	if (!v || strcmp(v, "a"))
		FAIL("%s is '%s' after the commits, not 'a'", path,
		     v ? v : "(none)");
	free(v);
	xs_close(b);
	xs_close(a);
	printf("conflicting transaction ended with EAGAIN\n");
	return 0;
}

static int leak(const char *dir, int n)
{
	struct xs_handle *h;
	xs_transaction_t t;
	char path[256], *v;
	int i;

	snprintf(path, sizeof(path), "%s/leak", dir);
	for (i = 0; i < n; i++) {
		h = open_store();
		t = xs_transaction_start(h);
		if (t == XBT_NULL)
			FAIL("transaction %d of %d did not start: %s", i + 1, n,
			     strerror(errno));
		if (!put(h, t, path, "leaked"))
			FAIL("write in transaction %d: %s", i + 1,
			     strerror(errno));
		xs_close(h); /* gone without ending it */
	}
	h = open_store();
	v = get(h, XBT_NULL, path);
	if (v)
		FAIL("%s = '%s': an abandoned transaction committed", path, v);
	t = xs_transaction_start(h);
	if (t == XBT_NULL)
		FAIL("no transaction after %d abandoned ones: %s", n,
		     strerror(errno));
	if (!put(h, t, path, "ok") || !xs_transaction_end(h, t, false))
		FAIL("commit after %d abandoned ones: %s", n, strerror(errno));
	xs_close(h);
	printf("%d abandoned transactions were aborted\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "conflict"))
		return conflict(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "leak"))
		return leak(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: %s conflict DIR | leak DIR N\n", argv[0]);
	return 99;
}
