#!/bin/bash
# SPDX-License-Identifier: MIT
# xenpvfront-net-on-netback - libxenpvfront's netfront in dom0 (dom0
# grants to itself) on Linux xen-netback (vif0.0 on a bridge): frames of
# 60 bytes to 64 KiB, plain, blank checksum and GSO TCPv4/v6, sent through
# netback, echoed back from vif0.0 by net-host-echo, checked byte for
# byte, one queue then two (netback offers multi-queue).
# xpv-timeout: 500
. /xpv/xpv-lib.sh "$1"
need_bin xenpvctl
need_bin test-net-io
need_bin net-host-echo

modprobe xen-netback || skip "no xen-netback module"
dom0_net_io xpvbr2 --mode sync --offloads --expect-queues 1 ||
	fail "one queue: $(tail -n 1 /tmp/net-io.out)"
cp /tmp/net-io.out /tmp/net-io.1
dom0_net_io xpvbr2 --mode async --queues 2 --offloads --expect-queues 2 ||
	fail "two queues: $(tail -n 1 /tmp/net-io.out)"
check grep -q 'reconnects 0 rx_errors 0 tx_errors 0' /tmp/net-io.1 -- \
	"one queue: no errors"
check grep -q 'reconnects 0 rx_errors 0 tx_errors 0' /tmp/net-io.out -- \
	"two queues: no errors"
finish
