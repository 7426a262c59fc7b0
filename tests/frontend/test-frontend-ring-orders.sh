#!/bin/bash
# SPDX-License-Identifier: MIT
# Ring page orders 0..4 offered, with 2 queues: each is used as offered.
. "$top_srcdir/tests/frontend/test-frontend-common.sh"
fe_world
for o in 0 1 2 3 4; do
	dev=$((51712 + 16 * o))
	start_fake pid "$dev" --order "$o" --queues 2
	run_io "$dev" --span $((4 << 20)) --expect-order "$o" \
		--expect-queues 2 || fail "order $o"
	stop_fake "$pid"
	[ "$(fake_stat "$dev" order)" = "$o" ] || fail "backend order $o"
	[ "$(fake_stat "$dev" violations)" = 0 ] || fail "violations, order $o"
done
exit 0
