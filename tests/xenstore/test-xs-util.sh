#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-xs-util.sh - runs test-xs-util (the XenStore helpers of xenstore/)
# against Debian's real xenstored in a fresh sim world: `xenpv-sim create`
# starts the store with the preload library and prints its environment,
# `xenpv-sim domain-create` adds guest domain 1 so that directories owned
# by a guest can be tested.  Skips (77) when the sim tool or xenstored is
# not there; the world and its processes are destroyed at exit.
. "${builddir:-.}/functions.sh"

sim="$top_builddir/tools/xenpv-sim"
[ -x "$sim" ] || skip "tools/xenpv-sim is not built"
[ -x "$XENSTORED" ] || skip "no xenstored at $XENSTORED"

xpv_tmpdir tmp
world="$tmp/world"
env_lines=$("$sim" create "$world") ||
	hard_error "xenpv-sim create $world failed"
cleanup_fn "'$sim' destroy '$world' >/dev/null 2>&1"
eval "$env_lines"
[ -S "${XENSTORED_PATH:-}" ] ||
	hard_error "xenpv-sim create gave no store socket: $env_lines"

# The guest's own environment is not used: the test talks to the store as
# dom0.  Without a guest, the guest-owned directory case is left out.
if "$sim" domain-create "$world" 1 >/dev/null; then
	export XPV_TEST_DOMID=1
else
	echo "note: xenpv-sim domain-create failed: no guest domain" >&2
fi

"${builddir:-.}/xenstore/test-xs-util"
