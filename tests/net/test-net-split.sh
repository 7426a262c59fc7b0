#!/bin/bash
# SPDX-License-Identifier: MIT
# As test-net-basic.sh with one queue (keys in the device directory, no
# multi-queue-num-queues) and split event channels (event-channel-tx and
# event-channel-rx), the vif's MTU from net-attach --mtu.
. ./functions.sh
. "$top_srcdir/tests/net/test-net-common.sh"
net_netns "$@"
net_setup --net-max-queues=4
net_attach --mtu 1500 || fail "net-attach"
[ "$(cat /sys/class/net/$NET_TAP/mtu)" = 1500 ] || fail "mtu"
net_roundtrip 1 --split
"$CTL" stats --json --socket "$XPVD_SOCK" | grep -q '"split_events":true' ||
	fail "stats do not say split event channels"
"$CTL" net-detach --domid $NET_GUEST --timeout 10 || fail "net-detach"
kill -0 "$XPVD_PID" || fail "xenpvd died"
exit 0
