/* SPDX-License-Identifier: MIT */
/*
 * xenpvctl.h - the subcommands of xenpvctl, one function each.
 *
 * Each takes the arguments after the subcommand name (argv[0] is the
 * subcommand) and returns the process exit status: 0 success, 1 failure,
 * 2 usage error.  Each prints its own errors to stderr.
 */
#ifndef XENPVD_TOOLS_XENPVCTL_H
#define XENPVD_TOOLS_XENPVCTL_H

/* ctl-toolstack.c: play the toolstack (write the directories as libxl). */
int ctl_attach(int argc, char **argv);
int ctl_detach(int argc, char **argv);
int ctl_list(int argc, char **argv);

/* ctl-stats.c: per-VBD statistics from a running xenpvd. */
int ctl_stats(int argc, char **argv);

/* ctl-io.c: I/O through libxenpvfront (run in the guest's environment). */
int ctl_io(int argc, char **argv);
int ctl_bench(int argc, char **argv);

#endif /* XENPVD_TOOLS_XENPVCTL_H */
