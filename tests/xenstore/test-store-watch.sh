#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-store-watch.sh - a watch fires once when it is set (XenStore's
# initial event) and once per write, for dom0 and for a sim guest through
# its xenbus relay; and two clients of one relay using the same token get
# only their own watch's events.
. "${builddir:-.}/functions.sh"

start_sim_world world
sim_domain_create 1

"${builddir:-.}/xenstore/test-store-watch" once /tool/watched ||
	fail "dom0's watch"
in_guest 1 "${builddir:-.}/xenstore/test-store-watch" \
	once /local/domain/1/data/w ||
	fail "guest 1's watch"
in_guest 1 "${builddir:-.}/xenstore/test-store-watch" route \
	/local/domain/1/data/a /local/domain/1/data/b ||
	fail "watch events routed to the wrong client of the relay"

# The real xenstore-watch too: it exits after its one initial event.
requires command -v xenstore-watch
out=$(in_guest 1 timeout 10 xenstore-watch -n 1 /local/domain/1/data) ||
	fail "xenstore-watch in guest 1 got no initial event"
[ -n "$out" ] || fail "xenstore-watch printed nothing"
exit 0
