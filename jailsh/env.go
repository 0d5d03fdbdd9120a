package main

import (
	"strings"

	"jailme.dev/jailme/internal/identity"
)

// The environment crosses from the caller (an sshd client can set some of
// it) into a session that starts privileged; only these names pass, as in
// doas's env.c. LD_*, IFS, ENV, BASH_ENV, PATH and the like never do.
var keepEnv = map[string]bool{
	"TERM":           true,
	"COLORTERM":      true,
	"LANG":           true,
	"LANGUAGE":       true,
	"TZ":             true,
	"SSH_CLIENT":     true,
	"SSH_CONNECTION": true,
	"SSH_TTY":        true,
}

const sessionPath = "/usr/local/bin:/usr/bin:/bin"

// buildEnv keeps the safe part of environ and sets what describes the user
// inside the jail.
func buildEnv(environ []string, c identity.Cred) []string {
	var env []string
	seen := map[string]bool{}
	for _, kv := range environ {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || seen[k] || !(keepEnv[k] || strings.HasPrefix(k, "LC_")) {
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
