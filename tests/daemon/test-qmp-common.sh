# SPDX-License-Identifier: MIT
# tests/daemon/test-qmp-common.sh - QMP clients for the xenpvd tests (sourced
# after functions.sh), each doing what one of Xen's tools does:
#
#   qmp_xenstat SOCK      libxenstat (xentop) 4.17, read for read: sends
#                         qmp_capabilities then query-blockstats then
#                         query-block, without newlines, and reads each
#                         answer until 10 ms pass without data (after
#                         its first byte, which may take up to 2 s).  Prints
#                         one line per disk: "DEVICE FILE RD_OPS WR_OPS
#                         RD_BYTES WR_BYTES FLUSH_OPS"; status 1 (with
#                         the reason on stderr) when an answer is late,
#                         not one JSON value, or not what xentop parses.
#   qmp_libxl SOCK CMD... libxl's QMP client: reads the greeting (it must
#                         have "QMP" and end with CRLF), then sends each
#                         CMD as {"execute":CMD,"id":N}\r\n and prints the
#                         answer's JSON on a line, after checking that it
#                         ends with CRLF and echoes N.
#   qmp_raw SOCK BYTES    sends BYTES (Python-escaped), half-closes,
#                         prints every line received (greeting included)
#                         until the server closes or drops the client.

qmp_xenstat() {
	python3 - "$1" <<'PY'
import json, select, socket, sys, time

def query(s, cmd):
    s.sendall(cmd.encode())
    buf = b""
    # libxenstat's qmp_read(): poll 10 ms at a time, stop at the first
    # silence.  An answer with a gap of 10 ms inside is lost to it: that
    # is what xenpvd controls (each answer is sent whole).  How soon the
    # first byte comes is the machine's: a loaded 2-CPU machine running
    # sanitizer builds side by side keeps xenpvd off the CPU for more
    # than 10 ms now and then, so the first byte may take up to 2 s.
    first = True
    while True:
        r, _, _ = select.select([s], [], [], 2.0 if first else 0.010)
        first = False
        if not r:
            break
        b = s.recv(1024)
        if not b:
            break
        buf += b
    return buf.decode()

def die(why):
    sys.stderr.write("qmp_xenstat: %s\n" % why)
    sys.exit(1)

s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
# libxenstat connects and writes at once, and takes the greeting with
# the first answer.  The 50 ms here keep a loaded test machine from
# failing a test of what is answered on how soon: each answer must still
# come whole, with no gap of 10 ms.
time.sleep(0.05)
first = query(s, '{ "execute": "qmp_capabilities" }')
if '"QMP"' not in first or '"return"' not in first:
    die("no greeting and capabilities answer: %r" % first)
stats = query(s, '{ "execute": "query-blockstats" }')
try:
    st = json.loads(stats)
except ValueError:
    die("query-blockstats: not one JSON value: %r" % stats)
block = query(s, '{ "execute": "query-block" }')
try:
    bl = json.loads(block)
except ValueError:
    die("query-block: not one JSON value: %r" % block)
files = {}
for b in bl["return"]:
    files[b["device"]] = b.get("inserted", {}).get("file", "-")
for d in st["return"]:
    x = d["stats"]
    print(d["device"], files.get(d["device"], "?"), x["rd_operations"],
          x["wr_operations"], x["rd_bytes"], x["wr_bytes"],
          x["flush_operations"])
PY
}

qmp_libxl() {
	python3 - "$@" <<'PY'
import json, socket, sys

def die(why):
    sys.stderr.write("qmp_libxl: %s\n" % why)
    sys.exit(1)

s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
buf = b""

def line():
    global buf
    while b"\r\n" not in buf:
        b = s.recv(4096)
        if not b:
            die("EOF, have %r" % buf)
        buf += b
    l, buf = buf.split(b"\r\n", 1)
    return json.loads(l)

g = line()
if "QMP" not in g:
    die("greeting without QMP: %r" % g)
n = 0x786c7100    # libxl's first id
for cmd in sys.argv[2:]:
    s.sendall(json.dumps({"execute": cmd, "id": n}).encode() + b"\r\n")
    a = line()
    if a.get("id") != n:
        die("%s: id %r, want %d" % (cmd, a.get("id"), n))
    del a["id"]
    print(json.dumps(a, sort_keys=True))
    n += 1
PY
}

qmp_raw() {
	python3 - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
out = b""
try:
    s.sendall(sys.argv[2].encode().decode("unicode_escape")
              .encode("latin-1"))
    s.shutdown(socket.SHUT_WR)
except (BrokenPipeError, ConnectionResetError):
    pass # dropped by the server: what it sent before still counts
while True:
    try:
        b = s.recv(65536)
    except (socket.timeout, ConnectionResetError):
        break
    if not b:
        break
    out += b
sys.stdout.write(out.decode("latin-1").replace("\r\n", "\n"))
PY
}
