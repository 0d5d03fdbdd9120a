// Package gate computes the one outcome of a login — ignore, deny or allow —
// for jailsh, pam_jailme and the admin's jailsh -n and --audit alike:
// assignment, selection among the user's jails, locating the jail without
// entering it, reading its passwd and group by fd, and the identity check.
// Callers print and log the Decision; none of them derives it again.
package gate

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"syscall"

	"jailme.dev/jailme/internal/audit"
	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/hostdb"
	"jailme.dev/jailme/internal/identity"
	"jailme.dev/jailme/internal/jail"
	"jailme.dev/jailme/internal/userdb"
)

// Code is the one vocabulary of refusal codes: the identity check's and the
// flow's below. It appears in syslog as code=…, in pam_error and jailsh -n.
type Code = identity.Code

// Codes for refusals (and the one ignore) outside the identity check.
const (
	CodeConfig       Code = "config"        // config missing, unsafe or invalid
	CodeNotAssigned  Code = "not-assigned"  // no rule and no default
	CodeAssignedDeny Code = "assigned-deny" // the matching rule says deny
	CodeNotAllowed   Code = "not-allowed"   // the selected jail is not one of the user's
	CodeJail         Code = "jail"          // the jail cannot be located or pinned
	CodeJailDB       Code = "jail-db"       // the jail's passwd/group unreadable or malformed
	CodeHostUser     Code = "host-user"     // the user is unknown to the host's NSS
	CodeUsage        Code = "usage"         // bad jailsh arguments
	CodeShell        Code = "shell"         // pam: a jailed user's login shell is not jailsh
	CodeAttach       Code = "attach"        // attach, drop or exec failed
	CodeConfine      Code = "confine"       // the jail's confinement cannot be applied
	CodeUnmapped     Code = "unmapped"      // an id of the user has no host id in the jail's user namespace
	CodeNoUser       Code = "no-user"       // pam: PAM_USER is not set
	CodeAudit        Code = "audit"         // the allow line could not be logged
	CodeInternal     Code = "internal"      // a bug (recovered panic)
	CodeNotJailed    Code = "not-jailed"    // pam ignores: the user is not a jailed user
)

// Outcome is what happens to the login. The zero value denies.
type Outcome int

const (
	Deny   Outcome = iota // refused: Reasons say why
	Ignore                // pam_jailme steps aside: not a jailed user
	Allow                 // enter Jail as Cred
)

func (o Outcome) String() string {
	switch o {
	case Ignore:
		return "ignore"
	case Allow:
		return "allow"
	}
	return "deny"
}

// Asker is who wants the decision; it changes who the decision is about.
type Asker int

const (
	// Jailsh decides for its caller: whoever runs jailsh is jailed, so a
	// user no rule assigns is refused.
	Jailsh Asker = iota
	// Module decides for PAM_USER and only about jailed users: a login
	// shell that is jailsh, or a user or group rule naming jails. Everyone
	// else, root included, is ignored, even when the config is broken.
	Module
)

// ShellCheck is pam_jailme's shell_check=: what to do with a user a rule
// jails whose login shell is not jailsh (the session would stay on the host).
type ShellCheck int

const (
	ShellDeny ShellCheck = iota
	ShellWarn
	ShellOff
)

// Request is who asks and for which jail.
type Request struct {
	Asker Asker
	// Jail is the jail the user selected; "" means none. For jailsh none
	// means the rule's first jail. For the module none means it cannot see
	// the selection (an ssh client's SetEnv never reaches PAM): the session
	// is allowed if any of the user's jails would let them in.
	Jail       string
	SelectedBy string // how Jail was selected, for the log: "-j", "JAILME_JAIL"
	// Module only.
	ShellCheck ShellCheck
	Jailsh     string // the jailsh path the module was configured with
}

// Facts are what the caller looked up before asking: the host user (NSS)
// and the configuration, each with the error that replaced it.
//
// HostErr with Host.User set means only the groups failed (the directory
// did not answer getgrouplist): the module then decides from the login
// shell, the user rules and LocalGroups, the groups the host's own
// /etc/group gives (hostdb.FilesGroups), with LocalErr when it could not
// be read.
type Facts struct {
	Host        identity.Host
	HostErr     error
	Config      *config.Config
	ConfigErr   error
	LocalGroups []userdb.Group
	LocalErr    error
}

// Decision is the one outcome and what was learnt on the way; callers print
// and log it. Located is open when set: Close releases it.
type Decision struct {
	Outcome Outcome
	// Reasons: for Deny every reason (the first one's code leads); for
	// Ignore the one reason the module steps aside.
	Reasons []identity.Denial
	// Warnings are logged at LOG_ERR or shown by the admin forms; they do
	// not change the outcome (a broken config while ignoring root, a
	// shell_check=warn mismatch, a default jail that would refuse).
	Warnings  []string
	Host      identity.Host
	HostKnown bool
	Rule      *config.Rule // the matching rule; nil when none or no config
	Allowed   []string     // the jails Rule lets the user enter, default first
	Jail      string       // the jail decided about
	Selected  string       // how Jail was chosen: "default", "-j", "JAILME_JAIL", "any"
	Located   *jail.Jail   // the located, pinned jail
	Where     string       // where Jail was found (pid:N, path:P, jid:N), kept after Close
	DB        *userdb.JailDB
	Verdict   identity.Verdict
	// Cred is what the session runs with when allowed: the identity check's
	// credentials after the jail's session policy (sessionPolicy).
	Cred identity.Cred
	// HostCred is Cred as the host sees it: the same ids, or in a jail with
	// a user namespace of its own the ids its maps give them (OwnUserNS).
	HostCred  identity.Cred
	OwnUserNS bool
}

// Close releases the located jail.
func (d *Decision) Close() {
	if d.Located != nil {
		d.Located.Close()
		d.Located = nil
	}
}

// Code is the audit code: the distinct codes of the reasons, in order.
func (d *Decision) Code() string {
	var cs []string
	for _, r := range d.Reasons {
		if c := string(r.Code); !slices.Contains(cs, c) {
			cs = append(cs, c)
		}
	}
	return strings.Join(cs, ",")
}

// Reason is every reason on one line.
func (d *Decision) Reason() string {
	ms := make([]string, len(d.Reasons))
	for i, r := range d.Reasons {
		ms[i] = r.Msg
	}
	return strings.Join(ms, "; ")
}

// Event fills the audit event with what the decision knows.
func (d *Decision) Event(e audit.Event) audit.Event {
	if d.HostKnown {
		uid := d.Host.User.UID
		e.User, e.UID = d.Host.User.Name, &uid
	}
	e.Jail, e.Select, e.Where = d.Jail, d.Selected, d.Where
	if d.Outcome == Allow && d.OwnUserNS {
		hu := d.HostCred.UID
		e.HostUID = &hu
	}
	if d.Outcome != Allow {
		e.Code, e.Reason = d.Code(), d.Reason()
	}
	return e
}

// Notices are the lines of the jail's passwd and group that were skipped on
// purpose (NIS compat entries), as "file:line: text", for the log.
func (d *Decision) Notices() []string {
	if d.DB == nil {
		return nil
	}
	out := make([]string, len(d.DB.Notices))
	for i, n := range d.DB.Notices {
		out[i] = fmt.Sprintf("%s:%d: %s", n.File, n.Line, n.Text)
	}
	return out
}

// HostByUID is the caller of jailsh as NSS knows them, from the real uid.
func HostByUID(uid uint32) (identity.Host, error) {
	u, err := hostdb.ByUID(uid)
	if err != nil {
		return identity.Host{}, fmt.Errorf("uid %d: %w", uid, err)
	}
	return host(u)
}

// HostByName is PAM_USER as NSS knows them, with the uid's own entry
// when it has another name (Host.Owner).
func HostByName(name string) (identity.Host, error) {
	u, err := hostdb.ByName(name)
	if err != nil {
		return identity.Host{}, fmt.Errorf("user %q: %w", name, err)
	}
	h, err := host(u)
	if o, oerr := hostdb.ByUID(u.UID); err == nil && oerr == nil && o.Name != u.Name {
		h.Owner = o
	}
	return h, err
}

func host(u *userdb.User) (identity.Host, error) {
	gs, err := hostdb.Groups(u)
	if err != nil {
		return identity.Host{}, fmt.Errorf("groups of %s: %w", u.Name, err)
	}
	return identity.Host{User: *u, Groups: gs}, nil
}

// installedAt are the paths jailsh's own packaging installs it at: make
// install (PREFIX /usr/local, as the FreeBSD port), the .deb (/usr/sbin),
// and /sbin, the same file on a merged /usr.
var installedAt = []string{"/usr/local/sbin/jailsh", "/usr/sbin/jailsh", "/sbin/jailsh"}

// IsJailsh reports whether a login shell is jailsh: the configured path or
// one jailsh's packaging installs it at, all in root's directories. Not any
// path named jailsh: where users set their own loginShell (FreeIPA's
// self-service lets them), a rule-jailed user's /home/alice/bin/jailsh
// passed the module's shell check and sshd ran it: a host session.
func IsJailsh(shell, configured string) bool {
	return shell != "" && (shell == configured || slices.Contains(installedAt, shell))
}

// Decide computes the outcome. It never enters a jail; an allowed decision
// holds the located jail for the caller to enter.
func Decide(f Facts, req Request) *Decision {
	d := &Decision{Host: f.Host, Selected: "default"}
	if req.Jail != "" {
		d.Selected = req.SelectedBy
	}
	if f.HostErr != nil && f.Host.User.Name == "" {
		// Not even the login shell is known, so not whether the user is
		// jailed: fail closed. sshd, login and su have looked the user up
		// already; only an NSS outage gets here, and only for a user the
		// host's files do not have (files answer first).
		return d.deny(CodeHostUser, f.HostErr.Error())
	}
	d.HostKnown = true
	u := f.Host.User
	if req.Asker == Module && u.UID == 0 {
		// uid 0 is never the module's business, under any name and
		// whatever the rules say: jailsh refuses it unless allow_root.
		d.Warnings = rootWarnings(f)
		return d.ignore(fmt.Sprintf("%s is not a jailed user: uid 0 is never jailed by pam_jailme", u.Name))
	}
	shellIsJailsh := IsJailsh(u.Shell, req.Jailsh)
	if f.ConfigErr != nil {
		if req.Asker == Module && !shellIsJailsh && !starved(f.ConfigErr) {
			// A typo in the config must never lock the admin out.
			d.Warnings = append(d.Warnings, fmt.Sprintf("configuration unusable, stepping aside for %s (login shell %s): %v",
				u.Name, orQuoted(u.Shell), f.ConfigErr))
			return d.ignore(fmt.Sprintf("%s is not a jailed user: login shell %s is not jailsh", u.Name, orQuoted(u.Shell)))
		}
		return d.deny(CodeConfig, f.ConfigErr.Error())
	}
	if o := f.Host.Owner; req.Asker == Module && o != nil {
		if r := uidAlias(f.Config, u, *o, req.Jailsh); r != "" {
			return d.deny(CodeUIDAlias, r)
		}
	}
	if f.HostErr != nil {
		return d.withoutGroups(f, req, shellIsJailsh)
	}

	a, assigned := f.Config.Assign(u.Name, groupNames(f.Host.Groups))
	if assigned {
		d.Rule = &a.Rule
	}
	if req.Asker == Module && !shellIsJailsh && !(assigned && a.Rule.Jails()) {
		return d.ignore(notJailed(u, d.Rule))
	}
	switch {
	case !assigned:
		return d.deny(CodeNotAssigned, fmt.Sprintf("%s is not assigned to any jail in %s", u.Name, f.Config.File))
	case a.Rule.Denies():
		return d.deny(CodeAssignedDeny, fmt.Sprintf("user %s is denied by the %s rule at %s", u.Name, a.Rule.Kind, a.Rule.Pos))
	}
	for _, j := range a.Jails {
		d.Allowed = append(d.Allowed, j.Name)
	}
	if gid, ok := unnamedGID(f.Host.Groups); ok {
		// The identity check compares group names; for anyone the rules
		// cannot jail a gid without a name is no error (it matches no rule).
		return d.deny(CodeHostUser, fmt.Sprintf("gid %d of %s has no group entry on the host: the jail's groups are compared by name", gid, u.Name))
	}

	var shell *identity.Denial
	if req.Asker == Module && !shellIsJailsh {
		msg := shellProblem(u.Shell, req.Jailsh, d.Allowed[0])
		switch req.ShellCheck {
		case ShellDeny:
			shell = &identity.Denial{Code: CodeShell, Msg: msg}
		case ShellWarn:
			d.Warnings = append(d.Warnings, msg+" (shell_check=warn)")
		}
	}

	candidates := a.Jails
	if req.Jail != "" {
		jc := selectJail(a.Jails, req.Jail)
		if jc == nil {
			d.Jail = req.Jail
			return d.deny(CodeNotAllowed, fmt.Sprintf("%s may not enter jail %s (%s: %s); allowed: %s",
				u.Name, req.Jail, a.Rule.Pos, a.Rule, strings.Join(d.Allowed, ", ")))
		}
		candidates = []*config.Jail{jc}
	} else if req.Asker == Jailsh {
		candidates = a.Jails[:1]
	}
	var refused []identity.Denial
	allowed := false
	for _, jc := range candidates {
		e := evaluate(f.Host, jc, f.Config.HostOnlyGroups(), req.Asker == Jailsh)
		if len(e.Reasons) == 0 {
			d.adopt(e)
			allowed = true
			if jc != a.Jails[0] && req.Jail == "" {
				// The module, seeing no selection, let a later jail decide.
				d.Selected = "any"
				d.Warnings = append(d.Warnings, fmt.Sprintf("the default jail %s refuses %s: a login that selects no jail will be refused by jailsh (%s)",
					a.Jails[0].Name, u.Name, joinMsgs(refused)))
			}
			break
		}
		e.Close()
		refused = append(refused, e.Reasons...)
		if d.Jail == "" || len(candidates) == 1 {
			d.adoptFacts(e) // what -n shows for a refused jail
		}
	}
	if !allowed {
		d.Reasons = refused
	}
	if shell != nil {
		d.Reasons = append(d.Reasons, *shell)
	}
	if len(d.Reasons) > 0 {
		d.Close()
		d.Outcome = Deny
		return d
	}
	d.Outcome = Allow
	return d
}

// CodeUIDAlias refuses a name whose uid is a jailed user's: the identity
// check's code for the same thing inside a jail.
const CodeUIDAlias = identity.Code("uid-alias")

// uidAlias is why u, another name for owner's uid, is refused, or "": a
// uid is jailed under every name. jailsh looks its caller up by uid, so it
// takes u for owner; the module sees the name. When either is jailed by
// login shell or user rule, the session under the other name would be a
// host session for the jailed uid (its files, its processes), so it is
// refused rather than jailed: the jail's passwd has the uid under the
// owner's name, and entering as u would be refused there anyway
// (uid-alias). A group rule that names only the owner's groups is not
// seen here (their groups are not looked up); --audit lists every such
// alias.
func uidAlias(cfg *config.Config, u, owner userdb.User, jailsh string) string {
	for _, who := range []userdb.User{owner, u} {
		if JailedByName(cfg, who, jailsh) {
			return fmt.Sprintf("%s has uid %d, which is also %s's, and %s is a jailed user: a uid is jailed under every name",
				u.Name, u.UID, owner.Name, who.Name)
		}
	}
	return ""
}

// JailedByName reports whether u is a jailed user whatever their groups:
// jailsh as login shell, or a user rule of theirs that names jails.
func JailedByName(cfg *config.Config, u userdb.User, jailsh string) bool {
	r, ruled := cfg.UserRule(u.Name)
	return IsJailsh(u.Shell, jailsh) || ruled && r.Jails()
}

// withoutGroups decides for a user whose passwd entry is known but whose
// groups the name service could not give: an LDAP outage reaches
// getgrouplist for files users too (glibc asks every source). jailsh
// refuses (it needs the groups for the identity check), and so does the
// module for a user the login shell or a user rule jails: the directory
// did not answer, and they have no other way in (fail closed). Anyone
// else is jailed only by a group rule: if no group rule that jails names
// one of their local groups (the host's own /etc/group), the module steps
// aside and logs the outage. The trade-off: a user whom only a directory
// group would jail, and whose login shell is not jailsh, gets a host
// session while the directory is down; jailsh as login shell is the
// barrier that fails closed (pam_jailme(8)).
func (d *Decision) withoutGroups(f Facts, req Request, shellIsJailsh bool) *Decision {
	u := f.Host.User
	refuse := f.HostErr.Error()
	if !errors.Is(f.HostErr, hostdb.ErrTimeout) {
		refuse = "the directory did not answer: " + refuse
	}
	if req.Asker != Module || shellIsJailsh {
		return d.deny(CodeHostUser, refuse)
	}
	if r, ok := f.Config.UserRule(u.Name); ok {
		d.Rule = &r
		if r.Jails() {
			return d.deny(CodeHostUser, refuse)
		}
		d.Warnings = append(d.Warnings, fmt.Sprintf("groups unknown (%v): the user rule at %s decides, stepping aside", f.HostErr, r.Pos))
		return d.ignore(notJailed(u, d.Rule))
	}
	if f.LocalErr != nil {
		return d.deny(CodeHostUser, fmt.Sprintf("%s; and the host's own groups: %v", refuse, f.LocalErr))
	}
	a, ok := f.Config.Assign(u.Name, groupNames(f.LocalGroups))
	if ok && a.Rule.Kind == config.ByGroup && a.Rule.Jails() {
		d.Rule = &a.Rule
		return d.deny(CodeHostUser, fmt.Sprintf("%s; local group %s is jailed by the rule at %s", refuse, a.Rule.Subject, a.Rule.Pos))
	}
	d.Warnings = append(d.Warnings, fmt.Sprintf("groups unknown (%v): no group rule that jails names a local group of %s, stepping aside", f.HostErr, u.Name))
	return d.ignore(fmt.Sprintf("%s is not a jailed user: login shell %s is not jailsh, no user rule names them, and their local groups name no jailing group rule (the directory did not answer)",
		u.Name, orQuoted(u.Shell)))
}

// starved says the configuration could not be read because this process
// ran out of descriptors, memory or processes: not a broken file but a
// state the caller brings about (su under ulimit -n), so it must not make
// the module step aside for a user a rule may jail. uid 0 is ignored
// before this is asked.
func starved(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOMEM, syscall.EAGAIN} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// rootWarnings are the rules that would jail uid 0 if the module let them:
// a user rule naming it, or a group rule naming one of the groups known
// (all of them, or the host's own when the directory did not answer).
// They never jail root; they are logged at LOG_ERR and jailsh -t says so.
func rootWarnings(f Facts) []string {
	if f.ConfigErr != nil {
		return []string{fmt.Sprintf("configuration unusable, stepping aside for %s (login shell %s, uid 0): %v",
			f.Host.User.Name, orQuoted(f.Host.User.Shell), f.ConfigErr)}
	}
	if f.Config == nil {
		return nil
	}
	gs := f.Host.Groups
	if f.HostErr != nil {
		gs = f.LocalGroups
	}
	a, ok := f.Config.Assign(f.Host.User.Name, groupNames(gs))
	if !ok || a.Rule.Kind == config.ByDefault || !a.Rule.Jails() {
		return nil
	}
	return []string{fmt.Sprintf("the %s rule at %s would jail %s (uid 0): pam_jailme never jails uid 0, jailsh refuses it unless allow_root",
		a.Rule.Kind, a.Rule.Pos, f.Host.User.Name)}
}

func groupNames(gs []userdb.Group) []string {
	names := make([]string, 0, len(gs))
	for _, g := range gs {
		if g.Name != "" {
			names = append(names, g.Name)
		}
	}
	return names
}

// unnamedGID is the first gid without a group entry (hostdb.Groups).
func unnamedGID(gs []userdb.Group) (uint32, bool) {
	for _, g := range gs {
		if g.Name == "" {
			return g.GID, true
		}
	}
	return 0, false
}

// evaluation is one jail's part of a decision.
type evaluation struct {
	Jail    *config.Jail
	Located *jail.Jail
	Where   string
	DB      *userdb.JailDB
	Verdict identity.Verdict
	Cred    identity.Cred
	Host    identity.Cred // Cred through the jail's id maps
	OwnNS   bool          // the jail has a user namespace of its own
	Reasons []identity.Denial
}

func (e *evaluation) Close() {
	if e.Located != nil {
		e.Located.Close()
	}
}

// evaluate locates jc, reads its databases by fd and runs the identity
// check; every refusal happens here, before anything is entered or logged
// as allowed.
//
// Every reason names the jail: "/etc/group:5" alone would not say that it
// is the jail's file, nor which jail's.
//
// carry: copy the init's seccomp filters for the session now (jailsh, its
// -n and --audit). pam_jailme does not: the copy stops the init under
// ptrace, which inside sshd would report to sshd's own waitpid(-1); a
// filter that cannot be carried is refused by jailsh, the login shell,
// with the same reason.
func evaluate(h identity.Host, jc *config.Jail, hostOnly []string, carry bool) *evaluation {
	e := evaluateIn(h, jc, hostOnly, carry)
	prefix := "jail " + jc.Name + ": "
	for i, r := range e.Reasons {
		if !strings.HasPrefix(r.Msg, prefix) {
			e.Reasons[i].Msg = prefix + r.Msg
		}
	}
	return e
}

func evaluateIn(h identity.Host, jc *config.Jail, hostOnly []string, carry bool) *evaluation {
	e := &evaluation{Jail: jc}
	fail := func(code Code, err error) *evaluation {
		e.Reasons = append(e.Reasons, identity.Denial{Code: code, Msg: err.Error()})
		return e
	}
	j, err := jail.Locate(jc)
	if err != nil {
		return fail(CodeJail, err)
	}
	e.Located, e.Where = j, j.Where()
	want := userdb.Want{Name: h.User.Name, UID: h.User.UID}
	for _, g := range h.Groups {
		want.GIDs = append(want.GIDs, g.GID)
	}
	db, err := userdb.ReadJail(j.Root(), want)
	if err != nil {
		return fail(CodeJailDB, fmt.Errorf("jail %s: %w", jc.Name, err))
	}
	if jc.Users == config.DirectoryUsers {
		if err := fromDirectory(j.Root(), h, db); err != nil {
			return fail(CodeDirectory, fmt.Errorf("jail %s: users = directory: %w", jc.Name, err))
		}
	}
	e.DB = db
	e.Verdict = identity.Check(h, db, identity.Policy{Strict: jc.Groups == config.Strict, AllowRoot: jc.AllowRoot, HostOnly: hostOnly})
	if !e.Verdict.Allowed() {
		e.Reasons = slices.Clone(e.Verdict.Denials)
		return e
	}
	// A session that would be less confined than the jail's own processes
	// is refused.
	if err := j.CheckConfinement(); err != nil {
		return fail(CodeConfine, err)
	}
	if carry {
		if err := j.CarrySeccomp(); err != nil {
			return fail(CodeConfine, err)
		}
	}
	e.Cred, err = sessionPolicy(jc, db, e.Verdict.Cred)
	if err != nil {
		return fail(CodeJailDB, err)
	}
	// In a jail with a user namespace of its own the same ids mean other
	// host ids, and an id its maps leave out cannot be used.
	e.OwnNS = j.OwnUserNS()
	if e.Host, err = j.HostCred(e.Cred); err != nil {
		return fail(CodeUnmapped, err)
	}
	return e
}

// DefaultShell is what a jail passwd entry with an empty shell field gets,
// as login(1) does.
const DefaultShell = "/bin/sh"

// sessionPolicy turns the identity check's credentials into the session's:
// the jail's shell= override, /bin/sh for an empty shell field and / for an
// empty home, as login(1) does. The shell is the jail's program, run as the
// user: a plain absolute path and never jailsh again.
func sessionPolicy(jc *config.Jail, db *userdb.JailDB, c identity.Cred) (identity.Cred, error) {
	if jc.Shell != "" {
		c.Shell = jc.Shell
	}
	if c.Shell == "" {
		c.Shell = DefaultShell
	}
	if !path.IsAbs(c.Shell) || path.Base(c.Shell) == "jailsh" {
		return c, fmt.Errorf("jail %s: %s:%d: shell %q for %s is not usable (absolute path to a shell other than jailsh)",
			jc.Name, db.PasswdFile, db.User.Line, c.Shell, c.Name)
	}
	if c.Home == "" {
		c.Home = "/"
	}
	return c, nil
}

// adopt makes an allowed evaluation the decision's.
func (d *Decision) adopt(e *evaluation) {
	d.adoptFacts(e)
	d.Located, e.Located = e.Located, nil
	d.Cred, d.HostCred, d.OwnUserNS = e.Cred, e.Host, e.OwnNS
}

// adoptFacts keeps what a refused evaluation learnt, for jailsh -n.
func (d *Decision) adoptFacts(e *evaluation) {
	d.Jail, d.Where, d.DB, d.Verdict = e.Jail.Name, e.Where, e.DB, e.Verdict
}

// Refuse turns the decision into a denial after the fact: the session
// could not be started (attach, drop or exec failed) or its program was not
// found. The jail is released.
func (d *Decision) Refuse(code Code, msg string) *Decision {
	d.Reasons = nil
	return d.deny(code, msg)
}

func (d *Decision) deny(code Code, msg string) *Decision {
	d.Close()
	d.Outcome = Deny
	d.Reasons = append(d.Reasons, identity.Denial{Code: code, Msg: msg})
	return d
}

func (d *Decision) ignore(msg string) *Decision {
	d.Outcome = Ignore
	d.Reasons = []identity.Denial{{Code: CodeNotJailed, Msg: msg}}
	return d
}

// selectJail is the jail named name among the rule's, or nil: a selection
// can only narrow what the config allows.
func selectJail(js []*config.Jail, name string) *config.Jail {
	for _, j := range js {
		if j.Name == name {
			return j
		}
	}
	return nil
}

// notJailed says why the module steps aside for u.
func notJailed(u userdb.User, r *config.Rule) string {
	var by string
	switch {
	case r == nil:
		by = "no rule names them"
	case r.Denies():
		by = fmt.Sprintf("the deny rule at %s names no jail", r.Pos)
	default:
		by = fmt.Sprintf("only the default rule at %s matches", r.Pos)
	}
	return fmt.Sprintf("%s is not a jailed user: login shell %s is not jailsh and %s", u.Name, orQuoted(u.Shell), by)
}

// shellProblem says why a session with this login shell would not enter the
// jail.
func shellProblem(shell, jailsh, jailName string) string {
	what := "jailsh"
	if path.Base(shell) == "jailsh" {
		paths := installedAt
		if jailsh != "" && !slices.Contains(paths, jailsh) {
			paths = append([]string{jailsh}, paths...)
		}
		what = "jailsh at a path of root's (" + strings.Join(paths, ", ") + ")"
	}
	return fmt.Sprintf("login shell is %s, not %s: the session would not enter jail %s", orQuoted(shell), what, jailName)
}

func orQuoted(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

func joinMsgs(ds []identity.Denial) string {
	ms := make([]string, len(ds))
	for i, d := range ds {
		ms[i] = d.Msg
	}
	return strings.Join(ms, "; ")
}
