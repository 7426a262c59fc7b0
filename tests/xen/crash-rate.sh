#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/xen/crash-rate.sh - how often the emulated machine kills dom0
# processes or wedges, for one machine configuration: N boots back to back,
# each of the whole scenario set (run-all.sh), of the named scenarios, or
# with --stress of selftest-stress (a busy guest and 150 s of dom0 forks:
# a quicker comparison).  Not a test: a measurement for the table in
# tests/xen/README.md.
#
#   tests/xen/crash-rate.sh [--build DIR] [--boots N] [--stress | SCENARIO...]
#
# The configuration comes from the environment, as lib.sh's xen_boot reads
# it: XEN_QEMU_ACCEL, XEN_QEMU_CPU, XEN_QEMU_SMP, XEN_DOM0_VCPUS,
# XEN_ARGS_EXTRA.  Per boot it prints
#   crash-rate: boot I: crash_lines=N kernel_kills=N wedges=N failed=N seconds=S [stress...]
# and at the end one line:
#   crash-rate: config="..." boots=N crashed=K wedged=W failed_boots=F crash_lines=L kernel_kills=M minutes_per_boot=T
# crash_lines: lines of a boot's serial logs matching XEN_CRASH_RE (one
# crash may give two: bash's and the kernel's); kernel_kills: the kernel's
# segfault and trap lines; crashed: boots with a crash line; wedged: boots
# that lost dom0 (run.sh boots again for what is left, said in its output).
set -uo pipefail

dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$dir/lib.sh"

build= boots=10 stress=0 scen=()
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--build=*) build=${1#*=}; shift ;;
	--boots) boots=$2; shift 2 ;;
	--boots=*) boots=${1#*=}; shift ;;
	--stress) stress=1; shift ;;
	-h|--help) sed -n '3,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "crash-rate.sh: unknown option $1" >&2; exit 2 ;;
	*) scen+=("$1"); shift ;;
	esac
done
case $boots in ''|*[!0-9]*|0) echo "crash-rate.sh: --boots N (N >= 1)" >&2; exit 2 ;; esac
bargs=()
[ -n "$build" ] && bargs=(--build "$build")

config="cpu=${XEN_QEMU_CPU:-$XEN_QEMU_CPU_DEFAULT} smp=${XEN_QEMU_SMP:-2}"
config+=" dom0_vcpus=${XEN_DOM0_VCPUS:-${XEN_QEMU_SMP:-2}}"
config+=" accel=${XEN_QEMU_ACCEL:-tcg,thread=multi}"
config+=" xen=\"${XEN_ARGS_EXTRA-$XEN_ARGS_DEFAULT}\""

out=$(mktemp /tmp/crash-rate.XXXXXX)
trap 'rm -f "$out"' EXIT
crashed=0 wedged=0 failed_boots=0 lines_all=0 kills_all=0 t_all=0
for ((b = 1; b <= boots; b++)); do
	t0=$SECONDS
	if [ $stress = 1 ]; then
		"$dir/run.sh" "${bargs[@]}" selftest-stress >"$out" 2>&1
	elif [ ${#scen[@]} -gt 0 ]; then
		"$dir/run.sh" "${bargs[@]}" "${scen[@]}" >"$out" 2>&1
	else
		"$dir/run-all.sh" "${bargs[@]}" >"$out" 2>&1
	fi
	rc=$?
	secs=$((SECONDS - t0))
	if [ $rc = 77 ]; then
		tail -n 3 "$out" >&2
		echo "crash-rate: the boots are skipped here (77)"
		exit 77
	fi
	lines=0 kills=0 extra=
	while IFS= read -r log; do
		[ -f "$log" ] || continue
		n=$(tr -d '\r' <"$log" | grep -a -c -E "$XEN_CRASH_RE")
		k=$(tr -d '\r' <"$log" | grep -a -c -E 'kernel: .*(segfault at|traps: )')
		lines=$((lines + n)) kills=$((kills + k))
		[ -n "$extra" ] || extra=$(tr -d '\r' <"$log" |
			grep -a -o 'stress: iterations=.*' | head -n 1)
	done < <(sed -n 's/.*serial log \(.*\)$/\1/p' "$out")
	w=$(grep -c 'dom0 wedged' "$out")
	f=$(grep -c '^FAIL ' "$out")
	echo "crash-rate: boot $b: crash_lines=$lines kernel_kills=$kills" \
		"wedges=$w failed=$f seconds=$secs${extra:+ $extra}"
	grep '^FAIL ' "$out" | sed 's/^/crash-rate:   /'
	[ $lines -gt 0 ] && crashed=$((crashed + 1))
	[ "$w" -gt 0 ] && wedged=$((wedged + 1))
	[ "$f" -gt 0 ] && failed_boots=$((failed_boots + 1))
	lines_all=$((lines_all + lines)) kills_all=$((kills_all + kills))
	t_all=$((t_all + secs))
done
echo "crash-rate: config=\"$config\" boots=$boots crashed=$crashed" \
	"wedged=$wedged failed_boots=$failed_boots crash_lines=$lines_all" \
	"kernel_kills=$kills_all minutes_per_boot=$((t_all / boots / 60))"
