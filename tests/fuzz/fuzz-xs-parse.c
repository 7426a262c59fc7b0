/* SPDX-License-Identifier: MIT */
/*
 * fuzz-xs-parse.c - libFuzzer target for the XenStore value parsers
 * (xenstore/xs-parse.c).
 *
 * The whole input is one XenStore value, given to every parser in an
 * exactly sized heap buffer (no NUL after it, so a read past len is an ASan
 * report), with several max values and every flag combination.  Each result
 * is compared with a reference model written from the contract in
 * xs-parse.h, independently of the code under test: the same verdict
 * (0, -EINVAL, -ERANGE, ...), the same value, *out untouched on failure,
 * and on success value <= max.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "xs-parse.h"

/* A value no parser writes: *out must still hold it after a failure. */
#define POISON64 0xa5a5a5a5a5a5a5a5ull
#define POISON32 0xa5a5a5a5u

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The reference: digits only (hex digits with XPV_PARSE_HEX, after an
 * optional 0x prefix that must be followed by at least one digit), no
 * leading zero with XPV_PARSE_NO_LEADING_ZERO, at most XPV_PARSE_NUM_MAXLEN
 * bytes; then the value in 128 bits against max.
 */
static int model_u64(const char *s, size_t len, uint64_t max,
		     unsigned int flags, uint64_t *out)
{
	unsigned int base = flags & XPV_PARSE_HEX ? 16 : 10;
	unsigned __int128 v = 0;
	const char *body = s;
	size_t blen = len, i;

	if (len == 0 || len > XPV_PARSE_NUM_MAXLEN)
		return -EINVAL;
	if (base == 16 && len > 2 && s[0] == '0' &&
	    (s[1] == 'x' || s[1] == 'X')) {
		body += 2;
		blen -= 2;
	}
	for (i = 0; i < blen; i++) {
		int d = hexval(body[i]);

		if (d < 0 || (unsigned int)d >= base)
			return -EINVAL;
	}
	if ((flags & XPV_PARSE_NO_LEADING_ZERO) && blen > 1 && body[0] == '0')
		return -EINVAL;
	for (i = 0; i < blen; i++) {
		v = v * base + (unsigned int)hexval(body[i]);
		if (v > UINT64_MAX)
			return -ERANGE; /* well-formed, checked above */
	}
	if (v > max)
		return -ERANGE;
	*out = (uint64_t)v;
	return 0;
}

static const uint64_t maxes64[] = {
	0, 1, 7, 8, 9, 10, 255, XPV_DOMID_MAX, INT32_MAX, UINT32_MAX,
	(uint64_t)UINT32_MAX + 1, 9999999999999999999ull, UINT64_MAX - 1,
	UINT64_MAX,
};

static void check_numbers(const char *s, size_t len)
{
	unsigned int flags, i;

	for (flags = 0; flags < 4; flags++) {
		for (i = 0; i < sizeof(maxes64) / sizeof(maxes64[0]); i++) {
			uint64_t max = maxes64[i], got = POISON64;
			uint64_t want = POISON64;
			uint32_t got32 = POISON32, max32;
			int r, m;

			r = xpv_parse_u64(s, len, max, flags, &got);
			m = model_u64(s, len, max, flags, &want);
			FUZZ_CHECK(r == m);
			FUZZ_CHECK(got == want);
			FUZZ_CHECK(r != 0 || got <= max);

			max32 = max > UINT32_MAX ? UINT32_MAX : (uint32_t)max;
			r = xpv_parse_u32(s, len, max32, flags, &got32);
			want = POISON32;
			m = model_u64(s, len, max32, flags, &want);
			FUZZ_CHECK(r == m);
			FUZZ_CHECK(got32 == (uint32_t)want);
			FUZZ_CHECK(r != 0 || got32 <= max32);
		}
	}
}

static void check_flags_and_states(const char *s, size_t len)
{
	uint64_t v = POISON64;
	uint32_t u = POISON32;
	XenbusState st = (XenbusState)77;
	bool on = false, ro = false;
	int r, m;

	/* feature: any well-formed decimal in 32 bits; on when non-zero */
	m = model_u64(s, len, UINT32_MAX, 0, &v);
	r = xpv_parse_feature(s, len, &on);
	FUZZ_CHECK(r == m);
	FUZZ_CHECK(r != 0 || on == (v != 0));

	/* state: 1..8 */
	v = POISON64;
	m = model_u64(s, len, XenbusStateReconfigured, 0, &v);
	if (m == 0 && v < XenbusStateInitialising)
		m = -ERANGE;
	r = xpv_parse_state(s, len, &st);
	FUZZ_CHECK(r == m);
	if (r == 0) {
		FUZZ_CHECK((uint64_t)st == v);
		FUZZ_CHECK(st >= XenbusStateInitialising &&
			   st <= XenbusStateReconfigured);
		FUZZ_CHECK(strcmp(xpv_state_name(st), "invalid") != 0);
	} else {
		FUZZ_CHECK(st == (XenbusState)77);
	}

	/* vdev: 1..INT32_MAX */
	v = POISON64;
	m = model_u64(s, len, INT32_MAX, 0, &v);
	if (m == 0 && v == 0)
		m = -ERANGE;
	r = xpv_parse_vdev(s, len, &u);
	FUZZ_CHECK(r == m);
	FUZZ_CHECK(r == 0 ? u == v && u >= 1 && u <= INT32_MAX :
			    u == POISON32);

	/* path_id: canonical decimal, domid range */
	v = POISON64;
	u = POISON32;
	m = model_u64(s, len, XPV_DOMID_MAX, XPV_PARSE_NO_LEADING_ZERO, &v);
	r = xpv_parse_path_id(s, len, XPV_DOMID_MAX, &u);
	FUZZ_CHECK(r == m);
	FUZZ_CHECK(r == 0 ? u == v : u == POISON32);
	if (r == 0) /* canonical: no leading zero, so no two spellings */
		FUZZ_CHECK(len == 1 || s[0] != '0');

	/* mode: exactly six spellings */
	m = -EINVAL;
	if ((len == 1 && s[0] == 'r') || (len == 2 && !memcmp(s, "ro", 2)))
		m = 1;
	if ((len == 1 && s[0] == 'w') || (len == 2 && !memcmp(s, "rw", 2)) ||
	    (len == 2 && !memcmp(s, "w!", 2)) ||
	    (len == 3 && !memcmp(s, "rw!", 3)))
		m = 2;
	ro = len & 1; /* a value the parser must overwrite or leave */
	on = ro;
	r = xpv_parse_mode(s, len, &ro);
	FUZZ_CHECK(r == (m > 0 ? 0 : -EINVAL));
	FUZZ_CHECK(m > 0 ? ro == (m == 1) : ro == on);

	/* Names never NULL, whatever the number. */
	FUZZ_CHECK(xpv_state_name(len > 0 ? (signed char)s[0] : -1) != NULL);
	FUZZ_CHECK(xpv_state_name((int)len - 1) != NULL);
}

static const struct {
	const char *name;
	enum xpv_disk_format fmt;
} formats[] = {
	{ "aio", XPV_DISK_RAW }, { "raw", XPV_DISK_RAW },
	{ "qcow", XPV_DISK_QCOW }, { "qcow2", XPV_DISK_QCOW2 },
	{ "vhd", XPV_DISK_VHD }, { "qed", XPV_DISK_QED },
};

/* The reference for params: sets *fmt and the path's offset in s. */
static int model_params(const char *s, size_t len, size_t path_size,
			enum xpv_disk_format *fmt, size_t *path_off)
{
	const char *colon;
	size_t i, flen;

	if (len == 0 || memchr(s, '\0', len))
		return -EINVAL;
	*fmt = XPV_DISK_RAW;
	*path_off = 0;
	if (s[0] != '/') {
		colon = memchr(s, ':', len);
		if (colon == NULL)
			return -EINVAL;
		flen = (size_t)(colon - s);
		for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
			if (strlen(formats[i].name) == flen &&
			    !memcmp(s, formats[i].name, flen))
				break;
		if (i == sizeof(formats) / sizeof(formats[0]))
			return -EINVAL;
		*fmt = formats[i].fmt;
		*path_off = flen + 1;
		if (*path_off == len)
			return -ENOMEDIUM;
		if (s[*path_off] != '/')
			return -EINVAL;
	}
	if (len - *path_off >= path_size)
		return -ENAMETOOLONG;
	return 0;
}

static void check_params(const char *s, size_t len)
{
	static const size_t sizes[] = { 1, 2, 16, 4096 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		enum xpv_disk_format fmt = (enum xpv_disk_format)99, wfmt;
		char *path = fuzz_alloc(sizes[i]);
		size_t off = 0;
		int r, m;

		memset(path, 'x', sizes[i]);
		r = xpv_parse_params(s, len, &fmt, path, sizes[i]);
		m = model_params(s, len, sizes[i], &wfmt, &off);
		FUZZ_CHECK(r == m);
		if (r == 0 || r == -ENOMEDIUM) {
			FUZZ_CHECK(fmt == wfmt);
			FUZZ_CHECK(strcmp(xpv_disk_format_name(fmt),
					  "invalid") != 0);
		} else {
			FUZZ_CHECK(fmt == (enum xpv_disk_format)99);
		}
		if (r == 0) {
			/* A NUL-terminated absolute path, all of it. */
			FUZZ_CHECK(len - off < sizes[i]);
			FUZZ_CHECK(path[len - off] == '\0');
			FUZZ_CHECK(!memcmp(path, s + off, len - off));
			FUZZ_CHECK(path[0] == '/');
			FUZZ_CHECK(strlen(path) == len - off);
		}
		free(path);
	}
}

/* A NULL argument is -EINVAL, never a crash. */
static void check_null_args(const char *s, size_t len)
{
	enum xpv_disk_format fmt;
	uint64_t v64;
	uint32_t v32;
	char path[8];
	bool b;

	FUZZ_CHECK(xpv_parse_u64(NULL, len, UINT64_MAX, 0, &v64) == -EINVAL);
	FUZZ_CHECK(xpv_parse_u64(s, len, UINT64_MAX, 0, NULL) == -EINVAL);
	FUZZ_CHECK(xpv_parse_u32(s, len, UINT32_MAX, 0, NULL) == -EINVAL);
	FUZZ_CHECK(xpv_parse_feature(s, len, NULL) == -EINVAL);
	FUZZ_CHECK(xpv_parse_state(s, len, NULL) == -EINVAL);
	FUZZ_CHECK(xpv_parse_mode(NULL, len, &b) == -EINVAL);
	FUZZ_CHECK(xpv_parse_mode(s, len, NULL) == -EINVAL);
	FUZZ_CHECK(xpv_parse_params(NULL, len, &fmt, path, 8) == -EINVAL);
	FUZZ_CHECK(xpv_parse_params(s, len, NULL, path, 8) == -EINVAL);
	FUZZ_CHECK(xpv_parse_params(s, len, &fmt, NULL, 8) == -EINVAL);
	FUZZ_CHECK(xpv_parse_vdev(s, len, NULL) == -EINVAL);
	FUZZ_CHECK(xpv_parse_path_id(s, len, 1, NULL) == -EINVAL);
	FUZZ_CHECK(xpv_parse_path_id(NULL, len, 1, &v32) == -EINVAL);
	FUZZ_CHECK(!strcmp(xpv_disk_format_name((enum xpv_disk_format)(
				   XPV_DISK_QED + 1 + len % 100)), "invalid"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact copy: the parsers must not read past size. */
	char *s = fuzz_alloc(size);

	memcpy(s, data, size);
	check_null_args(s, size);
	check_numbers(s, size);
	check_flags_and_states(s, size);
	check_params(s, size);
	free(s);
	return 0;
}
