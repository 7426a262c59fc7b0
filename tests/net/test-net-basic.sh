#!/bin/bash
# SPDX-License-Identifier: MIT
# A vif end to end on the sim, in a network namespace of its own:
# xenpvctl net-attach (libxl's keys, vif-bridge's work: the TAP vif1.0 on
# bridge xpvbr0), net-raw in the guest with 2 queues and one event channel
# each, frames both ways checked byte for byte (SG, csum_blank, GSO
# TCPv4/v6 64 KiB, an MTU-sized frame in one rx slot), the statistics,
# the same after reconnecting with 1 then 2 queues, then net-detach: the
# TAP goes with the device.
. ./functions.sh
. "$top_srcdir/tests/net/test-net-common.sh"
net_netns "$@"
net_setup --net-max-queues=2
net_attach || fail "net-attach"
ip -o link show $NET_TAP | grep -q "master $NET_BR" ||
	fail "$NET_TAP is not on $NET_BR"
net_roundtrip 2
st=$("$CTL" stats --json --socket "$XPVD_SOCK") || fail "stats"
echo "$st" | python3 -c '
import json, sys
v = json.load(sys.stdin)["vifs"][0]
print("stats:", v)
assert v["queues"] == 2 and v["tap"] == "vif1.0", v
assert v["tx_packets"] == 5 and v["tx_bytes"] == 60+3000+200+64054+20074, v
# The three injected, and whatever the namespace stack sent out on the
# TAP meanwhile (a TCP reset to a frame the guest sent, say): net-raw
# checked the three byte for byte.
assert v["rx_packets"] >= 3 and v["rx_bytes"] >= 60+1514+64054, v
assert v["tx_errors"] == 0 and v["rx_errors"] == 0, v
assert not v["disabled"], v
' || fail "statistics"
# Connecting again (net-raw starts over from Connected, no Closing), with
# 1 queue then 2: every TAP queue is served by the new connection's
# workers only, frames both ways as before.
net_roundtrip 1
net_roundtrip 2
"$CTL" net-detach --domid $NET_GUEST --timeout 10 || fail "net-detach"
for _ in $(seq 500); do
	ip link show $NET_TAP >/dev/null 2>&1 || break
	sleep 0.01
done
ip link show $NET_TAP >/dev/null 2>&1 && fail "$NET_TAP left after detach"
kill -0 "$XPVD_PID" || fail "xenpvd died"
exit 0
