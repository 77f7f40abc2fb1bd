#!/bin/bash
# bench/check_sigs.sh BUILD_DIR [N]: how fast `check` verifies record signatures.
#
# Makes a fresh vault (an archivist, one fonds), creates N small records
# (default 200,000) through cy_record_create in commits of 5,000 (so 40
# signed batches), then times check's record-signature pass alone
# (cy_check_records: one pass over the ledger, a SHA-256 of every record's
# catalog row, one Ed25519 verification per batch, the catalog reconciled
# with the ledger) and prints records per second.  Target (issue 6): at
# least 50,000 records/s.  Needs the test tool (meson -Dtests=true):
# BUILD_DIR/tests/tools/recsig-tool.  Exit 3 if the target is missed and
# --strict is given.
set -euo pipefail

build=${1:?usage: bench/check_sigs.sh BUILD_DIR [N] [--strict]}
n=${2:-200000}
strict=${3:-}
custody="$build/custody"
tool="$build/tests/tools/recsig-tool"
for f in "$custody" "$tool"; do
	[ -x "$f" ] || { echo "check_sigs: $f not built (ninja -C $build; tests enabled)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/recsig-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf 'pw-sec-correct-horse\n' >"$work/pw.sec"
printf 'pw-li-correct-horse\n' >"$work/pw.li"
v="$work/v"
"$custody" init --vault "$v" --user sec --password-file "$work/pw.sec" --kdf-cost 10 \
	--recovery-file "$work/recovery" >/dev/null
CUSTODY_VAULT="$v" CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$work/pw.sec" \
	"$custody" user add li --role archivist --new-password-file "$work/pw.li" >/dev/null
CUSTODY_VAULT="$v" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$work/pw.li" \
	"$custody" fonds add Z109 --name 'Bench Co' >/dev/null
start=$(date +%s.%N)
"$tool" populate "$v" li "$work/pw.li" Z109 "$n"
end=$(date +%s.%N)
awk -v n="$n" -v a="$start" -v b="$end" 'BEGIN { printf "created %d records in %.1f s\n", n, b - a }'
out=$("$tool" bench "$v" li "$work/pw.li")
echo "check record signatures: $out"
rate=$(sed -n 's/.*records\/s \([0-9]*\).*/\1/p' <<<"$out")
if [ "${rate:-0}" -ge 50000 ]; then
	echo "target >= 50,000 records/s: PASS ($rate)"
else
	echo "target >= 50,000 records/s: MISS (${rate:-0})"
	[ "$strict" != --strict ] || exit 3
fi
