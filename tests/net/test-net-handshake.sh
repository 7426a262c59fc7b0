#!/bin/bash
# SPDX-License-Identifier: MIT
# The XenStore side of a vif's life, from xenstored's own trace
# (XENPV_SIM_TRACE), against PROTOCOL-NOTES.md and Linux netback: the
# toolstack's keys (libxl 4.17's, an empty hotplug-status); the backend
# writes its features, then InitWait, once; hotplug-status = connected
# comes after InitWait (the TAP exists by then); the frontend writes its
# rings, event channels and request-rx-copy before Connected (4, never
# Initialised); the backend goes Connected only after both; net-detach
# (online 0, Closing) is answered with Closed; only the toolstack removes
# the backend directory.
. ./functions.sh
. "$top_srcdir/tests/net/test-net-common.sh"
net_netns "$@"
export XENPV_SIM_TRACE=1
net_setup
TRACE=$WORLD/xenstored.trace
[ -f "$TRACE" ] || hard_error "xenstored writes no trace (XENPV_SIM_TRACE)"
BE=/local/domain/0/backend/vif/$NET_GUEST/0
FE=/local/domain/$NET_GUEST/device/vif/0
net_attach || fail "net-attach"
net_roundtrip 1
"$CTL" net-detach --domid $NET_GUEST --timeout 10 || fail "net-detach"
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
check("3" not in [s for s, _, _ in fs], "frontend wrote Initialised")
at = lambda seq, v: next((i for s, i, _ in seq if s == v), None)
def before(a, b, what):
    check(a is not None and b is not None and a < b, what)
tool = bs[0][2] if bs else None
for k in ("frontend", "frontend-id", "online", "script", "mac", "bridge",
          "handle", "type", "hotplug-status"):
    w = writes(be + "/" + k)
    check(w and ops[w[0]][0] == tool, "toolstack wrote backend %s" % k)
    before(w[0] if w else None, at(bs, "2"), "%s before InitWait" % k)
w = writes(be + "/type")
check(w and ops[w[0]][2][1:] == ["vif"], "type = vif")
for k in ("backend", "backend-id", "handle", "mac", "mtu"):
    check(writes(fe + "/" + k), "toolstack wrote frontend %s" % k)
for k, v in (("feature-sg", "1"), ("feature-gso-tcpv4", "1"),
             ("feature-gso-tcpv6", "1"), ("feature-ipv6-csum-offload", "1"),
             ("feature-rx-copy", "1"), ("feature-rx-flip", "0"),
             ("feature-split-event-channels", "1"),
             ("feature-multicast-control", "1"),
             ("feature-dynamic-multicast-control", "1"),
             ("multi-queue-max-queues", None)):
    w = writes(be + "/" + k)
    before(w[0] if w else None, at(bs, "2"), "%s before InitWait" % k)
    if w and v:
        check(ops[w[0]][2][1] == v, "%s = %s" % (k, ops[w[0]][2][1]))
    check(len(w) == 1, "%s written %d times" % (k, len(w)))
    check(w and ops[w[0]][0] != tool, "%s written by the backend" % k)
hs = [i for i in writes(be + "/hotplug-status")
      if ops[i][2][1:] == ["connected"]]
check(len(hs) == 1, "hotplug-status connected once")
before(at(bs, "2"), hs[0] if hs else None, "InitWait before the hotplug")
before(hs[0] if hs else None, at(bs, "4"), "hotplug before Connected")
for k in ("tx-ring-ref", "rx-ring-ref", "event-channel", "request-rx-copy",
          "feature-rx-notify"):
    w = writes(fe + "/" + k)
    before(w[0] if w else None, at(fs, "4"), "frontend %s before 4" % k)
before(at(bs, "2"), at(fs, "4"), "backend InitWait before frontend 4")
before(at(fs, "4"), at(bs, "4"), "frontend 4 before backend Connected")
online0 = [i for i in writes(be + "/online") if ops[i][2][1] == "0"]
tool2 = ops[online0[0]][0] if online0 else None
check(len(bs) == 5 and bs[3][2] == tool2 and bs[4][2] != tool2,
      "detach: the toolstack writes 5, the backend answers 6")
for c, op, a in ops:
    if op == "RM" and (a[0] == be or a[0].startswith(be + "/")) \
            and a[0] != be + "/script":
        check(c == tool2, "%s removed %s (not the toolstack)" % (c, a[0]))
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
kill -0 "$XPVD_PID" || fail "xenpvd died"
exit 0
