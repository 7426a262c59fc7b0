#!/bin/bash
# SPDX-License-Identifier: MIT
# Four queues, each with its own ring, event channel and worker.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup --max-queues=4
make_image "$WORLD/disk.img" 16
attach 51712 "$WORLD/disk.img" w
[ "$(xenstore-read /local/domain/0/backend/qdisk/$GUEST/51712/multi-queue-max-queues)" = 4 ] ||
	fail "multi-queue-max-queues is not 4"
raw 51712 "$WORLD/disk.img" --queues 4 rw || fail "4 queues"
[ "$(stat_of "$(xpvd_stats)" queues)" = 4 ] || fail "stats do not show 4 queues"
xpvd_alive
