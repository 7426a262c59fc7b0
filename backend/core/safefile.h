/* SPDX-License-Identifier: MIT */
/*
 * safefile.h - the files xenpvd (root) makes in directories it does not
 * own alone: xentop's statistics under /dev/shm, the hand-over records in
 * the state directory, the control and QMP sockets.
 *
 * The attacker is another dom0 user who can write to a parent directory
 * (/dev/shm is world-writable) and plant a directory, a symlink or a FIFO
 * under a name xenpvd will use, hoping root writes through it.  So:
 * - a directory is used only if it is a real directory (never through a
 *   symlink at its last component), owned by the effective user and not
 *   writable by group or others, and it is then held by an fd, so that
 *   nothing resolves its path again;
 * - files are made beside their final name with O_CREAT|O_EXCL|O_NOFOLLOW
 *   and renamed over it (readers see the old or the new content, never a
 *   torn one), and read with O_NOFOLLOW|O_NONBLOCK, regular files only.
 *
 * Nothing here logs: errors are -errno, for the caller to say what it
 * refused.
 */
#ifndef XENPVD_BACKEND_SAFEFILE_H
#define XENPVD_BACKEND_SAFEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Opens the directory path (relative to atfd, or AT_FDCWD), making it with
 * mode first when create is true and it does not exist.  Returns an
 * O_DIRECTORY|O_CLOEXEC fd, or -errno:
 *   -ENOTDIR  path's last component is a symlink or not a directory;
 *   -EPERM    it is owned by another user, or group/other-writable;
 *   other     what mkdir/open said.
 * An existing directory is accepted when it passes these checks (one left
 * by an earlier daemon of ours, say).  Symlinks in the components before
 * the last are followed: they were there before us (/var/run -> /run).
 */
int xpvd_dir_open_safe(int atfd, const char *path, mode_t mode, bool create);

/*
 * Whether the directory holding path (its dirname, "." without a slash)
 * is one a daemon may make and remove names in (as xpvd_dir_open_safe()
 * would accept it).  0 or -errno as xpvd_dir_open_safe().  For sockets,
 * which have no *at() bind.
 */
int xpvd_parent_check_safe(const char *path);

/*
 * Replaces dirfd/name with len bytes of buf, mode mode: writes
 * "name.tmp" made with O_CREAT|O_EXCL|O_NOFOLLOW (a stale one of ours is
 * removed first), then renames it over name.  0 or -errno; nothing is
 * left behind on failure.
 */
int xpvd_file_replace(int dirfd, const char *name, const void *buf,
		      size_t len, mode_t mode);

/*
 * Reads dirfd/name into buf (at most size - 1 bytes, NUL-terminated)
 * without following a symlink or blocking on a FIFO: only a regular file
 * owned by the effective user is read.  The count, or -errno (-ENOENT:
 * none; -EPERM: not a regular file of ours; -EFBIG: longer than size - 1).
 */
ssize_t xpvd_file_read(int dirfd, const char *name, char *buf, size_t size);

#endif
