#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A guest and a dom0 server exchange 20000 requests over a shared ring:
# every response's checksum is verified by the guest, and both end cleanly
# with no mapping or port left behind.
. ./functions.sh

pp=$top_builddir/tools/xenpv-pingpong
[ -x "$pp" ] || skip "xenpv-pingpong not built"
start_sim_world world
sim_domain_create 1

# dom0 maps the guest's XenStore page (xenstored): count from here.
before=$("$XENPV_SIM" resources "$world" 0) || hard_error "resources failed"
"$pp" serve --domid 1 >"$world.server.out" 2>&1 &
server=$!
track_pid $server
out=$(in_guest 1 "$pp" client --count 20000 --batch 8) ||
	fail "client failed: $out"
echo "$out"
wait $server || fail "server failed: $(cat "$world.server.out")"
grep -q 'served=20000' "$world.server.out" ||
	fail "server did not serve 20000: $(cat "$world.server.out")"
case $out in
*"pingpong: ok round_trips=20000 "*) ;;
*) fail "unexpected client output: $out" ;;
esac
# The server has exited: dom0 holds what it held before; the guest's only
# port is its XenStore channel.
res=$("$XENPV_SIM" resources "$world" 0) || hard_error "resources failed"
[ "$res" = "$before" ] || fail "dom0 left resources behind: $res (before: $before)"
res=$("$XENPV_SIM" resources "$world" 1) || hard_error "resources failed"
[ "$res" = "maps=0 ports=1" ] || fail "guest left resources behind: $res"
exit 0
