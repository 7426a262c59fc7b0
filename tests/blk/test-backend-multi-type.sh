#!/bin/bash
# SPDX-License-Identifier: MIT
# One xenpvd serves several backend types at once (type = vbd qdisk): a
# guest with one disk under backend/vbd (as xl's phy disks) and one under
# backend/qdisk gets both, each with its own verified I/O, and the stats
# list both.  "TYPE:CHANNEL" serves a directory of the operator's choosing
# with the channel named.  A type no channel serves stops the daemon at
# start, naming it.
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

# A directory of the operator's choosing, with the channel named.
blk_setup_more() {
	"$XENPVD" --platform=sim --control="$WORLD/y.sock" \
		--log-file="$WORLD/y.log" --type="mine:blk" --state-dir="$WORLD" &
	track_pid $!
	for _ in $(seq 100); do [ -S "$WORLD/y.sock" ] && return 0; sleep 0.1; done
	fail "xenpvd --type=mine:blk did not start: $(cat "$WORLD/y.log")"
}
blk_setup_more
blk_attach 1 "$WORLD/a.img" --type mine --vdev xvdc || fail "attach under mine"
blk_ctl_guest 1 io --devid 51744 --pattern 33 --size $((1 << 20)) --verify ||
	fail "I/O on the disk under backend/mine"

# A type nobody serves, or a channel that does not exist: refused at
# start, by name.
for t in nosuchtype vbd:nosuchchannel; do
	out=$(timeout 10 "$XENPVD" --platform=sim --control="$WORLD/x.sock" \
		--type="qdisk $t" --foreground 2>&1) &&
		fail "xenpvd started with type $t: $out"
	grep -q "no channel serves backend type '$t'" <<<"$out" ||
		fail "the refusal does not name $t: $out"
done
exit 0
