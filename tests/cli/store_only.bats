#!/usr/bin/env bats
# Store-only (PIPL Art. 47 ¶2): a record or a customer whose legal period still runs is
# kept, backed up and checked, but not shown, read, searched or exported, except through
# an exception another archivist approved.  The status is in the signed record row: a
# status edited with sqlite3 is named by check.  docs/internals/holds.md.
#
#   CUSTODY=build/custody bats tests/cli/store_only.bats

load helpers

setup_file() {
	build_template
	local t="$BATS_FILE_TMPDIR/template" pw="$BATS_FILE_TMPDIR/pw"
	CUSTODY_VAULT="$t" CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$pw/sec" \
		"$CUSTODY" user add li2 --role archivist --new-password-file "$pw/li2" >/dev/null
	CUSTODY_VAULT="$t" CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$pw/sec" \
		"$CUSTODY" user grant li2 Z109 >/dev/null
	CUSTODY_VAULT="$t" CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$pw/sec" \
		"$CUSTODY" user grant vv Z109 >/dev/null
	mkdir -p "$BATS_FILE_TMPDIR/in"
	printf 'Quarterly memo about the Fuzhou warehouse lease renewal\n' >"$BATS_FILE_TMPDIR/in/a.txt"
	printf 'Minutes of the harbour meeting\n' >"$BATS_FILE_TMPDIR/in/b.txt"
	printf '客户编号,客户名称,身份证号,手机号码,电子邮件\nC01,张伟明,11010519491231002X,13912345678,zhang@example.cn\nC02,李娜,,13800000002,li.na@example.cn\n' \
		>"$BATS_FILE_TMPDIR/c.csv"
	CUSTODY_VAULT="$t" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$pw/li" \
		"$CUSTODY" import files "$BATS_FILE_TMPDIR/in" --fonds Z109 --class other --year 2020 >/dev/null
	CUSTODY_VAULT="$t" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$pw/li" \
		"$CUSTODY" import csv "$BATS_FILE_TMPDIR/c.csv" --fonds Z109 --kind customers --quiet
	CUSTODY_VAULT="$t" CUSTODY_USER=li2 CUSTODY_PASSWORD_FILE="$pw/li2" \
		"$CUSTODY" ls >/dev/null
}

setup() {
	common_setup
	make_vault
	R1="Z109-QT${DOT}2020-D10-0001" # a.txt: warehouse
	R2="Z109-QT${DOT}2020-D10-0002" # b.txt: harbour
	DB="$V/catalog.db"
}

teardown() {
	common_teardown
}

sql() {
	sqlite3 "$DB" "$@"
}

# The customer record of subject $1 (Z109-C000001).
record_of_subject() {
	as li subject show "$1" --json | py 'print(json.loads(sys.stdin.read().splitlines()[0]).get("records", [{}])[0].get("archive_no", ""))' 2>/dev/null
}

@test "record restrict: get, show and search refuse it with the article and the way to an exception; ls keeps it without its title; check passes" {
	run as li record restrict "$R1" --reason art47-2
	status_is 0
	output_has "store-only"
	for u in li vv; do
		run as "$u" get "$R1" -o "$T/out.$u"
		status_is 6
		output_has "record $R1 is store-only since" "PIPL Art. 47 ¶2" "art47-2" "custody access request"
		[ ! -e "$T/out.$u" ]
		run as "$u" show "$R1"
		status_is 6
		output_has "record $R1 is store-only since" "not shown"
		output_lacks "warehouse"
	done
	run as li search warehouse --json
	status_is 0
	py 'assert jl(sys.argv[1]) == [], sys.argv[1]' "$output"
	run as li search warehouse
	status_is 1
	output_has "nothing found"
	run as li search harbour --json
	status_is 0
	output_has "$R2"
	run as li ls --json
	status_is 0
	py '
rs = {r["archive_no"]: r for r in jl(sys.argv[1])}
r1 = rs[sys.argv[2]]
assert r1["status"] == "store-only" and r1["title"] == "" and r1["source"] == "", r1
assert rs[sys.argv[3]]["status"] == "held" and rs[sys.argv[3]]["title"], rs[sys.argv[3]]' "$output" "$R1" "$R2"
	run as li check
	status_is 0
	output_lacks "PROBLEM"
	run as aud log show --action record.restrict --json
	output_has "$R1" '"reason":"art47-2"'
	# restricting again changes nothing
	run as li record restrict "$R1" --reason art47-2
	status_is 0
	run as li check
	status_is 0
}

@test "who may restrict: an archivist; not a viewer; a reason of Art. 47 is required" {
	run as vv record restrict "$R1" --reason art47-2
	status_is 6
	run as li record restrict "$R1" --reason because
	status_is 2
	run as li record restrict "$R1"
	status_is 2
	run as li record restrict "Z109-QT${DOT}2020-D10-0099" --reason art47-2
	status_is 4
}

@test "attack: the status set back to held with sqlite3 is named by check (signature and ledger), and show refuses the record" {
	as li record restrict "$R1" --reason art47-2 >/dev/null
	sql "UPDATE records SET status = 'held' WHERE archive_no = '$R1'"
	run as li check
	status_is 5
	output_has "record $R1: its catalog row was changed after it was signed" \
		"record $R1 was made store-only by ledger entry"
	run as li show "$R1"
	[ "$status" -ne 0 ]
	output_lacks "warehouse"
}

@test "attack: a record made store-only with sqlite3 is named by check" {
	sql "UPDATE records SET status = 'store-only' WHERE archive_no = '$R2'"
	run as li check
	status_is 5
	output_has "record $R2: its catalog row was changed after it was signed" \
		"record $R2 is store-only in the catalog, but the ledger never restricted it"
}

@test "subject restrict: the customer's show, export and exact search are refused; its records too; others still read" {
	run as li subject restrict Z109-C000001 --reason art47-2
	status_is 0
	run as li subject show Z109-C000001
	status_is 6
	output_has "subject Z109-C000001 is store-only since" "PIPL Art. 47 ¶2"
	output_lacks "张伟明"
	run as li subject export Z109-C000001 -o "$T/exp"
	status_is 6
	output_has "store-only"
	[ ! -e "$T/exp/subject.json" ]
	run as li search --id-number 11010519491231002X --json
	output_lacks "Z109-C000001"
	run as li search 张伟明 --json
	output_lacks "Z109-KH"
	# the other customer still reads
	run as li subject show Z109-C000002
	status_is 0
	output_has "李娜"
	run as li search --phone 13800000002 --json
	status_is 0
	output_has "Z109-C000002"
	run as li ls --json
	py '
rs = jl(sys.argv[1])
so = [r for r in rs if r["status"] == "store-only"]
assert len(so) == 1 and so[0]["class"] == "customer" and so[0]["title"] == "", rs' "$output"
	run as li check
	status_is 0
	# the subject's status edited back with sqlite3: check names it, show still refuses
	sql "UPDATE subjects SET status = 'held' WHERE no = 1"
	sql "DELETE FROM restrictions WHERE kind = 'subject'"
	run as li check
	status_is 5
	output_has "subject Z109-C000001 was made store-only by ledger entry"
	run as li subject show Z109-C000001
	status_is 6
}

@test "exception: requested by one user, approved by another, lets the requester read once; all on the ledger" {
	as li record restrict "$R1" --reason art47-2 >/dev/null
	run as vv access request "$R1" --reason "court order (2026) 闽01民初123号"
	status_is 0
	req=$(head -1 <<<"$output")
	[[ "$req" =~ ^[0-9]+$ ]]
	# not yet approved
	run as vv get "$R1" -o "$T/o1"
	status_is 6
	# a request cannot be approved by a viewer, nor by its requester
	run as vv access approve "$req"
	status_is 6
	as li access request "$R1" --reason "own" >/dev/null
	own=$(sql "SELECT max(id) FROM access_requests")
	run as li access approve "$own"
	status_is 6
	output_has "your own"
	run as li access approve "$req"
	status_is 0
	# li approved vv's request: vv reads once, li does not
	run as li get "$R1" -o "$T/o2"
	status_is 6
	run as vv get "$R1" -o "$T/o3"
	status_is 0
	grep -q warehouse "$T/o3"
	run as vv get "$R1" -o "$T/o4"
	status_is 6
	run as aud log show --json
	output_has '"action":"access.request"' '"action":"access.approve"' '"action":"access.use"'
	output_lacks "闽01民初"
	# an approval forged in the table is not an exception: the ledger decides
	as vv access request "$R1" --reason "again" >/dev/null
	req2=$(sql "SELECT max(id) FROM access_requests")
	sql "UPDATE access_requests SET approved_by = 2, approved = '2026-01-01T00:00:00Z' WHERE id = $req2"
	run as vv get "$R1" -o "$T/o5"
	status_is 6
	run as li check
	status_is 0
}

@test "an exception with --until lets the requester read until that day" {
	as li record restrict "$R1" --reason art47-2 >/dev/null
	req=$(as vv access request "$R1" --reason "audit" | head -1)
	run as li access approve "$req" --until 2099-12-31
	status_is 0
	run as vv show "$R1"
	status_is 0
	output_has "store-only"
	run as vv get "$R1" -o "$T/o1"
	status_is 0
	run as vv get "$R1" -o "$T/o2"
	status_is 0
}

@test "ls leaves destroyed records out unless --all" {
	# destruction is the integrator's part: the status is set here as it will set it
	sqlite3 "$DB" "UPDATE records SET status = 'destroyed' WHERE archive_no = '$R2'"
	run as li ls --json
	status_is 0
	output_lacks "$R2"
	output_has "$R1"
	run as li ls --all --json
	status_is 0
	py '
rs = {r["archive_no"]: r["status"] for r in jl(sys.argv[1])}
assert rs[sys.argv[2]] == "destroyed" and rs[sys.argv[3]] == "held", rs' "$output" "$R2" "$R1"
}

@test "restrict several records of one signed batch at once: each store-only, check passes; a batch whose row was edited is refused" {
	run as li record restrict "$R1" "$R2" --reason art47-2
	status_is 0
	output_has "2 records are store-only"
	run as li ls --json
	py '
rs = {r["archive_no"]: r["status"] for r in jl(sys.argv[1])}
assert rs[sys.argv[2]] == "store-only" and rs[sys.argv[3]] == "store-only", rs' "$output" "$R1" "$R2"
	equal "$(sqlite3 "$DB" "SELECT count(DISTINCT batch_id) FROM records WHERE archive_no IN ('$R1', '$R2')")" 1 "one batch"
	run as li check
	status_is 0
	run as aud log show --action record.restrict --json
	equal "$(grep -c record.restrict <<<"$output")" 2 "entries"
	# a customer record's row edited by hand: restricting it (or its batch) signs nothing
	c1=$(sqlite3 "$DB" "SELECT r.archive_no FROM records r JOIN record_subjects rs ON rs.record_id = r.id JOIN subjects s ON s.id = rs.subject_id WHERE s.no = 1")
	sqlite3 "$DB" "UPDATE records SET size = size + 1 WHERE archive_no = '$c1'"
	run as li subject restrict Z109-C000002 --reason art47-2
	status_is 5
	output_has "its catalog row was changed after it was signed"
	equal "$(sqlite3 "$DB" "SELECT status FROM subjects WHERE no = 2")" held "nothing changed"
}
