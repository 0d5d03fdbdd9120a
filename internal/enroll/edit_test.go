package enroll

import (
	"runtime"
	"strings"
	"testing"

	"jailme.dev/jailme/internal/userdb"
)

func alice() Account {
	return Account{
		User:   userdb.User{Name: "alice", UID: 2001, GID: 2001, Gecos: "Alice", Home: "/home/alice", Shell: "/bin/sh"},
		Groups: []userdb.Group{{Name: "alice", GID: 2001}, {Name: "devs", GID: 3000}},
	}
}

const basePasswd = "root:x:0:0:root:/root:/bin/sh\n"
const baseGroup = "root:x:0:\n"

func TestEditAddsAndIsIdempotent(t *testing.T) {
	a := alice()
	pe, err := EditPasswd([]byte(basePasswd), a)
	if err != nil {
		t.Fatal(err)
	}
	if want := basePasswd + "alice:x:2001:2001:Alice:/home/alice:/bin/sh\n"; string(pe.New) != want {
		t.Fatalf("passwd:\n%s\nwant\n%s", pe.New, want)
	}
	ge, err := EditGroup([]byte(baseGroup), a)
	if err != nil {
		t.Fatal(err)
	}
	if want := baseGroup + "alice:x:2001:\ndevs:x:3000:alice\n"; string(ge.New) != want {
		t.Fatalf("group:\n%s\nwant\n%s", ge.New, want)
	}
	pe2, err := EditPasswd(pe.New, a)
	if err != nil || pe2.New != nil || len(pe2.Changes) != 0 {
		t.Fatalf("second passwd edit: %v %q %v", err, pe2.New, pe2.Changes)
	}
	ge2, err := EditGroup(ge.New, a)
	if err != nil || ge2.New != nil || len(ge2.Changes) != 0 {
		t.Fatalf("second group edit: %v %q %v", err, ge2.New, ge2.Changes)
	}
}

func TestEditAddsMemberToExistingGroup(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"devs:x:3000:", "devs:x:3000:alice"},
		{"devs:x:3000:bob", "devs:x:3000:bob,alice"},
		{"devs:x:3000:bob,", "devs:x:3000:bob,alice"},
	} {
		ge, err := EditGroup([]byte(baseGroup+tc.line+"\n# end"), alice())
		if err != nil {
			t.Fatal(err)
		}
		want := baseGroup + tc.want + "\n# end\nalice:x:2001:\n"
		if string(ge.New) != want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.line, ge.New, want)
		}
	}
}

func TestEditRefusesConflicts(t *testing.T) {
	for _, tc := range []struct{ passwd, group, want string }{
		{"alice:x:2102:2001::/home/alice:/bin/sh\n", "", "/etc/passwd:2: alice has uid 2102 gid 2001 in the jail but uid 2001 gid 2001"},
		{"alice:x:2001:100::/home/alice:/bin/sh\n", "", "never rewrites"},
		{"bob:x:2001:2001::/home/bob:/bin/sh\n", "", "/etc/passwd:2: uid 2001 is the jail's account bob"},
		{"", "staff:x:3000:\n", "/etc/group:2: gid 3000 is group staff in the jail but devs on the host"},
		{"", "devs:x:3001:\n", "/etc/group:2: group devs has gid 3001 in the jail but 3000 on the host"},
		{"", "wheel:x:10:alice\n", "/etc/group:2: the jail makes alice a member of group wheel (gid 10)"},
	} {
		_, perr := EditPasswd([]byte(basePasswd+tc.passwd), alice())
		_, gerr := EditGroup([]byte(baseGroup+tc.group), alice())
		err := perr
		if err == nil {
			err = gerr
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}

func TestEditRefusesFieldsThatBreakTheFile(t *testing.T) {
	a := alice()
	a.User.Gecos = "Alice:0:0"
	if _, err := EditPasswd([]byte(basePasswd), a); err == nil {
		t.Fatal("a gecos with ':' was written")
	}
}

func TestPurgeRemovesOnlyWhatEnrollWrote(t *testing.T) {
	a := alice()
	pw := basePasswd + "alice:x:2001:2001:Alice:/home/alice:/bin/sh\n"
	gr := baseGroup + "alice:x:2001:\ndevs:x:3000:alice,bob\n"
	pe := PurgePasswd([]byte(pw), a)
	if string(pe.New) != basePasswd {
		t.Fatalf("passwd after purge: %q", pe.New)
	}
	ge := PurgeGroup([]byte(gr), a)
	if want := baseGroup + "devs:x:3000:alice,bob\n"; string(ge.New) != want {
		t.Fatalf("group after purge: %q, want %q (a group others use stays)", ge.New, want)
	}
	changed := "alice:x:2001:2001:Alice:/home/alice:/bin/bash\n"
	if pe := PurgePasswd([]byte(basePasswd+changed), a); pe.New != nil {
		t.Fatalf("an entry the jail changed was purged: %q", pe.New)
	}
}

func FuzzEditGroup(f *testing.F) {
	f.Add([]byte(baseGroup + "devs:x:3000:bob,\n"))
	f.Fuzz(func(t *testing.T, old []byte) {
		e, err := EditGroup(old, alice())
		if err != nil || e.New == nil {
			return
		}
		// What enroll writes must parse and agree: a second run is a no-op.
		e2, err := EditGroup(e.New, alice())
		if err != nil || e2.New != nil {
			t.Fatalf("not idempotent on %q: %v %q", old, err, e2.New)
		}
	})
}

// The jail's root writes its passwd and group, up to userdb.MaxFileSize,
// and enroll parses them as host root: every entry kept (32 MiB of
// "a:x:1:1::/:" lines were 2.8M users, 1.5 GB) and every line cut into a
// string (32 MiB of newlines were 33M strings, 3.5 GB for a purge).
// What an edit allocates stays a small multiple of the file.
func TestEditAllocationIsBounded(t *testing.T) {
	fill := func(line string) []byte {
		return []byte(strings.Repeat(line, userdb.MaxFileSize/len(line)))
	}
	a := alice()
	for _, c := range []struct {
		name string
		file []byte
		edit func([]byte)
	}{
		{"passwd of aliases", fill("a:x:1:1::/:\n"), func(b []byte) { EditPasswd(b, a) }},
		{"passwd of alice's uid", fill("a:x:2001:1::/:\n"), func(b []byte) { EditPasswd(b, a) }},
		{"group of newlines", fill("\n"), func(b []byte) { EditGroup(b, a) }},
		{"group of devs", fill("devs:x:3000:\n"), func(b []byte) { EditGroup(b, a) }},
		{"group of aliases", fill("a:x:1:\n"), func(b []byte) { EditGroup(b, a) }},
		{"purge passwd of newlines", fill("\n"), func(b []byte) { PurgePasswd(b, a) }},
		{"purge group of newlines", fill("\n"), func(b []byte) { PurgeGroup(b, a) }},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		c.edit(c.file)
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > 4*userdb.MaxFileSize {
			t.Errorf("%s: %d MiB allocated for a %d MiB file", c.name, got>>20, len(c.file)>>20)
		}
	}
}
