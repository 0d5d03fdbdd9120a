package main

import (
	"os"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/gate"
	"jailme.dev/jailme/internal/hostdb"
	"jailme.dev/jailme/internal/identity"
)

// isLookupForm is the helper form, jailsh --host-lookup uid N | name NAME,
// which jailsh and pam_jailme start to ask the host's NSS under a
// deadline (hostdb.Bounded). Only a process that is root through and
// through takes it: the real uid alone would let a caller's jailsh answer
// for itself, so both ids are checked; anyone else gets the login shell's
// usage refusal.
func isLookupForm(args []string) bool {
	return len(args) > 1 && args[1] == hostdb.HelperArg && unix.Getuid() == 0 && unix.Geteuid() == 0
}

// hostLookup answers on stdout (the caller's pipe) and exits.
func hostLookup(args []string) int {
	return hostdb.Serve(args[2:], os.Stdout)
}

// lookupCaller looks the caller up by the real uid in a helper that is
// this very binary (selfExe), started as root with nothing of the caller's,
// within the configuration's lookup_timeout. A config that cannot be used
// still gets the default deadline; the refusal then names the config.
func lookupCaller(uid uint32, cfg *config.Config) (identity.Host, error) {
	return gate.HostWithin(hostdb.Bounded{Path: selfExe(), Timeout: cfg.HostLookupTimeout()}, hostdb.Key{UID: uid})
}
