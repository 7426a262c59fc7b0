#!/bin/bash
# SPDX-License-Identifier: MIT
# Indirect descriptor pages through the persistent grant cache: with
# persistent grants, a frontend that reuses its granted pages for its
# indirect pages (libxenpvfront does: data and indirect pages come from one
# pool) costs no grant copy for descriptors once its pages are mapped, and
# each page is mapped once whatever it is used for; the data is checked
# byte for byte by the frontend.  Also: a frontend that grants its
# descriptor pages read-only (test-frontend-raw), a cache smaller than the
# frontend's pool (evictions), and persistent grants off (one grant copy
# per indirect request, as before).
. ./functions.sh
. "$top_srcdir/tests/blk/test-backend-common.sh"
IO=$top_builddir/tests/frontend/test-frontend-io
[ -x "$IO" ] || skip "no $IO"
backend_setup --max-indirect-segments=256
BE=/local/domain/0/backend/qdisk/$GUEST

# vstat DEVID KEY: a counter of VBD DEVID of guest 5 (summed over queues).
vstat() {
	xpvd_stats | python3 -c '
import json, sys
for v in json.load(sys.stdin)["vbds"]:
    if v["domid"] == int(sys.argv[1]) and v["devid"] == int(sys.argv[2]):
        print(v[sys.argv[3]])
        break
else:
    sys.exit("no vbd %s/%s" % (sys.argv[1], sys.argv[2]))' "$GUEST" "$1" "$2" ||
		hard_error "stats of $1"
}

# counters DEVID: the indirect counters, for the messages.
counters() {
	local k out=
	for k in indirect indirect_copy_calls indirect_map_calls \
		indirect_pages_mapped_hits pgrant_hits pgrant_misses \
		pgrant_mapped copies; do
		out+="$k=$(vstat "$1" $k) "
	done
	echo "$out"
}

io() { in_guest $GUEST "$IO" "$@"; }

# 1. libxenpvfront, its default queues, 4096 pool pages in all: each
# queue's pool fits its ring's cache (4096 grants), so nothing is evicted:
# not a single descriptor copy, and each grant is mapped once, as a data
# or an indirect page.
make_image "$WORLD/a.img" 24
attach 51712 "$WORLD/a.img" w
io --devid 51712 --span $((16 << 20)) --pool-pages 4096 --expect-segs 256 \
	--expect-persistent 1 || fail "verified I/O, persistent"
c=$(counters 51712)
echo "persistent, 4096-page pool: $c"
[ "$(vstat 51712 indirect)" -gt 0 ] || fail "no indirect request: $c"
[ "$(vstat 51712 indirect_copy_calls)" = 0 ] ||
	fail "descriptor pages copied with persistent grants: $c"
[ "$(vstat 51712 indirect_pages_mapped_hits)" -gt 0 ] ||
	fail "no descriptor page read through the cache: $c"
[ "$(vstat 51712 copies)" = 0 ] || fail "data copied: $c"
[ $(($(vstat 51712 pgrant_misses) + $(vstat 51712 indirect_map_calls))) \
	-le 4096 ] || fail "grants mapped again: $c"

# 2. One queue and a small pool: the same grants keep changing roles,
# descriptors in one request, data in the next; one mapping serves both.
make_image "$WORLD/b.img" 24
attach 51728 "$WORLD/b.img" w
io --devid 51728 --span $((8 << 20)) --queues 1 --pool-pages 300 \
	--expect-persistent 1 || fail "verified I/O, small pool"
c=$(counters 51728)
echo "persistent, 300-page pool: $c"
[ "$(vstat 51728 indirect)" -gt 0 ] || fail "no indirect request: $c"
[ "$(vstat 51728 indirect_copy_calls)" = 0 ] ||
	fail "descriptor pages copied: $c"
[ "$(vstat 51728 indirect_pages_mapped_hits)" -gt 0 ] ||
	fail "no descriptor page read through the cache: $c"
[ $(($(vstat 51728 pgrant_misses) + $(vstat 51728 indirect_map_calls))) \
	-le 300 ] || fail "grants mapped again (indirect vs data): $c"

# 3. Descriptor pages granted read-only (test-frontend-raw): the
# read-write map is refused once, the read-only one is cached.
make_image "$WORLD/c.img" 16
attach 51744 "$WORLD/c.img" w
raw 51744 "$WORLD/c.img" --persistent 1 indirect=256 indirect=12 rw ||
	fail "read-only descriptor pages"
c=$(counters 51744)
echo "read-only descriptor pages: $c"
[ "$(vstat 51744 indirect_copy_calls)" = 0 ] ||
	fail "read-only descriptor pages copied: $c"
[ "$(vstat 51744 indirect_pages_mapped_hits)" -gt 0 ] ||
	fail "read-only descriptor pages not cached: $c"
# At most 8 descriptor pages, two map calls each (read-write, read-only).
[ "$(vstat 51744 indirect_map_calls)" -le 16 ] ||
	fail "read-only descriptor pages mapped again and again: $c"

# 4. A cache of 64 grants for a pool of 8192 pages: evictions all the
# time, descriptor pages among them; the data must stay right and the
# cache within its bound.
make_image "$WORLD/d.img" 24
xenstore-write "$BE/51760/xenpvd-persistent-grants" 64 ||
	hard_error "xenstore-write"
attach 51760 "$WORLD/d.img" w
in_guest_bg $GUEST "$IO" --devid 51760 --span $((8 << 20)) --queues 1 \
	--indirect 32 --expect-persistent 1
pid=$IN_GUEST_PID
track_pid $pid
# The bound holds whenever we look (the gauge is 0 once disconnected).
while kill -0 $pid 2>/dev/null; do
	m=$(vstat 51760 pgrant_mapped 2>/dev/null) || m=0
	[ "$m" -le 64 ] || fail "cache over its bound: $m grants mapped"
	sleep 0.2
done
wait $pid || fail "verified I/O, small cache"
c=$(counters 51760)
echo "64-grant cache: $c"
[ "$(vstat 51760 indirect)" -gt 0 ] || fail "no indirect request: $c"
[ "$(vstat 51760 pgrant_misses)" -gt 64 ] || fail "no eviction: $c"

# 5. Persistent grants off: descriptor pages are grant copied, those of
# the requests one pass takes off the ring in one call, and nothing is
# mapped.
make_image "$WORLD/e.img" 24
attach 51776 "$WORLD/e.img" w
io --devid 51776 --span $((8 << 20)) --no-persistent \
	--expect-persistent 0 || fail "verified I/O, no persistent grants"
c=$(counters 51776)
echo "no persistent grants: $c"
[ "$(vstat 51776 indirect)" -gt 0 ] || fail "no indirect request: $c"
[ "$(vstat 51776 indirect_copy_calls)" -gt 0 ] &&
	[ "$(vstat 51776 indirect_copy_calls)" -le "$(vstat 51776 indirect)" ] ||
	fail "descriptor copies: $c"
[ "$(vstat 51776 indirect_pages_mapped_hits)" = 0 ] ||
	fail "cache hits without persistent grants: $c"
[ "$(vstat 51776 indirect_map_calls)" = 0 ] ||
	fail "maps without persistent grants: $c"
# The copy buffers are registered with the I/O queue once per slot (and
# when one grows), not once per request (storage.h: registered buffers).
reg=$(vstat 51776 buf_registers) req=$(vstat 51776 requests)
echo "copy buffers registered $reg times for $req requests"
[ "$reg" -gt 0 ] || fail "copy buffers never registered: $c"
[ $((reg * 2)) -le "$req" ] || fail "$reg registrations for $req requests"

# 6. Batched descriptor copies: 8 indirect writes posted at once (one
# push), then 8 reads of them: each burst's descriptor pages in one call.
make_image "$WORLD/f.img" 24
attach 51792 "$WORLD/f.img" w
raw 51792 "$WORLD/f.img" --persistent 0 indburst ||
	fail "indirect bursts without persistent grants"
c=$(counters 51792)
echo "indirect bursts: $c"
[ "$(vstat 51792 indirect)" = 16 ] || fail "not 16 indirect requests: $c"
[ "$(vstat 51792 indirect_copy_calls)" = 2 ] ||
	fail "not one descriptor copy call per burst: $c"
xpvd_alive
