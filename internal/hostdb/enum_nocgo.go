//go:build !cgo || !(linux || freebsd)

package hostdb

import (
	"fmt"
	"os"

	"jailme.dev/jailme/internal/userdb"
)

// All lists the users of the host's /etc/passwd in file order.
func All() ([]userdb.User, error) {
	f, err := os.Open(passwdFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The parser refuses the reserved uid and gid 4294967295.
	us, _, err := userdb.ParsePasswd(passwdFile, f, nil)
	return us, err
}

// GroupByName returns the first entry named name in /etc/group, members
// included.
func GroupByName(name string) (*userdb.Group, error) {
	f, err := os.Open(groupFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gs, _, err := userdb.ParseGroup(groupFile, f, func(g *userdb.Group) bool { return g.Name == name })
	if err != nil {
		return nil, err
	}
	if len(gs) == 0 {
		return nil, fmt.Errorf("host group %q: %w", name, ErrNoGroup)
	}
	return &gs[0], nil
}
