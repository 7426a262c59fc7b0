#!/bin/bash
# SPDX-License-Identifier: MIT
# A read-only disk through the toolstack path: `xenpvctl attach --mode r`
# writes mode=r, xenpvd publishes info with READONLY (4), the guest's
# frontend sees READONLY, reads the whole disk back correctly, and its
# writes and discards fail; `xenpvctl io` (which writes) refuses with an
# error; reads through `xenpvctl bench` work; the image is unchanged.
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
RO=${RO:-$top_builddir/tests/blk/blk-ro-io}
[ -x "$RO" ] || skip "no $RO"
blk_setup
blk_guest 1
"$RO" mkimage "$WORLD/ro.img" 8 || hard_error "mkimage"
sum0=$(sha256sum <"$WORLD/ro.img")
blk_attach 1 "$WORLD/ro.img" --mode r || fail "attach --mode r"
be=/local/domain/0/backend/qdisk/1/$DEVID
[ "$(xenstore-read "$be/mode")" = r ] || fail "backend mode is not r"

out=$(in_guest 1 timeout 60 "$RO" check --devid $DEVID 2>&1) ||
	fail "guest read-only checks: $out"
echo "$out"
info=$(xenstore-read "$be/info") || fail "no backend info key"
[ $((info & 4)) = 4 ] || fail "backend info=$info without READONLY"
blk_alive

# xenpvctl io writes: it must fail, not pretend.
if out=$(blk_ctl_guest 1 io --devid $DEVID --size 1M 2>&1); then
	fail "xenpvctl io succeeded on a read-only disk: $out"
fi
echo "xenpvctl io: $out"
out=$(blk_ctl_guest 1 bench --devid $DEVID --rw randread --bs 4k \
	--iodepth 8 --runtime 1 2>&1) || fail "read bench: $out"
ios=$(blk_field "$out" ios)
[ "${ios:-0}" -gt 0 ] || fail "no reads: $out"
[ "$(blk_field "$out" errors)" = 0 ] || fail "read errors: $out"

[ "$(sha256sum <"$WORLD/ro.img")" = "$sum0" ] || fail "the image changed"
blk_detach 1 || fail "detach"
blk_alive
exit 0
