# SPDX-License-Identifier: MIT
# tests/net/test-net-stack-common.sh - helpers for the tests where a
# whole Linux network stack is the guest (sourced after functions.sh and
# test-net-common.sh).
#
# The test runs in the namespace of net_netns, "dom0": the sim world,
# xenpvd and every xenpv-netfront-tap live there (the sim's event
# channels are abstract unix sockets, which do not cross namespaces), and
# so does bridge xpvbr0 with 198.18.0.1/24 (RFC 2544's benchmarking
# range; nothing here leaves the namespaces the test creates).  Guest N
# is sim domain N with vif N.0 on the bridge; its xenpv-netfront-tap
# makes TAP xpvgN, which moves into a namespace of its own (its fd keeps
# working) and gets 198.18.0.(10+N)/24 there.  Every namespace, process
# and device goes at exit.
#
#   stack_setup [XENPVD OPTIONS...]
#                          net_setup, the bridge's address, checks
#   stack_attach N [NET-ATTACH ARGS...]
#                          sim domain N (created once) and its vif N.0
#   stack_tap N [XENPV-NETFRONT-TAP ARGS...]
#                          the guest's TAP in namespace ${STACK_NS[N]}, up
#                          and addressed; waits until dom0 pings it
#   stack_guest N          stack_attach N, then stack_tap N
#   stack_stop_tap N       SIGTERM to guest N's tool, waited for
#   in_gns N CMD...        CMD in guest N's namespace (0: dom0's)
#   stack_ns_cmd N         that namespace's command prefix in STACK_PRE,
#                          for background commands
#   stack_ip N             guest N's address (0: dom0's, the bridge's)
#   stack_ping FROM TO [PING ARGS...]
#                          20 pings (-i 0.05), every one answered
#   stack_tcp FROM TO BYTES [PORT]
#                          a tcp-check.py transfer, FROM sending; fails
#                          unless both ends saw the same bytes and sha256
#   stack_vif_stats        "TAP tx_packets rx_packets tx_bytes rx_bytes
#                          tx_errors rx_errors" per vif, from xenpvctl stats
#   stack_vif_grew BEFORE AFTER
#                          fails unless every vif of AFTER has more tx
#                          and rx packets than in BEFORE and no errors
NETTAP=${NETTAP:-$top_builddir/tools/xenpv-netfront-tap}
TCPCHECK="python3 $top_srcdir/tests/net/tcp-check.py"
STACK_NET=198.18.0
declare -A STACK_NS STACK_PID STACK_DOM

stack_setup() {
	[ -x "$NETTAP" ] || skip "no $NETTAP (not built)"
	requires which ping
	net_setup "$@"
	ip addr add $STACK_NET.1/24 dev $NET_BR || hard_error "bridge address"
	STACK_DOM[1]=1
}

stack_ip() {
	if [ "$1" = 0 ]; then echo $STACK_NET.1; else echo $STACK_NET.$((10 + $1)); fi
}

in_gns() {
	local n=$1
	shift
	if [ "$n" = 0 ]; then "$@"; else ip netns exec "${STACK_NS[$n]}" "$@"; fi
}

# stack_ns_cmd N: sets STACK_PRE to the command prefix that runs in guest
# N's namespace (empty for dom0), for `"${STACK_PRE[@]}" CMD &`, whose $!
# is CMD's own pid (a function run with & would give a subshell's).
stack_ns_cmd() {
	STACK_PRE=()
	[ "$1" = 0 ] || STACK_PRE=(ip netns exec "${STACK_NS[$1]}")
}

stack_attach() {
	local n=$1
	shift
	if [ -z "${STACK_DOM[$n]:-}" ]; then
		sim_domain_create "$n" --name "netguest$n" --mem-mb 256
		STACK_DOM[$n]=1
	fi
	"$CTL" net-attach --domid "$n" --bridge "$NET_BR" --wait 20 "$@" \
		>/dev/null || fail "net-attach of guest $n"
}

stack_tap() {
	local n=$1 tap=xpvg$1 log=$OUT/tap$1.log ns pid i
	shift
	ns=${STACK_NS[$n]:-}
	if [ -z "$ns" ]; then
		ns=xpvg$n-$$
		ip netns add "$ns" || hard_error "ip netns add $ns"
		cleanup_fn "ip netns del '$ns'"
		STACK_NS[$n]=$ns
		in_gns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
		in_gns "$n" ip link set lo up
	fi
	in_guest_bg "$n" "$NETTAP" --devid 0 --tap "$tap" "$@" >"$log" 2>&1
	pid=$IN_GUEST_PID
	track_pid "$pid"
	STACK_PID[$n]=$pid
	for ((i = 0; i < 400; i++)); do
		grep -q "^$tap:" "$log" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	grep -q "^$tap:" "$log" ||
		fail "guest $n: xenpv-netfront-tap did not start: $(cat "$log")"
	ip link set "$tap" netns "$ns" || fail "guest $n: $tap to $ns"
	in_gns "$n" ip link set "$tap" up || fail "guest $n: $tap up"
	in_gns "$n" ip addr add "$(stack_ip "$n")/24" dev "$tap" ||
		fail "guest $n: address"
	for ((i = 0; i < 50; i++)); do
		ping -c 1 -W 0.2 -q "$(stack_ip "$n")" >/dev/null 2>&1 &&
			return 0
	done
	fail "guest $n: no answer to dom0's ping within 10 s"
}

stack_guest() {
	stack_attach "$1"
	stack_tap "$1"
}

stack_stop_tap() {
	local n=$1 pid=${STACK_PID[$1]:-} rc=0
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" || rc=$?
	STACK_PID[$n]=
	return $rc
}

stack_ping() {
	local from=$1 to=$2 out
	shift 2
	out=$(in_gns "$from" ping -c 20 -i 0.05 -w 15 -q "$@" \
		"$(stack_ip "$to")" 2>&1) ||
		fail "ping $from -> $to $*: $out"
	echo "ping $from -> $to $*: $(echo "$out" | grep 'packets transmitted')"
}

stack_tcp() {
	local from=$1 to=$2 bytes=$3 port=${4:-5201} rpid spid r s rrc=0 src=0
	rm -f "$OUT/tcp-ready.$port"
	stack_ns_cmd "$to"
	"${STACK_PRE[@]}" $TCPCHECK recv --port "$port" \
		--ready "$OUT/tcp-ready.$port" >"$OUT/tcp-recv.$port" \
		2>"$OUT/tcp-recv-err.$port" &
	rpid=$!
	track_pid $rpid
	net_wait_file "$OUT/tcp-ready.$port" || fail "tcp-check recv did not start"
	stack_ns_cmd "$from"
	"${STACK_PRE[@]}" $TCPCHECK send --to "$(stack_ip "$to")" --port "$port" \
		--bytes "$bytes" >"$OUT/tcp-send.$port" \
		2>"$OUT/tcp-send-err.$port" &
	spid=$!
	track_pid $spid
	wait $spid || src=$?
	wait $rpid || rrc=$?
	s=$(cat "$OUT/tcp-send.$port")
	r=$(cat "$OUT/tcp-recv.$port")
	[ "$src" = 0 ] && [ "$rrc" = 0 ] ||
		fail "tcp $from -> $to: send exit $src," \
			"$(cat "$OUT/tcp-send-err.$port"); recv exit $rrc," \
			"$(cat "$OUT/tcp-recv-err.$port")"
	[ "${s%% seconds=*}" = "${r%% seconds=*}" ] ||
		fail "tcp $from -> $to: sent $s, received $r"
	[ "${s%% *}" = "bytes=$bytes" ] || fail "tcp $from -> $to: sent $s"
	echo "tcp $from -> $to: ${r}"
}

stack_vif_stats() {
	"$CTL" stats --json --socket "$XPVD_SOCK" | python3 -c '
import json, sys
for v in json.load(sys.stdin).get("vifs", []):
    print(v["tap"], v["tx_packets"], v["rx_packets"], v["tx_bytes"],
          v["rx_bytes"], v["tx_errors"], v["rx_errors"])
' || fail "xenpvctl stats"
}

stack_vif_grew() {
	python3 - "$1" "$2" <<'EOF' || fail "vif statistics"
import sys
def parse(s):
    return {f[0]: list(map(int, f[1:])) for f in
            (ln.split() for ln in s.splitlines()) if f}
before, after = parse(sys.argv[1]), parse(sys.argv[2])
for tap, a in after.items():
    b = before.get(tap, [0] * 6)
    print("stats %s: tx_packets %d rx_packets %d tx_bytes %d rx_bytes %d"
          " tx_errors %d rx_errors %d" % (tap, *a))
    assert a[0] > b[0] and a[1] > b[1], "%s: counters did not grow" % tap
    assert a[4] == 0 and a[5] == 0, "%s: errors" % tap
EOF
}
