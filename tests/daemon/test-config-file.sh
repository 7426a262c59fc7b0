#!/bin/bash
# SPDX-License-Identifier: MIT
# xenpvd's configuration file: its values are applied, options override
# them, comments and blank lines are ignored; a bad line stops the daemon
# with FILE:LINE and the key; a missing --config file is an error.
. ./functions.sh
XENPVD=${XENPVD:-$top_builddir/backend/xenpvd}
[ -x "$XENPVD" ] || skip "no $XENPVD"
xpv_tmpdir T
cat >"$T/ok.conf" <<'CONF'
# defaults for this host
max-indirect-segments = 64
max-ring-page-order=2     # trailing comment
  max-queues = 3

persistent = no
persistent-grants = 1024
engine = psync
cache = writeback
type = vbd3
control = /run/x/ctl.sock
log = syslog
vbd3-stats = off
domid = 7
qmp-stats = no
qmp-stats-dir = /run/q
CONF
out=$("$XENPVD" --config="$T/ok.conf" --check-config) || fail "good file refused"
for kv in "max-indirect-segments = 64" "max-ring-page-order = 2" \
	"max-queues = 3" "persistent = no" "persistent-grants = 1024" \
	"engine = psync" "cache = writeback" "type = vbd3" \
	"control = /run/x/ctl.sock" "log = syslog" "vbd3-stats = no" \
	"domid = 7" "qmp-stats = no" "qmp-stats-dir = /run/q"; do
	grep -qx "$kv" <<<"$out" || fail "'$kv' not applied: $out"
done
out=$("$XENPVD" --config="$T/ok.conf" --max-queues=1 --persistent \
	--cache=direct --domid=all --check-config) || fail "options refused"
for kv in "max-queues = 1" "persistent = yes" "cache = direct" \
	"max-ring-page-order = 2" "domid = all"; do
	grep -qx "$kv" <<<"$out" || fail "'$kv': options do not override: $out"
done

# persistent: auto by default (the daemon decides by the platform), or
# as the file or an option says.
out=$("$XENPVD" --config=/dev/null --check-config) || fail "empty file refused"
grep -qx "persistent = auto" <<<"$out" || fail "default not auto: $out"
printf 'persistent = auto\n' >"$T/auto.conf"
out=$("$XENPVD" --config="$T/auto.conf" --check-config) || fail "auto refused"
grep -qx "persistent = auto" <<<"$out" || fail "auto not applied: $out"
out=$("$XENPVD" --config="$T/auto.conf" --no-persistent --check-config) ||
	fail "--no-persistent refused"
grep -qx "persistent = no" <<<"$out" || fail "--no-persistent over auto: $out"
grep -qx "registered-buffers = yes" <<<"$out" || fail "registered buffers off: $out"
out=$("$XENPVD" --config=/dev/null --registered-buffers=no --check-config) ||
	fail "--registered-buffers=no refused"
grep -qx "registered-buffers = no" <<<"$out" || fail "not applied: $out"

bad() { # LINE EXPECTED-MESSAGE
	printf '# ok\nmax-queues = 2\n%s\n' "$1" >"$T/bad.conf"
	if err=$("$XENPVD" --config="$T/bad.conf" --check-config 2>&1); then
		fail "'$1' accepted"
	fi
	grep -qF -- "$T/bad.conf:3: $2" <<<"$err" ||
		fail "'$1': message '$err' lacks '$T/bad.conf:3: $2'"
	return 0
}
bad "max-queues = 0" "max-queues: '0' is not a number"
bad "max-ring-page-order = 5" "max-ring-page-order:"
bad "max-indirect-segments = 4097" "max-indirect-segments:"
bad "persistent = maybe" "persistent: 'maybe' is not auto or a boolean"
bad "cache = none" "cache: 'none' is not direct or writeback"
bad "engine = aio" "engine:"
bad "no-such-key = 1" "no-such-key: unknown key"
bad "max-queues 2" "expected 'key = value'"
bad "type = a/b" "type:"
bad "log = relative.log" "log:"
bad "domid = 32752" "domid: '32752' is not a number"
bad "domid = -1" "domid:"
bad "qmp-stats-dir = run/xen" "qmp-stats-dir:"
# The daemon itself (not only --check-config) refuses to start.
printf 'max-queues = x\n' >"$T/bad.conf"
"$XENPVD" --platform=sim --config="$T/bad.conf" 2>/dev/null
[ $? = 2 ] || fail "xenpvd started with a bad configuration file"
err=$("$XENPVD" --config="$T/nothere.conf" --check-config 2>&1) &&
	fail "a missing --config file accepted"
grep -q "nothere.conf: No such file" <<<"$err" || fail "message: $err"
# Bad options name the option.
err=$("$XENPVD" --max-queues=100 --check-config 2>&1) && fail "--max-queues=100"
grep -q -- "--max-queues:" <<<"$err" || fail "message: $err"
exit 0
