/* SPDX-License-Identifier: MIT */
/*
 * qmpmsg.c - JSON framing and command reading for the QMP server (see
 * qmpmsg.h).  A small recursive-descent scanner over a byte range: every
 * step returns 1 (done, the cursor moved past it), 0 (ran out of bytes:
 * the value may still complete) or -EINVAL (can never be valid).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "qmpmsg.h"

struct scan {
	const char *p, *end;
};

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
				 *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* A string, the cursor on its opening quote.  Bytes >= 0x80 pass as they
 * are (UTF-8 is not checked: the value is never interpreted). */
static int scan_string(struct scan *s)
{
	const char *p = s->p + 1;
	int i;

	while (p < s->end) {
		unsigned char c = (unsigned char)*p;

		if (c == '"') {
			s->p = p + 1;
			return 1;
		}
		if (c < 0x20)
			return -EINVAL;
		if (c != '\\') {
			p++;
			continue;
		}
		if (p + 1 >= s->end)
			return 0;
		switch (p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f':
		case 'n': case 'r': case 't':
			p += 2;
			break;
		case 'u':
			for (i = 0; i < 4; i++) {
				if (p + 2 + i >= s->end)
					return 0;
				if (!is_hex(p[2 + i]))
					return -EINVAL;
			}
			p += 6;
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

/* A literal (true, false, null): a prefix of it is incomplete.  It must
 * be followed by something (a delimiter) to be complete, as a number. */
static int scan_literal(struct scan *s, const char *word)
{
	size_t n = strlen(word), have = (size_t)(s->end - s->p);

	if (memcmp(s->p, word, have < n ? have : n))
		return -EINVAL;
	if (have <= n)
		return 0;
	s->p += n;
	return 1;
}

/* The digits after a number's '.', 'e', "e+" or "e-" (*p on its last
 * character): at least one, and something after them (1), the end of
 * the bytes (0), or none (-EINVAL). */
static int more_digits(const char **p, const char *end)
{
	const char *q = *p + 1, *first = q;

	while (q < end && *q >= '0' && *q <= '9')
		q++;
	if (q >= end)
		return 0;
	if (q == first)
		return -EINVAL;
	*p = q;
	return 1;
}

/* A number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, complete only
 * once a byte that cannot continue it follows (top level: "12" may be the
 * start of "123"). */
static int scan_number(struct scan *s)
{
	const char *p = s->p;
	int r;

	if (p < s->end && *p == '-')
		p++;
	if (p >= s->end)
		return 0;
	if (*p == '0') {
		p++;
	} else if (*p >= '1' && *p <= '9') {
		while (p < s->end && *p >= '0' && *p <= '9')
			p++;
	} else {
		return -EINVAL;
	}
	if (p < s->end && *p == '.') {
		r = more_digits(&p, s->end);
		if (r <= 0)
			return r;
	}
	if (p < s->end && (*p == 'e' || *p == 'E')) {
		if (p + 1 < s->end && (p[1] == '+' || p[1] == '-'))
			p++;
		r = more_digits(&p, s->end);
		if (r <= 0)
			return r;
	}
	if (p >= s->end)
		return 0;
	s->p = p;
	return 1;
}

static int scan_value(struct scan *s, int depth);

/* An object or an array, the cursor on its opening bracket. */
static int scan_container(struct scan *s, int depth)
{
	bool object = *s->p == '{', first = true;
	char close = object ? '}' : ']';
	int r;

	if (depth >= XPVD_QMP_MAX_DEPTH)
		return -EINVAL;
	s->p++;
	for (;;) {
		skip_ws(s);
		if (s->p >= s->end)
			return 0;
		if (*s->p == close && first) {
			s->p++;
			return 1;
		}
		if (!first) {
			if (*s->p == close) {
				s->p++;
				return 1;
			}
			if (*s->p != ',')
				return -EINVAL;
			s->p++;
			skip_ws(s);
			if (s->p >= s->end)
				return 0;
		}
		first = false;
		if (object) {
			if (*s->p != '"')
				return -EINVAL;
			r = scan_string(s);
			if (r <= 0)
				return r;
			skip_ws(s);
			if (s->p >= s->end)
				return 0;
			if (*s->p != ':')
				return -EINVAL;
			s->p++;
		}
		r = scan_value(s, depth + 1);
		if (r <= 0)
			return r;
	}
}

static int scan_value(struct scan *s, int depth)
{
	skip_ws(s);
	if (s->p >= s->end)
		return 0;
	switch (*s->p) {
	case '{':
	case '[':
		return scan_container(s, depth);
	case '"':
		return scan_string(s);
	case 't':
		return scan_literal(s, "true");
	case 'f':
		return scan_literal(s, "false");
	case 'n':
		return scan_literal(s, "null");
	default:
		return scan_number(s);
	}
}

ssize_t xpvd_qmp_frame(const char *buf, size_t len)
{
	struct scan s = { buf, buf + len };
	int r = scan_value(&s, 0);

	return r > 0 ? (ssize_t)(s.p - buf) : r;
}

/* The member name or string value at the cursor, if it is plain printable
 * ASCII of fewer than size bytes (copied, NUL-terminated). */
static bool plain_string(const char *start, const char *stop, char *out,
			 size_t size)
{
	size_t n = (size_t)(stop - start) - 2; /* without the quotes */
	size_t i;

	if (n >= size)
		return false;
	for (i = 0; i < n; i++) {
		char c = start[1 + i];

		if (c < 0x20 || c > 0x7e || c == '\\')
			return false;
		out[i] = c;
	}
	out[n] = '\0';
	return true;
}

int xpvd_qmp_parse(const char *buf, size_t len, struct xpvd_qmp_cmd *cmd,
		   const char **why)
{
	struct scan s = { buf, buf + len };
	const char *start;
	char key[16];
	bool first = true, have_name = false;

	memset(cmd, 0, sizeof(*cmd));
	skip_ws(&s);
	if (s.p >= s.end || *s.p != '{') {
		*why = "QMP input must be a JSON object";
		return -EINVAL;
	}
	s.p++;
	for (;;) {
		skip_ws(&s);
		if (s.p >= s.end)
			goto bad;
		if (*s.p == '}')
			break;
		if (!first) {
			if (*s.p != ',')
				goto bad;
			s.p++;
			skip_ws(&s);
		}
		first = false;
		start = s.p;
		if (s.p >= s.end || *s.p != '"' || scan_string(&s) <= 0)
			goto bad;
		if (!plain_string(start, s.p, key, sizeof(key)))
			key[0] = '\0'; /* a member we do not know */
		skip_ws(&s);
		if (s.p >= s.end || *s.p != ':')
			goto bad;
		s.p++;
		skip_ws(&s);
		start = s.p;
		if (scan_value(&s, 1) <= 0)
			goto bad;
		if (!strcmp(key, "execute")) {
			if (*start != '"' ||
			    !plain_string(start, s.p, cmd->execute,
					  sizeof(cmd->execute))) {
				*why = "QMP input member 'execute' must be a "
				       "short string";
				return -EINVAL;
			}
			have_name = true;
		} else if (!strcmp(key, "id") &&
			   (size_t)(s.p - start) < sizeof(cmd->id)) {
			cmd->id_len = (size_t)(s.p - start);
			memcpy(cmd->id, start, cmd->id_len);
			cmd->id[cmd->id_len] = '\0';
		}
	}
	if (!have_name) {
		*why = "QMP input lacks member 'execute'";
		return -EINVAL;
	}
	return 0;
bad:
	*why = "JSON parse error";
	return -EINVAL;
}
