#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14.1: a user plants td3-<next pid>/vbd-<domid>-<devid>.tmp as a
# symlink to a file of root's; xenpvd (root) must not truncate or write
# it: the planted directory is not ours, so it is refused.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
. "$top_srcdir/tests/security/vbd3-plant.sh"
vbd3_plant_start file
[ "$(cat "$VICTIM")" = precious ] ||
	fail "root wrote through the planted symlink: $(od -c "$VICTIM" | head -3)"
[ -L "$PLANTED/vbd-$GUEST-51712.tmp" ] || fail "the planted link was replaced"
vbd3_plant_check_refused
[ "$(cat "$VICTIM")" = precious ] || fail "victim changed later"
exit 0
