#!/bin/bash
# SPDX-License-Identifier: MIT
# xenpvfront-on-xenpvd - our two halves over the real grant tables, event
# channels and XenStore: xenpvd in dom0 serves a disk to dom0 itself, and
# libxenpvfront (xenpvctl io) writes, rewrites, flushes, reads back and
# checks every byte with 1 MiB requests; xenpvd's statistics must show
# indirect requests and no errors.
. /xpv/xpv-lib.sh "$1"
need_bin xenpvd
need_bin xenpvctl

mkimg /tmp/xx.img 128 || fail "cannot create the disk image"
devid=$(devid_of xvdc)
be=/local/domain/0/backend/qdisk/0/$devid
fe=/local/domain/0/device/vbd/$devid
start_xenpvd
timeout $((XPV_CONNECT_WAIT + 30)) xenpvctl attach --domid 0 --vdev xvdc \
	--target /tmp/xx.img --wait "$XPV_CONNECT_WAIT" || { xs_dump "$be" "$fe"; fail "xenpvctl attach failed"; }
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
rc=0
wait $io || rc=$?
sed 's/^/xenpvctl: /' /tmp/io.out
# libxenpvfront shares its pages through gntalloc, whose module parameter
# caps the pages a dom0 process may share (1024 by default).
grep -q 'No space left' /tmp/io.out &&
	note "gntalloc limit: $(cat /sys/module/xen_gntalloc/parameters/limit 2>/dev/null) pages"
st=$(vbd_stats 0 "$devid")
echo "stats: $st"
detach_xenpvd 0 xvdc || note "detach failed"
stop_xenpvd

check [ $rc = 0 ] -- "xenpvctl io exit status 0 ($rc)"
check grep -q '^io: ok' /tmp/io.out -- "xenpvctl io verified the data"
check num "$(stat_of "$st" indirect)" -gt 0 -- \
	"xenpvd received indirect requests ($(stat_of "$st" indirect))"
check [ "$(stat_of "$st" errors)" = 0 ] -- "no request answered with an error"
check [ "$(stat_of "$st" ring_broken)" = 0 ] -- "no ring stopped"
finish
