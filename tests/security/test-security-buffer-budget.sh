#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14.2: a guest must not make xenpvd pin dom0 memory beyond its
# device's buffer budget.  Without persistent grants every byte goes
# through a copy buffer of its request's slot; guest 1 (buffer-flood)
# keeps every slot of 4 order-4 rings (2048 slots) full of 1 MiB indirect
# writes, all legal, grants valid.  Before the fix xenpvd's anonymous
# memory grew by 1 MiB per slot, 2 GiB here; now it must stay within the
# default budget (64 MiB) plus one request per queue plus a fixed margin,
# while guest 2 goes on with verified I/O, every one of guest 1's writes
# is answered OKAY, and once guest 1 stops, its device keeps at most the
# idle reserve (a quarter of the budget).  Then the setting itself:
# `buffer-budget` in the configuration file, strict as the other keys.
#
# Memory is xenpvd's anonymous memory (smaps) above what it had before
# guest 1 came, sampled every 20 ms; a sanitizer's shadow (the only
# mapping of terabytes) is not counted.
. ./functions.sh
FLOOD=${FLOOD:-$top_builddir/tests/security/buffer-flood}
RAW=${RAW:-$top_builddir/tests/blk/test-frontend-raw}
CTL=${CTL:-$top_builddir/tools/xenpvctl}
[ -x "$FLOOD" ] || skip "no $FLOOD (not built)"
[ -x "$RAW" ] || skip "no $RAW (not built)"
[ -x "$CTL" ] || skip "no $CTL (not built)"
requires which xenstore-read
requires which python3
grep -q '^Anonymous:' /proc/self/smaps 2>/dev/null || skip "no smaps"

DEVID=51712
QUEUES=4
BUDGET_MB=64			# XPVD_DEFAULT_BUFFER_BUDGET
MARGIN_MB=16			# allocator, threads, slot arrays, guest 2
LIMIT_KB=$(((BUDGET_MB + QUEUES + MARGIN_MB) * 1024))
IDLE_LIMIT_KB=$(((BUDGET_MB / 4 + MARGIN_MB) * 1024))
KEEP_PAGES=$((BUDGET_MB * 256 / 4))

start_sim_world WORLD
start_sim_xenpvd --no-persistent --max-ring-page-order=4 \
	--max-queues=$QUEUES --max-indirect-segments=256
sim_domain_create 1 --name flood --mem-mb 64
sim_domain_create 2 --name bystander --mem-mb 512
truncate -s 64M "$WORLD/disk1.img" "$WORLD/disk2.img" || hard_error "images"

# anon_kb [MAXFILE]: xenpvd's anonymous kB; with MAXFILE, samples every
# 20 ms until xenpvd ends, keeping "max=KB" in MAXFILE.
ANON_PY='
import os, sys, time
def anon_kb(pid):
    kb, skip = 0, False
    with open("/proc/%s/smaps" % pid) as f:
        for line in f:
            tok = line.split(None, 1)[0]
            if not tok.endswith(":"):
                lo, hi = (int(x, 16) for x in tok.split("-"))
                skip = hi - lo >= 1 << 40
            elif tok == "Anonymous:" and not skip:
                kb += int(line.split()[1])
    return kb
pid = sys.argv[1]
if len(sys.argv) < 3:
    print(anon_kb(pid))
    sys.exit(0)
top = 0
while True:
    try:
        top = max(top, anon_kb(pid))
    except (OSError, ValueError):
        sys.exit(0)
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write("max=%d\n" % top)
    os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    time.sleep(0.02)
'
anon_kb() {
	python3 -c "$ANON_PY" "$XPVD_PID" "$@" 2>/dev/null
}
counter() { # FILE KEY: the value of KEY=N in FILE, or 0
	local n
	n=$(sed -n "s/^$2=//p" "$1" 2>/dev/null)
	echo "${n:-0}"
}
vbd_stat() { # DOMID KEY
	"$CTL" stats --json | python3 -c '
import json, sys
for v in json.load(sys.stdin)["vbds"]:
    if v["domid"] == int(sys.argv[1]):
        print(v[sys.argv[2]])' "$1" "$2"
}

# ---- guest 2: verified I/O (up to 256-page requests) all along ----
"$CTL" attach --domid 2 --target "$WORLD/disk2.img" --wait 20 >/dev/null ||
	hard_error "attach guest 2"
in_guest 2 "$RAW" --devid $DEVID --image "$WORLD/disk2.img" \
	--stop-file "$WORLD/g2.stop" --progress "$WORLD/g2.progress" loop \
	>"$WORLD/g2.out" 2>&1 &
G2=$!
track_pid $G2
for _ in $(seq 200); do
	[ "$(counter "$WORLD/g2.progress" iters)" -ge 12 ] && break
	kill -0 $G2 2>/dev/null || break
	sleep 0.05
done
[ "$(counter "$WORLD/g2.progress" iters)" -ge 12 ] ||
	hard_error "guest 2's I/O does not flow: $(cat "$WORLD/g2.out")"
BASE_KB=$(anon_kb)
[ -n "$BASE_KB" ] || hard_error "no smaps for xenpvd $XPVD_PID"
anon_kb "$WORLD/anon" &
track_pid $!

# ---- guest 1: every slot full of 1 MiB writes ----
"$CTL" attach --domid 1 --target "$WORLD/disk1.img" --wait 20 >/dev/null ||
	hard_error "attach guest 1"
in_guest 1 "$FLOOD" --devid $DEVID --queues $QUEUES --order 4 --segs 256 \
	--stop-file "$WORLD/g1.stop" --progress "$WORLD/g1.progress" \
	>"$WORLD/g1.out" 2>&1 &
G1=$!
track_pid $G1

# For 3 s at least, until guest 1 had 4 budgets' worth of writes answered
# and guest 2 made progress, xenpvd's memory must stay within the limit.
# (Before the fix, the first pass over the rings alone copies 2 GiB.)
G2_0=$(counter "$WORLD/g2.progress" iters)
start=$SECONDS
while :; do
	kill -0 "$XPVD_PID" 2>/dev/null ||
		fail "xenpvd died: $(tail -5 "$XPVD_LOG")"
	kb=$(( $(counter "$WORLD/anon" max) - BASE_KB ))
	[ $kb -le $LIMIT_KB ] ||
		fail "xenpvd pins $((kb / 1024)) MiB more (limit" \
			"$((LIMIT_KB / 1024)) MiB: budget $BUDGET_MB MiB +" \
			"$QUEUES requests + $MARGIN_MB MiB)"
	kill -0 $G1 2>/dev/null ||
		fail "guest 1 ended: $(cat "$WORLD/g1.out")"
	kill -0 $G2 2>/dev/null ||
		fail "guest 2's I/O failed: $(tail -5 "$WORLD/g2.out")"
	g1=$(counter "$WORLD/g1.progress" responses)
	g2=$(( $(counter "$WORLD/g2.progress" iters) - G2_0 ))
	[ $((SECONDS - start)) -ge 3 ] && [ "$g1" -ge $((4 * BUDGET_MB)) ] &&
		[ $g2 -ge 5 ] && break
	[ $((SECONDS - start)) -lt 60 ] ||
		fail "60 s: guest 1 answered $g1, guest 2 did $g2 iterations"
	sleep 0.05
done
echo "flood: $g1 responses, guest 2: $g2 iterations;" \
	"xenpvd +$((kb / 1024)) MiB at most (limit $((LIMIT_KB / 1024)))"
waits=$(vbd_stat 1 budget_waits) || fail "stats"
[ "$waits" -gt 0 ] || fail "guest 1's rings never waited for budget"

# Guest 1 stops: every write answered OKAY; its device keeps at most the
# idle reserve.
touch "$WORLD/g1.stop"
rc=0
wait $G1 || rc=$?
[ $rc = 0 ] || fail "guest 1 (rc $rc): $(cat "$WORLD/g1.out")"
grep -q 'errors=0$' "$WORLD/g1.out" || fail "guest 1: $(cat "$WORLD/g1.out")"
pages=$(vbd_stat 1 buffer_pages) || fail "stats"
[ "$pages" -le $KEEP_PAGES ] ||
	fail "guest 1's idle device holds $pages buffer pages" \
		"(keep $KEEP_PAGES)"
kb=$(( $(anon_kb) - BASE_KB ))
[ $kb -le $IDLE_LIMIT_KB ] ||
	fail "xenpvd still pins $((kb / 1024)) MiB more once guest 1 is idle"

touch "$WORLD/g2.stop"
rc=0
wait $G2 || rc=$?
[ $rc = 0 ] || fail "guest 2 (rc $rc): $(tail -5 "$WORLD/g2.out")"
kill -0 "$XPVD_PID" 2>/dev/null || fail "xenpvd died"

# ---- the setting ----
xpv_tmpdir T
check() { # VALUE: xenpvd --check-config with buffer-budget = VALUE
	printf 'buffer-budget = %s\n' "$1" >"$T/b.conf"
	"$XENPVD" --config="$T/b.conf" --check-config 2>&1
}
out=$("$XENPVD" --config=/dev/null --check-config) || fail "check-config"
grep -qx "buffer-budget = $BUDGET_MB" <<<"$out" ||
	fail "default buffer budget: $out"
out=$(check 16) || fail "buffer-budget = 16 refused: $out"
grep -qx "buffer-budget = 16" <<<"$out" || fail "not applied: $out"
for v in 0 65537 16M -1; do
	out=$(check "$v") && fail "buffer-budget = $v accepted"
	grep -qF "b.conf:1: buffer-budget: '$v' is not a number in" <<<"$out" ||
		fail "buffer-budget = $v: $out"
done
exit 0
