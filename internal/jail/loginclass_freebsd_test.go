package jail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jailme.dev/jailme/internal/identity"
)

// hostFiles points the host's master.passwd and login.conf at temp files.
func hostFiles(t *testing.T, master, loginConf string) {
	t.Helper()
	dir := t.TempDir()
	oldM, oldL := hostMasterPasswd, hostLoginConf
	t.Cleanup(func() { hostMasterPasswd, hostLoginConf = oldM, oldL })
	hostMasterPasswd, hostLoginConf = filepath.Join(dir, "master.passwd"), filepath.Join(dir, "login.conf")
	for p, s := range map[string]string{hostMasterPasswd: master, hostLoginConf: loginConf} {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func jailWithLoginConf(t *testing.T, loginConf string) *Jail {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "etc/login.conf"), []byte(loginConf), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return &Jail{name: "www", root: root}
}

// The class: the host's entry chooses the privileged items, the jail's
// entry (Cred.Class) the environment; the jail's limits are not read.
func TestLoginClassSides(t *testing.T) {
	hostFiles(t, "alice:*:2001:2001:staff:0:0:Alice:/home/alice:/usr/local/sbin/jailsh\n",
		"default:openfiles=1024:umask=022:\nstaff:openfiles=64:umask=027:priority=5:tc=default:\n")
	j := jailWithLoginConf(t, "default:path=/sbin /bin ~/bin:openfiles=999999:umask=000:\nwww:lang=fr_FR.UTF-8:tc=default:\n")
	c := identity.Cred{Name: "alice", UID: 2001, GID: 2001, Home: "/home/alice", Class: "www"}
	s, err := j.loginClass(c)
	if err != nil {
		t.Fatal(err)
	}
	if s.Class != "staff" || s.Umask == nil || *s.Umask != 027 || s.Priority.Value != 5 {
		t.Errorf("privileged = %+v, want the host's class staff", s.Privileged)
	}
	for _, l := range s.Limits {
		if l.Name == "openfiles" && l.Max != 64 {
			t.Errorf("openfiles = %+v, want the host's 64", l)
		}
	}
	env := strings.Join(func() []string {
		var out []string
		for _, v := range s.Env {
			out = append(out, v.Name+"="+v.Value)
		}
		return out
	}(), " ")
	if env != "PATH=/sbin:/bin:/home/alice/bin LANG=fr_FR.UTF-8" {
		t.Errorf("environment = %q, want the jail's class www", env)
	}
}

func TestHostClassOf(t *testing.T) {
	hostFiles(t, "alice:*:2002:2001:staff:0:0::/:/bin/sh\n", "")
	if _, err := hostClassOf(identity.Cred{Name: "alice", UID: 2001}); err == nil || !strings.Contains(err.Error(), "uid 2002") {
		t.Errorf("another uid under the name: %v", err)
	}
	if c, err := hostClassOf(identity.Cred{Name: "ldapuser", UID: 30000}); err != nil || c != "default" {
		t.Errorf("a user the file does not list: %q, %v", c, err)
	}
}
