#!/bin/bash
# ThreadSanitizer run of the import pipeline (src/ingest/import_files.c: a walker thread,
# preparer threads and the catalog thread), against a custody built with -fsanitize=thread.
#
#   tests/tsan/import.sh BUILD-TSAN [WORKDIR]
#
# Imports a tree of a few thousand small files and a few large ones (so that both the
# in-memory and the streamed path of the preparers run, and the queue's byte limit is
# reached), twice (the second run finds every file already in the vault), then checks the
# vault.  Any data race stops the program with exit status 66 (TSAN_OPTIONS below) and fails
# the test.  Prints TAP.
set -u
BUILD=${1:?usage: import.sh BUILD-TSAN [WORKDIR]}
C="$BUILD/custody"
WORK=${2:-$(mktemp -d)}
SMALL=${TSAN_SMALL_FILES:-3000}
mkdir -p "$WORK"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 ${TSAN_EXTRA_OPTIONS:-}"
export CUSTODY_NO_PROGRESS=1 LANG=C.UTF-8 LC_ALL=C.UTF-8
unset CUSTODY_USER CUSTODY_PASSWORD_FILE LANGUAGE

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"
	[ -f "$WORK/out" ] && sed 's/^/# /' "$WORK/out" | head -n 60
}

# Some kernels give mappings that TSan's fixed memory layout does not expect; without
# address randomisation it always fits.
RUN=()
if setarch "$(uname -m)" -R true 2>/dev/null; then
	RUN=(setarch "$(uname -m)" -R)
fi
cy() { "${RUN[@]}" "$C" "$@" >"$WORK/out" 2>&1; }

echo "1..6"

# 1. the binary really is instrumented (else every run below would pass for nothing)
if [ -x "$C" ] && nm "$C" 2>/dev/null | grep -q '__tsan_init'; then
	ok "custody is built with ThreadSanitizer"
else
	echo "# $C: not found, or not built with -fsanitize=thread" >"$WORK/out"
	not_ok "custody is built with ThreadSanitizer"
	echo "# nothing else can run"
	exit 1
fi

# 2. the tree: SMALL small files in nested directories, 4 files of 6 MiB, 2 of 40 MiB
python3 - "$WORK/src" "$SMALL" <<'EOF'
import os, sys, hashlib
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    sub = os.path.join(d, "d%02d" % (i % 37), "e%d" % (i % 5))
    os.makedirs(sub, exist_ok=True)
    data = hashlib.sha256(b"tsan%d" % i).digest() * (1 + i % 97)
    open(os.path.join(sub, "f%05d.bin" % i), "wb").write(data)
big = os.path.join(d, "big")
os.makedirs(big, exist_ok=True)
for i, mib in enumerate([6, 6, 6, 6, 40, 40]):
    with open(os.path.join(big, "big%d.bin" % i), "wb") as f:
        for _ in range(mib):
            f.write(os.urandom(1 << 20))
EOF
total=$(find "$WORK/src" -type f | wc -l)
mkdir -p "$WORK/pw"
for u in sec li; do printf 'pw-%s-tsan\n' "$u" >"$WORK/pw/$u"; done
V="$WORK/vault"
if cy init --vault "$V" --user sec --password-file "$WORK/pw/sec" --kdf-cost 10 \
	--recovery-file "$WORK/recovery" &&
	CUSTODY_VAULT="$V" CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$WORK/pw/sec" \
		cy user add li --role archivist --new-password-file "$WORK/pw/li" &&
	CUSTODY_VAULT="$V" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$WORK/pw/li" \
		cy fonds add Z109 --name 'TSan Co' --uscc 91350100M000100Y43; then
	ok "a vault with an archivist and a fonds (TSan build)"
else
	not_ok "a vault with an archivist and a fonds (TSan build)"
fi

export CUSTODY_VAULT="$V" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$WORK/pw/li"

# 3. the import: every file imported, no race
t0=$(date +%s)
cy import files "$WORK/src" --fonds Z109 --class customer --year 2019 --json
rc=$?
t1=$(date +%s)
summary=$(grep '"summary"' "$WORK/out" | tail -n 1)
if [ $rc -eq 0 ] && python3 -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["imported"] == int(sys.argv[2]) and s["failed"] == 0 and s["duplicates"] == 0, s
' "$summary" "$total" 2>>"$WORK/out"; then
	ok "import of $total files ($SMALL small, 6 large) without a data race ($((t1 - t0)) s)"
else
	[ $rc -eq 66 ] && echo "# exit 66: ThreadSanitizer found a data race" >>"$WORK/out"
	not_ok "import of $total files ($SMALL small, 6 large) without a data race (exit $rc)"
fi

# 4. the same tree again: every file recognised, no race
cy import files "$WORK/src" --fonds Z109 --class customer --year 2019 --json
rc=$?
summary=$(grep '"summary"' "$WORK/out" | tail -n 1)
if [ $rc -eq 0 ] && python3 -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["imported"] == 0 and s["duplicates"] == int(sys.argv[2]) and s["failed"] == 0, s
' "$summary" "$total" 2>>"$WORK/out"; then
	ok "re-import: all $total files already in the vault, no data race"
else
	[ $rc -eq 66 ] && echo "# exit 66: ThreadSanitizer found a data race" >>"$WORK/out"
	not_ok "re-import: all $total files already in the vault, no data race (exit $rc)"
fi

# 5. the records are there, each with its source's size and hash
cy ls --json
rc=$?
if [ $rc -eq 0 ] && python3 -c '
import hashlib, json, os, sys
rs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
assert len(rs) == int(sys.argv[3]), ("records", len(rs))
for r in rs:
    data = open(os.path.join(sys.argv[2], r["source"]), "rb").read()
    assert r["size"] == len(data) and r["sha256"] == hashlib.sha256(data).hexdigest(), r
' "$WORK/out" "$WORK/src" "$total" 2>>"$WORK/out"; then
	ok "ls: $total records, each the size and SHA-256 of its source"
else
	not_ok "ls: $total records, each the size and SHA-256 of its source (exit $rc)"
fi

# 6. check reads every object back
if cy check; then
	ok "check passes (TSan build)"
else
	not_ok "check passes (TSan build, exit $?)"
fi

[ -z "${2:-}" ] && rm -rf "$WORK"
[ $fails -eq 0 ]
