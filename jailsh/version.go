package main

// --version and --help: the only forms anyone may run besides a login. They
// are answered at the very top of main, before the descriptors are
// sanitized, before the caller is looked up, before the config is read:
// constant text to the caller's own stdout, nothing logged (asking for help
// is not a denial), nothing done with the privileges a setuid binary
// starts with.

import (
	"io"
	"runtime/debug"
)

// version is stamped by the build: make passes
// -ldflags "-X main.version=$(git describe --tags --always --dirty)", or
// the VERSION file outside a git checkout.
var version string

const helpText = `usage: jailsh                  interactive shell in the caller's jail (as su starts it)
       -jailsh                 login shell (argv[0] starting with '-': sshd, login, su -)
       jailsh -c command       run command with the user's shell in the jail (ssh host cmd, scp, sftp)
       jailsh -j jail [-c command]
                               the same in another of the caller's jails (also: JAILME_JAIL=jail)
       jailsh -j jail program [argument ...]
                               run program in that jail without a shell, arguments untouched
       jailsh [-f file] -t     root: check /etc/jailme.conf (or a candidate file)
       jailsh [-f file] -T     root: print the effective configuration
       jailsh [-f file] -n user
                               root: show how a login by user would be decided
       jailsh [-f file] --audit [--json]
                               root: evaluate every user the config reaches
       jailsh --version        print the version
       jailsh --help           print this text
The caller lands in the jail /etc/jailme.conf assigns, as themselves, never
as root. See jailsh(8), jailme.conf(5), pam_jailme(8).
`

// infoForm answers "jailsh --version" and "jailsh --help" (exactly one
// argument) on w. handled says whether args was one of them; status is the
// exit status (1 if the text could not be written).
func infoForm(args []string, w io.Writer) (handled bool, status int) {
	if len(args) != 2 {
		return false, 0
	}
	var text string
	switch args[1] {
	case "--version":
		text = "jailsh " + versionString() + "\n"
	case "--help":
		text = helpText
	default:
		return false, 0
	}
	if _, err := io.WriteString(w, text); err != nil {
		return true, 1
	}
	return true, 0
}

// versionString is the stamped version, else the module version Go
// recorded (go install jailme.dev/jailme/jailsh@v0.2.0), else "(devel)".
func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
