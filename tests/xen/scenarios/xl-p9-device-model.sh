#!/bin/bash
# SPDX-License-Identifier: MIT
# xl-p9-device-model - xenpvd in place of QEMU as the device model that
# serves a PV guest's 9pfs share, with Debian's unpatched Xen 4.17 xl:
#   p9 = ['tag=share,path=/tmp/xlp9-export,security_model=none']
#   device_model_override = "/opt/xenpvd/bin/xenpvd"
# A PV guest with a p9 device needs a device model in libxl 4.17, so
# `xl create` starts xenpvd with QEMU's command line; it serves the
# domain's backend/9pfs directory (libxl's keys: path, tag,
# security_model), writes device-model/<domid>/state=running and answers
# libxl's QMP.  The guest's Linux 9pnet_xen + v9fs mounts the share at
# msize 512 KiB and runs the 9pfs job (every operation checked, a tree
# copied in, a remount at 128 KiB, sums checked again); dom0 checks the
# tree's sums and `ls -lnR` on its side and that nothing outside the
# export changed.  `xl shutdown -w` ends it all: libxl's SIGHUP stops
# xenpvd, its sockets are gone, the backend directory too, and libxl did
# not time out.
# xpv-timeout: 600
. /xpv/xpv-lib.sh "$1"
need_bin xenpvd

g=xlp9
ex=/tmp/xlp9-export
rm -rf $ex && mkdir -p $ex || fail "mkdir $ex"
echo canary >/tmp/xlp9-canary
guest_create $g \
	'extra = "console=hvc0 loglevel=4 rdinit=/init xpv_mode=p9 xpv_after=wait xpv_wait=120 xpv_p9tag=share xpv_p9msize=524288 xpv_p9msize2=131072 xpv_p9big=0"' \
	"p9 = [ 'tag=share,path=$ex,security_model=none' ]" \
	'device_model_override = "/opt/xenpvd/bin/xenpvd"' \
	'device_model_args_pv = [ "--debug=dev" ]' ||
	fail "xl create failed: $(tail -n 3 /tmp/$g.create; tail -n 5 /var/log/xen/qemu-dm-$g.log 2>/dev/null)"
d=$GUEST_DOMID
be=/local/domain/0/backend/9pfs/$d/0
fe=/local/domain/$d/device/9pfs/0
dm_started $d
ok=0
guest_wait $g 480 && ok=1
xs_dump "$be" "$fe"
bepath=$(xs $be/path)
sock=/run/xenpvd/xenpvd-dm-$d.sock
st=$(XENPVD_SOCK=$sock xenpvd_stats)
echo "stats: $st"

xl_shutdown_wait $g $be
dm_wait_gone $g

[ $ok = 1 ] || FAILS+=("$GUEST_WHY")
check [ "$bepath" = $ex ] -- "libxl wrote the share's path ($bepath)"
check num "$(stat_of "$st" requests)" -gt 0 -- "the device model served 9P requests"
check [ "$(stat_of "$st" rings_broken)" = 0 ] -- "no ring stopped"
check [ "$(guest_val $g p9_verified)" = 1 ] -- "the guest verified after remount"
check sh -c "cd $ex/tree && sha256sum -c ../tree.sha256 >/tmp/xlp9-c.out 2>&1" \
	-- "the tree's sums hold on dom0's side"
(cd $ex && ls -lnR tree) >/tmp/xlp9-lsR.dom0
check cmp -s /tmp/xlp9-lsR.dom0 $ex/lsR.guest -- "ls -lnR the same on both sides"
check sh -c "cd $ex && sha256sum -c big.sha" -- "big.sha on dom0's side"
check [ "$(cat /tmp/xlp9-canary)" = canary ] -- "the canary outside the export"
check [ $SHUTDOWN_RC = 0 ] -- "xl shutdown -w succeeded ($SHUTDOWN_RC)"
check [ $BE_GONE = 1 ] -- "libxl removed the backend directory"
check [ $DM_ALIVE = 0 ] -- "the device model stopped (within 60 s)"
check [ ! -e "$sock" ] -- "no control socket left"
check [ ! -e /var/run/xen/qmp-libxl-$d ] -- "no QMP socket left"
check [ "${XL_TIMEOUTS:-0}" = 0 ] -- "libxl did not time out"
note "tree files: $(guest_val $g tree_files)"
finish
