#!/bin/sh
# Regenerate po/custody.pot from the sources and merge it into po/zh_CN.po.
# Run after changing user-facing messages; then translate what msgfmt reports as
# untranslated or fuzzy:  msgfmt --check --statistics -o /dev/null po/zh_CN.po
set -eu
cd "$(dirname "$0")/.."
ls src/*/*.c | sort > po/POTFILES
xgettext --keyword=_ --keyword=N_ --keyword=cy_error_set:2 --keyword=cy_error_set_errno:3 \
	--keyword=cli_error:1 --keyword=report:4 --keyword=NC_:1c,2 --from-code=UTF-8 -f po/POTFILES \
	-o po/custody.pot --package-name=custody
msgmerge --quiet --update --no-fuzzy-matching --backup=off po/zh_CN.po po/custody.pot
msgfmt --check --statistics -o /dev/null po/zh_CN.po
