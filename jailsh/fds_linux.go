package main

import (
	"fmt"
	"math"

	"golang.org/x/sys/unix"
)

const oPath = unix.O_PATH

// cloexecFrom marks every fd from lowfd up close-on-exec: whatever the
// caller (sshd, su) left open must not reach the jail.
func cloexecFrom(lowfd int) error {
	if err := unix.CloseRange(uint(lowfd), math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fmt.Errorf("close_range(%d, ~0, CLOSE_RANGE_CLOEXEC): %w", lowfd, err)
	}
	return nil
}
