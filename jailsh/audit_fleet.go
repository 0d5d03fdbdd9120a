package main

// What jailsh --audit could not see (issue 13). A directory makes the
// audit's two sources disagree: getpwent(3) lists only what the NSS
// backends enumerate (sssd by default lists nobody, an outage lists only
// the files), and glibc's getpwent has no error for a source that failed.
// So the audit checks what it can: every user it reached by name
// (user rules, group members) must also have been listed, and no lookup
// may have met an unavailable name service. Otherwise it says so on
// stderr and exits 3.

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/gate"
	"jailme.dev/jailme/internal/hostdb"
	"jailme.dev/jailme/internal/userdb"
)

// exitIncomplete: the audit could not see everything; its findings are
// what it saw.
const exitIncomplete = 3

// Progress goes to stderr every progressEvery users once there are more
// than that many: a directory's users are evaluated at a few hundred per
// second.
const progressEvery = 250

// staleShown is how many names a stale-members summary lists.
const staleShown = 5

// coverage is what the audit learns about its own completeness.
type coverage struct {
	listed  map[string]bool     // names getpwent returned
	members map[string][]string // name -> group rules' groups listing them
	named   map[string]bool     // subjects of user rules
	unseen  []string            // known to getpwnam, not listed by getpwent
	outages []string            // lookups the name service failed
	stale   map[string][]string // group -> members the host does not know
}

func newCoverage(cfg *config.Config, all []userdb.User, groupByName func(string) (*userdb.Group, error)) *coverage {
	c := &coverage{listed: map[string]bool{}, members: map[string][]string{}, named: map[string]bool{},
		stale: map[string][]string{}}
	for _, u := range all {
		c.listed[u.Name] = true
	}
	for _, r := range cfg.Rules {
		switch r.Kind {
		case config.ByUser:
			c.named[r.Subject] = true
		case config.ByGroup:
			g, err := groupByName(r.Subject)
			if err != nil {
				c.failed(fmt.Sprintf("group %s", r.Subject), err)
				continue
			}
			for _, m := range g.Members {
				c.members[m] = append(c.members[m], g.Name)
			}
		}
	}
	return c
}

// failed records a lookup error that is the name service's, not the
// entry's absence.
func (c *coverage) failed(what string, err error) {
	if errors.Is(err, hostdb.ErrUnavailable) || errors.Is(err, hostdb.ErrTimeout) {
		c.outages = append(c.outages, fmt.Sprintf("%s: %v", what, err))
	}
}

// lookedUp records one candidate's host lookup (found: the name NSS
// answered with). It reports whether the user is a stale group member,
// summarised instead of reported alone.
func (c *coverage) lookedUp(name, found string, err error) (stale bool) {
	switch {
	case err == nil:
		if !c.listed[found] {
			c.unseen = append(c.unseen, found)
		}
	case errors.Is(err, hostdb.ErrNotFound) && !c.named[name] && len(c.members[name]) > 0:
		for _, g := range c.members[name] {
			c.stale[g] = append(c.stale[g], name)
		}
		return true
	default:
		c.failed("user "+name, err)
	}
	return false
}

// staleFindings is one line per group listing members the host does not
// know (memberUid values left behind by deleted accounts).
func (c *coverage) staleFindings() []finding {
	groups := make([]string, 0, len(c.stale))
	for g := range c.stale {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	var fs []finding
	for _, g := range groups {
		ms := c.stale[g]
		shown := strings.Join(ms[:min(len(ms), staleShown)], ", ")
		if len(ms) > staleShown {
			shown += fmt.Sprintf(", and %d more", len(ms)-staleShown)
		}
		fs = append(fs, finding{Kind: kindHostUser, Code: "stale-members",
			Reason: fmt.Sprintf("group %s lists %d members the host does not know: %s", g, len(ms), shown)})
	}
	return fs
}

// warnings are the lines that say the audit is incomplete.
func (c *coverage) warnings() []string {
	var ws []string
	if len(c.outages) > 0 {
		ws = append(ws, fmt.Sprintf("the name service failed %d lookups, findings are incomplete (first: %s)",
			len(c.outages), c.outages[0]))
	}
	if len(c.unseen) > 0 {
		ws = append(ws, fmt.Sprintf("getpwent listed none of %d users the rules reach (%s): the host's users are not "+
			"all enumerable (sssd without enumerate = true, an LDAP source down or with enumeration disabled); "+
			"users reached only by a jailsh login shell were not audited", len(c.unseen), firstNames(c.unseen)))
	}
	return ws
}

func firstNames(ns []string) string {
	s := strings.Join(ns[:min(len(ns), staleShown)], ", ")
	if len(ns) > staleShown {
		s += ", ..."
	}
	return s
}

// progress reports every progressEvery users of a long run.
func progress(w io.Writer, done, total int) {
	if total > progressEvery && done%progressEvery == 0 {
		fmt.Fprintf(w, "jailsh: audit: %d/%d users evaluated\n", done, total)
	}
}

// auditLookup is the audit's host lookup, in this process: the admin at a
// terminal is the deadline (gate.HostByName).
var auditLookup = gate.HostByName
