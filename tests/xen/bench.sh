#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/xen/bench.sh - benchmark (not a test) of xenpvd against Linux
# xen-blkback and QEMU qdisk, and of xenpvd's 9pfs against QEMU's, under
# real Xen in qemu-system-x86_64 (TCG).
#
#   tests/xen/bench.sh [--build DIR] [--boots N] [--runtime SECS]
#                      [--ramp SECS] [--disk-mb MB] [--jobs LIST]
#                      [--guest-args "ARGS"] [--xenpvd-args "ARGS"]
#                      [--targets LIST] [--tries N]
#                      [--p9-jobs LIST] [--p9-mb MB] [--p9-msize BYTES]
#                      [--p9-files N] [--p9-limit SECS] [--p9-warm]
#                      [--p9-xenpvd-args "ARGS"]
#                      [--net-streams N] [--net-xenpvd-args "ARGS"]
#                      [--dom0-setup "COMMANDS"] [--perf]
#
# Block targets (the default set: blkback,xenpvd,dom0,qdisk).  In each boot
# a PV guest runs fio (libaio, O_DIRECT) - 4 KiB random read and random
# write at queue depth 128, 1 MiB sequential read and write at depth 16 -
# on the same disk served in turn by blkback, xenpvd and qdisk, and dom0
# runs the same jobs directly on the disk (the ceiling).  The disk is a raw
# image on the host given to the outer QEMU as a virtio disk (cache=none),
# so dom0 serves a real block device, /dev/vda.  blkback and xenpvd swap
# places from boot to boot; dom0 and qdisk come last (under emulation dom0
# processes crash now and then, QEMU's device model too, and its I/O load
# makes that likelier).
#
# 9pfs targets (asked for by name: --targets p9-xenpvd,p9-qemu,p9-dom0;
# they take a while, so the block benchmark does not run them).  After the
# block targets, dom0 makes an ext4 on /dev/vda and shares it with a PV
# guest that mounts it with `mount -t 9p -o trans=xen,version=9p2000.L,
# msize=524288` (the default cache mode), served in turn by xenpvd
# --type=9pfs (p9-xenpvd: the share attached with xenpvctl p9-attach) and
# by QEMU's Xen 9pfs backend (p9-qemu: a p9 line in the guest's xl config,
# so that libxl starts xen-qemu-system-i386 as its device model); dom0 runs
# the same jobs in the directory itself (p9-dom0, the ceiling).  The two
# servers swap places from boot to boot.  The jobs (--p9-jobs, in this
# order by default): seqwrite and seqread, a --p9-mb (256) MiB file
# written then read with fio psync in 1 MiB requests; randread, 4 KiB
# random reads of it, fio psync with 4 jobs for --runtime seconds; untar, a
# tarball of --p9-files (3000) small files in 30 directories extracted;
# stat, find -exec stat {} + over them; rm, rm -r of them.  Before each
# job the guest (or dom0) syncs and drops its caches and has dom0 sync and
# drop its own (--p9-warm: dom0 keeps them, so reads come from its page
# cache and the figures are the transport's alone), so every read hits
# the disk.  dom0 notes at those points, per job, the server's CPU seconds,
# dom0's busy seconds, and for xenpvd the share's requests, MB and mean
# latency (XENPV-BENCH-INFO ... job=J secs=... lines, printed below).
#
# Net targets (asked for by name: --targets net-xenpvd,net-netback).  Last
# in the boot: dom0 puts an address on a bridge and runs an iperf3 server;
# a PV guest's Linux xen-netfront gets a vif on that bridge, served in
# turn by xenpvd --type=vif (net-xenpvd) and by Linux xen-netback
# (net-netback), both attached with xenpvctl net-attach (swapping places
# from boot to boot); the guest runs iperf3 TCP for --runtime seconds
# (after --ramp) guest to dom0 and then dom0 to guest (-R), with
# --net-streams (1) streams.  Table: Mbit/s per direction and
# xenpvd/netback (target: >= 0.8x both ways).
#
# At the end one table per kind: per block job IOPS and MiB/s of each
# target (medians over the boots) and the ratios xenpvd/blkback,
# xenpvd/qdisk and xenpvd/dom0; per 9pfs job MiB/s or seconds of each
# target and xenpvd's speed against QEMU and dom0 (above 1: xenpvd is
# faster); ratios are medians of the ratios of each boot.  Under software
# emulation absolute numbers mean nothing and ratios only mean something
# within one boot; the same path varies 8-54% from boot to boot, so ratios
# below about 1.5x are noise.  The issue's tables use --boots 3.
#
# Exit status: 0 with a table, 1 when some result is missing, 77 when it
# cannot run here (no QEMU, packages, build).  --targets (a comma list of
# blkback, xenpvd, dom0, qdisk, p9-xenpvd, p9-qemu, p9-dom0) runs only
# some of them, for example one backend with --xenpvd-args "--debug=io"
# (block) or --p9-xenpvd-args "--p9-threads=8" (9pfs) when chasing a
# problem; the table then has only their columns.  A failed target is
# tried again (--tries, default 2) only when its try shows an emulation
# crash (dom0-bench.sh says which); --tries 1 never retries.
# --dom0-setup runs shell COMMANDS in dom0 before the first target (an
# experiment: `echo 2 >/sys/block/vda/queue/nomerges`, say).  --perf
# samples all of dom0 (perf record -a, cpu-clock: a PV dom0 has no PMU)
# during each guest target's try and prints the top of the profile, by
# process and symbol, as XENPV-BENCH-PERF lines.  QEMU is killed by its pid on every
# exit.  Environment as for run.sh (XENPVD_BUILD, XENPVD_XEN_CACHE,
# XENPVD_XEN_LOGDIR).
set -euo pipefail

XEN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$XEN_DIR/lib.sh"

build= boots=1 runtime=10 ramp=2 disk_mb=1024
jobs=randread,randwrite,seqread,seqwrite
guest_args= xenpvd_args= guest_mem=640 guest_vcpus=2
targets=blkback,xenpvd,dom0,qdisk tries=2
p9_jobs=seqwrite,seqread,randread,untar,stat,rm
p9_mb=256 p9_msize=524288 p9_files=3000 p9_limit=600 p9_drop=1
p9_xenpvd_args= net_streams=1 net_xenpvd_args= dom0_setup= perf=0
# The header above, up to the first line that is not a comment.
usage() { awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "$0"; }
while [ $# -gt 0 ]; do
	case "$1" in
	--p9-jobs) p9_jobs=$2; shift 2 ;;
	--p9-mb) p9_mb=$2; shift 2 ;;
	--p9-msize) p9_msize=$2; shift 2 ;;
	--p9-files) p9_files=$2; shift 2 ;;
	--p9-limit) p9_limit=$2; shift 2 ;;
	--p9-warm) p9_drop=0; shift ;;
	--p9-xenpvd-args) p9_xenpvd_args=$2; shift 2 ;;
	--net-streams) net_streams=$2; shift 2 ;;
	--net-xenpvd-args) net_xenpvd_args=$2; shift 2 ;;
	--dom0-setup) dom0_setup=$2; shift 2 ;;
	--perf) perf=1; shift ;;
	--build) build=$2; shift 2 ;;
	--boots) boots=$2; shift 2 ;;
	--runtime) runtime=$2; shift 2 ;;
	--ramp) ramp=$2; shift 2 ;;
	--disk-mb) disk_mb=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--guest-args) guest_args=$2; shift 2 ;;
	--xenpvd-args) xenpvd_args=$2; shift 2 ;;
	--targets) targets=$2; shift 2 ;;
	--tries) tries=$2; shift 2 ;;
	--*=*) a=${1%%=*}; v=${1#*=}; shift; set -- "$a" "$v" "$@" ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
for v in "$boots" "$runtime" "$ramp" "$disk_mb" "$tries" "$p9_mb" \
	 "$p9_msize" "$p9_files" "$p9_limit" "$net_streams"; do
	case "$v" in ''|*[!0-9]*) echo "bench.sh: not a number: $v" >&2; exit 2 ;; esac
done
[ "$boots" -ge 1 ] && [ "$runtime" -ge 1 ] && [ "$disk_mb" -ge 64 ] ||
	{ echo "bench.sh: --boots/--runtime >= 1, --disk-mb >= 64" >&2; exit 2; }
for j in ${jobs//,/ }; do
	case "$j" in randread|randwrite|seqread|seqwrite) ;;
	*) echo "bench.sh: unknown job $j" >&2; exit 2 ;; esac
done
for t in ${targets//,/ }; do
	case "$t" in blkback|xenpvd|dom0|qdisk|p9-xenpvd|p9-qemu|p9-dom0) ;;
	net-xenpvd|net-netback) ;;
	*) echo "bench.sh: unknown target $t" >&2; exit 2 ;; esac
done
for j in ${p9_jobs//,/ }; do
	case "$j" in seqwrite|seqread|randread|untar|stat|rm) ;;
	*) echo "bench.sh: unknown 9pfs job $j" >&2; exit 2 ;; esac
done
[ "$p9_mb" -ge 16 ] && [ "$p9_mb" -le $((guest_mem / 2)) ] ||
	{ echo "bench.sh: --p9-mb 16..$((guest_mem / 2))" >&2; exit 2; }
[ "$p9_files" -ge 1 ] && [ "$p9_limit" -ge 30 ] ||
	{ echo "bench.sh: --p9-files >= 1, --p9-limit >= 30" >&2; exit 2; }
want() { case ",$targets," in *",$1,"*) return 0 ;; esac; return 1; }
# Block, 9pfs and net targets asked for.
nblk=0 np9=0 nnet=0
for t in ${targets//,/ }; do
	case "$t" in
	p9-*) np9=$((np9 + 1)) ;;
	net-*) nnet=$((nnet + 1)) ;;
	*) nblk=$((nblk + 1)) ;;
	esac
done

# fio for the guest and dom0, QEMU's Xen device model for qdisk.  Not in
# XEN_PKGS: that list keys the image cache the scenarios share.
bench_pkgs() {
	local p missing=()
	for p in fio qemu-system-xen iperf3; do
		_xen_installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "${XENPVD_XEN_NO_INSTALL:-0}" = 1 ] &&
		xen_skip "missing packages: ${missing[*]}"
	[ "$(id -u)" -eq 0 ] || xen_skip "missing packages: ${missing[*]} (not root)"
	xen_say "installing: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
		apt-get update -qq >/dev/null 2>&1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "${missing[@]}" >/dev/null 2>&1
	} || xen_skip "apt-get install failed: ${missing[*]}"
}

tmp=
cleanup() {
	xen_kill_qemu
	[ -z "$tmp" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

xen_need_pkgs
bench_pkgs
xen_find_build "$build"
xen_cache_prepare

logdir=${XENPVD_XEN_LOGDIR:-$XEN_CACHE/logs}
mkdir -p "$logdir"
# Not under tmpfs: the outer QEMU opens the image with O_DIRECT.
tmp=$(mktemp -d "$XEN_CACHE/bench.XXXXXX")

# --- images ---------------------------------------------------------------

# _bench_root DIR: an overlay root whose /lib, /bin... are the merged-/usr
# symlinks of the base, so that _xen_copy lands files under /usr.
_bench_root() {
	mkdir -p "$1"/usr/{bin,sbin,lib,lib64}
	ln -s usr/bin "$1/bin"; ln -s usr/sbin "$1/sbin"
	ln -s usr/lib "$1/lib"; ln -s usr/lib64 "$1/lib64"
}
# Without the symlinks: the base already has them.
_bench_cpio() {
	(cd "$1" && find . ! -type l | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet)
}

# bench_tree OUT N: a tarball of N small files (0 to 12000 bytes, 3 KiB on
# average) in directories of 100, always the same, for the 9pfs untar,
# stat and rm jobs.
bench_tree() {
	local out=$1 n=$2 r i
	r=$(mktemp -d "$tmp/tree.XXXXXX")
	for ((i = 0; i * 100 < n; i++)); do
		mkdir -p "$r/tree/$(printf 'd%03d' "$i")"
	done
	awk -v n="$n" -v root="$r/tree" 'BEGIN {
		split("0 120 700 1500 3100 6000 12000 400", sz, " ")
		text = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		for (i = 0; i < n; i++) {
			f = sprintf("%s/d%03d/f%05d", root, int(i / 100), i)
			want = sz[i % 8 + 1]
			body = ""
			while (length(body) < want)
				body = body sprintf("%06d %s\n", i, text)
			printf "%s", substr(body, 1, want) >f
			close(f)
		}
	}' || return 1
	tar -cf "$out" --format=ustar --owner=0 --group=0 --mtime=@0 \
		--sort=name -C "$r" tree || return 1
	rm -rf "$r"
}

xen_say "building the benchmark overlays"
# Guest: the harness's guest initramfs, then fio and the bench /init.
g=$tmp/groot
_bench_root "$g"
_xen_copy "$g" /usr/bin/fio || xen_die "copying fio"
if [ "$nnet" -gt 0 ]; then
	_xen_copy "$g" /usr/bin/iperf3 || xen_die "copying iperf3"
fi
install -m 755 "$XEN_DIR/bench/guest-init" "$g/init"
install -m 644 "$XEN_DIR/bench/jobs.sh" "$g/bench-jobs.sh"
if [ "$np9" -gt 0 ]; then
	bench_tree "$tmp/bench-tree.tar" "$p9_files" ||
		xen_die "cannot make the 9pfs tarball"
	cp "$tmp/bench-tree.tar" "$g/bench-tree.tar"
fi
# fio's libraries are ~80 MiB.  Not compressed: under TCG the guest kernel
# would spend minutes inflating them.
cat "$XEN_IMG/guest.cpio" >"$tmp/bench-guest.cpio"
_bench_cpio "$g" >>"$tmp/bench-guest.cpio"
rm -rf "$g"

# dom0: the guest image, fio, qemu-xen, the bench "scenario".
d=$tmp/droot
_bench_root "$d"
_xen_copy "$d" /usr/bin/fio /usr/libexec/xen-qemu-system-i386 ||
	xen_die "copying fio / qemu"
if [ "$nnet" -gt 0 ]; then
	_xen_copy "$d" /usr/bin/iperf3 || xen_die "copying iperf3"
fi
if [ "$perf" = 1 ]; then
	_xen_copy "$d" "$(command -v perf)" || xen_die "copying perf"
fi
# QEMU's keymaps, in case libxl asks for a VNC display.
mkdir -p "$d/usr/share/qemu"
cp -a /usr/share/qemu/keymaps "$d/usr/share/qemu/" 2>/dev/null || true
# virtio for the benchmark disk: plain files loaded with insmod in this
# order (a depmod here would replace the base's module index).
mkdir -p "$d/boot" "$d/xpv/scenarios" "$d/xpv/bench-modules"
kver=$(cat "$XEN_IMG/kver")
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev \
	 virtio_pci virtio_blk crc16 mbcache jbd2 crc32c_generic ext4; do
	f=$(modinfo -k "$kver" -F filename "$m" 2>/dev/null) || continue
	case "$f" in /*) ;; *) continue ;; esac # built in
	cp "$f" "$d/xpv/bench-modules/"
	echo "$(basename "$f")" >>"$d/xpv/bench-modules/order"
done
mv "$tmp/bench-guest.cpio" "$d/boot/bench-guest.cpio"
install -m 755 "$XEN_DIR/bench/dom0-bench.sh" "$d/xpv/scenarios/bench.sh"
install -m 644 "$XEN_DIR/bench/jobs.sh" "$d/xpv/bench-jobs.sh"
[ "$np9" -gt 0 ] && cp "$tmp/bench-tree.tar" "$d/xpv/bench-tree.tar"
echo bench >"$d/xpv/scenarios.list"
_bench_cpio "$d" >"$tmp/bench.cpio"
rm -rf "$d"
xen_overlay "$tmp/overlay.cpio"

# The per-boot settings, in their own small archive.
njobs=$(echo "${jobs//,/ }" | wc -w)
p9_njobs=$(echo "${p9_jobs//,/ }" | wc -w)
per_guest=$((120 + njobs * (runtime + ramp + 150)))
per_p9_guest=$((120 + p9_njobs * (p9_limit + 30)))
# The time limit of the boot's work: each guest target's guests (per try),
# the dom0 targets' jobs, and the setup.
bench_secs=$((4 * 60))
for t in ${targets//,/ }; do
	case "$t" in
	dom0) bench_secs=$((bench_secs + njobs * (runtime + ramp + 120))) ;;
	p9-dom0) bench_secs=$((bench_secs + 2 * p9_njobs * p9_limit)) ;;
	p9-*) bench_secs=$((bench_secs + tries * per_p9_guest)) ;;
	net-*) bench_secs=$((bench_secs + tries * (120 + 2 * (runtime + ramp + 90)))) ;;
	*) bench_secs=$((bench_secs + tries * per_guest)) ;;
	esac
done
boot_conf() { # BOOT ORDER
	local c=$tmp/conf
	rm -rf "$c"
	mkdir -p "$c/xpv"
	cat >"$c/xpv/bench.conf" <<-CONF
	BOOT=$1
	ORDER="$2"
	RUNTIME=$runtime
	RAMP=$ramp
	JOBS=$jobs
	GUEST_ARGS="$guest_args"
	GUEST_MEM=$guest_mem
	GUEST_VCPUS=$guest_vcpus
	XENPVD_ARGS="$xenpvd_args"
	TRIES=$tries
	P9_JOBS=$p9_jobs
	P9_MB=$p9_mb
	P9_MSIZE=$p9_msize
	P9_LIMIT=$p9_limit
	P9_DROP=$p9_drop
	P9_XENPVD_ARGS="$p9_xenpvd_args"
	NET_STREAMS=$net_streams
	NET_XENPVD_ARGS="$net_xenpvd_args"
	DOM0_SETUP=$(printf %q "$dom0_setup")
	PERF=$perf
	CONF
	echo "$bench_secs" >"$c/xpv/scenario-timeout"
	_bench_cpio "$c"
}

xen_say "benchmark disk: $disk_mb MiB of random data"
dd if=/dev/urandom of="$tmp/disk.img" bs=1M count="$disk_mb" \
	status=none || xen_die "cannot write $tmp/disk.img"

# bench_boot DOM0CPIO LOG SECS: xen_boot with the benchmark disk as the
# outer QEMU's virtio disk (dom0's /dev/vda), and more memory: dom0's
# initramfs carries fio, QEMU and the guest image (~330 MiB unpacked) and
# the guest needs 640 MiB.  Same deadline and kill rules as xen_boot.
# The 9pfs targets make an ext4 on it, after the block targets: the next
# boot's block targets then read that instead of random data, which is
# all the same to them (no layer here compresses or skips zeros).
bench_boot() {
	local XEN_BOOT_MEM=3072 XEN_DOM0_MEM=1536M
	local XEN_BOOT_EXTRA=(-drive
		"file=$tmp/disk.img,if=virtio,format=raw,cache=none")
	xen_boot "$@"
}

# --- the boots --------------------------------------------------------------

backends=(blkback xenpvd)
results=$tmp/results # lines: boot target job iops kib
results9=$tmp/results9 # lines: boot target job value (p9-own: seconds)
resultsn=$tmp/resultsn # lines: boot target dir mbps
: >"$results"
: >"$results9"
: >"$resultsn"
p9_servers=(p9-xenpvd p9-qemu)
net_backends=(net-xenpvd net-netback)
ls -1t "$logdir"/*.log 2>/dev/null | tail -n +30 | xargs -r rm -f || true
stamp=$(date +%Y%m%d-%H%M%S)
logs=()
for ((b = 1; b <= boots; b++)); do
	# blkback and xenpvd alternate; then dom0 alone on the disk; qdisk
	# last: its heavy dom0 load brings out the emulation's crashes of
	# dom0 processes (its own device model included: then the guest's
	# I/O hangs and the try is retried) and whole boots have wedged idle
	# (seen with qdisk and without it), which must not cost the others.
	order=
	for ((i = 0; i < 2; i++)); do
		order="$order ${backends[$(( (b - 1 + i) % 2 ))]}"
	done
	order="$order dom0 qdisk"
	# Then the 9pfs servers, swapping places too, and dom0.
	for ((i = 0; i < 2; i++)); do
		order="$order ${p9_servers[$(( (b - 1 + i) % 2 ))]}"
	done
	order="$order p9-dom0"
	# Then the net backends, swapping places.
	for ((i = 0; i < 2; i++)); do
		order="$order ${net_backends[$(( (b - 1 + i) % 2 ))]}"
	done
	o=
	for t in $order; do want "$t" && o="$o $t"; done
	order=${o# }
	boot_conf "$b" "$order" >"$tmp/conf.cpio"
	cat "$XEN_IMG/dom0-base.cpio" "$tmp/overlay.cpio" "$tmp/bench.cpio" \
		"$tmp/conf.cpio" >"$tmp/dom0.cpio"
	log=$logdir/$stamp-bench-$b.log
	logs+=("$log")
	xen_say "boot $b/$boots: order $order; serial log $log"
	t0=$SECONDS
	brc=0
	bench_boot "$tmp/dom0.cpio" "$log" $((bench_secs + 180)) || brc=$?
	xen_say "boot $b took $((SECONDS - t0))s"
	# (A boot may give no line of a kind: grep's status must not end
	# the run under set -e; the count at the end says what is missing.)
	tr -d '\r' <"$log" | grep -a -o 'XENPV-BENCH boot=.*' |
		sed -n 's/^XENPV-BENCH boot=\([0-9]*\) target=\([a-z0-9]*\) job=\([a-z]*\) iops=\([0-9.]*\) kib=\([0-9.]*\).*/\1 \2 \3 \4 \5/p' \
		>>"$results" || true
	tr -d '\r' <"$log" | grep -a -o 'XENPV-BENCH-P9 boot=.*' |
		sed -n 's/^XENPV-BENCH-P9 boot=\([0-9]*\) target=\([a-z0-9-]*\) job=\([a-z]*\) value=\([0-9.]*\).*/\1 \2 \3 \4/p' \
		>>"$results9" || true
	# xenpvd's own seconds in the round trips of each job: its service
	# less the payload moves any server makes (target p9-own).
	tr -d '\r' <"$log" | grep -a -o 'XENPV-BENCH-INFO boot=.*target=p9-xenpvd job=.*' |
		sed -n 's/^XENPV-BENCH-INFO boot=\([0-9]*\) target=p9-xenpvd job=\([a-z]*\) .* service_s=\([0-9.]*\) move_s=\([0-9.]*\).*/\1 \2 \3 \4/p' |
		awk '{ printf "%s p9-own %s %.2f\n", $1, $2, $3 - $4 }' \
		>>"$results9" || true
	tr -d '\r' <"$log" | grep -a -o 'XENPV-BENCH-NET boot=.*' |
		sed -n 's/^XENPV-BENCH-NET boot=\([0-9]*\) target=\([a-z-]*\) dir=\([a-z]*\) mbps=\([0-9.]*\).*/\1 \2 \3 \4/p' \
		>>"$resultsn" || true
	tr -d '\r' <"$log" | grep -a -o 'XENPV-BENCH-INFO .*\|XENPV-RESULT .*' |
		sed 's/^/  /' >&2 || true
	[ $brc -eq 0 ] || xen_say "boot $b: timed out"
done
rm -f "$tmp/dom0.cpio"

# --- the table -------------------------------------------------------------

# Medians over the boots of each value, and of each boot's ratios.
[ "$nblk" -eq 0 ] || awk -v boots="$boots" -v jobs="$jobs" -v runtime="$runtime" '
function median(list,    n, a, i, j, t) {
	n = split(list, a, " ")
	if (n == 0) return ""
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmt(v) { return v == "" ? "-" : sprintf("%.0f", v) }
function verdict(v, want) {
	return v == "" ? "no data" : (v + 0 >= want ? "met" : "NOT met")
}
function fmtm(v) { return v == "" ? "-" : sprintf("%.1f", v) }
function fmtr(v) { return v == "" ? "-" : sprintf("%.2fx", v) }
{
	iops[$2, $3] = iops[$2, $3] " " $4
	mib[$2, $3] = mib[$2, $3] " " $5 / 1024
	val[$1, $2, $3] = $4
}
END {
	nt = split("blkback qdisk xenpvd dom0", T, " ")
	nj = split(jobs, J, ",")
	name["randread"] = "4k randread qd128"
	name["randwrite"] = "4k randwrite qd128"
	name["seqread"] = "1M seqread qd16"
	name["seqwrite"] = "1M seqwrite qd16"
	printf "xenpvd benchmark: %d boot(s), %ds per fio job, medians over the boots\n", boots, runtime
	printf "%-19s %-6s %9s %9s %9s %9s %11s %11s %11s\n", "workload", "unit", \
		"blkback", "qdisk", "xenpvd", "dom0", "xpvd/blkbk", "xpvd/qdisk", "xpvd/dom0"
	for (k = 1; k <= nj; k++) {
		j = J[k]
		for (p = 1; p <= 3; p++) {
			peer = (p == 1 ? "blkback" : p == 2 ? "qdisk" : "dom0")
			r = ""
			for (b = 1; b <= boots; b++)
				if (val[b, "xenpvd", j] != "" && val[b, peer, j] > 0)
					r = r " " val[b, "xenpvd", j] / val[b, peer, j]
			ratio[p] = median(r)
			per[p] = r
		}
		line = sprintf("%-19s %-6s", name[j], "IOPS")
		for (t = 1; t <= nt; t++)
			line = line sprintf(" %9s", fmt(median(iops[T[t], j])))
		printf "%s %11s %11s %11s\n", line, fmtr(ratio[1]), fmtr(ratio[2]), fmtr(ratio[3])
		line = sprintf("%-19s %-6s", "", "MiB/s")
		for (t = 1; t <= nt; t++)
			line = line sprintf(" %9s", fmtm(median(mib[T[t], j])))
		print line
		if (boots > 1)
			for (p = 1; p <= 3; p++) {
				n = split(per[p], a, " ")
				s = ""
				for (i = 1; i <= n; i++) s = s sprintf(" %.2f", a[i])
				printf "%-19s   per-boot xenpvd/%s:%s\n", "", \
					(p == 1 ? "blkback" : p == 2 ? "qdisk" : "dom0"), s
			}
	}
	print ""
	print "NOTE: software emulation (TCG): absolute IOPS and MiB/s mean nothing;"
	print "only ratios between targets measured in the same boot do.  The same"
	print "path varies 8-54% from boot to boot: ratios under about 1.5x are noise"
	print "(use --boots 3 or more and compare medians).  qdisk (QEMU 7.2) goes"
	print "through dom0 page cache; dom0 caches are dropped before each target."
	# The targets of the issue.
	rq = ""; rb = ""
	for (b = 1; b <= boots; b++) {
		if (val[b, "qdisk", "seqread"] > 0 && val[b, "xenpvd", "seqread"] != "")
			rq = rq " " val[b, "xenpvd", "seqread"] / val[b, "qdisk", "seqread"]
		if (val[b, "blkback", "randread"] > 0 && val[b, "xenpvd", "randread"] != "")
			rb = rb " " val[b, "xenpvd", "randread"] / val[b, "blkback", "randread"]
	}
	rw = ""
	for (b = 1; b <= boots; b++)
		if (val[b, "qdisk", "seqwrite"] > 0 && val[b, "xenpvd", "seqwrite"] != "")
			rw = rw " " val[b, "xenpvd", "seqwrite"] / val[b, "qdisk", "seqwrite"]
	mq = median(rq); mw = median(rw); mb = median(rb)
	printf "target xenpvd >= 2x qdisk, 1M seqread:   %s (%s)\n", fmtr(mq), verdict(mq, 2)
	printf "target xenpvd >= 2x qdisk, 1M seqwrite:  %s (%s)\n", fmtr(mw), verdict(mw, 2)
	printf "target xenpvd >= 1x blkback, 4k randread: %s (%s)\n", fmtr(mb), verdict(mb, 1)
	print "(a verdict resting on a ratio within 1.5x of its bound is within the noise)"
}' "$results"

# The 9pfs table: the same medians; for the timed jobs the speed ratio is
# the other's seconds over xenpvd's.  Per job whose requests follow one
# another (all but randread's four jobs), the best xenpvd/QEMU that a
# server with none of xenpvd's own time could reach in that boot: QEMU's
# seconds over xenpvd's less xenpvd's own (p9-own: its service less the
# payload moves); the guest, the notifications and the moves stay.
[ "$np9" -eq 0 ] || awk -v boots="$boots" -v jobs="$p9_jobs" \
	-v runtime="$runtime" -v mb="$p9_mb" -v files="$p9_files" \
	-v msize="$p9_msize" -v drop="$p9_drop" '
function median(list,    n, a, i, j, t) {
	n = split(list, a, " ")
	if (n == 0) return ""
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmtv(v, secs) {
	return v == "" ? "-" : sprintf(secs ? "%.2f" : "%.1f", v)
}
function fmtr(v) { return v == "" ? "-" : sprintf("%.2fx", v) }
{
	vals[$2, $3] = vals[$2, $3] " " $4
	val[$1, $2, $3] = $4
}
END {
	nt = split("p9-xenpvd p9-qemu p9-dom0", T, " ")
	nj = split(jobs, J, ",")
	name["seqwrite"] = "1M seqwrite"; unit["seqwrite"] = "MiB/s"
	name["seqread"] = "1M seqread"; unit["seqread"] = "MiB/s"
	name["randread"] = "4k randread x4"; unit["randread"] = "MiB/s"
	name["untar"] = "untar " files " files"; unit["untar"] = "s"
	name["stat"] = "find+stat"; unit["stat"] = "s"
	name["rm"] = "rm -r"; unit["rm"] = "s"
	printf "xenpvd 9pfs benchmark: %d boot(s), msize %d, %d MiB file, %ds randread, dom0 caches %s; medians over the boots\n", \
		boots, msize, mb, runtime, drop ? "dropped before each job" : "kept"
	printf "%-19s %-6s %9s %9s %9s %11s %11s\n", "workload", "unit", \
		"xenpvd", "qemu", "dom0", "xpvd/qemu", "xpvd/dom0"
	for (k = 1; k <= nj; k++) {
		j = J[k]
		secs = unit[j] == "s"
		for (p = 1; p <= 2; p++) {
			peer = (p == 1 ? "p9-qemu" : "p9-dom0")
			r = ""
			for (b = 1; b <= boots; b++) {
				x = val[b, "p9-xenpvd", j]; y = val[b, peer, j]
				if (x > 0 && y > 0)
					r = r " " (secs ? y / x : x / y)
			}
			ratio[p] = median(r)
			per[p] = r
		}
		# The bound (above); seconds of the job from MiB/s.
		bl = ""
		for (b = 1; b <= boots && j != "randread"; b++) {
			x = val[b, "p9-xenpvd", j]; y = val[b, "p9-qemu", j]
			own = val[b, "p9-own", j]
			if (!(x > 0 && y > 0) || own == "")
				continue
			tx = secs ? x : mb / x; tq = secs ? y : mb / y
			if (tx - own > 0)
				bl = bl " " tq / (tx - own)
		}
		bound[j] = median(bl)
		line = sprintf("%-19s %-6s", name[j], unit[j])
		for (t = 1; t <= nt; t++)
			line = line sprintf(" %9s", fmtv(median(vals[T[t], j]), secs))
		printf "%s %11s %11s\n", line, fmtr(ratio[1]), fmtr(ratio[2])
		if (boots > 1)
			for (p = 1; p <= 2; p++) {
				n = split(per[p], a, " ")
				s = ""
				for (i = 1; i <= n; i++) s = s sprintf(" %.2f", a[i])
				printf "%-19s   per-boot xenpvd/%s:%s\n", "", \
					(p == 1 ? "qemu" : "dom0"), s
			}
		if (bl != "") {
			n = split(bl, a, " ")
			s = ""
			for (i = 1; i <= n; i++) s = s sprintf(" %.2f", a[i])
			printf "%-19s   xenpvd/qemu without xenpvd'"'"'s own time:%s (median %s)\n", \
				"", s, fmtr(bound[j])
		}
		met[j] = ratio[1]
	}
	print ""
	print "Ratios are speeds: above 1 xenpvd is faster (for the timed jobs, the"
	print "other target'"'"'s seconds over xenpvd'"'"'s).  Software emulation (TCG):"
	print "absolute figures mean nothing, only ratios within one boot; under"
	print "about 1.5x they are noise (use --boots 3 and compare medians)."
	print "\"Without xenpvd'"'"'s own time\": the ratio a server would reach whose"
	print "round trips cost no more than the payload moves (xenpvd'"'"'s service"
	print "less its moves, taken off its seconds): the guest'"'"'s work, the"
	print "notifications and the page cache stay, for any server."
	for (k = 1; k <= nj; k++) {
		j = J[k]
		printf "target xenpvd >= 1.5x QEMU 9pfs, %-14s %s (%s%s)\n", name[j] ":", \
			fmtr(met[j]), met[j] == "" ? "no data" : (met[j] + 0 >= 1.5 ? "met" : "NOT met"), \
			bound[j] == "" ? "" : "; at most " fmtr(bound[j]) " without xenpvd'"'"'s own time"
	}
}' "$results9"

# The net table: Mbit/s both ways, medians; xenpvd/netback per boot.
[ "$nnet" -eq 0 ] || awk -v boots="$boots" -v runtime="$runtime" \
	-v streams="$net_streams" '
function median(list,    n, a, i, j, t) {
	n = split(list, a, " ")
	if (n == 0) return ""
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmt(v) { return v == "" ? "-" : sprintf("%.0f", v) }
function fmtr(v) { return v == "" ? "-" : sprintf("%.2fx", v) }
{ vals[$2, $3] = vals[$2, $3] " " $4; val[$1, $2, $3] = $4 }
END {
	printf "xenpvd net benchmark: %d boot(s), iperf3 TCP %ds x %d stream(s), medians over the boots\n", \
		boots, runtime, streams
	printf "%-22s %-7s %9s %9s %14s\n", "direction", "unit", "xenpvd", \
		"netback", "xpvd/netback"
	split("tx rx", D, " ")
	name["tx"] = "guest -> dom0"; name["rx"] = "dom0 -> guest"
	for (k = 1; k <= 2; k++) {
		d = D[k]; r = ""; rs = ""
		for (b = 1; b <= boots; b++)
			if (val[b, "net-xenpvd", d] > 0 && val[b, "net-netback", d] > 0) {
				x = val[b, "net-xenpvd", d] / val[b, "net-netback", d]
				r = r " " x; rs = rs sprintf(" %.2f", x)
			}
		m[d] = median(r)
		printf "%-22s %-7s %9s %9s %14s\n", name[d], "Mbit/s", \
			fmt(median(vals["net-xenpvd", d])), \
			fmt(median(vals["net-netback", d])), fmtr(m[d])
		if (boots > 1)
			printf "%-22s   per-boot xenpvd/netback:%s\n", "", rs
	}
	print ""
	print "Software emulation (TCG): only ratios within one boot mean something."
	for (k = 1; k <= 2; k++) {
		d = D[k]
		printf "target xenpvd >= 0.8x netback, %s: %s (%s)\n", name[d], fmtr(m[d]), \
			m[d] == "" ? "no data" : (m[d] + 0 >= 0.8 ? "met" : "NOT met")
	}
}' "$resultsn"
echo "serial logs: ${logs[*]}"

# Complete: every target asked for, every job, every boot.
want=$((boots * (nblk * njobs + np9 * p9_njobs + nnet * 2)))
got=$(( $(wc -l <"$results") + $(grep -vc ' p9-own ' "$results9" || true) + $(wc -l <"$resultsn") ))
if [ "$got" -lt "$want" ]; then
	xen_say "incomplete: $got of $want results (see the serial logs)"
	exit 1
fi
exit 0
