package seccomp

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The child's filters: the oldest allows everything in 1 instruction, the
// next in 2, so the lengths say the order; with notif a third hands
// getppid to a supervisor.
func childFilters(notif bool) [][]unix.SockFilter {
	allow := unix.SockFilter{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW}
	fs := [][]unix.SockFilter{
		{allow},
		{{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0}, allow},
	}
	if notif {
		fs = append(fs, []unix.SockFilter{
			{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0},
			{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: unix.SYS_GETPPID, Jt: 0, Jf: 1},
			{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_USER_NOTIF},
			allow,
		})
	}
	return fs
}

// The child: installs the filters on its main thread (init runs there),
// says "ready" and waits for its stdin to close.
func init() {
	mode := os.Getenv("JAILME_SECCOMP_CHILD")
	if mode == "" {
		return
	}
	runtime.LockOSThread()
	if mode == "frozen-on-main" {
		frozenOnMain()
	}
	for _, f := range childFilters(mode == "notif") {
		prog := unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]}
		if _, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&prog))); e != 0 {
			os.Stdout.WriteString("seccomp: " + e.Error() + "\n")
			os.Exit(1)
		}
	}
	os.Stdout.WriteString("ready\n")
	bufio.NewReader(os.Stdin).ReadString('\n')
	os.Exit(0)
}

func child(t testing.TB, mode string) *exec.Cmd {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("needs root (CAP_SYS_ADMIN for PTRACE_SECCOMP_GET_FILTER)")
	}
	c := exec.Command(os.Args[0], "-test.run=^$")
	c.Env = append(os.Environ(), "JAILME_SECCOMP_CHILD="+mode)
	in, _ := c.StdinPipe()
	out, _ := c.StdoutPipe()
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(); c.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "ready\n" {
		t.Fatalf("child: %q", line)
	}
	return c
}

func TestCopyOldestFirst(t *testing.T) {
	c := child(t, "plain")
	s, err := FromProcess(c.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Filters) != 2 || len(s.Filters[0]) != 1 || len(s.Filters[1]) != 2 {
		t.Fatalf("filters %v, want a 1-instruction one, then a 2-instruction one", s.Filters)
	}
	if err := s.Carriable(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.String(), "2 filters (1+2 instructions) copied from pid") {
		t.Errorf("String: %q", s.String())
	}
	// Released: not traced, not stopped, and a second copy works.
	st, _ := os.ReadFile("/proc/" + strconv.Itoa(c.Process.Pid) + "/status")
	if !strings.Contains(string(st), "TracerPid:\t0\n") || strings.Contains(string(st), "State:\tt") {
		t.Errorf("child after the copy:\n%s", st)
	}
	if _, err := FromProcess(c.Process.Pid); err != nil {
		t.Errorf("second copy: %v", err)
	}
}

func TestUserNotifNotCarriable(t *testing.T) {
	c := child(t, "notif")
	s, err := FromProcess(c.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Carriable()
	if !errors.Is(err, ErrUncarriable) || !strings.Contains(err.Error(), "filter 3 of 3") || !strings.Contains(err.Error(), "SECCOMP_RET_USER_NOTIF") {
		t.Fatalf("Carriable: %v", err)
	}
}

// anotherTracer seizes pid from a thread of its own until release is
// called; that thread then ends, which detaches pid. Never the main thread
// (onExitingThread): CI ran such a holder there once, and the child stayed
// traced for good.
func anotherTracer(t *testing.T, pid int) (release func()) {
	t.Helper()
	seized, done := make(chan error), make(chan struct{})
	go onExitingThread(func() {
		_, err := ptrace(unix.PTRACE_SEIZE, pid, 0, 0)
		seized <- err
		<-done
	})
	if err := <-seized; err != nil {
		close(done)
		t.Fatal(err)
	}
	return func() { close(done) }
}

func TestTracedRefused(t *testing.T) {
	c := child(t, "plain")
	release := anotherTracer(t, c.Process.Pid)
	_, err := FromProcess(c.Process.Pid)
	release()
	if !errors.Is(err, ErrUncarriable) || !strings.Contains(err.Error(), "is traced by pid ") {
		t.Fatalf("FromProcess of a traced process: %v", err)
	}
}

func TestCarriableRetA(t *testing.T) {
	s := &Set{Filters: [][]unix.SockFilter{{{Code: unix.BPF_RET | unix.BPF_A}}}}
	if err := s.Carriable(); err == nil || !strings.Contains(err.Error(), "BPF_RET|BPF_A") {
		t.Fatalf("Carriable: %v", err)
	}
}

// BenchmarkFromProcess is the per-login cost of the copy: seize, interrupt,
// wait for the stop, read two filters, detach, on a thread of its own.
func BenchmarkFromProcess(b *testing.B) {
	c := child(b, "plain")
	for i := 0; i < b.N; i++ {
		if _, err := FromProcess(c.Process.Pid); err != nil {
			b.Fatal(err)
		}
	}
}

// freezerDir makes a cgroup v1 freezer group for this test process under
// its own, "" if there is none (cgroup v2 hosts, no freezer mounted).
func freezerDir() (string, error) {
	var self string
	st, _ := os.ReadFile("/proc/self/cgroup")
	for _, line := range strings.Split(string(st), "\n") {
		if f := strings.SplitN(line, ":", 3); len(f) == 3 && f[1] == "freezer" {
			self = f[2]
		}
	}
	if self == "" {
		return "", nil
	}
	dir := "/sys/fs/cgroup/freezer" + strings.TrimSuffix(self, "/") + "/jailme-seccomp-test-" + strconv.Itoa(os.Getpid())
	return dir, os.Mkdir(dir, 0o755)
}

// refusedAndReleased freezes pid in dir, copies its filters through copy
// (refused: it cannot stop), thaws it and says what became of it: "" once
// it is neither traced nor stopped, else why not.
func refusedAndReleased(dir string, pid int, copy func(int) error) string {
	write := func(f, v string) error { return os.WriteFile(dir+"/"+f, []byte(v), 0) }
	if err := write("cgroup.procs", strconv.Itoa(pid)); err != nil {
		return err.Error()
	}
	if err := write("freezer.state", "FROZEN"); err != nil {
		return err.Error()
	}
	err := copy(pid)
	if err := write("freezer.state", "THAWED"); err != nil {
		return err.Error()
	}
	if !errors.Is(err, ErrUncarriable) || !strings.Contains(err.Error(), "did not stop within") {
		return fmt.Sprintf("FromProcess of a frozen process: %v", err)
	}
	var status string
	for i := 0; i < 100; i++ {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
		status = string(b)
		if strings.Contains(status, "TracerPid:\t0\n") && !strings.Contains(status, "State:\tt") {
			return ""
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "still traced or stopped after the thaw:\n" + status
}

// An init that cannot stop (a frozen cgroup: a paused jail) is refused at
// the deadline, and released by the tracer thread's exit: once thawed it is
// neither traced nor stopped.
func TestFrozenRefusedAndReleased(t *testing.T) {
	c := child(t, "plain")
	dir, err := freezerDir()
	if dir == "" {
		t.Skip("no cgroup v1 freezer hierarchy")
	}
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() {
		os.WriteFile(dir+"/freezer.state", []byte("THAWED"), 0)
		c.Process.Kill()
		c.Wait()
		os.Remove(dir)
	})
	if why := refusedAndReleased(dir, c.Process.Pid, func(pid int) error {
		_, err := FromProcess(pid)
		return err
	}); why != "" {
		t.Fatal(why)
	}
}

// The same when the copy starts on the main thread, which the Go runtime
// never lets exit: the copy must move to a thread that can (CI ran the
// tracer goroutine there once and the thawed child stayed traced).
func TestFrozenReleasedFromMainThread(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root")
	}
	if dir, err := freezerDir(); dir == "" {
		t.Skip("no cgroup v1 freezer hierarchy")
	} else if err != nil {
		t.Skip(err)
	} else {
		os.Remove(dir)
	}
	c := exec.Command(os.Args[0], "-test.run=^$")
	c.Env = append(os.Environ(), "JAILME_SECCOMP_CHILD=frozen-on-main")
	out, err := c.CombinedOutput()
	if string(out) != "released\n" || err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}

// frozenOnMain is that test's child: init runs on the main thread, locked,
// and starts the copy's goroutine body there, as the scheduler sometimes
// does.
func frozenOnMain() {
	say := func(s string) { os.Stdout.WriteString(s + "\n"); os.Exit(0) }
	if unix.Gettid() != unix.Getpid() {
		say("init is not on the main thread")
	}
	c := exec.Command(os.Args[0], "-test.run=^$")
	c.Env = append(os.Environ(), "JAILME_SECCOMP_CHILD=plain")
	in, _ := c.StdinPipe()
	out, _ := c.StdoutPipe()
	if err := c.Start(); err != nil {
		say(err.Error())
	}
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		say("child: " + line)
	}
	dir, err := freezerDir()
	if dir == "" || err != nil {
		say(fmt.Sprintf("freezer %q: %v", dir, err))
	}
	why := refusedAndReleased(dir, c.Process.Pid, func(pid int) (err error) {
		runLocked(func() { _, err = copyHere(pid) }, make(chan struct{}))
		return err
	})
	os.WriteFile(dir+"/freezer.state", []byte("THAWED"), 0)
	c.Process.Kill()
	in.Close()
	c.Wait()
	os.Remove(dir)
	if why == "" {
		why = "released"
	}
	say(why)
}

// Another login's jailsh copying the same init holds it for a moment: the
// copy waits for it instead of refusing (concurrent logins).
func TestWaitsForAnotherCopy(t *testing.T) {
	c := child(t, "plain")
	time.AfterFunc(50*time.Millisecond, anotherTracer(t, c.Process.Pid))
	s, err := FromProcess(c.Process.Pid)
	if err != nil || len(s.Filters) != 2 {
		t.Fatalf("FromProcess while another tracer held it for 50 ms: %v, %v", s, err)
	}
}
