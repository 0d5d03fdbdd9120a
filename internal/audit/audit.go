// Package audit writes one syslog line (LOG_AUTHPRIV) for every allow and
// every deny.
//
// It talks to /dev/log over a raw AF_UNIX socket instead of log/syslog: the
// PAM module runs inside sshd, login and su, where the net package's poller
// would leave a thread and state behind after the call returns.
//
// The contract: every send is bounded (SendTimeout), so a stalled syslog
// daemon cannot hang a login. A line syslog does not take is an error only
// when Required is set (log = required); otherwise it goes to Fallback and
// the caller goes on, as sudo does when syslog fails and as doas, whose
// syslog(3) never fails visibly, does.
package audit

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// Event is what happened, to whom, where. Empty fields are left out of the line.
type Event struct {
	Prog    string // syslog tag: jailsh, pam_jailme
	Service string // PAM service
	RHost   string // PAM remote host
	User    string
	UID     *uint32 // nil when not known (a PAM user unknown to NSS): no uid= at all
	HostUID *uint32 // the session's host uid in a jail with a user namespace of its own
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

// SendTimeout bounds connecting to and writing one line to /dev/log
// (SO_SNDTIMEO): a syslog daemon that stopped reading must not hang logins.
const SendTimeout = time.Second

// Required says whether a line syslog does not take is an error. Set it
// from the configuration (log = required) before the first event; the
// caller refuses a session whose allow line was not logged.
var Required bool

// Fallback receives, when Required is false, each line syslog did not take
// and why; the event then counts as logged. jailsh writes it to stderr
// (the default); pam_jailme, which must not write to the host's stderr,
// sets its own.
var Fallback = func(line string, err error) {
	fmt.Fprintf(os.Stderr, "%s (not logged: %v)\n", line, err)
}

// socketPath is a variable for tests only.
var socketPath = "/dev/log"

// pre is a socket connected by Connect, used by every later event; err is
// why there is none after Connect, or why it stopped working: later events
// then go straight to Fallback, without waiting again and without dialing
// a path that may now be the jail's.
var pre = struct {
	fd, typ int
	err     error
}{-1, 0, nil}

// Connect opens the syslog socket now, for a process about to enter a
// jail: after jail_attach or chroot, "/dev/log" would name the jail's
// socket, which the jail's root controls. Without a syslog socket it fails
// only when Required; otherwise the reason goes to Fallback with the
// events.
func Connect() error {
	if pre.fd >= 0 || pre.err != nil {
		return nil
	}
	fd, typ, err := dialAny()
	if err != nil {
		err = fmt.Errorf("syslog %s: %w", socketPath, err)
		if Required {
			return err
		}
		pre.err = err
		return nil
	}
	pre.fd, pre.typ = fd, typ
	return nil
}

// dialAny connects to socketPath as a datagram socket, else as a stream
// socket (the syslog daemon chooses).
func dialAny() (int, int, error) {
	for _, typ := range []int{unix.SOCK_DGRAM, unix.SOCK_STREAM} {
		fd, err := dial(typ)
		if errors.Is(err, unix.EPROTOTYPE) {
			continue
		}
		return fd, typ, err
	}
	return -1, 0, unix.EPROTOTYPE
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
	if e.UID != nil {
		field("uid", strconv.FormatUint(uint64(*e.UID), 10))
	}
	if e.HostUID != nil {
		field("host_uid", strconv.FormatUint(uint64(*e.HostUID), 10))
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

// quote keeps a value on one line and unambiguous: anything but printable
// ASCII without spaces, quotes, '=' and '\\' is Go-quoted, which escapes
// every control character (a CR from a jail file, an escape sequence in a
// command) and every non-printable rune; long values are cut. The quoted
// form is cut at maxValue too, not the value before quoting: an escape is
// four bytes for one, and a -c command of 1 KiB of \x01 made the allow
// line 4 KiB and the attach helper's deny line (internal/attach, a 4 KiB
// buffer) too long to send at all.
func quote(v string) string {
	if v != "" && plain(v) {
		if len(v) > maxValue {
			v = v[:maxValue] + "..."
		}
		return v
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(v); {
		// strconv.Quote escapes rune by rune: quoting each one is
		// quoting the whole.
		_, n := utf8.DecodeRuneInString(v[i:])
		q := strconv.Quote(v[i : i+n])
		q = q[1 : len(q)-1]
		if b.Len()-1+len(q) > maxValue {
			b.WriteString("...")
			break
		}
		b.WriteString(q)
		i += n
	}
	b.WriteByte('"')
	return b.String()
}

func plain(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("\"'=\\", c) >= 0 {
			return false
		}
	}
	return true
}

func send(pri int, verdict string, e Event) error {
	prog := e.Prog
	if prog == "" {
		prog = "jailme"
	}
	line := prog + "[" + strconv.Itoa(os.Getpid()) + "]: " + Line(verdict, e)
	err := deliver(message(pri, line))
	if err == nil {
		return nil
	}
	if Required {
		return err
	}
	if Fallback != nil {
		Fallback(line, err)
	}
	return nil
}

// message is line as syslog takes it, with priority and time stamp. UTC,
// not the local zone: time.Local would read TZ, which the caller sets, and
// open the file it names, as root (a FIFO hung jailsh).
func message(pri int, line string) string {
	return fmt.Sprintf("<%d>%s %s", pri, time.Now().UTC().Format(time.Stamp), line)
}

// maxRaw bounds a Raw line.
const maxRaw = 4 * maxValue

// Raw sends one line that is no event, its tag included, at pri (facility
// and severity), bounded as the events are: pam_jailme's warnings and
// debug lines. pam_syslog(3) blocked on them for as long as a stalled
// syslog daemon did not read (glibc's send has no timeout), and a root
// login with a warning hung. Control characters are escaped (PAM_USER is
// the client's string) and the line is cut at maxRaw. Required plays no
// part: the caller decides nothing on it.
//
// Escaped means every byte of a rune strconv.IsPrint refuses, as quote
// does for the events, not only C0 and DEL: a warning quoting a jail's
// passwd (a jail account named "\u009b2J...", C1 CSI, which the parser
// lets through) put a terminal escape sequence into the host's log.
func Raw(pri int, line string) error {
	if len(line) > maxRaw {
		line = line[:maxRaw] + "..."
	}
	var b strings.Builder
	for i := 0; i < len(line); {
		r, n := utf8.DecodeRuneInString(line[i:])
		if r == utf8.RuneError || !strconv.IsPrint(r) {
			for _, c := range []byte(line[i : i+n]) {
				fmt.Fprintf(&b, `\x%02x`, c)
			}
		} else {
			b.WriteString(line[i : i+n])
		}
		i += n
	}
	return deliver(message(pri, b.String()))
}

// deliver sends one message through the socket Connect opened, else
// through a new one.
func deliver(msg string) error {
	if pre.err != nil {
		return pre.err
	}
	if pre.fd >= 0 {
		if pre.typ == unix.SOCK_STREAM {
			msg += "\x00"
		}
		if err := writeAll(pre.fd, []byte(msg)); err != nil {
			pre.err = fmt.Errorf("syslog %s: %w", socketPath, err)
			return pre.err
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
	return writeAll(fd, msg)
}

// writeAll writes msg in one piece; a stream socket that takes part of it
// before the timeout has not logged the line.
func writeAll(fd int, msg []byte) error {
	var n int
	err := untilDeadline(fd, func() (err error) {
		n, err = unix.Write(fd, msg)
		return err
	})
	if errors.Is(err, unix.EAGAIN) {
		return fmt.Errorf("no room within %v (syslog daemon not reading)", SendTimeout)
	}
	if err == nil && n != len(msg) {
		return fmt.Errorf("short write (%d of %d bytes)", n, len(msg))
	}
	return err
}

// dial connects a socket whose connect and writes give up after
// SendTimeout: a full stream backlog or datagram queue otherwise blocks
// for as long as the daemon does not read.
func dial(typ int) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	tv := unix.NsecToTimeval(SendTimeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if err := untilDeadline(fd, func() error { return unix.Connect(fd, &unix.SockaddrUnix{Name: socketPath}) }); err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.EAGAIN) {
			return -1, fmt.Errorf("connect: no room within %v (syslog daemon not reading)", SendTimeout)
		}
		return -1, err
	}
	return fd, nil
}

// untilDeadline runs op, a blocking call on fd bounded by SO_SNDTIMEO,
// again when a signal interrupted it: with a send timeout set the kernel
// returns EINTR even for handlers installed with SA_RESTART (signal(7)),
// and Go's runtime has several. The timeout is set to what is left of
// SendTimeout, so the whole call still gives up after it (EAGAIN).
func untilDeadline(fd int, op func() error) error {
	deadline := time.Now().Add(SendTimeout)
	for {
		err := op()
		if !errors.Is(err, unix.EINTR) {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return unix.EAGAIN
		}
		tv := unix.NsecToTimeval(left.Nanoseconds())
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv); err != nil {
			return err
		}
	}
}

// Handoff is what a process that replaces this one needs to log its deny
// line: the connected syslog socket (FD -1 when there is none) and the
// line up to its code and reason fields. The Linux attach helper takes
// over jailsh after the allow line (issue 27).
type Handoff struct {
	FD     int
	Stream bool
	Prefix string
}

// DenyHandoff prepares e's deny line for a successor; the time stamp is now.
func DenyHandoff(e Event) Handoff {
	if pre.fd < 0 {
		return Handoff{FD: -1}
	}
	prog := e.Prog
	if prog == "" {
		prog = "jailme"
	}
	e.Code, e.Reason = "", ""
	line := prog + "[" + strconv.Itoa(os.Getpid()) + "]: " + Line("deny", e)
	return Handoff{
		FD:     pre.fd,
		Stream: pre.typ == unix.SOCK_STREAM,
		Prefix: fmt.Sprintf("<%d>%s %s", logAuthpriv|logNotice, time.Now().UTC().Format(time.Stamp), line),
	}
}
