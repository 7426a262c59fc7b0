/* SPDX-License-Identifier: MIT */
/*
 * xenpvctl - control tool for xenpvd and libxenpvfront.
 *
 *   attach/detach/list  play the toolstack: create and remove VBD
 *                       directories in XenStore the way libxl does
 *   p9-attach/p9-detach the same for 9pfs shares
 *   stats               per-VBD statistics of a running xenpvd
 *   io/bench            I/O through libxenpvfront, from the guest side
 */
#include <stdio.h>
#include <string.h>

#include "xenpvctl.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "attach", ctl_attach, "give a domain a disk served by xenpvd" },
	{ "detach", ctl_detach, "take a disk away (Closing, then remove)" },
	{ "list", ctl_list, "list VBDs and their states" },
	{ "p9-attach", ctl_p9_attach, "share a dom0 directory with a guest" },
	{ "p9-detach", ctl_p9_detach, "take a share away" },
	{ "p9", ctl_p9, "use a 9pfs share from the guest (ls, cat, put, bench)" },
	{ "net-attach", ctl_net_attach, "give a guest a vif on a bridge" },
	{ "net-detach", ctl_net_detach, "take a vif away" },
	{ "stats", ctl_stats, "per-VBD statistics of a running xenpvd" },
	{ "io", ctl_io, "verified I/O through libxenpvfront" },
	{ "bench", ctl_bench, "benchmark through libxenpvfront" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: xenpvctl COMMAND [ARGS...]   (COMMAND --help for more)\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "xenpvctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
