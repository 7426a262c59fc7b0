#!/bin/bash
# SPDX-License-Identifier: MIT
# Persistent grants: used only when both sides want them (backend offers
# and the frontend does not refuse); data is right either way.
. "$top_srcdir/tests/frontend/test-frontend-common.sh"
fe_world
start_fake pid 51712 --persistent 0
run_io 51712 --span $((4 << 20)) --expect-persistent 0 || fail "backend off"
stop_fake "$pid"
[ "$(fake_stat 51712 persistent)" = 0 ] || fail "backend saw persistent"
start_fake pid 51728 --persistent 1
run_io 51728 --span $((4 << 20)) --no-persistent --expect-persistent 0 ||
	fail "frontend off"
stop_fake "$pid"
[ "$(fake_stat 51728 persistent)" = 0 ] || fail "frontend did not refuse"
start_fake pid 51744 --persistent 1
run_io 51744 --span $((4 << 20)) --expect-persistent 1 || fail "both on"
stop_fake "$pid"
[ "$(fake_stat 51744 persistent)" = 1 ] || fail "not negotiated"
exit 0
