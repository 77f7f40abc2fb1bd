#!/bin/bash
# bench/import-csv.sh BUILD [--customers N] [--data DIR]
#
# Issue 7's import target: a CRM export of N customers (default 1,000,000) and
# about 5 transactions each, imported with `custody import csv` (customers,
# then transactions), side by side with the sqlite3 shell's `.import` of the
# same CSV files into plain tables (the floor: no encryption, no indexes).
# Target: custody within 3 times the sqlite3 time, peak RSS under 512 MiB.
# BUILD is a directory holding `custody` and `custody-sample` (build it with
# --buildtype=release).  The data is written by `custody-sample --crm-only`
# into DIR (default $BENCH_DIR/crm-N) once and reused.  Prints each step's
# wall time and peak RSS, the ratio custody/sqlite3, PASS or MISS.
# environment: BENCH_DIR (work directory; default /var/tmp/cy-bench).
# exit: 0 done, 1 a step failed, 2 usage
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
BUILD=""
N=1000000
DATA=""
while [ $# -gt 0 ]; do
	case "$1" in
	--customers) N=${2:?}; shift ;;
	--data) DATA=${2:?}; shift ;;
	--help|-h) usage; exit 0 ;;
	-*) echo "bench/import-csv.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	*) if [ -z "$BUILD" ]; then BUILD=$1; else usage >&2; exit 2; fi ;;
	esac
	shift
done
[ -n "$BUILD" ] || { usage >&2; exit 2; }
C=$(readlink -f "$BUILD/custody")
S=$(readlink -f "$BUILD/custody-sample")
command -v sqlite3 >/dev/null || { echo "bench/import-csv.sh: sqlite3 is not installed" >&2; exit 1; }
W=${BENCH_DIR:-/var/tmp/cy-bench}
mkdir -p "$W"
DATA=${DATA:-$W/crm-$N}
if [ ! -f "$DATA/crm/customers.csv" ]; then
	echo "writing $N customers with custody-sample into $DATA ..."
	"$S" --out "$DATA" --customers "$N" --crm-only --force >/dev/null
fi
CUST="$DATA/crm/customers.csv"
TXN="$DATA/crm/transactions.csv"
ls -la "$CUST" "$TXN"

# wall seconds and peak RSS (KiB) of a command: "SECONDS KIB"
measure() {
	local out="$W/time.$$"
	/usr/bin/time -f "%e %M" -o "$out" "$@" >"$W/last.out" 2>"$W/last.err" || {
		echo "failed: $*" >&2; tail -5 "$W/last.err" >&2; tail -3 "$W/last.out" >&2; return 1; }
	cat "$out"
}

# sqlite3: the same files into plain tables
rm -f "$W/floor.db"
read -r st1 sr1 < <(measure sqlite3 "$W/floor.db" ".mode csv" ".import $CUST customers")
read -r st2 sr2 < <(measure sqlite3 "$W/floor.db" ".mode csv" ".import $TXN transactions")
rm -f "$W/floor.db"

# custody: a fresh vault
V="$W/vault-$N"
rm -rf "$V" "$V.recovery"
printf 'bench-password-correct-horse\n' >"$W/pw"
export CUSTODY_VAULT="$V" CUSTODY_PASSWORD_FILE="$W/pw" CUSTODY_NO_PROGRESS=1
"$C" init --vault "$V" --user sec --recovery-file "$V.recovery" >/dev/null
CUSTODY_USER=sec "$C" user add li --role archivist --new-password-file "$W/pw" >/dev/null
CUSTODY_USER=li "$C" fonds add B001 --name '基准测试有限公司' --uscc 91350100M000100Y43 >/dev/null
export CUSTODY_USER=li
# exit 1 only says rows were refused (kept as rejects): the sample has a few on purpose
ok1='"$0" "$@"; r=$?; [ "$r" -le 1 ]'
read -r ct1 cr1 < <(measure sh -c "$ok1" "$C" import csv "$CUST" --fonds B001 --kind customers --quiet)
tail -1 "$W/last.out"
read -r ct2 cr2 < <(measure sh -c "$ok1" "$C" import csv "$TXN" --fonds B001 --kind transactions --quiet)
tail -1 "$W/last.out"
du -sh "$V"

python3 - "$st1" "$st2" "$ct1" "$ct2" "$sr1" "$sr2" "$cr1" "$cr2" <<'PY'
import sys
st1, st2, ct1, ct2 = map(float, sys.argv[1:5])
sr1, sr2, cr1, cr2 = map(int, sys.argv[5:9])
s, c = st1 + st2, ct1 + ct2
print("%-28s %10s %10s" % ("", "sqlite3", "custody"))
print("%-28s %9.1fs %9.1fs" % ("customers", st1, ct1))
print("%-28s %9.1fs %9.1fs" % ("transactions", st2, ct2))
print("%-28s %9.1fs %9.1fs" % ("total", s, c))
print("%-28s %8d MiB %6d MiB" % ("peak RSS", max(sr1, sr2) // 1024, max(cr1, cr2) // 1024))
r = c / s if s else float("inf")
ok = r <= 3 and max(cr1, cr2) < 512 * 1024
print("ratio custody/sqlite3: %.2f (target <= 3, RSS < 512 MiB): %s" % (r, "PASS" if ok else "MISS"))
PY
