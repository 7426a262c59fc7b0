// SPDX-License-Identifier: MIT
//
// test-header-cxx.cc - the public header xenpvfront.h compiles alone from
// C++ (-pedantic -Werror), its functions have C linkage, and the library
// links into a C++ program.
#include "xenpvfront.h"

extern "C" {
static void done(void *opaque, int64_t result)
{
	(void)opaque;
	(void)result;
}
}

int main()
{
	struct xpvf_opts opts = xpvf_opts();
	struct xpvf_io io = xpvf_io();
	struct xpvf_info info;
	struct xpvf *h = 0;

	opts.size = sizeof(opts);
	io.op = XPVF_OP_WRITE;
	io.done = done;
	xpvf_close(h);
	if (xpvf_in_flight(h) != 0 || xpvf_info(h, &info) >= 0 ||
	    xpvf_submit(h, &io) >= 0 || xpvf_process(h) >= 0)
		return 1;
	// The vif API (xpvf_net_*) links from C++ too.
	struct xpvf_net_opts nopts = xpvf_net_opts();
	struct xpvf_net_frame frame = xpvf_net_frame();
	nopts.size = sizeof(nopts);
	xpvf_net_close(0);
	if (xpvf_net_open(0, 0, 0, &nopts) >= 0 ||
	    xpvf_net_submit(0, &frame, 0) >= 0 || xpvf_net_process(0) >= 0)
		return 1;
	return opts.size == sizeof(opts) ? 0 : 1;
}
