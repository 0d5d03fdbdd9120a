// Package jail finds a running jail, pins it, and runs a session inside it.
//
// The same API is implemented for Linux (jail_linux.go: a jail is a running
// container whose namespaces and root we join) and FreeBSD (jail_freebsd.go:
// jail_get + jail_attach, as jexec(8) does). Locate never enters the jail; it
// only opens what Run will need, so the PAM module can use it inside sshd.
package jail

import (
	"errors"
	"fmt"

	"jailme.dev/jailme/internal/audit"
	"jailme.dev/jailme/internal/identity"
)

// Session is what Run starts inside the jail.
type Session struct {
	Cred identity.Cred
	Path string   // the shell, absolute, resolved inside the jail
	Argv []string // argv[0] included: "-sh" for a login
	Env  []string
	// Notice tells the user something that does not stop the session, such
	// as a missing home directory. It may be nil.
	Notice func(msg string)
	// Log is the caller's syslog connection and deny line, for a failure
	// after the allow line that only the Linux attach helper sees.
	Log audit.Handoff
}

// ErrNotRunning means the jail the config names has no running process or
// jail behind it: a stale pidfile, a stopped machine, a removed jail.
var ErrNotRunning = errors.New("jail is not running")

// ErrConfine means the session cannot be made as confined as the jail's
// own processes (Linux): jailme refuses rather than run it weaker.
var ErrConfine = errors.New("cannot confine the session like the jail")

// Error is a failure to locate, pin or enter a jail. It names the jail and
// the step, and unwraps to the cause.
type Error struct {
	Jail string
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("jail %s: %v", e.Jail, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

func errorf(jail, format string, args ...any) error {
	return &Error{Jail: jail, Err: fmt.Errorf(format, args...)}
}

// notice calls s.Notice if set.
func (s *Session) notice(msg string) {
	if s.Notice != nil {
		s.Notice(msg)
	}
}

// setenv replaces or adds KEY=value in env.
func setenv(env []string, key, value string) []string {
	for i, kv := range env {
		if len(kv) > len(key) && kv[:len(key)] == key && kv[len(key)] == '=' {
			env[i] = key + "=" + value
			return env
		}
	}
	return append(env, key+"="+value)
}
