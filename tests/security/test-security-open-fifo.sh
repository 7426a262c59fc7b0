#!/bin/bash
# SPDX-License-Identifier: MIT
# params is opened by xenpvd as root on its main thread, at discovery.  A
# params naming a FIFO on a read-only disk (open would wait for a writer),
# a FIFO read-write, a character device, a socket or a directory is
# refused at once, never opened for I/O: that device gets an error node
# and Closing, and a good disk attached to the same guest right after it
# reaches InitWait in time and serves verified I/O (before the fix the
# FIFO's open blocked the main thread, so every later device stalled).
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
blk_setup
blk_guest 1
blk_image "$WORLD/d.img" 4
mkfifo "$WORLD/fifo" || hard_error "mkfifo"
mkdir "$WORLD/dir"
# A socket where one can be made (python3); a FIFO otherwise.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
	"$WORLD/sock" 2>/dev/null || mkfifo "$WORLD/sock" || hard_error "sock"
root=/local/domain/0/backend/qdisk/1

# devid of xvd<letter>
devid() {
	echo $(((202 << 8) | (($(printf '%d' "'$1") - 97) << 4)))
}

# bad VDEV TARGET MODE: attached without waiting (the daemon may block).
bad() {
	"$CTL" attach --domid 1 --vdev "xvd$1" --target "$2" --mode "$3" \
		>/dev/null || hard_error "attach $2"
}

bad a "$WORLD/fifo" r
# The good disk, after the FIFO: InitWait within 10 s.
if ! out=$(timeout 20 "$CTL" attach --domid 1 --vdev xvdf \
	--target "$WORLD/d.img" --wait 10 2>&1); then
	fail "a good disk attached after a FIFO did not reach InitWait: $out"
fi
out=$(eval "$(sim_guest_env 1)" && timeout 60 "$CTL" io --devid "$(devid f)" \
	--size 1M --verify 2>&1) || fail "guest I/O on the good disk: $out"
echo "io: $out"
bad b "$WORLD/fifo" w
bad c /dev/null r
bad d "$WORLD/sock" w
bad e "$WORLD/dir" r

for v in a b c d e; do
	be=$root/$(devid $v)
	wait_xs "$be/state" 5 500 ||
		fail "xvd$v: backend state $XS_LAST, not Closing"
	err=$(xenstore-read "$be/error" 2>/dev/null) || fail "xvd$v: no error node"
	echo "xvd$v: $err"
	case $err in
	"22 cannot open "*) ;;
	*) fail "xvd$v: error node '$err'" ;;
	esac
done
blk_alive
# Whatever it was, nothing was left open for I/O by the refused devices.
fds=$(ls -l /proc/$XPVD_PID/fd 2>/dev/null | grep -cE "$WORLD/(fifo|sock|dir)")
[ "$fds" = 0 ] || fail "xenpvd holds $fds fd(s) on a refused target"
exit 0
