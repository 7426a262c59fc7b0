#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14.5: xenpvctl detach goes by the toolstack's own record of the
# device (/libxl/<domid>/device/vbd/<devid>, dom0's), not by the guest's
# `backend` node: a guest pointing it at a backend directory of its own
# (another backend domain: its own) detaches the real disk, and nothing
# of the guest's runs.
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
. "$top_srcdir/tests/security/detach-plant.sh"
detach_plant
[ "$(xenstore-read "/libxl/1/device/vbd/$DEVID/backend")" = "$BE" ] ||
	fail "xenpvctl attach kept no record of the backend"
out=$("$CTL" detach --domid 1 --timeout 5 2>&1) || fail "detach: $out"
detach_plant_untouched
xenstore-read "$BE/state" >/dev/null 2>&1 && fail "the real disk is still there"
xenstore-read "/libxl/1/device/vbd/$DEVID/backend" >/dev/null 2>&1 &&
	fail "the record outlived the device"
blk_alive
exit 0
