#!/bin/bash
# tests/install.sh — make install / make uninstall, and the admin forms of
# the installed jailsh (root only).
#
# Everything runs in a private mount namespace: a tmpfs on /mnt holds the
# trees (mounted without nosuid, so the installed setuid jailsh works), a
# copy of /etc is bound over /etc, /dev/log is hidden. The real /etc/shells
# and /etc/jailme.conf are checked unchanged from outside.
#
#	bash tests/install.sh        (JAILME_BUILD=dir to test other build outputs)

set -u
set -o pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${JAILME_BUILD:-$REPO/build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
PASS=0
FAIL=0

say() { printf '%s\n' "$*"; }
ok() { say "ok - $1"; PASS=$((PASS + 1)); }
notok() {
	say "not ok - $1"
	shift
	for l in "$@"; do say "# $l"; done
	FAIL=$((FAIL + 1))
}
# check NAME CMD...: ok when CMD succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else notok "$name" "failed: $*"; fi
}

host_fingerprint() {
	sha256sum /etc/shells 2>&1
	ls -l --time-style=full-iso /etc/jailme.conf 2>&1
}

# ---------------------------------------------------------------------------
# Outer half: re-exec in a private mount namespace, then check the host.

if [ "${JAILME_INSTALL_INNER:-}" != 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		say "not ok - install: runs as root: install -o root, setuid, mount namespace (you are uid $(id -u); run it as root)"
		say "0 passed, 1 failed, 0 skipped"
		exit 1
	fi
	for f in jailsh pam_jailme.so; do
		if [ ! -f "$BUILD/$f" ]; then
			say "not ok - $BUILD/$f exists (run make first)"
			say "0 passed, 1 failed, 0 skipped"
			exit 1
		fi
	done
	[ -d /mnt ] || { say "not ok - /mnt exists (the test mounts its tmpfs there, privately)"; exit 1; }
	before=$(host_fingerprint)
	counts=$(mktemp /tmp/jailme-install-counts.XXXXXX)
	JAILME_INSTALL_INNER=1 JAILME_COUNTS=$counts BUILD=$BUILD \
		unshare --mount --propagation private -- bash "$0"
	rc=$?
	after=$(host_fingerprint)
	pass=0 fail=0
	if [ -s "$counts" ]; then
		read -r pass fail <"$counts"
	else
		say "not ok - install suite ran to the end: it died (status $rc)"
		fail=$((fail + 1))
	fi
	rm -f "$counts"
	if [ "$before" = "$after" ]; then
		say "ok - host /etc/shells and /etc/jailme.conf unchanged"
		pass=$((pass + 1))
	else
		say "not ok - host /etc/shells and /etc/jailme.conf unchanged"
		diff <(say "$before") <(say "$after") | sed 's/^/# /'
		fail=$((fail + 1))
	fi
	say "$pass passed, $fail failed, 0 skipped"
	[ "$fail" = 0 ]
	exit
fi

# ---------------------------------------------------------------------------
# Inner half: private /mnt, /etc, /dev/log.

BUILD=${BUILD:?}
W=/mnt/jailme-install
mount -t tmpfs -o mode=0755 jailme-install /mnt || { say "not ok - mount tmpfs on /mnt"; exit 1; }
mkdir -m 0755 "$W" "$W/etc"
cp -a /etc/. "$W/etc/" && mount --bind "$W/etc" /etc || { say "not ok - private /etc"; exit 1; }
rm -f /etc/jailme.conf
# No audit line of ours reaches the host's syslog.
[ -e /dev/log ] && mount --bind /dev/null /dev/log
[ -e /var/run/nscd/socket ] && mount --bind /dev/null /var/run/nscd/socket

# The counts are written by the last line only: a run that died part-way
# leaves none, and the outer half reports it as a failure.

# Nothing from a calling make or the environment may add a DESTDIR or a
# PREFIX to what a case asks for.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u DESTDIR -u PREFIX -u PAMDIR \
		make -s -C "$REPO" BUILD="$BUILD" "$@" >"$W/make.log" 2>&1
}
modeowner() { stat -c '%a %U %G' "$1" 2>&1; }

# The PAM directory the Makefile should find.
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || cc -print-multiarch 2>/dev/null)
if [ -n "$ma" ] && [ -d "/lib/$ma/security" ]; then pamdir=/lib/$ma/security; else pamdir=/lib/security; fi

# man_for PREFIX PAGE: the page as install writes it for PREFIX, its
# paths those of that install (a file in $W, printed).
man_for() {
	local out="$W/man${1//\//_}-${2##*/}"
	sed -e "s|/usr/local/sbin/jailsh|$1/sbin/jailsh|g" \
		-e "s|/usr/local/share/examples/jailme|$1/share/examples/jailme|g" "$REPO/$2" >"$out"
	printf '%s\n' "$out"
}

# expect_tree ROOT PREFIX PAMDIR [JAILSH_MODE]: what install puts under ROOT.
expect_tree() {
	local r=$1 p=$2 pd=$3 f
	say "$r$p/sbin/jailsh ${4:-4755} $BUILD/jailsh"
	say "$r$pd/pam_jailme.so 644 $BUILD/pam_jailme.so"
	say "$r$p/share/man/man8/jailsh.8 644 $(man_for "$p" jailsh/jailsh.8)"
	say "$r$p/share/man/man8/pam_jailme.8 644 $(man_for "$p" pam_jailme/pam_jailme.8)"
	say "$r$p/share/man/man5/jailme.conf.5 644 $(man_for "$p" etc/jailme.conf.5)"
	say "$r$p/share/examples/jailme/jailme.conf 644 $REPO/etc/jailme.conf"
	say "$r$p/share/examples/jailme/lxc-jailme-hook 755 $REPO/etc/lxc-jailme-hook"
	for f in "$REPO"/etc/pam.d/*; do
		say "$r$p/share/examples/jailme/pam.d/${f##*/} 644 $f"
	done
	say "$r$p/share/examples/jailme/sshd_config.d/jailme.conf 644 $REPO/etc/ssh/sshd_config.d/jailme.conf"
}

# check_tree NAME ROOT PREFIX PAMDIR [JAILSH_MODE OWNER GROUP]
check_tree() {
	local name=$1 r=$2 p=$3 pd=$4 jm=${5:-4755} own="${6:-root} ${7:-root}" path mode src bad=() got want
	while read -r path mode src; do
		[ -f "$path" ] || { bad+=("missing $path"); continue; }
		got=$(modeowner "$path")
		[ "$got" = "$mode $own" ] || bad+=("$path: $got, want $mode $own")
		cmp -s "$path" "$src" || bad+=("$path differs from $src")
	done < <(expect_tree "$r" "$p" "$pd" "$jm")
	want=$(expect_tree "$r" "$p" "$pd" | cut -d' ' -f1 | sort)
	got=$(find "$r$p" "$r$pd" \( -type f -o -type l \) 2>/dev/null | sort -u)
	[ "$got" = "$want" ] || bad+=("installed files:" $got "want:" $want)
	if [ ${#bad[@]} = 0 ]; then ok "$name"; else notok "$name" "${bad[@]}"; fi
}

# no_files NAME DIR...: nothing but (empty) directories left.
no_files() {
	local name=$1 left
	shift
	left=$(find "$@" ! -type d 2>/dev/null)
	if [ -z "$left" ]; then ok "$name"; else notok "$name" $left; fi
}

# --- DESTDIR --------------------------------------------------------------
D=$W/dest
shells0=$(sha256sum </etc/shells)
if mk install DESTDIR="$D"; then ok "make install DESTDIR=$D"; else notok "make install DESTDIR=$D" "$(cat "$W/make.log")"; fi
check_tree "DESTDIR: jailsh 4755 root:root, .so and pages 0644 root:root, contents as built, nothing else" "$D" /usr/local "$pamdir"
check "DESTDIR: PAM module in $pamdir" test -f "$D$pamdir/pam_jailme.so"
check "DESTDIR: no /etc/jailme.conf created" test ! -e "$D/etc/jailme.conf" -a ! -e /etc/jailme.conf
check "DESTDIR: /etc/shells not touched" test "$(sha256sum </etc/shells)" = "$shells0"
if mk uninstall DESTDIR="$D"; then ok "make uninstall DESTDIR=$D"; else notok "make uninstall DESTDIR=$D" "$(cat "$W/make.log")"; fi
no_files "DESTDIR: uninstall leaves no file" "$D"
check "DESTDIR: /etc/shells still not touched" test "$(sha256sum </etc/shells)" = "$shells0"

# --- DESTDIR as an ordinary user (a package staged without root) ----------
# No "install -o root" (it would fail), and no setuid bit on a binary the
# builder owns: the package applies root and 4755.
nr_uid=$(id -u nobody 2>/dev/null || echo 65534)
nr_gid=$(id -g nobody 2>/dev/null || echo 65534)
nr_user=$(id -un "$nr_uid" 2>/dev/null || echo "$nr_uid")
nr_group=$(getent group "$nr_gid" | cut -d: -f1)
ND=$W/nonroot
install -d -o "$nr_uid" -g "$nr_gid" -m 0755 "$ND"
nrmk() {
	setpriv --reuid="$nr_uid" --regid="$nr_gid" --clear-groups -- \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u PREFIX -u PAMDIR HOME=/ \
		make -s -C "$REPO" BUILD="$BUILD" "$@" >"$W/make.log" 2>&1
}
if nrmk install DESTDIR="$ND/dest"; then
	ok "not root: make install DESTDIR=$ND/dest"
else
	notok "not root: make install DESTDIR=$ND/dest" "$(cat "$W/make.log")"
fi
check_tree "not root: jailsh 0755 (not setuid), files the builder's, contents as built, nothing else" \
	"$ND/dest" /usr/local "$pamdir" 755 "$nr_user" "${nr_group:-$nr_gid}"
check "not root: install says the package must apply 4755 root" grep -q 'the package must make it 4755 root' "$W/make.log"
if nrmk uninstall DESTDIR="$ND/dest"; then ok "not root: make uninstall DESTDIR"; else notok "not root: make uninstall DESTDIR" "$(cat "$W/make.log")"; fi
no_files "not root: uninstall leaves no file" "$ND/dest"

mk install DESTDIR="$D" PREFIX=/opt/jailme PAMDIR=/opt/jailme/lib/security
check_tree "DESTDIR, PREFIX=/opt/jailme PAMDIR=/opt/jailme/lib/security" "$D" /opt/jailme /opt/jailme/lib/security
mk uninstall DESTDIR="$D" PREFIX=/opt/jailme PAMDIR=/opt/jailme/lib/security
no_files "DESTDIR, PREFIX: uninstall leaves no file" "$D"

# --- no DESTDIR: /etc/shells (the private copy) ---------------------------
P=$W/prefix
PD=$W/pam
J=$P/sbin/jailsh
cp /etc/shells "$W/shells.orig"
mk install PREFIX="$P" PAMDIR="$PD" && mk install PREFIX="$P" PAMDIR="$PD"
check "install twice without DESTDIR" test $? = 0
check_tree "without DESTDIR: files, modes, owners, contents" "" "$P" "$PD"
n=$(grep -cxF "$J" /etc/shells)
check "/etc/shells lists $J exactly once after two installs (got $n)" test "$n" = 1
check "/etc/shells keeps its other lines" cmp -s <(grep -vxF "$J" /etc/shells) "$W/shells.orig"
check "/etc/shells mode 0644 root root" test "$(modeowner /etc/shells)" = "644 root root"
check "no /etc/jailme.conf created" test ! -e /etc/jailme.conf

# --- the installed jailsh: admin forms, as root and not ---------------------
# A path jail on this tmpfs (root-owned, 0755 all the way up) and one user
# whose login shell is jailsh, in the private /etc only.
JR=$W/jail
mkdir -p "$JR/etc"
# uid, uid+1, uid+2 for users, uid+3 for a group: all free.
free() { ! getent passwd "$1" >/dev/null && ! getent group "$1" >/dev/null; }
uid=2999
until free $uid && free $((uid + 1)) && free $((uid + 2)) && free $((uid + 3)); do uid=$((uid + 4)); done
say "jmtest:x:$uid:$uid::/home/jmtest:$J" >>/etc/passwd
say "jmtest:x:$uid:" >>/etc/group
say "root:x:0:0:root:/root:/bin/sh" >"$JR/etc/passwd"
say "jmtest:x:$uid:$uid::/home/jmtest:/bin/sh" >>"$JR/etc/passwd"
printf 'root:x:0:\njmtest:x:%s:\n' "$uid" >"$JR/etc/group"
cat >/etc/jailme.conf <<EOF
user jmtest web
default deny
jail web { path = "$JR"; }
EOF
chmod 0644 /etc/jailme.conf

out=$("$J" -t 2>&1)
check "jailsh -t: valid config, silent, exit 0" test $? = 0 -a -z "$out"
out=$("$J" -n jmtest 2>&1)
rc=$?
if [ $rc = 0 ] && grep -q '^verdict: *allowed$' <<<"$out" && grep -q "^rule: */etc/jailme.conf:1:1: user jmtest web$" <<<"$out" &&
	grep -q "^jail: *web (path $JR)$" <<<"$out" && grep -q '^shell: */bin/sh$' <<<"$out"; then
	ok "jailsh -n jmtest: allowed, rule, jail, shell; exit 0"
else
	notok "jailsh -n jmtest: allowed, rule, jail, shell; exit 0" "exit $rc" "$out"
fi
out=$("$J" --audit 2>"$W/audit.err")
rc=$?
# Root is always evaluated: pam_jailme steps aside for it (issue 10).
if [ $rc = 0 ] && grep -q '^jailsh: audit: ignored user=root uid=0 .*code=not-jailed ' <<<"$out" &&
	[ "$(grep -v '^jailsh: audit: ignored user=root ' <<<"$out")" = "jailsh: audit: allow user=jmtest uid=$uid jail=web where=path:$JR rule=/etc/jailme.conf:1:1 reason=\"would run /bin/sh in the jail\"" ]; then
	ok "jailsh --audit: one allow line and root ignored, exit 0"
else
	notok "jailsh --audit: one allow line and root ignored, exit 0" "exit $rc" "$out"
fi

say "wheel2:x:4242:jmtest" >>"$JR/etc/group"
out=$("$J" -n jmtest 2>&1)
rc=$?
if [ $rc = 1 ] && grep -q '^verdict: *denied$' <<<"$out" && grep -q '^  code=extra-group: jail web: /etc/group:3: ' <<<"$out"; then
	ok "jailsh -n jmtest with an extra jail group: denied, code=extra-group, exit 1"
else
	notok "jailsh -n jmtest with an extra jail group: denied, code=extra-group, exit 1" "exit $rc" "$out"
fi
out=$("$J" --audit --json 2>"$W/audit.err")
rc=$?
if [ $rc = 1 ] && python3 -c '
import json, sys
a = json.load(sys.stdin)
assert isinstance(a, list), a
assert [f["user"] for f in a if f["kind"] == "ignored"] == ["root"], a
a = [f for f in a if f["kind"] != "ignored"]
assert len(a) == 1, a
f = a[0]
assert f["kind"] == "deny" and f["user"] == "jmtest" and f["code"] == "extra-group" and f["jail"] == "web", f
' <<<"$out" 2>"$W/py.err"; then
	ok "jailsh --audit --json: one deny object, code extra-group, exit 1"
else
	notok "jailsh --audit --json: one deny object, code extra-group, exit 1" "exit $rc" "$out" "$(cat "$W/py.err")"
fi

# Not root: the read-only forms run with root's privilege given up first
# (issue 24): never a login's refusal, and nothing the caller could not
# read themselves (/etc/shadow stays unreadable).
for form in "-n root" "--check root" "--audit" "--audit --json" "-t" "-f /etc/shadow -t"; do
	# shellcheck disable=SC2086
	out=$(setpriv --reuid="$uid" --regid="$uid" --clear-groups -- "$J" $form 2>"$W/err")
	rc=$?
	if ! grep -q '^jailsh: denied' "$W/err" && [ $rc -le 3 ] &&
		{ [ "$form" != "-f /etc/shadow -t" ] || { [ $rc = 2 ] && grep -q 'permission denied' "$W/err"; }; }; then
		ok "not root: jailsh $form runs as the caller, not a login's refusal"
	else
		notok "not root: jailsh $form runs as the caller, not a login's refusal" "exit $rc" "$out" "$(cat "$W/err")"
	fi
done

# A group rule reaches the group's members through NSS: by primary gid
# (jmtest2) and as a listed member (jmtest3). Neither has an account in the
# jail, nor jailsh as login shell.
gid=$((uid + 3))
say "jmtest2:x:$((uid + 1)):$gid::/home/jmtest2:/bin/sh" >>/etc/passwd
say "jmtest3:x:$((uid + 2)):$((uid + 2))::/home/jmtest3:/bin/sh" >>/etc/passwd
say "jmtest3:x:$((uid + 2)):" >>/etc/group
say "jmdevs:x:$gid:jmtest3" >>/etc/group
sed -i 's/^default deny$/group jmdevs web\ndefault deny/' /etc/jailme.conf
out=$("$J" --audit 2>&1)
rc=$?
bad=()
[ $rc = 1 ] || bad+=("exit $rc, want 1")
for u in jmtest2 jmtest3; do
	grep -q "^jailsh: audit: shell user=$u uid=[0-9]* jail=web .*shell=/bin/sh code=shell rule=/etc/jailme.conf:2:1 " <<<"$out" ||
		bad+=("no shell finding for $u")
	grep -q "^jailsh: audit: deny user=$u uid=[0-9]* jail=web .*code=missing-user rule=/etc/jailme.conf:2:1 " <<<"$out" ||
		bad+=("no missing-user finding for $u")
done
grep -q '^jailsh: audit: deny user=jmtest uid=[0-9]* jail=web .*code=extra-group ' <<<"$out" || bad+=("no extra-group finding for jmtest")
if [ ${#bad[@]} = 0 ]; then
	ok "jailsh --audit: group rule reaches members by primary gid and by listing; shell and missing-user findings"
else
	notok "jailsh --audit: group rule reaches members by primary gid and by listing; shell and missing-user findings" "${bad[@]}" "$out"
fi

rm -f /etc/jailme.conf
out=$("$J" -t 2>&1)
check "jailsh -t without a config: exit 2 with the error" test $? = 2 -a -n "$out"

# --- uninstall without DESTDIR --------------------------------------------
# Refused while a login depends on it: jmtest's login shell is $J.
mk uninstall PREFIX="$P" PAMDIR="$PD"
rc=$?
if [ $rc != 0 ] && grep -q "login shell $J: jmtest " "$W/make.log" && grep -q 'FORCE=1' "$W/make.log" &&
	! grep -q 'jmtest2\|jmtest3' "$W/make.log" && [ -f "$J" ] && [ -f "$PD/pam_jailme.so" ]; then
	ok "uninstall refused while jmtest's login shell is jailsh, naming only jmtest; nothing removed"
else
	notok "uninstall refused while jmtest's login shell is jailsh, naming only jmtest; nothing removed" "exit $rc" "$(cat "$W/make.log")"
fi
# ... and while a PAM stack names the module (a commented line does not count).
set_shell() { sed -i "s|^\($1:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:\).*|\1$2|" /etc/passwd; }
set_shell jmtest /bin/sh
cp /etc/pam.d/su "$W/pam.su.orig"
cp /etc/pam.d/login "$W/pam.login.orig"
echo "session    required   pam_jailme.so" >>/etc/pam.d/su
line=$(wc -l </etc/pam.d/su)
echo "# session required pam_jailme.so" >>/etc/pam.d/login
mk uninstall PREFIX="$P" PAMDIR="$PD"
rc=$?
if [ $rc != 0 ] && grep -q "/etc/pam.d/su:$line: uses pam_jailme" "$W/make.log" && ! grep -q 'pam.d/login\|login shell' "$W/make.log" &&
	[ -f "$J" ] && [ -f "$PD/pam_jailme.so" ]; then
	ok "uninstall refused while /etc/pam.d/su:$line uses pam_jailme, naming only that line; nothing removed"
else
	notok "uninstall refused while /etc/pam.d/su:$line uses pam_jailme, naming only that line; nothing removed" "exit $rc" "$(cat "$W/make.log")"
fi
cp "$W/pam.su.orig" /etc/pam.d/su
mk uninstall PREFIX="$P" PAMDIR="$PD"
check "make uninstall without DESTDIR, nothing depending on it" test $? = 0
no_files "uninstall removes every installed file" "$P" "$PD"
n=$(grep -cxF "$J" /etc/shells)
check "uninstall removes $J from /etc/shells (left: $n)" test "$n" = 0
check "/etc/shells is as before install" cmp -s /etc/shells "$W/shells.orig"
check "/etc/shells mode 0644 root root after uninstall" test "$(modeowner /etc/shells)" = "644 root root"
mk uninstall PREFIX="$P" PAMDIR="$PD"
check "uninstall twice is harmless" test $? = 0 -a "$(grep -cxF "$J" /etc/shells)" = 0

# FORCE=1: the admin's override, with both still true.
mk install PREFIX="$P" PAMDIR="$PD"
set_shell jmtest "$J"
echo "session    required   pam_jailme.so" >>/etc/pam.d/su
mk uninstall PREFIX="$P" PAMDIR="$PD" FORCE=1
check "make uninstall FORCE=1 removes it despite the stack and the user" test $? = 0
no_files "FORCE=1: every installed file removed" "$P" "$PD"
cp "$W/pam.su.orig" /etc/pam.d/su
cp "$W/pam.login.orig" /etc/pam.d/login

# --- jailsh --version and --help: anyone ------------------------------------
mk install DESTDIR="$D"
JD=$D/usr/local/sbin/jailsh
# Stamped by the build (make version), not Go's "(devel)".
want="jailsh $(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$REPO" version)"
stamped() { [ "$1" = "$want" ] || { grep -Eqx 'jailsh [^ ()]+' <<<"$1" && [ "$1" != "jailsh unknown" ]; }; }
for who in root nobody; do
	if [ $who = root ]; then run=(); else run=(setpriv --reuid="$nr_uid" --regid="$nr_gid" --clear-groups --); fi
	out=$("${run[@]}" "$JD" --version 2>"$W/err")
	rc=$?
	if [ $rc = 0 ] && stamped "$out" && [ ! -s "$W/err" ]; then
		ok "$who: jailsh --version prints the stamped version ($out), exit 0"
	else
		notok "$who: jailsh --version prints the stamped version ($want), exit 0" "exit $rc" "$out" "$(cat "$W/err")"
	fi
	out=$("${run[@]}" "$JD" --help 2>"$W/err")
	rc=$?
	if [ $rc = 0 ] && grep -q '^usage: jailsh ' <<<"$out" && grep -q 'jailsh --version' <<<"$out" && [ ! -s "$W/err" ]; then
		ok "$who: jailsh --help prints the usage, exit 0, not a denial"
	else
		notok "$who: jailsh --help prints the usage, exit 0, not a denial" "exit $rc" "$out" "$(cat "$W/err")"
	fi
done
mk uninstall DESTDIR="$D"

say "$PASS $FAIL" >"$JAILME_COUNTS"
