#!/bin/bash
# SPDX-License-Identifier: MIT
# `xenpvctl attach --script` runs a block hotplug script as libxl runs one
# for a backendtype=phy disk: after the backend reached InitWait, as
# `SCRIPT add` with XENBUS_PATH=backend/vbd/<dom>/<dev> (relative),
# XENBUS_TYPE=vbd; block-xenpvd leaves hotplug-status=connected and
# physical-device-path; xenpvd (--type=vbd) serves the disk; detach runs
# `SCRIPT remove` once the backend is Closed, then removes both
# directories.
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
blk_vbd_setup
# The real script behind a wrapper that records how it was called.
cat >"$WORLD/hp" <<WRAP
#!/bin/bash
echo "\$1 \$XENBUS_PATH \$XENBUS_TYPE \$XENBUS_BASE_PATH \$(xenstore-read "\$XENBUS_PATH/state")" >>"$WORLD/hp.calls"
exec "$HOTPLUG" "\$@"
WRAP
chmod +x "$WORLD/hp"
be=/local/domain/0/backend/vbd/1/$DEVID
fe=/local/domain/1/device/vbd/$DEVID

blk_attach 1 "$WORLD/d.img" --type vbd --script "$WORLD/hp" ||
	fail "attach --script"
cat "$WORLD/hp.calls"
[ "$(cat "$WORLD/hp.calls")" = "add backend/vbd/1/$DEVID vbd backend 2" ] ||
	fail "add was not called after InitWait with libxl's environment"
[ "$(xenstore-read "$be/script")" = "$WORLD/hp" ] || fail "no script node"
[ "$(xenstore-read "$be/hotplug-status")" = connected ] ||
	fail "hotplug-status is not connected"
[ "$(xenstore-read "$be/physical-device-path")" = "$WORLD/d.img" ] ||
	fail "physical-device-path"

out=$(blk_ctl_guest 1 io --devid $DEVID --size 1M --verify 2>&1) ||
	fail "guest I/O: $out"
echo "io: $out"
grep -q "$be: connected:" "$XPVD_LOG" || fail "xenpvd did not connect the disk"
blk_detach 1 || fail "detach"
tail -n 1 "$WORLD/hp.calls"
[ "$(tail -n 1 "$WORLD/hp.calls")" = "remove backend/vbd/1/$DEVID vbd backend 6" ] ||
	fail "remove was not called once the backend was Closed"
[ "$(wc -l <"$WORLD/hp.calls")" = 2 ] || fail "the script ran more than twice"
xenstore-read "$be/state" 2>/dev/null && fail "backend directory left"
xenstore-read "$fe/state" 2>/dev/null && fail "frontend directory left"
blk_alive
exit 0
