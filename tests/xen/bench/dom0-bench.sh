#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/xen/bench/dom0-bench.sh - the dom0 side of tests/xen/bench.sh, run
# as the only "scenario" of one boot.  /dev/vda (the outer QEMU's second
# disk) is served in turn, in the order /xpv/bench.conf gives, by:
#   blkback  Linux xen-blkback (backendtype=phy)
#   qdisk    QEMU's qdisk (backendtype=qdisk: libxl starts
#            xen-qemu-system-i386 as the guest's device model)
#   xenpvd   xenpvd --platform=xen, the disk attached with xenpvctl attach
#            once the guest is up (blkfront hot-plugs it)
#   dom0     no guest: fio in dom0 directly on /dev/vda (the ceiling)
# and then, for the 9pfs targets (which come after the block ones), an
# ext4 made on /dev/vda and mounted on /srv/share is shared by:
#   p9-xenpvd  xenpvd --type=9pfs, the share attached with xenpvctl
#              p9-attach once the guest is up (it retries its mount)
#   p9-qemu    QEMU's 9pfs backend: a p9 line in the guest's xl config
#              makes libxl start xen-qemu-system-i386 as its device model
#   p9-dom0    no guest: the same jobs run by dom0 in /srv/share
# and last, for the net targets, a bridge xpvbr9 (10.99.0.1/24) with an
# iperf3 server in dom0, and a guest's xen-netfront on it through:
#   net-xenpvd   xenpvd --type=vif (xen-netback unloaded)
#   net-netback  Linux xen-netback
# both attached with xenpvctl net-attach once the guest is up; the guest
# runs iperf3 both ways (XENPV-BENCH-NET lines).
# The 9pfs guests mount the share (trans=xen, 9P2000.L, msize P9_MSIZE) and
# run the 9pfs jobs of bench-jobs.sh; before each job the guest asks, by a
# file in the share, that dom0 sync and drop its caches (unless P9_DROP=0),
# and dom0 notes then, per job, the server's CPU time, dom0's busy time
# and (xenpvd) the share's requests, bytes and mean latency in a
# XENPV-BENCH-INFO line.
# Each guest is a fresh PV guest (same kernel, command line, vCPUs and
# memory) that runs the same fio jobs (bench/jobs.sh).  dom0's caches are
# dropped before each target.  Results go to the console as
#   XENPV-BENCH boot=B target=T job=J iops=N kib=N
#   XENPV-BENCH-P9 boot=B target=T job=J value=N cpu=N lat_us=N
#   XENPV-BENCH-NET boot=B target=T dir=tx|rx mbps=N
# plus XENPV-BENCH-INFO lines (what blkfront negotiated, retries; for qdisk
# a "watch" line every 20 s on the device model and /dev/vda, and a
# post-mortem when it fails).  A target that fails is retried once
# (TRIES in bench.conf) only when the try shows an emulation crash: the
# target's shell died of a signal, dom0's kernel logged a segfault or trap
# during the try (emulation sometimes kills dom0 processes, QEMU's device
# model included - the guest's I/O then hangs for good, so a dead device
# model ends the try at once), or the guest's console shows one.  Any
# other failure is not retried: it is a result.  A target that fails is
# reported and the others still run.  The "scenario" passes when every
# target gave every result.
. /xpv/xpv-lib.sh "$1"
. /xpv/bench.conf
. /xpv/bench-jobs.sh

DISK=/dev/vda
# virtio-pci and virtio-blk, and ext4 for the 9pfs export (not in the
# base image), in dependency order.
while read -r ko; do
	insmod "/xpv/bench-modules/$ko" 2>/dev/null
done </xpv/bench-modules/order
for ((tick = 0; tick < 50; tick++)); do [ -b $DISK ] && break; sleep 0.2; done
[ -b $DISK ] || fail "no $DISK (the outer QEMU's benchmark disk)"
note "disk $DISK: $(($(blockdev --getsize64 $DISK 2>/dev/null || echo 0) >> 20)) MiB"
q=/sys/block/vda/queue
note "disk queue: scheduler=$(cat $q/scheduler 2>/dev/null)" \
	"nr_requests=$(cat $q/nr_requests 2>/dev/null)" \
	"max_sectors_kb=$(cat $q/max_sectors_kb 2>/dev/null)" \
	"max_segments=$(cat $q/max_segments 2>/dev/null)" \
	"hw_queues=$(ls -d /sys/block/vda/mq/* 2>/dev/null | wc -l)"

bsay() { echo "XENPV-BENCH boot=$BOOT $*"; }
info() { echo "XENPV-BENCH-INFO boot=$BOOT $*"; }

drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# One guest per run: the fio results come back on its console.
guest_extra() {
	echo "console=hvc0 loglevel=4 rdinit=/init xpv_wait=120" \
		"xpv_runtime=$RUNTIME xpv_ramp=$RAMP xpv_jobs=$JOBS $GUEST_ARGS"
}

njobs=$(echo "$JOBS" | tr ',' '\n' | grep -c .)
# Boot, fio per job (startup, ramp, run, exit), and the disk's arrival.
# fio starts slowly under TCG (~80 MiB of libraries); each job may run
# for RUNTIME + RAMP + 120 s before jobs.sh kills it.
GUEST_SECS=$((120 + njobs * (RUNTIME + RAMP + 150)))

# collect TARGET GUEST: the guest's results as XENPV-BENCH lines (a job
# that failed twice in the guest is reported as missing); 1 if none.
collect() {
	local t=$1 g=$2 j v n=0
	info "target=$t max_segments=$(guest_val "$g" max_segments)" \
		"max_hw_sectors_kb=$(guest_val "$g" max_hw_sectors_kb)" \
		"nr_hw_queues=$(guest_val "$g" nr_hw_queues)" \
		"disk_after_ms=$(guest_val "$g" disk_after_ms)"
	# When each step started, in seconds of the guest's uptime.
	info "target=$t guest_uptime: disk=$(guest_val "$g" uptime_disk)" \
		"$(for j in $(echo "$JOBS" | tr ',' ' '); do
			printf '%s=%s ' "$j" "$(guest_val "$g" "uptime_$j")"; done)" \
		"end=$(guest_val "$g" uptime_end)"
	# What the guest's block layer saw per job (guest-init).
	tr -d '\r' <"/var/log/xen/console/guest-$g.log" 2>/dev/null |
		sed -n "s/^XENPV-GUEST blk_/target=$t guest_blk_/p" |
		while read -r l; do info "$l"; done
	for j in $(echo "$JOBS" | tr ',' ' '); do
		v=$(guest_val "$g" "fio_$j")
		case "$v" in
		[0-9]*,[0-9]*)
			bsay "target=$t job=$j iops=${v%,*} kib=${v#*,}"
			n=$((n + 1)) ;;
		*) info "target=$t job=$j missing: fio ${v:-gave nothing}" ;;
		esac
	done
	[ $n -gt 0 ]
}

# bench_wait G SECS: guest_wait, but a guest declared dead because xl
# domid crashed (emulation, see above) and that still exists is waited for
# again, in the same time limit.
bench_wait() {
	local g=$1 end i
	end=$(( $(_now) + $2 ))
	while :; do
		guest_wait "$g" $(( end - $(_now) )) && return 0
		case "$GUEST_WHY" in *"died without a result"*) ;; *) return 1 ;; esac
		for i in 1 2 3; do
			xl domid "$g" >/dev/null 2>&1 && break
		done || return 1
		[ "$(_now)" -lt "$end" ] || return 1
		info "guest $g still exists (a crashed xl said it died): waiting on"
	done
}

# Guest line common to all three backends.
guest_cfg() {
	echo "extra = \"$(guest_extra)\""
	echo "memory = $GUEST_MEM"
	echo "vcpus = $GUEST_VCPUS"
	echo "ramdisk = \"/boot/bench-guest.cpio\""
}

run_blkback() {
	local g=$1
	guest_create "$g" "$(guest_cfg)" \
		"disk = ['format=raw,vdev=xvda,access=rw,backendtype=phy,target=$DISK']" ||
		return 1
	bench_wait "$g" "$GUEST_SECS"
}

# The pid of the guest's device model (libxl records it).
dm_pid() { xs "/local/domain/$1/image/device-model-pid"; }

# dm_cpu PID: user+system clock ticks of the process (all threads).
dm_cpu() {
	local s
	# Builtins: under emulation a cat may crash (and say "gone").
	read -r s 2>/dev/null <"/proc/$1/stat" || { echo gone; return; }
	s=${s##*) }
	set -- $s
	echo $(( ${12} + ${13} ))
}

# dm_threads PID: how many of its threads are in each state, e.g. S=21 R=1.
dm_threads() {
	local t st r=0 sl=0 d=0 o=0
	for t in /proc/"$1"/task/*; do
		read -r st 2>/dev/null <"$t/stat" || continue
		st=${st##*) }
		case "${st%% *}" in
		R) r=$((r + 1)) ;; S) sl=$((sl + 1)) ;; D) d=$((d + 1)) ;;
		*) o=$((o + 1)) ;;
		esac
	done
	echo "R=$r S=$sl D=$d other=$o"
}

# vda_io: completed reads, writes, in flight of the benchmark disk.
vda_io() {
	set -- $(cat /sys/block/vda/stat 2>/dev/null)
	echo "rd=${1:-?} wr=${5:-?} inflight=${9:-?}"
}

# vda_snap: /dev/vda's counters (the kernel's 17 fields of
# /sys/block/vda/stat), then the ten of dom0's "cpu" line in /proc/stat
# (user nice system idle iowait irq softirq steal guest guest_nice).
vda_snap() {
	local c
	read -r c </proc/stat
	echo "$(cat /sys/block/vda/stat 2>/dev/null) ${c#cpu }"
}

# vda_delta TARGET BEFORE AFTER: what the disk did between two vda_snap
# lines - requests the device completed, how many the block layer merged
# into them, their mean size and service time, dom0's CPU split - so a
# backend that hands the device smaller or more requests shows it.
vda_delta() {
	awk -v t="$1" -v a="$2" -v b="$3" 'BEGIN {
		na = split(a, x, " "); nb = split(b, y, " ")
		if (na < 21 || nb < 21) { print "target=" t " vda: no counters"; exit }
		rd = y[1] - x[1]; rm = y[2] - x[2]; rs = y[3] - x[3]; rt = y[4] - x[4]
		wr = y[5] - x[5]; wm = y[6] - x[6]; ws = y[7] - x[7]; wt = y[8] - x[8]
		# dom0 CPU: the last ten fields.
		c = na - 10; tot = 0
		for (i = 1; i <= 8; i++) { d[i] = y[c + i] - x[c + i]; tot += d[i] }
		printf "target=%s vda: reads=%d read_merges=%d read_kib=%d" \
			" kib_per_read=%.0f ms_per_read=%.2f writes=%d" \
			" write_merges=%d kib_per_write=%.0f ms_per_write=%.2f" \
			" io_ticks_ms=%d dom0_pct: user=%.0f sys=%.0f" \
			" softirq=%.0f iowait=%.0f idle=%.0f steal=%.0f\n",
			t, rd, rm, rs / 2,
			rd ? rs / 2 / rd : 0, rd ? rt / rd : 0, wr, wm,
			wr ? ws / 2 / wr : 0, wr ? wt / wr : 0, y[10] - x[10],
			tot ? 100 * (d[1] + d[2]) / tot : 0,
			tot ? 100 * (d[3] + d[6]) / tot : 0,
			tot ? 100 * d[7] / tot : 0, tot ? 100 * d[5] / tot : 0,
			tot ? 100 * d[4] / tot : 0, tot ? 100 * d[8] / tot : 0
	}'
}

# dom_times: CPU seconds of every domain (xl list), name=secs.
dom_times() {
	xl list 2>&1 | awk 'NR > 1 { printf "%s=%s ", $1, $NF }'
}

# qmp DOMID COMMAND: one QMP command to the device model (libxl's socket).
qmp() {
	printf '{"execute":"qmp_capabilities"}\n{"execute":"%s"}\n' "$2" |
		timeout 10 socat -t 5 - "UNIX-CONNECT:/var/run/xen/qmp-libxl-$1" \
		2>/dev/null | tail -n 1
}

# qdisk_watch G DOMID SECS: every SECS seconds one line on the device
# model and the disk while the guest runs (CPU ticks, thread states, dom0's
# /dev/vda counters, domain CPU times), to tell a stall from slowness.
# Under emulation dom0 processes sometimes crash (XEN-UNDER-QEMU.md), the
# device model too: the guest's I/O then hangs for good.  When it is gone
# the watch says so, prints the post-mortem and destroys the guest, so that
# guest_wait returns at once and the target is retried.
qdisk_watch() {
	local g=$1 dom=$2 every=$3 pid cpu
	pid=$(dm_pid "$dom")
	while :; do
		# Not "while sleep": a sleep that crashes must not end the watch.
		sleep "$every"
		[ -n "$pid" ] || pid=$(dm_pid "$dom")
		cpu=$(dm_cpu "${pid:-0}")
		info "target=qdisk watch up=$(_now) dm=${pid:-none} dm_ticks=$cpu" \
			"threads: $(dm_threads "${pid:-0}") vda: $(vda_io)" \
			"load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)" \
			"free_mb=$(( $(sed -n 's/^MemAvailable: *\([0-9]*\).*/\1/p' /proc/meminfo) >> 10 ))" \
			"cpu_s: $(dom_times)"
		if [ -n "$pid" ] && [ ! -d "/proc/$pid" ] &&
		   ! grep -q '^XENPV-GUEST-DONE' "/var/log/xen/console/guest-$g.log" &&
		   xl domid "$g" >/dev/null 2>&1; then
			info "target=qdisk device model (pid $pid) is gone" \
				"while the guest runs: its I/O cannot complete"
			qdisk_post_mortem "$g" "$dom"
			timeout 60 xl destroy "$g" >/dev/null 2>&1
			return
		fi
	done
}

# qdisk_post_mortem G DOMID: what the device model, dom0 and XenStore
# say after a qdisk guest failed.
qdisk_post_mortem() {
	local g=$1 dom=$2 pid t l
	pid=$(dm_pid "$dom")
	info "target=qdisk post-mortem: dm pid ${pid:-none}" \
		"$( [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo alive || echo GONE)" \
		"ticks=$(dm_cpu "${pid:-0}") vda: $(vda_io)"
	if [ -n "$pid" ] && [ -d "/proc/$pid" ]; then
		for t in /proc/"$pid"/task/*; do
			info "target=qdisk dm thread ${t##*/} $(cut -d' ' -f2,3 "$t/stat" 2>/dev/null)" \
				"wchan=$(cat "$t/wchan" 2>/dev/null)" \
				"stack=$(head -n 4 "$t/stack" 2>/dev/null | sed 's/^\[<[^>]*>\] //; s/+0x[0-9a-f/x]*//' | tr '\n' '<')"
		done
	fi
	info "target=qdisk qmp blockstats: $(qmp "$dom" query-blockstats | tr -d ' ' |
		sed 's/.*"stats":{//' | cut -c1-400)"
	for l in backend/qdisk/$dom/51712/state backend/qdisk/$dom/51712/hotplug-status \
		 /local/domain/$dom/device/vbd/51712/state \
		 /local/domain/$dom/device/vbd/51712/ring-ref \
		 /local/domain/$dom/device/vbd/51712/ring-page-order \
		 /local/domain/0/device-model/$dom/state; do
		case "$l" in backend/*) l=/local/domain/0/$l ;; esac
		info "target=qdisk xenstore ${l#/local/domain/} = $(xs "$l")"
	done
	info "target=qdisk cpu_s: $(dom_times)"
	if [ -f "/var/log/xen/qemu-dm-$g.log" ]; then
		tail -n 30 "/var/log/xen/qemu-dm-$g.log" |
			while IFS= read -r l; do info "target=qdisk qemu-dm: $l"; done
	else
		info "target=qdisk no /var/log/xen/qemu-dm-$g.log"
	fi
	# Crashes, OOM, hung tasks, stalls (not the boot messages).
	dmesg 2>/dev/null | grep -E -i 'segfault|traps:|general protection|oom|killed process|blocked for|hung|rcu.*stall|lockup|BUG' |
		tail -n 15 |
		while IFS= read -r l; do info "target=qdisk dmesg: $l"; done
	top -b -n 1 2>/dev/null | head -n 14 |
		while IFS= read -r l; do info "target=qdisk top: $l"; done
}

run_qdisk() {
	local g=$1 rc=0 wpid dmp
	guest_create "$g" "$(guest_cfg)" \
		"disk = ['format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$DISK']" ||
		return 1
	info "target=qdisk device_model=$(ps -o args 2>/dev/null |
		grep -m1 '[x]en-qemu-system' | cut -c1-200 | tr ' ' '_')"
	dmp=$(dm_pid "$GUEST_DOMID")
	qdisk_watch "$g" "$GUEST_DOMID" 20 &
	wpid=$!
	echo "$wpid" >/tmp/bench-watch.pid
	bench_wait "$g" "$GUEST_SECS" || rc=1
	kill "$wpid" 2>/dev/null
	wait "$wpid" 2>/dev/null
	# (Already done by the watch if the device model died.)
	[ $rc = 0 ] || [ ! -d "/proc/$dmp" ] || qdisk_post_mortem "$g" "$GUEST_DOMID"
	return $rc
}

run_xenpvd() {
	local g=$1 rc=0 st
	start_xenpvd $XENPVD_ARGS
	guest_create "$g" "$(guest_cfg)" || { stop_xenpvd; return 1; }
	# Under a loaded host the guest may take minutes to reach blkfront:
	# a slow (or crashed, see XEN-UNDER-QEMU.md) xenpvctl is noted, and
	# the guest still gets its full time.
	timeout 200 xenpvctl attach --domid "$GUEST_DOMID" --vdev xvda \
		--target "$DISK" --wait 180 --wait-connected ||
		info "target=xenpvd xenpvctl attach failed ($?);" \
			"state: be $(xs /local/domain/0/backend/qdisk/$GUEST_DOMID/51712/state)" \
			"fe $(xs /local/domain/$GUEST_DOMID/device/vbd/51712/state)"
	bench_wait "$g" "$GUEST_SECS" || rc=1
	kill -0 "$XENPVD_PID" 2>/dev/null ||
		info "target=xenpvd xenpvd (pid $XENPVD_PID) is gone: $(wait "$XENPVD_PID"; echo "status $?")"
	st=$(vbd_stats "$GUEST_DOMID" 51712)
	info "target=xenpvd stats=$st"
	info "target=xenpvd cpu_ticks=$(dm_cpu "$XENPVD_PID") (utime+stime, 100 a second)"
	detach_xenpvd "$GUEST_DOMID" xvda >/dev/null 2>&1
	timeout 60 xl destroy "$g" >/dev/null 2>&1
	# Its log, for the record (the last lines: --debug can be long).
	stop_xenpvd | tail -n 80
	return $rc
}

# dom0: the same jobs straight on the device.
run_dom0() {
	local j v
	for j in $(echo "$JOBS" | tr ',' ' '); do
		drop_caches
		v=$(fio_run "$j" $DISK "$RUNTIME" "$RAMP" 2>/tmp/fio-dom0.err) ||
			v=$(fio_run "$j" $DISK "$RUNTIME" "$RAMP" 2>/tmp/fio-dom0.err) ||
			{ info "target=dom0 job=$j fio failed: $(tail -n 1 /tmp/fio-dom0.err)"; continue; }
		bsay "target=dom0 job=$j iops=${v%,*} kib=${v#*,}"
	done
}

# --- 9pfs targets -----------------------------------------------------------

P9_EXPORT=/srv/share
export BENCH_P9_MB=$P9_MB BENCH_P9_LIMIT=$P9_LIMIT \
	BENCH_P9_TAR=/xpv/bench-tree.tar
p9_njobs=$(echo "$P9_JOBS" | tr ',' '\n' | grep -c .)
# Boot, mount, and each job's own limit (jobs.sh kills it then).
GUEST_P9_SECS=$((120 + p9_njobs * (P9_LIMIT + 30)))

bsay9() { echo "XENPV-BENCH-P9 boot=$BOOT $*"; }

# p9_prepare: a fresh ext4 on the disk, mounted on P9_EXPORT (once; the
# block targets, which use the raw disk, come before).
p9_prepare() {
	grep -q " $P9_EXPORT " /proc/mounts && return 0
	mkfs.ext4 -q -F -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 \
		$DISK || return 1
	mkdir -p $P9_EXPORT
	mount -t ext4 $DISK $P9_EXPORT || return 1
	note "9pfs export: ext4 on $DISK at $P9_EXPORT"
}

p9_clean() {
	rm -rf $P9_EXPORT/seq.dat $P9_EXPORT/tree $P9_EXPORT/.bench-sync*
}

p9_guest_cfg() {
	echo "extra = \"console=hvc0 loglevel=4 rdinit=/init xpv_wait=120" \
		"xpv_mode=p9 xpv_p9tag=share xpv_p9msize=$P9_MSIZE" \
		"xpv_p9mb=$P9_MB xpv_p9jobs=$P9_JOBS xpv_p9limit=$P9_LIMIT" \
		"xpv_runtime=$RUNTIME xpv_ramp=$RAMP $GUEST_ARGS\""
	echo "memory = $GUEST_MEM"
	echo "vcpus = $GUEST_VCPUS"
	echo "ramdisk = \"/boot/bench-guest.cpio\""
}

# Centiseconds since boot (builtins only).
_cs() {
	local up _r
	read -r up _r </proc/uptime
	echo $((10#${up/./}))
}

# dom0's busy and total ticks (builtins only).
_dom0_ticks() {
	local u n sy id io rest
	read -r _ u n sy id io rest </proc/stat
	set -- $rest
	echo "$((u + n + sy + ${1:-0} + ${2:-0} + ${3:-0})) $((u + n + sy + id + io + ${1:-0} + ${2:-0} + ${3:-0}))"
}

# p9_watch TARGET GUEST PID: serves the guest's requests to sync and drop
# dom0's caches (the file .bench-sync in the export, naming the job about
# to start, or "end"), and at each one reports the job that just ended:
# its seconds (from the guest's request to the next), the server's CPU
# seconds (PID: xenpvd or QEMU), dom0's busy seconds, and, for xenpvd,
# the share's requests, payload MB, mean latency and errors in that span,
# and the seconds of its round trips xenpvd spent on them (service_s) and
# of those in moving payload between file and ring (move_s).
# The span holds the job and the start of the guest's next fio, which
# costs the server nothing.  Every 20 s it checks that the server lives:
# when it is gone while the guest runs, the guest's I/O cannot complete,
# so it says so and destroys the guest (guest_wait then returns at once).
p9_watch() {
	local t=$1 g=$2 pid=$3 f=$P9_EXPORT/.bench-sync what job=
	local n=0 cs k d st req rb wb lat err svc mv
	local cs0 k0 d0 req0 rb0 wb0 lat0 err0 svc0 mv0
	# A builtin sleep (read with a time limit on a FIFO nobody writes):
	# polling must cost dom0 no forks, under emulation they are dear.
	rm -f /tmp/p9-watch.fifo
	mkfifo /tmp/p9-watch.fifo && exec 7<>/tmp/p9-watch.fifo
	while :; do
		if [ -e "$f" ]; then
			what=
			read -r what <"$f" 2>/dev/null
			sync
			[ "$P9_DROP" = 0 ] || echo 3 >/proc/sys/vm/drop_caches
			cs=$(_cs)
			k=$(dm_cpu "$pid")
			d=$(_dom0_ticks)
			# Empty when there are none (QEMU) or when reading them
			# failed (a crashed xenpvctl): that span says "-".
			req= rb= wb= lat= err= svc= mv=
			if [ "$t" = p9-xenpvd ]; then
				st=$(xenpvd_stats | grep '"path"' | head -n 1)
				req=$(stat_of "$st" requests)
				rb=$(stat_of "$st" read_bytes)
				wb=$(stat_of "$st" write_bytes)
				lat=$(stat_of "$st" avg_lat_us)
				err=$(stat_of "$st" errors)
				svc=$(stat_of "$st" service_us)
				mv=$(stat_of "$st" move_us)
			fi
			if [ -n "$job" ]; then
				p9_span "$t" "$job" $((cs - cs0)) "$k0" "$k" \
					"${d0% *}" "${d% *}" "$req0" "$req" \
					"$rb0" "$rb" "$wb0" "$wb" \
					"$lat0" "$lat" "$err0" "$err" \
					"$svc0" "$svc" "$mv0" "$mv"
			fi
			job=$what cs0=$cs k0=$k d0=$d req0=$req rb0=$rb wb0=$wb
			lat0=$lat err0=$err svc0=$svc mv0=$mv
			rm -f "$f"
		fi
		n=$((n + 1))
		if [ $((n % 80)) = 0 ] && [ ! -d "/proc/$pid" ] &&
		   ! grep -q '^XENPV-GUEST-DONE' "/var/log/xen/console/guest-$g.log" &&
		   xl domid "$g" >/dev/null 2>&1; then
			info "target=$t server (pid $pid) is gone while the" \
				"guest runs: its I/O cannot complete"
			timeout 60 xl destroy "$g" >/dev/null 2>&1
			return
		fi
		read -r -t 0.25 -u 7 _ || :
	done
}

# p9_span TARGET JOB CS K0 K1 BUSY0 BUSY1 REQ0 REQ1 RB0 RB1 WB0 WB1 LAT0
# LAT1 ERR0 ERR1 SVC0 SVC1 MV0 MV1: one INFO line for a job's span (ticks
# are 1/100 s; the mean latency of the span comes from the running means
# and counts; service and move totals are in microseconds; "-" for what
# is unknown: no share statistics, or a server that is gone).
p9_span() {
	local t=$1 j=$2 cs=$3 dk= dreq= lat=- rmb=- wmb=- derr=- per=-
	local svc=- mv=-
	_hs() { echo "$(($1 / 100)).$(printf %02d $(($1 % 100)))"; }
	case "$4$5" in *gone*) ;; *) [ -n "$4" ] && [ -n "$5" ] && dk=$(($5 - $4)) ;; esac
	if [ -n "$8" ] && [ -n "$9" ] && [ -n "${17}" ] && [ -n "${16}" ]; then
		dreq=$(($9 - $8))
		rmb=$(( (${11} - ${10}) >> 20 )) wmb=$(( (${13} - ${12}) >> 20 ))
		derr=$((${17} - ${16}))
		[ $dreq -gt 0 ] &&
			lat=$(( (${15} * $9 - ${14} * $8) / dreq ))
		[ $dreq -gt 0 ] && [ -n "$dk" ] && per=$((dk * 10000 / dreq))
	fi
	if [ -n "${18}" ] && [ -n "${19}" ] && [ -n "${20}" ] && [ -n "${21}" ]; then
		svc=$(_hs $(( (${19} - ${18}) / 10000 )))
		mv=$(_hs $(( (${21} - ${20}) / 10000 )))
	fi
	info "target=$t job=$j secs=$(_hs "$cs")" \
		"server_cpu_s=$([ -n "$dk" ] && _hs "$dk" || echo -)" \
		"dom0_busy_s=$(_hs $(($7 - $6))) requests=${dreq:--}" \
		"read_mb=$rmb write_mb=$wmb lat_us=$lat errors=$derr" \
		"server_us_per_req=$per service_s=$svc move_s=$mv"
}

# collect_p9 TARGET GUEST: the guest's results as XENPV-BENCH-P9 lines;
# 1 if none.
collect_p9() {
	local t=$1 g=$2 j v n=0
	info "target=$t mount_after_ms=$(guest_val "$g" mount_after_ms)" \
		"mount_opts=$(guest_val "$g" mount_opts)"
	info "target=$t guest_uptime: mount=$(guest_val "$g" uptime_mount)" \
		"$(for j in $(echo "$P9_JOBS" | tr ',' ' '); do
			printf '%s=%s ' "$j" "$(guest_val "$g" "uptime_$j")"; done)" \
		"end=$(guest_val "$g" uptime_end)"
	for j in $(echo "$P9_JOBS" | tr ',' ' '); do
		v=$(guest_val "$g" "p9_$j")
		case "$v" in
		[0-9]*)
			bsay9 "target=$t job=$j value=$v" \
				"cpu=$(guest_val "$g" "p9_${j}_cpu")" \
				"lat_us=$(guest_val "$g" "p9_${j}_lat_us")"
			n=$((n + 1)) ;;
		*) info "target=$t job=$j missing: ${v:-nothing}" \
			"$(guest_val "$g" "p9_${j}_error")" ;;
		esac
	done
	[ $n -gt 0 ]
}

run_p9_xenpvd() {
	local g=$1 rc=0 wpid
	start_xenpvd --type=9pfs $P9_XENPVD_ARGS
	guest_create "$g" "$(p9_guest_cfg)" || { stop_xenpvd; return 1; }
	p9_watch p9-xenpvd "$g" "$XENPVD_PID" &
	wpid=$!
	echo "$wpid" >/tmp/bench-watch.pid
	timeout 200 xenpvctl p9-attach --domid "$GUEST_DOMID" \
		--path $P9_EXPORT --tag share --wait 180 ||
		info "target=p9-xenpvd xenpvctl p9-attach failed ($?);" \
			"state: be $(xs /local/domain/0/backend/9pfs/$GUEST_DOMID/0/state)" \
			"fe $(xs /local/domain/$GUEST_DOMID/device/9pfs/0/state)"
	bench_wait "$g" "$GUEST_P9_SECS" || rc=1
	kill "$wpid" 2>/dev/null
	wait "$wpid" 2>/dev/null
	kill -0 "$XENPVD_PID" 2>/dev/null ||
		info "target=p9-xenpvd xenpvd (pid $XENPVD_PID) is gone: $(wait "$XENPVD_PID"; echo "status $?")"
	info "target=p9-xenpvd stats=$(xenpvd_stats | grep '"path"')"
	timeout 40 xenpvctl p9-detach --domid "$GUEST_DOMID" --timeout 20 \
		>/dev/null 2>&1
	timeout 60 xl destroy "$g" >/dev/null 2>&1
	stop_xenpvd | tail -n 80
	return $rc
}

run_p9_qemu() {
	local g=$1 rc=0 wpid dmp l
	guest_create "$g" "$(p9_guest_cfg)" \
		"p9 = [ 'tag=share,path=$P9_EXPORT,security_model=none' ]" ||
		return 1
	dmp=$(dm_pid "$GUEST_DOMID")
	info "target=p9-qemu device_model=${dmp:-none}" \
		"$(tr '\0' ' ' <"/proc/${dmp:-0}/cmdline" 2>/dev/null | cut -c1-300 | tr ' ' '_')"
	p9_watch p9-qemu "$g" "${dmp:-0}" &
	wpid=$!
	echo "$wpid" >/tmp/bench-watch.pid
	bench_wait "$g" "$GUEST_P9_SECS" || rc=1
	kill "$wpid" 2>/dev/null
	wait "$wpid" 2>/dev/null
	info "target=p9-qemu xenstore backend:" \
		"$(xenstore-ls -f "/local/domain/0/backend/9pfs/$GUEST_DOMID" 2>&1 |
			grep -v '/path = \|security_model' | sed 's|.*/||' | tr '\n' ' ' | cut -c1-300)"
	if [ $rc != 0 ] && [ -f "/var/log/xen/qemu-dm-$g.log" ]; then
		tail -n 30 "/var/log/xen/qemu-dm-$g.log" |
			while IFS= read -r l; do info "target=p9-qemu qemu-dm: $l"; done
	fi
	timeout 60 xl destroy "$g" >/dev/null 2>&1
	return $rc
}

# p9-dom0: the same jobs in the export itself.
run_p9_dom0() {
	local j v
	for j in $(echo "$P9_JOBS" | tr ',' ' '); do
		v=$(BENCH_P9_DROP_LOCAL=$P9_DROP p9_run "$j" $P9_EXPORT \
			"$RUNTIME" "$RAMP" 2>/tmp/p9-dom0.err) ||
			v=$(BENCH_P9_DROP_LOCAL=$P9_DROP p9_run "$j" $P9_EXPORT \
				"$RUNTIME" "$RAMP" 2>/tmp/p9-dom0.err) ||
			{ info "target=p9-dom0 job=$j failed: $(tail -n 1 /tmp/p9-dom0.err)"; continue; }
		set -- $v
		bsay9 "target=p9-dom0 job=$j value=$1 cpu=$2 lat_us=$3"
	done
	p9_clean
}

# ---- net targets ----
NET_BR=xpvbr9
NET_SECS=$((120 + 2 * (RUNTIME + RAMP + 90)))

# The bridge with dom0's address and the iperf3 server, once.
net_prepare() {
	[ -d /sys/class/net/$NET_BR ] && return 0
	modprobe tun && modprobe bridge || return 1
	brctl addbr $NET_BR && ip addr add 10.99.0.1/24 dev $NET_BR &&
		ip link set $NET_BR up || return 1
	iperf3 -s -B 10.99.0.1 >/tmp/iperf3-server.log 2>&1 &
	track_pid $!
}

net_guest() { # NAME
	guest_create "$1" \
		"extra = \"$(guest_extra) xpv_mode=net xpv_netstreams=${NET_STREAMS:-1}\"" \
		"memory = $GUEST_MEM" "vcpus = $GUEST_VCPUS" \
		"ramdisk = \"/boot/bench-guest.cpio\""
}

# net_run TARGET GUEST: the guest, its vif attached, iperf3 in it.
net_run() {
	local t=$1 g=$2 rc=0
	net_guest "$g" || return 1
	timeout 200 xenpvctl net-attach --domid "$GUEST_DOMID" \
		--bridge $NET_BR --wait 180 >/dev/null ||
		info "target=$t xenpvctl net-attach failed ($?)"
	bench_wait "$g" "$NET_SECS" || rc=1
	[ "$t" = net-xenpvd ] && info "target=$t stats=$(xenpvd_stats)"
	timeout 60 xenpvctl net-detach --domid "$GUEST_DOMID" --timeout 10 \
		>/dev/null 2>&1 ||
		timeout 60 xenpvctl net-detach --domid "$GUEST_DOMID" --force \
			>/dev/null 2>&1
	timeout 60 xl destroy "$g" >/dev/null 2>&1
	return $rc
}

run_net_xenpvd() {
	local rc=0
	if [ -d /sys/module/xen_netback ]; then
		rmmod xen_netback || return 1
	fi
	start_xenpvd --type=vif $NET_XENPVD_ARGS
	net_run net-xenpvd "$1" || rc=1
	stop_xenpvd | grep -v 'debug' | tail -n 20
	return $rc
}

run_net_netback() {
	modprobe xen-netback || return 1
	net_run net-netback "$1"
}

# collect_net TARGET GUEST: the guest's iperf3 figures; 1 if none.
collect_net() {
	local t=$1 g=$2 d v n=0
	info "target=$t net_queues=$(guest_val "$g" net_queues)" \
		"error=$(guest_val "$g" net_error)"
	for d in tx rx; do
		v=$(guest_val "$g" "net_${d}_mbps")
		case "$v" in
		[0-9]*) echo "XENPV-BENCH-NET boot=$BOOT target=$t dir=$d mbps=$v"
			n=$((n + 1)) ;;
		*) info "target=$t dir=$d missing: ${v:-nothing}" ;;
		esac
	done
	[ $n -gt 0 ]
}

# perf_start / perf_stop TARGET (PERF=1): all of dom0 sampled by the
# cpu-clock (a PV dom0 has no PMU), with kernel call chains, from before
# the guest starts until its try ends.  Printed as XENPV-BENCH-PERF lines:
# the top of the profile by process and symbol, then for the backends'
# processes (xenpvd, QEMU, blkback's threads) their most frequent call
# chains, the innermost 7 frames, with sample counts.
PERF_PID=
perf_start() {
	[ "${PERF:-0}" = 1 ] || return 0
	rm -f /tmp/perf.data
	perf record -a -g -F 250 -e cpu-clock -o /tmp/perf.data \
		>/tmp/perf.log 2>&1 &
	PERF_PID=$!
}
perf_stop() {
	[ -n "$PERF_PID" ] || return 0
	kill -INT "$PERF_PID" 2>/dev/null
	wait "$PERF_PID" 2>/dev/null
	PERF_PID=
	[ -s /tmp/perf.data ] ||
		{ info "target=$1 perf: $(tail -n 3 /tmp/perf.log)"; return 0; }
	perf report -i /tmp/perf.data --stdio --no-children -g none \
		--sort comm,dso,sym --percent-limit 0.4 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -n 40 |
		sed "s/^/XENPV-BENCH-PERF boot=$BOOT target=$1 all /"
	perf script -i /tmp/perf.data -F comm,ip,sym 2>/dev/null | awk '
		/^[^ \t]/ { flush(); comm = $1; n = 0; next }
		/^[ \t]*$/ { flush(); next }
		{ if (n < 7) { st = st (n ? ";" : "") $2; n++ } }
		function flush() {
			if (comm ~ /^(xenpvd|xen-qemu-system|[0-9]+\.xvda|blkback)/ && st != "")
				c[comm " " st]++
			st = ""; comm = ""; n = 0
		}
		END { flush(); for (k in c) print c[k], k }' |
		sort -rn | head -n 40 |
		sed "s/^/XENPV-BENCH-PERF boot=$BOOT target=$1 chain /"
	rm -f /tmp/perf.data
}

if [ -n "${DOM0_SETUP:-}" ]; then
	note "dom0 setup: $DOM0_SETUP"
	( eval "$DOM0_SETUP" ) || info "dom0 setup failed ($?): $DOM0_SETUP"
fi
missing=()
for t in $ORDER; do
	note "target $t"
	t0=$(_now)
	case "$t" in
	p9-*)
		if ! p9_prepare; then
			info "target=$t cannot make the export on $DISK"
			missing+=("$t")
			continue
		fi ;;
	net-*)
		if ! net_prepare; then
			info "target=$t cannot make the bridge or start iperf3"
			missing+=("$t")
			continue
		fi ;;
	esac
	if [ "$t" = dom0 ] || [ "$t" = p9-dom0 ]; then
		"run_${t//-/_}"
		note "target $t took $(( $(_now) - t0 ))s"
		continue
	fi
	ok=0
	for ((try = 1; try <= ${TRIES:-2}; try++)); do
		g=bench-$t-$try
		case "$t" in p9-*) p9_clean ;; esac
		drop_caches
		dmesg -c >/dev/null 2>&1	# the try's kernel lines, below
		snap0=$(vda_snap)
		perf_start
		# Each try in a subshell: emulation kills dom0 processes now
		# and then (XEN-UNDER-QEMU.md), and the shell that dies must
		# not be the one that runs the other targets.
		(
			if "run_${t//-/_}" "$g"; then
				case "$t" in
				p9-*) collect_p9 "$t" "$g" && exit 0 ;;
				net-*) collect_net "$t" "$g" && exit 0 ;;
				*) collect "$t" "$g" && exit 0 ;;
				esac
			else
				note "$t: ${GUEST_WHY:-guest failed}"
			fi
			guest_dump "$g" | tail -n 40
			echo "${GUEST_WHY:-incomplete results}" >/tmp/bench-why
			exit 1
		)
		rc=$?
		perf_stop "$t"
		case "$t" in
		p9-*|net-*) ;;
		*) info "$(vda_delta "$t" "$snap0" "$(vda_snap)")" ;;
		esac
		why=$(cat /tmp/bench-why 2>/dev/null)
		rm -f /tmp/bench-why
		if [ $rc -gt 128 ]; then
			why="the target's shell died of signal $((rc - 128))"
			# What it started is still running: stop it.
			killall xenpvd xenpvctl fio >/dev/null 2>&1
		fi
		# A watch left behind by a shell that died (even with a
		# status of its own: emulation) would serve the next try too.
		[ -f /tmp/bench-watch.pid ] &&
			kill "$(cat /tmp/bench-watch.pid)" 2>/dev/null
		rm -f /tmp/bench-watch.pid
		timeout 60 xl destroy "$g" >/dev/null 2>&1
		[ $rc = 0 ] && { ok=1; break; }
		why="target=$t try=$try failed: ${why:-incomplete results}"
		# An emulation crash in this try, or a failure of ours?
		crash=
		[ $rc -gt 128 ] && crash="its shell died of signal $((rc - 128))"
		kl=$(dmesg -c 2>/dev/null |
			grep -E 'segfault at|traps: |general protection')
		if [ -n "$kl" ]; then
			echo "$kl" | sed 's/^/kernel: /'
			crash=${crash:-"dom0's kernel: $(echo "$kl" | head -n 1)"}
		fi
		gl=$(_glog "$g" | grep -a -m1 -E \
			'segfault|Segmentation fault|general protection|corrupted')
		[ -n "$gl" ] && crash=${crash:-"the guest's console: $gl"}
		if [ -z "$crash" ]; then
			info "$why; no emulation crash in it: not retried"
			break
		fi
		[ "$try" -lt "${TRIES:-2}" ] && why="$why; retrying once ($crash)"
		info "$why"
	done
	[ $ok = 1 ] || missing+=("$t")
	note "target $t took $(( $(_now) - t0 ))s"
done
[ ${#missing[@]} -eq 0 ] || fail "no complete results for: ${missing[*]}"
pass
