#!/bin/bash
# SPDX-License-Identifier: MIT
# A disk with 4096-byte logical sectors refuses unaligned requests.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup --sector-size=4096
make_image "$WORLD/disk.img" 16
attach 51712 "$WORLD/disk.img" w
raw 51712 "$WORLD/disk.img" sector4k || fail "4096-byte sectors"
xpvd_alive
