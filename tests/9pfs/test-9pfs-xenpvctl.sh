#!/bin/bash
# SPDX-License-Identifier: MIT
# xenpvctl p9 (tools/ctl-p9io.c), the guest's side of a share through
# libxenpvfront, against xenpvd --type=9pfs on a sim world: put of files
# (empty, small, several msize parts, from stdin) lands byte for byte in
# the host directory and cat gives them back; put truncates what it
# replaces; ls lists the root and a subdirectory (-l with sizes), and a
# missing path fails; each bench mode, with tiny sizes, prints its one
# result line, through the share and with --direct-path on the host, and
# leaves nothing behind; bad arguments are usage errors (2); past the
# daemon's file size limit a put fails with EFBIG and the daemon lives.
. ./functions.sh
. "$top_srcdir/tests/9pfs/test-9pfs-ring-common.sh"
requires which cmp
p9_setup
p9_share 0 "$EXPORT" || fail "p9-attach"

g() { # xenpvctl p9 ARGS... as the guest
	(eval "$P9_GUEST_ENV" && exec "$CTL" p9 "$@")
}
xpv_tmpdir T

# put, then cat back equal, on both sides.
head -c $((3 * 1048576 + 4321)) /dev/urandom >"$T/big" || hard_error "big"
echo "hello from the guest" >"$T/small"
: >"$T/empty"
mkdir "$EXPORT/sub" "$EXPORT/a-dir" || hard_error "mkdir"
out=$(g put "$T/big" sub/big) || fail "put big: $out"
[ "$out" = "p9 put: sub/big bytes=$((3 * 1048576 + 4321))" ] ||
	fail "put's line: $out"
g put "$T/small" small >/dev/null || fail "put small"
g put "$T/empty" empty >/dev/null || fail "put empty"
g put - stdin <"$T/small" >/dev/null || fail "put from stdin"
cmp "$EXPORT/sub/big" "$T/big" || fail "host side: sub/big differs"
cmp "$EXPORT/small" "$T/small" || fail "host side: small differs"
cmp "$EXPORT/stdin" "$T/small" || fail "host side: stdin differs"
[ -f "$EXPORT/empty" ] && [ ! -s "$EXPORT/empty" ] || fail "empty"
for f in sub/big small empty stdin; do
	g cat "$f" >"$T/back" || fail "cat $f"
	cmp "$T/back" "$EXPORT/$f" || fail "cat $f differs"
done
# At the smallest msize too: many parts per call.
g cat --msize 4096 --ring-order 1 sub/big >"$T/back" || fail "cat small msize"
cmp "$T/back" "$T/big" || fail "cat at msize 4096 differs"
# put over a longer file truncates it.
g put "$T/small" sub/big >/dev/null || fail "put over"
cmp "$EXPORT/sub/big" "$T/small" || fail "put did not replace sub/big"
g cat nothing-here >/dev/null 2>&1 && fail "cat of a missing file worked"
g put "$T/small" no/such/dir/f >/dev/null 2>&1 && fail "put into nowhere"

# ls: sorted names, '/' after directories; -l with sizes.
out=$(g ls) || fail "ls"
[ "$out" = "$(printf 'a-dir/\nempty\nsmall\nstdin\nsub/')" ] || fail "ls: $out"
out=$(g ls sub) || fail "ls sub"
[ "$out" = "big" ] || fail "ls sub: $out"
out=$(g ls -l sub) || fail "ls -l sub"
grep -qE "^0100[0-7]{3} +21 big$" <<<"$out" || fail "ls -l sub: $out"
out=$(g ls small) || fail "ls of a file"
[ "$out" = "small" ] || fail "ls of a file: $out"
g ls nothing-here >/dev/null 2>&1 && fail "ls of a missing path worked"

# bench: every mode prints its line; through the share and direct.
line() { # MODE ARGS...: the output must be one p9bench line of MODE
	local mode=$1 out
	shift
	out=$("$@") || fail "bench $mode: $out"
	echo "$out"
	[ "$(wc -l <<<"$out")" = 1 ] || fail "bench $mode: not one line"
	grep -qE "^p9bench: target=(9p|direct) rw=$mode .*errors=0 " <<<"$out" ||
		fail "bench $mode: $out"
	grep -qE " p50_us=[0-9.]+ p99_us=[0-9.]+ " <<<"$out" ||
		fail "bench $mode: no latency: $out"
}
head -c 4194304 /dev/urandom >"$EXPORT/data" || hard_error "data"
line write g bench --rw write --file w.dat --size 2M --bs 256k
[ "$(stat -c %s "$EXPORT/w.dat")" = 2097152 ] || fail "bench write: size"
line read g bench --rw read --file data --size 2M
line read g bench --rw read --file data --bs 100000 --runtime 1
line randread g bench --rw randread --file data --runtime 1
line randread g bench --rw randread --file data --iodepth 8 --runtime 1
line meta g bench --rw meta --files 50
[ ! -e "$EXPORT/p9bench-meta" ] || fail "bench meta left its directory"
line read "$CTL" p9 bench --rw read --direct-path "$EXPORT/data" --size 2M
line randread "$CTL" p9 bench --rw randread --direct-path "$EXPORT/data" \
	--iodepth 4 --runtime 1
line meta "$CTL" p9 bench --rw meta --files 50 --direct-path "$T/meta"
[ ! -e "$T/meta" ] || fail "direct meta left its directory"
out=$(g bench --rw read --file data --size 1M)
grep -q " bytes=1048576 " <<<"$out" || fail "bench read --size 1M: $out"
out=$(g bench --rw randread --file data --runtime 1 --iodepth 4)
grep -qE " ops=[1-9][0-9]* " <<<"$out" || fail "randread did nothing: $out"

# Usage errors are 2, failures 1.
rc=0; g bench --rw sideways >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "bench --rw sideways: $rc"
rc=0; g bench --rw read --iodepth 4 >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "bench read --iodepth 4: $rc"
rc=0; g frobnicate >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "p9 frobnicate: $rc"
rc=0; g cat >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "cat without a path: $rc"
rc=0; g bench --rw read --file nothing-here >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "bench of a missing file: $rc"
rc=0; (eval "$P9_GUEST_ENV" && exec "$CTL" p9 ls --devid 7) \
	>/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "ls of a share that does not exist: $rc"

# A file size limit on the daemon (RLIMIT_FSIZE, systemd's LimitFSIZE=):
# a guest writing past it gets EFBIG, and the daemon is not killed by
# SIGXFSZ; the bytes below the limit are written.
if command -v prlimit >/dev/null; then
	prlimit --pid "$XPVD_PID" --fsize=1048576: || hard_error "prlimit"
	rc=0
	# (A daemon killed leaves the guest waiting: bounded.)
	head -c 2097152 /dev/zero | (eval "$P9_GUEST_ENV" &&
		exec timeout 30 "$CTL" p9 put - toolarge) >/dev/null 2>"$T/err" ||
		rc=$?
	[ "$rc" = 1 ] || fail "put past the daemon's file size limit: rc $rc"
	grep -q "File too large" "$T/err" || fail "put past it: $(cat "$T/err")"
	kill -0 "$XPVD_PID" 2>/dev/null || fail "xenpvd died at the limit"
	[ "$(stat -c %s "$EXPORT/toolarge")" = 1048576 ] ||
		fail "toolarge: $(stat -c %s "$EXPORT/toolarge") bytes"
	prlimit --pid "$XPVD_PID" --fsize=unlimited: || hard_error "prlimit back"
	g put "$T/small" after-limit >/dev/null || fail "put after the limit"
	cmp "$EXPORT/after-limit" "$T/small" || fail "after-limit differs"
else
	echo "no prlimit: the file size limit is not checked"
fi

# The daemon counted it all, and xenpvctl stats shows the share.
out=$("$CTL" stats --socket "$XPVD_SOCK") || fail "xenpvctl stats"
echo "$out"
grep -qE "^ +$P9_GUEST +0 .*$EXPORT" <<<"$out" || fail "stats: no share"
# The server's part of the round trips, and of it the payload moves.
out=$("$CTL" stats --socket "$XPVD_SOCK" --json) || fail "stats --json"
svc=$(grep -o '"service_us":[0-9]*' <<<"$out" | head -n 1 | cut -d: -f2)
mv=$(grep -o '"move_us":[0-9]*' <<<"$out" | head -n 1 | cut -d: -f2)
[ -n "$svc" ] && [ -n "$mv" ] || fail "stats --json: no service_us/move_us"
[ "$mv" -gt 0 ] && [ "$svc" -ge "$mv" ] ||
	fail "stats: service_us $svc, move_us $mv"
p9_canary_intact
p9_alive
