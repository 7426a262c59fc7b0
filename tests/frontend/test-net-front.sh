#!/bin/bash
# SPDX-License-Identifier: MIT
# libxenpvfront's netfront against xenpvd's vif channel on a sim world:
# xenpvd --type=vif, in a network namespace of its own, serves vif 0 of
# guest 1 on a TAP vif1.0 in a bridge (xenpvctl net-attach, the
# toolstack's path); net-host-echo sends every test frame that comes out
# of the TAP straight back in (AF_PACKET, with the virtio-net header, so
# GSO and blank checksums travel both ways); test-net-io, in the guest,
# checks each echo byte for byte (checksum fields aside: the host may fill
# them), with 1 and 2 queues, synchronous and asynchronous.  Frames
# without GSO stay within the MTU (1514 bytes); GSO frames go up to 64 KiB.
# The namespace, and with it the TAP and the bridge, is removed at exit.
# Skips until xenpvd has a vif channel and xenpvctl net-attach, and
# without root, /dev/net/tun or `ip netns`.
. ./functions.sh

CTL=${CTL:-$top_builddir/tools/xenpvctl}
IO=./frontend/test-net-io
ECHO=./frontend/net-host-echo
[ -x "$CTL" ] || skip "no $CTL (not built)"
[ -x "$IO" ] && [ -x "$ECHO" ] || skip "test programs not built"
[ -x "$XENPVD" ] || skip "no $XENPVD (not built)"
"$XENPVD" --help 2>&1 | grep -q vif || skip "xenpvd has no vif channel"
"$CTL" --help 2>&1 | grep -q net-attach || skip "xenpvctl has no net-attach"
[ "$(id -u)" = 0 ] || skip "needs root (TAP devices, network namespaces)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
requires which ip xenstore-read

NS=xpvnf$$
ip netns add "$NS" 2>/dev/null || skip "ip netns add does not work here"
cleanup_fn "ip netns del '$NS'"
ip netns exec "$NS" ip link set lo up || hard_error "lo in $NS"
in_ns() { ip netns exec "$NS" "$@"; }
# Less of the host's own traffic on the vif (the guest skips the rest).
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true

start_sim_world WORLD
sim_domain_create 1 --name guest1
xpv_tmpdir T

# xenpvd in the namespace (ip netns exec execs it: the pid is xenpvd's).
REAL_XENPVD=$XENPVD
printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$NS" "$REAL_XENPVD" \
	>"$T/xenpvd-ns"
chmod +x "$T/xenpvd-ns"
XENPVD=$T/xenpvd-ns start_sim_xenpvd --type=vif --net-max-queues=2
in_ns "$CTL" net-attach --domid 1 --devid 0 --bridge xpvbr0 \
	--create-bridge --wait 20 >/dev/null || fail "xenpvctl net-attach"
for _ in $(seq 200); do
	in_ns ip link show vif1.0 >/dev/null 2>&1 && break
	sleep 0.05
done
in_ns ip link show vif1.0 >/dev/null 2>&1 || fail "no TAP vif1.0"
in_ns ip link set vif1.0 up || fail "vif1.0 up"

ip netns exec "$NS" "$ECHO" vif1.0 >"$T/echo.out" 2>"$T/echo.err" &
EPID=$!
track_pid "$EPID"
for _ in $(seq 200); do
	grep -q '^ready' "$T/echo.out" && break
	kill -0 "$EPID" 2>/dev/null || break
	sleep 0.05
done
grep -q '^ready' "$T/echo.out" || fail "net-host-echo: $(cat "$T/echo.err")"

guest() { # label ARGS...
	local label=$1 rc=0
	shift
	echo "--- $label: $*"
	# In xenpvd's namespace: the sim's event channels are abstract unix
	# sockets, which a namespace boundary does not cross.
	in_guest 1 ip netns exec "$NS" "$IO" --devid 0 --loose \
		--max-plain 1514 --ignore-other "$@" \
		>"$T/out.$label" 2>&1 || rc=$?
	cat "$T/out.$label"
	[ "$rc" = 0 ] || fail "$label: test-net-io exited $rc"
	kill -0 "$XPVD_PID" 2>/dev/null || fail "$label: xenpvd died"
}

guest one-queue --mode sync --offloads --expect-queues 1
guest two-queues --queues 2 --mode async --offloads --rounds 3 \
	--expect-queues 2
guest no-gso --queues 2 --no-gso --mode async --rounds 2
in_ns "$CTL" net-detach --domid 1 --devid 0 >/dev/null ||
	fail "xenpvctl net-detach"
kill -TERM "$EPID" 2>/dev/null
wait "$EPID" 2>/dev/null || true
exit 0
