#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# gen-seeds.py - writes the hand-made seeds of tests/fuzz/corpus/ (the
# files named seed-*; the others were added by `run.sh`'s libFuzzer merge).
# Run it from anywhere: python3 tests/fuzz/gen-seeds.py [TARGET...] (all
# targets without one).  The seeds follow the input formats documented at
# the top of each fuzz-*.c.
import os
import struct
import sys

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


# 9P2000.L sessions (fuzz-9p-server.c): a stage byte, then messages
# size[4] type[1] tag[2] body; size's high byte is the transport's
# behaviour for that message.  Without bit 0 of the stage byte the
# harness has already sent Tversion and Tattach of fid 0 to the export's
# root.
P9 = 'fuzz-9p-server'
(TSTATFS, TLOPEN, TLCREATE, TSYMLINK, TMKNOD, TRENAME, TREADLINK, TGETATTR,
 TSETATTR, TXATTRWALK, TXATTRCREATE, TREADDIR, TFSYNC, TLOCK, TGETLOCK,
 TLINK, TMKDIR, TRENAMEAT, TUNLINKAT, TVERSION, TAUTH, TATTACH, TFLUSH,
 TWALK, TREAD, TWRITE, TCLUNK, TREMOVE) = (
    8, 12, 14, 16, 18, 20, 22, 24, 26, 30, 32, 40, 50, 52, 54, 70, 72, 74,
    76, 100, 102, 104, 108, 110, 116, 118, 120, 122)
NOFID = 0xffffffff
RDONLY, WRONLY, RDWR, TRUNC, DIRECTORY = 0, 1, 2, 0o1000, 0o200000
SPLIT_MID, SPLIT_LAST = 14, 15          # reply room split selectors
IOV1, IOV2, IOV3, RESERVE_FAIL = 1, 2, 3, 15   # high nibble


class Session:
    def __init__(self, stage=0):
        self.out = bytearray([stage])
        self.tag = 1

    def msg(self, mtype, body, ctl=0, tag=None):
        if tag is None:
            self.tag = self.tag % 60000 + 1
            tag = self.tag
        self.out += struct.pack('<IBH', (7 + len(body)) | ctl << 24,
                                mtype, tag) + body
        return self

    def bytes(self):
        return bytes(self.out)


def s9(x):
    x = x.encode() if isinstance(x, str) else x
    return struct.pack('<H', len(x)) + x


def walk(fid, newfid, *names):
    return struct.pack('<IIH', fid, newfid, len(names)) + \
        b''.join(s9(n) for n in names)


def rw(fid, off, count):
    return struct.pack('<IQI', fid, off, count)


def p9():
    u32 = lambda v: struct.pack('<I', v)

    s = Session()
    s.msg(TWALK, walk(0, 1, 'file'))
    s.msg(TLOPEN, struct.pack('<II', 1, RDONLY))
    s.msg(TREAD, rw(1, 0, 4096))
    s.msg(TREAD, rw(1, 4, 8), ctl=SPLIT_MID)
    s.msg(TREAD, rw(1, 1 << 20, 100))
    s.msg(TGETATTR, struct.pack('<IQ', 1, 0x3fff))
    s.msg(TCLUNK, u32(1))
    s.msg(TWALK, walk(0, 2, 'dir', 'sub', 'deep'))
    s.msg(TLOPEN, struct.pack('<II', 2, RDONLY))
    s.msg(TREAD, rw(2, 0, 100), ctl=3)
    s.msg(TWALK, walk(0, 3, 'big'))
    s.msg(TLOPEN, struct.pack('<II', 3, RDONLY))
    s.msg(TREAD, rw(3, 0, 0xffffffff), ctl=SPLIT_LAST)
    s.msg(TREAD, rw(3, 4096, 8192))
    s.msg(TSTATFS, u32(0))
    s.msg(TREAD, rw(2, 0, 100))      # still open
    s.msg(TCLUNK, u32(2))
    s.msg(TREAD, rw(2, 0, 100))      # clunked: Rlerror
    put('walk-lopen-read', P9, s.bytes())
    put('walk-lopen-read-disk', P9,
        bytes([0x10]) + s.bytes()[1:])
    put('walk-lopen-read-msize4096', P9,
        bytes([0x40]) + s.bytes()[1:])

    s = Session()
    s.msg(TWALK, walk(0, 1))
    s.msg(TLCREATE, u32(1) + s9('new') + struct.pack('<III', RDWR, 0o644, 0))
    s.msg(TWRITE, rw(1, 0, 11) + b'hello, 9p!\n')
    s.msg(TWRITE, rw(1, 11, 20) + bytes(range(20)), ctl=IOV2 << 4)
    s.msg(TWRITE, rw(1, 31, 30) + b'z' * 30, ctl=IOV3 << 4 | 5)
    s.msg(TWRITE, rw(1, 1 << 40, 1) + b'!', ctl=IOV1 << 4)
    s.msg(TWRITE, rw(1, 0, 50) + b'short')           # count > payload
    s.msg(TREAD, rw(1, 0, 64), ctl=7)
    s.msg(TFSYNC, struct.pack('<II', 1, 0))
    s.msg(TSETATTR, struct.pack('<IIIIIQQQQQ', 1, 0x8 | 0x1, 0o600, 0, 0,
                                5, 0, 0, 0, 0))
    s.msg(TGETATTR, struct.pack('<IQ', 1, 0x3fff))
    s.msg(TLOCK, struct.pack('<IBIQQI', 1, 1, 0, 0, 0, 42) + s9('me'))
    s.msg(TGETLOCK, struct.pack('<IBQQI', 1, 0, 0, 10, 42) + s9('me'))
    s.msg(TCLUNK, u32(1))
    s.msg(TWALK, walk(0, 2, 'new'))
    s.msg(TLOPEN, struct.pack('<II', 2, RDONLY | TRUNC))
    s.msg(TREMOVE, u32(2))
    s.msg(TGETATTR, struct.pack('<IQ', 2, 0x3fff))   # removed: Rlerror
    put('lcreate-write-read', P9, s.bytes())

    s = Session()
    s.msg(TWALK, walk(0, 1))
    s.msg(TLOPEN, struct.pack('<II', 1, RDONLY | DIRECTORY))
    s.msg(TREADDIR, rw(1, 0, 4096))
    s.msg(TREADDIR, rw(1, 0, 60), ctl=9)
    s.msg(TREADDIR, rw(1, 0, 20))                   # too small for one
    s.msg(TWALK, walk(0, 2, 'dir'))
    s.msg(TREADDIR, rw(2, 0, 4096))                 # not open
    s.msg(TLOPEN, struct.pack('<II', 2, RDONLY))
    s.msg(TREADDIR, rw(2, 0, 8192), ctl=SPLIT_MID)
    s.msg(TREAD, rw(2, 0, 100))                     # a directory
    s.msg(TWALK, walk(0, 3, 'file'))
    s.msg(TLOPEN, struct.pack('<II', 3, RDONLY))
    s.msg(TREADDIR, rw(3, 0, 100))                  # not a directory
    put('readdir', P9, s.bytes())

    s = Session()
    s.msg(TWALK, walk(0, 1, 'xfile'))
    s.msg(TXATTRWALK, struct.pack('<II', 1, 2) + s9('user.color'))
    s.msg(TREAD, rw(2, 0, 100))
    s.msg(TREAD, rw(2, 2, 100), ctl=4)
    s.msg(TCLUNK, u32(2))
    s.msg(TXATTRWALK, struct.pack('<II', 1, 3) + s9(''))
    s.msg(TREAD, rw(3, 0, 4096))
    s.msg(TXATTRWALK, struct.pack('<II', 1, 4) + s9('trusted.x'))
    s.msg(TWALK, walk(0, 5, 'xfile'))
    s.msg(TXATTRCREATE, u32(5) + s9('user.new') + struct.pack('<QI', 5, 0))
    s.msg(TWRITE, rw(5, 0, 5) + b'hello', ctl=IOV2 << 4)
    s.msg(TCLUNK, u32(5))
    s.msg(TXATTRWALK, struct.pack('<II', 1, 6) + s9('user.new'))
    s.msg(TREAD, rw(6, 0, 5))
    s.msg(TWALK, walk(0, 7, 'xfile'))
    s.msg(TXATTRCREATE, u32(7) + s9('user.half') + struct.pack('<QI', 8, 0))
    s.msg(TWRITE, rw(7, 0, 3) + b'abc')
    s.msg(TCLUNK, u32(7))                           # incomplete: Rlerror
    s.msg(TWALK, walk(0, 8, 'xfile'))
    s.msg(TXATTRCREATE, u32(8) + s9('user.color') + struct.pack('<QI', 0, 0))
    s.msg(TCLUNK, u32(8))                           # removexattr
    put('xattr', P9, s.bytes())
    put('xattr-any-small', P9, bytes([0x28]) + s.bytes()[1:])

    s = Session()
    s.msg(TWALK, walk(0, 1, 'file'))
    s.msg(TWALK, walk(0, 2, 'dir'))
    s.msg(TRENAME, struct.pack('<II', 1, 2) + s9('moved'))
    s.msg(TGETATTR, struct.pack('<IQ', 1, 0x3fff))
    s.msg(TRENAMEAT, u32(0) + s9('empty') + u32(2) + s9('moved2'))
    s.msg(TRENAMEAT, u32(0) + s9('..') + u32(2) + s9('x'))
    s.msg(TWALK, walk(2, 3, 'moved'))
    s.msg(TLINK, struct.pack('<II', 0, 3) + s9('hard2'))
    s.msg(TLINK, struct.pack('<II', 0, 2) + s9('dirlink'))
    s.msg(TUNLINKAT, u32(2) + s9('moved2') + u32(0))
    s.msg(TMKDIR, u32(0) + s9('newdir') + struct.pack('<II', 0o755, 0))
    s.msg(TUNLINKAT, u32(0) + s9('newdir') + u32(0x200))
    s.msg(TRENAME, struct.pack('<II', 0, 2) + s9('root'))  # the root: EBUSY
    s.msg(TREMOVE, u32(3))
    s.msg(TREMOVE, u32(0))
    put('rename', P9, s.bytes())

    s = Session()
    s.msg(TWALK, walk(0, 1, '..'))
    s.msg(TWALK, walk(0, 2, '..', '..', 'outside', 'canary'))
    s.msg(TWALK, walk(0, 3, 'dir', '..', '..', '..'))
    s.msg(TWALK, walk(0, 4, 'up', 'canary'))
    s.msg(TWALK, walk(0, 5, 'canary-link'))
    s.msg(TLOPEN, struct.pack('<II', 5, RDONLY))
    s.msg(TREAD, rw(5, 0, 100))
    s.msg(TREADLINK, u32(5))
    s.msg(TXATTRWALK, struct.pack('<II', 5, 6) + s9('user.secret'))
    s.msg(TREAD, rw(6, 0, 100))
    s.msg(TWALK, walk(0, 7, 'etc', 'passwd'))
    s.msg(TWALK, walk(0, 8, 'abs-canary'))
    s.msg(TLOPEN, struct.pack('<II', 8, RDWR | TRUNC))
    s.msg(TWRITE, rw(8, 0, 4) + b'pwnd')
    s.msg(TSETATTR, struct.pack('<IIIIIQQQQQ', 8, 0x8, 0, 0, 0, 0, 0, 0,
                                0, 0))
    s.msg(TWALK, walk(0, 9, 'dir', 'dotdot'))
    s.msg(TLOPEN, struct.pack('<II', 9, RDONLY))
    s.msg(TREAD, rw(9, 0, 100))
    s.msg(TWALK, walk(0, 16, 'up'))
    s.msg(TLOPEN, struct.pack('<II', 16, RDONLY))
    s.msg(TREADDIR, rw(16, 0, 4096))
    s.msg(TWALK, walk(0, 17, '..', 'outside'))
    s.msg(TWALK, walk(0, 18, 'up', 'canary'))
    s.msg(TSYMLINK, u32(0) + s9('evil') + s9('/etc/passwd') + u32(0))
    s.msg(TWALK, walk(0, 10, 'evil'))
    s.msg(TLOPEN, struct.pack('<II', 10, WRONLY | TRUNC))
    s.msg(TWALK, walk(0, 11, 'up'))
    s.msg(TLCREATE, u32(11) + s9('pwn') + struct.pack('<III', RDWR, 0o644, 0))
    s.msg(TLCREATE, u32(0) + s9('a/b') + struct.pack('<III', RDWR, 0o644, 0))
    s.msg(TMKNOD, u32(0) + s9('dev') + struct.pack('<IIII', 0o20644, 1, 3, 0))
    s.msg(TMKNOD, u32(0) + s9('pipe') + struct.pack('<IIII', 0o10644, 0, 0, 0))
    s.msg(TWALK, walk(0, 12, 'fifo'))
    s.msg(TLOPEN, struct.pack('<II', 12, RDONLY))
    s.msg(TWALK, walk(0, 13, 'loop', 'x'))
    s.msg(TLINK, struct.pack('<II', 0, 5) + s9('link-to-link'))
    s.msg(TWALK, walk(0, 14))
    s.msg(TLOPEN, struct.pack('<II', 14, RDONLY | DIRECTORY))
    s.msg(TREADDIR, rw(14, 0, 8192))
    s.msg(TATTACH, struct.pack('<II', 15, NOFID) + s9('x') + s9('/etc') +
          u32(0))
    put('confinement', P9, s.bytes())

    s = Session(stage=1)                            # no prelude
    s.msg(TWALK, walk(0, 1))
    s.msg(TATTACH, struct.pack('<II', 0, NOFID) + s9('u') + s9('') + u32(0))
    s.msg(TVERSION, struct.pack('<I', 8192) + s9('9P2000.u'), tag=0xffff)
    s.msg(TATTACH, struct.pack('<II', 0, NOFID) + s9('u') + s9('') + u32(0))
    s.msg(TVERSION, struct.pack('<I', 8192) + s9('9P2000.L'), tag=0xffff)
    s.msg(TAUTH, struct.pack('<I', 9) + s9('u') + s9('') + u32(0))
    s.msg(TATTACH, struct.pack('<II', 0, 9) + s9('u') + s9('') + u32(0))
    s.msg(TATTACH, struct.pack('<II', 0, NOFID) + s9('u') + s9('') + u32(0))
    s.msg(TATTACH, struct.pack('<II', 0, NOFID) + s9('u') + s9('') + u32(0))
    s.msg(TWALK, walk(0, 1, 'file'))
    s.msg(TVERSION, struct.pack('<I', 100) + s9('9P2000.L'), tag=0xffff)
    s.msg(TWALK, walk(0, 2))
    s.msg(TVERSION, struct.pack('<I', 1 << 20) + s9('9P2000.L'), tag=0xffff)
    s.msg(TWALK, walk(1, 2))                        # clunked by Tversion
    put('version', P9, s.bytes())

    s = Session(stage=0x02)                         # read-only
    s.msg(TWALK, walk(0, 1, 'file'))
    s.msg(TLOPEN, struct.pack('<II', 1, RDWR))
    s.msg(TLOPEN, struct.pack('<II', 1, RDONLY))
    s.msg(TWRITE, rw(1, 0, 1) + b'x')
    s.msg(TSETATTR, struct.pack('<IIIIIQQQQQ', 1, 0x1, 0o777, 0, 0, 0, 0,
                                0, 0, 0))
    s.msg(TWALK, walk(0, 2))
    s.msg(TLCREATE, u32(2) + s9('n') + struct.pack('<III', RDWR, 0o644, 0))
    s.msg(TMKDIR, u32(0) + s9('d') + struct.pack('<II', 0o755, 0))
    s.msg(TXATTRCREATE, u32(1) + s9('user.a') + struct.pack('<QI', 1, 0))
    s.msg(TUNLINKAT, u32(0) + s9('file') + u32(0))
    s.msg(TRENAMEAT, u32(0) + s9('file') + u32(0) + s9('f2'))
    s.msg(TWALK, walk(0, 3, 'empty'))
    s.msg(TREMOVE, u32(3))
    s.msg(TREAD, rw(1, 0, 100))
    put('readonly', P9, s.bytes())

    s = Session(stage=0x80)                         # max_msize 65536
    s.msg(TFLUSH, struct.pack('<H', 5))
    s.msg(TCLUNK, u32(77))
    s.msg(TCLUNK, u32(0))
    s.msg(TCLUNK, u32(0))
    s.msg(TATTACH, struct.pack('<II', 1, NOFID) + s9('u') + s9('') + u32(0))
    s.msg(TWALK, walk(1, 1, *(['dir'] * 17)))
    s.msg(TWALK, walk(1, 2, 'dir', 'nosuch', 'x'))
    s.msg(TWALK, walk(1, 3, 'dir', 'sub', 'deep', 'x'))
    s.msg(TWALK, walk(1, 1, 'dir'))                 # in place
    s.msg(TLOPEN, struct.pack('<II', 1, RDONLY))
    s.msg(TWALK, walk(1, 1, 'sub'))                 # opened: Rlerror
    s.msg(112, struct.pack('<IB', 1, 0))            # 9P2000's Topen
    s.msg(TSTATFS, b'')                             # short
    s.msg(TWALK, walk(1, 4, 'sub'), ctl=RESERVE_FAIL << 4)
    s.msg(TGETATTR, struct.pack('<IQ', 4, 0x3fff))
    s.msg(TREAD, rw(1, 0, 1 << 16), ctl=RESERVE_FAIL << 4)
    put('fids-and-malformed', P9, s.bytes())

    s = Session(stage=0x10)                         # on disk
    s.msg(TWALK, walk(0, 1, 'big'))
    s.msg(TLOPEN, struct.pack('<II', 1, RDWR))
    s.msg(TSETATTR, struct.pack('<IIIIIQQQQQ', 1, 0x8, 0, 0, 0, 1 << 20,
                                0, 0, 0, 0))
    s.msg(TREAD, rw(1, 600000, 4096))               # a hole, not cached
    s.msg(TREAD, rw(1, 12000, 8000), ctl=SPLIT_MID)
    s.msg(TWALK, walk(0, 2))
    s.msg(TLCREATE, u32(2) + s9('sparse') +
          struct.pack('<III', RDWR | 0o10000, 0o644, 0))  # O_DSYNC
    s.msg(TWRITE, rw(2, 1 << 30, 4) + b'tail', ctl=IOV1 << 4)
    s.msg(TREAD, rw(2, (1 << 30) - 2048, 4096))
    s.msg(TFSYNC, struct.pack('<II', 2, 1))
    s.msg(TWALK, walk(0, 3, 'cold'))                # not in the page cache
    s.msg(TLOPEN, struct.pack('<II', 3, RDONLY))
    s.msg(TREAD, rw(3, 100, 3000), ctl=SPLIT_MID)
    s.msg(TREAD, rw(3, 4096, 8192), ctl=8)
    s.msg(TREAD, rw(3, 6000, 8192), ctl=RESERVE_FAIL << 4)
    put('disk-sparse-read', P9, s.bytes())

    s = Session(stage=0x80)                         # max_msize 65536
    s.msg(TSYMLINK, u32(0) + s9('long') + s9('t' * 4095) + u32(0))
    s.msg(TWALK, walk(0, 1, 'long'))
    s.msg(TREADLINK, u32(1))
    s.msg(TSYMLINK, u32(0) + s9('toolong') + s9('t' * 5000) + u32(0))
    s.msg(TLCREATE, u32(0) + s9('n' * 256) + struct.pack('<III', 0, 0o644, 0))
    s.msg(TMKDIR, u32(0) + s9('d' * 255) + struct.pack('<II', 0o755, 0))
    s.msg(TWALK, walk(0, 2, 'd' * 255))
    s.msg(TWALK, walk(0, 3, 'x' * 300))
    s.msg(TXATTRWALK, struct.pack('<II', 0, 4) + s9('user.' + 'x' * 300))
    s.msg(TWALK, walk(0, 5, 'file'))
    s.msg(TLOPEN, struct.pack('<II', 5, RDWR))
    s.msg(TLOCK, struct.pack('<IBIQQI', 5, 1, 0, 0, 0, 1) + s9('c' * 9000))
    s.msg(TGETLOCK, struct.pack('<IBQQI', 5, 0, 0, 0, 1) + s9('c' * 9000))
    put('long-names', P9, s.bytes())

    s = Session(stage=0x80)             # 600 fids: the fid table grows
    for i in range(600):
        s.msg(TWALK, walk(0, 1000 + i * 7))
    s.msg(TWALK, walk(1000 + 599 * 7, 1, 'dir'))
    for i in range(0, 600, 3):
        s.msg(TCLUNK, u32(1000 + i * 7))
    s.msg(TGETATTR, struct.pack('<IQ', 1000 + 3 * 7, 0x3fff))
    put('many-fids', P9, s.bytes())


# net-tx (fuzz-net-tx.c): nr, mode, 12-byte tx slots, the frame's bytes.
CSUM, VALID, MORE, EXTRA = 1, 2, 4, 8
NET = 'net-tx'


def txs(off, flags, size, gref=0, tid=0):
    return struct.pack('<IHHHH', gref, off, flags, tid, size)


def ext(etype, more=False, body=b''):
    return (bytes([etype, 1 if more else 0]) + body + bytes(10))[:12]


def gso(gtype, size, more=False):
    return ext(1, more, struct.pack('<HBBH', size, gtype, 0, 0))


def chain(total, sizes, flags=0, first_extras=()):
    """The first slot (total bytes, extras after it), then one slot per
    size, each with more_data but the last."""
    f = flags | (MORE if sizes else 0) | (EXTRA if first_extras else 0)
    out = [txs(0, f, total, 1, 1)] + list(first_extras)
    for i, sz in enumerate(sizes):
        out.append(txs(96, MORE if i + 1 < len(sizes) else 0, sz,
                       2 + i, 2 + i))
    return out


def net_in(slots, frame=b'', mode=0):
    return bytes([len(slots), mode]) + b''.join(slots) + frame


def eth(etype):
    return b'\xff' * 6 + b'\x02' + bytes(5) + struct.pack('>H', etype)


def ip4(proto, ihl=5, frag=0, tot=1500):
    h = struct.pack('>BBHHHBBH4s4s', 0x40 | ihl, 0, tot, 1, frag, 64,
                    proto, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return h + b'\x01' * (ihl * 4 - 20)


def ip6(nxt, plen=1400):
    a = bytes([0xfe, 0x80] + [0] * 13 + [1])
    b = bytes([0xfe, 0x80] + [0] * 13 + [2])
    return struct.pack('>IHBB', 0x60000000, plen, nxt, 64) + a + b


def ext6(nxt, length, kind=0):
    if kind == 51:                      # AH: length in 4-byte units - 2
        return bytes([nxt, length // 4 - 2]) + bytes(length - 2)
    if kind == 44:                      # fragment
        return bytes([nxt, 0]) + bytes(6)
    return bytes([nxt, length // 8 - 1]) + bytes(length - 2)


def tcp(doff=5):
    return struct.pack('>HHIIBBHHH', 1234, 80, 1, 0, doff << 4, 0x18,
                       65535, 0xbeef, 0) + bytes(doff * 4 - 20)


def udp():
    return struct.pack('>HHHH', 5353, 53, 100, 0)


def net_tx():
    v4tcp = eth(0x0800) + ip4(6) + tcp()
    v4udp = eth(0x0800) + ip4(17) + udp()
    v6tcp = eth(0x86dd) + ip6(6) + tcp()
    put('single-60-ping', NET, net_in([txs(0, 0, 60)],
                                      eth(0x0800) + ip4(1)))
    put('tcpv4-csum-1514', NET, net_in([txs(2048, CSUM | VALID, 1514)],
                                       v4tcp))
    put('udpv4-csum', NET, net_in([txs(0, CSUM, 200)], v4udp))
    put('ipv4-options', NET, net_in([txs(0, CSUM, 300)],
                                    eth(0x0800) + ip4(6, 15) + tcp()))
    put('tcpv6-csum', NET, net_in([txs(0, CSUM, 1514)], v6tcp))
    e6 = (eth(0x86dd) + ip6(0) + ext6(43, 8) + ext6(60, 24) +
          ext6(44, 16) + ext6(51, 8, 44) + ext6(17, 24, 51) + udp())
    put('ipv6-ext-udp', NET, net_in([txs(0, CSUM, 1000)], e6))
    e6f = eth(0x86dd) + ip6(44) + bytes([17, 0, 0, 8]) + bytes(4) + udp()
    put('ipv6-fragment', NET, net_in([txs(0, CSUM, 500)], e6f))
    put('ipv4-fragment', NET, net_in([txs(0, CSUM, 500)],
                                     eth(0x0800) + ip4(17, frag=0x2000) +
                                     udp()))
    big = [4000] * 16
    put('gso-tcpv4-64k', NET,
        net_in(chain(65535, big, CSUM, [gso(1, 1448)]),
               eth(0x0800) + ip4(6, tot=65521) + tcp(8)))
    put('gso-tcpv6-64k', NET,
        net_in(chain(65535, big, CSUM, [gso(2, 1440)]),
               eth(0x86dd) + ip6(6, 65481) + tcp()))
    put('gso-no-csum-blank', NET,
        net_in(chain(9000, [4000, 4000], 0, [gso(1, 1448)]), v4tcp))
    put('gso-mismatch', NET,
        net_in(chain(9000, [4000, 4000], CSUM, [gso(2, 1448)]), v4tcp))
    put('gso-size-0', NET, net_in(chain(60, [], 0, [gso(1, 0)])))
    put('gso-type-3', NET, net_in(chain(60, [], 0, [gso(3, 1448)])))
    put('slots-19-128', NET, net_in(chain(128, [6] * 18, CSUM), v4udp))
    put('slots-20-drop', NET, net_in(chain(1000, [10] * 19)))
    put('slots-21-drop', NET, net_in(chain(1000, [10] * 20)))
    put('slots-22-fatal', NET, net_in(chain(1000, [10] * 21)))
    put('past-prod', NET, net_in(chain(100, [10, 10])[:-1]))
    put('cross-page', NET, net_in([txs(0, MORE, 300), txs(4000, 0, 200)]))
    put('first-cross-page', NET, net_in([txs(4000, 0, 200)]))
    put('size-wrap', NET, net_in(chain(1000, [800, 300])))
    put('first-short', NET, net_in([txs(0, 0, 13), txs(0, 0, 14)]))
    put('extra-missing', NET, net_in([txs(0, EXTRA, 60)]))
    put('extra-type-0', NET, net_in([txs(0, EXTRA, 60), ext(0)]))
    put('extra-type-5', NET, net_in([txs(0, EXTRA, 60), ext(5)]))
    put('extras-hash-gso', NET,
        net_in(chain(3000, [1000], CSUM,
                     [ext(4, True, bytes([1, 1, 9, 9, 9, 9])),
                      gso(2, 1440)]), v6tcp))
    mc = bytes([1, 0, 0x5e, 0, 0, 1])
    put('mcast-add-then-frame', NET,
        net_in([txs(0, EXTRA | MORE, 0), ext(2, False, mc),
                txs(0, 0, 60)], v4tcp))
    put('mcast-del', NET, net_in([txs(0, EXTRA, 0), ext(3, False, mc)]))
    put('stream', NET,
        net_in([txs(0, 0, 60)] + chain(1514, [1400], CSUM) +
               chain(1000, [800, 300]) + [txs(0, CSUM, 100)], v4tcp))
    put('header-cut', NET, net_in([txs(0, CSUM, 1514)], v6tcp, mode=3))
    put('no-rx-gso', NET,
        net_in(chain(9000, [4000, 4000], CSUM, [gso(1, 1448)]), v4tcp,
               mode=0x40))
    put('csum-arp', NET, net_in([txs(0, CSUM, 60)], eth(0x0806)))
    put('csum-vlan', NET, net_in([txs(0, CSUM, 64)], eth(0x8100)))
    put('csum-icmp', NET, net_in([txs(0, CSUM, 98)], eth(0x0800) + ip4(1)))
    put('empty', NET, net_in([]))


TARGETS = {'blkif-request': blkif, 'flex-ring': flex, 'xs-parse': xs,
           '9p-server': p9, 'net-tx': net_tx}
for name in sys.argv[1:] or TARGETS:
    TARGETS[name]()
