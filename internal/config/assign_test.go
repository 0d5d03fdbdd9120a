package config

import "testing"

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
		target  string
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := c.Assign(tt.user, tt.groups)
			if !ok {
				t.Fatal("no assignment")
			}
			r := a.Rule
			if r.Kind != tt.kind || r.Subject != tt.subject || r.Target != tt.target || r.Pos.Line != tt.line {
				t.Fatalf("rule = %+v, want %v %q -> %q at line %d", r, tt.kind, tt.subject, tt.target, tt.line)
			}
			if tt.target == "deny" {
				if a.Jail != nil {
					t.Errorf("deny assigned jail %+v", a.Jail)
				}
			} else if a.Jail == nil || a.Jail != c.Jails[tt.target] {
				t.Errorf("jail = %+v, want %s", a.Jail, tt.target)
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
// as deny (Jail == nil) nor as allowed.
func TestAssignMissingJailFailsClosed(t *testing.T) {
	c := &Config{Rules: []Rule{{Kind: ByUser, Subject: "alice", Target: "gone"}}}
	if a, ok := c.Assign("alice", nil); ok {
		t.Errorf("Assign = %+v, want no assignment", a)
	}
}
