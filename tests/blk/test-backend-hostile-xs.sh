#!/bin/bash
# SPDX-License-Identifier: MIT
# Hostile frontend keys (ring-page-order above the maximum, too many
# queues) close that device with an error node; the daemon goes on.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup --max-ring-page-order=1 --max-queues=2
make_image "$WORLD/disk.img" 16
be=/local/domain/0/backend/qdisk/$GUEST
attach 51712 "$WORLD/disk.img" w
XPV_TEST_HOSTILE=1 raw 51712 "$WORLD/disk.img" --order 3 rw
[ $? = 3 ] || fail "ring-page-order 3 was not refused"
xenstore-read $be/51712/error | grep -q ring-page-order || fail "no error node"
[ "$(xenstore-read $be/51712/state)" = 5 ] || fail "not Closing"
attach 51728 "$WORLD/disk.img" w
XPV_TEST_HOSTILE=1 raw 51728 "$WORLD/disk.img" --queues 4 rw
[ $? = 3 ] || fail "4 queues were not refused"
xenstore-read $be/51728/error | grep -q queues || fail "no error node (queues)"
make_image "$WORLD/ok.img" 16
attach 51744 "$WORLD/ok.img" w
raw 51744 "$WORLD/ok.img" --order 1 --queues 2 rw || fail "a sane VBD"
xpvd_alive
