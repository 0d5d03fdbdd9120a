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
	k := keeper{what: fmt.Sprintf("entries named %s or with uid %d", w.Name, w.UID)}
	users, notices, err := parseJailPasswd(jailPasswd, f, func(u *User) bool {
		return k.keep(u.Name == w.Name || u.UID == w.UID, u.Line)
	})
	if err == nil {
		err = k.err(jailPasswd)
	}
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
		k := keeper{what: fmt.Sprintf("entries named %s or with uid %d or %d", w.Name, w.UID, first.UID)}
		users, _, err = parseJailPasswd(jailPasswd, f, func(u *User) bool {
			return k.keep(u.Name == w.Name || u.UID == w.UID || u.UID == first.UID, u.Line)
		})
		if err == nil {
			err = k.err(jailPasswd)
		}
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
	k := keeper{what: fmt.Sprintf("groups with a gid of %s or %s as member", w.Name, w.Name)}
	groups, notices, err := ParseGroup(jailGroup, gf, func(g *Group) bool {
		_, found := slices.BinarySearch(gids, g.GID)
		return k.keep(found || slices.Contains(g.Members, w.Name), g.Line)
	})
	if err == nil {
		err = k.err(jailGroup)
	}
	if err != nil {
		return nil, nil, err
	}
	return groups, notices, nil
}

// MaxKept caps the entries ReadJail keeps from one file: the wanted user,
// its aliases, its groups. The jail's root writes the files, and 32 MiB of
// "a:x:2001:1::/:" lines kept 2.4M aliases, 2.3 GB and 11 s per login as
// root; one alias already denies. Groups: a process has at most 65536.
const MaxKept = 1 << 16

// keeper counts what a parser's keep function accepts and stops keeping
// past MaxKept, remembering the line where it stopped.
type keeper struct {
	what string // what is kept, for the error
	n    int
	line int // the first line not kept for the cap; 0: none
}

func (k *keeper) keep(wanted bool, line int) bool {
	if !wanted {
		return false
	}
	if k.n++; k.n > MaxKept {
		if k.line == 0 {
			k.line = line
		}
		return false
	}
	return true
}

func (k *keeper) err(file string) error {
	if k.line == 0 {
		return nil
	}
	return fmt.Errorf("%s:%d: more than %d %s", file, k.line, MaxKept, k.what)
}
