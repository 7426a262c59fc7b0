#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-store-large.sh - messages longer than the 1 KiB store ring pass
# through a sim guest's xenbus relay intact, also while several clients of
# the relay send such messages at once (their bytes never interleave on
# the ring).
. "${builddir:-.}/functions.sh"
requires command -v xenstore-read

start_sim_world world
sim_domain_create 1

# value N: a 2000-byte value (under the 2048-byte quota of a guest's
# node, twice the ring) that names N.
value() { printf "%s-%.1995d" "$1" 0 | head -c 2000; }

in_guest 1 xenstore-write data/big "$(value solo)" || fail "large write"
[ "$(in_guest 1 xenstore-read data/big)" = "$(value solo)" ] ||
	fail "a large value came back different"

# Four clients at once, each writing and reading back its own node.
xpv_tmpdir tmp
for c in 1 2 3 4; do
	(
		for i in $(seq 10); do
			v=$(value "c$c-$i")
			in_guest 1 xenstore-write "data/c$c" "$v" || exit 1
			[ "$(in_guest 1 xenstore-read "data/c$c")" = "$v" ] ||
				exit 1
		done
	) >"$tmp/c$c.out" 2>&1 &
	pids+=($!)
	track_pid "$!"
done
for i in "${!pids[@]}"; do
	wait "${pids[i]}" ||
		fail "client $((i + 1)): $(cat "$tmp/c$((i + 1)).out")"
done
for c in 1 2 3 4; do
	last=$(xenstore-read "/local/domain/1/data/c$c")
	[ "$last" = "$(value "c$c-10")" ] ||
		fail "client $c's last value is not in the store"
done
exit 0
