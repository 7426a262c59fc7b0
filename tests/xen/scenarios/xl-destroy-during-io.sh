#!/bin/bash
# SPDX-License-Identifier: MIT
# xl-destroy-during-io - `xl destroy` of a guest in the middle of I/O on a
# disk served by xenpvd (xl disk line with backendtype=phy,
# script=block-xenpvd; xenpvd --type=vbd; Linux xen-blkback not loaded).
# A second guest, on its own xenpvd disk, does I/O at the same time.  The
# destroy succeeds, xenpvd lets go of the dead guest's pages (the domain
# really goes away: no dying domain is left in `xl list`), its backend
# directory is removed, xenpvd stays up, the other guest's disk is not
# affected (its filesystem job passes, no error in its statistics), and a
# new guest on the first image works.
# xpv-timeout: 600
. /xpv/xpv-lib.sh "$1"
need_bin xenpvd
[ -x /etc/xen/scripts/block-xenpvd ] || skip "no block-xenpvd in /etc/xen/scripts"
without_blkback

base='console=hvc0 loglevel=4 rdinit=/init xpv_wait=60'
mkimg /tmp/busy.img 64 || fail "image"
mkimg /tmp/other.img 128 || fail "image"
start_xenpvd --type=vbd --debug=dev
guest_create busy "extra = \"$base xpv_mode=busy\"" \
	"disk = ['$(xl_disk /tmp/busy.img)']" ||
	{ stop_xenpvd; fail "xl create busy failed"; }
db=$GUEST_DOMID
guest_create other "extra = \"$base xpv_mode=fs xpv_after=wait\"" \
	"disk = ['$(xl_disk /tmp/other.img)']" ||
	{ stop_xenpvd; fail "xl create other failed"; }
do=$GUEST_DOMID
# The busy guest has started its loop and done some I/O.
busy=0
for ((tick = 0; tick < XPV_CONNECT_WAIT; tick++)); do
	[ "$(guest_val busy busy)" = 1 ] &&
		[ "$(stat_of "$(vbd_stats $db 51712)" requests)" -gt 100 ] 2>/dev/null &&
		{ busy=1; break; }
	sleep 1
done
st_busy=$(vbd_stats $db 51712)
echo "busy guest stats before the destroy: $st_busy"
t0=$SECONDS
timeout 60 xl destroy busy
drc=$?
t1=$SECONDS
note "xl destroy: status $drc after $((t1 - t0))s"
gone=0
for ((tick = 0; tick < 30; tick++)); do
	if ! xl list | awk 'NR > 1 { print $2 }' | grep -qx "$db" &&
	   [ -z "$(xs /local/domain/$db/name)" ]; then
		gone=1
		break
	fi
	sleep 1
done
xl list
left=$(xs /local/domain/0/backend/vbd/$db/51712/state)
alive=0
kill -0 "$XENPVD_PID" 2>/dev/null && alive=1
ok=0
guest_wait other 300 && ok=1
st_other=$(vbd_stats $do 51712)
echo "other guest stats: $st_other"
guest_dump other
timeout 60 xl destroy other

# A new guest on the image of the destroyed one.
ok2=0
if guest_create again "extra = \"$base xpv_mode=fs\"" \
	"disk = ['$(xl_disk /tmp/busy.img)']"; then
	guest_wait again 300 && ok2=1
	[ $ok2 = 1 ] || guest_dump again
	timeout 60 xl destroy again
fi
guest_dump busy | tail -n 5
stop_xenpvd >/tmp/destroy.xenpvd.log
grep -v 'debug dev' /tmp/destroy.xenpvd.log

check [ $busy = 1 ] -- "the busy guest was doing I/O through xenpvd"
check [ $drc = 0 ] -- "xl destroy succeeded (status $drc)"
check [ $gone = 1 ] -- "domain $db went away (xenpvd let go of its pages)"
check [ -z "$left" ] -- "its backend directory was removed"
check [ $alive = 1 ] -- "xenpvd is still running"
[ $ok = 1 ] || FAILS+=("other guest: $GUEST_WHY")
check num "$(guest_val other files_verified)" -eq 22 -- "the other guest verified 22 files"
check [ "$(stat_of "$st_other" errors)" = 0 ] -- "no error on the other guest's disk"
check [ $ok2 = 1 ] -- "a new guest on the destroyed guest's image works"
finish
