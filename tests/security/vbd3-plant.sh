# SPDX-License-Identifier: MIT
# tests/security/vbd3-plant.sh - sourced by test-security-vbd3-*.sh after
# functions.sh and test-backend-common.sh: another dom0 user (nobody)
# plants something at <base>/td3-<pid of the next xenpvd> in a base
# directory anyone may write (sticky, like /dev/shm) before xenpvd (root)
# starts; xenpvd must refuse it and write nothing through it.
#
#   vbd3_plant_start KIND   KIND "file": td3-<pid> is nobody's directory
#                           holding vbd-5-51712.tmp -> $VICTIM;
#                           KIND "dir": td3-<pid> is a symlink to $EVIL,
#                           a directory of nobody's.
#                           Then the world, guest 5, and xenpvd with
#                           --vbd3-stats-dir=$BASE; device 51712 attached
#                           and used.
[ "$(id -u)" = 0 ] || skip "needs root (an attacker of another uid)"
requires setpriv --version
getent passwd nobody >/dev/null || skip "no user nobody"

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}

vbd3_plant_start() {
	local kind=$1
	xpv_tmpdir T
	chmod 755 "$T"
	BASE=$T/shm
	mkdir "$BASE" && chmod 1777 "$BASE" || hard_error "mkdir $BASE"
	VICTIM=$T/victim
	printf 'precious\n' >"$VICTIM" || hard_error "victim"
	EVIL=$T/evil
	mkdir "$EVIL" && chown 65534:65534 "$EVIL" || hard_error "mkdir $EVIL"
	# The plant runs between fork and exec: xenpvd keeps the pid.
	cat >"$T/planted-xenpvd" <<PLANT
#!/bin/bash
d=$BASE/td3-\$\$
case $kind in
file)	setpriv --reuid=65534 --regid=65534 --clear-groups -- \\
		sh -c "mkdir \$d && ln -s $VICTIM \$d/vbd-$GUEST-51712.tmp &&
		       ln -s $VICTIM \$d/vbd-$GUEST-51712" || exit 99 ;;
dir)	setpriv --reuid=65534 --regid=65534 --clear-groups -- \\
		ln -s $EVIL \$d || exit 99 ;;
esac
exec "$XENPVD" "\$@"
PLANT
	chmod 755 "$T/planted-xenpvd"
	XENPVD=$T/planted-xenpvd backend_setup --vbd3-stats-dir="$BASE"
	PLANTED=$BASE/td3-$XPVD_PID
	[ -L "$PLANTED" ] || [ -d "$PLANTED" ] || hard_error "nothing planted"
	make_image "$WORLD/disk.img" 16
	attach 51712 "$WORLD/disk.img" w
	raw 51712 "$WORLD/disk.img" rw || fail "I/O"
	# Statistics are written every second: give it three.
	sleep 3
	xpvd_alive
}

# The refusal is said, and the daemon goes on without statistics.
vbd3_plant_check_refused() {
	grep -q "td3-$XPVD_PID exists and is not a directory of ours" \
		"$XPVD_LOG" || fail "no refusal in the log"
	xpvd_alive
}
