# SPDX-License-Identifier: MIT
# tests/xen/lib.sh - host side of the real-Xen harness: Debian packages,
# the cached boot images, the per-run overlay, and one bounded QEMU boot.
#
# Source it from bash (run.sh, run-all.sh).  What it guarantees:
#   - everything comes from Debian packages; what is missing is installed
#     with apt-get (update at most once per run), or the caller skips (77)
#     with the reason;
#   - the expensive parts (Xen, the dom0 kernel as an ELF vmlinux, the dom0
#     initramfs base, the guest initramfs) are built once per set of package
#     versions (and version of these scripts) into $XEN_CACHE/<key>/, under
#     a lock; older keys are removed;
#   - our binaries and the scenario scripts never enter the cache: each run
#     appends them as a second cpio archive (the kernel unpacks concatenated
#     archives in order, later files win);
#   - xen_boot never leaves QEMU running: it has a hard deadline, and the
#     caller's EXIT/INT/TERM trap (xen_kill_qemu) kills QEMU by its pid.
#
# Functions:
#   xen_need_pkgs                 install what is missing, or exit 77
#   xen_cache_prepare             sets XEN_IMG (dir holding xen, vmlinux,
#                                 dom0-base.cpio, guest.cpio)
#   xen_find_build [DIR]          sets XEN_BUILD (our build tree) or exit 77
#   xen_overlay OUT SCENARIO...   writes the per-run overlay cpio to OUT
#   xen_boot DOM0CPIO LOG SECS    boots Xen + dom0, waits for power-off or
#                                 the deadline; returns 0, 124 on timeout,
#                                 125 when dom0 wedged (no heartbeat)
#   xen_kill_qemu                 kills the QEMU of this shell, if any

XEN_DIR=${XEN_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
XEN_CACHE=${XENPVD_XEN_CACHE:-${XDG_CACHE_HOME:-/var/cache}/xenpvd-xen-e2e}
XEN_XENVER=4.17
XEN_XENBIN=/usr/lib/xen-$XEN_XENVER/bin

# Packages of the images.  socat reads xenpvd's control socket when
# xenpvctl stats is not there.
XEN_PKGS=(qemu-system-x86 "xen-hypervisor-$XEN_XENVER-amd64"
	  "xen-utils-$XEN_XENVER" xen-utils-common xenstore-utils
	  linux-image-amd64 busybox-static cpio kmod e2fsprogs util-linux
	  coreutils bash xz-utils socat)

# What a dom0 process killed by the emulation leaves in a serial log
# (XEN-UNDER-QEMU.md): bash's report of a job that died, glibc's heap
# checks, and the kernel's lines that dom0/run-scenarios echoes as
# "[name] kernel: ...".  tools/quickstart.sh retries a failed scenario
# only when its lines match; crash-rate.sh counts them.
XEN_CRASH_RE='Segmentation fault|malloc\(\)|corrupted|double free|free\(\): invalid|Illegal instruction|core dumped|kernel: .*(segfault at|traps: )'

# The emulated machine by default.  Under QEMU 7.2's TCG, `-cpu max,-smap`
# (SMAP hidden: with it dom0 crashes at its first exception) had dom0's
# processes killed 2-14 times a scenario set (segfaults reading their TLS,
# heap corruption); Haswell-noTSX had none (tests/xen/README.md, the
# table).  On that Intel model Xen turns on XPTI for PV guests, which
# makes dom0 1.5x slower under emulation and protects nothing here.
XEN_QEMU_CPU_DEFAULT=Haswell-noTSX
XEN_ARGS_DEFAULT="xpti=no"

xen_say() { printf 'xen-e2e: %s\n' "$*" >&2; }
xen_skip() { xen_say "SKIP: $*"; exit 77; }
xen_die() { xen_say "ERROR: $*"; exit 99; }

_xen_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null |
		grep -q 'install ok installed'
}

xen_need_pkgs() {
	local missing=() p sudo=()
	command -v dpkg-query >/dev/null || xen_skip "not a Debian system"
	for p in "${XEN_PKGS[@]}"; do
		_xen_installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "${XENPVD_XEN_NO_INSTALL:-0}" = 1 ]; then
		xen_skip "missing packages: ${missing[*]} (XENPVD_XEN_NO_INSTALL=1)"
	fi
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null ||
			xen_skip "missing packages: ${missing[*]} (not root)"
		sudo=(sudo -n)
	fi
	xen_say "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -qq >/dev/null 2>&1 ||
		xen_skip "apt-get update failed; missing: ${missing[*]}"
	# xen-utils' post-install complains that there is no hypervisor:
	# harmless, nothing here runs Xen on the host.
	"${sudo[@]}" apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null 2>&1 ||
		xen_skip "apt-get install failed: ${missing[*]}"
	for p in "${missing[@]}"; do
		_xen_installed "$p" || xen_skip "package $p not installable"
	done
}

# The newest installed Debian kernel, e.g. 6.1.0-56-amd64.
_xen_kver() {
	local v
	v=$(ls /boot/vmlinuz-* 2>/dev/null | sed 's|^/boot/vmlinuz-||' |
		sort -V | tail -n 1)
	[ -n "$v" ] && [ -d "/lib/modules/$v" ] || return 1
	printf '%s\n' "$v"
}

# The cache key: package versions, kernel, and the scripts that shape the
# cached images (this file and the guest /init).
_xen_key() {
	{
		dpkg-query -W -f='${Package}=${Version}\n' "${XEN_PKGS[@]}" \
			libc6 2>/dev/null
		_xen_kver
		cat "$XEN_DIR/lib.sh" "$XEN_DIR/guest/init"
	} | sha256sum | cut -c1-16
}

# _xen_copy ROOT FILE...: copies files to the same path under ROOT
# (following symlinks for the content), with the libraries ldd lists.
_xen_copy() {
	local root=$1 f lib
	shift
	for f in "$@"; do
		[ -e "$f" ] || { xen_say "missing $f"; return 1; }
		mkdir -p "$root$(dirname "$f")"
		cp -L --remove-destination "$f" "$root$f"
		ldd "$f" 2>/dev/null | grep -oE '/[^ ]+' | while read -r lib; do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	done
}

# _xen_skeleton ROOT: merged-/usr layout, busybox with its applets.
_xen_skeleton() {
	local root=$1 a
	mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{dev,proc,sys,run,tmp}
	mkdir -p "$root"/{etc,root,mnt,var/log,var/lib}
	ln -s usr/bin "$root/bin"
	ln -s usr/sbin "$root/sbin"
	ln -s usr/lib "$root/lib"
	ln -s usr/lib64 "$root/lib64"
	ln -s ../run "$root/var/run"
	ln -s ../run/lock "$root/var/lock"
	chmod 1777 "$root/tmp"
	cp /bin/busybox "$root/usr/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] && continue
		ln -sf busybox "$root/usr/bin/$a"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
	echo 'root:x:0:' >"$root/etc/group"
	printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
}

# _xen_modules ROOT KVER MOD...: the modules and their dependencies
# (uncompressed in Debian 12), the builtin lists, and depmod -b.
_xen_modules() {
	local root=$1 kver=$2 m f dep todo seen=" "
	shift 2
	todo=("$@")
	mkdir -p "$root/lib/modules/$kver"
	cp /lib/modules/"$kver"/modules.{order,builtin,builtin.modinfo} \
		"$root/lib/modules/$kver/"
	while [ ${#todo[@]} -gt 0 ]; do
		m=${todo[0]}
		todo=("${todo[@]:1}")
		case "$seen" in *" $m "*) continue ;; esac
		seen="$seen$m "
		f=$(modinfo -k "$kver" -F filename "$m" 2>/dev/null) || continue
		case "$f" in /*) ;; *) continue ;; esac # built in
		mkdir -p "$root$(dirname "$f")"
		cp "$f" "$root$f"
		for dep in $(modinfo -k "$kver" -F depends "$m" | tr ',' ' '); do
			todo+=("$dep")
		done
	done
	depmod -b "$root" "$kver"
}

_xen_cpio() {
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet)
}

# The Debian kernel's xz payload as an ELF vmlinux (boots faster).
_xen_vmlinux() {
	local kver=$1 out=$2 off
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "/boot/vmlinuz-$kver" |
		head -n 1 | cut -d: -f1)
	[ -n "$off" ] || return 1
	tail -c +$((off + 1)) "/boot/vmlinuz-$kver" | xz -dc >"$out" \
		2>/dev/null || true
	[ "$(head -c 4 "$out" | od -An -c | tr -d ' ')" = '177ELF' ]
}

_xen_build_images() {
	local dir=$1 kver tmp r f
	kver=$(_xen_kver) || { xen_say "no Debian kernel in /boot"; return 1; }
	tmp=$dir.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	xen_say "building images in $dir (kernel $kver)"
	zcat "/boot/xen-$XEN_XENVER-amd64.gz" >"$tmp/xen"
	_xen_vmlinux "$kver" "$tmp/vmlinux" ||
		{ xen_say "cannot extract vmlinux"; return 1; }

	# Guest: busybox, mkfs, coreutils dd, blkfront and ext4, 9pnet_xen
	# and v9fs, netfront.
	r=$tmp/guest-root
	_xen_skeleton "$r"
	_xen_copy "$r" /sbin/mke2fs /usr/bin/dd /usr/bin/sha256sum \
		/sbin/blockdev /usr/bin/kmod || return 1
	for f in mkfs.ext4 mkfs.ext2; do ln -sf mke2fs "$r/sbin/$f"; done
	for f in modprobe insmod lsmod depmod modinfo rmmod; do
		ln -sf ../bin/kmod "$r/usr/sbin/$f"
	done
	_xen_modules "$r" "$kver" xen-blkfront ext4 crc32c_generic \
		crc32c-intel 9pnet_xen 9p xen-netfront
	install -m 755 "$XEN_DIR/guest/init" "$r/init"
	_xen_cpio "$r" >"$tmp/guest.cpio"
	rm -rf "$r"

	# dom0 base: Xen tools, hotplug scripts, modules, the guest images.
	r=$tmp/dom0-root
	_xen_skeleton "$r"
	for f in xl xenstored xenconsoled xen-init-dom0 libxl-save-helper \
		 xenconsole xentop; do
		_xen_copy "$r" "$XEN_XENBIN/$f" || return 1
	done
	_xen_copy "$r" /bin/bash /usr/bin/xenstore /sbin/losetup \
		/usr/bin/flock /usr/bin/stat /sbin/mke2fs /usr/bin/dd \
		/usr/bin/timeout /usr/bin/kmod /usr/bin/socat /sbin/e2fsck || return 1
	ln -sf mke2fs "$r/sbin/mkfs.ext4"
	for f in read write ls list rm exists watch chmod; do
		ln -sf xenstore "$r/usr/bin/xenstore-$f"
	done
	for f in modprobe insmod lsmod depmod modinfo rmmod; do
		ln -sf ../bin/kmod "$r/usr/sbin/$f"
	done
	# xl aborts in pthread_cancel without libgcc_s (ldd does not list it).
	f=$(ldconfig -p | grep -m1 'libgcc_s.so.1 ' | sed 's/.*=> //')
	_xen_copy "$r" "$f" || return 1
	mkdir -p "$r/etc/xen"
	cp -a /etc/xen/scripts "$r/etc/xen/"
	cp /etc/xen/xl.conf "$r/etc/xen/"
	# The hotplug scripts find xenstore-* here (hotplugpath.sh).
	mkdir -p "$r/var/lib/xen" "$r/var/lib/xenstored" "$r/var/log/xen"
	_xen_modules "$r" "$kver" xen-evtchn xen-gntdev xen-gntalloc \
		xen-privcmd xenfs xen-blkback xen-blkfront loop xen-netback \
		xen-netfront 9pnet_xen 9p tun bridge
	mkdir -p "$r/boot"
	cp "$tmp/vmlinux" "$r/boot/vmlinux"
	cp "$tmp/guest.cpio" "$r/boot/guest.cpio"
	_xen_cpio "$r" >"$tmp/dom0-base.cpio"
	rm -rf "$r"
	echo "$kver" >"$tmp/kver"
	rm -rf "$dir"
	mv "$tmp" "$dir"
}

xen_cache_prepare() {
	local key lock old
	key=$(_xen_key)
	mkdir -p "$XEN_CACHE" || xen_skip "cannot create cache $XEN_CACHE"
	lock=$XEN_CACHE/.lock
	exec 8>"$lock"
	flock -w 900 8 || xen_die "cache $XEN_CACHE is locked"
	if [ ! -f "$XEN_CACHE/$key/dom0-base.cpio" ]; then
		local t0=$SECONDS
		_xen_build_images "$XEN_CACHE/$key" ||
			{ rm -rf "$XEN_CACHE/$key.tmp"; flock -u 8;
			  xen_die "building the images failed"; }
		xen_say "images built in $((SECONDS - t0)) s"
		for old in "$XEN_CACHE"/*; do
			case "$old" in "$XEN_CACHE/$key"|"$XEN_CACHE/logs") continue ;; esac
			rm -rf "$old"
		done
	fi
	flock -u 8
	exec 8>&-
	XEN_IMG=$XEN_CACHE/$key
}

# xen_find_build [DIR]: our build tree.  Default: $XENPVD_BUILD, else
# build/ beside the sources, else the source tree itself (in-tree build).
xen_find_build() {
	local d=${1:-${XENPVD_BUILD:-}} top
	top=$(cd "$XEN_DIR/../.." && pwd)
	if [ -z "$d" ]; then
		if [ -x "$top/build/backend/xenpvd" ]; then
			d=$top/build
		else
			d=$top
		fi
	fi
	[ -d "$d" ] || xen_skip "no build directory $d"
	XEN_BUILD=$(cd "$d" && pwd)
	[ -e "$XEN_BUILD/backend/xenpvd" ] ||
		xen_skip "no backend/xenpvd in $XEN_BUILD (not built)"
}

# The real ELF of a program of the build tree (libtool may have left a
# wrapper script in its place).
_xen_real_bin() {
	local p=$1 d b
	d=$(dirname "$p")
	b=$(basename "$p")
	if [ -f "$p" ] && head -c 4 "$p" | grep -q 'ELF'; then
		printf '%s\n' "$p"
	elif [ -x "$d/.libs/lt-$b" ]; then
		printf '%s\n' "$d/.libs/lt-$b"
	elif [ -x "$d/.libs/$b" ]; then
		printf '%s\n' "$d/.libs/$b"
	else
		return 1
	fi
}

# xen_overlay OUT SCENARIO...: /init, the dom0 scripts, the scenarios to
# run, and our binaries in /opt/xenpvd/{bin,lib} with the libraries they
# need (copied to their own paths).
xen_overlay() {
	local out=$1 r p real lib s
	shift
	r=$(mktemp -d "${TMPDIR:-/tmp}/xen-overlay.XXXXXX")
	mkdir -p "$r/opt/xenpvd/bin" "$r/opt/xenpvd/lib" "$r/xpv/scenarios"
	install -m 755 "$XEN_DIR/dom0/init" "$r/init"
	install -m 755 "$XEN_DIR/dom0/run-scenarios" "$r/xpv/run-scenarios"
	install -m 644 "$XEN_DIR/dom0/xpv-lib.sh" "$r/xpv/xpv-lib.sh"
	# Where libxl looks for script=block-xenpvd.
	install -D -m 755 "$XEN_DIR/../../tools/hotplug/block-xenpvd" \
		"$r/etc/xen/scripts/block-xenpvd"
	for s in "$@"; do
		install -m 755 "$XEN_DIR/scenarios/$s.sh" "$r/xpv/scenarios/"
		echo "$s" >>"$r/xpv/scenarios.list"
	done
	for lib in "$XEN_BUILD"/frontend/.libs/libxenpvfront.so*; do
		[ -e "$lib" ] && cp -a "$lib" "$r/opt/xenpvd/lib/"
	done
	for p in backend/xenpvd tools/xenpvctl tools/xenpv-pingpong \
		 tests/frontend/fake-blkback tests/frontend/test-frontend-io \
		 tests/blk/test-frontend-raw tests/common/test-platform-xen \
		 tests/frontend/test-net-io tests/frontend/net-host-echo; do
		real=$(_xen_real_bin "$XEN_BUILD/$p") || continue
		cp "$real" "$r/opt/xenpvd/bin/$(basename "$p")"
		LD_LIBRARY_PATH=$XEN_BUILD/frontend/.libs ldd "$real" |
			grep -oE '=> /[^ ]+' | cut -c4- | while read -r lib; do
			case "$lib" in
			"$XEN_BUILD"/*) continue ;;
			/lib/* | /lib64/*) lib=/usr$lib ;; # merged /usr in the base
			esac
			[ -e "$r$lib" ] && continue
			mkdir -p "$r$(dirname "$lib")"
			cp -L "$lib" "$r$lib"
		done
	done
	# The build we test, for the logs.
	(cd "$XEN_BUILD" && ls -l --time-style=+%F.%T backend/xenpvd \
		tools/xenpvctl 2>&1 || true) >"$r/xpv/build-info"
	_xen_cpio "$r" >"$out"
	rm -rf "$r"
}

XEN_QEMU_PID=

xen_kill_qemu() {
	local i
	[ -n "$XEN_QEMU_PID" ] || return 0
	if kill -0 "$XEN_QEMU_PID" 2>/dev/null; then
		kill "$XEN_QEMU_PID" 2>/dev/null || true
		for i in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$XEN_QEMU_PID" 2>/dev/null || break
			sleep 0.2
		done
		kill -9 "$XEN_QEMU_PID" 2>/dev/null || true
	fi
	wait "$XEN_QEMU_PID" 2>/dev/null || true
	XEN_QEMU_PID=
}

# xen_boot DOM0CPIO LOG SECS: one boot, serial console to LOG.  dom0
# prints XENPV-DONE before it powers off; QEMU is given a few seconds to
# exit by itself after that, then killed.  Once dom0 prints heartbeats
# (XENPV-HEARTBEAT, every 10 s while scenarios run), XEN_WEDGE_SECS
# (default 120) without one means the emulation wedged (dom0 silent,
# QEMU idle: seen under load): QEMU is killed at once, status 125.
# XEN_BOOT_MEM (QEMU's memory, MiB; default 2048), XEN_DOM0_MEM (default
# 1024M) and the array XEN_BOOT_EXTRA (more QEMU arguments, e.g. a disk)
# let a caller such as bench.sh boot a bigger machine with the same rules.
# The emulated machine's configuration (crash-rate.sh compares them; the
# table in tests/xen/README.md says why these defaults): XEN_QEMU_ACCEL (default
# tcg,thread=multi), XEN_QEMU_CPU (default $XEN_QEMU_CPU_DEFAULT),
# XEN_QEMU_SMP (vCPUs, default 2), XEN_DOM0_VCPUS (default: XEN_QEMU_SMP)
# and XEN_ARGS_EXTRA (more Xen options; default $XEN_ARGS_DEFAULT, set
# it empty for none).
xen_boot() {
	local cpio=$1 log=$2 secs=$3 deadline done_at=0 beats=0 n beat_at
	local wedge=${XEN_WEDGE_SECS:-120}
	local dom0_mem=${XEN_DOM0_MEM:-1024M} smp=${XEN_QEMU_SMP:-2}
	local extra=${XEN_ARGS_EXTRA-$XEN_ARGS_DEFAULT}
	local cpu=${XEN_QEMU_CPU:-$XEN_QEMU_CPU_DEFAULT}
	local xen_args="dom0_mem=$dom0_mem,max:$dom0_mem dom0_max_vcpus=${XEN_DOM0_VCPUS:-$smp} console=com1 com1=115200,8n1 noreboot${extra:+ $extra}"
	local dom0_args="console=hvc0 earlyprintk=xen panic=-1 rdinit=/init loglevel=4"
	command -v qemu-system-x86_64 >/dev/null ||
		xen_skip "no qemu-system-x86_64"
	: >"$log"
	xen_say "machine: -accel ${XEN_QEMU_ACCEL:-tcg,thread=multi} -cpu $cpu -smp $smp; xen: $xen_args"
	# /dev/kvm here cannot run Xen (nested shadow paging): TCG only.
	qemu-system-x86_64 -accel "${XEN_QEMU_ACCEL:-tcg,thread=multi}" \
		-cpu "$cpu" \
		-m "${XEN_BOOT_MEM:-2048}" -smp "$smp" -display none -no-reboot \
		-nic none -serial "file:$log" -monitor none -parallel none \
		${XEN_BOOT_EXTRA[@]+"${XEN_BOOT_EXTRA[@]}"} \
		-kernel "$XEN_IMG/xen" -append "$xen_args" \
		-initrd "$XEN_IMG/vmlinux $dom0_args,$cpio" \
		</dev/null >"$log.qemu" 2>&1 &
	XEN_QEMU_PID=$!
	deadline=$((SECONDS + secs))
	beat_at=$SECONDS
	while kill -0 "$XEN_QEMU_PID" 2>/dev/null; do
		if [ "$done_at" = 0 ] && grep -q 'XENPV-DONE' "$log"; then
			done_at=$SECONDS
		fi
		# dom0's heartbeat (dom0/init): once it has started, a dom0
		# silent for $wedge s is wedged, whatever its scenario's
		# limit says.
		n=$(grep -a -c 'XENPV-HEARTBEAT' "$log") || true	# 0: status 1
		if [ "$n" != "$beats" ]; then
			beats=$n beat_at=$SECONDS
		elif [ "$beats" -gt 0 ] && [ "$done_at" = 0 ] &&
			[ $((SECONDS - beat_at)) -ge "$wedge" ]; then
			xen_say "dom0 wedged: no heartbeat for ${wedge}s; killing QEMU"
			xen_kill_qemu
			return 125
		fi
		if [ "$done_at" != 0 ] && [ $((SECONDS - done_at)) -ge 15 ]; then
			xen_kill_qemu
			return 0
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			xen_say "boot timed out after $secs s; killing QEMU"
			xen_kill_qemu
			return 124
		fi
		sleep 1
	done
	wait "$XEN_QEMU_PID" 2>/dev/null || true
	XEN_QEMU_PID=
	return 0
}
