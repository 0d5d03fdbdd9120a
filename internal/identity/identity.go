// Package identity decides whether a host user may enter a jail as themselves.
//
// The check is a pure function of two records and a policy. The host side
// comes from NSS, the jail side from the jail's own /etc/passwd and
// /etc/group as read by package userdb. A user may enter only when name, UID,
// primary GID and groups agree, because the jail's databases are written by
// whoever is root inside the jail: a group the jail grants but the host does
// not is a privilege the host never gave (the hole in the original jailme,
// which compared only name and UID).
package identity

import (
	"fmt"
	"slices"
	"strconv"

	"jailme.dev/jailme/internal/userdb"
)

// Host is the caller as the host's NSS sees them. Groups holds the primary
// group first, then the supplementary groups.
type Host struct {
	User   userdb.User
	Groups []userdb.Group
	// Owner, for a user looked up by name, is the entry the host gives for
	// User.UID when it bears another name (hostdb.Answer.Owner); nil when
	// the name is the uid's own.
	Owner *userdb.User
}

// Policy is what the jail's configuration allows.
type Policy struct {
	Strict    bool // every host group must be granted in the jail too
	AllowRoot bool // uid 0 or gid 0 may be applied
	// HostOnly names host groups that stay on the host (config.HostOnly):
	// never demanded of the jail, never applied, whatever the jail says
	// about their gid. The primary group is always the passwd gid.
	HostOnly []string
}

// Code names a deny reason; it is stable, appears in syslog as code=…, and
// tests match on it.
type Code string

const (
	MissingUser       Code = "missing-user"
	UIDMismatch       Code = "uid-mismatch"
	UIDAlias          Code = "uid-alias"
	GIDMismatch       Code = "gid-mismatch"
	GroupNameMismatch Code = "group-name-mismatch"
	GroupAlias        Code = "group-alias"
	ExtraGroup        Code = "extra-group"
	MissingGroup      Code = "missing-group"
	Root              Code = "root"
)

// Denial is one reason to refuse, worded for the user and the admin alike:
// it names the jail file and line and the group involved.
type Denial struct {
	Code Code
	Msg  string
}

func (d Denial) String() string { return d.Msg }

// Cred is what the session runs with, once allowed.
type Cred struct {
	Name   string
	UID    uint32
	GID    uint32
	Groups []uint32 // supplementary groups, primary included, host order
	Home   string   // from the jail's passwd
	Shell  string   // from the jail's passwd
	Class  string   // the login class in the jail's master.passwd (FreeBSD; for the environment only)
}

// Row is one line of the side-by-side comparison printed by jailsh -n.
type Row struct {
	What, Host, Jail, Applied string
}

// Verdict is the outcome of Check. Cred is meaningful only when Allowed.
type Verdict struct {
	Denials []Denial
	Cred    Cred
	Rows    []Row
}

// Allowed reports whether no reason to refuse was found.
func (v Verdict) Allowed() bool { return len(v.Denials) == 0 }

// Check compares the host identity h with the jail's records j under policy p.
// All reasons are collected, not only the first, so that an admin fixes the
// jail in one pass.
func Check(h Host, j *userdb.JailDB, p Policy) Verdict {
	var v Verdict
	deny := func(c Code, format string, args ...any) {
		v.Denials = append(v.Denials, Denial{c, fmt.Sprintf(format, args...)})
	}
	hu := h.User
	pw := j.PasswdFile
	gr := j.GroupFile

	v.Rows = append(v.Rows, Row{"user", hu.Name, "-", ""})
	if j.User == nil {
		deny(MissingUser, "user %s does not exist in the jail (%s)", hu.Name, pw)
		return v
	}
	ju := j.User
	v.Rows[0].Jail = fmt.Sprintf("%s (%s:%d)", ju.Name, pw, ju.Line)
	v.Rows[0].Applied = hu.Name

	v.Rows = append(v.Rows, Row{"uid", num(hu.UID), num(ju.UID), num(hu.UID)})
	if ju.UID != hu.UID {
		deny(UIDMismatch, "%s:%d: %s has uid %d in the jail but %d on the host",
			pw, ju.Line, hu.Name, ju.UID, hu.UID)
	}
	for _, a := range j.Aliases {
		switch {
		case a.Name == hu.Name && a.UID != ju.UID:
			// Which entry a program in the jail sees depends on whether it
			// looks up the name or the uid.
			deny(UIDAlias, "%s:%d: a second entry for %s has uid %d (the first, line %d, has %d)",
				pw, a.Line, hu.Name, a.UID, ju.Line, ju.UID)
		case a.Name != hu.Name && (a.UID == hu.UID || a.UID == ju.UID):
			deny(UIDAlias, "%s:%d: jail account %s has uid %d too (an alias of %s)",
				pw, a.Line, a.Name, a.UID, hu.Name)
		}
	}

	v.Rows = append(v.Rows, Row{"primary gid", num(hu.GID), num(ju.GID), num(hu.GID)})
	if ju.GID != hu.GID {
		deny(GIDMismatch, "%s:%d: %s has primary gid %d in the jail but %d on the host",
			pw, ju.Line, hu.Name, ju.GID, hu.GID)
	}

	// What each side grants: the host's groups come from NSS (initgroups
	// semantics, primary included); the jail grants its primary gid plus
	// every group that lists the user.
	hostGID := make(map[uint32]userdb.Group, len(h.Groups))
	for _, g := range h.Groups {
		hostGID[g.GID] = g
	}
	// A gid with two names is reported as an alias below; the name check
	// compares the entry of the host's name, if there is one, so that the
	// verdict does not depend on which line comes first.
	jailGID := make(map[uint32]*userdb.Group)
	jailGrants := map[uint32]bool{ju.GID: true}
	for i := range j.Groups {
		g := &j.Groups[i]
		if prev, dup := jailGID[g.GID]; !dup || (prev.Name != hostGID[g.GID].Name && g.Name == hostGID[g.GID].Name) {
			jailGID[g.GID] = g
		}
		if member(g, hu.Name) {
			jailGrants[g.GID] = true
		}
	}

	for _, g := range h.Groups {
		jg := jailGID[g.GID]
		row := Row{"group", fmt.Sprintf("%s (%d)", g.Name, g.GID), "-", "no"}
		if p.hostOnly(g, hu) {
			row.Applied = "no (host-only)"
			v.Rows = append(v.Rows, row)
			continue
		}
		if jg != nil {
			row.Jail = fmt.Sprintf("%s (%d) %s:%d", jg.Name, jg.GID, gr, jg.Line)
			if jg.Name != g.Name {
				deny(GroupNameMismatch, "%s:%d: gid %d is group %q in the jail but %q on the host",
					gr, jg.Line, g.GID, jg.Name, g.Name)
			}
		}
		granted := jailGrants[g.GID]
		if granted {
			row.Applied = "yes"
		}
		// subset: a host group missing in the jail is simply not applied.
		if p.Strict {
			switch {
			case g.GID == hu.GID && jg == nil:
				deny(MissingGroup, "primary group %q (gid %d) has no entry in the jail's %s (groups = strict)",
					g.Name, g.GID, gr)
			case g.GID != hu.GID && !granted:
				deny(MissingGroup, "host group %q (gid %d) is not granted to %s in the jail's %s (groups = strict)",
					g.Name, g.GID, hu.Name, gr)
			}
		}
		v.Rows = append(v.Rows, row)
	}
	for i := range j.Groups {
		g := &j.Groups[i]
		if !member(g, hu.Name) {
			continue
		}
		if _, ok := hostGID[g.GID]; !ok {
			deny(ExtraGroup, "%s:%d: the jail makes %s a member of group %q (gid %d) but the host does not",
				gr, g.Line, hu.Name, g.Name, g.GID)
			v.Rows = append(v.Rows, Row{"group", "-",
				fmt.Sprintf("%s (%d) %s:%d", g.Name, g.GID, gr, g.Line), "no"})
		}
	}

	c := Cred{Name: hu.Name, UID: hu.UID, GID: hu.GID, Home: ju.Home, Shell: ju.Shell, Class: ju.Class}
	for _, g := range h.Groups {
		if jailGrants[g.GID] && !p.hostOnly(g, hu) {
			c.Groups = append(c.Groups, g.GID)
		}
	}
	// Every gid the session gets has one name in the jail. A second name
	// (wheel:x:1500: beside alice:x:1500:) would make %wheel in the jail's
	// sudoers, or pam_wheel, match the user: a privilege the host never
	// gave, granted by whoever is root in the jail.
	gets := []uint32{c.GID}
	for _, gid := range c.Groups {
		if !slices.Contains(gets, gid) {
			gets = append(gets, gid)
		}
	}
	for _, gid := range gets {
		groupAliases(j, gid, func(first, other *userdb.Group) {
			deny(GroupAlias, "%s:%d: gid %d is group %q too (line %d names it %q): a gid %s gets has one name in the jail",
				gr, other.Line, gid, other.Name, first.Line, first.Name, hu.Name)
		})
	}
	if !p.AllowRoot {
		if c.UID == 0 {
			deny(Root, "%s would run as uid 0 and the jail does not allow root (allow_root)", hu.Name)
		}
		for _, gid := range append([]uint32{c.GID}, c.Groups...) {
			if gid == 0 {
				deny(Root, "%s would run with gid 0 and the jail does not allow root (allow_root)", hu.Name)
				break
			}
		}
	}
	v.Rows = append(v.Rows, Row{"home", hu.Home, ju.Home, ju.Home}, Row{"shell", hu.Shell, ju.Shell, ju.Shell})
	if v.Allowed() {
		v.Cred = c
	}
	return v
}

// hostOnly reports whether g is one of the user's supplementary groups
// that stays on the host.
func (p Policy) hostOnly(g userdb.Group, u userdb.User) bool {
	return g.GID != u.GID && slices.Contains(p.HostOnly, g.Name)
}

// groupAliases calls found for every entry of gid in the jail's groups
// whose name differs from the first entry's (and from every earlier one).
func groupAliases(j *userdb.JailDB, gid uint32, found func(first, other *userdb.Group)) {
	var first *userdb.Group
	var names []string
	for i := range j.Groups {
		g := &j.Groups[i]
		switch {
		case g.GID != gid || slices.Contains(names, g.Name):
		case first == nil:
			first = g
			names = append(names, g.Name)
		default:
			found(first, g)
			names = append(names, g.Name)
		}
	}
}

func member(g *userdb.Group, name string) bool {
	for _, m := range g.Members {
		if m == name {
			return true
		}
	}
	return false
}

func num(n uint32) string { return strconv.FormatUint(uint64(n), 10) }
