#!/bin/bash
# bench/destroy.sh BUILD [--customers N] [--per-customer M] [--reuse] [--profile]
#
# Issue 8's destruction target: a batch of N*M records of N customers
# (defaults 10,000 and 10: 100,000 records) executed and verified with
# `custody destroy execute`, side by side in the same run with the floor:
# deleting the same pack files with `rm` and the same rows with one SQL DELETE
# per table in the sqlite3 shell, on a copy of the same vault made just before
# execution (no crypto, no ledger, no compaction, no register, no index).
# Target: custody within 3 times the floor.
#
# The vault: N customers (`import csv --kind customers`, year 1990: D10, due
# 2001-01-01), each with M-1 contracts signed in 1990 (`import csv --kind
# contracts`, linked to the customer by 客户编号; D30, due 2021-01-01), so M
# records per customer: its profile and its contracts.  The batch holds all of
# them, so every customer is left with nothing and is shredded too (subject
# key, blind-index rows).  The fonds is deregistered first (2021-06-30): customer
# data has no legal period and is due when the business ends (PIPL Art. 47(2)).  Proposed by li, signed by li (proposer) and li2
# (approver), reconciled (none of this is timed), then `destroy execute` is
# timed under /usr/bin/time -v (wall time, peak RSS).  Afterwards (untimed):
# the batch is "executed", no record of it is listed, and `custody check` passes.
# The data (CSV) is deterministic and kept in $BENCH_DIR/data-N-M for later runs.
#
# options:
#   --customers N      customers (default 10000)
#   --per-customer M   records per customer, profile included (default 10, >= 1)
#   --reuse            reuse the reconciled vault a previous run with the same
#                      sizes and the same custody binary left (skips the imports)
#   --profile          after the timed run, execute the same batch again on a
#                      fresh copy under `perf record --call-graph dwarf` (50 Hz) and
#                      print the top symbols, self and with children (the release
#                      build has no frame pointers; the data is ~1 MB per second run)
#   --help             this text
# environment: BENCH_DIR (work directory; default /work/benchdata/destroy if
# /work/benchdata exists, else $TMPDIR/cy-dbench; never on tmpfs).
# exit: 0 done, 1 a step failed, 2 usage
set -euo pipefail
# the whole script is one compound command, read before it runs: editing the file
# during a run (which takes minutes) cannot change what the run does
{

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
BUILD=""
N=10000
M=10
REUSE=0
PROFILE=0
while [ $# -gt 0 ]; do
	case "$1" in
	--customers) N=${2:?--customers needs a number}; shift ;;
	--per-customer) M=${2:?--per-customer needs a number}; shift ;;
	--reuse) REUSE=1 ;;
	--profile) PROFILE=1 ;;
	--help | -h) usage; exit 0 ;;
	-*) echo "bench/destroy.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	*) if [ -z "$BUILD" ]; then BUILD=$1; else usage >&2; exit 2; fi ;;
	esac
	shift
done
[ -n "$BUILD" ] || { usage >&2; exit 2; }
case "$N$M" in *[!0-9]*) echo "bench/destroy.sh: --customers and --per-customer want numbers" >&2; exit 2 ;; esac
if [ "$N" -lt 1 ] || [ "$M" -lt 1 ]; then echo "bench/destroy.sh: sizes must be at least 1" >&2; exit 2; fi
[ -x "$BUILD/custody" ] || { echo "bench/destroy.sh: no $BUILD/custody (ninja -C $BUILD custody)" >&2; exit 1; }
C=$(readlink -f "$BUILD/custody")
for t in sqlite3 python3 /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "bench/destroy.sh: $t is not installed (scripts/deps.sh bench)" >&2; exit 1; }
done

if [ -z "${BENCH_DIR:-}" ]; then
	if [ -d /work/benchdata ] && [ -w /work/benchdata ]; then BENCH_DIR=/work/benchdata/destroy
	else BENCH_DIR=${TMPDIR:-/var/tmp}/cy-dbench; fi
fi
W=$BENCH_DIR
mkdir -p "$W"
W=$(cd "$W" && pwd)
case "$W" in /tmp/*custody* | /var/tmp/*custody* | /dev/shm/*) echo "bench/destroy.sh: choose a BENCH_DIR without 'custody' in it, not in /dev/shm" >&2; exit 2 ;; esac
fstype=$(df -PT "$W" | awk 'NR == 2 { print $2 }')
if [ "$fstype" = tmpfs ] || [ "$fstype" = ramfs ]; then
	echo "bench/destroy.sh: $W is on $fstype: set BENCH_DIR to a directory on a real disk" >&2
	exit 1
fi

TOTAL=$((N * M))
DATA="$W/data-$N-$M"
PREP="$W/prepared-$N-$M" # the reconciled vault, before execution
RUN="$W/run-$N-$M"	 # the copy that custody executes
FLOOR="$W/floor-$N-$M"	 # the copy that rm and sqlite3 delete from
PW="$W/pw"
mkdir -p "$PW"
for u in sec li li2; do printf 'bench-%s-correct-horse\n' "$u" >"$PW/$u"; done
export CUSTODY_NO_PROGRESS=1 LANG=C.UTF-8 LC_ALL=C.UTF-8
unset CUSTODY_USER CUSTODY_PASSWORD_FILE CUSTODY_VAULT LANGUAGE
as() { # as USER VAULT ARGS...
	local u=$1 v=$2
	shift 2
	CUSTODY_USER=$u CUSTODY_PASSWORD_FILE="$PW/$u" CUSTODY_VAULT=$v "$C" "$@"
}
say() { printf '== %s\n' "$*"; }

# ---------------------------------------------------------------- data
MARKER="dbench data v1: $N customers, $((M - 1)) contracts each (python, no randomness)"
if [ -f "$DATA/.complete" ] && [ "$(cat "$DATA/.complete")" = "$MARKER" ]; then
	say "data: reusing $DATA"
else
	say "data: writing $N customers and $((N * (M - 1))) contracts into $DATA"
	rm -rf "$DATA"
	mkdir -p "$DATA"
	python3 - "$DATA" "$N" "$M" <<'PY'
import sys
out, n, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
SUR = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIV = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉鹏宇浩然欣怡子涵梓萱雨轩佳琪思远博文晨曦"
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHK = "10X98765432"
AREAS = ["110105", "310104", "440106", "330106", "320102", "510107", "420106", "350102"]
def id_number(i):
    # a valid resident ID (GB 11643 check digit), birth 1950-01-01 + i*7 days mod ~35 years
    import datetime
    d = datetime.date(1950, 1, 1) + datetime.timedelta(days=(i * 7) % 12775)
    body = "%s%s%03d" % (AREAS[i % len(AREAS)], d.strftime("%Y%m%d"), (i % 999) + 1)
    return body + CHK[sum(int(c) * w for c, w in zip(body, W)) % 11]
def name(i):
    return SUR[i % len(SUR)] + GIV[(i // len(SUR)) % len(GIV)] + GIV[(i * 7 + 3) % len(GIV)]
with open(out + "/customers.csv", "w", encoding="utf-8", newline="") as f:
    f.write("客户编号,客户名称,身份证号,手机号码\r\n")
    for i in range(1, n + 1):
        f.write("C%07d,%s,%s,1%02d%08d\r\n" % (i, name(i), id_number(i), 30 + i % 60, i))
with open(out + "/contracts.csv", "w", encoding="utf-8", newline="") as f:
    f.write("合同编号,客户编号,合同名称,签订日期,合同金额\r\n")
    for i in range(1, n + 1):
        for k in range(1, m):
            day = 1 + (i * 13 + k * 29) % 360
            mo, dd = 1 + (day - 1) // 30, 1 + (day - 1) % 28
            f.write("HT1990-%07d-%02d,C%07d,服务合同 第%d号,1990-%02d-%02d,%d.%02d\r\n"
                    % (i, k, i, k, mo, dd, 1000 + (i * 37 + k * 101) % 99000, (i + k) % 100))
PY
	echo "$MARKER" >"$DATA/.complete"
fi
wc -l "$DATA/customers.csv" "$DATA/contracts.csv" | sed 's/^/   /'

# ---------------------------------------------------------------- the reconciled vault
STAMP="$(sha256sum "$C" | cut -c1-16) $MARKER"
if [ "$REUSE" = 1 ] && [ -f "$PREP.ready" ] && [ "$(cat "$PREP.ready")" = "$STAMP" ]; then
	say "vault: reusing the reconciled vault $PREP"
	B=$(cat "$PREP.batch")
else
	rm -rf "$PREP" "$PREP.recovery" "$PREP.ready" "$PREP.batch"
	say "vault: init, users li and li2 (archivists), fonds B001"
	as sec "$PREP" init --user sec --recovery-file "$PREP.recovery" >/dev/null
	as sec "$PREP" user add li --role archivist --new-password-file "$PW/li" >/dev/null
	as sec "$PREP" user add li2 --role archivist --new-password-file "$PW/li2" >/dev/null
	as li "$PREP" fonds add B001 --name '销毁基准有限公司' --uscc 91350100M000100Y43 >/dev/null
	# exit 1 only says rows were refused: there must be none here
	t0=$(date +%s)
	as li "$PREP" import csv "$DATA/customers.csv" --fonds B001 --kind customers --year 1990 --quiet
	echo "   customers imported in $(($(date +%s) - t0)) s"
	if [ "$M" -gt 1 ]; then
		t0=$(date +%s)
		as li "$PREP" import csv "$DATA/contracts.csv" --fonds B001 --kind contracts --year 1990 --quiet
		echo "   contracts imported in $(($(date +%s) - t0)) s"
	fi
	as li "$PREP" ls --fonds B001 --json | python3 -c '
import json, sys
n = 0
with open(sys.argv[1], "w") as f:
    for line in sys.stdin:
        f.write(json.loads(line)["archive_no"] + "\n"); n += 1
print("   %d records listed" % n)' "$W/batch-$N-$M.txt"
	got=$(wc -l <"$W/batch-$N-$M.txt")
	[ "$got" -eq "$TOTAL" ] || { echo "bench/destroy.sh: the vault holds $got records, not $TOTAL" >&2; exit 1; }
	# the company stopped business in 2021: its customer data is due (PIPL Art. 47(2))
	as li "$PREP" fonds status B001 deregistered --date 2021-06-30 >/dev/null
	t0=$(date +%s)
	B=$(as li "$PREP" destroy propose --from "$W/batch-$N-$M.txt" | head -n 1)
	echo "   batch $B proposed in $(($(date +%s) - t0)) s"
	as li "$PREP" destroy sign "$B" --as proposer >/dev/null
	as li2 "$PREP" destroy sign "$B" --as approver >/dev/null
	t0=$(date +%s)
	as li "$PREP" destroy reconcile "$B" >/dev/null
	echo "   reconciled in $(($(date +%s) - t0)) s"
	echo "$B" >"$PREP.batch"
	echo "$STAMP" >"$PREP.ready"
fi
as li "$PREP" destroy show "$B" --json | python3 -c '
import json, sys
o = json.load(sys.stdin)
assert o["status"] == "proposed" and not o["needed"] and o["reconciled"], o
assert o["count"] == int(sys.argv[1]), (o["count"], sys.argv[1])
print("   batch %d: %d records, kind %s, signed by %s, reconciled %s" % (o["id"], o["count"], o["kind"],
      ", ".join("%s (%s)" % (s["user"], s["role"]) for s in o["signatures"]), o["reconciled"]))' "$TOTAL"
DB="$PREP/catalog.db"
sqlite3 "$DB" "SELECT '   ' || (SELECT count(*) FROM subjects) || ' subjects, ' ||
	(SELECT count(*) FROM subject_index) || ' blind-index rows, ' ||
	(SELECT count(*) FROM objects) || ' objects in ' || (SELECT count(*) FROM packs) || ' packs, ' ||
	(SELECT count(*) FROM ledger) || ' ledger entries'"
echo "   vault size: $(du -sh "$PREP" | cut -f1) (catalog $(du -sh "$DB" | cut -f1))"

# ---------------------------------------------------------------- copies
copy() { rm -rf "$2" "$2.recovery"; cp -a "$1" "$2"; }
copy "$PREP" "$RUN"
copy "$PREP" "$FLOOR"

# The floor's work, prepared untimed: the pack files that hold only objects of the
# batch (`rm`), and one DELETE per table of the rows of the batch's records, their
# objects, and the subjects they name (sqlite3).  The id sets are taken from the
# batch's item list inside the timed sqlite3 session, before the deletes.
FDB="$FLOOR/catalog.db"
sqlite3 "$FDB" "
	WITH r AS (SELECT record_id AS id FROM destruction_items WHERE batch_id = $B),
	o AS (SELECT object_id AS id FROM records WHERE id IN r
	      UNION SELECT object_id FROM record_objects WHERE record_id IN r)
	SELECT name FROM packs p WHERE NOT EXISTS (SELECT 1 FROM objects x WHERE x.pack_id = p.id
		AND x.id NOT IN o) AND EXISTS (SELECT 1 FROM objects x WHERE x.pack_id = p.id)" |
	awk -v d="$FLOOR/objects" '{ printf "%s/%s/%s.pack\n", d, substr($1, 1, 2), substr($1, 3) }' >"$W/floor-files"
mixed=$(sqlite3 "$FDB" "
	WITH r AS (SELECT record_id AS id FROM destruction_items WHERE batch_id = $B),
	o AS (SELECT object_id AS id FROM records WHERE id IN r
	      UNION SELECT object_id FROM record_objects WHERE record_id IN r)
	SELECT count(DISTINCT pack_id) FROM objects WHERE id IN o AND pack_id IN
		(SELECT pack_id FROM objects WHERE id NOT IN o)")
nfiles=$(wc -l <"$W/floor-files")
while read -r f; do [ -f "$f" ] || { echo "bench/destroy.sh: no pack file $f" >&2; exit 1; }; done <"$W/floor-files"
fbytes=$(xargs -a "$W/floor-files" -d '\n' stat -c %s | awk '{ s += $1 } END { printf "%d", s }')
cat >"$W/floor.sql" <<SQL
BEGIN;
CREATE TEMP TABLE r AS SELECT record_id AS id FROM destruction_items WHERE batch_id = $B;
CREATE TEMP TABLE o AS SELECT object_id AS id FROM records WHERE id IN r
	UNION SELECT object_id FROM record_objects WHERE record_id IN r;
CREATE TEMP TABLE s AS SELECT subject_id AS id FROM record_subjects WHERE record_id IN r
	UNION SELECT owner_subject_id FROM objects WHERE id IN o AND owner_subject_id IS NOT NULL;
DELETE FROM record_objects WHERE record_id IN r;
DELETE FROM record_subjects WHERE record_id IN r;
DELETE FROM records WHERE id IN r;
DELETE FROM objects WHERE id IN o;
DELETE FROM subject_index WHERE subject_id IN s;
DELETE FROM subjects WHERE id IN s;
DELETE FROM packs WHERE id NOT IN (SELECT pack_id FROM objects);
COMMIT;
SQL
echo "   floor: $nfiles pack files ($((fbytes / 1048576)) MiB) to rm; $mixed packs mixing the batch's objects with others (the floor leaves those)"

# ---------------------------------------------------------------- timed runs
# timed LOG CMD...: wall seconds (ns clock) in T_SECS, peak RSS (KiB) in T_RSS
timed() {
	local log=$1 t0 t1 rc=0
	shift
	sync
	t0=$(date +%s%N)
	/usr/bin/time -v -o "$log.time" "$@" >"$log" 2>&1 || rc=$?
	t1=$(date +%s%N)
	T_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	T_RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$log.time")
	T_CPU=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$log.time")
	if [ "$rc" != 0 ]; then
		echo "bench/destroy.sh: failed ($rc): $*" >&2
		tail -n 5 "$log" >&2
		exit 1
	fi
}

say "timed: floor (rm of $nfiles pack files + one DELETE per table in sqlite3), then custody destroy execute $B"
echo "   load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
# shellcheck disable=SC2016  # $1..$3 are the inner shell's
timed "$W/floor.log" sh -c 'xargs -a "$1" -d "\n" rm -f -- && sqlite3 "$2" <"$3"' sh "$W/floor-files" "$FDB" "$W/floor.sql"
F_SECS=$T_SECS F_RSS=$T_RSS F_CPU=$T_CPU
timed "$W/execute.log" env CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" CUSTODY_VAULT="$RUN" "$C" destroy execute "$B"
X_SECS=$T_SECS X_RSS=$T_RSS X_CPU=$T_CPU
sed 's/^/   custody: /' "$W/execute.log"

# ---------------------------------------------------------------- verified (untimed)
say "verify"
left=$(sqlite3 "$FDB" "SELECT (SELECT count(*) FROM records) || ' records, ' || (SELECT count(*) FROM subjects) || ' subjects, ' ||
	(SELECT count(*) FROM objects) || ' objects left'")
echo "   floor:   $left; $(find "$FLOOR/objects" -name '*.pack' | wc -l) pack files left"
as li "$RUN" destroy show "$B" --json | python3 -c '
import json, sys
o = json.load(sys.stdin)
assert o["status"] == "executed", o["status"]
assert len(o["register"]["records"]) == int(sys.argv[1]), len(o["register"]["records"])
print("   custody: batch %d executed %s; the register lists %d records" % (o["id"], o["executed"], len(o["register"]["records"])))' "$TOTAL"
nls=$(as li "$RUN" ls --fonds B001 --json | wc -l)
echo "   custody: ls lists $nls record(s) (the register)"
[ "$nls" -le 1 ] || { echo "bench/destroy.sh: records of the batch are still listed" >&2; exit 1; }
sqlite3 "$RUN/catalog.db" "SELECT '   custody: ' || (SELECT count(*) FROM records) || ' records, ' || (SELECT count(*) FROM subjects) || ' subjects, ' ||
	(SELECT count(*) FROM subject_index) || ' blind-index rows, ' || (SELECT count(*) FROM objects) || ' objects left'"
echo "   custody: vault size after: $(du -sh "$RUN" | cut -f1); $(find "$RUN/objects" -name '*.pack' | wc -l) pack files"
t0=$(date +%s)
if as li "$RUN" check --json >"$W/check.json" 2>"$W/check.err"; then
	echo "   custody: check passes ($(($(date +%s) - t0)) s)"
else
	echo "bench/destroy.sh: custody check fails after the execution:" >&2
	head -c 2000 "$W/check.json" >&2
	tail -n 3 "$W/check.err" >&2
	exit 1
fi

# ---------------------------------------------------------------- result
say "result: $TOTAL records of $N customers (wall seconds; CPU = user + sys)"
python3 - "$F_SECS" "$X_SECS" "$F_RSS" "$X_RSS" "$F_CPU" "$X_CPU" <<'PY'
import sys
fs, xs = float(sys.argv[1]), float(sys.argv[2])
fr, xr = int(sys.argv[3]), int(sys.argv[4])
fc, xc = float(sys.argv[5]), float(sys.argv[6])
print("   %-30s %10s %10s %10s" % ("", "wall", "CPU", "peak RSS"))
print("   %-30s %9.2fs %9.2fs %6d MiB" % ("floor (rm + sqlite3 DELETE)", fs, fc, fr // 1024))
print("   %-30s %9.2fs %9.2fs %6d MiB" % ("custody destroy execute", xs, xc, xr // 1024))
r = xs / fs if fs else float("inf")
print("   ratio custody/floor: %.2f (target <= 3): %s" % (r, "PASS" if r <= 3 else "MISS"))
PY
echo "   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- profile
if [ "$PROFILE" = 1 ]; then
	if ! command -v perf >/dev/null; then
		echo "   (perf is not installed: no profile)"
	else
		say "profile: destroy execute again on a fresh copy under perf record (untimed)"
		copy "$PREP" "$RUN"
		env CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" CUSTODY_VAULT="$RUN" \
			perf record -q --call-graph dwarf,8192 -F 50 -o "$W/perf.data" "$C" destroy execute "$B" >/dev/null 2>"$W/perf.err" || {
			echo "   perf record failed:"; tail -n 3 "$W/perf.err"; }
		if [ -s "$W/perf.data" ]; then
			echo "-- self (top 25)"
			perf report -i "$W/perf.data" --no-children --stdio --sort sym -g none </dev/null 2>/dev/null |
				grep -E '^ +[0-9]' | grep -v '\] 0x' | head -n 25
			echo "-- with children (top 40)"
			perf report -i "$W/perf.data" --children --stdio --sort sym -g none </dev/null 2>/dev/null |
				grep -E '^ +[0-9]' | grep -v '\] 0x' | head -n 40
			echo "   (perf data: $W/perf.data)"
		fi
	fi
fi
rm -rf "$RUN" "$FLOOR"
exit 0
}
