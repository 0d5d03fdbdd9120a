package jail

// The session must be in the jail's cgroups from its first instruction,
// so that the container's limits (pids.max, memory) and accounting apply to
// it; jailsh, which only waits for it, must not be: its Go threads would
// count against the jail's pids.max and its memory against the jail's
// limit (issue 16). The attach stage (internal/attach/c/attach.c) is a
// process of one thread: it writes "0" (itself) to each of the init's
// cgroups that is not ours, which moves it alone, once it is the user
// (issue 27), and the session it forks is born there. jailsh never enters them. On a v1
// hierarchy it writes "tasks": a thread that moves itself takes no global
// lock, where a write to "cgroup.procs" takes the thread-group rwsem for
// writing, an RCU grace period each (about 1 ms per hierarchy here, ten
// hierarchies on a hybrid host: the stage was 10 ms slower than the thread
// visit it replaced until it did this). For a one-thread process both move
// the same. The v2 hierarchy has only cgroup.procs.
//
// The files are opened by jailsh as root in the host's mount and cgroup
// namespaces, before anything is entered; since the CVE-2021-4197 fix the
// kernel checks the write against the opener's credentials and cgroup
// namespace (v1 and v2), so the stage, the user in the jail's cgroup
// namespace by then, may write them, and cgroup v2's nsdelegate (which
// refuses migrations from inside a delegated namespace) does not apply. A
// jail frozen after jailsh's check thus freezes the user, never root.
// One task of slack is needed: the stage and the session are in the jail
// together for the moment between the fork and the stage's exit.

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// openCgroupProcs opens, as root in the host's namespaces, the tasks (v1)
// or cgroup.procs (v2) file of each of the init's cgroups that is not ours: the stage writes "0"
// to each and so moves itself, a process of one thread, before it forks
// the session. jailsh never enters them.
func (j *Jail) openCgroupProcs() ([]cgroupFile, error) {
	if j.init == nil {
		return nil, nil
	}
	mounts, err := cgroupMounts()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfine, err)
	}
	mine, err := readAt(unix.AT_FDCWD, "/proc/thread-self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfine, err)
	}
	ours, err := parseCgroups(string(mine))
	if err != nil {
		return nil, fmt.Errorf("%w: /proc/thread-self/cgroup: %v", ErrConfine, err)
	}
	var out []cgroupFile
	for _, c := range j.init.cgroups {
		if slicesContains(ours, c) {
			continue
		}
		mt, dir, ok := mounts.find(c)
		if !ok {
			if c.id == "0" && c.path == "/" {
				continue // cgroup2 not mounted and the init is at its root
			}
			err = fmt.Errorf("hierarchy not mounted")
		} else {
			var fd int
			file := path.Join(dir, "cgroup.procs")
			if !mt.v2 {
				file = path.Join(dir, "tasks")
			}
			if fd, err = unix.Open(file, unix.O_WRONLY|unix.O_CLOEXEC, 0); err == nil {
				out = append(out, cgroupFile{fd, c.controllers + ":" + c.path})
			} else {
				err = fmt.Errorf("open %s: %w", file, err)
			}
		}
		if err != nil {
			for _, f := range out {
				unix.Close(f.fd)
			}
			return nil, fmt.Errorf("%w: join the jail's cgroup %s:%s: %v", ErrConfine, c.controllers, c.path, err)
		}
	}
	return out, nil
}

type cgroupFile struct {
	fd   int
	name string // controllers:path, for errors
}

// find maps a /proc/PID/cgroup line to its mount and the directory in our
// mount namespace.
func (m mountTable) find(c cgroupLine) (cgroupMount, string, bool) {
	for _, mt := range m {
		if c.id == "0" && c.controllers == "" {
			if !mt.v2 {
				continue
			}
		} else if mt.v2 || !hasAll(mt.options, strings.Split(c.controllers, ",")) {
			continue
		}
		rel := c.path
		if mt.root != "/" {
			if !strings.HasPrefix(c.path, mt.root) {
				continue
			}
			rel = strings.TrimPrefix(c.path, mt.root)
		}
		return mt, path.Join(mt.mountpoint, rel), true
	}
	return cgroupMount{}, "", false
}

// thawed refuses a jail one of whose init's cgroups is frozen or freezing
// (runc, podman and docker pause, lxc-freeze, a v2 cgroup.freeze the jail's
// root may set in a delegated subtree): the stage would join it and stop
// in the refrigerator. v1 freezer.state is the effective state (a frozen
// parent shows FROZEN); v2 is read up the tree, cgroup.freeze of each
// ancestor to the mount's root, as the kernel applies it. A freeze after
// this check stops the stage once it is the user (attach.c); the attach
// helper's deadline then ends the login.
func (st *initState) thawed() error {
	mounts, err := cgroupMounts()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrConfine, err)
	}
	for _, c := range st.cgroups {
		mt, dir, ok := mounts.find(c)
		if !ok {
			continue
		}
		if !mt.v2 {
			if !hasAll(mt.options, []string{"freezer"}) {
				continue
			}
			b, err := readAt(unix.AT_FDCWD, path.Join(dir, "freezer.state"))
			if errors.Is(err, unix.ENOENT) {
				continue // the root cgroup, which cannot be frozen
			}
			if err != nil {
				return fmt.Errorf("read %s: %w", path.Join(dir, "freezer.state"), err)
			}
			if s := strings.TrimSpace(string(b)); s != "THAWED" {
				return fmt.Errorf("frozen (runc pause? lxc-freeze?): %s is %s", path.Join(dir, "freezer.state"), s)
			}
			continue
		}
		for d := dir; ; d = path.Dir(d) {
			b, err := readAt(unix.AT_FDCWD, path.Join(d, "cgroup.freeze"))
			if err == nil && strings.TrimSpace(string(b)) == "1" {
				return fmt.Errorf("frozen (runc pause?): %s is 1", path.Join(d, "cgroup.freeze"))
			}
			if d == mt.mountpoint || d == "/" || !strings.HasPrefix(d, mt.mountpoint) {
				break
			}
		}
	}
	return nil
}
