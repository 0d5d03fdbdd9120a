#!/bin/bash
# tests/manlint.sh — the man pages lint clean and render.
#
# mandoc -T lint must say nothing but "STYLE: referenced manual not found"
# (the pages cross-reference manuals not installed here, such as jail(8)).
# mandoc's "outdated mandoc.db lacks X entry" notes, printed when a system
# has manuals but no mandoc.db (man-db systems), are about the system, not
# the page, and are dropped too. Then man -l must render each page.

set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PAGES="jailsh/jailsh.8 pam_jailme/pam_jailme.8 etc/jailme.conf.5"
PASS=0
FAIL=0

ok() { printf 'ok - %s\n' "$1"; PASS=$((PASS + 1)); }
notok() { printf 'not ok - %s\n' "$1"; shift; printf '# %s\n' "$@"; FAIL=$((FAIL + 1)); }

for tool in mandoc man; do
	command -v $tool >/dev/null || { echo "manlint: $tool not installed (apt-get install mandoc man-db)" >&2; exit 2; }
done

for p in $PAGES; do
	f=$REPO/$p
	if [ ! -f "$f" ]; then
		notok "$p exists" "missing"
		continue
	fi
	out=$(cd "$REPO" && mandoc -T lint "$p" 2>&1 |
		grep -v -e ': STYLE: referenced manual not found: ' -e '^mandoc: outdated mandoc.db lacks ')
	if [ -z "$out" ]; then
		ok "mandoc -T lint $p"
	else
		mapfile -t lines <<<"$out"
		notok "mandoc -T lint $p" "${lines[@]}"
	fi
	err=$(man -l "$f" 2>&1 >/dev/null)
	rc=$?
	err=$(grep -v '^mandoc: outdated mandoc.db lacks ' <<<"$err")
	if [ "$rc" = 0 ] && [ -z "$err" ]; then
		ok "man -l $p renders"
	else
		notok "man -l $p renders" "status $rc" "$err"
	fi
done

printf '%d passed, %d failed, 0 skipped\n' "$PASS" "$FAIL"
[ "$FAIL" = 0 ]
