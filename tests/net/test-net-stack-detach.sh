#!/bin/bash
# SPDX-License-Identifier: MIT
# Detaching a vif while a Linux network stack pushes TCP through it:
# guest 1 (xenpv-netfront-tap, TAP xpvg1 in a namespace of its own)
# sends to dom0 and dom0 to the guest, both unbounded transfers
# (tcp-check.py, 5 s timeouts), when xenpvctl net-detach takes vif 1.0
# away.  Then: net-detach succeeds, both transfers fail by themselves
# within their timeouts (no hang), xenpv-netfront-tap exits (the vif is
# gone) and with it the guest's TAP, dom0's vif1.0 is gone, xenpvd is
# alive and reports no vif.  A second net-attach and a new tool: pings
# and a 16 MiB checksummed transfer each way flow again, with no errors
# in the new vif's counters.
. ./functions.sh
. "$top_srcdir/tests/net/test-net-common.sh"
. "$top_srcdir/tests/net/test-net-stack-common.sh"
net_netns "$@"
stack_setup --net-max-queues=2
stack_attach 1
stack_tap 1 --queues 2
tap_pid=${STACK_PID[1]}

# start_xfer FROM TO PORT: an endless transfer, its pids in XP.
XP=()
start_xfer() {
	local from=$1 to=$2 port=$3
	rm -f "$OUT/ready.$port"
	stack_ns_cmd "$to"
	"${STACK_PRE[@]}" $TCPCHECK recv --port "$port" --timeout 5 \
		--ready "$OUT/ready.$port" >"$OUT/recv.$port" 2>&1 &
	XP+=($!)
	track_pid $!
	net_wait_file "$OUT/ready.$port" || fail "recv $port did not start"
	stack_ns_cmd "$from"
	"${STACK_PRE[@]}" $TCPCHECK send --to "$(stack_ip "$to")" \
		--port "$port" --bytes $((1 << 40)) --timeout 5 \
		>"$OUT/send.$port" 2>&1 &
	XP+=($!)
	track_pid $!
}
st0=$(stack_vif_stats)
start_xfer 1 0 5501
start_xfer 0 1 5502
sleep 2
st1=$(stack_vif_stats)
stack_vif_grew "$st0" "$st1"
t0=$SECONDS
"$CTL" net-detach --domid 1 --timeout 10 || fail "net-detach"
echo "net-detach took $((SECONDS - t0)) s"
for p in "${XP[@]}"; do
	for ((i = 0; i < 300; i++)); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$p" 2>/dev/null &&
		fail "a transfer still runs $((SECONDS - t0)) s after the detach"
	rc=0
	wait "$p" || rc=$?
	[ "$rc" != 0 ] || fail "a transfer succeeded across the detach"
done
echo "transfers failed after $((SECONDS - t0)) s:"
cat "$OUT"/send.* "$OUT"/recv.*
rc=0
wait "$tap_pid" || rc=$?
STACK_PID[1]=
echo "xenpv-netfront-tap exited $rc: $(tr '\n' ' ' <"$OUT/tap1.log")"
[ "$rc" = 1 ] || fail "xenpv-netfront-tap: exit $rc, not 1 (the vif went)"
in_gns 1 ip link show xpvg1 >/dev/null 2>&1 && fail "xpvg1 left"
ip link show "$NET_TAP" >/dev/null 2>&1 && fail "$NET_TAP left after detach"
kill -0 "$XPVD_PID" || fail "xenpvd died"
[ -z "$(stack_vif_stats)" ] || fail "xenpvd still reports a vif"

echo "--- attached again"
stack_attach 1
stack_tap 1 --queues 2
stack_ping 0 1 -s 56
stack_ping 1 0 -s 8000
stack_tcp 1 0 $((16 << 20))
stack_tcp 0 1 $((16 << 20))
stack_vif_grew "" "$(stack_vif_stats)"
stack_stop_tap 1 || fail "xenpv-netfront-tap exited $?: $(cat "$OUT/tap1.log")"
kill -0 "$XPVD_PID" || fail "xenpvd died"
exit 0
