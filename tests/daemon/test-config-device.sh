#!/bin/bash
# SPDX-License-Identifier: MIT
# Per-device overrides: xenpvd-* keys written by the toolstack in a
# backend directory lower what that device offers (indirect segments, ring
# order, queues, persistent grants) and are enforced at connect; another
# device keeps the daemon's values.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup --max-queues=2 --max-indirect-segments=256
make_image "$WORLD/a.img" 16
make_image "$WORLD/b.img" 16
BE=/local/domain/0/backend/qdisk/$GUEST
# Written before the rest of the directory, as a toolstack would in its
# transaction: the daemon reads them before it publishes the features.
xenstore-write "$BE/51712/xenpvd-max-indirect-segments" 32 \
	"$BE/51712/xenpvd-max-ring-page-order" 1 \
	"$BE/51712/xenpvd-max-queues" 1 \
	"$BE/51712/xenpvd-persistent" 0 \
	"$BE/51712/xenpvd-cache" writeback || hard_error "xenstore-write"
attach 51712 "$WORLD/a.img" w
attach 51728 "$WORLD/b.img" w
key() { xenstore-read "$BE/$1/$2" 2>/dev/null; }
[ "$(key 51712 feature-max-indirect-segments)" = 32 ] || fail "indirect"
[ "$(key 51712 max-ring-page-order)" = 1 ] || fail "ring order"
[ "$(key 51712 multi-queue-max-queues)" = 1 ] || fail "queues"
[ "$(key 51712 feature-persistent)" = 0 ] || fail "persistent"
[ "$(key 51728 feature-max-indirect-segments)" = 256 ] || fail "other: indirect"
[ "$(key 51728 max-ring-page-order)" = 4 ] || fail "other: ring order"
[ "$(key 51728 multi-queue-max-queues)" = 2 ] || fail "other: queues"
[ "$(key 51728 feature-persistent)" = 1 ] || fail "other: persistent"
# The lowered limits hold at connect: order 2 is refused on the first
# device (exit 3: the backend went Closing), order 1 with 1 queue works.
raw 51712 "$WORLD/a.img" --order 1 --queues 1 rw indirect=32 ||
	fail "I/O within the lowered limits"
raw 51728 "$WORLD/b.img" --order 4 --queues 2 rw indirect=256 ||
	fail "I/O on the other device"
xpvd_alive
