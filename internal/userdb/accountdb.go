package userdb

import (
	"fmt"
	"time"
)

// FreeBSD's libc does not read master.passwd: its files and compat passwd
// backends read the Berkeley DB files pwd_mkdb(8) builds from it,
// /etc/spwd.db for root and /etc/pwd.db for everyone else
// (lib/libc/gen/getpwent.c, files_passwd: _PATH_SMP_DB when euid is 0, else
// _PATH_MP_DB). jailme parses master.passwd (a text file our parser can
// read; the db format is libc's business) and refuses when a database is
// older than it: an edit without pwd_mkdb, after which jailme and the
// jail's programs would disagree about who a uid is, the confusion the
// identity check exists to prevent. pwd_mkdb writes both databases and
// then renames the new master.passwd into place, which keeps the mtime of
// the file it read, so a finished edit leaves neither database older.
//
// This is the file system's word, set by the jail's root, who can touch(1)
// any of the three: the rule catches the admin's unfinished edit, not the
// jail's root, who decides what the jail's programs see in any case.

// FileTime is what the staleness rule needs to know of one file.
type FileTime struct {
	Path   string // as seen in the jail, for the message
	Exists bool
	Mtime  time.Time
}

// CheckAccountDB applies the rule to master.passwd and the databases
// built from it: each must exist and be no older than master.passwd.
func CheckAccountDB(master FileTime, dbs ...FileTime) error {
	for _, db := range dbs {
		switch {
		case !db.Exists:
			return fmt.Errorf("%s: missing: the jail's libc reads users from it, not from %s (run pwd_mkdb -p %s in the jail)",
				db.Path, master.Path, master.Path)
		case db.Mtime.Before(master.Mtime):
			return fmt.Errorf("%s (%s) is older than %s (%s): an edit without pwd_mkdb, the jail's programs still see the old entries (run pwd_mkdb -p %s in the jail)",
				db.Path, db.Mtime.UTC().Format(time.RFC3339Nano), master.Path, master.Mtime.UTC().Format(time.RFC3339Nano), master.Path)
		}
	}
	return nil
}
