/* SPDX-License-Identifier: MIT */
/*
 * xs-parse.c - strict parsers for XenStore values (see xs-parse.h).
 *
 * Pure functions: they read exactly the len bytes they are given, write
 * their output only on success, allocate nothing and never log.  No
 * locale-dependent or libc number parsing is used (strtoul accepts spaces,
 * signs and prefixes), so what is accepted is exactly what is written here.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "xs-parse.h"

/* The value of character c as a digit in base 10 or 16, or -1. */
static int digit_value(char c, unsigned int base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (base == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int xpv_parse_u64(const char *s, size_t len, uint64_t max, unsigned int flags,
		  uint64_t *out)
{
	unsigned int base = 10;
	bool overflow = false;
	uint64_t v = 0;
	size_t i = 0;

	if (!s || !out || len == 0 || len > XPV_PARSE_NUM_MAXLEN)
		return -EINVAL;
	if ((flags & XPV_PARSE_HEX) != 0) {
		base = 16;
		if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			i = 2;
	}
	/* "0" alone is canonical; "00" and "07" are not (nor "0x07"). */
	if ((flags & XPV_PARSE_NO_LEADING_ZERO) != 0 && s[i] == '0' &&
	    len - i > 1)
		return -EINVAL;

	/* Scan every byte: a malformed value is -EINVAL even if it is huge. */
	for (; i < len; i++) {
		int d = digit_value(s[i], base);

		if (d < 0)
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			overflow = true;
		else
			v = v * base + (uint64_t)d;
	}
	if (overflow || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int xpv_parse_u32(const char *s, size_t len, uint32_t max, unsigned int flags,
		  uint32_t *out)
{
	uint64_t v;
	int r;

	if (!out)
		return -EINVAL;
	r = xpv_parse_u64(s, len, max, flags, &v);
	if (r < 0)
		return r;
	*out = (uint32_t)v;
	return 0;
}

int xpv_parse_feature(const char *s, size_t len, bool *on)
{
	uint32_t v;
	int r;

	if (!on)
		return -EINVAL;
	r = xpv_parse_u32(s, len, UINT32_MAX, 0, &v);
	if (r < 0)
		return r;
	*on = v != 0;
	return 0;
}

int xpv_parse_state(const char *s, size_t len, XenbusState *out)
{
	uint32_t v;
	int r;

	if (!out)
		return -EINVAL;
	r = xpv_parse_u32(s, len, XenbusStateReconfigured, 0, &v);
	if (r < 0)
		return r;
	if (v < XenbusStateInitialising)
		return -ERANGE;
	*out = (XenbusState)v;
	return 0;
}

static const char *const state_names[] = {
    [XenbusStateUnknown] = "Unknown",
    [XenbusStateInitialising] = "Initialising",
    [XenbusStateInitWait] = "InitWait",
    [XenbusStateInitialised] = "Initialised",
    [XenbusStateConnected] = "Connected",
    [XenbusStateClosing] = "Closing",
    [XenbusStateClosed] = "Closed",
    [XenbusStateReconfiguring] = "Reconfiguring",
    [XenbusStateReconfigured] = "Reconfigured",
};

const char *xpv_state_name(int state)
{
	if (state < 0 ||
	    (size_t)state >= sizeof(state_names) / sizeof(state_names[0]))
		return "invalid";
	return state_names[state];
}

/* True when (s, len) is exactly the C string lit. */
static bool equals(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

int xpv_parse_mode(const char *s, size_t len, bool *readonly)
{
	static const struct {
		const char *name;
		bool readonly;
	} modes[] = {
	    {"r", true},   {"ro", true},  {"w", false},
	    {"rw", false}, {"w!", false}, {"rw!", false},
	};
	size_t i;

	if (!s || !readonly)
		return -EINVAL;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (equals(s, len, modes[i].name)) {
			*readonly = modes[i].readonly;
			return 0;
		}
	}
	return -EINVAL;
}

static const struct {
	const char *name; /* as written before the ':' */
	enum xpv_disk_format fmt;
} params_formats[] = {
    {"aio", XPV_DISK_RAW},     {"raw", XPV_DISK_RAW}, {"qcow", XPV_DISK_QCOW},
    {"qcow2", XPV_DISK_QCOW2}, {"vhd", XPV_DISK_VHD}, {"qed", XPV_DISK_QED},
};

const char *xpv_disk_format_name(enum xpv_disk_format fmt)
{
	switch (fmt) {
	case XPV_DISK_RAW:
		return "raw";
	case XPV_DISK_QCOW:
		return "qcow";
	case XPV_DISK_QCOW2:
		return "qcow2";
	case XPV_DISK_VHD:
		return "vhd";
	case XPV_DISK_QED:
		return "qed";
	}
	return "invalid";
}

int xpv_parse_params(const char *s, size_t len, enum xpv_disk_format *fmt,
		     char *path, size_t path_size)
{
	enum xpv_disk_format f = XPV_DISK_RAW;
	const char *p = s, *colon;
	size_t plen = len, i;

	if (!s || !fmt || !path || len == 0)
		return -EINVAL;
	if (memchr(s, '\0', len))
		return -EINVAL;

	if (s[0] != '/') {
		colon = memchr(s, ':', len);
		if (!colon)
			return -EINVAL; /* a relative path, or a bare word */
		for (i = 0;
		     i < sizeof(params_formats) / sizeof(params_formats[0]);
		     i++) {
			if (equals(s, (size_t)(colon - s),
				   params_formats[i].name))
				break;
		}
		if (i == sizeof(params_formats) / sizeof(params_formats[0]))
			return -EINVAL;
		f = params_formats[i].fmt;
		p = colon + 1;
		plen = len - (size_t)(p - s);
		if (plen == 0) {
			*fmt = f;
			return -ENOMEDIUM;
		}
		if (p[0] != '/')
			return -EINVAL;
	}
	if (plen >= path_size)
		return -ENAMETOOLONG;
	memcpy(path, p, plen);
	path[plen] = '\0';
	*fmt = f;
	return 0;
}

int xpv_parse_vdev(const char *s, size_t len, uint32_t *vdev)
{
	uint32_t v;
	int r;

	if (!vdev)
		return -EINVAL;
	r = xpv_parse_u32(s, len, INT32_MAX, 0, &v);
	if (r < 0)
		return r;
	if (v == 0)
		return -ERANGE;
	*vdev = v;
	return 0;
}

int xpv_parse_path_id(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	return xpv_parse_u32(s, len, max, XPV_PARSE_NO_LEADING_ZERO, out);
}
