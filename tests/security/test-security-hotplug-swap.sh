#!/bin/bash
# SPDX-License-Identifier: MIT
# xenpvd opens params at discovery, before the hotplug script checks it
# (libxl runs the script once the backend is in InitWait).  A params
# swapped in between (here: its symlink retargeted by the time the script
# runs) must not be served: once the script said connected, what is open
# must be what it named (physical-device-path: same file, or same block
# device; physical-device: the open device's MAJOR:MINOR), or the device
# fails (error node naming the mismatch, Closing) and the guest gets no
# disk.  A script that names nothing, or a malformed physical-device,
# fails it too.  The same disks, named right, connect and serve I/O.
# Block devices (loop) where they can be made.
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
blk_vbd_setup
be=/local/domain/0/backend/vbd/1/$DEVID
blk_image "$WORLD/other.img" 4
cp "$WORLD/d.img" "$WORLD/d.orig"
cp "$WORLD/other.img" "$WORLD/other.orig"

# script NAME BODY: a hotplug script; BODY runs on add, then the real one.
script() {
	cat >"$WORLD/$1" <<WRAP
#!/bin/bash
if [ "\$1" = add ]; then
$2
fi
exec "$HOTPLUG" "\$@"
WRAP
	chmod +x "$WORLD/$1"
}

guest_io() {
	(eval "$(sim_guest_env 1)" &&
		exec timeout 60 "$CTL" io --devid $DEVID --size 1M --verify) 2>&1
}

# refused NAME SCRIPT TARGET MESSAGE: the script succeeds, the guest is
# not served (xenpvd fails the device as soon as the frontend is ready;
# the frontend itself gives up later), the error node and the log say
# MESSAGE.
refused() {
	local err="" io rc
	blk_attach 1 "$3" --type vbd --script "$WORLD/$2" ||
		fail "$1: attach (the script itself succeeds)"
	guest_io >"$WORLD/io.out" &
	io=$!
	for _ in $(seq 200); do
		err=$(xenstore-read "$be/error" 2>/dev/null) && break
		kill -0 $io 2>/dev/null || break
		sleep 0.05
	done
	kill $io 2>/dev/null
	wait $io
	rc=$?
	[ $rc = 0 ] && fail "$1: the guest was served a disk the script" \
		"did not name: $(cat "$WORLD/io.out")"
	[ -n "$err" ] || fail "$1: no error node"
	echo "$1: error node: $err"
	wait_xs "$be/state" 5 500 ||
		fail "$1: backend state $XS_LAST, not Closing"
	[[ $err == *"$4"* ]] || fail "$1: the error node does not say '$4'"
	grep -qF -- "$be: $4" "$XPVD_LOG" || fail "$1: no log line '$4'"
	blk_detach 1 || fail "$1: detach"
	blk_alive
}

# served NAME TARGET SCRIPT [CMD]: the guest is served; CMD runs between
# two connections (the check is about the disk open, made once).
served() {
	local out
	blk_attach 1 "$2" --type vbd --script "$WORLD/$3" || fail "$1: attach"
	out=$(guest_io) || fail "$1: guest I/O: $out"
	echo "$1: $out"
	if [ $# -gt 3 ]; then
		eval "$4"
		out=$(guest_io) || fail "$1: guest I/O after '$4': $out"
	fi
	blk_detach 1 || fail "$1: detach"
}

# A file: params is a symlink the script finds pointing elsewhere.
ln -s d.img "$WORLD/disk"
script swap "ln -sfn other.img '$WORLD/disk'"
refused "file swapped" swap "$WORLD/disk" \
	"$WORLD/disk is not physical-device-path $WORLD/other.img that the hotplug script checked"
cmp -s "$WORLD/d.img" "$WORLD/d.orig" || fail "d.img was written"
cmp -s "$WORLD/other.img" "$WORLD/other.orig" || fail "other.img was written"

# Scripts that say connected but name nothing, or nonsense.
cat >"$WORLD/mute" <<'WRAP'
#!/bin/bash
[ "$1" = add ] && exec xenstore-write "$XENBUS_PATH/hotplug-status" connected
exit 0
WRAP
chmod +x "$WORLD/mute"
refused "nothing named" mute "$WORLD/disk" \
	"the hotplug script named neither physical-device nor physical-device-path"
cat >"$WORLD/bogus" <<'WRAP'
#!/bin/bash
[ "$1" = add ] && exec xenstore-write "$XENBUS_PATH/physical-device" "7:0 " \
	"$XENBUS_PATH/hotplug-status" connected
exit 0
WRAP
chmod +x "$WORLD/bogus"
refused "malformed physical-device" bogus "$WORLD/disk" \
	"bad physical-device '7:0 ' from the hotplug script"

# Named right (the symlink now points at other.img), through a symlink;
# a file renamed over it later does not matter to the disk open.
script plain ":"
served "file" "$WORLD/disk" plain \
	"cp '$WORLD/other.img' '$WORLD/new.img' && mv '$WORLD/new.img' '$WORLD/other.img'"

# Block devices: physical-device is compared first (device numbers).
if which losetup >/dev/null 2>&1 &&
	loop1=$(losetup -f --show "$WORLD/d.img" 2>/dev/null); then
	cleanup_fn "losetup -d '$loop1'"
	loop2=$(losetup -f --show "$WORLD/other.img") || hard_error "losetup"
	cleanup_fn "losetup -d '$loop2'"
	pd=$(stat -L -c '%t:%T' "$loop2")
	ln -sfn "$loop1" "$WORLD/bdev"
	script bswap "ln -sfn '$loop2' '$WORLD/bdev'"
	refused "device swapped" bswap "$WORLD/bdev" \
		"$WORLD/bdev is not physical-device $pd that the hotplug script checked"
	served "device" "$WORLD/bdev" plain
else
	echo "no loop device here: block device cases skipped"
fi
exit 0
