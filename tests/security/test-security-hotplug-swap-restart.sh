#!/bin/bash
# SPDX-License-Identifier: MIT
# A restarted xenpvd opens params anew and takes over the devices left
# Connected.  If params now names another disk than the one the hotplug
# script checked (its symlink retargeted while no daemon ran), the
# successor must not serve it to the connected guest: the takeover fails
# the device (error node naming the mismatch, Closing) instead of
# reattaching; the other disk is never written nor kept open.
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
GUEST_BIN=$top_builddir/tests/blk/restart-guest
[ -x "$GUEST_BIN" ] || skip "no restart-guest"
blk_vbd_setup
be=/local/domain/0/backend/vbd/1/$DEVID
blk_image "$WORLD/other.img" 4
cp "$WORLD/other.img" "$WORLD/other.orig"
ln -s d.img "$WORLD/disk"
blk_attach 1 "$WORLD/disk" --type vbd --script "$HOTPLUG" || fail "attach"

OUT=$WORLD/guest.out
in_guest 1 "$GUEST_BIN" --devid $DEVID --seconds 600 >"$OUT" 2>&1 &
track_pid $!
for _ in $(seq 200); do
	grep -q '^ready' "$OUT" && break
	sleep 0.05
done
grep -q '^ready' "$OUT" || fail "guest did not start: $(cat "$OUT")"
track_pid "$(sed -n 's/^ready \([0-9]*\)$/\1/p' "$OUT")"
wait_xs "$be/state" 4 || fail "not Connected (backend $XS_LAST)"
grep -q "$be: connected:" "$XPVD_LOG" || fail "xenpvd did not connect"
sleep 0.3

kill -TERM $XPVD_PID
wait $XPVD_PID || fail "xenpvd exited with $? on SIGTERM"
[ "$(xenstore-read "$be/state")" = 4 ] || fail "not left Connected"
ln -sfn other.img "$WORLD/disk"
start_sim_xenpvd --debug=dev --type=vbd
err=""
for _ in $(seq 200); do
	err=$(xenstore-read "$be/error" 2>/dev/null) && break
	sleep 0.05
done
grep -q "xenpvd\[$XPVD_PID\] .*$be: reattached" "$XPVD_LOG" &&
	fail "the successor reattached the guest to another disk"
msg="$WORLD/disk is not physical-device-path $WORLD/d.img that the hotplug script checked"
[ -n "$err" ] || fail "no error node"
echo "error node: $err"
[[ $err == *"$msg"* ]] || fail "the error node does not say '$msg'"
grep -qF -- "$be: $msg" "$XPVD_LOG" || fail "no log line '$msg'"

# The disk refused is not kept open either.
for _ in $(seq 100); do
	ls -l /proc/$XPVD_PID/fd 2>/dev/null | grep -q "$WORLD/other.img" || break
	sleep 0.05
done
ls -l /proc/$XPVD_PID/fd 2>/dev/null | grep -q "$WORLD/other.img" &&
	fail "xenpvd keeps the refused disk open"
cmp -s "$WORLD/other.img" "$WORLD/other.orig" || fail "other.img was written"
blk_alive
exit 0
