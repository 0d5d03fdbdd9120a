package main

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// noDump makes the process undumpable: no core file and no ptrace attach by
// the caller while we hold root and read the jail's files.
func noDump() error {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_DUMPABLE, 0): %w", err)
	}
	return nil
}
