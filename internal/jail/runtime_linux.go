package jail

// Jails by container name: the state docker, podman, runc, crun and LXC
// keep about their containers, read only from root-owned files (as the
// configuration is, config.ReadOwned), resolved to the init's pid and the
// start time the runtime recorded for it, then pinned like any pidfile
// (pin, proveInit). A container removed and recreated is found again by its
// name; state it left behind never is, because the start time it recorded
// is not the start time of whatever now holds its pid.
//
// The formats are the runtimes' own and change between versions. What is
// read here was checked against the source of, and the files written by,
// the versions Debian 12 ships: docker.io 20.10 (moby + containerd 1.6's
// runc v2 shim), podman 4.3 (containers/storage), runc 1.1, crun 1.8.
// Anything else is refused, naming the file and the field that is missing.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Where the runtimes keep their state; tests point these at fixtures.
var (
	// moby daemon/container: one directory per container ID holding
	// config.v2.json (Name "/NAME", ID, State.Running, State.Pid).
	dockerContainers = "/var/lib/docker/containers"
	// moby runs containers through containerd's runc v2 shim with
	// --root <exec-root>/runtime-runc, and the shim adds the containerd
	// namespace, "moby" (daemon/runtime_unix.go, containerd
	// runtime/v2/runc): the runc state of container ID is
	// /run/docker/runtime-runc/moby/ID/state.json.
	dockerRuncRoot = "/run/docker/runtime-runc/moby"
	// containers/storage's container store (podman, buildah): a JSON array
	// of {"id", "names": [...], ...}.
	podmanContainers = "/var/lib/containers/storage/overlay-containers/containers.json"
	// The default --root of runc and of crun when run as root.
	runcRoot = "/run/runc"
	crunRoot = "/run/crun"
	// Where the start-host hook shipped for LXC writes NAME's pid and start
	// time (etc/lxc-jailme-hook, jailme.conf(5)).
	lxcPidDir = "/run/jailme/lxc"

	readState = readRootFile
)

// Identifiers are path components in the runtimes' state: never "..", "/".
func plainName(kind, name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return fmt.Errorf("%s name %q is not a plain name", kind, name)
	}
	return nil
}

// A container ID as docker and containers/storage make them.
func isHexID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// short abbreviates a container ID as the runtimes print it.
func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// readDocker finds the docker container called name, under dockerd's data
// root and, with --userns-remap, under each UID.GID root it keeps beside
// it (those containers have a user namespace of their own).
func readDocker(name string) (record, error) {
	if err := plainName("docker container", name); err != nil {
		return record{}, err
	}
	dirs := dockerContainerDirs()
	var found []dockerConfig
	seen := 0
	for _, dir := range dirs {
		ents, err := os.ReadDir(dir)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return record{}, fmt.Errorf("docker container %q: %w", name, err)
		}
		seen++
		for _, e := range ents {
			if !isHexID(e.Name()) {
				continue
			}
			path := dir + "/" + e.Name() + "/config.v2.json"
			data, err := readState(path)
			if errors.Is(err, ErrNotRunning) {
				continue // removed while we looked
			}
			if err != nil {
				return record{}, fmt.Errorf("docker container %q: %w", name, err)
			}
			c, err := parseDockerConfig(path, data)
			if err != nil {
				return record{}, fmt.Errorf("docker container %q: %w", name, err)
			}
			if c.ID != e.Name() {
				return record{}, fmt.Errorf("docker container %q: %s: ID %s is not its directory's", name, path, short(c.ID))
			}
			if c.Name == "/"+name {
				found = append(found, c)
			}
		}
	}
	if seen == 0 {
		return record{}, fmt.Errorf("docker container %q: %s: %w (is docker installed and running?)", name, dockerContainers, ErrNotRunning)
	}
	switch {
	case len(found) == 0:
		return record{}, fmt.Errorf("docker container %q: none in %s: %w", name, strings.Join(dirs, ", "), ErrNotRunning)
	case len(found) > 1:
		return record{}, fmt.Errorf("docker container %q: %d containers in %s have that name (%s, %s)", name, len(found), dockerContainers, short(found[0].ID), short(found[1].ID))
	}
	c := found[0]
	if !c.State.Running || c.State.Pid == 0 {
		return record{}, fmt.Errorf("docker container %q (%s) is stopped (%s): %w", name, short(c.ID), c.path, ErrNotRunning)
	}
	// A session joining a frozen cgroup would hang in it.
	if c.State.Paused {
		return record{}, fmt.Errorf("docker container %q (%s) is paused (%s)", name, short(c.ID), c.path)
	}
	rec, err := readRunc(dockerRuncRoot, c.ID)
	if errors.Is(err, ErrNotRunning) {
		return record{}, fmt.Errorf("docker container %q (%s): %s says running, but runc has no state: stale state (docker died?): %w", name, short(c.ID), c.path, err)
	}
	if err != nil {
		return record{}, fmt.Errorf("docker container %q (%s): %w", name, short(c.ID), err)
	}
	// Two root-owned records of one start: they must agree.
	if rec.pid != c.State.Pid {
		return record{}, fmt.Errorf("docker container %q (%s): %s says pid %d, %s pid %d: stale state", name, short(c.ID), c.path, c.State.Pid, rec.source, rec.pid)
	}
	rec.how = fmt.Sprintf("docker container %q = %s (%s), runc state", name, short(c.ID), c.path)
	return rec, nil
}

// dockerContainerDirs are the containers directories of dockerd's data root
// and of each UID.GID root --userns-remap made beside it.
func dockerContainerDirs() []string {
	dirs := []string{dockerContainers}
	parent := filepath.Dir(dockerContainers)
	ents, err := os.ReadDir(parent)
	if err != nil {
		return dirs
	}
	for _, e := range ents {
		u, g, ok := strings.Cut(e.Name(), ".")
		if ok && e.IsDir() && isDecimal(u) && isDecimal(g) {
			dirs = append(dirs, parent+"/"+e.Name()+"/containers")
		}
	}
	return dirs
}

func isDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

type dockerConfig struct {
	ID    string
	Name  string
	State struct {
		Running bool
		Paused  bool
		Pid     int
	}
	path string
}

func parseDockerConfig(path string, data []byte) (dockerConfig, error) {
	var c dockerConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	if !isHexID(c.ID) || !strings.HasPrefix(c.Name, "/") {
		return c, fmt.Errorf("%s: no ID and /Name: not a docker 20.10 config.v2.json", path)
	}
	if c.State.Pid < 0 {
		return c, fmt.Errorf("%s: State.Pid %d", path, c.State.Pid)
	}
	c.path = path
	return c, nil
}

// readPodman finds the podman container called name in containers/storage
// and its init in the OCI runtime's state: crun (Debian's default for
// podman) or runc, with their default roots, which podman keeps when run
// as root.
func readPodman(name string) (record, error) {
	if err := plainName("podman container", name); err != nil {
		return record{}, err
	}
	data, err := readState(podmanContainers)
	if err != nil {
		return record{}, fmt.Errorf("podman container %q: %w", name, err)
	}
	id, err := podmanID(podmanContainers, data, name)
	if err != nil {
		return record{}, fmt.Errorf("podman container %q: %w", name, err)
	}
	rec, err := readOCI("", id)
	if err != nil {
		return record{}, fmt.Errorf("podman container %q (%s): %w", name, short(id), err)
	}
	rec.how = fmt.Sprintf("podman container %q = %s (%s), %s", name, short(id), podmanContainers, rec.how)
	return rec, nil
}

func podmanID(path string, data []byte, name string) (string, error) {
	var cs []struct {
		ID    *string  `json:"id"`
		Names []string `json:"names"`
	}
	if err := json.Unmarshal(data, &cs); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	var ids []string
	for _, c := range cs {
		if c.ID == nil || !isHexID(*c.ID) {
			return "", fmt.Errorf("%s: an entry without a 64-digit id: not a containers/storage containers.json", path)
		}
		for _, n := range c.Names {
			if n == name {
				ids = append(ids, *c.ID)
				break
			}
		}
	}
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("none in %s: %w", path, ErrNotRunning)
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("%d containers in %s have that name", len(ids), path)
}

// readOCI reads the state runc or crun keeps for container id under root
// ("": runc's default root, then crun's).
func readOCI(root, id string) (record, error) {
	if err := plainName("OCI container", id); err != nil {
		return record{}, err
	}
	roots := []string{root}
	if root == "" {
		roots = []string{runcRoot, crunRoot}
	}
	var missing []string
	for _, r := range roots {
		// runc: state.json; crun: status.
		for _, f := range []struct {
			file string
			read func(string, string) (record, error)
		}{{"state.json", readRunc}, {"status", readCrun}} {
			path := r + "/" + id + "/" + f.file
			if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
				missing = append(missing, path)
				continue
			}
			return f.read(r, id)
		}
	}
	return record{}, fmt.Errorf("no runtime state (%s): %w", strings.Join(missing, ", "), ErrNotRunning)
}

// readRunc reads runc's ROOT/ID/state.json (libcontainer's State):
// init_process_pid and init_process_start, which runc takes from field 22
// of /proc/PID/stat when it starts the init.
func readRunc(root, id string) (record, error) {
	if err := checkStateDir(root, id); err != nil {
		return record{}, err
	}
	path := root + "/" + id + "/state.json"
	data, err := readState(path)
	if err != nil {
		return record{}, err
	}
	var s struct {
		ID    *string `json:"id"`
		Pid   *int    `json:"init_process_pid"`
		Start *uint64 `json:"init_process_start"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return record{}, fmt.Errorf("%s: %w", path, err)
	}
	if s.ID == nil || s.Pid == nil || s.Start == nil {
		return record{}, fmt.Errorf("%s: no id, init_process_pid and init_process_start: not a runc 1.x state.json", path)
	}
	if *s.ID != id {
		return record{}, fmt.Errorf("%s: id %q is not %q", path, *s.ID, id)
	}
	return stateRecord(path, *s.Pid, *s.Start, "runc state")
}

// readCrun reads crun's ROOT/ID/status (libcrun status.c): "pid" and
// "process-start-time", field 22 of /proc/PID/stat when crun started it.
func readCrun(root, id string) (record, error) {
	if err := checkStateDir(root, id); err != nil {
		return record{}, err
	}
	path := root + "/" + id + "/status"
	data, err := readState(path)
	if err != nil {
		return record{}, err
	}
	var s struct {
		Pid   *int    `json:"pid"`
		Start *uint64 `json:"process-start-time"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return record{}, fmt.Errorf("%s: %w", path, err)
	}
	if s.Pid == nil || s.Start == nil {
		return record{}, fmt.Errorf("%s: no pid and process-start-time: not a crun 1.x status file", path)
	}
	return stateRecord(path, *s.Pid, *s.Start, "crun status")
}

// checkStateDir refuses a state directory ROOT/ID that is not the
// directory of container id itself: a symbolic link (/run/crun/cw -> other)
// would give cw's users other's init, and crun's status names no container.
// The name is taken from the opened directory, not from the path asked for.
func checkStateDir(root, id string) error {
	dir := root + "/" + id
	fi, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: %w (%v)", dir, ErrNotRunning, err)
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: not a directory (a symbolic link?): not container %q's own state", dir, id)
	}
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer unix.Close(fd)
	opened, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if filepath.Base(opened) != id {
		return fmt.Errorf("%s: the directory opened is %s: not container %q's own state", dir, opened, id)
	}
	return nil
}

func stateRecord(path string, pid int, start uint64, how string) (record, error) {
	if pid == 0 {
		return record{}, fmt.Errorf("%s: pid 0, the container is stopped: %w", path, ErrNotRunning)
	}
	if _, err := parsePid(path, strconv.Itoa(pid)); err != nil {
		return record{}, err
	}
	if start == 0 {
		return record{}, fmt.Errorf("%s: no start time for pid %d", path, pid)
	}
	return record{source: path, pid: pid, start: start, how: how}, nil
}

// readLXC finds LXC container name's init in its cgroup (lxc_linux.go),
// and, where the start-host hook etc/lxc-jailme-hook wrote $LXC_PID and
// its start time, takes that start time too. A container whose cgroup is
// elsewhere (lxc.cgroup.dir.container) is found by the hook's file alone.
// liblxc's command socket is not used: it is an abstract socket that any
// local user can bind while the container is stopped, and its protocol is
// liblxc's in-memory request struct, pointers included, whose command
// numbers change between releases.
func readLXC(name string) (record, error) {
	if err := plainName("lxc container", name); err != nil {
		return record{}, err
	}
	rec, inCgroup, err := readLXCCgroup(name)
	if err != nil {
		return record{}, err
	}
	hook, err := readLXCHook(name)
	switch {
	case !inCgroup && err != nil:
		if errors.Is(err, ErrNotRunning) {
			return record{}, fmt.Errorf("lxc container %q: no cgroup lxc.payload.%s in %s and no hook file: %w", name, name, cgroupRoot, err)
		}
		return record{}, err
	case !inCgroup:
		return hook, nil
	case err != nil && !errors.Is(err, ErrNotRunning):
		return record{}, err
	case err == nil && hook.pid == rec.pid:
		rec.start = hook.start
		rec.how = fmt.Sprintf("lxc container %q, start-host hook %s and cgroup", name, hook.source)
	}
	return rec, nil
}

// readLXCHook reads the pidfile etc/lxc-jailme-hook writes from LXC's
// lxc.hook.start-host: $LXC_PID and its start time.
func readLXCHook(name string) (record, error) {
	path := lxcPidDir + "/" + name
	data, err := readState(path)
	if err != nil {
		return record{}, fmt.Errorf("lxc container %q: %w", name, err)
	}
	rec, err := parsePidfile(path, data)
	if err != nil {
		return record{}, err
	}
	if rec.start == 0 {
		return record{}, fmt.Errorf("%s: no start time on the second line: not written by the jailme start-host hook", path)
	}
	rec.how = fmt.Sprintf("lxc container %q, start-host hook", name)
	return rec, nil
}

// checkPidfdID compares the pidfd's inode number, the process's unique id
// on pidfs (Linux 6.9), with the one the state recorded (machined's
// LEADER_PIDFDID=).
func checkPidfdID(pidfd int, rec record) error {
	var st unix.Stat_t
	if err := unix.Fstat(pidfd, &st); err != nil {
		return fmt.Errorf("fstat pidfd of %d: %w", rec.pid, err)
	}
	if st.Ino != rec.pidfdID {
		return fmt.Errorf("pid %d from %s has pidfd id %d, %s recorded %d: stale state, the pid was reused (or this kernel has no pidfs): %w",
			rec.pid, rec.source, st.Ino, rec.source, rec.pidfdID, ErrNotRunning)
	}
	return nil
}
