#!/bin/bash
# SPDX-License-Identifier: MIT
# A ring serves its requests concurrently: with xenpvd's fsync slowed to
# 2 s (strace fault injection), a Tgetattr sent after a Tfsync on the same
# ring is answered before it.  (QEMU and xen-9pfsd answer one request per
# ring at a time: there the getattr would wait 2 s.)  The same with the
# Tgetattr sent 100 ms after the Tfsync, which xenpvd took as the only
# message (its executor keeps the lead; the event thread's watch hands it
# on): answered within 500 ms.  And with that slow
# Tfsync alone, the backend announces the consumed message long before
# the reply (msize is the whole ring: a frontend may wait for room).
. ./functions.sh
. "$top_srcdir/tests/9pfs/test-9pfs-ring-common.sh"
requires which strace
p9_setup
p9_share 0 "$EXPORT" || fail "p9-attach"
strace -f -qq -o /dev/null -e trace=fsync,fdatasync \
	-e inject=fsync,fdatasync:delay_enter=2000000 -p "$XPVD_PID" &
spid=$!
track_pid $spid
sleep 1
kill -0 $spid 2>/dev/null || skip "strace cannot attach here"
out=$(p9_raw 0 --rings 2 --order 4 concurrent lone consnote 2>&1) || fail "$out"
echo "$out"
kill $spid
wait $spid 2>/dev/null
p9_alive
