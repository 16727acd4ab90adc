#!/bin/sh
# docs_lint.sh: the repository stands on its own (docs/): every test that
# docs/guarantees.md (or any doc) names exists, the docs are in the
# tarball, and no code comment, test, man page or README cites a document
# outside the repository ("SPEC" sections).  TAP.
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
# The pattern is split so that this file does not match itself.
cites=$(cd "$s" && grep -rnE 'SP''EC *(§|\\\(sc)' daemon filters tests contrib man conf \
	README.md Makefile.am configure.ac 2>/dev/null)
[ -z "$cites" ]
ok $? "no citation of a document outside the repository"
[ -z "$cites" ] || printf '%s\n' "$cites" | sed 's/^/# /'
echo "1..$n"
exit $fail
