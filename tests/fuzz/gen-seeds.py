#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# gen-seeds.py - writes the hand-made seeds of tests/fuzz/corpus/ (the
# files named seed-*; the others were added by `run.sh`'s libFuzzer merge).
# Run it from anywhere: python3 tests/fuzz/gen-seeds.py.  The seeds follow
# the input formats documented at the top of each fuzz-*.c.
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, 'corpus')

OP_READ, OP_WRITE, OP_BARRIER, OP_FLUSH = 0, 1, 2, 3
OP_DISCARD, OP_INDIRECT = 5, 6

# (id, sector, seg) offsets and slot size per ABI: native, x86_32, x86_64
ABIS = {0: ('native', 8, 16, 24, 112), 1: ('x86_32', 4, 12, 20, 108),
        2: ('x86_64', 8, 16, 24, 112)}


def put(name, sub, data):
    d = os.path.join(CORPUS, sub)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'seed-' + name), 'wb') as f:
        f.write(data)


def slot_rw(abi, op, segs, nr=None):
    _, o_id, o_sec, o_seg, size = ABIS[abi]
    s = bytearray(size)
    s[0] = op
    s[1] = len(segs) if nr is None else nr
    struct.pack_into('<H', s, 2, 0x51)
    struct.pack_into('<Q', s, o_id, 0x1122334455667788)
    struct.pack_into('<Q', s, o_sec, 2048)
    for i, (gref, first, last) in enumerate(segs[:11]):
        struct.pack_into('<IBB', s, o_seg + 8 * i, gref, first, last)
    return bytes(s)


def slot_discard(abi, flag, nr_sectors):
    _, o_id, o_sec, o_seg, size = ABIS[abi]
    s = bytearray(size)
    s[0] = OP_DISCARD
    s[1] = flag
    struct.pack_into('<Q', s, o_id, 7)
    struct.pack_into('<Q', s, o_sec, 64)
    struct.pack_into('<Q', s, o_seg, nr_sectors)  # nr_sectors sits there
    return bytes(s)


def slot_indirect(abi, indirect_op, nr_segs, npages):
    _, o_id, o_sec, o_seg, size = ABIS[abi]
    s = bytearray(size)
    s[0] = OP_INDIRECT
    s[1] = indirect_op
    struct.pack_into('<H', s, 2, nr_segs)
    struct.pack_into('<Q', s, o_id, 42)
    struct.pack_into('<Q', s, o_sec, 8)
    o_handle = o_seg            # handle follows sector_number
    struct.pack_into('<H', s, o_handle, 0x51)
    for i in range(npages):
        struct.pack_into('<I', s, o_handle + 4 + 4 * i, 100 + i)
    return bytes(s)


def blkif():
    full = [(9, 0, 7)]
    for abi, (name, *_rest) in ABIS.items():
        def hdr(lim=0x0f, max_ind=256):
            return bytes([abi, lim]) + struct.pack('<H', max_ind)
        put(f'{name}-read-1', 'blkif-request',
            hdr() + slot_rw(abi, OP_READ, full))
        put(f'{name}-write-11', 'blkif-request',
            hdr() + slot_rw(abi, OP_WRITE,
                            [(i, i % 8, 7) for i in range(11)]))
        put(f'{name}-write-12', 'blkif-request',
            hdr() + slot_rw(abi, OP_WRITE, full * 11, nr=12))
        put(f'{name}-read-0', 'blkif-request',
            hdr() + slot_rw(abi, OP_READ, []))
        put(f'{name}-read-last8', 'blkif-request',
            hdr() + slot_rw(abi, OP_READ, [(1, 0, 8)]))
        put(f'{name}-read-first-gt-last', 'blkif-request',
            hdr() + slot_rw(abi, OP_READ, [(1, 5, 4)]))
        put(f'{name}-flush-0', 'blkif-request',
            hdr() + slot_rw(abi, OP_FLUSH, []))
        put(f'{name}-flush-off', 'blkif-request',
            hdr(lim=0) + slot_rw(abi, OP_FLUSH, full))
        put(f'{name}-barrier-1', 'blkif-request',
            hdr() + slot_rw(abi, OP_BARRIER, full))
        put(f'{name}-unknown-op', 'blkif-request',
            hdr() + slot_rw(abi, 9, full))
        put(f'{name}-discard', 'blkif-request',
            hdr() + slot_discard(abi, 0, 128))
        put(f'{name}-discard-secure', 'blkif-request',
            hdr() + slot_discard(abi, 1, 128))
        put(f'{name}-discard-secure-off', 'blkif-request',
            hdr(lim=0x04) + slot_discard(abi, 1, 128))
        put(f'{name}-discard-bad-flag', 'blkif-request',
            hdr() + slot_discard(abi, 2, 1))
        put(f'{name}-discard-huge', 'blkif-request',
            hdr() + slot_discard(abi, 0, 1 << 55))
        page = struct.pack('<IBBH', 3, 0, 7, 0) * 512
        put(f'{name}-indirect-read-1', 'blkif-request',
            hdr() + slot_indirect(abi, OP_READ, 1, 1) + page[:8])
        put(f'{name}-indirect-write-513', 'blkif-request',
            hdr(max_ind=4096) + slot_indirect(abi, OP_WRITE, 513, 2) +
            page + struct.pack('<IBBH', 4, 2, 3, 0))
        put(f'{name}-indirect-4096', 'blkif-request',
            hdr(max_ind=4096) + slot_indirect(abi, OP_READ, 4096, 8) +
            page[:64])
        put(f'{name}-indirect-over-max', 'blkif-request',
            hdr(max_ind=32) + slot_indirect(abi, OP_READ, 33, 1))
        put(f'{name}-indirect-off', 'blkif-request',
            hdr(max_ind=0) + slot_indirect(abi, OP_READ, 1, 1))
        put(f'{name}-indirect-bad-op', 'blkif-request',
            hdr() + slot_indirect(abi, OP_FLUSH, 1, 1))
        put(f'{name}-indirect-bad-seg', 'blkif-request',
            hdr() + slot_indirect(abi, OP_READ, 2, 1) +
            struct.pack('<IBBH', 3, 0, 7, 0) +
            struct.pack('<IBBH', 3, 0, 9, 0))


# flex-ring operations (fuzz-flex-ring.c)
W, R, PEEK, DISC, PEEK9P, PPROD, PCONS, PROD9P, CONS9P = range(9)


def msg9p(body, size=None, how=0):
    op = bytes([PROD9P, how]) + struct.pack('<H', len(body))
    if how & 1:
        op += struct.pack('<I', size)
    return op + bytes([100, 1, 0]) + body  # type, tag; then body


def flex():
    def ring(order, cons, prod, sane=1):
        return bytes([order]) + struct.pack('<II', cons, prod) + \
            bytes([sane])
    body = b'hello, 9p'
    put('order12-frame', 'flex-ring',
        ring(12, 0, 0) + msg9p(body) + bytes([PEEK9P, CONS9P]))
    put('order4-wrap', 'flex-ring',
        ring(4, 0xfffffff8, 0xfffffff8) + bytes([W]) +
        struct.pack('<H', 12) + b'abcdefghijkl' + bytes([R]) +
        struct.pack('<H', 12) + bytes([W]) + struct.pack('<H', 16) +
        bytes(range(16)) + bytes([PEEK]) + struct.pack('<H', 16) +
        bytes([DISC]) + struct.pack('<H', 17))
    put('order3-small', 'flex-ring',
        ring(3, 5, 5) + bytes([PEEK9P, W]) + struct.pack('<H', 7) +
        bytes(7) + bytes([PEEK9P]))
    put('order12-hostile-prod', 'flex-ring',
        ring(12, 100, 100) + bytes([PPROD]) + struct.pack('<I', 100 + 4097) +
        bytes([R]) + struct.pack('<H', 1) + bytes([PPROD]) +
        struct.pack('<I', 99) + bytes([W]) + struct.pack('<H', 1) + b'x')
    put('order12-hostile-cons', 'flex-ring',
        ring(12, 0, 64, 0) + bytes([PCONS]) + struct.pack('<I', 65) +
        bytes([CONS9P, PCONS]) + struct.pack('<I', 0) + bytes([CONS9P]))
    put('order12-bad-9p-size', 'flex-ring',
        ring(12, 0, 0) + msg9p(b'', 3, 1) + bytes([PEEK9P]) +
        msg9p(b'abc', 1 << 20, 1) + bytes([PEEK9P]))
    put('order16-full', 'flex-ring',
        ring(16, 0, 65535) + bytes([W]) + struct.pack('<H', 2) + b'ab' +
        bytes([W]) + struct.pack('<H', 1) + b'c')
    put('order20-counters', 'flex-ring',
        bytes([20]) + struct.pack('<II', 0, 1 << 20) +
        struct.pack('<II', 5, 4))
    put('order31-counters', 'flex-ring',
        bytes([31]) + struct.pack('<II', 0, 1 << 30))

    def page(order, max_order, counters=(0, 0, 0, 0)):
        p = bytearray(4096)
        struct.pack_into('<II', p, 0, counters[0], counters[1])
        struct.pack_into('<II', p, 64, counters[2], counters[3])
        struct.pack_into('<I', p, 128, order)
        for i in range(1 << min(order, 9)):
            struct.pack_into('<I', p, 132 + 4 * i, 0x1000 + i)
        return bytes([0x80, max_order]) + bytes(p)
    put('intf-order1', 'flex-ring', page(1, 9) + msg9p(b'x') +
        bytes([CONS9P]))
    put('intf-order9', 'flex-ring', page(9, 9))
    put('intf-order0', 'flex-ring', page(0, 9))
    put('intf-order-above-max', 'flex-ring', page(5, 4))
    put('intf-max-order10', 'flex-ring', page(1, 10))
    put('intf-hostile-counters', 'flex-ring',
        page(2, 9, (0, 0, 7, 0xffff0000)) + bytes([CONS9P, R, 1, 0]))


def xs():
    values = [b'0', b'1', b'2', b'8', b'9', b'007', b'0x10', b'0X1f',
              b'0x', b'ffff', b'-1', b'+1', b' 1', b'1 ', b'1\n', b'1\0',
              b'', b'4294967295', b'4294967296', b'2147483647',
              b'18446744073709551615', b'18446744073709551616',
              b'000000000000000000000001', b'0000000000000000000000001',
              b'32751', b'32752', b'r', b'ro', b'w', b'rw', b'w!', b'rw!',
              b'rw!!', b'true', b'aio:/var/lib/xen/disk.img',
              b'raw:/dev/loop0', b'qcow:/q', b'qcow2:/q2', b'vhd:/v',
              b'qed:/e', b'aio:', b'aio:relative', b'phy:/dev/sda',
              b'/bare/path:with:colons', b'relative', b':/x', b'/',
              b'/' + b'a' * 300]
    for i, v in enumerate(values):
        put('%02d' % i, 'xs-parse', v)


blkif()
flex()
xs()
