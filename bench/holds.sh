#!/bin/sh
# (not a comparison with another tool: the cost of holds and store-only on top of custody itself)
# How much a hold or store-only costs: N records, H holds; time of
#  - holds-tool block (the question destruction asks: derives the active holds from the ledger)
#  - ls --json (the status of every record)
#  - record restrict of all N records (one transaction; one signature per batch)
set -eu
B=${B:-build}
N=${N:-500}
H=${H:-200}
D=${BENCH_DIR:-bench-holds.$$}
mkdir -p $D/pw $D/in
for u in sec li li2; do printf 'pw-%s-correct-horse\n' $u > $D/pw/$u; done
export CUSTODY_VAULT=$D/v CUSTODY_NO_PROGRESS=1
C=$B/custody
$C init --vault $D/v --user sec --password-file $D/pw/sec --kdf-cost 10 --recovery-file $D/v.rec >/dev/null
CUSTODY_USER=sec CUSTODY_PASSWORD_FILE=$D/pw/sec $C user add li --role archivist --new-password-file $D/pw/li >/dev/null
CUSTODY_USER=li CUSTODY_PASSWORD_FILE=$D/pw/li $C fonds add Z109 --name T >/dev/null
i=0; while [ $i -lt $N ]; do echo "record $i" > $D/in/f$i.txt; i=$((i+1)); done
CUSTODY_USER=li CUSTODY_PASSWORD_FILE=$D/pw/li $C import files $D/in --fonds Z109 --class other --year 2020 >/dev/null
nos=$(CUSTODY_USER=li CUSTODY_PASSWORD_FILE=$D/pw/li $C ls --json | python3 -c 'import sys,json; print(" ".join(json.loads(l)["archive_no"] for l in sys.stdin))')
first=$(echo $nos | cut -d' ' -f1)
t0=$(date +%s.%N)
i=0; while [ $i -lt $H ]; do CUSTODY_USER=li CUSTODY_PASSWORD_FILE=$D/pw/li $C hold add $first --reason "r$i" >/dev/null; i=$((i+1)); done
t1=$(date +%s.%N)
echo "hold add x$H: $(echo "$t1 - $t0" | bc) s"
t0=$(date +%s.%N); $B/tests/tools/holds-tool block $D/v li $D/pw/li 1 >/dev/null; t1=$(date +%s.%N)
echo "holds-tool block (open + derive $H holds + answer): $(echo "$t1 - $t0" | bc) s"
t0=$(date +%s.%N); CUSTODY_USER=li CUSTODY_PASSWORD_FILE=$D/pw/li $C ls >/dev/null; t1=$(date +%s.%N)
echo "ls of $N records with $H holds: $(echo "$t1 - $t0" | bc) s"
t0=$(date +%s.%N); CUSTODY_USER=li CUSTODY_PASSWORD_FILE=$D/pw/li $C record restrict $nos --reason art47-2 >/dev/null; t1=$(date +%s.%N)
echo "record restrict of $N records (one command): $(echo "$t1 - $t0" | bc) s"
t0=$(date +%s.%N); CUSTODY_USER=li CUSTODY_PASSWORD_FILE=$D/pw/li $C check >/dev/null; t1=$(date +%s.%N)
echo "check: $(echo "$t1 - $t0" | bc) s"
rm -rf $D $D.rec
