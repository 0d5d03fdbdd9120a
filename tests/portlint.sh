#!/bin/bash
# tests/portlint.sh [PORTDIR] — the FreeBSD port's files say what FreeBSD
# 14 and 15 can load and build (issue 25). There is no FreeBSD builder here,
# so this reads the files:
#
#   - pam.d examples: every module is one FreeBSD 14/15 base ships
#     (lib/libpam/modules) or our /usr/local/lib/pam_jailme.so; no OPIE
#     (removed in 14.0: OpenPAM drops a policy naming a module it cannot
#     load, openpam_configure.c, and sshd then refuses everyone); exactly one
#     pam_jailme line, in the session stack; "include" only of stock files.
#   - Makefile: -buildmode=c-shared only in a PAM-option target, the PAM
#     option only for amd64 (Go's c-shared on freebsd is amd64 only); the
#     version stamped as DISTVERSION (0.2.0, not v0.2.0), which is VERSION.
#   - pkg-plist: the module and its files only under %%PAM%%.
#   - distinfo, once written: the .mod and .zip GO_MODULE fetches.
#
# PORTDIR defaults to ports/sysutils/jailme; another directory lets the
# checks be shown to fail on an old copy.

set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORT=${1:-$REPO/ports/sysutils/jailme}
PASS=0
FAIL=0

ok() { printf 'ok - %s\n' "$1"; PASS=$((PASS + 1)); }
notok() { printf 'not ok - %s\n' "$1"; shift; printf '# %s\n' "$@"; FAIL=$((FAIL + 1)); }
check() { # check NAME PROBLEMS...: ok when no problem is given
	local name=$1
	shift
	if [ $# -eq 0 ] || [ -z "$*" ]; then ok "$name"; else notok "$name" "$@"; fi
}

# FreeBSD 14.x/15.x base modules (lib/libpam/modules/modules.inc; pam_opie
# and pam_opieaccess left with OPIE in 14.0; pam_xdg is 15's).
BASE_MODULES=" pam_chroot pam_deny pam_echo pam_exec pam_ftpusers pam_group pam_guest pam_krb5 pam_ksu
 pam_lastlog pam_login_access pam_nologin pam_passwdqc pam_permit pam_radius pam_rhosts pam_rootok
 pam_securetty pam_self pam_ssh pam_tacplus pam_unix pam_xdg "
BASE_MODULES=" $(echo $BASE_MODULES) " # one line, space-separated
STOCK_INCLUDES=" system "
JAILME=/usr/local/lib/pam_jailme.so

# Active lines of a pam.d file: no comments, no blank lines.
active() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1"; }

for f in "$PORT"/files/pam.d/*; do
	name=pam.d/$(basename "$f")
	opie=$(active "$f" | grep -n 'pam_opie' || true)
	check "$name: no OPIE module" ${opie:+"$opie"}
	bad=()
	while read -r type control module _; do
		if [ "$control" = include ]; then
			case "$STOCK_INCLUDES" in *" $module "*) ;; *) bad+=("include of $module, not a stock file") ;; esac
			continue
		fi
		[ "$module" = "$JAILME" ] && continue
		m=${module%.so}
		case "$module" in */*) bad+=("$module: a path that is not $JAILME") ;; esac
		case "$BASE_MODULES" in *" $m "*) ;; *) bad+=("$module: not a FreeBSD 14/15 base module") ;; esac
	done < <(active "$f")
	check "$name: every module exists on FreeBSD 14 and 15" "${bad[@]+"${bad[@]}"}"
	lines=$(active "$f" | grep -c 'pam_jailme' || true)
	sess=$(active "$f" | awk -v m="$JAILME" '$1 == "session" && $2 == "required" && $3 == m' | wc -l)
	if [ "$lines" = 1 ] && [ "$sess" = 1 ]; then ok "$name: one pam_jailme line, session required"
	else notok "$name: one pam_jailme line, session required" "$lines pam_jailme lines, $sess as session required $JAILME"; fi
done

mk=$PORT/Makefile
# Targets whose recipe builds with -buildmode=c-shared must be PAM-option
# targets ("post-build-PAM-on:"), or the build breaks where c-shared is not
# supported.
unguarded=$(awk '
	/^[[:space:]]*#/ { next }
	/^[A-Za-z_.${}-]+:/ { target = $1 }
	/^[A-Z_]+[?+:]?=/ { target = "" }
	/-buildmode=c-shared/ && target !~ /-PAM-on:$/ { printf "line %d (target %s): %s\n", NR, target == "" ? "none" : target, $0 }
' "$mk")
check "Makefile: c-shared only under the PAM option" ${unguarded:+"$unguarded"}
plain=$(grep -nE '^OPTIONS_(DEFINE|DEFAULT)[[:space:]]*[?+]?=.*\<PAM\>' "$mk" || true)
arch=$(grep -cE '^OPTIONS_DEFINE_amd64[[:space:]]*[?+]?=.*\<PAM\>' "$mk" || true)
if [ -z "$plain" ] && [ "$arch" = 1 ]; then ok "Makefile: PAM is an amd64 option"
else notok "Makefile: PAM is an amd64 option" "OPTIONS_DEFINE_amd64 with PAM: $arch; on every arch: ${plain:-none}"; fi
want=$(tr -d '[:space:]' <"$REPO/VERSION")
dv=$(sed -n 's/^DISTVERSION=[[:space:]]*//p' "$mk")
stamps=$(grep -o 'main\.version=[^ "]*' "$mk" | sort -u | tr '\n' ' ')
if [ "$dv" = "$want" ] && [ "$stamps" = 'main.version=${DISTVERSION} ' ]; then ok "Makefile: version $want stamped as DISTVERSION"
else notok "Makefile: version $want stamped as DISTVERSION" "DISTVERSION=$dv, VERSION=$want, stamps: $stamps"; fi

plist=$PORT/pkg-plist
unconditional=$(grep -nE 'pam_jailme|/pam\.d/' "$plist" | grep -v '^[0-9]*:%%PAM%%' || true)
check "pkg-plist: the module and the pam.d examples under %%PAM%%" ${unconditional:+"$unconditional"}

if [ -f "$PORT/distinfo" ]; then
	d=go/sysutils_jailme/jailme-v$dv/v$dv
	miss=()
	for k in "SHA256 ($d.mod)" "SIZE ($d.mod)" "SHA256 ($d.zip)" "SIZE ($d.zip)"; do
		grep -qF "$k = " "$PORT/distinfo" || miss+=("no line $k")
	done
	check "distinfo: the module's .mod and .zip for v$dv" "${miss[@]+"${miss[@]}"}"
else
	echo "# distinfo: not written yet (ports/README.md: a release publishes v$dv, then make makesum)"
fi

printf '%d passed, %d failed, 0 skipped\n' "$PASS" "$FAIL"
[ "$FAIL" = 0 ]
