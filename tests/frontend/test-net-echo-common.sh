# SPDX-License-Identifier: MIT
# tests/frontend/test-net-echo-common.sh - the world of the tests that run
# libxenpvfront's netfront (test-net-io, as guest 1) against xenpvd's vif
# with every frame echoed back on the TAP (sourced after functions.sh).
#
#   net_echo_setup [XENPVD OPTIONS...]
#       skips (77) without what it needs; a network namespace $NS of
#       its own (removed at exit; in_ns CMD... runs CMD in it), a sim
#       world with guest 1, a temporary directory $T, xenpvd --type=vif
#       in the namespace (XENPVD is left pointing at a wrapper that
#       execs it there, so start_sim_xenpvd starts a successor the same
#       way), vif 0 of guest 1 attached on bridge xpvbr0 and up, and
#       net-host-echo on vif1.0 (pid $EPID).
# The guest runs test-net-io inside $NS too: the sim's event channels are
# abstract unix sockets, which a namespace boundary does not cross.
CTL=${CTL:-$top_builddir/tools/xenpvctl}
IO=./frontend/test-net-io
ECHO=./frontend/net-host-echo

in_ns() { ip netns exec "$NS" "$@"; }

net_echo_setup() {
	[ -x "$CTL" ] || skip "no $CTL (not built)"
	[ -x "$IO" ] && [ -x "$ECHO" ] || skip "test programs not built"
	[ -x "$XENPVD" ] || skip "no $XENPVD (not built)"
	[ "$(id -u)" = 0 ] ||
		skip "needs root (TAP devices, network namespaces)"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun"
	requires which ip xenstore-read

	NS=xpvne$$
	ip netns add "$NS" 2>/dev/null ||
		skip "ip netns add does not work here"
	cleanup_fn "ip netns del '$NS'"
	in_ns ip link set lo up || hard_error "lo in $NS"
	# Less of the host's own traffic on the vif (the guest skips the
	# rest).
	in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true

	start_sim_world WORLD
	sim_domain_create 1 --name guest1
	xpv_tmpdir T

	# ip netns exec execs xenpvd: the pid is xenpvd's.
	printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$NS" \
		"$XENPVD" >"$T/xenpvd-ns"
	chmod +x "$T/xenpvd-ns"
	XENPVD=$T/xenpvd-ns
	start_sim_xenpvd --type=vif "$@"
	in_ns "$CTL" net-attach --domid 1 --devid 0 --bridge xpvbr0 \
		--create-bridge --wait 20 >/dev/null ||
		fail "xenpvctl net-attach"
	for _ in $(seq 200); do
		in_ns ip link show vif1.0 >/dev/null 2>&1 && break
		sleep 0.05
	done
	in_ns ip link show vif1.0 >/dev/null 2>&1 || fail "no TAP vif1.0"
	in_ns ip link set vif1.0 up || fail "vif1.0 up"

	in_ns "$ECHO" vif1.0 >"$T/echo.out" 2>"$T/echo.err" &
	EPID=$!
	track_pid "$EPID"
	wait_output "$T/echo.out" '^ready' "$EPID" ||
		fail "net-host-echo: $(cat "$T/echo.err")"
}
