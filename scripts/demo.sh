#!/bin/sh
# make demo: generate a sample company, import it into ./demo-vault, then
# show ls, check and log verify.  Passwords for the demo users are written to
# demo-vault.passwords/ (a demo only: real vaults ask on the terminal).
set -eu
BUILD=${1:-build}
C="$BUILD/custody"
S="$BUILD/custody-sample"
V=demo-vault
P=demo-vault.passwords

if [ -e "$V" ]; then
	echo "demo: ./$V exists; remove it (rm -rf $V $P demo-sample) to run the demo again" >&2
	exit 1
fi
rm -rf demo-sample "$P"
mkdir -p "$P" && chmod 700 "$P"
for u in admin archivist auditor; do
	head -c 18 /dev/urandom | base64 > "$P/$u"
done
chmod 600 "$P"/*

echo "== custody-sample: a synthetic company (样例公司)"
"$S" --out demo-sample --seed 7 --size small

echo "== custody init (secadmin 'admin')"
"$C" init --vault "$V" --user admin --password-file "$P/admin" --recovery-file "$P/RECOVERY-KEY"
export CUSTODY_VAULT="$V"
"$C" user add li --role archivist --user admin --password-file "$P/admin" --new-password-file "$P/archivist"
"$C" user add zhao --role auditor --user admin --password-file "$P/admin" --new-password-file "$P/auditor"

echo "== the archivist takes the company into custody"
export CUSTODY_USER=li CUSTODY_PASSWORD_FILE="$P/archivist"
"$C" fonds add Z109 --name "$(head -n 1 demo-sample/公司简介.txt 2>/dev/null | cut -c1-60 || echo 'Demo Co.')" \
	--uscc "$(grep -o '9[0-9A-Z]\{17\}' demo-sample/公司简介.txt | head -n 1)"
for pair in customers:customer contracts:contract transactions:transaction accounting:accounting letters:correspondence; do
	dir=${pair%%:*}; class=${pair#*:}
	[ -d "demo-sample/$dir" ] || continue
	"$C" import files "demo-sample/$dir" --fonds Z109 --class "$class" --sidecar demo-sample/manifest.csv --quiet
done

if [ -f demo-sample/crm/customers.csv ]; then
	echo "== the CRM's exports and the customers' mail (import csv, import mail)"
	# rows Excel damaged are refused and kept (exit 1): listed by 'custody import rejects'
	"$C" import csv demo-sample/crm/customers.csv --fonds Z109 --kind customers --quiet || true
	"$C" import csv demo-sample/crm/transactions.csv --fonds Z109 --kind transactions --quiet || true
	"$C" import csv demo-sample/crm/contracts.csv --fonds Z109 --kind contracts --quiet || true
	"$C" import mail demo-sample/mail/customers.mbox --fonds Z109 --quiet || true
	echo "== custody import rejects --runs (each import, what it took and what it refused)"
	"$C" import rejects --runs | head -n 6
	id=$(python3 -c 'import csv,sys
r=list(csv.reader(open(sys.argv[1], encoding="gb18030")))
print(next(x[3] for x in r[2:] if len(x) > 3 and len(x[3]) == 18))' demo-sample/crm/customers.csv)
	echo "== custody search --id-number $id"
	"$C" search --id-number "$id" | head -n 10
fi

echo "== custody ls"
"$C" ls | head -n 15
echo "   ... ($("$C" ls | wc -l) records)"
echo "== custody check"
"$C" check
echo "== custody log verify (as the auditor)"
"$C" log verify --user zhao --password-file "$P/auditor"
echo
echo "demo vault: ./$V   users: li (archivist), zhao (auditor), admin (secadmin); passwords in ./$P/"
first=$("$C" ls --json | head -n 1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["archive_no"])')
echo "try:"
echo "  export CUSTODY_VAULT=$V CUSTODY_USER=li CUSTODY_PASSWORD_FILE=$P/archivist"
echo "  $C show '$first'"
echo "  $C get '$first' -o /tmp/record.out"
