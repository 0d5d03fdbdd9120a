#!/bin/bash
# tests/lockout.sh — who pam_jailme is about (issue 10) and several jails per
# user (issue 18), through the real sshd, su and login with pam_jailme in
# all three session stacks.
#
# Issue 10: with the shipped config's shape (default deny, a deny rule, user
# and group rules) root and host users must log in as before; jailed users
# land in their jail or are refused with the reason; a broken config refuses
# only users whose login shell is jailsh. The same with `default web`.
# Issue 18: alice may enter web (her default) and build; she selects build
# with ssh -o SetEnv=JAILME_JAIL=build or jailsh -j build.
#
#	sudo tests/lockout.sh
#
# JAILME_VERBOSE=1 shows the output of failed cases.

. "$(dirname "$0")/lib.sh"
harness_enter "$@"

require_jailsh
if ! have_pam; then
	fail "build/pam_jailme.so exists" "run make pam"
	harness_leave
fi
install_pam

WEB=$T/jails/web
BUILDJ=$T/jails/build
MARK_WEB=web-marker-$RANDOM
MARK_BUILD=build-marker-$RANDOM
HOSTNAME_HOST=jailme-host-$RANDOM
hostname "$HOSTNAME_HOST"

# --- host users --------------------------------------------------------------
add_group devs 3000
add_user alice 2001 2001 "" "$JAILSH"      # user rule: web build
add_user bob 2002 2002 "" "$JAILSH"        # user rule: web, uid differs there
add_user carol 2003 2003 "" /bin/bash      # user rule: web, shell never changed
add_user dan 2004 2004 "" "$JAILSH"        # user rule: web build, uid differs in build
add_user gina 2008 2008 devs "$JAILSH"     # group rule devs: build
add_user henry 2009 2009 "" "$JAILSH"      # jailsh, no rule: the default decides
add_user mallory 2010 2010 "" /bin/bash    # deny rule, host shell
add_user plain 3001 3001 "" /bin/bash      # nobody's business: a host user
root_shell=$(getent passwd root | cut -d: -f7)

# --- jails -------------------------------------------------------------------
make_rootfs "$WEB" web "$MARK_WEB"
for u in alice:2001 bob:2102 carol:2003 dan:2004 henry:2009 plain:3001; do
	n=${u%%:*} id=${u#*:}
	jail_add_group "$WEB" "$n" "${id/2102/2002}"
	jail_add_user "$WEB" "$n" "$id" "${id/2102/2002}"
done
make_rootfs "$BUILDJ" build "$MARK_BUILD"
for u in alice:2001 dan:2104 gina:2008; do
	n=${u%%:*} id=${u#*:}
	jail_add_group "$BUILDJ" "$n" "${id/2104/2004}"
	jail_add_user "$BUILDJ" "$n" "$id" "${id/2104/2004}"
done
jail_add_group "$BUILDJ" devs 3000 gina
start_jail web "$WEB" || { fail "start jail web" "no init"; harness_leave; }
start_jail build "$BUILDJ" || { fail "start jail build" "no init"; harness_leave; }

# conf DEFAULT: the shipped example's shape.
conf() {
	write_conf <<-EOF
		user	alice	web build
		user	bob	web
		user	carol	web
		user	dan	web build
		user	mallory	deny
		group	devs	build
		default	$1
		jail web   { pidfile = "/run/jails/web.pid"; }
		jail build { pidfile = "/run/jails/build.pid"; groups = subset; }
	EOF
}

# pam_jailme in the session stacks of sshd, su and login, as the README
# tells the admin.
sed -i '/pam_motd/d' /etc/pam.d/sshd /etc/pam.d/login
for svc in sshd su login; do
	echo "session required $PAM_JAILME jailsh=$JAILSH" >>"/etc/pam.d/$svc"
done
SSHD_EXTRA="AcceptEnv JAILME_JAIL"
start_sshd || { fail "sshd starts" "$(tail -5 "$T/sshd.log")"; harness_leave; }
for u in root alice bob carol dan gina henry mallory plain; do
	authorize "$u"
done

probe='echo "at=$(hostname):$(cat /etc/marker 2>/dev/null || echo none):$(id -un)"'

# lands NAME WHERE CMD...: CMD's output says it ran in WHERE (host, web, build).
lands() {
	local name=$1 where=$2 want
	shift 2
	case $where in
	host) want="^at=$HOSTNAME_HOST:none:" ;;
	web) want="^at=web:$MARK_WEB:" ;;
	build) want="^at=build:$MARK_BUILD:" ;;
	esac
	capture "$@"
	check "$name: lands on $where" "status $RC, out: $OUT, err: $ERR" has "$OUT" "$want"
}

# refused NAME CODE WORDS CMD...: CMD does not run, the user is told WORDS,
# and pam_jailme refuses at open_session with a deny line with CODE, before
# any shell: sshd then ends the session with status 254, su with 1. With
# REFUSED_BY=jailsh, what only jailsh can know (a JAILME_JAIL selection: sshd
# hands the client's environment to the session, not to PAM): jailsh's
# deny line, status 1.
refused() {
	local name=$1 code=$2 words=$3 why= by=${REFUSED_BY:-pam_jailme} want=1
	shift 3
	[ "$by" = pam_jailme ] && case $1 in sshc | sel) want=254 ;; esac
	log_mark
	capture "$@"
	if has "$OUT$ERR" '^at='; then
		why="it ran: $OUT"
	elif [ "$RC" != "$want" ]; then
		why="status $RC, want $want; err: $ERR"
	elif ! has "$OUT$ERR" "$words"; then
		why="not told '$words'; out: $OUT; err: $ERR"
	elif ! assert_log "$by\[[0-9]+\]: deny .*code=([a-z-]+,)*$code(,[a-z-]+)*( |\$)"; then
		why="no $by deny line with code=$code; got: $(log_since_mark | grep -E 'pam_jailme|jailsh' | tail -2)"
	elif [ "$by" = pam_jailme ] && log_since_mark | grep -q 'jailsh\['; then
		why="jailsh ran although pam_jailme refused the session: $(log_since_mark | grep 'jailsh\[' | tail -1)"
	fi
	if [ -z "$why" ]; then ok "$name: refused ($code)"; else fail "$name: refused ($code)" "$why"; fi
}

# login_ok NAME USER: login -f USER on a pty reaches a shell on the host.
login_ok() {
	local s=l$RANDOM
	SHELL=/bin/sh tmux new-session -d -s "$s" -x 160 -y 40 "exec login -f $2"
	tmux_wait "$s" '[$#] *$' 10
	tmux send-keys -t "$s" 'echo "LOGIN-$(hostname)-$((6*7))"' Enter
	check "$1: login -f $2 lands on the host" '@screen: $(screen '"$s"')' tmux_wait "$s" "^LOGIN-$HOSTNAME_HOST-42" 10
	tmux kill-session -t "$s" 2>/dev/null
}

sshc() { ssh_as "$@"; }
export -f sshc
export probe JAILSH

# matrix LABEL: what must hold with the current config, whatever it is.
host_users_pass() {
	local l=$1
	lands "$l: ssh root (key)" host sshc root "$probe"
	lands "$l: su root" host su root -c "$probe"
	login_ok "$l" root
	lands "$l: ssh plain (/bin/bash)" host sshc plain "$probe"
	lands "$l: su - plain" host su - plain -c "$probe"
	login_ok "$l" plain
	lands "$l: ssh mallory (deny rule, /bin/bash)" host sshc mallory "$probe"
}

# --- 1. default deny (the shipped example) -------------------------------------
conf deny
host_users_pass "default deny"
lands "default deny: ssh alice" web sshc alice "$probe"
lands "default deny: su - alice" web su - alice -c "$probe"
lands "default deny: ssh gina (group rule)" build sshc gina "$probe"
refused "default deny: ssh bob (uid differs in web)" uid-mismatch 'uid 2102 in the jail' sshc bob "$probe"
refused "default deny: ssh carol (rule-jailed, shell /bin/bash)" shell 'login shell is /bin/bash, not jailsh' sshc carol "$probe"
refused "default deny: ssh henry (jailsh, only the default rule)" assigned-deny 'henry is denied by the default rule' sshc henry "$probe"

capture "$JAILSH" -n root
check "default deny: jailsh -n root says pam_jailme ignores root" "out: $OUT" \
	has "$OUT" '^pam_jailme: +ignored by pam_jailme: root is not a jailed user'
capture "$JAILSH" --audit
check "default deny: --audit lists root as ignored" "out: $OUT" has "$OUT" '^jailsh: audit: ignored user=root '
check "default deny: --audit finds carol (shell) and bob (uid-mismatch)" "out: $OUT" \
	eval 'has "$OUT" "^jailsh: audit: shell user=carol .*rule=/etc/jailme.conf:3:1" && has "$OUT" "^jailsh: audit: deny user=bob .*code=uid-mismatch"'
check "default deny: --audit finds henry, whom jailsh would refuse" "out: $OUT" \
	has "$OUT" '^jailsh: audit: unassigned user=henry .*code=assigned-deny'

# --- 2. a broken config: only jailsh users are refused --------------------------
chmod 0666 /etc/jailme.conf
host_users_pass "config world-writable"
refused "config world-writable: ssh alice" config 'writable' sshc alice "$probe"
check "config world-writable: the module says so at LOG_ERR for root" '@got: $(grep -c "stepping aside for root" "$LOG")' \
	grep -q 'configuration unusable, stepping aside for root' "$LOG"
conf deny
echo 'user frank web web web {' >>/etc/jailme.conf
host_users_pass "config syntax error"
refused "config syntax error: ssh alice" config 'jailme.conf:10' sshc alice "$probe"
refused "config syntax error: su - alice" config 'jailme.conf:10' su - alice -c "$probe"

# --- 3. default web ---------------------------------------------------------------
conf web
host_users_pass "default web"
lands "default web: ssh alice" web sshc alice "$probe"
lands "default web: ssh henry (jailsh, default rule)" web sshc henry "$probe"
refused "default web: ssh carol (rule-jailed, shell /bin/bash)" shell 'login shell is /bin/bash' sshc carol "$probe"

# --- 4. several jails per user (issue 18) -------------------------------------------
conf deny
sel() { ssh $SSH_OPTS -o SetEnv="JAILME_JAIL=$2" -p "$SSH_PORT" "$1@127.0.0.1" "${@:3}"; }
export -f sel
log_mark
lands "jails: ssh alice without a selection" web sshc alice "$probe"
lands "jails: ssh -o SetEnv=JAILME_JAIL=build alice" build sel alice build "$probe"
check "jails: the allow line names the jail and how it was selected" '@got: $(log_since_mark | grep "jailsh\[" | tail -1)' \
	assert_log "jailsh\[[0-9]+\]: allow user=alice uid=2001 jail=build select=JAILME_JAIL where=pid:${JAIL_PID[build]} "
REFUSED_BY=jailsh refused "jails: ssh alice selecting a jail not hers" not-allowed 'allowed: web, build' sel alice nosuch "$probe"
REFUSED_BY=jailsh refused "jails: gina selecting web (not hers)" not-allowed 'allowed: build' sel gina web "$probe"
lands "jails: su alice, JAILME_JAIL=build kept by su -w" build env JAILME_JAIL=build su -w JAILME_JAIL alice -c "$probe"

capture as alice "$JAILSH" -j build printf '[%s]\n' 'a b' '$HOME' '*' ';'
check "jails: jailsh -j build PROGRAM ARGS from a host shell: argv untouched" "status $RC, out: $OUT, err: $ERR" \
	[ "$OUT" = $'[a b]\n[$HOME]\n[*]\n[;]' ]
capture as alice "$JAILSH" -j build -c "$probe"
check "jails: jailsh -j build -c CMD" "status $RC, out: $OUT, err: $ERR" has "$OUT" "^at=build:$MARK_BUILD:alice$"
capture as alice "$JAILSH" -j build no-such-program
check "jails: jailsh -j build with a program the jail lacks is refused" "status $RC, err: $ERR" \
	eval '[ "$RC" = 1 ] && has "$ERR" "no-such-program: not found in /usr/local/bin:/usr/bin:/bin inside the jail"'
capture as gina "$JAILSH" -j web -c "$probe"
check "jails: -j cannot widen: gina -j web refused with her list" "status $RC, err: $ERR" \
	eval '[ "$RC" = 1 ] && has "$ERR" "gina may not enter jail web .*allowed: build"'

REFUSED_BY=jailsh refused "jails: dan in build (uid differs there)" uid-mismatch 'uid 2104 in the jail' sel dan build "$probe"
lands "jails: dan in web still works" web sshc dan "$probe"

capture "$JAILSH" -n alice
check "jails: jailsh -n alice shows a verdict for web and for build" "out: $OUT" \
	eval '[ "$(printf "%s\n" "$OUT" | grep -c "^verdict: *allowed")" = 2 ] && has "$OUT" "^--- with -j build"'
capture "$JAILSH" --audit
check "jails: --audit covers every user and jail pair" "out: $OUT" \
	eval 'has "$OUT" "^jailsh: audit: allow user=alice .*jail=web" && has "$OUT" "^jailsh: audit: allow user=alice .*jail=build" && has "$OUT" "^jailsh: audit: deny user=dan .*jail=build .*code=uid-mismatch"'

# --- 5. never root, never a host user; a uid jailed under every name (issue 21) ----
# Rules that name root, or a group root is in: the module ignores uid 0
# whatever they say (a LOG_ERR line), jailsh -t warns.
conf deny
printf 'user\troot\tweb\ngroup\troot\tbuild\n' >>/etc/jailme.conf
log_mark
lands "user root web: ssh root" host sshc root "$probe"
lands "user root web: su root" host su root -c "$probe"
login_ok "user root web" root
check "user root web: the module says so at LOG_ERR" "@$(log_since_mark | grep pam_jailme | tail -2)" \
	assert_log 'pam_jailme.*user root: the user rule at /etc/jailme.conf:10:1 would jail root \(uid 0\): pam_jailme never jails uid 0'
capture "$JAILSH" -t
check "user root web: jailsh -t warns, status 0" "status $RC, err: $ERR" \
	eval '[ "$RC" = 0 ] && has "$ERR" "^jailsh: warning: the user rule at /etc/jailme.conf:10:1 would jail root \(uid 0\)"'
sed -i '/^user\troot/d' /etc/jailme.conf
lands "group root build: ssh root" host sshc root "$probe"
capture "$JAILSH" -t
check "group root build: jailsh -t warns" "status $RC, err: $ERR" \
	has "$ERR" "^jailsh: warning: the group rule at /etc/jailme.conf:10:1 would jail root \(uid 0\)"

# A host user whose primary gid has no group entry, with group rules in
# the config: no rule can name the gid, so it is nobody's business.
conf deny
echo "dangle:x:3002:4242:dangle:/home/dangle:/bin/bash" >>/etc/passwd
echo "dangle:*:19000:0:99999:7:::" >>/etc/shadow
mkdir -m 0755 /home/dangle && chown 3002:4242 /home/dangle
authorize dangle
lands "dangling primary gid 4242: ssh dangle" host sshc dangle "$probe"
lands "dangling primary gid 4242: su - dangle" host su - dangle -c "$probe"

# alice2: a second passwd name for jailed alice's uid 2001, with a host
# shell. jailsh takes uid 2001 for alice; the module sees the name alice2
# and refuses it (a host session would be alice's uid on the host).
echo "alice2:x:2001:2001:alice2:/home/alice2:/bin/sh" >>/etc/passwd
echo "alice2:*:19000:0:99999:7:::" >>/etc/shadow
mkdir -m 0755 /home/alice2 && chown 2001:2001 /home/alice2
authorize alice2
refused "uid alias: ssh alice2 (uid 2001 is jailed alice's)" uid-alias 'a uid is jailed under every name' sshc alice2 "$probe"
refused "uid alias: su - alice2" uid-alias 'a uid is jailed under every name' su - alice2 -c "$probe"
capture "$JAILSH" --audit
check "uid alias: --audit lists the host-side alias" "out: $OUT" \
	has "$OUT" '^jailsh: audit: alias user=alice uid=2001 where=host account=alice2 code=uid-alias'
lands "uid alias: ssh alice still lands in web" web sshc alice "$probe"

# Includes that fan out (3 levels of 5 drop-ins, 155 files) are refused as
# a whole: jailed users are refused naming the bound, root is not.
conf deny
for n in 1 2 3; do
	mkdir -p -m 0755 "/etc/jailme.l$n.d"
	for i in 0 1 2 3 4; do
		if [ "$n" -lt 3 ]; then echo ".include \"/etc/jailme.l$((n + 1)).d/*.conf\"" ; fi >"/etc/jailme.l$n.d/$i.conf"
	done
done
echo '.include "/etc/jailme.l1.d/*.conf"' >>/etc/jailme.conf
lands "include fan-out: ssh root" host sshc root "$probe"
refused "include fan-out: ssh alice" config 'more than 128 files included in all' sshc alice "$probe"
conf deny

# A loginShell the user chose (FreeIPA's self-service lets users set their
# own): ivy, whom the group rule jails (and whom the jail knows), names her
# own program jailsh. Any absolute path named jailsh passed the module's
# shell check, and sshd ran her program: a host session.
add_user ivy 2011 2011 devs /home/ivy/bin/jailsh
jail_add_group "$BUILDJ" ivy 2011
jail_add_user "$BUILDJ" ivy 2011 2011
install -d -o ivy -g ivy -m 0755 /home/ivy/bin
printf '#!/bin/sh\nexec /bin/sh "$@"\n' >/home/ivy/bin/jailsh
chown ivy:ivy /home/ivy/bin/jailsh
chmod 0755 /home/ivy/bin/jailsh
authorize ivy
refused "her own program named jailsh as login shell: ssh ivy" shell "not jailsh at a path of root's" sshc ivy "$probe"

# The shipped sshd stack (etc/pam.d/sshd: requisite, before pam_motd): a
# refused user sees the refusal and not the host's message of the day.
MOTD="motd-of-$HOSTNAME_HOST-kernel-$(uname -r)"
echo "$MOTD" >/etc/motd
{
	grep -v '^session' /etc/pam.d/sshd
	grep '^session' "$REPO/etc/pam.d/sshd" | sed "s|pam_jailme.so|$PAM_JAILME jailsh=$JAILSH|"
} >"$T/sshd.pam"
cp "$T/sshd.pam" /etc/pam.d/sshd
# An interactive login (no command): sshd shows PAM's messages there.
capture_in $'echo at-host; exit\n' ssh $SSH_OPTS -tt -p "$SSH_PORT" plain@127.0.0.1
check "MOTD: the shipped stack shows a host user the message of the day" "status $RC, out: $OUT, err: $ERR" has "$OUT$ERR" "$MOTD"
capture_in $'echo at-host; exit\n' ssh $SSH_OPTS -tt -p "$SSH_PORT" henry@127.0.0.1
check "MOTD: a refused user sees the refusal, not the message of the day (issue 21)" "status $RC, out: $OUT, err: $ERR" \
	eval 'has "$OUT$ERR" "henry is denied by the default rule" && ! has "$OUT$ERR" "$MOTD"'

harness_leave
