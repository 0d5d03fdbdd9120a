package jail

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/config"
)

func TestParsePidfile(t *testing.T) {
	for _, tt := range []struct {
		in    string
		pid   int
		start uint64
		err   string
	}{
		{"4711\n", 4711, 0, ""},
		{"4711", 4711, 0, ""},
		{"4711\n98765\n", 4711, 98765, ""},
		{" 4711 \n 98765 \n", 4711, 98765, ""},
		{"4711\n98765\nx\n", 0, 0, "3 lines"},
		{"4711\n+5\n", 0, 0, `"+5" is not a start time`},
		{"4711\n0\n", 0, 0, `"0" is not a start time`},
		{"4711\nabc\n", 0, 0, "is not a start time"},
		{"4711\n-1\n", 0, 0, "is not a start time"},
		{"x\n5\n", 0, 0, "is not a pid"},
		{"1\n5\n", 0, 0, "host's init"},
	} {
		rec, err := parsePidfile("/run/jails/web.pid", []byte(tt.in))
		if tt.err == "" {
			if err != nil || rec.pid != tt.pid || rec.start != tt.start || rec.source != "/run/jails/web.pid" {
				t.Errorf("parsePidfile(%q) = %+v, %v", tt.in, rec, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "/run/jails/web.pid") {
			t.Errorf("parsePidfile(%q) error = %v, want %q", tt.in, err, tt.err)
		}
	}
}

func TestParseStartTime(t *testing.T) {
	line := func(comm string) []byte {
		return []byte("42 (" + comm + ") S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 1000 100 18446744073709551615\n")
	}
	for _, comm := range []string{"sh", "a b", "x) S 1 2 3 4", ")(", ""} {
		got, err := parseStartTime(line(comm))
		if err != nil || got != 123456 {
			t.Errorf("comm %q: %d, %v", comm, got, err)
		}
	}
	for _, bad := range []string{"42 sh S 1", "42 (sh) S 1 2 3", "42 (sh) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 x 1"} {
		if _, err := parseStartTime([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// Our own start time: what proveInit compares a second pidfile line with.
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := parseStartTime(b); err != nil || v == 0 {
		t.Fatalf("/proc/self/stat: %d, %v", v, err)
	}
}

func TestStartedAfterBoot(t *testing.T) {
	tick := time.Second / userHZ
	for _, tt := range []struct {
		start   uint64
		written time.Duration
		after   bool
	}{
		{100, time.Second, false},                      // started with the write
		{100, time.Second + 5*time.Millisecond, false}, // before
		{200, time.Second, false},                      // within the clocks' granularity
		{201, time.Second, true},                       // just over a second after
		{1000, time.Second, true},                      // 9 s after
		{1, time.Hour, false},
	} {
		got := startedAfterBoot(tt.start, tt.written)
		if (got > 0) != tt.after {
			t.Errorf("start %d ticks (%v), written %v: after %v", tt.start, time.Duration(tt.start)*tick, tt.written, got)
		}
	}
}

// TestStartedAfterOurselves: this test process started before now and after
// the boot; on the wall clock an hour ago it did not exist yet.
func TestStartedAfterOurselves(t *testing.T) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	start, err := parseStartTime(b)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := startedAfter(start, time.Now()); err != nil || d != 0 {
		t.Errorf("written now: started %v after, %v", d, err)
	}
	if d, err := startedAfter(start, time.Now().Add(-time.Hour)); err != nil || d < 59*time.Minute {
		t.Errorf("written an hour ago: started %v after, %v", d, err)
	}
}

// TestProveInitRefusesOurselves: this process is not the init of its pid
// namespace (unless the suite runs it as one) and has our own root.
func TestProveInitRefusesOurselves(t *testing.T) {
	fd, err := unix.Open("/proc/"+strconv.Itoa(os.Getpid()), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	_, err = proveInit(fd, record{source: "/run/jails/x.pid", pid: os.Getpid()})
	if err == nil {
		t.Fatal("accepted")
	}
	if os.Getpid() != 1 && !strings.Contains(err.Error(), "is not the init of its own pid namespace") {
		t.Fatalf("err = %v", err)
	}
	if errors.Is(err, ErrNotRunning) {
		t.Fatalf("not-init is not 'not running': %v", err)
	}
}

func TestPtraceJailEntered(t *testing.T) {
	// Issue 27: the session runs from a sealed image, so a jail that keeps
	// CAP_SYS_PTRACE, in the host's user namespace or its own, is entered.
	j := &Jail{name: "pt", cfg: &config.Jail{Name: "pt"}, init: &initState{capBnd: 1 << unix.CAP_SYS_PTRACE, lastCap: 40}}
	if err := j.CheckConfinement(); err != nil {
		t.Fatalf("host user namespace: %v", err)
	}
	j.userns = &usernsState{fd: -1}
	if err := j.CheckConfinement(); err != nil {
		t.Fatalf("own user namespace: %v", err)
	}
}
