#!/bin/bash
# SPDX-License-Identifier: MIT
# 9pfs-on-xenpvd - a PV guest's Linux 9pnet_xen + v9fs mounts a dom0
# directory served by xenpvd (--type=9pfs): msize 512 KiB, then 128 KiB
# after a remount; create, write, read, rename, link, symlink, chmod,
# truncate, unlink, mkdir, rmdir, fsync and statfs checked in the guest; a
# tree (the guest's /usr and /lib) copied in, its sha256 sums checked on
# dom0's side, `ls -lnR` the same on both sides; a file larger than the
# guest's memory streamed; a symlink dom0 leaves pointing at its /etc
# resolves in the guest's own tree; nothing outside the export changes.
# The platform's own checks (test-platform-xen: grants, event channels,
# pending() never blocking) run first, against the real drivers.
# The share is attached after the guest is up (xenpvctl p9-attach writes
# libxl's keys): with a p9 line, libxl 4.17 would start QEMU for it.
# xpv-timeout: 600
. /xpv/xpv-lib.sh "$1"
need_bin xenpvd
need_bin xenpvctl
need_bin test-platform-xen
check test-platform-xen -- "the xen platform's ops against the drivers"

g=p9
ex=/tmp/p9-export
rm -rf $ex && mkdir -p $ex || fail "mkdir $ex"
echo canary >/tmp/p9-canary
ln -s /etc $ex/escape-link
start_xenpvd --type=9pfs --debug=dev
guest_create $g \
	'extra = "console=hvc0 loglevel=4 rdinit=/init xpv_mode=p9 xpv_wait=120 xpv_p9tag=share xpv_p9msize=524288 xpv_p9msize2=131072 xpv_p9big=300"' ||
	fail "xl create failed"
d=$GUEST_DOMID
be=/local/domain/0/backend/9pfs/$d/0
fe=/local/domain/$d/device/9pfs/0
xenpvctl p9-attach --domid "$d" --path $ex --tag share \
	--wait "$XPV_CONNECT_WAIT" ||
	fail "p9-attach"
ok=0
guest_wait $g 480 && ok=1
xs_dump "$be" "$fe"
st=$(xenpvd_stats)
echo "stats: $st"
guest_dump $g
xenpvctl p9-detach --domid "$d" --timeout 20 || note "p9-detach failed"
timeout 60 xl destroy $g
stop_xenpvd
[ $ok = 1 ] || fail "$GUEST_WHY"

check sh -c "cd $ex/tree && sha256sum -c ../tree.sha256 >/tmp/p9-c.out 2>&1" \
	-- "the tree's sums hold on dom0's side"
(cd $ex && ls -lnR tree) >/tmp/lsR.dom0
check cmp -s /tmp/lsR.dom0 $ex/lsR.guest -- "ls -lnR the same on both sides"
check [ "$(cat /tmp/p9-canary)" = canary ] -- "the canary outside the export"
check sh -c "cd $ex && sha256sum -c big.sha" -- "big.sha on dom0's side"
check [ "$(guest_val $g p9_verified)" = 1 ] -- "the guest verified after remount"
note "tree files: $(guest_val $g tree_files), stream: $(guest_val $g stream_mb) MiB"
finish
