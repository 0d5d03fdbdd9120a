package main

import (
	"testing"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/userdb"
)

// Issue 21: host accounts sharing a jailed user's uid are findings.
func TestHostAliases(t *testing.T) {
	cfg, err := config.Parse("/etc/jailme.conf", []byte("user carol web\ndefault deny\njail web { path = \"/srv/web\"; }\n"))
	if err != nil {
		t.Fatal(err)
	}
	all := []userdb.User{
		{Name: "root", UID: 0}, {Name: "toor", UID: 0, Shell: "/usr/sbin/jailsh"},
		{Name: "alice", UID: 1500, Shell: "/usr/sbin/jailsh"}, {Name: "alice2", UID: 1500, Shell: "/bin/sh"},
		{Name: "carol", UID: 1600, Shell: "/bin/bash"}, {Name: "carol2", UID: 1600, Shell: "/bin/bash"},
		{Name: "plain", UID: 1700}, {Name: "plain2", UID: 1700},
	}
	fs := hostAliases(cfg, all)
	var got []string
	for _, f := range fs {
		got = append(got, f.User+">"+f.Account)
	}
	if len(fs) != 2 || got[0] != "alice>alice2" || got[1] != "carol>carol2" || fs[0].Kind != kindAlias || fs[0].Code != "uid-alias" {
		t.Fatalf("got %q %+v", got, fs)
	}
	if want := "host account alice2 has uid 1500, which is jailed user alice's: pam_jailme refuses alice2, jailsh takes it for alice"; fs[0].Reason != want {
		t.Errorf("reason %q, want %q", fs[0].Reason, want)
	}
}
