package main

import "jailme.dev/jailme/internal/jail"

// planStep is one line of the confinement plan jailsh -n prints.
type planStep struct {
	What, Jail, Session string
}

// confinementPlan: a FreeBSD jail confines whatever enters it, so there
// is nothing for jailsh to copy.
func confinementPlan(j *jail.Jail) ([]planStep, string, error) {
	return nil, "confined by the jail (FreeBSD)", nil
}

// seccompWaived: FreeBSD has no seccomp.
func seccompWaived(j *jail.Jail) string { return "" }
