// Command jailsh is a setuid-root login shell that puts its caller into the
// jail /etc/jailme.conf assigns them, as themselves, never as root.
//
// The privileged path below reads top to bottom: who is calling (from the
// real uid, never the environment), what the root-owned config says, where
// the jail is, whether the identity agrees between host and jail, then
// attach, drop, exec. Every refusal is logged and printed with its reason.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/audit"
	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/gate"
	"jailme.dev/jailme/internal/jail"
)

const confPath = "/etc/jailme.conf"

func main() {
	// Before anything can open a file: fds 0-2 must be open (else our own
	// files would land there) and must not be host directories (runc
	// CVE-2024-21626); no core dump or ptrace of a setuid process; nothing
	// of ours or our caller's crosses exec.
	if err := sanitizeFDs(); err != nil {
		fatalf("%v", err)
	}
	if err := noDump(); err != nil {
		fatalf("%v", err)
	}
	if err := cloexecFrom(3); err != nil {
		fatalf("%v", err)
	}

	uid := uint32(unix.Getuid())
	if uid == 0 && isAdminForm(os.Args) {
		os.Exit(admin(os.Args[1:]))
	}
	inv, err := parseArgs(os.Args)
	ev := audit.Event{Prog: "jailsh", UID: &uid, Command: inv.describe()}
	if err != nil {
		refuse(ev, gate.CodeUsage, err.Error())
	}

	host, err := gate.HostByUID(uid)
	if err != nil {
		refuse(ev, gate.CodeOf(err), err.Error())
	}
	ev.User = host.User.Name

	cfg, err := config.Load(confPath)
	if err != nil {
		refuse(ev, gate.CodeConfig, err.Error())
	}

	d, err := gate.Decide(cfg, host)
	if d.Jail != nil {
		defer d.Jail.Close()
		ev.Jail, ev.Where = d.Assignment.Jail.Name, d.Jail.Where()
	} else if d.Assignment.Jail != nil {
		ev.Jail = d.Assignment.Jail.Name
	}
	for _, n := range d.Notices() {
		audit.Note(ev, n)
	}
	switch {
	case err != nil:
		refuse(ev, gate.CodeOf(err), err.Error())
	case !d.Assigned:
		refuse(ev, gate.CodeNotAssigned, fmt.Sprintf("%s is not assigned to any jail in %s", host.User.Name, confPath))
	case d.Assignment.Jail == nil:
		refuse(ev, gate.CodeAssignedDeny, fmt.Sprintf("%s: %s is denied by this rule", d.Assignment.Rule.Pos, host.User.Name))
	case !d.Verdict.Allowed():
		var reasons []string
		for _, dn := range d.Verdict.Denials {
			reasons = append(reasons, dn.Msg)
		}
		refuse(ev, string(d.Verdict.Denials[0].Code), reasons...)
	}

	cred := d.Verdict.Cred
	s := jail.Session{
		Cred:   cred,
		Path:   cred.Shell,
		Argv:   inv.argv(cred.Shell),
		Env:    buildEnv(os.Environ(), cred),
		Notice: func(msg string) { fmt.Fprintf(os.Stderr, "jailsh: %s\n", msg) },
	}
	// Connected now: once inside, "/dev/log" is the jail's. No audit
	// trail, no session.
	if err := audit.Connect(); err != nil {
		fatalf("%v: refusing to start an unlogged session", err)
	}
	if err := audit.Allow(ev); err != nil {
		fatalf("%v: refusing to start an unlogged session", err)
	}
	status, err := d.Jail.Run(s)
	if errors.Is(err, jail.ErrConfine) {
		refuse(ev, gate.CodeConfine, err.Error())
	}
	if err != nil {
		refuse(ev, gate.CodeAttach, err.Error())
	}
	os.Exit(status)
}

// refuse logs the denial, tells the caller why, and exits 1. The caller
// gets no shell.
func refuse(ev audit.Event, code string, reasons ...string) {
	ev.Code = code
	ev.Reason = strings.Join(reasons, "; ")
	logErr := audit.Deny(ev)
	for _, r := range reasons {
		fmt.Fprintf(os.Stderr, "jailsh: denied: %s\n", r)
	}
	if logErr != nil {
		fmt.Fprintf(os.Stderr, "jailsh: %v\n", logErr)
	}
	os.Exit(1)
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "jailsh: "+format+"\n", args...)
	os.Exit(1)
}
