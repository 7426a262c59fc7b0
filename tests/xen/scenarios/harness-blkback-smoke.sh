#!/bin/bash
# SPDX-License-Identifier: MIT
# harness-blkback-smoke - proves the harness with nothing of ours: a PV
# guest whose disk Linux xen-blkback serves (backendtype=phy on a loop
# device) makes an ext4 filesystem, writes files, reads them back after
# dropping its caches and checks their sha256.  Also records what the guest
# and blkback negotiated in XenStore.  The template for blkfront-on-xenpvd.
. /xpv/xpv-lib.sh "$1"

g=smoke
mkimg /tmp/smoke.img 128 || fail "cannot create the disk image"
loop=$(losetup -f --show /tmp/smoke.img) || fail "losetup"
note "disk $loop"
guest_create $g \
	"disk = ['format=raw,vdev=xvda,access=rw,backendtype=phy,target=$loop']" \
	'extra = "console=hvc0 loglevel=4 rdinit=/init xpv_mode=fs xpv_after=wait xen_blkfront.max_ring_page_order=2"' ||
	fail "xl create failed"
d=$GUEST_DOMID
ok=0
guest_wait $g 150 && ok=1

be=/local/domain/0/backend/vbd/$d/51712
fe=/local/domain/$d/device/vbd/51712
xs_dump "$be" "$fe"
note "blkback offers indirect=$(xs $be/feature-max-indirect-segments)" \
	"max-ring-page-order=$(xs $be/max-ring-page-order)" \
	"max-queues=$(xs $be/multi-queue-max-queues)" \
	"persistent=$(xs $be/feature-persistent)"
note "blkfront uses ring-page-order=$(xs $fe/ring-page-order)" \
	"queues=$(xs $fe/multi-queue-num-queues)" \
	"persistent=$(xs $fe/feature-persistent)" \
	"max_segments=$(guest_val $g max_segments)"
guest_dump $g
timeout 60 xl destroy $g
losetup -d "$loop"

[ $ok = 1 ] || fail "$GUEST_WHY"
check [ "$(xs $be/state)" = "" ] -- "backend removed after destroy"
check num "$(guest_val $g files_verified)" -eq 22 -- "guest verified 22 files"
check [ "$(guest_val $g nr_hw_queues)" = 2 ] -- "guest uses 2 queues"
check [ "$(guest_val $g max_segments)" = 32 ] -- "guest max_segments 32 (indirect)"
finish
