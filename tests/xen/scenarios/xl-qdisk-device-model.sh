#!/bin/bash
# SPDX-License-Identifier: MIT
# xl-qdisk-device-model - xenpvd in place of QEMU as a PV guest's device
# model, with Debian's unpatched Xen 4.17 xl:
#   disk = ['format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=IMG']
#   device_model_override = "/opt/xenpvd/bin/xenpvd"
# `xl create` starts xenpvd with QEMU's command line; it writes
# device-model/<domid>/state=running and answers libxl's QMP, so the
# create succeeds; the guest's blkfront makes a filesystem on the disk and
# checks its files, with indirect requests; `xl block-attach` of a second
# qdisk disk at run time is served by the same device model and
# `xl block-detach` takes it away within 10 s; Xen's own xentop (libxenstat
# over QMP) shows the guest's VBD with xenpvd's counters; `xl shutdown -w`
# ends it all: libxl's SIGHUP stops xenpvd, its sockets are gone, the
# backend directory too, and libxl did not time out.
# xpv-timeout: 420
. /xpv/xpv-lib.sh "$1"
need_bin xenpvd

g=xlq
mkimg /tmp/$g.img 128 || fail "cannot create the disk image"
mkimg /tmp/$g-b.img 16 || fail "cannot create the second image"
guest_create $g \
	'extra = "console=hvc0 loglevel=4 rdinit=/init xpv_mode=fs xpv_after=wait xpv_wait=60"' \
	"disk = ['format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=/tmp/$g.img']" \
	'device_model_override = "/opt/xenpvd/bin/xenpvd"' \
	'device_model_args_pv = [ "--debug=dev" ]' ||
	fail "xl create failed: $(tail -n 3 /tmp/$g.create; tail -n 5 /var/log/xen/qemu-dm-$g.log 2>/dev/null)"
d=$GUEST_DOMID
be=/local/domain/0/backend/qdisk/$d/51712
dm_started $d
ind=$(xs $be/feature-max-indirect-segments)
ok=0
guest_wait $g 240 && ok=1
sock=/run/xenpvd/xenpvd-dm-$d.sock
st=$(XENPVD_SOCK=$sock vbd_stats "$d" 51712)
echo "stats: $st"

# A second disk at run time: the device model serves it, and gives it up.
b=/local/domain/0/backend/qdisk/$d/51728
timeout 60 xl block-attach $g "format=raw,vdev=xvdb,access=rw,backendtype=qdisk,target=/tmp/$g-b.img"
arc=$?
bst=
for ((tick = 0; tick < XPV_CONNECT_WAIT; tick++)); do
	bst=$(xs $b/state)
	[ "$bst" = 4 ] && break
	sleep 1
done
t0=$SECONDS
timeout 60 xl block-detach $g xvdb
drc=$?
t1=$SECONDS
bleft=$(xs $b/state)
note "block-attach $arc (state $bst), block-detach $drc after $((t1 - t0))s"

# xentop (libxenstat over qmp-libxenstat-<domid>): the guest's VBD line.
# Under emulation an answer may miss libxenstat's 10 ms: a few tries.
xt= tries=0
for tries in 1 2 3 4 5 6; do
	xt=$(timeout 30 xentop -b -x -i 2 -d 1 2>&1)
	grep -q "VBD.*51712.*RD: *[1-9]" <<<"$xt" && break
	sleep 1
done
echo "$xt" | grep -a -A3 "^ *$g " | sed 's/^/xentop: /'
xt_vbd=$(grep -a "VBD.*51712" <<<"$xt" | tail -n 1)

xl_shutdown_wait $g $be
dm_wait_gone $g

[ $ok = 1 ] || FAILS+=("$GUEST_WHY")
check [ "$ind" = 256 ] -- "the device model offers 256 indirect segments ($ind)"
check num "$(guest_val $g files_verified)" -eq 22 -- "guest verified 22 files"
check num "$(stat_of "$st" indirect)" -gt 0 -- "requests came as indirect ones"
check [ "$(stat_of "$st" errors)" = 0 ] -- "no request answered with an error"
check [ $arc = 0 ] -- "xl block-attach of a qdisk disk succeeded ($arc)"
check [ "$bst" = 4 ] -- "the device model connected the second disk ($bst)"
check [ $drc = 0 ] -- "xl block-detach succeeded ($drc)"
check num $((t1 - t0)) -lt 10 -- "block-detach took under 10 s"
check [ -z "$bleft" ] -- "libxl removed the second disk's directory"
check [ -n "$xt_vbd" ] -- "xentop shows the guest's VBD (after $tries tries)"
check grep -q "RD: *[1-9]" <<<"$xt_vbd" -- "xentop counts its reads ($xt_vbd)"
check [ $SHUTDOWN_RC = 0 ] -- "xl shutdown -w succeeded ($SHUTDOWN_RC)"
check [ $BE_GONE = 1 ] -- "libxl removed the backend directory"
check [ $DM_ALIVE = 0 ] -- "the device model stopped (within 60 s)"
check [ ! -e /var/run/xen/qmp-libxenstat-$d ] -- "no QMP socket left"
check [ ! -e "$sock" ] -- "no control socket left"
check [ "${XL_TIMEOUTS:-0}" = 0 ] -- "libxl did not time out"
finish
