#!/bin/bash
# SPDX-License-Identifier: MIT
# block-xenpvd add refuses mode w on a target that cannot be written (a
# read-only loop device; and a read-only file when not root, since root
# may write any file) and accepts mode r on it.
. ./functions.sh
. "$top_srcdir/tests/blk/test-hotplug-common.sh"
hotplug_setup
truncate -s 1M "$WORLD/disk.img"
if [ "$(id -u)" != 0 ]; then
	chmod 0444 "$WORLD/disk.img"
	target=$WORLD/disk.img
else
	requires which losetup
	loop=$(losetup -r -f --show "$WORLD/disk.img" 2>/dev/null) ||
		skip "no read-only loop device here"
	cleanup_fn "losetup -d '$loop'"
	target=$loop
fi
hotplug_backend "aio:$target" w
hotplug_run add && fail "mode w on read-only $target succeeded"
[ "$(be_read hotplug-status)" = error ] || fail "no error status"
be_read hotplug-error | grep -q "not writable\|read-only" ||
	fail "hotplug-error: $(be_read hotplug-error)"
xenstore-rm "$BE/hotplug-status"
hotplug_backend "aio:$target" r
hotplug_run add || fail "mode r failed: $(cat "$WORLD/hotplug.err")"
[ "$(be_read hotplug-status)" = connected ] || fail "mode r: status"
