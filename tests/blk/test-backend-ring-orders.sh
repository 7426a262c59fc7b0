#!/bin/bash
# SPDX-License-Identifier: MIT
# Rings of 1, 2, 4, 8 and 16 pages, each with a full ring of requests.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup
for order in 0 1 2 3 4; do
	devid=$((51712 + 16 * order))
	make_image "$WORLD/disk$order.img" 16
	attach $devid "$WORLD/disk$order.img" w
	raw $devid "$WORLD/disk$order.img" --order $order rw burst ||
		fail "ring order $order"
done
xpvd_alive
