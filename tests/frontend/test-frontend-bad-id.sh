#!/bin/bash
# SPDX-License-Identifier: MIT
# A response whose id was never asked marks the device broken: every I/O
# then fails with -EIO exactly once, and new I/O is refused with -EIO.
. "$top_srcdir/tests/frontend/test-frontend-common.sh"
fe_world
start_fake pid 51712 --bad-id-after 5
run_io 51712 --mode bad-id || fail "device not broken as it should be"
exit 0
