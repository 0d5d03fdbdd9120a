//go:build linux || freebsd

package userdb

import (
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// LookPathInRoot finds a program for jailsh's jexec form (`jailsh -j JAIL
// prog args...`) inside the jail root, before the jail is entered: name if
// it contains a slash, else the first dirs entry holding a regular file
// with an execute bit. It resolves as OpenInRoot does (never leaving root)
// and returns the path as seen inside the jail; the exec after attaching
// resolves it again, in the jail, as the user.
func LookPathInRoot(root *os.File, name string, dirs []string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("empty program name")
	}
	if strings.Contains(name, "/") {
		p := name
		if !path.IsAbs(p) {
			return "", fmt.Errorf("%s: a program path must be absolute or a plain name", name)
		}
		return p, executable(root, p)
	}
	for _, d := range dirs {
		p := path.Join(d, name)
		if executable(root, p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found in %s inside the jail", name, strings.Join(dirs, ":"))
}

func executable(root *os.File, p string) error {
	fd, err := openInRoot(root, p)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("%s: fstat: %w", p, err)
	}
	if uint32(st.Mode)&unix.S_IFMT != unix.S_IFREG || st.Mode&0o111 == 0 {
		return fmt.Errorf("%s: not an executable regular file", p)
	}
	return nil
}
