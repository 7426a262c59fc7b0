#!/bin/bash
# SPDX-License-Identifier: MIT
# Issues 14.1 and 14.6: xenpvd (root) makes no socket in a directory that
# others may write (between its unlink() and bind() anyone could put a
# link there); it says so and goes on serving.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
[ -x "$XENPVD" ] || skip "no $XENPVD"
start_sim_world WORLD
xpv_tmpdir T
PUB=$T/pub
mkdir "$PUB" && chmod 1777 "$PUB" || hard_error "mkdir $PUB"
LOG=$WORLD/xenpvd.log
"$XENPVD" --platform=sim --control="$PUB/xenpvd.sock" --log-file="$LOG" &
pid=$!
track_pid $pid
for _ in $(seq 100); do
	grep -q "serving backend" "$LOG" 2>/dev/null && break
	sleep 0.1
done
grep -q "serving backend" "$LOG" || fail "xenpvd did not start: $(cat "$LOG")"
kill -0 $pid 2>/dev/null || fail "xenpvd exited"
[ -e "$PUB/xenpvd.sock" ] && fail "a socket in a world-writable directory"
grep -q "control socket $PUB/xenpvd.sock: its directory is not one only we may write" \
	"$LOG" || fail "no refusal in the log: $(cat "$LOG")"
exit 0
