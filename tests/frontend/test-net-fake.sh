#!/bin/bash
# SPDX-License-Identifier: MIT
# libxenpvfront's netfront against fake-netback (tests/frontend/
# fake-netback.c), a minimal backend that echoes every frame, on a sim
# world: test-net-io in guest 1 sends frames of 60 B to 64 KiB (one slot,
# many slots, with and without blank checksums and GSO extras) and checks
# each echo byte for byte with its metadata; with 1 and 2 queues, split
# and unsplit event channels, without SG, reopened with another queue
# count, against a backend that breaks the protocol (the device breaks)
# or sends a bad frame (dropped), and against a backend that closes in
# the middle and comes back (frames it never took are sent again, none is
# echoed twice).
. ./functions.sh

FAKE=./frontend/fake-netback
IO=./frontend/test-net-io
[ -x "$FAKE" ] || skip "fake-netback not built"
[ -x "$IO" ] || skip "test-net-io not built"
requires which xenstore-read

start_sim_world WORLD
sim_domain_create 1
xpv_tmpdir T

# start_fake VAR DEVID ARGS...: a fake-netback for vif DEVID of guest 1,
# its pid in VAR; returns once it is in InitWait.
start_fake() {
	local _var=$1 _dev=$2 _pid
	shift 2
	"$FAKE" --fdom 1 --devid "$_dev" --stats "$T/stats.$_dev" "$@" \
		2>>"$T/fake.$_dev.log" &
	_pid=$!
	track_pid "$_pid"
	wait_xs "/local/domain/0/backend/vif/1/$_dev/state" 2 ||
		hard_error "fake-netback $_dev: no InitWait: $(cat "$T/fake.$_dev.log")"
	printf -v "$_var" '%s' "$_pid"
}

# stop_fake PID: SIGTERM; it must exit 0 (its stats are then written).
stop_fake() {
	local _rc=0
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null || _rc=$?
	[ "$_rc" = 0 ] || fail "fake-netback exited $_rc: $(cat "$T"/fake.*.log)"
}

stat_of() { sed -n "s/^$2=//p" "$T/stats.$1"; }

# io LABEL DEVID ARGS...: test-net-io in guest 1, its output kept.
io() {
	local label=$1 dev=$2 rc=0
	shift 2
	echo "--- $label: $*"
	in_guest 1 "$IO" --devid "$dev" "$@" >"$T/out.$label" 2>&1 || rc=$?
	cat "$T/out.$label"
	[ "$rc" = 0 ] || fail "$label: test-net-io exited $rc"
}

no_violations() {
	[ "$(stat_of "$1" violations)" = 0 ] ||
		fail "vif $1: the backend saw violations: $(cat "$T/fake.$1.log")"
}

# One queue (the default) of the two offered, split channels, every
# offload, synchronous send and receive.
start_fake pid 0 --queues 2
io one-queue 0 --mode sync --offloads --strict-meta --expect-queues 1 \
	--expect-split 1 --expect-sg 1
stop_fake "$pid"
no_violations 0
[ "$(stat_of 0 queues)" = 1 ] || fail "one-queue: $(stat_of 0 queues) queues"
[ "$(stat_of 0 split)" = 1 ] || fail "one-queue: channels not split"
[ "$(stat_of 0 gso)" -gt 0 ] || fail "one-queue: no GSO frame went out"
[ "$(stat_of 0 csum)" -gt 0 ] || fail "one-queue: no blank checksum"
[ "$(stat_of 0 max_slots)" -ge 17 ] ||
	fail "one-queue: at most $(stat_of 0 max_slots) slots per frame"

# Two queues, asynchronous with many frames in flight, three rounds (the
# rings wrap many times).
start_fake pid 1 --queues 2
io two-queues 1 --queues 2 --mode async --offloads --strict-meta \
	--rounds 3 --expect-queues 2 --expect-split 1
stop_fake "$pid"
no_violations 1
[ "$(stat_of 1 queues)" = 2 ] || fail "two-queues: $(stat_of 1 queues) queues"

# Unsplit event channels: not offered, then offered but not wanted.
start_fake pid 2 --queues 2 --no-split
io unsplit 2 --queues 2 --mode async --offloads --strict-meta \
	--expect-split 0
stop_fake "$pid"
no_violations 2
[ "$(stat_of 2 split)" = 0 ] || fail "unsplit: split anyway"
start_fake pid 3 --queues 2
io unsplit-opt 3 --queues 2 --no-split --mode sync --expect-split 0 \
	--sizes 60,1514,9000
stop_fake "$pid"
no_violations 3
[ "$(stat_of 3 split)" = 0 ] || fail "unsplit-opt: split anyway"

# No SG: one slot per frame, frames up to 4096 bytes.
start_fake pid 4 --queues 1 --no-sg
io no-sg 4 --mode async --offloads --strict-meta --expect-sg 0
stop_fake "$pid"
no_violations 4
[ "$(stat_of 4 max_slots)" = 1 ] || fail "no-sg: $(stat_of 4 max_slots) slots"

# The fewest pages the library takes (18 rx buffers, 18 tx pages per
# queue): 64 KiB frames fill them, sends wait for room (EAGAIN), buffers
# are recycled frame after frame.
start_fake pid 10 --queues 2
io few-pages 10 --queues 2 --mode async --offloads --strict-meta \
	--rx-buffers 18 --tx-pages 18 --rounds 2
io few-pages-sync 10 --mode sync --offloads --strict-meta \
	--rx-buffers 18 --tx-pages 18
stop_fake "$pid"
no_violations 10

# One backend, three users in turn: 1 queue, 2, then 1 again (the keys
# of each connection replace the last one's: flat, then queue-N/).
start_fake pid 6 --queues 2
io reopen-1 6 --mode sync --sizes 60,4097,65535 --expect-queues 1
io reopen-2 6 --queues 2 --mode async --offloads --strict-meta \
	--expect-queues 2
io reopen-3 6 --mode async --offloads --strict-meta --expect-queues 1
stop_fake "$pid"
no_violations 6
[ "$(stat_of 6 connects)" = 3 ] || fail "reopen: $(stat_of 6 connects) connects"

# A backend that misbehaves: an rx id that is not its slot's buffer, a tx
# answer for an id never sent (the device breaks: -EIO, and closes
# cleanly), an rx slot past its page (that frame alone is dropped).
start_fake pid 7 --queues 1 --bad-rx-id-after 5
io bad-rx-id 7 --mode sync --expect-broken
stop_fake "$pid"
start_fake pid 8 --queues 1 --bad-tx-id-after 5
io bad-tx-id 8 --mode async --expect-broken
stop_fake "$pid"
start_fake pid 9 --queues 1 --bad-rx-size-after 5
io bad-rx-size 9 --mode async --expect-rx-errors 1
stop_fake "$pid"
no_violations 9

# A backend that closes after 20 frames and comes back with one queue:
# the frames it had not taken fail with ECONNRESET and are sent again.
start_fake pid 5 --queues 2 --close-after 20 --then-queues 1
io reconnect 5 --queues 2 --mode async --offloads --strict-meta \
	--rounds 3 --expect-reconnects-min 1
stop_fake "$pid"
no_violations 5
[ "$(stat_of 5 connects)" = 2 ] || fail "reconnect: $(stat_of 5 connects) connects"
[ "$(stat_of 5 queues)" = 1 ] || fail "reconnect: not down to one queue"
exit 0
