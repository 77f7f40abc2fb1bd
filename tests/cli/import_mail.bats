#!/usr/bin/env bats
# custody import mail: mailboxes (mbox, .eml folders) as correspondence records linked to
# customers by e-mail address; every message imported or refused with its number and reason;
# a second import adds nothing; no body text in clear on disk.
#
#   CUSTODY=build/custody bats tests/cli/import_mail.bats

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

# An mbox: a GBK complaint from a customer with an RFC 2047 subject and a CSV attachment, a
# Big5 reply to her, a message with an unescaped "From " line in its body.
write_mbox() {
	py '
import email.header
out = open(sys.argv[1], "wb")
def msg(envelope, headers, body):
    out.write(b"From " + envelope + b"\n")
    for k, v in headers:
        out.write(k.encode() + b": " + v + b"\n")
    out.write(b"\n" + body + b"\n")
subj = email.header.Header("投诉：账户扣费问题", "gbk").encode().encode()
body = "尊敬的客服：我的账户被重复扣费，请尽快处理。王芳\n".encode("gbk")
msg(b"wang.fang@example.cn Mon Mar  4 09:30:00 2024", [
    ("From", b"=?gbk?b?" + base64.b64encode("王芳".encode("gbk")) + b"?= <wang.fang@example.cn>"),
    ("To", b"service@company.example"),
    ("Subject", subj),
    ("Date", b"Mon, 4 Mar 2024 09:30:00 +0800"),
    ("Message-ID", b"<m1@example.cn>"),
    ("MIME-Version", b"1.0"),
    ("Content-Type", b"multipart/mixed; boundary=\"XX\""),
], b"--XX\nContent-Type: text/plain; charset=gbk\nContent-Transfer-Encoding: 8bit\n\n" + body +
   b"\n--XX\nContent-Type: text/csv; name=\"bill.csv\"\nContent-Disposition: attachment; filename=\"bill.csv\"\n\ndate,amount\n2024-03-01,99.00\n--XX--\n")
msg(b"service@company.example Tue Mar  5 10:00:00 2024", [
    ("From", b"service@company.example"),
    ("To", b"wang.fang@example.cn"),
    ("Subject", b"=?big5?b?" + base64.b64encode("回覆：帳戶扣費問題".encode("big5")) + b"?="),
    ("Date", b"Tue, 5 Mar 2024 10:00:00 +0800"),
    ("Message-ID", b"<m2@company.example>"),
    ("MIME-Version", b"1.0"),
    ("Content-Type", b"text/plain; charset=big5"),
], "您好，已為您退款。\n".encode("big5"))
msg(b"someone@example.org Wed Mar  6 11:00:00 2024", [
    ("From", b"someone@example.org"),
    ("Subject", b"plain"),
    ("Date", b"Wed, 6 Mar 2024 11:00:00 +0000"),
    ("Message-ID", b"<m3@example.org>"),
], b"first line\nFrom here on the text goes on\nlast line\n")
' "$1"
}

@test "import mail: an mbox becomes correspondence records linked to the customer; charsets decoded" {
	write_mbox "$T/in.mbox"
	as li subject add --fonds Z109 --kind person --name 王芳 --email Wang.Fang@example.cn >/dev/null
	run --separate-stderr as li import mail "$T/in.mbox" --fonds Z109 --json
	py '
rs = jl(sys.argv[1]); s = rs[-1]
assert s["messages"] == 3 and s["imported"] == 3 and s["rejects"] == 0 and s["linked"] == 2, s
' "$output"
	run as li ls --json
	py '
rs = jl(sys.argv[1])
assert all(r["class"] == "correspondence" and r["year"] == 2024 for r in rs), rs
titles = sorted(r["title"] for r in rs)
assert titles == ["plain", "回覆：帳戶扣費問題", "投诉：账户扣费问题"], titles
m1 = [r for r in rs if r["title"].startswith("投诉")][0]
assert m1["objects"] == 3 and m1["subjects"] == 1 and m1["date"] == "2024-03-04", m1
assert m1["message_id"] == "m1@example.cn", m1
' "$output"
	run as li subject find --email wang.fang@example.cn --json
	py 'rs = jl(sys.argv[1]); assert rs[0]["records"] == 2, rs' "$output"
	# the decoded bodies are searchable: a GBK body, a Big5 one
	run as li search 重复扣费 --json
	status_is 0
	py 'rs = jl(sys.argv[1]); assert len(rs) == 1 and rs[0]["title"].startswith("投诉"), rs' "$output"
	run as li search 已為您退款 --json
	py 'rs = jl(sys.argv[1]); assert len(rs) == 1, rs' "$output"
	# the original message comes back byte for byte: the "From " line inside the third body
	# did not split it
	no=$(as li ls --json | py '
for r in jl(sys.stdin.read()):
    if r["title"] == "plain": print(r["archive_no"])')
	as li get "$no" -o "$T/m3.eml"
	grep -q "^From here on the text goes on" "$T/m3.eml"
	grep -q "^last line" "$T/m3.eml"
	# again: nothing new
	run --separate-stderr as li import mail "$T/in.mbox" --fonds Z109 --json
	py 's = jl(sys.argv[1])[-1]; assert s["imported"] == 0 and s["duplicates"] == 3, s' "$output"
}

@test "import mail: a folder of .eml files; a file that is no message is refused by number and kept" {
	mkdir -p "$T/box/sub"
	printf 'From: a@example.org\nSubject: one\nDate: Mon, 4 Mar 2024 09:30:00 +0800\n\nhello\n' >"$T/box/a.eml"
	head -c 300 /dev/urandom | tr -d '\n:' >"$T/box/sub/b.eml"
	printf 'not mail either' >"$T/box/notes.txt"
	run --separate-stderr as li import mail "$T/box" --fonds Z109 --json
	status_is 1
	py '
rs = jl(sys.argv[1]); s = rs[-1]
assert s["messages"] == 2 and s["imported"] == 1 and s["rejects"] == 1 and s["skipped"] == 1, s
assert rs[0]["status"] == "rejected" and rs[0]["message"] == 2, rs[0]
' "$output"
	run as li import rejects -o "$T/rej.eml"
	status_is 0
	output_has "line 2:"
	cmp "$T/rej.eml" "$T/box/sub/b.eml" || { printf '\n' >>"$T/box/sub/b.eml"; cmp "$T/rej.eml" "$T/box/sub/b.eml"; }
}

@test "import mail: every message of mikel_mail is imported or refused with a reason, no hang" {
	local dir="$CUSTODY_TESTDATA/email/mikel_mail" n
	[ -d "$dir" ] || skip "no mikel_mail test data at $dir"
	n=$(find "$dir" -name '*.eml' -type f | wc -l)
	run --separate-stderr timeout 300 env CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" \
		"$CUSTODY" import mail "$dir" --fonds Z109 --year 2010 --json
	[ "$status" -le 1 ]
	py '
rs = jl(sys.argv[1]); s = rs[-1]; n = int(sys.argv[2])
assert s["messages"] == n, (s, n)
assert s["imported"] + s["duplicates"] + s["rejects"] == n, s
assert s["imported"] > n // 2, s
for r in rs[:-1]:
    assert r["status"] == "rejected" and r["reason"], r
' "$output" "$n"
	# titles are UTF-8 (decoded RFC 2047), never raw encoded words
	run as li ls --json
	py '
for r in jl(sys.argv[1]):
    assert "=?" not in r["title"] or "?=" not in r["title"], r["title"]
' "$output"
}

@test "import mail: no body, subject or address in plaintext anywhere in the vault" {
	write_mbox "$T/in.mbox"
	as li subject add --fonds Z109 --kind person --name 王芳 --email wang.fang@example.cn >/dev/null
	as li import mail "$T/in.mbox" --fonds Z109 --quiet || true
	run py '
vals = ["重复扣费", "账户扣费问题", "wang.fang@example.cn", "已為您退款", "From here on the text"]
hits = []
for r, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        p = os.path.join(r, f); data = open(p, "rb").read()
        for v in vals:
            for enc in ("utf-8", "gb18030", "big5", "utf-16-le"):
                try: b = v.encode(enc)
                except UnicodeEncodeError: continue
                if b in data: hits.append("%s: %r (%s)" % (p, v, enc))
print("\n".join(hits)); assert not hits
' "$V"
	status_is 0
}

@test "import mail: clear errors for a missing mailbox and a viewer" {
	run as li import mail "$T/none.mbox" --fonds Z109
	[ "$status" -ne 0 ]
	output_has "cannot read"
	write_mbox "$T/in.mbox"
	run as vv import mail "$T/in.mbox" --fonds Z109
	[ "$status" -ne 0 ]
	run as li import mail "$T/in.mbox"
	status_is 2
	output_has "--fonds"
}
