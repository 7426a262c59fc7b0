/* SPDX-License-Identifier: MIT */
/*
 * test-store-watch.c - XenStore watches through libxenstore, run by
 * test-store-watch.sh and test-store-cleanup.sh as dom0 or inside a sim
 * guest (through its xenbus relay):
 *
 *   test-store-watch once PATH
 *       a watch on PATH fires exactly once when it is set (XenStore's
 *       initial event), and once more for one write of PATH.
 *   test-store-watch route PATH1 PATH2
 *       two connections watch PATH1 and PATH2 with the same token; each
 *       gets only the events of its own watch, with its own token.
 *   test-store-watch leak PATH N
 *       N times: a new connection sets a watch and goes away without
 *       removing it.  A watch must still be accepted and fire (watches
 *       count against the domain's quota, so ones the relay did not
 *       remove would end up refusing new ones).
 *
 * Exit 0 when the store behaved, 1 when it did not, 99 on setup errors.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
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
		fprintf(stderr, "ERROR: xs_open: %s\n", strerror(errno));
		exit(99);
	}
	return h;
}

/*
 * Counts the events that arrive on h: waits up to ms milliseconds for the
 * first and then QUIET_MS for each further one (stopping after max); each
 * must be for path and token.  -1 on a wrong one.
 */
#define QUIET_MS 300

static int count_events(struct xs_handle *h, int ms, int max, const char *path,
			const char *token)
{
	struct pollfd pfd = {.fd = xs_fileno(h), .events = POLLIN};
	char **ev;
	int n = 0;

	while (n < max) {
		ev = xs_check_watch(h);
		if (!ev) {
			if (errno != EAGAIN)
				return -1;
			if (poll(&pfd, 1, n ? QUIET_MS : ms) <= 0)
				break;
			continue;
		}
		if (strcmp(ev[XS_WATCH_PATH], path) ||
		    strcmp(ev[XS_WATCH_TOKEN], token)) {
			fprintf(stderr, "unexpected event %s %s\n",
				ev[XS_WATCH_PATH], ev[XS_WATCH_TOKEN]);
			free(ev);
			return -1;
		}
		free(ev);
		n++;
	}
	return n;
}

static int once(const char *path)
{
	struct xs_handle *h = open_store();
	int n;

	if (!xs_watch(h, path, "once"))
		FAIL("watch %s: %s", path, strerror(errno));
	n = count_events(h, 1000, 5, path, "once");
	if (n != 1)
		FAIL("%d events when the watch was set, not 1", n);
	if (!xs_write(h, XBT_NULL, path, "1", 1))
		FAIL("write %s: %s", path, strerror(errno));
	n = count_events(h, 1000, 5, path, "once");
	if (n != 1)
		FAIL("%d events for one write, not 1", n);
	if (!xs_unwatch(h, path, "once"))
		FAIL("unwatch %s: %s", path, strerror(errno));
	xs_close(h);
	printf("the watch fired once when set and once per write\n");
	return 0;
}

static int route(const char *p1, const char *p2)
{
	struct xs_handle *a = open_store(), *b = open_store();
	int n;

	if (!xs_watch(a, p1, "tok") || !xs_watch(b, p2, "tok"))
		FAIL("watch: %s", strerror(errno));
	if (count_events(a, 1000, 1, p1, "tok") != 1 ||
	    count_events(b, 1000, 1, p2, "tok") != 1)
		FAIL("no initial event for each watch");
	if (!xs_write(a, XBT_NULL, p1, "x", 1))
		FAIL("write %s: %s", p1, strerror(errno));
	n = count_events(a, 1000, 1, p1, "tok");
	if (n != 1)
		FAIL("the watcher of %s got %d events for its write", p1, n);
	n = count_events(b, 300, 5, p2, "tok");
	if (n != 0)
		FAIL("the watcher of %s got %d events for %s", p2, n, p1);
	xs_close(b);
	xs_close(a);
	printf("each connection got only its own watch's events\n");
	return 0;
}

static int leak(const char *path, int n)
{
	struct xs_handle *h;
	char token[32];
	int i;

	for (i = 0; i < n; i++) {
		h = open_store();
		snprintf(token, sizeof(token), "leak%d", i);
		if (!xs_watch(h, path, token))
			FAIL("watch %d of %d refused: %s", i + 1, n,
			     strerror(errno));
		xs_close(h); /* gone without unwatching */
	}
	h = open_store();
	if (!xs_watch(h, path, "last"))
		FAIL("no watch after %d abandoned ones: %s", n,
		     strerror(errno));
	if (count_events(h, 1000, 1, path, "last") != 1)
		FAIL("the last watch did not fire");
	xs_close(h);
	printf("%d abandoned watches were removed\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "once"))
		return once(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "route"))
		return route(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "leak"))
		return leak(argv[2], atoi(argv[3]));
	fprintf(stderr,
		"usage: %s once PATH | route PATH1 PATH2 | leak PATH N\n",
		argv[0]);
	return 99;
}
