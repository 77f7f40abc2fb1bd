#!/usr/bin/env bats
# BagIt bags (issue 9): `custody bag validate` against the Library of
# Congress conformance suite as ../shared/testdata/bagit-conformance/
# EXPECTATIONS.tsv states; bags written by cy_bag_writer checked by an
# independent validator (tests/tools/bagcheck.py, after GNU tar and Python's
# tarfile extract them); hostile tars (tests/tools/hostile_tar.py) refused by
# cy_bag_extract with the reason, nothing written outside the work directory
# and nothing left inside.  docs/internals/bagit.md.
#
#   CUSTODY=build/custody bats tests/cli/bag.bats

load helpers

BAG_TOOL="$(_cy_abs "${BAG_TOOL:-$(dirname "$CUSTODY")/tests/tools/bag-tool}")"
TOOLS_SRC="$BATS_TEST_DIRNAME/../tools"
SUITE="$CUSTODY_TESTDATA/bagit-conformance"

setup() {
	common_setup
}

teardown() {
	common_teardown
}

@test "bag validate: every bag of the conformance suite as EXPECTATIONS.tsv says" {
	[ -f "$SUITE/EXPECTATIONS.tsv" ] || skip "no conformance suite at $SUITE"
	local failures="" n=0 ver cat bag expected rc reason out status
	while IFS=$'\t' read -r ver cat bag expected rc reason; do
		[ "$ver" = version ] && continue
		n=$((n + 1))
		status=0
		out=$("$CUSTODY" bag validate "$SUITE/$ver/$cat/$bag" 2>&1) || status=$?
		case "$cat" in
		valid)
			[ "$status" = 0 ] && [[ "$out" == *"a valid bag"* ]] ||
				failures+="$ver/$cat/$bag: expected valid, exit $status: $out"$'\n' ;;
		warning)
			[ "$status" = 0 ] && [[ "$out" == *"warning:"* ]] ||
				failures+="$ver/$cat/$bag: expected valid with a warning, exit $status: $out"$'\n' ;;
		invalid | linux-only | windows-only)
			# windows-only: refused here too (docs/internals/bagit.md)
			[ "$status" = 5 ] && [[ "$out" == *"is not a valid bag"* ]] ||
				failures+="$ver/$cat/$bag: expected invalid (exit 5), exit $status: $out"$'\n' ;;
		*) failures+="$ver/$cat/$bag: unknown category $cat"$'\n' ;;
		esac
	done <"$SUITE/EXPECTATIONS.tsv"
	[ "$n" -ge 60 ] || failures+="only $n bags in EXPECTATIONS.tsv"$'\n'
	if [ -n "$failures" ]; then
		printf '%s' "$failures" >&2
		return 1
	fi
}

@test "bag validate: the reasons of invalid bags name what is wrong" {
	[ -f "$SUITE/EXPECTATIONS.tsv" ] || skip "no conformance suite at $SUITE"
	run "$CUSTODY" bag validate "$SUITE/v0.97/invalid/corrupt-data-file"
	[ "$status" -eq 5 ]
	[[ "$output" == *"data/bare-filename: the md5 checksum does not match manifest-md5.txt"* ]]
	[[ "$output" == *"Payload-Oxum says 58 bytes in 2 files"* ]]
	run "$CUSTODY" bag validate "$SUITE/v0.97/invalid/extra-file-in-bag"
	[[ "$output" == *"data/bar is present but not listed in manifest-md5.txt"* ]]
	run "$CUSTODY" bag validate "$SUITE/v0.97/invalid/out-of-scope-file-paths-using-dot-notation"
	[[ "$output" == *"'../../../README.md' is not a path inside the bag"* ]]
	run "$CUSTODY" bag validate "$SUITE/v1.0/invalid/bagit-with-invalid-whitespace"
	[[ "$output" == *"white space before ':'"* ]]
	run "$CUSTODY" bag validate "$SUITE/v1.0/invalid/same-filename-listed-twice-with-the-same-hash"
	[[ "$output" == *"'data/README' is listed twice"* ]]
	run "$CUSTODY" bag validate "$SUITE/v0.97/invalid/missing-bagit.txt"
	[[ "$output" == *"bagit.txt is missing"* ]]
}

@test "bag validate --json: one object with the verdict, counts, reasons and bag-info" {
	[ -f "$SUITE/EXPECTATIONS.tsv" ] || skip "no conformance suite at $SUITE"
	run "$CUSTODY" bag validate "$SUITE/v0.97/valid/basic-bag" --json
	[ "$status" -eq 0 ]
	python3 -c 'import json,sys; o=json.loads(sys.argv[1]); assert o["valid"] and o["complete"], o; assert o["files"]==2 and o["bytes"]==58, o; assert o["errors"]==[], o; assert any(i["label"]=="Payload-Oxum" and i["value"]=="58.2" for i in o["info"]), o' "$output"
	run "$CUSTODY" bag validate "$SUITE/v0.97/invalid/corrupt-data-file" --json
	[ "$status" -eq 5 ]
	python3 -c 'import json,sys; o=json.loads(sys.argv[1]); assert not o["valid"], o; assert len(o["errors"])==2, o' "$output"
}

@test "bag validate: a link or a missing directory inside a bag is reported, not followed" {
	mkdir -p bag/data
	printf 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n' >bag/bagit.txt
	echo secret >outside.txt
	ln -s ../../outside.txt bag/data/link.txt
	printf '%s  data/link.txt\n' "$(sha256sum <outside.txt | cut -d' ' -f1)" >bag/manifest-sha256.txt
	run "$CUSTODY" bag validate bag
	[ "$status" -eq 5 ]
	[[ "$output" == *"data/link.txt: a symbolic link (not followed"* ]]
	run "$CUSTODY" bag validate nowhere
	[ "$status" -eq 4 ]
}

# A bag with names a receiver meets: Chinese, spaces, '%', nested directories.
write_bag() {
	mkdir -p src
	printf '客户 1\n' >src/a
	printf 'a,b\r\n1,2\r\n' >src/b
	head -c 300000 /dev/urandom >src/c
	: >src/empty
	printf '{"archive_no":"Z109"}\n' >src/rec
	"$BAG_TOOL" write bag.tar transfer-12 --info Source-Organization=示例贸易有限公司 \
		--info External-Identifier=transfer-12 \
		"data/Z109/客户档案 1.txt=src/a" "data/Z109/100%.csv=src/b" \
		"data/Z109/scans/扫描.bin=src/c" "data/empty=src/empty" \
		"metadata/records.jsonl=src/rec" 2>tm.txt
}

@test "bag writer: GNU tar and Python extract it, an independent validator and ours accept it" {
	write_bag
	[ "$(wc -c <tm.txt)" -eq 65 ]
	mkdir gnu py
	tar -xf bag.tar -C gnu
	python3 -c 'import sys,tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' bag.tar py
	for d in gnu py; do
		run python3 "$TOOLS_SRC/bagcheck.py" "$d/transfer-12"
		echo "$d: $output"
		[ "$status" -eq 0 ]
		[ "$output" = ok ]
		run "$CUSTODY" bag validate "$d/transfer-12"
		[ "$status" -eq 0 ]
		[[ "$output" != *warning* ]]
	done
	# the tag manifest's digest that a receipt names is the file's SHA-256
	[ "$(sha256sum <gnu/transfer-12/tagmanifest-sha256.txt | cut -d' ' -f1)" = "$(cat tm.txt)" ]
	# plain tar, no compression; what a receiver's sha256sum -c makes of the manifest
	(cd gnu/transfer-12 && grep -v '%' manifest-sha256.txt | sha256sum -c --quiet -)
	grep -q '100%25.csv' gnu/transfer-12/manifest-sha256.txt
	grep -qx 'Payload-Oxum: 300019.4' gnu/transfer-12/bag-info.txt
	# the independent validator is not a rubber stamp: a changed byte fails it
	printf 'X' | dd of="gnu/transfer-12/data/Z109/scans/扫描.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
	run python3 "$TOOLS_SRC/bagcheck.py" gnu/transfer-12
	[ "$status" -eq 1 ]
	[[ "$output" == *"扫描.bin has another sha256"* ]]
	run "$CUSTODY" bag validate gnu/transfer-12
	[ "$status" -eq 5 ]
}

@test "bag extract: our own bag extracts and validates in one pass" {
	write_bag
	mkdir -m 700 work
	run "$BAG_TOOL" extract bag.tar work --validate
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = transfer-12 ]
	[[ "$output" == *"valid: 4 files, 300019 bytes"* ]]
	[ "$(stat -c %a work/transfer-12)" = 700 ]
	[ "$(stat -c %a 'work/transfer-12/data/Z109/客户档案 1.txt')" = 600 ]
	cmp src/c "work/transfer-12/data/Z109/scans/扫描.bin"
	# streamed from a pipe as well (what age -d feeds)
	mkdir -m 700 work2
	run "$BAG_TOOL" extract - work2 --validate <bag.tar
	[ "$status" -eq 0 ]
}

# Each hostile case: refused with its reason; the work directory stays empty
# and the canary directory beside it untouched.
hostile() {
	local case=$1 reason=$2
	shift 2
	rm -rf work outside
	mkdir -m 700 work
	mkdir outside
	echo canary >outside/canary
	python3 "$TOOLS_SRC/hostile_tar.py" "$case" "$case.tar" "$T/outside"
	run "$BAG_TOOL" extract "$case.tar" work --validate "$@"
	echo "$case: exit $status: $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$reason"* ]]
	[ -z "$(ls -A work)" ]
	[ "$(ls -A outside)" = canary ]
	[ "$(cat outside/canary)" = canary ]
}

@test "bag extract: the hostile tars are refused, nothing written outside, nothing left" {
	python3 "$TOOLS_SRC/hostile_tar.py" good good.tar
	mkdir -m 700 w0
	run "$BAG_TOOL" extract good.tar w0 --validate
	[ "$status" -eq 0 ]
	hostile dotdot "'..' path segment"
	hostile absolute "absolute path"
	hostile symlink "a symbolic link (refused)"
	hostile hardlink "a hard link (refused)"
	hostile hardlink-outside "a hard link (refused)"
	hostile device "a character device (refused)"
	hostile fifo "a FIFO (refused)"
	hostile case-collision "case folding"
	hostile nfc-collision "normalisation (NFC)"
	hostile two-tops "outside the top directory"
	hostile beside-top "outside the top directory"
	hostile missing-file "'data/b.txt' is listed but missing"
	hostile extra-file "data/unlisted.txt is present but not listed"
	hostile oxum-lies "Payload-Oxum says 1 bytes in 1 files"
	hostile size-lies "Truncated tar archive"
	hostile truncated "tar ends early"
	hostile gzip "a gzip-compressed tar: custody expects a plain tar"
	hostile not-a-tar "not a tar"
	hostile bomb "beyond the limit" --max-total 1000000
	hostile many-files "more than 1000 files" --max-files 1000
	# the work directory itself: a link to a directory, or one others may read
	ln -s work worklink
	run "$BAG_TOOL" extract good.tar worklink
	[ "$status" -ne 0 ]
	[[ "$output" == *"not a link"* ]]
	chmod 755 work
	run "$BAG_TOOL" extract good.tar work
	[ "$status" -ne 0 ]
	[[ "$output" == *"mode 0700"* ]]
	[ -z "$(ls -A work)" ]
}
