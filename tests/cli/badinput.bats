#!/usr/bin/env bats
# Bad input to import: special files, symbolic links, names that are not UTF-8,
# unreadable files, a full disk.  A clear message per file, nothing half-written,
# the rest imported or a clean stop.
#
#   CUSTODY=build/custody bats tests/cli/badinput.bats     (the full-disk tests mount
#   small filesystems when run as root, else use a file size limit or are skipped)

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

# A tree with two good files and one of each kind of bad entry.
make_bad_tree() {
	mkdir -p "$T/in/sub" "$T/outside"
	echo "good one" >"$T/in/ok1.txt"
	echo "good two" >"$T/in/sub/ok2.txt"
	echo "outside secret" >"$T/outside/secret.txt"
	mkfifo "$T/in/fifo"
	py 'import socket; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/in/sock"
	ln -s ../outside/secret.txt "$T/in/out-link"
	ln -s ../outside "$T/in/out-dir"
	ln -s ok1.txt "$T/in/in-link"
	ln -s sub "$T/in/in-dir"
	ln -s /nonexistent/nothing "$T/in/dangling"
	echo "bad name" >"$T/in/$(printf 'n\xffame').txt"
	mkdir "$T/in/$(printf 'd\xfe')"
	echo "in a bad directory" >"$T/in/$(printf 'd\xfe')/z.txt"
}

@test "bad input: a message per file on stderr, the good files imported, exit 1, check passes" {
	make_vault
	make_bad_tree
	run --separate-stderr as_t 20 li import files "$T/in" --fonds Z109 --class other --year 2020
	status_is 1
	stderr_has "custody: fifo: not a regular file (device, FIFO or socket): refused" \
		"custody: sock: not a regular file (device, FIFO or socket): refused" \
		"custody: out-link: symbolic link points outside the imported directory: refused" \
		"custody: out-dir: symbolic link points outside the imported directory: refused" \
		"custody: in-link: symbolic link inside the directory: skipped" \
		"custody: in-dir: symbolic link inside the directory: skipped" \
		"custody: dangling: symbolic link to nothing: skipped" \
		'custody: n\xffame.txt: file name is not valid UTF-8' \
		'custody: d\xfe: directory name is not valid UTF-8' \
		"custody: 6 files could not be imported"
	# one line per bad entry, each naming it
	equal "$(echo "$stderr" | grep -c '^custody: ')" 10 "lines on stderr"
	output_has "imported	Z109-QT·2020-D10-0001	ok1.txt" "imported	Z109-QT·2020-D10-0002	sub/ok2.txt" \
		"2 imported (18 B), 0 already in the vault, 3 skipped, 6 failed"
	# exactly the two good files are in the vault, and nothing from outside the tree
	equal "$(verify_listing "$T/in")" 2 "records"
	run --separate-stderr as li ls --json
	output_lacks "secret" "$(sha_of "$T/outside/secret.txt")"
	run as li check
	status_is 0
	run as aud log verify
	status_is 0
}

@test "bad input: --json gives each entry's status and reason" {
	make_vault
	make_bad_tree
	run --separate-stderr as_t 20 li import files "$T/in" --fonds Z109 --class other --year 2020 --json
	status_is 1
	py '
ls = jl(sys.argv[1])
by = {l["path"]: l for l in ls if "path" in l}
assert by["fifo"]["status"] == "failed" and "FIFO" in by["fifo"]["reason"], by["fifo"]
assert by["out-link"]["status"] == "failed" and "outside" in by["out-link"]["reason"], by
assert by["in-link"]["status"] == "skipped", by
assert by["n\\xffame.txt"]["status"] == "failed" and "UTF-8" in by["n\\xffame.txt"]["reason"], by
assert by["ok1.txt"]["status"] == "imported" and by["ok1.txt"]["archive_no"] == "Z109-QT\u00b72020-D10-0001"
s = ls[-1]
assert s["summary"] and s["imported"] == 2 and s["skipped"] == 3 and s["failed"] == 6 and not s["stopped"], s
' "$output"
}

@test "bad input: a FIFO with no writer does not hang the import" {
	make_vault
	mkdir -p "$T/in"
	mkfifo "$T/in/a-fifo" "$T/in/z-fifo"
	echo "between" >"$T/in/m.txt"
	run as_t 20 li import files "$T/in" --fonds Z109 --class other --year 2020
	status_is 1
	output_has "a-fifo: not a regular file" "z-fifo: not a regular file" "1 imported"
}

@test "bad input: only good files, only symlinks inside: exit 0" {
	make_vault
	mkdir -p "$T/in"
	echo one >"$T/in/one.txt"
	ln -s one.txt "$T/in/alias.txt"
	run --separate-stderr as li import files "$T/in" --fonds Z109 --class other --year 2020
	status_is 0
	stderr_has "alias.txt: symbolic link inside the directory: skipped"
	output_has "1 imported" "1 skipped, 0 failed"
}

@test "bad input: a directory given as a symbolic link is followed" {
	make_vault
	mkdir -p "$T/real"
	echo one >"$T/real/one.txt"
	ln -s real "$T/link"
	run as li import files "$T/link" --fonds Z109 --class other --year 2020
	status_is 0
	output_has "imported	Z109-QT·2020-D10-0001	one.txt"
}

@test "bad input: an unreadable file and directory are reported, the rest imported" {
	mkdir -p "$T/w"
	W="$T/w"
	runner=()
	exe=$CUSTODY
	if [ "$(id -u)" -eq 0 ]; then
		# root reads everything: run custody as nobody, in a place nobody can reach, from a
		# copy of the binary that nobody may run (the build may lie under a private /root)
		command -v setpriv >/dev/null || skip "root, and no setpriv to drop privileges"
		W=$(mktemp -d /tmp/cybad.XXXXXX)
		track_dir "$W"
		chmod 711 "$W"
		runner=(setpriv --reuid=65534 --regid=65534 --clear-groups)
		exe="$W/custody"
		cp "$CUSTODY" "$exe"
		chmod 755 "$exe"
	fi
	build_vault "$W/vault" "$PW"
	mkdir -p "$W/in/closed"
	echo "readable" >"$W/in/a.txt"
	echo "locked" >"$W/in/b.txt"
	echo "inside a closed directory" >"$W/in/closed/c.txt"
	echo "last" >"$W/in/d.txt"
	cp -r "$PW" "$W/pw"
	if [ "$(id -u)" -eq 0 ]; then
		chown -R 65534:65534 "$W/vault" "$W/in" "$W/pw"
	fi
	chmod 000 "$W/in/b.txt" "$W/in/closed"
	run --separate-stderr timeout 20 "${runner[@]}" env CUSTODY_VAULT="$W/vault" CUSTODY_USER=li \
		CUSTODY_PASSWORD_FILE="$W/pw/li" "$exe" import files "$W/in" --fonds Z109 --class other --year 2020
	chmod 755 "$W/in/closed"
	chmod 644 "$W/in/b.txt"
	status_is 1
	stderr_has "custody: b.txt: cannot open: Permission denied" "custody: closed: directory cannot be read"
	output_has "imported	Z109-QT·2020-D10-0001	a.txt" "imported	Z109-QT·2020-D10-0002	d.txt" "2 imported"
	run "${runner[@]}" env CUSTODY_VAULT="$W/vault" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$W/pw/li" "$exe" check
	status_is 0
	# once readable, a re-run imports the rest and recognises the others
	run "${runner[@]}" env CUSTODY_VAULT="$W/vault" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$W/pw/li" "$exe" \
		import files "$W/in" --fonds Z109 --class other --year 2020
	status_is 0
	output_has "2 imported" "2 already in the vault"
}

# A tree bigger than the space left: 12 random files of 400 KB and 20 small ones.
make_big_tree() {
	mkdir -p "$T/src/scans" "$T/src/notes"
	for i in $(seq 1 12); do
		rand_file "$T/src/scans/scan$i.jpg" 400000
	done
	for i in $(seq 1 20); do
		echo "note $i about a customer" >"$T/src/notes/n$i.txt"
	done
}

@test "full disk: the import stops with a message about space; check passes; a re-run finishes" {
	make_big_tree
	total=$(find "$T/src" -type f | wc -l)
	limited=()
	if small_fs "$T/mnt" 8192; then
		V="$T/mnt/vault"
		export CUSTODY_VAULT="$V"
		build_vault "$V"
		# about 1.5 MB left for a 4.8 MB tree
		fill_fs "$T/mnt" 1536
		want="No space left on device"
	else
		# no mount: a file size limit, with SIGXFSZ ignored so that writes fail with EFBIG
		make_vault
		limited=(bash -c 'trap "" XFSZ; ulimit -f 1500; exec "$@"' limit)
		want="too large"
	fi
	run --separate-stderr timeout 60 "${limited[@]}" env CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" \
		"$CUSTODY" import files "$T/src" --fonds Z109 --class correspondence --year 2019
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ]
	stderr_has "import stopped" "$want" "run the same command again"
	# nothing half-written: the vault checks, no temporary pack is left, no stray pack
	run --separate-stderr as li check --json
	status_is 0
	py 'o = json.loads(sys.argv[1]); assert o["ok"] and o["warnings"] == [], o' "$output"
	equal "$(ls -A "$V/objects/tmp")" "" "objects/tmp"
	before=$(verify_listing "$T/src")
	[ "$before" -lt "$total" ]
	# room again: every record listed reads back exactly, and the same command finishes
	rm -f "$T/mnt/filler"
	as li ls --json | json_field archive_no >"$T/nos"
	while read -r no; do
		src=$(as li show "$no" --json | json_field source)
		as li get "$no" -o "$T/back" --force
		cmp "$T/back" "$T/src/$src"
	done <"$T/nos"
	run --separate-stderr as li import files "$T/src" --fonds Z109 --class correspondence --year 2019 --json
	status_is 0
	py '
s = jl(sys.argv[1])[-1]
assert s["imported"] + s["duplicates"] == int(sys.argv[2]) and s["duplicates"] == int(sys.argv[3]), s
assert s["failed"] == 0 and not s["stopped"], s
' "$output" "$total" "$before"
	equal "$(verify_listing "$T/src")" "$total" "records after the re-run"
	run as li check
	status_is 0
	run as aud log verify
	status_is 0
}

@test "full disk: no file is reported imported that is not in the vault" {
	small_fs "$T/mnt" 8192 || skip "cannot mount a small filesystem here"
	make_big_tree
	V="$T/mnt/vault"
	export CUSTODY_VAULT="$V"
	build_vault "$V"
	fill_fs "$T/mnt" 1536
	run --separate-stderr as li import files "$T/src" --fonds Z109 --class correspondence --year 2019 --json
	[ "$status" -ne 0 ]
	listed=$(as li ls --json | json_field archive_no | sort)
	py '
ls = jl(sys.argv[1])
listed = set(sys.argv[2].split())
said = [l for l in ls if l.get("status") == "imported"]
wrong = [l["archive_no"] for l in said if l["archive_no"] not in listed]
assert not wrong, "reported imported but not in the vault: %s" % wrong
s = ls[-1]
assert s["summary"] and s["imported"] == len(listed), ("summary says %d imported, the vault has %d" % (s["imported"], len(listed)), s)
assert s["bytes"] == 0 or s["imported"] > 0, ("summary counts bytes of files not imported", s)
' "$output" "$listed"
}

@test "full disk while the catalog grows: stops cleanly, a re-run finishes" {
	small_fs "$T/mnt" 4096 || skip "cannot mount a small filesystem here"
	V="$T/mnt/vault"
	export CUSTODY_VAULT="$V"
	build_vault "$V"
	# many tiny files: the packs stay small, the catalog and the ledger grow
	py '
d = sys.argv[1]
os.makedirs(d)
for i in range(600):
    open(os.path.join(d, "t%04d.txt" % i), "w").write("tiny %d" % i)
' "$T/tiny"
	fill_fs "$T/mnt" 96
	run --separate-stderr as_t 60 li import files "$T/tiny" --fonds Z109 --class other --year 2020 --quiet
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ]
	[[ "$stderr" =~ (No space left|disk is full|disk full) ]] || {
		echo "no message about space: $stderr" >&2
		return 1
	}
	run as li check
	status_is 0
	verify_listing "$T/tiny" >/dev/null
	rm -f "$T/mnt/filler"
	run as li import files "$T/tiny" --fonds Z109 --class other --year 2020 --quiet
	status_is 0
	equal "$(verify_listing "$T/tiny")" 600 "records"
	run as li check
	status_is 0
	run as aud log verify
	status_is 0
}

@test "full disk: get either fails clearly or its read is in the ledger" {
	small_fs "$T/mnt" 4096 || skip "cannot mount a small filesystem here"
	V="$T/mnt/vault"
	export CUSTODY_VAULT="$V"
	build_vault "$V"
	mkdir -p "$T/in"
	echo "personal content" >"$T/in/a.txt"
	as li import files "$T/in" --fonds Z109 --class other --year 2020 >/dev/null
	reads=$(count_action record.read)
	fill_fs "$T/mnt" 0
	run as li get "Z109-QT${DOT}2020-D10-0001"
	if [ "$status" -eq 0 ]; then
		equal "$output" "personal content" "content"
		now=$(count_action record.read)
		equal "$now" $((reads + 1)) "reads in the ledger"
	else
		output_lacks "personal content"
		# a clear message: the disk is full, not a hardware fault
		[[ "$output" =~ (No space left|disk is full|disk full) ]] || {
			echo "get on a full disk: exit $status, unclear message: $output" >&2
			return 1
		}
		rm -f "$T/mnt/filler"
		now=$(count_action record.read)
		equal "$now" "$reads" "reads in the ledger"
	fi
	rm -f "$T/mnt/filler"
	run as li check
	status_is 0
}
