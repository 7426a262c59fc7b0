#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14.1, the same pattern in the hand-over records: with a state
# directory that others may write, a user plants the record's temporary
# name as a symlink to a file of root's; xenpvd stopped by SIGTERM must
# not write through it.  It refuses the directory (no records: a
# successor makes the guest reconnect) and says so.
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
[ "$(id -u)" = 0 ] || skip "needs root (an attacker of another uid)"
requires setpriv --version
GUEST_BIN=$top_builddir/tests/blk/restart-guest
[ -x "$GUEST_BIN" ] || skip "no restart-guest"
xpv_tmpdir T
chmod 755 "$T"
PUB=$T/pub
mkdir "$PUB" && chmod 1777 "$PUB" || hard_error "mkdir $PUB"
printf 'precious\n' >"$T/victim"
setpriv --reuid=65534 --regid=65534 --clear-groups -- \
	ln -s "$T/victim" "$PUB/xenpvd-handoff-qdisk-1-$DEVID.tmp" ||
	hard_error "plant"
blk_setup --state-dir="$PUB"
blk_guest 1
blk_image "$WORLD/disk.img" 16
blk_attach 1 "$WORLD/disk.img" || fail "attach"
blk_restart_guest 1 60
sleep 0.5
kill -TERM $XPVD_PID
wait $XPVD_PID || fail "xenpvd exited with $? on SIGTERM"
[ "$(cat "$T/victim")" = precious ] ||
	fail "root wrote through the planted link: $(head -c 80 "$T/victim")"
[ -L "$PUB/xenpvd-handoff-qdisk-1-$DEVID.tmp" ] ||
	fail "the planted link was replaced"
grep -q "state directory $PUB: not a directory only we may write" \
	"$XPVD_LOG" || fail "no refusal in the log"
exit 0
