#!/bin/bash
# SPDX-License-Identifier: MIT
# A ring serves its requests concurrently: with xenpvd's fsync slowed to
# 2 s (strace fault injection), a Tgetattr sent after a Tfsync on the same
# ring is answered before it.  (QEMU and xen-9pfsd answer one request per
# ring at a time: there the getattr would wait 2 s.)  The same with the
# Tgetattr sent 100 ms after the Tfsync, which xenpvd took as a lone
# message after quick ones (its executor keeps the lead; the event
# thread's watch hands it on): answered within 500 ms.  strace slows every
# message down, so there it is attached only for the Tfsync (the raw tool
# waits at a gate).  And with that slow Tfsync alone, the backend
# announces the consumed message long before the reply (msize is the
# whole ring: a frontend may wait for room).
. ./functions.sh
. "$top_srcdir/tests/9pfs/test-9pfs-ring-common.sh"
requires which strace
p9_setup
p9_share 0 "$EXPORT" || fail "p9-attach"
slow_fsync() {
	strace -f -qq -o /dev/null -e trace=fsync,fdatasync \
		-e inject=fsync,fdatasync:delay_enter=2000000 -p "$XPVD_PID" &
	spid=$!
	track_pid $spid
	sleep 1
	kill -0 $spid 2>/dev/null || skip "strace cannot attach here"
}
slow_fsync
out=$(p9_raw 0 --rings 2 --order 4 concurrent consnote 2>&1) || fail "$out"
echo "$out"
kill $spid
wait $spid 2>/dev/null

# A second device: the first one's frontend has closed.
p9_share 1 "$EXPORT" || fail "p9-attach 1"
gate=$WORLD/lone-gate
XPV_RAW_GATE=$gate p9_raw 1 --rings 2 --order 4 lone >"$WORLD/lone.out" 2>&1 &
rpid=$!
track_pid $rpid
for ((i = 0; i < 200; i++)); do
	[ -e "$gate.ready" ] && break
	kill -0 $rpid 2>/dev/null || break
	sleep 0.1
done
[ -e "$gate.ready" ] || fail "lone: never got to the gate: $(cat "$WORLD/lone.out")"
slow_fsync
touch "$gate"
wait $rpid || fail "$(cat "$WORLD/lone.out")"
cat "$WORLD/lone.out"
kill $spid
wait $spid 2>/dev/null
p9_alive
