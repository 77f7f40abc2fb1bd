#!/usr/bin/env bats
# custody init, help and usage errors, users, fonds, the common options.
#
#   CUSTODY=build/custody bats tests/cli/vault.bats

load helpers

setup_file() {
	build_template
}

setup() {
	common_setup
}

teardown() {
	common_teardown
}

@test "init: creates a vault with its marker, catalog and object store" {
	run --separate-stderr "$CUSTODY" init --vault "$V" --user sec --password-file "$PW/sec" --kdf-cost 10
	status_is 0
	output_has "created vault '$V'; first user 'sec' (secadmin)" "RECOVERY KEY"
	[[ "$output" =~ CUSTODY-RECOVERY-1-[0-9a-f]{64} ]]
	[ -f "$V/CUSTODY-VAULT" ]
	[ -f "$V/catalog.db" ]
	[ -d "$V/objects" ]
	grep -Eq '^id: [0-9a-f]{32}$' "$V/CUSTODY-VAULT"
	# the first user can open it; the ledger holds the creation
	run --separate-stderr as sec user list --json
	status_is 0
	[ "$(echo "$output" | json_field name)" = sec ]
	[ "$(echo "$output" | json_field role)" = secadmin ]
	run --separate-stderr as sec log show --json
	status_is 0
	output_has '"seq":1,' '"action":"vault.init"' '"action":"user.add"'
	# a vault is created for its owner only
	[ "$(stat -c %a "$V")" = 700 ]
}

@test "init: --json and --recovery-file (new file, mode 0600, key not printed)" {
	run --separate-stderr "$CUSTODY" init --vault "$V" --user sec --password-file "$PW/sec" \
		--kdf-cost 10 --recovery-file "$T/rk" --json
	status_is 0
	[ "$(stat -c %a "$T/rk")" = 600 ]
	grep -Eqx 'CUSTODY-RECOVERY-1-[0-9a-f]{64}' "$T/rk"
	py 'o = json.loads(sys.argv[1]); assert o["user"] == "sec" and o["role"] == "secadmin", o
assert "recovery_key" not in o, o' "$output"
	output_lacks "$(cat "$T/rk")"
	# without the file, the key is in the JSON
	run --separate-stderr "$CUSTODY" init --vault "$T/v2" --user sec --password-file "$PW/sec" --kdf-cost 10 --json
	status_is 0
	py 'o = json.loads(sys.argv[1]); assert re.fullmatch(r"CUSTODY-RECOVERY-1-[0-9a-f]{64}", o["recovery_key"]), o' "$output"
}

@test "init: refuses a non-empty directory and changes nothing in it" {
	mkdir -p "$V/sub"
	echo keep >"$V/mine.txt"
	echo more >"$V/sub/other.txt"
	before=$(tree_state "$V")
	run "$CUSTODY" init --vault "$V" --user sec --password-file "$PW/sec" --kdf-cost 10
	[ "$status" -ne 0 ]
	status_is 1
	output_has "custody: $V is not empty: a vault is created in a new or empty directory"
	equal "$(tree_state "$V")" "$before" "directory contents"
}

@test "init: refuses an existing vault, which stays usable" {
	make_vault
	before=$(tree_state "$V")
	run "$CUSTODY" init --vault "$V" --user other --password-file "$PW/li" --kdf-cost 10
	status_is 1
	output_has "is not empty"
	equal "$(tree_state "$V")" "$before" "vault contents"
	run --separate-stderr as li fonds list --json
	status_is 0
	output_has '"code":"Z109"'
}

@test "init: an empty existing directory is accepted" {
	mkdir -m 700 "$V"
	run "$CUSTODY" init --vault "$V" --user sec --password-file "$PW/sec" --kdf-cost 10
	status_is 0
	[ -f "$V/CUSTODY-VAULT" ]
}

@test "init: bad arguments fail before anything is created" {
	run "$CUSTODY" init --vault "$V" --password-file "$PW/sec"
	status_is 2
	output_has "no user given"
	run "$CUSTODY" init --vault "$V" --user sec --password-file "$PW/sec" --kdf-cost 9
	status_is 2
	run "$CUSTODY" init --vault "$V" --user sec --password-file "$PW/sec" --kdf-cost 23
	status_is 2
	printf 'short\n' >"$T/short"
	run "$CUSTODY" init --vault "$V" --user sec --password-file "$T/short" --kdf-cost 10
	status_is 1
	output_has "password too short"
	run "$CUSTODY" init --vault "$V" --user 'Bad Name' --password-file "$PW/sec" --kdf-cost 10
	status_is 1
	output_has "user name 'Bad Name' is not valid"
	: >"$T/empty"
	run "$CUSTODY" init --vault "$V" --user sec --password-file "$T/empty" --kdf-cost 10
	status_is 1
	output_has "is empty"
	run "$CUSTODY" init --vault "$V" --user sec --password-file "$T/missing" --kdf-cost 10
	[ "$status" -ne 0 ]
	output_has "cannot read password file"
	[ ! -e "$V" ]
}

@test "help: custody --help, -h and help print the usage, the commands and the exit codes" {
	for h in --help -h help; do
		run --separate-stderr "$CUSTODY" $h
		status_is 0
		output_has "usage: custody <command>" "exit codes:"
		for c in init user fonds import ls show get check log; do
			[[ "$output" == *"  $c "* ]]
		done
	done
}

@test "help: every command and sub-command prints its usage and exits 0" {
	for c in init ls show get check "user add" "user list" "user passwd" "user grant" \
		"user revoke" "fonds add" "fonds list" "import files" "log show" "log verify" \
		"log checkpoint" "log prove" "log key" user fonds import log; do
		for h in --help -h; do
			rc=0
			# shellcheck disable=SC2086 # "user add" is two words
			out=$("$CUSTODY" $c $h 2>"$T/err") || rc=$?
			if [ "$rc" -ne 0 ] || [[ "$out" != *usage:* ]] || [ -s "$T/err" ]; then
				echo "custody $c $h: exit $rc, stdout: $out, stderr: $(cat "$T/err")" >&2
				return 1
			fi
		done
	done
	# --help needs no vault and no user, even with other arguments
	run "$CUSTODY" import files /nonexistent --fonds X --help
	status_is 0
	output_has "usage: custody import files DIR"
}

@test "usage errors: unknown command, sub-command or option, missing arguments exit 2" {
	run "$CUSTODY"
	status_is 2
	output_has "usage: custody"
	run "$CUSTODY" frobnicate
	status_is 2
	output_has "'frobnicate' is not a custody command"
	run "$CUSTODY" user frobnicate
	status_is 2
	output_has "'frobnicate' is not a sub-command of 'user'"
	run "$CUSTODY" user
	status_is 2
	run "$CUSTODY" ls --frobnicate
	status_is 2
	output_has "unknown option '--frobnicate'"
	run "$CUSTODY" ls -x
	status_is 2
	run "$CUSTODY" get
	status_is 2
	output_has "wrong number of arguments"
	run "$CUSTODY" get a b
	status_is 2
	run "$CUSTODY" show
	status_is 2
	run "$CUSTODY" ls --fonds
	status_is 2
	output_has "needs a value"
	run --separate-stderr "$CUSTODY" check --json=yes
	status_is 2
	run "$CUSTODY" import files
	status_is 2
	run "$CUSTODY" log prove
	status_is 2
	# nothing was created by any of them
	[ ! -e "$T/custody-vault" ]
}

@test "no vault: a clear message and exit 4" {
	run as li ls
	status_is 4
	output_has "no vault at '$V'"
	run "$CUSTODY" ls --vault "$T/elsewhere" --user li --password-file "$PW/li"
	status_is 4
	output_has "no vault at '$T/elsewhere'"
	[ ! -e "$T/elsewhere" ]
}

@test "options and environment: --vault/--user/--password-file and CUSTODY_* agree" {
	make_vault
	run --separate-stderr env -u CUSTODY_VAULT "$CUSTODY" fonds list --json --vault "$V" --user li --password-file "$PW/li"
	status_is 0
	by_opts="$output"
	output_has '"code":"Z109"'
	run --separate-stderr env CUSTODY_VAULT="$V" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" "$CUSTODY" fonds list --json
	status_is 0
	equal "$output" "$by_opts" "output by environment and by options"
	# options win over the environment
	run env CUSTODY_USER=aud CUSTODY_PASSWORD_FILE="$PW/aud" "$CUSTODY" ls --user li --password-file "$PW/li"
	status_is 0
	# no user at all
	run env -u CUSTODY_USER "$CUSTODY" ls --password-file "$PW/li"
	status_is 1
	output_has "no user given"
	# the password is the first line of its file
	printf 'pw-li-correct-horse\nsecond line\n' >"$T/two-lines"
	run "$CUSTODY" ls --user li --password-file "$T/two-lines"
	status_is 0
	# no password file and no terminal: a clear error, not a hang
	run timeout 20 env -u CUSTODY_PASSWORD_FILE setsid "$CUSTODY" ls --user li </dev/null
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ]
	output_has "no password given"
}

@test "user: add, list and roles; duplicates and bad roles refused" {
	make_vault
	run as sec user add sys --role sysadmin --new-password-file "$PW/sys"
	status_is 0
	output_has "added user 'sys' (sysadmin)"
	run --separate-stderr as sec user list --json
	status_is 0
	py '
u = {r["name"]: r for r in jl(sys.argv[1])}
assert {n: r["role"] for n, r in u.items()} == {"sec": "secadmin", "li": "archivist",
    "aud": "auditor", "vv": "viewer", "sys": "sysadmin"}, u
assert u["li"]["grants"] == [{"fonds": "Z109", "pending": False}] and u["vv"]["grants"] == [] and u["aud"]["grants"] == [], u
' "$output"
	run as sec user add li --role viewer --new-password-file "$PW/vv"
	status_is 1
	output_has "user 'li' already exists"
	run as sec user add newbie --role overlord --new-password-file "$PW/vv"
	[ "$status" -ne 0 ]
	output_has "unknown role 'overlord'"
	printf 'short\n' >"$T/short"
	run as sec user add newbie --role viewer --new-password-file "$T/short"
	status_is 1
	output_has "password too short"
	run --separate-stderr as sec user list --json
	[ "$(echo "$output" | grep -c '^{')" -eq 5 ]
	# only a secadmin adds users
	run as li user add x --role viewer --new-password-file "$PW/vv"
	status_is 6
	run as aud user add x --role viewer --new-password-file "$PW/vv"
	status_is 6
}

@test "user passwd: the new password opens the vault, the old one no longer does" {
	make_vault
	mkdir -p "$T/in"
	echo one >"$T/in/a.txt"
	as li import files "$T/in" --fonds Z109 --class other --year 2020 >/dev/null
	printf 'a-brand-new-password\n' >"$T/new"
	run as li user passwd --new-password-file "$T/new"
	status_is 0
	run as li ls
	status_is 3
	output_has "wrong user name or password"
	run "$CUSTODY" ls --user li --password-file "$T/new"
	status_is 0
	output_has "Z109-QT${DOT}2020-D10-0001"
	run "$CUSTODY" get "Z109-QT${DOT}2020-D10-0001" --user li --password-file "$T/new"
	status_is 0
	[ "$output" = one ]
}

@test "user passwd NAME: a secadmin resets a lost password; grants wait for a key holder" {
	make_vault
	mkdir -p "$T/in"
	echo one >"$T/in/a.txt"
	as li import files "$T/in" --fonds Z109 --class other --year 2020 >/dev/null
	as sec user grant vv Z109 >/dev/null
	as li ls >/dev/null
	run as vv get "Z109-QT${DOT}2020-D10-0001"
	status_is 0
	printf 'reset-by-the-secadmin\n' >"$T/new"
	# only a secadmin may reset another user
	run as li user passwd vv --new-password-file "$T/new"
	status_is 6
	run as sec user passwd vv --new-password-file "$T/new"
	status_is 0
	run as vv ls
	status_is 3
	# the new key pair holds no fonds key until a holder opens the vault, and is told so
	run "$CUSTODY" get "Z109-QT${DOT}2020-D10-0001" --user vv --password-file "$T/new"
	status_is 6
	output_has "the grant of fonds 'Z109' to user 'vv' is pending until a holder of the fonds key opens the vault"
	as li ls >/dev/null
	run "$CUSTODY" get "Z109-QT${DOT}2020-D10-0001" --user vv --password-file "$T/new"
	status_is 0
	[ "$output" = one ]
	run as aud log show
	output_has '"action":"user.reset"'
	run as li check
	status_is 0
}

@test "fonds: add with a checked USCC and a DA/T 22 code; list" {
	make_vault
	run --separate-stderr as li fonds list --json
	status_is 0
	py '
f = jl(sys.argv[1])
assert len(f) == 1 and f[0]["code"] == "Z109" and f[0]["uscc"] == "91350100M000100Y43", f
assert f[0]["name"] == "福州测试贸易有限公司" and f[0]["records"] == 0, f
' "$output"
	run as li fonds add Z110 --name 'B' --uscc 91350100M000100Y44
	status_is 1
	output_has "'91350100M000100Y44' is not a valid unified social credit code"
	run as li fonds add Z1 --name 'B'
	status_is 1
	output_has "fonds code 'Z1' is not valid"
	run as li fonds add Z109 --name 'again'
	status_is 1
	output_has "fonds 'Z109' already exists"
	run as li fonds add Z110
	[ "$status" -ne 0 ]
	run as li fonds add Z110 --name 'Second Co' --uscc 91110000802100433B
	status_is 0
	run --separate-stderr as li fonds list --json
	[ "$(echo "$output" | json_field code | tr '\n' ' ')" = "Z109 Z110 " ]
	# the creator is granted the new fonds
	run --separate-stderr as sec user list --json
	py 'u = {r["name"]: r for r in jl(sys.argv[1])}; assert [g["fonds"] for g in u["li"]["grants"]] == ["Z109", "Z110"], u' "$output"
}

@test "successful init writes nothing on stderr (no warnings, no sanitizer reports)" {
	run --separate-stderr "$CUSTODY" init --vault "$V" --user sec --password-file "$PW/sec" --kdf-cost 10 --recovery-file "$T/rk"
	status_is 0
	equal "$stderr" "" "stderr of init"
}

@test "successful commands write nothing on stderr, on an empty vault and after an import" {
	make_vault
	# an empty vault: nothing to check yet
	for c in "check" "check --json" "ls" "log verify"; do
		# shellcheck disable=SC2086
		as li $c >/dev/null 2>"$T/err" || { echo "custody $c failed: $(cat "$T/err")" >&2; return 1; }
		equal "$(cat "$T/err")" "" "stderr of $c on an empty vault"
	done
	run --separate-stderr as sec user add li2 --role archivist --new-password-file "$PW/li2"
	status_is 0
	equal "$stderr" "" "stderr of user add"
	run --separate-stderr as li2 fonds add Z110 --name X --uscc 91110000802100433B
	status_is 0
	equal "$stderr" "" "stderr of fonds add"
	mkdir "$T/in"
	echo hello >"$T/in/a.txt"
	run --separate-stderr as li import files "$T/in" --fonds Z109 --class other --year 2020
	status_is 0
	equal "$stderr" "" "stderr of import"
	no=$(as li ls --json | json_field archive_no)
	for c in "ls" "show $no" "get $no" "check" "log verify" "log checkpoint" "log key"; do
		# shellcheck disable=SC2086
		as li $c >/dev/null 2>"$T/err" || { echo "custody $c failed: $(cat "$T/err")" >&2; return 1; }
		equal "$(cat "$T/err")" "" "stderr of $c"
	done
}
