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
# plus XENPV-BENCH-INFO lines (what blkfront negotiated, retries).  A target
# that fails is retried once (emulation sometimes crashes short-lived dom0
# processes); a target that fails twice is reported and the others still
# run.  The "scenario" passes when every target gave every result.
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
	guest_wait "$g" "$GUEST_SECS"
}

run_qdisk() {
	local g=$1
	guest_create "$g" "$(guest_cfg)" \
		"disk = ['format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$DISK']" ||
		return 1
	info "target=qdisk device_model=$(ps -o args 2>/dev/null |
		grep -m1 '[x]en-qemu-system' | cut -c1-200 | tr ' ' '_')"
	guest_wait "$g" "$GUEST_SECS"
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
	guest_wait "$g" "$GUEST_SECS" || rc=1
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
	for try in 1 2; do
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
		fi
		timeout 60 xl destroy "$g" >/dev/null 2>&1
		[ $rc = 0 ] && { ok=1; break; }
		info "target=$t try=$try failed: ${why:-incomplete results}; retrying once"
	done
	[ $ok = 1 ] || missing+=("$t")
	note "target $t took $(( $(_now) - t0 ))s"
done
[ ${#missing[@]} -eq 0 ] || fail "no complete results for: ${missing[*]}"
pass
