#!/bin/bash
# SPDX-License-Identifier: MIT
# block-xenpvd remove succeeds and leaves the backend directory alone
# (libxl removes it); without XENBUS_PATH or a command the script refuses.
. ./functions.sh
. "$top_srcdir/tests/blk/test-hotplug-common.sh"
hotplug_setup
truncate -s 1M "$WORLD/disk.img"
hotplug_backend "aio:$WORLD/disk.img" w
hotplug_run add || fail "add failed: $(cat "$WORLD/hotplug.err")"
hotplug_run remove || fail "remove failed: $(cat "$WORLD/hotplug.err")"
[ "$(be_read params)" = "aio:$WORLD/disk.img" ] || fail "directory touched"
[ "$(be_read hotplug-status)" = connected ] || fail "hotplug-status touched"
hotplug_run bogus && fail "unknown command accepted"
(unset XENBUS_PATH; "$SCRIPT" add 2>/dev/null) && fail "no XENBUS_PATH accepted"
exit 0
