package main

// jailsh --enroll USER JAIL puts a host user into a jail in one command:
// the jail's accounts made to agree with the host's (package enroll, by fd
// under the jail's root), then `user USER JAIL` in the config when no rule
// assigns that jail (confedit.go). --unenroll undoes the rule, and with
// --purge the accounts enroll wrote. Root only; --dry-run writes nothing.

import (
	"fmt"
	"io"
	"os"
	"slices"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/enroll"
	"jailme.dev/jailme/internal/gate"
	"jailme.dev/jailme/internal/identity"
	"jailme.dev/jailme/internal/jail"
	"jailme.dev/jailme/internal/userdb"
)

func enrollForm(w io.Writer, c adminCmd) int {
	cfg, err := config.Load(c.file)
	if err != nil {
		fmt.Fprintf(os.Stderr, "jailsh: %v\n", err)
		return exitConfig
	}
	jc, ok := cfg.Jails[c.jail]
	if !ok {
		fmt.Fprintf(os.Stderr, "jailsh: %s defines no jail %s\n", c.file, c.jail)
		return exitConfig
	}
	h, err := gate.HostByName(c.user)
	if err != nil {
		fmt.Fprintf(os.Stderr, "jailsh: %v\n", err)
		return exitDenied
	}
	say := func(changes []string) {
		for _, ch := range changes {
			if c.dryRun {
				fmt.Fprintf(w, "would change: %s\n", ch)
			} else {
				fmt.Fprintf(w, "changed: %s\n", ch)
			}
		}
	}
	if c.form == "unenroll" {
		ch, err := removeRule(cfg, c.user, c.jail, c.dryRun)
		say(ch)
		if err != nil {
			fmt.Fprintf(os.Stderr, "jailsh: %v\n", err)
			return exitDenied
		}
		if !c.purge {
			return exitOK
		}
	}
	a := jailAccount(h, jc, cfg)
	ch, err := intoJail(jc, a, c)
	for i := range ch {
		ch[i] = "jail " + jc.Name + ": " + ch[i]
	}
	say(ch)
	if err != nil {
		fmt.Fprintf(os.Stderr, "jailsh: jail %s: %v\n", jc.Name, err)
		return exitDenied
	}
	if c.form == "enroll" {
		ch, err := addRule(cfg, h, c.jail, c.dryRun)
		say(ch)
		if err != nil {
			fmt.Fprintf(os.Stderr, "jailsh: %v\n", err)
			return exitDenied
		}
	}
	return exitOK
}

// intoJail locates the jail and enrolls or purges a there.
func intoJail(jc *config.Jail, a enroll.Account, c adminCmd) ([]string, error) {
	j, err := jail.Locate(jc)
	if err != nil {
		return nil, err
	}
	defer j.Close()
	if c.form != "enroll" {
		return enroll.Purge(j.Root(), a, c.dryRun)
	}
	// The home belongs to the account's ids as the host sees them: the
	// same, or in a jail with a user namespace its maps' image.
	hc, err := j.HostCred(identity.Cred{Name: a.User.Name, UID: a.User.UID, GID: a.User.GID})
	if err != nil {
		return nil, err
	}
	return enroll.Enroll(j.Root(), a, enroll.Owner{UID: hc.UID, GID: hc.GID}, c.dryRun)
}

// jailAccount is the host account as the jail gets it: the jail's shell
// (its shell = or /bin/sh), and the groups a session carries, host-only
// ones left out (config.HostOnly).
func jailAccount(h identity.Host, jc *config.Jail, cfg *config.Config) enroll.Account {
	u := h.User
	u.Shell = jc.Shell
	if u.Shell == "" {
		u.Shell = gate.DefaultShell
	}
	a := enroll.Account{User: u}
	for _, g := range h.Groups {
		if g.GID != u.GID && cfg.HostOnly(g.Name) {
			continue
		}
		if !slices.ContainsFunc(a.Groups, func(x userdb.Group) bool { return x.GID == g.GID }) {
			a.Groups = append(a.Groups, userdb.Group{Name: g.Name, GID: g.GID})
		}
	}
	return a
}
