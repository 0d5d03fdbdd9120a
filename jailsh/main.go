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
	"jailme.dev/jailme/internal/identity"
	"jailme.dev/jailme/internal/jail"
	"jailme.dev/jailme/internal/userdb"
)

const confPath = "/etc/jailme.conf"

func main() {
	if handled, status := infoForm(os.Args, os.Stdout); handled {
		os.Exit(status) // --version, --help: anyone, nothing logged (version.go)
	}
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

	if isLookupForm(os.Args) {
		os.Exit(hostLookup(os.Args))
	}
	uid := uint32(unix.Getuid())
	if isAdminForm(os.Args) {
		// Not a login: root's forms, the read-only ones for anyone
		// (privilege dropped), or a usage error; nothing logged.
		os.Exit(admin(os.Args[1:], uid))
	}
	ev := audit.Event{Prog: "jailsh", UID: &uid}
	inv, err := parseArgs(os.Args)
	ev.Command = inv.describe()
	if err != nil {
		refuse(ev, &gate.Decision{Reasons: []identity.Denial{{Code: gate.CodeUsage, Msg: err.Error()}}})
	}

	// The config first: it holds the deadline on the host lookup.
	var f gate.Facts
	f.Config, f.ConfigErr = config.Load(confPath)
	audit.Required = f.Config != nil && f.Config.LogRequired
	f.Host, f.HostErr = lookupCaller(uid, f.Config)
	ev.User = f.Host.User.Name // known even when only the groups failed
	sel, how := inv.selection(os.Getenv)
	d := gate.Decide(f, gate.Request{Asker: gate.Jailsh, Jail: sel, SelectedBy: how})
	defer d.Close()
	ev = d.Event(ev)
	for _, n := range d.Notices() {
		audit.Note(ev, n)
	}
	if d.Outcome != gate.Allow {
		refuse(ev, d)
	}

	cred := d.Cred
	s := jail.Session{
		Cred:   cred,
		Path:   cred.Shell,
		Argv:   inv.argv(cred.Shell),
		Env:    buildEnv(os.Environ(), cred),
		Notice: func(msg string) { fmt.Fprintf(os.Stderr, "jailsh: %s\n", msg) },
	}
	if inv.program != nil {
		// jexec's form: the program is found in the jail's own PATH
		// directories by our code, by fd, and run without a shell.
		if s.Path, err = userdb.LookPathInRoot(d.Located.Root(), inv.program[0], strings.Split(sessionPath, ":")); err != nil {
			refuse(ev, d.Refuse(gate.CodeUsage, fmt.Sprintf("jail %s: %v", d.Jail, err)))
		}
	}
	// Connected now: once inside, "/dev/log" is the jail's. No audit
	// trail, no session.
	if err := audit.Connect(); err != nil {
		fatalf("%v: refusing to start an unlogged session", err)
	}
	if err := audit.Allow(ev); err != nil {
		fatalf("%v: refusing to start an unlogged session", err)
	}
	s.Log = audit.DenyHandoff(ev)
	status, err := d.Located.Run(s)
	if err != nil {
		code := gate.CodeAttach
		if errors.Is(err, jail.ErrConfine) {
			code = gate.CodeConfine
		}
		// The allow line is already out: this deny line says the session
		// never started.
		refuse(ev, d.Refuse(code, err.Error()))
	}
	os.Exit(status)
}

// refuse logs the denial, tells the caller every reason, and exits 1. The
// caller gets no shell.
func refuse(ev audit.Event, d *gate.Decision) {
	ev.Code, ev.Reason = d.Code(), d.Reason()
	logErr := audit.Deny(ev)
	for _, r := range d.Reasons {
		fmt.Fprintf(os.Stderr, "jailsh: denied: %s\n", r.Msg)
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
