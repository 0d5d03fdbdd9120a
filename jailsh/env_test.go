package main

import (
	"reflect"
	"testing"

	"jailme.dev/jailme/internal/identity"
)

// The copy used without cgo is the list env.c applies.
func TestKeepListsAgree(t *testing.T) {
	if got := keepNames(); !reflect.DeepEqual(got, nocgoKeepEnv) {
		t.Errorf("env.c keeps %q, nocgoKeepEnv %q", got, nocgoKeepEnv)
	}
}

func TestBuildEnvNames(t *testing.T) {
	in := []string{"", "TERM=xterm", "GODEBUG=inittrace=1", "LD_PRELOAD=/x.so", "TERM=vt100", "LC_TIME=C",
		"LC_EVIL=1", "PATH=/evil", "HOME=/root", "TZ=:/etc/shadow", "NOEQUALS"}
	got := buildEnv(in, identity.Cred{Name: "alice", Home: "/home/alice", Shell: "/bin/sh"})
	want := []string{"TERM=xterm", "LC_TIME=C", "TZ=:/etc/shadow",
		"HOME=/home/alice", "USER=alice", "LOGNAME=alice", "SHELL=/bin/sh", "PATH=" + sessionPath}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
