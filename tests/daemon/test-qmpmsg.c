/* SPDX-License-Identifier: MIT */
/*
 * test-qmpmsg.c - QMP framing and command reading (backend/core/qmpmsg.h):
 * what libxenstat and libxl send, values split at every byte, and hostile
 * input (unterminated strings, bad escapes, control characters, deep
 * nesting, wrong types, missing "execute").
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "qmpmsg.h"
#include "test-util.h"

/* The span of the first value of s, as a whole and fed byte by byte: a
 * prefix is incomplete (0) until the value is whole. */
static ssize_t frame_all(const char *s)
{
	size_t len = strlen(s), i;
	ssize_t n = xpvd_qmp_frame(s, len), m;

	for (i = 0; i < len; i++) {
		m = xpvd_qmp_frame(s, i);
		if (n > 0 && (size_t)n > i)
			EXPECT_MSG(m == 0, "prefix %zu of '%s' gave %zd", i, s,
				   m);
	}
	return n;
}

static void framing(void)
{
	/* libxenstat's command, exactly: no newline after it. */
	static const char cap[] = "{ \"execute\": \"qmp_capabilities\" }";
	/* libxl's: an id, a CRLF. */
	static const char lx[] =
		"{\"execute\":\"query-chardev\",\"id\":2020371713}\r\n";
	static const char two[] = "{\"execute\":\"a\"}{\"execute\":\"b\"}";
	static const char nested[] =
		"{\"execute\": \"x\", \"arguments\": {\"a\": [1, -2.5e+3, "
		"true, false, null, \"s\\\"\\u00e9\\n\", {}, []]}}";
	char deep[200];
	int i;

	test_where("framing");
	CHECK_EQ(frame_all(cap), sizeof(cap) - 1);
	/* The CRLF after libxl's command is the next frame's white space. */
	CHECK_EQ(frame_all(lx), strlen(lx) - 2);
	CHECK_EQ(frame_all(two), 15);
	CHECK_EQ(frame_all(nested), sizeof(nested) - 1);
	CHECK_EQ(xpvd_qmp_frame("  \r\n\t ", 6), 0);
	CHECK_EQ(xpvd_qmp_frame("", 0), 0);

	/* Never valid, whatever follows. */
	CHECK_EQ(xpvd_qmp_frame("}", 1), -EINVAL);
	CHECK_EQ(xpvd_qmp_frame("x", 1), -EINVAL);
	CHECK_EQ(xpvd_qmp_frame("{1:2}", 5), -EINVAL);
	CHECK_EQ(xpvd_qmp_frame("{\"a\" 1}", 7), -EINVAL);
	CHECK_EQ(xpvd_qmp_frame("{\"a\":1 \"b\":2}", 13), -EINVAL);
	CHECK_EQ(xpvd_qmp_frame("[1,]", 4), -EINVAL);
	CHECK_EQ(xpvd_qmp_frame("{\"a\":tru}", 9), -EINVAL);
	CHECK_EQ(xpvd_qmp_frame("{\"a\":01}", 8), -EINVAL);
	CHECK_EQ(xpvd_qmp_frame("{\"a\":1.}", 8), -EINVAL);
	CHECK_EQ(xpvd_qmp_frame("{\"a\":1e}", 8), -EINVAL);
	CHECK_EQ(xpvd_qmp_frame("{\"a\":\"\\x\"}", 10), -EINVAL);
	CHECK_EQ(xpvd_qmp_frame("{\"a\":\"\\u12g4\"}", 14), -EINVAL);
	CHECK_EQ(xpvd_qmp_frame("{\"a\":\"x\ny\"}", 11), -EINVAL);
	CHECK_EQ(xpvd_qmp_frame("{\"a\":\"\0\"}", 9), -EINVAL);
	/* Incomplete, not invalid: may still end well. */
	CHECK_EQ(xpvd_qmp_frame("{\"a\":\"\\", 7), 0);
	CHECK_EQ(xpvd_qmp_frame("{\"a\":\"\\u12", 10), 0);
	CHECK_EQ(xpvd_qmp_frame("{\"a\":-", 6), 0);
	CHECK_EQ(xpvd_qmp_frame("{\"a\":nu", 7), 0);

	/* Nesting: the limit, and one more. */
	for (i = 0; i < XPVD_QMP_MAX_DEPTH; i++)
		deep[i] = '[';
	for (i = 0; i < XPVD_QMP_MAX_DEPTH; i++)
		deep[XPVD_QMP_MAX_DEPTH + i] = ']';
	CHECK_EQ(xpvd_qmp_frame(deep, 2 * XPVD_QMP_MAX_DEPTH),
		 2 * XPVD_QMP_MAX_DEPTH);
	memset(deep, '[', sizeof(deep));
	CHECK_EQ(xpvd_qmp_frame(deep, sizeof(deep)), -EINVAL);
}

static int parse(const char *s, struct xpvd_qmp_cmd *cmd, const char **why)
{
	ssize_t n = xpvd_qmp_frame(s, strlen(s));

	CHECK_MSG(n > 0, "'%s' does not frame (%zd)", s, n);
	*why = NULL;
	return xpvd_qmp_parse(s, (size_t)n, cmd, why);
}

static void commands(void)
{
	struct xpvd_qmp_cmd cmd;
	const char *why;
	char longname[200];

	test_where("commands");
	CHECK_EQ(parse("{ \"execute\": \"qmp_capabilities\" }", &cmd, &why),
		 0);
	CHECK(!strcmp(cmd.execute, "qmp_capabilities"));
	CHECK_EQ(cmd.id_len, 0);

	/* id before or after, kept raw: a number, a string, an object. */
	CHECK_EQ(parse("{\"id\":2020371713,\"execute\":\"query-status\"}",
		       &cmd, &why), 0);
	CHECK(!strcmp(cmd.execute, "query-status"));
	CHECK(!strcmp(cmd.id, "2020371713"));
	CHECK_EQ(parse("{\"execute\":\"quit\", \"id\": \"a\\\"b\"}", &cmd,
		       &why), 0);
	CHECK(!strcmp(cmd.id, "\"a\\\"b\""));
	CHECK_EQ(parse("{\"execute\":\"x\",\"id\":{\"k\":[1,2]},"
		       "\"arguments\":{\"execute\":\"no\"}}", &cmd, &why), 0);
	CHECK(!strcmp(cmd.execute, "x"));
	CHECK(!strcmp(cmd.id, "{\"k\":[1,2]}"));

	/* Refused, with a reason. */
	CHECK_EQ(parse("[\"execute\"]", &cmd, &why), -EINVAL);
	CHECK(why && strstr(why, "object"));
	CHECK_EQ(parse("{\"exec\":\"x\"}", &cmd, &why), -EINVAL);
	CHECK(why && strstr(why, "execute"));
	CHECK_EQ(parse("{\"execute\":1}", &cmd, &why), -EINVAL);
	CHECK_EQ(parse("{\"execute\":\"a\\u0000b\"}", &cmd, &why), -EINVAL);
	CHECK_EQ(parse("{\"execute\":\"\x80\"}", &cmd, &why), -EINVAL);
	memset(longname, 'a', sizeof(longname));
	memcpy(longname, "{\"execute\":\"", 12);
	memcpy(longname + sizeof(longname) - 3, "\"}", 3);
	CHECK_EQ(parse(longname, &cmd, &why), -EINVAL);

	/* Not framed first: still refused, never read past the end. */
	CHECK_EQ(xpvd_qmp_parse("{\"execute\"", 10, &cmd, &why), -EINVAL);
	CHECK_EQ(xpvd_qmp_parse("{\"execute\":\"x\"", 14, &cmd, &why),
		 -EINVAL);
	CHECK_EQ(xpvd_qmp_parse("{", 1, &cmd, &why), -EINVAL);
}

int main(void)
{
	framing();
	commands();
	if (!test_status())
		printf("test-qmpmsg: %lu checks passed\n", test_nchecks);
	return test_status();
}
