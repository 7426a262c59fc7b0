#!/bin/bash
# SPDX-License-Identifier: MIT
# FLUSH_DISKCACHE and WRITE_BARRIER, with and without data; DISCARD reads
# back as zeros.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup
make_image "$WORLD/disk.img" 16
attach 51712 "$WORLD/disk.img" w
raw 51712 "$WORLD/disk.img" flush barrier discard || fail "flush/discard"
xpvd_alive
