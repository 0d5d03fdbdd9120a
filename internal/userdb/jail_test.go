//go:build linux

package userdb

// ReadJail on Linux: /etc/passwd. FreeBSD reads master.passwd and checks
// its databases (jail_freebsd_test.go).

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func names(us []User) string {
	var s []string
	for _, u := range us {
		s = append(s, fmt.Sprintf("%s:%d@%d", u.Name, u.UID, u.Line))
	}
	return strings.Join(s, " ")
}

func gnames(gs []Group) string {
	var s []string
	for _, g := range gs {
		s = append(s, fmt.Sprintf("%s:%d@%d", g.Name, g.GID, g.Line))
	}
	return strings.Join(s, " ")
}

func TestReadJail(t *testing.T) {
	for _, tc := range []struct {
		name          string
		passwd, group string
		want          Want
		user          string // name:uid@line, "" for nil
		aliases       string
		groups        string
		notices       int
	}{{
		name:   "plain",
		passwd: "root:x:0:0::/root:/bin/sh\n+\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/:\n",
		group:  "root:x:0:\nalice:x:1000:\nwheel:x:10:root,alice\nstaff:x:50:\ndocker:x:999:bob\n-x\n",
		want:   Want{Name: "alice", UID: 1000, GIDs: []uint32{1000, 50}},
		user:   "alice:1000@3", groups: "alice:1000@2 wheel:10@3 staff:50@4", notices: 2,
	}, {
		name:   "another name shares the uid",
		passwd: "toor:x:1000:0::/:\nalice:x:1000:1000::/:\nalice2:x:1000:1000::/:\n",
		group:  "alice:x:1000:\n",
		want:   Want{Name: "alice", UID: 1000},
		// No host gids asked for and alice is no member: no group is kept
		// (the jail's primary group matters only through the host's gids).
		user: "alice:1000@2", aliases: "toor:1000@1 alice2:1000@3", groups: "",
	}, {
		// A later entry with the same name is an alias whatever its uid:
		// getpwnam finds the first, getpwuid(0) might find the second.
		name:   "duplicate name",
		passwd: "alice:x:1000:1000::/:\nroot:x:0:0::/:\nalice:x:0:0::/:\nalice:x:1000:1000::/:\n",
		group:  "root:x:0:\nalice:x:1000:\n",
		want:   Want{Name: "alice", UID: 1000, GIDs: []uint32{1000}},
		user:   "alice:1000@1", aliases: "alice:0@3 alice:1000@4", groups: "alice:1000@2",
	}, {
		// The jail gives the name another uid: entries sharing that uid
		// are aliases even when they come first (second pass).
		name:   "uid differs in jail",
		passwd: "carol:x:1001:1001::/:\nmallory:x:1000:1000::/:\nalice:x:1001:1002::/:\nbob:x:1003:1:::\n",
		group:  "carol:x:1001:\nali:x:1002:\nhost:x:1000:\n",
		want:   Want{Name: "alice", UID: 1000, GIDs: []uint32{1000}},
		user:   "alice:1001@3", aliases: "carol:1001@1 mallory:1000@2", groups: "host:1000@3",
	}, {
		name:    "user absent",
		passwd:  "root:x:0:0::/:\nother:x:1000:1000::/:\n",
		group:   "root:x:0:alice\nstaff:x:50:\nusers:x:100:\n",
		want:    Want{Name: "alice", UID: 1000, GIDs: []uint32{1000, 100}},
		aliases: "other:1000@2", groups: "root:0@1 users:100@3",
	}, {
		// Every name of a wanted gid is kept, in either order, so the
		// identity check can refuse the alias (group-alias).
		name:   "gid alias after",
		passwd: "alice:x:1500:1500::/:\n",
		group:  "alice:x:1500:\nwheel:x:1500:\n",
		want:   Want{Name: "alice", UID: 1500, GIDs: []uint32{1500}},
		user:   "alice:1500@1", groups: "alice:1500@1 wheel:1500@2",
	}, {
		name:   "gid alias before",
		passwd: "alice:x:1500:1500::/:\n",
		group:  "wheel:x:1500:\nalice:x:1500:\n",
		want:   Want{Name: "alice", UID: 1500, GIDs: []uint32{1500}},
		user:   "alice:1500@1", groups: "wheel:1500@1 alice:1500@2",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			_, root := jailTree(t, map[string]string{"etc/passwd": tc.passwd, "etc/group": tc.group})
			db, err := ReadJail(root, tc.want)
			if err != nil {
				t.Fatal(err)
			}
			var user string
			if db.User != nil {
				user = names([]User{*db.User})
			}
			if user != tc.user || names(db.Aliases) != tc.aliases || gnames(db.Groups) != tc.groups {
				t.Errorf("got user %q aliases %q groups %q\nwant user %q aliases %q groups %q",
					user, names(db.Aliases), gnames(db.Groups), tc.user, tc.aliases, tc.groups)
			}
			if len(db.Notices) != tc.notices {
				t.Errorf("notices: %+v", db.Notices)
			}
			if db.PasswdFile != "/etc/passwd" || db.GroupFile != "/etc/group" {
				t.Errorf("files %q %q", db.PasswdFile, db.GroupFile)
			}
		})
	}
}

func TestReadJailFull(t *testing.T) {
	_, root := jailTree(t, map[string]string{
		"etc/passwd": "alice:x:1000:100:Alice:/home/alice:/bin/zsh\n",
		"etc/group":  "users:x:100:alice,bob\n",
	})
	db, err := ReadJail(root, Want{Name: "alice", UID: 1000})
	if err != nil {
		t.Fatal(err)
	}
	want := &JailDB{
		PasswdFile: "/etc/passwd", GroupFile: "/etc/group",
		User:   &User{Name: "alice", UID: 1000, GID: 100, Gecos: "Alice", Home: "/home/alice", Shell: "/bin/zsh", Line: 1},
		Groups: []Group{{Name: "users", GID: 100, Members: []string{"alice", "bob"}, Line: 1}},
	}
	if !reflect.DeepEqual(db, want) {
		t.Errorf("got %+v\nwant %+v", db, want)
	}
}

// A panic in a parser must reach the caller's goroutine (pam_jailme's
// recover): ReadJail starts no goroutine of its own. The sampler looks for
// goroutines running this package's code other than the test's own, so
// goroutines of the runtime or of earlier tests cannot make it fail.
func TestReadJailNoGoroutine(t *testing.T) {
	_, root := jailTree(t, map[string]string{"etc/passwd": genPasswd(20000), "etc/group": genGroup(20000)})
	stop := make(chan struct{})
	done := make(chan string)
	go func() {
		buf := make([]byte, 1<<20)
		for {
			select {
			case <-stop:
				done <- ""
				return
			default:
			}
			n := runtime.Stack(buf, true)
			for _, g := range strings.Split(string(buf[:n]), "\n\n") {
				if strings.Contains(g, "internal/userdb.") &&
					!strings.Contains(g, "TestReadJailNoGoroutine") {
					<-stop
					done <- g
					return
				}
			}
			runtime.Gosched()
		}
	}()
	for i := 0; i < 20; i++ {
		if _, err := ReadJail(root, Want{Name: "alice", UID: 1000, GIDs: []uint32{1000}}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	if g := <-done; g != "" {
		t.Errorf("ReadJail ran a goroutine beside its caller:\n%s", g)
	}
}

func TestReadJailErrors(t *testing.T) {
	for _, tc := range []struct {
		files map[string]string
		want  Want
		err   string
	}{
		{map[string]string{"etc/passwd": "a:x:1:1::/:\n"}, Want{Name: "a"},
			"/etc/group: no such file or directory"},
		{map[string]string{"etc/group": ""}, Want{Name: "a"},
			"/etc/passwd: no such file or directory"},
		{map[string]string{"etc/passwd": "a:x:1:1::/:\nb:x:1:1::/\n", "etc/group": ""}, Want{Name: "a"},
			"/etc/passwd:2: 6 fields, want 7"},
		{map[string]string{"etc/passwd": "a:x:1:1::/:\n", "etc/group": "g:x:1:a,,b\n"}, Want{Name: "a"},
			"/etc/group:1: empty member name"},
		{map[string]string{"etc/passwd": "", "etc/group": ""}, Want{}, "read jail databases: empty user name"},
		// CRLF files: a parse error naming the line, not "/bin/sh\r".
		{map[string]string{"etc/passwd": "a:x:1:1::/:/bin/sh\r\n", "etc/group": ""}, Want{Name: "a"},
			`/etc/passwd:1: shell "/bin/sh\r": carriage return (CRLF line ending?)`},
		{map[string]string{"etc/passwd": "a:x:1:1::/:/bin/sh\n", "etc/group": "a:x:1:\r\n"}, Want{Name: "a"},
			`/etc/group:1: members "\r": carriage return (CRLF line ending?)`},
	} {
		_, root := jailTree(t, tc.files)
		_, err := ReadJail(root, tc.want)
		if err == nil || err.Error() != tc.err {
			t.Errorf("got %v, want %s", err, tc.err)
		}
	}
}

func BenchmarkReadJail(b *testing.B) {
	for _, n := range sizes {
		_, root := jailTree(b, map[string]string{"etc/passwd": genPasswd(n), "etc/group": genGroup(n)})
		b.Run(fmt.Sprintf("lines=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				db, err := ReadJail(root, Want{Name: "alice", UID: 1000, GIDs: []uint32{1000, 10005}})
				if err != nil || db.User == nil || len(db.Groups) != 2 {
					b.Fatal(db, err)
				}
			}
		})
	}
}

// The jail's root fills its 32 MiB /etc/passwd with 2.4M lines
// "a:x:2001:1::/:" (the wanted uid), or its group with "g:x:2001:": each
// was kept, an alias or a group to compare: 2.3 GB allocated and 11 s per
// login as root (inside sshd for pam_jailme). Any alias already denies the
// login: past MaxKept entries, the file is refused naming the line.
func TestReadJailKeptCap(t *testing.T) {
	lines := func(line string, n int) string { return strings.Repeat(line, n) }
	alice := "alice:x:2001:2001::/:\n"
	want := Want{Name: "alice", UID: 2001, GIDs: []uint32{2001}}
	for _, c := range []struct {
		name          string
		passwd, group string
		err           string
	}{
		{"aliases", alice + lines("a:x:2001:1::/:\n", MaxKept), "",
			fmt.Sprintf("/etc/passwd:%d: more than %d entries named alice or with uid 2001", MaxKept+1, MaxKept)},
		{"aliases of the name's other uid (second pass)", "alice:x:2002:2001::/:\n" + lines("b:x:2002:1::/:\n", MaxKept), "",
			fmt.Sprintf("/etc/passwd:%d: more than %d entries named alice or with uid 2001 or 2002", MaxKept+1, MaxKept)},
		{"groups", alice, lines("g:x:2001:\n", MaxKept+1),
			fmt.Sprintf("/etc/group:%d: more than %d groups with a gid of alice or alice as member", MaxKept+1, MaxKept)},
		{"at the cap", alice + lines("a:x:2001:1::/:\n", MaxKept-1), lines("g:x:2001:\n", MaxKept), ""},
	} {
		_, root := jailTree(t, map[string]string{"etc/passwd": c.passwd, "etc/group": c.group})
		_, err := ReadJail(root, want)
		if got := fmt.Sprint(err); (c.err == "" && err != nil) || (c.err != "" && got != c.err) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.err)
		}
	}
}
