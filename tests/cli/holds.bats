#!/usr/bin/env bats
# Legal holds (issue 8; 会计档案管理办法 第十九条): hold add / list / release,
# who may, and the insider's attacks on the holds table (sqlite3): each is
# named by check, and the question destruction asks (cy_vault__holds_block,
# answered from the ledger) still says "held".  docs/internals/holds.md.
#
#   CUSTODY=build/custody bats tests/cli/holds.bats

load helpers

HOLDS_TOOL="$(_cy_abs "${HOLDS_TOOL:-$(dirname "$CUSTODY")/tests/tools/holds-tool}")"

setup_file() {
	build_template
	local t="$BATS_FILE_TMPDIR/template" pw="$BATS_FILE_TMPDIR/pw"
	# a second archivist (li2) and the viewer (vv), both granted Z109; li's
	# next open completes the grants and shares the write key with li2
	CUSTODY_VAULT="$t" CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$pw/sec" \
		"$CUSTODY" user add li2 --role archivist --new-password-file "$pw/li2" >/dev/null
	CUSTODY_VAULT="$t" CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$pw/sec" \
		"$CUSTODY" user grant li2 Z109 >/dev/null
	CUSTODY_VAULT="$t" CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$pw/sec" \
		"$CUSTODY" user grant vv Z109 >/dev/null
	mkdir -p "$BATS_FILE_TMPDIR/in"
	echo "first record" >"$BATS_FILE_TMPDIR/in/a.txt"
	echo "second record" >"$BATS_FILE_TMPDIR/in/b.txt"
	echo "third record" >"$BATS_FILE_TMPDIR/in/c.txt"
	CUSTODY_VAULT="$t" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$pw/li" \
		"$CUSTODY" import files "$BATS_FILE_TMPDIR/in" --fonds Z109 --class other --year 2020 >/dev/null
	# li2 opens once (takes the write key li sealed to it)
	CUSTODY_VAULT="$t" CUSTODY_USER=li2 CUSTODY_PASSWORD_FILE="$pw/li2" \
		"$CUSTODY" ls >/dev/null
}

setup() {
	common_setup
	make_vault
	R1="Z109-QT${DOT}2020-D10-0001"
	R2="Z109-QT${DOT}2020-D10-0002"
	R3="Z109-QT${DOT}2020-D10-0003"
	DB="$V/catalog.db"
}

teardown() {
	common_teardown
}

sql() {
	sqlite3 "$DB" "$@"
}

# The record's row id.
rid() {
	sql "SELECT id FROM records WHERE archive_no = '$1'"
}

# What destruction would be told about a record: "held N" or "free".
blocked() {
	run "$HOLDS_TOOL" block "$V" li "$PW/li" "$(rid "$1")"
}

@test "hold add prints the id first; list shows it; ls --json says on-hold; log has hold.add" {
	run as li hold add "$R1" "$R2" --reason "诉讼：张三 v. 公司 (2026) 闽01民初123号" --unsettled
	status_is 0
	id=$(head -1 <<<"$output")
	[[ "$id" =~ ^[0-9]+$ ]]
	run as li hold list --json
	status_is 0
	equal "$(json_field id <<<"$output")" "$id" "listed id"
	equal "$(json_field status <<<"$output")" active "status"
	equal "$(json_field unsettled <<<"$output")" true "unsettled"
	output_has "诉讼：张三" "$R1" "$R2"
	run as li ls --json
	status_is 0
	equal "$(py 'print(",".join(r["status"] for r in jl(sys.stdin.read())))' <<<"$output")" \
		"on-hold,on-hold,held" "statuses"
	run as li show "$R1"
	status_is 0
	output_has "on-hold"
	# the reason is sealed: not in the catalog in clear, not on the ledger
	run grep -c "张三" "$DB"
	[ "$output" = 0 ]
	run as aud log show --action hold.add --json
	status_is 0
	output_has "\"h$id\"" "\"Z109\"" "$R1" "$R2" "\"unsettled\":1"
	output_lacks "张三"
	blocked "$R1"
	equal "$output" "held $id" "R1"
	blocked "$R3"
	equal "$output" "free" "R3"
	run as li check
	status_is 0
}

@test "a hold on a fonds covers every record; --until in the past does not hold" {
	run as li hold add --fonds Z109 --reason "tax audit"
	status_is 0
	id=$(head -1 <<<"$output")
	blocked "$R3"
	equal "$output" "held $id" "fonds hold"
	run as li hold add "$R3" --reason "old matter" --until 2001-01-01
	status_is 0
	run as li hold list --all --json
	status_is 0
	output_has '"status":"expired"'
	run as li hold add "$R3" --reason "bad date" --until 2026-02-30
	[ "$status" -ne 0 ]
}

@test "a hold on a subject covers the subject's records, and only those" {
	printf '客户编号,客户名称,身份证号,手机号码\nC01,张伟明,11010519491231002X,13912345678\nC02,李娜,,13800000002\n' >"$T/c.csv"
	as li import csv "$T/c.csv" --fonds Z109 --kind customers --quiet
	run as li hold add --subject Z109-C000001 --reason "customer dispute"
	status_is 0
	id=$(head -1 <<<"$output")
	run as li hold list --json
	output_has "Z109-C000001" '"kind":"subject"'
	c1=$(sql "SELECT rs.record_id FROM record_subjects rs JOIN subjects s ON s.id = rs.subject_id WHERE s.no = 1")
	c2=$(sql "SELECT rs.record_id FROM record_subjects rs JOIN subjects s ON s.id = rs.subject_id WHERE s.no = 2")
	[ -n "$c1" ] && [ -n "$c2" ]
	run "$HOLDS_TOOL" block "$V" li "$PW/li" "$c1"
	equal "$output" "held $id" "the subject's record"
	run "$HOLDS_TOOL" block "$V" li "$PW/li" "$c2"
	equal "$output" "free" "another customer's record"
	blocked "$R1"
	equal "$output" "free" "R1"
	run as li hold add --subject Z109-C000099 --reason x
	status_is 4
}

@test "who may: a viewer may not place or release; the placer may not release; another archivist may" {
	run as vv hold add "$R1" --reason "x"
	status_is 6
	output_has "may not place holds"
	run as li hold add "$R1" --reason "x"
	status_is 0
	id=$(head -1 <<<"$output")
	run as vv hold release "$id"
	status_is 6
	run as li hold release "$id"
	status_is 6
	output_has "was placed by you"
	run as li2 hold release "$id" --reason "settled"
	status_is 0
	run as li2 hold release "$id"
	[ "$status" -ne 0 ]
	output_has "released already"
	blocked "$R1"
	equal "$output" "free" "after release"
	run as li hold list --json
	output_lacks "\"id\":$id,"
	run as li hold list --all --json
	output_has '"status":"released"' '"release_reason":"settled"' '"released_by":"li2"'
	run as aud log show --action hold.release
	output_has "h$id"
	run as li check
	status_is 0
}

@test "attack: the hold row deleted with sqlite3: check names it, destruction is still refused" {
	run as li hold add "$R1" --reason "litigation"
	id=$(head -1 <<<"$output")
	sql "DELETE FROM hold_targets WHERE hold_id = $id; DELETE FROM holds WHERE id = $id"
	run as li check
	status_is 5
	output_has "hold $id (fonds Z109) is on the ledger" "row is gone from the catalog"
	blocked "$R1"
	equal "$output" "held $id" "after the row was deleted"
	run as li ls --json
	output_has '"status":"on-hold"'
}

@test "attack: the hold's target changed with sqlite3: check names it, the held record stays held" {
	run as li hold add "$R1" --reason "litigation"
	id=$(head -1 <<<"$output")
	sql "UPDATE hold_targets SET target_id = $(rid "$R3") WHERE hold_id = $id"
	run as li check
	status_is 5
	output_has "hold $id (fonds Z109): its row is not what its hold.add entry"
	blocked "$R1"
	equal "$output" "held $id" "R1"
	blocked "$R3"
	equal "$output" "free" "R3 (the forged target)"
}

@test "attack: released set with sqlite3: check names it, the hold still holds" {
	run as li hold add "$R2" --reason "litigation"
	id=$(head -1 <<<"$output")
	sql "UPDATE holds SET released = '2026-01-01T00:00:00Z', released_by = 1 WHERE id = $id"
	run as li check
	status_is 5
	output_has "hold $id (fonds Z109) is released in the catalog, but the ledger has no hold.release"
	blocked "$R2"
	equal "$output" "held $id" "R2"
	# and a release cannot be faked the other way round: un-releasing is named too
	run as li hold add "$R3" --reason "second"
	id2=$(head -1 <<<"$output")
	run as li2 hold release "$id2"
	status_is 0
	sql "UPDATE holds SET released = '' WHERE id = $id2"
	run as li check
	status_is 5
	output_has "hold $id2 (fonds Z109) was released by ledger entry"
}

@test "attack: a hold row inserted with sqlite3 is not a hold, and check names it" {
	sql "INSERT INTO holds (fonds_id, kind, epoch, reason, created, created_by) VALUES (1, 'fonds', 0, x'00', '2026-01-01T00:00:00Z', 2)"
	id=$(sql "SELECT max(id) FROM holds")
	run as li check
	status_is 5
	output_has "hold $id (fonds Z109) is in the catalog but not on the ledger"
	blocked "$R1"
	equal "$output" "free" "a forged row holds nothing"
}

@test "attack: the reason or until edited with sqlite3 is named by check" {
	run as li hold add "$R1" --reason "litigation" --until 2099-12-31
	id=$(head -1 <<<"$output")
	sql "UPDATE holds SET until = '2001-01-01' WHERE id = $id"
	run as li check
	status_is 5
	output_has "hold $id (fonds Z109): its row is not what its hold.add entry"
	# the ledger's until date is what counts
	blocked "$R1"
	equal "$output" "held $id" "R1"
}

@test "usage: exactly one of archive numbers, --subject, --fonds; a reason is required" {
	run as li hold add --reason x
	status_is 2
	run as li hold add "$R1" --fonds Z109 --reason x
	status_is 2
	run as li hold add "$R1"
	status_is 2
	run as li hold add "Z109-QT${DOT}2020-D10-0099" --reason x
	status_is 4
}
