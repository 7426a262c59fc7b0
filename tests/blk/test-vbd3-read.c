/* SPDX-License-Identifier: MIT */
/*
 * test-vbd3-read.c - reads a vbd3 statistics file as xentop's libxenstat
 * does (one fread of the whole struct, version must be 1) and prints its
 * fields as "name=value" lines.  The layout is written out here on its
 * own, from the reader's side, so that the test checks xenpvd's writer
 * against it rather than against itself.
 *
 *   test-vbd3-read FILE     exit 0 printed, 1 unreadable/short/bad version
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

struct reader_vbd3 {
	uint32_t version;
	uint32_t pad;
	uint64_t oo_reqs;
	uint64_t read_reqs_submitted;
	uint64_t read_reqs_completed;
	uint64_t read_sectors;
	uint64_t read_total_ticks;
	uint64_t write_reqs_submitted;
	uint64_t write_reqs_completed;
	uint64_t write_sectors;
	uint64_t write_total_ticks;
	uint64_t io_errors;
	uint64_t flags;
};

int main(int argc, char **argv)
{
	struct reader_vbd3 s;
	FILE *f;
	long size;

	if (argc != 2)
		return 2;
	f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	if (fread(&s, sizeof(s), 1, f) != 1) {
		fprintf(stderr, "%s: short\n", argv[1]);
		fclose(f);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	if (s.version != 1) {
		fprintf(stderr, "%s: version %" PRIu32 "\n", argv[1], s.version);
		return 1;
	}
	printf("size=%ld\n", size);
	printf("oo_reqs=%" PRIu64 "\n", s.oo_reqs);
	printf("read_reqs_submitted=%" PRIu64 "\n", s.read_reqs_submitted);
	printf("read_reqs_completed=%" PRIu64 "\n", s.read_reqs_completed);
	printf("read_sectors=%" PRIu64 "\n", s.read_sectors);
	printf("write_reqs_submitted=%" PRIu64 "\n", s.write_reqs_submitted);
	printf("write_reqs_completed=%" PRIu64 "\n", s.write_reqs_completed);
	printf("write_sectors=%" PRIu64 "\n", s.write_sectors);
	printf("io_errors=%" PRIu64 "\n", s.io_errors);
	return 0;
}
