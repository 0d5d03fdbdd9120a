package jail

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/config"
)

// A Linux jail is a running container: a process (its init) whose
// namespaces and root directory we join. A "path" jail is a plain chroot
// directory with no process and no namespaces (jailkit-like, weaker).
type Jail struct {
	name   string
	cfg    *config.Jail
	pid    int    // host pid of the jail's init; 0 for a path jail
	source string // the root-owned file the pid came from
	pidfd  int    // pins the init: -1 for a path jail
	rec    record // what the state said
	start  uint64 // the init's start time (field 22 of /proc/PID/stat)
	root   *os.File
	ns     []nsFile     // in setns order, the user namespace left out
	userns *usernsState // nil: the jail shares the host's user namespace
	init   *initState
}

type nsFile struct {
	name string
	flag int
	fd   int
}

// The namespaces a session joins, in the order nsenter(1) joins them: the
// mount namespace last, because entering it changes what paths mean.
var namespaces = []struct {
	name string
	flag int
}{
	{"cgroup", unix.CLONE_NEWCGROUP},
	{"ipc", unix.CLONE_NEWIPC},
	{"uts", unix.CLONE_NEWUTS},
	{"net", unix.CLONE_NEWNET},
	{"pid", unix.CLONE_NEWPID},
	{"mnt", unix.CLONE_NEWNS},
}

const (
	machinesDir = "/run/systemd/machines"
)

// Locate finds the jail c names and opens, without entering it, everything
// Run needs: the init pinned with a pidfd, its root and namespaces as fds.
func Locate(c *config.Jail) (*Jail, error) {
	switch {
	case c.JID != 0:
		return nil, errorf(c.Name, "%s: jid is for FreeBSD jails; on Linux use pidfile, machine, docker, podman, oci, lxc, containerd or path", c.Pos)
	case c.Path != "":
		return locatePath(c)
	case c.Pidfile != "":
		rec, err := readPidfile(c.Pidfile)
		if err != nil {
			return nil, &Error{Jail: c.Name, Err: err}
		}
		return pin(c, rec)
	}
	var read func() (record, error)
	switch {
	case c.Machine != "":
		read = func() (record, error) { return readMachine(c.Machine) }
	case c.Docker != "":
		read = func() (record, error) { return readDocker(c.Docker) }
	case c.Podman != "":
		read = func() (record, error) { return readPodman(c.Podman) }
	case c.OCI != "":
		read = func() (record, error) { return readOCI(c.OCIRoot, c.OCI) }
	case c.LXC != "":
		read = func() (record, error) { return readLXC(c.LXC) }
	case c.Containerd != "":
		read = func() (record, error) { return readContainerd(c.Containerd) }
	default:
		return nil, errorf(c.Name, "%s: no pidfile, machine, docker, podman, oci, lxc, containerd or path: Linux cannot locate it", c.Pos)
	}
	rec, err := read()
	if err != nil {
		return nil, &Error{Jail: c.Name, Err: err}
	}
	return pin(c, rec)
}

// locatePath opens a chroot directory. It must be root-owned and not
// writable by others all the way up: whoever can write it writes the
// passwd file we are about to trust.
func locatePath(c *config.Jail) (*Jail, error) {
	if c.AllowSetuid {
		return nil, errorf(c.Name, "%s: allow_setuid with a path jail: a chroot does not confine root", c.Pos)
	}
	if err := config.CheckDirOwnership(c.Path); err != nil {
		return nil, &Error{Jail: c.Name, Err: err}
	}
	fd, err := unix.Open(c.Path, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, errorf(c.Name, "open %s: %w", c.Path, err)
	}
	return &Jail{name: c.Name, cfg: c, pidfd: -1, source: c.Path, root: os.NewFile(uintptr(fd), c.Path)}, nil
}

// readMachine returns the leader of a systemd-nspawn machine from machined's
// state file. machined rewrites the file while the machine runs, never
// before its leader exists: the leader must be older than the file.
func readMachine(name string) (record, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsRune(name, '/') {
		return record{}, fmt.Errorf("machine name %q is not a plain name", name)
	}
	path := machinesDir + "/" + name
	data, err := readRootFile(path)
	if err != nil {
		return record{}, err
	}
	return parseMachine(path, data)
}

// parseMachine reads LEADER= and, where machined records it (newer systemd;
// Debian 12's 252 does not), LEADER_PIDFDID=: the leader's pidfd inode,
// which identifies the process itself, not just its pid. UID= (systemd >=
// 258) names the user who registered the machine: only root's are jails.
func parseMachine(path string, data []byte) (record, error) {
	rec := record{source: path, how: "machined"}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "UID="); ok && v != "0" {
			if !isDecimal(v) {
				return record{}, fmt.Errorf("%s: UID=%q is not a uid", path, v)
			}
			return record{}, fmt.Errorf("%s: UID=%s: a machine registered by uid %s, not root, is not a jail", path, v, v)
		}
		if v, ok := strings.CutPrefix(line, "LEADER="); ok {
			pid, err := parsePid(path, v)
			if err != nil {
				return record{}, err
			}
			rec.pid = pid
		}
		if v, ok := strings.CutPrefix(line, "LEADER_PIDFDID="); ok {
			id, err := strconv.ParseUint(v, 10, 64)
			if err != nil || id == 0 || v[0] < '0' || v[0] > '9' {
				return record{}, fmt.Errorf("%s: LEADER_PIDFDID=%q is not a pidfd id", path, v)
			}
			rec.pidfdID = id
		}
	}
	if rec.pid == 0 {
		return record{}, fmt.Errorf("%s: no LEADER= line", path)
	}
	if rec.pidfdID == 0 {
		fi, err := os.Lstat(path)
		if err != nil {
			return record{}, fmt.Errorf("%s: %w", path, err)
		}
		rec.written = fi.ModTime()
	}
	return rec, nil
}

// readRootFile reads root-owned state; a missing file means the jail is
// not running.
func readRootFile(path string) ([]byte, error) {
	data, err := config.ReadOwned(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w (%v)", path, ErrNotRunning, err)
	}
	return data, err
}

func parsePid(file, s string) (int, error) {
	pid, err := strconv.Atoi(s)
	if err != nil || s == "" || s[0] < '0' || s[0] > '9' {
		return 0, fmt.Errorf("%s: %q is not a pid", file, s)
	}
	if pid <= 1 {
		return 0, fmt.Errorf("%s: pid %d is the host's init, not a jail", file, pid)
	}
	return pid, nil
}

// pin opens the init with a pidfd, then its /proc directory, proves it is
// the init rec describes (proveInit), opens its root and namespaces, and
// checks the pidfd is still alive: if it is, everything read and opened
// belongs to the same process, because a pid is not reused while its
// process lives. A restart or pid reuse between check and attach cannot
// redirect us.
func pin(c *config.Jail, rec record) (*Jail, error) {
	pid, source := rec.pid, rec.source
	pidfd, err := unix.PidfdOpen(pid, 0)
	// EINVAL (older kernels) or ENOENT (newer ones) for a valid pid: the
	// kernel still holds the pid (being released, or some process's group
	// or session id) but no process has it any more.
	if errors.Is(err, unix.ESRCH) || errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINVAL) {
		return nil, errorf(c.Name, "pid %d from %s: no such process, stale state: %w", pid, source, ErrNotRunning)
	}
	if err != nil {
		return nil, errorf(c.Name, "pidfd_open(%d): %w", pid, err)
	}
	j := &Jail{name: c.Name, cfg: c, pid: pid, source: source, pidfd: pidfd, rec: rec}
	if rec.pidfdID != 0 {
		if err := checkPidfdID(pidfd, rec); err != nil {
			j.Close()
			return nil, &Error{Jail: c.Name, Err: err}
		}
	}
	if err := j.open(); err != nil {
		j.Close()
		if errors.Is(err, unix.ESRCH) || errors.Is(err, unix.ENOENT) {
			return nil, errorf(c.Name, "pid %d from %s: stale state: %w (%v)", pid, source, ErrNotRunning, err)
		}
		return nil, &Error{Jail: c.Name, Err: err}
	}
	if err := j.alive(); err != nil {
		j.Close()
		return nil, &Error{Jail: c.Name, Err: err}
	}
	return j, nil
}

func (j *Jail) open() error {
	dir := "/proc/" + strconv.Itoa(j.pid)
	procfd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer unix.Close(procfd)

	if j.start, err = proveInit(procfd, j.rec); err != nil {
		return err
	}
	if err := checkUserNSOwner(procfd, j.rec); err != nil {
		return err
	}
	rootfd, err := unix.Openat(procfd, "root", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s/root: %w", dir, err)
	}
	j.root = os.NewFile(uintptr(rootfd), dir+"/root")

	// A jail with its own user namespace maps ids differently from the
	// host: the session is entered by the attach stage (internal/attach) and runs
	// as the host ids the maps give the user's. Compared with our own
	// namespace, not /proc/1's, which a setuid process cannot always read.
	same, err := sameNS(procfd, "user")
	if err != nil {
		return err
	}
	if !same {
		if j.userns, err = openUserNS(procfd, dir); err != nil {
			return err
		}
	}
	if same, err := sameNS(procfd, "time"); err == nil && !same {
		return fmt.Errorf("pid %d runs in its own time namespace: not supported", j.pid)
	}
	for _, n := range namespaces {
		same, err := sameNS(procfd, n.name)
		if err != nil {
			return err
		}
		if same {
			if n.flag == unix.CLONE_NEWNS {
				return fmt.Errorf("pid %d (from %s) shares the host's mount namespace: it is not a jail", j.pid, j.source)
			}
			continue // the jail shares it with the host: nothing to join
		}
		fd, err := unix.Openat(procfd, "ns/"+n.name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open %s/ns/%s: %w", dir, n.name, err)
		}
		j.ns = append(j.ns, nsFile{n.name, n.flag, fd})
	}
	if j.init, err = readInit(procfd, dir); err != nil {
		return err
	}
	return j.init.thawed()
}

func sameNS(procfd int, name string) (bool, error) {
	var theirs, ours unix.Stat_t
	if err := unix.Fstatat(procfd, "ns/"+name, &theirs, 0); err != nil {
		return false, fmt.Errorf("stat ns/%s of the jail: %w", name, err)
	}
	if err := unix.Stat("/proc/self/ns/"+name, &ours); err != nil {
		return false, fmt.Errorf("stat /proc/self/ns/%s: %w", name, err)
	}
	return theirs.Dev == ours.Dev && theirs.Ino == ours.Ino, nil
}

// alive reports ErrNotRunning once the pinned init has exited.
func (j *Jail) alive() error {
	if j.pidfd < 0 {
		return nil
	}
	if err := unix.PidfdSendSignal(j.pidfd, 0, nil, 0); err != nil {
		return fmt.Errorf("pid %d from %s exited: %w", j.pid, j.source, ErrNotRunning)
	}
	return nil
}

// Root is the jail's root directory, for reading its files by fd.
func (j *Jail) Root() *os.File { return j.root }

// String says where the jail was found and why it is trusted (jailsh -n).
func (j *Jail) String() string {
	if j.pid == 0 {
		return fmt.Sprintf("%s (path %s)", j.name, j.source)
	}
	from := j.source
	if j.rec.how != "" {
		from = j.rec.how + " " + j.source
	}
	var why string
	switch {
	case j.rec.pidfdID != 0:
		why = fmt.Sprintf("pidfd id %d as recorded", j.rec.pidfdID)
	case j.rec.start != 0:
		why = "start time as recorded"
	case j.rec.cgroup != "":
		why = "in cgroup " + j.rec.cgroup + " when pinned"
	case !j.rec.written.IsZero():
		why = "started before the state was written " + j.rec.written.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("%s (pid %d from %s; start time %d: %s, init of its pid namespace, root not the host's)",
		j.name, j.pid, from, j.start, why)
}

// Where is the short form for the audit line.
func (j *Jail) Where() string {
	if j.pid == 0 {
		return "path:" + j.source
	}
	return "pid:" + strconv.Itoa(j.pid)
}

// Close releases the fds Locate opened.
func (j *Jail) Close() error {
	for _, n := range j.ns {
		unix.Close(n.fd)
	}
	j.ns = nil
	if j.userns != nil {
		unix.Close(j.userns.fd)
		j.userns = nil
	}
	if j.pidfd >= 0 {
		unix.Close(j.pidfd)
		j.pidfd = -1
	}
	if j.root != nil {
		j.root.Close()
		j.root = nil
	}
	return nil
}
