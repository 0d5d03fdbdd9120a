package main

import (
	"reflect"
	"strings"
	"testing"

	"jailme.dev/jailme/internal/identity"
)

func TestParseArgs(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		argv     []string
		describe string
		err      bool
	}{
		{[]string{"-jailsh"}, []string{"-bash"}, "login", false},
		{[]string{"jailsh"}, []string{"bash"}, "shell", false},
		{[]string{"jailsh", "-c", "ls -l; exit 3"}, []string{"bash", "-c", "ls -l; exit 3"}, "-c ls -l; exit 3", false},
		{[]string{"-jailsh", "-c", "id"}, []string{"bash", "-c", "id"}, "-c id", false},
		{[]string{"jailsh", "-c"}, nil, "", true},
		{[]string{"jailsh", "-c", "id", "x"}, nil, "", true},
		{[]string{"jailsh", "-i"}, nil, "", true},
		{[]string{"jailsh", "-n", "bob"}, nil, "", true},
		{[]string{}, []string{"bash"}, "shell", false},
	} {
		inv, err := parseArgs(tt.args)
		if (err != nil) != tt.err {
			t.Errorf("parseArgs(%q) err = %v", tt.args, err)
			continue
		}
		if tt.err {
			continue
		}
		if got := inv.argv("/bin/bash"); !reflect.DeepEqual(got, tt.argv) {
			t.Errorf("argv(%q) = %q, want %q", tt.args, got, tt.argv)
		}
		if got := inv.describe(); got != tt.describe {
			t.Errorf("describe(%q) = %q, want %q", tt.args, got, tt.describe)
		}
	}
}

func TestBuildEnv(t *testing.T) {
	environ := []string{
		"TERM=xterm", "LANG=C.UTF-8", "LC_ALL=C", "TZ=UTC",
		"LD_PRELOAD=/tmp/evil.so", "PATH=/tmp", "HOME=/root", "IFS=x", "BASH_ENV=/tmp/x",
		"SHELL=/usr/local/sbin/jailsh", "USER=root", "TERM=dumb", "NOEQUALS", "JAILME_JAIL=build",
	}
	c := identity.Cred{Name: "alice", Home: "/home/alice", Shell: "/bin/sh"}
	got := buildEnv(environ, c)
	want := []string{"TERM=xterm", "LANG=C.UTF-8", "LC_ALL=C", "TZ=UTC",
		"HOME=/home/alice", "USER=alice", "LOGNAME=alice", "SHELL=/bin/sh", "PATH=" + sessionPath}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("env:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
