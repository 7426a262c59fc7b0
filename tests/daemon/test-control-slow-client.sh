#!/bin/bash
# SPDX-License-Identifier: MIT
# No control client can stall xenpvd's main loop.  While a hostile local
# process keeps HOLD connections to the control socket open at all times
# (some send nothing, some half a command, some "stats" and never read;
# each one the daemon drops is opened again at once), a disk is attached,
# a guest does verified I/O on it, another device makes 3*CYCLES XenStore
# round trips through the daemon's state machine (refused, Closed,
# InitWait again), and the disk is detached: all in normal time (the old
# synchronous socket gave each silent client a second of the main loop).
# A well-behaved `xenpvctl stats` answers meanwhile.  Then clients that
# send a binary line or an over-long one are dropped without an answer,
# an unknown command still gets its error, stats still answer, and the
# drops were logged, rate-limited.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
requires which python3
requires which timeout
CTL=$top_builddir/tools/xenpvctl
[ -x "$CTL" ] || skip "no xenpvctl"
HOLD=${HOLD:-10}	# below the daemon's 16 clients: room for the good ones
CYCLES=${CYCLES:-15}

backend_setup
T0=$SECONDS
make_image "$WORLD/disk.img" 16
make_image "$WORLD/ping.img" 1

# ---- the hostile client ----
python3 - "$XPVD_SOCK" "$HOLD" "$WORLD/holder.count" <<'PY' &
import os, selectors, socket, sys, time
path, hold, count_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
kinds = [b"", b"sta", b"stats\n"]  # silent, half a line, never reads
sel = selectors.DefaultSelector()
opened = answered = 0
def open_one(kind):
    global opened
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)              # may wait in the daemon's backlog
    if kind:
        s.sendall(kind)
    opened += 1
    # "stats" clients are never read: the daemon's answer sits in the
    # socket; the other kinds are watched to see when they are dropped.
    if kind != b"stats\n":
        sel.register(s, selectors.EVENT_READ, kind)
    return s
keep = [open_one(kinds[i % len(kinds)]) for i in range(hold)]
while True:
    try:
        with open(count_file + ".tmp", "w") as f:
            f.write("%d %d\n" % (opened, answered))
        os.rename(count_file + ".tmp", count_file)
    except OSError:
        sys.exit(0)              # the world is gone: the test is over
    for key, _ in sel.select(timeout=0.2):
        try:
            data = key.fileobj.recv(4096)
        except OSError:
            data = b""
        if data:
            answered += 1        # should be dropped, not answered
        sel.unregister(key.fileobj)
        key.fileobj.close()
        open_one(key.data)       # dropped: come back at once
PY
HOLDER=$!
track_pid $HOLDER
# How many connections it opened, and how many got an answer.
opened() { local o a; read -r o a <"$WORLD/holder.count"; echo "${o:-0}"; }
answered() { local o a; read -r o a <"$WORLD/holder.count"; echo "${a:-0}"; }
for _ in $(seq 200); do
	[ "$(opened 2>/dev/null)" -ge "$HOLD" ] 2>/dev/null && break
	sleep 0.05
done
[ "$(opened 2>/dev/null)" -ge "$HOLD" ] 2>/dev/null ||
	hard_error "the hostile client did not connect"

# ---- device handling while it holds its connections ----
t=$SECONDS
attach 51712 "$WORLD/disk.img" w
in_guest $GUEST timeout -k 5 120 "$RAW" --devid 51712 \
	--image "$WORLD/disk.img" rw || fail "verified I/O"
out=$(timeout 30 "$CTL" stats --socket "$XPVD_SOCK") ||
	fail "xenpvctl stats did not answer"
echo "$out" | grep -q 51712 || fail "xenpvctl stats: $out"

# XenStore round trips through the main loop: a frontend refused (bad
# protocol), then Closed, then Initialising again, on a second device.
attach 51728 "$WORLD/ping.img" w
t1=$SECONDS
for _ in $(seq "$CYCLES"); do
	refuse_once 51728 bogus-abi
done
t1=$((SECONDS - t1))
echo "$((3 * CYCLES)) XenStore round trips in ${t1} s"
# A second per round trip would be a stalled main loop; this bound is
# loose enough for a loaded machine.
[ "$t1" -lt $((2 * CYCLES)) ] ||
	fail "$((3 * CYCLES)) round trips took ${t1} s: main loop stalled?"

# The toolstack's detach.
BE0=/local/domain/0/backend/qdisk/$GUEST/51712
xenstore-write "$BE0/online" 0 "$BE0/state" 5 || hard_error "detach"
for _ in $(seq 300); do
	[ "$(xenstore-read "$BE0/state" 2>/dev/null)" = 6 ] && break
	sleep 0.05
done
[ "$(xenstore-read "$BE0/state" 2>/dev/null)" = 6 ] || fail "detach"
echo "devices handled in $((SECONDS - t)) s with $HOLD hostile clients"
# The silent and half-line clients are dropped at their deadline (5 s).
for _ in $(seq 300); do
	[ "$(opened)" -gt "$HOLD" ] && break
	kill -0 $HOLDER 2>/dev/null || break
	sleep 0.1
done
kill -0 $HOLDER 2>/dev/null || fail "the hostile client stopped (see above)"
[ "$(opened)" -gt "$HOLD" ] || fail "no stalled client was dropped"
[ "$(answered)" = 0 ] || fail "$(answered) incomplete command(s) answered"

# ---- misbehaving clients are dropped, the others served ----
timeout 60 python3 - "$XPVD_SOCK" <<'PY' || fail "control clients"
import json, socket, sys
path = sys.argv[1]
def ask(data, half_close=False):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(path)
    try:
        s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except ConnectionResetError:
        pass            # dropped with our unread bytes in its socket
    s.close()
    return out
for name, data in (("binary", b"\x00\xffst\x01ats\n"),
                   ("over-long", b"A" * 200),
                   ("over-long line", b"stats" + b" " * 100 + b"\n")):
    out = ask(data)
    if out:
        sys.exit("%s client answered: %r" % (name, out[:80]))
out = ask(b"bogus\n")
if out != b'{"error":"unknown command"}\n':
    sys.exit("unknown command: %r" % out)
out = ask(b"stats", half_close=True)     # EOF ends the line too
if not out.startswith(b'{"vbds":[') or not out.endswith(b"\n]}\n"):
    sys.exit("stats after EOF: %r" % out[:80])
out = ask(b"stats\r\n")
v = json.loads(out)
if sorted(x["devid"] for x in v["vbds"]) != [51712, 51728]:
    sys.exit("stats: %r" % out[:200])
PY
"$CTL" stats --socket "$XPVD_SOCK" | grep -q 51728 || fail "xenpvctl stats"
xpvd_alive

# Drops are logged, at most a burst (10) per 5 s.
kill $HOLDER
n=$(grep -c " warning ctl: control client dropped" "$XPVD_LOG")
max=$((10 * ((SECONDS - T0) / 5 + 1)))
echo "$n drop warning(s) in $((SECONDS - T0)) s (at most $max)"
[ "$n" -ge 1 ] || fail "no drop logged"
[ "$n" -le "$max" ] || fail "$n drop warnings: not rate-limited"
exit 0
