package hostdb

import "errors"

// ErrNoGroup is wrapped in the error for a group the host does not know.
var ErrNoGroup = errors.New("no such group")

// All and GroupByName serve jailsh --audit, which must find every user the
// configuration reaches. NSS backends that do not enumerate (sssd without
// enumerate = true, some LDAP setups) list only part of their users: the
// audit can be no more complete than getpwent(3).
