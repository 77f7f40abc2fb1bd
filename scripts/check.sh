#!/bin/bash
# make check: the whole test suite.
#  1. cmocka unit tests, built with AddressSanitizer and UBSan (meson test, TAP)
#  2. bats scenarios against the real binaries of that build (tests/cli/*.bats,
#     run by meson test as the suite 'cli')
#  3. each libFuzzer target over its seed corpus for a short time (clang)
# Ends with one line "N passed, N failed"; exits non-zero if anything failed.
set -u
cd "$(dirname "$0")/.."
CHECK_BUILD=${CHECK_BUILD:-build-check}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
LOG=${CHECK_LOG:-$CHECK_BUILD-logs}
passed=0
failed=0
mkdir -p "$LOG"

count_tap() { # file -> adds to passed/failed
	local p f
	p=$(grep -cE '^ok ' "$1" || true)
	f=$(grep -cE '^not ok ' "$1" || true)
	passed=$((passed + p))
	failed=$((failed + f))
	echo "   $p passed, $f failed"
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== build ($CHECK_BUILD: debug, ASan + UBSan)"
if [ ! -f "$CHECK_BUILD/build.ninja" ]; then
	meson setup "$CHECK_BUILD" --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false >"$LOG/setup.log" 2>&1 ||
		{ cat "$LOG/setup.log"; echo "0 passed, 1 failed"; exit 1; }
fi
if ! ninja -C "$CHECK_BUILD" >"$LOG/build.log" 2>&1; then
	tail -n 60 "$LOG/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi

for suite in unit cli; do
	case $suite in
	unit) echo "== unit tests (cmocka)" ;;
	cli) echo "== CLI scenarios (bats, against the binaries of $CHECK_BUILD)" ;;
	esac
	meson test -C "$CHECK_BUILD" --suite "$suite" --print-errorlogs >"$LOG/$suite.log" 2>&1
	suite_rc=$?
	# meson keeps each test's TAP output in its log
	cp "$CHECK_BUILD/meson-logs/testlog.txt" "$LOG/$suite-testlog.txt"
	grep -hE '^(ok|not ok) ' "$LOG/$suite-testlog.txt" >"$LOG/$suite.tap" || true
	count_tap "$LOG/$suite.tap"
	if [ $suite_rc -ne 0 ]; then
		grep -E ' (FAIL|ERROR|TIMEOUT) ' "$LOG/$suite.log" | head -n 20
		grep -A12 '^not ok' "$LOG/$suite-testlog.txt" | head -n 80
		# a crashed test binary may print no "not ok" line: count it
		[ "$(grep -c '^not ok ' "$LOG/$suite.tap")" -gt 0 ] || failed=$((failed + 1))
	fi
done

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
			if "$t" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=1024 -timeout=10 "$work" >"$LOG/$name.log" 2>&1; then
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
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
