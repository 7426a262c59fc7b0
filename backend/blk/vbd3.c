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

#include "safefile.h"
#include "vbd3.h"

_Static_assert(sizeof(struct xpvd_vbd3_stats) == 96,
	       "struct vbd3_stats is 96 bytes");

struct vbd3_file {
	struct vbd3_file *next;
	uint32_t domid, devid;
	bool seen;
};

struct xpvd_vbd3 {
	int base_fd;		/* the base directory (/dev/shm) */
	int dir_fd;		/* td3-<pid> in it, checked ours (safefile.h) */
	char name[32];		/* "td3-<pid>" */
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
	int err;

	if (!v)
		return -ENOMEM;
	v->dir_fd = -1;
	snprintf(v->name, sizeof(v->name), "td3-%d", (int)getpid());
	/* The base is world-writable (/dev/shm): someone may have made
	 * td3-<our pid> before us, or a symlink of that name.  Only a
	 * directory of ours is used, and only through an fd. */
	v->base_fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (v->base_fd < 0) {
		err = -errno;
		free(v);
		return err;
	}
	err = xpvd_dir_open_safe(v->base_fd, v->name, 0755, true);
	if (err < 0) {
		close(v->base_fd);
		free(v);
		return err;
	}
	v->dir_fd = err;
	*out = v;
	return 0;
}

static void file_name(uint32_t domid, uint32_t devid, char *buf, size_t size)
{
	snprintf(buf, size, "vbd-%u-%u", domid, devid);
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
	char name[40];

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
	file_name(domid, devid, name, sizeof(name));
	return xpvd_file_replace(v->dir_fd, name, &st, sizeof(st), 0644);
}

void xpvd_vbd3_end(struct xpvd_vbd3 *v)
{
	struct vbd3_file *f, **pp;
	char name[40];

	for (pp = &v->files; (f = *pp);) {
		if (f->seen) {
			pp = &f->next;
			continue;
		}
		*pp = f->next;
		file_name(f->domid, f->devid, name, sizeof(name));
		unlinkat(v->dir_fd, name, 0);
		free(f);
	}
}

void xpvd_vbd3_close(struct xpvd_vbd3 *v)
{
	if (!v)
		return;
	xpvd_vbd3_begin(v);
	xpvd_vbd3_end(v);
	close(v->dir_fd);
	unlinkat(v->base_fd, v->name, AT_REMOVEDIR);
	close(v->base_fd);
	free(v);
}
