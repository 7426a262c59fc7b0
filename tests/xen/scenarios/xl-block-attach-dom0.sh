#!/bin/bash
# SPDX-License-Identifier: MIT
# xl-block-attach-dom0 - `xl block-attach 0 'format=raw,vdev=xvdb,
# access=rw,backendtype=phy,script=block-xenpvd,target=IMAGE'`: a disk
# served by xenpvd (--type=vbd, Linux xen-blkback not loaded) to dom0
# itself, through dom0's own Linux xen-blkfront (dom0 grants to itself).
# dom0 writes 16 MiB of random data with 1 MiB O_DIRECT writes, reads it
# back through the disk and compares; `xl block-detach 0 xvdb` succeeds
# within libxl's 10 s, /dev/xvdb goes away, xenpvd closes the disk, and
# the image file holds exactly the data written.
# xpv-timeout: 300
. /xpv/xpv-lib.sh "$1"
need_bin xenpvd
[ -x /etc/xen/scripts/block-xenpvd ] || skip "no block-xenpvd in /etc/xen/scripts"
without_blkback
modprobe xen-blkfront || fail "modprobe xen-blkfront in dom0"

img=/tmp/xl0.img
mkimg $img 64 || fail "cannot create the disk image"
dd if=/dev/urandom of=/tmp/xl0.data bs=1M count=16 2>/dev/null ||
	fail "random data"
start_xenpvd --type=vbd --debug=dev
be=/local/domain/0/backend/vbd/0/51728
timeout 60 xl block-attach 0 "$(xl_disk $img xvdb)"
arc=$?
note "xl block-attach 0: status $arc"
for ((tick = 0; tick < XPV_CONNECT_WAIT * 10; tick++)); do
	[ -b /dev/xvdb ] && [ -e /sys/block/xvdb/queue/max_segments ] && break
	sleep 0.1
done
xs_dump "$be"
hp=$(xs $be/hotplug-status)
segs=$(cat /sys/block/xvdb/queue/max_segments 2>/dev/null)
wrc=1 rrc=1 same=0
if [ -b /dev/xvdb ]; then
	dd if=/tmp/xl0.data of=/dev/xvdb bs=1M oflag=direct 2>&1 && wrc=0
	dd if=/dev/xvdb of=/tmp/xl0.back bs=1M count=16 iflag=direct 2>&1 &&
		rrc=0
	cmp -s /tmp/xl0.data /tmp/xl0.back && same=1
fi
st=$(vbd_stats 0 51728)
echo "stats: $st"
t0=$SECONDS
timeout 60 xl block-detach 0 xvdb
drc=$?
t1=$SECONDS
note "xl block-detach 0: status $drc after $((t1 - t0))s"
gone=0
for ((tick = 0; tick < 50; tick++)); do
	[ -b /dev/xvdb ] || { gone=1; break; }
	sleep 0.1
done
left=$(xs $be/state)
n=$(xenpvd_nr_vbds)
stop_xenpvd >/tmp/xl0.xenpvd.log
cat /tmp/xl0.xenpvd.log
# The image itself, read behind xenpvd's back.
dd if=$img of=/tmp/xl0.img16 bs=1M count=16 2>/dev/null

check [ $arc = 0 ] -- "xl block-attach 0 succeeded (status $arc)"
check [ "$hp" = connected ] -- "the hotplug script connected ($hp)"
check [ -n "$segs" ] -- "dom0's blkfront made /dev/xvdb"
check [ $wrc = 0 ] -- "1 MiB O_DIRECT writes to /dev/xvdb"
check [ $rrc = 0 ] -- "O_DIRECT reads from /dev/xvdb"
check [ $same = 1 ] -- "the data read back is the data written"
check num "$(stat_of "$st" requests)" -gt 0 -- "xenpvd served dom0's requests"
check [ "$(stat_of "$st" errors)" = 0 ] -- "no request answered with an error"
check [ $drc = 0 ] -- "xl block-detach 0 succeeded (status $drc)"
check num $((t1 - t0)) -lt 10 -- "block-detach took under 10 s ($((t1 - t0)) s)"
check [ $gone = 1 ] -- "/dev/xvdb went away"
check [ -z "$left" ] -- "libxl removed the backend directory (state '$left')"
check grep -q "$be: -> Closed" /tmp/xl0.xenpvd.log -- "xenpvd closed the disk"
check [ "${n:-x}" = 0 ] -- "xenpvd serves no VBD after the detach ($n)"
check cmp -s /tmp/xl0.data /tmp/xl0.img16 -- "the image holds the data written"
finish
