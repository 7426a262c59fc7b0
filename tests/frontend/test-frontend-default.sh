#!/bin/bash
# SPDX-License-Identifier: MIT
# Everything offered (4 queues, ring order 4, 256 indirect segments,
# persistent grants): the frontend takes all of it and every byte written
# in many sizes and alignments reads back; requests use indirect segments,
# never more than offered, and the backend saw no protocol violation.
. "$top_srcdir/tests/frontend/test-frontend-common.sh"
fe_world
start_fake pid 51712
run_io 51712 --expect-queues 4 --expect-order 4 --expect-segs 256 \
	--expect-persistent 1 --expect-abi 64 || fail "verified I/O"
stop_fake "$pid"
[ "$(fake_stat 51712 violations)" = 0 ] || fail "protocol violations"
[ "$(fake_stat 51712 indirect)" -gt 0 ] || fail "no indirect request"
[ "$(fake_stat 51712 max_segs)" -le 256 ] || fail "more than 256 segments"
[ "$(fake_stat 51712 queues)" = 4 ] || fail "backend saw other queues"
exit 0
