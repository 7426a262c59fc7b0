#!/bin/bash
# SPDX-License-Identifier: MIT
# Indirect requests of 256 and 4096 segments (8 indirect pages), plain too.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup --max-indirect-segments=4096
make_image "$WORLD/disk.img" 64
attach 51712 "$WORLD/disk.img" w
[ "$(xenstore-read /local/domain/0/backend/qdisk/$GUEST/51712/feature-max-indirect-segments)" = 4096 ] ||
	fail "feature-max-indirect-segments is not 4096"
raw 51712 "$WORLD/disk.img" indirect=256 indirect=4096 indirect=12 rw ||
	fail "indirect checks"
xpvd_alive
