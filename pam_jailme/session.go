//go:build cgo

package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"jailme.dev/jailme/internal/audit"
	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/gate"
	"jailme.dev/jailme/internal/hostdb"
	"jailme.dev/jailme/internal/identity"
)

// handle is what the session code needs from PAM (cHandle in main.go).
type handle interface {
	item(item int) (string, bool)
	env(name string) (string, bool) // pam_getenv
	message(msg string)             // PAM_ERROR_MSG to the user
	log(prio int, msg string)
}

const (
	defaultConfig = "/etc/jailme.conf"
	defaultJailsh = "/usr/local/sbin/jailsh"
)

// Values of shell_check=.
var shellChecks = map[string]gate.ShellCheck{"deny": gate.ShellDeny, "warn": gate.ShellWarn, "off": gate.ShellOff}

func isShellCheck(v string) bool { _, ok := shellChecks[v]; return ok }

type options struct {
	debug      bool
	config     string
	shellCheck gate.ShellCheck
	jailsh     string
}

// parseArgs reads the module arguments, Linux-PAM style. An unknown or
// malformed argument is reported (the caller logs it) and leaves the safe
// default in place: it never weakens the check.
func parseArgs(args []string) (options, []string) {
	o := options{config: defaultConfig, shellCheck: gate.ShellDeny, jailsh: defaultJailsh}
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
		case k == "shell_check" && hasValue && isShellCheck(v):
			o.shellCheck = shellChecks[v]
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
// host's NSS), the configuration, the selection the module can see, then
// the one decision (package gate) — ignore, deny or allow — logged and
// answered. Only jailed users are decided; root and every other host user
// get PAM_IGNORE, even when the configuration is broken.
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
			rc = s.refuse(&gate.Decision{Reasons: []identity.Denial{{Code: gate.CodeInternal,
				Msg: fmt.Sprintf("internal error: %v", r)}}})
		}
	}()

	user, ok := h.item(pamItemUser)
	if !ok || user == "" {
		return s.refuse(&gate.Decision{Reasons: []identity.Denial{{Code: gate.CodeNoUser, Msg: "PAM_USER is not set"}}})
	}
	s.ev.User = user
	// The config first: it holds the deadline on the host lookup.
	var f gate.Facts
	f.Config, f.ConfigErr = config.Load(opt.config)
	f.Host, f.HostErr = s.lookup(user, f.Config)
	if outage(f.HostErr) && f.Host.User.Name == "" {
		// Not even the passwd entry came (the directory is asked first,
		// or hangs the files answer behind it): the host's own
		// /etc/passwd still knows a local account, root's above all,
		// and NSS would fail over to it for the session.
		if u, ok, err := hostdb.FilesUser(user); ok {
			f.Host.User = u
		} else if err != nil {
			h.log(logErr, fmt.Sprintf("user %s: %v", user, err))
		}
	}
	if f.Host.User.Name != "" {
		uid := f.Host.User.UID
		s.ev.UID = &uid // known even when only the groups failed
	}
	if f.HostErr != nil && f.Host.User.Name != "" {
		// The directory did not give the groups: the host's own
		// /etc/group still says whether a group rule could jail them.
		f.LocalGroups, f.LocalErr = hostdb.FilesGroups(f.Host.User)
	}
	audit.Required = f.Config != nil && f.Config.LogRequired
	// Only what the service put into the PAM environment is visible here
	// (pam_env, a service that passes it); an ssh client's SetEnv reaches
	// jailsh, never PAM: then the module checks every jail of the user.
	sel, _ := h.env(selectorVar)
	req := gate.Request{Asker: gate.Module, Jail: sel, SelectedBy: selectorVar,
		ShellCheck: opt.shellCheck, Jailsh: opt.jailsh}
	d := gate.Decide(f, req)
	defer d.Close()
	s.ev = d.Event(s.ev)
	for _, w := range d.Warnings {
		h.log(logErr, "user "+user+": "+w)
	}
	for _, n := range d.Notices() {
		audit.Note(s.ev, n)
	}
	switch d.Outcome {
	case gate.Ignore:
		s.debug(d.Reason() + ": ignored")
		return pamIgnore
	case gate.Deny:
		return s.refuse(d)
	}
	s.debug(fmt.Sprintf("user %s: jail %s (%s)", user, d.Jail, s.ev.Where))
	// As jailsh: no audit trail, no session.
	if err := audit.Allow(s.ev); err != nil {
		return s.refuse(d.Refuse(gate.CodeAudit, err.Error()+": refusing to start an unlogged session"))
	}
	return pamSuccess
}

const selectorVar = "JAILME_JAIL"

// outage says the name service did not answer (or not in time), which
// says nothing about the user, unlike "no such user".
func outage(err error) bool {
	return errors.Is(err, hostdb.ErrTimeout) || errors.Is(err, hostdb.ErrUnavailable)
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

// refuse logs the denial (one syslog line), tells the user unless
// PAM_SILENT, and returns the PAM status: PAM_PERM_DENIED when the policy
// refuses the user, PAM_SESSION_ERR when something needed could not be had.
func (s *session) refuse(d *gate.Decision) int {
	s.ev.Code, s.ev.Reason = d.Code(), d.Reason()
	if err := audit.Deny(s.ev); err != nil {
		// syslog through libc instead, so the reason is not lost.
		s.h.log(logErr, audit.Line("deny", s.ev)+" (audit: "+err.Error()+")")
	}
	if !s.silent {
		for _, r := range d.Reasons {
			s.h.message("jailme: " + r.Msg)
		}
	}
	switch d.Reasons[0].Code {
	case gate.CodeConfig, gate.CodeJail, gate.CodeJailDB, gate.CodeHostUser, gate.CodeNoUser,
		gate.CodeAudit, gate.CodeInternal, gate.CodeConfine:
		return pamSessionErr
	}
	return pamPermDenied
}

func (s *session) debug(msg string) {
	if s.opt.debug {
		s.h.log(logDebug, msg)
	}
}
