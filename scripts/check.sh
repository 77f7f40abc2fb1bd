#!/bin/bash
# make check: the whole test suite.
#  1. cmocka unit tests, built with AddressSanitizer and UBSan (meson test, TAP)
#  2. bats scenarios against the real binaries of that build (tests/cli/*.bats,
#     run by meson test as the suite 'cli')
#  3. the import pipeline (walker, preparer and catalog threads) under ThreadSanitizer, in
#     its own build ($TSAN_BUILD): tests/tsan/import.sh; a data race fails it
#  4. each libFuzzer target over its seed corpus for a short time (clang)
# Ends with one line "N passed, N failed, N skipped" (CI parses it); a skipped test is
# counted as skipped, never as passed.  Exits non-zero if anything failed or nothing passed.
set -u
cd "$(dirname "$0")/.."
CHECK_BUILD=${CHECK_BUILD:-build-check}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
TSAN_BUILD=${TSAN_BUILD:-build-tsan}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
LOG=${CHECK_LOG:-$CHECK_BUILD-logs}
passed=0
failed=0
skipped=0
mkdir -p "$LOG"

# The last line of the run.  Also written to $CHECK_SUMMARY if set (./check prints it again
# after make's own error line, so that the summary stays the last line of the output).
total() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ -z "${CHECK_SUMMARY:-}" ] || echo "$passed passed, $failed failed, $skipped skipped" >"$CHECK_SUMMARY"
}

# count_tap FILE: adds its TAP results to the totals.  A result with the SKIP directive
# ("ok 3 name # skip why" from bats, "not ok 3 # SKIP name" from cmocka) is a skip.
count_tap() {
	local p f s
	s=$(grep -ciE '^(not )?ok [0-9]+.*# skip' "$1")
	p=$(grep -E '^ok ' "$1" | grep -civE '# skip')
	f=$(grep -E '^not ok ' "$1" | grep -civE '# skip')
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	echo "   $p passed, $f failed, $s skipped"
	if [ "$s" -gt 0 ]; then
		grep -iE '^(not )?ok [0-9]+.*# skip' "$1" | sed 's/^/   skipped: /'
	fi
}

# program_end NAME RESULT TAPFILE: a test program that did not end well (RESULT is not OK or
# SKIP) but printed no "not ok", or printed fewer results than its plan (it crashed, timed
# out, or stopped early), counts as one more failure.
program_end() {
	local plan results fails
	plan=$(grep -m1 -oE '^1\.\.[0-9]+' "$3" | cut -d. -f3)
	results=$(grep -cE '^(not )?ok [0-9]+' "$3")
	fails=$(grep -E '^not ok ' "$3" | grep -civE '# skip')
	if { [ "$2" != OK ] && [ "$2" != SKIP ] && [ "$fails" -eq 0 ]; } ||
		[ -z "$plan" ] || [ "$results" -lt "$plan" ]; then
		echo "not ok - $1 ended abnormally ($2; ${results} of ${plan:-?} results)"
		tail -n 20 "$3" | sed 's/^/   /'
		failed=$((failed + 1))
	fi
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== build ($CHECK_BUILD: debug, ASan + UBSan)"
if [ ! -f "$CHECK_BUILD/build.ninja" ]; then
	meson setup "$CHECK_BUILD" --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false >"$LOG/setup.log" 2>&1 ||
		{ cat "$LOG/setup.log"; failed=1; total; exit 1; }
fi
if ! ninja -C "$CHECK_BUILD" >"$LOG/build.log" 2>&1; then
	tail -n 60 "$LOG/build.log"
	failed=1
	total
	exit 1
fi

for suite in unit cli; do
	case $suite in
	unit) echo "== unit tests (cmocka)" ;;
	cli) echo "== CLI scenarios (bats, against the binaries of $CHECK_BUILD)" ;;
	esac
	meson test -C "$CHECK_BUILD" --suite "$suite" --print-errorlogs >"$LOG/$suite.log" 2>&1
	# each test program's TAP output, from meson's JSON log
	rm -rf "${LOG:?}/$suite-tap"
	mkdir -p "$LOG/$suite-tap"
	python3 - "$CHECK_BUILD/meson-logs/testlog.json" "$LOG/$suite-tap" >"$LOG/$suite-tap/index" <<'PY'
import json, re, sys
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    t = json.loads(line)
    name = t["name"].split(" / ")[-1]
    path = "%s/%s.tap" % (sys.argv[2], re.sub(r"[^A-Za-z0-9_.-]", "_", name))
    open(path, "w").write(t.get("stdout") or "")
    print("%s\t%s\t%s" % (t["result"], name, path))
PY
	: >"$LOG/$suite.tap"
	while IFS="$(printf '\t')" read -r result name tap; do
		cat "$tap" >>"$LOG/$suite.tap"
		program_end "$name" "$result" "$tap"
	done <"$LOG/$suite-tap/index"
	if [ ! -s "$LOG/$suite-tap/index" ]; then
		tail -n 20 "$LOG/$suite.log"
		echo "not ok - no $suite test ran (see $LOG/$suite.log)"
		failed=$((failed + 1))
	fi
	count_tap "$LOG/$suite.tap"
	if grep -q '^not ok ' "$LOG/$suite.tap"; then
		grep -h -A12 '^not ok' "$LOG/$suite-tap/"*.tap | grep -v '^not ok [0-9]* # SKIP' | head -n 80
	fi
done

echo "== import pipeline under ThreadSanitizer ($TSAN_BUILD)"
if [ ! -f "$TSAN_BUILD/build.ninja" ]; then
	tsan_cc=cc
	command -v clang >/dev/null && tsan_cc=clang
	CC=$tsan_cc meson setup "$TSAN_BUILD" --buildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false \
		-Dtests=false >"$LOG/tsan-setup.log" 2>&1
fi
if ninja -C "$TSAN_BUILD" custody >"$LOG/tsan-build.log" 2>&1; then
	tsan_result=OK
	tests/tsan/import.sh "$TSAN_BUILD" >"$LOG/tsan.tap" 2>&1 || tsan_result="FAIL (exit $?)"
	program_end tsan "$tsan_result" "$LOG/tsan.tap"
	count_tap "$LOG/tsan.tap"
	grep -A40 '^not ok' "$LOG/tsan.tap" | head -n 80
else
	cat "$LOG/tsan-setup.log" 2>/dev/null | tail -n 20
	tail -n 40 "$LOG/tsan-build.log"
	echo "not ok - TSan build"
	failed=$((failed + 1))
fi

echo "== fuzz targets (libFuzzer, ${FUZZ_SECONDS}s each)"
if [ -d tests/fuzz ] && command -v clang >/dev/null; then
	if [ ! -f "$FUZZ_BUILD/build.ninja" ]; then
		CC=clang meson setup "$FUZZ_BUILD" --buildtype=debugoptimized -Dfuzz=true -Dtests=false \
			-Db_sanitize=address,undefined -Db_lundef=false >"$LOG/fuzz-setup.log" 2>&1
	fi
	if ninja -C "$FUZZ_BUILD" >"$LOG/fuzz-build.log" 2>&1; then
		for t in "$FUZZ_BUILD"/tests/fuzz/fuzz_*; do
			[ -x "$t" ] && [ -f "$t" ] || continue
			name=$(basename "$t")
			corpus=tests/fuzz/corpus/${name#fuzz_}
			work=$(mktemp -d)
			[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
			if "$t" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=1024 -timeout=10 \
				-artifact_prefix="$LOG/$name-" "$work" >"$LOG/$name.log" 2>&1; then
				echo "ok - $name" && passed=$((passed + 1))
			else
				echo "not ok - $name (see $LOG/$name.log)"; tail -n 30 "$LOG/$name.log"
				failed=$((failed + 1))
			fi
			rm -rf "$work"
		done
	else
		tail -n 40 "$LOG/fuzz-build.log"
		echo "not ok - fuzz build"
		failed=$((failed + 1))
	fi
else
	echo "   skipped: no clang (scripts/deps.sh check installs it)"
	skipped=$((skipped + 1))
fi

echo
total
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
