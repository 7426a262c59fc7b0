#!/bin/bash
# SPDX-License-Identifier: MIT
# The backend disconnects in the middle of I/O (answering some requests,
# swallowing a few, leaving others on the ring) and comes back with lower
# limits (1 queue, one-page ring, no indirect, no persistent grants): every
# I/O completes exactly once with the right data, re-split to 11 segments.
. "$top_srcdir/tests/frontend/test-frontend-common.sh"
fe_world
start_fake pid 51712 --reconnect-after 40 --then-queues 1 --then-order 0 \
	--then-indirect 0 --then-persistent 0
run_io 51712 --expect-reconnects-min 1 --expect-queues 1 --expect-order 0 \
	--expect-segs 11 --expect-persistent 0 || fail "verified I/O"
stop_fake "$pid"
[ "$(fake_stat 51712 connects)" = 2 ] || fail "not reconnected"
[ "$(fake_stat 51712 dropped)" -gt 0 ] || fail "nothing was in flight"
[ "$(fake_stat 51712 violations)" = 0 ] ||
	fail "old limits used after the reconnect"
exit 0
