#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/hostile/run.sh - the hostile-frontend suite of xenpvd, on the sim
# platform.
#
# One world, one xenpvd (no --debug, log in a file), and two guests:
#   guest 2  runs verified I/O (tests/blk/test-frontend-raw `loop`: random
#            writes, checked in the image and read back) for the whole suite
#            and must never fail nor stall;
#   guest 1  is the hostile one: for each case the toolstack (xenpvctl
#            attach) gives it a disk, test-frontend-raw misbehaves with raw
#            ring entries or raw XenStore values and checks the backend's
#            exact answer, then xenpvctl detach takes the disk away and
#            guest 1 is destroyed and created again (a fresh guest per
#            case: a killed frontend's grants belong to its domain).
# After each case: xenpvd is alive; guest 2's I/O goes on; `ring stopped`
# lines in the xenpvd log grew by exactly what the case expects (1 for a
# stopped ring, else 0); dom0's grant mappings and event channels
# (xenpv-sim resources) and xenpvd's thread count are back to their
# baseline; the detach succeeded (backend Closed within 10 s).
# Then vifs (the net-* cases, when the suite may make TAP devices: root,
# /dev/net/tun, ip netns): the whole suite then runs in a network
# namespace of its own (removed at exit), xenpvd serves vif too, guest 1
# gets a vif on bridge xpvbr1 per case (tests/net/net-hostile.c in it
# misbehaves and checks the backend's answer; its dom0 side captures what
# reaches the TAP, up to a marker frame, and injects what the case
# needs), and guest 3, on bridge xpvbr3, keeps a well-behaved vif for the
# whole suite that must answer a ping after every net case.  A fatal
# case's `ring stopped` line is the vif's ("ring stopped, vif disabled").
# Each case prints `PASS hostile/<name>` or `FAIL hostile/<name>: <why>`;
# the suite ends with `hostile: cases=N passed=N` and exits 1 if a case
# failed (0 when all passed, 77 when it cannot run here, 99 on set-up
# errors).  Run it from the build tree's tests/ directory, or directly.
if [ -n "${top_builddir:-}" ] && [ -f "$top_builddir/tests/functions.sh" ]; then
	. "$top_builddir/tests/functions.sh"
else
	. "$(cd "$(dirname "$0")/.." && pwd)/functions.sh"
fi

# The vif cases make TAP devices: in a network namespace of our own, so
# that none appears in the caller's.  Without one, they are skipped.
NET_SKIP=
if [ -n "${XPV_HOSTILE_NS:-}" ]; then
	:
elif [ "$(id -u)" != 0 ]; then
	NET_SKIP="not root"
elif [ ! -c /dev/net/tun ]; then
	NET_SKIP="no /dev/net/tun"
elif ! which ip >/dev/null 2>&1; then
	NET_SKIP="no ip(8)"
elif ! ip netns add "xpvhostile$$" 2>/dev/null; then
	NET_SKIP="cannot create a network namespace"
else
	cleanup_fn "ip netns del 'xpvhostile$$'"
	XPV_HOSTILE_NS=xpvhostile$$ ip netns exec "xpvhostile$$" \
		"$BASH" "$0" "$@"
	exit $?
fi

XENPVD=${XENPVD:-$top_builddir/backend/xenpvd}
NETHOSTILE=${NETHOSTILE:-$top_builddir/tests/net/net-hostile}
CTL=${CTL:-$top_builddir/tools/xenpvctl}
RAW=${RAW:-$top_builddir/tests/blk/test-frontend-raw}
P9RAW=${P9RAW:-$top_builddir/tests/9pfs/p9-ring-raw}
DEVID=51712
MAX_ORDER=4
MAX_QUEUES=4
MAX_INDIRECT=1024

[ -x "$XENPVD" ] || skip "no $XENPVD (not built)"
[ -x "$CTL" ] || skip "no $CTL (not built)"
[ -x "$RAW" ] || skip "no $RAW (not built)"
[ -x "$P9RAW" ] || skip "no $P9RAW (not built)"
requires which timeout
requires which xenstore-read
[ -d /proc/self/task ] || skip "no /proc/PID/task"
[ -n "$NET_SKIP" ] || [ -x "$NETHOSTILE" ] || NET_SKIP="no $NETHOSTILE"
TYPES="qdisk 9pfs"
NET_MAX_QUEUES=2
if [ -z "$NET_SKIP" ]; then
	TYPES="qdisk 9pfs vif"
	# Nothing but the cases' frames on the TAPs: no IPv6 autoconf.
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
	ip link set lo up
	# One bridge per guest: nothing of one vif is flooded to the other.
	for br in xpvbr1 xpvbr3; do
		ip link add $br type bridge && ip link set $br up ||
			hard_error "cannot create bridge $br"
	done
fi

start_sim_world WORLD
# The file limit xenpvd's systemd unit gives it (LimitNOFILE=65536), when
# we may: 9p-many-fids walks a share's 16384 fids, within the budget of
# fds xenpvd shares out to its 9p sessions (a quarter kept for the rest).
ulimit -n 65536 2>/dev/null || true
P9_MAX_FIDS=16384
nofile=$(ulimit -n)
if [ "$nofile" != unlimited ] && [ $((nofile * 3 / 4 - 2048)) -lt $P9_MAX_FIDS ]; then
	P9_MAX_FIDS=$((nofile * 3 / 4 - 2048))
fi
start_sim_xenpvd --max-ring-page-order=$MAX_ORDER --max-queues=$MAX_QUEUES \
	--max-indirect-segments=$MAX_INDIRECT --type="$TYPES" \
	--p9-max-rings=4 --p9-max-fids=$P9_MAX_FIDS \
	--net-max-queues=$NET_MAX_QUEUES
cleanup_fn "[ \"\${HOSTILE_VERBOSE:-}\" ] && tail -60 '$XPVD_LOG'"

sim_domain_create 1 --name hostile --mem-mb 512
sim_domain_create 2 --name bystander --mem-mb 512
IMG1=$WORLD/disk1.img
IMG2=$WORLD/disk2.img
truncate -s 16M "$IMG1" || hard_error "image 1"
truncate -s 64M "$IMG2" || hard_error "image 2"

BE1=/local/domain/0/backend/qdisk/1/$DEVID

# ---- guest 2: verified I/O for the whole suite ----
"$CTL" attach --domid 2 --target "$IMG2" --wait 20 >/dev/null ||
	hard_error "attach guest 2"
G2_STOP=$WORLD/g2.stop
G2_PROG=$WORLD/g2.progress
in_guest 2 "$RAW" --devid $DEVID --image "$IMG2" --stop-file "$G2_STOP" \
	--progress "$G2_PROG" loop >"$WORLD/g2.out" 2>&1 &
G2_PID=$!
track_pid $G2_PID

g2_iters() {
	local n
	n=$(sed -n 's/^iters=//p' "$G2_PROG" 2>/dev/null)
	echo "${n:-0}"
}

# Warm up: guest 2's persistent grants are all mapped after two rounds.
for _ in $(seq 200); do
	[ "$(g2_iters)" -ge 12 ] 2>/dev/null && break
	kill -0 $G2_PID 2>/dev/null || break
	sleep 0.05
done
[ "$(g2_iters)" -ge 12 ] 2>/dev/null ||
	hard_error "guest 2's I/O does not flow: $(cat "$WORLD/g2.out")"

# ---- guest 3: a well-behaved vif for the whole suite ----
MAC1=00:16:3e:00:01:00
MAC3=00:16:3e:00:03:00
G3_STOP=$WORLD/g3.stop
if [ -z "$NET_SKIP" ]; then
	sim_domain_create 3 --name netbystander --mem-mb 256
	mkdir -p "$WORLD/g3"
	"$CTL" net-attach --domid 3 --bridge xpvbr3 --mac $MAC3 --wait 20 \
		>/dev/null || hard_error "net-attach guest 3"
	in_guest_bg 3 "$NETHOSTILE" --out "$WORLD/g3" --stop-file "$G3_STOP" \
		bystander >"$WORLD/g3.out" 2>&1
	G3_PID=$IN_GUEST_PID
	track_pid $G3_PID
	for _ in $(seq 200); do
		grep -q "bystander: running" "$WORLD/g3.out" && break
		sleep 0.05
	done
	"$NETHOSTILE" --host ping vif3.0 $MAC3 0 ||
		hard_error "guest 3's vif does not answer: $(cat "$WORLD/g3.out")"
fi

resources() {
	"$XENPV_SIM" resources "$WORLD" 0
}
# xenpvd's threads, not counting the kernel's io_uring workers (iou-*),
# which come and go with the load.
threads() {
	local t c n=0
	for t in /proc/$XPVD_PID/task/*; do
		c=$(cat "$t/comm" 2>/dev/null) || continue
		case $c in iou-*) ;; *) n=$((n + 1)) ;; esac
	done
	echo $n
}
BASE_RES=$(resources) || hard_error "xenpv-sim resources"
BASE_THREADS=$(threads)
echo "baseline: dom0 $BASE_RES, xenpvd threads $BASE_THREADS"

stopped_lines() {
	grep -c "ring stopped" "$XPVD_LOG" 2>/dev/null || true
}

# ---- one case ----
CASES=0
PASSED=0
WHY=
why() { WHY=${WHY:+$WHY; }$*; }

attach1() { # [MODE]
	"$CTL" attach --domid 1 --target "$IMG1" --mode "${1:-w}" \
		--wait 20 >/dev/null 2>"$WORLD/attach.err" ||
		why "attach: $(cat "$WORLD/attach.err")"
}

detach1() {
	local out
	out=$("$CTL" detach --domid 1 --timeout 10 2>&1) ||
		why "detach (backend not Closed in 10 s?): $out"
	if xenstore-read "$BE1/state" >/dev/null 2>&1; then
		why "backend directory left after detach"
		# Clean up as a forced toolstack removal would.
		xenstore-rm "$BE1" 2>/dev/null
	fi
	xenstore-rm /local/domain/1/device/vbd/$DEVID 2>/dev/null
}

# raw ARGS...: test-frontend-raw in guest 1 (bounded); sets RC, OUT.
raw() {
	RC=0
	OUT=$(in_guest 1 timeout -k 2 60 "$RAW" --devid $DEVID \
		--image "$IMG1" --other-dom 2 "$@" 2>&1) || RC=$?
}

case_begin() {
	CASE=$1
	HANG_PID=
	WHY=
	STOPPED0=$(stopped_lines)
	G2_0=$(g2_iters)
}

# case_end WANT_STOPPED: the checks common to every case.
case_end() {
	local want_stopped=$1 r t n
	kill -0 $XPVD_PID 2>/dev/null || why "xenpvd died"
	# A fresh guest 1 for the next case: a frontend that exits while its
	# pages are mapped leaves them granted (as a guest kernel would), so
	# the domain, not the process, is the unit of cleanup.  Done before
	# counting: the baseline includes xenstored's map and port of guest 1,
	# and dom0's own leaks survive the guest's destruction.
	"$XENPV_SIM" domain-destroy "$WORLD" 1 >/dev/null 2>&1
	xenstore-rm /local/domain/1 2>/dev/null
	sim_domain_create 1 --name hostile --mem-mb 512
	n=$(( $(stopped_lines) - STOPPED0 ))
	[ "$n" = "$want_stopped" ] ||
		why "$n 'ring stopped' log line(s), expected $want_stopped"
	for _ in $(seq 60); do
		r=$(resources)
		t=$(threads)
		[ "$r" = "$BASE_RES" ] && [ "$t" = "$BASE_THREADS" ] && break
		sleep 0.05
	done
	[ "$r" = "$BASE_RES" ] || why "dom0 holds $r, baseline $BASE_RES"
	[ "$t" = "$BASE_THREADS" ] ||
		why "xenpvd has $t threads, baseline $BASE_THREADS"
	kill -0 $G2_PID 2>/dev/null ||
		why "guest 2's verified I/O stopped: $(tail -3 "$WORLD/g2.out")"
	CASES=$((CASES + 1))
	if [ -z "$WHY" ]; then
		PASSED=$((PASSED + 1))
		echo "PASS hostile/$CASE"
	else
		echo "FAIL hostile/$CASE: $WHY"
		[ -z "$OUT" ] || echo "$OUT" | sed 's/^/    /' | head -20
	fi
	OUT=
}

# req_case NAME MODE RAW-ARGS...: bad requests answered with the exact
# statuses test-frontend-raw checks (ERROR or EOPNOTSUPP per request),
# the ring keeps serving verified I/O, no ring stopped.
req_case() {
	local name=$1 mode=$2
	shift 2
	case_begin "$name"
	attach1 "$mode"
	[ -n "$WHY" ] || raw "$@"
	[ -n "$WHY" ] || [ "$RC" = 0 ] || why "test-frontend-raw exit $RC"
	detach1
	case_end 0
}

# xs_refused NAME ERROR-PATTERN KEY=VALUE...: a frontend value the
# backend must refuse: error node matching ERROR-PATTERN, backend
# Closing, no ring served; then the detach cleans up.
xs_refused() {
	local name=$1 pat=$2 a=() kv err st
	shift 2
	for kv in "$@"; do
		a+=(--xs "$kv")
	done
	case_begin "$name"
	attach1 w
	if [ -z "$WHY" ]; then
		raw --hostile "${a[@]}" rw
		[ "$RC" = 3 ] ||
			why "test-frontend-raw exit $RC, expected 3 (refused)"
		err=$(xenstore-read "$BE1/error" 2>/dev/null)
		grep -Eq -- "$pat" <<<"$err" ||
			why "error node '$err' does not match '$pat'"
		st=$(xenstore-read "$BE1/state" 2>/dev/null)
		[ "$st" = 5 ] || why "backend state $st, expected 5 (Closing)"
	fi
	detach1
	case_end 0
}

# ---- the cases ----

case_begin producer-beyond-ring
# req_prod = rsp_prod + ring size + 5: the ring stops (no response, one
# warning line); detach still works and frees its mapping and port.
attach1 w
[ -n "$WHY" ] || raw badprod
[ -n "$WHY" ] || [ "$RC" = 0 ] || why "test-frontend-raw exit $RC"
grep "ring stopped" "$XPVD_LOG" | tail -1 | grep -q "vbd 1/$DEVID" ||
	why "the 'ring stopped' line does not name vbd 1/$DEVID"
detach1
case_end 1

case_begin producer-beyond-ring-order-2
# The same on a 4-page ring (128 slots).
attach1 w
[ -n "$WHY" ] || raw --order 2 badprod
[ -n "$WHY" ] || [ "$RC" = 0 ] || why "test-frontend-raw exit $RC"
detach1
case_end 1

req_case nr-segments-0 w nsegs0
req_case nr-segments-above-11 w nsegs12
req_case indirect-above-negotiated-max w indmax
req_case indirect-page-count-mismatch w indpages
req_case indirect-op-not-read-write w indop
req_case first-sect-after-last-sect w firstlast
req_case last-sect-above-7 w lastsect
req_case sector-past-end w pastend
req_case sector-length-overflow w overflow
req_case write-to-read-only-disk r ro
req_case gref-never-granted w grefbad
req_case gref-never-granted-in-a-batch w grefbatch
req_case gref-granted-to-another-domain w grefother
req_case gref-read-only-for-read w grefro
# The same without persistent grants (grant copy instead of the cache).
req_case gref-never-granted-no-persistent w --persistent 0 grefbad
req_case gref-never-granted-in-a-batch-no-persistent w --persistent 0 \
	grefbatch
req_case gref-granted-to-another-domain-no-persistent w --persistent 0 \
	grefother
req_case gref-read-only-for-read-no-persistent w --persistent 0 grefro
req_case id-reused-in-flight w idreuse
req_case unknown-opcode w unknownop
req_case discard-not-offered r nodiscard
# xenpvd always offers flush and barrier: served; EOPNOTSUPP if a key is 0.
req_case flush-barrier-as-offered w flushoff

# The 32-bit ABI (id at another offset, 12-byte responses).
req_case x86_32-abi-bad-requests w --abi 32 nsegs0 nsegs12 indmax indop \
	lastsect overflow grefro unknownop

case_begin notification-storm
# 20000+ notifications over >= 1 s, no request: no response, the ring
# still serves, and guest 2 makes progress meanwhile.
attach1 w
[ -n "$WHY" ] || raw storm=20000
[ -n "$WHY" ] || [ "$RC" = 0 ] || why "test-frontend-raw exit $RC"
echo "$OUT" | grep storm:
[ "$(g2_iters)" -gt "$G2_0" ] ||
	why "guest 2 made no progress during the storm ($G2_0 iterations)"
detach1
case_end 0

# XenStore values (defaults here: max-ring-page-order $MAX_ORDER,
# multi-queue-max-queues $MAX_QUEUES).
# Over-long: 2000 characters (a guest's node is limited to 2048 bytes).
LONG_NUM=$(printf '1%.0s' $(seq 2000))
LONG_STR=$(printf 'x%.0s' $(seq 2000))
xs_refused xs-ring-page-order-above-max ring-page-order \
	ring-page-order=$((MAX_ORDER + 1))
xs_refused xs-queues-above-max queues \
	multi-queue-num-queues=$((MAX_QUEUES + 1))
xs_refused xs-queues-zero queues multi-queue-num-queues=0
xs_refused xs-ring-page-order-non-numeric ring-page-order ring-page-order=two
xs_refused xs-ring-ref-non-numeric ring-ref ring-ref=0x1z
xs_refused xs-event-channel-non-numeric event-channel event-channel=abc
xs_refused xs-ring-page-order-huge ring-page-order \
	ring-page-order=18446744073709551617
xs_refused xs-ring-ref-huge ring-ref ring-ref=4294967296
xs_refused xs-queues-huge queues multi-queue-num-queues=4294967297
xs_refused xs-ring-page-order-negative ring-page-order ring-page-order=-1
xs_refused xs-event-channel-negative event-channel event-channel=-1
xs_refused xs-ring-ref-over-long ring-ref "ring-ref=$LONG_NUM"
xs_refused xs-protocol-over-long protocol "protocol=$LONG_STR"
xs_refused xs-protocol-unknown protocol protocol=x86_128-abi
xs_refused xs-ring-ref-never-granted "queue|ring|map" ring-ref=123456
xs_refused xs-event-channel-unbound "queue|event|bind" event-channel=4000

case_begin xs-feature-persistent-garbage
# A malformed feature-persistent means "off": connected, I/O verified.
attach1 w
[ -n "$WHY" ] || raw --xs feature-persistent=yes-please rw
[ -n "$WHY" ] || [ "$RC" = 0 ] || why "test-frontend-raw exit $RC"
detach1
case_end 0

# start_hang: test-frontend-raw keeps guest 1's ring full of writes.
HANG_PID=
start_hang() {
	# Not under timeout: the kill below must reach the frontend itself.
	in_guest_bg 1 "$RAW" --devid $DEVID --image "$IMG1" \
		hang >"$WORLD/hang.out" 2>&1
	HANG_PID=$IN_GUEST_PID
	track_pid $HANG_PID
	for _ in $(seq 200); do
		grep -q "hang: running" "$WORLD/hang.out" && return 0
		kill -0 $HANG_PID 2>/dev/null || break
		sleep 0.05
	done
	why "guest 1's I/O did not flow: $(cat "$WORLD/hang.out")"
}

case_begin frontend-killed-mid-io
# SIGKILL with a full ring in flight; the domain lives on, its frontend
# stays Connected: the toolstack's detach must still close and free all.
attach1 w
[ -n "$WHY" ] || start_hang
[ -z "$HANG_PID" ] || { kill -9 $HANG_PID; wait $HANG_PID; } 2>/dev/null
kill -0 $XPVD_PID 2>/dev/null || why "xenpvd died"
detach1
case_end 0

case_begin frontend-closed-mid-io
# A full ring of 44 KiB writes, then the frontend writes Closed at once:
# the backend reaches Closed, answers nothing twice nor unasked.
attach1 w
[ -n "$WHY" ] || raw closemid
[ -n "$WHY" ] || [ "$RC" = 0 ] || why "test-frontend-raw exit $RC"
echo "$OUT" | grep closemid:
detach1
case_end 0

case_begin frontend-domain-destroyed-mid-io
# The domain dies with a full ring in flight (its ports are closed and its
# XenStore directory removed, as after xl destroy): the backend notices by
# itself and goes Closed within 10 s; then the toolstack removes the
# backend directory (libxl's forced removal) and everything is freed.
attach1 w
[ -n "$WHY" ] || start_hang
"$XENPV_SIM" domain-destroy "$WORLD" 1 >/dev/null 2>&1 ||
	why "xenpv-sim domain-destroy failed"
# The domain's processes die with it.
[ -z "$HANG_PID" ] || { kill -9 $HANG_PID; wait $HANG_PID; } 2>/dev/null
kill -0 $XPVD_PID 2>/dev/null || why "xenpvd died"
st=
for _ in $(seq 100); do
	st=$(xenstore-read "$BE1/state" 2>/dev/null)
	[ "$st" = 6 ] && break
	sleep 0.1
done
[ "$st" = 6 ] || why "backend state '$st' 10 s after the domain died, not 6"
xenstore-rm "$BE1" 2>/dev/null
case_end 0

# ---- 9pfs: guest 1 gets a share; the bystander's block I/O goes on ----
P9EXP=$WORLD/p9export
P9CANARY=$WORLD/p9canary
P9BE=/local/domain/0/backend/9pfs/1/0
mkdir -p "$P9EXP" || hard_error "mkdir $P9EXP"
echo "outside the export" >"$P9CANARY"

p9attach1() {
	"$CTL" p9-attach --domid 1 --path "$P9EXP" --tag hostile --wait 20 \
		>/dev/null 2>"$WORLD/attach.err" ||
		why "p9-attach: $(cat "$WORLD/attach.err")"
}

p9detach1() {
	local out
	out=$("$CTL" p9-detach --domid 1 --timeout 10 2>&1) ||
		why "p9-detach (backend not Closed in 10 s?): $out"
	if xenstore-read "$P9BE/state" >/dev/null 2>&1; then
		why "backend directory left after p9-detach"
		xenstore-rm "$P9BE" 2>/dev/null
	fi
	xenstore-rm /local/domain/1/device/9pfs/0 2>/dev/null
	[ "$(cat "$P9CANARY")" = "outside the export" ] ||
		why "the file outside the export changed"
}

# p9raw ARGS...: p9-ring-raw in guest 1 (bounded); sets RC, OUT.
p9raw() {
	RC=0
	OUT=$(in_guest 1 timeout -k 2 60 "$P9RAW" --export "$P9EXP" "$@" \
		2>&1) || RC=$?
}

# p9_stopped NAME SCENARIO [P9RAW-ARGS...]: ring 0 stops (one warning
# line), nothing of the message runs, ring 1 keeps serving (p9-ring-raw
# checks both).
p9_stopped() {
	local name=$1 sc=$2
	shift 2
	case_begin "$name"
	p9attach1
	[ -n "$WHY" ] || p9raw --rings 2 --order 2 "$@" "$sc"
	[ -n "$WHY" ] || [ "$RC" = 0 ] || why "p9-ring-raw exit $RC"
	grep "ring stopped" "$XPVD_LOG" | tail -1 |
		grep -q "9pfs 1/0 ring 0" ||
		why "no 'ring stopped' line naming 9pfs 1/0 ring 0"
	p9detach1
	case_end 1
}

# p9_refused NAME ERROR-PATTERN P9RAW-ARGS...: the backend refuses the
# connection: error node matching the pattern, Closing, nothing served.
p9_refused() {
	local name=$1 pat=$2 err st
	shift 2
	case_begin "$name"
	p9attach1
	if [ -z "$WHY" ]; then
		p9raw --hostile "$@" basic
		[ "$RC" = 3 ] || why "p9-ring-raw exit $RC, expected 3 (refused)"
		err=$(xenstore-read "$P9BE/error" 2>/dev/null)
		grep -Eq -- "$pat" <<<"$err" ||
			why "error node '$err' does not match '$pat'"
		st=$(xenstore-read "$P9BE/state" 2>/dev/null)
		[ "$st" = 5 ] || why "backend state $st, expected 5 (Closing)"
	fi
	p9detach1
	case_end 0
}

# A message of size 6 (below the 7-byte header).
p9_stopped 9p-size-below-header size6
# A size above the negotiated msize.
p9_stopped 9p-size-above-msize sizebig
# out_prod more than a ring ahead of out_cons.
p9_stopped 9p-producer-beyond-ring prodbeyond
# in_cons beyond what the backend ever produced.
p9_stopped 9p-in-cons-beyond-produced incons
# An interface page with ring_order 0 and 10 (1..9 are valid).
p9_refused 9p-ring-order-0 "ring 0" --rings 2 --order 0
p9_refused 9p-ring-order-10 "ring 0" --rings 2 --order 10
# num-rings 0, and 5 where 4 are offered.
p9_refused 9p-num-rings-0 "num-rings" --rings 2 --xs num-rings=0
p9_refused 9p-num-rings-5 "num-rings" --rings 5 --order 1
# version 2 (only 1 exists).
p9_refused 9p-version-2 "version" --rings 2 --xs version=2
# An interface page whose ring_order disagrees with the pages the
# frontend granted and laid its rings out in (9pfs has no frontend
# ring-page-order key: the page's ring_order is the only word on it; the
# incons case above is about in_cons, not this).  Order 4 in the page, 4
# pages granted (order 2): the backend must refuse, naming the ring whose
# references it cannot map.
p9_refused 9p-ring-order-above-granted "ring 0: cannot map" --rings 2 \
	--order 2 --page-order 4
# Order 1 in ring 0's page, 4 pages laid out as order 2: the backend maps
# a smaller ring and finds no message where it looks (a size of 0): ring
# 0 stops with its log line, ring 1 (honest) serves.
p9_stopped 9p-ring-order-below-granted orderlie --page-order 1

case_begin 9p-server-confinement
# Through the ring, at the server: names with '/', NUL or nothing, 17
# names, `..` at the root (stays), a symlink to /etc the host left in the
# export (never walked through, opened or created under), fids in use,
# Tversion mid-session (fids gone); each refused or harmless, the share
# still serves, nothing outside the export changes (p9detach1 checks the
# canary; /etc/planted must not exist).
ln -sfn /etc "$P9EXP/escape"
p9attach1
[ -n "$WHY" ] || p9raw --rings 2 --order 2 confine
[ -n "$WHY" ] || [ "$RC" = 0 ] || why "p9-ring-raw exit $RC"
[ ! -e /etc/planted ] || why "/etc/planted exists"
rm -f "$P9EXP/escape"
p9detach1
case_end 0

# ---- 9pfs: hostile 9P messages at the server, through the ring ----
# Each case runs one p9-ring-raw scenario (tests/9pfs/p9-ring-raw.c says
# in detail what each message must get): every answer is the exact one
# backend/9pfs/p9srv.c lists (an Rlerror errno, or a valid reply), the
# share answers a Tgetattr after each hostile message, no ring stops,
# and nothing outside the export is read or changed (p9detach1 checks
# the canary; the symlink cases check /etc and the export's parents).

# p9_server SCENARIO [P9RAW-ARGS...]: within a case, guest 1's share on 2
# rings of order 2 (msize 8 KiB), SCENARIO run by p9-ring-raw.
p9_server() {
	p9attach1
	[ -n "$WHY" ] || p9raw --rings 2 --order 2 "$@"
	[ -n "$WHY" ] || [ "$RC" = 0 ] || why "p9-ring-raw exit $RC"
}

# p9_server_case NAME SCENARIO [P9RAW-ARGS...]: a case of just that.
p9_server_case() {
	local name=$1
	shift
	case_begin "$name"
	p9_server "$@"
	p9detach1
	case_end 0
}

# xpv-* names are what the scenarios try to plant outside the export.
planted_outside() { # DIR...
	local d
	for d in "$@"; do
		ls -A "$d" 2>/dev/null | grep -q '^xpv-' &&
			why "xpv-* names appeared in $d"
	done
}

# Strings whose length runs past the message's end (Twalk, Tlcreate,
# Tattach, Tsymlink, Trenameat, Tunlinkat, Txattrcreate, Tversion):
# Rlerror EBADMSG each, nothing made, moved or attached, no reset.
p9_server_case 9p-string-past-end strpast
# Arrays past the end (Twalk nwname 5 with one name, a name cut in its
# size; nwname 65535: EINVAL) and messages cut in their fixed fields
# (Tread, Twrite, Tgetattr, Tsetattr, Tlcreate, Tlock, Tclunk, Tflush):
# Rlerror EBADMSG, nothing done.
p9_server_case 9p-count-past-end countpast
# Tread and Treaddir counts of 2^32-1: clamped to msize - 11, no reply
# longer than msize; Twrite counts above the bytes sent: EINVAL, nothing
# written.
p9_server_case 9p-count-above-msize bigcount
# Tread at 2^64-1 and 2^63: EINVAL, at 2^63-1: 0 bytes; Twrite of 10
# bytes at 2^63-1, 2^63, 2^64-1, 2^64-5: EINVAL (or EFBIG); Tsetattr
# size 2^63, 2^64-1 and Tlock at 2^64-1: EINVAL; the file unchanged.
p9_server_case 9p-offsets-near-2-64 offsets
# Beyond 9p-server-confinement's two: Twalk, Tattach, Txattrwalk onto a
# fid in use: EEXIST and that fid still names its file; NOFID: EBADF;
# an opened fid walked in place, opened, created from: EINVAL; clunked
# or removed fids: EBADF; two requests for one new fid, or two Tclunks,
# racing on two rings: exactly one succeeds (20 times).
p9_server_case 9p-fid-reuse fidreuse

case_begin 9p-device-nodes
# Tmknod of a character (1, 3) or block device: EPERM, nothing made.  A
# device node and a FIFO made by the host in the export, and a FIFO made
# by the guest: Tlopen read, write or O_TRUNC is EPERM for each, never
# opened (CVE-2023-2861); Tlcreate over the device node EEXIST.
mknod "$P9EXP/null" c 1 3 && mkfifo "$P9EXP/hfifo" ||
	why "mknod/mkfifo in the export"
[ -n "$WHY" ] || p9_server devnodes
[ -c "$P9EXP/null" ] || why "the host's device node changed"
rm -f "$P9EXP/null" "$P9EXP/hfifo" "$P9EXP/gfifo"
p9detach1
case_end 0

# Treaddir of an opened file: ENOTDIR, of a directory not opened: EBADF;
# at offsets never given (0x7fffffffdeadbeef, 2^63-1, 2^63, 2^64-1) and
# with count 0: an error or a listing of the export's own names only;
# then the whole directory lists from 0.
p9_server_case 9p-readdir-hostile readdir

case_begin 9p-host-symlinks
# abs -> /etc, rel -> ../.. and rel2 -> ../../.. made by the host in the
# export: walks through them stop at them (partial Rwalk), their fids are
# the links (QTSYMLINK); Tlopen ELOOP; Tsetattr acts on the link, never
# on the target (mode, owner, times of /etc and the others unchanged);
# size EINVAL; as a directory (Tlcreate, Tmkdir, Tmknod, Tsymlink, Tlink,
# Trename, Trenameat, Tunlinkat): ENOTDIR; an xattr through one: EPERM
# at Tclunk, not set; nothing appears in /etc nor in the export's
# parents; Tremove of rel2 removes the link only.
ETC0=$(stat -c '%f %u %g' /etc)
ln -sfn /etc "$P9EXP/abs" && ln -sfn ../.. "$P9EXP/rel" &&
	ln -sfn ../../.. "$P9EXP/rel2" || why "symlinks in the export"
[ -n "$WHY" ] || p9_server symlinks
[ "$(stat -c '%f %u %g' /etc)" = "$ETC0" ] || why "/etc changed"
planted_outside /etc "$WORLD" "$WORLD/.." "$WORLD/../.."
rm -f "$P9EXP/abs" "$P9EXP/rel" "$P9EXP/rel2"
p9detach1
case_end 0

case_begin 9p-dir-swapped-for-symlink
# The guest holds fids of directory d (walked, opened); the host renames
# d to d.moved and puts d -> /etc in its place (p9-ring-raw does it
# through --export): Tlcreate, Tmkdir, Tsetattr and Treaddir through the
# old fids act on d.moved, never on /etc; ".." from them is the export's
# root; a new walk to d sees the symlink (Tlcreate under it: ENOTDIR).
ETC0=$(stat -c '%f %u %g' /etc)
p9_server swapdir
[ "$(stat -c '%f %u %g' /etc)" = "$ETC0" ] || why "/etc changed"
planted_outside /etc
rm -f "$P9EXP/d"
rm -rf "$P9EXP/d.moved"
p9detach1
case_end 0

# Tflush of an unknown tag, a finished tag, itself, NOTAG: Rflush.  Ten
# Treads on ring 0 whose replies do not fit its unread in ring, flushed
# from ring 1: Rflush at once for an answered one and for one still
# unread (dropped: never answered), none for those in flight until their
# replies are written (ring 1 serves meanwhile); then each Tread but the
# dropped one exactly one reply, each Tflush one Rflush, no hang.
p9_server_case 9p-flush flush

# Fids: clones of the root up to the session's cap (p9-max-fids as
# xenpvd was started: 16384, its default, when the file limit allows), the next
# Twalk/Tattach/Txattrwalk EMFILE, all clunked; a second round the same
# (fids given back), xenpvd's resident set grown < 32 MiB by it; then
# 10000 more and the share serves.
p9_server_case 9p-many-fids manyfids --max-fids $P9_MAX_FIDS \
	--xenpvd-pid $XPVD_PID

# Txattrcreate of 1 MiB, 64 KiB + 1, 2^64-1: E2BIG (the limit is 64
# KiB); of 64 KiB: set at Tclunk as the host's setxattr does (skipped
# where the export has no user xattrs), read back; the session's xattr
# budget: 64 KiB values held without data up to ENOMEM, given back at
# Tclunk (EINVAL: never written whole, so not set).
p9_server_case 9p-xattr-size xattr

case_begin 9p-frontend-killed-mid-io
# A frontend killed while its rings are full of requests: the share is
# detached cleanly, nothing leaks.
p9attach1
if [ -z "$WHY" ]; then
	in_guest_bg 1 "$P9RAW" --export "$P9EXP" --rings 2 --order 1 fill \
		fill fill fill >/dev/null 2>&1
	kpid=$IN_GUEST_PID
	track_pid $kpid
	sleep 0.3
	kill -9 $kpid 2>/dev/null
	wait $kpid 2>/dev/null
fi
p9detach1
case_end 0

# ---- vifs: guest 1 gets a vif per case; guest 3's vif must go on ----
NBE1=/local/domain/0/backend/vif/1/0
NOUT=$WORLD/net-out

netattach1() {
	"$CTL" net-attach --domid 1 --bridge xpvbr1 --mac $MAC1 --wait 20 \
		>/dev/null 2>"$WORLD/attach.err" ||
		why "net-attach: $(cat "$WORLD/attach.err")"
}

netdetach1() {
	local out
	out=$("$CTL" net-detach --domid 1 --timeout 10 2>&1) ||
		why "net-detach (backend not Closed in 10 s?): $out"
	if xenstore-read "$NBE1/state" >/dev/null 2>&1; then
		why "backend directory left after net-detach"
		xenstore-rm "$NBE1" 2>/dev/null
	fi
	xenstore-rm /local/domain/1/device/vif/0 2>/dev/null
	for _ in $(seq 100); do
		ip link show vif1.0 >/dev/null 2>&1 || break
		sleep 0.05
	done
	ip link show vif1.0 >/dev/null 2>&1 && why "TAP vif1.0 left"
}

# nraw ARGS...: net-hostile in guest 1 (bounded); sets RC, OUT.
nraw() {
	RC=0
	OUT=$(in_guest 1 timeout -k 2 60 "$NETHOSTILE" --out "$NOUT" "$@" \
		2>&1) || RC=$?
}

# The dom0 side of a case: what reaches vif1.0 from guest 1 (up to its
# marker), and what INJ1 / INJ2 ("READY-FILE SPEC...") say to inject.
net_host_start() {
	local spec
	rm -rf "$NOUT"
	mkdir -p "$NOUT"
	"$NETHOSTILE" --host capture vif1.0 $MAC1 "$NOUT" \
		>"$WORLD/cap.out" 2>&1 &
	CAP_PID=$!
	track_pid $CAP_PID
	INJ_PIDS=
	for spec in "${INJ1:-}" "${INJ2:-}" "${INJ3:-}"; do
		[ -n "$spec" ] || continue
		# shellcheck disable=SC2086
		"$NETHOSTILE" --host inject vif1.0 $MAC1 "$NOUT" $spec \
			>>"$WORLD/inj.out" 2>&1 &
		INJ_PIDS="$INJ_PIDS $!"
		track_pid $!
	done
	for _ in $(seq 200); do
		[ -e "$NOUT/cap-ready" ] && return 0
		sleep 0.02
	done
	why "the capture on vif1.0 did not start: $(cat "$WORLD/cap.out")"
}

# net_host_end MARK: with MARK yes the capture ends at the guest's
# marker; else it is stopped.  The TAP must have got exactly the frames
# the guest listed (exp-<i>.bin), in order.
net_host_end() {
	local mark=$1 p i n want
	if [ "$mark" = yes ]; then
		for _ in $(seq 100); do
			kill -0 $CAP_PID 2>/dev/null || break
			sleep 0.05
		done
	fi
	kill $CAP_PID 2>/dev/null
	wait $CAP_PID 2>/dev/null
	for p in $INJ_PIDS; do
		kill $p 2>/dev/null
		wait $p 2>/dev/null
	done
	n=$(cat "$NOUT/cap-count" 2>/dev/null)
	want=$(cat "$NOUT/exp-count" 2>/dev/null)
	if [ -z "$want" ]; then
		why "the guest listed no expected frames"
		return
	fi
	[ "$n" = "$want" ] || why "$n frame(s) reached vif1.0, expected $want"
	for ((i = 0; i < want && i < ${n:-0}; i++)); do
		cmp -s "$NOUT/exp-$i.bin" "$NOUT/cap-$i.bin" ||
			why "frame $i on vif1.0 differs from what was sent"
	done
}

# net_bystander: guest 3's vif still answers.
NET_PING=0
net_bystander() {
	NET_PING=$((NET_PING + 1))
	"$NETHOSTILE" --host ping vif3.0 $MAC3 $NET_PING >/dev/null 2>&1 ||
		why "guest 3's vif did not answer ping $NET_PING"
}

# net_case NAME STOPPED MARK NET-HOSTILE-ARGS...: one vif case.  STOPPED
# 1: the vif must stop (one 'ring stopped' line naming vif1.0-q0, the
# error node); MARK yes: the guest ends with a marker frame (the vif
# went on).  INJ1, INJ2 and PRE (a command run after the attach) are
# taken and cleared.
net_case() {
	local name=$1 want=$2 mark=$3 err
	shift 3
	case_begin "$name"
	netattach1
	[ -n "$WHY" ] || [ -z "${PRE:-}" ] || eval "$PRE" ||
		why "set-up: $PRE"
	if [ -z "$WHY" ]; then
		net_host_start
		nraw "$@"
		[ "$RC" = 0 ] || why "net-hostile exit $RC"
		net_host_end "$mark"
		[ -n "$WHY" ] || [ -z "${POST:-}" ] || eval "$POST" ||
			why "check: $POST"
	fi
	if [ "$want" = 1 ]; then
		grep "ring stopped" "$XPVD_LOG" | tail -1 |
			grep -q "vif1.0-q0: .*ring stopped, vif disabled" ||
			why "no 'ring stopped' line naming vif1.0-q0"
		err=$(xenstore-read "$NBE1/error" 2>/dev/null)
		grep -q "queue 0" <<<"$err" ||
			why "error node '$err' does not name queue 0"
	fi
	netdetach1
	net_bystander
	case_end "$want"
	INJ1= INJ2= INJ3= PRE= POST=
}

# net_refused NAME ERROR-PATTERN NET-HOSTILE-ARGS...: frontend values
# the backend refuses at connect (Linux netback: xenbus_dev_fatal): the
# error node matches, the backend goes Closing, no ring is served.
net_refused() {
	local name=$1 pat=$2 err st
	shift 2
	case_begin "$name"
	netattach1
	if [ -z "$WHY" ]; then
		nraw "$@" refused
		[ "$RC" = 3 ] ||
			why "net-hostile exit $RC, expected 3 (refused)"
		err=$(xenstore-read "$NBE1/error" 2>/dev/null)
		grep -Eq -- "$pat" <<<"$err" ||
			why "error node '$err' does not match '$pat'"
		st=$(xenstore-read "$NBE1/state" 2>/dev/null)
		[ "$st" = 5 ] || why "backend state $st, expected 5 (Closing)"
	fi
	netdetach1
	net_bystander
	case_end 0
}

if [ -n "$NET_SKIP" ]; then
	echo "SKIP hostile/net-*: $NET_SKIP"
else
# Fatal (Linux: xenvif_fatal_tx_err, "disabling device"): the vif stops
# serving, none of the chain is answered, nothing reaches the TAP, one
# log line, the error node.
# req_prod 257 slots past req_cons: "Impossible number of requests".
net_case net-req-prod-beyond-ring 1 no fatal=prod-beyond
# The same on the rx ring (xenvif_rx_ring_slots_available's check).
net_case net-rx-req-prod-beyond-ring 1 no fatal=rx-prod-beyond
# A more_data chain whose end is not published: "Asked for %d slots".
net_case net-chain-past-req-prod 1 no fatal=past-prod
# 22 and 30 slots: "Malicious frontend using %d slots" (fatal_skb_slots
# 20 after the first).
net_case net-slots-22 1 no fatal=slots22
net_case net-slots-30 1 no fatal=slots30
# A continuation at offset 4000 of size 200: "Cross page boundary".
net_case net-cross-page 1 no fatal=cross-page
# The first slot at offset 4000 of size 200 ("txreq.offset: ...").
net_case net-first-cross-page 1 no fatal=first-cross-page
# extra_info flagged with no slot left: "Missing extra info".
net_case net-extra-missing 1 no fatal=extra-missing
# Extra types 0 and 5 (XEN_NETIF_EXTRA_TYPE_MAX): "Invalid extra type".
net_case net-extra-type-0 1 no fatal=extra-type0
net_case net-extra-type-unknown 1 no fatal=extra-type5
# GSO size 0 and GSO type 3: xenvif_set_skb_gso, fatal.
net_case net-gso-size-0 1 no fatal=gso-size0
net_case net-gso-type-3 1 no fatal=gso-type3

# Dropped (xenvif_tx_err): each slot XEN_NETIF_RSP_ERROR, nothing on
# the TAP, the next frame goes through.
# 20 and 21 slots (more than XEN_NETBK_LEGACY_SLOTS_MAX after the first).
net_case net-slots-20 0 yes drop=slots20
net_case net-slots-21 0 yes drop=slots21
# A continuation larger than what the first slot's size leaves (the u16
# wrap of a frame of 64 KiB or more): "Invalid tx request", not fatal.
net_case net-size-wrap 0 yes drop=size-wrap
# A 10-byte frame, and 10 bytes in the first slot of a 60-byte frame:
# "Bad packet size" (under ETH_HLEN).
net_case net-first-slot-under-14 0 yes drop=short
net_case net-first-slot-under-14-chain 0 yes drop=short-first

# Accepted: every slot OKAY, the frame on the TAP byte for byte.
# 19 slots (1 + 18): the most a frame may use.
net_case net-slots-19 0 yes ok=slots19
# 1 + 18 slots carrying 128 bytes (XSA-432: less than the header copy).
net_case net-slots-19-128-bytes 0 yes ok=slots19-128
# Zero-size continuations, in the middle and last (XSA-448).
net_case net-zero-size-continuations 0 yes ok=zero-size
# IPv4/TCP headers over five slots with csum_blank (XSA-423).
net_case net-headers-split 0 yes ok=headers-split

# csum_blank on ICMP, ARP and a truncated TCP header: checksum setup
# fails, the slots are answered OKAY (taken), the frames are dropped.
net_case net-csum-blank-bad 0 yes csum
# A never-granted gref in a frame's second slot: that slot ERROR, the
# first OKAY, not sent; alone: ERROR; a read-only grant (as netfront
# gives tx pages): sent.
net_case net-tx-bad-gref 0 yes tx-gref
# rx buffers with a never-granted and a read-only gref: ERROR in their
# slots; the next buffer gets its frame.
INJ1="rx-ready u3x100"
net_case net-rx-bad-gref 0 no --rx-post 0 rx-gref

case_begin net-event-storm
# 20000+ notifications over >= 1 s, no request: no response; then a
# frame goes through; guest 2's block I/O progressed meanwhile.
netattach1
if [ -z "$WHY" ]; then
	net_host_start
	nraw storm
	[ "$RC" = 0 ] || why "net-hostile exit $RC"
	echo "$OUT" | grep storm:
	net_host_end yes
fi
[ "$(g2_iters)" -gt "$G2_0" ] ||
	why "guest 2 made no progress during the storm ($G2_0 iterations)"
netdetach1
net_bystander
case_end 0

# Multicast control (request-multicast-control = 1): 64 groups added,
# the 65th refused (ERROR) with filtering going on, group 2 deleted;
# of group 1, 2, 65, 0x100, broadcast and unicast frames only group 1,
# broadcast and unicast reach the guest.
INJ1="rx-ready g01005e000001 g01005e000002 g01005e000041 g01005e000100
	gffffffffffff u1x100 mark"
net_case net-mcast-over-64 0 no --mcast mcast
# Without request-multicast-control the list is kept but not applied.
INJ1="rx-ready g01005e000100 mark"
net_case net-mcast-not-requested 0 no mcast-off

# feature-dynamic-multicast-control: request-multicast-control written
# while connected, 1 then 0; filtering follows each change (Linux
# netback's xen_mcast_ctrl_changed), the list stays as built.
INJ1="rx-ready g01005e000100 g01005e000001 mark"
INJ2="rx-ready2 g01005e000100 g01005e000001 mark"
INJ3="rx-ready3 g01005e000100 g01005e000001 mark"
net_case net-mcast-dynamic 0 no --log "$XPVD_LOG" mcast-dynamic

# rx_backlog_max (the most bytes a queue's rx backlog held) of guest 1's
# vif, or nothing.
rx_backlog_max() {
	"$CTL" stats --json 2>/dev/null | python3 -c 'import json, sys
for v in json.load(sys.stdin).get("vifs", []):
    if v["domid"] == 1:
        print(v["rx_backlog_max"])'
}
# No rx buffer while dom0 floods 3000 frames of 1000 bytes: nothing
# answered; xenpvd's backlog takes 512 KiB (Linux netback's
# rx_queue_max; 525 frames: the one that crosses it is in), then the TAP
# is not read and its queue (tx_queue_len, 1000) holds the rest and drops
# what overflows it; with buffers, at most those 1525 old frames, in
# order, then the marker (XSA-392: the guest cannot make the backend
# queue without bound).
INJ1="rx-ready u3000x1000"
INJ2="rx-ready2 s200 mark"
PRE='[ "$(cat /sys/class/net/vif1.0/tx_queue_len)" = 1000 ]'
POST='m=$(rx_backlog_max); [ -n "$m" ] && [ "$m" -le $((524288 + 1000)) ] && [ "$m" -gt $((524288 - 1000)) ]'
net_case net-rx-no-buffers-flood 0 no --rx-post 0 --rx-bound 1525 rx-none
# 600 frames of 1400 bytes (820 KiB) while no rx buffer is posted: the
# backlog's 512 KiB and the TAP's queue hold them all; with buffers all
# 600 arrive, in order, none lost.
INJ1="rx-ready u600x1400"
INJ2="rx-ready2 s200 mark"
POST='m=$(rx_backlog_max); [ -n "$m" ] && [ "$m" -le $((524288 + 1400)) ] && [ "$m" -gt $((524288 - 1400)) ]'
net_case net-rx-backlog 0 no --rx-post 0 --rx-expect 600 rx-backlog
# One buffer posted and an 8000-byte frame (two slots): nothing until a
# second buffer comes, then the frame in both.
INJ1="rx-ready u1x8000"
PRE="ip link set vif1.0 mtu 9000"
net_case net-rx-one-slot-short 0 no --rx-post 0 rx-one

# XenStore values refused at connect.
net_refused net-xs-queues-0 "multi-queue-num-queues" \
	--xs multi-queue-num-queues=0
net_refused net-xs-queues-above-max "multi-queue-num-queues" \
	--xs multi-queue-num-queues=$((NET_MAX_QUEUES + 1))
net_refused net-xs-queue-keys-missing "queue-1" --queues 2 --xs queue-1=-
net_refused net-xs-request-rx-copy-0 "request-rx-copy" \
	--xs request-rx-copy=0

# Closing, Closed, Initialising with frames in flight both ways (dom0
# floods meanwhile): the backend follows to InitWait, connects again to
# new rings, and a frame goes through.
INJ1="rx-ready u2000x1000"
net_case net-reconnect-during-traffic 0 yes reconnect

# guest 3's vif, through the whole suite.
touch "$G3_STOP"
g3rc=0
for _ in $(seq 100); do
	kill -0 $G3_PID 2>/dev/null || break
	sleep 0.05
done
wait $G3_PID || g3rc=$?
CASES=$((CASES + 1))
if [ $g3rc = 0 ] && [ "$NET_PING" -gt 0 ]; then
	PASSED=$((PASSED + 1))
	echo "PASS hostile/net-bystander-vif ($NET_PING pings answered)"
else
	echo "FAIL hostile/net-bystander-vif: exit $g3rc:" \
		"$(tail -5 "$WORLD/g3.out")"
fi
"$CTL" net-detach --domid 3 --timeout 10 >/dev/null ||
	echo "warning: net-detach of guest 3 failed"
fi

# ---- guest 2's verdict ----
touch "$G2_STOP"
g2rc=0
for _ in $(seq 200); do
	kill -0 $G2_PID 2>/dev/null || break
	sleep 0.05
done
wait $G2_PID || g2rc=$?
echo "guest 2: $(grep loop: "$WORLD/g2.out")"
CASES=$((CASES + 1))
if [ $g2rc = 0 ] && grep -q "loop: iters=" "$WORLD/g2.out"; then
	PASSED=$((PASSED + 1))
	echo "PASS hostile/bystander-verified-io"
else
	echo "FAIL hostile/bystander-verified-io: exit $g2rc:" \
		"$(tail -5 "$WORLD/g2.out")"
fi
"$CTL" detach --domid 2 --timeout 10 >/dev/null ||
	echo "warning: detach of guest 2 failed"

echo "hostile: cases=$CASES passed=$PASSED"
[ $CASES = $PASSED ] && exit 0
exit 1
