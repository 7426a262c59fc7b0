# SPDX-License-Identifier: MIT
# tests/security/detach-plant.sh - sourced by test-security-detach-*.sh
# after functions.sh and test-blk-common.sh.  Guest 1 has a disk from
# xenpvctl attach (backend/vbd, as with xl), then makes a backend
# directory of its own for the same device id - in its own domain's
# tree, where a guest may write, as a driver domain would have one - with
# a `script` of its choosing, and points its frontend's `backend` node
# there.  Sets FE, BE (the real backend), EVIL_BE, EVIL_RAN.
detach_plant() {
	blk_vbd_setup
	blk_attach 1 "$WORLD/d.img" --type vbd || fail "attach"
	FE=/local/domain/1/device/vbd/$DEVID
	BE=/local/domain/0/backend/vbd/1/$DEVID
	EVIL_BE=/local/domain/1/backend/vbd/1/$DEVID
	EVIL_RAN=$WORLD/evil-ran
	cat >"$WORLD/evil" <<WRAP
#!/bin/bash
touch "$EVIL_RAN"
WRAP
	chmod +x "$WORLD/evil"
	in_guest 1 xenstore-write "$EVIL_BE/script" "$WORLD/evil" \
		"$EVIL_BE/state" 4 "$FE/backend" "$EVIL_BE" ||
		hard_error "guest xenstore-write"
}

# Nothing of the guest's ran or changed.
detach_plant_untouched() {
	[ -e "$EVIL_RAN" ] && fail "the guest's script ran as root"
	[ "$(xenstore-read "$EVIL_BE/state")" = 4 ] ||
		fail "detach wrote into the guest's directory"
	return 0
}
