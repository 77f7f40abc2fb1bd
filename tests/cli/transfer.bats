#!/usr/bin/env bats
# The handover (issue 9): receivers, a transfer's plan and gates (each with its
# article), notices through a real SMTP server and as SMS rows, customers'
# answers, the PIA, a second archivist's approval, the package (a BagIt bag in a
# tar in age: the stock age tool opens it, an independent validator accepts
# it), the receiver's signed receipt and the sender's confirmation.
# docs/internals/transfer.md.  Attacks on all this: transfer_attacks.bats.
#
#   CUSTODY=build/custody bats tests/cli/transfer.bats

load helpers

TOOLS_SRC="$BATS_TEST_DIRNAME/../tools"
RCV='厦门接收数据服务有限公司'
RCV_USCC=91110000600037341L
RCV_CONTACT='厦门市思明区软件园二期 0592-5550100 dpo@receiver.example.cn'

# python3 with aiosmtpd (Debian's python3-aiosmtpd is for the system python)
smtp_python() {
	local p
	for p in /usr/bin/python3 python3; do
		if "$p" -c 'import aiosmtpd' 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

setup_file() {
	build_template
	local t="$BATS_FILE_TMPDIR/template" pw="$BATS_FILE_TMPDIR/pw"
	CUSTODY_VAULT="$t" CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$pw/sec" \
		"$CUSTODY" user add li2 --role archivist --new-password-file "$pw/li2" >/dev/null
	CUSTODY_VAULT="$t" CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$pw/sec" \
		"$CUSTODY" user grant li2 Z109 >/dev/null
	CUSTODY_VAULT="$t" CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$pw/sec" \
		"$CUSTODY" user grant vv Z109 >/dev/null
	# three customers: two with e-mail, one with a phone only; each has a profile
	printf '客户编号,客户名称,证件类型,身份证号,手机号码,电子邮件\n' >"$BATS_FILE_TMPDIR/c.csv"
	printf 'C0001,王建国,居民身份证,11010519800101001X,13912345671,wang.jg@example.cn\n' >>"$BATS_FILE_TMPDIR/c.csv"
	printf 'C0002,李秀英,居民身份证,440306199212310028,13800138002,li.xy@example.cn\n' >>"$BATS_FILE_TMPDIR/c.csv"
	printf 'C0003,陈小明,,,13800138003,\n' >>"$BATS_FILE_TMPDIR/c.csv"
	CUSTODY_VAULT="$t" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$pw/li" \
		"$CUSTODY" import csv "$BATS_FILE_TMPDIR/c.csv" --fonds Z109 --kind customers >/dev/null
	mkdir -p "$BATS_FILE_TMPDIR/in"
	printf 'contract body: XYZZY-CANARY-4711\n' >"$BATS_FILE_TMPDIR/in/contract.txt"
	CUSTODY_VAULT="$t" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$pw/li" \
		"$CUSTODY" import files "$BATS_FILE_TMPDIR/in" --fonds Z109 --class contract --year 2021 >/dev/null
	CUSTODY_VAULT="$t" CUSTODY_USER=li2 CUSTODY_PASSWORD_FILE="$pw/li2" "$CUSTODY" ls >/dev/null
	# the receiver's keys
	mkdir -p "$BATS_FILE_TMPDIR/keys"
	"$CUSTODY" keygen --age -o "$BATS_FILE_TMPDIR/keys/age.key" >"$BATS_FILE_TMPDIR/keys/age.pub"
	"$CUSTODY" keygen --signing -o "$BATS_FILE_TMPDIR/keys/sig.key" >"$BATS_FILE_TMPDIR/keys/sig.pub"
}

setup() {
	common_setup
	make_vault
	K="$BATS_FILE_TMPDIR/keys"
	AGEPUB=$(head -1 "$K/age.pub")
	SIGPUB=$(head -1 "$K/sig.pub")
	cd "$T"
}

teardown() {
	[ -n "${SINK_PID:-}" ] && kill "$SINK_PID" 2>/dev/null
	common_teardown
}

add_receiver() {
	as li receiver add "$RCV" --uscc "$RCV_USCC" --contact "$RCV_CONTACT" \
		--jurisdiction "${1:-CN}" --age-recipient "$AGEPUB" --signing-key "$SIGPUB"
}

# plan REASON [more options]: prints the transfer id
plan() {
	local reason="$1"
	shift
	as li transfer plan --fonds Z109 --to "$RCV" --reason "$reason" --purpose '继续提供存款服务' \
		--notice-days 30 "$@" | head -1
}

start_sink() {
	local py
	py=$(smtp_python) || {
		echo "python3-aiosmtpd is not installed (scripts/deps.sh check)" >&2
		return 1
	}
	"$py" "$TOOLS_SRC/smtp_sink.py" --dir "$T/mail" --port-file "$T/port" --mode "${1:-accept}" &
	SINK_PID=$!
	for _ in $(seq 50); do
		[ -s "$T/port" ] && break
		sleep 0.1
	done
	PORT=$(cat "$T/port")
}

# The response codes of the SMS notices in FILE, one per line.
sms_codes() {
	py '
text = open(sys.argv[1], encoding="utf-8").read()
text = re.sub(r"\n\(\d+/\d+\)", "", text)
print("\n".join(re.findall(r"[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}", text)))' "$1"
}

# notify every customer by SMS (no server needed) and record a PIA
notify_all() {
	local id="$1"
	as li notify prepare "$id" --template zh-CN >/dev/null
	# the e-mail customers by SMS too: the channel is chosen per customer,
	# so send the e-mail ones through the sink
	start_sink
	as li notify send "$id" --smtp "smtp://127.0.0.1:$PORT" --from archive@example.cn >/dev/null
	as li notify send "$id" --sms-csv "$T/sms.csv" >/dev/null
	printf '# 个人信息保护影响评估\n接收方继续履行义务。\n' >"$T/pia.md"
	as li pia add "$id" --file "$T/pia.md" >/dev/null
}

@test "the whole handover: plan, gates with articles, notices by SMTP, approval, package, receipt, confirm" {
	run add_receiver
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	id=$(plan merger)
	[ "$id" = 1 ]
	# the gates, each with its article, all open
	run as li transfer show "$id" --json
	[ "$status" -eq 0 ]
	py '
o = json.loads(sys.argv[1]); g = {x["gate"]: x for x in o["gates"]}
assert not o["ready"] and o["records"] == 4 and o["subjects"] == 3, o
assert g["notice"]["article"] == "PIPL Art. 22" and not g["notice"]["ok"], g
assert g["notice-period"]["article"] == "PIPL Art. 22" and g["pia"]["article"] == "PIPL Art. 55", g
assert "consent" not in g and "mechanism" not in g, g  # a merger in China
assert o["receiver_contact"] == sys.argv[2], o' "$output" "$RCV_CONTACT"
	run as li transfer show "$id"
	output_has "PIPL Art. 22"
	output_has "gates still block"
	# an unapproved transfer is not exported
	run as li transfer export "$id" -o "$T/pkg.tar.age"
	[ "$status" -ne 0 ]
	stderr_has "only an approved transfer" || output_has "only an approved transfer"
	[ ! -e "$T/pkg.tar.age" ]

	notify_all "$id"
	# what arrived at the SMTP server: headers, the Chinese subject and body,
	# the receiver's name and contact, a response code
	py '
import email, email.policy, glob
ms = [email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
      for f in sorted(glob.glob(sys.argv[1] + "/*.eml"))]
assert len(ms) == 2, len(ms)
for m in ms:
    assert m["Message-ID"] and m["Date"] and m["MIME-Version"] == "1.0", dict(m)
    assert re.search(r"[\u4e00-\u9fff]", str(m["Subject"])), m["Subject"]
    body = m.get_body(("plain",)).get_content()
    assert sys.argv[2] in body and sys.argv[3] in body, body
    assert re.search(r"[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}", body), body
assert sorted(m["To"].addresses[0].addr_spec for m in ms) == ["li.xy@example.cn", "wang.jg@example.cn"]
' "$T/mail" "$RCV" "$RCV_CONTACT"

	# the planner may not approve; the notice period must have passed
	run as li transfer approve "$id" --as-of 2099-01-01
	[ "$status" -eq 6 ]
	run as li2 transfer approve "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"notice period"* ]]
	run as li2 transfer approve "$id" --as-of 2099-01-01
	[ "$status" -eq 0 ]
	output_has "approved: 4 records, 3 customers"

	run as li transfer export "$id" -o "$T/pkg.tar.age" --as-of 2099-01-01
	[ "$status" -eq 0 ]
	tag="${lines[0]}"
	[ ${#tag} -eq 64 ]
	[ "$(stat -c %a "$T/pkg.tar.age")" = 600 ]
	# nothing of the package in plaintext on the sender's disk
	! grep -rqa "XYZZY-CANARY-4711" "$V" "$T/pkg.tar.age"

	# the stock age tool decrypts it; GNU tar reads it; an independent validator accepts the bag
	mkdir "$T/stock"
	age -d -i "$K/age.key" "$T/pkg.tar.age" | tar -x -C "$T/stock"
	bag="$T/stock/transfer-Z109-1"
	run python3 "$TOOLS_SRC/bagcheck.py" "$bag"
	[ "$status" -eq 0 ]
	grep -q "XYZZY-CANARY-4711" "$bag/data/records/"*/contract.txt
	# the metadata: records.csv with a BOM for Excel, the handover list's fields
	[ "$(head -c 3 "$bag/metadata/records.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ]
	[ "$(wc -l <"$bag/metadata/records.jsonl")" -eq 4 ]
	[ "$(wc -l <"$bag/metadata/subjects.jsonl")" -eq 3 ]
	grep -q "移交单位" "$bag/metadata/handover-list.html"
	grep -q "接收单位" "$bag/metadata/handover-list.html"
	grep -q "$RCV" "$bag/metadata/handover-list.html"
	grep -q "^Transfer-Id: " "$bag/bag-info.txt"
	grep -q "^Payload-Oxum: " "$bag/bag-info.txt"
	[ "$(sha256sum "$bag/tagmanifest-sha256.txt" | cut -d' ' -f1)" = "$tag" ]
	run "$CUSTODY" bag validate "$bag"
	[ "$status" -eq 0 ]

	# the receiver: work directory 0700, the receipt in the current directory
	mkdir "$T/rcv" && cd "$T/rcv"
	run "$CUSTODY" receive "$T/pkg.tar.age" --identity "$K/age.key" --to "$T/work" --sign-key "$K/sig.key"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = receipt.json ]
	[ -f "$T/rcv/receipt.json" ]
	[ "$(stat -c %a "$T/work")" = 700 ]
	[ -f "$T/work/transfer-Z109-1/bagit.txt" ]
	py '
r = json.load(open(sys.argv[1]))["receipt"]
assert r["tag_manifest_sha256"] == sys.argv[2] and r["counts"]["records"] == 4, r
assert r["counts"]["subjects"] == 3 and r["receiver_key"] == sys.argv[3], r' \
		"$T/rcv/receipt.json" "$tag" "$SIGPUB"
	cd "$T"

	# the sender confirms: the records are transferred and never leave again
	run as li transfer confirm "$id" "$T/rcv/receipt.json"
	[ "$status" -eq 0 ]
	run as li ls --all --json
	py '
rs = jl(sys.argv[1])
assert len(rs) == 4 and all(r["status"] == "transferred" for r in rs), rs' "$output"
	run as li transfer list --json
	py 'o = jl(sys.argv[1]); assert o[0]["status"] == "confirmed", o' "$output"
	# the ledger has each step
	run as aud log show
	for a in receiver.add transfer.plan transfer.pia transfer.approve transfer.export \
		transfer.exported transfer.confirm notify.send; do
		[[ "$output" == *"\"$a\""* ]] || { echo "no $a in the ledger"; false; }
	done
	run as li check
	[ "$status" -eq 0 ]
}

@test "a refusing SMTP server gives failures to retry, not sends; a later run sends them" {
	add_receiver >/dev/null
	id=$(plan merger)
	as li notify prepare "$id" --template en >/dev/null
	start_sink refuse550
	run as li notify send "$id" --smtp "smtp://127.0.0.1:$PORT" --from archive@example.cn
	run as li notify status "$id" --json
	py '
o = [x for x in jl(sys.argv[1]) if x.get("channel") == "email"]
assert len(o) == 2 and all(x["status"] == "failed" for x in o), o' "$output"
	run as li transfer show "$id" --json
	py 'g = {x["gate"]: x for x in json.loads(sys.argv[1])["gates"]}; assert not g["notice"]["ok"], g' "$output"
	kill "$SINK_PID"
	rm -f "$T/port"
	start_sink accept
	run as li notify send "$id" --smtp "smtp://127.0.0.1:$PORT" --from archive@example.cn
	[ "$status" -eq 0 ]
	[ "$(ls "$T/mail"/*.eml | wc -l)" -eq 2 ]
}

@test "a sale needs each customer's separate consent (PIPL Art. 23); an objector leaves the scope" {
	add_receiver >/dev/null
	id=$(plan sale)
	notify_all "$id"
	run as li transfer show "$id" --json --as-of 2099-01-01
	py '
o = json.loads(sys.argv[1]); g = {x["gate"]: x for x in o["gates"]}
assert g["consent"]["article"] == "PIPL Art. 23" and not g["consent"]["ok"], g' "$output"
	# answers: the SMS customer objects; the e-mail customers consent
	sms_codes "$T/sms.csv" >"$T/sms-codes"
	[ "$(wc -l <"$T/sms-codes")" -eq 1 ]
	py '
import email, email.policy, glob
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    print(re.search(r"[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}", m.get_body(("plain",)).get_content()).group(0))
' "$T/mail" >"$T/mail-codes"
	{
		echo "code,answer"
		sed 's/$/,continue/' "$T/mail-codes"
		sed 's/$/,object/' "$T/sms-codes"
	} >"$T/answers.csv"
	run as li notify responses "$id" "$T/answers.csv"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run as li2 transfer approve "$id" --as-of 2099-01-01
	[ "$status" -eq 0 ]
	output_has "1 customers objected"
	# the objector's record is not in the package
	as li transfer export "$id" -o "$T/pkg.tar.age" --as-of 2099-01-01 >/dev/null
	mkdir "$T/x"
	age -d -i "$K/age.key" "$T/pkg.tar.age" | tar -x -C "$T/x"
	[ "$(wc -l <"$T/x/transfer-Z109-1/metadata/subjects.jsonl")" -eq 2 ]
	! grep -q "陈小明" "$T/x/transfer-Z109-1/metadata/subjects.jsonl"
	grep -q "王建国" "$T/x/transfer-Z109-1/metadata/subjects.jsonl"
}

@test "a receiver abroad: the Art. 38 mechanism and Art. 39 consent are gates" {
	add_receiver OTHER:SG >/dev/null
	id=$(plan merger)
	run as li transfer show "$id" --json
	py '
g = {x["gate"]: x for x in json.loads(sys.argv[1])["gates"]}
assert g["mechanism"]["article"] == "PIPL Art. 38" and not g["mechanism"]["ok"], g
assert g["consent-abroad"]["article"] == "PIPL Art. 39" and not g["consent-abroad"]["ok"], g
assert "standard contract" in g["mechanism"]["detail"], g  # customers with ID numbers: sensitive' "$output"
	run as li transfer mechanism "$id" --kind standard-contract --ref 'SCC-2026-001'
	[ "$status" -eq 0 ]
	run as li transfer show "$id" --json
	py 'g = {x["gate"]: x for x in json.loads(sys.argv[1])["gates"]}; assert g["mechanism"]["ok"], g' "$output"
	run as li transfer mechanism "$id" --kind by-handshake --ref x
	[ "$status" -eq 1 ]
}

@test "records on hold or store-only never leave: not planned, and refused at export" {
	add_receiver >/dev/null
	c=$(as li ls --json | py 'print([r["archive_no"] for r in jl(sys.stdin.read()) if r["class"] == "contract"][0])')
	as li hold add "$c" --reason '未结诉讼' >/dev/null
	id=$(plan merger)
	run as li transfer show "$id" --json
	py 'o = json.loads(sys.argv[1]); assert o["records"] == 3, o' "$output"
	# a record restricted after the plan: the export refuses it
	as li hold release "$(as li hold list --json | py 'print(jl(sys.stdin.read())[0]["id"])')" >/dev/null 2>&1 || true
	p=$(as li ls --json | py 'print([r["archive_no"] for r in jl(sys.stdin.read()) if r["class"] == "customer"][0])')
	notify_all "$id"
	as li2 transfer approve "$id" --as-of 2099-01-01 >/dev/null
	as li record restrict "$p" --reason art47-2 >/dev/null
	run as li transfer export "$id" -o "$T/pkg.tar.age" --as-of 2099-01-01
	[ "$status" -ne 0 ]
	[[ "$output" == *"store-only"* ]]
	[ ! -e "$T/pkg.tar.age" ]
}

@test "receiver add: the keys and the code are checked; receive refuses a wrong identity" {
	run as li receiver add X --contact c --jurisdiction CN --uscc 91110000600037341X \
		--age-recipient "$AGEPUB" --signing-key "$SIGPUB"
	[ "$status" -eq 1 ]
	[[ "$output" == *"unified social credit code"* ]]
	run as li receiver add X --contact c --jurisdiction CN --uscc "$RCV_USCC" \
		--age-recipient age1notakey --signing-key "$SIGPUB"
	[ "$status" -eq 1 ]
	[[ "$output" == *"age X25519 recipient"* ]]
	run as li receiver add X --contact c --jurisdiction XX --uscc "$RCV_USCC" \
		--age-recipient "$AGEPUB" --signing-key "$SIGPUB"
	[ "$status" -eq 1 ]
	run as vv receiver add X --contact c --jurisdiction CN --uscc "$RCV_USCC" \
		--age-recipient "$AGEPUB" --signing-key "$SIGPUB"
	[ "$status" -eq 6 ]
	# a package for another key
	"$CUSTODY" keygen --age -o "$T/other.key" >/dev/null
	echo hello | age -r "$AGEPUB" >"$T/x.age"
	run "$CUSTODY" receive "$T/x.age" --identity "$T/other.key" --to "$T/w" --sign-key "$K/sig.key"
	[ "$status" -ne 0 ]
	[ ! -e receipt.json ]
}

@test "receive --fonds: the receiver's own vault takes the records and customers in, logged there" {
	add_receiver >/dev/null
	id=$(plan merger --notice-days 0)
	notify_all "$id"
	as li2 transfer approve "$id" >/dev/null
	as li transfer export "$id" -o "$T/pkg.tar.age" >/dev/null
	# the receiver's vault: another vault, its own users
	RV="$T/rvault"
	build_vault "$RV"
	run env CUSTODY_VAULT="$RV" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" "$CUSTODY" receive "$T/pkg.tar.age" \
		--identity "$K/age.key" --to "$T/work" --sign-key "$K/sig.key" -o "$T/r.json" --fonds "$FONDS"
	[ "$status" -eq 0 ]
	output_has "4 records added"
	run env CUSTODY_VAULT="$RV" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" "$CUSTODY" ls --json
	py '
rs = jl(sys.argv[1]); assert len(rs) == 4, rs
assert sorted(r["class"] for r in rs) == ["contract", "customer", "customer", "customer"], rs' "$output"
	run env CUSTODY_VAULT="$RV" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" "$CUSTODY" search --name 王建国
	[ "$status" -eq 0 ]
	run env CUSTODY_VAULT="$RV" CUSTODY_USER=aud CUSTODY_PASSWORD_FILE="$PW/aud" "$CUSTODY" log show
	[[ "$output" == *'"transfer.receive"'* ]]
	# the sender confirms with the same receipt
	run as li transfer confirm "$id" "$T/r.json"
	[ "$status" -eq 0 ]
}
