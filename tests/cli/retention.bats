#!/usr/bin/env bats
# custody retention rules | due | override (docs/formats/retention-rules.md):
# the shipped packs listed, due dates on a real vault before and after they
# fall, the end of business for customer data, overrides logged, refused
# below a legal minimum, and an override row edited with sqlite3 caught
# (the ledger's period stays in force and check reports the edit).
#
#   CUSTODY=build/custody bats tests/cli/retention.bats

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

# Records of fiscal year 2015: a bank statement (10 years: due 2026-01-01), a
# voucher (30 years: due 2046-01-01), an annual report (permanent); and a
# customer table of 2019.
import_2015() {
	mkdir -p "$T/in"
	printf '%s' 'statement' >"$T/in/工行对账单201512.txt"
	printf '%s' 'voucher' >"$T/in/记账凭证-0012.txt"
	printf '%s' 'annual' >"$T/in/2015年度财务报告.txt"
	as li import files "$T/in" --fonds Z109 --year 2015 >/dev/null
}

@test "retention rules: the shipped packs, every 附表1 row, with citation and certainty" {
	run --separate-stderr as li retention rules --json
	[ "$status" -eq 0 ]
	py '
rules = jl(sys.argv[1])
ids = [r["id"] for r in rules]
assert len([i for i in ids if i.startswith("cn-acct-")]) == 16, ids
assert "cn-tax-records" in ids and "pipl-customer-business-end" in ids, ids
assert not any(i.startswith("gdpr") for i in ids), ids
by = {r["id"]: r for r in rules}
r = by["cn-acct-01-original-voucher"]
assert r["period"] == 30 and r["trigger"] == "fiscal-year-end" and r["action"] == "appraise", r
assert r["minimum"] is True and r["certainty"] == "verified" and "附表1 第1项" in r["citation"], r
assert r["override"] is None
assert by["cn-acct-09-annual-report"]["period"] == "permanent"
c = by["cn-acct-06-fixed-asset-card"]
assert c["trigger"] == "event" and c["event_field"] == "disposal_date" and c["period"] == 5, c
assert by["cn-tax-records"]["certainty"] == "partial"
p = by["pipl-customer-business-end"]
assert p["trigger"] == "business-end" and p["period"] == 0 and p["action"] == "destroy", p
assert "第四十七条" in p["citation"]
assert rules[-1]["id"] == "retention-code" and rules[-1]["fallback"] is True
' "$output"
	run --separate-stderr as li retention rules
	[ "$status" -eq 0 ]
	[[ "$output" == *"pack: cn-accounting.json, cn-pipl.json (fiscal year ends 12-31)"* ]]
	[[ "$output" == *"cn-acct-11-bank-statement"*"10 years"*"appraise"*"verified"*"minimum"* ]]
	[[ "$output" == *"citation: 会计档案管理办法 附表1 第11项"* ]]
	[[ "$output" == *"retention-code"*"keep their retention code"* ]]
	# the English mode's pack only when asked
	run --separate-stderr as li retention rules --pack gdpr --json
	[ "$status" -eq 0 ]
	py 'ids = [r["id"] for r in jl(sys.argv[1])]; assert ids[:3] == ["gdpr-customer-purpose-end", "gdpr-accounting", "gdpr-other"], ids' "$output"
	run --separate-stderr as li retention rules --pack nosuch
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"no retention pack 'nosuch'"* ]]
}

@test "retention due: nothing before the due date, the statement on and after it, never the permanent report" {
	import_2015
	run --separate-stderr as li retention due --as-of 2025-12-31 --json
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run --separate-stderr as li retention due --as-of 2026-01-01 --json
	[ "$status" -eq 0 ]
	py '
due = jl(sys.argv[1])
assert len(due) == 1, due
d = due[0]
assert d["rule"] == "cn-acct-11-bank-statement" and d["trigger"] == "2016-01-01", d
assert d["due"] == "2026-01-01" and d["action"] == "appraise", d
assert d["archive_no"].startswith("Z109-KJ\u00b72015-D10-"), d
' "$output"
	run --separate-stderr as li retention due --as-of 2046-01-01 --fonds Z109 --json
	[ "$status" -eq 0 ]
	py '
due = {d["rule"]: d for d in jl(sys.argv[1])}
assert set(due) == {"cn-acct-11-bank-statement", "cn-acct-02-bookkeeping-voucher"}, due
assert due["cn-acct-02-bookkeeping-voucher"]["due"] == "2046-01-01"
' "$output"
	run --separate-stderr as li retention due --as-of 9999-12-31
	[ "$status" -eq 0 ]
	[[ "$output" == *"2 records due on or before 9999-12-31"* ]]
	[[ "$output" == *"cn-acct-11-bank-statement: 10 years from the end of the fiscal year"* ]]
	run --separate-stderr as li retention due --as-of 2026-02-30
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"not a date"* ]]
}

@test "retention due: customer data is due when the business ends (PIPL 47), not before" {
	printf 'customer_no,name\nC001,张三\n' >"$T/c.csv"
	run --separate-stderr as li import csv "$T/c.csv" --kind customers --fonds Z109 --year 2019
	[ "$status" -eq 0 ]
	run --separate-stderr as li retention due --as-of 2030-01-01 --json
	[ "$status" -eq 0 ]
	py 'assert not [d for d in jl(sys.argv[1]) if d["rule"] == "pipl-customer-business-end"]' "$output"
	as li fonds status Z109 deregistered --date 2027-03-31 >/dev/null
	run --separate-stderr as li retention due --as-of 2027-03-30 --json
	py 'assert not [d for d in jl(sys.argv[1]) if d["rule"] == "pipl-customer-business-end"]' "$output"
	run --separate-stderr as li retention due --as-of 2027-03-31 --json
	[ "$status" -eq 0 ]
	py '
due = [d for d in jl(sys.argv[1]) if d["rule"] == "pipl-customer-business-end"]
assert due and all(d["due"] == "2027-03-31" and d["action"] == "destroy" for d in due), due
' "$output"
}

@test "retention override: logged, shown, used; refused below a legal minimum with the article" {
	import_2015
	# a minimum (第十五条) is not shortened
	run --separate-stderr as li retention override cn-acct-11-bank-statement --period 5 --reason 'too long'
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"minimum"*"第十五条"* ]]
	# only an archivist decides
	run --separate-stderr as vv retention override cn-acct-11-bank-statement --period 15 --reason 'audit finding'
	[ "$status" -ne 0 ]
	# personal data has no place in a reason (kept in clear)
	run --separate-stderr as li retention override cn-acct-11-bank-statement --period 15 --reason 'asked by 13800138000'
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"personal data"* ]]
	run --separate-stderr as li retention override cn-acct-11-bank-statement --period 15 --reason 'pending tax audit'
	[ "$status" -eq 0 ]
	[[ "$output" == *"period now 15 years"* ]]
	run --separate-stderr as li retention rules --json
	py '
r = {r["id"]: r for r in jl(sys.argv[1])}["cn-acct-11-bank-statement"]
o = r["override"]
assert r["period"] == 10 and o["period"] == 15 and o["reason"] == "pending tax audit", r
assert o["user"] == "li" and o["matches_ledger"] is True, o
' "$output"
	# the statement is no longer due in 2026, but in 2031
	run --separate-stderr as li retention due --as-of 2030-12-31 --json
	[ -z "$output" ]
	run --separate-stderr as li retention due --as-of 2031-01-01 --json
	py 'd = jl(sys.argv[1]); assert len(d) == 1 and d[0]["due"] == "2031-01-01" and d[0]["overridden"], d' "$output"
	# the ledger has it, without the reason's text
	run --separate-stderr as aud log show --json
	[ "$status" -eq 0 ]
	py '
e = [e for e in jl(sys.argv[1]) if e["action"] == "retention.override"]
assert len(e) == 1, e
assert e[0]["targets"] == ["cn-acct-11-bank-statement"], e
d = e[0]["details"]
assert d["period"] == 15 and d["from"] == 10 and d["pack_period"] == 10 and len(d["reason_sha256"]) == 64, d
assert "pending tax audit" not in json.dumps(e[0])
' "$output"
	run --separate-stderr as li check
	[ "$status" -eq 0 ]
}

@test "retention override: a row edited with sqlite3 changes no due date, and check reports it" {
	command -v sqlite3 >/dev/null || skip "no sqlite3 shell"
	import_2015
	as li retention override cn-acct-11-bank-statement --period 15 --reason 'pending tax audit' >/dev/null
	# someone with write access to catalog.db shortens the override behind the vault's back
	sqlite3 "$V/catalog.db" "UPDATE retention_overrides SET period = 10"
	run --separate-stderr as li retention due --as-of 2026-06-01 --json
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run --separate-stderr as li retention rules
	[[ "$output" == *"override: 15 years (from the ledger; the catalog's copy differs"* ]]
	run --separate-stderr as li check
	[ "$status" -ne 0 ]
	[[ "$output$stderr" == *"retention override of rule 'cn-acct-11-bank-statement' is 10 years"*"ledger entry"*"15 years"*"the catalog was edited"* ]]
	# a deleted row: the same
	sqlite3 "$V/catalog.db" "DELETE FROM retention_overrides"
	run --separate-stderr as li retention due --as-of 2026-06-01 --json
	[ -z "$output" ]
	run --separate-stderr as li check
	[ "$status" -ne 0 ]
	[[ "$output$stderr" == *"overrides retention rule 'cn-acct-11-bank-statement' (15 years), but the catalog has no row"* ]]
	# a row the ledger never logged is not used
	sqlite3 "$V/catalog.db" "INSERT INTO retention_overrides VALUES ('cn-acct-02-bookkeeping-voucher', 0, 'x', 2, '2026-01-01T00:00:00Z', 99)"
	run --separate-stderr as li retention due --as-of 2027-01-01 --json
	py 'assert not [d for d in jl(sys.argv[1]) if d["rule"] == "cn-acct-02-bookkeeping-voucher"]' "$output"
	run --separate-stderr as li check
	[[ "$output$stderr" == *"rule 'cn-acct-02-bookkeeping-voucher' (0 years) is in the catalog, but the ledger never logged it"* ]]
}

@test "appraise: the id first, kept records get a new period, the rest to destroy; the opinion holds no titles" {
	import_2015
	# nothing due yet: no opinion
	run --separate-stderr as li appraise --fonds Z109 --as-of 2025-12-31
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"nothing in fonds Z109 is due on or before 2025-12-31"* ]]
	# a record that is not due cannot be kept by this appraisal
	run --separate-stderr as li ls --json
	voucher=$(py 'print([r["archive_no"] for r in jl(sys.argv[1]) if "-D30-" in r["archive_no"]][0])' "$output")
	statement=$(py 'print([r["archive_no"] for r in jl(sys.argv[1]) if "-D10-" in r["archive_no"]][0])' "$output")
	run --separate-stderr as li appraise --fonds Z109 --as-of 2026-06-30 --keep "$voucher=10"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"is not due on or before 2026-06-30"* ]]
	# viewers do not appraise
	run --separate-stderr as vv appraise --fonds Z109 --as-of 2026-06-30
	[ "$status" -ne 0 ]
	run --separate-stderr as li appraise --fonds Z109 --as-of 2026-06-30 --keep "$statement=5" -o "$T/op.html"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1" ]
	[[ "$output" == *"1 records: 0 to destroy, 1 kept"* ]]
	[ -s "$T/op.html" ]
	grep -q '会计档案鉴定意见书' "$T/op.html"
	grep -q 'Appraisal opinion' "$T/op.html"
	grep -q "$statement" "$T/op.html"
	grep -q '继续保存' "$T/op.html"
	# no title in the opinion (the file names are the titles)
	run grep -q '工行对账单' "$T/op.html"
	[ "$status" -ne 0 ]
	# kept: due 5 years after the appraisal, not in 2026
	run --separate-stderr as li retention due --as-of 2031-06-29 --json
	[ -z "$output" ]
	run --separate-stderr as li retention due --as-of 2031-06-30 --json
	py 'd = jl(sys.argv[1]); assert len(d) == 1 and d[0]["due"] == "2031-06-30" and d[0]["trigger"] == "2026-06-30" and d[0]["appraisal"] == 1, d' "$output"
	# a later appraisal decides to destroy; --json gives the items
	run --separate-stderr as li appraise --fonds Z109 --as-of 2046-01-01 --json
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "2" ]
	py '
o = json.loads(sys.argv[1].splitlines()[1])
assert o["id"] == 2 and o["fonds"] == "Z109" and o["as_of"] == "2046-01-01", o
dec = {i["rule"]: i["decision"] for i in o["items"]}
assert dec == {"cn-acct-11-bank-statement": "destroy", "cn-acct-02-bookkeeping-voucher": "destroy"}, dec
' "$output"
	run --separate-stderr as aud log show --json
	py '
e = [e for e in jl(sys.argv[1]) if e["action"] == "appraise"]
assert [x["details"]["id"] for x in e] == [1, 2], e
assert e[0]["targets"] == ["Z109"] and e[0]["details"]["keep"] == 1 and len(e[0]["details"]["digest"]) == 64, e
' "$output"
	run --separate-stderr as li check
	[ "$status" -eq 0 ]
}

@test "appraise: an appraisal item edited with sqlite3 is refused, not used, and check reports it" {
	command -v sqlite3 >/dev/null || skip "no sqlite3 shell"
	import_2015
	run --separate-stderr as li ls --json
	statement=$(py 'print([r["archive_no"] for r in jl(sys.argv[1]) if "-D10-" in r["archive_no"]][0])' "$output")
	as li appraise --fonds Z109 --as-of 2026-06-30 --keep "$statement=50" >/dev/null
	# the keep shortened behind the vault's back
	sqlite3 "$V/catalog.db" "UPDATE appraisal_items SET new_period = 1"
	run --separate-stderr as li retention due --as-of 2027-07-01 --json
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	[[ "$stderr" == *"appraisal 1: its items in the catalog do not match the digest of ledger entry"* ]]
	run --separate-stderr as li check
	[ "$status" -ne 0 ]
	[[ "$output$stderr" == *"appraisal 1: its items in the catalog do not match"* ]]
	# an appraisal deleted: its decisions are missed, and said so
	sqlite3 "$V/catalog.db" "DELETE FROM appraisal_items; DELETE FROM appraisals"
	run --separate-stderr as li retention due --as-of 2027-07-01 --json
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"appraisal 1 was logged (ledger entry"*"but is not in the catalog"* ]]
}
