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
# through the guest and directly on the image with fio.  The same xenpvd
# also serves 9pfs: the toolstack (xenpvctl p9-attach) shares a host
# directory with the guest, which writes a file into it through
# libxenpvfront (xenpvctl p9 put), reads it back (p9 cat), and both copies
# are compared with the original; then 1 MiB sequential reads of a file of
# the share through the guest against pread on the same file on the host
# (xenpvctl p9 bench, both from the page cache).  Ends with one line:
# "demo: ok verified_bytes=N ... p9_verified_bytes=N ...".  Leaves nothing
# running.
#
# Environment: DEMO_IMAGE_MB (default 256), DEMO_RUNTIME (seconds per
# benchmark run, default 5), DEMO_P9_MB (the 9pfs read file, default 256),
# DEMO_DIR (where the image and the share go: a real filesystem, so that
# O_DIRECT reaches the device; default /var/tmp).
set -euo pipefail

build=$(cd "${1:?usage: demo.sh BUILDDIR}" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=blk-sim-lib.sh
. "$here/blk-sim-lib.sh"

mb=${DEMO_IMAGE_MB:-256}
runtime=${DEMO_RUNTIME:-5}
p9mb=${DEMO_P9_MB:-256}
work=$(mktemp -d "${DEMO_DIR:-/var/tmp}/xenpvd-demo.XXXXXX")
trap 'blk_cleanup; rm -rf "$work"' EXIT

die() {
	echo "demo: FAILED: $*" >&2
	[ ! -f "$work/xenpvd.log" ] || tail -n 20 "$work/xenpvd.log" >&2
	exit 1
}

echo "== image: $mb MiB at $work/disk.img, written end to end"
blk_image "$work/disk.img" "$mb"

echo "== sim world: xenstored, dom0, guest 1; xenpvd serves qdisk and 9pfs"
blk_world
blk_start_xenpvd "$work/xenpvd.log" --type="qdisk 9pfs"
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
# The ceiling is the device's, not one thread's: xenpvd drives the image
# from one io_uring per queue, so fio runs with 1 job and with as many
# jobs as the guest got queues (same total depth), and the better counts.
r4=$(blk_bench randread 4k 128 "$runtime") || die "bench randread"
nq=$(blk_field "$r4" queues)
f4=$(blk_fio_ceiling "$work/disk.img" randread 4k 128 "$runtime" "${nq:-1}") ||
	die "fio randread"
r1=$(blk_bench read 1m 16 "$runtime") || die "bench read"
f1=$(blk_fio_ceiling "$work/disk.img" read 1m 16 "$runtime" "${nq:-1}") ||
	die "fio read"
fjobs=$(blk_field "$f4" jobs)

iops=$(blk_field "$r4" iops)
fiops=$(blk_field "$f4" iops)
mbs=$(blk_field "$r1" MiB/s)
fmbs=$(blk_field "$f1" MiB/s)
printf '\n   %-24s %14s %14s %8s\n' "workload" "xenpvd (sim)" \
	"fio ceiling" "ratio"
printf '   %-24s %14s %14s %8s\n' "4k randread QD128 IOPS" "$iops" "$fiops" \
	"$(blk_ratio "$iops" "$fiops")"
printf '   %-24s %14s %14s\n' "  p50 / p99 latency us" \
	"$(blk_field "$r4" lat_p50_us) / $(blk_field "$r4" lat_p99_us)" \
	"$(blk_field "$f4" lat_p50_us) / $(blk_field "$f4" lat_p99_us)"
printf '   %-24s %14s %14s %8s\n' "1m seq read QD16 MiB/s" "$mbs" "$fmbs" \
	"$(blk_ratio "$mbs" "$fmbs")"
echo "   fio ceiling: the better of 1 and $nq job(s) at the same total depth" \
	"(4k: $fjobs job(s), $(blk_field "$f4" alt_iops) IOPS with" \
	"$(blk_field "$f4" alt_jobs); 1m: $(blk_field "$f1" jobs) job(s))"
echo

blk_detach || die "detach"

echo "== 9pfs: $work/share shared with guest 1 (xenpvctl p9-attach, tag demo)"
share=$work/share
mkdir "$share"
dd if=/dev/urandom of="$share/seq.dat" bs=1M count="$p9mb" status=none \
	conv=fsync
head -c $(((8 << 20) + 4321)) /dev/urandom >"$work/p9-src"
"$ctl" p9-attach --domid 1 --path "$share" --tag demo --wait 20 \
	>/dev/null || die "p9-attach"
put=$(blk_in_guest "$ctl" p9 put "$work/p9-src" from-guest.bin) ||
	die "p9 put: $put"
echo "   guest: $put"
cmp "$share/from-guest.bin" "$work/p9-src" ||
	die "the host's copy of what the guest wrote differs"
blk_in_guest "$ctl" p9 cat from-guest.bin >"$work/p9-back" || die "p9 cat"
cmp "$work/p9-back" "$work/p9-src" || die "what the guest read back differs"
p9verified=$(stat -c %s "$work/p9-back")
echo "   read back through libxenpvfront and compared: $p9verified bytes"
blk_in_guest "$ctl" p9 ls -l | sed 's/^/   guest ls: /'

echo "== 9pfs: 1 MiB sequential reads of a $p9mb MiB file, 2 s each:" \
	"guest (libxenpvfront -> xenpvd) vs pread on the host"
p9d=$("$ctl" p9 bench --rw read --direct-path "$share/seq.dat" \
	--runtime 2) || die "p9 bench direct"
p9g=$(blk_in_guest "$ctl" p9 bench --rw read --file seq.dat --runtime 2) ||
	die "p9 bench"
p9mbs=$(blk_field "$p9g" MiBps)
p9dmbs=$(blk_field "$p9d" MiBps)
p9stats=$("$ctl" stats --json) || die "xenpvctl stats"
p9copies=$(python3 -c '
import json, sys
s = json.load(sys.stdin)["shares"][0]
n = s["read_bytes"] + s["write_bytes"]
print("%.3f" % (1 + s["copied_bytes"] / n) if n else "n/a")
' <<<"$p9stats")
printf '\n   %-24s %14s %14s %8s\n' "workload" "9pfs (sim)" "pread direct" "ratio"
printf '   %-24s %14s %14s %8s\n' "1m seq read MiB/s" "$p9mbs" "$p9dmbs" \
	"$(blk_ratio "$p9mbs" "$p9dmbs")"
printf '   %-24s %14s %14s\n' "  p50 / p99 latency us" \
	"$(blk_field "$p9g" p50_us) / $(blk_field "$p9g" p99_us)" \
	"$(blk_field "$p9d" p50_us) / $(blk_field "$p9d" p99_us)"
echo "   backend copies per payload byte: $p9copies (msize $(blk_field "$p9g" msize))"
echo
"$ctl" p9-detach --domid 1 --timeout 10 >/dev/null || die "p9-detach"

blk_stop_xenpvd
echo "demo: ok verified_bytes=$verified indirect_requests=$indirect" \
	"max_segments=$maxseg iops_4k_randread=$iops" \
	"ratio_4k_vs_direct=$(blk_ratio "$iops" "$fiops")" \
	"p99_ratio_4k_vs_direct=$(blk_ratio "$(blk_field "$r4" lat_p99_us)" \
		"$(blk_field "$f4" lat_p99_us)") fio_jobs=$fjobs" \
	"seq_1m_MiBps=$mbs ratio_1m_vs_direct=$(blk_ratio "$mbs" "$fmbs")" \
	"p9_verified_bytes=$p9verified p9_read_MiBps=$p9mbs" \
	"ratio_p9_read_vs_direct=$(blk_ratio "$p9mbs" "$p9dmbs")"
