#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-store-perms.sh - the store enforces a sim guest's permissions on
# what the guest does through its xenbus relay: guest 1 reads and writes its
# own /local/domain/1, reads the backend directory of its device because
# dom0 gave it read permission, and gets "Permission denied" (EACCES) when
# it writes there; guest 2, given nothing, cannot even read it.
. "${builddir:-.}/functions.sh"
requires command -v xenstore-read
requires command -v xenstore-chmod
access=${builddir:-.}/xenstore/test-store-access

start_sim_world world
sim_domain_create 1
sim_domain_create 2

# Its own directory.
in_guest 1 xenstore-write /local/domain/1/data/greeting hello ||
	fail "guest 1 cannot write its own /local/domain/1/data"
[ "$(in_guest 1 xenstore-read /local/domain/1/data/greeting)" = hello ] ||
	fail "guest 1 cannot read back its own node"
[ "$(xenstore-read /local/domain/1/data/greeting)" = hello ] ||
	fail "dom0 does not see what guest 1 wrote"

# A backend directory as a toolstack makes it: owned by dom0, readable by
# the frontend's domain (new nodes inherit their parent's permissions).
be=/local/domain/0/backend/vbd/1/51712
xenstore-write "$be/state" 2 "$be/params" /dev/null ||
	hard_error "dom0 cannot write $be"
xenstore-chmod -r "$be" n0 r1 || hard_error "xenstore-chmod $be"

[ "$(in_guest 1 xenstore-read "$be/state")" = 2 ] ||
	fail "guest 1 cannot read its backend's state"

in_guest 1 xenstore-write "$be/state" 4 2>/dev/null &&
	fail "guest 1 could write its backend's state (xenstore-write)"
# The tools do not say why: the errno, through libxenstore.
out=$(in_guest 1 "$access" write "$be/state" 4 2>&1) &&
	fail "guest 1 could write its backend's state"
case $out in
*"Permission denied"*) ;;
*) fail "guest 1 writing $be/state: '$out', not Permission denied" ;;
esac
[ "$(xenstore-read "$be/state")" = 2 ] ||
	fail "the backend's state changed"

in_guest 2 xenstore-read "$be/state" >/dev/null 2>&1 &&
	fail "guest 2 could read another guest's backend (xenstore-read)"
out=$(in_guest 2 "$access" read "$be/state" 2>&1) &&
	fail "guest 2 could read another guest's backend"
case $out in
*"Permission denied"*) ;;
*) fail "guest 2 reading $be/state: '$out', not Permission denied" ;;
esac
exit 0
