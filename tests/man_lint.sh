#!/bin/sh
# man_lint.sh: the man pages, as installed (gen/, paths filled in) and as
# kept in man/, render without a single groff warning (-ww), as `man -l`
# renders them (preconv for UTF-8, the mandoc macros).  TAP; skips when
# groff is missing.
n=0
fail=0
b=${top_builddir:-.}
s=${top_srcdir:-.}
if ! command -v groff >/dev/null 2>&1; then
	echo "1..0 # SKIP groff not installed"
	exit 0
fi
for page in postdeskd.8 postdesk.1 postdesk.conf.5; do
	for f in "$s/man/$page" "$b/gen/$page"; do
		n=$((n + 1))
		if [ ! -f "$f" ]; then
			echo "not ok $n - $f exists"
			fail=1
			continue
		fi
		for macros in -mandoc -man; do
			out=$(LC_ALL=C.UTF-8 groff -k -ww $macros -Tutf8 -z "$f" 2>&1)
			[ -z "$out" ] || break
		done
		if [ -z "$out" ]; then
			echo "ok $n - $f renders without warnings"
		else
			echo "not ok $n - $f renders without warnings"
			printf '%s\n' "$out" | sed 's/^/# /'
			fail=1
		fi
	done
done
# Nothing installed keeps a placeholder the build should have filled in.
for page in postdeskd.8 postdesk.1 postdesk.conf.5; do
	n=$((n + 1))
	if grep -qE '@[a-z_]+@' "$b/gen/$page" 2>/dev/null; then
		echo "not ok $n - gen/$page has no @placeholder@"
		grep -nE '@[a-z_]+@' "$b/gen/$page" | sed 's/^/# /'
		fail=1
	else
		echo "ok $n - gen/$page has no @placeholder@"
	fi
done
echo "1..$n"
exit $fail
