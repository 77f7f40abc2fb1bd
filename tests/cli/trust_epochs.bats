#!/usr/bin/env bats
# Issue 6, item 7, second half: fonds key epochs.  A revocation or a password reset
# moves the fonds' key to a new epoch at the next key holder's log-in: records written
# after it are sealed under a key the person whose grant ended never had, while every
# current holder keeps reading the old ones.  The attacker keeps a copy of the vault from
# while she was granted, and can read the live vault's files (tests/tools/old-key tries
# every key she had on them, as code of her own would); or she makes the next epoch
# herself with custody's own code (old-key plant).  docs/security/grants.md "Fonds key
# epochs" describes each.
#
#   CUSTODY=build/custody bats tests/cli/trust_epochs.bats

load helpers

OLDKEY="${CUSTODY_TOOLS:-$(dirname "$CUSTODY")/tests/tools}/old-key"

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
	mkdir -p "$T/in" "$T/in2"
	echo "客户资料 one" >"$T/in/one.txt"
	echo "客户资料 two, after the revocation" >"$T/in2/two.txt"
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >/dev/null
	A1="Z109-KH${DOT}2019-D30-0001"
	A2="Z109-KH${DOT}2019-D30-0002"
	printf 'pw-li2-correct-horse\n' >"$PW/li2"
	as sec user add li2 --role archivist --new-password-file "$PW/li2" >/dev/null
	as sec user grant li2 Z109 >/dev/null
	as sec user grant vv Z109 >/dev/null
	as li ls >/dev/null # completes both grants
}

teardown() {
	common_teardown
}

sql() {
	sqlite3 "$V/catalog.db" "$@"
}

epochs() {
	sql "SELECT count(*) FROM fonds_epochs e JOIN fonds f ON f.id = e.fonds_id WHERE f.code = 'Z109'"
}

@test "item 7 (epochs): a revocation moves the fonds to a new key epoch at the next key holder's log-in" {
	[ "$(epochs)" = 0 ]
	as sec user revoke vv Z109 >/dev/null
	# the secadmin holds no fonds key: nothing moves until a key holder opens the vault
	[ "$(epochs)" = 0 ]
	run as li ls
	status_is 0
	[ "$(epochs)" = 1 ]
	# logged, with the entry that made it due, and signed by the key holder who made it
	run sql "SELECT CAST(entry AS TEXT) FROM ledger WHERE CAST(entry AS TEXT) LIKE '%\"action\":\"fonds.rekey\"%'"
	[[ "$output" == *'"actor":"u2"'* ]]
	[[ "$output" == *'"targets":["Z109"]'* ]]
	[[ "$output" == *'"serial":1'* ]]
	# the next log-in finds nothing due: no second epoch
	as li ls >/dev/null
	as li2 ls >/dev/null
	[ "$(epochs)" = 1 ]
	# every remaining holder reads old and new records; the log verifies; check is clean
	as li import files "$T/in2" --fonds Z109 --class customer --year 2019 >/dev/null
	run as li2 get "$A1" -o -
	status_is 0
	output_has "客户资料 one"
	run as li2 get "$A2" -o -
	status_is 0
	output_has "after the revocation"
	run as aud log verify
	status_is 0
	run as aud check
	status_is 0
	run as li check
	status_is 0
	output_has "2 verified"
}

@test "item 7 (epochs): a copy from before the revocation and the old password do not open records written after it, even with code of one's own" {
	[ -x "$OLDKEY" ] || skip "tests/tools/old-key not built"
	cp -a "$V" "$T/old-vault"
	as sec user revoke vv Z109 >/dev/null
	as li import files "$T/in2" --fonds Z109 --class customer --year 2019 >/dev/null
	# every key vv had, tried on the live vault's catalog rows and pack files
	run "$OLDKEY" "$T/old-vault" vv "$PW/vv" "$V" "$A1" "$A2"
	status_is 0
	output_has "$A1 meta:readable object:readable"
	output_has "$A2 meta:unreadable object:unreadable"
	# the tool can read when the key fits: li's copy from today opens both
	cp -a "$V" "$T/today"
	run "$OLDKEY" "$T/today" li "$PW/li" "$V" "$A2"
	output_has "$A2 meta:readable object:readable"
}

@test "item 7 (epochs): a password reset moves the key on; the reset user reads every epoch again once her grant is completed" {
	[ -x "$OLDKEY" ] || skip "tests/tools/old-key not built"
	cp -a "$V" "$T/old-vault"
	printf 'pw-li2-after-reset\n' >"$T/li2-new"
	as sec user passwd li2 --new-password-file "$T/li2-new" >/dev/null
	# li's log-in completes li2's grant again and moves the fonds to epoch 1
	as li ls >/dev/null
	[ "$(epochs)" = 1 ]
	as li import files "$T/in2" --fonds Z109 --class customer --year 2019 >/dev/null
	run env CUSTODY_USER=li2 CUSTODY_PASSWORD_FILE="$T/li2-new" "$CUSTODY" get "$A1" -o -
	status_is 0
	output_has "客户资料 one"
	run env CUSTODY_USER=li2 CUSTODY_PASSWORD_FILE="$T/li2-new" "$CUSTODY" get "$A2" -o -
	status_is 0
	output_has "after the revocation"
	# whoever kept the old password and a copy: not the record written after the reset
	run "$OLDKEY" "$T/old-vault" li2 "$PW/li2" "$V" "$A1" "$A2"
	output_has "$A1 meta:readable"
	output_has "$A2 meta:unreadable object:unreadable"
}

@test "item 7 (epochs): a revoked user who makes the next epoch herself (a key she knows) is refused at the next log-in, and check names it" {
	[ -x "$OLDKEY" ] || skip "tests/tools/old-key not built"
	cp -a "$V" "$T/old-vault"
	as sec user revoke vv Z109 >/dev/null
	# before any key holder logs in, vv makes epoch 1 with custody's own code: a new
	# key chained to the one she had, signed with her own certified key, logged as
	# fonds.rekey, and sealed into li's and li2's grant slots
	run "$OLDKEY" plant "$T/old-vault" vv "$PW/vv" "$V"
	status_is 0
	[ "$(epochs)" = 1 ]
	run --separate-stderr as li ls
	[ "$status" -ne 0 ]
	stderr_has "key epoch 1 of fonds 'Z109'"
	stderr_has "its signer did not hold the fonds when it was made"
	# nothing could be written under her key
	run as li import files "$T/in2" --fonds Z109 --class customer --year 2019
	[ "$status" -ne 0 ]
	[ "$(sql "SELECT count(*) FROM records")" = 1 ]
	run as aud check
	status_is 5
	output_has "key epoch 1 of fonds 'Z109'"
	output_has "its signer did not hold the fonds when it was made"
}

@test "item 7 (epochs): an epoch row edited or planted with sqlite3 is refused and named" {
	as sec user revoke vv Z109 >/dev/null
	as li ls >/dev/null
	[ "$(epochs)" = 1 ]
	sql ".backup '$T/good.db'"
	# the signature no longer covers the row
	sql "UPDATE fonds_epochs SET sig = zeroblob(64)"
	run --separate-stderr as li ls
	[ "$status" -ne 0 ]
	stderr_has "key epoch 1 of fonds 'Z109'"
	stderr_has "its signature does not verify"
	run as aud check
	status_is 5
	output_has "its signature does not verify"
	# a second epoch copied from the first: no fonds.rekey entry says so
	cp "$T/good.db" "$V/catalog.db"
	rm -f "$V/catalog.db-wal" "$V/catalog.db-shm"
	sql "INSERT INTO fonds_epochs SELECT fonds_id, 2, key_id, prev, rslot, seq, signer, signer_serial, sig, created FROM fonds_epochs"
	run --separate-stderr as li2 ls
	[ "$status" -ne 0 ]
	stderr_has "key epoch 2 of fonds 'Z109'"
	stderr_has "its fonds.rekey entry in the ledger is missing or says otherwise"
	# the row deleted: the slot's key is none of the fonds' epochs
	cp "$T/good.db" "$V/catalog.db"
	rm -f "$V/catalog.db-wal" "$V/catalog.db-shm"
	sql "DELETE FROM fonds_epochs"
	run --separate-stderr as li ls
	[ "$status" -ne 0 ]
	stderr_has "holds a key that is none of the fonds' key epochs"
}

@test "item 7 (epochs): a holder whose slot still holds the old epoch reads old records but writes none" {
	sql ".backup '$T/before.db'"
	as sec user revoke vv Z109 >/dev/null
	as li ls >/dev/null
	as li import files "$T/in2" --fonds Z109 --class customer --year 2019 >/dev/null
	# li2's slot put back to the epoch-0 key (the rest of the row as it is)
	sql "ATTACH '$T/before.db' AS old;
		UPDATE grants SET slot = (SELECT o.slot FROM old.grants o WHERE o.user_id = grants.user_id AND o.fonds_id = grants.fonds_id)
		WHERE user_id = (SELECT id FROM users WHERE name = 'li2')"
	run as li2 get "$A1" -o -
	status_is 0
	output_has "客户资料 one"
	run --separate-stderr as li2 get "$A2" -o -
	[ "$status" -ne 0 ]
	stderr_has "metadata fails authentication"
	mkdir -p "$T/in3"
	echo "three" >"$T/in3/three.txt"
	run --separate-stderr as li2 import files "$T/in3" --fonds Z109 --class customer --year 2019
	[ "$status" -ne 0 ]
	stderr_has "moved to a new key epoch that is not sealed to user 'li2'"
	[ "$(sql "SELECT count(*) FROM records")" = 2 ]
}

@test "item 7 (epochs): the recovery key opens the newest epoch, and with it every older one" {
	as sec user revoke vv Z109 >/dev/null
	as li ls >/dev/null
	as li import files "$T/in2" --fonds Z109 --class customer --year 2019 >/dev/null
	as sec user revoke li2 Z109 >/dev/null
	as li ls >/dev/null
	[ "$(epochs)" = 2 ]
	run --separate-stderr as sec user revoke li Z109
	status_is 0
	stderr_has "fonds Z109 now has no key holder"
	run as sec recovery grant --recovery-file "$REC" Z109 vv
	status_is 0
	run as vv get "$A1" -o -
	status_is 0
	output_has "客户资料 one"
	run as vv get "$A2" -o -
	status_is 0
	output_has "after the revocation"
	run as aud check
	status_is 0
}

@test "item 7 (epochs): an archivist who kept the old keys writes a record after her grant ended: check names it" {
	[ -x "$OLDKEY" ] || skip "tests/tools/old-key not built"
	cp -a "$V" "$T/old-vault"
	as sec user revoke li2 Z109 >/dev/null
	as li ls >/dev/null # epoch 1
	# li2, still a user, imports with the fonds key and write key of her copy: custody's
	# own import, so the batch is signed with the write key and logged as hers
	mkdir -p "$T/late"
	echo "forged later" >"$T/late/late.txt"
	run "$OLDKEY" write "$T/old-vault" li2 "$PW/li2" "$V" Z109 "$T/late"
	status_is 0
	run as aud check
	status_is 5
	output_has "record $A2 was written (ledger entry"
	output_has "whose grant of its fonds had ended (ledger entry"
	# the key holders' own records are not named
	output_lacks "record $A1 was written"
}
