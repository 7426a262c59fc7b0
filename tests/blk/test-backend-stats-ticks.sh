#!/bin/bash
# SPDX-License-Identifier: MIT
# xentop's vbd3 statistics carry the latency sums as tapdisk does: read and
# write total_ticks are the microseconds summed over the completed reads
# and writes, that is the daemon's lat_read_sum_us and lat_write_sum_us.
# The layout is read here on its own (struct vbd3_stats, version 1).
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
xpv_tmpdir V
backend_setup --vbd3-stats-dir="$V"
make_image "$WORLD/disk.img" 16
attach 51712 "$WORLD/disk.img" w
raw 51712 "$WORLD/disk.img" rw indirect=64 || fail "I/O"
j=$(xpvd_stats)
F=$V/td3-$XPVD_PID/vbd-$GUEST-51712
# Native byte order, as the daemon writes it: u32 version, u32 pad, then
# u64 oo_reqs, read submitted, completed, sectors, ticks, write submitted,
# completed, sectors, ticks, ...  Prints "rd_done rd_ticks wr_done wr_ticks".
ticks() {
	local v
	[ "$(stat -c %s "$F")" = 96 ] || return 1
	[ "$(od -A n -t u4 -N 4 "$F" | tr -d ' ')" = 1 ] || return 1
	v=($(od -A n -t u8 -j 8 -N 72 "$F"))
	echo "${v[2]} ${v[4]} ${v[6]} ${v[8]}"
}
want="$(stat_of "$j" reads) $(stat_of "$j" lat_read_sum_us)"
want="$want $(stat_of "$j" writes) $(stat_of "$j" lat_write_sum_us)"
# The daemon is idle now: within a couple of updates the file matches.
for _ in $(seq 40); do
	got=$(ticks 2>/dev/null) && [ "$got" = "$want" ] && break
	sleep 0.1
done
[ "$got" = "$want" ] || fail "vbd3 reads/ticks/writes/ticks: '$got', want '$want'"
[ "$(stat_of "$j" reads)" -gt 0 ] && [ "$(stat_of "$j" writes)" -gt 0 ] ||
	fail "no I/O counted: $j"
xpvd_alive
