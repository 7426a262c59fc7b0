#!/bin/bash
# SPDX-License-Identifier: MIT
# The XenStore side of a 9pfs share's life, from xenstored's own trace
# (XENPV_SIM_TRACE: every write in the order xenstored received it, with
# the connection that sent it), against PROTOCOL-NOTES.md and Xen's
# 9pfs.pandoc: xenpvctl p9-attach; the backend writes versions=1,
# max-rings and max-ring-page-order, then InitWait, exactly once (a second
# InitWait hangs unpatched Linux frontends); the frontend writes version,
# num-rings, ring-ref<N> and event-channel-<N> before Initialised (3); the
# backend goes Connected after it; xenpvctl p9-detach (online 0, Closing)
# is answered with Closed; only the toolstack removes the backend
# directory.
. ./functions.sh
. "$top_srcdir/tests/9pfs/test-9pfs-ring-common.sh"
requires which python3
export XENPV_SIM_TRACE=1
p9_setup
TRACE=$WORLD/xenstored.trace
[ -f "$TRACE" ] || hard_error "xenstored writes no trace (XENPV_SIM_TRACE)"
BE=/local/domain/0/backend/9pfs/$P9_GUEST/0
FE=/local/domain/$P9_GUEST/device/9pfs/0
p9_share 0 "$EXPORT" || fail "p9-attach"
p9_raw 0 --rings 3 --order 3 basic || fail "raw frontend"
"$CTL" p9-detach --domid $P9_GUEST --timeout 10 || fail "p9-detach"
xenstore-read "$BE/state" >/dev/null 2>&1 && fail "backend dir left"

python3 - "$TRACE" "$BE" "$FE" <<'PY' || fail "see above"
import re, sys
trace, be, fe = sys.argv[1:4]
bad = []
def check(c, m):
    if not c:
        bad.append(m)
ops = []
rx = re.compile(r'^IN (\S+) \S+ \S+ (\S+) \((.*)\)\s*$')
for line in open(trace, errors="replace"):
    m = rx.match(line)
    if m:
        ops.append((m.group(1), m.group(2), m.group(3).split(" ")))
def writes(path):
    return [i for i, (c, op, a) in enumerate(ops)
            if op == "WRITE" and a[0] == path]
def states(d):
    return [(ops[i][2][1], i, ops[i][0]) for i in writes(d + "/state")]
bs, fs = states(be), states(fe)
print("backend states: ", " ".join(s for s, _, _ in bs))
print("frontend states:", " ".join(s for s, _, _ in fs))
check([s for s, _, _ in bs] == ["1", "2", "4", "5", "6"],
      "backend state writes %s, want 1 2 4 (toolstack 5) 6"
      % [s for s, _, _ in bs])
check([s for s, _, _ in bs].count("2") == 1, "InitWait written once")
at = lambda seq, v: next((i for s, i, _ in seq if s == v), None)
def before(a, b, what):
    check(a is not None and b is not None and a < b, what)
for k, v in (("versions", "1"), ("max-rings", None),
             ("max-ring-page-order", "9")):
    w = writes(be + "/" + k)
    before(w[0] if w else None, at(bs, "2"), "%s before InitWait" % k)
    if w and v:
        check(ops[w[0]][2][1] == v, "%s = %s" % (k, ops[w[0]][2][1]))
    check(len(w) == 1, "%s written %d times" % (k, len(w)))
for k in ("version", "num-rings", "ring-ref0", "event-channel-0",
          "ring-ref2", "event-channel-2"):
    w = writes(fe + "/" + k)
    before(w[0] if w else None, at(fs, "3"), "frontend %s before 3" % k)
before(at(bs, "2"), at(fs, "3"), "backend InitWait before frontend 3")
before(at(fs, "3"), at(bs, "4"), "frontend 3 before backend Connected")
online0 = [i for i in writes(be + "/online") if ops[i][2][1] == "0"]
tool = ops[online0[0]][0] if online0 else None
check(len(bs) == 5 and bs[3][2] == tool and bs[4][2] != tool,
      "detach: the toolstack writes 5, the backend answers 6")
for c, op, a in ops:
    if op == "RM" and (a[0] == be or a[0].startswith(be + "/")):
        check(c == tool, "%s removed %s (not the toolstack)" % (c, a[0]))
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
p9_alive
