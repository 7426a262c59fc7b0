/* SPDX-License-Identifier: MIT */
/*
 * test-storage-engine.c - choosing the engine: names parse, "auto" picks
 * uring exactly when an explicit uring queue can be created, each queue
 * reports its engine, and an idle queue's completion fd is not readable.
 */
#include "config.h"

#include <poll.h>
#include <string.h>

#include "test-storage-lib.h"

int main(void)
{
	const char *path = ts_make_image(ts_tmp_dir(), 1 << 20, 1);
	struct xpv_disk *d = ts_open(path, 0, XPV_CACHE_WRITEBACK, 0);
	struct xpv_ioq_params p = {.depth = 16};
	enum xpv_ioq_engine e;
	struct xpv_ioq *q, *u;
	struct pollfd pfd;
	bool have_uring;
	int r;

	CHECK_EQ(xpv_ioq_engine_parse("auto", &e), 0);
	CHECK_EQ(e, XPV_IOQ_AUTO);
	CHECK_EQ(xpv_ioq_engine_parse("uring", &e), 0);
	CHECK_EQ(e, XPV_IOQ_URING);
	CHECK_EQ(xpv_ioq_engine_parse("psync", &e), 0);
	CHECK_EQ(e, XPV_IOQ_PSYNC);
	CHECK_EQ(xpv_ioq_engine_parse("aio", &e), -EINVAL);
	CHECK_EQ(xpv_ioq_engine_parse(NULL, &e), -EINVAL);

	p.engine = XPV_IOQ_URING;
	r = xpv_ioq_create(d, &p, &u);
	have_uring = r == 0;
	if (have_uring) {
		CHECK_MSG(!strcmp(xpv_ioq_engine_name(u), "uring"), "name");
		xpv_ioq_destroy(u);
	}
	p.engine = XPV_IOQ_AUTO;
	CHECK_EQ(xpv_ioq_create(d, &p, &q), 0);
	CHECK_MSG(
	    !strcmp(xpv_ioq_engine_name(q), have_uring ? "uring" : "psync"),
	    "auto picked %s", xpv_ioq_engine_name(q));
	pfd.fd = xpv_ioq_fd(q);
	pfd.events = POLLIN;
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	CHECK_EQ(ts_flush(q), 0);
	xpv_ioq_destroy(q);

	p.engine = XPV_IOQ_PSYNC;
	p.psync_threads = 2;
	CHECK_EQ(xpv_ioq_create(d, &p, &q), 0);
	CHECK_MSG(!strcmp(xpv_ioq_engine_name(q), "psync"), "name");
	CHECK_EQ(ts_flush(q), 0);
	xpv_ioq_destroy(q);
	xpv_disk_close(d);
	return 0;
}
