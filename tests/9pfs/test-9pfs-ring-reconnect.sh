#!/bin/bash
# SPDX-License-Identifier: MIT
# A frontend that closes (Closing, Closed) and connects again with new
# rings gets a working share: no crash, no state of the old rings.
. ./functions.sh
. "$top_srcdir/tests/9pfs/test-9pfs-ring-common.sh"
p9_setup
p9_share 0 "$EXPORT" || fail "p9-attach"
p9_raw 0 --rings 2 --order 2 basic reconnect || fail "raw frontend"
p9_alive
