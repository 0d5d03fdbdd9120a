package jail

import (
	"errors"
	"math"
	"os"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/identity"
)

var pos = config.Pos{File: "/etc/jailme.conf", Line: 7, Col: 1}

func TestLocateLinuxKeys(t *testing.T) {
	for _, tc := range []struct {
		key string
		c   config.Jail
	}{
		{"pidfile", config.Jail{Name: "www", Pidfile: "/run/www.pid", Pos: pos}},
		{"machine", config.Jail{Name: "www", Machine: "www", Pos: pos}},
		{"path", config.Jail{Name: "www", Path: "/srv/www", Pos: pos}},
		{"docker", config.Jail{Name: "www", Docker: "www", Pos: pos}},
		{"podman", config.Jail{Name: "www", Podman: "www", Pos: pos}},
		{"oci", config.Jail{Name: "www", OCI: "www", Pos: pos}},
		{"lxc", config.Jail{Name: "www", LXC: "www", Pos: pos}},
	} {
		j, err := Locate(&tc.c)
		if err == nil {
			j.Close()
			t.Errorf("%s: Locate succeeded", tc.key)
			continue
		}
		var je *Error
		if !errors.As(err, &je) || je.Jail != "www" {
			t.Errorf("%s: error %v is not a *Error for jail www", tc.key, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.key) || !strings.Contains(msg, pos.String()) {
			t.Errorf("%s: error %q does not name the key and %s", tc.key, msg, pos)
		}
	}
}

func TestTarget(t *testing.T) {
	for _, tc := range []struct {
		c       config.Jail
		jid     int32
		name    string
		wantErr string
	}{
		{c: config.Jail{Name: "www"}, name: "www"},
		{c: config.Jail{Name: "web.www"}, name: "web.www"},
		{c: config.Jail{Name: "www", JID: 3}, jid: 3},
		{c: config.Jail{Name: "3"}, jid: 3},
		{c: config.Jail{Name: "007"}, jid: 7}, // jail_getid: strtoul
		{c: config.Jail{Name: "0"}, wantErr: "host"},
		{c: config.Jail{Name: "www", JID: -1}, wantErr: "not a jail id"},
		{c: config.Jail{Name: "www", JID: math.MaxInt32 + 1}, wantErr: "not a jail id"},
		{c: config.Jail{Name: "99999999999"}, wantErr: "not a jail id"},
		{c: config.Jail{Name: ""}, wantErr: "no jid and no name"},
		{c: config.Jail{Name: "w\x00w"}, wantErr: "cannot be a jail name"},
		{c: config.Jail{Name: strings.Repeat("w", maxHostNameLen)}, wantErr: "cannot be a jail name"},
	} {
		tc.c.Pos = pos
		jid, name, err := target(&tc.c)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), pos.String()) {
				t.Errorf("target(%q, jid %d) = %v, want an error with %q at %s", tc.c.Name, tc.c.JID, err, tc.wantErr, pos)
			}
			continue
		}
		if err != nil || jid != tc.jid || name != tc.name {
			t.Errorf("target(%q, jid %d) = %d, %q, %v; want %d, %q", tc.c.Name, tc.c.JID, jid, name, err, tc.jid, tc.name)
		}
	}
}

func TestBuildIovec(t *testing.T) {
	jid := intParam(42)
	name := make([]byte, maxHostNameLen)
	params := []param{{"jid", jid}, {"name", name}, {"persist", nil}, {"errmsg", make([]byte, jailErrmsgLen)}}
	iov := buildIovec(params)
	if len(iov) != 2*len(params) {
		t.Fatalf("%d iovecs for %d params", len(iov), len(params))
	}
	for i, p := range params {
		k, v := iov[2*i], iov[2*i+1]
		key := unsafe.Slice(k.Base, k.Len)
		if string(key) != p.key+"\x00" {
			t.Errorf("param %d: key %q, want %q NUL-terminated", i, key, p.key)
		}
		if int(v.Len) != len(p.val) {
			t.Errorf("param %s: value length %d, want %d", p.key, v.Len, len(p.val))
		}
		if len(p.val) > 0 && v.Base != &p.val[0] {
			t.Errorf("param %s: value is not the caller's buffer (the kernel writes into it)", p.key)
		}
		if len(p.val) == 0 && v.Base != nil {
			t.Errorf("param %s: empty value with a pointer", p.key)
		}
	}
	if intValue(jid) != 42 {
		t.Errorf("intParam/intValue: %d", intValue(jid))
	}
}

func TestCString(t *testing.T) {
	for in, want := range map[string]string{
		"www\x00\x00\x00": "www",
		"\x00www":         "",
		"www":             "", // no NUL: the kernel wrote nothing
		"a\x00b\x00":      "a",
	} {
		if got := cstring([]byte(in)); got != want {
			t.Errorf("cstring(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDropRefusesMinusOne(t *testing.T) {
	// Must fail before any system call: setresuid(-1, -1, -1) changes
	// nothing and would leave us root.
	for _, c := range []identity.Cred{{UID: math.MaxUint32, GID: 1}, {UID: 1, GID: math.MaxUint32}} {
		if err := drop(c, true); err == nil || !strings.Contains(err.Error(), "-1") {
			t.Errorf("drop(%d/%d) = %v", c.UID, c.GID, err)
		}
	}
}

func TestStringWhere(t *testing.T) {
	j := &Jail{name: "www", jid: 3}
	if s := j.String(); s != "www (jid 3)" {
		t.Errorf("String() = %q", s)
	}
	if s := j.Where(); s != "jid:3" {
		t.Errorf("Where() = %q", s)
	}
	if err := j.Close(); err != nil {
		t.Errorf("Close without root: %v", err)
	}
	if _, err := j.Run(Session{}); err == nil {
		t.Errorf("Run after Close succeeded")
	}
}

// jail_get needs no privilege: a jail that does not exist is reported as
// not running, by name and by jid.
func TestLocateNotRunning(t *testing.T) {
	for _, c := range []config.Jail{
		{Name: "jailme-test-no-such-jail", Pos: pos},
		{Name: "www", JID: math.MaxInt32, Pos: pos},
	} {
		j, err := Locate(&c)
		if err == nil {
			j.Close()
			t.Errorf("Locate(%q, jid %d) found a jail", c.Name, c.JID)
			continue
		}
		var je *Error
		if !errors.Is(err, ErrNotRunning) || !errors.As(err, &je) || je.Jail != c.Name {
			t.Errorf("Locate(%q, jid %d) = %v, want a *Error wrapping ErrNotRunning", c.Name, c.JID, err)
		}
		if !strings.Contains(err.Error(), "jail_get(") {
			t.Errorf("error %q does not name jail_get", err)
		}
	}
}

// createJail makes a persistent jail rooted at a fresh directory, or skips.
func createJail(t *testing.T, name string) (jid int, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates a jail")
	}
	dir = t.TempDir()
	errBuf := make([]byte, jailErrmsgLen)
	nameBuf := append([]byte(name), 0)
	pathBuf := append([]byte(dir), 0)
	iov := buildIovec([]param{{"name", nameBuf}, {"path", pathBuf}, {"persist", nil}, {"errmsg", errBuf}})
	const jailCreate = 0x01
	r, _, e := unix.Syscall(unix.SYS_JAIL_SET, uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)), jailCreate)
	if e != 0 {
		t.Skipf("cannot create a jail here: jail_set: %v %s", e, cstring(errBuf))
	}
	jid = int(r)
	t.Cleanup(func() { removeJail(jid) })
	return jid, dir
}

func removeJail(jid int) {
	unix.Syscall(unix.SYS_JAIL_REMOVE, uintptr(jid), 0, 0)
}

func TestLocateRealJail(t *testing.T) {
	name := "jailme-test-" + strings.Repeat("x", 4)
	jid, dir := createJail(t, name)
	for _, c := range []config.Jail{{Name: name, Pos: pos}, {Name: "label", JID: jid, Pos: pos}} {
		j, err := Locate(&c)
		if err != nil {
			t.Fatalf("Locate(%q, jid %d): %v", c.Name, c.JID, err)
		}
		if j.jid != jid || j.kname != name {
			t.Errorf("located jid %d %q, want %d %q", j.jid, j.kname, jid, name)
		}
		var want, got unix.Stat_t
		if err := unix.Stat(dir, &want); err != nil {
			t.Fatal(err)
		}
		if err := unix.Fstat(int(j.Root().Fd()), &got); err != nil {
			t.Fatal(err)
		}
		if got.Dev != want.Dev || got.Ino != want.Ino {
			t.Errorf("Root() is not %s", dir)
		}
		// openat relative to the O_SEARCH root, as userdb does.
		if err := os.WriteFile(dir+"/probe", []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		fd, err := unix.Openat(int(j.Root().Fd()), "probe", unix.O_RDONLY|unix.O_RESOLVE_BENEATH|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Errorf("openat(root, probe): %v", err)
		} else {
			unix.Close(fd)
		}
		j.Close()
	}
}

// A jail removed after Locate must not be attached to, even if a new one
// takes its name: Run re-checks the jid before jail_attach.
func TestAttachRefusesRemovedJail(t *testing.T) {
	name := "jailme-test-gone"
	jid, _ := createJail(t, name)
	j, err := Locate(&config.Jail{Name: name, Pos: pos})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	removeJail(jid)
	createJail(t, name)
	if _, err := j.attach(); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("attach after removal = %v, want ErrNotRunning", err)
	}
}

// The setgroups ABI is the running kernel's, asked before jail_attach:
// attach calls the probe first, even for a jail that is gone by then, and
// an errno that answers nothing stops it.
func TestAttachProbesSetgroupsFirst(t *testing.T) {
	saved := probeSetgroups15
	t.Cleanup(func() { probeSetgroups15 = saved })
	dir, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	for _, tc := range []struct {
		errno syscall.Errno
		want  error
	}{
		{syscall.ENOSYS, ErrNotRunning}, // 14: old ABI, then the lookup fails
		{0, ErrNotRunning},
		{syscall.EFAULT, syscall.EFAULT},
	} {
		calls := 0
		probeSetgroups15 = func() syscall.Errno { calls++; return tc.errno }
		j := &Jail{name: "gone", jid: math.MaxInt32, root: dir}
		_, err := j.attach()
		if calls != 1 || !errors.Is(err, tc.want) {
			t.Errorf("probe %v: %d probe calls, attach = %v; want 1 call and %v", tc.errno, calls, err, tc.want)
		}
	}
}
