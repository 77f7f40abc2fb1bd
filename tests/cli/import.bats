#!/usr/bin/env bats
# custody import files: DA/T 22 archive numbers, listing, show, get, re-import.
#
#   CUSTODY=build/custody bats tests/cli/import.bats

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

# A small tree of varied files under $T/in: empty, text, compressible, binary, > 4 MiB.
make_tree() {
	mkdir -p "$T/in/sub/deeper"
	printf 'alpha\n' >"$T/in/b.txt"
	printf 'beta\n' >"$T/in/a.txt"
	: >"$T/in/empty.dat"
	py 'open(sys.argv[1], "w").write("客户,金额,日期\n" + "张三,100.00,2019-01-01\n" * 5000)' "$T/in/sub/ledger.csv"
	rand_file "$T/in/sub/scan.jpg" 70000
	rand_file "$T/in/sub/deeper/big.bin" $((5 * 1024 * 1024 + 123))
	printf 'x' >"$T/in/客户 名单.txt"
}

@test "archive numbers: FONDS-CLASS·YEAR-RETENTION-NNNN with U+00B7, from 0001, in path order" {
	make_tree
	run --separate-stderr as li import files "$T/in" --fonds Z109 --class customer --year 2019 --retention D30
	status_is 0
	equal "$stderr" "" "stderr"
	expected="imported	Z109-KH·2019-D30-0001	a.txt
imported	Z109-KH·2019-D30-0002	b.txt
imported	Z109-KH·2019-D30-0003	empty.dat
imported	Z109-KH·2019-D30-0004	sub/deeper/big.bin
imported	Z109-KH·2019-D30-0005	sub/ledger.csv
imported	Z109-KH·2019-D30-0006	sub/scan.jpg
imported	Z109-KH·2019-D30-0007	客户 名单.txt"
	equal "$(echo "$output" | head -n 7)" "$expected" "import output"
	output_has "7 imported (" ", 0 already in the vault, 0 skipped, 0 failed"
	run --separate-stderr as li ls --json
	status_is 0
	py '
rs = jl(sys.argv[1])
nos = [r["archive_no"] for r in rs]
assert nos == ["Z109-KH\u00b72019-D30-%04d" % i for i in range(1, 8)], nos
for r in rs:
    assert "\u00b7".encode() in r["archive_no"].encode() and "." not in r["archive_no"], r
    assert (r["fonds"], r["class"], r["year"], r["retention"]) == ("Z109", "customer", 2019, "D30"), r
    assert r["item"] == int(r["archive_no"][-4:]), r
' "$output"
}

@test "archive numbers: continuous per group; another class, year or retention starts at 0001" {
	mkdir -p "$T/d1" "$T/d2" "$T/d3" "$T/d4" "$T/d5"
	echo one >"$T/d1/1.txt"
	echo two >"$T/d1/2.txt"
	echo three >"$T/d2/3.txt"
	echo four >"$T/d2/4.txt"
	echo five >"$T/d3/5.txt"
	echo six >"$T/d4/6.txt"
	echo seven >"$T/d5/7.txt"
	as li import files "$T/d1" --fonds Z109 --class customer --year 2019 >/dev/null
	as li import files "$T/d2" --fonds Z109 --class customer --year 2019 >/dev/null
	as li import files "$T/d3" --fonds Z109 --class customer --year 2019 --retention Y >/dev/null
	as li import files "$T/d4" --fonds Z109 --class customer --year 2020 >/dev/null
	as li import files "$T/d5" --fonds Z109 --class contract --year 2019 >/dev/null
	run --separate-stderr as li ls --json
	status_is 0
	py '
got = {r["source"]: r["archive_no"] for r in jl(sys.argv[1])}
want = {"1.txt": "Z109-KH·2019-D30-0001", "2.txt": "Z109-KH·2019-D30-0002",
        "3.txt": "Z109-KH·2019-D30-0003", "4.txt": "Z109-KH·2019-D30-0004",
        "5.txt": "Z109-KH·2019-Y-0001", "6.txt": "Z109-KH·2020-D30-0001",
        "7.txt": "Z109-HT·2019-D30-0001"}
assert got == want, got
' "$output"
	run as li check
	status_is 0
}

@test "archive numbers: class codes and default retention of every class" {
	i=0
	for c in customer contract transaction accounting correspondence other; do
		i=$((i + 1))
		mkdir -p "$T/c$i"
		echo "class $c" >"$T/c$i/f.txt"
		run as li import files "$T/c$i" --fonds Z109 --class $c --year 2021
		status_is 0
	done
	run --separate-stderr as li ls --json
	py '
got = sorted((r["class"], r["archive_no"]) for r in jl(sys.argv[1]))
want = sorted([("customer", "Z109-KH·2021-D30-0001"), ("contract", "Z109-HT·2021-D30-0001"),
    ("transaction", "Z109-JY·2021-D30-0001"), ("accounting", "Z109-KJ·2021-D30-0001"),
    ("correspondence", "Z109-WS·2021-D10-0001"), ("other", "Z109-QT·2021-D10-0001")])
assert got == want, got
' "$output"
}

@test "archive numbers: the year is never taken from file times; a sidecar gives it per file; --org adds the organisation" {
	mkdir -p "$T/in/sub"
	echo old >"$T/in/old.txt"
	echo new >"$T/in/sub/new.txt"
	echo none >"$T/in/none.txt"
	touch -d '2015-06-15 12:00:00 UTC' "$T/in/old.txt"
	before=$(count_records)
	run as li import files "$T/in" --fonds Z109 --class other
	status_is 1
	output_has "old.txt: no year: pass --year YEAR or --sidecar META.csv"
	output_has "custody does not use file times"
	output_has "3 failed"
	[ "$(count_records)" -eq "$before" ]
	# a sidecar: one row per file, by path; the class and title it gives win over the options
	printf '\xef\xbb\xbffile,year,title,class,date\nold.txt,2015,Old letter,correspondence,2015-06-15\nsub/new.txt,2018,,,\n' >"$T/meta.csv"
	run as li import files "$T/in" --fonds Z109 --class other --sidecar "$T/meta.csv"
	status_is 1
	output_has "Z109-WS·2015-D10-0001"
	output_has "Z109-QT·2018-D10-0001"
	output_has "none.txt: no year for this file: the sidecar has none for it"
	mkdir -p "$T/org"
	echo finance >"$T/org/f.txt"
	run as li import files "$T/org" --fonds Z109 --class accounting --year 2022 --retention Y --org CW
	status_is 0
	output_has "Z109-KJ·2022-Y-CW-0001"
	run --separate-stderr as li ls --json
	py '
got = {r["source"]: (r["archive_no"], r["year"], r["org"], r["title"]) for r in jl(sys.argv[1])}
assert got == {"sub/new.txt": ("Z109-QT·2018-D10-0001", 2018, "", "new"),
               "old.txt": ("Z109-WS·2015-D10-0001", 2015, "", "Old letter"),
               "f.txt": ("Z109-KJ·2022-Y-CW-0001", 2022, "CW", "f")}, got
' "$output"
	run as li show 'Z109-WS·2015-D10-0001'
	output_has "2015-06-15"
	run as li check
	status_is 0
}

@test "year: a PDF's own creation date gives it when nothing else does; --year wins over it" {
	"$CUSTODY_SAMPLE" --out "$T/co" >/dev/null
	run as li import files "$T/co/contracts" --fonds Z109 --class contract
	status_is 0
	as li ls --json >"$T/ls.json"
	py '
import csv
want = {}
for row in csv.DictReader(open(sys.argv[2], encoding="utf-8")):
    if row["path"].startswith("contracts/") and row["path"].endswith(".pdf"):
        want[row["path"][len("contracts/"):]] = int(row["year"])
got = {r["source"]: r["year"] for r in jl(open(sys.argv[1]).read())}
assert want and got == want, (got, want)
' "$T/ls.json" "$T/co/manifest.csv"
	no=$(py 'print(jl(open(sys.argv[1]).read())[0]["archive_no"])' "$T/ls.json")
	run --separate-stderr as li show "$no" --json
	py 'd = json.loads(sys.argv[1]); assert d["meta"]["fields"] == {"year_source": "pdf-creation-date"}, d
assert re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", d["date"]), d' "$output"
	mkdir -p "$T/again"
	cp "$T/co/contracts/"*.pdf "$T/again/"
	echo x >>"$T/again/$(ls "$T/again" | head -n 1)"
	run as li import files "$T/again" --fonds Z109 --class contract --year 2001
	output_has "Z109-HT·2001-D30-0001"
}

@test "import: a directory inside the vault, or one that holds it, is refused" {
	echo x >"$T/x.txt"
	before=$(count_records)
	run as li import files "$V/objects" --fonds Z109 --class other --year 2020
	status_is 1
	output_has "is inside the vault: import files from outside it"
	run as li import files "$V" --fonds Z109 --class other --year 2020
	status_is 1
	output_has "is inside the vault"
	run as li import files "$T" --fonds Z109 --class other --year 2020
	status_is 1
	output_has "holds the vault itself"
	[ "$(count_records)" -eq "$before" ]
}

@test "sidecar: bad sidecars are refused as a whole, with the row" {
	mkdir -p "$T/in"
	echo a >"$T/in/a.txt"
	before=$(count_records)
	printf 'file,yaer\na.txt,2019\n' >"$T/s1.csv"
	run as li import files "$T/in" --fonds Z109 --class other --sidecar "$T/s1.csv"
	status_is 1
	output_has "row 1: unknown column"
	output_has "yaer"
	printf 'file,year\na.txt,19\n' >"$T/s2.csv"
	run as li import files "$T/in" --fonds Z109 --class other --sidecar "$T/s2.csv"
	status_is 1
	output_has "row 2: year is not a year from 1900 to 9999: 19"
	printf 'file,year\na.txt,2019\na.txt,2020\n' >"$T/s3.csv"
	run as li import files "$T/in" --fonds Z109 --class other --sidecar "$T/s3.csv"
	status_is 1
	output_has "'a.txt' is described twice"
	printf 'file,year\n"a.txt,2019\n' >"$T/s4.csv"
	run as li import files "$T/in" --fonds Z109 --class other --sidecar "$T/s4.csv"
	status_is 1
	output_has "malformed CSV"
	printf 'file,year\n\xb9\xe3\xd6\xdd.txt,2019\n' >"$T/s5.csv"
	run as li import files "$T/in" --fonds Z109 --class other --sidecar "$T/s5.csv"
	status_is 1
	output_has "not UTF-8"
	printf 'file,year,class\na.txt,2019,letters\n' >"$T/s6.csv"
	run as li import files "$T/in" --fonds Z109 --class other --sidecar "$T/s6.csv"
	status_is 1
	output_has "unknown class: letters"
	run as li import files "$T/in" --fonds Z109 --class other --sidecar "$T/nonexistent.csv"
	status_is 4
	output_has "cannot open sidecar"
	[ "$(count_records)" -eq "$before" ]
}

@test "sidecar: paths are relative to the sidecar's own directory when the import lies below it" {
	mkdir -p "$T/co/letters" "$T/co/contracts"
	echo l1 >"$T/co/letters/l1.txt"
	echo c1 >"$T/co/contracts/c1.txt"
	printf 'path,class,year,bytes,sha256\nletters/l1.txt,correspondence,2020,3,x\ncontracts/c1.txt,contract,2021,3,x\n' >"$T/co/manifest.csv"
	run as li import files "$T/co/letters" --fonds Z109 --class other --sidecar "$T/co/manifest.csv"
	status_is 0
	output_has "Z109-WS·2020-D10-0001"
	run as li import files "$T/co/contracts" --fonds Z109 --class other --sidecar "$T/co/manifest.csv"
	status_is 0
	output_has "Z109-HT·2021-D30-0001"
}

@test "ls --json: every field, sha256 and size equal to the source file's" {
	make_tree
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >/dev/null
	run --separate-stderr as li ls --json
	status_is 0
	py '
root = sys.argv[2]
rs = jl(sys.argv[1])
assert len(rs) == 7, rs
for r in rs:
    for k in ("archive_no", "fonds", "class", "year", "retention", "title", "size", "sha256", "source"):
        assert k in r, (k, r)
    p = os.path.join(root, r["source"])
    data = open(p, "rb").read()
    assert r["sha256"] == hashlib.sha256(data).hexdigest(), r
    assert r["size"] == len(data), r
    base = os.path.basename(r["source"])
    assert r["title"] == (base.rsplit(".", 1)[0]), r
    assert r["created_by"] == "li" and r["status"] == "held", r
by = {r["source"]: r for r in rs}
assert by["sub/ledger.csv"]["compressed"] is True and by["sub/ledger.csv"]["stored"] < by["sub/ledger.csv"]["size"] // 5
assert by["sub/scan.jpg"]["compressed"] is False
assert by["empty.dat"]["size"] == 0
assert by["sub/ledger.csv"]["format"] == "csv"
' "$output" "$T/in"
	# and the same sha256 as sha256sum
	sum=$(echo "$output" | py '
for r in jl(sys.stdin.read()):
    if r["source"] == "sub/deeper/big.bin":
        print(r["sha256"])')
	equal "$sum" "$(sha_of "$T/in/sub/deeper/big.bin")" "sha256 of big.bin"
	# the human listing has the archive numbers and titles
	run as li ls
	status_is 0
	output_has "Z109-KH·2019-D30-0001" "客户 名单"
	# --fonds filters
	run --separate-stderr as li ls --fonds Z109 --json
	[ "$(echo "$output" | grep -c '^{')" -eq 7 ]
}

@test "show: one record's metadata, as text and as JSON equal to its ls line" {
	make_tree
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >/dev/null
	no="Z109-KH·2019-D30-0005"
	run --separate-stderr as li show "$no" --json
	status_is 0
	line=$(as li ls --json | grep -F "\"archive_no\":\"$no\"")
	py 'a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
meta = a.pop("meta")
assert a == b, (a, b)
assert a["source"] == "sub/ledger.csv" and a["title"] == "ledger"
# show --json adds the whole structured metadata (docs/formats/record-meta.md)
assert meta["title"] == "ledger", meta
# class, year and retention are in the archive number (the seal binds it), not repeated
assert "class" not in meta and "year" not in meta and "retention" not in meta, meta
# members at their default are left out
assert "subjects" not in meta and "status" not in meta and "role" not in meta["objects"][0], meta
assert meta["source"] == {"kind": "file", "path": "sub/ledger.csv", "mtime": meta["source"]["mtime"]}, meta
assert meta["objects"][0]["sha256"] == a["sha256"] and meta["objects"][0]["size"] == a["size"], meta' "$output" "$line"
	run as li show "$no"
	status_is 0
	output_has "$no" "sub/ledger.csv" "$(sha_of "$T/in/sub/ledger.csv")" customer D30
	run as li show "Z109-KH·2019-D30-0099"
	status_is 4
	output_has "no record 'Z109-KH·2019-D30-0099'"
}

@test "get: -o FILE and standard output give back the exact bytes of every record" {
	make_tree
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >/dev/null
	mkdir "$T/out"
	as li ls --json | py '
for r in jl(sys.stdin.read()):
    print(r["archive_no"] + "\t" + r["source"])' >"$T/list"
	[ "$(wc -l <"$T/list")" -eq 7 ]
	while IFS=$'\t' read -r no src; do
		as li get "$no" -o "$T/out/file" --force
		cmp "$T/out/file" "$T/in/$src"
		as li get "$no" >"$T/out/stdout"
		cmp "$T/out/stdout" "$T/in/$src"
	done <"$T/list"
	# --output is the long form; an existing file is replaced only with --force
	echo "old content" >"$T/out/existing"
	run as li get "Z109-KH·2019-D30-0001" --output "$T/out/existing"
	status_is 1
	equal "$(cat "$T/out/existing")" "old content" "the existing file without --force"
	run as li get "Z109-KH·2019-D30-0001" --output "$T/out/existing" --force
	status_is 0
	cmp "$T/out/existing" "$T/in/a.txt"
	# nothing but the file is left behind
	equal "$(ls "$T/out")" "existing
file
stdout" "files in the output directory"
}

@test "get: an unknown record is not found (exit 4) and creates no file" {
	make_tree
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >/dev/null
	run as li get "Z109-KH·2019-D30-0042" -o "$T/nothing"
	status_is 4
	output_has "no record 'Z109-KH·2019-D30-0042'"
	[ ! -e "$T/nothing" ]
	[ -z "$(compgen -G "$T/nothing*")" ]
	run as li get "not-an-archive-number"
	status_is 4
}

@test "re-import: the same import again imports nothing and keeps the numbering" {
	make_tree
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >"$T/first"
	before=$(as li ls --json)
	entries=$(count_entries)
	run --separate-stderr as li import files "$T/in" --fonds Z109 --class customer --year 2019
	status_is 0
	output_has "0 imported (0 B), 7 already in the vault, 0 skipped, 0 failed"
	# every file named with the archive number it already has
	equal "$(echo "$output" | grep -c '^duplicate	')" 7 "duplicate lines"
	equal "$(echo "$output" | grep '^duplicate' | cut -f2,3)" "$(grep '^imported' "$T/first" | cut -f2,3)" \
		"archive numbers of the re-import"
	equal "$(as li ls --json)" "$before" "listing after the re-import"
	# no record.import entry was added
	equal "$(as aud log show --json | grep -c '"record.import"')" 7 "record.import entries"
	# --json says the same
	run --separate-stderr as li import files "$T/in" --fonds Z109 --class customer --year 2019 --json
	status_is 0
	py '
ls = jl(sys.argv[1])
s = ls[-1]
assert s["summary"] and s["imported"] == 0 and s["duplicates"] == 7 and s["failed"] == 0, s
assert all(l["status"] == "duplicate" and l["archive_no"].startswith("Z109-KH") for l in ls[:-1]), ls
' "$output"
	run as li check
	status_is 0
}

@test "re-import: a new file gets the next number; a renamed or copied file is recognised" {
	make_tree
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >/dev/null
	mv "$T/in/a.txt" "$T/in/renamed.txt"
	cp "$T/in/b.txt" "$T/in/sub/copy-of-b.txt"
	echo "a new letter" >"$T/in/new.txt"
	run as li import files "$T/in" --fonds Z109 --class customer --year 2019
	status_is 0
	output_has "imported	Z109-KH·2019-D30-0008	new.txt" \
		"duplicate	Z109-KH·2019-D30-0001	renamed.txt" \
		"duplicate	Z109-KH·2019-D30-0002	sub/copy-of-b.txt" \
		"1 imported (13 B), 8 already in the vault, 0 skipped, 0 failed"
	[ "$(count_records)" -eq 8 ]
	# a file that is a duplicate of another in the same run
	mkdir "$T/twins"
	echo same >"$T/twins/one.txt"
	echo same >"$T/twins/two.txt"
	run as li import files "$T/twins" --fonds Z109 --class customer --year 2019
	status_is 0
	output_has "imported	Z109-KH·2019-D30-0009	one.txt" "duplicate	Z109-KH·2019-D30-0009	two.txt"
	run as li check
	status_is 0
}

@test "re-import: the same files in another fonds are new records there" {
	make_tree
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >/dev/null
	as li fonds add Z110 --name 'Second Co' --uscc 91110000802100433B >/dev/null
	run as li import files "$T/in" --fonds Z110 --class customer --year 2019
	status_is 0
	output_has "7 imported" "0 already in the vault"
	output_has "Z110-KH·2019-D30-0007"
	[ "$(as li ls --fonds Z110 --json | grep -c '^{')" -eq 7 ]
	[ "$(as li ls --fonds Z109 --json | grep -c '^{')" -eq 7 ]
}

@test "import --json: one line per file, then a summary" {
	make_tree
	run --separate-stderr as li import files "$T/in" --fonds Z109 --class customer --year 2019 --json
	status_is 0
	py '
ls = jl(sys.argv[1])
assert len(ls) == 8, ls
files = ls[:-1]
assert [l["path"] for l in files] == ["a.txt", "b.txt", "empty.dat", "sub/deeper/big.bin",
    "sub/ledger.csv", "sub/scan.jpg", "客户 名单.txt"], files
assert all(l["status"] == "imported" for l in files), files
s = ls[-1]
assert s["summary"] is True and s["imported"] == 7 and s["duplicates"] == 0, s
assert s["skipped"] == 0 and s["failed"] == 0 and s["stopped"] is False, s
assert s["bytes"] == sum(os.path.getsize(os.path.join(sys.argv[2], l["path"])) for l in files), s
' "$output" "$T/in"
	# --quiet prints only the summary
	echo more >"$T/in/more.txt"
	run --separate-stderr as li import files "$T/in" --fonds Z109 --class customer --year 2019 --quiet
	status_is 0
	equal "$(echo "$output" | wc -l)" 1 "lines of --quiet output"
	output_has "1 imported"
}

@test "import: bad options and directories are refused and import nothing" {
	mkdir -p "$T/in"
	echo x >"$T/in/x.txt"
	run as li import files "$T/in" --fonds Z109 --class nonsense
	status_is 2
	output_has "unknown class 'nonsense'"
	run as li import files "$T/in" --fonds Z109 --class other --year 19
	status_is 2
	output_has "--year must be a four-digit year"
	run as li import files "$T/in" --fonds Z109 --class other --retention D5
	[ "$status" -ne 0 ]
	output_has "--retention must be Y, D30 or D10"
	run as li import files "$T/in" --fonds Z109 --class other --org toolong
	[ "$status" -ne 0 ]
	output_has "--org must be 1-3 upper-case letters or digits"
	run as li import files "$T/in" --class other
	status_is 2
	output_has "give the fonds"
	run as li import files "$T/in" --fonds Z109 --class other --rules "$T/in/x.txt"
	status_is 2
	output_has "give --class or --rules, not both"
	run as li import files --fonds Z109 --class other
	status_is 2
	run as li import files "$T/nonexistent" --fonds Z109 --class other
	status_is 4
	output_has "cannot read '$T/nonexistent'"
	run as li import files "$T/in/x.txt" --fonds Z109 --class other
	status_is 1
	output_has "is not a directory"
	run as li import files "$T/in" --fonds Z999 --class other
	status_is 4
	output_has "no fonds 'Z999'"
	[ "$(count_records)" -eq 0 ]
}

@test "import: an invalid --retention or --org is a usage error (exit 2), like --class and --year" {
	mkdir -p "$T/in"
	echo x >"$T/in/x.txt"
	run as li import files "$T/in" --fonds Z109 --class other --retention D5
	status_is 2
	run as li import files "$T/in" --fonds Z109 --class other --org toolong
	status_is 2
	run as li import files "$T/in" --fonds Z109 --class other --org cw
	status_is 2
	[ "$(count_records)" -eq 0 ]
}

@test "import: a relative directory and a trailing slash give the same sources" {
	mkdir -p "$T/rel/sub"
	echo r1 >"$T/rel/sub/r1.txt"
	cd "$T"
	run as li import files rel/ --fonds Z109 --class other --year 2020
	status_is 0
	output_has "imported	Z109-QT·2020-D10-0001	sub/r1.txt"
	run --separate-stderr as li show "Z109-QT·2020-D10-0001" --json
	py 'r = json.loads(sys.argv[1]); assert r["source"] == "sub/r1.txt" and r["title"] == "r1", r' "$output"
}
