#!/usr/bin/env bats
# custody destroy: supervised destruction (issue 8).  A batch is proposed (records due, not
# permanent), signed by its signatories (each a different person), reconciled, executed;
# afterwards the records are gone for good (show/get say destroyed and exit 4; their
# wrapped data keys and their bytes are nowhere in the vault's files; their words are not in
# the search index), everyone else's records read back byte for byte, check passes, and the
# signed register verifies with the fonds' write key.  Kill -9 inside the execution leaves
# either nothing done or a batch that `destroy execute` finishes.  Edits of the batch with
# sqlite3 are refused.
#
#   CUSTODY=build/custody bats tests/cli/destroy.bats

load helpers

setup_file() {
	build_template
	local d="$BATS_FILE_TMPDIR/template" p="$BATS_FILE_TMPDIR/pw" u
	for u in li2 s1 s2 s3 s4 s5 s6 s7; do
		printf 'pw-%s-correct-horse\n' "$u" >"$p/$u"
	done
	CUSTODY_VAULT="$d" CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$p/sec" \
		"$CUSTODY" user add li2 --role archivist --new-password-file "$p/li2" >/dev/null
	for u in s1 s2 s3 s4 s5 s6 s7; do
		CUSTODY_VAULT="$d" CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$p/sec" \
			"$CUSTODY" user add "$u" --role auditor --new-password-file "$p/$u" >/dev/null
	done
	# li2 granted Z109 too (li's next open completes it, li2's first open takes the write key)
	CUSTODY_VAULT="$d" CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$p/sec" \
		"$CUSTODY" user grant li2 Z109 >/dev/null
	CUSTODY_VAULT="$d" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$p/li" "$CUSTODY" ls >/dev/null
	CUSTODY_VAULT="$d" CUSTODY_USER=li2 CUSTODY_PASSWORD_FILE="$p/li2" "$CUSTODY" ls >/dev/null
}

setup() {
	common_setup
	cp "$BATS_FILE_TMPDIR"/pw/* "$PW"/
	make_vault
	DB="$V/catalog.db"
	mkdir -p "$T/old" "$T/keep"
	# three old letters (1990, 10 years: due 2001-01-01), each with a planted word
	for i in 1 2 3; do
		printf '致客户函 %d：PLANTED%dWORD 旧往来说明。\n' "$i" "$i" >"$T/old/letter$i.txt"
	done
	# records that stay: one of the same year and class, and one permanent
	printf '留存函：KEEPERWORD 仍需保管。\n' >"$T/keep/stay.txt"
	as li import files "$T/old" --fonds Z109 --class correspondence --year 1990 \
		--retention D10 >/dev/null
	as li import files "$T/keep" --fonds Z109 --class correspondence --year 1991 \
		--retention Y >/dev/null
	OLD1="Z109-WS${DOT}1990-D10-0001"
	OLD2="Z109-WS${DOT}1990-D10-0002"
	OLD3="Z109-WS${DOT}1990-D10-0003"
	KEEP="Z109-WS${DOT}1991-Y-0001"
}

teardown() {
	common_teardown
}

# The batch through propose, sign, reconcile: its id in $B.
ready_batch() {
	B=$(as li destroy propose "$@" | head -n 1)
	as li destroy sign "$B" --as proposer >/dev/null
	as li2 destroy sign "$B" --as approver >/dev/null
	as li destroy reconcile "$B" >/dev/null
}

# The record reads back (verified), or the test fails.
readable() {
	as li get "$1" -o "$T/readable.out" --force >/dev/null
}

has_hooks() {
	CUSTODY_CRASH_AT=none as li ls >/dev/null 2>&1 && strings "$CUSTODY" | grep -q CUSTODY_CRASH_AT
}

@test "destroy: the whole procedure, and afterwards the records are gone and the rest intact" {
	as li get "$KEEP" -o "$T/keep-before"
	as li get "$OLD3" -o "$T/old3-before"
	run --separate-stderr as li destroy propose "$OLD1" "$OLD2"
	[ "$status" -eq 0 ]
	B=${lines[0]}
	[[ "$B" =~ ^[0-9]+$ ]]
	[[ "$output" == *"to sign: proposer, approver"* ]]

	run --separate-stderr as li destroy show "$B" --json
	[ "$status" -eq 0 ]
	py 'o = json.loads(sys.argv[1])
assert o["status"] == "proposed" and o["kind"] == "other", o
assert [r["archive_no"] for r in o["records"]] == sys.argv[2:4], o
assert o["signatures"] == [] and o["needed"] == ["proposer", "approver"], o
assert o["records"][0]["due"] == "2001-01-01" and o["records"][0]["trigger"] == "1991-01-01", o' \
		"$output" "$OLD1" "$OLD2"

	# nothing goes without the signatures, then without the reconciliation
	run --separate-stderr as li destroy execute "$B"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"still to sign: proposer, approver"* ]]
	run --separate-stderr as li2 destroy sign "$B" --as proposer
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"only the proposer"* ]]
	as li destroy sign "$B" --as proposer >/dev/null
	run --separate-stderr as li destroy sign "$B" --as approver
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"one person signs one role"* ]]
	run --separate-stderr as li destroy execute "$B"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"still to sign: approver"* ]]
	as li2 destroy sign "$B" --as approver >/dev/null
	run --separate-stderr as li destroy execute "$B"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"has not been reconciled"* ]]
	readable "$OLD1"
	as li destroy reconcile "$B" >/dev/null

	run --separate-stderr as li destroy execute "$B"
	[ "$status" -eq 0 ]
	[[ "$output" == *"2 records"* ]]

	# gone: show and get say so, with the batch, and exit 4; ls leaves them out
	run --separate-stderr as li show "$OLD1"
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"destroyed"*"batch $B"* ]]
	run --separate-stderr as li get "$OLD2" -o "$T/x"
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"destroyed"* ]]
	run --separate-stderr as li ls --json
	[[ "$output" != *"1990-D10-0001"* && "$output" != *"1990-D10-0002"* ]]
	# their words are not found; the others' are
	run --separate-stderr as li search PLANTED1WORD --json
	[[ "$output" != *"1990-D10-0001"* ]]
	run --separate-stderr as li search PLANTED3WORD --json
	[[ "$output" == *"1990-D10-0003"* ]]
	# everyone else's records byte for byte
	as li get "$KEEP" -o "$T/keep-after"
	as li get "$OLD3" -o "$T/old3-after"
	cmp "$T/keep-before" "$T/keep-after"
	cmp "$T/old3-before" "$T/old3-after"
	run --separate-stderr as li check --json
	[ "$status" -eq 0 ]
	py 'o = json.loads(sys.argv[1]); assert o["ok"] is True and o["problems"] == [], o' "$output"

	# the register: in the batch, as a permanent record, signed with the fonds' write key
	run --separate-stderr as li destroy show "$B" --json
	[ "$status" -eq 0 ]
	echo "$output" >"$T/show.json"
	py 'o = json.load(open(sys.argv[1]))
assert o["status"] == "executed" and o["needed"] == [], o
r = o["register"]
assert [x["archive_no"] for x in r["records"]] == sys.argv[2:4], r
assert {s["role"]: s["user"] for s in r["signatures"]} == {"proposer": "li", "approver": "li2"}, r
assert r["batch"] == o["id"] and r["fonds"] == "Z109" and r["ledger"]["size"] > 0, r
assert "PLANTED" not in json.dumps(r, ensure_ascii=False)' "$T/show.json" "$OLD1" "$OLD2"
	run --separate-stderr as li ls --json
	[[ "$output" == *"Destruction register"* ]] || [[ "$output" == *"-Y-"* ]]
}

@test "destroy: the register's signature verifies with openssl over the documented message" {
	ready_batch "$OLD1"
	as li destroy execute "$B" >/dev/null
	as li destroy show "$B" --json >"$T/show.json"
	VID=$(py 'print(open(os.path.join(sys.argv[1], "CUSTODY-VAULT")).read())' "$V" | grep -o '[0-9a-f]\{32\}' | head -n 1)
	py '
o = json.load(open(sys.argv[1]))
reg = json.dumps(o["register"], ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
vid = o["register"]["vault"].encode()
msg = b"custody/destruction-register/v1\0" + vid + b"\0Z109\0" + hashlib.sha256(reg).digest()
open(sys.argv[2] + "/msg", "wb").write(msg)
open(sys.argv[2] + "/sig", "wb").write(bytes.fromhex(o["register_sig"]))
der = bytes.fromhex("302a300506032b6570032100" + o["signkey"])
open(sys.argv[2] + "/pub.pem", "w").write("-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(der).decode() + "\n-----END PUBLIC KEY-----\n")
' "$T/show.json" "$T"
	openssl pkeyutl -verify -pubin -inkey "$T/pub.pem" -rawin -in "$T/msg" -sigfile "$T/sig"
	# one byte of the register changed: no longer verifies
	py 'p = sys.argv[1] + "/msg"; m = bytearray(open(p, "rb").read()); m[-1] ^= 1; open(p, "wb").write(m)' "$T"
	run openssl pkeyutl -verify -pubin -inkey "$T/pub.pem" -rawin -in "$T/msg" -sigfile "$T/sig"
	[ "$status" -ne 0 ]
}

@test "destroy: no trace of the destroyed objects' keys or bytes in any file of the vault" {
	# the wrapped data key and a piece of the ciphertext of OLD1, read before
	ID=$(sqlite3 "$DB" "SELECT id FROM records WHERE archive_no = '$OLD1'")
	DKEY=$(sqlite3 "$DB" "SELECT hex(o.dkey) FROM records r JOIN objects o ON o.id = r.object_id WHERE r.id = $ID")
	PACK=$(sqlite3 "$DB" "SELECT p.name FROM records r JOIN objects o ON o.id = r.object_id JOIN packs p ON p.id = o.pack_id WHERE r.id = $ID")
	OFF=$(sqlite3 "$DB" "SELECT o.offset + o.length - 48 FROM records r JOIN objects o ON o.id = r.object_id WHERE r.id = $ID")
	[ ${#DKEY} -eq 120 ]
	CT=$(find "$V/objects" -type f -name "*${PACK:2}*" | head -n 1)
	[ -n "$CT" ]
	TAIL=$(py 'f = open(sys.argv[1], "rb"); f.seek(int(sys.argv[2])); print(f.read(32).hex())' "$CT" "$OFF")
	[ ${#TAIL} -eq 64 ]
	ready_batch "$OLD1"
	as li destroy execute "$B" >/dev/null
	py '
import glob
needles = [bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])]
hits = []
for p in glob.glob(sys.argv[1] + "/**", recursive=True):
    if os.path.isfile(p):
        data = open(p, "rb").read()
        hits += [p for n in needles if n in data]
assert not hits, hits' "$V" "$DKEY" "$TAIL"
	# and the record row, its object row, its index entries
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM records WHERE id = $ID")" -eq 0 ]
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM record_objects WHERE record_id = $ID")" -eq 0 ]
}

@test "destroy: refusals name what is missing: permanent, not yet due, twice, other fonds" {
	run --separate-stderr as li destroy propose "$KEEP"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"kept permanently"* ]]
	mkdir -p "$T/new"
	echo "recent" >"$T/new/r.txt"
	as li import files "$T/new" --fonds Z109 --class correspondence --year 2024 --retention D10 >/dev/null
	run --separate-stderr as li destroy propose "Z109-WS${DOT}2024-D10-0001"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"not due for destruction until 2035-01-01"* ]]
	B=$(as li destroy propose "$OLD1" | head -n 1)
	run --separate-stderr as li destroy propose "$OLD1"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"already in destruction batch $B"* ]]
	run --separate-stderr as vv destroy propose "$OLD2"
	[ "$status" -ne 0 ]
	# nothing was destroyed by any of this
	readable "$OLD1"
	[ "$(as li destroy list --json | wc -l)" -eq 1 ]
}

@test "destroy: accounting records need the eight signatories of 第十八条, each a different person" {
	mkdir -p "$T/acc"
	echo "记账凭证 1995" >"$T/acc/v.txt"
	as li import files "$T/acc" --fonds Z109 --class accounting --year 1995 --retention D10 >/dev/null
	B=$(as li destroy propose "Z109-KJ${DOT}1995-D10-0001" | head -n 1)
	run --separate-stderr as li destroy show "$B" --json
	py 'o = json.loads(sys.argv[1]); assert o["kind"] == "accounting" and len(o["needed"]) == 8, o' "$output"
	run --separate-stderr as li destroy sign "$B" --as approver
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"unit-head"* ]]
	as li destroy sign "$B" --as archives-clerk >/dev/null
	as li2 destroy sign "$B" --as archives-head >/dev/null
	i=1
	for role in unit-head accounting-head accounting-clerk archives-supervisor accounting-supervisor; do
		as "s$i" destroy sign "$B" --as "$role" >/dev/null
		i=$((i + 1))
	done
	run --separate-stderr as s6 destroy sign "$B" --as unit-head
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"was signed by s1"* ]]
	as li destroy reconcile "$B" >/dev/null
	run --separate-stderr as li destroy execute "$B"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"still to sign: it-supervisor"* ]]
	as s6 destroy sign "$B" --as it-supervisor >/dev/null
	as li destroy execute "$B" >/dev/null
	run --separate-stderr as li show "Z109-KJ${DOT}1995-D10-0001"
	[ "$status" -eq 4 ]
}

@test "destroy: a batch edited with sqlite3 is refused (items swapped, a signature forged)" {
	B=$(as li destroy propose "$OLD1" | head -n 1)
	as li destroy sign "$B" --as proposer >/dev/null
	# a signature row for the approver that no destroy.sign entry backs
	sqlite3 "$DB" "INSERT INTO destruction_signatures SELECT batch_id, 'approver', (SELECT id FROM users WHERE name = 'li2'), at, seq FROM destruction_signatures WHERE batch_id = $B"
	as li destroy reconcile "$B" >/dev/null
	run --separate-stderr as li destroy execute "$B"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"still to sign: approver"* ]]
	sqlite3 "$DB" "DELETE FROM destruction_signatures WHERE role = 'approver'"
	as li2 destroy sign "$B" --as approver >/dev/null
	# the batch now names another record than the one that was signed for
	KEEPID=$(sqlite3 "$DB" "SELECT id FROM records WHERE archive_no = '$OLD3'")
	sqlite3 "$DB" "UPDATE destruction_items SET archive_no = '$OLD3', record_id = $KEEPID WHERE batch_id = $B"
	run --separate-stderr as li destroy execute "$B"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"does not match its destroy.propose"* ]]
	readable "$OLD3"
	readable "$OLD1"
}

@test "destroy: a record changed after the batch was proposed is not destroyed" {
	ready_batch "$OLD1"
	as li record amend "$OLD1" --title "changed" >/dev/null
	run --separate-stderr as li destroy execute "$B"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"changed after the batch was proposed"* ]]
	readable "$OLD1"
}

@test "destroy: killed inside the execution: before the commit nothing happened, after it execute finishes" {
	has_hooks || skip "needs a build with test hooks (CUSTODY_CRASH_AT)"
	ready_batch "$OLD1" "$OLD2"
	run env CUSTODY_CRASH_AT=destroy-before-commit CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" "$CUSTODY" destroy execute "$B"
	[ "$status" -eq 137 ]
	readable "$OLD1"
	[ "$(as li destroy show "$B" --json | py 'print(json.load(sys.stdin)["status"])')" = proposed ]
	run --separate-stderr as li check --json
	[ "$status" -eq 0 ]

	for at in destroy-after-commit destroy-after-compact; do
		run env CUSTODY_CRASH_AT=$at CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" "$CUSTODY" destroy execute "$B"
		[ "$status" -eq 137 ]
		# the records are gone already, and the register is with the batch
		run --separate-stderr readable "$OLD1"
		[ "$status" -eq 4 ]
		[ "$(as li destroy show "$B" --json | py 'o = json.load(sys.stdin); print(o["status"], len(o["register"]["records"]))')" = "executing 2" ]
		run --separate-stderr as li check --json
		[ "$status" -eq 0 ]
	done
	as li destroy execute "$B" >/dev/null
	[ "$(as li destroy show "$B" --json | py 'print(json.load(sys.stdin)["status"])')" = executed ]
	run --separate-stderr as li check --json
	[ "$status" -eq 0 ]
	run --separate-stderr as li destroy execute "$B"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"was executed on"* ]]
}

@test "destroy: one customer's records go with their key; the others in the same packs read back byte for byte" {
	printf '客户编号,客户名称,身份证号,手机号码\nC001,王芳,11010519491231002X,13800138000\nC002,李雷,110105194912310037,13900139000\nC003,韩梅梅,110105194912310053,13700137000\n' >"$T/cust.csv"
	as li import csv "$T/cust.csv" --fonds Z109 --kind customers --year 1990 >/dev/null
	K1="Z109-KH${DOT}1990-D10-0001"
	K2="Z109-KH${DOT}1990-D10-0002"
	K3="Z109-KH${DOT}1990-D10-0003"
	# the three profiles share one pack
	[ "$(sqlite3 "$DB" "SELECT count(DISTINCT o.pack_id) FROM records r JOIN objects o ON o.id = r.object_id WHERE r.class = 'customer'")" -eq 1 ]
	as li subject export Z109-C000002 -o "$T/c2-before" >/dev/null
	as li subject export Z109-C000003 -o "$T/c3-before" >/dev/null
	SID=$(sqlite3 "$DB" "SELECT subject_id FROM record_subjects rs JOIN records r ON r.id = rs.record_id WHERE r.archive_no = '$K1'")
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM subject_index WHERE subject_id = $SID")" -gt 0 ]
	# customer data has no legal period: it is due when the business ends (PIPL Art. 47(2))
	run --separate-stderr as li destroy propose "$K1"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"business has not ended"* ]]
	as li fonds status Z109 deregistered --date 2025-06-30 >/dev/null
	ready_batch "$K1"
	run --separate-stderr as li destroy execute "$B"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 records and 1 customers destroyed"* ]]
	# the customer is gone: key, fields and blind-index rows; a search by her ID number finds nothing
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM subjects WHERE id = $SID")" -eq 0 ]
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM subject_index WHERE subject_id = $SID")" -eq 0 ]
	run --separate-stderr as li subject show Z109-C000001
	[ "$status" -eq 4 ]
	run --separate-stderr as li search --id-number 11010519491231002X --json
	[[ "$output" != *"$K1"* ]]
	# the others, byte for byte
	as li subject export Z109-C000002 -o "$T/c2-after" >/dev/null
	as li subject export Z109-C000003 -o "$T/c3-after" >/dev/null
	diff -r "$T/c2-before" "$T/c2-after"
	diff -r "$T/c3-before" "$T/c3-after"
	readable "$K2"
	readable "$K3"
	run --separate-stderr as li check --json
	[ "$status" -eq 0 ]
}

@test "destroy: check names a tombstone planted for a record deleted with sqlite3, and a register edited" {
	ready_batch "$OLD1"
	as li destroy execute "$B" >/dev/null
	run --separate-stderr as li check --json
	[ "$status" -eq 0 ]
	# an insider deletes OLD3 with sqlite3 and plants a tombstone for it in the executed batch
	cp "$DB" "$T/db-before"
	ID3=$(sqlite3 "$DB" "SELECT id FROM records WHERE archive_no = '$OLD3'")
	sqlite3 "$DB" "INSERT INTO destruction_items SELECT batch_id, $ID3, '$OLD3', class, year, retention, org, 3, rule, trigger, due, created, digest FROM destruction_items WHERE batch_id = $B;
		DELETE FROM record_objects WHERE record_id = $ID3; DELETE FROM record_subjects WHERE record_id = $ID3; DELETE FROM records WHERE id = $ID3"
	run --separate-stderr as li check --json
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not match its destroy.propose"* ]]
	cp "$T/db-before" "$DB"
	rm -f "$DB-wal" "$DB-shm"
	run --separate-stderr as li check --json
	[ "$status" -eq 0 ]
	# the register edited in the catalog: it no longer verifies
	sqlite3 "$DB" "UPDATE destruction_batches SET register = replace(register, '\"year\":1990', '\"year\":1991') WHERE id = $B"
	run --separate-stderr as li check --json
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not verify"* ]]
}

@test "destroy: --help answers, and propose reads archive numbers from a file" {
	run "$CUSTODY" destroy --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"propose"* && "$output" == *"execute"* ]]
	run "$CUSTODY" destroy execute --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"crypto-shredding"* ]]
	printf '%s\n%s\n' "$OLD1" "$OLD2" >"$T/list"
	run --separate-stderr as li destroy propose --from "$T/list"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *"2 records"* ]]
}

@test "destroy: a record of the same signed batch edited with sqlite3 stops the execution; nothing goes" {
	ready_batch "$OLD1"
	# OLD3 was signed in the same import batch as OLD1: its row edited behind custody's back
	sqlite3 "$DB" "UPDATE records SET status = 'transferred' WHERE archive_no = '$OLD3'"
	run --separate-stderr as li destroy execute "$B"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"changed after it was"*"signed"* ]]
	sqlite3 "$DB" "UPDATE records SET status = 'held' WHERE archive_no = '$OLD3'"
	readable "$OLD1"
	[ "$(as li destroy show "$B" --json | py 'print(json.load(sys.stdin)["status"])')" = proposed ]
}

@test "subject erase: PIPL Art. 47 erasure with a second person's approval; the customer stays erased (or restricted) on re-import" {
	printf '客户编号,客户名称,身份证号,手机号码\nC001,王芳,11010519491231002X,13800138000\nC002,李雷,110105194912310037,13900139000\n' >"$T/cust.csv"
	printf '客户编号,交易日期,金额\nC001,2024-03-01,1000\n' >"$T/tx.csv"
	as li import csv "$T/cust.csv" --fonds Z109 --kind customers --year 2024 >/dev/null
	as li import csv "$T/tx.csv" --fonds Z109 --kind transactions >/dev/null
	run --separate-stderr as li subject erase Z109-C000002
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"art47"* ]]
	run --separate-stderr as li subject erase Z109-C000002 --reason art47-9
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"consent withdrawn"* ]]

	# C001 has a transaction statement a legal period keeps: only her profile can go
	run --separate-stderr as li subject erase Z109-C000001 --reason art47-3 --request 'REQ-2026-001'
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 records are kept because a legal period still runs"* ]]
	# she and her statement are store-only now: not shown, not exported
	run --separate-stderr as li subject show Z109-C000001
	[ "$status" -eq 6 ]
	[[ "$stderr" == *"store-only"* ]]
	run --separate-stderr as li ls --json
	py 'rows = [json.loads(l) for l in sys.argv[1].splitlines()]
assert [r["status"] for r in rows if r["class"] == "transaction"] == ["store-only"], rows' "$output"

	run --separate-stderr as li subject erase Z109-C000002 --reason art47-3 --request 'REQ-2026-002'
	[ "$status" -eq 0 ]
	B=${lines[0]}
	[[ "$B" =~ ^[0-9]+$ ]]
	# the request's reference is not in the ledger, only its hash
	run --separate-stderr as aud log show --json
	[[ "$output" != *"REQ-2026-002"* ]]
	[[ "$output" == *'"reason":"art47-3"'* ]]
	run --separate-stderr as li destroy show "$B" --json
	py 'o = json.loads(sys.argv[1]); assert o["kind"] == "erasure" and o["needed"] == ["proposer", "approver"], o' "$output"
	as li destroy sign "$B" --as proposer >/dev/null
	run --separate-stderr as li destroy execute "$B"
	[ "$status" -ne 0 ]
	as li2 destroy sign "$B" --as approver >/dev/null
	as li destroy reconcile "$B" >/dev/null
	as li destroy execute "$B" >/dev/null
	run --separate-stderr as li subject show Z109-C000002
	[ "$status" -eq 4 ]
	# the same file again: C001 is found again, C002 is refused and the reject says why
	run --separate-stderr as li import csv "$T/cust.csv" --fonds Z109 --kind customers --year 2024 --json
	[[ "$output" == *"erased at their request"* ]]
	# and C001, kept store-only, takes nothing new in silently either
	[[ "$output" == *"restricted to storage"* ]]
	run --separate-stderr as li subject list --json
	[ "$(echo "$output" | grep -c '"id"')" -eq 1 ]
	# an explicit decision lets her back
	run --separate-stderr as li subject readmit "$B" --reason "the request was withdrawn in writing"
	[ "$status" -eq 0 ]
	run --separate-stderr as li import csv "$T/cust.csv" --fonds Z109 --kind customers --year 2024
	[[ "$stderr" == *"line 2 refused: this customer is restricted to storage"* ]]
	[[ "$stderr" != *"line 3 refused"* ]]
	run --separate-stderr as li subject list --json
	[ "$(echo "$output" | grep -c '"id"')" -eq 2 ]
	run --separate-stderr as li check --json
	[ "$status" -eq 0 ]
}

@test "destroy: a record on hold cannot enter a batch, and a hold placed later stops the execution until released" {
	H=$(as li hold add "$OLD2" --reason "litigation" | head -n 1)
	run --separate-stderr as li destroy propose "$OLD1" "$OLD2"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"$OLD2 is on hold"* ]]
	ready_batch "$OLD1"
	H2=$(as li hold add --fonds Z109 --reason "audit" --unsettled | head -n 1)
	run --separate-stderr as li destroy execute "$B"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"$OLD1 is on hold"* ]]
	readable "$OLD1"
	as li2 hold release "$H2" --reason "audit closed" >/dev/null
	as li destroy execute "$B" >/dev/null
	run --separate-stderr as li get "$OLD1" -o "$T/g" --force
	[ "$status" -eq 4 ]
	readable "$OLD2"
}

@test "destroy: ls --all lists destroyed records with their batch; a store-only record is destroyed when due" {
	as li record restrict "$OLD2" --reason art47-2 >/dev/null
	ready_batch "$OLD1" "$OLD2"
	as li destroy execute "$B" >/dev/null
	run --separate-stderr as li ls --json
	[[ "$output" != *"1990-D10-0001"* ]]
	run --separate-stderr as li ls --all --json
	py 'rows = [json.loads(l) for l in sys.argv[1].splitlines()]
d = {r["archive_no"]: r for r in rows}
assert d[sys.argv[2]]["status"] == "destroyed" and d[sys.argv[2]]["batch"] == int(sys.argv[4]), d
assert d[sys.argv[3]]["status"] == "destroyed", d' "$output" "$OLD1" "$OLD2" "$B"
	run --separate-stderr as li check --json
	[ "$status" -eq 0 ]
}

@test "destroy: propose --from-appraisal takes what the appraisal decided to destroy, not what it kept" {
	mkdir -p "$T/acc"
	echo "statement 1" >"$T/acc/银行对账单_一月.txt"
	echo "statement 2" >"$T/acc/银行对账单_二月.txt"
	as li import files "$T/acc" --fonds Z109 --class accounting --year 1990 --retention D10 >/dev/null
	A1="Z109-KJ${DOT}1990-D10-0001"
	A2="Z109-KJ${DOT}1990-D10-0002"
	run --separate-stderr as li appraise --fonds Z109 --keep "$A2=10"
	[ "$status" -eq 0 ]
	A=${lines[0]}
	run --separate-stderr as li destroy propose --from-appraisal "$A"
	[ "$status" -eq 0 ]
	B=${lines[0]}
	run --separate-stderr as li destroy show "$B" --json
	py 'o = json.loads(sys.argv[1]); nos = [r["archive_no"] for r in o["records"]]
assert sys.argv[2] in nos and sys.argv[3] not in nos, nos
assert o["kind"] == "accounting", o' "$output" "$A1" "$A2"
}

@test "fonds deregistered: records a legal period keeps become store-only; customer data stays readable and becomes due" {
	mkdir -p "$T/acc"
	echo "记账凭证 2020" >"$T/acc/记账凭证_2020.txt"
	as li import files "$T/acc" --fonds Z109 --class accounting --year 2020 --retention D30 >/dev/null
	printf '客户编号,客户名称,身份证号\nC001,王芳,11010519491231002X\n' >"$T/cust.csv"
	as li import csv "$T/cust.csv" --fonds Z109 --kind customers --year 2020 >/dev/null
	run --separate-stderr as li fonds status Z109 deregistered --date 2025-06-30
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 records whose legal period still runs are now store-only"* ]]
	run --separate-stderr as li ls --json
	py 'rows = {json.loads(l)["archive_no"]: json.loads(l) for l in sys.argv[1].splitlines()}
assert rows[sys.argv[2]]["status"] == "store-only", rows[sys.argv[2]]
assert rows[sys.argv[3]]["status"] == "held", rows[sys.argv[3]]' "$output" "Z109-KJ${DOT}2020-D30-0001" "Z109-KH${DOT}2020-D10-0001"
	run --separate-stderr as li get "Z109-KJ${DOT}2020-D30-0001" -o "$T/g" --force
	[ "$status" -eq 6 ]
	readable "Z109-KH${DOT}2020-D10-0001"
	run --separate-stderr as li retention due --json
	[[ "$output" == *"Z109-KH${DOT}2020-D10-0001"*"pipl-customer-business-end"* ]]
	run --separate-stderr as li check --json
	[ "$status" -eq 0 ]
}

@test "destroy: the signatories come from the rule pack; a batch keeps the roles it was proposed with" {
	mkdir -p "$T/pack"
	cp "$BATS_TEST_DIRNAME/../../rules/retention/cn-pipl.json" "$T/pack/"
	printf '{"custody_retention": 1, "signatories": {"other": ["proposer", "archives-head", "approver"]}, "rules": []}\n' >"$T/pack/10-site.json"
	B=$(CUSTODY_RETENTION="$T/pack" as li destroy propose "$OLD1" | head -n 1)
	run --separate-stderr as li destroy show "$B" --json
	py 'o = json.loads(sys.argv[1]); assert o["needed"] == ["proposer", "archives-head", "approver"], o' "$output"
	as li destroy sign "$B" --as proposer >/dev/null
	as li2 destroy sign "$B" --as approver >/dev/null
	as li destroy reconcile "$B" >/dev/null
	# the pack of today does not change what the batch needs
	run --separate-stderr as li destroy execute "$B"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"still to sign: archives-head"* ]]
	# nor does the catalog edited with sqlite3
	sqlite3 "$DB" "UPDATE destruction_batches SET roles = 'proposer,approver' WHERE id = $B"
	run --separate-stderr as li destroy execute "$B"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"does not match its destroy.propose"* ]]
	readable "$OLD1"
}
