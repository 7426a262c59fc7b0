#!/bin/bash
# SPDX-License-Identifier: MIT
# Zero-copy buffers (xpvf_buf_alloc): I/O whose buffer is granted memory
# carries those grants on the wire, copying nothing, side by side with
# ordinary (misaligned, copied) buffers; every byte reads back, with
# persistent grants and without, against the fake backend and xenpvd.
. "$top_srcdir/tests/frontend/test-frontend-common.sh"
fe_world
start_fake pid 51712
run_io 51712 --zero-copy || fail "zero-copy I/O, persistent grants"
stop_fake "$pid"
[ "$(fake_stat 51712 violations)" = 0 ] || fail "protocol violations"
start_fake pid 51728 --persistent 0
run_io 51728 --zero-copy --expect-persistent 0 ||
	fail "zero-copy I/O, no persistent grants"
stop_fake "$pid"
[ "$(fake_stat 51728 violations)" = 0 ] || fail "protocol violations"
exit 0
