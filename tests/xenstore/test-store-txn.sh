#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-store-txn.sh - of two conflicting transactions the second to end
# fails with EAGAIN, in dom0 and between two clients of a sim guest's
# xenbus relay (transaction ids pass through the relay).
. "${builddir:-.}/functions.sh"

start_sim_world world
sim_domain_create 1

"${builddir:-.}/xenstore/test-store-txn" conflict /tool/txn || fail "in dom0"
in_guest 1 "${builddir:-.}/xenstore/test-store-txn" \
	conflict /local/domain/1/data ||
	fail "in guest 1"
exit 0
