#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# quickstart.sh - the two commands of README.md.
#
#   tools/quickstart.sh demo    install what is missing, build, and run the
#                               main job on the simulated platform
#   tools/quickstart.sh check   install what is missing, build, and pass the
#                               whole test suite: a normal build, an
#                               ASan+UBSan build, the threaded tests under
#                               TSan, the real-Xen scenarios
#                               (tests/xen; XENPVD_SKIP_XEN=1 skips them),
#                               then make distcheck
#
# Both can be run again: packages are installed only when missing, and the
# builds (build/ and build-san/ beside the sources) are reused.  Needs root
# for apt-get when something is missing.  Exits non-zero on any failure.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)

# Debian packages: the build, the real xenstored the sim platform runs,
# the xenstore tools the tests use as independent peers, fio for baselines,
# iproute2, iperf3 and ping for the net channel's Linux-stack tests, its
# benchmark and the demo's net part.
build_pkgs=(build-essential autoconf automake libtool pkg-config
	    libxen-dev liburing-dev xen-utils-4.17 xenstore-utils)
check_pkgs=(strace fio python3 diod iproute2 iperf3 iputils-ping)
tsan_tests="blk/test-backend-queues.sh blk/test-restart.sh"
tsan_tests+=" blk/test-restart-term.sh blk/test-blk-two-guests.sh"
tsan_tests+=" blk/test-blk-detach-during-io.sh"
tsan_tests+=" frontend/test-frontend-default.sh"
tsan_tests+=" frontend/test-frontend-reconnect.sh"
tsan_tests+=" 9pfs/test-p9srv 9pfs/test-9pfs-ring-fill.sh"
tsan_tests+=" 9pfs/test-9pfs-ring-concurrent.sh frontend/test-9pfs-front.sh"
tsan_tests+=" net/test-net-basic.sh frontend/test-net-restart.sh"
tsan_tests+=" net/test-net-stack-tcp.sh net/test-net-mcast-restart.sh"
tsan_tests+=" net/test-net-rx-stall.sh net/test-net-rx-slow.sh"
demo_pkgs=(fio python3 iproute2 iperf3 iputils-ping)

say() { printf 'quickstart: %s\n' "$*"; }
die() { printf 'quickstart: error: %s\n' "$*" >&2; exit 1; }

install_missing() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing: ${missing[*]}"
	local sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -qq
	# xen-utils' post-install complains that there is no hypervisor:
	# harmless here, we only want its xenstored.
	"${sudo[@]}" apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
}

# configure_build DIR [configure args...]: a VPATH build in $src/DIR.
configure_build() {
	local name=$1 dir=$src/$1
	shift
	if [ -f "$src/config.status" ]; then
		die "the source tree is configured in-tree; run 'make distclean' in $src first"
	fi
	if [ ! -x "$src/configure" ]; then
		say "autoreconf"
		(cd "$src" && autoreconf -fi) >/dev/null
	fi
	mkdir -p "$dir"
	if [ ! -f "$dir/config.status" ] ||
	   [ "$(cat "$dir/.quickstart-args" 2>/dev/null)" != "$*" ]; then
		say "configure $name $*"
		(cd "$dir" && "$src/configure" "$@" >configure.out) ||
			die "configure failed, see $dir/config.log"
		printf '%s' "$*" >"$dir/.quickstart-args"
	fi
	say "make in $name"
	make -C "$dir" -j"$jobs" >"$dir/make.out" 2>&1 ||
		{ tail -n 40 "$dir/make.out"; die "build failed in $dir"; }
}

# run_check DIR [MAKE-ARGS...]: make check, printing the failures' logs.
run_check() {
	local dir=$src/$1 rc=0
	shift
	say "make check in ${dir#"$src"/} $*"
	make -C "$dir" -j"$jobs" check "$@" >"$dir/check.out" 2>&1 || rc=$?
	grep -E '^(PASS|FAIL|XFAIL|XPASS|SKIP|ERROR):' "$dir/check.out" || true
	if [ $rc -ne 0 ]; then
		find "$dir" -name test-suite.log -exec cat {} \; | head -n 300
		tail -n 20 "$dir/check.out"
	fi
	return $rc
}

# What a failed distcheck left: the failing tests' logs (the tree stays
# when distcheck fails), then the end of its output.
distcheck_failed() {
	find "$src/build" -path '*/_build/*' -name test-suite.log \
		-exec cat {} \; 2>/dev/null | head -n 400
	tail -n 60 "$src/build/distcheck.out"
}

# Sums the automake summaries of every check.out into one closing line.
summary() {
	local pass=0 fail=0 skip=0 f n
	for f in "$@"; do
		[ -f "$f" ] || continue
		n=$(grep -E '^# PASS: ' "$f" | awk '{s+=$3} END {print s+0}')
		pass=$((pass + n))
		n=$(grep -E '^# (FAIL|ERROR|XPASS): ' "$f" | awk '{s+=$3} END {print s+0}')
		fail=$((fail + n))
		n=$(grep -E '^# SKIP: ' "$f" | awk '{s+=$3} END {print s+0}')
		skip=$((skip + n))
	done
	echo "check: $pass passed, $fail failed, $skip skipped"
}

# The real-Xen scenarios (tests/xen).  Under software emulation dom0
# processes sometimes die of heap corruption for reasons of the
# emulator's (see tests/xen/README.md).  A failed scenario is run once
# more, alone, only when its part of the serial log shows such a crash
# (or it gave no result and the boot's log shows one); any other failure
# fails check at once.  The first failure's log is kept and its path said.
# The signatures are tests/xen/lib.sh's XEN_CRASH_RE, read by run_xen.

# xen_crashed NAME LOG: whether LOG shows an emulation crash for NAME.
xen_crashed() {
	local name=$1 log=$2
	[ -f "$log" ] || return 1
	tr -d '\r' <"$log" | grep -a "^\[$name\] " | grep -aEq "$XEN_CRASH_RE" &&
		return 0
	# No result at all: dom0 itself may have lost the runner.
	tr -d '\r' <"$log" | grep -aq "XENPV-RESULT [A-Z]* $name" && return 1
	tr -d '\r' <"$log" | grep -aEq "$XEN_CRASH_RE"
}

run_xen() {
	local xrc=0 out=$src/build/xen-e2e.out failed name log kept
	local XEN_CRASH_RE	# for xen_crashed; lib.sh has no side effects
	XEN_CRASH_RE=$(. "$src/tests/xen/lib.sh" && printf '%s' "$XEN_CRASH_RE")
	say "real Xen under QEMU: tests/xen/run-all.sh (XENPVD_SKIP_XEN=1 skips)"
	"$src/tests/xen/run-all.sh" --build "$src/build" 2>&1 | tee "$out" ||
		xrc=${PIPESTATUS[0]}
	[ $xrc -eq 0 ] || [ $xrc -eq 77 ] && return 0
	failed=$(sed -n 's/^FAIL \([^:]*\):.*/\1/p' "$out")
	log=$(sed -n 's/.*serial log \(.*\)$/\1/p' "$out" | tail -n 1)
	[ -n "$failed" ] || return 1
	for name in $failed; do
		kept=$src/build/xen-first-failure-$name.log
		[ -f "$log" ] && cp "$log" "$kept"
		say "$name failed; its first log: $kept"
		if ! xen_crashed "$name" "$log"; then
			say "$name: no emulation crash in its log: not retried"
			return 1
		fi
		say "retrying $name once: its log shows an emulation crash" \
			"($(tr -d '\r' <"$log" | grep -aEo "$XEN_CRASH_RE" | head -n 1))"
		"$src/tests/xen/run.sh" --build "$src/build" "$name" || return 1
	done
	return 0
}

cmd_check() {
	install_missing "${build_pkgs[@]}" "${check_pkgs[@]}"
	local rc=0
	configure_build build --enable-werror
	run_check build || rc=1
	configure_build build-san --enable-werror --enable-sanitizers
	run_check build-san || rc=1
	# ThreadSanitizer on the tests where threads meet: several queues
	# (a worker each), restarts (workers stopped off the main thread),
	# two guests on one daemon, the frontend's reconnects.
	configure_build build-tsan --enable-werror --enable-sanitizers=thread
	run_check build-tsan TESTS="$tsan_tests" || rc=1
	# Real Xen + Linux PV drivers under QEMU (TCG): a failure fails check,
	# a skip (77: no QEMU or packages) does not.
	if [ "${XENPVD_SKIP_XEN:-0}" != 1 ]; then
		run_xen || rc=1
	fi
	if [ "${XENPVD_SKIP_DISTCHECK:-0}" != 1 ]; then
		say "make distcheck"
		make -C "$src/build" -j"$jobs" distcheck \
			>"$src/build/distcheck.out" 2>&1 ||
			{ distcheck_failed; rc=1; }
	fi
	summary "$src/build/check.out" "$src/build-san/check.out" \
		"$src/build-tsan/check.out"
	[ $rc -eq 0 ] || die "the test suite failed"
	say "all checks passed"
}

cmd_demo() {
	install_missing "${build_pkgs[@]}" "${demo_pkgs[@]}"
	# The same configuration as check's first build, so both reuse it.
	configure_build build --enable-werror
	exec "$src/tools/demo.sh" "$src/build"
}

case "${1:-}" in
check) cmd_check ;;
demo) cmd_demo ;;
*)
	echo "usage: $0 demo|check" >&2
	exit 2
	;;
esac
