package userdb

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParseMasterPasswd(t *testing.T) {
	in := "# $FreeBSD$\n" +
		"root:$6$x:0:0::0:0:Charlie &:/root:/bin/sh\n" +
		"alice:*:2001:2001:staff:0:0:Alice:/home/alice:/bin/tcsh\n" +
		"bob:*:2002:2002::1767225600:1798761600::/home/bob:\n" +
		"+@nis:::::::::\n"
	users, notices, err := ParseMasterPasswd("/etc/master.passwd", strings.NewReader(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []User{
		{Name: "root", UID: 0, GID: 0, Gecos: "Charlie &", Home: "/root", Shell: "/bin/sh", Line: 2},
		{Name: "alice", UID: 2001, GID: 2001, Class: "staff", Gecos: "Alice", Home: "/home/alice", Shell: "/bin/tcsh", Line: 3},
		{Name: "bob", UID: 2002, GID: 2002, Home: "/home/bob", Line: 4},
	}
	if len(users) != len(want) {
		t.Fatalf("got %+v", users)
	}
	for i := range want {
		if users[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, users[i], want[i])
		}
	}
	if len(notices) != 1 || notices[0].Line != 5 {
		t.Errorf("notices = %+v, want the NIS line 5", notices)
	}
	// keep sees the class too.
	kept, _, err := ParseMasterPasswd("m", strings.NewReader(in), func(u *User) bool { return u.Class == "staff" })
	if err != nil || len(kept) != 1 || kept[0].Name != "alice" {
		t.Errorf("keep by class = %+v, %v", kept, err)
	}
}

func TestParseMasterPasswdErrors(t *testing.T) {
	for in, want := range map[string]string{
		"alice:*:2001:2001:Alice:/home/alice:/bin/sh\n":           "7 fields, want 10", // a passwd(5) line
		"alice:*:2001:2001::0:0:A:/h:/bin/sh:x\n":                 "11 fields, want 10",
		"alice:*:2001:2001:st\x1baff:0:0:A:/h:/bin/sh\n":          "class",
		"alice:*:2001:2001::soon:0:A:/h:/bin/sh\n":                "change \"soon\": not a decimal number",
		"alice:*:2001:2001::0:-1:A:/h:/bin/sh\n":                  "expire \"-1\": not a decimal number",
		"alice:*:2001:2001::0:123456789012345678901:A:/h:/bin/sh": "expire",
		"alice:*:x:2001::0:0:A:/h:/bin/sh\n":                      "uid",
		"alice:*:2001:2001::0:0:A:/h:/bin/sh\r\n":                 "carriage return",
	} {
		_, _, err := ParseMasterPasswd("/etc/master.passwd", strings.NewReader(in), nil)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "/etc/master.passwd:1: ") {
			t.Errorf("%q: error %v, want /etc/master.passwd:1: ... %s", in, err, want)
		}
	}
	// passwd(5) lines stay seven fields: a master.passwd line is refused.
	if _, _, err := ParsePasswd("p", strings.NewReader("root:*:0:0::0:0:C:/root:/bin/sh\n"), nil); err == nil {
		t.Error("ParsePasswd took ten fields")
	}
}

func TestCheckAccountDB(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)
	master := FileTime{Path: "/etc/master.passwd", Exists: true, Mtime: t0}
	db := func(p string, d time.Duration) FileTime { return FileTime{Path: p, Exists: true, Mtime: t0.Add(d)} }
	for _, tc := range []struct {
		name string
		dbs  []FileTime
		want string // "" for no error
	}{
		{"pwd_mkdb ran after the edit", []FileTime{db("/etc/pwd.db", time.Second), db("/etc/spwd.db", time.Second)}, ""},
		{"same time (coarse clocks)", []FileTime{db("/etc/pwd.db", 0), db("/etc/spwd.db", 0)}, ""},
		{"edited, no pwd_mkdb", []FileTime{db("/etc/pwd.db", -time.Minute), db("/etc/spwd.db", -time.Minute)}, "/etc/pwd.db"},
		{"one nanosecond older", []FileTime{db("/etc/pwd.db", 0), db("/etc/spwd.db", -time.Nanosecond)}, "/etc/spwd.db"},
		{"no pwd.db", []FileTime{{Path: "/etc/pwd.db"}, db("/etc/spwd.db", 0)}, "missing"},
	} {
		err := CheckAccountDB(master, tc.dbs...)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "pwd_mkdb")):
			t.Errorf("%s: %v, want an error naming %s and pwd_mkdb", tc.name, err, tc.want)
		}
	}
}

func FuzzParseMasterPasswd(f *testing.F) {
	for _, s := range []string{
		"root:$6$x:0:0::0:0:Charlie &:/root:/bin/sh\n",
		"a:*:1:1:staff:0:0:g:/h:/s\n+:::::::::\n", "a:*:1:1::x:0:g:/h:/s\n", "a:*:1:1:\x1b:0:0:g:/h:/s\n",
		"a:*:1:2:g:/h:/s\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		users, _, err := ParseMasterPasswd("m", bytes.NewReader(in), nil)
		if err != nil {
			return
		}
		for _, u := range users {
			if u.Name == "" || u.UID == 1<<32-1 || u.GID == 1<<32-1 || hasControl(u.Class) ||
				strings.ContainsAny(u.Class, ":\n\x00") {
				t.Fatalf("bad record %+v", u)
			}
		}
	})
}
