#!/usr/bin/env bats
# Atomicity: an import killed (SIGKILL) at any moment leaves a vault that passes check,
# with every file either fully imported or not at all, a ledger that verifies, and an
# import that simply runs again (files already in the vault recognised, none twice).
#
#   CUSTODY=build/custody bats tests/cli/crash.bats

load helpers

setup_file() {
	build_template
	# ~300 small files and three of 5 MB, all different
	SRC="$BATS_FILE_TMPDIR/src"
	gen_files "$SRC" 300
	for i in 1 2 3; do
		head -c $((5 * 1024 * 1024)) /dev/urandom >"$SRC/part$((i % 3))/big$i.bin"
	done
	export SRC
	TOTAL=$(find "$SRC" -type f | wc -l)
	export TOTAL
	# how long an uninterrupted import takes with this build, to spread the kills over it
	cp -a "$BATS_FILE_TMPDIR/template" "$BATS_FILE_TMPDIR/ref"
	local t0 t1
	t0=$(date +%s%N)
	CUSTODY_VAULT="$BATS_FILE_TMPDIR/ref" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$BATS_FILE_TMPDIR/pw/li" \
		"$CUSTODY" import files "$SRC" --fonds Z109 --class customer --year 2019 --quiet >/dev/null
	t1=$(date +%s%N)
	IMPORT_MS=$(((t1 - t0) / 1000000))
	export IMPORT_MS
	rm -rf "$BATS_FILE_TMPDIR/ref"
}

setup() {
	common_setup
}

teardown() {
	common_teardown
}

# Kill the import with SIGKILL (if it is still running) and reap it.
kill_import() {
	kill -9 "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
}

# crash_import WHEN: run the import of $SRC into $V and SIGKILL it
#   after N milliseconds (WHEN = a number),
#   as soon as a temporary pack has content (WHEN = tmp-pack),
#   as soon as a pack is moved into objects/??/ (WHEN = placed-pack).
# Polls from python, which is fast enough to land between the pack's rename and the
# catalog's commit.  Prints what happened.
crash_import() {
	CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" py '
import signal, time
when, v, src = sys.argv[1], sys.argv[2], sys.argv[3]
cmd = [os.environ["CUSTODY"], "import", "files", src, "--fonds", "Z109", "--class", "customer",
       "--year", "2019", "--quiet"]
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
objs = os.path.join(v, "objects")
def hit():
    if when == "tmp-pack":
        return any(os.path.getsize(os.path.join(objs, "tmp", f)) > 0
                   for f in os.listdir(os.path.join(objs, "tmp")) if f.endswith(".pack"))
    if when == "placed-pack":
        return any(len(d) == 2 and os.listdir(os.path.join(objs, d)) for d in os.listdir(objs))
    return False
deadline = time.monotonic() + int(when) / 1000 if when.isdigit() else None
fired = False
while p.poll() is None:
    try:
        if (deadline is not None and time.monotonic() >= deadline) or hit():
            p.send_signal(signal.SIGKILL)
            fired = True
            break
    except FileNotFoundError:
        pass
    if deadline is not None:
        time.sleep(0.001)
rc = p.wait()
print("killed" if fired and rc == -9 else "finished (exit %d)" % rc)
' "$1" "$V" "$SRC"
}

# After a kill: check passes, every record listed is its source file byte for byte, the
# ledger verifies.  Prints the number of records.
after_kill() {
	local what="$1" n out
	out=$(as li check 2>&1) || {
		echo "$what: check fails: $out" >&2
		return 1
	}
	n=$(verify_listing "$SRC") || {
		echo "$what: the records differ from their sources" >&2
		return 1
	}
	out=$(as aud log verify 2>&1) || {
		echo "$what: log verify fails: $out" >&2
		return 1
	}
	# the ledger has one import entry per record
	equal "$(as aud log show --json | grep -c '"record.import"' || true)" "$n" "$what: record.import entries" || return 1
	# no temporary pack left by a process that is gone, once the vault is opened again
	equal "$(ls -A "$V/objects/tmp")" "" "$what: objects/tmp" || return 1
	echo "$n"
}

# Run the import to the end: it recognises what is there and imports the rest.
finish_import() {
	local what="$1" had="$2" out
	out=$(as li import files "$SRC" --fonds Z109 --class customer --year 2019 --json) || {
		echo "$what: the re-run failed: $out" >&2
		return 1
	}
	py '
s = jl(sys.argv[1])[-1]
total, had = int(sys.argv[2]), int(sys.argv[3])
assert s["imported"] + s["duplicates"] == total, s
assert s["duplicates"] == had and s["failed"] == 0 and not s["stopped"], s
' "$out" "$TOTAL" "$had" || {
		echo "$what: re-run summary wrong" >&2
		return 1
	}
	equal "$(verify_listing "$SRC")" "$TOTAL" "$what: records after the re-run" || return 1
	as li check >/dev/null || {
		echo "$what: check fails after the re-run" >&2
		return 1
	}
}

@test "crash: SIGKILL at several moments of an import, each on a fresh vault" {
	[ "$IMPORT_MS" -gt 0 ]
	# from right after the start to after the end, spread over the measured duration
	for pct in 0 10 30 55 80 97 130; do
		rm -rf "$V"
		make_vault
		ms=$((IMPORT_MS * pct / 100))
		how=$(crash_import "$ms")
		n=$(after_kill "kill at ${ms} ms") || return 1
		# all or nothing per file: the count is between 0 and all, and each one is whole
		[ "$n" -ge 0 ]
		[ "$n" -le "$TOTAL" ]
		echo "# kill at $pct% (${ms} ms of ${IMPORT_MS}): $how, $n of $TOTAL records" >&3
		finish_import "kill at ${ms} ms" "$n"
	done
}

@test "crash: SIGKILL while a temporary pack is written, and after a pack is moved into place" {
	# 1: as soon as the temporary pack has content
	make_vault
	how=$(crash_import tmp-pack)
	echo "# kill while a pack is written: $how" >&3
	n=$(after_kill "kill while writing a pack")
	finish_import "kill while writing a pack" "$n"

	# 2: as soon as a pack is in objects/??/, before (or while) the catalog commits
	rm -rf "$V"
	make_vault
	how=$(crash_import placed-pack)
	n=$(after_kill "kill after a pack was moved into place")
	echo "# kill after a pack was moved into place: $how, $n records" >&3
	finish_import "kill after a pack was moved into place" "$n"
	# a pack left behind by the killed run is at most a warning, never a problem
	run --separate-stderr as li check --json
	status_is 0
	py 'o = json.loads(sys.argv[1]); assert o["ok"] and o["records"] == int(sys.argv[2]), o' "$output" "$TOTAL"
}

@test "crash: repeated kills of the re-runs on the same vault, then a run to the end" {
	make_vault
	had=0
	for pct in 20 50 70 90; do
		ms=$((IMPORT_MS * pct / 100))
		crash_import "$ms" >/dev/null
		n=$(after_kill "repeated kill at ${ms} ms") || return 1
		# what was there stays there
		[ "$n" -ge "$had" ]
		had=$n
	done
	finish_import "after repeated kills" "$had"
	run as aud log verify
	status_is 0
}

@test "crash: a killed get or check leaves the vault as it was" {
	make_vault
	as li import files "$SRC" --fonds Z109 --class customer --year 2019 --quiet >/dev/null
	big=$(as li ls --json | py '
for r in jl(sys.stdin.read()):
    if r["source"].endswith("big1.bin"):
        print(r["archive_no"])')
	for c in "get $big -o $T/big.out" "check"; do
		# shellcheck disable=SC2086
		CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" "$CUSTODY" $c >/dev/null 2>&1 &
		PID=$!
		track_pid $PID
		sleep 0.05
		kill_import
		[ ! -e "$T/big.out" ] || cmp "$T/big.out" "$SRC/part1/big1.bin"
		run as li check
		status_is 0
		run as aud log verify
		status_is 0
	done
	# the partial output of the killed get is not taken for the file
	[ ! -e "$T/big.out" ] || cmp "$T/big.out" "$SRC/part1/big1.bin"
}

@test "two imports at the same time into the same group: both finish, numbering continuous" {
	make_vault
	mkdir -p "$T/a" "$T/b"
	py '
for d in sys.argv[1:]:
    for i in range(150):
        open(os.path.join(d, "f%03d.txt" % i), "w").write("%s %d " % (d, i) + os.urandom(1000).hex())
' "$T/a" "$T/b"
	CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" "$CUSTODY" import files "$T/a" --fonds Z109 \
		--class other --year 2020 --quiet >"$T/a.out" 2>&1 &
	pa=$!
	track_pid $pa
	CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" "$CUSTODY" import files "$T/b" --fonds Z109 \
		--class other --year 2020 --quiet >"$T/b.out" 2>&1 &
	pb=$!
	track_pid $pb
	# a reader meanwhile
	as li ls >/dev/null
	ra=0 rb=0
	wait $pa || ra=$?
	wait $pb || rb=$?
	equal "$ra $rb" "0 0" "exit status of the two imports ($(cat "$T/a.out" "$T/b.out"))"
	as li ls --json >"$T/ls.json"
	py '
nos = sorted(r["item"] for r in jl(open(sys.argv[1]).read()))
assert nos == list(range(1, 301)), nos
' "$T/ls.json"
	run as li check
	status_is 0
	run as aud log verify
	status_is 0
}

@test "a pack left in place by a killed import is reported by check and swept by the next import" {
	make_vault
	mkdir -p "$T/in"
	echo "record one" >"$T/in/a.txt"
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >/dev/null
	# what a kill between the pack's rename and the catalog commit leaves
	mkdir -p "$V/objects/ab"
	head -c 4096 /dev/urandom >"$V/objects/ab/cdef0123456789abcdef01234567.pack"
	run as li check
	status_is 0
	output_has "not referenced by the catalog"
	echo "record two" >"$T/in/b.txt"
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >/dev/null
	[ ! -e "$V/objects/ab/cdef0123456789abcdef01234567.pack" ]
	run as li check
	status_is 0
	output_lacks "not referenced"
	run as aud log show
	output_has '"action":"store.sweep"'
	# the catalog's own packs are never touched
	run as li get "Z109-KH${DOT}2019-D30-0001"
	status_is 0
	output_has "record one"
}
