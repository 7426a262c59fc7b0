/* SPDX-License-Identifier: MIT */
/*
 * qmpmsg.h - the pure part of xenpvd's QMP server (qmp.h): cutting a byte
 * stream into JSON values, and reading a command out of one.  No I/O, no
 * allocation: unit-tested (tests/test-qmpmsg.c) with hostile input.
 *
 * QMP (the QEMU Machine Protocol) sends one JSON object per command, with
 * or without a newline after it: libxenstat writes
 * `{ "execute": "qmp_capabilities" }` and nothing else, so a command ends
 * where its object closes, not at a line end.
 */
#ifndef XENPVD_BACKEND_QMPMSG_H
#define XENPVD_BACKEND_QMPMSG_H

#include <stddef.h>
#include <sys/types.h>

/* Deepest nesting of objects and arrays accepted in a command. */
#define XPVD_QMP_MAX_DEPTH 16
/* Longest command name and "id" value kept (longer ones are refused). */
#define XPVD_QMP_NAME_MAX 64
#define XPVD_QMP_ID_MAX 256

/*
 * Finds the end of the first JSON value in buf[0..len): leading white
 * space, then one value (object, array, string, number, true, false,
 * null).  Returns the bytes it spans (white space included) when it is
 * complete, 0 when buf may still become one (more bytes needed), or
 * -EINVAL when no continuation can make it valid JSON (bad token, control
 * character in a string, nesting deeper than XPVD_QMP_MAX_DEPTH).
 * White space alone is incomplete (0).
 */
ssize_t xpvd_qmp_frame(const char *buf, size_t len);

struct xpvd_qmp_cmd {
	char execute[XPVD_QMP_NAME_MAX];	/* the command name */
	/* The "id" member as raw JSON (copied into the answer as-is; it
	 * was validated by xpvd_qmp_frame()); id_len 0 when absent. */
	char id[XPVD_QMP_ID_MAX];
	size_t id_len;
};

/*
 * Reads a command from one complete value as framed by xpvd_qmp_frame():
 * it must be an object whose "execute" member is a string of printable
 * ASCII without escapes, shorter than XPVD_QMP_NAME_MAX.  Other members
 * ("arguments", "id", ...) are skipped, "id" is kept if short enough.
 * Returns 0, or -EINVAL with a reason for the client in *why (static
 * text).
 */
int xpvd_qmp_parse(const char *buf, size_t len, struct xpvd_qmp_cmd *cmd,
		   const char **why);

#endif /* XENPVD_BACKEND_QMPMSG_H */
