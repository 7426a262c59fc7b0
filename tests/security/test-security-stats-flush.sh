#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14.7: statistics count the sectors the disk moved.  A flush or a
# barrier without data moves none; one with a 4 KiB segment moves 8 -
# the counters once took the size of the request the ring slot held
# before (the size was read before it was worked out).
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup
make_image "$WORLD/disk.img" 16
attach 51712 "$WORLD/disk.img" w
# Three pairs: a flush/barrier without data, then one with 4 KiB.
raw 51712 "$WORLD/disk.img" flush barrier flush || fail "I/O"
j=$(xpvd_stats)
[ "$(stat_of "$j" flushes)" = 4 ] || fail "flushes: $j"
[ "$(stat_of "$j" barriers)" = 2 ] || fail "barriers: $j"
[ "$(stat_of "$j" sectors_written)" = 24 ] ||
	fail "sectors_written $(stat_of "$j" sectors_written), expected 24"
[ "$(stat_of "$j" sectors_read)" = 0 ] || fail "sectors_read: $j"
[ "$(stat_of "$j" errors)" = 0 ] || fail "errors: $j"
exit 0
