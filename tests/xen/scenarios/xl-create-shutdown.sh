#!/bin/bash
# SPDX-License-Identifier: MIT
# xl-create-shutdown - the documented xl disk line for xenpvd, on Debian's
# unpatched Xen 4.17 xl:
#   disk = ['format=raw,vdev=xvda,access=rw,backendtype=phy,
#            script=block-xenpvd,target=IMAGE']
# with xenpvd --type=vbd as the dom0 service and Linux xen-blkback not
# loaded.  `xl create` runs our hotplug script (hotplug-status connected),
# the guest's blkfront makes a filesystem and checks its files; then
# `xl shutdown -w`: the guest powers off, libxl removes the disk, xenpvd
# closes it within libxl's 10 s (its log says Closed; libxl does not time
# out), the backend directory is gone and xenpvd serves nothing more.
# xpv-timeout: 400
. /xpv/xpv-lib.sh "$1"
need_bin xenpvd
[ -x /etc/xen/scripts/block-xenpvd ] || skip "no block-xenpvd in /etc/xen/scripts"
without_blkback

g=xl1
mkimg /tmp/$g.img 128 || fail "cannot create the disk image"
start_xenpvd --type=vbd --debug=dev
guest_create $g \
	'extra = "console=hvc0 loglevel=4 rdinit=/init xpv_mode=fs xpv_after=wait xpv_wait=60"' \
	"disk = ['$(xl_disk /tmp/$g.img)']" ||
	{ stop_xenpvd; fail "xl create failed"; }
d=$GUEST_DOMID
be=/local/domain/0/backend/vbd/$d/51712
xs_dump "$be"
hp=$(xs $be/hotplug-status) pdp=$(xs $be/physical-device-path)
script=$(xs $be/script) ind=$(xs $be/feature-max-indirect-segments)
ok=0
guest_wait $g 240 && ok=1
st=$(vbd_stats "$d" 51712)
echo "stats: $st"
xl_shutdown_wait $g $be
n=$(xenpvd_nr_vbds)
xl list
stop_xenpvd >/tmp/$g.xenpvd.log
cat /tmp/$g.xenpvd.log
# libxl logs a backend that did not close in time ("timed out").
xl_timeouts=$(grep -a -i -c 'timed out\|timeout' /var/log/xen/xl-$g.log 2>/dev/null)
grep -a -i 'timed out\|timeout' /var/log/xen/xl-$g.log 2>/dev/null |
	sed 's/^/xl log: /'

[ $ok = 1 ] || fail "$GUEST_WHY"
check [ "$script" = /etc/xen/scripts/block-xenpvd ] -- "libxl wrote script ($script)"
check [ "$hp" = connected ] -- "the hotplug script connected ($hp)"
check [ "$pdp" = /tmp/$g.img ] -- "physical-device-path is the image ($pdp)"
check [ "$ind" = 256 ] -- "xenpvd serves backend/vbd with 256 indirect segments ($ind)"
check num "$(guest_val $g files_verified)" -eq 22 -- "guest verified 22 files"
check num "$(stat_of "$st" requests)" -gt 0 -- "xenpvd served the guest's requests"
check [ "$(stat_of "$st" errors)" = 0 ] -- "no request answered with an error"
check [ $SHUTDOWN_RC = 0 ] -- "xl shutdown -w succeeded (status $SHUTDOWN_RC)"
check [ "$(guest_val $g shutdown)" = 1 ] -- "the guest shut down in an orderly way"
check [ $BE_GONE = 1 ] -- "libxl removed the backend directory"
check grep -q "$be: -> Closed" /tmp/$g.xenpvd.log -- "xenpvd closed the disk"
check [ "${n:-x}" = 0 ] -- "xenpvd serves no VBD after the shutdown ($n)"
check [ -f /var/log/xen/xl-$g.log ] -- "xl logged to /var/log/xen/xl-$g.log"
check [ "${xl_timeouts:-0}" = 0 ] -- \
	"libxl did not time out waiting for the backend"
finish
