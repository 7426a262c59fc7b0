#!/bin/bash
# SPDX-License-Identifier: MIT
# libxenpvfront's 9pfs frontend against xenpvd's 9pfs channel on a sim
# world: xenpvd --type=9pfs serves a host directory to guest 1 (xenpvctl
# p9-attach, the toolstack's path), and test-9pfs-io, in the guest, runs
# the client calls and raw messages (--ops), writes files that must be
# byte for byte the pattern on the host (cmp against --gen), and reads
# back files the host wrote.  Then again with the smallest msize and ring
# (4096 bytes, order 1: many parts per call, several Treaddir), the
# largest (order 9, msize 1 MiB, when the backend offers order 9), one
# ring, a reply too large for its buffer (the device must break, and a
# new open must work after it), and a detach while the guest is busy (the
# session ends with ECONNRESET).  Skips until xenpvd has a 9pfs channel.
. ./functions.sh

CTL=${CTL:-$top_builddir/tools/xenpvctl}
IO=./frontend/test-9pfs-io
[ -x "$CTL" ] || skip "no $CTL (not built)"
[ -x "$IO" ] || skip "no $IO (not built)"
[ -x "$XENPVD" ] || skip "no $XENPVD (not built)"
"$XENPVD" --help 2>&1 | grep -q 9pfs ||
	skip "xenpvd has no 9pfs channel"
requires which xenstore-read

start_sim_world WORLD
sim_domain_create 1 --name guest1 --mem-mb 512
xpv_tmpdir T
SHARE=$T/share
mkdir "$SHARE" || hard_error "mkdir $SHARE"
start_sim_xenpvd --type=9pfs --debug=dev
"$CTL" p9-attach --domid 1 --path "$SHARE" --tag share --devid 0 \
	--wait 20 >/dev/null || fail "xenpvctl p9-attach"
BE=$(xenstore-read /local/domain/1/device/9pfs/0/backend) ||
	fail "no backend key"
MAXORDER=$(xenstore-read "$BE/max-ring-page-order") ||
	fail "no max-ring-page-order"

guest() { # label ARGS...
	local label=$1
	shift
	echo "--- $label: $*"
	in_guest 1 "$IO" --devid 0 "$@" >"$T/out.$label" 2>&1
	local rc=$?
	cat "$T/out.$label"
	[ "$rc" = 0 ] || fail "$label: test-9pfs-io exited $rc"
	kill -0 "$XPVD_PID" 2>/dev/null || fail "$label: xenpvd died"
}

# host_same FILE SIZE: the share's FILE is SIZE bytes of the pattern.
host_same() {
	"$IO" --gen "$T/ref" "$2" || hard_error "--gen $2"
	cmp "$SHARE/$1" "$T/ref" || fail "host side: $1 differs"
	rm -f "$T/ref"
}

# Defaults: 2 rings, the backend's order up to 9, msize = the ring.
mkdir "$SHARE/d" || hard_error "mkdir"
"$IO" --gen "$SHARE/d/from-host" $((3 << 20)) || hard_error "--gen"
guest default --ops --expect-tag share --expect-rings 2 \
	--write d/big $(((5 << 20) + 777)) --write empty 0 \
	--verify d/from-host $((3 << 20))
host_same d/big $(((5 << 20) + 777))
host_same empty 0
[ ! -e "$SHARE/t9" ] || fail "--ops left t9 behind"

# The smallest: every read and write in many parts, readdir in several.
guest small --msize 4096 --order 1 --expect-msize 4096 --expect-order 1 \
	--ops --files 300 --write d/small $(((300 << 10) + 5)) \
	--verify d/big $(((5 << 20) + 777))
host_same d/small $(((300 << 10) + 5))
n=$(sed -n 's/^readdir: .* in \([0-9]*\) Treaddir$/\1/p' "$T/out.small")
[ "${n:-0}" -gt 1 ] || fail "300 entries in ${n:-0} Treaddir at msize 4096"

# The largest, when offered.
if [ "$MAXORDER" -ge 9 ]; then
	guest large --order 9 --msize 1048576 --expect-order 9 \
		--expect-msize 1048576 --ops --seed 7 \
		--write d/large $(((9 << 20) + 1))
	"$IO" --seed 7 --gen "$T/ref" $(((9 << 20) + 1)) || hard_error "--gen"
	cmp "$SHARE/d/large" "$T/ref" || fail "host side: d/large differs"
fi

# One ring: every tag on ring 0.
guest one-ring --rings 1 --expect-rings 1 --ops --files 10 \
	--verify d/small $(((300 << 10) + 5))

# A reply larger than its buffer breaks the device; the share opens
# again afterwards.
guest break --break
guest after-break --verify d/big $(((5 << 20) + 777))

# The toolstack takes the share away while the guest uses it: the
# session ends with ECONNRESET (or ENODEV), nothing hangs, and the guest
# leaves nothing behind in the removed directory.
echo "--- gone: --until-gone, then xenpvctl p9-detach"
in_guest 1 "$IO" --devid 0 --until-gone >"$T/out.gone" 2>&1 &
gpid=$!
track_pid "$gpid"
wait_output "$T/out.gone" '^ready' "$gpid" || fail "gone: no ready: $(cat "$T/out.gone")"
"$CTL" p9-detach --domid 1 --devid 0 --timeout 10 || fail "p9-detach"
rc=0
wait "$gpid" || rc=$?
cat "$T/out.gone"
[ "$rc" = 0 ] || fail "gone: test-9pfs-io exited $rc"
if xenstore-read /local/domain/1/device/9pfs/0/state >/dev/null 2>&1; then
	fail "gone: the frontend's state was written after the detach"
fi
exit 0
