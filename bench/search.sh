#!/bin/bash
# bench/search.sh BUILD VAULT [--queries N]
#
# Issue 7's search target: on a vault that bench/import-csv.sh made, N exact
# queries (default 1,000: id:, phone:, customer: of customers drawn from the
# CRM export) through ONE `custody search --stdin` process (the password is
# asked once), each written and its answer line read back before the next, so
# the time of each query is the time to its answer.  Prints p50 and p95 per
# kind and the time to open the vault for a search.  Target: p95 under 10 ms.
# Then N full-text queries (a customer's name, or 4 characters of an address).
# environment: BENCH_DIR (as import-csv.sh), CUSTODY_USER (default li),
# CUSTODY_PASSWORD_FILE (default $BENCH_DIR/pw), CRM (the customers.csv the
# vault was made from; default: found next to the vault by import-csv.sh's layout).
# exit: 0 done, 1 a step failed, 2 usage
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
BUILD=""
VAULT=""
Q=1000
while [ $# -gt 0 ]; do
	case "$1" in
	--queries) Q=${2:?}; shift ;;
	--help|-h) usage; exit 0 ;;
	-*) echo "bench/search.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	*) if [ -z "$BUILD" ]; then BUILD=$1; elif [ -z "$VAULT" ]; then VAULT=$1; else usage >&2; exit 2; fi ;;
	esac
	shift
done
[ -n "$BUILD" ] && [ -n "$VAULT" ] || { usage >&2; exit 2; }
W=${BENCH_DIR:-/var/tmp/cy-bench}
C=$(readlink -f "$BUILD/custody")
N=${VAULT##*vault-}
CRM=${CRM:-$W/crm-$N/crm/customers.csv}
export CUSTODY_VAULT="$VAULT" CUSTODY_USER=${CUSTODY_USER:-li}
export CUSTODY_PASSWORD_FILE=${CUSTODY_PASSWORD_FILE:-$W/pw}
python3 - "$C" "$CRM" "$Q" <<'PY'
import subprocess, sys, time, random, csv, io, statistics
custody, crm, q = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = []
with open(crm, "rb") as f:
    text = f.read().decode("gb18030", "replace")
rd = csv.reader(io.StringIO(text))
hdr = None
for r in rd:
    if hdr is None:
        if any("身份证" in c or "客户编号" in c for c in r):
            hdr = r
        continue
    rows.append(r)
col = lambda names: next(i for i, h in enumerate(hdr) if any(n in h for n in names))
ci, ii, pi = col(["客户编号"]), col(["身份证号", "证件号码"]), col(["手机"])
ni, ai = col(["客户名称", "姓名"]), col(["地址"])
random.seed(7)
picks = random.sample(rows, min(q, len(rows)))
queries = []
for i, r in enumerate(picks):
    kind = ("id", "phone", "customer")[i % 3]
    v = {"id": r[ii], "phone": r[pi], "customer": r[ci]}[kind]
    queries.append((kind, "%s:%s" % (kind, v)))
for i, r in enumerate(picks):
    if i % 2 == 0 or len(r[ai]) < 8:
        queries.append(("text-name", r[ni]))
    else:
        queries.append(("text-addr", r[ai][3:7]))
t0 = time.perf_counter()
p = subprocess.Popen([custody, "search", "--stdin"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
p.stdin.write(b"phone:10000000000\n"); p.stdin.flush(); p.stdout.readline()
open_s = time.perf_counter() - t0
lat = {}
empty = 0
for kind, line in queries:
    t = time.perf_counter()
    p.stdin.write(line.encode() + b"\n"); p.stdin.flush()
    ans = p.stdout.readline()
    lat.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
    if b'"results":[]' in ans: empty += 1
p.stdin.close(); p.wait()
print("open + first query: %.0f ms (the password's key derivation dominates)" % (open_s * 1000))
groups = {"exact": [], "full-text": []}
for kind, v in sorted(lat.items()):
    v.sort(); groups["full-text" if kind.startswith("text") else "exact"] += v
    print("%-10s n=%4d  p50 %6.2f ms  p95 %6.2f ms" % (kind, len(v), v[len(v)//2], v[int(len(v)*0.95)]))
for g, v in groups.items():
    if not v: continue
    v.sort(); p95 = v[int(len(v)*0.95)]
    print("%-10s n=%4d  p50 %6.2f ms  p95 %6.2f ms: %s" % (g, len(v), v[len(v)//2], p95, "PASS" if p95 < 10 else "MISS"))
print("(%d queries without a hit)" % empty)
PY
