#!/usr/bin/env bats
# Damaged objects, packs and catalog rows: get refuses, check names the records.
#
#   CUSTODY=build/custody bats tests/cli/integrity.bats

load helpers

setup_file() {
	build_template
}

setup() {
	common_setup
	make_vault
	mkdir -p "$T/in"
	echo "first record" >"$T/in/a.txt"
	echo "second record" >"$T/in/b.txt"
	py 'open(sys.argv[1], "w").write("编号,姓名,金额\n" + "".join("%d,客户%d,%d.00\n" % (i, i, i) for i in range(20000)))' "$T/in/c.csv"
	rand_file "$T/in/d.bin" 300000
	echo "fifth record" >"$T/in/e.txt"
	as li import files "$T/in" --fonds Z109 --class other --year 2020 >/dev/null
	R1="Z109-QT${DOT}2020-D10-0001" # a.txt
	R2="Z109-QT${DOT}2020-D10-0002" # b.txt
	R3="Z109-QT${DOT}2020-D10-0003" # c.csv, compressed
	R4="Z109-QT${DOT}2020-D10-0004" # d.bin, 5 chunks
	R5="Z109-QT${DOT}2020-D10-0005" # e.txt
}

teardown() {
	common_teardown
}

# check_names NO...: `check` exits 5 and names exactly these records.
check_names() {
	run --separate-stderr as li check --json
	status_is 5
	py '
o = json.loads(sys.argv[1])
assert o["ok"] is False, o
named = sorted({p["archive_no"] for p in o["problems"] if p["archive_no"]})
assert named == sorted(sys.argv[2:]), (named, sys.argv[2:], o)
for p in o["problems"]:
    assert p["problem"], p
' "$output" "$@"
	run as li check
	status_is 5
	local no
	for no in "$@"; do
		grep '^PROBLEM ' <<<"$output" | grep -qF "$no" || {
			echo "no PROBLEM line names $no; output:" >&2
			echo "$output" >&2
			return 1
		}
	done
	grep -Eq '^[0-9]+ problems? found$' <<<"$output"
}

@test "an untouched vault: check exits 0, check --json says ok" {
	run --separate-stderr as li check
	status_is 0
	output_has "5 records: 5 verified" "ok: everything checked holds"
	run --separate-stderr as li check --json
	status_is 0
	py '
o = json.loads(sys.argv[1])
assert o["ok"] is True and o["problems"] == [] and o["records"] == 5 and o["verified"] == 5, o
assert o["unverifiable"] == 0 and o["ledger_entries"] > 5 and o["checkpoints"] >= 1, o
' "$output"
}

@test "a flipped bit: get fails with exit 5, names the record, writes no file" {
	read -r pack off len < <(object_of "$R4")
	flip_bit "$pack" $((off + len / 2))
	run --separate-stderr as li get "$R4" -o "$T/out.bin"
	status_is 5
	stderr_has "custody: record $R4: " "failed authentication"
	[ ! -e "$T/out.bin" ]
	[ ! -e "$T/out.bin.custody-partial" ]
	[ -z "$(compgen -G "$T/out*")" ]
	# to standard output: the exit status says so, and no byte that is not the file's
	rc=0
	as li get "$R4" >"$T/stdout.bin" 2>"$T/err" || rc=$?
	equal "$rc" 5 "exit status"
	py '
out, src = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
assert len(out) < len(src) and src.startswith(out), (len(out), len(src))
' "$T/stdout.bin" "$T/in/d.bin"
	# the other records are intact
	for r in "$R1:a.txt" "$R3:c.csv" "$R5:e.txt"; do
		as li get "${r%%:*}" -o "$T/ok" --force
		cmp "$T/ok" "$T/in/${r#*:}"
	done
}

@test "a flipped bit: check exits 5 and names that record only" {
	read -r pack off len < <(object_of "$R4")
	flip_bit "$pack" $((off + len / 2))
	check_names "$R4"
	# the flip undone, all is well again: the bit was the only change
	flip_bit "$pack" $((off + len / 2))
	run as li check
	status_is 0
	as li get "$R4" -o "$T/again"
	cmp "$T/again" "$T/in/d.bin"
}

@test "a flipped bit anywhere in an object (header, first chunk, last tag) is caught" {
	read -r pack off len < <(object_of "$R3")
	# magic, version, cipher, flags, chunk size, key id, salt, reserved, chunks, last tag
	for pos in 0 8 9 10 11 16 30 44 48 $((len / 2)) $((len - 1)); do
		flip_bit "$pack" $((off + pos))
		run as li get "$R3" -o "$T/out"
		if [ "$status" -ne 5 ] || [ -e "$T/out" ] || [[ "$output" != *"record $R3"* ]]; then
			echo "bit flipped at byte $pos of the object: get exit $status, output: $output" >&2
			return 1
		fi
		run --separate-stderr as li check --json
		status_is 5
		output_has "\"archive_no\":\"$R3\""
		flip_bit "$pack" $((off + pos))
	done
	run as li check
	status_is 0
}

@test "a flipped bit in a small record" {
	read -r pack off len < <(object_of "$R2")
	flip_bit "$pack" $((off + len - 3))
	run as li get "$R2"
	status_is 5
	output_has "record $R2"
	output_lacks "second record"
	check_names "$R2"
}

@test "a truncated pack: check names the records cut off; the others still read" {
	read -r pack off len < <(object_of "$R4")
	# cut in the middle of the fourth record: the fourth and fifth are gone
	truncate -s $((off + len / 2)) "$pack"
	check_names "$R4" "$R5"
	run as li check
	output_has "object pack"
	run as li get "$R5" -o "$T/five"
	status_is 5
	[ ! -e "$T/five" ]
	as li get "$R1" -o "$T/one"
	cmp "$T/one" "$T/in/a.txt"
	# an auditor, without keys, sees the damage too
	run --separate-stderr as aud check --json
	status_is 5
	output_has "\"archive_no\":\"$R4\"" "\"archive_no\":\"$R5\""
	# cut to nothing
	truncate -s 0 "$pack"
	check_names "$R1" "$R2" "$R3" "$R4" "$R5"
}

@test "a missing pack: get and check fail clearly" {
	read -r pack off len < <(object_of "$R1")
	rm "$pack"
	run as li get "$R1" -o "$T/x"
	status_is 5
	output_has "missing"
	[ ! -e "$T/x" ]
	check_names "$R1" "$R2" "$R3" "$R4" "$R5"
	run as li check
	output_has "is missing"
}

@test "bytes appended to a pack: check reports the pack, the records still verify" {
	read -r pack off len < <(object_of "$R1")
	printf 'junk' >>"$pack"
	run --separate-stderr as li check --json
	status_is 5
	py '
o = json.loads(sys.argv[1])
assert not o["ok"] and o["verified"] == 5, o
assert any("pack" in p["problem"] for p in o["problems"]), o
' "$output"
}

@test "damaged record metadata: show, get and check fail with exit 5" {
	py '
import sqlite3
db = sqlite3.connect(sys.argv[1])
m = bytearray(db.execute("SELECT meta FROM records WHERE archive_no = ?", (sys.argv[2],)).fetchone()[0])
m[len(m) // 2] ^= 1
db.execute("UPDATE records SET meta = ? WHERE archive_no = ?", (bytes(m), sys.argv[2]))
db.commit()
' "$V/catalog.db" "$R2"
	run as li show "$R2"
	status_is 5
	output_has "record $R2: metadata"
	run as li get "$R2" -o "$T/x"
	status_is 5
	[ ! -e "$T/x" ]
	check_names "$R2"
}

@test "metadata moved to another record's row fails authentication" {
	sqlite3 "$V/catalog.db" "UPDATE records SET meta = (SELECT meta FROM records WHERE archive_no = '$R1')
		WHERE archive_no = '$R2'"
	run as li show "$R2"
	status_is 5
	output_lacks "a.txt"
	run as li get "$R2"
	status_is 5
	output_lacks "first record"
	check_names "$R2"
}

@test "another record's object behind an archive number: get returns none of its bytes" {
	# what a catalog edit can do: point record 2 at record 1's object
	sqlite3 "$V/catalog.db" "UPDATE records SET object_id = (SELECT object_id FROM records WHERE archive_no = '$R1')
		WHERE archive_no = '$R2'"
	run as li get "$R2" -o "$T/x"
	status_is 5
	[ ! -e "$T/x" ]
	check_names "$R2"
	# get to standard output must not pass record 1's bytes off as record 2's
	rc=0
	as li get "$R2" >"$T/stdout" 2>"$T/err" || rc=$?
	equal "$rc" 5 "exit status"
	if grep -q "first record" "$T/stdout"; then
		echo "get $R2 wrote the content of $R1 to standard output before failing:" >&2
		od -c "$T/stdout" | head -n 3 >&2
		return 1
	fi
}

@test "a flipped bit in a record's second part (a customer profile's fields) is caught by check" {
	printf '客户编号,客户名称,手机号码\nK1,张三,13900000001\nK2,李四,13900000002\n' >"$T/c.csv"
	as li import csv "$T/c.csv" --fonds Z109 --kind customers --quiet
	run as li check
	status_is 0
	# the first profile's "fields" part (seq 1)
	row=$(sqlite3 -separator ' ' "$V/catalog.db" \
		"SELECT r.archive_no, p.name, o.offset, o.length FROM record_objects ro
		 JOIN records r ON r.id = ro.record_id JOIN objects o ON o.id = ro.object_id
		 JOIN packs p ON p.id = o.pack_id WHERE ro.seq = 1 ORDER BY r.id LIMIT 1")
	read -r no name off len <<<"$row"
	[ -n "$no" ]
	flip_bit "$V/objects/${name:0:2}/${name:2}.pack" $((off + len - 3))
	check_names "$no"
	run as li check
	output_has "$no"
}
