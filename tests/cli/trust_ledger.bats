#!/usr/bin/env bats
# Issue 6, item 4: "The ledger rewritten by any user".  A user with write
# access to the vault's files and her own password (the attacker) rewrites
# the ledger as well as she can with tests/tools/ledger-forge: she edits the
# rows with SQLite, recomputes every leaf hash and the tree state, re-signs
# every transaction head of hers with her own key, and re-signs the
# checkpoints if she can unseal the ledger key (else deletes them).  Every
# transaction's head is signed by its actor's certified key, and the ledger
# key is sealed to auditors and secadmins only, so `log verify` names what
# she did.  See docs/security/ledger.md.
#
#   CUSTODY=build/custody CUSTODY_TOOLS=build/tests/tools bats tests/cli/trust_ledger.bats

load helpers

CUSTODY_TOOLS="$(_cy_abs "${CUSTODY_TOOLS:-$(dirname "$CUSTODY")/tests/tools}")"
FORGE="$CUSTODY_TOOLS/ledger-forge"

setup_file() {
	build_template
}

setup() {
	common_setup
	if [ ! -x "$FORGE" ]; then
		echo "ledger-forge not found at $FORGE; build the tests or set CUSTODY_TOOLS" >&2
		return 1
	fi
	make_vault
	mkdir -p "$T/in"
	for i in 1 2 3; do
		echo "trust ledger record $i" >"$T/in/r$i.txt"
	done
	as sec user grant vv Z109 >/dev/null
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >/dev/null
	R1="Z109-KH${DOT}2019-D30-0001"
	R2="Z109-KH${DOT}2019-D30-0002"
}

teardown() {
	common_teardown
}

# The seq of the last entry of ACTOR (u4) with ACTION.
last_seq() {
	as aud log show --json | py '
import sys, json
want_actor, want_action = sys.argv[1], sys.argv[2]
seq = 0
for line in sys.stdin:
    e = json.loads(line)
    if e["actor"] == want_actor and e["action"] == want_action:
        seq = e["seq"]
print(seq)' "$1" "$2"
}

uid_of() {
	as sec user list --json | py '
import sys, json
for line in sys.stdin.read().splitlines():
    line = line.strip()
    if not line:
        continue
    o = json.loads(line)
    for u in (o if isinstance(o, list) else o.get("users", [o])):
        if u.get("name") == sys.argv[1]:
            print("u%d" % u["id"])' "$1"
}

@test "item 4 (ledger rewritten by any user): a viewer deletes her own record.read from the middle and re-signs her heads: log verify names the entry" {
	vv=$(uid_of vv)
	[ -n "$vv" ]
	as vv get "$R1" -o "$T/r1.out"
	r=$(last_seq "$vv" record.read)
	[ "$r" -gt 0 ]
	# honest work by others after her read: heads signed by li
	as li get "$R2" -o "$T/r2.out"
	as li ls >/dev/null
	run as aud log verify
	status_is 0
	n=$(count_entries)

	run "$FORGE" "$V" vv "$PW/vv" delete "$r"
	status_is 0
	[[ "$output" == *"no ledger key: "*"checkpoints deleted"* ]]
	# the ledger is one shorter and every leaf and the tree state are consistent
	equal "$(sqlite3 "$V/catalog.db" "SELECT count(*) FROM ledger")" "$((n - 1))" "entries left"
	equal "$(sqlite3 "$V/catalog.db" "SELECT count(*) FROM ledger WHERE entry LIKE '%\"actor\":\"$vv\",\"action\":\"record.read\"%'")" 0 "her reads"

	run --separate-stderr as aud log verify
	status_is 5
	stderr_has "ledger verification failed at entry $r" "entry $r (" "is not covered by a valid signature of its actor" "does not verify"
	run --separate-stderr as aud log verify --json
	status_is 5
	py 'o = json.loads(sys.argv[1]); assert o["ok"] is False and o["first_bad_entry"] == int(sys.argv[2]), o' "$output" "$r"
	run as sec check
	status_is 5
	output_has "not covered by a valid signature"
}

@test "item 4 (ledger rewritten by any user): in a vault made before schema 3 the viewer holds the ledger key and re-signs every checkpoint too: the heads of others still catch her" {
	cp -a "$BATS_TEST_DIRNAME/../fixtures/vault-v1/vault" "$T/old"
	chmod -R u+w "$T/old"
	V="$T/old"
	export CUSTODY_VAULT="$V"
	for u in sec li vv; do cp "$BATS_TEST_DIRNAME/../fixtures/vault-v1/pw.$u" "$PW/$u"; done
	# each user's first log-in upgrades the key slot; the secadmin's certifies them
	as li ls >/dev/null
	as vv ls >/dev/null
	as sec user list >/dev/null
	run as sec log verify
	status_is 0
	no="Z109-WS${DOT}2019-D10-0001"
	as vv get "$no" -o "$T/x.out"
	vv=$(uid_of vv)
	r=$(as sec log show --json | py '
import sys, json
s = 0
for line in sys.stdin:
    e = json.loads(line)
    if e["actor"] == sys.argv[1] and e["action"] == "record.read":
        s = e["seq"]
print(s)' "$vv")
	[ "$r" -gt 0 ]
	as li get "$no" -o "$T/y.out"
	run "$FORGE" "$V" vv "$PW/vv" delete "$r"
	status_is 0
	[[ "$output" == *"re-signed "*" checkpoints with the ledger key"* ]]
	run --separate-stderr as sec log verify
	status_is 5
	stderr_has "ledger verification failed at entry" "is not covered by a valid signature of its actor"
	run --separate-stderr as sec log verify --json
	py '
o = json.loads(sys.argv[1]); r = int(sys.argv[2])
m = re.search(r"an entry from (\d+) to (\d+) was changed", o["error"])
assert m and int(m.group(1)) <= r <= int(m.group(2)) and o["first_bad_entry"] == int(m.group(1)), o' "$output" "$r"
}

@test "item 4 (ledger rewritten by any user): an entry's actor changed (and her heads re-signed) fails, naming the entry and the new actor" {
	vv=$(uid_of vv)
	li=$(uid_of li)
	as vv get "$R1" -o "$T/r1.out"
	r=$(last_seq "$vv" record.read)
	as li ls >/dev/null
	# her read made to look like li's
	run "$FORGE" "$V" vv "$PW/vv" actor "$r" "$li"
	status_is 0
	run --separate-stderr as aud log verify
	status_is 5
	stderr_has "ledger verification failed at entry $r" "entry $r ($li, record.read) is not covered by a valid signature of its actor"
	# and one of li's own entries attributed to the viewer
	make_vault_again() { rm -rf "$V"; make_vault; }
	make_vault_again
	as sec user grant vv Z109 >/dev/null
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >/dev/null
	as li get "$R1" -o "$T/r1b.out"
	s=$(last_seq "$li" record.read)
	as vv get "$R2" -o "$T/r2.out"
	# a head by someone else after li's (without one, li's last transaction
	# can be cut: docs/security/ledger.md)
	as li get "$R1" -o "$T/r1c.out"
	run "$FORGE" "$V" vv "$PW/vv" actor "$s" "$vv"
	status_is 0
	run --separate-stderr as aud log verify
	status_is 5
	# found at li's next head, which she cannot re-sign; the entries named
	# reach back over her own heads to the one before them
	stderr_has "($li, record.read) is not covered by a valid signature of its actor" "the signature of $li over the tree head"
	run --separate-stderr as aud log verify --json
	py '
o = json.loads(sys.argv[1]); s = int(sys.argv[2])
m = re.search(r"an entry from (\d+) to (\d+) was changed", o["error"])
assert m and int(m.group(1)) <= s <= int(m.group(2)) and o["first_bad_entry"] == int(m.group(1)), o' "$output" "$s"
}

@test "item 4 (ledger rewritten by any user): an unsigned entry appended at the tail fails" {
	vv=$(uid_of vv)
	n=$(count_entries)
	run "$FORGE" "$V" vv "$PW/vv" append record.read
	status_is 0
	run --separate-stderr as aud log verify
	status_is 5
	stderr_has "ledger verification failed at entry $((n + 1))" "entry $((n + 1)) ($vv, record.read) is not covered by a valid signature of its actor: no signed head follows it"
}

@test "item 4 (ledger rewritten by any user): a viewer holds no ledger key and cannot sign a checkpoint; an auditor's log checkpoint signs what she left" {
	# no ledger key slot for viewers and archivists, one for auditors and secadmins
	equal "$(sqlite3 "$V/catalog.db" "SELECT group_concat(name || ':' || (length(sign_slot) > 0), ',') FROM (SELECT name, sign_slot FROM users ORDER BY name)")" \
		"aud:1,li:0,sec:1,vv:0" "ledger key slots"
	as vv get "$R1" -o "$T/r1.out"
	n=$(count_entries)
	run --separate-stderr as vv log checkpoint
	status_is 0
	size=$(sed -n 2p <<<"$output")
	[ "$size" -lt "$n" ]
	run --separate-stderr as vv log checkpoint --sign
	status_is 6
	stderr_has "user 'vv' holds no ledger key and cannot sign a checkpoint (the latest covers $size of the ledger's $n entries)"
	run "$FORGE" "$V" vv "$PW/vv" checkpoint
	status_is 3
	[[ "$output" == *"no ledger key: user 'vv' cannot sign a checkpoint"* ]]
	# her commit is signed all the same: the ledger verifies
	run as aud log verify
	status_is 0
	# an auditor's log checkpoint signs the whole ledger
	run --separate-stderr as aud log checkpoint
	status_is 0
	equal "$(sed -n 2p <<<"$output")" "$((n + 1))" "checkpoint size (the auditor's own log show is entry n + 1)" ||
		equal "$(sed -n 2p <<<"$output")" "$n" "checkpoint size"
}

@test "item 4 (ledger rewritten by any user): an auditor's saved checkpoint and a witness cosignature verify after honest appends and fail after a rewrite" {
	run --separate-stderr "$CUSTODY" log witness keygen witness.example/w1 -o "$T/w1.key"
	status_is 0
	wkey="$output"
	[[ "$wkey" =~ ^witness\.example/w1\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$ ]]
	equal "$(stat -c %a "$T/w1.key")" 600 "secret key mode"
	# a viewer may not register witnesses; an auditor may, and it is logged
	run as vv log witness add "$wkey"
	status_is 6
	run as aud log witness add "$wkey"
	status_is 0
	as aud log show --json | grep -q '"action":"witness.add","targets":\["witness.example/w1"\]'
	run as aud log witness list
	output_has "$wkey"

	vv=$(uid_of vv)
	as vv get "$R1" -o "$T/r1.out"
	r=$(last_seq "$vv" record.read)
	as aud log checkpoint >"$T/cp.aud"
	vkey=$(as aud log key)
	# the witness: no vault, no password; only the checkpoint and the vault's key
	run --separate-stderr env -u CUSTODY_VAULT "$CUSTODY" log cosign --key "$T/w1.key" \
		--checkpoint "$T/cp.aud" --vkey "$vkey" -o "$T/cp.cosigned"
	status_is 0
	grep -q "^— witness.example/w1 " "$T/cp.cosigned"

	# honest appends
	as li get "$R2" -o "$T/r2.out"
	as vv get "$R2" -o "$T/r2b.out"
	run as aud log verify --checkpoint "$T/cp.aud"
	status_is 0
	run as aud log verify --checkpoint "$T/cp.cosigned" --witness "$wkey"
	status_is 0
	output_has "matches the ledger" "cosigned by witness"
	run as aud log verify --checkpoint "$T/cp.cosigned" --witness witness.example/w1
	status_is 0
	# another witness's key, or a damaged cosignature, is refused
	other=$("$CUSTODY" log witness keygen witness.example/w2 -o "$T/w2.key")
	run --separate-stderr as aud log verify --checkpoint "$T/cp.cosigned" --witness "$other"
	status_is 5
	stderr_has "not cosigned by witness witness.example/w2"
	sed 's/^\(— witness.example\/w1 .\{20\}\)./\1A/;t;' "$T/cp.cosigned" >"$T/cp.bad"
	if ! cmp -s "$T/cp.bad" "$T/cp.cosigned"; then
		run --separate-stderr as aud log verify --checkpoint "$T/cp.bad" --witness "$wkey"
		status_is 5
	fi

	# the rewrite: her read (covered by the saved checkpoint) deleted
	run "$FORGE" "$V" vv "$PW/vv" delete "$r"
	status_is 0
	run --separate-stderr as aud log verify --checkpoint "$T/cp.aud"
	status_is 5
	run --separate-stderr as aud log verify --checkpoint "$T/cp.cosigned" --witness "$wkey"
	status_is 5
	stderr_has "not covered by a valid signature of its actor"
}

@test "item 4 (ledger rewritten by any user): cutting the tail (her read and all after it) is seen only against a checkpoint kept outside, here a witness's" {
	run --separate-stderr "$CUSTODY" log witness keygen w -o "$T/w.key"
	wkey="$output"
	vv=$(uid_of vv)
	as vv get "$R1" -o "$T/r1.out"
	r=$(last_seq "$vv" record.read)
	n=$(count_entries)
	as aud log checkpoint >"$T/cp"
	"$CUSTODY" log cosign --key "$T/w.key" --checkpoint "$T/cp" --vkey "$(as aud log key)" -o "$T/cp.w" 2>/dev/null
	# she cuts the tail from her read on (here the auditor's entries after it
	# go too) with the checkpoints that cover it: the heads left are all valid
	sqlite3 "$V/catalog.db" "DELETE FROM ledger WHERE seq >= $r; DELETE FROM checkpoints WHERE size >= $r"
	run "$FORGE" "$V" vv "$PW/vv" actor 1 u1
	status_is 0
	run as aud log verify
	status_is 0
	# the witness's copy says what is missing
	run --separate-stderr as aud log verify --checkpoint "$T/cp.w" --witness "$wkey"
	status_is 5
	stderr_has "entries were deleted"
	[ "$n" -ge "$r" ]
}

@test "interoperability: a checkpoint and a witness cosignature verify with Go's golang.org/x/mod/sumdb/note (offline)" {
	if ! command -v go >/dev/null 2>&1; then
		skip "go is not installed (scripts/deps.sh check installs golang-go)"
	fi
	if [ ! -f /usr/share/gocode/src/golang.org/x/mod/sumdb/note/note.go ]; then
		skip "golang.org/x/mod is not installed (golang-golang-x-mod-dev)"
	fi
	mkdir -p "$T/gocache" "$T/gotmp"
	run env GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$T/gocache" GOTMPDIR="$T/gotmp" \
		GOFLAGS= GOPROXY=off go build -o "$T/verify-note" "$BATS_TEST_DIRNAME/../interop/verify_note.go"
	status_is 0
	as vv get "$R1" -o "$T/r1.out"
	as aud log checkpoint >"$T/cp"
	vkey=$(as aud log key)
	wkey=$("$CUSTODY" log witness keygen witness.example/go -o "$T/w.key")
	"$CUSTODY" log cosign --key "$T/w.key" --checkpoint "$T/cp" --vkey "$vkey" -o "$T/cp.w" 2>/dev/null
	size=$(sed -n 2p "$T/cp")
	run "$T/verify-note" "$vkey" "$T/cp"
	status_is 0
	[[ "$output" == "ok ${vkey%%+*} $size "* ]]
	run "$T/verify-note" "$vkey" "$T/cp.w" "$wkey"
	status_is 0
	output_has "cosigned witness.example/go"
	# Go refuses what custody refuses: another root under the vault's
	# signature, and a cosignature by another witness key
	py '
lines = open(sys.argv[1]).read().split("\n")
lines[2] = base64.b64encode(hashlib.sha256(b"forged").digest()).decode()
open(sys.argv[2], "w").write("\n".join(lines))' "$T/cp" "$T/cp.bad"
	! cmp -s "$T/cp" "$T/cp.bad"
	run "$T/verify-note" "$vkey" "$T/cp.bad"
	status_is 1
	other=$("$CUSTODY" log witness keygen witness.example/go -o "$T/w2.key")
	run "$T/verify-note" "$vkey" "$T/cp.w" "$other"
	status_is 1
	run as aud log verify --checkpoint "$T/cp.w" --witness "$wkey"
	status_is 0
}

@test "item 4 (ledger rewritten by any user): in a vault made before schema 3, heads stripped to pass signed entries off as unsigned old ones are refused" {
	cp -a "$BATS_TEST_DIRNAME/../fixtures/vault-v1/vault" "$T/old"
	chmod -R u+w "$T/old"
	V="$T/old"
	export CUSTODY_VAULT="$V"
	for u in sec li vv; do cp "$BATS_TEST_DIRNAME/../fixtures/vault-v1/pw.$u" "$PW/$u"; done
	as li ls >/dev/null
	as sec user list >/dev/null
	as vv ls >/dev/null
	run as sec log verify
	status_is 0
	# the viewer's own upgrade is the latest user.upgrade: the heads before it
	# (li's and sec's) stripped, as if everything before were unsigned
	vv=$(uid_of vv)
	up=$(as sec log show --json | py '
import sys, json
s = 0
for line in sys.stdin:
    e = json.loads(line)
    if e["actor"] == sys.argv[1] and e["action"] == "user.upgrade":
        s = e["seq"]
print(s)' "$vv")
	[ "$up" -gt 1 ]
	sqlite3 "$V/catalog.db" "UPDATE ledger SET sig = NULL, signer_serial = NULL WHERE seq < $up"
	run --separate-stderr as sec log verify
	status_is 5
	stderr_has "is not covered by a valid signature of its actor: the next signed head (entry $up) is signed by $vv"
}
