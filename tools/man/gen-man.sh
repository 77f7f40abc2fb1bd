#!/bin/sh
# gen-man.sh CUSTODY [DIR]: write the man pages that CUSTODY prints from its
# option tables (custody --man-page) into DIR (default docs/man): custody.1
# and custody-CMD.1 for each command.  Pages of commands that no longer
# exist are removed.  Run after changing a command's options or help text,
# and commit the result; tests/cli/cli.bats fails while they differ.
set -eu
custody=${1:?usage: gen-man.sh CUSTODY [DIR]}
dir=${2:-$(dirname "$0")/../../docs/man}
"$custody" --man-page >"$dir/custody.1"
keep="custody.1"
for c in $("$custody" --man-page --list); do
	"$custody" --man-page "$c" >"$dir/custody-$c.1"
	keep="$keep custody-$c.1"
done
for f in "$dir"/*.1; do
	case " $keep " in
	*" $(basename "$f") "*) ;;
	*) rm -f "$f" ;;
	esac
done
