#!/usr/bin/env bats
# Issue 6, items 5 ("a viewer writes") and 6 ("records deleted unseen"): each
# attack done as the insider did it (sqlite3 on catalog.db; the viewer's own
# keys through tests/tools/recsig_tool.c), and check / show / get must name
# it.  docs/security/records.md.
#
#   CUSTODY=build/custody RECSIG_TOOL=build/tests/tools/recsig-tool bats tests/cli/trust_records.bats

load helpers

RECSIG_TOOL="$(_cy_abs "${RECSIG_TOOL:-$_CY_ROOT/build/tests/tools/recsig-tool}")"

setup_file() {
	build_template
	local t="$BATS_FILE_TMPDIR/template" pw="$BATS_FILE_TMPDIR/pw"
	# the viewer vv is granted Z109; li's next open completes the grant
	CUSTODY_VAULT="$t" CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$pw/sec" \
		"$CUSTODY" user grant vv Z109 >/dev/null
	CUSTODY_VAULT="$t" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$pw/li" \
		"$CUSTODY" fonds add Z110 --name 'Second Co' >/dev/null
	mkdir -p "$BATS_FILE_TMPDIR/in" "$BATS_FILE_TMPDIR/one"
	echo "first record" >"$BATS_FILE_TMPDIR/in/a.txt"
	echo "second record" >"$BATS_FILE_TMPDIR/in/b.txt"
	echo "third record" >"$BATS_FILE_TMPDIR/in/c.txt"
	echo "the only record of Z110" >"$BATS_FILE_TMPDIR/one/only.txt"
	CUSTODY_VAULT="$t" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$pw/li" \
		"$CUSTODY" import files "$BATS_FILE_TMPDIR/in" --fonds Z109 --class other --year 2020 >/dev/null
	CUSTODY_VAULT="$t" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$pw/li" \
		"$CUSTODY" import files "$BATS_FILE_TMPDIR/one" --fonds Z110 --class other --year 2021 >/dev/null
}

setup() {
	common_setup
	make_vault
	R1="Z109-QT${DOT}2020-D10-0001"
	R2="Z109-QT${DOT}2020-D10-0002"
	R3="Z109-QT${DOT}2020-D10-0003" # the group's newest
	ONLY="Z110-QT${DOT}2021-D10-0001"
	DB="$V/catalog.db"
}

teardown() {
	common_teardown
}

sql() {
	sqlite3 "$DB" "$@"
}

# check as li: exit 5 with every TEXT in its output
check_says() {
	run as li check
	status_is 5
	output_has "$@"
}

@test "untouched: check verifies every record's signature and finds nothing" {
	run as li check
	status_is 0
	output_lacks "PROBLEM"
	# the viewer holds the fonds key but not its write key; li holds both
	equal "$(sql "SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id
		WHERE u.name = 'vv' AND g.slot IS NOT NULL")" 1 "vv's fonds key"
	equal "$(sql "SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id
		WHERE u.name = 'vv' AND g.wslot IS NOT NULL")" 0 "vv's write key"
	equal "$(sql "SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id
		WHERE u.name = 'li' AND g.wslot IS NOT NULL")" 2 "li's write keys"
	equal "$(sql "SELECT count(*) FROM records WHERE batch_id IS NULL OR length(digest) != 32")" 0 \
		"unsigned records"
}

@test "item 5: a viewer re-titles a record with the fonds key she holds: check names it, show and get refuse it" {
	run "$RECSIG_TOOL" meta "$V" vv "$PW/vv" "$R2" "forged title"
	status_is 0
	meta=$(sed -n 's/^meta //p' <<<"$output")
	[ -n "$meta" ]
	sql "UPDATE records SET meta = x'$meta' WHERE archive_no = '$R2'"
	check_says "record $R2: its catalog row was changed after it was signed (title/metadata, objects or status)"
	output_lacks "record $R1:" "record $R3:"
	run as vv show "$R2"
	[ "$status" -ne 0 ]
	output_has "record $R2: its catalog row was changed after it was signed"
	output_lacks "forged title"
	run as vv get "$R2" -o "$T/out"
	[ "$status" -ne 0 ]
	output_has "record $R2: its catalog row was changed after it was signed"
	[ ! -e "$T/out" ]
	# the other records still read
	run as vv show "$R1"
	status_is 0
}

@test "item 5: a viewer re-titles a record and signs its batch with a key of her own: check names the fonds' write key, show refuses" {
	run "$RECSIG_TOOL" forge "$V" vv "$PW/vv" "$R2" "forged title"
	status_is 0
	output_has "writable 0" # she holds no write key of the fonds
	meta=$(sed -n 's/^meta //p' <<<"$output")
	digest=$(sed -n 's/^digest //p' <<<"$output")
	pub=$(sed -n 's/^pub //p' <<<"$output")
	sig=$(sed -n 's/^sig //p' <<<"$output")
	batch=$(sed -n 's/^batch //p' <<<"$output")
	sql "UPDATE records SET meta = x'$meta', digest = x'$digest' WHERE archive_no = '$R2';
	     UPDATE record_batches SET sig = x'$sig' WHERE id = $batch;
	     UPDATE fonds SET sign_pub = x'$pub' WHERE code = 'Z109'"
	check_says "fonds 'Z109': its write key in the catalog is not the one ledger entry"
	run as vv show "$R2"
	[ "$status" -ne 0 ]
	output_has "the write key of fonds 'Z109' in the catalog is not the one"
	output_lacks "forged title"
	# and the archivist's next import refuses to sign with a key the ledger never recorded
	mkdir -p "$T/new" && echo "new" >"$T/new/n.txt"
	run as li import files "$T/new" --fonds Z109 --class other --year 2020
	[ "$status" -ne 0 ]
	output_has "write key of fonds 'Z109'"
}

@test "item 5: a viewer replaces a record's content (its object row): check names it, get refuses it" {
	sql "UPDATE records SET object_id = (SELECT object_id FROM records WHERE archive_no = '$R1'),
	     size = (SELECT size FROM records WHERE archive_no = '$R1') WHERE archive_no = '$R2'"
	check_says "record $R2: its catalog row was changed after it was signed"
	run as vv get "$R2" -o "$T/out"
	[ "$status" -ne 0 ]
	output_has "record $R2: its catalog row was changed after it was signed"
	[ ! -e "$T/out" ]
}

@test "item 5: a viewer swaps a record's wrapped data key: check names it, get refuses it" {
	sql "UPDATE objects SET dkey = (SELECT o.dkey FROM records r JOIN objects o ON o.id = r.object_id
	     WHERE r.archive_no = '$R1') WHERE id = (SELECT object_id FROM records WHERE archive_no = '$R2')"
	check_says "record $R2: its catalog row was changed after it was signed"
	run as vv get "$R2" -o "$T/out"
	[ "$status" -ne 0 ]
	output_has "record $R2: its catalog row was changed after it was signed"
}

@test "item 6: deleting a group's newest record: check names it; the next import keeps its pack" {
	pack=$(object_of "$R3" | cut -d' ' -f1)
	sql "PRAGMA foreign_keys=ON; DELETE FROM records WHERE archive_no = '$R3'"
	check_says "record $R3 was imported (ledger entry" \
		"but is not in the catalog: it was deleted behind the vault's back; restore the catalog from a backup" \
		"record $R1: its signed batch had 3 records, 2 are left"
	mkdir -p "$T/new" && echo "new" >"$T/new/n.txt"
	run as li import files "$T/new" --fonds Z109 --class other --year 2022
	status_is 0
	[ -f "$pack" ]
}

@test "item 6: a record and its object row deleted: compaction refuses to drop its bytes for good" {
	read -r pack off len < <(object_of "$R3")
	sql "PRAGMA foreign_keys=ON;
	     CREATE TEMP TABLE gone AS SELECT object_id AS oid FROM records WHERE archive_no = '$R3';
	     DELETE FROM records WHERE archive_no = '$R3';
	     DELETE FROM objects WHERE id IN (SELECT oid FROM gone)"
	size=$(stat -c %s "$pack")
	run as li store compact
	[ "$status" -ne 0 ]
	output_has "compaction refused" "run custody check"
	[ -f "$pack" ]
	equal "$(stat -c %s "$pack")" "$size" "the pack's size"
	check_says "record $R3 was imported (ledger entry"
}

@test "item 6: deleting a fonds' only record, its object and its pack row: check names it; the next import keeps the pack" {
	pack=$(object_of "$ONLY" | cut -d' ' -f1)
	sql "PRAGMA foreign_keys=ON;
	     CREATE TEMP TABLE gone AS SELECT r.object_id AS oid, o.pack_id AS pid FROM records r
	       JOIN objects o ON o.id = r.object_id WHERE r.archive_no = '$ONLY';
	     DELETE FROM records WHERE archive_no = '$ONLY';
	     DELETE FROM objects WHERE id IN (SELECT oid FROM gone);
	     DELETE FROM packs WHERE id IN (SELECT pid FROM gone)
	       AND NOT EXISTS (SELECT 1 FROM objects WHERE pack_id = packs.id)"
	check_says "record $ONLY was imported (ledger entry" "it was deleted behind the vault's back" \
		"a signed batch of 1 records of fonds 'Z110'"
	mkdir -p "$T/new" && echo "new" >"$T/new/n.txt"
	run as li import files "$T/new" --fonds Z109 --class other --year 2022
	status_is 0
	[ -f "$pack" ]
	check_says "the ledger says committed records live in it"
}

@test "item 6: creator, creation time and status edited with sqlite3: check names the record" {
	cp -a "$V" "$T/clean"
	for edit in "created_by = (SELECT id FROM users WHERE name = 'vv')" \
		"created = '2001-01-01T00:00:00Z'" "status = 'destroyed'"; do
		rm -rf "$V" && cp -a "$T/clean" "$V"
		sql "UPDATE records SET $edit WHERE archive_no = '$R1'"
		check_says "record $R1: its catalog row was changed after it was signed"
		run as vv show "$R1"
		[ "$status" -ne 0 ]
	done
}

@test "item 6: the fonds' name, USCC and status edited with sqlite3: check names the fonds" {
	cp -a "$V" "$T/clean"
	for edit in "name = 'Other Co'" "uscc = '91350100M000100Y43'" "created = '2001-01-01T00:00:00Z'"; do
		rm -rf "$V" && cp -a "$T/clean" "$V"
		sql "UPDATE fonds SET $edit WHERE code = 'Z110'"
		check_says "fonds 'Z110': its name, USCC or creation time in the catalog differ from what ledger entry"
	done
	rm -rf "$V" && cp -a "$T/clean" "$V"
	sql "UPDATE fonds SET status = 'deregistered' WHERE code = 'Z110'"
	check_says "fonds 'Z110' has the status deregistered"
}

@test "item 6: a record rolled back to its old signed state after an amend: check names it" {
	cp "$DB" "$T/old.db"
	run as li record amend "$R1" --title "corrected title"
	status_is 0
	run as li check
	status_is 0
	# the records and their batches as they were before the amend; the ledger stays
	sql "ATTACH '$T/old.db' AS old;
	     DELETE FROM record_batches; INSERT INTO record_batches SELECT * FROM old.record_batches;
	     UPDATE records SET meta = (SELECT meta FROM old.records o WHERE o.id = records.id),
	       digest = (SELECT digest FROM old.records o WHERE o.id = records.id),
	       batch_id = (SELECT batch_id FROM old.records o WHERE o.id = records.id)"
	check_says "record $R1: its signed state (ledger entry" "is older than ledger entry" \
		"that last changed it: the catalog was rolled back"
}

@test "item 6: a record inserted behind the vault's back is named" {
	sql "INSERT INTO records (fonds_id, archive_no, class, year, retention, org, item, object_id, size,
	       dedup, meta, status, created, created_by)
	     SELECT fonds_id, 'Z109-QT${DOT}2020-D10-0004', class, year, retention, org, 4, object_id, size,
	       x'00', meta, status, created, created_by FROM records WHERE archive_no = '$R1'"
	check_says "record Z109-QT${DOT}2020-D10-0004 has no record.import entry in the ledger" \
		"record Z109-QT${DOT}2020-D10-0004 is not signed"
}

@test "item 5: the write key removed from the catalog is named, and no archivist re-keys the fonds" {
	sql "UPDATE fonds SET sign_pub = NULL WHERE code = 'Z109'"
	run as li ls
	check_says "fonds 'Z109': its write key was removed from the catalog"
	equal "$(sql "SELECT count(*) FROM fonds WHERE code = 'Z109' AND sign_pub IS NULL")" 1 "sign_pub"
}

@test "item 5: an archivist's grant completed by a viewer gives read only; an archivist's next open seals the write key" {
	as sec user add li2 --role archivist --new-password-file "$PW/li2" >/dev/null
	as sec user grant li2 Z109 >/dev/null
	as vv ls >/dev/null # the viewer holds the fonds key: she completes li2's grant
	run as li2 show "$R1"
	status_is 0
	mkdir -p "$T/new" && echo "new" >"$T/new/n.txt"
	run as li2 import files "$T/new" --fonds Z109 --class other --year 2022
	[ "$status" -ne 0 ]
	output_has "user 'li2' does not hold the write key of fonds 'Z109' yet"
	equal "$(sql "SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id
		WHERE u.name = 'li2' AND g.wslot IS NOT NULL")" 0 "li2's write key"
	as li ls >/dev/null # an archivist of the fonds opens the vault
	equal "$(sql "SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id
		WHERE u.name = 'li2' AND g.wslot IS NOT NULL")" 1 "li2's write key"
	equal "$(sql "SELECT count(*) FROM ledger WHERE instr(entry, '\"action\":\"grant.write\"') > 0")" 1 \
		"grant.write entries"
	run as li2 import files "$T/new" --fonds Z109 --class other --year 2022
	status_is 0
	run as li check
	status_is 0
}
