/* SPDX-License-Identifier: MIT */
/*
 * test-dm-args.c - the device model command line (backend/core/dm.h): the
 * argv Xen 4.17's libxl builds for a PV guest with a qdisk disk (paths and
 * dm_restrict's fd form, older "server,nowait" spelling), our own "--"
 * options among it, and what must be refused by name (a display, console
 * channels, another machine, a state to restore, bad or missing values).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dm.h"
#include "test-util.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Parses argv; on failure err holds the message. */
static int run(int argc, char **argv, struct xpvd_dm *dm, char *err)
{
	int rc;

	err[0] = '\0';
	rc = xpvd_dm_parse(argc, argv, dm, err, 256);
	free(dm->opts);
	dm->opts = NULL;
	return rc;
}

static void libxl_417(void)
{
	/* libxl__build_device_model_args_new(), PV, no vfb, no channels;
	 * device_model_args_pv after -machine xenpv. */
	char *argv[] = {
		"/usr/sbin/xenpvd", "-xen-domid", "7", "-no-shutdown",
		"-chardev",
		"socket,id=libxl-cmd,path=/var/run/xen/qmp-libxl-7,"
		"server=on,wait=off",
		"-mon", "chardev=libxl-cmd,mode=control",
		"-chardev",
		"socket,id=libxenstat-cmd,path=/var/run/xen/qmp-libxenstat-7,"
		"server=on,wait=off",
		"-mon", "chardev=libxenstat-cmd,mode=control",
		"-nodefaults", "-no-user-config", "-xen-attach", "-name",
		"guest1", "-vnc", "none", "-display", "none", "-nographic",
		"-machine", "xenpv", "--max-queues=2", "--debug=dev", "-m",
		"512",
	};
	struct xpvd_dm dm;
	char err[256];

	test_where("libxl 4.17 argv");
	CHECK(xpvd_dm_argv(ARGC(argv), argv));
	CHECK_EQ(xpvd_dm_parse(ARGC(argv), argv, &dm, err, sizeof(err)), 0);
	CHECK_EQ(dm.domid, 7);
	CHECK(!strcmp(dm.name, "guest1"));
	CHECK_EQ(dm.nr_monitors, 2);
	CHECK(!strcmp(dm.mon[0].id, "libxl-cmd"));
	CHECK(!strcmp(dm.mon[0].path, "/var/run/xen/qmp-libxl-7"));
	CHECK_EQ(dm.mon[0].fd, -1);
	CHECK(!strcmp(dm.mon[1].path, "/var/run/xen/qmp-libxenstat-7"));
	CHECK_EQ(dm.nr_opts, 2);
	CHECK(!strcmp(dm.opts[0], "--max-queues=2"));
	CHECK(!strcmp(dm.opts[1], "--debug=dev"));
	free(dm.opts);
}

static void fd_and_old_forms(void)
{
	/* dm_restrict: libxl binds the socket and passes it; -S, chroot. */
	char *restricted[] = {
		"dm", "-xen-domid", "12", "-chardev",
		"socket,id=libxl-cmd,fd=9,server=on,wait=off", "-S", "-mon",
		"chardev=libxl-cmd,mode=control", "-xen-domid-restrict",
		"-chroot", "/var/run/xen/qemu-root-12", "-machine", "xenpv",
	};
	/* Before 4.16: "server,nowait". */
	char *old[] = {
		"dm", "-xen-domid", "3", "-chardev",
		"socket,id=c,path=/run/q,server,nowait", "-mon",
		"chardev=c,mode=control", "-M", "xenpv",
	};
	struct xpvd_dm dm;
	char err[256];

	test_where("fd and old forms");
	CHECK_EQ(xpvd_dm_parse(ARGC(restricted), restricted, &dm, err,
			       sizeof(err)), 0);
	CHECK_EQ(dm.domid, 12);
	CHECK_EQ(dm.nr_monitors, 1);
	CHECK_EQ(dm.mon[0].fd, 9);
	CHECK(!dm.mon[0].path[0]);
	free(dm.opts);
	CHECK_EQ(run(ARGC(old), old, &dm, err), 0);
	CHECK_EQ(dm.domid, 3);
	CHECK(!strcmp(dm.mon[0].path, "/run/q"));
}

/* argv must be refused, with a message containing word. */
static void refused(const char *word, int argc, char **argv)
{
	struct xpvd_dm dm;
	char err[256];

	test_where("refused: %s", word);
	EXPECT_MSG(run(argc, argv, &dm, err) == -EINVAL && strstr(err, word),
		   "accepted, or the message '%s' does not name it", err);
}

static void refusals(void)
{
	char *vnc[] = { "dm", "-xen-domid", "1", "-vnc", "127.0.0.1:0" };
	char *sdl[] = { "dm", "-xen-domid", "1", "-display", "sdl" };
	char *chan[] = { "dm", "-xen-domid", "1", "-chardev",
			 "pty,id=libxl-channel0" };
	char *hvm[] = { "dm", "-xen-domid", "1", "-machine", "xenfv" };
	char *inc[] = { "dm", "-xen-domid", "1", "-incoming", "fd:5" };
	char *nodom[] = { "dm", "-machine", "xenpv" };
	char *baddom[] = { "dm", "-xen-domid", "0x5" };
	char *bigdom[] = { "dm", "-xen-domid", "32752" };
	char *unknown[] = { "dm", "-xen-domid", "1", "-usb", "x" };
	char *novalue[] = { "dm", "-xen-domid" };
	char *stray[] = { "dm", "-xen-domid", "1", "stray" };
	char *nomon[] = { "dm", "-xen-domid", "1", "-chardev",
			  "socket,id=a,path=/p,server=on" };
	char *client[] = { "dm", "-xen-domid", "1", "-chardev",
			   "socket,id=a,path=/p,server=off" };
	char *rel[] = { "dm", "-xen-domid", "1", "-chardev",
			"socket,id=a,path=p,server=on" };
	char *badfd[] = { "dm", "-xen-domid", "1", "-chardev",
			  "socket,id=a,fd=1,server=on" };
	char *noid[] = { "dm", "-xen-domid", "1", "-chardev",
			 "socket,path=/p,server=on" };
	char *dupid[] = { "dm", "-xen-domid", "1", "-chardev",
			  "socket,id=a,path=/p,server=on", "-chardev",
			  "socket,id=a,path=/q,server=on" };
	char *monless[] = { "dm", "-xen-domid", "1", "-mon",
			    "chardev=zz,mode=control" };
	char *readline[] = { "dm", "-xen-domid", "1", "-chardev",
			     "socket,id=a,path=/p,server=on", "-mon",
			     "chardev=a,mode=readline" };

	refused("-vnc", ARGC(vnc), vnc);
	refused("sdl", ARGC(sdl), sdl);
	refused("channels", ARGC(chan), chan);
	refused("xenpv", ARGC(hvm), hvm);
	refused("-incoming", ARGC(inc), inc);
	refused("-xen-domid", ARGC(nodom), nodom);
	refused("0x5", ARGC(baddom), baddom);
	refused("32752", ARGC(bigdom), bigdom);
	refused("-usb", ARGC(unknown), unknown);
	refused("needs a value", ARGC(novalue), novalue);
	refused("stray", ARGC(stray), stray);
	refused("no -mon", ARGC(nomon), nomon);
	refused("server", ARGC(client), client);
	refused("absolute", ARGC(rel), rel);
	refused("fd", ARGC(badfd), badfd);
	refused("no id", ARGC(noid), noid);
	refused("twice", ARGC(dupid), dupid);
	refused("no such", ARGC(monless), monless);
	refused("control", ARGC(readline), readline);
}

int main(void)
{
	char *plain[] = { "xenpvd", "--type=vbd", "--domid=3" };

	CHECK(!xpvd_dm_argv(ARGC(plain), plain));
	libxl_417();
	fd_and_old_forms();
	refusals();
	if (!test_status())
		printf("test-dm-args: %lu checks passed\n", test_nchecks);
	return test_status();
}
