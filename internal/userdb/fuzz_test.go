package userdb

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func FuzzParsePasswd(f *testing.F) {
	for _, s := range []string{
		"root:x:0:0:root:/root:/bin/bash\n",
		"# c\n\n+@nis\n-x\na:x:1:2:g,,,:/h:/s\nb::4294967294:0:::",
		"a:x:4294967295:0:::\n", "a:x:01:0:::\n", " a:x:1:1:::\n", "a:x:1:1::\x00:\n",
		"a:x:1:1:g\x1b:/:/bin/sh\r\n", "a:x:1:1:\t:/\x7f:\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		users, _, err := ParsePasswd("p", bytes.NewReader(in), nil)
		if err != nil {
			return
		}
		var out strings.Builder
		line := 0
		for _, u := range users {
			if u.Name == "" || u.UID == 1<<32-1 || u.GID == 1<<32-1 || u.Line <= line {
				t.Fatalf("bad record %+v", u)
			}
			line = u.Line
			for _, s := range []string{u.Name, u.Gecos, u.Home, u.Shell} {
				if strings.ContainsAny(s, ":\n\x00") {
					t.Fatalf("bad field %q in %+v", s, u)
				}
			}
			// What we use never carries a control character.
			for _, s := range []string{u.Name, u.Home, u.Shell} {
				if hasControl(s) {
					t.Fatalf("control character in %q of %+v", s, u)
				}
			}
			fmt.Fprintf(&out, "%s:x:%d:%d:%s:%s:%s\n", u.Name, u.UID, u.GID, u.Gecos, u.Home, u.Shell)
		}
		// What we print, we read back the same.
		again, _, err := ParsePasswd("p", strings.NewReader(out.String()), nil)
		if err != nil || len(again) != len(users) {
			t.Fatalf("round trip: %v, %d != %d records", err, len(again), len(users))
		}
		for i := range again {
			again[i].Line = users[i].Line
		}
		if !reflect.DeepEqual(again, users) {
			t.Fatalf("round trip:\n%+v\n%+v", users, again)
		}
		// keep sees the same records, and what it keeps is the same.
		odd, _, err := ParsePasswd("p", bytes.NewReader(in), func(u *User) bool { return u.UID%2 == 1 })
		var want []User
		for _, u := range users {
			if u.UID%2 == 1 {
				want = append(want, u)
			}
		}
		if err != nil || !reflect.DeepEqual(odd, want) {
			t.Fatalf("keep: %v\n%+v\n%+v", err, odd, want)
		}
	})
}

func FuzzParseGroup(f *testing.F) {
	for _, s := range []string{
		"root:x:0:\n", "wheel:x:10:root,alice\ntrail:x:11:a,\n",
		"# c\n\n+\n-x\ng:x:4294967294:a,b,c", "g:x:1:a,,b\n", "g:x:1:,\n", "g:x:-1:\n",
		"g:x:1:a\r\n", "g\x1b:x:1:\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		groups, _, err := ParseGroup("g", bytes.NewReader(in), nil)
		if err != nil {
			return
		}
		var out strings.Builder
		line := 0
		for _, g := range groups {
			if g.Name == "" || g.GID == 1<<32-1 || g.Line <= line {
				t.Fatalf("bad record %+v", g)
			}
			line = g.Line
			if hasControl(g.Name) {
				t.Fatalf("control character in %+v", g)
			}
			for _, m := range g.Members {
				if m == "" || strings.ContainsAny(m, ",:\n\x00") || hasControl(m) {
					t.Fatalf("bad member %q in %+v", m, g)
				}
			}
			fmt.Fprintf(&out, "%s:x:%d:%s\n", g.Name, g.GID, strings.Join(g.Members, ","))
		}
		again, _, err := ParseGroup("g", strings.NewReader(out.String()), nil)
		if err != nil || len(again) != len(groups) {
			t.Fatalf("round trip: %v, %d != %d records", err, len(again), len(groups))
		}
		for i := range again {
			again[i].Line = groups[i].Line
		}
		if !reflect.DeepEqual(again, groups) {
			t.Fatalf("round trip:\n%+v\n%+v", groups, again)
		}
		odd, _, err := ParseGroup("g", bytes.NewReader(in), func(g *Group) bool { return len(g.Members)%2 == 1 })
		var want []Group
		for _, g := range groups {
			if len(g.Members)%2 == 1 {
				want = append(want, g)
			}
		}
		if err != nil || !reflect.DeepEqual(odd, want) {
			t.Fatalf("keep: %v\n%+v\n%+v", err, odd, want)
		}
	})
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f {
			return true
		}
	}
	return false
}
