#!/bin/bash
# SPDX-License-Identifier: MIT
# Persistent grants: with feature-persistent=1 the data grants are mapped
# once and hit afterwards; with 0 the data goes through grant copy.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup
make_image "$WORLD/a.img" 16
make_image "$WORLD/b.img" 16
attach 51712 "$WORLD/a.img" w
raw 51712 "$WORLD/a.img" --persistent 1 rw indirect=64 || fail "persistent on"
j=$(xpvd_stats)
[ "$(stat_of "$j" pgrant_hits)" -gt 0 ] || fail "no persistent grant hits: $j"
[ "$(stat_of "$j" copies)" = 0 ] || fail "copies with persistent grants: $j"
xenstore-rm /local/domain/0/backend/qdisk/$GUEST/51712 /local/domain/$GUEST/device/vbd/51712
attach 51728 "$WORLD/b.img" w
raw 51728 "$WORLD/b.img" --persistent 0 rw || fail "persistent off"
j=$(xpvd_stats)
[ "$(stat_of "$j" copies)" -gt 0 ] || fail "no grant copies: $j"
[ "$(stat_of "$j" pgrant_hits)" = 0 ] || fail "persistent hits when off: $j"
# Grant copies are batched: a full ring of one-page writes posted at once
# is taken off the ring in one pass, and copied in one call; the reads
# that follow are copied as their completions are reaped, several a call
# when they complete together.  The data is checked by the frontend.
make_image "$WORLD/c.img" 16
xenstore-rm /local/domain/0/backend/qdisk/$GUEST/51728 /local/domain/$GUEST/device/vbd/51728
attach 51744 "$WORLD/c.img" w
raw 51744 "$WORLD/c.img" --persistent 0 burst || fail "burst without persistent grants"
j=$(xpvd_stats)
copies=$(stat_of "$j" copies) calls=$(stat_of "$j" copy_calls)
echo "burst: $copies requests copied in $calls grant copy calls"
# 32 writes and 32 reads: the writes in one call, the reads in 32 at most.
[ "$copies" = 64 ] || fail "copies: $copies, expected 64: $j"
[ "$calls" -ge 2 ] && [ "$calls" -le 33 ] ||
	fail "$calls grant copy calls for a ring of writes and of reads: $j"
xpvd_alive
