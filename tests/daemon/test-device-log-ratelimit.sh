#!/bin/bash
# SPDX-License-Identifier: MIT
# A guest that makes xenpvd refuse the same device over and over cannot
# flood the log nor silence the other devices.  Guest 5's frontend of
# device 51728 writes a bad protocol and Initialised, CYCLES times in a
# row (each time: refused, Closing; the frontend goes Closed, then
# Initialising, and the backend starts over): the refusal is logged at
# warning level a bounded number of times (the per-device limit: 10
# messages per 5 s), and once the limit's interval has passed the next
# refusal says how many were suppressed.  Meanwhile device 51712, attached
# while the storm runs, connects and serves verified I/O, and its own
# lines are not suppressed.
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
requires which timeout
CYCLES=${CYCLES:-200}

backend_setup
make_image "$WORLD/good.img" 16
make_image "$WORLD/bad.img" 1

FE=/local/domain/$GUEST/device/vbd/51728
BE=/local/domain/0/backend/qdisk/$GUEST/51728
GOOD_BE=/local/domain/0/backend/qdisk/$GUEST/51712
wait_be() {
	wait_xs "$BE/state" "$1" || fail "$BE: state $XS_LAST, expected $1 (cycle $i)"
}
# One refusal: what the guest writes, then the backend's answer.
refused() { refuse_once 51728 x86_128-abi; }
refusals() {
	grep -c " warning dev: $BE: unknown protocol 'x86_128-abi'" \
		"$XPVD_LOG"
}

attach 51728 "$WORLD/bad.img" w
GOOD_LOG=$WORLD/good.out
i=0
t0=$SECONDS
for i in $(seq "$CYCLES"); do
	refused
	if [ "$i" = $((CYCLES / 2)) ]; then
		# The good device, in the middle of the storm.
		attach 51712 "$WORLD/good.img" w
		in_guest $GUEST timeout -k 5 120 "$RAW" --devid 51712 \
			--image "$WORLD/good.img" rw >"$GOOD_LOG" 2>&1 &
		GOOD=$!
		track_pid $GOOD
	fi
done
elapsed=$((SECONDS - t0))
wait $GOOD || fail "verified I/O on the good device: $(cat "$GOOD_LOG")"
grep -q " info dev: $GOOD_BE: connected:" "$XPVD_LOG" ||
	fail "the good device's 'connected' line is missing"
[ "$(xenstore-read "$GOOD_BE/error" 2>/dev/null)" = "" ] ||
	fail "the good device failed"
# The error node still tells the toolstack why, every time.
as_guest xenstore-write "$FE/protocol" x86_128-abi "$FE/state" 3 ||
	hard_error "guest write"
wait_be 5
xenstore-read "$BE/error" | grep -q "unknown protocol" ||
	fail "error node: $(xenstore-read "$BE/error" 2>&1)"

n=$(refusals)
max=$((10 * (elapsed / 5 + 2)))
echo "$CYCLES refusals in $elapsed s: $n logged at warning level" \
	"(at most $max)"
[ "$n" -ge 1 ] || fail "no refusal logged"
[ "$n" -le "$max" ] || fail "$n refusal lines: not rate-limited"
[ "$n" -lt "$CYCLES" ] || fail "every refusal logged"
# The note rides on the device's first message after the interval (the
# refusal or the "starts over" line that follows it).
grep -q "$BE: .* ([1-9][0-9]* suppressed)$" "$XPVD_LOG" ||
	{
		# The burst may have fitted in one interval: the next
		# refusal after it reports the count.
		as_guest xenstore-write "$FE/state" 6 || hard_error "guest write"
		wait_be 6
		as_guest xenstore-write "$FE/state" 1 || hard_error "guest write"
		wait_be 2
		sleep 6
		i=last
		refused
		grep -q "$BE: .* ([1-9][0-9]* suppressed)$" "$XPVD_LOG"
	} || fail "no 'N suppressed' note"
grep " warning dev: $BE: unknown protocol" "$XPVD_LOG" | tail -2
xpvd_alive
exit 0
