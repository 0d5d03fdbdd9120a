// Package userdb reads passwd(5) and group(5) files with its own parser.
//
// A jail's /etc/passwd and /etc/group belong to whoever is root in the jail.
// Since sudo CVE-2025-32463 (chroot + NSS loading a library from the
// attacker's tree) the rule is: no NSS, no libc and no code from the jail
// touches the jail's databases. This package parses them in pure Go, and
// opens them by descriptor relative to the jail root (OpenInRoot), regular
// files only, size-capped, without blocking.
package userdb

// User is one passwd(5) entry. Line is its line number in the file (0 when
// the entry did not come from a file, e.g. from NSS).
type User struct {
	Name     string
	UID, GID uint32
	Class    string // the login class: FreeBSD's master.passwd only
	Gecos    string
	Home     string
	Shell    string
	Line     int
}

// Group is one group(5) entry.
type Group struct {
	Name    string
	GID     uint32
	Members []string
	Line    int
}

// Notice reports a line skipped on purpose (NIS compat "+" / "-" lines);
// the caller logs it.
type Notice struct {
	File string
	Line int
	Text string
}

// MaxFileSize caps what we read from a jail: a hostile jail must not make a
// setuid program allocate without bound.
const MaxFileSize = 32 << 20

// MaxNotices caps the notices one file yields (a count of the others
// follows them): each is a syslog line for every login to the jail.
const MaxNotices = 16

// MaxGroupMembers caps the member names of one group file, all lines
// together: the jail's root writes the file, and each name costs more in
// memory than its two bytes in "a,a,a,...". Far above any group file a
// login is read from (100k groups of three members are 300k).
const MaxGroupMembers = 1 << 20
