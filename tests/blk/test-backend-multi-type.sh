#!/bin/bash
# SPDX-License-Identifier: MIT
# One xenpvd serves several backend types at once (type = vbd qdisk): a
# guest with one disk under backend/vbd (as xl's phy disks) and one under
# backend/qdisk gets both, each with its own verified I/O, and the stats
# list both.  A type no channel serves stops the daemon at start, naming
# it.
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
requires which python3
blk_setup --type="vbd  qdisk"
grep -q "serving backend/vbd qdisk" "$XPVD_LOG" ||
	fail "the types are not said: $(grep serving "$XPVD_LOG")"
blk_guest 1
blk_image "$WORLD/a.img" 8
blk_image "$WORLD/b.img" 8
blk_attach 1 "$WORLD/a.img" --type vbd || fail "attach under vbd"
blk_attach 1 "$WORLD/b.img" --type qdisk --vdev xvdb || fail "attach under qdisk"
[ "$(xenstore-read /local/domain/0/backend/vbd/1/51712/state)" = 2 ] ||
	fail "backend/vbd device not in InitWait"
[ "$(xenstore-read /local/domain/0/backend/qdisk/1/51728/state)" = 2 ] ||
	fail "backend/qdisk device not in InitWait"
blk_ctl_guest 1 io --devid 51712 --pattern 11 --size $((4 << 20)) --verify ||
	fail "I/O on the vbd disk"
blk_ctl_guest 1 io --devid 51728 --pattern 22 --size $((4 << 20)) --verify ||
	fail "I/O on the qdisk disk"
n=$(blk_ctl stats --json --socket "$XPVD_SOCK" |
	python3 -c 'import json,sys; v=json.load(sys.stdin)["vbds"]; print(sum(1 for d in v if d["requests"] > 0))')
[ "$n" = 2 ] || fail "$n VBDs served requests, expected 2"
blk_alive

# A type nobody serves: refused at start, by name.
out=$(timeout 10 "$XENPVD" --platform=sim --control="$WORLD/x.sock" \
	--type="qdisk nosuchtype" --foreground 2>&1) &&
	fail "xenpvd started with an unknown type: $out"
grep -q "no channel serves backend type 'nosuchtype'" <<<"$out" ||
	fail "the refusal does not name the type: $out"
exit 0
