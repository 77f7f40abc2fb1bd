#!/bin/bash
# shellcheck disable=SC2317  # cleanup is called by the EXIT trap
# bench/transfer.sh BUILD_DIR [--records N] [--size-mb M] [options]
#
# Issue 9's handover targets, side by side in the same run with standard tools
# doing the same work on the same bytes:
#
#  export   `custody transfer export ID -o PKG.tar.age` of a transfer of every
#           record of the vault, against the pipeline (one `bash -c`, timed whole):
#             cd SRC; find shared customers -type f -print0 | sort -z | xargs -0 openssl dgst -sha256 >M256
#             cd SRC; find shared customers -type f -print0 | sort -z | xargs -0 openssl dgst -sha512 >M512
#             tar cf - -C SRC shared customers | age -r RECIPIENT >OUT.tar.age
#             sync OUT.tar.age     (custody fsyncs its package; so does the pipeline)
#           over the plaintext tree the vault was imported from.  Target: custody
#           at least 2 times faster (pipeline seconds / custody seconds >= 2).
#  receive  `custody receive PKG --identity KEY --to DIR --sign-key KEY -o RECEIPT`
#           (decrypt, extract safely, validate both manifests, sign a receipt)
#           against the pipeline (one `bash -c`, timed whole), on the same package:
#             age -d -i KEY PKG | tar xf - -C DIR
#             (cd DIR/BAG && find data -type f -print0 | sort -z | xargs -0 openssl dgst -sha256) >D256
#             (same with -sha512) >D512
#             both compared with the bag's manifest-sha256.txt and manifest-sha512.txt
#             (awk rewrites "SHA2-256(data/x)= HEX" as "HEX  data/x"; sort; cmp)
#           Target: custody at least as fast (pipeline seconds / custody seconds >= 1).
#  peak RSS of both custody commands (GNU time), and of the pipelines for reference.
#
# The vault: K customers (`import csv --kind customers`, each with a mobile phone,
# so each gets a profile record, an SMS notice and a line of subjects.jsonl) and
# N-K files of incompressible bytes (a PDF or JPEG magic, then random bytes: real
# scans do not compress) of M MB in total, 9 in 10 of them in one folder per
# customer imported with `import files DIR --subject ID` (as a scanning bureau's
# per-customer folders are), the rest in a shared folder imported once, unlinked.
# Then, untimed: a receiver (keys from `custody keygen`), `transfer plan --reason
# merger --notice-days 0` of the whole fonds, `notify prepare`, `notify send
# --sms-csv` (marks every notice sent), `pia add`, `transfer approve` by a second
# archivist with --as-of a later day.  The tree, the vault and the packages live
# in the work directory, on one file system; every tool starts from a warm page
# cache (its input is read once just before it runs) and after a `sync`.
#
# options:
#   --records N     records in the vault, customers' profiles included (default 100000)
#   --size-mb M     total size of the imported files, MB = 10^6 bytes (default 5000)
#   --customers K   customers (default N/50, at least 1, at most N/2)
#   --reuse         reuse the approved vault a previous run with the same sizes and
#                   the same custody binary left (skips data and imports)
#   --keep          keep the vault and the data afterwards (default: keep them only
#                   with --reuse; packages and extracted bags are always removed)
#   --profile       afterwards, export and receive again under `perf record` (99 Hz,
#                   DWARF call graphs) and print the top symbols, self and children
#   --strict        exit 3 if a target is missed (default: exit 0, print MISS)
#   --help          this text
# environment: BENCH_DIR (work directory; default BUILD_DIR/bench-transfer; never
# tmpfs, never /tmp/*custody*).
# exit: 0 done, 1 a step failed or bad setup, 2 usage, 3 a target missed (--strict)
set -euo pipefail
# the whole script is one compound command, read before it runs: editing the file
# during a run cannot change what the run does
{

usage() { sed -n '3,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
BUILD=""
N=100000
MB=5000
K=""
REUSE=0
KEEP=0
PROFILE=0
STRICT=0
while [ $# -gt 0 ]; do
	case "$1" in
	--records) N=${2:?--records needs a number}; shift ;;
	--size-mb) MB=${2:?--size-mb needs a number}; shift ;;
	--customers) K=${2:?--customers needs a number}; shift ;;
	--reuse) REUSE=1 ;;
	--keep) KEEP=1 ;;
	--profile) PROFILE=1 ;;
	--strict) STRICT=1 ;;
	--help | -h) usage; exit 0 ;;
	-*) echo "bench/transfer.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	*) if [ -z "$BUILD" ]; then BUILD=$1; else usage >&2; exit 2; fi ;;
	esac
	shift
done
[ -n "$BUILD" ] || { usage >&2; exit 2; }
[ -n "$K" ] || K=$((N / 50))
case "$N$MB$K" in *[!0-9]*) echo "bench/transfer.sh: --records, --size-mb and --customers want numbers" >&2; exit 2 ;; esac
[ "$K" -ge 1 ] || K=1
if [ "$N" -lt 4 ] || [ "$MB" -lt 1 ] || [ $((2 * K)) -gt "$N" ]; then
	echo "bench/transfer.sh: want --records >= 4, --size-mb >= 1, --customers <= records/2" >&2
	exit 2
fi
[ "$REUSE" = 0 ] || KEEP=1
F=$((N - K)) # files imported
[ -x "$BUILD/custody" ] || { echo "bench/transfer.sh: no $BUILD/custody (ninja -C $BUILD custody)" >&2; exit 1; }
C=$(readlink -f "$BUILD/custody")
for t in age openssl tar python3 sort xargs cmp /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "bench/transfer.sh: $t is not installed (scripts/deps.sh bench)" >&2; exit 1; }
done
if [ "$PROFILE" = 1 ] && ! command -v perf >/dev/null; then
	echo "bench/transfer.sh: --profile needs perf (scripts/deps.sh bench: linux-perf)" >&2
	exit 1
fi

W=${BENCH_DIR:-$BUILD/bench-transfer}
mkdir -p "$W"
W=$(cd "$W" && pwd)
case "$W" in /tmp/*custody* | /var/tmp/*custody* | /dev/shm/*) echo "bench/transfer.sh: choose a BENCH_DIR without 'custody' in it, not in /dev/shm" >&2; exit 2 ;; esac
fstype=$(df -PT "$W" | awk 'NR == 2 { print $2 }')
if [ "$fstype" = tmpfs ] || [ "$fstype" = ramfs ]; then
	echo "bench/transfer.sh: $W is on $fstype: set BENCH_DIR to a directory on a real disk" >&2
	exit 1
fi

SIZE="$N-$MB-$K"
DATA="$W/data-$SIZE"   # the plaintext tree
VAULT="$W/vault-$SIZE" # the approved vault
RUN="$W/run"           # packages, extractions, logs of this run
PW="$W/pw"
rm -rf "$RUN"
mkdir -p "$RUN" "$PW"
for u in sec li li2; do printf 'bench-%s-correct-horse\n' "$u" >"$PW/$u"; done
cleanup() {
	rm -rf "$RUN"
	if [ "$KEEP" = 0 ]; then rm -rf "$DATA" "$VAULT" "$VAULT.recovery" "$VAULT.ready" "$VAULT.keys"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export CUSTODY_NO_PROGRESS=1 LANG=C.UTF-8 LC_ALL=C.UTF-8
unset CUSTODY_USER CUSTODY_PASSWORD_FILE CUSTODY_VAULT LANGUAGE
as() { # as USER ARGS...: custody as USER on the vault
	local u=$1
	shift
	CUSTODY_USER=$u CUSTODY_PASSWORD_FILE="$PW/$u" CUSTODY_VAULT="$VAULT" "$C" "$@"
}
say() { printf '== %s\n' "$*"; }
AS_OF=2030-01-01 # the notice period (0 days) has run by then
FONDS=B001

# ---------------------------------------------------------------- header
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
buildtype=$(python3 -c 'import json,sys
d = {o["name"]: o["value"] for o in json.load(open(sys.argv[1]))}
print(d.get("buildtype", "?"), "b_sanitize=" + str(d.get("b_sanitize", "?")))' \
	"$BUILD/meson-info/intro-buildoptions.json" 2>/dev/null || echo unknown)
say "custody transfer benchmark: $N records ($K customers' profiles + $F files of $MB MB in total)"
echo "   date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "   machine:  $(nproc) cores ($cpu), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
echo "   custody:  $C ($buildtype)"
echo "   tools:    $(age --version 2>&1 | head -n 1) (age), $(openssl version), $(tar --version | head -n 1)"
echo "   work dir: $W ($fstype, $(df -Ph "$W" | awk 'NR == 2 { print $4 }') free)"
case "$buildtype" in release*) ;; *) echo "   WARNING:  not a release build: the figures say little about custody's speed" ;; esac

# ---------------------------------------------------------------- data
MARKER="tbench data v1: $N records, $K customers, $F files, $MB MB (python random.Random(9), magic + random bytes)"
if [ "$REUSE" = 1 ] && [ -f "$DATA/.complete" ] && [ "$(cat "$DATA/.complete")" = "$MARKER" ]; then
	say "data: reusing $DATA"
else
	say "data: writing $K customers and $F files ($MB MB) into $DATA"
	rm -rf "$DATA"
	mkdir -p "$DATA"
	t0=$(date +%s)
	python3 - "$DATA" "$K" "$F" "$MB" <<'PY'
import os, random, sys
out, k, f, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(9)
SUR = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIV = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉鹏宇浩然欣怡子涵梓萱雨轩佳琪思远博文晨曦"
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHK = "10X98765432"
AREAS = ["110105", "310104", "440106", "330106", "320102", "510107", "420106", "350102"]
def id_number(i):
    # a valid resident ID (GB 11643 check digit)
    import datetime
    d = datetime.date(1950, 1, 1) + datetime.timedelta(days=(i * 7) % 12775)
    body = "%s%s%03d" % (AREAS[i % len(AREAS)], d.strftime("%Y%m%d"), (i % 999) + 1)
    return body + CHK[sum(int(c) * w for c, w in zip(body, W)) % 11]
def name(i):
    return SUR[i % len(SUR)] + GIV[(i // len(SUR)) % len(GIV)] + GIV[(i * 7 + 3) % len(GIV)]
with open(out + "/customers.csv", "w", encoding="utf-8", newline="") as fh:
    fh.write("客户编号,客户名称,身份证号,手机号码\r\n")
    for i in range(1, k + 1):
        fh.write("C%07d,%s,%s,1%02d%08d\r\n" % (i, name(i), id_number(i), 30 + i % 60, i))
# sizes: uniform in [0.25, 1.75] x the mean, scaled to sum to mb * 10^6 exactly
mean = mb * 1000000 / f
sizes = [max(64, int(mean * (0.25 + 1.5 * rng.random()))) for _ in range(f)]
sizes[-1] = max(64, sizes[-1] + mb * 1000000 - sum(sizes))
shared = f // 10                      # unlinked: the company's own papers
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
for n, size in enumerate(sizes):
    if n < shared:
        d = "%s/shared/%03d" % (out, n // 1000)
        stem = "公司文件-%06d" % (n + 1)
    else:
        c = 1 + (n - shared) % k         # round robin over the customers
        d = "%s/customers/C%07d" % (out, c)
        stem = "扫描件-%06d" % (n + 1)
    os.makedirs(d, exist_ok=True)
    pdf = n % 3 != 2
    magic = PDF if pdf else JPG
    with open("%s/%s.%s" % (d, stem, "pdf" if pdf else "jpg"), "wb") as fh:
        fh.write(magic + rng.randbytes(max(0, size - len(magic))))
PY
	echo "$MARKER" >"$DATA/.complete"
	sync
	echo "   written in $(($(date +%s) - t0)) s"
fi
SRC_FILES=$(find "$DATA/shared" "$DATA/customers" -type f | wc -l)
SRC_BYTES=$(find "$DATA/shared" "$DATA/customers" -type f -printf '%s\n' | awk '{ b += $1 } END { printf "%.0f", b }')
echo "   $SRC_FILES files, $SRC_BYTES bytes; $(($(wc -l <"$DATA/customers.csv") - 1)) customers"
[ "$SRC_FILES" -eq "$F" ] || { echo "bench/transfer.sh: $SRC_FILES files in $DATA, not $F" >&2; exit 1; }

# ---------------------------------------------------------------- the approved vault
STAMP="$(sha256sum "$C" | cut -c1-16) $MARKER"
if [ "$REUSE" = 1 ] && [ -f "$VAULT.ready" ] && [ "$(cat "$VAULT.ready")" = "$STAMP" ]; then
	say "vault: reusing the approved vault $VAULT"
else
	rm -rf "$VAULT" "$VAULT.recovery" "$VAULT.ready" "$VAULT.keys"
	say "vault: init, archivists li and li2, fonds $FONDS"
	CUSTODY_USER=sec CUSTODY_PASSWORD_FILE="$PW/sec" "$C" init --vault "$VAULT" --user sec \
		--kdf-cost 10 --recovery-file "$VAULT.recovery" >/dev/null
	as sec user add li --role archivist --new-password-file "$PW/li" >/dev/null
	as sec user add li2 --role archivist --new-password-file "$PW/li2" >/dev/null
	as li fonds add "$FONDS" --name '移交基准有限公司' --uscc 91350100M000100Y43 >/dev/null
	as sec user grant li2 "$FONDS" >/dev/null
	as li ls >/dev/null  # completes li2's grant
	as li2 ls >/dev/null # li2 takes the fonds key
	t0=$(date +%s)
	as li import csv "$DATA/customers.csv" --fonds "$FONDS" --kind customers --year 2020 --quiet
	echo "   customers imported in $(($(date +%s) - t0)) s"
	nsub=$(as li subject list --fonds "$FONDS" | awk 'NR > 1' | wc -l)
	[ "$nsub" -eq "$K" ] || { echo "bench/transfer.sh: $nsub subjects, not $K" >&2; exit 1; }
	t0=$(date +%s)
	if [ -d "$DATA/shared" ]; then
		as li import files "$DATA/shared" --fonds "$FONDS" --class accounting --year 2020 --quiet | sed 's/^/   shared: /'
	fi
	# customer i of customers.csv is subject FONDS-C00000i (numbered in the order of the rows)
	i=0 linked=0
	for d in "$DATA"/customers/C*; do
		[ -d "$d" ] || continue
		c=${d##*/C}
		sid=$(printf '%s-C%06d' "$FONDS" "$((10#$c))")
		as li import files "$d" --fonds "$FONDS" --class customer --year 2020 --subject "$sid" --quiet >"$RUN/import.log" ||
			{ cat "$RUN/import.log" >&2; exit 1; }
		linked=$((linked + $(sed -n 's/^\([0-9][0-9]*\) imported.*/\1/p' "$RUN/import.log")))
		i=$((i + 1))
	done
	echo "   files imported in $(($(date +%s) - t0)) s ($linked linked to $i customers by $i runs of import files --subject)"
	nrec=$(as li ls --fonds "$FONDS" --json | wc -l)
	[ "$nrec" -eq "$N" ] || { echo "bench/transfer.sh: the vault lists $nrec records, not $N" >&2; exit 1; }

	say "transfer: receiver, plan, notices, PIA, approval (untimed)"
	mkdir -p "$VAULT.keys"
	AGE_PUB=$("$C" keygen --age -o "$VAULT.keys/receiver.age")
	SIGN_PUB=$("$C" keygen --signing -o "$VAULT.keys/receiver.sign")
	as li receiver add '接收基准有限公司' --uscc 91350100M000100Y43 --contact '福州市鼓楼区 0591-00000000' \
		--jurisdiction CN --age-recipient "$AGE_PUB" --signing-key "$SIGN_PUB" >/dev/null
	TID=$(as li transfer plan --fonds "$FONDS" --to '接收基准有限公司' --reason merger --notice-days 0 \
		--purpose '吸收合并后继续提供服务' | head -n 1)
	as li notify prepare "$TID" | sed 's/^/   /'
	as li notify send "$TID" --sms-csv "$RUN/sms.csv" | sed 's/^/   /'
	printf '# 个人信息保护影响评估\n\n基准测试用。\n' >"$RUN/pia.md"
	as li pia add "$TID" --file "$RUN/pia.md" >/dev/null
	as li2 transfer approve "$TID" --as-of "$AS_OF" | sed 's/^/   /'
	echo "$AGE_PUB" >"$VAULT.keys/age.pub"
	echo "$TID" >"$VAULT.keys/tid"
	echo "$STAMP" >"$VAULT.ready"
fi
AGE_PUB=$(cat "$VAULT.keys/age.pub")
TID=$(cat "$VAULT.keys/tid")
as li transfer show "$TID" --as-of "$AS_OF" --json | python3 -c '
import json, sys
o = json.load(sys.stdin)
assert o["status"] in ("approved", "exported"), o["status"]
assert o["records"] == int(sys.argv[1]) and o["subjects"] == int(sys.argv[2]), (o["records"], o["subjects"])
print("   transfer %d: %s by %s, %d records, %d customers, to %s" % (o["id"], o["status"], o["approved_by"],
      o["records"], o["subjects"], o["receiver"]))' "$N" "$K"
echo "   vault size: $(du -sh "$VAULT" | cut -f1)"

# ---------------------------------------------------------------- helpers
warm() { # read a tree so a tool starts with a warm page cache
	find "$@" -type f -print0 | xargs -0 cat >/dev/null
}
# timed LOG CMD...: wall seconds (ns clock) in T_SECS, peak RSS (KiB) in T_RSS, CPU in T_CPU
timed() {
	local log=$1 t0 t1 rc=0
	shift
	sync
	t0=$(date +%s%N)
	/usr/bin/time -v -o "$log.time" "$@" >"$log" 2>&1 || rc=$?
	t1=$(date +%s%N)
	T_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	T_RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$log.time")
	T_CPU=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$log.time")
	if [ "$rc" != 0 ]; then
		echo "bench/transfer.sh: failed ($rc): $*" >&2
		tail -n 5 "$log" >&2
		exit 1
	fi
}
# parts LOG: the pipeline's own timing of its steps (lines "part NAME SECONDS")
parts() { awk '$1 == "part" { printf "      %-28s %8.2f s\n", $2, $3 }' "$1"; }
declare -A SECS CPU RSS

# ---------------------------------------------------------------- export
PKG="$RUN/package.tar.age"
PEER_PKG="$RUN/peer.tar.age"
say "export: the pipeline (openssl dgst -sha256, -sha512 over every file; tar cf - | age -r; sync), then custody transfer export $TID"
echo "   load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
warm "$DATA/shared" "$DATA/customers"
# shellcheck disable=SC2016 # expanded by the inner bash
timed "$RUN/peer-export.log" bash -o pipefail -c '
	set -e
	src=$1 out=$2 r=$3 m=$4
	t() { date +%s%N; }
	a=$(t)
	(cd "$src" && find shared customers -type f -print0 | sort -z | xargs -0 openssl dgst -sha256) >"$m.sha256"
	b=$(t); echo "part sha256-manifest $(( (b - a) / 1000000 ))e-3"
	(cd "$src" && find shared customers -type f -print0 | sort -z | xargs -0 openssl dgst -sha512) >"$m.sha512"
	a=$(t); echo "part sha512-manifest $(( (a - b) / 1000000 ))e-3"
	tar cf - -C "$src" shared customers | age -r "$r" >"$out"
	sync "$out"
	b=$(t); echo "part tar|age,sync $(( (b - a) / 1000000 ))e-3"' \
	_ "$DATA" "$PEER_PKG" "$AGE_PUB" "$RUN/peer-manifest"
SECS[pe]=$T_SECS CPU[pe]=$T_CPU RSS[pe]=$T_RSS
parts "$RUN/peer-export.log"
[ "$(wc -l <"$RUN/peer-manifest.sha256")" -eq "$F" ] || { echo "bench/transfer.sh: the pipeline's manifest misses files" >&2; exit 1; }
PEER_PKG_BYTES=$(stat -c %s "$PEER_PKG")
rm -f "$PEER_PKG" "$RUN"/peer-manifest.*

warm "$VAULT"
timed "$RUN/export.log" env CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" CUSTODY_VAULT="$VAULT" \
	"$C" transfer export "$TID" -o "$PKG" --as-of "$AS_OF"
SECS[ce]=$T_SECS CPU[ce]=$T_CPU RSS[ce]=$T_RSS
sed 's/^/   custody: /' "$RUN/export.log"
PKG_BYTES=$(stat -c %s "$PKG")
echo "   packages: custody $PKG_BYTES bytes, pipeline $PEER_PKG_BYTES bytes"

# ---------------------------------------------------------------- receive
KEY="$VAULT.keys/receiver.age"
say "receive: the pipeline (age -d | tar x; openssl dgst -sha256, -sha512 of every file, compared with the manifests), then custody receive"
cat "$PKG" >/dev/null
# shellcheck disable=SC2016 # expanded by the inner bash
timed "$RUN/peer-receive.log" bash -o pipefail -c '
	set -e
	pkg=$1 key=$2 dir=$3
	t() { date +%s%N; }
	a=$(t)
	mkdir -m 0700 "$dir"
	age -d -i "$key" "$pkg" | tar xf - -C "$dir"
	b=$(t); echo "part age-d|tar-x $(( (b - a) / 1000000 ))e-3"
	bag=$(echo "$dir"/*/)
	cd "$bag"
	# "SHA2-256(data/x)= HEX" -> "HEX  data/x", as the manifests say it
	find data -type f -print0 | sort -z | xargs -0 openssl dgst -sha256 |
		sed -E "s/^[^(]*\((.*)\)= ([0-9a-f]+)\$/\2  \1/" | sort >../d256
	a=$(t); echo "part sha256 $(( (a - b) / 1000000 ))e-3"
	find data -type f -print0 | sort -z | xargs -0 openssl dgst -sha512 |
		sed -E "s/^[^(]*\((.*)\)= ([0-9a-f]+)\$/\2  \1/" | sort >../d512
	b=$(t); echo "part sha512 $(( (b - a) / 1000000 ))e-3"
	sort manifest-sha256.txt | cmp - ../d256
	sort manifest-sha512.txt | cmp - ../d512
	a=$(t); echo "part compare $(( (a - b) / 1000000 ))e-3"
	echo "checked $(wc -l <../d256) files"' \
	_ "$PKG" "$KEY" "$RUN/peer-recv"
SECS[pr]=$T_SECS CPU[pr]=$T_CPU RSS[pr]=$T_RSS
parts "$RUN/peer-receive.log"
grep '^checked' "$RUN/peer-receive.log" | sed 's/^/   pipeline: /'
BAG_FILES=$(find "$RUN"/peer-recv/*/data -type f | wc -l)
rm -rf "$RUN/peer-recv"

cat "$PKG" >/dev/null
timed "$RUN/receive.log" "$C" receive "$PKG" --identity "$KEY" --to "$RUN/recv" \
	--sign-key "$VAULT.keys/receiver.sign" -o "$RUN/receipt.json"
SECS[cr]=$T_SECS CPU[cr]=$T_CPU RSS[cr]=$T_RSS
sed 's/^/   custody: /' "$RUN/receive.log"
grep -q 'every file verified' "$RUN/receive.log" || { echo "bench/transfer.sh: custody receive did not verify every file" >&2; exit 1; }
[ -s "$RUN/receipt.json" ] || { echo "bench/transfer.sh: no receipt" >&2; exit 1; }
got=$(find "$RUN"/recv/*/data -type f | wc -l)
[ "$got" -eq "$BAG_FILES" ] || { echo "bench/transfer.sh: custody extracted $got payload files, tar $BAG_FILES" >&2; exit 1; }
echo "   both: $BAG_FILES payload files in the bag ($F imported files + $K customers' profiles)"
rm -rf "$RUN/recv"

# ---------------------------------------------------------------- result
load_warn() { # a load above the cores: other processes compete and the wall times mean less
	awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v n="$(nproc)" 'BEGIN { exit !(l > n) }' &&
		echo "   WARNING: load average $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores: other processes competed; wall times are inflated and noisy"
	return 0
}
load_warn
say "result: $N records, $SRC_BYTES bytes of files (MB = 10^6 bytes; wall seconds; CPU = user + sys; peak RSS)"
MISSED=0
python3 - "$SRC_BYTES" "${SECS[pe]}" "${CPU[pe]}" "${RSS[pe]}" "${SECS[ce]}" "${CPU[ce]}" "${RSS[ce]}" \
	"${SECS[pr]}" "${CPU[pr]}" "${RSS[pr]}" "${SECS[cr]}" "${CPU[cr]}" "${RSS[cr]}" >"$RUN/result.txt" <<'PY' || MISSED=1
import sys
b = int(sys.argv[1])
v = sys.argv[2:]
rows = [("export: pipeline", v[0:3]), ("export: custody", v[3:6]),
        ("receive: pipeline", v[6:9]), ("receive: custody", v[9:12])]
print("   %-22s %9s %9s %9s %10s" % ("", "wall", "MB/s", "CPU", "peak RSS"))
for name, (s, c, r) in rows:
    print("   %-22s %8.2fs %9.1f %8.2fs %6d MiB" % (name, float(s), b / 1e6 / float(s), float(c), int(r) // 1024))
ok = True
for what, peer, mine, target in (("export", v[0], v[3], 2.0), ("receive", v[6], v[9], 1.0)):
    r = float(peer) / float(mine)
    res = "PASS" if r >= target else "MISS"
    ok = ok and res == "PASS"
    print("   ratio %s pipeline/custody: %.2f (target >= %g): %s" % (what, r, target, res))
for what, peer, mine in (("export", v[1], v[4]), ("receive", v[7], v[10])):
    # for reference: on a machine others load, CPU seconds are steadier than wall seconds
    print("   for reference: %s CPU seconds pipeline/custody: %.2f" % (what, float(peer) / float(mine)))
sys.exit(0 if ok else 1)
PY
cat "$RUN/result.txt"
echo "   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- profile
top_symbols() { # PERF.DATA
	echo "-- self (top 20)"
	perf report -i "$1" --no-children --stdio --sort dso,sym -g none </dev/null 2>/dev/null |
		grep -E '^ +[0-9]' | head -n 20
	echo "-- with children (top 30)"
	perf report -i "$1" --children --stdio --sort sym -g none </dev/null 2>/dev/null |
		grep -E '^ +[0-9]' | grep -v '\] 0x' | head -n 30
}
if [ "$PROFILE" = 1 ]; then
	say "profile: export again under perf record (untimed)"
	warm "$VAULT"
	env CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$PW/li" CUSTODY_VAULT="$VAULT" \
		perf record -q --call-graph dwarf,16384 -F 99 -o "$RUN/perf-export.data" \
		"$C" transfer export "$TID" -o "$RUN/package2.tar.age" --as-of "$AS_OF" >/dev/null 2>"$RUN/perf.err" ||
		{ echo "   perf record failed:"; tail -n 3 "$RUN/perf.err"; }
	rm -f "$RUN/package2.tar.age"
	[ ! -s "$RUN/perf-export.data" ] || top_symbols "$RUN/perf-export.data"
	say "profile: receive again under perf record (untimed)"
	cat "$PKG" >/dev/null
	perf record -q --call-graph dwarf,16384 -F 99 -o "$RUN/perf-receive.data" \
		"$C" receive "$PKG" --identity "$KEY" --to "$RUN/recv" --sign-key "$VAULT.keys/receiver.sign" \
		-o "$RUN/receipt2.json" >/dev/null 2>"$RUN/perf.err" || { echo "   perf record failed:"; tail -n 3 "$RUN/perf.err"; }
	rm -rf "$RUN/recv"
	[ ! -s "$RUN/perf-receive.data" ] || top_symbols "$RUN/perf-receive.data"
fi

if [ "$STRICT" = 1 ] && [ "$MISSED" = 1 ]; then exit 3; fi
exit 0
}
