package main

// The admin's forms: -t checks the config, -n USER shows one user's
// evaluation, --audit evaluates every user the config reaches. They are
// root-only (main routes them only for real uid 0; anyone else gets the
// usage refusal: a login shell must not become an oracle about other users
// and jails), read-only, and never attach: they run gate.Decide, the very
// evaluation a login runs, and print it.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/gate"
	"jailme.dev/jailme/internal/identity"
)

// Exit statuses of the admin forms.
const (
	exitOK     = 0 // allowed; audit clean
	exitDenied = 1 // denied; audit found something
	exitConfig = 2 // configuration error; usage error
)

const adminUsage = "usage: jailsh [-f file] -t | -T | -n user | --audit [--json]"

// isAdminForm tells the root-only forms from a login shell invocation by
// the first argument only; admin then parses the rest.
func isAdminForm(args []string) bool {
	if len(args) < 2 {
		return false
	}
	switch args[1] {
	case "-t", "--test-config", "-T", "-n", "--check", "--audit", "--json", "-f":
		return true
	}
	return false
}

// adminCmd is a parsed admin form.
type adminCmd struct {
	form string // "test", "dump", "check", "audit"
	user string // -n
	json bool   // --audit --json
	file string // -f: a candidate configuration instead of /etc/jailme.conf
}

func parseAdmin(args []string) (adminCmd, error) {
	c := adminCmd{file: confPath}
	if len(args) >= 2 && args[0] == "-f" {
		if !strings.HasPrefix(args[1], "/") {
			return c, errors.New(adminUsage + ": -f takes an absolute path")
		}
		c.file, args = args[1], args[2:]
	}
	switch {
	case len(args) == 1 && (args[0] == "-t" || args[0] == "--test-config"):
		c.form = "test"
	case len(args) == 1 && args[0] == "-T":
		c.form = "dump"
	case len(args) == 2 && (args[0] == "-n" || args[0] == "--check") && args[1] != "" && args[1][0] != '-':
		c.form, c.user = "check", args[1]
	case len(args) == 1 && args[0] == "--audit":
		c.form = "audit"
	case len(args) == 2 && (args[0] == "--audit" && args[1] == "--json" || args[0] == "--json" && args[1] == "--audit"):
		c.form, c.json = "audit", true
	default:
		return c, errors.New(adminUsage)
	}
	return c, nil
}

// admin runs a root-only form and returns the exit status. A candidate
// configuration (-f) passes the same ownership checks as the real one:
// what -t accepts is what a login will accept.
func admin(args []string) int {
	c, err := parseAdmin(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "jailsh: %v\n", err)
		return exitConfig
	}
	cfg, err := config.Load(c.file)
	if err != nil {
		fmt.Fprintf(os.Stderr, "jailsh: %v\n", err)
		return exitConfig
	}
	switch c.form {
	case "check":
		return check(os.Stdout, cfg, c.user)
	case "audit":
		return runAudit(os.Stdout, cfg, c.json)
	case "dump":
		dumpConfig(os.Stdout, cfg)
		return exitOK
	}
	// -t: like sshd -t, silent when all is well; what parses but cannot
	// work on this host is a warning, and the status stays 0.
	for _, w := range configWarnings(cfg, lookupUser, lookupGroup) {
		fmt.Fprintf(os.Stderr, "jailsh: warning: %s\n", w)
	}
	return exitOK
}

// checkReport is one jailsh decision as jailsh -n prints it.
type checkReport struct {
	User       string
	Known      bool // the host knows User: UID and LoginShell are set
	UID        uint32
	LoginShell string
	Rule       string // "file:line:col: user alice web", or why none
	Module     string // what pam_jailme does: "ignore: why", "allow (jail web)", "deny: code"
	Outage     string // what pam_jailme does when the directory does not answer the groups
	SSHD       string // for a jailed user: what sshd lets them do without the login shell
	Jail       string // how it was located, or "-"
	Rows       []identity.Row
	Shell      string // what would be executed, "" when denied
	HostIDs    string // in a jail with a user namespace of its own: the ids on the host
	Plan       []planStep
	PlanNote   string
	Reasons    []identity.Denial
}

// check is jailsh -n USER: what pam_jailme does with USER, then jailsh's
// verdict for each jail USER may enter, the default one first. 0 when
// jailsh would let USER into the default jail, 1 otherwise.
func check(w io.Writer, cfg *config.Config, name string) int {
	var f gate.Facts
	f.Host, f.HostErr = gate.HostByName(name)
	f.Config = cfg
	mod := gate.Decide(f, gate.Request{Asker: gate.Module})
	mod.Close()
	first := gate.Decide(f, gate.Request{Asker: gate.Jailsh})
	ds := []*gate.Decision{first}
	for _, j := range first.Allowed[min(1, len(first.Allowed)):] {
		ds = append(ds, gate.Decide(f, gate.Request{Asker: gate.Jailsh, Jail: j, SelectedBy: "-j"}))
	}
	for i, d := range ds {
		if i > 0 {
			fmt.Fprintf(w, "\n--- with -j %s (or %s=%s) ---\n", d.Jail, selectorVar, d.Jail)
		}
		r := report(d)
		r.Module = moduleLine(mod)
		if i == 0 {
			r.Outage = outageLine(f, mod)
		}
		if i == 0 && mod.HostKnown && mod.Outcome != gate.Ignore {
			// A jailed user: what sshd would let them do around the jail.
			r.SSHD = sshdLine(mod)
		}
		if d.Located != nil {
			plan, note, perr := confinementPlan(d.Located)
			r.Plan, r.PlanNote = plan, note
			if perr != nil {
				r.Reasons = append(r.Reasons, identity.Denial{Code: gate.CodeConfine, Msg: perr.Error()})
			}
		}
		r.write(w)
		d.Close()
	}
	if first.Outcome != gate.Allow {
		return exitDenied
	}
	return exitOK
}

// sshdLine says what sshd lets a jailed user do without the login shell.
func sshdLine(mod *gate.Decision) string {
	s, err := sshdSettings(mod.Host.User.Name)
	if err != nil {
		return err.Error()
	}
	hs := sshdHoles(s)
	if len(hs) == 0 {
		return "no forwarding, tunnel or internal-sftp"
	}
	var ws []string
	for _, h := range hs {
		ws = append(ws, fmt.Sprintf("%s (%s)", h.What, h.Setting))
	}
	return "lets the user " + strings.Join(ws, "; ")
}

// moduleLine is what pam_jailme does with the user, in one line.
func moduleLine(d *gate.Decision) string {
	switch d.Outcome {
	case gate.Ignore:
		return "ignored by pam_jailme: " + d.Reason()
	case gate.Allow:
		s := "session opened (jail " + d.Jail + ")"
		for _, w := range d.Warnings {
			s += "; warning: " + w
		}
		return s
	}
	return "session refused: code=" + d.Code()
}

// report turns a decision into the printed facts, the reasons worded and
// coded as jailsh's own refusal is.
func report(d *gate.Decision) checkReport {
	u := d.Host.User
	r := checkReport{User: u.Name, Known: d.HostKnown, UID: u.UID, LoginShell: u.Shell, Jail: "-", Rows: d.Verdict.Rows, Rule: "-"}
	if d.HostKnown {
		r.Rule = "none: no user, group or default rule applies"
	}
	if d.Rule != nil {
		r.Rule = fmt.Sprintf("%s: %s", d.Rule.Pos, d.Rule)
	}
	if d.Located != nil {
		r.Jail = d.Located.String()
	} else if d.Jail != "" {
		r.Jail = d.Jail
	}
	if d.Outcome == gate.Allow {
		r.Shell = d.Cred.Shell
		if d.OwnUserNS {
			r.HostIDs = fmt.Sprintf("uid %d gid %d groups %v inside are host uid %d gid %d groups %v (the jail's user namespace)",
				d.Cred.UID, d.Cred.GID, d.Cred.Groups, d.HostCred.UID, d.HostCred.GID, d.HostCred.Groups)
		}
	} else {
		r.Reasons = d.Reasons
	}
	return r
}

func (r checkReport) write(w io.Writer) {
	fmt.Fprintf(w, "user:         %s", r.User)
	if r.Known {
		fmt.Fprintf(w, " (uid %d, login shell %s", r.UID, orDash(r.LoginShell))
		if !gate.IsJailsh(r.LoginShell, "") {
			fmt.Fprint(w, ": not jailsh, a login would stay on the host")
		}
		fmt.Fprint(w, ")")
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "rule:         %s\n", r.Rule)
	if r.Module != "" {
		fmt.Fprintf(w, "pam_jailme:   %s\n", r.Module)
	}
	if r.Outage != "" {
		fmt.Fprintf(w, "  directory down: %s\n", r.Outage)
	}
	if r.SSHD != "" {
		fmt.Fprintf(w, "sshd:         %s\n", r.SSHD)
	}
	fmt.Fprintf(w, "jail:         %s\n", r.Jail)
	if len(r.Rows) > 0 {
		fmt.Fprintln(w, "identity:")
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "\tWHAT\tHOST\tJAIL\tAPPLIED")
		for _, row := range r.Rows {
			fmt.Fprintf(tw, "\t%s\t%s\t%s\t%s\n", row.What, orDash(row.Host), orDash(row.Jail), orDash(row.Applied))
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "shell:        %s\n", orDash(r.Shell))
	if r.HostIDs != "" {
		fmt.Fprintf(w, "host ids:     %s\n", r.HostIDs)
	}
	if len(r.Plan) > 0 || r.PlanNote != "" {
		fmt.Fprintln(w, "confinement:")
		if r.PlanNote != "" {
			fmt.Fprintf(w, "  %s\n", r.PlanNote)
		}
		if len(r.Plan) > 0 {
			tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
			fmt.Fprintln(tw, "\tWHAT\tJAIL INIT\tSESSION")
			for _, s := range r.Plan {
				fmt.Fprintf(tw, "\t%s\t%s\t%s\n", s.What, orDash(s.Jail), orDash(s.Session))
			}
			tw.Flush()
		}
	}
	if len(r.Reasons) == 0 {
		fmt.Fprintln(w, "verdict:      allowed")
		return
	}
	fmt.Fprintln(w, "verdict:      denied")
	for _, rs := range r.Reasons {
		fmt.Fprintf(w, "  code=%s: %s\n", rs.Code, rs.Msg)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// quote keeps a key=value field on one line and unambiguous, as the audit
// lines in syslog do.
func quote(v string) string {
	if v != "" && !strings.ContainsAny(v, " \"'=\\") && strconv.CanBackquote(v) {
		return v
	}
	return strconv.Quote(v)
}
