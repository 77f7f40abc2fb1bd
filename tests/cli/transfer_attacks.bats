#!/usr/bin/env bats
# Attacks on the handover (issue 9): what an attacker with sqlite3, a hostile file system,
# a forged or replayed receipt, a killed process or a doctored package tries, and what
# custody must do instead: refuse with a clear message, never export something else, never
# mark records transferred, leave nothing half-written and no plaintext behind.
#
# setup_file builds one vault with a transfer of two customers' records, notified (SMS
# file), assessed and approved by a second archivist, then exports it once and receives
# it once, keeping the package and the receipt; each test copies that vault.
#
#   CUSTODY=build/custody bats tests/cli/transfer_attacks.bats

load helpers

# A string that is in the records and nowhere else: found in plaintext, it is a leak.
MARK=ATTACK-PAYLOAD-7c1e5b
RUSCC=91110000802100433B

setup_file() {
	local F="$BATS_FILE_TMPDIR" pw="$BATS_FILE_TMPDIR/pw"
	build_template
	V="$F/template"
	export CUSTODY_VAULT="$V"
	PW="$pw"
	cd "$F" || return 1
	as sec user add li2 --role archivist --new-password-file "$pw/li2" >/dev/null
	as sec user grant li2 Z109 >/dev/null
	as li subject add --fonds Z109 --kind person --name 张伟明 --phone 13912345678 >/dev/null
	as li subject add --fonds Z109 --kind person --name 李娜 --phone 13812345678 >/dev/null
	mkdir -p in1 in2 big
	printf '%s contract of customer one\n' "$MARK" >in1/a.txt
	printf '%s second paper of customer one\n' "$MARK" >in1/b.txt
	printf '%s contract of customer two\n' "$MARK" >in2/c.txt
	as li import files in1 --fonds Z109 --class customer --year 2019 --subject Z109-C000001 \
		--quiet >/dev/null
	as li import files in2 --fonds Z109 --class customer --year 2019 --subject Z109-C000002 \
		--quiet >/dev/null
	"$CUSTODY" keygen --age -o "$F/recv.age" >"$F/recv.age.pub"
	"$CUSTODY" keygen --signing -o "$F/recv.sig" >"$F/recv.sig.pub"
	"$CUSTODY" keygen --age -o "$F/evil.age" >"$F/evil.age.pub"
	"$CUSTODY" keygen --signing -o "$F/evil.sig" >"$F/evil.sig.pub"
	as li receiver add 接收公司 --uscc "$RUSCC" --contact "福州市鼓楼区 0591-12345678" \
		--jurisdiction CN --age-recipient "$(cat "$F/recv.age.pub")" \
		--signing-key "$(cat "$F/recv.sig.pub")" >/dev/null
	as li transfer plan --fonds Z109 --to 接收公司 --reason merger --notice-days 0 \
		--purpose "继续履行合同" >"$F/plan.out"
	printf '# PIA\n\nrisks are low.\n' >"$F/pia.md"
	as li pia add 1 --file "$F/pia.md" >/dev/null
	as li notify prepare 1 --template zh-CN >/dev/null
	as li notify send 1 --sms-csv "$F/sms.csv" >/dev/null
	as li2 transfer approve 1 >"$F/approve.out"
	# the exported and received state, for the receipt and receive attacks
	cp -a "$V" "$F/approved"
	as li transfer export 1 -o "$F/pkg.tar.age" >"$F/export.out"
	"$CUSTODY" receive "$F/pkg.tar.age" --identity "$F/recv.age" --to "$F/recv" \
		--sign-key "$F/recv.sig" -o "$F/receipt.json" >/dev/null
	cp -a "$V" "$F/exported"
	rm -rf "$V"
	mv "$F/approved" "$V"
}

setup() {
	common_setup
	F="$BATS_FILE_TMPDIR"
	make_vault
	DB="$V/catalog.db"
}

teardown() {
	common_teardown
}

# The vault with the package exported (receipt.json is the receiver's receipt for it).
exported_vault() {
	rm -rf "$V"
	cp -a "$F/exported" "$V"
}

# Records of fonds Z109 by status, as the catalog has them: "held 3".
statuses() {
	sqlite3 "$DB" "SELECT status, count(*) FROM records GROUP BY status ORDER BY status" | tr '|' ' '
}

# Nothing in the directory but what was there: the listing of DIR.
listing() {
	(cd "$1" && find . | LC_ALL=C sort)
}

@test "setup: the transfer is approved and exports; its package is received and confirmed" {
	run as li transfer show 1
	status_is 0
	output_has "ready: every gate is passed"
	exported_vault
	run as li transfer confirm 1 "$F/receipt.json"
	status_is 0
	output_has "transfer 1 confirmed"
	equal "$(statuses)" "transferred 3" "records after confirm"
	# handed over: it is not exported again, and its status set back by hand does not help
	run as li transfer export 1 -o "$T/again.tar.age"
	status_is 6
	output_has "transfer 1 is confirmed"
	sqlite3 "$DB" "UPDATE transfers SET status = 'approved' WHERE id = 1"
	run as li transfer export 1 -o "$T/again.tar.age"
	[ "$status" -ne 0 ]
	output_has "is transferred: it cannot be handed over"
	[ ! -e "$T/again.tar.age" ]
}

# ---- helpers ----

uid() {
	sqlite3 "$DB" "SELECT id FROM users WHERE name = '$1'"
}

# export_refused MESSAGE...: `transfer export 1` is refused with each MESSAGE, writes no
# package and leaves no temporary next to it, and the records stay in custody.
export_refused() {
	run as li transfer export 1 -o "$T/pkg.tar.age"
	[ "$status" -ne 0 ] || {
		echo "the export was not refused: $output" >&2
		return 1
	}
	output_has "$@" || return 1
	[ ! -e "$T/pkg.tar.age" ] || {
		echo "a package was written" >&2
		return 1
	}
	if compgen -G "$T/.custody-*" >/dev/null; then
		echo "a temporary was left: $(ls -a "$T")" >&2
		return 1
	fi
	equal "$(statuses)" "${HELD:-held 3}" "record statuses"
}

# A second transfer of the same records (planned by li, nothing else done): prints its id.
# Further arguments go to plan (--subjects FILE).
plan_second() {
	as li transfer plan --fonds Z109 --to 接收公司 --reason "${1:-merger}" \
		--notice-days "${2:-0}" "${@:3}" | head -n 1 | grep -o '[0-9][0-9]*' | head -n 1
}

# ---- the catalog edited with sqlite3 ----

@test "transfer_items: a row added, deleted or its 'left' changed is refused at show and export" {
	mkdir extra
	printf 'not in the plan %s\n' "$MARK" >extra/x.txt
	as li import files extra --fonds Z109 --class contract --year 2020 --quiet >/dev/null
	local rid no
	read -r rid no < <(sqlite3 -separator ' ' "$DB" "SELECT id, archive_no FROM records WHERE class <> 'customer'")
	[ -n "$rid" ]
	HELD="held 4"
	cp "$DB" "$T/db.orig"
	sqlite3 "$DB" "INSERT INTO transfer_items (transfer_id, record_id, archive_no) VALUES (1, $rid, '$no')"
	run as li transfer export 1 -o "$T/pkg.tar.age"
	status_is 5
	output_has "differ from the scope the ledger holds" "by hand"
	[ ! -e "$T/pkg.tar.age" ]
	run as li transfer show 1
	status_is 5
	output_has "by hand"

	cp "$T/db.orig" "$DB"
	sqlite3 "$DB" "DELETE FROM transfer_items WHERE record_id = (SELECT min(record_id) FROM transfer_items)"
	equal "$(sqlite3 "$DB" 'SELECT count(*) FROM transfer_items')" 2 "items left"
	export_refused "differ from the scope the ledger holds"

	cp "$T/db.orig" "$DB"
	sqlite3 "$DB" "UPDATE transfer_items SET left = 'objected' WHERE record_id = (SELECT min(record_id) FROM transfer_items)"
	export_refused "differ from the scope the ledger holds"
	# an item's archive number pointed at another record
	cp "$T/db.orig" "$DB"
	sqlite3 "$DB" "UPDATE transfer_items SET archive_no = '$no' WHERE record_id = (SELECT min(record_id) FROM transfer_items)"
	export_refused "differ from the scope the ledger holds"
	# the untouched catalog still exports: the refusals were the edits
	cp "$T/db.orig" "$DB"
	run as li transfer export 1 -o "$T/pkg.tar.age"
	status_is 0
}

@test "transfer_subjects: another customer set 'in' by hand is refused (their data would be in subjects.jsonl)" {
	as li subject add --fonds Z109 --kind person --name 王五 --phone 13712345678 >/dev/null
	local sid
	sid=$(sqlite3 "$DB" "SELECT max(id) FROM subjects")
	sqlite3 "$DB" "INSERT INTO transfer_subjects (transfer_id, subject_id, state) VALUES (1, $sid, 'in')"
	export_refused "transfer_subjects" "by hand"
	# or a customer in scope dropped from it
	sqlite3 "$DB" "DELETE FROM transfer_subjects WHERE subject_id = $sid"
	sqlite3 "$DB" "UPDATE transfer_subjects SET state = 'objected' WHERE subject_id = (SELECT min(subject_id) FROM transfer_subjects)"
	export_refused "by hand"
}

@test "transfers.status set to 'approved' without an approval: export refuses" {
	local t2
	t2=$(plan_second)
	[ "$t2" = 2 ]
	as li pia add 2 --file "$F/pia.md" >/dev/null
	sqlite3 "$DB" "UPDATE transfers SET status = 'approved' WHERE id = 2"
	run as li transfer export 2 -o "$T/pkg2.tar.age"
	[ "$status" -ne 0 ]
	output_has "cannot be exported"
	[ ! -e "$T/pkg2.tar.age" ]
	# with an approver and a date too, but no transfer.approve entry
	sqlite3 "$DB" "UPDATE transfers SET approved_by = $(uid li2), approved = '2026-01-01T00:00:00Z' WHERE id = 2"
	as li notify prepare 2 --template zh-CN >/dev/null
	as li notify send 2 --sms-csv "$T/sms2.csv" >/dev/null
	run as li transfer export 2 -o "$T/pkg2.tar.age"
	status_is 5
	output_has "has no transfer.approve entry" "the catalog was altered"
	[ ! -e "$T/pkg2.tar.age" ]
	# pointed at transfer 1's approval entry
	sqlite3 "$DB" "UPDATE transfers SET approve_seq = (SELECT approve_seq FROM transfers WHERE id = 1) WHERE id = 2"
	run as li transfer export 2 -o "$T/pkg2.tar.age"
	status_is 5
	output_has "has no transfer.approve entry"
	[ ! -e "$T/pkg2.tar.age" ]
	equal "$(statuses)" "held 3" "record statuses"
}

@test "transfers.approved_by set to the planner or to another user: refused" {
	sqlite3 "$DB" "UPDATE transfers SET approved_by = $(uid li) WHERE id = 1"
	export_refused "approved by a second person"
	run as li transfer show 1 --json
	status_is 0
	py 'g = {x["gate"]: x["ok"] for x in json.loads(sys.stdin.read())["gates"]}; assert g["approval"] is False, g' <<<"$output"
	# another user than the one who approved (the package would name them)
	sqlite3 "$DB" "UPDATE transfers SET approved_by = $(uid sec) WHERE id = 1"
	export_refused "names an approver other than the one the ledger recorded"
	sqlite3 "$DB" "UPDATE transfers SET approved_by = $(uid li2) WHERE id = 1"
	run as li transfer export 1 -o "$T/pkg.tar.age"
	status_is 0
}

@test "transfers.seq or scope pointed elsewhere: refused" {
	local pia_seq
	pia_seq=$(sqlite3 "$DB" "SELECT seq FROM transfer_pias WHERE transfer_id = 1")
	cp "$DB" "$T/db.orig"
	sqlite3 "$DB" "UPDATE transfers SET seq = $pia_seq WHERE id = 1"
	export_refused "has no transfer.plan entry where its row says" "the catalog was altered"
	# another transfer's plan entry
	cp "$T/db.orig" "$DB"
	plan_second >/dev/null
	sqlite3 "$DB" "UPDATE transfers SET seq = (SELECT seq FROM transfers WHERE id = 2) WHERE id = 1"
	export_refused "has no transfer.plan entry"
	# the scope hash itself
	cp "$T/db.orig" "$DB"
	sqlite3 "$DB" "UPDATE transfers SET scope = zeroblob(32) WHERE id = 1"
	export_refused "differ from the scope the ledger holds"
	# the scope of another transfer (of customer 2 only): a value replayed from another row
	cp "$T/db.orig" "$DB"
	echo Z109-C000002 >"$T/two"
	plan_second merger 0 --subjects "$T/two" >/dev/null
	sqlite3 "$DB" "UPDATE transfers SET scope = (SELECT scope FROM transfers WHERE id = 2) WHERE id = 1"
	export_refused "differ from the scope the ledger holds"
}

@test "transfers: receiver, fonds, reason, notice days or counts edited: refused" {
	local f
	# a second, legitimately added receiver with the attacker's keys
	as li receiver add 别家公司 --uscc "$RUSCC" --contact "other@example.cn" --jurisdiction CN \
		--age-recipient "$(cat "$F/evil.age.pub")" --signing-key "$(cat "$F/evil.sig.pub")" >/dev/null
	cp "$DB" "$T/db.orig"
	sqlite3 "$DB" "UPDATE transfers SET receiver_id = (SELECT id FROM receivers WHERE name = '别家公司') WHERE id = 1"
	export_refused "differs from what the ledger recorded" "receiver"
	run as li transfer show 1
	status_is 5
	for f in "reason = 'sale'" "notice_days = 30" "subjects = 1" "records = 2" "ciio = 1" \
		"sensitive = 5" "fonds_id = fonds_id + 1000"; do
		cp "$T/db.orig" "$DB"
		sqlite3 "$DB" "PRAGMA foreign_keys = OFF; UPDATE transfers SET $f WHERE id = 1"
		run as li transfer export 1 -o "$T/pkg.tar.age"
		[ "$status" -ne 0 ] || {
			echo "export with $f was not refused" >&2
			return 1
		}
		[ ! -e "$T/pkg.tar.age" ]
	done
	cp "$T/db.orig" "$DB"
	sqlite3 "$DB" "UPDATE transfers SET subjects = 0 WHERE id = 1"
	export_refused "changed by hand"
}

@test "transfers: a sale with a notice period turned into a merger without one by hand is not approved" {
	plan_second sale 30 >/dev/null
	as li pia add 2 --file "$F/pia.md" >/dev/null
	as li notify prepare 2 --template zh-CN >/dev/null
	as li notify send 2 --sms-csv "$T/sms2.csv" >/dev/null
	run as li2 transfer approve 2
	status_is 6
	# Art. 23 consent and the notice period, both gone with two columns
	sqlite3 "$DB" "UPDATE transfers SET reason = 'merger', notice_days = 0 WHERE id = 2"
	run as li2 transfer approve 2
	status_is 5
	output_has "changed by hand"
	equal "$(sqlite3 "$DB" 'SELECT status FROM transfers WHERE id = 2')" planned "transfer 2"
}

@test "receivers: contact, age recipient or signing key changed after receiver add: refused" {
	local col val
	cp "$DB" "$T/db.orig"
	for col in contact age_recipient signing_pub uscc name; do
		cp "$T/db.orig" "$DB"
		case $col in
		age_recipient) val=$(cat "$F/evil.age.pub") ;;
		signing_pub) val=$(cat "$F/evil.sig.pub") ;;
		uscc) val=$USCC ;;
		*) val="攻击者 attacker@example.com" ;;
		esac
		sqlite3 "$DB" "UPDATE receivers SET $col = '$val' WHERE id = 1"
		export_refused "differs from what the ledger recorded when it was added"
		run as li transfer show 1
		status_is 5
		output_has "changed by hand"
	done
	# the receiver's row pointed at another receiver's entry
	cp "$T/db.orig" "$DB"
	sqlite3 "$DB" "UPDATE receivers SET seq = (SELECT seq FROM transfers WHERE id = 1) WHERE id = 1"
	export_refused "has no receiver.add entry"
}

@test "transfers.mechanism edited, a transfer_pias row inserted by hand: refused" {
	cp "$DB" "$T/db.orig"
	sqlite3 "$DB" "UPDATE transfers SET mechanism = 'exempt:forged' WHERE id = 1"
	export_refused "has no transfer.mechanism entry where its row says" "the catalog was altered"
	# pointed at the PIA entry
	sqlite3 "$DB" "UPDATE transfers SET mechanism_seq = (SELECT seq FROM transfer_pias WHERE transfer_id = 1) WHERE id = 1"
	export_refused "has no transfer.mechanism entry"

	# a transfer without an assessment gets one by hand
	cp "$T/db.orig" "$DB"
	plan_second >/dev/null
	run as li transfer show 2 --json
	status_is 0
	py 'g = {x["gate"]: x["ok"] for x in json.loads(sys.stdin.read())["gates"]}; assert g["pia"] is False, g' <<<"$output"
	sqlite3 "$DB" "INSERT INTO transfer_pias (transfer_id, epoch, body, digest, user_id, at, seq)
		SELECT 2, epoch, body, digest, user_id, at, seq FROM transfer_pias WHERE transfer_id = 1"
	run as li transfer show 2
	status_is 5
	output_has "has no transfer.pia entry" "the catalog was altered"
	sqlite3 "$DB" "UPDATE transfer_pias SET seq = 0 WHERE transfer_id = 2"
	run as li transfer show 2
	status_is 5
	output_has "has no transfer.pia entry"
	# on transfer 1, a second one with another digest under the real entry
	cp "$T/db.orig" "$DB"
	sqlite3 "$DB" "UPDATE transfer_pias SET digest = '$(printf x | sha256sum | cut -c1-64)' WHERE transfer_id = 1"
	export_refused "differs from its ledger entry"
}

# gate NAME: whether the gate NAME of transfer ID passes now (transfer show --json): gate 2 pia
gate() {
	as li transfer show "$1" --json | py '
g = {x["gate"]: x["ok"] for x in json.loads(sys.stdin.read())["gates"]}
print(str(g[sys.argv[1]]).lower())' "$2"
}

@test "notices: a status set to 'sent' by hand does not pass the Art. 22 gate" {
	plan_second >/dev/null
	as li pia add 2 --file "$F/pia.md" >/dev/null
	as li notify prepare 2 --template zh-CN >/dev/null
	equal "$(gate 2 notice)" false "notice gate before"
	sqlite3 "$DB" "UPDATE notices SET status = 'sent', sent = '2026-01-01T00:00:00Z', attempts = 1 WHERE transfer_id = 2"
	run as li transfer show 2
	status_is 5
	output_has "the notice of customer Z109-C00000" "says sent/- after 1 attempts, the ledger pending/- after 0" "the catalog was altered"
	run as li2 transfer approve 2
	status_is 5
	output_has "the catalog was altered"
	equal "$(sqlite3 "$DB" 'SELECT status FROM transfers WHERE id = 2')" planned "transfer 2"
	# a notice that failed, marked sent
	sqlite3 "$DB" "UPDATE notices SET status = 'pending', sent = '', attempts = 0 WHERE transfer_id = 2"
	equal "$(gate 2 notice)" false "notice gate, rows restored"
}

@test "notices: a sent time moved back by hand does not shorten the notice period" {
	plan_second merger 30 >/dev/null
	as li pia add 2 --file "$F/pia.md" >/dev/null
	as li notify prepare 2 --template zh-CN >/dev/null
	as li notify send 2 --sms-csv "$T/sms2.csv" >/dev/null
	equal "$(gate 2 notice)" true "notice gate"
	equal "$(gate 2 notice-period)" false "notice period"
	sqlite3 "$DB" "UPDATE notices SET sent = '2020-01-01T00:00:00Z' WHERE transfer_id = 2"
	equal "$(gate 2 notice-period)" false "notice period after the edit"
	run as li2 transfer approve 2
	status_is 6
	output_has "the notice period has passed"
	# the period is judged from the ledger's send: 30 days on, it has run
	run as li2 transfer approve 2 --as-of "$(date -u -d '+31 days' +%F)"
	status_is 0
}

@test "notices: answers written by hand (object, continue) are refused, not believed" {
	plan_second >/dev/null
	as li pia add 2 --file "$F/pia.md" >/dev/null
	as li notify prepare 2 --template zh-CN >/dev/null
	as li notify send 2 --sms-csv "$T/sms2.csv" >/dev/null
	cp "$DB" "$T/db.orig"
	# an objection by hand would drop the customer and mark their records to erase
	sqlite3 "$DB" "UPDATE notices SET answer = 'object', answered = '2026-01-01T00:00:00Z' WHERE transfer_id = 2 AND subject_id = (SELECT min(subject_id) FROM notices)"
	run as li2 transfer approve 2
	status_is 5
	output_has "says sent/object after 1 attempts, the ledger sent/- after 1" "the catalog was altered"
	equal "$(sqlite3 "$DB" "SELECT group_concat(state) FROM transfer_subjects WHERE transfer_id = 2")" "in,in" "customers of transfer 2"
	equal "$(statuses)" "held 3" "record statuses"
	# consent (Art. 23) for a sale, by hand
	cp "$T/db.orig" "$DB"
	plan_second sale >/dev/null
	as li pia add 3 --file "$F/pia.md" >/dev/null
	as li notify prepare 3 --template zh-CN >/dev/null
	as li notify send 3 --sms-csv "$T/sms3.csv" >/dev/null
	equal "$(gate 3 consent)" false "consent gate"
	sqlite3 "$DB" "UPDATE notices SET answer = 'continue', answered = '2026-01-01T00:00:00Z' WHERE transfer_id = 3"
	run as li transfer show 3
	status_is 5
	output_has "says sent/continue after 1 attempts, the ledger sent/- after 1"
	run as li2 transfer approve 3
	status_is 5
	# the real answers pass
	sqlite3 "$DB" "UPDATE notices SET answer = '', answered = '' WHERE transfer_id = 3"
	equal "$(gate 3 consent)" false "consent gate, rows restored"
}

# The response codes of an SMS file, one per line, in the file's order.
codes_of() {
	grep -o '[0-9A-Z]\{5\}-[0-9A-Z]\{5\}-[0-9A-Z]\{5\}-[0-9A-Z]\{5\}' "$1"
}

@test "notices: answers recorded the real way pass the checks; an objector leaves and the rest exports" {
	plan_second sale >/dev/null
	as li pia add 2 --file "$F/pia.md" >/dev/null
	as li notify prepare 2 --template zh-CN >/dev/null
	as li notify send 2 --sms-csv "$T/sms2.csv" >/dev/null
	mapfile -t c < <(codes_of "$T/sms2.csv")
	equal "${#c[@]}" 2 "codes in the SMS file"
	printf 'code,answer\n%s,object\n%s,continue\n' "${c[0]}" "${c[1]}" >"$T/answers.csv"
	run as li notify responses 2 "$T/answers.csv"
	status_is 0
	run as li2 transfer approve 2
	status_is 0
	output_has "1 customers objected"
	run as li transfer export 2 -o "$T/pkg2.tar.age"
	status_is 0
	run "$CUSTODY" receive "$T/pkg2.tar.age" --identity "$F/recv.age" --to "$T/recv" \
		--sign-key "$F/recv.sig" -o "$T/receipt2.json"
	status_is 0
	run as li transfer confirm 2 "$T/receipt2.json"
	status_is 0
	equal "$(sqlite3 "$DB" "SELECT count(*) FROM records WHERE status = 'transferred'")" \
		"$(sqlite3 "$DB" "SELECT count(*) FROM transfer_items WHERE transfer_id = 2 AND left = ''")" "records transferred"
}

# ---- receipts ----

# resign IN OUT KEYFILE PYTHON: the receipt IN with PYTHON applied to its body `b`, signed
# again with the signing key in KEYFILE (its receiver_key set to that key's), into OUT.
# The receiver can sign anything: what confirm must catch is a receipt that does not match.
resign() {
	py '
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization
CH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
def b32(s):
    s = s.strip().lower(); s = s[s.rfind("1") + 1:-6]
    acc = bits = 0; out = bytearray()
    for c in s:
        acc = (acc << 5) | CH.index(c); bits += 5
        if bits >= 8:
            bits -= 8; out.append((acc >> bits) & 0xff)
    return bytes(out)
def e32(hrp, data):
    def polymod(v):
        g = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]; c = 1
        for x in v:
            b = c >> 25; c = (c & 0x1ffffff) << 5 ^ x
            for i in range(5):
                c ^= g[i] if (b >> i) & 1 else 0
        return c
    acc = bits = 0; d = []
    for x in data:
        acc = (acc << 8) | x; bits += 8
        while bits >= 5:
            bits -= 5; d.append((acc >> bits) & 31)
    if bits: d.append((acc << (5 - bits)) & 31)
    hv = [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]
    m = polymod(hv + d + [0] * 6) ^ 1
    return hrp + "1" + "".join(CH[x] for x in d + [(m >> 5 * (5 - i)) & 31 for i in range(6)])
r = json.load(open(sys.argv[1]))
seed = b32([l for l in open(sys.argv[3]) if l.strip() and not l.startswith("#")][0])
k = Ed25519PrivateKey.from_private_bytes(seed)
pub = k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
b = r["receipt"]
b["receiver_key"] = e32("custody-sign", pub)
exec(sys.argv[4])
msg = "custody-receipt/v1\n" + json.dumps(b, separators=(",", ":"), sort_keys=True)
r["signature"] = base64.b64encode(k.sign(msg.encode())).decode()
json.dump(r, open(sys.argv[2], "w"), indent=2, sort_keys=True)
' "$@"
}

# confirm_refused RECEIPT MESSAGE...: confirm refuses it, and no record is transferred.
confirm_refused() {
	local r="$1"
	shift
	run as li transfer confirm 1 "$r"
	[ "$status" -ne 0 ] || {
		echo "confirm accepted $r: $output" >&2
		return 1
	}
	output_has "$@" || return 1
	equal "$(statuses)" "held 3" "record statuses" || return 1
	equal "$(sqlite3 "$DB" 'SELECT status FROM transfers WHERE id = 1')" exported "transfer status"
}

@test "receipts: the test's own re-signing reproduces a receipt confirm accepts (the control)" {
	exported_vault
	resign "$F/receipt.json" "$T/same.json" "$F/recv.sig" 'pass'
	run as li transfer confirm 1 "$T/same.json"
	status_is 0
	equal "$(statuses)" "transferred 3" "record statuses"
	# confirmed once: the same receipt again is refused
	run as li transfer confirm 1 "$T/same.json"
	status_is 1
	output_has "is confirmed"
}

@test "receipts: another key, another transfer, other counts or tag digest: refused" {
	exported_vault
	# the attacker's key, on the real package
	"$CUSTODY" receive "$F/pkg.tar.age" --identity "$F/recv.age" --to "$T/r" \
		--sign-key "$F/evil.sig" -o "$T/evil.json" >/dev/null
	confirm_refused "$T/evil.json" "the receipt is signed by custody-sign1" "not by receiver '接收公司'"
	resign "$F/receipt.json" "$T/x.json" "$F/evil.sig" 'pass'
	confirm_refused "$T/x.json" "not by receiver"
	# the receiver's key, but not what was exported
	resign "$F/receipt.json" "$T/x.json" "$F/recv.sig" 'b["transfer"] = b["transfer"].replace("/t1", "/t2")'
	confirm_refused "$T/x.json" "the receipt is for transfer" "not"
	resign "$F/receipt.json" "$T/x.json" "$F/recv.sig" 'b["transfer"] = "0" * 32 + "/t1"'
	confirm_refused "$T/x.json" "the receipt is for transfer"
	resign "$F/receipt.json" "$T/x.json" "$F/recv.sig" 'b["counts"]["records"] -= 1'
	confirm_refused "$T/x.json" "the receipt's counts"
	resign "$F/receipt.json" "$T/x.json" "$F/recv.sig" 'b["counts"]["subjects"] += 1'
	confirm_refused "$T/x.json" "the receipt's counts"
	resign "$F/receipt.json" "$T/x.json" "$F/recv.sig" 'b["counts"]["bytes"] += 1'
	confirm_refused "$T/x.json" "the receipt's counts"
	resign "$F/receipt.json" "$T/x.json" "$F/recv.sig" 'b["counts"]["files"] = 0'
	confirm_refused "$T/x.json" "the receipt's counts"
	resign "$F/receipt.json" "$T/x.json" "$F/recv.sig" 'b["tag_manifest_sha256"] = "0" * 64'
	confirm_refused "$T/x.json" "not the same package"
	resign "$F/receipt.json" "$T/x.json" "$F/recv.sig" 'b["sender_ledger"]["size"] -= 1'
	confirm_refused "$T/x.json" "ledger checkpoint"
	resign "$F/receipt.json" "$T/x.json" "$F/recv.sig" 'b["sender_ledger"]["root"] = "1" * 64'
	confirm_refused "$T/x.json" "ledger checkpoint"
}

@test "receipts: a transfer set to 'exported' by hand, with the receipt's digest, is not confirmed" {
	local tag
	tag=$(py 'print(json.load(open(sys.argv[1]))["receipt"]["tag_manifest_sha256"])' "$F/receipt.json")
	sqlite3 "$DB" "UPDATE transfers SET status = 'exported', tag_digest = '$tag' WHERE id = 1"
	confirm_refused "$F/receipt.json" "has no transfer.exported entry" "the catalog was altered"
}

@test "receipts: edited after signing, or malformed: refused" {
	exported_vault
	local r="$F/receipt.json"
	py '
r = json.load(open(sys.argv[1])); r["receipt"]["counts"]["records"] += 1
json.dump(r, open(sys.argv[2], "w"))' "$r" "$T/x.json"
	confirm_refused "$T/x.json" "the receipt's signature does not verify"
	py '
r = json.load(open(sys.argv[1])); r["receipt"]["tag_manifest_sha256"] = "0" * 64
json.dump(r, open(sys.argv[2], "w"))' "$r" "$T/x.json"
	confirm_refused "$T/x.json" "does not verify"
	# a flipped bit of the signature
	py '
r = json.load(open(sys.argv[1])); s = bytearray(base64.b64decode(r["signature"])); s[7] ^= 1
r["signature"] = base64.b64encode(bytes(s)).decode(); json.dump(r, open(sys.argv[2], "w"))' "$r" "$T/x.json"
	confirm_refused "$T/x.json" "does not verify"
	# not JSON, cut short, empty, an extra member, a duplicate key, a count that is a string
	printf 'not a receipt\n' >"$T/x.json"
	confirm_refused "$T/x.json" "the receipt is not JSON"
	head -c 200 "$r" >"$T/x.json"
	confirm_refused "$T/x.json" "the receipt is not JSON"
	: >"$T/x.json"
	confirm_refused "$T/x.json" "the receipt is not JSON"
	py '
r = json.load(open(sys.argv[1])); r["receipt"]["extra"] = 1; json.dump(r, open(sys.argv[2], "w"))' "$r" "$T/x.json"
	confirm_refused "$T/x.json" "does not have the members of custody-receipt/v1"
	sed '0,/"records"/s/"records": \([0-9]*\)/"records": \1, "records": 99/' "$r" >"$T/x.json"
	grep -q '"records": 99' "$T/x.json"
	confirm_refused "$T/x.json" "the receipt is not JSON"
	py '
r = json.load(open(sys.argv[1])); r["receipt"]["counts"]["records"] = str(r["receipt"]["counts"]["records"])
json.dump(r, open(sys.argv[2], "w"))' "$r" "$T/x.json"
	confirm_refused "$T/x.json" "'records' is missing or not a count"
	head -c 100000 /dev/zero | tr '\0' ' ' >"$T/x.json"
	confirm_refused "$T/x.json" "is too large"
	# the real one still confirms
	run as li transfer confirm 1 "$r"
	status_is 0
}

@test "receipts: the receipt of an earlier export, replayed after a re-export, is refused" {
	exported_vault
	sleep 1 # another second: another mtime in the tar, another tag manifest
	run as li transfer export 1 -o "$T/pkg2.tar.age"
	status_is 0
	local tag2="${lines[0]}"
	[ "$tag2" != "$(head -n 1 "$F/export.out")" ]
	confirm_refused "$F/receipt.json" "not the same package"
	# and with the row pointed back at the first export (its entry and its digest)
	cp "$DB" "$T/db.new"
	sqlite3 "$DB" "UPDATE transfers SET export_seq = $(sqlite3 "$F/exported/catalog.db" 'SELECT export_seq FROM transfers WHERE id = 1'),
		tag_digest = '$(head -n 1 "$F/export.out")' WHERE id = 1"
	confirm_refused "$F/receipt.json" "was exported again later" "the catalog was altered"
	cp "$T/db.new" "$DB"
	# the receipt of the new package confirms
	"$CUSTODY" receive "$T/pkg2.tar.age" --identity "$F/recv.age" --to "$T/r" \
		--sign-key "$F/recv.sig" -o "$T/receipt2.json" >/dev/null
	run as li transfer confirm 1 "$T/receipt2.json"
	status_is 0
	equal "$(statuses)" "transferred 3" "record statuses"
}

# ---- export ----

@test "export -o: a symbolic link, an existing file, a directory are refused and nothing is followed" {
	local before
	before=$(count_action transfer.export)
	printf 'precious\n' >"$T/victim"
	ln -s "$T/victim" "$T/link"
	run as li transfer export 1 -o "$T/link"
	status_is 1
	output_has "is a symbolic link"
	equal "$(cat "$T/victim")" precious "the link's target"
	[ -L "$T/link" ]
	# a dangling link: its target is not created
	ln -s "$T/created-through-link" "$T/dangling"
	run as li transfer export 1 -o "$T/dangling"
	status_is 1
	output_has "is a symbolic link"
	[ ! -e "$T/created-through-link" ]
	run as li transfer export 1 -o "$T/victim"
	status_is 1
	output_has "exists"
	equal "$(cat "$T/victim")" precious "an existing file"
	mkdir "$T/dir"
	run as li transfer export 1 -o "$T/dir"
	status_is 1
	output_has "is a directory"
	[ -z "$(ls -A "$T/dir")" ]
	# a link to a directory, and a path through one
	ln -s "$T/dir" "$T/dirlink"
	run as li transfer export 1 -o "$T/dirlink"
	status_is 1
	output_has "is a symbolic link"
	[ -z "$(ls -A "$T/dir")" ]
	mkfifo "$T/fifo"
	run as li transfer export 1 -o "$T/fifo"
	status_is 1
	output_has "is a FIFO"
	if compgen -G "$T/.custody-*" >/dev/null || compgen -G "$T/dir/.custody-*" >/dev/null; then
		echo "a temporary was left" >&2
		return 1
	fi
	equal "$(count_action transfer.export)" "$before" "transfer.export entries"
	equal "$(sqlite3 "$DB" 'SELECT status FROM transfers WHERE id = 1')" approved "transfer status"
}

@test "export: a record made store-only or put on hold after the plan is never handed over" {
	local no
	no=$(sqlite3 "$DB" "SELECT archive_no FROM records ORDER BY id LIMIT 1")
	cp "$DB" "$T/db.orig"
	cp -a "$V" "$T/v.orig"
	as li record restrict "$no" --reason art47-2 >/dev/null
	run as li transfer export 1 -o "$T/pkg.tar.age"
	status_is 6
	output_has "record $no is store-only" "handed over"
	[ ! -e "$T/pkg.tar.age" ]
	! compgen -G "$T/.custody-*" >/dev/null
	rm -rf "$V"
	cp -a "$T/v.orig" "$V"
	as li hold add "$no" --reason "诉讼 (2026) 闽01民初1号" >/dev/null
	run as li transfer export 1 -o "$T/pkg.tar.age"
	status_is 6
	output_has "$no" "hold"
	[ ! -e "$T/pkg.tar.age" ]
	! compgen -G "$T/.custody-*" >/dev/null
	equal "$(statuses)" "held 3" "record statuses"
	run as li check
	status_is 0
}

# A transfer (id 2) of one record of about SIZE bytes (random, with the mark at its start),
# approved and ready to export; its source is gone from the disk.
big_transfer() {
	mkdir "$T/src"
	{
		printf '%s big record\n' "$MARK"
		head -c "$1" /dev/urandom
	} >"$T/src/big.bin"
	as li import files "$T/src" --fonds Z109 --class customer --year 2021 \
		--subject Z109-C000001 --quiet >/dev/null
	rm -rf "$T/src"
	as li transfer plan --fonds Z109 --to 接收公司 --reason merger --notice-days 0 --years 2021 >/dev/null
	as li pia add 2 --file "$F/pia.md" >/dev/null
	as li notify prepare 2 --template zh-CN >/dev/null
	as li notify send 2 --sms-csv "$T/sms2.csv" >/dev/null
	as li2 transfer approve 2 >/dev/null
}

# No plaintext of the records anywhere we can look: the vault, the temporary directory, the
# working directory (and what is below them).
no_plaintext() {
	local d
	for d in "$@"; do
		if grep -rlaF "$MARK" "$d" 2>/dev/null; then
			echo "the mark is in plaintext under $d" >&2
			return 1
		fi
	done
}

# The size of the file process PID writes in DIR (named or not: /proc/PID/fd), or nothing.
writing_size() {
	local fd l
	for fd in /proc/"$1"/fd/*; do
		l=$(readlink "$fd" 2>/dev/null) || continue
		case $l in
		"$2"/*) stat -L -c %s "$fd" 2>/dev/null && return 0 ;;
		esac
	done
}

@test "export and receive killed mid-write (SIGKILL): no package, the vault as it was, no plaintext; both run again" {
	big_transfer $((96 << 20))
	mkdir "$T/out" "$T/tmp"
	local pid size=0 i
	(
		cd "$T/out" &&
			TMPDIR="$T/tmp" exec env CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" \
				"$CUSTODY" transfer export 2 -o pkg.tar.age >"$T/export.log" 2>&1
	) &
	pid=$!
	track_pid "$pid"
	# until the package being written holds a few megabytes
	for i in $(seq 1 600); do
		size=$(writing_size "$pid" "$T/out")
		[ "${size:-0}" -gt $((4 << 20)) ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	# while it writes: the mark is nowhere in clear
	no_plaintext "$V" "$T/tmp" "$T/out"
	kill -9 "$pid"
	wait "$pid" || true
	[ "${size:-0}" -gt $((4 << 20)) ] || {
		echo "the export ended before it was killed: $(cat "$T/export.log")" >&2
		return 1
	}
	[ ! -e "$T/out/pkg.tar.age" ]
	no_plaintext "$V" "$T/tmp" "$T/out" "$T"
	# the package was an unnamed file: SIGKILL leaves nothing at all
	equal "$(ls -A "$T/out")" "" "files left in the output directory"
	equal "$(sqlite3 "$DB" 'SELECT status FROM transfers WHERE id = 2')" approved "transfer status"
	run as li check
	status_is 0
	run as aud log verify
	status_is 0
	# again, to the end: the package decrypts and validates
	run bash -c "cd '$T/out' && CUSTODY_USER=li CUSTODY_PASSWORD_FILE='$PW/li' '$CUSTODY' transfer export 2 -o pkg.tar.age"
	status_is 0
	no_plaintext "$V" "$T/tmp" "$T/out"
	# the receiver killed mid-extraction: no receipt, no bag under its name; what it
	# extracted stays inside the work directory (mode 0700), and receive runs again
	"$CUSTODY" receive "$T/out/pkg.tar.age" --identity "$F/recv.age" --to "$T/recv" \
		--sign-key "$F/recv.sig" -o "$T/receipt2.json" >"$T/receive.log" 2>&1 &
	pid=$!
	track_pid "$pid"
	for i in $(seq 1 600); do
		size=$(du -sb "$T/recv" 2>/dev/null | cut -f1)
		[ "${size:-0}" -gt $((4 << 20)) ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	kill -9 "$pid"
	wait "$pid" || true
	[ "${size:-0}" -gt $((4 << 20)) ] || {
		echo "receive ended before it was killed: $(cat "$T/receive.log")" >&2
		return 1
	}
	[ ! -e "$T/receipt2.json" ]
	[ ! -e "$T/recv/transfer-Z109-2" ]
	equal "$(stat -c %a "$T/recv")" 700 "the work directory's mode"
	no_plaintext "$T/out" "$T/tmp"
	run "$CUSTODY" receive "$T/out/pkg.tar.age" --identity "$F/recv.age" --to "$T/recv" \
		--sign-key "$F/recv.sig" -o "$T/receipt2.json"
	status_is 0
	run as li transfer confirm 2 "$T/receipt2.json"
	status_is 0
}

# ---- receive ----

# rebag IN.tar.age OUT.tar.age PYTHON: the package decrypted, PYTHON applied to its files
# (`f`: name in the bag -> bytes; `info`: bag-info.txt as text, written back), the tag
# manifests computed again (a bag that validates), encrypted again to the receiver.
rebag() {
	"$CUSTODY" age decrypt -i "$F/recv.age" -o "$T/plain.tar" "$1" || return 1
	py '
import tarfile, io
src = tarfile.open(sys.argv[1])
ms = [(m, src.extractfile(m).read() if m.isfile() else None) for m in src.getmembers()]
top = ms[0][0].name.split("/")[0]
f = {m.name[len(top) + 1:]: d for m, d in ms if d is not None}
info = f["bag-info.txt"].decode()
exec(sys.argv[3])
f["bag-info.txt"] = info.encode()
for alg in ("sha256", "sha512"):
    n = "tagmanifest-%s.txt" % alg
    if n not in f:
        continue
    lines = []
    for l in f[n].decode().splitlines():
        p = l.split(" ", 1)[1].strip()
        lines.append("%s  %s" % (hashlib.new(alg, f[p]).hexdigest(), p))
    f[n] = ("\n".join(lines) + "\n").encode()
out = tarfile.open(sys.argv[2], "w", format=tarfile.PAX_FORMAT)
for m, d in ms:
    name = m.name[len(top) + 1:]
    if d is None:
        out.addfile(m)
    elif name in f:
        m.size = len(f[name]); out.addfile(m, io.BytesIO(f[name]))
out.close()
' "$T/plain.tar" "$T/re.tar" "$3" || return 1
	rm -f "$2"
	"$CUSTODY" age encrypt -r "$(cat "$F/recv.age.pub")" -o "$2" "$T/re.tar"
	rm -f "$T/plain.tar" "$T/re.tar"
}

# recv_refused PKG MESSAGE... [-- RECEIVE ARGS]: receive refuses PKG with each MESSAGE; no
# receipt, nothing in $T/recv (if it was made) and nothing else new under $T.
recv_refused() {
	local pkg="$1" before after
	shift
	local msgs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		msgs+=("$1")
		shift
	done
	[ "${1:-}" != -- ] || shift
	before=$(listing "$T")
	run "$CUSTODY" receive "$pkg" --identity "${ID:-$F/recv.age}" --to "${TO:-$T/recv}" \
		--sign-key "$F/recv.sig" -o "${RCPT:-$T/receipt.json}" "$@"
	[ "$status" -ne 0 ] || {
		echo "receive accepted $pkg: $output" >&2
		return 1
	}
	output_has "${msgs[@]}" || return 1
	[ -n "${RCPT:-}" ] || [ ! -e "$T/receipt.json" ] || {
		echo "a receipt was written" >&2
		return 1
	}
	if [ -d "$T/recv" ] && [ ! -L "$T/recv" ] && [ -n "$(ls -A "$T/recv")" ]; then
		echo "left in the work directory: $(cd "$T/recv" && find .)" >&2
		return 1
	fi
	after=$(listing "$T" | grep -vx '\./recv')
	equal "$after" "$(grep -vx '\./recv' <<<"$before")" "the files under the test directory"
}

@test "receive: the wrong identity is refused before anything is written" {
	ID="$F/evil.age" recv_refused "$F/pkg.tar.age" "no identity matches"
	[ ! -e "$T/recv" ]
}

@test "receive: a package cut short or with one byte flipped is refused; nothing half-extracted is left" {
	local size off
	size=$(stat -c %s "$F/pkg.tar.age")
	for off in 10 100 200 $((size / 2)) $((size - 17)) $((size - 1)); do
		head -c "$off" "$F/pkg.tar.age" >"$T/cut.tar.age"
		recv_refused "$T/cut.tar.age" "custody:"
		rm -f "$T/cut.tar.age"
	done
	for off in 40 $((size / 3)) $((size / 2)) $((size - 5)); do
		cp "$F/pkg.tar.age" "$T/flip.tar.age"
		flip_bit "$T/flip.tar.age" "$off"
		recv_refused "$T/flip.tar.age" "custody:"
		rm -f "$T/flip.tar.age"
	done
	# the package itself is received
	run "$CUSTODY" receive "$F/pkg.tar.age" --identity "$F/recv.age" --to "$T/recv" \
		--sign-key "$F/recv.sig" -o "$T/receipt.json"
	status_is 0
}

@test "receive --to: a symbolic link or a file is refused; nothing written through it" {
	mkdir "$T/elsewhere"
	ln -s "$T/elsewhere" "$T/recv"
	recv_refused "$F/pkg.tar.age" "is not a directory (a symbolic link is not followed)"
	[ -z "$(ls -A "$T/elsewhere")" ]
	rm "$T/recv"
	printf 'a file\n' >"$T/recv"
	recv_refused "$F/pkg.tar.age" "exists and is not a directory"
	equal "$(cat "$T/recv")" "a file" "the file at --to"
}

@test "receive -o: a receipt path that is a symbolic link or a directory is refused before extraction" {
	printf 'precious\n' >"$T/victim"
	ln -s "$T/victim" "$T/rlink"
	RCPT="$T/rlink" recv_refused "$F/pkg.tar.age" "is a symbolic link"
	equal "$(cat "$T/victim")" precious "the link's target"
	[ ! -e "$T/recv" ]
	mkdir "$T/rdir"
	RCPT="$T/rdir" recv_refused "$F/pkg.tar.age" "is a directory"
	[ ! -e "$T/recv" ]
}

@test "receive: a valid bag that custody did not make (no custody labels) is refused" {
	py '
import tarfile, io
files = {"data/a.txt": b"hello\n", "bagit.txt": b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"}
files["manifest-sha256.txt"] = ("%s  data/a.txt\n" % hashlib.sha256(files["data/a.txt"]).hexdigest()).encode()
files["bag-info.txt"] = b"Source-Organization: Someone\nPayload-Oxum: 6.1\n"
files["tagmanifest-sha256.txt"] = "".join("%s  %s\n" % (hashlib.sha256(files[n]).hexdigest(), n)
    for n in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt")).encode()
t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
d = tarfile.TarInfo("foreign"); d.type = tarfile.DIRTYPE; d.mode = 0o755; t.addfile(d)
for n, b in files.items():
    i = tarfile.TarInfo("foreign/" + n); i.size = len(b); i.mode = 0o644; t.addfile(i, io.BytesIO(b))
t.close()' "$T/foreign.tar"
	mkdir "$T/chk"
	tar -xf "$T/foreign.tar" -C "$T/chk"
	run "$CUSTODY" bag validate "$T/chk/foreign"
	status_is 0
	rm -rf "$T/chk"
	"$CUSTODY" age encrypt -r "$(cat "$F/recv.age.pub")" -o "$T/foreign.tar.age" "$T/foreign.tar"
	rm "$T/foreign.tar"
	recv_refused "$T/foreign.tar.age" "bag-info.txt has no Record-Count"
	# with the counts but without a Transfer-Id and checkpoint
	rebag "$F/pkg.tar.age" "$T/nolabel.tar.age" '
info = "".join(l + "\n" for l in info.splitlines() if not l.startswith(("Transfer-Id", "Sender-Ledger-Root")))'
	recv_refused "$T/nolabel.tar.age" "the package is not a custody transfer"
}

@test "receive: a bag that validates but whose bag-info counts lie is refused" {
	# the control: the package rebuilt unchanged is received
	rebag "$F/pkg.tar.age" "$T/same.tar.age" 'pass'
	run "$CUSTODY" receive "$T/same.tar.age" --identity "$F/recv.age" --to "$T/ok" \
		--sign-key "$F/recv.sig" -o "$T/ok.json"
	status_is 0
	rm -rf "$T/ok" "$T/ok.json" "$T/same.tar.age"
	rebag "$F/pkg.tar.age" "$T/lie.tar.age" 'info = re.sub(r"Record-Count: \d+", "Record-Count: 4", info)'
	recv_refused "$T/lie.tar.age" "the package declares 4 records; its records.jsonl lists 3"
	rm "$T/lie.tar.age"
	rebag "$F/pkg.tar.age" "$T/lie.tar.age" 'info = re.sub(r"Subject-Count: \d+", "Subject-Count: 1", info)'
	recv_refused "$T/lie.tar.age" "the package declares 1 customers; subjects.jsonl lists 2"
	rm "$T/lie.tar.age"
	rebag "$F/pkg.tar.age" "$T/lie.tar.age" 'info = re.sub(r"File-Count: \d+", "File-Count: 2", info)'
	recv_refused "$T/lie.tar.age" "the package declares 2 files; it holds 3"
	rm "$T/lie.tar.age"
	rebag "$F/pkg.tar.age" "$T/lie.tar.age" 'info = re.sub(r"Record-Count: \d+", "Record-Count: many", info)'
	recv_refused "$T/lie.tar.age" "is not a number"
	rm "$T/lie.tar.age"
	rebag "$F/pkg.tar.age" "$T/lie.tar.age" 'info = re.sub(r"Sender-Ledger-Size: \d+", "Sender-Ledger-Size: -1", info)'
	recv_refused "$T/lie.tar.age" "is not a number"
}

@test "export: a file or a link planted at -o while the package is written is not replaced" {
	big_transfer $((64 << 20))
	mkdir "$T/out"
	local pid size=0 i
	(
		cd "$T/out" &&
			exec env CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" \
				"$CUSTODY" transfer export 2 -o pkg.tar.age >"$T/export.log" 2>&1
	) &
	pid=$!
	track_pid "$pid"
	for i in $(seq 1 600); do
		size=$(writing_size "$pid" "$T/out")
		[ "${size:-0}" -gt $((1 << 20)) ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	ln -s "$T/victim" "$T/out/pkg.tar.age"
	printf 'precious\n' >"$T/victim"
	local rc=0
	wait "$pid" || rc=$?
	[ "${size:-0}" -gt $((1 << 20)) ] || {
		echo "the export ended before the link was planted: $(cat "$T/export.log")" >&2
		return 1
	}
	[ "$rc" -ne 0 ]
	grep -q "was created while the package was written" "$T/export.log"
	[ -L "$T/out/pkg.tar.age" ]
	equal "$(cat "$T/victim")" precious "the planted link's target"
	equal "$(ls -A "$T/out")" "pkg.tar.age" "the output directory"
	equal "$(sqlite3 "$DB" 'SELECT status FROM transfers WHERE id = 2')" approved "transfer status"
}
