//go:build linux && cgo

package main

// Tests of the built pam_jailme.so (JAILME_PAM_SO) under real Linux-PAM.
//
// TestPAM is root-only. It re-executes the test binary under unshare(1) in
// private mount, pid, uts and ipc namespaces and, only there: mounts a tmpfs
// on /run (the test tree: config, jails, PAM service files, a copy of the
// module) and on /dev (with our own /dev/log, so the syslog lines can be
// checked), and binds private copies of /etc/passwd and /etc/group that add
// the test users (uids 2000+) over the real ones. The real /etc is never
// written; the outer half checks it is unchanged.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/msteinert/pam/v2"
	"golang.org/x/sys/unix"
)

const nsEnv = "JAILME_PAM_TEST_NS"

// soPath is the module under test, or a skip.
func soPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("JAILME_PAM_SO")
	if p == "" {
		t.Skip("JAILME_PAM_SO is not set: build pam_jailme.so (make pam) and set JAILME_PAM_SO to its path")
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Fatalf("JAILME_PAM_SO: %v", err)
	}
	return abs
}

// TestSharedObject: the properties the hosts rely on. NODELETE: libpam
// dlclose()s modules at pam_end, and a Go runtime cannot be unloaded (its
// threads would run unmapped code). SONAME as the lead's build sets it. The
// six pam_sm_* entry points present, as C functions.
func TestSharedObject(t *testing.T) {
	so := soPath(t)
	out, err := exec.Command("readelf", "-d", so).CombinedOutput()
	if err != nil {
		t.Fatalf("readelf -d: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`\(FLAGS_1\)\s+Flags:.*\bNODELETE\b`).Match(out) {
		t.Errorf("readelf -d: no FLAGS_1 NODELETE:\n%s", out)
	}
	if !regexp.MustCompile(`\(SONAME\)\s+Library soname: \[pam_jailme\.so\]`).Match(out) {
		t.Errorf("readelf -d: SONAME is not pam_jailme.so:\n%s", out)
	}
	out, err = exec.Command("nm", "-D", "--defined-only", so).CombinedOutput()
	if err != nil {
		t.Fatalf("nm -D: %v\n%s", err, out)
	}
	for _, sym := range []string{"pam_sm_open_session", "pam_sm_close_session", "pam_sm_authenticate",
		"pam_sm_setcred", "pam_sm_acct_mgmt", "pam_sm_chauthtok"} {
		if !regexp.MustCompile(`(?m)^[0-9a-f]+ T ` + sym + `$`).Match(out) {
			t.Errorf("nm -D: %s is not exported as a function", sym)
		}
	}
}

// notRoot ends a test that needs root: a skip for a developer running go
// test alone, a failure under make test (JAILME_TEST_ROOT=1), which must not
// be green having left the module's real sessions untested.
func notRoot(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("JAILME_TEST_ROOT") == "1" {
		t.Fatalf("not root (JAILME_TEST_ROOT=1): %s", why)
	}
	t.Skipf("not root: %s", why)
}

// TestPAM drives the module through libpam in private namespaces.
func TestPAM(t *testing.T) {
	so := soPath(t)
	if os.Getuid() != 0 {
		notRoot(t, "TestPAM needs root to build mount namespaces, a root-owned config and test users")
	}
	if os.Getenv(nsEnv) != "1" {
		outer(t, so)
		return
	}
	fx := setup(t, so)
	t.Run("sessions", fx.testSessions)
	t.Run("silent", fx.testSilent)
	t.Run("no-syslog", fx.testNoSyslog)
	t.Run("other-entry-points", fx.testOtherEntryPoints)
	t.Run("fork", fx.testFork)
	t.Run("signal-mask", fx.testSignalMask)
	t.Run("sigpipe", fx.testSigpipe)
	t.Run("sequential", fx.testSequential)
	t.Run("no-fd-left", fx.testNoFDLeft)
	t.Run("stalled-syslog", fx.testStalledSyslog)
	t.Run("parallel", fx.testParallel)
	t.Run("sshd", fx.testSSHD)
	t.Run("su", fx.testSu)
	t.Run("stalled-syslog-root", fx.testStalledSyslogRoot)
	t.Run("fork-root", fx.testForkRoot)
	t.Run("su-caller-env", fx.testSuCallerEnv)
	t.Run("warning-escapes", fx.testWarningEscapes)
}

// outer re-executes TestPAM inside the namespaces and checks that the host's
// /etc/passwd, /etc/group and the pam.d files bound over inside are
// untouched afterwards.
func outer(t *testing.T, so string) {
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare(1) not found")
	}
	if out, err := exec.Command("unshare", "--mount", "--pid", "--fork", "--mount-proc", "true").CombinedOutput(); err != nil {
		t.Skipf("cannot create mount and pid namespaces here: %v %s", err, out)
	}
	before := fingerprint(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := []string{"--mount", "--pid", "--fork", "--mount-proc", "--uts", "--ipc",
		"--propagation", "private", "--", os.Args[0], "-test.run=^TestPAM$", "-test.v", "-test.count=1"}
	cmd := exec.CommandContext(ctx, "unshare", args...)
	cmd.Env = append(os.Environ(), nsEnv+"=1", "JAILME_PAM_SO="+so)
	out, err := cmd.CombinedOutput()
	t.Logf("inside the namespaces:\n%s", out)
	if err != nil {
		t.Errorf("TestPAM inside the namespaces: %v", err)
	}
	if after := fingerprint(t); after != before {
		t.Errorf("host /etc/passwd, /etc/group or /etc/pam.d changed: %s -> %s", before, after)
	}
}

func fingerprint(t *testing.T) string {
	h := sha256.New()
	for _, f := range []string{"/etc/passwd", "/etc/group", "/etc/pam.d/sshd", "/etc/pam.d/su"} {
		data, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		h.Write(data)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// ---------------------------------------------------------------------------
// The fixture, built inside the namespaces.

const top = "/run/jailme-pamtest"

type user struct {
	name  string
	uid   uint32
	shell string
}

// Host users, each with a primary group of the same name and number.
var hostUsers = []user{
	{"jmallow", 2001, "/usr/local/sbin/jailsh"},
	{"jmextra", 2002, "/usr/local/sbin/jailsh"},
	{"jmuidmis", 2003, "/usr/local/sbin/jailsh"},
	{"jmmissing", 2004, "/usr/local/sbin/jailsh"},
	{"jmbash", 2005, "/bin/bash"},
	{"jmfree", 2006, "/bin/bash"},
	{"jmdeny", 2007, "/usr/local/sbin/jailsh"},
	{"jmdead", 2008, "/usr/local/sbin/jailsh"},
	{"jmnopw", 2009, "/usr/local/sbin/jailsh"},
	{"jmalt", 2010, "/usr/sbin/jailsh"},
	{"jmsshx", 2011, "/bin/bash"},             // jmextra for sshd, which wants a shell that exists
	{"jmpid", 2012, "/usr/local/sbin/jailsh"}, // a jail with its own namespaces (testNoFDLeft)
	{"jmtoor", 0, "/usr/local/sbin/jailsh"},   // another name for uid 0, jailsh its login shell (testForkRoot)
}

// The jail's own passwd and group: jmuidmis has another uid there, jmmissing
// is absent, and the jail makes jmextra a member of a group the host does not.
const jailPasswd = `root:x:0:0:root:/root:/bin/sh
jmallow:x:2001:2001::/home/jmallow:/bin/sh
jmextra:x:2002:2002::/home/jmextra:/bin/sh
jmuidmis:x:2999:2003::/home/jmuidmis:/bin/sh
jmbash:x:2005:2005::/home/jmbash:/bin/sh
jmalt:x:2010:2010::/home/jmalt:/bin/sh
jmsshx:x:2011:2011::/home/jmsshx:/bin/sh
jmpid:x:2012:2012::/home/jmpid:/bin/sh
`

const jailGroup = `root:x:0:
jmallow:x:2001:
jmextra:x:2002:
jmuidmis:x:2003:
jmbash:x:2005:
jmalt:x:2010:
jmadm:x:2100:jmextra,jmsshx
jmsshx:x:2011:
jmpid:x:2012:
`

const configText = `# pam_jailme test configuration
user root      web
user jmallow   web nopw
user jmextra   web
user jmuidmis  web
user jmmissing web
user jmbash    web
user jmalt     web
user jmsshx    web
user jmdeny    deny
user jmdead    dead
user jmnopw    nopw
user jmpid     pidweb
jail web  { path = "` + top + `/jails/web"; }
jail dead { path = "` + top + `/jails/dead"; }
jail nopw { path = "` + top + `/jails/nopw"; }
jail pidweb { pidfile = "` + top + `/etc/web.pid"; }
`

// denyConfText is the shipped example's shape: default deny, no rule for
// root or jmfree. The module must step aside for them (issue 10).
var denyConfText = strings.Replace(configText, "user root      web\n", "", 1) + "default deny\n"

type fixture struct {
	so       string // the module, copied into the test tree
	confdir  string // PAM service files
	config   string // root-owned, good
	denyConf string // root-owned, default deny, no rule for root
	badConf  string // world-writable
	forkhost string
	log      *syslogSink
}

func setup(t *testing.T, origSO string) *fixture {
	if os.Getpid() != 1 {
		t.Fatalf("%s=1 but not pid 1 of a new pid namespace: refusing to mount anything", nsEnv)
	}
	soData, err := os.ReadFile(origSO)
	if err != nil {
		t.Fatal(err)
	}
	must(t, unix.Mount("jailme-pamtest-run", "/run", "tmpfs", 0, "mode=0755"))
	for _, d := range []string{top, top + "/lib", top + "/etc", top + "/pam.d", top + "/bad",
		top + "/jails", top + "/jails/web", top + "/jails/web/etc", top + "/jails/nopw", top + "/jails/nopw/etc"} {
		must(t, os.Mkdir(d, 0o755))
	}
	setupDev(t)
	fx := &fixture{
		so:       top + "/lib/pam_jailme.so",
		confdir:  top + "/pam.d",
		config:   top + "/etc/jailme.conf",
		denyConf: top + "/etc/deny.conf",
		badConf:  top + "/bad/jailme.conf",
		forkhost: top + "/lib/forkhost",
	}
	fx.log = listenSyslog(t, "/dev/log")
	writeFile(t, fx.so, string(soData), 0o644)
	writeFile(t, fx.config, configText, 0o644)
	writeFile(t, fx.badConf, configText, 0o666)
	writeFile(t, fx.denyConf, denyConfText, 0o644)
	writeFile(t, top+"/jails/web/etc/passwd", jailPasswd, 0o644)
	writeFile(t, top+"/jails/web/etc/group", jailGroup, 0o644)
	writeFile(t, top+"/jails/nopw/etc/group", jailGroup, 0o644) // and no passwd

	// Host users: private copies of passwd and group, bound over the real
	// ones in this mount namespace only.
	var pw, gr strings.Builder
	for _, u := range hostUsers {
		fmt.Fprintf(&pw, "%s:x:%d:%d::/home/%s:%s\n", u.name, u.uid, u.uid, u.name, u.shell)
		fmt.Fprintf(&gr, "%s:x:%d:\n", u.name, u.uid)
	}
	for _, f := range []struct{ real, extra string }{{"/etc/passwd", pw.String()}, {"/etc/group", gr.String()}} {
		data, err := os.ReadFile(f.real)
		must(t, err)
		priv := top + "/etc/" + filepath.Base(f.real)
		writeFile(t, priv, string(data)+f.extra, 0o644)
		must(t, unix.Mount(priv, f.real, "", unix.MS_BIND, ""))
	}

	out, err := exec.Command("cc", "-Wall", "-o", fx.forkhost, "testdata/forkhost.c", "-lpam").CombinedOutput()
	if err != nil {
		t.Fatalf("cc testdata/forkhost.c: %v\n%s", err, out)
	}
	return fx
}

// setupDev mounts a private /dev: the real one is a devtmpfs shared with the
// host, where a /dev/log of ours would be visible outside.
func setupDev(t *testing.T) {
	must(t, unix.Mount("jailme-pamtest-dev", "/dev", "tmpfs", unix.MS_NOSUID, "mode=0755"))
	for _, n := range []struct {
		name         string
		major, minor uint32
	}{{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}} {
		must(t, unix.Mknod("/dev/"+n.name, unix.S_IFCHR|0o666, int(unix.Mkdev(n.major, n.minor))))
		must(t, os.Chmod("/dev/"+n.name, 0o666))
	}
	must(t, os.Symlink("/proc/self/fd", "/dev/fd"))
}

// service writes a PAM service file. The session line's actions make all
// three outcomes visible to the application: success ends the stack with
// PAM_SUCCESS, a refusal ends it with the module's own code (die), and
// PAM_IGNORE falls through to pam_echo, which sends a marker message.
func (fx *fixture) service(t *testing.T, name string, args ...string) string {
	t.Helper()
	mod := fx.so
	text := fmt.Sprintf(`auth     optional %[1]s
auth     required pam_permit.so
account  optional %[1]s
account  required pam_permit.so
password optional %[1]s
session  [success=done ignore=ignore default=die] %[1]s %[2]s
session  required pam_echo.so %[3]s
`, mod, strings.Join(args, " "), ignoredMarker)
	writeFile(t, filepath.Join(fx.confdir, name), text, 0o644)
	return name
}

const ignoredMarker = "jailme-test: module returned PAM_IGNORE"

// result is what the application saw of one open_session.
type result struct {
	err    error
	close  error    // pam_close_session, if open succeeded
	errors []string // PAM_ERROR_MSG
	infos  []string // PAM_TEXT_INFO
}

// open runs pam_start, pam_open_session and, if it succeeded,
// pam_close_session, in this process through msteinert/pam.
func (fx *fixture) open(t *testing.T, service, user string, flags pam.Flags, env ...string) result {
	t.Helper()
	var r result
	var mu sync.Mutex
	conv := pam.ConversationFunc(func(s pam.Style, msg string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		switch s {
		case pam.ErrorMsg:
			r.errors = append(r.errors, msg)
		case pam.TextInfo:
			r.infos = append(r.infos, msg)
		default:
			return "", errors.New("unexpected prompt: " + msg)
		}
		return "", nil
	})
	tx, err := pam.StartConfDir(service, user, conv, fx.confdir)
	if err != nil {
		t.Fatalf("pam_start(%s, %s): %v", service, user, err)
	}
	defer tx.End()
	for _, kv := range env {
		if err := tx.PutEnv(kv); err != nil {
			t.Fatalf("pam_putenv(%s): %v", kv, err)
		}
	}
	r.err = tx.OpenSession(flags)
	if r.err == nil {
		r.close = tx.CloseSession(flags)
	}
	return r
}

// ---------------------------------------------------------------------------
// The cases.

func (fx *fixture) testSessions(t *testing.T) {
	cfg := "config=" + fx.config
	tests := []struct {
		name    string
		user    string
		args    []string
		want    error  // nil: PAM_SUCCESS
		ignored bool   // the module returned PAM_IGNORE
		codes   string // code= of the deny line, "" for an allow
		msg     string // in the message to the user and the log's reason
		env     []string
	}{
		{name: "allow", user: "jmallow", args: []string{cfg}},
		{name: "allow-basename", user: "jmalt", args: []string{cfg}},
		{name: "extra-group", user: "jmextra", args: []string{cfg}, want: pam.ErrPermDenied,
			codes: "extra-group", msg: `/etc/group:7: the jail makes jmextra a member of group "jmadm" (gid 2100) but the host does not`},
		{name: "uid-mismatch", user: "jmuidmis", args: []string{cfg}, want: pam.ErrPermDenied,
			codes: "uid-mismatch", msg: "/etc/passwd:4: jmuidmis has uid 2999 in the jail but 2003 on the host"},
		{name: "missing-user", user: "jmmissing", args: []string{cfg}, want: pam.ErrPermDenied,
			codes: "missing-user", msg: "user jmmissing does not exist in the jail (/etc/passwd)"},
		// Issue 21: a rule naming root is a LOG_ERR warning, never a
		// refusal; uid 0 is never the module's business.
		{name: "root", user: "root", args: []string{cfg, "shell_check=off"}, ignored: true},
		{name: "shell", user: "jmbash", args: []string{cfg}, want: pam.ErrPermDenied,
			codes: "shell", msg: "login shell is /bin/bash, not jailsh: the session would not enter jail web"},
		{name: "shell-warn", user: "jmbash", args: []string{cfg, "shell_check=warn"}},
		{name: "shell-off", user: "jmbash", args: []string{cfg, "shell_check=off"}},
		{name: "jailsh-arg", user: "jmbash", args: []string{cfg, "jailsh=/bin/bash"}},
		{name: "not-assigned", user: "jmfree", args: []string{cfg, "debug"}, ignored: true},
		// Root and host users under default deny, and under a broken or
		// missing config: the module steps aside (issue 10: the lockout).
		{name: "root-default-deny", user: "root", args: []string{"config=" + fx.denyConf}, ignored: true},
		{name: "bash-default-deny", user: "jmfree", args: []string{"config=" + fx.denyConf}, ignored: true},
		{name: "root-config-writable", user: "root", args: []string{"config=" + fx.badConf}, ignored: true},
		{name: "bash-config-writable", user: "jmfree", args: []string{"config=" + fx.badConf}, ignored: true},
		{name: "root-config-missing", user: "root", args: []string{"config=" + top + "/etc/nonexistent.conf"}, ignored: true},
		// Several jails (issue 18): the selection in the PAM environment is
		// checked; without one, any allowed jail lets the session open.
		{name: "select-default", user: "jmallow", args: []string{cfg}, env: []string{"JAILME_JAIL=web"}},
		{name: "select-broken", user: "jmallow", args: []string{cfg}, env: []string{"JAILME_JAIL=nopw"}, want: pam.ErrSession,
			codes: "jail-db", msg: "jail nopw"},
		{name: "select-not-allowed", user: "jmallow", args: []string{cfg}, env: []string{"JAILME_JAIL=dead"}, want: pam.ErrPermDenied,
			codes: "not-allowed", msg: "jmallow may not enter jail dead (" + fx.config + ":3:1: user jmallow web nopw); allowed: web, nopw"},
		{name: "assigned-deny", user: "jmdeny", args: []string{cfg}, want: pam.ErrPermDenied,
			codes: "assigned-deny", msg: "user jmdeny is denied by the user rule at " + fx.config + ":10:1"},
		{name: "dead-jail", user: "jmdead", args: []string{cfg}, want: pam.ErrSession,
			codes: "jail", msg: "jail dead"},
		{name: "no-jail-passwd", user: "jmnopw", args: []string{cfg}, want: pam.ErrSession,
			codes: "jail-db", msg: "jail nopw"},
		{name: "unknown-user", user: "jmnosuch", args: []string{cfg}, want: pam.ErrSession,
			codes: "host-user", msg: `user "jmnosuch"`},
		{name: "config-writable", user: "jmallow", args: []string{"config=" + fx.badConf}, want: pam.ErrSession,
			codes: "config", msg: fx.badConf},
		{name: "config-missing", user: "jmallow", args: []string{"config=" + top + "/etc/nonexistent.conf"},
			want: pam.ErrSession, codes: "config", msg: "nonexistent.conf"},
		{name: "unknown-arg", user: "jmallow", args: []string{cfg, "bogus", "config=relative"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := fx.service(t, "jm-"+tc.name, tc.args...)
			r := fx.open(t, svc, tc.user, 0, tc.env...)
			if !errors.Is(r.err, tc.want) || (tc.want == nil && r.err != nil) {
				t.Fatalf("pam_open_session = %v, want %v (messages %q)", r.err, errOrSuccess(tc.want), r.errors)
			}
			if got := slicesContains(r.infos, ignoredMarker); got != tc.ignored {
				t.Errorf("module returned PAM_IGNORE: %v, want %v", got, tc.ignored)
			}
			if tc.want == nil {
				// Linux-PAM replays open_session's return codes ("frozen
				// chain") at close_session: after PAM_IGNORE the close
				// runs into pam_echo, whose close returns PAM_IGNORE, and
				// libpam reports PAM_PERM_DENIED. Not the module's doing.
				if r.close != nil && !tc.ignored {
					t.Errorf("pam_close_session: %v", r.close)
				}
				if len(r.errors) != 0 {
					t.Errorf("messages to the user on success: %q", r.errors)
				}
				if !tc.ignored {
					fx.log.want(t, fmt.Sprintf("pam_jailme[%%d]: allow service=%s user=%s ", svc, tc.user))
				}
				return
			}
			// Refused: the user is told the exact reason, and syslog has
			// one deny line with the code and the same words.
			found := false
			for _, m := range r.errors {
				if strings.HasPrefix(m, "jailme: ") && strings.Contains(m, tc.msg) {
					found = true
				}
			}
			if !found {
				t.Errorf("messages %q: none is \"jailme: ...%s...\"", r.errors, tc.msg)
			}
			line := fx.log.want(t, fmt.Sprintf("pam_jailme[%%d]: deny service=%s user=%s ", svc, tc.user))
			if !strings.Contains(line, " code="+tc.codes+" ") {
				t.Errorf("deny line %q: want code=%s", line, tc.codes)
			}
			// A user NSS does not know has no uid: none is logged, never uid=0.
			if tc.user == "jmnosuch" && strings.Contains(line, " uid=") {
				t.Errorf("deny line %q: a uid for an unknown user", line)
			}
			if !strings.Contains(line, strings.Trim(strconv.Quote(tc.msg), `"`)) {
				t.Errorf("deny line %q: reason does not contain %q", line, tc.msg)
			}
		})
	}

	// What went to syslog through pam_syslog(3) rather than the audit line.
	fx.log.want(t, `pam_jailme(jm-shell-warn:session): user jmbash: login shell is /bin/bash, not jailsh: the session would not enter jail web (shell_check=warn)`)
	fx.log.want(t, `pam_jailme(jm-not-assigned:session): jmfree is not a jailed user: login shell /bin/bash is not jailsh and no rule names them: ignored`)
	fx.log.want(t, `pam_jailme(jm-root-config-writable:session): user root: configuration unusable, stepping aside for root (login shell `)
	fx.log.want(t, `pam_jailme(jm-unknown-arg:session): ignoring unknown or malformed argument "bogus"`)
	fx.log.want(t, `pam_jailme(jm-unknown-arg:session): ignoring unknown or malformed argument "config=relative"`)
}

func errOrSuccess(err error) any {
	if err == nil {
		return "PAM_SUCCESS"
	}
	return err
}

// testSilent: with PAM_SILENT the refusal is the same and logged, but
// nothing is sent through the conversation.
func (fx *fixture) testSilent(t *testing.T) {
	svc := fx.service(t, "jm-silent", "config="+fx.config)
	r := fx.open(t, svc, "jmextra", pam.Silent)
	if !errors.Is(r.err, pam.ErrPermDenied) {
		t.Fatalf("pam_open_session(PAM_SILENT) = %v, want %v", r.err, pam.ErrPermDenied)
	}
	if len(r.errors) != 0 || len(r.infos) != 0 {
		t.Errorf("PAM_SILENT: messages delivered: %q %q", r.errors, r.infos)
	}
	fx.log.want(t, "pam_jailme[%d]: deny service=jm-silent user=jmextra ")
}

// testNoSyslog: the logging contract (audit): without /dev/log the line
// is dropped (the host's stderr is not ours) and the session goes on, as
// sudo and doas go on; only log = required refuses (audit.Required).
func (fx *fixture) testNoSyslog(t *testing.T) {
	svc := fx.service(t, "jm-no-syslog", "config="+fx.config)
	must(t, os.Rename("/dev/log", "/dev/log.off"))
	r := fx.open(t, svc, "jmallow", 0)
	rd := fx.open(t, svc, "jmextra", 0)
	must(t, os.Rename("/dev/log.off", "/dev/log"))
	if r.err != nil || len(r.errors) != 0 {
		t.Errorf("pam_open_session without /dev/log = %v %q, want PAM_SUCCESS", r.err, r.errors)
	}
	if !errors.Is(rd.err, pam.ErrPermDenied) {
		t.Errorf("refused user without /dev/log: %v, want %v", rd.err, pam.ErrPermDenied)
	}
}

// testStalledSyslog: a syslog daemon that stopped reading (a /dev/log whose
// queue is full) delays a login by the send timeout, never hangs it.
func (fx *fixture) testStalledSyslog(t *testing.T) {
	svc := fx.service(t, "jm-stalled", "config="+fx.config)
	restore := stallSyslog(t)
	defer restore()
	for _, u := range []struct{ user, want string }{{"jmallow", "open: 0\n"}, {"jmextra", "open: 6\n"}} {
		out, err := fx.host(t, 30*time.Second, nil, fx.confdir, svc, u.user, "open")
		if err != nil || !strings.Contains(out, u.want) {
			t.Errorf("%s with a stalled /dev/log: %v\n%s", u.user, err, out)
		}
	}
}

// testNoFDLeft: a host that opens a session is left with the descriptors
// it had before it loaded the module: none of ours, and no netpoller pair
// (epoll, eventfd) from an os.Open in the module's Go code. jmpid's jail is
// a running one (its own namespaces, found by pidfile), so the confinement
// check reads /proc as it does for real jails.
func (fx *fixture) testNoFDLeft(t *testing.T) {
	svc := fx.service(t, "jm-fds", "config="+fx.config)
	// Without an "other" file libpam itself logs "no default config other"
	// at pam_start, through syslog(3), whose socket then stays open.
	writeFile(t, filepath.Join(fx.confdir, "other"), "session required pam_deny.so\n", 0o644)
	stop := fx.startJail(t, top+"/jails/web", top+"/etc/web.pid")
	defer stop()
	for _, user := range []string{"jmallow", "jmextra", "jmpid"} {
		out, err := fx.host(t, 20*time.Second, nil, fx.confdir, svc, user, "loop", "3")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		before := regexp.MustCompile(`(?m)^fds-before: (\d+)$`).FindStringSubmatch(out)
		after := regexp.MustCompile(`(?m)^fds: (\d+)$`).FindAllStringSubmatch(out, -1)
		if before == nil || len(after) != 3 {
			t.Fatalf("%s: no fd counts:\n%s", user, out)
		}
		for i, a := range after {
			if a[1] != before[1] {
				t.Errorf("%s: %s fds after session %d, %s before the module was loaded; left open:\n%s", user, a[1], i+1, before[1],
					strings.Join(regexp.MustCompile(`(?m)^fd: .*$`).FindAllString(out, -1), "\n"))
				break
			}
		}
		if strings.Contains(out, "anon_inode:[eventpoll]") || strings.Contains(out, "anon_inode:[eventfd]") {
			t.Errorf("%s: the Go netpoller's fds are left in the host:\n%s", user, out)
		}
	}
}

// testOtherEntryPoints: authenticate and acct_mgmt are C and return
// PAM_IGNORE, even for a user the session check refuses: the stack falls
// through to pam_echo's marker.
func (fx *fixture) testOtherEntryPoints(t *testing.T) {
	text := fmt.Sprintf(`auth    [success=done ignore=ignore default=die] %[1]s config=%[2]s
auth    required pam_echo.so %[3]s
account [success=done ignore=ignore default=die] %[1]s config=%[2]s
account required pam_echo.so %[3]s
`, fx.so, fx.config, ignoredMarker)
	writeFile(t, filepath.Join(fx.confdir, "jm-other"), text, 0o644)
	for _, user := range []string{"jmallow", "jmextra", "jmnosuch"} {
		var infos []string
		tx, err := pam.StartConfDir("jm-other", user, pam.ConversationFunc(func(s pam.Style, msg string) (string, error) {
			infos = append(infos, msg)
			return "", nil
		}), fx.confdir)
		must(t, err)
		if err := tx.Authenticate(0); err != nil {
			t.Errorf("%s: pam_authenticate: %v", user, err)
		}
		if err := tx.AcctMgmt(0); err != nil {
			t.Errorf("%s: pam_acct_mgmt: %v", user, err)
		}
		tx.End()
		if len(infos) != 2 || infos[0] != ignoredMarker || infos[1] != ignoredMarker {
			t.Errorf("%s: messages %q, want the PAM_IGNORE marker twice", user, infos)
		}
	}
}

// host runs forkhost with a timeout; a hang is the failure it looks for.
// The whole process group is killed on timeout (a hung forked child too).
func (fx *fixture) host(t *testing.T, timeout time.Duration, stderr *os.File, args ...string) (string, error) {
	return fx.hostEnv(t, timeout, stderr, nil, args...)
}

func (fx *fixture) hostEnv(t *testing.T, timeout time.Duration, stderr *os.File, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, fx.forkhost, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out bytes.Buffer
	cmd.Stdout = &out
	if stderr != nil {
		cmd.Stderr = stderr
	}
	err := cmd.Run()
	if ctx.Err() != nil {
		return out.String(), fmt.Errorf("forkhost %s: hung, killed after %v", strings.Join(args, " "), timeout)
	}
	return out.String(), err
}

// testFork is the sshd hang regression: after pam_open_session the host
// forks and the child calls pam_setcred (sshd does) and pam_end. A module
// that entered Go in the child hung sshd at 100% CPU. Also the fork guard:
// open_session in the child fails closed, without Go, and says so in syslog.
//
// The hang is a race: a runtime lock held by another Go thread at fork time
// stays held forever in the child. GOGC=1 (read by the module's runtime)
// keeps the runtime busy around the fork; with it, a module whose setcred
// entered Go hung within the first four rounds in every trial here, against
// about one run in five with 50 single forks without it.
func (fx *fixture) testFork(t *testing.T) {
	svc := fx.service(t, "jm-fork", "config="+fx.config)
	for i := 0; i < 10; i++ {
		out, err := fx.hostEnv(t, 10*time.Second, nil, []string{"GOGC=1"},
			fx.confdir, svc, "jmallow", "fork", "20")
		if err != nil {
			t.Fatalf("round %d: %v\n%s", i, err, out)
		}
		for want, n := range map[string]int{
			"parent-open: 0":   1,  // PAM_SUCCESS
			"child-setcred: 0": 20, // pam_sm_setcred is C: PAM_IGNORE, then pam_permit
			"child-open: 14":   20, // PAM_SESSION_ERR: the fork guard
			"child-end: 0":     20,
			"child-status: 0":  20,
			"parent-close: 0":  1,
			"parent-end: 0":    1,
		} {
			if got := strings.Count(out, want+"\n"); got != n {
				t.Fatalf("round %d: forkhost fork 20: %d times %q, want %d, in\n%s", i, got, want, n, out)
			}
		}
	}
	fx.log.want(t, "pam_jailme: open_session in pid %d, module loaded in pid %d: a forked child cannot run the check; refusing jailsh user uid 2001")

	// A user who is not jailed (issue 11): the fork guard steps aside, so
	// such a host cannot lock root or host users out.
	out, err := fx.hostEnv(t, 10*time.Second, nil, nil, fx.confdir, svc, "jmfree", "fork", "3")
	if err != nil {
		t.Fatalf("forkhost jmfree: %v\n%s", err, out)
	}
	if got := strings.Count(out, "child-open: 0\n"); got != 3 {
		t.Fatalf("forkhost fork 3 for jmfree (bash, no rule): %d times child-open: 0, want 3, in\n%s", got, out)
	}
	fx.log.want(t, "pam_jailme: open_session in pid %d, module loaded in pid %d: a forked child cannot run the check; stepping aside for uid 2006, whose login shell is not jailsh")
}

// testSignalMask: Go's threads must not take the host's signals. The host
// starts with nothing blocked; after the module is loaded and has run, the
// host's thread has nothing blocked still and every Go thread blocks the
// host's signals. SIGCHLD is the exception we cannot fix from outside: the
// Go runtime always unblocks it on its threads (sigtable _SigUnblock,
// minitSignalMask); see the report in glue.c.
func (fx *fixture) testSignalMask(t *testing.T) {
	svc := fx.service(t, "jm-mask", "config="+fx.config)
	out, err := fx.host(t, 10*time.Second, nil, fx.confdir, svc, "jmallow", "mask")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var want uint64
	for _, s := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGALRM, syscall.SIGPIPE} {
		want |= 1 << (uint(s) - 1)
	}
	others := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[0] != "thread:" {
			continue
		}
		mask, err := strconv.ParseUint(f[3], 16, 64)
		if err != nil {
			t.Fatalf("bad SigBlk %q", f[3])
		}
		switch f[2] {
		case "main":
			if mask != 0 {
				t.Errorf("host thread %s: SigBlk %016x, want nothing blocked (the module changed the host's mask)", f[1], mask)
			}
		default:
			others++
			if mask&want != want {
				t.Errorf("Go thread %s: SigBlk %016x, want at least %016x blocked", f[1], mask, want)
			}
			if mask&(1<<(uint(syscall.SIGCHLD)-1)) == 0 {
				t.Logf("Go thread %s: SIGCHLD unblocked (Go runtime: _SigUnblock)", f[1])
			}
		}
	}
	if others == 0 {
		t.Errorf("no Go threads found: was the module loaded?\n%s", out)
	}
}

// testSigpipe: a host whose stderr is a pipe with no reader. The module
// never writes to stdout or stderr, so open_session returns; the host's own
// write then fails with EPIPE (SIGPIPE ignored) or kills it with SIGPIPE
// (default disposition): Go's SIGPIPE handler forwards a signal raised by
// non-Go code to the host's disposition.
func (fx *fixture) testSigpipe(t *testing.T) {
	svc := fx.service(t, "jm-sigpipe", "config="+fx.config)
	for _, mode := range []string{"sigpipe-ign", "sigpipe-dfl"} {
		t.Run(mode, func(t *testing.T) {
			r, w, err := os.Pipe()
			must(t, err)
			r.Close()
			defer w.Close()
			// Refused users make the module do the most: messages, logs.
			for _, user := range []string{"jmallow", "jmextra"} {
				out, err := fx.host(t, 10*time.Second, w, fx.confdir, svc, user, mode)
				wantOpen := "open: 0\n"
				if user == "jmextra" {
					wantOpen = "open: 6\n" // PAM_PERM_DENIED
				}
				if !strings.Contains(out, wantOpen) {
					t.Fatalf("%s %s: open_session did not return %q: %v\n%s", mode, user, wantOpen, err, out)
				}
				switch mode {
				case "sigpipe-ign":
					if err != nil || !strings.Contains(out, "host-write: -1 Broken pipe\n") || !strings.Contains(out, "done: 1\n") {
						t.Errorf("%s %s: host did not survive: %v\n%s", mode, user, err, out)
					}
				case "sigpipe-dfl":
					var ee *exec.ExitError
					if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGPIPE {
						t.Errorf("%s %s: want the host killed by SIGPIPE from its own write, got %v\n%s", mode, user, err, out)
					}
				}
			}
		})
	}
}

// testSequential: 1,000 sessions one after another in one C host, and 50
// through msteinert/pam in this one. After the first session the host
// process neither gains a descriptor nor a thread: the Go runtime's
// netpoller (an epoll fd and an eventfd) is never started, as it was after
// a few hundred sessions when the collector paced itself (its background
// scavenger sleeps on a timer, and the first timer starts the poller).
func (fx *fixture) testSequential(t *testing.T) {
	const n = 1000
	svc := fx.service(t, "jm-loop", "config="+fx.config)
	out, err := fx.host(t, 10*time.Minute, nil, fx.confdir, svc, "jmallow", "loop", strconv.Itoa(n))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got := strings.Count(out, "open: 0\n"); got != n || !strings.Contains(out, fmt.Sprintf("done: %d\n", n)) {
		t.Fatalf("forkhost loop %d: %d sessions opened\n%s", n, got, tail(out, 2000))
	}
	for _, key := range []string{"fds", "threads"} {
		counts := regexp.MustCompile(`(?m)^`+key+`: (\d+)$`).FindAllStringSubmatch(out, -1)
		if len(counts) != n {
			t.Fatalf("forkhost loop %d: %d %s counts", n, len(counts), key)
		}
		for i, c := range counts {
			if c[1] != counts[0][1] {
				t.Errorf("%s after session 1: %s, after session %d: %s", key, counts[0][1], i+1, c[1])
				break
			}
		}
	}
	if strings.Contains(out, "anon_inode:[eventpoll]") || strings.Contains(out, "anon_inode:[eventfd]") {
		t.Errorf("the Go netpoller's fds are in the host after %d sessions:\n%s", n,
			strings.Join(regexp.MustCompile(`(?m)^fd: .*$`).FindAllString(out, -1), "\n"))
	}
	for i := 0; i < 50; i++ {
		if r := fx.open(t, svc, "jmallow", 0); r.err != nil || r.close != nil {
			t.Fatalf("session %d: open %v, close %v %q", i, r.err, r.close, r.errors)
		}
	}
}

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// testParallel: 20 hosts at once, none hangs.
func (fx *fixture) testParallel(t *testing.T) {
	svc := fx.service(t, "jm-parallel", "config="+fx.config)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		user := "jmallow"
		want := "open: 0\n"
		if i%2 == 1 {
			user, want = "jmextra", "open: 6\n"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := fx.host(t, 60*time.Second, nil, fx.confdir, svc, user, "loop", "3")
			if err != nil || strings.Count(out, want) != 3 {
				errs <- fmt.Errorf("%s: %v\n%s", user, err, out)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// testSSHD: the real host. sshd (UsePAM yes) loads the module in the
// per-connection monitor, opens the session there, forks the session child
// (which calls pam_setcred again) and runs the command. An allowed user's
// command runs; a refused user's does not, the user reads the reason, and
// the refusal is logged with PAM_RHOST. No hang in either.
func (fx *fixture) testSSHD(t *testing.T) {
	for _, p := range []string{"/usr/sbin/sshd", "ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s not installed", p)
		}
	}
	if _, err := os.Stat("/etc/pam.d/sshd"); err != nil {
		t.Skipf("/etc/pam.d/sshd: %v", err)
	}
	dir := top + "/ssh"
	must(t, os.Mkdir(dir, 0o755))
	must(t, os.Mkdir("/run/sshd", 0o755)) // privsep directory
	for _, k := range []string{"host", "user"} {
		out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir+"/"+k).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	pub, err := os.ReadFile(dir + "/user.pub")
	must(t, err)
	writeFile(t, dir+"/authorized_keys", string(pub), 0o644)
	// Our service file for sshd, bound over the real one in this namespace.
	writeFile(t, dir+"/pam-sshd", "account required pam_permit.so\n"+
		"session required "+fx.so+" config="+fx.config+" shell_check=off\n", 0o644)
	must(t, unix.Mount(dir+"/pam-sshd", "/etc/pam.d/sshd", "", unix.MS_BIND, ""))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	writeFile(t, dir+"/sshd_config", "ListenAddress 127.0.0.1:"+port+"\n"+
		"HostKey "+dir+"/host\nPidFile none\nUsePAM yes\nStrictModes no\n"+
		"PubkeyAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"+
		"AuthorizedKeysFile "+dir+"/authorized_keys\nLogLevel VERBOSE\n", 0o644)
	var sshdLog bytes.Buffer
	sshd := exec.Command("/usr/sbin/sshd", "-D", "-e", "-f", dir+"/sshd_config")
	sshd.Stderr = &sshdLog
	must(t, sshd.Start())
	defer func() {
		sshd.Process.Kill()
		sshd.Wait()
		t.Logf("sshd log:\n%s", sshdLog.String())
	}()
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			c.Close()
			break
		}
		if i == 100 {
			t.Fatalf("sshd does not listen: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	ssh := func(user string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "ssh", "-F", "none", "-T", "-i", dir+"/user", "-p", port,
			"-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
			"-o", "LogLevel=ERROR", user+"@127.0.0.1", "echo jailme-ssh-ok")
		out, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			return string(out), fmt.Errorf("ssh %s: hung", user)
		}
		return string(out), err
	}
	// jmbash: allowed (shell_check=off, so /bin/bash runs the command on
	// the host: this checks the module, not jailsh).
	if out, err := ssh("jmbash"); err != nil || !strings.Contains(out, "jailme-ssh-ok") {
		t.Errorf("ssh jmbash: %v\n%s", err, out)
	}
	fx.log.want(t, "pam_jailme[%d]: allow service=sshd rhost=127.0.0.1 user=jmbash ")
	// sshd does not drop the connection when pam_open_session fails: it
	// restricts the session (auth_restrict_session: no forwarding) and the
	// session child shows the PAM messages and exits 254 (session.c,
	// do_child: "PAM session not opened, exiting").
	out, err := ssh("jmsshx")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 254 || strings.Contains(out, "jailme-ssh-ok") {
		t.Errorf("ssh jmsshx: want exit 254 and no command run, got %v\n%s", err, out)
	}
	if want := `jailme: jail web: /etc/group:7: the jail makes jmsshx a member of group "jmadm" (gid 2100) but the host does not`; !strings.Contains(out, want) {
		t.Errorf("ssh jmsshx: the user was not told %q:\n%s", want, out)
	}
	line := fx.log.want(t, "pam_jailme[%d]: deny service=sshd rhost=127.0.0.1 user=jmsshx ")
	if !strings.Contains(line, "code=extra-group") {
		t.Errorf("deny line %q: want code=extra-group", line)
	}
}

// testSu: su(1) opens the session in the process that loaded the module,
// then forks the shell. A refused user's command does not run and su shows
// our message (its conversation prints PAM_ERROR_MSG on stderr).
func (fx *fixture) testSu(t *testing.T) {
	su := fx.suStack(t, "pam-su", "pam_rootok.so")
	run := func(user string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, su, user, "-c", "echo jailme-su-ok").CombinedOutput()
		if ctx.Err() != nil {
			return string(out), fmt.Errorf("su %s: hung", user)
		}
		return string(out), err
	}
	if out, err := run("jmbash"); err != nil || !strings.Contains(out, "jailme-su-ok") {
		t.Errorf("su jmbash: %v\n%s", err, out)
	}
	fx.log.want(t, "pam_jailme[%d]: allow service=su user=jmbash ")
	out, err := run("jmsshx")
	if err == nil || strings.Contains(out, "jailme-su-ok") {
		t.Errorf("su jmsshx: the command ran: %v\n%s", err, out)
	}
	if want := `jailme: jail web: /etc/group:7: the jail makes jmsshx a member of group "jmadm" (gid 2100) but the host does not`; !strings.Contains(out, want) {
		t.Errorf("su jmsshx: the user was not told %q:\n%s", want, out)
	}
	fx.log.want(t, "pam_jailme[%d]: deny service=su user=jmsshx ")
}

// testStalledSyslogRoot: a stalled syslog delays root's and a host user's
// login by the send timeout too when the module has a warning to log about
// them (a rule naming root, a configuration it cannot use). These lines
// went through pam_syslog(3), whose send blocks for as long as the daemon
// does not read: both sessions hung.
func (fx *fixture) testStalledSyslogRoot(t *testing.T) {
	// libpam's own "no default config other" would block in syslog(3).
	writeFile(t, filepath.Join(fx.confdir, "other"), "session required pam_deny.so\n", 0o644)
	restore := stallSyslog(t)
	defer restore()
	for _, c := range []struct{ user, config string }{{"root", fx.config}, {"jmfree", fx.badConf}} {
		svc := fx.service(t, "jm-stalled-"+c.user, "config="+c.config)
		out, err := fx.host(t, 20*time.Second, nil, fx.confdir, svc, c.user, "open")
		if err != nil || !strings.Contains(out, "open: 0\n") {
			t.Errorf("%s with a stalled /dev/log: %v\n%s", c.user, err, out)
		}
	}
	// The fork guard's line, in a child where Go cannot run, went
	// through syslog(3): the host user's session hung there too.
	svc := fx.service(t, "jm-stalled-fork", "config="+fx.config)
	out, err := fx.host(t, 20*time.Second, nil, fx.confdir, svc, "jmfree", "fork", "1")
	if err != nil || !strings.Contains(out, "child-open: 0\n") {
		t.Errorf("jmfree in a forked child with a stalled /dev/log: %v\n%s", err, out)
	}
}

// testForkRoot: uid 0 is never the module's business, in a forked child
// too, whatever its login shell: the fork guard refused jmtoor (uid 0,
// login shell jailsh) with PAM_SESSION_ERR where the module in the parent
// ignored it.
func (fx *fixture) testForkRoot(t *testing.T) {
	svc := fx.service(t, "jm-fork-root", "config="+fx.config)
	out, err := fx.host(t, 10*time.Second, nil, fx.confdir, svc, "jmtoor", "fork", "1")
	if err != nil || !strings.Contains(out, "parent-open: 0\n") || !strings.Contains(out, "child-open: 0\n") {
		t.Errorf("jmtoor (uid 0, login shell jailsh): want open_session ignored in the parent and the child: %v\n%s", err, out)
	}
	fx.log.want(t, "pam_jailme: open_session in pid %d, module loaded in pid %d: a forked child cannot run the check; stepping aside for uid 0")
}

// stallSyslog replaces /dev/log with a socket nobody reads, its queue
// full, until the returned function puts ours back.
func stallSyslog(t *testing.T) (restore func()) {
	must(t, os.Rename("/dev/log", "/dev/log.off"))
	s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	must(t, err)
	must(t, unix.Bind(s, &unix.SockaddrUnix{Name: "/dev/log"}))
	c, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	must(t, err)
	must(t, unix.Connect(c, &unix.SockaddrUnix{Name: "/dev/log"}))
	for {
		if _, err := unix.Write(c, make([]byte, 512)); errors.Is(err, unix.EAGAIN) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		unix.Close(c)
		unix.Close(s)
		os.Remove("/dev/log")
		must(t, os.Rename("/dev/log.off", "/dev/log"))
	}
}

// ---------------------------------------------------------------------------
// Helpers.

// startJail runs tests/jailinit as pid 1 of new pid, mount, uts and ipc
// namespaces, chrooted to root, and writes its pid to pidfile.
func (fx *fixture) startJail(t *testing.T, root, pidfile string) (stop func()) {
	t.Helper()
	initPath := root + "/init"
	build := exec.Command("go", "build", "-o", initPath, "../tests/jailinit")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build tests/jailinit: %v\n%s", err, out)
	}
	cmd := exec.Command("unshare", "--mount", "--pid", "--uts", "--ipc", "--fork", "--propagation", "private",
		"chroot", root, "/init")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(t, cmd.Start())
	stop = func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		os.Remove(initPath)
	}
	for i := 0; i < 200; i++ {
		children, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
		if f := strings.Fields(string(children)); len(f) > 0 {
			if comm, _ := os.ReadFile("/proc/" + f[0] + "/comm"); strings.TrimSpace(string(comm)) == "init" {
				writeFile(t, pidfile, f[0]+"\n", 0o644)
				return stop
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	t.Fatal("the jail's init did not start")
	return nil
}

// syslogSink is our /dev/log: it keeps every datagram as one line.
type syslogSink struct {
	mu    sync.Mutex
	lines []string
}

func listenSyslog(t *testing.T, path string) *syslogSink {
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	must(t, err)
	must(t, os.Chmod(path, 0o666))
	s := &syslogSink{}
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, _, err := conn.ReadFromUnix(buf)
			if err != nil {
				return
			}
			line := strings.ReplaceAll(string(bytes.TrimRight(buf[:n], "\x00\n")), "\n", `\n`)
			s.mu.Lock()
			s.lines = append(s.lines, line)
			s.mu.Unlock()
		}
	}()
	return s
}

// want waits for a line containing pattern, where %d matches a number, and
// returns it.
func (s *syslogSink) want(t *testing.T, pattern string) string {
	t.Helper()
	re := regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(pattern), "%d", `\d+`))
	deadline := time.Now().Add(3 * time.Second)
	for {
		s.mu.Lock()
		for _, l := range s.lines {
			if re.MatchString(l) {
				s.mu.Unlock()
				return l
			}
		}
		n := len(s.lines)
		s.mu.Unlock()
		if time.Now().After(deadline) {
			s.mu.Lock()
			defer s.mu.Unlock()
			t.Errorf("syslog: no line matching %q among %d:\n%s", pattern, n, strings.Join(s.lines, "\n"))
			return ""
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func slicesContains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func writeFile(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	must(t, os.WriteFile(path, []byte(data), mode))
	must(t, os.Chmod(path, mode)) // umask
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// testSuCallerEnv: su is setuid, so the module's Go runtime starts as root
// in a process whose environment a local user chose. It read their GODEBUG,
// GOGC, GOMAXPROCS, GOMEMLIMIT: GODEBUG=inittrace=1 printed Go's init trace
// through su. glue.c's jm_secure_env removes them in a secure exec.
func (fx *fixture) testSuCallerEnv(t *testing.T) {
	// The test's PAM stack lets any caller in (pam_permit), so that a
	// user, not root, runs su: a secure exec.
	su := fx.suStack(t, "pam-su-user", "pam_permit.so")
	defer unix.Unmount("/etc/pam.d/su", 0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, su, "jmbash", "-c", "echo jailme-su-ok")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "GODEBUG=inittrace=1", "GOMAXPROCS=1", "GOGC=1"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 2006, Gid: 2006, Groups: []uint32{}}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "jailme-su-ok") {
		t.Errorf("su jmbash run by jmfree: %v\n%s", err, out)
	}
	if regexp.MustCompile(`(?m)^init [^ ]+ @`).Match(out) {
		t.Errorf("the module's Go runtime read the caller's GODEBUG in setuid su:\n%s", out)
	}
	fx.log.want(t, "pam_jailme[%d]: allow service=su user=jmbash ")
}

// suStack binds a PAM stack for su over /etc/pam.d/su (this mount
// namespace only): auth by authModule, the module under test as the
// session. It returns su's path, or skips.
func (fx *fixture) suStack(t *testing.T, name, authModule string) string {
	t.Helper()
	su, err := exec.LookPath("su")
	if err != nil {
		t.Skip("su not installed")
	}
	if _, err := os.Stat("/etc/pam.d/su"); err != nil {
		t.Skipf("/etc/pam.d/su: %v", err)
	}
	stack := top + "/" + name
	writeFile(t, stack, "auth sufficient "+authModule+"\naccount required pam_permit.so\n"+
		"session required "+fx.so+" config="+fx.config+" shell_check=off\n", 0o644)
	must(t, unix.Mount(stack, "/etc/pam.d/su", "", unix.MS_BIND, ""))
	return su
}

// testWarningEscapes: a jail's root names an account in its passwd with a
// C1 control (U+009B, CSI: an escape sequence for a terminal showing the
// log); the parser refuses only C0. When that jail, jmbash's first,
// refuses him and a later one lets him in, the module's warning quotes the
// refusal, and it reached the host's syslog raw through audit.Raw.
func (fx *fixture) testWarningEscapes(t *testing.T) {
	jail := top + "/jails/c1"
	must(t, os.MkdirAll(jail+"/etc", 0o755))
	writeFile(t, jail+"/etc/passwd", jailPasswd+"\u009b2Jevil:x:2005:2005::/:/bin/sh\n", 0o644)
	writeFile(t, jail+"/etc/group", jailGroup, 0o644)
	conf := top + "/etc/c1.conf"
	writeFile(t, conf, "user jmbash c1 web\njail c1 { path = \""+jail+"\"; }\njail web { path = \""+top+"/jails/web\"; }\n", 0o644)
	svc := fx.service(t, "jm-c1", "config="+conf, "shell_check=off")
	out, err := fx.host(t, 20*time.Second, nil, fx.confdir, svc, "jmbash", "open")
	if err != nil || !strings.Contains(out, "open: 0\n") {
		t.Fatalf("jmbash, refused by c1 and let in by web: %v\n%s", err, out)
	}
	line := fx.log.want(t, "pam_jailme(jm-c1:session): user jmbash: the default jail c1 refuses jmbash")
	if strings.ContainsAny(line, "\u009b\x9b") {
		t.Errorf("a C1 control from the jail's passwd reached syslog raw: %q", line)
	}
}
