/* SPDX-License-Identifier: MIT */
/*
 * blk-ro-io.c - a guest's view of a read-only VBD, for
 * test-blk-readonly-mode.sh:
 *
 *   blk-ro-io mkimage PATH MIB
 *       (dom0) writes an image whose every byte is pattern(offset), so a
 *       guest can check what it reads without a copy of the image.
 *   blk-ro-io check --devid D
 *       (guest) opens VBD D through libxenpvfront and checks that it says
 *       READONLY, that the whole disk reads back as pattern(offset), that a
 *       write and a discard each fail with an error (whichever the library
 *       or the backend gives), and that the disk still reads as before.
 *       Prints "ro: ok readonly=1 read_bytes=N write=-E discard=-E".
 *
 * Exit 0 when everything was as expected, 1 otherwise, 2 on usage errors.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenpvfront.h"

#define CHUNK (1u << 20)

static unsigned char pattern(uint64_t off)
{
	uint64_t x = off * 0x9e3779b97f4a7c15ull;

	return (unsigned char)((x >> 32) ^ (off >> 9));
}

static int mkimage(const char *path, const char *mib_s)
{
	unsigned long mib = strtoul(mib_s, NULL, 10), i, j;
	unsigned char *buf;
	FILE *f;
	int rc = 1;

	buf = malloc(CHUNK);
	f = fopen(path, "wb");
	if (!buf || !f || !mib)
		goto out;
	for (i = 0; i < mib; i++) {
		for (j = 0; j < CHUNK; j++)
			buf[j] = pattern((uint64_t)i * CHUNK + j);
		if (fwrite(buf, CHUNK, 1, f) != 1)
			goto out;
	}
	rc = 0;
out:
	if (f && fclose(f))
		rc = 1;
	if (rc)
		fprintf(stderr, "blk-ro-io: cannot write %s\n", path);
	free(buf);
	return rc;
}

/* Reads the whole disk and checks it; bytes read or -errno / -EILSEQ. */
static int64_t read_all(struct xpvf *h, uint64_t size, unsigned char *buf)
{
	uint64_t off, n, i;
	int64_t r;

	for (off = 0; off < size; off += n) {
		n = size - off < CHUNK ? size - off : CHUNK;
		r = xpvf_pread(h, buf, n, off);
		if (r < 0)
			return r;
		if ((uint64_t)r != n)
			return -EIO;
		for (i = 0; i < n; i++) {
			if (buf[i] != pattern(off + i)) {
				fprintf(stderr, "blk-ro-io: byte %" PRIu64
						" differs\n", off + i);
				return -EILSEQ;
			}
		}
	}
	return (int64_t)size;
}

static int check(unsigned int devid)
{
	struct xpvf_info info;
	struct xpvf *h = NULL;
	unsigned char *buf;
	int64_t r, w;
	uint64_t size;
	int err, d, rc = 1;

	buf = malloc(CHUNK);
	if (!buf)
		return 1;
	err = xpvf_open(&h, XPVF_DOMID_SELF, devid, NULL);
	if (err < 0) {
		fprintf(stderr, "blk-ro-io: open: %s\n", strerror(-err));
		goto out;
	}
	xpvf_info(h, &info);
	size = info.sectors * 512;
	if (!info.readonly) {
		fprintf(stderr, "blk-ro-io: disk not READONLY\n");
		goto out;
	}
	r = read_all(h, size, buf);
	if (r < 0) {
		fprintf(stderr, "blk-ro-io: read: %s\n", strerror((int)-r));
		goto out;
	}
	memset(buf, 0xee, 4096);
	w = xpvf_pwrite(h, buf, 4096, 0);
	if (w >= 0) {
		fprintf(stderr, "blk-ro-io: a write succeeded\n");
		goto out;
	}
	d = xpvf_discard(h, 0, 4096);
	if (d >= 0) {
		fprintf(stderr, "blk-ro-io: a discard succeeded\n");
		goto out;
	}
	r = read_all(h, size, buf);
	if (r < 0) {
		fprintf(stderr, "blk-ro-io: read after write: %s\n",
			strerror((int)-r));
		goto out;
	}
	printf("ro: ok readonly=%d read_bytes=%" PRId64 " write=%" PRId64
	       " discard=%d\n", info.readonly, r, w, d);
	rc = 0;
out:
	xpvf_close(h);
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long devid;
	char *end;

	if (argc == 4 && !strcmp(argv[1], "mkimage"))
		return mkimage(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "check") &&
	    !strcmp(argv[2], "--devid")) {
		errno = 0;
		devid = strtoul(argv[3], &end, 0);
		if (errno || *end || devid > UINT32_MAX)
			return 2;
		return check((unsigned int)devid);
	}
	fprintf(stderr, "usage: blk-ro-io mkimage PATH MIB | "
			"check --devid D\n");
	return 2;
}
