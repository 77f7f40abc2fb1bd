#!/usr/bin/env bats
# custody subject add / show / list / find: customers with sealed fields and blind indexes.
# Roles (a viewer reads, an auditor cannot), no planted value in plaintext anywhere in the
# vault (UTF-8, GB18030, UTF-16), the ledger holds ids only, and an index row edited with
# sqlite3 to point at another customer is refused as an integrity failure.
#
#   CUSTODY=build/custody bats tests/cli/subject.bats

load helpers

NAME=张伟明
IDNO=11010519491231002X
PHONE=13912345678
EMAIL=zhang.weiming@example.cn

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

add_zhang() {
	as li subject add --fonds Z109 --kind person --name "$NAME" --id-number "$IDNO" \
		--phone "+86 139-1234-5678" --email "Zhang.WeiMing@Example.CN" \
		--address "福州市鼓楼区五一北路1号" --account "6222 0202 0000 1234" --field crm_id=C-88
}

add_org() {
	as li subject add --fonds Z109 --kind org --name "福州测试贸易有限公司" --uscc "$USCC" \
		--phone "0591-8765 4321"
}

@test "add, show, list and find a subject" {
	run add_zhang
	status_is 0
	output_has "added subject Z109-C000001"
	run add_org
	status_is 0
	output_has "Z109-C000002"

	run as li subject show Z109-C000001
	status_is 0
	output_has "$NAME" "$IDNO" "+86 139-1234-5678" "Zhang.WeiMing@Example.CN" "6222 0202 0000 1234" \
		"crm_id = C-88" "id check        ok"
	run as li subject show Z109-C000001 --json
	status_is 0
	py '
s = json.loads(sys.stdin.read())
assert s["id"] == "Z109-C000001" and s["kind"] == "person" and s["name"] == sys.argv[1], s
assert s["phones"] == ["+86 139-1234-5678"] and s["fields"] == {"crm_id": "C-88"}, s
assert s["id_check"] == "ok" and s["records"] == 0 and s["created_by"] == "li", s' "$NAME" <<<"$output"

	# a plain list has no names; --names shows them
	run as li subject list
	status_is 0
	output_has "Z109-C000001" "Z109-C000002" "person" "org"
	output_lacks "$NAME"
	run as li subject list --names --json
	status_is 0
	py '
rs = jl(sys.stdin.read())
assert [r["id"] for r in rs] == ["Z109-C000001", "Z109-C000002"], rs
assert rs[0]["name"] == sys.argv[1] and rs[1]["kind"] == "org", rs' "$NAME" <<<"$output"

	# equivalent spellings find the same subject, near misses find nothing
	for q in "--phone 13912345678" "--phone +8613912345678" "--id-number 11010519491231002x" \
		"--email ZHANG.WEIMING@example.CN" "--account 6222020200001234"; do
		# shellcheck disable=SC2086
		run as li subject find --fonds Z109 $q --json
		status_is 0
		equal "$(json_field id <<<"$output")" "Z109-C000001" "find $q"
	done
	run as li subject find --fonds Z109 --name "张　伟明" --names
	status_is 0
	output_has "Z109-C000001" "$NAME"
	run as li subject find --uscc "91 350100 M000100Y43" --json
	status_is 0
	equal "$(json_field id <<<"$output")" "Z109-C000002"
	run as li subject find --fonds Z109 --phone "+86 591 8765 4321" --json
	status_is 0
	equal "$(json_field id <<<"$output")" "Z109-C000002"
	run as li subject find --fonds Z109 --phone 13912345679 --json
	status_is 0
	equal "$output" ""
}

@test "bad input: usage errors, invalid text, unknown subjects; a wrong ID check digit only warns" {
	run as li subject add --fonds Z109 --kind company --name X
	status_is 2
	run as li subject add --fonds Z109 --kind person
	status_is 2
	run as li subject add --fonds Z109 --kind person --name $'\xff\xfe'
	status_is 1
	output_has "UTF-8"
	run as li subject add --fonds Z109 --kind person --name X --email no-at-sign
	status_is 1
	run as li subject add --fonds Z109 --kind person --name X --field novalue
	status_is 2
	run as li subject add --fonds Z999 --kind person --name X
	status_is 6
	run --separate-stderr as li subject add --fonds Z109 --kind person --name 李四 --id-number 110105194912310021
	status_is 0
	stderr_has "warning" "bad-check-digit"
	run as li subject show Z109-C000001
	output_has "id check        bad-check-digit"
	run as li subject show Z109-C000009
	status_is 4
	run as li subject show nonsense
	status_is 1
	run as li subject find --fonds Z109 --phone 1 --email a@b
	status_is 2
	run as li subject find --fonds Z109
	status_is 2
}

@test "a viewer reads subjects of its fonds; auditors, admins and ungranted viewers cannot" {
	add_zhang >/dev/null
	run as vv subject show Z109-C000001
	status_is 4 # not granted: the same answer as no such subject
	as sec user grant vv Z109 >/dev/null
	as li subject list >/dev/null # a key holder completes the grant
	run as vv subject show Z109-C000001
	status_is 0
	output_has "$NAME"
	run as vv subject find --phone "$PHONE" --json
	status_is 0
	equal "$(json_field id <<<"$output")" "Z109-C000001"
	run as vv subject add --fonds Z109 --kind person --name X
	status_is 6
	for u in aud sec; do
		run as "$u" subject show Z109-C000001
		status_is 6
		output_lacks "$NAME"
		run as "$u" subject list
		status_is 6
		run as "$u" subject find --phone "$PHONE"
		status_is 6
	done
}

@test "the ledger logs subject.add, subject.read, subject.list and subject.find with ids only" {
	add_zhang >/dev/null
	as li subject show Z109-C000001 >/dev/null
	as li subject list --names >/dev/null
	as li subject find --phone "$PHONE" >/dev/null
	run as aud log show --json
	status_is 0
	py '
es = jl(sys.stdin.read())
acts = [e["action"] for e in es]
for a in ("subject.add", "subject.read", "subject.list", "subject.find"):
    assert a in acts, (a, acts)
add = [e for e in es if e["action"] == "subject.add"][0]
assert add["targets"] == ["Z109-C000001"] and add["details"] == {"fonds": "Z109", "kind": "person"}, add
rd = [e for e in es if e["action"] == "subject.read"][0]
assert rd["targets"] == ["Z109-C000001"], rd
fd = [e for e in es if e["action"] == "subject.find"][0]
assert fd["details"]["field"] == "phone" and fd["details"]["hits"] == 1, fd' <<<"$output"
	output_lacks "$NAME" "$IDNO" "$PHONE" "1391234" "$EMAIL" "zhang"
	run as aud log verify
	status_is 0
}

# Every planted value, in UTF-8, GB18030, UTF-16LE and UTF-16BE, in every file under DIR.
search_vault() {
	py '
vals = sys.argv[1:5]
hits = []
for r, _, fs in os.walk(sys.argv[5]):
    for f in fs:
        p = os.path.join(r, f)
        data = open(p, "rb").read()
        for v in vals:
            for enc in ("utf-8", "gb18030", "utf-16-le", "utf-16-be"):
                if v.encode(enc) in data:
                    hits.append("%s: %r in %s" % (p, v, enc))
for h in hits:
    print(h)
assert not hits
' "$NAME" "$IDNO" "$PHONE" "$EMAIL" "$1"
}

@test "no planted name, ID number, phone or e-mail in plaintext anywhere in the vault" {
	# the search can fail: a file holding the values is found
	mkdir "$T/probe"
	printf '%s %s' "$NAME" "$PHONE" | iconv -f UTF-8 -t GB18030 >"$T/probe/x"
	run search_vault "$T/probe"
	[ "$status" -ne 0 ]
	output_has "gb18030"

	add_zhang >/dev/null
	as li subject add --fonds Z109 --kind person --name "$NAME" --phone "$PHONE" --email "$EMAIL" \
		--id-number "$IDNO" >/dev/null
	as li subject show Z109-C000001 >/dev/null
	as li subject list --names >/dev/null
	as li subject find --name "$NAME" --names >/dev/null
	as li subject find --id-number "$IDNO" >/dev/null
	as li subject find --email "$EMAIL" >/dev/null
	run search_vault "$V"
	status_is 0
	# and the grep of the brief, as confidentiality.bats does it
	for v in "$NAME" "$IDNO" "$PHONE" "$EMAIL"; do
		run grep -r -a -l -F -- "$v" "$V"
		status_is 1
		g=$(printf '%s' "$v" | iconv -f UTF-8 -t GB18030)
		run grep -r -a -l -F -- "$g" "$V"
		status_is 1
	done
}

@test "an index row pointed at another subject with sqlite3: find refuses it as an integrity failure" {
	add_zhang >/dev/null
	add_org >/dev/null
	# the phone of 张伟明 now leads to the organisation
	sqlite3 "$V/catalog.db" "UPDATE subject_index SET subject_id = 2 WHERE subject_id = 1 AND field = 'phone'"
	run as li subject find --fonds Z109 --phone "$PHONE"
	status_is 5
	output_has "Z109-C000002" "altered"
	output_lacks "福州测试贸易有限公司"
	# the other look-ups and reads still work
	run as li subject find --fonds Z109 --email "$EMAIL" --json
	status_is 0
	equal "$(json_field id <<<"$output")" "Z109-C000001"
	run as li subject show Z109-C000002
	status_is 0
}

@test "numbers swapped or a wrapped key copied with sqlite3: the subject does not open" {
	add_zhang >/dev/null
	add_org >/dev/null
	sqlite3 "$V/catalog.db" "UPDATE subjects SET no = -1 WHERE no = 1; UPDATE subjects SET no = 1 WHERE no = 2;
		UPDATE subjects SET no = 2 WHERE no = -1;"
	run as li subject show Z109-C000001
	status_is 5
	output_lacks "福州测试贸易有限公司" "$NAME"
	sqlite3 "$V/catalog.db" "UPDATE subjects SET no = -1 WHERE no = 1; UPDATE subjects SET no = 1 WHERE no = 2;
		UPDATE subjects SET no = 2 WHERE no = -1;"
	run as li subject show Z109-C000001
	status_is 0
	sqlite3 "$V/catalog.db" "UPDATE subjects SET wkey = (SELECT wkey FROM subjects WHERE no = 1) WHERE no = 2"
	run as li subject show Z109-C000002
	status_is 5
	output_has "authentication"
}

@test "check reports a blind-index row moved or deleted with sqlite3, and a subject that does not open" {
	add_zhang >/dev/null
	add_org >/dev/null
	run as li check
	status_is 0
	sqlite3 "$V/catalog.db" "DELETE FROM subject_index WHERE subject_id = 1 AND field = 'email'"
	# a deleted row: the search misses, check tells
	run as li subject find --fonds Z109 --email "$EMAIL" --json
	status_is 0
	equal "$output" ""
	run as li check
	status_is 5
	output_has "Z109-C000001" "blind-index row is missing"
	output_lacks "$NAME" "$EMAIL"
	# a moved row: a foreign row on the organisation too
	sqlite3 "$V/catalog.db" "UPDATE subject_index SET subject_id = 2 WHERE subject_id = 1 AND field = 'phone'"
	run as li check
	status_is 5
	output_has "Z109-C000002" "do not produce"
	sqlite3 "$V/catalog.db" "UPDATE subjects SET kind = 'org' WHERE no = 1"
	run as li check
	status_is 5
	output_has "kind in the catalog was altered"
}
