#!/bin/bash
# SPDX-License-Identifier: MIT
# A backend that answers the same id twice: the second answer matches no
# request in flight, so it is never delivered as a second completion; the
# device breaks, and each I/O's callback still runs exactly once.
. "$top_srcdir/tests/frontend/test-frontend-common.sh"
fe_world
start_fake pid 51712 --dup-id-after 5
run_io 51712 --mode bad-id || fail "device not broken as it should be"
exit 0
