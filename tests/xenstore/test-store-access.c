/* SPDX-License-Identifier: MIT */
/*
 * test-store-access.c - one XenStore access through libxenstore, reporting
 * the errno the store answered (the xenstore-* tools do not say why they
 * failed).  Used by test-store-perms.sh, as dom0 or inside a sim guest:
 *
 *   test-store-access read PATH         prints the value
 *   test-store-access write PATH VALUE
 *
 * Exit 0 on success; 1 with "PATH: <strerror>" on stderr when the store
 * refused; 99 when the store cannot be reached.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

int main(int argc, char **argv)
{
	struct xs_handle *h;
	unsigned int len;
	char *v;
	int ok;

	if (!(argc == 3 && !strcmp(argv[1], "read")) &&
	    !(argc == 4 && !strcmp(argv[1], "write"))) {
		fprintf(stderr, "usage: %s read PATH | write PATH VALUE\n",
			argv[0]);
		return 99;
	}
	h = xs_open(XS_OPEN_SOCKETONLY);
	if (!h) {
		fprintf(stderr, "xs_open: %s\n", strerror(errno));
		return 99;
	}
	if (argc == 3) {
		v = xs_read(h, XBT_NULL, argv[2], &len);
		ok = v != NULL;
		if (ok)
			printf("%s\n", v);
		free(v);
	} else {
		ok = xs_write(h, XBT_NULL, argv[2], argv[3], strlen(argv[3]));
	}
	if (!ok)
		fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
	xs_close(h);
	return ok ? 0 : 1;
}
