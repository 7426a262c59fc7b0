#!/bin/bash
# SPDX-License-Identifier: MIT
# A Linux network stack as the guest, ping: guest 1's xenpv-netfront-tap
# joins its vif to TAP xpvg1 in a namespace of its own (198.18.0.11);
# dom0's vif1.0 is on bridge xpvbr0 (198.18.0.1) in the test's namespace.
# 20 pings each way (-i 0.05, every one answered) of 56 bytes, of 1472
# (a full 1500-byte MTU packet, don't fragment) and of 8000 (IP
# fragments), then a bounded flood of 500; xenpvd's vif counters grew
# both ways, no errors.
. ./functions.sh
. "$top_srcdir/tests/net/test-net-common.sh"
. "$top_srcdir/tests/net/test-net-stack-common.sh"
net_netns "$@"
stack_setup
stack_guest 1
st0=$(stack_vif_stats)
for dir in "0 1" "1 0"; do
	# shellcheck disable=SC2086
	set -- $dir
	stack_ping "$1" "$2" -s 56
	stack_ping "$1" "$2" -s 1472 -M "do"
	stack_ping "$1" "$2" -s 8000
	out=$(in_gns "$1" ping -f -c 500 -w 15 -q "$(stack_ip "$2")" 2>&1) ||
		fail "flood ping $1 -> $2: $out"
	echo "flood $1 -> $2: $(echo "$out" | grep 'packets transmitted')"
done
# Beyond the MTU without fragmenting: refused by the sender's stack.
in_gns 1 ping -c 1 -w 2 -s 1473 -M "do" "$(stack_ip 0)" >/dev/null 2>&1 &&
	fail "a 1501-byte packet with DF went through"
stack_vif_grew "$st0" "$(stack_vif_stats)"
stack_stop_tap 1 || fail "xenpv-netfront-tap exited $?: $(cat "$OUT/tap1.log")"
cat "$OUT/tap1.log"
kill -0 "$XPVD_PID" || fail "xenpvd died"
exit 0
