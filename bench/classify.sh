#!/bin/sh
# bench/classify.sh BUILD_DIR [N]: what classification costs `custody import files`.
# Generates N small text files (default 20,000) with mixed names (contract,
# voucher, letter, statement, and scans whose text alone decides), then times
# the import into fresh vaults twice each way, alternating: with --class other
# (no rules) and without --class (each file classified by the rule pack).
# Prints wall seconds per run.  Benchmark, not a test: no target.
set -eu
build=${1:?usage: bench/classify.sh BUILD_DIR [N]}
n=${2:-20000}
bin=$(realpath "$build/custody")
work=$(mktemp -d "${TMPDIR:-/tmp}/clsbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in" "$work/pw"
for u in sec li; do printf 'pw-%s-correct-horse\n' "$u" >"$work/pw/$u"; done
python3 - "$work/in" "$n" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
names = ["购销合同-%d.txt", "记账凭证-%d.txt", "letter-%d.txt", "对账单-%d.txt", "scan-%d.txt"]
for i in range(n):
    with open(os.path.join(d, names[i % 5] % i), "w") as f:
        f.write(("甲方：某某公司 %d\n" % i) if i % 10 == 4 else ("file %d\n" % i))
PY
vault() {
	"$bin" init --vault "$1" --user sec --password-file "$work/pw/sec" --kdf-cost 10 \
		--recovery-file "$1.rec" >/dev/null
	CUSTODY_VAULT="$1" CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$work/pw/sec" \
		"$bin" user add li --role archivist --new-password-file "$work/pw/li" >/dev/null
	CUSTODY_VAULT="$1" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$work/pw/li" \
		"$bin" fonds add Z109 --name 测试 --uscc 91350100M000100Y43 >/dev/null
}
run() {
	v="$work/v$1"
	shift
	vault "$v"
	s=$(date +%s.%N)
	CUSTODY_VAULT="$v" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$work/pw/li" \
		"$bin" import files "$work/in" --fonds Z109 --year 2019 --quiet "$@" >/dev/null 2>&1
	e=$(date +%s.%N)
	printf '%-16s %6.2f s\n' "${*:-rules}" "$(echo "$e - $s" | bc)"
	rm -rf "$v" "$v.rec"
}
echo "import of $n files"
run 1 --class other
run 2
run 3 --class other
run 4
