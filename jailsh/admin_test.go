package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/gate"
	"jailme.dev/jailme/internal/hostdb"
	"jailme.dev/jailme/internal/identity"
	"jailme.dev/jailme/internal/userdb"
)

func TestIsAdminForm(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want bool
	}{
		{[]string{"jailsh", "-t"}, true},
		{[]string{"jailsh", "--test-config"}, true},
		{[]string{"jailsh", "-n", "alice"}, true},
		{[]string{"jailsh", "--check", "alice"}, true},
		{[]string{"jailsh", "--audit"}, true},
		{[]string{"jailsh", "--audit", "--json"}, true},
		{[]string{"jailsh", "--json", "--audit"}, true},
		{[]string{"-jailsh", "-n", "alice"}, true},
		{[]string{"jailsh", "-T"}, true},
		{[]string{"jailsh", "-f", "/etc/jailme.conf.new", "-t"}, true},
		{[]string{"jailsh"}, false},
		{[]string{"-jailsh"}, false},
		{[]string{"jailsh", "-c", "-n"}, false},
		{[]string{"jailsh", "-c", "jailsh --audit"}, false},
		{[]string{"jailsh", "-x"}, true}, // a usage error, not a login
		{[]string{"jailsh", "-h"}, true},
		{[]string{"jailsh", "-nalice"}, true},
		{[]string{"jailsh", "--check=alice"}, true},
		{[]string{"jailsh", "-j", "web"}, false},
		{nil, false},
	} {
		if got := isAdminForm(tt.args); got != tt.want {
			t.Errorf("isAdminForm(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}

func TestParseAdmin(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want adminCmd
		err  bool
	}{
		{[]string{"-t"}, adminCmd{form: "test"}, false},
		{[]string{"--test-config"}, adminCmd{form: "test"}, false},
		{[]string{"-n", "alice"}, adminCmd{form: "check", user: "alice"}, false},
		{[]string{"--check", "root"}, adminCmd{form: "check", user: "root"}, false},
		{[]string{"--audit"}, adminCmd{form: "audit"}, false},
		{[]string{"--audit", "--json"}, adminCmd{form: "audit", json: true}, false},
		{[]string{"--json", "--audit"}, adminCmd{form: "audit", json: true}, false},
		{[]string{"-t", "x"}, adminCmd{}, true},
		{[]string{"-n"}, adminCmd{}, true},
		{[]string{"-n", ""}, adminCmd{}, true},
		{[]string{"-n", "-t"}, adminCmd{}, true},
		{[]string{"-n", "a", "b"}, adminCmd{}, true},
		{[]string{"--audit", "alice"}, adminCmd{}, true},
		{[]string{"--json"}, adminCmd{}, true},
		{[]string{"--json", "-n", "alice"}, adminCmd{}, true},
		{[]string{"-T"}, adminCmd{form: "dump"}, false},
		{[]string{"-f", "/etc/jailme.conf.new", "-t"}, adminCmd{form: "test", file: "/etc/jailme.conf.new", candidate: true}, false},
		{[]string{"-f", "/x.conf", "-n", "bob"}, adminCmd{form: "check", user: "bob", file: "/x.conf", candidate: true}, false},
		{[]string{"-f", "/x.conf", "--audit", "--json"}, adminCmd{form: "audit", json: true, file: "/x.conf", candidate: true}, false},
		{[]string{"-f", "relative.conf", "-t"}, adminCmd{form: "test", file: "relative.conf", candidate: true}, false},
		{[]string{"-f", "/x.conf"}, adminCmd{}, true},
		{[]string{"-t", "-f", "/x.conf"}, adminCmd{form: "test", file: "/x.conf", candidate: true}, false},
		{[]string{"-n", "bob", "-f", "/x.conf"}, adminCmd{form: "check", user: "bob", file: "/x.conf", candidate: true}, false},
		{[]string{"-f"}, adminCmd{}, true},
		{[]string{"-t", "-T"}, adminCmd{}, true},
		{[]string{"-h"}, adminCmd{}, true},
		{[]string{"-V"}, adminCmd{}, true},
		{[]string{"-nalice"}, adminCmd{}, true},
		{[]string{"--check=alice"}, adminCmd{}, true},
		{[]string{"--enroll", "alice", "web"}, adminCmd{form: "enroll", user: "alice", jail: "web"}, false},
		{[]string{"--dry-run", "--enroll", "alice", "web"}, adminCmd{form: "enroll", user: "alice", jail: "web", dryRun: true}, false},
		{[]string{"--unenroll", "alice", "web", "--purge"}, adminCmd{form: "unenroll", user: "alice", jail: "web", purge: true}, false},
		{[]string{"--enroll", "alice"}, adminCmd{}, true},
		{[]string{"--enroll", "alice", "web", "--purge"}, adminCmd{}, true},
		{[]string{"-t", "--dry-run"}, adminCmd{}, true},
	} {
		got, err := parseAdmin(tt.args)
		if (err != nil) != tt.err {
			t.Errorf("parseAdmin(%q) err = %v", tt.args, err)
			continue
		}
		if tt.want.file == "" {
			tt.want.file = confPath
		}
		if !tt.err && got != tt.want {
			t.Errorf("parseAdmin(%q) = %+v, want %+v", tt.args, got, tt.want)
		}
	}
}

// main sends the admin forms to admin for anyone (a non-root caller's run
// with root's privilege dropped first, so they read only what they could
// read anyway: /etc/shadow stays unreadable); the login path must never
// accept them.
func TestAdminFormsRefusedForNonRoot(t *testing.T) {
	for _, args := range [][]string{
		{"jailsh", "-n", "root"}, {"jailsh", "--check", "root"}, {"jailsh", "--audit"},
		{"jailsh", "--audit", "--json"}, {"jailsh", "--json", "--audit"}, {"jailsh", "-t"},
		{"jailsh", "--test-config"}, {"-jailsh", "-n", "root"}, {"jailsh", "-T"},
		{"jailsh", "-f", "/etc/shadow", "-t"},
	} {
		if !isAdminForm(args) {
			t.Errorf("isAdminForm(%q) = false", args)
		}
		if _, err := parseArgs(args); err == nil {
			t.Errorf("parseArgs(%q) accepted an admin form: a non-root caller would get an answer", args)
		}
	}
}

var rulePos = config.Pos{File: "/etc/jailme.conf", Line: 3, Col: 1}

func alice() identity.Host {
	return identity.Host{
		User:   userdb.User{Name: "alice", UID: 2001, GID: 2001, Home: "/home/alice", Shell: "/usr/local/sbin/jailsh"},
		Groups: []userdb.Group{{Name: "alice", GID: 2001}},
	}
}

func assigned(h identity.Host, jail string) *gate.Decision {
	r := config.Rule{Kind: config.ByUser, Subject: h.User.Name, Targets: []string{jail}, Pos: rulePos}
	return &gate.Decision{Host: h, HostKnown: true, Rule: &r, Jail: jail, Allowed: []string{jail}}
}

func denied(d *gate.Decision, rs ...identity.Denial) *gate.Decision {
	d.Outcome, d.Reasons = gate.Deny, rs
	return d
}

func TestReportAllowed(t *testing.T) {
	d := assigned(alice(), "web")
	d.Outcome = gate.Allow
	d.Cred = identity.Cred{Name: "alice", UID: 2001, GID: 2001, Home: "/home/alice", Shell: "/bin/zsh"}
	d.Verdict = identity.Verdict{
		Rows: []identity.Row{
			{What: "user", Host: "alice", Jail: "alice (/etc/passwd:12)", Applied: "alice"},
			{What: "uid", Host: "2001", Jail: "2001", Applied: "2001"},
			{What: "group", Host: "alice (2001)", Jail: "alice (2001) /etc/group:9", Applied: "yes"},
		},
	}
	r := report(d)
	r.Jail = "web (pid 4711 from /run/jails/web.pid)"
	r.Module = "session opened (jail web)"
	r.Plan = []planStep{{"no_new_privs", "no", "yes"}, {"seccomp", "none", "none"}}
	var b bytes.Buffer
	r.write(&b)
	out := b.String()
	for _, want := range []string{
		"user:         alice (uid 2001, login shell /usr/local/sbin/jailsh)\n",
		"rule:         /etc/jailme.conf:3:1: user alice web\n",
		"pam_jailme:   session opened (jail web)\n",
		"jail:         web (pid 4711 from /run/jails/web.pid)\n",
		"identity:\n",
		"alice (/etc/passwd:12)",
		"shell:        /bin/zsh\n",
		"confinement:\n",
		"no_new_privs",
		"verdict:      allowed\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "code=") {
		t.Errorf("allowed output names a code:\n%s", out)
	}
}

func TestReportDenied(t *testing.T) {
	deny := assigned(alice(), "web")
	deny.Rule.Targets, deny.Allowed, deny.Jail = []string{"deny"}, nil, ""
	for _, tt := range []struct {
		name  string
		d     *gate.Decision
		codes []string
	}{
		{"not assigned", denied(&gate.Decision{Host: alice(), HostKnown: true}, identity.Denial{Code: gate.CodeNotAssigned, Msg: "alice is not assigned"}), []string{"not-assigned"}},
		{"deny rule", denied(deny, identity.Denial{Code: gate.CodeAssignedDeny, Msg: "denied by this rule"}), []string{"assigned-deny"}},
		{"jail", denied(assigned(alice(), "web"), identity.Denial{Code: gate.CodeJail, Msg: "jail web: not running"}), []string{"jail"}},
		{"identity", denied(assigned(alice(), "web"),
			identity.Denial{Code: identity.ExtraGroup, Msg: `/etc/group:7: the jail makes alice a member of group "wheel" (gid 10) but the host does not`},
			identity.Denial{Code: identity.UIDAlias, Msg: "/etc/passwd:3: jail account toor has uid 2001 too (an alias of alice)"}),
			[]string{"extra-group", "uid-alias"}},
	} {
		tt.d.Cred.Shell = "/bin/sh" // never printed for a denial
		r := report(tt.d)
		var codes []string
		for _, rs := range r.Reasons {
			codes = append(codes, string(rs.Code))
		}
		if !reflect.DeepEqual(codes, tt.codes) {
			t.Errorf("%s: codes %q, want %q", tt.name, codes, tt.codes)
		}
		var b bytes.Buffer
		r.write(&b)
		out := b.String()
		if !strings.Contains(out, "verdict:      denied\n") || !strings.Contains(out, "shell:        -\n") {
			t.Errorf("%s: output:\n%s", tt.name, out)
		}
		for _, rs := range r.Reasons {
			if line := fmt.Sprintf("  code=%s: %s\n", rs.Code, rs.Msg); !strings.Contains(out, line) {
				t.Errorf("%s: output lacks %q:\n%s", tt.name, line, out)
			}
		}
	}
}

func TestReportLoginShellNotJailsh(t *testing.T) {
	h := alice()
	h.User.Shell = "/bin/bash"
	var b bytes.Buffer
	report(assigned(h, "web")).write(&b)
	if !strings.Contains(b.String(), "login shell /bin/bash: not jailsh, a login would stay on the host)") {
		t.Errorf("output:\n%s", b.String())
	}
}

func TestModuleLine(t *testing.T) {
	ign := &gate.Decision{Outcome: gate.Ignore, Reasons: []identity.Denial{{Code: gate.CodeNotJailed, Msg: "root is not a jailed user"}}}
	if got := moduleLine(ign); got != "ignored by pam_jailme: root is not a jailed user; the session opens on the host, whatever the config says" {
		t.Errorf("ignore: %q", got)
	}
	d := denied(assigned(alice(), "web"), identity.Denial{Code: gate.CodeShell, Msg: "m"})
	if got := moduleLine(d); got != "session refused: code=shell" {
		t.Errorf("deny: %q", got)
	}
}

func kinds(fs []finding) []string {
	var ks []string
	for _, f := range fs {
		ks = append(ks, f.Kind+"/"+f.Code)
	}
	return ks
}

func TestUserFindings(t *testing.T) {
	onHost := alice()
	onHost.User.Shell = "/bin/bash"
	ok := assigned(alice(), "web")
	ok.Outcome, ok.Cred.Shell = gate.Allow, "/bin/sh"
	shellMod := denied(assigned(onHost, "web"), identity.Denial{Code: gate.CodeShell, Msg: "s"})
	okOnHost := assigned(onHost, "web")
	okOnHost.Outcome = gate.Allow
	ids := denied(assigned(onHost, "web"), identity.Denial{Code: identity.MissingGroup, Msg: "m1"}, identity.Denial{Code: identity.GIDMismatch, Msg: "m2"})
	unassigned := denied(&gate.Decision{Host: alice(), HostKnown: true}, identity.Denial{Code: gate.CodeNotAssigned, Msg: "x"})
	ignored := &gate.Decision{Host: onHost, HostKnown: true, Outcome: gate.Ignore, Reasons: []identity.Denial{{Code: gate.CodeNotJailed, Msg: "not jailed"}}}
	dbErr := denied(assigned(alice(), "web"), identity.Denial{Code: gate.CodeJailDB, Msg: "jail web: /etc/passwd:3: 6 fields, want 7"})
	jailErr := denied(assigned(alice(), "web"), identity.Denial{Code: gate.CodeJail, Msg: "jail web: not running"})
	for _, tt := range []struct {
		name string
		mod  *gate.Decision
		ds   []*gate.Decision
		bad  map[string]bool
		want []string
	}{
		{"allowed", ok, []*gate.Decision{ok}, nil, []string{"allow/"}},
		{"shell", shellMod, []*gate.Decision{okOnHost}, nil, []string{"shell/shell", "allow/"}},
		{"denials", shellMod, []*gate.Decision{ids}, nil, []string{"shell/shell", "deny/missing-group", "deny/gid-mismatch"}},
		{"jailsh, no rule", unassigned, []*gate.Decision{unassigned}, nil, []string{"unassigned/not-assigned"}},
		{"ignored by the module", ignored, nil, nil, []string{"ignored/not-jailed"}},
		{"jail-db", dbErr, []*gate.Decision{dbErr}, nil, []string{"deny/jail-db"}},
		{"jail down: said once per jail", jailErr, []*gate.Decision{jailErr}, map[string]bool{"web": true}, nil},
	} {
		got := kinds(userFindings(tt.mod, tt.ds, tt.bad))
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestAliases(t *testing.T) {
	host := []userdb.User{{Name: "root", UID: 0}, {Name: "toor", UID: 0}, {Name: "bob", UID: 2002}, {Name: "alice", UID: 2001}}
	jail := []userdb.User{{Name: "root", UID: 0, Line: 1}, {Name: "alice", UID: 2001, Line: 2},
		{Name: "robert", UID: 2002, Line: 3}, {Name: "svc", UID: 999, Line: 4}}
	fs := aliases(jail, host)
	if len(fs) != 1 {
		t.Fatalf("aliases = %+v, want robert only", fs)
	}
	f := fs[0]
	if f.Kind != kindAlias || f.User != "bob" || *f.UID != 2002 || f.Account != "robert" ||
		f.Reason != "/etc/passwd:3: jail account robert has uid 2002, which is host user bob" {
		t.Errorf("got %+v", f)
	}
}

func TestCandidates(t *testing.T) {
	cfg, err := config.Parse("/etc/jailme.conf", []byte(`
user alice web
user mallory deny
group devs web
group ghosts web
group nobodies deny
default deny
jail web { path = "/srv/web"; }
`))
	if err != nil {
		t.Fatal(err)
	}
	all := []userdb.User{
		{Name: "root", UID: 0, GID: 0, Shell: "/bin/bash"},
		{Name: "bob", UID: 2002, GID: 3000, Shell: "/bin/bash"},        // primary group devs
		{Name: "carol", UID: 2003, GID: 2003, Shell: "/bin/bash"},      // supplementary member of devs
		{Name: "dan", UID: 2004, GID: 2004, Shell: "/usr/sbin/jailsh"}, // default rule
		{Name: "eve", UID: 2005, GID: 2005, Shell: "/bin/sh"},          // not reached
	}
	groups := func(name string) (*userdb.Group, error) {
		if name == "devs" {
			return &userdb.Group{Name: "devs", GID: 3000, Members: []string{"carol"}}, nil
		}
		return nil, fmt.Errorf("host group %q: %w", name, hostdb.ErrNoGroup)
	}
	names, optional, fs := candidates(cfg, all, groups)
	if want := []string{"alice", "bob", "carol", "dan", "mallory", "root"}; !reflect.DeepEqual(names, want) {
		t.Errorf("candidates = %q, want %q", names, want)
	}
	if !optional["mallory"] || !optional["root"] || optional["alice"] {
		t.Errorf("optional = %v, want mallory and root", optional)
	}
	if len(fs) != 1 || fs[0].Kind != kindHostGroup || fs[0].Rule != "/etc/jailme.conf:5:1" {
		t.Errorf("findings = %+v, want one host-group for ghosts", fs)
	}
}

func TestFindingLine(t *testing.T) {
	uid := uint32(2002)
	f := finding{Kind: kindDeny, User: "bob", UID: &uid, Jail: "web", Where: "pid:4711", Code: "extra-group",
		Rule: "/etc/jailme.conf:4:1", Reason: `/etc/group:7: the jail makes bob a member of group "wheel" (gid 10) but the host does not`}
	want := `jailsh: audit: deny user=bob uid=2002 jail=web where=pid:4711 code=extra-group rule=/etc/jailme.conf:4:1 ` +
		`reason="/etc/group:7: the jail makes bob a member of group \"wheel\" (gid 10) but the host does not"`
	if got := f.String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	root := uint32(0)
	f = finding{Kind: kindShell, User: "carol", UID: &root, Jail: "web", Shell: "/bin/bash", Code: "shell", Reason: "x"}
	if got := f.String(); got != "jailsh: audit: shell user=carol uid=0 jail=web shell=/bin/bash code=shell reason=x" {
		t.Errorf("got %s", got)
	}
}

func TestFindingsJSON(t *testing.T) {
	var b bytes.Buffer
	if err := writeFindings(&b, nil, true); err != nil || strings.TrimSpace(b.String()) != "[]" {
		t.Fatalf("empty audit: %q, %v; want []", b.String(), err)
	}
	uid := uint32(0)
	b.Reset()
	fs := []finding{
		{Kind: kindAlias, User: "root", UID: &uid, Jail: "web", Account: "admin", Code: "uid-alias", Reason: "r"},
		{Kind: kindJail, Jail: "gone", Code: "jail", Reason: "not running"},
	}
	if err := writeFindings(&b, fs, true); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("not one JSON array: %v\n%s", err, b.String())
	}
	want := []map[string]any{
		{"kind": "alias", "user": "root", "uid": float64(0), "jail": "web", "account": "admin", "code": "uid-alias", "reason": "r"},
		{"kind": "jail", "jail": "gone", "code": "jail", "reason": "not running"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	b.Reset()
	if err := writeFindings(&b, fs, false); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(b.String()), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "jailsh: audit: jail jail=gone ") {
		t.Errorf("text: %q", lines)
	}
}

func TestReportUnknownUser(t *testing.T) {
	d := denied(&gate.Decision{Host: identity.Host{User: userdb.User{Name: "nosuch"}}},
		identity.Denial{Code: gate.CodeHostUser, Msg: `user "nosuch": no such user`})
	var b bytes.Buffer
	report(d).write(&b)
	want := "user:         nosuch\nrule:         -\njail:         -\nshell:        -\nverdict:      denied\n" +
		"  code=host-user: user \"nosuch\": no such user\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestSSHDHoles(t *testing.T) {
	open := parseSSHDT([]byte("allowtcpforwarding yes\nallowstreamlocalforwarding all\nallowagentforwarding yes\n" +
		"x11forwarding no\npermittunnel no\ndisableforwarding no\nsubsystem sftp internal-sftp\nforcecommand none\n"))
	var got []string
	for _, h := range sshdHoles(open) {
		got = append(got, h.Code+"/"+h.Setting)
	}
	want := []string{"sshd-forwarding/allowtcpforwarding yes", "sshd-forwarding/allowstreamlocalforwarding all",
		"sshd-forwarding/allowagentforwarding yes", "sshd-sftp/subsystem sftp internal-sftp"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("holes %q\nwant  %q", got, want)
	}
	closed := parseSSHDT([]byte("allowtcpforwarding yes\ndisableforwarding yes\npermittunnel no\n" +
		"subsystem sftp /usr/lib/openssh/sftp-server\nforcecommand none\n"))
	if hs := sshdHoles(closed); len(hs) != 0 {
		t.Errorf("DisableForwarding yes and an external sftp-server: holes %+v", hs)
	}
	tun := parseSSHDT([]byte("disableforwarding yes\npermittunnel point-to-point\nforcecommand internal-sftp -d /x\n"))
	if hs := sshdHoles(tun); len(hs) != 2 || hs[0].Code != "sshd-tunnel" || hs[1].Code != "sshd-sftp" {
		t.Errorf("tunnel and forced internal-sftp: %+v", hs)
	}
}

func TestConfigWarnings(t *testing.T) {
	cfg, err := config.Parse("/etc/jailme.conf", []byte(`
user  alice  web
user  ghost  web
group nogroup web
jail web { pidfile = "/nonexistent/jailme/web.pid"; }
jail www { }
`))
	if err != nil {
		t.Fatal(err)
	}
	known := func(name string) error {
		if name == "alice" {
			return nil
		}
		return fmt.Errorf("%q: %w", name, hostdb.ErrNotFound)
	}
	ws := configWarnings(cfg, known, known)
	for _, want := range []string{
		"/etc/jailme.conf:3:1: user rule names ghost, whom the host does not know",
		"/etc/jailme.conf:4:1: group rule names nogroup, which the host does not know",
		"/etc/jailme.conf: no default rule",
		"/etc/jailme.conf:5:1: jail web", // the pidfile does not exist
		"/etc/jailme.conf:6:1: jail www names a FreeBSD jail",
	} {
		found := false
		for _, w := range ws {
			found = found || strings.HasPrefix(w, want)
		}
		if !found {
			t.Errorf("no warning %q in:\n%s", want, strings.Join(ws, "\n"))
		}
	}
	if len(ws) != 5 {
		t.Errorf("%d warnings, want 5:\n%s", len(ws), strings.Join(ws, "\n"))
	}
}

// -T prints a configuration that parses back to the same rules and jails.
func TestDumpConfigRoundTrip(t *testing.T) {
	in := `log required
user alice web build
user mallory deny
group devs build
default deny
jail web { pidfile = "/run/jails/web.pid"; allow_setuid = true; shell = "/bin/ksh"; }
jail build { machine = "build"; groups = subset; allow_root = true; users = directory; }
jail ftp { path = "/usr/jail/ftp"; }
jail d { docker = "web"; }
jail p { podman = "build"; }
jail o { oci = "c1"; oci_root = "/run/crun"; seccomp = none; }
jail l { lxc = "dev"; }
`
	cfg, err := config.Parse("/etc/jailme.conf", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	dumpConfig(&b, cfg)
	back, err := config.Parse("/etc/jailme.conf", b.Bytes())
	if err != nil {
		t.Fatalf("-T output does not parse: %v\n%s", err, b.String())
	}
	for i, r := range cfg.Rules {
		if back.Rules[i].String() != r.String() {
			t.Errorf("rule %d: %q, want %q", i, back.Rules[i], r)
		}
	}
	for name, j := range cfg.Jails {
		bj := *back.Jails[name]
		bj.Pos = j.Pos
		if bj != *j {
			t.Errorf("jail %s: %+v, want %+v", name, bj, *j)
		}
	}
	if back.HostLookupTimeout() != cfg.HostLookupTimeout() || back.LogRequired != cfg.LogRequired {
		t.Errorf("globals: %v %v, want %v %v", back.HostLookupTimeout(), back.LogRequired, cfg.HostLookupTimeout(), cfg.LogRequired)
	}
	if !strings.Contains(b.String(), "\tgroups = strict;\n") || !strings.Contains(b.String(), "\tallow_root = false;\n") ||
		!strings.Contains(b.String(), "\tusers = files;\n") || !strings.Contains(b.String(), "lookup_timeout 5\n") {
		t.Errorf("defaults not spelled out:\n%s", b.String())
	}
}

// The audit asks sshd once per group set unless a Match block names users.
func TestMatchesUsers(t *testing.T) {
	d := t.TempDir()
	write := func(name, text string) string {
		p := d + "/" + name
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("groups.conf", "Match Group jailme\n\tDisableForwarding yes\n")
	write("users.conf", "match User alice,bob\n\tX11Forwarding no\n")
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"Port 22\nMatch Group devs\n\tAllowTcpForwarding no\n", false},
		{"Match Address 10.0.0.0/8 User alice\n", true},
		{"Include " + d + "/groups.conf\n", false},
		{"Include " + d + "/*.conf\n", true},
	} {
		if got := matchesUsers(matchBlocks(write("sshd_config", tc.text), 0)); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.text, got, tc.want)
		}
	}
	if !matchesUsers(matchBlocks(d+"/missing", 0)) {
		t.Error("an unreadable config must mean: ask per user")
	}
}

func TestAloneOnLine(t *testing.T) {
	r := config.Rule{Kind: config.ByUser, Subject: "erin", Targets: []string{"enr"}, Pos: rulePos}
	for line, want := range map[string]bool{
		"user\terin\tenr\n":             true,
		"user erin enr; # added\n":      true,
		"user erin enr; user bob enr\n": false,
		"user erin enr web\n":           false,
		"jail enr { path = \"/\"; }\n":  false,
	} {
		if got := aloneOnLine(line, r); got != want {
			t.Errorf("aloneOnLine(%q) = %v, want %v", line, got, want)
		}
	}
}

// enroll copies the session's groups, not the host-only ones, and the
// jail's shell.
func TestJailAccount(t *testing.T) {
	h := identity.Host{User: userdb.User{Name: "erin", UID: 2010, GID: 2010, Home: "/home/erin", Shell: "/usr/sbin/jailsh"},
		Groups: []userdb.Group{{Name: "erin", GID: 2010}, {Name: "jailme", GID: 995}, {Name: "adm", GID: 4}, {Name: "devs", GID: 3000}}}
	cfg, err := config.Parse("t", []byte("host_groups adm\njail web { path = \"/\"; }\n"))
	if err != nil {
		t.Fatal(err)
	}
	a := jailAccount(h, cfg.Jails["web"], cfg)
	var names []string
	for _, g := range a.Groups {
		names = append(names, g.Name)
	}
	if strings.Join(names, ",") != "erin,devs" || a.User.Shell != "/bin/sh" {
		t.Fatalf("groups %v shell %s, want erin,devs and /bin/sh", names, a.User.Shell)
	}
}
