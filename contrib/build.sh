#!/bin/sh
# Builds postdesk out of tree in DIR (default _build), configuring it again
# only when the configure arguments change.  Extra arguments go to
# configure (e.g. --enable-sanitizers, --enable-test-hooks).
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-_build}
[ $# -gt 0 ] && shift
cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] || ./autogen.sh >/dev/null 2>&1
mkdir -p "$dir"
cd "$dir"
args="$*"
if [ ! -f Makefile ] || [ "$(cat .configure-args 2>/dev/null)" != "$args" ]; then
	# Objects do not depend on the flags: a new configuration rebuilds
	# everything, or a stale object keeps the old one's defines.
	[ -f Makefile ] && make -s clean >/dev/null 2>&1 || true
	"$top/configure" -q "$@"
	printf '%s\n' "$args" >.configure-args
fi
make -s -j"$(nproc)"
