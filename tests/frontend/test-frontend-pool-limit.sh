#!/bin/bash
# SPDX-License-Identifier: MIT
# Grants are bounded: Linux's gntalloc refuses more than its `limit` (1024
# by default) with ENOSPC.  With the sim held to the same bound, the
# library's default pool (8192 pages) must shrink to what is granted, not
# fail the open, and every byte must still read back.
. "$top_srcdir/tests/frontend/test-frontend-common.sh"
fe_world
start_fake pid 51712 --queues 2 --order 4 --indirect 256
XENPV_SIM_GNTSHR_LIMIT=1024 run_io 51712 --expect-queues 2 \
	--expect-segs 256 || fail "verified I/O under a 1024-grant limit"
# And a pool asked for beyond any grant table still opens.
XENPV_SIM_GNTSHR_LIMIT=1024 run_io 51712 --pool-pages 1000000 \
	--expect-queues 2 || fail "verified I/O with a huge pool asked for"
stop_fake "$pid"
[ "$(fake_stat 51712 violations)" = 0 ] || fail "protocol violations"
exit 0
