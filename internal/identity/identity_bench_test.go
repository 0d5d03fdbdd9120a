//go:build linux || freebsd

package identity_test

// The identity check at scale (issue 6): the jail's passwd and group of
// 1k, 10k and 100k lines, read by fd through userdb.ReadJail and checked
// with identity.Check, for a host user in 500 groups. The wanted user is
// the last passwd line and its groups are spread over the whole group file,
// so every line is read and every kept group compared: the worst case.
//
//	go test ./internal/identity -run '^$' -bench . -benchmem
//
// Time should grow linearly with the file size (ns/line stays flat);
// make bench puts the 100k-line figure against its 20 ms target.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jailme.dev/jailme/internal/identity"
	"jailme.dev/jailme/internal/userdb"
)

const (
	benchUser   = "alice"
	benchUID    = 1000
	benchGroups = 500 // supplementary groups of the host user
)

var benchSizes = []int{1000, 10000, 100000}

// benchHost is alice on the host: primary group alice (1000) first, then
// 500 supplementary groups grp0..grp499 (gids 50000+k).
func benchHost() identity.Host {
	h := identity.Host{
		User:   userdb.User{Name: benchUser, UID: benchUID, GID: benchUID, Home: "/home/alice", Shell: "/usr/local/sbin/jailsh"},
		Groups: []userdb.Group{{Name: benchUser, GID: benchUID}},
	}
	for k := 0; k < benchGroups; k++ {
		h.Groups = append(h.Groups, userdb.Group{Name: fmt.Sprintf("grp%d", k), GID: uint32(50000 + k)})
	}
	return h
}

// writeJail makes DIR/etc/passwd and DIR/etc/group of n lines each.
// passwd: root, n-2 other users, alice last. group: root, alice's primary
// group, the 500 groups that list alice (among other members) spread evenly
// through the file, and filler groups of three members each.
func writeJail(tb testing.TB, dir string, n int) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "etc"), 0o755); err != nil {
		tb.Fatal(err)
	}
	var pw strings.Builder
	pw.WriteString("root:x:0:0:root:/root:/bin/sh\n")
	for i := 1; i < n-1; i++ {
		fmt.Fprintf(&pw, "user%d:x:%d:%d:User %d,,,:/home/user%d:/bin/sh\n", i, 100000+i, 100000+i, i, i)
	}
	fmt.Fprintf(&pw, "%s:x:%d:%d:Alice,,,:/home/alice:/bin/sh\n", benchUser, benchUID, benchUID)

	var gr strings.Builder
	gr.WriteString("root:x:0:\n")
	fmt.Fprintf(&gr, "%s:x:%d:\n", benchUser, benchUID)
	filler := n - 2 - benchGroups
	if filler < 0 {
		tb.Fatalf("n=%d: too small for %d groups", n, benchGroups)
	}
	every := filler / benchGroups
	k, f := 0, 0
	for line := 2; line < n; line++ {
		if k < benchGroups && (f >= every*(k+1) || filler-f == 0) {
			fmt.Fprintf(&gr, "grp%d:x:%d:user%d,%s,user%d\n", k, 50000+k, k+1, benchUser, k+2)
			k++
			continue
		}
		fmt.Fprintf(&gr, "filler%d:x:%d:user%d,user%d,user%d\n", f, 200000+f, f+1, f+2, f+3)
		f++
	}
	if k != benchGroups {
		tb.Fatalf("placed %d of %d groups", k, benchGroups)
	}
	for name, s := range map[string]string{"passwd": pw.String(), "group": gr.String()} {
		if err := os.WriteFile(filepath.Join(dir, "etc", name), []byte(s), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

func want(h identity.Host) userdb.Want {
	w := userdb.Want{Name: h.User.Name, UID: h.User.UID}
	for _, g := range h.Groups {
		w.GIDs = append(w.GIDs, g.GID)
	}
	return w
}

// BenchmarkReadJailCheck is what jailsh and pam_jailme do per login once
// the jail is pinned: ReadJail + Check.
func BenchmarkReadJailCheck(b *testing.B) {
	h := benchHost()
	w := want(h)
	for _, n := range benchSizes {
		dir := b.TempDir()
		writeJail(b, dir, n)
		root, err := os.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("lines=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				db, err := userdb.ReadJail(root, w)
				if err != nil {
					b.Fatal(err)
				}
				v := identity.Check(h, db, identity.Policy{Strict: true})
				if !v.Allowed() || len(v.Cred.Groups) != benchGroups+1 {
					b.Fatalf("not allowed with all groups: %v (%d groups)", v.Denials, len(v.Cred.Groups))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(2*n), "ns/line")
		})
		root.Close()
	}
}

// BenchmarkCheck is identity.Check alone, on what ReadJail kept from the
// 100k-line files (the user and 501 groups): it must not depend on the
// file size.
func BenchmarkCheck(b *testing.B) {
	h := benchHost()
	dir := b.TempDir()
	writeJail(b, dir, 100000)
	root, err := os.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	db, err := userdb.ReadJail(root, want(h))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if v := identity.Check(h, db, identity.Policy{Strict: true}); !v.Allowed() {
			b.Fatal(v.Denials)
		}
	}
}
