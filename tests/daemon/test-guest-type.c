/* SPDX-License-Identifier: MIT */
/*
 * test-guest-type.c - xpvd_guest_type_pv() (backend/core/conf.h), which
 * decides `persistent = auto`: what Linux writes in
 * /sys/hypervisor/guest_type for each kind of domain, and what is not PV
 * (empty, longer names, a missing file).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "test-util.h"

static char path[64];

/* Writes len bytes of text to the test file; returns the verdict. */
static int with(const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	CHECK(f);
	CHECK(fwrite(text, 1, len, f) == len);
	CHECK(fclose(f) == 0);
	return xpvd_guest_type_pv(path);
}

#define WITH(s) with(s, sizeof(s) - 1)

int main(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/xpvd-guest-type.XXXXXX");
	fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);

	EXPECT(WITH("PV\n") == 1);	/* as Linux writes it */
	EXPECT(WITH("PV") == 1);
	EXPECT(WITH("PVH\n") == 0);
	EXPECT(WITH("HVM\n") == 0);
	EXPECT(WITH("") == 0);
	EXPECT(WITH("pv\n") == 0);
	EXPECT(WITH("PV \n") == 0);
	EXPECT(WITH("PVPVPVPVPVPVPVPVPVPV\n") == 0); /* longer than the buffer */

	CHECK(unlink(path) == 0);
	EXPECT(xpvd_guest_type_pv(path) == -ENOENT);
	printf("test-guest-type: %lu checks\n", test_nchecks);
	return test_status();
}
