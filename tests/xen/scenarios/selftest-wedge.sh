#!/bin/bash
# SPDX-License-Identifier: MIT
# selftest-wedge - the harness's own check of its wedge detection, run by
# hand (run-all.sh leaves selftest-* out: it fails by design):
#   XEN_WEDGE_SECS=30 tests/xen/run.sh selftest-wedge
# stops dom0's heartbeat and stays silent, as a wedged emulation does.
# The host must kill the boot about XEN_WEDGE_SECS later (not at this
# scenario's limit), say so, boot afresh for it, and when that boot wedges
# too report `FAIL selftest-wedge: no result: dom0 wedged again`.
# xpv-timeout: 900
. /xpv/xpv-lib.sh "$1"

kill -STOP "$(cat /run/xpv-heartbeat.pid)" || fail "no heartbeat to stop"
sleep 800
fail "the harness let a silent dom0 run for 800 s"
