#!/bin/bash
# SPDX-License-Identifier: MIT
# A backend that offers nothing (one queue, one-page ring, no indirect, no
# persistent grants): plain 11-segment requests carry everything.
. "$top_srcdir/tests/frontend/test-frontend-common.sh"
fe_world
start_fake pid 51712 --queues 1 --order 0 --indirect 0 --persistent 0
run_io 51712 --expect-queues 1 --expect-order 0 --expect-segs 11 \
	--expect-persistent 0 || fail "verified I/O"
stop_fake "$pid"
[ "$(fake_stat 51712 violations)" = 0 ] || fail "protocol violations"
[ "$(fake_stat 51712 indirect)" = 0 ] || fail "indirect request sent"
[ "$(fake_stat 51712 max_segs)" = 11 ] || fail "requests not split at 11"
exit 0
