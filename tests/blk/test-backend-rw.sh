#!/bin/bash
# SPDX-License-Identifier: MIT
# xenpvd serves reads and writes of various sizes, a full ring in flight,
# and partial segments; data checked through the ring and in the image.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup
make_image "$WORLD/disk.img" 64
attach 51712 "$WORLD/disk.img" w
raw 51712 "$WORLD/disk.img" rw burst || fail "read/write checks"
xpvd_alive
