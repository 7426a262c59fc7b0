#!/bin/bash
# SPDX-License-Identifier: MIT
# xenpvctl detach while the guest's I/O is in flight: guest 1 runs
# `xenpvctl bench --rw randwrite` (32 I/Os in flight) and the toolstack
# detaches its disk (online=0, state=5, waits for 6, removes the dirs).
# Expected: the backend reaches Closed within 10 s (detach succeeds
# without --force); the guest's I/O ends with errors (-ENODEV/-EIO), not a
# hang (bounded with timeout); xenpvd stays alive and then serves guest 2
# verified I/O; and dom0 maps no more grants and holds no more event
# channels than before the attach, once guest 1's disk is gone and again
# once guest 2's is.
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
requires which timeout
blk_setup
blk_guest 1
blk_guest 2
blk_image "$WORLD/disk1.img" 32
blk_image "$WORLD/disk2.img" 32
# dom0's baseline: xenstored maps each guest's store page.
base=$(blk_resources 0) || hard_error "xenpv-sim resources"
bmaps=$(blk_field "$base" maps)
bports=$(blk_field "$base" ports)

blk_attach 1 "$WORLD/disk1.img" || fail "attach guest 1"
in_guest 1 timeout -k 5 60 "$CTL" bench --devid $DEVID --rw randwrite \
	--bs 4k --iodepth 32 --runtime 30 >"$WORLD/bench.out" 2>&1 &
bpid=$!
track_pid $bpid

# Wait until the guest's writes flow, then detach under load.
n=0
for _ in $(seq 100); do
	n=$(blk_ctl stats --json 2>/dev/null | python3 -c '
import json, sys
v = [x for x in json.load(sys.stdin)["vbds"] if x["domid"] == 1]
print(v[0]["writes"] if v else 0)' 2>/dev/null)
	[ "${n:-0}" -gt 200 ] && break
	sleep 0.1
done
[ "${n:-0}" -gt 200 ] || fail "guest 1 writes do not flow: $(cat "$WORLD/bench.out")"
kill -0 $bpid 2>/dev/null || fail "bench ended early: $(cat "$WORLD/bench.out")"
mid=$(blk_resources 0)
echo "dom0 before attach: $base; under I/O: $mid"

t0=$SECONDS
out=$(blk_ctl detach --domid 1 --timeout 10 2>&1) ||
	fail "detach (backend not Closed within 10 s?): $out"
[ $((SECONDS - t0)) -le 11 ] || fail "detach took $((SECONDS - t0)) s"
xenstore-read /local/domain/0/backend/qdisk/1/$DEVID/state >/dev/null 2>&1 &&
	fail "the backend directory is still there after detach"
blk_alive

# The guest's I/O fails, promptly.
t1=$SECONDS
brc=0
wait $bpid || brc=$?
echo "bench exit $brc after $((SECONDS - t1)) s: $(cat "$WORLD/bench.out")"
[ $brc = 124 ] || [ $brc = 137 ] && fail "the guest's I/O hung after detach"
[ $brc = 0 ] && fail "the guest's I/O succeeded on a detached disk"
[ $((SECONDS - t1)) -le 20 ] || fail "the guest took $((SECONDS - t1)) s to notice"
grep -Eq 'No such device|Input/output error|errors=[1-9]' "$WORLD/bench.out" ||
	fail "no -ENODEV/-EIO from the guest's I/O"

# No grant mapping or event channel of guest 1 left in dom0.
check_resources() { # WHEN
	local r maps ports
	for _ in $(seq 50); do
		r=$(blk_resources 0)
		maps=$(blk_field "$r" maps)
		ports=$(blk_field "$r" ports)
		[ "$maps" -le "$bmaps" ] && [ "$ports" -le "$bports" ] && return 0
		sleep 0.1
	done
	fail "dom0 holds $r after $1, $base before attach"
}
check_resources "guest 1's detach"

# xenpvd still serves: guest 2 gets a disk and verified I/O works.
blk_alive
blk_attach 2 "$WORLD/disk2.img" || fail "attach guest 2 after the detach"
out=$(blk_ctl_guest 2 io --devid $DEVID --size 16M --verify 2>&1) ||
	fail "guest 2 io after guest 1's detach: $out"
echo "$out"
blk_detach 2 || fail "detach guest 2"
blk_alive
check_resources "guest 2's detach"
exit 0
