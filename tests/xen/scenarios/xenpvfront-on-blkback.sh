#!/bin/bash
# SPDX-License-Identifier: MIT
# xenpvfront-on-blkback - libxenpvfront in dom0 (dom0 grants to itself) uses
# a disk served by Linux xen-blkback (backendtype=phy on a loop device):
# xenpvctl io writes a verifiable pattern with 1 MiB requests (which need
# indirect segments), rewrites random blocks, flushes, reads everything
# back and checks every byte.  blkback's own statistics must show requests
# larger than 11 segments.
#
# dom0's kernel never loads xen-blkfront here (dom0 /init does not), so no
# kernel frontend takes the device that xl block-attach gives dom0.
. /xpv/xpv-lib.sh "$1"
need_bin xenpvctl

lsmod 2>/dev/null | grep -q '^xen_blkfront' && rmmod xen-blkfront
mkimg /tmp/bb.img 128 || fail "cannot create the disk image"
loop=$(losetup -f --show /tmp/bb.img) || fail "losetup"
# The loop device's own counters: what really reached the disk under
# blkback (field 7 of /sys/block/*/stat: sectors written).
loop_wr0=$(awk '{print $7}' /sys/block/${loop#/dev/}/stat)
devid=$(devid_of xvdb)
be=/local/domain/0/backend/vbd/0/$devid
fe=/local/domain/0/device/vbd/$devid
timeout 90 xl block-attach 0 \
	"format=raw,vdev=xvdb,access=rw,backendtype=phy,target=$loop" ||
	{ xs_dump "$be" "$fe"; fail "xl block-attach failed"; }
for ((tick = 0; tick < XPV_CONNECT_WAIT * 5; tick++)); do
	[ "$(xs $be/state)" = 2 ] && break
	sleep 0.2
done
note "blkback state $(xs $be/state)"
xenpvctl io --domid 0 --devid "$devid" --platform xen --verify \
	--size 64M >/tmp/io.out 2>&1 &
io=$!
track_pid $io
for ((tick = 0; tick < XPV_CONNECT_WAIT * 5; tick++)); do
	[ "$(xs $fe/state)" = 4 ] && break
	kill -0 $io 2>/dev/null || break
	sleep 0.2
done
xs_dump "$be" "$fe"
fe_ord=$(xs $fe/ring-page-order) fe_q=$(xs $fe/multi-queue-num-queues)
fe_p=$(xs $fe/feature-persistent)
# blkback's statistics belong to the connection and vanish when the
# frontend closes: sample them while the I/O runs, keep the last.
wr_req=0 wr_sect=0 rd_req=0 rd_sect=0
sys=/sys/bus/xen-backend/devices/vbd-0-$devid/statistics
while kill -0 $io 2>/dev/null; do
	v=$(cat $sys/wr_req 2>/dev/null) && [ "${v:-0}" -gt 0 ] && {
		wr_req=$v wr_sect=$(cat $sys/wr_sect 2>/dev/null)
		rd_req=$(cat $sys/rd_req 2>/dev/null)
		rd_sect=$(cat $sys/rd_sect 2>/dev/null)
	}
	sleep 0.1
done
rc=0
wait $io || rc=$?
sed 's/^/xenpvctl: /' /tmp/io.out
# libxenpvfront shares its pages through gntalloc, whose module parameter
# caps the pages a dom0 process may share (1024 by default).
grep -q 'No space left' /tmp/io.out &&
	note "gntalloc limit: $(cat /sys/module/xen_gntalloc/parameters/limit 2>/dev/null) pages"
note "blkback: wr_req=$wr_req wr_sect=$wr_sect rd_req=$rd_req rd_sect=$rd_sect"
note "libxenpvfront chose ring-page-order=$fe_ord queues=$fe_q persistent=$fe_p"
loop_wr=$(( $(awk '{print $7}' /sys/block/${loop#/dev/}/stat) - loop_wr0 ))
note "loop device: $loop_wr sectors written"

# Only 1 MiB writes now (io mixes in thousands of 4 KiB ones): each must
# reach blkback as one indirect request, so its average is far above the
# 88 sectors 11 segments carry.  A new connection: blkback's counters start
# at zero.
xenpvctl bench --domid 0 --devid "$devid" --platform xen --rw write \
	--bs 1m --iodepth 4 --runtime 3 >/tmp/bench.out 2>&1 &
bench=$!
track_pid $bench
bw_req=0 bw_sect=0
# Two files read one after the other: when the bench ends, blkback tears
# its rings down and the sums drop to 0 between the two reads, so only a
# sample with both counters non-zero counts.
while kill -0 $bench 2>/dev/null; do
	v=$(cat $sys/wr_req 2>/dev/null) && s=$(cat $sys/wr_sect 2>/dev/null) &&
		[ "${v:-0}" -gt 0 ] && [ "${s:-0}" -gt 0 ] &&
		bw_req=$v bw_sect=$s
	sleep 0.1
done
brc=0
wait $bench || brc=$?
sed 's/^/xenpvctl: /' /tmp/bench.out
note "blkback during 1 MiB writes: wr_req=$bw_req wr_sect=$bw_sect"
timeout 60 xl block-detach 0 xvdb || note "xl block-detach failed"
losetup -d "$loop"

check [ $rc = 0 ] -- "xenpvctl io exit status 0 ($rc)"
check grep -q '^io: ok' /tmp/io.out -- "xenpvctl io verified the data"
check [ "$fe_p" = 1 ] -- "libxenpvfront offered persistent grants ($fe_p)"
check grep -q 'persistent=1' /tmp/io.out -- \
	"persistent grants in use (blkback offers them only at Connected)"
check num "$wr_req" -gt 0 -- "blkback served writes ($wr_req)"
check num "$loop_wr" -ge 131072 -- \
	"the disk under blkback received the 64 MiB written ($loop_wr sectors)"
check [ $brc = 0 ] -- "xenpvctl bench of 1 MiB writes exit status 0 ($brc)"
check num "$bw_req" -gt 0 -- "blkback served the 1 MiB writes ($bw_req)"
[ "${bw_req:-0}" -gt 0 ] &&
	check [ $((bw_sect / bw_req)) -gt 88 ] -- \
		"1 MiB writes arrive as requests of more than 11 segments: $((bw_sect / bw_req)) sectors each"
finish
