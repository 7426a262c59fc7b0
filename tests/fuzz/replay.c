/* SPDX-License-Identifier: MIT */
/*
 * replay.c - runs a fuzz target's LLVMFuzzerTestOneInput() on every file of
 * the given corpus directories (or single files), without libFuzzer.
 *
 * This is how `make check` replays the seed corpus in tests/fuzz/corpus/
 * with any compiler, sanitizers or not.  With no argument it replays
 * "$srcdir/fuzz/corpus/" FUZZ_CORPUS_NAME (the automake harness sets
 * srcdir).  A broken invariant aborts (FUZZ_CHECK), so the test fails with
 * the name of the input printed just before.  Exit 0 when every input ran,
 * 99 when a corpus cannot be read or is empty.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_CORPUS_NAME
#error "FUZZ_CORPUS_NAME names the corpus directory of this target"
#endif

/* Inputs of more than this are not ours (libFuzzer's default -max_len is
 * 4096; the targets take at most a few pages). */
#define REPLAY_MAX_INPUT (1u << 20)

static int run_file(const char *path)
{
	unsigned char *buf, *in;
	size_t n;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	buf = fuzz_alloc(REPLAY_MAX_INPUT);
	n = fread(buf, 1, REPLAY_MAX_INPUT, f);
	if (ferror(f) || !feof(f)) {
		fprintf(stderr, "%s: unreadable or larger than %u bytes\n",
			path, REPLAY_MAX_INPUT);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	/* An exactly sized copy, as libFuzzer gives, for ASan's sake. */
	in = fuzz_alloc(n);
	memcpy(in, buf, n);
	free(buf);
	fprintf(stderr, "replay %s (%zu bytes)\n", path, n);
	LLVMFuzzerTestOneInput(in, n);
	free(in);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, in name order (reproducible logs).  Returns
 * the number run, or -1. */
static int run_dir(const char *dir)
{
	char **names = NULL, *path;
	size_t nr = 0, i;
	struct dirent *de;
	int ran = 0;
	DIR *d;

	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char **grown;

		if (de->d_name[0] == '.')
			continue;
		grown = realloc(names, (nr + 1) * sizeof(*names));
		if (grown == NULL)
			abort();
		names = grown;
		names[nr] = strdup(de->d_name);
		if (names[nr] == NULL)
			abort();
		nr++;
	}
	closedir(d);
	if (nr)
		qsort(names, nr, sizeof(*names), cmp_names);
	for (i = 0; i < nr; i++) {
		struct stat st;

		if (asprintf(&path, "%s/%s", dir, names[i]) < 0)
			abort();
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) < 0)
				ran = -1;
			else if (ran >= 0)
				ran++;
		}
		free(path);
		free(names[i]);
	}
	free(names);
	return ran;
}

static int run_arg(const char *arg)
{
	struct stat st;

	if (stat(arg, &st) < 0) {
		fprintf(stderr, "%s: %s\n", arg, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return run_dir(arg);
	return run_file(arg) < 0 ? -1 : 1;
}

int main(int argc, char **argv)
{
	const char *srcdir = getenv("srcdir");
	int i, n, total = 0;
	char *dflt;

	if (argc > 1) {
		for (i = 1; i < argc; i++) {
			n = run_arg(argv[i]);
			if (n < 0)
				return 99;
			total += n;
		}
	} else {
		if (asprintf(&dflt, "%s/fuzz/corpus/%s",
			     srcdir ? srcdir : ".", FUZZ_CORPUS_NAME) < 0)
			return 99;
		total = run_dir(dflt);
		free(dflt);
		if (total < 0)
			return 99;
	}
	if (total == 0) {
		fprintf(stderr, "no input to replay\n");
		return 99;
	}
	fprintf(stderr, "%d inputs replayed, every invariant held\n", total);
	return 0;
}
