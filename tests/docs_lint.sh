#!/bin/sh
# docs_lint.sh: the repository stands on its own (docs/): every test that
# docs/guarantees.md (or any doc) names exists, every source file README.md
# and the docs name exists, the docs are in the tarball, and no code
# comment, test, man page or README cites a document outside the
# repository ("SPEC" sections).  TAP.
n=0
fail=0
s=${top_srcdir:-.}
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2";
	else echo "not ok $n - $2"; fail=1; fi; }

for doc in architecture guarantees threat-model upgrade conventions; do
	[ -s "$s/docs/$doc.md" ]
	ok $? "docs/$doc.md exists"
	cat "$s/Makefile.am" "$s"/*/*.am | grep -v "^#" | grep -q "docs/$doc.md"
	ok $? "docs/$doc.md is in EXTRA_DIST"
done
missing=""
for t in $(grep -ohE 'tests/[A-Za-z0-9_./-]+\.(c|py|sh)' "$s"/docs/*.md | sort -u); do
	[ -f "$s/$t" ] || missing="$missing $t"
done
[ -z "$missing" ]
ok $? "every test the docs name exists${missing:+ (missing:$missing)}"
[ "$(grep -c 'tests/' "$s/docs/guarantees.md")" -ge 20 ]
ok $? "docs/guarantees.md names the tests of its guarantees"
# Every daemon/ and filters/ file the README's layout table and "Where to
# start" (and the docs) name exists; a pattern such as daemon/store_*.c
# matches at least one file.
gone=""
for f in README.md docs/architecture.md docs/guarantees.md \
	docs/threat-model.md docs/upgrade.md docs/conventions.md; do
	for p in $(grep -ohE '(daemon|filters)/[A-Za-z0-9_.*/-]*[A-Za-z0-9_*]' \
	    "$s/$f" | sort -u); do
		case "$p" in
		*'*'*) set -- "$s"/$p; [ -e "$1" ] ;;
		*) [ -e "$s/$p" ] ;;
		esac || gone="$gone $f:$p"
	done
done
[ -z "$gone" ]
ok $? "every daemon/ and filters/ path README.md and docs/ name exists${gone:+ (missing:$gone)}"
# The pattern is split so that this file does not match itself.
cites=$(cd "$s" && grep -rnE 'SP''EC *(§|\\\(sc)' daemon filters tests contrib man conf \
	README.md Makefile.am configure.ac 2>/dev/null)
[ -z "$cites" ]
ok $? "no citation of a document outside the repository"
[ -z "$cites" ] || printf '%s\n' "$cites" | sed 's/^/# /'
echo "1..$n"
exit $fail
