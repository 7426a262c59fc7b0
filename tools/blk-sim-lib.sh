# SPDX-License-Identifier: MIT
# blk-sim-lib.sh - shared by tools/demo.sh and tests/bench/blk-sim.sh: a sim
# world with xenpvd serving one guest a disk image, and the same I/O issued
# through libxenpvfront and directly on the image with fio.
#
# Source it with $build set to a build directory.  Every process it starts
# is killed by blk_cleanup (call it from an EXIT trap).

sim=$build/tools/xenpv-sim
ctl=$build/tools/xenpvctl
xenpvd=${XENPVD_BIN:-$build/backend/xenpvd}
blk_pids=()
blk_world=
blk_world_dir=
blk_xenpvd_pid=

blk_cleanup() {
	local p
	for p in "${blk_pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${blk_pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	[ -z "$blk_world" ] || "$sim" destroy "$blk_world" >/dev/null 2>&1 || true
	[ -z "$blk_world_dir" ] || rm -rf "$blk_world_dir"
	if [ -n "$blk_ram_loop" ]; then
		losetup -d "$blk_ram_loop" 2>/dev/null || true
		rm -f "$blk_ram_file"
	fi
}

# blk_ram_dev MIB: a block device whose latency is the machine's CPU and
# memory alone - a loop device over a file in /dev/shm, written end to
# end - for telling the software's latency tail from the disk's (the
# virtual disk of a VM can stall whole batches of I/O for tens of ms,
# fio's included).  Sets blk_ram_loop; 1 when it cannot (not root, no
# losetup or /dev/shm, no loop device).
blk_ram_loop= blk_ram_file=
blk_ram_dev() {
	[ "$(id -u)" -eq 0 ] && command -v losetup >/dev/null &&
		[ -d /dev/shm ] && [ -w /dev/shm ] || return 1
	blk_ram_file=$(mktemp /dev/shm/xenpvd-ram.XXXXXX) || return 1
	if ! dd if=/dev/urandom of="$blk_ram_file" bs=1M count="$1" \
		status=none ||
	   ! blk_ram_loop=$(losetup -f --show "$blk_ram_file" 2>/dev/null); then
		blk_ram_loop=
		rm -f "$blk_ram_file"
		return 1
	fi
}

# blk_image PATH MIB: an image written end to end, so that reads reach the
# device (O_DIRECT reads of holes or unwritten extents never do).
blk_image() {
	dd if=/dev/urandom of="$1" bs=1M count="$2" oflag=direct \
		status=none conv=fsync
}

# blk_world: a world with guest 1, on tmpfs when there is one: the guests'
# memory is a file of the world, and the backend does O_DIRECT I/O into it;
# on a disk filesystem every such I/O would dirty that file's page cache.
blk_world() {
	local base=/dev/shm
	[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
	blk_world_dir=$(mktemp -d "$base/xenpvd-world.XXXXXX")
	blk_world=$blk_world_dir/world
	eval "$("$sim" create "$blk_world")"
	"$sim" domain-create "$blk_world" 1 --name guest1 >/dev/null
	blk_guest_env=$("$sim" env "$blk_world" 1)
}

# blk_in_guest CMD...: run CMD as guest 1.
blk_in_guest() {
	(eval "$blk_guest_env" && exec "$@")
}

# blk_start_xenpvd LOG [xenpvd options...]
blk_start_xenpvd() {
	local log=$1
	shift
	"$xenpvd" --platform=sim --foreground "$@" >"$log" 2>&1 &
	blk_xenpvd_pid=$!
	blk_pids+=("$blk_xenpvd_pid")
}

blk_stop_xenpvd() {
	[ -n "$blk_xenpvd_pid" ] || return 0
	kill "$blk_xenpvd_pid" 2>/dev/null || true
	wait "$blk_xenpvd_pid" 2>/dev/null || true
	blk_xenpvd_pid=
}

# blk_attach IMAGE [xenpvctl attach options...]: give guest 1 the image
# (as xvda unless --vdev says otherwise); waits for InitWait.
blk_attach() {
	local img=$1
	shift
	"$ctl" attach --domid 1 --target "$img" --wait 20 "$@" >/dev/null
}

# blk_detach [VDEV]
blk_detach() {
	"$ctl" detach --domid 1 --vdev "${1:-xvda}" --timeout 10 >/dev/null
}

# CPU seconds (user+system) a process has used so far.
blk_cpu_s() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f\n", ($14 + $15) / hz }' \
		"/proc/$1/stat" 2>/dev/null || echo 0
}

# blk_field LINE KEY: the value of KEY=value in a summary line.
blk_field() {
	sed -n "s|.* $2=\([^ ]*\).*|\1|p" <<<" $1"
}

# blk_bench RW BS DEPTH RUNTIME [SIZE]: xenpvctl bench as guest 1 on
# device $BLK_DEVID (default 51712, xvda) served by $BLK_XENPVD_PID
# (default the last blk_start_xenpvd's), with $BLK_BENCH_ARGS; prints its
# summary line with that xenpvd's CPU seconds appended (be_cpu_s=).
blk_bench() {
	local c0 c1 line pid=${BLK_XENPVD_PID:-$blk_xenpvd_pid}
	c0=$(blk_cpu_s "$pid")
	# shellcheck disable=SC2086
	line=$(blk_in_guest "$ctl" bench --devid "${BLK_DEVID:-51712}" \
		--rw "$1" --bs "$2" --iodepth "$3" --runtime "$4" \
		${5:+--size "$5"} ${BLK_BENCH_ARGS:-}) || return 1
	c1=$(blk_cpu_s "$pid")
	echo "$line be_cpu_s=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')"
}

# blk_fio IMAGE RW BS DEPTH RUNTIME [JOBS]: the same I/O with fio directly
# on the image (io_uring, O_DIRECT), DEPTH in flight in all, over JOBS
# (default 1) jobs of DEPTH/JOBS each; prints a line in xenpvctl bench's
# format (the jobs' sums, their merged latency percentiles), with jobs=.
blk_fio() {
	local json jobs=${6:-1}
	json=$(fio --name=direct --filename="$1" --ioengine=io_uring \
		--direct=1 --rw="$2" --bs="$3" --iodepth=$(($4 / jobs)) \
		--numjobs="$jobs" --group_reporting \
		--runtime="$5" --time_based --norandommap --randrepeat=0 \
		--output-format=json 2>/dev/null) || return 1
	python3 -c '
import json, sys
j = json.load(sys.stdin)["jobs"][0]
d = j["read"] if j["read"]["io_bytes"] else j["write"]
rt = j["job_runtime"] / 1000.0 or 1
pct = d["clat_ns"].get("percentile", {})
p50 = pct.get("50.000000", 0) / 1000.0
p99 = pct.get("99.000000", 0) / 1000.0
p999 = pct.get("99.900000", 0) / 1000.0
cpu = (j["usr_cpu"] + j["sys_cpu"]) / 100.0 * rt
print("fio: iops=%.0f MiB/s=%.1f lat_p50_us=%.0f lat_p99_us=%.0f"
      " lat_p999_us=%.0f cpu_s=%.2f jobs=%s" % (
          d["iops"], d["bw_bytes"] / 1048576.0, p50, p99, p999, cpu,
          sys.argv[1]))
' "$jobs" <<<"$json"
}

# blk_fio_ceiling IMAGE RW BS DEPTH RUNTIME QUEUES: the fair ceiling for
# xenpvd serving that I/O over QUEUES queues (one io_uring each): fio with
# 1 job and with QUEUES jobs at the same total depth; prints the better
# run's line (by IOPS), with the other's IOPS as alt_iops= and its jobs
# as alt_jobs=.  With QUEUES 1, just the 1-job run.
blk_fio_ceiling() {
	local one many
	one=$(blk_fio "$1" "$2" "$3" "$4" "$5" 1) || return 1
	if [ "${6:-1}" -le 1 ]; then
		echo "$one"
		return 0
	fi
	many=$(blk_fio "$1" "$2" "$3" "$4" "$5" "$6") || return 1
	if awk -v a="$(blk_field "$many" iops)" -v b="$(blk_field "$one" iops)" \
		'BEGIN { exit !(a > b) }'; then
		echo "$many alt_jobs=1 alt_iops=$(blk_field "$one" iops)"
	else
		echo "$one alt_jobs=$6 alt_iops=$(blk_field "$many" iops)"
	fi
}

# blk_median_index X...: the index (from 0) of the median of the numbers
# (the lower middle one for an even count; "n/a" sorts first).
blk_median_index() {
	local i
	for ((i = 1; i <= $#; i++)); do
		echo "${!i} $((i - 1))"
	done | sort -g -k1,1 | awk '{ a[NR] = $2 } END { print a[int((NR + 1) / 2)] }'
}

# blk_ratio A B: A / B with two decimals.
blk_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}
