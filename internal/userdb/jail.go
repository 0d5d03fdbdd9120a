//go:build linux || freebsd

package userdb

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// Want is what the identity check needs from a jail: the host user's name,
// uid and group ids.
type Want struct {
	Name string
	UID  uint32
	GIDs []uint32
}

// JailDB is what a jail's own files say about the wanted user.
type JailDB struct {
	PasswdFile, GroupFile string // "/etc/passwd" etc., as seen inside the jail, for file:line

	// User is the first entry named Want.Name (getpwnam(3) returns the
	// first one too), nil if there is none.
	User *User

	// Aliases are all other kept passwd entries, in file order: entries
	// whose UID is Want.UID or User.UID under another name, and every
	// later entry named Want.Name whatever its UID. A name or uid that
	// means two entries is ambiguous; the identity check decides.
	Aliases []User

	// Groups are the groups that list Want.Name as member or whose GID is
	// in Want.GIDs, in file order, duplicates included. (The identity check
	// looks jail groups up by the host's gids and by membership only.)
	Groups []Group

	Notices []Notice
}

// jailGroup is group(5) on both systems; the passwd file (jailPasswd) and
// its parser (parseJailPasswd) are the system's: /etc/passwd on Linux,
// /etc/master.passwd on FreeBSD (open_linux.go, open_freebsd.go).
const jailGroup = "/etc/group"

// ReadJail reads the jail's passwd (FreeBSD: master.passwd) and /etc/group through OpenInRoot
// and our own parsers: nothing from the jail runs, no NSS module, no libc
// lookup (sudo CVE-2025-32463). Any error, a malformed line anywhere
// included, means the caller must deny.
func ReadJail(root *os.File, w Want) (*JailDB, error) {
	if w.Name == "" {
		return nil, errors.New("read jail databases: empty user name")
	}
	// One file after the other, on the calling goroutine: this runs
	// inside sshd, login and su (pam_jailme) and as root in jailsh, where a
	// goroutine's panic escapes the caller's recover and kills the host.
	// Parsing both at once saved about 5 ms at 100k lines.
	db, err := readPasswd(root, w)
	if err != nil {
		return nil, err
	}
	groups, notices, err := readGroup(root, w)
	if err != nil {
		return nil, err
	}
	db.Groups = groups
	db.Notices = append(db.Notices, notices...)
	return db, nil
}

func readPasswd(root *os.File, w Want) (*JailDB, error) {
	db := &JailDB{PasswdFile: jailPasswd, GroupFile: jailGroup}
	f, err := OpenInRoot(root, jailPasswd)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := checkAccountDB(root, f); err != nil {
		return nil, err
	}
	users, notices, err := parseJailPasswd(jailPasswd, f, func(u *User) bool {
		return u.Name == w.Name || u.UID == w.UID
	})
	if err != nil {
		return nil, err
	}
	if i := slices.IndexFunc(users, func(u User) bool { return u.Name == w.Name }); i >= 0 && users[i].UID != w.UID {
		// The name has another uid in the jail (a mismatch the identity
		// check will deny): entries sharing that uid may come before it,
		// so read again. The second pass must find the same entry, or
		// the jail rewrote the file meanwhile.
		first := users[i]
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("read %s in jail: %w", jailPasswd, err)
		}
		users, _, err = parseJailPasswd(jailPasswd, f, func(u *User) bool {
			return u.Name == w.Name || u.UID == w.UID || u.UID == first.UID
		})
		if err != nil {
			return nil, err
		}
		if i := slices.IndexFunc(users, func(u User) bool { return u.Name == w.Name }); i < 0 || users[i] != first {
			return nil, fmt.Errorf("read %s in jail: changed while reading", jailPasswd)
		}
	}
	db.Notices = notices
	for i := range users {
		if db.User == nil && users[i].Name == w.Name {
			db.User = &users[i]
			continue
		}
		db.Aliases = append(db.Aliases, users[i])
	}
	return db, nil
}

func readGroup(root *os.File, w Want) ([]Group, []Notice, error) {
	gf, err := OpenInRoot(root, jailGroup)
	if err != nil {
		return nil, nil, err
	}
	defer gf.Close()
	gids := slices.Clone(w.GIDs)
	slices.Sort(gids)
	return ParseGroup(jailGroup, gf, func(g *Group) bool {
		if _, found := slices.BinarySearch(gids, g.GID); found {
			return true
		}
		return slices.Contains(g.Members, w.Name)
	})
}
