#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-store-cleanup.sh - when a client of a sim guest's xenbus relay goes
# away, the relay removes its watches and aborts its transactions, as
# Linux's /dev/xen/xenbus does: many clients that leave watches and
# transactions behind do not exhaust the guest's quotas in xenstored
# (128 watches per domain, 10 transactions per connection by default).
. "${builddir:-.}/functions.sh"

start_sim_world world
sim_domain_create 1

in_guest 1 "${builddir:-.}/xenstore/test-store-txn" \
	leak /local/domain/1/data 25 ||
	fail "abandoned transactions"
in_guest 1 "${builddir:-.}/xenstore/test-store-watch" \
	leak /local/domain/1/data 200 ||
	fail "abandoned watches"
exit 0
