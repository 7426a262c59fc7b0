#!/bin/bash
# SPDX-License-Identifier: MIT
# Malformed requests get error responses, the ring keeps working; a
# producer index past the ring stops that ring only: the daemon and the
# other VBD keep going.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup
make_image "$WORLD/a.img" 16
make_image "$WORLD/b.img" 16
attach 51712 "$WORLD/a.img" w
attach 51728 "$WORLD/b.img" w
raw 51712 "$WORLD/a.img" malformed || fail "malformed requests"
xpvd_alive
raw 51728 "$WORLD/b.img" badprod || fail "bad producer index"
xpvd_alive
grep -q "ring stopped" "$XPVD_LOG" || fail "no log line for the broken ring"
[ "$(grep -c "ring stopped" "$XPVD_LOG")" = 1 ] || fail "more than one line"
make_image "$WORLD/c.img" 16
attach 51744 "$WORLD/c.img" w
raw 51744 "$WORLD/c.img" rw || fail "another VBD after a broken ring"
xpvd_alive
