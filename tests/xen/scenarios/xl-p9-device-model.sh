#!/bin/bash
# SPDX-License-Identifier: MIT
# xl-p9-device-model - Xen 4.17's xl flow for a 9pfs share, with xenpvd in
# place of QEMU as the PV guest's device model:
#   p9 = [ 'tag=share,path=DIR,security_model=none' ]
#   device_model_override = "/opt/xenpvd/bin/xenpvd"
# `xl create` writes the share (backend/9pfs) and starts xenpvd with
# QEMU's command line; xenpvd serves the domain's share; the guest's
# 9pnet_xen + v9fs mounts it (msize 512 KiB, then 128 KiB), works on it
# and verifies it; dom0 checks the files the guest left; `xl shutdown -w`
# ends it: libxl's SIGHUP stops xenpvd and removes the share's directory
# without a timeout.
# xpv-timeout: 600
. /xpv/xpv-lib.sh "$1"
need_bin xenpvd

g=xlp9
ex=/tmp/xlp9-export
rm -rf $ex && mkdir -p $ex || fail "mkdir $ex"
guest_create $g \
	'extra = "console=hvc0 loglevel=4 rdinit=/init xpv_mode=p9 xpv_after=wait xpv_wait=120 xpv_p9tag=share xpv_p9msize=524288 xpv_p9msize2=131072 xpv_p9big=0"' \
	"p9 = [ 'tag=share,path=$ex,security_model=none' ]" \
	'device_model_override = "/opt/xenpvd/bin/xenpvd"' \
	'device_model_args_pv = [ "--debug=dev" ]' ||
	fail "xl create failed: $(tail -n 3 /tmp/$g.create; tail -n 5 /var/log/xen/qemu-dm-$g.log 2>/dev/null)"
d=$GUEST_DOMID
be=/local/domain/0/backend/9pfs/$d/0
dmlog=/var/log/xen/qemu-dm-$g.log
dmpid=$(xs /local/domain/$d/image/device-model-pid)
dmcmd=$(tr '\0' ' ' </proc/$dmpid/cmdline 2>/dev/null)
note "device model pid $dmpid: $dmcmd"
ok=0
guest_wait $g 420 && ok=1
xs_dump "$be" /local/domain/$d/device/9pfs/0
guest_dump $g
t2=$SECONDS
timeout 120 xl shutdown -w $g
src=$?
note "xl shutdown -w: status $src after $((SECONDS - t2))s"
gone=0
for _ in $(seq 30); do
	[ -z "$(xs $be/state)" ] && { gone=1; break; }
	sleep 1
done
dm_alive=1
for _ in $(seq 60); do
	kill -0 "$dmpid" 2>/dev/null || { dm_alive=0; break; }
	sleep 1
done
sed 's/^/device model: /' "$dmlog" | tail -n 40
xl_timeouts=$(grep -a -i -c 'timed out\|timeout' /var/log/xen/xl-$g.log 2>/dev/null)

[ $ok = 1 ] || FAILS+=("$GUEST_WHY")
check grep -q -e "-xen-domid $d .*-machine xenpv" <<<"$dmcmd" -- \
	"libxl started xenpvd with QEMU's command line"
check sh -c "cd $ex/tree && sha256sum -c ../tree.sha256 >/dev/null 2>&1" \
	-- "the tree's sums hold on dom0's side"
check sh -c "cd $ex && sha256sum -c big.sha" -- "big.sha on dom0's side"
check [ $src = 0 ] -- "xl shutdown -w succeeded ($src)"
check [ $gone = 1 ] -- "libxl removed the share's backend directory"
check [ $dm_alive = 0 ] -- "the device model stopped (within 60 s)"
check [ "${xl_timeouts:-0}" = 0 ] -- "libxl did not time out"
finish
