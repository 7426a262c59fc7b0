#!/bin/bash
# SPDX-License-Identifier: MIT
# block-xenpvd add fails cleanly: a missing target, a directory, params
# without a path, a bad mode each give hotplug-error (naming the problem)
# and hotplug-status error, and exit 1.
. ./functions.sh
. "$top_srcdir/tests/blk/test-hotplug-common.sh"
hotplug_setup
truncate -s 1M "$WORLD/disk.img"
check_error() { # PARAMS MODE WORDS-EXPECTED-IN-THE-ERROR
	xenstore-rm "$BE/hotplug-status" 2>/dev/null
	xenstore-rm "$BE/hotplug-error" 2>/dev/null
	hotplug_backend "$1" "$2"
	hotplug_run add && fail "add '$1' ($2) succeeded"
	[ "$(be_read hotplug-status)" = error ] || fail "'$1': no error status"
	be_read hotplug-error | grep -q -- "$3" ||
		fail "'$1': hotplug-error '$(be_read hotplug-error)' lacks '$3'"
	be_read physical-device-path >/dev/null &&
		fail "'$1': physical-device-path written"
	return 0
}
check_error "aio:$WORLD/nothere.img" w "does not exist"
check_error "aio:$WORLD" w "neither a regular file nor a block device"
check_error "aio:" w "no absolute path"
check_error "aio:$WORLD/disk.img" x "mode 'x'"
