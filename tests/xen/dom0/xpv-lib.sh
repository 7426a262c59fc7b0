# SPDX-License-Identifier: MIT
# tests/xen/dom0/xpv-lib.sh - helpers for the dom0 side of the scenarios
# (bash).  Source it first:  . /xpv/xpv-lib.sh "$1"
#
# Results (each ends the scenario): pass, fail WHY, skip WHY.  A scenario
# that ends without one is reported as failed by run-scenarios.  check
# COND-CMD... WHY records a failure and goes on, so one run reports every
# broken expectation; finish passes or fails on what was recorded.
#
#   need_bin NAME           skip unless our build shipped NAME
#   track_pid PID           kill PID at the end (also between scenarios)
#   mkimg PATH MB           a zero-filled disk image
#   guest_create NAME CFG-LINES...  xl create; GUEST_DOMID is set
#   guest_wait NAME SECS    waits for the guest's XENPV-GUEST-DONE line;
#                           0 if "ok", 1 otherwise (GUEST_WHY says why)
#   guest_val NAME KEY      a value the guest reported
#   guest_dump NAME         its console log, prefixed, on our output
#   xs PATH                 xenstore-read, empty if absent
#   xs_dump PATH...         xenstore-ls -f, on our output
#   xl_shutdown_wait G BE   xl shutdown -w, then libxl's removal of BE
#   dm_started D            the device model's pid, state, argv checked
#   dm_wait_gone G          the device model's end, its log
#   start_xenpvd ARGS...    xenpvd --platform=xen in the background
#   without_blkback         unloads Linux xen-blkback (xenpvd serves
#                           backend/vbd alone); loaded again at the end
#   xenpvd_stats            one JSON line per VBD of the running xenpvd
#   stat_of JSON KEY        a counter of a JSON line
#   net_guest_peer G ADDR FILE  dom0's side of the guest's job net
#   dom0_net_io BRIDGE ARGS...  libxenpvfront's netfront in dom0 on vif 0
#                           of domain 0, echoed back (see below)
set -u
NAME=${1:?scenario name}
RESULT=/tmp/xpv-result.$NAME
FAILS=()
XENPVD_PID=
XENPVD_LOG=/tmp/xenpvd-$NAME.log
XENPVD_SOCK=/run/xenpvd/xenpvd.sock

note() { echo "note: [$(cut -d' ' -f1 /proc/uptime)] $*"; }
_result() { [ -s "$RESULT" ] || echo "$*" >"$RESULT"; }
pass() { _result "PASS $NAME"; echo "PASS $NAME"; exit 0; }
fail() { _result "FAIL $NAME: $*"; echo "FAIL $NAME: $*"; exit 1; }
skip() { _result "SKIP $NAME: $*"; echo "SKIP $NAME: $*"; exit 77; }

# check CMD... -- WHY: runs CMD; on failure records WHY and goes on.
check() {
	local args=() why
	while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	why=$*
	if "${args[@]}"; then
		echo "ok: $why"
	else
		echo "not ok: $why"
		FAILS+=("$why")
	fi
}

finish() {
	if [ ${#FAILS[@]} -eq 0 ]; then
		pass
	fi
	local IFS=';'
	fail "${FAILS[*]}"
}

need_bin() {
	command -v "$1" >/dev/null 2>&1 || skip "$1 not in the build"
}

_pids=()
track_pid() {
	_pids+=("$1")
	echo "$1" >>/run/xpv-pids
}

_reload_blkback=0
_cleanup() {
	local p
	for p in "${_pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${_pids[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.2
		done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ $_reload_blkback = 1 ] && modprobe xen-blkback
	return 0
}

without_blkback() {
	[ -d /sys/module/xen_blkback ] || return 0
	rmmod xen_blkback || fail "cannot unload xen-blkback"
	_reload_blkback=1
}
trap _cleanup EXIT
trap 'fail "terminated (time limit)"' TERM INT

mkimg() {
	dd if=/dev/zero of="$1" bs=1M count=0 seek="$2" 2>/dev/null &&
		dd if=/dev/zero of="$1" bs=1M count="$2" conv=notrunc 2>/dev/null
}

# guest_create NAME LINE...: a PV guest on the harness kernel and guest
# initramfs; the extra lines (extra=..., disk=[...], vcpus=...) override.
guest_create() {
	local name=$1 cfg=/tmp/$1.cfg line
	shift
	{
		echo "name = \"$name\""
		echo 'type = "pv"'
		echo 'kernel = "/boot/vmlinux"'
		echo 'ramdisk = "/boot/guest.cpio"'
		echo 'memory = 256'
		echo 'vcpus = 2'
		echo 'on_poweroff = "destroy"'
		echo 'on_crash = "preserve"'
		for line in "$@"; do echo "$line"; done
	} >"$cfg"
	rm -f "/var/log/xen/console/guest-$name.log"
	# Under emulation xl's daemonizing child sometimes crashes (see
	# XEN-UNDER-QEMU.md): retry once, and say so.
	if ! timeout 120 xl create -q "$cfg" >/tmp/$name.create 2>&1; then
		sed 's/^/xl create: /' /tmp/$name.create
		note "xl create failed; retrying once"
		timeout 60 xl destroy "$name" >/dev/null 2>&1
		if ! timeout 120 xl create -q "$cfg" >/tmp/$name.create 2>&1; then
			sed 's/^/xl create: /' /tmp/$name.create
			return 1
		fi
	fi
	GUEST_DOMID=$(xl domid "$name" 2>/dev/null) || return 1
	note "guest $name is domain $GUEST_DOMID"
}

_glog() { tr -d '\r' <"/var/log/xen/console/guest-$1.log" 2>/dev/null; }

# Seconds since dom0 booted (a builtin read, but $(_now) forks: to time a
# step, $SECONDS forks nothing).
_now() { local up _r; read -r up _r </proc/uptime; echo "${up%.*}"; }

# Polls once a second with as few processes as possible: under emulation,
# short-lived dom0 processes sometimes crash (see XEN-UNDER-QEMU.md).
guest_wait() {
	local name=$1 secs=$2 end line n=0
	local log=/var/log/xen/console/guest-$1.log
	GUEST_WHY=
	# $SECONDS, not $(_now): a command substitution forks, and a
	# crashed fork (emulation) once ended this loop at once.
	end=$((SECONDS + secs))
	while [ $SECONDS -lt $end ]; do
		line=$(grep -a -m1 '^XENPV-GUEST-DONE ' "$log" 2>/dev/null)
		line=${line%$'\r'}
		if [ -n "$line" ]; then
			line=${line#XENPV-GUEST-DONE }
			[ "$line" = ok ] && return 0
			GUEST_WHY="guest: ${line#fail: }"
			return 1
		fi
		n=$((n + 1))
		if [ $((n % 10)) = 0 ] && ! xl domid "$name" >/dev/null 2>&1 &&
		   ! xl domid "$name" >/dev/null 2>&1; then
			GUEST_WHY="guest $name died without a result"
			return 1
		fi
		sleep 1
	done
	GUEST_WHY="guest $name gave no result within ${secs}s"
	return 1
}

guest_val() {
	_glog "$1" | sed -n "s/^XENPV-GUEST $2=//p" | head -n 1
}

# Builtins only: one crashed sed must not lose the guest's log.
guest_dump() {
	local l
	[ -f "/var/log/xen/console/guest-$1.log" ] || return 0
	while IFS= read -r l; do
		echo "guest $1: ${l%$'\r'}"
	done <"/var/log/xen/console/guest-$1.log"
}

# How long a frontend may take to connect (xenpvctl attach/p9-attach/
# net-attach --wait): up to 60 s on an idle machine, 3-4x that while
# another emulation or a build loads it (a blkfront with 4 queues of 16
# pages took 67 s beside make check).  Only a failure waits this long.
XPV_CONNECT_WAIT=180

xs() { xenstore-read "$1" 2>/dev/null; }

# xl_shutdown_wait G BE: `xl shutdown -w G` (120 s at most), the guest's
# console, then up to 30 s for libxl to remove the backend directory BE.
# Sets SHUTDOWN_RC (xl's status) and BE_GONE (1: removed).
xl_shutdown_wait() {
	local g=$1 be=$2 t0=$SECONDS tick
	timeout 120 xl shutdown -w "$g"
	SHUTDOWN_RC=$?
	note "xl shutdown -w: status $SHUTDOWN_RC after $((SECONDS - t0))s"
	guest_dump "$g"
	BE_GONE=0
	for ((tick = 0; tick < 30; tick++)); do
		[ -z "$(xs "$be/state")" ] && { BE_GONE=1; break; }
		sleep 1
	done
}

# dm_started D: right after `xl create` of domain D with xenpvd as its
# device model: sets DM_PID, and checks what libxl expects of QEMU
# (device-model/D/state = running) and that libxl gave xenpvd QEMU's
# command line for D.
dm_started() {
	local d=$1 cmd st
	DM_PID=$(xs "/local/domain/$d/image/device-model-pid")
	cmd=$(tr '\0' ' ' <"/proc/$DM_PID/cmdline" 2>/dev/null)
	note "device model pid $DM_PID: $cmd"
	st=$(xs "/local/domain/0/device-model/$d/state")
	check [ "$st" = running ] -- \
		"xenpvd wrote device-model state running ($st)"
	check grep -q -e "-xen-domid $d .*-machine xenpv" <<<"$cmd" -- \
		"libxl started xenpvd with QEMU's command line"
}

# dm_wait_gone G: up to 60 s for guest G's device model (DM_PID) to end
# (libxl does not wait for it: it answers the I/O in flight and unmaps
# the guest's grants first), then the tail of its log.  Sets DM_ALIVE
# (0: it ended) and XL_TIMEOUTS (libxl's timeout lines in its log of G).
dm_wait_gone() {
	local g=$1 pid=$DM_PID t0=$SECONDS tick
	DM_ALIVE=1
	for ((tick = 0; tick < 60; tick++)); do
		kill -0 "$pid" 2>/dev/null || { DM_ALIVE=0; break; }
		sleep 1
	done
	note "device model gone $((SECONDS - t0))s after the backend directory"
	sed 's/^/device model: /' "/var/log/xen/qemu-dm-$g.log" | tail -n 60
	XL_TIMEOUTS=$(grep -a -i -c 'timed out\|timeout' \
		"/var/log/xen/xl-$g.log" 2>/dev/null)
}

xs_dump() {
	local p
	for p in "$@"; do
		xenstore-ls -f "$p" 2>&1 | sed 's/^/xenstore: /'
	done
}

start_xenpvd() {
	local tick
	need_bin xenpvd
	rm -f "$XENPVD_SOCK"
	xenpvd --platform=xen --control="$XENPVD_SOCK" \
		--log-file="$XENPVD_LOG" "$@" </dev/null \
		>>"$XENPVD_LOG" 2>&1 &
	XENPVD_PID=$!
	track_pid "$XENPVD_PID"
	for ((tick = 0; tick < 100; tick++)); do
		[ -S "$XENPVD_SOCK" ] && return 0
		kill -0 "$XENPVD_PID" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/xenpvd: /' "$XENPVD_LOG"
	kill -0 "$XENPVD_PID" 2>/dev/null &&
		{ note "xenpvd runs, but no control socket $XENPVD_SOCK"; return 0; }
	fail "xenpvd did not start: $(tail -n 1 "$XENPVD_LOG")"
}

stop_xenpvd() {
	local tick
	[ -n "$XENPVD_PID" ] || return 0
	kill "$XENPVD_PID" 2>/dev/null
	for ((tick = 0; tick < 50; tick++)); do
		kill -0 "$XENPVD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$XENPVD_PID" 2>/dev/null
	wait "$XENPVD_PID" 2>/dev/null
	XENPVD_PID=
	sed 's/^/xenpvd: /' "$XENPVD_LOG"
	: >"$XENPVD_LOG"
}

# The stats JSON, one line per VBD ({"domid":..,"devid":..,...}).
xenpvd_stats() {
	local out
	out=$(xenpvctl stats --json --socket "$XENPVD_SOCK" 2>/dev/null) ||
		out=$(echo stats | timeout 5 socat - "UNIX-CONNECT:$XENPVD_SOCK" \
			2>/dev/null)
	printf '%s\n' "$out" | grep '"domid"'
}

# stat_of LINE KEY: the number after "KEY": in LINE (empty if absent).
stat_of() {
	printf '%s\n' "$1" | sed -n "s/.*\"$2\":\\([0-9]*\\).*/\\1/p" | head -n 1
}

# The stats line of one VBD.
vbd_stats() {
	xenpvd_stats | grep "\"domid\":$1,\"devid\":$2,"
}

# A numeric test that tolerates empty values (empty fails).
num() {
	local a=$1 op=$2 b=$3
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" "$op" "$b" ]
}

# attach_xenpvd DOMID VDEV TARGET [xenpvctl attach options...]: plays the
# toolstack for a disk that the running xenpvd serves (backend type qdisk)
# and waits until both ends are connected.
attach_xenpvd() {
	local dom=$1 vdev=$2 target=$3
	shift 3
	need_bin xenpvctl
	timeout $((XPV_CONNECT_WAIT + 30)) xenpvctl attach --domid "$dom" \
		--vdev "$vdev" --target "$target" --wait "$XPV_CONNECT_WAIT" \
		--wait-connected "$@"
}

detach_xenpvd() {
	timeout 30 xenpvctl detach --domid "$1" --vdev "$2" --timeout 10 \
		--force
}

# xl_disk TARGET [VDEV [ACCESS]]: an xl disk line for a disk served by
# xenpvd --type=vbd: backendtype=phy with our hotplug script (the kernel
# blkback must not be loaded, see without_blkback).
xl_disk() {
	echo "format=raw,vdev=${2:-xvda},access=${3:-rw},backendtype=phy,script=block-xenpvd,target=$1"
}

# The number of VBDs the running xenpvd serves.
xenpvd_nr_vbds() {
	xenpvd_stats | grep -c '"domid"'
}

# xenpvd_saw LINE-PATTERN: whether xenpvd's log (so far) matches it.
xenpvd_saw() {
	grep -q -- "$1" "$XENPVD_LOG"
}

# Device number of xvdX.
devid_of() {
	local c=${1#xvd} a
	a=$(printf '%d' "'$c")
	echo $(( (202 << 8) | ((a - 97) << 4) ))
}

# dom0_net_io BRIDGE TEST-NET-IO-ARGS...: libxenpvfront's netfront in dom0
# (test-net-io, granting to dom0 itself) on vif 0 of domain 0, served by
# whichever backend serves backend/vif now (Linux xen-netback or xenpvd):
# xenpvctl net-attach writes libxl's keys and does vif-bridge's work on
# BRIDGE (created), net-host-echo sends every frame that leaves vif0.0
# straight back, test-net-io checks every echo byte for byte.  Detaches
# at the end.  0 when test-net-io passed; its output in /tmp/net-io.out.
dom0_net_io() {
	local br=$1 epid rc=0 tick
	shift
	modprobe bridge 2>/dev/null
	timeout $((XPV_CONNECT_WAIT + 30)) xenpvctl net-attach --domid 0 \
		--devid 0 --bridge "$br" --create-bridge \
		--wait "$XPV_CONNECT_WAIT" || { note "net-attach failed"; return 1; }
	for ((tick = 0; tick < 100; tick++)); do
		ip link show vif0.0 >/dev/null 2>&1 && break
		sleep 0.2
	done
	ip link set vif0.0 up || { note "no vif0.0"; return 1; }
	net-host-echo vif0.0 >/tmp/echo.out 2>&1 &
	epid=$!
	track_pid $epid
	for ((tick = 0; tick < 100; tick++)); do
		grep -q '^ready' /tmp/echo.out && break
		sleep 0.2
	done
	timeout 300 test-net-io --devid 0 --loose --max-plain 1514 \
		--ignore-other "$@" >/tmp/net-io.out 2>&1 || rc=$?
	sed 's/^/test-net-io: /' /tmp/net-io.out
	kill $epid 2>/dev/null
	xs_dump /local/domain/0/backend/vif/0/0 /local/domain/0/device/vif/0
	# The frontend closed when test-net-io ended: Linux netback, which
	# follows only its frontend, then never reaches Closed on its own;
	# libxl removes such a device after its 10 s, as --force does.
	timeout 60 xenpvctl net-detach --domid 0 --devid 0 --timeout 10 ||
		timeout 60 xenpvctl net-detach --domid 0 --devid 0 --force ||
		note "net-detach failed"
	ip link del "$br" 2>/dev/null
	return $rc
}

# The guest's job net (guest/init) sends to dom0's port 8081 and then
# takes what dom0 sends to its port 8080 once it says net_listen=1.
# net_guest_peer GUEST GUEST-ADDR FILE: dom0's side of that, in the
# background: what the guest sends lands in /tmp/tx.bin (nc runs cat,
# which ends at the end of the stream), and FILE goes to the guest.
net_guest_peer() {
	local g=$1 addr=$2 file=$3
	printf '#!/bin/sh\nexec cat >/tmp/tx.bin\n' >/tmp/recv.sh
	chmod +x /tmp/recv.sh
	rm -f /tmp/tx.bin
	# Not on our output: a background job holding it open would keep
	# run-scenarios waiting if the scenario were killed at its limit.
	nc -l -p 8081 -e /tmp/recv.sh </dev/null >/tmp/net-peer.log 2>&1 &
	track_pid $!
	(
		for ((tick = 0; tick < 600; tick++)); do
			_glog "$g" | grep -q '^XENPV-GUEST net_listen=1' && break
			sleep 1
		done
		nc -w 30 "$addr" 8080 <"$file" || note "nc to the guest failed"
	) </dev/null >>/tmp/net-peer.log 2>&1 &
	track_pid $!
}
