#!/bin/bash
# SPDX-License-Identifier: MIT
# xenpv-netfront-tap, the guest's network interface on a TAP, against
# fake-netback (which echoes every frame): in a network namespace of its
# own, the tool, as guest 1, joins vif 0 to TAP xpvtap0; net-tap-check
# sends frames out of the TAP through AF_PACKET and waits for each to come
# back in, byte for byte: plain frames, and GSO TCPv4 frames of up to
# 64 KiB that must stay one frame both ways (TUNSETOFFLOAD, the GSO extra,
# the virtio-net header rebuilt on the way in).  Then again without SG,
# where the TAP must offer no segmentation at all.  The namespace (and
# with it the TAP) is removed at exit.  Needs root, /dev/net/tun and
# `ip netns`.
. ./functions.sh

FAKE=./frontend/fake-netback
CHECK=./frontend/net-tap-check
TOOL=$top_builddir/tools/xenpv-netfront-tap
[ -x "$FAKE" ] && [ -x "$CHECK" ] || skip "test programs not built"
[ -x "$TOOL" ] || skip "no $TOOL (not built)"
[ "$(id -u)" = 0 ] || skip "needs root (TAP devices, network namespaces)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
requires which ip xenstore-read

NS=xpvnt$$
ip netns add "$NS" 2>/dev/null || skip "ip netns add does not work here"
cleanup_fn "ip netns del '$NS'"
in_ns() { ip netns exec "$NS" "$@"; }
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true

start_sim_world WORLD
sim_domain_create 1
xpv_tmpdir T

# run LABEL DEVID FAKE-ARGS -- TOOL-ARGS -- CHECK-ARGS
run() {
	local label=$1 dev=$2 fargs=() targs=() cargs=() fpid tpid rc=0
	shift 2
	while [ "$1" != -- ]; do fargs+=("$1"); shift; done
	shift
	while [ "$1" != -- ]; do targs+=("$1"); shift; done
	shift
	cargs=("$@")
	echo "--- $label"
	# In the namespace too: the sim's event channels are abstract unix
	# sockets, which a namespace boundary does not cross.
	ip netns exec "$NS" "$FAKE" --fdom 1 --devid "$dev" \
		--stats "$T/stats.$dev" "${fargs[@]}" 2>>"$T/fake.$dev.log" &
	fpid=$!
	track_pid "$fpid"
	wait_xs "/local/domain/0/backend/vif/1/$dev/state" 2 ||
		hard_error "fake-netback: no InitWait"
	in_guest_bg 1 ip netns exec "$NS" "$TOOL" --devid "$dev" \
		--tap xpvtap0 "${targs[@]}" >"$T/tool.$label" 2>&1
	tpid=$IN_GUEST_PID
	track_pid "$tpid"
	wait_output "$T/tool.$label" '^xpvtap0:' "$tpid" ||
		fail "$label: the tool did not start: $(cat "$T/tool.$label")"
	in_ns ip link set xpvtap0 up || fail "$label: xpvtap0 up"
	in_ns "$CHECK" xpvtap0 "${cargs[@]}" || rc=$?
	kill -TERM "$tpid"
	wait "$tpid" || fail "$label: the tool exited $?: $(cat "$T/tool.$label")"
	cat "$T/tool.$label"
	kill -TERM "$fpid"
	wait "$fpid" || fail "$label: fake-netback exited $?"
	[ "$rc" = 0 ] || fail "$label: net-tap-check exited $rc"
	grep -q '^violations=0$' "$T/stats.$dev" ||
		fail "$label: violations: $(cat "$T/fake.$dev.log")"
	in_ns ip link show xpvtap0 >/dev/null 2>&1 &&
		fail "$label: xpvtap0 left behind"
	return 0
}

run offloads 0 --queues 2 -- --queues 2 -- --gso
[ "$(sed -n 's/^gso=//p' "$T/stats.0")" -ge 4 ] ||
	fail "offloads: GSO frames did not reach the backend whole"
run no-sg 1 --no-sg -- --
[ "$(sed -n 's/^max_slots=//p' "$T/stats.1")" = 1 ] ||
	fail "no-sg: more than one slot per frame"
exit 0
