#!/bin/bash
# SPDX-License-Identifier: MIT
# A frontend that sends a 22-slot tx chain (Linux netback: malicious):
# the vif stops serving with one log line and an `error` node, answers
# none of the chain, shows "disabled" in the statistics, and the daemon
# and the detach keep working.
. ./functions.sh
. "$top_srcdir/tests/net/test-net-common.sh"
net_netns "$@"
net_setup
net_attach || fail "net-attach"
in_guest $NET_GUEST "$NETRAW" --out "$OUT" --fatal || fail "net-raw --fatal"
"$CTL" stats --json --socket "$XPVD_SOCK" | grep -q '"disabled":true' ||
	fail "stats do not say disabled"
[ "$(grep -c 'vif disabled' "$XPVD_LOG")" = 1 ] || fail "log lines"
kill -0 "$XPVD_PID" || fail "xenpvd died"
"$CTL" net-detach --domid $NET_GUEST --timeout 10 || fail "net-detach"
exit 0
