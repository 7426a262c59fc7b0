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
. "$top_srcdir/tests/frontend/test-net-echo-common.sh"
[ -x "$XENPVD" ] && "$XENPVD" --help 2>&1 | grep -q vif ||
	skip "xenpvd has no vif channel (or is not built)"
"$CTL" --help 2>&1 | grep -q net-attach || skip "xenpvctl has no net-attach"
net_echo_setup --net-max-queues=2

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
