package main

import (
	"fmt"
	"os"
)

// dropToCaller gives up root for good before a non-root caller's admin
// form reads anything: what it shows is then what the caller could read
// without jailsh. syscall's setres*id apply to every thread of the process.
func dropToCaller() error {
	uid, gid := os.Getuid(), os.Getgid()
	if err := setresgid(gid); err != nil {
		return fmt.Errorf("setresgid %d: %w", gid, err)
	}
	if err := setresuid(uid); err != nil {
		return fmt.Errorf("setresuid %d: %w", uid, err)
	}
	if os.Geteuid() != uid || os.Getegid() != gid {
		return fmt.Errorf("still euid %d egid %d after dropping to %d:%d", os.Geteuid(), os.Getegid(), uid, gid)
	}
	return nil
}
