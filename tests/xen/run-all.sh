#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/xen/run-all.sh - every real-Xen scenario, in one boot of Xen + dom0
# under QEMU (see run.sh), ending with the line
#   xen-e2e: N passed, N failed, N skipped
# Exit status: 0 nothing failed (skips allowed), 1 something failed, 77
# everything was skipped (no QEMU, no packages, nothing built).
#
#   tests/xen/run-all.sh [--build DIR] [--timeout SECS]
set -uo pipefail

dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Cheapest first: the harness's own proof, then our halves against Linux,
# then the longest.
order=(harness-blkback-smoke xenpvfront-on-blkback xenpvfront-on-xenpvd
       blkfront-on-xenpvd blkfront-on-xenpvd-variants
       xl-create-shutdown xl-block-attach-detach xl-block-attach-dom0
       xl-destroy-during-io)
all=()
for s in "${order[@]}"; do
	[ -f "$dir/scenarios/$s.sh" ] && all+=("$s")
done
for f in "$dir"/scenarios/*.sh; do
	s=$(basename "$f" .sh)
	case $s in selftest-*) continue ;; esac	# the harness's, by hand
	case " ${all[*]} " in *" $s "*) ;; *) all+=("$s") ;; esac
done

t0=$SECONDS
out=$("$dir/run.sh" "$@" "${all[@]}")
rc=$?
printf '%s\n' "$out"
npass=$(printf '%s\n' "$out" | grep -c '^PASS ')
nfail=$(printf '%s\n' "$out" | grep -c '^FAIL ')
nskip=$(printf '%s\n' "$out" | grep -c '^SKIP ')
# run.sh failing without a line per scenario (usage, setup error) counts
# every scenario without a line as failed.
missing=$(( ${#all[@]} - npass - nfail - nskip ))
[ $missing -gt 0 ] && nfail=$((nfail + missing))
echo "xen-e2e: run-all took $((SECONDS - t0))s" >&2
echo "xen-e2e: $npass passed, $nfail failed, $nskip skipped"
if [ $nfail -gt 0 ] || { [ $rc -ne 0 ] && [ $rc -ne 77 ]; }; then
	exit 1
fi
[ $npass -eq 0 ] && [ $nskip -gt 0 ] && exit 77
exit 0
