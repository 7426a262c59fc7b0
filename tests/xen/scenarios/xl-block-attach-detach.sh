#!/bin/bash
# SPDX-License-Identifier: MIT
# xl-block-attach-detach - a disk served by xenpvd given to a running guest
# with `xl block-attach DOM 'format=raw,vdev=xvda,access=rw,backendtype=phy,
# script=block-xenpvd,target=IMAGE'` (Debian's unpatched Xen 4.17 xl,
# xenpvd --type=vbd, Linux xen-blkback not loaded): the guest's blkfront
# picks it up and checks a filesystem on it; `xl block-detach DOM xvda`
# then succeeds within libxl's 10 s, xenpvd closes the disk, the backend
# directory is gone; the image holds the guest's filesystem (fsck clean);
# block-attach and block-detach of the same image to the same guest work
# again, four more times in a row (each connects, each detaches).
# xpv-timeout: 420
. /xpv/xpv-lib.sh "$1"
need_bin xenpvd
[ -x /etc/xen/scripts/block-xenpvd ] || skip "no block-xenpvd in /etc/xen/scripts"
without_blkback

g=xl2
mkimg /tmp/$g.img 128 || fail "cannot create the disk image"
start_xenpvd --type=vbd --debug=dev
guest_create $g \
	'extra = "console=hvc0 loglevel=4 rdinit=/init xpv_mode=fs xpv_after=wait xpv_wait=120"' ||
	{ stop_xenpvd; fail "xl create failed"; }
d=$GUEST_DOMID
be=/local/domain/0/backend/vbd/$d/51712
timeout 60 xl block-attach $d "$(xl_disk /tmp/$g.img)"
arc=$?
note "xl block-attach: status $arc"
hp=$(xs $be/hotplug-status)
ok=0
guest_wait $g 240 && ok=1
st=$(vbd_stats "$d" 51712)
echo "stats: $st"
t0=$SECONDS
timeout 60 xl block-detach $d xvda
drc=$?
t1=$SECONDS
note "xl block-detach: status $drc after $((t1 - t0))s"
left=$(xs $be/state)
n=$(xenpvd_nr_vbds)
fsck=$(e2fsck -f -n /tmp/$g.img 2>&1) && fsck_ok=1 || fsck_ok=0
echo "$fsck" | tail -n 3 | sed 's/^/e2fsck: /'

# Again and again: the same image, the same guest (blkfront sees a new
# xvda each time).  A cycle counts when the attach succeeded, xenpvd
# served the disk's queues and the detach succeeded.
cycles_ok=0 cycles_why=
for ((cycle = 2; cycle <= 5; cycle++)); do
	timeout 60 xl block-attach $d "$(xl_disk /tmp/$g.img)"
	arc2=$?
	st2=
	for ((tick = 0; tick < XPV_CONNECT_WAIT; tick++)); do
		st2=$(vbd_stats "$d" 51712)
		[ "$(stat_of "$st2" queues)" -gt 0 ] 2>/dev/null && break
		sleep 1
	done
	timeout 60 xl block-detach $d xvda
	drc2=$?
	note "attach $cycle: status $arc2, detach $drc2, stats $st2"
	if [ $arc2 = 0 ] && [ $drc2 = 0 ] &&
	   [ "$(stat_of "$st2" queues)" -gt 0 ] 2>/dev/null; then
		cycles_ok=$((cycles_ok + 1))
	else
		cycles_why+=" attach $cycle: status $arc2, detach $drc2;"
		xs_dump $be
		break
	fi
done
guest_dump $g
timeout 60 xl destroy $g
stop_xenpvd >/tmp/$g.xenpvd.log
cat /tmp/$g.xenpvd.log

check [ $arc = 0 ] -- "xl block-attach succeeded (status $arc)"
check [ "$hp" = connected ] -- "the hotplug script connected ($hp)"
[ $ok = 1 ] || FAILS+=("$GUEST_WHY")
check num "$(guest_val $g files_verified)" -eq 22 -- "guest verified 22 files"
check [ "$(stat_of "$st" errors)" = 0 ] -- "no request answered with an error"
check [ $drc = 0 ] -- "xl block-detach succeeded (status $drc)"
check num $((t1 - t0)) -lt 10 -- "block-detach took under 10 s ($((t1 - t0)) s)"
check [ -z "$left" ] -- "libxl removed the backend directory (state '$left')"
check grep -q "$be: -> Closed" /tmp/$g.xenpvd.log -- "xenpvd closed the disk"
check [ "${n:-x}" = 0 ] -- "xenpvd serves no VBD after the detach ($n)"
check [ $fsck_ok = 1 ] -- "the image holds a clean filesystem"
check [ $cycles_ok = 4 ] -- \
	"4 more attach-connect-detach cycles of the same disk ($cycles_ok;$cycles_why)"
finish
