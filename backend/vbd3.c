/* SPDX-License-Identifier: MIT */
/*
 * vbd3.c - xentop's vbd3 statistics files (see vbd3.h).  The layout is an
 * external binary interface (blktap3's struct vbd3_stats, read by
 * libxenstat since Xen 4.19): only fields are filled, never reordered.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vbd3.h"

_Static_assert(sizeof(struct xpvd_vbd3_stats) == 96,
	       "struct vbd3_stats is 96 bytes");

struct vbd3_file {
	struct vbd3_file *next;
	uint32_t domid, devid;
	bool seen;
};

struct xpvd_vbd3 {
	char dir[256];
	struct vbd3_file *files;
};

void xpvd_vbd3_fill(struct xpvd_vbd3_stats *out, const struct xpvd_qstats *s)
{
	memset(out, 0, sizeof(*out));
	out->version = XPVD_VBD3_VERSION;
	out->read_reqs_completed = s->reads;
	out->write_reqs_completed = s->writes;
	/* The gauge does not say which kind is in flight: count it where
	 * xentop looks (submitted), on the reads. */
	out->read_reqs_submitted = s->reads + s->inflight;
	out->write_reqs_submitted = s->writes;
	out->read_sectors = s->sectors_read;
	out->write_sectors = s->sectors_written;
	out->io_errors = s->errors;
	/* tapdisk adds each request's latency in microseconds (the time from
	 * taking it off the ring to completing it) to these, and readers
	 * divide them by the completed counts for a mean: ours are the same
	 * sums, over the same requests as the completed counts above. */
	out->read_total_ticks = s->lat_sum_us[XPVD_LAT_READ];
	out->write_total_ticks = s->lat_sum_us[XPVD_LAT_WRITE];
}

int xpvd_vbd3_open(const char *base, struct xpvd_vbd3 **out)
{
	struct xpvd_vbd3 *v = calloc(1, sizeof(*v));
	int n;

	if (!v)
		return -ENOMEM;
	n = snprintf(v->dir, sizeof(v->dir), "%s/td3-%d", base, (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(v->dir)) {
		free(v);
		return -ENAMETOOLONG;
	}
	if (mkdir(v->dir, 0755) && errno != EEXIST) {
		n = -errno;
		free(v);
		return n;
	}
	*out = v;
	return 0;
}

static void file_path(const struct xpvd_vbd3 *v, uint32_t domid,
		      uint32_t devid, char *buf, size_t size)
{
	snprintf(buf, size, "%s/vbd-%u-%u", v->dir, domid, devid);
}

void xpvd_vbd3_begin(struct xpvd_vbd3 *v)
{
	struct vbd3_file *f;

	for (f = v->files; f; f = f->next)
		f->seen = false;
}

int xpvd_vbd3_put(struct xpvd_vbd3 *v, uint32_t domid, uint32_t devid,
		  const struct xpvd_qstats *s)
{
	struct xpvd_vbd3_stats st;
	struct vbd3_file *f;
	char path[300], tmp[310];
	ssize_t n;
	int fd, err;

	for (f = v->files; f; f = f->next)
		if (f->domid == domid && f->devid == devid)
			break;
	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f)
			return -ENOMEM;
		f->domid = domid;
		f->devid = devid;
		f->next = v->files;
		v->files = f;
	}
	f->seen = true;
	xpvd_vbd3_fill(&st, s);
	file_path(v, domid, devid, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = write(fd, &st, sizeof(st));
	err = n < 0 ? -errno : (size_t)n != sizeof(st) ? -EIO : 0;
	close(fd);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

void xpvd_vbd3_end(struct xpvd_vbd3 *v)
{
	struct vbd3_file *f, **pp;
	char path[300];

	for (pp = &v->files; (f = *pp);) {
		if (f->seen) {
			pp = &f->next;
			continue;
		}
		*pp = f->next;
		file_path(v, f->domid, f->devid, path, sizeof(path));
		unlink(path);
		free(f);
	}
}

void xpvd_vbd3_close(struct xpvd_vbd3 *v)
{
	if (!v)
		return;
	xpvd_vbd3_begin(v);
	xpvd_vbd3_end(v);
	rmdir(v->dir);
	free(v);
}
