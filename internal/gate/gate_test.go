package gate

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/identity"
	"jailme.dev/jailme/internal/userdb"
)

const jailsh = "/usr/local/sbin/jailsh"

func TestIsJailsh(t *testing.T) {
	for _, tc := range []struct {
		shell, configured string
		want              bool
	}{
		{"/usr/local/sbin/jailsh", jailsh, true},
		{"/usr/sbin/jailsh", jailsh, true},
		{"/sbin/jailsh", jailsh, true},
		{"/opt/jailme/bin/jailsh", "/opt/jailme/bin/jailsh", true},
		// A path named jailsh is not jailsh: a user who sets their own
		// loginShell (FreeIPA self-service) chose what sshd runs.
		{"/opt/jailme/bin/jailsh", "", false},
		{"/home/alice/bin/jailsh", jailsh, false},
		{"/tmp/jailsh", "/usr/sbin/jailsh", false},
		{"/bin/bash", "/bin/bash", true},
		{"/bin/bash", jailsh, false},
		{"jailsh", jailsh, false},
		{"/usr/sbin/jailsh.old", jailsh, false},
		{"", jailsh, false},
		{"", "", false},
	} {
		if got := IsJailsh(tc.shell, tc.configured); got != tc.want {
			t.Errorf("IsJailsh(%q, %q) = %v", tc.shell, tc.configured, got)
		}
	}
}

// The example config's shape: deny by default, a deny rule, user and group
// rules, one user with two jails. No jail runs (the pidfiles do not exist):
// every decision that reaches a jail is refused with code jail, which is
// what tells it apart from one that never looked.
const conf = `
user  alice   web build
user  mallory deny
group devs    build
default deny
jail web   { pidfile = "/nonexistent/jailme-test/web.pid"; }
jail build { pidfile = "/nonexistent/jailme-test/build.pid"; }
`

func mkHost(name string, uid uint32, shell string, groups ...string) identity.Host {
	h := identity.Host{User: userdb.User{Name: name, UID: uid, GID: uid, Shell: shell}}
	h.Groups = append(h.Groups, userdb.Group{Name: name, GID: uid})
	for i, g := range groups {
		h.Groups = append(h.Groups, userdb.Group{Name: g, GID: 3000 + uint32(i)})
	}
	return h
}

func TestDecide(t *testing.T) {
	cfg, err := config.Parse("/etc/jailme.conf", []byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	broken := errors.New("/etc/jailme.conf: writable by group or others (mode 0666)")
	root := mkHost("root", 0, "/bin/bash")
	plain := mkHost("plain", 3001, "/bin/bash")
	mallory := mkHost("mallory", 2010, "/bin/bash")
	henry := mkHost("henry", 2009, jailsh)
	aliceJ := mkHost("alice", 2001, jailsh)
	aliceB := mkHost("alice", 2001, "/bin/bash")
	gina := mkHost("gina", 2008, "/bin/zsh", "devs")
	ginaOwn := mkHost("gina", 2008, "/home/gina/bin/jailsh", "devs")
	mod := Request{Asker: Module, Jailsh: jailsh}
	warn := Request{Asker: Module, Jailsh: jailsh, ShellCheck: ShellWarn}
	sh := Request{Asker: Jailsh}
	for _, tc := range []struct {
		name    string
		f       Facts
		req     Request
		outcome Outcome
		code    string
		jail    string
		warn    string // a warning containing this
	}{
		// The lockout (issue 10): root and host users under "default deny".
		{"module ignores root", Facts{Host: root, Config: cfg}, mod, Ignore, "not-jailed", "", ""},
		{"module ignores a bash user", Facts{Host: plain, Config: cfg}, mod, Ignore, "not-jailed", "", ""},
		{"module ignores a deny rule's bash user", Facts{Host: mallory, Config: cfg}, mod, Ignore, "not-jailed", "", ""},
		{"module ignores root with a broken config", Facts{Host: root, ConfigErr: broken}, mod, Ignore, "not-jailed", "", "configuration unusable"},
		{"module decides a jailsh user with a broken config", Facts{Host: henry, ConfigErr: broken}, mod, Deny, "config", "", ""},
		// su under ulimit -n: the caller can make the config unreadable
		// (rB); that must not make the module step aside for a bash user
		// a rule may jail. Root still passes.
		{"module refuses a bash user when the config read ran out of fds", Facts{Host: aliceB, ConfigErr: fmt.Errorf("/etc/jailme.conf: %w", syscall.EMFILE)}, mod, Deny, "config", "", ""},
		{"module ignores root when the config read ran out of fds", Facts{Host: root, ConfigErr: fmt.Errorf("/etc/jailme.conf: %w", syscall.EMFILE)}, mod, Ignore, "not-jailed", "", ""},
		{"module refuses a jailsh user the default denies", Facts{Host: henry, Config: cfg}, mod, Deny, "assigned-deny", "", ""},
		{"module refuses an unknown user", Facts{HostErr: errors.New(`user "x": no such user`)}, mod, Deny, "host-user", "", ""},
		// Jailed users are decided as jailsh would, plus the shell check.
		{"module checks every jail of a rule's jailsh user", Facts{Host: aliceJ, Config: cfg}, mod, Deny, "jail", "web", ""},
		{"module: rule-jailed bash user, shell_check=deny", Facts{Host: aliceB, Config: cfg}, mod, Deny, "jail,shell", "web", ""},
		{"module: rule-jailed bash user, shell_check=warn", Facts{Host: aliceB, Config: cfg}, warn, Deny, "jail", "web", "shell_check=warn"},
		{"module: group rule jails a zsh user", Facts{Host: gina, Config: cfg}, mod, Deny, "jail,shell", "build", ""},
		// Her own program named jailsh (a loginShell users may set) is
		// what sshd would run: a host session. Allowed before.
		{"module: group rule jails a user whose shell is her own jailsh", Facts{Host: ginaOwn, Config: cfg}, mod, Deny, "jail,shell", "build", ""},
		{"module checks the selection it can see", Facts{Host: aliceJ, Config: cfg}, Request{Asker: Module, Jailsh: jailsh, Jail: "build", SelectedBy: "JAILME_JAIL"}, Deny, "jail", "build", ""},
		// jailsh decides for whoever runs it.
		{"jailsh refuses root under default deny", Facts{Host: root, Config: cfg}, sh, Deny, "assigned-deny", "", ""},
		{"jailsh refuses a bash user under default deny", Facts{Host: plain, Config: cfg}, sh, Deny, "assigned-deny", "", ""},
		{"jailsh refuses with a broken config", Facts{Host: aliceJ, ConfigErr: broken}, sh, Deny, "config", "", ""},
		{"jailsh: the default jail is the rule's first", Facts{Host: aliceJ, Config: cfg}, sh, Deny, "jail", "web", ""},
		{"jailsh: -j build", Facts{Host: aliceJ, Config: cfg}, Request{Asker: Jailsh, Jail: "build", SelectedBy: "-j"}, Deny, "jail", "build", ""},
		{"jailsh: a jail not the user's", Facts{Host: gina, Config: cfg}, Request{Asker: Jailsh, Jail: "web", SelectedBy: "-j"}, Deny, "not-allowed", "web", ""},
		{"jailsh: an unknown jail", Facts{Host: aliceJ, Config: cfg}, Request{Asker: Jailsh, Jail: "nosuch", SelectedBy: "JAILME_JAIL"}, Deny, "not-allowed", "nosuch", ""},
		{"jailsh: a deny rule cannot be selected around", Facts{Host: mallory, Config: cfg}, Request{Asker: Jailsh, Jail: "web", SelectedBy: "-j"}, Deny, "assigned-deny", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.f, tc.req)
			defer d.Close()
			if d.Outcome != tc.outcome || d.Code() != tc.code || d.Jail != tc.jail {
				t.Fatalf("got %v code=%s jail=%q (%s), want %v code=%s jail=%q",
					d.Outcome, d.Code(), d.Jail, d.Reason(), tc.outcome, tc.code, tc.jail)
			}
			if len(d.Reasons) == 0 {
				t.Errorf("no reason given")
			}
			if d.Located != nil {
				t.Errorf("a refused decision holds its jail open")
			}
			if tc.warn != "" && !strings.Contains(strings.Join(d.Warnings, "\n"), tc.warn) {
				t.Errorf("warnings %q lack %q", d.Warnings, tc.warn)
			}
		})
	}
}

// A refusal for a jail the user may not enter lists the ones they may.
func TestNotAllowedListsJails(t *testing.T) {
	cfg, err := config.Parse("/etc/jailme.conf", []byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	d := Decide(Facts{Host: mkHost("alice", 2001, jailsh), Config: cfg}, Request{Asker: Jailsh, Jail: "ftp", SelectedBy: "-j"})
	if want := "alice may not enter jail ftp (/etc/jailme.conf:2:1: user alice web build); allowed: web, build"; d.Reason() != want {
		t.Errorf("reason %q\nwant   %q", d.Reason(), want)
	}
}

// Every jail the module checks for a user without a visible selection is
// named in the refusal, so the user learns about each.
func TestModuleNamesEveryJail(t *testing.T) {
	cfg, err := config.Parse("/etc/jailme.conf", []byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	d := Decide(Facts{Host: mkHost("alice", 2001, jailsh), Config: cfg}, Request{Asker: Module, Jailsh: jailsh})
	if len(d.Reasons) != 2 || !strings.HasPrefix(d.Reasons[0].Msg, "jail web: ") || !strings.HasPrefix(d.Reasons[1].Msg, "jail build: ") {
		t.Errorf("reasons %q", d.Reasons)
	}
}

func TestShellProblem(t *testing.T) {
	for _, tc := range []struct{ shell, want string }{
		{"/bin/bash", "login shell is /bin/bash, not jailsh: the session would not enter jail web"},
		{"jailsh", "login shell is jailsh, not jailsh at a path of root's (/usr/local/sbin/jailsh, /usr/sbin/jailsh, /sbin/jailsh): the session would not enter jail web"},
		{"/home/alice/bin/jailsh", "login shell is /home/alice/bin/jailsh, not jailsh at a path of root's (/usr/local/sbin/jailsh, /usr/sbin/jailsh, /sbin/jailsh): the session would not enter jail web"},
		{"/usr/sbin/jailsh.old", "login shell is /usr/sbin/jailsh.old, not jailsh: the session would not enter jail web"},
		{"", `login shell is "", not jailsh: the session would not enter jail web`},
	} {
		if got := shellProblem(tc.shell, jailsh, "web"); got != tc.want {
			t.Errorf("shellProblem(%q) = %q, want %q", tc.shell, got, tc.want)
		}
	}
}

// A user whose passwd entry is known but whose groups the name service did
// not give in time: the module steps aside only when groups cannot matter.
func TestDecideWithoutGroups(t *testing.T) {
	groupsLate := errors.New(`user "alice": groups of alice: the directory did not answer within 5s`)
	alice := identity.Host{User: userdb.User{Name: "alice", UID: 2001, GID: 2001, Shell: "/bin/bash"}}
	parse := func(s string) *config.Config {
		c, err := config.Parse("t.conf", []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	req := Request{Asker: Module, Jailsh: jailsh}
	for _, tc := range []struct {
		name   string
		f      Facts
		req    Request
		ignore bool
	}{
		{"no group rule", Facts{Host: alice, HostErr: groupsLate, Config: parse("default deny\n")}, req, true},
		// Issue 21: the host's own groups decide under an outage.
		{"a group rule jails, no local group of hers", Facts{Host: alice, HostErr: groupsLate, Config: parse("group devs web\njail web {}\n")}, req, true},
		{"a group rule jails her local group", Facts{Host: alice, HostErr: groupsLate, Config: parse("group devs web\njail web {}\n"),
			LocalGroups: []userdb.Group{{Name: "devs", GID: 3000}}}, req, false},
		{"local groups unreadable", Facts{Host: alice, HostErr: groupsLate, Config: parse("group devs web\njail web {}\n"),
			LocalErr: errors.New("/etc/group: EIO")}, req, false},
		{"a user deny rule decides", Facts{Host: alice, HostErr: groupsLate, Config: parse("user alice deny\ngroup devs web\njail web {}\n"),
			LocalGroups: []userdb.Group{{Name: "devs", GID: 3000}}}, req, true},
		{"root, a group rule names root's group", Facts{Host: identity.Host{User: userdb.User{Name: "root", Shell: "/bin/bash"}}, HostErr: groupsLate,
			Config: parse("group root web\njail web {}\n"), LocalGroups: []userdb.Group{{Name: "root"}}}, req, true},
		{"a group deny rule only", Facts{Host: alice, HostErr: groupsLate, Config: parse("group devs deny\n")}, req, true},
		{"a user rule jails her", Facts{Host: alice, HostErr: groupsLate, Config: parse("user alice web\njail web {}\n")}, req, false},
		{"config unusable", Facts{Host: alice, HostErr: groupsLate, ConfigErr: errors.New("bad")}, req, true},
		{"user unknown", Facts{HostErr: groupsLate, Config: parse("")}, req, false},
		{"jailsh shell", Facts{Host: identity.Host{User: userdb.User{Name: "alice", UID: 2001, Shell: jailsh}},
			HostErr: groupsLate, Config: parse("")}, req, false},
		{"jailsh asks", Facts{Host: alice, HostErr: groupsLate, Config: parse("")}, Request{Asker: Jailsh}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.f, tc.req)
			defer d.Close()
			if !tc.ignore {
				if d.Outcome != Deny || d.Code() != "host-user" {
					t.Fatalf("got %v code=%s, want deny code=host-user", d.Outcome, d.Code())
				}
				return
			}
			if d.Outcome != Ignore || len(d.Warnings) == 0 && d.Host.User.UID != 0 {
				t.Fatalf("got %v %q, want ignore with a warning", d.Outcome, d.Warnings)
			}
		})
	}
}

// Issue 21: uid 0 is never the module's business, whatever the rules say;
// a rule that would jail it is a warning. jailsh still refuses it.
func TestDecideRoot(t *testing.T) {
	cfg, err := config.Parse("t.conf", []byte("user root web\ngroup wheel web\ndefault web\njail web { pidfile = \"/nonexistent/web.pid\"; }\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []identity.Host{
		mkHost("root", 0, "/bin/bash"),
		mkHost("toor", 0, jailsh, "wheel"),
	} {
		d := Decide(Facts{Host: h, Config: cfg}, Request{Asker: Module, Jailsh: jailsh})
		if d.Outcome != Ignore || len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0], "would jail "+h.User.Name+" (uid 0)") {
			t.Errorf("%s: got %v %q, want ignore with one warning", h.User.Name, d.Outcome, d.Warnings)
		}
		d = Decide(Facts{Host: h, Config: cfg}, Request{Asker: Jailsh})
		if d.Outcome != Deny {
			t.Errorf("%s: jailsh got %v, want deny", h.User.Name, d.Outcome)
		}
	}
}

// Issue 21: a gid without a group entry refuses only a jailed user.
func TestDecideUnnamedGID(t *testing.T) {
	cfg, err := config.Parse("t.conf", []byte("user alice web\ngroup devs web\ndefault deny\njail web { pidfile = \"/nonexistent/web.pid\"; }\n"))
	if err != nil {
		t.Fatal(err)
	}
	dangling := func(name string, shell string) identity.Host {
		h := mkHost(name, 2001, shell)
		h.Groups[0].Name = "" // primary gid 2001 has no entry
		return h
	}
	d := Decide(Facts{Host: dangling("bob", "/bin/bash"), Config: cfg}, Request{Asker: Module, Jailsh: jailsh})
	if d.Outcome != Ignore {
		t.Errorf("host user: got %v %s, want ignore", d.Outcome, d.Reason())
	}
	d = Decide(Facts{Host: dangling("alice", jailsh), Config: cfg}, Request{Asker: Module, Jailsh: jailsh})
	if d.Outcome != Deny || !strings.Contains(d.Reason(), "gid 2001 of alice has no group entry") {
		t.Errorf("jailed user: got %v %s, want deny naming the gid", d.Outcome, d.Reason())
	}
}

// Issue 21: a uid is jailed under every name. The module sees PAM_USER's
// name; when the uid's own entry (Owner) or the name is a jailed user, the
// session is refused.
func TestDecideUIDAlias(t *testing.T) {
	cfg, err := config.Parse("t.conf", []byte("user carol web\ndefault deny\njail web { pidfile = \"/nonexistent/web.pid\"; }\n"))
	if err != nil {
		t.Fatal(err)
	}
	alias := func(name, shell string, owner userdb.User) identity.Host {
		h := mkHost(name, owner.UID, shell)
		h.Owner = &owner
		return h
	}
	alice := userdb.User{Name: "alice", UID: 1500, Shell: jailsh}
	carol := userdb.User{Name: "carol", UID: 1600, Shell: "/bin/bash"}
	plain := userdb.User{Name: "plain", UID: 1700, Shell: "/bin/bash"}
	for _, tc := range []struct {
		h    identity.Host
		want Outcome
	}{
		{alias("alice2", "/bin/sh", alice), Deny},   // owner's shell is jailsh
		{alias("carol2", "/bin/sh", carol), Deny},   // owner's user rule jails
		{alias("plain2", jailsh, plain), Deny},      // the alias itself is jailed
		{alias("plain3", "/bin/sh", plain), Ignore}, // nobody jailed
		{alias("carol", "/bin/bash", plain), Deny},  // the name's own rule jails
	} {
		d := Decide(Facts{Host: tc.h, Config: cfg}, Request{Asker: Module, Jailsh: jailsh})
		d.Close()
		if d.Outcome != tc.want || tc.want == Deny && d.Code() != "uid-alias" {
			t.Errorf("%s (uid of %s): got %v %s %s, want %v", tc.h.User.Name, tc.h.Owner.Name, d.Outcome, d.Code(), d.Reason(), tc.want)
		}
	}
}
