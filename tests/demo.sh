#!/usr/bin/env bash
# make demo: what jailme does, in one minute, on a throwaway world.
#
# Inside private namespaces (nothing of the machine's /etc, users or PAM
# stacks is touched): a jail "web" from busybox-static, two host users whose
# login shell is jailsh, sshd on 127.0.0.1 with pam_jailme in its session
# stack. alice's identity agrees between host and jail: she logs in over ssh
# and lands in the jail. mallory's jail entry grants her a group the host
# does not: she is refused, with the reason, on her screen and in syslog.

. "$(dirname "$0")/lib.sh"
harness_enter "$@"

have_jailsh && have_pam || { fail "demo" "build first: make"; harness_leave; }
install_jailsh && install_pam || { fail "demo" "install failed"; harness_leave; }

# Bold on a terminal only: piped or logged, escape codes are noise.
if [ -t 1 ]; then
	show() { printf '\n\033[1m%s\033[0m\n' "$*"; }
else
	show() { printf '\n== %s\n' "$*"; }
fi
run() {
	printf '$ %s\n' "$*"
	"$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}

show "1. Two host users; their login shell is jailsh"
add_group devs 3000
add_user alice 2001 2001 devs "$JAILSH"
add_user mallory 2002 2002 "" "$JAILSH"
grep -E '^(alice|mallory):' /etc/passwd | sed 's/^/    /'

show "2. A jail: busybox in its own mount, pid, uts, ipc, net and cgroup namespaces"
WEB=$T/jails/web
make_rootfs "$WEB" web "hello from inside the jail web"
jail_add_group "$WEB" alice 2001
jail_add_group "$WEB" devs 3000 alice
jail_add_user "$WEB" alice 2001 2001
jail_add_group "$WEB" mallory 2002
jail_add_group "$WEB" wheel 10 mallory     # the jail grants mallory a group the host does not
jail_add_user "$WEB" mallory 2002 2002
start_jail web "$WEB" || { fail "demo" "the jail did not start"; harness_leave; }
echo "    jail web: init is host pid ${JAIL_PID[web]}, pidfile /run/jails/web.pid"
printf '    jail /etc/group:\n'; sed 's/^/      /' "$WEB/etc/group"

show "3. /etc/jailme.conf"
write_conf <<'CONF'
user    alice    web
user    mallory  web
default deny
jail web { pidfile = "/run/jails/web.pid"; groups = strict; }
CONF
sed 's/^/    /' /etc/jailme.conf
run "$JAILSH" -t && echo "    jailsh -t: the config is valid and safely owned"

show "4. sshd on 127.0.0.1 with pam_jailme in its session stack"
pam_stack on
start_sshd || { fail "demo" "sshd did not start"; harness_leave; }
authorize alice
authorize mallory
echo "    sshd listening on 127.0.0.1:$SSH_PORT"

show "5. alice logs in over ssh and lands in the jail, as herself"
log_mark
run ssh_as alice 'id; echo "hostname: $(hostname)"; cat /etc/marker; ps'
check "alice's session ran inside the jail" "no marker" has "$(ssh_as alice cat /etc/marker 2>&1)" 'inside the jail web'

show "6. mallory is refused: the jail grants her group wheel, the host does not"
run ssh_as mallory id
check "mallory is refused" "she got a shell" [ "$(ssh_as mallory 'echo SHELL-RAN' 2>&1 | grep -c SHELL-RAN)" = 0 ]

show "7. What syslog (LOG_AUTHPRIV) recorded"
log_since_mark | grep -E 'jailsh|pam_jailme' | sed -E 's/^<[0-9]+>//; s/^/    /'

show "8. What the admin sees: jailsh -n mallory"
run "$JAILSH" -n mallory

harness_leave
