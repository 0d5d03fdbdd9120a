# tests/lib.sh — hermetic harness for jailme's root-only suites (sourced).
#
# A suite does:
#
#	. "$(dirname "$0")/lib.sh"
#	harness_enter "$@"        # re-exec in private namespaces; the outer
#	                          # half waits, checks the host, prints the summary
#	... cases: ok NAME / fail NAME WHY ...
#	harness_leave
#
# Inside, everything is private: mount, net, pid, uts, ipc namespaces; a copy
# of /etc bound over /etc; tmpfs on /run (the test tree, mounted without
# nosuid so the setuid jailsh works), /home, /tmp, /var/log; a private /dev
# whose /dev/log is our own syslog sink. Every process dies with the pid
# namespace, every mount with the mount namespace. The real /etc is
# checksummed before and after, outside the namespace.

set -u
set -o pipefail

# bash asks NSS for its own passwd entry at startup when SHELL or HOME is
# unset (variables.c: set_shell_var, set_home_var). CI may start the suites
# without them: then every `bash -c` of capture waited on the name service
# before its command began, and with the directory first in nsswitch and
# hung (fleet.sh, "ldap first") for as long as nslcd took to give up: the
# pamtester runs CI killed at 8 s. Set here, the harness's shells never ask.
export SHELL=${SHELL:-/bin/bash} HOME=${HOME:-/root}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${JAILME_BUILD:-$REPO/build}
SUITE=$(basename "$0" .sh)

T=/run/jailme-test          # the test tree (inside the namespace only)
LOG=$T/syslog               # what arrived at /dev/log
PASS=0
FAIL=0
SKIP=0

say() { printf '%s\n' "$*"; }
die() { printf '%s: %s\n' "$SUITE" "$*" >&2; exit 2; }

# ---------------------------------------------------------------------------
# Entering and leaving the namespaces

# require_tools TOOL...: the suite fails at once (one failed case) unless
# every tool is on PATH; make deps installs them.
require_tools() {
	local t missing=
	for t in "$@"; do
		command -v "$t" >/dev/null || missing="$missing $t"
	done
	if [ -n "$missing" ]; then
		say "not ok - $SUITE: tools present: missing$missing (make deps installs them)"
		say "0 passed, 1 failed, 0 skipped"
		exit 1
	fi
}

# require_root WHY: a suite run by anyone but root fails at once (one failed
# case, never a pass or a skip: `make test` must not be green having run
# nothing).
require_root() {
	if [ "$(id -u)" != 0 ]; then
		say "not ok - $SUITE: runs as root: $1 (you are uid $(id -u); run it as root)"
		say "0 passed, 1 failed, 0 skipped"
		exit 1
	fi
}

# on_exit CMD adds CMD to the EXIT trap ahead of what is there: a suite's own
# trap set before harness_enter (confine.sh's outer sweep) still runs, last,
# and sees the status the script exits with.
on_exit() {
	local old
	old=$(trap -p EXIT)
	if [ -z "$old" ]; then
		# shellcheck disable=SC2064
		trap "$1" EXIT
		return
	fi
	eval "set -- \"\$1\" ${old#trap }" # $1 CMD, $2 --, $3 the old trap, $4 EXIT
	# shellcheck disable=SC2064
	trap "on_exit_rc=\$?; $1; (exit \$on_exit_rc); $3" EXIT
}

# harness_enter re-executes the suite inside fresh namespaces. The outer
# invocation never returns: it exits with the suite's status.
harness_enter() {
	if [ "${JAILME_INNER:-}" = 1 ]; then
		setup_inner
		return
	fi
	require_root "it builds namespaces, jails and a setuid binary"
	local top rc before after
	require_tools go unshare setpriv timeout ip mknod chroot busybox ssh ssh-keygen sftp scp \
		/usr/sbin/sshd tmux script su login ldd
	top=$(mktemp -d /tmp/jailme-$SUITE.XXXXXX) || die "mktemp failed"
	on_exit "rm -rf '$top'"
	chmod 755 "$top"
	mkdir "$top/bin" "$top/build"
	# A snapshot of what is under test: the build may change during the run,
	# and a JAILME_BUILD under /tmp is hidden by the private /tmp.
	local f
	for f in jailsh pam_jailme.so; do
		[ -e "$BUILD/$f" ] && cp "$BUILD/$f" "$top/build/$f"
	done
	(cd "$REPO" && CGO_ENABLED=0 go build -o "$top/bin/logsink" ./tests/logsink &&
		CGO_ENABLED=0 go build -o "$top/bin/jailinit" ./tests/jailinit) ||
		die "cannot build tests/logsink, tests/jailinit"

	before=$(host_fingerprint)
	# --kill-child: when unshare goes (time limit, or this script stopped),
	# the whole pid namespace goes with it.
	JAILME_INNER=1 JAILME_TOP=$top timeout -k 10 "${JAILME_TIMEOUT:-900}" \
		unshare --mount --net --pid --fork --kill-child --mount-proc \
		--uts --ipc --propagation private -- bash "$0" "$@" &
	INNER=$!
	trap 'kill -TERM "$INNER" 2>/dev/null; wait "$INNER"; exit 129' HUP INT TERM PIPE
	wait "$INNER"
	rc=$?
	after=$(host_fingerprint)

	local pass=0 fail=0 skipped=0
	if [ -r "$top/counts" ]; then
		read -r pass fail skipped <"$top/counts"
	else
		say "not ok - $SUITE ran to the end: the suite died (status $rc)"
		fail=$((fail + 1))
	fi
	if [ "$before" = "$after" ]; then
		say "ok - host /etc, /dev/log and /run/jails unchanged"
		pass=$((pass + 1))
	else
		say "not ok - host /etc, /dev/log and /run/jails unchanged: fingerprint differs"
		diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | sed 's/^/# /'
		fail=$((fail + 1))
	fi
	if [ -n "${JAILME_KEEP:-}" ]; then
		mkdir -p "$JAILME_KEEP" && cp -r "$top/keep/." "$JAILME_KEEP/" 2>/dev/null
	elif [ "$fail" != 0 ]; then
		say "# to keep the syslog and sshd logs of a run: JAILME_KEEP=DIR $0; details: JAILME_VERBOSE=1"
	fi
	say "$pass passed, $fail failed, ${skipped:-0} skipped"
	[ "$fail" = 0 ]
	exit
}

# host_fingerprint is what the suite must leave alone on the real machine.
host_fingerprint() {
	(
		cd /etc && sha256sum passwd group shadow gshadow shells pam.d/* ssh/sshd_config 2>&1
		sha256sum /var/log/wtmp /var/log/btmp /var/log/lastlog /run/utmp 2>&1
		ls -ld /etc/jailme.conf /dev/log /run/jails /run/sshd /home/* 2>&1
	)
}

setup_inner() {
	local top=$JAILME_TOP
	trap harness_cleanup EXIT

	# The repository may live under /tmp, /home or /run (a CI clone),
	# which get private tmpfs mounts below: keep a handle on it first.
	mkdir -p "$top/repo" && mount --bind "$REPO" "$top/repo" || die "bind $REPO"

	ip link set lo up || die "ip link set lo up"

	# /run: the test tree lives here. Mounted without nosuid/nodev: the
	# setuid jailsh and the jails' device nodes live on it.
	mount -t tmpfs -o mode=0755 jailme-run /run || die "mount /run"
	mkdir -m 0755 "$T" "$T/bin" "$T/host" /run/sshd /run/jails
	findmnt -no OPTIONS /run | grep -qw nosuid && die "/run is nosuid"
	cp "$top/bin/"* "$T/bin/"
	# The outer half reads the counts from here.
	mount --rbind "$top" "$T/host" || die "bind $top"

	# /etc: a private copy of the whole directory.
	mkdir -m 0755 "$T/etc"
	cp -a /etc/. "$T/etc/" || die "copy /etc"
	mount --bind "$T/etc" /etc || die "bind /etc"
	# No systemd here: keep pam_systemd from trying to reach logind.
	sed -i '/pam_systemd\.so/d' /etc/pam.d/common-session /etc/pam.d/common-session-noninteractive
	rm -f /etc/jailme.conf

	mount -t tmpfs -o mode=0755 jailme-home /home || die "mount /home"
	mount -t tmpfs -o mode=1777 jailme-tmp /tmp || die "mount /tmp"
	mount -t tmpfs -o mode=0755 jailme-varlog /var/log || die "mount /var/log"
	: >/var/log/wtmp
	: >/var/log/btmp
	: >/var/log/lastlog
	chmod 0664 /var/log/wtmp
	chmod 0660 /var/log/btmp
	: >/run/utmp
	chmod 0664 /run/utmp
	chgrp utmp /var/log/wtmp /var/log/btmp /run/utmp 2>/dev/null

	# ... and put it back at its own path if a private mount hid it.
	if [ ! -d "$REPO/tests" ]; then
		mkdir -p "$REPO" && mount --bind "$T/host/repo" "$REPO" || die "rebind $REPO"
	fi

	setup_dev
	start_logsink
}

# setup_dev mounts a private /dev: the real one is a devtmpfs, and creating
# /dev/log there would change the host.
setup_dev() {
	mount -t tmpfs -o mode=0755,nosuid jailme-dev /dev || die "mount /dev"
	mknod -m 0666 /dev/null c 1 3
	mknod -m 0666 /dev/zero c 1 5
	mknod -m 0666 /dev/full c 1 7
	mknod -m 0666 /dev/random c 1 8
	mknod -m 0666 /dev/urandom c 1 9
	mknod -m 0666 /dev/tty c 5 0
	mkdir -m 0755 /dev/pts
	mkdir -m 1777 /dev/shm
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts /dev/pts || die "mount devpts"
	ln -s pts/ptmx /dev/ptmx
	mount -t tmpfs -o mode=1777,nosuid,nodev jailme-shm /dev/shm
	ln -s /proc/self/fd /dev/fd
	ln -s /proc/self/fd/0 /dev/stdin
	ln -s /proc/self/fd/1 /dev/stdout
	ln -s /proc/self/fd/2 /dev/stderr
}

start_logsink() {
	: >"$LOG"
	"$T/bin/logsink" /dev/log "$LOG" &
	LOGSINK_PID=$!
	local i
	for i in $(seq 50); do
		[ -S /dev/log ] && return
		sleep 0.1
	done
	die "logsink did not start"
}

harness_cleanup() {
	local rc=$?
	set +e
	[ -n "${SSHD_PID:-}" ] && kill "$SSHD_PID" 2>/dev/null
	local name
	for name in "${!JAIL_PID[@]}"; do
		kill -TERM "${JAIL_PID[$name]}" 2>/dev/null
	done
	tmux kill-server 2>/dev/null
	[ -n "${LOGSINK_PID:-}" ] && kill "$LOGSINK_PID" 2>/dev/null
	# The outer half copies these to $JAILME_KEEP when asked.
	mkdir -p "$T/host/keep"
	cp "$LOG" "$T/sshd.log" "$T/load.out" "$T/host/keep/" 2>/dev/null
	exit $rc
}

# harness_leave hands the counts to the outer half, which prints the summary.
harness_leave() {
	if [ "$FAIL" != 0 ] && [ -n "${JAILME_VERBOSE:-}" ]; then
		say "# --- syslog ---"
		sed 's/^/# /' "$LOG"
	fi
	echo "$PASS $FAIL $SKIP" >"$T/host/counts"
	exit 0
}

# ---------------------------------------------------------------------------
# Reporting

ok() {
	PASS=$((PASS + 1))
	say "ok - $1"
}

fail() {
	FAIL=$((FAIL + 1))
	say "not ok - $1: $2"
	if [ -n "${OUT+x}" ] && [ -n "${JAILME_VERBOSE:-}" ]; then
		say "#   status: ${RC:-}"
		printf '%s\n' "${OUT:-}" | head -20 | sed 's/^/#   out: /'
		printf '%s\n' "${ERR:-}" | head -20 | sed 's/^/#   err: /'
	fi
}

# skip counts as neither; it says why a case could not run.
skip() {
	SKIP=$((SKIP + 1))
	say "ok - $1 # SKIP $2"
}

# check NAME WHY CMD... : ok when CMD succeeds, else not ok with WHY. A WHY
# starting with @ is expanded only after CMD failed, so it can show the state
# at that moment: check NAME '@left: $(jail_procs web)' jail_quiet web
check() {
	local name=$1 why=$2
	shift 2
	if "$@"; then
		ok "$name"
		return 0
	fi
	# A WHY written in double quotes was expanded already; what it brought
	# (a log line with quotes) must not break the eval: shown as it is.
	if [ "${why#@}" != "$why" ]; then
		why=$(eval "printf '%s' \"${why#@}\"" 2>/dev/null) || why=${2#@}
	fi
	fail "$name" "$why"
	return 1
}

# capture CMD... runs CMD with a time limit; sets OUT, ERR, RC.
capture() { limited "$@" </dev/null; }

# capture_in INPUT CMD... is capture with INPUT on stdin.
capture_in() {
	local input=$1
	shift
	limited "$@" < <(printf '%s' "$input")
}

# limited CMD...: capture's engine. A command that runs into the limit
# (RC 124 or 137) gets, in ERR, where each of its processes was waiting
# shortly before it was killed (stuck_report): a flake in CI then
# says which process and which wait, not only "status 124". With
# CAPTURE_SLOW=S, a command still running after S seconds has that report
# printed as a comment whatever its outcome: what makes it slow, without
# a timed assertion.
limited() {
	local o e w limit=${CAPTURE_TIMEOUT:-30} pid at
	o=$(mktemp) e=$(mktemp)
	# A tenth of the limit before it, a second at least: the report forks
	# a few tools per process, and on a loaded machine half a second was
	# not enough for it to finish before timeout(1) ended the command (an
	# empty report; so was a tenth of a 2 s limit).
	at=$((limit * 1000 - (limit > 10 ? limit * 100 : 1000)))
	[ -n "${CAPTURE_SLOW:-}" ] && at=$((CAPTURE_SLOW * 1000))
	# An explicit stdin: a job in the background would get /dev/null.
	timeout -k 5 "$limit" bash -c '"$@"' capture "$@" <&0 >"$o" 2>"$e" &
	pid=$!
	watch_limit "$pid" "$at" "$o.stuck" &
	w=$!
	wait "$pid"
	RC=$?
	kill "$w" 2>/dev/null
	wait "$w" 2>/dev/null
	OUT=$(cat "$o")
	ERR=$(cat "$e")
	if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then
		ERR="$ERR [timed out after ${limit}s; waiting then: $(cat "$o.stuck" 2>/dev/null)]"
	elif [ -s "$o.stuck" ]; then
		say "# slow: still running after ${CAPTURE_SLOW}s, waiting in: $(cat "$o.stuck")"
	fi
	rm -f "$o" "$e" "$o.stuck"
}

# watch_limit PID MS FILE: after MS milliseconds, stuck_report of PID's
# tree into FILE. Killed (TERM) when PID ends first; its sleep goes with it.
watch_limit() {
	local ms=$2 s
	[ "$ms" -gt 0 ] || ms=100
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))" &
	s=$!
	trap 'kill "$s" 2>/dev/null; exit 0' TERM
	wait "$s" || exit 0
	stuck_report "$1" >"$3"
}

# stuck_report PID: one line, every process under PID (timeout, then the
# command and its children): pid, name, state, and the kernel wait of each
# of its threads, counted (a Go process has several).
stuck_report() {
	local p t w todo=$1 next line= waits
	while [ -n "$todo" ]; do
		next=
		for p in $todo; do
			[ -r "/proc/$p/stat" ] || continue
			waits=$(for t in /proc/"$p"/task/*; do
				w=$(cat "$t/wchan" 2>/dev/null)
				printf '%s\n' "${w:-running}"
			done | sed 's/^0$/running/' | sort | uniq -c | awk '{printf "%s%s%s", sep, ($1 > 1 ? $1 "x" : ""), $2; sep = ","}')
			line="$line $p:$(cat "/proc/$p/comm" 2>/dev/null):$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null):$waits;"
			next="$next $(cat /proc/"$p"/task/*/children 2>/dev/null)"
		done
		todo=$next
	done
	printf '%s' "${line# }" | head -c 900
}

# has TEXT ERE: a line of TEXT matches. A here-string, not printf | grep -q:
# grep -q quits at the first match, printf's next write then dies of SIGPIPE
# and pipefail turned the match into a failure (seen under load).
has() { grep -Eq -- "$2" <<<"$1"; }

# ---------------------------------------------------------------------------
# Syslog

# log_mark remembers where the log ends; assert_log/refute_log look after it.
log_mark() { LOG_MARK=$(wc -l <"$LOG"); }

log_since_mark() { tail -n +"$((${LOG_MARK:-0} + 1))" "$LOG"; }

# await_line ERE CMD...: CMD prints a line matching ERE, within 3s.
await_line() {
	local ere=$1 i
	shift
	for i in $(seq 30); do
		"$@" | grep -Eq -- "$ere" && return 0
		sleep 0.1
	done
	return 1
}

# assert_log PATTERN: an ERE matching a line logged since log_mark, within 3s.
assert_log() { await_line "$1" log_since_mark; }

# log_count ERE N: how many lines logged since log_mark match ERE, once
# there are N, or after 15 s. A line reaches $LOG after the command that
# sent it has ended (the sink reads /dev/log on its own time): a count
# taken at once can miss the last ones on a loaded machine.
log_count() {
	local i n
	for i in $(seq 150); do
		n=$(log_since_mark | grep -cE -- "$1")
		[ "$n" -ge "$2" ] && break
		sleep 0.1
	done
	echo "$n"
}

# refute_log PATTERN: no such line arrives within 1s.
refute_log() {
	sleep 1
	! log_since_mark | grep -Eq -- "$1"
}

# ---------------------------------------------------------------------------
# Host users (the private /etc)

# add_group NAME GID [MEMBER,...]
add_group() {
	echo "$1:x:$2:${3:-}" >>/etc/group
	echo "$1:!::${3:-}" >>/etc/gshadow
}

# add_user NAME UID GID [GROUP,...] SHELL — creates the primary group (named
# like the user) when GID is new, adds the user to the supplementary groups,
# and makes a home directory. The password is locked ("*"): ssh uses keys.
add_user() {
	local name=$1 uid=$2 gid=$3 supp=${4:-} shell=${5:-/bin/sh} g
	getent group "$gid" >/dev/null || add_group "$name" "$gid"
	echo "$name:x:$uid:$gid:$name:/home/$name:$shell" >>/etc/passwd
	echo "$name:*:19000:0:99999:7:::" >>/etc/shadow
	for g in ${supp//,/ }; do
		add_member "$g" "$name"
	done
	mkdir -m 0755 "/home/$name"
	chown "$uid:$gid" "/home/$name"
}

# add_member GROUP USER appends USER to GROUP's member list in /etc/group.
add_member() {
	local tmp
	tmp=$(mktemp)
	awk -F: -v OFS=: -v g="$1" -v u="$2" \
		'$1 == g { $4 = ($4 == "" ? u : $4 "," u) } { print }' /etc/group >"$tmp"
	cat "$tmp" >/etc/group
	rm -f "$tmp"
}

# set_shell USER SHELL (chsh, on the private /etc/passwd)
set_shell() {
	local tmp
	tmp=$(mktemp)
	awk -F: -v OFS=: -v u="$1" -v s="$2" '$1 == u { $7 = s } { print }' /etc/passwd >"$tmp"
	cat "$tmp" >/etc/passwd
	rm -f "$tmp"
}

# as USER CMD... runs CMD as USER (uid, gid, groups from the host NSS) with a
# clean environment, the way an unprivileged user would.
as() {
	local user=$1
	shift
	setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" --init-groups \
		env -i PATH=/usr/bin:/bin HOME="/home/$user" USER="$user" LOGNAME="$user" "$@"
}

# ---------------------------------------------------------------------------
# jailme itself

JAILSH=$T/bin/jailsh
PAM_JAILME=$T/lib/pam_jailme.so

# have_jailsh / have_pam: is the thing under test built? (The snapshot taken
# by the outer half.)
SNAP=$T/host/build
have_jailsh() { [ -x "$SNAP/jailsh" ]; }
have_pam() { [ -r "$SNAP/pam_jailme.so" ]; }

# install_jailsh copies build/jailsh to the test tree, setuid root, and lists
# it in the private /etc/shells.
install_jailsh() {
	install -o root -g root -m 4755 "$SNAP/jailsh" "$JAILSH" || return 1
	grep -qx "$JAILSH" /etc/shells || echo "$JAILSH" >>/etc/shells
}

# require_jailsh: a suite about jailsh stops (one failed case) unless it is
# built and installs.
require_jailsh() {
	if ! have_jailsh; then
		fail "build/jailsh exists" "$BUILD/jailsh is missing: run make jailsh"
		harness_leave
	fi
	install_jailsh || { fail "install jailsh setuid root" "install failed"; harness_leave; }
}

install_pam() {
	mkdir -p -m 0755 "$T/lib"
	install -o root -g root -m 0644 "$SNAP/pam_jailme.so" "$PAM_JAILME"
}

# write_conf: /etc/jailme.conf from stdin, root:root 0644.
write_conf() {
	cat >/etc/jailme.conf
	chown root:root /etc/jailme.conf
	chmod 0644 /etc/jailme.conf
}

# ---------------------------------------------------------------------------
# Jails

declare -A JAIL_PID=()
declare -A JAIL_ROOT=()

# make_rootfs DIR HOSTNAME MARKER: a busybox tree with its own passwd/group,
# /etc/marker, /proc, a few device nodes, and a reaping init.
make_rootfs() {
	local root=$1 host=$2 marker=$3 a
	mkdir -p "$root"/{bin,etc,proc,dev,tmp,root,home,usr/lib,var/run}
	chmod 0755 "$root" "$root"/{bin,etc,proc,dev,home,usr,usr/lib}
	chmod 1777 "$root/tmp"
	chmod 0700 "$root/root"
	cp /bin/busybox "$root/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"
	done
	ln -s bin "$root/sbin"
	ln -s ../bin "$root/usr/bin"
	ln -s ../bin "$root/usr/sbin"
	rm -f "$root/bin/init"
	cp "$T/bin/jailinit" "$root/bin/init"
	mknod -m 0666 "$root/dev/null" c 1 3
	mknod -m 0666 "$root/dev/zero" c 1 5
	mknod -m 0666 "$root/dev/urandom" c 1 9
	mknod -m 0666 "$root/dev/tty" c 5 0
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	echo "root:x:0:" >"$root/etc/group"
	echo "$host" >"$root/etc/hostname"
	echo "$marker" >"$root/etc/marker"
	chmod 0644 "$root"/etc/*
}

# jail_add_user DIR NAME UID GID [SHELL] — also makes /home/NAME in the jail.
jail_add_user() {
	local root=$1 name=$2 uid=$3 gid=$4 shell=${5:-/bin/sh}
	echo "$name:x:$uid:$gid:$name:/home/$name:$shell" >>"$root/etc/passwd"
	mkdir -p -m 0755 "$root/home/$name"
	chown "$uid:$gid" "$root/home/$name"
}

# jail_add_group DIR NAME GID [MEMBER,...]
jail_add_group() {
	echo "$2:x:$3:${4:-}" >>"$1/etc/group"
}

# rootfs_add_binary DIR PATH: PATH and the shared libraries it needs (with the
# dynamic loader), at the same paths inside DIR.
rootfs_add_binary() {
	local root=$1 bin=$2 f
	install -D -m 0755 "$bin" "$root$bin"
	for f in $(ldd "$bin" | grep -Eo '/[^ ]+'); do
		[ -e "$root$f" ] && continue
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
}

# rootfs_add_sftp DIR: sftp-server where sshd's "Subsystem sftp" names it.
rootfs_add_sftp() {
	local s
	for s in /usr/lib/openssh/sftp-server /usr/lib/sftp-server; do
		if [ -x "$s" ]; then
			rootfs_add_binary "$1" "$s"
			SFTP_SERVER=$s
			return 0
		fi
	done
	return 1
}

# start_jail NAME DIR: the jail's init in new mount/pid/uts/ipc/net/cgroup
# namespaces, chrooted to DIR, without CAP_SYS_PTRACE in its bounding set
# (jailsh refuses jails that keep it); its pid (as the suite sees it) goes to
# /run/jails/NAME.pid, root:root 0644.
start_jail() {
	local name=$1 root=$2
	setpriv --bounding-set -sys_ptrace unshare --mount --pid --uts --ipc --net --cgroup --fork --propagation private \
		chroot "$root" /bin/sh -c "mount -t proc proc /proc && hostname $name && exec /bin/init" \
		</dev/null >/dev/null 2>&1 &
	await_jail "$name" "$root" $!
}

# await_jail NAME DIR UNSHARE_PID: waits for the jail's init (the child of
# unshare --fork, pid 1 inside) and writes its pidfile.
await_jail() {
	local name=$1 root=$2 upid=$3 child i
	# 15 s: a loaded CI machine starts a jail's Go init slowly. Every
	# task's children: a Go starter (tests/usernsjail) forks from whichever
	# thread its goroutine runs on, not always the main one (a CI run timed
	# out here with the jail running).
	for i in $(seq 300); do
		child=$(cat "/proc/$upid/task/"*/children 2>/dev/null)
		child=${child%% *}
		if [ -n "$child" ] && [ "$(cat "/proc/$child/comm" 2>/dev/null)" = init ]; then
			JAIL_PID[$name]=$child
			JAIL_ROOT[$name]=$root
			echo "$child" >"/run/jails/$name.pid"
			chmod 0644 "/run/jails/$name.pid"
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# stop_jail NAME: its init goes, and the kernel kills the rest of its pid
# namespace. The pidfile stays (a stale pidfile is a test case).
stop_jail() {
	local pid=${JAIL_PID[$1]:-} i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 100); do
		[ -e "/proc/$pid" ] || break
		sleep 0.05
	done
	unset "JAIL_PID[$1]"
}

# jail_procs NAME: "pid comm" of every process in the jail's pid namespace,
# the init included, as seen from outside.
jail_procs() {
	local ns p
	ns=$(readlink "/proc/${JAIL_PID[$1]}/ns/pid") || return 1
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] &&
			echo "${p#/proc/} $(cat "$p/comm" 2>/dev/null)"
	done
	return 0
}

# jail_kill_strays NAME: kills everything in the jail but its init, so that
# one failed case does not make the next "nothing left" check fail too, and
# waits (10 s at most) until the init reaped them: a next case that counts
# the jail's tasks (pids.current) must not count them.
jail_kill_strays() {
	local pid=${JAIL_PID[$1]} p i left
	left=$(jail_procs "$1" | awk -v i="$pid" '$1 != i { print $1 }')
	[ -n "$left" ] || return 0
	kill -KILL $left 2>/dev/null
	for i in $(seq 100); do
		for p in $left; do
			[ -e "/proc/$p" ] && break
			p=
		done
		[ -z "$p" ] && return 0
		sleep 0.1
	done
}

jail_procs_line() { jail_procs "$1" | tr '\n' ' '; }

# await_jail_proc NAME COMM: the pid (as the host sees it) of the first
# process called COMM in the jail, waiting up to 20 s (a login takes a
# second on a loaded machine); nothing if none came.
await_jail_proc() {
	local i p
	for i in $(seq 200); do
		p=$(jail_procs "$1" | awk -v c="$2" '$2 == c { print $1; exit }')
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.1
	done
	return 1
}

# status_field PID KEY: a /proc/PID/status value, from the host.
status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# watcher_install NAME PROG: a watcher built as $T/bin/PROG goes into jail
# NAME as /usr/local/bin/PROG; it will say it is ready in /tmp/PROG.ready.
watcher_install() {
	install -D -m 0755 "$T/bin/$2" "${JAIL_ROOT[$1]}/usr/local/bin/$2"
	rm -f "${JAIL_ROOT[$1]}/tmp/$2.ready"
}

# watcher_ready NAME PROG: waits (20 s) for PROG to be ready in jail NAME
# and prints its host pid, nothing if it did not start.
watcher_ready() {
	local i
	for i in $(seq 400); do
		[ -e "${JAIL_ROOT[$1]}/tmp/$2.ready" ] && break
		sleep 0.05
	done
	jail_procs "$1" | awk -v p="$2" '$2 == p { print $1 }'
}

# exewatch_start NAME ENTER...: the hostile jail root of issue 11 item 1
# (tests/confine/exewatch.c, built as $T/bin/exewatch): ENTER (nsenter into
# jail NAME as its root) runs it, spinning on /proc/NEXT/exe for the host's
# jailsh. Sets WATCH (its host pid, empty if it did not start), WATCH_CAPS
# and WATCH_BG; exewatch_stop ends it, and $T/exewatch.out has its counts.
# EXEWATCH_AS=UID: it opens /proc/N/exe with that fsuid (issue 27).
exewatch_start() {
	local name=$1 dev ino
	shift
	watcher_install "$name" exewatch
	read -r dev ino < <(stat -L -c '%d %i' "$JAILSH")
	"$@" /usr/local/bin/exewatch "$dev" "$ino" /tmp/exewatch.ready ${EXEWATCH_AS:-} >"$T/exewatch.out" 2>&1 &
	WATCH_BG=$!
	WATCH=$(watcher_ready "$name" exewatch)
	WATCH_CAPS=
	[ -n "$WATCH" ] && WATCH_CAPS="host uid $(status_field "$WATCH" Uid) CapEff $(status_field "$WATCH" CapEff)"
	return 0
}

exewatch_stop() {
	[ -n "$WATCH" ] && kill -TERM "$WATCH"
	timeout 5 tail --pid="$WATCH_BG" -f /dev/null
	wait "$WATCH_BG" 2>/dev/null
}

# jail_quiet NAME [SECONDS]: waits until only the init is left in the jail.
jail_quiet() {
	local i n
	for i in $(seq $((${2:-10} * 10))); do
		n=$(jail_procs "$1" | wc -l)
		[ "$n" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------------------
# sshd

SSH_PORT=2222
SSH_KEY=$T/ssh/client_key

# start_sshd: a private sshd on 127.0.0.1:$SSH_PORT with its own host key,
# keys per user under the private /etc, its log in $T/sshd.log.
# SSHD_CONFIG names the config file to write (default $T/ssh/sshd_config;
# /etc/ssh/sshd_config makes it the one `sshd -T` reads); SSHD_EXTRA adds
# lines at its end.
start_sshd() {
	local conf=${SSHD_CONFIG:-$T/ssh/sshd_config}
	mkdir -p -m 0755 "$T/ssh" /etc/ssh/jailme-keys
	[ -f "$T/ssh/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/host_key" </dev/null || return 1
	[ -f "$SSH_KEY" ] || ssh-keygen -q -t ed25519 -N '' -f "$SSH_KEY" </dev/null || return 1
	cat >"$conf" <<-EOF
		ListenAddress 127.0.0.1
		Port $SSH_PORT
		HostKey $T/ssh/host_key
		PidFile $T/ssh/sshd.pid
		AuthorizedKeysFile /etc/ssh/jailme-keys/%u
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PermitRootLogin prohibit-password
		UsePAM yes
		StrictModes yes
		PrintMotd no
		PrintLastLog no
		UseDNS no
		MaxStartups 200
		MaxSessions 50
		LogLevel VERBOSE
		Subsystem sftp ${SFTP_SERVER:-/usr/lib/openssh/sftp-server}
		${SSHD_EXTRA:-}
	EOF
	/usr/sbin/sshd -D -f "$conf" -E "$T/sshd.log" &
	SSHD_PID=$!
	local i
	for i in $(seq 50); do
		ssh_up && return 0
		sleep 0.1
	done
	return 1
}

ssh_up() { (exec 3<>/dev/tcp/127.0.0.1/$SSH_PORT) 2>/dev/null; }

# stop_sshd: the listener goes; sessions already open die with the suite.
stop_sshd() {
	[ -n "${SSHD_PID:-}" ] || return 0
	kill "$SSHD_PID" 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null
	unset SSHD_PID
}

# authorize USER: the client key may log in as USER.
authorize() {
	install -o root -g root -m 0644 "$SSH_KEY.pub" "/etc/ssh/jailme-keys/$1"
}

SSH_OPTS="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=10 -i $SSH_KEY"

# ssh_as USER [CMD...]: ssh USER@127.0.0.1 CMD with the test key (for ssh
# options, call ssh $SSH_OPTS -p $SSH_PORT ... yourself).
ssh_as() {
	local user=$1
	shift
	# shellcheck disable=SC2086
	ssh $SSH_OPTS -p "$SSH_PORT" "$user@127.0.0.1" "$@"
}

# pam_stack on|off: pam_jailme in the private sshd session stack, or not.
pam_stack() {
	sed -i '/pam_jailme/d' /etc/pam.d/sshd
	[ "$1" = on ] && echo "session required $PAM_JAILME jailsh=$JAILSH" >>/etc/pam.d/sshd
	return 0
}

# --- terminals: interactive sessions in detached tmux sessions -------------

# tmux_ssh SESSION USER: an interactive ssh -tt in a detached tmux session.
tmux_ssh() {
	SHELL=/bin/sh tmux new-session -d -s "$1" -x 160 -y 40 \
		"exec ssh $SSH_OPTS -tt -p $SSH_PORT $2@127.0.0.1"
}
# tmux_wait SESSION ERE [SECONDS]: until the screen matches.
tmux_wait() {
	local i
	for i in $(seq $((${3:-10} * 10))); do
		tmux capture-pane -p -t "$1" 2>/dev/null | grep -Eq -- "$2" && return 0
		sleep 0.1
	done
	return 1
}
tmux_gone() {
	local i
	for i in $(seq 100); do
		tmux has-session -t "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}
screen() { tmux capture-pane -p -t "$1" 2>/dev/null | grep -v '^$' | tail -5 | tr '\n' '|'; }

# capture runs its command in a child bash under timeout(1); these helpers
# must be visible there.
export T LOG SSH_KEY SSH_PORT SSH_OPTS JAILSH
export -f as ssh_as
