#!/bin/bash
# tests/package.sh — the Debian package, built and installed in a throwaway
# root (root only).
#
# dpkg-buildpackage -us -uc -b builds the .deb from a copy of this tree
# (dpkg writes its output next to the source directory, so never from the
# tree itself), lintian must report no error, then the .deb is installed
# with dpkg -i into the namespaces of tests/lib.sh with overlays over /usr
# and /var/lib, /var/cache (and /lib, /bin, /sbin where they are not links
# into /usr): the machine's real dpkg database, /usr and /etc are never
# written. The suite checks what the package puts where (jailsh 4755 root,
# the module in the multiarch security directory, /etc/shells), enables its
# pam-auth-update profile and logs root, a bash user and jailed users
# through the real su, login, sshd and cron session stacks with pamtester,
# then purges the package and checks that nothing of it is left in the
# stacks or /etc/shells.
#
# The profile is harmless for root and host users only because pam_jailme
# ignores users who are not jailed (issue 10): a refusal of root or the
# bash user is a failure.
#
#	bash tests/package.sh     (the .deb is copied to $JAILME_BUILD/deb/)

. "$(dirname "$0")/lib.sh"

if [ "${JAILME_INNER:-}" != 1 ] && [ "$(id -u)" = 0 ]; then
	if ! command -v dpkg >/dev/null; then
		say "not ok - $SUITE: dpkg present: this suite builds and installs the Debian package (make deps)"
		say "0 passed, 1 failed, 0 skipped"
		exit 1
	fi
	require_tools dpkg-buildpackage dh fakeroot pam-auth-update pamtester lintian add-shell
	if dpkg-query -W -f='${Status}' jailme 2>/dev/null | grep -q 'installed'; then
		say "not ok - $SUITE: the machine itself has the jailme package installed; purge it to test the package"
		say "0 passed, 1 failed, 0 skipped"
		exit 1
	fi
fi

harness_enter "$@"

export DEBIAN_FRONTEND=noninteractive
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
PAMSO=/lib/$MA/security/pam_jailme.so
J=/usr/sbin/jailsh
# jailsh --version is the package's version (debian/rules passes it).
VERSION=$(dpkg-parsechangelog -l "$REPO/debian/changelog" -S Version)

# --- build -------------------------------------------------------------------
SRC=$T/pkg/src
mkdir -p "$SRC"
# The tree as it is, committed or not, without build outputs.
(cd "$REPO" && git ls-files -co --exclude-standard | grep -v '^build/' | tar -cf - -T -) | tar -xf - -C "$SRC" ||
	{ fail "copy the source tree" "git ls-files | tar failed"; harness_leave; }
# -d: this machine's Go is the one from go.dev in /usr/local/go, not the
# golang-go that Build-Depends names (Debian 13's).
CAPTURE_TIMEOUT=300 capture bash -c "cd '$SRC' && PATH=/usr/local/go/bin:\$PATH \
	dpkg-buildpackage -d -us -uc -b >'$T/pkg/build.log' 2>&1"
DEB=$(ls "$T"/pkg/jailme_*.deb 2>/dev/null | head -1)
if [ "$RC" = 0 ] && [ -n "$DEB" ]; then
	ok "dpkg-buildpackage -us -uc -b builds ${DEB##*/}"
else
	fail "dpkg-buildpackage -us -uc -b builds the .deb" "status $RC: $(tail -15 "$T/pkg/build.log" | tr '\n' '|')"
	harness_leave
fi
mkdir -p "$BUILD/deb" 2>/dev/null && cp "$DEB" "$BUILD/deb/" 2>/dev/null

CAPTURE_TIMEOUT=180 capture lintian "${DEB%/*}"/jailme_*.changes
errs=$(printf '%s\n' "$OUT" | grep '^E: ')
check "lintian: no error" "$errs" test -z "$errs"
# An info-level tag: shown only when asked for (-I). The base build had
# it on both binaries (checked on 47160fd's debian/rules and Makefile).
bindnow=$(lintian -I --tags hardening-no-bindnow "${DEB%/*}"/jailme_*.changes 2>&1 | grep hardening-no-bindnow)
check "lintian -I: no hardening-no-bindnow (issue 24)" "$bindnow" test -z "$bindnow"
printf '%s\n' "$OUT" | grep -E '^[WE]: ' | sed 's/^/# lintian: /'

contents=$(dpkg-deb -c "$DEB")
check "package: usr/sbin/jailsh -rwsr-xr-x root/root" "$(grep 'usr/sbin/jailsh' <<<"$contents")" \
	grep -Eq '^-rwsr-xr-x root/root .* \./usr/sbin/jailsh$' <<<"$contents"
check "package: the module in /lib/$MA/security, 0644 root" "$(grep pam_jailme <<<"$contents")" \
	grep -Eq "^-rw-r--r-- root/root .* \./lib/$MA/security/pam_jailme\.so$" <<<"$contents"
lacks() { ! grep -Eq -- "$1" <<<"$2"; }
check "package: no /etc/jailme.conf (the admin writes it)" "it ships one" lacks '\./etc/jailme\.conf$' "$contents"

# --- the throwaway root ------------------------------------------------------
# The real trees, bound before anything is laid over them: the overlays'
# lower layers, and what the end of the suite checks is still untouched.
ORIG=$T/orig
OV=$T/ov
overlay() {
	local dir=$1 key=${1//\//_}
	mkdir -p "$ORIG/$key" "$OV/$key/up" "$OV/$key/work"
	mount --bind "$dir" "$ORIG/$key" &&
		mount -t overlay -o "lowerdir=$ORIG/$key,upperdir=$OV/$key/up,workdir=$OV/$key/work" "jailme-$key" "$dir"
}
real_status=$(sha256sum </var/lib/dpkg/status)
for d in /usr /var/lib /var/cache /lib /bin /sbin; do
	[ -L "$d" ] && continue
	overlay "$d" || { fail "overlay over $d" "mount failed"; harness_leave; }
done
# The stacks as pam-auth-update wrote them (lib.sh took pam_systemd out of
# the private copy; pam-auth-update would call that a local change).
mkdir -p "$T/realroot"
mount --bind / "$T/realroot" && cp "$T/realroot/etc/pam.d/common-session" "$T/realroot/etc/pam.d/common-session-noninteractive" /etc/pam.d/
umount "$T/realroot"
# man-db's trigger would rebuild the whole index: not what is tested here.
echo "man-db man-db/auto-update boolean false" | debconf-set-selections

# --- install ------------------------------------------------------------------
CAPTURE_TIMEOUT=120 capture dpkg -i "$DEB"
check "dpkg -i: installs" "status $RC: $(printf '%s\n' "$OUT" "$ERR" | tail -5 | tr '\n' '|')" test "$RC" = 0
check "dpkg: jailme is installed" '@$(dpkg-query -W -f="\${Status}" jailme 2>&1)' \
	test "$(dpkg-query -W -f='${Status}' jailme 2>/dev/null)" = "install ok installed"
check "$J: 4755 root root" "@$(stat -c '%a %U %G' $J 2>&1)" test "$(stat -c '%a %U %G' $J 2>&1)" = "4755 root root"
check "$PAMSO: 644 root root" "@$(stat -c '%a %U %G' "$PAMSO" 2>&1)" test "$(stat -c '%a %U %G' "$PAMSO" 2>&1)" = "644 root root"
check "postinst: /etc/shells lists $J once" '@$(grep -c jailsh /etc/shells)' test "$(grep -cxF $J /etc/shells)" = 1
check "package: the sshd drop-in is installed as a conffile (issue 17)" '@$(ls -l /etc/ssh/sshd_config.d/ 2>&1)' \
	cmp -s /etc/ssh/sshd_config.d/jailme.conf "$REPO/etc/ssh/sshd_config.d/jailme.conf"
check "postinst: the group jailme exists for the drop-in" "no group jailme" getent group jailme
check "the profile is off after install (Default: no): common-session does not name pam_jailme" \
	'@$(grep -n pam_jailme /etc/pam.d/common-*)' bash -c '! grep -q pam_jailme /etc/pam.d/common-*'

# --version and --help: anyone; not logged, not a check of the config (an
# unsafe one is in place).
add_user jmbash 3101 3101 "" /bin/bash
printf 'default deny\n' >/etc/jailme.conf
chmod 0666 /etc/jailme.conf
log_mark
capture $J --version
check "root: jailsh --version prints \"jailsh $VERSION\"" "status $RC, out: $OUT, err: $ERR" \
	test "$RC" = 0 -a "$OUT" = "jailsh $VERSION" -a -z "$ERR"
capture as jmbash $J --version
check "user: jailsh --version prints \"jailsh $VERSION\"" "status $RC, out: $OUT, err: $ERR" \
	test "$RC" = 0 -a "$OUT" = "jailsh $VERSION" -a -z "$ERR"
capture as jmbash $J --help
check "user: jailsh --help prints the usage, exit 0" "status $RC, out: $OUT, err: $ERR" \
	has "$RC $OUT" '^0 usage: jailsh '
check "--version, --help: nothing logged" '@logged: $(log_since_mark)' refute_log 'jailsh'
rm -f /etc/jailme.conf

# session SERVICE USER: pamtester opens and closes a session through the
# real stack, as sshd, login, su and cron do (root opening it for USER).
session() { capture pamtester -v "$1" "$2" open_session close_session; }
# cron's own stack where cron is installed, else Debian cron's session part
# (without a service file pamtester would get "other", which is interactive).
CRON=cron
if [ ! -e /etc/pam.d/cron ]; then
	CRON=jmcron
	printf '%s\n' "@include common-session-noninteractive" "session required pam_limits.so" \
		"session required pam_env.so" >/etc/pam.d/jmcron
fi

# Root and a bash user must get their sessions, whatever the config says
# (missing, default deny).
harmless() {
	local what=$1 svc u
	for svc in su login sshd $CRON; do
		for u in root jmbash; do
			log_mark
			session "$svc" "$u"
			if [ "$RC" = 0 ]; then
				ok "$what: $u gets a $svc session"
			else
				fail "$what: $u gets a $svc session" "status $RC: $ERR $(log_since_mark | tail -2 | tr '\n' '|')"
			fi
		done
	done
}
# The stacks themselves work here, before the profile is enabled.
harmless "before pam-auth-update (baseline)"

# --- pam-auth-update --enable jailme ------------------------------------------
CAPTURE_TIMEOUT=120 capture pam-auth-update --enable jailme
check "pam-auth-update --enable jailme" "status $RC: $OUT $ERR" test "$RC" = 0
line=$(grep -n pam_jailme /etc/pam.d/common-session)
check "common-session: session requisite pam_jailme.so jailsh=$J" "got: $line" \
	has "$line" "^[0-9]+:session[[:space:]]+requisite[[:space:]]+pam_jailme\.so jailsh=$J$"
unix=$(grep -n 'pam_unix\.so' /etc/pam.d/common-session | head -1)
check "common-session: after pam_unix (the standard modules)" "pam_unix at ${unix%%:*}, pam_jailme at ${line%%:*}" \
	test "${unix%%:*}" -lt "${line%%:*}"
check "common-session-noninteractive (cron, sudo) is not changed" '@$(grep pam_jailme /etc/pam.d/common-session-noninteractive)' \
	bash -c '! grep -q pam_jailme /etc/pam.d/common-session-noninteractive'

harmless "no /etc/jailme.conf"
install -m 0644 /usr/share/doc/jailme/examples/jailme.conf /etc/jailme.conf
harmless "the example config (default deny)"

# The module is really in the stack: a jailed user whose jail is not
# running is refused; one whose jail is running and agrees gets a session.
WEB=$T/web
make_rootfs "$WEB" web web-marker
jail_add_user "$WEB" jmin 3103 3103
jail_add_group "$WEB" jmin 3103
start_jail web "$WEB" || fail "start jail web" "no init"
add_user jmin 3103 3103 "" $J
add_user jmgone 3104 3104 "" $J
write_conf <<EOF
user jmin web
user jmgone gone
default deny
jail web { pidfile = "/run/jails/web.pid"; }
jail gone { pidfile = "/run/jails/gone.pid"; }
EOF
log_mark
session su jmgone
check "jailed user, jail not running: su session refused" "status $RC: $ERR" test "$RC" = 1
check "... and pam_jailme logged the denial" '@got: $(log_since_mark | grep pam_jailme)' \
	assert_log 'pam_jailme\[[0-9]+\]: deny service=su user=jmgone '
log_mark
session su jmin
check "jailed user, jail running and consistent: su session" "status $RC: $ERR $(log_since_mark | tail -1)" test "$RC" = 0
check "... and pam_jailme logged the allow" '@got: $(log_since_mark | grep pam_jailme)' \
	assert_log 'pam_jailme\[[0-9]+\]: allow service=su user=jmin uid=3103 jail=web '
harmless "jailed users in the config (user rules, default deny)"

# The README's quick start, as written, on the installed package (issue
# 24): alice has no account in the running jail web; she is in the group
# jailme (the postinst made it), which must stay on the host.
add_user alice 3110 3110 "" /bin/bash
add_member jailme alice
rm -f /etc/jailme.conf
awk '/^## Quick start/ { on = 1; next } on && /^## / { exit } on && /^    / { print substr($0, 5) }' \
	"$REPO/README.md" >"$T/quickstart.sh"
CAPTURE_TIMEOUT=60 capture bash -e "$T/quickstart.sh"
check "README quick start runs as written (enroll, chsh, -n)" "status $RC, out: $(tail -5 <<<"$OUT" | tr '\n' '|'), err: $ERR" \
	eval '[ "$RC" = 0 ] && has "$OUT" "^verdict: +allowed$" && [ -s "$T/quickstart.sh" ]'
capture as alice $J -c 'id -u; id -g; id -G; pwd'
check "... and alice lands in web with her uid, gid, home; jailme not among her groups" "status $RC, out: $OUT, err: $ERR" \
	test "$RC" = 0 -a "$(printf '%s' "$OUT" | tr '\n' ' ')" = "3110 3110 3110 /home/alice"
stop_jail web

# --- purge --------------------------------------------------------------------
# jmgone keeps jailsh as login shell: the removal must warn about him, and
# only him.
set_shell jmin /bin/sh
set_shell alice /bin/sh
CAPTURE_TIMEOUT=120 capture dpkg --purge jailme
check "dpkg --purge jailme" "status $RC: $(printf '%s\n' "$OUT" "$ERR" | tail -5 | tr '\n' '|')" test "$RC" = 0
purge_warned() {
	local all
	all=$(printf '%s\n%s\n' "$OUT" "$ERR")
	has "$all" "^jailme: warning: login shell $J still set for: jmgone \$" &&
		has "$all" '^jailme: they cannot log in until chsh gives them another shell'
}
check "prerm warns that jmgone's login shell is still $J, naming no one else" "out: $OUT, err: $ERR" purge_warned
set_shell jmgone /bin/sh
check "purged: dpkg no longer knows jailme" '@$(dpkg-query -W jailme 2>&1)' \
	bash -c '! dpkg-query -W -f="\${Status}" jailme 2>/dev/null | grep -q installed'
check "purged: $J and the module are gone" "@$(ls -l $J "$PAMSO" 2>&1)" test ! -e $J -a ! -e "$PAMSO"
check "purged: /etc/shells does not list $J" '@$(grep -n jailsh /etc/shells)' bash -c "! grep -qxF $J /etc/shells"
check "purged: the sshd drop-in is gone" '@$(ls -l /etc/ssh/sshd_config.d/ 2>&1)' test ! -e /etc/ssh/sshd_config.d/jailme.conf
check "purged: no stack names pam_jailme" '@$(grep -n pam_jailme /etc/pam.d/*)' bash -c '! grep -q pam_jailme /etc/pam.d/*'
rm -f /etc/jailme.conf
session su root
check "purged: root still gets a su session (no \"Module is unknown\")" "status $RC: $ERR" test "$RC" = 0

# --- the machine was never touched --------------------------------------------
if [ -L /lib ]; then realso=$ORIG/_usr/lib/$MA/security/pam_jailme.so; else realso=$ORIG/_lib/$MA/security/pam_jailme.so; fi
check "real /usr/sbin/jailsh and module never created" "@$(ls -l "$ORIG/_usr/sbin/jailsh" "$realso" 2>&1)" \
	test ! -e "$ORIG/_usr/sbin/jailsh" -a ! -e "$realso"
check "real dpkg status unchanged" "the real /var/lib/dpkg/status changed" \
	test "$(sha256sum <"$ORIG/_var_lib/dpkg/status")" = "$real_status"

harness_leave
