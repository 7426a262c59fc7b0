# SPDX-License-Identifier: MIT
# tests/xen/bench/jobs.sh - the fio jobs of tests/xen/bench.sh, shared by
# the guest (/bench-jobs.sh) and dom0 (/xpv/bench-jobs.sh) so that both
# run exactly the same I/O.  POSIX sh (the guest has busybox sh).
#
#   job_args JOB                 fio options of JOB, or status 1 if unknown
#   fio_run JOB DEV RUNTIME RAMP  runs JOB on DEV (libaio, O_DIRECT, time
#                                 based) and prints "IOPS,KiB/s"; status 1
#                                 when fio fails, reports nothing or is
#                                 still running RUNTIME + RAMP + 120 s
#                                 after its start (then it is killed)

# BENCH_RAND_QD and BENCH_SEQ_QD (the guest: xpv_rand_qd=, xpv_seq_qd= on
# its command line, e.g. through --guest-args) override the depths when
# chasing a problem; the table's labels still say 128 and 16.
job_args() {
	case "$1" in
	randread) echo "--rw=randread --bs=4k --iodepth=${BENCH_RAND_QD:-128}" ;;
	randwrite) echo "--rw=randwrite --bs=4k --iodepth=${BENCH_RAND_QD:-128}" ;;
	seqread) echo "--rw=read --bs=1M --iodepth=${BENCH_SEQ_QD:-16}" ;;
	seqwrite) echo "--rw=write --bs=1M --iodepth=${BENCH_SEQ_QD:-16}" ;;
	*) return 1 ;;
	esac
}

fio_run() {
	_fj=$1 _fd=$2 _fr=$3 _framp=$4 _fa= _fl= _fx=
	_fa=$(job_args "$_fj") || return 1
	# shellcheck disable=SC2086 # word splitting of the job's options
	# A backend that stalls (seen with qdisk under a loaded host) must
	# not stall the whole benchmark.
	timeout -s KILL $((_fr + _framp + 120)) \
	fio --name="$_fj" --filename="$_fd" --ioengine=libaio --direct=1 \
		$_fa --time_based --runtime="$_fr" --ramp_time="$_framp" \
		--norandommap --randrepeat=0 --minimal >/tmp/fio-$_fj.out ||
		return 1
	# Terse format v3: fields 7 and 8 are the read KiB/s and IOPS, 48
	# and 49 the same for writes.
	_fl=$(grep '^3;' "/tmp/fio-$_fj.out" | tail -n 1)
	case "$_fj" in
	*read) _fx=$(echo "$_fl" | awk -F';' '{ print $8 "," $7 }') ;;
	*) _fx=$(echo "$_fl" | awk -F';' '{ print $49 "," $48 }') ;;
	esac
	case "$_fx" in
	[0-9]*,[0-9]*) echo "$_fx" ;;
	*) return 1 ;;
	esac
}

# --- 9pfs ------------------------------------------------------------------
#
# The jobs of the 9pfs targets, run in a directory (the guest's 9p mount,
# or dom0's export itself) on files the job before left there:
#   seqwrite  fio, psync, 1 MiB writes: a BENCH_P9_MB MiB file, once
#   seqread   fio, psync, 1 MiB reads of that file, once
#   randread  fio, psync, 4 KiB random reads of it, 4 jobs, time based
#   untar     tar -xf BENCH_P9_TAR (a tree of small files) into the directory
#   stat      find -exec stat {} + over that tree (one stat process per
#             ~thousand names: forks are dear under emulation)
#   rm        rm -r of the tree
# A job whose input is missing (run alone with --p9-jobs) makes it first,
# untimed.  Before the timed part, p9_sync flushes and drops the caches.
#
#   p9_run JOB DIR RUNTIME RAMP  prints "VALUE CPU LAT": MiB/s (fio jobs) or
#                                seconds (the others); the CPU the job
#                                used, in % (fio's usr+sys of its threads,
#                                or the whole machine's busy share for
#                                the others); fio's mean completion
#                                latency in us ("-" for the others).
#                                Status 1 when the job fails or outlives
#                                BENCH_P9_LIMIT seconds (then it is killed).
#   p9_sync DIR WHAT             sync, drop this kernel's caches (unless
#                                BENCH_P9_DROP_LOCAL=0) and, with
#                                BENCH_P9_REMOTE=1 (a guest), ask dom0 to do
#                                the same through DIR/.bench-sync (whose
#                                content is WHAT) and wait until dom0
#                                removed it: dom0's page cache holds what
#                                the server read and wrote.  Those points
#                                are where dom0 takes its per-job figures.

p9_sync() {
	_sd=$1 _sw=$2 _si=0
	sync
	[ "${BENCH_P9_DROP_LOCAL:-1}" = 0 ] ||
		echo 3 >/proc/sys/vm/drop_caches
	[ "${BENCH_P9_REMOTE:-0}" = 1 ] || return 0
	echo "$_sw" >"$_sd/.bench-sync.tmp" &&
		mv "$_sd/.bench-sync.tmp" "$_sd/.bench-sync" || return 1
	while [ -e "$_sd/.bench-sync" ]; do
		_si=$((_si + 1))
		[ $_si -gt 600 ] && return 1
		sleep 0.1
	done
	return 0
}

# Seconds since boot, with hundredths.
_p9_now() { cut -d' ' -f1 /proc/uptime; }

# Busy and total ticks of the machine (first line of /proc/stat).
_p9_ticks() {
	awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i
		print t - $5 - $6, t; exit }' /proc/stat
}

# _p9_fio DIR NAME LIMIT FIO-ARGS...: fio on DIR/seq.dat; prints the
# terse line.
_p9_fio() {
	_fd=$1 _fn=$2 _fl=$3
	shift 3
	timeout -s KILL "$_fl" fio --name="$_fn" --filename="$_fd/seq.dat" \
		--ioengine=psync --size="${BENCH_P9_MB:-256}M" \
		--fallocate=none --invalidate=0 --minimal "$@" \
		>"/tmp/fio-p9-$_fn.out" 2>"/tmp/fio-p9-$_fn.err" ||
		{ tail -n 2 "/tmp/fio-p9-$_fn.err" >&2; return 1; }
	_fx=$(grep '^3;' "/tmp/fio-p9-$_fn.out" | tail -n 1)
	[ -n "$_fx" ] && echo "$_fx"
}

# _p9_have_file DIR: the data file is there, whole.  (By its size: wc -c
# would read it all, in small requests over 9p.)
_p9_have_file() {
	[ "$(stat -c %s "$1/seq.dat" 2>/dev/null)" = $(( ${BENCH_P9_MB:-256} * 1048576 )) ]
}

# _p9_timed LIMIT CMD...: runs CMD; prints "SECONDS BUSY%".
_p9_timed() {
	_tl=$1
	shift
	_tk=$(_p9_ticks) _t0=$(_p9_now)
	timeout -s KILL "$_tl" "$@" || return 1
	echo "$_t0 $(_p9_now) $_tk $(_p9_ticks)" | awk '{
		b = $5 - $3; t = $6 - $4
		printf "%.2f %.0f\n", $2 - $1, (t > 0 ? 100 * b / t : 0) }'
}

p9_run() {
	_pj=$1 _pd=$2 _pr=$3 _pramp=$4 _pl=${BENCH_P9_LIMIT:-300} _px=
	case "$_pj" in
	seqwrite)
		rm -f "$_pd/seq.dat"
		p9_sync "$_pd" seqwrite || return 1
		_px=$(_p9_fio "$_pd" seqwrite "$_pl" --rw=write --bs=1M) ||
			return 1
		# Write KiB/s, usr% and sys%, mean completion latency.
		echo "$_px" | awk -F';' '{ printf "%.1f %.0f %.0f\n",
			$48 / 1024, $88 + $89, $57 }' ;;
	seqread|randread)
		if ! _p9_have_file "$_pd"; then
			_p9_fio "$_pd" layout "$_pl" --rw=write --bs=1M \
				>/dev/null || return 1
		fi
		p9_sync "$_pd" "$_pj" || return 1
		if [ "$_pj" = seqread ]; then
			_px=$(_p9_fio "$_pd" seqread "$_pl" --rw=read --bs=1M)
		else
			_px=$(_p9_fio "$_pd" randread $((_pr + _pramp + 120)) \
				--rw=randread --bs=4k --numjobs=4 \
				--group_reporting --time_based \
				--runtime="$_pr" --ramp_time="$_pramp" \
				--norandommap --randrepeat=0)
		fi || return 1
		echo "$_px" | awk -F';' '{ printf "%.1f %.0f %.0f\n",
			$7 / 1024, $88 + $89, $16 }' ;;
	untar)
		rm -rf "$_pd/tree"
		p9_sync "$_pd" untar || return 1
		_px=$(_p9_timed "$_pl" tar -xf "${BENCH_P9_TAR:?}" -C "$_pd") ||
			return 1
		echo "$_px -" ;;
	stat|rm)
		if [ ! -d "$_pd/tree" ]; then
			tar -xf "${BENCH_P9_TAR:?}" -C "$_pd" || return 1
		fi
		p9_sync "$_pd" "$_pj" || return 1
		if [ "$_pj" = stat ]; then
			_px=$(_p9_timed "$_pl" sh -c \
				'find "$1" -exec stat -c %s {} + >/dev/null' \
				stat "$_pd/tree")
		else
			_px=$(_p9_timed "$_pl" rm -rf "$_pd/tree")
		fi || return 1
		echo "$_px -" ;;
	*) return 1 ;;
	esac
}
