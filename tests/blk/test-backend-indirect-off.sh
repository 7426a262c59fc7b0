#!/bin/bash
# SPDX-License-Identifier: MIT
# With --max-indirect-segments=0 the key is not written, INDIRECT is
# answered EOPNOTSUPP and plain requests still work.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup --max-indirect-segments=0
make_image "$WORLD/disk.img" 16
attach 51712 "$WORLD/disk.img" w
raw 51712 "$WORLD/disk.img" rw malformed || fail "checks without indirect"
xenstore-read /local/domain/0/backend/qdisk/$GUEST/51712/feature-max-indirect-segments \
	>/dev/null 2>&1 && fail "feature-max-indirect-segments written"
xpvd_alive
