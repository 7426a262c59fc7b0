#!/bin/bash
# SPDX-License-Identifier: MIT
# netfront-on-xenpvd - a PV guest's Linux xen-netfront on xenpvd
# (--type=vif, 2 queues; xen-netback unloaded): the vif is attached after
# the guest is up (xenpvctl net-attach writes libxl's keys and does
# vif-bridge's work: the TAP vif<d>.0 on bridge xpvbr0, 10.99.0.1/24,
# MTU 9000).  The guest pings dom0 (also with 8000-byte payloads, one
# frame at MTU 9000), sends 32 MiB of random data to dom0 over TCP and
# receives 32 MiB from it (busybox nc): sha256 equal on both sides, both
# directions.
# Checked besides: 2 queues, SG, GSO TCPv4/v6 and csum offload as the
# frontend negotiated them in XenStore; xenpvd's counters; the TAP's
# traffic in /proc/net/dev (what xentop reads).
# xpv-timeout: 600
. /xpv/xpv-lib.sh "$1"
need_bin xenpvd
need_bin xenpvctl

g=net
br=xpvbr0
mb=32
for m in tun bridge; do
	modprobe $m || fail "modprobe $m"
done
if [ -d /sys/module/xen_netback ]; then
	rmmod xen_netback || fail "cannot unload xen-netback"
fi
www=/tmp/www0
rm -rf $www && mkdir -p $www || fail "mkdir $www"
dd if=/dev/urandom of=$www/rx.bin bs=1M count=$mb 2>/dev/null ||
	fail "rx.bin"
rx_sha=$(sha256sum $www/rx.bin | cut -d' ' -f1)

start_xenpvd --type=vif --debug=dev --net-max-queues=2
guest_create $g \
	"extra = \"console=hvc0 loglevel=4 rdinit=/init xpv_mode=net xpv_wait=120 xpv_netip=10.99.0.2 xpv_netpeer=10.99.0.1 xpv_netmtu=9000 xpv_netmb=$mb\"" ||
	fail "xl create failed"
d=$GUEST_DOMID
net_guest_peer $g 10.99.0.2 $www/rx.bin
be=/local/domain/0/backend/vif/$d/0
fe=/local/domain/$d/device/vif/0
xenpvctl net-attach --domid "$d" --bridge $br --create-bridge --mtu 9000 \
	--wait "$XPV_CONNECT_WAIT" || fail "net-attach"
ip addr add 10.99.0.1/24 dev $br || fail "address on $br"
ip link set $br up || fail "$br up"

ok=0
guest_wait $g 420 && ok=1
xs_dump "$be" "$fe"
# What the guest sent, received by the time it listened for ours.
tx_sha=$(sha256sum /tmp/tx.bin 2>/dev/null | cut -d' ' -f1)
note "received from the guest: $(wc -c </tmp/tx.bin 2>/dev/null) bytes"
st=$(xenpvd_stats)
echo "stats: $st"
grep "vif$d.0" /proc/net/dev | sed 's/^/proc-net-dev: /'
# "name: rx_bytes ... tx_bytes" (a long number may touch the colon).
tap_rx=$(sed 's/:/ /' /proc/net/dev | awk -v i="vif$d.0" '$1 == i { print $2 }')
tap_tx=$(sed 's/:/ /' /proc/net/dev | awk -v i="vif$d.0" '$1 == i { print $10 }')
# What the frontend negotiated, read while it is still there.
fe_sg=$(xs $fe/feature-sg) fe_gso4=$(xs $fe/feature-gso-tcpv4)
fe_gso6=$(xs $fe/feature-gso-tcpv6) fe_nq=$(xs $fe/multi-queue-num-queues)
fe_split=$(xs $fe/queue-0/event-channel-rx >/dev/null && echo 1)
note "frontend: sg=$fe_sg gso4=$fe_gso4 gso6=$fe_gso6 queues=$fe_nq split=$fe_split"
guest_dump $g
xenpvctl net-detach --domid "$d" --timeout 20 || note "net-detach failed"
timeout 60 xl destroy $g
stop_xenpvd
ip link del $br 2>/dev/null
[ $ok = 1 ] || fail "$GUEST_WHY"

check [ "$(guest_val $g net_rx_sha)" = "$rx_sha" ] -- \
	"dom0 -> guest: $mb MiB, sha256 equal"
check [ "${tx_sha:-none}" = "$(guest_val $g net_tx_sha)" ] -- \
	"guest -> dom0: $mb MiB, sha256 equal"
check [ "$(guest_val $g net_queues)" = 2 ] -- "2 queues in the guest"
check [ "$(guest_val $g net_mtu)" = 9000 ] -- "MTU 9000 in the guest"
check [ "$(guest_val $g net_ping_8000)" = 3 ] -- "8000-byte pings answered"
check [ "$fe_sg" = 1 ] -- "SG negotiated"
check [ "$fe_gso4$fe_gso6" = 11 ] -- "GSO TCPv4 and v6 negotiated"
check [ "$fe_nq" = 2 ] -- "2 queues negotiated"
check [ "$fe_split" = 1 ] -- "split event channels"
check num "$tap_rx" -ge $((mb << 20)) -- \
	"/proc/net/dev: the TAP received the guest's $mb MiB ($tap_rx bytes)"
check num "$tap_tx" -ge $((mb << 20)) -- \
	"/proc/net/dev: the TAP sent dom0's $mb MiB ($tap_tx bytes)"
finish
