#!/bin/bash
# SPDX-License-Identifier: MIT
# The frontend directory is the guest's: a guest that points its `backend`
# node at a directory it owns, holding a `script` node, must not make
# `xenpvctl detach` write there or run that script (as root).  detach
# refuses, names the bad path, and nothing runs; the real backend is left
# alone.
. ./functions.sh
. "$top_srcdir/tests/blk/test-blk-common.sh"
blk_vbd_setup
cat >"$WORLD/evil" <<WRAP
#!/bin/bash
touch "$WORLD/evil-ran"
WRAP
chmod +x "$WORLD/evil"
fe=/local/domain/1/device/vbd/$DEVID
be=/local/domain/0/backend/vbd/1/$DEVID
blk_attach 1 "$WORLD/d.img" --type vbd || fail "attach"
# Without the toolstack's own record of the device (libxl's, and
# xenpvctl attach's, tests/security/test-security-detach-record.sh),
# detach goes by the guest's node, and must refuse this one.
xenstore-rm "/libxl/1/device/vbd/$DEVID" || hard_error "xenstore-rm"
# As the guest: its own directory, made to look like a backend.
in_guest 1 xenstore-write "$fe/evil/script" "$WORLD/evil" \
	"$fe/evil/state" 4 "$fe/backend" "$fe/evil" ||
	hard_error "guest xenstore-write"
if out=$("$CTL" detach --domid 1 --timeout 2 --force 2>&1); then
	fail "detach followed the guest's backend path: $out"
fi
echo "detach: $out"
grep -q "not a backend directory of this device" <<<"$out" ||
	fail "the refusal does not say why"
[ -e "$WORLD/evil-ran" ] && fail "the guest's script ran"
[ "$(xenstore-read "$fe/evil/state")" = 4 ] ||
	fail "detach wrote into the guest's directory"
[ "$(xenstore-read "$be/state")" = 2 ] || fail "the real backend changed"
blk_alive
exit 0
