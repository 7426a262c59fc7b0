#!/bin/bash
# SPDX-License-Identifier: MIT
# xenpvd as a guest's device model, started the way Xen 4.17's libxl
# starts QEMU for a PV guest with a qdisk disk (device_model_override=):
# the disks are in the store before it starts; it takes QEMU's argv,
# writes device-model/<domid>/state=running, serves only its own domain's
# backend/qdisk devices (another domain's stay untouched), answers libxl's
# QMP conversation (greeting, qmp_capabilities, query-chardev, ids echoed,
# CRLF) and libxenstat's on the other monitor, and stops on libxl's
# SIGHUP without leaving sockets or handoff files.  A command line asking
# for emulation is refused by name before anything is written; QMP "quit"
# stops it too, and so does its domain's death; a disk another backend
# already took makes it refuse.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
. "$top_srcdir/tests/daemon/test-qmp-common.sh"
requires python3 -c 'import json'
[ -x "$RAW" ] || skip "no test-frontend-raw"
[ -x "$XENPVD" ] || skip "no $XENPVD"
start_sim_world WORLD
sim_domain_create $GUEST --mem-mb 1024
sim_domain_create 6 --mem-mb 64
GUEST_ENV=$(sim_guest_env $GUEST) || hard_error "guest env"
DMLOG=$WORLD/dm.log
cleanup_fn "echo '--- device model log (tail)'; tail -30 '$DMLOG' 2>/dev/null"

# dm_argv DOMID: libxl's argv (libxl__build_device_model_args_new, PV),
# our options after -machine xenpv (device_model_args_pv).
dm_argv() {
	echo -xen-domid "$1" -no-shutdown \
		-chardev "socket,id=libxl-cmd,path=$WORLD/qmp-libxl-$1,server=on,wait=off" \
		-mon chardev=libxl-cmd,mode=control \
		-chardev "socket,id=libxenstat-cmd,path=$WORLD/qmp-libxenstat-$1,server=on,wait=off" \
		-mon chardev=libxenstat-cmd,mode=control \
		-nodefaults -no-user-config -xen-attach -name "guest$1" \
		-vnc none -display none -nographic -machine xenpv \
		--platform=sim --debug=dev -m 512
}
DMSTATE=/local/domain/0/device-model

# Refused: a display.  Nothing written, status 2, the option named.
"$XENPVD" $(dm_argv $GUEST | sed 's/-vnc none/-vnc 127.0.0.1:0/') \
	>"$WORLD/bad.out" 2>&1 && fail "a vnc display was accepted"
[ $? = 2 ] || fail "status $? for a refused command line"
grep -q -- '-vnc 127.0.0.1:0' "$WORLD/bad.out" || fail "$(cat "$WORLD/bad.out")"
xenstore-read $DMSTATE/$GUEST/state >/dev/null 2>&1 &&
	fail "state written by a refused device model"

# libxl's order: the disks first (state 1), then the device model.
make_image "$WORLD/a.img" 16
make_image "$WORLD/b.img" 16
for d in $GUEST 6; do
	be=/local/domain/0/backend/qdisk/$d/51712
	fe=/local/domain/$d/device/vbd/51712
	xenstore-write "$fe/backend" "$be" "$fe/backend-id" 0 "$fe/state" 1 \
		"$fe/virtual-device" 51712 "$fe/device-type" disk \
		"$be/frontend" "$fe" "$be/frontend-id" $d "$be/online" 1 \
		"$be/removable" 0 "$be/bootable" 1 "$be/dev" xvda \
		"$be/type" qdisk "$be/mode" w "$be/device-type" disk \
		"$be/discard-enable" 1 "$be/state" 1 \
		"$be/params" "aio:$WORLD/$([ $d = 6 ] && echo b || echo a).img" ||
		hard_error "xenstore-write"
	xenstore-chmod -r "$fe" n$d r0 && xenstore-chmod -r "$be" n0 r$d ||
		hard_error "chmod"
done
"$XENPVD" $(dm_argv $GUEST) >"$DMLOG" 2>&1 &
DM=$!
track_pid $DM
wait_xs $DMSTATE/$GUEST/state running 1000 ||
	fail "device-model state '$XS_LAST', not running"
BE=/local/domain/0/backend/qdisk/$GUEST/51712
wait_xs $BE/state 2 || fail "$BE: state $XS_LAST, not InitWait"

# libxl's conversation on its monitor.
out=$(qmp_libxl "$WORLD/qmp-libxl-$GUEST" qmp_capabilities query-chardev \
	query-status) || fail "libxl's QMP conversation"
[ "$(sed -n 1p <<<"$out")" = '{"return": {}}' ] || fail "capabilities: $out"
[ "$(sed -n 2p <<<"$out")" = '{"return": []}' ] || fail "query-chardev: $out"
grep -q '"running": true' <<<"$out" || fail "query-status: $out"

raw 51712 "$WORLD/a.img" rw indirect=32 || fail "I/O through the device model"
out=$(qmp_xenstat "$WORLD/qmp-libxenstat-$GUEST") || fail "xentop's reading"
[ "$(wc -l <<<"$out")" = 1 ] || fail "more than its own disk: $out"
read -r dev file rd wr _ <<<"$out"
[ "$dev" = "vbd-$GUEST-51712" ] && [ "$file" = "$WORLD/a.img" ] ||
	fail "xentop sees: $out"
[ "$rd" -gt 0 ] && [ "$wr" -gt 0 ] || fail "no I/O counted: $out"
# Domain 6's disk is not this device model's: never touched.
[ "$(xenstore-read /local/domain/0/backend/qdisk/6/51712/state)" = 1 ] ||
	fail "domain 6's backend was touched"

# libxl's destroy: SIGHUP; the process goes, its sockets with it.
kill -HUP $DM
for _ in $(seq 100); do kill -0 $DM 2>/dev/null || break; sleep 0.1; done
kill -0 $DM 2>/dev/null && fail "still running 10 s after SIGHUP"
wait $DM || fail "device model exited with $?"
for f in qmp-libxl-$GUEST qmp-libxenstat-$GUEST xenpvd-dm-$GUEST.sock; do
	[ -e "$WORLD/$f" ] && fail "$f left behind"
done
ls "$WORLD" | grep -q handoff && fail "handoff files: $(ls "$WORLD")"

# Domain 6's own device model serves its disk, and stops on QMP quit.
"$XENPVD" $(dm_argv 6) >>"$DMLOG" 2>&1 &
DM=$!
track_pid $DM
wait_xs $DMSTATE/6/state running 1000 || fail "domain 6: state $XS_LAST"
wait_xs /local/domain/0/backend/qdisk/6/51712/state 2 ||
	fail "domain 6's disk: state $XS_LAST"
out=$(qmp_libxl "$WORLD/qmp-libxl-6" quit) || fail "quit"
[ "$out" = '{"return": {}}' ] || fail "quit: $out"
for _ in $(seq 100); do kill -0 $DM 2>/dev/null || break; sleep 0.1; done
kill -0 $DM 2>/dev/null && fail "still running after quit"
wait $DM || fail "exit status $? after quit"

# A domain that dies without libxl stopping its device model (xl killed):
# the device model sees it go and stops.
sim_domain_create 8 --mem-mb 64
"$XENPVD" $(dm_argv 8) >>"$DMLOG" 2>&1 &
DM=$!
track_pid $DM
wait_xs $DMSTATE/8/state running 1000 || fail "domain 8: state $XS_LAST"
"$XENPV_SIM" domain-destroy "$XENPV_SIM_WORLD" 8 ||
	hard_error "domain-destroy 8"
for _ in $(seq 100); do kill -0 $DM 2>/dev/null || break; sleep 0.1; done
kill -0 $DM 2>/dev/null && fail "device model of a dead domain still runs"
wait $DM || fail "exit status $? when its domain died"
grep -q "domain 8 is gone: stopping" "$DMLOG" || fail "no reason logged"

# A xenpvd service serving every domain takes a new guest's disk before
# libxl starts the guest's device model: the device model must refuse
# (two backends on one ring), say why, and not claim to run.
sim_domain_create 7 --mem-mb 64
start_sim_xenpvd --debug=dev
GUEST=7 attach 51712 "$WORLD/b.img" w
"$XENPVD" $(dm_argv 7) >"$WORLD/dm7.log" 2>&1 && fail "device model ran"
grep -q "another backend serves it.*domid = 0" "$WORLD/dm7.log" ||
	fail "no reason given: $(cat "$WORLD/dm7.log")"
xenstore-read $DMSTATE/7/state >/dev/null 2>&1 &&
	fail "state written by a device model that refused"
[ -e "$WORLD/qmp-libxl-7" ] && fail "socket left by a refused device model"
exit 0
