#!/bin/bash
# SPDX-License-Identifier: MIT
# A slow guest is not a stalled one.  With the rx drain and stall
# timeouts shortened (500 ms, 1500 ms), dom0 sends 200 frames of 1400
# bytes while the guest posts no rx buffer: they wait in xenpvd's
# backlog.  Then the guest posts 8 buffers every 200 ms and takes 8
# frames each time: the backlog drains over ~5 s, ten drain timeouts,
# but the guest makes progress all along, so none is dropped (as Linux
# netback, whose stall is a time without progress): all 200 arrive in
# order, rx_dropped stays 0, the carrier stays on.
. ./functions.sh
. "$top_srcdir/tests/net/test-net-common.sh"
net_netns "$@"
net_rx_timeouts_guest --rx-post 0 --rx-expect 200 rx-slow
"$NETHOSTILE" --host inject $NET_TAP $NET_MAC "$OUT" rx-ready u200x1400 \
	>>"$OUT/inj.out" 2>&1 &
track_pid $!
rc=0
wait $GPID || rc=$?
cat "$OUT/guest.out"
[ $rc = 0 ] || fail "net-hostile rx-slow exit $rc ($(cat "$OUT/inj.out"))"
! grep -q 'vif1.0-q0: rx stalled: carrier off' "$XPVD_LOG" ||
	fail "the carrier went off for a guest that kept taking frames"
! grep -q 'vif1.0-q0: no rx buffers for' "$XPVD_LOG" ||
	fail "frames dropped: $(grep 'no rx buffers for' "$XPVD_LOG")"
st=$("$CTL" stats --json) || fail "xenpvctl stats"
python3 -c 'import json, sys
v = json.loads(sys.argv[1])["vifs"][0]
sys.exit(0 if v["rx_dropped"] == 0 and v["rx_backlog_max"] >= 100000 else 1)' "$st" ||
	fail "rx_dropped not 0, or the backlog unused: $st"
"$CTL" net-detach --domid $NET_GUEST --timeout 10 >/dev/null ||
	fail "net-detach"
exit 0
