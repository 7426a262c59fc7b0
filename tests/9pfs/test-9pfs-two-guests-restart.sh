#!/bin/bash
# SPDX-License-Identifier: MIT
# Two guests, each with its own share of a different directory, on one
# xenpvd: each writes and reads back its files through libxenpvfront, and
# neither sees the other's (their directories on the host hold exactly
# their own).  Then xenpvd restarts (SIGTERM, a new daemon) while both are
# connected: what a 9P client cannot keep is its session (fids live in the
# daemon), so the new daemon asks each frontend to reconnect (Closing); a
# client that opens the share again gets a working share, and the files
# written before the restart are there, unchanged.
. ./functions.sh
CTL=${CTL:-$top_builddir/tools/xenpvctl}
IO=./frontend/test-9pfs-io
[ -x "$CTL" ] || skip "no $CTL (not built)"
[ -x "$IO" ] || skip "no $IO (not built)"
requires which xenstore-read
start_sim_world WORLD
sim_domain_create 1 --name g1 --mem-mb 256
sim_domain_create 2 --name g2 --mem-mb 256
mkdir -p "$WORLD/s1" "$WORLD/s2" || hard_error "mkdir"
start_sim_xenpvd --type=9pfs --debug=dev
for d in 1 2; do
	"$CTL" p9-attach --domid $d --path "$WORLD/s$d" --tag s$d --wait 20 \
		>/dev/null || fail "p9-attach $d"
done
in_guest 1 "$IO" --devid 0 --seed 11 --write one 300000 >"$WORLD/g1.out" 2>&1 &
p1=$!
in_guest 2 "$IO" --devid 0 --seed 22 --write two 500000 >"$WORLD/g2.out" 2>&1 &
p2=$!
track_pid $p1
track_pid $p2
wait $p1 || fail "guest 1: $(cat "$WORLD/g1.out")"
wait $p2 || fail "guest 2: $(cat "$WORLD/g2.out")"
[ "$(ls "$WORLD/s1")" = one ] || fail "share 1 holds: $(ls "$WORLD/s1")"
[ "$(ls "$WORLD/s2")" = two ] || fail "share 2 holds: $(ls "$WORLD/s2")"
"$IO" --seed 11 --gen "$WORLD/ref1" 300000 && cmp "$WORLD/s1/one" "$WORLD/ref1" ||
	fail "share 1's file differs"
"$IO" --seed 22 --gen "$WORLD/ref2" 500000 && cmp "$WORLD/s2/two" "$WORLD/ref2" ||
	fail "share 2's file differs"

# A guest holding its share open across the restart.
in_guest 1 "$IO" --devid 0 --until-gone >"$WORLD/g1b.out" 2>&1 &
p1=$!
track_pid $p1
for _ in $(seq 100); do grep -q ready "$WORLD/g1b.out" && break; sleep 0.05; done
grep -q ready "$WORLD/g1b.out" || fail "guest 1 not ready: $(cat "$WORLD/g1b.out")"
kill -TERM "$XPVD_PID"
wait "$XPVD_PID" || fail "xenpvd exit status $?"
start_sim_xenpvd --type=9pfs --debug=dev
# The session is lost: the old client sees its share go.
wait $p1 || fail "guest 1 across the restart: $(cat "$WORLD/g1b.out")"
grep -q "^backend gone: " "$WORLD/g1b.out" ||
	fail "guest 1 did not see its session end: $(cat "$WORLD/g1b.out")"
# Opened again: a working share, the files still there.
for _ in $(seq 100); do
	[ "$(xenstore-read /local/domain/0/backend/9pfs/1/0/state)" = 2 ] && break
	sleep 0.1
done
in_guest 1 "$IO" --devid 0 --seed 11 --verify one 300000 >"$WORLD/g1c.out" 2>&1 ||
	fail "guest 1 after the restart: $(cat "$WORLD/g1c.out")"
in_guest 2 "$IO" --devid 0 --seed 22 --verify two 500000 >"$WORLD/g2c.out" 2>&1 ||
	fail "guest 2 after the restart: $(cat "$WORLD/g2c.out")"
kill -0 "$XPVD_PID" || fail "xenpvd died"
exit 0
