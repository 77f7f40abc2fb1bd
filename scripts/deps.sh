#!/bin/sh
# Install the Debian 12 packages that one part of custody's work needs:
#
#   scripts/deps.sh build   compile custody and run the demo            (make, make demo)
#   scripts/deps.sh check   build + the test tools: cmocka, bats, clang (make check)
#   scripts/deps.sh bench   build + restic, borg, GNU time              (make bench)
#   scripts/deps.sh all     all of them
#
# Idempotent and silent when nothing is missing.  Uses sudo when not root.  POSIX sh: it
# runs on a minimal Debian before anything else is installed.
set -eu

group=${1:-build}

BUILD="make build-essential meson ninja-build pkg-config gettext
libssl-dev libsqlite3-dev libzstd-dev zlib1g-dev libjpeg62-turbo-dev python3
libjansson-dev libcsv-dev libexif-dev libqpdf-dev libutf8proc-dev libuchardet-dev
libgmime-3.0-dev libarchive-dev libexpat1-dev libcurl4-openssl-dev"
# the tests: cmocka; bats; sqlite3 (the scenarios edit the catalog); clang and its
# runtimes (libFuzzer, ThreadSanitizer); e2fsprogs (mkfs.ext2 for the full-disk scenarios);
# util-linux (mount, setpriv, setarch); binutils (nm); file (the sample images); Go and
# golang.org/x/mod (an independent C2SP note verifier for the ledger's interop test); age (the stock
# age tool: tests/cli/age.bats checks custody age against it); python3-aiosmtpd (the SMTP server
# the notices' tests send to, tests/tools/smtp_sink.py); python3-cryptography (Ed25519: the receipts
# tests/cli/transfer_attacks.bats forges)
CHECK="libcmocka-dev bats sqlite3 clang libclang-rt-14-dev e2fsprogs util-linux binutils file age
golang-go golang-golang-x-mod-dev python3-aiosmtpd python3-cryptography"
# the benchmarks: the tools they compare with (sqlite3: the floors of bench/import-csv.sh
# and bench/destroy.sh; age, tar and openssl: the pipeline of bench/transfer.sh), GNU time for
# peak memory, linux-perf for their --profile
BENCH="restic borgbackup time openssl sqlite3 age tar linux-perf"

case $group in
build) PKGS=$BUILD ;;
check) PKGS="$BUILD $CHECK" ;;
bench) PKGS="$BUILD $BENCH" ;;
all) PKGS="$BUILD $CHECK $BENCH" ;;
*)
	echo "usage: scripts/deps.sh [build|check|bench|all]" >&2
	exit 2
	;;
esac

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

command -v apt-get >/dev/null 2>&1 || {
	echo "deps.sh: no apt-get (not Debian?); install these packages by hand:$missing" >&2
	exit 1
}
SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "deps.sh: need root or sudo to install:$missing" >&2
		exit 1
	}
	SUDO=sudo
fi
echo "deps.sh ($group): installing:$missing" >&2
$SUDO apt-get update -qq
# shellcheck disable=SC2086 # one word per package
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
