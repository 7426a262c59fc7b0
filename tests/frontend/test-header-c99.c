/* SPDX-License-Identifier: MIT */
/*
 * test-header-c99.c - the public header xenpvfront.h compiles alone, first
 * thing in the file, as strict C99 (-std=c99 -pedantic -Werror), and what it
 * declares is usable: every type, constant and function is referenced.
 */
#include "xenpvfront.h"

static void done(void *opaque, int64_t result)
{
	(void)opaque;
	(void)result;
}

int main(void)
{
	struct xpvf_opts opts = { 0 };
	struct xpvf_info info;
	struct xpvf_io io;
	xpvf_done_fn fn = done;

	opts.size = sizeof(opts);
	io.op = XPVF_OP_READ;
	io.done = fn;
	info.sectors = 0;
	/* Every function, called on nothing: each must refuse. */
	if (xpvf_open(NULL, 0, 0, &opts) >= 0 || xpvf_process(NULL) >= 0 ||
	    xpvf_wait(NULL, 0) >= 0 || xpvf_pread(NULL, NULL, 0, 0) >= 0 ||
	    xpvf_pwrite(NULL, NULL, 0, 0) >= 0 || xpvf_flush(NULL) >= 0 ||
	    xpvf_discard(NULL, 0, 0) >= 0)
		return 1;
	/* NULL-safety of close and of the queries is part of the contract. */
	xpvf_close(NULL);
	if (xpvf_in_flight(NULL) != 0 || xpvf_info(NULL, &info) >= 0 ||
	    xpvf_submit(NULL, &io) >= 0 || xpvf_fd(NULL) >= 0)
		return 1;
	/* The vif API (xpvf_net_*): the same refusals on nothing. */
	{
		struct xpvf_net_opts nopts = { 0 };
		struct xpvf_net_info ninfo;
		struct xpvf_net_frame frame = { 0 };

		nopts.size = sizeof(nopts);
		frame.flags = XPVF_NET_CSUM_BLANK | XPVF_NET_DATA_VALIDATED;
		frame.gso_type = XPVF_NET_GSO_TCPV4 + XPVF_NET_GSO_TCPV6 +
				 XPVF_NET_GSO_NONE;
		xpvf_net_close(NULL);
		if (xpvf_net_open(NULL, 0, 0, &nopts) >= 0 ||
		    xpvf_net_info(NULL, &ninfo) >= 0 ||
		    xpvf_net_set_callbacks(NULL, NULL, NULL, NULL) >= 0 ||
		    xpvf_net_submit(NULL, &frame, NULL) >= 0 ||
		    xpvf_net_tx_in_flight(NULL) != 0 ||
		    xpvf_net_fd(NULL) >= 0 || xpvf_net_process(NULL) >= 0 ||
		    xpvf_net_wait(NULL, 0) >= 0 ||
		    xpvf_net_send(NULL, &frame) >= 0 ||
		    xpvf_net_recv(NULL, NULL, 0, 0, NULL) >= 0 ||
		    XPVF_NET_MAX_FRAME != 65535u || XPVF_NET_MAX_SLOTS != 18u)
			return 1;
	}
	return opts.size == sizeof(opts) && XPVF_DOMID_SELF > 0 &&
			       XPVF_OP_DISCARD_SECURE == 4 ? 0 : 1;
}
