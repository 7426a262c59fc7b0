#!/bin/bash
# SPDX-License-Identifier: MIT
# `make install DESTDIR=...` from the build tree puts every part where it
# belongs: the daemon and tools, the library with its header and .pc, the
# man pages (xenpvd.conf(5) included), the block-xenpvd hotplug script in
# Xen's scripts directory and, when configured, the systemd unit with the
# configured sbindir in ExecStart.
. ./functions.sh
requires which make
[ -f "$top_builddir/Makefile" ] || skip "no build tree"
xpv_tmpdir D
# A fresh make, not the one running the test suite.
unset MAKEFLAGS MFLAGS MAKELEVEL
make -s -C "$top_builddir" install DESTDIR="$D/root" >"$D/install.log" 2>&1 ||
	{ tail -20 "$D/install.log"; fail "make install failed"; }
# The configured directories, as make expands them.
var() {
	printf 'print-%%:\n\t@echo $($*)\n' |
		make -s -C "$top_builddir/tools" -f Makefile -f - "print-$1"
}
R=$D/root
sbindir=$(var sbindir) bindir=$(var bindir) libdir=$(var libdir)
includedir=$(var includedir) mandir=$(var mandir)
xenconfdir=$(var xenconfdir) unitdir=$(var systemdsystemunitdir)
pcdir=$(var pkgconfigdir)
[ -n "$sbindir" ] && [ -n "$xenconfdir" ] || hard_error "cannot read the directories"
for f in "$sbindir/xenpvd" "$bindir/xenpvctl" "$bindir/xenpv-sim" \
	"$xenconfdir/scripts/block-xenpvd"; do
	[ -x "$R$f" ] || fail "$f not installed (executable)"
done
ls "$R$libdir"/libxenpvfront.so.* >/dev/null 2>&1 || fail "libxenpvfront.so.*"
for f in "$includedir/xenpvfront.h" "$pcdir/xenpvfront.pc" \
	"$mandir/man8/xenpvd.8" "$mandir/man8/xenpvctl.8" \
	"$mandir/man5/xenpvd.conf.5" "$mandir/man1/xenpv-sim.1" \
	"$mandir/man3/libxenpvfront.3"; do
	[ -f "$R$f" ] || fail "$f not installed"
done
if [ -n "$unitdir" ]; then
	u=$R$unitdir/xenpvd.service
	[ -f "$u" ] || fail "xenpvd.service not in $unitdir"
	grep -qx "ExecStart=$sbindir/xenpvd --foreground \$XENPVD_ARGS" "$u" ||
		fail "ExecStart: $(grep ExecStart "$u")"
	grep -q '@' "$u" && fail "unsubstituted @...@ in the unit"
	if command -v systemd-analyze >/dev/null 2>&1; then
		systemd-analyze verify "$u" 2>&1 | grep -i "unknown\|invalid" &&
			fail "systemd-analyze verify"
	fi
fi
exit 0
