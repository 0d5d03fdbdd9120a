package main

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// FreeBSD has no O_PATH before 14; O_PATH there is 0x00400000.
const oPath = 0x00400000

const (
	sysCloseRange     = 575    // close_range(2), FreeBSD 13+
	closeRangeCloexec = 1 << 2 // CLOSE_RANGE_CLOEXEC, FreeBSD 13.1+
	maxFallbackFD     = 1 << 22
)

// cloexecFrom marks every fd from lowfd up close-on-exec: whatever the
// caller (sshd, su) left open must not reach the jail. Kernels without
// CLOSE_RANGE_CLOEXEC get fcntl on every fd below the descriptor limit.
func cloexecFrom(lowfd int) error {
	_, _, e := unix.Syscall(sysCloseRange, uintptr(lowfd), ^uintptr(0), closeRangeCloexec)
	if e == 0 {
		return nil
	}
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return fmt.Errorf("getrlimit(RLIMIT_NOFILE): %w", err)
	}
	// The descriptor table cannot be larger than the limit; an infinite
	// limit is bounded by kern.maxfilesperproc, far below maxFallbackFD.
	limit := min(rl.Cur, maxFallbackFD)
	for fd := lowfd; int64(fd) < limit; fd++ {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil && !errors.Is(err, unix.EBADF) {
			return fmt.Errorf("fcntl(%d, F_SETFD, FD_CLOEXEC): %w", fd, err)
		}
	}
	return nil
}
