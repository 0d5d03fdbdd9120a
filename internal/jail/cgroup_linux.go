package jail

// The session must be in the jail's cgroups from its first instruction,
// so that the container's limits (pids.max, memory) and accounting apply to
// it; jailsh, which only waits for it, must not be: its Go threads would
// count against the jail's pids.max and its memory against the jail's
// limit (issue 16). Only the forking thread, or on cgroup v2 only the new
// child, is placed:
//
//   - a v1 hierarchy: the locked thread writes "0" (itself) to the init's
//     cgroup's "tasks" file just before the fork, so the child is born
//     there (a child inherits the forking thread's cgroups), and writes
//     "0" to its own cgroup's "tasks" right after. v1 charges memory to the
//     owner of the address space (jailsh's main thread), not to the
//     visiting thread, and a thread migrating itself takes no global lock.
//   - the v2 (unified) hierarchy: clone3(CLONE_INTO_CGROUP) makes the child
//     in the init's cgroup; jailsh never enters it. With nsdelegate the
//     kernel refuses that from inside the jail's cgroup namespace (the
//     source cgroup, jailsh's, is outside it), so there the whole process
//     visits the cgroup around the fork instead, as jailsh did before.
//
// Every file is opened as root in the host's mount and cgroup namespaces,
// before anything is entered: the writes after the fork run chrooted in
// the jail, with CAP_SETUID and CAP_SETGID only, and the kernel checks them
// against the credentials and namespace the file was opened with.

import (
	"fmt"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// placement is what spawn does around the fork.
type placement struct {
	join  []cgroupFile // written before the fork
	leave []cgroupFile // written after it
	v2fd  int          // the init's v2 cgroup for CLONE_INTO_CGROUP, or -1
	v2    string       // its name, for errors
}

type cgroupFile struct {
	fd   int
	name string // controllers:path, for errors
}

// openCgroups opens, before anything is entered, what placing the session
// needs. Nothing is created, so nothing is left behind.
func (j *Jail) openCgroups() (*placement, error) {
	p := &placement{v2fd: -1}
	if j.init == nil {
		return p, nil
	}
	mounts, err := cgroupMounts()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfine, err)
	}
	// The locked thread's own cgroups: in v1 a thread may sit elsewhere
	// than its process, and this is the thread that forks.
	mine, err := readAt(unix.AT_FDCWD, "/proc/thread-self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfine, err)
	}
	ours, err := parseCgroups(string(mine))
	if err != nil {
		return nil, fmt.Errorf("%w: /proc/thread-self/cgroup: %v", ErrConfine, err)
	}
	for _, c := range j.init.cgroups {
		if slicesContains(ours, c) {
			continue
		}
		mt, dir, ok := mounts.find(c)
		if !ok {
			if c.id == "0" && c.path == "/" {
				continue // cgroup2 not mounted and the init is at its root
			}
			p.close()
			return nil, fmt.Errorf("%w: join cgroup %s:%s: hierarchy not mounted", ErrConfine, c.controllers, c.path)
		}
		name := c.controllers + ":" + c.path
		if !mt.v2 {
			err = p.add(&p.join, path.Join(dir, "tasks"), name)
			if err == nil {
				err = p.addOurs(&p.leave, mounts, ours, c.id, "tasks")
			}
		} else if !j.entersCgroupNS() || !hasAll(mt.super, []string{"nsdelegate"}) {
			fd, e := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if e != nil {
				err = fmt.Errorf("open %s: %w", dir, e)
			}
			p.v2fd, p.v2 = fd, name
		} else {
			err = p.add(&p.join, path.Join(dir, "cgroup.procs"), name)
			if err == nil {
				err = p.addOurs(&p.leave, mounts, ours, c.id, "cgroup.procs")
			}
		}
		if err != nil {
			p.close()
			return nil, fmt.Errorf("%w: join the jail's cgroup %s: %v", ErrConfine, name, err)
		}
	}
	return p, nil
}

func (p *placement) add(to *[]cgroupFile, file, name string) error {
	fd, err := unix.Open(file, unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", file, err)
	}
	*to = append(*to, cgroupFile{fd, name})
	return nil
}

// addOurs opens the file that takes the thread or process back to the
// cgroup it came from in hierarchy id.
func (p *placement) addOurs(to *[]cgroupFile, mounts mountTable, ours []cgroupLine, id, file string) error {
	for _, c := range ours {
		if c.id != id {
			continue
		}
		_, dir, ok := mounts.find(c)
		if !ok {
			return fmt.Errorf("our cgroup %s:%s is not mounted", c.controllers, c.path)
		}
		return p.add(to, path.Join(dir, file), c.controllers+":"+c.path)
	}
	return fmt.Errorf("we are in no cgroup of hierarchy %s", id)
}

// enter places the calling thread (v1) or process (v2 with nsdelegate) in
// the jail's cgroups; the fork follows.
func (p *placement) enter() error {
	for _, f := range p.join {
		if err := writeSelf(f.fd); err != nil {
			return fmt.Errorf("%w: join the jail's cgroup %s: %v", ErrConfine, f.name, err)
		}
	}
	return nil
}

// back returns what enter moved to where it was.
func (p *placement) back() error {
	for _, f := range p.leave {
		if err := writeSelf(f.fd); err != nil {
			return fmt.Errorf("%w: return to cgroup %s: %v", ErrConfine, f.name, err)
		}
	}
	return nil
}

// writeSelf writes "0", the writer itself, to a tasks or cgroup.procs file.
func writeSelf(fd int) error {
	_, err := unix.Pwrite(fd, []byte("0"), 0)
	return err
}

func (p *placement) close() {
	for _, f := range append(p.join, p.leave...) {
		unix.Close(f.fd)
	}
	p.join, p.leave = nil, nil
	if p.v2fd >= 0 {
		unix.Close(p.v2fd)
		p.v2fd = -1
	}
}

func (j *Jail) entersCgroupNS() bool {
	for _, n := range j.ns {
		if n.flag == unix.CLONE_NEWCGROUP {
			return true
		}
	}
	return false
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
