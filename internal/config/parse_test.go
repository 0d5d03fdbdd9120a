package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseGood(t *testing.T) {
	const f = "t.conf"
	tests := []struct {
		name  string
		in    string
		rules []Rule
		jails []Jail
	}{
		{name: "empty", in: ""},
		{name: "comments only", in: "# nothing\n\n   # here\n"},
		{
			name: "full",
			in: `# comment to end of line
user  alice  web          # users first
group devs   build
default deny
jail web   { pidfile = "/run/jails/web.pid"; groups = strict; }
jail build { machine = "build"; groups = subset; allow_root = false; }
jail ftp   { path = "/usr/jail/ftp"; }
jail www   { }
jail three { jid = 3; allow_setuid = yes; allow_root = true; shell = "/bin/ksh" }
jail d { docker = web; }
jail p { podman = "web-1"; }
jail o { oci = c1; oci_root = "/run/crun/"; }
jail l { lxc = web; }
jail c1 { containerd = "k8s.io/abc"; }
jail c2 { containerd = web; }
`,
			rules: []Rule{
				{ByUser, "alice", []string{"web"}, Pos{f, 2, 1}},
				{ByGroup, "devs", []string{"build"}, Pos{f, 3, 1}},
				{ByDefault, "", []string{"deny"}, Pos{f, 4, 1}},
			},
			jails: []Jail{
				{Name: "web", Pidfile: "/run/jails/web.pid", Groups: Strict, Pos: Pos{f, 5, 1}},
				{Name: "build", Machine: "build", Groups: Subset, Pos: Pos{f, 6, 1}},
				{Name: "ftp", Path: "/usr/jail/ftp", Pos: Pos{f, 7, 1}},
				{Name: "www", Pos: Pos{f, 8, 1}},
				{Name: "three", JID: 3, AllowSetuid: true, AllowRoot: true, Shell: "/bin/ksh", Pos: Pos{f, 9, 1}},
				{Name: "d", Docker: "web", Pos: Pos{f, 10, 1}},
				{Name: "p", Podman: "web-1", Pos: Pos{f, 11, 1}},
				{Name: "o", OCI: "c1", OCIRoot: "/run/crun", Pos: Pos{f, 12, 1}},
				{Name: "l", LXC: "web", Pos: Pos{f, 13, 1}},
				{Name: "c1", Containerd: "k8s.io/abc", Pos: Pos{f, 14, 1}},
				{Name: "c2", Containerd: "default/web", Pos: Pos{f, 15, 1}},
			},
		},
		{
			name: "rules before and after jails, body over lines, no trailing newline",
			in:   "jail a\n{\n\tpath =\n\t\t\"/j/a\"\n\t;\n\tgroups = subset\n}\nuser bob.x@ad-1 a;\ngroup wheel b\njail b { machine = m_1; };\ndefault a",
			rules: []Rule{
				{ByUser, "bob.x@ad-1", []string{"a"}, Pos{f, 8, 1}},
				{ByGroup, "wheel", []string{"b"}, Pos{f, 9, 1}},
				{ByDefault, "", []string{"a"}, Pos{f, 11, 1}},
			},
			jails: []Jail{
				{Name: "a", Path: "/j/a", Groups: Subset, Pos: Pos{f, 1, 1}},
				{Name: "b", Machine: "m_1", Pos: Pos{f, 10, 1}},
			},
		},
		{
			name:  "escapes, CRLF, cleaned path, quoted names",
			in:    "jail \"q\" { path = \"/a b/\\\"c\\\\//\"; }\r\nuser \"u\" \"deny\"\r\n",
			rules: []Rule{{ByUser, "u", []string{"deny"}, Pos{f, 2, 1}}},
			jails: []Jail{{Name: "q", Path: `/a b/"c\`, Pos: Pos{f, 1, 1}}},
		},
		{
			name: "keywords as names",
			in:   "user user default\ngroup group jail\njail default {}\njail jail {}\n",
			rules: []Rule{
				{ByUser, "user", []string{"default"}, Pos{f, 1, 1}},
				{ByGroup, "group", []string{"jail"}, Pos{f, 2, 1}},
			},
			jails: []Jail{{Name: "default", Pos: Pos{f, 3, 1}}, {Name: "jail", Pos: Pos{f, 4, 1}}},
		},
		{
			name: "user and group of the same name",
			in:   "user x deny\ngroup x deny\n",
			rules: []Rule{
				{ByUser, "x", []string{"deny"}, Pos{f, 1, 1}},
				{ByGroup, "x", []string{"deny"}, Pos{f, 2, 1}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(f, []byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if c.File != f {
				t.Errorf("File = %q", c.File)
			}
			if len(c.Rules) != 0 || len(tt.rules) != 0 {
				if !reflect.DeepEqual(c.Rules, tt.rules) {
					t.Errorf("Rules:\n got %+v\nwant %+v", c.Rules, tt.rules)
				}
			}
			var order []string
			for _, j := range tt.jails {
				order = append(order, j.Name)
				got, ok := c.Jails[j.Name]
				if !ok {
					t.Errorf("jail %s missing", j.Name)
					continue
				}
				if !reflect.DeepEqual(*got, j) {
					t.Errorf("jail %s:\n got %+v\nwant %+v", j.Name, *got, j)
				}
			}
			if len(c.Jails) != len(tt.jails) || !reflect.DeepEqual(c.Order, order) {
				t.Errorf("Order = %v, want %v", c.Order, order)
			}
		})
	}
}

func TestParseBad(t *testing.T) {
	tests := []struct{ in, err string }{
		// lexical
		{"user alice web!\n", `t.conf:1:15: unexpected character "!"`},
		{"user alice/x web\n", `t.conf:1:11: unexpected character "/" (paths are quoted: "/like/this")`},
		{"jail a { path = \"/x\n\"; }", "t.conf:1:17: unterminated string"},
		{"jail a { path = \"/x", "t.conf:1:17: unterminated string"},
		{`jail a { path = "/x\n"; }`, `t.conf:1:20: invalid escape in string (only \" and \\)`},
		{"jail a { path = \"/x\x01\"; }", `t.conf:1:20: control character "\x01" in string`},
		{"jail a { path = \"/x\xff\"; }", "t.conf:1:20: byte 0xff is not UTF-8 (the file must be UTF-8 text)"},
		{"\x00", `t.conf:1:1: unexpected character "\x00"`},
		// directives
		{"users alice web\n", `t.conf:1:1: unknown directive "users" (did you mean "user"?)`},
		{"frobnicate alice web\n", `t.conf:1:1: unknown directive "frobnicate"`},
		{"log maybe\n", `t.conf:1:5: log takes required or optional, not "maybe"`},
		{"log required\nlog optional\n", `t.conf:2:1: duplicate log directive (first at t.conf:1:1)`},
		{"jail a { pidfile = /run/a.pid; }\n", `t.conf:1:20: unexpected character "/" (paths are quoted: "/like/this")`},
		{"jail a { alow_root = yes; }\n", `t.conf:1:10: unknown key "alow_root" in jail a (did you mean "allow_root"?)`},
		{"\"user\" alice web\n", `t.conf:1:1: expected a directive, got string "user"`},
		{"{\n", `t.conf:1:1: expected a directive, got "{"`},
		{"user alice\n", "t.conf:1:11: expected a jail name or deny, got end of line"},
		{"user\n", "t.conf:1:5: expected user name, got end of line"},
		{"user alice web =\n", `t.conf:1:16: expected a jail name or end of line after user rule, got "="`},
		{"default web extra\n", `t.conf:1:13: expected end of line after default rule, got "extra"`},
		{"default\n", "t.conf:1:8: expected a jail name or deny, got end of line"},
		{"default deny deny\n", `t.conf:1:14: expected end of line after default rule, got "deny"`},
		{"user -alice deny\n", `t.conf:1:6: invalid user name "-alice"`},
		{"group .. deny\n", `t.conf:1:7: invalid group name ".."`},
		{"user \"a b\" deny\n", `t.conf:1:6: invalid user name "a b"`},
		{"user \"\" deny\n", `t.conf:1:6: invalid user name ""`},
		{"user a \"x/y\"\n", `t.conf:1:8: invalid jail name "x/y"`},
		{"user a " + strings.Repeat("x", 257) + "\n", `t.conf:1:8: invalid jail name "` + strings.Repeat("x", 257) + `"`},
		{".include \"/etc/jailme.d/*.conf\"\n", "t.conf:1:1: include not allowed here"},
		{"jail a { users = ldap; }\n", `t.conf:1:18: users must be files or directory, not "ldap"`},
		// lookup_timeout
		{"lookup_timeout\n", "t.conf:1:15: expected a number of seconds, got end of line"},
		{"lookup_timeout 0\n", `t.conf:1:16: lookup_timeout: "0" is not a number of seconds from 1 to 60`},
		{"lookup_timeout 61\n", `t.conf:1:16: lookup_timeout: "61" is not a number of seconds from 1 to 60`},
		{"lookup_timeout 5m\n", `t.conf:1:16: lookup_timeout: "5m" is not a number of seconds from 1 to 60`},
		{"lookup_timeout 5 6\n", `t.conf:1:18: expected end of line after lookup_timeout, got "6"`},
		{"lookup_timeout 5\nlookup_timeout 5\n", "t.conf:2:1: duplicate lookup_timeout"},
		// duplicates and references
		{"user alice deny\n\nuser alice deny\n", "t.conf:3:1: duplicate rule for user alice (first at t.conf:1:1)"},
		{"group devs deny\n  group devs deny\n", "t.conf:2:3: duplicate rule for group devs (first at t.conf:1:1)"},
		{"default deny\ndefault deny\n", "t.conf:2:1: duplicate default rule (first at t.conf:1:1)"},
		{"jail a {}\njail a {}\n", "t.conf:2:1: duplicate jail a (first at t.conf:1:1)"},
		{"jail a {}\nuser alice a\n group devs b\n", `t.conf:3:2: group rule names undefined jail "b"`},
		{"user alice web\n", `t.conf:1:1: user rule names undefined jail "web"`},
		{"default web\njail Web {}\n", `t.conf:1:1: default rule names undefined jail "web"`},
		// jail blocks
		{"jail deny {}\n", `t.conf:1:6: "deny" is reserved and cannot name a jail`},
		{"jail -a {}\n", `t.conf:1:6: invalid jail name "-a"`},
		{"jail a\n", "t.conf:2:1: expected { after jail a, got end of file"},
		{"jail a path = \"/x\"\n", `t.conf:1:8: expected { after jail a, got "path"`},
		{"jail a {\n", "t.conf:1:1: jail a: no } closes the block opened here"},
		{"jail a { ; }\n", `t.conf:1:10: expected a key or }, got ";"`},
		{"jail a { root = \"/x\"; }\n", `t.conf:1:10: unknown key "root" in jail a`},
		{"jail a { path \"/x\"; }\n", `t.conf:1:15: expected = after path, got string "/x"`},
		{"jail a { path = ; }\n", `t.conf:1:17: expected a value for path, got ";"`},
		{"jail a { path = \"/x\" groups = strict; }\n", `t.conf:1:22: expected ; after path value, got "groups"`},
		{"jail a { groups = strict; groups = subset; }\n", "t.conf:1:27: duplicate key groups in jail a (first at t.conf:1:10)"},
		{"jail a {\n pidfile = \"/p\";\n path = \"/x\";\n}\n", "t.conf:3:2: jail a: path and pidfile (at t.conf:2:2) both locate the jail; use one of pidfile, machine, docker, podman, oci, lxc, containerd, path, jid"},
		{"jail a { jid = 3; machine = m; }\n", "t.conf:1:19: jail a: machine and jid (at t.conf:1:10) both locate the jail; use one of pidfile, machine, docker, podman, oci, lxc, containerd, path, jid"},
		{"jail a { path = \"x\"; }\n", `t.conf:1:17: path must be an absolute path, not "x"`},
		{"jail a { pidfile = \"\"; }\n", `t.conf:1:20: pidfile must be an absolute path, not ""`},
		{"jail a { shell = sh; }\n", `t.conf:1:18: shell must be an absolute path, not "sh"`},
		{"jail a { path = \"/j/../etc\"; }\n", `t.conf:1:17: path must not contain "..": "/j/../etc"`},
		{"jail a { machine = \"a/b\"; }\n", `t.conf:1:20: invalid machine name "a/b"`},
		{"jail a { docker = \"a/b\"; }\n", `t.conf:1:19: invalid docker name "a/b"`},
		{"jail a { podman = \"..\"; }\n", `t.conf:1:19: invalid podman name ".."`},
		{"jail a { lxc = \"-x\"; }\n", `t.conf:1:16: invalid lxc name "-x"`},
		{"jail a { containerd = \"a/b/c\"; }\n", `t.conf:1:23: invalid containerd container "a/b/c" (want NAMESPACE/ID)`},
		{"jail a { containerd = \"/c\"; }\n", `t.conf:1:23: invalid containerd container "/c" (want NAMESPACE/ID)`},
		{"jail a { docker = web; podman = web; }\n", "t.conf:1:24: jail a: podman and docker (at t.conf:1:10) both locate the jail; use one of pidfile, machine, docker, podman, oci, lxc, containerd, path, jid"},
		{"jail a { oci = c1; lxc = c1; }\n", "t.conf:1:20: jail a: lxc and oci (at t.conf:1:10) both locate the jail; use one of pidfile, machine, docker, podman, oci, lxc, containerd, path, jid"},
		{"jail a { oci_root = \"/run/runc\"; docker = web; }\n", "t.conf:1:10: jail a: oci_root without oci"},
		{"jail a { oci = c1; oci_root = \"run/crun\"; }\n", `t.conf:1:31: oci_root must be an absolute path, not "run/crun"`},
		{"jail a { jid = 0; }\n", `t.conf:1:16: jid must be a positive integer, not "0"`},
		{"jail a { jid = -1; }\n", `t.conf:1:16: jid must be a positive integer, not "-1"`},
		{"jail a { jid = 03; }\n", `t.conf:1:16: jid must be a positive integer, not "03"`},
		{"jail a { jid = 2147483648; }\n", `t.conf:1:16: jid must be a positive integer, not "2147483648"`},
		{"jail a { jid = 1x; }\n", `t.conf:1:16: jid must be a positive integer, not "1x"`},
		{"jail a { groups = loose; }\n", `t.conf:1:19: groups must be strict or subset, not "loose"`},
		{"jail a { allow_root = 1; }\n", `t.conf:1:23: allow_root must be true, false, yes or no, not "1"`},
		{"jail a { allow_setuid = on; }\n", `t.conf:1:25: allow_setuid must be true, false, yes or no, not "on"`},
		{"jail a { } jail b { }\n", `t.conf:1:12: expected end of line after jail a, got "jail"`},
	}
	for _, tt := range tests {
		c, err := Parse("t.conf", []byte(tt.in))
		if err == nil {
			t.Errorf("Parse(%q) = %+v, want error %q", tt.in, c, tt.err)
			continue
		}
		if err.Error() != tt.err {
			t.Errorf("Parse(%q):\n got %q\nwant %q", tt.in, err, tt.err)
		}
		if c != nil {
			t.Errorf("Parse(%q) returned a config with its error", tt.in)
		}
	}
}

func TestStringers(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{Strict.String(), "strict"},
		{Subset.String(), "subset"},
		{GroupPolicy(7).String(), "GroupPolicy(7)"},
		{ByUser.String(), "user"},
		{ByGroup.String(), "group"},
		{ByDefault.String(), "default"},
		{RuleKind(9).String(), "RuleKind(9)"},
		{Pos{"/etc/jailme.conf", 3, 14}.String(), "/etc/jailme.conf:3:14"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestExampleConfig(t *testing.T) {
	c, err := Parse("../../etc/jailme.conf", mustRead(t, "../../etc/jailme.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := c.find(func(r Rule) bool { return r.Kind == ByDefault }); !ok || !r.Denies() {
		t.Errorf("example config should recommend default deny, has %+v", r)
	}
	for _, name := range []string{"web", "build", "ftp", "www"} {
		if c.Jails[name] == nil {
			t.Errorf("example config lacks jail %s", name)
		}
	}
}

func TestLogDirective(t *testing.T) {
	for in, want := range map[string]bool{"": false, "log optional\n": false, "log required\n": true, "log required;\n": true} {
		c, err := Parse("t.conf", []byte(in+"default deny\n"))
		if err != nil || c.LogRequired != want {
			t.Errorf("%q: LogRequired = %v, %v; want %v", in, c != nil && c.LogRequired, err, want)
		}
	}
}

func TestLookupTimeout(t *testing.T) {
	var none *Config
	if got := none.HostLookupTimeout(); got != DefaultLookupTimeout {
		t.Errorf("nil config: got %v", got)
	}
	for in, want := range map[string]time.Duration{"": DefaultLookupTimeout, "lookup_timeout 2\n": 2 * time.Second,
		"lookup_timeout 60s;\n": time.Minute} {
		c, err := Parse("t.conf", []byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.HostLookupTimeout(); got != want {
			t.Errorf("%q: got %v, want %v", in, got, want)
		}
	}
}

func TestUsersKey(t *testing.T) {
	c, err := Parse("t.conf", []byte("jail a { users = directory; }\njail b { users = files; }\njail c {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Jails["a"].Users != DirectoryUsers || c.Jails["b"].Users != FilesUsers || c.Jails["c"].Users != FilesUsers {
		t.Errorf("got %+v %+v %+v", c.Jails["a"], c.Jails["b"], c.Jails["c"])
	}
}

func TestHostGroups(t *testing.T) {
	c, err := Parse("t", []byte("host_groups adm wheel;\nhost_groups adm\ndefault deny\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.HostOnly("jailme") || !c.HostOnly("adm") || !c.HostOnly("wheel") || c.HostOnly("devs") {
		t.Fatalf("HostOnly: %v", c.HostGroups)
	}
	if _, err := Parse("t", []byte("host_groups -x\n")); err == nil {
		t.Fatal("invalid group name accepted")
	}
}

// Item 3 of issue 24: every error, the line a block opened, an encoding
// named as such.
func TestParseReportsEveryErrorAndWhereABlockOpened(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"jail ftp {\n\tpath = \"/srv/ftp\";\njail web { path = \"/srv/web\"; }\nuser alice web\n",
			"t.conf:1:1: jail ftp: no } closes the block opened here before \"jail\" at line 3"},
		{"\xef\xbb\xbfdefault deny\n", "t.conf:1:1: byte order mark (U+FEFF) at the start of the file: save it without one"},
		{"# caf\xe9\ndefault deny\n", "t.conf:1:6: byte 0xe9 is not UTF-8 (the file must be UTF-8 text)"},
		{"bogus 1\ndefault deny\nlog maybe\nuser -x web\n",
			"t.conf:1:1: unknown directive \"bogus\"\nt.conf:3:5: log takes required or optional, not \"maybe\"\nt.conf:4:6:"},
		{"jail a { pidfile = \"/x\"; bogus = 1; }\njail b { nope = 2; }\ndefault a\n",
			"t.conf:1:26: unknown key \"bogus\" in jail a\nt.conf:2:10: unknown key \"nope\" in jail b"},
	} {
		_, err := Parse("t.conf", []byte(tc.in))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Parse(%q):\n got %v\nwant %s...", tc.in, err, tc.want)
		}
	}
	var many strings.Builder
	for i := 0; i < 100; i++ {
		many.WriteString("bogus\n")
	}
	_, err := Parse("t.conf", []byte(many.String()))
	if n := strings.Count(err.Error(), "\n") + 1; n != maxErrors+1 {
		t.Errorf("%d lines of errors for 100 bad lines, want %d and a last line saying so", n, maxErrors+1)
	}
}

func TestSeccompKey(t *testing.T) {
	c, err := Parse("t.conf", []byte("jail a { seccomp = none; }\njail b { seccomp = init; }\njail c {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Jails["a"].Seccomp != SeccompNone || c.Jails["b"].Seccomp != SeccompInit || c.Jails["c"].Seccomp != SeccompInit {
		t.Errorf("got %+v %+v %+v", c.Jails["a"], c.Jails["b"], c.Jails["c"])
	}
	_, err = Parse("t.conf", []byte("jail a { seccomp = off; }\n"))
	if err == nil || err.Error() != `t.conf:1:20: seccomp must be init or none, not "off"` {
		t.Errorf("seccomp = off: %v", err)
	}
}
