#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# blk-sim.sh [BUILDDIR] - the block benchmark on the simulated platform (a
# benchmark, not a test: it prints a table and asserts nothing).
#
# The workload of the vhost-blk comparison (fio --direct=1 --bs=4k
# --iodepth=128, random read and random write) plus 1 MiB sequential read
# and write, issued by guest 1 through libxenpvfront -> xenpvd -> image, and
# in the same run on the same image by fio directly (io_uring, O_DIRECT) as
# the baseline.  The guest uses zero-copy buffers (xpvf_buf_alloc); then
# the same guest I/O with ordinary buffers copied through the library's
# pool (copy), with indirect segments off (11 segments a request) and with
# persistent grants off (grant copy in xenpvd).
#
# Environment: BENCH_RUNTIME seconds per run (default 10), BENCH_IMAGE_MB
# (default 1024), BENCH_DIR for the image (a real filesystem, default
# /var/tmp: tmpfs does not do O_DIRECT), BENCH_SEQ_DEPTH (default 16).
# Quote ratios, not absolute numbers: the machine is shared and noisy.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
# shellcheck source=../../tools/blk-sim-lib.sh
. "$here/../../tools/blk-sim-lib.sh"

runtime=${BENCH_RUNTIME:-10}
mb=${BENCH_IMAGE_MB:-1024}
sqd=${BENCH_SEQ_DEPTH:-16}
work=$(mktemp -d "${BENCH_DIR:-/var/tmp}/xenpvd-bench.XXXXXX")
trap 'blk_cleanup; rm -rf "$work"' EXIT

command -v fio >/dev/null || { echo "blk-sim: fio is needed (apt-get install fio)" >&2; exit 1; }

echo "# image: $mb MiB in $work, written end to end; ${runtime}s per run; $(nproc) CPUs"
blk_image "$work/disk.img" "$mb"
blk_world

# run_config NAME XENPVD-OPTIONS... : attach with that xenpvd, run the
# four workloads, store each summary line in res[NAME/workload].
declare -A res
workloads=("randread 4k 128" "randwrite 4k 128" "read 1m $sqd" "write 1m $sqd")

run_config() {
	local name=$1 w
	shift
	blk_start_xenpvd "$work/xenpvd-$name.log" "$@"
	blk_attach "$work/disk.img"
	for w in "${workloads[@]}"; do
		# shellcheck disable=SC2086
		set -- $w
		res[$name/$1]=$(blk_bench "$1" "$2" "$3" "$runtime") ||
			{ echo "blk-sim: $name $1 failed" >&2; exit 1; }
		echo "# $name $1: ${res[$name/$1]}" >&2
	done
	blk_detach
	blk_stop_xenpvd
}

for w in "${workloads[@]}"; do
	# shellcheck disable=SC2086
	set -- $w
	sync
	echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
	res[direct/$1]=$(blk_fio "$work/disk.img" "$1" "$2" "$3" "$runtime")
	echo "# direct $1: ${res[direct/$1]}" >&2
done
run_config xenpvd
BLK_BENCH_ARGS=--copy run_config copy
run_config no-indirect --max-indirect-segments=0
run_config no-persistent --no-persistent

metric() { # metric WORKLOAD -> iops for 4k, MiB/s for 1m
	case $1 in rand*) echo iops ;; *) echo MiB/s ;; esac
}

printf '\n%-11s %-14s %10s %9s %9s %8s %8s %8s\n' workload config \
	value unit p50_us p99_us cpu_s ratio
for w in "${workloads[@]}"; do
	# shellcheck disable=SC2086
	set -- $w
	m=$(metric "$1")
	base=$(blk_field "${res[direct/$1]}" "$m")
	for cfg in direct xenpvd copy no-indirect no-persistent; do
		line=${res[$cfg/$1]}
		v=$(blk_field "$line" "$m")
		cpu=$(blk_field "$line" cpu_s)
		be=$(blk_field "$line" be_cpu_s)
		[ -z "$be" ] || cpu="$cpu+$be"
		printf '%-11s %-14s %10s %9s %9s %8s %8s %8s\n' "$1/$2" "$cfg" \
			"$v" "$m" "$(blk_field "$line" lat_p50_us)" \
			"$(blk_field "$line" lat_p99_us)" "$cpu" \
			"$(blk_ratio "$v" "$base")"
	done
done
echo
echo "# ratio: to fio direct on the same image in this run; cpu_s: guest+xenpvd"
echo "# (for direct: fio's own).  Targets: 4k randread >= 0.90x direct,"
echo "# 1m sequential >= 0.95x direct, indirect faster than 11 segments."
