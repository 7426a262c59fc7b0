#!/bin/bash
# SPDX-License-Identifier: MIT
# The 9pfs transport end to end on the sim: a raw frontend with 2 rings of
# order 4 writes a file of 3 msize + a bit, reads it back, the host's copy
# is the same, it is removed; one file read on every ring; a message whose
# header is published 200 ms before its body is answered once whole.
. ./functions.sh
. "$top_srcdir/tests/9pfs/test-9pfs-ring-common.sh"
p9_setup
p9_share 0 "$EXPORT" || fail "p9-attach"
p9_raw 0 --rings 2 --order 4 basic rings split || fail "raw frontend"
p9_alive
p9_canary_intact
