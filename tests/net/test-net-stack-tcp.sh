#!/bin/bash
# SPDX-License-Identifier: MIT
# A Linux network stack as the guest, TCP: guest 1 (xenpv-netfront-tap,
# TAP xpvg1 in a namespace of its own) and dom0 (bridge xpvbr0, vif1.0)
# move 64 MiB of random data each way over TCP (tcp-check.py: sha256 at
# both ends, compared), first one direction at a time, then both at once;
# with the vif's 2 queues taken by the tool the second time round.  The
# offloads are in play (checksums left blank, TSO/GSO frames of up to
# 64 KiB through the rings).  xenpvd's vif counters grew both ways, no
# errors; the tool had no frame refused and none it could not place
# (tx_err, rx_drop; its tap_drop, frames that came before its TAP was
# up, is not checked).
. ./functions.sh
. "$top_srcdir/tests/net/test-net-common.sh"
. "$top_srcdir/tests/net/test-net-stack-common.sh"
net_netns "$@"
stack_setup --net-max-queues=2
mib=${NET_STACK_MIB:-64}
bytes=$((mib << 20))

# both: one transfer each way at the same time.
both() {
	local a b
	stack_tcp 1 0 "$bytes" 5301 >"$OUT/both-a" 2>&1 &
	a=$!
	stack_tcp 0 1 "$bytes" 5302 >"$OUT/both-b" 2>&1 &
	b=$!
	wait $a || fail "both ways: $(cat "$OUT/both-a")"
	wait $b || fail "both ways: $(cat "$OUT/both-b")"
	cat "$OUT/both-a" "$OUT/both-b"
}

stack_attach 1
for q in 1 2; do
	echo "--- xenpv-netfront-tap --queues $q"
	stack_tap 1 --queues "$q"
	grep -q "vif $q queue" "$OUT/tap1.log" ||
		fail "not $q queue(s): $(cat "$OUT/tap1.log")"
	st0=$(stack_vif_stats)
	stack_tcp 1 0 "$bytes"
	stack_tcp 0 1 "$bytes"
	both
	stack_vif_grew "$st0" "$(stack_vif_stats)"
	stack_stop_tap 1 ||
		fail "xenpv-netfront-tap exited $?: $(cat "$OUT/tap1.log")"
	cat "$OUT/tap1.log"
	tail -n 1 "$OUT/tap1.log" | grep -q "tx_err 0 rx_drop 0 " ||
		fail "the tool dropped frames"
done
kill -0 "$XPVD_PID" || fail "xenpvd died"
exit 0
