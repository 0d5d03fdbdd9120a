// Package hostdb looks up the caller's identity on the host.
//
// With cgo it asks libc, so every NSS backend configured on the host (files,
// LDAP, SSSD, NIS) answers as it does for login. Without cgo it reads the
// host's /etc/passwd and /etc/group with userdb's parsers, and NSS backends
// such as LDAP are not consulted: that build (make cross for FreeBSD) is for
// testing; a package for real hosts must be built with cgo.
//
// This package is for the host only: jail databases are read by userdb,
// never through libc (sudo CVE-2025-32463).
package hostdb

import "errors"

// ErrNotFound is wrapped in the error for a user the host does not know.
var ErrNotFound = errors.New("no such user")

// (uid_t)-1 means "leave unchanged" to setresuid and setresgid: such an
// entry must never become a credential.
const reserved = 1<<32 - 1

// tries counts the C library calls that can reach a name service,
// ERANGE retries included (Answer.Tries).
var tries int
