#!/bin/bash
# SPDX-License-Identifier: MIT
# A response whose operation is not the request's (WRITE answered as READ)
# marks the device broken, as Linux blkfront does: every I/O fails with
# -EIO exactly once and new I/O is refused.
. "$top_srcdir/tests/frontend/test-frontend-common.sh"
fe_world
start_fake pid 51712 --bad-op-after 5
run_io 51712 --mode bad-id || fail "device not broken as it should be"
exit 0
