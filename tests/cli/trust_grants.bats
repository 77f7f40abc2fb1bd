#!/usr/bin/env bats
# Issue 6, items 2, 3 and 7: users and grants that the ledger does not back, a revoked
# grant restored, an old password slot restored after a password change, and what a
# catalog backup with an old password still reads.  Each test does what the attacker did
# (sqlite3 on catalog.db, or tests/tools/insider-grants: an insider who unseals her own
# admin key and signs as custody would) and asserts that custody refuses or names it.
# docs/security/grants.md describes each.
#
#   CUSTODY=build/custody bats tests/cli/trust_grants.bats

load helpers

INSIDER="${CUSTODY_INSIDER:-$(dirname "$CUSTODY")/tests/tools/insider-grants}"

setup_file() {
	build_template
}

setup() {
	common_setup
	make_vault
	if [ -f "$BATS_FILE_TMPDIR/template.recovery" ]; then
		REC="$BATS_FILE_TMPDIR/template.recovery"
	else
		REC="$V.recovery"
	fi
	mkdir -p "$T/in"
	echo "客户资料 one" >"$T/in/one.txt"
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >/dev/null
	A1="Z109-KH${DOT}2019-D30-0001"
}

teardown() {
	common_teardown
}

sql() {
	sqlite3 "$V/catalog.db" "$@"
}

# The seq of the last ledger entry with this action.
last_seq() {
	sql "SELECT max(seq) FROM ledger WHERE CAST(entry AS TEXT) LIKE '%\"action\":\"$1\"%'"
}

# ---- item 2: users and grants without the ledger ----

@test "item 2: a user and an admin-signed pending grant inserted into the catalog are not completed" {
	[ -x "$INSIDER" ] || skip "tests/tools/insider-grants not built"
	printf 'pw-eve-correct-horse\n' >"$PW/eve"
	# the secadmin, with her own password and the files, writes a user row with a valid
	# certificate and a pending grant signed with the admin key, pointing at li's real
	# grant.add entry: no user.add, no grant.add for eve
	"$INSIDER" "$V" sec "$PW/sec" add-user eve viewer "$PW/eve"
	"$INSIDER" "$V" sec "$PW/sec" pending-grant eve Z109 "$(last_seq grant.add)"
	[ "$(sql "SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id WHERE u.name = 'eve'")" = 1 ]
	# check, before any key holder opens the vault, names the user and the grant
	run --separate-stderr as aud check
	status_is 5
	output_has "user 'eve' has no user.add entry in the ledger: it was inserted into the catalog directly"
	output_has "grant of fonds Z109 to user eve has no grant.add entry in the ledger"
	# the key holder's routine ls does not complete it
	run as li ls
	status_is 0
	output_has "$A1"
	[ "$(sql "SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id WHERE u.name = 'eve' AND g.slot IS NOT NULL")" = 0 ]
	[ "$(sql "SELECT count(*) FROM ledger WHERE CAST(entry AS TEXT) LIKE '%grant.reject%no grant.add entry%'")" = 1 ]
	# the inserted user reads nothing (opening lets an account without user.add in, since
	# a ledger cut back looks the same and the auditor must still log in; check names it)
	run --separate-stderr as eve get "$A1" -o "$T/out"
	[ "$status" -ne 0 ]
	stderr_has "not granted fonds 'Z109'"
	[ ! -e "$T/out" ]
	run as aud check
	status_is 5
	output_has "user 'eve' has no user.add entry in the ledger"
}

@test "item 2: a pending grant bound to no ledger entry is not completed, and the grantee cannot read" {
	[ -x "$INSIDER" ] || skip "tests/tools/insider-grants not built"
	# vv is a real user (user.add in the ledger); the grant is not
	"$INSIDER" "$V" sec "$PW/sec" pending-grant vv Z109 999999
	run as aud check
	status_is 5
	output_has "grant of fonds Z109 to user vv has no grant.add entry in the ledger"
	run as li ls
	status_is 0
	[ "$(sql "SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id WHERE u.name = 'vv'")" = 0 ]
	run --separate-stderr as vv get "$A1" -o "$T/out"
	[ "$status" -ne 0 ]
	stderr_has "not granted fonds 'Z109'"
	[ ! -e "$T/out" ]
}

@test "item 2: a grant made through custody is completed and bound to its grant.add entry" {
	as sec user grant vv Z109 >/dev/null
	as li ls >/dev/null
	run as vv get "$A1" -o "$T/out"
	status_is 0
	grep -q "客户资料 one" "$T/out"
	# the row names its entry, and the entry names the row's serial
	local seq serial
	seq=$(sql "SELECT g.seq FROM grants g JOIN users u ON u.id = g.user_id WHERE u.name = 'vv'")
	serial=$(sql "SELECT g.serial FROM grants g JOIN users u ON u.id = g.user_id WHERE u.name = 'vv'")
	[ "$serial" -ge 1 ]
	sql "SELECT CAST(entry AS TEXT) FROM ledger WHERE seq = $seq" | grep -q "\"action\":\"grant.add\".*\"serial\":$serial"
	run as aud check
	status_is 0
}

@test "item 2: check names a user row deleted from the catalog" {
	local vvid
	vvid=$(sql "SELECT id FROM users WHERE name = 'vv'")
	sql "DELETE FROM users WHERE name = 'vv'"
	run as aud check
	status_is 5
	output_has "ledger entry"
	output_has "added user u$vvid, but the catalog has no such user: the row was deleted"
}

@test "item 2: a disabled user's flag cleared in the catalog: the ledger keeps the account shut" {
	as sec user grant vv Z109 >/dev/null
	as sec user disable vv >/dev/null
	sql "UPDATE users SET disabled = 0 WHERE name = 'vv'"
	# the key holder does not complete the grant of a user the ledger disabled
	as li ls >/dev/null
	[ "$(sql "SELECT g.slot IS NULL FROM grants g JOIN users u ON u.id = g.user_id WHERE u.name = 'vv'")" = 1 ]
	run --separate-stderr as vv ls
	status_is 3
	stderr_has "the account of user 'vv' is disabled (ledger entry"
	run as aud check
	status_is 5
	output_has "user 'vv' is enabled in the catalog, but ledger entry"
	# enabled through custody: the grant completes and vv reads
	as sec user enable vv >/dev/null
	as li ls >/dev/null
	run as vv get "$A1" -o "$T/out"
	status_is 0
}

# ---- item 3: revocation undone ----

@test "item 3: a revoked grant's old row re-inserted from a backup is never used" {
	as sec user grant vv Z109 >/dev/null
	as li ls >/dev/null
	as vv get "$A1" -o "$T/before" >/dev/null
	sql ".backup '$T/backup.db'"
	run as sec user revoke vv Z109
	status_is 0
	# the attacker puts the old signed row back
	sql "ATTACH '$T/backup.db' AS old;
		INSERT INTO grants SELECT * FROM old.grants
		WHERE user_id = (SELECT id FROM users WHERE name = 'vv')"
	[ "$(sql "SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id WHERE u.name = 'vv' AND g.slot IS NOT NULL")" = 1 ]
	run --separate-stderr as vv get "$A1" -o "$T/out"
	[ "$status" -ne 0 ]
	stderr_has "grant of fonds Z109 to user vv"
	stderr_has "was ended by ledger entry"
	stderr_has "(grant.revoke)"
	[ ! -e "$T/out" ]
	run --separate-stderr as vv ls
	output_lacks "$A1"
	run as aud check
	status_is 5
	output_has "grant of fonds Z109 to user vv"
	output_has "(grant.revoke): the catalog row was restored or re-inserted"
}

@test "item 3: a revoked pending grant re-inserted is not completed by the next key holder" {
	as sec user grant vv Z109 >/dev/null
	sql ".backup '$T/backup.db'"
	as sec user revoke vv Z109 >/dev/null
	sql "ATTACH '$T/backup.db' AS old;
		INSERT INTO grants SELECT * FROM old.grants
		WHERE user_id = (SELECT id FROM users WHERE name = 'vv')"
	run as aud check
	status_is 5
	output_has "(grant.revoke): the catalog row was restored or re-inserted"
	as li ls >/dev/null
	[ "$(sql "SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id WHERE u.name = 'vv'")" = 0 ]
	run as vv get "$A1" -o "$T/out"
	[ "$status" -ne 0 ]
	[ ! -e "$T/out" ]
	# a new grant through custody works again
	as sec user grant vv Z109 >/dev/null
	as li ls >/dev/null
	run as vv get "$A1" -o "$T/out"
	status_is 0
}

@test "item 3: revoking the last key holder warns and the recovery key grants the fonds again" {
	run --separate-stderr as sec user revoke li Z109
	status_is 0
	stderr_has "fonds Z109 now has no key holder: its records can be reached again with 'custody recovery grant --recovery-file FILE Z109 USER'"
	run as li get "$A1" -o "$T/out"
	[ "$status" -ne 0 ]
	# a wrong recovery key is refused
	printf 'CUSTODY-RECOVERY-1-%064d\n' 0 >"$T/wrong.key"
	run --separate-stderr as sec recovery grant --recovery-file "$T/wrong.key" Z109 vv
	[ "$status" -ne 0 ]
	stderr_has "not the recovery key of this vault"
	# an administrative role never receives the key
	run --separate-stderr as sec recovery grant --recovery-file "$REC" Z109 aud
	[ "$status" -ne 0 ]
	stderr_has "administrative roles never hold fonds keys"
	run as sec recovery grant --recovery-file "$REC" Z109 vv
	status_is 0
	run as vv get "$A1" -o "$T/out"
	status_is 0
	grep -q "客户资料 one" "$T/out"
	[ "$(sql "SELECT count(*) FROM ledger WHERE CAST(entry AS TEXT) LIKE '%\"action\":\"grant.recover\"%'")" = 1 ]
	run as aud check
	status_is 0
}

# ---- item 7: old passwords come back ----

@test "item 7: a password change makes a new key pair; the old slot restored is refused" {
	# the insider keeps the old row outside the catalog (a table of her own in it would be
	# refused at open: trust_hygiene.bats)
	sql "ATTACH '$T/keep.db' AS k; CREATE TABLE k.old_li AS SELECT * FROM users WHERE name = 'li'"
	local pub0
	pub0=$(sql "SELECT hex(pub) FROM users WHERE name = 'li'")
	printf 'pw-li-new-password\n' >"$T/newpw"
	run as li user passwd --new-password-file "$T/newpw"
	status_is 0
	# new keys, certificate serial 2 (a roll-over signed by the old key)
	[ "$(sql "SELECT serial FROM users WHERE name = 'li'")" = 2 ]
	[ "$(sql "SELECT hex(pub) FROM users WHERE name = 'li'")" != "$pub0" ]
	[ "$(sql "SELECT count(*) FROM user_certs WHERE user_id = (SELECT id FROM users WHERE name = 'li')")" = 2 ]
	run env CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$T/newpw" "$CUSTODY" get "$A1" -o "$T/out"
	status_is 0
	grep -q "客户资料 one" "$T/out"
	run as li ls
	status_is 3
	# the attacker (or li with her old password) restores the old row: old slot, keys,
	# certificate and serial
	sql "ATTACH '$T/keep.db' AS k; UPDATE users SET pub = (SELECT pub FROM k.old_li),
		slot = (SELECT slot FROM k.old_li), sign_slot = (SELECT sign_slot FROM k.old_li),
		cert = (SELECT cert FROM k.old_li), upub = (SELECT upub FROM k.old_li),
		serial = (SELECT serial FROM k.old_li) WHERE name = 'li'"
	run --separate-stderr as li ls
	status_is 5
	stderr_has "the keys of user 'li' are not the current ones"
	stderr_has "(user.passwd, serial 2)"
	run as aud check
	status_is 5
	output_has "user 'li': the certificate serial in the catalog (serial 1) is not the one of ledger entry"
}

@test "item 7: a secadmin's next log-in certifies the rolled-over keys; check stays green" {
	printf 'pw-vv-new-password\n' >"$T/newpw"
	as sec user grant vv Z109 >/dev/null
	as li ls >/dev/null
	run env CUSTODY_USER=vv CUSTODY_PASSWORD_FILE="$T/newpw" "$CUSTODY" ls
	status_is 3
	as vv user passwd --new-password-file "$T/newpw" >/dev/null
	run env CUSTODY_USER=vv CUSTODY_PASSWORD_FILE="$T/newpw" "$CUSTODY" get "$A1" -o "$T/out"
	status_is 0
	run as aud check
	status_is 0
	as sec user list >/dev/null
	[ "$(sql "SELECT count(*) FROM ledger WHERE CAST(entry AS TEXT) LIKE '%\"action\":\"user.certify\"%\"serial\":2%'")" = 1 ]
	run env CUSTODY_USER=vv CUSTODY_PASSWORD_FILE="$T/newpw" "$CUSTODY" get "$A1" -o "$T/out2"
	status_is 0
	run as aud check
	status_is 0
}

@test "item 7: a catalog backup and an old password after revocation: what is readable" {
	as sec user grant vv Z109 >/dev/null
	as li ls >/dev/null
	# the old backup: the whole vault as it was while vv was granted Z109
	cp -a "$V" "$T/old-vault"
	as sec user revoke vv Z109 >/dev/null
	mkdir -p "$T/in2"
	echo "客户资料 after revocation" >"$T/in2/two.txt"
	as li import files "$T/in2" --fonds Z109 --class customer --year 2019 >/dev/null
	A2="Z109-KH${DOT}2019-D30-0002"
	# through custody on the live vault: nothing, whatever row vv restores from the backup
	sql "ATTACH '$T/old-vault/catalog.db' AS old;
		INSERT INTO grants SELECT * FROM old.grants
		WHERE user_id = (SELECT id FROM users WHERE name = 'vv')"
	run as vv get "$A2" -o "$T/out2"
	[ "$status" -ne 0 ]
	[ ! -e "$T/out2" ]
	run as vv get "$A1" -o "$T/out1"
	[ "$status" -ne 0 ]
	# the old copy itself still reads what was readable then (docs/security/grants.md:
	# without fonds key epochs the fonds key is the same, so code of one's own could also
	# decrypt later records' objects with it; custody does not)
	run env CUSTODY_VAULT="$T/old-vault" CUSTODY_USER=vv CUSTODY_PASSWORD_FILE="$PW/vv" \
		"$CUSTODY" get "$A1" -o "$T/old1"
	status_is 0
	grep -q "客户资料 one" "$T/old1"
	run env CUSTODY_VAULT="$T/old-vault" CUSTODY_USER=vv CUSTODY_PASSWORD_FILE="$PW/vv" \
		"$CUSTODY" get "$A2"
	[ "$status" -ne 0 ]
}

@test "item 7: a reset ends the user's old grants; restored, they are refused; a fonds left without holder is named" {
	sql ".backup '$T/backup.db'"
	printf 'pw-li-after-reset\n' >"$T/resetpw"
	run --separate-stderr as sec user passwd li --new-password-file "$T/resetpw"
	status_is 0
	# li was Z109's only key holder: the reset leaves the fonds without one
	stderr_has "fonds Z109 now has no key holder"
	# li's grant is pending again, under a new grant.add logged after the user.reset
	[ "$(sql "SELECT g.slot IS NULL FROM grants g JOIN users u ON u.id = g.user_id WHERE u.name = 'li'")" = 1 ]
	local reset add
	reset=$(last_seq user.reset)
	add=$(sql "SELECT seq FROM grants g JOIN users u ON u.id = g.user_id WHERE u.name = 'li'")
	[ "$add" -gt "$reset" ]
	# the old active row put back: ended by the reset, never used
	sql "DELETE FROM grants WHERE user_id = (SELECT id FROM users WHERE name = 'li');
		ATTACH '$T/backup.db' AS old;
		INSERT INTO grants SELECT * FROM old.grants
		WHERE user_id = (SELECT id FROM users WHERE name = 'li')"
	run --separate-stderr env CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$T/resetpw" "$CUSTODY" get "$A1" -o "$T/out"
	[ "$status" -ne 0 ]
	stderr_has "(user.reset)"
	[ ! -e "$T/out" ]
	run as aud check
	status_is 5
	output_has "grant of fonds Z109 to user li"
	output_has "(user.reset): the catalog row was restored or re-inserted"
	# the recovery key gives it back
	run as sec recovery grant --recovery-file "$REC" Z109 li
	status_is 0
	run env CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$T/resetpw" "$CUSTODY" get "$A1" -o "$T/out"
	status_is 0
	grep -q "客户资料 one" "$T/out"
	run as aud check
	status_is 0
}
