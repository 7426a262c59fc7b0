/* SPDX-License-Identifier: MIT */
/*
 * logtext.c - the text of xenpvd's log lines that is not the logger's
 * plumbing: component names, the debug list parser, and the escaping
 * every message goes through (log.h).  Pure functions, unit-tested.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "log.h"

static const char *const comp_names[XPVD_C_NR] = {
	[XPVD_C_MAIN] = "main", [XPVD_C_DEV] = "dev", [XPVD_C_IO] = "io",
	[XPVD_C_REQ] = "req",	[XPVD_C_GNT] = "gnt", [XPVD_C_CTL] = "ctl",
};

const char *xpvd_comp_name(enum xpvd_comp comp)
{
	return (unsigned int)comp < XPVD_C_NR ? comp_names[comp] : "?";
}

int xpvd_debug_parse(const char *list, unsigned int *mask)
{
	char buf[256], *tok, *save = NULL;
	unsigned int m = 0, i;

	if (strlen(list) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			m = (1u << XPVD_C_NR) - 1;
			continue;
		}
		for (i = 0; i < XPVD_C_NR; i++)
			if (!strcmp(tok, comp_names[i]))
				break;
		if (i == XPVD_C_NR)
			return -EINVAL;
		m |= 1u << i;
	}
	*mask = m;
	return 0;
}

size_t xpvd_escape(char *out, size_t size, const char *in)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	unsigned char c;

	if (!size)
		return 0;
	for (; (c = (unsigned char)*in); in++) {
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= size)
				break;
			out[o++] = (char)c;
		} else if (c == '\\') {
			if (o + 2 >= size)
				break;
			out[o++] = '\\';
			out[o++] = '\\';
		} else {
			if (o + 4 >= size)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return o;
}
