#!/bin/bash
# SPDX-License-Identifier: MIT
# xl-vif - the documented xl vif line for xenpvd, on Debian's unpatched
# Xen 4.17 xl:  vif = [ 'bridge=xpvbr1,mac=...' ]  with xenpvd --type=vif
# as the dom0 service and Linux xen-netback not loaded.  libxl writes the
# backend, xenpvd creates the TAP vif<d>.0 before InitWait, libxl runs the
# stock vif-bridge script on it (hotplug-status connected, the TAP on the
# bridge); the guest's xen-netfront pings dom0 and moves 8 MiB each way
# (sha256 equal); xentop shows the vif's traffic.  Then `xl
# network-attach` of a second vif (TAP vif<d>.1 on the bridge, both ends
# Connected), `xl network-detach` of it (the TAP goes, libxl removes the
# directory), and `xl shutdown -w`: the first vif closes within libxl's
# time, its TAP goes, xenpvd serves nothing more.
# xpv-timeout: 600
. /xpv/xpv-lib.sh "$1"
need_bin xenpvd
[ -x /etc/xen/scripts/vif-bridge ] || skip "no vif-bridge in /etc/xen/scripts"
for m in tun bridge; do
	modprobe $m || fail "modprobe $m"
done
if [ -d /sys/module/xen_netback ]; then
	rmmod xen_netback || fail "cannot unload xen-netback"
fi

g=xlvif
br=xpvbr1
mb=8
brctl addbr $br || fail "brctl addbr $br"
ip addr add 10.99.0.1/24 dev $br || fail "address on $br"
ip link set $br up || fail "$br up"
www=/tmp/www0
rm -rf $www && mkdir -p $www || fail "mkdir $www"
dd if=/dev/urandom of=$www/rx.bin bs=1M count=$mb 2>/dev/null || fail "rx.bin"
rx_sha=$(sha256sum $www/rx.bin | cut -d' ' -f1)

start_xenpvd --type=vif --debug=dev
guest_create $g \
	"extra = \"console=hvc0 loglevel=4 rdinit=/init xpv_mode=net xpv_wait=120 xpv_netip=10.99.0.2 xpv_netpeer=10.99.0.1 xpv_netmb=$mb\"" \
	"vif = [ 'bridge=$br,mac=00:16:3e:5a:00:01' ]" ||
	{ stop_xenpvd; fail "xl create failed"; }
d=$GUEST_DOMID
net_guest_peer $g 10.99.0.2 $www/rx.bin
be=/local/domain/0/backend/vif/$d/0
be1=/local/domain/0/backend/vif/$d/1
xs_dump "$be"
hp=$(xs $be/hotplug-status) script=$(xs $be/script)
master0=$(ip -o link show vif$d.0 2>/dev/null | grep -o "master $br")
ok=0
guest_wait $g 360 && ok=1
tx_sha=$(sha256sum /tmp/tx.bin 2>/dev/null | cut -d' ' -f1)
# xentop's NETTX(k)/NETRX(k) of the guest (from /proc/net/dev's vif rows).
xentop -b -i 1 >/tmp/xentop.out 2>&1
sed 's/^/xentop: /' /tmp/xentop.out
read -r nettx netrx < <(awk -v g=$g '
	$1 == "NAME" { for (i = 1; i <= NF; i++) col[$i] = i }
	$1 == g { print $(col["NETTX(k)"]), $(col["NETRX(k)"]) }' /tmp/xentop.out)

# A second vif, hot-plugged, then hot-unplugged.
timeout 120 xl network-attach $g bridge=$br mac=00:16:3e:5a:00:02
att_rc=$?
conn1=0
for ((tick = 0; tick < XPV_CONNECT_WAIT; tick++)); do
	[ "$(xs $be1/state)" = 4 ] &&
		[ "$(xs /local/domain/$d/device/vif/1/state)" = 4 ] &&
		{ conn1=1; break; }
	sleep 1
done
master1=$(ip -o link show vif$d.1 2>/dev/null | grep -o "master $br")
t0=$SECONDS
timeout 120 xl network-detach $g 1
det_rc=$? det_s=$((SECONDS - t0))
gone1=0
for ((tick = 0; tick < 30; tick++)); do
	[ -z "$(xs $be1/state)" ] && ! ip link show vif$d.1 >/dev/null 2>&1 &&
		{ gone1=1; break; }
	sleep 1
done

t0=$SECONDS
timeout 120 xl shutdown -w $g
rc=$?
note "xl shutdown -w: status $rc after $((SECONDS - t0))s"
guest_dump $g
gone=0
for ((tick = 0; tick < 30; tick++)); do
	[ -z "$(xs $be/state)" ] && ! ip link show vif$d.0 >/dev/null 2>&1 &&
		{ gone=1; break; }
	sleep 1
done
st=$(xenpvd_stats)
stop_xenpvd >/tmp/$g.xenpvd.log
cat /tmp/$g.xenpvd.log
ip link del $br 2>/dev/null
xl_timeouts=$(grep -a -i -c 'timed out\|timeout' /var/log/xen/xl-$g.log 2>/dev/null)

[ $ok = 1 ] || fail "$GUEST_WHY"
check [ "$script" = /etc/xen/scripts/vif-bridge ] -- "libxl wrote script ($script)"
check [ "$hp" = connected ] -- "vif-bridge connected ($hp)"
check [ -n "$master0" ] -- "vif$d.0 on $br (vif-bridge's work)"
check [ "$(guest_val $g net_rx_sha)" = "$rx_sha" ] -- \
	"dom0 -> guest: $mb MiB, sha256 equal"
check [ "${tx_sha:-none}" = "$(guest_val $g net_tx_sha)" ] -- \
	"guest -> dom0: $mb MiB, sha256 equal"
check num "${nettx:-}" -ge $((mb * 1024)) -- "xentop NETTX(k) $nettx"
check num "${netrx:-}" -ge $((mb * 1024)) -- "xentop NETRX(k) $netrx"
check [ $att_rc = 0 ] -- "xl network-attach succeeded ($att_rc)"
check [ $conn1 = 1 ] -- "the second vif connected (both ends 4)"
check [ -n "$master1" ] -- "vif$d.1 on $br"
check [ $det_rc = 0 ] -- "xl network-detach succeeded ($det_rc, ${det_s}s)"
check [ $gone1 = 1 ] -- "the second vif's directory and TAP gone"
check [ $rc = 0 ] -- "xl shutdown -w succeeded ($rc)"
check [ $gone = 1 ] -- "libxl removed vif 0, its TAP gone"
check grep -q "$be: -> Closed" /tmp/$g.xenpvd.log -- "xenpvd closed vif 0"
check [ "${xl_timeouts:-0}" = 0 ] -- "libxl did not time out on the backend"
finish
