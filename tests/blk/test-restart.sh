#!/bin/bash
# SPDX-License-Identifier: MIT
# Restart without loss: a guest does verified writes (restart-guest: a
# write counts only once its response arrived) while xenpvd is restarted
# 20 times, alternating SIGTERM (drain and hand over: the devices stay
# Connected) and SIGKILL (the successor makes the frontend reconnect and
# the library issues its unanswered requests again).  Afterwards every
# acknowledged write reads back correctly and the guest saw no I/O error.
# Ends with: restart: cycles=N acked_writes=N lost=0 io_errors=0
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
GUEST_BIN=$top_builddir/tests/blk/restart-guest
[ -x "$GUEST_BIN" ] || skip "no restart-guest"
CYCLES=${CYCLES:-20}

# Both ends Connected again (bounded).
# Connected again, by the running daemon: right after a SIGKILL the states
# still say 4 (the dead daemon's), and only the new one's log line says it
# took the device over (reattached) or served a reconnect (connected).
wait_connected() {
	local fe=/local/domain/1/device/vbd/$DEVID/state
	for _ in $(seq 300); do
		grep -Eq "xenpvd\[$XPVD_PID\] .*(connected|reattached):" \
			"$XPVD_LOG" 2>/dev/null &&
			[ "$(blk_be_state 1)" = 4 ] &&
			[ "$(xenstore-read $fe 2>/dev/null)" = 4 ] && return 0
		sleep 0.05
	done
	fail "not Connected again after a restart (be $(blk_be_state 1))"
}

blk_setup
blk_guest 1
blk_image "$WORLD/disk.img" 64
blk_attach 1 "$WORLD/disk.img" || fail "attach"

blk_restart_guest 1 600
sub=$GUEST_SUB gpid=$GUEST_PID
wait_connected

terms=0 kills=0
for i in $(seq "$CYCLES"); do
	sleep 0.3
	kill -0 $gpid 2>/dev/null || fail "guest died: $(cat "$OUT")"
	if [ $((i % 2)) = 1 ]; then
		kill -TERM $XPVD_PID
		wait $XPVD_PID || fail "xenpvd exited with $? on SIGTERM"
		[ "$(blk_be_state 1)" = 4 ] ||
			fail "backend state $(blk_be_state 1) after SIGTERM"
		terms=$((terms + 1))
	else
		kill -KILL $XPVD_PID
		wait $XPVD_PID 2>/dev/null
		kills=$((kills + 1))
	fi
	sleep 0.1
	start_sim_xenpvd --debug=dev
	wait_connected
done
sleep 0.3
kill -USR1 $gpid
for _ in $(seq 400); do
	kill -0 $gpid 2>/dev/null || break
	sleep 0.1
done
kill -0 $gpid 2>/dev/null && fail "guest hangs: $(cat "$OUT")"
grc=0
wait $sub || grc=$?
line=$(grep '^guest:' "$OUT") || fail "no summary from the guest: $(cat "$OUT")"
acked=$(blk_field "$line" acked_writes)
lost=$(blk_field "$line" lost)
errs=$(blk_field "$line" io_errors)
echo "guest: $(blk_field "$line" reconnects) reconnects for $kills SIGKILLs"
echo "restart: cycles=$((terms + kills)) acked_writes=$acked lost=$lost io_errors=$errs"
[ "$grc" = 0 ] || fail "guest exit $grc: $(cat "$OUT")"
[ "$lost" = 0 ] && [ "$errs" = 0 ] && [ "${acked:-0}" -gt 0 ] ||
	fail "$line"
[ $((terms + kills)) -ge 20 ] || [ "$CYCLES" -lt 20 ] || fail "cycles"
blk_alive
exit 0
