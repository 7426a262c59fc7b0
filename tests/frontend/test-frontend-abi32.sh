#!/bin/bash
# SPDX-License-Identifier: MIT
# opts->abi = 32: the frontend writes protocol=x86_32-abi and lays out its
# requests that way; a backend that reads that view serves them right.
. "$top_srcdir/tests/frontend/test-frontend-common.sh"
fe_world
start_fake pid 51712
run_io 51712 --span $((4 << 20)) --abi 32 --expect-abi 32 ||
	fail "verified I/O"
stop_fake "$pid"
[ "$(fake_stat 51712 abi)" = 32 ] || fail "backend did not see x86_32-abi"
[ "$(fake_stat 51712 violations)" = 0 ] || fail "protocol violations"
exit 0
