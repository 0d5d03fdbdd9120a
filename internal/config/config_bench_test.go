package config

// The configuration at scale (issue 6): Parse + Assign for a jailme.conf of
// 1k, 10k and 100k assignments. Every login pays both (jailsh and
// pam_jailme load the file each time), so they must stay linear in the
// file size and small at 10k.
//
//	go test ./internal/config -run '^$' -bench . -benchmem

import (
	"fmt"
	"strings"
	"testing"
)

const benchJails = 20

var benchRules = []int{1000, 10000, 100000}

// genConf: n rules, nine user rules for every group rule, the rule that
// matters last in its kind, then a default and the jail blocks.
func genConf(n int) []byte {
	var b strings.Builder
	b.WriteString("# generated for BenchmarkParseAssign\n")
	for i := 0; i < n-1; i++ {
		if i%10 == 9 {
			fmt.Fprintf(&b, "group\tgrp%d\tj%d\n", i, i%benchJails)
		} else {
			fmt.Fprintf(&b, "user\tuser%d\tj%d\n", i, i%benchJails)
		}
	}
	b.WriteString("default deny\n")
	for j := 0; j < benchJails; j++ {
		fmt.Fprintf(&b, "jail j%d { pidfile = \"/run/jails/j%d.pid\"; groups = strict; }\n", j, j)
	}
	return []byte(b.String())
}

// lastUser has the user rule nearest the end; groupUser has no user rule
// and 500 groups, the last of them named by the last group rule.
func benchSubjects(n int) (lastUser string, groupUser []string) {
	last := n - 2
	for last%10 == 9 {
		last--
	}
	lastGroup := n - 2
	for lastGroup%10 != 9 {
		lastGroup--
	}
	for k := 0; k < 499; k++ {
		groupUser = append(groupUser, fmt.Sprintf("nomatch%d", k))
	}
	groupUser = append(groupUser, fmt.Sprintf("grp%d", lastGroup))
	return fmt.Sprintf("user%d", last), groupUser
}

// BenchmarkParseAssign is one login's worth: parse the file, assign one
// user (by user rule, by group rule, by default).
func BenchmarkParseAssign(b *testing.B) {
	for _, n := range benchRules {
		data := genConf(n)
		lastUser, groups := benchSubjects(n)
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				c, err := Parse("jailme.conf", data)
				if err != nil {
					b.Fatal(err)
				}
				if a, ok := c.Assign(lastUser, []string{lastUser}); !ok || a.Rule.Kind != ByUser || len(a.Jails) == 0 {
					b.Fatalf("Assign(%s) = %+v, %v", lastUser, a, ok)
				}
				if a, ok := c.Assign("nobody-here", groups); !ok || a.Rule.Kind != ByGroup || len(a.Jails) == 0 {
					b.Fatalf("Assign(group user) = %+v, %v", a, ok)
				}
				if a, ok := c.Assign("stranger", nil); !ok || a.Rule.Kind != ByDefault || len(a.Jails) != 0 {
					b.Fatalf("Assign(stranger) = %+v, %v", a, ok)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/rule")
		})
	}
}

// BenchmarkAssign is Assign alone on the 10k-rule configuration.
func BenchmarkAssign(b *testing.B) {
	n := 10000
	c, err := Parse("jailme.conf", genConf(n))
	if err != nil {
		b.Fatal(err)
	}
	lastUser, groups := benchSubjects(n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := c.Assign(lastUser, []string{lastUser}); !ok {
			b.Fatal("no assignment")
		}
		if _, ok := c.Assign("nobody-here", groups); !ok {
			b.Fatal("no assignment")
		}
	}
}
