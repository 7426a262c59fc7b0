#!/bin/bash
# SPDX-License-Identifier: MIT
# xenpvd standing in for Xen 4.19's xen-9pfsd: installed (here linked) under
# that name it serves backend/xen_9pfs whatever its configuration says,
# writes libxl/xen-9pfs/state = running (what libxl's spawn waits for), a
# second one spawned while it runs leaves at once (as xen-9pfsd does), a
# share with the keys libxl 4.19 writes (quotas 0, tag) is served to a raw
# frontend, and SIGHUP stops it and removes the key (so libxl would spawn
# a new one).
. ./functions.sh
. "$top_srcdir/tests/9pfs/test-9pfs-ring-common.sh"
[ -x "$CTL" ] || skip "no $CTL (not built)"
[ -x "$P9RAW" ] || skip "no $P9RAW (not built)"
[ -x "$XENPVD" ] || skip "no $XENPVD"
start_sim_world WORLD
sim_domain_create $P9_GUEST --name p9guest --mem-mb 256
P9_GUEST_ENV=$(sim_guest_env $P9_GUEST) || hard_error "guest env"
EXPORT=$WORLD/export
mkdir -p "$EXPORT" "$WORLD/bin" || hard_error "mkdir"
ln -s "$(cd "$(dirname "$XENPVD")" && pwd)/$(basename "$XENPVD")" \
	"$WORLD/bin/xen-9pfsd" || hard_error "ln"
KEY=/local/domain/0/libxl/xen-9pfs/state
XENPVD=$WORLD/bin/xen-9pfsd start_sim_xenpvd --type=vbd
first=$XPVD_PID
wait_xs "$KEY" running || fail "$KEY is '$XS_LAST', not running"
grep -q "serving backend/xen_9pfs " "$XPVD_LOG" ||
	fail "xen-9pfsd does not serve backend/xen_9pfs"

# A second spawn while the first runs: it leaves, status 0.
timeout 10 "$WORLD/bin/xen-9pfsd" --platform=sim \
	--control="$WORLD/second.sock" --log-file="$WORLD/second.log" ||
	fail "the second xen-9pfsd exited $?"
grep -q "running already" "$WORLD/second.log" ||
	fail "the second xen-9pfsd did not say why it left"
kill -0 $first 2>/dev/null || fail "the first one died"

"$CTL" p9-attach --domid $P9_GUEST --path "$EXPORT" --tag Xen \
	--type xen_9pfs --wait 20 >/dev/null || fail "p9-attach"
[ "$(xenstore-read /local/domain/0/backend/xen_9pfs/$P9_GUEST/0/max-files)" = 0 ] ||
	fail "no quota keys"
p9_raw 0 --rings 2 --order 4 basic || fail "raw frontend"

kill -HUP $first
for _ in $(seq 100); do kill -0 $first 2>/dev/null || break; sleep 0.05; done
kill -0 $first 2>/dev/null && fail "SIGHUP did not stop xen-9pfsd"
xenstore-read "$KEY" >/dev/null 2>&1 && fail "$KEY left behind"
exit 0
