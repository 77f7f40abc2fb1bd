#!/usr/bin/env bats
# The age layer of the handover (issue 9) against the stock age tool (Debian package
# `age`): what custody encrypts, age decrypts, and the other way round; keys made by
# either work with both; a wrong key, a file cut short and a flipped byte each give a
# clear error, the documented exit code and no output file.  docs/formats/age.md.
#
#   CUSTODY=build/custody bats tests/cli/age.bats

load helpers

setup() {
	common_setup
	command -v age >/dev/null || skip "the age tool is not installed (scripts/deps.sh check)"
	age-keygen -o "$T/stock.key" 2>/dev/null
	STOCK_PUB=$(age-keygen -y "$T/stock.key")
	# more than two 64 KiB chunks, and not a whole number of them
	rand_file "$T/plain" 200001
}

teardown() {
	common_teardown
}

@test "age: custody encrypts to an age-keygen key, age -d gives the bytes back" {
	run "$CUSTODY" age encrypt -r "$STOCK_PUB" -o "$T/p.age" "$T/plain"
	status_is 0
	run head -c 22 "$T/p.age"
	equal "$output" "age-encryption.org/v1"
	age -d -i "$T/stock.key" -o "$T/back" "$T/p.age"
	equal "$(sha_of "$T/back")" "$(sha_of "$T/plain")" "decrypted by age"
	# from standard input to standard output, an empty payload and an exact chunk too
	for n in 0 65536; do
		head -c "$n" "$T/plain" >"$T/in$n"
		"$CUSTODY" age encrypt -r "$STOCK_PUB" <"$T/in$n" >"$T/in$n.age"
		age -d -i "$T/stock.key" "$T/in$n.age" >"$T/out$n"
		equal "$(sha_of "$T/out$n")" "$(sha_of "$T/in$n")" "$n bytes through a pipe"
	done
}

@test "age: several recipients, each can decrypt" {
	age-keygen -o "$T/second.key" 2>/dev/null
	run "$CUSTODY" age encrypt -r "$STOCK_PUB" --recipient "$(age-keygen -y "$T/second.key")" \
		-o "$T/p.age" "$T/plain"
	status_is 0
	for k in stock second; do
		age -d -i "$T/$k.key" "$T/p.age" >"$T/back.$k"
		equal "$(sha_of "$T/back.$k")" "$(sha_of "$T/plain")" "decrypted with $k"
	done
	run "$CUSTODY" age decrypt -i "$T/second.key" -o "$T/back.c" "$T/p.age"
	status_is 0
	equal "$(sha_of "$T/back.c")" "$(sha_of "$T/plain")"
}

@test "age: age -r encrypts, custody age decrypt gives the bytes back" {
	age -r "$STOCK_PUB" -o "$T/p.age" "$T/plain"
	run "$CUSTODY" age decrypt -i "$T/stock.key" -o "$T/back" "$T/p.age"
	status_is 0
	equal "$(sha_of "$T/back")" "$(sha_of "$T/plain")"
	equal "$(stat -c %a "$T/back")" "600" "mode of the plaintext"
	# standard input, standard output
	run bash -c '"$0" age decrypt -i "$1" <"$2" | sha256sum | cut -d" " -f1' \
		"$CUSTODY" "$T/stock.key" "$T/p.age"
	status_is 0
	equal "$output" "$(sha_of "$T/plain")"
}

@test "age: a custody keygen --age key works with the stock tool both ways" {
	run --separate-stderr "$CUSTODY" keygen --age -o "$T/c.key"
	status_is 0
	[[ "$output" == age1* ]]
	equal "$(stat -c %a "$T/c.key")" "600" "key file mode"
	grep -q '^# created: ' "$T/c.key"
	grep -qx "# public key: $output" "$T/c.key"
	equal "$(age-keygen -y "$T/c.key")" "$output" "the public key age derives"
	age -r "$output" -o "$T/p.age" "$T/plain"
	"$CUSTODY" age decrypt -i "$T/c.key" -o "$T/back" "$T/p.age"
	equal "$(sha_of "$T/back")" "$(sha_of "$T/plain")"
	"$CUSTODY" age encrypt -r "$output" -o "$T/q.age" "$T/plain"
	age -d -i "$T/c.key" -o "$T/back2" "$T/q.age"
	equal "$(sha_of "$T/back2")" "$(sha_of "$T/plain")"
	# never overwritten
	run "$CUSTODY" keygen --age -o "$T/c.key"
	status_is 1
	output_has "exists"
	equal "$(age-keygen -y "$T/c.key")" "$(grep '^# public key' "$T/c.key" | cut -d' ' -f4)"
}

@test "age: keygen --signing writes a signing key and prints its public key" {
	run "$CUSTODY" keygen --signing -o "$T/s.key"
	status_is 0
	[[ "$output" == custody-sign1* ]]
	equal "$(stat -c %a "$T/s.key")" "600"
	grep -q '^CUSTODY-SIGNING-KEY-1' "$T/s.key"
	grep -qx "# public key: $output" "$T/s.key"
	run "$CUSTODY" keygen -o "$T/x.key"
	status_is 2
	run "$CUSTODY" keygen --age --signing -o "$T/x.key"
	status_is 2
	run "$CUSTODY" keygen --age
	status_is 2
	[ ! -e "$T/x.key" ]
}

@test "age: the wrong identity: exit 3, a clear message, no output file" {
	age-keygen -o "$T/other.key" 2>/dev/null
	"$CUSTODY" age encrypt -r "$STOCK_PUB" -o "$T/p.age" "$T/plain"
	local before
	before=$(ls -A "$T" | sort)
	run "$CUSTODY" age decrypt -i "$T/other.key" -o "$T/back" "$T/p.age"
	status_is 3
	output_has "no identity matches"
	[ ! -e "$T/back" ]
	equal "$(ls -A "$T" | sort)" "$before" "files in the directory (no temporary left)"
}

@test "age: a file cut short: exit 5, says so, no output file, nothing left behind" {
	"$CUSTODY" age encrypt -r "$STOCK_PUB" -o "$T/p.age" "$T/plain"
	local size before
	size=$(stat -c %s "$T/p.age")
	before=$(ls -A "$T" | sort)
	# inside the last chunk, and exactly after the second full chunk
	head -c $((size - 100)) "$T/p.age" >"$T/cut1.age"
	hdr=$(( size - 16 - 200001 - 4 * 16 ))
	head -c $((hdr + 16 + 2 * 65552)) "$T/p.age" >"$T/cut2.age"
	for c in cut1 cut2; do
		run "$CUSTODY" age decrypt -i "$T/stock.key" -o "$T/back" "$T/$c.age"
		status_is 5
		output_has "cut short"
		[ ! -e "$T/back" ]
		# the stock tool refuses it too
		run age -d -i "$T/stock.key" -o "$T/stockback" "$T/$c.age"
		[ "$status" -ne 0 ]
		rm -f "$T/stockback"
	done
	equal "$(ls -A "$T" | grep -v '^cut' | sort)" "$before" "files in the directory"
	# cut inside the header
	head -c 40 "$T/p.age" >"$T/cut3.age"
	run "$CUSTODY" age decrypt -i "$T/stock.key" -o "$T/back" "$T/cut3.age"
	status_is 1
	output_has "not an age file"
	[ ! -e "$T/back" ]
}

@test "age: a flipped byte in the header or the payload: exit 5, no output file" {
	"$CUSTODY" age encrypt -r "$STOCK_PUB" -o "$T/p.age" "$T/plain"
	local size
	size=$(stat -c %s "$T/p.age")
	for off in $((size - 200001 - 64 - 2)) $((size - 70000)) $((size - 1)); do
		cp "$T/p.age" "$T/f.age"
		flip_bit "$T/f.age" "$off"
		run "$CUSTODY" age decrypt -i "$T/stock.key" -o "$T/back" "$T/f.age"
		status_is 5
		output_has "failed authentication"
		[ ! -e "$T/back" ]
	done
	# the header MAC line
	cp "$T/p.age" "$T/h.age"
	py '
import sys
d = open(sys.argv[1], "rb").read()
i = d.index(b"\n--- ") + 6
c = d[i:i+1]
d = d[:i] + (b"A" if c != b"A" else b"B") + d[i+1:]
open(sys.argv[1], "wb").write(d)
' "$T/h.age"
	run "$CUSTODY" age decrypt -i "$T/stock.key" -o "$T/back" "$T/h.age"
	status_is 5
	output_has "header MAC"
	[ ! -e "$T/back" ]
}

@test "age: an existing output is kept unless --force; binary never to a terminal" {
	echo keep >"$T/out"
	"$CUSTODY" age encrypt -r "$STOCK_PUB" -o "$T/p.age" "$T/plain"
	run "$CUSTODY" age decrypt -i "$T/stock.key" -o "$T/out" "$T/p.age"
	status_is 1
	equal "$(cat "$T/out")" "keep"
	run "$CUSTODY" age decrypt -i "$T/stock.key" -o "$T/out" --force "$T/p.age"
	status_is 0
	equal "$(sha_of "$T/out")" "$(sha_of "$T/plain")"
	# a bad recipient or a missing identity is a usage error before anything is read
	run "$CUSTODY" age encrypt -r age1notakey -o "$T/z.age" "$T/plain"
	status_is 2
	output_has "not an age recipient"
	[ ! -e "$T/z.age" ]
	run "$CUSTODY" age decrypt -o "$T/z" "$T/p.age"
	status_is 2
	if command -v script >/dev/null; then
		run script -qec "$CUSTODY age encrypt -r $STOCK_PUB $T/plain" /dev/null
		[[ "$output" == *"terminal"* ]]
		run script -qec "$CUSTODY age decrypt -i $T/stock.key $T/p.age" /dev/null
		[[ "$output" == *"terminal"* ]]
	fi
}

@test "age: an identity file others can read is used, with a warning" {
	cp "$T/stock.key" "$T/open.key"
	chmod 644 "$T/open.key"
	"$CUSTODY" age encrypt -r "$STOCK_PUB" -o "$T/p.age" "$T/plain"
	run --separate-stderr "$CUSTODY" age decrypt -i "$T/open.key" -o "$T/back" "$T/p.age"
	status_is 0
	stderr_has "warning" "chmod 600"
	equal "$(sha_of "$T/back")" "$(sha_of "$T/plain")"
}
