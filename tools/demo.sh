#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# demo.sh BUILDDIR - the main job on the simulated platform: a sim world
# (Debian's real xenstored over the sim hypervisor), dom0 and one guest,
# and real data moved between them and checked.  Leaves nothing running.
set -euo pipefail

build=$(cd "${1:?usage: demo.sh BUILDDIR}" && pwd)
sim=$build/tools/xenpv-sim
pp=$build/tools/xenpv-pingpong

work=$(mktemp -d "${TMPDIR:-/tmp}/xenpvd-demo.XXXXXX")
world=$work/world
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	"$sim" destroy "$world" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "== sim world in $world: xenstored, dom0, guest 1"
eval "$("$sim" create "$world")"
"$sim" domain-create "$world" 1 --name guest1 >/dev/null
guest_env=$("$sim" env "$world" 1)

echo "== a ring between guest 1 and dom0: 200000 requests, each verified"
"$pp" serve --domid 1 >"$work/server.out" 2>&1 &
pids+=($!)
out=$( (eval "$guest_env" && exec "$pp" client --count 200000 --batch 32))
wait "${pids[-1]}"
echo "   $out"
echo "   $(cat "$work/server.out")"
case $out in
*"pingpong: ok"*) ;;
*) echo "demo: FAILED" >&2; exit 1 ;;
esac
rt=$(sed -n 's/.*round_trips=\([0-9]*\).*/\1/p' <<<"$out")
us=$(sed -n 's/.*per_round_trip_us=\([0-9.]*\).*/\1/p' <<<"$out")
echo "demo: ok verified_round_trips=$rt per_round_trip_us=$us"
