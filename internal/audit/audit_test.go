package audit

import (
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/sys/unix"
)

func TestLine(t *testing.T) {
	got := Line("deny", Event{Service: "sshd", RHost: "127.0.0.1", User: "alice", UID: uid(2001), Jail: "web",
		Where: "pid:42", Command: "-c echo a=b\nrm -rf /", Code: "extra-group", Reason: `the jail makes alice a member of "wheel"`})
	want := `deny service=sshd rhost=127.0.0.1 user=alice uid=2001 jail=web where=pid:42 command="-c echo a=b\nrm -rf /" code=extra-group reason="the jail makes alice a member of \"wheel\""`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if long := Line("allow", Event{Command: strings.Repeat("x", 5000)}); len(long) > maxValue+32 {
		t.Fatalf("long command not cut: %d bytes", len(long))
	}
}

func listen(t *testing.T, typ int) (int, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log")
	fd, err := unix.Socket(unix.AF_UNIX, typ, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	old := socketPath
	socketPath = path
	t.Cleanup(func() { socketPath = old })
	return fd, path
}

func TestSendDatagram(t *testing.T) {
	fd, _ := listen(t, unix.SOCK_DGRAM)
	if err := Deny(Event{Prog: "jailsh", User: "bob", UID: uid(7), Code: "uid-mismatch", Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, err := unix.Read(fd, buf)
	if err != nil {
		t.Fatal(err)
	}
	// <85> = LOG_AUTHPRIV|LOG_NOTICE
	re := regexp.MustCompile(`^<85>[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d jailsh\[\d+\]: deny user=bob uid=7 code=uid-mismatch reason=x$`)
	if !re.Match(buf[:n]) {
		t.Fatalf("syslog line %q", buf[:n])
	}
}

func TestSendStream(t *testing.T) {
	fd, _ := listen(t, unix.SOCK_STREAM)
	if err := unix.Listen(fd, 1); err != nil {
		t.Fatal(err)
	}
	if err := Allow(Event{Prog: "jailsh", User: "bob", UID: uid(0), Command: "login"}); err != nil {
		t.Fatal(err)
	}
	c, _, err := unix.Accept(fd)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(c)
	buf := make([]byte, 4096)
	n, _ := unix.Read(c, buf)
	if s := string(buf[:n]); !strings.HasPrefix(s, "<86>") || !strings.HasSuffix(s, "allow user=bob uid=0 command=login\x00") {
		t.Fatalf("stream line %q", s)
	}
}

func uid(n uint32) *uint32 { return &n }

// The stamp is UTC whatever the local zone (which comes from the caller's
// TZ in a setuid program): a zone 14 hours off would show.
func TestStampUTC(t *testing.T) {
	fd, _ := listen(t, unix.SOCK_DGRAM)
	old := time.Local
	time.Local = time.FixedZone("LINT", 14*3600)
	defer func() { time.Local = old }()
	before := time.Now().UTC().Truncate(time.Second)
	if err := Deny(Event{Prog: "jailsh"}); err != nil {
		t.Fatal(err)
	}
	after := time.Now().UTC()
	buf := make([]byte, 4096)
	n, _ := unix.Read(fd, buf)
	stamp, err := time.Parse(time.Stamp, string(buf[4:4+len(time.Stamp)]))
	if err != nil {
		t.Fatal(err)
	}
	stamp = stamp.AddDate(before.Year(), 0, 0)
	if stamp.Before(before.Add(-time.Second)) || stamp.After(after) {
		t.Errorf("stamp %q is not UTC between %v and %v", buf[:n], before, after)
	}
}

// contract sets Required and a Fallback that records, for one test.
func contract(t *testing.T, required bool) *[]string {
	t.Helper()
	var got []string
	oldR, oldF := Required, Fallback
	Required = required
	Fallback = func(line string, err error) { got = append(got, line+" | "+err.Error()) }
	t.Cleanup(func() { Required, Fallback = oldR, oldF })
	return &got
}

// Without a syslog daemon: with log = required the caller learns it and
// refuses; by default the line goes to Fallback (stderr) and the caller
// goes on.
func TestNoSyslog(t *testing.T) {
	old := socketPath
	socketPath = filepath.Join(t.TempDir(), "none")
	defer func() { socketPath = old }()

	contract(t, true)
	if err := Allow(Event{User: "bob"}); err == nil {
		t.Fatal("log = required: no error without a syslog socket")
	}
	if err := Connect(); err == nil || pre.fd >= 0 || pre.err != nil {
		t.Fatalf("log = required: Connect = %v", err)
	}

	got := contract(t, false)
	if err := Allow(Event{Prog: "jailsh", User: "bob", UID: uid(5)}); err != nil {
		t.Fatalf("log = optional: %v", err)
	}
	if len(*got) != 1 || !regexp.MustCompile(`^jailsh\[\d+\]: allow user=bob uid=5 \| syslog .*/none: no such file or directory$`).MatchString((*got)[0]) {
		t.Fatalf("fallback got %q", *got)
	}
	// Connect succeeds, and later events go to Fallback without dialing.
	if err := Connect(); err != nil {
		t.Fatalf("log = optional: Connect = %v", err)
	}
	defer func() { pre.err = nil }()
	fd, _ := listen(t, unix.SOCK_DGRAM)
	if err := Deny(Event{Prog: "jailsh", User: "bob"}); err != nil || len(*got) != 2 {
		t.Fatalf("after a failed Connect: %v, %q", err, *got)
	}
	if n, _, err := unix.Recvfrom(fd, make([]byte, 100), unix.MSG_DONTWAIT); err == nil {
		t.Fatalf("a line reached a socket dialed after Connect failed (%d bytes)", n)
	}
}

// stalled makes a syslog socket nobody reads, with its queue full.
func stalled(t *testing.T, typ int) {
	t.Helper()
	fd, path := listen(t, typ)
	if typ == unix.SOCK_STREAM {
		if err := unix.Listen(fd, 0); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; ; i++ {
		c, err := unix.Socket(unix.AF_UNIX, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Close(c) })
		if err := unix.Connect(c, &unix.SockaddrUnix{Name: path}); err != nil {
			if errors.Is(err, unix.EAGAIN) && typ == unix.SOCK_STREAM {
				return // backlog full
			}
			t.Fatal(err)
		}
		if typ == unix.SOCK_STREAM {
			continue
		}
		for {
			if _, err := unix.Write(c, make([]byte, 512)); errors.Is(err, unix.EAGAIN) {
				return // queue full
			} else if err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A daemon that stopped reading costs at most SendTimeout per line, never
// a hang (the goroutine's limit detects one, it times nothing).
func TestStalledSyslog(t *testing.T) {
	for _, typ := range []int{unix.SOCK_DGRAM, unix.SOCK_STREAM} {
		for _, required := range []bool{true, false} {
			stalled(t, typ)
			got := contract(t, required)
			done := make(chan error, 1)
			go func() { done <- Allow(Event{Prog: "jailsh", User: "bob", UID: uid(5)}) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatalf("type %d: Allow hangs on a stalled /dev/log", typ)
			}
			if required && (err == nil || !strings.Contains(err.Error(), "syslog daemon not reading")) {
				t.Errorf("type %d, required: err = %v", typ, err)
			}
			if !required && (err != nil || len(*got) != 1 || !strings.Contains((*got)[0], "syslog daemon not reading")) {
				t.Errorf("type %d, optional: err = %v, fallback %q", typ, err, *got)
			}
		}
	}
}

// An unknown user has no uid= at all, never uid=0.
func TestUnknownUID(t *testing.T) {
	if got := Line("deny", Event{User: "nosuch", Code: "host-user"}); got != "deny user=nosuch code=host-user" {
		t.Errorf("got %q", got)
	}
	if got := Line("deny", Event{UID: uid(2999), Code: "host-user"}); got != "deny uid=2999 code=host-user" {
		t.Errorf("got %q", got)
	}
}

// No raw control character reaches the log, whatever a jail file or a
// command carries.
func TestLineEscapesControls(t *testing.T) {
	got := Line("deny", Event{User: "a\tb", Command: "-c x\ry", Reason: "/etc/passwd:1: shell \"/bin/sh\r\"\x1b[2J\u0085"})
	want := `deny user="a\tb" command="-c x\ry" reason="/etc/passwd:1: shell \"/bin/sh\r\"\x1b[2J\u0085"`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func FuzzLine(f *testing.F) {
	f.Add("alice", "-c id\r\n", "x\x00y\x1b\x7f", "\u2028\t")
	f.Fuzz(func(t *testing.T, user, command, reason, jail string) {
		line := Line("deny", Event{User: user, Command: command, Reason: reason, Jail: jail, UID: uid(1)})
		for _, r := range line {
			if r < 0x20 || r == 0x7f || !unicode.IsPrint(r) && r != ' ' {
				t.Fatalf("raw %U in %q", r, line)
			}
		}
	})
}

// After Connect, events go to the socket connected then, even when the path
// now names something else (a jail's /dev/log after attaching).
func TestConnectPins(t *testing.T) {
	fd, path := listen(t, unix.SOCK_DGRAM)
	if err := Connect(); err != nil {
		t.Fatal(err)
	}
	defer func() { unix.Close(pre.fd); pre.fd = -1 }()
	socketPath = path + ".elsewhere"
	if err := Deny(Event{Prog: "jailsh", User: "bob"}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, err := unix.Read(fd, buf)
	if err != nil || !strings.HasSuffix(string(buf[:n]), "deny user=bob") {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
}

func TestNote(t *testing.T) {
	fd, _ := listen(t, unix.SOCK_DGRAM)
	if err := Note(Event{Prog: "jailsh", User: "bob", UID: uid(7), Jail: "web", Code: "x", Reason: "y"}, "/etc/passwd:3: NIS compat entry skipped"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, _ := unix.Read(fd, buf)
	// <86> = LOG_AUTHPRIV|LOG_INFO; the event's own code and reason are replaced.
	if s := string(buf[:n]); !strings.HasPrefix(s, "<86>") || !strings.HasSuffix(s, `note user=bob uid=7 jail=web reason="/etc/passwd:3: NIS compat entry skipped"`) {
		t.Fatalf("note line %q", s)
	}
}

// rawSent sends line with Raw at LOG_AUTHPRIV|LOG_ERR and returns the
// datagram that reached the syslog socket fd.
func rawSent(t *testing.T, fd int, line string) string {
	t.Helper()
	if err := Raw(10<<3|3, line); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8192)
	n, _ := unix.Read(fd, buf)
	return string(buf[:max(n, 0)])
}

// Raw: a line that is no event, one line whatever it holds, and bounded on
// a stalled daemon like the events (pam_jailme's warnings, issue: they went
// through pam_syslog(3) and hung the login).
func TestRaw(t *testing.T) {
	fd, _ := listen(t, unix.SOCK_DGRAM)
	if s := rawSent(t, fd, "sshd[7]: pam_jailme(sshd:session): user a\nb\x1b[2J: warning"); !strings.HasPrefix(s, "<83>") || !strings.HasSuffix(s, ` sshd[7]: pam_jailme(sshd:session): user a\x0ab\x1b[2J: warning`) {
		t.Fatalf("raw line %q", s)
	}
	if n := len(rawSent(t, fd, strings.Repeat("x", 3*maxRaw))); n > maxRaw+64 {
		t.Fatalf("long line not cut: %d bytes", n)
	}
	stalled(t, unix.SOCK_DGRAM)
	done := make(chan error, 1)
	go func() { done <- Raw(10<<3|3, "x") }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "syslog daemon not reading") {
			t.Errorf("stalled: err = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Raw hangs on a stalled /dev/log")
	}
}

// TestQuoteBoundsEscapes: the bound applies to the quoted value. A -c
// command of \x01 bytes was cut at 1024 bytes and then quoted to 4 KiB,
// which left the attach helper's deny line too long to send: the log said
// allow for a session that never started. A cut never splits an escape.
func TestQuoteBoundsEscapes(t *testing.T) {
	for _, v := range []string{strings.Repeat("\x01", 5000), strings.Repeat("\xff", 5000),
		strings.Repeat("a\u2028", 3000), strings.Repeat("x y", 2000)} {
		q := quote(v)
		if len(q) > maxValue+8 {
			t.Errorf("quote(%.12q...): %d bytes, want at most %d", v, len(q), maxValue+8)
		}
		if !strings.HasSuffix(q, `..."`) {
			t.Errorf("quote(%.12q...) = %.40q...%q: not marked as cut", v, q, q[len(q)-8:])
		}
		if strings.ContainsAny(q, "\x01\n") || strings.HasSuffix(strings.TrimSuffix(q, `..."`), `\`) {
			t.Errorf("quote(%.12q...): a raw control character or a split escape", v)
		}
	}
	if got, want := quote("-c echo a=b\nrm"), `"-c echo a=b\nrm"`; got != want {
		t.Errorf("quote: got %s, want %s", got, want)
	}
}

// TestRawEscapesC1: C1 controls (U+009B is CSI) and bytes that are no
// UTF-8 are escaped too, printable UTF-8 is kept. A jail account's name
// with U+009B reached the host's log raw through a pam_jailme warning.
func TestRawEscapesC1(t *testing.T) {
	fd, _ := listen(t, unix.SOCK_DGRAM)
	want := ` user j` + "\u00f6" + `rg: account \xc2\x9b2Jevil, byte \x9b, nel \xc2\x85 rlo \xe2\x80\xae`
	if s := rawSent(t, fd, "user j\u00f6rg: account \u009b2Jevil, byte \x9b, nel \u0085 rlo \u202e"); !strings.HasSuffix(s, want) {
		t.Fatalf("raw line %q, want suffix %q", s, want)
	}
}
