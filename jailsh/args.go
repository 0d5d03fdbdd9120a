package main

import (
	"errors"
	"path"
	"strings"
)

// invocation is how jailsh was called: as a login shell (argv[0] starts with
// '-'), with -c CMD (sshd for a remote command, scp, sftp-server, rsync,
// git), or with no arguments (an interactive shell, as su starts it).
type invocation struct {
	login   bool
	command *string // the -c argument, passed to the real shell untouched
}

func parseArgs(args []string) (invocation, error) {
	var inv invocation
	if len(args) > 0 && strings.HasPrefix(args[0], "-") {
		inv.login = true
	}
	rest := args[min(1, len(args)):]
	switch {
	case len(rest) == 0:
		return inv, nil
	case len(rest) == 2 && rest[0] == "-c":
		inv.command = &rest[1]
		return inv, nil
	}
	return inv, errors.New("usage: jailsh [-c command] (other arguments are refused)")
}

// argv is the real shell's argument vector: "-sh" for a login, like login(1).
func (inv invocation) argv(shell string) []string {
	name := path.Base(shell)
	switch {
	case inv.command != nil:
		return []string{name, "-c", *inv.command}
	case inv.login:
		return []string{"-" + name}
	}
	return []string{name}
}

// describe is the command for the audit line.
func (inv invocation) describe() string {
	switch {
	case inv.command != nil:
		return "-c " + *inv.command
	case inv.login:
		return "login"
	}
	return "shell"
}
