package userdb

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestParsePasswd(t *testing.T) {
	in := `# comment
root:x:0:0:root:/root:/bin/bash

   
	# indented comment
+@nisgroup
-baduser
alice:x:1000:1000:Alice,,,:/home/alice:/bin/sh
bob::1001:100:::
`
	users, notices, err := ParsePasswd("/etc/passwd", strings.NewReader(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []User{
		{Name: "root", UID: 0, GID: 0, Gecos: "root", Home: "/root", Shell: "/bin/bash", Line: 2},
		{Name: "alice", UID: 1000, GID: 1000, Gecos: "Alice,,,", Home: "/home/alice", Shell: "/bin/sh", Line: 8},
		{Name: "bob", UID: 1001, GID: 100, Line: 9},
	}
	if !reflect.DeepEqual(users, want) {
		t.Errorf("users:\n got %+v\nwant %+v", users, want)
	}
	wantN := []Notice{
		{File: "/etc/passwd", Line: 6, Text: `NIS compat entry "+@nisgroup" skipped: only local entries are read`},
		{File: "/etc/passwd", Line: 7, Text: `NIS compat entry "-baduser" skipped: only local entries are read`},
	}
	if !reflect.DeepEqual(notices, wantN) {
		t.Errorf("notices:\n got %+v\nwant %+v", notices, wantN)
	}
}

func TestParsePasswdNoFinalNewline(t *testing.T) {
	users, _, err := ParsePasswd("p", strings.NewReader("a:x:1:2:::/bin/sh"), nil)
	if err != nil || len(users) != 1 || users[0].Shell != "/bin/sh" || users[0].Line != 1 {
		t.Fatalf("got %+v, %v", users, err)
	}
	users, _, err = ParsePasswd("p", strings.NewReader(""), nil)
	if err != nil || len(users) != 0 {
		t.Fatalf("empty file: got %+v, %v", users, err)
	}
}

func TestParsePasswdErrors(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{"a:x:1:1::/:\nb:x:12a:1::/:\n", `/etc/passwd:2: uid "12a": not a decimal number`},
		{"a:x::1::/:\n", `/etc/passwd:1: uid "": empty`},
		{"a:x:1::::\n", `/etc/passwd:1: gid "": empty`},
		{"a:x:-1:1::/:\n", `/etc/passwd:1: uid "-1": not a decimal number`},
		{"a:x:+1:1::/:\n", `/etc/passwd:1: uid "+1": not a decimal number`},
		{"a:x: 1:1::/:\n", `/etc/passwd:1: uid " 1": not a decimal number`},
		{"a:x:0x10:1::/:\n", `/etc/passwd:1: uid "0x10": leading zero`},
		{"a:x:007:1::/:\n", `/etc/passwd:1: uid "007": leading zero`},
		{"a:x:4294967296:1::/:\n", `/etc/passwd:1: uid "4294967296": out of range`},
		{"a:x:99999999999999999999999:1::/:\n", `/etc/passwd:1: uid "99999999999999999999999": out of range`},
		{"a:x:4294967295:1::/:\n", `/etc/passwd:1: uid "4294967295": reserved value (-1)`},
		{"a:x:1:4294967295::/:\n", `/etc/passwd:1: gid "4294967295": reserved value (-1)`},
		{"a:x:1:1::/\n", `/etc/passwd:1: 6 fields, want 7`},
		{"a:x:1:1::/:sh:extra\n", `/etc/passwd:1: 8 fields, want 7`},
		{"garbage\n", `/etc/passwd:1: 1 fields, want 7`},
		{":x:1:1::/:\n", `/etc/passwd:1: empty name`},
		{" a:x:1:1::/:\n", `/etc/passwd:1: leading white space`},
		{"a\x00b:x:1:1::/:\n", `/etc/passwd:1: NUL byte`},
		{"a:x:1:1::/:\n#\n# comment \x00\n", `/etc/passwd:3: NUL byte`},
		{"# ok\n" + strings.Repeat("g", 100<<10) + "\n", `/etc/passwd:2: 1 fields, want 7`},
		// Control characters in a field we use: CRLF files first.
		{"a:x:1:1::/:/bin/sh\r\n", `/etc/passwd:1: shell "/bin/sh\r": carriage return (CRLF line ending?)`},
		{"a:x:1:1:::\r\n", `/etc/passwd:1: shell "\r": carriage return (CRLF line ending?)`},
		{"a:x:1:1::/home/a\x1b[2J:/bin/sh\n", `/etc/passwd:1: home "/home/a\x1b[2J": control character`},
		{"a\tb:x:1:1::/:\n", `/etc/passwd:1: name "a\tb": control character`},
		{"a\x7f:x:1:1::/:\n", `/etc/passwd:1: name "a\x7f": control character`},
		{"a:x:1:1::/:/bin/\vsh\n", `/etc/passwd:1: shell "/bin/\vsh": control character`},
		{"\u009b2Jevil:x:1:1::/:\n", `/etc/passwd:1: name "\u009b2Jevil": control character`},
		{"a:x:1:1::/home/j\u00f6rg\u0085:\n", `/etc/passwd:1: home "/home/jörg\u0085": control character`},
		{"a:x:1:" + strings.Repeat("9", 60) + "::/:\n",
			`/etc/passwd:1: gid "9999999999999999999999999999999999999999"...: out of range`},
	} {
		_, _, err := ParsePasswd("/etc/passwd", strings.NewReader(tc.in), nil)
		if err == nil || err.Error() != tc.err {
			t.Errorf("%.40q:\n got %v\nwant %s", tc.in, err, tc.err)
		}
	}
}

// A line longer than the read buffer is read like any other: one long
// line in a jail's group file used to refuse every user of the jail.
func TestParseLongLines(t *testing.T) {
	for _, n := range []int{bufSize - 20, bufSize - 12, bufSize - 11, bufSize - 10, bufSize, 3 * bufSize, 1 << 20} {
		line := "a:x:1:1::/:" + strings.Repeat("s", n)
		for _, in := range []string{line, line + "\n", "# c\n" + line + "\nb:x:2:2::/:\n"} {
			users, _, err := ParsePasswd("p", strings.NewReader(in), nil)
			if err != nil || len(users) < 1 || users[0].Shell != line[len("a:x:1:1::/:"):] {
				t.Fatalf("shell of %d bytes: got %d users, %v", n, len(users), err)
			}
		}
	}
	var members []string
	for i := 0; i < 20000; i++ {
		members = append(members, fmt.Sprintf("user%d", i))
	}
	in := "a:x:1:alice\nbig:x:2:" + strings.Join(members, ",") + "\nc:x:3:alice\n"
	groups, _, err := ParseGroup("g", strings.NewReader(in), func(g *Group) bool { return g.GID != 1 })
	if err != nil || len(groups) != 2 || !reflect.DeepEqual(groups[0].Members, members) || groups[1].Line != 3 {
		t.Fatalf("group line of %d bytes: %v", len(in), err)
	}
}

func TestParseIDLimits(t *testing.T) {
	users, _, err := ParsePasswd("p", strings.NewReader("a:x:4294967294:0::/:\n"), nil)
	if err != nil || users[0].UID != 4294967294 || users[0].GID != 0 {
		t.Fatalf("got %+v, %v", users, err)
	}
}

func TestParseGroup(t *testing.T) {
	in := `root:x:0:
# comment
+:::
wheel:x:10:root,alice
trail:x:11:alice,
users:*:100:alice
`
	groups, notices, err := ParseGroup("/etc/group", strings.NewReader(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Group{
		{Name: "root", GID: 0, Line: 1},
		{Name: "wheel", GID: 10, Members: []string{"root", "alice"}, Line: 4},
		{Name: "trail", GID: 11, Members: []string{"alice"}, Line: 5},
		{Name: "users", GID: 100, Members: []string{"alice"}, Line: 6},
	}
	if !reflect.DeepEqual(groups, want) {
		t.Errorf("groups:\n got %+v\nwant %+v", groups, want)
	}
	if len(notices) != 1 || notices[0].Line != 3 {
		t.Errorf("notices: %+v", notices)
	}
}

func TestParseGroupErrors(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{"g:x:1:a,,b\n", `/etc/group:1: empty member name`},
		{"g:x:1:,a\n", `/etc/group:1: empty member name`},
		{"g:x:1:,\n", `/etc/group:1: empty member name`},
		{"g:x:1:a,,\n", `/etc/group:1: empty member name`},
		{"g:x:1\n", `/etc/group:1: 3 fields, want 4`},
		{"g:x:1:a:b\n", `/etc/group:1: 5 fields, want 4`},
		{":x:1:\n", `/etc/group:1: empty name`},
		{"g:x:x1:\n", `/etc/group:1: gid "x1": not a decimal number`},
		{"g:x:4294967295:\n", `/etc/group:1: gid "4294967295": reserved value (-1)`},
		{"g:x:4294967296:\n", `/etc/group:1: gid "4294967296": out of range`},
		{"ok:x:1:\n\tg:x:2:\n", `/etc/group:2: leading white space`},
		{"g:x:1:a,b\r\n", `/etc/group:1: members "a,b\r": carriage return (CRLF line ending?)`},
		{"g:x:1:\r\n", `/etc/group:1: members "\r": carriage return (CRLF line ending?)`},
		{"g\x1b:x:1:\n", `/etc/group:1: name "g\x1b": control character`},
		{"g:x:1:a,\x01b\n", `/etc/group:1: members "a,\x01b": control character`},
	} {
		_, _, err := ParseGroup("/etc/group", strings.NewReader(tc.in), nil)
		if err == nil || err.Error() != tc.err {
			t.Errorf("%q:\n got %v\nwant %s", tc.in, err, tc.err)
		}
	}
}

func TestKeep(t *testing.T) {
	in := "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/:\n"
	var seen []string
	users, _, err := ParsePasswd("p", strings.NewReader(in), func(u *User) bool {
		seen = append(seen, strings.Clone(u.Name))
		return u.UID == 1000
	})
	if err != nil || len(users) != 1 || users[0].Name != "alice" || users[0].Line != 2 {
		t.Fatalf("got %+v, %v", users, err)
	}
	if !reflect.DeepEqual(seen, []string{"root", "alice", "bob"}) {
		t.Errorf("keep saw %q", seen)
	}
	// A keep that mangles its argument does not change what is kept.
	users, _, _ = ParsePasswd("p", strings.NewReader(in), func(u *User) bool {
		u.Name, u.UID = "evil", 0
		return true
	})
	if users[1].Name != "alice" || users[1].UID != 1000 {
		t.Errorf("keep changed the record: %+v", users[1])
	}

	gin := "a:x:1:alice,bob\nb:x:2:carol\nc:x:3:\n"
	groups, _, err := ParseGroup("g", strings.NewReader(gin), func(g *Group) bool {
		for _, m := range g.Members {
			if m == "bob" {
				return true
			}
		}
		return g.GID == 3
	})
	want := []Group{{Name: "a", GID: 1, Members: []string{"alice", "bob"}, Line: 1}, {Name: "c", GID: 3, Line: 3}}
	if err != nil || !reflect.DeepEqual(groups, want) {
		t.Fatalf("got %+v, %v", groups, err)
	}
}

// Kept strings must not alias the read buffer, which later lines overwrite.
func TestKeptStringsAreCopies(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 20000; i++ {
		b.WriteString("user:x:1:1:gecos:/home:/bin/sh\n")
	}
	users, _, err := ParsePasswd("p", strings.NewReader(b.String()), func(u *User) bool { return u.Line == 1 })
	if err != nil || len(users) != 1 {
		t.Fatal(err)
	}
	if u := users[0]; u.Name != "user" || u.Gecos != "gecos" || u.Shell != "/bin/sh" {
		t.Errorf("kept record changed: %+v", u)
	}
}

func TestParseNoAllocForRejected(t *testing.T) {
	in := []byte(genPasswd(1000))
	allocs := testing.AllocsPerRun(5, func() {
		if _, _, err := ParsePasswd("p", bytes.NewReader(in), func(u *User) bool { return false }); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 6 {
		t.Errorf("%v allocations for 1000 rejected lines", allocs)
	}
	gin := []byte(genGroup(1000))
	allocs = testing.AllocsPerRun(5, func() {
		if _, _, err := ParseGroup("g", bytes.NewReader(gin), func(g *Group) bool { return false }); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 6 {
		t.Errorf("%v allocations for 1000 rejected group lines", allocs)
	}
}

func TestParseOversize(t *testing.T) {
	r := io.LimitReader(&repeat{s: "g:x:1:" + strings.Repeat("m", 60000) + "\n"}, MaxFileSize+1)
	_, _, err := ParseGroup("/etc/group", r, nil)
	if err == nil || err.Error() != "/etc/group: read: larger than 33554432 bytes" {
		t.Errorf("got %v", err)
	}
}

// repeat reads s over and over.
type repeat struct {
	s   string
	off int
}

func (r *repeat) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.s[r.off:])
		n += c
		r.off = (r.off + c) % len(r.s)
	}
	return n, nil
}

func TestIndex(t *testing.T) {
	for _, s := range []string{"", ":", "a", "abcdefgh", "abcdefg:", "abcdefgh:", ";;;;;;;;:", "\x3b:\x3b", "a;b;c;d;e;f;g;h;i;:j",
		"\xba\xbb\x3b\x3a", "0123456789abcdef:", "01234567\x3a\x3b\x3a", "\xff\x00\x01,,\xfe\xff\xff\xff\x00"} {
		for _, c := range []byte{':', ',', 0, 0xff} {
			if got, want := index([]byte(s), c), strings.IndexByte(s, c); got != want {
				t.Errorf("index(%q, %q) = %d, want %d", s, c, got, want)
			}
		}
	}
}

func FuzzIndex(f *testing.F) {
	f.Add([]byte("a;b:c"), byte(':'))
	f.Fuzz(func(t *testing.T, b []byte, c byte) {
		if got, want := index(b, c), bytes.IndexByte(b, c); got != want {
			t.Errorf("index(%q, %q) = %d, want %d", b, c, got, want)
		}
	})
}

// The jail's root writes its /etc/group: one 32 MiB line "g:x:2001:a,a,..."
// made ReadJail hold 16M member strings, twice (the views and the copy
// kept for the wanted gid): 2 GB allocated and 13 s per login, as root,
// inside sshd for pam_jailme. Member names are capped per file, on one line
// or spread over many, and exactly the cap still parses.
func TestParseGroupMemberCap(t *testing.T) {
	members := func(n int) string { return strings.TrimSuffix(strings.Repeat("a,", n), ",") }
	keepAll := func(*Group) bool { return true }
	for _, c := range []struct{ name, in, err string }{
		{"one line", "g:x:2001:" + members(MaxGroupMembers+1) + "\n", "g:1: more than 1048576 group members in the file"},
		{"two lines", "g:x:2001:" + members(MaxGroupMembers/2) + "\nh:x:2002:" + members(MaxGroupMembers/2+1) + "\n", "g:2: more than 1048576 group members in the file"},
		{"at the cap, a trailing comma", "g:x:2001:" + members(MaxGroupMembers/2) + "\nh:x:2002:" + members(MaxGroupMembers/2) + ",\n", ""},
	} {
		_, _, err := ParseGroup("g", strings.NewReader(c.in), keepAll)
		if got := fmt.Sprint(err); (c.err == "" && err != nil) || (c.err != "" && got != c.err) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.err)
		}
	}
}

// The jail's root writes its passwd: 32 MiB of "+\n" were 16M NIS notices
// (5 GB allocated by one parse), each logged as a syslog line by every
// login to that jail (pam_jailme inside sshd, jailsh as root) and by
// jailsh -n. The first MaxNotices are kept and the rest counted in one.
func TestParseNoticeCap(t *testing.T) {
	nis := strings.Repeat("+\n-a\n", (32<<20)/5)
	n := strings.Count(nis, "\n")
	for _, parse := range []func() ([]Notice, error){
		func() ([]Notice, error) {
			_, ns, err := ParsePasswd("/etc/passwd", strings.NewReader(nis), nil)
			return ns, err
		},
		func() ([]Notice, error) {
			_, ns, err := ParseGroup("/etc/group", strings.NewReader(nis), nil)
			return ns, err
		},
	} {
		ns, err := parse()
		if err != nil {
			t.Fatal(err)
		}
		if len(ns) != MaxNotices+1 {
			t.Fatalf("%d notices for %d NIS lines, want %d", len(ns), n, MaxNotices+1)
		}
		last := ns[MaxNotices]
		if want := fmt.Sprintf("%d more NIS compat entries skipped, the last on this line", n-MaxNotices); last.Line != n || last.Text != want {
			t.Errorf("last notice %+v, want line %d %q", last, n, want)
		}
	}
}
