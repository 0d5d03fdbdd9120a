// Package enroll makes a jail's accounts agree with the host for one user,
// as jailkit's jk_jailuser does: the passwd entry, the user's groups and a
// home directory, written into files the jail's root controls.
//
// The edits (this file) are pure functions of the jail file's bytes and the
// host account: they never rewrite an account the jail already has, and
// they refuse, with the file and line, when the jail uses a name or an id
// differently. Writing them (write_linux.go) happens only by fd under the
// jail's root.
package enroll

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"jailme.dev/jailme/internal/userdb"
)

// Account is what the jail must agree on: the host's user (Shell already
// chosen for the jail) and the groups the session gets, the primary group
// first, names and gids as the host has them. Host-only groups are left
// out by the caller.
type Account struct {
	User   userdb.User
	Groups []userdb.Group
}

// Edit is one file's new contents and what changed, for --dry-run and the
// admin's terminal. New is nil when nothing changes.
type Edit struct {
	File    string // "/etc/passwd", as seen inside the jail
	New     []byte
	Changes []string
}

const (
	passwdFile = "/etc/passwd"
	groupFile  = "/etc/group"
)

// PasswdLine is the entry enroll writes: "x" in the password field (the
// jail's shadow, if any, decides; jailsh never authenticates there).
func PasswdLine(u userdb.User) string {
	return fmt.Sprintf("%s:x:%d:%d:%s:%s:%s", u.Name, u.UID, u.GID, u.Gecos, u.Home, u.Shell)
}

// groupLine is a group enroll creates: the user listed as member of the
// supplementary ones; the primary group applies by the passwd gid.
func groupLine(g userdb.Group, member string) string {
	return fmt.Sprintf("%s:x:%d:%s", g.Name, g.GID, member)
}

// EditPasswd adds a's passwd entry to old (the jail's /etc/passwd). An
// entry of the same name with the same uid and gid is the user already:
// left as it is, home and shell included (the jail's choice). Any other
// use of the name or the uid is refused.
func EditPasswd(old []byte, a Account) (Edit, error) {
	e := Edit{File: passwdFile}
	u := a.User
	if err := a.check(); err != nil {
		return e, err
	}
	// Entries are compared as they are parsed, none kept: the jail's
	// root writes the file, and 32 MiB of aliases kept were 1.5 GB.
	var have bool
	var refused error
	_, _, err := userdb.ParsePasswd(passwdFile, bytes.NewReader(old), func(ju *userdb.User) bool {
		switch {
		case refused != nil:
		case ju.Name == u.Name && (ju.UID != u.UID || ju.GID != u.GID):
			refused = fmt.Errorf("%s:%d: %s has uid %d gid %d in the jail but uid %d gid %d on the host: enroll never rewrites a jail's account",
				passwdFile, ju.Line, u.Name, ju.UID, ju.GID, u.UID, u.GID)
		case ju.Name != u.Name && ju.UID == u.UID:
			refused = fmt.Errorf("%s:%d: uid %d is the jail's account %s, not %s",
				passwdFile, ju.Line, u.UID, ju.Name, u.Name)
		case ju.Name == u.Name:
			have = true
		}
		return false
	})
	if err == nil {
		err = refused
	}
	if err != nil {
		return e, err
	}
	if have {
		return e, nil
	}
	line := PasswdLine(u)
	e.New = appendLine(old, line)
	e.Changes = append(e.Changes, fmt.Sprintf("%s: add %s", passwdFile, line))
	return e, nil
}

// EditGroup gives a's groups to the user in old (the jail's /etc/group):
// a group the jail lacks is added; one it has under the same name and gid
// gets the user as member (supplementary groups only). A gid under another
// name, a name under another gid, or a group that makes the user a member
// without the host doing so is refused.
func EditGroup(old []byte, a Account) (Edit, error) {
	e := Edit{File: groupFile}
	name := a.User.Name
	if err := a.check(); err != nil {
		return e, err
	}
	// Each line is compared with the host's groups as it is parsed, none
	// kept: the jail's root writes the file (32 MiB of lines kept and cut
	// into strings were 1.7 GB).
	found := make([]*jailGroup, len(a.Groups))
	var refused error
	_, _, err := userdb.ParseGroup(groupFile, bytes.NewReader(old), func(jg *userdb.Group) bool {
		if refused == nil {
			refused = matchGroup(jg, a, found)
		}
		return false
	})
	if err == nil {
		err = refused
	}
	if err != nil {
		return e, err
	}
	at := map[int]bool{}
	var added []string
	for i, g := range a.Groups {
		primary := g.GID == a.User.GID
		jg := found[i]
		switch {
		case jg == nil && primary:
			added = append(added, groupLine(g, ""))
		case jg == nil:
			added = append(added, groupLine(g, name))
		case !primary && !jg.member:
			at[jg.line] = true
			e.Changes = append(e.Changes, fmt.Sprintf("%s:%d: add %s to group %s", groupFile, jg.line, name, g.Name))
		}
	}
	for _, l := range added {
		e.Changes = append(e.Changes, fmt.Sprintf("%s: add %s", groupFile, l))
	}
	if len(e.Changes) == 0 {
		return e, nil
	}
	e.New = appendLines(addMembers(old, at, name), added)
	return e, nil
}

// jailGroup is where the jail has one of the host's groups, and whether
// the user is listed there.
type jailGroup struct {
	line   int
	member bool
}

// matchGroup compares the jail's group jg with a's groups and records in
// found the first line of each: a gid under another name, a name under
// another gid, or a group that makes the user a member without the host
// doing so is refused.
func matchGroup(jg *userdb.Group, a Account, found []*jailGroup) error {
	member := slices.Contains(jg.Members, a.User.Name)
	host := false
	for i, g := range a.Groups {
		switch {
		case jg.GID == g.GID && jg.Name != g.Name:
			return fmt.Errorf("%s:%d: gid %d is group %s in the jail but %s on the host",
				groupFile, jg.Line, g.GID, jg.Name, g.Name)
		case jg.Name == g.Name && jg.GID != g.GID:
			return fmt.Errorf("%s:%d: group %s has gid %d in the jail but %d on the host",
				groupFile, jg.Line, g.Name, jg.GID, g.GID)
		case jg.GID == g.GID:
			host = true
			if found[i] == nil {
				found[i] = &jailGroup{line: jg.Line, member: member}
			}
		}
	}
	if member && !host {
		return fmt.Errorf("%s:%d: the jail makes %s a member of group %s (gid %d), which the host does not give %s",
			groupFile, jg.Line, a.User.Name, jg.Name, jg.GID, a.User.Name)
	}
	return nil
}

// check refuses a host field that would not stay one field on one line of
// the jail's files (a gecos with ':' from a directory service).
func (a Account) check() error {
	u := a.User
	fields := []string{u.Name, u.Gecos, u.Home, u.Shell}
	for _, g := range a.Groups {
		fields = append(fields, g.Name)
	}
	for _, f := range fields {
		if strings.ContainsFunc(f, func(r rune) bool { return r == ':' || r == ',' && f != u.Gecos || r < 0x20 || r == 0x7f }) {
			return fmt.Errorf("host account %s: field %q cannot be written into passwd(5) or group(5)", u.Name, f)
		}
	}
	if u.Name == "" || !strings.HasPrefix(u.Home, "/") || !strings.HasPrefix(u.Shell, "/") {
		return fmt.Errorf("host account %s: needs a name, an absolute home and an absolute shell", u.Name)
	}
	return nil
}

// Purge removes what enroll added and nothing else: lines exactly equal
// to what enroll writes for a today. An account the jail has changed since
// (another shell, another member) is the jail's now and stays.
func PurgePasswd(old []byte, a Account) Edit {
	return purge(passwdFile, old, []string{PasswdLine(a.User)})
}

// PurgeGroup removes the groups enroll would have created for a, when
// their lines are still exactly as enroll wrote them.
func PurgeGroup(old []byte, a Account) Edit {
	var mine []string
	for _, g := range a.Groups {
		if g.GID == a.User.GID {
			mine = append(mine, groupLine(g, ""))
		} else {
			mine = append(mine, groupLine(g, a.User.Name))
		}
	}
	return purge(groupFile, old, mine)
}

func purge(file string, old []byte, mine []string) Edit {
	e := Edit{File: file}
	keep := make([]byte, 0, len(old)+1)
	eachLine(old, func(n int, l []byte) {
		if slices.ContainsFunc(mine, func(m string) bool { return string(l) == m }) {
			e.Changes = append(e.Changes, fmt.Sprintf("%s:%d: remove %s", file, n, l))
			return
		}
		keep = append(append(keep, l...), '\n')
	})
	if len(e.Changes) > 0 {
		e.New = keep
	}
	return e
}

// addMembers is old with name appended to the member lists of the lines
// numbered in at; one trailing comma ("a,b,") is reused.
func addMembers(old []byte, at map[int]bool, name string) []byte {
	out := make([]byte, 0, len(old)+1+len(at)*(len(name)+1))
	eachLine(old, func(n int, l []byte) {
		out = append(out, l...)
		if at[n] {
			if !bytes.HasSuffix(l, []byte(":")) && !bytes.HasSuffix(l, []byte(",")) {
				out = append(out, ',')
			}
			out = append(out, name...)
		}
		out = append(out, '\n')
	})
	return out
}

// eachLine calls f with every line of b, without its newline, and its
// number as the parser counts them. It cuts no copies: the jail's root
// writes b, and 32 MiB of newlines split into strings were 0.5 GB.
func eachLine(b []byte, f func(n int, line []byte)) {
	for n := 1; len(b) > 0; n++ {
		line, rest, _ := bytes.Cut(b, []byte{'\n'})
		f(n, line)
		b = rest
	}
}

func appendLine(b []byte, line string) []byte { return appendLines(b, []string{line}) }

func appendLines(b []byte, ls []string) []byte {
	out := slices.Clone(b)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	for _, l := range ls {
		out = append(out, l...)
		out = append(out, '\n')
	}
	return out
}
