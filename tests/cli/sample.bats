#!/usr/bin/env bats
# custody-sample: exit codes, help, determinism, sizes, and the validity of what
# it writes (ID and credit-code check characters, GBK, PDF, PNG, JPEG, manifest;
# the CRM exports in crm/ with their quirks, the XLSX workbooks, the mailbox).
#
#   CUSTODY_SAMPLE=build/custody-sample bats tests/cli/sample.bats
#   CUSTODY_SAMPLE_LARGE=1 also runs the large size (about 300 MB, 20 s).

setup_file() {
	ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
	export CUSTODY_SAMPLE="${CUSTODY_SAMPLE:-$ROOT/build/custody-sample}"
	if [ ! -x "$CUSTODY_SAMPLE" ]; then
		echo "custody-sample not found at $CUSTODY_SAMPLE; set CUSTODY_SAMPLE" >&2
		return 1
	fi
	# One small tree shared by the content tests.
	export SMALL="$BATS_FILE_TMPDIR/small"
	"$CUSTODY_SAMPLE" --out "$SMALL" --seed 1 --size small >"$BATS_FILE_TMPDIR/small.out"
}

# Hash of every file of a tree, by relative path.
tree_hash() {
	(cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
}

# python3 with the check-character functions of DOMAIN.md section 6.
py() {
	python3 -c '
import csv, datetime, re, sys
ID_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
USCC_A = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

def id_ok(s):
    if not re.fullmatch(r"\d{17}[\dX]", s):
        return False
    return "10X98765432"[sum(int(c) * w for c, w in zip(s, ID_W)) % 11] == s[17]

def uscc_ok(s):
    if len(s) != 18 or any(c not in USCC_A for c in s):
        return False
    v = sum(USCC_A.index(c) * w for c, w in zip(s, USCC_W))
    return USCC_A[(31 - v % 31) % 31] == s[17]

def luhn_ok(s):
    total = 0
    for i, c in enumerate(reversed(s)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0

def rows(path, enc="utf-8-sig"):
    with open(path, encoding=enc, newline="") as f:
        return list(csv.DictReader(f))

def crm_rows(path, enc="gb18030", skip=0):
    import io
    text = open(path, "rb").read().decode(enc)
    if text.startswith("\ufeff"):
        text = text[1:]
    return list(csv.reader(io.StringIO(text, newline="")))[skip:]

def excel_date(s):
    if re.fullmatch(r"\d{5}", s):
        return datetime.date(1899, 12, 30) + datetime.timedelta(days=int(s))
    return datetime.date.fromisoformat(s)

def age_on(born, on):
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

def mbox_messages(path):
    # A From line starts a message at the start of the file or after a blank
    # line, when it is a postmark followed by a header line.
    data = open(path, "rb").read()
    sep = rb"(?:^|(?<=\n\n)|(?<=\r\n\r\n))(?=From \S+ \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\r?\n[A-Za-z-]+: )"
    return [p for p in re.split(sep, data) if p]
'"$1"
}

@test "sample: --help prints usage in English and Chinese and exits 0" {
	run "$CUSTODY_SAMPLE" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: custody-sample --out DIR"* ]]
	[[ "$output" == *"用法"* ]]
	[[ "$output" == *"--seed"* && "$output" == *"--size"* && "$output" == *"--force"* ]]
	[[ "$output" == *"--customers N"* && "$output" == *"--crm-only"* ]]
	run "$CUSTODY_SAMPLE" -h
	[ "$status" -eq 0 ]
}

@test "sample: usage errors exit 2" {
	run "$CUSTODY_SAMPLE"
	[ "$status" -eq 2 ]
	[[ "$output" == *"custody-sample: missing --out DIR"* ]]
	run "$CUSTODY_SAMPLE" --out "$BATS_TEST_TMPDIR/x" --size huge
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid size 'huge'"* ]]
	run "$CUSTODY_SAMPLE" --out "$BATS_TEST_TMPDIR/x" --seed 12abc
	[ "$status" -eq 2 ]
	run "$CUSTODY_SAMPLE" --out "$BATS_TEST_TMPDIR/x" --seed -1
	[ "$status" -eq 2 ]
	run "$CUSTODY_SAMPLE" --out "$BATS_TEST_TMPDIR/x" --frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown option '--frobnicate'"* ]]
	run "$CUSTODY_SAMPLE" --out
	[ "$status" -eq 2 ]
	run "$CUSTODY_SAMPLE" --out "$BATS_TEST_TMPDIR/x" extra
	[ "$status" -eq 2 ]
	for n in 999 1000001 12x "" -5; do
		run "$CUSTODY_SAMPLE" --out "$BATS_TEST_TMPDIR/x" --customers "$n"
		[ "$status" -eq 2 ]
		[[ "$output" == *"invalid number of customers '$n': use 1000 to 1000000"* ]]
	done
	run "$CUSTODY_SAMPLE" --out "$BATS_TEST_TMPDIR/x" --crm-only=yes
	[ "$status" -eq 2 ]
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
}

@test "sample: refuses a non-empty directory unless --force" {
	d="$BATS_TEST_TMPDIR/full"
	mkdir -p "$d"
	echo keep >"$d/mine.txt"
	run "$CUSTODY_SAMPLE" --out "$d" --seed 3
	[ "$status" -eq 1 ]
	[[ "$output" == *"custody-sample: '$d' is not empty; use --force"* ]]
	[ "$(ls "$d")" = mine.txt ]
	run "$CUSTODY_SAMPLE" --out "$d" --seed 3 --force
	[ "$status" -eq 0 ]
	[ "$(cat "$d/mine.txt")" = keep ]
	# --force over an earlier tree replaces its files.
	run "$CUSTODY_SAMPLE" --out "$d" --seed 3 --force
	[ "$status" -eq 0 ]
}

@test "sample: an uncreatable directory is an error, exit 1" {
	echo x >"$BATS_TEST_TMPDIR/file"
	run "$CUSTODY_SAMPLE" --out "$BATS_TEST_TMPDIR/file/sub"
	[ "$status" -eq 1 ]
	sub="$BATS_TEST_TMPDIR/file/sub"
	[[ "$output" == "custody-sample: cannot create '$sub': Not a directory" ]]
	run "$CUSTODY_SAMPLE" --out "$BATS_TEST_TMPDIR/file"
	[ "$status" -eq 1 ]
	[[ "$output" == "custody-sample: cannot create '$BATS_TEST_TMPDIR/file': Not a directory" ]]
}

@test "sample: the summary counts the files and bytes written" {
	n=$(find "$SMALL" -type f | wc -l)
	bytes=$(find "$SMALL" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
	grep -qx "wrote $n files, $bytes bytes to $SMALL" "$BATS_FILE_TMPDIR/small.out"
	grep -qx "已写入 $n 个文件，共 $bytes 字节，目录 $SMALL" "$BATS_FILE_TMPDIR/small.out"
}

@test "sample: same seed gives an identical tree, another seed a different one" {
	"$CUSTODY_SAMPLE" --out "$BATS_TEST_TMPDIR/a" --seed 1 --size small >/dev/null
	"$CUSTODY_SAMPLE" --out "$BATS_TEST_TMPDIR/b" --seed 2 --size small >/dev/null
	[ "$(tree_hash "$BATS_TEST_TMPDIR/a")" = "$(tree_hash "$SMALL")" ]
	[ "$(tree_hash "$BATS_TEST_TMPDIR/a")" != "$(tree_hash "$BATS_TEST_TMPDIR/b")" ]
	# The seed reaches the company and the customers, not only a few files.
	run cmp -s "$BATS_TEST_TMPDIR/a/customers/customers.csv" \
		"$BATS_TEST_TMPDIR/b/customers/customers.csv"
	[ "$status" -ne 0 ]
	run cmp -s "$BATS_TEST_TMPDIR/a/公司简介.txt" "$BATS_TEST_TMPDIR/b/公司简介.txt"
	[ "$status" -ne 0 ]
	for f in crm/customers.csv crm/customers.xlsx crm/transactions.csv mail/customers.mbox; do
		run cmp -s "$BATS_TEST_TMPDIR/a/$f" "$BATS_TEST_TMPDIR/b/$f"
		[ "$status" -ne 0 ]
	done
}

@test "sample: small is 55-80 files and 2-8 MB, in the expected directories" {
	n=$(find "$SMALL" -type f | wc -l)
	bytes=$(du -sb "$SMALL" | cut -f1)
	[ "$n" -ge 55 ]
	[ "$n" -le 80 ]
	[ "$bytes" -ge 2000000 ]
	[ "$bytes" -le 8000000 ]
	for d in customers contracts transactions accounting letters; do
		[ "$(find "$SMALL/$d" -type f | wc -l)" -ge 2 ]
	done
	[ -f "$SMALL/customers/customers.csv" ]
	[ -f "$SMALL/customers/customers_gbk.csv" ]
	ls "$SMALL"/customers/客户档案_*.txt "$SMALL"/contracts/合同_HT*-*_*.pdf >/dev/null
	ls "$SMALL"/transactions/交易流水_*.csv "$SMALL"/accounting/记账凭证_*.csv >/dev/null
	ls "$SMALL"/letters/*.png "$SMALL"/letters/*.jpg >/dev/null
	for f in customers.csv customers.xlsx transactions.csv transactions.xlsx contracts.csv \
		manifest.json; do
		[ -s "$SMALL/crm/$f" ]
	done
	[ -s "$SMALL/mail/customers.mbox" ] && [ -s "$SMALL/mail/manifest.json" ]
	ls "$SMALL"/contracts/HT-20??-??????.pdf >/dev/null
}

@test "sample: medium is 450-700 files and 25-60 MB" {
	"$CUSTODY_SAMPLE" --out "$BATS_TEST_TMPDIR/m" --seed 5 --size medium >/dev/null
	n=$(find "$BATS_TEST_TMPDIR/m" -type f | wc -l)
	bytes=$(du -sb "$BATS_TEST_TMPDIR/m" | cut -f1)
	[ "$n" -ge 450 ]
	[ "$n" -le 700 ]
	[ "$bytes" -ge 25000000 ]
	[ "$bytes" -le 60000000 ]
}

@test "sample: large is 4000-6000 files and 200-500 MB (CUSTODY_SAMPLE_LARGE=1)" {
	[ -n "$CUSTODY_SAMPLE_LARGE" ] || skip "set CUSTODY_SAMPLE_LARGE=1"
	"$CUSTODY_SAMPLE" --out "$BATS_TEST_TMPDIR/l" --seed 5 --size large >/dev/null
	n=$(find "$BATS_TEST_TMPDIR/l" -type f | wc -l)
	bytes=$(du -sb "$BATS_TEST_TMPDIR/l" | cut -f1)
	[ "$n" -ge 4000 ]
	[ "$n" -le 6000 ]
	[ "$bytes" -ge 200000000 ]
	[ "$bytes" -le 500000000 ]
}

@test "sample: the checkers agree with the known vectors of DOMAIN.md" {
	py '
for s in ["11010519491231002X", "440524188001010014", "440524188001015368",
          "53010219200508011X"]:
    assert id_ok(s), s
for s in ["110105194912310021", "110105195001010014", "110105195001010027"]:
    assert not id_ok(s), s
for s in ["91350100M000100Y43", "91110000802100433B", "91440300708461136T",
          "91110108551385082Q"]:
    assert uscc_ok(s), s
assert not uscc_ok("91350200M000000510")
assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
'
}

@test "sample: every ID number, card and phone in the customer list is valid" {
	cd "$SMALL"
	py '
people = rows("customers/customers.csv")
assert len(people) >= 5
names = set()
for p in people:
    i = p["身份证号"]
    assert id_ok(i), i
    born = datetime.date(int(i[6:10]), int(i[10:12]), int(i[12:14]))
    assert 1950 <= born.year <= 2012, i
    assert born.isoformat() == p["出生日期"], i
    assert (int(i[16]) % 2 == 1) == (p["性别"] == "男"), i
    assert i[:6] in ("110105", "110108", "110101", "310104", "310115", "310105",
        "440305", "440304", "440106", "330106", "330102", "510107", "320102",
        "320506", "420106", "610113", "370202", "120101", "500103", "350203",
        "430104", "410105", "210102"), i
    c = p["银行卡号"]
    assert 16 <= len(c) <= 19 and c.isdigit() and luhn_ok(c), c
    for ph in (p["手机号"], p["联系人电话"]):
        assert ph == "" or re.fullmatch(r"1[3-9]\d{9}", ph), ph
    assert re.fullmatch(r"[^@\s]+@[a-z0-9.]+\.[a-z]+", p["电子邮箱"]), p["电子邮箱"]
    assert 2 <= len(p["姓名"]) <= 4 and p["姓名"] not in names
    names.add(p["姓名"])
    assert ("证件号码：" + i) in open("customers/客户档案_" + p["姓名"] + ".txt").read()
for y in range(2021, 2024):
    for t in rows("transactions/交易流水_%d.csv" % y):
        assert id_ok(t["身份证号"]) and luhn_ok(t["银行卡号"])
        assert t["交易日期"].startswith(str(y))
'
}

@test "sample: the company's unified social credit code is valid" {
	cd "$SMALL"
	py '
text = open("公司简介.txt").read()
code = re.search(r"统一社会信用代码：(\S+)", text).group(1)
assert code.startswith("91") and uscc_ok(code), code
# The same code is in every contract, as UCS-2 hex.
import glob
for f in glob.glob("contracts/*.pdf"):
    assert "".join("%04X" % ord(c) for c in code).encode() in open(f, "rb").read(), f
'
}

@test "sample: the GBK customer list converts to the same rows as the UTF-8 one" {
	cd "$SMALL"
	head -c 3 customers/customers.csv | od -An -tx1 | grep -q 'ef bb bf'
	iconv -f GBK -t UTF-8 customers/customers_gbk.csv >"$BATS_TEST_TMPDIR/gbk.csv"
	tail -c +4 customers/customers.csv | cmp - "$BATS_TEST_TMPDIR/gbk.csv"
	# It really is GBK, not UTF-8 passed through.
	run iconv -f UTF-8 -t UTF-8 customers/customers_gbk.csv
	[ "$status" -ne 0 ]
}

@test "sample: vouchers balance, month by month" {
	cd "$SMALL"
	py '
import glob
files = sorted(glob.glob("accounting/记账凭证_*.csv"))
assert len(files) == 12
for f in files:
    d = c = 0
    per = {}
    for r in rows(f):
        if r["摘要"] == "合计":
            assert round(float(r["借方金额"]), 2) == round(d / 100, 2), f
            continue
        dv = round(float(r["借方金额"] or 0) * 100)
        cv = round(float(r["贷方金额"] or 0) * 100)
        per[r["凭证字号"]] = per.get(r["凭证字号"], 0) + dv - cv
        d += dv
        c += cv
    assert d == c, f
    assert all(v == 0 for v in per.values()), f
'
}

@test "sample: PDFs are PDF 1.4 with exact xref offsets and a CJK font" {
	cd "$SMALL"
	py '
import glob
files = glob.glob("contracts/*.pdf")
assert files
for f in files:
    b = open(f, "rb").read()
    assert b.startswith(b"%PDF-1.4\n") and b.rstrip().endswith(b"%%EOF"), f
    start = int(re.search(rb"startxref\n(\d+)\n%%EOF", b).group(1))
    assert b[start:start + 5] == b"xref\n", f
    m = re.match(rb"xref\n0 (\d+)\n", b[start:])
    n = int(m.group(1))
    table = b[start + m.end():start + m.end() + 20 * n]
    assert table[:20] == b"0000000000 65535 f \n"
    for k in range(1, n):
        entry = table[20 * k:20 * k + 20]
        assert re.fullmatch(rb"\d{10} 00000 n \n", entry), (f, entry)
        off = int(entry[:10])
        assert b[off:].startswith(b"%d 0 obj\n" % k), (f, k)
    for m in re.finditer(rb"/Length (\d+) >>\nstream\n", b):
        end = m.end() + int(m.group(1))
        assert b[end:end + 10] == b"\nendstream", f
    assert b"/BaseFont /STSong-Light" in b and b"/Encoding /UniGB-UCS2-H" in b
    if "_" not in f:
        continue # contracts/HT-*.pdf: the CRM sample, checked below
    name = f.rsplit("_", 1)[1][:-4]
    hexname = "".join("%04X" % ord(ch) for ch in name).encode()
    assert hexname in b, f
'
}

@test "sample: PNG letters are valid and carry the sender in an iTXt Comment" {
	cd "$SMALL"
	py '
import glob, struct, zlib
people = {p["姓名"]: p for p in rows("customers/customers.csv")}
files = glob.glob("letters/*.png")
assert files
for f in files:
    b = open(f, "rb").read()
    assert b[:8] == b"\x89PNG\r\n\x1a\n", f
    pos, idat, chunks = 8, b"", {}
    while pos < len(b):
        n, kind = struct.unpack(">I4s", b[pos:pos + 8])
        data = b[pos + 8:pos + 8 + n]
        crc, = struct.unpack(">I", b[pos + 8 + n:pos + 12 + n])
        assert zlib.crc32(kind + data) == crc, (f, kind)
        chunks.setdefault(kind, []).append(data)
        if kind == b"IDAT":
            idat += data
        pos += 12 + n
    assert kind == b"IEND" and pos == len(b), f
    w, h, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][0][:10])
    assert 600 <= w <= 1240 and depth == 8 and color == 0, f
    raw = zlib.decompress(idat)
    assert len(raw) == h * (w + 1), f
    key, rest = chunks[b"iTXt"][0].split(b"\0", 1)
    assert key == b"Comment", f
    text = rest[2:].split(b"\0", 2)[2].decode("utf-8")
    name = f.rsplit("_", 1)[1][:-4]
    assert name in text and people[name]["手机号"] in text, (f, text)
'
}

@test "sample: JPEG letters start with FFD8 and carry the sender in a COM marker" {
	cd "$SMALL"
	py '
import glob, struct
files = glob.glob("letters/*.jpg")
assert files
for f in files:
    b = open(f, "rb").read()
    assert b[:2] == b"\xff\xd8" and b[-2:] == b"\xff\xd9", f
    pos = b.index(b"\xff\xfe")
    n, = struct.unpack(">H", b[pos + 2:pos + 4])
    text = b[pos + 4:pos + 2 + n].decode("utf-8")
    assert f.rsplit("_", 1)[1][:-4] in text, (f, text)
'
	if command -v file >/dev/null; then
		for f in "$SMALL"/letters/*.jpg; do
			file -b "$f" | grep -q '^JPEG image data'
		done
		for f in "$SMALL"/letters/*.png; do
			file -b "$f" | grep -q '^PNG image data.*grayscale'
		done
	fi
}

@test "sample: manifest.csv lists every other file with class, year, size and SHA-256" {
	cd "$SMALL"
	head -1 manifest.csv | grep -qx 'path,class,year,bytes,sha256'
	py '
import hashlib, os
listed = {r["path"]: r for r in rows("manifest.csv", "utf-8")}
found = set()
for d, _, fs in os.walk("."):
    for f in fs:
        p = os.path.relpath(os.path.join(d, f), ".")
        if p != "manifest.csv":
            found.add(p)
assert found == set(listed), found ^ set(listed)
classes = {"customer", "contract", "transaction", "accounting", "correspondence", "other"}
for p, r in listed.items():
    b = open(p, "rb").read()
    assert r["class"] in classes and 2000 <= int(r["year"]) <= 2030, r
    assert int(r["bytes"]) == len(b) and r["sha256"] == hashlib.sha256(b).hexdigest(), p
want = {"customers": "customer", "contracts": "contract", "transactions": "transaction",
        "accounting": "accounting", "letters": "correspondence", "mail": "correspondence",
        "crm/customers": "customer", "crm/transactions": "transaction",
        "crm/contracts": "contract"}
for p, r in listed.items():
    top = p.split("/")[0] if p.split("/")[0] != "crm" else p.split(".")[0]
    if p.endswith("manifest.json"):
        top = "manifest"
    assert r["class"] == want.get(top, "other"), r
'
}

@test "sample: file names and text files are valid UTF-8" {
	cd "$SMALL"
	py '
import os
for d, _, fs in os.walk(os.fsencode(".")):
    for f in fs:
        f.decode("utf-8")
        gbk = f.endswith(b"_gbk.csv") or (d == b"./crm" and f != b"contracts.csv")
        if f.endswith((b".txt", b".csv", b".json")) and not gbk:
            open(os.path.join(d, f), "rb").read().decode("utf-8")
'
}

# ---- the CRM exports (crm/), the contract PDFs and the mailbox (mail/) ----

@test "sample crm: customers.csv is GBK with a title row, the documented header, and rows as counted" {
	cd "$SMALL"
	# GB18030 (GBK's superset) decodes it; it is not UTF-8.
	iconv -f GB18030 -t UTF-8 crm/customers.csv >/dev/null
	iconv -f GB18030 -t UTF-8 crm/transactions.csv >/dev/null
	run iconv -f UTF-8 -t UTF-8 crm/customers.csv
	[ "$status" -ne 0 ]
	iconv -f GB18030 -t UTF-8 crm/customers.csv | sed -n 1p | grep -q '客户清单 导出时间：20[0-9-]* [0-9:]*,,,,,,,,,,,'
	[ "$(iconv -f GB18030 -t UTF-8 crm/customers.csv | sed -n 2p)" = \
		"$(printf '客户编号,客户名称,证件类型,身份证号,性别,出生日期,手机号码,电子邮件,联系地址,开户行,银行卡号,备注\r')" ]
	[ "$(iconv -f GB18030 -t UTF-8 crm/transactions.csv | head -1)" = \
		"$(printf '交易流水号,客户编号,交易日期,交易类型,金额,币种,摘要\r')" ]
	head -c 3 crm/contracts.csv | od -An -tx1 | grep -q 'ef bb bf'
	[ "$(tail -c +4 crm/contracts.csv | head -1)" = "$(printf '合同编号,客户编号,合同名称,签订日期,金额\r')" ]
	py '
import json
m = json.load(open("crm/manifest.json"))
c = m["customers"]
assert c["rows"] == 1000 and c["header_line"] == 2 and c["title_rows"] == 1, c
data = open("crm/customers.csv", "rb").read()
assert data.count(b"\n") == c["physical_lines"], (data.count(b"\n"), c)
r = crm_rows("crm/customers.csv", skip=2)
assert len(r) == c["rows"], len(r)
assert len(crm_rows("crm/transactions.csv", skip=1)) == m["transactions"]["rows"] == 5000
assert len(crm_rows("crm/contracts.csv", "utf-8", skip=1)) == m["contracts"]["rows"]
'
}

@test "sample crm: every value is valid and each quirk is there as often as the manifest says" {
	cd "$SMALL"
	py '
import json, collections
m = json.load(open("crm/manifest.json"))
c = m["customers"]
export = datetime.date.fromisoformat(m["export_date"])
rows = crm_rows("crm/customers.csv", skip=2)
n = collections.Counter()
ids = collections.defaultdict(list)
emails = collections.Counter()
numbers = set()
for r in rows:
    no = r[0]
    if no.startswith("=\""):
        assert re.fullmatch(r"=\"\d{8}\"", no), no
        n["forced"] += 1
        no = no[2:-1]
    assert re.fullmatch(r"\d{8}", no) and no not in numbers, no
    numbers.add(no)
    if len(r) > 12:
        assert all(x == "" for x in r[12:]) and len(r) <= 15, r
        n["trailing"] += 1
    assert len(r) >= 12, r
    name, kind, idn, sex, birth, phone, email, addr, bank, card, note = r[1:12]
    assert re.fullmatch(r"1[3-9]\d{9}", phone), phone
    assert re.fullmatch(r"[^@\s]+@[a-z0-9.]+\.[a-z]+", email), email
    emails[email] += 1
    assert bank.endswith("银行") and addr, r
    if "\n" in note:
        n["newline"] += 1
    if note:
        n["notes"] += 1
    if kind == "统一社会信用代码":
        n["orgs"] += 1
        assert uscc_ok(idn) and sex == "" and birth == "", r
        assert name.endswith("有限公司"), name
        continue
    assert kind == "居民身份证", kind
    n["persons"] += 1
    assert card.startswith("62") and 16 <= len(card) <= 19 and luhn_ok(card), card
    if re.fullmatch(r"\d{5}", birth):
        n["serial"] += 1
    born = excel_date(birth)
    if re.fullmatch(r"\d(\.\d{1,5})?E\+17", idn):
        n["sci"] += 1
        continue
    assert id_ok(idn), idn
    assert idn[6:14] == born.strftime("%Y%m%d"), (idn, birth)
    assert (int(idn[16]) % 2 == 1) == (sex == "男"), idn
    ids[idn].append(phone)
    age = age_on(born, export)
    n["under14"] += age < 14
    n["under18"] += age < 18
dups = [i for i, p in ids.items() if len(p) > 1]
assert all(len(ids[i]) == 2 and ids[i][0] != ids[i][1] for i in dups), dups
want = {"persons": c["persons"], "orgs": c["organisations"], "forced": c["text_forced_customer_numbers"],
        "sci": c["scientific_id_numbers"], "newline": c["notes_with_newlines"],
        "trailing": c["rows_with_trailing_empty_columns"], "serial": c["excel_serial_birth_dates"],
        "notes": c["notes"]}
for k, v in want.items():
    assert n[k] == v, (k, n[k], v)
# the sci row is not a duplicate: duplicates are whole ID numbers seen twice
assert len(dups) == c["duplicate_rows"], (len(dups), c["duplicate_rows"])
assert n["under14"] == c["under_14_at_export"] and n["under18"] == c["under_18_at_export"], n
# each quirk at least once at 1,000 rows; duplicates aside, e-mail addresses are unique
for k in ("forced", "sci", "newline", "trailing", "serial", "orgs", "under14"):
    assert n[k] >= 1, k
assert len(dups) >= 3
assert sum(v - 1 for v in emails.values()) == len(dups), [e for e, v in emails.items() if v > 1]

# transactions and contracts refer to customers that exist, within the stated dates
t0 = datetime.date.fromisoformat(m["transactions"]["first_date"])
t1 = datetime.date.fromisoformat(m["transactions"]["last_date"])
serials = set()
for t in crm_rows("crm/transactions.csv", skip=1):
    assert len(t) == 7 and t[1] in numbers and re.fullmatch(r"JY\d{18}", t[0]), t
    serials.add(t[0])
    d = datetime.date.fromisoformat(t[2][:10])
    assert t0 <= d <= t1 and re.fullmatch(r" \d\d:\d\d:\d\d", t[2][10:]), t
    assert t[5] in ("人民币", "美元", "港币") and re.fullmatch(r"-?\d+\.\d\d", t[4]), t
    assert (t[3] in ("退款", "押金退还")) == t[4].startswith("-"), t
assert len(serials) == m["transactions"]["rows"]
for k in crm_rows("crm/contracts.csv", "utf-8", skip=1):
    assert re.fullmatch(r"HT-20\d\d-\d{6}", k[0]) and k[1] in numbers, k
    assert k[2] in ("商品购销合同", "分期付款买卖合同") and k[0][3:7] == k[3][:4], k
'
}

@test "sample crm: the workbooks are valid XLSX with shared strings, a date style and the CSV's values" {
	cd "$SMALL"
	py '
import json, zipfile, xml.etree.ElementTree as ET
m = json.load(open("crm/manifest.json"))
NS = {"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
def sheet(path):
    z = zipfile.ZipFile(path)
    assert z.testzip() is None
    names = set(z.namelist())
    for p in ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
              "xl/styles.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"):
        assert p in names, p
    sst = [si.find("s:t", NS).text for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("s:si", NS)]
    styles = ET.fromstring(z.read("xl/styles.xml"))
    xfs = [x.get("numFmtId") for x in styles.find("s:cellXfs", NS).findall("s:xf", NS)]
    out = []
    for row in ET.fromstring(z.read("xl/worksheets/sheet1.xml")).find("s:sheetData", NS):
        cells = {}
        for c in row:
            col = re.match(r"[A-Z]+", c.get("r")).group(0)
            if c.get("t") == "s":
                v = sst[int(c.find("s:v", NS).text)]
            elif c.get("t") == "inlineStr":
                v = c.find("s:is/s:t", NS).text
            else:
                v = float(c.find("s:v", NS).text)
                if xfs[int(c.get("s", "0"))] == "14":
                    v = datetime.date(1899, 12, 30) + datetime.timedelta(days=int(v))
            cells[col] = v
        out.append(cells)
    return out, sst
rows, sst = sheet("crm/customers.xlsx")
assert len(rows) == m["xlsx"]["crm/customers.xlsx"] + 1 == m["customers"]["rows"] + 1
assert rows[0]["A"] == "客户编号" and rows[0]["L"] == "备注" and "居民身份证" in sst
csvrows = crm_rows("crm/customers.csv", skip=2)
for x, r in zip(rows[1:], csvrows):
    assert x["A"] == r[0].strip("=\""), (x, r)
    assert x["B"] == r[1] and x["G"] == r[6] and x["K"] == r[10], (x, r)
    if r[2] == "居民身份证":
        assert isinstance(x["F"], datetime.date) and x["F"] == excel_date(r[5]), (x, r)
        assert id_ok(x["D"]), x
t, _ = sheet("crm/transactions.xlsx")
assert len(t) == m["xlsx"]["crm/transactions.xlsx"] + 1 == 5001
first = crm_rows("crm/transactions.csv", skip=1)[0]
assert t[1]["A"] == first[0] and t[1]["C"].isoformat() == first[2][:10], (t[1], first)
assert "%.2f" % t[1]["E"] == first[4]
'
	# openpyxl (not a dependency) opens them where it is installed.
	for p in python3 /usr/bin/python3; do
		if "$p" -c 'import openpyxl' 2>/dev/null; then
			"$p" -c '
import openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
rows = list(wb.active.iter_rows(values_only=True))
assert len(rows) == 1001 and rows[0][0] == "客户编号", rows[0]
assert hasattr(rows[1][5], "year"), rows[1]
' crm/customers.xlsx
			break
		fi
	done
}

@test "sample crm: contract PDFs for a sample of crm/contracts.csv, with the customer in them" {
	cd "$SMALL"
	py '
import glob, json
m = json.load(open("crm/manifest.json"))
files = sorted(glob.glob("contracts/HT-*.pdf"))
assert len(files) == m["contracts"]["pdfs"] >= 5, len(files)
contracts = {k[0]: k for k in crm_rows("crm/contracts.csv", "utf-8", skip=1)}
customers = {r[0].strip("=\""): r for r in crm_rows("crm/customers.csv", skip=2)}
hexs = lambda s: "".join("%04X" % ord(ch) for ch in s).encode()
for f in files:
    no = f[len("contracts/"):-4]
    k = contracts[no]
    c = customers[k[1]]
    b = open(f, "rb").read()
    assert b.startswith(b"%PDF-1.4\n") and b.rstrip().endswith(b"%%EOF"), f
    assert hexs(no) in b and hexs(c[1]) in b and hexs(k[2]) in b, f
    amount = "{:,.2f}".format(float(k[4]))
    assert hexs(amount) in b, (f, amount)
'
}

@test "sample mail: the mbox splits into the stated messages, from customers' own addresses" {
	cd "$SMALL"
	py '
import json
m = json.load(open("mail/manifest.json"))
data = open("mail/customers.mbox", "rb").read()
froms = len(re.findall(rb"^From ", data, re.M))
assert froms - m["unescaped_from_lines"] == m["messages"] >= 100, (froms, m)
assert len(re.findall(rb"^>From ", data, re.M)) == m["escaped_from_lines"] >= 1
assert m["unescaped_from_lines"] == 1
assert len(mbox_messages("mail/customers.mbox")) == m["messages"]
'
	py '
import json, email, email.policy, collections
m = json.load(open("mail/manifest.json"))
emails = {r[7] for r in crm_rows("crm/customers.csv", skip=2)}
n = collections.Counter()
for i, raw in enumerate(mbox_messages("mail/customers.mbox"), 1):
    postmark, body = raw.split(b"\n", 1)
    if b"\r\n" in body:
        n["crlf"] += 1
        assert body.count(b"\n") == body.count(b"\r\n"), i
    msg = email.message_from_bytes(body, policy=email.policy.default)
    frm = msg["From"].addresses[0].addr_spec
    to = msg["To"].addresses[0].addr_spec
    assert postmark.split()[1].decode() == frm, (i, postmark)
    if frm in emails:
        n["customers"] += 1
    else:
        assert to in emails, (i, frm, to)
        n["replies"] += 1
    subject = str(msg["Subject"])
    assert "=?" not in subject and subject, (i, subject)
    rawsub = body.split(b"\nSubject: ", 1)[1][:12]
    n["q" if rawsub.split(b"?")[2] == b"Q" else "b"] += 1
    if msg.get_content_type() == "multipart/alternative" or any(
            p.get_content_type() == "multipart/alternative" for p in msg.walk()):
        n["alt"] += 1
    text = None
    for p in msg.walk():
        ct = p.get_content_type()
        if ct == "text/plain":
            n["cs:" + p.get_content_charset().lower()] += 1
            n["te:" + p["Content-Transfer-Encoding"]] += 1
            text = p.get_content()
        elif ct == "application/pdf":
            n["pdf"] += 1
            assert p.get_content().startswith(b"%PDF-1.4"), i
            assert p.get_filename().startswith("合同_HT-"), p.get_filename()
        elif ct == "text/csv":
            n["csv"] += 1
            assert p.get_filename() == "账户信息变更申请.csv", p.get_filename()
            p.get_payload(decode=True).decode("gbk")
    assert text and "\ufffd" not in text, i
    if "𠮷" in text:
        n["gb18030"] += 1
        assert msg.get_content_charset() == "gb18030" or any(
            p.get_content_charset() == "gb18030" for p in msg.walk() if p.get_content_maintype() == "text")
assert n["customers"] == m["from_customers"] and n["replies"] == m["replies"], n
assert n["crlf"] == m["crlf_messages"] >= 1, n
assert n["b"] == m["subjects_rfc2047_b"] and n["q"] == m["subjects_rfc2047_q"], n
assert n["alt"] == m["multipart_alternative"] >= 1, n
assert n["pdf"] == m["pdf_attachments"] >= 1 and n["csv"] == m["csv_attachments"] >= 1, n
assert n["gb18030"] == m["gb18030_four_byte_messages"] >= 1, n
for cs, k in m["charsets"].items():
    assert n["cs:" + cs.lower()] == k and k >= 1, (cs, n)
for te, k in m["transfer_encodings"].items():
    assert n["te:" + te] == k and k >= 1, (te, n)
'
}

@test "sample: --crm-only writes the company sheet, crm/ and mail/ only; --customers sets the rows" {
	d="$BATS_TEST_TMPDIR/crm"
	"$CUSTODY_SAMPLE" --out "$d" --seed 1 --crm-only --customers 2000 >/dev/null
	[ "$(cd "$d" && ls | LC_ALL=C sort | tr '\n' ' ')" = "crm mail manifest.csv 公司简介.txt 说明.txt " ]
	grep -q '"rows": 2000,' "$d/crm/manifest.json"
	grep -q '"rows": 10000,' "$d/crm/manifest.json"
	grep -q '"pdfs": 0' "$d/crm/manifest.json"
	grep -q '"messages": 140,' "$d/mail/manifest.json"
	# the same customers as the full tree with the same seed and count
	"$CUSTODY_SAMPLE" --out "$BATS_TEST_TMPDIR/full" --seed 1 --customers 2000 >/dev/null
	cmp "$d/crm/customers.csv" "$BATS_TEST_TMPDIR/full/crm/customers.csv"
	cmp "$d/mail/customers.mbox" "$BATS_TEST_TMPDIR/full/mail/customers.mbox"
}
