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
