#!/usr/bin/env bats
# custody-sample: exit codes, help, determinism, sizes, and the validity of what
# it writes (ID and credit-code check characters, GBK, PDF, PNG, JPEG, manifest).
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
'"$1"
}

@test "sample: --help prints usage in English and Chinese and exits 0" {
	run "$CUSTODY_SAMPLE" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: custody-sample --out DIR"* ]]
	[[ "$output" == *"用法"* ]]
	[[ "$output" == *"--seed"* && "$output" == *"--size"* && "$output" == *"--force"* ]]
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
}

@test "sample: small is 40-60 files and 1-6 MB, in the expected directories" {
	n=$(find "$SMALL" -type f | wc -l)
	bytes=$(du -sb "$SMALL" | cut -f1)
	[ "$n" -ge 40 ]
	[ "$n" -le 60 ]
	[ "$bytes" -ge 1000000 ]
	[ "$bytes" -le 6000000 ]
	for d in customers contracts transactions accounting letters; do
		[ "$(find "$SMALL/$d" -type f | wc -l)" -ge 2 ]
	done
	[ -f "$SMALL/customers/customers.csv" ]
	[ -f "$SMALL/customers/customers_gbk.csv" ]
	ls "$SMALL"/customers/客户档案_*.txt "$SMALL"/contracts/合同_HT*-*_*.pdf >/dev/null
	ls "$SMALL"/transactions/交易流水_*.csv "$SMALL"/accounting/记账凭证_*.csv >/dev/null
	ls "$SMALL"/letters/*.png "$SMALL"/letters/*.jpg >/dev/null
}

@test "sample: medium is 400-600 files and 20-45 MB" {
	"$CUSTODY_SAMPLE" --out "$BATS_TEST_TMPDIR/m" --seed 5 --size medium >/dev/null
	n=$(find "$BATS_TEST_TMPDIR/m" -type f | wc -l)
	bytes=$(du -sb "$BATS_TEST_TMPDIR/m" | cut -f1)
	[ "$n" -ge 400 ]
	[ "$n" -le 600 ]
	[ "$bytes" -ge 20000000 ]
	[ "$bytes" -le 45000000 ]
}

@test "sample: large is 4000-6000 files and 200-400 MB (CUSTODY_SAMPLE_LARGE=1)" {
	[ -n "$CUSTODY_SAMPLE_LARGE" ] || skip "set CUSTODY_SAMPLE_LARGE=1"
	"$CUSTODY_SAMPLE" --out "$BATS_TEST_TMPDIR/l" --seed 5 --size large >/dev/null
	n=$(find "$BATS_TEST_TMPDIR/l" -type f | wc -l)
	bytes=$(du -sb "$BATS_TEST_TMPDIR/l" | cut -f1)
	[ "$n" -ge 4000 ]
	[ "$n" -le 6000 ]
	[ "$bytes" -ge 200000000 ]
	[ "$bytes" -le 400000000 ]
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
        "accounting": "accounting", "letters": "correspondence"}
for p, r in listed.items():
    assert r["class"] == want.get(p.split("/")[0], "other"), r
'
}

@test "sample: file names and text files are valid UTF-8" {
	cd "$SMALL"
	py '
import os
for d, _, fs in os.walk(os.fsencode(".")):
    for f in fs:
        f.decode("utf-8")
        if f.endswith((b".txt", b".csv")) and not f.endswith(b"_gbk.csv"):
            open(os.path.join(d, f), "rb").read().decode("utf-8")
'
}
