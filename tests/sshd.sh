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

# sshd_mark remembers where sshd's log ends; sshd_said ERE: a line after it
# matches, within 3 s.
sshd_mark() { SSHD_MARK=$(wc -l <"$T/sshd.log"); }
sshd_since_mark() { tail -n +"$((${SSHD_MARK:-0} + 1))" "$T/sshd.log"; }
sshd_said() { await_line "$1" sshd_since_mark; }

# forward_reaches PORT: an ssh -N -L PORT:127.0.0.1:5432 tunnel hands the
# host's secret to whoever connects to PORT.
forward_reaches() {
	local port=$1 got i
	ssh $SSH_OPTS -N -L "$port:127.0.0.1:5432" -p "$SSH_PORT" alice@127.0.0.1 2>"$T/fwd.err" &
	local fwd=$!
	for i in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
	got=$(timeout 5 busybox nc 127.0.0.1 "$port" </dev/null 2>/dev/null)
	kill "$fwd" 2>/dev/null
	wait "$fwd" 2>/dev/null
	[ "$got" = "$SECRET" ]
}

# --- without the drop-in: the hole, and the audit sees it -------------------------
check "no drop-in: ssh -N -L reaches the host's loopback service (the hole)" '@ssh: $(cat "$T/fwd.err")' forward_reaches 9000
capture "$JAILSH" --audit
check "no drop-in: --audit flags alice's TCP forwarding, naming the setting and the missing drop-in" "status $RC, out: $OUT, err: $ERR" \
	eval '[ "$RC" = 1 ] && has "$OUT" "^jailsh: audit: sshd user=alice uid=2001 code=sshd-forwarding reason=.*allowtcpforwarding yes.*no /etc/ssh/sshd_config.d/jailme.conf is installed"'
capture "$JAILSH" -n alice
check "no drop-in: jailsh -n alice says what sshd lets her do" "out: $OUT" has "$OUT" '^sshd: +lets the user forward TCP connections'

# --- with the drop-in and alice in group jailme --------------------------------------
install -m 0644 "$REPO/etc/ssh/sshd_config.d/jailme.conf" /etc/ssh/sshd_config.d/jailme.conf
add_group jailme 990 alice
# groups = strict: a host group of the user's must be the jail's too.
jail_add_group "$WEB" jailme 990 alice
stop_sshd
start_sshd || { fail "sshd starts with the drop-in" "$(tail -5 "$T/sshd.log")"; harness_leave; }
# Refused by sshd itself, not lost on the way (a dead nc, a failed login):
# sshd's log names the refused target.
sshd_mark
check "drop-in: ssh -N -L is refused by sshd" '@ssh: $(cat "$T/fwd.err"); sshd: $(sshd_since_mark | grep -i forward | tail -2)' \
	eval '! forward_reaches 9001 && sshd_said "refused local port forward: originator 127\.0\.0\.1 port [0-9]+, target 127\.0\.0\.1 port 5432"'
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

# --- agent, stream-local, X11 and tunnel forwarding, end to end ---------------------
# Each allowed outright in sshd_config (Debian's own says X11Forwarding yes),
# so that what refuses them is the drop-in's Match block. The client logs at
# INFO (the first LogLevel given wins) to show sshd's refusals.
SSHD_EXTRA=$'AllowAgentForwarding yes\nAllowStreamLocalForwarding yes\nX11Forwarding yes\nPermitTunnel yes\nInclude /etc/ssh/sshd_config.d/*.conf'
SSH_INFO="-o LogLevel=INFO $SSH_OPTS -p $SSH_PORT"
# ssh -w opens the tun device on the client's side (the private /dev).
mkdir -p -m 0755 /dev/net && mknod -m 0666 /dev/net/tun c 10 200
ssh-agent -a "$T/agent.sock" >/dev/null

# agent_socket: during an ssh -A session of alice's, the agent socket sshd
# made for her on the host, if any (in $AGENT_SOCK).
agent_socket() {
	local a i
	rm -f "$T/agent.out"
	# shellcheck disable=SC2086
	SSH_AUTH_SOCK=$T/agent.sock ssh $SSH_INFO -A alice@127.0.0.1 'echo up; sleep 5' </dev/null >"$T/agent.out" 2>"$T/agent.err" &
	a=$!
	for i in $(seq 100); do
		grep -qx up "$T/agent.out" 2>/dev/null && break
		sleep 0.1
	done
	AGENT_SOCK=$(find /tmp -type s -user alice -path '/tmp/ssh-*' 2>/dev/null | head -1)
	kill "$a" 2>/dev/null
	wait "$a" 2>/dev/null
	grep -qx up "$T/agent.out" || { AGENT_SOCK="the session did not start: $(cat "$T/agent.err")"; return 1; }
	[ -n "$AGENT_SOCK" ]
}

# local_forward PORT TARGET: ssh -N -L PORT:TARGET, and one connection to PORT.
local_forward() {
	local f i
	# shellcheck disable=SC2086
	ssh $SSH_INFO -N -L "$1:$2" alice@127.0.0.1 </dev/null 2>"$T/fwd.err" &
	f=$!
	for i in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && break; sleep 0.1; done
	(exec 3<>/dev/tcp/127.0.0.1/"$1" && timeout 3 cat <&3) >/dev/null 2>&1
	kill "$f" 2>/dev/null
	wait "$f" 2>/dev/null
}

stop_sshd
start_sshd || { fail "sshd starts with every forwarding allowed, then the drop-in" "$(tail -5 "$T/sshd.log")"; harness_leave; }
check "drop-in: ssh -A: sshd makes alice no agent socket on the host" '@socket: $AGENT_SOCK' eval '! agent_socket && [ -z "$AGENT_SOCK" ]'
capture ssh $SSH_INFO -o ExitOnForwardFailure=yes -N -R /tmp/alice-fwd.sock:127.0.0.1:5432 alice@127.0.0.1
check "drop-in: ssh -R of a unix socket (stream-local) is refused by sshd" "status $RC, err: $ERR" \
	eval '[ "$RC" = 255 ] && has "$ERR" "remote port forwarding failed for listen path /tmp/alice-fwd.sock" && [ ! -e /tmp/alice-fwd.sock ]'
sshd_mark
local_forward 9004 "$T/host.sock"
check "drop-in: ssh -L to a host unix socket (stream-local) is refused by sshd" '@ssh: $(cat "$T/fwd.err"); sshd: $(sshd_since_mark | tail -2)' \
	sshd_said "refused streamlocal port forward: originator 127\.0\.0\.1 port [0-9]+, target $T/host\.sock"
capture env DISPLAY=:0 ssh $SSH_INFO -X alice@127.0.0.1 'echo x11-session'
check "drop-in: ssh -X: sshd refuses the X11 request" "status $RC, out: $OUT, err: $ERR" \
	eval 'has "$ERR" "X11 forwarding request failed on channel 0" && has "$OUT" "^x11-session$"'
# sshd's refusal reaches the client only as a debug message; without it the
# tunnel could fail for another reason (alice cannot open the tun device).
capture ssh -v $SSH_INFO -o ExitOnForwardFailure=yes -w any -N alice@127.0.0.1
check "drop-in: ssh -w (tunnel) is refused by sshd" "status $RC, err: $(printf '%s\n' "$ERR" | grep -i 'tun' | tail -3)" \
	eval '[ "$RC" = 255 ] && has "$ERR" "Remote: Server has rejected tunnel device forwarding" && has "$ERR" "Tunnel forwarding failed"'

# The same sshd without the drop-in: the agent and the socket do reach the
# host (what the refusals above are worth).
rm -f /etc/ssh/sshd_config.d/jailme.conf
stop_sshd
start_sshd || { fail "sshd starts with every forwarding allowed" "$(tail -5 "$T/sshd.log")"; harness_leave; }
check "no drop-in: ssh -A: sshd makes alice an agent socket on the host (the hole)" '@socket: $AGENT_SOCK' agent_socket
# remote_listens SOCK: ssh -N -R SOCK (it never ends by itself unless the
# forward is refused) has sshd listen on SOCK on the host: waited for as a
# condition, then ssh is stopped; a fixed 3 s for the login and the forward
# was too short on a loaded machine.
remote_listens() {
	local f i
	rm -f "$1"
	# shellcheck disable=SC2086
	ssh $SSH_INFO -o ExitOnForwardFailure=yes -N -R "$1:127.0.0.1:5432" alice@127.0.0.1 </dev/null 2>"$T/fwd.err" &
	f=$!
	for i in $(seq 300); do
		{ [ -S "$1" ] || ! kill -0 "$f" 2>/dev/null; } && break
		sleep 0.1
	done
	[ -S "$1" ] && kill -0 "$f" 2>/dev/null
	i=$?
	kill "$f" 2>/dev/null
	wait "$f" 2>/dev/null
	return $i
}
check "no drop-in: ssh -R of a unix socket listens on the host (the hole)" '@ssh: $(cat "$T/fwd.err")' \
	remote_listens /tmp/alice-fwd.sock

harness_leave
