#!/usr/bin/env bats
# custody subject show (with the linked records) and subject export (PIPL Art. 45): the
# records linked with `import files --subject`, the JSON of show, the export's files, modes
# and byte-identical originals, the refusals (a symbolic link at or in DIR, a non-empty DIR,
# a viewer, an archivist without the fonds, an unknown id) and the ledger entries.
#
#   CUSTODY=build/custody bats tests/cli/subject_export.bats

load helpers

NAME=张伟明

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

# Subject Z109-C000001 with three files linked to it (one with a comma and quotes in its
# name, one whose name holds a control character), and one file of no subject.
linked_vault() {
	as li subject add --fonds Z109 --kind person --name "$NAME" --phone 13912345678 \
		--email zhang@example.cn >/dev/null
	mkdir -p in/sub other
	printf 'contract of 张伟明\n' >in/a.txt
	head -c 5000 /dev/urandom >"in/sub/b,c \"q\".bin"
	printf '=1+2\n' >"in/"$'\x01'"evil.txt"
	printf 'not about the customer\n' >other/x.txt
	as li import files in --fonds Z109 --class customer --year 2019 --subject Z109-C000001 \
		--quiet >/dev/null
	as li import files other --fonds Z109 --class contract --year 2020 --quiet >/dev/null
}

@test "import files --subject: an unknown subject or one of another fonds is refused before any import" {
	as li subject add --fonds Z109 --kind person --name "$NAME" >/dev/null
	mkdir in
	printf 'x\n' >in/a.txt
	run as li import files in --fonds Z109 --class customer --year 2019 --subject Z109-C000002
	status_is 4
	output_has "no subject 'Z109-C000002'"
	run as li import files in --fonds Z109 --class customer --year 2019 --subject Z108-C000001
	status_is 1
	output_has "belongs to fonds Z108, not Z109"
	run as li import files in --fonds Z109 --class customer --year 2019 --subject nonsense
	status_is 1
	equal "$(count_records)" 0 "records after refused imports"
	run as li import files in --fonds Z109 --class customer --year 2019 --subject Z109-c1
	status_is 0
	run as li subject list --json
	equal "$(json_field records <<<"$output")" 1 "records linked"
}

@test "subject show lists the linked records; --json parses and holds them" {
	linked_vault
	run as li subject show Z109-C000001
	status_is 0
	output_has "$NAME" "records         3" "Z109-KH${DOT}2019-D30-0001" "Z109-KH${DOT}2019-D30-0003" \
		'b,c "q"' '\x01evil'
	output_lacks "Z109-HT" "not about"
	run as li subject show Z109-C000001 --json
	status_is 0
	py '
s = json.loads(sys.stdin.read())
assert s["id"] == "Z109-C000001" and s["name"] == sys.argv[1] and s["records"] == 3, s
assert s["phones"] == ["13912345678"] and s["emails"] == ["zhang@example.cn"], s
rs = s["linked_records"]
assert [r["archive_no"] for r in rs] == ["Z109-KH\u00b72019-D30-000%d" % i for i in (1, 2, 3)], rs
for r in rs:
    assert r["class"] == "customer" and r["year"] == 2019 and r["retention"] == "D30", r
    assert r["labels"] == [] and "title" in r and "date" in r and "file" not in r, r
assert {r["title"] for r in rs} == {"\x01evil", "a", "b,c \"q\""}, rs
want = {"a.txt": open("in/a.txt", "rb").read()}
a = [r for r in rs if r["source"] == "a.txt"][0]
assert a["sha256"] == hashlib.sha256(want["a.txt"]).hexdigest(), a' "$NAME" <<<"$output"
	# a subject with no records: an empty list
	as li subject add --fonds Z109 --kind org --name "某公司" >/dev/null
	run as li subject show Z109-C000002 --json
	status_is 0
	py 's = json.loads(sys.stdin.read()); assert s["linked_records"] == [] and s["records"] == 0, s' <<<"$output"
}

@test "subject export writes subject.json, records.csv, README.txt and the originals, private" {
	linked_vault
	local before_reads
	before_reads=$(count_action record.read)
	run --separate-stderr as li subject export Z109-C000001 -o out
	status_is 0
	output_has "exported subject Z109-C000001 and 3 records to out"
	stderr_has "out holds personal data"
	# modes: the directories 0700, every file 0600
	equal "$(stat -c %a out)" 700 "mode of out"
	run find out -type d ! -perm 700
	equal "$output" "" "directories not 0700"
	run find out -type f ! -perm 600
	equal "$output" "" "files not 0600"
	run find out ! -type f ! -type d
	equal "$output" "" "neither file nor directory"
	# the originals, byte for byte, under the names they were imported with (sanitised)
	cmp "out/records/Z109-KH${DOT}2019-D30-0002/a.txt" in/a.txt
	cmp "out/records/Z109-KH${DOT}2019-D30-0003/b,c \"q\".bin" "in/sub/b,c \"q\".bin"
	cmp "out/records/Z109-KH${DOT}2019-D30-0001/_evil.txt" "in/"$'\x01'"evil.txt"
	equal "$(find out/records -type f | wc -l)" 3 "originals"
	# subject.json: as show --json, with where each original is
	python3 -m json.tool out/subject.json >/dev/null
	py '
s = json.load(open("out/subject.json"))
assert s["id"] == "Z109-C000001" and s["name"] == sys.argv[1] and len(s["linked_records"]) == 3, s
for r in s["linked_records"]:
    assert sha(os.path.join("out", r["file"])) == r["sha256"], r' "$NAME"
	# records.csv: UTF-8 with a BOM, CRLF, RFC 4180 quoting, a bilingual header
	py '
import csv, io
raw = open("out/records.csv", "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), raw[:8]
assert raw.count(b"\r\n") == 4 and raw.count(b"\n") == 4, raw
rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
assert rows[0][0] == "archive_no 档号" and "title 题名" in rows[0] and rows[0][-1] == "file 文件", rows[0]
assert len(rows) == 4 and all(len(r) == len(rows[0]) for r in rows), rows
t = rows[0].index("title 题名")
by = {r[0]: r for r in rows[1:]}
b = by["Z109-KH\u00b72019-D30-0003"]
assert b[t] == "b,c \"q\"" and b[-1] == "records/Z109-KH\u00b72019-D30-0003/b,c \"q\".bin", b
for r in rows[1:]:
    assert os.path.isfile(os.path.join("out", r[-1])), r'
	# README.txt in English and Chinese
	grep -q "PIPL Art. 45" out/README.txt
	grep -q "个人信息保护法" out/README.txt
	# the ledger: one subject.export with the id and the count, never a value; each original read
	run as aud log show --json
	status_is 0
	py '
es = [json.loads(l) for l in sys.stdin if "\"subject.export\"" in l]
assert len(es) == 1, es
e = es[0]
assert e["targets"] == ["Z109-C000001"] and e["details"] == {"fonds": "Z109", "records": 3}, e' <<<"$output"
	output_lacks "$NAME" "13912345678" "zhang@example.cn"
	equal "$(count_action record.read)" "$((before_reads + 3))" "record.read entries"
}

@test "subject export into an existing empty directory makes it 0700; a subject with no records" {
	as li subject add --fonds Z109 --kind org --name "某公司" >/dev/null
	mkdir -m 755 out
	run as li subject export Z109-C000001 -o out
	status_is 0
	output_has "0 records"
	equal "$(stat -c %a out)" 700 "mode of out"
	equal "$(ls out | tr '\n' ' ')" "README.txt records records.csv subject.json " "files"
	equal "$(ls out/records | wc -l)" 0 "originals"
}

@test "subject export refuses a symbolic link at DIR or in it, a file, and a non-empty DIR" {
	linked_vault
	mkdir target
	ln -s target link
	run as li subject export Z109-C000001 -o link
	status_is 1
	output_has "symbolic link"
	equal "$(ls -A target | wc -l)" 0 "files written through the link"
	# a link planted inside DIR (to where the export would write)
	mkdir out
	ln -s ../target out/subject.json
	run as li subject export Z109-C000001 -o out
	status_is 1
	output_has "not empty"
	equal "$(ls -A target | wc -l)" 0 "files written through the link"
	rm out/subject.json
	printf 'mine\n' >out/keep.txt
	run as li subject export Z109-C000001 -o out
	status_is 1
	output_has "not empty"
	equal "$(cat out/keep.txt)" "mine" "a file already there"
	printf 'x' >file
	run as li subject export Z109-C000001 -o file
	status_is 1
	output_has "not a directory"
	run as li subject export Z109-C000001
	status_is 2
	equal "$(count_action subject.export)" 0 "subject.export entries"
}

@test "subject export: viewers, archivists without the fonds, admin roles and unknown ids are refused" {
	linked_vault
	as sec user grant vv Z109 >/dev/null
	as li subject list >/dev/null # a key holder completes the grant
	run as vv subject show Z109-C000001 --json # a viewer may see it...
	status_is 0
	run as vv subject export Z109-C000001 -o out # ...but not export it
	status_is 6
	[ ! -e out ]
	as sec user add li2 --role archivist --new-password-file "$PW/li2" >/dev/null
	run as li2 subject export Z109-C000001 -o out
	status_is 4
	output_has "no subject 'Z109-C000001'" # the same answer as for no such subject
	[ ! -e out ]
	for u in aud sec; do
		run as "$u" subject export Z109-C000001 -o out
		status_is 6
		[ ! -e out ]
	done
	run as li subject export Z109-C000009 -o out
	status_is 4
	output_has "no subject 'Z109-C000009'"
	[ ! -e out ]
	mkdir empty
	run as li subject export Z109-C000009 -o empty
	status_is 4
	equal "$(ls -A empty | wc -l)" 0 "files left in an empty DIR"
	equal "$(count_action subject.export)" 0 "subject.export entries"
}

@test "subject export: a record that fails verification stops it and leaves nothing behind" {
	linked_vault
	local pack off len
	read -r pack off len < <(object_of "Z109-KH${DOT}2019-D30-0003")
	flip_bit "$pack" $((off + len / 2))
	run as li subject export Z109-C000001 -o out
	status_is 5
	[ ! -e out ]
	mkdir empty
	run as li subject export Z109-C000001 -o empty
	status_is 5
	equal "$(find empty | wc -l)" 1 "what is left in an empty DIR"
	equal "$(stat -c %a empty)" 700 "mode of the DIR"
}

# A customer imported from a CSV row, and two e-mails from her: one with a text body and two
# attachments (a CSV and a PDF), one without attachments.
parts_vault() {
	printf '客户编号,客户名称,手机号码,电子邮件\nC0001,%s,13912345678,zhang@example.cn\n' "$NAME" \
		>customers.csv
	as li import csv customers.csv --fonds Z109 --kind customers --quiet >/dev/null
	py '
out = open("mail.mbox", "wb")
def msg(headers, body):
    out.write(b"From zhang@example.cn Mon Mar  4 09:30:00 2024\n")
    for k, v in headers:
        out.write(k.encode() + b": " + v.encode() + b"\n")
    out.write(b"\n" + body + b"\n")
msg([("From", "zhang@example.cn"), ("To", "service@company.example"), ("Subject", "bill"),
     ("Date", "Mon, 4 Mar 2024 09:30:00 +0800"), ("Message-ID", "<m1@example.cn>"),
     ("MIME-Version", "1.0"), ("Content-Type", "multipart/mixed; boundary=\"XX\"")],
    b"--XX\nContent-Type: text/plain; charset=utf-8\n\nplease see the bill\n"
    b"--XX\nContent-Type: text/csv; name=\"bill.csv\"\nContent-Disposition: attachment; filename=\"bill.csv\"\n\ndate,amount\n2024-03-01,99.00\n"
    b"--XX\nContent-Type: application/pdf; name=\"scan.pdf\"\nContent-Disposition: attachment; filename=\"scan.pdf\"\nContent-Transfer-Encoding: base64\n\n" +
    base64.b64encode(b"%PDF-1.4\n% a scan\n%%EOF\n") + b"\n--XX--\n")
msg([("From", "service@company.example"), ("To", "zhang@example.cn"), ("Subject", "re: bill"),
     ("Date", "Tue, 5 Mar 2024 10:00:00 +0800"), ("Message-ID", "<m2@example.cn>")],
    b"refunded\n")'
	as li import mail mail.mbox --fonds Z109 --quiet >/dev/null
}

@test "subject export writes every part of a record, named by role, listed in records.csv and subject.json" {
	parts_vault
	local before_reads
	before_reads=$(count_action record.read)
	run --separate-stderr as li subject export Z109-C000001 -o out
	status_is 0
	output_has "exported subject Z109-C000001 and 3 records to out"
	py '
import csv, io
s = json.load(open("out/subject.json"))
rs = s["linked_records"]
assert len(rs) == 3, rs
byclass = {}
for r in rs:
    byclass.setdefault(r["class"], []).append(r)
# every part: its file exists, matches its digest, and the first part is the record'"'"'s file
files = set()
for r in rs:
    ps = r["parts"]
    assert [p["part"] for p in ps] == list(range(len(ps))), ps
    assert ps[0]["role"] == "original" and ps[0]["file"] == r["file"], r
    assert ps[0]["sha256"] == r["sha256"], r
    for p in ps:
        path = os.path.join("out", p["file"])
        assert sha(path) == p["sha256"] and os.path.getsize(path) == p["size"], p
        assert p["file"].startswith("records/" + r["archive_no"] + "/"), p
        files.add(p["file"])
# the customer profile: the CSV row and its fields as JSON
(c,) = byclass["customer"]
names = [os.path.basename(p["file"]) for p in c["parts"]]
assert names == ["original.csv", "fields.json"], names
assert open(os.path.join("out", c["file"]), "rb").read().startswith(b"C0001,"), c
fields = json.load(open(os.path.join("out", c["parts"][1]["file"])))
assert sys.argv[1] in json.dumps(fields, ensure_ascii=False), fields
# the mails: the message, its text, and each attachment numbered within its role
mails = sorted(byclass["correspondence"], key=lambda r: r["date"])
names = [os.path.basename(p["file"]) for p in mails[0]["parts"]]
assert names == ["original.eml", "text.txt", "attachment-1.csv", "attachment-2.pdf"], names
assert [p["role"] for p in mails[0]["parts"]] == ["original", "text", "attachment", "attachment"]
assert open(os.path.join("out", mails[0]["parts"][1]["file"]), "rb").read().strip() == b"please see the bill"
assert open(os.path.join("out", mails[0]["parts"][2]["file"]), "rb").read() == b"date,amount\n2024-03-01,99.00"
assert open(os.path.join("out", mails[0]["parts"][3]["file"]), "rb").read().startswith(b"%PDF-1.4")
assert [os.path.basename(p["file"]) for p in mails[1]["parts"]] == ["original.eml", "text.txt"]
# nothing else in records/
on_disk = {os.path.relpath(os.path.join(d, f), "out") for d, _, fs in os.walk("out/records") for f in fs}
assert on_disk == files, (on_disk, files)
# records.csv: one line per file, with the part'"'"'s role, format, size and digest
raw = open("out/records.csv", "rb").read()
rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
h = rows[0]
assert h[-1] == "file 文件" and "part 部分" in h and all(len(r) == len(h) for r in rows), h
assert len(rows) == 1 + len(files), rows
col = {k.split(" ")[0]: i for i, k in enumerate(h)}
byfile = {r[-1]: r for r in rows[1:]}
assert set(byfile) == files, byfile
for r in rs:
    for p in r["parts"]:
        row = byfile[p["file"]]
        assert row[col["archive_no"]] == r["archive_no"] and row[col["part"]] == p["role"], row
        assert row[col["format"]] == p["format"] and row[col["size"]] == str(p["size"]), row
        assert row[col["sha256"]] == p["sha256"], row' "$NAME"
	# each part read on the ledger: 2 + 4 + 2 files, the later parts with their number
	equal "$(count_action record.read)" "$((before_reads + 8))" "record.read entries"
	run as aud log show --json
	py '
es = [json.loads(l) for l in sys.stdin if "\"record.read\"" in l]
parts = sorted(e["details"].get("part", 0) for e in es)
assert parts == [0, 0, 0, 1, 1, 1, 2, 3], parts' <<<"$output"
}

@test "subject export: a later part that fails verification stops it and leaves nothing behind" {
	parts_vault
	# the customer profile's part 1 (its fields as JSON): damage a byte in its middle
	local row name off len
	row=$(sqlite3 -separator ' ' "$V/catalog.db" \
		"SELECT p.name, o.offset, o.length FROM records r JOIN record_objects ro ON ro.record_id = r.id
		 JOIN objects o ON o.id = ro.object_id JOIN packs p ON p.id = o.pack_id
		 WHERE r.class = 'customer' AND ro.seq = 1")
	read -r name off len <<<"$row"
	[ -n "$len" ]
	flip_bit "$V/objects/${name:0:2}/${name:2}.pack" $((off + len / 2))
	run as li subject export Z109-C000001 -o out
	status_is 5
	[ ! -e out ]
	# the record's original is still whole
	run as li get "$(sqlite3 "$V/catalog.db" "SELECT archive_no FROM records WHERE class = 'customer'")" -o orig.csv
	status_is 0
}
