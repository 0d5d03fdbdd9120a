package main

import (
	"fmt"
	"strings"
	"testing"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/hostdb"
	"jailme.dev/jailme/internal/userdb"
)

func TestCoverage(t *testing.T) {
	cfg, err := config.Parse("t.conf", []byte("user ldapu web\ngroup devs web\ngroup down web\njail web {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	members := []string{"ldapv"}
	for i := range 300 {
		members = append(members, fmt.Sprintf("gone%03d", i))
	}
	groups := func(name string) (*userdb.Group, error) {
		if name == "down" {
			return nil, fmt.Errorf("%w: getgrnam_r(\"down\") failed with errno 2", hostdb.ErrUnavailable)
		}
		return &userdb.Group{Name: name, GID: 3000, Members: members}, nil
	}
	c := newCoverage(cfg, []userdb.User{{Name: "root"}, {Name: "ldapv"}}, groups)
	notFound := fmt.Errorf("host user: %w", hostdb.ErrNotFound)
	if c.lookedUp("root", "root", nil) || c.lookedUp("ldapv", "ldapv", nil) {
		t.Fatal("a listed user is not stale")
	}
	// ldapu is known to getpwnam but getpwent did not list them.
	if c.lookedUp("ldapu", "ldapu", nil) {
		t.Fatal("ldapu is not stale")
	}
	for _, m := range members[1:] {
		if !c.lookedUp(m, "", notFound) {
			t.Fatalf("%s: a missing group member is stale", m)
		}
	}
	// A user rule's subject that is missing is not summarised.
	if c.lookedUp("ldapu", "", notFound) {
		t.Fatal("a user rule's subject is reported alone")
	}
	fs := c.staleFindings()
	if len(fs) != 1 || !strings.Contains(fs[0].Reason, "group devs lists 300 members the host does not know: gone000, gone001, gone002, gone003, gone004, and 295 more") {
		t.Fatalf("got %+v", fs)
	}
	ws := c.warnings()
	if len(ws) != 2 || !strings.Contains(ws[0], "failed 1 lookups") || !strings.Contains(ws[0], "errno 2") ||
		!strings.Contains(ws[1], "none of 1 users the rules reach (ldapu)") {
		t.Fatalf("got %q", ws)
	}
}

func TestProgress(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 600; i++ {
		progress(&b, i, 600)
	}
	progress(&b, 250, 250)
	if got := b.String(); got != "jailsh: audit: 250/600 users evaluated\njailsh: audit: 500/600 users evaluated\n" {
		t.Errorf("got %q", got)
	}
}
