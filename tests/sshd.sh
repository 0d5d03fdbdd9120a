#!/bin/bash
# tests/sshd.sh — what sshd does without the login shell (issue 17): TCP
# forwarding from the host's network and internal-sftp on the host take a
# jailed user around the jail. Without the shipped drop-in the forward
# reaches a host-loopback service and `jailsh --audit` flags it; with it the
# forwards are refused, sftp still works and runs inside the jail, and the
# audit is clean.
#
#	sudo tests/sshd.sh

. "$(dirname "$0")/lib.sh"
harness_enter "$@"

require_jailsh

WEB=$T/jails/web
MARK_WEB=web-marker-$RANDOM
SECRET=host-secret-$RANDOM

add_user alice 2001 2001 "" "$JAILSH"
make_rootfs "$WEB" web "$MARK_WEB"
rootfs_add_sftp "$WEB" || { fail "sftp-server for the web jail" "no sftp-server on this host"; harness_leave; }
jail_add_group "$WEB" alice 2001
jail_add_user "$WEB" alice 2001 2001
start_jail web "$WEB" || { fail "start jail web" "no init"; harness_leave; }
write_conf <<'EOF'
user	alice	web
default	deny
jail web { pidfile = "/run/jails/web.pid"; }
EOF

# A service only the host can reach: its loopback, which the jail (its own
# network namespace) cannot see.
busybox nc -ll -p 5432 -e /bin/echo "$SECRET" &
for i in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && break; sleep 0.1; done

# The host's sshd config is the one `sshd -T` (and so jailsh) reads.
SSHD_CONFIG=/etc/ssh/sshd_config
rm -f /etc/ssh/sshd_config.d/*
SSHD_EXTRA="Include /etc/ssh/sshd_config.d/*.conf"
export SSHD_CONFIG
stop_sshd
start_sshd || { fail "sshd starts" "$(tail -5 "$T/sshd.log")"; harness_leave; }
authorize alice
capture ssh_as alice "busybox nc 127.0.0.1 5432 </dev/null; echo nc-ran"
check "the host's loopback service is out of the jail's reach" "out: $OUT, err: $ERR" \
	eval 'has "$OUT" "^nc-ran$" && ! has "$OUT" "$SECRET"'

# forward_reaches PORT: an ssh -N -L PORT:127.0.0.1:5432 tunnel hands the
# host's secret to whoever connects to PORT.
forward_reaches() {
	local port=$1 got i
	ssh $SSH_OPTS -N -L "$port:127.0.0.1:5432" -p "$SSH_PORT" alice@127.0.0.1 2>"$T/fwd.err" &
	local fwd=$!
	for i in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
	got=$(timeout 5 busybox nc 127.0.0.1 "$port" </dev/null 2>/dev/null)
	kill "$fwd" 2>/dev/null
	wait "$fwd" 2>/dev/null
	[ "$got" = "$SECRET" ]
}

# --- without the drop-in: the hole, and the audit sees it -------------------------
check "no drop-in: ssh -N -L reaches the host's loopback service (the hole)" '@ssh: $(cat "$T/fwd.err")' forward_reaches 9000
capture "$JAILSH" --audit
check "no drop-in: --audit flags alice's TCP forwarding, naming the setting" "status $RC, out: $OUT, err: $ERR" \
	eval '[ "$RC" = 1 ] && has "$OUT" "^jailsh: audit: sshd user=alice uid=2001 code=sshd-forwarding reason=.*allowtcpforwarding yes.*not in group jailme"'
capture "$JAILSH" -n alice
check "no drop-in: jailsh -n alice says what sshd lets her do" "out: $OUT" has "$OUT" '^sshd: +lets the user forward TCP connections'

# --- with the drop-in and alice in group jailme --------------------------------------
install -m 0644 "$REPO/etc/ssh/sshd_config.d/jailme.conf" /etc/ssh/sshd_config.d/jailme.conf
add_group jailme 990 alice
# groups = strict: a host group of the user's must be the jail's too.
jail_add_group "$WEB" jailme 990 alice
stop_sshd
start_sshd || { fail "sshd starts with the drop-in" "$(tail -5 "$T/sshd.log")"; harness_leave; }
check "drop-in: ssh -N -L is refused" '@ssh: $(cat "$T/fwd.err")' eval '! forward_reaches 9001'
capture ssh $SSH_OPTS -o ExitOnForwardFailure=yes -N -R 9002:127.0.0.1:5432 -p "$SSH_PORT" alice@127.0.0.1
check "drop-in: ssh -R is refused" "status $RC, err: $ERR" eval '[ "$RC" = 255 ] && has "$ERR" "forwarding failed"'
printf 'get /etc/marker %s/down-sftp\n' "$T" >"$T/batch"
capture sftp -b "$T/batch" $SSH_OPTS -P "$SSH_PORT" alice@127.0.0.1
check "drop-in: sftp still works and serves the jail's files" "status $RC, err: $ERR" \
	eval '[ "$(cat "$T/down-sftp" 2>/dev/null)" = "$MARK_WEB" ]'
capture ssh $SSH_OPTS -o SetEnv=JAILME_JAIL=web -p "$SSH_PORT" alice@127.0.0.1 'cat /etc/marker'
check "drop-in: AcceptEnv JAILME_JAIL lets the selection through" "status $RC, out: $OUT, err: $ERR" has "$OUT" "^$MARK_WEB\$"
capture "$JAILSH" --audit
check "drop-in: --audit is clean" "status $RC, out: $OUT, err: $ERR" eval '[ "$RC" = 0 ] && ! has "$OUT" "audit: sshd "'
capture "$JAILSH" -n alice
check "drop-in: jailsh -n alice: no forwarding" "out: $OUT" has "$OUT" '^sshd: +no forwarding, tunnel or internal-sftp'

# --- internal-sftp serves the host's files: the audit says so ----------------------------
sed -i 's|^Subsystem sftp .*|Subsystem sftp internal-sftp|' /etc/ssh/sshd_config
capture "$JAILSH" --audit
check "internal-sftp: --audit flags it" "status $RC, out: $OUT" \
	eval '[ "$RC" = 1 ] && has "$OUT" "^jailsh: audit: sshd user=alice .*code=sshd-sftp .*subsystem sftp internal-sftp"'

# --- issue 21: a Match block on another listener -------------------------------------
# A second port whose Match LocalPort block forces internal-sftp: a jailed
# user downloads the host's files through it. --audit asks sshd for every
# listener (laddr/lport) and flags it, with a non-zero exit.
sed -i "s|^Subsystem sftp .*|Subsystem sftp ${SFTP_SERVER:-/usr/lib/openssh/sftp-server}|" /etc/ssh/sshd_config
printf 'Port 2292\nMatch LocalPort 2292\n\tForceCommand internal-sftp\n' >/etc/ssh/sshd_config.d/sftp2292.conf
echo "$SECRET" >/etc/jailme-host-secret
stop_sshd
start_sshd || { fail "sshd starts with port 2292" "$(tail -5 "$T/sshd.log")"; harness_leave; }
printf 'get /etc/jailme-host-secret %s/down-2292\n' "$T" >"$T/batch"
capture sftp -b "$T/batch" $SSH_OPTS -P 2292 alice@127.0.0.1
check "Match LocalPort 2292: internal-sftp serves the host's files to alice (the hole)" "status $RC, err: $ERR" \
	eval '[ "$(cat "$T/down-2292" 2>/dev/null)" = "$SECRET" ]'
capture "$JAILSH" --audit
check "Match LocalPort 2292: --audit flags it, naming the listener, exit 1 (issue 21)" "status $RC, out: $OUT, err: $ERR" \
	eval '[ "$RC" = 1 ] && has "$OUT" "^jailsh: audit: sshd user=alice .*code=sshd-sftp .*forcecommand internal-sftp; from 127.0.0.1 on 127.0.0.1:2292"'
# A block no connection of the audit can be shown to reach is a finding.
printf 'Match Address 10.*\n\tForceCommand internal-sftp\n' >/etc/ssh/sshd_config.d/sftp2292.conf
capture "$JAILSH" --audit
check "Match Address 10.*: --audit cannot evaluate it: a finding, exit 1 (issue 21)" "status $RC, out: $OUT, err: $ERR" \
	eval '[ "$RC" = 1 ] && has "$OUT" "^jailsh: audit: sshd code=sshd-match rule=/etc/ssh/sshd_config.d/sftp2292.conf:1 reason=\"Match address 10.\\* cannot be evaluated"'
printf 'Match Address 10.1.2.0/24\n\tForceCommand internal-sftp\n' >/etc/ssh/sshd_config.d/sftp2292.conf
capture "$JAILSH" --audit
check "Match Address 10.1.2.0/24: --audit evaluates a client in it (issue 21)" "status $RC, out: $OUT, err: $ERR" \
	eval '[ "$RC" = 1 ] && has "$OUT" "code=sshd-sftp .*forcecommand internal-sftp; from 10.1.2.0 on 127.0.0.1:"'
rm -f /etc/ssh/sshd_config.d/sftp2292.conf

harness_leave
