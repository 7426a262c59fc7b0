#!/bin/bash
# SPDX-License-Identifier: MIT
# FLUSH_DISKCACHE and WRITE_BARRIER, with and without data, alone and
# among writes posted together (barrierburst: a barrier's data over an
# earlier write of the same push must win); DISCARD reads back as zeros.
# Again without persistent grants, where xenpvd batches the copies of the
# writes a pass takes (a barrier must issue them before it drains).
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup
make_image "$WORLD/disk.img" 16
attach 51712 "$WORLD/disk.img" w
raw 51712 "$WORLD/disk.img" flush barrier barrierburst discard ||
	fail "flush/discard"
make_image "$WORLD/copy.img" 16
attach 51728 "$WORLD/copy.img" w
raw 51728 "$WORLD/copy.img" --persistent 0 flush barrier barrierburst \
	discard || fail "flush/discard without persistent grants"
xpvd_alive
