//go:build cgo

package main

import (
	"errors"
	"fmt"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/gate"
	"jailme.dev/jailme/internal/hostdb"
	"jailme.dev/jailme/internal/identity"
	"jailme.dev/jailme/internal/userdb"
)

// lookup is PAM_USER as the host's NSS knows them, asked in a helper
// process (jailsh --host-lookup, at the jailsh= path) under the config's
// lookup_timeout. Never in this process: a thread left blocked in NSS
// inside sshd would hold libc's and the backend's locks across sshd's
// fork of the session, and the session would hang on its first lookup.
//
// Without the helper (jailsh not installed at jailsh=, or no process or
// fd left to start it) the lookup falls back to this process, unbounded,
// and says so at LOG_ERR: refusing instead would lock root out of every
// host where jailsh is missing. uid 0's groups are not asked for there
// either.
func (s *session) lookup(user string, cfg *config.Config) (identity.Host, error) {
	// uid 0 is never the module's business: its groups are not waited for
	// (a hung directory would otherwise hold root's login for the whole
	// deadline); the host's own /etc/group still feeds the warning about a
	// rule that names root.
	b := hostdb.Bounded{Path: s.opt.jailsh, Timeout: cfg.HostLookupTimeout(),
		UserSuffices: func(u *userdb.User) bool { return u.UID == 0 }}
	h, err := gate.HostWithin(b, hostdb.Key{ByName: true, Name: user})
	if errors.Is(err, hostdb.ErrNoHelper) {
		s.h.log(logErr, fmt.Sprintf("user %s: %v: looking up in-process, without a deadline", user, err))
		return gate.HostHere(b, hostdb.Key{ByName: true, Name: user})
	}
	return h, err
}
