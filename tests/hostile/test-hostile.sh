#!/bin/bash
# SPDX-License-Identifier: MIT
# The hostile-frontend suite (tests/hostile/run.sh) under make check: one
# xenpvd, a bystander guest doing verified I/O throughout, and one case
# per kind of bad ring entry or XenStore value, killed, closed or
# destroyed frontend.  Exit status as the suite's: 0, 1, 77 or 99.  It is
# bounded: each frontend runs under timeout; the suite takes about a
# minute (up to four under ASan on a loaded machine).
. ./functions.sh
requires which timeout
exec timeout -k 5 600 "$BASH" "$top_srcdir/tests/hostile/run.sh"
