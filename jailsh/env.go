package main

import (
	"slices"
	"strings"

	"jailme.dev/jailme/internal/identity"
)

// The environment crosses from the caller (an sshd client can set some of
// it) into a session that starts privileged; only the names keepNames
// returns pass, as in doas's env.c. LD_*, IFS, ENV, BASH_ENV, PATH, GO* and
// the like never do. The list lives in env.c, whose constructor applies it
// before the Go runtime starts; nocgoKeepEnv is its copy for builds without
// cgo (TestKeepListsAgree).
var nocgoKeepEnv = []string{
	"TERM", "COLORTERM", "LANG", "LANGUAGE", "TZ",
	"SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "JAILME_JAIL",
	"LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE",
	"LC_MONETARY", "LC_MESSAGES", "LC_PAPER", "LC_NAME", "LC_ADDRESS",
	"LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION",
}

const sessionPath = "/usr/local/bin:/usr/bin:/bin"

// buildEnv keeps the safe part of environ and sets what describes the user
// inside the jail.
func buildEnv(environ []string, c identity.Cred) []string {
	keep := keepNames()
	var env []string
	seen := map[string]bool{}
	for _, kv := range environ {
		k, _, ok := strings.Cut(kv, "=")
		// JAILME_JAIL is kept for jailsh's own selection (-j's
		// variable form), not passed on.
		if !ok || seen[k] || !slices.Contains(keep, k) || k == selectorVar {
			continue
		}
		seen[k] = true
		env = append(env, kv)
	}
	return append(env,
		"HOME="+c.Home,
		"USER="+c.Name,
		"LOGNAME="+c.Name,
		"SHELL="+c.Shell,
		"PATH="+sessionPath,
	)
}
