package userdb

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A jail tree as pwd_mkdb leaves it: master.passwd, then both databases
// (their content is libc's business; only their times are read).
func masterTree(t *testing.T, master, group string, dbAge time.Duration) (string, *os.File) {
	t.Helper()
	dir, root := jailTree(t, map[string]string{
		"etc/master.passwd": master, "etc/group": group, "etc/pwd.db": "db", "etc/spwd.db": "db",
	})
	now := time.Now()
	if err := os.Chtimes(filepath.Join(dir, "etc/master.passwd"), now, now); err != nil {
		t.Fatal(err)
	}
	for _, db := range []string{"etc/pwd.db", "etc/spwd.db"} {
		if err := os.Chtimes(filepath.Join(dir, db), now.Add(dbAge), now.Add(dbAge)); err != nil {
			t.Fatal(err)
		}
	}
	return dir, root
}

func TestReadJailMasterPasswd(t *testing.T) {
	_, root := masterTree(t, "alice:*:2001:2001:staff:0:0:Alice:/home/alice:/bin/tcsh\n", "alice:*:2001:\n", time.Second)
	db, err := ReadJail(root, Want{Name: "alice", UID: 2001, GIDs: []uint32{2001}})
	if err != nil {
		t.Fatal(err)
	}
	if db.PasswdFile != "/etc/master.passwd" || db.User == nil || db.User.Class != "staff" || db.User.Shell != "/bin/tcsh" {
		t.Errorf("ReadJail = %+v, user %+v", db, db.User)
	}
}

func TestReadJailStaleDB(t *testing.T) {
	_, root := masterTree(t, "alice:*:2001:2001::0:0:Alice:/home/alice:/bin/sh\n", "", -time.Minute)
	_, err := ReadJail(root, Want{Name: "alice", UID: 2001})
	if err == nil || !strings.Contains(err.Error(), "/etc/pwd.db") || !strings.Contains(err.Error(), "pwd_mkdb") {
		t.Errorf("stale pwd.db: ReadJail = %v", err)
	}
	dir, root := masterTree(t, "alice:*:2001:2001::0:0:Alice:/home/alice:/bin/sh\n", "", time.Second)
	if err := os.Remove(filepath.Join(dir, "etc/spwd.db")); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadJail(root, Want{Name: "alice", UID: 2001}); err == nil || !strings.Contains(err.Error(), "spwd.db: missing") {
		t.Errorf("no spwd.db: ReadJail = %v", err)
	}
}
