package jail

import (
	"errors"
	"strings"
	"testing"

	"jailme.dev/jailme/internal/config"
)

func TestParsePid(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
		err  string
	}{
		{"4711", 4711, ""},
		{"", 0, `"" is not a pid`},
		{"+42", 0, `"+42" is not a pid`},
		{"-1", 0, `"-1" is not a pid`},
		{"12a", 0, `"12a" is not a pid`},
		{"1", 0, "pid 1 is the host's init"},
		{"0", 0, "pid 0 is the host's init"},
		{"99999999999999999999", 0, "is not a pid"},
	} {
		got, err := parsePid("/run/jails/web.pid", tt.in)
		if tt.err == "" {
			if err != nil || got != tt.want {
				t.Errorf("parsePid(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "/run/jails/web.pid: ") {
			t.Errorf("parsePid(%q) error = %v, want %q", tt.in, err, tt.err)
		}
	}
}

func TestLocateNeedsALinuxKey(t *testing.T) {
	c := &config.Jail{Name: "www", Pos: config.Pos{File: "/etc/jailme.conf", Line: 3, Col: 1}}
	_, err := Locate(c)
	if err == nil || err.Error() != "jail www: /etc/jailme.conf:3:1: no pidfile, machine, docker, podman, oci, lxc, containerd or path: Linux cannot locate it" {
		t.Fatalf("err = %v", err)
	}
	c.JID = 3
	if _, err := Locate(c); err == nil || !strings.Contains(err.Error(), "jid is for FreeBSD jails") {
		t.Fatalf("jid on Linux: %v", err)
	}
}

func TestMachineName(t *testing.T) {
	for _, name := range []string{"", ".", "..", "a/b", "../../etc"} {
		if _, err := readMachine(name); err == nil || !strings.Contains(err.Error(), "not a plain name") {
			t.Errorf("readMachine(%q) = %v", name, err)
		}
	}
}

func TestStalePidfileIsNotRunning(t *testing.T) {
	// A pidfile that does not exist means a stopped jail, said as such.
	_, err := Locate(&config.Jail{Name: "web", Pidfile: "/nonexistent/jailme/web.pid"})
	if !errors.Is(err, ErrNotRunning) {
		t.Fatalf("err = %v, want ErrNotRunning", err)
	}
}

func TestParseCgroups(t *testing.T) {
	got, err := parseCgroups("12:pids:/jail\n4:memory:/a/b\n1:name=systemd:/\n0::/jail\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0] != (cgroupLine{"12", "pids", "/jail"}) || got[3] != (cgroupLine{"0", "", "/jail"}) {
		t.Fatalf("got %v", got)
	}
	if _, err := parseCgroups("garbage\n"); err == nil {
		t.Fatal("malformed line accepted")
	}
}

func TestMountTableDir(t *testing.T) {
	m := mountTable{
		{mountpoint: "/sys/fs/cgroup/cpu,cpuacct", root: "/", options: []string{"rw", "cpu", "cpuacct"}},
		{mountpoint: "/sys/fs/cgroup/pids", root: "/", options: []string{"rw", "pids"}},
		{mountpoint: "/sys/fs/cgroup/systemd", root: "/", options: []string{"rw", "name=systemd"}},
		{mountpoint: "/sys/fs/cgroup/unified", root: "/", v2: true},
		{mountpoint: "/sys/fs/cgroup/memory", root: "/lxc", options: []string{"memory"}},
	}
	for _, tt := range []struct {
		line cgroupLine
		want string
		ok   bool
	}{
		{cgroupLine{"3", "cpu,cpuacct", "/j"}, "/sys/fs/cgroup/cpu,cpuacct/j", true},
		{cgroupLine{"5", "pids", "/j/k"}, "/sys/fs/cgroup/pids/j/k", true},
		{cgroupLine{"1", "name=systemd", "/"}, "/sys/fs/cgroup/systemd", true},
		{cgroupLine{"0", "", "/j"}, "/sys/fs/cgroup/unified/j", true},
		{cgroupLine{"4", "memory", "/lxc/web"}, "/sys/fs/cgroup/memory/web", true},
		{cgroupLine{"4", "memory", "/other"}, "", false},
		{cgroupLine{"7", "blkio", "/j"}, "", false},
	} {
		_, got, ok := m.find(tt.line)
		if got != tt.want || ok != tt.ok {
			t.Errorf("find(%v) = %q, %v; want %q, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestUnescape(t *testing.T) {
	if got := unescape(`/a\040b\011c\134`); got != "/a b\tc\\" {
		t.Fatalf("got %q", got)
	}
}
