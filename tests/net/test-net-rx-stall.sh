#!/bin/bash
# SPDX-License-Identifier: MIT
# A guest that posts no rx buffers (as Linux netback's rx drain and stall
# timeouts, here shortened: --net-rx-drain-timeout-ms=500,
# --net-rx-stall-timeout-ms=1500).  dom0 sends 5 frames to it: nothing is
# answered; after the drain timeout xenpvd drops them (one log line,
# counted in rx_dropped; the bridge may have sent the vif a frame of its
# own meanwhile), after the stall timeout the vif's carrier goes off;
# once the guest posts buffers the carrier comes back and dom0's next
# frame arrives, none of the 5 before it.
. ./functions.sh
. "$top_srcdir/tests/net/test-net-common.sh"
net_netns "$@"
net_rx_timeouts_guest --rx-post 0 rx-stall
"$NETHOSTILE" --host inject $NET_TAP $NET_MAC "$OUT" rx-ready u5x100 \
	>>"$OUT/inj.out" 2>&1 &
track_pid $!
"$NETHOSTILE" --host inject $NET_TAP $NET_MAC "$OUT" rx-ready2 mark \
	>>"$OUT/inj.out" 2>&1 &
track_pid $!

carrier() { cat /sys/class/net/$NET_TAP/carrier 2>/dev/null; }
dropped=
for _ in $(seq 500); do
	dropped=$(grep -o 'vif1.0-q0: no rx buffers for [0-9]* ms: [0-9]* frame(s) dropped' \
		"$XPVD_LOG" | head -n 1)
	[ -n "$dropped" ] && [ "$(carrier)" = 0 ] &&
		grep -q 'vif1.0-q0: rx stalled: carrier off' "$XPVD_LOG" && break
	kill -0 $GPID 2>/dev/null || break
	sleep 0.02
done
echo "log: $dropped; carrier $(carrier)"
[ -n "$dropped" ] || fail "no drop after the drain timeout: $(cat "$OUT/guest.out")"
n=$(sed 's/.*ms: \([0-9]*\) frame.*/\1/' <<<"$dropped")
ms=$(sed 's/.*for \([0-9]*\) ms.*/\1/' <<<"$dropped")
[ "$n" -ge 5 ] || fail "expected the 5 frames dropped at once: $dropped"
[ "$ms" -ge 500 ] || fail "dropped before the drain timeout: $dropped"
[ "$(carrier)" = 0 ] || fail "the carrier did not go off"
touch "$OUT/stalled"
rc=0
wait $GPID || rc=$?
cat "$OUT/guest.out"
[ $rc = 0 ] || fail "net-hostile rx-stall exit $rc ($(cat "$OUT/inj.out"))"
[ "$(carrier)" = 1 ] || fail "the carrier did not come back"
st=$("$CTL" stats --json) || fail "xenpvctl stats"
python3 -c 'import json, sys
v = json.loads(sys.argv[1])["vifs"][0]
sys.exit(0 if v["rx_dropped"] >= 5 else 1)' "$st" ||
	fail "rx_dropped under 5: $st"
"$CTL" net-detach --domid $NET_GUEST --timeout 10 >/dev/null ||
	fail "net-detach"
exit 0
