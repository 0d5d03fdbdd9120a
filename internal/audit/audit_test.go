package audit

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestLine(t *testing.T) {
	got := Line("deny", Event{Service: "sshd", RHost: "127.0.0.1", User: "alice", UID: 2001, Jail: "web",
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
	if err := Deny(Event{Prog: "jailsh", User: "bob", UID: 7, Code: "uid-mismatch", Reason: "x"}); err != nil {
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
	if err := Allow(Event{Prog: "jailsh", User: "bob", Command: "login"}); err != nil {
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

// Without a syslog daemon the caller must learn it: jailme fails closed.
func TestNoSyslog(t *testing.T) {
	old := socketPath
	socketPath = filepath.Join(t.TempDir(), "none")
	defer func() { socketPath = old }()
	if err := Allow(Event{User: "bob"}); err == nil {
		t.Fatal("no error without a syslog socket")
	}
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
	if err != nil || !strings.HasSuffix(string(buf[:n]), "deny user=bob uid=0") {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
}

func TestNote(t *testing.T) {
	fd, _ := listen(t, unix.SOCK_DGRAM)
	if err := Note(Event{Prog: "jailsh", User: "bob", UID: 7, Jail: "web", Code: "x", Reason: "y"}, "/etc/passwd:3: NIS compat entry skipped"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, _ := unix.Read(fd, buf)
	// <86> = LOG_AUTHPRIV|LOG_INFO; the event's own code and reason are replaced.
	if s := string(buf[:n]); !strings.HasPrefix(s, "<86>") || !strings.HasSuffix(s, `note user=bob uid=7 jail=web reason="/etc/passwd:3: NIS compat entry skipped"`) {
		t.Fatalf("note line %q", s)
	}
}
