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
	TOTAL_BYTES=$(find "$SRC" -type f -printf '%s\n' | awk '{ n += $1 } END { print n }')
	export TOTAL_BYTES
}

setup() {
	common_setup
}

teardown() {
	common_teardown
}

# crash_import WHEN: run the import of $SRC into $V and SIGKILL it
#   as soon as it has read PCT % of the bytes of $SRC (WHEN = read:PCT; /proc/PID/io,
#     all threads; 0 = at once),
#   as soon as a temporary pack has content (WHEN = tmp-pack),
#   as soon as a pack is moved into objects/??/ (WHEN = placed-pack),
#   never (WHEN = never).
# The moments are events the process has really reached, not times, so a slow or a fast
# machine kills it at the same point.  Polls from python, which is fast enough to land
# between the pack's rename and the catalog's commit.  Prints "killed" only if the signal
# ended the process (it was still at work), else "finished (exit N)".
crash_import() {
	CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" py '
import signal, time
when, v, src, total = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
cmd = [os.environ["CUSTODY"], "import", "files", src, "--fonds", "Z109", "--class", "customer",
       "--year", "2019", "--quiet"]
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
objs = os.path.join(v, "objects")
need = total * int(when[5:]) // 100 if when.startswith("read:") else None
def rchar():
    for l in open("/proc/%d/io" % p.pid):
        if l.startswith("rchar:"):
            return int(l.split()[1])
    return 0
def hit():
    if need is not None:
        return need == 0 or rchar() >= need
    if when == "tmp-pack":
        return any(os.path.getsize(os.path.join(objs, "tmp", f)) > 0
                   for f in os.listdir(os.path.join(objs, "tmp")) if f.endswith(".pack"))
    if when == "placed-pack":
        return any(len(d) == 2 and os.listdir(os.path.join(objs, d)) for d in os.listdir(objs))
    return False
fired = False
while p.poll() is None:
    try:
        if hit():
            p.send_signal(signal.SIGKILL)
            fired = True
            break
    except OSError:
        pass
    if need is not None:
        time.sleep(0.0002)
    elif when == "never":
        time.sleep(0.01)
rc = p.wait()
print("killed" if fired and rc == -9 else "finished (exit %d)" % rc)
' "$1" "$V" "$SRC" "$TOTAL_BYTES"
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
	out=$(count_action record.import) || {
		echo "$what: log show fails" >&2
		return 1
	}
	equal "$out" "$n" "$what: record.import entries" || return 1
	# no temporary pack left by a process that is gone, once the vault is opened again
	equal "$(ls -A "$V/objects/tmp")" "" "$what: objects/tmp" || return 1
	echo "$n"
}

# outcome_ok WHAT HOW N: a run that was not killed must have finished well, with every file
# in the vault; a killed one may have left any number of whole records.
outcome_ok() {
	case $2 in
	killed) return 0 ;;
	"finished (exit 0)") equal "$3" "$TOTAL" "$1: records after an import that ran to its end" ;;
	*)
		echo "$1: the import was not killed but failed: $2" >&2
		return 1
		;;
	esac
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
	# from right after the start to when nearly all is read, and an import not killed
	for pct in 0 10 30 55 80 97 never; do
		rm -rf "$V"
		make_vault
		if [ "$pct" = never ]; then
			how=$(crash_import never)
			equal "$how" "finished (exit 0)" "the import not killed"
		else
			how=$(crash_import "read:$pct")
			# the import still has to seal, write and commit after its reads: it was at work
			equal "$how" killed "outcome of the kill after $pct% of the input was read"
		fi
		n=$(after_kill "kill after $pct% read") || return 1
		echo "# kill after $pct% of the input was read: $how, $n of $TOTAL records" >&3
		# all or nothing per file: each record is whole (after_kill), none is extra
		[ "$n" -le "$TOTAL" ]
		outcome_ok "kill after $pct% read" "$how" "$n"
		finish_import "kill after $pct% read" "$n"
	done
}

@test "crash: SIGKILL while a temporary pack is written, and after a pack is moved into place" {
	# 1: as soon as the temporary pack has content
	make_vault
	how=$(crash_import tmp-pack)
	echo "# kill while a pack is written: $how" >&3
	equal "$how" killed "outcome of the kill while a pack is written"
	n=$(after_kill "kill while writing a pack")
	finish_import "kill while writing a pack" "$n"

	# 2: as soon as a pack is in objects/??/, before (or while) the catalog commits
	rm -rf "$V"
	make_vault
	how=$(crash_import placed-pack)
	n=$(after_kill "kill after a pack was moved into place")
	echo "# kill after a pack was moved into place: $how, $n records" >&3
	equal "$how" killed "outcome of the kill after a pack was moved into place"
	finish_import "kill after a pack was moved into place" "$n"
	# a pack left behind by the killed run is at most a warning, never a problem
	run --separate-stderr as li check --json
	status_is 0
	py 'o = json.loads(sys.argv[1]); assert o["ok"] and o["records"] == int(sys.argv[2]), o' "$output" "$TOTAL"
}

@test "crash: repeated kills of the re-runs on the same vault, then a run to the end" {
	make_vault
	# a vault that already holds part of the tree (a copy of it, without part2)
	SRC="$T/src"
	cp -a "$BATS_FILE_TMPDIR/src" "$SRC"
	mv "$SRC/part2" "$T/part2"
	how=$(crash_import never)
	equal "$how" "finished (exit 0)" "the import of part of the tree"
	had=$(after_kill "the import of part of the tree")
	[ "$had" -gt 0 ]
	mv "$T/part2" "$SRC/part2"
	for pct in 20 50 70 90; do
		how=$(crash_import "read:$pct")
		n=$(after_kill "repeated kill after $pct% read") || return 1
		echo "# re-run killed after $pct% of the input was read: $how, $n of $TOTAL records" >&3
		outcome_ok "repeated kill after $pct% read" "$how" "$n"
		# a run with files left to import reads them all: the kill must have landed
		if [ "$had" -lt "$TOTAL" ]; then
			equal "$how" killed "outcome of the re-run killed after $pct% read"
		fi
		# what was there stays there
		[ "$n" -ge "$had" ]
		had=$n
	done
	finish_import "after repeated kills" "$had"
	run as aud log verify
	status_is 0
}

# kill_when WHEN ARGS...: run custody ARGS as li and SIGKILL it as soon as it is busy:
#   WHEN = partial:GLOB   a file matching GLOB exists and is not empty (get's output being
#                         written under its temporary name)
#   WHEN = reading:DIR    the process has a file under DIR open (a pack being read)
# Prints "killed" only if the signal ended the process, i.e. it was still at work.
kill_when() {
	CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" py '
import glob, signal
when, args = sys.argv[1], sys.argv[2:]
kind, _, where = when.partition(":")
p = subprocess.Popen([os.environ["CUSTODY"]] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
def busy():
    if kind == "partial":
        return any(os.path.getsize(f) > 0 for f in glob.glob(where) if os.path.isfile(f))
    fds = "/proc/%d/fd" % p.pid
    for fd in os.listdir(fds):
        if os.readlink(os.path.join(fds, fd)).startswith(where + "/"):
            return True
    return False
fired = False
while p.poll() is None:
    try:
        if busy():
            p.send_signal(signal.SIGKILL)
            fired = True
            break
    except OSError:
        pass
rc = p.wait()
print("killed" if fired and rc == -9 else "finished (exit %d)" % rc)
' "$@"
}

@test "crash: a killed get or check leaves the vault as it was" {
	make_vault
	as li import files "$SRC" --fonds Z109 --class customer --year 2019 --quiet >/dev/null
	big=$(as li ls --json | py '
for r in jl(sys.stdin.read()):
    if r["source"].endswith("big1.bin"):
        print(r["archive_no"])')
	[ -n "$big" ]
	objs=$(tree_state "$V/objects")
	# get: killed while it writes its output (under a temporary name beside the target)
	how=$(kill_when "partial:$T/.custody-*.tmp" get "$big" -o "$T/big.out")
	equal "$how" killed "get, killed while writing its output"
	# the partial output of the killed get is not taken for the file
	[ ! -e "$T/big.out" ]
	run as li check
	status_is 0
	run as aud log verify
	status_is 0
	# check: killed while it reads a pack
	how=$(kill_when "reading:$V/objects" check)
	equal "$how" killed "check, killed while reading a pack"
	run as li check
	status_is 0
	run as aud log verify
	status_is 0
	# the killed readers changed nothing in the object store
	equal "$(tree_state "$V/objects")" "$objs" "the object store after the killed get and check"
	rm -f "$T/big.out.custody-partial"
	# and the record still reads whole
	as li get "$big" -o "$T/big.out"
	cmp "$T/big.out" "$SRC/part1/big1.bin"
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
	# what a kill between the pack's rename and the catalog commit leaves (custody's modes)
	umask 077
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
