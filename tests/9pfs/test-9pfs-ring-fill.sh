#!/bin/bash
# SPDX-License-Identifier: MIT
# Replies worth 4 rings (order 1: 4 KiB a direction) are asked for before
# the frontend consumes any: xenpvd waits for room and every reply comes
# whole, with its tag and its data (nothing dropped, truncated or written
# over); the same with order 9 and 4 rings.
. ./functions.sh
. "$top_srcdir/tests/9pfs/test-9pfs-ring-common.sh"
p9_setup
p9_share 0 "$EXPORT" || fail "p9-attach"
p9_raw 0 --rings 2 --order 1 fill basic || fail "order 1"
p9_share 1 "$EXPORT" || fail "p9-attach 1"
p9_raw 1 --rings 4 --order 9 fill rings || fail "order 9"
p9_alive
