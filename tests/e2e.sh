#!/bin/bash
# tests/e2e.sh — end-to-end test (issue 4): a private sshd, two busybox jails,
# jailsh as the users' login shell, and (when built) pam_jailme in sshd's
# session stack. Every case checks what the user sees and the syslog line.
#
#	sudo tests/e2e.sh               (make e2e)
#
# JAILME_VERBOSE=1 shows the output of failed cases and the syslog at the end;
# JAILME_KEEP=DIR keeps the syslog, sshd log and load results in DIR.
# E2E_LOAD=N changes the number of logins of the load case (default 200).

. "$(dirname "$0")/lib.sh"
harness_enter "$@"

require_jailsh

WEB=$T/jails/web
BUILDJ=$T/jails/build
DEAD=$T/jails/dead
MARK_WEB=web-marker-$RANDOM$RANDOM
MARK_BUILD=build-marker-$RANDOM$RANDOM

# --- host users ------------------------------------------------------------------
add_group devs 3000
add_user alice 2001 2001 devs "$JAILSH"   # user rule: web
add_user bob 2002 2002 "" "$JAILSH"       # uid differs in web
add_user carol 2003 2003 "" "$JAILSH"     # web gives her a group the host does not
add_user dave 2004 2004 "" "$JAILSH"      # missing in web
add_user dan 2005 2005 "" "$JAILSH"       # his group has another name in web
add_user frank 2006 2006 "" "$JAILSH"     # assigned to a jail that is not running
add_user gina 2008 2008 devs "$JAILSH"    # group rule devs: build (groups = subset)
add_user henry 2009 2009 "" "$JAILSH"     # no rule: default deny
add_user plain 3001 3001 "" /bin/sh       # the harness's own check: no jailsh

# --- jails -------------------------------------------------------------------------
make_rootfs "$WEB" web "$MARK_WEB"
echo 'PS1="[jail-web]\$ "' >"$WEB/etc/profile"
rootfs_add_sftp "$WEB" || { fail "sftp-server for the web jail" "no sftp-server on this host"; harness_leave; }
rootfs_add_binary "$WEB" /usr/bin/scp
HAVE_RSYNC=
command -v rsync >/dev/null && rootfs_add_binary "$WEB" "$(command -v rsync)" && HAVE_RSYNC=1
jail_add_group "$WEB" alice 2001
jail_add_group "$WEB" devs 3000 alice
jail_add_user "$WEB" alice 2001 2001
jail_add_group "$WEB" bob 2002
jail_add_user "$WEB" bob 2102 2002
jail_add_group "$WEB" carol 2003
jail_add_group "$WEB" extra 4000 carol
jail_add_user "$WEB" carol 2003 2003
jail_add_group "$WEB" danjail 2005
jail_add_user "$WEB" dan 2005 2005

make_rootfs "$BUILDJ" build "$MARK_BUILD"
jail_add_group "$BUILDJ" gina 2008        # no devs here: allowed by groups = subset
jail_add_user "$BUILDJ" gina 2008 2008

make_rootfs "$DEAD" dead dead-marker
jail_add_group "$DEAD" frank 2006
jail_add_user "$DEAD" frank 2006 2006

start_jail web "$WEB" || { fail "start jail web" "no init"; harness_leave; }
start_jail build "$BUILDJ" || { fail "start jail build" "no init"; harness_leave; }
DEADPID=
start_jail dead "$DEAD" && DEADPID=${JAIL_PID[dead]} && stop_jail dead
check "setup: jail dead ran and died, /run/jails/dead.pid names its dead init (a stale pidfile, not a missing one)" \
	"init ${DEADPID:-never started}, pidfile: $(cat /run/jails/dead.pid 2>&1)" \
	eval '[ -n "$DEADPID" ] && [ "$(cat /run/jails/dead.pid 2>/dev/null)" = "$DEADPID" ] && [ ! -e "/proc/$DEADPID" ]'
WEBPID=${JAIL_PID[web]}
BUILDPID=${JAIL_PID[build]}

write_conf <<'EOF'
user	alice	web
user	bob	web
user	carol	web
user	dan	web
user	dave	web
user	frank	dead
user	root	web
group	devs	build
default	deny
jail web   { pidfile = "/run/jails/web.pid"; }
jail build { pidfile = "/run/jails/build.pid"; groups = subset; }
jail dead  { pidfile = "/run/jails/dead.pid"; }
EOF

# pam_motd's banner only gets in the way of reading the sessions.
sed -i '/pam_motd/d' /etc/pam.d/sshd /etc/pam.d/login
start_sshd || { fail "sshd starts" "$(tail -5 "$T/sshd.log")"; harness_leave; }
for u in alice bob carol dave dan frank gina henry plain root; do
	authorize "$u"
done

capture ssh_as plain 'echo harness-$((6*7))'
check "harness: sshd lets a plain /bin/sh user in" "status $RC, err: $ERR" has "$OUT" '^harness-42$'

esc() { printf '%s' "$1" | sed 's/[][\.*^$]/\\&/g'; }
line() { printf '%s\n' "$OUT" | grep -E -- "$1" | head -1; }

# --- ssh, command -------------------------------------------------------------------------

log_mark
capture ssh_as alice 'id; echo "host=$(hostname)"; echo "marker=$(cat /etc/marker)"; echo "pid=$$"; echo "pidns=$(readlink /proc/self/ns/pid)"; ps'
check "ssh alice CMD: runs" "status $RC, err: $ERR" [ "$RC" = 0 ]
check "ssh alice CMD: id is alice's" "got: $(line uid=)" has "$OUT" '^uid=2001\(alice\) gid=2001\(alice\) groups=.*3000\(devs\)'
check "ssh alice CMD: hostname is web's" "got: $(line host=)" has "$OUT" '^host=web$'
check "ssh alice CMD: /etc/marker is web's" "got: $(line marker=)" has "$OUT" "^marker=$MARK_WEB\$"
check "ssh alice CMD: in web's pid namespace" "got: $(line pidns=), want $(readlink /proc/$WEBPID/ns/pid)" \
	has "$OUT" "^pidns=$(esc "$(readlink "/proc/$WEBPID/ns/pid")")\$"
check "ssh alice CMD: \$\$ is a pid of the jail" "got: $(line pid=)" has "$OUT" '^pid=[0-9]{1,3}$'
check "ssh alice CMD: ps shows the jail only" "ps: $(printf '%s' "$OUT" | sed -n '/PID/,$p' | tr '\n' '|')" \
	eval 'has "$OUT" "^ *1 .*init" && ! has "$OUT" "sshd|logsink|tmux"'
check "ssh alice CMD: allow line in syslog" '@got: $(log_since_mark | grep jailsh | tail -1)' \
	assert_log "jailsh\[[0-9]+\]: allow user=alice uid=2001 jail=web where=pid:$WEBPID command="

capture ssh_as alice 'exit 7'
check "ssh alice 'exit 7': status 7" "status $RC" [ "$RC" = 7 ]

capture_in $'line one\nline two\n' ssh_as alice 'wc -l'
check "ssh alice CMD: stdin reaches the jailed command" "got: $OUT" has "$OUT" '^ *2$'

# --- ssh, interactive ---------------------------------------------------------------------


log_mark
tmux_ssh i1 alice
check "ssh -tt alice: the jail's login shell prompt (web's /etc/profile)" '@screen: $(screen i1)' \
	tmux_wait i1 '^\[jail-web\]\$' 15
tmux send-keys -t i1 'echo "I-$(hostname)-$(cat /etc/marker)-$(id -u)"' Enter
check "ssh -tt alice: commands run in the jail" '@screen: $(screen i1)' tmux_wait i1 "^I-web-$MARK_WEB-2001\$"
check "ssh -tt alice: allow line says command=login" '@got: $(log_since_mark | grep jailsh | tail -1)' \
	assert_log "jailsh\[[0-9]+\]: allow user=alice uid=2001 jail=web where=pid:$WEBPID command=login"
tmux send-keys -t i1 'exit' Enter
check "ssh -tt alice: exit ends the session" '@still open: $(screen i1)' tmux_gone i1
check "ssh -tt alice: nothing left in the jail after exit" '@left: $(jail_procs_line web)' jail_quiet web 10
jail_kill_strays web

tmux_ssh i2 alice
tmux_wait i2 '^\[jail-web\]\$' 15
tmux send-keys -t i2 'echo READY; sleep 4242' Enter
tmux_wait i2 '^READY$' 10
if await_jail_proc web sleep >/dev/null; then
	kill -KILL "$(tmux list-panes -t i2 -F '#{pane_pid}')"
	check "ssh -tt alice: a dropped connection kills the jailed shell and its job" \
		'@left: $(jail_procs_line web)' jail_quiet web 10
	jail_kill_strays web
else
	fail "ssh -tt alice: a dropped connection kills the jailed shell and its job" \
		"the job did not start in the jail: $(screen i2)"
fi
tmux kill-session -t i2 2>/dev/null

# --- file transfer ----------------------------------------------------------------------

echo "scp-up-$RANDOM" >/tmp/up-scp
capture scp -q $SSH_OPTS -P "$SSH_PORT" /tmp/up-scp alice@127.0.0.1:/home/alice/up-scp
landed() { # FILE-IN-JAIL LOCAL-FILE
	[ -f "$1" ] && cmp -s "$1" "$2" && [ "$(stat -c %u:%g "$1")" = 2001:2001 ]
}
check "scp to the jail: lands in web's tree, owned by alice" "status $RC, err: $ERR, $(ls -ln "$WEB/home/alice" | tr '\n' ' ')" \
	landed "$WEB/home/alice/up-scp" /tmp/up-scp
capture scp -q $SSH_OPTS -P "$SSH_PORT" alice@127.0.0.1:/etc/marker /tmp/down-scp
check "scp from the jail: gets web's /etc/marker" "status $RC, err: $ERR" eval '[ "$(cat /tmp/down-scp 2>/dev/null)" = "$MARK_WEB" ]'
capture scp -O -q $SSH_OPTS -P "$SSH_PORT" /tmp/up-scp alice@127.0.0.1:/home/alice/up-scp-O
check "scp -O (legacy protocol) to the jail" "status $RC, err: $ERR" landed "$WEB/home/alice/up-scp-O" /tmp/up-scp

echo "sftp-up-$RANDOM" >/tmp/up-sftp
printf 'put /tmp/up-sftp /home/alice/up-sftp\nls -n /home/alice\nget /etc/marker /tmp/down-sftp\n' >/tmp/batch
log_mark
capture sftp -b /tmp/batch $SSH_OPTS -P "$SSH_PORT" alice@127.0.0.1
check "sftp -b: put lands in web's tree, owned by alice" "status $RC, err: $ERR" landed "$WEB/home/alice/up-sftp" /tmp/up-sftp
check "sftp -b: ls lists the jail's home" "out: $OUT" has "$OUT" 'up-scp$'
check "sftp -b: get fetches web's /etc/marker" "status $RC, err: $ERR" eval '[ "$(cat /tmp/down-sftp 2>/dev/null)" = "$MARK_WEB" ]'
check "sftp: allow line names the subsystem command" '@got: $(log_since_mark | grep jailsh | tail -1)' \
	assert_log "jailsh\[[0-9]+\]: allow user=alice uid=2001 jail=web where=pid:$WEBPID command=\"-c $SFTP_SERVER\""

if [ -n "$HAVE_RSYNC" ]; then
	echo "rsync-up-$RANDOM" >/tmp/up-rsync
	capture rsync -e "ssh $SSH_OPTS -p $SSH_PORT" /tmp/up-rsync alice@127.0.0.1:/home/alice/up-rsync
	check "rsync over ssh to the jail" "status $RC, err: $ERR" landed "$WEB/home/alice/up-rsync" /tmp/up-rsync
else
	skip "rsync over ssh to the jail" "no rsync on the host"
fi
check "file transfers leave nothing in the jail" '@left: $(jail_procs_line web)' jail_quiet web 10
jail_kill_strays web

# --- assignment by group, and no assignment ---------------------------------------------

log_mark
capture ssh_as gina 'id; echo "host=$(hostname)"; cat /etc/marker'
check "ssh gina (group devs): lands in jail build" "status $RC, out: $OUT, err: $ERR" \
	eval 'has "$OUT" "^host=build\$" && has "$OUT" "^$MARK_BUILD\$" && has "$OUT" "^uid=2008\\(gina\\)"'
check "ssh gina: allow line names jail build" '@got: $(log_since_mark | grep jailsh | tail -1)' \
	assert_log "jailsh\[[0-9]+\]: allow user=gina uid=2008 jail=build where=pid:$BUILDPID"

# --- su and login ---------------------------------------------------------------------------

log_mark
capture su - alice -c 'echo "su=$(hostname):$(cat /etc/marker):$(id -u)"'
check "su - alice -c CMD from root: lands in web" "status $RC, out: $OUT, err: $ERR" has "$OUT" "^su=web:$MARK_WEB:2001\$"
capture su alice -c 'echo "su=$(hostname):$(cat /etc/marker):$(id -u)"'
check "su alice -c CMD from root: lands in web" "status $RC, out: $OUT, err: $ERR" has "$OUT" "^su=web:$MARK_WEB:2001\$"
capture_in $'echo "su=$(hostname):$(cat /etc/marker)"\nexit 5\n' su - alice
check "su - alice (login shell, commands on stdin): lands in web" "status $RC, out: $OUT, err: $ERR" has "$OUT" "^su=web:$MARK_WEB\$"
check "su - alice: exit status passes" "status $RC" [ "$RC" = 5 ]
check "su: allow line in syslog" '@got: $(log_since_mark | grep jailsh | tail -1)' \
	assert_log "jailsh\[[0-9]+\]: allow user=alice uid=2001 jail=web"

log_mark
SHELL=/bin/sh tmux new-session -d -s l1 -x 160 -y 40 'exec login -f alice'
check "login -f alice on a pty: the jail's prompt" '@screen: $(screen l1)' tmux_wait l1 '\[jail-web\]\$' 15
tmux send-keys -t l1 'echo "L-$(hostname)-$(cat /etc/marker)"' Enter
check "login -f alice on a pty: lands in web" '@screen: $(screen l1)' tmux_wait l1 "^L-web-$MARK_WEB\$"
tmux send-keys -t l1 'exit' Enter
check "login -f alice on a pty: exit ends it" '@still open: $(screen l1)' tmux_gone l1
tmux kill-session -t l1 2>/dev/null
check "su and login leave nothing in the jail" '@left: $(jail_procs_line web)' jail_quiet web 10
jail_kill_strays web

# --- refusals through sshd -------------------------------------------------------------------

# ssh_denied NAME USER CODE: ssh USER 'echo SHOULD-NOT-RUN' is refused by jailsh,
# the client is told why, and syslog has the code.
ssh_denied() {
	local name=$1 user=$2 code=$3 why=
	log_mark
	capture ssh_as "$user" 'echo SHOULD-NOT-RUN'
	if has "$OUT$ERR" SHOULD-NOT-RUN; then
		why="the command ran"
	elif [ "$RC" != 1 ]; then
		why="status $RC, want 1; err: $ERR"
	elif ! has "$ERR" '^jailsh: denied: .+'; then
		why="client was not told 'jailsh: denied: REASON'; err: $ERR"
	elif ! assert_log "jailsh\[[0-9]+\]: deny user=$user uid=$(id -u "$user") .*code=([a-z-]+,)*$code(,[a-z-]+)*( |\$)"; then
		why="no syslog 'deny user=$user ... code=$code'; got: $(log_since_mark | grep jailsh | tail -1)"
	fi
	if [ -z "$why" ]; then ok "$name"; else fail "$name" "$why"; fi
}

ssh_denied "ssh refused: uid mismatch (uid-mismatch)" bob uid-mismatch
ssh_denied "ssh refused: extra group in the jail (extra-group)" carol extra-group
ssh_denied "ssh refused: group name mismatch (group-name-mismatch)" dan group-name-mismatch
ssh_denied "ssh refused: user missing in the jail (missing-user)" dave missing-user
ssh_denied "ssh refused: no assignment, default deny (assigned-deny)" henry assigned-deny
ssh_denied "ssh refused: jail not running (jail)" frank jail

ROOT_SHELL=$(getent passwd root | cut -d: -f7)
set_shell root "$JAILSH"
ssh_denied "ssh refused: root assigned to a jail (root)" root root
set_shell root "$ROOT_SHELL"

chmod o+w /etc/jailme.conf
ssh_denied "ssh refused: config writable by others (config)" alice config
chmod 0644 /etc/jailme.conf

check "refusals leave nothing in the jails" '@left: $(jail_procs_line web)' jail_quiet web 5
jail_kill_strays web

# --- load --------------------------------------------------------------------------------------

# 200 logins, 20 at a time, alternating alice (web) and gina (build).
N=${E2E_LOAD:-200}
load_one() {
	local i=$1 user=alice want=web
	[ $((i % 2)) = 0 ] && user=gina want=build
	if out=$(timeout 60 bash -c 'ssh_as "$1" "echo load-\$(hostname)"' _ "$user" 2>&1) &&
		[ "$out" = "load-$want" ]; then
		echo "ok $i"
	else
		echo "bad $i $user: $out" | tr '\n' ' '
		echo
	fi
}
export -f load_one
log_mark
start=$(date +%s)
seq "$N" | xargs -P 20 -I{} bash -c 'load_one {}' >"$T/load.out" 2>&1
took=$(($(date +%s) - start))
good=$(grep -c '^ok ' "$T/load.out")
check "load: $N logins, 20 at a time, all land in their jail (${took}s)" \
	"$((N - good)) failed, e.g.: $(grep -v '^ok ' "$T/load.out" | head -2 | tr '\n' ' ')" [ "$good" = "$N" ]
allows=$(log_count 'jailsh\[[0-9]+\]: allow user=(alice|gina) .*command="-c echo load-' "$N")
check "load: one allow line per login in syslog" "$allows allow lines for $N logins" [ "$allows" = "$N" ]
check "load: no process left in web" '@left: $(jail_procs_line web)' jail_quiet web 15
jail_kill_strays web
check "load: no process left in build" '@left: $(jail_procs_line build)' jail_quiet build 15
jail_kill_strays build
capture ssh_as alice 'echo still-here'
check "load: sshd still answers" "status $RC, err: $ERR" has "$OUT" '^still-here$'

# --- pam_jailme in sshd's session stack ------------------------------------------------------

if have_pam; then
	install_pam
	pam_stack on

	log_mark
	capture ssh_as alice 'echo "pam=$(hostname)"'
	check "pam_jailme: ssh alice is let in and lands in web" "status $RC, out: $OUT, err: $ERR" has "$OUT" '^pam=web$'
	check "pam_jailme: allow line (service=sshd rhost=127.0.0.1)" '@got: $(log_since_mark | grep pam_jailme | tail -1)' \
		assert_log "pam_jailme\[[0-9]+\]: allow service=sshd rhost=127.0.0.1 user=alice uid=2001 jail=web where=pid:$WEBPID"

	# pam_denied NAME USER CODE: the session is refused before any shell.
	pam_denied() {
		local name=$1 user=$2 code=$3 why=
		log_mark
		capture ssh_as "$user" 'echo SHOULD-NOT-RUN'
		if has "$OUT$ERR" SHOULD-NOT-RUN; then
			why="the command ran"
		elif [ "$RC" != 254 ]; then
			why="status $RC, want 254 (sshd ends a session PAM refused with 254)"
		elif ! assert_log "pam_jailme\[[0-9]+\]: deny service=sshd rhost=127.0.0.1 user=$user uid=$(id -u "$user") .*code=([a-z-]+,)*$code(,[a-z-]+)*( |\$)"; then
			why="no syslog 'pam_jailme: deny ... user=$user ... code=$code'; got: $(log_since_mark | grep pam_jailme | tail -1)"
		elif log_since_mark | grep -q 'jailsh\['; then
			why="jailsh ran although the session was refused"
		elif ! has "$OUT" "^jailme: .*[a-z]"; then
			# sshd shows the module's PAM_ERROR_MSG before it ends the
			# refused session (session.c: display_loginmsg, on the
			# session's stdout, then exit 254).
			why="the client was not told why; stdout: $OUT; stderr: $ERR"
		fi
		if [ -z "$why" ]; then ok "$name"; else fail "$name" "$why"; fi
	}
	pam_denied "pam_jailme refuses: uid mismatch (uid-mismatch)" bob uid-mismatch
	pam_denied "pam_jailme refuses: extra group in the jail (extra-group)" carol extra-group
	pam_denied "pam_jailme refuses: user missing in the jail (missing-user)" dave missing-user
	pam_denied "pam_jailme refuses: jail not running (jail)" frank jail
	chmod o+w /etc/jailme.conf
	pam_denied "pam_jailme refuses: config writable by others (config)" alice config
	chmod 0644 /etc/jailme.conf

	# The module lives in sshd's monitor, which forks for every
	# connection: 50 logins one after another, then 20 at once, must all
	# land (a module entering Go in a forked child hangs sshd here).
	log_mark
	start=$SECONDS
	seq 50 | xargs -P 1 -I{} bash -c 'load_one {}' >"$T/pam-seq.out" 2>&1
	good=$(grep -c '^ok ' "$T/pam-seq.out")
	check "pam_jailme: 50 sequential logins all land ($((SECONDS - start))s)" \
		"$((50 - good)) failed: $(grep -v '^ok ' "$T/pam-seq.out" | head -2 | tr '\n' ' ')" [ "$good" = 50 ]
	start=$SECONDS
	seq 20 | xargs -P 20 -I{} bash -c 'load_one {}' >"$T/pam-par.out" 2>&1
	good=$(grep -c '^ok ' "$T/pam-par.out")
	check "pam_jailme: 20 parallel logins all land ($((SECONDS - start))s)" \
		"$((20 - good)) failed: $(grep -v '^ok ' "$T/pam-par.out" | head -2 | tr '\n' ' ')" [ "$good" = 20 ]
	allows=$(log_count 'pam_jailme\[[0-9]+\]: allow service=sshd' 70)
	check "pam_jailme: one allow line per login (70)" "$allows pam_jailme allow lines" [ "$allows" = 70 ]
	capture ssh_as alice 'echo still-here'
	check "pam_jailme: sshd still answers" "status $RC, err: $ERR" has "$OUT" '^still-here$'

	pam_stack off
else
	skip "pam_jailme in sshd's session stack" "build/pam_jailme.so is not built"
fi

capture ssh_as plain 'echo bye'
check "sshd still answers at the end" "status $RC, err: $ERR" has "$OUT" '^bye$'

# --- refusals through the real login binary ------------------------------------------------

# login_denied NAME USER BY CODE WORDS: login -f USER on a pty is refused by
# BY (jailsh as the login shell, or pam_jailme in login's session stack)
# with CODE; the user is shown WORDS, nothing runs. login exits 1 when the
# session could not open; after a shell (jailsh) it exits 0 whatever the
# shell's status (util-linux login).
login_denied() {
	local name=$1 user=$2 by=$3 code=$4 words=$5 s=d$RANDOM why= scr want=0
	[ "$by" = pam_jailme ] && want=1
	log_mark
	SHELL=/bin/sh tmux new-session -d -s "$s" -x 200 -y 40 \
		"login -f $user; echo \"login-status=\$?\"; sleep 60"
	tmux_wait "$s" '^login-status=' 15
	scr=$(tmux capture-pane -p -J -t "$s" 2>/dev/null)
	tmux kill-session -t "$s" 2>/dev/null
	if ! has "$scr" '^login-status='; then
		why="login did not end: $(printf '%s' "$scr" | grep -v '^$' | tail -3 | tr '\n' '|')"
	elif ! has "$scr" "^login-status=$want\$"; then
		why="$(printf '%s\n' "$scr" | grep '^login-status='), want $want"
	elif ! has "$scr" "$words"; then
		why="the user was not told '$words': $(printf '%s' "$scr" | grep -v '^$' | tail -3 | tr '\n' '|')"
	elif ! assert_log "$by\[[0-9]+\]: deny (.* )?user=$user uid=$(id -u "$user") .*code=([a-z-]+,)*$code(,[a-z-]+)*( |\$)"; then
		why="no syslog '$by: deny user=$user ... code=$code'; got: $(log_since_mark | grep -E 'jailsh|pam_jailme' | tail -1)"
	elif [ "$by" = pam_jailme ] && log_since_mark | grep -q 'jailsh\['; then
		why="jailsh ran although pam_jailme refused the session"
	fi
	if [ -z "$why" ]; then ok "$name"; else fail "$name" "$why"; fi
}
login_denied "login -f bob: refused by jailsh (uid-mismatch)" bob jailsh uid-mismatch '^jailsh: denied: .+'
login_denied "login -f henry: refused by jailsh (assigned-deny)" henry jailsh assigned-deny '^jailsh: denied: .+'
if have_pam; then
	echo "session required $PAM_JAILME jailsh=$JAILSH" >>/etc/pam.d/login
	login_denied "login -f frank with pam_jailme in login's stack: refused at open_session (jail)" frank pam_jailme jail '^jailme: .*[a-z]'
	login_denied "login -f carol with pam_jailme in login's stack: refused at open_session (extra-group)" carol pam_jailme extra-group '^jailme: .*[a-z]'
	sed -i '/pam_jailme/d' /etc/pam.d/login
else
	skip "login refused by pam_jailme" "build/pam_jailme.so is not built"
fi
check "login refusals leave nothing in the jails" '@left: $(jail_procs_line web)' jail_quiet web 5
jail_kill_strays web

harness_leave
