package gate

import (
	"fmt"

	"jailme.dev/jailme/internal/hostdb"
	"jailme.dev/jailme/internal/identity"
)

// HostWithin is HostByUID or HostByName through the lookup helper, bounded
// by its deadline (hostdb.Bounded). On failure the Host still carries the
// user when only the groups failed, so that the refusal names them.
func HostWithin(b hostdb.Bounded, k hostdb.Key) (identity.Host, error) {
	a, err := b.Lookup(k)
	return hostOf(k, a, err)
}

// HostHere is HostWithin in this process, without a deadline: pam_jailme's
// answer when the helper cannot be run (hostdb.ErrNoHelper). The groups of
// a user b.UserSuffices accepts are still not asked for.
func HostHere(b hostdb.Bounded, k hostdb.Key) (identity.Host, error) {
	a, err := b.Here(k)
	return hostOf(k, a, err)
}

func hostOf(k hostdb.Key, a hostdb.Answer, err error) (identity.Host, error) {
	var h identity.Host
	if a.User != nil {
		h.User = *a.User
	}
	h.Owner = a.Owner
	if err != nil {
		return h, fmt.Errorf("%s: %w", k, err)
	}
	h.Groups = a.Groups
	return h, nil
}
