#!/bin/bash
# SPDX-License-Identifier: MIT
# The other way: from a backend with no indirect and one queue to one with
# 4096 segments and 4 queues, mid-I/O; requests in flight are re-issued
# under the new limits, each I/O completes once with the right data.
. "$top_srcdir/tests/frontend/test-frontend-common.sh"
fe_world
start_fake pid 51712 --queues 1 --order 0 --indirect 0 --persistent 0 \
	--reconnect-after 200 --then-queues 4 --then-order 2 \
	--then-indirect 4096 --then-persistent 1
run_io 51712 --expect-reconnects-min 1 --expect-queues 4 --expect-order 2 \
	--expect-segs 4096 --expect-persistent 1 || fail "verified I/O"
stop_fake "$pid"
[ "$(fake_stat 51712 connects)" = 2 ] || fail "not reconnected"
[ "$(fake_stat 51712 violations)" = 0 ] || fail "protocol violations"
[ "$(fake_stat 51712 indirect)" -gt 0 ] || fail "new limits not used"
exit 0
