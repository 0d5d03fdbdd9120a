package userdb

import (
	"os"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

func openInRoot(root *os.File, path string) (int, error) {
	// O_RESOLVE_BENEATH refuses absolute paths: "/etc/passwd" is asked
	// for as "etc/passwd" relative to the jail root.
	rel := strings.TrimLeft(path, "/")
	if rel == "" {
		rel = "."
	}
	defer runtime.KeepAlive(root)
	fd, err := unix.Openat(int(root.Fd()), rel,
		unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY|unix.O_RESOLVE_BENEATH, 0)
	if err != nil {
		return -1, err
	}
	return fd, nil
}
