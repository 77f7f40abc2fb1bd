#!/usr/bin/env bats
# Physical deletion: `custody store compact` rewrites packs without the bytes no object
# refers to, crash-safe (SIGKILL at every step leaves a vault that checks clean and reads
# back); an unreferenced pack is judged by the ledger (left by compaction / harmless /
# a problem when the ledger says committed records live in it); store faults (disk full,
# I/O errors) leave the vault as it was with a clear message.
#
#   CUSTODY=build/custody bats tests/cli/compact.bats
#
# The crash points (CUSTODY_CRASH_AT) and the store fault injector (CUSTODY_STORE_FAULT)
# exist only in builds with tests (CY_TEST_HOOKS); against a build without them the tests
# that need them are skipped, and say so.

load helpers

setup_file() {
	build_template
	SRC="$BATS_FILE_TMPDIR/src"
	mkdir -p "$SRC/a" "$SRC/b"
	# a file above the streaming threshold (16 MiB): its duplicate is only known
	# after it was written into the pack, where its bytes then stay, unreferenced
	head -c $((17 * 1024 * 1024)) /dev/urandom >"$SRC/a/big.bin"
	gen_files "$SRC/a" 12
	cp "$SRC/a/big.bin" "$SRC/b/big-copy.bin"
	echo "letter to the new owner" >"$SRC/b/new.txt"
	head -c 300000 /dev/urandom >"$SRC/b/scan.bin"
	export SRC
}

setup() {
	common_setup
	make_vault
	as sec user add sys --role sysadmin --new-password-file "$PW/sys" >/dev/null
}

teardown() {
	common_teardown
}

has_hooks() {
	# a build with test hooks refuses a malformed fault spec
	! CUSTODY_STORE_FAULT=nonsense as li ls >/dev/null 2>&1
}

# Two imports: the second holds a duplicate of a large file, so its pack carries dead bytes.
fill_vault() {
	as li import files "$SRC/a" --fonds Z109 --class customer --year 2019 --quiet >/dev/null
	as li import files "$SRC/b" --fonds Z109 --class customer --year 2019 --quiet >/dev/null
}

# Every record reads back (get verifies it) with the content of its source file.
all_read_back() {
	local n=0 no src
	as li ls --json >"$T/ls.json" || return 1
	while IFS=$'\t' read -r no src; do
		as li get "$no" -o "$T/out.bin" >/dev/null || {
			echo "record $no does not read back" >&2
			return 1
		}
		equal "$(sha_of "$T/out.bin")" "$(sha_of "$(find "$SRC" -path "*/$src" | head -1)")" "content of $no" || return 1
		rm -f "$T/out.bin"
		n=$((n + 1))
	done < <(py '
for r in jl(open(sys.argv[1]).read()):
    print(r["archive_no"] + "\t" + r["source"])
' "$T/ls.json")
	equal "$n" "$1" "records read back"
}

objects_bytes() {
	find "$V/objects" -name '*.pack' -not -path "$V/objects/tmp/*" -printf '%s\n' | awk '{s += $1} END {print s + 0}'
}

# Every pack file (temporaries too) with its size and sha256.
pack_files() {
	tree_state "$V/objects" | grep -v '^d '
}

pack_names() {
	find "$V/objects" -name '*.pack' -not -path "$V/objects/tmp/*" | sed -E 's|.*/([0-9a-f]{2})/([0-9a-f]{28})\.pack$|\1\2|' | sort
}

@test "compact frees a duplicate's bytes; every record reads back; logged as store.compact" {
	fill_vault
	records=$(count_records)
	equal "$records" 15 "records"
	before=$(objects_bytes)
	[ "$before" -gt $((34 * 1024 * 1024)) ]
	# a viewer may not; the sysadmin may, holding no fonds key
	run as vv store compact
	status_is 6
	run --separate-stderr as sys store compact --json
	status_is 0
	py '
s = json.loads(sys.argv[1])
assert s["packs"] == 1 and s["rewritten"] == 1 and s["removed"] == 0, s
assert s["objects"] == 2, s
assert s["freed"] >= 17 * 1024 * 1024, s
assert s["leftover"] == 0, s
' "$output"
	after=$(objects_bytes)
	[ $((before - after)) -ge $((17 * 1024 * 1024)) ]
	run as li check --json
	status_is 0
	py '
s = json.loads(sys.argv[1])
assert s["ok"] and not s["problems"] and not s["warnings"], s
' "$output"
	all_read_back 15
	# the ledger says which pack retired and which took its objects
	as aud log show --json >"$T/log.json"
	py '
es = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
c = [e for e in es if e["action"] == "store.compact"]
assert len(c) == 1, c
d = c[0]["details"]
assert re.fullmatch("[0-9a-f]{30}", d["old_pack"]) and re.fullmatch("[0-9a-f]{30}", d["new_pack"]), d
assert d["objects"] == 2 and d["freed"] >= 17 * 1024 * 1024, d
imports = [e for e in es if e["action"] == "record.import"]
assert all(re.fullmatch("[0-9a-f]{30}", e["details"]["pack"]) for e in imports), imports[:2]
assert any(e["details"]["pack"] == d["old_pack"] for e in imports), "no import named the old pack"
' "$T/log.json"
	run as aud log verify
	status_is 0
	# a second run has nothing to do
	run as li store compact
	status_is 0
	output_has "nothing to compact"
}

# crash_compact STEP: SIGKILL the compaction at STEP, then the vault must check clean,
# read back entirely, and a second compaction must finish the work.
crash_compact() {
	local step="$1" want_warning="$2"
	fill_vault
	packs_before=$(pack_names | wc -l)
	run env CUSTODY_CRASH_AT="$step" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" "$CUSTODY" store compact
	# 128 + SIGKILL: it was killed right there, not finished
	status_is 137
	run as li check --json
	status_is 0
	py '
s = json.loads(sys.argv[1])
want = sys.argv[2]
assert s["ok"] and not s["problems"], s
ws = [w["problem"] for w in s["warnings"]]
if want:
    assert len(ws) == 1 and want in ws[0], ws
else:
    assert not ws, ws
' "$output" "$want_warning"
	all_read_back 15
	run as aud log verify
	status_is 0
	# the next compaction sweeps what the killed one left and does the rest
	run as li store compact
	status_is 0
	run as li check --json
	status_is 0
	py '
s = json.loads(sys.argv[1])
assert s["ok"] and not s["problems"] and not s["warnings"], s
' "$output"
	all_read_back 15
	equal "$(pack_names | wc -l)" "$packs_before" "packs after the second compaction"
	equal "$(ls -A "$V/objects/tmp")" "" "objects/tmp"
	run as li store compact
	output_has "nothing to compact"
}

@test "kill -9 before the new pack is durable: vault intact, compaction redone" {
	has_hooks || skip "this build has no test hooks (CY_TEST_HOOKS)"
	crash_compact compact-written ""
}

@test "kill -9 after the new pack is durable, before the commit: its pack is harmless" {
	has_hooks || skip "this build has no test hooks (CY_TEST_HOOKS)"
	crash_compact compact-durable "left by an interrupted import; harmless"
}

@test "kill -9 after the commit, before the old pack is removed: left by compaction" {
	has_hooks || skip "this build has no test hooks (CY_TEST_HOOKS)"
	crash_compact compact-committed "left by compaction, safe to remove"
}

@test "an unreferenced pack the ledger says holds committed records is a problem, never swept" {
	as li import files "$SRC/b" --fonds Z109 --class customer --year 2019 --quiet >/dev/null
	p=$(pack_names | head -1)
	[ -n "$p" ]
	# the catalog is edited: its pack row now names a copy, the original is unreferenced
	q=0123456789abcdef0123456789abcd
	mkdir -p "$V/objects/${q:0:2}"
	cp "$V/objects/${p:0:2}/${p:2}.pack" "$V/objects/${q:0:2}/${q:2}.pack"
	sqlite3 "$V/catalog.db" "UPDATE packs SET name = '$q' WHERE name = '$p'"
	run as li check
	status_is 5
	output_has "PROBLEM object pack $p is not referenced by the catalog, but the ledger says committed records live in it"
	# neither an import's sweep nor a compaction removes it
	echo "another letter" >"$T/one.txt"
	mkdir "$T/in" && mv "$T/one.txt" "$T/in/"
	as li import files "$T/in" --fonds Z109 --class other --year 2020 --quiet >/dev/null
	as li store compact >/dev/null
	[ -f "$V/objects/${p:0:2}/${p:2}.pack" ]
	run as li check
	status_is 5
}

@test "an unreferenced pack no ledger entry names is harmless and swept by the next import" {
	as li import files "$SRC/b" --fonds Z109 --class customer --year 2019 --quiet >/dev/null
	p=$(pack_names | head -1)
	q=fedcba9876543210fedcba98765432
	umask 077 # the modes custody gives its own files
	mkdir -p "$V/objects/${q:0:2}"
	cp "$V/objects/${p:0:2}/${p:2}.pack" "$V/objects/${q:0:2}/${q:2}.pack"
	run as li check
	status_is 0
	output_has "warning object pack $q is not referenced by the catalog (left by an interrupted import; harmless)"
	mkdir "$T/in" && echo "x" >"$T/in/x.txt"
	as li import files "$T/in" --fonds Z109 --class other --year 2020 --quiet >/dev/null
	[ ! -e "$V/objects/${q:0:2}/${q:2}.pack" ]
	[ -f "$V/objects/${p:0:2}/${p:2}.pack" ]
	as aud log show --json | grep -q '"store.sweep"'
	run as li check
	status_is 0
	output_lacks "warning"
}

@test "store faults: import and compaction fail clearly and leave the vault as it was" {
	has_hooks || skip "this build has no test hooks (CY_TEST_HOOKS)"
	fill_vault
	mkdir "$T/in"
	echo "a letter" >"$T/in/l.txt"
	head -c 3000000 /dev/urandom >"$T/in/scan.bin"
	for spec in write:enospc:1 write:eio:1+ write:short:1 commit:eio:1 sync:eio:1 begin:enospc:1+; do
		run --separate-stderr env CUSTODY_STORE_FAULT="$spec" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" \
			"$CUSTODY" import files "$T/in" --fonds Z109 --class other --year 2020 --quiet
		[ "$status" -ne 0 ] || { echo "import under $spec succeeded" >&2; return 1; }
		[[ "$stderr" =~ (disk full|Input/output error) ]] || { echo "$spec: unclear: $stderr" >&2; return 1; }
		[[ "$stderr" == *"object pack"* || "$stderr" == *"object store"* ]] || {
			echo "$spec: does not say what failed: $stderr" >&2
			return 1
		}
		equal "$(count_records)" 15 "records after $spec"
	done
	state=$(pack_files)
	for spec in write:enospc:1 write:short:1 commit:eio:1 sync:eio:1 read:eio:1; do
		run --separate-stderr env CUSTODY_STORE_FAULT="$spec" CUSTODY_USER=sys CUSTODY_PASSWORD_FILE="$PW/sys" \
			"$CUSTODY" store compact
		[ "$status" -ne 0 ] || { echo "compaction under $spec succeeded" >&2; return 1; }
		[[ "$stderr" =~ (disk full|Input/output error) ]] || { echo "$spec: unclear: $stderr" >&2; return 1; }
		equal "$(pack_files)" "$state" "packs after a failed compaction ($spec)"
	done
	run as li check --json
	status_is 0
	py '
s = json.loads(sys.argv[1])
assert s["ok"] and not s["problems"] and not s["warnings"], s
' "$output"
	all_read_back 15
	run as sys store compact
	status_is 0
	all_read_back 15
}
