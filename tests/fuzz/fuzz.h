/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - what every fuzz target in tests/fuzz/ shares.
 *
 * A target is one LLVMFuzzerTestOneInput() that feeds its input to pure
 * parsing code and checks the invariants of that code's contract with
 * FUZZ_CHECK(), which aborts: a logic bug becomes a crash that libFuzzer
 * (or the replay driver, replay.c) reports, not only memory errors the
 * sanitizers see.  Targets allocate every buffer the code under test reads
 * or writes with exactly the size the contract gives it, so that ASan
 * catches a single byte too far.
 *
 * The same sources build two ways: with clang -fsanitize=fuzzer
 * (--enable-fuzzing, libFuzzer supplies main()) and with any compiler
 * against replay.c, which `make check` uses to replay the seed corpus.
 */
#ifndef XENPVD_TESTS_FUZZ_H
#define XENPVD_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort, naming the broken invariant, when cond is false.  Not assert():
 * it must hold in every build, NDEBUG or not. */
#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant broken: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* A cursor over the fuzz input; reads past the end give zeros, so every
 * input, however short, is a complete test case. */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	uint8_t v = 0;

	if (in->left) {
		v = *in->p++;
		in->left--;
	}
	return v;
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
	uint16_t lo = fuzz_u8(in);

	return (uint16_t)(lo | fuzz_u8(in) << 8);
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
	uint32_t lo = fuzz_u16(in);

	return lo | (uint32_t)fuzz_u16(in) << 16;
}

/* Copy up to len input bytes to buf, zero-fill the rest.  (Whole-buffer
 * calls rather than byte loops: the harness is instrumented too, and its
 * loops must not eat the fuzzer's time.) */
static inline void fuzz_bytes(struct fuzz_in *in, void *buf, size_t len)
{
	size_t n = len < in->left ? len : in->left;

	memcpy(buf, in->p, n);
	memset((uint8_t *)buf + n, 0, len - n);
	in->p += n;
	in->left -= n;
}

/* True when the len bytes at p all equal c. */
static inline int fuzz_all(const void *p, int c, size_t len)
{
	const uint8_t *b = p;

	return len == 0 || (b[0] == (uint8_t)c && !memcmp(b, b + 1, len - 1));
}

/* A heap buffer of exactly len bytes (ASan redzones on both sides); at
 * least one byte is allocated so that len 0 is not NULL. */
static inline void *fuzz_alloc(size_t len)
{
	void *p = malloc(len ? len : 1);

	if (p == NULL)
		abort();
	return p;
}

#endif /* XENPVD_TESTS_FUZZ_H */
