#!/bin/bash
# tests/jailsh.sh — root-only integration test of the installed setuid jailsh
# (issue 2), without sshd: a real busybox jail, a pidfile, /etc/jailme.conf,
# and jailsh run as an unprivileged user.
#
#	sudo tests/jailsh.sh            (make integration)
#
# JAILME_VERBOSE=1 shows the output of failed cases and the syslog at the end;
# JAILME_KEEP=DIR keeps the syslog, sshd log and load results in DIR.

. "$(dirname "$0")/lib.sh"
harness_enter "$@"

require_jailsh

MARK=web-marker-$RANDOM$RANDOM
WEB=$T/jails/web
DEAD=$T/jails/dead

# --- host users: every one of them has jailsh as login shell ----------------
add_group devs 3000
add_user alice 2001 2001 devs "$JAILSH"   # lands in web
add_user bob 2002 2002 "" "$JAILSH"       # uid differs in the jail
add_user carol 2003 2003 "" "$JAILSH"     # the jail gives her a group the host does not
add_user dave 2004 2004 "" "$JAILSH"      # not in the jail at all
add_user frank 2006 2006 "" "$JAILSH"     # assigned to a jail that is not running
add_user george 2007 2007 "" "$JAILSH"    # no rule: the default (deny) applies

# --- the jail --------------------------------------------------------------
make_rootfs "$WEB" web "$MARK"
# The shell run is the one in the JAIL's passwd: a wrapper that says so.
mkdir -p "$WEB/usr/local/bin"
cat >"$WEB/usr/local/bin/jsh" <<'EOF'
#!/bin/sh
export JAIL_SHELL_RAN=yes
exec /bin/sh "$@"
EOF
chmod 0755 "$WEB/usr/local/bin/jsh"
jail_add_group "$WEB" alice 2001
jail_add_group "$WEB" devs 3000 alice
jail_add_user "$WEB" alice 2001 2001 /usr/local/bin/jsh
jail_add_group "$WEB" bob 2002
jail_add_user "$WEB" bob 2102 2002
jail_add_group "$WEB" carol 2003
jail_add_group "$WEB" extra 4000 carol
jail_add_user "$WEB" carol 2003 2003

start_jail web "$WEB" || { fail "start jail web" "no init"; harness_leave; }
WEBPID=${JAIL_PID[web]}

make_rootfs "$DEAD" dead dead-marker
jail_add_group "$DEAD" frank 2006
jail_add_user "$DEAD" frank 2006 2006
start_jail dead "$DEAD" && stop_jail dead   # leaves a stale pidfile

write_conf <<'EOF'
user	alice	web
user	bob	web
user	carol	web
user	dave	web
user	frank	dead
default	deny
jail web  { pidfile = "/run/jails/web.pid"; }
jail dead { pidfile = "/run/jails/dead.pid"; }
EOF

# jail_run USER CMD: jailsh -c CMD as USER.
jail_run() { capture as "$1" "$JAILSH" -c "$2"; }

# --- allowed -----------------------------------------------------------------

log_mark
jail_run alice 'id; echo "host=$(hostname)"; echo "marker=$(cat /etc/marker)"; echo "pidns=$(readlink /proc/self/ns/pid)"; echo "mntns=$(readlink /proc/self/ns/mnt)"; echo "pwd=$(pwd)"; echo "shell=$JAIL_SHELL_RAN"; echo "pid=$$"'
if [ "$RC" != 0 ]; then
	fail "alice: jailsh -c runs" "status $RC, stderr: $ERR"
else
	ok "alice: jailsh -c runs"
fi
want_groups="2001(alice),3000(devs)"
got_groups=$(printf '%s\n' "$OUT" | sed -n 's/.*groups=\([^ ]*\).*/\1/p' | tr , '\n' | sort | paste -sd,)
check "alice: id is alice's uid and primary gid" "got: $(printf '%s\n' "$OUT" | grep uid=)" \
	has "$OUT" '^uid=2001\(alice\) gid=2001\(alice\)'
check "alice: supplementary groups are exactly alice,devs" "got groups=$got_groups" \
	[ "$got_groups" = "$want_groups" ]
check "alice: hostname is the jail's" "got: $(printf '%s\n' "$OUT" | grep host=)" has "$OUT" '^host=web$'
check "alice: /etc/marker is the jail's" "got: $(printf '%s\n' "$OUT" | grep marker=)" has "$OUT" "^marker=$MARK\$"
check "alice: session is in the jail's pid namespace" "got $(printf '%s\n' "$OUT" | grep pidns=), jail $(readlink /proc/$WEBPID/ns/pid)" \
	has "$OUT" "^pidns=$(readlink "/proc/$WEBPID/ns/pid" | sed 's/[][]/\\&/g')\$"
check "alice: session is in the jail's mount namespace" "got $(printf '%s\n' "$OUT" | grep mntns=)" \
	has "$OUT" "^mntns=$(readlink "/proc/$WEBPID/ns/mnt" | sed 's/[][]/\\&/g')\$"
check "alice: cwd is the home directory" "got: $(printf '%s\n' "$OUT" | grep pwd=)" has "$OUT" '^pwd=/home/alice$'
check "alice: the shell is the jail passwd's" "the jail's /usr/local/bin/jsh did not run" has "$OUT" '^shell=yes$'
check "alice: allow line in syslog" "no 'jailsh[N]: allow user=alice uid=2001 jail=web where=pid:$WEBPID' line" \
	assert_log "jailsh\[[0-9]+\]: allow user=alice uid=2001 jail=web where=pid:$WEBPID command="

jail_run alice 'ps'
ps_ok() {
	has "$OUT" '^ *1 .*init' && ! has "$OUT" 'logsink|jailsh|tmux|sshd|bash' &&
		[ "$(printf '%s\n' "$OUT" | sed 1d | wc -l)" -le 4 ]
}
check "alice: ps shows the jail's processes only" "ps said: $(printf '%s' "$OUT" | tr '\n' '|')" ps_ok

capture as alice env -i PATH=/bin LD_PRELOAD=/nonexistent.so JAILME_LEAK=1 TERM=xterm "$JAILSH" -c 'env'
env_ok() {
	has "$OUT" '^HOME=/home/alice$' && has "$OUT" '^USER=alice$' && has "$OUT" '^LOGNAME=alice$' &&
		! has "$OUT" '^(LD_PRELOAD|JAILME_LEAK)='
}
check "alice: environment is HOME/USER/LOGNAME plus the whitelist, nothing injected" \
	"env: $(printf '%s' "$OUT" | tr '\n' ' ')" env_ok

jail_run alice 'exit 7'
check "alice: exit 7 passes through" "status $RC" [ "$RC" = 7 ]
jail_run alice 'kill -TERM $$'
check "alice: death by SIGTERM is status 143" "status $RC" [ "$RC" = 143 ]
jail_run alice 'kill -KILL $$'
check "alice: death by SIGKILL is status 137" "status $RC" [ "$RC" = 137 ]

log_mark
capture_in $'echo "login=$(hostname):$(cat /etc/marker)"\nexit 3\n' as alice bash -c "exec -a -jailsh $JAILSH"
check "alice: login form (argv[0] -jailsh) lands in the jail" "status $RC, out: $OUT, err: $ERR" \
	has "$OUT" "^login=web:$MARK\$"
check "alice: login form passes the exit status" "status $RC" [ "$RC" = 3 ]
check "alice: login form logs command=login" "no allow line with command=login" \
	assert_log "jailsh\[[0-9]+\]: allow user=alice uid=2001 jail=web where=pid:$WEBPID command=login"

capture_in $'echo "interactive=$(hostname)"\nexit 4\n' as alice "$JAILSH"
check "alice: jailsh without arguments reads commands, in the jail" "status $RC, out: $OUT, err: $ERR" \
	has "$OUT" '^interactive=web$'
check "alice: jailsh without arguments passes the exit status" "status $RC" [ "$RC" = 4 ]

check "alice: no process left in the jail" '@left: $(jail_procs_line web)' jail_quiet web 5
jail_kill_strays web

# --- refused -------------------------------------------------------------------

# denied_ok USER CODE: the last capture was a refusal with that code.
denied_ok() {
	local user=$1 code=$2 who
	if [ "$RC" != 1 ]; then
		WHY="status $RC, want 1"
		return 1
	fi
	if has "$OUT$ERR" SHOULD-NOT-RUN; then
		WHY="the command ran"
		return 1
	fi
	if ! has "$ERR" '^jailsh: denied: .+' || printf '%s\n' "$ERR" | grep -v '^$' | grep -qv '^jailsh: denied: '; then
		WHY="stderr is not 'jailsh: denied: REASON' lines: $ERR"
		return 1
	fi
	who=".*"
	[ -n "$user" ] && who="user=$user uid=$(id -u "$user") .*"
	if ! assert_log "jailsh\[[0-9]+\]: deny ${who}code=([a-z-]+,)*$code(,[a-z-]+)*( |\$)"; then
		WHY="no syslog 'deny ${who}code=$code' line; got: $(log_since_mark | tail -1)"
		return 1
	fi
	return 0
}

# expect_denied NAME USER CODE [CMD]
expect_denied() {
	local name=$1 user=$2 code=$3
	log_mark
	jail_run "$user" 'echo SHOULD-NOT-RUN'
	if denied_ok "$user" "$code"; then ok "$name"; else fail "$name" "$WHY"; fi
}

expect_denied "refused: uid differs in the jail (uid-mismatch)" bob uid-mismatch
expect_denied "refused: jail group the host lacks (extra-group)" carol extra-group
expect_denied "refused: user missing in the jail (missing-user)" dave missing-user
expect_denied "refused: jail not running, stale pidfile (jail)" frank jail
expect_denied "refused: no rule, default deny (assigned-deny)" george assigned-deny

log_mark
capture setpriv --reuid=2999 --regid=2999 --clear-groups env -i PATH=/bin "$JAILSH" -c 'echo SHOULD-NOT-RUN'
if denied_ok "" host-user; then ok "refused: caller unknown to the host (host-user)"; else fail "refused: caller unknown to the host (host-user)" "$WHY"; fi

chmod o+w /etc/jailme.conf
expect_denied "refused: config writable by others (config)" alice config
chmod 0644 /etc/jailme.conf

chmod g+w /etc/jailme.conf
expect_denied "refused: config writable by group (config)" alice config
chmod 0644 /etc/jailme.conf

chown alice /etc/jailme.conf
expect_denied "refused: config owned by a user (config)" alice config
chown root /etc/jailme.conf

chmod o+w /etc
expect_denied "refused: config's parent directory writable by others (config)" alice config
chmod 0755 /etc

chmod o+w /run/jails/web.pid
expect_denied "refused: pidfile writable by others (jail)" alice jail
chmod 0644 /run/jails/web.pid

# The jail's files are opened inside the jail root: a symlink that would
# escape to the host's /etc/passwd (where alice is fine) must not be followed
# out of the jail.
mv "$WEB/etc/passwd" "$WEB/etc/passwd.real"
ln -s /../../../etc/passwd "$WEB/etc/passwd"
expect_denied "refused: jail /etc/passwd symlinked to /../../../etc/passwd (jail-db)" alice jail-db
mkdir -p "$T/hostonly"
grep '^alice:' /etc/passwd | sed "s|$JAILSH|/bin/sh|" >"$T/hostonly/passwd"
ln -sfn "$T/hostonly/passwd" "$WEB/etc/passwd"
expect_denied "refused: jail /etc/passwd symlinked to a host-only path (jail-db)" alice jail-db
rm -f "$WEB/etc/passwd"
mv "$WEB/etc/passwd.real" "$WEB/etc/passwd"

# A FIFO would block a reader that opens without O_NONBLOCK: it must fail fast.
mv "$WEB/etc/group" "$WEB/etc/group.real"
mkfifo -m 0644 "$WEB/etc/group"
CAPTURE_TIMEOUT=20 expect_denied "refused: jail /etc/group is a FIFO, no hang (jail-db)" alice jail-db
rm -f "$WEB/etc/group"
mv "$WEB/etc/group.real" "$WEB/etc/group"

# A directory where the passwd file should be.
mv "$WEB/etc/passwd" "$WEB/etc/passwd.real"
mkdir "$WEB/etc/passwd"
expect_denied "refused: jail /etc/passwd is a directory (jail-db)" alice jail-db
rmdir "$WEB/etc/passwd"
mv "$WEB/etc/passwd.real" "$WEB/etc/passwd"

# And after all that, alice gets in again: every change above was undone.
jail_run alice 'cat /etc/marker'
check "alice: allowed again after the refusals" "status $RC, err: $ERR" has "$OUT" "^$MARK\$"

# No home directory in the jail: the session starts in / with HOME=/ and a
# notice, as login(1) does.
mv "$WEB/home/alice" "$WEB/home/alice.away"
jail_run alice 'echo "pwd=$(pwd) home=$HOME"'
check "missing home: the session starts in / with HOME=/" "status $RC, out: $OUT, err: $ERR" \
	has "$OUT" '^pwd=/ home=/$'
check "missing home: jailsh says so" "err: $ERR" has "$ERR" '^jailsh: no home directory /home/alice, logging in with HOME=/$'
mv "$WEB/home/alice.away" "$WEB/home/alice"

# NIS compat lines in a jail's databases are skipped, not trusted, and logged.
cp "$WEB/etc/passwd" "$T/passwd.saved"
echo '+@admins::::::' >>"$WEB/etc/passwd"
log_mark
jail_run alice 'cat /etc/marker'
check "NIS compat line in the jail passwd: skipped, alice still gets in" "status $RC, err: $ERR" has "$OUT" "^$MARK\$"
check "NIS compat line in the jail passwd: a note in syslog names file and line" '@got: $(log_since_mark | head -3)' \
	assert_log "jailsh\[[0-9]+\]: note user=alice uid=2001 jail=web .*reason=\"/etc/passwd:[0-9]+: NIS compat entry"
cat "$T/passwd.saved" >"$WEB/etc/passwd"

# --- pinning: the pid must be the jail's init the state was written for -------
# (issue 11 item 2) A pidfile outlives its process; its pid then belongs to
# whatever starts next. Each refusal names the stale state.
cp /etc/jailme.conf "$T/jailme.conf.saved"
printf 'user\talice\tstale\njail stale { pidfile = "/run/jails/stale.pid"; }\n' | write_conf

# stale_pidfile LINE...: /run/jails/stale.pid, root:root 0644, written now.
stale_pidfile() {
	printf '%s\n' "$@" >/run/jails/stale.pid
	chmod 0644 /run/jails/stale.pid
}

# expect_stale NAME REGEX: alice is refused with code=jail, stderr matching REGEX.
expect_stale() {
	log_mark
	WHY=
	jail_run alice 'echo SHOULD-NOT-RUN'
	if ! denied_ok alice jail; then
		fail "$1" "$WHY"
	elif ! has "$ERR" "$2"; then
		fail "$1" "stderr does not say /$2/: $ERR"
	else
		ok "$1"
	fi
}

# child_of PID: the first child of PID (unshare --fork's), once it exists.
child_of() {
	local i c
	for i in $(seq 100); do
		c=$(cat "/proc/$1/task/$1/children" 2>/dev/null)
		c=${c%% *}
		[ -n "$c" ] && [ "$(cat "/proc/$c/comm" 2>/dev/null)" = sleep ] && { echo "$c"; return 0; }
		sleep 0.05
	done
	return 1
}

# A root process with a private mount namespace, on the host's files (a
# systemd service with PrivateTmp=): not even the init of a pid namespace.
unshare --mount --propagation private sleep 301 &
MNTONLY=$!
for i in $(seq 100); do [ "$(cat /proc/$MNTONLY/comm 2>/dev/null)" = sleep ] && break; sleep 0.05; done
stale_pidfile "$MNTONLY"
expect_stale "stale pidfile -> 'unshare -m sleep' (host's root, host's pid ns): refused, not an init" \
	"pid $MNTONLY from /run/jails/stale.pid is not the init of its own pid namespace.*stale"
kill "$MNTONLY" 2>/dev/null

# The init of a fresh pid namespace, but on the host's root directory.
unshare --mount --pid --fork --propagation private sleep 302 &
HOSTROOT=$(child_of $!)
stale_pidfile "$HOSTROOT"
expect_stale "stale pidfile -> init of a pid namespace whose root is the host's /: refused" \
	"pid $HOSTROOT from /run/jails/stale.pid has the host's / as its root directory"
kill "$HOSTROOT" 2>/dev/null

# A process inside the jail that is not its init.
nsenter -t "$WEBPID" -m -p -r -w sleep 303 &
INNER=$(child_of $!)
stale_pidfile "$INNER"
expect_stale "stale pidfile -> a process inside the jail that is not its init: refused" \
	"pid $INNER from /run/jails/stale.pid is not the init of its own pid namespace"
kill "$INNER" 2>/dev/null

# The start time on the second line must be the init's.
WEBSTART=$(sed 's/.*) //' "/proc/$WEBPID/stat" | awk '{ print $20 }')
stale_pidfile "$WEBPID" "$((WEBSTART + 1))"
expect_stale "pidfile whose start-time line is not the init's: refused as stale" \
	"pid $WEBPID from /run/jails/stale.pid started at $WEBSTART, /run/jails/stale.pid recorded $((WEBSTART + 1)): stale"
stale_pidfile "$WEBPID" "$WEBSTART"
jail_run alice 'cat /etc/marker'
check "pidfile with the init's start time on its second line: alice lands" "status $RC, err: $ERR" has "$OUT" "^$MARK\$"

# Without a start time, the init must be older than the pidfile.
stale_pidfile "$WEBPID"
touch -d '1 hour ago' /run/jails/stale.pid
expect_stale "pidfile written an hour before its process started: refused as stale" \
	"pid $WEBPID from /run/jails/stale.pid started .* after /run/jails/stale.pid was written .*stale"
touch /run/jails/stale.pid
jail_run alice 'cat /etc/marker'
check "the same pidfile written after the init started: alice lands" "status $RC, err: $ERR" has "$OUT" "^$MARK\$"
rm -f /run/jails/stale.pid
write_conf <"$T/jailme.conf.saved"

# The other two ways to name a Linux jail. A systemd-nspawn machine: its
# leader comes from machined's root-owned state file.
mkdir -p -m 0755 /run/systemd/machines
printf 'NAME=web\nCLASS=container\nLEADER=%s\n' "$WEBPID" >/run/systemd/machines/webm
chmod 0644 /run/systemd/machines/webm
cp /etc/jailme.conf "$T/jailme.conf.saved"
printf 'user\talice\twebm\njail webm { machine = "webm"; }\n' | write_conf
log_mark
jail_run alice 'echo "host=$(hostname) pidns=$(readlink /proc/self/ns/pid)"; cat /etc/marker'
want="host=web pidns=$(readlink /proc/$WEBPID/ns/pid)"
check "machine jail: alice lands in the machine leader's jail" "status $RC, out: $OUT, want: $want, err: $ERR" \
	grep -qxF -- "$want" <<<"$OUT"
check "machine jail: the allow line names the leader" '@got: $(log_since_mark | tail -1)' \
	assert_log "jailsh\[[0-9]+\]: allow user=alice uid=2001 jail=webm where=pid:$WEBPID "
rm /run/systemd/machines/webm
expect_denied "refused: machine not running (jail)" alice jail

# A plain chroot directory: no namespaces, no process; root-owned all the
# way up, since whoever can write it writes the passwd we trust.
printf 'user\talice\tftp\njail ftp { path = "%s"; }\n' "$WEB" | write_conf
jail_run alice 'cat /etc/marker; echo "pidns=$(readlink /proc/self/ns/pid 2>/dev/null)"'
path_ok() { has "$OUT" "^$MARK\$" && has "$OUT" "^pidns=\$"; }
check "path jail: alice runs chrooted in the tree (no namespaces, the jail's /proc is not mounted for her)" \
	"status $RC, out: $OUT, err: $ERR" path_ok
chmod o+w "$WEB"
expect_denied "refused: path jail writable by others (jail)" alice jail
chmod o-w "$WEB"
write_conf <"$T/jailme.conf.saved"
check "no process left in the jail at the end" '@left: $(jail_procs_line web)' jail_quiet web 5
jail_kill_strays web

harness_leave
