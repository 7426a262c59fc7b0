/* SPDX-License-Identifier: MIT */
/*
 * safefile.c - directories and files xenpvd makes where another user
 * might have planted something first (see safefile.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safefile.h"

/* 0 when st is a directory only we may change. */
static int dir_ours(const struct stat *st)
{
	if (!S_ISDIR(st->st_mode))
		return -ENOTDIR;
	if (st->st_uid != geteuid() || (st->st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	return 0;
}

int xpvd_dir_open_safe(int atfd, const char *path, mode_t mode, bool create)
{
	char p[PATH_MAX];
	size_t len = strlen(path);
	struct stat st;
	int fd, err;

	if (!len || len >= sizeof(p))
		return -ENAMETOOLONG;
	/* "dir/" would follow a symlink named dir: drop trailing slashes. */
	memcpy(p, path, len + 1);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	if (create && mkdirat(atfd, p, mode) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(atfd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -ENOTDIR : -errno;
	/* The checks are on what the fd holds, not on a name that can be
	 * swapped after them. */
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	err = dir_ours(&st);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int xpvd_parent_check_safe(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t len;
	int fd;

	if (!slash) {
		snprintf(dir, sizeof(dir), ".");
	} else {
		len = slash == path ? 1 : (size_t)(slash - path);
		if (len >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, len);
		dir[len] = '\0';
	}
	fd = xpvd_dir_open_safe(AT_FDCWD, dir, 0, false);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int xpvd_file_replace(int dirfd, const char *name, const void *buf,
		      size_t len, mode_t mode)
{
	const char *p = buf;
	char tmp[NAME_MAX + 1];
	size_t off = 0;
	ssize_t n;
	int fd, err = 0, k;

	k = snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	if (k < 0 || (size_t)k >= sizeof(tmp))
		return -ENAMETOOLONG;
	/* Ours (the directory is): left by a daemon that died mid-write. */
	if (unlinkat(dirfd, tmp, 0) < 0 && errno != ENOENT)
		return -errno;
	fd = openat(dirfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    mode);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) < 0)
		err = -errno;
	while (!err && off < len) {
		n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			err = n < 0 ? -errno : -EIO;
		else
			off += (size_t)n;
	}
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && renameat(dirfd, tmp, dirfd, name) < 0)
		err = -errno;
	if (err)
		unlinkat(dirfd, tmp, 0);
	return err;
}

ssize_t xpvd_file_read(int dirfd, const char *name, char *buf, size_t size)
{
	struct stat st;
	size_t off = 0;
	ssize_t n;
	int fd, err = 0;

	if (!size)
		return -EINVAL;
	fd = openat(dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -EPERM : -errno;
	if (fstat(fd, &st) < 0)
		err = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
		err = -EPERM;
	while (!err) {
		if (off == size - 1) {
			/* Full: one more byte means it did not fit. */
			char c;

			n = read(fd, &c, 1);
			if (n > 0)
				err = -EFBIG;
			else if (n < 0 && errno != EINTR)
				err = -errno;
			else if (n == 0)
				break;
			continue;
		}
		n = read(fd, buf + off, size - 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		else if (n == 0)
			break;
		else
			off += (size_t)n;
	}
	close(fd);
	if (err)
		return err;
	buf[off] = '\0';
	return (ssize_t)off;
}
