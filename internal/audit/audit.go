// Package audit writes one syslog line (LOG_AUTHPRIV) for every allow and
// every deny.
//
// It talks to /dev/log over a raw AF_UNIX socket instead of log/syslog: the
// PAM module runs inside sshd, login and su, where the net package's poller
// would leave a thread and state behind after the call returns.
package audit

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Event is what happened, to whom, where. Empty fields are left out of the line.
type Event struct {
	Prog    string // syslog tag: jailsh, pam_jailme
	Service string // PAM service
	RHost   string // PAM remote host
	User    string
	UID     uint32
	Jail    string
	Select  string // how the jail was selected: default, -j, JAILME_JAIL, any (pam)
	Where   string // pid:N or jid:N
	Command string // "login" or the command given with -c
	Code    string // deny code (identity.Code or one of the flow's)
	Reason  string
}

const (
	logAuthpriv = 10 << 3
	logNotice   = 5
	logInfo     = 6
	maxValue    = 1024 // a command longer than this is cut in the log
)

// socketPath is a variable for tests only.
var socketPath = "/dev/log"

// pre is a socket connected by Connect, used by every later event.
var pre = struct {
	fd, typ int
}{-1, 0}

// Connect opens the syslog socket now, for a process about to enter a
// jail: after jail_attach or chroot, "/dev/log" would name the jail's
// socket, which the jail's root controls.
func Connect() error {
	if pre.fd >= 0 {
		return nil
	}
	for _, typ := range []int{unix.SOCK_DGRAM, unix.SOCK_STREAM} {
		fd, err := dial(typ)
		if errors.Is(err, unix.EPROTOTYPE) {
			continue
		}
		if err != nil {
			return fmt.Errorf("syslog %s: %w", socketPath, err)
		}
		pre.fd, pre.typ = fd, typ
		return nil
	}
	return fmt.Errorf("syslog %s: %w", socketPath, unix.EPROTOTYPE)
}

// Allow logs a session that was let in.
func Allow(e Event) error { return send(logAuthpriv|logInfo, "allow", e) }

// Deny logs a refusal.
func Deny(e Event) error { return send(logAuthpriv|logNotice, "deny", e) }

// Note logs something seen on the way that decided nothing, such as a NIS
// compat line skipped in a jail's passwd; text goes in the reason field.
func Note(e Event, text string) error {
	e.Code, e.Reason = "", text
	return send(logAuthpriv|logInfo, "note", e)
}

// Line formats the message part of an event, as it appears after the tag.
func Line(verdict string, e Event) string {
	var b strings.Builder
	b.WriteString(verdict)
	field := func(k, v string) {
		if v == "" {
			return
		}
		b.WriteString(" " + k + "=" + quote(v))
	}
	field("service", e.Service)
	field("rhost", e.RHost)
	field("user", e.User)
	if e.User != "" {
		field("uid", strconv.FormatUint(uint64(e.UID), 10))
	}
	field("jail", e.Jail)
	if e.Select != "default" {
		field("select", e.Select)
	}
	field("where", e.Where)
	field("command", e.Command)
	field("code", e.Code)
	field("reason", e.Reason)
	return b.String()
}

// quote keeps a value on one line and unambiguous: values with spaces,
// quotes, '=' or control characters are Go-quoted; long ones are cut.
func quote(v string) string {
	if len(v) > maxValue {
		v = v[:maxValue] + "..."
	}
	if v != "" && !strings.ContainsAny(v, " \"'=\\") && strconv.CanBackquote(v) {
		return v
	}
	return strconv.Quote(v)
}

func send(pri int, verdict string, e Event) error {
	prog := e.Prog
	if prog == "" {
		prog = "jailme"
	}
	msg := fmt.Sprintf("<%d>%s %s[%d]: %s", pri, time.Now().Format(time.Stamp),
		prog, os.Getpid(), Line(verdict, e))
	if pre.fd >= 0 {
		if pre.typ == unix.SOCK_STREAM {
			msg += "\x00"
		}
		if _, err := unix.Write(pre.fd, []byte(msg)); err != nil {
			return fmt.Errorf("syslog %s: %w", socketPath, err)
		}
		return nil
	}
	err := write(unix.SOCK_DGRAM, []byte(msg))
	if errors.Is(err, unix.EPROTOTYPE) {
		// A stream /dev/log frames messages with a NUL, as libc does.
		err = write(unix.SOCK_STREAM, append([]byte(msg), 0))
	}
	if err != nil {
		return fmt.Errorf("syslog %s: %w", socketPath, err)
	}
	return nil
}

func write(typ int, msg []byte) error {
	fd, err := dial(typ)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	_, err = unix.Write(fd, msg)
	return err
}

func dial(typ int) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: socketPath}); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}
