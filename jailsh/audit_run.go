package main

// jailsh --audit: the evaluation of jailsh -n for every user the config
// reaches, and the mistakes around it that no single login reveals: a user
// assigned a jail whose login shell keeps them on the host, a jailsh user
// no rule assigns, a jail account that carries a host uid under another
// name, a jail that is not running.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/gate"
	"jailme.dev/jailme/internal/hostdb"
	"jailme.dev/jailme/internal/jail"
	"jailme.dev/jailme/internal/userdb"
)

// Kinds of audit findings. Every kind but allow is a problem.
const (
	kindAllow      = "allow"      // the user would enter the jail
	kindDeny       = "deny"       // the user would be refused (code says why)
	kindShell      = "shell"      // assigned a jail, login shell is not jailsh
	kindUnassigned = "unassigned" // login shell is jailsh, no rule or a deny rule
	kindAlias      = "alias"      // a jail account has a host user's uid under another name
	kindJail       = "jail"       // a configured jail cannot be located (not running, ...)
	kindJailDB     = "jail-db"    // a jail's /etc/passwd cannot be read
	kindConfine    = "confine"    // a jail's confinement cannot be applied (Linux)
	kindHostUser   = "host-user"  // a rule or group names a user unknown to the host
	kindHostGroup  = "host-group" // a group rule names a group unknown to the host
)

// finding is one audit line, or one object of the --json array.
type finding struct {
	Kind    string  `json:"kind"`
	User    string  `json:"user,omitempty"`
	UID     *uint32 `json:"uid,omitempty"`
	Jail    string  `json:"jail,omitempty"`
	Where   string  `json:"where,omitempty"`
	Shell   string  `json:"shell,omitempty"`
	Account string  `json:"account,omitempty"` // alias: the jail's name for the uid
	Code    string  `json:"code,omitempty"`
	Rule    string  `json:"rule,omitempty"` // file:line:col of the assigning rule
	Reason  string  `json:"reason,omitempty"`
}

// String is the grep-able line: jailsh: audit: KIND key=value ...
func (f finding) String() string {
	s := "jailsh: audit: " + f.Kind
	add := func(k, v string) {
		if v != "" {
			s += " " + k + "=" + quote(v)
		}
	}
	add("user", f.User)
	if f.UID != nil {
		add("uid", fmt.Sprint(*f.UID))
	}
	add("jail", f.Jail)
	add("where", f.Where)
	add("shell", f.Shell)
	add("account", f.Account)
	add("code", f.Code)
	add("rule", f.Rule)
	add("reason", f.Reason)
	return s
}

// runAudit evaluates everyone the config reaches and prints the findings:
// 0 when all is well, 1 when anything is wrong.
func runAudit(w io.Writer, cfg *config.Config, asJSON bool) int {
	all, err := hostdb.All()
	if err != nil {
		fmt.Fprintf(os.Stderr, "jailsh: audit: enumerate host users: %v\n", err)
		return exitDenied
	}
	fs, bad := jailFindings(cfg, all)
	names, more := candidates(cfg, all, hostdb.GroupByName)
	fs = append(fs, more...)
	for _, name := range names {
		fs = append(fs, evaluate(cfg, name, bad)...)
	}
	if err := writeFindings(w, fs, asJSON); err != nil {
		fmt.Fprintf(os.Stderr, "jailsh: audit: %v\n", err)
		return exitDenied
	}
	for _, f := range fs {
		if f.Kind != kindAllow {
			return exitDenied
		}
	}
	return exitOK
}

// jailFindings locates every configured jail once: those that cannot be
// located are returned in bad (their users' refusals say nothing more),
// the others are checked for confinement and for accounts aliasing a host
// uid.
func jailFindings(cfg *config.Config, host []userdb.User) ([]finding, map[string]bool) {
	var fs []finding
	bad := map[string]bool{}
	for _, name := range cfg.Order {
		jc := cfg.Jails[name]
		j, err := jail.Locate(jc)
		if err != nil {
			bad[name] = true
			why := err.Error()
			if errors.Is(err, jail.ErrNotRunning) {
				why = "not running: " + why
			}
			fs = append(fs, finding{Kind: kindJail, Jail: name, Code: gate.CodeJail, Reason: why})
			continue
		}
		fs = append(fs, oneJail(j, name, host)...)
		j.Close()
	}
	return fs, bad
}

func oneJail(j *jail.Jail, name string, host []userdb.User) []finding {
	var fs []finding
	where := j.Where()
	if _, _, err := confinementPlan(j); err != nil {
		fs = append(fs, finding{Kind: kindConfine, Jail: name, Where: where, Code: gate.CodeConfine, Reason: err.Error()})
	}
	jusers, err := readJailPasswd(j)
	if err != nil {
		return append(fs, finding{Kind: kindJailDB, Jail: name, Where: where, Code: gate.CodeJailDB, Reason: err.Error()})
	}
	for _, f := range aliases(jusers, host) {
		f.Jail, f.Where = name, where
		fs = append(fs, f)
	}
	return fs
}

// readJailPasswd reads the whole jail passwd with jailme's parser, by fd
// relative to the jail root, as the login path does.
func readJailPasswd(j *jail.Jail) ([]userdb.User, error) {
	f, err := userdb.OpenInRoot(j.Root(), "/etc/passwd")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	us, _, err := userdb.ParsePasswd("/etc/passwd", f, nil)
	return us, err
}

// aliases finds jail accounts whose uid belongs to a host user of another
// name: files and processes of that uid are the host user's, whatever the
// jail calls them.
func aliases(jusers, host []userdb.User) []finding {
	names := map[uint32][]string{}
	for _, u := range host {
		names[u.UID] = append(names[u.UID], u.Name)
	}
	var fs []finding
	for _, ju := range jusers {
		hn, ok := names[ju.UID]
		if !ok || slices.Contains(hn, ju.Name) {
			continue
		}
		uid := ju.UID
		fs = append(fs, finding{Kind: kindAlias, User: hn[0], UID: &uid, Account: ju.Name, Code: "uid-alias",
			Reason: fmt.Sprintf("/etc/passwd:%d: jail account %s has uid %d, which is host user %s", ju.Line, ju.Name, ju.UID, hn[0])})
	}
	return fs
}

// candidates are the host users the config reaches: users named by user
// rules, members of groups named by group rules (supplementary through
// NSS, and by primary gid), and every user whose login shell is jailsh
// (the default rule reaches them; without one, they are the unassigned).
// Rules whose target is deny are skipped: they may name users the host
// does not have yet, and a denied user matters only with jailsh as login
// shell, which the last pass finds.
func candidates(cfg *config.Config, all []userdb.User, groupByName func(string) (*userdb.Group, error)) ([]string, []finding) {
	var fs []finding
	seen := map[string]bool{}
	for _, r := range cfg.Rules {
		if r.Target == "deny" {
			continue
		}
		switch r.Kind {
		case config.ByUser:
			seen[r.Subject] = true
		case config.ByGroup:
			g, err := groupByName(r.Subject)
			if err != nil {
				fs = append(fs, finding{Kind: kindHostGroup, Rule: r.Pos.String(),
					Reason: fmt.Sprintf("group rule names group %s: %v", r.Subject, err)})
				continue
			}
			for _, m := range g.Members {
				seen[m] = true
			}
			for _, u := range all {
				if u.GID == g.GID {
					seen[u.Name] = true
				}
			}
		}
	}
	for _, u := range all {
		if isJailsh(u.Shell) {
			seen[u.Name] = true
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, fs
}

// evaluate runs the login's evaluation for one user.
func evaluate(cfg *config.Config, name string, bad map[string]bool) []finding {
	host, err := gate.HostByName(name)
	if err != nil {
		return []finding{{Kind: kindHostUser, User: name, Code: gate.CodeOf(err), Reason: err.Error()}}
	}
	d, err := gate.Decide(cfg, host)
	if d.Jail != nil {
		defer d.Jail.Close()
	}
	return userFindings(d, err, bad)
}

// userFindings classifies one decision.
func userFindings(d *gate.Decision, err error, bad map[string]bool) []finding {
	u := d.Host.User
	uid := u.UID
	base := finding{User: u.Name, UID: &uid}
	if d.Assigned {
		base.Rule = d.Assignment.Rule.Pos.String()
	}
	jailsh := isJailsh(u.Shell)
	switch {
	case !d.Assigned:
		if !jailsh {
			return nil
		}
		base.Kind, base.Shell, base.Code = kindUnassigned, u.Shell, gate.CodeNotAssigned
		base.Reason = "login shell is jailsh but no rule assigns a jail: every login is refused"
		return []finding{base}
	case d.Assignment.Jail == nil:
		if !jailsh {
			return nil
		}
		base.Kind, base.Shell, base.Code = kindUnassigned, u.Shell, gate.CodeAssignedDeny
		base.Reason = "login shell is jailsh but the rule assigns deny: every login is refused"
		return []finding{base}
	}
	base.Jail = d.Assignment.Jail.Name
	if d.Jail != nil {
		base.Where = d.Jail.Where()
	}
	var fs []finding
	if !jailsh {
		f := base
		f.Kind, f.Shell, f.Code = kindShell, u.Shell, gate.CodeShell
		f.Reason = "assigned but login shell is not jailsh: a login would stay on the host"
		fs = append(fs, f)
	}
	if err != nil {
		if !bad[base.Jail] { // else reported once, as the jail's finding
			f := base
			f.Kind, f.Code, f.Reason = kindDeny, gate.CodeOf(err), err.Error()
			fs = append(fs, f)
		}
		return fs
	}
	for _, dn := range d.Verdict.Denials {
		f := base
		f.Kind, f.Code, f.Reason = kindDeny, string(dn.Code), dn.Msg
		fs = append(fs, f)
	}
	if len(fs) == 0 {
		f := base
		f.Kind, f.Reason = kindAllow, "would run "+d.Verdict.Cred.Shell+" in the jail"
		fs = append(fs, f)
	}
	return fs
}

func writeFindings(w io.Writer, fs []finding, asJSON bool) error {
	if asJSON {
		if fs == nil {
			fs = []finding{}
		}
		b, err := json.MarshalIndent(fs, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	for _, f := range fs {
		if _, err := fmt.Fprintln(w, f); err != nil {
			return err
		}
	}
	return nil
}
