#!/bin/bash
# SPDX-License-Identifier: MIT
# Two Linux network stacks as two guests on one bridge: guests 1 and 2,
# each its own sim domain, vif (vif1.0, vif2.0 on xpvbr0), xenpv-netfront-
# tap and namespace (198.18.0.11, .12), talk to each other through
# xenpvd twice (guest -> vif -> bridge -> vif -> guest): pings both ways
# (56 and 8000 bytes), then 64 MiB of random data over TCP each way, one
# at a time and both at once, sha256 compared at both ends; each guest
# still reaches dom0.  Both vifs' counters grew both ways, no errors.
. ./functions.sh
. "$top_srcdir/tests/net/test-net-common.sh"
. "$top_srcdir/tests/net/test-net-stack-common.sh"
net_netns "$@"
stack_setup
bytes=$((${NET_STACK_MIB:-64} << 20))
stack_guest 1
stack_guest 2
ip -o link show vif2.0 | grep -q "master $NET_BR" ||
	fail "vif2.0 not on $NET_BR"
st0=$(stack_vif_stats)
stack_ping 1 2 -s 56
stack_ping 2 1 -s 56
stack_ping 1 2 -s 8000
stack_ping 2 1 -s 8000
stack_tcp 1 2 "$bytes" 5401
stack_tcp 2 1 "$bytes" 5402
stack_tcp 1 2 "$bytes" 5403 >"$OUT/both-a" 2>&1 &
a=$!
stack_tcp 2 1 "$bytes" 5404 >"$OUT/both-b" 2>&1 &
b=$!
wait $a || fail "both ways: $(cat "$OUT/both-a")"
wait $b || fail "both ways: $(cat "$OUT/both-b")"
cat "$OUT/both-a" "$OUT/both-b"
stack_ping 1 0 -s 56
stack_ping 2 0 -s 56
stack_vif_grew "$st0" "$(stack_vif_stats)"
[ "$(stack_vif_stats | wc -l)" = 2 ] || fail "not 2 vifs in the statistics"
for n in 1 2; do
	stack_stop_tap $n ||
		fail "guest $n: xenpv-netfront-tap exited $?: $(cat "$OUT/tap$n.log")"
	tail -n 1 "$OUT/tap$n.log"
done
kill -0 "$XPVD_PID" || fail "xenpvd died"
exit 0
