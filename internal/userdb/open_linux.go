package userdb

import (
	"errors"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// The jail's account file as its libc reads it: glibc's and musl's files
// backends read /etc/passwd itself.
const jailPasswd = "/etc/passwd"

var parseJailPasswd = ParsePasswd

// checkAccountDB has nothing to compare on Linux: no database is built
// from /etc/passwd.
func checkAccountDB(root, passwd *os.File) error { return nil }

func openInRoot(root *os.File, path string) (int, error) {
	how := unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_NONBLOCK | unix.O_CLOEXEC | unix.O_NOCTTY,
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
