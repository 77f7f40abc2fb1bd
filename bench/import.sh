#!/bin/bash
# shellcheck disable=SC2317  # run_*, the traps and helpers are called indirectly
# bench/import.sh BUILD_DIR [options]   (`make bench` runs `bench/import.sh build`)
#
# The import benchmark: generate a tree once (a large set of 128 files of 8 MiB
# = 1 GiB, and a small set of 20,000 files of 1..16 KiB in 100 subdirectories),
# then, for each set separately and in the same run, with a warm page cache:
#   custody  fresh vault, time only `custody import files DIR --fonds .. --class other --year 2024 --quiet`
#   restic   `restic backup DIR` into a fresh encrypted repository (0.14: zstd "auto")
#   borg     `borg create repo::a DIR` into a fresh repokey repository (lz4)
#   dd       `dd if=/dev/zero bs=8M conv=fsync` of the same byte count: the disk's
#            durable write limit (dd-data: the large set's own bytes piped into dd)
# It prints a table (seconds, MB/s, files/s, peak RSS) and the targets, each with
# PASS or MISS.  Repositories, vaults and dd files live next to the data on the
# same disk and are removed afterwards; the generated data is kept for the next
# run unless --clean.  MB are 10^6 bytes; MiB are 2^20.  First, if strace is
# there, a probe counts each tool's fsync-family calls on a small sample, to show
# which of them make their writes durable.
#
# options:
#   --quick        1/8 of the data (16 x 8 MiB, 2,500 small files): a smoke run
#                  (also BENCH_QUICK=1)
#   --runs N       time each tool N times and report the median (default 1;
#                  also BENCH_RUNS)
#   --sets LIST    large,small (default both)
#   --tools LIST   custody,restic,borg,dd (default all; dd-data comes with dd)
#   --profile      after the timed runs, run custody's import of each set again
#                  under `perf stat`, `perf record` (CPU by thread, library and
#                  symbol) and `strace -c -w -f` (wall time in system calls)
#   --strict       exit 3 if a target is missed (default: exit 0, print MISS)
#   --clean        remove the generated data at the end as well
#   --help         this text
# environment: BENCH_DIR (work directory; default /var/tmp/custody-bench, never
# tmpfs), BENCH_QUICK, BENCH_RUNS.
# exit: 0 done, 1 a tool failed or bad setup, 2 usage, 3 a target missed (--strict)
set -euo pipefail

DATA_VERSION=1
usage() { sed -n '3,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

# ---------------------------------------------------------------- arguments
BUILD=""
QUICK=${BENCH_QUICK:-0}
RUNS=${BENCH_RUNS:-1}
SETS="large,small"
TOOLS="custody,restic,borg,dd"
PROFILE=0
STRICT=0
CLEAN=0
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1 ;;
	--runs) RUNS=${2:?--runs needs a number}; shift ;;
	--runs=*) RUNS=${1#*=} ;;
	--sets) SETS=${2:?--sets needs a list}; shift ;;
	--sets=*) SETS=${1#*=} ;;
	--tools) TOOLS=${2:?--tools needs a list}; shift ;;
	--tools=*) TOOLS=${1#*=} ;;
	--profile) PROFILE=1 ;;
	--strict) STRICT=1 ;;
	--clean) CLEAN=1 ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "bench: unknown option '$1' (see --help)" >&2; exit 2 ;;
	*)
		[ -z "$BUILD" ] || { echo "bench: one build directory only (see --help)" >&2; exit 2; }
		BUILD=$1 ;;
	esac
	shift
done
BUILD=${BUILD:-build}
case "$RUNS" in '' | *[!0-9]* | 0) echo "bench: --runs wants a positive number" >&2; exit 2 ;; esac
[ "$QUICK" = 1 ] || QUICK=0
has() { case ",$2," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
for s in ${SETS//,/ }; do
	case "$s" in large | small) ;; *) echo "bench: unknown set '$s' (large, small)" >&2; exit 2 ;; esac
done
for t in ${TOOLS//,/ }; do
	case "$t" in custody | restic | borg | dd) ;; *) echo "bench: unknown tool '$t' (custody, restic, borg, dd)" >&2; exit 2 ;; esac
done

CUSTODY="$BUILD/custody"
[ -x "$CUSTODY" ] || { echo "bench: no $CUSTODY: build it first (make, or ninja -C $BUILD)" >&2; exit 1; }
CUSTODY=$(cd "$(dirname "$CUSTODY")" && pwd)/custody

# ---------------------------------------------------------------- tools
need=(/usr/bin/time dd openssl python3 find xargs sync awk)
has restic "$TOOLS" && need+=(restic)
has borg "$TOOLS" && need+=(borg)
missing=""
for t in "${need[@]}"; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
	echo "bench: missing:$missing" >&2
	echo "bench: run scripts/deps.sh bench (Debian packages: time restic borgbackup openssl python3)" >&2
	exit 1
fi

# ---------------------------------------------------------------- work directory
WORK=${BENCH_DIR:-/var/tmp/custody-bench}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
fstype=$(df -PT "$WORK" | awk 'NR == 2 { print $2 }')
if [ "$fstype" = tmpfs ] || [ "$fstype" = ramfs ]; then
	echo "bench: $WORK is on $fstype: set BENCH_DIR to a directory on a real disk" >&2
	exit 1
fi
RUN=$(mktemp -d "$WORK/run.XXXXXX")
cleanup() {
	rm -rf "$RUN"
	if [ "$CLEAN" = 1 ]; then rm -rf "$WORK"/data-v*; rmdir "$WORK" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'echo "bench: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

if [ "$QUICK" = 1 ]; then
	SCALE=quick LARGE_N=16 SMALL_N=2500
else
	SCALE=full LARGE_N=128 SMALL_N=20000
fi
LARGE_SIZE=$((8 << 20))
SMALL_DIRS=100
DATA="$WORK/data-v$DATA_VERSION-$SCALE"
MARKER="custody-bench data v$DATA_VERSION: large $LARGE_N x $LARGE_SIZE B (aes-128-ctr keystream); small $SMALL_N files 1..16 KiB in $SMALL_DIRS dirs (python random seed 20240601)"

# ---------------------------------------------------------------- data
gen_large() { # DIR: LARGE_N files of 8 MiB, AES-128-CTR keystream under a fixed key, IV = file number
	local dir=$1 i zero="$1/.zero"
	mkdir -p "$dir"
	head -c "$LARGE_SIZE" /dev/zero >"$zero"
	for ((i = 0; i < LARGE_N; i++)); do
		openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
			-iv "$(printf '%032x' "$((i << 40))")" -in "$zero" -out "$(printf '%s/big-%03d.bin' "$dir" "$i")"
	done
	rm -f "$zero"
	touch -d '2023-06-01 12:00:00' "$dir"/*.bin
}

gen_small() { # DIR: SMALL_N files, sizes 1..16 KiB, half random bytes, half text-like UTF-8
	python3 - "$1" "$SMALL_N" "$SMALL_DIRS" <<'EOF'
import os, random, sys
out, n, ndirs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(20240601)
letters = "abcdefghijklmnopqrstuvwxyz"
vocab = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 10))) for _ in range(3000)]
vocab += ["客户", "合同", "发票", "收据", "账户", "余额", "日期", "金额", "地址", "电话",
          "有限公司", "档案", "转让", "合并", "注销", "编号", "¥", "2023-06-01", "0.00", "100.00"]
vocab += [str(rng.randint(0, 999999)) for _ in range(500)]
def text(size):
    parts, total = [], 0
    while total < size:
        line = " ".join(rng.choices(vocab, k=rng.randint(4, 16))) + "\n"
        parts.append(line)
        total += len(line.encode())
    return "".join(parts).encode()[:size]
for d in range(ndirs):
    os.makedirs(os.path.join(out, "d%03d" % d), exist_ok=True)
t = 1685620800  # 2023-06-01
for i in range(n):
    size = rng.randint(1024, 16384)
    d = rng.randrange(ndirs)
    if i % 2:
        data, ext = rng.randbytes(size), "bin"
    else:
        data, ext = text(size), "txt"
    p = os.path.join(out, "d%03d" % d, "rec-%05d.%s" % (i, ext))
    with open(p, "wb") as f:
        f.write(data)
    os.utime(p, (t, t))
EOF
}

if [ -f "$DATA/.complete" ] && [ "$(cat "$DATA/.complete")" = "$MARKER" ]; then
	echo "== data: reusing $DATA"
else
	echo "== data: generating $DATA (once; kept for later runs, --clean removes it)"
	rm -rf "$DATA" "$DATA.tmp"
	mkdir -p "$DATA.tmp"
	t0=$(date +%s)
	gen_large "$DATA.tmp/large"
	gen_small "$DATA.tmp/small"
	echo "$MARKER" >"$DATA.tmp/.complete"
	mv "$DATA.tmp" "$DATA"
	sync
	echo "   generated in $(($(date +%s) - t0)) s"
fi

declare -A FILES BYTES
for s in large small; do
	FILES[$s]=$(find "$DATA/$s" -type f | wc -l)
	BYTES[$s]=$(find "$DATA/$s" -type f -printf '%s\n' | awk '{ b += $1 } END { printf "%d", b }')
done

# ---------------------------------------------------------------- header
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
buildtype=$(python3 -c 'import json,sys
try:
    d = {o["name"]: o["value"] for o in json.load(open(sys.argv[1]))}
    print(d.get("buildtype", "?"), "b_sanitize=" + str(d.get("b_sanitize", "?")))
except Exception:
    print("unknown")' "$BUILD/meson-info/intro-buildoptions.json" 2>/dev/null || echo unknown)
echo "== custody import benchmark ($SCALE data, $RUNS run(s) per tool, median reported)"
echo "   date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "   machine:  $(nproc) cores ($cpu), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   custody:  $CUSTODY ($buildtype; $(date -r "$CUSTODY" -u '+built %Y-%m-%d %H:%M:%S UTC'))"
if has restic "$TOOLS"; then echo "   restic:   $(restic version | head -n 1)"; fi
if has borg "$TOOLS"; then echo "   borg:     $(borg --version)"; fi
echo "   large:    ${FILES[large]} files, ${BYTES[large]} bytes"
echo "   small:    ${FILES[small]} files, ${BYTES[small]} bytes"
if awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
	echo "   WARNING:  load average above half the cores: other processes are competing; figures will be low and noisy"
fi
echo "   work dir: $WORK"
df -hT "$WORK" | sed 's/^/   /'

# ---------------------------------------------------------------- helpers
warm() { # read the tree so every tool starts with the same warm page cache
	find "$1" -type f -print0 | xargs -0 cat >/dev/null
}

# timed LOG CMD...: run under /usr/bin/time -v after `sync` (so nobody pays for
# earlier writes); sets T_SECS (wall clock, ns resolution) and T_RSS (KiB).
timed() {
	local log=$1 tv="$1.time" t0 t1 rc=0
	shift
	sync
	t0=$(date +%s%N)
	/usr/bin/time -v -o "$tv" "$@" >"$log" 2>&1 || rc=$?
	t1=$(date +%s%N)
	T_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	T_RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tv")
	T_RSS=${T_RSS:-0}
	return "$rc"
}

fail_log() { # TOOL SET LOG
	echo "   !! $1 ($2) failed; last lines of its output:" >&2
	tail -n 15 "$3" | sed 's/^/      /' >&2
}

declare -A SECS RSS STORED
FAILED=0

record() { # KEY: append this run's figures
	SECS[$1]="${SECS[$1]:-} $T_SECS"
	[ "${RSS[$1]:-0}" -ge "$T_RSS" ] || RSS[$1]=$T_RSS
	printf '   %-14s run %d/%d %9.2f s %8.1f MiB\n' "$1" "$run" "$RUNS" "$T_SECS" \
		"$(awk -v r="$T_RSS" 'BEGIN { printf "%.1f", r / 1024 }')"
}

PW_SEC="$RUN/pw-secadmin" PW_ARCH="$RUN/pw-archivist"
(umask 077 && echo "bench-secadmin-passphrase-1" >"$PW_SEC" && echo "bench-archivist-passphrase-1" >"$PW_ARCH")

custody_vault() { # VAULT: a fresh vault with a secadmin, an archivist and fonds B001
	local v=$1
	"$CUSTODY" init --vault "$v" --user sec --password-file "$PW_SEC" --kdf-cost 10 \
		--recovery-file "$RUN/recovery-$$-$RANDOM" >/dev/null
	"$CUSTODY" user add arch --role archivist --vault "$v" --user sec --password-file "$PW_SEC" \
		--new-password-file "$PW_ARCH" >/dev/null
	"$CUSTODY" fonds add B001 --name "Bench Co." --vault "$v" --user arch --password-file "$PW_ARCH" >/dev/null
}

run_custody() { # SET
	local set=$1 v="$RUN/vault" log="$RUN/custody-$1.log" n
	rm -rf "$v" "$RUN"/recovery-*
	custody_vault "$v"
	warm "$DATA/$set"
	if ! timed "$log" "$CUSTODY" import files "$DATA/$set" --fonds B001 --class other --year 2024 --quiet \
		--vault "$v" --user arch --password-file "$PW_ARCH"; then
		fail_log custody "$set" "$log"; FAILED=1; rm -rf "$v"; return 0
	fi
	n=$(sed -n 's/^\([0-9][0-9]*\) imported.*/\1/p' "$log" | tail -n 1)
	if [ "${n:-x}" != "${FILES[$set]}" ]; then
		echo "   !! custody ($set) imported '${n:-?}' of ${FILES[$set]} files:" >&2
		tail -n 5 "$log" | sed 's/^/      /' >&2
		FAILED=1
	fi
	record "custody/$set"
	STORED[custody/$set]=$(du -sb "$v" | cut -f1)
	rm -rf "$v"
}

run_restic() { # SET
	local set=$1 r="$RUN/restic" log="$RUN/restic-$1.log"
	rm -rf "$r" "$RUN/restic-cache"
	RESTIC_REPOSITORY="$r" restic init >"$log.init" 2>&1 || { fail_log restic "$set" "$log.init"; FAILED=1; return 0; }
	RESTIC_VERSION_OF_REPO=$(RESTIC_REPOSITORY="$r" restic cat config 2>/dev/null | sed -n 's/.*"version": *\([0-9]*\).*/\1/p')
	warm "$DATA/$set"
	if ! RESTIC_REPOSITORY="$r" timed "$log" restic backup "$DATA/$set"; then
		fail_log restic "$set" "$log"; FAILED=1; rm -rf "$r"; return 0
	fi
	record "restic/$set"
	STORED[restic/$set]=$(du -sb "$r" | cut -f1)
	rm -rf "$r" "$RUN/restic-cache"
}

run_borg() { # SET
	local set=$1 r="$RUN/borg" log="$RUN/borg-$1.log"
	rm -rf "$r" "$RUN/borg-base"
	mkdir -p "$RUN/borg-base"
	borg init -e repokey "$r" >"$log.init" 2>&1 || { fail_log borg "$set" "$log.init"; FAILED=1; return 0; }
	warm "$DATA/$set"
	if ! timed "$log" borg create "$r::a" "$DATA/$set"; then
		fail_log borg "$set" "$log"; FAILED=1; rm -rf "$r"; return 0
	fi
	record "borg/$set"
	STORED[borg/$set]=$(du -sb "$r" | cut -f1)
	rm -rf "$r" "$RUN/borg-base"
}

run_dd() { # SET: zeros of the same byte count; for the large set also the set's own bytes
	local set=$1 f="$RUN/dd.out" log="$RUN/dd-$1.log"
	rm -f "$f"
	if ! timed "$log" dd if=/dev/zero of="$f" bs=8M count="${BYTES[$set]}" iflag=count_bytes conv=fsync; then
		fail_log dd "$set" "$log"; FAILED=1; rm -f "$f"; return 0
	fi
	record "dd/$set"
	STORED[dd/$set]=${BYTES[$set]}
	rm -f "$f"
	if [ "$set" = large ]; then
		warm "$DATA/$set"
		# shellcheck disable=SC2016  # expanded by the inner bash
		if ! timed "$log" bash -o pipefail -c 'cat "$1"/* | dd of="$2" bs=8M iflag=fullblock conv=fsync' \
			_ "$DATA/$set" "$f"; then
			fail_log dd-data "$set" "$log"; FAILED=1; rm -f "$f"; return 0
		fi
		record "dd-data/$set"
		STORED[dd-data/$set]=${BYTES[$set]}
		rm -f "$f"
	fi
}

export RESTIC_PASSWORD="bench-restic-passphrase-1" RESTIC_CACHE_DIR="$RUN/restic-cache"
export RESTIC_PROGRESS_FPS=0.2
export BORG_PASSPHRASE="bench-borg-passphrase-1" BORG_BASE_DIR="$RUN/borg-base"
export BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
export BORG_CHECK_I_KNOW_WHAT_I_AM_DOING=NO BORG_DELETE_I_KNOW_WHAT_I_AM_DOING=NO

# ---------------------------------------------------------------- durability probe
# Which of the tools make their writes durable: count fsync-family calls while
# each stores a small sample (2 large files, 200 small ones).  Needs strace.
declare -A SYNCS
probe_syncs() {
	local p="$RUN/probe" out="$RUN/probe.strace" t
	command -v strace >/dev/null 2>&1 || return 0
	mkdir -p "$p/in/d"
	cp "$DATA/large/big-000.bin" "$DATA/large/big-001.bin" "$p/in/"
	find "$DATA/small" -type f | sort | sed -n '1,200p' | xargs cp -t "$p/in/d/"
	for t in ${TOOLS//,/ }; do
		rm -f "$out"
		case $t in
		custody)
			rm -rf "$p/vault"; custody_vault "$p/vault"
			strace -f -c -o "$out" -e trace=fsync,fdatasync,sync_file_range,syncfs,sync,msync \
				"$CUSTODY" import files "$p/in" --fonds B001 --class other --year 2024 --quiet \
				--vault "$p/vault" --user arch --password-file "$PW_ARCH" >/dev/null 2>&1 || true ;;
		restic)
			RESTIC_REPOSITORY="$p/restic" restic init >/dev/null 2>&1 || true
			RESTIC_REPOSITORY="$p/restic" strace -f -c -o "$out" -e trace=fsync,fdatasync,sync_file_range,syncfs,sync,msync \
				restic backup "$p/in" >/dev/null 2>&1 || true ;;
		borg)
			borg init -e repokey "$p/borg" >/dev/null 2>&1 || true
			strace -f -c -o "$out" -e trace=fsync,fdatasync,sync_file_range,syncfs,sync,msync \
				borg create "$p/borg::a" "$p/in" >/dev/null 2>&1 || true ;;
		dd) continue ;;
		esac
		SYNCS[$t]=$(awk '$NF ~ /^(fsync|fdatasync|sync_file_range|syncfs|sync|msync)$/ {
				n = ($4 ~ /^[0-9]+$/) ? $4 : $3; s = s (s ? ", " : "") n " " $NF }
			END { print s ? s : "none" }' "$out" 2>/dev/null || echo "?")
	done
	rm -rf "$p" "$RUN/borg-base"
	mkdir -p "$RUN/borg-base"
}

# ---------------------------------------------------------------- timed runs
echo "== durability probe (strace, 2 large + 200 small files; fsync-family calls)"
probe_syncs
if command -v strace >/dev/null 2>&1; then
	for t in custody restic borg; do
		has $t "$TOOLS" && printf '   %-8s %s\n' "$t" "${SYNCS[$t]:-?}"
	done
else
	echo "   (strace not installed: skipped)"
fi

echo "== timed runs (seconds, peak RSS)"
for set in large small; do
	has $set "$SETS" || continue
	for ((run = 1; run <= RUNS; run++)); do
		for t in dd custody restic borg; do
			has $t "$TOOLS" || continue
			"run_$t" "$set"
		done
	done
done

# ---------------------------------------------------------------- table
median() { # numbers... -> median
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
declare -A MED
for k in "${!SECS[@]}"; do
	# shellcheck disable=SC2086
	MED[$k]=$(median ${SECS[$k]})
done

echo
echo "== results (MB = 10^6 bytes; peak RSS = max resident set size; stored = repository/vault size)"
printf '%-8s %-6s %7s %9s %9s %9s %10s %9s %10s\n' tool set files MB seconds MB/s files/s "RSS MiB" "stored MiB"
for set in large small; do
	has $set "$SETS" || continue
	for t in dd dd-data custody restic borg; do
		k="$t/$set"
		[ -n "${MED[$k]:-}" ] || continue
		files=${FILES[$set]}
		case $t in dd | dd-data) files=1 ;; esac
		awk -v t="$t" -v s="$set" -v f="$files" -v b="${BYTES[$set]}" -v sec="${MED[$k]}" \
			-v rss="${RSS[$k]}" -v st="${STORED[$k]:-0}" 'BEGIN {
			fps = (t ~ /^dd/) ? "-" : sprintf("%.0f", f / sec)
			printf "%-8s %-6s %7d %9.1f %9.2f %9.1f %10s %9.1f %10.1f\n", t, s, f, b / 1e6, sec, b / 1e6 / sec, fps, rss / 1024, st / 1048576 }'
	done
done

# ---------------------------------------------------------------- targets
echo
echo "== targets"
MISSED=0
target() { # LABEL VALUE OP LIMIT UNIT
	local label=$1 val=$2 op=$3 lim=$4 unit=${5:-}
	if [ -z "$val" ]; then
		printf '   %-48s %10s   (not measured)\n' "$label" "n/a"
		return
	fi
	local ok
	ok=$(awk -v v="$val" -v l="$lim" -v op="$op" 'BEGIN { print (op == "<=" ? v <= l : op == "<" ? v < l : v >= l) ? "PASS" : "MISS" }')
	[ "$ok" = PASS ] || MISSED=1
	printf '   %-48s %10s   target %s %s%s   %s\n' "$label" "$val$unit" "$op" "$lim" "$unit" "$ok"
}
ratio() { # A B -> A/B
	[ -n "${1:-}" ] && [ -n "${2:-}" ] || return 0
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}
# time ratio custody/dd; throughput and files/s ratios custody/restic = restic time / custody time
target "large: custody time / dd conv=fsync time" "$(ratio "${MED[custody/large]:-}" "${MED[dd/large]:-}")" "<=" 1.25
target "large: custody MB/s / restic MB/s" "$(ratio "${MED[restic/large]:-}" "${MED[custody/large]:-}")" ">=" 2
target "small: custody files/s / restic files/s" "$(ratio "${MED[restic/small]:-}" "${MED[custody/small]:-}")" ">=" 2
rss=""
for set in large small; do
	r=${RSS[custody/$set]:-}
	[ -n "$r" ] || continue
	[ -n "$rss" ] && [ "$rss" -ge "$r" ] || rss=$r
done
target "custody peak RSS (max over sets)" "$([ -n "$rss" ] && awk -v r="$rss" 'BEGIN { printf "%.1f", r / 1024 }')" "<" 100 " MiB"
echo "   for reference:"
info() { if [ -n "$2" ]; then printf '   %-48s %10s\n' "$1" "$2"; fi; }
[ -z "${RESTIC_VERSION_OF_REPO:-}" ] || echo "   restic repositories: format version $RESTIC_VERSION_OF_REPO$([ "$RESTIC_VERSION_OF_REPO" = 2 ] && echo ' (compression auto = zstd)')"
info "large: custody time / dd-data time" "$(ratio "${MED[custody/large]:-}" "${MED[dd-data/large]:-}")"
info "large: custody MB/s / borg MB/s" "$(ratio "${MED[borg/large]:-}" "${MED[custody/large]:-}")"
info "small: custody time / dd time (same bytes)" "$(ratio "${MED[custody/small]:-}" "${MED[dd/small]:-}")"
info "small: custody files/s / borg files/s" "$(ratio "${MED[borg/small]:-}" "${MED[custody/small]:-}")"
if has restic "$TOOLS" && [ -n "${SYNCS[restic]:-}" ]; then
	echo "   durability: custody ${SYNCS[custody]:-?}; restic ${SYNCS[restic]}; borg ${SYNCS[borg]:-?} (probe above)"
fi
echo "   load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine skews the figures)"

# ---------------------------------------------------------------- profile
# profile_run SET CMD...: a fresh vault, a warm cache, then custody's import of SET under CMD
profile_run() {
	local set=$1
	shift
	rm -rf "$RUN/vault"
	custody_vault "$RUN/vault"
	warm "$DATA/$set"
	sync
	"$@" "$CUSTODY" import files "$DATA/$set" --fonds B001 --class other --year 2024 --quiet \
		--vault "$RUN/vault" --user arch --password-file "$PW_ARCH"
}
if [ "$PROFILE" = 1 ] && has custody "$TOOLS"; then
	echo
	echo "== profile of custody import (untimed re-runs; perf and strace slow it down)"
	for set in large small; do
		has $set "$SETS" || continue
		if command -v perf >/dev/null 2>&1; then
			echo "-- perf stat, $set"
			profile_run "$set" perf stat -e task-clock,context-switches,page-faults 2>&1 |
				grep -E 'imported|task-clock|context-switches|page-faults|seconds' | sed 's/^ */   /' || true
			echo "-- perf record, $set: share of CPU samples by thread and library, then top symbols"
			profile_run "$set" perf record -q -F 999 -o "$RUN/perf.data" >/dev/null 2>&1 || true
			perf script -i "$RUN/perf.data" -F tid,ip,sym,dso 2>/dev/null | awk '
				{ tid = $1; dso = $NF; sub(/.*\//, "", dso); sub(/\)$/, "", dso); sub(/^\(/, "", dso); sym = $3
				  if (!(tid in first)) { first[tid] = ++nt; order[nt] = tid }
				  t[tid]++; d[tid SUBSEP dso]++; if (sym != "[unknown]") s[sym " (" dso ")"]++; n++ }
				END {
				  for (i = 1; i <= nt; i++) {
					tid = order[i]; line = ""
					for (k in d) { split(k, a, SUBSEP); if (a[1] == tid && d[k] / n >= 0.01) line = line sprintf(" %s %.0f%%", a[2], 100 * d[k] / n) }
					printf "   thread %d (%s): %.0f%% of samples:%s\n", i, i == 1 ? "main" : "worker", 100 * t[tid] / n, line
				  }
				  for (k in s) if (s[k] / n >= 0.01) printf "%6.1f%%  %s\n", 100 * s[k] / n, k | "sort -rn | head -n 12 | sed \"s/^/   /\""
				}' || true
			rm -f "$RUN/perf.data"
		fi
		if command -v strace >/dev/null 2>&1; then
			echo "-- strace -c -w -f (wall time in system calls, all threads), $set: top 10"
			profile_run "$set" strace -f -c -w -o "$RUN/strace.txt" >/dev/null 2>&1 || true
			sed -n '3,$p' "$RUN/strace.txt" | grep -vE '^-|total' | head -n 10 | sed 's/^/   /'
		fi
		rm -rf "$RUN/vault"
	done
fi

if [ "$FAILED" = 1 ]; then
	echo "bench: a tool failed (see above)" >&2
	exit 1
fi
if [ "$STRICT" = 1 ] && [ "$MISSED" = 1 ]; then exit 3; fi
exit 0
