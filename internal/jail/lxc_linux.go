package jail

// LXC containers by name without a hook: the kernel's own record of the
// container is its cgroup. liblxc (5.0, as root) puts a container's
// processes in lxc.payload.NAME at the top of every hierarchy (each v1
// controller, name=systemd, and the v2 tree: /sys/fs/cgroup/unified on a
// hybrid host, /sys/fs/cgroup itself on a unified one); Incus runs its
// instances through liblxc the same way. Only root can create a directory
// there or move a process into it, and the member list is the kernel's, so
// the init is the one member that is the init of a pid namespace one level
// below ours. It is then pinned like any other (pin, proveInit), and the
// pinned process is checked to be in that cgroup still, which a reused pid
// is not.

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// cgroupRoot is where the hierarchies are mounted; tests point it elsewhere.
var cgroupRoot = "/sys/fs/cgroup"

// Bounds on the walk of a payload cgroup's subtree (a container that
// manages its own cgroups, systemd inside, makes a few dozen).
const (
	maxCgroupDepth = 16
	maxCgroupDirs  = 4096
)

// lxcCgroup returns the path of NAME's payload cgroup in one hierarchy
// (relative to the hierarchy's root) and its directory, or "" if no
// hierarchy has one.
func lxcCgroup(name string) (rel, dir string, err error) {
	rel = "/lxc.payload." + name
	for _, h := range cgroupHierarchies() {
		d := h + rel
		fi, err := os.Lstat(d)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", "", err
		}
		if !fi.IsDir() {
			return "", "", fmt.Errorf("%s: not a directory", d)
		}
		if !isCgroupFS(d) {
			return "", "", fmt.Errorf("%s: not on a cgroup file system", d)
		}
		return rel, d, nil
	}
	return "", "", nil
}

// cgroupHierarchies lists the mounted hierarchies, the v2 tree first:
// cgroupRoot itself if it is one, else each cgroup file system directly
// under it (a hybrid host's unified/, the v1 controllers). A directory that
// is not a cgroup file system (unified/ hidden by a tmpfs) is no hierarchy.
func cgroupHierarchies() []string {
	if cgroupFS(cgroupRoot) == unix.CGROUP2_SUPER_MAGIC {
		return []string{cgroupRoot}
	}
	names, err := subdirs(cgroupRoot)
	if err != nil {
		return nil
	}
	var v2, v1 []string
	for _, n := range names {
		switch d := cgroupRoot + "/" + n; cgroupFS(d) {
		case unix.CGROUP2_SUPER_MAGIC:
			v2 = append(v2, d)
		case unix.CGROUP_SUPER_MAGIC:
			v1 = append(v1, d)
		}
	}
	return append(v2, v1...)
}

func isCgroupFS(dir string) bool { return cgroupFS(dir) != 0 }

// cgroupFS is the file system magic of dir if it is cgroup v1 or v2, else 0.
func cgroupFS(dir string) int64 {
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) != nil {
		return 0
	}
	if t := int64(st.Type); t == unix.CGROUP_SUPER_MAGIC || t == unix.CGROUP2_SUPER_MAGIC {
		return t
	}
	return 0
}

// readLXCCgroup finds NAME's init among the members of its payload cgroup
// and its subtree. ok is false when no hierarchy has the cgroup.
func readLXCCgroup(name string) (rec record, ok bool, err error) {
	rel, dir, err := lxcCgroup(name)
	if err != nil || dir == "" {
		return record{}, false, err
	}
	pids, err := cgroupMembers(dir)
	if err != nil {
		return record{}, true, err
	}
	depth, err := nsDepth("/proc/self/status")
	if err != nil {
		return record{}, true, err
	}
	var inits []int
	for _, pid := range pids {
		d, err := nsDepth("/proc/" + strconv.Itoa(pid) + "/status")
		if err != nil {
			continue // gone meanwhile
		}
		if d == -(depth + 1) {
			inits = append(inits, pid)
		}
	}
	switch {
	case len(inits) == 0:
		return record{}, true, fmt.Errorf("lxc container %q: no init of a pid namespace in %s (%d processes): %w", name, dir, len(pids), ErrNotRunning)
	case len(inits) > 1:
		return record{}, true, fmt.Errorf("lxc container %q: %d inits of pid namespaces in %s (pids %d, %d)", name, len(inits), dir, inits[0], inits[1])
	}
	return record{source: dir, pid: inits[0], cgroup: rel, how: fmt.Sprintf("lxc container %q, cgroup", name)}, true, nil
}

// cgroupMembers lists the processes in dir's cgroup.procs and in those of
// the cgroups below it.
func cgroupMembers(dir string) ([]int, error) {
	var pids []int
	dirs := []string{dir}
	seen := 0
	for len(dirs) > 0 {
		d := dirs[0]
		dirs = dirs[1:]
		if seen++; seen > maxCgroupDirs {
			return nil, fmt.Errorf("%s: more than %d cgroups below it", dir, maxCgroupDirs)
		}
		data, err := readAt(unix.AT_FDCWD, d+"/cgroup.procs")
		if errors.Is(err, os.ErrNotExist) && d != dir {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		for _, f := range strings.Fields(string(data)) {
			pid, err := strconv.Atoi(f)
			if err != nil || pid <= 0 {
				return nil, fmt.Errorf("%s/cgroup.procs: %q is not a pid", d, f)
			}
			pids = append(pids, pid)
		}
		names, err := subdirs(d)
		if err != nil && d == dir {
			return nil, err
		}
		if strings.Count(d[len(dir):], "/") >= maxCgroupDepth {
			continue
		}
		for _, n := range names {
			dirs = append(dirs, d+"/"+n)
		}
	}
	return pids, nil
}

// nsDepth returns -N for a process that is the init of its pid namespace,
// N nested levels deep (the number of NSpid fields), else N.
func nsDepth(status string) (int, error) {
	data, err := readAt(unix.AT_FDCWD, status)
	if err != nil {
		return 0, err
	}
	nspid := statusField(data, "NSpid")
	if len(nspid) == 0 {
		return 0, fmt.Errorf("%s: no NSpid line", status)
	}
	if nspid[len(nspid)-1] == "1" {
		return -len(nspid), nil
	}
	return len(nspid), nil
}

// inCgroup checks the pinned process (its /proc directory procfd) is in
// the cgroup rel, or below it, in some hierarchy.
func inCgroup(procfd int, rec record) error {
	data, err := readAt(procfd, "cgroup")
	if err != nil {
		return fmt.Errorf("read /proc/%d/cgroup: %w", rec.pid, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) == 3 && (f[2] == rec.cgroup || strings.HasPrefix(f[2], rec.cgroup+"/")) {
			return nil
		}
	}
	return fmt.Errorf("pid %d from %s is no longer in %s: it exited and its pid was reused: %w", rec.pid, rec.source, rec.cgroup, ErrNotRunning)
}

// subdirs lists the directories (not symbolic links) in dir. By getdents
// on a blocking fd, not os.ReadDir, which would start Go's netpoller in
// the PAM host (readAt).
func subdirs(dir string) ([]string, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	defer unix.Close(fd)
	var names []string
	buf := make([]byte, 8192)
	for {
		n, err := unix.Getdents(fd, buf)
		if err != nil {
			return nil, fmt.Errorf("getdents %s: %w", dir, err)
		}
		if n <= 0 {
			break
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
	var dirs []string
	for _, name := range names {
		var st unix.Stat_t
		if unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR {
			dirs = append(dirs, name)
		}
	}
	return dirs, nil
}
