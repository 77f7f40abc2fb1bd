#!/bin/sh
# Install the Debian 12 packages that custody's build, tests and benchmarks need.
# Idempotent: does nothing when everything is there.  Uses sudo when not root.
set -eu

PKGS="build-essential meson ninja-build pkg-config gettext
libssl-dev libsqlite3-dev libjansson-dev libcsv-dev libexif-dev libqpdf-dev libzstd-dev zlib1g-dev libjpeg62-turbo-dev libutf8proc-dev
libcmocka-dev bats sqlite3 clang libclang-rt-14-dev
restic borgbackup python3 e2fsprogs time openssl util-linux"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || { echo "deps.sh: need root or sudo to install:$missing" >&2; exit 1; }
	SUDO=sudo
fi
echo "deps.sh: installing:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
