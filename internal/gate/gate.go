// Package gate runs the steps from the host identity to the verdict, once,
// for jailsh, jailsh -n/--audit and pam_jailme alike: assignment, locating
// the jail without entering it, reading its passwd and group by fd, and the
// identity check.
package gate

import (
	"errors"
	"fmt"
	"path"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/hostdb"
	"jailme.dev/jailme/internal/identity"
	"jailme.dev/jailme/internal/jail"
	"jailme.dev/jailme/internal/userdb"
)

// Codes for refusals that happen outside the identity check; they appear in
// the audit line as code=….
const (
	CodeConfig       = "config"
	CodeNotAssigned  = "not-assigned"
	CodeAssignedDeny = "assigned-deny"
	CodeJail         = "jail"
	CodeJailDB       = "jail-db"
	CodeHostUser     = "host-user"
	CodeUsage        = "usage"
	CodeShell        = "shell"
	CodeAttach       = "attach"
	CodeConfine      = "confine"
)

// Error is a refusal with its audit code.
type Error struct {
	Code string
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// CodeOf returns the audit code of err, "config" for a config error.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeConfig
}

// DefaultShell is what a jail passwd entry with an empty shell field gets,
// as login(1) does.
const DefaultShell = "/bin/sh"

// Decision is everything learnt on the way to the verdict; jailsh -n prints
// it. Jail is open when set: the caller closes it.
type Decision struct {
	Host       identity.Host
	Assignment config.Assignment
	Assigned   bool
	Jail       *jail.Jail
	DB         *userdb.JailDB
	Verdict    identity.Verdict
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

// Denied reports whether the decision refuses the user: no assignment, a
// deny rule, or a failed identity check.
func (d *Decision) Denied() bool {
	return !d.Assigned || d.Assignment.Jail == nil || !d.Verdict.Allowed()
}

// HostByUID is the caller of jailsh as NSS knows them, from the real uid.
func HostByUID(uid uint32) (identity.Host, error) {
	u, err := hostdb.ByUID(uid)
	if err != nil {
		return identity.Host{}, &Error{CodeHostUser, fmt.Errorf("uid %d: %w", uid, err)}
	}
	return host(u)
}

// HostByName is PAM_USER as NSS knows them.
func HostByName(name string) (identity.Host, error) {
	u, err := hostdb.ByName(name)
	if err != nil {
		return identity.Host{}, &Error{CodeHostUser, fmt.Errorf("user %q: %w", name, err)}
	}
	return host(u)
}

func host(u *userdb.User) (identity.Host, error) {
	gs, err := hostdb.Groups(u)
	if err != nil {
		return identity.Host{}, &Error{CodeHostUser, fmt.Errorf("groups of %s: %w", u.Name, err)}
	}
	return identity.Host{User: *u, Groups: gs}, nil
}

// Decide evaluates h against cfg. An error means the jail could not be
// located or read: the caller refuses (fail closed) with CodeOf(err).
func Decide(cfg *config.Config, h identity.Host) (*Decision, error) {
	d := &Decision{Host: h}
	names := make([]string, len(h.Groups))
	for i, g := range h.Groups {
		names[i] = g.Name
	}
	d.Assignment, d.Assigned = cfg.Assign(h.User.Name, names)
	jc := d.Assignment.Jail
	if !d.Assigned || jc == nil {
		return d, nil
	}

	j, err := jail.Locate(jc)
	if err != nil {
		return d, &Error{CodeJail, err}
	}
	d.Jail = j

	want := userdb.Want{Name: h.User.Name, UID: h.User.UID}
	for _, g := range h.Groups {
		want.GIDs = append(want.GIDs, g.GID)
	}
	db, err := userdb.ReadJail(j.Root(), want)
	if err != nil {
		return d, &Error{CodeJailDB, fmt.Errorf("jail %s: %w", jc.Name, err)}
	}
	d.DB = db

	d.Verdict = identity.Check(h, db, identity.Policy{Strict: jc.Groups == config.Strict, AllowRoot: jc.AllowRoot})
	if !d.Verdict.Allowed() {
		return d, nil
	}
	// Before anything is entered or logged as allowed: a session that
	// would be less confined than the jail's own processes is refused.
	if err := j.CheckConfinement(); err != nil {
		return d, &Error{CodeConfine, err}
	}
	c := &d.Verdict.Cred
	if jc.Shell != "" {
		c.Shell = jc.Shell
	}
	if c.Shell == "" {
		c.Shell = DefaultShell
	}
	// The session's shell is the jail's program, run as the user; it must
	// be a plain absolute path and never jailsh again.
	if !path.IsAbs(c.Shell) || path.Base(c.Shell) == "jailsh" {
		return d, &Error{CodeJailDB, fmt.Errorf("jail %s: %s:%d: shell %q for %s is not usable (absolute path to a shell other than jailsh)",
			jc.Name, db.PasswdFile, db.User.Line, c.Shell, h.User.Name)}
	}
	if c.Home == "" {
		c.Home = "/"
	}
	return d, nil
}
