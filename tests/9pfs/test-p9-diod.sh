#!/bin/bash
# SPDX-License-Identifier: MIT
# xenpvd's 9P server (p9-serve: the server on a unix socket) against
# another implementation's clients: Debian's diodls and diodcat (9P2000.L;
# Tauth first, taking ENOENT as "no authentication").  With msize 4096
# and 1 MiB: directories listed and files read match the host; symlinks
# are not followed out of the export; the socket is 0600 whatever the
# umask and goes away when the server stops.  Skips without diod's
# clients.
. ./functions.sh
requires command -v diodls
requires command -v diodcat

SERVE=./9pfs/p9-serve
[ -x "$SERVE" ] || hard_error "no $SERVE (not built)"

xpv_tmpdir T
EX=$T/export
mkdir "$EX" "$EX/sub" "$EX/empty" "$T/outside" || hard_error "mkdir"
echo canary >"$T/outside/canary"
printf 'hello\n' >"$EX/small"
: >"$EX/zero"
head -c 3000000 /dev/urandom >"$EX/big" || hard_error "big"
head -c 4085 /dev/urandom >"$EX/sub/msize-4096-minus-11"
for i in $(seq 1 150); do
	echo "$i" >"$EX/sub/file-with-a-long-name-number-$i"
done
echo spaced >"$EX/a name with spaces"
ln -s ../outside "$EX/evil"
ln -s ../outside/canary "$EX/canarylink"
ln -s /etc/passwd "$EX/passwd"

# The names diodls prints for DIR of the export, sorted (it also prints
# "." and ".." when it can stat them; they are dropped here).
list() { # msize dir
	diodls -s "$SOCK" -a "$EX" -m "$1" ${2:+"$2"} | grep -vx '\.\|\.\.' |
		sort
}
host_list() { # dir
	(cd "$EX/${1:-.}" && ls -A | sort)
}

for msize in 4096 1048576; do
	SOCK=$T/p9-$msize.sock
	(umask 000 && exec "$SERVE" "$EX" "$SOCK" "$msize") &
	pid=$!
	track_pid $pid
	for _ in $(seq 100); do
		[ -S "$SOCK" ] && break
		kill -0 $pid 2>/dev/null || hard_error "p9-serve exited"
		sleep 0.05
	done
	[ -S "$SOCK" ] || hard_error "no socket $SOCK"
	mode=$(stat -c %a "$SOCK")
	[ "$mode" = 600 ] || fail "socket mode $mode under umask 000"

	# Listings.
	[ "$(list $msize)" = "$(host_list)" ] ||
		fail "msize $msize: root listing differs: $(list $msize)"
	[ "$(list $msize sub)" = "$(host_list sub)" ] ||
		fail "msize $msize: sub listing differs"
	[ -z "$(list $msize empty)" ] || fail "msize $msize: empty not empty"
	# The long listing: sizes as on the host.
	out=$(diodls -s "$SOCK" -a "$EX" -m $msize -l) ||
		fail "msize $msize: diodls -l failed"
	size=$(awk '$NF == "big" { print $5 }' <<<"$out")
	[ "$size" = 3000000 ] || fail "msize $msize: big is $size bytes"

	# Files, read whole.
	for f in small zero big "a name with spaces" \
		sub/msize-4096-minus-11 sub/file-with-a-long-name-number-77; do
		diodcat -s "$SOCK" -a "$EX" -m $msize "$f" >"$T/got" ||
			fail "msize $msize: diodcat $f failed"
		cmp -s "$T/got" "$EX/$f" || fail "msize $msize: $f differs"
	done

	# Never through a symlink, never above the root.
	for f in evil/canary canarylink passwd ../outside/canary \
		sub/../../outside/canary; do
		if diodcat -s "$SOCK" -a "$EX" -m $msize "$f" >"$T/got" \
			2>/dev/null; then
			fail "msize $msize: diodcat $f succeeded"
		fi
		[ ! -s "$T/got" ] || fail "msize $msize: $f gave data"
	done
	# Only the export may be attached.
	if diodcat -s "$SOCK" -a /etc -m $msize passwd >/dev/null 2>&1; then
		fail "msize $msize: attached to /etc"
	fi

	kill -TERM $pid
	wait $pid || fail "msize $msize: p9-serve exited $?"
	[ ! -e "$SOCK" ] || fail "msize $msize: socket left behind"
done

# An msize under 4096 is refused.
SOCK=$T/p9-small.sock
"$SERVE" "$EX" "$SOCK" 8192 &
pid=$!
track_pid $pid
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
if diodls -s "$SOCK" -a "$EX" -m 2048 >/dev/null 2>&1; then
	fail "msize 2048 accepted"
fi
# A socket that is not ours is not replaced.
if "$SERVE" "$EX" "$T/outside/canary" 2>/dev/null; then
	fail "p9-serve replaced a regular file"
fi
[ "$(cat "$T/outside/canary")" = canary ] || fail "canary changed"
kill -TERM $pid
wait $pid || fail "p9-serve exited $?"
exit 0
