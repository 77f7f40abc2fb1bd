#!/usr/bin/env bats
# custody import files without --class: each file classified by the rule pack
# (rules/default.json, docs/formats/rules.md); what no rule matches is
# imported as "unclassified" for review, never left out.
#
#   CUSTODY=build/custody bats tests/cli/classify.bats

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

# contracts, vouchers, letters, a statement, an annual report, an unknown file,
# and a scan whose name says nothing but whose text does
make_mixed() {
	mkdir -p "$T/in/合同" "$T/in/letters"
	# each file its own content (the same bytes twice would be one record)
	printf '%s' '购销合同-张三.txt' >"$T/in/购销合同-张三.txt"
	printf '%s' '合同/扫描件001.txt' >"$T/in/合同/扫描件001.txt"
	printf '%s' 'Service Agreement.txt' >"$T/in/Service Agreement.txt"
	printf '%s' '记账凭证-0012.txt' >"$T/in/记账凭证-0012.txt"
	printf '%s' 'voucher-13.txt' >"$T/in/voucher-13.txt"
	printf '%s' 'letters/letter-to-li.txt' >"$T/in/letters/letter-to-li.txt"
	printf '%s' '客户来函.txt' >"$T/in/客户来函.txt"
	printf '%s' '工行对账单202001.txt' >"$T/in/工行对账单202001.txt"
	printf '%s' '2019年度财务报告.txt' >"$T/in/2019年度财务报告.txt"
	printf '%s' 'IMG_0001.txt' >"$T/in/IMG_0001.txt"
	printf '甲方：某某公司\n乙方：李四\n' >"$T/in/scan0004.txt"
}

@test "classify: import files without --class: classes and retention from the rules, shown by ls" {
	make_mixed
	run --separate-stderr as li import files "$T/in" --fonds Z109 --year 2019
	status_is 0
	output_has "11 imported ("
	# what no rule matched is imported, and the user is told
	[[ "$stderr" == *"1 file matched no classification rule"* ]] || { echo "$stderr"; false; }
	run --separate-stderr as li ls --json
	status_is 0
	py '
rs = {r["source"]: r for r in jl(sys.argv[1])}
want = {
    "购销合同-张三.txt": ("contract", "D30", "HT", "contract"),
    "合同/扫描件001.txt": ("contract", "D30", "HT", "contract"),
    "Service Agreement.txt": ("contract", "D30", "HT", "contract"),
    "scan0004.txt": ("contract", "D30", "HT", "text-contract"),
    "记账凭证-0012.txt": ("accounting", "D30", "KJ", "accounting-voucher"),
    "voucher-13.txt": ("accounting", "D30", "KJ", "accounting-voucher"),
    "letters/letter-to-li.txt": ("correspondence", "D10", "WS", "letter"),
    "客户来函.txt": ("correspondence", "D10", "WS", "letter"),
    "工行对账单202001.txt": ("accounting", "D10", "KJ", "bank-statement"),
    "2019年度财务报告.txt": ("accounting", "Y", "KJ", "financial-report-annual"),
    "IMG_0001.txt": ("unclassified", "D30", "DF", "unclassified"),
}
assert sorted(rs) == sorted(want), sorted(rs)
for src, (cls, ret, code, rule) in want.items():
    r = rs[src]
    assert (r["class"], r["retention"], r["retention_rule"]) == (cls, ret, rule), (src, r)
    assert r["archive_no"].startswith("Z109-%s\u00b72019-%s-" % (code, ret)), (src, r)
' "$output"
	# the plain listing shows the class too
	run --separate-stderr as li ls
	status_is 0
	output_has "Z109-HT·2019-D30-0001" "Z109-DF·2019-D30-0001" "Z109-KJ·2019-Y-0001"
	[[ "$(echo "$output" | grep -c unclassified)" == 1 ]] || { echo "$output"; false; }
	# the rule that gave the class is kept with the record
	no=$(echo "$output" | grep -o 'Z109-WS·2019-D10-0001')
	run --separate-stderr as li show "$no" --json
	status_is 0
	py '
import json
r = json.loads(sys.argv[1])
assert r["meta"]["fields"]["class_rule"] == "letter", r
assert r["retention_rule"] == "letter", r
' "$output"
}

@test "classify: --retention overrides the rule's retention; --class turns the rules off; the sidecar's class wins" {
	mkdir -p "$T/a" "$T/b" "$T/c"
	printf 'x' >"$T/a/合同.txt"
	run --separate-stderr as li import files "$T/a" --fonds Z109 --year 2019 --retention D10
	status_is 0
	output_has "Z109-HT·2019-D10-0001"
	run --separate-stderr as li ls --json
	py '
r = jl(sys.argv[1])[0]
assert (r["class"], r["retention"], r["retention_rule"]) == ("contract", "D10", "user"), r
' "$output"
	printf 'y' >"$T/b/合同.txt"
	run --separate-stderr as li import files "$T/b" --fonds Z109 --year 2019 --class other
	status_is 0
	output_has "Z109-QT·2019-D10-0001"
	printf 'z' >"$T/c/合同.txt"
	printf 'file,year,class\n合同.txt,2020,correspondence\n' >"$T/side.csv"
	run --separate-stderr as li import files "$T/c" --fonds Z109 --sidecar "$T/side.csv"
	status_is 0
	output_has "Z109-WS·2020-D10-0001"
}

@test "classify: --rules and CUSTODY_RULES pick the pack; a broken pack stops the import before it starts" {
	mkdir -p "$T/in"
	printf '%s' 'memo.txt' >"$T/in/memo.txt"
	cat >"$T/site.json" <<-'JSON'
	{"custody_rules": 1, "rules": [
	  {"id": "memo", "match": {"name_words": ["memo"]}, "class": "other", "retention": "D10",
	   "citation": {"law": "L", "article": "A", "domain": "D"}, "certainty": "unverified"}]}
	JSON
	run --separate-stderr as li import files "$T/in" --fonds Z109 --year 2019 --rules "$T/site.json"
	status_is 0
	output_has "Z109-QT·2019-D10-0001"
	# the same rules through the environment
	printf 'y' >"$T/in/memo2.txt"
	CUSTODY_RULES="$T/site.json" run --separate-stderr as li import files "$T/in" --fonds Z109 --year 2019
	status_is 0
	output_has "Z109-QT·2019-D10-0002"
	# a broken pack: the file and the rule named, nothing imported
	printf 'z' >"$T/in/memo3.txt"
	sed 's/"D10"/"D5"/' "$T/site.json" >"$T/bad.json"
	run --separate-stderr as li import files "$T/in" --fonds Z109 --year 2019 --rules "$T/bad.json"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"bad.json: rule 1 ('memo')"*"retention"* ]] || { echo "$stderr"; false; }
	printf '{"custody_rules": 1,\n "rules": [,]}\n' >"$T/bad2.json"
	run --separate-stderr as li import files "$T/in" --fonds Z109 --year 2019 --rules "$T/bad2.json"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"bad2.json, line 2"* ]] || { echo "$stderr"; false; }
	run --separate-stderr as li ls --json
	py 'assert len(jl(sys.argv[1])) == 2, sys.argv[1]' "$output"
}
