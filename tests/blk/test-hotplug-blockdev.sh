#!/bin/bash
# SPDX-License-Identifier: MIT
# block-xenpvd add on a block device (a loop device; skipped where none
# can be made): physical-device is its hex MAJOR:MINOR, as Xen's block
# script writes it, physical-device-path the device.
. ./functions.sh
. "$top_srcdir/tests/blk/test-hotplug-common.sh"
hotplug_setup
requires which losetup
truncate -s 1M "$WORLD/disk.img"
loop=$(losetup -f --show "$WORLD/disk.img" 2>/dev/null) ||
	skip "no loop device here"
cleanup_fn "losetup -d '$loop'"
hotplug_backend "phy:$loop" w
hotplug_run add || fail "add failed: $(cat "$WORLD/hotplug.err")"
[ "$(be_read hotplug-status)" = connected ] || fail "hotplug-status"
[ "$(be_read physical-device-path)" = "$loop" ] || fail "physical-device-path"
maj=$(printf '%x' $((0x$(stat -c %t "$loop"))))
min=$(printf '%x' $((0x$(stat -c %T "$loop"))))
[ "$(be_read physical-device)" = "$maj:$min" ] ||
	fail "physical-device $(be_read physical-device), expected $maj:$min"
