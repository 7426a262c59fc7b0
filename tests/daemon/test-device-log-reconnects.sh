#!/bin/bash
# SPDX-License-Identifier: MIT
# A guest that connects and disconnects a disk over and over cannot flood
# xenpvd's log: each connection works, but its "connected" and
# "disconnected" info lines are rate-limited per device (at most 10 per
# 5 s at info level; the rest at debug level, where all of them are).
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
N=${N:-25}
backend_setup
make_image "$WORLD/disk.img" 4
attach 51712 "$WORLD/disk.img" w
BE=/local/domain/0/backend/qdisk/$GUEST/51712
t0=$SECONDS
CTL=$top_builddir/tools/xenpvctl
[ -x "$CTL" ] || skip "no $CTL"
for i in $(seq "$N"); do
	# libxenpvfront connects, writes and reads back, and closes.
	as_guest "$CTL" io --devid 51712 --size 64K --verify >/dev/null ||
		fail "connection $i failed"
done
elapsed=$((SECONDS - t0 + 1))
xpvd_alive
info=$(grep -c " info dev: $BE: connected:" "$XPVD_LOG")
dbg=$(grep -c " debug dev: $BE: connected:" "$XPVD_LOG")
allowed=$(( (elapsed / 5 + 1) * 10 ))
echo "$N connections in ${elapsed}s: $info at info level, $dbg at debug"
[ $((info + dbg)) = "$N" ] || fail "$((info + dbg)) connections logged, not $N"
[ "$info" -le "$allowed" ] || fail "$info info lines in ${elapsed}s (at most $allowed)"
[ "$info" -lt "$N" ] || fail "nothing was rate-limited ($info of $N)"
exit 0
