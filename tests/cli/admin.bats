#!/usr/bin/env bats
# Administration: disabling users, a fonds' status, a second fonds with the same credit
# code, ledger filters with user names, --json lists, and the distinct messages for a fonds
# key one does not hold.
#
#   CUSTODY=build/custody bats tests/cli/admin.bats

load helpers

setup_file() {
	build_template
}

setup() {
	common_setup
	make_vault
	mkdir -p "$T/in"
	echo "客户资料 one" >"$T/in/one.txt"
	echo "客户资料 two" >"$T/in/two.txt"
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >/dev/null
	A1="Z109-KH${DOT}2019-D30-0001"
	A2="Z109-KH${DOT}2019-D30-0002"
}

teardown() {
	common_teardown
}

# The JSON lines on stdin, parsed; fails on a line that is not one JSON object.
json_lines_ok() {
	py '
n = 0
for l in sys.stdin.read().splitlines():
    assert isinstance(json.loads(l), dict), l
    n += 1
print(n)
'
}

# ---- user disable / enable ----

@test "user disable: the right password no longer opens; slots, grants and the ledger stay" {
	slot_before=$(sqlite3 "$V/catalog.db" "SELECT hex(slot) FROM users WHERE name = 'li'")
	grants_before=$(sqlite3 "$V/catalog.db" "SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id WHERE u.name = 'li'")
	run as sec user disable li
	status_is 0
	output_has "disabled user 'li'"
	# the right password: exit 3, and the message says why
	run --separate-stderr as li ls
	status_is 3
	stderr_has "user 'li'" "disabled" "custody user enable li"
	[ -z "$output" ]
	# a wrong password does not learn that the account is disabled
	printf 'not-the-password\n' >"$T/bad"
	run "$CUSTODY" ls --user li --password-file "$T/bad"
	status_is 3
	equal "$output" "custody: wrong user name or password" "wrong password on a disabled account"
	for c in "show $A1" "get $A1" "fonds list" "log verify"; do
		# shellcheck disable=SC2086
		run as li $c
		status_is 3
		output_has "disabled"
	done
	# the key slot and the grants are still there
	equal "$(sqlite3 "$V/catalog.db" "SELECT hex(slot) FROM users WHERE name = 'li'")" "$slot_before" "li's slot"
	equal "$(sqlite3 "$V/catalog.db" "SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id WHERE u.name = 'li'")" "$grants_before" "li's grants"
	# listed as disabled, in text and JSON
	run as sec user list
	status_is 0
	[[ "$(grep '^li ' <<<"$output")" == *disabled* ]]
	[[ "$(grep '^sec ' <<<"$output")" == *enabled* ]]
	run --separate-stderr as aud user list --json
	status_is 0
	py '
us = {u["name"]: u for u in jl(sys.argv[1])}
assert us["li"]["disabled"] is True, us["li"]
assert all(us[n]["disabled"] is False for n in ("sec", "aud", "vv")), us
assert us["li"]["grants"] == [{"fonds": "Z109", "pending": False}], us["li"]
' "$output"
	# in the ledger: user.disable by sec (u1) of li (u2)
	last=$(as aud log show --json | tail -n 1)
	py '
e = json.loads(sys.argv[1])
assert e["action"] == "user.disable" and e["actor"] == "u1" and e["targets"] == ["u2"], e
' "$last"
	run as aud log verify
	status_is 0
}

@test "user enable: the user opens again with the same keys and grants; both logged" {
	as sec user disable li >/dev/null
	run as sec user enable li
	status_is 0
	output_has "enabled user 'li'"
	run as li get "$A1"
	status_is 0
	equal "$output" "客户资料 one" "li reads after enable"
	run as aud log show --action user. --json
	status_is 0
	py '
acts = [(e["action"], e["targets"]) for e in jl(sys.argv[1])]
assert acts[-2:] == [("user.disable", ["u2"]), ("user.enable", ["u2"])], acts
' "$output"
	# enabling again changes nothing and logs nothing
	n=$(count_entries)
	run as sec user enable li
	status_is 0
	output_has "already enabled"
	equal "$(count_entries)" "$n" "entries after a second enable"
	as sec user disable li >/dev/null
	n=$(count_entries)
	run as sec user disable li
	status_is 0
	output_has "already disabled"
	equal "$(count_entries)" "$n" "entries after a second disable"
}

@test "user disable: secadmin only; not oneself; not the last secadmin; unknown user" {
	for u in aud li vv; do
		run as $u user disable vv
		status_is 6
		output_has "may not disable users"
	done
	run as aud user enable vv
	status_is 6
	# the only secadmin cannot disable itself (it is also the last enabled one)
	run as sec user disable sec
	status_is 6
	output_has "cannot disable its own account"
	run as sec user disable nobody
	status_is 4
	output_has "no user 'nobody'"
	# a second secadmin may disable the first, and is then the last one enabled
	as sec user add sec2 --role secadmin --new-password-file "$PW/sys" >/dev/null
	CUSTODY_USER=sec2 CUSTODY_PASSWORD_FILE="$PW/sys" "$CUSTODY" user disable sec
	run as sec user list
	status_is 3
	run env CUSTODY_USER=sec2 CUSTODY_PASSWORD_FILE="$PW/sys" "$CUSTODY" user disable sec2
	status_is 6
	equal "$(sqlite3 "$V/catalog.db" "SELECT count(*) FROM users WHERE role = 'secadmin' AND disabled = 0")" 1 "enabled secadmins"
	# nothing of the refused attempts is in the ledger
	equal "$(as aud log show --action user.disable --json | wc -l)" 1 "user.disable entries"
}

@test "attack: re-enabling a disabled user by editing catalog.db is refused, and check names it" {
	as sec user disable li >/dev/null
	run as li ls
	status_is 3
	sqlite3 "$V/catalog.db" "UPDATE users SET disabled = 0 WHERE name = 'li'"
	# the flag is a plain column, but opening reads the ledger's last user.disable /
	# user.enable for the user (docs/security/grants.md): still shut
	run as li ls
	status_is 3
	output_has "the account of user 'li' is disabled (ledger entry"
	# what stays true: the ledger, which the edit cannot touch unnoticed, still says the
	# account was disabled and never enabled
	run as aud log show --action user. --json
	py '
acts = [(e["action"], e["targets"]) for e in jl(sys.argv[1])]
assert acts[-1] == ("user.disable", ["u2"]), acts
assert ("user.enable", ["u2"]) not in acts, acts
' "$output"
	run as aud log verify
	status_is 0
	# check compares the flag with the ledger's last word and names the edit (exit 5)
	run as aud check
	status_is 5
	output_has "user 'li' is enabled in the catalog, but ledger entry" "disabled it: the catalog was edited"
	# and the other way round: a user disabled by an edit, not by a secadmin
	sqlite3 "$V/catalog.db" "UPDATE users SET disabled = 1 WHERE name = 'vv'"
	run as aud check --json
	status_is 5
	py '
r = json.loads(sys.argv[1])
ps = [p["problem"] for p in r["problems"]]
assert any("user \x27vv\x27 is disabled in the catalog, but the ledger never disabled it" in p for p in ps), ps
assert any("user \x27li\x27 is enabled in the catalog" in p for p in ps), ps
' "$output"
	# the secadmin restores the decided state through custody; check is clean again
	as sec user disable li >/dev/null
	as sec user enable vv >/dev/null
	run as aud check
	status_is 0
}

@test "attack: a fonds status edited in catalog.db is named by check" {
	as li fonds status Z109 deregistered --date 2026-06-30 >/dev/null
	run as aud check
	status_is 0
	sqlite3 "$V/catalog.db" "UPDATE fonds SET status = 'operating', status_date = NULL WHERE code = 'Z109'"
	run as aud check
	status_is 5
	output_has "fonds 'Z109' has the status operating (no date) in the catalog, but the ledger says deregistered (2026-06-30)"
	sqlite3 "$V/catalog.db" "UPDATE fonds SET status = 'deregistered', status_date = '2026-06-29' WHERE code = 'Z109'"
	run as aud check
	status_is 5
	output_has "fonds 'Z109'" "(2026-06-29) in the catalog"
	sqlite3 "$V/catalog.db" "UPDATE fonds SET status_date = '2026-06-30' WHERE code = 'Z109'"
	run as aud check
	status_is 0
}

# ---- fonds status ----

@test "fonds status: set with a date, shown by fonds list (text and JSON), logged" {
	run as li fonds status Z109 deregistering --date 2026-03-31
	status_is 0
	output_has "Z109" "deregistering" "2026-03-31"
	run as li fonds list
	status_is 0
	line=$(grep '^Z109 ' <<<"$output")
	[[ "$line" == *deregistering*2026-03-31* ]] || { echo "$output"; false; }
	for u in li sec aud; do
		run --separate-stderr as $u fonds list --json
		status_is 0
		py '
fs = {f["code"]: f for f in jl(sys.argv[1])}
assert fs["Z109"]["status"] == "deregistering" and fs["Z109"]["status_date"] == "2026-03-31", fs
' "$output"
	done
	as li fonds status Z109 deregistered --date 2026-06-30 >/dev/null
	last=$(as aud log show --json | tail -n 1)
	py '
e = json.loads(sys.argv[1])
assert e["action"] == "fonds.status" and e["targets"] == ["Z109"] and e["actor"] == "u2", e
assert e["details"] == {"status": "deregistered", "date": "2026-06-30", "from": "deregistering"}, e
' "$last"
	# the same status and date again: nothing changes, nothing logged
	n=$(count_entries)
	as li fonds status Z109 deregistered --date 2026-06-30 >/dev/null
	equal "$(count_entries)" "$n" "entries after a repeated status"
	# a new fonds has no status date yet
	as li fonds add Z110 --name 'Other Co' >/dev/null
	run as li fonds list --json
	py '
fs = {f["code"]: f for f in jl(sys.argv[1])}
assert fs["Z110"]["status"] == "operating" and fs["Z110"]["status_date"] is None, fs
' "$output"
}

@test "fonds status: bad dates and statuses are usage errors; roles and grants are checked" {
	n=$(count_entries)
	for d in 2026-02-30 2026-2-3 20260301 2026-13-01 2026-00-10 yesterday "" 2026-03-31T00:00:00Z; do
		run as li fonds status Z109 transferring --date "$d"
		status_is 2
		output_has "is not a date"
	done
	run as li fonds status Z109 sold --date 2026-03-31
	status_is 2
	output_has "unknown fonds status 'sold'"
	run as li fonds status Z109 transferring
	status_is 2
	output_has "--date"
	# a viewer with the grant, an administrator, an archivist without the grant
	as sec user grant vv Z109 >/dev/null
	as li ls >/dev/null
	run as vv fonds status Z109 transferring --date 2026-03-31
	status_is 6
	run as sec fonds status Z109 transferring --date 2026-03-31
	status_is 6
	as sec user add li2 --role archivist --new-password-file "$PW/li2" >/dev/null
	run as li2 fonds status Z109 transferring --date 2026-03-31
	status_is 6
	output_has "not granted fonds 'Z109'"
	run as li fonds status Z999 transferring --date 2026-03-31
	status_is 4
	output_has "no fonds 'Z999'"
	# 2024 is a leap year
	run as li fonds status Z109 transferring --date 2024-02-29
	status_is 0
	equal "$(sqlite3 "$V/catalog.db" "SELECT status || ' ' || status_date FROM fonds WHERE code = 'Z109'")" \
		"transferring 2024-02-29" "stored status"
	# grant.add and grant.complete of vv, li's record.list, user.add of li2, fonds.status
	equal "$(count_entries)" $((n + 5)) "entries: grant, completion, listing, user, status"
}

# ---- the same credit code twice ----

@test "fonds add: a second fonds with the same USCC needs --force, which is logged" {
	run --separate-stderr as li fonds add Z110 --name '福州测试贸易有限公司（二）' --uscc "$USCC"
	status_is 1
	stderr_has "fonds 'Z109' already has the unified social credit code $USCC" "--force"
	equal "$(sqlite3 "$V/catalog.db" "SELECT count(*) FROM fonds WHERE code = 'Z110'")" 0 "Z110 rows"
	run as li fonds add Z110 --name '福州测试贸易有限公司（二）' --uscc "$USCC" --force
	status_is 0
	run as li fonds list --json
	py '
fs = {f["code"]: f for f in jl(sys.argv[1])}
assert fs["Z110"]["uscc"] == fs["Z109"]["uscc"] == sys.argv[2], fs
' "$output" "$USCC"
	run as aud log show --action fonds.add --json
	py '
es = jl(sys.argv[1])
assert es[-1]["targets"] == ["Z110"] and es[-1]["details"]["same_uscc_as"] == "Z109", es[-1]
assert "same_uscc_as" not in es[0]["details"], es[0]
' "$output"
	# a different valid code needs no --force; an existing fonds code is still refused as such
	run as li fonds add Z111 --name 'Third' --uscc 91110000100000000C
	[ "$status" -eq 0 ] || [[ "$output" == *"not a valid unified social credit code"* ]]
	run as li fonds add Z109 --name 'Again' --uscc "$USCC"
	status_is 1
	output_has "fonds 'Z109' already exists"
}

# ---- log show filters ----

@test "log show --actor / --action / --record: only matching entries, byte for byte as stored" {
	as li get "$A1" >/dev/null
	as li get "$A2" >/dev/null
	as sec user grant vv Z109 >/dev/null
	all=$(as aud log show --json)
	for args in "--actor li" "--actor sec" "--action record." "--action record.read" "--action user.add" \
		"--record $A1" "--actor li --action record.read --record $A2" "--from 5 --actor li"; do
		# shellcheck disable=SC2086
		run --separate-stderr as aud log show $args --json
		status_is 0
		py '
allv = sys.argv[1].splitlines()
got = sys.argv[2].splitlines()
args = sys.argv[3].split()
ids = {"li": "u2", "sec": "u1"}
def want(line):
    e = json.loads(line)
    for k, v in zip(args[::2], args[1::2]):
        if k == "--actor" and e["actor"] != ids[v]: return False
        if k == "--action" and not e["action"].startswith(v): return False
        if k == "--record" and v not in e["targets"]: return False
        if k == "--from" and e["seq"] < int(v): return False
    return True
exp = [l for l in allv if want(l)]
assert exp, ("the filter should match something", args)
assert got == exp, (args, got, exp)
' "$all" "$output" "$args"
	done
	# a user who did nothing, an action nobody did, a record nobody touched: nothing, exit 0
	for args in "--actor vv" "--actor aud" "--action destroy." "--record Z109-KH${DOT}2019-D30-0099" \
		"--actor li --action user."; do
		# shellcheck disable=SC2086
		run --separate-stderr as aud log show $args --json
		status_is 0
		equal "$output" "" "output of log show $args"
	done
	run --separate-stderr as aud log show --actor vv
	status_is 0
	equal "$output" "" "text output for vv"
	stderr_has "no ledger entry matches"
	# an unknown user is an error, not an empty answer
	run as aud log show --actor nobody
	status_is 4
	output_has "no user 'nobody'"
	# content roles read no ledger, filtered or not, and learn nothing about users
	run as li log show --actor sec
	status_is 6
	run as vv log show --actor nobody
	status_is 6
}

@test "log show --since / --until: dates and RFC 3339 times, inclusive, combinable" {
	all=$(as aud log show --json)
	n=$(wc -l <<<"$all")
	today=$(date -u +%F)
	yesterday=$(date -u -d yesterday +%F)
	tomorrow=$(date -u -d tomorrow +%F)
	count() { as aud log show "$@" --json | wc -l; }
	equal "$(count --since "$today")" "$n" "since today"
	equal "$(count --until "$today")" "$n" "until today (the whole day)"
	equal "$(count --since "$today" --until "$today")" "$n" "today"
	equal "$(count --since "$yesterday")" "$n" "since yesterday"
	equal "$(count --since "$tomorrow")" 0 "since tomorrow"
	equal "$(count --until "$yesterday")" 0 "until yesterday"
	# the time of the last entry, in UTC and as the same instant in +08:00
	t=$(tail -n 1 <<<"$all" | json_field time)
	t8=$(py '
import datetime
t = datetime.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
print(t.astimezone(datetime.timezone(datetime.timedelta(hours=8))).isoformat())
' "$t")
	[[ "$t8" == *+08:00 ]]
	after=$(py '
import datetime
t = datetime.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(seconds=1)
print(t.strftime("%Y-%m-%dT%H:%M:%SZ"))
' "$t")
	last_n=$(py '
print(sum(1 for l in sys.argv[1].splitlines() if json.loads(l)["time"] == sys.argv[2]))
' "$all" "$t")
	equal "$(count --since "$t")" "$last_n" "since the last entry's time"
	equal "$(count --since "$t8")" "$last_n" "since the same time in +08:00"
	equal "$(count --since "${t%Z}.999Z")" "$last_n" "a fraction is ignored"
	equal "$(count --since "$after")" 0 "since one second after the last entry"
	equal "$(count --until "$t8")" "$n" "until the last entry's time"
	equal "$(count --since "$today" --action record.import)" 2 "combined with --action"
	# bad dates: usage errors
	for d in 2026-02-30 2026-11-30T25:00:00Z 2026-11-30T10:00:00 2026-11-30T10:00:00+0800 now ""; do
		run as aud log show --since "$d"
		status_is 2
		output_has "is not a date or time"
	done
	run as aud log show --since "$tomorrow" --until "$yesterday"
	status_is 1
	output_has "after --until"
}

@test "log show: names next to ids for the roles that read the ledger, never in the entries" {
	as sec user disable vv >/dev/null
	for u in aud sec; do
		run --separate-stderr as $u log show --action user.disable
		status_is 0
		# seq, the actor's name, the entry as stored, the names of the users it is about
		[[ "$output" =~ ^\ +[0-9]+\ \ sec\ +\{.*\"action\":\"user.disable\",\"targets\":\[\"u4\"\].*\}\ \ u4=vv$ ]] ||
			{ echo "$output"; false; }
	done
	# the JSON lines are the stored entries: no names in them
	run --separate-stderr as aud log show --json
	for bad in '"sec"' '"li"' '"vv"' '"aud"' 'u4=vv'; do
		output_lacks "$bad"
	done
	equal "$(as aud log show --json | sha256sum)" \
		"$(sqlite3 "$V/catalog.db" "SELECT CAST(entry AS TEXT) FROM ledger ORDER BY seq" | sha256sum)" "JSON output vs stored entries"
}

# ---- JSON lists ----

@test "--json everywhere a list is printed: valid JSON lines, grants as an array of objects" {
	as sec user grant vv Z109 >/dev/null
	as li fonds status Z109 transferring --date 2026-03-31 >/dev/null
	as sec user add li2 --role archivist --new-password-file "$PW/li2" >/dev/null
	as sec user grant li2 Z109 >/dev/null
	as sec user disable li2 >/dev/null
	for cmd in "sec user list" "aud user list" "li fonds list" "sec fonds list" "aud log show" \
		"aud log show --actor li" "sec log show --action grant."; do
		# shellcheck disable=SC2086
		out=$(as $cmd --json)
		n=$(json_lines_ok <<<"$out") || { echo "not JSON lines: $cmd"; echo "$out"; false; }
		[ "$n" -gt 0 ] || { echo "no lines from $cmd"; false; }
	done
	run --separate-stderr as sec user list --json
	py '
us = {u["name"]: u for u in jl(sys.argv[1])}
assert set(us) == {"sec", "li", "aud", "vv", "li2"}, us
for u in us.values():
    assert list(u) == ["id", "name", "role", "disabled", "created", "grants"], u
    assert isinstance(u["grants"], list) and all(set(g) == {"fonds", "pending"} for g in u["grants"]), u
# li granted itself at creation, vv completed when li opened; li2 is disabled, so li did
# not seal the fonds key to it: still pending
assert us["li"]["grants"] == [{"fonds": "Z109", "pending": False}], us["li"]
assert us["vv"]["grants"] == [{"fonds": "Z109", "pending": False}], us["vv"]
assert us["li2"]["grants"] == [{"fonds": "Z109", "pending": True}] and us["li2"]["disabled"] is True, us["li2"]
assert us["aud"]["grants"] == [] and us["sec"]["role"] == "secadmin", us
' "$output"
	# the text form marks the pending grant with '*'
	run as sec user list
	[[ "$(grep '^li2 ' <<<"$output")" == *"Z109*"* ]]
	# enabled again, li2's grant is completed by the next key holder
	as sec user enable li2 >/dev/null
	as li ls >/dev/null
	run --separate-stderr as sec user list --json
	py '
us = {u["name"]: u for u in jl(sys.argv[1])}
assert us["li2"]["grants"] == [{"fonds": "Z109", "pending": False}], us["li2"]
' "$output"
}

# ---- no key: three different answers ----

@test "no fonds key: 'not granted', 'grant pending' and 'no such fonds' are distinct" {
	as li fonds add Z110 --name 'Other Co' >/dev/null
	as sec user grant vv Z109 >/dev/null
	# pending: li has not opened the vault since the grant
	run --separate-stderr as vv ls --fonds Z109
	[ "$status" -ne 0 ]
	stderr_has "the grant of fonds 'Z109' to user 'vv' is pending until a holder of the fonds key opens the vault"
	# not granted
	run --separate-stderr as vv ls --fonds Z110
	status_is 6
	stderr_has "user 'vv' is not granted fonds 'Z110'" "custody user grant vv Z110"
	# no such fonds
	run --separate-stderr as vv ls --fonds Z999
	[ "$status" -ne 0 ]
	stderr_has "no fonds 'Z999'"
	run --separate-stderr as li fonds status Z999 operating --date 2026-01-01
	status_is 4
	# the grant completes when li opens; then vv reads
	as li ls >/dev/null
	run as vv ls --fonds Z109
	status_is 0
	output_has "$A1"
}

@test "help for the new sub-commands" {
	for c in "user disable" "user enable" "fonds status" "log show"; do
		# shellcheck disable=SC2086
		run "$CUSTODY" $c --help
		status_is 0
		output_has "usage: custody $c"
	done
	run "$CUSTODY" log show --help
	output_has "--actor NAME" "--action ACTION" "--record ARCHIVE_NO" "--since DATE" "--until DATE" "user names"
}

@test "log show: a damaged entry matches no filter, is still listed unfiltered, and log verify names it" {
	sqlite3 "$V/catalog.db" "UPDATE ledger SET entry = CAST('{\"seq\":3,\"time\":\"2026-01-01T00:00:00Z\",\"actor\":\"u1\",\"action\":\"user.add\",\"targets\":[\"u2' AS BLOB) WHERE seq = 3"
	run --separate-stderr as aud log show --action user.add --json
	status_is 0
	py '
seqs = [e["seq"] for e in jl(sys.argv[1])]
assert 3 not in seqs and seqs == [2, 4, 5], seqs
' "$output"
	run --separate-stderr as aud log show --since 2020-01-01
	status_is 0
	[[ "$output" != *'"seq":3,'* ]]
	run --separate-stderr as aud log show --from 3
	status_is 0
	[[ "$(head -n 1 <<<"$output")" == *'"targets":["u2'* ]]
	run as aud log verify
	status_is 5
	output_has "entry 3"
}

@test "the new messages in Chinese (LANGUAGE=zh_CN)" {
	dir="${CUSTODY_LOCALEDIR:-$(dirname "$CUSTODY")/po}"
	[ -f "$dir/zh_CN/LC_MESSAGES/custody.mo" ] || skip "no compiled zh_CN catalog at $dir"
	as sec user disable vv >/dev/null
	run env CUSTODY_LOCALEDIR="$dir" LANGUAGE=zh_CN CUSTODY_USER=vv CUSTODY_PASSWORD_FILE="$PW/vv" "$CUSTODY" ls
	status_is 3
	output_has "用户“vv”的账户已停用" "custody user enable vv"
	run env CUSTODY_LOCALEDIR="$dir" LANGUAGE=zh_CN CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" "$CUSTODY" fonds status Z109 sold --date 2026-01-01
	status_is 2
	output_has "未知的全宗状态“sold”"
	run env CUSTODY_LOCALEDIR="$dir" LANGUAGE=zh_CN CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" "$CUSTODY" fonds status Z109 transferring --date 2026-03-31
	status_is 0
	output_has "全宗 Z109：自 2026-03-31 起为 transferring"
}
