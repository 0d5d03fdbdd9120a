package userdb

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// The jail's account file as its libc reads it: glibc's and musl's files
// backends read /etc/passwd itself.
const jailPasswd = "/etc/passwd"

var parseJailPasswd = ParsePasswd

// checkAccountDB has nothing to compare on Linux: no database is built
// from /etc/passwd.
func checkAccountDB(root, passwd *os.File) error { return nil }

// openInRoot resolves path in root with O_PATH, which looks at what it
// names without opening it, and only then opens it for reading, through
// our own /proc/self/fd: the same inode, so a regular file checked is the
// file read. Opening first would run, as host root and outside the jail's
// device cgroup, the open of whatever the jail's root put there: a device
// node it made (docker lets it mknod any; a watchdog starts at open and
// reboots the host when nobody feeds it, a tape rewinds) or a file of a
// kernel interface file system reached through its own /proc or /sys.
func openInRoot(root *os.File, path string) (int, error) {
	pathfd, err := resolveInRoot(root, path)
	if err != nil {
		return -1, err
	}
	defer unix.Close(pathfd)
	if err := checkRegular(pathfd); err != nil {
		return -1, err
	}
	if err := checkFileSystem(pathfd); err != nil {
		return -1, err
	}
	// O_NONBLOCK still: a lease the jail's root holds on the file would
	// make a blocking open wait for fs.lease-break-time (45 s).
	return Reopen(pathfd, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY)
}

// Reopen opens the file the O_PATH descriptor pathfd names, with flags,
// through our /proc/self/fd: the same inode whatever its name means by
// now, so what was checked on pathfd is what is opened.
func Reopen(pathfd, flags int) (int, error) {
	for {
		fd, err := unix.Open("/proc/self/fd/"+strconv.Itoa(pathfd), flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// resolveInRoot is an O_PATH descriptor of path, resolved as if root were
// "/" and refusing /proc's magic links.
func resolveInRoot(root *os.File, path string) (int, error) {
	how := unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	defer runtime.KeepAlive(root)
	// EAGAIN: a rename or mount raced the ".." resolution; a jail admin
	// can keep that up, so retry a few times and then give up.
	for try := 0; ; try++ {
		fd, err := unix.Openat2(int(root.Fd()), path, &how)
		if errors.Is(err, unix.EAGAIN) && try < 3 {
			continue
		}
		if err != nil {
			// The path and the errno say it; the system call's name
			// would not help the admin.
			return -1, err
		}
		return fd, nil
	}
}

// Kernel interface file systems: their files look regular (size 0 or a
// page) and the kernel writes them as they are read, with the reader's
// rights, host root's here. /proc/kmsg blocks a read until the kernel logs
// and takes those lines from the host's log reader; /proc/kallsyms shows
// root the kernel's addresses. No jail keeps its accounts there.
var kernelFileSystems = map[int64]string{
	unix.PROC_SUPER_MAGIC:    "proc",
	unix.SYSFS_MAGIC:         "sysfs",
	unix.DEBUGFS_MAGIC:       "debugfs",
	unix.TRACEFS_MAGIC:       "tracefs",
	unix.SECURITYFS_MAGIC:    "securityfs",
	unix.CGROUP_SUPER_MAGIC:  "cgroup",
	unix.CGROUP2_SUPER_MAGIC: "cgroup2",
	unix.BPF_FS_MAGIC:        "bpf",
	unix.EFIVARFS_MAGIC:      "efivarfs",
	unix.PSTOREFS_MAGIC:      "pstore",
	unix.BINFMTFS_MAGIC:      "binfmt_misc",
	unix.SELINUX_MAGIC:       "selinuxfs",
	unix.SMACK_MAGIC:         "smackfs",
	unix.NSFS_MAGIC:          "nsfs",
	unix.DEVPTS_SUPER_MAGIC:  "devpts",
	0x62656570:               "configfs",
	0x65735543:               "fusectl",
	0x67596969:               "rpc_pipefs",
}

// checkFileSystem refuses a file on a kernel interface file system.
func checkFileSystem(fd int) error {
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return fmt.Errorf("fstatfs: %w", err)
	}
	if name, ok := kernelFileSystems[int64(st.Type)]; ok {
		return fmt.Errorf("on %s, a kernel interface file system: not a file a jail keeps", name)
	}
	return nil
}
