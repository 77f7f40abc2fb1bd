#!/usr/bin/env bats
# custody notify prepare / send / status / responses / bounces: the notices of PIPL
# Arts. 17, 22, 23 and 39 to the customers of a transfer, sent as MIME through a real SMTP
# server on loopback (tests/tools/smtp_sink.py, Debian's python3-aiosmtpd) and checked as
# they arrived; refusals and timeouts are failures to retry, never sends; answers and
# bounces are read back; no address, phone or response code is kept in clear.
#
#   CUSTODY=build/custody bats tests/cli/notify.bats

load helpers

# The interpreter that has aiosmtpd (Debian's python3, not a version manager's).
smtp_python() {
	local p
	for p in /usr/bin/python3 "$PYTHON"; do
		if [ -x "$p" ] && "$p" -c 'import aiosmtpd' 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

setup_file() {
	build_template
}

setup() {
	common_setup
	SMTP_PY=$(smtp_python) || skip "python3-aiosmtpd is not installed (scripts/deps.sh check)"
	make_vault
	: >"$T/.sinks"
	customers
	receiver 甲科技有限公司 CN
	TID=$(plan merger)
}

teardown() {
	local pid
	if [ -f "$T/.sinks" ]; then
		while read -r pid; do
			[ -n "$pid" ] && kill "$pid" 2>/dev/null
		done <"$T/.sinks"
	fi
	common_teardown
}

EMAIL1=wang.jianguo@example.cn
EMAIL2=li.xy@example.cn
PHONE3=13800138003
CONTACT='400-800-1234 service@jia.example.cn'

# Four customers with a profile record each: two with e-mail, one with a phone only, one
# with neither.
customers() {
	{
		printf '客户编号,客户名称,手机号码,电子邮件\n'
		printf 'C0001,王建国,13912345671,%s\n' "$EMAIL1"
		printf 'C0002,李秀英,13800138002,%s\n' "$EMAIL2"
		printf 'C0003,陈小明,%s,\n' "$PHONE3"
		printf 'C0004,赵六,,\n'
	} >"$T/customers.csv"
	as li import csv "$T/customers.csv" --fonds Z109 --kind customers --quiet >/dev/null
}

# receiver NAME JURISDICTION: a receiver with a valid age recipient and a signing key.
receiver() {
	local sig=ed25519-test-key
	if as li keygen --help >/dev/null 2>&1; then
		sig=$(as li keygen --signing -o "$T/sign-$RANDOM.key" | tail -n 1)
	fi
	as li receiver add "$1" --uscc 91110000802100433B --contact "$CONTACT" \
		--jurisdiction "$2" --signing-key "$sig" \
		--age-recipient age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p >/dev/null
}

# plan REASON [RECEIVER]: a transfer of every customer; prints its id.
plan() {
	as li transfer plan --fonds Z109 --to "${2:-甲科技有限公司}" --reason "$1" \
		--purpose 售后服务与账户管理 | head -n 1
}

# sink MODE: start an SMTP server; sets SINK_URL and SINK_DIR.
sink() {
	local mode="$1" i
	SINK_DIR="$T/mail-$mode"
	rm -f "$T/port-$mode"
	"$SMTP_PY" "$_CY_ROOT/tests/tools/smtp_sink.py" --dir "$SINK_DIR" \
		--port-file "$T/port-$mode" --mode "$mode" 3>&- &
	echo $! >>"$T/.sinks"
	for i in $(seq 100); do
		[ -s "$T/port-$mode" ] && break
		sleep 0.1
	done
	[ -s "$T/port-$mode" ] || return 1
	SINK_URL="smtp://127.0.0.1:$(cat "$T/port-$mode")"
}

# The status of one customer's notice (JSON field), as the archivist sees it.
notice_field() {
	as li notify status "$TID" --json | py '
for o in jl(sys.stdin.read()):
    if o["customer"] == sys.argv[1]:
        print(o[sys.argv[2]])' "$1" "$2"
}

# The response codes in the messages of a sink directory and an SMS file, in order:
# mail 0001, 0002, ..., then the SMS rows.
codes_of() {
	py '
import email, email.policy, csv, glob
pat = re.compile(r"[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}")
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.eml"))):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    print(m["To"], pat.search(m.get_content()).group(0))
if len(sys.argv) > 2:
    for r in csv.DictReader(open(sys.argv[2], encoding="utf-8")):
        print(r["phone"], pat.search(r["text"]).group(0))' "$@"
}

@test "notify prepare: one notice per customer, e-mail else SMS else none (named), idempotent" {
	run --separate-stderr as li notify prepare "$TID" --template zh-CN
	status_is 0
	output_has "4 notices prepared (2 e-mail, 1 SMS, 1 without a channel)"
	stderr_has "Z109-C000004" "neither an e-mail address nor a phone"
	before=$(sqlite3 "$V/catalog.db" 'SELECT hex(code_hash) FROM notices ORDER BY id')
	run as li notify prepare "$TID"
	status_is 0
	output_has "0 notices prepared" "4 there already"
	equal "$(sqlite3 "$V/catalog.db" 'SELECT hex(code_hash) FROM notices ORDER BY id')" "$before" "codes"
	run as li notify status "$TID" --json
	status_is 0
	py '
os_ = jl(sys.stdin.read())
assert [o["customer"] for o in os_] == ["Z109-C00000%d" % i for i in (1, 2, 3, 4)], os_
assert [o["channel"] for o in os_] == ["email", "email", "sms", "none"], os_
assert all(o["status"] == "pending" and o["attempts"] == 0 for o in os_), os_' <<<"$output"
	[ "$(count_action notify.prepare)" -eq 2 ]
	# the viewer without the fonds sees nothing; with it, status but no prepare
	run as vv notify status "$TID"
	[ "$status" -ne 0 ]
	as sec user grant vv Z109 >/dev/null
	as li ls >/dev/null # a key holder completes the grant
	run as vv notify status "$TID"
	status_is 0
	output_has "total 4: 4 pending"
	run as vv notify prepare "$TID"
	status_is 6
	run as aud notify status "$TID"
	status_is 6
	run as li notify prepare "$TID" --template fr
	[ "$status" -ne 0 ]
	output_has "zh-CN or en"
}

@test "notify send: MIME through a real SMTP server, Chinese subject and body, receiver, code" {
	as li notify prepare "$TID" >/dev/null 2>&1
	sink accept
	run as li notify send "$TID" --smtp "$SINK_URL" --from notices@fz-test.example.cn --rate 20/s
	status_is 0
	output_has "2 sent, 0 failed"
	[ "$(ls "$SINK_DIR"/*.eml | wc -l)" -eq 2 ]
	py '
import email, email.policy, glob
from email.header import decode_header
pat = re.compile(r"[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}")
files = sorted(glob.glob(os.path.join(sys.argv[1], "*.eml")))
want = {sys.argv[2]: ("王建国", "Z109-C000001"), sys.argv[3]: ("李秀英", "Z109-C000002")}
codes = set()
for f in files:
    raw = open(f, "rb").read()
    assert all(b < 0x80 for b in raw), "8-bit bytes on the wire"
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), "not CRLF"
    env = json.load(open(f[:-4] + ".json"))
    m = email.message_from_bytes(raw, policy=email.policy.default)
    assert m["MIME-Version"] == "1.0", m["MIME-Version"]
    assert re.fullmatch(r"<[0-9a-f]{32}\.notice@fz-test\.example\.cn>", m["Message-ID"]), m["Message-ID"]
    assert m["Date"] and m["Date"].datetime is not None
    assert m["From"].addresses[0].addr_spec == "notices@fz-test.example.cn"
    assert m["From"].addresses[0].display_name == "福州测试贸易有限公司"
    to = m["To"].addresses[0].addr_spec
    assert env["to"] == [to] and env["from"] == "notices@fz-test.example.cn", env
    name, cid = want.pop(to)
    assert m.get_content_type() == "text/plain" and m.get_content_charset() == "utf-8"
    assert m["Content-Transfer-Encoding"] in ("base64", "quoted-printable")
    raw_subject = raw.split(b"\r\n\r\n")[0].decode()
    assert "=?UTF-8?B?" in raw_subject or "=?utf-8?b?" in raw_subject.lower(), "RFC 2047 subject"
    assert str(m["Subject"]) == "个人信息转移告知：福州测试贸易有限公司的客户信息将转移至甲科技有限公司", str(m["Subject"])
    body = m.get_content()
    for s in ("尊敬的" + name, cid, "甲科技有限公司", sys.argv[4], "售后服务与账户管理",
              "合并", "第二十二条", "客户资料", "continue", "object", "copy", "question", "30日内"):
        assert s in body, (s, body)
    assert "第二十三条" not in body and "第三十九条" not in body, "Art. 23/39 for a merger in CN"
    codes.add(pat.search(body).group(0))
assert not want and len(codes) == 2, (want, codes)
' "$SINK_DIR" "$EMAIL1" "$EMAIL2" "$CONTACT"
	run as li notify status "$TID" --json
	py '
os_ = {o["customer"]: o for o in jl(sys.stdin.read())}
for c in ("Z109-C000001", "Z109-C000002"):
    assert os_[c]["status"] == "sent" and os_[c]["attempts"] == 1 and os_[c]["sent"], os_[c]
assert os_["Z109-C000003"]["status"] == "pending" and os_["Z109-C000004"]["status"] == "pending"' <<<"$output"
	[ "$(count_action notify.send)" -eq 2 ]
	[ "$(count_action subject.read)" -ge 2 ]
	# a second run sends nothing again
	run as li notify send "$TID" --smtp "$SINK_URL"
	status_is 0
	output_has "0 sent, 0 failed"
	[ "$(ls "$SINK_DIR"/*.eml | wc -l)" -eq 2 ]
}

@test "notify send: refusals (550, 451) and a hanging server are failures to retry, never sends" {
	as li notify prepare "$TID" >/dev/null 2>&1
	sink refuse550
	run --separate-stderr as li notify send "$TID" --smtp "$SINK_URL"
	status_is 1
	output_has "0 sent, 2 failed"
	equal "$(notice_field Z109-C000001 status)" failed
	equal "$(notice_field Z109-C000001 attempts)" 1
	equal "$(notice_field Z109-C000001 last_error)" "smtp 550"
	sink refuse451
	run as li notify send "$TID" --smtp "$SINK_URL"
	status_is 1
	equal "$(notice_field Z109-C000002 attempts)" 2
	equal "$(notice_field Z109-C000002 last_error)" "smtp 451"
	sink hang
	SECONDS=0
	run as_t 60 li notify send "$TID" --smtp "$SINK_URL" --timeout 1
	status_is 1
	[ "$SECONDS" -lt 30 ]
	equal "$(notice_field Z109-C000001 status)" failed
	equal "$(notice_field Z109-C000001 attempts)" 3
	equal "$(notice_field Z109-C000001 last_error)" timeout
	[ "$(count_action notify.send)" -eq 0 ]
	[ "$(count_action notify.fail)" -eq 6 ]
	# the refusal echoed the address: it is kept nowhere
	run sqlite3 "$V/catalog.db" .dump
	output_lacks "$EMAIL1" "$EMAIL2" "wang.jianguo"
	# an accepting server then takes the failed ones
	sink accept
	run as li notify send "$TID" --smtp "$SINK_URL"
	status_is 0
	output_has "2 sent, 0 failed"
	equal "$(notice_field Z109-C000001 status)" sent
	equal "$(notice_field Z109-C000001 attempts)" 4
	[ "$(count_action notify.send)" -eq 2 ]
	[ "$(ls "$SINK_DIR"/*.eml | wc -l)" -eq 2 ]
}

@test "notify send --sms-csv: a 0600 file for a gateway, segments of at most 70 characters" {
	as li notify prepare "$TID" >/dev/null 2>&1
	run as li notify send "$TID" --sms-csv "$T/sms.csv"
	status_is 0
	output_has "1 SMS notices written"
	equal "$(stat -c %a "$T/sms.csv")" 600 "mode"
	py '
import csv
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
assert len(rows) == 1 and rows[0]["phone"] == sys.argv[2], rows
segs = rows[0]["text"].split("\n")
assert len(segs) >= 2, segs
for i, s in enumerate(segs, 1):
    assert len(s.encode("utf-16-le")) // 2 <= 70, (len(s), s)
    assert s.startswith("(%d/%d)" % (i, len(segs))), s
text = "".join(s.split(")", 1)[1] for s in segs)
assert re.search(r"[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}", text), text
for w in ("甲科技有限公司", "400-800-1234", "service@jia.example.cn", "continue", "object"):
    assert w in text, w' "$T/sms.csv" "$PHONE3"
	equal "$(notice_field Z109-C000003 status)" sent
	equal "$(notice_field Z109-C000001 status)" pending
	[ "$(count_action notify.send)" -eq 1 ]
	# a file that exists (perhaps not yet given to the gateway) is never replaced
	run as li notify send "$TID" --sms-csv "$T/sms.csv"
	[ "$status" -ne 0 ]
	output_has "sms.csv"
	run as li notify send "$TID" --sms-csv "$T/sms2.csv"
	status_is 0
	output_has "0 SMS notices written"
	run as li notify send "$TID"
	status_is 2
}

@test "notify responses: answers by code, unknown code and answer skipped by line, later replaces" {
	as li notify prepare "$TID" >/dev/null 2>&1
	sink accept
	as li notify send "$TID" --smtp "$SINK_URL" >/dev/null
	as li notify send "$TID" --sms-csv "$T/sms.csv" >/dev/null
	codes_of "$SINK_DIR" "$T/sms.csv" >"$T/codes"
	c1=$(grep "$EMAIL1" "$T/codes" | cut -d' ' -f2)
	c2=$(grep "$EMAIL2" "$T/codes" | cut -d' ' -f2)
	c3=$(grep "$PHONE3" "$T/codes" | cut -d' ' -f2)
	{
		echo code,answer
		echo "$c1,continue"
		echo "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ,copy"
		echo "$c3,maybe"
		echo "${c2,,},object" # typed in lower case
		echo "$c1,question"
	} >"$T/answers.csv"
	run --separate-stderr as li notify responses "$TID" "$T/answers.csv"
	status_is 1
	output_has "3 answers recorded, 2 rows skipped"
	stderr_has "line 3: unknown response code" "line 4: unknown answer"
	run as li notify status "$TID" --json
	py '
os_ = {o["customer"]: o for o in jl(sys.stdin.read())}
assert os_["Z109-C000001"]["status"] == "answered" and os_["Z109-C000001"]["answer"] == "question", os_
assert os_["Z109-C000002"]["answer"] == "object", os_
assert os_["Z109-C000003"]["status"] == "sent" and os_["Z109-C000003"]["answer"] == "", os_' <<<"$output"
	[ "$(count_action notify.answer)" -eq 3 ]
	run as aud log show --json
	output_has '"replaces":"continue"'
	output_lacks "$c1" "$c2"
	run as li notify status "$TID"
	output_has "answers: 0 continue, 1 object, 0 copy, 1 question"
	printf 'answer,code\n' >"$T/bad.csv"
	run as li notify responses "$TID" "$T/bad.csv"
	status_is 1
	output_has "code,answer"
}

@test "notify bounces: delivery status notifications mark notices bounced by Message-ID" {
	as li notify prepare "$TID" >/dev/null 2>&1
	sink accept
	as li notify send "$TID" --smtp "$SINK_URL" >/dev/null
	py '
import email, email.policy, glob
files = sorted(glob.glob(os.path.join(sys.argv[1], "*.eml")))
ms = [email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default) for f in files]
m = [x for x in ms if x["To"].addresses[0].addr_spec == sys.argv[2]][0]
out = open(sys.argv[3], "w")
def dsn(mid, action, rcpt):
    out.write("From MAILER-DAEMON Tue Dec  1 06:00:00 2026\n"
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.cn>\n"
        "To: notices@localhost\nSubject: Undelivered Mail Returned to Sender\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"RB\"\n\n"
        "--RB\nContent-Type: text/plain\n\nThis is the mail system.\n"
        "--RB\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.cn\n\n"
        "Final-Recipient: rfc822; %s\nAction: %s\nStatus: 5.1.1\n"
        "--RB\nContent-Type: text/rfc822-headers\n\n"
        "From: notices@localhost\nTo: %s\nMessage-ID: %s\nSubject: x\n"
        "--RB--\n\n" % (rcpt, action, rcpt, mid))
dsn(m["Message-ID"], "failed", sys.argv[2])
dsn("<unknown.notice@elsewhere.example>", "failed", "x@example.cn")
out.write("From someone Tue Dec  1 06:00:00 2026\nFrom: a@example.cn\nSubject: re\n\nthanks\n\n")
' "$SINK_DIR" "$EMAIL2" "$T/bounces.mbox"
	run --separate-stderr as li notify bounces "$TID" "$T/bounces.mbox"
	status_is 0
	output_has "1 notices marked bounced, 2 messages not matched"
	stderr_has "message 2: no notice of this transfer" "message 3: not a delivery status notification"
	equal "$(notice_field Z109-C000002 status)" bounced
	equal "$(notice_field Z109-C000001 status)" sent
	[ "$(count_action notify.bounce)" -eq 1 ]
	run as li notify status "$TID"
	output_has "1 bounced"
	# bounced is not sent again
	run as li notify send "$TID" --smtp "$SINK_URL"
	output_has "0 sent, 0 failed"
}

@test "notify: a sale abroad asks for separate consent (Arts. 23, 39); the English template" {
	receiver 'Jia Holdings Pte Ltd' OTHER:SG
	TID=$(plan sale 'Jia Holdings Pte Ltd')
	as li notify prepare "$TID" --template en >/dev/null 2>&1
	sink accept
	as li notify send "$TID" --smtp "$SINK_URL" >/dev/null
	py '
import email, email.policy, glob
f = sorted(glob.glob(os.path.join(sys.argv[1], "*.eml")))[0]
m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
s, body = str(m["Subject"]), m.get_content()
assert s.startswith("Notice: your personal information held by 福州测试贸易有限公司"), s
assert "Jia Holdings Pte Ltd" in s
for w in ("Article 23", "Article 39", "Article 38", "OTHER:SG", "separate consent", "a sale of assets",
          "customer files", sys.argv[2]):
    assert w in body, (w, body)' "$SINK_DIR" "$CONTACT"
}

@test "notify: no address, phone or response code in the catalog or the ledger" {
	as li notify prepare "$TID" >/dev/null 2>&1
	sink refuse550
	as li notify send "$TID" --smtp "$SINK_URL" >/dev/null 2>&1 || true
	sink accept
	as li notify send "$TID" --smtp "$SINK_URL" >/dev/null
	as li notify send "$TID" --sms-csv "$T/sms.csv" >/dev/null
	codes_of "$SINK_DIR" "$T/sms.csv" | cut -d' ' -f2 | tr -d - >"$T/codes"
	run sqlite3 "$V/catalog.db" .dump
	status_is 0
	output_has "CREATE TABLE notices"
	output_lacks "$EMAIL1" "$EMAIL2" "$PHONE3" "13912345671"
	while read -r c; do
		output_lacks "$c"
		output_lacks "${c:0:5}-${c:5:5}-${c:10:5}-${c:15:5}"
	done <"$T/codes"
	# nor anywhere in the vault's files, nor the ledger
	run grep -rlaF -e "$EMAIL1" -e "$PHONE3" "$V"
	[ "$status" -eq 1 ]
	run as aud log show --json
	status_is 0
	output_has '"action":"notify.send"' '"action":"notify.fail"'
	output_lacks "$EMAIL1" "$EMAIL2" "$PHONE3" "@example.cn"
}

@test "notify: rows edited by hand are named; the ledger's account applies" {
	as li notify prepare "$TID" >/dev/null 2>&1
	sink accept
	as li notify send "$TID" --smtp "$SINK_URL" >/dev/null
	codes_of "$SINK_DIR" >"$T/codes"
	c1=$(grep "$EMAIL1" "$T/codes" | cut -d' ' -f2)
	# a pending notice made "sent" (to pass the gate) is named
	cp "$V/catalog.db" "$T/catalog.orig"
	sqlite3 "$V/catalog.db" "UPDATE notices SET status = 'sent', attempts = 1 WHERE subject_id = 3"
	run as li notify status "$TID"
	status_is 5
	output_has "Z109-C000003" "the catalog was altered"
	# an answer written by hand is named too
	cp "$T/catalog.orig" "$V/catalog.db"
	sqlite3 "$V/catalog.db" "UPDATE notices SET answer = 'continue' WHERE subject_id = 2"
	run as li notify status "$TID" --json
	status_is 5
	output_has "Z109-C000002"
	# a notice deleted by hand
	cp "$T/catalog.orig" "$V/catalog.db"
	sqlite3 "$V/catalog.db" "DELETE FROM notices WHERE subject_id = 4"
	run as li notify status "$TID"
	status_is 5
	output_has "the ledger prepared 4"
	# customer 1's code moved to customer 2's row: the answer does not follow it
	cp "$T/catalog.orig" "$V/catalog.db"
	h1=$(sqlite3 "$V/catalog.db" "SELECT hex(code_hash) FROM notices WHERE subject_id = 1")
	h2=$(sqlite3 "$V/catalog.db" "SELECT hex(code_hash) FROM notices WHERE subject_id = 2")
	sqlite3 "$V/catalog.db" "UPDATE notices SET code_hash = x'00' WHERE subject_id = 1;
		UPDATE notices SET code_hash = x'$h1' WHERE subject_id = 2;
		UPDATE notices SET code_hash = x'$h2' WHERE subject_id = 1"
	printf 'code,answer\n%s,object\n' "$c1" >"$T/a.csv"
	run as li notify responses "$TID" "$T/a.csv"
	status_is 5
	output_has "the catalog was altered"
	[ "$(count_action notify.answer)" -eq 0 ]
	# untouched, all is well
	cp "$T/catalog.orig" "$V/catalog.db"
	run as li notify status "$TID"
	status_is 0
}

@test "notify send: an imported address that cannot be one fails, and adds no recipient" {
	printf '客户编号,客户名称,电子邮件\nC0009,钱九,"evil@example.cn>, other@example.cn"\n' >"$T/bad.csv"
	as li import csv "$T/bad.csv" --fonds Z109 --kind customers --quiet >/dev/null
	TID=$(plan merger)
	as li notify prepare "$TID" >/dev/null 2>&1
	sink accept
	run as li notify send "$TID" --smtp "$SINK_URL"
	status_is 1
	output_has "2 sent, 1 failed"
	equal "$(notice_field Z109-C000005 last_error)" "bad address"
	py '
import glob
for f in glob.glob(os.path.join(sys.argv[1], "*.json")):
    env = json.load(open(f))
    assert len(env["to"]) == 1 and "evil" not in env["to"][0] and "other" not in env["to"][0], env' "$SINK_DIR"
	run as li notify send "$TID" --smtp "$SINK_URL" --from 'a@b.cn> x'
	status_is 1
	output_has "--from takes an e-mail address"
}
