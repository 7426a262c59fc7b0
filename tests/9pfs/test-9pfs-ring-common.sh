# SPDX-License-Identifier: MIT
# tests/9pfs/test-9pfs-ring-common.sh - helpers for the 9pfs transport
# tests (sourced after functions.sh): a sim world, xenpvd serving
# backend/9pfs, shares given with xenpvctl p9-attach, and p9-ring-raw (a
# raw frontend) in the guest.
#
#   p9_setup [XENPVD OPTIONS...]  world + guest 5 + xenpvd --type=9pfs;
#                                 sets WORLD, EXPORT (an empty directory
#                                 to share) and OUTSIDE (a canary file
#                                 next to it, outside the export)
#   p9_share DEVID DIR [ARGS]     xenpvctl p9-attach for guest 5, waits
#                                 for InitWait
#   p9_raw DEVID ARGS...          p9-ring-raw in guest 5
#   p9_canary_intact              fails when OUTSIDE changed
P9_GUEST=5
CTL=${CTL:-$top_builddir/tools/xenpvctl}
P9RAW=${P9RAW:-$top_builddir/tests/9pfs/p9-ring-raw}

p9_setup() {
	[ -x "$CTL" ] || skip "no $CTL (not built)"
	[ -x "$P9RAW" ] || skip "no $P9RAW (not built)"
	requires which xenstore-read
	start_sim_world WORLD
	sim_domain_create $P9_GUEST --name p9guest --mem-mb 256
	P9_GUEST_ENV=$(sim_guest_env $P9_GUEST) || hard_error "guest env"
	EXPORT=$WORLD/export
	OUTSIDE=$WORLD/outside-canary
	mkdir -p "$EXPORT" || hard_error "mkdir $EXPORT"
	echo "canary $$" >"$OUTSIDE"
	start_sim_xenpvd --debug=dev --type=9pfs "$@"
}

p9_share() {
	local devid=$1 dir=$2
	shift 2
	"$CTL" p9-attach --domid $P9_GUEST --devid "$devid" --path "$dir" \
		--tag "share$devid" --wait 20 "$@" >/dev/null
}

p9_raw() {
	local devid=$1
	shift
	(eval "$P9_GUEST_ENV" &&
		exec "$P9RAW" --export "$EXPORT" --devid "$devid" "$@")
}

p9_canary_intact() {
	[ "$(cat "$OUTSIDE")" = "canary $$" ] ||
		fail "the file outside the export changed"
}

p9_alive() {
	kill -0 "$XPVD_PID" 2>/dev/null || fail "xenpvd died"
}
