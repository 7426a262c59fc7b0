#!/bin/bash
# SPDX-License-Identifier: MIT
# selftest-stress - how often the emulation kills dom0 processes, in a few
# minutes instead of a whole scenario set: the harness's own measurement,
# run by hand to compare machine configurations (crash-rate.sh --stress;
# run-all.sh leaves selftest-* out).
#
# A guest writes and reads its disk through xenpvd with O_DIRECT (busy
# mode) for 150 s while dom0 forks short-lived processes as the scenarios
# do: `$(seq 3 | sed ...)` and `sleep`.  Counted: iterations, command
# substitutions that came back wrong (a fork that died inside them leaves
# only that), sleeps killed by a signal, and the kernel's segfault and trap
# lines.  PASS when nothing died.
# xpv-timeout: 400
. /xpv/xpv-lib.sh "$1"
need_bin xenpvd

mkimg /tmp/stress.img 64 || fail "image"
start_xenpvd
guest_create stress \
	'extra = "console=hvc0 loglevel=4 rdinit=/init xpv_mode=busy xpv_wait=120"' ||
	{ stop_xenpvd; fail "xl create failed"; }
d=$GUEST_DOMID
attach_xenpvd "$d" xvda /tmp/stress.img ||
	{ stop_xenpvd; fail "xenpvctl attach: the VBD did not connect"; }

iters=0 wrong=0 killed=0
end=$((SECONDS + 150))
while [ $SECONDS -lt $end ]; do
	out=$(seq 3 | sed -n '$p')
	[ "$out" = 3 ] || wrong=$((wrong + 1))
	sleep 0.05
	[ $? -ge 128 ] && killed=$((killed + 1))
	iters=$((iters + 1))
done
st=$(vbd_stats "$d" 51712)
kern=$(dmesg | grep -c -E 'segfault at|traps: ')
timeout 60 xl destroy stress
stop_xenpvd
note "stress: iterations=$iters wrong=$wrong killed=$killed kernel=$kern requests=$(stat_of "$st" requests)"

check num "$(stat_of "$st" requests)" -gt 0 -- "the guest did I/O"
check [ $wrong = 0 ] -- "every command substitution gave its output ($wrong wrong of $iters)"
check [ $killed = 0 ] -- "no sleep was killed ($killed)"
check [ "$kern" = 0 ] -- "the kernel logged no segfault or trap ($kern)"
finish
