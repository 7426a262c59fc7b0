#!/bin/bash
# SPDX-License-Identifier: MIT
# blkfront-on-xenpvd-variants - Linux xen-blkfront on xenpvd in the
# configurations the default scenario does not cover, one guest each:
#   noind   xenpvd --max-indirect-segments=0: no indirect segments offered,
#           blkfront stays at 11 segments, xenpvd sees no indirect request;
#           and persistent grants left to `auto`: not offered in this PV
#           dom0, so every request's data moves by grant copy;
#   order4  ring order 4 and 4 queues (a 4-vCPU guest, xenpvd --max-queues=4);
#   ro      a read-only disk: the guest reads the expected data, its writes
#           (and mkfs) fail cleanly, the image is unchanged.
# xpv-timeout: 780
. /xpv/xpv-lib.sh "$1"
need_bin xenpvd
need_bin xenpvctl

base='console=hvc0 loglevel=4 rdinit=/init xpv_after=wait xpv_wait=120'

# run_case NAME "XENPVD ARGS" "GUEST EXTRA" "CFG LINE" [attach options]:
# sets ok, st (stats line), be/fe snapshot variables; the guest is gone
# and xenpvd stopped afterwards.
run_case() {
	local g=$1 dargs=$2 extra=$3 cfgline=$4
	shift 4
	ok=0 st= be_ind= be_q= be_p= fe_ord= fe_q= be_mode= be_info=
	note "case $g"
	start_xenpvd $dargs
	guest_create "$g" "extra = \"$base $extra\"" "$cfgline" || {
		stop_xenpvd; FAILS+=("$g: xl create failed"); return 1; }
	d=$GUEST_DOMID
	be=/local/domain/0/backend/qdisk/$d/51712
	fe=/local/domain/$d/device/vbd/51712
	if attach_xenpvd "$d" xvda "/tmp/$g.img" "$@"; then
		xs_dump "$be" "$fe"
		be_ind=$(xs $be/feature-max-indirect-segments)
		be_q=$(xs $be/multi-queue-max-queues)
		be_p=$(xs $be/feature-persistent)
		be_mode=$(xs $be/mode) be_info=$(xs $be/info)
		fe_ord=$(xs $fe/ring-page-order)
		fe_q=$(xs $fe/multi-queue-num-queues)
		guest_wait "$g" 240 && ok=1
		[ $ok = 1 ] || FAILS+=("$g: $GUEST_WHY")
	else
		# Record it, but let a slow guest (4 vCPUs under emulation)
		# still say what it saw.
		xs_dump "$be" "$fe"
		FAILS+=("$g: xenpvctl attach: not connected within 40s")
		guest_wait "$g" 120 || FAILS+=("$g: $GUEST_WHY")
		note "$g: frontend state $(xs $fe/state) after the guest's wait"
	fi
	st=$(vbd_stats "$d" 51712)
	echo "stats: $st"
	guest_dump "$g"
	detach_xenpvd "$d" xvda >/dev/null 2>&1
	timeout 60 xl destroy "$g"
	stop_xenpvd
	note "case $g done"
}

# --- indirect segments disabled in xenpvd
mkimg /tmp/noind.img 128 || fail "image"
run_case noind --max-indirect-segments=0 xpv_mode=fs 'vcpus = 2'
if [ $ok = 1 ]; then
	check [ -z "$be_ind" ] -- \
		"no feature-max-indirect-segments offered ('$be_ind')"
	check [ "$(guest_val noind max_segments)" = 11 ] -- \
		"blkfront uses 11 segments ($(guest_val noind max_segments))"
	check [ "$(stat_of "$st" indirect)" = 0 ] -- \
		"no indirect request arrived ($(stat_of "$st" indirect))"
	check num "$(stat_of "$st" segs_2_11)" -gt 0 -- \
		"requests of 2-11 segments arrived ($(stat_of "$st" segs_2_11))"
	check [ "$(stat_of "$st" errors)" = 0 ] -- "noind: no errors"
	if [ "$(cat /sys/hypervisor/guest_type 2>/dev/null)" = PV ]; then
		check [ "$be_p" = 0 ] -- \
			"auto in a PV dom0: no persistent grants offered ($be_p)"
		check num "$(stat_of "$st" copies)" -gt 0 -- \
			"data moved by grant copy (copies=$(stat_of "$st" copies))"
		# Linux blkfront posts requests in bursts: their copies are
		# batched (1686 requests in 528 calls in one boot).
		check num "$(stat_of "$st" copy_calls)" -lt \
			"$(stat_of "$st" copies)" -- \
			"grant copies batched ($(stat_of "$st" copies) requests in $(stat_of "$st" copy_calls) calls)"
		check [ "$(stat_of "$st" pgrant_hits)" = 0 ] -- \
			"no persistent grant used ($(stat_of "$st" pgrant_hits))"
	else
		check [ "$be_p" = 1 ] -- \
			"auto outside a PV dom0: persistent grants offered ($be_p)"
	fi
fi
rm -f /tmp/noind.img

# --- ring order 4, 4 queues
# Linux blkfront with persistent grants (when offered) preallocates (segments + 1) pages
# per ring slot: (32 + 1) x 512 slots x 4 KiB = 66 MiB per queue, 264 MiB
# for 4 queues, more than the default 256 MiB guest has (it then hangs in
# Initialised).  Give this guest the memory its driver asks for.
mkimg /tmp/order4.img 128 || fail "image"
run_case order4 --max-queues=4 \
	'xpv_mode=fs xen_blkfront.max_ring_page_order=4 xen_blkfront.max_queues=4' \
	'vcpus = 4
memory = 640'
if [ $ok = 1 ]; then
	check [ "$be_q" = 4 ] -- "xenpvd offered 4 queues ($be_q)"
	check [ "$fe_ord" = 4 ] -- "blkfront chose ring order 4 ($fe_ord)"
	check [ "$fe_q" = 4 ] -- "blkfront chose 4 queues ($fe_q)"
	check [ "$(guest_val order4 nr_hw_queues)" = 4 ] -- \
		"guest has 4 hardware queues ($(guest_val order4 nr_hw_queues))"
	check [ "$(stat_of "$st" queues)" = 4 ] -- \
		"xenpvd serves 4 queues ($(stat_of "$st" queues))"
	check [ "$(stat_of "$st" errors)" = 0 ] -- "order4: no errors"
fi
rm -f /tmp/order4.img

# --- read-only disk with known contents
mkimg /tmp/ro.img 64 || fail "image"
dd if=/dev/urandom of=/tmp/ro.img bs=1M count=16 conv=notrunc 2>/dev/null
sha=$(dd if=/tmp/ro.img bs=1M count=16 2>/dev/null | sha256sum | cut -d' ' -f1)
whole=$(sha256sum /tmp/ro.img | cut -d' ' -f1)
run_case ro "" "xpv_mode=ro xpv_sha=$sha xpv_mb=16" 'vcpus = 2' --mode r
if [ $ok = 1 ]; then
	check [ "$be_mode" = r ] -- "backend mode r ($be_mode)"
	note "guest write error: $(guest_val ro write_error); disk ro in guest: $(guest_val ro ro); info=$be_info"
	check [ "$(sha256sum /tmp/ro.img | cut -d' ' -f1)" = "$whole" ] -- \
		"the image is unchanged"
	check [ "$(stat_of "$st" ring_broken)" = 0 ] -- "ro: no ring stopped"
fi
rm -f /tmp/ro.img
finish
