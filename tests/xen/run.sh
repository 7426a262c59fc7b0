#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/xen/run.sh - runs real-Xen scenarios in one boot of Xen + a Linux
# PV dom0 under qemu-system-x86_64 (TCG).
#
#   tests/xen/run.sh [--build DIR] [--timeout SECS] [--list] SCENARIO...
#
# Prints one line per scenario, `PASS <name>`, `FAIL <name>: <why>` or
# `SKIP <name>: <why>`, and the path of the serial log.  Exit status: 0 all
# passed, 1 something failed, 77 everything was skipped (QEMU or the
# packages cannot be had, or our build lacks what the scenarios need).  The
# boot has a hard time limit and QEMU is killed by its pid on every exit.
# A boot whose dom0 wedges (no heartbeat for XEN_WEDGE_SECS, lib.sh) is
# killed at once, and the scenarios it did not finish run again in one
# fresh boot, which is said; a second wedge fails them (its log kept).
#
# Environment: XENPVD_BUILD (our build tree, default ../../build, else the
# source tree), XENPVD_XEN_CACHE (image cache), XENPVD_XEN_LOGDIR (serial
# logs, default <cache>/logs, the last 30 kept), XENPVD_XEN_SCENARIO_TIMEOUT
# (per scenario, in dom0; default 300; a scenario may ask for more with a
# "# xpv-timeout: N" line).
set -euo pipefail

XEN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$XEN_DIR/lib.sh"

build= boot_timeout= scen=()
scen_timeout=${XENPVD_XEN_SCENARIO_TIMEOUT:-300}
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--build=*) build=${1#*=}; shift ;;
	--timeout) boot_timeout=$2; shift 2 ;;
	--timeout=*) boot_timeout=${1#*=}; shift ;;
	--list)
		ls "$XEN_DIR/scenarios" | sed -n 's/\.sh$//p'
		exit 0 ;;
	-h|--help) sed -n '3,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) scen+=("$1"); shift ;;
	esac
done
[ ${#scen[@]} -gt 0 ] || { echo "usage: run.sh [--build DIR] SCENARIO..." >&2; exit 2; }
for s in "${scen[@]}"; do
	[ -f "$XEN_DIR/scenarios/$s.sh" ] ||
		{ echo "run.sh: no scenario '$s'" >&2; exit 2; }
done
# The boot's limit: the dom0 start, then each scenario's own limit.
if [ -z "$boot_timeout" ]; then
	boot_timeout=120
	for s in "${scen[@]}"; do
		own=$(sed -n 's/^# xpv-timeout: *\([0-9]*\).*/\1/p' \
			"$XEN_DIR/scenarios/$s.sh")
		boot_timeout=$((boot_timeout + ${own:-$scen_timeout} + 30))
	done
fi

# Everything skipped: one line per scenario, exit 77.
skip_all() {
	local s
	for s in "${scen[@]}"; do echo "SKIP $s: $*"; done
	exit 77
}

tmp=
cleanup() {
	xen_kill_qemu
	[ -z "$tmp" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# xen_skip exits 77 from these; turn that into one line per scenario.
reason=$( (xen_need_pkgs) 2>&1 >/dev/null) || {
	rc=$?
	[ $rc -eq 77 ] && skip_all "${reason##*SKIP: }"
	echo "$reason" >&2; exit 99
}
[ -r /dev/kvm ] || true # TCG only: /dev/kvm here cannot run Xen.
reason=$( (xen_find_build "$build") 2>&1) ||
	skip_all "${reason##*SKIP: }"
xen_find_build "$build"
xen_cache_prepare

logdir=${XENPVD_XEN_LOGDIR:-$XEN_CACHE/logs}
mkdir -p "$logdir"
label=${scen[0]}
[ ${#scen[@]} -eq 1 ] || label=$label+$((${#scen[@]} - 1))
log=$logdir/$(date +%Y%m%d-%H%M%S)-$label.log
ls -1t "$logdir"/*.log 2>/dev/null | tail -n +30 | xargs -r rm -f || true

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xen-e2e.XXXXXX")
xen_overlay "$tmp/overlay.cpio" "${scen[@]}"
echo "$scen_timeout" >"$tmp/timeout"
# The per-scenario limit travels in its own small archive.
(cd "$tmp" && mkdir -p r/xpv && cp timeout r/xpv/scenario-timeout &&
	cd r && echo ./xpv/scenario-timeout | cpio -o -H newc -R 0:0 --quiet \
	>"$tmp/limit.cpio")
cat "$XEN_IMG/dom0-base.cpio" "$tmp/overlay.cpio" "$tmp/limit.cpio" \
	>"$tmp/dom0.cpio"

t0=$SECONDS
brc=0
xen_boot "$tmp/dom0.cpio" "$log" "$boot_timeout" || brc=$?
boot_s=$((SECONDS - t0))

tr -d '\r' <"$log" >"$tmp/log"
npass=0 nfail=0 nskip=0 rerun=()
for s in "${scen[@]}"; do
	# (|| true: under pipefail a grep that finds nothing would end
	# the script here, without the line this scenario is owed.)
	line=$(grep -a -o "XENPV-RESULT [A-Z]* $s\(:.*\)\{0,1\}\$" "$tmp/log" |
		head -n 1 | sed 's/^XENPV-RESULT //') || true
	if [ -z "$line" ] && [ $brc -eq 125 ] &&
		[ -z "${XENPVD_XEN_WEDGE_RERUN:-}" ]; then
		rerun+=("$s")
		continue
	fi
	if [ -z "$line" ]; then
		why=$(grep -a -o 'XENPV-RESULT-ALL FAIL .*' "$tmp/log" | head -n 1 |
			sed 's/^XENPV-RESULT-ALL FAIL //') || true
		if [ -z "$why" ]; then
			if [ $brc -eq 125 ]; then
				why="no result: dom0 wedged again (no heartbeat)"
			elif [ $brc -eq 124 ]; then
				why="no result: the boot timed out after ${boot_timeout}s"
			elif grep -aq 'Kernel panic\|Panic on CPU' "$tmp/log"; then
				why="no result: $(grep -a -m1 -o 'Kernel panic.*\|Panic on CPU.*' "$tmp/log")"
			else
				why="no result in the serial log"
			fi
		fi
		line="FAIL $s: $why"
	fi
	secs=$(grep -a -o "XENPV-END $s seconds [0-9.]*" "$tmp/log" | head -n 1 |
		awk '{ print $4 }') || true
	echo "$line"
	[ -n "$secs" ] && xen_say "$s took ${secs}s in dom0"
	case "$line" in
	PASS*) npass=$((npass + 1)) ;;
	SKIP*) nskip=$((nskip + 1)) ;;
	*) nfail=$((nfail + 1)) ;;
	esac
done
xen_say "boot ${boot_s}s (QEMU start to exit), serial log $log"
if [ ${#rerun[@]} -gt 0 ]; then
	# The emulation wedged, not a scenario: those it did not finish get
	# one fresh boot (the wedged boot's log stays, named above).
	xen_say "dom0 wedged during ${rerun[0]}; running the ${#rerun[@]}" \
		"scenario(s) it did not finish in a fresh boot: ${rerun[*]}"
	rrc=0
	XENPVD_XEN_WEDGE_RERUN=1 "$0" ${build:+--build "$build"} "${rerun[@]}" ||
		rrc=$?
	case $rrc in
	0) npass=$((npass + ${#rerun[@]})) ;;
	77) nskip=$((nskip + ${#rerun[@]})) ;;
	*) nfail=$((nfail + 1)) ;;
	esac
fi
[ $nfail -eq 0 ] || exit 1
[ $npass -eq 0 ] && [ $nskip -gt 0 ] && exit 77
exit 0
