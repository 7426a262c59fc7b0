#!/bin/bash
# SPDX-License-Identifier: MIT
# A frontend speaking the x86_32 ABI (id at offset 4, 108-byte slots).
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup
make_image "$WORLD/disk.img" 16
attach 51712 "$WORLD/disk.img" w
raw 51712 "$WORLD/disk.img" --abi 32 --order 2 rw burst indirect=256 malformed ||
	fail "x86_32 ABI"
xpvd_alive
