/* SPDX-License-Identifier: MIT */
/*
 * test-xs-parse.c - table tests of the XenStore value parsers
 * (xenstore/xs-parse.c) against hostile and valid values.
 *
 * Each value is copied into a heap buffer of exactly its length, without a
 * terminating NUL, so that ASan reports any parser reading past the length
 * it was given.  Embedded NULs are given through explicit lengths.
 * Exit 0 when every case passes, 1 otherwise.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs-parse.h"

/* A string literal as (pointer, length), embedded NULs included. */
#define S(lit) lit, sizeof(lit) - 1

static int failures;
static int checks;

/* A heap copy of exactly len bytes (at least 1 byte allocated). */
static char *exact(const char *s, size_t len)
{
	char *p = malloc(len ? len : 1);

	if (!p) {
		perror("malloc");
		exit(99);
	}
	memcpy(p, s, len);
	return p;
}

static void check(int ok, const char *what, const char *s, size_t len, int got,
		  int want)
{
	checks++;
	if (ok)
		return;
	failures++;
	printf("FAIL %s(\"%.*s\" len %zu): got %d (%s), want %d (%s)\n", what,
	       (int)len, s, len, got, strerror(-got), want, strerror(-want));
}

struct u64_case {
	const char *s;
	size_t len;
	uint64_t max;
	unsigned int flags;
	int want;
	uint64_t val;
};

static const struct u64_case u64_cases[] = {
    /* valid */
    {S("0"), UINT64_MAX, 0, 0, 0},
    {S("1"), UINT64_MAX, 0, 0, 1},
    {S("4294967295"), UINT64_MAX, 0, 0, 4294967295u},
    {S("18446744073709551615"), UINT64_MAX, 0, 0, UINT64_MAX},
    {S("007"), UINT64_MAX, 0, 0, 7},
    {S("10"), 10, 0, 0, 10},
    {S("ff"), UINT64_MAX, XPV_PARSE_HEX, 0, 255},
    {S("0x10"), UINT64_MAX, XPV_PARSE_HEX, 0, 16},
    {S("0XaB"), UINT64_MAX, XPV_PARSE_HEX, 0, 171},
    {S("0"), 0, XPV_PARSE_NO_LEADING_ZERO, 0, 0},
    /* empty, signs, spaces */
    {S(""), UINT64_MAX, 0, -EINVAL, 0},
    {S("-1"), UINT64_MAX, 0, -EINVAL, 0},
    {S("+1"), UINT64_MAX, 0, -EINVAL, 0},
    {S("-0"), UINT64_MAX, 0, -EINVAL, 0},
    {S(" 1"), UINT64_MAX, 0, -EINVAL, 0},
    {S("1 "), UINT64_MAX, 0, -EINVAL, 0},
    {S("1\n"), UINT64_MAX, 0, -EINVAL, 0},
    {S("\t1"), UINT64_MAX, 0, -EINVAL, 0},
    {S(" "), UINT64_MAX, 0, -EINVAL, 0},
    /* non-numeric */
    {S("abc"), UINT64_MAX, 0, -EINVAL, 0},
    {S("1a"), UINT64_MAX, 0, -EINVAL, 0},
    {S("1.0"), UINT64_MAX, 0, -EINVAL, 0},
    {S("1e3"), UINT64_MAX, 0, -EINVAL, 0},
    {S("0x10"), UINT64_MAX, 0, -EINVAL, 0},
    {S("0x"), UINT64_MAX, XPV_PARSE_HEX, -EINVAL, 0},
    {S("0xg"), UINT64_MAX, XPV_PARSE_HEX, -EINVAL, 0},
    {S("x10"), UINT64_MAX, XPV_PARSE_HEX, -EINVAL, 0},
    {S("1\xff"), UINT64_MAX, 0, -EINVAL, 0},
    /* embedded NUL through the length */
    {S("1\0"), UINT64_MAX, 0, -EINVAL, 0},
    {S("\0"
       "1"),
     UINT64_MAX, 0, -EINVAL, 0},
    {S("1\0"
       "2"),
     UINT64_MAX, 0, -EINVAL, 0},
    /* the length bounds what is read: "12" read as "1" */
    {"12", 1, UINT64_MAX, 0, 0, 1},
    /* range and overflow */
    {S("11"), 10, 0, -ERANGE, 0},
    {S("18446744073709551616"), UINT64_MAX, 0, -ERANGE, 0},
    {S("99999999999999999999"), UINT64_MAX, 0, -ERANGE, 0},
    {S("4294967296"), UINT32_MAX, 0, -ERANGE, 0},
    {S("10000000000000000"), UINT64_MAX, XPV_PARSE_HEX, -ERANGE, 0},
    /* over-long: malformed whatever the digits */
    {S("0000000000000000000000001"), UINT64_MAX, 0, -EINVAL, 0},
    {S("1111111111111111111111111111111"), UINT64_MAX, 0, -EINVAL, 0},
    {S("99999999999999999999999x"), UINT64_MAX, 0, -EINVAL, 0},
    /* canonical form */
    {S("00"), UINT64_MAX, XPV_PARSE_NO_LEADING_ZERO, -EINVAL, 0},
    {S("01"), UINT64_MAX, XPV_PARSE_NO_LEADING_ZERO, -EINVAL, 0},
};

static void test_u64(void)
{
	size_t i;

	for (i = 0; i < sizeof(u64_cases) / sizeof(u64_cases[0]); i++) {
		const struct u64_case *c = &u64_cases[i];
		char *s = exact(c->s, c->len);
		uint64_t v = 0xdeadbeef;
		int r = xpv_parse_u64(s, c->len, c->max, c->flags, &v);

		check(r == c->want && (r < 0 ? v == 0xdeadbeef : v == c->val),
		      "xpv_parse_u64", c->s, c->len, r, c->want);
		free(s);
	}
}

static void test_u32(void)
{
	uint32_t v = 7;
	int r;

	r = xpv_parse_u32(S("4294967295"), UINT32_MAX, 0, &v);
	check(r == 0 && v == UINT32_MAX, "xpv_parse_u32", "4294967295", 10, r,
	      0);
	r = xpv_parse_u32(S("4294967296"), UINT32_MAX, 0, &v);
	check(r == -ERANGE && v == UINT32_MAX, "xpv_parse_u32", "4294967296",
	      10, r, -ERANGE);
	r = xpv_parse_u32(S("33"), 32, 0, &v);
	check(r == -ERANGE, "xpv_parse_u32", "33", 2, r, -ERANGE);
	r = xpv_parse_u32(NULL, 0, 32, 0, &v);
	check(r == -EINVAL, "xpv_parse_u32", "(null)", 0, r, -EINVAL);
}

struct bool_case {
	const char *s;
	size_t len;
	int want;
	bool val;
};

static const struct bool_case feature_cases[] = {
    {S("0"), 0, false},
    {S("1"), 0, true},
    {S("2"), 0, true},
    {S("01"), 0, true},
    {S("00"), 0, false},
    {S("4294967295"), 0, true},
    {S("4294967296"), -ERANGE, false},
    {S(""), -EINVAL, false},
    {S("true"), -EINVAL, false},
    {S("yes"), -EINVAL, false},
    {S("on"), -EINVAL, false},
    {S("-1"), -EINVAL, false},
    {S(" 1"), -EINVAL, false},
    {S("1 "), -EINVAL, false},
    {S("1\n"), -EINVAL, false},
    {S("1\0"), -EINVAL, false},
    {S("0x1"), -EINVAL, false},
    {S("111111111111111111111111111111111111"), -EINVAL, false},
};

static void test_feature(void)
{
	size_t i;

	for (i = 0; i < sizeof(feature_cases) / sizeof(feature_cases[0]); i++) {
		const struct bool_case *c = &feature_cases[i];
		char *s = exact(c->s, c->len);
		bool on = true, on2 = false;
		int r = xpv_parse_feature(s, c->len, &on);
		int r2 = xpv_parse_feature(s, c->len, &on2);

		/* *out untouched on error: both initial values survive */
		check(r == c->want && r2 == c->want &&
			  (r < 0 ? on && !on2 : on == c->val && on2 == c->val),
		      "xpv_parse_feature", c->s, c->len, r, c->want);
		free(s);
	}
}

struct state_case {
	const char *s;
	size_t len;
	int want;
	XenbusState val;
};

static const struct state_case state_cases[] = {
    {S("1"), 0, XenbusStateInitialising},
    {S("2"), 0, XenbusStateInitWait},
    {S("3"), 0, XenbusStateInitialised},
    {S("4"), 0, XenbusStateConnected},
    {S("5"), 0, XenbusStateClosing},
    {S("6"), 0, XenbusStateClosed},
    {S("7"), 0, XenbusStateReconfiguring},
    {S("8"), 0, XenbusStateReconfigured},
    {S("0"), -ERANGE, 0},
    {S("9"), -ERANGE, 0},
    {S("4294967296"), -ERANGE, 0},
    {S("-1"), -EINVAL, 0},
    {S(""), -EINVAL, 0},
    {S("4 "), -EINVAL, 0},
    {S(" 4"), -EINVAL, 0},
    {S("4\0"), -EINVAL, 0},
    {S("0x4"), -EINVAL, 0},
    {S("Connected"), -EINVAL, 0},
    {S("44444444444444444444444444444"), -EINVAL, 0},
};

static void test_state(void)
{
	size_t i;

	for (i = 0; i < sizeof(state_cases) / sizeof(state_cases[0]); i++) {
		const struct state_case *c = &state_cases[i];
		char *s = exact(c->s, c->len);
		XenbusState st = XenbusStateUnknown;
		int r = xpv_parse_state(s, c->len, &st);

		check(r == c->want && (r < 0 || st == c->val),
		      "xpv_parse_state", c->s, c->len, r, c->want);
		free(s);
	}
}

static void test_state_names(void)
{
	static const struct {
		int state;
		const char *name;
	} names[] = {
	    {0, "Unknown"},	{1, "Initialising"},  {2, "InitWait"},
	    {3, "Initialised"}, {4, "Connected"},     {5, "Closing"},
	    {6, "Closed"},	{7, "Reconfiguring"}, {8, "Reconfigured"},
	    {9, "invalid"},	{-1, "invalid"},      {1000, "invalid"},
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *n = xpv_state_name(names[i].state);

		checks++;
		if (!n || strcmp(n, names[i].name) != 0) {
			failures++;
			printf("FAIL xpv_state_name(%d) = %s, want %s\n",
			       names[i].state, n ? n : "(null)", names[i].name);
		}
	}
}

static const struct bool_case mode_cases[] = {
    {S("r"), 0, true},
    {S("ro"), 0, true},
    {S("w"), 0, false},
    {S("rw"), 0, false},
    {S("w!"), 0, false},
    {S("rw!"), 0, false},
    {S(""), -EINVAL, false},
    {S("R"), -EINVAL, false},
    {S("W"), -EINVAL, false},
    {S("r "), -EINVAL, false},
    {S(" w"), -EINVAL, false},
    {S("r\0"), -EINVAL, false},
    {S("w\0"
       "x"),
     -EINVAL, false},
    {S("wr"), -EINVAL, false},
    {S("rwx"), -EINVAL, false},
    {S("write"), -EINVAL, false},
    {S("1"), -EINVAL, false},
    {"rw", 1, 0, true}, /* only the given length is looked at */
};

static void test_mode(void)
{
	size_t i;

	for (i = 0; i < sizeof(mode_cases) / sizeof(mode_cases[0]); i++) {
		const struct bool_case *c = &mode_cases[i];
		char *s = exact(c->s, c->len);
		bool ro = !c->val;
		int r = xpv_parse_mode(s, c->len, &ro);

		check(r == c->want && (r < 0 ? ro == !c->val : ro == c->val),
		      "xpv_parse_mode", c->s, c->len, r, c->want);
		free(s);
	}
}

struct params_case {
	const char *s;
	size_t len;
	size_t path_size;
	int want;
	enum xpv_disk_format fmt;
	const char *path;
};

static const struct params_case params_cases[] = {
    {S("aio:/var/lib/xen/images/d.img"), 256, 0, XPV_DISK_RAW,
     "/var/lib/xen/images/d.img"},
    {S("raw:/d.img"), 256, 0, XPV_DISK_RAW, "/d.img"},
    {S("qcow:/d.qcow"), 256, 0, XPV_DISK_QCOW, "/d.qcow"},
    {S("qcow2:/d.qcow2"), 256, 0, XPV_DISK_QCOW2, "/d.qcow2"},
    {S("vhd:/d.vhd"), 256, 0, XPV_DISK_VHD, "/d.vhd"},
    {S("qed:/d.qed"), 256, 0, XPV_DISK_QED, "/d.qed"},
    {S("/dev/vg/guest"), 256, 0, XPV_DISK_RAW, "/dev/vg/guest"},
    {S("/images/a:b.img"), 256, 0, XPV_DISK_RAW, "/images/a:b.img"},
    {S("aio:/a:b"), 256, 0, XPV_DISK_RAW, "/a:b"},
    /* exactly fits: 6 bytes + NUL */
    {S("aio:/d.img"), 7, 0, XPV_DISK_RAW, "/d.img"},
    /* empty CD-ROM drive */
    {S("aio:"), 256, -ENOMEDIUM, XPV_DISK_RAW, NULL},
    {S("qcow2:"), 256, -ENOMEDIUM, XPV_DISK_QCOW2, NULL},
    /* hostile */
    {S(""), 256, -EINVAL, 0, NULL},
    {S("d.img"), 256, -EINVAL, 0, NULL},
    {S("./d.img"), 256, -EINVAL, 0, NULL},
    {S("aio:d.img"), 256, -EINVAL, 0, NULL},
    {S("aio:../d.img"), 256, -EINVAL, 0, NULL},
    {S("aio: /d.img"), 256, -EINVAL, 0, NULL},
    {S("vmdk:/d.vmdk"), 256, -EINVAL, 0, NULL},
    {S("AIO:/d.img"), 256, -EINVAL, 0, NULL},
    {S("tap:aio:/d.img"), 256, -EINVAL, 0, NULL},
    {S("file:/d.img"), 256, -EINVAL, 0, NULL},
    {S(":/d.img"), 256, -EINVAL, 0, NULL},
    {S("aio"), 256, -EINVAL, 0, NULL},
    {S("aio:/d\0.img"), 256, -EINVAL, 0, NULL},
    {S("/d.img\0"), 256, -EINVAL, 0, NULL},
    {S("aio:/d.img"), 6, -ENAMETOOLONG, 0, NULL},
    {S("/d.img"), 1, -ENAMETOOLONG, 0, NULL},
};

static void test_params(void)
{
	size_t i;

	for (i = 0; i < sizeof(params_cases) / sizeof(params_cases[0]); i++) {
		const struct params_case *c = &params_cases[i];
		char *s = exact(c->s, c->len);
		char *path = malloc(c->path_size);
		enum xpv_disk_format fmt = XPV_DISK_QED + 1;
		int ok, r;

		if (!path) {
			perror("malloc");
			exit(99);
		}
		r = xpv_parse_params(s, c->len, &fmt, path, c->path_size);
		ok = r == c->want;
		if (ok && (r == 0 || r == -ENOMEDIUM))
			ok = fmt == c->fmt;
		if (ok && r == 0)
			ok = strcmp(path, c->path) == 0;
		if (ok && r < 0 && r != -ENOMEDIUM)
			ok = fmt == XPV_DISK_QED + 1;
		check(ok, "xpv_parse_params", c->s, c->len, r, c->want);
		free(path);
		free(s);
	}
}

static void test_format_names(void)
{
	checks++;
	if (strcmp(xpv_disk_format_name(XPV_DISK_RAW), "raw") != 0 ||
	    strcmp(xpv_disk_format_name(XPV_DISK_QCOW2), "qcow2") != 0 ||
	    strcmp(xpv_disk_format_name((enum xpv_disk_format)99), "invalid") !=
		0) {
		failures++;
		printf("FAIL xpv_disk_format_name\n");
	}
}

struct u32_case {
	const char *s;
	size_t len;
	uint32_t max;
	int want;
	uint32_t val;
};

static const struct u32_case vdev_cases[] = {
    {S("51712"), 0, 0, 51712},	       /* xvda */
    {S("768"), 0, 0, 768},	       /* hda */
    {S("268439808"), 0, 0, 268439808}, /* extended (1 << 28) | ... */
    {S("2147483647"), 0, 0, INT32_MAX},
    {S("2147483648"), 0, -ERANGE, 0},
    {S("4294967295"), 0, -ERANGE, 0},
    {S("0"), 0, -ERANGE, 0},
    {S("-51712"), 0, -EINVAL, 0},
    {S("0xca00"), 0, -EINVAL, 0},
    {S("xvda"), 0, -EINVAL, 0},
    {S(""), 0, -EINVAL, 0},
    {S("51712 "), 0, -EINVAL, 0},
    {S("51712\0"), 0, -EINVAL, 0},
};

static void test_vdev(void)
{
	size_t i;

	for (i = 0; i < sizeof(vdev_cases) / sizeof(vdev_cases[0]); i++) {
		const struct u32_case *c = &vdev_cases[i];
		char *s = exact(c->s, c->len);
		uint32_t v = 12345;
		int r = xpv_parse_vdev(s, c->len, &v);

		check(r == c->want && (r < 0 ? v == 12345 : v == c->val),
		      "xpv_parse_vdev", c->s, c->len, r, c->want);
		free(s);
	}
}

static const struct u32_case path_id_cases[] = {
    {S("0"), XPV_DOMID_MAX, 0, 0},
    {S("1"), XPV_DOMID_MAX, 0, 1},
    {S("32751"), XPV_DOMID_MAX, 0, 32751},
    {S("51712"), UINT32_MAX, 0, 51712},
    {S("32752"), XPV_DOMID_MAX, -ERANGE, 0}, /* DOMID_FIRST_RESERVED */
    {S("65535"), XPV_DOMID_MAX, -ERANGE, 0},
    {S("4294967296"), UINT32_MAX, -ERANGE, 0},
    {S("007"), XPV_DOMID_MAX, -EINVAL, 0},
    {S("00"), XPV_DOMID_MAX, -EINVAL, 0},
    {S(""), XPV_DOMID_MAX, -EINVAL, 0},
    {S("-1"), XPV_DOMID_MAX, -EINVAL, 0},
    {S("+1"), XPV_DOMID_MAX, -EINVAL, 0},
    {S("1/2"), XPV_DOMID_MAX, -EINVAL, 0},
    {S(".."), XPV_DOMID_MAX, -EINVAL, 0},
    {S("1 "), XPV_DOMID_MAX, -EINVAL, 0},
    {S("1\0"), XPV_DOMID_MAX, -EINVAL, 0},
    {S("0x1"), XPV_DOMID_MAX, -EINVAL, 0},
    {S("domid"), XPV_DOMID_MAX, -EINVAL, 0},
    {S("1111111111111111111111111"), UINT32_MAX, -EINVAL, 0},
};

static void test_path_id(void)
{
	size_t i;

	for (i = 0; i < sizeof(path_id_cases) / sizeof(path_id_cases[0]); i++) {
		const struct u32_case *c = &path_id_cases[i];
		char *s = exact(c->s, c->len);
		uint32_t v = 12345;
		int r = xpv_parse_path_id(s, c->len, c->max, &v);

		check(r == c->want && (r < 0 ? v == 12345 : v == c->val),
		      "xpv_parse_path_id", c->s, c->len, r, c->want);
		free(s);
	}
}

/* NULL arguments are -EINVAL, never a crash. */
static void test_null_args(void)
{
	uint64_t u64;
	bool b;
	XenbusState st;
	enum xpv_disk_format f;
	char path[8];
	uint32_t u32;
	int r[] = {
	    xpv_parse_u64(NULL, 1, 1, 0, &u64),
	    xpv_parse_u64("1", 1, 1, 0, NULL),
	    xpv_parse_feature(NULL, 1, &b),
	    xpv_parse_feature("1", 1, NULL),
	    xpv_parse_state(NULL, 1, &st),
	    xpv_parse_state("1", 1, NULL),
	    xpv_parse_mode(NULL, 1, &b),
	    xpv_parse_mode("r", 1, NULL),
	    xpv_parse_params(NULL, 1, &f, path, sizeof(path)),
	    xpv_parse_params("/a", 2, NULL, path, sizeof(path)),
	    xpv_parse_params("/a", 2, &f, NULL, sizeof(path)),
	    xpv_parse_vdev(NULL, 1, &u32),
	    xpv_parse_vdev("1", 1, NULL),
	    xpv_parse_path_id(NULL, 1, 1, &u32),
	    xpv_parse_path_id("1", 1, 1, NULL),
	};
	size_t i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		checks++;
		if (r[i] != -EINVAL) {
			failures++;
			printf("FAIL NULL argument case %zu: got %d\n", i,
			       r[i]);
		}
	}
}

int main(void)
{
	test_u64();
	test_u32();
	test_feature();
	test_state();
	test_state_names();
	test_mode();
	test_params();
	test_format_names();
	test_vdev();
	test_path_id();
	test_null_args();
	printf("%d passed, %d failed\n", checks - failures, failures);
	return failures ? 1 : 0;
}
