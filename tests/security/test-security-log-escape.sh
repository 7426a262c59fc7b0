#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14.4: a guest's value in a log line cannot start a line of its
# own.  Guest 5 writes a protocol holding a newline and a journal level
# prefix; xenpvd refuses it (Closing) and logs it escaped, on one line.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup
make_image "$WORLD/disk.img" 16
attach 51712 "$WORLD/disk.img" w
FE=/local/domain/$GUEST/device/vbd/51712
BE=/local/domain/0/backend/qdisk/$GUEST/51712
# (Short enough for the protocol buffer, 31 bytes.)
evil=$'x\n<0>xenpvd: FORGED\\n\r\033[2K'
as_guest xenstore-write -R "$FE/protocol" "$evil" "$FE/state" 3 ||
	hard_error "guest write"
wait_xs "$BE/state" 5 || fail "not refused: state $XS_LAST"
for _ in $(seq 50); do
	grep -q "unknown protocol" "$XPVD_LOG" && break
	sleep 0.1
done
line=$(grep "unknown protocol" "$XPVD_LOG") || fail "no refusal logged"
[ "$(grep -c FORGED "$XPVD_LOG")" = 1 ] || fail "FORGED on more than one line"
grep -q '^<0>' "$XPVD_LOG" && fail "a line of the guest's in the log"
grep -q $'[\r\033]' "$XPVD_LOG" && fail "control characters in the log"
grep -qF 'x\x0a<0>xenpvd: FORGED\\n\x0d\x1b[2K' <<<"$line" ||
	fail "not escaped as expected: $line"
exit 0
