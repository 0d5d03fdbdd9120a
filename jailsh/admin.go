package main

// The admin's forms: -t checks the config, -T prints it, -n USER shows one
// user's evaluation, --audit evaluates every user the config reaches. A
// non-root caller runs them with root's privilege given up first (admin):
// a login shell must not become an oracle about other users and jails.
// They are read-only and never attach: they run gate.Decide, the very
// evaluation a login runs, and print it. --enroll and --unenroll
// (enroll.go) are root's and write.

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
	"jailme.dev/jailme/internal/hostdb"
	"jailme.dev/jailme/internal/identity"
)

// Exit statuses of the admin forms.
const (
	exitOK     = 0 // allowed; audit clean
	exitDenied = 1 // denied; audit found something
	exitConfig = 2 // configuration error; usage error
)

const adminUsage = "usage: jailsh [-f file] -t | -T | -n user | --audit [--json] | --enroll user jail [--dry-run] | --unenroll user jail [--purge] [--dry-run]"

// isAdminForm tells the admin's forms from a login shell's invocation: a
// login shell is called with nothing, -c CMD or -j JAIL; any other option
// is an admin form or a usage error, neither of which is a login, so
// neither is logged as one.
func isAdminForm(args []string) bool {
	return len(args) >= 2 && strings.HasPrefix(args[1], "-") && args[1] != "-c" && args[1] != "-j"
}

// adminCmd is a parsed admin form.
type adminCmd struct {
	form      string // "test", "dump", "check", "audit", "enroll", "unenroll"
	user      string // -n, --enroll, --unenroll
	jail      string // --enroll, --unenroll
	json      bool   // --audit --json
	dryRun    bool   // --enroll, --unenroll: print, write nothing
	purge     bool   // --unenroll: the accounts enroll wrote too
	file      string // -f: a candidate configuration instead of /etc/jailme.conf
	candidate bool   // -f was given
}

// parseAdmin takes the options in any order, -f FILE anywhere; exactly
// one form.
func parseAdmin(args []string) (adminCmd, error) {
	c := adminCmd{file: confPath}
	usage := func(why string) (adminCmd, error) { return c, errors.New(adminUsage + ": " + why) }
	var forms []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		// operand takes the word after option a: not empty, not an option.
		operand := func() (string, bool) {
			if i+1 >= len(args) || args[i+1] == "" || args[i+1][0] == '-' {
				return "", false
			}
			i++
			return args[i], true
		}
		switch a {
		case "-f":
			v, ok := operand()
			if !ok {
				return usage("-f takes a file")
			}
			c.file, c.candidate = v, true
		case "-t", "--test-config":
			forms = append(forms, "test")
		case "-T":
			forms = append(forms, "dump")
		case "--audit":
			forms = append(forms, "audit")
		case "--json":
			c.json = true
		case "--dry-run":
			c.dryRun = true
		case "--purge":
			c.purge = true
		case "-n", "--check":
			v, ok := operand()
			if !ok {
				return usage(a + " takes a user name")
			}
			forms, c.user = append(forms, "check"), v
		case "--enroll", "--unenroll":
			u, ok := operand()
			j, ok2 := operand()
			if !ok || !ok2 {
				return usage(a + " takes a user name and a jail name")
			}
			forms, c.user, c.jail = append(forms, a[2:]), u, j
		default:
			return usage(fmt.Sprintf("unknown option %q", a))
		}
	}
	switch {
	case len(forms) != 1:
		return usage("one of -t, -T, -n, --audit, --enroll, --unenroll")
	case c.json && forms[0] != "audit":
		return usage("--json goes with --audit")
	case c.dryRun && forms[0] != "enroll" && forms[0] != "unenroll":
		return usage("--dry-run goes with --enroll or --unenroll")
	case c.purge && forms[0] != "unenroll":
		return usage("--purge goes with --unenroll")
	}
	c.form = forms[0]
	return c, nil
}

// admin runs an admin form and returns the exit status. Root gets every
// form. Anyone else gets the read-only ones with root's privilege dropped
// first: they see what their own uid can read, so a login shell does not
// become an oracle about other users and jails; the writing forms are
// root's. A candidate (-f) is checked as a login would check it once
// installed, its own owner and mode reported.
func admin(args []string, uid uint32) int {
	c, err := parseAdmin(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "jailsh: %v\n", err)
		return exitConfig
	}
	if uid != 0 {
		if c.form == "enroll" || c.form == "unenroll" {
			fmt.Fprintf(os.Stderr, "jailsh: --%s: root only\n", c.form)
			return exitConfig
		}
		if err := dropToCaller(); err != nil {
			fmt.Fprintf(os.Stderr, "jailsh: %v\n", err)
			return exitConfig
		}
	}
	if c.form == "enroll" || c.form == "unenroll" {
		return enrollForm(os.Stdout, c)
	}
	cfg, err := loadForAdmin(c)
	if err != nil {
		// Every config error on a line of its own (config reports them
		// all, up to a bound).
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(os.Stderr, "jailsh: %s\n", line)
		}
		if c.form != "check" {
			return exitConfig
		}
	}
	switch c.form {
	case "check":
		return check(os.Stdout, cfg, err, c.user)
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

// loadForAdmin is the config a form looks at: the installed one as a
// login loads it, or a candidate (-f) with its ownership as a warning.
func loadForAdmin(c adminCmd) (*config.Config, error) {
	if !c.candidate {
		return config.Load(c.file)
	}
	cfg, notes, err := config.LoadCandidate(c.file)
	for _, n := range notes {
		fmt.Fprintf(os.Stderr, "jailsh: warning: %s\n", n)
	}
	return cfg, err
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
	Jailsh     string // whether a login runs jailsh for User: the verdict below is jailsh's
	Jail       string // how it was located, or "-"
	Rows       []identity.Row
	Shell      string // what would be executed, "" when denied
	HostIDs    string // in a jail with a user namespace of its own: the ids on the host
	Plan       []planStep
	PlanNote   string
	Reasons    []identity.Denial
}

// check is jailsh -n USER: what each caller does with USER, separately:
// pam_jailme (ignore, allow or deny), then jailsh's verdict for each jail
// USER may enter, the default one first. It answers with a broken config
// too (cfgErr): the module still steps aside for root and host users, and
// that is what the admin who broke it needs to know. 0 when jailsh would
// let USER into the default jail, 1 otherwise.
func check(w io.Writer, cfg *config.Config, cfgErr error, name string) int {
	var f gate.Facts
	f.Host, f.HostErr = gate.HostByName(name)
	if errors.Is(f.HostErr, hostdb.ErrNotFound) {
		fmt.Fprintf(w, "user:         %s: no such user on this host\n", name)
		return exitDenied
	}
	f.Config, f.ConfigErr = cfg, cfgErr
	mod := gate.Decide(f, gate.Request{Asker: gate.Module, Jailsh: ownPath()})
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
			r.Jailsh = jailshLine(mod)
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

// ownPath is where this jailsh was run from: a login shell naming it is
// jailsh (gate.IsJailsh knows the packaging's paths too).
func ownPath() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	return p
}

// jailshLine says whether the verdict below decides a login: it is
// jailsh's, and only a user whose login shell is jailsh logs in through it.
func jailshLine(mod *gate.Decision) string {
	if !mod.HostKnown {
		return "the verdict below is jailsh's"
	}
	u := mod.Host.User
	if gate.IsJailsh(u.Shell, ownPath()) {
		return fmt.Sprintf("the login shell of %s: every login runs it, and the verdict below is its decision", u.Name)
	}
	return fmt.Sprintf("not the login shell of %s (%s): a login never runs it; the verdict below is what running jailsh by hand would get", u.Name, orDash(u.Shell))
}

// moduleLine is what pam_jailme does with the user, in one line.
func moduleLine(d *gate.Decision) string {
	switch d.Outcome {
	case gate.Ignore:
		return "ignored by pam_jailme: " + d.Reason() + "; the session opens on the host, whatever the config says"
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
		if !gate.IsJailsh(r.LoginShell, ownPath()) {
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
	if r.Jailsh != "" {
		fmt.Fprintf(w, "jailsh:       %s\n", r.Jailsh)
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
