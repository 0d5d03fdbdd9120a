//go:build cgo

package main

import (
	"errors"
	"strings"
	"testing"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/gate"
	"jailme.dev/jailme/internal/identity"
	"jailme.dev/jailme/internal/userdb"
)

// A user whose passwd entry is known but whose groups the name service did
// not give in time: stepped aside for only when groups cannot matter.
func TestDecideUnknownGroups(t *testing.T) {
	groupsLate := errors.New(`user "alice": groups of alice: name service did not answer within 5s`)
	alice := identity.Host{User: userdb.User{Name: "alice", UID: 2001, GID: 2001, Shell: "/bin/bash"}}
	parse := func(s string) *config.Config {
		c, err := config.Parse("t.conf", []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	req := gate.Request{Asker: gate.Module, Jailsh: "/usr/local/sbin/jailsh"}
	tests := []struct {
		name   string
		f      gate.Facts
		req    gate.Request
		ignore bool
	}{
		{"no group rule", gate.Facts{Host: alice, HostErr: groupsLate, Config: parse("default deny\n")}, req, true},
		{"a group rule jails", gate.Facts{Host: alice, HostErr: groupsLate,
			Config: parse("group devs web\njail web {}\n")}, req, false},
		{"a group deny rule only", gate.Facts{Host: alice, HostErr: groupsLate,
			Config: parse("group devs deny\n")}, req, true},
		{"a user rule jails her", gate.Facts{Host: alice, HostErr: groupsLate,
			Config: parse("user alice web\njail web {}\n")}, req, false},
		{"config unusable", gate.Facts{Host: alice, HostErr: groupsLate, ConfigErr: errors.New("bad")}, req, true},
		{"user unknown", gate.Facts{HostErr: groupsLate, Config: parse("")}, req, false},
		{"jailsh shell", gate.Facts{Host: identity.Host{User: userdb.User{Name: "alice", UID: 2001, Shell: "/usr/local/sbin/jailsh"}},
			HostErr: groupsLate, Config: parse("")}, req, false},
		{"jailsh asks", gate.Facts{Host: alice, HostErr: groupsLate, Config: parse("")}, gate.Request{Asker: gate.Jailsh}, false},
		{"no error", gate.Facts{Host: alice, Config: parse("")}, req, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := decideUnknownGroups(tc.f, tc.req)
			if (d != nil) != tc.ignore {
				t.Fatalf("got %+v, want a decision: %v", d, tc.ignore)
			}
			if d == nil {
				return
			}
			if d.Outcome != gate.Ignore || len(d.Warnings) == 0 || !strings.Contains(strings.Join(d.Warnings, " "), "groups unknown") {
				t.Fatalf("got %v %q", d.Outcome, d.Warnings)
			}
		})
	}
}
