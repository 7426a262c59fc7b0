/* SPDX-License-Identifier: MIT */
/*
 * irqinfo.c - see irqinfo.h.
 *
 * A /proc/interrupts line: "<irq>:", one count per CPU, the chip, the
 * type and the actions, comma-separated ("  57:  10  3  xen-dyn  -event
 * evtchn:xpvev3").  Lines whose first field is not a number (the CPU
 * header, NMI, LOC...) are skipped.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "irqinfo.h"

/* Whether line [p, end) holds action as a whole token (split at blanks
 * and commas). */
static bool line_has(const char *p, const char *end, const char *action)
{
	size_t n = strlen(action), len;
	const char *t;

	while (p < end) {
		while (p < end && (isspace((unsigned char)*p) || *p == ','))
			p++;
		t = p;
		while (p < end && !isspace((unsigned char)*p) && *p != ',')
			p++;
		len = (size_t)(p - t);
		if (len == n && !memcmp(t, action, n))
			return true;
	}
	return false;
}

int xpv_irq_find(const char *text, const char *action)
{
	const char *p = text, *end, *q;
	long irq, found = -1;

	if (!action || !*action)
		return -ENOENT;
	while (*p) {
		end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		q = p;
		while (q < end && isspace((unsigned char)*q))
			q++;
		irq = -1;
		if (q < end && isdigit((unsigned char)*q)) {
			for (irq = 0; q < end && isdigit((unsigned char)*q);
			     q++) {
				irq = irq * 10 + (*q - '0');
				if (irq > 0x7fffffffL) {
					irq = -1;
					break;
				}
			}
			if (q >= end || *q != ':')
				irq = -1;
		}
		if (irq >= 0 && line_has(q + 1, end, action)) {
			if (found >= 0)
				return -EEXIST;
			found = irq;
		}
		p = *end ? end + 1 : end;
	}
	return found >= 0 ? (int)found : -ENOENT;
}

int xpv_cpu_list_one(const char *text)
{
	const char *p = text;
	long cpu = 0;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		cpu = cpu * 10 + (*p - '0');
		if (cpu > 0xffffL)
			return -EINVAL;
	}
	while (*p == '\n' || *p == ' ')
		p++;
	return *p ? -EINVAL : (int)cpu;
}
