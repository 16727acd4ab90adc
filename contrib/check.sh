#!/bin/bash
# Runs the whole test suite: unit tests, the corpus of real-world mail, and
# the integration tests against a private Dovecot and SMTP server on
# loopback; then the same suite on an ASan/UBSan build, then the fuzz
# targets for a bounded time (contrib/fuzz.sh), then make distcheck.
# Ends with the line
# "tests: N passed, N failed, N skipped"; exits non-zero on any failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
contrib/deps.sh
rc=0
logs=()
run_suite() {   # DIR [configure args]
	local dir=$1
	shift
	contrib/build.sh "$dir" "$@" || { rc=1; return; }
	(cd "$dir" && make -s -j2 check) || rc=1
	logs+=("$dir/test-suite.log")
	# Each test's own log, so a failure can be read without a rerun.
	grep -l -E '^(not ok|ERROR)' "$dir"/tests/*.log 2>/dev/null | while read -r f; do
		echo "==== $f"; grep -E -A20 '^(not ok|ERROR)' "$f" | head -60
	done
}
run_suite _build --enable-test-hooks
if [ "${PD_SKIP_ASAN:-0}" != 1 ]; then
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	export LSAN_OPTIONS=suppressions=$top/tests/lsan.supp:print_suppressions=0
	run_suite _build-asan --enable-sanitizers --enable-test-hooks
fi
# Fuzzing: each libFuzzer target of tests/fuzz for a bounded time (about
# a minute each, FUZZ_TIME); its log's "# PASS:" / "# FAIL:" lines count
# below.  A crash prints the reproducer and its stack, and fails the suite.
if [ "${PD_SKIP_FUZZ:-0}" != 1 ]; then
	contrib/fuzz.sh || rc=1
	logs+=(_build-fuzz/fuzz-suite.log)
fi
# The release tarball must build, install and pass the suite on its own
# (make distcheck); it counts as one more check.
dist_pass=0 dist_fail=0
if [ "${PD_SKIP_DISTCHECK:-0}" != 1 ]; then
	if (cd _build && make -s -j2 distcheck >distcheck.log 2>&1); then
		dist_pass=1
	else
		dist_fail=1 rc=1
		tail -40 _build/distcheck.log
	fi
fi
awk -v dp=$dist_pass -v df=$dist_fail \
    '/^# (PASS|FAIL|SKIP|XFAIL|XPASS|ERROR):/ { k = $2; sub(":", "", k); n[k] += $3 }
     END { printf "tests: %d passed, %d failed, %d skipped\n",
           n["PASS"] + n["XFAIL"] + dp, n["FAIL"] + n["ERROR"] + n["XPASS"] + df, n["SKIP"] }' \
	"${logs[@]}" /dev/null
exit $rc
