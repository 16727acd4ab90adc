#!/bin/bash
# Builds the libFuzzer targets of tests/fuzz in their own build directory
# (_build-fuzz: CC=clang --enable-fuzzers, see tests/fuzz/fuzz.am) and runs
# each for a bounded time, starting from its seeds, the real mail of
# tests/mail and ../shared/corpus (message parser only), and every input
# that once found a bug (tests/fuzz/regress/<name>).  Prints TAP, one test
# per target, and writes the counts to _build-fuzz/fuzz-suite.log as
# "# PASS: n" / "# FAIL: n" lines, which contrib/check.sh adds to its total.
#
# usage: contrib/fuzz.sh [NAME ...]      (default: every target)
# FUZZ_TIME: seconds per target (default 60).  tests/fuzz/NAME.dict, when
# there, is the target's libFuzzer dictionary.
# A crash, leak, timeout or broken property fails the target: the script
# prints libFuzzer's report, the reproducer's path and its symbolized stack.
# Reproduce with: _build-fuzz/tests/fuzz/fuzz_NAME FILE; once fixed, keep
# FILE in tests/fuzz/regress/NAME/.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
dir=_build-fuzz
names=(msg commands quotes template config authres)
[ $# -gt 0 ] && names=("$@")
secs=${FUZZ_TIME:-60}
log=$dir/fuzz-suite.log
pass=0 fail=0 skip=0 n=0

summary() {
	{
		printf '# PASS: %d\n# FAIL: %d\n# SKIP: %d\n' "$pass" "$fail" "$skip"
	} >"$log"
	echo "fuzz: $pass passed, $fail failed, $skip skipped in ${SECONDS}s"
}

mkdir -p "$dir"
if ! command -v clang >/dev/null; then
	echo "1..0 # SKIP clang not installed (apt-get install clang libclang-rt-14-dev)"
	skip=1
	summary
	exit 0
fi
echo "1..${#names[@]}"
if ! contrib/build.sh "$dir" CC=clang --enable-fuzzers >"$dir/fuzz-build.log" 2>&1; then
	tail -40 "$dir/fuzz-build.log"
	for t in "${names[@]}"; do
		n=$((n + 1)) fail=$((fail + 1))
		echo "not ok $n - fuzz_$t: the fuzz build failed ($dir/fuzz-build.log)"
	done
	summary
	exit 1
fi

# Every target gets a fresh temporary corpus (the first directory, the
# only one libFuzzer writes to); seed directories are read-only inputs.
work=$(mktemp -d "${TMPDIR:-/tmp}/pdfuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$top/tests/lsan.supp:print_suppressions=0

for t in "${names[@]}"; do
	n=$((n + 1))
	bin=$dir/tests/fuzz/fuzz_$t
	if [ ! -x "$bin" ]; then
		fail=$((fail + 1))
		echo "not ok $n - fuzz_$t: no such target"
		continue
	fi
	corpus=$work/corpus-$t
	art=$dir/fuzz-artifacts/$t
	rm -rf "$art"
	mkdir -p "$corpus" "$art"
	inputs=()
	for d in "tests/fuzz/regress/$t" "tests/fuzz/seeds/$t"; do
		[ -d "$d" ] && inputs+=("$d")
	done
	if [ "$t" = msg ]; then
		inputs+=(tests/mail)
		[ -d ../shared/corpus ] && inputs+=(../shared/corpus)
	fi
	opts=()
	case $t in
	# Mail from the corpus runs up to 316 KB; mutating that much halves
	# the speed and finds nothing 64 KB does not.
	msg) opts=(-max_len=65536) ;;
	# libconfig 1.5 leaks on every syntax error (tests/lsan.supp), and
	# libFuzzer's per-input leak check then scans the heap each time (15
	# times slower).  Leaks are still caught, by LSan at exit.
	config) opts=(-detect_leaks=0) ;;
	esac
	[ -f "tests/fuzz/$t.dict" ] && opts+=(-dict="tests/fuzz/$t.dict")
	out=$work/$t.log
	# -timeout: one input may take 10 s (a DoS is a bug too);
	# -rss_limit_mb: so may 2 GB.
	# timeout(1) in case libFuzzer itself stops keeping time.
	timeout -k 10 $((secs * 2 + 60)) \
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/" "${opts[@]}" \
		"$corpus" "${inputs[@]}" >"$out" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out")
	cov=$(grep -E '^#[0-9]+.*(DONE|INITED)' "$out" | tail -1 |
		sed -n 's/.*\(cov: [0-9]*\).*/\1/p')
	found=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$out" | tail -1)
	if [ "$rc" = 0 ] && [ -z "$found" ]; then
		pass=$((pass + 1))
		echo "ok $n - fuzz_$t: ${secs}s, ${runs:-?} runs, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l)"
		continue
	fi
	fail=$((fail + 1))
	echo "not ok $n - fuzz_$t: exit $rc${found:+, reproducer $found}"
	# Without a reproducer (a leak seen only at exit), the corpus is it.
	[ -z "$found" ] && cp -r "$corpus" "$art/corpus" &&
		echo "# corpus kept in $art/corpus"
	echo "# ---- libFuzzer's report (last 60 lines of its log)"
	grep -v -E '^(#[0-9]+|INFO:|")' "$out" | tail -60 | sed 's/^/# /'
	if [ -n "$found" ] && [ -f "$found" ]; then
		echo "# ---- the reproducer once more, with full stacks:"
		echo "#      $bin $found"
		ASAN_OPTIONS=$ASAN_OPTIONS:fast_unwind_on_malloc=0:symbolize=1 \
			timeout 120 "$bin" "$found" 2>&1 |
			grep -v -E '^(INFO:|Running:|Executed)' | tail -80 | sed 's/^/# /'
		echo "# Keep it as a regression case once fixed:"
		echo "#      cp $found tests/fuzz/regress/$t/"
	fi
done
summary
[ "$fail" = 0 ]
