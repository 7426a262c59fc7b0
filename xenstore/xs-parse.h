/* SPDX-License-Identifier: MIT */
/*
 * xs-parse.h - strict parsers for the values both halves read from XenStore.
 *
 * Every XenStore value is written by someone we do not trust (the guest for
 * frontend keys, the toolstack or a stale daemon for backend keys), so each
 * value goes through one of these parsers before it is used.  They are pure:
 * no libxenstore, no allocation, no global state, no logging, which makes
 * them safe to call from anywhere and easy to fuzz.
 *
 * Contract shared by every parser:
 *   - the input is (s, len): exactly len bytes are looked at and never one
 *     more; s need not be NUL-terminated.  A NUL byte inside len is
 *     malformed (XenStore values are byte strings; a C string view of one
 *     would silently truncate it).
 *   - returns 0 on success, -EINVAL when the value is malformed, -ERANGE
 *     when it is well-formed but out of the accepted range; other codes are
 *     listed per function.
 *   - *out is written only on success.
 *
 * Interoperability choices (what writers do, what Linux reads):
 *   libxl, QEMU and Linux write numbers with "%d"/"%u" and flags as "0" or
 *   "1".  Linux reads them with sscanf("%u"), which skips leading spaces,
 *   ignores trailing garbage and reads "0x10" as 0.  We are stricter: digits
 *   only, no sign, no spaces, no trailing bytes, no hex unless the caller
 *   asks for it.  Everything a real writer produces still parses; leading
 *   zeros are accepted in values ("007" is 7, as Linux reads it) but never
 *   in path components, where "007" and "7" would name different nodes.
 */
#ifndef XENPVD_XENSTORE_XS_PARSE_H
#define XENPVD_XENSTORE_XS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xenbus.h>

/*
 * Longest numeric value looked at: 20 digits hold any uint64_t, the rest
 * leaves room for a "0x" prefix and a few leading zeros.  Longer strings are
 * -EINVAL without being parsed, whatever their digits.
 */
#define XPV_PARSE_NUM_MAXLEN 24

/*
 * Flags for xpv_parse_u64()/xpv_parse_u32().  XPV_PARSE_HEX: base 16 with
 * an optional "0x"/"0X" prefix.  XPV_PARSE_NO_LEADING_ZERO: canonical form
 * only, "0" or no leading zero.
 */
#define XPV_PARSE_HEX 0x1u
#define XPV_PARSE_NO_LEADING_ZERO 0x2u

/* Highest domid of an ordinary domain (DOMID_FIRST_RESERVED - 1). */
#define XPV_DOMID_MAX 0x7fefu

/*
 * An unsigned integer in [0, max].  Decimal digits only unless flags has
 * XPV_PARSE_HEX.  Empty, signed ("+1", "-1"), spaced (" 1", "1 ", "1\n"),
 * non-digit, "0x10" without XPV_PARSE_HEX, or longer than
 * XPV_PARSE_NUM_MAXLEN: -EINVAL.  Well-formed but above max (including
 * values that do not fit 64 bits): -ERANGE.
 */
int xpv_parse_u64(const char *s, size_t len, uint64_t max, unsigned int flags,
		  uint64_t *out);
/* The same for a uint32_t result. */
int xpv_parse_u32(const char *s, size_t len, uint32_t max, unsigned int flags,
		  uint32_t *out);

/*
 * A boolean feature flag (feature-persistent, feature-flush-cache, ...).
 * "0" is off, "1" is on.  Linux reads flags with "%u" and tests for
 * non-zero, so any other well-formed decimal in 32 bits ("2", "01") is on
 * as well.  Words ("true", "yes"), empty and spaced values are -EINVAL, a
 * decimal above UINT32_MAX is -ERANGE.  An absent key is off: that is the
 * caller's business (xpv_xs_read_feature()).
 */
int xpv_parse_feature(const char *s, size_t len, bool *on);

/*
 * A XenbusState as written in a `state` key: decimal 1
 * (XenbusStateInitialising) to 8 (XenbusStateReconfigured), the states
 * xen/io/xenbus.h defines.  "0" (XenbusStateUnknown is what a reader
 * reports for an absent key, never a written value) and anything above 8:
 * -ERANGE.
 */
int xpv_parse_state(const char *s, size_t len, XenbusState *out);

/*
 * The name of a XenbusState for logs ("Initialising", "InitWait", ...,
 * "Unknown" for 0).  Never NULL: "invalid" for a value outside 0..8, so a
 * hostile value can be logged as is.
 */
const char *xpv_state_name(int state);

/*
 * The backend's `mode` key.  libxl writes "r" or "w"; Xen's hotplug scripts
 * also know "ro", "rw", "w!" and "rw!" ("!" skips their sharing check).
 * Exactly these six are accepted: "r"/"ro" give *readonly = true, the others
 * false.  Anything else is -EINVAL (Linux blkback grants write access to any
 * string containing 'w'; we refuse to guess).
 */
int xpv_parse_mode(const char *s, size_t len, bool *readonly);

/* Image formats named in a qdisk `params` key. */
enum xpv_disk_format {
	XPV_DISK_RAW,	/* "aio:", "raw:" or a bare absolute path */
	XPV_DISK_QCOW,	/* "qcow:" */
	XPV_DISK_QCOW2, /* "qcow2:" */
	XPV_DISK_VHD,	/* "vhd:" */
	XPV_DISK_QED,	/* "qed:" */
};

/* "raw", "qcow", ...; "invalid" for an unknown value, never NULL. */
const char *xpv_disk_format_name(enum xpv_disk_format fmt);

/*
 * The qdisk backend's `params` key.  libxl writes "<format>:<path>" with
 * format "aio" for raw images (and for an empty CD-ROM drive, with an empty
 * path), "qcow", "qcow2", "vhd" or "qed"; "raw:" and a bare "/path" are
 * accepted too.  A string that starts with '/' is a bare path even if it
 * contains ':'.
 *
 * On success *fmt is set and path (path_size bytes) holds the
 * NUL-terminated absolute path.  Errors: an unknown format, a missing
 * format with a relative path, a relative path after the format, or a NUL
 * byte: -EINVAL; an empty path ("aio:", no medium): -ENOMEDIUM with *fmt
 * set; a path that does not fit path_size: -ENAMETOOLONG.  The path is not
 * otherwise interpreted ("..", symlinks): the backend directory is written
 * by the toolstack, not by the guest.
 */
int xpv_parse_params(const char *s, size_t len, enum xpv_disk_format *fmt,
		     char *path, size_t path_size);

/*
 * The frontend's `virtual-device` key (docs/misc/vbd-interface.txt): a
 * decimal number in 1..INT32_MAX (libxl writes the devid with "%d").  The
 * encoding (xvd, hd, sd, extended) is not checked here.
 */
int xpv_parse_vdev(const char *s, size_t len, uint32_t *vdev);

/*
 * A path component that names a number (a domid or devid found in a
 * directory listing, or used to build a path): canonical decimal only, "0"
 * or [1-9][0-9]*, in [0, max].  Use XPV_DOMID_MAX for a domid.
 */
int xpv_parse_path_id(const char *s, size_t len, uint32_t max, uint32_t *out);

#endif /* XENPVD_XENSTORE_XS_PARSE_H */
