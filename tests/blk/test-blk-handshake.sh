#!/bin/bash
# SPDX-License-Identifier: MIT
# The XenStore side of a VBD's life, checked against PROTOCOL-NOTES.md and
# the block contract: xenpvctl attach, a guest connecting and doing I/O
# (xenpvctl io), the guest closing, xenpvctl detach.  Two records:
#  - xenstored's own trace (-T, XENPV_SIM_TRACE): every write in the order
#    xenstored received it, with the connection that sent it, for the order
#    of state changes and which keys each side wrote before which state;
#  - blk-state-log, a watcher started before attach that re-reads both
#    state nodes on every event and lists both directories after them, for
#    what a peer actually sees when it sees each state.
# Checked: backend 1 -> 2 (InitWait) before the frontend writes 3, all
# backend feature keys written before 2; all frontend keys written before
# 3; sectors/info/sector-size/physical-sector-size before backend 4;
# frontend 4 after backend 4; closing 5 then 6 on both ends, and 6 again
# when the toolstack sets 5; the backend never removes (any node of) its
# own directory, which still exists after both ends are Closed; and the
# permissions: backend directory owned by dom0 readable by the guest,
# frontend directory owned by the guest readable by dom0, every node.
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
LOGGER=${LOGGER:-$top_builddir/tests/blk/blk-state-log}
[ -x "$LOGGER" ] || skip "no $LOGGER"
requires which python3
requires which xenstore-ls
export XENPV_SIM_TRACE=1
blk_setup
blk_guest 1
blk_image "$WORLD/disk.img" 16
BE=/local/domain/0/backend/qdisk/1/$DEVID
FE=/local/domain/1/device/vbd/$DEVID
TRACE=$WORLD/xenstored.trace
[ -f "$TRACE" ] || hard_error "xenstored writes no trace (XENPV_SIM_TRACE)"

"$LOGGER" "$BE" "$FE" >"$WORLD/states.log" 2>"$WORLD/states.err" &
lpid=$!
track_pid $lpid
for _ in $(seq 100); do
	grep -q '^ready$' "$WORLD/states.log" && break
	sleep 0.05
done
grep -q '^ready$' "$WORLD/states.log" ||
	hard_error "blk-state-log: $(cat "$WORLD/states.err")"

blk_attach 1 "$WORLD/disk.img" || fail "attach"
out=$(blk_ctl_guest 1 io --devid $DEVID --size 4M --verify 2>&1) ||
	fail "guest io: $out"

# Both ends Closed now (the guest closed); the backend must leave its
# directory to the toolstack.
for _ in $(seq 100); do
	[ "$(xenstore-read "$BE/state" 2>/dev/null)" = 6 ] && break
	sleep 0.05
done
[ "$(xenstore-read "$BE/state")" = 6 ] || fail "backend not Closed"
[ "$(xenstore-read "$FE/state")" = 6 ] || fail "frontend not Closed"

# Permissions of every node, while everything the ends wrote is there.
perms() { # DIR EXPECTED
	local bad
	xenstore-ls -p "$1" >"$WORLD/perms" || fail "xenstore-ls -p $1"
	bad=$(grep -v "($2)\$" "$WORLD/perms")
	[ -z "$bad" ] || fail "permissions under $1 not ($2): $bad"
	# The directory itself, as listed by its parent.
	xenstore-ls -p "${1%/*}" | grep -q "^$DEVID = .*($2)\$" ||
		fail "permissions of $1 not ($2)"
}
perms "$BE" n0,r1
perms "$FE" n1,r0

sleep 1
xenstore-read "$BE/params" >/dev/null 2>&1 ||
	fail "the backend directory went away before detach"
blk_detach 1 || fail "detach"
blk_alive
for _ in $(seq 100); do
	grep -q ' state - -$' "$WORLD/states.log" && break
	sleep 0.05
done
kill $lpid 2>/dev/null
wait $lpid 2>/dev/null

python3 - "$TRACE" "$BE" "$FE" "$WORLD/states.log" <<'PY' || fail "see above"
import re, sys
trace, be, fe, slog = sys.argv[1:5]
bad = []

def check(cond, msg):
    if not cond:
        bad.append(msg)

# ---- xenstored's trace: IN <conn> <date> <time> <OP> (<args>)
ops = []
rx = re.compile(r'^IN (\S+) \S+ \S+ (\S+) \((.*)\)\s*$')
for line in open(trace, errors="replace"):
    m = rx.match(line)
    if m:
        ops.append((m.group(1), m.group(2), m.group(3).split(" ")))

def writes(path, value=None):
    return [i for i, (c, op, a) in enumerate(ops)
            if op == "WRITE" and a[0] == path and
            (value is None or a[1] == value)]

def first_write(path, value=None):
    w = writes(path, value)
    return w[0] if w else None

def states(d):
    seq = []
    for i, (c, op, a) in enumerate(ops):
        if op == "WRITE" and a[0] == d + "/state":
            if not seq or seq[-1][0] != a[1]:
                seq.append((a[1], i, c))
    return seq

bs, fs = states(be), states(fe)
print("backend states: ", " ".join(s for s, _, _ in bs))
print("frontend states:", " ".join(s for s, _, _ in fs))
check([s for s, _, _ in bs] == ["1", "2", "4", "5", "6", "5", "6"],
      "backend state writes %s, want 1 2 4 5 6 (toolstack 5) 6"
      % [s for s, _, _ in bs])
check([s for s, _, _ in fs] == ["1", "3", "4", "5", "6"],
      "frontend state writes %s, want 1 3 4 5 6" % [s for s, _, _ in fs])

def at(seq, v, n=0):
    m = [i for s, i, _ in seq if s == v]
    return m[n] if len(m) > n else None

def before(a, b, what):
    check(a is not None and b is not None and a < b, what)

# xenpvctl detach: the connection that writes online=0.
w = writes(be + "/online", "0")
tool = ops[w[0]][0] if w else None
backend = ([c for s, _, c in bs if s == "2"] or [None])[0]
before(at(bs, "2"), at(fs, "3"), "backend InitWait before frontend 3")
before(at(fs, "3"), at(bs, "4"), "frontend 3 before backend 4")
before(at(bs, "4"), at(fs, "4"), "backend 4 before frontend 4")
before(at(fs, "5"), at(bs, "5"), "frontend 5 before backend 5 "
       "(the guest closes first here)")
before(at(bs, "5"), at(bs, "6"), "backend 5 before 6")
before(at(fs, "5"), at(fs, "6"), "frontend 5 before 6")
check(len(bs) == 7 and bs[5][2] == tool and bs[6][2] == backend and
      w and w[0] < bs[5][1],
      "detach: toolstack writes 5, the backend answers 6")

for k in ("feature-max-indirect-segments", "max-ring-page-order",
          "multi-queue-max-queues", "feature-persistent",
          "feature-flush-cache", "feature-barrier", "feature-discard",
          "discard-granularity", "discard-alignment"):
    before(first_write(be + "/" + k), at(bs, "2"),
           "backend key %s written before InitWait" % k)
for k in ("sectors", "info", "sector-size", "physical-sector-size"):
    before(first_write(be + "/" + k), at(bs, "4"),
           "backend key %s written before Connected" % k)

fe3 = at(fs, "3")
fe_keys = {a[0][len(fe) + 1:] for i, (c, op, a) in enumerate(ops)
           if op == "WRITE" and a[0].startswith(fe + "/") and
           fe3 is not None and i < fe3}
check({"protocol", "feature-persistent"} <= fe_keys,
      "frontend protocol/feature-persistent before 3: %s" % sorted(fe_keys))
if "multi-queue-num-queues" in fe_keys:
    check("queue-0/event-channel" in fe_keys and
          ("queue-0/ring-ref" in fe_keys or "queue-0/ring-ref0" in fe_keys),
          "frontend queue-0 keys before 3")
else:
    check("event-channel" in fe_keys and
          ("ring-ref" in fe_keys or "ring-ref0" in fe_keys),
          "frontend ring-ref/event-channel before 3")

# Nobody but the toolstack removes anything of the backend directory.
for i, (c, op, a) in enumerate(ops):
    if op == "RM" and (a[0] == be or a[0].startswith(be + "/")):
        check(c == tool, "connection %s (not xenpvctl detach) removed %s"
              % (c, a[0]))
        check(at(bs, "6", 1) is not None and i > at(bs, "6", 1),
              "%s removed before the backend's last Closed" % a[0])
check(any(op == "RM" and a[0] == be for c, op, a in ops),
      "the toolstack removed the backend directory")

# ---- the watcher: what a peer sees when it sees each state.
recs = {}
for line in open(slog):
    p = line.split()
    if len(p) < 3 or not p[0].isdigit():
        continue
    r = recs.setdefault(int(p[0]), {})
    if p[2] == "state":
        r["bs"], r["fs"] = p[3], p[4]
    else:
        r[p[2]] = {} if p[3:] == ["-"] else \
            dict(kv.split("=", 1) for kv in p[3:])
seen = [(r["bs"], r["fs"]) for _, r in sorted(recs.items())]
print("watcher saw (backend, frontend):", seen)
num = lambda v: int(v) if v.isdigit() else 0
for n, r in sorted(recs.items()):
    b, f = num(r["bs"]), num(r["fs"])
    if b == 2:
        for k in ("feature-max-indirect-segments", "max-ring-page-order",
                  "multi-queue-max-queues", "feature-persistent",
                  "feature-flush-cache", "feature-barrier",
                  "feature-discard"):
            check(k in r["be"], "record %d: backend InitWait without %s"
                  % (n, k))
    if b == 4:
        for k in ("sectors", "info", "sector-size", "physical-sector-size"):
            check(k in r["be"], "record %d: backend Connected without %s"
                  % (n, k))
    if f == 3:
        for k in ("protocol", "feature-persistent"):
            check(k in r["fe"], "record %d: frontend 3 without %s" % (n, k))
    if f in (3, 4):
        check(b >= 2, "record %d: frontend %d while backend %d" % (n, f, b))
    if f == 4:
        check(b >= 4, "record %d: frontend Connected, backend %d" % (n, b))
check(any(st[0] == "2" for st in seen), "watcher never saw InitWait")

for m in bad:
    print("FAIL:", m)
sys.exit(1 if bad else 0)
PY
exit 0
