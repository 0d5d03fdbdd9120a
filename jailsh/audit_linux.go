package main

import "jailme.dev/jailme/internal/jail"

// planStep is one line of the confinement plan jailsh -n prints: what the
// jail's init has, what a session entered through jailsh gets.
type planStep struct {
	What, Jail, Session string
}

// confinementPlan is the Linux plan: a container confines its init, not
// what joins it, so jailsh copies the init's limits onto the session. The
// error is the refusal Run would give.
func confinementPlan(j *jail.Jail) ([]planStep, string, error) {
	steps, err := j.Confinement()
	plan := make([]planStep, len(steps))
	for i, s := range steps {
		plan[i] = planStep{s.What, s.Jail, s.Session}
	}
	return plan, "", err
}

// seccompWaived is the jail's opt-out from its init's seccomp filter, for
// --audit: an explicit choice, shown but not a failure.
func seccompWaived(j *jail.Jail) string { return j.SeccompWaived() }
