#!/bin/bash
# SPDX-License-Identifier: MIT
# The guest's multicast list survives a restart of xenpvd (SIGTERM: the
# hand-over record carries it, "mcast N addr..."), as its interface
# does.  A netif frontend (net-hostile.c, mode mcast-restart) asks for
# filtering, lists groups 1 and 3 (1, 2, 3 added, 2 deleted); dom0 sends
# to groups 0x100, 1, 2, 3 and only 1 and 3 reach the guest, before the
# restart and after it (the successor reattached without a reconnect);
# then deleting group 1 through the successor leaves 3 alone.
. ./functions.sh
. "$top_srcdir/tests/net/test-net-common.sh"
net_netns "$@"
NETHOSTILE=${NETHOSTILE:-$top_builddir/tests/net/net-hostile}
[ -x "$NETHOSTILE" ] || skip "no $NETHOSTILE (not built)"
net_setup --debug=dev
net_attach || fail "net-attach"
BE=/local/domain/0/backend/vif/$NET_GUEST/0

in_guest_bg $NET_GUEST timeout -k 2 120 "$NETHOSTILE" --out "$OUT" --mcast \
	mcast-restart >"$OUT/guest.out" 2>&1
GPID=$IN_GUEST_PID
track_pid $GPID
for r in rx-ready rx-ready2 rx-ready3; do
	"$NETHOSTILE" --host inject $NET_TAP $NET_MAC "$OUT" $r \
		g01005e000100 g01005e000001 g01005e000002 g01005e000003 mark \
		>>"$OUT/inj.out" 2>&1 &
	track_pid $!
done

for _ in $(seq 1500); do
	[ -e "$OUT/restart" ] && break
	kill -0 $GPID 2>/dev/null || break
	sleep 0.02
done
[ -e "$OUT/restart" ] || fail "the guest never got to the restart: $(cat "$OUT/guest.out")"
kill -TERM "$XPVD_PID"
wait "$XPVD_PID" || fail "xenpvd exited $? on SIGTERM"
[ "$(xenstore-read $BE/state)" = 4 ] || fail "backend left Connected"
start_sim_xenpvd --debug=dev --type=vif
for _ in $(seq 400); do
	grep -q "xenpvd\[$XPVD_PID\] .*reattached: 1 queue" "$XPVD_LOG" && break
	sleep 0.05
done
grep -q "xenpvd\[$XPVD_PID\] .*reattached: 1 queue" "$XPVD_LOG" ||
	fail "the successor did not reattach"
touch "$OUT/restarted"
rc=0
wait $GPID || rc=$?
cat "$OUT/guest.out"
[ $rc = 0 ] || fail "net-hostile mcast-restart exit $rc"
"$CTL" net-detach --domid $NET_GUEST --timeout 10 >/dev/null ||
	fail "net-detach"
exit 0
