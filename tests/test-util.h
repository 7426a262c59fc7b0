/* SPDX-License-Identifier: MIT */
/*
 * test-util.h - the check macros of the C tests (header only, no config.h).
 *
 * A failed check prints one line on stderr,
 *
 *	FAIL FILE:LINE: EXPRESSION[: MESSAGE][ [WHERE]]
 *
 * and then either ends the test or is counted:
 *
 *	CHECK(cond)			exit(1) when cond is false
 *	CHECK_MSG(cond, fmt, ...)	the same, with a printf message
 *	CHECK_EQ(got, want)		exit(1) unless the two (as long long)
 *					are equal; prints both values
 *	EXPECT(cond)			count the failure in test_failures
 *	EXPECT_MSG(cond, fmt, ...)	and go on; main returns test_status()
 *
 * CHECK* is for a test that cannot go on after a failure (and in forked
 * children, whose exit status is the verdict); EXPECT* for a list of
 * independent checks that should all be reported.  Every check, passed or
 * not, counts in test_nchecks, for a "N checks passed" line.
 * test_where(fmt, ...) says what the test is doing (a case, an ABI, a
 * process); it is printed with every later failure.
 */
#ifndef XENPVD_TESTS_TEST_UTIL_H
#define XENPVD_TESTS_TEST_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Checks evaluated so far, and EXPECT* failures so far. */
static unsigned long test_nchecks __attribute__((unused));
static int test_failures __attribute__((unused));
static char test_where_buf[200] __attribute__((unused));

/* Sets the context printed with later failures ("" for none). */
static inline void __attribute__((format(printf, 1, 2)))
test_where(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(test_where_buf, sizeof(test_where_buf), fmt, ap);
	va_end(ap);
}

/* The end of a failure line: the context, if any, and the newline. */
static inline void test_report_end(void)
{
	if (test_where_buf[0])
		fprintf(stderr, " [%s]", test_where_buf);
	fputc('\n', stderr);
	fflush(stderr);
}

/* Prints the failure line of expr at file:line. */
static inline void test_report(const char *file, int line, const char *expr)
{
	fprintf(stderr, "FAIL %s:%d: %s", file, line, expr);
	test_report_end();
}

/* The same, with a message. */
static inline void __attribute__((format(printf, 4, 5)))
test_reportf(const char *file, int line, const char *expr, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL %s:%d: %s: ", file, line, expr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	test_report_end();
}

/* The exit status of a test made of EXPECT*: 1 if one failed, else 0. */
static inline int test_status(void)
{
	return test_failures ? 1 : 0;
}

#define CHECK(cond)                                                            \
	do {                                                                   \
		test_nchecks++;                                                \
		if (!(cond)) {                                                 \
			test_report(__FILE__, __LINE__, #cond);                \
			exit(1);                                               \
		}                                                              \
	} while (0)

#define CHECK_MSG(cond, ...)                                                   \
	do {                                                                   \
		test_nchecks++;                                                \
		if (!(cond)) {                                                 \
			test_reportf(__FILE__, __LINE__, #cond, __VA_ARGS__);  \
			exit(1);                                               \
		}                                                              \
	} while (0)

#define CHECK_EQ(got, want)                                                    \
	do {                                                                   \
		long long test_got_ = (long long)(got);                        \
		long long test_want_ = (long long)(want);                      \
		test_nchecks++;                                                \
		if (test_got_ != test_want_) {                                 \
			test_reportf(__FILE__, __LINE__, #got " == " #want,    \
				     "%s = %lld, want %lld", #got, test_got_,  \
				     test_want_);                              \
			exit(1);                                               \
		}                                                              \
	} while (0)

#define EXPECT(cond)                                                           \
	do {                                                                   \
		test_nchecks++;                                                \
		if (!(cond)) {                                                 \
			test_report(__FILE__, __LINE__, #cond);                \
			test_failures++;                                       \
		}                                                              \
	} while (0)

#define EXPECT_MSG(cond, ...)                                                  \
	do {                                                                   \
		test_nchecks++;                                                \
		if (!(cond)) {                                                 \
			test_reportf(__FILE__, __LINE__, #cond, __VA_ARGS__);  \
			test_failures++;                                       \
		}                                                              \
	} while (0)

#endif /* XENPVD_TESTS_TEST_UTIL_H */
