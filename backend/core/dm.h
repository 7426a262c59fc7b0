/* SPDX-License-Identifier: MIT */
/*
 * dm.h - xenpvd as a guest's device model: what libxl starts, through
 * `device_model_override=` in a PV guest's configuration, in place of
 * QEMU (qemu-system-i386 -machine xenpv) when the guest has a disk with
 * `backendtype=qdisk`.  The daemon then serves that one domain's
 * backend/qdisk devices, as QEMU would, for the life of the domain.
 *
 * The contract with libxl (Xen 4.17, libxl_dm.c and libxl_exec.c):
 * - argv is QEMU's: -xen-domid N, the QMP monitors as
 *   `-chardev socket,id=ID,path=P,server=on,wait=off` (or `fd=N` with
 *   dm_restrict, or the older `server,nowait`) plus
 *   `-mon chardev=ID,mode=control`, -name, -machine xenpv, -m, and flags
 *   that mean nothing without an emulator (-nodefaults, -no-user-config,
 *   -xen-attach, -no-shutdown, -nographic, -vnc none, -display none, -S).
 *   Arguments that start with "--" (from device_model_args_pv) are
 *   xenpvd's own options.  Anything that asks for emulation (a vnc or sdl
 *   display, console channels, another machine) is refused by name: only
 *   QEMU can give it.
 * - The process stays in the foreground (libxl records its pid and treats
 *   an exit as a failed start), logs to stderr (libxl sends it to
 *   /var/log/xen/qemu-dm-<name>.log), and writes "running" to
 *   /local/domain/0/device-model/<domid>/state once it serves.
 * - libxl then talks QMP on the libxl-cmd monitor (qmp_capabilities,
 *   query-chardev: qmp.h), xentop on the libxenstat-cmd one.
 * - libxl stops it with SIGHUP when it destroys the domain (then sets the
 *   backends Closed itself), so SIGHUP stops a device model; so does the
 *   domain's death (@releaseDomain) when libxl was not there to see it.
 */
#ifndef XENPVD_BACKEND_DM_H
#define XENPVD_BACKEND_DM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The backend types libxl hands a PV guest's device model (QEMU): a device
 * model serves them all, as QEMU would (Xen 4.17: qdisk disks and 9pfs
 * shares of `p9 = [...]`).
 */
#define XPVD_DM_TYPES "qdisk 9pfs"
#define XPVD_DM_MAX_MONITORS 4u
#define XPVD_DM_PATH_LEN 108	/* sun_path */

struct xpvd_dm_monitor {
	char id[32];
	char path[XPVD_DM_PATH_LEN];	/* "" when fd >= 0 */
	int fd;				/* an inherited listening socket, or
					 * -1 */
	bool used;			/* a -mon made it a QMP monitor */
};

struct xpvd_dm {
	uint32_t domid;
	char name[64];			/* -name, "" if none */
	unsigned int nr_monitors;
	struct xpvd_dm_monitor mon[XPVD_DM_MAX_MONITORS];
	/* The "--" arguments, in order (pointers into argv). */
	unsigned int nr_opts;
	char **opts;			/* argc entries, caller frees */
};

/* Whether argv is a device model's (it holds "-xen-domid"). */
bool xpvd_dm_argv(int argc, char **argv);

/*
 * Parses a device model's argv (argv[0] is skipped).  0, or -EINVAL /
 * -ENOMEM with a message in err naming the argument.  dm->opts is
 * allocated (free() it, also after an error).
 */
int xpvd_dm_parse(int argc, char **argv, struct xpvd_dm *dm, char *err,
		  size_t errlen);

#endif /* XENPVD_BACKEND_DM_H */
