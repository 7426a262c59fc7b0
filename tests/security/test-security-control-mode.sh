#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14.6: the control socket is 0600 whatever the umask (it was
# created with the umask's mode and never changed), and so are xentop's
# QMP sockets, from the moment they exist.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
umask 000
backend_setup
mode=$(stat -c %a "$XPVD_SOCK") || hard_error "stat $XPVD_SOCK"
[ "$mode" = 600 ] || fail "control socket mode $mode under umask 000"
make_image "$WORLD/disk.img" 16
attach 51712 "$WORLD/disk.img" w
Q=$WORLD/qmp-libxenstat-$GUEST
for _ in $(seq 50); do [ -S "$Q" ] && break; sleep 0.1; done
[ -S "$Q" ] || fail "no QMP socket $Q"
mode=$(stat -c %a "$Q")
[ "$mode" = 600 ] || fail "QMP socket mode $mode under umask 000"
exit 0
