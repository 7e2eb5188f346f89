#!/bin/sh
# lint.sh - static checks of src/: the layer rules (scripts/layers.py),
# cppcheck and clang's static analyzer (scan-build), both from Debian. Exits non-zero on any finding; the
# analyzer builds in a scratch copy so the tree's objects stay as they
# are. Run by "make lint" and CI.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
python3 "$top/scripts/layers.py" "$top"
incs=$(for d in "$top"/src/*/; do printf -- '-I %s ' "$d"; done)
# shellcheck disable=SC2086
cppcheck --enable=warning,portability,performance --error-exitcode=1 \
    --inline-suppr -q --std=c11 $incs "$top"/src/*/*.c
echo "ok cppcheck: no findings in src/"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$top/src" "$top/Makefile" "$work/"
rm -f "$work"/src/*/*.o
(cd "$work" && scan-build-14 --status-bugs -o "$work/report" \
    make -s dkimpipe CC=clang > "$work/log" 2>&1) || {
	cat "$work/log"
	echo "not ok scan-build: findings above (HTML reports were in $work/report)"
	exit 1
}
echo "ok scan-build: no findings in src/"
