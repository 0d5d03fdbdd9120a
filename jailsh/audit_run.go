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
	"strings"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/gate"
	"jailme.dev/jailme/internal/hostdb"
	"jailme.dev/jailme/internal/jail"
	"jailme.dev/jailme/internal/userdb"
)

// Kinds of audit findings. Every kind but allow is a problem.
const (
	kindAllow      = "allow"      // the user would enter the jail
	kindIgnored    = "ignored"    // pam_jailme steps aside: not a jailed user
	kindDeny       = "deny"       // the user would be refused (code says why)
	kindShell      = "shell"      // assigned a jail, login shell is not jailsh
	kindUnassigned = "unassigned" // login shell is jailsh, no rule or a deny rule
	kindAlias      = "alias"      // a jail account has a host user's uid under another name
	kindJail       = "jail"       // a configured jail cannot be located (not running, ...)
	kindJailDB     = "jail-db"    // a jail's /etc/passwd cannot be read
	kindConfine    = "confine"    // a jail's confinement cannot be applied (Linux)
	kindHostUser   = "host-user"  // a rule or group names a user unknown to the host
	kindHostGroup  = "host-group" // a group rule names a group unknown to the host
	kindSSHD       = "sshd"       // sshd takes a jailed user around the jail (forwarding, internal-sftp)
	kindSeccomp    = "seccomp"    // sessions do not get the init's seccomp filter (seccomp = none): shown, not a failure
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
	fs = append(fs, hostAliases(cfg, all)...)
	names, optional, more := candidates(cfg, all, hostdb.GroupByName)
	fs = append(fs, more...)
	cov := newCoverage(cfg, all, hostdb.GroupByName)
	sshdChecks, err := newSSHDAudit()
	sshd := err == nil
	if err != nil {
		fs = append(fs, sshdUnchecked(err)...)
	} else {
		fs = append(fs, sshdChecks.blocks...)
	}
	for i, name := range names {
		ufs, jailed := evaluate(cfg, name, optional[name], bad, cov)
		fs = append(fs, ufs...)
		progress(os.Stderr, i+1, len(names))
		if jailed == nil || !sshd {
			continue
		}
		sfs, err := sshdChecks.findings(name, jailed.UID, jailed.groups)
		if err != nil {
			fs = append(fs, sshdUnchecked(err)...)
			sshd = false
			continue
		}
		fs = append(fs, sfs...)
	}
	fs = append(fs, cov.staleFindings()...)
	if err := writeFindings(w, fs, asJSON); err != nil {
		fmt.Fprintf(os.Stderr, "jailsh: audit: %v\n", err)
		return exitDenied
	}
	if ws := cov.warnings(); len(ws) > 0 {
		for _, w := range ws {
			fmt.Fprintf(os.Stderr, "jailsh: audit: warning: %s\n", w)
		}
		return exitIncomplete
	}
	for _, f := range fs {
		if f.Kind != kindAllow && f.Kind != kindIgnored && f.Kind != kindSeccomp {
			return exitDenied
		}
	}
	return exitOK
}

// sshdUnchecked says why sshd's settings could not be checked. No sshd at
// all is a note; an sshd that cannot evaluate a connection (a Match
// criterion it was not given, a config error) is a finding, since a block
// it could not evaluate may open a path around the jail. A stopped sshd
// that lacks its privilege separation directory is a note, as before.
func sshdUnchecked(err error) []finding {
	if errors.Is(err, errNoSSHD) || strings.Contains(err.Error(), "privilege separation") {
		fmt.Fprintf(os.Stderr, "jailsh: audit: note: sshd settings not checked: %v\n", err)
		return nil
	}
	return []finding{{Kind: kindSSHD, Code: "sshd-match", Reason: "sshd settings not checked: " + err.Error()}}
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
			fs = append(fs, finding{Kind: kindJail, Jail: name, Code: string(gate.CodeJail), Reason: why})
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
		fs = append(fs, finding{Kind: kindConfine, Jail: name, Where: where, Code: string(gate.CodeConfine), Reason: err.Error()})
	}
	if why := seccompWaived(j); why != "" {
		fs = append(fs, finding{Kind: kindSeccomp, Jail: name, Where: where, Reason: why})
	}
	jusers, err := readJailAliases(j, host)
	if err != nil {
		return append(fs, finding{Kind: kindJailDB, Jail: name, Where: where, Code: string(gate.CodeJailDB), Reason: err.Error()})
	}
	for _, f := range aliases(jusers, host) {
		f.Jail, f.Where = name, where
		fs = append(fs, f)
	}
	return fs
}

// readJailAliases reads the jail passwd with jailme's parser, by fd
// relative to the jail root, as the login path does, and keeps the
// entries aliases reports, at most userdb.MaxKept of them: the jail's root
// writes the file, and 32 MiB of "a:x:0:0::/:" lines, all kept, ran the
// audit out of memory.
func readJailAliases(j *jail.Jail, host []userdb.User) ([]userdb.User, error) {
	f, err := userdb.OpenInRoot(j.Root(), "/etc/passwd")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names := hostNames(host)
	n, past := 0, 0
	us, _, err := userdb.ParsePasswd("/etc/passwd", f, func(ju *userdb.User) bool {
		if hn, ok := names[ju.UID]; !ok || slices.Contains(hn, ju.Name) {
			return false
		}
		if n++; n > userdb.MaxKept && past == 0 {
			past = ju.Line
		}
		return past == 0
	})
	if err == nil && past != 0 {
		err = fmt.Errorf("/etc/passwd:%d: more than %d accounts with a host user's uid under another name", past, userdb.MaxKept)
	}
	return us, err
}

// hostNames are the host's names of each uid.
func hostNames(host []userdb.User) map[uint32][]string {
	names := map[uint32][]string{}
	for _, u := range host {
		names[u.UID] = append(names[u.UID], u.Name)
	}
	return names
}

// aliases finds jail accounts whose uid belongs to a host user of another
// name: files and processes of that uid are the host user's, whatever the
// jail calls them.
func aliases(jusers, host []userdb.User) []finding {
	names := hostNames(host)
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

// hostAliases finds host accounts that share a jailed user's uid under
// another name (a second passwd line, a directory entry): pam_jailme
// refuses them (a uid is jailed under every name), jailsh takes them for
// the uid's first name. Either way the second name is a mistake to fix.
func hostAliases(cfg *config.Config, all []userdb.User) []finding {
	byUID := map[uint32][]userdb.User{}
	for _, u := range all {
		byUID[u.UID] = append(byUID[u.UID], u)
	}
	var fs []finding
	for _, u := range all {
		if u.UID == 0 || !gate.JailedByName(cfg, u, "") {
			continue
		}
		for _, o := range byUID[u.UID] {
			if o.Name == u.Name {
				continue
			}
			uid := u.UID
			fs = append(fs, finding{Kind: kindAlias, User: u.Name, UID: &uid, Where: "host", Account: o.Name, Code: string(gate.CodeUIDAlias),
				Reason: fmt.Sprintf("host account %s has uid %d, which is jailed user %s's: pam_jailme refuses %s, jailsh takes it for %s",
					o.Name, uid, u.Name, o.Name, byUID[uid][0].Name)})
		}
	}
	return fs
}

// candidates are the host users the config reaches: root (whom the module
// must always ignore), users named by user rules, members of groups named
// by group rules (supplementary through NSS, and by primary gid), and every
// user whose login shell is jailsh. Users named only by deny rules are
// optional: a rule may name a user the host does not have (yet).
func candidates(cfg *config.Config, all []userdb.User, groupByName func(string) (*userdb.Group, error)) ([]string, map[string]bool, []finding) {
	var fs []finding
	seen := map[string]bool{"root": true}
	optional := map[string]bool{"root": true}
	for _, r := range cfg.Rules {
		switch r.Kind {
		case config.ByUser:
			if !seen[r.Subject] {
				optional[r.Subject] = r.Denies()
			} else if !r.Denies() {
				optional[r.Subject] = false
			}
			seen[r.Subject] = true
		case config.ByGroup:
			g, err := groupByName(r.Subject)
			if err != nil {
				if !r.Denies() {
					fs = append(fs, finding{Kind: kindHostGroup, Rule: r.Pos.String(),
						Reason: fmt.Sprintf("group rule names group %s: %v", r.Subject, err)})
				}
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
		if gate.IsJailsh(u.Shell, ownPath()) {
			seen[u.Name] = true
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, optional, fs
}

// evaluate runs, for one user, pam_jailme's decision and jailsh's for
// each jail the user may enter: the very decisions a login makes. For a
// jailed user it also returns who they are (the sshd check needs it); a
// user can be jailed and have no finding of their own (their jail's
// failure is said once, as the jail's).
func evaluate(cfg *config.Config, name string, optional bool, bad map[string]bool, cov *coverage) ([]finding, *jailedUser) {
	var f gate.Facts
	f.Host, f.HostErr = auditLookup(name)
	if cov.lookedUp(name, f.Host.User.Name, f.HostErr) {
		return nil, nil // summarised per group
	}
	if f.HostErr != nil {
		if optional {
			return nil, nil
		}
		return []finding{{Kind: kindHostUser, User: name, Code: string(gate.CodeHostUser), Reason: f.HostErr.Error()}}, nil
	}
	f.Config = cfg
	mod := gate.Decide(f, gate.Request{Asker: gate.Module, Jailsh: ownPath()})
	mod.Close()
	if mod.Outcome == gate.Ignore {
		return userFindings(mod, nil, bad), nil
	}
	var ds []*gate.Decision
	first := gate.Decide(f, gate.Request{Asker: gate.Jailsh})
	ds = append(ds, first)
	for _, j := range first.Allowed[min(1, len(first.Allowed)):] {
		ds = append(ds, gate.Decide(f, gate.Request{Asker: gate.Jailsh, Jail: j, SelectedBy: "-j"}))
	}
	for _, d := range ds {
		d.Close()
	}
	who := &jailedUser{UID: f.Host.User.UID}
	for _, g := range f.Host.Groups {
		who.groups = append(who.groups, g.Name)
	}
	return userFindings(mod, ds, bad), who
}

// jailedUser is what the sshd check needs of a jailed user.
type jailedUser struct {
	UID    uint32
	groups []string
}

// userFindings classifies one user's decisions: the module's, and jailsh's
// for each of the user's jails (none when the module ignores the user).
func userFindings(mod *gate.Decision, ds []*gate.Decision, bad map[string]bool) []finding {
	u := mod.Host.User
	uid := u.UID
	base := finding{User: u.Name, UID: &uid}
	if mod.Rule != nil {
		base.Rule = mod.Rule.Pos.String()
	}
	if mod.Outcome == gate.Ignore {
		f := base
		f.Kind, f.Shell, f.Code, f.Reason = kindIgnored, u.Shell, mod.Code(), mod.Reason()
		return []finding{f}
	}
	var fs []finding
	for _, r := range mod.Reasons {
		if r.Code == gate.CodeShell {
			f := base
			f.Kind, f.Shell, f.Code, f.Jail = kindShell, u.Shell, string(gate.CodeShell), mod.Allowed[0]
			f.Reason = "assigned but login shell is not jailsh: a login would stay on the host"
			fs = append(fs, f)
		}
	}
	for _, d := range ds {
		f := base
		f.Jail, f.Where = d.Jail, d.Where
		switch {
		case d.Outcome == gate.Allow:
			f.Kind, f.Reason = kindAllow, "would run "+d.Cred.Shell+" in the jail"
			fs = append(fs, f)
			continue
		case len(d.Allowed) == 0:
			// No jail at all: a jailsh user whom no rule or a deny rule
			// reaches.
			f.Kind, f.Shell, f.Code = kindUnassigned, u.Shell, d.Code()
			f.Reason = "login shell is jailsh but no rule assigns a jail: every login is refused"
			if d.Rule != nil {
				f.Reason = "login shell is jailsh but the rule assigns deny: every login is refused"
			}
			fs = append(fs, f)
			continue
		}
		for _, r := range d.Reasons {
			if r.Code == gate.CodeJail && bad[d.Jail] {
				continue // reported once, as the jail's finding
			}
			f.Kind, f.Code, f.Reason = kindDeny, string(r.Code), r.Msg
			fs = append(fs, f)
		}
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
