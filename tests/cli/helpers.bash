# helpers.bash - shared set-up for the custody CLI scenario tests (load with `load helpers`).
#
# Binaries and data come from the environment, so the same tests run against the release
# and the sanitizer builds:
#   CUSTODY           the custody binary      (default: build/custody)
#   CUSTODY_SAMPLE    the sample generator    (default: build/custody-sample)
#   CUSTODY_TESTDATA  shared third-party data (default: ../shared/testdata), read in place
#
# Every test works in its own $BATS_TEST_TMPDIR.  The standard vault (make_vault) has
# four users with their passwords in $PW/<name>:
#   sec  secadmin (created the vault)     aud  auditor
#   li   archivist (created fonds Z109)   vv   viewer (no grant)
# and the fonds Z109 with a valid unified social credit code.  `as USER ARGS...` runs
# custody as that user on $V.

bats_require_minimum_version 1.5.0

_CY_ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
# Relative paths are taken from where bats was started, before any test changes directory.
_cy_abs() {
	case "$1" in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$PWD/$1" ;;
	esac
}
CUSTODY="$(_cy_abs "${CUSTODY:-$_CY_ROOT/build/custody}")"
CUSTODY_SAMPLE="$(_cy_abs "${CUSTODY_SAMPLE:-$_CY_ROOT/build/custody-sample}")"
CUSTODY_TESTDATA="$(_cy_abs "${CUSTODY_TESTDATA:-$_CY_ROOT/../shared/testdata}")"
export CUSTODY CUSTODY_SAMPLE CUSTODY_TESTDATA
# Progress bars only on a terminal anyway; make sure of it.
export CUSTODY_NO_PROGRESS=1
# Messages are asserted in English.
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset LANGUAGE CUSTODY_USER CUSTODY_PASSWORD_FILE

FONDS=Z109
USCC=91350100M000100Y43
# U+00B7 MIDDLE DOT, the separator of DA/T 22 between the class and the year.
# shellcheck disable=SC2034 # used by the test files
DOT=$'\xc2\xb7'

# ---- set-up and tear-down ----

# Per test: a fresh working directory, password files, the vault path.
common_setup() {
	if [ ! -x "$CUSTODY" ]; then
		echo "custody not found at $CUSTODY; build it (ninja -C build) or set CUSTODY" >&2
		return 1
	fi
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
	PW="$T/pw"
	write_passwords "$PW"
	V="$T/vault"
	export CUSTODY_VAULT="$V"
	: >"$T/.pids"
	: >"$T/.mounts"
	: >"$T/.cleanup"
}

# Undo what a test left running or mounted: only the processes and mounts it recorded.
common_teardown() {
	local pid m exe
	if [ -f "$BATS_TEST_TMPDIR/.pids" ]; then
		exe=$(readlink -f "$CUSTODY")
		while read -r pid; do
			# only if that process id is still the custody the test started
			[ -n "$pid" ] && [ "$(readlink -f "/proc/$pid/exe" 2>/dev/null)" = "$exe" ] &&
				kill -9 "$pid" 2>/dev/null
		done <"$BATS_TEST_TMPDIR/.pids"
	fi
	if [ -f "$BATS_TEST_TMPDIR/.mounts" ]; then
		# innermost first
		tac "$BATS_TEST_TMPDIR/.mounts" | while read -r m; do
			[ -n "$m" ] && mountpoint -q "$m" && { umount "$m" || umount -l "$m"; }
		done
	fi
	if [ -f "$BATS_TEST_TMPDIR/.cleanup" ]; then
		while read -r m; do
			[ -n "$m" ] && [ -d "$m" ] && rm -rf "$m"
		done <"$BATS_TEST_TMPDIR/.cleanup"
	fi
	return 0
}

# Remember a background process so that teardown kills it if the test did not.
track_pid() {
	echo "$1" >>"$BATS_TEST_TMPDIR/.pids"
}

track_mount() {
	echo "$1" >>"$BATS_TEST_TMPDIR/.mounts"
}

# A directory outside $BATS_TEST_TMPDIR that teardown removes.
track_dir() {
	echo "$1" >>"$BATS_TEST_TMPDIR/.cleanup"
}

# small_fs DIR KB: mount a filesystem of KB kilobytes at DIR: tmpfs, else an ext2
# image on a loop device.  Fails if neither can be mounted (not root, no loop devices).
small_fs() {
	mkdir -p "$1"
	if mount -t tmpfs -o size="$2"k,mode=0755 tmpfs "$1" 2>/dev/null; then
		track_mount "$1"
		return 0
	fi
	if truncate -s "$2"K "$BATS_TEST_TMPDIR/fs.img" && mkfs.ext2 -q -F "$BATS_TEST_TMPDIR/fs.img" >/dev/null 2>&1 &&
		mount -o loop "$BATS_TEST_TMPDIR/fs.img" "$1" 2>/dev/null; then
		track_mount "$1"
		return 0
	fi
	return 1
}

# fill_fs DIR KB: fill the filesystem of DIR with DIR/filler until about KB kilobytes are left.
fill_fs() {
	local avail
	avail=$(df --output=avail -k "$1" | tail -n 1 | tr -d ' ')
	[ "$avail" -gt "$2" ] || return 0
	head -c $(((avail - $2) * 1024)) /dev/zero >"$1/filler" 2>/dev/null || true
}

write_passwords() {
	mkdir -p "$1"
	local u
	for u in sec li aud vv li2 sys; do
		printf 'pw-%s-correct-horse\n' "$u" >"$1/$u"
	done
}

# Run custody as USER on $V: as li ls --json
as() {
	local u="$1"
	shift
	CUSTODY_USER="$u" CUSTODY_PASSWORD_FILE="$PW/$u" "$CUSTODY" "$@"
}

# as_t SECONDS USER ARGS...: like `as`, under timeout (exit 124 if it hangs).
as_t() {
	local t="$1" u="$2"
	shift 2
	timeout "$t" env CUSTODY_USER="$u" CUSTODY_PASSWORD_FILE="$PW/$u" "$CUSTODY" "$@"
}

# Build the standard vault at DIR (default $V) from scratch.
build_vault() {
	local dir="${1:-$V}" pw="${2:-$PW}"
	"$CUSTODY" init --vault "$dir" --user sec --password-file "$pw/sec" --kdf-cost 10 \
		--recovery-file "$dir.recovery" >/dev/null || return 1
	local u role
	for u in li:archivist aud:auditor vv:viewer; do
		role=${u#*:}
		u=${u%%:*}
		CUSTODY_VAULT="$dir" CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$pw/sec" \
			"$CUSTODY" user add "$u" --role "$role" --new-password-file "$pw/$u" >/dev/null || return 1
	done
	CUSTODY_VAULT="$dir" CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$pw/li" \
		"$CUSTODY" fonds add "$FONDS" --name '福州测试贸易有限公司' --uscc "$USCC" >/dev/null || return 1
}

# In setup_file: build the standard vault once per file; make_vault then copies it.
build_template() {
	write_passwords "$BATS_FILE_TMPDIR/pw"
	build_vault "$BATS_FILE_TMPDIR/template" "$BATS_FILE_TMPDIR/pw"
}

# The standard vault at $V: a copy of the file's template if there is one, else built.
make_vault() {
	if [ -f "$BATS_FILE_TMPDIR/template/CUSTODY-VAULT" ]; then
		cp -a "$BATS_FILE_TMPDIR/template" "$V"
	else
		build_vault "$V"
	fi
}

# ---- data ----

# The python3 interpreter itself: a version manager's shim (pyenv) costs a few hundred
# milliseconds per start, so it is looked up once per run.
python_bin() {
	local cache="${BATS_RUN_TMPDIR:-$BATS_TEST_TMPDIR}/python3-path"
	if [ ! -s "$cache" ]; then
		python3 -c 'import sys; print(sys.executable)' >"$cache.$$" && mv "$cache.$$" "$cache"
	fi
	cat "$cache"
}
PYTHON="$(python_bin)"

# python3 with a few helpers for the tests' own checks.
py() {
	"$PYTHON" -c '
import hashlib, json, os, re, sys, base64, struct, subprocess
def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()
def jl(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]
'"$1" "${@:2}"
}

# Write N small files with distinct content under DIR (some text, some binary).
gen_files() {
	py '
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
for i in range(n):
    sub = os.path.join(d, "part%d" % (i % 3))
    os.makedirs(sub, exist_ok=True)
    if i % 2:
        data = ("记录 %d：客户往来说明，第 %d 行。\n" % (i, i) * (1 + i % 40)).encode()
        name = "doc_%04d.txt" % i
    else:
        data = hashlib.sha256(b"seed%d" % i).digest() * (1 + i % 64) + struct.pack(">I", i)
        name = "blob_%04d.bin" % i
    open(os.path.join(sub, name), "wb").write(data)
' "$1" "$2"
}

# Write a file of SIZE random bytes.
rand_file() {
	head -c "$2" /dev/urandom >"$1"
}

# sha256 of a file, hex.
sha_of() {
	sha256sum "$1" | cut -d' ' -f1
}

# One field of each JSON line on stdin: ... | json_field archive_no
json_field() {
	py '
for l in sys.stdin:
    if l.strip():
        v = json.loads(l)[sys.argv[1]]
        print(str(v).lower() if isinstance(v, bool) else v)
' "$1"
}

# Every file under DIR with its sha256, by path, to compare a tree before and after.
tree_state() {
	(cd "$1" && find . -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
		if [ -f "$f" ]; then
			printf '%s %s %s\n' "$(stat -c %s "$f")" "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
		else
			printf 'd %s\n' "$f"
		fi
	done)
}

# Where a record's object lies: prints "PACKFILE OFFSET LENGTH".
object_of() {
	local row name off len
	row=$(sqlite3 -separator ' ' "$V/catalog.db" \
		"SELECT p.name, o.offset, o.length FROM records r JOIN objects o ON o.id = r.object_id
		 JOIN packs p ON p.id = o.pack_id WHERE r.archive_no = '$1'") || return 1
	[ -n "$row" ] || { echo "no record $1 in the catalog" >&2; return 1; }
	read -r name off len <<<"$row"
	echo "$V/objects/${name:0:2}/${name:2}.pack $off $len"
}

# Flip the lowest bit of the byte at OFFSET of FILE, in place.
flip_bit() {
	py '
f, o = sys.argv[1], int(sys.argv[2])
with open(f, "r+b") as h:
    h.seek(o)
    b = h.read(1)
    assert len(b) == 1, "offset beyond the end"
    h.seek(o)
    h.write(bytes([b[0] ^ 1]))
' "$1" "$2"
}

# ---- assertions (each prints what it saw when it fails) ----

# status_is N: the last `run` exited with N.
status_is() {
	if [ "$status" -ne "$1" ]; then
		printf 'expected exit status %s, got %s; output:\n%s\n' "$1" "$status" "$output" >&2
		[ -z "${stderr:-}" ] || printf 'stderr:\n%s\n' "$stderr" >&2
		return 1
	fi
}

# output_has TEXT...: the last `run`'s output contains each TEXT.
output_has() {
	local s
	for s in "$@"; do
		if [[ "$output" != *"$s"* ]]; then
			printf 'output lacks "%s"; output:\n%s\n' "$s" "$output" >&2
			[ -z "${stderr:-}" ] || printf 'stderr:\n%s\n' "$stderr" >&2
			return 1
		fi
	done
}

output_lacks() {
	local s
	for s in "$@"; do
		if [[ "$output" == *"$s"* ]]; then
			printf 'output has "%s" but must not; output:\n%s\n' "$s" "$output" >&2
			return 1
		fi
	done
}

# stderr_has TEXT...: for `run --separate-stderr`.
stderr_has() {
	local s
	for s in "$@"; do
		if [[ "$stderr" != *"$s"* ]]; then
			printf 'stderr lacks "%s"; stderr:\n%s\nstdout:\n%s\n' "$s" "$stderr" "$output" >&2
			return 1
		fi
	done
}

# equal A B [what]
equal() {
	if [ "$1" != "$2" ]; then
		printf '%s differ:\n  got:  %s\n  want: %s\n' "${3:-values}" "$1" "$2" >&2
		return 1
	fi
}

# verify_listing SRC [USER]: every record that `ls --json` lists has the size and sha256 of
# the file SRC/<source>, and no source is listed twice.  Prints the number of records.
verify_listing() {
	as "${2:-li}" ls --json >"$BATS_TEST_TMPDIR/.listing" || return 1
	py '
rs = jl(open(sys.argv[1]).read())
seen = set()
for r in rs:
    p = os.path.join(sys.argv[2], r["source"])
    assert os.path.isfile(p), ("no source file for", r)
    data = open(p, "rb").read()
    assert r["sha256"] == hashlib.sha256(data).hexdigest() and r["size"] == len(data), ("differs from its source", r)
    assert r["source"] not in seen, ("listed twice", r)
    seen.add(r["source"])
print(len(rs))
' "$BATS_TEST_TMPDIR/.listing" "$1"
}

# Number of records the user sees.
count_records() {
	local out
	out=$(as "${1:-li}" ls --json) || return 1
	grep -c '^{' <<<"$out" || true
}

# Number of ledger entries of one action (read as the auditor): count_action record.read.
# Fails if the ledger cannot be read (a failing `log show` is not "no entries").
count_action() {
	local out
	out=$(as aud log show --json) || return 1
	grep -c "\"action\":\"$1\"" <<<"$out" || true
}

# Number of ledger entries (read as the auditor).
count_entries() {
	local out
	out=$(as aud log show --json) || return 1
	grep -c '^{' <<<"$out" || true
}
