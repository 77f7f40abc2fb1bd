#!/usr/bin/env bats
# The CLI a user expects: options before the command, help, version, man pages
# that match the option tables, archive numbers typed without the middle dot,
# safe `get` output, plurals and translated values, Ctrl-C, make install.
#
#   CUSTODY=build/custody bats tests/cli/cli.bats

load helpers

setup_file() {
	build_template
}

setup() {
	common_setup
	make_vault
}

teardown() {
	common_teardown
}

# Three small records in Z109: Z109-WS·2019-D10-0001 .. 0003 (a.txt, b.txt, c.bin).
three_records() {
	mkdir -p "$T/in"
	printf 'alpha\n' >"$T/in/a.txt"
	printf 'beta\n' >"$T/in/b.txt"
	rand_file "$T/in/c.bin" 3000
	as li import files "$T/in" --fonds Z109 --class correspondence --year 2019 >/dev/null
}

@test "global options: before the command, after it, and between a group and its sub-command" {
	three_records
	unset CUSTODY_VAULT
	run --separate-stderr "$CUSTODY" --vault "$V" --user li --password-file "$PW/li" ls --json
	status_is 0
	before=$output
	[ "$(wc -l <<<"$before")" -eq 3 ]
	run --separate-stderr "$CUSTODY" ls --json --vault "$V" --user li --password-file "$PW/li"
	status_is 0
	equal "$output" "$before" "ls with the options after the command"
	run --separate-stderr "$CUSTODY" --vault="$V" --user=li ls --json --password-file="$PW/li"
	status_is 0
	equal "$output" "$before" "ls with --opt=value, mixed"
	run "$CUSTODY" --vault "$V" user --user sec --password-file "$PW/sec" list
	status_is 0
	output_has "li " "archivist"
	run "$CUSTODY" --vault "$V" --user sec --password-file "$PW/sec" log verify
	status_is 0
	output_has "ledger ok"
	# a command option before the command is not a global option
	run "$CUSTODY" --json ls
	status_is 2
	output_has "unknown option '--json'"
	run "$CUSTODY" --vault
	status_is 2
	output_has "option '--vault' needs a value"
	# the vault is checked before any password is asked for
	run "$CUSTODY" --vault "$T/nothing-here" --user li ls
	status_is 4
	output_has "no vault at '$T/nothing-here'"
}

@test "help CMD is CMD --help, for commands and sub-commands; --help before the command too" {
	for c in ls show get check init "user add" "user list" "log verify" "import files" \
		"fonds add" user log; do
		# shellcheck disable=SC2086 # "user add" is two words
		a=$("$CUSTODY" help $c)
		# shellcheck disable=SC2086
		b=$("$CUSTODY" $c --help)
		# shellcheck disable=SC2086
		c2=$("$CUSTODY" --help $c)
		equal "$a" "$b" "custody help $c and custody $c --help"
		equal "$c2" "$b" "custody --help $c and custody $c --help"
		[[ "$a" == usage:* ]]
	done
	run "$CUSTODY" help get
	output_has "--force" "-o FILE|-"
	run "$CUSTODY" help frobnicate
	status_is 2
	output_has "'frobnicate' is not a custody command"
	run "$CUSTODY" help user frob
	status_is 2
	output_has "'frob' is not a sub-command of 'user'"
	run "$CUSTODY" help
	status_is 0
	output_has "usage: custody <command>"
}

@test "--version: the project version from meson.build, also before options" {
	want=$(sed -n "s/^  version : '\(.*\)',$/\1/p" "$_CY_ROOT/meson.build")
	[ -n "$want" ]
	run "$CUSTODY" --version
	status_is 0
	equal "$output" "custody $want" "--version"
	run "$CUSTODY" --vault x --version
	equal "$output" "custody $want" "--version after a global option"
	# no version number is written into the C sources
	run grep -rn "custody 0\.[0-9]" "$_CY_ROOT/src/cli"
	status_is 1
}

@test "man pages: docs/man holds exactly what the generator prints from the option tables" {
	local dir="$_CY_ROOT/docs/man" want=" custody.1" have=""
	"$CUSTODY" --man-page >"$T/custody.1"
	cmp "$T/custody.1" "$dir/custody.1" || {
		diff "$dir/custody.1" "$T/custody.1" >&2
		echo "docs/man/custody.1 is stale: run tools/man/gen-man.sh BUILD/custody" >&2
		return 1
	}
	for c in $("$CUSTODY" --man-page --list); do
		want="$want custody-$c.1"
		"$CUSTODY" --man-page "$c" >"$T/page"
		cmp "$T/page" "$dir/custody-$c.1" || {
			diff "$dir/custody-$c.1" "$T/page" >&2
			echo "docs/man/custody-$c.1 is stale: run tools/man/gen-man.sh BUILD/custody" >&2
			return 1
		}
	done
	for f in "$dir"/*.1; do
		have="$have $(basename "$f")"
	done
	equal "$(tr ' ' '\n' <<<"$have" | sort)" "$(tr ' ' '\n' <<<"$want" | sort)" "pages in docs/man"
	# every option of `get` is on its page, as --help shows it
	for o in output force vault user password-file help; do
		grep -qF -- "\\-\\-${o//-/\\-}" "$dir/custody-get.1"
	done
	# English, whatever the locale
	LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 LANGUAGE=zh_CN "$CUSTODY" --man-page ls >"$T/zh"
	cmp "$T/zh" "$dir/custody-ls.1"
	# the pages parse (mandoc or groff, when installed)
	if command -v groff >/dev/null; then
		groff -man -Tutf8 -ww -z "$dir/custody-import.1" 2>"$T/warn"
		[ ! -s "$T/warn" ] || { cat "$T/warn" >&2; return 1; }
	fi
}

@test "archive numbers: '.', '-', lower case and full-width forms resolve to the middle dot" {
	three_records
	no="Z109-WS${DOT}2019-D10-0002"
	as li show "$no" --json >"$T/want"
	for typed in "Z109-WS.2019-D10-0002" "Z109-WS-2019-D10-0002" "z109-ws.2019-d10-0002" \
		" Z109-WS-2019-D10-0002 " "Z109－WS・2019－D10－0002"; do
		run --separate-stderr as li show "$typed" --json
		status_is 0
		equal "$output" "$(cat "$T/want")" "show '$typed'"
	done
	as li get "Z109-WS-2019-D10-0002" -o "$T/b"
	cmp "$T/b" "$T/in/b.txt"
	# the read is logged under the real number
	as aud log show | grep -F "record.read" | grep -qF "$no"
	# nothing else is taken for a middle dot
	run as li show "Z109-WS_2019-D10-0002"
	status_is 4
}

@test "an unknown number: a hint with up to 3 nearest numbers the user may see, none for others" {
	three_records
	run --separate-stderr as li show "Z109-WS-2019-D10-0004"
	status_is 4
	stderr_has "no record 'Z109-WS${DOT}2019-D10-0004'" "the nearest numbers you may see:"
	hint=$(grep "nearest" <<<"$stderr")
	n=$(grep -o "Z109-WS${DOT}2019-D10-000[0-9]" <<<"$hint" | wc -l)
	[ "$n" -ge 1 ] && [ "$n" -le 3 ]
	# every number offered exists
	for s in $(grep -o "Z109-WS${DOT}2019-D10-000[0-9]" <<<"$hint"); do
		as li show "$s" >/dev/null
	done
	# a typo in the year
	run --separate-stderr as li get "Z109-WS.2091-D10-0001" -o "$T/x"
	status_is 4
	stderr_has "Z109-WS${DOT}2019-D10-0001"
	[ ! -e "$T/x" ]
	# far from everything: no hint
	run --separate-stderr as li show "not-an-archive-number"
	status_is 4
	[[ "$stderr" != *nearest* ]]
	# a viewer without a grant of Z109 is not told what Z109 holds, only that it is not granted
	run --separate-stderr as vv show "Z109-WS-2019-D10-0004"
	status_is 6
	stderr_has "is not granted fonds 'Z109'"
	[[ "$stderr" != *nearest* ]]
	[[ "$stderr" != *"D10-0001"* ]]
	# nor is an administrator
	run --separate-stderr as sec show "Z109-WS-2019-D10-0004"
	[[ "$stderr" != *"D10-0001"* ]]
}

@test "get: -o - writes to stdout; no binary to a terminal; an existing file needs --force" {
	three_records
	no="Z109-WS${DOT}2019-D10-0003"
	as li get "$no" -o - >"$T/out.bin"
	cmp "$T/out.bin" "$T/in/c.bin"
	# on a terminal: refused, before any password is asked for, with what to do
	command -v script >/dev/null
	run script -qec "env CUSTODY_USER=li CUSTODY_PASSWORD_FILE=/nonexistent '$CUSTODY' get '$no'" /dev/null
	[ "$status" -ne 0 ]
	output_has "refusing to write a record's bytes to a terminal" "-o FILE" "-o -"
	[[ "$output" != *"password"* ]]
	# -o - to a terminal is allowed when asked for
	run script -qec "env CUSTODY_USER=li CUSTODY_PASSWORD_FILE='$PW/li' '$CUSTODY' get 'Z109-WS-2019-D10-0001' -o -" /dev/null
	status_is 0
	output_has "alpha"
	# an existing file: kept without --force, replaced with it
	echo "precious" >"$T/keep"
	run as li get "$no" -o "$T/keep"
	status_is 1
	output_has "'$T/keep' exists: use --force to replace it"
	equal "$(cat "$T/keep")" "precious" "the existing file"
	run as li get "$no" -o "$T/keep" --force
	status_is 0
	cmp "$T/keep" "$T/in/c.bin"
	# the new file is private to its owner, and nothing else is left in the directory
	equal "$(stat -c %a "$T/keep")" "600" "mode"
	mkdir "$T/d"
	as li get "$no" -o "$T/d/one"
	equal "$(ls -A "$T/d")" "one" "files in the output directory"
	# a symbolic link at the name is refused, even with --force: never followed nor replaced
	echo "target" >"$T/target"
	ln -s "$T/target" "$T/d/link"
	run as li get "$no" -o "$T/d/link"
	status_is 1
	run as li get "$no" -o "$T/d/link" --force
	status_is 1
	[ -L "$T/d/link" ]
	equal "$(cat "$T/target")" "target" "the link's target"
	# a failed read leaves no file and no temporary file
	run as li get "Z109-WS-2019-D10-0009" -o "$T/d/none"
	status_is 4
	equal "$(ls -A "$T/d" | sort | tr '\n' ' ')" "link one " "files after a failed get"
	# a directory is no output file
	run as li get "$no" -o "$T/d" --force
	status_is 2
}

@test "get: a read that fails verification leaves no output file" {
	three_records
	no="Z109-WS${DOT}2019-D10-0003"
	read -r pack off len <<<"$(object_of "$no")"
	[ "$len" -gt 300 ]
	flip_bit "$pack" $((off + 200))
	mkdir "$T/o"
	run as li get "$no" -o "$T/o/c.bin"
	status_is 5
	equal "$(ls -A "$T/o")" "" "files after an unverified read"
}

@test "messages: plurals in English; class, status and role values translated in zh_CN, JSON stays English" {
	mkdir -p "$T/one"
	printf 'x\n' >"$T/one/x.txt"
	as li import files "$T/one" --fonds Z109 --class customer --year 2019 >/dev/null
	run as li check
	status_is 0
	output_has "1 record: 1 verified, 0 not verifiable without their fonds key"
	[[ "$output" != *"1 records"* ]]
	run as li show "Z109-KH.2019-D30-0001"
	output_has "(2 bytes)"
	printf 'y\n' >"$T/one/y.txt"
	as li import files "$T/one" --fonds Z109 --class customer --year 2019 >/dev/null
	run as li check
	output_has "2 records: 2 verified"
	# Chinese: values translated where people read them
	run env -u LC_ALL LANG=zh_CN.UTF-8 CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" "$CUSTODY" ls
	status_is 0
	output_has "客户"
	[[ "$output" != *" customer "* ]]
	run env -u LC_ALL LANG=zh_CN.UTF-8 CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" "$CUSTODY" show "Z109-KH.2019-D30-0001"
	output_has "客户" "在库"
	run env -u LC_ALL LANG=zh_CN.UTF-8 CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$PW/sec" "$CUSTODY" user list
	output_has "档案管理员" "安全审计员"
	# ... and not in JSON
	run --separate-stderr env -u LC_ALL LANG=zh_CN.UTF-8 CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" "$CUSTODY" ls --json
	output_has '"class":"customer"' '"status":"held"'
	[[ "$output" != *"客户"* ]]
}

@test "progress on a terminal: a bar with the files done and an ETA; none when piped" {
	mkdir -p "$T/in"
	for i in 1 2 3 4 5; do printf 'file %s\n' "$i" >"$T/in/f$i.txt"; done
	command -v script >/dev/null
	run script -qec "env -u CUSTODY_NO_PROGRESS CUSTODY_USER=li CUSTODY_PASSWORD_FILE='$PW/li' '$CUSTODY' import files '$T/in' --fonds Z109 --class customer --year 2019" /dev/null
	status_is 0
	output_has "importing [" "100%" "5/5" "ETA "
	run --separate-stderr env -u CUSTODY_NO_PROGRESS CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" \
		"$CUSTODY" check
	status_is 0
	[[ "$stderr" != *ETA* ]]
}

# Many files, so that the work is still going on when Ctrl-C arrives.
big_tree() {
	py '
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    sub = os.path.join(d, "p%02d" % (i % 20))
    os.makedirs(sub, exist_ok=True)
    open(os.path.join(sub, "f%05d.bin" % i), "wb").write(os.urandom(48 * 1024))
' "$1" "$2"
}

# run_interrupted OUT ERR WAIT_CMD CUSTODY-ARGS...: start custody as li with SIGINT at its
# default (a background job of a script would ignore it), wait until WAIT_CMD succeeds,
# send one SIGINT, wait for the end; sets $rc.
run_interrupted() {
	local out="$1" err="$2" waitcmd="$3" i
	shift 3
	env --default-signal=INT CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" "$CUSTODY" "$@" \
		>"$out" 2>"$err" &
	PID=$!
	track_pid $PID
	for i in $(seq 1 600); do
		eval "$waitcmd" && break
		kill -0 $PID 2>/dev/null || break
		sleep 0.02
	done
	kill -INT $PID
	rc=0
	wait $PID || rc=$?
}

@test "Ctrl-C during import: stops at the next file, says what was done and what not; the vault is consistent" {
	big_tree "$T/big" 3000
	# wait until the import has written objects (the pack grows before the commit)
	run_interrupted "$T/out" "$T/err" \
		'[ -n "$(find "$V/objects" -type f -size +1k 2>/dev/null | head -n 1)" ]' \
		import files "$T/big" --fonds Z109 --class customer --year 2019
	cat "$T/err" >&2
	equal "$rc" 130 "exit status after Ctrl-C"
	grep -q "import stopped by Ctrl-C after [0-9]* of 3000 files" "$T/err"
	grep -q "not imported: [0-9]* files\? not reached; run the same command again" "$T/err"
	done=$(sed -n 's/.*after \([0-9]*\) of 3000.*/\1/p' "$T/err")
	left=$(sed -n 's/.*not imported: \([0-9]*\) files\{0,1\} not reached.*/\1/p' "$T/err")
	[ "$done" -lt 3000 ]
	equal "$((done + left))" 3000 "done + not reached"
	# what it says was imported is there, and nothing else
	n=$(grep -c '^imported' "$T/out" || true)
	equal "$(as li ls | wc -l)" "$n" "records after the interrupted import"
	run as li check
	status_is 0
	run as aud log verify
	status_is 0
	# running again imports the rest
	run as li import files "$T/big" --fonds Z109 --class customer --year 2019 --quiet
	status_is 0
	output_has "$((3000 - n)) imported" "$n already in the vault"
	equal "$(as li ls | wc -l)" 3000 "records after the second run"
}

@test "Ctrl-C during check: stops, says how much was checked and what not" {
	big_tree "$T/big" 3000
	as li import files "$T/big" --fonds Z109 --class customer --year 2019 --quiet >/dev/null
	# check reads every object: interrupt it once it has read some of them (8 of 144 MB)
	run_interrupted "$T/out" "$T/err" \
		'[ "$(awk "/^rchar/ { print \$2 }" /proc/$PID/io 2>/dev/null || echo 0)" -gt 8000000 ]' check
	cat "$T/err" >&2
	equal "$rc" 130 "exit status after Ctrl-C"
	grep -q "check stopped by Ctrl-C after [0-9]* of 3000 records" "$T/err"
	grep -q "not checked: [0-9]* records\? and the ledger; no problem in what was checked" "$T/err"
	[[ "$(cat "$T/out")" != *"ok: everything checked holds"* ]]
	run as li check
	status_is 0
}

@test "make install PREFIX=...: custody on the PATH with its man pages and translations" {
	command -v make >/dev/null && command -v meson >/dev/null || {
		echo "make and meson are needed (scripts/deps.sh)" >&2
		return 1
	}
	local prefix="$T/prefix"
	make -C "$_CY_ROOT" install PREFIX="$prefix" BUILD="$T/build" >"$T/install.log" 2>&1 || {
		tail -n 40 "$T/install.log" >&2
		return 1
	}
	run env -u CUSTODY_LOCALEDIR PATH="$prefix/bin:$PATH" custody --version
	status_is 0
	equal "$output" "$("$CUSTODY" --version)" "installed custody --version"
	[ -f "$prefix/share/man/man1/custody.1" ]
	[ -f "$prefix/share/man/man1/custody-import.1" ]
	cmp "$prefix/share/man/man1/custody-get.1" "$_CY_ROOT/docs/man/custody-get.1"
	# the classification rules, found by the installed program (it gets past loading them)
	cmp "$prefix/share/custody/rules/default.json" "$_CY_ROOT/rules/default.json"
	run env -u CUSTODY_RULES PATH="$prefix/bin:$PATH" custody import files "$T" --fonds Z109 --year 2019 --vault "$T/none"
	[ "$status" -ne 0 ] && output_lacks "rules"
	[ -f "$prefix/share/locale/zh_CN/LC_MESSAGES/custody.mo" ]
	# the installed program finds its own translations (not the build tree's)
	rm -rf "$T/build/po"
	run env -u CUSTODY_LOCALEDIR -u LC_ALL LANG=zh_CN.UTF-8 PATH="$prefix/bin:$PATH" custody --help
	status_is 0
	output_has "档案托管" "命令"
	run env -u CUSTODY_LOCALEDIR -u LC_ALL LANG=zh_CN.UTF-8 PATH="$prefix/bin:$PATH" custody --vault "$T/none" ls
	status_is 4
	output_has "没有"
}
