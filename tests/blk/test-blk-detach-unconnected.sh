#!/bin/bash
# SPDX-License-Identifier: MIT
# The toolstack detaches a disk whose guest never connected (frontend
# Initialising): online = 0, backend Closing.  xenpvd answers Closed and
# stays there, whatever the frontend's state node does meanwhile, until the
# toolstack removes the directory: going back to InitWait ("the frontend
# starts over") made xenpvctl detach miss its Closed and time out.
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
blk_setup
blk_guest 1
blk_image "$WORLD/d.img" 4
blk_attach 1 "$WORLD/d.img" || fail "attach"
BE=/local/domain/0/backend/qdisk/1/$DEVID
FE=/local/domain/1/device/vbd/$DEVID
[ "$(xenstore-read "$FE/state")" = 1 ] || hard_error "frontend not Initialising"
xenstore-write "$BE/online" 0 "$BE/state" 5 || hard_error "toolstack write"
wait_xs "$BE/state" 6 || fail "no Closed: state $XS_LAST"
# The guest touches its state node (as a frontend starting up does).
in_guest 1 xenstore-write "$FE/state" 1 || hard_error "guest write"
for _ in $(seq 20); do
	st=$(xenstore-read "$BE/state")
	[ "$st" = 6 ] || fail "backend left Closed for state $st while online = 0"
	sleep 0.05
done
blk_alive
exit 0
