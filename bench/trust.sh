#!/bin/bash
# bench/trust.sh OLD_BUILD NEW_BUILD [--files N] [--runs N]
#
# Issue 6's speed target: opening a vault, import and check may not slow down
# by more than 10% with the trust work (signed heads, record signatures,
# settings in key slots).  Both builds (directories holding a `custody`
# binary; build them with --buildtype=release) run the same steps on the same
# generated tree of N small files (default 20,000 of 1..16 KiB in 100
# directories), alternately, RUNS times (default 3), and the medians are
# compared:
#   open     `custody fonds list` as an archivist (scrypt at the default cost
#            dominates: the key slot is opened once per command)
#   import   `custody import files DIR --fonds B001 --class other --year 2024 --quiet`
#            into a fresh vault
#   check    `custody check` of that vault (every object read and verified)
# It prints each run's times, the medians, the spread of each build's runs
# ((max - min) / median: how noisy the machine was), the ratio NEW/OLD of the
# medians and PASS (<= 1.10) or MISS; for information, the ratio of the
# fastest runs and of the median cpu times (user + system: less moved by
# other load on a shared machine than wall time).
# environment: BENCH_DIR (work directory; default /var/tmp/custody-bench).
# exit: 0 done, 1 a step failed, 2 usage
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
OLD=""
NEW=""
FILES=20000
RUNS=3
while [ $# -gt 0 ]; do
	case "$1" in
	--files) FILES=${2:?}; shift ;;
	--runs) RUNS=${2:?}; shift ;;
	--help|-h) usage; exit 0 ;;
	-*) echo "bench/trust.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	*) if [ -z "$OLD" ]; then OLD=$1; elif [ -z "$NEW" ]; then NEW=$1; else usage >&2; exit 2; fi ;;
	esac
	shift
done
[ -n "$OLD" ] && [ -n "$NEW" ] || { usage >&2; exit 2; }
for b in "$OLD" "$NEW"; do
	[ -x "$b/custody" ] || { echo "bench/trust.sh: no custody binary in $b" >&2; exit 2; }
done

WORK=${BENCH_DIR:-/var/tmp/custody-bench}
DATA="$WORK/trust-data-$FILES"
RUN="$WORK/trust-run.$$"
mkdir -p "$WORK"
trap 'rm -rf "$RUN"' EXIT
mkdir -p "$RUN"
chmod 700 "$RUN"

if [ ! -f "$DATA/.done" ]; then
	echo "generating $FILES files in $DATA ..."
	rm -rf "$DATA"
	python3 - "$DATA" "$FILES" <<'EOF'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(6)
for i in range(n):
    d = os.path.join(root, "d%03d" % (i % 100))
    os.makedirs(d, exist_ok=True)
    size = rnd.randint(1024, 16384)
    with open(os.path.join(d, "f%06d.txt" % i), "wb") as f:
        f.write(("record %d " % i).encode() + rnd.randbytes(size))
EOF
	touch "$DATA/.done"
fi

printf 'sec-password-1\n' >"$RUN/pw-sec"
printf 'arch-password-1\n' >"$RUN/pw-arch"
chmod 600 "$RUN"/pw-*

# run a step; prints "wall cpu" seconds (cpu: user + system of the process
# and its threads, which other load on the machine moves much less than wall)
timed() {
	local TIMEFORMAT='%R %U %S' r u s
	{ time "$@" >/dev/null; } 2>"$RUN/time"
	read -r r u s <"$RUN/time"
	echo "$r $(echo "$u + $s" | bc)"
}

# one run of the three steps with one build; prints "open import check"
# wall seconds, then the same in cpu seconds
one_run() {
	local C="$1/custody" v="$RUN/vault" o i c
	rm -rf "$v"
	"$C" init --vault "$v" --user sec --password-file "$RUN/pw-sec" --recovery-file "$RUN/rec" >/dev/null
	rm -f "$RUN/rec"
	"$C" user add arch --role archivist --vault "$v" --user sec --password-file "$RUN/pw-sec" \
		--new-password-file "$RUN/pw-arch" >/dev/null
	"$C" fonds add B001 --name "Bench Co." --vault "$v" --user arch --password-file "$RUN/pw-arch" >/dev/null
	sync
	o=$(timed "$C" fonds list --vault "$v" --user arch --password-file "$RUN/pw-arch")
	i=$(timed "$C" import files "$DATA" --fonds B001 --class other --year 2024 --quiet \
		--vault "$v" --user arch --password-file "$RUN/pw-arch")
	c=$(timed "$C" check --vault "$v" --user arch --password-file "$RUN/pw-arch")
	echo "${o% *} ${i% *} ${c% *} ${o#* } ${i#* } ${c#* }"
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: >"$RUN/old"
: >"$RUN/new"
for i in $(seq 1 "$RUNS"); do
	echo "run $i/$RUNS ..."
	one_run "$OLD" >>"$RUN/old"
	one_run "$NEW" >>"$RUN/new"
	echo "  old: $(tail -n 1 "$RUN/old")"
	echo "  new: $(tail -n 1 "$RUN/new")  (open import check: wall s, then cpu s)"
done

fastest() { sort -g | head -n 1; }
spread() { sort -g | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%.0f%%", (m > 0) ? 100 * (a[NR] - a[1]) / m : 0}'; }

printf '\n%-8s %10s %10s %8s        %-14s %-8s %s\n' step old_s new_s ratio 'spread old/new' fastest 'cpu ratio'
col=1
status=0
for step in open import check; do
	o=$(cut -d' ' -f$col "$RUN/old" | median)
	n=$(cut -d' ' -f$col "$RUN/new" | median)
	r=$(echo "scale=3; $n / $o" | bc)
	verdict=PASS
	if [ "$(echo "$r > 1.10" | bc)" = 1 ]; then verdict=MISS; fi
	so=$(cut -d' ' -f$col "$RUN/old" | spread)
	sn=$(cut -d' ' -f$col "$RUN/new" | spread)
	fo=$(cut -d' ' -f$col "$RUN/old" | fastest)
	fn=$(cut -d' ' -f$col "$RUN/new" | fastest)
	co=$(cut -d' ' -f$((col + 3)) "$RUN/old" | median)
	cn=$(cut -d' ' -f$((col + 3)) "$RUN/new" | median)
	printf '%-8s %10.3f %10.3f %8s  %s  %-14s %-8s %s\n' "$step" "$o" "$n" "$r" "$verdict" "$so/$sn" \
		"$(echo "scale=3; $fn / $fo" | bc)" "$(echo "scale=3; $cn / $co" | bc)"
	col=$((col + 1))
done
printf '(%s files, median of %s runs; target: each ratio <= 1.10)\n' "$FILES" "$RUNS"
exit $status
