#!/bin/bash
# SPDX-License-Identifier: MIT
# blkfront-on-xenpvd - a PV guest's Linux xen-blkfront uses a disk served by
# xenpvd in dom0.  The guest makes an ext4 filesystem, writes files (also
# with 1 MiB O_DIRECT writes), reads them back after dropping its caches and
# checks their sha256.  XenStore must show indirect segments, a multi-page
# ring, two queues and persistent grants negotiated as configured (xenpvd
# --persistent: in this PV dom0 `auto` would not offer them), and
# xenpvd's statistics must show requests of more than 11 segments arriving
# as indirect requests, and Xen's xentop must show the VBD (over QMP).
#
# The disk is attached after the guest is up (xenpvctl attach writes
# libxl's keys for a qdisk disk; blkfront picks hot-plugged VBDs up): with
# backendtype=qdisk in the guest config, libxl would start a QEMU device
# model and wait for it.
. /xpv/xpv-lib.sh "$1"
need_bin xenpvd
need_bin xenpvctl

g=fe1
mkimg /tmp/$g.img 128 || fail "cannot create the disk image"
start_xenpvd --persistent
guest_create $g \
	'extra = "console=hvc0 loglevel=4 rdinit=/init xpv_mode=fs xpv_after=wait xpv_wait=120 xen_blkfront.max_ring_page_order=2 xen_blkfront.max_indirect_segments=64 xen_blkfront.max_queues=2"' ||
	fail "xl create failed"
d=$GUEST_DOMID
be=/local/domain/0/backend/qdisk/$d/51712
fe=/local/domain/$d/device/vbd/51712
if ! attach_xenpvd "$d" xvda /tmp/$g.img; then
	xs_dump "$be" "$fe"
	stop_xenpvd
	guest_dump $g
	fail "xenpvctl attach: the VBD did not connect"
fi
note "connected"
xs_dump "$be" "$fe"
be_ind=$(xs $be/feature-max-indirect-segments) be_ord=$(xs $be/max-ring-page-order)
be_q=$(xs $be/multi-queue-max-queues) be_p=$(xs $be/feature-persistent)
fe_ord=$(xs $fe/ring-page-order) fe_q=$(xs $fe/multi-queue-num-queues)
fe_p=$(xs $fe/feature-persistent)
ok=0
guest_wait $g 240 && ok=1
note "guest done"
st=$(vbd_stats "$d" 51712)
echo "stats: $st"
# Xen's xentop: libxenstat asks qmp-libxenstat-<domid>, which xenpvd
# makes for each domain it serves under backend/qdisk.  An answer may
# miss libxenstat's 10 ms under emulation: a few tries.
xt=
for _ in 1 2 3 4 5 6; do
	xt=$(timeout 30 xentop -b -x -i 1 2>/dev/null | grep -a "VBD.* 51712 ")
	grep -q "RD: *[1-9]" <<<"$xt" && break
	sleep 1
done
note "xentop: $xt"
guest_dump $g
detach_xenpvd "$d" xvda || note "detach failed"
timeout 60 xl destroy $g
stop_xenpvd

[ $ok = 1 ] || fail "$GUEST_WHY"
check [ "$be_ind" = 256 ] -- "xenpvd offered 256 indirect segments ($be_ind)"
check [ "$be_ord" = 4 ] -- "xenpvd offered ring order 4 ($be_ord)"
check [ "$be_q" = 2 ] -- "xenpvd offered 2 queues ($be_q)"
check [ "$be_p" = 1 ] -- "xenpvd offered persistent grants ($be_p)"
check [ "$fe_ord" = 2 ] -- "blkfront chose ring order 2 ($fe_ord)"
check [ "$fe_q" = 2 ] -- "blkfront chose 2 queues ($fe_q)"
check [ "$fe_p" = 1 ] -- "blkfront uses persistent grants ($fe_p)"
check [ "$(guest_val $g max_segments)" = 64 ] -- \
	"blkfront uses 64 indirect segments (max_segments=$(guest_val $g max_segments))"
check [ "$(guest_val $g nr_hw_queues)" = 2 ] -- \
	"blkfront uses 2 queues (nr_hw_queues=$(guest_val $g nr_hw_queues))"
check num "$(guest_val $g files_verified)" -eq 22 -- "guest verified 22 files"
check [ -n "$st" ] -- "xenpvd reports statistics for the VBD"
big=$(( $(stat_of "$st" segs_12_64) + $(stat_of "$st" segs_65_256) + $(stat_of "$st" segs_257_4096) )) 2>/dev/null || big=
check num "$big" -gt 0 -- "requests of more than 11 segments arrived ($big)"
check num "$(stat_of "$st" indirect)" -ge "${big:-1}" -- \
	"each of them as an indirect request (indirect=$(stat_of "$st" indirect))"
check [ "$(stat_of "$st" queues)" = 2 ] -- "xenpvd serves 2 queues"
check num "$(stat_of "$st" pgrant_hits)" -gt 0 -- \
	"persistent grants reused (pgrant_hits=$(stat_of "$st" pgrant_hits))"
check [ "$(stat_of "$st" errors)" = 0 ] -- "no request answered with an error"
check [ "$(stat_of "$st" ring_broken)" = 0 ] -- "no ring stopped"
check grep -q "RD: *[1-9]" <<<"$xt" -- "xentop shows the VBD's reads ($xt)"
finish
