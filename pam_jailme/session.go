//go:build cgo

package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"jailme.dev/jailme/internal/audit"
	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/gate"
	"jailme.dev/jailme/internal/identity"
)

// handle is what the session code needs from PAM (cHandle in main.go).
type handle interface {
	item(item int) (string, bool)
	message(msg string) // PAM_ERROR_MSG to the user
	log(prio int, msg string)
}

const (
	defaultConfig = "/etc/jailme.conf"
	defaultJailsh = "/usr/local/sbin/jailsh"
)

// Deny codes of this module's own flow; the others are gate's (gate.Code*)
// and the identity check's (identity.Code). They appear in syslog as code=...
const (
	codeNoUser   identity.Code = "no-user"
	codeAudit    identity.Code = "audit"
	codeInternal identity.Code = "internal"
)

// Values of shell_check=.
const (
	shellDeny = "deny"
	shellWarn = "warn"
	shellOff  = "off"
)

type options struct {
	debug      bool
	config     string
	shellCheck string
	jailsh     string
}

// parseArgs reads the module arguments, Linux-PAM style. An unknown or
// malformed argument is reported (the caller logs it) and leaves the safe
// default in place: it never weakens the check.
func parseArgs(args []string) (options, []string) {
	o := options{config: defaultConfig, shellCheck: shellDeny, jailsh: defaultJailsh}
	var bad []string
	for _, a := range args {
		k, v, hasValue := strings.Cut(a, "=")
		switch {
		case a == "debug":
			o.debug = true
		case k == "config" && hasValue && filepath.IsAbs(v):
			o.config = v
		case k == "jailsh" && hasValue && filepath.IsAbs(v):
			o.jailsh = v
		case k == "shell_check" && (v == shellDeny || v == shellWarn || v == shellOff):
			o.shellCheck = v
		default:
			bad = append(bad, fmt.Sprintf("ignoring unknown or malformed argument %q", a))
		}
	}
	return o, bad
}

// session carries one open_session call: the handle, the options and the
// audit event filled in as the facts become known.
type session struct {
	h      handle
	opt    options
	silent bool
	ev     audit.Event
}

// openSession is the policy, top to bottom: who (PAM_USER through the
// host's NSS), the configuration, the shared gate (assignment, locate the
// jail without entering it, read the jail's files by fd, identity check),
// the login shell, then log and answer.
func openSession(h handle, flags int, args []string) (rc int) {
	opt, bad := parseArgs(args)
	for _, b := range bad {
		h.log(logWarning, b)
	}
	s := &session{h: h, opt: opt, silent: flags&pamSilent != 0}
	s.ev.Prog = "pam_jailme"
	s.ev.Service, _ = h.item(pamItemService)
	s.ev.RHost, _ = h.item(pamItemRHost)
	defer func() {
		// A bug must not take the host process down, nor let anyone in.
		if r := recover(); r != nil {
			rc = s.refuse(pamSessionErr, identity.Denial{Code: codeInternal,
				Msg: fmt.Sprintf("internal error: %v", r)})
		}
	}()

	user, ok := h.item(pamItemUser)
	if !ok || user == "" {
		return s.refuse(pamSessionErr, identity.Denial{Code: codeNoUser, Msg: "PAM_USER is not set"})
	}
	s.ev.User = user
	host, err := gate.HostByName(user)
	if err != nil {
		return s.refuse(pamSessionErr, identity.Denial{Code: gate.CodeHostUser, Msg: err.Error()})
	}
	s.ev.UID = &host.User.UID

	cfg, err := config.Load(opt.config)
	if err != nil {
		return s.refuse(pamSessionErr, identity.Denial{Code: gate.CodeConfig, Msg: err.Error()})
	}
	d, err := gate.Decide(cfg, host)
	if d != nil && d.Jail != nil {
		defer d.Jail.Close()
		s.ev.Where = d.Jail.Where()
	}
	if d != nil && d.Assignment.Jail != nil {
		s.ev.Jail = d.Assignment.Jail.Name
	}
	if d != nil {
		for _, n := range d.Notices() {
			audit.Note(s.ev, n)
		}
	}
	if err != nil {
		// Dead jail, unreadable or malformed jail passwd/group: fail closed.
		return s.refuse(pamSessionErr, identity.Denial{Code: identity.Code(gate.CodeOf(err)), Msg: err.Error()})
	}
	if !d.Assigned {
		s.debug(fmt.Sprintf("user %s: no rule in %s assigns a jail: ignored", user, opt.config))
		return pamIgnore
	}
	rule := d.Assignment.Rule
	if d.Assignment.Jail == nil {
		return s.refuse(pamPermDenied, identity.Denial{Code: gate.CodeAssignedDeny,
			Msg: fmt.Sprintf("user %s is denied by the %s rule at %s", user, rule.Kind, rule.Pos)})
	}
	s.debug(fmt.Sprintf("user %s: jail %s (%s) by the %s rule at %s", user, s.ev.Jail, s.ev.Where, rule.Kind, rule.Pos))

	denials := d.Verdict.Denials
	if msg := shellProblem(host.User.Shell, opt.jailsh, s.ev.Jail); msg != "" {
		switch opt.shellCheck {
		case shellDeny:
			denials = append(denials, identity.Denial{Code: gate.CodeShell, Msg: msg})
		case shellWarn:
			h.log(logWarning, msg+" (shell_check=warn)")
		}
	}
	if len(denials) > 0 {
		return s.refuse(pamPermDenied, denials...)
	}
	// As jailsh: no audit trail, no session.
	if err := audit.Allow(s.ev); err != nil {
		return s.refuse(pamSessionErr, identity.Denial{Code: codeAudit,
			Msg: err.Error() + ": refusing to start an unlogged session"})
	}
	return pamSuccess
}

// closeSession has nothing to undo: the module changes nothing.
func closeSession(h handle, flags int, args []string) int {
	opt, _ := parseArgs(args)
	if opt.debug {
		user, _ := h.item(pamItemUser)
		h.log(logDebug, "close_session for user "+user)
	}
	return pamSuccess
}

// shellProblem says why a session with this login shell would not enter
// the jail, or "" if the shell is jailsh. A session opened here continues
// with the host login shell; anything but jailsh lands the user on the host.
// An absolute path named jailsh is accepted too (/usr/sbin/jailsh): login
// shells are set by root.
func shellProblem(shell, jailsh, jailName string) string {
	if shell == jailsh || (filepath.IsAbs(shell) && filepath.Base(shell) == "jailsh") {
		return ""
	}
	what := "jailsh"
	switch {
	case shell == "":
		shell = `""`
	case filepath.Base(shell) == "jailsh":
		what = "an absolute path to jailsh"
	}
	return fmt.Sprintf("login shell is %s, not %s: the session would not enter jail %s", shell, what, jailName)
}

// refuse logs the denial (one syslog line), tells the user unless PAM_SILENT,
// and returns rc.
func (s *session) refuse(rc int, denials ...identity.Denial) int {
	codes := make([]string, len(denials))
	msgs := make([]string, len(denials))
	for i, d := range denials {
		codes[i] = string(d.Code)
		msgs[i] = d.Msg
	}
	s.ev.Code = strings.Join(codes, ",")
	s.ev.Reason = strings.Join(msgs, "; ")
	if err := audit.Deny(s.ev); err != nil {
		// syslog through libc instead, so the reason is not lost.
		s.h.log(logErr, audit.Line("deny", s.ev)+" (audit: "+err.Error()+")")
	}
	if !s.silent {
		for _, m := range msgs {
			s.h.message("jailme: " + m)
		}
	}
	return rc
}

func (s *session) debug(msg string) {
	if s.opt.debug {
		s.h.log(logDebug, msg)
	}
}
