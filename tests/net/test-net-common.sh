# SPDX-License-Identifier: MIT
# tests/net/test-net-common.sh - helpers for the net channel tests
# (sourced after functions.sh).  Every test runs in a network namespace
# of its own, so nothing it creates (bridge, TAP) is seen outside it or
# routed off the machine; the namespace is removed at exit.
#
#   net_netns "$@"          first thing: re-runs the test inside a new
#                           network namespace (skips without root, ip or
#                           /dev/net/tun) and exits with its status
#   net_setup [XENPVD OPTIONS...]
#                           world + guest 1 + bridge xpvbr0 + xenpvd
#                           --type=vif; sets WORLD, OUT (a directory)
#   net_attach [ARGS...]    xenpvctl net-attach for guest 1 on xpvbr0
#   net_roundtrip QUEUES [NET-RAW ARGS...]
#                           frames both ways through vif1.0, checked
#                           byte for byte (net-raw.c, net-pkt.py)
NET_GUEST=1
NET_MAC=00:16:3e:00:01:00
NET_TAP=vif1.0
NET_BR=xpvbr0
CTL=${CTL:-$top_builddir/tools/xenpvctl}
NETRAW=${NETRAW:-$top_builddir/tests/net/net-raw}
NETPKT="python3 $top_srcdir/tests/net/net-pkt.py"

net_netns() {
	local ns
	[ -n "${XPV_NET_NS:-}" ] && return 0
	[ "$(id -u)" = 0 ] || skip "needs root (TAP devices, bridges)"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun"
	requires which ip python3
	ns=xpvnet$$
	ip netns add "$ns" 2>/dev/null || skip "cannot create a netns"
	cleanup_fn "ip netns del '$ns'"
	XPV_NET_NS=$ns ip netns exec "$ns" bash "$0" "$@"
	exit $?
}

net_wait_file() {
	local i
	for ((i = 0; i < 2000; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.01
	done
	return 1
}

net_setup() {
	[ -x "$CTL" ] || skip "no $CTL (not built)"
	[ -x "$NETRAW" ] || skip "no $NETRAW (not built)"
	requires which xenstore-read
	# Nothing but our frames on the TAP: no IPv6 autoconfiguration.
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
	ip link set lo up
	ip link add "$NET_BR" type bridge || hard_error "cannot create a bridge"
	cleanup_fn "ip link del '$NET_BR' 2>/dev/null"
	ip link set "$NET_BR" up
	start_sim_world WORLD
	sim_domain_create $NET_GUEST --name netguest --mem-mb 256
	OUT=$WORLD/net-out
	mkdir -p "$OUT"
	start_sim_xenpvd --debug=dev --type=vif "$@"
}

net_attach() {
	"$CTL" net-attach --domid $NET_GUEST --bridge "$NET_BR" --wait 20 "$@" \
		>/dev/null
}

# net_rx_timeouts_guest NET-HOSTILE-ARGS...: the world of the rx timeout
# tests - xenpvd with the rx drain and stall timeouts shortened (500 ms,
# 1500 ms), guest 1's vif attached - and tests/net/net-hostile running as
# the guest with the arguments (its pid in GPID, tracked; its output in
# $OUT/guest.out).
net_rx_timeouts_guest() {
	NETHOSTILE=${NETHOSTILE:-$top_builddir/tests/net/net-hostile}
	[ -x "$NETHOSTILE" ] || skip "no $NETHOSTILE (not built)"
	net_setup --net-rx-drain-timeout-ms=500 --net-rx-stall-timeout-ms=1500
	net_attach || fail "net-attach"
	in_guest_bg $NET_GUEST timeout -k 2 60 "$NETHOSTILE" --out "$OUT" \
		"$@" >"$OUT/guest.out" 2>&1
	GPID=$IN_GUEST_PID
	track_pid $GPID
}

net_roundtrip() {
	local nq=$1 cap raw line k len slots flags gt gs
	shift
	rm -f "$OUT"/*
	$NETPKT capture $NET_TAP $NET_MAC 5 "$OUT" &
	cap=$!
	track_pid $cap
	net_wait_file "$OUT/cap-ready" || fail "capture did not start"
	in_guest_bg $NET_GUEST "$NETRAW" --out "$OUT" --queues "$nq" --rx 3 "$@"
	raw=$IN_GUEST_PID
	track_pid $raw
	wait $cap || fail "the TAP did not get the guest's 5 frames"
	$NETPKT compare "$OUT" tx cap 5 || fail "guest -> TAP: frames differ"
	echo "guest -> TAP: 5 frames equal (SG, csum_blank, GSO v4 and v6)"
	net_wait_file "$OUT/rx-ready" || fail "net-raw never got to rx"
	$NETPKT inject $NET_TAP $NET_MAC "$OUT" || fail "inject"
	wait $raw || fail "net-raw failed"
	$NETPKT compare "$OUT" inj rx 3 || fail "TAP -> guest: frames differ"
	while read -r k len slots flags gt gs; do
		case $len in
		1514) [ "$slots" = 1 ] ||
			fail "an MTU-sized frame took $slots rx slots" ;;
		64054) [ "$slots" = 17 ] && [ "$gt" = 1 ] &&
			[ "$gs" = 1448 ] && [ "$flags" = 3 ] ||
			fail "GSO frame: $slots slots, gso $gt/$gs, flags $flags" ;;
		60) [ "$slots" = 1 ] || fail "60-byte frame: $slots slots" ;;
		*) fail "unexpected rx frame of $len bytes" ;;
		esac
	done <"$OUT/rx-meta"
	echo "TAP -> guest: 3 frames equal (MTU frame in 1 slot, 64 KiB GSO)"
}
