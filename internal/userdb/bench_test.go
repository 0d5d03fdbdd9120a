package userdb

import (
	"fmt"
	"strings"
	"testing"
)

var sizes = []int{1000, 10000, 100000}

// genPasswd makes a passwd file of n lines; "alice" (uid 1000) is the last
// user, so every line is read before the wanted one is found.
func genPasswd(n int) string {
	var b strings.Builder
	b.WriteString("root:x:0:0:root:/root:/bin/bash\n")
	for i := 1; i < n-1; i++ {
		fmt.Fprintf(&b, "user%d:x:%d:%d:User %d,,,:/home/user%d:/bin/bash\n", i, 10000+i, 10000+i, i, i)
	}
	b.WriteString("alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n")
	return b.String()
}

// genGroup makes a group file of n lines, each with a few members.
func genGroup(n int) string {
	var b strings.Builder
	b.WriteString("root:x:0:\n")
	for i := 1; i < n-1; i++ {
		fmt.Fprintf(&b, "group%d:x:%d:user%d,user%d,user%d\n", i, 10000+i, i, i+1, i+2)
	}
	b.WriteString("alice:x:1000:\n")
	return b.String()
}

func BenchmarkParsePasswd(b *testing.B) {
	for _, n := range sizes {
		in := genPasswd(n)
		b.Run(fmt.Sprintf("lines=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				users, _, err := ParsePasswd("p", strings.NewReader(in), func(u *User) bool {
					return u.Name == "alice" || u.UID == 1000
				})
				if err != nil || len(users) != 1 {
					b.Fatal(users, err)
				}
			}
		})
	}
}

func BenchmarkParseGroup(b *testing.B) {
	for _, n := range sizes {
		in := genGroup(n)
		b.Run(fmt.Sprintf("lines=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				groups, _, err := ParseGroup("g", strings.NewReader(in), func(g *Group) bool {
					return g.GID == 1000
				})
				if err != nil || len(groups) != 1 {
					b.Fatal(groups, err)
				}
			}
		})
	}
}
