#!/bin/sh
# bench/sindex.sh BUILD_DIR [NDOCS] [NQUERIES] - the search index benchmark.
# Builds bench/sindex_bench.c against BUILD_DIR/libcustody.a (use a release
# build: meson setup build-rel --buildtype=release -Dtests=false), then builds
# an encrypted index and a plain SQLite FTS5 index of NDOCS (default 1000000)
# synthetic customers in a scratch directory under the build dir, and times
# NQUERIES (default 1000) queries of each kind on both (terms of 2 characters:
# by the bigram table, and by the scan as before it).  No PII: the data is
# generated.  SINDEX_BENCH_OPTIMIZE=1: run cy_sindex_optimize (and FTS5
# 'optimize' on the plain index) after the build, timed, before the queries.
# docs/internals/search.md quotes its output.
set -eu
build=${1:?usage: bench/sindex.sh BUILD_DIR [NDOCS] [NQUERIES]}
ndocs=${2:-1000000}
nq=${3:-1000}
root=$(cd "$(dirname "$0")/.." && pwd)
ninja -C "$build" libcustody.a >/dev/null
exe=$build/sindex_bench
# shellcheck disable=SC2046
cc -O2 -std=c17 -D_GNU_SOURCE -I"$root/include" -I"$root/src" -o "$exe" \
	"$root/bench/sindex_bench.c" "$build/libcustody.a" \
	$(pkg-config --libs sqlite3 libcrypto) -lpthread
work=$build/sindex-bench
rm -rf "$work"
mkdir -p "$work"
/usr/bin/time -f "peak RSS %M KiB, %e s wall" "$exe" "$work" "$ndocs" "$nq"
rm -rf "$work"
