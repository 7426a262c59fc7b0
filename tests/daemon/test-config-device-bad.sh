#!/bin/bash
# SPDX-License-Identifier: MIT
# A bad per-device key fails that device only: an `error` node naming the
# key and state Closing (then Closed), while a device next to it connects and serves
# I/O.  A key may not raise a limit above the daemon's.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
backend_setup --max-queues=2 --no-persistent
make_image "$WORLD/a.img" 16
BE=/local/domain/0/backend/qdisk/$GUEST
key() { xenstore-read "$BE/$1/$2" 2>/dev/null; }
check_bad() { # DEVID KEY VALUE
	local devid=$1 i st
	xenstore-write "$BE/$devid/$2" "$3" || hard_error "xenstore-write"
	# attach waits for InitWait; this one never gets there.
	xenstore-write "$BE/$devid/frontend" \
		"/local/domain/$GUEST/device/vbd/$devid" \
		"$BE/$devid/frontend-id" $GUEST "$BE/$devid/online" 1 \
		"$BE/$devid/mode" w "$BE/$devid/params" "aio:$WORLD/a.img" \
		"$BE/$devid/state" 1 || hard_error "xenstore-write"
	for i in $(seq 100); do
		st=$(key $devid state) || st=0
		[ "$st" -ge 5 ] && break
		sleep 0.05
	done
	# Closing, then Closed as there is no frontend here.
	[ "$st" -ge 5 ] || fail "$2=$3: state $st, not Closing or Closed"
	key $devid error | grep -q -- "$2" ||
		fail "$2=$3: error node '$(key $devid error)' lacks the key"
	key $devid feature-persistent >/dev/null &&
		fail "$2=$3: features published"
	return 0
}
check_bad 51728 xenpvd-max-queues 3          # above the daemon's 2
check_bad 51744 xenpvd-persistent 1          # off in the daemon
check_bad 51760 xenpvd-max-ring-page-order x # not a number
check_bad 51776 xenpvd-cache none
attach 51712 "$WORLD/a.img" w
raw 51712 "$WORLD/a.img" rw || fail "the good device"
xpvd_alive
