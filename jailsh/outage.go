package main

import (
	"fmt"

	"jailme.dev/jailme/internal/gate"
	"jailme.dev/jailme/internal/hostdb"
)

// outageLine is what pam_jailme does with the user when the directory
// answers who they are but not their groups (issue 21): the same decision,
// made from the login shell, the user rule and the host's own /etc/group.
// jailsh -n says it because it is a trade-off: a user only a directory
// group jails gets a host session then, unless their login shell is jailsh.
func outageLine(f gate.Facts, now *gate.Decision) string {
	if f.HostErr != nil || f.ConfigErr != nil || f.Host.User.UID == 0 {
		return ""
	}
	o := f
	o.HostErr = fmt.Errorf("groups of %s: %w", f.Host.User.Name, hostdb.ErrTimeout)
	o.LocalGroups, o.LocalErr = hostdb.FilesGroups(f.Host.User)
	d := gate.Decide(o, gate.Request{Asker: gate.Module, Jailsh: ownPath()})
	d.Close()
	switch {
	case d.Outcome == gate.Deny:
		return "refused (the directory did not answer): pam_jailme fails closed for this user"
	case now.Outcome != gate.Ignore:
		return "ignored: only a directory group jails this user and the login shell is not jailsh, so the session would stay on the host (pam_jailme(8)); make jailsh the login shell"
	}
	return "ignored, as now"
}
