#!/bin/bash
# SPDX-License-Identifier: MIT
# block-xenpvd add on an image file ("aio:<path>" as libxl writes it):
# physical-device-path is the resolved file, no physical-device (no loop
# device is set up), hotplug-status connected; "raw:" and bare paths too.
. ./functions.sh
. "$top_srcdir/tests/blk/test-hotplug-common.sh"
hotplug_setup
truncate -s 1M "$WORLD/disk.img"
ln -s disk.img "$WORLD/link.img"
hotplug_backend "aio:$WORLD/link.img" w
hotplug_run add || fail "add failed: $(cat "$WORLD/hotplug.err")"
[ "$(be_read hotplug-status)" = connected ] || fail "hotplug-status"
[ "$(be_read physical-device-path)" = "$(readlink -f "$WORLD/disk.img")" ] ||
	fail "physical-device-path $(be_read physical-device-path)"
be_read physical-device >/dev/null && fail "physical-device for a file"
be_read hotplug-error >/dev/null && fail "hotplug-error written"
for p in "raw:$WORLD/disk.img" "$WORLD/disk.img"; do
	xenstore-rm "$BE/hotplug-status"
	hotplug_backend "$p" r
	hotplug_run add || fail "add '$p' failed: $(cat "$WORLD/hotplug.err")"
	[ "$(be_read hotplug-status)" = connected ] || fail "'$p': status"
done
