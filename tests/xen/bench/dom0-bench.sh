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
# Each guest is a fresh PV guest (same kernel, command line, vCPUs and
# memory) that runs the same fio jobs (bench/jobs.sh).  dom0's caches are
# dropped before each target.  Results go to the console as
#   XENPV-BENCH boot=B target=T job=J iops=N kib=N
# plus XENPV-BENCH-INFO lines (what blkfront negotiated, retries; for qdisk
# a "watch" line every 20 s on the device model and /dev/vda, and a
# post-mortem when it fails).  A target that fails is retried once
# (TRIES in bench.conf): emulation sometimes crashes dom0 processes, QEMU's
# device model included - the guest's I/O then hangs for good, so a dead
# device model ends the try at once.  A target that fails every try is
# reported and the others still run.  The "scenario" passes when every
# target gave every result.
. /xpv/xpv-lib.sh "$1"
. /xpv/bench.conf
. /xpv/bench-jobs.sh

DISK=/dev/vda
# virtio-pci and virtio-blk (not in the base image), in dependency order.
while read -r ko; do
	insmod "/xpv/bench-modules/$ko" 2>/dev/null
done </xpv/bench-modules/order
for _ in $(seq 50); do [ -b $DISK ] && break; sleep 0.2; done
[ -b $DISK ] || fail "no $DISK (the outer QEMU's benchmark disk)"
note "disk $DISK: $(($(blockdev --getsize64 $DISK 2>/dev/null || echo 0) >> 20)) MiB"

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

missing=()
for t in $ORDER; do
	note "target $t"
	t0=$(_now)
	if [ "$t" = dom0 ]; then
		run_dom0
		note "target dom0 took $(( $(_now) - t0 ))s"
		continue
	fi
	ok=0
	for try in $(seq "${TRIES:-2}"); do
		g=bench-$t-$try
		drop_caches
		# Each try in a subshell: emulation kills dom0 processes now
		# and then (XEN-UNDER-QEMU.md), and the shell that dies must
		# not be the one that runs the other targets.
		(
			if "run_$t" "$g"; then
				collect "$t" "$g" && exit 0
			else
				note "$t: ${GUEST_WHY:-guest failed}"
			fi
			guest_dump "$g" | tail -n 40
			echo "${GUEST_WHY:-incomplete results}" >/tmp/bench-why
			exit 1
		)
		rc=$?
		why=$(cat /tmp/bench-why 2>/dev/null)
		rm -f /tmp/bench-why
		if [ $rc -gt 128 ]; then
			why="the target's shell died of signal $((rc - 128))"
			# What it started is still running: stop it.
			killall xenpvd xenpvctl fio >/dev/null 2>&1
			[ -f /tmp/bench-watch.pid ] &&
				kill "$(cat /tmp/bench-watch.pid)" 2>/dev/null
		fi
		timeout 60 xl destroy "$g" >/dev/null 2>&1
		[ $rc = 0 ] && { ok=1; break; }
		why="target=$t try=$try failed: ${why:-incomplete results}"
		[ "$try" -lt "${TRIES:-2}" ] && why="$why; retrying once"
		info "$why"
	done
	[ $ok = 1 ] || missing+=("$t")
	note "target $t took $(( $(_now) - t0 ))s"
done
[ ${#missing[@]} -eq 0 ] || fail "no complete results for: ${missing[*]}"
pass
