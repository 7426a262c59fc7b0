#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# demo.sh BUILDDIR - the main job on the simulated platform.
#
# A sim world (Debian's real xenstored over the simulated hypervisor), dom0
# running xenpvd, and guest 1 using libxenpvfront.  The toolstack
# (xenpvctl attach) gives the guest a disk image; the guest writes a
# verifiable pattern with 1 MiB (indirect) requests and 4 KiB random I/O,
# reads everything back and checks every byte, flushes, discards a range
# and checks it reads as zeros; then the benchmark runs the same I/O
# through the guest and directly on the image with fio.  Ends with one
# line: "demo: ok verified_bytes=N ...".  Leaves nothing running.
#
# Environment: DEMO_IMAGE_MB (default 256), DEMO_RUNTIME (seconds per
# benchmark run, default 5), DEMO_DIR (where the image goes: a real
# filesystem, so that O_DIRECT reaches the device; default /var/tmp).
set -euo pipefail

build=$(cd "${1:?usage: demo.sh BUILDDIR}" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=blk-sim-lib.sh
. "$here/blk-sim-lib.sh"

mb=${DEMO_IMAGE_MB:-256}
runtime=${DEMO_RUNTIME:-5}
work=$(mktemp -d "${DEMO_DIR:-/var/tmp}/xenpvd-demo.XXXXXX")
trap 'blk_cleanup; rm -rf "$work"' EXIT

die() {
	echo "demo: FAILED: $*" >&2
	[ ! -f "$work/xenpvd.log" ] || tail -n 20 "$work/xenpvd.log" >&2
	exit 1
}

echo "== image: $mb MiB at $work/disk.img, written end to end"
blk_image "$work/disk.img" "$mb"

echo "== sim world: xenstored, dom0, guest 1"
blk_world
blk_start_xenpvd "$work/xenpvd.log"
blk_attach "$work/disk.img" || die "attach"
"$ctl" list | sed 's/^/   /'

echo "== guest 1 writes, reads back and checks every byte"
io=$(blk_in_guest "$ctl" io --devid 51712 --verify) || die "$io"
echo "   $io"
verified=$(blk_field "$io" verified_bytes)

stats=$("$ctl" stats --json) || die "xenpvctl stats"
read -r indirect maxseg < <(python3 -c '
import json, sys
j = json.load(sys.stdin)
v = j["vbds"][0]
print(v["indirect"], v["max_segments"])
' <<<"$stats")
echo "   backend: indirect_requests=$indirect max_segments_seen=$maxseg"

echo "== benchmark: $runtime s per run, guest (libxenpvfront -> xenpvd) vs fio on the image"
r4=$(blk_bench randread 4k 128 "$runtime") || die "bench randread"
f4=$(blk_fio "$work/disk.img" randread 4k 128 "$runtime") || die "fio randread"
r1=$(blk_bench read 1m 16 "$runtime") || die "bench read"
f1=$(blk_fio "$work/disk.img" read 1m 16 "$runtime") || die "fio read"

iops=$(blk_field "$r4" iops)
fiops=$(blk_field "$f4" iops)
mbs=$(blk_field "$r1" MiB/s)
fmbs=$(blk_field "$f1" MiB/s)
printf '\n   %-24s %14s %14s %8s\n' "workload" "xenpvd (sim)" "fio direct" "ratio"
printf '   %-24s %14s %14s %8s\n' "4k randread QD128 IOPS" "$iops" "$fiops" \
	"$(blk_ratio "$iops" "$fiops")"
printf '   %-24s %14s %14s\n' "  p50 / p99 latency us" \
	"$(blk_field "$r4" lat_p50_us) / $(blk_field "$r4" lat_p99_us)" \
	"$(blk_field "$f4" lat_p50_us) / $(blk_field "$f4" lat_p99_us)"
printf '   %-24s %14s %14s %8s\n' "1m seq read QD16 MiB/s" "$mbs" "$fmbs" \
	"$(blk_ratio "$mbs" "$fmbs")"
echo

blk_detach || die "detach"
blk_stop_xenpvd
echo "demo: ok verified_bytes=$verified indirect_requests=$indirect" \
	"max_segments=$maxseg iops_4k_randread=$iops" \
	"ratio_4k_vs_direct=$(blk_ratio "$iops" "$fiops")" \
	"seq_1m_MiBps=$mbs ratio_1m_vs_direct=$(blk_ratio "$mbs" "$fmbs")"
