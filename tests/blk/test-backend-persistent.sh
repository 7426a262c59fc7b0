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
xpvd_alive
