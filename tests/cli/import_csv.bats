#!/usr/bin/env bats
# custody import csv / import rejects: a CRM's export (GBK, Chinese headers, a title row,
# Excel's quirks) becomes customers and records; refused rows are kept sealed with their
# line and reason; a second import adds nothing; nothing personal reaches the disk in clear.
#
#   CUSTODY=build/custody bats tests/cli/import_csv.bats

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

# A valid GB 11643 ID number from its first 17 digits.
idno() {
	py '
d = sys.argv[1]
w = [7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2]
print(d + "10X98765432"[sum(int(a)*b for a, b in zip(d, w)) % 11])' "$1"
}

ID1=$(idno 11010519800101001)
ID2=$(idno 44030619921231002)
ID3=$(idno 35010220150601003) # born 2015: under 14
NAME1=王建国
PHONE1=13912345671
EMAIL1=wang.jianguo@example.cn
CARD1=6222020200001234567

# customers.csv in GBK: a title row, the header, four customers (the fourth is the first
# again with another phone), one ID number that Excel destroyed, one row without a name.
write_customers() {
	{
		printf '某某贸易有限公司客户清单 导出时间：2024-05-01\n'
		printf '客户编号,客户名称,证件类型,身份证号,手机号码,电子邮件,联系地址,银行卡号,备注\n'
		printf 'C0001,%s,居民身份证,%s,%s,%s,福州市鼓楼区五一北路1号,%s,"老客户\n有两行备注"\n' "$NAME1" "$ID1" "$PHONE1" "$EMAIL1" "$CARD1"
		printf 'C0002,李秀英,居民身份证,%s,13800138002,li.xy@example.cn,厦门市思明区,,\n' "$ID2"
		printf 'C0003,陈小明,居民身份证,%s,13800138003,,泉州市,,\n' "$ID3"
		printf 'C0001,%s,居民身份证,%s,13700000000,,福州市,,又一次导出\n' "$NAME1" "$ID1"
		printf 'C0005,赵六,居民身份证,1.10105E+17,13800138005,,,,\n'
		printf 'C0006,,居民身份证,,13800138006,,,,\n'
	} | iconv -f UTF-8 -t GBK >"$T/customers.csv"
}

write_transactions() {
	{
		printf '交易流水号,客户编号,交易日期,交易类型,金额,币种,摘要\n'
		printf 'T1,C0001,2022-03-01,存入,100.00,CNY,工资\n'
		printf 'T2,C0001,2022/07/15,支取,20.00,CNY,取现\n'
		printf 'T3,C0001,2023-01-02,存入,5.00,CNY,利息\n'
		printf 'T4,C0002,2023-02-03,存入,7.00,CNY,转入\n'
		printf 'T5,C9999,2023-02-04,存入,9.00,CNY,未知客户\n'
		printf 'T6,C0002,,存入,9.00,CNY,无日期\n'
	} | iconv -f UTF-8 -t GBK >"$T/transactions.csv"
}

@test "import csv customers: subjects de-duplicated by ID number, a profile record each, rejects by line" {
	write_customers
	run --separate-stderr as li import csv "$T/customers.csv" --fonds Z109 --kind customers --json
	status_is 1 # rows were refused
	py '
rs = jl(sys.argv[1])
s = rs[-1]
assert s["summary"] and s["rows"] == 6 and s["imported"] == 4 and s["subjects"] == 3, s
assert s["rejects"] == 2 and s["encoding"] == "GB18030" and s["header_line"] == 2, s
rej = {r["line"]: r["reason"] for r in rs if r.get("status") == "rejected"}
# physical lines: title 1, header 2, the first customer spans 3-4, then 5, 6, 7, 8, 9
assert set(rej) == {8, 9}, rej
assert "scientific" in rej[8], rej
assert "name" in rej[9], rej
' "$output"
	# the customer with two rows is one subject with two profile records, and the phone of
	# the second row was added to it (and to its index)
	py 's = jl(sys.argv[1])[-1]; assert s["subjects_updated"] == 1, s' "$output"
	run as li subject find --id-number "$ID1" --json
	status_is 0
	py '
rs = jl(sys.argv[1]); assert len(rs) == 1 and rs[0]["records"] == 2, rs' "$output"
	run as li subject find --phone 13700000000 --json
	py 'rs = jl(sys.argv[1]); assert len(rs) == 1 and rs[0]["id"] == "Z109-C000001", rs' "$output"
	[ "$(count_action subject.amend)" -eq 1 ]
	run as li check
	status_is 0
	# found by the customer number too (a blind index of its own)
	run as li subject find --customer-no c0002 --json
	status_is 0
	py 'rs = jl(sys.argv[1]); assert len(rs) == 1 and rs[0]["id"] == "Z109-C000002", rs' "$output"
	run as li ls --json
	py '
rs = jl(sys.argv[1])
assert len(rs) == 4 and all(r["class"] == "customer" for r in rs), rs
assert all(r["source_kind"] == "csv" and r["line"] >= 3 for r in rs), rs
# classed by the rule pack (rules/default.json), which names itself
assert all(r["retention_rule"] == "kind-customers" and r["retention"] == "D10" for r in rs), rs' "$output"
	# the minor and the card holder are labelled
	run as li subject find --id-number "$ID3" --json
	no=$(as li ls --json | py '
for r in jl(sys.stdin.read()):
    if r.get("line") == 6: print(r["archive_no"])')
	run as li show "$no" --json
	status_is 0
	output_has minor_under_14 id_number
	# and the customer carries the labels and the customer number
	run as li subject show Z109-C000003 --json
	status_is 0
	py '
s = json.loads(sys.argv[1])
assert s["customer_nos"] == ["C0003"] and set(s["labels"]) == {"id_number", "minor_under_14"}, s
' "$output"
}

@test "import rejects: the refused rows with line and reason; -o writes them as in the file, 0600" {
	write_customers
	as li import csv "$T/customers.csv" --fonds Z109 --kind customers --quiet || true
	run as li import rejects
	status_is 0
	output_has "line 8:" "scientific notation" "line 9:" "2 rows refused"
	output_lacks "1.10105E+17" "13800138005"
	run as li import rejects -o "$T/rej.csv"
	status_is 0
	[ "$(stat -c %a "$T/rej.csv")" = 600 ]
	# byte for byte the two lines of the GBK file
	sed -n '8,9p' "$T/customers.csv" >"$T/want.csv"
	cmp "$T/rej.csv" "$T/want.csv"
	# a viewer may not read them; the reading is logged
	run as vv import rejects
	[ "$status" -ne 0 ]
	[ "$(count_action import.rejects)" -ge 2 ]
	[ "$(count_action import.run)" -eq 1 ]
}

@test "import csv again adds nothing twice" {
	write_customers
	as li import csv "$T/customers.csv" --fonds Z109 --kind customers --quiet || true
	run --separate-stderr as li import csv "$T/customers.csv" --fonds Z109 --kind customers --json
	py '
s = jl(sys.argv[1])[-1]
assert s["imported"] == 0 and s["duplicates"] == 4 and s["subjects"] == 0 and s["rejects"] == 2, s
' "$output"
	[ "$(count_records)" -eq 4 ]
	run as li subject list --json
	py 'assert len(jl(sys.argv[1])) == 3' "$output"
}

@test "import csv transactions: one statement per customer and year; unknown customers refused" {
	write_customers
	write_transactions
	as li import csv "$T/customers.csv" --fonds Z109 --kind customers --quiet || true
	run --separate-stderr as li import csv "$T/transactions.csv" --fonds Z109 --kind transactions --json
	status_is 1
	py '
rs = jl(sys.argv[1]); s = rs[-1]
assert s["rows"] == 6 and s["imported"] == 3 and s["rejects"] == 2, s
rej = {r["line"]: r["reason"] for r in rs if r.get("status") == "rejected"}
assert set(rej) == {6, 7} and "customer" in rej[6] and "date" in rej[7], rej
' "$output"
	run as li ls --json
	py '
rs = [r for r in jl(sys.argv[1]) if r["class"] == "transaction"]
assert sorted(r["year"] for r in rs) == [2022, 2023, 2023], rs
' "$output"
	# the 2022 statement of C0001 holds both its rows, as they were in the file (GBK)
	no=$(as li ls --json | py '
for r in jl(sys.stdin.read()):
    if r["class"] == "transaction" and r["year"] == 2022: print(r["archive_no"])')
	as li get "$no" -o "$T/st.csv" --force
	sed -n '2,3p' "$T/transactions.csv" >"$T/want.csv"
	cmp "$T/st.csv" "$T/want.csv"
	# the customer now has its statements
	run as li subject find --customer-no C0001 --json
	py 'rs = jl(sys.argv[1]); assert rs[0]["records"] == 4, rs' "$output"
	# again: nothing new
	run --separate-stderr as li import csv "$T/transactions.csv" --fonds Z109 --kind transactions --json
	py 's = jl(sys.argv[1])[-1]; assert s["imported"] == 0 and s["duplicates"] == 3, s' "$output"
}

@test "import csv transactions: every customer's rows of a year make one statement, however many statements come before" {
	# 400 customers, two rows each in 2022 and one in 2023, the rows interleaved: 800
	# statements (a miscount of the bytes held used to split every statement after the
	# first ~150 into one record per row)
	py '
import sys
with open(sys.argv[1], "w") as c, open(sys.argv[2], "w") as t:
    c.write("客户编号,客户名称,手机号码\n")
    t.write("交易流水号,客户编号,交易日期,交易类型,金额,币种,摘要\n")
    for i in range(400):
        c.write("K%04d,客户%d,139%08d\n" % (i, i, i))
    n = 0
    for d in ("2022-03-01", "2022-04-01", "2023-05-01"):
        for i in range(400):
            n += 1
            t.write("T%d,K%04d,%s,存入,1.00,CNY,x\n" % (n, i, d))
' "$T/c.csv" "$T/t.csv"
	as li import csv "$T/c.csv" --fonds Z109 --kind customers --quiet
	run --separate-stderr as li import csv "$T/t.csv" --fonds Z109 --kind transactions --json
	status_is 0
	py 's = jl(sys.argv[1])[-1]; assert s["rows"] == 1200 and s["imported"] == 800 and s["rejects"] == 0, s' "$output"
	as li ls --json >"$T/ls.json"
	py '
rs = [r for r in jl(open(sys.argv[1]).read()) if r["class"] == "transaction"]
assert len(rs) == 800, len(rs)
assert not any("(" in r["title"] for r in rs), [r["title"] for r in rs if "(" in r["title"]][:3]
assert sum(1 for r in rs if r["year"] == 2022) == 400, rs[:3]
' "$T/ls.json"
}

@test "import csv contracts: linked to the customer; a contract of an unknown customer is kept unlinked" {
	write_customers
	as li import csv "$T/customers.csv" --fonds Z109 --kind customers --quiet || true
	printf '合同编号,客户编号,合同名称,签订日期,金额\nHT-001,C0002,借款合同,2021-06-01,1000\nHT-002,C7777,租赁合同,2020-01-05,5\n' >"$T/contracts.csv"
	# rows of no known kind, no rule for them: unclassified, for review, never dropped
	printf '手机号码,标题,日期\n13800138002,来访记录,2022-05-01\n' >"$T/other.csv"
	run --separate-stderr as li import csv "$T/other.csv" --fonds Z109 --kind records --rules /dev/null/none
	[ "$status" -ne 0 ]
	run --separate-stderr as li import csv "$T/other.csv" --fonds Z109 --kind records --json
	status_is 0
	run as li ls --json
	py 'rs = [r for r in jl(sys.argv[1]) if r["class"] == "unclassified"]; assert len(rs) == 1 and rs[0]["subjects"] == 1, rs' "$output"
	run --separate-stderr as li import csv "$T/contracts.csv" --fonds Z109 --kind contracts --json
	status_is 0
	py '
s = jl(sys.argv[1])[-1]
assert s["imported"] == 2 and s["linked"] == 1 and s["unlinked"] == 1 and s["rejects"] == 0, s' "$output"
	run as li ls --json
	py '
rs = sorted((r["year"], r["class"]) for r in jl(sys.argv[1]) if r["class"] == "contract")
assert rs == [(2020, "contract"), (2021, "contract")], rs
assert all(r["retention_rule"] == "kind-contracts" for r in jl(sys.argv[1]) if r["class"] == "contract")' "$output"
}

@test "import csv --dry-run shows the mapping and the refusals, writes nothing" {
	write_customers
	run as li import csv "$T/customers.csv" --fonds Z109 --kind customers --dry-run
	status_is 0
	output_has "header on line 2" "id_number" "phone" "dry run: 6 rows read" "2 would be refused"
	[ "$(count_records)" -eq 0 ]
	run as li import rejects
	[ "$status" -ne 0 ]
	output_has "no import has run"
}

@test "import csv: bad usage and unreadable input get clear messages" {
	run as li import csv "$T/nope.csv" --fonds Z109 --kind customers
	[ "$status" -ne 0 ]
	output_has "cannot read"
	printf 'a,b\n' >"$T/x.csv"
	run as li import csv "$T/x.csv" --fonds Z109 --kind people
	status_is 2
	output_has "customers, transactions, contracts or records"
	run as li import csv "$T/x.csv" --fonds Z109
	status_is 2
	# no header custody knows
	printf 'foo,bar\n1,2\n' >"$T/x.csv"
	run as li import csv "$T/x.csv" --fonds Z109 --kind customers
	[ "$status" -ne 0 ]
	output_has "no header row was recognised" "--map"
	# a viewer cannot import
	write_customers
	run as vv import csv "$T/customers.csv" --fonds Z109 --kind customers
	[ "$status" -ne 0 ]
}

@test "no value of the imported CSV in plaintext anywhere in the vault, rejects included" {
	write_customers
	write_transactions
	as li import csv "$T/customers.csv" --fonds Z109 --kind customers --quiet || true
	as li import csv "$T/transactions.csv" --fonds Z109 --kind transactions --quiet || true
	as li import rejects >/dev/null
	run py '
vals = sys.argv[1:8]
hits = []
for r, _, fs in os.walk(sys.argv[8]):
    for f in fs:
        p = os.path.join(r, f)
        data = open(p, "rb").read()
        for v in vals:
            for enc in ("utf-8", "gb18030", "utf-16-le", "utf-16-be"):
                if v.encode(enc) in data:
                    hits.append("%s: %r in %s" % (p, v, enc))
print("\n".join(hits)); assert not hits
' "$NAME1" "$ID1" "$PHONE1" "$EMAIL1" "$CARD1" "1.10105E+17" "13800138006" "$V"
	status_is 0
}

@test "a customer index row pointed elsewhere with sqlite3 is refused, not followed" {
	write_customers
	as li import csv "$T/customers.csv" --fonds Z109 --kind customers --quiet || true
	write_transactions
	# point C0001's customer-number row at the second customer
	sqlite3 "$V/catalog.db" "UPDATE subject_index SET subject_id = 2 WHERE field = 'customer_no' AND subject_id = 1"
	run as li import csv "$T/transactions.csv" --fonds Z109 --kind transactions
	[ "$status" -ne 0 ]
	output_has "altered"
	run as li ls --json
	py 'assert not [r for r in jl(sys.argv[1]) if r["class"] == "transaction"]' "$output"
}

@test "a killed import leaves a vault that passes check, and running it again completes it" {
	py '
w = [7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2]
def idno(i):
    d = "3501021980%02d%02d%03d" % (1 + i % 12, 1 + i % 28, i % 1000)
    d = d[:14] + "%03d" % (i % 1000)
    return d + "10X98765432"[sum(int(a) * b for a, b in zip(d, w)) % 11]
seen = set()
with open(sys.argv[1], "w", encoding="gb18030") as f:
    f.write("客户编号,客户名称,身份证号,手机号码\n")
    n = 0
    i = 0
    while n < 600:
        i += 1
        v = idno(i)
        if v in seen: continue
        seen.add(v); n += 1
        f.write("C%05d,客户%d,%s,139%08d\n" % (n, n, v, n))
' "$T/many.csv"
	# slow records, so that the kill lands in the middle
	CUSTODY_TEST_IMPORT_DELAY_MS=10 CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" \
		"$CUSTODY" import csv "$T/many.csv" --fonds Z109 --kind customers --quiet &
	local pid=$!
	track_pid "$pid"
	sleep 2.5
	kill -9 "$pid"
	wait "$pid" || true
	local before
	before=$(count_records)
	[ "$before" -gt 0 ] && [ "$before" -lt 600 ]
	run as li check
	status_is 0
	run as li import rejects --runs
	output_has "(did not finish)"
	# the unfinished run deleted with sqlite3: its import.start entry names it
	cp -a "$V" "$T/killed"
	sqlite3 "$V/catalog.db" "DELETE FROM import_rejects; DELETE FROM import_runs"
	run as li check
	[ "$status" -ne 0 ]
	output_has "import run 1 of fonds Z109 started" "not in the catalog"
	rm -rf "$V"
	mv "$T/killed" "$V"
	run --separate-stderr as li import csv "$T/many.csv" --fonds Z109 --kind customers --json
	status_is 0
	py '
s = jl(sys.argv[1])[-1]
assert s["imported"] + s["duplicates"] == 600 and s["rejects"] == 0, s
assert s["duplicates"] >= int(sys.argv[2]) - 0, s
' "$output" "$before"
	[ "$(count_records)" -eq 600 ]
	run as li subject list --json
	py 'assert len(jl(sys.argv[1])) == 600' "$output"
	run as li check
	status_is 0
}

@test "a refused row deleted, swapped or replayed with sqlite3 is named by check and by import rejects" {
	write_customers
	as li import csv "$T/customers.csv" --fonds Z109 --kind customers --quiet || true
	run as li check
	status_is 0
	cp -a "$V" "$T/orig"
	# swap the two sealed bodies: each is bound to its position
	sqlite3 "$V/catalog.db" "UPDATE import_rejects SET seq = 3 WHERE seq = 1; UPDATE import_rejects SET seq = 1 WHERE seq = 2; UPDATE import_rejects SET seq = 2 WHERE seq = 3"
	run as li check
	[ "$status" -ne 0 ]
	output_has "does not authenticate"
	run as li import rejects
	[ "$status" -ne 0 ]
	output_has "altered"
	# delete one
	rm -rf "$V"; cp -a "$T/orig" "$V"
	sqlite3 "$V/catalog.db" "DELETE FROM import_rejects WHERE seq = 2"
	run as li check
	[ "$status" -ne 0 ]
	output_has "2 refused rows but 1"
	run as li import rejects
	[ "$status" -ne 0 ]
	output_has "altered"
	# delete one and lower the run's count to match: the ledger still says 2
	rm -rf "$V"; cp -a "$T/orig" "$V"
	sqlite3 "$V/catalog.db" "DELETE FROM import_rejects WHERE seq = 2; UPDATE import_runs SET rejects = 1"
	run as li check
	[ "$status" -ne 0 ]
	output_has "refused 2 rows (ledger entry"
	# delete the whole run
	rm -rf "$V"; cp -a "$T/orig" "$V"
	sqlite3 "$V/catalog.db" "DELETE FROM import_rejects; DELETE FROM import_runs"
	run as li check
	[ "$status" -ne 0 ]
	output_has "import run 1 of fonds Z109 finished" "not in the catalog"
	# a body copied into a second run (a replay) does not open there
	rm -rf "$V"; cp -a "$T/orig" "$V"
	as li import csv "$T/customers.csv" --fonds Z109 --kind customers --quiet || true
	sqlite3 "$V/catalog.db" "UPDATE import_rejects SET body = (SELECT body FROM import_rejects WHERE run_id = 1 AND seq = 1) WHERE run_id = 2 AND seq = 1"
	run as li check
	[ "$status" -ne 0 ]
	output_has "run 2" "does not authenticate"
}

@test "the rows a transactions import sets aside are sealed: its scratch files hold no value" {
	write_customers
	as li import csv "$T/customers.csv" --fonds Z109 --kind customers --quiet || true
	# many rows of the first customer, slow statements, so that the scratch files can be read
	py '
with open(sys.argv[1], "w", encoding="gb18030") as f:
    f.write("交易流水号,客户编号,交易日期,交易类型,金额,币种,摘要\n")
    for i in range(400):
        f.write("T%05d,C%04d,%d-03-01,存入,%d.00,CNY,工资转入王建国\n" % (i, 1 + i % 2, 2015 + i % 8, i))
' "$T/t.csv"
	CUSTODY_TEST_IMPORT_DELAY_MS=300 CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" \
		"$CUSTODY" import csv "$T/t.csv" --fonds Z109 --kind transactions --quiet &
	local pid=$!
	track_pid "$pid"
	# what an attacker on the machine reads of the open scratch files
	run py '
import time
pid, deadline, seen = int(sys.argv[1]), time.time() + 60, {}
# a bucket is written when the rows have all been read: until then its file is empty
while time.time() < deadline and sum(len(d) for d in seen.values()) < 1000:
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            if link.startswith(sys.argv[2]) and ("(deleted)" in link or "scratch" in link):
                seen[link] = open("/proc/%d/fd/%s" % (pid, fd), "rb").read()
    except OSError:
        pass
    time.sleep(0.05)
assert seen, "no scratch file seen"
data = b"".join(seen.values())
assert len(data) > 1000, len(data)
for v in ["工资转入王建国", "C0001", "T00001"]:
    for enc in ("utf-8", "gb18030"):
        assert v.encode(enc) not in data, (v, enc)
print("sealed", len(seen), len(data))
' "$pid" "$V"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" || true
	status_is 0
	output_has sealed
	# nothing is left behind by the killed import
	run find "$V" -maxdepth 1 -name '.scratch-*'
	equal "$output" ""
}

# write_xlsx FILE: a workbook with a title row, Chinese headers in shared strings, an ID number
# stored as text, one stored by Excel in scientific notation, and a date stored as a serial.
write_xlsx() {
	py '
import zipfile
from xml.sax.saxutils import escape
strings = ["客户名单", "客户编号", "客户名称", "身份证号", "手机号码", "出生日期",
           "C0001", "王建国", sys.argv[2], "C0005", "赵六"]
si = "".join("<si><t>%s</t></si>" % escape(s) for s in strings)
def c(ref, v, t=None, st=None):
    a = " t=\"%s\"" % t if t else ""
    a += " s=\"%s\"" % st if st else ""
    return "<c r=\"%s\"%s><v>%s</v></c>" % (ref, a, v)
rows = [
  "<row r=\"1\">" + c("A1", 0, "s") + "</row>",
  "<row r=\"3\">" + c("A3", 1, "s") + c("B3", 2, "s") + c("C3", 3, "s") + c("D3", 4, "s") + c("E3", 5, "s") + "</row>",
  "<row r=\"4\">" + c("A4", 6, "s") + c("B4", 7, "s") + c("C4", 8, "s") + c("D4", "13912345671") + c("E4", "29221", None, "1") + "</row>",
  "<row r=\"5\">" + c("A5", 9, "s") + c("B5", 10, "s") + c("C5", "1.10105E+17") + c("D5", "13800138005") + "</row>",
]
sheet = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>%s</sheetData></worksheet>" % "".join(rows))
z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED)
z.writestr("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>")
z.writestr("xl/workbook.xml", "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"客户\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>")
z.writestr("xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/><Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>")
z.writestr("xl/styles.xml", "<?xml version=\"1.0\"?><styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><cellXfs count=\"2\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\" applyNumberFormat=\"1\"/></cellXfs></styleSheet>")
z.writestr("xl/sharedStrings.xml", "<?xml version=\"1.0\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"%d\">%s</sst>" % (len(strings), si))
z.writestr("xl/worksheets/sheet1.xml", sheet)
z.close()
' "$1" "$ID1"
}

@test "import xlsx: a sheet's rows become customers; a scientific-notation ID is refused by its row number" {
	write_xlsx "$T/c.xlsx"
	run --separate-stderr as li import xlsx "$T/c.xlsx" --fonds Z109 --kind customers --json
	status_is 1
	py '
rs = jl(sys.argv[1]); s = rs[-1]
assert s["rows"] == 2 and s["imported"] == 1 and s["subjects"] == 1 and s["rejects"] == 1, s
assert s["header_line"] == 3, s
rej = [r for r in rs if r.get("status") == "rejected"]
assert rej[0]["line"] == 5 and "scientific" in rej[0]["reason"], rej
' "$output"
	run as li subject find --id-number "$ID1" --json
	status_is 0
	py 'rs = jl(sys.argv[1]); assert rs[0]["records"] == 1, rs' "$output"
	# the birth date (a serial number styled as a date) is a date in the profile
	no=$(as li ls --json | py 'print(jl(sys.stdin.read())[0]["archive_no"])')
	run as li show "$no" --json
	output_has "xlsx" "\"line\":4"
	# its source kind is the workbook's, with the sheet's row number
	py 'r = jl(sys.argv[1])[0]; assert r["source_kind"] == "xlsx" and r["line"] == 4, r' \
		"$(as li ls --json)"
	# the sheet by name, and an unknown sheet named with the ones there are
	run --separate-stderr as li import xlsx "$T/c.xlsx" --fonds Z109 --kind customers --sheet 客户 --json
	py 's = jl(sys.argv[1])[-1]; assert s["duplicates"] == 1 and s["imported"] == 0, s' "$output"
	run as li import xlsx "$T/c.xlsx" --fonds Z109 --kind customers --sheet nope
	[ "$status" -ne 0 ]
	output_has "客户"
	# no value of the workbook in clear in the vault
	run py '
hits = []
for r, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        data = open(os.path.join(r, f), "rb").read()
        for v in sys.argv[2:]:
            for enc in ("utf-8", "gb18030", "utf-16-le"):
                if v.encode(enc) in data: hits.append((f, v, enc))
print(hits); assert not hits' "$V" "$ID1" 王建国 13912345671 1.10105E+17
	status_is 0
	# a file that is not a workbook
	printf 'not a zip' >"$T/bad.xlsx"
	run as li import xlsx "$T/bad.xlsx" --fonds Z109 --kind customers
	[ "$status" -ne 0 ]
}

@test "import csv: a customer's later rows with another name are counted, never shown; the first name stays" {
	{
		printf '客户编号,客户名称,证件类型,身份证号,手机号码\n'
		printf 'C0001,%s,居民身份证,%s,%s\n' "$NAME1" "$ID1" "$PHONE1"
		printf 'C0001,王建囯,居民身份证,%s,13700000001\n' "$ID1"  # a typo fixed (or made)
		printf 'C0001,王建民,居民身份证,%s,13700000002\n' "$ID1"  # and again: one customer
		printf 'C0002,李秀英,居民身份证,%s,13800138002\n' "$ID2"
		printf 'C0002,李 秀英,居民身份证,%s,13800138002\n' "$ID2" # spacing is no other name
	} >"$T/names.csv"
	run --separate-stderr as li import csv "$T/names.csv" --fonds Z109 --kind customers --json
	status_is 0
	py '
s = jl(sys.argv[1])[-1]
assert s["imported"] == 5 and s["subjects"] == 2 and s["names_differ"] == 1, s' "$output"
	output_lacks 王建囯 王建民
	# the text summary says how many, and no name
	{
		printf '客户编号,客户名称,证件类型,身份证号,手机号码\n'
		printf 'C0003,陈小明,居民身份证,%s,13800138003\n' "$ID3"
		printf 'C0003,陈晓明,居民身份证,%s,13800138003\n' "$ID3"
	} >"$T/names2.csv"
	run --separate-stderr as li import csv "$T/names2.csv" --fonds Z109 --kind customers
	status_is 0
	output_has "1 customers whose later rows differ in name: each keeps the name of its first row"
	output_lacks 陈晓明 陈小明
	# the same file again: nothing added, the customer from the earlier run still counted
	run --separate-stderr as li import csv "$T/names2.csv" --fonds Z109 --kind customers --json
	py 's = jl(sys.argv[1])[-1]; assert s["duplicates"] == 2 and s["names_differ"] == 1, s' "$output"
	local id
	for pair in "$ID1 $NAME1" "$ID3 陈小明"; do
		set -- $pair
		id=$(as li subject find --id-number "$1" --json | py 'rs = jl(sys.stdin.read()); assert len(rs) == 1, rs; print(rs[0]["id"])')
		run as li subject show "$id" --json
		status_is 0
		py 's = json.loads(sys.argv[1]); assert s["name"] == sys.argv[2], s["name"]' "$output" "$2"
	done
}
