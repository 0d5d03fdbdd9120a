package main

import (
	"errors"
	"path"
	"strings"
)

// invocation is how jailsh was called: as a login shell (argv[0] starts with
// '-'), with -c CMD (sshd for a remote command, scp, sftp-server, rsync,
// git), with no arguments (an interactive shell, as su starts it), and
// optionally with -j JAIL first to pick one of the caller's jails; after
// -j JAIL a program and its arguments may follow, as jexec(8) takes them.
type invocation struct {
	login   bool
	command *string  // the -c argument, passed to the real shell untouched
	jail    string   // -j: the selected jail, "" for none
	program []string // jexec form: program and arguments, untouched
}

const usage = "usage: jailsh [-j jail] [-c command] | jailsh -j jail program [argument ...]"

func parseArgs(args []string) (invocation, error) {
	var inv invocation
	if len(args) > 0 && strings.HasPrefix(args[0], "-") {
		inv.login = true
	}
	rest := args[min(1, len(args)):]
	if len(rest) >= 2 && rest[0] == "-j" {
		if !validJailName(rest[1]) {
			return inv, errors.New(usage + ": -j takes a jail name")
		}
		inv.jail, rest = rest[1], rest[2:]
		if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
			inv.program = rest
			return inv, nil
		}
	}
	switch {
	case len(rest) == 0:
		return inv, nil
	case len(rest) == 2 && rest[0] == "-c":
		inv.command = &rest[1]
		return inv, nil
	}
	return inv, errors.New(usage + " (other arguments are refused)")
}

// validJailName is the config's name syntax: anything else cannot name one
// of the caller's jails, and is refused before it reaches a log line.
func validJailName(s string) bool {
	if s == "" || s[0] == '-' || s == "." || s == ".." || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '_' || c == '.' || c == '@' || c == '-') {
			return false
		}
	}
	return true
}

// selection is the jail the caller asked for and how: -j wins over the
// JAILME_JAIL variable (which an ssh client can send with SetEnv when the
// server accepts it). Either can only narrow what the config allows.
func (inv invocation) selection(getenv func(string) string) (name, how string) {
	if inv.jail != "" {
		return inv.jail, "-j"
	}
	if v := getenv(selectorVar); v != "" {
		return v, selectorVar
	}
	return "", ""
}

const selectorVar = "JAILME_JAIL"

// argv is the real shell's argument vector: "-sh" for a login, like
// login(1); the program's own for the jexec form.
func (inv invocation) argv(shell string) []string {
	name := path.Base(shell)
	switch {
	case inv.program != nil:
		return inv.program
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
	case inv.program != nil:
		return "exec " + strings.Join(inv.program, " ")
	case inv.command != nil:
		return "-c " + *inv.command
	case inv.login:
		return "login"
	}
	return "shell"
}
