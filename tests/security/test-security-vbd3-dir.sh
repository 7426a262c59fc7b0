#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14.1: a user plants td3-<next pid> as a symlink to a directory of
# theirs; xenpvd (root) must not create files there.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
. "$top_srcdir/tests/security/vbd3-plant.sh"
vbd3_plant_start dir
made=$(ls -A "$EVIL")
[ -z "$made" ] || fail "root made files in the planted directory: $made"
vbd3_plant_check_refused
kill -TERM $XPVD_PID
wait $XPVD_PID || fail "xenpvd exited with $?"
[ -L "$PLANTED" ] || fail "the planted link was removed or replaced"
exit 0
