#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-store-release.sh - destroying a sim guest fires @releaseDomain in
# dom0 (besides the initial event of the watch), its xenbus relay notices
# the destruction and exits by itself, and its store directory goes.
. "${builddir:-.}/functions.sh"
requires command -v xenstore-watch

start_sim_world world
sim_domain_create 3

relay_pid=$(cat "$world/relay-dom3.pid") || hard_error "no relay pid file"
kill -0 "$relay_pid" || hard_error "the relay is not running"
[ "$(in_guest 3 xenstore-read domid)" = 3 ] ||
	hard_error "guest 3 cannot reach the store"

events=$world/events
xenstore-watch @releaseDomain >"$events" 2>&1 &
watcher=$!
track_pid "$watcher"
for _ in $(seq 100); do
	[ -s "$events" ] && break
	sleep 0.05
done
[ "$(wc -l <"$events")" = 1 ] || fail "no initial @releaseDomain event"

"$XENPV_SIM" domain-destroy "$world" 3 || fail "domain-destroy failed"

for _ in $(seq 100); do
	[ "$(wc -l <"$events")" -ge 2 ] && break
	sleep 0.05
done
[ "$(wc -l <"$events")" -ge 2 ] ||
	fail "no @releaseDomain after the destruction: $(cat "$events")"
grep -q "domain 3 destroyed, exiting" "$world/relay-dom3.log" ||
	fail "the relay did not exit by itself: $(cat "$world/relay-dom3.log")"
state=$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$relay_pid/stat" 2>/dev/null)
[ -n "$state" ] && [ "$state" != Z ] &&
	fail "the relay (pid $relay_pid) is still running"
xenstore-read /local/domain/3/name 2>/dev/null &&
	fail "/local/domain/3 is still there"
exit 0
