#!/bin/bash
# SPDX-License-Identifier: MIT
# The xl flow of Xen 4.17's `p9 = [ 'tag=share,path=DIR,security_model=none' ]`
# for a PV guest: libxl writes the 9pfs share (backend/9pfs, state 1) and
# then starts the device model with QEMU's argv; with
# device_model_override pointing at xenpvd, xenpvd serves that domain's
# share along with its disks, and only that domain's (another domain's
# share stays untouched), and stops on libxl's SIGHUP.
. ./functions.sh
. "$top_srcdir/tests/9pfs/test-9pfs-ring-common.sh"
[ -x "$P9RAW" ] || skip "no $P9RAW (not built)"
[ -x "$XENPVD" ] || skip "no $XENPVD"
start_sim_world WORLD
sim_domain_create $P9_GUEST --mem-mb 256
sim_domain_create 6 --mem-mb 64
P9_GUEST_ENV=$(sim_guest_env $P9_GUEST) || hard_error "guest env"
EXPORT=$WORLD/export
mkdir -p "$EXPORT" || hard_error "mkdir"
DMLOG=$WORLD/dm.log
cleanup_fn "echo '--- device model log (tail)'; tail -30 '$DMLOG' 2>/dev/null"

# libxl's order: the devices first (state 1), then the device model.
for d in $P9_GUEST 6; do
	"$CTL" p9-attach --domid $d --path "$EXPORT" --tag share >/dev/null ||
		hard_error "p9-attach $d"
done
"$XENPVD" -xen-domid $P9_GUEST -no-shutdown \
	-chardev "socket,id=libxl-cmd,path=$WORLD/qmp-libxl-$P9_GUEST,server=on,wait=off" \
	-mon chardev=libxl-cmd,mode=control \
	-nodefaults -no-user-config -xen-attach -name guest \
	-vnc none -display none -nographic -machine xenpv \
	--platform=sim --debug=dev -m 256 >"$DMLOG" 2>&1 &
DM=$!
track_pid $DM
wait_xs /local/domain/0/device-model/$P9_GUEST/state running 1000 ||
	fail "device-model state '$XS_LAST', not running"
BE=/local/domain/0/backend/9pfs/$P9_GUEST/0
wait_xs $BE/state 2 || fail "$BE: state $XS_LAST, not InitWait"
p9_raw 0 --rings 2 --order 9 basic rings || fail "the share through the device model"
[ "$(xenstore-read /local/domain/0/backend/9pfs/6/0/state)" = 1 ] ||
	fail "domain 6's share was touched"
kill -HUP $DM
for _ in $(seq 100); do kill -0 $DM 2>/dev/null || break; sleep 0.1; done
kill -0 $DM 2>/dev/null && fail "still running 10 s after SIGHUP"
wait $DM || fail "device model exited with $?"
exit 0
