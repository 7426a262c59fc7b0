# SPDX-License-Identifier: MIT
# tests/blk/test-hotplug-common.sh - helpers for the block-xenpvd hotplug
# script tests (sourced after functions.sh): a sim world (the real
# xenstored and xenstore-* tools), a backend directory as libxl writes it,
# and the script run as libxl runs it.
#
#   hotplug_setup                 world; BE (absolute), XENBUS_PATH (relative)
#   hotplug_backend PARAMS MODE   writes the backend directory
#   hotplug_run add|remove        runs the script (status in $?)
#   be_read KEY                   a key of the backend directory
SCRIPT=${SCRIPT:-$top_srcdir/tools/hotplug/block-xenpvd}

hotplug_setup() {
	[ -x "$SCRIPT" ] || hard_error "no $SCRIPT"
	requires which xenstore-write
	start_sim_world WORLD
	# libxl passes the path relative to dom0's home.
	XENBUS_PATH=backend/qdisk/5/51712
	BE=/local/domain/0/$XENBUS_PATH
	export XENBUS_PATH
}

hotplug_backend() {
	xenstore-write "$BE/frontend-id" 5 "$BE/params" "$1" "$BE/mode" "$2" \
		"$BE/state" 2 || hard_error "xenstore-write"
}

hotplug_run() {
	"$SCRIPT" "$1" 2>"$WORLD/hotplug.err"
}

be_read() {
	xenstore-read "$BE/$1" 2>/dev/null
}
