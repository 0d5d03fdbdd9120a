//go:build !linux

package enroll

import (
	"errors"
	"os"
)

// Owner is who the new home belongs to, in host ids.
type Owner struct{ UID, GID uint32 }

var errPlatform = errors.New("enroll: writing into a jail is implemented on Linux only")

// Enroll is Linux-only for now: FreeBSD has no RESOLVE_IN_ROOT to write
// by, and O_RESOLVE_BENEATH refuses what the jail's absolute links name.
func Enroll(root *os.File, a Account, home Owner, dryRun bool) ([]string, error) {
	return nil, errPlatform
}

// Purge is Linux-only, as Enroll.
func Purge(root *os.File, a Account, dryRun bool) ([]string, error) {
	return nil, errPlatform
}
