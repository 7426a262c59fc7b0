#!/bin/bash
# SPDX-License-Identifier: MIT
# A read-only disk says info READONLY and answers writes with an error.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup
make_image "$WORLD/disk.img" 16
attach 51712 "$WORLD/disk.img" r
raw 51712 "$WORLD/disk.img" ro || fail "read-only checks"
xpvd_alive
