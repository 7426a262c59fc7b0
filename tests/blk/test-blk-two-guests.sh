#!/bin/bash
# SPDX-License-Identifier: MIT
# Two guests, one xenpvd: domains 1 and 2 each get their own image through
# the toolstack (xenpvctl attach) and run verified I/O (xenpvctl io
# --verify) at the same time, with different pattern seeds.  Both must
# succeed; afterwards, from dom0, every sector each guest wrote carries its
# own offset and its own guest's seed (no sector of the other guest, none
# misplaced), and xenpvd's stats list two VBDs that both served requests.
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
requires which python3
blk_setup
blk_guest 1
blk_guest 2
SIZE=$((24 << 20))
blk_image "$WORLD/disk1.img" 32
blk_image "$WORLD/disk2.img" 32
blk_attach 1 "$WORLD/disk1.img" || fail "attach guest 1"
blk_attach 2 "$WORLD/disk2.img" || fail "attach guest 2"

# Seeds far apart: a guest writes seed or seed+1 (two generations).
blk_ctl_guest 1 io --devid $DEVID --pattern 1001 --size $SIZE --verify \
	>"$WORLD/io1.out" 2>&1 &
p1=$!
track_pid $p1
blk_ctl_guest 2 io --devid $DEVID --pattern 2002 --size $SIZE --verify \
	>"$WORLD/io2.out" 2>&1 &
p2=$!
track_pid $p2
r1=0 r2=0
timeout_at=$((SECONDS + 120))
for p in $p1 $p2; do
	while kill -0 $p 2>/dev/null; do
		[ $SECONDS -lt $timeout_at ] || fail "guest I/O hangs"
		sleep 0.2
	done
done
wait $p1 || r1=$?
wait $p2 || r2=$?
[ $r1 = 0 ] || fail "guest 1 io (rc $r1): $(cat "$WORLD/io1.out")"
[ $r2 = 0 ] || fail "guest 2 io (rc $r2): $(cat "$WORLD/io2.out")"
grep -q '^io: ok verified_bytes=[1-9]' "$WORLD/io1.out" ||
	fail "guest 1: $(cat "$WORLD/io1.out")"
grep -q '^io: ok verified_bytes=[1-9]' "$WORLD/io2.out" ||
	fail "guest 2: $(cat "$WORLD/io2.out")"
blk_alive

# Each image from dom0: every 512-byte sector of the first SIZE bytes is
# either the guest's (offset, seed or seed+1) or zero (the range its io
# discarded); at least 90% of them must be the guest's.
check_image() { # IMAGE SEED OTHER_SEED
	python3 - "$1" "$2" "$3" "$SIZE" <<'PY'
import struct, sys
path, seed, other, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
own = zero = 0
with open(path, "rb") as f:
    data = f.read(size)
assert len(data) == size, "short image"
for off in range(0, size, 512):
    sec = data[off:off + 512]
    if sec == bytes(512):
        zero += 1
        continue
    o, s = struct.unpack_from("<QQ", sec)
    if s in (other, other + 1):
        sys.exit("%s: sector at %d holds the other guest's data" % (path, off))
    if o != off or s not in (seed, seed + 1):
        sys.exit("%s: sector at %d: offset %d seed %d" % (path, off, o, s))
    own += 1
if own * 10 < (size // 512) * 9:
    sys.exit("%s: only %d own sectors, %d zero" % (path, own, zero))
print("%s: own=%d zero=%d" % (path, own, zero))
PY
}
check_image "$WORLD/disk1.img" 1001 2002 || fail "image of guest 1"
check_image "$WORLD/disk2.img" 2002 1001 || fail "image of guest 2"

# Two VBDs in the stats, each with requests, one per guest.
stats=$(blk_ctl stats --json) || fail "xenpvctl stats"
python3 - "$stats" <<'PY' || fail "stats: $stats"
import json, sys
v = json.loads(sys.argv[1])["vbds"]
doms = sorted(x["domid"] for x in v)
assert doms == [1, 2], "VBDs of domains %s" % doms
for x in v:
    assert x["requests"] > 0 and x["writes"] > 0 and x["reads"] > 0, x
print("stats:", [(x["domid"], x["requests"]) for x in v])
PY
blk_detach 1 || fail "detach guest 1"
blk_detach 2 || fail "detach guest 2"
blk_alive
exit 0
