#!/bin/bash
# SPDX-License-Identifier: MIT
# xenpvd's debugging entry point: with p9-socket and p9-socket-export the
# daemon serves that directory over 9P on a unix socket, with the very
# server its rings use; Debian's diodls and diodcat (another
# implementation's 9P2000.L client) list it and read a file, equal to the
# host's.  The socket is 0600 and goes with the daemon; without the keys
# there is none.
. ./functions.sh
. "$top_srcdir/tests/9pfs/test-9pfs-ring-common.sh"
requires command -v diodls
requires command -v diodcat
start_sim_world WORLD
EXPORT=$WORLD/export
mkdir -p "$EXPORT/dir" || hard_error "mkdir"
head -c 200000 /dev/urandom >"$EXPORT/dir/data" || hard_error "data"
echo hi >"$EXPORT/hello"
SOCK=$WORLD/p9.sock
start_sim_xenpvd --type=9pfs --p9-socket="$SOCK" \
	--p9-socket-export="$EXPORT"
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
[ -S "$SOCK" ] || fail "no socket $SOCK"
[ "$(stat -c %a "$SOCK")" = 600 ] || fail "socket mode $(stat -c %a "$SOCK")"
got=$(diodls -s "$SOCK" -a "$EXPORT" -m 65536 | grep -vx '\.\|\.\.' | sort)
[ "$got" = "$(printf 'dir\nhello\n')" ] || fail "diodls: $got"
diodcat -s "$SOCK" -a "$EXPORT" -m 65536 dir/data >"$WORLD/got" ||
	fail "diodcat"
cmp -s "$WORLD/got" "$EXPORT/dir/data" || fail "dir/data differs"
kill -TERM "$XPVD_PID"
wait "$XPVD_PID" || fail "xenpvd exit status $?"
[ ! -e "$SOCK" ] || fail "socket left behind"
# Off by default.
start_sim_xenpvd --type=9pfs
sleep 0.5
[ ! -e "$SOCK" ] || fail "a socket without p9-socket"
[ "$(grep -c "over 9P" "$XPVD_LOG")" = 1 ] ||
	fail "the second daemon served 9P on a socket"
exit 0
