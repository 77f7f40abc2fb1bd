#!/usr/bin/env bats
# Confidential at rest: planted personal values (in contents and in file names) appear
# nowhere under the vault directory, in UTF-8, GB18030 or UTF-16, after every command,
# nor in temporary files outside it, nor in what the administrative roles can print.
#
#   CUSTODY=build/custody bats tests/cli/confidentiality.bats

load helpers

NAME=张伟明
IDNO=11010519491231002X
PHONE=13912345678
EMAIL=zhang.weiming@example.cn
DIRNAME=张伟明的档案

setup_file() {
	build_template
}

setup() {
	common_setup
	make_vault
	# custody's own temporary files (SQLite, anything else) go here, to be searched too
	mkdir -p "$T/tmp"
	export TMPDIR="$T/tmp" SQLITE_TMPDIR="$T/tmp"
	touch "$T/.start"
	plant "$T/in"
}

teardown() {
	common_teardown
}

# The planted files: the values in contents (UTF-8, GB18030, UTF-16LE), in file and
# directory names, in compressible text (zstd at work) and across chunk boundaries.
plant() {
	py '
d = sys.argv[1]
name, idno, phone, email, dirname = sys.argv[2:7]
os.makedirs(os.path.join(d, dirname))
card = "姓名：%s\n身份证号：%s\n手机：%s\n邮箱：%s\n" % (name, idno, phone, email)
open(os.path.join(d, "客户_%s_%s.txt" % (name, phone)), "w").write(card * 300)
open(os.path.join(d, "证件_%s.csv" % idno), "w").write("姓名,身份证号,手机\n" + ("%s,%s,%s\n" % (name, idno, phone)) * 2000)
open(os.path.join(d, "letter_gbk.txt"), "wb").write(("尊敬的%s先生：\n您的电话%s已登记。\n" % (name, phone)).encode("gb18030") * 50)
open(os.path.join(d, "utf16.txt"), "wb").write(card.encode("utf-16-le") * 20)
open(os.path.join(d, dirname, "phone.txt"), "w").write(phone)
open(os.path.join(d, dirname, "%s.eml" % email), "w").write("From: %s <%s>\nSubject: %s\n\n%s\n" % (name, email, idno, card))
# a file of several 64 KiB chunks with the values across the boundaries
blob = bytearray(os.urandom(300000))
for off in (65536 - 5, 131072 - 9, 196608 - 3):
    v = (name + idno + phone).encode()
    blob[off:off + len(v)] = v
open(os.path.join(d, "scan_%s.bin" % name), "wb").write(bytes(blob))
' "$1" "$NAME" "$IDNO" "$PHONE" "$EMAIL" "$DIRNAME"
}

# search WHERE...: every byte of every file under each WHERE, for every planted value in
# UTF-8, GB18030, UTF-16LE and UTF-16BE.  Prints each hit; fails if there is one.
search() {
	py '
vals = sys.argv[1:6]
where = sys.argv[6:]
needles = []
for v in vals:
    for enc in ("utf-8", "gb18030", "utf-16-le", "utf-16-be"):
        b = v.encode(enc)
        if (b, v) not in [(n, w) for n, w, e in needles]:
            needles.append((b, v, enc))
files = 0
hits = []
for w in where:
    paths = [w] if os.path.isfile(w) else [os.path.join(r, f) for r, _, fs in os.walk(w) for f in fs]
    for p in paths:
        if not os.path.isfile(p) or os.path.islink(p):
            continue
        data = open(p, "rb").read()
        files += 1
        for b, v, enc in needles:
            i = data.find(b)
            if i >= 0:
                hits.append("%s: %r in %s at byte %d" % (p, v, enc, i))
        # also the file names themselves
        for b, v, enc in needles:
            if b in os.fsencode(p):
                hits.append("%s: %r in %s in the path" % (p, v, enc))
for h in hits:
    print(h)
assert not hits, "%d planted values found" % len(hits)
print("searched %d files" % files, file=sys.stderr)
' "$NAME" "$IDNO" "$PHONE" "$EMAIL" "$DIRNAME" "$@"
}

# Everything custody could have written to: the vault, its temporary directory, and files
# written since the test began under custody-named or SQLite-named (etilqs_*) paths in the
# usual temporary places.
search_everywhere() {
	local extra=() f
	while IFS= read -r -d '' f; do
		extra+=("$f")
	done < <(find /tmp /var/tmp /dev/shm -xdev \( -path '*custody*' -o -name 'etilqs_*' \) \
		-type f -newer "$T/.start" -not -path "$BATS_RUN_TMPDIR/*" -print0 2>/dev/null)
	search "$V" "$T/tmp" "${extra[@]}"
}

@test "the planted values are really in the input (the search finds them there)" {
	run search "$T/in"
	[ "$status" -ne 0 ]
	# in every encoding that was planted
	output_has "'$NAME' in utf-8" "'$NAME' in gb18030" "'$NAME' in utf-16-le" "'$PHONE' in utf-8" "in the path"
}

@test "import, ls, show, get, check: no planted value anywhere in the vault, in any encoding" {
	run --separate-stderr as li import files "$T/in" --fonds Z109 --class customer --year 2019
	status_is 0
	# compression is at work on the text
	as li ls --json | py '
rs = jl(sys.stdin.read())
assert any(r["compressed"] for r in rs) and not all(r["compressed"] for r in rs), rs
assert len(rs) == 7, rs'
	search_everywhere
	# reading everything back, as the archivist and as a viewer
	as sec user grant vv Z109 >/dev/null
	as li ls >/dev/null
	mkdir "$T/out"
	for no in $(as li ls --json | json_field archive_no); do
		as li show "$no" >/dev/null
		as li show "$no" --json >/dev/null
		as li get "$no" -o "$T/out/x" --force
		as vv get "$no" >/dev/null
	done
	as li check >/dev/null
	as aud check --json >/dev/null
	as aud log verify >/dev/null
	# the same files again: duplicates
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >/dev/null
	# an import root whose own name carries the values
	root="$T/客户_${NAME}_${PHONE}"
	mkdir -p "$root/$IDNO"
	echo "另一份：$NAME $IDNO" >"$root/$IDNO/$NAME.txt"
	run as li import files "$root" --fonds Z109 --class customer --year 2019
	status_is 0
	output_has "1 imported"
	# a failed get does not leave a partial file inside the vault either
	search_everywhere
}

@test "what the administrative roles can print holds no planted value" {
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >/dev/null
	as li get "Z109-KH${DOT}2019-D30-0001" >/dev/null
	{
		as aud log show
		as aud log show --json
		as aud check
		as aud check --json
		as aud fonds list --json
		as aud user list --json
		as sec log show --json
		as sec fonds list
		as aud log checkpoint
		as aud log prove 3
	} >"$T/admin.out" 2>&1
	[ -s "$T/admin.out" ]
	grep -q "Z109-KH" "$T/admin.out"
	search "$T/admin.out"
}

@test "an import stopped and then killed mid-way leaves no plaintext (temporary packs, WAL)" {
	# enough planted text to take a while
	py '
d = sys.argv[1]
os.makedirs(d)
for i in range(40):
    open(os.path.join(d, "客户_%s_%02d.txt" % (sys.argv[2], i)), "w").write(
        ("%s %s %s %d\n" % (sys.argv[2], sys.argv[3], sys.argv[4], i)) * 20000 + os.urandom(100000).hex())
' "$T/bulk" "$NAME" "$IDNO" "$PHONE"
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >/dev/null
	CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" "$CUSTODY" import files "$T/bulk" --fonds Z109 \
		--class customer --year 2020 >/dev/null 2>&1 &
	pid=$!
	track_pid $pid
	# stop it as soon as it has written into a temporary pack
	written=""
	while [ -z "$written" ] && [ -d "/proc/$pid" ] && [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
		for f in "$V"/objects/tmp/*.pack; do
			[ -s "$f" ] && written=$f
		done
	done
	kill -STOP $pid
	# it was stopped at work (not a process that had already ended), with a pack half written;
	# the signal takes effect a moment later
	state=""
	for _ in $(seq 1 500); do
		state=$(cut -d' ' -f3 "/proc/$pid/stat")
		[ "$state" != T ] || break
		sleep 0.01
	done
	equal "$state" T "state of the import after SIGSTOP"
	[ -n "$written" ] && [ -s "$written" ] || {
		echo "the import ended before it wrote a temporary pack" >&2
		return 1
	}
	# in that state: temporary packs, an open WAL
	search_everywhere
	kill -9 $pid
	rc=0
	wait $pid || rc=$?
	equal "$rc" 137 "exit status of the killed import"
	search_everywhere
	# and the vault is still sound
	run as li check
	status_is 0
}
