/* SPDX-License-Identifier: MIT */
/*
 * test-netmcast.c - unit tests of a vif's multicast filter
 * (backend/net/netmcast.h): the list's bound and what happens beyond it,
 * duplicates and deletes as Linux netback does them, and which frames
 * pass with filtering on and off.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "netmcast.h"
#include "test-util.h"

static struct xpvd_netmcast M;

/* A multicast address numbered i (01:00:5e:00:i>>8:i). */
static const uint8_t *grp(unsigned int i)
{
	static uint8_t a[6];

	a[0] = 0x01;
	a[1] = 0x00;
	a[2] = 0x5e;
	a[3] = 0x00;
	a[4] = (uint8_t)(i >> 8);
	a[5] = (uint8_t)i;
	return a;
}

static void t_empty(void)
{
	static const uint8_t uni[6] = { 0x00, 0x16, 0x3e, 0, 1, 0 };
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	xpvd_netmcast_init(&M);
	EXPECT(M.n == 0);
	EXPECT(!xpvd_netmcast_match(&M, grp(1)));
	/* Filtering off: everything passes. */
	EXPECT(xpvd_netmcast_pass(&M, false, grp(1)));
	/* On, empty list: multicast dropped, unicast and broadcast pass. */
	EXPECT(!xpvd_netmcast_pass(&M, true, grp(1)));
	EXPECT(xpvd_netmcast_pass(&M, true, uni));
	EXPECT(xpvd_netmcast_pass(&M, true, bc));
	EXPECT(xpvd_netmcast_del(&M, grp(1)) == -ENOENT);
}

static void t_add_del(void)
{
	xpvd_netmcast_init(&M);
	EXPECT(xpvd_netmcast_add(&M, grp(1)) == 0);
	EXPECT(xpvd_netmcast_add(&M, grp(2)) == 0);
	EXPECT(xpvd_netmcast_pass(&M, true, grp(1)));
	EXPECT(xpvd_netmcast_pass(&M, true, grp(2)));
	EXPECT(!xpvd_netmcast_pass(&M, true, grp(3)));
	EXPECT(xpvd_netmcast_del(&M, grp(1)) == 0);
	EXPECT(!xpvd_netmcast_pass(&M, true, grp(1)));
	EXPECT(xpvd_netmcast_pass(&M, true, grp(2)));
	EXPECT(M.n == 1);
}

/* As Linux: an add does not look for a duplicate, a delete removes one. */
static void t_duplicates(void)
{
	xpvd_netmcast_init(&M);
	EXPECT(xpvd_netmcast_add(&M, grp(7)) == 0);
	EXPECT(xpvd_netmcast_add(&M, grp(7)) == 0);
	EXPECT(M.n == 2);
	EXPECT(xpvd_netmcast_del(&M, grp(7)) == 0);
	EXPECT(xpvd_netmcast_match(&M, grp(7)));
	EXPECT(xpvd_netmcast_del(&M, grp(7)) == 0);
	EXPECT(!xpvd_netmcast_match(&M, grp(7)));
	EXPECT(xpvd_netmcast_del(&M, grp(7)) == -ENOENT);
}

/* 64 fit; the 65th fails and changes nothing: filtering goes on with
 * the 64 (Linux answers the request XEN_NETIF_RSP_ERROR). */
static void t_bound(void)
{
	unsigned int i;

	xpvd_netmcast_init(&M);
	for (i = 0; i < XPVD_NETMCAST_MAX; i++)
		EXPECT_MSG(xpvd_netmcast_add(&M, grp(i)) == 0, "add %u", i);
	EXPECT(xpvd_netmcast_add(&M, grp(1000)) == -ENOSPC);
	EXPECT(M.n == XPVD_NETMCAST_MAX);
	EXPECT(!xpvd_netmcast_pass(&M, true, grp(1000)));
	for (i = 0; i < XPVD_NETMCAST_MAX; i++)
		EXPECT_MSG(xpvd_netmcast_pass(&M, true, grp(i)), "pass %u", i);
	/* A delete in the middle keeps the others and makes room. */
	EXPECT(xpvd_netmcast_del(&M, grp(10)) == 0);
	EXPECT(!xpvd_netmcast_match(&M, grp(10)));
	for (i = 0; i < XPVD_NETMCAST_MAX; i++)
		if (i != 10)
			EXPECT_MSG(xpvd_netmcast_match(&M, grp(i)), "kept %u",
				   i);
	EXPECT(xpvd_netmcast_add(&M, grp(1000)) == 0);
	EXPECT(xpvd_netmcast_pass(&M, true, grp(1000)));
	EXPECT(xpvd_netmcast_add(&M, grp(1001)) == -ENOSPC);
}

/* Only the group bit makes an address multicast (IPv6 33:33:..., any
 * odd first byte), and only ff:ff:ff:ff:ff:ff is broadcast. */
static void t_kinds(void)
{
	static const uint8_t v6[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	static const uint8_t odd[6] = { 0x03, 0, 0, 0, 0, 0 };
	static const uint8_t almost[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe };
	static const uint8_t local[6] = { 0x02, 0, 0, 0, 0, 1 };

	xpvd_netmcast_init(&M);
	EXPECT(!xpvd_netmcast_pass(&M, true, v6));
	EXPECT(!xpvd_netmcast_pass(&M, true, odd));
	EXPECT(!xpvd_netmcast_pass(&M, true, almost));
	EXPECT(xpvd_netmcast_pass(&M, true, local));
	EXPECT(xpvd_netmcast_add(&M, v6) == 0);
	EXPECT(xpvd_netmcast_pass(&M, true, v6));
}

struct tcase {
	const char *name;
	void (*fn)(void);
};

static const struct tcase cases[] = {
	{ "empty-list", t_empty },
	{ "add-del", t_add_del },
	{ "duplicates", t_duplicates },
	{ "64-then-enospc", t_bound },
	{ "multicast-broadcast-unicast", t_kinds },
};

int main(void)
{
	unsigned int i;
	int before;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		before = test_failures;
		test_where("%s", cases[i].name);
		cases[i].fn();
		printf("%s %s\n", test_failures == before ? "ok  " : "FAIL",
		       cases[i].name);
	}
	printf("%lu checks, %d failed\n", test_nchecks, test_failures);
	return test_status();
}
