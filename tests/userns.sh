#!/bin/bash
# tests/userns.sh — issue 14: jails with a user namespace of their own,
# entered through the single-threaded attach stage (internal/attach/c/
# attach.c since issue 27). Busybox jails started by tests/usernsjail the way LXC with
# lxc.idmap or podman --uidmap start theirs (new user, mount, pid, uts, ipc,
# net and cgroup namespaces, maps written by root):
#   uns     0 100000 65536 (uid and gid)
#   narrow  0 200000 2000: alice's uid 2001 is not mapped
#   sgdeny  0 300000 65536, setgroups denied
#   punch   0 400000 65536 with alice's ids punched through (2001 = 2001)
#   pt      0 500000 65536, the init keeps CAP_SYS_PTRACE
# tests/runtimes.sh enters the real runtimes' userns containers.
#
#	sudo bash tests/userns.sh          (make userns)
#
# JAILME_VERBOSE=1 shows the output of failed cases.

. "$(dirname "$0")/lib.sh"
harness_enter "$@"

require_jailsh

(cd "$REPO" && CGO_ENABLED=0 go build -o "$T/bin/usernsjail" ./tests/usernsjail) 2>"$T/build.err" ||
	{ fail "build tests/usernsjail" "$(head -5 "$T/build.err")"; harness_leave; }
gcc -static -O2 -o "$T/bin/exewatch" "$REPO/tests/confine/exewatch.c" 2>"$T/gcc.err" ||
	{ fail "build tests/confine/exewatch.c" "$(head -5 "$T/gcc.err")"; harness_leave; }

add_group dev 3001
add_user alice 2001 2001 dev "$JAILSH"
add_user bob 2002 2002 "" "$JAILSH"
add_user dave 2004 2004 "" "$JAILSH"

# new_jail NAME BASE: a busybox rootfs whose users' homes belong to the ids
# the map (uid = gid = BASE + id, or the id itself for a punched one) gives
# them; bob's jail entry has another uid than the host's.
new_jail() {
	local name=$1 base=$2 root=$T/jails/$1 u id
	make_rootfs "$root" "$name" "marker-$name"
	jail_add_group "$root" alice 2001
	jail_add_group "$root" bob 2002
	jail_add_group "$root" dave 2004
	jail_add_group "$root" dev 3001 alice
	jail_add_user "$root" alice 2001 2001
	jail_add_user "$root" bob 2012 2002
	jail_add_user "$root" dave 2004 2004
	for u in alice:2001 bob:2012 dave:2004; do
		id=${u#*:}
		[ "$name" = punch ] && [ "$id" = 2001 ] || id=$((base + id))
		chown "$id:$id" "$root/home/${u%:*}"
	done
}

# start_uns NAME UIDMAP GIDMAP [usernsjail flags]
start_uns() {
	local name=$1 um=$2 gm=$3
	shift 3
	"$T/bin/usernsjail" "$@" "$T/jails/$name" "$um" "$gm" </dev/null >"$T/start-$name.err" 2>&1 &
	await_jail "$name" "$T/jails/$name" $!
}

new_jail uns 100000
new_jail narrow 200000
new_jail sgdeny 300000
new_jail punch 400000
new_jail pt 500000
start_uns uns 0:100000:65536 0:100000:65536 || { fail "start jail uns" "$(cat "$T/start-uns.err")"; harness_leave; }
start_uns narrow 0:200000:2000 0:200000:2000 || { fail "start jail narrow" "$(cat "$T/start-narrow.err")"; harness_leave; }
start_uns sgdeny 0:300000:65536 0:300000:65536 -setgroups deny || { fail "start jail sgdeny" "$(cat "$T/start-sgdeny.err")"; harness_leave; }
start_uns punch 0:400000:2001,2001:2001:1,2002:402002:63534 \
	0:400000:2001,2001:2001:1,2002:402002:999,3001:3001:1,3002:403002:62534 ||
	{ fail "start jail punch" "$(cat "$T/start-punch.err")"; harness_leave; }
start_uns pt 0:500000:65536 0:500000:65536 -keep-ptrace || { fail "start jail pt" "$(cat "$T/start-pt.err")"; harness_leave; }

setup_ok() {
	local n
	for n in uns narrow sgdeny punch pt; do
		[ "$(readlink "/proc/${JAIL_PID[$n]}/ns/user")" != "$(readlink /proc/self/ns/user)" ] ||
			{ WHY="$n shares our user namespace"; return 1; }
	done
	[ "$(status_field "${JAIL_PID[uns]}" Uid)" = 100000 ] || { WHY="uns init has host uid $(status_field "${JAIL_PID[uns]}" Uid)"; return 1; }
	[ "$(cat "/proc/${JAIL_PID[sgdeny]}/setgroups")" = deny ] || { WHY="sgdeny: setgroups $(cat "/proc/${JAIL_PID[sgdeny]}/setgroups")"; return 1; }
	(((16#$(status_field "${JAIL_PID[uns]}" CapBnd) >> 19) & 1)) && { WHY="uns init keeps CAP_SYS_PTRACE"; return 1; }
	(((16#$(status_field "${JAIL_PID[pt]}" CapBnd) >> 19) & 1)) || { WHY="pt init lacks CAP_SYS_PTRACE"; return 1; }
	return 0
}
check "setup: five jails in user namespaces of their own (uns init host uid 100000, sgdeny has setgroups deny, pt keeps CAP_SYS_PTRACE)" '@$WHY' setup_ok || harness_leave

write_conf <<EOF
user	alice	uns narrow sgdeny punch pt
user	bob	uns
user	dave	uns sgdeny
default	deny
jail uns { pidfile = "/run/jails/uns.pid"; }
jail narrow { pidfile = "/run/jails/narrow.pid"; }
jail sgdeny { pidfile = "/run/jails/sgdeny.pid"; }
jail punch { pidfile = "/run/jails/punch.pid"; }
jail pt { pidfile = "/run/jails/pt.pid"; }
EOF

jail_run() { # USER JAIL CMD
	capture as "$1" "$JAILSH" -j "$2" -c "$3"
}

# --- landing -------------------------------------------------------------------

log_mark
jail_run alice uns 'id; cat /etc/marker; pwd; hostname'
check "1: alice lands in uns as herself inside (uid 2001, gid 2001, group dev), in her home" "status $RC, out: $OUT, err: $ERR" \
	eval '[ "$RC" = 0 ] && has "$OUT" "^uid=2001\\(alice\\) gid=2001\\(alice\\) groups=(2001\\(alice\\),3001\\(dev\\)|3001\\(dev\\),2001\\(alice\\))$" &&
		has "$OUT" "^marker-uns$" && has "$OUT" "^/home/alice$" && has "$OUT" "^uns$"'
check "2: the allow line shows both ids (uid=2001 host_uid=102001)" "@$(log_since_mark | tail -3)" \
	assert_log 'jailsh\[[0-9]+\]: allow user=alice uid=2001 host_uid=102001 jail=uns .*where=pid:'

jail_run alice uns 'exit 7'
check "3: the session's exit status comes back (7)" "status $RC, err: $ERR" eval '[ "$RC" = 7 ]'

# The session and jailsh's waiting parent as the host sees them, while the
# session runs.
as alice "$JAILSH" -j uns -c 'sleep 30' </dev/null >/dev/null 2>&1 &
SESS_BG=$!
SLEEP=$(await_jail_proc uns sleep)
PARENT=$(awk '{ print $4 }' "/proc/${SLEEP:-0}/stat" 2>/dev/null)
case4_ok() {
	local p u
	[ -n "$SLEEP" ] || { WHY="no session in the jail: $(jail_procs_line uns)"; return 1; }
	read -r _ u _ < <(grep '^Uid:' "/proc/$SLEEP/status" | cut -f2-)
	[ "$(grep '^Uid:' "/proc/$SLEEP/status" | awk '{ print $2 $3 $4 $5 }')" = 102001102001102001102001 ] ||
		{ WHY="session: $(grep -E '^(Uid|Gid|Groups):' "/proc/$SLEEP/status" | tr '\n' ' ')"; return 1; }
	[ "$(grep '^Groups:' "/proc/$SLEEP/status" | tr ' \t' '\n\n' | grep -E '^[0-9]+$' | sort | tr '\n' ' ')" = "102001 103001 " ] ||
		{ WHY="session groups: $(grep '^Groups:' "/proc/$SLEEP/status")"; return 1; }
	[ "$(status_field "$SLEEP" CapEff)" = 0000000000000000 ] && [ "$(status_field "$SLEEP" CapPrm)" = 0000000000000000 ] ||
		{ WHY="session caps: $(grep -E '^Cap' "/proc/$SLEEP/status" | tr '\n' ' ')"; return 1; }
	[ "$(status_field "$SLEEP" NoNewPrivs)" = 1 ] || { WHY="session without no_new_privs"; return 1; }
	[ "$(cat "/proc/$PARENT/comm")" = jailsh ] || { WHY="the session's parent $PARENT is $(cat "/proc/$PARENT/comm")"; return 1; }
	[ "$(grep '^Uid:' "/proc/$PARENT/status" | awk '{ print $2 $3 $4 $5 }')" = 102001102001102001102001 ] ||
		{ WHY="jailsh's waiting parent: $(grep -E '^(Uid|Gid):' "/proc/$PARENT/status" | tr '\n' ' ')"; return 1; }
	[ "$(readlink "/proc/$PARENT/ns/user")" = "$(readlink /proc/self/ns/user)" ] || { WHY="jailsh's parent left the host's user namespace"; return 1; }
	# Nothing but the init runs as a host uid of the jail's root (100000)
	# or as host root.
	for p in $(jail_procs uns | awk '{ print $1 }'); do
		[ "$p" = "${JAIL_PID[uns]}" ] && continue
		u=$(status_field "$p" Uid)
		[ "$u" = 102001 ] || { WHY="pid $p ($(cat "/proc/$p/comm")) runs as host uid $u"; return 1; }
	done
	return 0
}
check "4: host view: session uid/gid 102001, groups 102001 103001, no capability, no_new_privs; jailsh waits as 102001 in the host's user namespace; no process of jail root or host root in the jail" '@$WHY' case4_ok
kill -TERM "$SESS_BG" 2>/dev/null
wait "$SESS_BG" 2>/dev/null
jail_quiet uns 5
check "5: nothing left in the jail after the session" '@left: $(jail_procs_line uns)' jail_quiet uns 5

capture script -qec "$JAILSH -j uns -c 'test -t 0 && test -t 1 && echo TTY; exit 3'" /dev/null
RC_SCRIPT=$RC OUT_SCRIPT=$OUT
# "A pty of its own": test -t 0 is true on the caller's terminal too. The
# caller (script's pty) and the session print their fd 0's device; the
# session must be on another one, its controlling terminal (tty_nr).
cat >"$T/ttycheck" <<EOF
#!/bin/sh
busybox stat -L -c 'caller=%t:%T' /proc/self/fd/0
exec $JAILSH -j uns -c 'test -t 0 && test -t 1 && echo TTY; stat -L -c "session=%t:%T" /proc/self/fd/0; echo "ctty=\$(cut -d" " -f7 /proc/self/stat)"; exit 3'
EOF
chmod 0755 "$T/ttycheck"
capture as alice script -qec "$T/ttycheck" /dev/null
# script sends its stdin's EOF (/dev/null: no termios, so a NUL) into the
# session's pty, which echoes it as ^@ somewhere in the output.
OUT=$(printf '%s' "$OUT" | tr -d '\r' | sed 's/\^@//g')
own_pty() {
	local caller session
	caller=$(printf '%s\n' "$OUT" | sed -n 's/^caller=//p') session=$(printf '%s\n' "$OUT" | sed -n 's/^session=//p')
	[ "$RC" = 3 ] && has "$OUT" "^TTY$" && [ -n "$caller" ] && [ -n "$session" ] && [ "$caller" != "$session" ] &&
		has "$OUT" "^ctty=[1-9][0-9]*$"
}
check "6: on a terminal the session gets a pty of its own (not the caller's) as its controlling tty; exit status 3" "status $RC, out: $OUT, err: $ERR" own_pty

# --- refused -----------------------------------------------------------------

log_mark
jail_run bob uns 'id'
check "7: bob (uid 2012 in the jail's passwd, 2002 on the host) is refused: uid-mismatch" "status $RC, out: $OUT, err: $ERR" \
	eval '[ "$RC" = 1 ] && [ -z "$OUT" ] && has "$ERR" "uid"'
check "7: ... and logged with code uid-mismatch" "@$(log_since_mark | tail -2)" \
	assert_log 'deny user=bob uid=2002 jail=uns .*code=uid-mismatch'

log_mark
jail_run alice narrow 'id'
check "8: alice in narrow (map 0 200000 2000) is refused: her uid is not mapped" "status $RC, out: $OUT, err: $ERR" \
	eval '[ "$RC" = 1 ] && [ -z "$OUT" ] && has "$ERR" "uid 2001 of alice is not mapped in the jail.s user namespace \\(pid [0-9]+.s uid_map: 0 200000 2000\\)"'
check "8: ... logged with code unmapped" "@$(log_since_mark | tail -2)" assert_log 'deny user=alice uid=2001 jail=narrow .*code=unmapped'

jail_run alice sgdeny 'id'
check "9: alice in sgdeny (setgroups denied) is refused: she needs group 3001" "status $RC, out: $OUT, err: $ERR" \
	eval '[ "$RC" = 1 ] && [ -z "$OUT" ] && has "$ERR" "needs group 3001, but the jail.s user namespace denies setgroups"'
jail_run dave sgdeny 'id -G'
check "9: dave (no supplementary group) lands in sgdeny" "status $RC, out: $OUT, err: $ERR" \
	eval '[ "$RC" = 0 ] && [ "$OUT" = 2004 ]'

# --- hole-punched map -----------------------------------------------------------

as alice "$JAILSH" -j punch -c 'exec sleep 30' </dev/null >/dev/null 2>&1 &
SESS_BG=$!
SLEEP=$(await_jail_proc punch sleep)
case10_ok() {
	[ -n "$SLEEP" ] || { WHY="no session in punch: $(jail_procs_line punch)"; return 1; }
	[ "$(status_field "$SLEEP" Uid)" = 2001 ] && [ "$(status_field "$SLEEP" Gid)" = 2001 ] ||
		{ WHY="$(grep -E '^(Uid|Gid|Groups):' "/proc/$SLEEP/status" | tr '\n' ' ')"; return 1; }
}
check "10: a hole-punched map (2001 = 2001): alice runs as host uid 2001 in punch" '@$WHY' case10_ok
kill -TERM "$SESS_BG" 2>/dev/null
wait "$SESS_BG" 2>/dev/null

# --- jailsh -n -------------------------------------------------------------------

capture "$JAILSH" -n alice
check "11: jailsh -n alice shows the host ids and the maps of each jail" "status $RC, out: $OUT, err: $ERR" \
	eval 'has "$OUT" "host uid 102001" && has "$OUT" "uid_map +0 100000 65536" && has "$OUT" "uid 2001 of alice is not mapped"'

# --- through sshd and pam_jailme --------------------------------------------------

# The module decides as jailsh does, through the maps: alice's ssh login
# lands in uns, and with narrow as her only jail the session is refused at
# open_session with code unmapped.
if have_pam; then
	install_pam
	pam_stack on
	if start_sshd; then
		authorize alice
		log_mark
		capture ssh_as alice 'id -u; cat /etc/marker'
		check "14: ssh alice (pam_jailme in sshd's stack) lands in uns as uid 2001" "status $RC, out: $OUT, err: $ERR" \
			eval '[ "$RC" = 0 ] && [ "$OUT" = "$(printf "2001\nmarker-uns")" ]'
		check "14: ... pam_jailme and jailsh log host_uid=102001" "@$(log_since_mark | tail -3)" \
			eval 'assert_log "pam_jailme\[[0-9]+\]: allow service=sshd .*user=alice uid=2001 host_uid=102001 jail=uns" &&
				assert_log "jailsh\[[0-9]+\]: allow user=alice uid=2001 host_uid=102001 jail=uns"'
		sed -i 's/^user	alice	uns narrow sgdeny punch pt$/user	alice	narrow/' /etc/jailme.conf
		log_mark
		capture ssh_as alice 'id -u'
		check "15: ssh alice with narrow (her uid unmapped) as her only jail: refused at open_session, the reason shown" "status $RC, out: $OUT, err: $ERR" \
			eval '[ "$RC" = 254 ] && ! has "$OUT" "^2001$" && has "$OUT" "jailme: jail narrow: uid 2001 of alice is not mapped in the jail.s user namespace"'
		check "15: ... pam_jailme logs code=unmapped" "@$(log_since_mark | tail -3)" \
			assert_log "pam_jailme\[[0-9]+\]: deny service=sshd .*user=alice uid=2001 jail=narrow .*code=unmapped"
		sed -i 's/^user	alice	narrow$/user	alice	uns narrow sgdeny punch pt/' /etc/jailme.conf
		stop_sshd
	else
		fail "sshd starts" "$(tail -5 "$T/sshd.log")"
	fi
	pam_stack off
else
	skip "14-15: ssh through pam_jailme" "build/pam_jailme.so is missing"
fi

# --- hostile caller ---------------------------------------------------------------

mkdir -p /tmp/caller-dir && chmod 0777 /tmp/caller-dir
capture as alice bash -c "cd /tmp/caller-dir && exec 7</etc/hostname 8>/tmp/caller-dir/w &&
	LD_PRELOAD=/tmp/x.so BASH_ENV=/tmp/env GODEBUG=x=1 '$JAILSH' -j uns -c 'ls /proc/self/fd; echo cwd=\$(pwd) \$(readlink /proc/self/cwd); env'"
check "12: no fd of the caller's beyond 0-2, the cwd is the home in the jail, LD_PRELOAD/BASH_ENV/GODEBUG not passed" "status $RC, out: $OUT, err: $ERR" \
	eval '[ "$RC" = 0 ] && [ "$(printf "%s\n" "$OUT" | grep -cxE "[0-9]+")" -le 4 ] && ! has "$OUT" "^(7|8)$" &&
		has "$OUT" "^cwd=/home/alice /home/alice$" && ! has "$OUT" "LD_PRELOAD|BASH_ENV|GODEBUG"'

# --- a jail that keeps CAP_SYS_PTRACE (in its own namespace) -----------------------

# With fs.suid_dumpable=1 a uid change leaves a process dumpable: only the
# stage's own PR_SET_DUMPABLE keeps the session child, still jailsh until it
# executes, from the jail's root. Restored right after (and by the trap).
SUID_DUMPABLE=$(cat /proc/sys/fs/suid_dumpable)
trap 'rc=$?; echo "$SUID_DUMPABLE" >/proc/sys/fs/suid_dumpable; (exit $rc); harness_cleanup' EXIT
echo 1 >/proc/sys/fs/suid_dumpable
exewatch_start pt nsenter -t "${JAIL_PID[pt]}" -U -m -u -i -n -p -C -r -w
LOGINS_OK=0
for i in $(seq 20); do
	jail_run alice pt 'true'
	[ "$RC" = 0 ] && LOGINS_OK=$((LOGINS_OK + 1))
done
exewatch_stop
echo "$SUID_DUMPABLE" >/proc/sys/fs/suid_dumpable
case13_ok() {
	[ -n "$WATCH" ] || { WHY="exewatch did not start in pt: $(cat "$T/exewatch.out")"; return 1; }
	[ "$LOGINS_OK" = 20 ] || { WHY="$LOGINS_OK of 20 logins into pt succeeded; last err: $ERR"; return 1; }
	# opened=0: it saw no process at all, so it proves nothing.
	grep -q '^opened=[1-9][0-9]* caught=0$' "$T/exewatch.out" ||
		{ WHY="exewatch ($WATCH_CAPS): $(tr '\n' ' ' <"$T/exewatch.out")"; return 1; }
}
check "13: pt keeps CAP_SYS_PTRACE in its own namespace: entered, and with fs.suid_dumpable=1 its root ($WATCH_CAPS) spinning on /proc/NEXT/exe through 20 logins never gets the host's jailsh ($(cat "$T/exewatch.out" 2>/dev/null))" '@$WHY' case13_ok

check "13: fs.suid_dumpable restored to $SUID_DUMPABLE" "it is $(cat /proc/sys/fs/suid_dumpable)" [ "$(cat /proc/sys/fs/suid_dumpable)" = "$SUID_DUMPABLE" ]

harness_leave
