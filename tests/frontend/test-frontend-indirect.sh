#!/bin/bash
# SPDX-License-Identifier: MIT
# Indirect segments off, 256 and 4096: large I/O is split to exactly the
# negotiated maximum (the backend sees requests of that size and never
# more), and the frontend's own cap (--indirect 32) is honoured.
. "$top_srcdir/tests/frontend/test-frontend-common.sh"
fe_world
check() { # devid offered frontend-cap expected-segs
	local pid
	start_fake pid "$1" --indirect "$2"
	run_io "$1" --span $((24 << 20)) --indirect "$3" --expect-segs "$4" ||
		fail "indirect $2/$3"
	stop_fake "$pid"
	[ "$(fake_stat "$1" violations)" = 0 ] || fail "violations $2/$3"
	[ "$(fake_stat "$1" max_segs)" = "$4" ] ||
		fail "max segments $(fake_stat "$1" max_segs), want $4"
}
check 51712 0 0 11
check 51728 256 0 256
check 51744 4096 0 4096
check 51760 4096 32 32
exit 0
