#!/bin/bash
# SPDX-License-Identifier: MIT
# xenpvd holds a disk that has a hotplug script (a `script` node) in
# InitWait until the script wrote hotplug-status=connected, even when the
# frontend is ready (Initialised) before: as Linux blkback waits for
# physical-device.  The script here first starts the guest's I/O, watches
# both states for two seconds, then runs the real block-xenpvd; the I/O
# then completes.
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
blk_vbd_setup
sim_guest_env 1 >"$WORLD/guest.env" || hard_error "guest env"
cat >"$WORLD/hp" <<WRAP
#!/bin/bash
[ "\$1" = add ] || exec "$HOTPLUG" "\$@"
(. "$WORLD/guest.env"; exec "$CTL" io --devid $DEVID --size 1M --verify) \
	>"$WORLD/io.out" 2>&1 &
echo \$! >"$WORLD/io.pid"
for i in \$(seq 20); do
	echo "\$(xenstore-read "\$XENBUS_PATH/state") \$(xenstore-read /local/domain/1/device/vbd/$DEVID/state)" >>"$WORLD/states"
	sleep 0.1
done
exec "$HOTPLUG" "\$@"
WRAP
chmod +x "$WORLD/hp"
be=/local/domain/0/backend/vbd/1/$DEVID

blk_attach 1 "$WORLD/d.img" --type vbd --script "$WORLD/hp" ||
	fail "attach --script"
io=$(cat "$WORLD/io.pid")
track_pid "$io"
sort "$WORLD/states" | uniq -c
# The backend never went past InitWait while the script ran...
grep -qv '^2 ' "$WORLD/states" && fail "backend left InitWait before hotplug-status"
# ...though the frontend was ready for it.
grep -q '^2 3$' "$WORLD/states" || fail "the frontend never got to Initialised"
for _ in $(seq 300); do
	kill -0 "$io" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$io" 2>/dev/null && fail "guest I/O still running after 30 s"
cat "$WORLD/io.out"
grep -q '^io: ok ' "$WORLD/io.out" || fail "guest I/O failed"
grep -q "$be: connected:" "$XPVD_LOG" || fail "xenpvd did not connect the disk"
blk_detach 1 || fail "detach"
blk_alive
exit 0
