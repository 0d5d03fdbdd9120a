#!/bin/bash
# tests/runtimes.sh — jails by container name with the real runtimes
# (issue 12): runc, crun, podman (crun), docker (dockerd + containerd +
# runc) and LXC, each started inside the harness's private namespaces on
# tmpfs state directories, with a local busybox root filesystem and no
# network. For each: a user lands (jailsh -c), the exit status comes back,
# jailsh -n names the state it read; a container whose runtime died and
# whose pid was then given (ns_last_pid) to an unrelated container is
# refused as stale; a container in its own user namespace (runc and crun
# bundles with a userns, podman --uidmap and --userns=auto, dockerd
# --userns-remap, LXC lxc.idmap) is entered as alice inside (issue 14).
# Issue 22: a link to another container's runc/crun state is refused; a
# stock LXC container (no hook, privileged and with lxc.idmap, cgroup v1
# and the v2 tree) is found by its cgroup; containerd's own container
# (ctr run --rootfs) is entered as containerd = "default/web".
#
#	sudo tests/runtimes.sh          (make runtimes)
#
# A runtime that is not installed is skipped (make deps installs them).
# JAILME_VERBOSE=1 shows the output of failed cases.

# Cgroups are the one piece of the host the runtimes write outside the
# namespaces (hybrid hierarchy: /sys/fs/cgroup/<controller>/...): every
# container goes under CG, removed when the suite ends, and an empty
# leftover of an aborted run is removed at the next start.
CG=${JAILME_RT_CG:-jailme-rt.$$}
export JAILME_RT_CG=$CG # the same name inside, where $$ is 1
cgroups_clean() {
	local i
	for i in $(seq 50); do
		find /sys/fs/cgroup/*/jailme-rt.* -depth -type d -exec rmdir {} + 2>/dev/null
		ls -d /sys/fs/cgroup/*/jailme-rt.* >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	return 1
}

. "$(dirname "$0")/lib.sh"
harness_enter "$@"

require_jailsh

# --- private runtime state ---------------------------------------------------
# /run is already the harness's tmpfs; the runtimes' /var/lib state gets one
# each (the directories are created empty on the host if missing: the
# packages create them too). crun 1.8 refuses a hybrid cgroup host unless
# the cgroup2 mount at /sys/fs/cgroup/unified is hidden.
for d in /var/lib/docker /var/lib/containerd /var/lib/containers /var/lib/lxc; do
	mkdir -p "$d" && mount -t tmpfs -o mode=0700 jailme-rt "$d" || die "tmpfs on $d"
done
chmod 0755 /var/lib/lxc
[ -d /sys/fs/cgroup/unified ] && { mount -t tmpfs -o mode=0755 jailme-unified /sys/fs/cgroup/unified || die "hide cgroup2"; }
cgroups_clean

runtimes_cleanup() {
	set +e
	command -v podman >/dev/null && podman $PODMAN rm -f -a -t 0 >/dev/null 2>&1
	if [ -n "${DOCKERD:-}" ]; then
		docker rm -f $(docker ps -aq) >/dev/null 2>&1
	fi
	for r in runc crun; do
		command -v $r >/dev/null || continue
		for c in $($r list -q 2>/dev/null); do $r delete -f "$c" >/dev/null 2>&1; done
	done
	command -v lxc-stop >/dev/null && for c in $(lxc-ls 2>/dev/null); do lxc-stop -k -n "$c" >/dev/null 2>&1; done
	[ -n "${DOCKERD:-}" ] && kill "$DOCKERD" 2>/dev/null
	[ -n "${CONTAINERD:-}" ] && kill "$CONTAINERD" 2>/dev/null
	sleep 0.5
	cgroups_clean
}
trap 'rc=$?; runtimes_cleanup; (exit $rc); harness_cleanup' EXIT

MARK=rt-marker-$RANDOM$RANDOM
add_user alice 2001 2001 "" "$JAILSH"

# The container's root: busybox, the reaping init, alice as on the host.
ROOTFS=$T/rootfs
make_rootfs "$ROOTFS" web "$MARK"
jail_add_group "$ROOTFS" alice 2001
jail_add_user "$ROOTFS" alice 2001 2001
# sysprobe: what unshare(CLONE_NEWUSER) and keyctl say, and the Seccomp lines.
mkdir -p "$ROOTFS/usr/local/bin" && gcc -static -O2 -o "$ROOTFS/usr/local/bin/sysprobe" "$REPO/tests/confine/sysprobe.c" ||
	die "build tests/confine/sysprobe.c"
tar -C "$ROOTFS" -cf "$T/rootfs.tar" . || die "tar rootfs"

# An unrelated container (its own root, alice in its passwd too) that will
# be handed a dead container's pid.
IMPOSTOR_ROOT=$T/impostor
make_rootfs "$IMPOSTOR_ROOT" impostor impostor-marker
jail_add_group "$IMPOSTOR_ROOT" alice 2001
jail_add_user "$IMPOSTOR_ROOT" alice 2001 2001

jail_conf() {
	write_conf <<-EOF
		user alice web
		default deny
		jail web { $1 }
	EOF
}

start_time() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $20 }'; }

# landing LABEL PID STATE [WHY]: alice lands in the container whose init is
# PID (the exit status comes back) and jailsh -n names STATE, PID, start
# time and why it is trusted (WHY, by default the recorded start time).
landing() {
	local label=$1 pid=$2 state=$3 why=${4:-start time as recorded} start
	start=$(start_time "$pid")
	capture as alice "$JAILSH" -c 'id -u; cat /etc/marker; readlink /proc/self/ns/pid; cat /proc/1/comm'
	check "$label: alice lands in the container" "@status $RC, out: $(echo $OUT), err: $ERR" \
		test "$RC" = 0 -a "$OUT" = "$(printf '2001\n%s\n%s\ninit' "$MARK" "$(readlink "/proc/$pid/ns/pid")")"
	capture as alice "$JAILSH" -c 'exit 7'
	check "$label: the session's exit status comes back" "@status $RC, err: $ERR" test "$RC" = 7
	capture "$JAILSH" -n alice
	check "$label: jailsh -n shows the state read, the pid, its start time and why" "@status $RC: $OUT $ERR" \
		has "$OUT" "^jail: +web \(pid $pid from .*$state; start time $start: $why, init of its pid namespace, root not the host's\)"
}

# reuse_pid PID: the unrelated container's init gets PID (ns_last_pid in
# the suite's own pid namespace); IMPOSTOR is its pid. Other processes
# (daemons' threads) may take the pid first: then try again.
reuse_pid() {
	local want=$1 i j child
	if [ -z "${NOFORK_SLEEP:-}" ]; then
		mkfifo "$T/nofork-sleep" && exec {NOFORK_SLEEP}<>"$T/nofork-sleep"
	fi
	REUSE_GOT=
	for j in $(seq 200); do [ -e "/proc/$want" ] || break; sleep 0.05; done
	if [ -e "/proc/$want" ]; then
		REUSE_GOT="pid $want still held by: $(tr '\0' ' ' <"/proc/$want/cmdline") ($(awk '/^State/ { print $2 }' "/proc/$want/status"))"
		return 1
	fi
	for i in $(seq 20); do
		# The subshell's own pid must not be the one wanted: move the
		# counter away first, then back for the unshare's child.
		echo $((want + 1000)) >/proc/sys/kernel/ns_last_pid
		(
			echo $((want - 1)) >/proc/sys/kernel/ns_last_pid
			exec setpriv --bounding-set -sys_ptrace unshare --mount --pid --uts --ipc --net --fork --propagation private \
				chroot "$IMPOSTOR_ROOT" /bin/sh -c 'mount -t proc proc /proc && exec /bin/init'
		) </dev/null >/dev/null 2>&1 &
		local upid=$! comm
		# Builtins only while the unshare forks: a $(...) or an external
		# sleep here would fork and take the pid first.
		for j in $(seq 100); do
			child= comm=
			read -r child _ 2>/dev/null <"/proc/$upid/task/$upid/children"
			[ -n "$child" ] && read -r comm 2>/dev/null <"/proc/$child/comm"
			[ "$comm" = init ] && break
			read -r -t 0.05 -u "$NOFORK_SLEEP"
		done
		if [ "$child" = "$want" ]; then
			IMPOSTOR=$child
			return 0
		fi
		REUSE_GOT="$REUSE_GOT ${child:-none}"
		kill -KILL "$upid" $child 2>/dev/null
		wait "$upid" 2>/dev/null
	done
	# A pid stays taken while a process has it as its group or session.
	REUSE_GOT="got:$REUSE_GOT; pgid/sid $want: $(ps -eo pid,pgid,sid,stat,comm --no-headers | awk -v p="$want" '$2 == p || $3 == p' | tr '\n' ' ')"
	return 1
}

# stale LABEL PID: PID now belongs to the unrelated container: refused,
# and --audit calls the state stale.
stale() {
	local label=$1 pid=$2
	if ! reuse_pid "$pid"; then
		fail "$label: pid $pid reused by an unrelated container" "could not get pid $pid: $REUSE_GOT"
		return
	fi
	log_mark
	capture as alice "$JAILSH" -c 'cat /etc/marker'
	check "$label: runtime died, its pid reused by an unrelated container: refused as stale" \
		"@status $RC, out: $OUT, err: $ERR" \
		eval '[ "$RC" = 1 ] && ! has "$OUT" impostor && has "$ERR" "pid $pid from .* started at [0-9]+, .* recorded [0-9]+: stale state, the pid was reused"'
	check "$label: the refusal is logged" "@$(log_since_mark | tail -3)" assert_log "jailsh\[[0-9]+\]: deny user=alice .*stale state"
	capture "$JAILSH" --audit
	check "$label: --audit flags the stale state" "@status $RC: $OUT" has "$OUT" "web.*stale"
	kill -KILL "$IMPOSTOR" 2>/dev/null
}

# userns LABEL CONF PID HOSTUID: a container in its own user namespace
# (issue 14): alice lands as uid 2001 inside, host uid HOSTUID, in the
# init's cgroups; the exit status comes back; the allow line has both ids;
# nothing of hers is left in the container afterwards.
userns() {
	local label=$1 pid=$3 hostuid=$4 ns
	jail_conf "$2"
	ns=$(readlink "/proc/$pid/ns/pid")
	log_mark
	capture as alice "$JAILSH" -c 'id -u; cat /etc/marker; readlink /proc/self/ns/user; cat /proc/1/comm; [ "$(cat /proc/self/cgroup)" = "$(cat /proc/1/cgroup)" ] && echo same-cgroups'
	check "$label, own user namespace: alice lands as uid 2001 inside, in the init's cgroups" "@status $RC, out: $(echo $OUT), err: $ERR" \
		test "$RC" = 0 -a "$OUT" = "$(printf '2001\n%s\n%s\ninit\nsame-cgroups' "$MARK" "$(readlink "/proc/$pid/ns/user")")"
	check "$label, own user namespace: the allow line shows uid=2001 host_uid=$hostuid" "@$(log_since_mark | tail -2)" \
		assert_log "jailsh\[[0-9]+\]: allow user=alice uid=2001 host_uid=$hostuid jail=web"
	capture as alice "$JAILSH" -c 'exit 7'
	check "$label, own user namespace: the session's exit status comes back" "@status $RC, err: $ERR" test "$RC" = 7
	userns_left() {
		local p
		for p in /proc/[0-9]*; do
			[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] && [ "${p#/proc/}" != "$pid" ] &&
				[ "$(awk '/^Uid:/ { print $2 }' "$p/status" 2>/dev/null)" = "$hostuid" ] && return 1
		done
		return 0
	}
	check "$label, own user namespace: nothing of alice's left in the container" "a process of host uid $hostuid" userns_left
}

# --- OCI bundles (runc, crun) -------------------------------------------------

# bundle DIR [userns]: `runc spec`, made detached, no terminal, the init
# as process, its own network namespace, cgroups under CG.
bundle() {
	local dir=$1 tmp
	mkdir -p "$dir" || return 1
	(cd "$dir" && rm -f config.json && runc spec) || return 1
	tmp=$(mktemp)
	jq --arg cg "/$CG/$(basename "$dir")" --arg root "$ROOTFS" '
		.root.path = $root | .process.terminal = false | .process.args = ["/bin/init"] | .root.readonly = false |
		.linux.cgroupsPath = $cg | .hostname = "web" |
		.linux.namespaces |= (map(select(.type != "network")) + [{"type": "network"}])' "$dir/config.json" >"$tmp" || return 1
	if [ "${2:-}" = userns ]; then
		jq '.linux.namespaces += [{"type": "user"}] |
			.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] |
			.linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] |
			.mounts |= map(select(.type != "cgroup"))' "$tmp" >"$dir/config.json"
	else
		cat "$tmp" >"$dir/config.json"
	fi
	rm -f "$tmp"
}

oci_init() { "$1" state "$2" 2>/dev/null | jq -r .pid; }

oci_suite() {
	local rt=$1 state=$2 root=/run/$1 pid
	if ! command -v "$rt" >/dev/null; then
		skip "$rt" "not installed"
		return
	fi
	bundle "$T/$rt-web" && bundle "$T/$rt-uns" userns || { fail "$rt: bundles" "runc spec / jq failed"; return; }
	if ! (cd "$T/$rt-web" && "$rt" run -d "$rt-web" </dev/null >"$T/$rt.out" 2>&1); then
		fail "$rt run" "$(cat "$T/$rt.out")"
		return
	fi
	pid=$(oci_init "$rt" "$rt-web")
	jail_conf "oci = $rt-web;"
	landing "$rt" "$pid" "$root/$rt-web/$state"

	# A link to another container's state directory is not the state of
	# the container it is named for (issue 22; crun's status names none).
	ln -s "$rt-web" "$root/cw"
	jail_conf "oci = cw;"
	capture as alice "$JAILSH" -c 'cat /etc/marker'
	link_refused() { [ "$RC" != 0 ] && ! has "$OUT" "$MARK" && has "$ERR" "$root/cw: not a directory \(a symbolic link\?\): not container \"cw\"'s own state"; }
	check "$rt: a link $root/cw -> $rt-web: refused, naming the link" "@status $RC, out: $OUT, err: $ERR" link_refused
	rm -f "$root/cw"

	# The same with oci_root naming the runtime's root.
	jail_conf "oci = $rt-web; oci_root = \"$root\";"
	capture as alice "$JAILSH" -c 'cat /etc/marker'
	check "$rt: oci_root = $root: lands" "@status $RC: $ERR" test "$RC" = 0 -a "$OUT" = "$MARK"

	# Paused (issue 27 item 4): refused at once with the reason, nothing
	# left in the container; resumed, it lands again.
	if "$rt" pause "$rt-web" >"$T/$rt.out" 2>&1; then
		log_mark
		capture as alice "$JAILSH" -c 'echo SHOULD-NOT-RUN'
		check "$rt pause: refused with the reason (code=jail)" "@status $RC: $OUT $ERR" \
			eval '[ "$RC" = 1 ] && ! has "$OUT" SHOULD-NOT-RUN && has "$ERR" "^jailsh: denied: jail web: .*frozen \(runc pause" && assert_log "deny user=alice .*code=jail .*frozen"'
		"$rt" resume "$rt-web" >/dev/null 2>&1
		check "$rt pause: nothing of alice's left in the container" "@left: $(ps -o pid=,user=,comm= --ppid "$pid" | tr '\n' ' ')" \
			eval '[ -z "$(ps -o pid= -u 2001)" ]'
		capture as alice "$JAILSH" -c 'cat /etc/marker'
		check "$rt resume: lands again" "@status $RC: $ERR" test "$RC" = 0 -a "$OUT" = "$MARK"
	else
		fail "$rt pause" "$(cat "$T/$rt.out")"
	fi

	if (cd "$T/$rt-uns" && "$rt" run -d "$rt-uns" </dev/null >"$T/$rt.out" 2>&1); then
		userns "$rt" "oci = $rt-uns;" "$(oci_init "$rt" "$rt-uns")" 102001
		"$rt" delete -f "$rt-uns" >/dev/null 2>&1
	else
		fail "$rt run (user namespace)" "$(cat "$T/$rt.out")"
	fi

	# The init dies; the state stays (no delete yet), and its pid goes to
	# an unrelated container.
	jail_conf "oci = $rt-web;"
	kill -KILL "$pid"
	stale "$rt" "$pid"
	"$rt" delete -f "$rt-web" >/dev/null 2>&1
	capture as alice "$JAILSH" -c true
	check "$rt: container deleted: refused, not running" "@status $RC: $ERR" \
		eval '[ "$RC" = 1 ] && has "$ERR" "no runtime state .*jail is not running"'

	# Recreated under the same id: found again, no config change.
	if (cd "$T/$rt-web" && "$rt" run -d "$rt-web" </dev/null >"$T/$rt.out" 2>&1); then
		capture as alice "$JAILSH" -c 'cat /etc/marker'
		check "$rt: recreated with the same id: lands again" "@status $RC: $ERR" test "$RC" = 0 -a "$OUT" = "$MARK"
		"$rt" delete -f "$rt-web" >/dev/null 2>&1
	else
		fail "$rt: recreate" "$(cat "$T/$rt.out")"
	fi
}

oci_suite runc state.json
oci_suite crun status

# --- podman (crun) --------------------------------------------------------------
PODMAN="--cgroup-manager=cgroupfs --events-backend=file"
podman_suite() {
	if ! command -v podman >/dev/null; then
		skip "podman" "not installed"
		return
	fi
	# shellcheck disable=SC2086
	local p="podman $PODMAN" id pid conmon
	if ! $p import "$T/rootfs.tar" localhost/jailme-rt:1 >"$T/podman.out" 2>&1; then
		fail "podman import" "$(tail -3 "$T/podman.out")"
		return
	fi
	run_web() { $p run -d --name web --network none --cgroup-parent "/$CG" localhost/jailme-rt:1 /bin/init >"$T/podman.out" 2>&1; }
	if ! run_web; then
		fail "podman run" "$(tail -3 "$T/podman.out")"
		return
	fi
	id=$(tail -1 "$T/podman.out")
	pid=$($p inspect -f '{{.State.Pid}}' web)
	jail_conf "podman = web;"
	landing "podman" "$pid" "podman container \"web\" = ${id:0:12} .*crun status /run/crun/$id/status"

	if $p run -d --name uns --network none --cgroup-parent "/$CG" --uidmap 0:100000:65536 --gidmap 0:100000:65536 \
		localhost/jailme-rt:1 /bin/init >"$T/podman.out" 2>&1; then
		userns "podman --uidmap" "podman = uns;" "$($p inspect -f '{{.State.Pid}}' uns)" 102001
		$p rm -f -t 0 uns >/dev/null 2>&1
	else
		fail "podman run --uidmap" "$(tail -3 "$T/podman.out")"
	fi
	# --userns=auto: podman picks a range from /etc/subuid's "containers"
	# entry, as large as the image's ids need (alice's 2001 included).
	echo "containers:200000:1000000" >>/etc/subuid
	echo "containers:200000:1000000" >>/etc/subgid
	if $p run -d --name auto --userns=auto --network none --cgroup-parent "/$CG" \
		localhost/jailme-rt:1 /bin/init >"$T/podman.out" 2>&1; then
		local apid base
		apid=$($p inspect -f '{{.State.Pid}}' auto)
		base=$(awk '$1 == 0 { print $2 }' "/proc/$apid/uid_map")
		userns "podman --userns=auto" "podman = auto;" "$apid" "$((base + 2001))"
		$p rm -f -t 0 auto >/dev/null 2>&1
	else
		fail "podman run --userns=auto" "$(tail -3 "$T/podman.out")"
	fi
	# podman with runc instead of crun: runc's state under its default root.
	if command -v runc >/dev/null; then
		if $p run -d --runtime runc --name webr --network none --cgroup-parent "/$CG" localhost/jailme-rt:1 /bin/init \
			>"$T/podman.out" 2>&1; then
			local rid
			rid=$(tail -1 "$T/podman.out")
			jail_conf "podman = webr;"
			capture as alice "$JAILSH" -c 'cat /etc/marker'
			check "podman --runtime runc: lands" "@status $RC: $ERR" test "$RC" = 0 -a "$OUT" = "$MARK"
			capture "$JAILSH" -n alice
			check "podman --runtime runc: jailsh -n names runc's state" "@$OUT" \
				has "$OUT" "podman container \"webr\" = ${rid:0:12} .*runc state /run/runc/$rid/state.json"
			$p rm -f -t 0 webr >/dev/null 2>&1
		else
			fail "podman run --runtime runc" "$(tail -3 "$T/podman.out")"
		fi
	fi
	jail_conf "podman = web;"

	# Removed and run again: a new ID, the same config.
	$p rm -f -t 0 web >/dev/null 2>&1
	capture as alice "$JAILSH" -c true
	check "podman: container removed: refused, not running" "@status $RC: $ERR" \
		eval '[ "$RC" = 1 ] && has "$ERR" "podman container \"web\": none in .*containers.json: jail is not running"'
	if ! run_web; then
		fail "podman run again" "$(tail -3 "$T/podman.out")"
		return
	fi
	pid=$($p inspect -f '{{.State.Pid}}' web)
	capture as alice "$JAILSH" -c 'cat /etc/marker'
	check "podman: run again (new ID ${id:0:12} -> $(tail -1 "$T/podman.out" | cut -c1-12)): lands, config unchanged" \
		"@status $RC: $ERR" test "$RC" = 0 -a "$OUT" = "$MARK"

	# conmon and the init die (a crash): containers.json and crun's status
	# stay behind, and the pid goes to an unrelated container.
	conmon=$($p inspect -f '{{.State.ConmonPid}}' web)
	kill -KILL "$conmon" "$pid"
	stale "podman" "$pid"
}
podman_suite

# --- docker (dockerd + containerd + runc) ----------------------------------------
docker_suite() {
	if ! command -v dockerd >/dev/null || ! command -v containerd >/dev/null; then
		skip "docker" "not installed"
		return
	fi
	local i id pid
	containerd >"$T/containerd.log" 2>&1 &
	CONTAINERD=$!
	dockerd --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
		--containerd=/run/containerd/containerd.sock --exec-opt native.cgroupdriver=cgroupfs \
		--cgroup-parent="/$CG" >"$T/dockerd.log" 2>&1 &
	DOCKERD=$!
	for i in $(seq 200); do
		docker info >/dev/null 2>&1 && break
		sleep 0.1
	done
	if ! docker info >/dev/null 2>&1; then
		fail "dockerd starts" "$(tail -3 "$T/dockerd.log")"
		return
	fi
	if ! docker import "$T/rootfs.tar" jailme-rt:1 >"$T/docker.out" 2>&1 ||
		! docker run -d --name web --network none jailme-rt:1 /bin/init >"$T/docker.out" 2>&1; then
		fail "docker run" "$(tail -3 "$T/docker.out")"
		return
	fi
	id=$(docker inspect -f '{{.Id}}' web)
	pid=$(docker inspect -f '{{.State.Pid}}' web)
	jail_conf "docker = web;"
	landing "docker" "$pid" "docker container \"web\" = ${id:0:12} .*runc state /run/docker/runtime-runc/moby/$id/state.json"

	# The daemons crash, then the container's init: docker's config.v2.json
	# (Running, Pid) and runc's state.json stay behind.
	kill -KILL "$DOCKERD" "$CONTAINERD"
	wait "$DOCKERD" "$CONTAINERD" 2>/dev/null
	DOCKERD= CONTAINERD=
	# Its parent is the shim, which would reap it and tell containerd.
	kill -KILL "$(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $2 }')" "$pid"
	stale "docker" "$pid"

	# dockerd --userns-remap: every container in its own user namespace,
	# its state under /var/lib/docker/UID.GID.
	echo "dockremap:x:2999:2999::/nonexistent:/usr/sbin/nologin" >>/etc/passwd
	echo "dockremap:x:2999:" >>/etc/group
	echo "dockremap:100000:65536" >>/etc/subuid
	echo "dockremap:100000:65536" >>/etc/subgid
	containerd >>"$T/containerd.log" 2>&1 &
	CONTAINERD=$!
	dockerd --userns-remap=dockremap --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
		--containerd=/run/containerd/containerd.sock --exec-opt native.cgroupdriver=cgroupfs \
		--cgroup-parent="/$CG" >>"$T/dockerd.log" 2>&1 &
	DOCKERD=$!
	for i in $(seq 200); do
		docker info >/dev/null 2>&1 && break
		sleep 0.1
	done
	if ! docker import "$T/rootfs.tar" jailme-rt:1 >"$T/docker.out" 2>&1 ||
		! docker run -d --name uns --network none jailme-rt:1 /bin/init >"$T/docker.out" 2>&1; then
		fail "docker run with userns-remap" "$(tail -3 "$T/docker.out" "$T/dockerd.log")"
		return
	fi
	userns "docker --userns-remap" "docker = uns;" "$(docker inspect -f '{{.State.Pid}}' uns)" 102001
}
docker_suite

# --- LXC (lxc-start, the start-host hook) -------------------------------------
lxc_suite() {
	if ! command -v lxc-start >/dev/null; then
		skip "lxc" "not installed"
		return
	fi
	local pid
	# lxc_config NAME [LINES]: no CAP_SYS_PTRACE (jailsh refuses jails that
	# keep it); cgroups under CG; the jailme hook. With LXC_STOCK set,
	# neither: the cgroups where LXC puts them, no hook.
	lxc_config() {
		local placed="lxc.cgroup.dir.container = $CG/lxc-$1
lxc.cgroup.dir.monitor = $CG/lxc-monitor-$1
lxc.cgroup.dir.monitor.pivot = $CG/lxc-pivot
lxc.hook.start-host = $REPO/etc/lxc-jailme-hook"
		[ -n "${LXC_STOCK:-}" ] && placed=
		mkdir -p -m 0755 "/var/lib/lxc/$1"
		cat >"/var/lib/lxc/$1/config" <<-EOF
			lxc.uts.name = $1
			lxc.rootfs.path = dir:$ROOTFS
			lxc.net.0.type = empty
			lxc.init.cmd = /bin/init
			lxc.mount.auto = proc:mixed sys:ro
			lxc.autodev = 1
			lxc.cap.drop = ${LXC_DROP-sys_ptrace sys_module sys_rawio sys_time mac_admin mac_override}
			lxc.apparmor.profile = unconfined
			$placed
			${2:-}
		EOF
	}
	lxc_config web
	lxc_config uns "lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 100000 65536"
	if lxc-start -n uns -o "$T/lxc.log" -l INFO >"$T/lxc.out" 2>&1; then
		userns "lxc.idmap" "lxc = uns;" "$(lxc-info -pH -n uns)" 102001
		lxc-stop -k -n uns >/dev/null 2>&1
	else
		fail "lxc-start with lxc.idmap" "$(tail -3 "$T/lxc.out" "$T/lxc.log")"
	fi
	if ! lxc-start -n web -o "$T/lxc.log" -l INFO >"$T/lxc.out" 2>&1; then
		fail "lxc-start" "$(tail -3 "$T/lxc.out" "$T/lxc.log")"
		return
	fi
	pid=$(lxc-info -pH -n web)
	jail_conf "lxc = web;"
	landing "lxc" "$pid" "lxc container \"web\", start-host hook /run/jailme/lxc/web"

	# The container stops (its init killed: the hook's file stays) and its
	# pid goes to an unrelated container.
	kill -KILL "$pid"
	stale "lxc" "$pid"
	lxc-stop -k -n web >/dev/null 2>&1

	# A privileged container with LXC's default capabilities, CAP_SYS_PTRACE
	# included (issue 27 item 2): entered, no longer refused.
	LXC_DROP= lxc_config full
	if lxc-start -n full -o "$T/lxc.log" -l INFO >"$T/lxc.out" 2>&1; then
		pid=$(lxc-info -pH -n full)
		jail_conf "lxc = full;"
		capture as alice "$JAILSH" -c 'id -u; cat /etc/marker'
		check "lxc privileged, default capabilities (init CapBnd $(awk '$1 == "CapBnd:" { print $2 }' "/proc/$pid/status")): alice lands" "@status $RC, out: $(echo $OUT), err: $ERR" \
			eval '[ "$RC" = 0 ] && [ "$OUT" = "$(printf "2001\n%s" "$MARK")" ] && (( (16#$(awk '\''$1 == "CapBnd:" { print $2 }'\'' "/proc/$pid/status") >> 19) & 1 ))'
		lxc-stop -k -n full >/dev/null 2>&1
	else
		fail "lxc-start full" "$(tail -3 "$T/lxc.out" "$T/lxc.log")"
	fi
}
lxc_suite

# --- LXC with no hook, containerd by name (issue 22) --------------------------
# A container as lxc-start runs it from a plain config: no hook, its
# cgroups where LXC puts them (lxc.payload.NAME at the top of every
# hierarchy), privileged and then with lxc.idmap.
lxc_stock_suite() {
	if ! command -v lxc-start >/dev/null; then
		skip "lxc (no hook)" "not installed"
		return
	fi
	local sn=jr$RANDOM su=ju$RANDOM pid
	stock_config() { LXC_STOCK=1 lxc_config "$@"; }
	stock_config "$sn"
	if lxc-start -n "$sn" -o "$T/lxc.log" -l INFO >"$T/lxc.out" 2>&1; then
		pid=$(lxc-info -pH -n "$sn")
		jail_conf "lxc = $sn;"
		landing "lxc, stock container, no hook" "$pid" \
			"lxc container \"$sn\", cgroup /sys/fs/cgroup/[^ ]+/lxc.payload.$sn" "in cgroup /lxc.payload.$sn when pinned"
		lxc-stop -k -n "$sn" >/dev/null 2>&1
		capture as alice "$JAILSH" -c true
		check "lxc, stock container stopped: refused, not running" "@status $RC: $ERR" \
			eval '[ "$RC" != 0 ] && has "$ERR" "lxc container \"$sn\": no cgroup lxc.payload.$sn .*jail is not running"'
	else
		fail "lxc-start (stock)" "$(tail -3 "$T/lxc.out" "$T/lxc.log")"
	fi
	# With the hybrid host's cgroup2 tree (unified/) visible, which is read
	# first (crun needs it hidden, so only for this case), and the hook,
	# which adds the start time.
	local sv=jv$RANDOM
	if [ -d /sys/fs/cgroup/unified ] && umount /sys/fs/cgroup/unified 2>/dev/null; then
		stock_config "$sv" "lxc.hook.start-host = $REPO/etc/lxc-jailme-hook"
		if lxc-start -n "$sv" -o "$T/lxc.log" -l INFO >"$T/lxc.out" 2>&1; then
			pid=$(lxc-info -pH -n "$sv")
			jail_conf "lxc = $sv;"
			landing "lxc, the hook, cgroup v2 tree visible" "$pid" \
				"lxc container \"$sv\", start-host hook /run/jailme/lxc/$sv and cgroup /sys/fs/cgroup/unified/lxc.payload.$sv"
			lxc-stop -k -n "$sv" >/dev/null 2>&1
		else
			fail "lxc-start (stock, cgroup v2 visible)" "$(tail -3 "$T/lxc.out" "$T/lxc.log")"
		fi
		sleep 0.5
		rmdir /sys/fs/cgroup/unified/lxc.payload."$sv" /sys/fs/cgroup/unified/lxc.monitor."$sv" \
			/sys/fs/cgroup/unified/lxc.pivot 2>/dev/null
		mount -t tmpfs -o mode=0755 jailme-unified /sys/fs/cgroup/unified || die "hide cgroup2 again"
	fi
	stock_config "$su" "lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 100000 65536"
	if lxc-start -n "$su" -o "$T/lxc.log" -l INFO >"$T/lxc.out" 2>&1; then
		userns "lxc.idmap, stock container, no hook" "lxc = $su;" "$(lxc-info -pH -n "$su")" 102001
		lxc-stop -k -n "$su" >/dev/null 2>&1
	else
		fail "lxc-start (stock, lxc.idmap)" "$(tail -3 "$T/lxc.out" "$T/lxc.log")"
	fi
	rmdir /sys/fs/cgroup/*/lxc.payload."$sn" /sys/fs/cgroup/*/lxc.monitor."$sn" \
		/sys/fs/cgroup/*/lxc.payload."$su" /sys/fs/cgroup/*/lxc.monitor."$su" \
		/sys/fs/cgroup/*/lxc.payload."$sv" /sys/fs/cgroup/*/lxc.monitor."$sv" 2>/dev/null
	# Where the monitor of a stock container moves to on exit; busy (kept)
	# while another LXC container on the host uses it.
	rmdir /sys/fs/cgroup/*/lxc.pivot 2>/dev/null
}
lxc_stock_suite

# containerd without docker: `ctr run --rootfs` on the busybox tree.
containerd_suite() {
	if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null; then
		skip "containerd" "not installed"
		return
	fi
	local i pid
	if [ -z "${CONTAINERD:-}" ]; then
		containerd >>"$T/containerd.log" 2>&1 &
		CONTAINERD=$!
	fi
	for i in $(seq 200); do
		ctr version >/dev/null 2>&1 && break
		sleep 0.1
	done
	if ! ctr run -d --rootfs --cgroup "/$CG/ctr-web" "$ROOTFS" web /bin/init >"$T/ctr.out" 2>&1; then
		fail "ctr run --rootfs" "$(tail -3 "$T/ctr.out" "$T/containerd.log")"
		return
	fi
	pid=$(ctr task ls | awk '$1 == "web" { print $2 }')
	jail_conf 'containerd = "default/web";'
	landing "containerd" "$pid" \
		"containerd container \"web\" in namespace \"default\" .*init.pid.*runc state /run/containerd/runc/default/web/state.json"
	ctr task kill -s KILL web >/dev/null 2>&1
	for i in $(seq 50); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
	ctr task rm web >/dev/null 2>&1
	ctr container rm web >/dev/null 2>&1
	capture as alice "$JAILSH" -c true
	check "containerd: task removed: refused, not running" "@status $RC: $ERR" \
		eval '[ "$RC" != 0 ] && has "$ERR" "containerd container \"web\" in namespace \"default\": .*jail is not running"'
}
containerd_suite
# --- seccomp (issue 23): the session carries the container's filter -----------
# seccomp_same LABEL REFUSED EXEC...: a container with the runtime's default
# profile ("sc") and one run with --security-opt seccomp=unconfined
# ("unconf") are running; EXEC runs a program in a container as uid 2001 the
# runtime's way (docker exec / podman exec, which install the container's
# filter), and is refused the system calls REFUSED names (sysprobe's keys).
# The session refuses what the runtime's own exec refuses, under as many
# filters as the init; the unconfined container's session has none.
seccomp_same() {
	local label=$1 refused=$2 want sc k
	shift 2
	want=$("$@" sc /usr/local/bin/sysprobe 2>&1)
	sc=$(status_field "$SC_PID" Seccomp_filters)
	jail_conf "$SC_CONF"
	capture as alice "$JAILSH" -c /usr/local/bin/sysprobe
	refused_all() {
		for k in $refused; do has "$want" "^$k=EPERM\$" || return 1; done
	}
	check "$label: the runtime's exec is refused $refused under the default profile" "@$(echo $want)" refused_all
	check "$label default profile: the session refuses what the runtime's exec refuses, under the init's $sc filter(s)" \
		"@status $RC, session: $(echo $OUT), $*: $(echo $want), err: $ERR" \
		eval '[ "$RC" = 0 ] && [ "$OUT" = "$want" ] && has "$OUT" "^Seccomp_filters:[[:space:]]+$sc\$"'
	capture "$JAILSH" -n alice
	check "$label default profile: jailsh -n shows the filter copied" "@$OUT" \
		has "$OUT" "seccomp +filter \($sc\) +$sc filters? \([0-9+]+ instructions\) copied from pid $SC_PID"
	jail_conf "$UNCONF_CONF"
	capture as alice "$JAILSH" -c /usr/local/bin/sysprobe
	check "$label --security-opt seccomp=unconfined: the session has no filter" "@status $RC, out: $(echo $OUT), err: $ERR" \
		eval '[ "$RC" = 0 ] && has "$OUT" "^Seccomp:[[:space:]]+0\$" && has "$OUT" "^keyctl=ok\$"'
}
# Left running by the docker suite: dockerd --userns-remap.
if [ -n "${DOCKERD:-}" ] && docker info >/dev/null 2>&1; then
	if docker run -d --name sc --network none jailme-rt:1 /bin/init >"$T/docker.out" 2>&1 &&
		docker run -d --name unconf --security-opt seccomp=unconfined --network none jailme-rt:1 /bin/init >>"$T/docker.out" 2>&1; then
		SC_PID=$(docker inspect -f '{{.State.Pid}}' sc) SC_CONF="docker = sc;" UNCONF_CONF="docker = unconf;"
		seccomp_same docker "unshare keyctl" docker exec -u 2001
	else
		fail "docker run (seccomp)" "$(tail -3 "$T/docker.out")"
	fi
else
	skip "docker: seccomp" "dockerd is not running"
fi
if command -v podman >/dev/null; then
	# shellcheck disable=SC2086
	if podman $PODMAN run -d --name sc --network none --cgroup-parent "/$CG" localhost/jailme-rt:1 /bin/init >"$T/podman.out" 2>&1 &&
		podman $PODMAN run -d --name unconf --security-opt seccomp=unconfined --network none --cgroup-parent "/$CG" \
			localhost/jailme-rt:1 /bin/init >>"$T/podman.out" 2>&1; then
		SC_PID=$(podman $PODMAN inspect -f '{{.State.Pid}}' sc) SC_CONF="podman = sc;" UNCONF_CONF="podman = unconf;"
		# podman's profile allows unshare and keyctl (the session too).
		seccomp_same podman "kcmp userfaultfd" podman $PODMAN exec -u 2001
	else
		fail "podman run (seccomp)" "$(tail -3 "$T/podman.out")"
	fi
else
	skip "podman: seccomp" "not installed"
fi

harness_leave
