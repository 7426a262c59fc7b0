#!/bin/bash
# SPDX-License-Identifier: MIT
# Opening a VBD that is not in XenStore fails at once with -ENOENT and
# leaves no handle behind.
. "$top_srcdir/tests/frontend/test-frontend-common.sh"
fe_world
run_io 51712 --mode missing || fail "open of a missing VBD"
exit 0
