# SPDX-License-Identifier: MIT
# tests/frontend/test-frontend-common.sh - sourced by the test-frontend-*.sh
# tests: a sim world with guest 1, fake-blkback (tests/frontend/fake-blkback.c)
# serving VBDs of guest 1 as dom0, and test-frontend-io run inside guest 1.
#
#   fe_world             start the world and guest 1 (skips without them)
#   start_fake VAR DEVID ARGS...
#                        a fake-blkback for DEVID, pid in VAR, stats in
#                        $FE_TMP/stats.DEVID; waits for its InitWait
#   stop_fake PID        SIGTERM, wait (it must exit 0): its stats file is
#                        then written
#   fake_stat DEVID KEY  a counter from the stats file
#   run_io DEVID ARGS... test-frontend-io in guest 1
. ./functions.sh

fe_world() {
	[ -x ./frontend/fake-blkback ] || skip "fake-blkback not built"
	start_sim_world FE_WORLD
	sim_domain_create 1
	xpv_tmpdir FE_TMP
}

start_fake() {
	local _var=$1 _dev=$2 _pid _i _st
	shift 2
	./frontend/fake-blkback --fdom 1 --devid "$_dev" \
		--stats "$FE_TMP/stats.$_dev" "$@" \
		2>>"$FE_TMP/fake.$_dev.log" &
	_pid=$!
	track_pid "$_pid"
	for _i in $(seq 100); do
		_st=$(xenstore-read \
			"/local/domain/0/backend/fake/1/$_dev/state" 2>/dev/null)
		[ "$_st" = 2 ] && break
		kill -0 "$_pid" 2>/dev/null ||
			hard_error "fake-blkback died: $(cat "$FE_TMP/fake.$_dev.log")"
		sleep 0.1
	done
	[ "$_st" = 2 ] || hard_error "fake-blkback $_dev: no InitWait"
	printf -v "$_var" '%s' "$_pid"
}

stop_fake() {
	local _rc=0
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null || _rc=$?
	[ "$_rc" = 0 ] || fail "fake-blkback exited $_rc: $(cat "$FE_TMP"/fake.*.log)"
}

fake_stat() {
	sed -n "s/^$2=//p" "$FE_TMP/stats.$1"
}

run_io() {
	local devid=$1
	shift
	in_guest 1 ./frontend/test-frontend-io --devid "$devid" "$@"
}
