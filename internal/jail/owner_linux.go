package jail

// Who owns the jail's user namespace. Root-owned state can still name a
// container a local user made: systemd >= 258 lets a user register a
// machine in the system machined, rootless podman and `unshare -U` run by a
// user create user namespaces that user owns, and a root-owned pidfile or
// state file may point at one. The owner of a user namespace holds every
// capability over it (ptrace, setns, /proc/PID/mem of its processes), so a
// session there is the owner's to watch and steer: whoever owns the jail's
// user namespace, or any namespace above it, must be root.

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// ioctl_ns(2) requests (linux/nsfs.h: _IO(0xb7, 2) and _IO(0xb7, 4)), not
// in x/sys/unix.
const (
	nsGetParent   = 0xb702
	nsGetOwnerUID = 0xb704
)

// maxUserNSDepth is the kernel's nesting limit (32) plus the initial one.
const maxUserNSDepth = 33

// checkUserNSOwner refuses unless the user namespace of the process whose
// /proc directory procfd is, and each one above it below ours, is owned by
// root. Ours and those above it are not ours to judge (jailme run inside
// a container of its own): the walk stops there, or where NS_GET_PARENT
// says EPERM (the initial namespace, or one outside ours).
func checkUserNSOwner(procfd int, rec record) error {
	var self unix.Stat_t
	if err := unix.Stat("/proc/self/ns/user", &self); err != nil {
		return fmt.Errorf("stat /proc/self/ns/user: %w", err)
	}
	fd, err := unix.Openat(procfd, "ns/user", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /proc/%d/ns/user: %w", rec.pid, err)
	}
	for level := 0; ; level++ {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			unix.Close(fd)
			return fmt.Errorf("fstat the user namespace of pid %d: %w", rec.pid, err)
		}
		if st.Dev == self.Dev && st.Ino == self.Ino {
			unix.Close(fd)
			return nil
		}
		uid, err := unix.IoctlGetUint32(fd, nsGetOwnerUID)
		if err != nil {
			unix.Close(fd)
			return fmt.Errorf("NS_GET_OWNER_UID on the user namespace of pid %d: %w", rec.pid, err)
		}
		if uid != 0 {
			unix.Close(fd)
			return fmt.Errorf("pid %d from %s runs in a user namespace %sowned by uid %d, not root: a container a user created (rootless podman, a user's machine, unshare -U) is not a jail",
				rec.pid, rec.source, above(level), uid)
		}
		parent, err := unix.IoctlRetInt(fd, nsGetParent)
		unix.Close(fd)
		if errors.Is(err, unix.EPERM) {
			return nil // the initial namespace, or ours
		}
		if err != nil {
			return fmt.Errorf("NS_GET_PARENT on the user namespace of pid %d: %w", rec.pid, err)
		}
		if level >= maxUserNSDepth {
			unix.Close(parent)
			return fmt.Errorf("pid %d: user namespaces nested deeper than %d", rec.pid, maxUserNSDepth)
		}
		fd = parent
	}
}

// above says which namespace of the chain a message is about.
func above(level int) string {
	switch level {
	case 0:
		return ""
	case 1:
		return "(the one above its own) "
	}
	return fmt.Sprintf("(%d levels above its own) ", level)
}
