#!/bin/bash
# SPDX-License-Identifier: MIT
# xentop's vbd3 statistics: the backend's kthread-pid names xenpvd, and
# <dir>/td3-<pid>/vbd-<domid>-<devid> holds a version 1 struct vbd3_stats
# (96 bytes) with the VBD's counters, updated within about a second; the
# files and the directory are removed when xenpvd stops.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
READER=$top_builddir/tests/blk/test-vbd3-read
[ -x "$READER" ] || skip "no $READER"
xpv_tmpdir V
backend_setup --vbd3-stats-dir="$V"
BE=/local/domain/0/backend/qdisk/$GUEST/51712
make_image "$WORLD/disk.img" 16
attach 51712 "$WORLD/disk.img" w
[ "$(xenstore-read "$BE/kthread-pid")" = "$XPVD_PID" ] ||
	fail "kthread-pid is not xenpvd's pid"
F=$V/td3-$XPVD_PID/vbd-$GUEST-51712
raw 51712 "$WORLD/disk.img" rw indirect=64 || fail "I/O"
j=$(xpvd_stats)
# The daemon is idle now: within a couple of updates the file matches.
for _ in $(seq 40); do
	out=$("$READER" "$F" 2>/dev/null) &&
		grep -qx "write_reqs_completed=$(stat_of "$j" writes)" <<<"$out" &&
		break
	sleep 0.1
done
[ -n "${out:-}" ] || fail "no readable $F"
field() { sed -n "s/^$1=//p" <<<"$out"; }
[ "$(field size)" = 96 ] || fail "size $(field size)"
[ "$(field read_reqs_completed)" = "$(stat_of "$j" reads)" ] || fail "reads: $out"
[ "$(field write_reqs_completed)" = "$(stat_of "$j" writes)" ] || fail "writes: $out"
[ "$(field read_sectors)" = "$(stat_of "$j" sectors_read)" ] || fail "read sectors"
[ "$(field write_sectors)" = "$(stat_of "$j" sectors_written)" ] ||
	fail "write sectors"
[ "$(field read_reqs_completed)" -gt 0 ] || fail "no reads counted: $out"
[ "$(field write_sectors)" -gt 0 ] || fail "no writes counted: $out"
[ "$(field io_errors)" = 0 ] || fail "errors: $out"
# A second device gets its own file.
make_image "$WORLD/b.img" 16
attach 51728 "$WORLD/b.img" w
for _ in $(seq 30); do
	[ -f "$V/td3-$XPVD_PID/vbd-$GUEST-51728" ] && break
	sleep 0.1
done
[ -f "$V/td3-$XPVD_PID/vbd-$GUEST-51728" ] || fail "no file for 51728"
kill -TERM $XPVD_PID
wait $XPVD_PID || fail "xenpvd exited with $?"
[ -e "$V/td3-$XPVD_PID" ] && fail "td3-$XPVD_PID left behind"
exit 0
