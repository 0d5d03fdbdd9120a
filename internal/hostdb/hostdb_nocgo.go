//go:build !cgo || !(linux || freebsd)

package hostdb

import (
	"bytes"
	"fmt"
	"os"
	"slices"

	"jailme.dev/jailme/internal/userdb"
)

// Without cgo only the host's files are read: NSS backends (LDAP, SSSD,
// NIS compat "+" lines) are not consulted. Variables for tests.
var (
	passwdFile = "/etc/passwd"
	groupFile  = "/etc/group"
)

// ByUID returns the first entry with uid in /etc/passwd, as getpwuid does.
func ByUID(uid uint32) (*userdb.User, error) {
	return lookupUser(fmt.Sprintf("host user %d", uid), func(u *userdb.User) bool { return u.UID == uid })
}

// ByName returns the first entry named name in /etc/passwd.
func ByName(name string) (*userdb.User, error) {
	return lookupUser(fmt.Sprintf("host user %q", name), func(u *userdb.User) bool { return u.Name == name })
}

func lookupUser(who string, match func(u *userdb.User) bool) (*userdb.User, error) {
	f, err := os.Open(passwdFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	users, _, err := userdb.ParsePasswd(passwdFile, f, match)
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("%s: %w", who, ErrNotFound)
	}
	u := users[0]
	return &u, nil
}

// Groups returns u's groups, primary first, then the groups listing u in
// file order, each once, named by the first entry with that gid (as
// getgrgid does). A gid without a group entry has an empty Name, as with
// cgo. Members are left empty.
func Groups(u *userdb.User) ([]userdb.Group, error) {
	data, err := os.ReadFile(groupFile)
	if err != nil {
		return nil, err
	}
	gids := []uint32{u.GID}
	_, _, err = userdb.ParseGroup(groupFile, bytes.NewReader(data), func(g *userdb.Group) bool {
		if !slices.Contains(gids, g.GID) && slices.Contains(g.Members, u.Name) {
			gids = append(gids, g.GID)
		}
		return false
	})
	if err != nil {
		return nil, err
	}
	entries, _, err := userdb.ParseGroup(groupFile, bytes.NewReader(data), func(g *userdb.Group) bool {
		return slices.Contains(gids, g.GID)
	})
	if err != nil {
		return nil, err
	}
	groups := make([]userdb.Group, 0, len(gids))
	for _, gid := range gids {
		i := slices.IndexFunc(entries, func(g userdb.Group) bool { return g.GID == gid })
		if i < 0 {
			groups = append(groups, userdb.Group{GID: gid}) // no entry: no name, as with cgo
			continue
		}
		groups = append(groups, userdb.Group{Name: entries[i].Name, GID: gid, Line: entries[i].Line})
	}
	return groups, nil
}
