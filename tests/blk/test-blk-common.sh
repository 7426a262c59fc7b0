# SPDX-License-Identifier: MIT
# tests/blk/test-blk-common.sh - helpers for the end-to-end block tests
# (test-blk-*.sh, sourced after functions.sh): a sim world, ONE xenpvd in
# dom0, guests created with xenpv-sim, disks given and taken with the real
# toolstack path (xenpvctl attach/detach), I/O from the guests with
# xenpvctl io/bench or tests/blk-*.c.  Every process is tracked and killed
# at exit.
#
#   blk_setup [XENPVD OPTIONS...]  world + xenpvd (tracked,
#                                  start_sim_xenpvd); sets WORLD,
#                                  XPVD_PID, XPVD_LOG, XPVD_SOCK
#   blk_guest DOMID                a guest domain (512 MiB of memory)
#   blk_image PATH MB              a raw image written end to end
#   blk_attach DOMID IMAGE [ARGS]  xenpvctl attach, waits for InitWait
#   blk_detach DOMID               xenpvctl detach (10 s)
#   blk_ctl ARGS...                xenpvctl as dom0
#   blk_ctl_guest DOMID ARGS...    xenpvctl as guest DOMID
#   blk_be_state DOMID             the backend state of DOMID's xvda
#   blk_alive                      fails when xenpvd has died
#   blk_resources DOMID            "maps=N ports=N" of a domain
#   blk_restart_guest DOMID SECONDS
#                                  $GUEST_BIN (restart-guest) in DOMID in
#                                  the background, output in $OUT; waits
#                                  for "ready", sets GUEST_SUB (its
#                                  subshell) and GUEST_PID, both tracked
#   blk_vbd_setup                  blk_setup --type=vbd (as with xl's
#                                  phy disks), guest 1, a 4 MiB image
#                                  $WORLD/d.img; HOTPLUG: block-xenpvd
DEVID=51712

CTL=${CTL:-$top_builddir/tools/xenpvctl}

blk_setup() {
	[ -x "$CTL" ] || skip "no $CTL (not built)"
	requires which xenstore-read
	start_sim_world WORLD
	start_sim_xenpvd --debug=dev "$@"
}

blk_guest() {
	sim_domain_create "$1" --name "guest$1" --mem-mb 512
}

blk_image() {
	dd if=/dev/urandom of="$1" bs=1M count="$2" status=none conv=fsync ||
		hard_error "image $1"
}

blk_attach() {
	local dom=$1 img=$2
	shift 2
	"$CTL" attach --domid "$dom" --target "$img" --wait 20 "$@" >/dev/null
}

blk_detach() {
	"$CTL" detach --domid "$1" --timeout 10 >/dev/null
}

blk_ctl() {
	"$CTL" "$@"
}

blk_ctl_guest() {
	local dom=$1
	shift
	in_guest "$dom" "$CTL" "$@"
}

blk_be_state() {
	xenstore-read "/local/domain/0/backend/qdisk/$1/$DEVID/state" 2>/dev/null
}

blk_alive() {
	kill -0 "$XPVD_PID" 2>/dev/null || fail "xenpvd died"
}

blk_restart_guest() {
	OUT=$WORLD/guest.out
	in_guest "$1" "$GUEST_BIN" --devid $DEVID --seconds "$2" >"$OUT" 2>&1 &
	GUEST_SUB=$!
	track_pid $GUEST_SUB
	wait_output "$OUT" '^ready' "$GUEST_SUB"
	GUEST_PID=$(sed -n 's/^ready \([0-9]*\)$/\1/p' "$OUT")
	[ -n "$GUEST_PID" ] || fail "guest did not start: $(cat "$OUT")"
	track_pid $GUEST_PID
}

blk_resources() {
	"$XENPV_SIM" resources "$WORLD" "$1"
}

# blk_field LINE KEY: the value of KEY=value in a summary line.
blk_field() {
	sed -n "s|.* $2=\([^ ]*\).*|\1|p" <<<" $1"
}

blk_vbd_setup() {
	HOTPLUG=$(cd "$top_srcdir" && pwd)/tools/hotplug/block-xenpvd
	[ -x "$HOTPLUG" ] || hard_error "no $HOTPLUG"
	blk_setup --type=vbd
	blk_guest 1
	blk_image "$WORLD/d.img" 4
}
