#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tcp-check.py - one TCP transfer, checksummed at both ends.

  tcp-check.py recv --port P [--bind ADDR] [--ready FILE] [--timeout S]
  tcp-check.py send --to ADDR --port P --bytes N [--timeout S]

The sender sends N bytes of random data (os.urandom, 1 MiB at a time)
on one connection and shuts its side down; the receiver accepts one
connection and reads until the end.  Each prints one line,
"bytes=N sha256=HEX seconds=T Gbps=G", of what it sent or received, and
the caller compares the two lines' bytes and sha256.  The receiver writes
FILE (its port) once it listens.  Both stop by themselves: the receiver
waits at most S seconds (default 30) for the connection and for each
read, the sender at most S seconds for the connection and each write
(and the kernel gives up on unacknowledged data after S seconds too,
TCP_USER_TIMEOUT).  Exit status 0, or 1 with a message on stderr (a
timeout, a reset, a short transfer on the sender's side).
"""
import argparse
import hashlib
import os
import socket
import sys
import time

CHUNK = 1 << 20


def line(n, h, t0):
    dt = max(time.monotonic() - t0, 1e-9)
    return "bytes=%d sha256=%s seconds=%.3f Gbps=%.3f" % (
        n, h.hexdigest(), dt, n * 8 / dt / 1e9)


def user_timeout(s, secs):
    opt = getattr(socket, "TCP_USER_TIMEOUT", 18)
    s.setsockopt(socket.IPPROTO_TCP, opt, int(secs * 1000))


def recv(a):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.bind, a.port))
    ls.listen(1)
    ls.settimeout(a.timeout)
    if a.ready:
        with open(a.ready + ".tmp", "w") as f:
            f.write("%d\n" % ls.getsockname()[1])
        os.rename(a.ready + ".tmp", a.ready)
    c, _ = ls.accept()
    ls.close()
    c.settimeout(a.timeout)
    user_timeout(c, a.timeout)
    h = hashlib.sha256()
    n = 0
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    t0 = time.monotonic()
    while True:
        k = c.recv_into(view)
        if k == 0:
            break
        h.update(view[:k])
        n += k
    c.close()
    print(line(n, h, t0), flush=True)


def send(a):
    c = socket.create_connection((a.to, a.port), timeout=a.timeout)
    user_timeout(c, a.timeout)
    h = hashlib.sha256()
    n = 0
    t0 = time.monotonic()
    while n < a.bytes:
        b = os.urandom(min(CHUNK, a.bytes - n))
        c.sendall(b)
        h.update(b)
        n += len(b)
    c.shutdown(socket.SHUT_WR)
    # Wait for the receiver to close: everything was read.
    c.recv(1)
    c.close()
    print(line(n, h, t0), flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("recv")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--bind", default="0.0.0.0")
    r.add_argument("--ready")
    r.add_argument("--timeout", type=float, default=30)
    s = sub.add_parser("send")
    s.add_argument("--to", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--bytes", type=int, required=True)
    s.add_argument("--timeout", type=float, default=30)
    a = p.parse_args()
    try:
        recv(a) if a.cmd == "recv" else send(a)
    except (OSError, socket.timeout) as e:
        print("tcp-check %s: %s" % (a.cmd, e), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
