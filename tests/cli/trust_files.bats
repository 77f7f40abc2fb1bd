#!/usr/bin/env bats
# Issue 6 ("Trust"), items 9c, 10, 11 and 12: what an insider who can write files on the
# machine does to the files custody reads and writes, outside the catalog.
#   item 9c  a tree thousands of directories deep
#   item 10  the tree being imported changed under the walk (a directory or a file swapped
#            for a symbolic link, or for another one, between listing and opening)
#   item 11  output files: symbolic links and files planted where `get -o` writes, devices
#   item 12  file modes of the vault; a symbolic link at objects/tmp
#
#   CUSTODY=build/custody bats tests/cli/trust_files.bats
#
# The walk's pause (CUSTODY_TEST_WALK_PAUSE) and the chosen temporary name
# (CUSTODY_TEST_TMPNAME) exist only in builds with tests (CY_TEST_HOOKS): against a build
# without them the tests that need them are skipped, and say so.  Tests that need root
# (another user's file, /dev/null, a device node) are skipped, and say so, when not root.

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

has_hooks() {
	# a build with test hooks refuses a malformed store fault spec
	! CUSTODY_STORE_FAULT=nonsense as li ls >/dev/null 2>&1
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (another user's file, devices)"
}

# import_paused DIR: start `import files DIR` in the background, its walk pausing after
# each directory it lists (CUSTODY_TEST_WALK_PAUSE, FIFOs $T/pause.wait and $T/pause.go);
# its output goes to $T/import.out.
import_paused() {
	mkfifo "$T/pause.wait" "$T/pause.go"
	CUSTODY_TEST_WALK_PAUSE="$T/pause" as_t 120 li import files "$1" --fonds Z109 \
		--class other --year 2020 --json >"$T/import.out" 2>"$T/import.err" &
	IMPORT_PID=$!
	track_pid "$IMPORT_PID"
}

# at_pause DIR: wait until the walk is paused, having listed DIR (relative to the imported
# directory, "." for itself) and looked at its entries, and opened none of them; the
# caller then changes the tree and calls release.
at_pause() {
	local dir
	# read-write: the open never blocks, the read gives up after a minute
	read -r -t 60 dir <>"$T/pause.wait" || {
		echo "the walk did not pause (it ended, or the build has no test hooks)" >&2
		return 1
	}
	equal "$dir" "$1" "the directory the walk paused in"
}

release() {
	timeout 60 sh -c 'printf x >"$1"' _ "$T/pause.go"
}

# finish_import: wait for the paused import; its status in $status, its JSON lines in $output.
finish_import() {
	status=0
	wait "$IMPORT_PID" || status=$?
	output=$(cat "$T/import.out")
	[ "$status" -ne 124 ] || {
		echo "the import hung" >&2
		return 1
	}
}

# The sources of every record li sees, sorted.
sources() {
	as li ls --json | json_field source | LC_ALL=C sort
}

# ---- item 10: the tree changes under the walk ----

@test "item 10: a directory swapped for a symbolic link during import is refused; nothing from outside is imported" {
	has_hooks || skip "needs a build with test hooks (CY_TEST_HOOKS)"
	mkdir -p "$T/in/sub" "$T/outside"
	for i in $(seq 1 40); do
		echo "inside $i" >"$T/in/sub/f$i.txt"
		echo "outside secret $i" >"$T/outside/f$i.txt"
	done
	echo "top" >"$T/in/a.txt"
	import_paused "$T/in"
	at_pause .
	# the walk has listed in/ and seen sub as a directory: swap it for a link to outside/
	mv "$T/in/sub" "$T/sub.moved"
	ln -s "$T/outside" "$T/in/sub"
	release
	finish_import
	[ "$status" -ne 0 ]
	py '
rs = [r for r in jl(sys.argv[1]) if "path" in r]
bad = [r for r in rs if r["status"] != "imported"]
assert [r["path"] for r in rs if r["status"] == "imported"] == ["a.txt"], rs
assert len(bad) == 1 and bad[0]["path"] == "sub" and "replaced during the import" in bad[0]["reason"] \
    and "symbolic link" in bad[0]["reason"], bad
' "$output"
	# what the vault holds: the one file of the tree, nothing of outside/
	equal "$(sources)" "a.txt" "sources of the records"
	equal "$(count_records)" "1" "records"
}

@test "item 10: a directory swapped for another directory during import is refused by its inode" {
	has_hooks || skip "needs a build with test hooks (CY_TEST_HOOKS)"
	mkdir -p "$T/in/sub" "$T/outside"
	for i in $(seq 1 40); do
		echo "inside $i" >"$T/in/sub/f$i.txt"
		echo "outside secret $i" >"$T/outside/f$i.txt"
	done
	echo "top" >"$T/in/a.txt"
	import_paused "$T/in"
	at_pause .
	# a rename, no symbolic link anywhere: only the device and inode tell
	mv "$T/in/sub" "$T/sub.moved"
	mv "$T/outside" "$T/in/sub"
	release
	finish_import
	[ "$status" -ne 0 ]
	py '
rs = [r for r in jl(sys.argv[1]) if "path" in r]
bad = [r for r in rs if r["status"] != "imported"]
assert len(bad) == 1 and bad[0]["path"] == "sub" and "replaced during the import (by another directory)" in bad[0]["reason"], bad
' "$output"
	equal "$(sources)" "a.txt" "sources of the records"
}

@test "item 10: files swapped for a symbolic link or another file after the listing are refused; the rest is imported" {
	has_hooks || skip "needs a build with test hooks (CY_TEST_HOOKS)"
	mkdir -p "$T/in/sub"
	for i in 1 2 3 4; do echo "inside $i" >"$T/in/sub/f$i.txt"; done
	echo "outside secret" >"$T/secret.txt"
	import_paused "$T/in"
	at_pause .
	release
	at_pause sub # its files seen, none opened yet
	mv "$T/in/sub/f1.txt" "$T/f1.moved"
	ln -s "$T/secret.txt" "$T/in/sub/f1.txt"
	# another file under the old name (the old one kept, so that its inode is not reused)
	mv "$T/in/sub/f2.txt" "$T/f2.moved"
	cp "$T/secret.txt" "$T/in/sub/f2.txt"
	release
	finish_import
	[ "$status" -ne 0 ]
	py '
rs = {r["path"]: r for r in jl(sys.argv[1]) if "path" in r}
assert rs["sub/f1.txt"]["status"] == "failed" and "replaced by a symbolic link" in rs["sub/f1.txt"]["reason"], rs
assert rs["sub/f2.txt"]["status"] == "failed" and "replaced during the import (by another file)" in rs["sub/f2.txt"]["reason"], rs
assert rs["sub/f3.txt"]["status"] == "imported" and rs["sub/f4.txt"]["status"] == "imported", rs
' "$output"
	equal "$(sources | tr '\n' ' ')" "sub/f3.txt sub/f4.txt " "sources of the records"
	# no record holds the outside file's bytes
	secret=$(sha_of "$T/secret.txt")
	run as li ls --json
	output_lacks "$secret"
}

# ---- item 9c: a deep tree ----

@test "item 9c: a tree 3,000 directories deep imports without crashing, with few descriptors" {
	# every 100th level holds a file, and the deepest; paths far beyond PATH_MAX
	py '
import os
fd = os.open(sys.argv[1], os.O_RDONLY)
want = []
for i in range(3000):
    os.mkdir("d", dir_fd=fd)
    nfd = os.open("d", os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
    if i % 100 == 0 or i == 2999:
        data = b"level %d\n" % i
        f = os.open("f%d.txt" % i, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(f, data)
        os.close(f)
        want.append(hashlib.sha256(data).hexdigest())
open(sys.argv[2], "w").write("\n".join(sorted(want)) + "\n")
' "$T" "$T/want"
	mv "$T/d" "$T/deep"
	# 200 descriptors: the walk must not hold one per level
	run bash -c 'ulimit -n 200 && CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$1" "$CUSTODY" import files "$2" --fonds Z109 --class other --year 2020 --quiet' _ "$PW/li" "$T/deep"
	status_is 0
	output_has "31 imported"
	equal "$(as li ls --json | json_field sha256 | sort)" "$(cat "$T/want")" "contents of the records"
	as li check >/dev/null
}

@test "item 9c: a deep directory moved during the walk: its parent is found again by name and checked" {
	has_hooks || skip "needs a build with test hooks (CY_TEST_HOOKS)"
	# 80 levels, each with a file after its subdirectory; below level 64 the walk keeps no
	# descriptor of a directory while it is in a subdirectory
	d="$T/in"
	for i in $(seq 0 80); do
		mkdir -p "$d"
		echo "level $i" >"$d/z.txt"
		d="$d/d"
	done
	import_paused "$T/in"
	want=.
	for i in $(seq 0 80); do
		at_pause "$want"
		if [ "$i" -eq 80 ]; then
			# the subtree from level 70 down leaves the imported tree: the walk, back at
			# level 69, cannot reach it through ".." and walks down to it by name again
			mv "$T/in/$(printf 'd/%.0s' $(seq 1 70))" "$T/moved"
		fi
		release
		want="$([ "$want" = . ] && echo d || echo "$want/d")"
	done
	finish_import
	status_is 0
	# every file was one the walk saw, each read once (levels 70-80 after their move)
	equal "$(py 'print(sum(1 for r in jl(sys.argv[1]) if r.get("status") == "imported"))' "$output")" "81" "files imported"
	equal "$(count_records)" "81" "records"
}

# ---- item 11: output files ----

@test "item 11: get -o: a symbolic link planted at the temporary name is not followed" {
	echo "alpha" >"$T/in.txt"
	mkdir "$T/src" && mv "$T/in.txt" "$T/src/"
	as li import files "$T/src" --fonds Z109 --class other --year 2020 --quiet
	no=$(as li ls --json | json_field archive_no)
	mkdir "$T/d"
	echo "victim" >"$T/victim"
	# the foundation's fixed name: a link there once received the plaintext
	ln -s "$T/victim" "$T/d/out.custody-partial"
	if has_hooks; then
		# the random name made known to the test: a link planted exactly there
		ln -s "$T/victim" "$T/d/.planted"
		CUSTODY_TEST_TMPNAME=.planted as li get "$no" -o "$T/d/out"
		[ -L "$T/d/.planted" ]
	else
		as li get "$no" -o "$T/d/out"
		echo "# CUSTODY_TEST_TMPNAME not built in: the planted name tested only at the old fixed name" >&3
	fi
	equal "$(cat "$T/victim")" "victim" "the link's target"
	equal "$(cat "$T/d/out")" "alpha" "the output"
	[ -L "$T/d/out.custody-partial" ]
	equal "$(stat -c %a "$T/d/out")" "600" "the output's mode"
}

@test "item 11: get -o: a symbolic link at the target is refused, with or without --force" {
	echo "alpha" >"$T/a.txt"
	mkdir "$T/src" && mv "$T/a.txt" "$T/src/"
	as li import files "$T/src" --fonds Z109 --class other --year 2020 --quiet
	no=$(as li ls --json | json_field archive_no)
	echo "victim" >"$T/victim"
	ln -s "$T/victim" "$T/link"
	for force in "" "--force"; do
		# shellcheck disable=SC2086
		run as li get "$no" -o "$T/link" $force
		status_is 1
		output_has "'$T/link' is a symbolic link"
		[ -L "$T/link" ]
		equal "$(cat "$T/victim")" "victim" "the link's target"
	done
	equal "$(ls -A "$T" | grep -c '^\.custody-' || true)" "0" "temporary files left"
}

@test "item 11: get -o: a file planted by another user at the target never receives the plaintext" {
	need_root
	echo "the plaintext" >"$T/a.txt"
	mkdir "$T/src" && mv "$T/a.txt" "$T/src/"
	as li import files "$T/src" --fonds Z109 --class other --year 2020 --quiet
	no=$(as li ls --json | json_field archive_no)
	mkdir "$T/d"
	echo "planted" >"$T/d/out"
	chown nobody "$T/d/out"
	chmod 666 "$T/d/out"
	# the attacker's own handle on the planted inode (a hard link of hers)
	ln "$T/d/out" "$T/attacker-view"
	run as li get "$no" -o "$T/d/out"
	status_is 1
	output_has "'$T/d/out' exists: use --force to replace it"
	as li get "$no" -o "$T/d/out" --force
	equal "$(cat "$T/d/out")" "the plaintext" "the output"
	equal "$(stat -c '%U %a' "$T/d/out")" "root 600" "the output's owner and mode"
	equal "$(cat "$T/attacker-view")" "planted" "the planted inode"
}

@test "item 11: get -o /dev/null and a FIFO: refused without --force, written into with it, never replaced" {
	need_root
	echo "alpha" >"$T/a.txt"
	mkdir "$T/src" && mv "$T/a.txt" "$T/src/"
	as li import files "$T/src" --fonds Z109 --class other --year 2020 --quiet
	no=$(as li ls --json | json_field archive_no)
	run as li get "$no" -o /dev/null
	status_is 1
	output_has "'/dev/null' is a character device: use --force to write into it"
	as li get "$no" -o /dev/null --force
	equal "$(stat -c %F /dev/null)" "character special file" "/dev/null"
	equal "$(ls -A /dev | grep -c '^\.custody-' || true)" "0" "temporary files in /dev"
	# a device node of the test's own, the same
	mknod "$T/null" c 1 3
	as li get "$no" -o "$T/null" --force
	equal "$(stat -c %F "$T/null")" "character special file" "the device node"
	# a FIFO: its reader gets the bytes
	mkfifo "$T/fifo"
	cat "$T/fifo" >"$T/from-fifo" &
	as li get "$no" -o "$T/fifo" --force
	wait
	equal "$(cat "$T/from-fifo")" "alpha" "what the FIFO's reader got"
	equal "$(stat -c %F "$T/fifo")" "fifo" "the FIFO"
}

@test "item 11: init --recovery-file goes through the same checks: no link followed, no file replaced" {
	echo "victim" >"$T/victim"
	ln -s "$T/victim" "$T/rk"
	run "$CUSTODY" init --vault "$T/v2" --user sec --password-file "$PW/sec" --kdf-cost 10 --recovery-file "$T/rk"
	# the vault exists; the key is not lost: shown on stderr instead
	status_is 0
	output_has "cannot write the recovery key to '$T/rk'" "is a symbolic link" "CUSTODY-RECOVERY-1-"
	equal "$(cat "$T/victim")" "victim" "the link's target"
	run "$CUSTODY" init --vault "$T/v3" --user sec --password-file "$PW/sec" --kdf-cost 10 --recovery-file "$T/victim"
	status_is 0
	output_has "'$T/victim' exists"
	equal "$(cat "$T/victim")" "victim" "the existing file"
}

# ---- item 12: file modes ----

@test "item 12: catalog.db, -wal, -shm, objects and packs are private whatever the umask; other accounts read nothing" {
	rm -rf "$V"
	umask 000
	build_vault "$V"
	mkdir "$T/src"
	for i in 1 2 3; do echo "file $i" >"$T/src/f$i.txt"; done
	as li import files "$T/src" --fonds Z109 --class other --year 2020 --quiet
	equal "$(find "$V" -perm /077 | wc -l)" "0" "vault files open to group or others"
	[ -n "$(find "$V/objects" -name '*.pack')" ]
	equal "$(stat -c %a "$V" "$V/catalog.db" "$V/objects" "$V/objects/tmp" | tr '\n' ' ')" "700 600 700 700 " "modes"
	if has_hooks; then
		# while custody has the catalog open, -wal and -shm exist: private too
		mkdir "$T/src2" && echo "more" >"$T/src2/g.txt"
		import_paused "$T/src2"
		at_pause .
		ls "$V" >"$T/listing"
		walshm=$(stat -c '%n %a' "$V/catalog.db-wal" "$V/catalog.db-shm")
		release
		finish_import
		status_is 0
		equal "$walshm" "$V/catalog.db-wal 600
$V/catalog.db-shm 600" "modes of -wal and -shm"
	fi
	if [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null; then
		# another local account, on a path it can walk up to the vault: reads nothing
		D=$(mktemp -d /tmp/tf.XXXXXX)
		track_dir "$D"
		chmod 755 "$D"
		umask 022
		build_vault "$D/v"
		runuser -u nobody -- ls "$D" >/dev/null
		run runuser -u nobody -- cat "$D/v/catalog.db"
		[ "$status" -ne 0 ]
		output_has "Permission denied"
	else
		echo "# not root: the other-account read was not tried" >&3
	fi
}

@test "item 12: init refuses an existing directory open to group or others; --tighten makes it 0700" {
	rm -rf "$V"
	mkdir -m 755 "$V"
	run "$CUSTODY" init --vault "$V" --user sec --password-file "$PW/sec" --kdf-cost 10
	status_is 6
	output_has "$V is open to group or others (mode 755): run 'chmod 700 $V' first, or pass --tighten"
	equal "$(ls -A "$V")" "" "files created in the refused directory"
	run "$CUSTODY" init --vault "$V" --user sec --password-file "$PW/sec" --kdf-cost 10 --tighten
	status_is 0
	equal "$(stat -c %a "$V")" "700" "mode after --tighten"
	[ -f "$V/CUSTODY-VAULT" ]
}

@test "item 12: a symbolic link at objects/tmp makes open fail and removes nothing elsewhere" {
	mkdir "$T/elsewhere"
	# a file of the kind clean() removes: an unlocked *.pack
	echo "someone else's data" >"$T/elsewhere/victim.pack"
	rm -rf "$V/objects/tmp"
	ln -s "$T/elsewhere" "$V/objects/tmp"
	run as li ls
	[ "$status" -ne 0 ]
	output_has "objects/tmp is a symbolic link: the vault was tampered with"
	[ -f "$T/elsewhere/victim.pack" ]
	# objects itself, the same
	rm "$V/objects/tmp"
	mkdir "$V/objects/tmp"
	mv "$V/objects" "$T/objects.real"
	ln -s "$T/objects.real" "$V/objects"
	run as li ls
	[ "$status" -ne 0 ]
	output_has "objects is a symbolic link: the vault was tampered with"
}

@test "item 12: check reports vault files that group or others may use, and symbolic links" {
	as li check >/dev/null
	chmod 644 "$V/catalog.db"
	chmod 755 "$V/objects"
	run as li check
	[ "$status" -ne 0 ]
	output_has "vault file catalog.db can be used by group or others (mode 0644)" \
		"vault file objects can be used by group or others (mode 0755)"
	# a link planted among the packs' directories: named, never followed
	chmod 600 "$V/catalog.db"
	chmod 700 "$V/objects"
	mkdir "$T/elsewhere"
	ln -s "$T/elsewhere" "$V/objects/ee"
	run as li check
	[ "$status" -ne 0 ]
	output_has "vault file objects/ee is a symbolic link: custody never makes one; the vault was tampered with"
	output_lacks "mode 0"
}

@test "item 12: a symbolic link in place of objects/XX is never followed: reads and writes refuse it" {
	mkdir -p "$T/in"
	echo "客户资料 one" >"$T/in/one.txt"
	as li import files "$T/in" --fonds Z109 --class customer --year 2019 >/dev/null
	local sub
	sub=$(cd "$V/objects" && ls -d [0-9a-f][0-9a-f] | head -1)
	# the subdirectory moved away and a link put in its place, pointing at the real one
	mv "$V/objects/$sub" "$T/moved"
	ln -s "$T/moved" "$V/objects/$sub"
	run --separate-stderr as li get "Z109-KH${DOT}2019-D30-0001" -o -
	[ "$status" -ne 0 ]
	stderr_has "objects/$sub is a symbolic link or not a directory: the vault was tampered with"
	[[ "$output" != *"客户资料"* ]]
	run as li check
	[ "$status" -ne 0 ]
	output_has "vault file objects/$sub is a symbolic link"
	# links for every other subdirectory too: a new pack is never written through one
	for i in $(seq 0 255); do
		d=$(printf %02x "$i")
		[ -e "$V/objects/$d" ] || [ -L "$V/objects/$d" ] || ln -s "$T/moved" "$V/objects/$d"
	done
	mkdir -p "$T/in2"
	echo "two" >"$T/in2/two.txt"
	run --separate-stderr as li import files "$T/in2" --fonds Z109 --class customer --year 2019
	[ "$status" -ne 0 ]
	stderr_has "is a symbolic link or not a directory: the vault was tampered with"
	[ "$(ls "$T/moved" | wc -l)" = 1 ]
}
