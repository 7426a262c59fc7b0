#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-store-tools.sh - the real xenstore-write/-read/-ls/-list/-rm work
# against a sim world's store, in dom0 and in a sim guest (where relative
# paths are relative to the guest's home, /local/domain/1).
. "${builddir:-.}/functions.sh"
for t in xenstore-write xenstore-read xenstore-ls xenstore-list xenstore-rm
do
	command -v "$t" >/dev/null || skip "no $t"
done

start_sim_world world
sim_domain_create 1 --name alice

# check WHO CMD...: run CMD as WHO (0: dom0).
as() {
	local who=$1
	shift
	if [ "$who" = 0 ]; then "$@"; else in_guest "$who" "$@"; fi
}

for who in 0 1; do
	if [ "$who" = 0 ]; then dir=/tool/t; else dir=/local/domain/1/data/t; fi
	as "$who" xenstore-write "$dir/a" one "$dir/b" two ||
		fail "dom$who: xenstore-write"
	[ "$(as "$who" xenstore-read "$dir/a")" = one ] ||
		fail "dom$who: xenstore-read"
	[ "$(as "$who" xenstore-list "$dir" | sort | tr '\n' ' ')" = "a b " ] ||
		fail "dom$who: xenstore-list"
	as "$who" xenstore-ls "$dir" | grep -q '^b = "two"' ||
		fail "dom$who: xenstore-ls"
	as "$who" xenstore-rm "$dir/a" || fail "dom$who: xenstore-rm"
	as "$who" xenstore-read "$dir/a" 2>/dev/null &&
		fail "dom$who: $dir/a still there after xenstore-rm"
done

# What the toolstack wrote, seen from the guest, relative to its home.
[ "$(in_guest 1 xenstore-read name)" = alice ] ||
	fail "guest 1 reads '$(in_guest 1 xenstore-read name 2>&1)' as name"
[ "$(in_guest 1 xenstore-read domid)" = 1 ] || fail "guest 1's domid"
[ "$(in_guest 1 xenstore-read data/t/b)" = two ] ||
	fail "relative path in guest 1"
[ "$(xenstore-read /local/domain/0/name)" = Domain-0 ] ||
	fail "dom0's name"
exit 0
