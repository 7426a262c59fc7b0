#!/bin/bash
# SPDX-License-Identifier: MIT
# SIGTERM hands the devices over: xenpvd drains and exits 0 leaving both
# XenStore states at 4 (Connected) and a handoff file; a new xenpvd
# reattaches the rings (no reconnect: the guest's reconnect count stays 0)
# and serves the same guest, whose acknowledged writes all read back.
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
GUEST_BIN=$top_builddir/tests/blk/restart-guest
[ -x "$GUEST_BIN" ] || skip "no restart-guest"
FE=/local/domain/1/device/vbd/$DEVID/state

blk_setup
blk_guest 1
blk_image "$WORLD/disk.img" 16
blk_attach 1 "$WORLD/disk.img" || fail "attach"
blk_restart_guest 1 120
sub=$GUEST_SUB gpid=$GUEST_PID
sleep 0.5
kill -TERM $XPVD_PID
wait $XPVD_PID || fail "xenpvd exited with $? on SIGTERM"
[ "$(blk_be_state 1)" = 4 ] || fail "backend state $(blk_be_state 1)"
[ "$(xenstore-read $FE)" = 4 ] || fail "frontend state $(xenstore-read $FE)"
ls "$WORLD"/xenpvd-handoff-qdisk-1-$DEVID >/dev/null ||
	fail "no handoff file"
sleep 0.3 # the guest keeps submitting meanwhile
start_sim_xenpvd --debug=dev
for _ in $(seq 100); do
	grep -q 'reattached' "$XPVD_LOG" && break
	sleep 0.05
done
grep -q 'reattached' "$XPVD_LOG" || fail "the new xenpvd did not reattach"
[ ! -e "$WORLD"/xenpvd-handoff-qdisk-1-$DEVID ] || fail "handoff file kept"
sleep 0.5
kill -USR1 $gpid
for _ in $(seq 300); do
	kill -0 $gpid 2>/dev/null || break
	sleep 0.1
done
grc=0
wait $sub || grc=$?
line=$(grep '^guest:' "$OUT") || fail "no summary: $(cat "$OUT")"
echo "$line"
[ "$grc" = 0 ] || fail "guest exit $grc: $(cat "$OUT")"
[ "$(blk_field "$line" reconnects)" = 0 ] || fail "the guest reconnected"
[ "$(blk_field "$line" lost)" = 0 ] || fail "$line"
blk_alive
exit 0
