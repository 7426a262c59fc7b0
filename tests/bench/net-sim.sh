#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# net-sim.sh [BUILDDIR] - the net benchmark on the simulated platform (a
# benchmark, not a test: it prints a table and asserts nothing but that
# the path works).  Needs root, /dev/net/tun, `ip netns`, iperf3, ping and
# python3; exits 77 without them.
#
# Two network namespaces, both made here and removed at exit; nothing is
# routed anywhere else.  "dom0" runs the sim world, xenpvd --type=vif
# (--net-max-queues=2), bridge xpvbr0 (198.18.0.1/24) with vif1.0 on it,
# and guest 1's xenpv-netfront-tap (libxenpvfront's netfront, 2 queues),
# whose TAP moves into "guest" (198.18.0.11/24): the guest's Linux stack
# reaches dom0's through TAP -> netfront -> rings -> xenpvd -> vif1.0 ->
# bridge.  The baseline is a veth pair between the same two namespaces
# (198.19.0.1/24 in dom0, .2 in the guest): the same stacks with the
# kernel's shortest path between them.  Both paths have an MTU of 1500
# and TSO/checksum offload.
#
# First a check that the path carries data intact: BENCH_VERIFY_MIB
# (64) MiB of random data over TCP each way, sha256 compared at both ends
# (tests/net/tcp-check.py).  Then each round runs, path by path back to
# back (veth, then xenpvd), each for BENCH_RUNTIME seconds:
#   tcp g2h/h2g   iperf3 TCP, the guest sending to dom0 and (-R) dom0 to
#                 the guest, with 1 and 2 streams (BENCH_STREAMS)
#   udp64 g2h/h2g iperf3 UDP at no rate limit, 18-byte payloads: 64-byte
#                 Ethernet frames (with the FCS); the packets the receiver
#                 got per second
# The iperf3 server is in dom0, the client in the guest.  CPU: xenpvd's
# and xenpv-netfront-tap's CPU time (/proc/PID/stat) over each run per
# Gbit moved, and the two iperf3 processes' (as iperf3 reports it) per
# Gbit on both paths; "busy" is the whole machine's non-idle time over
# the run (/proc/stat), in CPUs.  Ratios are taken within a round (the
# machine's speed drifts), and the table gives medians over BENCH_ROUNDS
# rounds.  At the end, where xenpvd's and the tool's CPU went per thread
# over the TCP runs ("main" or the thread's id).
#
# Ends with one line:
#   net-sim: tcp_ratio_guest_to_host=X tcp_ratio_host_to_guest=Y pps_64b=P
# (the 1-stream TCP ratios xenpvd / veth; P the lower of the two
# directions' 64-byte frames per second through xenpvd, or n/a), after a
# comment line "# net-sim-values: KEY=VALUE ..." that tools/demo.sh reads.
#
# Environment: BENCH_ROUNDS (3), BENCH_RUNTIME (5 seconds per run),
# BENCH_STREAMS ("1 2"; must include 1), BENCH_PPS (1; 0 skips the UDP
# runs), BENCH_VERIFY_MIB (64), BENCH_QUEUES (2), BENCH_PERF (0; 1 adds
# a perf profile of xenpvd and the tool, one run each way, after the
# rounds).  Quote ratios, not absolute numbers.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
tcpcheck=$here/../net/tcp-check.py
rounds=${BENCH_ROUNDS:-3}
rt=${BENCH_RUNTIME:-5}
read -ra streams <<<"${BENCH_STREAMS:-1 2}"
do_pps=${BENCH_PPS:-1}
verify_mib=${BENCH_VERIFY_MIB:-64}
nq=${BENCH_QUEUES:-2}

skip() { echo "net-sim: skipped: $*" >&2; exit 77; }
die() { echo "net-sim: $*" >&2; exit 1; }

# Outside: check, make the dom0 namespace, run again inside it.
if [ -z "${XPV_NETSIM_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || skip "needs root (namespaces, TAP devices)"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun"
	for c in ip iperf3 ping python3; do
		command -v $c >/dev/null ||
			skip "needs $c (apt-get install iproute2 iperf3 iputils-ping python3)"
	done
	[ -x "$build/tools/xenpv-netfront-tap" ] ||
		die "no $build/tools/xenpv-netfront-tap (not built)"
	ns=xpvnd$$
	ip netns add "$ns" 2>/dev/null || skip "ip netns add does not work here"
	trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
	trap 'exit 1' INT TERM
	rc=0
	XPV_NETSIM_NS=$ns ip netns exec "$ns" bash "$0" "$build" || rc=$?
	exit $rc
fi

sim=$build/tools/xenpv-sim
ctl=$build/tools/xenpvctl
xenpvd=${XENPVD_BIN:-$build/backend/xenpvd}
nettap=$build/tools/xenpv-netfront-tap
gns=xpvng$$
br=xpvbr0
xen_ip=198.18.0.1 veth_ip=198.19.0.1
port=5201
pids=()
world=
# On tmpfs when there is one: the guest's memory is a file of the world.
base=/dev/shm
[ -d $base ] && [ -w $base ] || base=${TMPDIR:-/tmp}
work=$(mktemp -d "$base/xenpvd-net.XXXXXX")

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	ip netns del "$gns" 2>/dev/null || true
	[ -z "$world" ] || "$sim" destroy "$world" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

failed() {
	echo "net-sim: $*" >&2
	tail -n 20 "$work/xenpvd.log" "$work/tap.log" >&2 2>/dev/null || true
	exit 1
}

cpu_s() { # PID...: CPU seconds (user+system) the processes used so far
	local p
	for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null || true; done |
		awk -v hz="$(getconf CLK_TCK)" \
			'{ s += $(NF - 38) + $(NF - 37) } END { printf "%.3f\n", s / hz }'
}
busy_s() { # the machine's non-idle CPU seconds so far
	awk -v hz="$(getconf CLK_TCK)" '/^cpu / {
		printf "%.3f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat
}
threads() { # PID LABEL: one line per thread, "LABEL:main|tid cpu_s"
	local t
	for t in /proc/"$1"/task/*; do
		awk -v l="$2" -v tid="${t##*/}" -v pid="$1" \
			-v hz="$(getconf CLK_TCK)" '{
			n = split($0, f, " ")
			printf "%s:%s %.3f\n", l, tid == pid ? "main" : tid,
				(f[n - 38] + f[n - 37]) / hz
		}' "$t/stat" 2>/dev/null || true
	done
}

echo "# $(nproc) CPUs, ${rt}s per run, $rounds rounds, streams ${streams[*]}," \
	"xenpvd and xenpv-netfront-tap with $nq queue(s), $(uname -r)"

# dom0: quiet stacks (no IPv6 chatter), the bridge, the world, xenpvd.
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
ip link set lo up
ip link add $br type bridge
ip link set $br up
ip addr add $xen_ip/24 dev $br
world=$work/world
eval "$("$sim" create "$world")"
"$sim" domain-create "$world" 1 --name guest1 --mem-mb 256 >/dev/null
guest_env=$("$sim" env "$world" 1)
"$xenpvd" --platform=sim --foreground --type=vif --net-max-queues="$nq" \
	--control="$work/xenpvd.sock" >"$work/xenpvd.log" 2>&1 &
xpid=$!
pids+=("$xpid")
for _ in $(seq 200); do
	[ -S "$work/xenpvd.sock" ] && break
	sleep 0.05
done
"$ctl" net-attach --domid 1 --bridge $br --wait 20 >/dev/null ||
	failed "net-attach failed"

# The guest: the tool's TAP in a namespace of its own, and the veth pair.
(eval "$guest_env" && exec "$nettap" --devid 0 --tap xpvg1 --queues "$nq") \
	>"$work/tap.log" 2>&1 &
tpid=$!
pids+=("$tpid")
for _ in $(seq 400); do
	grep -q '^xpvg1:' "$work/tap.log" && break
	kill -0 $tpid 2>/dev/null || break
	sleep 0.05
done
grep -q '^xpvg1:' "$work/tap.log" || failed "xenpv-netfront-tap did not start"
ip netns add $gns
ing() { ip netns exec $gns "$@"; }
ing sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
ing ip link set lo up
ip link set xpvg1 netns $gns
ing ip addr add 198.18.0.11/24 dev xpvg1
ing ip link set xpvg1 up
ip link add xpvv0 type veth peer name xpvv1
ip link set xpvv1 netns $gns
ip addr add $veth_ip/24 dev xpvv0
ip link set xpvv0 up
ing ip addr add 198.19.0.2/24 dev xpvv1
ing ip link set xpvv1 up
for ip in $xen_ip $veth_ip; do
	ok=
	for _ in $(seq 50); do
		ing ping -c 1 -W 0.2 -q $ip >/dev/null 2>&1 && { ok=1; break; }
	done
	[ -n "$ok" ] || failed "the guest does not reach $ip"
done
echo "# $(head -n 1 "$work/tap.log")"

# The path carries data intact, each way.
verified=0
xfer() { # FROM(g|h) BYTES
	local rpid s r
	rm -f "$work/ready"
	if [ "$1" = g ]; then
		python3 "$tcpcheck" recv --port $port --ready "$work/ready" \
			>"$work/recv" &
	else
		ip netns exec $gns python3 "$tcpcheck" recv --port $port \
			--ready "$work/ready" >"$work/recv" &
	fi
	rpid=$!
	pids+=("$rpid")
	for _ in $(seq 200); do [ -e "$work/ready" ] && break; sleep 0.05; done
	if [ "$1" = g ]; then
		s=$(ing python3 "$tcpcheck" send --to $xen_ip --port $port \
			--bytes "$2") || failed "tcp-check send failed"
	else
		s=$(python3 "$tcpcheck" send --to 198.18.0.11 --port $port \
			--bytes "$2") || failed "tcp-check send failed"
	fi
	wait $rpid || failed "tcp-check recv failed"
	r=$(cat "$work/recv")
	[ "${s%% seconds=*}" = "${r%% seconds=*}" ] ||
		failed "data differ: sent $s, received $r"
	echo "# verified $1->$([ "$1" = g ] && echo h || echo g): ${r% seconds=*}"
	verified=$((verified + $2))
}
xfer g $((verify_mib << 20))
xfer h $((verify_mib << 20))

# run PATH(xen|veth) DIR(g2h|h2g) PROTO(tcp|udp64) STREAMS: one iperf3
# run; prints "Gbps pps cpu_path_s cpu_iperf_s gbit busy_cpus".
run() {
	local path=$1 dir=$2 proto=$3 n=$4 ip spid c0 c1 b0 b1 w0 w1 args=()
	ip=$([ "$path" = xen ] && echo $xen_ip || echo $veth_ip)
	[ "$dir" = h2g ] && args+=(-R)
	[ "$proto" = udp64 ] && args+=(-u -b 0 -l 18)
	timeout $((rt + 30)) iperf3 -s -1 -B "$ip" -p $port -J \
		>"$work/srv.json" 2>&1 &
	spid=$!
	pids+=("$spid")
	for _ in $(seq 100); do
		ss -Hltn "sport = :$port" | grep -q . && break
		sleep 0.05
	done
	[ "$path" = xen ] && threads $xpid xenpvd >"$work/th0" &&
		threads $tpid tap >>"$work/th0"
	c0=$(cpu_s $xpid $tpid)
	b0=$(busy_s)
	w0=$EPOCHREALTIME
	ing timeout $((rt + 30)) iperf3 -c "$ip" -p $port -t "$rt" -P "$n" \
		"${args[@]}" -J >"$work/cli.json" 2>&1 ||
		failed "iperf3 $path $dir $proto -P $n: $(tail -n 5 "$work/cli.json")"
	c1=$(cpu_s $xpid $tpid)
	b1=$(busy_s)
	w1=$EPOCHREALTIME
	if [ "$path" = xen ]; then
		threads $xpid xenpvd >"$work/th1"
		threads $tpid tap >>"$work/th1"
		[ "$proto" != tcp ] || awk -v d="$dir-P$n" '
			NR == FNR { a[$1] = $2; next }
			{ printf "%s %s %.3f\n", d, $1, $2 - a[$1] }' \
			"$work/th0" "$work/th1" >>"$work/threads"
	fi
	wait $spid || true
	python3 - "$work/cli.json" "$c0" "$c1" "$b0" "$b1" "$path" "$w0" "$w1" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
e = j["end"]
r = e["sum_received"]
secs = r["seconds"] or 1
pps = (r.get("packets", 0) - r.get("lost_packets", 0)) / secs
cpu = e.get("cpu_utilization_percent", {})
ip_cpu = (cpu.get("host_total", 0) + cpu.get("remote_total", 0)) / 100 * secs
path_cpu = float(sys.argv[3]) - float(sys.argv[2])
print("%.3f %.0f %.3f %.3f %.4f %.3f %.3f" % (
    r["bits_per_second"] / 1e9, pps,
    path_cpu if sys.argv[6] == "xen" else float("nan"), ip_cpu,
    r["bytes"] * 8 / 1e9, (float(sys.argv[5]) - float(sys.argv[4])) /
    (float(sys.argv[8]) - float(sys.argv[7])), secs))
PY
}

cases=()
for s in "${streams[@]}"; do
	cases+=("tcp g2h $s" "tcp h2g $s")
done
[ "$do_pps" = 1 ] && cases+=("udp64 g2h 1" "udp64 h2g 1")
out=$work/results # lines: round proto dir streams path values...
: >"$out"
t0=$SECONDS
for ((r = 1; r <= rounds; r++)); do
	for c in "${cases[@]}"; do
		read -r proto dir n <<<"$c"
		for path in veth xen; do
			v=$(run $path "$dir" "$proto" "$n")
			echo "$r $proto $dir $n $path $v" >>"$out"
			echo "# round $r $proto $dir -P $n $path: $v" >&2
		done
	done
done
echo "# runs took $((SECONDS - t0)) s" >&2

# BENCH_PERF=1: where xenpvd's and the tool's CPU goes (perf record of
# both, kernel included, over one more 1-stream TCP run each way).
if [ "${BENCH_PERF:-0}" = 1 ] && command -v perf >/dev/null; then
	for dir in g2h h2g; do
		perf record -q -F 499 -g -p "$xpid,$tpid" -o "$work/perf.$dir" \
			-- sleep "$rt" >/dev/null 2>&1 &
		ppid=$!
		pids+=("$ppid")
		run xen $dir tcp 1 >/dev/null
		wait $ppid || true
		echo "# perf, tcp $dir 1 stream, xenpvd + xenpv-netfront-tap:"
		for sort in comm,dso comm,dso,symbol; do
			echo "#  by $sort:"
			perf report -i "$work/perf.$dir" --stdio --no-children \
				--sort $sort --percent-limit 1.5 -g none \
				2>/dev/null | grep -E '^ +[0-9]' | head -n 20 |
				sed 's/[ -]*$//; s/^ */#   /'
		done
	done
fi
kill -0 $xpid 2>/dev/null || failed "xenpvd died"
kill -0 $tpid 2>/dev/null || failed "xenpv-netfront-tap died"
stats=$("$ctl" stats --json --socket "$work/xenpvd.sock") ||
	failed "xenpvctl stats failed"
: >>"$work/threads"

python3 - "$out" "$stats" "$verified" "$work/threads" "$do_pps" <<'PY'
import json, statistics, sys
from collections import defaultdict

path, stats, verified, thpath, do_pps = sys.argv[1:6]
res = defaultdict(dict)  # (proto, dir, n) -> {round: {path: values}}
for ln in open(path):
    f = ln.split()
    r, proto, d, n, p = int(f[0]), f[1], f[2], int(f[3]), f[4]
    v = dict(zip(("gbps", "pps", "cpu_path", "cpu_ip", "gbit", "busy",
                  "secs"),
                 map(float, f[5:])))
    res[(proto, d, n)].setdefault(r, {})[p] = v
med = statistics.median
nan = float("nan")

def m(rounds, p, k):
    return med([x[p][k] for x in rounds.values()])

def per_gbit(rounds, p, k):
    # CPU seconds per Gbit received (TCP), per million packets (UDP).
    def div(x):
        return x["pps"] * x["secs"] / 1e6 if x["pps"] else x["gbit"]
    vals = [x[p][k] / div(x[p]) for x in rounds.values() if div(x[p])]
    return med(vals) if vals else nan

def fmt(x, spec):
    return "n/a" if x != x else spec % x

print()
print("%-7s %-4s %2s %10s %10s %6s %11s %16s %16s %11s" % (
    "test", "dir", "P", "veth", "xenpvd", "ratio", "min-max",
    "cpu xenpvd+tap", "cpu iperf3 v|x", "busy v|x"))
ratio = {}
for key in sorted(res, key=lambda k: (k[0] != "tcp", k[2], k[1])):
    proto, d, n = key
    rounds = res[key]
    unit = "pps" if proto == "udp64" else "Gbps"
    k = "pps" if proto == "udp64" else "gbps"
    rs = [x["xen"][k] / x["veth"][k] for x in rounds.values() if x["veth"][k]]
    ratio[key] = med(rs) if rs else nan
    spec = "%10.0f" if unit == "pps" else "%10.2f"
    print("%-7s %-4s %2d %10s %10s %6s %11s %16s %16s %11s" % (
        proto, d, n, fmt(m(rounds, "veth", k), spec).strip(),
        fmt(m(rounds, "xen", k), spec).strip(), fmt(ratio[key], "%.2f"),
        "%.2f-%.2f" % (min(rs), max(rs)) if rs else "n/a",
        fmt(per_gbit(rounds, "xen", "cpu_path"), "%.3f"),
        "%s|%s" % (fmt(per_gbit(rounds, "veth", "cpu_ip"), "%.3f"),
                   fmt(per_gbit(rounds, "xen", "cpu_ip"), "%.3f")),
        "%.2f|%.2f" % (m(rounds, "veth", "busy"), m(rounds, "xen", "busy"))))

v = [x for x in json.loads(stats).get("vifs", [])]
for x in v:
    print("# vif %s: tx_packets=%d rx_packets=%d tx_bytes=%d rx_bytes=%d"
          " tx_errors=%d rx_errors=%d queues=%d" % (
              x["tap"], x["tx_packets"], x["rx_packets"], x["tx_bytes"],
              x["rx_bytes"], x["tx_errors"], x["rx_errors"], x["queues"]))
th = defaultdict(float)
tot = defaultdict(float)
for ln in open(thpath):
    d, name, s = ln.split()
    th[(d, name)] += float(s)
    tot[d] += float(s)
for d in sorted(tot):
    parts = sorted(((s, n) for (dd, n), s in th.items() if dd == d),
                   reverse=True)
    print("# cpu by thread, tcp %s (all rounds, %.1f s): %s" % (
        d, tot[d], ", ".join("%s %.0f%%" % (n, 100 * s / tot[d])
                             for s, n in parts if s > 0.005 * tot[d])))
print("# ratio: median over the rounds of (xenpvd / veth in the same round);")
print("# cpu: CPU seconds per Gbit received (udp64: per million packets")
print("# received) of xenpvd + xenpv-netfront-tap, and of the two iperf3")
print("# processes (veth|xenpvd); busy: the machine's CPUs in use during the")
print("# run (veth|xenpvd); udp64: the packets per second the receiver got.")
g2h = ratio.get(("tcp", "g2h", 1), nan)
h2g = ratio.get(("tcp", "h2g", 1), nan)
pk = [k for k in res if k[0] == "udp64"]
pps = min(m(res[k], "xen", "pps") for k in pk) if pk else nan
x1 = res.get(("tcp", "g2h", 1), {})
x2 = res.get(("tcp", "h2g", 1), {})
print("# net-sim-values: verified_bytes=%s tcp_g2h_Gbps=%s veth_g2h_Gbps=%s"
      " tcp_h2g_Gbps=%s veth_h2g_Gbps=%s" % (
          verified, fmt(m(x1, "xen", "gbps"), "%.2f"),
          fmt(m(x1, "veth", "gbps"), "%.2f"),
          fmt(m(x2, "xen", "gbps"), "%.2f"),
          fmt(m(x2, "veth", "gbps"), "%.2f")))
print("net-sim: tcp_ratio_guest_to_host=%s tcp_ratio_host_to_guest=%s"
      " pps_64b=%s" % (fmt(g2h, "%.2f"), fmt(h2g, "%.2f"), fmt(pps, "%.0f")))
PY
