#!/bin/bash
# SPDX-License-Identifier: MIT
# xentop's view of xenpvd disks (Xen 4.17's libxenstat reads qdisk
# statistics over QMP): xenpvd serving backend/qdisk opens
# qmp-libxenstat-<domid> for a domain once it has a disk; a client that
# reads as libxenstat does (10 ms of silence ends an answer) gets
# query-blockstats counters equal to xenpvd's own statistics and a
# query-block file equal to the params path after its first '/' (what
# libxenstat matches); malformed and unknown commands get QMP errors and
# the connection goes on; the socket goes when the domain's last disk
# does, and at exit.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
. "$top_srcdir/tests/daemon/test-qmp-common.sh"
requires python3 -c 'import json'
backend_setup
Q=$WORLD/qmp-libxenstat-$GUEST
[ -e "$Q" ] && fail "$Q before any disk"
make_image "$WORLD/disk.img" 16
attach 51712 "$WORLD/disk.img" w
for _ in $(seq 50); do [ -S "$Q" ] && break; sleep 0.1; done
[ -S "$Q" ] || fail "no $Q a second after the disk came"
[ "$(stat -c %a "$Q")" = 600 ] || fail "$Q mode $(stat -c %a "$Q")"
raw 51712 "$WORLD/disk.img" rw indirect=64 || fail "I/O"
j=$(xpvd_stats)
out=$(qmp_xenstat "$Q") || fail "libxenstat's reading failed"
read -r dev file rd wr rdb wrb fl <<<"$out"
[ "$dev" = "vbd-$GUEST-51712" ] || fail "device: $out"
params=$(xenstore-read /local/domain/0/backend/qdisk/$GUEST/51712/params)
[ "$file" = "/${params#*/}" ] || fail "file $file for params $params"
[ "$rd" = "$(stat_of "$j" reads)" ] || fail "rd_operations: $out / $j"
[ "$wr" = "$(stat_of "$j" writes)" ] || fail "wr_operations: $out"
[ "$rdb" = $(($(stat_of "$j" sectors_read) * 512)) ] || fail "rd_bytes"
[ "$wrb" = $(($(stat_of "$j" sectors_written) * 512)) ] || fail "wr_bytes"
[ "$rd" -gt 0 ] && [ "$wr" -gt 0 ] || fail "nothing counted: $out"

# Bad input: answered with an error, the session goes on.
out=$(qmp_raw "$Q" '{"execute": 5}[1]{"x"}{"execute":"query-status","id":[7]}')
grep -q '"GenericError".*must be a short string' <<<"$out" ||
	fail "no error for a non-string execute: $out"
grep -c '"JSON parse error"' <<<"$out" | grep -qx 1 ||
	fail "no parse error: $out"
grep -q 'must be a JSON object' <<<"$out" || fail "array accepted: $out"
grep -q '"running": true.*"id": \[7\]' <<<"$out" ||
	fail "no answer after the errors: $out"
out=$(qmp_libxl "$Q" no-such-command) || fail "unknown command"
grep -q '"CommandNotFound"' <<<"$out" || fail "unknown: $out"
# quit is a device model's: the daemon serves other domains too.
out=$(qmp_libxl "$Q" quit) || fail "quit"
grep -q '"GenericError".*other domains' <<<"$out" || fail "quit: $out"
xpvd_alive
# A command longer than the input buffer: dropped, nothing else hurt.
big=$(printf '{"execute":"x","arguments":"%05000d"}' 0)
qmp_raw "$Q" "$big" >/dev/null
xpvd_alive
qmp_xenstat "$Q" >/dev/null || fail "no answer after an oversized command"

# A second domain's disk: its own socket, only its own disk in it.
sim_domain_create 6 --mem-mb 64
GUEST=6 attach 51712 "$WORLD/disk.img" r
for _ in $(seq 50); do [ -S "$WORLD/qmp-libxenstat-6" ] && break; sleep 0.1; done
out=$(qmp_xenstat "$WORLD/qmp-libxenstat-6") || fail "domain 6"
[ "$(wc -l <<<"$out")" = 1 ] && grep -q '^vbd-6-51712 ' <<<"$out" ||
	fail "domain 6 sees: $out"

# The last disk of domain 5 goes: so does its socket.
xenstore-rm /local/domain/0/backend/qdisk/$GUEST
for _ in $(seq 50); do [ -e "$Q" ] || break; sleep 0.1; done
[ -e "$Q" ] && fail "$Q still there without a disk"
kill -TERM $XPVD_PID
wait $XPVD_PID || fail "xenpvd exited with $?"
[ -e "$WORLD/qmp-libxenstat-6" ] && fail "socket left at exit"
exit 0
