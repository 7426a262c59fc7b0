/* SPDX-License-Identifier: MIT */
/*
 * test-security-conf.c - issue 14.7: setting one key of xenpvd's
 * configuration changes that setting and no other.  `domid = all` also
 * turned the restart hand-over back on (a stray assignment), which a
 * device model must never leave.  Every line xpvd_config_print() writes
 * is set again on a configuration whose hand-over is off: nothing else
 * may move, and the printed configuration must read back the same.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "test-util.h"

static char *print(const struct xpvd_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(f);
	xpvd_config_print(f, cfg);
	CHECK(fclose(f) == 0);
	return buf;
}

/* Sets each "key = value" line of text on cfg. */
static void set_lines(struct xpvd_config *cfg, char *text)
{
	char *line, *save = NULL, err[256], *eq, *key, *val;
	int rc;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || !(eq = strstr(line, " = ")))
			continue;
		*eq = '\0';
		key = line;
		val = eq + 3;
		err[0] = '\0';
		rc = xpvd_config_set(cfg, key, val, err, sizeof(err));
		CHECK_MSG(rc == 0, "%s = %s: %s", key, val, err);
		CHECK_MSG(!cfg->handoff, "setting %s = %s turned the hand-over "
			  "on", key, val);
	}
}

int main(void)
{
	struct xpvd_config a, b;
	char err[256], *text, *copy, *again;

	xpvd_config_defaults(&a);
	a.handoff = false;	/* as a device model runs */
	b = a;
	CHECK(xpvd_config_set(&b, "domid", "all", err, sizeof(err)) == 0);
	CHECK_MSG(!b.handoff, "domid = all turned the hand-over on");
	CHECK(xpvd_config_set(&b, "domid", "7", err, sizeof(err)) == 0);
	CHECK_EQ(b.domid, 7);
	CHECK(!b.handoff);

	/* Every printed key, set again: the same configuration. */
	text = print(&a);
	copy = strdup(text);
	CHECK(copy);
	b = a;
	set_lines(&b, copy);
	free(copy);
	again = print(&b);
	CHECK_MSG(!strcmp(text, again), "round trip:\n%s\n---\n%s", text,
		  again);
	free(text);
	free(again);
	return test_status();
}
