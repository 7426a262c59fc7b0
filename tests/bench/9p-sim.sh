#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 9p-sim.sh [BUILDDIR] - the 9pfs benchmark on the simulated platform (a
# benchmark, not a test: it prints a table and asserts nothing).
#
# xenpvd --type=9pfs shares a directory with guest 1 (xenpvctl p9-attach);
# `xenpvctl p9 bench`, run as the guest, goes through libxenpvfront ->
# rings -> xenpvd's 9P server -> the files, at the session's defaults
# (2 rings of order 9, msize 1 MiB).  The baseline is the same loop run by
# the same tool on the host on the same files (`p9 bench --direct-path`:
# system calls, same page cache, same filesystem), with the same number of
# requests in flight:
#   read, write   1 MiB calls one after the other over a 256 MiB file
#                 (passes repeated for BENCH_SEQ_RUNTIME seconds), against
#                 pread/pwrite of 1 MiB from one thread
#   randread QD1  4 KiB random reads, one raw Tread in flight, against one
#                 thread's preads
#   randread QDn  BENCH_QD (32) raw Treads in flight, against as many
#                 threads with a pread each
#   meta          create, then stat, then unlink BENCH_FILES (10000) files
#                 (Twalk+Tlcreate+Tclunk, Twalk+Tgetattr+Tclunk,
#                 Tunlinkat), against open(O_CREAT|O_EXCL)+close, fstatat,
#                 unlinkat
# The files are written in full before the first run, so both sides read
# from the page cache.  Each round runs every workload, the host first and
# then the guest, back to back; ratios are taken within a round (the
# machine's speed drifts), and the table gives medians over BENCH_ROUNDS
# rounds with the lowest and highest ratio.  The backend's copies per
# payload byte come from xenpvd's statistics at the end: 1 (the one move
# between file and ring, by definition) + copied_bytes / (read_bytes +
# write_bytes).
#
# Ends with one line:
#   9p-sim: read_ratio=X write_ratio=Y meta_ratio=Z backend_copies_per_byte=C
#
# Environment: BENCH_ROUNDS (3), BENCH_FILE_MB (256), BENCH_SEQ_RUNTIME
# (2 seconds per sequential run), BENCH_RUNTIME (3 seconds per random-read
# run), BENCH_QD (32), BENCH_FILES (10000), BENCH_DIR (where the share's
# directory goes, default /var/tmp).  Quote ratios, not absolute numbers.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
# shellcheck source=../../tools/blk-sim-lib.sh
. "$here/../../tools/blk-sim-lib.sh"

rounds=${BENCH_ROUNDS:-3}
mb=${BENCH_FILE_MB:-256}
seqrt=${BENCH_SEQ_RUNTIME:-2}
rt=${BENCH_RUNTIME:-3}
qd=${BENCH_QD:-32}
files=${BENCH_FILES:-10000}
work=$(mktemp -d "${BENCH_DIR:-/var/tmp}/xenpvd-9p.XXXXXX")
share=$work/share
sock=$work/xenpvd.sock
trap 'blk_cleanup; rm -rf "$work"' EXIT

command -v python3 >/dev/null || { echo "9p-sim: python3 is needed" >&2; exit 1; }

echo "# share: $share ($(df -T "$work" | awk 'NR == 2 { print $2 }')), two" \
	"$mb MiB files written in full; ${seqrt}s per sequential run," \
	"${rt}s per random-read run, $files files; $rounds rounds; $(nproc) CPUs"
mkdir "$share"
for f in data wdata; do
	dd if=/dev/urandom of="$share/$f" bs=1M count="$mb" status=none \
		conv=fsync
done

blk_world
blk_start_xenpvd "$work/xenpvd.log" --type=9pfs --control="$sock"
"$ctl" p9-attach --domid 1 --path "$share" --tag bench --wait 20 \
	>/dev/null || { echo "9p-sim: p9-attach failed" >&2; tail "$work/xenpvd.log" >&2; exit 1; }

# p9run TARGET ARGS...: one `xenpvctl p9 bench` (TARGET 9p: as guest 1,
# direct: on the host) with the backend's CPU seconds appended.
p9run() {
	local target=$1 c0 c1 line
	shift
	c0=$(blk_cpu_s "$blk_xenpvd_pid")
	if [ "$target" = 9p ]; then
		line=$(blk_in_guest "$ctl" p9 bench "$@") || return 1
	else
		line=$("$ctl" p9 bench "$@") || return 1
	fi
	c1=$(blk_cpu_s "$blk_xenpvd_pid")
	echo "$line be_cpu_s=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')"
}

# Workloads: name, then the arguments of each side.
names=(read write randread-qd1 "randread-qd$qd" meta)
declare -A g d
g[read]="--rw read --file data --size ${mb}M --runtime $seqrt"
d[read]="--rw read --direct-path $share/data --size ${mb}M --runtime $seqrt"
g[write]="--rw write --file wdata --size ${mb}M --runtime $seqrt"
d[write]="--rw write --direct-path $share/wdata --size ${mb}M --runtime $seqrt"
g[randread-qd1]="--rw randread --file data --iodepth 1 --runtime $rt"
d[randread-qd1]="--rw randread --direct-path $share/data --iodepth 1 --runtime $rt"
g[randread-qd$qd]="--rw randread --file data --iodepth $qd --runtime $rt"
d[randread-qd$qd]="--rw randread --direct-path $share/data --iodepth $qd --runtime $rt"
g[meta]="--rw meta --files $files --file meta-9p"
d[meta]="--rw meta --files $files --direct-path $share/meta-direct"

out=$work/results # lines: round workload target line...
: >"$out"
t0=$SECONDS
for ((r = 1; r <= rounds; r++)); do
	for w in "${names[@]}"; do
		for t in direct 9p; do
			if [ $t = 9p ]; then a=${g[$w]}; else a=${d[$w]}; fi
			# shellcheck disable=SC2086
			line=$(p9run $t $a) ||
				{ echo "9p-sim: $t $w failed" >&2; tail "$work/xenpvd.log" >&2; exit 1; }
			echo "$r $w $t $line" >>"$out"
			echo "# round $r $w $t: $line" >&2
		done
	done
done
echo "# runs took $((SECONDS - t0)) s" >&2

stats=$("$ctl" stats --json --socket "$sock") ||
	{ echo "9p-sim: xenpvctl stats failed" >&2; exit 1; }
"$ctl" p9-detach --domid 1 --timeout 10 >/dev/null ||
	echo "9p-sim: p9-detach failed" >&2

python3 - "$out" "$stats" "${names[@]}" <<'PY'
import json, statistics, sys

path, stats, names = sys.argv[1], sys.argv[2], sys.argv[3:]
res = {}  # (workload, target) -> [(round, {key: value})]
for ln in open(path):
    r, wl, tgt, rest = ln.split(None, 3)
    kv = dict(t.split("=", 1) for t in rest.split() if "=" in t)
    res.setdefault((wl, tgt), []).append((int(r), kv))

def f(v):
    return float(v) if v not in (None, "") else float("nan")

def metric(wl):
    return "ops_per_s" if wl == "meta" else \
        "iops" if wl.startswith("rand") else "MiBps"

unit = {"ops_per_s": "ops/s", "iops": "IOPS", "MiBps": "MiB/s"}
med = {}
print()
print("%-15s %6s %11s %11s %6s %11s %15s %15s %11s" % (
    "workload", "unit", "direct", "9p (sim)", "ratio", "min-max",
    "direct p50/p99", "9p p50/p99 us", "cpu 9p+be"))
for wl in names:
    m = metric(wl)
    base = {r: f(kv.get(m)) for r, kv in res[(wl, "direct")]}
    runs = res[(wl, "9p")]
    ratios = [f(kv.get(m)) / base[r] for r, kv in runs if base.get(r)]
    med[wl] = statistics.median(ratios)
    lat = lambda t, k: statistics.median(f(kv.get(k)) for _, kv in res[(wl, t)])
    cpu = "%.2f+%.2f" % (
        statistics.median(f(kv.get("cpu_s")) for _, kv in runs),
        statistics.median(f(kv.get("be_cpu_s")) for _, kv in runs))
    print("%-15s %6s %11.1f %11.1f %6.3f %11s %15s %15s %11s" % (
        wl, unit[m], statistics.median(base.values()),
        statistics.median(f(kv.get(m)) for _, kv in runs), med[wl],
        "%.3f-%.3f" % (min(ratios), max(ratios)),
        "%.1f/%.1f" % (lat("direct", "p50_us"), lat("direct", "p99_us")),
        "%.1f/%.1f" % (lat("9p", "p50_us"), lat("9p", "p99_us")), cpu))

j = json.loads(stats)
sh = j.get("shares", [])
rb = sum(s["read_bytes"] for s in sh)
wb = sum(s["write_bytes"] for s in sh)
cb = sum(s["copied_bytes"] for s in sh)
copies = 1 + cb / (rb + wb) if rb + wb else float("nan")
print()
print("# backend: read_bytes=%d write_bytes=%d copied_bytes=%d requests=%d"
      " errors=%d" % (rb, wb, cb, sum(s["requests"] for s in sh),
                      sum(s["errors"] for s in sh)))
print("# ratio: median over the rounds of (9p / direct in the same round);")
print("# min-max: its spread.  Latency: per call (read, write), per message")
print("# (randread), per operation (meta).  cpu: the guest process + xenpvd.")
print("9p-sim: read_ratio=%.3f write_ratio=%.3f meta_ratio=%.3f"
      " backend_copies_per_byte=%.3f" % (med["read"], med["write"],
                                         med["meta"], copies))
PY
