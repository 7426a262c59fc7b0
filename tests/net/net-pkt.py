#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# net-pkt.py - the host side of the net channel tests: an AF_PACKET socket
# on the vif's TAP.
#
#   net-pkt.py capture IF SRCMAC N DIR   writes DIR/cap-ready once bound,
#       then DIR/cap-<i>.bin for the first N frames the TAP received from
#       SRCMAC (the guest's), then exits (60 s at most: exit 1)
#   net-pkt.py inject IF DSTMAC DIR      once IF is up (operstate), sends
#       the rx suite to the guest (written first to DIR/inj-<i>.bin):
#         0  60 bytes
#         1  1514 bytes (an MTU-sized frame: one rx slot)
#         2  IPv4/TCP 64054 bytes as one GSO frame (TCPV4, 1448), with a
#            partial checksum (virtio-net header on the socket)
#   net-pkt.py compare DIR A B N         frames A-<i>.bin and B-<i>.bin,
#       i < N, are the same multiset (queues may reorder), byte for byte
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_VNET_HDR = 15
PACKET_OUTGOING = 4


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def capture(ifname, src, n, d):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((ifname, 0))
    open(os.path.join(d, "cap-ready"), "w").close()
    src = mac_bytes(src)
    got = 0
    end = time.time() + 60
    while got < n:
        left = end - time.time()
        if left <= 0:
            print("capture: %d of %d frames" % (got, n), file=sys.stderr)
            return 1
        r, _, _ = select.select([s], [], [], left)
        if not r:
            continue
        data, addr = s.recvfrom(1 << 17)
        if addr[2] == PACKET_OUTGOING or data[6:12] != src:
            continue
        with open(os.path.join(d, "cap-%d.bin" % got), "wb") as f:
            f.write(data)
        got += 1
    return 0


def csum16(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def oper_up(ifname, secs=5):
    """Waits until the kernel says IF is up (operstate).  linkwatch
    starts a TAP's queue discipline a while after its carrier comes on
    (the backend's connect), up to a second on a loaded machine, with
    operstate: what is sent before that is dropped, silently."""
    path = "/sys/class/net/%s/operstate" % ifname
    end = time.time() + secs
    while time.time() < end:
        try:
            with open(path) as f:
                if f.read().strip() == "up":
                    return True
        except OSError:
            pass
        time.sleep(0.01)
    return False


def inject(ifname, dst, d):
    if not oper_up(ifname):
        print("inject: %s never up" % ifname, file=sys.stderr)
        return 1
    dst = mac_bytes(dst)
    src = bytes([0x02, 0, 0, 0, 0, 0x02])
    frames = []
    body = bytes((i * 13 + 5) & 0xff for i in range(1500))
    frames.append((dst + src + b"\x88\xb5" + body[:46], None))
    frames.append((dst + src + b"\x88\xb5" + body, None))
    total = 14 + 20 + 20 + 64000
    ip = bytearray(20)
    ip[0] = 0x45
    struct.pack_into("!H", ip, 2, total - 14)
    ip[8] = 64
    ip[9] = 6
    ip[12:20] = bytes([10, 0, 0, 1, 10, 0, 0, 2])
    struct.pack_into("!H", ip, 10, csum16(bytes(ip)))
    payload = bytes((i * 7 + 3 + (i >> 9)) & 0xff for i in range(64000))
    tcp = bytearray(20)
    struct.pack_into("!HHII", tcp, 0, 80, 12345, 1, 0)
    tcp[12] = 0x50
    tcp[13] = 0x18
    struct.pack_into("!H", tcp, 14, 0xffff)
    # The pseudo-header sum, as a sender of a partial checksum leaves it.
    ph = bytes(ip[12:20]) + struct.pack("!BBH", 0, 6, 20 + 64000)
    struct.pack_into("!H", tcp, 16, (~csum16(ph)) & 0xffff)
    gso = dst + src + b"\x08\x00" + bytes(ip) + bytes(tcp) + payload
    # struct virtio_net_hdr: NEEDS_CSUM, GSO TCPV4, hdr_len, gso_size,
    # csum_start, csum_offset (host byte order).
    vh = struct.pack("=BBHHHH", 1, 1, 54, 1448, 34, 16)
    frames.append((gso, vh))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    s.bind((ifname, 0))
    for i, (fr, vh) in enumerate(frames):
        with open(os.path.join(d, "inj-%d.bin" % i), "wb") as f:
            f.write(fr)
        if vh is None:
            vh = bytes(10)
        s.send(vh + fr)
    return 0


def compare(d, a, b, n):
    def load(p):
        out = []
        for i in range(n):
            try:
                with open(os.path.join(d, "%s-%d.bin" % (p, i)), "rb") as f:
                    out.append(f.read())
            except OSError as e:
                print("missing %s-%d.bin: %s" % (p, i, e), file=sys.stderr)
                return None
        return out
    x, y = load(a), load(b)
    if x is None or y is None:
        return 1
    bad = 0
    for i, fr in enumerate(x):
        if fr in y:
            y.remove(fr)
            continue
        print("%s-%d.bin (%d bytes) has no equal among %s-*.bin (lengths %s)"
              % (a, i, len(fr), b, [len(f) for f in y]), file=sys.stderr)
        bad += 1
    return 1 if bad else 0


def main(argv):
    if argv[1] == "capture":
        return capture(argv[2], argv[3], int(argv[4]), argv[5])
    if argv[1] == "inject":
        return inject(argv[2], argv[3], argv[4])
    if argv[1] == "compare":
        return compare(argv[2], argv[3], argv[4], int(argv[5]))
    print("usage: see the top of net-pkt.py", file=sys.stderr)
    return 2


sys.exit(main(sys.argv))
