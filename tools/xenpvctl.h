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

#include <stdbool.h>

#include <xenstore.h>
#include <xen/io/xenbus.h>

/* ctl-toolstack.c: play the toolstack (write the directories as libxl). */
int ctl_attach(int argc, char **argv);
int ctl_detach(int argc, char **argv);
int ctl_list(int argc, char **argv);

/* ---- ctl-toolstack.c: what every channel's attach and detach share ---- */

/* A device's directories. */
struct ctl_dev_paths {
	char be[XENSTORE_ABS_PATH_MAX + 1];
	char fe[XENSTORE_ABS_PATH_MAX + 1];
	/* The toolstack's own record, /libxl/<fdom>/device/<kind>/<devid>,
	 * as libxl keeps one: dom0's alone, so detach trusts it where it
	 * cannot trust the guest's <fe>/backend. */
	char rec[XENSTORE_ABS_PATH_MAX + 1];
};

/* A domain id below DOMID_FIRST_RESERVED: 0 or -EINVAL. */
int ctl_parse_domid(const char *s, unsigned int *out);

/*
 * Waits until dir/state satisfies want(state) or timeout_s passes.
 * Returns the state reached, -ETIMEDOUT, or -errno.
 */
int ctl_wait_state(struct xs_handle *xsh, const char *dir,
		   bool (*want)(XenbusState), double timeout_s);
bool ctl_state_initwait_or_later(XenbusState s);
bool ctl_state_connected(XenbusState s);	/* or Closing and later */
bool ctl_state_closed(XenbusState s);

/*
 * After an attach: with wait_s > 0, the backend's InitWait and, with
 * connected, both ends Connected.  0 or -errno (-ETIMEDOUT, -ENOTCONN).
 */
int ctl_wait_attached(struct xs_handle *xsh, const struct ctl_dev_paths *p,
		      double wait_s, bool connected);

/*
 * The toolstack's detach: online 0 and Closing, wait for Closed (up to
 * timeout_s; with force, remove anyway), run `<script> remove` if the
 * backend names one, remove both directories and the record.  0 or
 * -errno (-ETIMEDOUT: not closed in time, nothing removed).
 */
int ctl_detach_dev(struct xs_handle *xsh, const struct ctl_dev_paths *p,
		   double timeout_s, bool force);

/* ctl-p9.c: 9pfs shares, as libxl's p9 = [...] (toolstack side), and
 * a 9P client acting as the guest. */
int ctl_p9_attach(int argc, char **argv);
int ctl_p9_detach(int argc, char **argv);
/* ctl-p9io.c: a share used through libxenpvfront (run as the guest). */
int ctl_p9(int argc, char **argv);

/* ctl-net.c: vifs, as libxl's vif = [...] and vif-bridge. */
int ctl_net_attach(int argc, char **argv);
int ctl_net_detach(int argc, char **argv);

/* ctl-stats.c: per-VBD statistics from a running xenpvd. */
int ctl_stats(int argc, char **argv);

/* ctl-io.c: I/O through libxenpvfront (run in the guest's environment). */
int ctl_io(int argc, char **argv);
int ctl_bench(int argc, char **argv);

#endif /* XENPVD_TOOLS_XENPVCTL_H */
