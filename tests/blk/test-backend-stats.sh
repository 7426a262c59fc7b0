#!/bin/bash
# SPDX-License-Identifier: MIT
# Statistics count indirect requests and segments while running; SIGTERM
# stops the daemon without writing Closing or Closed.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup
make_image "$WORLD/disk.img" 16
attach 51712 "$WORLD/disk.img" w
raw 51712 "$WORLD/disk.img" indirect=256 || fail "indirect I/O"
j=$(xpvd_stats)
[ "$(stat_of "$j" indirect)" -ge 2 ] || fail "indirect not counted: $j"
[ "$(stat_of "$j" segs_65_256)" -ge 2 ] || fail "segments not counted: $j"
[ "$(stat_of "$j" errors)" = 0 ] || fail "errors counted: $j"
if [ -x "$top_builddir/tools/xenpvctl" ]; then
	"$top_builddir/tools/xenpvctl" stats --socket "$XPVD_SOCK" | grep -q 51712 ||
		fail "xenpvctl stats"
fi
kill -TERM $XPVD_PID
wait $XPVD_PID || fail "xenpvd exited with $?"
[ "$(xenstore-read /local/domain/0/backend/qdisk/$GUEST/51712/state)" = 4 ] ||
	fail "state changed on SIGTERM"
