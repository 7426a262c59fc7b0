#!/bin/bash
# SPDX-License-Identifier: MIT
# Latency histograms: after reads, writes, flushes, discards and refused
# requests on two queues, every answered request is in exactly one
# histogram (read and write ones match the reads and writes counters), each
# latency sum lies within its histogram's bucket bounds, and xenpvctl stats
# prints a latency line per kind with the same counts.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup --max-queues=2
make_image "$WORLD/disk.img" 16
attach 51712 "$WORLD/disk.img" w
raw 51712 "$WORLD/disk.img" --queues 2 rw indirect=64 flush discard \
	unknownop || fail "I/O"
j=$(xpvd_stats)
python3 - "$j" <<'PY' || fail "histograms do not match the counters: $j"
import json, sys
v = json.loads(sys.argv[1])["vbds"][0]
kinds = ("read", "write", "other")
h = {k: v["lat_%s_us" % k] for k in kinds}
s = {k: v["lat_%s_sum_us" % k] for k in kinds}
n = {k: sum(h[k]) for k in kinds}
def check(ok, what):
    if not ok:
        print(what, file=sys.stderr)
        sys.exit(1)
check(len(h["read"]) == len(h["write"]) == len(h["other"]) > 1,
      "histograms of different sizes")
check(n["read"] == v["reads"] > 0, "reads %d vs %d" % (n["read"], v["reads"]))
check(n["write"] == v["writes"] > 0,
      "writes %d vs %d" % (n["write"], v["writes"]))
# flush, discard and the refused unknown operations
check(n["other"] > 0, "no other requests")
check(n["other"] >= v["flushes"] + v["discards"] + v["unsupported"],
      "other requests missing")
check(sum(n.values()) == v["requests"],
      "%d in histograms, %d answered" % (sum(n.values()), v["requests"]))
# Bucket 0 is [0, 2) us, bucket i [2^i, 2^(i+1)), the last [2^i, inf).
for k in kinds:
    last = len(h[k]) - 1
    lo = sum(c * (0 if i == 0 else 1 << i) for i, c in enumerate(h[k]))
    check(s[k] >= lo, "%s: sum %d below bucket bounds %d" % (k, s[k], lo))
    if h[k][last] == 0:
        hi = sum(c * ((2 << i) - 1) for i, c in enumerate(h[k]))
        check(s[k] <= hi, "%s: sum %d above bucket bounds %d" % (k, s[k], hi))
PY
CTL=$top_builddir/tools/xenpvctl
[ -x "$CTL" ] || skip "no xenpvctl"
out=$("$CTL" stats --socket "$XPVD_SOCK") || fail "xenpvctl stats"
echo "$out"
for k in read write other; do
	line=$(grep -E "^ +latency $k " <<<"$out") ||
		fail "no $k latency line: $out"
	want=$(python3 -c 'import json,sys; print(sum(json.loads(sys.argv[1])["vbds"][0]["lat_%s_us" % sys.argv[2]]))' "$j" "$k")
	[ "$(awk '{print $3}' <<<"$line")" = "$want" ] ||
		fail "$k count is not $want: $line"
	for p in mean p50 p90 p99 max; do
		grep -q " $p " <<<"$line" || fail "no $p: $line"
	done
	grep -qE " max (<=[0-9]+(us|ms)|>=[0-9]+ms)" <<<"$line" ||
		fail "max is not a bound: $line"
done
xpvd_alive
