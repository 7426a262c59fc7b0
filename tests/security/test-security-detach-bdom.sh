#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14.5: without a toolstack record, xenpvctl detach follows the
# guest's `backend` node only to a backend directory of this device in
# the expected backend domain (dom0 unless --backend-domid): one in the
# guest's own tree is refused, and nothing of the guest's runs.
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
. "$top_srcdir/tests/security/detach-plant.sh"
detach_plant
xenstore-rm "/libxl/1/device/vbd/$DEVID" 2>/dev/null || true
if out=$("$CTL" detach --domid 1 --timeout 2 --force 2>&1); then
	fail "detach followed the guest's backend path: $out"
fi
grep -q "not a backend directory of this device" <<<"$out" ||
	fail "the refusal does not say why: $out"
detach_plant_untouched
[ "$(xenstore-read "$BE/state")" = 2 ] || fail "the real backend changed"
# Naming the type does not make it follow the pointer either.
"$CTL" detach --domid 1 --timeout 5 --type vbd >/dev/null 2>&1 &&
	fail "detach followed the guest's pointer with --type too"
blk_alive
exit 0
