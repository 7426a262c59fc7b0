#!/bin/bash
# SPDX-License-Identifier: MIT
# libxenpvfront against the real backend, xenpvd, on a sim world: the
# toolstack's directories are written as the block contract says (one
# transaction, libxl's permissions), xenpvd serves a raw image, and the
# same verified I/O as with fake-blkback must pass (sizes, alignments,
# indirect, flush, discard reading zeros), then once more with the
# frontend limited to 1 queue, no indirect and no persistent grants, and
# with the x86_32 ABI, and with zero-copy buffers.  Skips until
# backend/xenpvd is built.
. "$top_srcdir/tests/frontend/test-frontend-common.sh"
XENPVD=${XENPVD:-$top_builddir/backend/xenpvd}
[ -x "$XENPVD" ] || skip "no $XENPVD (not built yet)"
fe_world
truncate -s 64M "$FE_TMP/disk.img" || hard_error "truncate"

attach() { # devid
	local be=/local/domain/0/backend/qdisk/1/$1
	local fe=/local/domain/1/device/vbd/$1
	xenstore-write \
		"$be/frontend" "$fe" "$be/frontend-id" 1 "$be/online" 1 \
		"$be/removable" 0 "$be/bootable" 1 "$be/state" 1 \
		"$be/dev" xvda "$be/type" qdisk "$be/mode" w \
		"$be/device-type" disk "$be/discard-enable" 1 \
		"$be/params" "aio:$FE_TMP/disk.img" \
		"$fe/backend" "$be" "$fe/backend-id" 0 "$fe/state" 1 \
		"$fe/virtual-device" "$1" "$fe/device-type" disk ||
		hard_error "xenstore-write"
	xenstore-chmod -r "$be" n0 r1 || hard_error "chmod $be"
	xenstore-chmod -r "$fe" n1 r0 || hard_error "chmod $fe"
}

"$XENPVD" --platform=sim --type=qdisk --cache=writeback \
	>"$FE_TMP/xenpvd.log" 2>&1 &
xpid=$!
track_pid "$xpid"
attach 51712
for _ in $(seq 100); do
	st=$(xenstore-read /local/domain/0/backend/qdisk/1/51712/state \
		2>/dev/null)
	[ "$st" = 2 ] && break
	kill -0 "$xpid" 2>/dev/null || fail "xenpvd died: $(cat "$FE_TMP/xenpvd.log")"
	sleep 0.1
done
[ "$st" = 2 ] || fail "xenpvd did not reach InitWait: $(cat "$FE_TMP/xenpvd.log")"

run_io 51712 --expect-segs 256 --expect-order 4 --expect-persistent 1 ||
	fail "verified I/O (defaults): $(tail -5 "$FE_TMP/xenpvd.log")"
run_io 51712 --span $((8 << 20)) --queues 1 --indirect 11 --no-persistent \
	--expect-queues 1 --expect-segs 11 --expect-persistent 0 ||
	fail "verified I/O (plain requests): $(tail -5 "$FE_TMP/xenpvd.log")"
run_io 51712 --span $((8 << 20)) --abi 32 --expect-abi 32 ||
	fail "verified I/O (x86_32-abi): $(tail -5 "$FE_TMP/xenpvd.log")"
run_io 51712 --span $((8 << 20)) --zero-copy ||
	fail "verified I/O (zero-copy buffers): $(tail -5 "$FE_TMP/xenpvd.log")"
exit 0
