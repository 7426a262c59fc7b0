#!/bin/bash
# SPDX-License-Identifier: MIT
# A hotplug script that fails: `xenpvctl attach --script` exits 1 naming
# the script's hotplug-error and removes the disk again (as libxl does);
# xenpvd survives and serves the next, good disk of the same guest.
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
blk_vbd_setup
be=/local/domain/0/backend/vbd/1/$DEVID
fe=/local/domain/1/device/vbd/$DEVID

if out=$("$CTL" attach --domid 1 --target "$WORLD/missing.img" --type vbd \
	--script "$HOTPLUG" --wait 20 2>&1); then
	fail "attach of a missing target succeeded: $out"
fi
echo "attach: $out"
grep -q "missing.img does not exist" <<<"$out" ||
	fail "the script's hotplug-error is not reported"
xenstore-read "$be/state" 2>/dev/null && fail "backend directory left"
xenstore-read "$fe/state" 2>/dev/null && fail "frontend directory left"
blk_alive

blk_attach 1 "$WORLD/d.img" --type vbd --script "$HOTPLUG" ||
	fail "attach of a good disk after the failure"
out=$(blk_ctl_guest 1 io --devid $DEVID --size 1M --verify 2>&1) ||
	fail "guest I/O: $out"
blk_detach 1 || fail "detach"
blk_alive
exit 0
