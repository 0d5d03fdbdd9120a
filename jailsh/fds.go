package main

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// sanitizeFDs makes sure 0, 1 and 2 are open (on /dev/null if the caller
// closed them) and are not directories or O_PATH handles: a host directory
// fd carried into the jail is a way out of its root (runc CVE-2024-21626).
func sanitizeFDs() error {
	for fd := 0; fd <= 2; fd++ {
		fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		if errors.Is(err, unix.EBADF) {
			null, err := unix.Open("/dev/null", unix.O_RDWR, 0)
			if err != nil {
				return fmt.Errorf("open /dev/null: %w", err)
			}
			if null != fd {
				if err := unix.Dup2(null, fd); err != nil {
					return fmt.Errorf("dup2(/dev/null, %d): %w", fd, err)
				}
				unix.Close(null)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("fcntl(%d, F_GETFL): %w", fd, err)
		}
		if fl&oPath != 0 {
			return fmt.Errorf("fd %d is an O_PATH handle: refusing", fd)
		}
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			return fmt.Errorf("fstat(%d): %w", fd, err)
		}
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			return fmt.Errorf("fd %d is a directory: refusing", fd)
		}
	}
	return nil
}
