#!/bin/bash
# SPDX-License-Identifier: MIT
# Restarting xenpvd under a vif in use: libxenpvfront's netfront
# (test-net-io --until, in guest 1) sends test frames without pause and
# checks every echo (net-host-echo on the TAP vif1.0) byte for byte
# while xenpvd is restarted.
#  - SIGTERM, 4 times: the daemon hands the rings over and its successor
#    reattaches at their indices ("reattached:" in its log), the states
#    never leave Connected, the frontend never reconnects, the TAP and its
#    bridge port stay; only echoes the host sent while no daemon held the
#    TAP may be lost (counted, a few per restart at most).
#  - SIGKILL, then a start: no record, so the successor asks the
#    frontend to reconnect, which it does; frames flow again.
# Each phase ends with frames flowing through the last daemon, checked.
. ./functions.sh
. "$top_srcdir/tests/frontend/test-net-echo-common.sh"
requires which python3
net_echo_setup --debug=dev --net-max-queues=2
BE=/local/domain/0/backend/vif/1/0
FE=/local/domain/1/device/vif/0
TAP_IDX=$(in_ns cat /sys/class/net/vif1.0/ifindex) || fail "no vif1.0"

# Frames this daemon's vif has sent to the TAP (its stats).
tx_packets() {
	in_ns "$CTL" stats --json --socket "$XPVD_SOCK" 2>/dev/null |
		python3 -c 'import json,sys
v=json.load(sys.stdin)["vifs"]
print(v[0]["tx_packets"] if v else 0)' 2>/dev/null || echo 0
}

# Waits until the running daemon has passed at least N more frames.
wait_traffic() {
	local n=$1 v
	for _ in $(seq 400); do
		v=$(tx_packets)
		[ "${v:-0}" -ge "$n" ] && return 0
		kill -0 "$GPID" 2>/dev/null || fail "guest ended: $(cat "$T/g.out")"
		sleep 0.05
	done
	fail "no traffic through daemon $XPVD_PID ($v frames)"
}

# The running daemon has the device Connected: its own log line, and
# both states 4.
wait_line() {
	local re=$1
	for _ in $(seq 400); do
		grep -Eq "xenpvd\[$XPVD_PID\] .*$re" "$XPVD_LOG" 2>/dev/null &&
			[ "$(xenstore-read $BE/state 2>/dev/null)" = 4 ] &&
			[ "$(xenstore-read $FE/state 2>/dev/null)" = 4 ] &&
			return 0
		sleep 0.05
	done
	cat "$T/g.out"
	fail "daemon $XPVD_PID: no '$re' (be $(xenstore-read $BE/state 2>&1)," \
		"fe $(xenstore-read $FE/state 2>&1))"
}

# guest LABEL ARGS...: test-net-io --until in the background.
guest() {
	local label=$1
	shift
	rm -f "$T/stop"
	# In xenpvd's namespace: the sim's event channels are abstract unix
	# sockets, which a namespace boundary does not cross.
	in_guest_bg 1 ip netns exec "$NS" "$IO" --devid 0 --loose \
		--max-plain 1514 --ignore-other --queues 2 --expect-queues 2 \
		--sizes 60,1514,9000,65535 --offloads --until "$T/stop" "$@" \
		>"$T/g.out" 2>&1
	GPID=$IN_GUEST_PID
	track_pid "$GPID"
	echo "--- $label"
}

guest_end() {
	touch "$T/stop"
	wait "$GPID" || fail "test-net-io exited $?: $(cat "$T/g.out")"
	cat "$T/g.out"
	grep -q '^passes [1-9]' "$T/g.out" || fail "no pass completed"
}

# ---- SIGTERM: hand-over ----
guest term --expect-reconnects-max 0 --lossy-ms 1000
wait_traffic 50
for i in 1 2 3 4; do
	kill -TERM "$XPVD_PID"
	wait "$XPVD_PID" || fail "xenpvd exited $? on SIGTERM"
	[ "$(xenstore-read $BE/state)" = 4 ] || fail "backend left Connected"
	# The persistent TAP, on its bridge, while no daemon holds it.
	[ "$(in_ns cat /sys/class/net/vif1.0/ifindex 2>/dev/null)" = "$TAP_IDX" ] ||
		fail "vif1.0 gone or recreated during the restart"
	in_ns ip -o link show vif1.0 | grep -q 'master xpvbr0' ||
		fail "vif1.0 left the bridge"
	start_sim_xenpvd --debug=dev --type=vif --net-max-queues=2
	wait_line 'reattached: 2 queue'
	wait_traffic 50
	echo "restart $i: reattached, $(tx_packets) frames through the successor"
done
guest_end
lost=$(sed -n 's/^passes [0-9]* lost \([0-9]*\) .*/\1/p' "$T/g.out")
[ "${lost:-99}" -le 40 ] || fail "$lost echoes lost over 4 restarts"
grep -q 'reconnects 0 ' "$T/g.out" || fail "the frontend reconnected"

# ---- SIGKILL: no record, the frontend reconnects ----
guest kill --lossy-ms 1000
wait_traffic 50
kill -KILL "$XPVD_PID"
wait "$XPVD_PID" 2>/dev/null
start_sim_xenpvd --debug=dev --type=vif --net-max-queues=2
wait_line 'connected: 2 queue'
wait_traffic 50
guest_end
grep -q 'reconnects [1-9]' "$T/g.out" ||
	fail "the frontend did not reconnect after SIGKILL"

in_ns "$CTL" net-detach --domid 1 --devid 0 --timeout 10 >/dev/null ||
	fail "xenpvctl net-detach"
kill -0 "$XPVD_PID" || fail "xenpvd died"
exit 0
