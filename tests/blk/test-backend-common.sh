# SPDX-License-Identifier: MIT
# tests/blk/test-backend-common.sh - helpers for the xenpvd tests (sourced
# after functions.sh): a sim world with guest 5, an image, xenpvd in the
# background, and the toolstack's keys written as the contract says.
#
#   backend_setup [XENPVD OPTIONS...]  world + guest 5 + xenpvd (tracked,
#                                      start_sim_xenpvd); sets WORLD,
#                                      XPVD_PID, XPVD_LOG, XPVD_SOCK
#   make_image PATH MB                 a sparse raw image
#   attach DEVID IMAGE MODE            write the backend and frontend dirs
#   raw DEVID IMAGE ARGS...            run test-frontend-raw in guest 5
#   xpvd_stats                         print the daemon's stats JSON
#   stat_of JSON KEY                   a counter of the first VBD
#   as_guest CMD...                    CMD as guest 5
#   refuse_once DEVID ABI              guest 5 asks DEVID for protocol ABI
#                                      (a bad one), xenpvd refuses
#                                      (Closing), the guest closes and
#                                      starts over: back to InitWait
GUEST=5

RAW=${RAW:-$top_builddir/tests/blk/test-frontend-raw}

backend_setup() {
	[ -x "$RAW" ] || skip "no test-frontend-raw"
	requires which xenstore-write
	start_sim_world WORLD
	sim_domain_create $GUEST --mem-mb 1024
	GUEST_ENV=$(sim_guest_env $GUEST) || hard_error "guest env"
	start_sim_xenpvd --debug=dev "$@"
}

as_guest() { (eval "$GUEST_ENV" && exec "$@"); }

refuse_once() {
	local fe=/local/domain/$GUEST/device/vbd/$1
	local be=/local/domain/0/backend/qdisk/$GUEST/$1 st

	as_guest xenstore-write "$fe/protocol" "$2" "$fe/state" 3 ||
		hard_error "guest write"
	for st in 5:6 6:1 2:; do
		wait_xs "$be/state" "${st%:*}" ||
			fail "$be: state $XS_LAST, expected ${st%:*}"
		[ -z "${st#*:}" ] ||
			as_guest xenstore-write "$fe/state" "${st#*:}" ||
			hard_error "guest write"
	done
}

make_image() {
	truncate -s "${2}M" "$1" || hard_error "truncate $1"
}

attach() {
	local devid=$1 img=$2 mode=$3
	local be=/local/domain/0/backend/qdisk/$GUEST/$devid
	local fe=/local/domain/$GUEST/device/vbd/$devid
	xenstore-write \
		"$fe/backend" "$be" "$fe/backend-id" 0 "$fe/state" 1 \
		"$fe/virtual-device" "$devid" "$fe/device-type" disk \
		"$be/frontend" "$fe" "$be/frontend-id" $GUEST "$be/online" 1 \
		"$be/removable" 0 "$be/bootable" 1 "$be/dev" xvda \
		"$be/type" qdisk "$be/mode" "$mode" "$be/device-type" disk \
		"$be/discard-enable" 1 "$be/params" "aio:$img" \
		"$be/state" 1 || hard_error "xenstore-write"
	xenstore-chmod -r "$fe" n$GUEST r0 || hard_error "chmod fe"
	xenstore-chmod -r "$be" n0 r$GUEST || hard_error "chmod be"
	# The backend publishes its features, then InitWait (2): wait for it,
	# as a toolstack does, before anyone reads them.
	local i st
	for i in $(seq 100); do
		st=$(xenstore-read "$be/state" 2>/dev/null) || st=0
		[ "$st" -ge 2 ] && return 0
		sleep 0.1
	done
	fail "backend $be did not reach InitWait (state $st)"
}

raw() {
	local devid=$1 img=$2
	shift 2
	in_guest $GUEST "$RAW" --devid "$devid" --image "$img" "$@"
}

xpvd_stats() {
	python3 - "$XPVD_SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"stats\n")
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.write(out.decode())
PY
}

stat_of() {
	python3 -c 'import json,sys; print(json.loads(sys.argv[1])["vbds"][0][sys.argv[2]])' "$1" "$2"
}

xpvd_alive() {
	kill -0 $XPVD_PID 2>/dev/null || fail "xenpvd died"
}
