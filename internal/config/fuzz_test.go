package config

import (
	"os"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte("user alice web\ngroup devs build\ndefault deny\n" +
		"jail web { pidfile = \"/run/web.pid\"; groups = strict; }\n" +
		"jail build { machine = \"build\"; groups = subset; allow_root = false }\n"))
	f.Add([]byte("jail a { jid = 3; shell = \"/bin/\\\"sh\\\\\"; }\ndefault a\n"))
	f.Add([]byte("jail a {\n path = \"/x\"\n}\nuser u a;\n.include \"/x/*.conf\"\n"))
	if b, err := os.ReadFile("../../etc/jailme.conf"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.conf", data)
		if err != nil {
			if c != nil {
				t.Fatal("config returned with error")
			}
			return
		}
		if len(c.Order) != len(c.Jails) {
			t.Fatalf("Order %v vs %d jails", c.Order, len(c.Jails))
		}
		for _, name := range c.Order {
			j := c.Jails[name]
			if j == nil || j.Name != name || name == "deny" || !validName(name) {
				t.Fatalf("bad jail %q: %+v", name, j)
			}
			n := 0
			for _, set := range []bool{j.Pidfile != "", j.Machine != "", j.Path != "", j.JID != 0} {
				if set {
					n++
				}
			}
			if n > 1 || j.JID < 0 || (j.Groups != Strict && j.Groups != Subset) {
				t.Fatalf("inconsistent jail %+v", j)
			}
			for _, p := range []string{j.Pidfile, j.Path, j.Shell} {
				if p != "" && p[0] != '/' {
					t.Fatalf("relative path in %+v", j)
				}
			}
		}
		defaults := 0
		users := map[string]bool{}
		groups := map[string]bool{}
		for _, r := range c.Rules {
			for _, tg := range r.Targets {
				if !r.Denies() && c.Jails[tg] == nil {
					t.Fatalf("rule %+v names undefined jail", r)
				}
			}
			if r.Pos.Line < 1 || r.Pos.Col < 1 || r.Pos.File != "f.conf" {
				t.Fatalf("bad position %+v", r.Pos)
			}
			switch r.Kind {
			case ByDefault:
				defaults++
			case ByUser:
				if users[r.Subject] || !validName(r.Subject) {
					t.Fatalf("bad user rule %+v", r)
				}
				users[r.Subject] = true
			case ByGroup:
				if groups[r.Subject] || !validName(r.Subject) {
					t.Fatalf("bad group rule %+v", r)
				}
				groups[r.Subject] = true
			default:
				t.Fatalf("bad kind %+v", r)
			}
			if a, ok := c.Assign(r.Subject, []string{r.Subject}); !ok || (len(a.Jails) == 0) != a.Rule.Denies() {
				t.Fatalf("Assign(%q) = %+v, %v", r.Subject, a, ok)
			}
		}
		if defaults > 1 {
			t.Fatalf("%d default rules", defaults)
		}
	})
}
