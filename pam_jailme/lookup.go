//go:build cgo

package main

import (
	"errors"
	"fmt"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/gate"
	"jailme.dev/jailme/internal/hostdb"
	"jailme.dev/jailme/internal/identity"
)

// lookup is PAM_USER as the host's NSS knows them, asked in a helper
// process (jailsh --host-lookup, at the jailsh= path) under the config's
// lookup_timeout. Never in this process: a thread left blocked in NSS
// inside sshd would hold libc's and the backend's locks across sshd's
// fork of the session, and the session would hang on its first lookup.
//
// Without the helper (jailsh not installed at jailsh=) the lookup falls
// back to this process, unbounded, and says so at LOG_ERR: refusing
// instead would lock root out of every host where jailsh is missing.
func (s *session) lookup(user string, cfg *config.Config) (identity.Host, error) {
	b := hostdb.Bounded{Path: s.opt.jailsh, Timeout: cfg.HostLookupTimeout()}
	h, err := gate.HostWithin(b, hostdb.Key{ByName: true, Name: user})
	if errors.Is(err, hostdb.ErrNoHelper) {
		s.h.log(logErr, fmt.Sprintf("user %s: %v: looking up in-process, without a deadline", user, err))
		return gate.HostByName(user)
	}
	return h, err
}

// decideUnknownGroups is the decision for a user whose passwd entry is
// known but whose groups the name service could not give (an LDAP outage
// reaches getgrouplist for files users too: it asks every source). When
// no group rule jails anyone, groups cannot make this user a jailed user:
// if the decision without them is to step aside (root, an admin with a
// host shell), it is taken, and the outage does not lock them out. In
// every other case the lookup's refusal stands (host-user).
func decideUnknownGroups(f gate.Facts, req gate.Request) *gate.Decision {
	if f.HostErr == nil || f.Host.User.Name == "" || req.Asker != gate.Module {
		return nil
	}
	if f.ConfigErr == nil && groupRuleJails(f.Config) {
		return nil
	}
	partial := f
	partial.HostErr, partial.Host.Groups = nil, nil
	d := gate.Decide(partial, req)
	if d.Outcome != gate.Ignore {
		d.Close()
		return nil
	}
	d.Warnings = append(d.Warnings, fmt.Sprintf("groups unknown (%v): no group rule jails anyone, so stepping aside", f.HostErr))
	return d
}

func groupRuleJails(c *config.Config) bool {
	for _, r := range c.Rules {
		if r.Kind == config.ByGroup && r.Jails() {
			return true
		}
	}
	return false
}
