#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run.sh TARGET SECONDS - build one libFuzzer target and run it.
#
# TARGET is blkif-request, flex-ring, xs-parse or net-tx.  The build is out
# of tree in $XPV_FUZZ_DIR (default /tmp/xenpvd-fuzz-build): a copy of this
# source tree without its build products (the tree itself may be configured
# in place, and automake refuses VPATH builds from a configured tree), then
# configure CC=clang --enable-fuzzing there.  The fuzzer starts from the
# in-tree seed corpus (tests/fuzz/corpus/TARGET) plus a working corpus kept
# in $XPV_FUZZ_DIR between runs; at the end the inputs that add coverage
# are merged (libFuzzer -merge=1) into the in-tree corpus, and a crashing
# input is copied to tests/fuzz/crashes/TARGET/.  Extra arguments go to the
# fuzzer (e.g. -jobs=2, -only_ascii=1).
# TARGET may also be 9p-server, whose corpus and crashes directories are
# named fuzz-9p-server.
#
# Exit 0 when the run ended without a crash, 1 on a crash, 2 on misuse,
# 99 when the build fails.
set -eu -o pipefail

usage() {
	echo "usage: $0 blkif-request|flex-ring|xs-parse|9p-server|net-tx" \
		"SECONDS [FUZZER-ARGS]" >&2
	exit 2
}

[ $# -ge 2 ] || usage
target=$1
secs=$2
shift 2
case $target in
blkif-request | flex-ring) max_len=8192 ;;
net-tx) max_len=4096 ;;
xs-parse) max_len=512 ;;
9p-server) max_len=16384 ;;
*) usage ;;
esac
corpus=$target
[ "$target" != 9p-server ] || corpus=fuzz-9p-server
case $secs in
'' | *[!0-9]*) usage ;;
esac

src=$(cd "$(dirname "$0")/../.." && pwd)
work=${XPV_FUZZ_DIR:-/tmp/xenpvd-fuzz-build}
CC=${CC:-clang}
command -v "$CC" >/dev/null || {
	echo "$CC not found (apt-get install clang)" >&2
	exit 99
}

# A fresh copy of the sources, modification times kept so that the build
# directory rebuilds only what changed.
mkdir -p "$work/build"
rm -rf "$work/src.new"
mkdir "$work/src.new"
tar -C "$src" -cf - \
	--exclude=.git --exclude=autom4te.cache \
	--exclude='*.o' --exclude='*.lo' --exclude='*.la' --exclude=.libs \
	--exclude=.deps --exclude=.dirstamp --exclude=Makefile \
	--exclude=config.status --exclude=config.log --exclude=config.h \
	--exclude=stamp-h1 --exclude=libtool --exclude='*.log' \
	--exclude='*.trs' --exclude='*.pc' --exclude='*.tar.gz' \
	--exclude=./tests/fuzz/corpus --exclude=./tests/fuzz/crashes . |
	tar -C "$work/src.new" -xf -
rm -rf "$work/src"
mv "$work/src.new" "$work/src"
if [ ! -x "$work/src/configure" ]; then
	(cd "$work/src" && autoreconf -fi) || exit 99
fi
if [ ! -f "$work/build/Makefile" ]; then
	(cd "$work/build" &&
		"$work/src/configure" CC="$CC" --enable-fuzzing \
			--enable-werror >configure.out) || {
		echo "configure failed: $work/build/config.log" >&2
		exit 99
	}
fi
make -C "$work/build/tests" -j2 "fuzz/fuzz-$target" || exit 99

fuzzer=$work/build/tests/fuzz/fuzz-$target
seeds=$src/tests/fuzz/corpus/$corpus
live=$work/corpus/$target
art=$work/artifacts/$target
log=$work/$target.log
mkdir -p "$live" "$art" "$seeds"
rm -f "$art"/* # only this run's crashes are copied to the tree

# A smaller quarantine than ASan's 256 MiB: the machine is shared.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=32}

# New inputs go to the first directory, the working corpus; the tree's
# seeds are only read.
rc=0
"$fuzzer" -max_total_time="$secs" -max_len=$max_len -print_final_stats=1 \
	-artifact_prefix="$art/" "$@" "$live" "$seeds" 2>&1 | tee "$log" ||
	rc=$?

if grep -q -e '^==[0-9]*==ERROR' -e 'invariant broken' -e 'deadly signal' \
	"$log" || [ "$rc" -ne 0 ]; then
	crashes=$src/tests/fuzz/crashes/$corpus
	mkdir -p "$crashes"
	for f in "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-*
	do
		if [ -f "$f" ]; then
			cp -p "$f" "$crashes/"
		fi
	done
	echo "$target: crashed; inputs in $crashes, log $log" >&2
	exit 1
fi

# Keep the tree's corpus small: only inputs with new coverage join it.
"$fuzzer" -merge=1 -max_len=$max_len "$seeds" "$live" \
	>"$work/$target.merge.log" 2>&1

done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
echo "== $target, $secs s: $done_line"
grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$log" ||
	true
echo "== corpus: $(ls "$seeds" | wc -l) files," \
	"$(du -sb "$seeds" | cut -f1) bytes"
