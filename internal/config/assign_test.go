package config

import (
	"strings"
	"testing"
)

func TestAssign(t *testing.T) {
	c, err := Parse("t.conf", []byte(`
group staff  web
group devs   build
default      ftp
jail web   { }
jail build { }
jail ftp   { }
group wheel  deny
user  alice  web
user  mallory deny
user  erin   build web ftp
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		user    string
		groups  []string
		kind    RuleKind
		subject string
		target  string // the targets, space-separated
		line    int
	}{
		{"user rule wins over earlier group rule", "alice", []string{"devs", "staff"}, ByUser, "alice", "web", 9},
		{"user deny wins over group", "mallory", []string{"staff"}, ByUser, "mallory", "deny", 10},
		{"first group in file order, not in caller order", "bob", []string{"devs", "staff"}, ByGroup, "staff", "web", 2},
		{"second group", "bob", []string{"devs"}, ByGroup, "devs", "build", 3},
		{"group deny", "carol", []string{"x", "wheel"}, ByGroup, "wheel", "deny", 8},
		{"default", "dave", []string{"users"}, ByDefault, "", "ftp", 4},
		{"default without groups", "dave", nil, ByDefault, "", "ftp", 4},
		{"names are case-sensitive", "Alice", []string{"Staff"}, ByDefault, "", "ftp", 4},
		{"several jails, in the rule's order", "erin", []string{"staff"}, ByUser, "erin", "build web ftp", 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := c.Assign(tt.user, tt.groups)
			if !ok {
				t.Fatal("no assignment")
			}
			r := a.Rule
			targets := strings.Join(r.Targets, " ")
			if r.Kind != tt.kind || r.Subject != tt.subject || targets != tt.target || r.Pos.Line != tt.line {
				t.Fatalf("rule = %+v, want %v %q -> %q at line %d", r, tt.kind, tt.subject, tt.target, tt.line)
			}
			if tt.target == "deny" {
				if !r.Denies() || len(a.Jails) != 0 {
					t.Errorf("deny assigned jails %+v", a.Jails)
				}
				return
			}
			var got []string
			for i, j := range a.Jails {
				if j != c.Jails[r.Targets[i]] {
					t.Errorf("jail %d = %+v, want %s", i, j, r.Targets[i])
				}
				got = append(got, j.Name)
			}
			if strings.Join(got, " ") != tt.target {
				t.Errorf("jails = %v, want %s", got, tt.target)
			}
		})
	}
}

func TestAssignNoDefault(t *testing.T) {
	c, err := Parse("t.conf", []byte("user alice web\njail web {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := c.Assign("bob", []string{"alice"}); ok {
		t.Errorf("Assign(bob) = %+v, want no assignment", a)
	}
	if a, ok := c.Assign("", nil); ok {
		t.Errorf("Assign(\"\") = %+v, want no assignment", a)
	}
	if a, ok := (&Config{}).Assign("alice", nil); ok {
		t.Errorf("empty config assigned %+v", a)
	}
}

// A Config not built by Parse may name a missing jail: that must not read
// as deny (no jails) nor as allowed.
func TestAssignMissingJailFailsClosed(t *testing.T) {
	c := &Config{Rules: []Rule{{Kind: ByUser, Subject: "alice", Targets: []string{"gone"}}}}
	if a, ok := c.Assign("alice", nil); ok {
		t.Errorf("Assign = %+v, want no assignment", a)
	}
}

func TestRuleTargets(t *testing.T) {
	const jails = "jail web {}\njail build {}\n"
	good := map[string]string{
		"user alice web build\n":     "user alice web build",
		"user alice web build;\n":    "user alice web build",
		"group devs build web # c\n": "group devs build web",
		"user alice deny\n":          "user alice deny",
	}
	for in, want := range good {
		c, err := Parse("t.conf", []byte(in+jails))
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if got := c.Rules[0].String(); got != want {
			t.Errorf("%q: rule %q, want %q", in, got, want)
		}
	}
	bad := map[string]string{
		"user alice web deny\n":    "deny stands alone",
		"user alice deny web\n":    "deny stands alone",
		"user alice web web\n":     "named twice",
		"user alice web nosuch\n":  `undefined jail "nosuch"`,
		"default web build\n":      "expected end of line",
		"user alice web ; build\n": "expected end of line",
		"user alice web {\n":       "expected a jail name",
	}
	for in, want := range bad {
		_, err := Parse("t.conf", []byte(in+jails))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
}
