#!/bin/sh
# check-no-sql.sh - the catalog's rule: no SQL text outside src/catalog/.
# Everything above the catalog calls its named functions (src/catalog/catalog.h),
# so that a PostgreSQL backend can replace SQLite without touching a caller
# (docs/internals/catalog.md).  Output is TAP (one test); each offending line
# is printed and the script fails.
#
# ALLOW lists files that may break the rule, each with its reason:
# - src/search/encvfs.c, src/search/sindex.c: the full-text index is not the
#   catalog but a second database per fonds that only SQLite can be (its
#   encryption is an SQLite VFS, its index FTS5); a PostgreSQL catalog would
#   keep it as it is (docs/internals/search.md).
set -eu
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"
ALLOW='^src/search/(encvfs|sindex)\.c:'
pattern='"[[:space:]]*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|PRAGMA|BEGIN|COMMIT|ROLLBACK|WITH)[[:space:]]|cy_stmt|cy_catalog_prepare|cy_catalog_exec|catalog_sql\.h|sqlite3'
found=$(grep -rnE "$pattern" src include --include='*.c' --include='*.h' |
	grep -v '^src/catalog/' | grep -vE "$ALLOW" || true)
echo "1..1"
if [ -n "$found" ]; then
	echo "not ok 1 - SQL outside src/catalog/ (move it into a named catalog function):"
	echo "$found" | sed 's/^/# /'
	exit 1
fi
echo "ok 1 - no SQL outside src/catalog/"
